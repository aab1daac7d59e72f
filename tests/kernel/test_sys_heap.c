/* SPDX-License-Identifier: MIT */
/*
 * The public heap calls from user threads are syscalls: ms_heap_alloc and
 * ms_heap_alloc_wait check the out pointer before anything is allocated,
 * ms_heap_free frees only a live "user" block charged to the caller. Each
 * attack the audit found has its test here, asserting the exact outcome:
 * the attacker dies of an oops with the expected errno, the victim's memory
 * and charges are untouched, nothing leaks. Supervisors and the host keep
 * their errnos and are not counted as syscalls.
 */
#include "common.h"

#include "core/cost.h"

/* An address the compiler cannot prove bad. */
static __attribute__((noinline)) void *wild(uintptr_t a)
{
	return (void *)a;
}

/* The block whose chunk lies just below p's in the heap, found from p's
 * header as an attacker that knows the layout would (left_size, in 8-byte
 * units, is the header's second word). */
static void *block_below(void *p)
{
	uint32_t left;

	memcpy(&left, (uint8_t *)p - MS_HEAP_HEADER + 4, sizeof(left));
	return (uint8_t *)p - (size_t)left * MS_HEAP_ALIGN;
}

static bool oops_names(struct ms_sim *sim, ms_tid tid, const char *what)
{
	const struct ms_fault *f = fault_of(sim, tid);

	return f && strstr(f->detail, "heap_free") && strstr(f->detail, what);
}

/* ---- the audit's first repro: freeing another thread's kernel block ---- */

struct victim_sem {
	ms_handle sem;
	void *target;			/* the block the attacker frees */
	int attacker_after;		/* the attacker went on after its free */
	int attacker_free;
	struct ms_quota_stats before, during;
	int give, count, take, release;
};

static void sem_victim(struct ms_sim *sim, void *arg)
{
	struct victim_sem *v = arg;
	ms_handle h = 0;

	if (ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h))
		return;
	v->sem = h;
	ms_sys_sem_init(sim, h, 0, 4);
	ms_quota_thread_stats(sim, ms_thread_self(sim), &v->before);
	ms_sleep(sim, 100);		/* the attacker runs */
	ms_quota_thread_stats(sim, ms_thread_self(sim), &v->during);
	v->give = ms_sys_sem_give(sim, h);
	v->count = ms_sys_sem_count_get(sim, h);
	v->take = ms_sys_sem_take(sim, h, MS_NO_WAIT);
	v->release = ms_sys_object_release(sim, h);	/* frees record, data */
}

static void sem_attacker(struct ms_sim *sim, void *arg)
{
	struct victim_sem *v = arg;
	void *p = NULL;

	if (ms_heap_alloc(sim, 24, &p))
		return;
	v->target = block_below(p);
	v->attacker_free = ms_heap_free(sim, v->target);
	v->attacker_after = 1;
}

static void test_user_free_of_other_threads_kernel_block_oopses(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct victim_sem v = { .attacker_free = 1 };
	struct ms_heap_stats hs;
	struct ms_quota_stats q;
	ms_tid vt, at;

	vt = spawn_user(sim, "victim", 0, sem_victim, &v);
	at = spawn_user(sim, "attacker", 1, sem_attacker, &v);
	run_done(sim);

	assert_oops(sim, at, -EPERM);
	assert_true(oops_names(sim, at, "object-data"));
	assert_int_equal(v.attacker_after, 0);
	assert_int_equal(v.attacker_free, 1);	/* never returned */
	assert_int_equal(ms_sim_fault_count(sim), 1);
	/* The victim's charges were not touched by the attempt, and its
	 * semaphore worked afterwards. */
	assert_int_equal(v.during.granted, v.before.granted);
	assert_int_equal(v.during.freed, v.before.freed);
	assert_int_equal(v.during.bytes_held, v.before.bytes_held);
	assert_int_equal(v.during.count_held, 1);
	assert_int_equal(v.give, 0);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.take, 0);
	assert_int_equal(v.release, 0);
	/* Its record and data were freed once, by its release. */
	hs = hstats(sim);
	assert_int_equal(hs.double_frees, 0);
	assert_int_equal(hs.corruptions, 0);
	q = qstats(sim, vt);
	assert_int_equal(q.granted, 2);
	assert_int_equal(q.freed, 2);
	assert_int_equal(q.bytes_held, 0);
	assert_int_equal(q.count_held, 0);
	/* The attacker died holding its own block, still charged to it. */
	q = qstats(sim, at);
	assert_int_equal(q.granted, 1);
	assert_int_equal(q.freed, 0);
	assert_int_equal(q.bytes_held, ms_heap_footprint(24));
	ms_sim_free(sim);
}

/* ---- resetting one's own count by freeing one's object's record ------ */

struct reset {
	int after;
	struct ms_quota_stats before;
};

static void count_resetter(struct ms_sim *sim, void *arg)
{
	struct reset *r = arg;
	ms_handle h = 0;
	void *p = NULL;

	if (ms_sys_object_alloc(sim, MS_KOBJ_SEM, &h))
		return;
	if (ms_heap_alloc(sim, 24, &p))
		return;
	ms_quota_thread_stats(sim, ms_thread_self(sim), &r->before);
	/* Below the block: its own semaphore's data, and below that the
	 * record, the block its request is counted on; both charged to it. */
	ms_heap_free(sim, block_below(block_below(p)));
	r->after = 1;
}

static void test_user_free_of_own_object_record_oopses(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct reset r = { 0 };
	struct ms_quota_stats q;
	struct ms_heap_stats before = hstats(sim), after;
	ms_tid t;

	set_policy(sim, "count", 2);
	t = spawn_user(sim, "resetter", 0, count_resetter, &r);
	run_done(sim);

	assert_oops(sim, t, -EPERM);
	assert_true(oops_names(sim, t, "a kernel block (object)"));
	assert_int_equal(r.after, 0);
	assert_int_equal(r.before.count_held, 2);
	/* Its death released the semaphore: record and data freed once
	 * each, by the kernel; its own block stays charged to it. */
	q = qstats(sim, t);
	assert_int_equal(q.granted, 3);
	assert_int_equal(q.freed, 2);
	assert_int_equal(q.count_held, 1);
	assert_int_equal(q.bytes_held, ms_heap_footprint(24));
	after = hstats(sim);
	assert_int_equal(after.frees - before.frees, 2);
	assert_int_equal(after.double_frees, 0);
	assert_int_equal(after.corruptions, 0);
	ms_sim_free(sim);
}

/* ---- the audit's second repro: a host out pointer ---------------------- */

struct outs {
	void *host_slot;		/* host memory, not the threads' */
	int after[4];
};

static void out_host(struct ms_sim *sim, void *arg)
{
	struct outs *o = arg;

	ms_heap_alloc(sim, 32, &o->host_slot);
	o->after[0] = 1;
}

static void out_host_wait(struct ms_sim *sim, void *arg)
{
	struct outs *o = arg;

	ms_heap_alloc_wait(sim, 32, MS_FOREVER, &o->host_slot);
	o->after[1] = 1;
}

static void out_wild(struct ms_sim *sim, void *arg)
{
	struct outs *o = arg;

	ms_heap_alloc(sim, 32, wild(0x10));
	o->after[2] = 1;
}

static void out_null(struct ms_sim *sim, void *arg)
{
	struct outs *o = arg;

	ms_heap_alloc(sim, 32, NULL);
	o->after[3] = 1;
}

static void test_user_alloc_with_bad_out_oopses_allocates_nothing(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct ms_heap_stats before = hstats(sim), after;
	struct outs o = { 0 };
	ms_entry_fn fn[4] = { out_host, out_host_wait, out_wild, out_null };
	ms_tid t[4];

	for (int i = 0; i < 4; i++)
		t[i] = spawn_user(sim, "bad-out", 0, fn[i], &o);
	run_done(sim);

	assert_int_equal(ms_sim_fault_count(sim), 4);
	for (int i = 0; i < 4; i++) {
		const struct ms_fault *f = fault_of(sim, t[i]);
		struct ms_quota_stats q = qstats(sim, t[i]);

		assert_oops(sim, t[i], -EFAULT);
		assert_string_equal(f->object, "syscall");
		assert_non_null(strstr(f->detail, "heap_alloc"));
		assert_int_equal(o.after[i], 0);
		/* Checked before anything was allocated. */
		assert_int_equal(q.requested, 0);
		assert_int_equal(q.granted, 0);
	}
	assert_null(o.host_slot);
	after = hstats(sim);
	assert_int_equal(after.allocs, before.allocs);
	assert_int_equal(after.allocated_bytes, before.allocated_bytes);
	ms_sim_free(sim);
}

/* ---- user frees: its own, another user thread's, bad ones -------------- */

struct share {
	void *mine;			/* the owner's block, shown to others */
	int own_free;
	struct ms_quota_stats owner_during;
	int thief_after;
	ms_tid owner;
};

static void share_owner(struct ms_sim *sim, void *arg)
{
	struct share *s = arg;
	void *p = NULL, *q = NULL;

	if (ms_heap_alloc(sim, 40, &p) || ms_heap_alloc(sim, 40, &q))
		return;
	s->mine = q;
	s->own_free = ms_heap_free(sim, p);	/* its own: fine */
	ms_sleep(sim, 100);			/* the thief runs */
	ms_quota_thread_stats(sim, ms_thread_self(sim), &s->owner_during);
}

static void share_thief(struct ms_sim *sim, void *arg)
{
	struct share *s = arg;

	ms_heap_free(sim, s->mine);
	s->thief_after = 1;
}

static void test_user_free_of_other_users_block_oopses(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct share s = { 0 };
	struct ms_quota_stats q;
	ms_tid thief;

	s.owner = spawn_user(sim, "owner", 0, share_owner, &s);
	thief = spawn_user(sim, "thief", 1, share_thief, &s);
	run_done(sim);

	assert_int_equal(s.own_free, 0);
	assert_oops(sim, thief, -EPERM);
	assert_true(oops_names(sim, thief, "charged to another thread"));
	assert_int_equal(s.thief_after, 0);
	/* The owner was credited for its own free only. */
	assert_int_equal(s.owner_during.granted, 2);
	assert_int_equal(s.owner_during.freed, 1);
	assert_int_equal(s.owner_during.bytes_held, ms_heap_footprint(40));
	q = qstats(sim, thief);
	assert_int_equal(q.freed, 0);
	assert_int_equal(hstats(sim).double_frees, 0);
	/* Still live and still the owner's: the host may free it. */
	assert_int_equal(ms_heap_block_owner(s.mine), s.owner);
	assert_int_equal(ms_heap_free(sim, s.mine), 0);
	q = qstats(sim, s.owner);
	assert_int_equal(q.freed, 2);
	assert_int_equal(q.bytes_held, 0);
	ms_sim_free(sim);
}

struct bad_free {
	void *raw;			/* the host's uncharged raw block */
	int after[5];
	bool adjacent;			/* damaged's two blocks touch */
};

static void free_stack(struct ms_sim *sim, void *arg)
{
	struct bad_free *b = arg;
	uint64_t local[4] = { 0 };

	ms_heap_free(sim, &local[2]);
	b->after[0] = 1;
}

static void free_twice(struct ms_sim *sim, void *arg)
{
	struct bad_free *b = arg;
	void *p = NULL;

	if (ms_heap_alloc(sim, 24, &p) || ms_heap_free(sim, p))
		return;
	ms_heap_free(sim, p);
	b->after[1] = 1;
}

static void free_mid_block(struct ms_sim *sim, void *arg)
{
	struct bad_free *b = arg;
	void *p = NULL;

	if (ms_heap_alloc(sim, 64, &p))
		return;
	memset(p, 0, 64);		/* no header-like bytes inside */
	ms_heap_free(sim, (uint8_t *)p + 16);
	b->after[2] = 1;
}

static void free_raw(struct ms_sim *sim, void *arg)
{
	struct bad_free *b = arg;

	ms_heap_free(sim, b->raw);
	b->after[3] = 1;
}

/* Damages the header of its second block, then frees the first: the
 * neighbour disagrees. (A size no quick list holds: both blocks are cut
 * from the big free chunk, one after the other.) */
static void free_damaged(struct ms_sim *sim, void *arg)
{
	struct bad_free *b = arg;
	void *p = NULL, *q = NULL;
	uint32_t junk = 1;

	if (ms_heap_alloc(sim, 400, &p) || ms_heap_alloc(sim, 400, &q))
		return;
	b->adjacent = block_below(q) == p;
	memcpy((uint8_t *)q - MS_HEAP_HEADER + 4, &junk, sizeof(junk));
	ms_heap_free(sim, p);
	b->after[4] = 1;
}

static void test_user_bad_frees_oops_and_are_counted(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct bad_free b = { 0 };
	struct ms_heap_stats hs;
	ms_tid t[5];

	assert_int_equal(ms_heap_alloc_raw(ms_heap_system(sim), 24, &b.raw), 0);
	/* FIFO at one priority: the damaging thread runs last, so no other
	 * allocation lands next to its blocks after the damage. */
	t[0] = spawn_user(sim, "stack", 0, free_stack, &b);
	t[1] = spawn_user(sim, "twice", 0, free_twice, &b);
	t[2] = spawn_user(sim, "mid", 0, free_mid_block, &b);
	t[3] = spawn_user(sim, "raw", 0, free_raw, &b);
	t[4] = spawn_user(sim, "damaged", 0, free_damaged, &b);
	run_done(sim);

	assert_int_equal(ms_sim_fault_count(sim), 5);
	assert_oops(sim, t[0], -EINVAL);
	assert_true(oops_names(sim, t[0], "not a heap block"));
	assert_oops(sim, t[1], -EALREADY);
	assert_true(oops_names(sim, t[1], "double free"));
	assert_oops(sim, t[2], -EINVAL);
	assert_true(oops_names(sim, t[2], "not a heap block"));
	assert_oops(sim, t[3], -EPERM);
	assert_true(oops_names(sim, t[3], "kernel block"));
	assert_oops(sim, t[4], -EFAULT);
	assert_true(oops_names(sim, t[4], "damaged"));
	for (int i = 0; i < 5; i++)
		assert_int_equal(b.after[i], 0);
	assert_true(b.adjacent);
	/* The heap counted what it detected, and freed nothing it refused. */
	hs = hstats(sim);
	assert_int_equal(hs.double_frees, 1);
	assert_int_equal(hs.corruptions, 1);
	assert_int_equal(hs.frees, 1);		/* twice's first free */
	assert_int_equal(ms_heap_block_owner(b.raw), MS_TID_NONE);
	assert_int_equal(qstats(sim, t[2]).bytes_held, ms_heap_footprint(64));
	ms_sim_free(sim);
}

/* ---- counted and recorded as syscalls (user threads only) --------------- */

struct calls {
	int r[4];
	uint64_t alloc_cost, free_cost;
};

static void calls_run(struct ms_sim *sim, void *arg)
{
	struct calls *c = arg;
	void *p = NULL, *q = NULL;
	uint64_t t0 = ms_sim_now(sim);

	c->r[0] = ms_heap_alloc(sim, 24, &p);
	c->alloc_cost = ms_sim_now(sim) - t0;
	c->r[1] = ms_heap_alloc_wait(sim, 24, 10, &q);
	t0 = ms_sim_now(sim);
	c->r[2] = ms_heap_free(sim, p);
	c->free_cost = ms_sim_now(sim) - t0;
	c->r[3] = ms_heap_free(sim, q);
}

static void test_heap_calls_are_syscalls_for_users_only(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct calls cu = { .r = { 1, 1, 1, 1 } };
	struct calls cs = { .r = { 1, 1, 1, 1 } };
	struct ms_kernel_stats ks;
	struct ms_event ev;
	unsigned n[MS_SYS__COUNT] = { 0 }, other = 0;
	uint64_t calls;
	ms_tid u, s;

	u = spawn_user(sim, "user", 0, calls_run, &cu);
	s = spawn_sup(sim, "sup", 0, calls_run, &cs);
	run_done(sim);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cu.r[i], 0);
		assert_int_equal(cs.r[i], 0);
	}
	assert_int_equal(ms_thread_syscalls(sim, u, &calls), 0);
	assert_int_equal(calls, 4);
	assert_int_equal(ms_thread_syscalls(sim, s, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.syscalls, 4);
	assert_int_equal(ks.oopses, 0);
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type != MS_EV_SYSCALL)
			continue;
		if (ev.tid != u || ev.b != 0 || ev.a >= MS_SYS__COUNT) {
			other++;
			continue;
		}
		n[ev.a]++;
	}
	assert_int_equal(other, 0);
	assert_int_equal(n[MS_SYS_HEAP_ALLOC], 2);
	assert_int_equal(n[MS_SYS_HEAP_FREE], 2);
	assert_string_equal(ms_syscall_name(MS_SYS_HEAP_ALLOC), "heap_alloc");
	assert_string_equal(ms_syscall_name(MS_SYS_HEAP_FREE), "heap_free");
	/* The boundary's price, as before the calls were syscalls. */
	assert_int_equal(cu.alloc_cost, MS__COST_SYSCALL + MS__COST_ALLOC +
			 MS__COST_QUOTA);
	assert_int_equal(cs.alloc_cost, MS__COST_KERNEL_ENTRY + MS__COST_ALLOC +
			 MS__COST_QUOTA);
	assert_int_equal(cu.free_cost, MS__COST_SYSCALL + MS__COST_ALLOC);
	assert_int_equal(cs.free_cost, MS__COST_KERNEL_ENTRY + MS__COST_ALLOC);
	assert_int_equal(qstats(sim, u).freed, 2);
	assert_int_equal(qstats(sim, u).bytes_held, 0);
	ms_sim_free(sim);
}

/* Supervisors keep their errnos: nothing is an oops for them. */
struct sup_errs {
	int r[5];
	void *theirs;
};

static void sup_errs_user(struct ms_sim *sim, void *arg)
{
	struct sup_errs *e = arg;
	void *p = NULL;

	if (ms_heap_alloc(sim, 24, &p) == 0)
		e->theirs = p;
}

static void sup_errs_run(struct ms_sim *sim, void *arg)
{
	struct sup_errs *e = arg;
	uint64_t local = 0;
	void *p = NULL;

	e->r[0] = ms_heap_alloc(sim, 24, NULL);
	e->r[1] = ms_heap_alloc(sim, 0, &p);
	e->r[2] = ms_heap_free(sim, &local);
	e->r[3] = ms_heap_free(sim, e->theirs);	/* a user's: allowed */
	e->r[4] = ms_heap_free(sim, e->theirs);
}

static void test_supervisor_heap_calls_keep_errnos(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct sup_errs e = { .r = { 1, 1, 1, 1, 1 } };
	ms_tid u;

	u = spawn_user(sim, "user", 0, sup_errs_user, &e);
	spawn_sup(sim, "sup", 1, sup_errs_run, &e);
	run_done(sim);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(e.r[0], -EINVAL);
	assert_int_equal(e.r[1], -EINVAL);
	assert_int_equal(e.r[2], -EINVAL);
	assert_int_equal(e.r[3], 0);
	assert_int_equal(e.r[4], -EALREADY);
	assert_int_equal(qstats(sim, u).freed, 1);
	assert_int_equal(qstats(sim, u).bytes_held, 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_free_of_other_threads_kernel_block_oopses),
		cmocka_unit_test(test_user_free_of_own_object_record_oopses),
		cmocka_unit_test(test_user_alloc_with_bad_out_oopses_allocates_nothing),
		cmocka_unit_test(test_user_free_of_other_users_block_oopses),
		cmocka_unit_test(test_user_bad_frees_oops_and_are_counted),
		cmocka_unit_test(test_heap_calls_are_syscalls_for_users_only),
		cmocka_unit_test(test_supervisor_heap_calls_keep_errnos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
