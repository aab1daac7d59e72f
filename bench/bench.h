/* SPDX-License-Identifier: MIT */
/* Timing helpers shared by the benchmarks. */
#ifndef MS_BENCH_H
#define MS_BENCH_H

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

#endif
