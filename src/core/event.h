/* SPDX-License-Identifier: MIT */
/*
 * The event log: kept events (up to a capacity) and a running hash of all.
 * Hash: each event's words (tick, tid<<32|type, a, b) folded into one value
 * by a multiplication each, then into a polynomial hash over the events
 * (ms__evlog_mix below).
 */
#ifndef MS_CORE_EVENT_H
#define MS_CORE_EVENT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>

/*
 * Kept events live in blocks of MS__EVLOG_BLOCK, allocated as the log
 * fills and never moved: appending never copies what is kept (a growing
 * array's reallocations copied the whole log, and were most of what
 * keeping an event cost).
 */
#define MS__EVLOG_BLOCK 1024u

struct ms__evlog {
	GPtrArray *blocks;	/* struct ms_event[MS__EVLOG_BLOCK] each */
	size_t capacity;
	size_t kept;		/* events kept, read on every event */
	uint64_t total;
	uint64_t hash;
};

void ms__evlog_init(struct ms__evlog *log, size_t capacity);
void ms__evlog_fini(struct ms__evlog *log);
/* Keep ev in memory if there is room (the hash already has it). */
void ms__evlog_keep(struct ms__evlog *log, const struct ms_event *ev);
/* Kept event i (< log->kept). */
static inline const struct ms_event *ms__evlog_at(const struct ms__evlog *log,
						  size_t i)
{
	const struct ms_event *b = g_ptr_array_index(log->blocks,
						     i / MS__EVLOG_BLOCK);

	return &b[i % MS__EVLOG_BLOCK];
}
uint64_t ms__evlog_hash(const struct ms__evlog *log);

#define MS__EV_HASH_MUL 0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio, odd */
#define MS__EV_HASH_K1 0xff51afd7ed558ccdULL	/* odd mixing constants */
#define MS__EV_HASH_K2 0xc4ceb9fe1a85ec53ULL
#define MS__EV_HASH_K3 0x87c37b91114253d5ULL
#define MS__EV_HASH_K4 0x4cf5ad432745937fULL

/*
 * Every event is on the hot path of the simulation (two per allocation),
 * so the hash is built for a short dependency chain. Each of the event's
 * four words is multiplied by its own odd constant (a bijection: no two
 * values of one word map together) and the products are summed into x;
 * none of that depends on the running hash, so the CPU overlaps it with
 * earlier work. The running hash then takes x in with one add and one
 * multiplication: a polynomial hash over the events, so it depends on
 * their order. Defined on values, not bytes: the same on any host byte
 * order. ms__evlog_hash() folds the high half into the result.
 */
static inline void ms__evlog_mix(struct ms__evlog *log, uint64_t tick,
				 uint32_t type, uint32_t tid, uint64_t a,
				 uint64_t b)
{
	uint64_t x;

	x = tick * MS__EV_HASH_K1 +
	    ((uint64_t)tid << 32 | type) * MS__EV_HASH_K2 +
	    a * MS__EV_HASH_K3 + b * MS__EV_HASH_K4;
	x ^= x >> 29;
	log->hash = (log->hash + x) * MS__EV_HASH_MUL;
	log->total++;
}

#endif
