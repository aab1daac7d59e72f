/* SPDX-License-Identifier: MIT */
/*
 * Private to src/mem/pool: the layout of a pool and the glue between its
 * files (pool.c: lifecycle, allocation, seals, statistics; pool_write.c:
 * write windows, rare and direct writes; pool_mm.c: the mseal-like calls;
 * pool_fault.c: fault attribution).
 *
 * A pool is one memfd of meta_len + max_pages * page bytes, mapped twice:
 *
 *   view:  [ meta pages (always PROT_READ) | data slot 0 | slot 1 | ... ]
 *   alias: the same file, writable only inside a write window
 *
 * The view is what everyone uses: a data slot is PROT_NONE while the pool
 * holds no page there, PROT_READ|WRITE while its page is open (or what
 * ms_pool_protect set), PROT_READ once sealed. The pool's header (struct
 * ms_pool, which is also the public handle) and its page table live in the
 * meta pages of the view, so they are sealed from the start: the pool code
 * reads them through the view and changes them only through a write window
 * on the alias (see pool_write.c), never by unsealing the view.
 *
 * Host-side state (which pools are live, by name, in creation order, and
 * the sim-wide totals) is in struct ms__pools, the subsystem's slot.
 */
#ifndef MS_POOL_PRIV_H
#define MS_POOL_PRIV_H

#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/pool.h>

#include "core/core.h"
#include "core/cost.h"
#include "platform/os.h"
#include "sched/sched.h"

#define POOL_MAGIC 0x6c6f6f70u		/* "pool" */
#define POOL_NO_PAGE UINT32_MAX
#define POOL_WORD sizeof(void *)	/* the free-tracking granule */

/*
 * Simulated cost of pool operations, in ticks, from the core's model
 * (src/core/cost.h): a page taken or returned is a frame allocation plus a
 * protection change; a seal or protection change costs what reprogramming
 * one MPU region does, per page; a write window is opened and closed (two
 * protection changes) and the bytes copied.
 */
#define POOL_COST_CALL MS__COST_KERNEL_ENTRY
#define POOL_COST_ALLOC MS__COST_ALLOC
#define POOL_COST_PAGE (MS__COST_ALLOC + MS__COST_MPU_REGION)
#define POOL_COST_PROTECT MS__COST_MPU_REGION
#define POOL_COST_WINDOW (2 * MS__COST_MPU_REGION)
#define POOL_COST_COPY(n) (MS__COST_COPY_PER_64B * (((n) + 63) / 64))

/*
 * Enter the kernel for a pool call, which is a kernel operation: from a
 * user thread it is refused with -EPERM before anything is charged or
 * changed (a user thread's part is its stores, ms_pool_write). Pair a 0
 * with ms__kernel_exit().
 */
static inline int ms__pool_enter(struct ms_sim *sim)
{
	if (ms__caller_is_user(sim))
		return -EPERM;
	ms__kernel_enter(sim, POOL_COST_CALL);
	return 0;
}

/* One data slot's bookkeeping, followed (with MS_POOL_TRACK_FREES) by two
 * bitmaps of bitmap_words uint64_t each: live words, then allocation
 * starts. */
struct pool_page {
	uint8_t state;		/* enum ms_pool_page_state */
	uint8_t prot;		/* the view's protection (enum ms__prot) */
	uint16_t pad;
	uint32_t used;		/* bytes handed out so far (the cursor) */
	uint32_t live;		/* bytes in live allocations */
	uint32_t align;		/* padding and word rounding */
	uint32_t gap;		/* freed bytes */
	uint32_t live_words;	/* tracking: words in live allocations */
};

/* The pool's header: the first bytes of its first meta page. */
struct ms_pool {
	uint32_t magic;
	uint32_t id;
	struct ms_sim *sim;
	char name[MS_POOL_NAME_MAX];
	unsigned flags;
	enum ms_pool_rare_mode mode;
	uint32_t max_pages;
	uint32_t meta_pages;
	size_t page;			/* host page size */
	size_t align;			/* default alignment */
	size_t meta_len;		/* meta_pages * page */
	size_t total_len;		/* the memfd, both mappings */
	size_t entries_off;		/* page table, from the header */
	size_t entry_size;
	size_t bitmap_words;
	int fd;
	unsigned region;		/* fault region of the view */
	unsigned alias_region;		/* of a gated alias, 0: none */
	uint8_t *view;			/* == (uint8_t *)this */
	uint8_t *alias;			/* persistent alias, NULL in MAP mode */

	uint32_t open_page;		/* where allocations go, or NO_PAGE */
	uint32_t free_hint;		/* no free slot below this one */
	uint32_t pages;
	uint32_t sealed_pages;
	struct ms_pool_stats c;		/* the lifetime counters */
};

/* The subsystem's slot on a sim. */
struct ms__pools {
	struct ms_sim *sim;
	GHashTable *live;		/* struct ms_pool * set */
	GHashTable *by_name;		/* name (in the header) -> pool */
	GPtrArray *order;		/* live pools, creation order */
	uint32_t next_id;
	struct ms_pool_totals totals;
};

static inline struct ms__pools *ms__pools_state(const struct ms_sim *sim)
{
	return ms__sim_sub(sim, MS__SUB_POOL);
}

static inline struct pool_page *pool_entry(const struct ms_pool *p,
					   uint32_t i)
{
	return (struct pool_page *)((uint8_t *)p + p->entries_off +
				    (size_t)i * p->entry_size);
}

static inline uint64_t *pool_live_map(struct pool_page *e)
{
	return (uint64_t *)(e + 1);
}

static inline uint64_t *pool_start_map(const struct ms_pool *p,
				       struct pool_page *e)
{
	return (uint64_t *)(e + 1) + p->bitmap_words;
}

/* Offset of data slot i in the memfd (and in both mappings). */
static inline size_t pool_slot_off(const struct ms_pool *p, uint32_t i)
{
	return p->meta_len + (size_t)i * p->page;
}

static inline uint8_t *pool_slot(const struct ms_pool *p, uint32_t i)
{
	return p->view + pool_slot_off(p, i);
}

/* The data slot that holds addr, or NO_PAGE (also for meta pages). */
static inline uint32_t pool_slot_of(const struct ms_pool *p,
				    uintptr_t addr)
{
	uintptr_t base = (uintptr_t)p->view + p->meta_len;

	if (addr < base || addr - base >= (uintptr_t)p->max_pages * p->page)
		return POOL_NO_PAGE;
	return (uint32_t)((addr - base) / p->page);
}

static inline bool pool_tracks(const struct ms_pool *p)
{
	return p->flags & MS_POOL_TRACK_FREES;
}

/*
 * A write window: [off, off + len) of the memfd, writable at p for the
 * duration of one pool call (pool_write.c).
 */
struct pool_win {
	uint8_t *p;
	size_t off;
	size_t len;
};

/*
 * Open a window on the pool's file. w (the header's writable alias, NULL
 * while opening the meta window itself) receives the exposure counters.
 * @retval 0 or a host errno; nothing is open on failure
 */
int ms__pool_win_open(struct ms_pool *p, struct ms_pool *w, size_t off,
		      size_t len, struct pool_win *win);
/* @retval 0 or a host errno (the window could not be closed) */
int ms__pool_win_close(struct ms_pool *p, struct pool_win *win);

/*
 * The meta window: *w is the writable alias of the header. It covers the
 * header and the page table up to the entry of slot upto (POOL_NO_PAGE: the
 * header's page only), no more: a call opens only the bookkeeping it
 * changes, and every page in a window costs a TLB flush when it closes.
 */
int ms__pool_meta_open(struct ms_pool *p, uint32_t upto,
		       struct pool_win *win, struct ms_pool **w);
static inline struct pool_page *pool_wentry(const struct ms_pool *w,
					    uint32_t i)
{
	return pool_entry(w, i);
}

/* pool.c */
bool ms__pool_valid(const struct ms_sim *sim, const struct ms_pool *p);
ms_tid ms__pool_tid(struct ms_sim *sim);
/* Give slot i back to the host (through the open meta window w). */
int ms__pool_page_return(struct ms_pool *p, struct ms_pool *w, uint32_t i);
/* Take free slot i with view protection prot. */
int ms__pool_page_take(struct ms_pool *p, struct ms_pool *w, uint32_t i,
		       unsigned prot);
/* The live pool whose view holds addr, or NULL. */
struct ms_pool *ms__pool_find(const struct ms_sim *sim, uintptr_t addr);

/* pool_fault.c */
int ms__pool_fault_regions_add(struct ms_pool *p, struct ms_pool *w);
void ms__pool_fault_regions_remove(struct ms_sim *sim, unsigned region,
				   unsigned alias_region);

/* For tests: the persistent alias and the meta pages. */
void *ms__pool_alias(const struct ms_pool *p);
void ms__pool_meta_range(const struct ms_pool *p, void **base, size_t *len);

#endif
