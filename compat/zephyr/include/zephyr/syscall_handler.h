/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the pre-3.5 name of <zephyr/internal/syscall_handler.h>. */
#include <zephyr/internal/syscall_handler.h>
