/* SPDX-License-Identifier: MIT */
/* Helpers shared by the alloc tests. */
#ifndef MS_TESTS_ALLOC_COMMON_H
#define MS_TESTS_ALLOC_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <memsim/memsim.h>

#include "tests/testutil.h"

/*
 * Stack painting is off in these tests: under Valgrind, the core paints a
 * recycled stack (a self-exited thread's, reused by the next creation from
 * a simulated thread) while memcheck still marks its popped frames
 * noaccess, because ms__ctx_stack_unpoison() only handles ASan. Nothing
 * here needs stack high-water marks.
 */
static inline struct ms_sim *new_sim_heap(size_t heap_size)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.heap_size = heap_size;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

/* time_slice 0: threads of one priority run to completion in FIFO order,
 * which makes the per-thread figures of the attack tests exact. */
static inline struct ms_sim *new_sim_fifo(size_t heap_size)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.heap_size = heap_size;
	cfg.time_slice = 0;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

/* A thread that allocates size-byte blocks with ms_heap_alloc() until it
 * is refused (or has max), keeping them. The out pointer is on the
 * thread's stack: a user thread's syscall buffers must be its own memory
 * (the thread itself may then store into the host struct). */
#define HOG_MAX 256
struct hog {
	size_t size;
	int max;
	int got;
	int err;
	void *p[HOG_MAX];
};

static inline void hog_run(struct ms_sim *sim, void *arg)
{
	struct hog *h = arg;
	int max = h->max ? h->max : HOG_MAX;

	while (h->got < max) {
		void *p = NULL;
		int r = ms_heap_alloc(sim, h->size, &p);

		if (r) {
			h->err = r;
			return;
		}
		h->p[h->got++] = p;
	}
}

static inline void hog_free(struct ms_sim *sim, struct hog *h)
{
	for (int i = 0; i < h->got; i++)
		assert_int_equal(ms_heap_free(sim, h->p[i]), 0);
	h->got = 0;
}

static inline struct ms_quota_stats tstats(struct ms_sim *sim, ms_tid tid)
{
	struct ms_quota_stats st;

	assert_int_equal(ms_quota_thread_stats(sim, tid, &st), 0);
	return st;
}

static inline struct ms_quota_stats gstats(struct ms_sim *sim, uint32_t g)
{
	struct ms_quota_stats st;

	assert_int_equal(ms_quota_group_stats(sim, g, &st), 0);
	return st;
}

static inline ms_tid spawn(struct ms_sim *sim, const char *name, int prio,
			   unsigned options, uint32_t group, ms_entry_fn fn,
			   void *arg)
{
	struct ms_thread_attr a;
	ms_tid tid = MS_TID_NONE;

	ms_thread_attr_init(&a);
	a.name = name;
	a.priority = prio;
	a.options = options;
	a.group = group;
	assert_int_equal(ms_thread_create(sim, &a, fn, arg, &tid), 0);
	return tid;
}

/* How many events of a type the sim has kept. */
static inline unsigned count_events(struct ms_sim *sim, enum ms_event_type type)
{
	unsigned n = 0;
	struct ms_event ev;

	for (size_t i = 0; i < ms_sim_event_count(sim); i++)
		if (ms_sim_event_get(sim, i, &ev) == 0 && ev.type == type)
			n++;
	return n;
}

#endif
