/* SPDX-License-Identifier: MIT */
/*
 * The host running out of memory where the alloc subsystem allocates its
 * own records: the call fails with -ENOMEM and nothing changes.
 *
 * Linked with -Wl,--wrap=calloc: every calloc of the library's objects
 * (and of this file) goes through __wrap_calloc, which fails the nth call
 * from when it is armed. GLib's own allocations are not affected.
 */
#include <errno.h>

#include "common.h"

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static unsigned calloc_fail_in;	/* 0: off; n: the nth call from now fails */
static unsigned calloc_failed;

void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail_in && --calloc_fail_in == 0) {
		calloc_failed++;
		return NULL;
	}
	return __real_calloc(n, size);
}

struct mover {
	struct hog hog;
	ms_tid tid;
	int first, second;
	struct ms_quota_stats g1, g7, t;
};

static void mover(struct ms_sim *sim, void *arg)
{
	struct mover *m = arg;

	m->hog.max = 2;
	hog_run(sim, &m->hog);
	ms_sleep(sim, 1000);		/* a supervisor tries to move us */
}

static void setter(struct ms_sim *sim, void *arg)
{
	struct mover *m = arg;

	ms_sleep(sim, 500);
	/* Group 7 has no record yet: making it is the call's only calloc. */
	calloc_fail_in = 1;
	m->first = ms_thread_group_set(sim, m->tid, 7);
	calloc_fail_in = 0;
	assert_int_equal(ms_quota_group_stats(sim, 1, &m->g1), 0);
	assert_int_equal(ms_quota_group_stats(sim, 7, &m->g7), 0);
	assert_int_equal(ms_quota_thread_stats(sim, m->tid, &m->t), 0);
	/* With memory, the same move goes through. */
	m->second = ms_thread_group_set(sim, m->tid, 7);
}

static void group_set_without_memory_changes_nothing(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct mover m = { .hog = { .size = 24 } };

	assert_int_equal(ms_quota_policy_set(sim, "process", NULL), 0);
	m.tid = spawn(sim, "mover", 0, 0, 1, mover, &m);
	spawn(sim, "setter", 0, 0, 0, setter, &m);
	assert_int_equal(ms_sim_run(sim), 0);

	assert_int_equal(calloc_failed, 1);
	assert_int_equal(m.first, -ENOMEM);
	/* The refused move left the thread, and what it holds, in group 1. */
	assert_int_equal(m.t.group, 1);
	assert_int_equal(m.t.bytes_held, 2 * ms_heap_footprint(24));
	assert_int_equal(m.g1.bytes_held, 2 * ms_heap_footprint(24));
	assert_int_equal(m.g1.count_held, 2);
	assert_int_equal(m.g7.bytes_held, 0);
	assert_int_equal(m.g7.count_held, 0);
	/* The retry moved it. */
	assert_int_equal(m.second, 0);
	assert_int_equal(gstats(sim, 1).bytes_held, 0);
	assert_int_equal(gstats(sim, 7).bytes_held, 2 * ms_heap_footprint(24));
	assert_int_equal(tstats(sim, m.tid).group, 7);
	hog_free(sim, &m.hog);
	assert_int_equal(gstats(sim, 7).bytes_held, 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_set_without_memory_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
