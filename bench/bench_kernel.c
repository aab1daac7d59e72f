/* SPDX-License-Identifier: MIT */
/*
 * Kernel benchmark: what a quota-checked kernel object costs, and what the
 * syscall boundary costs, next to baselines measured in the same run.
 *
 *   glibc:      malloc + free of the object's two blocks (record 32 B and
 *               data 56 B, a timer's), the baseline;
 *   object/sup: ms_sys_object_alloc + ms_sys_object_free of a timer by a
 *               supervisor thread under the "count" policy: kernel entry,
 *               two charged allocations, handle, permission, events;
 *   object/usr: ms_sys_object_alloc + ms_sys_object_release by a user
 *               thread: the same through the syscall boundary (privileged
 *               stack, buffer check, permission check), freed by the last
 *               release;
 *   give/sup, give/usr: ms_sys_sem_give on a semaphore at its limit (no
 *               allocation): the bare cost of a kernel call each way,
 *               next to a yield (a kernel entry and a switch back).
 *
 * Each figure is the median of REPS runs, in ns per round trip, with the
 * median of its per-run ratios to its baseline; the process stays on the
 * CPU it started on (bench_pin). Events are hashed, not stored. Usage:
 * bench_kernel [iterations]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <memsim/memsim.h>

#include "bench.h"

#define REPS 7

static void *volatile sink;

static double bench_glibc(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		void *r = malloc(32), *d = malloc(56);

		sink = r;
		sink = d;
		free(d);
		free(r);
	}
	return (now_ns() - t0) / n;
}

enum what { OBJ, GIVE, YIELD };

struct tb {
	long n;
	enum what what;
	ms_handle sem;
	double ns;
	int err;
};

static void body(struct ms_sim *sim, void *arg)
{
	struct tb *b = arg;
	bool user = false;
	struct ms_thread_info ti;
	double t0;

	ms_thread_info(sim, ms_thread_self(sim), &ti);
	user = ti.user;
	t0 = now_ns();
	for (long i = 0; i < b->n; i++) {
		ms_handle h;
		int r = 0;

		switch (b->what) {
		case OBJ:
			r = ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &h);
			if (!r)
				r = user ? ms_sys_object_release(sim, h) :
					   ms_sys_object_free(sim, h);
			break;
		case GIVE:
			r = ms_sys_sem_give(sim, b->sem);
			break;
		case YIELD:
			ms_yield(sim);
			break;
		}
		if (r) {
			b->err = r;
			return;
		}
	}
	b->ns = (now_ns() - t0) / b->n;
}

static double bench_in_sim(long n, enum what what, bool user)
{
	struct ms_quota_params qp = { .limit = 10 };
	struct tb b = { .n = n, .what = what };
	struct ms_thread_attr a;
	struct ms_config cfg;
	struct ms_sim *sim;

	ms_config_init(&cfg);
	cfg.event_log_capacity = 0;
	cfg.stack_paint = false;
	ms_thread_attr_init(&a);
	a.options = user ? MS_THREAD_USER : 0;
	if (ms_sim_new(&cfg, &sim) ||
	    ms_quota_policy_set(sim, "count", &qp) ||
	    ms_sys_object_alloc(sim, MS_KOBJ_SEM, &b.sem) ||
	    ms_sys_sem_init(sim, b.sem, 1, 1) ||
	    ms_sys_object_make_public(sim, b.sem) ||
	    ms_thread_create(sim, &a, body, &b, NULL) ||
	    ms_sim_run(sim)) {
		fprintf(stderr, "bench_kernel: sim setup failed\n");
		exit(3);
	}
	if (b.err) {
		fprintf(stderr, "bench_kernel: call failed: %d\n", b.err);
		exit(3);
	}
	ms_sim_free(sim);
	return b.ns;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 500000;
	double g[REPS], os[REPS], ou[REPS], gs[REPS], gu[REPS], y[REPS];
	int cpu = bench_pin();

	if (n <= 0)
		n = 500000;
	bench_glibc(n / 10);
	for (int r = 0; r < REPS; r++) {
		g[r] = bench_glibc(n);
		os[r] = bench_in_sim(n, OBJ, false);
		ou[r] = bench_in_sim(n, OBJ, true);
		gs[r] = bench_in_sim(n, GIVE, false);
		gu[r] = bench_in_sim(n, GIVE, true);
		y[r] = bench_in_sim(n, YIELD, false);
	}
	printf("kernel objects and syscalls, %ld iterations, median of %d, "
	       "CPU %d\n", n, REPS, cpu);
	printf("  %-46s %7.1f ns  (baseline)\n",
	       "glibc malloc+free of record and data", median_kept(g, REPS));
	printf("  %-46s %7.1f ns  %5.2fx glibc\n",
	       "timer alloc+free, supervisor, count policy",
	       median_kept(os, REPS), median_ratio(os, g, REPS));
	printf("  %-46s %7.1f ns  %5.2fx glibc\n",
	       "timer alloc+release, user syscalls", median_kept(ou, REPS),
	       median_ratio(ou, g, REPS));
	printf("  %-46s %7.1f ns  (baseline)\n", "ms_yield alone (a kernel entry)",
	       median_kept(y, REPS));
	printf("  %-46s %7.1f ns  %5.2fx yield\n", "sem_give, supervisor",
	       median_kept(gs, REPS), median_ratio(gs, y, REPS));
	printf("  %-46s %7.1f ns  %5.2fx yield\n", "sem_give, user syscall",
	       median_kept(gu, REPS), median_ratio(gu, y, REPS));
	return 0;
}
