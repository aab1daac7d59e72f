/* SPDX-License-Identifier: MIT */
/*
 * Quota policies: the registry of ops tables on a sim, the active policy,
 * and the accounting records of threads and groups.
 *
 * What it models: a kernel that remembers, for every heap allocation it
 * made for a thread, whom to credit when it is freed, and that keeps the
 * per-thread and per-group figures a quota policy decides on.
 *
 * Invariants: a thread's record lives while its thread does and while it
 * has outstanding charges (granted > freed; alloc.c counts both), exactly
 * that long; its counters then move to the retired table, so
 * reports can read them after the thread is gone. Group records live as
 * long as the sim. Policy names are compared only when a policy is
 * registered or selected, never per request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc_priv.h"

struct ms__gacct *ms__gacct_get(struct ms__alloc *a, uint32_t group)
{
	struct ms__gacct *g = g_hash_table_lookup(a->groups,
						  GUINT_TO_POINTER(group));

	if (g)
		return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->id = group;
	g->st.group = group;
	g->st.pool = MS_HEAP_ID_NONE;
	g->limit = ms__acct_limit(a, &g->st);
	g_hash_table_insert(a->groups, GUINT_TO_POINTER(group), g);
	return g;
}

/* One set of counters takes a folded change: held moves by db and dc,
 * after rising by at most pb and pc on the way. */
static void fold_held(struct ms_quota_stats *st, uint64_t db, uint64_t dc,
		      uint64_t pb, uint64_t pc)
{
	if (st->bytes_held + pb > st->bytes_peak)
		st->bytes_peak = st->bytes_held + pb;
	if (st->count_held + pc > st->count_peak)
		st->count_peak = st->count_held + pc;
	st->bytes_held += db;
	st->count_held += dc;
}

void ms__acct_fold(struct ms__alloc *a)
{
	struct ms__acct *ac = a->pend;
	struct ms_quota_stats *st;
	uint64_t db, dc, pb, pc;

	if (!ac)
		return;
	st = &ac->st;
	/* Differences modulo 2^64: held may have fallen since the mark. The
	 * peaks are the highest since the mark, so never below it. */
	db = st->bytes_held - a->mark.bytes_held;
	dc = st->count_held - a->mark.count_held;
	pb = st->bytes_peak - a->mark.bytes_held;
	pc = st->count_peak - a->mark.count_held;
	fold_held(&ac->grp->st, db, dc, pb, pc);
	fold_held(&a->total, db, dc, pb, pc);
	ac->grp->st.granted += st->granted - a->mark.granted;
	ac->grp->st.freed += st->freed - a->mark.freed;
	st->bytes_peak = MAX(st->bytes_peak, a->mark.bytes_peak);
	st->count_peak = MAX(st->count_peak, a->mark.count_peak);
	a->pend = NULL;
}

void ms__acct_pend_switch(struct ms__alloc *a, struct ms__acct *ac)
{
	struct ms_quota_stats *st = &ac->st;

	ms__acct_fold(a);
	a->pend = ac;
	a->mark.granted = st->granted;
	a->mark.freed = st->freed;
	a->mark.bytes_held = st->bytes_held;
	a->mark.count_held = st->count_held;
	a->mark.bytes_peak = st->bytes_peak;
	a->mark.count_peak = st->count_peak;
	a->mark.grp_base = ac->grp->st.bytes_held - st->bytes_held;
	st->bytes_peak = st->bytes_held;
	st->count_peak = st->count_held;
}

void ms__acct_retire(struct ms__alloc *a, struct ms__acct *ac)
{
	struct ms_quota_stats *st;

	if (a->pend == ac)
		ms__acct_fold(a);
	st = g_memdup2(&ac->st, sizeof(ac->st));

	st->alive = false;
	g_hash_table_replace(a->retired, GUINT_TO_POINTER(ac->tid), st);
	g_ptr_array_index(a->accts, ac->tid) = NULL;
	free(ac);
}

static void pool_set(struct ms__acct *ac, struct ms_heap *pool)
{
	if (ac->pool)
		ac->pool->assigned--;
	ac->pool = pool;
	if (pool)
		pool->assigned++;
	ac->st.pool = pool ? pool->id : MS_HEAP_ID_NONE;
}

int ms__acct_thread_new(struct ms__alloc *a, struct ms_thread *parent,
			struct ms_thread *child)
{
	struct ms__acct *ac = calloc(1, sizeof(*ac));
	ms_tid tid = ms__thread_tid(child);

	if (!ac)
		return -ENOMEM;
	ac->grp = ms__gacct_get(a, ms__thread_group(child));
	if (!ac->grp) {
		free(ac);
		return -ENOMEM;
	}
	ac->tid = tid;
	ac->thread = child;
	ac->st.group = ac->grp->id;
	ac->st.alive = true;
	ac->st.pool = MS_HEAP_ID_NONE;
	ac->limit = ms__acct_limit(a, &ac->st);
	if (parent) {
		struct ms__acct *pa = ms__thread_sub(parent, MS__SUB_ALLOC);

		/* Children inherit the pool (k_thread_heap_assign semantics
		 * of z_thread_malloc for threads created by a pooled one). */
		if (pa)
			pool_set(ac, pa->pool);
	}
	if (a->accts->len <= tid) {
		g_ptr_array_set_size(a->accts, (guint)tid + 1);
		ms__alloc_sync(a);
	}
	g_ptr_array_index(a->accts, tid) = ac;
	ms__thread_sub_set(child, MS__SUB_ALLOC, ac);
	if (a->ops->thread_created)
		a->ops->thread_created(a->state, parent ? ms__thread_tid(parent) :
				       MS_TID_NONE, tid);
	return 0;
}

void ms__acct_thread_gone(struct ms__alloc *a, struct ms_thread *t)
{
	struct ms__acct *ac = ms__thread_sub(t, MS__SUB_ALLOC);

	if (!ac)
		return;
	ms__thread_sub_set(t, MS__SUB_ALLOC, NULL);
	/* A pool is held by live threads only; the id stays in the stats. */
	if (ac->pool)
		ac->pool->assigned--;
	ac->pool = NULL;
	ac->thread = NULL;
	ac->st.alive = false;
	ms__acct_settle(a, ac);
}

/*
 * The thread moves to another group: what it holds now counts there (its
 * history of grants and frees stays where it was made), so a group's
 * bytes_held is always what its members hold.
 */
int ms__acct_group_set(struct ms__alloc *a, struct ms_thread *t,
		       uint32_t group)
{
	struct ms__acct *ac = ms__thread_sub(t, MS__SUB_ALLOC);
	struct ms__gacct *old, *ng;

	if (!ac || ac->grp->id == group)
		return 0;
	ms__acct_fold(a);
	ng = ms__gacct_get(a, group);
	if (!ng)
		return -ENOMEM;
	old = ac->grp;
	old->st.bytes_held -= ac->st.bytes_held;
	old->st.count_held -= ac->st.count_held;
	ms__held_grow(&ng->st, ac->st.bytes_held, ac->st.count_held);
	ac->grp = ng;
	ac->st.group = group;
	return 0;
}

/* ---- the registry and the active policy ------------------------------ */

static const struct ms_quota_ops *policy_find(struct ms__alloc *a,
					      const char *name)
{
	for (guint i = 0; i < a->policies->len; i++) {
		const struct ms_quota_ops *o = g_ptr_array_index(a->policies, i);

		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

static void policy_stop(struct ms__alloc *a)
{
	if (a->ops && a->ops->fini)
		a->ops->fini(a->state);
	free(a->state);
	a->state = NULL;
	a->ops = NULL;
	a->builtin = MS__BUILTIN_NONE;
}

static enum ms__builtin builtin_of(const struct ms_quota_ops *ops)
{
	if (ops == &ms__quota_unlimited)
		return MS__BUILTIN_UNLIMITED;
	if (ops == &ms__quota_count)
		return MS__BUILTIN_COUNT;
	if (ops == &ms__quota_bytes)
		return MS__BUILTIN_BYTES;
	if (ops == &ms__quota_process)
		return MS__BUILTIN_PROCESS;
	if (ops == &ms__quota_pool)
		return MS__BUILTIN_POOL;
	return MS__BUILTIN_NONE;
}

/* A new default: every record that has no explicit limit takes it. */
static void limits_sync(struct ms__alloc *a)
{
	GHashTableIter it;
	gpointer v;

	for (guint i = 0; i < a->accts->len; i++) {
		struct ms__acct *ac = g_ptr_array_index(a->accts, i);

		if (ac)
			ac->limit = ms__acct_limit(a, &ac->st);
	}
	g_hash_table_iter_init(&it, a->groups);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct ms__gacct *g = v;

		g->limit = ms__acct_limit(a, &g->st);
	}
}

static int policy_start(struct ms__alloc *a, const struct ms_quota_ops *ops,
			const struct ms_quota_params *params)
{
	struct ms_quota_params p = { 0 };
	void *state = NULL;
	int ret;

	if (params)
		p = *params;
	if (!p.limit)
		p.limit = ops->default_limit;
	if (ops->state_size) {
		state = calloc(1, ops->state_size);
		if (!state)
			return -ENOMEM;
	}
	if (ops->init) {
		ret = ops->init(state, &p);
		if (ret) {
			free(state);
			return ret;
		}
	}
	policy_stop(a);
	a->ops = ops;
	a->builtin = builtin_of(ops);
	a->has_uncharge = ops->uncharge != NULL;
	a->state = state;
	a->default_limit = p.limit;
	limits_sync(a);
	return 0;
}

int ms__quota_init(struct ms__alloc *a)
{
	static const struct ms_quota_ops *const builtin[] = {
		&ms__quota_unlimited, &ms__quota_count, &ms__quota_bytes,
		&ms__quota_process, &ms__quota_pool,
	};

	a->policies = g_ptr_array_new();
	a->accts = g_ptr_array_new();
	ms__alloc_sync(a);
	a->retired = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					   NULL, g_free);
	a->groups = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					  NULL, free);
	for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++)
		g_ptr_array_add(a->policies, (void *)builtin[i]);
	return policy_start(a, &ms__quota_unlimited, NULL);
}

void ms__quota_fini(struct ms__alloc *a)
{
	if (!a->policies)
		return;
	ms__acct_fold(a);
	policy_stop(a);
	/* Records still referenced by charges nobody freed: the sim is going
	 * away with them (the heaps go right after). */
	for (guint i = 0; i < a->accts->len; i++)
		free(g_ptr_array_index(a->accts, i));
	g_ptr_array_free(a->accts, TRUE);
	g_hash_table_destroy(a->retired);
	g_hash_table_destroy(a->groups);
	g_ptr_array_free(a->policies, TRUE);
	a->policies = NULL;
}

int ms_quota_register(struct ms_sim *sim, const struct ms_quota_ops *ops)
{
	struct ms__alloc *a = ms__alloc_state(sim);

	if (ms__caller_is_user(sim))
		return -EPERM;
	if (!ops || !ops->name || !ops->charge || !*ops->name ||
	    strlen(ops->name) >= MS__QUOTA_NAME_MAX)
		return -EINVAL;
	if (policy_find(a, ops->name))
		return -EEXIST;
	g_ptr_array_add(a->policies, (void *)ops);
	return 0;
}

size_t ms_quota_policy_count(struct ms_sim *sim)
{
	return ms__alloc_state(sim)->policies->len;
}

const struct ms_quota_ops *ms_quota_policy_at(struct ms_sim *sim, size_t i)
{
	struct ms__alloc *a = ms__alloc_state(sim);

	return i < a->policies->len ? g_ptr_array_index(a->policies, i) : NULL;
}

int ms_quota_policy_set(struct ms_sim *sim, const char *name,
			const struct ms_quota_params *params)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	const struct ms_quota_ops *ops;

	if (!name || !(ops = policy_find(a, name)))
		return -ENOENT;
	if (ms__caller_is_user(sim))
		return -EPERM;
	if (ops != a->ops && a->has_uncharge && ms__alloc_outstanding(a))
		return -EBUSY;
	return policy_start(a, ops, params);
}

const char *ms_quota_policy_name(struct ms_sim *sim)
{
	return ms__alloc_state(sim)->ops->name;
}

/* ---- supervisor controls ----------------------------------------------- */

static int live_acct(struct ms_sim *sim, ms_tid tid, struct ms__acct **out)
{
	struct ms_thread *t;

	if (ms__caller_is_user(sim))
		return -EPERM;
	t = ms__thread_lookup(sim, tid);
	if (!t || ms__thread_is_dead(t) || !ms__thread_sub(t, MS__SUB_ALLOC))
		return -ENOENT;
	*out = ms__thread_sub(t, MS__SUB_ALLOC);
	return 0;
}

/* A record's explicit limit set (explicit) or reset, with the limit in
 * force that the decisions read. */
static void limit_put(struct ms__alloc *a, struct ms_quota_stats *st,
		      uint64_t *in_force, bool explicit, uint64_t limit)
{
	st->limit = explicit ? limit : 0;
	st->limit_explicit = explicit;
	*in_force = ms__acct_limit(a, st);
}

static int thread_limit_put(struct ms_sim *sim, ms_tid tid, bool explicit,
			    uint64_t limit)
{
	struct ms__acct *ac;
	int ret = live_acct(sim, tid, &ac);

	if (ret)
		return ret;
	limit_put(ms__alloc_state(sim), &ac->st, &ac->limit, explicit, limit);
	return 0;
}

int ms_quota_thread_limit_set(struct ms_sim *sim, ms_tid tid, uint64_t limit)
{
	return thread_limit_put(sim, tid, true, limit);
}

int ms_quota_thread_limit_reset(struct ms_sim *sim, ms_tid tid)
{
	return thread_limit_put(sim, tid, false, 0);
}

static int group_limit_put(struct ms_sim *sim, uint32_t group, bool explicit,
			   uint64_t limit)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms__gacct *g;

	if (ms__caller_is_user(sim))
		return -EPERM;
	g = ms__gacct_get(a, group);
	if (!g)
		return -ENOMEM;
	limit_put(a, &g->st, &g->limit, explicit, limit);
	return 0;
}

int ms_quota_group_limit_set(struct ms_sim *sim, uint32_t group,
			     uint64_t limit)
{
	return group_limit_put(sim, group, true, limit);
}

int ms_quota_group_limit_reset(struct ms_sim *sim, uint32_t group)
{
	return group_limit_put(sim, group, false, 0);
}

int ms_thread_heap_assign(struct ms_sim *sim, ms_tid tid, struct ms_heap *heap)
{
	struct ms__acct *ac;
	int ret;

	if (heap && ms_heap_get(sim, ms_heap_id(heap)) != heap)
		return -EINVAL;
	ret = live_acct(sim, tid, &ac);
	if (ret)
		return ret;
	pool_set(ac, heap);
	return 0;
}

/* ---- reading the counters ---------------------------------------------- */

int ms_quota_thread_stats(struct ms_sim *sim, ms_tid tid,
			  struct ms_quota_stats *out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms__acct *ac = tid < a->accts->len ?
		g_ptr_array_index(a->accts, tid) : NULL;
	const struct ms_quota_stats *st;

	if (!out)
		return -EINVAL;
	ms__acct_fold(a);
	if (ac)
		st = &ac->st;
	else if (!(st = g_hash_table_lookup(a->retired, GUINT_TO_POINTER(tid))))
		return -ENOENT;
	*out = *st;
	ms__stats_settle(out);
	if (ac && ac->thread)
		out->group = ms__thread_group(ac->thread);
	out->limit = ms__acct_limit(a, st);
	return 0;
}

int ms_quota_group_stats(struct ms_sim *sim, uint32_t group,
			 struct ms_quota_stats *out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms__gacct *g = g_hash_table_lookup(a->groups,
						  GUINT_TO_POINTER(group));

	if (!out)
		return -EINVAL;
	ms__acct_fold(a);
	if (g) {
		*out = g->st;
		ms__stats_settle(out);
	} else {
		memset(out, 0, sizeof(*out));
		out->group = group;
		out->pool = MS_HEAP_ID_NONE;
	}
	out->limit = ms__acct_limit(a, out);
	out->alive = false;
	return 0;
}

int ms_quota_total_stats(struct ms_sim *sim, struct ms_quota_stats *out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	GHashTableIter it;
	gpointer v;

	if (!out)
		return -EINVAL;
	ms__acct_fold(a);
	/* Held and peaks are kept; the counts are the groups' sums. */
	*out = a->total;
	out->granted = out->freed = 0;
	out->denied_quota = out->denied_nomem = out->denied_nopool = 0;
	g_hash_table_iter_init(&it, a->groups);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct ms_quota_stats *g = &((struct ms__gacct *)v)->st;

		out->granted += g->granted;
		out->freed += g->freed;
		out->denied_quota += g->denied_quota;
		out->denied_nomem += g->denied_nomem;
		out->denied_nopool += g->denied_nopool;
	}
	ms__stats_settle(out);
	out->group = 0;
	out->pool = MS_HEAP_ID_NONE;
	out->limit = a->default_limit;
	return 0;
}

static gint cmp_u32(gconstpointer a, gconstpointer b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t ms_quota_group_list(struct ms_sim *sim, uint32_t *ids, size_t cap)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	GHashTableIter it;
	gpointer key;
	GArray *all;
	size_t n;

	all = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_hash_table_iter_init(&it, a->groups);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		uint32_t id = GPOINTER_TO_UINT(key);

		g_array_append_val(all, id);
	}
	g_array_sort(all, cmp_u32);
	n = all->len;
	for (size_t i = 0; i < n && i < cap; i++)
		ids[i] = g_array_index(all, uint32_t, i);
	g_array_free(all, TRUE);
	return n;
}
