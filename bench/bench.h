/* SPDX-License-Identifier: MIT */
/* Timing helpers shared by the benchmarks. */
#ifndef MS_BENCH_H
#define MS_BENCH_H

#include <sched.h>
#include <stdlib.h>
#include <time.h>

/* Host monotonic time in nanoseconds (benchmarks only: never in a sim). */
static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n figures (sorts v). */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* The median of n figures (at most 64), leaving them in run order: the
 * per-run ratios below pair them by run. */
static inline double median_kept(const double *x, int n)
{
	double v[64];

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		v[i] = x[i];
	return median(v, n);
}

/*
 * Keep a single-threaded benchmark on the CPU it started on, so that a
 * figure and its baseline are measured on the same CPU. On the shared
 * 2-vCPU machines here one vCPU can run glibc's malloc+free at half the
 * speed of the other for seconds at a time (its host sibling is busy),
 * and that slows code with many instructions per cycle more than the
 * rest: a migration between a figure and its baseline moves the ratio.
 * Returns the CPU, or -1 if it could not be pinned.
 */
static inline int bench_pin(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

/*
 * The median of x[r] / base[r]: each run's ratio is taken against the
 * baseline of the same run (measured next to it), and the median of those
 * ratios is less moved by a noisy moment than the ratio of two medians.
 */
static inline double median_ratio(const double *x, const double *base, int n)
{
	double r[64];

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		r[i] = x[i] / base[i];
	return median(r, n);
}

/*
 * ns per mprotect of one page inside a bigger mapping (each call splits the
 * mapping or merges it back), n pairs (close, open) timed with clock.
 */
#include <sys/mman.h>
#include <unistd.h>
static inline double bench_mprotect_page(long n, double (*clock)(void))
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = m + 8 * page;
	double t0, t1;

	p[0] = 1;
	t0 = clock();
	for (long i = 0; i < n; i++) {
		mprotect(p, page, PROT_NONE);
		mprotect(p, page, PROT_READ | PROT_WRITE);
	}
	t1 = clock();
	munmap(m, 16 * page);
	return (t1 - t0) / (2.0 * n);
}

#endif
