/* SPDX-License-Identifier: MIT */
/*
 * Private to src/alloc: the subsystem's state on a sim, the accounting
 * records, and the glue between heap.c, quota.c, policies.c and alloc.c.
 */
#ifndef MS_ALLOC_PRIV_H
#define MS_ALLOC_PRIV_H

#include <errno.h>
#include <glib.h>

#include <memsim/heap.h>
#include <memsim/quota.h>

#include "alloc/alloc.h"
#include "alloc/heap_priv.h"

#define MS__QUOTA_NAME_MAX 32

/* A group's record: lives as long as the sim (groups are few). */
struct ms__gacct {
	uint32_t id;
	uint64_t limit;			/* in force (as ms__acct) */
	struct ms_quota_stats st;	/* st.limit valid iff limit_explicit */
};

/*
 * A thread's accounting record. It lives while the thread lives and while
 * any of its charges is outstanding (st.granted > st.freed: every charged
 * chunk counts once in granted until it is credited in freed), so that a
 * free after the thread died still finds whom to credit; that is its
 * reference count, kept by the counters the charged path updates anyway.
 * When the thread is gone and nothing is outstanding, the counters are
 * kept in the retired table and the record is freed.
 */
struct ms__acct {
	ms_tid tid;
	struct ms_thread *thread;	/* NULL once the thread is gone */
	struct ms__gacct *grp;		/* the group its charges count in */
	struct ms_heap *pool;		/* assigned pool (live threads only) */
	/*
	 * The limit in force, ms__acct_limit(a, &st), kept whenever what it
	 * derives from changes (quota.c: the record's creation, a
	 * supervisor's set or reset, every live record when a policy starts
	 * with a new default). The built-in decisions read it with one
	 * load: working it out on every request (the flag, then the
	 * record's limit or the default) cost about 1.3 ns of a 15 ns round
	 * trip on the project's machines, measured; why that much was not
	 * pinned down.
	 */
	uint64_t limit;
	struct ms_quota_stats st;	/* st.limit valid iff limit_explicit */
};

/* Which built-in policy is active, for the allocation path's inline
 * decision (MS__BUILTIN_NONE: a registered one, asked through its ops). */
enum ms__builtin {
	MS__BUILTIN_NONE = 0,
	MS__BUILTIN_UNLIMITED,
	MS__BUILTIN_COUNT,
	MS__BUILTIN_BYTES,
	MS__BUILTIN_PROCESS,
	MS__BUILTIN_POOL,
};

struct ms__alloc {
	struct ms_sim *sim;
	GPtrArray *heaps;		/* struct ms_heap *, index = id */
	struct ms_heap *sys;
	GPtrArray *regions;		/* heaps over memory they do not own
					 * (region.c) */

	/* quota */
	GPtrArray *policies;		/* const struct ms_quota_ops * */
	const struct ms_quota_ops *ops;	/* the active policy */
	enum ms__builtin builtin;	/* ops, if it is a built-in one */
	void *state;
	uint64_t default_limit;
	GPtrArray *accts;		/* struct ms__acct *, index = tid */
	GHashTable *retired;		/* tid -> struct ms_quota_stats * */
	GHashTable *groups;		/* id -> struct ms__gacct * */
	struct ms_quota_stats total;	/* only what is held and its peaks:
					 * ms_quota_total_stats() adds up
					 * the groups for the rest */
	struct ms_alloc_kind_stats kinds[MS_ALLOC__COUNT];

	/*
	 * The hot path's copies, so that a free finds its heap and its
	 * requester's record with one load each: heaps->pdata and
	 * accts->pdata with their lengths (ms__alloc_sync), and whether the
	 * active policy keeps books of its own.
	 */
	struct ms_heap **heap_tab;
	uint32_t nheaps;
	uint32_t nacct;
	struct ms__acct **acct_tab;
	bool has_uncharge;

	/*
	 * Folding, as Linux's rstat flushes per-CPU statistics, but exact.
	 * A grant or a credit moves only its requester's record (and its
	 * kind's counters); the group's and the totals' are brought up to
	 * date when anything reads them or another record moves. Between
	 * two such points only one record, the pending one, can change, so
	 * its group held what it held at the mark plus the record's change
	 * since, and the most the group held meanwhile is its held at the
	 * mark plus the record's highest rise since the mark. To know that
	 * rise without a compare of its own on the hot path, the record's
	 * peaks are the highest since the mark while it is pending (its
	 * peaks from before are in mark.*_peak, put back by the fold).
	 * Invariant: pend is NULL or a record not yet retired (its thread
	 * may be gone, with charges still out); every reader of a
	 * group's or the totals' counters, or of pend's peaks, calls
	 * ms__acct_fold() first.
	 */
	struct ms__acct *pend;
	struct {
		uint64_t granted, freed;	/* pend's at the mark */
		uint64_t bytes_held, count_held;
		uint64_t bytes_peak, count_peak;	/* pend's own peaks */
		uint64_t grp_base;	/* its group's bytes_held less pend's,
					 * at the mark (modulo 2^64) */
	} mark;
};

static inline struct ms__alloc *ms__alloc_state(const struct ms_sim *sim)
{
	return ms__sim_sub(sim, MS__SUB_ALLOC);
}

/* quota.c */
int ms__quota_init(struct ms__alloc *a);
void ms__quota_fini(struct ms__alloc *a);
struct ms__gacct *ms__gacct_get(struct ms__alloc *a, uint32_t group);
int ms__acct_thread_new(struct ms__alloc *a, struct ms_thread *parent,
			struct ms_thread *child);
void ms__acct_thread_gone(struct ms__alloc *a, struct ms_thread *t);
void ms__acct_retire(struct ms__alloc *a, struct ms__acct *ac);
/* Move a live thread's record and what it holds to another group. */
int ms__acct_group_set(struct ms__alloc *a, struct ms_thread *t,
		       uint32_t group);

/* Fold the pending record's changes into its group and the totals; no
 * record is pending after it. */
void ms__acct_fold(struct ms__alloc *a);
/* Fold, then make ac the pending record. */
void ms__acct_pend_switch(struct ms__alloc *a, struct ms__acct *ac);

/* Before a grant or a credit moves ac's counters. */
static inline __attribute__((always_inline)) void
ms__acct_pend(struct ms__alloc *a, struct ms__acct *ac)
{
	if (__builtin_expect(ac != a->pend, 0))
		ms__acct_pend_switch(a, ac);
}

/* What ac's group holds now, in bytes, with the pending change: the
 * pending record's bytes plus the group's base when the pending record is
 * in ac's group (always so for a fast-path decision, where it is ac). */
static inline uint64_t ms__gacct_bytes_held(const struct ms__alloc *a,
					    const struct ms__acct *ac)
{
	const struct ms__acct *p = a->pend;

	if (__builtin_expect(p == ac, 1) || (p && p->grp == ac->grp))
		return p->st.bytes_held + a->mark.grp_base;
	return ac->grp->st.bytes_held;
}

/* Whether the record still has to live: its thread runs or it is owed
 * credits. */
static inline bool ms__acct_needed(const struct ms__acct *ac)
{
	return ac->thread || ac->st.granted != ac->st.freed;
}

/* After a credit or the thread's end: free the record if it is done. */
static inline void ms__acct_settle(struct ms__alloc *a, struct ms__acct *ac)
{
	if (__builtin_expect(!ms__acct_needed(ac), 0))
		ms__acct_retire(a, ac);
}

/* Refresh the hot path's copies of the two tables (after they grew). */
static inline void ms__alloc_sync(struct ms__alloc *a)
{
	a->heap_tab = (struct ms_heap **)a->heaps->pdata;
	a->nheaps = a->heaps->len;
	a->acct_tab = a->accts ? (struct ms__acct **)a->accts->pdata : NULL;
	a->nacct = a->accts ? a->accts->len : 0;
}

/* Charged allocations live, all kinds. */
static inline uint64_t ms__alloc_outstanding(const struct ms__alloc *a)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < MS_ALLOC__COUNT; k++)
		n += a->kinds[k].granted - a->kinds[k].freed;
	return n;
}

/*
 * What the charged path does not count as it goes, derived when read:
 * requested = granted + denied (a request is counted once it is decided;
 * one still waiting in ms_heap_alloc_wait is not yet). Applied to every
 * ms_quota_stats handed out, and to the records a registered policy
 * reads.
 */
static inline void ms__stats_settle(struct ms_quota_stats *st)
{
	st->requested = st->granted + st->denied_quota + st->denied_nomem;
}

/* More held on one set of counters, with its peaks. */
static inline void ms__held_grow(struct ms_quota_stats *st, uint64_t bytes,
				 uint64_t count)
{
	st->bytes_held += bytes;
	st->count_held += count;
	if (st->bytes_held > st->bytes_peak)
		st->bytes_peak = st->bytes_held;
	if (st->count_held > st->count_peak)
		st->count_peak = st->count_held;
}

static inline uint64_t ms__acct_limit(const struct ms__alloc *a,
				      const struct ms_quota_stats *st)
{
	return st->limit_explicit ? st->limit : a->default_limit;
}

/*
 * The decisions of the built-in policies, shared by their ops tables
 * (policies.c) and by the allocation path, which calls them directly when
 * a built-in policy is active (alloc.c): same rule, no indirect call and
 * no struct ms_charge to fill on the hot path.
 */
static inline int ms__decide_count(uint64_t held, uint64_t limit,
				   unsigned new_request)
{
	/* an object's data rides on the request its record already made */
	return !new_request || held < limit ? 0 : -EDQUOT;
}

static inline int ms__decide_bytes(uint64_t held, uint64_t limit,
				   uint64_t bytes)
{
	return bytes <= limit && held <= limit - bytes ? 0 : -EDQUOT;
}

/* policies.c */
extern const struct ms_quota_ops ms__quota_unlimited;
extern const struct ms_quota_ops ms__quota_count;
extern const struct ms_quota_ops ms__quota_bytes;
extern const struct ms_quota_ops ms__quota_process;
extern const struct ms_quota_ops ms__quota_pool;

/* alloc.c */
struct ms_heap *ms__heap_find(struct ms__alloc *a, const void *p);
/* A heap over [mem, mem + size), which the caller owns; registered. */
int ms__heap_new_at(struct ms__alloc *a, const char *name, void *mem,
		    size_t size, struct ms_heap **out);

/* region.c */
bool ms__heap_is_region(const struct ms__alloc *a, const struct ms_heap *h);

/* Whether an allocation of this kind is a request of its own: an
 * object's data belongs to the request of its record. */
static inline unsigned ms__alloc_starts_request(unsigned kind)
{
	return kind != MS_ALLOC_OBJECT_DATA;
}

#endif
