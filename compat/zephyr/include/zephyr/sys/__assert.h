/* SPDX-License-Identifier: MIT */
#ifndef ZEPHYR_SYS___ASSERT_H
#define ZEPHYR_SYS___ASSERT_H
#include <zephyr/toolchain.h>
#endif
