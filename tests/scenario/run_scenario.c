/* SPDX-License-Identifier: MIT */
/*
 * Runs one shipped scenario (argv[1]) through the library under every
 * policy, every IPC accounting mode and every device-policy combination
 * it names (each combination of the three) and
 * asserts that every expectation holds, that no run
 * panics, and that a second run with the same seed gives the same event
 * hash, event count and final tick. meson registers one test per file of
 * shipped_scenarios (scenarios/meson.build).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <memsim/memsim.h>

static const char *path;

static void print_failures(const struct ms_scenario_result *r)
{
	for (size_t i = 0; i < r->n_expects; i++)
		if (!r->expects[i].pass)
			print_error("%s:%u:%u: [%s%s%s] expectation failed: "
				    "%s (actual %g)\n", r->file,
				    r->expects[i].line, r->expects[i].column,
				    r->policy, r->ipc_mode[0] ? ", " : "",
				    r->ipc_mode,
				    r->expects[i].text, r->expects[i].actual);
}

static void test_every_policy_meets_expectations(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;
	int ret;

	ret = ms_scenario_load_file(path, &sc, &err);
	if (ret)
		print_error("%s", err.text);
	assert_int_equal(ret, 0);
	ret = ms_scenario_check(sc, &err);
	if (ret)
		print_error("%s", err.text);
	assert_int_equal(ret, 0);

	size_t nm = ms_scenario_ipc_mode_count(sc) ?
		    ms_scenario_ipc_mode_count(sc) : 1;
	size_t nd = ms_scenario_device_policy_count(sc) ?
		    ms_scenario_device_policy_count(sc) : 1;

	for (size_t i = 0; i < ms_scenario_policy_count(sc) * nm * nd; i++) {
		struct ms_scenario_run_opts o;
		struct ms_scenario_result *a, *b;

		ms_scenario_run_opts_init(&o);
		o.policy = ms_scenario_policy(sc, i / nd / nm);
		o.ipc_mode = ms_scenario_ipc_mode(sc, i / nd % nm);
		o.device_policy = ms_scenario_device_policy(sc, i % nd);
		assert_int_equal(ms_scenario_run(sc, &o, &a, &err), 0);
		print_failures(a);
		assert_string_equal(a->policy, o.policy);
		if (o.ipc_mode)
			assert_string_equal(a->ipc_mode, o.ipc_mode);
		if (o.device_policy)
			assert_string_equal(a->device_policy, o.device_policy);
		assert_int_equal(a->seed, ms_scenario_seed(sc));
		assert_int_not_equal(a->status, MS_RUN_PANIC);
		assert_true(a->n_expects > 0);
		assert_int_equal(a->n_expects_failed, 0);
		assert_true(ms_scenario_result_ok(a));

		assert_int_equal(ms_scenario_run(sc, &o, &b, &err), 0);
		assert_int_equal(a->event_hash, b->event_hash);
		assert_int_equal(a->event_count, b->event_count);
		assert_int_equal(a->final_tick, b->final_tick);
		ms_scenario_result_free(a);
		ms_scenario_result_free(b);
	}
	ms_scenario_free(sc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_policy_meets_expectations),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s SCENARIO.toml\n", argv[0]);
		return 2;
	}
	path = argv[1];
	return cmocka_run_group_tests_name(path, tests, NULL, NULL);
}
