/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the kernel-internal header tests include. */
#ifndef ZMS_KERNEL_INTERNAL_H
#define ZMS_KERNEL_INTERNAL_H
#include <zephyr/kernel.h>
#include <zephyr/internal/syscall_handler.h>
#endif
