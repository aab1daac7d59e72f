/* SPDX-License-Identifier: MIT */
/*
 * memsim: kernel heaps.
 *
 * Every sim has a system heap (the kernel heap, ms_config.heap_size bytes)
 * and may have named heaps that act as pools (Zephyr's k_heap, assigned to
 * threads with ms_thread_heap_assign() in <memsim/quota.h>). Each heap is a
 * real allocator over a fixed arena, modelled on Zephyr's sys_heap: chunks
 * in 8-byte units behind a 16-byte header, free lists per power-of-two
 * bucket, split and coalesce. docs/heap-and-quotas.md has the details.
 *
 * Overhead: a request of n bytes takes ms_heap_footprint(n) bytes of heap,
 * that is 16 bytes of header plus n rounded up to a multiple of 8 (at
 * least 8). The quota policies charge that footprint.
 *
 * Heaps are named by a small id in events and reports (the system heap is
 * 0), never by a host address.
 */
#ifndef MEMSIM_HEAP_H
#define MEMSIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;
struct ms_heap;

/* What a kernel allocation is for. X(name, "text") */
#define MS_ALLOC_KINDS(X)                                                    \
	X(OBJECT, "object")		/* kernel object record */           \
	X(OBJECT_DATA, "object-data")	/* its data: same request */       \
	X(TIMEOUT, "timeout")		/* a delayed work item's timeout */ \
	X(WORK, "work")			/* a user workqueue's work item */ \
	X(QUEUE_NODE, "queue-node")	/* k_queue_alloc_append node */    \
	X(PIPE_BUF, "pipe-buffer")                                         \
	X(MSGQ_BUF, "msgq-buffer")                                         \
	X(POLL_COPY, "poll-copy")	/* transient copy of poll events */ \
	X(IPC, "ipc")			/* IPC message and its resources */ \
	X(OTHER, "other")		/* the kernel's catch-all */        \
	X(STACK_BUF, "stack-buffer")	/* k_stack_alloc_init buffer */    \
	X(USER, "user")			/* ms_heap_alloc: the caller's own */

enum ms_alloc_kind {
#define MS__AK_ENUM(name, text) MS_ALLOC_##name,
	MS_ALLOC_KINDS(MS__AK_ENUM)
#undef MS__AK_ENUM
	MS_ALLOC__COUNT
};

/* "object", ...; "?" for an unknown kind. */
const char *ms_alloc_kind_name(unsigned kind);

#define MS_HEAP_SYSTEM_ID 0u
#define MS_HEAP_ID_NONE UINT32_MAX	/* "no heap" (no pool assigned) */
#define MS_HEAP_HEADER 16u		/* bytes of header per allocation */
#define MS_HEAP_ALIGN 8u		/* alignment of every allocation */
#define MS_HEAP_MIN_SIZE 64u		/* smallest arena */
#define MS_HEAP_MAX_SIZE ((size_t)1 << 32)	/* arena must be smaller */

/* Bytes of heap a request of size bytes takes (0: it can never fit). */
size_t ms_heap_footprint(size_t size);

/* The sim's system heap (never NULL once the sim exists). */
struct ms_heap *ms_heap_system(struct ms_sim *sim);

/*
 * Create a named heap (a pool) of size bytes. Supervisor threads and the
 * host only.
 * @retval 0 and *out set
 * @retval -EINVAL name empty or too long (31 bytes max), size out of
 *         [MS_HEAP_MIN_SIZE, MS_HEAP_MAX_SIZE)
 * @retval -EEXIST a heap of that name exists
 * @retval -EPERM called from a user thread
 * @retval -ENOSPC the sim has made 65535 heaps
 * @retval -ENOMEM the host could not provide the arena
 */
int ms_heap_create(struct ms_sim *sim, const char *name, size_t size,
		   struct ms_heap **out);

/*
 * Find a heap by name ("system" is the system heap).
 * @retval 0 and *out set
 * @retval -ENOENT no such heap
 */
int ms_heap_lookup(struct ms_sim *sim, const char *name, struct ms_heap **out);

/*
 * Destroy a named heap. Only an empty heap goes: no allocation outstanding,
 * nobody waiting on it and no live thread having it as pool.
 * @retval 0 destroyed
 * @retval -EINVAL the system heap (it lives as long as the sim), a region
 *         of device memory (it leaves with its blocks: <memsim/device.h>),
 *         or not a heap of this sim
 * @retval -EBUSY it is not empty (see above)
 * @retval -EPERM called from a user thread
 */
int ms_heap_destroy(struct ms_sim *sim, struct ms_heap *heap);

uint32_t ms_heap_id(const struct ms_heap *heap);
const char *ms_heap_name(const struct ms_heap *heap);

/* All heaps of the sim, for reports: ids 0 .. count-1 (NULL if destroyed). */
uint32_t ms_heap_count(struct ms_sim *sim);
struct ms_heap *ms_heap_get(struct ms_sim *sim, uint32_t id);

struct ms_heap_stats {
	uint32_t id;
	size_t capacity;		/* arena less the end marker, bytes */
	size_t free_bytes;		/* in free chunks, headers included */
	size_t allocated_bytes;		/* in used chunks, headers included */
	size_t max_allocated_bytes;	/* peak of allocated_bytes */
	size_t largest_free_bytes;	/* the largest free chunk */
	size_t largest_request;		/* the largest request that would fit */
	/* 100 * (1 - largest_free / free): 0 when all free space is one
	 * chunk, near 100 when it is in crumbs. */
	unsigned fragmentation_pct;
	uint32_t used_chunks;
	uint32_t free_chunks;
	uint64_t allocs;		/* successful allocations */
	uint64_t frees;
	uint64_t failures;		/* allocations refused: no room */
	uint64_t double_frees;		/* refused frees of a freed chunk */
	uint64_t corruptions;		/* refused frees: damaged headers */
	/* Quick lists (ms_heap_set_quick_depth): freed small chunks kept
	 * uncoalesced for reuse by a request of the same size. The figures
	 * above show the heap as if they were given back (as they are before
	 * any request fails): a quick-listed chunk is free space, merged with
	 * its free neighbours, in free_chunks, largest_free_bytes and
	 * fragmentation_pct. */
	uint32_t quick_chunks;		/* chunks on them now */
	uint64_t quick_hits;		/* allocations they served */
	uint32_t waiters;		/* threads blocked for room now */
};

/* @retval 0, -EINVAL heap is NULL */
int ms_heap_stats(const struct ms_heap *heap, struct ms_heap_stats *out);

/*
 * Allocate size bytes for the calling thread, charged to it under the
 * sim's quota policy, from the heap the policy picks (the system heap, or
 * the thread's pool under "pool"), as a block of kind MS_ALLOC_USER. From
 * the host (outside a simulated thread) the allocation is the kernel's
 * own: uncharged, system heap.
 *
 * From a user thread it is a syscall (MS_SYS_HEAP_ALLOC in
 * <memsim/syscall.h>): it runs on the thread's privileged stack, costs the
 * syscall entry, is counted for the thread and recorded as an MS_EV_SYSCALL
 * event. out is
 * checked first, as every syscall buffer is: it must be memory the thread
 * may write (its own stack, its domain's partitions); anything else (NULL,
 * host memory, another thread's stack) kills the thread with an oops
 * (error -EFAULT) before anything is allocated. From a supervisor thread
 * or the host it is one kernel entry, not counted as a syscall.
 * The simulated cost is that entry plus an allocation and a quota check.
 * @retval 0 and *out set
 * @retval -EDQUOT the thread's quota refuses (counted as denied by quota)
 * @retval -ENOMEM the heap has no room or no pool is assigned (counted as
 *         denied by an empty heap)
 * @retval -EINVAL size is 0, or (supervisors, the host) out is NULL
 */
int ms_heap_alloc(struct ms_sim *sim, size_t size, void **out);

/*
 * As ms_heap_alloc() (the same syscall for a user thread, out checked
 * before it waits), but when the heap (not the quota) has no room, wait
 * up to timeout ticks (MS_FOREVER, MS_NO_WAIT) for frees, like
 * k_heap_alloc(). Only a simulated thread may wait.
 * @retval -EAGAIN the timeout expired with the heap still full
 */
int ms_heap_alloc_wait(struct ms_sim *sim, size_t size, int64_t timeout,
		       void **out);

/*
 * Free a block (NULL: no-op, no kernel entry). It credits whoever the
 * block was charged to, whoever frees it.
 *
 * A supervisor thread or the host (one kernel entry, not a syscall) may
 * free any block of the sim's heaps: one from ms_heap_alloc() or
 * ms_heap_alloc_raw(), a kernel block, another thread's, on its requester's
 * behalf (as an interrupt handler would).
 *
 * From a user thread it is a syscall (MS_SYS_HEAP_FREE), and the thread
 * may free only what it was given: a live block of kind MS_ALLOC_USER
 * (from ms_heap_alloc) charged to the thread itself. Anything else kills
 * it with an oops whose error is the errno below (a double free and a
 * damaged header still counted by the heap); the block and every charge
 * are left as they were. A user thread never sees these errnos returned.
 * @retval 0 freed
 * @retval -EINVAL p is not a block of any heap of this sim
 * @retval -EALREADY p was already freed (double free; counted)
 * @retval -EFAULT a header around p is damaged (corrupted neighbour;
 *         counted); nothing was freed
 * @retval -EPERM (user threads only, as the oops's error) a live block
 *         that is not the caller's: a kernel block (another kind), an
 *         uncharged one or another thread's
 */
int ms_heap_free(struct ms_sim *sim, void *p);

/* The largest quick depth (ms_config.heap_quick_depth). */
#define MS_HEAP_QUICK_DEPTH_MAX 255u

/*
 * Quick lists: a freed chunk of a request up to 256 bytes is kept on a list
 * of its exact size, uncoalesced, up to depth chunks per size, and the next
 * request of that size takes it back at once (as glibc's tcache or a slab
 * allocator's per-CPU free list do). Before a request fails for want of
 * room every list is given back to the heap, coalescing as a free does, so
 * they never make a request fail that the coalesced heap could serve; they
 * do change placement. Depth 0 turns them off: the heap then places,
 * splits and coalesces by Zephyr's sys_heap rules (its bucket index and
 * search; docs/heap-and-quotas.md 1.3 lists what differs: a 16-byte
 * header, slack, order within a bucket). Every heap of a sim
 * starts with ms_config.heap_quick_depth (default 8). Lowering the depth
 * gives back what is cached beyond it.
 * @retval 0, -EINVAL heap NULL or not of this sim, or depth above
 *         MS_HEAP_QUICK_DEPTH_MAX; -EPERM called from a user thread
 */
int ms_heap_set_quick_depth(struct ms_sim *sim, struct ms_heap *heap,
			    uint32_t depth);

/*
 * Raw allocation from a given heap, uncharged (sys_heap_alloc / k_heap_alloc
 * with K_NO_WAIT, for library users that run their own allocator tests).
 * Costs no simulated time.
 * @retval 0 and *out set
 * @retval -ENOMEM no room
 * @retval -EINVAL heap NULL, size 0, out NULL
 */
int ms_heap_alloc_raw(struct ms_heap *heap, size_t size, void **out);

/* The tid a block is charged to (MS_TID_NONE: uncharged). p must be live. */
ms_tid ms_heap_block_owner(const void *p);

#ifdef __cplusplus
}
#endif
#endif
