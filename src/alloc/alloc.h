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

/* The tid an allocation was charged to (MS_TID_NONE for the kernel's own). */
ms_tid ms__kalloc_owner(const void *p);

/* Bytes of heap p takes (its footprint: header and rounding included);
 * that is what was charged for it. */
size_t ms__kalloc_bytes(const void *p);

#endif
