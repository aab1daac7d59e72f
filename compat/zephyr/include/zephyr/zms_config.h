/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: where the CONFIG_ values come from.
 *
 * `memsim ztest` generates <zephyr/autoconf.h> for each test from the
 * layer's defaults (compat/zephyr/config/defaults.conf), the test's
 * prj.conf and a testcase.yaml scenario's extra_configs. A program built
 * by hand against pkg-config's memsim-zephyr gets the installed default
 * one, made from the defaults alone.
 */
#ifndef ZEPHYR_ZMS_CONFIG_H
#define ZEPHYR_ZMS_CONFIG_H

#include <zephyr/autoconf.h>

/* Values derived from the configuration, as Zephyr's build derives them. */
#ifndef CONFIG_SYS_CLOCK_TICKS_PER_SEC
#error "autoconf.h has no CONFIG_SYS_CLOCK_TICKS_PER_SEC: not made by memsim"
#endif

/*
 * memsim ticks (about 0.1 us of a small MCU each, docs/architecture.md)
 * per Zephyr tick: the simulated clock runs at 10 MHz.
 */
#define ZMS_TICKS_PER_SEC 10000000LL
#define ZMS_PER_ZTICK (ZMS_TICKS_PER_SEC / CONFIG_SYS_CLOCK_TICKS_PER_SEC)

#endif
