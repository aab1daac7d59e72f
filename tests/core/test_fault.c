/* SPDX-License-Identifier: MIT */
/*
 * Faults that are not stack overflows: a wild access by a simulated thread
 * (CPU exception), an arithmetic trap, an oops raised by kernel code, a
 * fault in kernel code or in the host context (panic: the run stops, the
 * host survives), and fault regions with a resolver that can retry.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <memsim/memsim.h>

#include "common.h"

/* An address the compiler cannot prove bad (it would warn and may trap). */
static __attribute__((noinline)) void *ms__wild_address(uintptr_t a)
{
	return (void *)a;
}
#include "fault/fault.h"
#include "platform/os.h"
#include "sched/sched.h"

static __attribute__((noinline)) void deliberate_wild_write(struct ms_sim *sim, void *arg)
{
	volatile int *p = (volatile int *)ms__wild_address(16);

	*p = 1;
	*(int *)arg = 1;
}

/* UBSan would report (and may stop at) the division we want trapped */
__attribute__((no_sanitize("undefined")))
static __attribute__((noinline)) void deliberate_divide(struct ms_sim *sim, void *arg)
{
	volatile int zero = 0;

	*(int *)arg = 10 / zero;
}

static void survivor(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 50);
	*(int *)arg = 42;
}

static void test_cpu_exception_kills_only_the_thread(void **state)
{
	struct ms_sim *sim = new_sim(1);
	int w = 0, d = 0, s = 0;
	ms_tid tw, td;
	const struct ms_fault *f;

	assert_int_equal(ms_thread_create(sim, NULL, deliberate_wild_write, &w, &tw), 0);
	assert_int_equal(ms_thread_create(sim, NULL, survivor, &s, NULL), 0);
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_divide, &d, &td), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(s, 42);
	assert_int_equal(w, 0);
	assert_int_equal(ms_sim_fault_count(sim), 2);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_CPU);
	assert_int_equal(f->reason, MS_ERR_CPU_EXCEPTION);
	assert_int_equal(f->tid, tw);
	assert_int_equal(f->access, MS_ACCESS_WRITE);
	assert_int_equal(f->host_addr, 16);
	f = ms_sim_fault_get(sim, 1);
	assert_int_equal(f->kind, MS_FAULT_CPU);
	assert_int_equal(f->tid, td);
	assert_non_null(strstr(f->detail, "arithmetic"));
	ms_sim_free(sim);
}

static int kernel_checks(struct ms_sim *sim, void *arg)
{
	if (!arg)
		ms__oops(sim, -EFAULT, "buffer %p is not the caller's", arg);
	return 0;
}

static void bad_caller(struct ms_sim *sim, void *arg)
{
	ms__call_privileged(sim, kernel_checks, NULL);
	*(int *)arg = 1; /* never reached */
}

static void test_oops(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	int reached = 0, s = 0;
	const struct ms_fault *f;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	a.name = "bad";
	assert_int_equal(ms_thread_create(sim, &a, bad_caller, &reached, &t), 0);
	assert_int_equal(ms_thread_create(sim, NULL, survivor, &s, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(reached, 0);
	assert_int_equal(s, 42);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_OOPS);
	assert_int_equal(f->reason, MS_ERR_KERNEL_OOPS);
	assert_int_equal(f->error, -EFAULT);
	assert_int_equal(f->tid, t);
	assert_non_null(strstr(f->detail, "is not the caller's"));
	ms_sim_free(sim);
}

static __attribute__((noinline)) int deliberate_kernel_bug(struct ms_sim *sim, void *arg)
{
	return *(volatile int *)ms__wild_address(8);
}

static void syscaller(struct ms_sim *sim, void *arg)
{
	ms__call_privileged(sim, deliberate_kernel_bug, NULL);
}

static void test_kernel_fault_is_panic(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	int s = 0;
	const struct ms_fault *f;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	assert_int_equal(ms_thread_create(sim, &a, syscaller, NULL, NULL), 0);
	assert_int_equal(ms_thread_create(sim, NULL, survivor, &s, NULL), 0);
	assert_int_equal(ms_sim_run(sim), -EFAULT);
	assert_int_equal(ms_sim_status(sim), MS_RUN_PANIC);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_PANIC);
	assert_int_equal(f->reason, MS_ERR_KERNEL_PANIC);
	assert_non_null(strstr(f->detail, "kernel code"));
	/* a panicked simulation does not run again */
	assert_int_equal(ms_sim_run(sim), -EFAULT);
	assert_int_equal(s, 0);
	ms_sim_free(sim);
}

static __attribute__((noinline)) void deliberate_bad_hook(struct ms_sim *sim, const struct ms_fault *f, void *user)
{
	if (f->kind != MS_FAULT_PANIC)
		*(volatile int *)ms__wild_address(24) = 1; /* a bug in the host's hook */
}

static void test_host_context_fault_is_panic(void **state)
{
	struct ms_sim *sim = new_sim(1);
	int w = 0;

	ms_sim_set_fatal_hook(sim, deliberate_bad_hook, NULL);
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_wild_write, &w, NULL), 0);
	assert_int_equal(ms_sim_run(sim), -EFAULT);
	assert_int_equal(ms_sim_status(sim), MS_RUN_PANIC);
	assert_int_equal(ms_sim_fault_count(sim), 2);
	assert_int_equal(ms_sim_fault_get(sim, 0)->kind, MS_FAULT_CPU);
	assert_int_equal(ms_sim_fault_get(sim, 1)->kind, MS_FAULT_PANIC);
	assert_non_null(strstr(ms_sim_fault_get(sim, 1)->detail, "host context"));
	ms_sim_free(sim);
}

/* A region whose resolver opens the page on the first read, and calls any
 * write a violation. */
struct lazy {
	struct ms_sim *sim;
	char *page;
	int opens;
};

static enum ms__fault_verdict lazy_resolve(struct ms_sim *sim, void *ctx,
					   uintptr_t addr, enum ms_access acc,
					   struct ms_thread *t, struct ms_fault *f)
{
	struct lazy *l = ctx;

	if (acc == MS_ACCESS_READ) {
		l->opens++;
		ms__os_protect(ms__sim_os(sim), l->page, ms__os_page_size(),
			       MS__PROT_READ);
		return MS__FAULT_RETRY;
	}
	f->kind = MS_FAULT_SEALED_WRITE;
	f->reason = MS_ERR_CPU_EXCEPTION;
	snprintf(f->object, sizeof(f->object), "lazy");
	f->offset = addr - (uintptr_t)l->page;
	return MS__FAULT_KILL;
}

static __attribute__((noinline)) void deliberate_lazy_user(struct ms_sim *sim, void *arg)
{
	struct lazy *l = arg;

	if (l->page[10] != 0)
		return;
	l->page[20] = 1;
}

static void test_region_resolver_retry_and_kill(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct lazy l = { sim, NULL, 0 };
	const struct ms_fault *f;
	unsigned id;

	assert_int_equal(ms__os_map(ms__sim_os(sim), ms__os_page_size(),
				    MS__PROT_NONE, (void **)&l.page), 0);
	assert_int_equal(ms__fault_region_add(sim, (uintptr_t)l.page,
					      ms__os_page_size(), lazy_resolve,
					      &l, &id), 0);
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_lazy_user, &l, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(l.opens, 1);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_SEALED_WRITE);
	assert_int_equal(f->offset, 20);
	assert_string_equal(f->object, "lazy");
	ms__fault_region_remove(sim, id);
	ms__os_unmap(ms__sim_os(sim), l.page, ms__os_page_size());
	ms_sim_free(sim);
}

static void test_handler_restored_after_run(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct sigaction before, after;

	sigaction(SIGSEGV, NULL, &before);
	assert_int_equal(ms_thread_create(sim, NULL, survivor, &(int){ 0 }, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	sigaction(SIGSEGV, NULL, &after);
	assert_true(before.sa_sigaction == after.sa_sigaction);
	ms_sim_free(sim);
}

static void test_events_name_faults(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_event ev;
	size_t i;
	int w = 0;

	assert_int_equal(ms_thread_create(sim, NULL, deliberate_wild_write, &w, NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	for (i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type == MS_EV_FAULT)
			break;
	}
	assert_true(i < ms_sim_event_count(sim));
	assert_int_equal(ev.a, MS_FAULT_CPU);
	assert_string_equal(ms_event_type_name(ev.type), "fault");
	assert_string_equal(ms_fault_kind_name(MS_FAULT_STACK_OVERFLOW), "stack-overflow");
	assert_int_equal(ms_sim_event_get(sim, 1u << 30, &ev), -ENOENT);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_exception_kills_only_the_thread),
		cmocka_unit_test(test_oops),
		cmocka_unit_test(test_kernel_fault_is_panic),
		cmocka_unit_test(test_host_context_fault_is_panic),
		cmocka_unit_test(test_region_resolver_retry_and_kill),
		cmocka_unit_test(test_handler_restored_after_run),
		cmocka_unit_test(test_events_name_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
