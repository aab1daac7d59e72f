/* SPDX-License-Identifier: MIT */
/*
 * memsim: sealed pools (post-init read-only memory).
 *
 * A pool belongs to one module of the simulated kernel. It takes pages on
 * demand and hands out memory linearly inside them, aligned as asked. A page
 * is sealed (made read-only for everyone, with real page protection) when
 * it fills or when the module seals the whole pool; the pool's own
 * bookkeeping lives in sealed pages too. A write to sealed memory by a
 * simulated thread is a real fault (MS_FAULT_SEALED_WRITE), attributed to
 * the pool, the page, the offset and the thread; the thread dies and the
 * simulation goes on. Sealed data may still be changed on purpose through
 * the "rare write" path, which writes through a second mapping of the same
 * memory that only the pool knows. Destroying a pool (unloading the
 * module) returns every page, sealed or not.
 *
 * The simulated kernel's memory-management calls (ms_pool_protect,
 * ms_pool_unmap, ms_pool_remap, ms_pool_discard) refuse with -EPERM on a
 * sealed range, in the spirit of Linux's mseal(2).
 *
 * Pool calls are kernel operations: made from a simulated thread they
 * charge simulated ticks and end in a preemption point; made from the host
 * (before or between runs) they charge the ticks but never switch threads.
 * They are for the kernel: supervisor threads and the host. A user thread
 * gets -EPERM from every call that creates, destroys, allocates, frees,
 * seals, rare-writes or changes mappings, before anything is charged or
 * changed; its part is its own stores (ms_pool_write). Every call takes
 * the sim first; a pool handle the sim does not know (never created, or
 * destroyed) is refused with -EBADF. Reading pool memory is always
 * allowed; see docs/sealed-pools.md.
 */
#ifndef MEMSIM_POOL_H
#define MEMSIM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

/* A pool. The handle points at the pool's own sealed header. */
struct ms_pool;

#define MS_POOL_NAME_MAX 32		/* including the terminating NUL */
#define MS_POOL_MAX_PAGES_DEFAULT 256u	/* data pages a pool may hold */
#define MS_POOL_MAX_PAGES_LIMIT (1u << 20)

enum ms_pool_flag {
	/*
	 * Track frees with a bitmap of machine words per page: a free is
	 * checked against the allocation it names, and a page whose words are
	 * all free again is unsealed and returned. Allocations are then
	 * rounded up to whole words. Without it a free only leaves a gap,
	 * counted as waste.
	 */
	MS_POOL_TRACK_FREES = 1u << 0,
};

/*
 * How sealed memory is written on purpose (rare writes, and the pool's own
 * bookkeeping updates). Every mode writes through a writable alias of the
 * pool's memfd, never by unsealing the read-only view everyone uses; they
 * differ in how long the alias is writable (docs/sealed-pools.md measures
 * them).
 */
enum ms_pool_rare_mode {
	/* Map the pages to write for the call and unmap them after it: no
	 * writable alias exists between calls. The default. */
	MS_POOL_RARE_MAP = 0,
	/* A per-pool alias mapped once, inaccessible (PROT_NONE) between
	 * calls and opened for the pages of each call with mprotect. */
	MS_POOL_RARE_GATE,
	/* A per-pool alias mapped once and left writable: the cheapest, and
	 * the whole pool is writable through it for the pool's lifetime. */
	MS_POOL_RARE_OPEN,
};

struct ms_pool_attr {
	unsigned flags;			/* enum ms_pool_flag */
	enum ms_pool_rare_mode rare_mode;
	uint32_t max_pages;		/* 0: MS_POOL_MAX_PAGES_DEFAULT */
	size_t align;			/* default alignment; 0: sizeof(void *) */
};

void ms_pool_attr_init(struct ms_pool_attr *attr);

/*
 * Create a pool named name (copied). It holds no data page until the first
 * allocation; its bookkeeping pages are mapped and sealed at once.
 * @retval 0 and *out set
 * @retval -EINVAL bad name (empty or too long), attribute or flag
 * @retval -EEXIST the sim already has a pool with that name
 * @retval -ENOMEM (or another host errno) the host could not provide the
 *         memfd or the mappings; nothing is left behind
 */
int ms_pool_create(struct ms_sim *sim, const char *name,
		   const struct ms_pool_attr *attr, struct ms_pool **out);

struct ms_pool_stats;

/*
 * Destroy a pool (unload its module): every page, sealed or not, and every
 * mapping and descriptor of the pool is returned to the host. The handle is
 * invalid afterwards. If final is not NULL it receives the pool's
 * statistics after every page was returned (pages 0, pages_returned equal
 * to pages_taken).
 * @retval 0
 * @retval -EBADF not a live pool of this sim
 * @retval other negative errnos: the host would not take a mapping back
 *         (the pool is gone all the same)
 */
int ms_pool_destroy(struct ms_sim *sim, struct ms_pool *pool,
		    struct ms_pool_stats *final);

/*
 * Allocate size bytes aligned to align (a power of two no larger than a
 * page; 0: the pool's default). The memory is zero when the page is new
 * and writable until its page is sealed. If it does not fit in the page
 * being filled, that page is sealed (it is full) and a new one is taken.
 * @retval 0 and *out set
 * @retval -EINVAL size is 0 or larger than a page, or a bad alignment
 * @retval -ENOMEM the pool already holds max_pages pages (a simulated
 *         result); nothing was sealed
 * @retval -EBADF not a live pool; other negative errnos: host failures
 */
int ms_pool_alloc(struct ms_sim *sim, struct ms_pool *pool, size_t size,
		  size_t align, void **out);

/*
 * Free an allocation of size bytes at ptr. With MS_POOL_TRACK_FREES the
 * words it covers are marked free, and a page left with no live word is
 * unsealed and returned to the host; without it the bytes become a gap.
 * @retval 0
 * @retval -EINVAL ptr is not in a page of the pool, or [ptr, ptr + size)
 *         was never handed out; with tracking, also when ptr does not start
 *         a live allocation of exactly that size (double free)
 * @retval -EBADF not a live pool; other negative errnos: host failures
 */
int ms_pool_free(struct ms_sim *sim, struct ms_pool *pool, void *ptr,
		 size_t size);

/*
 * Seal every page of the pool that is not sealed yet (the module's init is
 * over). A later allocation takes a new page.
 * @retval 0
 * @retval -EBADF not a live pool; other negative errnos: host failures
 */
int ms_pool_seal(struct ms_sim *sim, struct ms_pool *pool);

/*
 * The calling simulated thread stores len bytes from src at dst with plain
 * stores, as module code would. If a byte of the range is sealed the
 * thread takes a real fault (MS_FAULT_SEALED_WRITE) and this does not
 * return. Called from the host, where a fault cannot be taken, the range is
 * checked first and nothing is written if any of it is not writable.
 * Charges no ticks: it is a memory access, not a kernel call.
 * @retval 0
 * @retval -EINVAL len is 0 or [dst, dst + len) is not inside one data page
 *         of the pool
 * @retval -EFAULT (host caller only) the range is sealed, protected or not
 *         mapped
 * @retval -EBADF not a live pool
 */
int ms_pool_write(struct ms_sim *sim, struct ms_pool *pool, void *dst,
		  const void *src, size_t len);

/*
 * Change sealed (or unsealed) pool data on purpose: copy len bytes from src
 * to dst through the pool's writable alias. The page keeps its protection:
 * every other writer still faults. Counted (rare_writes, rare_write_bytes)
 * and recorded as an MS_EV_POOL_RARE_WRITE event.
 * @retval 0
 * @retval -EINVAL len is 0, or [dst, dst + len) is not inside the bytes
 *         handed out from one data page of the pool
 * @retval -EBADF not a live pool; other negative errnos: host failures
 */
int ms_pool_rare_write(struct ms_sim *sim, struct ms_pool *pool, void *dst,
		       const void *src, size_t len);

/* ---- the simulated kernel's memory-management calls (mseal semantics) ---- */

enum ms_pool_prot {
	MS_POOL_PROT_NONE = 0,
	MS_POOL_PROT_READ = 1u << 0,
	MS_POOL_PROT_WRITE = 1u << 1,
	MS_POOL_PROT_RW = MS_POOL_PROT_READ | MS_POOL_PROT_WRITE,
};

/*
 * These act on [addr, addr + len) of pool memory, whichever pool holds it;
 * len is rounded up to whole pages. Like mseal(2), the whole range is
 * checked before anything changes: one sealed page in it (or a page of the
 * pool's bookkeeping, which is always sealed) refuses the whole call with
 * -EPERM, counted in the pool's mm_refusals. On unsealed data pages they
 * act as the host call would.
 *
 * Common return values:
 * @retval -EINVAL addr is not page-aligned, len is 0, or a bad argument
 * @retval -ENOMEM the range is not entirely pages that a pool holds
 * @retval -EPERM the range holds a sealed page
 */

/* Change the protection of unsealed pages (mprotect). A write to a page
 * made read-only this way faults as MS_FAULT_CPU, not as a sealed write. */
int ms_pool_protect(struct ms_sim *sim, void *addr, size_t len,
		    unsigned prot);

/* Give unsealed pages back (munmap): whatever the pool had handed out in
 * them is gone, and a later access to them faults. */
int ms_pool_unmap(struct ms_sim *sim, void *addr, size_t len);

/*
 * Move unsealed pages elsewhere in their pool (mremap with MREMAP_MAYMOVE);
 * the contents and the pool's bookkeeping of them move too, and the old
 * addresses fault afterwards. memsim pools only move pages: new_len must
 * equal old_len (-EINVAL otherwise); -ENOMEM also when the pool has no run
 * of free page slots that long.
 */
int ms_pool_remap(struct ms_sim *sim, void *addr, size_t old_len,
		  size_t new_len, void **new_addr);

/* Drop the contents of unsealed pages (madvise MADV_DONTNEED on private
 * memory): they read back as zero. */
int ms_pool_discard(struct ms_sim *sim, void *addr, size_t len);

/* ---- inspection ---------------------------------------------------------- */

struct ms_pool_stats {
	uint32_t id;			/* 1, 2, ... in creation order */
	uint32_t max_pages;
	uint32_t meta_pages;		/* bookkeeping pages (always sealed) */
	uint32_t pages;			/* data pages held now */
	uint32_t sealed_pages;		/* of those, sealed */
	uint64_t bytes_used;		/* live allocations, bytes asked for */
	uint64_t bytes_wasted_end;	/* tails of sealed pages never handed out */
	uint64_t bytes_wasted_gap;	/* freed but still held */
	uint64_t bytes_wasted_align;	/* alignment padding and word rounding */
	uint64_t allocs;		/* successful allocations */
	uint64_t allocs_failed;		/* -ENOMEM: the pool was full */
	uint64_t frees;
	uint64_t pages_taken;		/* over the pool's lifetime */
	uint64_t pages_returned;
	uint64_t seals;			/* page seals */
	uint64_t rare_writes;
	uint64_t rare_write_bytes;
	uint64_t meta_writes;		/* bookkeeping updates (through the alias) */
	uint64_t alias_opens;		/* write windows opened (0 in OPEN mode) */
	uint64_t alias_bytes_opened;	/* bytes writable through them, summed */
	uint64_t mm_refusals;		/* -EPERM from the mm calls above */
};

/*
 * @retval 0 and *out filled
 * @retval -EBADF not a live pool
 */
int ms_pool_stats_get(struct ms_sim *sim, const struct ms_pool *pool,
		      struct ms_pool_stats *out);

/* Every pool of the sim together, including destroyed ones. */
struct ms_pool_totals {
	uint32_t pools;			/* live now */
	uint64_t pools_created;
	uint64_t pools_destroyed;
	uint64_t pages;			/* data pages held now, all pools */
	uint64_t pages_taken;
	uint64_t pages_returned;
	uint64_t rare_writes;
	uint64_t rare_write_bytes;
};
void ms_pool_totals_get(struct ms_sim *sim, struct ms_pool_totals *out);

/*
 * @retval 0 and *out set
 * @retval -ENOENT no live pool has that name
 */
int ms_pool_lookup(struct ms_sim *sim, const char *name, struct ms_pool **out);

/* The pool's id (as in its events) and name; 0 / NULL for a dead pool. */
uint32_t ms_pool_id(struct ms_sim *sim, const struct ms_pool *pool);
const char *ms_pool_name(struct ms_sim *sim, const struct ms_pool *pool);

enum ms_pool_page_state {
	MS_POOL_PAGE_NONE = 0,		/* no memory: never taken, or returned */
	MS_POOL_PAGE_OPEN,		/* writable */
	MS_POOL_PAGE_SEALED,
};

/*
 * Where ptr is: its data page index and offset in that page, and the
 * page's state. Any out pointer may be NULL.
 * @retval 0
 * @retval -EINVAL ptr is not in the pool's data pages
 * @retval -EBADF not a live pool
 */
int ms_pool_locate(struct ms_sim *sim, const struct ms_pool *pool,
		   const void *ptr, uint32_t *page, size_t *offset,
		   enum ms_pool_page_state *state);

#ifdef __cplusplus
}
#endif
#endif
