/* SPDX-License-Identifier: MIT */
/*
 * The event log. Invariant: hash covers every event ever added, in order,
 * whether or not it is still kept in memory; it depends only on simulated
 * values, so the same scenario and seed give the same hash on any host.
 */
#include "core/event.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void ms__evlog_init(struct ms__evlog *log, size_t capacity)
{
	log->events = g_array_new(FALSE, FALSE, sizeof(struct ms_event));
	log->capacity = capacity;
	log->total = 0;
	log->hash = FNV_OFFSET;
}

void ms__evlog_fini(struct ms__evlog *log)
{
	if (log->events)
		g_array_free(log->events, TRUE);
	log->events = NULL;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

void ms__evlog_add(struct ms__evlog *log, const struct ms_event *ev)
{
	uint64_t h = log->hash;

	h = fnv_u64(h, ev->tick);
	h = fnv_u64(h, ((uint64_t)ev->type << 32) | ev->tid);
	h = fnv_u64(h, ev->a);
	h = fnv_u64(h, ev->b);
	log->hash = h;
	log->total++;
	if (log->events->len < log->capacity)
		g_array_append_vals(log->events, ev, 1);
}
