/* SPDX-License-Identifier: MIT */
/*
 * The statistics of memsim sweep-report: order statistics, the mean with
 * its 95% Student t confidence interval, and the 95% Wilson score interval
 * of a share.
 *
 * Invariant: a summary depends on the multiset of values only, never on
 * their order (the values are sorted before anything is summed), so that
 * shards merged in any order give the same figures, to the last bit.
 *
 * Student's t quantile is computed, not tabled: the t distribution's CDF
 * through the regularised incomplete beta function (a continued fraction
 * evaluated with the modified Lentz method), inverted by bisection.
 */
#include <math.h>
#include <stdlib.h>

#include "sweep.h"

/* The continued fraction of I_x(a, b), for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), f;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	f = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m, num, delta;

		/* the even term d_2m, then the odd term d_2m+1 */
		num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
		if (fabs(c) < tiny)
			c = tiny;
		f *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
		if (fabs(c) < tiny)
			c = tiny;
		delta = d * c;
		f *= delta;
		if (fabs(delta - 1.0) < eps)
			break;
	}
	return f;
}

/* The regularised incomplete beta function I_x(a, b), 0 <= x <= 1. */
static double inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

/* P(T <= t) for Student's t with df degrees of freedom. */
static double t_cdf(double t, double df)
{
	double tail = 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t));

	return t >= 0 ? 1.0 - tail : tail;
}

double sweep_t_quantile(double p, double df)
{
	double lo = 0.0, hi = 1.0;

	if (!(p > 0.0 && p < 1.0) || !(df > 0.0))
		return NAN;
	if (p < 0.5)
		return -sweep_t_quantile(1.0 - p, df);
	while (t_cdf(hi, df) < p && hi < 1e300)
		hi *= 2.0;
	/* bisection to the last representable step */
	for (int i = 0; i < 2000; i++) {
		double mid = lo + (hi - lo) / 2.0;

		if (mid <= lo || mid >= hi)
			break;
		if (t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void sweep_summarise(double *v, size_t n, struct sweep_summary *s)
{
	double sum = 0.0, ss = 0.0;

	s->n = n;
	s->min = s->max = s->median = s->mean = NAN;
	s->sd = s->ci_lo = s->ci_hi = NAN;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	s->min = v[0];
	s->max = v[n - 1];
	s->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	/* the rounded sum can put the mean outside [min, max], or off the
	 * one value of n equal ones: keep it where it must be */
	s->mean = s->min == s->max ? s->min :
		  fmin(s->max, fmax(s->min, sum / (double)n));
	if (n < 2)
		return;
	if (s->min == s->max) {
		s->sd = 0.0;
		s->ci_lo = s->ci_hi = s->mean;
		return;
	}
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (v[i] - s->mean);
	s->sd = sqrt(ss / (double)(n - 1));
	{
		double half = sweep_t_quantile(0.975, (double)(n - 1)) * s->sd /
			      sqrt((double)n);

		s->ci_lo = s->mean - half;
		s->ci_hi = s->mean + half;
	}
}

void sweep_wilson(size_t k, size_t n, double *lo, double *hi)
{
	/* the 0.975 quantile of the standard normal distribution */
	const double z = 1.959963984540054;
	double p = (double)k / (double)n, nn = (double)n;
	double denom = 1.0 + z * z / nn;
	double centre = (p + z * z / (2.0 * nn)) / denom;
	double half = z / denom * sqrt(p * (1.0 - p) / nn +
				       z * z / (4.0 * nn * nn));

	*lo = fmax(0.0, centre - half);
	*hi = fmin(1.0, centre + half);
}
