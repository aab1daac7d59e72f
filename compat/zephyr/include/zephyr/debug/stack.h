/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: stack reporting. */
#ifndef ZEPHYR_DEBUG_STACK_H
#define ZEPHYR_DEBUG_STACK_H
#include <zephyr/kernel.h>
#endif
