/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory on device RAM: blocks of a coherent device onlined for
 * kernel allocations become regions of a shared multi-heap.
 *
 * What it models: Zephyr's shared multi-heap (lib/heap/shared_multi_heap.c:
 * shared_multi_heap_add registers a region with an attribute,
 * shared_multi_heap_alloc draws from the first region of that attribute
 * that has room), over memory that appears at run time, and Linux's
 * online_kernel: memory onlined for unmovable kernel allocations cannot be
 * offlined while they live (nothing can move them), which is why Linux
 * keeps hotpluggable memory in ZONE_MOVABLE. A region is a heap of the sim
 * over the device's kernel view, so its allocations are charged by the
 * quota policies like any other and reported with the other heaps.
 *
 * Invariants: a region's blocks are MS_BLOCK_ONLINE_KERNEL exactly while
 * it is in ds->regions; a region going offline serves no allocation; a
 * region leaves only empty (offline) or with its device (withdrawal, its
 * allocations counted as lost).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc/alloc.h"
#include "mem/device/device_priv.h"

static const char *const attr_names[MS_SMH__COUNT] = {
	[MS_SMH_CACHEABLE] = "cacheable",
	[MS_SMH_NON_CACHEABLE] = "non-cacheable",
};

const char *ms_smh_attr_name(unsigned attr)
{
	return attr < MS_SMH__COUNT ? attr_names[attr] : "?";
}

int ms_smh_attr_lookup(const char *name, unsigned *out)
{
	for (unsigned a = 0; name && out && a < MS_SMH__COUNT; a++) {
		if (strcmp(name, attr_names[a]) == 0) {
			*out = a;
			return 0;
		}
	}
	return -EINVAL;
}

/* Regions live at once: the allocation path lists them on its stack. */
#define REGIONS_MAX 32

static struct dregion *region_at(const struct ms__devices *ds, guint i)
{
	return g_ptr_array_index(ds->regions, i);
}

int ms_device_online_heap(struct ms_sim *sim, ms_device_id dev,
			  uint32_t first, uint32_t n, unsigned attr,
			  struct ms_heap **out)
{
	struct ms__devices *ds;
	struct dregion *r;
	struct ms_heap *h = NULL;
	struct ddev *d;
	uint32_t end = 0, b = 0;
	char name[40];
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	ret = ms__dev_ready(ds, dev, &d);
	if (!ret && (d->kind != MS_DEVICE_COHERENT || attr >= MS_SMH__COUNT))
		ret = -EINVAL;
	if (!ret) {
		if (n == MS_DEVICE_ALL_BLOCKS && first < d->nblocks)
			n = d->nblocks - first;
		if (!n || first >= d->nblocks || n > d->nblocks - first ||
		    (uint64_t)n * d->block_size >= MS_HEAP_MAX_SIZE)
			ret = -EINVAL;
		end = first + n;
	}
	for (b = first; !ret && b < end; b++)
		if (d->bstate[b] != MS_BLOCK_OFFLINE)
			ret = -EBUSY;
	if (!ret && ds->regions->len >= REGIONS_MAX)
		ret = -ENOSPC;
	for (b = first; !ret && b < end; b++)
		ret = ms__dev_block_open(d, b);
	if (!ret) {
		snprintf(name, sizeof(name), "%.20s.smh%u", d->name,
			 ds->nregions_made);
		ret = ms__heap_region_add(sim, name, d->dview +
					  (size_t)first * d->block_size,
					  (size_t)n * d->block_size, &h);
	}
	if (ret) {
		/* close what was opened (the blocks before b) */
		for (uint32_t k = first; k < b && k < end; k++)
			if (d->bstate[k] == MS_BLOCK_OFFLINE)
				ms__dev_block_close(d, k);
		goto out;
	}
	ds->nregions_made++;
	r = g_new0(struct dregion, 1);
	r->d = d;
	r->first = first;
	r->n = n;
	r->attr = attr;
	r->heap = h;
	g_ptr_array_add(ds->regions, r);
	memset(d->bstate + first, MS_BLOCK_ONLINE_KERNEL, n);
	d->st.onlines += n;
	ms__clock_advance(sim, (uint64_t)n * MS__COST_HOTPLUG_BLOCK);
	ms__event(sim, MS_EV_DEVICE_ONLINE, ms__current(sim) ?
		  ms__thread_tid(ms__current(sim)) : MS_TID_NONE, d->id, n);
	if (out)
		*out = h;
out:
	ms__dev_leave(sim);
	return ret;
}

int ms_smh_alloc(struct ms_sim *sim, unsigned attr, size_t size, void **out)
{
	struct ms_heap *heaps[REGIONS_MAX];
	struct ms__devices *ds;
	size_t n = 0;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	if (attr >= MS_SMH__COUNT || !size || !out) {
		ret = -EINVAL;
		goto out;
	}
	for (guint i = 0; i < ds->regions->len && n < G_N_ELEMENTS(heaps); i++) {
		const struct dregion *r = region_at(ds, i);

		if (r->attr == attr && !r->going)
			heaps[n++] = r->heap;
	}
	ret = ms__kalloc_from(sim, ms__current(sim), size, MS_ALLOC_USER, heaps,
			      n, out);
out:
	ms__dev_leave(sim);
	return ret;
}

static bool inside(const struct dregion *r, const struct ddev *d,
		   uint32_t first, uint32_t end)
{
	return r->d == d && r->first >= first && r->first + r->n <= end;
}

int ms__regions_check(struct ms__devices *ds, const struct ddev *d,
		      uint32_t first, uint32_t end)
{
	for (guint i = 0; i < ds->regions->len; i++) {
		const struct dregion *r = region_at(ds, i);

		if (r->d != d || r->first >= end || r->first + r->n <= first)
			continue;
		if (!inside(r, d, first, end)) {
			snprintf(ds->err, sizeof(ds->err),
				 "blocks %u..%u of device '%s' are one heap "
				 "region: they go offline together", r->first,
				 r->first + r->n - 1, d->name);
			return -EINVAL;
		}
	}
	return 0;
}

uint32_t ms__regions_going(struct ms__devices *ds, const struct ddev *d,
			   uint32_t first, uint32_t end, bool going)
{
	uint32_t live = 0;

	for (guint i = 0; i < ds->regions->len; i++) {
		struct dregion *r = region_at(ds, i);
		uint64_t bytes;

		if (!inside(r, d, first, end))
			continue;
		r->going = going;
		live += ms__heap_live(r->heap, &bytes);
	}
	return live;
}

static void region_drop(struct ms__devices *ds, struct dregion *r)
{
	ms__heap_region_remove(ds->sim, r->heap);
	g_ptr_array_remove(ds->regions, r);
	g_free(r);
}

uint32_t ms__regions_remove(struct ms__devices *ds, struct ddev *d,
			    uint32_t first, uint32_t end)
{
	uint32_t done = 0;

	for (guint i = ds->regions->len; i > 0; i--) {
		struct dregion *r = region_at(ds, i - 1);

		if (!inside(r, d, first, end))
			continue;
		for (uint32_t b = r->first; b < r->first + r->n; b++) {
			ms__dev_block_close(d, b);
			d->bstate[b] = MS_BLOCK_OFFLINE;
			d->st.offlines++;
			ms__clock_advance(ds->sim, MS__COST_HOTPLUG_BLOCK);
			done++;
		}
		region_drop(ds, r);
	}
	return done;
}

void ms__regions_lose(struct ms__devices *ds, struct ddev *d)
{
	for (guint i = ds->regions->len; i > 0; i--) {
		struct dregion *r = region_at(ds, i - 1);
		uint64_t bytes;

		if (r->d != d)
			continue;
		/* The kernel's blocks there are gone: whoever still holds a
		 * pointer into them faults (the device's range is reserved),
		 * and a free of one is refused (no heap has it). Their
		 * charges stay with their requesters: the memory is lost,
		 * not given back. */
		d->st.kernel_allocs_lost += ms__heap_live(r->heap, &bytes);
		d->st.kernel_bytes_lost += bytes;
		region_drop(ds, r);
	}
}

void ms__regions_fini(struct ms__devices *ds)
{
	while (ds->regions->len)
		region_drop(ds, region_at(ds, 0));
	g_ptr_array_free(ds->regions, TRUE);
}
