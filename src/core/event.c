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
	log->blocks = g_ptr_array_new_with_free_func(g_free);
	log->capacity = capacity;
	log->kept = 0;
	log->total = 0;
	log->hash = HASH_SEED;
}

void ms__evlog_fini(struct ms__evlog *log)
{
	if (log->blocks)
		g_ptr_array_free(log->blocks, TRUE);
	log->blocks = NULL;
}

void ms__evlog_keep(struct ms__evlog *log, const struct ms_event *ev)
{
	size_t i = log->kept % MS__EVLOG_BLOCK;
	struct ms_event *b;

	if (log->kept >= log->capacity)
		return;
	if (i == 0) {
		/* A log smaller than a block gets only what it can hold. */
		size_t n = log->capacity - log->kept;

		g_ptr_array_add(log->blocks, g_new(struct ms_event,
			n < MS__EVLOG_BLOCK ? n : MS__EVLOG_BLOCK));
	}
	b = g_ptr_array_index(log->blocks, log->blocks->len - 1);
	b[i] = *ev;
	log->kept++;
}

uint64_t ms__evlog_hash(const struct ms__evlog *log)
{
	return log->hash ^ log->hash >> 32;
}
