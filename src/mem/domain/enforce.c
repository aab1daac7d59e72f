/* SPDX-License-Identifier: MIT */
/*
 * Enforcement: the arena's user mapping is protected so that whatever runs
 * can reach exactly what its view allows, on the host, for real.
 *
 * Views: the host context and supervisor threads may reach all of the
 * arena; a user thread may reach its domain's partitions with their user
 * rights. For a page p and a domain, full(p) is the rights the domain has
 * on every byte of p, any(p) those it has on some byte.
 *
 * Algorithm (see docs/memory-domains.md for its cost):
 *  - a switch to a user thread of domain D closes every open page whose
 *    protection exceeds full_D(p) (a close pass over the open list, runs of
 *    neighbouring pages in one mprotect); nothing else. It is skipped when
 *    D's view is already applied, or when every open page is known to be
 *    within D's view (coming back to D after supervisor code that opened
 *    nothing);
 *  - a fault the view allows opens its page (prot |= full(p)) under every
 *    policy; at the switch, the working-set policy (the default) also
 *    reopens the pages the incoming thread opened by faults before, the
 *    eager policy all of D's full pages, the lazy policy nothing;
 *  - a switch to a supervisor thread changes nothing: it opens what it
 *    touches, lazily; a switch to the host opens the whole arena, because
 *    host code outside a run has no fault handler to open pages for it;
 *  - a shared page (an access in any(p) but not in full(p): a partition
 *    smaller than a page, or neighbours with different rights) stays
 *    closed; the resolver checks the exact partition bounds of the faulting
 *    address, then lets that one instruction through with the trap flag set
 *    and closes the page after it (os_domain.c). A write that started in
 *    the partition and ran past its end is caught after the step by
 *    comparing the bytes outside the view with a snapshot: they are put
 *    back and the instruction is run again, from the saved registers, into
 *    the closed page, where it faults as a violation. Where the host cannot
 *    single-step (Valgrind, other CPUs) the page is opened until the next
 *    switch and the stats say the enforcement was not exact;
 *  - kernel code running for a user thread (ms__call_privileged) reaches
 *    everything, as supervisor code: pages outside the user's view are
 *    single-stepped for it, so the user never finds them open afterwards.
 *
 * Invariants: prot[p] is the host protection of page p except during a
 * step; open[0..nopen) holds exactly the pages with prot != NONE; no user
 * thread runs with a page open beyond full(p) of its domain, except for the
 * instruction being stepped (and, without stepping, shared pages it has
 * been let into since its switch).
 *
 * The host work here is uncounted by the sim's failure injection (os ==
 * NULL): a switch cannot report a host failure to anyone, and injection
 * aimed at another subsystem must not land on a context switch. Our own
 * stats count it instead.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault.h"
#include "mem/domain/domain_priv.h"
#include "sched/sched.h"

/* ---- host protection ------------------------------------------------------ */

static int protect(struct ms__domains *ds, uint32_t first, uint32_t n,
		   unsigned prot)
{
	uint8_t *a = ds->user + (size_t)first * ds->page;
	size_t len = (size_t)n * ds->page;
	int ret = ms__os_protect(NULL, a, len, prot);

	ds->stats.protect_calls++;
	if (!ret && !(prot & MS__PROT_READ))
		ms__os_vg_addressable(a, len);
	return ret;
}

static void open_list_add(struct ms__domains *ds, uint32_t p)
{
	ds->open[ds->nopen++] = p;
}

/* Last resort when the host refuses a protection change: close all of it
 * (one mprotect merges the mapping back into one piece, so it needs no new
 * mapping and does not fail for lack of them). */
static void close_everything(struct ms__domains *ds, int err)
{
	ms__log_warn("memory domains: mprotect failed (%d); closing the whole arena",
		     err);
	if (protect(ds, 0, ds->npages, MS__PROT_NONE)) {
		ms__log_warn("memory domains: cannot close the arena either");
		return;
	}
	memset(ds->prot, MS__PROT_NONE, ds->npages);
	ds->nopen = 0;
	ds->all_open = false;
	ds->clean_dom = NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Apply want[] to the pages in scratch[0..n), sorted, runs of neighbours
 * with the same target in one call. Keeps the open list right for pages
 * that were closed and are opened (the caller handles the other way). */
static int apply_runs(struct ms__domains *ds, uint32_t n)
{
	qsort(ds->scratch, n, sizeof(uint32_t), cmp_u32);
	for (uint32_t i = 0; i < n;) {
		uint32_t first = ds->scratch[i], j = i;
		unsigned w = ds->want[first];
		int ret;

		while (j + 1 < n && ds->scratch[j + 1] <= ds->scratch[j] + 1 &&
		       ds->want[ds->scratch[j + 1]] == w)
			j++;
		ret = protect(ds, first, ds->scratch[j] - first + 1, w);
		if (ret)
			return ret;
		for (uint32_t k = i; k <= j; k++) {
			uint32_t p = ds->scratch[k];

			if (k > i && p == ds->scratch[k - 1])
				continue;
			if (ds->prot[p] == MS__PROT_NONE && w != MS__PROT_NONE)
				open_list_add(ds, p);
			if (w == MS__PROT_NONE)
				ds->stats.pages_closed++;
			ds->prot[p] = (uint8_t)w;
		}
		i = j + 1;
	}
	return 0;
}

void ms__page_rights(const struct ms__domains *ds, const struct dom *d,
		     uint32_t p, unsigned *full, unsigned *any)
{
	uint64_t lo = (uint64_t)p * ds->page, hi = lo + ds->page;
	uint64_t cover[3] = { 0, 0, 0 };
	unsigned a = 0, f = 0;

	for (unsigned i = 0; i < ds->max_parts; i++) {
		const struct dom_part *q = &d->parts[i];
		uint64_t s, e;

		if (!q->size || !q->user)
			continue;
		s = q->start > lo ? q->start : lo;
		e = q->start + q->size < hi ? q->start + q->size : hi;
		if (s >= e)
			continue;
		a |= q->user;
		for (unsigned b = 0; b < 3; b++)
			if (q->user & (1u << b))
				cover[b] += e - s;
	}
	for (unsigned b = 0; b < 3; b++)
		if (cover[b] == ds->page)
			f |= 1u << b;
	*full = f;
	*any = a;
}

/* Close what d may not reach. */
static int close_pass(struct ms__domains *ds, const struct dom *d)
{
	uint32_t n = 0, keep = 0;

	for (uint32_t i = 0; i < ds->nopen; i++) {
		uint32_t p = ds->open[i];
		unsigned full, any, np;

		ms__page_rights(ds, d, p, &full, &any);
		np = ds->prot[p] & full;
		if (np != ds->prot[p]) {
			ds->scratch[n++] = p;
			ds->want[p] = (uint8_t)np;
		}
		if (np != MS__PROT_NONE)
			ds->open[keep++] = p;
	}
	ds->nopen = keep;
	return apply_runs(ds, n);
}

/* Eager policy: open every page d reaches in full. */
static int open_pass(struct ms__domains *ds, const struct dom *d)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < ds->max_parts; i++) {
		const struct dom_part *q = &d->parts[i];
		uint32_t first, last;

		if (!q->size || !q->user)
			continue;
		first = (uint32_t)(q->start / ds->page);
		last = (uint32_t)((q->start + q->size - 1) / ds->page);
		for (uint32_t p = first; p <= last; p++) {
			unsigned full, any;

			ms__page_rights(ds, d, p, &full, &any);
			if (!(full & ~ds->prot[p]))
				continue;
			ds->want[p] = ds->prot[p] | (uint8_t)full;
			ds->scratch[n++] = p;
		}
	}
	ds->stats.prefetch_opens += n;
	return apply_runs(ds, n);
}

static void apply_host(struct ms__domains *ds)
{
	if (!ds->all_open) {
		int ret = protect(ds, 0, ds->npages, MS__PROT_RW);

		if (ret) {
			ms__log_warn("memory domains: cannot open the arena for the host (%d)",
				     ret);
			return;
		}
		memset(ds->prot, MS__PROT_RW, ds->npages);
		for (uint32_t p = 0; p < ds->npages; p++)
			ds->open[p] = p;
		ds->nopen = ds->npages;
		ds->all_open = true;
		ds->stats.views_applied++;
	} else {
		ds->stats.views_skipped++;
	}
	ds->applied = VIEW_HOST;
	ds->applied_dom = NULL;
	ds->clean_dom = NULL;
}

/* Working-set policy: reopen what t opened by faults before, if d still
 * gives it in full (what it no longer gives leaves the set). */
static int open_working_set(struct ms__domains *ds, struct ms_thread *t,
			    const struct dom *d)
{
	struct dom_thread *dt = ms__thread_sub(t, MS__SUB_DOMAIN);
	uint32_t n = 0, keep = 0;

	if (!dt)
		return 0;
	for (uint32_t i = 0; i < dt->nws; i++) {
		uint32_t p = dt->ws[i];
		unsigned full, any;

		ms__page_rights(ds, d, p, &full, &any);
		if (!full)
			continue;
		dt->ws[keep++] = p;
		if (!(full & ~ds->prot[p]))
			continue;
		ds->want[p] = ds->prot[p] | (uint8_t)full;
		ds->scratch[n++] = p;
	}
	if (keep < dt->nws)	/* some left: the ring is a list again */
		dt->ws_next = keep % MS_DOMAIN_WORKING_SET_MAX;
	dt->nws = keep;
	ds->stats.prefetch_opens += n;
	return apply_runs(ds, n);
}

static void ws_note(struct ms__domains *ds, struct ms_thread *t, uint32_t p)
{
	struct dom_thread *dt = ms__thread_sub(t, MS__SUB_DOMAIN);

	if (!dt || ds->policy != MS_DOMAIN_WORKING_SET)
		return;
	for (uint32_t i = 0; i < dt->nws; i++)
		if (dt->ws[i] == p)
			return;
	dt->ws[dt->ws_next] = p;
	dt->ws_next = (dt->ws_next + 1) % MS_DOMAIN_WORKING_SET_MAX;
	if (dt->nws < MS_DOMAIN_WORKING_SET_MAX)
		dt->nws++;
}

static void apply_user(struct ms__domains *ds, struct ms_thread *t,
		       const struct dom *d)
{
	int ret = 0;

	if ((ds->applied == VIEW_USER && ds->applied_dom == d &&
	     ds->applied_gen == d->gen) ||
	    (ds->clean_dom == d && ds->clean_gen == d->gen)) {
		ds->stats.views_skipped++;
	} else {
		ret = close_pass(ds, d);
		if (!ret && ds->policy == MS_DOMAIN_EAGER)
			ret = open_pass(ds, d);
		ds->all_open = false;
		ds->clean_dom = d;
		ds->clean_gen = d->gen;
		ds->stats.views_applied++;
	}
	if (!ret && ds->policy == MS_DOMAIN_WORKING_SET)
		ret = open_working_set(ds, t, d);
	if (ret)
		close_everything(ds, ret);
	ds->applied = VIEW_USER;
	ds->applied_dom = d;
	ds->applied_gen = d->gen;
}

void ms__arena_apply(struct ms__domains *ds, struct ms_thread *next)
{
	ms__arena_step_abort(ds);
	ds->pending = false;
	ms__arena_flush_opens(ds);
	if (!next)
		apply_host(ds);
	else if (!ms__thread_is_user(next))
		ds->applied = VIEW_SUP;	/* it opens what it touches */
	else
		apply_user(ds, next, ms__dom_of_thread(ds, next));
}

void ms__arena_forget(struct ms__domains *ds, const struct dom *d)
{
	if (ds->clean_dom == d)
		ds->clean_dom = NULL;
	if (ds->applied_dom == d) {
		ds->applied_dom = NULL;
		ds->applied = VIEW_SUP;
	}
	if (ds->step.dom == d)
		ds->step.dom = NULL;
}

bool ms__arena_range(const struct ms__domains *ds, uint64_t off, size_t len)
{
	return off <= ds->size && len <= ds->size - off;
}

/* ---- lazy opens as events ---------------------------------------------- */

static void log_open(struct ms__domains *ds, const struct ms_thread *t,
		     ms_domain_id dom, uint32_t p)
{
	uint32_t *e;

	if (ds->nopens >= 2 * (size_t)ds->npages)
		return;	/* cannot happen: two opens per page per switch */
	e = &ds->opens[3 * ds->nopens++];
	e[0] = t ? ms__thread_tid(t) : MS_TID_NONE;
	e[1] = dom;
	e[2] = p;
}

void ms__arena_flush_opens(struct ms__domains *ds)
{
	for (uint32_t i = 0; i < ds->nopens; i++) {
		const uint32_t *e = &ds->opens[3 * i];

		ms__event(ds->sim, MS_EV_DOMAIN_OPEN, e[0], e[1], e[2]);
	}
	ds->nopens = 0;
}

/* ---- single-stepping shared pages -------------------------------------- */

void ms__arena_step_abort(struct ms__domains *ds)
{
	struct dom_step *st = &ds->step;

	/* A step the thread never finished (it died on another fault inside
	 * the same instruction): put the pages back as they were. */
	for (unsigned i = 0; st->active && i < st->npages; i++)
		protect(ds, st->page[i], 1, ds->prot[st->page[i]]);
	st->active = false;
	st->npages = 0;
}

static bool writable_by(const struct dom *d, uint64_t off)
{
	const struct dom_part *q = d ? ms__dom_find(d, off) : NULL;

	return q && (q->user & MS_PERM_WRITE);
}

/* SIGTRAP: the stepped instruction has run. */
static bool on_step(void *uc)
{
	struct ms_sim *sim = ms_sim_running();
	struct ms__domains *ds = sim ? DS(sim) : NULL;
	struct dom_step *st;
	bool bad = false;
	uint64_t bad_off = 0;
	uint32_t bad_page = 0;

	if (!ds || !ds->step.active)
		return false;
	st = &ds->step;
	for (unsigned i = 0; i < st->npages; i++) {
		uint32_t p = st->page[i];
		uint8_t *base = ds->user + (size_t)p * ds->page;

		if (st->check[i] && memcmp(base, st->snap[i], ds->page)) {
			for (size_t j = 0; j < ds->page; j++) {
				uint64_t off = (uint64_t)p * ds->page + j;

				if (base[j] == st->snap[i][j] ||
				    writable_by(st->dom, off))
					continue;
				/* a write outside the view: undo it */
				base[j] = st->snap[i][j];
				if (!bad || off < bad_off) {
					bad = true;
					bad_off = off;
					bad_page = p;
				}
			}
		}
		protect(ds, p, 1, ds->prot[p]);
	}
	st->active = false;
	st->npages = 0;
	if (bad) {
		/* Run it again from where it started, into the closed page:
		 * the resolver reports the byte it wrote outside. */
		ms__os_regs_restore(uc, st->regs);
		ds->pending = true;
		ds->pending_page = bad_page;
		ds->pending_off = bad_off;
	} else {
		ms__os_step_disarm(uc);
	}
	return true;
}

/*
 * Let the faulting instruction reach page p with rights add, alone. check:
 * compare the bytes outside d's view afterwards (a user write).
 */
static enum ms__fault_verdict let_through(struct ms__domains *ds, uint32_t p,
					  unsigned add, bool check,
					  const struct dom *d)
{
	struct dom_step *st = &ds->step;
	void *uc = ms__fault_ucontext(ds->sim);
	unsigned i;

	if (!ds->step_ok || !uc) {
		/* Open until the next switch: not exact, and said so. */
		if (ds->prot[p] == MS__PROT_NONE)
			open_list_add(ds, p);
		if (protect(ds, p, 1, ds->prot[p] | add))
			return MS__FAULT_NOT_MINE;
		ds->prot[p] |= (uint8_t)add;
		ds->clean_dom = NULL;
		ds->stats.imprecise_opens++;
		return MS__FAULT_RETRY;
	}
	for (i = 0; i < st->npages && st->page[i] != p; i++)
		;
	if (i == STEP_PAGES)
		return MS__FAULT_NOT_MINE;
	if (i == st->npages) {
		st->npages++;
		st->page[i] = p;
		st->check[i] = false;
	}
	if (protect(ds, p, 1, ds->prot[p] | add | MS__PROT_READ))
		return MS__FAULT_NOT_MINE;
	if (check && !st->check[i]) {
		memcpy(st->snap[i], ds->user + (size_t)p * ds->page, ds->page);
		st->check[i] = true;
	}
	if (!st->active) {
		ms__os_regs_save(uc, st->regs);
		st->dom = d;
		st->active = true;
	}
	ms__os_step_arm(uc);
	ds->stats.steps++;
	return MS__FAULT_RETRY;
}

/* ---- the fault resolver ------------------------------------------------- */

static unsigned need_of(enum ms_access access, unsigned cur)
{
	switch (access) {
	case MS_ACCESS_READ:
		return MS__PROT_READ;
	case MS_ACCESS_WRITE:
		return MS__PROT_RW;
	case MS_ACCESS_EXEC:
		return MS__PROT_READ | MS__PROT_EXEC;
	case MS_ACCESS_UNKNOWN:
		break;
	}
	/* The CPU did not say: a read first, a write if reading is open. */
	return (cur & MS__PROT_READ) ? MS__PROT_RW : MS__PROT_READ;
}

static enum ms__fault_verdict open_lazily(struct ms__domains *ds,
					  struct ms_thread *t,
					  ms_domain_id dom, uint32_t p,
					  unsigned prot)
{
	if (protect(ds, p, 1, prot))
		return MS__FAULT_NOT_MINE;
	if (ds->prot[p] == MS__PROT_NONE)
		open_list_add(ds, p);
	ds->prot[p] = (uint8_t)prot;
	ds->stats.lazy_opens++;
	log_open(ds, t, dom, p);
	return MS__FAULT_RETRY;
}

static enum ms__fault_verdict violation(struct ms__domains *ds,
					struct ms_thread *t,
					const struct dom *d, uint64_t off,
					struct ms_fault *f)
{
	const struct dom_part *q = ms__dom_find(d, off);
	const char *what = ms_access_name(f->access);
	char perm[4];

	f->kind = MS_FAULT_DOMAIN;
	f->reason = MS_ERR_CPU_EXCEPTION;
	f->offset = off;
	snprintf(f->object, sizeof(f->object), "arena:%s", q ? q->name : "none");
	if (q) {
		ms__perm_text(q->user, perm);
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s: %s of arena offset %#" PRIx64 " in partition '%s', which gives domain '%s' user %s",
			 ms__thread_name(t), what, off, q->name, d->name, perm);
	} else {
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s: %s of arena offset %#" PRIx64 ", outside every partition of domain '%s'",
			 ms__thread_name(t), what, off, d->name);
	}
	ds->stats.violations++;
	return MS__FAULT_KILL;
}

static enum ms__fault_verdict arena_resolve(struct ms_sim *sim, void *ctx,
					    uintptr_t addr,
					    enum ms_access access,
					    struct ms_thread *t,
					    struct ms_fault *f)
{
	struct ms__domains *ds = ctx;
	uint64_t off = addr - (uintptr_t)ds->user;
	uint32_t p = (uint32_t)(off / ds->page);
	unsigned need = need_of(access, ds->prot[p]);
	unsigned full, any;
	const struct dom *d;
	const struct dom_part *q;

	if (!t) /* the host reaches everything */
		return open_lazily(ds, NULL, MS_DOMAIN_NONE, p,
				   ds->prot[p] | MS__PROT_RW);
	if (!ms__thread_is_user(t)) {
		ds->clean_dom = NULL;
		return open_lazily(ds, t, MS_DOMAIN_NONE, p,
				   ds->prot[p] | MS__PROT_RW |
				   (need & MS__PROT_EXEC));
	}
	d = ms__dom_of_thread(ds, t);
	if (ds->pending) {
		/* The re-run of a write that left its partition. */
		ds->pending = false;
		f->access = MS_ACCESS_WRITE;
		return violation(ds, t, d, ds->pending_off, f);
	}
	ms__page_rights(ds, d, p, &full, &any);
	if ((need & full) == need && (need & ~ds->prot[p])) {
		ws_note(ds, t, p);
		return open_lazily(ds, t, d->id, p, ds->prot[p] | full);
	}
	if (ms__thread_in_kernel(t))
		/* Supervisor code for a user thread: allowed, one step. */
		return let_through(ds, p, MS__PROT_RW | (need & MS__PROT_EXEC),
				   false, d);
	q = ms__dom_find(d, off);
	if (q && (need & q->user) == need && (need & ~ds->prot[p]))
		return let_through(ds, p, need, (need & MS__PROT_WRITE) != 0, d);
	return violation(ds, t, d, off, f);
}

/* ---- setup -------------------------------------------------------------- */

int ms__arena_init(struct ms__domains *ds)
{
	const struct ms_config *cfg = ms_sim_config(ds->sim);
	void *u = NULL, *k = NULL;
	int ret;

	ds->fd = -1;
	ds->page = ms__os_page_size();
	if (!cfg->arena_size || cfg->arena_size > ((size_t)1 << 40))
		return -EINVAL;
	ds->size = ms__os_page_round(cfg->arena_size);
	if (ds->size / ds->page > UINT32_MAX / 4)
		return -EINVAL;
	ds->npages = (uint32_t)(ds->size / ds->page);
	if (cfg->arena_at && ds->size != cfg->arena_size)
		return -EINVAL;	/* an adopted range is whole pages */
	ret = ms__os_memfd(ds->os, "memsim-arena", ds->size, &ds->fd);
	if (ret)
		return ret;
	ret = ms__os_map_fd(ds->os, ds->fd, 0, ds->size, MS__PROT_RW, &k);
	if (ret)
		return ret;
	ds->kmap = k;
	if (cfg->arena_at) {
		/* The caller's range becomes the arena in place: its bytes
		 * move into the memfd, then the user mapping replaces it at
		 * the same address. */
		memcpy(k, cfg->arena_at, ds->size);
		ret = ms__os_map_fd_at(ds->os, ds->fd, 0, ds->size, MS__PROT_RW,
				       cfg->arena_at);
		if (ret)
			return ret;
		u = cfg->arena_at;
		ds->adopted = true;
	} else {
		ret = ms__os_map_fd(ds->os, ds->fd, 0, ds->size, MS__PROT_RW, &u);
		if (ret)
			return ret;
	}
	ds->user = u;
	/* The two mappings keep the memory alive: a sim holds no descriptor. */
	ms__os_close(ds->fd);
	ds->fd = -1;

	ds->prot = g_malloc(ds->npages);
	memset(ds->prot, MS__PROT_RW, ds->npages);
	ds->open = g_new(uint32_t, ds->npages);
	for (uint32_t p = 0; p < ds->npages; p++)
		ds->open[p] = p;
	ds->nopen = ds->npages;
	ds->all_open = true;
	ds->applied = VIEW_HOST;
	/* the open pass may list a shared page once per partition on it */
	ds->scratch = g_new(uint32_t, (size_t)ds->npages + ds->max_parts);
	ds->want = g_malloc0(ds->npages);
	ds->opens = g_new(uint32_t, 3 * 2 * (size_t)ds->npages);

	ds->step_ok = ms__os_step_supported();
	if (ds->step_ok) {
		for (unsigned i = 0; i < STEP_PAGES; i++)
			ds->step.snap[i] = g_malloc(ds->page);
		if (ms__os_step_handler_get(on_step) == 0)
			ds->step_handler = true;
		else
			ds->step_ok = false;
	}
	ds->stats.subpage_exact = ds->step_ok;
	return ms__fault_region_add(ds->sim, (uintptr_t)ds->user, ds->size,
				    arena_resolve, ds, &ds->region_user);
}

void ms__arena_fini(struct ms__domains *ds)
{
	if (ds->region_user)
		ms__fault_region_remove(ds->sim, ds->region_user);
	if (ds->step_handler)
		ms__os_step_handler_put();
	for (unsigned i = 0; i < STEP_PAGES; i++)
		g_free(ds->step.snap[i]);
	if (ds->user && ds->adopted) {
		/* Give the caller its memory back as it is now, as ordinary
		 * memory. Only the host runs here, and the arena is open to
		 * it (a switch to the host opens it all). */
		void *save = g_malloc(ds->size);

		memcpy(save, ds->user, ds->size);
		if (ms__os_map_anon_at(ds->os, ds->user, ds->size) == 0)
			memcpy(ds->user, save, ds->size);
		g_free(save);
	} else if (ds->user) {
		ms__os_unmap(ds->os, ds->user, ds->size);
	}
	if (ds->kmap)
		ms__os_unmap(ds->os, ds->kmap, ds->size);
	ms__os_close(ds->fd);
	g_free(ds->prot);
	g_free(ds->open);
	g_free(ds->scratch);
	g_free(ds->want);
	g_free(ds->opens);
}

/* ---- accesses on behalf of the caller ---------------------------------- */

void *ms_domain_arena(const struct ms_sim *sim, size_t *size)
{
	const struct ms__domains *ds = DS(sim);

	if (size)
		*size = ds ? ds->size : 0;
	return ds ? ds->user : NULL;
}

void *ms_domain_addr(const struct ms_sim *sim, uint64_t offset)
{
	const struct ms__domains *ds = DS(sim);

	if (!ds || offset >= ds->size)
		return NULL;
	return ds->user + offset;
}

/*
 * The accesses themselves, by the calling thread with its own rights. They
 * may fault on purpose (a scenario provoking a violation): the names say
 * "deliberate" for the Valgrind suppressions.
 */
static __attribute__((noinline)) void ms__deliberate_copy(void *dst,
							  const void *src,
							  size_t len)
{
	memcpy(dst, src, len);
}

static __attribute__((noinline)) void ms__deliberate_touch(volatile uint8_t *p,
							   size_t len,
							   bool write)
{
	for (size_t i = 0; i < len; i++) {
		if (write)
			p[i] = 0xa5;
		else
			(void)p[i];
	}
}

int ms_domain_read(struct ms_sim *sim, uint64_t offset, void *buf, size_t len)
{
	struct ms__domains *ds = DS(sim);

	if (!ds || (!buf && len) || !ms__arena_range(ds, offset, len))
		return -EINVAL;
	ms__deliberate_copy(buf, ds->user + offset, len);
	return 0;
}

int ms_domain_write(struct ms_sim *sim, uint64_t offset, const void *buf,
		    size_t len)
{
	struct ms__domains *ds = DS(sim);

	if (!ds || (!buf && len) || !ms__arena_range(ds, offset, len))
		return -EINVAL;
	ms__deliberate_copy(ds->user + offset, buf, len);
	return 0;
}

int ms_domain_touch(struct ms_sim *sim, uint64_t offset, size_t len,
		    enum ms_access access)
{
	struct ms__domains *ds = DS(sim);

	if (!ds || !ms__arena_range(ds, offset, len) ||
	    (access != MS_ACCESS_READ && access != MS_ACCESS_WRITE))
		return -EINVAL;
	ms__deliberate_touch(ds->user + offset, len, access == MS_ACCESS_WRITE);
	return 0;
}
