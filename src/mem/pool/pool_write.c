/* SPDX-License-Identifier: MIT */
/*
 * Writing sealed memory: the write windows of the rare-write alias, the
 * deliberate rare write, and the plain write a simulated thread makes.
 *
 * What it models: a kernel's "write rarely" facility. Sealed data is never
 * unsealed for everyone; the one path allowed to change it writes through a
 * second, writable mapping of the same memfd pages, and only for the pages
 * of the call (a window). How long that alias is writable is the pool's
 * rare mode: MAP maps the pages per call and unmaps them after, GATE keeps
 * a per-pool alias PROT_NONE outside windows, OPEN keeps it writable for
 * the pool's lifetime (no window at all). The pool's own bookkeeping is
 * written the same way (the meta window).
 *
 * Invariant: outside a pool call no window is open (MAP, GATE): the alias
 * does not exist or is inaccessible, so the only writable mapping of a
 * sealed page is none at all. Windows are opened and closed inside one
 * kernel section, which no simulated thread can interrupt.
 */
#include <errno.h>
#include <string.h>

#include "mem/pool/pool_priv.h"
#include "sched/sched.h"

static struct ms__os *OS(const struct ms_pool *p)
{
	return ms__sim_os(p->sim);
}

int ms__pool_win_open(struct ms_pool *p, struct ms_pool *w, size_t off,
		      size_t len, struct pool_win *win)
{
	void *m;
	int ret;

	win->off = off;
	win->len = len;
	switch (p->mode) {
	case MS_POOL_RARE_MAP:
		ret = ms__os_map_fd(OS(p), p->fd, off, len, MS__PROT_RW, &m);
		if (ret)
			return ret;
		win->p = m;
		break;
	case MS_POOL_RARE_GATE:
		ret = ms__os_protect(OS(p), p->alias + off, len, MS__PROT_RW);
		if (ret)
			return ret;
		win->p = p->alias + off;
		break;
	default:
		win->p = p->alias + off;
		return 0;
	}
	if (!w)
		w = (struct ms_pool *)win->p; /* the meta window counts itself */
	w->c.alias_opens++;
	w->c.alias_bytes_opened += len;
	return 0;
}

int ms__pool_win_close(struct ms_pool *p, struct pool_win *win)
{
	int ret = 0;

	/* A close that fails leaves the alias writable (GATE) or mapped
	 * (MAP): try once more before giving the error to the caller. */
	for (int tries = 0; tries < 2; tries++) {
		switch (p->mode) {
		case MS_POOL_RARE_MAP:
			ret = ms__os_unmap(OS(p), win->p, win->len);
			break;
		case MS_POOL_RARE_GATE:
			ret = ms__os_protect(OS(p), p->alias + win->off,
					     win->len, MS__PROT_NONE);
			break;
		default:
			ret = 0;
			break;
		}
		if (!ret)
			break;
	}
	if (ret)
		ms__log_warn("pool %s: could not close a write window (%d)",
			     p->name, ret);
	win->p = NULL;
	return ret;
}

int ms__pool_meta_open(struct ms_pool *p, uint32_t upto,
		       struct pool_win *win, struct ms_pool **w)
{
	size_t len = p->page;
	int ret;

	if (upto != POOL_NO_PAGE)
		len = ms__os_page_round(p->entries_off +
					((size_t)upto + 1) * p->entry_size);
	if (len > p->meta_len)
		len = p->meta_len;
	ret = ms__pool_win_open(p, NULL, 0, len, win);

	if (ret)
		return ret;
	*w = (struct ms_pool *)win->p;
	(*w)->c.meta_writes++;
	return 0;
}

/* ---- the rare write -------------------------------------------------- */

static int rare_write(struct ms_sim *sim, struct ms_pool *p, uint8_t *dst,
		      const void *src, size_t len)
{
	struct pool_win mw, dw;
	struct ms_pool *w;
	const struct pool_page *e;
	uint32_t i;
	size_t off;
	int ret, ret2;

	if (!ms__pool_valid(sim, p))
		return -EBADF;
	if (!dst || !src || !len || len > p->page)
		return -EINVAL;
	i = pool_slot_of(p, (uintptr_t)dst);
	if (i == POOL_NO_PAGE)
		return -EINVAL;
	e = pool_entry(p, i);
	off = (size_t)(dst - pool_slot(p, i));
	if (e->state == MS_POOL_PAGE_NONE || off + len > e->used)
		return -EINVAL;

	ret = ms__pool_meta_open(p, POOL_NO_PAGE, &mw, &w);
	if (ret)
		return ret;
	ret = ms__pool_win_open(p, w, pool_slot_off(p, i), p->page, &dw);
	if (ret)
		goto out;
	memcpy(dw.p + off, src, len);
	ret = ms__pool_win_close(p, &dw);
	w->c.rare_writes++;
	w->c.rare_write_bytes += len;
	ms__pools_state(sim)->totals.rare_writes++;
	ms__pools_state(sim)->totals.rare_write_bytes += len;
	ms__event(sim, MS_EV_POOL_RARE_WRITE, ms__pool_tid(sim), p->id, len);
	ms__clock_advance(sim, POOL_COST_WINDOW + POOL_COST_COPY(len));
out:
	ret2 = ms__pool_win_close(p, &mw);
	return ret ? ret : ret2;
}

int ms_pool_rare_write(struct ms_sim *sim, struct ms_pool *pool, void *dst,
		       const void *src, size_t len)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = rare_write(sim, pool, dst, src, len);
	ms__kernel_exit(sim);
	return ret;
}

/* ---- a plain write by the calling thread ------------------------------- */

/*
 * Byte stores the compiler may not merge or elide: a store to a sealed
 * page must fault at the first sealed byte, so that the fault names the
 * exact offset.
 */
static __attribute__((noinline)) void pool_store(volatile uint8_t *dst,
						 const uint8_t *src, size_t len)
{
	for (size_t k = 0; k < len; k++)
		dst[k] = src[k];
}

int ms_pool_write(struct ms_sim *sim, struct ms_pool *pool, void *dst,
		  const void *src, size_t len)
{
	const struct pool_page *e;
	uint32_t i;

	if (!sim || !ms__pool_valid(sim, pool))
		return -EBADF;
	if (!dst || !src || !len)
		return -EINVAL;
	i = pool_slot_of(pool, (uintptr_t)dst);
	if (i == POOL_NO_PAGE ||
	    pool_slot_of(pool, (uintptr_t)dst + len - 1) != i)
		return -EINVAL;
	if (!ms__current(sim)) {
		/* The host cannot take a simulated fault: refuse instead. */
		e = pool_entry(pool, i);
		if (e->state != MS_POOL_PAGE_OPEN ||
		    !(e->prot & MS__PROT_WRITE))
			return -EFAULT;
	}
	pool_store(dst, src, len);
	return 0;
}
