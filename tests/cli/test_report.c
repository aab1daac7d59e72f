/* SPDX-License-Identifier: MIT */
/*
 * The report library (include/memsim/report.h) on its own: verdicts,
 * slowdown, and the exact bytes the writers produce for results built by
 * hand (escaping, number formatting, host figures left out), then the
 * trace of a real run. The memsim program is tested end to end by the
 * cli-* tests.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <memsim/memsim.h>

/* ---- results built by hand ---------------------------------------------- */

struct fixture {
	struct ms_scenario_result res;
	struct ms_scenario_actor_result actors[2];
	struct ms_scenario_group_result groups[2];
	struct ms_scenario_fault faults[1];
	struct ms_scenario_expect_result expects[2];
	struct ms_scenario_stat stats[2];
	struct ms_scenario_sample samples[2];
	uint64_t bytes[2][2];
};

static void fixture_init(struct fixture *f)
{
	struct ms_scenario_result *r = &f->res;

	memset(f, 0, sizeof(*f));
	snprintf(r->scenario, sizeof(r->scenario), "q\"uote\\back\nnl\x01");
	snprintf(r->file, sizeof(r->file), "dir/x.toml");
	snprintf(r->policy, sizeof(r->policy), "a<b&c");
	r->seed = 42;
	r->tick_limit = 1000;
	r->final_tick = 900;
	r->status = MS_RUN_DONE;
	r->event_hash = 0x0123456789abcdefull;
	r->event_count = 77;
	r->heap_size = 4096;
	r->heap_used = 128;
	r->heap_peak = 2048;
	r->heap_fragmentation = 0.25;

	snprintf(f->actors[0].name, MS_SCENARIO_NAME_MAX, "spam");
	f->actors[0].role = MS_ROLE_ATTACKER;
	snprintf(f->actors[0].group, MS_SCENARIO_NAME_MAX, "g,1");
	f->actors[0].user = true;
	f->actors[0].count = 2;
	f->actors[0].c = (struct ms_scenario_counters){
		.instances = 2, .requested = 50, .granted = 40,
		.denied_quota = 10, .peak_bytes = 1920,
	};
	snprintf(f->actors[1].name, MS_SCENARIO_NAME_MAX, "work");
	f->actors[1].role = MS_ROLE_VICTIM;
	snprintf(f->actors[1].group, MS_SCENARIO_NAME_MAX, "w");
	f->actors[1].count = 1;
	f->actors[1].c = (struct ms_scenario_counters){
		.instances = 1, .requested = 4, .granted = 4, .peak_bytes = 48,
		.completion_tick = 600,
	};
	r->n_actors = 2;
	r->actors = f->actors;

	snprintf(f->groups[0].name, MS_SCENARIO_NAME_MAX, "g,1");
	f->groups[0].id = 1;
	f->groups[0].c = f->actors[0].c;
	snprintf(f->groups[1].name, MS_SCENARIO_NAME_MAX, "w");
	f->groups[1].id = 2;
	f->groups[1].c = f->actors[1].c;
	r->n_groups = 2;
	r->groups = f->groups;
	r->roles[MS_ROLE_ATTACKER] = f->actors[0].c;
	r->roles[MS_ROLE_VICTIM] = f->actors[1].c;
	r->total.requested = 54;

	f->faults[0].fault.kind = MS_FAULT_STACK_OVERFLOW;
	f->faults[0].fault.reason = MS_ERR_STACK_CHK_FAIL;
	f->faults[0].fault.access = MS_ACCESS_WRITE;
	f->faults[0].fault.tid = 3;
	f->faults[0].fault.tick = 123;
	snprintf(f->faults[0].fault.object, MS_FAULT_NAME_MAX, "stack:spam[1]");
	f->faults[0].fault.offset = 8;
	snprintf(f->faults[0].fault.detail, 128, "guard below");
	f->faults[0].fault.bt_depth = 2;
	snprintf(f->faults[0].fault.bt[0], MS_FAULT_NAME_MAX, "f+0x1");
	snprintf(f->faults[0].fault.bt[1], MS_FAULT_NAME_MAX, "g+0x2");
	snprintf(f->faults[0].thread, 32, "spam[1]");
	snprintf(f->faults[0].actor, MS_SCENARIO_NAME_MAX, "spam");
	r->n_faults = 1;
	r->faults = f->faults;
	r->fault_kinds[MS_FAULT_STACK_OVERFLOW] = 1;

	snprintf(f->expects[0].text, MS_SCENARIO_MSG_MAX, "work.denied == 0");
	snprintf(f->expects[0].metric, 128, "work.denied");
	f->expects[0].op = MS_EXPECT_EQ;
	f->expects[0].pass = true;
	f->expects[0].line = 9;
	f->expects[0].column = 3;
	snprintf(f->expects[1].text, MS_SCENARIO_MSG_MAX,
		 "metrics.attacker_share < 0.4");
	snprintf(f->expects[1].metric, 128, "metrics.attacker_share");
	f->expects[1].op = MS_EXPECT_LT;
	f->expects[1].expected = 0.4;
	f->expects[1].actual = 0.46875;
	f->expects[1].pass = false;
	snprintf(f->expects[1].policy, MS_SCENARIO_NAME_MAX, "a<b&c");
	f->expects[1].line = 10;
	f->expects[1].column = 5;
	r->n_expects = 2;
	r->n_expects_failed = 1;
	r->expects = f->expects;

	snprintf(f->stats[0].name, 128, "pool.p.used");
	f->stats[0].value = 96;
	snprintf(f->stats[1].name, 128, "odd");
	f->stats[1].value = 1.5;
	r->n_stats = 2;
	r->stats = f->stats;

	f->bytes[0][0] = 0;
	f->bytes[0][1] = 0;
	f->bytes[1][0] = 1920;
	f->bytes[1][1] = 48;
	f->samples[0] = (struct ms_scenario_sample){ .tick = 0, .heap_used = 0,
						     .group_bytes = f->bytes[0] };
	f->samples[1] = (struct ms_scenario_sample){ .tick = 500,
						     .heap_used = 1968,
						     .group_bytes = f->bytes[1] };
	r->sample_every = 500;
	r->n_samples = 2;
	r->samples = f->samples;

	r->metrics = (struct ms_scenario_metrics){
		.has_victims = true, .victim_success = 1.0,
		.has_attackers = true, .attacker_share = 0.46875,
		.attacker_peak_bytes = 1920, .exhausted = false,
		.collateral_denials = 0, .victim_completion_tick = 600,
	};
	r->host.wall_seconds = 0.5;
	r->host.max_rss_kib = 1234;
}

/* Run a writer into memory; returns the text (free it). */
static char *write_with(int (*fn)(const struct ms_report *, FILE *),
			const struct ms_report *rep, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ret = fn(rep, f);
	fclose(f);
	return buf;
}

static struct ms_report *report_of(struct fixture *f,
				   const struct ms_scenario_result *base,
				   unsigned flags)
{
	struct ms_report *rep;

	assert_int_equal(ms_report_new("run", &rep), 0);
	assert_int_equal(ms_report_add(rep, &f->res, base), 0);
	ms_report_set_flags(rep, flags);
	return rep;
}

/* ---- verdicts and slowdown ------------------------------------------------ */

static void test_verdict_order(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct fixture *b = malloc(sizeof(*b));

	fixture_init(f);
	fixture_init(b);
	b->res.metrics.victim_completion_tick = 300;

	/* 600 / 300 = 2x: slowed */
	assert_int_equal(ms_report_verdict(&f->res, &b->res),
			 MS_VERDICT_VICTIM_SLOWED);
	/* no baseline: nothing to compare with */
	assert_int_equal(ms_report_verdict(&f->res, NULL), MS_VERDICT_PROTECTS);
	b->res.metrics.victim_completion_tick = 500;	/* 1.2x */
	assert_int_equal(ms_report_verdict(&f->res, &b->res),
			 MS_VERDICT_PROTECTS);
	f->res.metrics.victim_completion_tick = 0;
	assert_int_equal(ms_report_verdict(&f->res, &b->res),
			 MS_VERDICT_VICTIM_UNFINISHED);
	f->res.metrics.has_victims = false;
	assert_int_equal(ms_report_verdict(&f->res, &b->res),
			 MS_VERDICT_NO_VICTIM);
	f->res.metrics.collateral_denials = 2;
	assert_int_equal(ms_report_verdict(&f->res, &b->res),
			 MS_VERDICT_TOO_TIGHT);
	f->res.roles[MS_ROLE_VICTIM].denied_nomem = 1;
	assert_int_equal(ms_report_verdict(&f->res, &b->res),
			 MS_VERDICT_VICTIM_STARVED);
	f->res.status = MS_RUN_PANIC;
	assert_int_equal(ms_report_verdict(&f->res, &b->res), MS_VERDICT_PANIC);

	assert_string_equal(ms_verdict_text(MS_VERDICT_TOO_TIGHT),
			    "too tight: collateral denials");
	assert_string_equal(ms_verdict_name(MS_VERDICT_PROTECTS), "protects");
	assert_string_equal(ms_verdict_text(MS_VERDICT__COUNT), "?");
	free(f);
	free(b);
}

/* The IPC sends of a role come from the "ipc.<actor>.*" stats, and a
 * victim's refused send is the verdict right after a panic. */
static void test_ipc_sends_and_verdict(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_scenario_stat st[4] = {
		{ "ipc.spam.sent", 8 }, { "ipc.spam.refused", 52 },
		{ "ipc.work.sent", 0 }, { "ipc.work.refused", 1 },
	};
	uint64_t sent = 99, refused = 99;

	fixture_init(f);
	/* no IPC mode: no IPC figures, whatever the stats */
	assert_int_equal(ms_report_ipc_sends(&f->res, MS_ROLE_VICTIM, &sent,
					     &refused), -ENODATA);
	assert_int_equal(sent, 0);
	assert_int_equal(refused, 0);
	assert_int_equal(ms_report_ipc_sends(NULL, MS_ROLE_VICTIM, &sent,
					     &refused), -EINVAL);

	snprintf(f->res.ipc_mode, sizeof(f->res.ipc_mode), "receiver-pays");
	f->res.stats = st;
	f->res.n_stats = 4;
	assert_int_equal(ms_report_ipc_sends(&f->res, MS_ROLE_ATTACKER, &sent,
					     &refused), 0);
	assert_int_equal(sent, 8);
	assert_int_equal(refused, 52);
	assert_int_equal(ms_report_ipc_sends(&f->res, MS_ROLE_VICTIM, &sent,
					     &refused), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(refused, 1);
	assert_int_equal(ms_report_ipc_sends(&f->res, MS_ROLE_NEUTRAL, &sent,
					     &refused), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(refused, 0);

	/* before victim-starved, after panic */
	f->res.roles[MS_ROLE_VICTIM].denied_nomem = 1;
	assert_int_equal(ms_report_verdict(&f->res, NULL),
			 MS_VERDICT_VICTIM_IPC_REFUSED);
	f->res.status = MS_RUN_PANIC;
	assert_int_equal(ms_report_verdict(&f->res, NULL), MS_VERDICT_PANIC);
	f->res.status = MS_RUN_DONE;
	f->res.roles[MS_ROLE_VICTIM].denied_nomem = 0;
	st[3].value = 0;
	assert_int_equal(ms_report_verdict(&f->res, NULL), MS_VERDICT_PROTECTS);
	assert_string_equal(ms_verdict_name(MS_VERDICT_VICTIM_IPC_REFUSED),
			    "victim-ipc-refused");
	assert_string_equal(ms_verdict_text(MS_VERDICT_VICTIM_IPC_REFUSED),
			    "victim's messages refused");
	free(f);
}

static void test_victim_slowdown(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct fixture *b = malloc(sizeof(*b));
	double s = -1;

	fixture_init(f);
	fixture_init(b);
	assert_int_equal(ms_report_victim_slowdown(&f->res, NULL, &s), -ENODATA);
	assert_int_equal(ms_report_victim_slowdown(NULL, &b->res, &s), -EINVAL);
	b->res.metrics.victim_completion_tick = 400;
	assert_int_equal(ms_report_victim_slowdown(&f->res, &b->res, &s), 0);
	assert_true(s == 1.5);
	b->res.metrics.victim_completion_tick = 0;
	assert_int_equal(ms_report_victim_slowdown(&f->res, &b->res, &s),
			 -ENODATA);
	free(f);
	free(b);
}

static void test_report_add_refuses(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_report *rep;

	fixture_init(f);
	assert_int_equal(ms_report_new(NULL, NULL), -EINVAL);
	assert_int_equal(ms_report_new(NULL, &rep), 0);
	assert_int_equal(ms_report_add(rep, NULL, NULL), -EINVAL);
	f->res.without_attackers = true;
	assert_int_equal(ms_report_add(rep, &f->res, NULL), -EINVAL);
	assert_int_equal(ms_report_count(rep), 0);
	f->res.without_attackers = false;
	assert_int_equal(ms_report_add(rep, &f->res, NULL), 0);
	assert_int_equal(ms_report_count(rep), 1);
	assert_ptr_equal(ms_report_result(rep, 0), &f->res);
	assert_null(ms_report_result(rep, 1));
	/* one expectation failed */
	assert_false(ms_report_ok(rep));
	f->res.n_expects_failed = 0;
	assert_true(ms_report_ok(rep));
	assert_int_equal(ms_report_write_text(rep, NULL), -EINVAL);
	assert_int_equal(ms_report_write_json(NULL, stdout), -EINVAL);
	ms_report_free(rep);
	free(f);
}

/* ---- the writers' exact output ---------------------------------------- */

static void test_json_escaping_and_numbers(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_report *rep;
	char *s;
	int ret;

	fixture_init(f);
	rep = report_of(f, NULL, MS_REPORT_NO_HOST);
	s = write_with(ms_report_write_json, rep, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(s, "{\n  \"schema\": \"memsim-report/1\",\n"));
	assert_non_null(strstr(s,
		"    \"name\": \"q\\\"uote\\\\back\\nnl\\u0001\",\n"));
	assert_non_null(strstr(s, "      \"policy\": \"a<b&c\",\n"));
	assert_non_null(strstr(s, "      \"event_hash\": \"0x0123456789abcdef\",\n"));
	assert_non_null(strstr(s, "        \"fragmentation\": 0.250000\n"));
	assert_non_null(strstr(s, "        \"pool.p.used\": 96,\n"));
	assert_non_null(strstr(s, "        \"odd\": 1.500000\n"));
	assert_non_null(strstr(s, "            \"expected\": 0.400000,\n"));
	assert_non_null(strstr(s, "            \"actual\": 0.468750,\n"));
	assert_non_null(strstr(s, "            \"policy\": \"a<b&c\",\n"));
	assert_non_null(strstr(s, "        \"attacker_share\": 0.468750,\n"));
	assert_non_null(strstr(s, "        \"time_to_exhaustion\": null,\n"));
	assert_non_null(strstr(s, "        \"victim_slowdown\": null,\n"));
	assert_non_null(strstr(s, "        \"verdict\": \"protects\",\n"));
	assert_non_null(strstr(s, "  \"status\": \"fail\",\n"));
	assert_non_null(strstr(s, "          \"stack-overflow\": 1,\n"));
	assert_non_null(strstr(s, "            \"reason\": \"K_ERR_STACK_CHK_FAIL\",\n"));
	/* host figures are out */
	assert_null(strstr(s, "\"host\""));
	assert_null(strstr(s, "backtrace"));
	assert_null(strstr(s, "f+0x1"));
	assert_string_equal(s + strlen(s) - 3, "\n}\n");
	free(s);

	/* and in without the flag */
	ms_report_set_flags(rep, 0);
	s = write_with(ms_report_write_json, rep, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(s, "            \"backtrace\": [\n"
				  "              \"f+0x1\",\n"
				  "              \"g+0x2\"\n"
				  "            ]\n"));
	assert_non_null(strstr(s, "  \"host\": {\n    \"wall_seconds\": 0.500000,\n"
				  "    \"max_rss_kib\": 1234,\n"));
	free(s);
	ms_report_free(rep);
	free(f);
}

static void test_json_nan_is_null(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_report *rep;
	char *s;
	int ret;

	fixture_init(f);
	f->res.heap_fragmentation = NAN;
	f->res.metrics.attacker_share = -0.0;
	rep = report_of(f, NULL, MS_REPORT_NO_HOST);
	s = write_with(ms_report_write_json, rep, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(s, "        \"fragmentation\": null\n"));
	assert_non_null(strstr(s, "        \"attacker_share\": 0.000000,\n"));
	free(s);
	ms_report_free(rep);
	free(f);
}

static void test_text_tables(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct fixture *b = malloc(sizeof(*b));
	struct ms_report *rep;
	char *s;
	int ret;

	fixture_init(f);
	fixture_init(b);
	b->res.without_attackers = true;
	b->res.metrics.victim_completion_tick = 400;
	rep = report_of(f, &b->res, MS_REPORT_NO_HOST);
	s = write_with(ms_report_write_text, rep, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(s,
		"Actors\n"
		"  actor  role      group  threads  requested  granted  "
		"denied-quota  denied-heap  peak-bytes\n"
		"  spam   attacker  g,1          2         50       40  "
		"          10            0        1920\n"
		"  work   victim    w            1          4        4  "
		"           0            0          48\n"));
	assert_non_null(strstr(s,
		"  size 4096 B, peak 2048 B (50.0%), in use at the end 128 B, "
		"fragmentation 25.0%\n"
		"  pool  used\n"
		"  p       96\n"
		"  odd  1.5000\n"));
	assert_non_null(strstr(s,
		"  stack-overflow in thread spam[1] (tid 3) at tick 123, "
		"object stack:spam[1] offset 8\n    guard below\n"));
	assert_non_null(strstr(s,
		"  victim slowdown     1.50x (tick 600 against 400 without "
		"the attackers)\n"));
	assert_non_null(strstr(s, "  verdict             protects the victim\n"));
	assert_non_null(strstr(s,
		"Expectations: 1 of 2 hold\n"
		"  PASS  work.denied == 0              actual 0\n"
		"  FAIL  metrics.attacker_share < 0.4  actual 0.4688  "
		"dir/x.toml:10:5\n"));
	assert_non_null(strstr(s, "Result: FAIL (1 expectation failed)\n"));
	assert_null(strstr(s, "backtrace"));
	assert_null(strstr(s, "Host"));
	/* no line ends in a blank */
	assert_null(strstr(s, " \n"));
	free(s);

	ms_report_set_flags(rep, 0);
	s = write_with(ms_report_write_text, rep, &ret);
	assert_non_null(strstr(s, "    backtrace: f+0x1 < g+0x2\n"));
	assert_non_null(strstr(s, "Host (wall clock; not part of the "
				  "simulated result, left out by --no-host)\n"
				  "  a<b&c  500.0 ms  (baseline 500.0 ms)\n"));
	free(s);
	ms_report_free(rep);
	free(f);
	free(b);
}

static void test_csv_quoting(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_report *rep;
	char *s;
	int ret;

	fixture_init(f);
	snprintf(f->res.policy, sizeof(f->res.policy), "p\"q");
	rep = report_of(f, NULL, 0);
	s = write_with(ms_report_write_csv, rep, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(s, "policy,tick,heap_used,\"g,1\",w\n"
			       "\"p\"\"q\",0,0,0,0\n"
			       "\"p\"\"q\",500,1968,1920,48\n");
	free(s);
	ms_report_free(rep);
	free(f);
}

static void test_svg_escaping(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_report *rep;
	char *s;
	int ret;

	fixture_init(f);
	rep = report_of(f, NULL, 0);
	s = write_with(ms_report_write_svg, rep, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<svg xmlns=\"http://www.w3.org/2000/svg\" "
				    "width=\"960\" height=\"330\"", 96), 0);
	assert_non_null(strstr(s, ">policy a&lt;b&amp;c: heap bytes held per "
				  "group</text>\n"));
	assert_non_null(strstr(s, ">g,1</text>\n"));
	assert_null(strstr(s, "a<b"));
	assert_string_equal(s + strlen(s) - 7, "</svg>\n");
	free(s);
	ms_report_free(rep);
	free(f);
}

static void test_write_error_is_eio(void **state)
{
	struct fixture *f = malloc(sizeof(*f));
	struct ms_report *rep;
	FILE *full = fopen("/dev/full", "w");

	if (!full) {
		free(f);
		skip();
	}
	fixture_init(f);
	rep = report_of(f, NULL, 0);
	assert_int_equal(ms_report_write_json(rep, full), -EIO);
	clearerr(full);
	assert_int_equal(ms_report_write_text(rep, full), -EIO);
	fclose(full);
	ms_report_free(rep);
	free(f);
}

/* ---- a real run: the trace ------------------------------------------------- */

static const char scenario[] =
	"[sim]\n"
	"seed = 3\n"
	"time_slice = 20\n"
	"[kernel]\n"
	"heap_size = 4096\n"
	"[quota]\n"
	"policy = \"count\"\n"
	"[quota.count]\n"
	"limit = 4\n"
	"[[actor]]\n"
	"name = \"spam\"\n"
	"role = \"attacker\"\n"
	"script = [ { repeat = 10, do = [ { alloc = 32 }, { yield = 1 } ] } ]\n"
	"[[actor]]\n"
	"name = \"work\"\n"
	"role = \"victim\"\n"
	"script = [ { repeat = 3, do = [ { alloc = 16, as = \"b\" },"
	" { sleep = 7 }, { free = \"b\" } ] } ]\n";

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void test_trace_of_a_run(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_error err;
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *res, *nosim;
	struct ms_report *rep;
	uint64_t end = 0;
	char *s;
	int ret;

	assert_int_equal(ms_scenario_load_string(scenario, "t.toml", &sc, &err),
			 0);
	ms_scenario_run_opts_init(&o);
	o.keep_sim = true;
	assert_int_equal(ms_scenario_run(sc, &o, &res, &err), 0);
	o.keep_sim = false;
	assert_int_equal(ms_scenario_run(sc, &o, &nosim, &err), 0);

	assert_int_equal(ms_report_new("run", &rep), 0);
	assert_int_equal(ms_report_add(rep, res, NULL), 0);
	s = write_with(ms_report_write_trace, rep, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(strncmp(s, "{\"otherData\":{\"generator\":\"memsim\"", 34),
			 0);
	assert_non_null(strstr(s, "\"time_unit\":\"simulated ticks: 1 tick is "
				  "written as 1 microsecond\""));
	assert_non_null(strstr(s, "{\"name\":\"process_name\",\"ph\":\"M\","
				  "\"pid\":1,\"tid\":0,\"args\":{\"name\":"
				  "\"policy count\"}}"));
	/* every denial and allocation is an instant */
	assert_int_equal(count(s, "\"name\":\"deny-quota\""),
			 res->total.denied_quota);
	assert_int_equal(res->total.denied_quota, 6);
	assert_int_equal(count(s, "\"name\":\"alloc\""), res->total.granted);
	/* every track carries its thread's name, faulted or not */
	assert_int_equal(res->n_threads, 2);
	assert_int_equal(res->threads[0].tid, 1);
	assert_string_equal(res->threads[0].name, "spam");
	assert_string_equal(res->threads[0].actor, "spam");
	assert_int_equal(res->threads[1].tid, 2);
	assert_string_equal(res->threads[1].name, "work");
	assert_non_null(strstr(s, "{\"name\":\"thread_name\",\"ph\":\"M\","
				  "\"pid\":1,\"tid\":2,\"args\":{\"name\":"
				  "\"work\"}}"));
	assert_null(strstr(s, "\"name\":\"thread 2\""));
	/* running slices never overlap and stay within the run */
	for (const char *p = strstr(s, "\"name\":\"running\""); p;
	     p = strstr(p + 1, "\"name\":\"running\"")) {
		unsigned long long ts, dur;
		const char *q = strstr(p, "\"ts\":");

		assert_int_equal(sscanf(q, "\"ts\":%llu,\"dur\":%llu", &ts, &dur),
				 2);
		assert_true(dur > 0);
		assert_true(ts >= end);
		end = ts + dur;
	}
	assert_true(end > 0 && end <= res->final_tick);
	assert_string_equal(s + strlen(s) - 4, "\n]}\n");
	free(s);

	/* a run that did not keep its sim has no event log to trace */
	assert_int_equal(ms_report_add(rep, nosim, NULL), 0);
	s = write_with(ms_report_write_trace, rep, &ret);
	assert_int_equal(ret, -ENODATA);
	free(s);

	ms_report_free(rep);
	ms_scenario_result_free(nosim);
	ms_scenario_result_free(res);
	ms_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_order),
		cmocka_unit_test(test_ipc_sends_and_verdict),
		cmocka_unit_test(test_victim_slowdown),
		cmocka_unit_test(test_report_add_refuses),
		cmocka_unit_test(test_json_escaping_and_numbers),
		cmocka_unit_test(test_json_nan_is_null),
		cmocka_unit_test(test_text_tables),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_svg_escaping),
		cmocka_unit_test(test_write_error_is_eio),
		cmocka_unit_test(test_trace_of_a_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
