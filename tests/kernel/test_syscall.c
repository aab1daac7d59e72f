/* SPDX-License-Identifier: MIT */
/*
 * The syscall boundary: a user buffer outside the caller's memory kills
 * the caller with an oops (NULL, another thread's stack, a wild address,
 * host memory) and leaks nothing; the poll-event copy is freed on every
 * way out (the leak a real kernel once had, and the pool-draining attack it
 * allowed); syscalls are counted, recorded and costed; supervisors call the
 * implementations directly.
 */
#include "common.h"

#include "core/cost.h"
#include "sched/sched.h"

/* An address the compiler cannot prove bad. */
static __attribute__((noinline)) void *wild(uintptr_t a)
{
	return (void *)a;
}

/* ---- bad buffers ------------------------------------------------------ */

struct bufs {
	ms_handle *victim_slot;		/* on the victim's stack */
	int after[5];
	int ok;
	ms_handle good;
};

static void buf_victim(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;
	ms_handle slot = 0;

	b->victim_slot = &slot;
	ms_sleep(sim, 1000);
	b->after[4] = slot == 0;	/* nobody wrote it */
}

static void buf_null(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, NULL);
	b->after[0] = 1;
}

static void buf_other_stack(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, b->victim_slot);
	b->after[1] = 1;
}

static void buf_wild(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, wild(0x10));
	b->after[2] = 1;
}

static void buf_host(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;

	/* Host memory (the test's own struct): not the thread's. */
	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &b->good);
	b->after[3] = 1;
}

static void buf_good(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;
	ms_handle h = 0;

	b->ok = ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h);
	ms_sys_object_release(sim, h);
}

static void test_oops_on_bad_buffer_leaks_nothing(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct ms_heap_stats before = hstats(sim), after;
	struct bufs b = { 0 };
	ms_tid t[4];

	spawn_user(sim, "victim", 0, buf_victim, &b);
	t[0] = spawn_user(sim, "null", 1, buf_null, &b);
	t[1] = spawn_user(sim, "other-stack", 1, buf_other_stack, &b);
	t[2] = spawn_user(sim, "wild", 1, buf_wild, &b);
	t[3] = spawn_user(sim, "host", 1, buf_host, &b);
	spawn_user(sim, "good", 1, buf_good, &b);
	run_done(sim);

	for (int i = 0; i < 4; i++) {
		const struct ms_fault *f = fault_of(sim, t[i]);
		struct ms_quota_stats q = qstats(sim, t[i]);

		assert_oops(sim, t[i], -EFAULT);
		assert_string_equal(f->object, "syscall");
		assert_non_null(strstr(f->detail, "object_alloc"));
		assert_int_equal(b.after[i], 0);
		/* Verified before anything was allocated. */
		assert_int_equal(q.requested, 0);
	}
	assert_int_equal(b.after[4], 1);
	assert_int_equal(b.ok, 0);
	assert_int_equal(ms_sim_fault_count(sim), 4);
	after = hstats(sim);
	assert_int_equal(after.allocated_bytes, before.allocated_bytes);
	assert_int_equal(after.allocs - before.allocs, 2);	/* good's sem */
	assert_int_equal(after.frees - before.frees, 2);
	ms_sim_free(sim);
}

/* ---- the poll-event copy ---------------------------------------------- */

struct pl {
	ms_handle foreign;	/* initialised, not the pollers' */
	ms_handle stale;
	int mode;
	int after;
	int r;
	uint32_t state[2];
};

static void poller(struct ms_sim *sim, void *arg)
{
	struct pl *p = arg;
	struct ms_poll_event ev[2];
	ms_handle mine, uninit;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &mine);
	ms_sys_sem_init(sim, mine, 1, 1);	/* ready */
	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &uninit);
	memset(ev, 0, sizeof(ev));
	ev[0].type = MS_POLL_TYPE_SEM_AVAILABLE;
	ev[0].obj = mine;
	ev[1].type = MS_POLL_TYPE_SEM_AVAILABLE;
	switch (p->mode) {
	case 0:
		ev[1].obj = mine;
		break;
	case 1:
		ev[1].obj = p->foreign;		/* -EPERM */
		break;
	case 2:
		ev[1].obj = p->stale;		/* -EBADF */
		break;
	case 3:
		ev[1].obj = uninit;		/* -EINVAL */
		break;
	case 4:
		ev[1].type = MS_POLL_TYPE_DATA_AVAILABLE;	/* a sem: -EBADF */
		ev[1].obj = mine;
		break;
	case 5:
		ev[1].type = 77;		/* unknown: -EINVAL returned */
		ev[1].obj = mine;
		break;
	}
	if (p->mode == 6)
		p->r = ms_sys_poll(sim, wild(0x20), 2, MS_NO_WAIT);
	else
		p->r = ms_sys_poll(sim, ev, 2, MS_NO_WAIT);
	p->state[0] = ev[0].state;
	p->state[1] = ev[1].state;
	p->after = 1;
}

static void test_poll_copy_freed_on_every_oops(void **state)
{
	static const int err[] = { 0, -EPERM, -EBADF, -EINVAL, -EBADF, 0, -EFAULT };

	for (int mode = 0; mode < 7; mode++) {
		struct ms_sim *sim = ksim_new(0, 0);
		struct pl p = { .mode = mode };
		struct ms_heap_stats before, after;
		struct ms_quota_stats q;
		ms_tid t;

		assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM,
						     &p.foreign), 0);
		assert_int_equal(ms_sys_sem_init(sim, p.foreign, 1, 1), 0);
		assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &p.stale), 0);
		assert_int_equal(ms_sys_object_free(sim, p.stale), 0);
		before = hstats(sim);
		t = spawn_user(sim, "poller", 0, poller, &p);
		run_done(sim);
		q = qstats(sim, t);
		after = hstats(sim);
		/* Two sems and the copy were charged; all three came back. */
		assert_int_equal(q.granted, 5);
		assert_int_equal(q.freed, 5);
		assert_int_equal(q.bytes_held, 0);
		assert_int_equal(after.allocated_bytes, before.allocated_bytes);
		assert_int_equal(after.allocs - before.allocs, 5);
		assert_int_equal(after.frees - before.frees, 5);
		if (mode == 0) {
			assert_int_equal(p.r, 0);
			assert_int_equal(p.after, 1);
			assert_int_equal(p.state[0], MS_POLL_STATE_SEM_AVAILABLE);
			assert_int_equal(p.state[1], MS_POLL_STATE_SEM_AVAILABLE);
		} else if (mode == 5) {
			assert_int_equal(p.r, -EINVAL);
			assert_int_equal(p.after, 1);
		} else {
			assert_oops(sim, t, err[mode]);
			assert_int_equal(p.after, 0);
		}
		ms_sim_free(sim);
	}
}

/* The attack the leak allowed: threads that each make one bad poll (and
 * die of it) would drain the heap a copy at a time. */
struct drain {
	ms_handle foreign;
	int children;
};

static void drain_child(struct ms_sim *sim, void *arg)
{
	struct drain *d = arg;
	struct ms_poll_event ev[8];

	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 8; i++) {
		ev[i].type = MS_POLL_TYPE_SEM_AVAILABLE;
		ev[i].obj = d->foreign;
	}
	ms_sys_poll(sim, ev, 8, MS_NO_WAIT);
}

static void drain_parent(struct ms_sim *sim, void *arg)
{
	struct drain *d = arg;
	struct ms_thread_attr a;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	a.priority = 1;
	for (int i = 0; i < d->children; i++) {
		ms_tid c;

		if (ms_thread_create(sim, &a, drain_child, d, &c) == 0)
			ms_thread_join(sim, c, MS_FOREVER);
	}
}

static void test_poll_copy_leak_attack_drains_nothing(void **state)
{
	/* 100 copies of 128 bytes would not fit in a 4 KiB heap. */
	struct ms_sim *sim = ksim_new(0, 4096);
	struct drain d = { .children = under_valgrind() ? 20 : 100 };
	struct ms_heap_stats before, after;
	ms_tid parent;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &d.foreign), 0);
	assert_int_equal(ms_sys_sem_init(sim, d.foreign, 0, 1), 0);
	before = hstats(sim);
	parent = spawn_user(sim, "attacker", 0, drain_parent, &d);
	run_done(sim);
	after = hstats(sim);
	assert_int_equal(ms_sim_fault_count(sim), (size_t)d.children);
	assert_int_equal(after.allocated_bytes, before.allocated_bytes);
	assert_int_equal(after.allocs - before.allocs, (uint64_t)d.children);
	assert_int_equal(after.failures, 0);
	assert_null(fault_of(sim, parent));
	ms_sim_free(sim);
}

/* A poller killed while it waits: its copy goes with it. */
struct pw {
	ms_tid poller;
	int after;
	struct ms_quota_stats mid;
};

static void waiting_poller(struct ms_sim *sim, void *arg)
{
	struct pw *p = arg;
	struct ms_poll_event ev[3];
	ms_handle s;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &s);
	ms_sys_sem_init(sim, s, 0, 1);
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 3; i++) {
		ev[i].type = MS_POLL_TYPE_SEM_AVAILABLE;
		ev[i].obj = s;
	}
	ms_sys_poll(sim, ev, 3, MS_FOREVER);
	p->after = 1;
}

static void killer(struct ms_sim *sim, void *arg)
{
	struct pw *p = arg;

	ms_sleep(sim, 50);
	p->mid = qstats(sim, p->poller);
	ms_thread_abort(sim, p->poller);
}

static void test_poll_copy_freed_when_poller_is_killed(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct ms_heap_stats before = hstats(sim), after;
	struct pw p = { 0 };
	struct ms_quota_stats q;

	p.poller = spawn_user(sim, "poller", 0, waiting_poller, &p);
	spawn_sup(sim, "killer", 0, killer, &p);
	run_done(sim);
	assert_int_equal(p.after, 0);
	/* While it waited it held its sem and the copy: two requests. */
	assert_int_equal(p.mid.count_held, 2);
	assert_int_equal(p.mid.bytes_held,
			 ms_heap_footprint(32) + ms_heap_footprint(24) +
			 ms_heap_footprint(3 * sizeof(struct ms_poll_event)));
	q = qstats(sim, p.poller);
	assert_int_equal(q.count_held, 0);
	assert_int_equal(q.freed, 3);
	after = hstats(sim);
	assert_int_equal(after.allocated_bytes, before.allocated_bytes);
	ms_sim_free(sim);
}

/* A poller woken by a give sees the state, then takes. */
struct pg {
	ms_handle s, q;
	int r[4];
	uint32_t st[2];
};

static void pg_poller(struct ms_sim *sim, void *arg)
{
	struct pg *p = arg;
	struct ms_poll_event ev[2];

	memset(ev, 0, sizeof(ev));
	ev[0].type = MS_POLL_TYPE_SEM_AVAILABLE;
	ev[0].obj = p->s;
	ev[1].type = MS_POLL_TYPE_DATA_AVAILABLE;
	ev[1].obj = p->q;
	ev[1].tag = 7;
	p->r[0] = ms_sys_poll(sim, ev, 2, 200);
	p->st[0] = ev[0].state;
	p->st[1] = ev[1].state;
	p->r[1] = ev[1].tag;
	p->r[2] = ms_sys_poll(sim, ev, 1, 30);	/* the sem is empty: times out */
}

static void pg_giver(struct ms_sim *sim, void *arg)
{
	struct pg *p = arg;
	int x;

	ms_sleep(sim, 20);
	p->r[3] = ms_sys_queue_alloc_append(sim, p->q, &x);
}

static void test_poll_wakes_on_ready(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct pg p = { 0 };
	uint64_t t0;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &p.s), 0);
	assert_int_equal(ms_sys_sem_init(sim, p.s, 0, 1), 0);
	assert_int_equal(ms_sys_object_make_public(sim, p.s), 0);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &p.q), 0);
	assert_int_equal(ms_sys_queue_init(sim, p.q), 0);
	assert_int_equal(ms_sys_object_make_public(sim, p.q), 0);
	spawn_user(sim, "poller", 0, pg_poller, &p);
	spawn_user(sim, "giver", 0, pg_giver, &p);
	t0 = ms_sim_now(sim);
	run_done(sim);
	assert_int_equal(p.r[0], 0);
	assert_int_equal(p.st[0], MS_POLL_STATE_NOT_READY);
	assert_int_equal(p.st[1], MS_POLL_STATE_DATA_AVAILABLE);
	assert_int_equal(p.r[1], 7);
	assert_int_equal(p.r[2], -EAGAIN);
	assert_int_equal(p.r[3], 0);
	assert_true(ms_sim_now(sim) - t0 >= 50);
	ms_sim_free(sim);
}

/* ---- counting, events, costs ------------------------------------------ */

struct cnt {
	ms_handle s;
	uint64_t user_cost, sup_cost;
	int r;
};

static void cnt_user(struct ms_sim *sim, void *arg)
{
	struct cnt *c = arg;
	uint64_t t;

	ms_sys_sem_give(sim, c->s);
	ms_sys_sem_give(sim, c->s);
	ms_sys_sem_take(sim, c->s, MS_NO_WAIT);
	ms_sys_sem_take(sim, c->s, MS_NO_WAIT);
	c->r = ms_sys_sem_take(sim, c->s, MS_NO_WAIT);
	t = ms_sim_now(sim);
	ms_sys_sem_count_get(sim, c->s);
	c->user_cost = ms_sim_now(sim) - t;
}

static void cnt_sup(struct ms_sim *sim, void *arg)
{
	struct cnt *c = arg;
	uint64_t t = ms_sim_now(sim);

	ms_sys_sem_count_get(sim, c->s);
	c->sup_cost = ms_sim_now(sim) - t;
}

static void test_syscalls_counted_recorded_costed(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct cnt c = { 0 };
	struct ms_kernel_stats ks;
	struct ms_event ev;
	unsigned n = 0, busy = 0;
	uint64_t calls;
	ms_tid u, s;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &c.s), 0);
	assert_int_equal(ms_sys_sem_init(sim, c.s, 0, 5), 0);
	assert_int_equal(ms_sys_object_make_public(sim, c.s), 0);
	u = spawn_user(sim, "user", 0, cnt_user, &c);
	s = spawn_sup(sim, "sup", 0, cnt_sup, &c);
	run_done(sim);
	assert_int_equal(c.r, -EBUSY);
	assert_int_equal(ms_thread_syscalls(sim, u, &calls), 0);
	assert_int_equal(calls, 6);
	assert_int_equal(ms_thread_syscalls(sim, s, &calls), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(ms_thread_syscalls(sim, 999, &calls), -ENOENT);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.syscalls, 7);	/* host calls are the kernel's */
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type != MS_EV_SYSCALL || ev.tid != u)
			continue;
		n++;
		if (ev.a == MS_SYS_SEM_TAKE && (int64_t)ev.b == -EBUSY)
			busy++;
	}
	assert_int_equal(n, 6);
	assert_int_equal(busy, 1);
	/* The boundary's price: user entry plus one object check, against a
	 * plain kernel entry plus the check. */
	assert_int_equal(c.user_cost, MS__COST_SYSCALL + MS__COST_OBJ);
	assert_int_equal(c.sup_cost, MS__COST_KERNEL_ENTRY + MS__COST_OBJ);
	assert_string_equal(ms_syscall_name(MS_SYS_SEM_GIVE), "sem_give");
	assert_string_equal(ms_syscall_name(MS_SYS_POLL), "poll");
	assert_string_equal(ms_syscall_name(MS_SYS__COUNT), "?");
	assert_string_equal(ms_kobj_type_name(MS_KOBJ_DELAYED_WORK),
			    "delayed-work");
	assert_string_equal(ms_kobj_type_name(99), "?");
	ms_sim_free(sim);
}

/*
 * Where a syscall runs: a user thread's on its privileged stack, never on
 * its user stack; a supervisor's on its own stack. Observed from inside
 * the implementation: the kernel records MS_EV_OBJ_NEW while it allocates
 * the object, and the event hook runs right there.
 */
/* W_OWN: the stack ms__thread_stack gives (a user thread's user stack). */
enum where { W_NONE, W_PRIV, W_OWN, W_ELSEWHERE };

struct where_seen {
	enum where at[2];	/* [0] the user thread's call, [1] the supervisor's */
	int n;
};

static bool in_range(const void *p, const void *lo, size_t size)
{
	return (uintptr_t)p >= (uintptr_t)lo &&
	       (uintptr_t)p < (uintptr_t)lo + size;
}

static void where_hook(struct ms_sim *sim, const struct ms_event *ev,
		       void *user)
{
	struct where_seen *w = user;
	/* The real frame, not an ASan fake stack's. */
	const void *sp = __builtin_frame_address(0);
	struct ms_thread *t = ms__current(sim);
	void *lo, *plo;
	size_t size, psize;

	if (ev->type != MS_EV_OBJ_NEW || !t || w->n >= 2)
		return;
	ms__thread_stack(t, &lo, &size);
	ms__thread_priv_stack(t, &plo, &psize);
	if (plo && in_range(sp, plo, psize))
		w->at[w->n++] = W_PRIV;
	else if (in_range(sp, lo, size))
		w->at[w->n++] = W_OWN;
	else
		w->at[w->n++] = W_ELSEWHERE;
}

static void where_alloc(struct ms_sim *sim, void *arg)
{
	ms_handle h;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h);
}

static void test_user_syscall_runs_on_privileged_stack(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct where_seen w = { 0 };

	ms_sim_set_event_hook(sim, where_hook, &w);
	spawn_user(sim, "user", 0, where_alloc, NULL);
	spawn_sup(sim, "sup", 1, where_alloc, NULL);
	run_done(sim);
	ms_sim_set_event_hook(sim, NULL, NULL);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.at[0], W_PRIV);
	/* A supervisor thread's stack is all its own: it stays there. */
	assert_int_equal(w.at[1], W_OWN);
	ms_sim_free(sim);
}

/* Calls Zephyr keeps to supervisors are refused to user threads with
 * -EPERM, without killing them. */
struct sup_only {
	int r[3];
};

static void sup_only_user(struct ms_sim *sim, void *arg)
{
	struct sup_only *x = arg;
	ms_handle h;

	ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h);
	x->r[0] = ms_sys_object_free(sim, h);
	x->r[1] = ms_sys_object_revoke(sim, h, ms_thread_self(sim));
	x->r[2] = ms_sys_object_check(sim, h, MS_KOBJ_SEM, MS_KOBJ_INIT_ANY);
}

static void test_supervisor_only_calls_refused_to_users(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct sup_only x = { 0 };

	spawn_user(sim, "user", 0, sup_only_user, &x);
	run_done(sim);
	assert_int_equal(x.r[0], -EPERM);
	assert_int_equal(x.r[1], -EPERM);
	assert_int_equal(x.r[2], 0);	/* still there, still its */
	assert_int_equal(ms_sim_fault_count(sim), 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oops_on_bad_buffer_leaks_nothing),
		cmocka_unit_test(test_poll_copy_freed_on_every_oops),
		cmocka_unit_test(test_poll_copy_leak_attack_drains_nothing),
		cmocka_unit_test(test_poll_copy_freed_when_poller_is_killed),
		cmocka_unit_test(test_poll_wakes_on_ready),
		cmocka_unit_test(test_syscalls_counted_recorded_costed),
		cmocka_unit_test(test_supervisor_only_calls_refused_to_users),
		cmocka_unit_test(test_user_syscall_runs_on_privileged_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
