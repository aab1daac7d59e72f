/* SPDX-License-Identifier: MIT */
/*
 * Scenario parameter overrides (ms_scenario_load_*_overrides, the library
 * call behind memsim sweep --set): an override gives exactly the run the
 * edited file gives (same event hash), and a bad key or value is refused
 * by the loader's own checks, with the override named.
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

#define NAME "s.toml"

static const char base[] =
	"[sim]\nseed = 3\n"
	"[kernel]\nheap_size = \"16 KiB\"\n"
	"[quota]\npolicies = [\"unlimited\", \"bytes\"]\n"
	"[[actor]]\nname = \"hog\"\nrole = \"attacker\"\n"
	"script = [ { repeat = 1000, until = \"refused\", do = [ "
	"{ alloc = { uniform = [16, 200] } } ] } ]\n"
	"[[actor]]\nname = \"victim\"\nrole = \"victim\"\nstart = 500\n"
	"script = [ { repeat = 4, do = [ { alloc = 64, as = \"b\" }, "
	"{ sleep = 10 }, { free = \"b\" } ] } ]\n";

/* The run of text (with overrides ov[0..n)) under policy. */
static struct ms_scenario_result *run(const char *text,
				      const struct ms_scenario_override *ov,
				      size_t n, const char *policy)
{
	struct ms_scenario *sc = NULL;
	struct ms_scenario_result *res = NULL;
	struct ms_scenario_error err = { 0 };
	struct ms_scenario_run_opts opts;
	int ret = ms_scenario_load_string_overrides(text, NAME, ov, n, &sc,
						    &err);

	if (ret)
		fprintf(stderr, "%s", err.text);
	assert_int_equal(ret, 0);
	ms_scenario_run_opts_init(&opts);
	opts.policy = policy;
	assert_int_equal(ms_scenario_run(sc, &opts, &res, &err), 0);
	ms_scenario_free(sc);
	return res;
}

/* text with the first occurrence of from replaced by to */
static char *edited(const char *from, const char *to)
{
	const char *at = strstr(base, from);
	static char buf[4096];

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - base), base, to,
		 at + strlen(from));
	return buf;
}

static void same_run(const struct ms_scenario_override *ov, size_t n,
		     const char *policy, const char *edited_text)
{
	struct ms_scenario_result *a = run(base, ov, n, policy);
	struct ms_scenario_result *b = run(edited_text, NULL, 0, policy);
	struct ms_scenario_result *plain = run(base, NULL, 0, policy);

	assert_int_equal(a->event_hash, b->event_hash);
	assert_int_equal(a->heap_size, b->heap_size);
	assert_int_equal(a->total.granted, b->total.granted);
	/* and the override changed something */
	assert_int_not_equal(a->event_hash, plain->event_hash);
	ms_scenario_result_free(a);
	ms_scenario_result_free(b);
	ms_scenario_result_free(plain);
}

static void test_replaces_a_value(void **state)
{
	struct ms_scenario_override ov[] = {
		{ "kernel.heap_size", "8KiB" },
	};

	same_run(ov, 1, NULL, edited("heap_size = \"16 KiB\"",
				     "heap_size = \"8 KiB\""));
}

static void test_value_as_toml(void **state)
{
	struct ms_scenario_override ov[] = {
		{ "kernel.heap_size", "\"8 KiB\"" },
		{ "sim.seed", "4" },
	};
	struct ms_scenario_result *r = run(base, ov, 2, NULL);
	struct ms_scenario_result *e = run(edited("\"16 KiB\"", "8192"), NULL,
					   0, NULL);

	assert_int_equal(r->seed, 4);
	assert_int_equal(r->heap_size, e->heap_size);
	ms_scenario_result_free(r);
	ms_scenario_result_free(e);
}

static void test_adds_a_missing_table_and_key(void **state)
{
	struct ms_scenario_override ov[] = {
		{ "quota.bytes.limit", "512" },
	};

	same_run(ov, 1, "bytes", edited("[[actor]]",
				       "[quota.bytes]\nlimit = 512\n[[actor]]"));
}

static void test_array_element_by_name(void **state)
{
	struct ms_scenario_override ov[] = {
		{ "actor.victim.start", "20" },
	};

	same_run(ov, 1, NULL, edited("start = 500", "start = 20"));
}

static void refused(const struct ms_scenario_override *ov, size_t n,
		    const char *message, const char *hint)
{
	struct ms_scenario *sc = (struct ms_scenario *)0x1;
	struct ms_scenario_error err;
	char want[1024];

	memset(&err, 0x5a, sizeof(err));
	assert_int_equal(ms_scenario_load_string_overrides(base, NAME, ov, n,
							   &sc, &err),
			 -EINVAL);
	assert_null(sc);
	assert_string_equal(err.message, message);
	assert_string_equal(err.hint, hint ? hint : "");
	assert_int_equal(err.line, 0);
	snprintf(want, sizeof(want), NAME ": %s\n%s%s%s", message,
		 hint ? "  hint: " : "", hint ? hint : "", hint ? "\n" : "");
	assert_string_equal(err.text, want);
}

static void test_unknown_key_is_the_loaders_error(void **state)
{
	struct ms_scenario_override ov[] = {
		{ "sim.seed", "2" },
		{ "kernel.heap_siz", "8KiB" },
	};

	refused(ov, 2, "--set kernel.heap_siz=8KiB: unknown key 'heap_siz' "
		"in [kernel]", "did you mean 'heap_size'?");
}

static void test_unknown_table(void **state)
{
	struct ms_scenario_override ov[] = { { "kernal.heap_size", "1" } };

	refused(ov, 1, "--set kernal.heap_size=1: unknown key 'kernal' in "
		"the scenario (top level)", "did you mean 'kernel'?");
}

static void test_bad_values(void **state)
{
	struct ms_scenario_override size[] = { { "kernel.heap_size", "12x" } };
	struct ms_scenario_override type[] = { { "sim.seed", "abc" } };
	struct ms_scenario_override range[] = {
		{ "actor.hog.priority", "99" },
	};

	refused(size, 1, "--set kernel.heap_size=12x: 'heap_size' is not a "
		"size: \"12x\"", "units: B, K or KiB, M or MiB, G or GiB");
	refused(type, 1, "--set sim.seed=abc: 'seed' must be an integer, not "
		"a string", NULL);
	refused(range, 1, "--set actor.hog.priority=99: 'priority' is out of "
		"range (got 99)", "allowed: -16 to 15");
}

static void test_malformed_overrides(void **state)
{
	struct ms_scenario_override through[] = { { "sim.seed.x", "1" } };
	struct ms_scenario_override noname[] = { { "actor.vctim.start", "1" } };
	struct ms_scenario_override target[] = { { "actor.hog.script", "1" } };
	struct ms_scenario_override value[] = { { "sim.seed", "[1, 2]" } };
	struct ms_scenario_override twice[] = {
		{ "sim.seed", "1" }, { "sim.seed", "2" },
	};
	struct ms_scenario_override empty[] = { { "sim..seed", "1" } };

	refused(through, 1, "--set sim.seed.x: 'sim.seed' is an integer, not "
		"a table", NULL);
	refused(noname, 1, "--set actor.vctim.start: no [[actor]] is named "
		"'vctim'", "did you mean 'victim'?");
	refused(target, 1, "--set actor.hog.script: 'actor.hog.script' is an "
		"array in the scenario, not a scalar",
		"--set changes one scalar key: name a key inside it");
	refused(value, 1, "--set sim.seed=[1, 2]: not a scalar value",
		"--set takes a scalar: an integer, a float, a boolean or a "
		"string");
	refused(twice, 2, "--set sim.seed: the key is given twice", NULL);
	refused(empty, 1, "--set sim..seed: empty key",
		"keys are dotted paths like kernel.heap_size or "
		"actor.victim.start");
}

/* An error in the file that an override caused keeps its place, and
 * says which overrides were in force. */
static void test_file_error_notes_the_overrides(void **state)
{
	struct ms_scenario_override ov[] = { { "sim.max_threads", "1" } };
	struct ms_scenario *sc = NULL;
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_load_string_overrides(base, NAME, ov, 1,
							   &sc, &err),
			 -EINVAL);
	assert_int_equal(err.line, 11);
	assert_string_equal(err.text, NAME ":11:1: too many threads: the "
			    "actors declare 2 instances, the simulation "
			    "allows 1\n  hint: raise [sim] max_threads (now 1, "
			    "at most 65536) or lower the counts\n"
			    "  note: with --set sim.max_threads=1\n");
}

static void test_no_overrides_is_a_plain_load(void **state)
{
	struct ms_scenario_result *a = run(base, NULL, 0, NULL);
	struct ms_scenario *sc = NULL;
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_load_file_overrides(
		MS_SOURCE_ROOT "/scenarios/demo.toml", NULL, 0, &sc, &err), 0);
	assert_string_equal(ms_scenario_name(sc), "demo");
	ms_scenario_free(sc);
	assert_int_equal(ms_scenario_load_file_overrides("/nonexistent.toml",
							 NULL, 0, &sc, &err),
			 -ENOENT);
	ms_scenario_result_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_a_value),
		cmocka_unit_test(test_value_as_toml),
		cmocka_unit_test(test_adds_a_missing_table_and_key),
		cmocka_unit_test(test_array_element_by_name),
		cmocka_unit_test(test_unknown_key_is_the_loaders_error),
		cmocka_unit_test(test_unknown_table),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_malformed_overrides),
		cmocka_unit_test(test_file_error_notes_the_overrides),
		cmocka_unit_test(test_no_overrides_is_a_plain_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
