/* SPDX-License-Identifier: MIT */
/*
 * The event log. Invariant: hash covers every event ever added, in order,
 * whether or not it is still kept in memory; it depends only on simulated
 * values, so the same scenario and seed give the same hash on any host.
 */
#include "core/event.h"

#define HASH_SEED 0xcbf29ce484222325ULL

void ms__evlog_init(struct ms__evlog *log, size_t capacity)
{
	log->events = g_array_new(FALSE, FALSE, sizeof(struct ms_event));
	log->capacity = capacity;
	log->kept = 0;
	log->total = 0;
	log->hash = HASH_SEED;
}

void ms__evlog_fini(struct ms__evlog *log)
{
	if (log->events)
		g_array_free(log->events, TRUE);
	log->events = NULL;
}

void ms__evlog_keep(struct ms__evlog *log, const struct ms_event *ev)
{
	if (log->kept < log->capacity) {
		g_array_append_vals(log->events, ev, 1);
		log->kept = log->events->len;
	}
}

uint64_t ms__evlog_hash(const struct ms__evlog *log)
{
	return log->hash ^ log->hash >> 32;
}
