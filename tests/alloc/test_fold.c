/* SPDX-License-Identifier: MIT */
/*
 * Group and total counters are folded, not kept per operation
 * (src/alloc/alloc_priv.h, "Folding"): a grant or a credit moves only its
 * requester's record and its kind's counters, and the group's and the
 * totals' catch up when anything reads them or another record moves.
 * That is meant to be exact, peaks included. These tests check it against
 * a model that keeps every counter per operation, the plain way, over a
 * long seeded random program: grants for several threads in several
 * groups (the fast and the general paths), frees by the requester and by
 * another thread, objects' records and data, moves between groups, and
 * threads that end while charges of theirs are still out. The library's
 * figures are read at random points (each read folds, so intervals of
 * every length occur) and at the end, and must equal the model's. Each
 * program runs twice: with the event log keeping events (every charged
 * operation takes the general path) and with events only hashed (the
 * fast paths, which must leave to the general one whenever the
 * requester's record is not the pending one: dropping that check from
 * either fast path makes this test fail).
 *
 * Under "process" the model also decides every request, so a decision
 * made while the group's counters lag behind must still be the exact one.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "alloc/alloc.h"
#include "sched/sched.h"

#define NT 5		/* thread 0 drives; 1..4 are the workers */
#define NG 4		/* groups 0..3 (0 unused by the workers) */
#define NBLK 512
#define STEPS 6000

struct mst {		/* a model's set of counters */
	uint64_t granted, freed, dq, held, count, bpeak, cpeak;
};

struct blk {
	void *p;
	int t;		/* requester's index */
	unsigned kind;
	uint64_t bytes;
};

struct prog {
	const char *policy;
	uint64_t group_limit;
	uint64_t rng;
	ms_tid tid[NT];
	bool alive[NT];
	bool stop[NT];
	uint32_t group[NT];
	struct mst th[NT], gr[NG], total;
	struct mst kind[MS_ALLOC__COUNT];
	struct blk blk[NBLK];
	int nblk;
	unsigned reads, moves, ends, frees_by_other, denials;
};

static uint32_t rnd(struct prog *g, uint32_t n)
{
	/* xorshift64*: the program is the same on every run */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (uint32_t)((g->rng * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

static void grow(struct mst *m, uint64_t bytes, uint64_t count)
{
	m->held += bytes;
	m->count += count;
	if (m->held > m->bpeak)
		m->bpeak = m->held;
	if (m->count > m->cpeak)
		m->cpeak = m->count;
}

static void model_grant(struct prog *g, int t, unsigned kind, uint64_t bytes)
{
	uint64_t req = kind != MS_ALLOC_OBJECT_DATA;

	g->th[t].granted++;
	g->gr[g->group[t]].granted++;
	g->total.granted++;
	g->kind[kind].granted++;
	grow(&g->th[t], bytes, req);
	grow(&g->gr[g->group[t]], bytes, req);
	grow(&g->total, bytes, req);
	grow(&g->kind[kind], bytes, 0);
}

static void shrink(struct mst *m, uint64_t bytes, uint64_t count)
{
	m->held -= bytes;
	m->count -= count;
}

static void model_credit(struct prog *g, const struct blk *b)
{
	uint64_t req = b->kind != MS_ALLOC_OBJECT_DATA;

	g->th[b->t].freed++;
	g->gr[g->group[b->t]].freed++;
	g->total.freed++;
	g->kind[b->kind].freed++;
	shrink(&g->th[b->t], b->bytes, req);
	shrink(&g->gr[g->group[b->t]], b->bytes, req);
	shrink(&g->total, b->bytes, req);
	shrink(&g->kind[b->kind], b->bytes, 0);
}

static void same(const struct mst *m, const struct ms_quota_stats *st)
{
	assert_int_equal(st->granted, m->granted);
	assert_int_equal(st->freed, m->freed);
	assert_int_equal(st->denied_quota, m->dq);
	assert_int_equal(st->requested, m->granted + m->dq);
	assert_int_equal(st->bytes_held, m->held);
	assert_int_equal(st->count_held, m->count);
	assert_int_equal(st->bytes_peak, m->bpeak);
	assert_int_equal(st->count_peak, m->cpeak);
}

static void compare(struct ms_sim *sim, struct prog *g)
{
	struct ms_quota_stats st;

	for (int t = 0; t < NT; t++) {
		st = tstats(sim, g->tid[t]);
		same(&g->th[t], &st);
		assert_int_equal(st.group, g->group[t]);
		assert_int_equal(st.alive, g->alive[t]);
	}
	for (uint32_t k = 1; k < NG; k++) {
		st = gstats(sim, k);
		same(&g->gr[k], &st);
	}
	assert_int_equal(ms_quota_total_stats(sim, &st), 0);
	same(&g->total, &st);
	for (unsigned k = 0; k < MS_ALLOC__COUNT; k++) {
		struct ms_alloc_kind_stats ks;

		assert_int_equal(ms_alloc_kind_stats(sim, k, &ks), 0);
		assert_int_equal(ks.granted, g->kind[k].granted);
		assert_int_equal(ks.freed, g->kind[k].freed);
		assert_int_equal(ks.bytes_held, g->kind[k].held);
		assert_int_equal(ks.bytes_peak, g->kind[k].bpeak);
		assert_int_equal(ks.count_held, g->kind[k].granted -
				 g->kind[k].freed);
	}
	g->reads++;
}

static void worker_run(struct ms_sim *sim, void *arg)
{
	bool *stop = arg;

	while (!*stop)
		ms_sleep(sim, 1);
}

static const size_t sizes[] = { 8, 16, 24, 40, 64, 100, 200, 256, 300 };
static const unsigned kinds[] = {
	MS_ALLOC_OTHER, MS_ALLOC_OBJECT, MS_ALLOC_OBJECT_DATA,
	MS_ALLOC_QUEUE_NODE,
};

static void step_alloc(struct ms_sim *sim, struct prog *g)
{
	/* the driver itself half the time: its own grants take the fast
	 * path as long as its record stays the pending one */
	int t = rnd(g, 2) ? 0 : 1 + (int)rnd(g, NT - 1);
	size_t size = sizes[rnd(g, G_N_ELEMENTS(sizes))];
	unsigned kind = kinds[rnd(g, G_N_ELEMENTS(kinds))];
	uint64_t bytes = ms_heap_footprint(size);
	struct mst *grp;
	void *p = NULL;
	bool deny = false;
	int r;

	if (!g->alive[t] || g->nblk == NBLK)
		return;
	grp = &g->gr[g->group[t]];
	if (g->group_limit)
		deny = bytes > g->group_limit ||
		       grp->held > g->group_limit - bytes;
	r = ms__kalloc(sim, ms__thread_lookup(sim, g->tid[t]), size, kind, &p);
	if (deny) {
		assert_int_equal(r, -EDQUOT);
		g->th[t].dq++;
		grp->dq++;
		g->total.dq++;
		g->denials++;
		return;
	}
	assert_int_equal(r, 0);
	model_grant(g, t, kind, bytes);
	g->blk[g->nblk++] = (struct blk){ p, t, kind, bytes };
}

static void step_free(struct ms_sim *sim, struct prog *g)
{
	int i;
	struct blk b;

	if (!g->nblk)
		return;
	i = (int)rnd(g, (uint32_t)g->nblk);
	b = g->blk[i];
	g->blk[i] = g->blk[--g->nblk];
	ms__kfree(sim, b.p);
	model_credit(g, &b);
	if (b.t != 0)
		g->frees_by_other++;
}

/* A worker moves to another group with what it holds (its history
 * stays). */
static void step_move(struct ms_sim *sim, struct prog *g)
{
	int t = 1 + (int)rnd(g, NT - 1);
	uint32_t to = 1 + rnd(g, NG - 1);
	struct mst *from;

	if (!g->alive[t] || to == g->group[t])
		return;
	assert_int_equal(ms_thread_group_set(sim, g->tid[t], to), 0);
	from = &g->gr[g->group[t]];
	shrink(from, g->th[t].held, g->th[t].count);
	grow(&g->gr[to], g->th[t].held, g->th[t].count);
	g->group[t] = to;
	g->moves++;
}

/* A worker ends, maybe holding charges: they are credited to it later. */
static void step_end(struct ms_sim *sim, struct prog *g)
{
	int t = 1 + (int)rnd(g, NT - 1);

	if (!g->alive[t])
		return;
	g->stop[t] = true;
	assert_int_equal(ms_thread_join(sim, g->tid[t], MS_FOREVER), 0);
	g->alive[t] = false;
	g->ends++;
}

static void driver_run(struct ms_sim *sim, void *arg)
{
	struct prog *g = arg;

	for (int t = 1; t < NT; t++) {
		g->group[t] = 1 + (uint32_t)(t % (NG - 1));
		g->alive[t] = true;
		g->tid[t] = spawn(sim, "worker", 0, 0, g->group[t], worker_run,
				  &g->stop[t]);
	}
	for (int s = 0; s < STEPS; s++) {
		uint32_t r = rnd(g, 100);

		if (r < 45)
			step_alloc(sim, g);
		else if (r < 88)
			step_free(sim, g);
		else if (r < 92)
			step_move(sim, g);
		else if (r < 93 && s > STEPS / 3)
			step_end(sim, g);
		else if (r < 97)
			compare(sim, g);
		else
			ms_sleep(sim, 1);
	}
	compare(sim, g);
	while (g->nblk)
		step_free(sim, g);
	compare(sim, g);
	for (int t = 1; t < NT; t++)
		g->stop[t] = true;
}

/* keep_events: every charged operation takes the general path; without,
 * the fast paths wherever they apply (src/alloc/alloc.c). */
static void run_once(const char *policy, uint64_t group_limit,
		     uint64_t seed, bool keep_events)
{
	struct ms_quota_params qp = { .limit = group_limit };
	struct prog *g = calloc(1, sizeof(*g));
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	assert_non_null(g);
	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.heap_size = 1u << 20;
	cfg.event_log_capacity = keep_events ? 1u << 16 : 0;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	g->policy = policy;
	g->group_limit = group_limit;
	g->rng = seed;
	assert_int_equal(ms_quota_policy_set(sim, policy, &qp), 0);
	g->group[0] = 1;
	g->alive[0] = true;
	g->tid[0] = spawn(sim, "driver", -1, 0, 1, driver_run, g);
	assert_int_equal(ms_sim_run(sim), 0);
	/* every case occurred, more than once */
	assert_true(g->reads > 100);
	assert_true(g->moves > 20);
	assert_true(g->ends >= 2);
	assert_true(g->frees_by_other > 100);
	if (group_limit)
		assert_true(g->denials > 20);
	ms_sim_free(sim);
	free(g);
}

static void run_program(const char *policy, uint64_t group_limit,
			uint64_t seed)
{
	run_once(policy, group_limit, seed, true);
	run_once(policy, group_limit, seed, false);
}

static void test_fold_unlimited(void **state)
{
	(void)state;
	run_program("unlimited", 0, 0x9e3779b97f4a7c15ULL);
	run_program("unlimited", 0, 12345);
}

/* process decides on its group's bytes while they lag behind */
static void test_fold_process(void **state)
{
	(void)state;
	run_program("process", 2000, 0x9e3779b97f4a7c15ULL);
	run_program("process", 2000, 777);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_unlimited),
		cmocka_unit_test(test_fold_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
