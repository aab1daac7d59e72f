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

struct kinds {
	void *p[4];
};

static void kind_user(struct ms_sim *sim, void *arg)
{
	struct kinds *k = arg;
	struct ms_thread *me = ms__current(sim);

	assert_int_equal(ms__kalloc(sim, me, 64, MS_ALLOC_POLL_COPY, &k->p[0]), 0);
	assert_int_equal(ms__kalloc(sim, me, 64, MS_ALLOC_POLL_COPY, &k->p[1]), 0);
	assert_int_equal(ms__kalloc(sim, me, 8, MS_ALLOC_QUEUE_NODE, &k->p[2]), 0);
	/* Not a kind: counted as "other". */
	assert_int_equal(ms__kalloc(sim, me, 8, 200, &k->p[3]), 0);
}

static void kalloc_kinds_and_groups_listed(void **state)
{
	struct ms_sim *sim = new_sim_fifo(4096);
	struct ms_alloc_kind_stats ks;
	struct kinds k = { 0 };
	uint32_t ids[4] = { 0 };
	struct ms_thread_attr a;

	ms_thread_attr_init(&a);
	a.group = 9;
	assert_int_equal(ms_thread_create(sim, &a, kind_user, &k, NULL), 0);
	assert_int_equal(ms_quota_group_limit_set(sim, 4, 100), 0);
	assert_int_equal(ms_sim_run(sim), 0);

	assert_int_equal(ms_alloc_kind_stats(sim, MS_ALLOC_POLL_COPY, &ks), 0);
	assert_int_equal(ks.granted, 2);
	assert_int_equal(ks.count_held, 2);
	assert_int_equal(ks.bytes_held, 160);
	assert_int_equal(ms_alloc_kind_stats(sim, MS_ALLOC_OTHER, &ks), 0);
	assert_int_equal(ks.granted, 1);
	assert_int_equal(ms_alloc_kind_stats(sim, MS_ALLOC__COUNT, &ks), -EINVAL);
	assert_string_equal(ms_alloc_kind_name(MS_ALLOC_QUEUE_NODE), "queue-node");
	assert_string_equal(ms_alloc_kind_name(77), "?");

	for (int i = 0; i < 4; i++)
		ms__kfree(sim, k.p[i]);
	assert_int_equal(ms_alloc_kind_stats(sim, MS_ALLOC_POLL_COPY, &ks), 0);
	assert_int_equal(ks.freed, 2);
	assert_int_equal(ks.bytes_held, 0);
	assert_int_equal(ks.bytes_peak, 160);
	assert_int_equal(ms_alloc_kind_stats(sim, MS_ALLOC_OTHER, &ks), 0);
	assert_int_equal(ks.count_held, 0);

	/* Group 9 had a thread, group 4 only a limit. */
	assert_int_equal(ms_quota_group_list(sim, NULL, 0), 2);
	assert_int_equal(ms_quota_group_list(sim, ids, 4), 2);
	assert_int_equal(ids[0], 4);
	assert_int_equal(ids[1], 9);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kalloc_kernel_own_is_uncharged),
		cmocka_unit_test(kalloc_count_policy_limits_thread),
		cmocka_unit_test(kalloc_kinds_and_groups_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
