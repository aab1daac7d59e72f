/* SPDX-License-Identifier: MIT */
/*
 * Pins: pages held where they are.
 *
 * What it models: pin_user_pages() with and without FOLL_LONGTERM. A pin
 * is a reference that migration cannot take away: migrate_vma_setup skips
 * a page whose references it does not own, page offlining retries and
 * gives up with -EBUSY, reclaim passes it by. Long-term pins are what make
 * memory unremovable (memory-hotplug.rst, "ZONE_MOVABLE Sizing
 * Considerations"): Linux moves a page out of movable and device-coherent
 * memory before pinning it long-term; here such a pin is refused and
 * counted, so that a workload's need for it shows.
 *
 * Invariant: d->npinned counts d's frames whose page holds any pin, and
 * the eviction policy has heard pinned(f, true) for exactly those.
 */
#include <errno.h>

#include "mem/device/device_priv.h"

static void pinned_changed(struct ms__devices *ds, const struct dpage *pg,
			   bool pinned)
{
	const struct ms_device_policy_ops *ev = ds->pol[MS_DEVPOL_EVICTION].act;
	struct ddev *d;

	if (pg->where != PG_DEV)
		return;
	d = ds->dev[pg->dev];
	if (pinned)
		d->npinned++;
	else
		d->npinned--;
	if (ev && ev->pinned && d->evict)
		ev->pinned(d->evict, pg->frame, pinned);
}

static int pin_range(struct ms__devices *ds, struct dmap *m, uint32_t first,
		     uint32_t n, bool longterm)
{
	struct hostq q;
	int ret = 0;

	for (uint32_t i = first; i < first + n; i++) {
		const struct dpage *pg = &m->pg[i];

		if (pg->where == PG_HOLE)
			return -EFAULT;
		if (pg->where == PG_LOST)
			return -EIO;
		if (!(pg->perm & MS_PERM_READ))
			return -EACCES;
		if ((longterm ? pg->pin_long : pg->pin_short) == UINT16_MAX)
			return -EOVERFLOW;
	}
	/* Pinning touches: what is not placed yet is placed now. */
	ms__hostq_init(&q, ds);
	for (uint32_t i = first; i < first + n && !ret; i++)
		if (m->pg[i].where == PG_EMPTY)
			ret = ms__move_errno(ms__page_place(&q, m, i,
							    MS_DEVICE_NONE));
	ms__hostq_flush(&q);
	if (ret)
		return ret;
	/* Coherent memory must stay movable (a first touch above may have
	 * put a page there too). */
	for (uint32_t i = first; longterm && i < first + n; i++) {
		const struct dpage *pg = &m->pg[i];

		if (pg->where == PG_DEV &&
		    ds->dev[pg->dev]->kind == MS_DEVICE_COHERENT) {
			ds->dev[pg->dev]->st.pin_refused++;
			return -EINVAL;
		}
	}
	for (uint32_t i = first; i < first + n; i++) {
		struct dpage *pg = &m->pg[i];
		bool was = pg->pin_short || pg->pin_long;

		if (longterm)
			pg->pin_long++;
		else
			pg->pin_short++;
		/* a pin is an access: a page under migration stays put */
		if (pg->flags & PGF_SELECTED)
			pg->flags |= PGF_TOUCHED;
		if (!was)
			pinned_changed(ds, pg, true);
	}
	return 0;
}

static int unpin_range(struct ms__devices *ds, struct dmap *m, uint32_t first,
		       uint32_t n, bool longterm)
{
	for (uint32_t i = first; i < first + n; i++)
		if (!(longterm ? m->pg[i].pin_long : m->pg[i].pin_short))
			return -EINVAL;
	for (uint32_t i = first; i < first + n; i++) {
		struct dpage *pg = &m->pg[i];

		if (longterm)
			pg->pin_long--;
		else
			pg->pin_short--;
		if (!pg->pin_short && !pg->pin_long)
			pinned_changed(ds, pg, false);
	}
	return 0;
}

static int pin_call(struct ms_sim *sim, ms_map_id map, uint64_t off,
		    uint64_t len, unsigned flags, bool pin)
{
	struct ms__devices *ds;
	uint32_t first, n;
	struct dmap *m;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	m = ms__map_get(ds, map);
	ret = ms__map_pages(ds, m, off, len, &first, &n);
	if (!ret && (flags & ~MS_PIN_LONGTERM))
		ret = -EINVAL;
	if (!ret)
		ret = pin ? pin_range(ds, m, first, n, flags & MS_PIN_LONGTERM) :
			    unpin_range(ds, m, first, n,
					flags & MS_PIN_LONGTERM);
	ms__dev_leave(sim);
	return ret;
}

int ms_mem_pin(struct ms_sim *sim, ms_map_id map, uint64_t off, uint64_t len,
	       unsigned flags)
{
	return pin_call(sim, map, off, len, flags, true);
}

int ms_mem_unpin(struct ms_sim *sim, ms_map_id map, uint64_t off,
		 uint64_t len, unsigned flags)
{
	return pin_call(sim, map, off, len, flags, false);
}
