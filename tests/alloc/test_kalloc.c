/* SPDX-License-Identifier: MIT */
/*
 * The internal allocation contract (src/alloc/alloc.h) as the kernel
 * services use it: ms__kalloc charges the requester, ms__kfree credits it.
 */
#include <errno.h>

#include "common.h"
#include "alloc/alloc.h"
#include "sched/sched.h"

static void kalloc_kernel_own_is_uncharged(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap_stats hs;
	void *p = NULL;

	assert_int_equal(ms__kalloc(sim, NULL, 100, MS_ALLOC_OTHER, &p), 0);
	assert_non_null(p);
	assert_int_equal(ms__kalloc_owner(p), MS_TID_NONE);
	assert_int_equal(ms__kalloc_bytes(p), ms_heap_footprint(100));
	assert_int_equal(ms_heap_footprint(100), 16 + 104);
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.allocated_bytes, 120);
	ms__kfree(sim, p);
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.allocated_bytes, 0);
	assert_int_equal(hs.free_bytes, 4096 - 16);
	ms_sim_free(sim);
}

struct spam {
	int got;
	int err;
	void *p[64];
};

static void spammer(struct ms_sim *sim, void *arg)
{
	struct spam *s = arg;
	struct ms_thread *me = ms__current(sim);

	for (;;) {
		int r = ms__kalloc(sim, me, 24, MS_ALLOC_TIMEOUT, &s->p[s->got]);

		if (r) {
			s->err = r;
			break;
		}
		assert_int_equal(ms__kalloc_owner(s->p[s->got]), ms_thread_self(sim));
		s->got++;
	}
}

static void kalloc_count_policy_limits_thread(void **state)
{
	struct ms_sim *sim = new_sim_heap(64 * 1024);
	struct ms_quota_params qp = { .limit = 10 };
	struct spam a = { 0 }, b = { 0 };
	struct ms_quota_stats st;
	ms_tid ta, tb;

	assert_int_equal(ms_quota_policy_set(sim, "count", &qp), 0);
	assert_int_equal(ms_thread_create(sim, NULL, spammer, &a, &ta), 0);
	assert_int_equal(ms_thread_create(sim, NULL, spammer, &b, &tb), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(a.got, 10);
	assert_int_equal(a.err, -EDQUOT);
	assert_int_equal(b.got, 10);
	assert_int_equal(ms_quota_thread_stats(sim, ta, &st), 0);
	assert_int_equal(st.requested, 11);
	assert_int_equal(st.granted, 10);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.count_held, 10);
	assert_int_equal(st.bytes_held, 10 * 40);
	assert_false(st.alive);
	for (int i = 0; i < a.got; i++)
		ms__kfree(sim, a.p[i]);
	for (int i = 0; i < b.got; i++)
		ms__kfree(sim, b.p[i]);
	assert_int_equal(ms_quota_thread_stats(sim, ta, &st), 0);
	assert_int_equal(st.count_held, 0);
	assert_int_equal(st.freed, 10);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kalloc_kernel_own_is_uncharged),
		cmocka_unit_test(kalloc_count_policy_limits_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
