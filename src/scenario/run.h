/* SPDX-License-Identifier: MIT */
/*
 * A run in progress: private to src/scenario (run.c builds and collects,
 * actor.c interprets the scripts inside the simulated threads).
 */
#ifndef MS_SCENARIO_RUN_H
#define MS_SCENARIO_RUN_H

#include "scenario/scn.h"

struct ms_heap;
struct ms_pool;

/* Sealed-pool counters summed over every incarnation (load..unload). */
struct ms__sealed_acc {
	uint64_t loads, unloads;
	uint64_t allocs, allocs_failed, frees, seals;
	uint64_t rare_writes, rare_write_bytes, mm_refusals;
	uint64_t pages_taken, pages_returned;
};

/* A named sealed-pool allocation (`as` of pool_alloc). */
struct ms__data {
	int pool;		/* index into sc->sealed */
	uint32_t gen;		/* the pool's incarnation it was made in */
	void *p;
	size_t size;
};

/* What an actor did over IPC. */
struct ms__ipc_acc {
	uint64_t sent, refused, received, bytes_sent, bytes_received;
};

/* Live counters of an actor, a group, a role or the whole run. */
struct ms__tally {
	struct ms_scenario_counters c;
	uint32_t alive;		/* actors: threads not ended yet */
};

/* What the run knows of a thread (indexed by tid). */
struct ms__tinfo {
	int actor;		/* index into sc->actors; unset entries: 0 with
				 * registered false */
	bool registered;
	bool ended;
	char name[32];
};

struct ms__run {
	const struct ms_scenario *sc;
	struct ms_scenario_error *err;
	struct ms_sim *sim;
	struct ms_scenario_result *res;
	uint64_t seed;
	uint64_t tick_limit;
	bool without_attackers;
	bool keep_sim;			/* the result has the sim (set once it
					 * does) */
	bool keep_events;		/* opts.keep_sim: keep the event log too;
					 * else only its hash (and the hook) */
	const char *ipc_mode;		/* opts->ipc_mode, else the scenario's
					 * first, else NULL: the default */

	struct ms_heap **pools;		/* by index of sc->pools */
	struct ms_pool **sealed;	/* by index of sc->sealed; NULL: unloaded */
	uint32_t *sealed_gen;		/* incarnations so far */
	struct ms__sealed_acc *sealed_acc;
	GHashTable *data;		/* name -> struct ms__data */
	uint32_t *domain_ids;		/* by index of sc->domains */
	struct ms__ipc_acc *ipc;	/* by actor */
	int devpol;			/* index into sc->devpol.labels */
	GHashTable *maps;		/* mapping name -> ms_map_id (run_device.c) */
	GArray *tinfo;			/* struct ms__tinfo, by tid */
	GPtrArray *ctxs;		/* struct ms__tctx, owned */

	struct ms__tally *acc;		/* by actor */
	struct ms__tally *gacc;		/* by group */
	struct ms__tally racc[MS_ROLE__COUNT];
	struct ms__tally tacc;
	uint64_t attacker_peak;
	bool exhausted;
	uint64_t exhausted_tick;

	GArray *samples;		/* struct ms_scenario_sample */
	uint64_t sample_every;
	uint64_t next_sample;
	size_t sample_cap;

	ms_scenario_progress_fn progress;
	void *progress_user;
	uint64_t progress_every;
	uint64_t next_progress;
};

/* Something a thread holds and may free with { free = ... }. */
enum ms__held_kind {
	MS__HELD_BLOCK = 0,	/* ms_heap_alloc: p */
	MS__HELD_OBJECT,	/* a kernel object: h */
};

struct ms__held {
	enum ms__held_kind kind;
	void *p;
	uint32_t h;		/* ms_handle */
	const char *tag;	/* the step's `as` (or queue name), or NULL */
};

/* The state of one actor thread (an instance or a spawned child). */
struct ms__tctx {
	struct ms__run *run;
	int actor;
	const struct ms__block *script;
	bool top;		/* an instance, not a spawned child */
	ms_tid tid;
	uint32_t spawned;	/* children made so far (for their names) */
	GArray *held;		/* struct ms__held */
	GArray *children;	/* ms_tid */
	bool refused;		/* an allocation was refused (until) */
	uintptr_t next_item;	/* values appended to queues */
	GArray *ipc_handles;	/* struct ms__ipc_ref */
	void *buf;		/* scratch for writes, sends and receives */
	size_t buf_size;
};

/* An IPC node a thread reaches: one it owns, or one it looked up. */
struct ms__ipc_ref {
	const char *name;
	uint32_t handle;	/* ms_ipc_handle */
	bool owned;
};

/* Entry of every actor thread. */
void ms__actor_main(struct ms_sim *sim, void *arg);

/* Fold a destroyed pool's final counters into its sums. */
void ms__sealed_fold(struct ms__sealed_acc *acc,
		     const struct ms_pool_stats *st);

/* A stat of the result ("pool.shared.used"). */
void ms__run_stat(GArray *stats, const char *name, double value);

/* run_device.c: the devices of a run, and its device policies. */
/* The combination opts name (NULL: the first): its index, or -EINVAL. */
int ms__devpol_resolve(const struct ms_scenario *sc, const char *label,
		       struct ms_scenario_error *err);
int ms__build_devices(struct ms__run *run);
void ms__device_stats(struct ms__run *run, GArray *stats);
/* actor_device.c: the device steps of a script. */
void ms__exec_device_step(struct ms_sim *sim, struct ms__tctx *t,
			  const struct ms__step *s);
int ms__touch_map(struct ms_sim *sim, struct ms__tctx *t,
		  const struct ms__step *s);
int ms__alloc_attr(struct ms_sim *sim, const struct ms__step *s,
		   uint64_t size, void **out);

/* Record that tid belongs to actor (idempotent). */
void ms__run_register(struct ms__run *run, ms_tid tid, int actor,
		      const char *name);

#endif
