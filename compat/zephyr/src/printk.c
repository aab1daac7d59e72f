/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: printk, to the layer's output (standard output).
 * Zephyr's printk from user mode is a syscall (k_str_out); here the text
 * goes out in the same order either way.
 */
#include "zms.h"

#include <stdarg.h>

void vprintk(const char *fmt, va_list ap)
{
	vfprintf(zms.out ? zms.out : stdout, fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

int snprintk(char *str, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(str, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Zephyr keeps -EAGAIN in rodata for its swap path; tests write it to
 * check that kernel read-only data is read-only for user threads. */
const int _k_neg_eagain = -EAGAIN;
