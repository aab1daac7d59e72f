/* SPDX-License-Identifier: MIT */
/*
 * Enforcement on the host: what a user thread can reach is exactly its
 * domain's partitions with their user rights; anything else is a real fault
 * (kind, reason, thread, access, arena offset, partition or "none"); the
 * thread dies and the simulation goes on. Partition changes and thread
 * migration take effect at once; shared (sub-page) partitions are exact
 * where the host can single-step; what a switch reprograms and costs in
 * the MPU/MMU model is counted exactly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "mem/domain/domain.h"
#include "sched/sched.h"

#define P_OFF 0x10000u
#define P_SIZE 0x2000u
#define Q_OFF 0x20000u

struct probe {
	uint64_t off;
	int stage;
	uint8_t got;
};

static void bystander(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 10);
	*(int *)arg = 42;
}

static void store_and_load(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	deliberate_store(at(sim, pr->off), 0x5a);
	pr->got = deliberate_load(at(sim, pr->off + 100));
	pr->stage = 1;
}

static void deliberate_reader(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	pr->got = deliberate_load(at(sim, pr->off));
	pr->stage = 1;
}

static void deliberate_writer(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	deliberate_store(at(sim, pr->off), 0x77);
	pr->stage = 1;
}

static const struct ms_fault *only_fault(struct ms_sim *sim)
{
	assert_int_equal(ms_sim_fault_count(sim), 1);
	return ms_sim_fault_get(sim, 0);
}

static void test_valid_access_within_domain(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "data");
	struct probe pr = { .off = P_OFF };
	struct ms_domain_stats st;
	ms_domain_id d;
	uint8_t b = 0;

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	user_thread(sim, "worker", d, store_and_load, &pr);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(pr.stage, 1);
	assert_int_equal(pr.got, 0);
	/* the host sees what the thread wrote */
	assert_int_equal(ms_domain_read(sim, P_OFF, &b, 1), 0);
	assert_int_equal(b, 0x5a);
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.violations, 0);
	assert_int_equal(st.domain_switches, 1);
	assert_int_equal(count_events(sim, MS_EV_DOMAIN_SWITCH), 1);
	/* The host had the arena open; the switch closed only what the
	 * domain may not reach, so its page needed no fault to open. */
	assert_int_equal(st.lazy_opens, 0);
	assert_int_equal(count_events(sim, MS_EV_DOMAIN_OPEN), 0);
	ms_sim_free(sim);
}

static void nothing(struct ms_sim *sim, void *arg)
{
}

/* After a thread of another domain, the page is closed: the first access
 * opens it (one fault), the second finds it open. */
static void test_valid_access_opens_lazily(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "data");
	struct probe pr = { .off = P_OFF };
	struct ms_domain_stats st;
	struct ms_event ev;
	ms_domain_id d;
	ms_tid t;

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	user_thread(sim, "closer", MS_DOMAIN_DEFAULT, nothing, NULL);
	t = user_thread(sim, "worker", d, store_and_load, &pr);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(pr.stage, 1);
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.lazy_opens, 1);
	assert_int_equal(st.domain_switches, 2);
	assert_int_equal(count_events(sim, MS_EV_DOMAIN_OPEN), 1);
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		ms_sim_event_get(sim, i, &ev);
		if (ev.type != MS_EV_DOMAIN_OPEN)
			continue;
		assert_int_equal(ev.tid, t);
		assert_int_equal(ev.a, d);
		assert_int_equal(ev.b, P_OFF / 4096);
	}
	ms_sim_free(sim);
}

static void run_outside(enum ms_access access)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "data");
	struct probe pr = { .off = P_OFF + 8 };
	struct ms_domain_stats st;
	const struct ms_fault *f;
	ms_domain_id d, other;
	int s = 0;
	ms_tid t;
	uint8_t b = 1;

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	assert_int_equal(ms_domain_new(sim, "other", NULL, 0, &other), 0);
	t = user_thread(sim, "intruder", other,
			access == MS_ACCESS_READ ? deliberate_reader :
						   deliberate_writer, &pr);
	sup_thread(sim, "bystander", bystander, &s);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(pr.stage, 0);
	assert_int_equal(s, 42);	/* the sim went on */
	f = only_fault(sim);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->reason, MS_ERR_CPU_EXCEPTION);
	assert_int_equal(f->tid, t);
	assert_int_equal(f->access, access);
	assert_int_equal(f->offset, P_OFF + 8);
	assert_string_equal(f->object, "arena:none");
	assert_non_null(strstr(f->detail, "outside every partition of domain 'other'"));
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.violations, 1);
	/* the dead thread's view is gone: the host reads the arena */
	assert_int_equal(ms_domain_read(sim, P_OFF + 8, &b, 1), 0);
	assert_int_equal(b, 0);
	ms_sim_free(sim);
}

static void test_outside_domain_faults_on_read(void **state)
{
	run_outside(MS_ACCESS_READ);
}

static void test_outside_domain_faults_on_write(void **state)
{
	run_outside(MS_ACCESS_WRITE);
}

/* A thread of the default domain (no partitions) reaches none of it. */
static void test_default_domain_reaches_nothing(void **state)
{
	struct ms_sim *sim = new_sim();
	struct probe pr = { .off = 0 };
	const struct ms_fault *f;
	struct ms_thread_attr a;
	ms_domain_id d;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	assert_int_equal(ms_thread_create(sim, &a, deliberate_writer, &pr, &t), 0);
	assert_int_equal(ms_domain_of(sim, t, &d), 0);
	assert_int_equal(d, MS_DOMAIN_DEFAULT);
	assert_int_equal(ms_sim_run(sim), 0);
	f = only_fault(sim);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->tid, t);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->offset, 0);
	assert_non_null(strstr(f->detail, "domain 'default'"));
	ms_sim_free(sim);
}

static void read_then_write(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	pr->got = deliberate_load(at(sim, pr->off));
	pr->stage = 1;
	deliberate_store(at(sim, pr->off), 3);
	pr->stage = 2;
}

static void test_write_to_read_only_partition_faults(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_READ, "ro");
	struct probe pr = { .off = P_OFF + 0x1010 };
	const struct ms_fault *f;
	ms_domain_id d;
	ms_tid t;
	uint8_t v = 9;

	p.supervisor = MS_PERM_RW;
	assert_int_equal(ms_domain_write(sim, P_OFF + 0x1010, &v, 1), 0);
	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	t = user_thread(sim, "reader", d, read_then_write, &pr);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(pr.stage, 1);
	assert_int_equal(pr.got, 9);
	f = only_fault(sim);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->tid, t);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->offset, P_OFF + 0x1010);
	assert_string_equal(f->object, "arena:ro");
	assert_non_null(strstr(f->detail, "gives domain 'app' user r--"));
	ms_sim_free(sim);
}

/* ---- partition removed and added back under a running thread ------------ */

struct readd {
	ms_domain_id d;
	struct ms_partition p;
	int a_stage;
	int b_stage;
	ms_tid a;
	bool ok_before;
	bool ok_after;
	bool readded;
};

static void readd_a(struct ms_sim *sim, void *arg)
{
	struct readd *r = arg;

	deliberate_store(at(sim, P_OFF), 1);
	r->a_stage = 1;
	ms_yield(sim);		/* the supervisor removes the partition */
	deliberate_store(at(sim, P_OFF), 2);
	r->a_stage = 2;
}

static void readd_b(struct ms_sim *sim, void *arg)
{
	struct readd *r = arg;

	while (!r->readded)
		ms_yield(sim);
	deliberate_store(at(sim, P_OFF + 1), 3);
	r->b_stage = 1;
}

static void readd_sup(struct ms_sim *sim, void *arg)
{
	struct readd *r = arg;
	struct ms_thread *a = ms__thread_lookup(sim, r->a);

	r->ok_before = ms__domain_user_access_ok(sim, a,
						 (uintptr_t)at(sim, P_OFF), 1,
						 true);
	assert_int_equal(ms_domain_remove_partition(sim, r->d, &r->p), 0);
	r->ok_after = ms__domain_user_access_ok(sim, a,
						(uintptr_t)at(sim, P_OFF), 1,
						true);
	ms_yield(sim);		/* A touches it again and dies */
	assert_int_equal(ms_domain_add_partition(sim, r->d, &r->p), 0);
	r->readded = true;
}

static void test_remove_then_readd_partition(void **state)
{
	struct ms_sim *sim = new_sim();
	struct readd r = { .p = part(P_OFF, P_SIZE, MS_PERM_RW, "data") };
	const struct ms_fault *f;
	uint8_t v[2];

	assert_int_equal(ms_domain_new(sim, "app", &r.p, 1, &r.d), 0);
	r.a = user_thread(sim, "a", r.d, readd_a, &r);
	sup_thread(sim, "sup", readd_sup, &r);
	/* b waits for the partition to come back, then uses it */
	user_thread(sim, "b", r.d, readd_b, &r);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_true(r.ok_before);
	assert_false(r.ok_after);
	assert_int_equal(r.a_stage, 1);
	assert_int_equal(r.b_stage, 1);
	f = only_fault(sim);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->tid, r.a);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->offset, P_OFF);
	assert_string_equal(f->object, "arena:none");
	assert_int_equal(ms_domain_read(sim, P_OFF, v, 2), 0);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 3);
	ms_sim_free(sim);
}

/* ---- migration ---------------------------------------------------------- */

struct mig {
	ms_domain_id d1, d2;
	ms_tid a;
	int stage;
};

static void mig_a(struct ms_sim *sim, void *arg)
{
	struct mig *m = arg;

	deliberate_store(at(sim, P_OFF), 1);	/* in d1 */
	m->stage = 1;
	ms_yield(sim);				/* moved to d2 meanwhile */
	deliberate_store(at(sim, Q_OFF), 2);	/* in d2 */
	m->stage = 2;
	deliberate_store(at(sim, P_OFF), 3);	/* not any more */
	m->stage = 3;
}

static void mig_sup(struct ms_sim *sim, void *arg)
{
	struct mig *m = arg;
	ms_domain_id now;

	assert_int_equal(ms_domain_add_thread(sim, m->d2, m->a), 0);
	assert_int_equal(ms_domain_of(sim, m->a, &now), 0);
	assert_int_equal(now, m->d2);
}

static void test_migration_of_a_running_thread(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "p");
	struct ms_partition q = part(Q_OFF, P_SIZE, MS_PERM_RW, "q");
	struct mig m = { 0 };
	const struct ms_fault *f;

	assert_int_equal(ms_domain_new(sim, "one", &p, 1, &m.d1), 0);
	assert_int_equal(ms_domain_new(sim, "two", &q, 1, &m.d2), 0);
	m.a = user_thread(sim, "mover", m.d1, mig_a, &m);
	sup_thread(sim, "sup", mig_sup, &m);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(m.stage, 2);
	f = only_fault(sim);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->tid, m.a);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->offset, P_OFF);
	assert_string_equal(f->object, "arena:none");
	assert_non_null(strstr(f->detail, "domain 'two'"));
	ms_sim_free(sim);
}

/* A supervisor thread touches memory outside the domain it joins, then
 * drops to user mode: what it opened as a supervisor is closed at once. */
struct self_move {
	ms_domain_id d;
	int stage;
};

static void self_user(struct ms_sim *sim, void *arg)
{
	struct self_move *s = arg;

	deliberate_store(at(sim, P_OFF), 5);
	s->stage = 2;
	deliberate_store(at(sim, Q_OFF), 6);
	s->stage = 3;
}

static void self_sup(struct ms_sim *sim, void *arg)
{
	struct self_move *s = arg;

	deliberate_store(at(sim, Q_OFF), 4);	/* a supervisor reaches it */
	assert_int_equal(ms_domain_add_thread(sim, s->d, ms_thread_self(sim)), 0);
	s->stage = 1;
	ms_user_mode_enter(sim, self_user, s);
}

static void test_migration_then_user_mode_takes_effect_at_once(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "p");
	struct self_move s = { 0 };
	const struct ms_fault *f;
	ms_tid t;
	uint8_t v = 0;

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &s.d), 0);
	t = sup_thread(sim, "dropper", self_sup, &s);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.stage, 2);
	f = only_fault(sim);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->tid, t);
	assert_int_equal(f->offset, Q_OFF);
	assert_int_equal(ms_domain_read(sim, Q_OFF, &v, 1), 0);
	assert_int_equal(v, 4);
	ms_sim_free(sim);
}

/* ---- kernel code for a user thread ----------------------------------- */

static int kernel_writes_q(struct ms_sim *sim, void *arg)
{
	deliberate_store(at(sim, Q_OFF + 16), 7);
	return 0;
}

static void syscall_then_touch(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	ms__call_privileged(sim, kernel_writes_q, NULL);
	pr->stage = 1;
	pr->got = deliberate_load(at(sim, Q_OFF + 16));
	pr->stage = 2;
}

static void test_kernel_code_reaches_everything_user_does_not(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "p");
	struct probe pr = { 0 };
	struct ms_domain_stats st;
	const struct ms_fault *f;
	ms_domain_id d;
	ms_tid t;
	uint8_t v = 0;

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	t = user_thread(sim, "caller", d, syscall_then_touch, &pr);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_domain_read(sim, Q_OFF + 16, &v, 1), 0);
	assert_int_equal(v, 7);
	ms_domain_get_stats(sim, &st);
	if (st.subpage_exact) {
		/* the kernel's access was single-stepped: the page did not
		 * stay open for the user */
		assert_int_equal(pr.stage, 1);
		f = only_fault(sim);
		assert_int_equal(f->kind, MS_FAULT_DOMAIN);
		assert_int_equal(f->tid, t);
		assert_int_equal(f->access, MS_ACCESS_READ);
		assert_int_equal(f->offset, Q_OFF + 16);
		assert_int_equal(st.steps, 1);
	} else {
		/* no single-step on this host: open until the next switch */
		assert_int_equal(pr.stage, 2);
		assert_int_equal(ms_sim_fault_count(sim), 0);
		assert_int_equal(st.imprecise_opens, 1);
	}
	ms_sim_free(sim);
}

/* ---- partitions smaller than a host page (ARMv8-M) ---------------------- */

#define S_OFF 0x40u
#define S_SIZE 0x40u

static void sub_inside_then_outside(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	deliberate_store(at(sim, S_OFF), 1);
	deliberate_store(at(sim, S_OFF + S_SIZE - 1), 2);
	pr->stage = 1;
	deliberate_store(at(sim, S_OFF + S_SIZE), 3);
	pr->stage = 2;
}

static void sub_straddle(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	/* 8 bytes: 4 at the partition's end, 4 past it */
	deliberate_store64((volatile uint64_t *)at(sim, S_OFF + S_SIZE - 4),
			   0x1122334455667788ull);
	pr->stage = 1;
}

static void test_subpage_partition(void **state)
{
	struct ms_sim *sim = new_sim_arch(MS_ARCH_ARMV8M, 8);
	struct ms_partition p = part(S_OFF, S_SIZE, MS_PERM_RW, "small");
	struct probe outside = { .off = S_OFF + S_SIZE + 0x10 };
	struct probe in_out = { 0 }, straddle = { 0 };
	struct ms_domain_stats st;
	const struct ms_fault *f;
	ms_tid t1, t2, t3;
	ms_domain_id d;
	uint8_t mem[0x90];

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	t1 = user_thread(sim, "outside", d, deliberate_writer, &outside);
	t2 = user_thread(sim, "in-out", d, sub_inside_then_outside, &in_out);
	t3 = user_thread(sim, "straddle", d, sub_straddle, &straddle);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	ms_domain_get_stats(sim, &st);
	assert_int_equal(ms_domain_read(sim, 0, mem, sizeof(mem)), 0);

	/* The page is shared with memory outside: its first access is
	 * checked against the exact bounds on every host. */
	assert_true(ms_sim_fault_count(sim) >= 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->tid, t1);
	assert_int_equal(f->offset, S_OFF + S_SIZE + 0x10);
	assert_int_equal(outside.stage, 0);
	assert_int_equal(in_out.stage >= 1, 1);
	assert_int_equal(mem[S_OFF], 1);
	if (!st.subpage_exact) {
		/* Without single-stepping the page stays open after the
		 * first allowed access until the next switch. */
		assert_int_equal(ms_sim_fault_count(sim), 1);
		assert_int_equal(in_out.stage, 2);
		assert_true(st.imprecise_opens >= 1);
		ms_sim_free(sim);
		return;
	}
	assert_int_equal(ms_sim_fault_count(sim), 3);
	assert_int_equal(in_out.stage, 1);
	f = ms_sim_fault_get(sim, 1);
	assert_int_equal(f->tid, t2);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->offset, S_OFF + S_SIZE);
	assert_string_equal(f->object, "arena:none");
	assert_int_equal(mem[S_OFF + S_SIZE], 0);
	/* The straddling store: the 4 bytes past the end were put back and
	 * the fault names the first of them. */
	assert_int_equal(straddle.stage, 0);
	f = ms_sim_fault_get(sim, 2);
	assert_int_equal(f->tid, t3);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->offset, S_OFF + S_SIZE);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(mem[S_OFF + S_SIZE + i], 0);
	/* the part inside was the thread's to write */
	assert_int_equal(mem[S_OFF + S_SIZE - 4], 0x88);
	assert_int_equal(mem[S_OFF + S_SIZE - 1], 0x55);
	assert_int_equal(st.steps, 3);	/* two stores of t2, one of t3 */
	assert_int_equal(st.imprecise_opens, 0);
	ms_sim_free(sim);
}

/* ---- what a switch reprograms and costs --------------------------------- */

static void yielder(struct ms_sim *sim, void *arg)
{
	for (int i = 0; i < 3; i++)
		ms_yield(sim);
}

struct cost_case {
	enum ms_arch arch;
	bool same;
	uint64_t regions;
	uint64_t switches;
};

static void run_cost_case(const struct cost_case *c)
{
	struct ms_sim *sim = new_sim_arch(c->arch, 8);
	struct ms_partition two[2] = {
		part(0x1000, 0x1000, MS_PERM_RW, "a0"),
		part(0x2000, 0x1000, MS_PERM_RW, "a1"),
	};
	struct ms_partition one = part(0x4000, 0x1000, MS_PERM_RW, "b0");
	struct ms_domain_stats st;
	ms_domain_id d1, d2;

	assert_int_equal(ms_domain_new(sim, "d1", two, 2, &d1), 0);
	assert_int_equal(ms_domain_new(sim, "d2", &one, 1, &d2), 0);
	user_thread(sim, "a", d1, yielder, NULL);
	user_thread(sim, "b", c->same ? d1 : d2, yielder, NULL);
	assert_int_equal(ms_sim_run(sim), 0);
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.regions_programmed, c->regions);
	assert_int_equal(st.mpu_ticks, c->regions * 3);
	assert_int_equal(st.domain_switches, c->switches);
	assert_int_equal(count_events(sim, MS_EV_DOMAIN_SWITCH), c->switches);
	ms_sim_free(sim);
}

static void test_switch_reprograms_only_what_differs(void **state)
{
	/*
	 * Eight switches to a user thread (a, b, a, b, ...). ARMv7-M: each
	 * new thread costs its stack and guard regions (2); a switch between
	 * d1 {a0, a1} and d2 {b0} rewrites slot 0 and slot 1 (2), within d1
	 * nothing but the first time. MMU: one table switch per domain
	 * change. ARMv8-M: the stack is one region (PSPLIM guards it).
	 */
	const struct cost_case cases[] = {
		{ MS_ARCH_ARMV7M, false, 8 * 4, 8 },
		{ MS_ARCH_ARMV7M, true, 2 + 8 * 2, 1 },
		{ MS_ARCH_ARMV8M, false, 8 * 3, 8 },
		{ MS_ARCH_ARMV8M, true, 2 + 8 * 1, 1 },
		{ MS_ARCH_MMU, false, 8, 8 },
		{ MS_ARCH_MMU, true, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_cost_case(&cases[i]);
}

/* Same domain, or a supervisor in between: the host view is not touched. */
static void test_same_domain_switch_skips_host_work(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "p");
	struct probe pa = { .off = P_OFF }, pb = { .off = P_OFF + 0x1000 };
	struct ms_domain_stats st;
	ms_domain_id d;

	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
	user_thread(sim, "closer", MS_DOMAIN_DEFAULT, nothing, NULL);
	user_thread(sim, "a", d, store_and_load, &pa);
	user_thread(sim, "b", d, store_and_load, &pb);
	user_thread(sim, "c", d, yielder, NULL);
	sup_thread(sim, "s", yielder, NULL);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	ms_domain_get_stats(sim, &st);
	/*
	 * Applied three times: for the closer, for a (another domain), and
	 * for the host at the end. Skipped five times: b and c find app's
	 * view applied, and c comes back three times from the supervisor,
	 * which opened nothing.
	 */
	assert_int_equal(st.views_applied, 3);
	assert_int_equal(st.views_skipped, 5);
	/* a and b each open the page they touch */
	assert_int_equal(st.lazy_opens, 2);
	assert_int_equal(st.domain_switches, 2);
	ms_sim_free(sim);
}

static void touch_three_pages(struct ms_sim *sim, void *arg)
{
	for (unsigned i = 0; i < 3; i++)
		deliberate_store(at(sim, P_OFF + i * 0x1000), (uint8_t)i);
}

static void test_policies_agree_on_what_faults(void **state)
{
	for (int pol = MS_DOMAIN_LAZY; pol <= MS_DOMAIN_WORKING_SET; pol++) {
		struct ms_sim *sim = new_sim();
		struct ms_partition p = part(P_OFF, 0x4000, MS_PERM_RW, "p");
		struct probe pr = { .off = P_OFF + 0x4000 };
		struct ms_domain_stats st;
		const struct ms_fault *f;
		ms_domain_id d;

		assert_int_equal(ms_domain_set_policy(sim, pol), 0);
		assert_int_equal(ms_domain_new(sim, "app", &p, 1, &d), 0);
		user_thread(sim, "closer", MS_DOMAIN_DEFAULT, nothing, NULL);
		user_thread(sim, "toucher", d, touch_three_pages, NULL);
		user_thread(sim, "beyond", d, deliberate_writer, &pr);
		assert_int_equal(ms_sim_run(sim), 0);
		f = only_fault(sim);
		assert_int_equal(f->kind, MS_FAULT_DOMAIN);
		assert_int_equal(f->offset, P_OFF + 0x4000);
		ms_domain_get_stats(sim, &st);
		assert_int_equal(st.lazy_opens, pol == MS_DOMAIN_EAGER ? 0 : 3);
		/* eager opened the four pages of the partition at the switch */
		assert_int_equal(st.prefetch_opens, pol == MS_DOMAIN_EAGER ? 4 : 0);
		ms_sim_free(sim);
	}
	{
		struct ms_sim *sim = new_sim();

		assert_int_equal(ms_domain_set_policy(sim, 7), -EINVAL);
		assert_non_null(strstr(ms_domain_last_error(sim), "unknown policy 7"));
		ms_sim_free(sim);
	}
}

static void touch_and_yield(struct ms_sim *sim, void *arg)
{
	struct probe *pr = arg;

	for (int r = 0; r < 3; r++) {
		deliberate_store(at(sim, pr->off), (uint8_t)r);
		ms_yield(sim);
	}
}

/*
 * Two threads of two domains take turns: a1 b1 a2 b2 a3 b3 (each slice
 * writes the thread's page), then a4 b4 (they return). a1 finds its page
 * still open from the host; every later slice finds it closed by the other
 * domain's switch. Lazy pays a fault in b1 a2 b2 a3 b3; the working set
 * only in b1 and a2, and then reopens the page at each switch (b2 a3 b3 a4
 * b4).
 */
static void test_working_set_reopens_without_faults(void **state)
{
	for (int pol = MS_DOMAIN_LAZY; pol <= MS_DOMAIN_WORKING_SET;
	     pol += MS_DOMAIN_WORKING_SET - MS_DOMAIN_LAZY) {
		struct ms_sim *sim = new_sim();
		struct ms_partition p = part(P_OFF, 0x1000, MS_PERM_RW, "p");
		struct ms_partition q = part(Q_OFF, 0x1000, MS_PERM_RW, "q");
		struct probe a = { .off = P_OFF }, b = { .off = Q_OFF };
		struct ms_domain_stats st;
		ms_domain_id d1, d2;

		assert_int_equal(ms_domain_set_policy(sim, pol), 0);
		assert_int_equal(ms_domain_new(sim, "one", &p, 1, &d1), 0);
		assert_int_equal(ms_domain_new(sim, "two", &q, 1, &d2), 0);
		user_thread(sim, "a", d1, touch_and_yield, &a);
		user_thread(sim, "b", d2, touch_and_yield, &b);
		assert_int_equal(ms_sim_run(sim), 0);
		assert_int_equal(ms_sim_fault_count(sim), 0);
		ms_domain_get_stats(sim, &st);
		if (pol == MS_DOMAIN_LAZY) {
			assert_int_equal(st.lazy_opens, 5);
			assert_int_equal(st.prefetch_opens, 0);
		} else {
			assert_int_equal(st.lazy_opens, 2);
			assert_int_equal(st.prefetch_opens, 5);
		}
		ms_sim_free(sim);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_access_within_domain),
		cmocka_unit_test(test_valid_access_opens_lazily),
		cmocka_unit_test(test_outside_domain_faults_on_read),
		cmocka_unit_test(test_outside_domain_faults_on_write),
		cmocka_unit_test(test_default_domain_reaches_nothing),
		cmocka_unit_test(test_write_to_read_only_partition_faults),
		cmocka_unit_test(test_remove_then_readd_partition),
		cmocka_unit_test(test_migration_of_a_running_thread),
		cmocka_unit_test(test_migration_then_user_mode_takes_effect_at_once),
		cmocka_unit_test(test_kernel_code_reaches_everything_user_does_not),
		cmocka_unit_test(test_subpage_partition),
		cmocka_unit_test(test_switch_reprograms_only_what_differs),
		cmocka_unit_test(test_same_domain_switch_skips_host_work),
		cmocka_unit_test(test_policies_agree_on_what_faults),
		cmocka_unit_test(test_working_set_reopens_without_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
