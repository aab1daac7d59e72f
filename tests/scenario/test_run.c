/* SPDX-License-Identifier: MIT */
/*
 * Running scenarios through the API: determinism (same scenario and seed,
 * identical results; another seed, another hash), the run options (seed,
 * policy, baseline without attackers, sampling, progress, keeping the sim),
 * and the exact counts the runner attributes to actors, groups and roles.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <memsim/memsim.h>

#define SCENARIO(p) MS_SOURCE_ROOT "/scenarios/" p

static struct ms_scenario *load(const char *path)
{
	struct ms_scenario *sc = NULL;
	struct ms_scenario_error err;
	int ret = ms_scenario_load_file(path, &sc, &err);

	if (ret)
		print_error("%s", err.text);
	assert_int_equal(ret, 0);
	return sc;
}

static struct ms_scenario *load_text(const char *text)
{
	struct ms_scenario *sc = NULL;
	struct ms_scenario_error err;
	int ret = ms_scenario_load_string(text, "test.toml", &sc, &err);

	if (ret)
		print_error("%s", err.text);
	assert_int_equal(ret, 0);
	return sc;
}

static struct ms_scenario_result *run(const struct ms_scenario *sc,
				      const char *policy, bool seed_set,
				      uint64_t seed)
{
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *r = NULL;
	struct ms_scenario_error err;
	int ret;

	ms_scenario_run_opts_init(&o);
	o.policy = policy;
	o.seed_set = seed_set;
	o.seed = seed;
	ret = ms_scenario_run(sc, &o, &r, &err);
	if (ret)
		print_error("%s", err.text);
	assert_int_equal(ret, 0);
	return r;
}

static void counters_equal(const struct ms_scenario_counters *a,
			   const struct ms_scenario_counters *b)
{
	assert_memory_equal(a, b, sizeof(*a));
}

/* Every simulated figure of two results is the same (host figures aside). */
static void results_equal(const struct ms_scenario_result *a,
			  const struct ms_scenario_result *b)
{
	assert_string_equal(a->scenario, b->scenario);
	assert_string_equal(a->policy, b->policy);
	assert_int_equal(a->seed, b->seed);
	assert_int_equal(a->final_tick, b->final_tick);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->event_hash, b->event_hash);
	assert_int_equal(a->event_count, b->event_count);
	assert_int_equal(a->heap_size, b->heap_size);
	assert_int_equal(a->heap_used, b->heap_used);
	assert_int_equal(a->heap_peak, b->heap_peak);
	assert_true(a->heap_fragmentation == b->heap_fragmentation);
	assert_int_equal(a->n_actors, b->n_actors);
	for (size_t i = 0; i < a->n_actors; i++) {
		assert_string_equal(a->actors[i].name, b->actors[i].name);
		counters_equal(&a->actors[i].c, &b->actors[i].c);
	}
	assert_int_equal(a->n_groups, b->n_groups);
	for (size_t i = 0; i < a->n_groups; i++)
		counters_equal(&a->groups[i].c, &b->groups[i].c);
	for (int i = 0; i < MS_ROLE__COUNT; i++)
		counters_equal(&a->roles[i], &b->roles[i]);
	counters_equal(&a->total, &b->total);
	assert_int_equal(a->n_faults, b->n_faults);
	for (size_t i = 0; i < a->n_faults; i++) {
		assert_int_equal(a->faults[i].fault.kind, b->faults[i].fault.kind);
		assert_int_equal(a->faults[i].fault.tick, b->faults[i].fault.tick);
		assert_int_equal(a->faults[i].fault.offset,
				 b->faults[i].fault.offset);
		assert_string_equal(a->faults[i].fault.object,
				    b->faults[i].fault.object);
		assert_string_equal(a->faults[i].thread, b->faults[i].thread);
	}
	assert_int_equal(a->n_expects, b->n_expects);
	for (size_t i = 0; i < a->n_expects; i++) {
		assert_true(a->expects[i].actual == b->expects[i].actual);
		assert_int_equal(a->expects[i].pass, b->expects[i].pass);
	}
	assert_int_equal(a->n_stats, b->n_stats);
	for (size_t i = 0; i < a->n_stats; i++)
		assert_true(a->stats[i].value == b->stats[i].value);
	assert_int_equal(a->sample_every, b->sample_every);
	assert_int_equal(a->n_samples, b->n_samples);
	for (size_t i = 0; i < a->n_samples; i++) {
		assert_int_equal(a->samples[i].tick, b->samples[i].tick);
		assert_int_equal(a->samples[i].heap_used, b->samples[i].heap_used);
		assert_memory_equal(a->samples[i].group_bytes,
				    b->samples[i].group_bytes,
				    a->n_groups * sizeof(uint64_t));
	}
	assert_memory_equal(&a->metrics, &b->metrics, sizeof(a->metrics));
}

static void test_same_seed_identical_results(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("heap/random-workload.toml"));

	for (size_t p = 0; p < ms_scenario_policy_count(sc); p++) {
		struct ms_scenario_result *a = run(sc, ms_scenario_policy(sc, p),
						   false, 0);
		struct ms_scenario_result *b = run(sc, ms_scenario_policy(sc, p),
						   false, 0);

		results_equal(a, b);
		ms_scenario_result_free(a);
		ms_scenario_result_free(b);
	}
	ms_scenario_free(sc);
}

static void test_other_seed_changes_hash(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("heap/random-workload.toml"));
	struct ms_scenario_result *a = run(sc, "bytes", false, 0);
	struct ms_scenario_result *b = run(sc, "bytes", true, 77);
	struct ms_scenario_result *c = run(sc, "bytes", true, 77);

	assert_int_equal(a->seed, 2024);
	assert_int_equal(b->seed, 77);
	assert_int_not_equal(a->event_hash, b->event_hash);
	/* The random sizes differ, the workload's shape does not. */
	/* [[actor]] entries come first, then [[workload]] entries */
	assert_string_equal(a->actors[1].name, "clients");
	assert_int_equal(a->actors[1].c.requested, 160);
	assert_int_equal(b->actors[1].c.requested, 160);
	results_equal(b, c);
	ms_scenario_result_free(a);
	ms_scenario_result_free(b);
	ms_scenario_result_free(c);
	ms_scenario_free(sc);
}

static void test_without_attackers_baseline(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("demo.toml"));
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *with, *without;

	assert_true(ms_scenario_has_attackers(sc));
	with = run(sc, "unlimited", false, 0);
	ms_scenario_run_opts_init(&o);
	o.policy = "unlimited";
	o.without_attackers = true;
	assert_int_equal(ms_scenario_run(sc, &o, &without, NULL), 0);

	assert_true(without->without_attackers);
	assert_string_equal(without->actors[0].name, "attacker");
	assert_int_equal(without->actors[0].c.instances, 0);
	assert_int_equal(without->actors[1].c.instances, 1);
	assert_int_equal(without->actors[1].c.granted, 4);
	assert_int_equal(without->n_expects, 0);
	assert_false(without->metrics.has_attackers);
	assert_false(without->metrics.exhausted);
	/* the victim starts at 5000 and then needs 4 x (alloc, 50, free) */
	assert_true(without->metrics.victim_completion_tick > 5200);
	assert_true(with->metrics.has_attackers);
	assert_int_equal(with->actors[1].c.denied_nomem, 4);
	ms_scenario_result_free(with);
	ms_scenario_result_free(without);
	ms_scenario_free(sc);
}

/* The exact counts of a small scenario, by actor, group, role and total. */
static void test_counts_are_attributed(void **state)
{
	struct ms_scenario *sc = load_text(
		"[kernel]\nheap_size = 4096\n"
		"[quota]\npolicy = \"count\"\n[quota.count]\nlimit = 3\n"
		"[groups.g]\n"
		"[[actor]]\nname = \"a\"\nrole = \"attacker\"\ngroup = \"g\"\n"
		"script = [ { repeat = 5, do = [ { alloc = 100 } ] }, "
		"{ sleep = 10000 } ]\n"
		"[[actor]]\nname = \"v\"\nrole = \"victim\"\ngroup = \"g\"\n"
		"count = 2\n"
		"script = [ { alloc = 8, as = \"x\" }, { spawn = 1, script = ["
		" { alloc = 24 } ] }, { join = \"children\" }, { free = \"x\" } ]\n");
	struct ms_scenario_result *r = run(sc, NULL, false, 0);
	const struct ms_scenario_counters *a = &r->actors[0].c;
	const struct ms_scenario_counters *v = &r->actors[1].c;

	assert_string_equal(r->policy, "count");
	assert_int_equal(r->status, MS_RUN_DONE);
	/* a: 3 granted (limit), 2 refused by quota, 3 x 120 bytes held */
	assert_int_equal(a->instances, 1);
	assert_int_equal(a->requested, 5);
	assert_int_equal(a->granted, 3);
	assert_int_equal(a->denied_quota, 2);
	assert_int_equal(a->denied_nomem, 0);
	assert_int_equal(a->bytes_held, 3 * ms_heap_footprint(100));
	assert_int_equal(a->peak_bytes, 3 * ms_heap_footprint(100));
	assert_int_equal(a->ops, 7);
	assert_int_equal(a->syscalls, 6);
	/* v: 2 instances + 2 children; each instance frees its own block,
	 * the children's blocks stay */
	assert_int_equal(v->instances, 4);
	assert_int_equal(v->requested, 4);
	assert_int_equal(v->granted, 4);
	assert_int_equal(v->freed, 2);
	assert_int_equal(v->bytes_held, 2 * ms_heap_footprint(24));
	assert_true(v->completion_tick > 0);
	/* the group and the total are sums; peaks are of the sums */
	assert_int_equal(r->n_groups, 1);
	assert_string_equal(r->groups[0].name, "g");
	assert_false(r->groups[0].implicit);
	assert_int_equal(r->groups[0].c.requested, 9);
	assert_int_equal(r->groups[0].c.instances, 5);
	assert_int_equal(r->groups[0].c.bytes_held,
			 3 * ms_heap_footprint(100) + 2 * ms_heap_footprint(24));
	assert_int_equal(r->roles[MS_ROLE_ATTACKER].granted, 3);
	assert_int_equal(r->roles[MS_ROLE_VICTIM].granted, 4);
	assert_int_equal(r->total.requested, 9);
	assert_int_equal(r->total.denied_quota, 2);
	assert_int_equal(r->heap_used, r->total.bytes_held);
	/* the metrics */
	assert_true(r->metrics.victim_success == 1.0);
	assert_int_equal(r->metrics.attacker_peak_bytes,
			 3 * ms_heap_footprint(100));
	assert_false(r->metrics.exhausted);
	assert_int_equal(r->metrics.collateral_denials, 0);
	/* the thread table: instances first (created at the start), then
	 * the two spawned children, each the first of its spawner */
	assert_int_equal(r->n_threads, 5);
	assert_int_equal(r->threads[0].tid, 1);
	assert_string_equal(r->threads[0].name, "a");
	assert_string_equal(r->threads[0].actor, "a");
	assert_int_equal(r->threads[1].tid, 2);
	assert_string_equal(r->threads[1].name, "v[0]");
	assert_int_equal(r->threads[2].tid, 3);
	assert_string_equal(r->threads[2].name, "v[1]");
	for (size_t i = 3; i < 5; i++) {
		assert_true(r->threads[i].tid > r->threads[i - 1].tid);
		assert_string_equal(r->threads[i].name, "v.0");
		assert_string_equal(r->threads[i].actor, "v");
	}
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_implicit_groups_and_metric_lookup(void **state)
{
	struct ms_scenario *sc = load_text(
		"[[actor]]\nname = \"solo\"\nscript = [ { alloc = 16 } ]\n"
		"[expect]\nall = [\"solo.granted == 1\", "
		"\"all.peak_bytes == solo.peak_bytes\", \"heap.size > 0\"]\n");
	struct ms_scenario_result *r = run(sc, NULL, false, 0);
	double v;

	assert_int_equal(r->n_groups, 1);
	assert_string_equal(r->groups[0].name, "solo");
	assert_true(r->groups[0].implicit);
	assert_string_equal(r->actors[0].group, "solo");
	assert_int_equal(r->n_expects, 3);
	assert_int_equal(r->n_expects_failed, 0);
	assert_true(r->expects[1].expected == (double)ms_heap_footprint(16));
	assert_int_equal(ms_scenario_result_metric(r, "solo.granted", &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(ms_scenario_result_metric(r, "faults.oops", &v), 0);
	assert_true(v == 0.0);
	assert_int_equal(ms_scenario_result_metric(r, "run.completed", &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(ms_scenario_result_metric(r, "nobody.granted", &v),
			 -ENOENT);
	assert_int_equal(ms_scenario_result_metric(r, "solo", &v), -ENOENT);
	/* never exhausted: time to exhaustion reads as the end of the run */
	assert_int_equal(ms_scenario_result_metric(r,
			 "metrics.time_to_exhaustion", &v), 0);
	assert_true(v == (double)r->final_tick);
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_failed_expectation_is_reported(void **state)
{
	struct ms_scenario *sc = load_text(
		"[[actor]]\nname = \"a\"\nscript = [ { alloc = 16 } ]\n"
		"[expect]\nall = [\"a.granted == 2\", \"a.granted >= 1\"]\n");
	struct ms_scenario_result *r = run(sc, NULL, false, 0);

	assert_int_equal(r->n_expects, 2);
	assert_int_equal(r->n_expects_failed, 1);
	assert_false(ms_scenario_result_ok(r));
	assert_false(r->expects[0].pass);
	assert_string_equal(r->expects[0].text, "a.granted == 2");
	assert_string_equal(r->expects[0].metric, "a.granted");
	assert_int_equal(r->expects[0].op, MS_EXPECT_EQ);
	assert_string_equal(ms_expect_op_name(r->expects[0].op), "==");
	assert_true(r->expects[0].expected == 2.0);
	assert_true(r->expects[0].actual == 1.0);
	assert_int_equal(r->expects[0].line, 5);
	assert_int_equal(r->expects[0].column, 8);
	assert_true(r->expects[1].pass);
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_per_policy_expectations(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("demo.toml"));
	struct ms_scenario_result *u = run(sc, "unlimited", false, 0);
	struct ms_scenario_result *b = run(sc, "bytes", false, 0);

	/* all: 2, unlimited: 2, bytes: 4 */
	assert_int_equal(u->n_expects, 4);
	assert_int_equal(b->n_expects, 6);
	assert_string_equal(u->expects[0].policy, "");
	assert_string_equal(u->expects[2].policy, "unlimited");
	assert_string_equal(b->expects[2].policy, "bytes");
	assert_int_equal(u->n_expects_failed, 0);
	assert_int_equal(b->n_expects_failed, 0);
	ms_scenario_result_free(u);
	ms_scenario_result_free(b);
	ms_scenario_free(sc);
}

static void test_time_series(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("demo.toml"));
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *r;

	ms_scenario_run_opts_init(&o);
	o.sample_every = 1000;
	assert_int_equal(ms_scenario_run(sc, &o, &r, NULL), 0);
	assert_int_equal(r->sample_every, 1000);
	assert_int_equal(r->n_samples, r->final_tick / 1000 + 1 +
			 (r->final_tick % 1000 != 0));
	for (size_t i = 0; i + 1 < r->n_samples; i++)
		assert_int_equal(r->samples[i].tick, i * 1000);
	assert_int_equal(r->samples[r->n_samples - 1].tick, r->final_tick);
	assert_int_equal(r->samples[0].heap_used, 0);
	/* at the end the attacker's group holds the whole heap */
	assert_int_equal(r->samples[r->n_samples - 1].group_bytes[0],
			 r->actors[0].c.bytes_held);
	assert_int_equal(r->samples[r->n_samples - 1].heap_used, r->heap_used);
	ms_scenario_result_free(r);

	/* automatic: 200 to 400 points for a long enough run */
	assert_int_equal(ms_scenario_run(sc, NULL, &r, NULL), 0);
	assert_true(r->n_samples >= 200 && r->n_samples <= 401);
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void progress(void *user, uint64_t tick, uint64_t limit)
{
	uint64_t *calls = user;

	calls[0]++;
	calls[1] = tick;
	calls[2] = limit;
}

static void test_progress_and_kept_sim(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("demo.toml"));
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *r;
	uint64_t calls[3] = { 0 };
	struct ms_sim *sim;

	ms_scenario_run_opts_init(&o);
	o.progress = progress;
	o.progress_user = calls;
	o.progress_every = 1000;
	o.keep_sim = true;
	assert_int_equal(ms_scenario_run(sc, &o, &r, NULL), 0);
	/* called on events only: none while every thread sleeps */
	assert_true(calls[0] >= 3);
	assert_true(calls[1] <= r->final_tick);
	assert_int_equal(calls[2], 50000);
	sim = ms_scenario_result_sim(r);
	assert_non_null(sim);
	assert_int_equal(ms_sim_event_hash(sim), r->event_hash);
	assert_int_equal(ms_sim_now(sim), r->final_tick);
	ms_scenario_result_free(r);

	o.keep_sim = false;
	o.progress = NULL;
	assert_int_equal(ms_scenario_run(sc, &o, &r, NULL), 0);
	assert_null(ms_scenario_result_sim(r));
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_stack_overflow_fault_is_named(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("stack/stack-overflow.toml"));
	struct ms_scenario_result *r = run(sc, NULL, false, 0);

	assert_int_equal(r->n_faults, 2);
	assert_int_equal(r->fault_kinds[MS_FAULT_STACK_OVERFLOW], 1);
	assert_int_equal(r->fault_kinds[MS_FAULT_STACK_UNDERFLOW], 1);
	assert_int_equal(r->faults[0].fault.kind, MS_FAULT_STACK_OVERFLOW);
	assert_string_equal(r->faults[0].thread, "deep");
	assert_string_equal(r->faults[0].actor, "deep");
	assert_string_equal(r->faults[0].fault.object, "stack:deep");
	assert_int_equal(r->faults[1].fault.kind, MS_FAULT_STACK_UNDERFLOW);
	assert_string_equal(r->faults[1].actor, "wild");
	assert_int_equal(r->faults[1].fault.offset, 0);
	assert_int_equal(r->actors[0].c.faults, 1);
	assert_int_equal(r->actors[2].c.faults, 0);
	assert_int_equal(r->status, MS_RUN_DONE);
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_touch_beyond_guard_is_refused(void **state)
{
	struct ms_scenario *sc = load_text(
		"[[actor]]\nname = \"a\"\nscript = [ { touch = \"stack\", "
		"offset = -1000000 }, { touch = \"stack\", offset = 100, "
		"access = \"read\" } ]\n");
	struct ms_scenario_result *r = run(sc, NULL, false, 0);

	assert_int_equal(r->n_faults, 0);
	assert_int_equal(r->actors[0].c.denied_other, 1);
	assert_int_equal(r->actors[0].c.ops, 2);
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_until_refused_stops(void **state)
{
	struct ms_scenario *sc = load_text(
		"[kernel]\nheap_size = 1024\n"
		"[[actor]]\nname = \"a\"\nscript = [ { until = \"refused\", "
		"do = [ { alloc = 100 }, { yield = 1 } ] } ]\n");
	struct ms_scenario_result *r = run(sc, NULL, false, 0);
	const struct ms_scenario_counters *a = &r->actors[0].c;

	/* 1024-byte heap: 8 blocks of 120 fit, the 9th is refused */
	assert_int_equal(a->granted, 8);
	assert_int_equal(a->denied_nomem, 1);
	assert_int_equal(a->requested, 9);
	/* the loop ends after the iteration that was refused */
	assert_int_equal(a->ops, 1 + 9 * 2);
	assert_true(r->metrics.exhausted);
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

static void test_check_builds_every_policy(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("quota/pool-drain.toml"));
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_check(sc, &err), 0);
	ms_scenario_free(sc);
}

/* Two modes; the sender fills what it may of a receiver that never reads. */
static const char ipc_two_modes[] =
	"[sim]\ntick_limit = 5000\n"
	"[ipc]\nmodes = [\"sender-pays\", \"receiver-pays\"]\n"
	"budget = { bytes = \"1 KiB\", messages = 4, handles = 4 }\n"
	"[[actor]]\nname = \"sink\"\n"
	"script = [ { node = \"sink\" }, { sleep = 1000 } ]\n"
	"[[actor]]\nname = \"src\"\nrole = \"attacker\"\nstart = 10\n"
	"script = [ { repeat = 6, do = [ { send = \"sink\", bytes = 16, "
	"wait = \"forever\" } ] } ]\n"
	"[expect]\nall = \"ipc.src.sent == 4\"\n"
	"sender-pays = [\"ipc.src.refused == 2\", \"ipc.src.group.x == 0\"]\n";

static void test_run_under_ipc_mode(void **state)
{
	struct ms_scenario *sc;
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *r;
	struct ms_scenario_error err;

	/* ipc.src.group.x is not a metric: the loader says so */
	assert_int_equal(ms_scenario_load_string(ipc_two_modes, "test.toml",
						 &sc, &err), -EINVAL);
	assert_string_equal(err.message, "unknown metric 'ipc.src.group.x'");

	sc = load_text("[sim]\ntick_limit = 5000\n"
		"[ipc]\nmodes = [\"sender-pays\", \"receiver-pays\"]\n"
		"budget = { bytes = \"1 KiB\", messages = 4, handles = 4 }\n"
		"[[actor]]\nname = \"sink\"\n"
		"script = [ { node = \"sink\" }, { sleep = 1000 } ]\n"
		"[[actor]]\nname = \"src\"\nrole = \"attacker\"\n"
		"start = 10\n"
		"script = [ { repeat = 6, do = [ { send = \"sink\", bytes = "
		"16, wait = \"forever\" } ] } ]\n"
		"[expect]\nall = \"ipc.src.sent == 4\"\n"
		"sender-pays = [\"ipc.src.refused == 2\", "
		"\"ipc.sink.held_bytes == 0\"]\n"
		"receiver-pays = \"ipc.sink.peak_bytes == 64\"\n");

	/* no option: the scenario's first mode, and its expectations */
	r = run(sc, NULL, false, 0);
	assert_string_equal(r->ipc_mode, "sender-pays");
	assert_string_equal(r->policy, "unlimited");
	assert_int_equal(r->n_expects, 3);
	assert_string_equal(r->expects[0].mode, "");
	assert_string_equal(r->expects[1].mode, "sender-pays");
	assert_string_equal(r->expects[2].mode, "sender-pays");
	assert_string_equal(r->expects[1].text, "ipc.src.refused == 2");
	assert_int_equal(r->n_expects_failed, 0);
	ms_scenario_result_free(r);

	/* the other mode: its own expectations only */
	ms_scenario_run_opts_init(&o);
	o.ipc_mode = "receiver-pays";
	assert_int_equal(ms_scenario_run(sc, &o, &r, &err), 0);
	assert_string_equal(r->ipc_mode, "receiver-pays");
	assert_int_equal(r->n_expects, 2);
	assert_string_equal(r->expects[1].mode, "receiver-pays");
	assert_string_equal(r->expects[1].text, "ipc.sink.peak_bytes == 64");
	assert_int_equal(r->n_expects_failed, 0);
	ms_scenario_result_free(r);

	/* a registered mode the scenario does not name: runs, and no
	 * per-mode expectation applies */
	o.ipc_mode = "fair-share";
	assert_int_equal(ms_scenario_run(sc, &o, &r, &err), 0);
	assert_string_equal(r->ipc_mode, "fair-share");
	assert_int_equal(r->n_expects, 1);
	assert_string_equal(r->expects[0].text, "ipc.src.sent == 4");
	ms_scenario_result_free(r);

	/* not a mode at all */
	o.ipc_mode = "fair_share";
	r = (struct ms_scenario_result *)0x1;
	assert_int_equal(ms_scenario_run(sc, &o, &r, &err), -EINVAL);
	assert_null(r);
	assert_string_equal(err.message, "unknown IPC mode 'fair_share'");
	assert_string_equal(err.hint, "did you mean 'fair-share'? (modes: "
			    "sender-pays, receiver-pays, fair-share, "
			    "request-reply)");
	assert_string_equal(err.text, "test.toml: unknown IPC mode "
			    "'fair_share'\n  hint: did you mean 'fair-share'? "
			    "(modes: sender-pays, receiver-pays, fair-share, "
			    "request-reply)\n");
	ms_scenario_free(sc);
}

static void test_result_without_ipc_has_no_mode(void **state)
{
	struct ms_scenario *sc = load(SCENARIO("demo.toml"));
	struct ms_scenario_run_opts o;
	struct ms_scenario_result *r = run(sc, NULL, false, 0);
	struct ms_scenario_error err;

	assert_int_equal(ms_scenario_ipc_mode_count(sc), 0);
	assert_string_equal(r->ipc_mode, "");
	ms_scenario_result_free(r);
	/* asked for, a mode is recorded even without IPC */
	ms_scenario_run_opts_init(&o);
	o.ipc_mode = "sender-pays";
	assert_int_equal(ms_scenario_run(sc, &o, &r, &err), 0);
	assert_string_equal(r->ipc_mode, "sender-pays");
	ms_scenario_result_free(r);
	ms_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_identical_results),
		cmocka_unit_test(test_other_seed_changes_hash),
		cmocka_unit_test(test_without_attackers_baseline),
		cmocka_unit_test(test_counts_are_attributed),
		cmocka_unit_test(test_implicit_groups_and_metric_lookup),
		cmocka_unit_test(test_failed_expectation_is_reported),
		cmocka_unit_test(test_per_policy_expectations),
		cmocka_unit_test(test_time_series),
		cmocka_unit_test(test_progress_and_kept_sim),
		cmocka_unit_test(test_stack_overflow_fault_is_named),
		cmocka_unit_test(test_touch_beyond_guard_is_refused),
		cmocka_unit_test(test_until_refused_stops),
		cmocka_unit_test(test_check_builds_every_policy),
		cmocka_unit_test(test_run_under_ipc_mode),
		cmocka_unit_test(test_result_without_ipc_has_no_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
