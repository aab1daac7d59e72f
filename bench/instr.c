/* SPDX-License-Identifier: MIT */
/*
 * Instruction counts, for callgrind: one loop, one run, nothing else, so
 * that two runs of different lengths give the instructions of one round
 * trip by difference (start-up and tear-down cancel out):
 *
 *   for n in 10000 20000; do
 *     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       ./build/bench/bench_instr charged $n 2>&1 | grep Collected
 *   done     # (second - first) / 10000 = instructions per round trip
 *
 *   charged: ms__kalloc + ms__kfree under "count" from a simulated
 *            thread, events only hashed, sizes cycling 16..256 bytes
 *            (bench_alloc's charged line);
 *   object:  ms_sys_object_alloc + ms_sys_object_free of a timer from a
 *            supervisor thread (bench_kernel's object line).
 *
 * Unlike times on a shared machine, these counts are the same on every
 * run, which makes them the way to compare two builds of a hot path.
 * Not a benchmark: it prints nothing and times nothing.
 * Usage: bench_instr charged|object [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/memsim.h>

#include "alloc/alloc.h"
#include "sched/sched.h"

static const size_t sizes[8] = { 16, 32, 48, 64, 96, 128, 192, 256 };
static void *volatile sink;
static long iterations = 10000;

static void charged(struct ms_sim *sim, void *arg)
{
	struct ms_thread *me = ms__current(sim);

	(void)arg;
	for (long i = 0; i < iterations; i++) {
		void *p;

		if (ms__kalloc(sim, me, sizes[i & 7], MS_ALLOC_OTHER, &p))
			abort();
		sink = p;
		ms__kfree(sim, sink);
	}
}

static void object(struct ms_sim *sim, void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++) {
		ms_handle h;

		if (ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &h) ||
		    ms_sys_object_free(sim, h))
			abort();
	}
}

int main(int argc, char **argv)
{
	struct ms_quota_params qp = { .limit = 10 };
	struct ms_thread_attr attr;
	struct ms_config cfg;
	struct ms_sim *sim;
	ms_entry_fn fn;

	if (argc < 2 || argc > 3 ||
	    (strcmp(argv[1], "charged") && strcmp(argv[1], "object"))) {
		fprintf(stderr, "usage: bench_instr charged|object [iterations]\n");
		return 2;
	}
	fn = strcmp(argv[1], "charged") == 0 ? charged : object;
	if (argc == 3)
		iterations = atol(argv[2]);
	ms_config_init(&cfg);
	cfg.event_log_capacity = 0;
	cfg.stack_paint = false;
	ms_thread_attr_init(&attr);
	if (ms_sim_new(&cfg, &sim) ||
	    ms_quota_policy_set(sim, "count", &qp) ||
	    ms_thread_create(sim, &attr, fn, NULL, NULL) ||
	    ms_sim_run(sim)) {
		fprintf(stderr, "bench_instr: sim setup failed\n");
		return 3;
	}
	ms_sim_free(sim);
	return 0;
}
