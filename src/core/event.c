/* SPDX-License-Identifier: MIT */
/*
 * The event log. Invariant: hash covers every event ever added, in order,
 * whether or not it is still kept in memory; it depends only on simulated
 * values, so the same scenario and seed give the same hash on any host.
 */
#include "core/event.h"

#define HASH_SEED 0xcbf29ce484222325ULL
#define HASH_MUL 0x9e3779b97f4a7c15ULL

void ms__evlog_init(struct ms__evlog *log, size_t capacity)
{
	log->events = g_array_new(FALSE, FALSE, sizeof(struct ms_event));
	log->capacity = capacity;
	log->total = 0;
	log->hash = HASH_SEED;
}

void ms__evlog_fini(struct ms__evlog *log)
{
	if (log->events)
		g_array_free(log->events, TRUE);
	log->events = NULL;
}

/* One 64-bit word into the hash: xor, multiply by the golden-ratio
 * constant, fold the high half down. Defined on values, not bytes, so it is
 * the same on any host byte order. */
static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * HASH_MUL;
	return h ^ (h >> 32);
}

void ms__evlog_add(struct ms__evlog *log, const struct ms_event *ev)
{
	uint64_t h = log->hash;

	h = mix(h, ev->tick);
	h = mix(h, ((uint64_t)ev->type << 32) | ev->tid);
	h = mix(h, ev->a);
	h = mix(h, ev->b);
	log->hash = h;
	log->total++;
	if (log->events->len < log->capacity)
		g_array_append_vals(log->events, ev, 1);
}
