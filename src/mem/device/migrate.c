/* SPDX-License-Identifier: MIT */
/*
 * Moving pages: placement, migration between system RAM and a device,
 * eviction, the accounting check, and the three-step explicit migration.
 *
 * What it models: Linux's page migration to and from device memory
 * (Documentation/mm/hmm.rst, "Migration to and from device memory";
 * Documentation/mm/page_migration.rst): a page is copied by the device's
 * DMA engine to a frame at the destination, the CPU's page table entry is
 * switched to the new frame and the old frame is freed; migrate_vma_setup
 * first replaces the entries with migration entries, so that a CPU access
 * while the copy is under way is seen (here it keeps the page where it
 * was). Eviction when a device is full follows Zephyr's demand paging
 * (k_mem_paging_eviction_select picks the frame to page out).
 *
 * Everything here except the three-step API may run inside the fault path,
 * in a signal handler: it allocates nothing, takes no lock, and logs its
 * events through ms__dev_event(), which keeps them for later there.
 *
 * Invariants: those of device_priv.h, after every function returns and its
 * hostq is flushed; a move is all or nothing (a refused move changes no
 * counter but the refusal's and pgmigrate_fail).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mem/device/device_priv.h"

/* ---- host work, batched ------------------------------------------------- */

void ms__hostq_init(struct hostq *q, struct ms__devices *ds)
{
	memset(q, 0, sizeof(*q));
	q->ds = ds;
	q->vdev = NONE8;
}

static void view_run_flush(struct hostq *q)
{
	struct ms__devices *ds = q->ds;
	struct dmap *m = q->m;
	uint8_t *a;
	size_t len;
	int ret;

	if (!q->vn)
		return;
	a = m->view + (size_t)q->vfirst * ds->page;
	len = (size_t)q->vn * ds->page;
	if (!q->vremap)
		ret = ms__os_protect(NULL, a, len, q->vprot);
	else if (q->vdev == NONE8)
		ret = ms__os_map_fd_at(NULL, m->fd,
				       (size_t)q->vfirst * ds->page, len,
				       q->vprot, a);
	else
		ret = ms__os_map_fd_at(NULL, ds->dev[q->vdev]->fd,
				       (size_t)q->vframe * ds->page, len,
				       q->vprot, a);
	/* Memcheck must not report the accesses the fault path resolves. */
	if (!ret && !(q->vprot & MS__PROT_READ))
		ms__os_vg_addressable(a, len);
	if (ret && !q->err)
		q->err = ret;
	q->vn = 0;
}

static void punch_run_flush(struct hostq *q)
{
	struct ms__devices *ds = q->ds;

	if (!q->pn)
		return;
	ms__os_fd_punch(NULL, q->m->fd, (size_t)q->pfirst * ds->page,
			(size_t)q->pn * ds->page);
	q->pn = 0;
}

void ms__hostq_flush(struct hostq *q)
{
	view_run_flush(q);
	punch_run_flush(q);
	if (q->err) {
		ms__log_warn("device memory: a view change failed (%d)", q->err);
		q->err = 0;
	}
}

/* Switching mappings flushes what was pending for the other one. */
static void hostq_on(struct hostq *q, struct dmap *m)
{
	if (q->m != m) {
		ms__hostq_flush(q);
		q->m = m;
	}
}

void ms__hostq_view(struct hostq *q, struct dmap *m, uint32_t i, uint8_t prot,
		    uint8_t dev, uint32_t frame)
{
	struct dpage *pg = &m->pg[i];
	bool remap = dev != NONE8 ? pg->vmap != VM_DEV || pg->vdev != dev ||
					    pg->vframe != frame :
				    pg->vmap != VM_OWN;

	if (!remap && pg->vprot == prot)
		return;
	hostq_on(q, m);
	if (q->vn && (q->vfirst + q->vn != i || q->vprot != prot ||
		      q->vdev != dev ||
		      (dev != NONE8 && q->vframe + q->vn != frame)))
		view_run_flush(q);
	if (!q->vn) {
		q->vfirst = i;
		q->vprot = prot;
		q->vdev = dev;
		q->vframe = frame;
		q->vremap = false;
	}
	q->vn++;
	q->vremap |= remap;
	pg->vmap = dev != NONE8 ? VM_DEV : VM_OWN;
	pg->vdev = dev;
	pg->vframe = frame;
	pg->vprot = prot;
}

void ms__hostq_punch(struct hostq *q, struct dmap *m, uint32_t i)
{
	hostq_on(q, m);
	if (q->pn && q->pfirst + q->pn != i)
		punch_run_flush(q);
	if (!q->pn)
		q->pfirst = i;
	q->pn++;
}

static uint8_t host_prot(unsigned perm)
{
	uint8_t p = MS__PROT_NONE;

	if (perm & MS_PERM_READ)
		p |= MS__PROT_READ;
	if (perm & MS_PERM_WRITE)
		p |= MS__PROT_READ | MS__PROT_WRITE;
	return p;
}

void ms__view_sync(struct hostq *q, struct dmap *m, uint32_t i)
{
	struct dpage *pg = &m->pg[i];
	/* A selected page is behind a migration entry until the CPU
	 * touches it. */
	uint8_t prot = (pg->flags & (PGF_SELECTED | PGF_TOUCHED)) ==
		       PGF_SELECTED ? MS__PROT_NONE : host_prot(pg->perm);
	const struct ddev *d;

	switch (pg->where) {
	case PG_RAM:
		ms__hostq_view(q, m, i, prot, NONE8, 0);
		return;
	case PG_DEV:
		d = q->ds->dev[pg->dev];
		if (d->kind == MS_DEVICE_COHERENT) {
			ms__hostq_view(q, m, i, prot, pg->dev, pg->frame);
			return;
		}
		break;
	default:
		break;
	}
	ms__hostq_view(q, m, i, MS__PROT_NONE, NONE8, 0);
}

/* ---- errors --------------------------------------------------------------- */

int ms__move_errno(enum move_err e)
{
	switch (e) {
	case MOVE_OK: return 0;
	case MOVE_PINNED:
	case MOVE_BUSY: return -EBUSY;
	case MOVE_NOFRAME:
	case MOVE_NORAM: return -ENOMEM;
	case MOVE_QUOTA: return -EDQUOT;
	case MOVE_GONE: return -ENODEV;
	}
	return -EINVAL;
}

const char *ms__move_text(enum move_err e)
{
	switch (e) {
	case MOVE_OK: return "moved";
	case MOVE_PINNED: return "the page is pinned";
	case MOVE_BUSY: return "the page is in a migration";
	case MOVE_NOFRAME: return "the device has no frame free and none to evict";
	case MOVE_NORAM: return "system RAM is full";
	case MOVE_QUOTA: return "the group's quota refuses it";
	case MOVE_GONE: return "the device is not there";
	}
	return "?";
}

/* ---- frames ------------------------------------------------------------- */

static inline struct ms_device_policy_ops const *pol_of(
	const struct ms__devices *ds, enum ms_device_policy_kind k)
{
	return ds->pol[k].act;
}

void ms__frame_free(struct ddev *d, uint32_t f)
{
	const struct ms_device_policy_ops *ev = pol_of(d->ds, MS_DEVPOL_EVICTION);
	bool reserved = d->fflags[f] & FR_RESERVED;

	d->rmap[f] = 0;
	d->rpage[f] = 0;
	d->fflags[f] = 0;
	d->nused--;
	if (ms__dev_frame_online(d, f))
		d->nfree++;
	if (!reserved && ev && d->evict)
		ev->removed(d->evict, f);
}

/* Take free frame f of d for page i of m. */
static void frame_take(struct ddev *d, uint32_t f, const struct dmap *m,
		       uint32_t i)
{
	d->rmap[f] = m->idx + 1;
	d->rpage[f] = i;
	d->nused++;
	d->nfree--;
}

/* The eviction policy heard nothing of f yet: now it holds a page. */
static void frame_added(struct ddev *d, uint32_t f)
{
	const struct ms_device_policy_ops *ev = pol_of(d->ds, MS_DEVPOL_EVICTION);

	if (ev && d->evict)
		ev->added(d->evict, f);
}

void ms__page_accessed(struct ddev *d, uint32_t f)
{
	const struct ms_device_policy_ops *ev = pol_of(d->ds, MS_DEVPOL_EVICTION);

	if (ev && d->evict && ev->accessed)
		ev->accessed(d->evict, f);
}

/* A free frame of an online block, next-fit; NO_FRAME if none. */
#define NO_FRAME UINT32_MAX
static uint32_t frame_find(struct ddev *d)
{
	uint32_t n = d->nframes;

	if (!d->nfree)
		return NO_FRAME;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t f = d->cursor + k;

		if (f >= n)
			f -= n;
		if (!ms__dev_frame_online(d, f)) {
			/* skip the rest of the block */
			uint32_t end = (ms__dev_block_of(d, f) + 1) *
				       d->frames_per_block;

			k += end - f - 1;
			continue;
		}
		if (!d->rmap[f]) {
			d->cursor = f + 1 < n ? f + 1 : 0;
			return f;
		}
	}
	return NO_FRAME;
}

struct evq {
	struct ms_evict_query q;
	struct ddev *d;
};

static bool evq_movable(const struct ms_evict_query *q, uint32_t f)
{
	struct ddev *d = ((const struct evq *)(const void *)q)->d;
	const struct dmap *m;
	const struct dpage *pg;

	if (f >= d->nframes || !d->rmap[f] || (d->fflags[f] & FR_RESERVED) ||
	    !ms__dev_frame_online(d, f))
		return false;
	m = ms__map_get(d->ds, d->rmap[f]);
	pg = &m->pg[d->rpage[f]];
	if (pg->pin_short || pg->pin_long) {
		d->st.pin_blocked++;
		return false;
	}
	return !(pg->flags & PGF_SELECTED);
}

static uint64_t evq_random(const struct ms_evict_query *q, uint64_t bound)
{
	struct ddev *d = ((const struct evq *)(const void *)q)->d;

	return ms_sim_random(d->ds->sim, bound);
}

static enum move_err move_to_ram(struct hostq *q, struct dmap *m, uint32_t i);

/* Make room on d: the eviction policy's victim goes to system RAM.
 * Returns the freed frame, or NO_FRAME. */
static uint32_t evict_one(struct hostq *q, struct ddev *d)
{
	struct ms__devices *ds = d->ds;
	const struct ms_device_policy_ops *ev = pol_of(ds, MS_DEVPOL_EVICTION);
	struct evq e = {
		.q = {
			.device = d->id,
			.scan = ds->pol[MS_DEVPOL_EVICTION].params.scan,
			.movable = evq_movable,
			.random = evq_random,
		},
		.d = d,
	};
	struct dmap *vm;
	uint32_t f;

	if (!ev || !d->evict || ev->select(d->evict, &e.q, &f) != 0 ||
	    !evq_movable(&e.q, f))
		return NO_FRAME;
	vm = ms__map_get(ds, d->rmap[f]);
	if (move_to_ram(q, vm, d->rpage[f]) != MOVE_OK)
		return NO_FRAME;
	d->st.evictions++;
	ms__dev_event(ds, MS_EV_DEVICE_EVICT, d->id, f);
	/* the frame is free now, on an online block (movable() said so) */
	return f;
}

static uint32_t frame_get(struct hostq *q, struct ddev *d)
{
	uint32_t f = frame_find(d);

	if (f == NO_FRAME)
		f = evict_one(q, d);
	return f;
}

bool ms__dev_can_take(const struct ddev *d)
{
	if (d->state != MS_DEVICE_PRESENT)
		return false;
	return d->nfree > 0 || d->nused > d->npinned;
}

/* ---- accounting ------------------------------------------------------------ */

static uint64_t pages_of(const struct ms__devices *ds, uint64_t bytes)
{
	return bytes ? (bytes + ds->page - 1) / ds->page : UINT64_MAX;
}

/* May a page of g take a place on `to` (NONE: RAM)? */
static bool acct_ok(struct ms__devices *ds, struct dgrp *g, ms_device_id to,
		    bool populate)
{
	const struct dpolicy *p = &ds->pol[MS_DEVPOL_ACCOUNTING];
	struct ms_page_charge c = {
		.group = g->id,
		.to = to,
		.populate = populate,
		.pages = g->pages,
		.ram_pages = g->ram,
		.to_pages = to == MS_DEVICE_NONE ? g->ram : g->dev[to],
	};

	if (g->limits_set) {
		c.page_limit = g->page_limit;
		c.ram_limit = g->ram_limit;
		c.device_limit = g->dev_limit;
	} else {
		c.page_limit = pages_of(ds, p->params.page_quota);
		c.ram_limit = pages_of(ds, p->params.ram_quota);
		c.device_limit = pages_of(ds, p->params.device_quota);
	}
	if (!p->act || p->act->charge(p->state, &c) == 0)
		return true;
	g->refused++;
	return false;
}

/* ---- moves ----------------------------------------------------------------- */

/* A page copied by d's DMA engine, one way: bytes and the copy's time. */
static void count_copy(struct ms__devices *ds, struct ddev *d, bool to_ram)
{
	uint64_t ticks = (ds->page + d->copy_bw - 1) / d->copy_bw;

	if (to_ram)
		d->st.bytes_to_ram += ds->page;
	else
		d->st.bytes_to_device += ds->page;
	d->st.copy_ticks += ticks;
	ms__clock_advance(ds->sim, ticks);
}

/* A page now lives at its destination: the remap's time, the counters. */
static void count_commit(struct ms__devices *ds, struct ddev *d,
			 const struct dmap *m, uint32_t i, bool to_ram)
{
	d->st.pgmigrate_success++;
	if (to_ram)
		d->st.pgmigrate_to_ram++;
	else
		d->st.pgmigrate_to_device++;
	ms__clock_advance(ds->sim, MS__COST_MIGRATE_PAGE);
	ms__dev_event(ds, MS_EV_DEVICE_MIGRATE,
		      d->id | (to_ram ? (uint64_t)1 << 32 : 0),
		      (uint64_t)(m->idx + 1) << 32 | i);
}

static enum move_err move_to_ram(struct hostq *q, struct dmap *m, uint32_t i)
{
	struct ms__devices *ds = q->ds;
	struct dpage *pg = &m->pg[i];
	struct ddev *d = ds->dev[pg->dev];

	if (ds->ram_used >= ds->ram_limit) {
		d->st.pgmigrate_fail++;
		return MOVE_NORAM;
	}
	if (!acct_ok(ds, m->grp, MS_DEVICE_NONE, false)) {
		d->st.pgmigrate_fail++;
		return MOVE_QUOTA;
	}
	memcpy(m->kview + (size_t)i * ds->page,
	       d->dview + (size_t)pg->frame * ds->page, ds->page);
	ms__frame_free(d, pg->frame);
	m->grp->dev[d->id]--;
	m->grp->ram++;
	ds->ram_used++;
	pg->where = PG_RAM;
	pg->hits = 0;
	count_copy(ds, d, true);
	count_commit(ds, d, m, i, true);
	ms__view_sync(q, m, i);
	return MOVE_OK;
}

static enum move_err move_to_dev(struct hostq *q, struct dmap *m, uint32_t i,
				 struct ddev *d)
{
	struct ms__devices *ds = q->ds;
	struct dpage *pg = &m->pg[i];
	uint32_t f;

	if (!ms__dev_can_take(d)) {
		d->st.pgmigrate_fail++;
		return d->state == MS_DEVICE_PRESENT ? MOVE_NOFRAME : MOVE_GONE;
	}
	if (!acct_ok(ds, m->grp, d->id, false)) {
		d->st.pgmigrate_fail++;
		return MOVE_QUOTA;
	}
	f = frame_get(q, d);
	if (f == NO_FRAME) {
		d->st.pgmigrate_fail++;
		return MOVE_NOFRAME;
	}
	memcpy(d->dview + (size_t)f * ds->page,
	       m->kview + (size_t)i * ds->page, ds->page);
	frame_take(d, f, m, i);
	frame_added(d, f);
	ms__hostq_punch(q, m, i);
	m->grp->ram--;
	m->grp->dev[d->id]++;
	ds->ram_used--;
	pg->where = PG_DEV;
	pg->dev = (uint8_t)d->id;
	pg->frame = f;
	pg->hits = 0;
	count_copy(ds, d, false);
	count_commit(ds, d, m, i, false);
	ms__view_sync(q, m, i);
	return MOVE_OK;
}

enum move_err ms__page_move(struct hostq *q, struct dmap *m, uint32_t i,
			    ms_device_id to)
{
	struct ms__devices *ds = q->ds;
	struct dpage *pg = &m->pg[i];
	ms_device_id from = pg->where == PG_DEV ? pg->dev : MS_DEVICE_NONE;
	enum move_err e;

	if (pg->where != PG_RAM && pg->where != PG_DEV)
		return MOVE_GONE;
	if (from == to)
		return MOVE_OK;
	if (pg->pin_short || pg->pin_long) {
		struct ddev *d = ds->dev[from != MS_DEVICE_NONE ? from : to];

		d->st.pin_blocked++;
		d->st.pgmigrate_fail++;
		return MOVE_PINNED;
	}
	if (pg->flags & PGF_SELECTED)
		return MOVE_BUSY;
	if (from != MS_DEVICE_NONE) {
		/* A page goes from one device to another through system RAM,
		 * as HMM moves device-private pages. */
		e = move_to_ram(q, m, i);
		if (e != MOVE_OK || to == MS_DEVICE_NONE)
			return e;
	}
	return move_to_dev(q, m, i, ds->dev[to]);
}

enum move_err ms__page_place(struct hostq *q, struct dmap *m, uint32_t i,
			     ms_device_id toucher)
{
	struct ms__devices *ds = q->ds;
	const struct dpolicy *p = &ds->pol[MS_DEVPOL_PLACEMENT];
	struct dpage *pg = &m->pg[i];
	bool usable[MS_DEVICE_MAX];
	enum ms_device_kind kinds[MS_DEVICE_MAX];
	struct ms_place_query pq = {
		.toucher = toucher,
		.preferred = m->preferred,
		.group = m->grp->id,
		.ndevices = ds->ndev,
		.usable = usable,
		.kinds = kinds,
	};
	ms_device_id to = MS_DEVICE_NONE;

	for (uint32_t k = 0; k < ds->ndev; k++) {
		const struct ddev *d = ds->dev[k];

		kinds[k] = d->kind;
		/* The CPU cannot use private memory: a page placed there for
		 * it would only fault back. */
		usable[k] = ms__dev_can_take(d) &&
			    (toucher != MS_DEVICE_NONE ||
			     d->kind == MS_DEVICE_COHERENT);
	}
	if (p->act)
		to = p->act->place(p->state, &pq);
	if (to != MS_DEVICE_NONE && (to >= ds->ndev || !usable[to]))
		to = MS_DEVICE_NONE;
	if (to != MS_DEVICE_NONE && acct_ok(ds, m->grp, to, true)) {
		struct ddev *d = ds->dev[to];
		uint32_t f = frame_get(q, d);

		if (f != NO_FRAME) {
			memset(d->dview + (size_t)f * ds->page, 0, ds->page);
			frame_take(d, f, m, i);
			frame_added(d, f);
			m->grp->pages++;
			m->grp->dev[to]++;
			d->st.pages_placed++;
			pg->where = PG_DEV;
			pg->dev = (uint8_t)to;
			pg->frame = f;
			pg->hits = 0;
			ms__view_sync(q, m, i);
			return MOVE_OK;
		}
	}
	/* System RAM: the memfd's page is a hole, it reads as zero. */
	if (ds->ram_used >= ds->ram_limit)
		return MOVE_NORAM;
	if (!acct_ok(ds, m->grp, MS_DEVICE_NONE, true))
		return MOVE_QUOTA;
	ds->ram_used++;
	m->grp->pages++;
	m->grp->ram++;
	pg->where = PG_RAM;
	pg->hits = 0;
	ms__view_sync(q, m, i);
	return MOVE_OK;
}

void ms__page_release(struct hostq *q, struct dmap *m, uint32_t i)
{
	struct ms__devices *ds = q->ds;
	struct dpage *pg = &m->pg[i];
	struct ddev *d;

	switch (pg->where) {
	case PG_RAM:
		ms__hostq_punch(q, m, i);
		ds->ram_used--;
		m->grp->ram--;
		m->grp->pages--;
		break;
	case PG_DEV:
		d = ds->dev[pg->dev];
		ms__frame_free(d, pg->frame);
		d->st.pages_freed++;
		m->grp->dev[d->id]--;
		m->grp->pages--;
		break;
	default:
		break;
	}
	pg->where = PG_HOLE;
	pg->flags = 0;
	pg->hits = 0;
	ms__view_sync(q, m, i);
}

/* ---- the three-step explicit migration ------------------------------------- */

struct ms_migrate {
	struct ms__devices *ds;
	ms_map_id map;
	ms_device_id to;
	ms_tid owner;
	bool copied;
	struct ms_migrate_result res;
	uint32_t nsel;
	uint32_t *sel;			/* selected page indices */
};

static struct ms_thread *cur(const struct ms__devices *ds)
{
	return ms__current(ds->sim);
}

static bool live_migration(const struct ms__devices *ds,
			   const struct ms_migrate *m)
{
	for (guint i = 0; m && i < ds->migrations->len; i++)
		if (g_ptr_array_index(ds->migrations, i) == m)
			return true;
	return false;
}

/* Check [first, first + n) of map for setup; 0 or the errno. */
static int setup_check(struct ms__devices *ds, const struct dmap *m,
		       uint32_t first, uint32_t n)
{
	for (uint32_t i = first; i < first + n; i++) {
		const struct dpage *pg = &m->pg[i];

		switch (pg->where) {
		case PG_HOLE:
			snprintf(ds->err, sizeof(ds->err),
				 "page %u of mapping '%s' is a hole", i, m->name);
			return -EFAULT;
		case PG_LOST:
			snprintf(ds->err, sizeof(ds->err),
				 "page %u of mapping '%s' was lost with device '%s'",
				 i, m->name, ds->dev[pg->dev]->name);
			return -EIO;
		default:
			break;
		}
		if (!(pg->perm & MS_PERM_READ)) {
			snprintf(ds->err, sizeof(ds->err),
				 "page %u of mapping '%s' is protected", i,
				 m->name);
			return -EACCES;
		}
		if (pg->flags & PGF_SELECTED) {
			snprintf(ds->err, sizeof(ds->err),
				 "page %u of mapping '%s' is in another migration",
				 i, m->name);
			return -EBUSY;
		}
	}
	return 0;
}

int ms_migrate_setup(struct ms_sim *sim, ms_map_id map, uint64_t off,
		     uint64_t len, ms_device_id to, struct ms_migrate **out)
{
	struct ms__devices *ds;
	struct ms_migrate *mg;
	struct hostq q;
	struct dmap *m;
	struct ddev *d = NULL;
	uint32_t first, n;
	int ret;

	if (!sim || !out)
		return -EINVAL;
	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	m = ms__map_get(ds, map);
	ret = ms__map_pages(ds, m, off, len, &first, &n);
	if (!ret && to != MS_DEVICE_NONE) {
		ret = to < ds->ndev ? ms__dev_ready(ds, to, &d) : -EINVAL;
		if (!ret && !ms__dev_can_take(d))
			ret = -ENODEV;
	}
	if (!ret)
		ret = setup_check(ds, m, first, n);
	if (ret)
		goto out;
	mg = g_new0(struct ms_migrate, 1);
	mg->ds = ds;
	mg->map = map;
	mg->to = to;
	mg->owner = cur(ds) ? ms__thread_tid(cur(ds)) : MS_TID_NONE;
	mg->sel = g_new(uint32_t, n);
	for (uint32_t i = first; i < first + n; i++) {
		struct dpage *pg = &m->pg[i];
		bool on_dev = pg->where == PG_DEV;

		if (to == MS_DEVICE_NONE ? !on_dev :
		    on_dev && pg->dev == to) {
			mg->res.already++;
			continue;
		}
		if (to != MS_DEVICE_NONE && on_dev) {
			mg->res.other_device++;
			continue;
		}
		if (pg->pin_short || pg->pin_long) {
			struct ddev *pd = ds->dev[on_dev ? pg->dev : to];

			pd->st.pin_blocked++;
			pd->st.pgmigrate_fail++;
			mg->res.pinned++;
			continue;
		}
		mg->sel[mg->nsel++] = i;
	}
	if (!mg->nsel && !mg->res.already) {
		snprintf(ds->err, sizeof(ds->err),
			 "no page of mapping '%s' in the range can move there",
			 m->name);
		g_free(mg->sel);
		g_free(mg);
		ret = -ENOENT;
		goto out;
	}
	/* Migration entries: the CPU's next access to a selected page is a
	 * fault the resolver sees. */
	ms__hostq_init(&q, ds);
	for (uint32_t k = 0; k < mg->nsel; k++) {
		struct dpage *pg = &m->pg[mg->sel[k]];

		pg->flags = PGF_SELECTED;
		pg->mig_dev = to == MS_DEVICE_NONE ? NONE8 : (uint8_t)to;
		ms__view_sync(&q, m, mg->sel[k]);
	}
	ms__hostq_flush(&q);
	mg->res.selected = mg->nsel;
	g_ptr_array_add(ds->migrations, mg);
	*out = mg;
out:
	ms__dev_leave(sim);
	return ret;
}

/* Undo what the copy step reserved for page i. */
static void unreserve(struct ms__devices *ds, struct dmap *m, uint32_t i)
{
	struct dpage *pg = &m->pg[i];

	if (!(pg->flags & PGF_COPIED))
		return;
	if (pg->mig_dev != NONE8) {
		struct ddev *d = ds->dev[pg->mig_dev];

		/* a withdrawn device took its reserved frames with it */
		if (d->state == MS_DEVICE_PRESENT)
			ms__frame_free(d, pg->mig_frame);
		m->grp->dev[d->id]--;
	} else {
		ds->ram_used--;
		m->grp->ram--;
	}
	pg->flags &= (uint8_t)~PGF_COPIED;
}

static void copy_one(struct ms__devices *ds, struct ms_migrate *mg,
		     struct dmap *m, uint32_t i, struct hostq *q)
{
	struct dpage *pg = &m->pg[i];
	uint8_t *src = pg->where == PG_RAM ?
		       m->kview + (size_t)i * ds->page :
		       pg->where == PG_DEV ?
		       ds->dev[pg->dev]->dview + (size_t)pg->frame * ds->page :
		       NULL;
	struct ddev *d;
	uint32_t f;

	if (!(pg->flags & PGF_SELECTED) || (pg->flags & PGF_TOUCHED))
		return;
	if (mg->to == MS_DEVICE_NONE) {
		d = ds->dev[pg->dev];
		if (ds->ram_used >= ds->ram_limit ||
		    !acct_ok(ds, m->grp, MS_DEVICE_NONE, false))
			return;
		memcpy(m->kview + (size_t)i * ds->page, src, ds->page);
		ds->ram_used++;
		m->grp->ram++;
	} else {
		d = ds->dev[mg->to];
		if (!ms__dev_can_take(d) ||
		    !acct_ok(ds, m->grp, d->id, pg->where == PG_EMPTY))
			return;
		f = frame_get(q, d);
		if (f == NO_FRAME)
			return;
		frame_take(d, f, m, i);
		d->fflags[f] = FR_RESERVED;
		if (src)
			memcpy(d->dview + (size_t)f * ds->page, src, ds->page);
		else
			memset(d->dview + (size_t)f * ds->page, 0, ds->page);
		m->grp->dev[d->id]++;
		pg->mig_frame = f;
	}
	pg->flags |= PGF_COPIED;
	count_copy(ds, d, mg->to == MS_DEVICE_NONE);
}

int ms_migrate_copy(struct ms_sim *sim, struct ms_migrate *mg)
{
	struct ms__devices *ds;
	struct hostq q;
	struct dmap *m;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	if (!live_migration(ds, mg) || mg->copied) {
		ms__dev_leave(sim);
		return -EINVAL;
	}
	mg->copied = true;
	m = ms__map_get(ds, mg->map);
	ms__hostq_init(&q, ds);
	for (uint32_t k = 0; m && k < mg->nsel; k++)
		copy_one(ds, mg, m, mg->sel[k], &q);
	ms__hostq_flush(&q);
	ms__dev_leave(sim);
	return 0;
}

/* Page i's copy becomes the page. */
static void commit_one(struct ms__devices *ds, struct ms_migrate *mg,
		       struct dmap *m, uint32_t i, struct hostq *q)
{
	struct dpage *pg = &m->pg[i];
	struct ddev *d;

	if (mg->to == MS_DEVICE_NONE) {
		d = ds->dev[pg->dev];
		ms__frame_free(d, pg->frame);
		m->grp->dev[d->id]--;
		pg->where = PG_RAM;
	} else {
		d = ds->dev[mg->to];
		if (pg->where == PG_RAM) {
			ms__hostq_punch(q, m, i);
			ds->ram_used--;
			m->grp->ram--;
		} else {
			m->grp->pages++;	/* placed by this migration */
		}
		d->fflags[pg->mig_frame] = 0;
		frame_added(d, pg->mig_frame);
		pg->where = PG_DEV;
		pg->dev = (uint8_t)d->id;
		pg->frame = pg->mig_frame;
	}
	pg->hits = 0;
	pg->flags = 0;
	count_commit(ds, d, m, i, mg->to == MS_DEVICE_NONE);
	mg->res.migrated++;
}

static void migration_free(struct ms__devices *ds, struct ms_migrate *mg)
{
	g_ptr_array_remove_fast(ds->migrations, mg);
	g_free(mg->sel);
	g_free(mg);
}

/* Finalize (commit true) or undo (false) a migration; frees it. */
static void migration_end(struct ms__devices *ds, struct ms_migrate *mg,
			  bool commit, struct ms_migrate_result *res)
{
	struct dmap *m = ms__map_get(ds, mg->map);
	struct hostq q;

	ms__hostq_init(&q, ds);
	for (uint32_t k = 0; m && k < mg->nsel; k++) {
		uint32_t i = mg->sel[k];
		struct dpage *pg = &m->pg[i];
		struct ddev *fd;

		if (!(pg->flags & PGF_SELECTED)) {
			/* unmapped or lost since setup */
			mg->res.no_room++;
			continue;
		}
		if (commit && (pg->flags & PGF_COPIED) &&
		    !(pg->flags & PGF_TOUCHED) &&
		    (mg->to == MS_DEVICE_NONE ||
		     ds->dev[mg->to]->state == MS_DEVICE_PRESENT)) {
			commit_one(ds, mg, m, i, &q);
			ms__view_sync(&q, m, i);
			continue;
		}
		if (pg->flags & PGF_TOUCHED)
			mg->res.touched++;
		else
			mg->res.no_room++;
		unreserve(ds, m, i);
		/* to RAM: the device it left (or would have: pg->dev stays
		 * set when the fault path brought a touched page back) */
		fd = ds->dev[mg->to != MS_DEVICE_NONE ? mg->to : pg->dev];
		if (commit)
			fd->st.pgmigrate_fail++;
		pg->flags = 0;
		ms__view_sync(&q, m, i);
	}
	ms__hostq_flush(&q);
	if (res)
		*res = mg->res;
	migration_free(ds, mg);
}

int ms_migrate_finalize(struct ms_sim *sim, struct ms_migrate *mg,
			struct ms_migrate_result *res)
{
	struct ms__devices *ds;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	if (!live_migration(ds, mg)) {
		ms__dev_leave(sim);
		return -EINVAL;
	}
	migration_end(ds, mg, true, res);
	ms__dev_leave(sim);
	return 0;
}

int ms_migrate_range(struct ms_sim *sim, ms_map_id map, uint64_t off,
		     uint64_t len, ms_device_id to,
		     struct ms_migrate_result *res)
{
	struct ms_migrate *mg;
	int ret = ms_migrate_setup(sim, map, off, len, to, &mg);

	if (ret)
		return ret;
	ret = ms_migrate_copy(sim, mg);
	if (!ret)
		ret = ms_migrate_finalize(sim, mg, res);
	return ret;
}

void ms__migrations_thread_gone(struct ms__devices *ds, ms_tid tid)
{
	for (guint i = ds->migrations->len; i > 0; i--) {
		struct ms_migrate *mg = g_ptr_array_index(ds->migrations, i - 1);

		if (mg->owner == tid)
			migration_end(ds, mg, false, NULL);
	}
}

void ms__migrations_fini(struct ms__devices *ds)
{
	while (ds->migrations->len)
		migration_end(ds, g_ptr_array_index(ds->migrations, 0), false,
			      NULL);
}
