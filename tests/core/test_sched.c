/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: priorities, round-robin, time slices, sleep, join, abort,
 * tick limits, deadlock detection, determinism, two sims in one process.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <memsim/memsim.h>

#include "common.h"

/* ---- an execution trace that threads append to ----------------------- */

struct trace {
	char buf[512];
	size_t len;
};

static void trace_add(struct trace *tr, const char *s)
{
	size_t n = strlen(s);

	assert_true(tr->len + n + 1 < sizeof(tr->buf));
	memcpy(tr->buf + tr->len, s, n + 1);
	tr->len += n;
}

struct tracer {
	struct trace *tr;
	const char *tag;
	int loops;
	uint64_t sleep;
};

static void yielder(struct ms_sim *sim, void *arg)
{
	struct tracer *t = arg;

	for (int i = 0; i < t->loops; i++) {
		trace_add(t->tr, t->tag);
		ms_yield(sim);
	}
}

static void sleeper(struct ms_sim *sim, void *arg)
{
	struct tracer *t = arg;

	ms_sleep(sim, t->sleep);
	trace_add(t->tr, t->tag);
}

static ms_tid spawn(struct ms_sim *sim, const char *name, int prio,
		    ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid tid = 0;

	ms_thread_attr_init(&a);
	a.name = name;
	a.priority = prio;
	assert_int_equal(ms_thread_create(sim, &a, fn, arg, &tid), 0);
	return tid;
}

static void test_round_robin_equal_priority(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tracer a = { &tr, "a", 3, 0 }, b = { &tr, "b", 3, 0 };

	spawn(sim, "a", 0, yielder, &a);
	spawn(sim, "b", 0, yielder, &b);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_string_equal(tr.buf, "ababab");
	ms_sim_free(sim);
}

static void test_priority_preempts(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tracer lo = { &tr, "l", 2, 0 }, hi = { &tr, "h", 2, 0 };

	/* Created first, but the higher priority (lower number) runs first
	 * and a yield does not give the CPU to a lower priority. */
	spawn(sim, "lo", 5, yielder, &lo);
	spawn(sim, "hi", 1, yielder, &hi);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_string_equal(tr.buf, "hhll");
	ms_sim_free(sim);
}

static void test_sleep_order_and_clock(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct trace tr = { 0 };
	struct tracer a = { &tr, "a", 0, 300 }, b = { &tr, "b", 0, 100 },
		      c = { &tr, "c", 0, 200 }, d = { &tr, "d", 0, 100 };

	spawn(sim, "a", 0, sleeper, &a);
	spawn(sim, "b", 0, sleeper, &b);
	spawn(sim, "c", 0, sleeper, &c);
	spawn(sim, "d", 0, sleeper, &d);
	assert_int_equal(ms_sim_run(sim), 0);
	/* equal wake ticks wake in the order they went to sleep */
	assert_string_equal(tr.buf, "bdca");
	assert_true(ms_sim_now(sim) >= 300);
	ms_sim_free(sim);
}

struct spinner {
	int iters;
	struct trace *tr;
	const char *tag;
};

/* Spends CPU time without yielding: only the time slice rotates. */
static void spinner(struct ms_sim *sim, void *arg)
{
	struct spinner *s = arg;

	for (int i = 0; i < s->iters; i++) {
		trace_add(s->tr, s->tag);
		ms_busy_wait(sim, 10);
	}
}

static void run_spinners(uint32_t slice, struct trace *tr)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct spinner a = { 25, tr, "a" }, b = { 25, tr, "b" };

	ms_config_init(&cfg);
	cfg.time_slice = slice;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	spawn(sim, "a", 0, spinner, &a);
	spawn(sim, "b", 0, spinner, &b);
	assert_int_equal(ms_sim_run(sim), 0);
	ms_sim_free(sim);
}

static void test_time_slice(void **state)
{
	struct trace none = { 0 }, sliced = { 0 };

	/* no slicing: a runs to completion first */
	run_spinners(0, &none);
	assert_string_equal(none.buf, "aaaaaaaaaaaaaaaaaaaaaaaaa"
				      "bbbbbbbbbbbbbbbbbbbbbbbbb");
	/* 100-tick slices of 10-tick busy waits: ten turns each */
	run_spinners(100, &sliced);
	assert_string_equal(sliced.buf, "aaaaaaaaaabbbbbbbbbbaaaaaaaaaa"
					"bbbbbbbbbbaaaaabbbbb");
}

static void joiner_target(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, (uint64_t)(uintptr_t)arg);
}

struct join_case {
	ms_tid target;
	int64_t timeout;
	int ret;
	uint64_t at;
};

static void joiner(struct ms_sim *sim, void *arg)
{
	struct join_case *jc = arg;

	jc->ret = ms_thread_join(sim, jc->target, jc->timeout);
	jc->at = ms_sim_now(sim);
}

static void test_join(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct join_case ok = { 0, MS_FOREVER, 99, 0 };
	struct join_case late = { 0, 50, 99, 0 };
	struct join_case busy = { 0, MS_NO_WAIT, 99, 0 };
	struct join_case none = { 12345, MS_FOREVER, 99, 0 };
	ms_tid t = spawn(sim, "target", 0, joiner_target, (void *)(uintptr_t)500);

	ok.target = late.target = busy.target = t;
	spawn(sim, "j-ok", 0, joiner, &ok);
	spawn(sim, "j-late", 0, joiner, &late);
	spawn(sim, "j-busy", 0, joiner, &busy);
	spawn(sim, "j-none", 0, joiner, &none);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ok.ret, 0);
	assert_true(ok.at >= 500);
	assert_int_equal(late.ret, -EAGAIN);
	assert_true(late.at < 500);
	assert_int_equal(busy.ret, -EBUSY);
	assert_int_equal(none.ret, -ENOENT);
	ms_sim_free(sim);
}

static void self_joiner(struct ms_sim *sim, void *arg)
{
	*(int *)arg = ms_thread_join(sim, ms_thread_self(sim), MS_FOREVER);
}

static void test_join_self_and_host(void **state)
{
	struct ms_sim *sim = new_sim(1);
	int ret = 0;
	ms_tid t = spawn(sim, "self", 0, self_joiner, &ret);

	/* from the host: not a simulated thread */
	assert_int_equal(ms_thread_join(sim, t, MS_FOREVER), -EPERM);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ret, -EDEADLK);
	ms_sim_free(sim);
}

static void forever(struct ms_sim *sim, void *arg)
{
	for (;;)
		ms_sleep(sim, 10);
}

struct aborter {
	ms_tid victim;
	int ret;
};

static void aborter(struct ms_sim *sim, void *arg)
{
	struct aborter *a = arg;

	ms_sleep(sim, 100);
	a->ret = ms_thread_abort(sim, a->victim);
}

static void test_abort_other(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct aborter a = { 0, 99 };
	struct ms_thread_info info;

	a.victim = spawn(sim, "forever", 0, forever, NULL);
	spawn(sim, "aborter", 0, aborter, &a);
	assert_int_equal(ms_thread_info(sim, a.victim, &info), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(a.ret, 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(ms_thread_info(sim, a.victim, &info), -ENOENT);
	assert_int_equal(ms_thread_abort(sim, a.victim), -ENOENT);
	ms_sim_free(sim);
}

static void test_tick_limit(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_sim_stats st;

	ms_config_init(&cfg);
	cfg.tick_limit = 1000;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	spawn(sim, "forever", 0, forever, NULL);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_TICK_LIMIT);
	assert_int_equal(ms_sim_now(sim), 1000);
	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.threads_alive, 1);
	/* the remaining thread is torn down with the sim */
	ms_sim_free(sim);
}

static void waits_forever(struct ms_sim *sim, void *arg)
{
	ms_thread_join(sim, *(ms_tid *)arg, MS_FOREVER);
}

static void test_deadlock_detected(void **state)
{
	struct ms_sim *sim = new_sim(1);
	ms_tid a_target = 0, b_target = 0;
	ms_tid a, b;

	a = spawn(sim, "a", 0, waits_forever, &a_target);
	b = spawn(sim, "b", 0, waits_forever, &b_target);
	a_target = b;
	b_target = a;
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DEADLOCK);
	ms_sim_free(sim);
}

/* A workload whose schedule depends on the seed. */
static void random_worker(struct ms_sim *sim, void *arg)
{
	for (int i = 0; i < 20; i++)
		ms_sleep(sim, 1 + ms_sim_random(sim, 50));
}

static uint64_t run_random(uint64_t seed, enum ms_ctx_backend backend)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	uint64_t h;

	ms_config_init(&cfg);
	cfg.seed = seed;
	cfg.ctx_backend = backend;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	for (int i = 0; i < 8; i++)
		spawn(sim, NULL, i % 3, random_worker, NULL);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_true(ms_sim_event_total(sim) > 100);
	h = ms_sim_event_hash(sim);
	ms_sim_free(sim);
	return h;
}

static void test_determinism_hash(void **state)
{
	uint64_t h1 = run_random(42, MS_CTX_AUTO);
	uint64_t h2 = run_random(42, MS_CTX_AUTO);
	uint64_t h3 = run_random(43, MS_CTX_AUTO);
	/* the context backend is a host detail: same simulated run */
	uint64_t h4 = run_random(42, MS_CTX_UCONTEXT);

	assert_true(h1 == h2);
	assert_true(h1 != h3);
	assert_true(h1 == h4);
}

struct counter_arg {
	int *count;
	int n;
};

static void counting(struct ms_sim *sim, void *arg)
{
	struct counter_arg *c = arg;

	for (int i = 0; i < c->n; i++) {
		(*c->count)++;
		ms_yield(sim);
	}
}

static void test_two_sims(void **state)
{
	struct ms_sim *a = new_sim(1), *b = new_sim(2);
	int ca = 0, cb = 0;
	struct counter_arg aa = { &ca, 10 }, bb = { &cb, 20 };
	struct ms_sim_stats sa, sb;

	spawn(a, "a", 0, counting, &aa);
	spawn(b, "b1", 0, counting, &bb);
	spawn(b, "b2", 0, counting, &bb);
	assert_int_equal(ms_sim_run(a), 0);
	assert_int_equal(ms_sim_run(b), 0);
	assert_int_equal(ca, 10);
	assert_int_equal(cb, 40);
	ms_sim_get_stats(a, &sa);
	ms_sim_get_stats(b, &sb);
	assert_int_equal(sa.threads_created, 1);
	assert_int_equal(sb.threads_created, 2);
	assert_true(ms_sim_now(a) != ms_sim_now(b));
	ms_sim_free(a);
	ms_sim_free(b);
}

static void child(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 1000);
	(*(int *)arg)++;
}

static void parent(struct ms_sim *sim, void *arg)
{
	ms_tid kids[3];

	for (int i = 0; i < 3; i++)
		assert_int_equal(ms_thread_create(sim, NULL, child, arg, &kids[i]), 0);
	for (int i = 0; i < 3; i++) {
		struct ms_thread_info info;

		assert_int_equal(ms_thread_info(sim, kids[i], &info), 0);
		assert_int_equal(info.parent, ms_thread_self(sim));
		assert_int_equal(info.group, 3); /* inherited */
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(ms_thread_join(sim, kids[i], MS_FOREVER), 0);
}

static void test_children_inherit_group(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	int n = 0;

	ms_thread_attr_init(&a);
	a.group = 3;
	assert_int_equal(ms_thread_create(sim, &a, parent, &n, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(n, 3);
	ms_sim_free(sim);
}

static void test_bad_arguments(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	struct ms_config cfg;
	struct ms_sim *bad;

	ms_thread_attr_init(&a);
	a.priority = MS_PRIO_MAX + 1;
	assert_int_equal(ms_thread_create(sim, &a, child, NULL, NULL), -EINVAL);
	a.priority = 0;
	a.stack_size = 100;
	assert_int_equal(ms_thread_create(sim, &a, child, NULL, NULL), -EINVAL);
	a.stack_size = 0;
	a.options = 1u << 9;
	assert_int_equal(ms_thread_create(sim, &a, child, NULL, NULL), -EINVAL);
	assert_int_equal(ms_thread_create(sim, NULL, NULL, NULL, NULL), -EINVAL);
	ms_sim_free(sim);

	ms_config_init(&cfg);
	cfg.stack_size = 10;
	assert_int_equal(ms_sim_new(&cfg, &bad), -EINVAL);
	ms_config_init(&cfg);
	cfg.arch = MS_ARCH_ARMV7M;
	cfg.mpu_regions = 12;
	assert_int_equal(ms_sim_new(&cfg, &bad), -EINVAL);
}

static void make_user_child(struct ms_sim *sim, void *arg)
{
	*(int *)arg = ms_thread_create(sim, NULL, child, NULL, NULL);
}

static void test_user_cannot_create_supervisor(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	int ret = 99;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	assert_int_equal(ms_thread_create(sim, &a, make_user_child, &ret, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ret, -EPERM);
	ms_sim_free(sim);
}

/*
 * What a user thread (priority 2, group 5) may ask for its child: each
 * escape is refused with -EPERM and creates nothing; the same child
 * within the rules is created.
 */
enum { UC_GROUP, UC_PRIO, UC_NO_GUARD, UC_FEWER_GUARDS, UC_OWN_GROUP,
       UC_LOWER_PRIO, UC_INHERIT, UC__N };

struct user_kids {
	int r[UC__N];
	uint32_t created_refused;	/* threads_created across the refusals */
	int ran;			/* children that ran to their end */
	ms_tid kid[UC__N];
};

static void make_children(struct ms_sim *sim, void *arg)
{
	struct user_kids *k = arg;
	struct ms_thread_attr a;
	struct ms_sim_stats st;
	uint64_t before;

	ms_sim_get_stats(sim, &st);
	before = st.threads_created;
	for (int i = 0; i < UC__N; i++) {
		ms_thread_attr_init(&a);
		a.options = MS_THREAD_USER;
		a.priority = 2;
		switch (i) {
		case UC_GROUP:
			a.group = 6;
			break;
		case UC_PRIO:
			a.priority = 1;
			break;
		case UC_NO_GUARD:
			a.options |= MS_THREAD_NO_GUARD;
			break;
		case UC_FEWER_GUARDS:
			a.guard_pages = 0;
			break;
		case UC_OWN_GROUP:
			a.group = 5;
			break;
		case UC_LOWER_PRIO:
			a.priority = 3;
			break;
		default:
			break;
		}
		k->r[i] = ms_thread_create(sim, &a, child, &k->ran, &k->kid[i]);
		if (i == UC_FEWER_GUARDS) {
			ms_sim_get_stats(sim, &st);
			k->created_refused = (uint32_t)(st.threads_created - before);
		}
	}
}

static void test_user_child_stays_within_its_parent(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct user_kids k = { 0 };
	struct ms_thread_attr a;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	a.priority = 2;
	a.group = 5;
	assert_int_equal(ms_thread_create(sim, &a, make_children, &k, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(k.r[UC_GROUP], -EPERM);
	assert_int_equal(k.r[UC_PRIO], -EPERM);
	assert_int_equal(k.r[UC_NO_GUARD], -EPERM);
	assert_int_equal(k.r[UC_FEWER_GUARDS], -EPERM);
	assert_int_equal(k.created_refused, 0);
	assert_int_equal(k.r[UC_OWN_GROUP], 0);
	assert_int_equal(k.r[UC_LOWER_PRIO], 0);
	assert_int_equal(k.r[UC_INHERIT], 0);
	assert_int_equal(k.ran, 3);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	ms_sim_free(sim);
}

/* The log keeps the first capacity events, in blocks (src/core/event.c):
 * across block boundaries and a last, partial block, event i is the i-th
 * the hook saw, and the hash covers every event, kept or not. */
#define LOG_CAP 2500
struct seen {
	struct ms_event ev[LOG_CAP + 100];
	size_t n;
};

static void see(struct ms_sim *sim, const struct ms_event *ev, void *user)
{
	struct seen *s = user;

	if (s->n < sizeof(s->ev) / sizeof(s->ev[0]))
		s->ev[s->n] = *ev;
	s->n++;
}

static void log_yielder(struct ms_sim *sim, void *arg)
{
	for (int i = 0; i < 1500; i++)
		ms_yield(sim);
}

static uint64_t run_yielders(size_t capacity, struct seen *s)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;
	struct ms_event ev;
	uint64_t hash;

	ms_config_init(&cfg);
	cfg.event_log_capacity = capacity;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	if (s)
		ms_sim_set_event_hook(sim, see, s);
	assert_int_equal(ms_thread_create(sim, NULL, log_yielder, NULL, NULL), 0);
	assert_int_equal(ms_thread_create(sim, NULL, log_yielder, NULL, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_event_count(sim),
			 capacity < ms_sim_event_total(sim) ? capacity :
			 ms_sim_event_total(sim));
	if (s) {
		assert_int_equal(ms_sim_event_total(sim), s->n);
		for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
			assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
			assert_memory_equal(&ev, &s->ev[i], sizeof(ev));
		}
	}
	assert_int_equal(ms_sim_event_get(sim, ms_sim_event_count(sim), &ev),
			 -ENOENT);
	hash = ms_sim_event_hash(sim);
	ms_sim_free(sim);
	return hash;
}

static void test_event_log_blocks(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	uint64_t kept, none, one, all;

	kept = run_yielders(LOG_CAP, s);
	assert_true(s->n > LOG_CAP);		/* the log filled up */
	none = run_yielders(0, NULL);
	one = run_yielders(1, NULL);
	all = run_yielders(1u << 20, NULL);
	assert_int_equal(kept, none);
	assert_int_equal(kept, one);
	assert_int_equal(kept, all);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_robin_equal_priority),
		cmocka_unit_test(test_priority_preempts),
		cmocka_unit_test(test_sleep_order_and_clock),
		cmocka_unit_test(test_time_slice),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_self_and_host),
		cmocka_unit_test(test_abort_other),
		cmocka_unit_test(test_tick_limit),
		cmocka_unit_test(test_deadlock_detected),
		cmocka_unit_test(test_determinism_hash),
		cmocka_unit_test(test_two_sims),
		cmocka_unit_test(test_children_inherit_group),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_user_cannot_create_supervisor),
		cmocka_unit_test(test_user_child_stays_within_its_parent),
		cmocka_unit_test(test_event_log_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
