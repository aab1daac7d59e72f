/* SPDX-License-Identifier: MIT */
/*
 * Guarded stacks: overflow and underflow are real faults, attributed to the
 * right thread with the right kind, while the other threads run on; stack
 * painting; deferred release of a stack a thread aborted itself on; mapping
 * counts over many create/destroy cycles; many threads alive at once.
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
#include "platform/os.h"
#include "sched/sched.h"

static __attribute__((noinline)) int deep_recursion(int n)
{
	volatile char frame[256];

	memset((char *)frame, n & 0xff, sizeof(frame));
	return frame[n % 256] + (n ? deep_recursion(n + 1) : 0);
}

static void overflower(struct ms_sim *sim, void *arg)
{
	ms_yield(sim);
	deep_recursion(1);
	*(int *)arg = 1; /* never reached */
}

static void underflower(struct ms_sim *sim, void *arg)
{
	struct ms_thread_info info;
	volatile char *above;

	ms_thread_info(sim, ms_thread_self(sim), &info);
	above = (char *)info.stack_base + info.stack_size + 100;
	(void)*above; /* a read just above the stack top */
	*(int *)arg = 1;
}

static void finisher(struct ms_sim *sim, void *arg)
{
	for (int i = 0; i < 5; i++)
		ms_yield(sim);
	*(int *)arg = 1;
}

struct hook_log {
	int calls;
	enum ms_fault_kind kinds[4];
	ms_tid tids[4];
};

static void hook(struct ms_sim *sim, const struct ms_fault *f, void *user)
{
	struct hook_log *log = user;

	log->kinds[log->calls] = f->kind;
	log->tids[log->calls] = f->tid;
	log->calls++;
}

static void test_overflow_and_underflow_attributed(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	struct hook_log log = { 0 };
	int over_done = 0, under_done = 0, fin1 = 0, fin2 = 0;
	ms_tid over, under, f1, f2;
	const struct ms_fault *f;
	struct ms_sim_stats st;

	ms_sim_set_fatal_hook(sim, hook, &log);
	ms_thread_attr_init(&a);
	a.name = "fin1";
	assert_int_equal(ms_thread_create(sim, &a, finisher, &fin1, &f1), 0);
	a.name = "overflow";
	assert_int_equal(ms_thread_create(sim, &a, overflower, &over_done, &over), 0);
	a.name = "underflow";
	assert_int_equal(ms_thread_create(sim, &a, underflower, &under_done, &under), 0);
	a.name = "fin2";
	assert_int_equal(ms_thread_create(sim, &a, finisher, &fin2, &f2), 0);

	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(fin1, 1);
	assert_int_equal(fin2, 1);
	assert_int_equal(over_done, 0);
	assert_int_equal(under_done, 0);

	assert_int_equal(ms_sim_fault_count(sim), 2);
	f = ms_sim_fault_get(sim, 0);	/* the underflow comes first: no yield */
	assert_int_equal(f->kind, MS_FAULT_STACK_UNDERFLOW);
	assert_int_equal(f->reason, MS_ERR_STACK_CHK_FAIL);
	assert_int_equal(f->tid, under);
	assert_int_equal(f->access, MS_ACCESS_READ);
	assert_string_equal(f->object, "stack:underflow");
	assert_int_equal(f->offset, 100);
	assert_true(f->bt_depth >= 1);
	assert_true(bt_has(f, "underflower"));

	f = ms_sim_fault_get(sim, 1);
	assert_int_equal(f->kind, MS_FAULT_STACK_OVERFLOW);
	assert_int_equal(f->tid, over);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_string_equal(f->object, "stack:overflow");
	assert_true(bt_has(f, "deep_recursion"));

	assert_int_equal(log.calls, 2);
	assert_int_equal(log.kinds[0], MS_FAULT_STACK_UNDERFLOW);
	assert_int_equal(log.tids[0], under);
	assert_int_equal(log.kinds[1], MS_FAULT_STACK_OVERFLOW);
	assert_int_equal(log.tids[1], over);

	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.threads_created, 4);
	assert_int_equal(st.threads_exited, 4);
	assert_int_equal(st.threads_alive, 0);
	assert_int_equal(st.faults, 2);
	ms_sim_free(sim);
}

static __attribute__((noinline)) int big_frame(int n)
{
	/* one frame larger than a one-page guard */
	volatile char frame[3 * 4096];

	frame[0] = (char)n;
	return frame[0] + frame[sizeof(frame) - 1];
}

static void jumper(struct ms_sim *sim, void *arg)
{
	*(int *)arg = big_frame(*(int *)arg);
}

static void test_guard_too_small_vs_big_enough(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_thread_attr a;
	int v = 1;
	const struct ms_fault *f;

	/* A 4 KiB stack, a 12 KiB frame. With a 4-page guard the frame's
	 * first touch lands in the guard. */
	ms_config_init(&cfg);
	cfg.stack_size = 4096;
	cfg.guard_pages = 4;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	ms_thread_attr_init(&a);
	a.name = "jumper";
	assert_int_equal(ms_thread_create(sim, &a, jumper, &v, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_STACK_OVERFLOW);
	assert_non_null(strstr(f->detail, "guard"));
	ms_sim_free(sim);
}

static void paint_user(struct ms_sim *sim, void *arg)
{
	volatile char buf[3000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 1;
	ms_thread_info(sim, ms_thread_self(sim), arg);
}

static void test_high_water_mark(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_info info;

	assert_int_equal(ms_thread_create(sim, NULL, paint_user, &info, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(info.stack_size, 16384);
	assert_true(info.stack_high_water >= 3000);
	/* ASan's redzones make frames larger */
	assert_true(info.stack_high_water < (under_asan() ? 16384u : 8192u));
	ms_sim_free(sim);
}

static void self_aborter(struct ms_sim *sim, void *arg)
{
	ms_thread_abort(sim, ms_thread_self(sim));
	*(int *)arg = 1; /* never reached */
}

struct deferral {
	ms_tid target;
	struct ms_sim_stats after_abort;
	struct ms_sim_stats after_create;
};

static void nothing(struct ms_sim *sim, void *arg)
{
}

static void observer(struct ms_sim *sim, void *arg)
{
	struct deferral *d = arg;
	struct ms_thread_attr a;

	ms_thread_join(sim, d->target, MS_FOREVER);
	ms_sim_get_stats(sim, &d->after_abort);
	/* same priority as ours: it does not run (and end) before we look */
	ms_thread_attr_init(&a);
	a.priority = 1;
	ms_thread_create(sim, &a, nothing, NULL, NULL);
	ms_sim_get_stats(sim, &d->after_create);
}

static void test_self_abort_defers_stack(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct deferral d;
	struct ms_sim_stats st;
	struct ms_thread_attr a;
	int reached = 0;

	ms_config_init(&cfg);
	cfg.stack_cache = 0;	/* every release really unmaps */
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	memset(&d, 0, sizeof(d));
	ms_thread_attr_init(&a);
	a.priority = 1;
	assert_int_equal(ms_thread_create(sim, &a, observer, &d, NULL), 0);
	a.priority = 0;
	assert_int_equal(ms_thread_create(sim, &a, self_aborter, &reached, &d.target), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(reached, 0);

	/* after the self-abort: dead, but its stack is still mapped */
	assert_int_equal(d.after_abort.deferred_pending, 1);
	assert_int_equal(d.after_abort.stacks_mapped, 2);
	assert_int_equal(d.after_abort.deferred_frees, 0);
	/* the next creation released it (and mapped the new thread's) */
	assert_int_equal(d.after_create.deferred_pending, 0);
	assert_int_equal(d.after_create.deferred_frees, 1);
	assert_int_equal(d.after_create.stacks_mapped, 2);

	/* at the end of the run nothing is left */
	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.deferred_pending, 0);
	assert_int_equal(st.stacks_mapped, 0);
	assert_int_equal(st.stack_bytes_mapped, 0);
	ms_sim_free(sim);
}

static void test_create_destroy_keeps_mapping_count(void **state)
{
	int n = under_valgrind() ? 1000 : 10000;
	long before = ms__os_mapping_count();
	struct ms_sim *sim = new_sim(1);
	struct ms_sim_stats st;
	long during;

	assert_true(before > 0);
	/* host-side create and abort, and run-time create and exit */
	for (int i = 0; i < n / 2; i++) {
		ms_tid t;

		assert_int_equal(ms_thread_create(sim, NULL, nothing, NULL, &t), 0);
		assert_int_equal(ms_thread_abort(sim, t), 0);
	}
	for (int i = 0; i < n / 2; i++)
		assert_int_equal(ms_thread_create(sim, NULL, nothing, NULL, NULL), 0);
	during = ms__os_mapping_count();
	assert_int_equal(ms_sim_run(sim), 0);
	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.threads_created, n);
	assert_int_equal(st.threads_exited, n);
	assert_int_equal(st.stacks_mapped, st.stacks_cached);
	assert_true(st.stacks_reused >= (uint64_t)n / 2 - 1);
	/* n/2 live stacks: one mapping each at most, usually merged */
	assert_true(during - before <= n / 2 * 3 + 8);
	ms_sim_free(sim);
	/* Valgrind maps and unmaps for itself in our address space: there,
	 * allow its own drift of a couple of mappings. */
	if (under_valgrind())
		assert_true(labs(ms__os_mapping_count() - before) <= 2);
	else if (under_asan()) /* its allocator maps as it grows */
		assert_true(ms__os_mapping_count() - before <= 16);
	else
		assert_int_equal(ms__os_mapping_count(), before);
}

static void wait_for_go(struct ms_sim *sim, void *arg)
{
	int *alive = arg;

	(*alive)++;
	ms_sleep(sim, 1000);
	(*alive)--;
}

static void test_many_threads_alive(void **state)
{
	int n = under_valgrind() ? 500 : 10000;
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_sim_stats st;
	int alive = 0;

	ms_config_init(&cfg);
	cfg.stack_size = 8192;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(ms_thread_create(sim, NULL, wait_for_go, &alive, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.threads_peak, n);
	assert_int_equal(st.threads_exited, n);
	assert_int_equal(alive, 0);
	ms_sim_free(sim);
}

static void test_no_guard_option(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	struct ms_thread_info info;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_NO_GUARD;
	assert_int_equal(ms_thread_create(sim, &a, nothing, NULL, &t), 0);
	assert_int_equal(ms_thread_info(sim, t, &info), 0);
	assert_int_equal(info.guard_size, 0);
	a.options = 0;
	a.guard_pages = 3;
	assert_int_equal(ms_thread_create(sim, &a, nothing, NULL, &t), 0);
	assert_int_equal(ms_thread_info(sim, t, &info), 0);
	assert_int_equal(info.guard_size, 3 * ms__os_page_size());
	assert_int_equal(ms_sim_run(sim), 0);
	ms_sim_free(sim);
}

/* ---- user mode and the privileged stack ------------------------------- */

static int kernel_recursion(struct ms_sim *sim, void *arg)
{
	return deep_recursion(1);
}

static int kernel_where(struct ms_sim *sim, void *arg)
{
	int local;
	void *lo;
	size_t size;

	ms__thread_stack(ms__current(sim), &lo, &size);
	/* not on the user stack */
	*(int *)arg = ((char *)&local >= (char *)lo &&
		       (char *)&local < (char *)lo + size) ? 1 : 2;
	return 7;
}

struct user_report {
	int before_user;
	int after_user;
	int where;
	int ret;
};

static void in_user(struct ms_sim *sim, void *arg)
{
	struct user_report *r = arg;

	r->after_user = ms__thread_is_user(ms__current(sim));
	r->ret = ms__call_privileged(sim, kernel_where, &r->where);
	ms__call_privileged(sim, kernel_recursion, NULL);
	r->ret = -1; /* never reached */
}

static void drops_to_user(struct ms_sim *sim, void *arg)
{
	struct user_report *r = arg;

	r->before_user = ms__thread_is_user(ms__current(sim));
	ms_user_mode_enter(sim, in_user, r);
}

static void test_user_mode_privileged_stack(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct user_report r = { -1, -1, 0, 0 };
	const struct ms_fault *f;
	ms_tid t;

	assert_int_equal(ms_thread_create(sim, NULL, drops_to_user, &r, &t), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(r.before_user, 0);
	assert_int_equal(r.after_user, 1);
	assert_int_equal(r.where, 2);	/* the syscall ran on another stack */
	assert_int_equal(r.ret, 7);
	/* a runaway kernel path overflows the privileged stack */
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_STACK_OVERFLOW);
	assert_int_equal(f->tid, t);
	assert_string_equal(f->object, "privileged stack:thread-1");
	ms_sim_free(sim);
}

static void test_user_thread_created_user(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct user_report r = { -1, -1, 0, 0 };
	struct ms_thread_attr a;
	struct ms_thread_info info;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	assert_int_equal(ms_thread_create(sim, &a, in_user, &r, &t), 0);
	assert_int_equal(ms_thread_info(sim, t, &info), 0);
	assert_true(info.user);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(r.after_user, 1);
	assert_int_equal(r.where, 2);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	assert_int_equal(ms_sim_fault_get(sim, 0)->kind, MS_FAULT_STACK_OVERFLOW);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overflow_and_underflow_attributed),
		cmocka_unit_test(test_guard_too_small_vs_big_enough),
		cmocka_unit_test(test_high_water_mark),
		cmocka_unit_test(test_self_abort_defers_stack),
		cmocka_unit_test(test_create_destroy_keeps_mapping_count),
		cmocka_unit_test(test_many_threads_alive),
		cmocka_unit_test(test_no_guard_option),
		cmocka_unit_test(test_user_mode_privileged_stack),
		cmocka_unit_test(test_user_thread_created_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
