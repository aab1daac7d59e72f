/* SPDX-License-Identifier: MIT */
/*
 * Device-memory benchmark: what a page's trip to a device and back costs on
 * the host, next to baselines measured in the same run, as ratios.
 *
 *   baselines: a memcpy of one page; one mprotect of one page (inside a
 *              bigger mapping, so it splits and merges it);
 *   a round trip: one page migrated to a private device by a three-step
 *              migration, then faulted back by a CPU load (a real SIGSEGV,
 *              resolved by migrating the page back), from inside a run;
 *   the fault back alone (the round trip less a migration measured alone);
 *   a migration of 1,000 neighbouring pages to the device and back
 *              (ms_migrate_range each way), per page and in all;
 *   the compare of the shipped scenario device/withdraw-under-load.toml
 *              (12 device-policy combinations), wall and CPU time.
 *
 * Figures are CPU time of the process (see cpu_ns), except the compare's
 * wall time, given beside its CPU time.
 *
 * Medians of REPS repetitions. Usage: bench_device [round trips]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include <memsim/memsim.h>

#include "platform/os.h"
#include "bench.h"

#define REPS 7
#define BIG 1000

/*
 * The machines here are shared (2 CPUs, often a dozen jobs ready): wall
 * time measures the queue as much as the work. Every figure is this
 * process's CPU time (user and system: the page faults and system calls
 * are the cost), the baselines too, so the ratios compare like with like.
 */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double bench_memcpy(long n)
{
	size_t page = ms__os_page_size();
	char *a = malloc(page), *b = malloc(page);
	double t0, t1;

	memset(a, 1, page);
	memset(b, 2, page);
	t0 = cpu_ns();
	for (long i = 0; i < n; i++) {
		memcpy(i & 1 ? a : b, i & 1 ? b : a, page);
		__asm__ __volatile__("" ::: "memory");
	}
	t1 = cpu_ns();
	free(a);
	free(b);
	return (t1 - t0) / (double)n;
}

static double bench_mprotect(long n)
{
	return bench_mprotect_page(n, cpu_ns);
}

struct trip {
	ms_device_id dev;
	ms_map_id map;
	long n;
	bool fault;		/* load the page after each migration */
	double ns;
	long bad;
};

static void tripper(struct ms_sim *sim, void *arg)
{
	struct trip *t = arg;
	volatile uint64_t *p = ms_mem_addr(sim, t->map, 0);
	double t0 = cpu_ns();

	for (long i = 0; i < t->n; i++) {
		if (ms_migrate_range(sim, t->map, 0, ms__os_page_size(), t->dev,
				     NULL))
			t->bad++;
		if (t->fault) {
			/* the CPU's load faults: the page comes back */
			if (*p != 42)
				t->bad++;
		} else if (ms_migrate_range(sim, t->map, 0,
					    ms__os_page_size(),
					    MS_DEVICE_NONE, NULL)) {
			t->bad++;
		}
	}
	t->ns = (cpu_ns() - t0) / (double)t->n;
}

static struct ms_sim *device_sim(ms_device_id *dev, ms_map_id *map,
				 uint32_t npages)
{
	struct ms_config cfg;
	struct ms_device_attr a;
	struct ms_map_attr ma;
	struct ms_sim *sim;
	uint64_t v = 42;

	ms_config_init(&cfg);
	cfg.event_log_capacity = 0;
	cfg.stack_paint = false;
	cfg.stack_size = 64 * 1024;
	if (ms_sim_new(&cfg, &sim))
		abort();
	ms_device_attr_init(&a);
	a.name = "gpu";
	a.size = (uint64_t)2 * npages * ms__os_page_size();
	if (ms_device_add(sim, &a, dev) || ms_device_online(sim, *dev, 0, 1))
		abort();
	ms_map_attr_init(&ma);
	ma.size = (uint64_t)npages * ms__os_page_size();
	if (ms_mem_map(sim, &ma, map, NULL))
		abort();
	for (uint32_t i = 0; i < npages; i++)
		if (ms_mem_poke(sim, *map, (uint64_t)i * ms__os_page_size(), &v,
				sizeof(v)))
			abort();
	return sim;
}

/* ns per iteration of n migrations to the device, each followed by a
 * fault back (fault) or a migration back. */
static double bench_trip(long n, bool fault, uint64_t *faults)
{
	struct trip t = { .n = n, .fault = fault };
	struct ms_sim *sim = device_sim(&t.dev, &t.map, 1);
	struct ms_thread_attr a;
	struct ms_device_stats st;
	ms_tid tid;

	ms_thread_attr_init(&a);
	a.stack_size = 64 * 1024;
	if (ms_thread_create(sim, &a, tripper, &t, &tid) || ms_sim_run(sim) ||
	    t.bad || ms_sim_fault_count(sim))
		abort();
	ms_device_stats_get(sim, t.dev, &st);
	*faults = st.cpu_faults;
	ms_sim_free(sim);
	return t.ns;
}

/* ns for BIG neighbouring pages to the device, and back, from the host. */
static void bench_big(double *to, double *back)
{
	ms_device_id dev;
	ms_map_id map;
	struct ms_sim *sim = device_sim(&dev, &map, BIG);
	struct ms_migrate_result r1, r2;
	double t0, t1, t2;

	t0 = cpu_ns();
	if (ms_migrate_range(sim, map, 0, (uint64_t)BIG * ms__os_page_size(),
			     dev, &r1))
		abort();
	t1 = cpu_ns();
	if (ms_migrate_range(sim, map, 0, (uint64_t)BIG * ms__os_page_size(),
			     MS_DEVICE_NONE, &r2))
		abort();
	t2 = cpu_ns();
	if (r1.migrated != BIG || r2.migrated != BIG)
		abort();
	*to = t1 - t0;
	*back = t2 - t1;
	ms_sim_free(sim);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The shipped scenario's comparison, as memsim compare runs it. */
static void bench_compare(const char *path, double *wall, double *cpu,
			  size_t *runs)
{
	struct ms_scenario_error err;
	struct ms_scenario *sc;
	double w0, c0;

	if (ms_scenario_load_file(path, &sc, &err)) {
		fprintf(stderr, "%s", err.text);
		abort();
	}
	*runs = ms_scenario_device_policy_count(sc);
	w0 = now_ns();
	c0 = cpu_seconds();
	for (size_t i = 0; i < *runs; i++) {
		struct ms_scenario_run_opts o;
		struct ms_scenario_result *r;

		ms_scenario_run_opts_init(&o);
		o.device_policy = ms_scenario_device_policy(sc, i);
		if (ms_scenario_run(sc, &o, &r, &err) ||
		    !ms_scenario_result_ok(r))
			abort();
		ms_scenario_result_free(r);
	}
	*wall = (now_ns() - w0) / 1e9;
	*cpu = cpu_seconds() - c0;
	ms_scenario_free(sc);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	double cp[REPS], mp[REPS], rt[REPS], mm[REPS], fb[REPS];
	double to[REPS], back[REPS], cw[REPS], cc[REPS];
	const char *scn = getenv("MEMSIM_SOURCE_ROOT");
	char path[1024];
	uint64_t faults = 0;
	size_t runs = 0;
	int cpu = bench_pin();

	if (n < 10)
		n = 10;
	printf("bench_device: %ld round trips per repetition, %d repetitions, "
	       "page %zu B, pinned to CPU %d\n", n, REPS, ms__os_page_size(),
	       cpu);
	for (int r = 0; r < REPS; r++) {
		cp[r] = bench_memcpy(n * 50);
		mp[r] = bench_mprotect(n * 10);
		rt[r] = bench_trip(n, true, &faults);
		if (faults != (uint64_t)n)
			abort();
		mm[r] = bench_trip(n, false, &faults);
		/* a fault back is a round trip less a migration there: half
		 * of a migrate-and-migrate-back */
		fb[r] = rt[r] - mm[r] / 2;
		bench_big(&to[r], &back[r]);
	}
	printf("\n  baselines (median ns)\n");
	printf("    memcpy of one page                 %9.0f\n",
	       median_kept(cp, REPS));
	printf("    mprotect of one page               %9.0f\n",
	       median_kept(mp, REPS));
	printf("\n  one page (median ns; ratio to memcpy, to mprotect)\n");
	printf("    migrated there and faulted back    %9.0f  %7.1fx  %6.1fx\n",
	       median_kept(rt, REPS), median_ratio(rt, cp, REPS),
	       median_ratio(rt, mp, REPS));
	printf("    migrated there and migrated back   %9.0f  %7.1fx  %6.1fx\n",
	       median_kept(mm, REPS), median_ratio(mm, cp, REPS),
	       median_ratio(mm, mp, REPS));
	printf("    the fault back alone (estimate)    %9.0f  %7.1fx  %6.1fx\n",
	       median_kept(fb, REPS), median_ratio(fb, cp, REPS),
	       median_ratio(fb, mp, REPS));
	for (int r = 0; r < REPS; r++) {
		to[r] /= BIG;
		back[r] /= BIG;
	}
	printf("\n  %d neighbouring pages (median ns per page; ratio to memcpy)\n",
	       BIG);
	printf("    to the device                      %9.0f  %7.1fx   (%.2f ms in all)\n",
	       median_kept(to, REPS), median_ratio(to, cp, REPS),
	       median_kept(to, REPS) * BIG / 1e6);
	printf("    back to system RAM                 %9.0f  %7.1fx   (%.2f ms in all)\n",
	       median_kept(back, REPS), median_ratio(back, cp, REPS),
	       median_kept(back, REPS) * BIG / 1e6);

	snprintf(path, sizeof(path), "%s/scenarios/device/withdraw-under-load.toml",
		 scn ? scn : ".");
	for (int r = 0; r < 3; r++)
		bench_compare(path, &cw[r], &cc[r], &runs);
	printf("\n  memsim compare of device/withdraw-under-load.toml, %zu runs "
	       "(median of 3)\n", runs);
	printf("    wall %.3f s, CPU %.3f s\n", median_kept(cw, 3),
	       median_kept(cc, 3));
	return 0;
}
