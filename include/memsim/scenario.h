/* SPDX-License-Identifier: MIT */
/*
 * memsim: scenario files.
 *
 * A scenario (a TOML file, see docs/scenario-format.md) describes a
 * simulation, a kernel, one or more quota policies, actors with scripts, and
 * expectations on the outcome. Loading validates everything that can be
 * validated without running; running builds a fresh struct ms_sim through
 * the public API only, runs it under one policy and one seed, and hands back
 * a struct ms_scenario_result.
 *
 * The scenario is read-only once loaded: one struct ms_scenario can be run
 * many times (different policies, seeds, with or without attackers), and
 * each run gets its own sim and result.
 *
 * Results are plain structs of fixed-size strings, numbers and arrays, so
 * that a report writer can serialise them without further calls. Every
 * simulated figure is deterministic for a scenario, policy and seed; host
 * figures are kept apart in result->host.
 */
#ifndef MEMSIM_SCENARIO_H
#define MEMSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>
#include <memsim/fault.h>
#include <memsim/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_scenario;

#define MS_SCENARIO_NAME_MAX 64		/* actor, group, policy, pool names */
#define MS_SCENARIO_PATH_MAX 512
#define MS_SCENARIO_MSG_MAX 256

/*
 * Where and what went wrong in a scenario. line and column are 1-based;
 * 0 when the error has no place in the file (an unreadable file, say).
 * text is the formatted form:
 *     "file:line:column: message\n  hint: hint\n"
 * (the hint line only when there is a hint).
 */
struct ms_scenario_error {
	char file[MS_SCENARIO_PATH_MAX];
	unsigned line;
	unsigned column;
	char message[MS_SCENARIO_MSG_MAX];
	char hint[MS_SCENARIO_MSG_MAX];
	char text[MS_SCENARIO_PATH_MAX + 2 * MS_SCENARIO_MSG_MAX + 64];
};

/*
 * Load and validate a scenario file. Every check that does not need a
 * simulation is made here: syntax, unknown keys, types, ranges, references
 * between actors, groups, pools and domains, policy names, metric names in
 * expectations. err (may be NULL) is filled on every failure.
 * @retval 0 and *out set
 * @retval -EINVAL the scenario is invalid (err says where and why)
 * @retval -ENOENT, -EACCES, -EISDIR, -EIO the file could not be read
 * @retval -ENOMEM the host could not provide memory
 */
int ms_scenario_load_file(const char *path, struct ms_scenario **out,
			  struct ms_scenario_error *err);

/*
 * As ms_scenario_load_file, from text in memory. display_name (may be NULL:
 * "<string>") stands for the file name in errors and results.
 * @retval 0, -EINVAL, -ENOMEM as ms_scenario_load_file
 */
int ms_scenario_load_string(const char *text, const char *display_name,
			    struct ms_scenario **out,
			    struct ms_scenario_error *err);

/*
 * A scenario parameter override (memsim sweep --set): one scalar key of
 * the scenario format, as a dotted path, and its value.
 *
 *   key    "kernel.heap_size", "quota.bytes.limit", "sim.seed",
 *          "groups.app.limit", "kernel.pools.shared"; an element of an
 *          array of tables by its name: "actor.victim.start",
 *          "workload.clients.count"
 *   value  TOML value text ("8192", "1.5", "true", "\"8 KiB\""), or any
 *          other text, taken as a string ("8KiB", "bytes")
 *
 * A key the file does not have is added (tables on its path too); an
 * existing one is replaced. Then the loader validates the result exactly
 * as a file: an unknown key or a bad value is refused with the loader's
 * message and hint, prefixed with "--set KEY=VALUE: ".
 */
struct ms_scenario_override {
	const char *key;
	const char *value;
};

/*
 * ms_scenario_load_file and ms_scenario_load_string with overrides
 * ov[0..n), applied in order to the parsed file before validation. A key
 * may be given once. n may be 0 (ov then may be NULL).
 * @retval 0, -EINVAL, -ENOENT, -EACCES, -EISDIR, -EIO, -ENOMEM as
 *         ms_scenario_load_file; -EINVAL also for a malformed override
 *         (an empty or repeated key, a path through a scalar, an array
 *         element by a name no element has, a table or an array as the
 *         target or the value)
 */
int ms_scenario_load_file_overrides(const char *path,
				    const struct ms_scenario_override *ov,
				    size_t n, struct ms_scenario **out,
				    struct ms_scenario_error *err);
int ms_scenario_load_string_overrides(const char *text,
				      const char *display_name,
				      const struct ms_scenario_override *ov,
				      size_t n, struct ms_scenario **out,
				      struct ms_scenario_error *err);

void ms_scenario_free(struct ms_scenario *sc);

/*
 * The checks that need a simulation: build (without running) the sim of
 * every policy the scenario names, with its heap, pools, domains and
 * actors, then tear it down. `memsim check` is load + check.
 * @retval 0 the scenario would run
 * @retval -EINVAL a value the simulation refused (err says where)
 * @retval -ENOMEM the host could not provide memory
 */
int ms_scenario_check(const struct ms_scenario *sc,
		      struct ms_scenario_error *err);

/* The scenario's name ([scenario] name, else the file's base name). */
const char *ms_scenario_name(const struct ms_scenario *sc);
/* [scenario] description, or "". */
const char *ms_scenario_description(const struct ms_scenario *sc);
/* The file name given to the loader (or the display name). */
const char *ms_scenario_file(const struct ms_scenario *sc);
/* [sim] seed (1 when absent). */
uint64_t ms_scenario_seed(const struct ms_scenario *sc);
/* [sim] tick_limit (0: none). */
uint64_t ms_scenario_tick_limit(const struct ms_scenario *sc);

/*
 * The quota policies the scenario names, in file order ([quota] policy or
 * policies). Always at least one: "none" when the scenario names none.
 */
size_t ms_scenario_policy_count(const struct ms_scenario *sc);
const char *ms_scenario_policy(const struct ms_scenario *sc, size_t i);

/*
 * The IPC accounting modes the scenario names, in file order ([ipc] mode
 * or modes). 0 when it names none: a run then uses the library's default
 * ("fair-share", ms_ipc_mode_set) unless ms_scenario_run_opts.ipc_mode
 * says otherwise. ms_scenario_ipc_mode returns NULL for i out of range.
 */
size_t ms_scenario_ipc_mode_count(const struct ms_scenario *sc);
const char *ms_scenario_ipc_mode(const struct ms_scenario *sc, size_t i);

/*
 * The device-policy combinations the scenario names ([device_policy]: one
 * or more policies of each kind, every combination, the first kind
 * outermost), each labelled "<placement>+<migration>+<eviction>+
 * <accounting>" ("first-touch+on-fault+lru+owner"). 0 when the scenario
 * declares no [[device]]. ms_scenario_device_policy returns NULL for i out
 * of range.
 */
size_t ms_scenario_device_policy_count(const struct ms_scenario *sc);
const char *ms_scenario_device_policy(const struct ms_scenario *sc, size_t i);

/* How many actors, and whether any is an attacker. */
size_t ms_scenario_actor_count(const struct ms_scenario *sc);
bool ms_scenario_has_attackers(const struct ms_scenario *sc);

/* ---- running ---- */

/* Called from inside the run, at most once per `every` ticks of sim time. */
typedef void (*ms_scenario_progress_fn)(void *user, uint64_t tick,
					uint64_t tick_limit);

struct ms_scenario_run_opts {
	const char *policy;	/* NULL: the scenario's first policy */
	bool seed_set;		/* use seed instead of the scenario's */
	uint64_t seed;
	/*
	 * Leave out every actor whose role is "attacker" (the baseline for
	 * victim slowdown). Expectations are not evaluated in such a run.
	 */
	bool without_attackers;
	uint64_t sample_every;	/* time-series period in ticks; 0: the
				 * scenario's [report] sample_every, else
				 * automatic: 10 ticks, doubled whenever the
				 * series reaches 400 points (so a run ends
				 * with 200 to 400 samples, fewer if short) */
	uint64_t tick_limit;	/* 0: the scenario's */
	bool keep_sim;		/* keep the sim for ms_scenario_result_sim()
				 * (events, faults, stats) until the result is
				 * freed; otherwise it is freed after the run */
	ms_scenario_progress_fn progress;
	void *progress_user;
	uint64_t progress_every;	/* ticks; 0: 10000 */
	/*
	 * The IPC accounting mode to run under, any registered one
	 * (ms_ipc_mode_count); NULL: the scenario's first ([ipc] mode or
	 * modes), else the library's default. Expectations keyed by a mode
	 * ([expect] fair-share = ...) are checked when the run's mode is
	 * that one.
	 */
	const char *ipc_mode;
	/*
	 * The device-policy combination to run under, by its label
	 * (ms_scenario_device_policy); NULL: the scenario's first.
	 */
	const char *device_policy;
};

void ms_scenario_run_opts_init(struct ms_scenario_run_opts *opts);

enum ms_actor_role {
	MS_ROLE_NEUTRAL = 0,
	MS_ROLE_ATTACKER,
	MS_ROLE_VICTIM,
	MS_ROLE__COUNT
};

/* "neutral", "attacker", "victim" */
const char *ms_actor_role_name(enum ms_actor_role role);

/*
 * Counters of one actor (all its instances and every thread they spawned),
 * one group, one role or the whole run. "Requests" are the kernel heap
 * requests made on its behalf, as the heap saw them (a kernel object is
 * two: its record and its data; a pipe three, with its buffer; a queue
 * node, an armed timeout, a raw `alloc` one each), so requested = granted +
 * denied_quota + denied_nomem. Groups, roles and the total are sums, except
 * peak_bytes: the peak of the sum. docs/scenario-format.md, "Counting".
 */
struct ms_scenario_counters {
	uint64_t instances;	/* threads: instances and spawned children */
	uint64_t requested;	/* allocation requests made */
	uint64_t granted;	/* ... that succeeded */
	uint64_t denied_quota;	/* ... refused by the quota policy (-EDQUOT) */
	uint64_t denied_nomem;	/* ... refused because the heap (or the pool)
				 * was empty (-ENOMEM) */
	uint64_t denied_other;	/* operations refused for another reason
				 * (-EPERM...), or naming nothing the thread
				 * holds; not among the requests */
	uint64_t freed;		/* objects and buffers released */
	uint64_t bytes_held;	/* heap bytes charged to it at the end */
	uint64_t peak_bytes;	/* most heap bytes charged to it at once */
	uint64_t syscalls;	/* kernel calls made by the script */
	uint64_t faults;	/* threads of it that died of a fault */
	uint64_t ops;		/* script operations executed */
	/* tick at which its last thread ended; 0 if one never did */
	uint64_t completion_tick;
};

struct ms_scenario_actor_result {
	char name[MS_SCENARIO_NAME_MAX];
	enum ms_actor_role role;
	char group[MS_SCENARIO_NAME_MAX];
	uint32_t group_id;	/* ms_thread_attr.group it ran with */
	bool user;		/* user (true) or supervisor thread */
	uint32_t count;		/* instances declared (count = N) */
	struct ms_scenario_counters c;
};

struct ms_scenario_group_result {
	char name[MS_SCENARIO_NAME_MAX];
	uint32_t id;		/* ms_thread_attr.group */
	bool implicit;		/* made for an actor without a group */
	struct ms_scenario_counters c;
};

/*
 * An actor's thread: an instance ("spammer[3]", or "spammer" for an actor
 * of one) or a child a spawn step made ("<the step's name, else the
 * actor's>.<n>", n counting the spawner's children from 0).
 */
struct ms_scenario_thread {
	ms_tid tid;
	char name[32];
	char actor[MS_SCENARIO_NAME_MAX];	/* the actor whose script it runs */
};

struct ms_scenario_fault {
	struct ms_fault fault;	/* kind, tid, tick, object, offset, detail, bt */
	char thread[32];	/* thread name ("spammer[3]") */
	char actor[MS_SCENARIO_NAME_MAX];	/* "" if not an actor's thread */
};

enum ms_expect_op {
	MS_EXPECT_EQ = 0,	/* == */
	MS_EXPECT_NE,		/* != */
	MS_EXPECT_LT,		/* <  */
	MS_EXPECT_LE,		/* <= */
	MS_EXPECT_GT,		/* >  */
	MS_EXPECT_GE,		/* >= */
};

/* "==", "!=", "<", "<=", ">", ">=" */
const char *ms_expect_op_name(enum ms_expect_op op);

struct ms_scenario_expect_result {
	char text[MS_SCENARIO_MSG_MAX];		/* as written */
	char metric[128];			/* "victim.denied" */
	enum ms_expect_op op;
	double expected;
	double actual;
	bool pass;
	char policy[MS_SCENARIO_NAME_MAX];	/* "" when for every policy */
	unsigned line, column;			/* where in the file */
	char mode[MS_SCENARIO_NAME_MAX];	/* the IPC mode it is keyed
						 * by; "" when for every mode */
};

/*
 * A named figure of a subsystem that the scenario used: "pool.shared.used",
 * "domain.app.partitions", ... Every stat is also a metric for [expect].
 */
struct ms_scenario_stat {
	char name[128];
	double value;
};

/* One point of the time series: heap bytes held per group, and in all. */
struct ms_scenario_sample {
	uint64_t tick;
	uint64_t heap_used;
	uint64_t *group_bytes;	/* result->n_groups entries, in group order */
};

/* docs/scenario-format.md, "Metrics", and DESIGN.md section 4. */
struct ms_scenario_metrics {
	bool has_victims;
	double victim_success;		/* granted/requested of victims; 1 when
					 * victims requested nothing */
	bool has_attackers;
	double attacker_share;		/* peak fraction of the heap attackers
					 * held at once (0..1) */
	uint64_t attacker_peak_bytes;
	bool exhausted;			/* a request found the heap empty */
	uint64_t time_to_exhaustion;	/* first such tick (if exhausted) */
	uint64_t collateral_denials;	/* quota denials of non-attackers */
	/* tick at which the last victim thread ended; 0 if one never did */
	uint64_t victim_completion_tick;
};

/* Host figures: never part of the deterministic record. */
struct ms_scenario_host {
	double wall_seconds;		/* building + running + collecting */
	uint64_t max_rss_kib;		/* the process's peak, 0 if unknown */
};

struct ms_scenario_result {
	char scenario[MS_SCENARIO_NAME_MAX];
	char file[MS_SCENARIO_PATH_MAX];
	char policy[MS_SCENARIO_NAME_MAX];
	uint64_t seed;
	bool without_attackers;
	uint64_t tick_limit;
	uint64_t final_tick;
	enum ms_run_status status;
	uint64_t event_hash;
	uint64_t event_count;		/* every event of the run */

	size_t heap_size;
	size_t heap_used;		/* at the end */
	size_t heap_peak;
	double heap_fragmentation;	/* 0..1, at the end; 0 when unknown */

	size_t n_actors;
	struct ms_scenario_actor_result *actors;
	size_t n_groups;
	struct ms_scenario_group_result *groups;
	struct ms_scenario_counters roles[MS_ROLE__COUNT];
	struct ms_scenario_counters total;

	size_t n_faults;
	struct ms_scenario_fault *faults;
	uint64_t fault_kinds[MS_FAULT__COUNT];	/* faults per kind */

	size_t n_expects;
	struct ms_scenario_expect_result *expects;
	size_t n_expects_failed;

	size_t n_stats;
	struct ms_scenario_stat *stats;

	uint64_t sample_every;
	size_t n_samples;
	struct ms_scenario_sample *samples;

	struct ms_scenario_metrics metrics;
	struct ms_scenario_host host;
	/*
	 * The IPC accounting mode the run used; "" when the scenario uses no
	 * IPC ([ipc], an IPC operation or a group's ipc_budget) and the run
	 * options named no mode.
	 */
	char ipc_mode[MS_SCENARIO_NAME_MAX];

	/* Every actor thread of the run, in tid order (what the faults'
	 * and the events' tids stand for; a trace names its tracks so). */
	size_t n_threads;
	struct ms_scenario_thread *threads;

	/* The device-policy combination the run used ("" when the scenario
	 * declares no [[device]]); the devices' stats are in stats, as
	 * "device.<name>.<stat>". */
	char device_policy[MS_SCENARIO_NAME_MAX];
};

/*
 * Run the scenario once. opts may be NULL (first policy, the scenario's
 * seed). The result is handed back even when expectations fail; see
 * result->n_expects_failed. err (may be NULL) is filled on -EINVAL.
 * @retval 0 and *out set
 * @retval -EINVAL unknown policy, IPC mode or device policy in opts, or a
 *         value the simulation refused
 * @retval -EBUSY called from inside a simulated thread
 * @retval -ENOMEM the host could not provide memory
 */
int ms_scenario_run(const struct ms_scenario *sc,
		    const struct ms_scenario_run_opts *opts,
		    struct ms_scenario_result **out,
		    struct ms_scenario_error *err);

void ms_scenario_result_free(struct ms_scenario_result *res);

/*
 * The sim the result was computed on (for the event log, faults and stats),
 * if the run kept it (opts.keep_sim), else NULL.
 */
struct ms_sim *ms_scenario_result_sim(const struct ms_scenario_result *res);

/* true when every expectation passed (and the run did not panic). */
bool ms_scenario_result_ok(const struct ms_scenario_result *res);

/*
 * Look a metric up by the name an expectation would use
 * ("attackers.granted", "faults.stack_overflow", "heap.peak", ...).
 * @retval 0 and *value set
 * @retval -ENOENT no such metric in this result
 */
int ms_scenario_result_metric(const struct ms_scenario_result *res,
			      const char *name, double *value);

#ifdef __cplusplus
}
#endif
#endif
