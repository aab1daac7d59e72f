/* SPDX-License-Identifier: MIT */
/*
 * Core benchmark: what a simulated context switch and a guarded thread cost,
 * each next to baselines measured in the same run.
 *
 *   switch: ms_yield between two simulated threads (a full kernel entry,
 *           scheduling decision, event log and register switch), against
 *           - the bare callee-saved register switch it is built on,
 *           - glibc swapcontext (the portable backend),
 *           - two pthreads handing off with a mutex and condition variable
 *             (how other host simulators switch threads).
 *   thread: create + destroy of a guarded thread (fresh and recycled
 *           stacks), against a bare mmap + two mprotect guards + munmap.
 *
 * Medians of several repetitions; ns per operation. Usage:
 *   bench_core [iterations]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include <memsim/memsim.h>

#include "platform/ctx.h"
#include "platform/os.h"
#include "sched/sched_priv.h"
#include "bench.h"

#define REPS 7

/* ---- bare register switch and swapcontext ------------------------------ */

static struct ms__ctx main_ctx, peer_ctx;
static long peer_loops;

static void peer(void *arg)
{
	for (;;)
		ms__ctx_switch(&peer_ctx, &main_ctx);
}

static double bench_raw_switch(enum ms_ctx_backend backend, long n)
{
	size_t size = 64 * 1024;
	void *stack = malloc(size);
	double t0, t1;

	ms__ctx_init_current(&main_ctx, backend);
	ms__ctx_make(&peer_ctx, backend, stack, size, peer, NULL);
	ms__ctx_switch(&main_ctx, &peer_ctx); /* warm up, start the peer */
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		ms__ctx_switch(&main_ctx, &peer_ctx);
	t1 = now_ns();
	ms__ctx_destroy(&peer_ctx);
	ms__ctx_destroy(&main_ctx);
	free(stack);
	(void)peer_loops;
	return (t1 - t0) / (2.0 * n); /* two switches per round trip */
}

/* ---- pthread handoff ------------------------------------------------------ */

struct handoff {
	pthread_mutex_t m;
	pthread_cond_t c;
	int turn;
	long n;
};

static void *handoff_peer(void *arg)
{
	struct handoff *h = arg;

	pthread_mutex_lock(&h->m);
	for (long i = 0; i < h->n; i++) {
		while (h->turn != 1)
			pthread_cond_wait(&h->c, &h->m);
		h->turn = 0;
		pthread_cond_signal(&h->c);
	}
	pthread_mutex_unlock(&h->m);
	return NULL;
}

static double bench_pthread_handoff(long n)
{
	struct handoff h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, n };
	pthread_t th;
	double t0, t1;

	pthread_create(&th, NULL, handoff_peer, &h);
	t0 = now_ns();
	pthread_mutex_lock(&h.m);
	for (long i = 0; i < n; i++) {
		h.turn = 1;
		pthread_cond_signal(&h.c);
		while (h.turn != 0)
			pthread_cond_wait(&h.c, &h.m);
	}
	pthread_mutex_unlock(&h.m);
	t1 = now_ns();
	pthread_join(th, NULL);
	return (t1 - t0) / (2.0 * n);
}

/* ---- memsim yield ------------------------------------------------------------- */

static void yielder(struct ms_sim *sim, void *arg)
{
	long n = *(long *)arg;

	for (long i = 0; i < n; i++)
		ms_yield(sim);
}

static double bench_yield(enum ms_ctx_backend backend, long n)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_sim_stats st;
	double t0, t1;

	ms_config_init(&cfg);
	cfg.ctx_backend = backend;
	cfg.event_log_capacity = 0; /* the hash still covers every event */
	if (ms_sim_new(&cfg, &sim))
		abort();
	ms_thread_create(sim, NULL, yielder, &n, NULL);
	ms_thread_create(sim, NULL, yielder, &n, NULL);
	t0 = now_ns();
	ms_sim_run(sim);
	t1 = now_ns();
	ms_sim_get_stats(sim, &st);
	ms_sim_free(sim);
	return (t1 - t0) / (double)st.context_switches;
}

/* ---- thread create + destroy ---------------------------------------------- */

static void nothing(struct ms_sim *sim, void *arg)
{
}

static double bench_thread_cycle(size_t cache, long n)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	double t0, t1;

	ms_config_init(&cfg);
	cfg.stack_cache = cache;
	cfg.event_log_capacity = 0;
	if (ms_sim_new(&cfg, &sim))
		abort();
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		ms_tid t;

		if (ms_thread_create(sim, NULL, nothing, NULL, &t) ||
		    ms_thread_abort(sim, t))
			abort();
	}
	t1 = now_ns();
	ms_sim_free(sim);
	return (t1 - t0) / n;
}

static double bench_bare_guarded_map(long n)
{
	size_t page = 4096, len = 16384 + 2 * page;
	double t0, t1;

	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			abort();
		mprotect(m, page, PROT_NONE);
		mprotect(m + len - page, page, PROT_NONE);
		memset(m + page, 0xAA, 16384); /* the same painting we do */
		munmap(m, len);
	}
	t1 = now_ns();
	return (t1 - t0) / n;
}

#define MEASURE(var, expr)                                  \
	do {                                                \
		double v_[REPS];                            \
		for (int r_ = 0; r_ < REPS; r_++)           \
			v_[r_] = (expr);                    \
		var = median(v_, REPS);                     \
	} while (0)

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	long nt = n / 20 > 1000 ? n / 20 : 1000;
	double bare, uctx, pth, yield_asm, yield_uc, cyc_fresh, cyc_cached, bare_map;

	MEASURE(bare, bench_raw_switch(MS_CTX_ASM, n));
	MEASURE(uctx, bench_raw_switch(MS_CTX_UCONTEXT, n));
	MEASURE(pth, bench_pthread_handoff(n / 10));
	MEASURE(yield_asm, bench_yield(MS_CTX_ASM, n));
	MEASURE(yield_uc, bench_yield(MS_CTX_UCONTEXT, n / 4));
	MEASURE(cyc_fresh, bench_thread_cycle(0, nt));
	MEASURE(cyc_cached, bench_thread_cycle(64, nt));
	MEASURE(bare_map, bench_bare_guarded_map(nt));

	printf("memsim core benchmark (median of %d runs, ns per operation)\n", REPS);
	printf("backend: %s, guards: %s\n\n",
	       ms__ctx_have_asm() ? "asm available" : "ucontext only",
	       ms__os_guard_uses_madvise() ? "MADV_GUARD_INSTALL" : "mprotect");
	printf("context switch                          ns    vs bare   vs pthread\n");
	printf("  bare register switch (baseline) %9.1f    %6.2fx   %8.4fx\n", bare, 1.0, bare / pth);
	printf("  ms_yield, asm backend           %9.1f    %6.2fx   %8.4fx\n", yield_asm, yield_asm / bare, yield_asm / pth);
	printf("  glibc swapcontext               %9.1f    %6.2fx   %8.4fx\n", uctx, uctx / bare, uctx / pth);
	printf("  ms_yield, ucontext backend      %9.1f    %6.2fx   %8.4fx\n", yield_uc, yield_uc / bare, yield_uc / pth);
	printf("  pthread mutex+cond handoff      %9.1f    %6.2fx   %8.4fx\n", pth, pth / bare, 1.0);
	printf("\nthread create + destroy (16 KiB stack, 1 guard page each side)\n");
	printf("                                        ns    vs bare mmap+guards\n");
	printf("  bare mmap+2 mprotect+paint+munmap %7.1f    %6.2fx\n", bare_map, 1.0);
	printf("  ms_thread_create+abort, fresh   %9.1f    %6.2fx\n", cyc_fresh, cyc_fresh / bare_map);
	printf("  ms_thread_create+abort, recycled%9.1f    %6.2fx\n", cyc_cached, cyc_cached / bare_map);
	printf("\nmemory per thread: stack 16384 B + guards 2 x %zu B + bookkeeping %zu B (struct ms_thread)\n",
	       ms__os_page_size(), sizeof(struct ms_thread));
	return 0;
}
