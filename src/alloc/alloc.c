/* SPDX-License-Identifier: MIT */
/*
 * Kernel allocations on behalf of threads: the alloc subsystem's slot, the
 * sim's heaps, and the charged allocation path (ms__kalloc, ms__kfree, and
 * ms__kfree_checked behind the public ms_heap_free, whose syscall wrappers
 * live in src/kernel/sys_heap.c).
 *
 * What it models: a kernel that serves syscalls from a heap user threads
 * cannot touch, and that charges each allocation to the thread that asked
 * (Zephyr's z_thread_malloc under a quota policy). Invariant: every charged
 * live chunk holds a reference on its requester's accounting record and is
 * counted in that record's and its group's bytes_held/count_held, and in
 * the heap's charged count; a free undoes exactly that, whoever frees.
 *
 * The hot path (ms__kalloc/ms__kfree) does no hashing and no string work:
 * the requester's record is in its thread slot, the policy is a function
 * pointer chosen once, the heap is found by the id in the chunk header and
 * the requester by the tid there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc_priv.h"
#include "core/cost.h"
#include "core/subsys.h"

static const char *const kind_names[] = {
#define MS__AK_NAME(name, text) text,
	MS_ALLOC_KINDS(MS__AK_NAME)
#undef MS__AK_NAME
};

const char *ms_alloc_kind_name(unsigned kind)
{
	return kind < MS_ALLOC__COUNT ? kind_names[kind] : "?";
}

size_t ms_heap_footprint(size_t size)
{
	return (size_t)ms__heap_units_for(size) * MS__HEAP_UNIT;
}

/* ---- heaps ---------------------------------------------------------------- */

/* A heap over [mem, mem + size), which the caller owns. */
int ms__heap_new_at(struct ms__alloc *a, const char *name, void *mem,
		    size_t size, struct ms_heap **out)
{
	struct ms_heap *h;
	int ret;

	if (a->heaps->len > UINT16_MAX)
		return -ENOSPC;
	if (size < MS_HEAP_MIN_SIZE || size >= MS_HEAP_MAX_SIZE)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->id = (uint16_t)a->heaps->len;
	h->is_system = h->id == MS_HEAP_SYSTEM_ID;
	ret = ms__heap_init(h, mem, size);
	if (ret) {
		free(h);
		return ret;
	}
	ms__heap_set_quick_depth(h, ms_sim_config(a->sim)->heap_quick_depth);
	ms__waitq_init(&h->waiters);
	g_ptr_array_add(a->heaps, h);
	ms__alloc_sync(a);
	*out = h;
	return 0;
}

static int heap_new(struct ms__alloc *a, const char *name, size_t size,
		    struct ms_heap **out)
{
	void *mem;
	int ret;

	if (size < MS_HEAP_MIN_SIZE || size >= MS_HEAP_MAX_SIZE)
		return -EINVAL;
	mem = malloc(size);
	if (!mem)
		return -ENOMEM;
	ret = ms__heap_new_at(a, name, mem, size, out);
	if (ret)
		free(mem);
	return ret;
}

static void heap_free(struct ms__alloc *a, struct ms_heap *h)
{
	ms__waitq_fini(a->sim, &h->waiters);
	g_ptr_array_index(a->heaps, h->id) = NULL;
	/* a region's memory is its device's */
	if (!ms__heap_is_region(a, h))
		free(h->base);
	free(h);
}

struct ms_heap *ms_heap_system(struct ms_sim *sim)
{
	return ms__alloc_state(sim)->sys;
}

int ms_heap_create(struct ms_sim *sim, const char *name, size_t size,
		   struct ms_heap **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms_heap *h;
	size_t len;
	int ret;

	if (!name || !out)
		return -EINVAL;
	len = strlen(name);
	if (!len || len >= MS__HEAP_NAME_MAX)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	if (ms_heap_lookup(sim, name, &h) == 0)
		return -EEXIST;
	ret = heap_new(a, name, size, &h);
	if (ret)
		return ret;
	*out = h;
	return 0;
}

int ms_heap_lookup(struct ms_sim *sim, const char *name, struct ms_heap **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);

	if (!name)
		return -ENOENT;
	for (guint i = 0; i < a->heaps->len; i++) {
		struct ms_heap *h = g_ptr_array_index(a->heaps, i);

		if (h && strcmp(h->name, name) == 0) {
			if (out)
				*out = h;
			return 0;
		}
	}
	return -ENOENT;
}

int ms_heap_destroy(struct ms_sim *sim, struct ms_heap *heap)
{
	if (!heap || heap->is_system || ms_heap_get(sim, heap->id) != heap ||
	    ms__heap_is_region(ms__alloc_state(sim), heap))
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	if (ms__heap_used_chunks(heap) || heap->assigned ||
	    !ms__waitq_empty(&heap->waiters))
		return -EBUSY;
	heap_free(ms__alloc_state(sim), heap);
	return 0;
}

int ms_heap_set_quick_depth(struct ms_sim *sim, struct ms_heap *heap,
			    uint32_t depth)
{
	if (!heap || ms_heap_get(sim, heap->id) != heap ||
	    depth > MS_HEAP_QUICK_DEPTH_MAX)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	ms__heap_set_quick_depth(heap, depth);
	return 0;
}

uint32_t ms_heap_id(const struct ms_heap *heap)
{
	return heap ? heap->id : MS_HEAP_ID_NONE;
}

const char *ms_heap_name(const struct ms_heap *heap)
{
	return heap ? heap->name : "";
}

uint32_t ms_heap_count(struct ms_sim *sim)
{
	return ms__alloc_state(sim)->heaps->len;
}

struct ms_heap *ms_heap_get(struct ms_sim *sim, uint32_t id)
{
	struct ms__alloc *a = ms__alloc_state(sim);

	return id < a->heaps->len ? g_ptr_array_index(a->heaps, id) : NULL;
}

int ms_heap_stats(const struct ms_heap *heap, struct ms_heap_stats *out)
{
	if (!heap || !out)
		return -EINVAL;
	ms__heap_get_stats(heap, out);
	out->waiters = heap->waiters.q.length;
	return 0;
}

struct ms_heap *ms__heap_find(struct ms__alloc *a, const void *p)
{
	for (guint i = 0; i < a->heaps->len; i++) {
		struct ms_heap *h = g_ptr_array_index(a->heaps, i);

		if (h && ms__heap_contains(h, p))
			return h;
	}
	return NULL;
}

/* ---- charged allocation ------------------------------------------------ */

static void fill_charge(struct ms__alloc *a, struct ms__acct *ac,
			size_t bytes, unsigned kind, struct ms_charge *c)
{
	/* A registered policy reads the records: fold and settle them
	 * first. */
	ms__acct_fold(a);
	ms__stats_settle(&ac->st);
	ms__stats_settle(&ac->grp->st);
	c->requester = ac->tid;
	c->group = ac->grp->id;
	c->bytes = bytes;
	c->kind = (enum ms_alloc_kind)kind;
	c->thread = &ac->st;
	c->grp = &ac->grp->st;
	c->thread_limit = ms__acct_limit(a, &ac->st);
	c->group_limit = ms__acct_limit(a, &ac->grp->st);
	c->pool = ac->pool;
	c->heap = a->sys;
	c->new_request = ms__alloc_starts_request(kind);
}

/* Outcome of one attempt: 0, -EDQUOT, -ENOMEM (no pool or too big), or
 * HEAP_FULL (the chosen heap had no room: the caller may wait). */
#define HEAP_FULL 1

/* A registered policy: called through its ops table with a full charge. */
static __attribute__((noinline)) int
decide_registered(struct ms__alloc *a, struct ms__acct *ac, size_t bytes,
		  unsigned kind, struct ms_heap **heap)
{
	struct ms_charge c;
	int ret;

	fill_charge(a, ac, bytes, kind, &c);
	ret = a->ops->charge(a->state, &c);
	*heap = c.heap;
	return ret == 0 || ret == -EDQUOT ? ret : -ENOMEM;
}

/*
 * A built-in policy's decision, with the same inline rule its ops table
 * uses (alloc_priv.h), and the heap it picks; NOT_BUILTIN for a
 * registered policy.
 */
#define NOT_BUILTIN 2

static inline __attribute__((always_inline)) int
decide_builtin(struct ms__alloc *a, struct ms__acct *ac, size_t bytes,
	       unsigned new_request, struct ms_heap **heap)
{
	*heap = a->sys;
	switch (a->builtin) {
	case MS__BUILTIN_COUNT:
		return ms__decide_count(ac->st.count_held, ac->limit,
					new_request);
	case MS__BUILTIN_BYTES:
		return ms__decide_bytes(ac->st.bytes_held, ac->limit, bytes);
	case MS__BUILTIN_PROCESS:
		return ms__decide_bytes(ms__gacct_bytes_held(a, ac),
					ac->grp->limit, bytes);
	case MS__BUILTIN_POOL:
		*heap = ac->pool;
		return ac->pool ? 0 : -ENOMEM;
	case MS__BUILTIN_UNLIMITED:
		return 0;
	case MS__BUILTIN_NONE:
	default:
		return NOT_BUILTIN;
	}
}

/* Ask the active policy, and pick the heap. */
static inline int decide(struct ms__alloc *a, struct ms__acct *ac,
			 size_t bytes, unsigned kind, unsigned new_request,
			 struct ms_heap **heap)
{
	int ret = decide_builtin(a, ac, bytes, new_request, heap);

	if (G_LIKELY(ret != NOT_BUILTIN))
		return ret;
	return decide_registered(a, ac, bytes, kind, heap);
}

/* A grant or a credit, on one set of counters. */
static inline void held_add(struct ms_quota_stats *st, uint64_t bytes,
			    unsigned req)
{
	st->granted++;
	ms__held_grow(st, bytes, req);
}

static inline void held_sub(struct ms_quota_stats *st, uint64_t bytes,
			    unsigned req)
{
	st->freed++;
	st->bytes_held -= bytes;
	st->count_held -= req;
}

/*
 * The counters of a grant: the requester's (which keep its record alive,
 * ms__acct_needed) and the kind's; its group's and the totals' take it
 * when the record is folded (ms__acct_fold). ac is the pending record.
 * The totals keep only what is held and its peaks; the rest of
 * ms_quota_total_stats() is the sum over the groups, every charge being
 * in exactly one group.
 */
static inline __attribute__((always_inline)) void
grant_counts(struct ms__alloc *a, struct ms__acct *ac, uint64_t bytes,
	     unsigned kind, unsigned req)
{
	struct ms_alloc_kind_stats *k = &a->kinds[kind];

	held_add(&ac->st, bytes, req);
	k->granted++;
	k->bytes_held += bytes;
	if (k->bytes_held > k->bytes_peak)
		k->bytes_peak = k->bytes_held;
}

/*
 * One attempt at a charged allocation: policy, heap, counters, event.
 * Inlined into its two callers.
 */
static inline __attribute__((always_inline)) int
try_alloc(struct ms_sim *sim, struct ms__alloc *a, struct ms__acct *ac,
	  size_t size, unsigned kind, struct ms_heap **heap, void **out)
{
	uint32_t units = ms__heap_units_for(size);
	uint64_t bytes = (uint64_t)units * MS__HEAP_UNIT;
	struct ms_heap *h;
	unsigned req;
	void *p;
	int ret;

	if (G_UNLIKELY(kind >= MS_ALLOC__COUNT))
		kind = MS_ALLOC_OTHER;
	req = ms__alloc_starts_request(kind);
	ret = decide(a, ac, bytes, kind, req, heap);
	h = *heap;
	if (G_UNLIKELY(ret))
		return ret;
	if (G_UNLIKELY(!h))
		return -ENOMEM;
	p = ms__heap_alloc_units(h, units, ac->tid, (uint8_t)kind);
	if (G_UNLIKELY(!p))
		return HEAP_FULL;

	ms__acct_pend(a, ac);
	grant_counts(a, ac, bytes, kind, req);
	ms__event(sim, MS_EV_ALLOC, ac->tid, bytes, h->id);
	*out = p;
	return 0;
}

/* Count and log a refusal; returns the errno for the requester. */
static __attribute__((noinline)) int
deny(struct ms__alloc *a, struct ms__acct *ac, size_t size, int why,
     struct ms_heap *heap)
{
	uint64_t bytes = ms_heap_footprint(size);

	if (why == -EDQUOT) {
		ac->st.denied_quota++;
		ac->grp->st.denied_quota++;
		ms__event(a->sim, MS_EV_DENY_QUOTA, ac->tid, bytes, 0);
		return -EDQUOT;
	}
	ac->st.denied_nomem++;
	ac->grp->st.denied_nomem++;
	if (!heap) {
		ac->st.denied_nopool++;
		ac->grp->st.denied_nopool++;
	}
	ms__event(a->sim, MS_EV_DENY_NOMEM, ac->tid, bytes,
		  heap ? heap->id : MS_HEAP_ID_NONE);
	return -ENOMEM;
}

/* The kernel's own allocation: uncharged, from the system heap. */
static __attribute__((noinline)) int
kernel_alloc(struct ms__alloc *a, size_t size, unsigned kind, void **out)
{
	void *p = ms__heap_alloc(a->sys, size, MS_TID_NONE, (uint8_t)kind);

	if (!p) {
		ms__event(a->sim, MS_EV_DENY_NOMEM, MS_TID_NONE,
			  ms_heap_footprint(size), a->sys->id);
		return -ENOMEM;
	}
	ms__event(a->sim, MS_EV_ALLOC, MS_TID_NONE, ms__heap_block_bytes(p),
		  a->sys->id);
	*out = p;
	return 0;
}

/* Every allocation the fast path below does not take, and all of each. */
static __attribute__((noinline)) int
kalloc_general(struct ms_sim *sim, struct ms__alloc *a,
	       struct ms_thread *requester, size_t size, unsigned kind,
	       void **out)
{
	struct ms__acct *ac;
	struct ms_heap *heap;
	int ret;

	ms__clock_advance(sim, MS__COST_ALLOC + MS__COST_QUOTA);
	if (G_UNLIKELY(!requester))
		return kernel_alloc(a, size, kind, out);
	ac = ms__thread_sub(requester, MS__SUB_ALLOC);
	ret = try_alloc(sim, a, ac, size, kind, &heap, out);
	if (G_LIKELY(ret == 0))
		return 0;
	if (ret == HEAP_FULL)
		return deny(a, ac, size, -ENOMEM, heap);
	return deny(a, ac, size, ret, NULL);
}

/*
 * A charged allocation drawn from the first of heaps[0 .. n) with room,
 * whatever heap the policy would pick: the policy decides the charge only
 * (the shared multi-heap's allocations by attribute, <memsim/device.h>).
 * Under "pool" a thread without a pool is refused, as for any request.
 * requester NULL: the kernel's own, uncharged.
 */
int ms__kalloc_from(struct ms_sim *sim, struct ms_thread *requester,
		    size_t size, unsigned kind, struct ms_heap *const *heaps,
		    size_t n, void **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	uint32_t units = ms__heap_units_for(size);
	uint64_t bytes = (uint64_t)units * MS__HEAP_UNIT;
	struct ms_heap *h = NULL;
	struct ms__acct *ac;
	unsigned req;
	void *p = NULL;
	int ret;

	if (kind >= MS_ALLOC__COUNT)
		kind = MS_ALLOC_OTHER;
	req = ms__alloc_starts_request(kind);
	ms__clock_advance(sim, MS__COST_ALLOC + MS__COST_QUOTA);
	if (!requester) {
		for (size_t i = 0; i < n && !p; i++)
			p = ms__heap_alloc(h = heaps[i], size, MS_TID_NONE,
					   (uint8_t)kind);
		ms__event(sim, p ? MS_EV_ALLOC : MS_EV_DENY_NOMEM, MS_TID_NONE,
			  bytes, h ? h->id : MS_HEAP_ID_NONE);
		if (!p)
			return -ENOMEM;
		*out = p;
		return 0;
	}
	ac = ms__thread_sub(requester, MS__SUB_ALLOC);
	ret = decide(a, ac, bytes, kind, req, &h);
	if (ret)
		return deny(a, ac, size, ret, NULL);
	if (!h || !units)
		return deny(a, ac, size, -ENOMEM, NULL);
	for (size_t i = 0; i < n && !p; i++)
		p = ms__heap_alloc_units(h = heaps[i], units, ac->tid,
					 (uint8_t)kind);
	if (!p)
		return deny(a, ac, size, -ENOMEM, n ? heaps[0] : NULL);
	ms__acct_pend(a, ac);
	grant_counts(a, ac, bytes, kind, req);
	ms__event(sim, MS_EV_ALLOC, ac->tid, bytes, h->id);
	*out = p;
	return 0;
}

/*
 * The rest of a fast allocation that its heap's quick list cannot serve
 * (empty, off, or a size it does not keep): granted already, from heap h;
 * the buckets, then what kalloc_general() does after the heap's answer.
 */
static __attribute__((noinline)) int
kalloc_granted_slow(struct ms_sim *sim, struct ms__acct *ac,
		    struct ms_heap *h, size_t size, unsigned kind, void **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	uint32_t units = ms__heap_units_for(size);
	uint64_t bytes = (uint64_t)units * MS__HEAP_UNIT;
	void *p;

	ms__clock_advance(sim, MS__COST_ALLOC + MS__COST_QUOTA);
	p = ms__heap_alloc_slow(h, units, ac->tid, (uint8_t)kind);
	if (!p)
		return deny(a, ac, size, -ENOMEM, h);
	grant_counts(a, ac, bytes, kind, ms__alloc_starts_request(kind));
	ms__event_hash(sim, MS_EV_ALLOC, ac->tid, bytes, h->id);
	*out = p;
	return 0;
}

/*
 * The common allocation, as one straight line without a call: its
 * requester's record is the pending one (the last to move: no fold to
 * do), a built-in policy grants it, from a heap whose quick list has a
 * chunk of its size, and no event is kept or followed. Nothing changes
 * before the policy has granted it (the quick-list pop is the first
 * change, and nothing can fail after it); a grant the quick list cannot
 * serve ends in kalloc_granted_slow(), and everything else goes to
 * kalloc_general(), which decides and does it all from the start. Both
 * use the same helpers, so every way gives the same result
 * (tests/alloc/test_paths.c runs the fast and the general paths and
 * compares).
 */
int ms__kalloc(struct ms_sim *sim, struct ms_thread *requester, size_t size,
	       unsigned kind, void **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms__acct *ac;
	struct ms_heap *h;
	uint32_t units, q, c;
	uint64_t bytes;
	unsigned req;

	if (G_UNLIKELY(!requester || kind >= MS_ALLOC__COUNT ||
		       !ms__event_hash_only(sim)))
		goto general;
	ac = ms__thread_sub(requester, MS__SUB_ALLOC);
	units = ms__heap_units_for(size);
	bytes = (uint64_t)units * MS__HEAP_UNIT;
	req = ms__alloc_starts_request(kind);
	if (G_UNLIKELY(ac != a->pend || !units ||
		       decide_builtin(a, ac, bytes, req, &h) != 0 || !h))
		goto general;
	q = units - MS__HEAP_MIN_UNITS;
	if (G_UNLIKELY(q >= MS__HEAP_QUICK_CLASSES ||
		       !ms__heap_quick_pop(h, q, &c)))
		return kalloc_granted_slow(sim, ac, h, size, kind, out);

	ms__clock_advance(sim, MS__COST_ALLOC + MS__COST_QUOTA);
	*out = ms__heap_take(h, c, units, units, ac->tid, (uint8_t)kind);
	grant_counts(a, ac, bytes, kind, req);
	ms__event_hash(sim, MS_EV_ALLOC, ac->tid, bytes, h->id);
	return 0;
general:
	return kalloc_general(sim, a, requester, size, kind, out);
}

int ms__kalloc_wait(struct ms_sim *sim, struct ms_thread *requester,
		    size_t size, unsigned kind, int64_t timeout, void **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	uint64_t deadline = 0;
	struct ms__acct *ac;
	struct ms_heap *heap;
	int ret;

	if (!requester || timeout == MS_NO_WAIT || ms__current(sim) != requester)
		return ms__kalloc(sim, requester, size, kind, out);
	if (timeout > 0)
		deadline = ms__now(sim) + (uint64_t)timeout;
	ms__clock_advance(sim, MS__COST_ALLOC + MS__COST_QUOTA);
	ac = ms__thread_sub(requester, MS__SUB_ALLOC);
	for (;;) {
		int64_t left = MS_FOREVER;

		ret = try_alloc(sim, a, ac, size, kind, &heap, out);
		if (ret == 0)
			return 0;
		if (ret != HEAP_FULL)
			return deny(a, ac, size, ret, NULL);
		/* A request the whole heap could not hold never waits. */
		if (ms_heap_footprint(size) == 0 ||
		    ms_heap_footprint(size) > (size_t)heap->end * MS__HEAP_UNIT)
			return deny(a, ac, size, -ENOMEM, heap);
		if (timeout > 0) {
			uint64_t now = ms__now(sim);

			if (now >= deadline)
				break;
			left = (int64_t)(deadline - now);
		}
		/* Every free of this heap wakes us; retry whatever the reason
		 * (k_heap_alloc does the same). */
		if (ms__wait(sim, &heap->waiters, left) == -EAGAIN)
			break;
		ms__clock_advance(sim, MS__COST_ALLOC + MS__COST_QUOTA);
	}
	deny(a, ac, size, -ENOMEM, heap);
	return -EAGAIN;
}

/* A charge whose requester has no record: cannot happen unless a header
 * was damaged in a way the checks let through. */
static void __attribute__((noinline)) credit_lost(struct ms_heap *h, ms_tid tid)
{
	ms__log_warn("heap %u: charge of tid %u has no record", h->id, tid);
}

/* A registered policy that keeps its own books hears of the credit. */
static void __attribute__((noinline))
uncharge(struct ms__alloc *a, struct ms__acct *ac, size_t bytes,
	 unsigned kind, struct ms_heap *h)
{
	struct ms_charge c;

	fill_charge(a, ac, bytes, kind, &c);
	c.heap = h;
	a->ops->uncharge(a->state, &c);
}

/* The record to credit for tid: a table lookup (the fast path of a free
 * tries the freeing thread's own first); NULL if there is none. */
static inline struct ms__acct *acct_of(const struct ms__alloc *a, ms_tid tid)
{
	return G_LIKELY(tid < a->nacct) ? a->acct_tab[tid] : NULL;
}

/* The counters of a credit: the requester's and the kind's (its group's
 * and the totals' when the record is folded). ac is the pending record. */
static inline __attribute__((always_inline)) void
credit_counts(struct ms__alloc *a, struct ms__acct *ac, uint64_t bytes,
	      unsigned kind)
{
	unsigned req = ms__alloc_starts_request(kind);
	struct ms_alloc_kind_stats *k = &a->kinds[kind];

	held_sub(&ac->st, bytes, req);
	k->freed++;
	k->bytes_held -= bytes;
}

/* Credit a charge back to its requester and the requester's group. */
static inline __attribute__((always_inline)) void
credit(struct ms__alloc *a, ms_tid tid, size_t bytes, unsigned kind,
       struct ms_heap *h)
{
	struct ms__acct *ac = acct_of(a, tid);

	if (G_UNLIKELY(!ac)) {
		credit_lost(h, tid);
		return;
	}
	if (G_UNLIKELY(kind >= MS_ALLOC__COUNT))
		kind = MS_ALLOC_OTHER;	/* a damaged kind byte */
	ms__acct_pend(a, ac);
	credit_counts(a, ac, bytes, kind);
	if (G_UNLIKELY(a->has_uncharge))
		uncharge(a, ac, bytes, kind, h);
	ms__acct_settle(a, ac);
}

static const char *check_text(enum ms__heap_check chk)
{
	switch (chk) {
	case MS__HEAP_DOUBLE_FREE: return "double free";
	case MS__HEAP_CORRUPT: return "corrupted chunk header";
	case MS__HEAP_NOT_CHUNK: return "not a chunk";
	default: return "ok";
	}
}

static int __attribute__((noinline))
refused(struct ms_heap *h, void *p, enum ms__heap_check chk)
{
	ms__log_warn("heap %u (%s): free refused at offset %zu: %s",
		     h->id, h->name, (size_t)((uint8_t *)p - h->base),
		     check_text(chk));
	return chk == MS__HEAP_DOUBLE_FREE ? -EALREADY :
	       chk == MS__HEAP_CORRUPT ? -EFAULT : -EINVAL;
}

static inline __attribute__((always_inline)) int
release(struct ms_sim *sim, struct ms__alloc *a, struct ms_heap *h, void *p)
{
	struct ms_thread *cur = ms__current(sim);
	struct ms__chunk_hdr *hd = ms__heap_hdr_of(p);
	enum ms__heap_check chk;
	size_t bytes;
	ms_tid tid;
	unsigned kind;

	/* Read before the release: coalescing may reuse the header. */
	tid = hd->tag;
	kind = ms__heap_block_kind(p);
	bytes = ms__heap_block_bytes(p);
	chk = ms__heap_release(h, p);
	if (G_UNLIKELY(chk != MS__HEAP_OK))
		return refused(h, p, chk);
	if (tid != MS_TID_NONE)
		credit(a, tid, bytes, kind, h);
	ms__event(sim, MS_EV_FREE, cur ? ms__thread_tid(cur) : MS_TID_NONE,
		  bytes, tid);
	if (G_UNLIKELY(!ms__waitq_empty(&h->waiters)))
		ms__wake_all(sim, &h->waiters, 0);
	return 0;
}

/* Every free the fast path below does not take, and the checks of all. */
static __attribute__((noinline)) void
kfree_general(struct ms_sim *sim, struct ms__alloc *a, void *p)
{
	struct ms_heap *h;
	uint16_t id;

	ms__clock_advance(sim, MS__COST_ALLOC);
	/* Kernel callers pass chunks they got from ms__kalloc: trust the id
	 * in the header to find the heap, but check it holds p. */
	id = ms__heap_hdr_of(p)->heap_id;
	h = id < a->nheaps ? a->heap_tab[id] : NULL;
	if (!h || !ms__heap_contains(h, p)) {
		h = ms__heap_find(a, p);
		if (!h) {
			ms__log_warn("kfree of a pointer outside every heap");
			return;
		}
	}
	release(sim, a, h, p);
}

/* The rest of a fast free whose quick list has no room (full, or off):
 * the checked chunk at p, merged with its free neighbours. (Few arguments,
 * so that the fast path can jump here without a frame of its own.) */
static __attribute__((noinline)) void
kfree_coalesce(struct ms_sim *sim, struct ms_heap *h, struct ms__acct *ac,
	       void *p)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms__chunk_hdr *hd = ms__heap_hdr_of(p);
	uint32_t c = (uint32_t)(((uint8_t *)p - h->base) / MS__HEAP_UNIT) -
		     MS__HEAP_HDR_UNITS;
	uint32_t sz = hd->size_used >> 1;
	uint64_t bytes = ms__heap_block_bytes(p);
	unsigned kind = ms__heap_block_kind(p);

	ms__clock_advance(sim, MS__COST_ALLOC);
	ms__heap_free_coalesce(h, c, sz);
	credit_counts(a, ac, bytes, kind);
	ms__event_hash(sim, MS_EV_FREE, ms__thread_tid(ms__current(sim)), bytes,
		       ac->tid);
}

/*
 * The common free, as one straight line without a call: a charged chunk
 * that passes the heap's checks, whose requester's thread is alive and
 * whose record is the pending one (no fold to do), with no waiters, no
 * policy of its own to tell, no event to keep or follow, and room on its
 * quick list (a chunk without ends in kfree_coalesce()).
 * Everything else goes to kfree_general(). Nothing changes before that
 * choice, and the changes after it are those kfree_general() makes for
 * the same free (the same helpers), so every way gives the same result
 * (tests/alloc/test_paths.c runs them and compares).
 *
 * Two guesses spare the common case a table lookup each: that the chunk
 * is the system heap's (else its id indexes the heap table) and that the
 * freeing thread is its requester (else its tid indexes the record
 * table). A wrong guess costs the lookup, never a result.
 */
void ms__kfree(struct ms_sim *sim, void *p)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms_thread *cur = ms__current(sim);
	struct ms__chunk_hdr *hd;
	struct ms__acct *ac = NULL;
	struct ms_heap *h;
	uint32_t c, sz, tid;
	uint64_t bytes;
	unsigned kind;

	if (G_UNLIKELY(!p || !cur || !ms__event_hash_only(sim) ||
		       a->has_uncharge))
		goto general;
	hd = ms__heap_hdr_of(p);
	if (G_LIKELY(hd->heap_id == MS_HEAP_SYSTEM_ID))
		h = a->sys;
	else if (hd->heap_id >= a->nheaps ||
		 !(h = a->heap_tab[hd->heap_id]))
		goto general;
	if (G_UNLIKELY(ms__heap_check_chunk(h, p, &c) != MS__HEAP_OK))
		goto general;
	sz = hd->size_used >> 1;
	tid = hd->tag;
	kind = ms__heap_block_kind(p);
	bytes = ms__heap_block_bytes(p);
	ac = ms__thread_sub(cur, MS__SUB_ALLOC);
	if (G_UNLIKELY(!ac || ac->tid != tid))
		ac = acct_of(a, tid);
	if (G_UNLIKELY(!ac || ac != a->pend || !ac->thread ||
		       kind >= MS_ALLOC__COUNT || !ms__waitq_empty(&h->waiters)))
		goto general;
	if (G_UNLIKELY(!ms__heap_quick_room(h, sz - MS__HEAP_MIN_UNITS))) {
		kfree_coalesce(sim, h, ac, p);
		return;
	}

	ms__clock_advance(sim, MS__COST_ALLOC);
	ms__heap_free_quick(h, c, sz);
	credit_counts(a, ac, bytes, kind);
	ms__event_hash(sim, MS_EV_FREE, ms__thread_tid(cur), bytes, ac->tid);
	return;
general:
	if (p)
		kfree_general(sim, a, p);
}

ms_tid ms__kalloc_owner(const void *p)
{
	return ms__heap_hdr_of(p)->tag;
}

size_t ms__kalloc_bytes(const void *p)
{
	return ms__heap_block_bytes(p);
}

ms_tid ms_heap_block_owner(const void *p)
{
	return p ? ms__heap_hdr_of(p)->tag : MS_TID_NONE;
}

int ms_alloc_kind_stats(struct ms_sim *sim, unsigned kind,
			struct ms_alloc_kind_stats *out)
{
	if (kind >= MS_ALLOC__COUNT || !out)
		return -EINVAL;
	*out = ms__alloc_state(sim)->kinds[kind];
	out->count_held = out->granted - out->freed;
	return 0;
}

/* ---- the checked free of the public API ------------------------------ */

int ms__kfree_checked(struct ms_sim *sim, void *p,
		      const struct ms__kfree_rule *rule,
		      struct ms__kblock *found)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms_heap *h = ms__heap_find(a, p);
	enum ms__heap_check chk;

	if (!h)
		return -EINVAL;
	ms__clock_advance(sim, MS__COST_ALLOC);
	/* Without a rule, the release makes the heap's checks itself. */
	if (!rule)
		return release(sim, a, h, p);
	/* With one, verify everything before anything changes: the heap's
	 * checks first (a refusal counted and logged; the header is then
	 * sound to read), then the rule. */
	chk = ms__heap_check(h, p);
	if (G_UNLIKELY(chk != MS__HEAP_OK))
		return refused(h, p, ms__heap_refuse(h, chk));
	found->owner = ms__heap_hdr_of(p)->tag;
	found->kind = ms__heap_block_kind(p);
	if (found->kind != rule->kind || found->owner != rule->owner)
		return -EPERM;
	return release(sim, a, h, p);
}

int ms_heap_alloc_raw(struct ms_heap *heap, size_t size, void **out)
{
	void *p;

	if (!heap || !size || !out)
		return -EINVAL;
	p = ms__heap_alloc(heap, size, MS_TID_NONE, MS_ALLOC_OTHER);
	if (!p)
		return -ENOMEM;
	*out = p;
	return 0;
}

/* ---- the subsystem ------------------------------------------------------- */

static int alloc_init(struct ms_sim *sim)
{
	struct ms__alloc *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return -ENOMEM;
	a->sim = sim;
	a->heaps = g_ptr_array_new();
	a->regions = g_ptr_array_new();
	ms__sim_sub_set(sim, MS__SUB_ALLOC, a);
	ret = heap_new(a, "system", ms_sim_config(sim)->heap_size, &a->sys);
	if (ret)
		goto fail;
	ret = ms__quota_init(a);
	if (ret)
		goto fail;
	return 0;
fail:
	ms__quota_fini(a);
	if (a->sys)
		heap_free(a, a->sys);
	g_ptr_array_free(a->heaps, TRUE);
	g_ptr_array_free(a->regions, TRUE);
	free(a);
	ms__sim_sub_set(sim, MS__SUB_ALLOC, NULL);
	return ret;
}

static void alloc_fini(struct ms_sim *sim)
{
	struct ms__alloc *a = ms__alloc_state(sim);

	if (!a)
		return;
	ms__quota_fini(a);
	for (guint i = 0; i < a->heaps->len; i++) {
		struct ms_heap *h = g_ptr_array_index(a->heaps, i);

		if (h)
			heap_free(a, h);
	}
	g_ptr_array_free(a->heaps, TRUE);
	g_ptr_array_free(a->regions, TRUE);
	free(a);
	ms__sim_sub_set(sim, MS__SUB_ALLOC, NULL);
}

static int alloc_thread_new(struct ms_sim *sim, struct ms_thread *parent,
			    struct ms_thread *child)
{
	return ms__acct_thread_new(ms__alloc_state(sim), parent, child);
}

static void alloc_thread_gone(struct ms_sim *sim, struct ms_thread *t)
{
	ms__acct_thread_gone(ms__alloc_state(sim), t);
}

static int alloc_group_set(struct ms_sim *sim, struct ms_thread *t,
			   uint32_t group)
{
	return ms__acct_group_set(ms__alloc_state(sim), t, group);
}

const struct ms__subsys ms__alloc_subsys = {
	.name = "alloc",
	.init = alloc_init,
	.fini = alloc_fini,
	.thread_new = alloc_thread_new,
	.thread_gone = alloc_thread_gone,
	.group_set = alloc_group_set,
};
