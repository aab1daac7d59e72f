/* SPDX-License-Identifier: MIT */
/*
 * Alloc benchmark: what a quota-checked kernel allocation costs, next to
 * glibc malloc+free of the same sizes measured in the same run.
 *
 *   glibc:   malloc + free, sizes cycling 16..256 bytes (the baseline);
 *   floor:   glibc malloc + free with the accounting a charged allocation
 *            must do around it and nothing else (bench_floor below): what
 *            the modelled semantics cost on any allocator;
 *   heap:    the raw allocator (ms__heap_alloc + ms__heap_release), same
 *            sizes, from the host; with the default quick lists, and
 *            without (depth 0: Zephyr sys_heap's split and coalesce);
 *   kalloc:  ms__kalloc + ms__kfree under the "count" policy, requested by
 *            a simulated thread: quota check, accounting of requester and
 *            group, heap, two events, simulated clock; also with the
 *            heap's quick lists off. With events only hashed the common
 *            allocation and free take their straight-line fast paths;
 *            with events kept (the library's default, and a traced
 *            scenario run's), the general ones;
 *   public:  ms_heap_alloc + ms_heap_free from a simulated supervisor
 *            thread: the above plus a kernel entry and exit each;
 *   policies: the kalloc line under each other built-in policy (limits
 *            no round trip reaches; "pool" from a 64 KiB pool).
 *
 * Each figure is the median of REPS runs, in ns per alloc+free round trip,
 * with the median of its per-run ratios to glibc (and the charged line's to
 * the floor); the process stays on the CPU it started on (bench_pin). The
 * last lines hold the ratios against their targets (docs/heap-and-quotas.md
 * section 6): the charged round trip within 2x glibc (the letter),
 * the heap within 2x glibc, the charged round trip within 2x the floor.
 * Usage: bench_alloc [iterations]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <memsim/memsim.h>

#include "alloc/alloc.h"
#include "alloc/heap_priv.h"
#include "sched/sched.h"
#include "bench.h"

#define REPS 7
#define NSIZES 8

static const size_t sizes[NSIZES] = { 16, 32, 48, 64, 96, 128, 192, 256 };

static void *volatile sink;

static double bench_glibc(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		void *p = malloc(sizes[i & (NSIZES - 1)]);

		sink = p;
		free(sink);
	}
	return (now_ns() - t0) / n;
}

static double bench_heap(struct ms_heap *h, long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		void *p = ms__heap_alloc(h, sizes[i & (NSIZES - 1)], 0, 0);

		if (!p)
			abort();
		sink = p;
		ms__heap_release(h, sink);
	}
	return (now_ns() - t0) / n;
}

/*
 * The modelling floor: glibc malloc+free with nothing of memsim around it
 * but what a charged allocation has to record, written as plainly as it
 * goes: the requester's record (handed in: memsim loads it from the
 * thread's slot), the "count" decision (on the limit in force, kept in
 * the record as memsim keeps it), an 8-byte tag before the caller's
 * bytes (requester, kind, footprint: what a free needs to credit), the
 * counters memsim moves per operation (requester and kind, with their
 * peaks; the group's and the totals' are folded in when another record
 * moves, as memsim does: floor_fold, reached here only at the first grant
 * and at the end), the simulated clock and the two events hashed with
 * the event log's own mix. The gap between this line and the kalloc line
 * is what memsim's heap and glue add; the gap between this line and
 * glibc is what the modelled accounting costs on any allocator.
 */
struct floor_tag {
	uint32_t tid;
	uint16_t units;
	uint8_t kind;
	uint8_t pad;
};
_Static_assert(sizeof(struct floor_tag) == 8, "one 8-byte tag");

struct floor_rec {
	uint32_t tid;
	uint64_t limit;		/* in force, kept when it changes, as memsim */
	struct ms_quota_stats st, *grp;
};

struct floor_sim {
	uint64_t now;
	struct ms__evlog log;
	struct floor_rec *tab[4];
	struct ms_quota_stats grp, total;
	struct ms_alloc_kind_stats kinds[MS_ALLOC__COUNT];
	uint64_t default_limit;
	struct floor_rec *pend;	/* the record not folded yet */
	struct ms_quota_stats mark;	/* its counters when it became so */
};

static void floor_fold_into(struct ms_quota_stats *to,
			    const struct ms_quota_stats *st,
			    const struct ms_quota_stats *m)
{
	uint64_t pb = st->bytes_peak - m->bytes_held;
	uint64_t pc = st->count_peak - m->count_held;

	if (to->bytes_held + pb > to->bytes_peak)
		to->bytes_peak = to->bytes_held + pb;
	if (to->count_held + pc > to->count_peak)
		to->count_peak = to->count_held + pc;
	to->bytes_held += st->bytes_held - m->bytes_held;
	to->count_held += st->count_held - m->count_held;
	to->granted += st->granted - m->granted;
	to->freed += st->freed - m->freed;
}

/* Another record (or none) is about to move: the group and the totals
 * take what the pending one did, as memsim's ms__acct_fold (the
 * benchmark's one record gets here once, at its first grant). */
static __attribute__((noinline)) void floor_fold(struct floor_sim *fs,
						 struct floor_rec *r)
{
	struct floor_rec *p = fs->pend;

	if (p) {
		floor_fold_into(p->grp, &p->st, &fs->mark);
		floor_fold_into(&fs->total, &p->st, &fs->mark);
		if (fs->mark.bytes_peak > p->st.bytes_peak)
			p->st.bytes_peak = fs->mark.bytes_peak;
		if (fs->mark.count_peak > p->st.count_peak)
			p->st.count_peak = fs->mark.count_peak;
	}
	fs->pend = r;
	if (r) {
		fs->mark = r->st;
		r->st.bytes_peak = r->st.bytes_held;
		r->st.count_peak = r->st.count_held;
	}
}

static void floor_grow(struct ms_quota_stats *st, uint64_t bytes)
{
	st->bytes_held += bytes;
	st->count_held++;
	if (st->bytes_held > st->bytes_peak)
		st->bytes_peak = st->bytes_held;
	if (st->count_held > st->count_peak)
		st->count_peak = st->count_held;
}

static __attribute__((noinline)) int
floor_alloc(struct floor_sim *fs, struct floor_rec *r, size_t size,
	    unsigned kind, void **out)
{
	uint64_t bytes = ms_heap_footprint(size);
	struct ms_alloc_kind_stats *k = &fs->kinds[kind];
	struct floor_tag *t;

	fs->now += 12;
	if (r->st.count_held >= r->limit)
		return -EDQUOT;
	t = malloc(size + sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->tid = r->tid;
	t->units = (uint16_t)(bytes / 8);
	t->kind = (uint8_t)kind;
	if (r != fs->pend)
		floor_fold(fs, r);
	r->st.granted++;
	floor_grow(&r->st, bytes);
	k->granted++;
	k->bytes_held += bytes;
	if (k->bytes_held > k->bytes_peak)
		k->bytes_peak = k->bytes_held;
	ms__evlog_mix(&fs->log, fs->now, MS_EV_ALLOC, r->tid, bytes, 0);
	*out = t + 1;
	return 0;
}

static __attribute__((noinline)) void
floor_free(struct floor_sim *fs, void *p)
{
	struct floor_tag *t = (struct floor_tag *)p - 1;
	struct floor_rec *r = t->tid < 4 ? fs->tab[t->tid] : NULL;
	struct ms_alloc_kind_stats *k = &fs->kinds[t->kind];
	uint64_t bytes = (uint64_t)t->units * 8;

	if (!r)
		abort();
	fs->now += 10;
	if (r != fs->pend)
		floor_fold(fs, r);
	r->st.freed++;
	r->st.bytes_held -= bytes;
	r->st.count_held--;
	k->freed++;
	k->bytes_held -= bytes;
	ms__evlog_mix(&fs->log, fs->now, MS_EV_FREE, r->tid, bytes, r->tid);
	free(t);
}

static double bench_floor(long n)
{
	static struct floor_sim fs;
	static struct floor_rec rec;
	double t0;

	memset(&fs, 0, sizeof(fs));
	rec = (struct floor_rec){ .tid = 1, .grp = &fs.grp };
	rec.st.limit = 10;
	rec.st.limit_explicit = true;
	fs.tab[1] = &rec;
	fs.default_limit = UINT64_MAX;
	rec.limit = rec.st.limit_explicit ? rec.st.limit : fs.default_limit;
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		size_t size = sizes[i & (NSIZES - 1)];
		void *p;

		if (floor_alloc(&fs, &rec, size, MS_ALLOC_OTHER, &p))
			abort();
		sink = p;
		floor_free(&fs, sink);
	}
	t0 = (now_ns() - t0) / n;
	floor_fold(&fs, NULL);
	if (rec.st.granted != (uint64_t)n || fs.total.bytes_held ||
	    fs.grp.granted != (uint64_t)n || !fs.total.bytes_peak)
		abort();
	return t0;
}

struct thread_bench {
	long n;
	bool public_api;
	double ns;
	int err;
};

static void kalloc_thread(struct ms_sim *sim, void *arg)
{
	struct thread_bench *b = arg;
	struct ms_thread *me = ms__current(sim);
	double t0 = now_ns();

	for (long i = 0; i < b->n; i++) {
		void *p;
		int r = ms__kalloc(sim, me, sizes[i & (NSIZES - 1)],
				   MS_ALLOC_OTHER, &p);

		if (r) {
			b->err = r;
			return;
		}
		sink = p;
		ms__kfree(sim, sink);
	}
	b->ns = (now_ns() - t0) / b->n;
}

static void public_thread(struct ms_sim *sim, void *arg)
{
	struct thread_bench *b = arg;
	double t0 = now_ns();

	for (long i = 0; i < b->n; i++) {
		void *p;
		int r = ms_heap_alloc(sim, sizes[i & (NSIZES - 1)], &p);

		if (r) {
			b->err = r;
			return;
		}
		sink = p;
		ms_heap_free(sim, sink);
	}
	b->ns = (now_ns() - t0) / b->n;
}

static double bench_in_sim(long n, bool public_api, bool keep_events,
			   uint32_t quick_depth, const char *policy)
{
	/* Limits no round trip reaches: one request of at most 272 bytes is
	 * outstanding at a time. */
	struct ms_quota_params qp = {
		.limit = strcmp(policy, "count") == 0 ? 10 : 64 * 1024,
	};
	struct thread_bench b = { .n = n, .public_api = public_api };
	struct ms_config cfg;
	struct ms_heap *pool;
	struct ms_sim *sim;
	ms_tid tid;

	ms_config_init(&cfg);
	if (!keep_events)
		cfg.event_log_capacity = 0;	/* hashed, not stored */
	cfg.heap_quick_depth = quick_depth;
	if (ms_sim_new(&cfg, &sim) ||
	    ms_quota_policy_set(sim, policy, &qp) ||
	    ms_thread_create(sim, NULL, public_api ? public_thread :
			     kalloc_thread, &b, &tid) ||
	    (strcmp(policy, "pool") == 0 &&
	     (ms_heap_create(sim, "pool", 64 * 1024, &pool) ||
	      ms_thread_heap_assign(sim, tid, pool))) ||
	    ms_sim_run(sim)) {
		fprintf(stderr, "bench_alloc: sim setup failed\n");
		exit(3);
	}
	if (b.err) {
		fprintf(stderr, "bench_alloc: allocation failed: %d\n", b.err);
		exit(3);
	}
	ms_sim_free(sim);
	return b.ns;
}

static const char *const other_policies[] = {
	"unlimited", "bytes", "process", "pool",
};
#define NPOL (sizeof(other_policies) / sizeof(other_policies[0]))

/* One figure: its median, and the median of its per-run ratios to glibc
 * (and to the floor). */
static void line(const char *label, const double *x, const double *g,
		 const double *fl)
{
	printf("  %-44s %7.1f ns  %5.2fx glibc", label, median_kept(x, REPS),
	       median_ratio(x, g, REPS));
	if (fl)
		printf("  %5.2fx floor", median_ratio(x, fl, REPS));
	printf("\n");
}

static void target(const char *label, double ratio)
{
	printf("  %-44s %5.2fx  (at most 2x): %s\n", label, ratio,
	       ratio <= 2.0 ? "met" : "MISSED");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	double g[REPS], fl[REPS], h[REPS], h0[REPS], k[REPS], k0[REPS], ke[REPS];
	double pub[REPS], pol[NPOL][REPS];
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_heap *heap, *heap0;
	uint32_t depth;
	int cpu = bench_pin();

	if (n <= 0)
		n = 2000000;
	ms_config_init(&cfg);
	depth = cfg.heap_quick_depth;
	if (ms_sim_new(&cfg, &sim) ||
	    ms_heap_create(sim, "bench", 64 * 1024, &heap) ||
	    ms_heap_create(sim, "sys_heap", 64 * 1024, &heap0) ||
	    ms_heap_set_quick_depth(sim, heap0, 0)) {
		fprintf(stderr, "bench_alloc: setup failed\n");
		return 3;
	}
	/* Warm the allocators up. */
	bench_glibc(n / 10);
	bench_floor(n / 10);
	bench_heap(heap, n / 10);
	bench_heap(heap0, n / 10);
	for (int r = 0; r < REPS; r++) {
		g[r] = bench_glibc(n);
		fl[r] = bench_floor(n);
		h[r] = bench_heap(heap, n);
		h0[r] = bench_heap(heap0, n);
		k[r] = bench_in_sim(n, false, false, depth, "count");
		k0[r] = bench_in_sim(n, false, false, 0, "count");
		ke[r] = bench_in_sim(n, false, true, depth, "count");
		pub[r] = bench_in_sim(n, true, false, depth, "count");
		for (size_t i = 0; i < NPOL; i++)
			pol[i][r] = bench_in_sim(n, false, false, depth,
						 other_policies[i]);
	}
	ms_sim_free(sim);

	printf("alloc+free round trip, sizes 16..256 B, %ld iterations, "
	       "median of %d, heap quick depth %u, CPU %d\n", n, REPS, depth,
	       cpu);
	printf("  %-44s %7.1f ns  (baseline)\n", "glibc malloc+free",
	       median_kept(g, REPS));
	line("glibc + the accounting alone (floor)", fl, g, NULL);
	line("raw heap (ms__heap_alloc+release)", h, g, NULL);
	line("raw heap, no quick lists (sys_heap)", h0, g, NULL);
	line("ms__kalloc+ms__kfree, count (events hashed)", k, g, fl);
	line("  the same, no quick lists", k0, g, NULL);
	line("ms__kalloc+ms__kfree, count (events kept)", ke, g, NULL);
	line("ms_heap_alloc+ms_heap_free (kernel entries)", pub, g, NULL);
	for (size_t i = 0; i < NPOL; i++) {
		char label[64];

		snprintf(label, sizeof(label), "ms__kalloc+ms__kfree, %s (hashed)",
			 other_policies[i]);
		line(label, pol[i], g, NULL);
	}
	printf("targets (docs/heap-and-quotas.md, section 6)\n");
	target("charged round trip vs glibc", median_ratio(k, g, REPS));
	target("heap without quick lists vs glibc", median_ratio(h0, g, REPS));
	target("charged round trip vs the floor", median_ratio(k, fl, REPS));
	return 0;
}
