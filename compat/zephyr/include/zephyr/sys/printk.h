/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: printk, to the host's standard output. */
#ifndef ZEPHYR_SYS_PRINTK_H
#define ZEPHYR_SYS_PRINTK_H

#include <stdarg.h>
#include <stddef.h>
#include <zephyr/toolchain.h>

#ifdef __cplusplus
extern "C" {
#endif

__printf_like(1, 2) void printk(const char *fmt, ...);
void vprintk(const char *fmt, va_list ap);
int snprintk(char *str, size_t size, const char *fmt, ...) __printf_like(3, 4);

#ifdef __cplusplus
}
#endif
#endif
