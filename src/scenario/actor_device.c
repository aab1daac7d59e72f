/* SPDX-License-Identifier: MIT */
/*
 * The device steps of actor scripts: onlining, offlining and withdrawing
 * devices, mapping and unmapping, migrating, pinning, touching mappings
 * (by the CPU or a device), allocating by attribute; through the public
 * API only (<memsim/device.h>).
 *
 * Invariant: as for every step (actor.c), the outcome is counted before
 * the next step: a kernel call is a syscall of the actor, a refusal that
 * no other counter sees is denied_other; what the device subsystem counts
 * (migrations, faults, pins) is in its stats. Mappings are the run's, by
 * name (a later map step of the same name replaces the name's mapping).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <memsim/device.h>
#include <memsim/sim.h>
#include <memsim/thread.h>

#include "scenario/run.h"

static struct ms_scenario_counters *cnt(const struct ms__tctx *t)
{
	return &t->run->acc[t->actor].c;
}

static uint64_t draw_u(struct ms_sim *sim, const struct ms__val *v)
{
	int64_t x = ms__val_draw(sim, v);

	return x < 0 ? 0 : (uint64_t)x;
}

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static ms_map_id map_of(const struct ms__tctx *t, const char *name)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(t->run->maps, name));
}

/*
 * The step's range of map: offset and bytes drawn, bytes 0 meaning to the
 * end; whole pages (the offset rounded down, the end up, within the
 * mapping) when pages is set. false: the offset is past the end.
 */
static bool range_of(struct ms_sim *sim, const struct ms__step *s,
		     ms_map_id map, bool pages, uint64_t *off, uint64_t *len)
{
	uint64_t size = ms_mem_size(sim, map), o, n, end, ps = page();

	o = draw_u(sim, &s->m);
	n = draw_u(sim, &s->n);
	if (!size || o >= size)
		return false;
	end = n && n < size - o ? o + n : size;
	if (pages) {
		o -= o % ps;
		end = end % ps ? MIN(end + ps - end % ps, size) : end;
	}
	*off = o;
	*len = end - o;
	return true;
}

static int do_map(struct ms_sim *sim, struct ms__tctx *t,
		  const struct ms__step *s)
{
	struct ms_map_attr a;
	ms_map_id id;
	int ret;

	ms_map_attr_init(&a);
	a.name = s->tag;
	a.size = draw_u(sim, &s->n);
	if (s->ref >= 0)
		a.preferred = (ms_device_id)s->ref;
	ret = ms_mem_map(sim, &a, &id, NULL);
	if (!ret)
		g_hash_table_replace(t->run->maps, g_strdup(s->tag),
				     GUINT_TO_POINTER(id));
	return ret;
}

static int do_migrate(struct ms_sim *sim, ms_map_id map,
		      const struct ms__step *s, uint64_t off, uint64_t len)
{
	ms_device_id to = s->ref >= 0 ? (ms_device_id)s->ref : MS_DEVICE_NONE;
	struct ms_migrate *mg;
	int ret = ms_migrate_setup(sim, map, off, len, to, &mg);

	if (ret)
		return ret;
	ret = ms_migrate_copy(sim, mg);
	/* held between the copy and the commit: others may touch the pages
	 * meanwhile (they then stay where they are) */
	if (s->has_wait && s->wait)
		ms_sleep(sim, (uint64_t)s->wait);
	return ms_migrate_finalize(sim, mg, NULL) ? -EINVAL : ret;
}

void ms__exec_device_step(struct ms_sim *sim, struct ms__tctx *t,
			  const struct ms__step *s)
{
	ms_device_id dev = (ms_device_id)s->ref;
	uint32_t first = (uint32_t)s->m.a, n = (uint32_t)s->n.a;
	uint64_t off = 0, len = 0;
	ms_map_id map = 0;
	int ret;

	cnt(t)->syscalls++;
	if (s->op == MS__OP_UNMAP || s->op == MS__OP_MIGRATE ||
	    s->op == MS__OP_PIN || s->op == MS__OP_UNPIN) {
		map = map_of(t, s->str);
		if (!map || !range_of(sim, s, map, true, &off, &len)) {
			cnt(t)->denied_other++;
			return;
		}
	}
	switch (s->op) {
	case MS__OP_DEVICE_ONLINE:
		ret = s->kind ? ms_device_online_heap(sim, dev, first, n,
						      (unsigned)s->access, NULL) :
				ms_device_online(sim, dev, first, n);
		break;
	case MS__OP_DEVICE_OFFLINE:
		ret = ms_device_offline(sim, dev, first, n);
		break;
	case MS__OP_DEVICE_WITHDRAW:
		ret = ms_device_withdraw(sim, dev);
		break;
	case MS__OP_MAP:
		ret = do_map(sim, t, s);
		break;
	case MS__OP_UNMAP:
		ret = ms_mem_unmap(sim, map, off, len);
		if (!ret && !ms_mem_size(sim, map))
			g_hash_table_remove(t->run->maps, s->str);
		break;
	case MS__OP_MIGRATE:
		ret = do_migrate(sim, map, s, off, len);
		break;
	case MS__OP_PIN:
		ret = ms_mem_pin(sim, map, off, len,
				 s->flag ? MS_PIN_LONGTERM : 0);
		break;
	case MS__OP_UNPIN:
		ret = ms_mem_unpin(sim, map, off, len,
				   s->flag ? MS_PIN_LONGTERM : 0);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret)
		cnt(t)->denied_other++;
}

int ms__touch_map(struct ms_sim *sim, struct ms__tctx *t,
		  const struct ms__step *s)
{
	ms_map_id map = map_of(t, s->str);
	uint64_t off, len;

	if (!map || !range_of(sim, s, map, false, &off, &len))
		return -ENOENT;
	if (s->ref < 0)
		/* the thread's own loads and stores: a lost page kills it */
		return ms_mem_touch(sim, map, off, len,
				    (enum ms_access)s->access);
	cnt(t)->syscalls++;
	return ms_device_access(sim, (ms_device_id)s->ref, map, off, len,
				(enum ms_access)s->access);
}

int ms__alloc_attr(struct ms_sim *sim, const struct ms__step *s,
		   uint64_t size, void **out)
{
	return ms_smh_alloc(sim, (unsigned)(s->attr - 1), size, out);
}
