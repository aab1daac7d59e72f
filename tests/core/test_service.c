/* SPDX-License-Identifier: MIT */
/*
 * Host library calls that kernel code makes on a thread's behalf run on
 * the sim's service stack, not on the thread's: a thread with the
 * smallest stack gets its warning logged and goes on, instead of
 * overflowing inside GLib (which leaked GLib's message buffers and left
 * its logging believing it recursed: found by fuzz_ops).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "common.h"

static unsigned warnings;
static bool recursed;
static char last[256];
static uintptr_t handler_sp;

static void on_warning(const gchar *domain, GLogLevelFlags level,
		       const gchar *msg, gpointer user)
{
	char here;

	warnings++;
	recursed |= (level & G_LOG_FLAG_RECURSION) != 0;
	g_strlcpy(last, msg, sizeof(last));
	handler_sp = (uintptr_t)&here;
}

struct caller {
	int first, second;
	uintptr_t sp;
};

static void double_free(struct ms_sim *sim, void *arg)
{
	struct caller *c = arg;
	char here;
	void *p;

	c->sp = (uintptr_t)&here;
	if (ms_heap_alloc(sim, 32, &p))
		return;
	c->first = ms_heap_free(sim, p);
	c->second = ms_heap_free(sim, p);	/* refused and logged */
}

static void test_log_from_smallest_stack(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	struct caller c = { 1, 1, 0 };
	guint id;
	ms_tid tid;

	id = g_log_set_handler("memsim", G_LOG_LEVEL_WARNING |
			       G_LOG_FLAG_RECURSION, on_warning, NULL);
	ms_thread_attr_init(&a);
	a.stack_size = 4096;		/* the smallest ms_thread_create takes */
	assert_int_equal(ms_thread_create(sim, &a, double_free, &c, &tid), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	g_log_remove_handler("memsim", id);

	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(c.first, 0);
	assert_int_equal(c.second, -EALREADY);
	assert_int_equal(warnings, 1);
	assert_false(recursed);
	assert_non_null(strstr(last, "free refused"));
	assert_non_null(strstr(last, "double free"));
	/* The handler ran far from the thread's 4 KiB stack. */
	assert_true(handler_sp > c.sp + 8192 || handler_sp + 8192 < c.sp);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_from_smallest_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
