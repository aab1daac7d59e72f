/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the kernel tests. Simulated threads record what their
 * calls returned into plain structs; the assertions run on the host after
 * the run, so that a failing check never longjmps out of a simulated
 * thread's stack.
 */
#ifndef MS_TESTS_KERNEL_COMMON_H
#define MS_TESTS_KERNEL_COMMON_H

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

#include "tests/testutil.h"

/* Stack painting off: see tests/alloc/common.h (Valgrind and recycled
 * stacks). time_slice 0: equal priorities run in FIFO order. */
static inline struct ms_sim *ksim_new(uint32_t max_idx, size_t heap_size)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.time_slice = 0;
	if (max_idx)
		cfg.max_thread_indexes = max_idx;
	if (heap_size)
		cfg.heap_size = heap_size;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

static inline void run_done(struct ms_sim *sim)
{
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
}

static inline ms_tid spawn_opt(struct ms_sim *sim, const char *name, int prio,
			       unsigned options, ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid tid = MS_TID_NONE;

	ms_thread_attr_init(&a);
	a.name = name;
	a.priority = prio;
	a.options = options;
	assert_int_equal(ms_thread_create(sim, &a, fn, arg, &tid), 0);
	return tid;
}

static inline ms_tid spawn_user(struct ms_sim *sim, const char *name, int prio,
				ms_entry_fn fn, void *arg)
{
	return spawn_opt(sim, name, prio, MS_THREAD_USER, fn, arg);
}

static inline ms_tid spawn_sup(struct ms_sim *sim, const char *name, int prio,
			       ms_entry_fn fn, void *arg)
{
	return spawn_opt(sim, name, prio, 0, fn, arg);
}

static inline struct ms_quota_stats qstats(struct ms_sim *sim, ms_tid tid)
{
	struct ms_quota_stats st;

	assert_int_equal(ms_quota_thread_stats(sim, tid, &st), 0);
	return st;
}

static inline struct ms_heap_stats hstats(struct ms_sim *sim)
{
	struct ms_heap_stats st;

	assert_int_equal(ms_heap_stats(ms_heap_system(sim), &st), 0);
	return st;
}

static inline void set_policy(struct ms_sim *sim, const char *name,
			      uint64_t limit)
{
	struct ms_quota_params p = { .limit = limit };

	assert_int_equal(ms_quota_policy_set(sim, name, &p), 0);
}

static inline unsigned count_events(struct ms_sim *sim, enum ms_event_type type)
{
	unsigned n = 0;
	struct ms_event ev;

	for (size_t i = 0; i < ms_sim_event_count(sim); i++)
		if (ms_sim_event_get(sim, i, &ev) == 0 && ev.type == type)
			n++;
	return n;
}

/* The fault of a thread (NULL if it has none). */
static inline const struct ms_fault *fault_of(struct ms_sim *sim, ms_tid tid)
{
	for (size_t i = 0; i < ms_sim_fault_count(sim); i++) {
		const struct ms_fault *f = ms_sim_fault_get(sim, i);

		if (f->tid == tid)
			return f;
	}
	return NULL;
}

/* tid died of an oops whose check found err. */
static inline void assert_oops(struct ms_sim *sim, ms_tid tid, int err)
{
	const struct ms_fault *f = fault_of(sim, tid);

	assert_non_null(f);
	assert_int_equal(f->kind, MS_FAULT_OOPS);
	assert_int_equal(f->reason, MS_ERR_KERNEL_OOPS);
	assert_int_equal(f->error, err);
}

#endif
