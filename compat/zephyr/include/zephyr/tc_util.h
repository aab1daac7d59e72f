/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: test-case printing helpers. */
#ifndef ZEPHYR_TC_UTIL_H
#define ZEPHYR_TC_UTIL_H

#include <zephyr/sys/printk.h>

#define TC_PASS 0
#define TC_FAIL 1
#define TC_SKIP 2
#define TC_PRINT(fmt, ...) printk(fmt, ##__VA_ARGS__)
#define TC_START(name) printk("starting test - %s\n", name)
#define TC_END_RESULT(result) printk("%s\n", (result) == TC_PASS ? "PASS" : "FAIL")
void zms_tc_end_report(int result);
#define TC_END_REPORT(result) zms_tc_end_report(result)
#define TC_ERROR(fmt, ...) printk("%s:%d: " fmt, __func__, __LINE__, ##__VA_ARGS__)

#endif
