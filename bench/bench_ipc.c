/* SPDX-License-Identifier: MIT */
/*
 * IPC benchmark: what an accounted message round trip costs on the host,
 * next to baselines measured in the same run.
 *
 *   queue:   g_malloc + memcpy in + g_queue push + pop + memcpy out +
 *            g_free of 64 bytes, from the host: the bare data movement a
 *            message needs (the baseline);
 *   kalloc:  ms__kalloc + ms__kfree of the same block from a simulated
 *            thread: the message's storage alone;
 *   <mode>:  ms_ipc_send + ms_ipc_recv(MS_NO_WAIT) of 64 bytes to the
 *            thread's own node, under each built-in mode: two kernel
 *            entries, handle lookups, the mode's plan, the budget checks,
 *            charge and release, the heap block, two events;
 *   handle:  as fair-share with one handle moved in the message (dup +
 *            send + recv + close: two more kernel entries).
 *
 * Each figure is the median of REPS runs, in ns per round trip, with its
 * ratio to the queue baseline. Usage: bench_ipc [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include <memsim/memsim.h>

#include "alloc/alloc.h"
#include "bench.h"

#define REPS 5
#define LEN 64

static double bench_queue(long n)
{
	char in[LEN] = { 1 }, out[LEN];
	GQueue q = G_QUEUE_INIT;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		char *m = g_malloc(LEN);

		memcpy(m, in, LEN);
		g_queue_push_tail(&q, m);
		m = g_queue_pop_head(&q);
		memcpy(out, m, LEN);
		g_free(m);
	}
	__asm__ volatile("" : : "r"(out) : "memory");
	return (now_ns() - t0) / (double)n;
}

enum what { W_KALLOC, W_IPC, W_HANDLE };

struct job {
	enum what what;
	long n;
	double ns;
	int err;
};

static void worker(struct ms_sim *sim, void *arg)
{
	struct job *j = arg;
	char in[LEN] = { 1 }, out[LEN];
	ms_ipc_handle h, d, got;
	double t0;

	if (ms_ipc_node_new(sim, NULL, &h)) {
		j->err = 1;
		return;
	}
	t0 = now_ns();
	for (long i = 0; i < j->n; i++) {
		struct ms_ipc_out o = { in, LEN, NULL, 0 };
		struct ms_ipc_in m = { .buf = out, .buf_size = LEN,
				       .handles = &got, .handles_size = 1 };
		void *p;

		switch (j->what) {
		case W_KALLOC:
			if (ms__kalloc(sim, NULL, MS_IPC_MSG_HEADER + LEN,
				       MS_ALLOC_IPC, &p))
				j->err = 1;
			ms__kfree(sim, p);
			break;
		case W_IPC:
			if (ms_ipc_send(sim, h, &o, NULL) ||
			    ms_ipc_recv(sim, h, MS_NO_WAIT, &m))
				j->err = 1;
			break;
		case W_HANDLE:
			ms_ipc_handle_dup(sim, h, &d);
			o.handles = &d;
			o.n_handles = 1;
			if (ms_ipc_send(sim, h, &o, NULL) ||
			    ms_ipc_recv(sim, h, MS_NO_WAIT, &m) ||
			    ms_ipc_handle_close(sim, got))
				j->err = 1;
			break;
		}
	}
	j->ns = (now_ns() - t0) / (double)j->n;
}

static double bench_sim(const char *mode, enum what what, long n)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_ipc_amount unl = { MS_IPC_UNLIMITED, MS_IPC_UNLIMITED,
				     MS_IPC_UNLIMITED };
	struct job j = { what, n, 0, 0 };

	ms_config_init(&cfg);
	cfg.time_slice = 0;
	cfg.event_log_capacity = 1024;
	if (ms_sim_new(&cfg, &sim) || ms_ipc_mode_set(sim, mode) ||
	    ms_ipc_budget_default_set(sim, &unl)) {
		fprintf(stderr, "bench_ipc: cannot set up a sim\n");
		exit(3);
	}
	ms_thread_create(sim, NULL, worker, &j, NULL);
	ms_sim_run(sim);
	ms_sim_free(sim);
	if (j.err) {
		fprintf(stderr, "bench_ipc: an operation failed (%s)\n", mode);
		exit(3);
	}
	return j.ns;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	static const char *const modes[] = {
		"sender-pays", "receiver-pays", "fair-share", "request-reply",
	};
	double v[REPS], base;

	if (n <= 0)
		n = 200000;
	for (int r = 0; r < REPS; r++)
		v[r] = bench_queue(n);
	base = median(v, REPS);
	printf("ipc round trip of %d bytes, median of %d runs of %ld\n", LEN,
	       REPS, n);
	printf("  %-24s %8.1f ns  (baseline)\n", "queue (host, g_malloc)",
	       base);
	for (int r = 0; r < REPS; r++)
		v[r] = bench_sim("fair-share", W_KALLOC, n);
	printf("  %-24s %8.1f ns  %6.1fx\n", "kalloc+kfree (storage)",
	       median(v, REPS), median(v, REPS) / base);
	for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
		char label[40];

		for (int r = 0; r < REPS; r++)
			v[r] = bench_sim(modes[m], W_IPC, n);
		snprintf(label, sizeof(label), "send+recv %s", modes[m]);
		printf("  %-24s %8.1f ns  %6.1fx\n", label, median(v, REPS),
		       median(v, REPS) / base);
	}
	for (int r = 0; r < REPS; r++)
		v[r] = bench_sim("fair-share", W_HANDLE, n);
	printf("  %-24s %8.1f ns  %6.1fx\n", "dup+send+recv+close",
	       median(v, REPS), median(v, REPS) / base);
	return 0;
}
