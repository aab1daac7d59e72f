/* SPDX-License-Identifier: MIT */
/*
 * Sealed-pool benchmark: what sealing costs, each figure next to a
 * baseline measured in the same run.
 *
 *   alloc:  ms_pool_alloc of 64 bytes in pools of the default size (each
 *           rare mode; a page is taken and the full one sealed every
 *           page/64 allocations) against a plain bump allocator over a
 *           malloc'd buffer;
 *   seal:   ms_pool_seal of one open page (each mode: the protection
 *           change plus the bookkeeping update) against one bare mprotect
 *           of a page to read-only;
 *   rare:   ms_pool_rare_write of 8, 64 and 1024 bytes into a sealed page
 *           (each mode) against a plain memcpy of the same size; and the
 *           exposure window: how long the alias to the page is writable
 *           per call (MAP, GATE; OPEN keeps it writable for the pool's
 *           whole life).
 *
 * Medians of several repetitions, ns of thread CPU time per operation,
 * host calls only from the host context (no simulated thread). Usage:
 *   bench_pool [allocations]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <memsim/memsim.h>

#include "mem/pool/pool_priv.h"
#include "platform/os.h"

#define REPS 7

static const char *const mode_name[] = { "MAP", "GATE", "OPEN" };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * CPU time of this thread, not wall time: the machines are shared, and
 * time spent waiting for a CPU is not a cost of what is measured. (It does
 * make the exposure windows below lower bounds: a window that is preempted
 * stays open longer in real time.)
 */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* What timing one call costs by itself: subtracted from per-call figures. */
static double timer_overhead;

static void calibrate(void)
{
	double v[REPS];

	for (int r = 0; r < REPS; r++) {
		double t = 0;

		for (int i = 0; i < 1000; i++) {
			double t0 = now_ns();

			t += now_ns() - t0;
		}
		v[r] = t / 1000;
	}
	qsort(v, REPS, sizeof(v[0]), cmp_double);
	timer_overhead = v[REPS / 2];
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_pool: %s: %s\n", what, strerror(-err));
	exit(3);
}

static struct ms_sim *sim_new(void)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	int ret;

	ms_config_init(&cfg);
	cfg.event_log_capacity = 0; /* the hash is enough here */
	ret = ms_sim_new(&cfg, &sim);
	if (ret)
		die("ms_sim_new", ret);
	return sim;
}

static struct ms_pool *pool_new(struct ms_sim *sim, enum ms_pool_rare_mode m,
				uint32_t pages)
{
	struct ms_pool_attr a;
	struct ms_pool *p;
	int ret;

	ms_pool_attr_init(&a);
	a.rare_mode = m;
	a.max_pages = pages;
	ret = ms_pool_create(sim, "bench", &a, &p);
	if (ret)
		die("ms_pool_create", ret);
	return p;
}

static volatile uintptr_t sink;

/* ---- allocation ----------------------------------------------------------- */

static double bench_bump(long n)
{
	size_t len = (size_t)n * 64 + 64;
	uint8_t *buf = malloc(len), *cur = buf;
	double t0, t1;

	memset(buf, 0, len);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)(((uintptr_t)cur + 7) & ~(uintptr_t)7);

		if (p + 64 > buf + len)
			abort();
		cur = p + 64;
		sink = (uintptr_t)p;
	}
	t1 = now_ns();
	free(buf);
	return (t1 - t0) / n;
}

/*
 * In pools of the default size (256 pages), as a module would have: a
 * pool's bookkeeping grows with its pages, and the windows on it with
 * that. A pool that is full is replaced, untimed.
 */
static double bench_pool_alloc(enum ms_pool_rare_mode m, long n, size_t pg)
{
	struct ms_sim *sim = sim_new();
	long per_pool = (long)(MS_POOL_MAX_PAGES_DEFAULT - 1) * (long)(pg / 64);
	double t = 0;
	void *x;

	for (long done = 0; done < n;) {
		struct ms_pool *p = pool_new(sim, m, 0);
		long k = n - done < per_pool ? n - done : per_pool;
		double t0 = now_ns();

		for (long i = 0; i < k; i++) {
			int ret = ms_pool_alloc(sim, p, 64, 0, &x);

			if (ret)
				die("ms_pool_alloc", ret);
			sink = (uintptr_t)x;
		}
		t += now_ns() - t0;
		ms_pool_destroy(sim, p, NULL);
		done += k;
	}
	ms_sim_free(sim);
	return t / n;
}

/* ---- sealing ----------------------------------------------------------------- */

static double bench_mprotect(long n, size_t pg)
{
	uint8_t *m = mmap(NULL, (size_t)n * pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t = 0;

	if (m == MAP_FAILED)
		die("mmap", -errno);
	for (long i = 0; i < n; i++)
		m[i * pg] = 1; /* pages with memory, like pool pages */
	for (long i = 0; i < n; i++) {
		double t0 = now_ns();

		if (mprotect(m + i * pg, pg, PROT_READ))
			die("mprotect", -errno);
		t += now_ns() - t0;
	}
	munmap(m, (size_t)n * pg);
	return t / n - timer_overhead;
}

/* Each round fills one page exactly (it stays open) and seals it; in pools
 * of the default size, replaced (untimed) when full. */
static double bench_seal(enum ms_pool_rare_mode m, long n, size_t pg)
{
	struct ms_sim *sim = sim_new();
	struct ms_pool *p = NULL;
	double t = 0;
	void *x;

	for (long i = 0; i < n; i++) {
		double t0;
		int ret;

		if (i % MS_POOL_MAX_PAGES_DEFAULT == 0) {
			if (p)
				ms_pool_destroy(sim, p, NULL);
			p = pool_new(sim, m, 0);
		}
		ret = ms_pool_alloc(sim, p, pg, 0, &x);
		if (ret)
			die("ms_pool_alloc", ret);
		memset(x, 1, 64);
		t0 = now_ns();
		ret = ms_pool_seal(sim, p);
		t += now_ns() - t0;
		if (ret)
			die("ms_pool_seal", ret);
	}
	ms_sim_free(sim);
	return t / n - timer_overhead;
}

/* ---- rare writes --------------------------------------------------------------- */

static double bench_memcpy(size_t len, long n)
{
	static uint8_t dst[4096], src[4096];
	double t0, t1;

	memset(src, 7, sizeof(src));
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		src[0] = (uint8_t)i;
		memcpy(dst, src, len);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	t1 = now_ns();
	return (t1 - t0) / n;
}

static double bench_rare(enum ms_pool_rare_mode m, size_t len, long n)
{
	struct ms_sim *sim = sim_new();
	struct ms_pool *p = pool_new(sim, m, 4);
	uint8_t src[1024];
	double t0, t1;
	void *x;
	int ret;

	memset(src, 9, sizeof(src));
	ret = ms_pool_alloc(sim, p, 1024, 0, &x);
	if (!ret)
		ret = ms_pool_seal(sim, p);
	if (ret)
		die("pool setup", ret);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		src[0] = (uint8_t)i;
		ret = ms_pool_rare_write(sim, p, x, src, len);
		if (ret)
			die("ms_pool_rare_write", ret);
	}
	t1 = now_ns();
	ms_sim_free(sim);
	return (t1 - t0) / n;
}

/*
 * The exposure window of a rare write: from the moment the page becomes
 * writable through the alias to the moment it is not any more, for a
 * write of len bytes (the data window alone, as pool_write.c opens it).
 */
static double bench_window(enum ms_pool_rare_mode m, size_t len, long n)
{
	struct ms_sim *sim = sim_new();
	struct ms_pool *p = pool_new(sim, m, 4);
	struct pool_win mw, dw;
	struct ms_pool *w;
	uint8_t src[1024];
	double t = 0;
	void *x;
	int ret;

	memset(src, 9, sizeof(src));
	ret = ms_pool_alloc(sim, p, 1024, 0, &x);
	if (!ret)
		ret = ms_pool_seal(sim, p);
	if (!ret)
		ret = ms__pool_meta_open(p, POOL_NO_PAGE, &mw, &w);
	if (ret)
		die("pool setup", ret);
	for (long i = 0; i < n; i++) {
		double t0 = now_ns();

		ret = ms__pool_win_open(p, w, pool_slot_off(p, 0), p->page, &dw);
		if (ret)
			die("window", ret);
		memcpy(dw.p, src, len);
		ret = ms__pool_win_close(p, &dw);
		t += now_ns() - t0;
		if (ret)
			die("window", ret);
	}
	ms__pool_win_close(p, &mw);
	ms_sim_free(sim);
	return t / n - timer_overhead;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	long ns = n / 20 > 2000 ? 2000 : (n / 20 ? n / 20 : 1);
	long nr = n / 10 ? n / 10 : 1;
	size_t pg = ms__os_page_size();
	static const size_t sizes[] = { 8, 64, 1024 };
	double v[REPS], bump, alloc[3], mp, seal[3], cpy[3], rare[3][3],
		win[2][3];

	calibrate();

	for (int r = 0; r < REPS; r++)
		v[r] = bench_bump(n);
	bump = median(v, REPS);
	for (int m = 0; m < 3; m++) {
		for (int r = 0; r < REPS; r++)
			v[r] = bench_pool_alloc(m, n, pg);
		alloc[m] = median(v, REPS);
	}
	for (int r = 0; r < REPS; r++)
		v[r] = bench_mprotect(ns, pg);
	mp = median(v, REPS);
	for (int m = 0; m < 3; m++) {
		for (int r = 0; r < REPS; r++)
			v[r] = bench_seal(m, ns, pg);
		seal[m] = median(v, REPS);
	}
	for (int s = 0; s < 3; s++) {
		for (int r = 0; r < REPS; r++)
			v[r] = bench_memcpy(sizes[s], nr * 10);
		cpy[s] = median(v, REPS);
		for (int m = 0; m < 3; m++) {
			for (int r = 0; r < REPS; r++)
				v[r] = bench_rare(m, sizes[s], nr);
			rare[m][s] = median(v, REPS);
		}
		for (int m = 0; m < 2; m++) {
			for (int r = 0; r < REPS; r++)
				v[r] = bench_window(m, sizes[s], nr);
			win[m][s] = median(v, REPS);
		}
	}

	printf("memsim sealed-pool benchmark (median of %d runs, ns of thread CPU time per operation, page %zu B)\n\n",
	       REPS, pg);
	printf("allocation, 64 B (%ld per run)                ns    vs bump\n", n);
	printf("  bump pointer, malloc'd buffer (baseline) %8.1f    %7.1fx\n",
	       bump, 1.0);
	for (int m = 0; m < 3; m++)
		printf("  ms_pool_alloc, %-4s                      %8.1f    %7.1fx\n",
		       mode_name[m], alloc[m], alloc[m] / bump);
	printf("\nsealing one page (%ld per run)                 ns    vs mprotect\n", ns);
	printf("  mprotect(PROT_READ), one page (baseline) %8.1f    %7.2fx\n",
	       mp, 1.0);
	for (int m = 0; m < 3; m++)
		printf("  ms_pool_seal, %-4s                       %8.1f    %7.2fx\n",
		       mode_name[m], seal[m], seal[m] / mp);
	for (int s = 0; s < 3; s++) {
		printf("\nrare write, %4zu B (%ld per run)             ns    vs memcpy\n",
		       sizes[s], nr);
		printf("  memcpy (baseline)                        %8.1f    %7.1fx\n",
		       cpy[s], 1.0);
		for (int m = 0; m < 3; m++)
			printf("  ms_pool_rare_write, %-4s                 %8.1f    %7.1fx\n",
			       mode_name[m], rare[m][s], rare[m][s] / cpy[s]);
		for (int m = 0; m < 2; m++)
			printf("  alias writable per call, %-4s            %8.1f    %7.1fx\n",
			       mode_name[m], win[m][s], win[m][s] / cpy[s]);
		printf("  alias writable per call, OPEN            (always: the pool's lifetime)\n");
	}
	return 0;
}
