/* SPDX-License-Identifier: MIT */
/*
 * The quota policies one by one, with exact counts: who is refused, with
 * which errno, and what every counter says afterwards. A 24-byte request
 * takes 40 bytes of heap (its footprint), which is what "bytes" and
 * "process" charge.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "alloc/alloc.h"
#include "sched/sched.h"

/* ---- count --------------------------------------------------------------- */

struct spam {
	int got;
	int err;
	void *p[64];
};

/* A thread spamming timeout allocations through the kernel's own path. */
static void timeout_spammer(struct ms_sim *sim, void *arg)
{
	struct spam *s = arg;
	struct ms_thread *me = ms__current(sim);

	for (;;) {
		int r = ms__kalloc(sim, me, 24, MS_ALLOC_TIMEOUT, &s->p[s->got]);

		if (r) {
			s->err = r;
			break;
		}
		assert_int_equal(ms__kalloc_owner(s->p[s->got]),
				 ms_thread_self(sim));
		s->got++;
	}
}

static void quota_count_spammer_gets_exactly_n(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 10 };
	struct spam a = { 0 }, b = { 0 };
	struct ms_quota_stats st;
	ms_tid ta, tb;

	assert_int_equal(ms_quota_policy_set(sim, "count", &qp), 0);
	assert_string_equal(ms_quota_policy_name(sim), "count");
	ta = spawn(sim, "spammer", 0, 0, MS_GROUP_INHERIT, timeout_spammer, &a);
	tb = spawn(sim, "other", 0, 0, MS_GROUP_INHERIT, timeout_spammer, &b);
	assert_int_equal(ms_sim_run(sim), 0);

	assert_int_equal(a.got, 10);
	assert_int_equal(a.err, -EDQUOT);
	/* The other thread has its own 10, unaffected by the spammer. */
	assert_int_equal(b.got, 10);
	assert_int_equal(b.err, -EDQUOT);
	assert_int_equal(tstats(sim, tb).granted, 10);
	st = tstats(sim, ta);
	assert_int_equal(st.requested, 11);
	assert_int_equal(st.granted, 10);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.denied_nomem, 0);
	assert_int_equal(st.count_held, 10);
	assert_int_equal(st.count_peak, 10);
	assert_int_equal(st.bytes_held, 400);
	assert_int_equal(st.limit, 10);
	assert_false(st.alive);
	assert_int_equal(count_events(sim, MS_EV_ALLOC), 20);
	assert_int_equal(count_events(sim, MS_EV_DENY_QUOTA), 2);
	assert_int_equal(count_events(sim, MS_EV_DENY_NOMEM), 0);

	for (int i = 0; i < a.got; i++)
		ms__kfree(sim, a.p[i]);
	for (int i = 0; i < b.got; i++)
		ms__kfree(sim, b.p[i]);
	st = tstats(sim, ta);
	assert_int_equal(st.count_held, 0);
	assert_int_equal(st.bytes_held, 0);
	assert_int_equal(st.freed, 10);
	assert_int_equal(count_events(sim, MS_EV_FREE), 20);
	ms_sim_free(sim);
}

/* ---- who frees ----------------------------------------------------------- */

struct handoff {
	struct hog hog;
	ms_tid requester;
	struct ms_quota_stats during;	/* requester's, seen by the freer */
	struct ms_quota_stats freer_after;
};

static void handoff_requester(struct ms_sim *sim, void *arg)
{
	struct handoff *h = arg;

	hog_run(sim, &h->hog);
	ms_sleep(sim, 100);	/* alive while the other frees */
}

static void handoff_freer(struct ms_sim *sim, void *arg)
{
	struct handoff *h = arg;

	hog_free(sim, &h->hog);
	assert_int_equal(ms_quota_thread_stats(sim, h->requester, &h->during), 0);
	assert_int_equal(ms_quota_thread_stats(sim, ms_thread_self(sim),
					       &h->freer_after), 0);
}

static void quota_free_by_another_thread_credits_requester(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 3 };
	struct handoff h = { .hog = { .size = 24 } };
	struct ms_event ev;
	ms_tid tf;

	assert_int_equal(ms_quota_policy_set(sim, "count", &qp), 0);
	h.requester = spawn(sim, "req", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
			    handoff_requester, &h);
	/* A supervisor frees on the requester's behalf (a user thread may
	 * free only its own blocks: tests/kernel/test_sys_heap.c). */
	tf = spawn(sim, "freer", 1, 0, MS_GROUP_INHERIT, handoff_freer, &h);
	assert_int_equal(ms_sim_run(sim), 0);

	assert_int_equal(h.hog.err, -EDQUOT);
	assert_true(h.during.alive);
	assert_int_equal(h.during.granted, 3);
	assert_int_equal(h.during.freed, 3);
	assert_int_equal(h.during.count_held, 0);
	assert_int_equal(h.during.bytes_held, 0);
	assert_int_equal(h.during.bytes_peak, 120);
	/* The freer paid nothing and got nothing. */
	assert_int_equal(h.freer_after.requested, 0);
	assert_int_equal(h.freer_after.freed, 0);
	/* The last free event names the freer as actor, the requester in b. */
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type == MS_EV_FREE) {
			assert_int_equal(ev.tid, tf);
			assert_int_equal(ev.b, h.requester);
			assert_int_equal(ev.a, 40);
		}
	}
	ms_sim_free(sim);
}

static void quota_free_after_requester_died_credits_it(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 4096 };
	struct hog h = { .size = 100, .max = 3 };
	struct ms_quota_stats st;
	ms_tid t;

	assert_int_equal(ms_quota_policy_set(sim, "bytes", &qp), 0);
	t = spawn(sim, "dies", 0, MS_THREAD_USER, 7, hog_run, &h);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(h.got, 3);

	st = tstats(sim, t);
	assert_false(st.alive);
	assert_int_equal(st.bytes_held, 360);
	assert_int_equal(st.group, 7);
	assert_int_equal(gstats(sim, 7).bytes_held, 360);

	/* The host frees them, as an interrupt handler would, after the
	 * requester is gone: its record is still there to be credited. */
	assert_int_equal(ms_heap_free(sim, h.p[0]), 0);
	st = tstats(sim, t);
	assert_int_equal(st.bytes_held, 240);
	assert_int_equal(st.freed, 1);
	assert_int_equal(ms_heap_free(sim, h.p[1]), 0);
	assert_int_equal(ms_heap_free(sim, h.p[2]), 0);
	/* The record is retired with the last charge; the figures stay. */
	st = tstats(sim, t);
	assert_false(st.alive);
	assert_int_equal(st.bytes_held, 0);
	assert_int_equal(st.count_held, 0);
	assert_int_equal(st.freed, 3);
	assert_int_equal(st.granted, 3);
	assert_int_equal(st.bytes_peak, 360);
	assert_int_equal(gstats(sim, 7).bytes_held, 0);
	assert_int_equal(gstats(sim, 7).freed, 3);
	assert_int_equal(ms_quota_thread_stats(sim, 99, &st), -ENOENT);
	ms_sim_free(sim);
}

/* ---- bytes --------------------------------------------------------------- */

static void quota_bytes_limit_is_in_footprints(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 400 };
	struct hog a = { .size = 24 }, b = { .size = 100 };
	ms_tid ta, tb;

	assert_int_equal(ms_quota_policy_set(sim, "bytes", &qp), 0);
	ta = spawn(sim, "small", 0, 0, MS_GROUP_INHERIT, hog_run, &a);
	tb = spawn(sim, "big", 0, 0, MS_GROUP_INHERIT, hog_run, &b);
	assert_int_equal(ms_sim_run(sim), 0);
	/* 400 / 40 = 10; 400 / 120 = 3. */
	assert_int_equal(a.got, 10);
	assert_int_equal(a.err, -EDQUOT);
	assert_int_equal(b.got, 3);
	assert_int_equal(b.err, -EDQUOT);
	assert_int_equal(tstats(sim, ta).bytes_held, 400);
	assert_int_equal(tstats(sim, tb).bytes_held, 360);
	assert_int_equal(tstats(sim, tb).denied_quota, 1);
	/* Limits are set on live threads only. */
	assert_int_equal(ms_quota_thread_limit_set(sim, tb, 1), -ENOENT);
	hog_free(sim, &a);
	hog_free(sim, &b);
	ms_sim_free(sim);
}

/* Quota and heap refusals are told apart and counted apart. */
static void quota_edquot_and_enomem_told_apart(void **state)
{
	struct ms_sim *sim = new_sim_fifo(1024);
	struct ms_quota_params qp = { .limit = 800 };
	struct hog a = { .size = 24 }, b = { .size = 24 };
	struct ms_quota_stats st;
	ms_tid ta, tb;

	/* 1008 bytes of heap; each thread may hold 800 (20 blocks). */
	assert_int_equal(ms_quota_policy_set(sim, "bytes", &qp), 0);
	ta = spawn(sim, "first", 0, 0, MS_GROUP_INHERIT, hog_run, &a);
	tb = spawn(sim, "second", 0, 0, MS_GROUP_INHERIT, hog_run, &b);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(a.got, 20);
	assert_int_equal(a.err, -EDQUOT);
	/* 208 bytes left: 5 blocks; the last chunk is 48 bytes (1 unit of
	 * slack), but it is charged its footprint of 40. */
	assert_int_equal(b.got, 5);
	assert_int_equal(b.err, -ENOMEM);
	st = tstats(sim, ta);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.denied_nomem, 0);
	st = tstats(sim, tb);
	assert_int_equal(st.denied_quota, 0);
	assert_int_equal(st.denied_nomem, 1);
	assert_int_equal(st.denied_nopool, 0);
	assert_int_equal(st.bytes_held, 200);
	assert_int_equal(ms_quota_total_stats(sim, &st), 0);
	assert_int_equal(st.requested, 27);
	assert_int_equal(st.granted, 25);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.denied_nomem, 1);
	assert_int_equal(st.bytes_held, 1000);
	assert_int_equal(count_events(sim, MS_EV_DENY_QUOTA), 1);
	assert_int_equal(count_events(sim, MS_EV_DENY_NOMEM), 1);
	hog_free(sim, &a);
	hog_free(sim, &b);
	ms_sim_free(sim);
}

/* ---- process ------------------------------------------------------------- */

static void spawner(struct ms_sim *sim, void *arg)
{
	struct hog *kids = arg;

	for (int i = 0; i < 2; i++)
		spawn(sim, "kid", 0, MS_THREAD_USER, MS_GROUP_INHERIT, hog_run,
		      &kids[i]);
}

static void quota_process_budget_shared_by_group(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 400 };
	struct hog kids[2] = { { .size = 24 }, { .size = 24 } };
	struct hog other = { .size = 24 };
	struct ms_quota_stats g;

	assert_int_equal(ms_quota_policy_set(sim, "process", &qp), 0);
	spawn(sim, "parent", 0, MS_THREAD_USER, 3, spawner, kids);
	spawn(sim, "other", 0, MS_THREAD_USER, 4, hog_run, &other);
	assert_int_equal(ms_sim_run(sim), 0);
	/* The children joined group 3 and share its 400 bytes. */
	assert_int_equal(kids[0].got, 10);
	assert_int_equal(kids[0].err, -EDQUOT);
	assert_int_equal(kids[1].got, 0);
	assert_int_equal(kids[1].err, -EDQUOT);
	assert_int_equal(other.got, 10);
	g = gstats(sim, 3);
	assert_int_equal(g.requested, 12);
	assert_int_equal(g.granted, 10);
	assert_int_equal(g.denied_quota, 2);
	assert_int_equal(g.bytes_held, 400);
	assert_int_equal(g.limit, 400);
	assert_int_equal(gstats(sim, 4).bytes_held, 400);
	hog_free(sim, &kids[0]);
	hog_free(sim, &other);
	assert_int_equal(gstats(sim, 3).bytes_held, 0);
	ms_sim_free(sim);
}

/* ---- pool ---------------------------------------------------------------- */

static void quota_pool_none_fails_and_children_inherit(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct hog nopool = { .size = 24, .max = 1 };
	struct hog kids[2] = { { .size = 24, .max = 2 }, { .size = 24, .max = 2 } };
	struct ms_heap *p;
	struct ms_heap_stats hs;
	struct ms_quota_stats st;
	struct ms_event ev;
	ms_tid tn, tp;

	assert_int_equal(ms_heap_create(sim, "pool-a", 1024, &p), 0);
	assert_int_equal(ms_quota_policy_set(sim, "pool", NULL), 0);
	tn = spawn(sim, "nopool", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
		   hog_run, &nopool);
	tp = spawn(sim, "parent", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
		   spawner, kids);
	assert_int_equal(ms_thread_heap_assign(sim, tp, p), 0);
	assert_int_equal(ms_heap_destroy(sim, p), -EBUSY);	/* assigned */
	assert_int_equal(ms_sim_run(sim), 0);

	assert_int_equal(nopool.got, 0);
	assert_int_equal(nopool.err, -ENOMEM);
	st = tstats(sim, tn);
	assert_int_equal(st.denied_nomem, 1);
	assert_int_equal(st.denied_nopool, 1);
	assert_int_equal(st.pool, MS_HEAP_ID_NONE);
	assert_int_equal(kids[0].got, 2);
	assert_int_equal(kids[1].got, 2);
	/* Drawn from the pool, not the system heap. */
	ms_heap_stats(p, &hs);
	assert_int_equal(hs.allocated_bytes, 160);
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.allocated_bytes, 0);
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type == MS_EV_ALLOC)
			assert_int_equal(ev.b, ms_heap_id(p));
		if (ev.type == MS_EV_DENY_NOMEM)
			assert_int_equal(ev.b, MS_HEAP_ID_NONE);
	}
	assert_int_equal(tstats(sim, tp + 1).pool, ms_heap_id(p));
	hog_free(sim, &kids[0]);
	hog_free(sim, &kids[1]);
	/* Every thread is gone: the pool may go. */
	assert_int_equal(ms_heap_destroy(sim, p), 0);
	ms_sim_free(sim);
}

/* ---- a pool reassigned during a run ------------------------------------- */

struct reassign {
	struct ms_heap *p1, *p2;
	ms_tid user, child;
	struct hog u;			/* the user thread's blocks */
	struct hog c;			/* its child's */
	int eperm_self, eperm_null;
	struct ms_quota_stats after_eperm;	/* the user's, then */
	struct ms_quota_stats user_seen, child_seen;	/* by the supervisor */
};

/* Created by the user thread before its pool changes: keeps p1. */
static void reassign_child(struct ms_sim *sim, void *arg)
{
	struct reassign *r = arg;

	ms_sleep(sim, 1500);		/* past the reassignment */
	r->c.max = 1;
	hog_run(sim, &r->c);
}

static void reassign_user(struct ms_sim *sim, void *arg)
{
	struct reassign *r = arg;

	r->u.max = 2;
	hog_run(sim, &r->u);		/* from p1 */
	r->child = spawn(sim, "child", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
			 reassign_child, r);
	/* A user thread may not pick its pool, nor drop it. */
	r->eperm_self = ms_thread_heap_assign(sim, ms_thread_self(sim), r->p2);
	r->eperm_null = ms_thread_heap_assign(sim, ms_thread_self(sim), NULL);
	assert_int_equal(ms_quota_thread_stats(sim, ms_thread_self(sim),
					       &r->after_eperm), 0);
	ms_sleep(sim, 1000);		/* the supervisor moves us to p2 */
	r->u.max = 3;
	hog_run(sim, &r->u);		/* from p2 */
}

static void reassign_supervisor(struct ms_sim *sim, void *arg)
{
	struct reassign *r = arg;

	ms_sleep(sim, 500);
	assert_int_equal(ms_thread_heap_assign(sim, r->user, r->p2), 0);
	assert_int_equal(ms_quota_thread_stats(sim, r->user, &r->user_seen), 0);
	assert_int_equal(ms_quota_thread_stats(sim, r->child, &r->child_seen),
			 0);
}

/*
 * k_thread_heap_assign: only a supervisor (or the host) assigns pools; a
 * new pool serves the thread's next requests and nothing already
 * allocated moves (Zephyr: "will not migrate allocations from the previous
 * pool"); a child created before keeps the pool it inherited. Every block
 * goes back to the heap it came from and credits its requester, even
 * after the requester died.
 */
static void quota_pool_reassigned_mid_run(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct reassign r = { .u = { .size = 24 }, .c = { .size = 24 } };
	struct ms_heap_stats h1, h2;
	struct ms_quota_stats st;
	struct ms_event ev;
	uint32_t want[3], got[3];
	unsigned n = 0;

	(void)state;
	assert_int_equal(ms_heap_create(sim, "p1", 1024, &r.p1), 0);
	assert_int_equal(ms_heap_create(sim, "p2", 1024, &r.p2), 0);
	assert_int_equal(ms_quota_policy_set(sim, "pool", NULL), 0);
	r.user = spawn(sim, "user", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
		       reassign_user, &r);
	spawn(sim, "supervisor", 0, 0, MS_GROUP_INHERIT, reassign_supervisor,
	      &r);
	assert_int_equal(ms_thread_heap_assign(sim, r.user, r.p1), 0);
	assert_int_equal(ms_sim_run(sim), 0);

	assert_int_equal(r.eperm_self, -EPERM);
	assert_int_equal(r.eperm_null, -EPERM);
	assert_int_equal(r.after_eperm.pool, ms_heap_id(r.p1));
	assert_int_equal(r.user_seen.pool, ms_heap_id(r.p2));
	assert_int_equal(r.child_seen.pool, ms_heap_id(r.p1));
	assert_int_equal(r.u.got, 3);
	assert_int_equal(r.c.got, 1);

	/* Two blocks of the user's in p1, one in p2; the child's in p1. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(ms_heap_block_owner(r.u.p[i]), r.user);
	assert_int_equal(ms_heap_block_owner(r.c.p[0]), r.child);
	ms_heap_stats(r.p1, &h1);
	ms_heap_stats(r.p2, &h2);
	assert_int_equal(h1.allocated_bytes, 120);
	assert_int_equal(h1.used_chunks, 3);
	assert_int_equal(h1.allocs, 3);
	assert_int_equal(h2.allocated_bytes, 40);
	assert_int_equal(h2.used_chunks, 1);
	assert_int_equal(h2.allocs, 1);
	ms_heap_stats(ms_heap_system(sim), &h1);
	assert_int_equal(h1.allocated_bytes, 0);
	want[0] = want[1] = ms_heap_id(r.p1);
	want[2] = ms_heap_id(r.p2);
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type == MS_EV_ALLOC && ev.tid == r.user && n < 3)
			got[n++] = (uint32_t)ev.b;
		if (ev.type == MS_EV_ALLOC && ev.tid == r.child)
			assert_int_equal(ev.b, ms_heap_id(r.p1));
	}
	assert_int_equal(n, 3);
	assert_memory_equal(got, want, sizeof(want));

	/* Both threads are gone; the host frees, newest first. */
	st = tstats(sim, r.user);
	assert_false(st.alive);
	assert_int_equal(st.granted, 3);
	assert_int_equal(st.bytes_held, 120);
	assert_int_equal(st.pool, ms_heap_id(r.p2));
	assert_int_equal(ms_heap_destroy(sim, r.p2), -EBUSY);	/* not empty */
	assert_int_equal(ms_heap_free(sim, r.u.p[2]), 0);
	ms_heap_stats(r.p1, &h1);
	ms_heap_stats(r.p2, &h2);
	assert_int_equal(h1.allocated_bytes, 120);
	assert_int_equal(h2.allocated_bytes, 0);
	assert_int_equal(h2.frees, 1);
	st = tstats(sim, r.user);
	assert_int_equal(st.freed, 1);
	assert_int_equal(st.bytes_held, 80);
	assert_int_equal(st.count_held, 2);
	assert_int_equal(ms_heap_free(sim, r.u.p[1]), 0);
	assert_int_equal(ms_heap_free(sim, r.u.p[0]), 0);
	ms_heap_stats(r.p1, &h1);
	assert_int_equal(h1.allocated_bytes, 40);
	assert_int_equal(h1.frees, 2);
	st = tstats(sim, r.user);
	assert_int_equal(st.freed, 3);
	assert_int_equal(st.bytes_held, 0);
	assert_int_equal(st.count_held, 0);
	assert_int_equal(st.granted, 3);
	assert_int_equal(tstats(sim, r.child).bytes_held, 40);
	assert_int_equal(ms_heap_free(sim, r.c.p[0]), 0);
	ms_heap_stats(r.p1, &h1);
	assert_int_equal(h1.allocated_bytes, 0);
	st = tstats(sim, r.child);
	assert_int_equal(st.freed, 1);
	assert_int_equal(st.bytes_held, 0);
	/* Each free event names its requester. */
	n = 0;
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type == MS_EV_FREE) {
			assert_int_equal(ev.tid, MS_TID_NONE);
			assert_int_equal(ev.b, n < 3 ? r.user : r.child);
			n++;
		}
	}
	assert_int_equal(n, 4);
	assert_int_equal(ms_heap_destroy(sim, r.p1), 0);
	assert_int_equal(ms_heap_destroy(sim, r.p2), 0);
	ms_sim_free(sim);
}

/* ---- supervisors change limits at run time ------------------------------ */

struct stepper {
	struct hog hog;
	int got1, got2, got3;
	int err1, err2, err3;
	size_t policies;
};

static int grant_all(void *state, struct ms_charge *c)
{
	(void)state;
	(void)c;
	return 0;
}

static const struct ms_quota_ops user_made_ops = {
	.name = "user-made",
	.charge = grant_all,
};

static void stepper_run(struct ms_sim *sim, void *arg)
{
	struct stepper *s = arg;

	hog_run(sim, &s->hog);
	s->got1 = s->hog.got;
	s->err1 = s->hog.err;
	ms_sleep(sim, 2000);		/* the supervisor raises the limit */
	hog_run(sim, &s->hog);
	s->got2 = s->hog.got;
	s->err2 = s->hog.err;
	ms_sleep(sim, 2000);		/* ... then lowers it below what we hold */
	s->hog.max = s->hog.got + 1;
	hog_run(sim, &s->hog);
	s->got3 = s->hog.got;
	s->err3 = s->hog.err;
	/* A user thread may not change limits. */
	assert_int_equal(ms_quota_thread_limit_set(sim, ms_thread_self(sim),
						   1000), -EPERM);
	assert_int_equal(ms_quota_group_limit_set(sim, 0, 1000), -EPERM);
	assert_int_equal(ms_quota_policy_set(sim, "unlimited", NULL), -EPERM);
	/* Nor bring a policy of its own: registering is a supervisor's. */
	s->policies = ms_quota_policy_count(sim);
	assert_int_equal(ms_quota_register(sim, &user_made_ops), -EPERM);
	assert_int_equal(ms_quota_policy_count(sim), s->policies);
}

struct supervisor {
	ms_tid target;
	struct ms_quota_stats seen;
};

static void supervisor_run(struct ms_sim *sim, void *arg)
{
	struct supervisor *s = arg;

	ms_sleep(sim, 1000);
	assert_int_equal(ms_quota_thread_limit_set(sim, s->target, 8), 0);
	ms_sleep(sim, 2000);
	assert_int_equal(ms_quota_thread_limit_set(sim, s->target, 2), 0);
	assert_int_equal(ms_quota_thread_stats(sim, s->target, &s->seen), 0);
}

static void quota_runtime_limit_change_by_supervisor(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 5 };
	struct stepper st = { .hog = { .size = 24 } };
	struct supervisor sup = { 0 };
	struct ms_quota_stats q;

	assert_int_equal(ms_quota_policy_set(sim, "count", &qp), 0);
	sup.target = spawn(sim, "user", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
			   stepper_run, &st);
	spawn(sim, "supervisor", -1, 0, MS_GROUP_INHERIT, supervisor_run, &sup);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(st.got1, 5);
	assert_int_equal(st.err1, -EDQUOT);
	assert_int_equal(st.got2, 8);
	assert_int_equal(st.err2, -EDQUOT);
	/* Lowered to 2 with 8 held: refused, nothing taken back. */
	assert_int_equal(st.got3, 8);
	assert_int_equal(st.err3, -EDQUOT);
	assert_int_equal(sup.seen.limit, 2);
	assert_true(sup.seen.limit_explicit);
	q = tstats(sim, sup.target);
	assert_int_equal(q.count_held, 8);
	assert_int_equal(q.denied_quota, 3);
	assert_int_equal(q.granted, 8);
	hog_free(sim, &st.hog);
	ms_sim_free(sim);
}

static void quota_group_limit_change_and_default_change(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 200 };
	struct hog a = { .size = 24 }, b = { .size = 24 }, c = { .size = 24 };

	assert_int_equal(ms_quota_policy_set(sim, "process", &qp), 0);
	assert_int_equal(ms_quota_group_limit_set(sim, 1, 80), 0);
	spawn(sim, "g1", 0, 0, 1, hog_run, &a);
	spawn(sim, "g2", 0, 0, 2, hog_run, &b);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(a.got, 2);
	assert_int_equal(b.got, 5);
	assert_int_equal(gstats(sim, 1).limit, 80);
	assert_true(gstats(sim, 1).limit_explicit);
	/* Raising the default (same policy again) moves group 2, not 1. */
	qp.limit = 400;
	assert_int_equal(ms_quota_policy_set(sim, "process", &qp), 0);
	assert_int_equal(gstats(sim, 2).limit, 400);
	assert_int_equal(gstats(sim, 1).limit, 80);
	assert_int_equal(ms_quota_group_limit_reset(sim, 1), 0);
	assert_int_equal(gstats(sim, 1).limit, 400);
	spawn(sim, "g2-again", 0, 0, 2, hog_run, &c);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(c.got, 5);
	hog_free(sim, &a);
	hog_free(sim, &b);
	hog_free(sim, &c);
	ms_sim_free(sim);
}

/* A limit set and then reset decides on the policy's default again (the
 * decisions read the limit in force kept in the record: ms__limit_sync). */
static void quota_limit_reset_decides_on_the_default(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 3 };
	struct hog a = { .size = 24 }, b = { .size = 24 };
	ms_tid ta;

	(void)state;
	assert_int_equal(ms_quota_policy_set(sim, "count", &qp), 0);
	ta = spawn(sim, "a", 0, 0, MS_GROUP_INHERIT, hog_run, &a);
	assert_int_equal(ms_quota_thread_limit_set(sim, ta, 5), 0);
	assert_int_equal(ms_quota_thread_limit_reset(sim, ta), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(a.got, 3);
	assert_int_equal(a.err, -EDQUOT);
	hog_free(sim, &a);

	/* process: 200 bytes a group by default; 24-byte requests take 40 */
	qp.limit = 200;
	assert_int_equal(ms_quota_policy_set(sim, "process", &qp), 0);
	assert_int_equal(ms_quota_group_limit_set(sim, 1, 80), 0);
	assert_int_equal(ms_quota_group_limit_reset(sim, 1), 0);
	spawn(sim, "b", 0, 0, 1, hog_run, &b);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(b.got, 5);
	assert_int_equal(b.err, -EDQUOT);
	hog_free(sim, &b);
	ms_sim_free(sim);
}

/* ---- a policy from the library user ------------------------------------- */

/* "no-poll-copies": unlimited, except that transient poll copies are
 * refused, and at most `limit` of everything else per thread; it keeps
 * its own tally to show the hooks. */
struct npc_state {
	uint64_t limit;
	unsigned threads;
	unsigned charges;
	unsigned uncharges;
	uint64_t bytes;
};

static unsigned npc_finis;

static int npc_init(void *state, const struct ms_quota_params *p)
{
	struct npc_state *s = state;

	s->limit = p->limit;
	return 0;
}

static void npc_fini(void *state)
{
	npc_finis++;
}

static int npc_charge(void *state, struct ms_charge *c)
{
	struct npc_state *s = state;

	if (c->kind == MS_ALLOC_POLL_COPY)
		return -EDQUOT;
	if (c->thread->count_held >= c->thread_limit)
		return -EDQUOT;
	s->charges++;
	s->bytes += c->bytes;
	return 0;
}

static void npc_uncharge(void *state, const struct ms_charge *c)
{
	struct npc_state *s = state;

	s->uncharges++;
	s->bytes -= c->bytes;
}

static void npc_thread_created(void *state, ms_tid parent, ms_tid child)
{
	((struct npc_state *)state)->threads++;
}

static const struct ms_quota_ops npc_ops = {
	.name = "no-poll-copies",
	.summary = "refuses poll copies; at most N other requests per thread",
	.default_limit = 3,
	.state_size = sizeof(struct npc_state),
	.init = npc_init,
	.fini = npc_fini,
	.charge = npc_charge,
	.uncharge = npc_uncharge,
	.thread_created = npc_thread_created,
};

struct npc_run {
	int poll_ret;
	int ret[5];
	void *p[5];
};

static void npc_thread(struct ms_sim *sim, void *arg)
{
	struct npc_run *r = arg;
	struct ms_thread *me = ms__current(sim);
	void *x = NULL;

	r->poll_ret = ms__kalloc(sim, me, 64, MS_ALLOC_POLL_COPY, &x);
	for (int i = 0; i < 5; i++)
		r->ret[i] = ms__kalloc(sim, me, 32, MS_ALLOC_PIPE_BUF, &r->p[i]);
}

static void quota_custom_policy_registered_by_user(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct npc_run r = { 0 };
	size_t n = ms_quota_policy_count(sim);
	bool found = false;

	assert_int_equal(n, 5);
	assert_int_equal(ms_quota_register(sim, &npc_ops), 0);
	assert_int_equal(ms_quota_register(sim, &npc_ops), -EEXIST);
	assert_int_equal(ms_quota_register(sim, NULL), -EINVAL);
	assert_int_equal(ms_quota_policy_count(sim), 6);
	for (size_t i = 0; i < ms_quota_policy_count(sim); i++)
		if (strcmp(ms_quota_policy_at(sim, i)->name, "no-poll-copies") == 0)
			found = true;
	assert_true(found);
	assert_int_equal(ms_quota_policy_set(sim, "nope", NULL), -ENOENT);
	assert_int_equal(ms_quota_policy_set(sim, "no-poll-copies", NULL), 0);

	spawn(sim, "t", 0, 0, MS_GROUP_INHERIT, npc_thread, &r);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(r.poll_ret, -EDQUOT);
	assert_int_equal(r.ret[0], 0);
	assert_int_equal(r.ret[1], 0);
	assert_int_equal(r.ret[2], 0);
	assert_int_equal(r.ret[3], -EDQUOT);
	assert_int_equal(r.ret[4], -EDQUOT);
	/* Switching away while the policy's own tally is charged: refused. */
	assert_int_equal(ms_quota_policy_set(sim, "count", NULL), -EBUSY);
	ms__kfree(sim, r.p[0]);
	ms__kfree(sim, r.p[1]);
	ms__kfree(sim, r.p[2]);
	assert_int_equal(npc_finis, 0);
	assert_int_equal(ms_quota_policy_set(sim, "count", NULL), 0);
	assert_int_equal(npc_finis, 1);
	ms_sim_free(sim);
}

/* The custom policy's own tally, checked from inside a thread. */
static void npc_tally_thread(struct ms_sim *sim, void *arg)
{
	unsigned *out = arg;
	struct ms_thread *me = ms__current(sim);
	void *p;

	assert_int_equal(ms__kalloc(sim, me, 8, MS_ALLOC_OTHER, &p), 0);
	ms__kfree(sim, p);
	out[0] = 1;
}

static struct npc_state *npc_seen;

static int npc_spy_charge(void *state, struct ms_charge *c)
{
	npc_seen = state;
	return npc_charge(state, c);
}

static const struct ms_quota_ops npc_spy_ops = {
	.name = "npc-spy",
	.default_limit = 3,
	.state_size = sizeof(struct npc_state),
	.init = npc_init,
	.charge = npc_spy_charge,
	.uncharge = npc_uncharge,
	.thread_created = npc_thread_created,
};

static void quota_custom_policy_hooks_called(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 7 };
	unsigned done[1] = { 0 };

	assert_int_equal(ms_quota_register(sim, &npc_spy_ops), 0);
	assert_int_equal(ms_quota_policy_set(sim, "npc-spy", &qp), 0);
	spawn(sim, "a", 0, 0, MS_GROUP_INHERIT, npc_tally_thread, done);
	spawn(sim, "b", 0, 0, MS_GROUP_INHERIT, npc_tally_thread, done);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_non_null(npc_seen);
	assert_int_equal(npc_seen->limit, 7);
	assert_int_equal(npc_seen->threads, 2);
	assert_int_equal(npc_seen->charges, 2);
	assert_int_equal(npc_seen->uncharges, 2);
	assert_int_equal(npc_seen->bytes, 0);
	ms_sim_free(sim);
	npc_seen = NULL;
}

/* A thread moved to another group takes its charges along. */
struct mover {
	struct hog hog;
	ms_tid tid;
	struct ms_quota_stats g1_before;
};

static void group_mover(struct ms_sim *sim, void *arg)
{
	struct mover *m = arg;

	m->hog.max = 2;
	hog_run(sim, &m->hog);
	ms_sleep(sim, 1000);		/* a supervisor moves us meanwhile */
	m->hog.max = 3;
	hog_run(sim, &m->hog);
}

static void group_setter(struct ms_sim *sim, void *arg)
{
	struct mover *m = arg;

	struct ms_quota_stats g1, g2, t;

	ms_sleep(sim, 500);
	assert_int_equal(ms_quota_group_stats(sim, 1, &m->g1_before), 0);
	assert_int_equal(ms_thread_group_set(sim, m->tid, 2), 0);
	/* What the mover holds moves at once; its history stays. */
	assert_int_equal(ms_quota_group_stats(sim, 1, &g1), 0);
	assert_int_equal(ms_quota_group_stats(sim, 2, &g2), 0);
	assert_int_equal(g1.bytes_held, 0);
	assert_int_equal(g1.count_held, 0);
	assert_int_equal(g1.granted, 2);
	assert_int_equal(g1.bytes_peak, 80);
	assert_int_equal(g2.bytes_held, 80);
	assert_int_equal(g2.count_held, 2);
	assert_int_equal(g2.granted, 0);
	assert_int_equal(g2.bytes_peak, 80);
	assert_int_equal(ms_quota_thread_stats(sim, m->tid, &t), 0);
	assert_int_equal(t.group, 2);
	assert_int_equal(t.bytes_held, 80);
}

static void quota_group_move_takes_charges_along(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct mover m = { .hog = { .size = 24 } };

	assert_int_equal(ms_quota_policy_set(sim, "process", NULL), 0);
	m.tid = spawn(sim, "mover", 0, 0, 1, group_mover, &m);
	spawn(sim, "setter", 0, 0, 0, group_setter, &m);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(m.g1_before.bytes_held, 80);
	assert_int_equal(m.hog.got, 3);
	assert_int_equal(gstats(sim, 1).bytes_held, 0);
	assert_int_equal(gstats(sim, 2).bytes_held, 120);
	assert_int_equal(gstats(sim, 2).granted, 1);
	assert_int_equal(tstats(sim, m.tid).group, 2);
	hog_free(sim, &m.hog);
	assert_int_equal(gstats(sim, 2).bytes_held, 0);
	ms_sim_free(sim);
}

/* ---- the built-in defaults ---------------------------------------------- */

/*
 * Each built-in policy started without a limit of its own (params NULL, or
 * a limit of 0) enforces the default of docs/heap-and-quotas.md section
 * 3.1: 32 requests a thread (count), 4096 bytes a thread (bytes), 16384
 * bytes a group (process). Read back as the limit in force and seen in the
 * decisions; the footprints chosen divide the byte limits exactly, so a
 * default one byte lower would let one block less through.
 */
static void quota_builtin_defaults_are_exact(void **state)
{
	struct ms_quota_params zero = { .limit = 0 };
	struct hog c = { .size = 24 };
	struct hog b = { .size = 112 };		/* footprint 128 */
	struct hog p[2] = { { .size = 496, .max = 20 }, { .size = 496 } };
	struct ms_quota_stats st;
	struct ms_sim *sim;
	ms_tid t;

	(void)state;
	assert_int_equal(ms_heap_footprint(112), 128);
	assert_int_equal(ms_heap_footprint(496), 512);

	/* count, params NULL: 32 requests, the 33rd refused */
	sim = new_sim_fifo(64 * 1024);
	assert_int_equal(ms_quota_policy_set(sim, "count", NULL), 0);
	t = spawn(sim, "c", 0, MS_THREAD_USER, MS_GROUP_INHERIT, hog_run, &c);
	st = tstats(sim, t);
	assert_int_equal(st.limit, 32);
	assert_false(st.limit_explicit);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(c.got, 32);
	assert_int_equal(c.err, -EDQUOT);
	st = tstats(sim, t);
	assert_int_equal(st.requested, 33);
	assert_int_equal(st.granted, 32);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.count_held, 32);
	assert_int_equal(st.limit, 32);
	hog_free(sim, &c);
	ms_sim_free(sim);

	/* bytes, limit 0: 4096 / 128 = 32 blocks, the 33rd refused */
	sim = new_sim_fifo(64 * 1024);
	assert_int_equal(ms_quota_policy_set(sim, "bytes", &zero), 0);
	t = spawn(sim, "b", 0, MS_THREAD_USER, MS_GROUP_INHERIT, hog_run, &b);
	st = tstats(sim, t);
	assert_int_equal(st.limit, 4096);
	assert_false(st.limit_explicit);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(b.got, 32);
	assert_int_equal(b.err, -EDQUOT);
	st = tstats(sim, t);
	assert_int_equal(st.granted, 32);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.bytes_held, 4096);
	assert_int_equal(st.limit, 4096);
	hog_free(sim, &b);
	ms_sim_free(sim);

	/* process, params NULL: 16384 / 512 = 32 blocks for the whole group,
	 * shared by two threads (20 and 12), the 33rd refused */
	sim = new_sim_fifo(64 * 1024);
	assert_int_equal(ms_quota_policy_set(sim, "process", NULL), 0);
	st = gstats(sim, 5);		/* nobody in it yet */
	assert_int_equal(st.limit, 16384);
	assert_false(st.limit_explicit);
	spawn(sim, "p0", 0, MS_THREAD_USER, 5, hog_run, &p[0]);
	spawn(sim, "p1", 0, MS_THREAD_USER, 5, hog_run, &p[1]);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(p[0].got, 20);
	assert_int_equal(p[0].err, 0);
	assert_int_equal(p[1].got, 12);
	assert_int_equal(p[1].err, -EDQUOT);
	st = gstats(sim, 5);
	assert_int_equal(st.granted, 32);
	assert_int_equal(st.denied_quota, 1);
	assert_int_equal(st.bytes_held, 16384);
	assert_int_equal(st.limit, 16384);
	assert_false(st.limit_explicit);
	hog_free(sim, &p[0]);
	hog_free(sim, &p[1]);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quota_count_spammer_gets_exactly_n),
		cmocka_unit_test(quota_free_by_another_thread_credits_requester),
		cmocka_unit_test(quota_free_after_requester_died_credits_it),
		cmocka_unit_test(quota_bytes_limit_is_in_footprints),
		cmocka_unit_test(quota_edquot_and_enomem_told_apart),
		cmocka_unit_test(quota_process_budget_shared_by_group),
		cmocka_unit_test(quota_pool_none_fails_and_children_inherit),
		cmocka_unit_test(quota_pool_reassigned_mid_run),
		cmocka_unit_test(quota_runtime_limit_change_by_supervisor),
		cmocka_unit_test(quota_group_limit_change_and_default_change),
		cmocka_unit_test(quota_limit_reset_decides_on_the_default),
		cmocka_unit_test(quota_custom_policy_registered_by_user),
		cmocka_unit_test(quota_custom_policy_hooks_called),
		cmocka_unit_test(quota_group_move_takes_charges_along),
		cmocka_unit_test(quota_builtin_defaults_are_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
