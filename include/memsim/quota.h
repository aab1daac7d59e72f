/* SPDX-License-Identifier: MIT */
/*
 * memsim: quota policies for kernel heap requests.
 *
 * Every allocation the kernel makes on behalf of a thread (a dynamic object,
 * a timeout, a queue node, a pipe buffer, a transient copy...) is charged to
 * that thread, its "requester", under the sim's active quota policy. The
 * policy decides whether the request may go ahead and from which heap it
 * draws. Policies are ops tables registered on a sim by name; the active
 * one is chosen once (ms_quota_policy_set), never looked up per request.
 *
 * Built in:
 *   "unlimited"  no limit: the baseline that shows an attack working;
 *   "count"      at most `limit` outstanding requests per thread;
 *   "bytes"      at most `limit` bytes outstanding per thread;
 *   "process"    at most `limit` bytes outstanding per thread group (the
 *                group of ms_thread_attr.group; children join their
 *                parent's group);
 *   "pool"       each thread draws from the heap assigned to it
 *                (ms_thread_heap_assign, like k_thread_heap_assign); no pool
 *                means every request fails with -ENOMEM; children inherit
 *                the pool.
 *
 * Bytes are heap footprints (ms_heap_footprint(): the request rounded up to
 * 8 plus a 16-byte header), because that is what the heap loses.
 *
 * Accounting: a charge remembers its requester. Freeing credits the
 * requester (and the group it was charged to) whoever frees: another thread,
 * the host (an interrupt-like context), or anyone after the requester died.
 * A thread's accounting record outlives the thread while charges remain.
 * Counters are kept for every thread and every group, whatever the policy,
 * and stay readable after the thread has died.
 *
 * Outcomes: a quota refusal is -EDQUOT (counted as denied_quota); a heap
 * with no room, or no pool under "pool", is -ENOMEM (counted as
 * denied_nomem). Both are simulated results, not host errors.
 */
#ifndef MEMSIM_QUOTA_H
#define MEMSIM_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>
#include <memsim/heap.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

/* Counters of a thread or a group. */
struct ms_quota_stats {
	uint64_t requested;	/* requests decided: granted + denied (one
				 * still waiting for room counts later) */
	uint64_t granted;	/* requests that got memory */
	uint64_t denied_quota;	/* refused by the policy: -EDQUOT */
	uint64_t denied_nomem;	/* refused for want of room (or pool): -ENOMEM */
	uint64_t denied_nopool;	/* of denied_nomem: no pool assigned */
	uint64_t freed;		/* charges credited back */
	uint64_t bytes_held;	/* outstanding now (footprints) */
	uint64_t bytes_peak;	/* the most ever outstanding */
	uint64_t count_held;	/* outstanding requests now */
	uint64_t count_peak;
	uint64_t limit;		/* the limit in force (see ms_quota_params) */
	bool limit_explicit;	/* set by a supervisor, not the default */
	uint32_t group;		/* the thread's group (group stats: itself) */
	uint32_t pool;		/* heap id of its pool, or MS_HEAP_ID_NONE */
	bool alive;		/* thread stats: the thread still runs */
};

/*
 * What a policy sees when asked to charge a request. The counters are the
 * framework's, updated after a request is granted or credited; a policy
 * only decides. A policy may set heap to another heap (or NULL to refuse
 * with -ENOMEM as "no pool").
 */
struct ms_charge {
	ms_tid requester;
	uint32_t group;
	size_t bytes;				/* heap footprint */
	enum ms_alloc_kind kind;
	const struct ms_quota_stats *thread;	/* requester's counters */
	const struct ms_quota_stats *grp;	/* its group's counters */
	uint64_t thread_limit;			/* the limits in force */
	uint64_t group_limit;
	struct ms_heap *pool;			/* assigned pool or NULL */
	struct ms_heap *heap;			/* in: system heap; out: the heap */
	/*
	 * 1 if this allocation is a request of its own; 0 if it belongs to
	 * the request before it (the data of a dynamic object belongs to the
	 * object's request: k_object_alloc is one request). count_held
	 * counts requests, so "count" limits requests, not blocks.
	 */
	unsigned new_request;
};

struct ms_quota_params {
	/* The default limit: per thread for "count" (requests) and "bytes"
	 * (bytes), per group for "process" (bytes); unused by "unlimited" and
	 * "pool". 0: the policy's own default. */
	uint64_t limit;
};

/*
 * A policy. Register it with ms_quota_register(); the struct must outlive
 * the sim. Only charge is required. state points to state_size zeroed
 * bytes owned by the sim for as long as the policy is active.
 */
struct ms_quota_ops {
	const char *name;
	const char *summary;		/* one line, for list-policies */
	uint64_t default_limit;		/* when ms_quota_params.limit is 0 */
	size_t state_size;
	int (*init)(void *state, const struct ms_quota_params *params);
	void (*fini)(void *state);
	/* 0 to grant; -EDQUOT to refuse by quota; -ENOMEM to refuse for
	 * want of a heap. Must not block. */
	int (*charge)(void *state, struct ms_charge *c);
	/* A granted charge is credited back (c->heap is the heap it used). */
	void (*uncharge)(void *state, const struct ms_charge *c);
	/* A thread was created (parent MS_TID_NONE: by the host). */
	void (*thread_created)(void *state, ms_tid parent, ms_tid child);
};

/*
 * Register a policy on a sim (the built-ins are registered at creation):
 * for supervisor threads and the host.
 * @retval 0 registered
 * @retval -EPERM the caller is a user thread
 * @retval -EINVAL ops, ops->name or ops->charge missing, or a name longer
 *         than 31 bytes
 * @retval -EEXIST a policy of that name is registered
 */
int ms_quota_register(struct ms_sim *sim, const struct ms_quota_ops *ops);

/* Registered policies, for list-policies: 0 .. count-1. */
size_t ms_quota_policy_count(struct ms_sim *sim);
const struct ms_quota_ops *ms_quota_policy_at(struct ms_sim *sim, size_t i);

/*
 * Make a policy active (params NULL: its defaults). Calling it again with
 * the active policy changes its default limit; threads and groups with an
 * explicit limit keep theirs. The initial policy is "unlimited".
 * @retval 0 active
 * @retval -ENOENT no policy of that name
 * @retval -EPERM called from a user thread
 * @retval -EBUSY charges are outstanding and the active policy keeps state
 *         of its own (has an uncharge hook), so it could not be credited
 * @retval -ENOMEM the host could not provide the policy's state
 * @retval other the policy's init refused (its errno)
 */
int ms_quota_policy_set(struct ms_sim *sim, const char *name,
			const struct ms_quota_params *params);

/* The active policy's name. */
const char *ms_quota_policy_name(struct ms_sim *sim);

/*
 * A supervisor changes a live thread's limit (its meaning depends on the
 * policy) or puts it back to the default. Takes effect at the next request;
 * what is already held is not taken back.
 * @retval -ENOENT no such live thread
 * @retval -EPERM called from a user thread
 */
int ms_quota_thread_limit_set(struct ms_sim *sim, ms_tid tid, uint64_t limit);
int ms_quota_thread_limit_reset(struct ms_sim *sim, ms_tid tid);

/*
 * A supervisor changes a group's byte budget ("process"), or puts it back
 * to the default. Groups need not exist yet.
 * @retval -EPERM called from a user thread
 * @retval -ENOMEM the host could not provide the group's record
 */
int ms_quota_group_limit_set(struct ms_sim *sim, uint32_t group,
			     uint64_t limit);
int ms_quota_group_limit_reset(struct ms_sim *sim, uint32_t group);

/*
 * Assign a heap to a thread as its pool (k_thread_heap_assign); heap NULL
 * removes the assignment. Threads the thread creates afterwards inherit it.
 * The "pool" policy draws from it; the other policies ignore it.
 * @retval -EINVAL heap is not a heap of this sim
 * @retval -ENOENT no such live thread
 * @retval -EPERM called from a user thread
 */
int ms_thread_heap_assign(struct ms_sim *sim, ms_tid tid,
			  struct ms_heap *heap);

/*
 * Counters of a thread, live or dead (a dead thread's are frozen, except
 * that frees of what it held still credit them).
 * @retval 0 and *out filled
 * @retval -ENOENT no thread of that tid was ever created
 */
int ms_quota_thread_stats(struct ms_sim *sim, ms_tid tid,
			  struct ms_quota_stats *out);

/*
 * Counters of a group. A group nobody has used reads as all zeros with the
 * default limit.
 * @retval 0 and *out filled
 */
int ms_quota_group_stats(struct ms_sim *sim, uint32_t group,
			 struct ms_quota_stats *out);

/* Totals over every request the sim has seen (kernel's own excluded). */
int ms_quota_total_stats(struct ms_sim *sim, struct ms_quota_stats *out);

/*
 * The groups the sim has records for (any thread ever in them, or a limit
 * set), in ascending order: fills up to cap ids and returns how many there
 * are (call with cap 0 to size the array).
 */
size_t ms_quota_group_list(struct ms_sim *sim, uint32_t *ids, size_t cap);

/* What the charged allocations of one kind add up to, over all threads. */
struct ms_alloc_kind_stats {
	uint64_t granted;
	uint64_t freed;
	uint64_t bytes_held;	/* footprints outstanding now */
	uint64_t bytes_peak;
	uint64_t count_held;
};

/*
 * @retval 0 and *out filled
 * @retval -EINVAL kind is not an enum ms_alloc_kind
 */
int ms_alloc_kind_stats(struct ms_sim *sim, unsigned kind,
			struct ms_alloc_kind_stats *out);

#ifdef __cplusplus
}
#endif
#endif
