/* SPDX-License-Identifier: MIT */
/*
 * The host running out: injected mmap/guard failures give a clear error,
 * leak nothing, and the simulation goes on. Host limits.
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

static void nothing(struct ms_sim *sim, void *arg)
{
}

static void test_mmap_failure_on_create(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_sim_stats before, after;
	long maps = ms__os_mapping_count();
	ms_tid t = 0;

	ms_sim_get_stats(sim, &before);
	assert_int_equal(ms_sim_fail_host_call(sim, "mmap", 1), 0);
	assert_int_equal(ms_thread_create(sim, NULL, nothing, NULL, &t), -ENOMEM);
	assert_int_equal(t, 0);
	ms_sim_get_stats(sim, &after);
	assert_int_equal(after.stacks_mapped, before.stacks_mapped);
	assert_int_equal(after.threads_created, 0);
	if (!under_valgrind() && !under_asan())
		assert_int_equal(ms__os_mapping_count(), maps);
	/* the next call succeeds */
	assert_int_equal(ms_thread_create(sim, NULL, nothing, NULL, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(ms_sim_run(sim), 0);
	ms_sim_free(sim);
}

static void test_guard_failure_unmaps(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_thread_attr a;
	struct ms_sim_stats st;
	uint64_t unmaps;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;	/* three guards: fail the middle one */
	unmaps = ms_sim_host_calls(sim, "munmap");
	assert_int_equal(ms_sim_fail_host_call(sim, "guard", 2), 0);
	assert_int_equal(ms_thread_create(sim, &a, nothing, NULL, NULL), -ENOMEM);
	/* the half-built stack was unmapped */
	assert_int_equal(ms_sim_host_calls(sim, "munmap"), unmaps + 1);
	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.stacks_mapped, 0);
	assert_int_equal(st.stack_bytes_mapped, 0);
	ms_sim_free(sim);
}

struct spawner {
	int ok;
	int nomem;
};

static void spawner(struct ms_sim *sim, void *arg)
{
	struct spawner *s = arg;

	for (int i = 0; i < 5; i++) {
		int ret = ms_thread_create(sim, NULL, nothing, NULL, NULL);

		if (ret == 0)
			s->ok++;
		else if (ret == -ENOMEM)
			s->nomem++;
	}
}

static void test_failure_during_run(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct spawner s = { 0, 0 };

	ms_config_init(&cfg);
	cfg.stack_cache = 0;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	assert_int_equal(ms_thread_create(sim, NULL, spawner, &s, NULL), 0);
	/* the 3rd mmap from now: the stack of the spawner's 3rd child */
	assert_int_equal(ms_sim_fail_host_call(sim, "mmap", 3), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(s.ok, 4);
	assert_int_equal(s.nomem, 1);
	ms_sim_free(sim);
}

static void to_user(struct ms_sim *sim, void *arg)
{
	ms_user_mode_enter(sim, nothing, NULL);
}

static void test_priv_stack_failure_aborts_thread(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_sim_stats st;
	ms_tid t;

	assert_int_equal(ms_thread_create(sim, NULL, to_user, NULL, &t), 0);
	/* the next mmap is the privileged stack of ms_user_mode_enter */
	assert_int_equal(ms_sim_fail_host_call(sim, "mmap", 1), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	ms_sim_get_stats(sim, &st);
	assert_int_equal(st.threads_exited, 1);
	assert_int_equal(st.stacks_mapped, st.stacks_cached);
	ms_sim_free(sim);
}

static void test_unknown_host_op(void **state)
{
	struct ms_sim *sim = new_sim(1);

	assert_int_equal(ms_sim_fail_host_call(sim, "fork", 1), -EINVAL);
	assert_int_equal(ms_sim_fail_host_call(sim, NULL, 1), -EINVAL);
	assert_int_equal(ms_sim_host_calls(sim, "fork"), 0);
	ms_sim_free(sim);
}

static void test_host_limits(void **state)
{
	struct ms_config cfg;
	struct ms_host_limits lim;

	ms_config_init(&cfg);
	assert_int_equal(ms_host_limits(&cfg, &lim), 0);
	assert_true(lim.phys_mem_bytes > 0);
	assert_int_equal(lim.thread_bytes, 16384 + 2 * 4096 + 4096);
	assert_true(lim.max_threads > 1000);
	assert_true(lim.max_threads < 1000000000ull);
	assert_int_equal(lim.max_heap_bytes, lim.phys_mem_bytes / 4);
	cfg.stack_size = 1;
	assert_int_equal(ms_host_limits(&cfg, &lim), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap_failure_on_create),
		cmocka_unit_test(test_guard_failure_unmaps),
		cmocka_unit_test(test_failure_during_run),
		cmocka_unit_test(test_priv_stack_failure_aborts_thread),
		cmocka_unit_test(test_unknown_host_op),
		cmocka_unit_test(test_host_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
