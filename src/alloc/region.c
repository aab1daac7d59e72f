/* SPDX-License-Identifier: MIT */
/*
 * Heap regions: heaps over memory that the heap does not own.
 *
 * What it models: a region of Zephyr's shared multi-heap
 * (shared_multi_heap_add), a sys_heap over reserved memory the platform
 * hands over; here it is memory a device brings at run time (a block range
 * of a coherent device onlined for kernel allocations, src/mem/device).
 * Unlike Zephyr's, a region can leave again: when its device's blocks go
 * offline (nothing may live on it then) or the device is withdrawn (what
 * lived on it is lost).
 *
 * Invariant: a region is a registered heap of the sim (its id in events,
 * its stats in reports) that is also in a->regions; its memory is never
 * freed here, and ms_heap_destroy refuses it.
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc/alloc_priv.h"

bool ms__heap_is_region(const struct ms__alloc *a, const struct ms_heap *h)
{
	for (guint i = 0; i < a->regions->len; i++)
		if (g_ptr_array_index(a->regions, i) == h)
			return true;
	return false;
}

int ms__heap_region_add(struct ms_sim *sim, const char *name, void *mem,
			size_t size, struct ms_heap **out)
{
	struct ms__alloc *a = ms__alloc_state(sim);
	struct ms_heap *h;
	int ret;

	if (ms_heap_lookup(sim, name, &h) == 0)
		return -EEXIST;
	ret = ms__heap_new_at(a, name, mem, size, &h);
	if (ret)
		return ret;
	g_ptr_array_add(a->regions, h);
	*out = h;
	return 0;
}

void ms__heap_region_remove(struct ms_sim *sim, struct ms_heap *h)
{
	struct ms__alloc *a = ms__alloc_state(sim);

	g_ptr_array_remove(a->regions, h);
	ms__waitq_fini(sim, &h->waiters);
	g_ptr_array_index(a->heaps, h->id) = NULL;
	free(h);
}

uint32_t ms__heap_live(const struct ms_heap *h, uint64_t *bytes)
{
	*bytes = (uint64_t)h->used_units * MS__HEAP_UNIT;
	return ms__heap_used_chunks(h);
}
