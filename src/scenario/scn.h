/* SPDX-License-Identifier: MIT */
/*
 * The scenario model: what the loader makes of a file, what the runner
 * executes. Private to src/scenario.
 *
 * A loaded scenario is immutable: every run reads it and keeps its own
 * mutable state (struct ms__run in run.c), so one scenario can run many
 * times, under several policies and seeds.
 */
#ifndef MS_SCENARIO_SCN_H
#define MS_SCENARIO_SCN_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/device.h>
#include <memsim/ipc.h>
#include <memsim/pool.h>
#include <memsim/scenario.h>

#include "scenario/tree.h"

/* A place in the file. */
struct ms__pos {
	unsigned line, column;
};

/* A numeric operand: a constant or a seeded random draw (ms_sim_random). */
enum ms__val_kind {
	MS__VAL_CONST = 0,
	MS__VAL_UNIFORM,	/* { uniform = [lo, hi] }: lo..hi inclusive */
	MS__VAL_EXP,		/* { exponential = mean } */
	MS__VAL_CHOICE,		/* { choice = [a, b, ...] } */
};

struct ms__val {
	enum ms__val_kind kind;
	int64_t a, b;		/* CONST: a; UNIFORM: [a, b]; EXP: mean a */
	int64_t *choices;	/* CHOICE */
	size_t n_choices;
	struct ms__pos pos;
};

/* Script operations. docs/scenario-format.md describes each. */
#define MS__OPS(X)                                                           \
	X(SLEEP, "sleep")                                                    \
	X(YIELD, "yield")                                                    \
	X(BUSY, "busy")                                                      \
	X(REPEAT, "repeat")                                                  \
	X(SPAWN, "spawn")                                                    \
	X(JOIN, "join")                                                      \
	X(RECURSE, "recurse")                                                \
	X(TOUCH, "touch")                                                    \
	X(ALLOC, "alloc")                                                    \
	X(FREE, "free")                                                      \
	X(OBJECT, "object")                                                  \
	X(PIPE, "pipe")                                                      \
	X(MSGQ, "msgq")                                                      \
	X(QUEUE, "queue")                                                    \
	X(APPEND, "append")                                                  \
	X(TAKE, "take")                                                      \
	X(WORK, "work")                                                      \
	X(LOAD, "load")                                                      \
	X(UNLOAD, "unload")                                                  \
	X(POOL_ALLOC, "pool_alloc")                                          \
	X(POOL_FREE, "pool_free")                                            \
	X(SEAL, "seal")                                                      \
	X(WRITE, "write")                                                    \
	X(RARE_WRITE, "rare_write")                                          \
	X(KERNEL_READ, "kernel_read")                                        \
	X(NODE, "node")                                                      \
	X(SEND, "send")                                                      \
	X(RECV, "recv")                                                      \
	X(DEVICE_ONLINE, "device_online")                                    \
	X(DEVICE_OFFLINE, "device_offline")                                  \
	X(DEVICE_WITHDRAW, "device_withdraw")                                \
	X(MAP, "map")                                                        \
	X(UNMAP, "unmap")                                                    \
	X(MIGRATE, "migrate")                                                \
	X(PIN, "pin")                                                        \
	X(UNPIN, "unpin")

enum ms__op {
#define MS__OP_ENUM(name, text) MS__OP_##name,
	MS__OPS(MS__OP_ENUM)
#undef MS__OP_ENUM
	MS__OP__COUNT
};

const char *ms__op_name(enum ms__op op);

struct ms__step;

struct ms__block {
	size_t n;
	struct ms__step *steps;
};

enum ms__until {
	MS__UNTIL_NONE = 0,
	MS__UNTIL_REFUSED,	/* an allocation of the body was refused */
};

enum ms__touch_target {
	MS__TOUCH_STACK = 0,	/* the thread's own stack */
	MS__TOUCH_DATA,		/* a sealed-pool allocation, by its `as` name */
	MS__TOUCH_PARTITION,	/* a partition of a domain, by name */
	MS__TOUCH_ARENA,	/* the domain arena, by offset */
	MS__TOUCH_MAP,		/* a device-memory mapping, by name */
};

enum ms__free_what {
	MS__FREE_LAST = 0,
	MS__FREE_FIRST,
	MS__FREE_ALL,
	MS__FREE_TAG,
};

/*
 * One step. Which fields mean what depends on op (see parse in script.c):
 *   n       the verb's operand (ticks, count, depth, bytes)
 *   m       a second operand (frame size, offset, ...)
 *   str     a name (tag, target, object type)
 *   body    repeat's `do`, spawn's `script`
 */
struct ms__step {
	enum ms__op op;
	struct ms__pos pos;
	struct ms__val n;
	struct ms__val m;
	char *str;
	char *tag;		/* `as = "name"`: the result's tag */
	int kind;		/* op-specific sub-kind */
	int access;		/* TOUCH: enum ms_access */
	enum ms__until until;
	bool has_n;
	bool flag;		/* SPAWN: wait for the children */
	int priority;		/* SPAWN */
	bool prio_set;
	size_t stack_size;	/* SPAWN: 0 = actor's */
	char *name;		/* SPAWN: child name prefix */
	int ref;		/* index of the sealed pool or partition */
	bool has_wait;		/* `wait = ...` given */
	int64_t wait;		/* ticks; -1: forever */
	int attr;		/* ALLOC: shared multi-heap attribute + 1; 0 none */
	struct ms__block body;
};

struct ms__group {
	char *name;
	struct ms__pos pos;
	uint32_t id;
	bool implicit;		/* the group of an actor that names none */
	int pool;		/* default pool for its actors, -1 */
	bool has_limit;		/* limit = ...: ms_quota_group_limit_set */
	uint64_t limit;
	bool has_ipc_budget;	/* ipc_budget = { ... } */
	struct ms_ipc_amount ipc_budget;
};

struct ms__pool {
	char *name;
	struct ms__pos pos;
	size_t size;
};

/* [sealed.<name>]: a module's sealed pool. */
struct ms__sealed {
	char *name;
	struct ms__pos pos;
	struct ms_pool_attr attr;
	bool loaded;		/* created before the run (else by `load`) */
};

/* A partition of [domains.<name>], and the domain it belongs to. */
struct ms__part {
	char *name;
	struct ms__pos pos;
	uint64_t start, size;
	unsigned user, supervisor;	/* enum ms_perm */
	int domain;
};

/* [domains.<name>] */
struct ms__domain {
	char *name;
	struct ms__pos pos;
};

/* [[device]] (load_device.c) */
struct ms__device {
	char *name;
	struct ms__pos pos;
	struct ms_device_attr attr;	/* attr.name is name */
};

/*
 * [device_policy]: per kind, the policies a run may use (each a name; the
 * defaults when the scenario names none), their parameters, and every
 * combination, in order (the first kind outermost): what memsim compare
 * runs. A combination's label is its four names joined by '+'.
 */
struct ms__devpol {
	GPtrArray *names[MS_DEVPOL__COUNT];	/* char * */
	struct ms_device_policy_params params;
	uint64_t ram;			/* [device_policy] ram; 0: no limit */
	GPtrArray *labels;		/* char * */
	struct ms__pos pos;
};

struct ms__actor {
	char *name;
	struct ms__pos pos;
	uint32_t count;
	bool user;
	int priority;
	int group;		/* index into groups */
	int pool;		/* index into pools, -1: none */
	int domain;		/* index into domains, -1: the default */
	enum ms_actor_role role;
	size_t stack_size;	/* 0: the sim's */
	struct ms__val start;	/* ticks to wait before the script */
	bool has_start;
	bool has_limit;		/* limit = ...: ms_quota_thread_limit_set */
	uint64_t limit;
	struct ms__block script;
};

/* A quota policy the scenario runs, with its [quota.<policy>] limit. */
struct ms__policy {
	char *name;
	struct ms__pos pos;
	uint64_t limit;		/* 0: the policy's default */
	bool limit_set;
	struct ms__pos limit_pos;
};

enum ms__rhs_kind {
	MS__RHS_NUMBER = 0,
	MS__RHS_METRIC,
};

struct ms__expect {
	char *text;
	struct ms__pos pos;
	char *metric;
	enum ms_expect_op op;
	enum ms__rhs_kind rhs_kind;
	double rhs;
	char *rhs_metric;
	int policy;		/* index into policies, -1: every policy */
	int mode;		/* index into ipc_modes, -1: every mode */
};

struct ms_scenario {
	char *file;
	char *name;
	char *description;

	/* [sim] */
	struct ms_config cfg;
	uint32_t max_threads;
	uint64_t sample_every;	/* [report]; 0: automatic */

	/* [kernel] */
	GArray *pools;		/* struct ms__pool */
	/* [sealed.*], [domains.*], [ipc] */
	GArray *sealed;		/* struct ms__sealed */
	GArray *domains;	/* struct ms__domain */
	GArray *parts;		/* struct ms__part, every domain's */
	int domain_policy;	/* enum ms_domain_policy; -1: the domain
				 * subsystem's default */
	bool xpfo;
	bool allow_wx;
	bool ipc_used;		/* [ipc] or an IPC operation */
	/* [ipc] mode or modes, in file order (char *); empty: the
	 * library's default mode */
	GPtrArray *ipc_modes;
	bool ipc_budget_set;
	struct ms_ipc_amount ipc_budget;

	/* [quota] */
	GArray *policies;	/* struct ms__policy, at least one */

	GArray *groups;		/* struct ms__group */
	GArray *actors;		/* struct ms__actor */
	GArray *expects;	/* struct ms__expect */

	/* [[device]], [device_policy] (load_device.c); no devices: no
	 * device policy combinations either */
	GArray *devices;	/* struct ms__device */
	struct ms__devpol devpol;
};

/* ---- loader helpers shared by the loader's files (load.c, script.c) ---- */

struct ms__lctx {
	const char *file;
	struct ms_scenario_error *err;
	struct ms_scenario *sc;
	bool failed;
	/* sealed-pool data names: defined by pool_alloc's `as`, used by
	 * write, rare_write, pool_free and touch "data:..." (checked once
	 * every script is parsed) */
	GHashTable *data_defs;	/* name -> NULL */
	GArray *data_refs;	/* struct ms__ref */
	/* device-memory mapping names: defined by map's `as`, used by
	 * touch "map:...", migrate, pin, unpin, unmap (checked likewise) */
	GHashTable *map_defs;	/* name -> NULL */
	GArray *map_refs;	/* struct ms__ref */
};

struct ms__ref {
	const char *name;	/* points into a step */
	struct ms__pos pos;
};

/* Report an error at pos (first error wins). Returns -EINVAL. */
int ms__lerr(struct ms__lctx *c, unsigned line, unsigned column,
	     const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Fill err with a formatted error. */
void ms__error_set(struct ms_scenario_error *err, const char *file,
		   unsigned line, unsigned column, const char *hint,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The closest of words[0..n) to s, or NULL if none is close enough. */
const char *ms__nearest(const char *s, const char *const *words, size_t n);

/*
 * Refuse every key of table t not in known[] (NULL-terminated), with the
 * nearest known key as hint. what names the table in messages ("[sim]").
 */
int ms__check_keys(struct ms__lctx *c, const struct ms__tnode *t,
		   const char *what, const char *const *known);

/* Typed getters. Absent keys leave *out alone and return 0. */
int ms__get_int(struct ms__lctx *c, const struct ms__tnode *t,
		const char *key, int64_t min, int64_t max, int64_t *out,
		bool *found);
int ms__get_size(struct ms__lctx *c, const struct ms__tnode *t,
		 const char *key, uint64_t min, uint64_t max, uint64_t *out,
		 bool *found);
int ms__get_str(struct ms__lctx *c, const struct ms__tnode *t,
		const char *key, const char **out, struct ms__pos *pos);
int ms__get_bool(struct ms__lctx *c, const struct ms__tnode *t,
		 const char *key, bool *out);
/* One of choices[] (NULL-terminated); *out = its index. */
int ms__get_enum(struct ms__lctx *c, const struct ms__tnode *t,
		 const char *key, const char *const *choices, int *out);
/* A size value node: integer or "64 KiB". */
int ms__node_size(struct ms__lctx *c, const char *key,
		  const struct ms__tnode *v, uint64_t min, uint64_t max,
		  uint64_t *out);
/* A numeric operand: constant or { uniform | exponential | choice }. */
int ms__node_val(struct ms__lctx *c, const char *key,
		 const struct ms__tnode *v, int64_t min, int64_t max,
		 bool size, struct ms__val *out);
int ms__type_error(struct ms__lctx *c, const char *key,
		   const struct ms__tnode *v, const char *expected);

/* script.c */
int ms__parse_script(struct ms__lctx *c, const char *key,
		     const struct ms__tnode *arr, int depth,
		     struct ms__block *out);
void ms__block_fini(struct ms__block *b);
void ms__val_fini(struct ms__val *v);
/* Threads one instance may spawn in all (saturating). */
uint64_t ms__block_spawns(const struct ms__block *b);
/* Whether any step of b (recursively) allocates. */
bool ms__block_allocates(const struct ms__block *b);
/* Whether any step of b (recursively) uses IPC. */
bool ms__block_uses_ipc(const struct ms__block *b);
/* Index of a sealed pool / a partition by name, or -1. */
int ms__sealed_find(const struct ms_scenario *sc, const char *name);
int ms__part_find(const struct ms_scenario *sc, const char *name);

/* load.c: a name of an actor, a group, a pool, a device... (1..31
 * characters, a letter or '_' first, not a metric family's). */
int ms__check_name(struct ms__lctx *c, const char *what, const char *name,
		   struct ms__pos pos);

/* load_device.c */
void ms__devices_init(struct ms_scenario *sc);
void ms__devices_fini(struct ms_scenario *sc);
/* [[device]] and [device_policy]; before the scripts, which name them. */
int ms__load_devices(struct ms__lctx *c, const struct ms__tnode *doc);
/* After every script: the mapping names used are defined. */
int ms__check_map_refs(struct ms__lctx *c);
/* A device step (op DEVICE_* , MAP, UNMAP, MIGRATE, PIN, UNPIN). */
int ms__parse_device_step(struct ms__lctx *c, const struct ms__tnode *t,
			  const struct ms__tnode *v, struct ms__step *s);
/* touch = "map:<name>" (the step's target is past "map:"). */
int ms__parse_map_touch(struct ms__lctx *c, const struct ms__tnode *t,
			const struct ms__tnode *v, struct ms__step *s);
/* alloc's `attr`. */
int ms__parse_alloc_attr(struct ms__lctx *c, const struct ms__tnode *t,
			 struct ms__step *s);
/* Whether device.<rest> is a metric of this scenario. */
bool ms__device_metric_known(const struct ms_scenario *sc, const char *rest,
			     const char **hint);
/* Index of a device by name, or -1. */
int ms__device_find(const struct ms_scenario *sc, const char *name);
/* The device.<name>.<stat> stats, NULL-terminated. */
const char *const *ms__device_stat_names(void);

/* expect.c */
int ms__parse_expect(struct ms__lctx *c, const struct ms__tnode *v,
		     int policy, int mode, struct ms__expect *out);
void ms__expect_fini(struct ms__expect *e);
/* Whether name is a metric this scenario's results will have. */
bool ms__metric_known(const struct ms_scenario *sc, const char *name,
		      const char **hint);

/* Draw a value (in a simulated thread or the host, with the sim's rng). */
int64_t ms__val_draw(struct ms_sim *sim, const struct ms__val *v);

#endif
