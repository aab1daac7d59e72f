/* SPDX-License-Identifier: MIT */
/*
 * Module load/unload: 10,000 cycles of create, allocate, write, seal,
 * rare-write, destroy leak no page, no mapping and no descriptor: the
 * process's mapping count and open descriptors are the same before and
 * after, the host calls are balanced (every mmap has its munmap), and the
 * pool totals show every page taken was returned.
 *
 * Under Valgrind (MEMSIM_UNDER_VALGRIND set, as `meson test --setup
 * valgrind` does) the loop runs 500 cycles instead: every host call is
 * much slower there, and a leak of one mapping or page per cycle shows
 * just as well in 500. Valgrind (and AddressSanitizer) also map memory of
 * their own, so there the mappings of pool memfds are counted exactly
 * rather than all of them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "core/core.h"
#include "platform/os.h"

#define CYCLES 10000
#define CYCLES_VALGRIND 500

/* One module's life. Pages: 3 (two sealed by filling, the third by the
 * explicit seal); mode and free tracking vary with the cycle. */
static void module_cycle(struct ms_sim *sim, unsigned i, size_t pg)
{
	static const enum ms_pool_rare_mode modes[] = {
		MS_POOL_RARE_MAP, MS_POOL_RARE_GATE, MS_POOL_RARE_OPEN,
	};
	struct ms_pool_attr a;
	struct ms_pool_stats fin;
	struct ms_pool *p;
	uint8_t *x[5];

	ms_pool_attr_init(&a);
	a.rare_mode = modes[i % 3];
	a.flags = (i / 3) % 2 ? MS_POOL_TRACK_FREES : 0;
	a.max_pages = 8;
	assert_int_equal(ms_pool_create(sim, "module", &a, &p), 0);
	for (int k = 0; k < 5; k++) {
		assert_int_equal(ms_pool_alloc(sim, p, pg / 2, 0, (void **)&x[k]), 0);
		memset(x[k], k + 1, 16);
	}
	assert_int_equal(ms_pool_seal(sim, p), 0);
	assert_int_equal(ms_pool_rare_write(sim, p, x[2], "patched", 7), 0);
	assert_int_equal(ms_pool_destroy(sim, p, &fin), 0);
	assert_int_equal(fin.pages_taken, 3);
	assert_int_equal(fin.pages_returned, 3);
	assert_int_equal(fin.seals, 3);
}

static void test_module_load_unload_leaks_nothing(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms__os *os;
	struct ms_pool_totals tot;
	size_t pg = ms__os_page_size();
	unsigned n = under_valgrind() ? CYCLES_VALGRIND : CYCLES;
	uint64_t calls0[MS__OS__COUNT], d[MS__OS__COUNT];
	long maps0, pmaps0, fds0;

	ms_config_init(&cfg);
	/* Keep the event log from growing: the hash still covers it all,
	 * and a growing log would be a mapping of its own. */
	cfg.event_log_capacity = 16;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	os = ms__sim_os(sim);
	/* One cycle first, so that every lazily made host structure
	 * (glib's, the fault region array) exists before we count. */
	module_cycle(sim, 0, pg);
	maps0 = ms__os_mapping_count();
	pmaps0 = pool_mapping_count();
	fds0 = fd_count();
	for (int op = 0; op < MS__OS__COUNT; op++)
		calls0[op] = ms__os_calls(os, op);

	for (unsigned i = 1; i <= n; i++)
		module_cycle(sim, i, pg);

	for (int op = 0; op < MS__OS__COUNT; op++)
		d[op] = ms__os_calls(os, op) - calls0[op];
	assert_mappings_back(maps0, pmaps0);
	assert_int_equal(pmaps0, 0);
	assert_int_equal(fd_count(), fds0);
	assert_int_equal(d[MS__OS_MAP], d[MS__OS_UNMAP]);
	assert_int_equal(d[MS__OS_MEMFD], n);
	/* the view, plus a persistent alias in two modes out of three, plus
	 * a mapping per window in MAP mode */
	assert_true(d[MS__OS_MAP] >= n + 2 * (n / 3));
	ms_pool_totals_get(sim, &tot);
	assert_int_equal(tot.pools, 0);
	assert_int_equal(tot.pools_created, n + 1);
	assert_int_equal(tot.pools_destroyed, n + 1);
	assert_int_equal(tot.pages, 0);
	assert_int_equal(tot.pages_taken, 3 * (uint64_t)(n + 1));
	assert_int_equal(tot.pages_returned, tot.pages_taken);
	assert_int_equal(tot.rare_writes, n + 1);
	assert_int_equal(ms_sim_event_total(sim) > 9 * (uint64_t)n, true);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_load_unload_leaks_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
