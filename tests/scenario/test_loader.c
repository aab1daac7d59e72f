/* SPDX-License-Identifier: MIT */
/*
 * The scenario loader refuses malformed scenarios before anything runs,
 * each with the exact file:line:column, message and hint.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <memsim/memsim.h>

#define FILE_NAME "bad.toml"

/* A scenario that loads; the tests break one thing at a time. */
#define GOOD_ACTOR "[[actor]]\nname = \"victim\"\nscript = [ { sleep = 1 } ]\n"

static void refused(const char *text, int want_ret, unsigned line,
		    unsigned column, const char *message, const char *hint)
{
	struct ms_scenario *sc = (struct ms_scenario *)0x1;
	struct ms_scenario_error err;
	char want[1024];
	int ret;

	memset(&err, 0x5a, sizeof(err));
	ret = ms_scenario_load_string(text, FILE_NAME, &sc, &err);
	assert_int_equal(ret, want_ret);
	assert_null(sc);
	assert_string_equal(err.file, FILE_NAME);
	assert_string_equal(err.message, message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, column);
	assert_string_equal(err.hint, hint ? hint : "");
	if (hint)
		snprintf(want, sizeof(want), "%s:%u:%u: %s\n  hint: %s\n",
			 FILE_NAME, line, column, message, hint);
	else
		snprintf(want, sizeof(want), "%s:%u:%u: %s\n", FILE_NAME, line,
			 column, message);
	assert_string_equal(err.text, want);
}

static void test_unknown_key_suggests_nearest(void **state)
{
	refused("[kernel]\nheap_sise = 4096\n" GOOD_ACTOR, -EINVAL, 2, 1,
		"unknown key 'heap_sise' in [kernel]",
		"did you mean 'heap_size'?");
}

static void test_unknown_top_level_table(void **state)
{
	refused("[simulation]\nseed = 1\n" GOOD_ACTOR, -EINVAL, 1, 2,
		"unknown key 'simulation' in the scenario (top level)",
		"did you mean 'sim'?");
}

static void test_unknown_key_without_near_lists_known(void **state)
{
	refused("[report]\ncolour = true\n" GOOD_ACTOR, -EINVAL, 2, 1,
		"unknown key 'colour' in [report]",
		"known keys: sample_every");
}

static void test_wrong_type(void **state)
{
	refused("[sim]\nseed = \"forty-two\"\n" GOOD_ACTOR, -EINVAL, 2, 8,
		"'seed' must be an integer, not a string", NULL);
}

static void test_date_is_not_a_number(void **state)
{
	refused("[sim]\ntick_limit = 1979-05-27\n" GOOD_ACTOR, -EINVAL, 2, 14,
		"'tick_limit' must be an integer, not a date or time", NULL);
}

static void test_negative_size(void **state)
{
	refused("[kernel]\nheap_size = -4096\n" GOOD_ACTOR, -EINVAL, 2, 13,
		"'heap_size' must not be negative (got -4096)",
		"a size is a number of bytes, or a string like \"64 KiB\"");
}

static void test_bad_size_unit(void **state)
{
	refused("[kernel]\nheap_size = \"16 parsecs\"\n" GOOD_ACTOR, -EINVAL,
		2, 13, "'heap_size' is not a size: \"16 parsecs\"",
		"units: B, K or KiB, M or MiB, G or GiB");
}

static void test_size_out_of_range(void **state)
{
	refused("[kernel]\nheap_size = 8\n" GOOD_ACTOR, -EINVAL, 2, 13,
		"'heap_size' is out of range (got 8 bytes)",
		"allowed: 64 to 4294967295 bytes");
}

static void test_unknown_policy(void **state)
{
	refused("[quota]\npolicy = \"byets\"\n" GOOD_ACTOR, -EINVAL, 2, 10,
		"unknown policy 'byets'",
		"did you mean 'bytes'? (policies: unlimited, count, bytes, "
		"process, pool)");
}

static void test_policy_and_policies(void **state)
{
	refused("[quota]\npolicy = \"count\"\npolicies = [\"bytes\"]\n"
		GOOD_ACTOR, -EINVAL, 3, 12,
		"'policy' and 'policies' both given",
		"keep 'policies' to compare several, or 'policy' for one");
}

static void test_parameters_of_a_policy_not_run(void **state)
{
	refused("[quota]\npolicy = \"count\"\n[quota.bytes]\nlimit = 64\n"
		GOOD_ACTOR, -EINVAL, 3, 8, "unknown key 'bytes' in [quota]",
		"add 'bytes' to [quota] policy or policies, or remove its "
		"table");
}

static void test_unknown_metric_in_expect(void **state)
{
	refused(GOOD_ACTOR "[expect]\nall = [\"victim.denid == 0\"]\n",
		-EINVAL, 5, 9, "unknown metric 'victim.denid'",
		"did you mean 'denied'?");
}

static void test_expect_on_unknown_actor(void **state)
{
	refused(GOOD_ACTOR "[expect]\nall = [\"faults.total == 0\", "
		"\"victm.granted >= 1\"]\n", -EINVAL, 5, 30,
		"unknown metric 'victm.granted'", "did you mean 'victim'?");
}

static void test_expect_bad_operator(void **state)
{
	refused(GOOD_ACTOR "[expect]\nall = [\"victim.denied = 0\"]\n",
		-EINVAL, 5, 23,
		"expected a comparison after 'victim.denied'",
		"operators: ==, !=, <, <=, >, >=");
}

static void test_expect_for_policy_not_run(void **state)
{
	refused(GOOD_ACTOR "[expect]\ncount = [\"victim.denied == 0\"]\n",
		-EINVAL, 5, 1,
		"unknown key 'count' in [expect]: not a policy or IPC mode this "
		"scenario runs", "[expect] takes 'all' and one key per policy "
		"or IPC mode the scenario runs");
}

static void test_unknown_group_reference(void **state)
{
	refused("[groups.evil]\n[[actor]]\nname = \"a\"\ngroup = \"evli\"\n"
		"script = []\n", -EINVAL, 4, 9, "unknown group 'evli'",
		"did you mean 'evil'?");
}

static void test_unknown_pool_reference(void **state)
{
	refused("[[actor]]\nname = \"a\"\npool = \"shared\"\nscript = []\n",
		-EINVAL, 3, 8, "unknown pool 'shared'",
		"declare it first: [kernel] pools = { name = \"8 KiB\" }");
}

static void test_duplicate_actor(void **state)
{
	refused(GOOD_ACTOR GOOD_ACTOR, -EINVAL, 5, 8,
		"duplicate actor 'victim'",
		"actor names are unique; use count = N for several instances");
}

static void test_reserved_actor_name(void **state)
{
	refused("[[actor]]\nname = \"attackers\"\nscript = []\n", -EINVAL,
		2, 8, "actor name 'attackers' is reserved",
		"choose another name: this one names a metric family");
}

static void test_actor_without_name(void **state)
{
	refused("[[actor]]\nscript = []\n", -EINVAL, 1, 1,
		"an actor needs a name",
		"add name = \"...\" (used in reports and metrics)");
}

static void test_unknown_role(void **state)
{
	refused("[[actor]]\nname = \"a\"\nrole = \"atacker\"\nscript = []\n",
		-EINVAL, 3, 8, "unknown role 'atacker'",
		"did you mean 'attacker'? (one of: neutral, attacker, victim)");
}

static void test_too_many_threads(void **state)
{
	refused("[[actor]]\nname = \"a\"\ncount = 40\nscript = []\n"
		"[[actor]]\nname = \"b\"\ncount = 25\nscript = []\n", -EINVAL,
		7, 9, "too many threads: the actors declare 65 instances, the "
		"simulation allows 64",
		"raise [sim] max_threads (now 64, at most 65536) or lower the "
		"counts");
}

static void test_max_threads_out_of_range(void **state)
{
	refused("[sim]\nmax_threads = 100000\n" GOOD_ACTOR, -EINVAL, 2, 15,
		"'max_threads' is out of range (got 100000)",
		"allowed: 1 to 65536");
}

static void test_unknown_operation(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = [ { slep = 5 } ]\n",
		-EINVAL, 3, 14, "unknown operation 'slep'",
		"did you mean 'sleep'?");
}

static void test_unknown_key_in_step(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = [\n"
		"  { alloc = 64, ass = \"buf\" },\n]\n", -EINVAL, 4, 17,
		"unknown key 'ass' in an 'alloc' step", "did you mean 'as'?");
}

static void test_two_operations_in_a_step(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = [ { sleep = 5, yield = 1 } ]\n",
		-EINVAL, 3, 25, "a step has two operations, 'sleep' and 'yield'",
		"write each operation as its own step: { sleep = ... }, "
		"{ yield = ... }");
}

static void test_nested_step_error_is_located(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = [\n"
		"  { repeat = 3, do = [\n"
		"    { sleep = -1 },\n"
		"  ] },\n]\n", -EINVAL, 5, 15,
		"'sleep' must not be negative (got -1)",
		"the smallest allowed is 0");
}

static void test_uniform_bounds_reversed(void **state)
{
	refused("[[actor]]\nname = \"a\"\n"
		"script = [ { alloc = { uniform = [256, 16] } } ]\n", -EINVAL,
		3, 34, "'uniform' bounds are reversed",
		"write the smaller bound first");
}

static void test_repeat_without_body(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = [ { repeat = 3 } ]\n",
		-EINVAL, 3, 12, "'repeat' needs 'do', the steps to run",
		"write { repeat = ..., do = [ ... ] }");
}

static void test_script_not_an_array(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = \"sleep 5\"\n", -EINVAL,
		3, 10, "'script' must be an array of steps, not a string", NULL);
}

static void test_mpu_regions(void **state)
{
	refused("[sim]\narch = \"armv7m\"\nmpu_regions = 12\n" GOOD_ACTOR,
		-EINVAL, 3, 15, "'mpu_regions' must be 8 or 16 (got 12)",
		"ARMv7-M and ARMv8-M MPUs have 8 or 16 regions");
}

static void test_toml_syntax_error(void **state)
{
	refused("[sim]\nseed = = 3\n", -EINVAL, 2, 8,
		"Error while parsing value: could not determine value type",
		"the file is not valid TOML (https://toml.io)");
}

static void test_toml_duplicate_key(void **state)
{
	refused("[sim]\nseed = 1\nseed = 2\n", -EINVAL, 3, 8,
		"Error while parsing key-value pair: cannot redefine existing "
		"integer 'seed'", "the file is not valid TOML (https://toml.io)");
}

/* Five 64-byte blocks taken and freed by one thread: the system heap
 * caches min(depth, 5) of them. */
#define QUICK_ACTOR "[[actor]]\nname = \"a\"\nscript = [\n" \
	"  { repeat = 5, do = [ { alloc = 64 } ] },\n  { free = \"all\" },\n]\n"

static uint32_t quick_chunks_after_run(const char *kernel)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *res;
	struct ms_heap_stats st;
	char text[512];

	snprintf(text, sizeof(text), "%s" QUICK_ACTOR, kernel);
	assert_int_equal(ms_scenario_load_string(text, FILE_NAME, &sc, &err),
			 0);
	assert_int_equal(ms_scenario_check(sc, &err), 0);
	ms_scenario_run_opts_init(&o);
	o.keep_sim = true;
	assert_int_equal(ms_scenario_run(sc, &o, &res, &err), 0);
	assert_true(ms_scenario_result_ok(res));
	assert_int_equal(ms_heap_stats(ms_heap_system(
		ms_scenario_result_sim(res)), &st), 0);
	assert_int_equal(st.allocated_bytes, 0);
	ms_scenario_result_free(res);
	ms_scenario_free(sc);
	return st.quick_chunks;
}

static void test_heap_quick_depth(void **state)
{
	assert_int_equal(quick_chunks_after_run(""), 5);	/* default 8 */
	assert_int_equal(quick_chunks_after_run("[kernel]\n"
						"heap_quick_depth = 0\n"), 0);
	assert_int_equal(quick_chunks_after_run("[kernel]\n"
						"heap_quick_depth = 3\n"), 3);
	assert_int_equal(quick_chunks_after_run("[kernel]\nheap_size = 4096\n"
						"heap_quick_depth = 255\n"), 5);
}

static void test_heap_quick_depth_refused(void **state)
{
	refused("[kernel]\nheap_quick_depth = 256\n" GOOD_ACTOR, -EINVAL, 2,
		20, "'heap_quick_depth' is out of range (got 256)",
		"allowed: 0 to 255");
	refused("[kernel]\nheap_quick_depth = -1\n" GOOD_ACTOR, -EINVAL, 2,
		20, "'heap_quick_depth' must not be negative (got -1)",
		"allowed: 0 to 255");
	refused("[kernel]\nheap_quick_depth = \"8\"\n" GOOD_ACTOR, -EINVAL, 2,
		20, "'heap_quick_depth' must be an integer, not a string",
		NULL);
	refused("[kernel]\nheap_quik_depth = 8\n" GOOD_ACTOR, -EINVAL, 2, 1,
		"unknown key 'heap_quik_depth' in [kernel]",
		"did you mean 'heap_quick_depth'?");
}

static void test_unknown_sealed_pool(void **state)
{
	refused("[sealed.config]\n[[actor]]\nname = \"a\"\n"
		"script = [ { seal = \"confg\" } ]\n", -EINVAL, 4, 21,
		"unknown sealed pool 'confg'", "did you mean 'config'?");
}

static void test_write_to_unnamed_data(void **state)
{
	refused("[sealed.config]\n[[actor]]\nname = \"a\"\nscript = [\n"
		"  { pool_alloc = 64, pool = \"config\", as = \"table\" },\n"
		"  { write = \"tabel\" },\n]\n", -EINVAL, 6, 13,
		"no pool_alloc is named 'tabel'",
		"name it first: { pool_alloc = 64, pool = \"...\", as = "
		"\"...\" }");
}

static void test_unknown_partition_in_touch(void **state)
{
	refused("[domains.app]\npartitions = [ { name = \"data\", size = 4096 } ]\n"
		"[[actor]]\nname = \"a\"\ndomain = \"app\"\n"
		"script = [ { touch = \"partition:dta\" } ]\n", -EINVAL, 6, 33,
		"unknown partition 'dta'", "did you mean 'data'?");
}

static void test_partition_past_the_arena(void **state)
{
	refused("[kernel]\narena_size = \"64 KiB\"\n[domains.app]\n"
		"partitions = [ { name = \"big\", start = \"60 KiB\", "
		"size = \"8 KiB\" } ]\n" GOOD_ACTOR, -EINVAL, 4, 25,
		"partition 'big' ends past the arena",
		"the arena is 65536 bytes ([kernel] arena_size)");
}

static void test_bad_rights(void **state)
{
	refused("[domains.app]\npartitions = [ { name = \"p\", size = 4096, "
		"user = \"rwz\" } ]\n" GOOD_ACTOR, -EINVAL, 2, 50,
		"bad access rights \"rwz\"",
		"rights are \"none\" or letters r, w, x: \"r\", \"rw\", \"rx\"");
}

static void test_unknown_domain_reference(void **state)
{
	refused("[domains.app]\n[[actor]]\nname = \"a\"\ndomain = \"ap\"\n"
		"script = []\n", -EINVAL, 4, 10, "unknown domain 'ap'",
		"did you mean 'app'?");
}

static void test_unknown_ipc_mode(void **state)
{
	refused("[ipc]\nmode = \"fair_share\"\n" GOOD_ACTOR, -EINVAL, 2, 8,
		"unknown IPC mode 'fair_share'",
		"did you mean 'fair-share'? (modes: sender-pays, receiver-pays, "
		"fair-share, request-reply)");
}

#define IPC_ACTOR "[[actor]]\nname = \"a\"\nscript = [ { node = \"n\" } ]\n"

static void test_ipc_modes_list(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_load_string(
		"[ipc]\nmodes = [\"receiver-pays\", \"sender-pays\", "
		"\"request-reply\", \"fair-share\"]\n" IPC_ACTOR
		"[expect]\nall = [\"a.ops == 1\"]\n"
		"fair-share = [\"ipc.a.sent == 0\"]\n"
		"sender-pays = \"ipc.a.refused == 0\"\n",
		FILE_NAME, &sc, &err), 0);
	assert_int_equal(ms_scenario_ipc_mode_count(sc), 4);
	assert_string_equal(ms_scenario_ipc_mode(sc, 0), "receiver-pays");
	assert_string_equal(ms_scenario_ipc_mode(sc, 1), "sender-pays");
	assert_string_equal(ms_scenario_ipc_mode(sc, 2), "request-reply");
	assert_string_equal(ms_scenario_ipc_mode(sc, 3), "fair-share");
	assert_null(ms_scenario_ipc_mode(sc, 4));
	/* policies are a separate axis */
	assert_int_equal(ms_scenario_policy_count(sc), 1);
	assert_int_equal(ms_scenario_check(sc, &err), 0);
	ms_scenario_free(sc);

	/* one mode, and none */
	assert_int_equal(ms_scenario_load_string(
		"[ipc]\nmode = \"sender-pays\"\n" IPC_ACTOR, FILE_NAME, &sc,
		&err), 0);
	assert_int_equal(ms_scenario_ipc_mode_count(sc), 1);
	assert_string_equal(ms_scenario_ipc_mode(sc, 0), "sender-pays");
	ms_scenario_free(sc);
	assert_int_equal(ms_scenario_load_string(GOOD_ACTOR, FILE_NAME, &sc,
						 &err), 0);
	assert_int_equal(ms_scenario_ipc_mode_count(sc), 0);
	assert_null(ms_scenario_ipc_mode(sc, 0));
	ms_scenario_free(sc);
}

static void test_unknown_ipc_mode_in_modes(void **state)
{
	refused("[ipc]\nmodes = [\"sender-pays\", \"recever-pays\"]\n"
		IPC_ACTOR, -EINVAL, 2, 25, "unknown IPC mode 'recever-pays'",
		"did you mean 'receiver-pays'? (modes: sender-pays, "
		"receiver-pays, fair-share, request-reply)");
}

static void test_ipc_mode_and_modes(void **state)
{
	refused("[ipc]\nmode = \"fair-share\"\nmodes = [\"fair-share\"]\n"
		IPC_ACTOR, -EINVAL, 3, 9, "'mode' and 'modes' both given",
		"keep 'modes' to compare several, or 'mode' for one");
}

static void test_ipc_mode_listed_twice(void **state)
{
	refused("[ipc]\nmodes = [\"fair-share\", \"fair-share\"]\n"
		IPC_ACTOR, -EINVAL, 2, 24, "IPC mode 'fair-share' is listed "
		"twice", NULL);
}

static void test_ipc_modes_empty(void **state)
{
	refused("[ipc]\nmodes = []\n" IPC_ACTOR, -EINVAL, 2, 9,
		"'modes' is empty",
		"name at least one, e.g. [\"sender-pays\", \"fair-share\"]");
}

static void test_expect_for_mode_not_run(void **state)
{
	/* a registered mode, but not one the scenario names */
	refused("[ipc]\nmodes = [\"sender-pays\", \"fair-share\"]\n"
		IPC_ACTOR "[expect]\nreceiver-pays = [\"a.ops == 1\"]\n",
		-EINVAL, 7, 1, "unknown key 'receiver-pays' in [expect]: not "
		"a policy or IPC mode this scenario runs",
		"add 'receiver-pays' to [ipc] modes");
}

static void test_domain_policy_names(void **state)
{
	struct ms_scenario *sc;

	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {
			"lazy", "eager", "working_set",
		};
		char text[256];

		snprintf(text, sizeof(text), "[sim]\ndomain_policy = \"%s\"\n"
			 "[domains.app]\npartitions = [ { name = \"p\", size = "
			 "4096 } ]\n" GOOD_ACTOR, names[i]);
		assert_int_equal(ms_scenario_load_string(text, FILE_NAME, &sc,
							 NULL), 0);
		assert_int_equal(ms_scenario_check(sc, NULL), 0);
		ms_scenario_free(sc);
	}
	refused("[sim]\ndomain_policy = \"working-set\"\n" GOOD_ACTOR,
		-EINVAL, 2, 17, "unknown domain_policy 'working-set'",
		"did you mean 'working_set'? (one of: lazy, eager, "
		"working_set)");
}

static void test_unknown_touch_target(void **state)
{
	refused("[[actor]]\nname = \"a\"\nscript = [ { touch = \"stak\" } ]\n",
		-EINVAL, 3, 22, "unknown touch target 'stak'",
		"did you mean 'stack'? targets: \"stack\", \"data:<name>\", "
		"\"partition:<name>\", \"arena\", \"map:<name>\"");
}

static void test_workload_needs_size(void **state)
{
	refused("[[workload]]\nname = \"w\"\nrequests = 10\n", -EINVAL, 1, 1,
		"workload 'w' needs 'size'",
		"add size = 64 or size = { uniform = [16, 256] }");
}

static void test_metric_of_undeclared_sealed_pool(void **state)
{
	refused(GOOD_ACTOR "[expect]\nall = [\"sealed.cfg.pages == 0\"]\n",
		-EINVAL, 5, 9, "unknown metric 'sealed.cfg.pages'",
		"no [sealed.cfg] in the scenario");
}

/* What only the library can judge is found by ms_scenario_check(). */
static void test_check_reports_domain_refusal(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_load_string(
		"[sim]\narch = \"armv7m\"\n[domains.app]\npartitions = [ "
		"{ name = \"odd\", start = 0, size = 48 } ]\n" GOOD_ACTOR,
		FILE_NAME, &sc, &err), 0);
	assert_int_equal(ms_scenario_check(sc, &err), -EINVAL);
	assert_string_equal(err.file, FILE_NAME);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 10);
	assert_true(strncmp(err.message, "domain 'app' refused: ", 22) == 0);
	assert_non_null(strstr(err.message, "power of two"));
	ms_scenario_free(sc);
}

static void test_missing_file(void **state)
{
	struct ms_scenario *sc = (struct ms_scenario *)0x1;
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_load_file("/nonexistent/x.toml", &sc, &err),
			 -ENOENT);
	assert_null(sc);
	assert_string_equal(err.file, "/nonexistent/x.toml");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.column, 0);
	assert_string_equal(err.message,
			    "cannot read the file: No such file or directory");
	assert_string_equal(err.text, "/nonexistent/x.toml: cannot read the "
			    "file: No such file or directory\n");
}

static void test_good_scenario_loads(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_load_string(
		"[scenario]\nname = \"ok\"\ndescription = \"d\"\n"
		"[sim]\nseed = 9\ntick_limit = 100\n"
		"[quota]\npolicies = [\"count\", \"bytes\"]\n"
		"[quota.count]\nlimit = 4\n" GOOD_ACTOR
		"[expect]\nall = [\"victim.ops == 1\"]\n"
		"bytes = \"victim.denied == 0\"\n", NULL, &sc, &err), 0);
	assert_string_equal(ms_scenario_name(sc), "ok");
	assert_string_equal(ms_scenario_description(sc), "d");
	assert_string_equal(ms_scenario_file(sc), "<string>");
	assert_int_equal(ms_scenario_seed(sc), 9);
	assert_int_equal(ms_scenario_tick_limit(sc), 100);
	assert_int_equal(ms_scenario_policy_count(sc), 2);
	assert_string_equal(ms_scenario_policy(sc, 0), "count");
	assert_string_equal(ms_scenario_policy(sc, 1), "bytes");
	assert_null(ms_scenario_policy(sc, 2));
	assert_int_equal(ms_scenario_actor_count(sc), 1);
	assert_false(ms_scenario_has_attackers(sc));
	assert_int_equal(ms_scenario_check(sc, &err), 0);
	ms_scenario_free(sc);
}

static void test_default_policy_and_name(void **state)
{
	struct ms_scenario *sc;

	assert_int_equal(ms_scenario_load_string(GOOD_ACTOR, "dir/my-test.toml",
						 &sc, NULL), 0);
	assert_string_equal(ms_scenario_name(sc), "my-test");
	assert_int_equal(ms_scenario_policy_count(sc), 1);
	assert_string_equal(ms_scenario_policy(sc, 0), "unlimited");
	ms_scenario_free(sc);
}

static void test_run_with_policy_not_named(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *res = (struct ms_scenario_result *)0x1;

	assert_int_equal(ms_scenario_load_string(
		"[quota]\npolicy = \"count\"\n" GOOD_ACTOR, FILE_NAME, &sc,
		NULL), 0);
	ms_scenario_run_opts_init(&o);
	o.policy = "bytes";
	assert_int_equal(ms_scenario_run(sc, &o, &res, &err), -EINVAL);
	assert_null(res);
	assert_string_equal(err.message, "policy 'bytes' is not one the "
			    "scenario names ([quota] policy or policies)");
	assert_string_equal(err.hint, "the scenario runs: count");
	ms_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key_suggests_nearest),
		cmocka_unit_test(test_unknown_top_level_table),
		cmocka_unit_test(test_unknown_key_without_near_lists_known),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_date_is_not_a_number),
		cmocka_unit_test(test_negative_size),
		cmocka_unit_test(test_bad_size_unit),
		cmocka_unit_test(test_size_out_of_range),
		cmocka_unit_test(test_unknown_policy),
		cmocka_unit_test(test_policy_and_policies),
		cmocka_unit_test(test_parameters_of_a_policy_not_run),
		cmocka_unit_test(test_unknown_metric_in_expect),
		cmocka_unit_test(test_expect_on_unknown_actor),
		cmocka_unit_test(test_expect_bad_operator),
		cmocka_unit_test(test_expect_for_policy_not_run),
		cmocka_unit_test(test_unknown_group_reference),
		cmocka_unit_test(test_unknown_pool_reference),
		cmocka_unit_test(test_duplicate_actor),
		cmocka_unit_test(test_reserved_actor_name),
		cmocka_unit_test(test_actor_without_name),
		cmocka_unit_test(test_unknown_role),
		cmocka_unit_test(test_too_many_threads),
		cmocka_unit_test(test_max_threads_out_of_range),
		cmocka_unit_test(test_unknown_operation),
		cmocka_unit_test(test_unknown_key_in_step),
		cmocka_unit_test(test_two_operations_in_a_step),
		cmocka_unit_test(test_nested_step_error_is_located),
		cmocka_unit_test(test_uniform_bounds_reversed),
		cmocka_unit_test(test_repeat_without_body),
		cmocka_unit_test(test_script_not_an_array),
		cmocka_unit_test(test_mpu_regions),
		cmocka_unit_test(test_toml_syntax_error),
		cmocka_unit_test(test_toml_duplicate_key),
		cmocka_unit_test(test_heap_quick_depth),
		cmocka_unit_test(test_heap_quick_depth_refused),
		cmocka_unit_test(test_unknown_sealed_pool),
		cmocka_unit_test(test_write_to_unnamed_data),
		cmocka_unit_test(test_unknown_partition_in_touch),
		cmocka_unit_test(test_partition_past_the_arena),
		cmocka_unit_test(test_bad_rights),
		cmocka_unit_test(test_unknown_domain_reference),
		cmocka_unit_test(test_unknown_ipc_mode),
		cmocka_unit_test(test_ipc_modes_list),
		cmocka_unit_test(test_unknown_ipc_mode_in_modes),
		cmocka_unit_test(test_ipc_mode_and_modes),
		cmocka_unit_test(test_ipc_mode_listed_twice),
		cmocka_unit_test(test_ipc_modes_empty),
		cmocka_unit_test(test_expect_for_mode_not_run),
		cmocka_unit_test(test_domain_policy_names),
		cmocka_unit_test(test_unknown_touch_target),
		cmocka_unit_test(test_workload_needs_size),
		cmocka_unit_test(test_metric_of_undeclared_sealed_pool),
		cmocka_unit_test(test_check_reports_domain_refusal),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_good_scenario_loads),
		cmocka_unit_test(test_default_policy_and_name),
		cmocka_unit_test(test_run_with_policy_not_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
