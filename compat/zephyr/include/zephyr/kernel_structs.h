/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the kernel's structures are in <zephyr/kernel.h>. */
#ifndef ZEPHYR_KERNEL_STRUCTS_H
#define ZEPHYR_KERNEL_STRUCTS_H
#include <zephyr/kernel.h>
#endif
