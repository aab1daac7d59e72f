/* SPDX-License-Identifier: MIT */
/*
 * How far one process goes (issue 8): threads alive at once with guarded
 * stacks, and how the run time grows with threads and with syscalls. Each
 * figure is printed next to a baseline measured in the same run:
 *   threads:  N threads created, run (each sleeps once) and torn down,
 *             against N bare guarded stacks (mmap + 2 guards + munmap);
 *   syscalls: N k_sem_give-like syscalls from a user thread (privileged
 *             stack, handle validation, cost model), against N getppid()
 *             host system calls.
 * Usage: bench_scale [max-threads] [syscalls]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <memsim/memsim.h>

#include "platform/os.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleeper(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 1000);
}

struct scale_result {
	double seconds;
	long maps_alive;
	uint32_t peak;
	int err;
};

static struct scale_result run_threads(long n)
{
	struct scale_result r = { 0 };
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_sim_stats st;
	double t0 = now_s();

	ms_config_init(&cfg);
	cfg.stack_size = 8192;
	cfg.event_log_capacity = 0;
	if (ms_sim_new(&cfg, &sim))
		abort();
	for (long i = 0; i < n; i++) {
		r.err = ms_thread_create(sim, NULL, sleeper, NULL, NULL);
		if (r.err)
			break;
	}
	r.maps_alive = ms__os_mapping_count();
	ms_sim_run(sim);
	ms_sim_get_stats(sim, &st);
	r.peak = st.threads_peak;
	ms_sim_free(sim);
	r.seconds = now_s() - t0;
	return r;
}

static double bare_stacks(long n)
{
	size_t page = 4096, len = 8192 + 2 * page;
	char **m = calloc(n, sizeof(*m));
	double t0 = now_s();

	for (long i = 0; i < n; i++) {
		m[i] = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m[i] == MAP_FAILED)
			abort();
		madvise(m[i], page, 102 /* MADV_GUARD_INSTALL */);
		madvise(m[i] + len - page, page, 102);
	}
	for (long i = 0; i < n; i++)
		munmap(m[i], len);
	free(m);
	return now_s() - t0;
}

struct giver {
	long n;
	int err;
};

static void giver(struct ms_sim *sim, void *arg)
{
	struct giver *g = arg;
	ms_handle sem;

	g->err = ms_sys_object_alloc(sim, MS_KOBJ_SEM, &sem);
	if (!g->err)
		g->err = ms_sys_sem_init(sim, sem, 0, 1);
	for (long i = 0; i < g->n && !g->err; i++)
		g->err = ms_sys_sem_give(sim, sem);
}

static double run_syscalls(long n, uint64_t *entries)
{
	struct ms_config cfg;
	struct ms_thread_attr a;
	struct ms_sim *sim;
	struct ms_sim_stats st;
	struct giver g = { n, 0 };
	double t0;

	ms_config_init(&cfg);
	cfg.event_log_capacity = 0;
	if (ms_sim_new(&cfg, &sim))
		abort();
	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	ms_thread_create(sim, &a, giver, &g, NULL);
	t0 = now_s();
	ms_sim_run(sim);
	t0 = now_s() - t0;
	ms_sim_get_stats(sim, &st);
	*entries = st.kernel_entries;
	if (g.err)
		fprintf(stderr, "syscall failed: %d\n", g.err);
	ms_sim_free(sim);
	return t0;
}

static double host_syscalls(long n)
{
	double t0 = now_s();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	long max = argc > 1 ? atol(argv[1]) : 100000;
	long nsys = argc > 2 ? atol(argv[2]) : 10000000;
	long counts[] = { 1000, 10000, 30000, 100000, 300000 };
	uint64_t entries = 0;

	printf("memsim scale benchmark (8 KiB stacks, one guard page each side)\n");
	printf("vm.max_map_count %llu\n\n",
	       (unsigned long long)ms__os_max_map_count());
	printf("threads alive   total s   per thread us   mappings   bare stacks s   ratio\n");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		long n = counts[i];
		struct scale_result r;
		double bare;

		if (n > max)
			break;
		r = run_threads(n);
		bare = bare_stacks(n);
		printf("%13ld %9.3f %15.2f %10ld %15.3f %7.2fx%s\n", n, r.seconds,
		       r.seconds / n * 1e6, r.maps_alive, bare, r.seconds / bare,
		       r.err ? "  (creation failed)" : "");
	}
	printf("(guards by %s)\n",
	       ms__os_guard_uses_madvise() ? "MADV_GUARD_INSTALL" : "mprotect");
	printf("\nsyscalls        total s   per call ns   host getppid s   ratio\n");
	for (long n = nsys / 100; n <= nsys; n *= 10) {
		double t = run_syscalls(n, &entries);
		double h = host_syscalls(n);

		printf("%10ld %12.3f %13.1f %16.3f %7.2fx\n", n, t, t / n * 1e9,
		       h, t / h);
	}
	return 0;
}
