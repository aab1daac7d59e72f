/* SPDX-License-Identifier: MIT */
/*
 * Device memory in scenario files: [[device]] and [device_policy] tables,
 * the device steps, their errors (place, message, hint), the device-policy
 * combinations and their labels, a run under a chosen combination, the
 * devices' stats as metrics, allocations by attribute from a kernel
 * region.
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

static void refused(const char *text, unsigned line, unsigned col,
		    const char *msg, const char *hint)
{
	struct ms_scenario_error err = { 0 };
	struct ms_scenario *sc = NULL;

	assert_int_equal(ms_scenario_load_string(text, "t.toml", &sc, &err),
			 -EINVAL);
	assert_null(sc);
	if (strcmp(err.message, msg) || (hint && strcmp(err.hint, hint)))
		print_error("got: %s", err.text);
	assert_string_equal(err.message, msg);
	if (hint)
		assert_string_equal(err.hint, hint);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, col);
}

#define DEV "[[device]]\nname = \"gpu\"\nsize = \"1 MiB\"\nblock_size = \"256 KiB\"\n"

static void test_device_table_errors(void **state)
{
	(void)state;
	refused("[[device]]\nsize = \"1 MiB\"\n", 1, 1,
		"a device needs a name", "add name = \"gpu\"");
	refused("[[device]]\nname = \"gpu\"\n", 1, 1,
		"device 'gpu' needs a size", "add size = \"256 MiB\"");
	refused(DEV "kind = \"shared\"\n", 5, 8, "unknown kind 'shared'",
		"one of: private, coherent");
	refused("[[device]]\nname = \"gpu\"\nsize = \"1 MiB\"\n"
		"block_size = \"384 KiB\"\n", 4, 14,
		"device 'gpu': block size 393216 does not divide size 1048576 "
		"in pages", NULL);
	refused(DEV DEV, 6, 8, "duplicate device 'gpu'", NULL);
	refused(DEV "colour = 1\n", 5, 1,
		"unknown key 'colour' in [[device]]", NULL);
	refused("[device_policy]\neviction = \"lru\"\n", 1, 1,
		"[device_policy] without a [[device]]",
		"declare a device first: [[device]] name = ..., size = ...");
	refused(DEV "[device_policy]\neviction = [\"lru\", \"lfu\"]\n", 6, 20,
		"unknown eviction policy 'lfu'",
		"did you mean 'lru'? eviction policies: lru, fifo, random, "
		"pin-aware");
	refused(DEV "[device_policy]\nmigration = [\"on-fault\", \"on-fault\"]\n",
		6, 26, "migration policy 'on-fault' is listed twice", NULL);
}

#define ACTOR(steps) "[[actor]]\nname = \"a\"\nmode = \"supervisor\"\n" \
		     "script = [ " steps " ]\n"

static void test_device_step_errors(void **state)
{
	(void)state;
	refused(DEV ACTOR("{ device_online = \"gpx\" }"), 8, 30,
		"unknown device 'gpx'", "did you mean 'gpu'?");
	refused(DEV ACTOR("{ touch = \"map:buf\" }"), 8, 22,
		"no map step is named 'buf'",
		"map it first: { map = \"1 MiB\", as = \"...\" }");
	refused(DEV ACTOR("{ map = \"1 MiB\" }"), 8, 12,
		"a map step needs 'as', the mapping's name",
		"write { map = \"1 MiB\", as = \"buf\" }");
	refused(DEV ACTOR("{ map = 4096, as = \"b\" }, { migrate = \"b\" }"), 8,
		38, "'migrate' needs 'to'",
		"write to = \"<device>\" or to = \"ram\"");
	refused(DEV ACTOR("{ device_online = \"gpu\", attr = \"cacheable\" }"),
		8, 44, "'attr' tags a heap region: blocks online for the kernel",
		"add zone = \"kernel\"");
	refused(DEV ACTOR("{ device_offline = \"gpu\", zone = \"kernel\" }"), 8,
		12, "'zone' and 'attr' are for device_online",
		"an offline takes blocks as they are");
	refused(DEV ACTOR("{ alloc = 64, attr = \"shiny\" }"), 8, 33,
		"'attr' must name a heap region attribute",
		"attributes: cacheable, non-cacheable");
	refused(ACTOR("{ alloc = 64, attr = \"cacheable\" }"), 4, 33,
		"an allocation by attribute needs a [[device]]",
		"regions are device blocks onlined with zone = \"kernel\"");
	refused(ACTOR("{ touch = \"stack\", device = \"gpu\" }"), 4, 22,
		"'device' is for touches of a mapping",
		"a device touches mappings: touch = \"map:<name>\"");
	refused(DEV ACTOR("{ pin = \"b\", longterm = 1 }, { map = 1, as = \"b\" }"),
		8, 36, "'longterm' must be true or false, not an integer", NULL);
	/* device is a metric family: not an actor's name */
	refused("[[actor]]\nname = \"device\"\nscript = [ { sleep = 1 } ]\n", 2,
		8, "actor name 'device' is reserved",
		"choose another name: this one names a metric family");
}

static void test_metric_names(void **state)
{
	(void)state;
	refused(DEV "[expect]\nall = \"device.gpu.pgmigrate_sucess == 0\"\n", 6,
		8, "unknown metric 'device.gpu.pgmigrate_sucess'",
		"did you mean 'pgmigrate_success'? device stats: "
		"pgmigrate_success, pgmigrate_fail, cpu_faults, pages_lost, ...");
	refused(DEV "[expect]\nall = \"device.npu.pages_lost == 0\"\n", 6, 8,
		"unknown metric 'device.npu.pages_lost'",
		"no [[device]] named 'npu'");
	refused("[expect]\nall = \"device.gpu.pages_lost == 0\"\n", 2, 8,
		"unknown metric 'device.gpu.pages_lost'",
		"the scenario declares no [[device]]");
}

static const char *const scenario =
	"[[device]]\nname = \"cxl\"\nsize = \"1 MiB\"\n"
	"block_size = \"256 KiB\"\nkind = \"coherent\"\ninit_tick = 50\n"
	"[device_policy]\nmigration = [\"on-fault\", \"explicit\"]\n"
	"eviction = [\"lru\", \"fifo\", \"random\"]\n"
	"[[actor]]\nname = \"drv\"\nmode = \"supervisor\"\nstart = 50\n"
	"script = [\n"
	"  { device_online = \"cxl\", blocks = 2 },\n"
	"  { device_online = \"cxl\", first = 3, zone = \"kernel\", attr = \"cacheable\" },\n"
	"  { alloc = 100, attr = \"cacheable\", as = \"k\" },\n"
	"  { alloc = 100, attr = \"non-cacheable\" },\n"
	"  { map = \"64 KiB\", as = \"buf\" },\n"
	"  { touch = \"map:buf\", device = \"cxl\", access = \"write\" },\n"
	"  { migrate = \"buf\", to = \"ram\", bytes = 8192 },\n"
	"  { pin = \"buf\", offset = 16384, bytes = 1, longterm = true },\n"
	"  { device_offline = \"cxl\", first = 3 },\n"
	"  { free = \"k\" },\n"
	"  { device_offline = \"cxl\", first = 3 },\n"
	"]\n"
	"[expect]\nall = [ \"device.cxl.pgmigrate_to_ram == 2\",\n"
	"  \"device.cxl.pin_refused == 1\", \"drv.granted == 1\",\n"
	"  \"drv.denied_nomem == 1\", \"device.cxl.offline_busy == 1\",\n"
	"  \"device.cxl.pages_placed == 16\" ]\n";

/* The combinations in order (migration outer, eviction inner), each run
 * by its label and meeting the expectations; an unknown label refused. */
static void test_combinations_and_a_run(void **state)
{
	struct ms_scenario_error err = { 0 };
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *r;
	struct ms_scenario *sc;
	double v;

	(void)state;
	assert_int_equal(ms_scenario_load_string(scenario, "s.toml", &sc, &err),
			 0);
	assert_int_equal(ms_scenario_device_policy_count(sc), 6);
	assert_string_equal(ms_scenario_device_policy(sc, 0),
			    "first-touch+on-fault+lru+owner");
	assert_string_equal(ms_scenario_device_policy(sc, 2),
			    "first-touch+on-fault+random+owner");
	assert_string_equal(ms_scenario_device_policy(sc, 4),
			    "first-touch+explicit+fifo+owner");
	assert_null(ms_scenario_device_policy(sc, 6));
	assert_int_equal(ms_scenario_check(sc, &err), 0);
	for (size_t i = 0; i < 6; i++) {
		ms_scenario_run_opts_init(&o);
		o.device_policy = ms_scenario_device_policy(sc, i);
		assert_int_equal(ms_scenario_run(sc, &o, &r, &err), 0);
		for (size_t k = 0; k < r->n_expects; k++)
			if (!r->expects[k].pass)
				print_error("%s: %s (actual %g)\n",
					    o.device_policy, r->expects[k].text,
					    r->expects[k].actual);
		assert_int_equal(r->n_expects_failed, 0);
		assert_string_equal(r->device_policy, o.device_policy);
		assert_int_equal(ms_scenario_result_metric(r,
				 "device.cxl.frames_pinned", &v), 0);
		assert_true(v == 0);
		ms_scenario_result_free(r);
	}
	ms_scenario_run_opts_init(&o);
	o.device_policy = "first-touch+on-fault+mru+owner";
	assert_int_equal(ms_scenario_run(sc, &o, &r, &err), -EINVAL);
	assert_string_equal(err.message, "device policy "
			    "'first-touch+on-fault+mru+owner' is not one the "
			    "scenario names ([device_policy])");
	ms_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_table_errors),
		cmocka_unit_test(test_device_step_errors),
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test(test_combinations_and_a_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
