/* SPDX-License-Identifier: MIT */
/*
 * The event log: kept events (up to a capacity) and a running hash of all.
 * Hash: each event's four 64-bit words (tick, type<<32|tid, a, b) mixed in
 * turn by multiply-and-fold (src/core/event.c).
 */
#ifndef MS_CORE_EVENT_H
#define MS_CORE_EVENT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>

struct ms__evlog {
	GArray *events;		/* struct ms_event */
	size_t capacity;
	uint64_t total;
	uint64_t hash;
};

void ms__evlog_init(struct ms__evlog *log, size_t capacity);
void ms__evlog_fini(struct ms__evlog *log);
void ms__evlog_add(struct ms__evlog *log, const struct ms_event *ev);

#endif
