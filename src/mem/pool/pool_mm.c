/* SPDX-License-Identifier: MIT */
/*
 * The simulated kernel's memory-management calls on pool memory: change
 * protection, unmap, move, discard; refused on sealed ranges.
 *
 * What it models: Linux's mseal(2). Sealing a mapping protects the mapping
 * itself, not only its contents: mprotect, munmap, mremap (moving,
 * shrinking or growing it), mmap(MAP_FIXED) over it and destructive
 * madvise on it all fail with EPERM, so a corrupted pointer handed to the
 * memory-management code cannot make sealed data writable, or replace it.
 * Here a sealed pool page is such a mapping, and the pool's bookkeeping is
 * sealed from the start.
 *
 * Invariant (as in mseal): the whole range is checked before anything
 * changes; a refused call has no effect but the refusal count. Only the
 * pool API (its write windows, a tracked free of a page's last word, and
 * ms_pool_destroy) ever undoes a seal.
 */
#include <errno.h>
#include <string.h>

#include "mem/pool/pool_priv.h"
#include "sched/sched.h"

struct mm_range {
	struct ms_pool *p;
	uint32_t first;		/* data slot */
	uint32_t n;		/* pages */
};

static int count_refusal(struct ms_pool *p)
{
	struct pool_win mw;
	struct ms_pool *w;
	int ret;

	ret = ms__pool_meta_open(p, POOL_NO_PAGE, &mw, &w);
	if (ret)
		return ret;
	w->c.mm_refusals++;
	ret = ms__pool_win_close(p, &mw);
	return ret ? ret : -EPERM;
}

/*
 * Resolve [addr, addr + len) to held data pages of one pool: -EINVAL for a
 * bad argument, -ENOMEM if any page of it is not pool memory or holds
 * nothing, then -EPERM (counted) if any of it is sealed.
 */
static int mm_check(struct ms_sim *sim, void *addr, size_t len,
		    struct mm_range *r)
{
	size_t page = ms__os_page_size();
	uintptr_t a = (uintptr_t)addr, base;
	struct ms_pool *p;
	bool sealed = false;

	if (!addr || !len || a % page || len > SIZE_MAX - page)
		return -EINVAL;
	len = ms__os_page_round(len);
	p = ms__pool_find(sim, a);
	if (!p)
		return -ENOMEM;
	base = (uintptr_t)p->view;
	if (a - base + len > p->total_len)
		return -ENOMEM;
	if (a - base < p->meta_len) {
		sealed = true; /* the bookkeeping is always sealed */
	} else {
		r->first = pool_slot_of(p, a);
		r->n = (uint32_t)(len / page);
		for (uint32_t i = r->first; i < r->first + r->n; i++) {
			uint8_t st = pool_entry(p, i)->state;

			if (st == MS_POOL_PAGE_NONE)
				return -ENOMEM;
			sealed |= st == MS_POOL_PAGE_SEALED;
		}
	}
	if (sealed)
		return count_refusal(p);
	r->p = p;
	return 0;
}

static int mm_protect(struct ms_sim *sim, void *addr, size_t len,
		      unsigned prot)
{
	struct mm_range r;
	struct pool_win mw;
	struct ms_pool *w;
	int ret, ret2;

	if (prot & ~(unsigned)MS_POOL_PROT_RW)
		return -EINVAL;
	/* As on x86: there is no write-only page. */
	if (prot & MS_POOL_PROT_WRITE)
		prot |= MS_POOL_PROT_READ;
	ret = mm_check(sim, addr, len, &r);
	if (ret)
		return ret;
	ret = ms__pool_meta_open(r.p, r.first + r.n - 1, &mw, &w);
	if (ret)
		return ret;
	/* enum ms_pool_prot and enum ms__prot agree bit for bit. */
	ret = ms__os_protect(ms__sim_os(sim), pool_slot(r.p, r.first),
			     (size_t)r.n * r.p->page, prot);
	if (!ret) {
		for (uint32_t i = r.first; i < r.first + r.n; i++)
			pool_wentry(w, i)->prot = (uint8_t)prot;
		ms__clock_advance(sim, (uint64_t)r.n * POOL_COST_PROTECT);
	}
	ret2 = ms__pool_win_close(r.p, &mw);
	return ret ? ret : ret2;
}

static int mm_unmap(struct ms_sim *sim, void *addr, size_t len)
{
	struct mm_range r;
	struct pool_win mw;
	struct ms_pool *w;
	int ret, ret2;

	ret = mm_check(sim, addr, len, &r);
	if (ret)
		return ret;
	ret = ms__pool_meta_open(r.p, r.first + r.n - 1, &mw, &w);
	if (ret)
		return ret;
	for (uint32_t i = r.first; !ret && i < r.first + r.n; i++)
		ret = ms__pool_page_return(r.p, w, i);
	ret2 = ms__pool_win_close(r.p, &mw);
	return ret ? ret : ret2;
}

static int mm_discard(struct ms_sim *sim, void *addr, size_t len)
{
	struct mm_range r;
	int ret;

	ret = mm_check(sim, addr, len, &r);
	if (ret)
		return ret;
	ms__clock_advance(sim, (uint64_t)r.n * POOL_COST_PROTECT);
	return ms__os_fd_punch(ms__sim_os(sim), r.p->fd,
			       pool_slot_off(r.p, r.first),
			       (size_t)r.n * r.p->page);
}

/* The lowest run of n free slots, or NO_PAGE. */
static uint32_t free_run(const struct ms_pool *p, uint32_t n)
{
	uint32_t run = 0;

	for (uint32_t i = 0; i < p->max_pages; i++) {
		run = pool_entry(p, i)->state == MS_POOL_PAGE_NONE ? run + 1 : 0;
		if (run == n)
			return i + 1 - n;
	}
	return POOL_NO_PAGE;
}

/* Copy slot from's contents and bookkeeping to the freshly taken slot to. */
static int move_page(struct ms_pool *p, struct ms_pool *w, uint32_t from,
		     uint32_t to)
{
	struct pool_win a, b;
	int ret, r;

	ret = ms__pool_win_open(p, w, pool_slot_off(p, from), p->page, &a);
	if (ret)
		return ret;
	ret = ms__pool_win_open(p, w, pool_slot_off(p, to), p->page, &b);
	if (!ret) {
		memcpy(b.p, a.p, p->page);
		ret = ms__pool_win_close(p, &b);
	}
	r = ms__pool_win_close(p, &a);
	if (ret || r)
		return ret ? ret : r;
	memcpy(pool_wentry(w, to), pool_entry(p, from), p->entry_size);
	return 0;
}

static int mm_remap(struct ms_sim *sim, void *addr, size_t old_len,
		    size_t new_len, void **new_addr)
{
	struct mm_range r;
	struct pool_win mw;
	struct ms_pool *w;
	uint32_t to, open;
	int ret, ret2;

	if (!new_addr || !new_len ||
	    ms__os_page_round(new_len) != ms__os_page_round(old_len))
		return -EINVAL;
	ret = mm_check(sim, addr, old_len, &r);
	if (ret)
		return ret;
	to = free_run(r.p, r.n);
	if (to == POOL_NO_PAGE)
		return -ENOMEM;
	ret = ms__pool_meta_open(r.p, (to > r.first ? to : r.first) + r.n - 1,
				 &mw, &w);
	if (ret)
		return ret;
	open = r.p->open_page;
	for (uint32_t k = 0; !ret && k < r.n; k++) {
		uint32_t from = r.first + k;

		ret = ms__pool_page_take(r.p, w, to + k,
					 pool_entry(r.p, from)->prot);
		if (!ret)
			ret = move_page(r.p, w, from, to + k);
		if (!ret)
			ret = ms__pool_page_return(r.p, w, from);
		if (!ret && open == from)
			w->open_page = to + k;
	}
	ret2 = ms__pool_win_close(r.p, &mw);
	if (!ret)
		*new_addr = pool_slot(r.p, to);
	return ret ? ret : ret2;
}

/* ---- the public calls: each a kernel operation ----------------------------- */

int ms_pool_protect(struct ms_sim *sim, void *addr, size_t len, unsigned prot)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = mm_protect(sim, addr, len, prot);
	ms__kernel_exit(sim);
	return ret;
}

int ms_pool_unmap(struct ms_sim *sim, void *addr, size_t len)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = mm_unmap(sim, addr, len);
	ms__kernel_exit(sim);
	return ret;
}

int ms_pool_remap(struct ms_sim *sim, void *addr, size_t old_len,
		  size_t new_len, void **new_addr)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = mm_remap(sim, addr, old_len, new_len, new_addr);
	ms__kernel_exit(sim);
	return ret;
}

int ms_pool_discard(struct ms_sim *sim, void *addr, size_t len)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = mm_discard(sim, addr, len);
	ms__kernel_exit(sim);
	return ret;
}
