/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the C library's partition. The host's C library
 * keeps its data outside memsim's view, so there is none: user threads use
 * it as they use their own stack.
 */
#ifndef ZEPHYR_SYS_LIBC_HOOKS_H
#define ZEPHYR_SYS_LIBC_HOOKS_H
#define Z_LIBC_PARTITION_EXISTS 0
#endif
