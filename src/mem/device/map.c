/* SPDX-License-Identifier: MIT */
/*
 * Mappings of user pages that live in system RAM or on a device: making
 * and unmapping them, the CPU's fault path over them, touches by the CPU
 * and by a device, and the page-state snapshot.
 *
 * What it models: a k_mem_map()ed range (Zephyr) whose pages, as in Linux
 * with HMM, may be anywhere: in system RAM, in a device's private memory
 * (the CPU's page table entry is a special swap entry: an access faults and
 * migrates the page back), in coherent device memory (mapped directly).
 * The fault path is the CPU's page fault handler: it places a page that was
 * never touched (first touch), brings a private device's page back, notes
 * a CPU access to a page under migration, or kills the thread.
 *
 * The device's own accesses are those of its MMU mirroring the CPU's page
 * table (hmm_range_fault): a page elsewhere is reached across the bus or
 * migrated by the migration policy, through the device's view (never the
 * CPU's), so they cost simulated time but never a host fault.
 *
 * Invariants: those of device_priv.h; a view page is accessible exactly
 * when its page is in system RAM or on a coherent device, with the page's
 * rights, and not behind a migration entry. The resolver allocates
 * nothing: its events wait in ds->pend, which has room for one per page
 * of every mapping (see device_priv.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fault/fault.h"
#include "mem/device/device_priv.h"

/* ---- events --------------------------------------------------------------- */

void ms__dev_event(struct ms__devices *ds, uint32_t type, uint64_t a,
		   uint64_t b)
{
	struct ms_thread *t = ms__current(ds->sim);
	ms_tid tid = t ? ms__thread_tid(t) : MS_TID_NONE;

	if (ds->in_fault) {
		if (ds->npend < ds->pend_cap)
			ds->pend[ds->npend++] = (struct devent){ type, tid, a, b };
		else
			ds->pend_lost++;	/* cannot happen: see pend_grow */
		return;
	}
	ms__event(ds->sim, type, tid, a, b);
}

void ms__dev_flush(struct ms__devices *ds)
{
	for (size_t i = 0; i < ds->npend; i++) {
		const struct devent *e = &ds->pend[i];

		ms__event(ds->sim, e->type, e->tid, e->a, e->b);
	}
	ds->npend = 0;
	if (ds->pend_lost) {
		ms__log_warn("device memory: %zu fault-path events lost",
			     ds->pend_lost);
		ds->pend_lost = 0;
	}
}

/* ---- groups ---------------------------------------------------------------- */

struct dgrp *ms__grp_get(struct ms__devices *ds, uint32_t id)
{
	struct dgrp *g = g_hash_table_lookup(ds->groups, GUINT_TO_POINTER(id));

	if (!g) {
		g = g_new0(struct dgrp, 1);
		g->id = id;
		g_hash_table_insert(ds->groups, GUINT_TO_POINTER(id), g);
	}
	return g;
}

static uint64_t limit_pages(const struct ms__devices *ds, uint64_t bytes)
{
	return bytes ? (bytes + ds->page - 1) / ds->page : UINT64_MAX;
}

int ms_device_quota_set(struct ms_sim *sim, uint32_t group, uint64_t pages,
			uint64_t ram, uint64_t device)
{
	struct ms__devices *ds;
	struct dgrp *g;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	g = ms__grp_get(ds, group);
	g->limits_set = true;
	g->page_limit = limit_pages(ds, pages);
	g->ram_limit = limit_pages(ds, ram);
	g->dev_limit = limit_pages(ds, device);
	ms__dev_leave(sim);
	return 0;
}

int ms_device_usage_get(struct ms_sim *sim, uint32_t group, ms_device_id dev,
			struct ms_device_usage *out)
{
	struct ms__devices *ds;
	const struct dgrp *g;

	if (!sim || !out)
		return -EINVAL;
	ds = DEVS(sim);
	memset(out, 0, sizeof(*out));
	g = g_hash_table_lookup(ds->groups, GUINT_TO_POINTER(group));
	if (!g)
		return 0;
	out->pages = g->pages;
	out->ram_pages = g->ram;
	out->refused = g->refused;
	for (uint32_t k = 0; k < ds->ndev; k++)
		if (dev == MS_DEVICE_NONE || dev == k)
			out->device_pages += g->dev[k];
	return 0;
}

int ms_device_ram_set(struct ms_sim *sim, uint64_t bytes)
{
	struct ms__devices *ds;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	ds->ram_limit = limit_pages(ds, bytes);
	ms__dev_leave(sim);
	return 0;
}

/* ---- the fault path ------------------------------------------------------- */

static enum ms__fault_verdict kill_cpu(const struct dmap *m, uint32_t i,
				       struct ms_fault *f, const char *why)
{
	f->kind = MS_FAULT_CPU;
	f->reason = MS_ERR_CPU_EXCEPTION;
	snprintf(f->detail, sizeof(f->detail),
		 "%s of page %u of mapping '%s': %s",
		 ms_access_name(f->access), i, m->name, why);
	return MS__FAULT_KILL;
}

static enum ms__fault_verdict kill_device(struct ms__devices *ds,
					  const struct dmap *m, uint32_t i,
					  struct ms_fault *f, const char *why)
{
	const struct dpage *pg = &m->pg[i];

	f->kind = MS_FAULT_DEVICE;
	f->reason = MS_ERR_CPU_EXCEPTION;
	if (pg->where == PG_LOST) {
		struct ddev *d = ds->dev[pg->dev];

		d->st.threads_killed++;
		snprintf(f->detail, sizeof(f->detail),
			 "%s of page %u of mapping '%s': it was on device '%s', "
			 "withdrawn at tick %" PRIu64,
			 ms_access_name(f->access), i, m->name, d->name,
			 d->gone_tick);
	} else {
		snprintf(f->detail, sizeof(f->detail),
			 "%s of page %u of mapping '%s': %s",
			 ms_access_name(f->access), i, m->name, why);
	}
	return MS__FAULT_KILL;
}

/* The view did not let an access through that it should have: set it
 * right and retry, once; a second fault with nothing to change is fatal
 * (never loop on a fault). */
static enum ms__fault_verdict resync(struct hostq *q, struct dmap *m,
				     uint32_t i, struct ms_fault *f)
{
	struct dpage *pg = &m->pg[i];
	uint8_t before = pg->vprot, vmap = pg->vmap;

	ms__view_sync(q, m, i);
	if (pg->vprot != before || pg->vmap != vmap)
		return MS__FAULT_RETRY;
	return kill_cpu(m, i, f, "the page does not allow it");
}

static unsigned need_of(enum ms_access access, uint8_t vprot)
{
	switch (access) {
	case MS_ACCESS_READ:
		return MS_PERM_READ;
	case MS_ACCESS_WRITE:
		return MS_PERM_RW;
	case MS_ACCESS_EXEC:
		return MS_PERM_EXEC;
	case MS_ACCESS_UNKNOWN:
		break;
	}
	/* The CPU did not say: a read first, a write if reading is open. */
	return (vprot & MS__PROT_READ) ? MS_PERM_RW : MS_PERM_READ;
}

static enum ms__fault_verdict resolve(struct ms__devices *ds, struct dmap *m,
				      uint32_t i, unsigned need,
				      struct ms_fault *f, struct hostq *q)
{
	struct dpage *pg = &m->pg[i];
	struct ddev *d;
	enum move_err e;
	uint8_t sel;

	if (pg->where == PG_HOLE)
		return kill_cpu(m, i, f, "it is not mapped (a hole)");
	if (pg->where == PG_LOST)
		return kill_device(ds, m, i, f, NULL);
	if (need & MS_PERM_EXEC)
		return kill_cpu(m, i, f, "mapped pages are not executable");
	if ((pg->perm & need) != need)
		return kill_cpu(m, i, f, "the page's rights do not allow it");
	switch (pg->where) {
	case PG_EMPTY:
		/* First touch: the placement policy decides, for the CPU. */
		e = ms__page_place(q, m, i, MS_DEVICE_NONE);
		if (e != MOVE_OK)
			return kill_device(ds, m, i, f, ms__move_text(e));
		return MS__FAULT_RETRY;
	case PG_RAM:
		if ((pg->flags & (PGF_SELECTED | PGF_TOUCHED)) == PGF_SELECTED) {
			/* Under migration: it stays where it is. */
			pg->flags |= PGF_TOUCHED;
			ms__view_sync(q, m, i);
			return MS__FAULT_RETRY;
		}
		return resync(q, m, i, f);
	default:
		break;
	}
	d = ds->dev[pg->dev];
	d->st.cpu_faults++;
	ms__dev_event(ds, MS_EV_DEVICE_FAULT, d->id,
		      (uint64_t)(m->idx + 1) << 32 | i);
	if (d->kind == MS_DEVICE_COHERENT) {
		if ((pg->flags & (PGF_SELECTED | PGF_TOUCHED)) == PGF_SELECTED) {
			pg->flags |= PGF_TOUCHED;
			ms__view_sync(q, m, i);
			return MS__FAULT_RETRY;
		}
		return resync(q, m, i, f);
	}
	/* Private: the CPU cannot reach it there; it comes back, under a
	 * migration or not (the fault does not wait for the migration: a
	 * touched page stays out of it). */
	sel = pg->flags & PGF_SELECTED;
	if (sel)
		pg->flags = (uint8_t)((pg->flags & ~PGF_SELECTED) | PGF_TOUCHED);
	e = ms__page_move(q, m, i, MS_DEVICE_NONE);
	pg->flags |= sel;
	if (e != MOVE_OK) {
		char why[96];

		snprintf(why, sizeof(why), "it could not come back from device '%s': %s",
			 d->name, ms__move_text(e));
		return kill_device(ds, m, i, f, why);
	}
	ms__view_sync(q, m, i);
	return MS__FAULT_RETRY;
}

static enum ms__fault_verdict view_resolve(struct ms_sim *sim, void *ctx,
					   uintptr_t addr,
					   enum ms_access access,
					   struct ms_thread *t,
					   struct ms_fault *f)
{
	struct ms__devices *ds = DEVS(sim);
	struct dmap *m = ctx;
	uint64_t off = addr - (uintptr_t)m->view;
	uint32_t i = (uint32_t)(off / ds->page);
	enum ms__fault_verdict v;
	struct hostq q;

	(void)t;
	f->offset = off;
	snprintf(f->object, sizeof(f->object), "map:%s", m->name);
	ms__clock_advance(sim, MS__COST_FAULT);
	ds->in_fault = true;
	ms__hostq_init(&q, ds);
	v = resolve(ds, m, i, need_of(access, m->pg[i].vprot), f, &q);
	ms__hostq_flush(&q);
	ds->in_fault = false;
	return v;
}

/* ---- mappings ------------------------------------------------------------- */

void ms_map_attr_init(struct ms_map_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->perm = MS_PERM_RW;
	attr->preferred = MS_DEVICE_NONE;
}

static void map_free(struct ms__devices *ds, struct dmap *m)
{
	if (m->region)
		ms__fault_region_remove(ds->sim, m->region);
	if (m->view)
		ms__os_unmap(ds->os, m->view, (size_t)m->npages * ds->page);
	if (m->kview)
		ms__os_unmap(ds->os, m->kview, (size_t)m->npages * ds->page);
	ms__os_close(m->fd);
	g_free(m->pg);
	g_free(m);
}

/* Room for the fault path's events, per page of every mapping. */
static void pend_grow(struct ms__devices *ds, size_t more)
{
	size_t cap = ds->pend_cap + more;

	ds->pend = g_renew(struct devent, ds->pend, cap);
	ds->pend_cap = cap;
}

int ms_mem_map(struct ms_sim *sim, const struct ms_map_attr *attr,
	       ms_map_id *id, void **addr)
{
	struct ms__devices *ds;
	struct ms_thread *t;
	struct dmap *m;
	void *v = NULL, *k = NULL;
	size_t len;
	int ret;

	if (!sim || !attr || !id)
		return -EINVAL;
	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	if (!attr->size || attr->size > MS_MAP_MAX_SIZE ||
	    (attr->perm & ~(unsigned)MS_PERM_RW) ||
	    (attr->preferred != MS_DEVICE_NONE && attr->preferred >= ds->ndev) ||
	    (attr->name && strlen(attr->name) >= MS_MAP_NAME_MAX)) {
		ret = -EINVAL;
		goto out;
	}
	if (ds->nmaps >= MS_MAP_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	len = ms__os_page_round(attr->size);
	m = g_new0(struct dmap, 1);
	m->fd = -1;
	m->idx = ds->maps->len;
	m->npages = (uint32_t)(len / ds->page);
	m->preferred = attr->preferred;
	if (attr->name && attr->name[0])
		snprintf(m->name, sizeof(m->name), "%s", attr->name);
	else
		snprintf(m->name, sizeof(m->name), "%u", m->idx + 1);
	ret = ms__os_memfd(ds->os, "memsim-map", len, &m->fd);
	/* Accessible when made, closed after: memcheck keeps what a
	 * mapping was made as. Nothing is placed yet: all of it faults. */
	if (!ret)
		ret = ms__os_map_fd(ds->os, m->fd, 0, len, MS__PROT_RW, &v);
	if (!ret) {
		m->view = v;
		ret = ms__os_protect(NULL, v, len, MS__PROT_NONE);
	}
	if (!ret)
		ret = ms__os_map_fd(ds->os, m->fd, 0, len, MS__PROT_RW, &k);
	if (!ret) {
		m->kview = k;
		ret = ms__fault_region_add(sim, (uintptr_t)v, len, view_resolve,
					   m, &m->region);
	}
	if (ret) {
		map_free(ds, m);
		goto out;
	}
	m->pg = g_try_new0(struct dpage, m->npages);
	if (!m->pg) {
		map_free(ds, m);
		ret = -ENOMEM;
		goto out;
	}
	ms__os_vg_addressable(v, len);
	for (uint32_t i = 0; i < m->npages; i++) {
		m->pg[i].perm = (uint8_t)attr->perm;
		m->pg[i].vdev = NONE8;
		m->pg[i].mig_dev = NONE8;
	}
	t = ms__current(sim);
	m->grp = ms__grp_get(ds, t ? ms__thread_group(t) : 0);
	g_ptr_array_add(ds->maps, m);
	ds->nmaps++;
	/* a fault logs at most four events: the fault, a migration, and an
	 * eviction with its migration */
	pend_grow(ds, 4 * (size_t)m->npages);
	*id = m->idx + 1;
	if (addr)
		*addr = m->view;
out:
	ms__dev_leave(sim);
	return ret;
}

void *ms_mem_addr(const struct ms_sim *sim, ms_map_id map, uint64_t off)
{
	const struct ms__devices *ds = sim ? DEVS(sim) : NULL;
	const struct dmap *m = ds ? ms__map_get(ds, map) : NULL;

	if (!m || off >= (uint64_t)m->npages * ds->page)
		return NULL;
	return m->view + off;
}

uint64_t ms_mem_size(const struct ms_sim *sim, ms_map_id map)
{
	const struct ms__devices *ds = sim ? DEVS(sim) : NULL;
	const struct dmap *m = ds ? ms__map_get(ds, map) : NULL;

	return m ? (uint64_t)m->npages * ds->page : 0;
}

int ms_mem_lookup(const struct ms_sim *sim, const char *name, ms_map_id *out)
{
	const struct ms__devices *ds = sim ? DEVS(sim) : NULL;

	if (!ds || !name || !out)
		return -EINVAL;
	for (guint i = 0; i < ds->maps->len; i++) {
		const struct dmap *m = g_ptr_array_index(ds->maps, i);

		if (m && strcmp(m->name, name) == 0) {
			*out = m->idx + 1;
			return 0;
		}
	}
	return -ENOENT;
}

int ms__map_pages(const struct ms__devices *ds, const struct dmap *m,
			  uint64_t off, uint64_t len, uint32_t *first,
			  uint32_t *n)
{
	if (!m || !len || off % ds->page || len % ds->page ||
	    off / ds->page > m->npages ||
	    len / ds->page > m->npages - off / ds->page)
		return -EINVAL;
	*first = (uint32_t)(off / ds->page);
	*n = (uint32_t)(len / ds->page);
	return 0;
}

/* The pages a byte range touches (any alignment); -EINVAL. */
static int pages_touched(const struct ms__devices *ds, const struct dmap *m,
			 uint64_t off, uint64_t len, uint32_t *first,
			 uint32_t *n)
{
	uint64_t size;

	if (!m || !len)
		return -EINVAL;
	size = (uint64_t)m->npages * ds->page;
	if (off >= size || len > size - off)
		return -EINVAL;
	*first = (uint32_t)(off / ds->page);
	*n = (uint32_t)((off + len - 1) / ds->page) - *first + 1;
	return 0;
}

int ms_mem_unmap(struct ms_sim *sim, ms_map_id map, uint64_t off,
		 uint64_t len)
{
	struct ms__devices *ds;
	struct hostq q;
	struct dmap *m;
	uint32_t first, n;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	m = ms__map_get(ds, map);
	ret = ms__map_pages(ds, m, off, len, &first, &n);
	for (uint32_t i = first; !ret && i < first + n; i++)
		if (m->pg[i].pin_short || m->pg[i].pin_long)
			ret = -EBUSY;
	if (ret)
		goto out;
	ms__hostq_init(&q, ds);
	for (uint32_t i = first; i < first + n; i++) {
		if (m->pg[i].where == PG_HOLE)
			continue;
		ms__page_release(&q, m, i);
		m->holes++;
	}
	ms__hostq_flush(&q);
	if (m->holes == m->npages) {
		g_ptr_array_index(ds->maps, m->idx) = NULL;
		ds->nmaps--;
		map_free(ds, m);
	}
out:
	ms__dev_leave(sim);
	return ret;
}

int ms_mem_protect(struct ms_sim *sim, ms_map_id map, uint64_t off,
		   uint64_t len, unsigned perm)
{
	struct ms__devices *ds;
	struct hostq q;
	struct dmap *m;
	uint32_t first, n;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	m = ms__map_get(ds, map);
	ret = ms__map_pages(ds, m, off, len, &first, &n);
	if (!ret && perm != MS_PERM_NONE && perm != MS_PERM_READ &&
	    perm != MS_PERM_RW)
		ret = -EINVAL;
	for (uint32_t i = first; !ret && i < first + n; i++)
		if (m->pg[i].where == PG_HOLE)
			ret = -EFAULT;
	if (ret)
		goto out;
	ms__hostq_init(&q, ds);
	for (uint32_t i = first; i < first + n; i++) {
		m->pg[i].perm = (uint8_t)perm;
		ms__view_sync(&q, m, i);
	}
	ms__hostq_flush(&q);
out:
	ms__dev_leave(sim);
	return ret;
}

void ms__page_lose(struct ms__devices *ds, struct dmap *m, uint32_t i)
{
	struct dpage *pg = &m->pg[i];
	struct ddev *d = ds->dev[pg->dev];
	struct hostq q;

	if (pg->pin_short || pg->pin_long)
		d->npinned--;
	pg->pin_short = 0;
	pg->pin_long = 0;
	pg->where = PG_LOST;
	pg->flags = 0;
	m->grp->dev[d->id]--;
	m->grp->pages--;
	d->st.pages_lost++;
	/* Its view must fault from now on and reach nothing of the device:
	 * back to its own (punched) page of the mapping's memfd, closed. */
	ms__hostq_init(&q, ds);
	ms__view_sync(&q, m, i);
	ms__hostq_flush(&q);
}

void ms__maps_fini(struct ms__devices *ds)
{
	for (guint i = 0; i < ds->maps->len; i++) {
		struct dmap *m = g_ptr_array_index(ds->maps, i);

		if (m)
			map_free(ds, m);
	}
	g_ptr_array_free(ds->maps, TRUE);
	g_hash_table_destroy(ds->groups);
	g_free(ds->pend);
}

/* ---- the CPU's touches --------------------------------------------------- */

/*
 * One word of each page, loaded (and stored plus one): the accesses of the
 * calling thread's CPU. They may fault on purpose (a lost page, a hole):
 * "deliberate" is what the Valgrind suppressions look for.
 */
static __attribute__((noinline)) void
ms__deliberate_map_touch(uint8_t *base, size_t page, uint32_t first,
			 uint32_t n, bool write)
{
	for (uint32_t i = first; i < first + n; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(void *)
				       (base + (size_t)i * page);

		if (write)
			*w = *w + 1;
		else
			(void)*w;
	}
}

int ms_mem_touch(struct ms_sim *sim, ms_map_id map, uint64_t off,
		 uint64_t len, enum ms_access access)
{
	struct ms__devices *ds;
	struct dmap *m;
	uint32_t first, n;

	if (!sim || (access != MS_ACCESS_READ && access != MS_ACCESS_WRITE))
		return -EINVAL;
	ds = DEVS(sim);
	m = ms__map_get(ds, map);
	if (pages_touched(ds, m, off, len, &first, &n))
		return -EINVAL;
	/* Outside a run of this sim no fault path would resolve the
	 * accesses: a page not accessible would take the host down. */
	if (ms_sim_running() != sim)
		return -EPERM;
	ms__dev_flush(ds);
	ms__deliberate_map_touch(m->view, ds->page, first, n,
				 access == MS_ACCESS_WRITE);
	ms__dev_flush(ds);
	return 0;
}

/* ---- where a page's bytes are -------------------------------------------- */

/* The page's memory as the kernel reaches it, or NULL (not placed). */
static uint8_t *page_mem(const struct ms__devices *ds, const struct dmap *m,
			 uint32_t i)
{
	const struct dpage *pg = &m->pg[i];

	if (pg->where == PG_RAM)
		return m->kview + (size_t)i * ds->page;
	if (pg->where == PG_DEV)
		return ds->dev[pg->dev]->dview + (size_t)pg->frame * ds->page;
	return NULL;
}

static int holes_or_lost(const struct dmap *m, uint32_t first, uint32_t n)
{
	for (uint32_t i = first; i < first + n; i++) {
		if (m->pg[i].where == PG_HOLE)
			return -EFAULT;
		if (m->pg[i].where == PG_LOST)
			return -EIO;
	}
	return 0;
}

static int peek_poke(struct ms_sim *sim, ms_map_id map, uint64_t off,
		     uint8_t *buf, size_t len, bool write)
{
	struct ms__devices *ds;
	struct hostq q;
	struct dmap *m;
	uint32_t first, n;
	int ret;

	if (!sim || (!buf && len))
		return -EINVAL;
	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	m = ms__map_get(ds, map);
	ret = pages_touched(ds, m, off, len, &first, &n);
	if (!ret)
		ret = holes_or_lost(m, first, n);
	if (ret)
		goto out;
	ms__hostq_init(&q, ds);
	for (uint64_t o = off; o < off + len;) {
		uint32_t i = (uint32_t)(o / ds->page);
		size_t in = o % ds->page;
		size_t chunk = MIN(ds->page - in, off + len - o);
		uint8_t *p;

		if (write && m->pg[i].where == PG_EMPTY) {
			enum move_err e = ms__page_place(&q, m, i,
							 MS_DEVICE_NONE);

			if (e != MOVE_OK) {
				ret = ms__move_errno(e);
				break;
			}
		}
		p = page_mem(ds, m, i);
		if (write) {
			memcpy(p + in, buf + (o - off), chunk);
			if (m->pg[i].flags & PGF_SELECTED)
				m->pg[i].flags |= PGF_TOUCHED;
		} else if (p) {
			memcpy(buf + (o - off), p + in, chunk);
		} else {
			memset(buf + (o - off), 0, chunk);
		}
		o += chunk;
	}
	ms__hostq_flush(&q);
out:
	ms__dev_leave(sim);
	return ret;
}

int ms_mem_peek(struct ms_sim *sim, ms_map_id map, uint64_t off, void *buf,
		size_t len)
{
	return peek_poke(sim, map, off, buf, len, false);
}

int ms_mem_poke(struct ms_sim *sim, ms_map_id map, uint64_t off,
		const void *buf, size_t len)
{
	return peek_poke(sim, map, off, (uint8_t *)(uintptr_t)buf, len, true);
}

/* ---- the device at work -------------------------------------------------- */

static int access_check(const struct dmap *m, uint32_t first, uint32_t n,
			bool write)
{
	int ret = holes_or_lost(m, first, n);

	for (uint32_t i = first; !ret && i < first + n; i++) {
		if (!(m->pg[i].perm & MS_PERM_READ))
			return -EFAULT;
		if (write && !(m->pg[i].perm & MS_PERM_WRITE))
			return -EPERM;
	}
	return ret;
}

static uint64_t bw_ticks(size_t bytes, uint32_t bw)
{
	return (bytes + bw - 1) / bw;
}

/*
 * Device d is about to reach page i: bring it where d can reach it, as the
 * migration policy says. 0, or a negative errno if d cannot reach it.
 * *local: it is in d's memory now.
 */
static int reach(struct ms__devices *ds, struct ddev *d, struct dmap *m,
		 uint32_t i, enum ms_access acc, struct hostq *q, bool *local)
{
	const struct dpolicy *mp = &ds->pol[MS_DEVPOL_MIGRATION];
	struct dpage *pg = &m->pg[i];
	struct ms_access_query aq;
	enum move_err e;

	*local = false;
	if (pg->where == PG_EMPTY) {
		e = ms__page_place(q, m, i, d->id);
		if (e != MOVE_OK)
			return ms__move_errno(e);
	}
	if (pg->where == PG_DEV && pg->dev == d->id) {
		*local = true;
		return 0;
	}
	d->st.device_faults++;
	ms__clock_advance(ds->sim, MS__COST_DEVICE_FAULT);
	if (pg->where == PG_DEV &&
	    ds->dev[pg->dev]->kind == MS_DEVICE_PRIVATE) {
		/* Another device's private memory: it comes to system RAM
		 * first (hmm_range_fault faults it back). */
		e = ms__page_move(q, m, i, MS_DEVICE_NONE);
		if (e != MOVE_OK && !(pg->flags & PGF_SELECTED))
			return ms__move_errno(e);
	}
	if (pg->hit_dev != d->id) {
		pg->hit_dev = (uint8_t)d->id;
		pg->hits = 0;
	}
	pg->hits++;
	aq.device = d->id;
	aq.where = pg->where == PG_DEV ? pg->dev : MS_DEVICE_NONE;
	aq.hits = pg->hits;
	aq.threshold = mp->params.threshold;
	aq.access = acc;
	if (mp->act && mp->act->migrate(mp->state, &aq) &&
	    ms__page_move(q, m, i, d->id) == MOVE_OK)
		*local = true;
	return 0;
}

static int device_work(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		       uint64_t off, uint64_t len, enum ms_access acc,
		       uint8_t *buf)
{
	struct ms__devices *ds;
	struct hostq q;
	struct ddev *d;
	struct dmap *m;
	uint32_t first, n;
	bool write = acc == MS_ACCESS_WRITE;
	int ret;

	if (!sim || (acc != MS_ACCESS_READ && acc != MS_ACCESS_WRITE))
		return -EINVAL;
	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	m = ms__map_get(ds, map);
	ret = pages_touched(ds, m, off, len, &first, &n);
	if (!ret)
		ret = dev < ds->ndev ? ms__dev_ready(ds, dev, &d) : -EINVAL;
	if (!ret)
		ret = access_check(m, first, n, write);
	if (ret)
		goto out;
	ms__hostq_init(&q, ds);
	for (uint32_t i = first; i < first + n; i++) {
		uint64_t lo = MAX(off, (uint64_t)i * ds->page);
		uint64_t hi = MIN(off + len, (uint64_t)(i + 1) * ds->page);
		size_t in = lo % ds->page, chunk = (size_t)(hi - lo);
		bool local;
		uint8_t *p;

		ret = reach(ds, d, m, i, acc, &q, &local);
		if (ret)
			break;
		if (local) {
			d->st.local_accesses++;
			ms__page_accessed(d, m->pg[i].frame);
			ms__clock_advance(sim, bw_ticks(chunk, d->local_bw));
		} else {
			d->st.remote_accesses++;
			ms__clock_advance(sim, bw_ticks(chunk, d->remote_bw));
		}
		p = page_mem(ds, m, i);
		if (buf && write)
			memcpy(p + in, buf + (lo - off), chunk);
		else if (buf)
			memcpy(buf + (lo - off), p + in, chunk);
		else if (write)
			((uint64_t *)(void *)p)[0]++;
		else
			(void)*(volatile uint64_t *)(void *)p;
		/* a copy taken by a migration under way is stale now */
		if (write && (m->pg[i].flags & PGF_SELECTED))
			m->pg[i].flags |= PGF_TOUCHED;
	}
	ms__hostq_flush(&q);
out:
	ms__dev_leave(sim);
	return ret;
}

int ms_device_access(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		     uint64_t off, uint64_t len, enum ms_access access)
{
	return device_work(sim, dev, map, off, len, access, NULL);
}

int ms_device_read(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		   uint64_t off, void *buf, size_t len)
{
	if (!buf)
		return -EINVAL;
	return device_work(sim, dev, map, off, len, MS_ACCESS_READ, buf);
}

int ms_device_write(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		    uint64_t off, const void *buf, size_t len)
{
	if (!buf)
		return -EINVAL;
	return device_work(sim, dev, map, off, len, MS_ACCESS_WRITE,
			   (uint8_t *)(uintptr_t)buf);
}

/* ---- snapshots ------------------------------------------------------------ */

static uint16_t snap_of(const struct ms__devices *ds, ms_device_id dev,
			const struct dpage *pg)
{
	uint16_t rights = 0, s = 0;
	const struct ddev *d;

	if (pg->where == PG_HOLE)
		return MS_SNAP_ERROR;
	if (pg->perm & MS_PERM_READ)
		rights |= MS_SNAP_READ;
	if (pg->perm & MS_PERM_WRITE)
		rights |= MS_SNAP_WRITE;
	if (pg->pin_short || pg->pin_long)
		s |= MS_SNAP_PINNED;
	switch (pg->where) {
	case PG_EMPTY:
		return s | (rights ? rights | MS_SNAP_EMPTY : MS_SNAP_NONE);
	case PG_RAM:
		return s | (rights ? rights | MS_SNAP_RAM : MS_SNAP_NONE);
	case PG_LOST:
		return s | MS_SNAP_NONE | MS_SNAP_LOST;
	default:
		break;
	}
	d = ds->dev[pg->dev];
	if (!rights)
		return s | MS_SNAP_NONE;
	if (d->kind == MS_DEVICE_COHERENT)
		return s | rights | (pg->dev == dev ? MS_SNAP_DEV_COHERENT_LOCAL :
				     MS_SNAP_DEV_COHERENT_REMOTE);
	/* another device's private memory is out of reach, as test_hmm's
	 * snapshot reports it */
	if (pg->dev != dev)
		return s | MS_SNAP_NONE | MS_SNAP_DEV_PRIVATE_REMOTE;
	return s | rights | MS_SNAP_DEV_PRIVATE_LOCAL;
}

int ms_mem_snapshot(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		    uint64_t off, uint32_t npages, uint16_t *out)
{
	struct ms__devices *ds;
	struct dmap *m;
	uint32_t first, n;

	if (!sim || !out)
		return -EINVAL;
	ds = DEVS(sim);
	m = ms__map_get(ds, map);
	if (dev != MS_DEVICE_NONE && dev >= ds->ndev)
		return -EINVAL;
	if (ms__map_pages(ds, m, off, (uint64_t)npages * ds->page, &first,
			   &n))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		out[i] = snap_of(ds, dev, &m->pg[first + i]);
	return 0;
}
