/* SPDX-License-Identifier: MIT */
/*
 * The core's internal API, for the other subsystems.
 *
 * struct ms_sim is private to src/core/. A subsystem keeps its own state in
 * a slot of the sim (and of each thread), allocated by its init hook and
 * freed by its fini hook; it never reads another subsystem's state except
 * through that subsystem's ms__ functions.
 *
 * Subsystems are listed once, in src/core/subsys.c, in the order they are
 * initialised; fini runs in the reverse order.
 */
#ifndef MS_CORE_H
#define MS_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/sim.h>
#include <memsim/thread.h>

#include "core/event.h"

struct ms_thread;
struct ms__os;

enum ms__subsys_id {
	MS__SUB_ALLOC = 0,	/* src/alloc: kernel heaps and quota policies */
	MS__SUB_KERNEL,		/* src/kernel: objects, handles, syscalls, services */
	MS__SUB_POOL,		/* src/mem: sealed pools */
	MS__SUB_DOMAIN,		/* src/mem: memory domains, MPU models, XPFO */
	MS__SUB_IPC,		/* src/ipc: accounted message passing */
	MS__SUB_DEVICE,		/* src/mem/device: device memory, migration */
	MS__SUB__COUNT
};

struct ms__subsys {
	const char *name;
	/* After the core is up. Store state with ms__sim_sub_set(). */
	int (*init)(struct ms_sim *sim);
	/* Before the core goes down; every thread is already gone. */
	void (*fini)(struct ms_sim *sim);
	/*
	 * A thread is being created (parent is NULL when the host creates it).
	 * May refuse with a negative errno; then thread_gone is called for the
	 * subsystems whose thread_new already succeeded.
	 */
	int (*thread_new)(struct ms_sim *sim, struct ms_thread *parent,
			  struct ms_thread *child);
	/* A thread ended (exit, abort or fault): release what it held. */
	void (*thread_gone)(struct ms_sim *sim, struct ms_thread *t);
	/* On every context switch, before next runs (prev/next may be NULL for
	 * the host context). Must be cheap. */
	void (*on_switch)(struct ms_sim *sim, struct ms_thread *prev,
			  struct ms_thread *next);
	/* The running thread t has just dropped to user mode
	 * (ms_user_mode_enter): what it may reach narrows without a switch. */
	void (*user_mode)(struct ms_sim *sim, struct ms_thread *t);
	/* A supervisor is moving thread t to another accounting group
	 * (ms_thread_group_set); t's group is still the old one. May refuse
	 * with a negative errno; the subsystems told before are then told
	 * the old group back, and that must not fail. */
	int (*group_set)(struct ms_sim *sim, struct ms_thread *t,
			 uint32_t group);
};

/* sim slots */
void *ms__sim_sub(const struct ms_sim *sim, enum ms__subsys_id id);
void ms__sim_sub_set(struct ms_sim *sim, enum ms__subsys_id id, void *state);

struct ms__os *ms__sim_os(const struct ms_sim *sim);

/*
 * The part of a sim that every kernel operation touches: the simulated
 * clock and the event log's running hash. It is the first member of
 * struct ms_sim, so that advancing the clock and hashing an event are a
 * few inline instructions in the subsystems' hot paths (two events per
 * charged allocation) instead of calls; the rest of struct ms_sim stays
 * private to src/core. Only the core writes it, except through the
 * functions below.
 */
struct ms__sim_hot {
	uint64_t now;			/* simulated ticks */
	struct ms__evlog log;
	bool ev_slow;			/* keeping events or hooked: more to
					 * do than hashing (ms__event_keep) */
};

static inline struct ms__sim_hot *ms__sim_hot(const struct ms_sim *sim)
{
	return (struct ms__sim_hot *)sim;
}

void ms__event_keep(struct ms_sim *sim, enum ms_event_type type, ms_tid tid,
		    uint64_t a, uint64_t b);

/*
 * Whether events are only hashed: nobody keeps or follows them (no log
 * capacity left, no hook). A hot path that checked it may then record its
 * events with ms__event_hash(), which is ms__event() without the check
 * and the call behind it.
 */
static inline bool ms__event_hash_only(const struct ms_sim *sim)
{
	return !ms__sim_hot(sim)->ev_slow;
}

static inline void ms__event_hash(struct ms_sim *sim, enum ms_event_type type,
				  ms_tid tid, uint64_t a, uint64_t b)
{
	struct ms__sim_hot *hot = ms__sim_hot(sim);

	ms__evlog_mix(&hot->log, hot->now, type, tid, a, b);
}

/* Record an event (no host addresses in a or b). */
static inline void ms__event(struct ms_sim *sim, enum ms_event_type type,
			     ms_tid tid, uint64_t a, uint64_t b)
{
	ms__event_hash(sim, type, tid, a, b);
	if (__builtin_expect(!ms__event_hash_only(sim), 0))
		ms__event_keep(sim, type, tid, a, b);
}

/* Simulated clock. */
static inline uint64_t ms__now(const struct ms_sim *sim)
{
	return ms__sim_hot(sim)->now;
}

static inline void ms__clock_advance(struct ms_sim *sim, uint64_t ticks)
{
	ms__sim_hot(sim)->now += ticks;
}

/* g_log wrappers with the "memsim" domain. */
void ms__log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ms__log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The core's own parts (src/core, src/sched, src/fault) reach each other's
 * state through these; other subsystems do not use them. */
struct ms__sched;
struct ms__faults;
struct ms__sched *ms__sim_sched(const struct ms_sim *sim);
struct ms__faults *ms__sim_faults(const struct ms_sim *sim);
#endif
