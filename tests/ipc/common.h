/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the IPC tests.
 *
 * cmocka's assertions longjmp to the test's host stack, which must not
 * happen from a simulated thread; so simulated threads only record what
 * happened (return values, snapshots of the counters) in plain structs,
 * and the test asserts on them after ms_sim_run().
 */
#ifndef MS_TESTS_IPC_COMMON_H
#define MS_TESTS_IPC_COMMON_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <memsim/memsim.h>

/*
 * time_slice 0: threads of one priority run to completion in FIFO order,
 * which makes the per-thread figures exact. Stack painting is off (see
 * tests/alloc/common.h: it upsets memcheck on recycled stacks).
 */
static inline struct ms_sim *ipc_sim(const char *mode, uint64_t bytes,
				     uint64_t msgs, uint64_t handles)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;
	struct ms_ipc_amount b = { bytes, msgs, handles };

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.time_slice = 0;
	cfg.tick_limit = 10000000;
	if (ms_sim_new(&cfg, &sim))
		abort();
	if (ms_ipc_mode_set(sim, mode) || ms_ipc_budget_default_set(sim, &b))
		abort();
	return sim;
}

static inline ms_tid spawn(struct ms_sim *sim, const char *name,
			   uint32_t group, int prio, ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid tid = 0;

	ms_thread_attr_init(&a);
	a.name = name;
	a.group = group;
	a.priority = prio;
	if (ms_thread_create(sim, &a, fn, arg, &tid))
		abort();
	return tid;
}

static inline void run_ok(struct ms_sim *sim)
{
	int ret = ms_sim_run(sim);

	for (size_t i = 0; ret && i < ms_sim_fault_count(sim); i++) {
		const struct ms_fault *f = ms_sim_fault_get(sim, i);

		print_error("fault %s tid %u: %s\n",
			    ms_fault_kind_name(f->kind), f->tid, f->detail);
		for (unsigned j = 0; j < f->bt_depth; j++)
			print_error("    %s\n", f->bt[j]);
	}
	assert_int_equal(ret, 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
}

static inline struct ms_ipc_stats gstats(struct ms_sim *sim, uint32_t g)
{
	struct ms_ipc_stats s;

	if (ms_ipc_stats(sim, g, NULL, &s))
		abort();
	return s;
}

static inline struct ms_ipc_amount usage(struct ms_sim *sim, uint32_t payer,
					 uint32_t peer)
{
	struct ms_ipc_amount a;

	ms_ipc_usage(sim, payer, peer, &a);
	return a;
}

#define assert_amount(a, b, m, h)                                          \
	do {                                                                 \
		struct ms_ipc_amount _a = (a);                              \
		assert_int_equal(_a.bytes, (b));                            \
		assert_int_equal(_a.msgs, (m));                             \
		assert_int_equal(_a.handles, (h));                          \
	} while (0)

static inline struct ms_ipc_out out_bytes(const void *data, size_t len)
{
	struct ms_ipc_out o = { data, len, NULL, 0 };

	return o;
}

/* Everything released: no identity holds anything, no handle, no node. */
static inline void assert_all_released(struct ms_sim *sim)
{
	struct ms_ipc_stats all = gstats(sim, MS_IPC_GROUP_ALL);

	assert_amount(all.held, 0, 0, 0);
	assert_amount(all.reserved, 0, 0, 0);
	assert_int_equal(all.handles_owned, 0);
	assert_int_equal(all.nodes, 0);
	for (size_t i = 0; i < ms_ipc_group_count(sim); i++) {
		struct ms_ipc_stats s = gstats(sim, ms_ipc_group_at(sim, i));

		assert_amount(s.held, 0, 0, 0);
		assert_int_equal(s.handles_owned, 0);
		assert_int_equal(s.nodes, 0);
	}
}

#endif
