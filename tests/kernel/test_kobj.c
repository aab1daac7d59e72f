/* SPDX-License-Identifier: MIT */
/*
 * Kernel objects: handles and their generations, the validation order and
 * its errnos, grant/revoke/release/public, freeing on the last release and
 * on the holder's death (with the requester's quota credited), thread index
 * exhaustion, permission inheritance, threads on thread objects.
 */
#include "common.h"

/* ---- handles ---------------------------------------------------------- */

static void test_stale_handle_is_bad_handle(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct ms_kobj_info info;
	ms_handle h1, h2;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h1), 0);
	assert_int_not_equal(h1, MS_HANDLE_NONE);
	assert_int_equal(ms_kobj_info(sim, h1, &info), 0);
	assert_true(info.dynamic);
	assert_false(info.initialized);
	assert_int_equal(info.type, MS_KOBJ_SEM);
	assert_int_equal(info.requester, MS_TID_NONE);	/* the host: kernel's */
	assert_int_equal(info.holders, 0);
	/* 24 + 8 bytes of permission bitmap (64 indexes), 24 of k_sem,
	 * each behind a 16-byte header. */
	assert_int_equal(info.record_bytes, ms_heap_footprint(32));
	assert_int_equal(info.data_bytes, ms_heap_footprint(24));

	assert_int_equal(ms_sys_object_free(sim, h1), 0);
	assert_int_equal(ms_kobj_info(sim, h1, &info), -EBADF);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h2), 0);
	/* The slot is reused under a new generation: the old handle stays
	 * bad. */
	assert_int_not_equal(h2, h1);
	assert_int_equal(ms_sys_object_check(sim, h1, MS_KOBJ_ANY,
					     MS_KOBJ_INIT_ANY), -EBADF);
	assert_int_equal(ms_sys_object_check(sim, h2, MS_KOBJ_SEM,
					     MS_KOBJ_INIT_ANY), 0);
	assert_int_equal(ms_sys_object_check(sim, MS_HANDLE_NONE, MS_KOBJ_ANY,
					     MS_KOBJ_INIT_ANY), -EBADF);
	assert_int_equal(ms_sys_object_check(sim, h2, MS_KOBJ_QUEUE,
					     MS_KOBJ_INIT_ANY), -EBADF);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_ANY, &h1), -EINVAL);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ__COUNT, &h1), -EINVAL);
	ms_sim_free(sim);
}

/*
 * The kernel keeps the host records of ended objects for the next ones
 * (up to 32, more are freed): a new object on a kept record starts as new
 * as one on a fresh record, whatever the old one was.
 */
#define REUSE_N 40

struct reuse {
	ms_handle h[REUSE_N];
	int r[4];
};

static void reuse_thread(struct ms_sim *sim, void *arg)
{
	struct reuse *ru = arg;

	for (int i = 0; i < REUSE_N; i++) {
		ru->r[0] |= ms_sys_object_alloc(sim, MS_KOBJ_SEM, &ru->h[i]);
		ru->r[1] |= ms_sys_sem_init(sim, ru->h[i], 1, 3);
		ru->r[2] |= ms_sys_object_make_public(sim, ru->h[i]);
	}
	for (int i = 0; i < REUSE_N; i++)
		ru->r[3] |= ms_sys_object_free(sim, ru->h[i]);
}

static void test_reused_record_starts_clean(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct reuse ru = { 0 };
	struct ms_kobj_info info;
	ms_handle h[REUSE_N];

	assert_int_equal(ms_thread_create(sim, NULL, reuse_thread, &ru, NULL),
			 0);
	assert_int_equal(ms_sim_run(sim), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ru.r[i], 0);
	/* Every slot and record of the 40 is back; the host allocates
	 * 40 objects of two types over them. */
	for (int i = 0; i < REUSE_N; i++) {
		unsigned type = i % 2 ? MS_KOBJ_QUEUE : MS_KOBJ_SEM;

		assert_int_equal(ms_sys_object_alloc(sim, type, &h[i]), 0);
		assert_int_equal(ms_kobj_info(sim, h[i], &info), 0);
		assert_int_equal(info.type, type);
		assert_false(info.initialized);
		assert_false(info.is_public);
		assert_true(info.dynamic);
		assert_int_equal(info.requester, MS_TID_NONE);
		assert_int_equal(info.holders, 0);
		/* the old handles stay bad */
		assert_int_equal(ms_kobj_info(sim, ru.h[i], &info), -EBADF);
	}
	/* A semaphore on a kept record counts from its own init. */
	assert_int_equal(ms_sys_sem_init(sim, h[0], 0, 1), 0);
	assert_int_equal(ms_sys_sem_take(sim, h[0], MS_NO_WAIT), -EBUSY);
	for (int i = 0; i < REUSE_N; i++)
		assert_int_equal(ms_sys_object_free(sim, h[i]), 0);
	ms_sim_free(sim);
}

/* ---- the validation order, without killing (object_check) ------------- */

struct order {
	ms_handle s, q;
	int r[16];
};

static void order_owner(struct ms_sim *sim, void *arg)
{
	struct order *o = arg;
	ms_handle s, q;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &s);
	ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &q);
	o->s = s;
	o->q = q;
	o->r[0] = ms_sys_object_check(sim, s, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE);
	o->r[1] = ms_sys_object_check(sim, s, MS_KOBJ_QUEUE, MS_KOBJ_INIT_ANY);
	o->r[2] = ms_sys_object_check(sim, 0x7fff12, MS_KOBJ_ANY,
				      MS_KOBJ_INIT_ANY);
	o->r[3] = ms_sys_sem_init(sim, s, 0, 1);
	o->r[4] = ms_sys_object_check(sim, s, MS_KOBJ_SEM, MS_KOBJ_INIT_FALSE);
	o->r[5] = ms_sys_object_check(sim, s, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE);
	ms_sleep(sim, 10);
	o->r[11] = ms_sys_object_make_public(sim, q);
	ms_sleep(sim, 100);
}

static void order_other(struct ms_sim *sim, void *arg)
{
	struct order *o = arg;

	/* Permission is checked before initialisation... */
	o->r[6] = ms_sys_object_check(sim, o->s, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE);
	o->r[7] = ms_sys_object_check(sim, o->q, MS_KOBJ_QUEUE,
				      MS_KOBJ_INIT_TRUE);
	/* ...and the type before permission. */
	o->r[8] = ms_sys_object_check(sim, o->q, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE);
	ms_sleep(sim, 20);
	/* Public now: the init checks apply, not the permission. */
	o->r[9] = ms_sys_object_check(sim, o->q, MS_KOBJ_QUEUE,
				      MS_KOBJ_INIT_TRUE);
	o->r[10] = ms_sys_object_check(sim, o->q, MS_KOBJ_QUEUE,
				       MS_KOBJ_INIT_FALSE);
}

static void test_validation_order_and_errnos(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct order o = { 0 };

	spawn_user(sim, "owner", 0, order_owner, &o);
	spawn_user(sim, "other", 0, order_other, &o);
	run_done(sim);
	assert_int_equal(o.r[0], -EINVAL);
	assert_int_equal(o.r[1], -EBADF);
	assert_int_equal(o.r[2], -EBADF);
	assert_int_equal(o.r[3], 0);
	assert_int_equal(o.r[4], -EADDRINUSE);
	assert_int_equal(o.r[5], 0);
	assert_int_equal(o.r[6], -EPERM);
	assert_int_equal(o.r[7], -EPERM);
	assert_int_equal(o.r[8], -EBADF);
	assert_int_equal(o.r[9], -EINVAL);
	assert_int_equal(o.r[10], 0);
	assert_int_equal(o.r[11], 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	ms_sim_free(sim);
}

/* ---- each failed check kills a user caller with its errno ------------- */

struct oops_case {
	ms_handle foreign;	/* initialised, not theirs, not public */
	int after[5];		/* set if the caller survived the call */
	int sup[3];
};

static void oops_badf(struct ms_sim *sim, void *arg)
{
	struct oops_case *c = arg;

	ms_sys_sem_give(sim, 0x12345);
	c->after[0] = 1;
}

static void oops_perm(struct ms_sim *sim, void *arg)
{
	struct oops_case *c = arg;

	ms_sys_sem_give(sim, c->foreign);
	c->after[1] = 1;
}

static void oops_inval(struct ms_sim *sim, void *arg)
{
	struct oops_case *c = arg;
	ms_handle s;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &s);
	ms_sys_sem_give(sim, s);	/* never initialised */
	c->after[2] = 1;
}

static void oops_inuse(struct ms_sim *sim, void *arg)
{
	struct oops_case *c = arg;
	ms_handle q;

	ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &q);
	ms_sys_queue_init(sim, q);
	ms_sys_queue_init(sim, q);	/* an init call on an initialised one */
	c->after[3] = 1;
}

static void sup_gets_errnos(struct ms_sim *sim, void *arg)
{
	struct oops_case *c = arg;

	c->sup[0] = ms_sys_sem_give(sim, 0x12345);
	c->sup[1] = ms_sys_sem_give(sim, c->foreign);	/* no permission needed */
	c->sup[2] = ms_sys_queue_init(sim, 0x12345);
	c->after[4] = 1;
}

static void test_failed_check_oopses_with_its_errno(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct oops_case c = { 0 };
	struct ms_kernel_stats ks;
	ms_tid t[4];

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &c.foreign), 0);
	assert_int_equal(ms_sys_sem_init(sim, c.foreign, 0, 5), 0);
	t[0] = spawn_user(sim, "badf", 0, oops_badf, &c);
	t[1] = spawn_user(sim, "perm", 0, oops_perm, &c);
	t[2] = spawn_user(sim, "inval", 0, oops_inval, &c);
	t[3] = spawn_user(sim, "inuse", 0, oops_inuse, &c);
	spawn_sup(sim, "sup", 0, sup_gets_errnos, &c);
	run_done(sim);

	assert_oops(sim, t[0], -EBADF);
	assert_oops(sim, t[1], -EPERM);
	assert_oops(sim, t[2], -EINVAL);
	assert_oops(sim, t[3], -EADDRINUSE);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c.after[i], 0);
	assert_int_equal(c.after[4], 1);
	assert_int_equal(c.sup[0], -EBADF);
	assert_int_equal(c.sup[1], 0);
	assert_int_equal(c.sup[2], -EBADF);
	assert_int_equal(ms_sim_fault_count(sim), 4);
	assert_int_equal(ms_sys_sem_count_get(sim, c.foreign), 1);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.oopses, 4);
	/* The dead threads' own objects went with them. */
	assert_int_equal(ks.objects_dynamic, 1);
	assert_int_equal(ks.objects_allocated, 3);
	assert_int_equal(ks.objects_freed, 2);
	ms_sim_free(sim);
}

/* ---- grant, release, revoke, public ---------------------------------- */

struct share {
	ms_handle s, pub;
	ms_tid child;
	int r[12];
};

static void share_child(struct ms_sim *sim, void *arg)
{
	struct share *sh = arg;

	sh->r[3] = ms_sys_sem_give(sim, sh->s);
	sh->r[4] = ms_sys_object_release(sim, sh->s);
	sh->r[5] = ms_sys_object_check(sim, sh->s, MS_KOBJ_SEM,
				       MS_KOBJ_INIT_TRUE);
	/* Never granted, but public. */
	sh->r[6] = ms_sys_sem_give(sim, sh->pub);
}

static void share_parent(struct ms_sim *sim, void *arg)
{
	struct share *sh = arg;
	struct ms_thread_attr a;
	ms_handle s, pub;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &s);
	ms_sys_sem_init(sim, s, 0, 10);
	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &pub);
	ms_sys_sem_init(sim, pub, 0, 10);
	sh->s = s;
	sh->pub = pub;
	ms_thread_attr_init(&a);
	a.priority = 1;
	a.options = MS_THREAD_USER;
	sh->r[0] = ms_thread_create(sim, &a, share_child, sh, &sh->child);
	sh->r[1] = ms_kobj_has_perm(sim, s, sh->child);
	sh->r[2] = ms_sys_object_grant(sim, s, sh->child);
	sh->r[7] = ms_kobj_has_perm(sim, s, sh->child);
	sh->r[8] = ms_sys_object_make_public(sim, pub);
	ms_thread_join(sim, sh->child, MS_FOREVER);
	sh->r[9] = ms_sys_sem_count_get(sim, s);
	sh->r[10] = ms_sys_object_revoke(sim, s, ms_thread_self(sim));
	sh->r[11] = ms_sys_sem_count_get(sim, pub);
}

static void test_grant_release_public(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct share sh = { 0 };
	struct ms_kernel_stats ks;

	spawn_user(sim, "parent", 0, share_parent, &sh);
	run_done(sim);
	assert_int_equal(sh.r[0], 0);
	assert_int_equal(sh.r[1], 0);
	assert_int_equal(sh.r[2], 0);
	assert_int_equal(sh.r[7], 1);
	assert_int_equal(sh.r[3], 0);
	assert_int_equal(sh.r[4], 0);
	assert_int_equal(sh.r[5], -EPERM);	/* released: no longer its */
	assert_int_equal(sh.r[6], 0);
	assert_int_equal(sh.r[8], 0);
	assert_int_equal(sh.r[9], 1);
	assert_int_equal(sh.r[10], -EPERM);	/* revoke: supervisors only */
	assert_int_equal(sh.r[11], 1);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	/* The parent was the last holder of both: gone with it. */
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.objects_dynamic, 0);
	assert_int_equal(ks.objects_freed, 2);
	ms_sim_free(sim);
}

/*
 * A user grant checks the grantee's thread object first (permission on it,
 * live and initialised), then the object, as Zephyr's
 * z_vrfy_k_object_access_grant; a failure of either is an oops.
 */
struct grant_case {
	ms_tid stranger;	/* a live thread the granters hold nothing of */
	int after[3];		/* set if the granter survived its grant */
	int sup[4];
};

static void stranger_waits(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 1000);
}

/* Its own semaphore, to a thread whose thread object it may not use. */
static void grant_no_perm_on_grantee(struct ms_sim *sim, void *arg)
{
	struct grant_case *g = arg;
	ms_handle s;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &s);
	ms_sys_object_grant(sim, s, g->stranger);
	g->after[0] = 1;
}

/* Both bad: no such object, and that grantee. */
static void grant_both_bad(struct ms_sim *sim, void *arg)
{
	struct grant_case *g = arg;

	ms_sys_object_grant(sim, 0x12345, g->stranger);
	g->after[1] = 1;
}

/* Both bad: no such object, and no live grantee. */
static void grant_both_bad_dead(struct ms_sim *sim, void *arg)
{
	struct grant_case *g = arg;

	ms_sys_object_grant(sim, 0x12345, 999);
	g->after[2] = 1;
}

static void grant_sup_both_bad(struct ms_sim *sim, void *arg)
{
	struct grant_case *g = arg;

	g->sup[0] = ms_sys_object_grant(sim, 0x12345, 999);
	g->sup[1] = ms_sys_object_grant(sim, 0x12345, g->stranger);
}

static void test_user_grant_checks_grantee_then_object(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct grant_case g = { 0 };
	struct ms_kernel_stats ks;
	ms_tid t[3];

	g.stranger = spawn_user(sim, "stranger", 1, stranger_waits, NULL);
	t[0] = spawn_user(sim, "no-perm", 0, grant_no_perm_on_grantee, &g);
	t[1] = spawn_user(sim, "both-bad", 0, grant_both_bad, &g);
	t[2] = spawn_user(sim, "both-bad-dead", 0, grant_both_bad_dead, &g);
	spawn_sup(sim, "sup", 0, grant_sup_both_bad, &g);
	run_done(sim);
	assert_oops(sim, t[0], -EPERM);
	assert_non_null(strstr(fault_of(sim, t[0])->detail, "thread"));
	/* The grantee's check, not the object's (-EBADF). */
	assert_oops(sim, t[1], -EPERM);
	assert_non_null(strstr(fault_of(sim, t[1])->detail, "thread"));
	assert_oops(sim, t[2], -EBADF);
	assert_non_null(strstr(fault_of(sim, t[2])->detail, "no live thread"));
	for (int i = 0; i < 3; i++)
		assert_int_equal(g.after[i], 0);
	assert_int_equal(ms_sim_fault_count(sim), 3);
	/* Supervisors get the errnos in the same order. */
	assert_int_equal(g.sup[0], -ESRCH);
	assert_int_equal(g.sup[1], -EBADF);
	/* The host too. */
	assert_int_equal(ms_sys_object_grant(sim, 0x12345, 999), -ESRCH);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	/* Nobody got the refused semaphore: it went with its allocator. */
	assert_int_equal(ks.objects_dynamic, 0);
	assert_int_equal(ks.objects_freed, 1);
	ms_sim_free(sim);
}

/* A supervisor's revoke: of a last permission frees the object (the
 * holder's next use is a bad handle); of one of two, the holder loses it
 * (-EPERM). */
struct revoke {
	ms_handle solo, shared;
	ms_tid holder, other;
	int r[4];
};

static void revoke_other(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 1000);
}

static void revoke_holder(struct ms_sim *sim, void *arg)
{
	struct revoke *rv = arg;
	struct ms_thread_attr a;
	ms_handle solo, shared;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &solo);
	ms_sys_sem_init(sim, solo, 0, 1);
	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &shared);
	ms_sys_sem_init(sim, shared, 0, 1);
	rv->solo = solo;
	rv->shared = shared;
	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	ms_thread_create(sim, &a, revoke_other, NULL, &rv->other);
	ms_sys_object_grant(sim, shared, rv->other);
	ms_sleep(sim, 50);
	rv->r[0] = 1;
	if (rv->r[3] == 1)
		ms_sys_sem_give(sim, solo);	/* freed meanwhile: -EBADF */
	else
		ms_sys_sem_give(sim, shared);	/* revoked: -EPERM */
	rv->r[0] = 2;
}

static void revoke_sup(struct ms_sim *sim, void *arg)
{
	struct revoke *rv = arg;

	ms_sleep(sim, 10);
	rv->r[1] = ms_sys_object_revoke(sim, rv->r[3] == 1 ? rv->solo :
					rv->shared, rv->holder);
	rv->r[2] = ms_kobj_info(sim, rv->solo, &(struct ms_kobj_info){ 0 });
}

static void test_supervisor_revoke(void **state)
{
	for (int which = 1; which <= 2; which++) {
		struct ms_sim *sim = ksim_new(0, 0);
		struct revoke rv = { .r[3] = which };
		ms_tid sup;

		rv.holder = spawn_user(sim, "holder", 0, revoke_holder, &rv);
		sup = spawn_sup(sim, "sup", 0, revoke_sup, &rv);
		run_done(sim);
		assert_int_equal(rv.r[0], 1);	/* it died in the give */
		assert_int_equal(rv.r[1], 0);
		assert_null(fault_of(sim, sup));
		if (which == 1) {
			assert_int_equal(rv.r[2], -EBADF);
			assert_oops(sim, rv.holder, -EBADF);
		} else {
			assert_int_equal(rv.r[2], 0);
			assert_oops(sim, rv.holder, -EPERM);
		}
		ms_sim_free(sim);
	}
}

/* ---- freeing on the last release, crediting the requester ------------- */

struct rel {
	ms_handle t;
	ms_tid a, b;
	int r[6];
	struct ms_kobj_info info;
};

static void rel_b(struct ms_sim *sim, void *arg)
{
	struct rel *x = arg;

	x->r[2] = ms_sys_timer_init(sim, x->t);
	x->r[3] = ms_sys_object_release(sim, x->t);	/* the last one */
}

static void rel_a(struct ms_sim *sim, void *arg)
{
	struct rel *x = arg;
	struct ms_thread_attr at;
	ms_handle t;

	ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &t);
	x->t = t;
	ms_thread_attr_init(&at);
	at.priority = 1;
	at.options = MS_THREAD_USER;
	ms_thread_create(sim, &at, rel_b, x, &x->b);
	x->r[0] = ms_sys_object_grant(sim, t, x->b);
	x->r[1] = ms_sys_object_release(sim, t);
	ms_kobj_info(sim, t, &x->info);		/* still there: b holds it */
	ms_thread_join(sim, x->b, MS_FOREVER);
	x->r[4] = ms_kobj_info(sim, t, &(struct ms_kobj_info){ 0 });
}

static bool ev_seen(struct ms_sim *sim, enum ms_event_type type, ms_tid tid,
		    uint64_t a)
{
	struct ms_event ev;

	for (size_t i = 0; i < ms_sim_event_count(sim); i++)
		if (ms_sim_event_get(sim, i, &ev) == 0 && ev.type == type &&
		    ev.tid == tid && ev.a == a)
			return true;
	return false;
}

static void test_last_release_frees_and_credits_requester(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct ms_heap_stats before = hstats(sim), after;
	struct ms_quota_stats qa, qb;
	struct rel x = { 0 };

	x.a = spawn_user(sim, "a", 0, rel_a, &x);
	run_done(sim);
	assert_int_equal(x.r[0], 0);
	assert_int_equal(x.r[1], 0);
	assert_int_equal(x.info.holders, 1);
	assert_int_equal(x.info.requester, x.a);
	assert_int_equal(x.r[2], 0);
	assert_int_equal(x.r[3], 0);
	assert_int_equal(x.r[4], -EBADF);
	/* Freed by b, credited to a. */
	assert_true(ev_seen(sim, MS_EV_OBJ_FREE, x.b, x.t));
	qa = qstats(sim, x.a);
	qb = qstats(sim, x.b);
	assert_int_equal(qa.granted, 2);	/* record and data */
	assert_int_equal(qa.freed, 2);
	assert_int_equal(qa.bytes_held, 0);
	assert_int_equal(qa.count_held, 0);
	assert_int_equal(qb.requested, 0);
	assert_int_equal(qb.freed, 0);
	after = hstats(sim);
	assert_int_equal(after.allocated_bytes, before.allocated_bytes);
	assert_int_equal(after.allocs - before.allocs, 2);
	assert_int_equal(after.frees - before.frees, 2);
	ms_sim_free(sim);
}

/* ---- freeing on the holder's death ------------------------------------ */

struct death {
	ms_handle solo, shared;
	ms_tid owner, keeper;
	int alive_after_owner;
	struct ms_quota_stats q_mid;
};

static void death_keeper(struct ms_sim *sim, void *arg)
{
	struct death *d = arg;

	ms_sleep(sim, 100);
	/* The owner is dead; the shared object is still ours. */
	d->alive_after_owner = ms_sys_sem_give(sim, d->shared) == 0;
	d->q_mid = qstats(sim, d->owner);
}

static void death_owner(struct ms_sim *sim, void *arg)
{
	struct death *d = arg;
	struct ms_thread_attr a;
	ms_handle solo, shared;

	ms_sys_object_alloc(sim, MS_KOBJ_MUTEX, &solo);
	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &shared);
	ms_sys_sem_init(sim, shared, 0, 1);
	d->solo = solo;
	d->shared = shared;
	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	ms_thread_create(sim, &a, death_keeper, d, &d->keeper);
	ms_sys_object_grant(sim, shared, d->keeper);
}

static void test_holder_death_frees_and_credits(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct ms_heap_stats before = hstats(sim), after;
	struct death d = { 0 };
	struct ms_kernel_stats ks;
	struct ms_quota_stats q;

	d.owner = spawn_user(sim, "owner", 0, death_owner, &d);
	run_done(sim);
	assert_int_equal(d.alive_after_owner, 1);
	/* When the owner died only its solo object went (2 blocks). */
	assert_int_equal(d.q_mid.freed, 2);
	assert_int_equal(d.q_mid.count_held, 1);	/* one object: one request */
	assert_false(d.q_mid.alive);
	/* When the keeper died the shared one went too, credited to the
	 * (dead) owner. */
	q = qstats(sim, d.owner);
	assert_int_equal(q.granted, 4);
	assert_int_equal(q.freed, 4);
	assert_int_equal(q.bytes_held, 0);
	assert_int_equal(ms_kobj_info(sim, d.solo, &(struct ms_kobj_info){ 0 }),
			 -EBADF);
	assert_int_equal(ms_kobj_info(sim, d.shared,
				      &(struct ms_kobj_info){ 0 }), -EBADF);
	assert_true(ev_seen(sim, MS_EV_OBJ_FREE, d.owner, d.solo));
	assert_true(ev_seen(sim, MS_EV_OBJ_FREE, d.keeper, d.shared));
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.objects_dynamic, 0);
	assert_int_equal(ks.objects_live, 0);
	assert_int_equal(ks.thread_indexes_used, 0);
	after = hstats(sim);
	assert_int_equal(after.allocated_bytes, before.allocated_bytes);
	ms_sim_free(sim);
}

/* ---- thread indexes ---------------------------------------------------- */

struct idx {
	ms_handle t[4];
	int r[12];
	ms_tid plain, child;
	int32_t child_idx, plain_idx;
	struct ms_kernel_stats st;
};

static void idx_child(struct ms_sim *sim, void *arg)
{
	struct idx *x = arg;

	x->child_idx = ms_thread_index(sim, ms_thread_self(sim));
}

static void idx_nothing(struct ms_sim *sim, void *arg)
{
	ms_handle h;
	int *r = arg;

	/* No index: it could hold nothing, so it may allocate nothing. */
	*r = ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h);
}

static void idx_sup(struct ms_sim *sim, void *arg)
{
	struct idx *x = arg;
	struct ms_thread_attr a;
	ms_handle h;

	/* Index 0 is ours; three left. */
	x->r[0] = ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &x->t[0]);
	x->r[1] = ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &x->t[1]);
	x->r[2] = ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &x->t[2]);
	x->r[3] = ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &h);
	ms_kernel_stats(sim, &x->st);
	x->r[4] = ms_sys_object_free(sim, x->t[2]);
	x->r[5] = ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &x->t[2]);
	/* A thread made while none is free has no index. */
	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	x->r[6] = ms_thread_create(sim, &a, idx_nothing, &x->r[7], &x->plain);
	x->plain_idx = ms_thread_index(sim, x->plain);
	x->r[8] = ms_sys_object_grant(sim, x->t[0], x->plain);
	x->r[9] = ms_kobj_has_perm(sim, x->t[0], x->plain);
	/* A thread on an allocated thread object runs on its index. */
	x->r[10] = ms_sys_thread_create(sim, x->t[1], NULL, idx_child, x,
					&x->child);
	ms_thread_join(sim, x->child, MS_FOREVER);
	ms_thread_join(sim, x->plain, MS_FOREVER);
}

static void test_thread_index_exhaustion(void **state)
{
	struct ms_sim *sim = ksim_new(4, 0);
	struct idx x = { 0 };
	struct ms_kobj_info i1;
	struct ms_kernel_stats st;
	ms_tid sup;

	sup = spawn_sup(sim, "sup", 0, idx_sup, &x);
	assert_int_equal(ms_thread_index(sim, sup), 0);
	run_done(sim);
	assert_int_equal(x.r[0], 0);
	assert_int_equal(x.r[1], 0);
	assert_int_equal(x.r[2], 0);
	assert_int_equal(x.r[3], -ENOSPC);
	assert_int_equal(x.st.thread_indexes, 4);
	assert_int_equal(x.st.thread_indexes_used, 4);
	assert_int_equal(x.r[4], 0);
	assert_int_equal(x.r[5], 0);	/* the freed index serves again */
	assert_int_equal(x.r[6], 0);
	assert_int_equal(x.plain_idx, -1);
	assert_int_equal(x.r[7], -ENOSPC);
	assert_int_equal(x.r[8], 0);	/* granting to it does nothing */
	assert_int_equal(x.r[9], 0);
	assert_int_equal(x.r[10], 0);
	assert_int_equal(x.child_idx, 2);	/* t[1]'s index */
	/* t[1] outlived its thread while the supervisor held it; the
	 * supervisor's death took its last permission, and it went. */
	assert_int_equal(ms_kobj_info(sim, x.t[1], &i1), -EBADF);
	assert_int_equal(ms_kernel_stats(sim, &st), 0);
	assert_int_equal(st.thread_indexes_used, 0);
	assert_int_equal(st.objects_live, 0);
	ms_sim_free(sim);
}

/* ---- permission inheritance ------------------------------------------- */

struct inh {
	ms_handle a, b, self, c1obj, c2obj;
	ms_tid c1, c2;
	int r[12];
};

static void inh_child(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 10);
}

static void inh_parent(struct ms_sim *sim, void *arg)
{
	struct inh *x = arg;
	struct ms_thread_attr at;
	ms_handle a, b, self, c1obj, c2obj;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &a);
	ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &b);
	ms_sys_thread_handle(sim, ms_thread_self(sim), &self);
	x->a = a;
	x->b = b;
	x->self = self;
	ms_thread_attr_init(&at);
	at.priority = 1;
	at.options = MS_THREAD_USER | MS_THREAD_INHERIT_PERMS;
	ms_thread_create(sim, &at, inh_child, NULL, &x->c1);
	at.options = MS_THREAD_USER;
	ms_thread_create(sim, &at, inh_child, NULL, &x->c2);
	ms_sys_thread_handle(sim, x->c1, &c1obj);
	ms_sys_thread_handle(sim, x->c2, &c2obj);
	x->c1obj = c1obj;
	x->c2obj = c2obj;
	x->r[0] = ms_kobj_has_perm(sim, a, x->c1);
	x->r[1] = ms_kobj_has_perm(sim, b, x->c1);
	x->r[2] = ms_kobj_has_perm(sim, self, x->c1);	/* parent's own: no */
	x->r[3] = ms_kobj_has_perm(sim, c1obj, x->c1);	/* itself: yes */
	x->r[4] = ms_kobj_has_perm(sim, a, x->c2);
	x->r[5] = ms_kobj_has_perm(sim, b, x->c2);
	x->r[6] = ms_kobj_has_perm(sim, self, x->c2);
	x->r[7] = ms_kobj_has_perm(sim, c2obj, x->c2);
	x->r[8] = ms_kobj_has_perm(sim, c1obj, ms_thread_self(sim)); /* creator */
	x->r[9] = ms_kobj_has_perm(sim, c2obj, x->c1);	/* a sibling's: no */
	ms_thread_join(sim, x->c1, MS_FOREVER);
	ms_thread_join(sim, x->c2, MS_FOREVER);
	/* A dead thread's object is gone: its handle is bad. */
	x->r[10] = ms_sys_object_check(sim, c1obj, MS_KOBJ_THREAD,
				       MS_KOBJ_INIT_ANY);
	x->r[11] = ms_sys_thread_handle(sim, x->c1, &c1obj);
}

static void test_permission_inheritance(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct inh x = { 0 };

	spawn_user(sim, "parent", 0, inh_parent, &x);
	run_done(sim);
	assert_int_equal(x.r[0], 1);
	assert_int_equal(x.r[1], 1);
	assert_int_equal(x.r[2], 0);
	assert_int_equal(x.r[3], 1);
	assert_int_equal(x.r[4], 0);
	assert_int_equal(x.r[5], 0);
	assert_int_equal(x.r[6], 0);
	assert_int_equal(x.r[7], 1);
	assert_int_equal(x.r[8], 1);
	assert_int_equal(x.r[9], 0);
	assert_int_equal(x.r[10], -EBADF);
	assert_int_equal(x.r[11], -ESRCH);
	ms_sim_free(sim);
}

/* ---- threads on thread objects ----------------------------------------- */

struct tobj {
	ms_handle th;
	ms_tid child, bad1, bad2;
	int r[10];
	struct ms_kobj_info alive, dead;
};

static void tobj_child(struct ms_sim *sim, void *arg)
{
	struct tobj *x = arg;

	if (!x->alive.handle)	/* the first child only */
		ms_kobj_info(sim, x->th, &x->alive);
	ms_sleep(sim, 5);
}

static void tobj_again(struct ms_sim *sim, void *arg)
{
	struct tobj *x = arg;
	struct ms_thread_attr a;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	/* The object runs a thread: an init call on an initialised object. */
	ms_sys_thread_create(sim, x->th, &a, tobj_child, x, NULL);
	x->r[5] = 1;
}

static void tobj_super(struct ms_sim *sim, void *arg)
{
	struct tobj *x = arg;
	struct ms_thread_attr a;
	ms_handle th;

	ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &th);
	ms_thread_attr_init(&a);
	a.options = 0;	/* a user thread asks for a supervisor thread */
	ms_sys_thread_create(sim, th, &a, tobj_child, x, NULL);
	x->r[6] = 1;
}

static void tobj_main(struct ms_sim *sim, void *arg)
{
	struct tobj *x = arg;
	struct ms_thread_attr a;
	ms_handle th;
	ms_tid c;

	ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &th);
	x->th = th;
	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER | MS_THREAD_INHERIT_PERMS;
	a.priority = 1;
	x->r[0] = ms_sys_thread_create(sim, th, &a, tobj_child, x, &c);
	x->child = c;
	x->r[1] = ms_sys_object_check(sim, th, MS_KOBJ_THREAD,
				      MS_KOBJ_INIT_TRUE);
	/* Another user thread holding the object tries to reuse it. */
	ms_thread_create(sim, &a, tobj_again, x, &x->bad1);
	ms_sys_object_grant(sim, th, x->bad1);
	ms_thread_join(sim, x->bad1, MS_FOREVER);
	ms_thread_join(sim, c, MS_FOREVER);
	ms_kobj_info(sim, th, &x->dead);
	x->r[2] = ms_sys_object_check(sim, th, MS_KOBJ_THREAD,
				      MS_KOBJ_INIT_FALSE);
	x->r[3] = ms_sys_thread_create(sim, th, &a, tobj_child, x, &c);
	ms_thread_join(sim, c, MS_FOREVER);
	ms_thread_create(sim, &a, tobj_super, x, &x->bad2);
	ms_thread_join(sim, x->bad2, MS_FOREVER);
	x->r[4] = ms_sys_object_release(sim, th);
}

static void test_thread_on_thread_object(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct tobj x = { 0 };
	struct ms_kernel_stats st;

	spawn_user(sim, "main", 0, tobj_main, &x);
	run_done(sim);
	assert_int_equal(x.r[0], 0);
	assert_int_equal(x.r[1], 0);
	assert_int_equal(x.alive.thread, x.child);
	assert_true(x.alive.initialized);
	assert_int_equal(x.dead.thread, MS_TID_NONE);
	assert_false(x.dead.initialized);
	assert_int_equal(x.dead.thread_index, x.alive.thread_index);
	assert_int_equal(x.r[2], 0);
	assert_int_equal(x.r[3], 0);
	assert_oops(sim, x.bad1, -EADDRINUSE);
	assert_int_equal(x.r[5], 0);
	assert_oops(sim, x.bad2, -EINVAL);
	assert_int_equal(x.r[6], 0);
	assert_int_equal(x.r[4], 0);
	assert_int_equal(ms_kernel_stats(sim, &st), 0);
	assert_int_equal(st.objects_live, 0);
	assert_int_equal(st.thread_indexes_used, 0);
	ms_sim_free(sim);
}

/* ---- failures that must leave nothing behind -------------------------- */

/*
 * A dynamic object is two allocations: when the record is granted and the
 * data refused, the record goes back (credited) and nothing is held.
 */
struct half {
	int r;
	size_t heap_before, heap_after;
	struct ms_quota_stats st;
};

static void half_alloc(struct ms_sim *sim, void *arg)
{
	struct half *x = arg;
	ms_handle h;

	x->heap_before = hstats(sim).allocated_bytes;
	x->r = ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h);
	x->heap_after = hstats(sim).allocated_bytes;
	x->st = qstats(sim, ms_thread_self(sim));
}

static void test_half_failed_object_alloc_frees_the_record(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct half x = { 0 };
	struct ms_kernel_stats ks;
	ms_tid u;

	/* Room for the record (32 bytes), not for a semaphore's data (24). */
	set_policy(sim, "bytes",
		   ms_heap_footprint(32) + ms_heap_footprint(24) - 1);
	u = spawn_user(sim, "requester", 0, half_alloc, &x);
	run_done(sim);
	assert_null(fault_of(sim, u));
	assert_int_equal(x.r, -EDQUOT);
	assert_int_equal(x.st.granted, 1);	/* the record */
	assert_int_equal(x.st.denied_quota, 1);	/* the data */
	assert_int_equal(x.st.freed, 1);	/* the record, back */
	assert_int_equal(x.st.bytes_held, 0);
	assert_int_equal(x.st.count_held, 0);
	assert_int_equal(x.heap_after, x.heap_before);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.objects_allocated, 0);
	assert_int_equal(ks.objects_live, 0);
	ms_sim_free(sim);
}

/*
 * ms_sys_object_free refuses a thread object a live thread runs on
 * (-EBUSY) and an object that is not dynamic, such as a thread's implicit
 * thread object (-EINVAL); both threads and objects go on working.
 */
struct busy {
	ms_handle dyn, implicit;
	int ran[2];
	int r[4];
};

static void busy_on_dynamic(struct ms_sim *sim, void *arg)
{
	struct busy *x = arg;
	ms_handle h = 0;

	x->ran[0] = 1;
	x->r[0] = ms_sys_thread_handle(sim, ms_thread_self(sim), &h);
	x->r[1] = h == x->dyn ? ms_sys_object_check(sim, h, MS_KOBJ_THREAD,
						    MS_KOBJ_INIT_TRUE) : -1;
}

static void busy_on_implicit(struct ms_sim *sim, void *arg)
{
	struct busy *x = arg;
	ms_handle h = 0;

	x->ran[1] = 1;
	x->r[2] = ms_sys_thread_handle(sim, ms_thread_self(sim), &h);
	x->r[3] = h == x->implicit ?
		  ms_sys_object_check(sim, h, MS_KOBJ_THREAD,
				      MS_KOBJ_INIT_TRUE) : -1;
}

static void test_object_free_refuses_live_thread_and_static_objects(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct busy x = { 0 };
	struct ms_kobj_info info;
	ms_tid dt = MS_TID_NONE, it;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_THREAD, &x.dyn), 0);
	assert_int_equal(ms_sys_thread_create(sim, x.dyn, NULL, busy_on_dynamic,
					      &x, &dt), 0);
	it = spawn_sup(sim, "implicit", 0, busy_on_implicit, &x);
	assert_int_equal(ms_sys_thread_handle(sim, it, &x.implicit), 0);
	assert_int_equal(ms_sys_object_free(sim, x.dyn), -EBUSY);
	assert_int_equal(ms_sys_object_free(sim, x.implicit), -EINVAL);
	/* Both still there, initialised, on their threads. */
	assert_int_equal(ms_kobj_info(sim, x.dyn, &info), 0);
	assert_true(info.initialized);
	assert_int_equal(info.thread, dt);
	assert_int_equal(ms_kobj_info(sim, x.implicit, &info), 0);
	assert_false(info.dynamic);
	assert_int_equal(info.thread, it);
	run_done(sim);
	assert_int_equal(x.ran[0], 1);
	assert_int_equal(x.ran[1], 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(x.r[i], 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	/* Both went with their threads: the dynamic one with its last
	 * permission (its thread's own), the implicit one with the thread. */
	assert_int_equal(ms_sys_object_free(sim, x.dyn), -EBADF);
	assert_int_equal(ms_sys_object_free(sim, x.implicit), -EBADF);
	ms_sim_free(sim);
}

/*
 * The host holds no permission to release (-EPERM); a supervisor grant or
 * revoke names a thread that is not alive (never was, or exited): -ESRCH.
 */
struct nolive {
	ms_tid gone;
	ms_handle s;
	int r[4];
	struct ms_kobj_info after;
};

static void exits_at_once(struct ms_sim *sim, void *arg)
{
}

static void sup_names_the_dead(struct ms_sim *sim, void *arg)
{
	struct nolive *x = arg;
	ms_handle s;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &s);
	x->s = s;
	x->r[0] = ms_sys_object_grant(sim, s, 999);
	x->r[1] = ms_sys_object_revoke(sim, s, 999);
	x->r[2] = ms_sys_object_grant(sim, s, x->gone);
	x->r[3] = ms_sys_object_revoke(sim, s, x->gone);
	ms_kobj_info(sim, s, &x->after);
}

static void test_release_by_host_and_grant_to_no_thread(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct nolive x = { 0 };
	struct ms_kobj_info info;
	ms_handle h;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h), 0);
	assert_int_equal(ms_sys_object_release(sim, h), -EPERM);
	assert_int_equal(ms_kobj_info(sim, h, &info), 0);	/* still there */
	assert_int_equal(ms_sys_object_grant(sim, h, 999), -ESRCH);
	assert_int_equal(ms_sys_object_revoke(sim, h, 999), -ESRCH);
	x.gone = spawn_sup(sim, "gone", -1, exits_at_once, NULL);
	spawn_sup(sim, "sup", 0, sup_names_the_dead, &x);
	run_done(sim);
	for (int i = 0; i < 4; i++)
		assert_int_equal(x.r[i], -ESRCH);
	assert_int_equal(x.after.holders, 1);	/* the supervisor's alone */
	assert_int_equal(ms_sys_object_free(sim, h), 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_handle_is_bad_handle),
		cmocka_unit_test(test_reused_record_starts_clean),
		cmocka_unit_test(test_validation_order_and_errnos),
		cmocka_unit_test(test_failed_check_oopses_with_its_errno),
		cmocka_unit_test(test_grant_release_public),
		cmocka_unit_test(test_user_grant_checks_grantee_then_object),
		cmocka_unit_test(test_supervisor_revoke),
		cmocka_unit_test(test_last_release_frees_and_credits_requester),
		cmocka_unit_test(test_holder_death_frees_and_credits),
		cmocka_unit_test(test_thread_index_exhaustion),
		cmocka_unit_test(test_permission_inheritance),
		cmocka_unit_test(test_thread_on_thread_object),
		cmocka_unit_test(test_half_failed_object_alloc_frees_the_record),
		cmocka_unit_test(test_object_free_refuses_live_thread_and_static_objects),
		cmocka_unit_test(test_release_by_host_and_grant_to_no_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
