/* SPDX-License-Identifier: MIT */
/*
 * Waiting for room (ms__kalloc_wait, ms_heap_alloc_wait), as k_heap_alloc
 * with a timeout: a full heap blocks the caller on the heap's wait queue,
 * every free wakes the waiters, which retry; the timeout gives -EAGAIN;
 * a quota refusal never waits. The heap is 1024 bytes: 25 blocks of 24.
 */
#include <errno.h>

#include "common.h"
#include "alloc/alloc.h"
#include "sched/sched.h"

struct scene {
	struct hog fill;
	int64_t timeout;
	int ret[2];
	void *p[2];
	uint64_t tick_free;
	uint64_t tick_got[2];
	uint32_t waiters_seen;
	bool free_one;
	ms_tid waiter;
	struct ms_quota_stats waiting;	/* the waiter's, while it waits */
};

static void filler(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;
	struct ms_heap_stats hs;

	s->fill.size = 24;
	hog_run(sim, &s->fill);
	ms_sleep(sim, 100);		/* the waiters block meanwhile */
	ms_heap_stats(ms_heap_system(sim), &hs);
	s->waiters_seen = hs.waiters;
	if (s->waiter)
		assert_int_equal(ms_quota_thread_stats(sim, s->waiter,
						       &s->waiting), 0);
	if (s->free_one) {
		s->tick_free = ms_sim_now(sim);
		s->fill.got--;
		assert_int_equal(ms_heap_free(sim, s->fill.p[s->fill.got]), 0);
	}
}

static void waiter0(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;

	s->ret[0] = ms__kalloc_wait(sim, ms__current(sim), 24, MS_ALLOC_OTHER,
				    s->timeout, &s->p[0]);
	s->tick_got[0] = ms_sim_now(sim);
}

static void waiter1(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;
	void *p = NULL;

	/* Into its own stack: the out pointer of a user thread's syscall
	 * must be memory it may write. */
	s->ret[1] = ms_heap_alloc_wait(sim, 24, s->timeout, &p);
	s->p[1] = p;
	s->tick_got[1] = ms_sim_now(sim);
}

static void kalloc_wait_woken_by_free(void **state)
{
	struct ms_sim *sim = new_sim_fifo(1024);
	struct scene s = { .timeout = 1000, .free_one = true };
	struct ms_quota_stats st;
	struct ms_heap_stats hs;
	ms_tid w;

	spawn(sim, "filler", 0, 0, MS_GROUP_INHERIT, filler, &s);
	w = spawn(sim, "waiter", 1, 0, MS_GROUP_INHERIT, waiter0, &s);
	s.waiter = w;
	assert_int_equal(ms_sim_run(sim), 0);
	/* A request counts once it is decided: not while it waits. */
	assert_int_equal(s.waiting.requested, 0);
	assert_int_equal(s.waiting.granted, 0);
	assert_int_equal(s.fill.got, 24);
	assert_int_equal(s.fill.err, -ENOMEM);
	assert_int_equal(s.waiters_seen, 1);
	assert_int_equal(s.ret[0], 0);
	assert_true(s.tick_got[0] >= s.tick_free);
	assert_true(s.tick_got[0] < s.tick_free + 1000);
	st = tstats(sim, w);
	assert_int_equal(st.requested, 1);
	assert_int_equal(st.granted, 1);
	assert_int_equal(st.denied_nomem, 0);
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.waiters, 0);
	assert_int_equal(hs.free_bytes, 0);
	ms__kfree(sim, s.p[0]);
	hog_free(sim, &s.fill);
	ms_sim_free(sim);
}

static void kalloc_wait_times_out_with_eagain(void **state)
{
	struct ms_sim *sim = new_sim_fifo(1024);
	struct scene s = { .timeout = 50 };
	struct ms_quota_stats st;
	uint64_t t0;
	ms_tid w;

	spawn(sim, "filler", 0, 0, MS_GROUP_INHERIT, filler, &s);
	w = spawn(sim, "waiter", 1, 0, MS_GROUP_INHERIT, waiter0, &s);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.ret[0], -EAGAIN);
	assert_null(s.p[0]);
	/* Blocked when the filler slept (after its 26 requests) and gave
	 * up 50 ticks later. */
	t0 = s.tick_got[0] - 50;
	assert_true(t0 > 0);
	st = tstats(sim, w);
	assert_int_equal(st.requested, 1);
	assert_int_equal(st.granted, 0);
	assert_int_equal(st.denied_nomem, 1);
	assert_int_equal(st.denied_quota, 0);
	assert_int_equal(count_events(sim, MS_EV_DENY_NOMEM), 2);
	/* The filler's sleep and the waiter's one wait. */
	assert_int_equal(count_events(sim, MS_EV_BLOCK), 2);
	hog_free(sim, &s.fill);
	ms_sim_free(sim);
}

/* One free, two waiters: the first retries and wins; the second finds the
 * heap full again, waits on, and times out. */
static void kalloc_wait_one_free_two_waiters(void **state)
{
	struct ms_sim *sim = new_sim_fifo(1024);
	struct scene s = { .timeout = 500, .free_one = true };
	struct ms_heap_stats hs;

	spawn(sim, "filler", 0, 0, MS_GROUP_INHERIT, filler, &s);
	spawn(sim, "w0", 1, 0, MS_GROUP_INHERIT, waiter0, &s);
	spawn(sim, "w1", 1, MS_THREAD_USER, MS_GROUP_INHERIT, waiter1, &s);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.waiters_seen, 2);
	assert_int_equal(s.ret[0], 0);
	assert_int_equal(s.ret[1], -EAGAIN);
	/* The filler's sleep, both waiters, and w1 again after the free
	 * woke it to find the heap full. */
	assert_int_equal(count_events(sim, MS_EV_BLOCK), 4);
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.waiters, 0);
	ms__kfree(sim, s.p[0]);
	hog_free(sim, &s.fill);
	ms_sim_free(sim);
}

/* A free from the host (an interrupt-like context) wakes a thread that
 * waits forever. */
static void kalloc_wait_forever_woken_by_host_free(void **state)
{
	struct ms_sim *sim = new_sim_fifo(1024);
	struct scene s = { .timeout = MS_FOREVER };

	spawn(sim, "filler", 0, 0, MS_GROUP_INHERIT, filler, &s);
	spawn(sim, "waiter", 1, 0, MS_GROUP_INHERIT, waiter0, &s);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DEADLOCK);
	assert_int_equal(s.waiters_seen, 1);
	s.fill.got--;
	assert_int_equal(ms_heap_free(sim, s.fill.p[s.fill.got]), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(s.ret[0], 0);
	ms__kfree(sim, s.p[0]);
	hog_free(sim, &s.fill);
	ms_sim_free(sim);
}

struct quota_wait {
	int first, second;
	void *p;
	uint64_t before, after;
};

static void quota_waiter(struct ms_sim *sim, void *arg)
{
	struct quota_wait *q = arg;
	void *x = NULL;

	q->first = ms_heap_alloc(sim, 24, &q->p);
	q->before = ms_sim_now(sim);
	q->second = ms_heap_alloc_wait(sim, 24, MS_FOREVER, &x);
	q->after = ms_sim_now(sim);
}

static void kalloc_wait_quota_refusal_does_not_wait(void **state)
{
	struct ms_sim *sim = new_sim_fifo(1024);
	struct ms_quota_params qp = { .limit = 1 };
	struct quota_wait q = { 0 };

	assert_int_equal(ms_quota_policy_set(sim, "count", &qp), 0);
	spawn(sim, "t", 0, 0, MS_GROUP_INHERIT, quota_waiter, &q);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(q.first, 0);
	assert_int_equal(q.second, -EDQUOT);
	assert_int_equal(count_events(sim, MS_EV_BLOCK), 0);
	/* One kernel entry, one allocation attempt and its quota check. */
	assert_int_equal(q.after - q.before, 1 + 10 + 2);
	assert_int_equal(ms_heap_free(sim, q.p), 0);
	ms_sim_free(sim);
}

static void pool_waiter(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;

	s->ret[0] = ms_heap_alloc_wait(sim, 24, 200, &s->p[0]);
}

static void pool_filler(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;
	struct ms_heap_stats hs;

	s->fill.size = 24;
	hog_run(sim, &s->fill);
	ms_sleep(sim, 100);
	/* The waiter is blocked on this pool, which may not go. */
	ms_heap_stats(ms_heap_get(sim, 1), &hs);
	s->waiters_seen = hs.waiters;
	s->ret[1] = ms_heap_destroy(sim, ms_heap_get(sim, 1));
}

static void kalloc_wait_on_an_exhausted_pool(void **state)
{
	struct ms_sim *sim = new_sim_fifo(4096);
	struct scene s = { 0 };
	struct ms_heap *p;
	ms_tid f, w;

	assert_int_equal(ms_heap_create(sim, "p", 1024, &p), 0);
	assert_int_equal(ms_quota_policy_set(sim, "pool", NULL), 0);
	f = spawn(sim, "filler", 0, 0, MS_GROUP_INHERIT, pool_filler, &s);
	w = spawn(sim, "waiter", 1, 0, MS_GROUP_INHERIT, pool_waiter, &s);
	assert_int_equal(ms_thread_heap_assign(sim, f, p), 0);
	assert_int_equal(ms_thread_heap_assign(sim, w, p), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.waiters_seen, 1);
	assert_int_equal(s.ret[1], -EBUSY);
	assert_int_equal(s.fill.got, 25);
	assert_int_equal(s.ret[0], -EAGAIN);
	hog_free(sim, &s.fill);
	assert_int_equal(ms_heap_destroy(sim, p), 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kalloc_wait_woken_by_free),
		cmocka_unit_test(kalloc_wait_times_out_with_eagain),
		cmocka_unit_test(kalloc_wait_one_free_two_waiters),
		cmocka_unit_test(kalloc_wait_forever_woken_by_host_free),
		cmocka_unit_test(kalloc_wait_quota_refusal_does_not_wait),
		cmocka_unit_test(kalloc_wait_on_an_exhausted_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
