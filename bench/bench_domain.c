/* SPDX-License-Identifier: MIT */
/*
 * Memory-domain benchmark: what enforcing domains on every context switch
 * costs on the host, each figure next to baselines measured in the same
 * run.
 *
 *   baselines: one mprotect of one page (the unit of host enforcement);
 *              a switch between two supervisor threads (no domain work);
 *              a switch between two user threads of the same domain;
 *   switches between user threads of two domains with k = 1, 4, 8
 *   partitions of 16 KiB each, where every thread writes one byte of each
 *   of its partitions in every time slice (the worst case for lazy
 *   opening), under the lazy and the eager policy, and the naive scheme
 *   (re-protect all 2k partitions with mprotect at each switch) for
 *   comparison;
 *   exclusive page ownership: adding and removing a 4-page user partition
 *   with ownership off and on.
 *
 * Medians of several repetitions; microseconds per switch. Usage:
 *   bench_domain [switches]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <memsim/memsim.h>

#include "platform/os.h"
#include "bench.h"

#define REPS 5
#define PART 0x4000u	/* 16 KiB */

/* ---- one mprotect ------------------------------------------------------ */

static double bench_mprotect(long n)
{
	return bench_mprotect_page(n, now_ns);
}

/* ---- switches ---------------------------------------------------------- */

struct worker {
	uint64_t base;		/* first partition's offset */
	uint64_t stride;	/* between partitions */
	unsigned touch;		/* partitions written per slice */
	long rounds;
};

static void toucher(struct ms_sim *sim, void *arg)
{
	struct worker *w = arg;

	for (long r = 0; r < w->rounds; r++) {
		for (unsigned i = 0; i < w->touch; i++) {
			volatile uint8_t *p = ms_domain_addr(sim, w->base +
							     i * w->stride);

			*p = (uint8_t)r;
		}
		ms_yield(sim);
	}
}

enum kind { SUPERVISOR, SAME_DOMAIN, TWO_DOMAINS };

/*
 * Host ns per context switch of a run where two threads yield to each
 * other rounds times. The two domains' partitions interleave (a0 b0 a1 b1
 * ...), so that no two partitions of one domain are neighbours and the
 * host cannot merge their protection changes: the worst case.
 */
static double run_switches(enum kind kind, unsigned k, unsigned touch,
			   enum ms_domain_policy pol, long rounds,
			   struct ms_domain_stats *st_out)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_partition ps[8];
	struct worker w[2];
	struct ms_sim_stats ss;
	ms_domain_id d[2];
	double t0, t1;

	ms_config_init(&cfg);
	cfg.time_slice = 0;
	cfg.stack_paint = false;
	cfg.event_log_capacity = 0;
	if (ms_sim_new(&cfg, &sim))
		abort();
	ms_domain_set_policy(sim, pol);
	for (int i = 0; i < 2; i++) {
		for (unsigned j = 0; j < 8; j++) {
			ps[j].start = (uint64_t)(2 * j + i) * PART;
			ps[j].size = PART;
			ps[j].user = MS_PERM_RW;
			ps[j].supervisor = MS_PERM_RW;
			ps[j].name = NULL;
		}
		if (ms_domain_new(sim, NULL, ps, k, &d[i]))
			abort();
		w[i] = (struct worker){
			.base = kind == TWO_DOMAINS ? (uint64_t)i * PART : 0,
			.stride = 2 * PART,
			.touch = kind == SUPERVISOR ? 0 : touch,
			.rounds = rounds,
		};
	}
	for (int i = 0; i < 2; i++) {
		struct ms_thread_attr a;
		ms_tid t;

		ms_thread_attr_init(&a);
		if (kind != SUPERVISOR)
			a.options = MS_THREAD_USER;
		if (ms_thread_create(sim, &a, toucher, &w[i], &t))
			abort();
		if (ms_domain_add_thread(sim, kind == TWO_DOMAINS ? d[i] : d[0], t))
			abort();
	}
	t0 = now_ns();
	if (ms_sim_run(sim) || ms_sim_fault_count(sim))
		abort();
	t1 = now_ns();
	ms_sim_get_stats(sim, &ss);
	if (st_out)
		ms_domain_get_stats(sim, st_out);
	ms_sim_free(sim);
	return (t1 - t0) / (double)ss.context_switches;
}

static double median_switch(enum kind kind, unsigned k, unsigned touch,
			    enum ms_domain_policy pol, long rounds,
			    struct ms_domain_stats *st)
{
	double v[REPS];

	for (int r = 0; r < REPS; r++)
		v[r] = run_switches(kind, k, touch, pol, rounds, st);
	return median(v, REPS);
}

/* The naive scheme, without a simulator around it: at every switch, close
 * the outgoing thread's k partitions and open the incoming thread's k, one
 * mprotect each, then touch them. */
static double bench_naive(unsigned k, long n)
{
	size_t len = 2 * 8 * PART;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0, t1;

	memset(m, 0, len);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *out = m + (i & 1) * PART, *in = m + !(i & 1) * PART;

		for (unsigned j = 0; j < k; j++)
			mprotect(out + j * 2 * PART, PART, PROT_NONE);
		for (unsigned j = 0; j < k; j++)
			mprotect(in + j * 2 * PART, PART, PROT_READ | PROT_WRITE);
		for (unsigned j = 0; j < k; j++)
			in[j * 2 * PART] = (char)i;
	}
	t1 = now_ns();
	munmap(m, len);
	return (t1 - t0) / n;
}

/* ---- exclusive page ownership -------------------------------------------- */

static double bench_xpfo(bool on, long n)
{
	struct ms_sim *sim;
	struct ms_partition p = { 0x10000, 0x4000, MS_PERM_RW, MS_PERM_RW, "u" };
	double v[REPS];
	ms_domain_id d;

	if (ms_sim_new(NULL, &sim) || ms_domain_new(sim, NULL, NULL, 0, &d))
		abort();
	ms_xpfo_enable(sim, on);
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ns();

		for (long i = 0; i < n; i++) {
			ms_domain_add_partition(sim, d, &p);
			ms_domain_remove_partition(sim, d, &p);
		}
		v[r] = (now_ns() - t0) / n;
	}
	ms_sim_free(sim);
	return median(v, REPS);
}

static const char *const pol_name[] = { "lazy", "eager", "working set" };

static void row(const char *what, double ns, double same, double mp)
{
	printf("  %-44s %9.3f %10.1fx %10.2fx\n", what, ns / 1e3, ns / same,
	       ns / mp);
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	struct ms_domain_stats st;
	const unsigned ks[] = { 1, 4, 8 };
	double mp, sup, same, x_off, x_on;
	char what[96];

	if (rounds < 100)
		rounds = 100;
	mp = bench_mprotect(rounds * 10);
	sup = median_switch(SUPERVISOR, 1, 0, MS_DOMAIN_WORKING_SET, rounds, NULL);
	same = median_switch(SAME_DOMAIN, 1, 1, MS_DOMAIN_WORKING_SET, rounds, NULL);

	printf("memsim memory-domain benchmark (median of %d runs, %ld yields per thread;\n"
	       "MMU model, 16 KiB partitions, the two domains' partitions interleaved)\n",
	       REPS, rounds);
	printf("sub-page enforcement by single-stepping: %s\n\n",
	       ms__os_step_supported() ? "available" : "not available");
	printf("  %-44s %9s %11s %11s\n", "", "us/switch", "vs same", "vs mprotect");
	row("one mprotect of one page (baseline)", mp, same, mp);
	row("switch, two supervisor threads", sup, same, mp);
	row("switch, two user threads, same domain", same, same, mp);
	for (int touch_all = 1; touch_all >= 0; touch_all--) {
		printf("\nswitch between user threads of two domains with k partitions each,\n"
		       "every thread writing to %s per time slice:\n",
		       touch_all ? "all k of its partitions" : "one of its partitions");
		for (int i = 0; i < 3; i++) {
			unsigned touch = touch_all ? ks[i] : 1;
			double ns;

			for (int pol = MS_DOMAIN_LAZY; pol <= MS_DOMAIN_WORKING_SET; pol++) {
				ns = median_switch(TWO_DOMAINS, ks[i], touch, pol,
						   rounds / 4, &st);
				snprintf(what, sizeof(what),
					 "k=%u %-11s (%4.1f faults, %4.1f mprotects)",
					 ks[i], pol_name[pol],
					 (double)st.lazy_opens / (rounds / 2),
					 (double)st.protect_calls / (rounds / 2));
				row(what, ns, same, mp);
			}
			if (touch_all) {
				ns = bench_naive(ks[i], rounds / 4);
				snprintf(what, sizeof(what),
					 "k=%u naive 2k mprotects, no simulator", ks[i]);
				row(what, ns, same, mp);
			}
		}
	}
	x_off = bench_xpfo(false, rounds / 4);
	x_on = bench_xpfo(true, rounds / 4);
	printf("\nexclusive page ownership: add + remove a 4-page user partition\n");
	printf("  %-44s %9s %11s\n", "", "us/op", "vs off");
	printf("  %-44s %9.3f %10.1fx\n", "ownership off", x_off / 1e3, 1.0);
	printf("  %-44s %9.3f %10.1fx\n", "ownership on (8 frame transfers)",
	       x_on / 1e3, x_on / x_off);
	return 0;
}
