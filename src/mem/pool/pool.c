/* SPDX-License-Identifier: MIT */
/*
 * Sealed pools: creation and destruction, linear allocation, seals, free
 * tracking, statistics, and the subsystem's slot on the sim.
 *
 * What it models: per-module memory that becomes read-only once its module
 * is initialised (the "post-init read-only" pools proposed for Linux as
 * pmalloc/prmem, and hardened_malloc's sealed metadata). Pages come on
 * demand from the pool's memfd and are handed out linearly; a page is
 * sealed when an allocation no longer fits in it or when the module seals
 * the pool; a module unload destroys the pool and every page goes back.
 *
 * Invariants:
 *  - the pool header and page table are sealed in the view for the pool's
 *    whole life; every change to them goes through a meta window
 *    (pool_write.c), opened and closed within one call;
 *  - for every held page: used == live + align + gap <= page size; a
 *    sealed page's tail (page - used) is waste at its end;
 *  - pages == number of slots not NONE; sealed_pages == number SEALED;
 *    pages_taken - pages_returned == pages;
 *  - at most one page is open, and it is open_page: a page is taken only
 *    to become the page being filled, which is sealed before another is
 *    taken (a move carries open_page along);
 *  - with free tracking, live_words is the number of bits set in the live
 *    bitmap, and a page whose live_words drops to 0 is returned at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/subsys.h"
#include "fault/fault.h"
#include "mem/pool/pool_priv.h"
#include "sched/sched.h"

static struct ms__os *OS(const struct ms_pool *p)
{
	return ms__sim_os(p->sim);
}

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static bool is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

bool ms__pool_valid(const struct ms_sim *sim, const struct ms_pool *p)
{
	struct ms__pools *ps = ms__pools_state(sim);

	return p && ps && g_hash_table_contains(ps->live, p);
}

ms_tid ms__pool_tid(struct ms_sim *sim)
{
	struct ms_thread *t = ms__current(sim);

	return t ? ms__thread_tid(t) : MS_TID_NONE;
}

struct ms_pool *ms__pool_find(const struct ms_sim *sim, uintptr_t addr)
{
	struct ms__pools *ps = ms__pools_state(sim);

	for (guint k = 0; k < ps->order->len; k++) {
		struct ms_pool *p = g_ptr_array_index(ps->order, k);

		if (addr >= (uintptr_t)p->view &&
		    addr - (uintptr_t)p->view < p->total_len)
			return p;
	}
	return NULL;
}

void ms_pool_attr_init(struct ms_pool_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->rare_mode = MS_POOL_RARE_MAP;
	attr->max_pages = MS_POOL_MAX_PAGES_DEFAULT;
	attr->align = sizeof(void *);
}

/* ---- pages ------------------------------------------------------------- */

int ms__pool_page_take(struct ms_pool *p, struct ms_pool *w, uint32_t i,
		       unsigned prot)
{
	struct pool_page *e = pool_wentry(w, i);
	int ret;

	ret = ms__os_protect(OS(p), pool_slot(p, i), p->page, prot);
	if (ret)
		return ret;
	/* A returned slot's entry was cleared; a new page starts empty. */
	e->state = MS_POOL_PAGE_OPEN;
	e->prot = (uint8_t)prot;
	w->pages++;
	w->c.pages_taken++;
	if (w->free_hint == i)
		w->free_hint = i + 1;
	ms__pools_state(p->sim)->totals.pages_taken++;
	ms__pools_state(p->sim)->totals.pages++;
	ms__event(p->sim, MS_EV_POOL_PAGE, ms__pool_tid(p->sim), p->id, i);
	ms__clock_advance(p->sim, POOL_COST_PAGE);
	return 0;
}

int ms__pool_page_return(struct ms_pool *p, struct ms_pool *w, uint32_t i)
{
	struct pool_page *e = pool_wentry(w, i);
	int ret;

	ret = ms__os_protect(OS(p), pool_slot(p, i), p->page, MS__PROT_NONE);
	if (ret)
		return ret;
	/* The view no longer reaches the page; now free the memory itself.
	 * If that fails the host gets it back when the pool goes. */
	ret = ms__os_fd_punch(OS(p), p->fd, pool_slot_off(p, i), p->page);
	if (ret)
		ms__log_warn("pool %s: page %u kept by the host (%d)", p->name,
			     i, ret);
	if (e->state == MS_POOL_PAGE_SEALED)
		w->sealed_pages--;
	memset(e, 0, p->entry_size);
	w->pages--;
	w->c.pages_returned++;
	if (w->open_page == i)
		w->open_page = POOL_NO_PAGE;
	if (i < w->free_hint)
		w->free_hint = i;
	ms__pools_state(p->sim)->totals.pages_returned++;
	ms__pools_state(p->sim)->totals.pages--;
	ms__event(p->sim, MS_EV_POOL_FREE_PAGE, ms__pool_tid(p->sim), p->id, i);
	ms__clock_advance(p->sim, POOL_COST_PAGE);
	return 0;
}

static uint32_t free_slot(const struct ms_pool *p)
{
	for (uint32_t i = p->free_hint; i < p->max_pages; i++)
		if (pool_entry(p, i)->state == MS_POOL_PAGE_NONE)
			return i;
	return POOL_NO_PAGE;
}

/* Seal open slot i: read-only in the view, for everyone. */
static int seal_page(struct ms_pool *p, struct ms_pool *w, uint32_t i)
{
	struct pool_page *e = pool_wentry(w, i);
	int ret;

	ret = ms__os_protect(OS(p), pool_slot(p, i), p->page, MS__PROT_READ);
	if (ret)
		return ret;
	e->state = MS_POOL_PAGE_SEALED;
	e->prot = MS__PROT_READ;
	w->sealed_pages++;
	w->c.seals++;
	if (w->open_page == i)
		w->open_page = POOL_NO_PAGE;
	ms__event(p->sim, MS_EV_POOL_SEAL, ms__pool_tid(p->sim), p->id, i);
	ms__clock_advance(p->sim, POOL_COST_PROTECT);
	return 0;
}

/* ---- create and destroy ------------------------------------------------ */

static int check_attr(const struct ms_pool_attr *a, size_t page)
{
	if (a->flags & ~(unsigned)MS_POOL_TRACK_FREES)
		return -EINVAL;
	if ((unsigned)a->rare_mode > MS_POOL_RARE_OPEN)
		return -EINVAL;
	if (a->max_pages > MS_POOL_MAX_PAGES_LIMIT)
		return -EINVAL;
	if (a->align && (!is_pow2(a->align) || a->align > page))
		return -EINVAL;
	return 0;
}

static void retry_unmap(struct ms__os *os, void *addr, size_t len)
{
	if (addr && ms__os_unmap(os, addr, len) && ms__os_unmap(os, addr, len))
		ms__log_warn("pool: a mapping could not be returned");
}

static int pool_create(struct ms_sim *sim, const char *name,
		       const struct ms_pool_attr *attr, struct ms_pool **out)
{
	struct ms__pools *ps = ms__pools_state(sim);
	struct ms__os *os = ms__sim_os(sim);
	struct ms_pool_attr def;
	struct ms_pool tmpl, *w;
	struct pool_win mw;
	size_t page = ms__os_page_size();
	size_t nlen = name ? strlen(name) : 0;
	void *view = NULL, *alias = NULL;
	int fd = -1, ret;

	if (!attr) {
		ms_pool_attr_init(&def);
		attr = &def;
	}
	if (!nlen || nlen >= MS_POOL_NAME_MAX)
		return -EINVAL;
	ret = check_attr(attr, page);
	if (ret)
		return ret;
	if (g_hash_table_contains(ps->by_name, name))
		return -EEXIST;

	/* Lay the pool out in a template, then write it through the meta
	 * window once: the header is sealed before anyone can see it. */
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.magic = POOL_MAGIC;
	tmpl.id = ps->next_id;
	tmpl.sim = sim;
	memcpy(tmpl.name, name, nlen + 1);
	tmpl.flags = attr->flags;
	tmpl.mode = attr->rare_mode;
	tmpl.max_pages = attr->max_pages ? attr->max_pages :
					   MS_POOL_MAX_PAGES_DEFAULT;
	tmpl.page = page;
	tmpl.align = attr->align ? attr->align : sizeof(void *);
	tmpl.bitmap_words = (tmpl.flags & MS_POOL_TRACK_FREES) ?
				    (page / POOL_WORD + 63) / 64 : 0;
	tmpl.entry_size = round_up(sizeof(struct pool_page), 8) +
			  2 * tmpl.bitmap_words * sizeof(uint64_t);
	tmpl.entries_off = round_up(sizeof(struct ms_pool), 64);
	tmpl.meta_len = ms__os_page_round(tmpl.entries_off +
					  (size_t)tmpl.max_pages *
						  tmpl.entry_size);
	tmpl.meta_pages = (uint32_t)(tmpl.meta_len / page);
	tmpl.total_len = tmpl.meta_len + (size_t)tmpl.max_pages * page;
	tmpl.open_page = POOL_NO_PAGE;
	tmpl.c.id = tmpl.id;
	tmpl.c.max_pages = tmpl.max_pages;
	tmpl.c.meta_pages = tmpl.meta_pages;

	ret = ms__os_memfd(os, "memsim-pool", tmpl.total_len, &fd);
	if (ret)
		return ret;
	tmpl.fd = fd;
	/* The whole reservation, inaccessible until pages are taken. */
	ret = ms__os_map_fd(os, fd, 0, tmpl.total_len, MS__PROT_NONE, &view);
	if (ret)
		goto fail;
	tmpl.view = view;
	if (tmpl.mode != MS_POOL_RARE_MAP) {
		ret = ms__os_map_fd(os, fd, 0, tmpl.total_len,
				    tmpl.mode == MS_POOL_RARE_OPEN ?
					    MS__PROT_RW : MS__PROT_NONE,
				    &alias);
		if (ret)
			goto fail;
		tmpl.alias = alias;
	}
	ret = ms__os_protect(os, view, tmpl.meta_len, MS__PROT_READ);
	if (ret)
		goto fail;
	/* The view now reads the (still zero) header: the template is enough
	 * for the window code, which reads only mode, fd, alias, sim. */
	ret = ms__pool_win_open(&tmpl, NULL, 0, tmpl.meta_len, &mw);
	if (ret)
		goto fail;
	w = (struct ms_pool *)mw.p;
	tmpl.c.alias_opens = w->c.alias_opens;
	tmpl.c.alias_bytes_opened = w->c.alias_bytes_opened;
	tmpl.c.meta_writes = 1;
	memcpy(w, &tmpl, sizeof(tmpl));
	ret = ms__pool_fault_regions_add((struct ms_pool *)view, w);
	if (ms__pool_win_close(&tmpl, &mw) && !ret)
		ret = -EIO;
	if (ret) {
		ms__pool_fault_regions_remove(sim, ((struct ms_pool *)view)->region,
					      ((struct ms_pool *)view)->alias_region);
		goto fail;
	}

	ps->next_id++;
	g_hash_table_add(ps->live, view);
	g_hash_table_insert(ps->by_name, ((struct ms_pool *)view)->name, view);
	g_ptr_array_add(ps->order, view);
	ps->totals.pools++;
	ps->totals.pools_created++;
	*out = view;
	return 0;
fail:
	retry_unmap(os, alias, tmpl.total_len);
	retry_unmap(os, view, tmpl.total_len);
	ms__os_close(fd);
	return ret;
}

int ms_pool_create(struct ms_sim *sim, const char *name,
		   const struct ms_pool_attr *attr, struct ms_pool **out)
{
	int ret;

	if (!sim || !out)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = pool_create(sim, name, attr, out);
	ms__kernel_exit(sim);
	return ret;
}

static void stats_fill(const struct ms_pool *p, struct ms_pool_stats *out)
{
	*out = p->c;
	out->pages = p->pages;
	out->sealed_pages = p->sealed_pages;
	out->bytes_used = 0;
	out->bytes_wasted_end = 0;
	out->bytes_wasted_gap = 0;
	out->bytes_wasted_align = 0;
	for (uint32_t i = 0; i < p->max_pages; i++) {
		const struct pool_page *e = pool_entry(p, i);

		if (e->state == MS_POOL_PAGE_NONE)
			continue;
		out->bytes_used += e->live;
		out->bytes_wasted_gap += e->gap;
		out->bytes_wasted_align += e->align;
		if (e->state == MS_POOL_PAGE_SEALED)
			out->bytes_wasted_end += p->page - e->used;
	}
}

/*
 * Tear a pool down. quiet: at sim teardown, record no event and charge no
 * time (observers may already be gone).
 */
static int pool_destroy(struct ms_sim *sim, struct ms_pool *p,
			struct ms_pool_stats *final, bool quiet)
{
	struct ms__pools *ps = ms__pools_state(sim);
	struct ms__os *os = ms__sim_os(sim);
	struct ms_pool_stats st;
	void *view = p->view, *alias = p->alias;
	size_t total = p->total_len;
	unsigned region = p->region, alias_region = p->alias_region;
	uint32_t pages = p->pages;
	int fd = p->fd, ret = 0;

	stats_fill(p, &st);
	for (uint32_t i = 0; !quiet && i < p->max_pages; i++)
		if (pool_entry(p, i)->state != MS_POOL_PAGE_NONE)
			ms__event(sim, MS_EV_POOL_FREE_PAGE, ms__pool_tid(sim),
				  p->id, i);
	st.pages_returned += pages;
	st.pages = 0;
	st.sealed_pages = 0;
	st.bytes_used = 0;
	st.bytes_wasted_end = 0;
	st.bytes_wasted_gap = 0;
	st.bytes_wasted_align = 0;

	g_hash_table_remove(ps->by_name, p->name);
	g_hash_table_remove(ps->live, p);
	g_ptr_array_remove(ps->order, p);
	ms__pool_fault_regions_remove(sim, region, alias_region);
	/* The header is gone with the view: nothing of p is read below. */
	if (alias && ms__os_unmap(os, alias, total) &&
	    (ret = ms__os_unmap(os, alias, total)))
		ms__log_warn("pool: alias not returned (%d)", ret);
	if (ms__os_unmap(os, view, total)) {
		int r = ms__os_unmap(os, view, total);

		if (r) {
			ms__log_warn("pool: view not returned (%d)", r);
			ret = ret ? ret : r;
		}
	}
	ms__os_close(fd);
	ps->totals.pools--;
	ps->totals.pools_destroyed++;
	ps->totals.pages -= pages;
	ps->totals.pages_returned += pages;
	if (!quiet)
		ms__clock_advance(sim, (uint64_t)pages * POOL_COST_PAGE);
	if (final)
		*final = st;
	return ret;
}

int ms_pool_destroy(struct ms_sim *sim, struct ms_pool *pool,
		    struct ms_pool_stats *final)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	if (ms__pool_valid(sim, pool))
		ret = pool_destroy(sim, pool, final, false);
	else
		ret = -EBADF;
	ms__kernel_exit(sim);
	return ret;
}

/* ---- allocation ---------------------------------------------------------- */

static void bits_set(uint64_t *map, size_t from, size_t n)
{
	for (size_t k = from; k < from + n; k++)
		map[k / 64] |= 1ull << (k % 64);
}

static void bits_clear(uint64_t *map, size_t from, size_t n)
{
	for (size_t k = from; k < from + n; k++)
		map[k / 64] &= ~(1ull << (k % 64));
}

static bool bit(const uint64_t *map, size_t k)
{
	return map[k / 64] >> (k % 64) & 1;
}

static int pool_alloc(struct ms_sim *sim, struct ms_pool *p, size_t size,
		      size_t align, void **out)
{
	struct pool_win mw;
	struct ms_pool *w;
	struct pool_page *e;
	size_t need, off = 0;
	uint32_t i = POOL_NO_PAGE, fresh = POOL_NO_PAGE, upto;
	int ret, r;

	if (!ms__pool_valid(sim, p))
		return -EBADF;
	if (!align)
		align = p->align;
	if (!size || size > p->page || !is_pow2(align) || align > p->page ||
	    !out)
		return -EINVAL;
	need = size;
	if (pool_tracks(p)) {
		/* Bitmaps count whole words: no two allocations share one. */
		if (align < POOL_WORD)
			align = POOL_WORD;
		need = round_up(size, POOL_WORD);
	}
	if (p->open_page != POOL_NO_PAGE) {
		e = pool_entry(p, p->open_page);
		off = round_up(e->used, align);
		if (off + need <= p->page)
			i = p->open_page;
	}
	if (i == POOL_NO_PAGE) {
		/* Check before sealing anything: a full pool changes nothing. */
		fresh = free_slot(p);
		if (fresh == POOL_NO_PAGE) {
			ret = ms__pool_meta_open(p, POOL_NO_PAGE, &mw, &w);
			if (ret)
				return ret;
			w->c.allocs_failed++;
			ret = ms__pool_win_close(p, &mw);
			return ret ? ret : -ENOMEM;
		}
	}

	/* The entries this may change: the page being filled, a fresh one. */
	upto = p->open_page;
	if (fresh != POOL_NO_PAGE && (upto == POOL_NO_PAGE || fresh > upto))
		upto = fresh;
	ret = ms__pool_meta_open(p, upto, &mw, &w);
	if (ret)
		return ret;
	if (i == POOL_NO_PAGE) {
		/* The page being filled cannot take this: it is full. */
		if (p->open_page != POOL_NO_PAGE) {
			ret = seal_page(p, w, p->open_page);
			if (ret)
				goto out;
		}
		ret = ms__pool_page_take(p, w, fresh, MS__PROT_RW);
		if (ret)
			goto out;
		w->open_page = fresh;
		i = fresh;
		off = 0;
	}
	e = pool_wentry(w, i);
	e->align += (uint32_t)(off - e->used + (need - size));
	e->used = (uint32_t)(off + need);
	e->live += (uint32_t)size;
	if (pool_tracks(p)) {
		bits_set(pool_live_map(e), off / POOL_WORD, need / POOL_WORD);
		bits_set(pool_start_map(p, e), off / POOL_WORD, 1);
		e->live_words += (uint32_t)(need / POOL_WORD);
	}
	w->c.allocs++;
	*out = pool_slot(p, i) + off;
	ms__clock_advance(sim, POOL_COST_ALLOC);
out:
	r = ms__pool_win_close(p, &mw);
	return ret ? ret : r;
}

int ms_pool_alloc(struct ms_sim *sim, struct ms_pool *pool, size_t size,
		  size_t align, void **out)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = pool_alloc(sim, pool, size, align, out);
	ms__kernel_exit(sim);
	return ret;
}

/* Is [w0, w0 + n) exactly one live allocation in e? */
static bool tracked_extent_ok(const struct ms_pool *p, struct pool_page *e,
			      size_t w0, size_t n)
{
	uint64_t *live = pool_live_map(e), *start = pool_start_map(p, e);
	size_t words = p->page / POOL_WORD;

	if (!bit(start, w0))
		return false;
	for (size_t k = w0; k < w0 + n; k++)
		if (!bit(live, k) || (k > w0 && bit(start, k)))
			return false;
	/* The allocation must end here, not run on. */
	return w0 + n == words || !bit(live, w0 + n) || bit(start, w0 + n);
}

static int pool_free(struct ms_sim *sim, struct ms_pool *p, void *ptr,
		     size_t size)
{
	struct pool_win mw;
	struct ms_pool *w;
	struct pool_page *e;
	size_t off, n = 0;
	uint32_t i;
	int ret, r;

	if (!ms__pool_valid(sim, p))
		return -EBADF;
	i = pool_slot_of(p, (uintptr_t)ptr);
	if (!size || i == POOL_NO_PAGE)
		return -EINVAL;
	e = pool_entry(p, i);
	off = (size_t)((uint8_t *)ptr - pool_slot(p, i));
	if (e->state == MS_POOL_PAGE_NONE || off + size > e->used)
		return -EINVAL;
	if (pool_tracks(p)) {
		n = round_up(size, POOL_WORD) / POOL_WORD;
		if (off % POOL_WORD ||
		    !tracked_extent_ok(p, e, off / POOL_WORD, n))
			return -EINVAL;
	}

	ret = ms__pool_meta_open(p, i, &mw, &w);
	if (ret)
		return ret;
	e = pool_wentry(w, i);
	if (pool_tracks(p)) {
		bits_clear(pool_live_map(e), off / POOL_WORD, n);
		bits_clear(pool_start_map(p, e), off / POOL_WORD, 1);
		e->live_words -= (uint32_t)n;
		e->live -= (uint32_t)size;
		e->gap += (uint32_t)size;
	} else {
		/* Nothing says what was really handed out here: the bytes
		 * become a gap, without driving the live count below 0. */
		uint32_t d = e->live < size ? e->live : (uint32_t)size;

		e->live -= d;
		e->gap += d;
	}
	w->c.frees++;
	ms__clock_advance(sim, POOL_COST_ALLOC);
	if (pool_tracks(p) && !e->live_words)
		ret = ms__pool_page_return(p, w, i);
	r = ms__pool_win_close(p, &mw);
	return ret ? ret : r;
}

int ms_pool_free(struct ms_sim *sim, struct ms_pool *pool, void *ptr,
		 size_t size)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = pool_free(sim, pool, ptr, size);
	ms__kernel_exit(sim);
	return ret;
}

static int pool_seal(struct ms_sim *sim, struct ms_pool *p)
{
	struct pool_win mw;
	struct ms_pool *w;
	int ret, r;

	if (!ms__pool_valid(sim, p))
		return -EBADF;
	/* Only the page being filled can be open (see the invariants). */
	if (p->open_page == POOL_NO_PAGE)
		return 0;
	ret = ms__pool_meta_open(p, p->open_page, &mw, &w);
	if (ret)
		return ret;
	ret = seal_page(p, w, p->open_page);
	r = ms__pool_win_close(p, &mw);
	return ret ? ret : r;
}

int ms_pool_seal(struct ms_sim *sim, struct ms_pool *pool)
{
	int ret;

	if (!sim)
		return -EINVAL;
	ret = ms__pool_enter(sim);
	if (ret)
		return ret;
	ret = pool_seal(sim, pool);
	ms__kernel_exit(sim);
	return ret;
}

/* ---- inspection ------------------------------------------------------------ */

int ms_pool_stats_get(struct ms_sim *sim, const struct ms_pool *pool,
		      struct ms_pool_stats *out)
{
	if (!sim || !ms__pool_valid(sim, pool))
		return -EBADF;
	stats_fill(pool, out);
	return 0;
}

void ms_pool_totals_get(struct ms_sim *sim, struct ms_pool_totals *out)
{
	if (sim)
		*out = ms__pools_state(sim)->totals;
	else
		memset(out, 0, sizeof(*out));
}

int ms_pool_lookup(struct ms_sim *sim, const char *name, struct ms_pool **out)
{
	struct ms_pool *p;

	if (!sim || !name || !out)
		return -EINVAL;
	p = g_hash_table_lookup(ms__pools_state(sim)->by_name, name);
	if (!p)
		return -ENOENT;
	*out = p;
	return 0;
}

uint32_t ms_pool_id(struct ms_sim *sim, const struct ms_pool *pool)
{
	return sim && ms__pool_valid(sim, pool) ? pool->id : 0;
}

const char *ms_pool_name(struct ms_sim *sim, const struct ms_pool *pool)
{
	return sim && ms__pool_valid(sim, pool) ? pool->name : NULL;
}

int ms_pool_locate(struct ms_sim *sim, const struct ms_pool *pool,
		   const void *ptr, uint32_t *page, size_t *offset,
		   enum ms_pool_page_state *state)
{
	uint32_t i;

	if (!sim || !ms__pool_valid(sim, pool))
		return -EBADF;
	i = pool_slot_of(pool, (uintptr_t)ptr);
	if (i == POOL_NO_PAGE)
		return -EINVAL;
	if (page)
		*page = i;
	if (offset)
		*offset = (size_t)((const uint8_t *)ptr - pool_slot(pool, i));
	if (state)
		*state = pool_entry(pool, i)->state;
	return 0;
}

void *ms__pool_alias(const struct ms_pool *p)
{
	return p->alias;
}

void ms__pool_meta_range(const struct ms_pool *p, void **base, size_t *len)
{
	*base = p->view;
	*len = p->meta_len;
}

/* ---- the subsystem --------------------------------------------------------- */

static int pools_init(struct ms_sim *sim)
{
	struct ms__pools *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return -ENOMEM;
	ps->sim = sim;
	ps->live = g_hash_table_new(NULL, NULL);
	ps->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	ps->order = g_ptr_array_new();
	ps->next_id = 1;
	ms__sim_sub_set(sim, MS__SUB_POOL, ps);
	return 0;
}

static void pools_fini(struct ms_sim *sim)
{
	struct ms__pools *ps = ms__pools_state(sim);

	if (!ps)
		return;
	/* Newest first: like modules unloading in reverse load order. */
	while (ps->order->len)
		pool_destroy(sim, g_ptr_array_index(ps->order,
						    ps->order->len - 1),
			     NULL, true);
	g_ptr_array_free(ps->order, TRUE);
	g_hash_table_destroy(ps->by_name);
	g_hash_table_destroy(ps->live);
	free(ps);
	ms__sim_sub_set(sim, MS__SUB_POOL, NULL);
}

const struct ms__subsys ms__pool_subsys = {
	.name = "pool",
	.init = pools_init,
	.fini = pools_fini,
};
