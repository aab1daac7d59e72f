/* SPDX-License-Identifier: MIT */
/*
 * Kernel allocations on behalf of a thread: the internal API that the kernel
 * services (src/kernel, src/ipc) use. Implemented in src/alloc/.
 *
 * Every allocation is charged under the sim's active quota policy to the
 * requesting thread (its accounting record outlives the thread), and drawn
 * from the heap the policy picks (the system heap, or the thread's pool under
 * the "pool" policy). Freeing credits the original requester, whoever frees.
 */
#ifndef MS_ALLOC_H
#define MS_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/*
 * What an allocation is for; kept with the charge for the reports.
 * Pass an enum ms_alloc_kind from <memsim/heap.h>.
 */
#include <memsim/heap.h>

/*
 * Allocate size bytes for requester (NULL: the kernel itself, uncharged,
 * from the system heap).
 * @retval 0 and *out set
 * @retval -EDQUOT the requester's quota refuses
 * @retval -ENOMEM the heap has no room (or, under "pool", no pool assigned)
 */
int ms__kalloc(struct ms_sim *sim, struct ms_thread *requester, size_t size,
	       unsigned kind, void **out);

/*
 * As ms__kalloc, but when the heap is full wait up to timeout ticks for a
 * free (like k_heap_alloc with a timeout). Quota refusals do not wait.
 * Only the running thread waits for itself: with MS_NO_WAIT, from the host,
 * or for another requester it behaves as ms__kalloc (-ENOMEM when full).
 * @retval -EAGAIN the timeout expired (Zephyr returns NULL)
 */
int ms__kalloc_wait(struct ms_sim *sim, struct ms_thread *requester,
		    size_t size, unsigned kind, int64_t timeout, void **out);

/* Free p (NULL is a no-op); credits the requester recorded at allocation. */
void ms__kfree(struct ms_sim *sim, void *p);

/* What the checks of a free found at a live block (ms__kfree_checked). */
struct ms__kblock {
	ms_tid owner;			/* charged to (MS_TID_NONE: uncharged) */
	unsigned kind;			/* enum ms_alloc_kind */
};

/* Whose blocks a caller of ms__kfree_checked() may free. */
struct ms__kfree_rule {
	ms_tid owner;			/* charged to this thread, */
	unsigned kind;			/* and of this kind */
};

/*
 * The free of ms_heap_free(): p is checked first (a block of one of sim's
 * heaps, its header and its neighbours' sound), then against rule if it is
 * not NULL; only then freed as ms__kfree() does (the requester credited,
 * waiters woken). A refusal changes nothing but the heap's counters of
 * what it detected (double_frees, corruptions; also logged). With a rule,
 * *found is filled once p passed the heap's checks (so for 0 and -EPERM);
 * without one it is not used. Costs
 * MS__COST_ALLOC once p lies in a heap; no kernel entry of its own.
 * @retval 0 freed
 * @retval -EINVAL p is not a block of any heap of sim
 * @retval -EALREADY p is already free (counted as a double free)
 * @retval -EFAULT a header around p is damaged (counted as a corruption)
 * @retval -EPERM a live block that rule does not allow
 */
int ms__kfree_checked(struct ms_sim *sim, void *p,
		      const struct ms__kfree_rule *rule,
		      struct ms__kblock *found);

/*
 * As ms__kalloc, charged under the active policy, but drawn from the first
 * of heaps[0 .. n) that has room, whatever heap the policy picks (it
 * decides the charge only): the shared multi-heap's allocations by
 * attribute. @retval 0, -EDQUOT, -ENOMEM (no room in any, n 0, or no pool
 * under "pool")
 */
int ms__kalloc_from(struct ms_sim *sim, struct ms_thread *requester,
		    size_t size, unsigned kind, struct ms_heap *const *heaps,
		    size_t n, void **out);

/*
 * Heap regions (region.c): heaps over memory the heap does not own (a
 * device's blocks online for kernel allocations). Listed as heaps of the
 * sim like any other; ms_heap_destroy refuses them.
 */
/* @retval 0, -EEXIST a heap of that name, -EINVAL a bad size, -ENOSPC,
 * -ENOMEM */
int ms__heap_region_add(struct ms_sim *sim, const char *name, void *mem,
			size_t size, struct ms_heap **out);
/* Unregister a region and free its record, not its memory. Whatever was
 * allocated on it is the caller's concern (none, or lost with it). */
void ms__heap_region_remove(struct ms_sim *sim, struct ms_heap *h);
/* Allocations live on a heap, and their bytes (footprints). */
uint32_t ms__heap_live(const struct ms_heap *h, uint64_t *bytes);

/* The tid an allocation was charged to (MS_TID_NONE for the kernel's own). */
ms_tid ms__kalloc_owner(const void *p);

/* Bytes of heap p takes (its footprint: header and rounding included);
 * that is what was charged for it. */
size_t ms__kalloc_bytes(const void *p);

#endif
