/* SPDX-License-Identifier: MIT */
/*
 * The charged allocation has two paths (src/alloc/alloc.c): a straight
 * line for the common free and allocation, taken when no event is kept,
 * and the general path that handles everything. They must not differ in
 * anything but speed. Each test here runs one workload twice, once with
 * the event log keeping events (every charged operation then takes the
 * general path) and once with events only hashed (the fast paths wherever
 * they apply), and asserts that the two runs agree on the event hash and
 * count and on every counter the library reports; and, for one fixed run,
 * on the exact figures.
 *
 * The workload touches each case the fast paths must hand over or handle:
 * frees by the requester and by another thread, frees after the requester
 * died (the record must live until the last credit), frees from the host,
 * an object's record and data (one request), granted from a quick list
 * and from the buckets, kinds, quick lists full and off (the slow tails:
 * buckets and coalescing), pools, a quota refusal and a heap refusal.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "alloc/alloc.h"
#include "sched/sched.h"

#define NBLK 40

static const size_t sizes[] = { 8, 16, 24, 40, 64, 100, 200, 256, 300, 1000 };

struct work {
	void *mine[NBLK];	/* allocated by "owner", freed by "other" */
	int nmine;
	void *late[4];		/* freed by the host after the run */
	int denied_quota;
	int denied_nomem;
	ms_tid owner;
	bool objects_first;	/* two objects before anything else is held */
};

/* One charged request, its refusal counted by errno. */
static int take(struct ms_sim *sim, struct work *w, size_t size,
		unsigned kind, void **p)
{
	int r = ms__kalloc(sim, ms__current(sim), size, kind, p);

	if (r == -EDQUOT)
		w->denied_quota++;
	else if (r == -ENOMEM)
		w->denied_nomem++;
	else
		assert_int_equal(r, 0);
	if (r)
		*p = NULL;
	return r;
}

/* Objects: record and data, one request each. */
static void objects(struct ms_sim *sim, struct work *w)
{
	for (int i = 0; i < 2; i++) {
		void *rec, *data;

		if (take(sim, w, 48, MS_ALLOC_OBJECT, &rec))
			continue;
		if (!take(sim, w, 64, MS_ALLOC_OBJECT_DATA, &data))
			ms__kfree(sim, data);
		ms__kfree(sim, rec);
	}
}

/* Allocates a mix, frees half itself, exits holding the rest. */
static void owner_run(struct ms_sim *sim, void *arg)
{
	struct work *w = arg;
	void *own[NBLK];
	int n = 0;

	if (w->objects_first)
		objects(sim, w);
	for (int i = 0; i < NBLK; i++) {
		void *p;
		unsigned kind = i % 3 == 0 ? MS_ALLOC_TIMEOUT : MS_ALLOC_OTHER;

		if (take(sim, w, sizes[i % 10], kind, &p))
			continue;
		if (i % 2)
			own[n++] = p;
		else
			w->mine[w->nmine++] = p;
		if (i % 7 == 0)
			ms_yield(sim);
	}
	objects(sim, w);
	for (int i = 0; i < n; i++)
		ms__kfree(sim, own[i]);
	for (int i = 0; i < 4; i++)
		take(sim, w, 32, MS_ALLOC_OTHER, &w->late[i]);
}

/* Frees what the owner left it, half before the owner ends, half after. */
static void other_run(struct ms_sim *sim, void *arg)
{
	struct work *w = arg;

	int first;

	ms_sleep(sim, 5);
	first = w->nmine / 2;
	for (int i = 0; i < first; i++)
		ms__kfree(sim, w->mine[i]);
	assert_int_equal(ms_thread_join(sim, w->owner, MS_FOREVER), 0);
	for (int i = first; i < w->nmine; i++)
		ms__kfree(sim, w->mine[i]);
}

/* Everything the library reports about the charged allocations. */
struct figures {
	uint64_t hash, events;
	struct ms_quota_stats owner, other, g0, total;
	struct ms_alloc_kind_stats kinds[MS_ALLOC__COUNT];
	struct ms_heap_stats sys, pool;
};

static void run(const char *policy, uint64_t limit, uint32_t depth,
		bool keep_events, bool use_pool, bool objects_first,
		struct figures *f)
{
	struct ms_quota_params qp = { .limit = limit };
	struct work w = { .objects_first = objects_first };
	struct ms_config cfg;
	struct ms_heap *pool = NULL;
	struct ms_sim *sim;
	ms_tid other;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.heap_size = 4096;
	cfg.heap_quick_depth = depth;
	cfg.event_log_capacity = keep_events ? 1u << 16 : 0;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	assert_int_equal(ms_quota_policy_set(sim, policy, &qp), 0);
	if (use_pool)
		assert_int_equal(ms_heap_create(sim, "pool", 2048, &pool), 0);
	w.owner = spawn(sim, "owner", 0, 0, MS_GROUP_INHERIT, owner_run, &w);
	other = spawn(sim, "other", 0, 0, MS_GROUP_INHERIT, other_run, &w);
	if (pool) {
		assert_int_equal(ms_thread_heap_assign(sim, w.owner, pool), 0);
		assert_int_equal(ms_thread_heap_assign(sim, other, pool), 0);
	}
	assert_int_equal(ms_sim_run(sim), 0);
	for (int i = 0; i < 4; i++)
		ms__kfree(sim, w.late[i]);	/* from the host: no thread */

	memset(f, 0, sizeof(*f));
	f->hash = ms_sim_event_hash(sim);
	f->events = ms_sim_event_total(sim);
	f->owner = tstats(sim, w.owner);
	f->other = tstats(sim, other);
	f->g0 = gstats(sim, 0);
	assert_int_equal(ms_quota_total_stats(sim, &f->total), 0);
	for (unsigned k = 0; k < MS_ALLOC__COUNT; k++)
		assert_int_equal(ms_alloc_kind_stats(sim, k, &f->kinds[k]), 0);
	assert_int_equal(ms_heap_stats(ms_heap_system(sim), &f->sys), 0);
	if (pool)
		assert_int_equal(ms_heap_stats(pool, &f->pool), 0);
	/* Nothing is left outstanding, and the records agree. */
	assert_int_equal(f->total.bytes_held, 0);
	assert_int_equal(f->total.count_held, 0);
	assert_int_equal(f->owner.granted, f->owner.freed);
	assert_int_equal(f->total.granted,
			 f->owner.granted + f->other.granted);
	assert_int_equal(f->total.requested, f->total.granted +
			 f->total.denied_quota + f->total.denied_nomem);
	assert_int_equal(f->owner.denied_quota, (uint64_t)w.denied_quota);
	assert_int_equal(f->owner.denied_nomem, (uint64_t)w.denied_nomem);
	ms_sim_free(sim);
}

static void same_both_ways_as(const char *policy, uint64_t limit,
			      uint32_t depth, bool use_pool, bool objects_first,
			      struct figures *kept)
{
	struct figures hashed;

	run(policy, limit, depth, true, use_pool, objects_first, kept);
	run(policy, limit, depth, false, use_pool, objects_first, &hashed);
	assert_int_equal(kept->hash, hashed.hash);
	assert_int_equal(kept->events, hashed.events);
	assert_memory_equal(&kept->owner, &hashed.owner, sizeof(kept->owner));
	assert_memory_equal(&kept->other, &hashed.other, sizeof(kept->other));
	assert_memory_equal(&kept->g0, &hashed.g0, sizeof(kept->g0));
	assert_memory_equal(&kept->total, &hashed.total, sizeof(kept->total));
	assert_memory_equal(kept->kinds, hashed.kinds, sizeof(kept->kinds));
	assert_memory_equal(&kept->sys, &hashed.sys, sizeof(kept->sys));
	assert_memory_equal(&kept->pool, &hashed.pool, sizeof(kept->pool));
}

static void same_both_ways(const char *policy, uint64_t limit, uint32_t depth,
			   bool use_pool, struct figures *kept)
{
	same_both_ways_as(policy, limit, depth, use_pool, false, kept);
}

static void paths_agree_count(void **state)
{
	struct figures f;

	same_both_ways("count", 12, 8, false, &f);
	/* 46 requests (40, 2 object records whose data were refused, 4 for
	 * the host to free): 12 granted before the other thread frees, then
	 * one each time it frees. */
	assert_int_equal(f.owner.granted, 18);
	assert_int_equal(f.owner.denied_quota, 28);
	assert_int_equal(f.owner.denied_nomem, 0);
	assert_int_equal(f.owner.count_peak, 12);
	assert_int_equal(f.owner.bytes_peak, 2264);
	assert_int_equal(f.other.granted, 0);
	assert_int_equal(f.total.freed, 18);
	assert_int_equal(f.sys.quick_hits, 2);
}

static void paths_agree_bytes_no_quick_lists(void **state)
{
	struct figures f;

	same_both_ways("bytes", 1500, 0, false, &f);
	assert_int_equal(f.owner.granted, 21);
	assert_int_equal(f.owner.denied_quota, 25);
	assert_int_equal(f.owner.bytes_peak, 1496);	/* <= 1500 */
	assert_int_equal(f.sys.quick_hits, 0);
	assert_int_equal(f.sys.quick_chunks, 0);
}

static void paths_agree_unlimited_heap_full(void **state)
{
	struct figures f;

	same_both_ways("unlimited", 0, 8, false, &f);
	/* 4 KiB cannot hold what the owner keeps for the other thread. */
	assert_int_equal(f.owner.granted, 35);
	assert_int_equal(f.owner.denied_nomem, 11);
	assert_int_equal(f.owner.denied_quota, 0);
	assert_int_equal(f.owner.bytes_peak, 4072);
	assert_int_equal(f.sys.quick_hits, 2);
}

static void paths_agree_pool(void **state)
{
	struct figures f;

	same_both_ways("pool", 0, 8, true, &f);
	assert_int_equal(f.sys.allocs, 0);
	assert_int_equal(f.pool.allocs, 24);
	assert_int_equal(f.pool.frees, 24);
	assert_int_equal(f.owner.denied_nomem, 22);	/* the 2 KiB pool */
	assert_int_equal(f.owner.denied_nopool, 0);
}

static void paths_agree_process(void **state)
{
	struct figures f;

	same_both_ways("process", 2000, 2, false, &f);
	assert_int_equal(f.owner.granted, 23);
	assert_int_equal(f.owner.denied_quota, 23);
	assert_int_equal(f.g0.bytes_held, 0);
	assert_int_equal(f.g0.bytes_peak, 1992);	/* <= 2000 */
	assert_int_equal(f.sys.quick_hits, 2);
}

/* Objects granted record and data before anything else is held: with no
 * quick lists every chunk comes from the buckets (the fast allocation's
 * slow tail), and an object's data is no request of its own. */
static void paths_agree_objects_no_quick_lists(void **state)
{
	struct figures f;

	same_both_ways_as("count", 12, 0, false, true, &f);
	assert_int_equal(f.kinds[MS_ALLOC_OBJECT].granted, 2);
	assert_int_equal(f.kinds[MS_ALLOC_OBJECT_DATA].granted, 2);
	assert_int_equal(f.kinds[MS_ALLOC_OBJECT_DATA].bytes_peak,
			 ms_heap_footprint(64));
	assert_int_equal(f.sys.quick_hits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths_agree_count),
		cmocka_unit_test(paths_agree_bytes_no_quick_lists),
		cmocka_unit_test(paths_agree_objects_no_quick_lists),
		cmocka_unit_test(paths_agree_unlimited_heap_full),
		cmocka_unit_test(paths_agree_pool),
		cmocka_unit_test(paths_agree_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
