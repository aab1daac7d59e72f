/* SPDX-License-Identifier: MIT */
/*
 * Devices and their memory blocks: the subsystem, declaring a device,
 * onlining and offlining blocks, surprise withdrawal.
 *
 * What it models: memory hotplug as Linux does it for device memory
 * (Documentation/admin-guide/mm/memory-hotplug.rst): the memory is added
 * when the device initialises, then made usable block by block (onlined);
 * offlining hides a block again after moving what is on it; removing the
 * device removes the memory. A device that disappears without asking (a
 * surprise removal) takes its contents with it.
 *
 * The memory is host memory: a memfd of the device's size, created when
 * the device first does anything at or after its init tick (before that it
 * does not exist: no memfd, no mapping), mapped once as the kernel's view.
 * A block that is not online is PROT_NONE in that view and its range of
 * the memfd is punched out, so it holds no host memory and kernel code
 * that reaches it faults (attributed by the resolver here).
 *
 * Invariants: see device_priv.h. Every call validates before it changes
 * anything, except an offline, which keeps what it moved when it fails (as
 * Linux's offline_pages does).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/subsys.h"
#include "fault/fault.h"
#include "mem/device/device_priv.h"

/* ---- names ----------------------------------------------------------------- */

const char *ms_device_kind_name(enum ms_device_kind kind)
{
	switch (kind) {
	case MS_DEVICE_PRIVATE: return "private";
	case MS_DEVICE_COHERENT: return "coherent";
	}
	return "?";
}

const char *ms_block_state_name(enum ms_block_state st)
{
	switch (st) {
	case MS_BLOCK_ABSENT: return "absent";
	case MS_BLOCK_OFFLINE: return "offline";
	case MS_BLOCK_ONLINE: return "online";
	case MS_BLOCK_ONLINE_KERNEL: return "online-kernel";
	case MS_BLOCK_GOING_OFFLINE: return "going-offline";
	case MS_BLOCK_GONE: return "gone";
	}
	return "?";
}

/* ---- kernel entry ---------------------------------------------------------- */

int ms__dev_enter(struct ms_sim *sim, struct ms__devices **ds)
{
	if (!sim)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	*ds = DEVS(sim);
	/* What the fault path kept comes first in the log. */
	ms__dev_flush(*ds);
	if (ms__current(sim))
		ms__kernel_enter(sim, MS__COST_KERNEL_ENTRY);
	return 0;
}

void ms__dev_leave(struct ms_sim *sim)
{
	if (ms__current(sim))
		ms__kernel_exit(sim);
}

/* ---- the memory ------------------------------------------------------------ */

/*
 * A fault in a device's kernel view: kernel code reached memory of a block
 * that is not online, or of a device that is gone. Whoever did it dies;
 * nothing is read.
 */
static enum ms__fault_verdict dview_resolve(struct ms_sim *sim, void *ctx,
					    uintptr_t addr,
					    enum ms_access access,
					    struct ms_thread *t,
					    struct ms_fault *f)
{
	struct ddev *d = ctx;
	uint64_t off = addr - (uintptr_t)d->dview;
	uint32_t b = (uint32_t)(off / d->block_size);

	f->kind = MS_FAULT_DEVICE;
	f->reason = MS_ERR_CPU_EXCEPTION;
	f->offset = off;
	snprintf(f->object, sizeof(f->object), "device:%s", d->name);
	snprintf(f->detail, sizeof(f->detail),
		 "%s of device '%s' memory at offset %#" PRIx64 ": block %u is %s",
		 ms_access_name(access), d->name, off, b,
		 ms_block_state_name((enum ms_block_state)d->bstate[b]));
	if (d->state == MS_DEVICE_WITHDRAWN)
		d->st.threads_killed++;
	return MS__FAULT_KILL;
}

/* The device initialises: its memory exists from now on, every block
 * offline. Called by the first operation at or after its init tick. */
static int materialise(struct ddev *d)
{
	struct ms__devices *ds = d->ds;
	void *v = NULL;
	int ret;

	if (d->state != MS_DEVICE_ABSENT)
		return 0;
	if (ms__now(ds->sim) < d->init_tick)
		return -ENODEV;
	ret = ms__os_memfd(ds->os, d->memfd_name, d->size, &d->fd);
	if (ret)
		return ret;
	/* Mapped accessible first, then closed: memcheck takes what a
	 * mapping was when it was made as what it is. */
	ret = ms__os_map_fd(ds->os, d->fd, 0, d->size, MS__PROT_RW, &v);
	if (!ret) {
		ret = ms__os_protect(NULL, v, d->size, MS__PROT_NONE);
		if (ret)
			ms__os_unmap(ds->os, v, d->size);
	}
	if (ret) {
		ms__os_close(d->fd);
		d->fd = -1;
		return ret;
	}
	d->dview = v;
	ret = ms__fault_region_add(ds->sim, (uintptr_t)v, d->size,
				   dview_resolve, d, &d->region);
	if (ret) {
		ms__os_unmap(ds->os, v, d->size);
		ms__os_close(d->fd);
		d->fd = -1;
		d->dview = NULL;
		return ret;
	}
	memset(d->bstate, MS_BLOCK_OFFLINE, d->nblocks);
	d->state = MS_DEVICE_PRESENT;
	return 0;
}

static void *block_addr(const struct ddev *d, uint32_t b)
{
	return d->dview + (size_t)b * d->block_size;
}

/* ---- declaring devices ----------------------------------------------------- */

static void dev_free(struct ms__devices *ds, struct ddev *d);

void ms_device_attr_init(struct ms_device_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->kind = MS_DEVICE_PRIVATE;
	attr->offline_retries = 3;
	attr->retry_ticks = 1000;
}

static bool name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	return len > 0 && len < MS_DEVICE_NAME_MAX;
}

int ms_device_lookup(const struct ms_sim *sim, const char *name,
		     ms_device_id *out)
{
	const struct ms__devices *ds = sim ? DEVS(sim) : NULL;

	if (!ds || !name || !out)
		return -EINVAL;
	for (uint32_t i = 0; i < ds->ndev; i++) {
		if (strcmp(ds->dev[i]->name, name) == 0) {
			*out = i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *ms_device_name(const struct ms_sim *sim, ms_device_id dev)
{
	const struct ddev *d = sim ? ms__dev_get(DEVS(sim), dev) : NULL;

	return d ? d->name : NULL;
}

uint32_t ms_device_count(const struct ms_sim *sim)
{
	return sim ? DEVS(sim)->ndev : 0;
}

static int attr_check(const struct ms__devices *ds,
		      const struct ms_device_attr *a, uint64_t *bs)
{
	*bs = a->block_size ? a->block_size : a->size;
	if (!name_ok(a->name) || !a->size)
		return -EINVAL;
	if (a->kind != MS_DEVICE_PRIVATE && a->kind != MS_DEVICE_COHERENT)
		return -EINVAL;
	if (*bs % ds->page || a->size % *bs)
		return -EINVAL;
	if (a->size / ds->page > MS_DEVICE_MAX_FRAMES)
		return -EINVAL;
	return 0;
}

int ms_device_add(struct ms_sim *sim, const struct ms_device_attr *attr,
		  ms_device_id *out)
{
	struct ms__devices *ds;
	struct ddev *d;
	uint64_t bs;
	ms_device_id id;
	int ret;

	if (!sim || !attr || !out)
		return -EINVAL;
	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	ret = attr_check(ds, attr, &bs);
	if (!ret && ms_device_lookup(sim, attr->name, &id) == 0)
		ret = -EEXIST;
	if (!ret && ds->ndev >= MS_DEVICE_MAX)
		ret = -ENOSPC;
	if (ret) {
		ms__dev_leave(sim);
		return ret;
	}
	d = g_new0(struct ddev, 1);
	d->ds = ds;
	d->id = ds->ndev;
	snprintf(d->name, sizeof(d->name), "%s", attr->name);
	d->kind = attr->kind;
	d->state = MS_DEVICE_ABSENT;
	d->size = attr->size;
	d->block_size = bs;
	d->init_tick = attr->init_tick;
	d->retries = attr->offline_retries;
	d->retry_ticks = attr->retry_ticks;
	d->copy_bw = attr->copy_bandwidth ? attr->copy_bandwidth :
		     MS_DEVICE_COPY_BANDWIDTH;
	d->local_bw = attr->local_bandwidth ? attr->local_bandwidth :
		      MS_DEVICE_LOCAL_BANDWIDTH;
	d->remote_bw = attr->remote_bandwidth ? attr->remote_bandwidth :
		       MS_DEVICE_REMOTE_BANDWIDTH;
	d->nblocks = (uint32_t)(attr->size / bs);
	d->frames_per_block = (uint32_t)(bs / ds->page);
	d->nframes = (uint32_t)(attr->size / ds->page);
	d->fd = -1;
	/* per-frame tables: a large device is refused, not fatal */
	d->bstate = g_try_malloc0(d->nblocks);	/* MS_BLOCK_ABSENT */
	d->rmap = g_try_new0(uint32_t, d->nframes);
	d->rpage = g_try_new0(uint32_t, d->nframes);
	d->fflags = g_try_malloc0(d->nframes);
	/* Unique in the process while the device lives: the check for
	 * leftover mappings (dangling_mappings) finds it by this name. */
	snprintf(d->memfd_name, sizeof(d->memfd_name), "memsim-device-%p",
		 (void *)d);
	d->st.id = d->id;
	d->st.kind = d->kind;
	d->st.blocks = d->nblocks;
	d->st.frames = d->nframes;
	ds->dev[ds->ndev++] = d;
	ret = d->bstate && d->rmap && d->rpage && d->fflags ?
	      ms__evict_attach(ds, d) : -ENOMEM;
	if (ret) {
		ds->ndev--;
		dev_free(ds, d);
	} else {
		*out = d->id;
	}
	ms__dev_leave(sim);
	return ret;
}

/* ---- blocks ---------------------------------------------------------------- */

static int range_of(const struct ddev *d, uint32_t first, uint32_t n,
		    uint32_t *end)
{
	if (n == 0 || first >= d->nblocks)
		return -EINVAL;
	if (n == MS_DEVICE_ALL_BLOCKS)
		n = d->nblocks - first;
	if (n > d->nblocks - first)
		return -EINVAL;
	*end = first + n;
	return 0;
}

int ms__dev_ready(struct ms__devices *ds, ms_device_id dev, struct ddev **out)
{
	struct ddev *d = ms__dev_get(ds, dev);
	int ret;

	if (!d)
		return -ENOENT;
	if (d->state == MS_DEVICE_WITHDRAWN)
		return -ENODEV;
	ret = materialise(d);
	if (ret)
		return ret;
	*out = d;
	return 0;
}

int ms_device_block_state(struct ms_sim *sim, ms_device_id dev, uint32_t block,
			  enum ms_block_state *out)
{
	struct ddev *d;

	if (!sim || !out)
		return -EINVAL;
	d = ms__dev_get(DEVS(sim), dev);
	if (!d)
		return -ENOENT;
	if (block >= d->nblocks)
		return -EINVAL;
	/* A device whose time has come but that nobody has asked yet is
	 * present all the same: its blocks are offline. */
	if (d->state == MS_DEVICE_ABSENT)
		*out = ms__now(sim) >= d->init_tick ? MS_BLOCK_OFFLINE :
						      MS_BLOCK_ABSENT;
	else
		*out = (enum ms_block_state)d->bstate[block];
	return 0;
}

/* Open block b's memory for use: accessible in the kernel's view (its
 * pages come into existence, zero, as they are first touched). */
int ms__dev_block_open(struct ddev *d, uint32_t b)
{
	return ms__os_protect(NULL, block_addr(d, b), d->block_size,
			      MS__PROT_RW);
}

/* Close block b: inaccessible, its host memory given back. */
void ms__dev_block_close(struct ddev *d, uint32_t b)
{
	if (ms__os_protect(NULL, block_addr(d, b), d->block_size,
			   MS__PROT_NONE))
		ms__log_warn("device %s: cannot close block %u", d->name, b);
	ms__os_fd_punch(NULL, d->fd, (size_t)b * d->block_size,
			d->block_size);
	ms__os_vg_addressable(block_addr(d, b), d->block_size);
}

int ms_device_online(struct ms_sim *sim, ms_device_id dev, uint32_t first,
		     uint32_t n)
{
	struct ms__devices *ds;
	struct ddev *d;
	uint32_t end, done = 0;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	ret = ms__dev_ready(ds, dev, &d);
	if (!ret)
		ret = range_of(d, first, n, &end);
	for (uint32_t b = first; !ret && b < end; b++)
		if (d->bstate[b] == MS_BLOCK_ONLINE_KERNEL ||
		    d->bstate[b] == MS_BLOCK_GOING_OFFLINE)
			ret = -EBUSY;
	for (uint32_t b = first; !ret && b < end; b++) {
		if (d->bstate[b] != MS_BLOCK_OFFLINE)
			continue;
		ret = ms__dev_block_open(d, b);
		if (ret)
			break;
		d->bstate[b] = MS_BLOCK_ONLINE;
		d->nfree += d->frames_per_block;
		d->st.onlines++;
		ms__clock_advance(sim, MS__COST_HOTPLUG_BLOCK);
		done++;
	}
	if (done)
		ms__event(sim, MS_EV_DEVICE_ONLINE, ms__current(sim) ?
			  ms__thread_tid(ms__current(sim)) : MS_TID_NONE,
			  d->id, done);
	ms__dev_leave(sim);
	return ret;
}

/*
 * One pass of an offline over blocks [b0, b1), GOING_OFFLINE: every page
 * on them to system RAM. Returns how many stayed, and in *why the reason
 * that decides the errno (room, over pins and busy pages).
 */
static uint32_t offline_pass(struct ddev *d, uint32_t b0, uint32_t b1,
			     enum move_err *why)
{
	struct ms__devices *ds = d->ds;
	uint32_t left = 0;
	struct hostq q;

	ms__hostq_init(&q, ds);
	for (uint32_t f = b0 * d->frames_per_block;
	     f < b1 * d->frames_per_block; f++) {
		enum move_err e;

		if (!d->rmap[f])
			continue;
		if (d->fflags[f] & FR_RESERVED) {
			/* a migration's copy, waiting to be committed */
			e = MOVE_BUSY;
		} else {
			e = ms__page_move(&q, ms__map_get(ds, d->rmap[f]),
					  d->rpage[f], MS_DEVICE_NONE);
		}
		if (e == MOVE_OK)
			continue;
		left++;
		if (*why == MOVE_OK || e == MOVE_NORAM || e == MOVE_QUOTA)
			*why = e;
	}
	ms__hostq_flush(&q);
	return left;
}

/* Free frames of block b (not counted in nfree while it is not online). */
static uint32_t block_free(const struct ddev *d, uint32_t b)
{
	uint32_t n = 0, f0 = b * d->frames_per_block;

	for (uint32_t f = f0; f < f0 + d->frames_per_block; f++)
		n += d->rmap[f] == 0;
	return n;
}

/* Blocks of [first, end) in state `from` go to `to`, nfree following. */
static void blocks_set(struct ddev *d, uint32_t first, uint32_t end,
		       enum ms_block_state from, enum ms_block_state to)
{
	for (uint32_t b = first; b < end; b++) {
		if (d->bstate[b] != from)
			continue;
		if (from == MS_BLOCK_ONLINE)
			d->nfree -= block_free(d, b);
		if (to == MS_BLOCK_ONLINE)
			d->nfree += block_free(d, b);
		d->bstate[b] = (uint8_t)to;
	}
}

int ms_device_offline(struct ms_sim *sim, ms_device_id dev, uint32_t first,
		      uint32_t n)
{
	struct ms__devices *ds;
	enum move_err why = MOVE_OK;
	struct ddev *d;
	uint32_t end, done = 0, left = 0;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	ret = ms__dev_ready(ds, dev, &d);
	if (!ret)
		ret = range_of(d, first, n, &end);
	for (uint32_t b = first; !ret && b < end; b++)
		if (d->bstate[b] == MS_BLOCK_GOING_OFFLINE)
			ret = -EBUSY;
	if (!ret)
		ret = ms__regions_check(ds, d, first, end);
	if (ret)
		goto out;
	/* No new page or allocation goes there while the pages leave and
	 * the allocations are freed. */
	blocks_set(d, first, end, MS_BLOCK_ONLINE, MS_BLOCK_GOING_OFFLINE);
	for (uint32_t pass = 0;; pass++) {
		uint32_t live = ms__regions_going(ds, d, first, end, true);

		why = MOVE_OK;
		left = offline_pass(d, first, end, &why);
		if (live && why == MOVE_OK)
			why = MOVE_BUSY;
		left += live;
		if (!left || pass >= d->retries)
			break;
		d->st.offline_retries++;
		/* Short-term pins and migrations under way may end
		 * meanwhile; the host has nobody to wait for. */
		if (ms__current(sim))
			ms__wait(sim, &ds->retryq, (int64_t)d->retry_ticks);
		if (d->state != MS_DEVICE_PRESENT) {
			ret = -ENODEV;	/* withdrawn while we waited */
			goto out;
		}
	}
	if (left) {
		blocks_set(d, first, end, MS_BLOCK_GOING_OFFLINE,
			   MS_BLOCK_ONLINE);
		ms__regions_going(ds, d, first, end, false);
		d->st.offline_busy++;
		ret = why == MOVE_NORAM || why == MOVE_QUOTA ? -ENOMEM : -EBUSY;
		goto out;
	}
	done = ms__regions_remove(ds, d, first, end);
	for (uint32_t b = first; b < end; b++) {
		if (d->bstate[b] != MS_BLOCK_GOING_OFFLINE)
			continue;
		ms__dev_block_close(d, b);
		d->bstate[b] = MS_BLOCK_OFFLINE;
		d->st.offlines++;
		ms__clock_advance(sim, MS__COST_HOTPLUG_BLOCK);
		done++;
	}
	if (done)
		ms__event(sim, MS_EV_DEVICE_OFFLINE, ms__current(sim) ?
			  ms__thread_tid(ms__current(sim)) : MS_TID_NONE,
			  d->id, done);
out:
	ms__dev_leave(sim);
	return ret;
}

/* Give the device's memory back to the host, keeping its address range
 * reserved and faulting (stale kernel pointers into it must not land in
 * whatever the host maps there next). */
static void memory_release(struct ddev *d)
{
	if (d->dview && ms__os_reserve_at(NULL, d->dview, d->size))
		ms__log_warn("device %s: cannot reserve its range", d->name);
	if (d->dview)
		ms__os_vg_addressable(d->dview, d->size);
	ms__os_close(d->fd);
	d->fd = -1;
}

int ms_device_withdraw(struct ms_sim *sim, ms_device_id dev)
{
	struct ms__devices *ds;
	struct ddev *d;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	d = ms__dev_get(ds, dev);
	if (!d) {
		ms__dev_leave(sim);
		return -ENOENT;
	}
	if (d->state == MS_DEVICE_WITHDRAWN) {
		ms__dev_leave(sim);
		return -ENODEV;
	}
	d->state = MS_DEVICE_WITHDRAWN;
	d->gone_tick = ms__now(sim);
	/* Every page on it is lost; its views are closed over the
	 * mappings' own memory before the device's goes. Frames a
	 * migration's copy holds go with it (finalize sees the device
	 * gone). */
	for (uint32_t f = 0; f < d->nframes; f++)
		if (d->rmap[f] && !(d->fflags[f] & FR_RESERVED))
			ms__page_lose(ds, ms__map_get(ds, d->rmap[f]),
				      d->rpage[f]);
	ms__evict_detach(ds, d);
	ms__regions_lose(ds, d);
	memset(d->rmap, 0, sizeof(*d->rmap) * d->nframes);
	memset(d->rpage, 0, sizeof(*d->rpage) * d->nframes);
	memset(d->fflags, 0, d->nframes);
	d->nused = 0;
	d->npinned = 0;
	memory_release(d);
	memset(d->bstate, MS_BLOCK_GONE, d->nblocks);
	d->nfree = 0;
	ms__event(sim, MS_EV_DEVICE_WITHDRAW, ms__current(sim) ?
		  ms__thread_tid(ms__current(sim)) : MS_TID_NONE, d->id,
		  d->st.pages_lost);
	ms__dev_leave(sim);
	return 0;
}

/* ---- statistics ------------------------------------------------------------ */

/*
 * View pages that map d's memory but should not: the page is not on that
 * frame of d, or d is gone, or the frame's block is not online. For a
 * withdrawn device, also every mapping the host still has of its memfd
 * (the host's own word on it, from /proc/self/maps). Must be 0.
 */
static uint64_t dangling(const struct ms__devices *ds, const struct ddev *d)
{
	uint64_t n = 0;

	for (guint k = 0; k < ds->maps->len; k++) {
		const struct dmap *m = g_ptr_array_index(ds->maps, k);

		for (uint32_t i = 0; m && i < m->npages; i++) {
			const struct dpage *pg = &m->pg[i];

			if (pg->vmap != VM_DEV || pg->vdev != d->id)
				continue;
			if (d->state != MS_DEVICE_PRESENT ||
			    pg->where != PG_DEV || pg->dev != d->id ||
			    pg->frame != pg->vframe ||
			    (d->bstate[ms__dev_block_of(d, pg->vframe)] !=
			     MS_BLOCK_ONLINE &&
			     d->bstate[ms__dev_block_of(d, pg->vframe)] !=
			     MS_BLOCK_GOING_OFFLINE))
				n++;
		}
	}
	if (d->state == MS_DEVICE_WITHDRAWN) {
		long h = ms__os_memfd_mappings(d->memfd_name);

		if (h > 0)
			n += (uint64_t)h;
	}
	return n;
}

int ms_device_stats_get(struct ms_sim *sim, ms_device_id dev,
			struct ms_device_stats *out)
{
	struct ddev *d;

	if (!sim || !out)
		return -EINVAL;
	d = ms__dev_get(DEVS(sim), dev);
	if (!d)
		return -ENOENT;
	*out = d->st;
	out->state = d->state;
	if (d->state == MS_DEVICE_ABSENT && ms__now(sim) >= d->init_tick)
		out->state = MS_DEVICE_PRESENT;
	out->blocks_online = 0;
	out->frames_online = 0;
	out->frames_kernel = 0;
	for (uint32_t b = 0; b < d->nblocks; b++) {
		if (d->bstate[b] == MS_BLOCK_ONLINE ||
		    d->bstate[b] == MS_BLOCK_GOING_OFFLINE) {
			out->blocks_online++;
			out->frames_online += d->frames_per_block;
		} else if (d->bstate[b] == MS_BLOCK_ONLINE_KERNEL) {
			out->blocks_online++;
			out->frames_kernel += d->frames_per_block;
		}
	}
	out->frames_used = d->nused;
	out->frames_pinned = d->npinned;
	out->dangling_mappings = dangling(DEVS(sim), d);
	return 0;
}

/* ---- the subsystem --------------------------------------------------------- */

static void dev_free(struct ms__devices *ds, struct ddev *d)
{
	ms__evict_detach(ds, d);
	if (d->region)
		ms__fault_region_remove(ds->sim, d->region);
	if (d->dview)
		ms__os_unmap(ds->os, d->dview, d->size);
	ms__os_close(d->fd);
	g_free(d->bstate);
	g_free(d->rmap);
	g_free(d->rpage);
	g_free(d->fflags);
	g_free(d);
}

static int device_init(struct ms_sim *sim)
{
	struct ms__devices *ds = g_new0(struct ms__devices, 1);

	ds->sim = sim;
	ds->os = ms__sim_os(sim);
	ds->page = ms__os_page_size();
	ms__waitq_init(&ds->retryq);
	ds->maps = g_ptr_array_new();
	ds->groups = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	ds->migrations = g_ptr_array_new();
	ds->regions = g_ptr_array_new();
	ds->ram_limit = UINT64_MAX;
	ms__sim_sub_set(sim, MS__SUB_DEVICE, ds);
	return ms__policies_init(ds);
}

static void device_fini(struct ms_sim *sim)
{
	struct ms__devices *ds = DEVS(sim);

	if (!ds)
		return;
	ms__migrations_fini(ds);
	g_ptr_array_free(ds->migrations, TRUE);
	ms__maps_fini(ds);
	ms__regions_fini(ds);
	ms__policies_fini(ds);
	for (uint32_t i = 0; i < ds->ndev; i++)
		dev_free(ds, ds->dev[i]);
	ms__waitq_fini(sim, &ds->retryq);
	g_free(ds);
	ms__sim_sub_set(sim, MS__SUB_DEVICE, NULL);
}

static void device_thread_gone(struct ms_sim *sim, struct ms_thread *t)
{
	ms__migrations_thread_gone(DEVS(sim), ms__thread_tid(t));
}

static void device_on_switch(struct ms_sim *sim, struct ms_thread *prev,
			     struct ms_thread *next)
{
	struct ms__devices *ds = DEVS(sim);

	(void)prev;
	(void)next;
	if (ds->npend)
		ms__dev_flush(ds);
}

const struct ms__subsys ms__device_subsys = {
	.name = "device",
	.init = device_init,
	.fini = device_fini,
	.thread_gone = device_thread_gone,
	.on_switch = device_on_switch,
};
