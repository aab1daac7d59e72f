/* SPDX-License-Identifier: MIT */
/*
 * Actor scripts: parsing the steps of a script into struct ms__step.
 *
 * A step is a table with exactly one operation key (its verb: `sleep`,
 * `alloc`, `repeat`...) whose value is the operation's main operand, plus
 * the modifiers that operation accepts:
 *
 *     { alloc = 64, as = "buf" }
 *     { repeat = 100, until = "refused", do = [ ... ] }
 *
 * Invariant: a parsed block is complete and valid: every operand is in
 * range, every nested block parsed, so the interpreter never has to check
 * the script again (only the simulation's answers).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <memsim/fault.h>
#include <memsim/thread.h>

#include "scenario/scn.h"

#define MAX_NESTING 16
#define REPEAT_DEFAULT_CAP 1000000

static const char *const op_names[] = {
#define MS__OP_TEXT(name, text) text,
	MS__OPS(MS__OP_TEXT)
#undef MS__OP_TEXT
	NULL
};

const char *ms__op_name(enum ms__op op)
{
	return op < MS__OP__COUNT ? op_names[op] : "?";
}

/* The keys each operation accepts, its verb first. */
static const char *const keys_sleep[] = { "sleep", NULL };
static const char *const keys_yield[] = { "yield", NULL };
static const char *const keys_busy[] = { "busy", NULL };
static const char *const keys_repeat[] = { "repeat", "until", "do", NULL };
static const char *const keys_spawn[] = {
	"spawn", "script", "name", "priority", "stack_size", "mode", "wait",
	NULL
};
static const char *const keys_join[] = { "join", NULL };
static const char *const keys_recurse[] = { "recurse", "frame", NULL };
static const char *const keys_touch[] = {
	"touch", "offset", "access", "bytes", "device", NULL
};
static const char *const keys_alloc[] = {
	"alloc", "as", "wait", "attr", NULL
};
static const char *const keys_free[] = { "free", NULL };
static const char *const keys_object[] = { "object", "as", NULL };
static const char *const keys_pipe[] = { "pipe", "as", NULL };
static const char *const keys_msgq[] = { "msgq", "msg_size", "as", NULL };
static const char *const keys_queue[] = { "queue", NULL };
static const char *const keys_append[] = { "append", "count", NULL };
static const char *const keys_take[] = { "take", "wait", NULL };
static const char *const keys_work[] = { "work", "as", NULL };
static const char *const keys_load[] = { "load", NULL };
static const char *const keys_unload[] = { "unload", NULL };
static const char *const keys_pool_alloc[] = {
	"pool_alloc", "pool", "as", "align", NULL
};
static const char *const keys_pool_free[] = { "pool_free", NULL };
static const char *const keys_seal[] = { "seal", NULL };
static const char *const keys_write[] = {
	"write", "offset", "bytes", "value", NULL
};
static const char *const keys_rare_write[] = {
	"rare_write", "offset", "bytes", "value", NULL
};
static const char *const keys_kernel_read[] = {
	"kernel_read", "offset", "bytes", NULL
};
static const char *const keys_node[] = { "node", NULL };
static const char *const keys_send[] = {
	"send", "bytes", "count", "wait", NULL
};
static const char *const keys_recv[] = { "recv", "wait", "max", NULL };
/* device memory (parsed in load_device.c) */
static const char *const keys_device_blocks[] = {
	"device_online", "device_offline", "first", "blocks", "zone", "attr",
	NULL
};
static const char *const keys_device_withdraw[] = { "device_withdraw", NULL };
static const char *const keys_map[] = { "map", "as", "device", NULL };
static const char *const keys_unmap[] = { "unmap", "offset", "bytes", NULL };
static const char *const keys_migrate[] = {
	"migrate", "to", "offset", "bytes", "hold", NULL
};
static const char *const keys_pin[] = {
	"pin", "unpin", "offset", "bytes", "longterm", NULL
};

static const char *const *const op_keys[MS__OP__COUNT] = {
	[MS__OP_SLEEP] = keys_sleep,
	[MS__OP_YIELD] = keys_yield,
	[MS__OP_BUSY] = keys_busy,
	[MS__OP_REPEAT] = keys_repeat,
	[MS__OP_SPAWN] = keys_spawn,
	[MS__OP_JOIN] = keys_join,
	[MS__OP_RECURSE] = keys_recurse,
	[MS__OP_TOUCH] = keys_touch,
	[MS__OP_ALLOC] = keys_alloc,
	[MS__OP_FREE] = keys_free,
	[MS__OP_OBJECT] = keys_object,
	[MS__OP_PIPE] = keys_pipe,
	[MS__OP_MSGQ] = keys_msgq,
	[MS__OP_QUEUE] = keys_queue,
	[MS__OP_APPEND] = keys_append,
	[MS__OP_TAKE] = keys_take,
	[MS__OP_WORK] = keys_work,
	[MS__OP_LOAD] = keys_load,
	[MS__OP_UNLOAD] = keys_unload,
	[MS__OP_POOL_ALLOC] = keys_pool_alloc,
	[MS__OP_POOL_FREE] = keys_pool_free,
	[MS__OP_SEAL] = keys_seal,
	[MS__OP_WRITE] = keys_write,
	[MS__OP_RARE_WRITE] = keys_rare_write,
	[MS__OP_KERNEL_READ] = keys_kernel_read,
	[MS__OP_NODE] = keys_node,
	[MS__OP_SEND] = keys_send,
	[MS__OP_RECV] = keys_recv,
	[MS__OP_DEVICE_ONLINE] = keys_device_blocks,
	[MS__OP_DEVICE_OFFLINE] = keys_device_blocks,
	[MS__OP_DEVICE_WITHDRAW] = keys_device_withdraw,
	[MS__OP_MAP] = keys_map,
	[MS__OP_UNMAP] = keys_unmap,
	[MS__OP_MIGRATE] = keys_migrate,
	[MS__OP_PIN] = keys_pin,
	[MS__OP_UNPIN] = keys_pin,
};

static const struct ms__tnode *val_of(const struct ms__tnode *t,
				      const char *key)
{
	const struct ms__tentry *e = ms__table_find(t, key);

	return e ? e->val : NULL;
}

/* Which operation a step table is; -1 after an error. */
static int step_op(struct ms__lctx *c, const struct ms__tnode *t)
{
	int found = -1;
	const struct ms__tentry *first = NULL;
	char hint[MS_SCENARIO_MSG_MAX];

	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];

		for (int op = 0; op < MS__OP__COUNT; op++) {
			if (strcmp(e->key, op_names[op]) != 0)
				continue;
			if (found >= 0) {
				snprintf(hint, sizeof(hint),
					 "write each operation as its own step: "
					 "{ %s = ... }, { %s = ... }",
					 op_names[found], e->key);
				ms__lerr(c, e->line, e->column, hint,
					 "a step has two operations, '%s' and '%s'",
					 op_names[found], e->key);
				return -1;
			}
			found = op;
		}
		/* `until` alone makes a repeat (bounded by a default cap). */
		if (strcmp(e->key, "until") == 0 && !ms__table_find(t, "repeat"))
			found = found < 0 ? MS__OP_REPEAT : found;
		if (!first)
			first = e;
	}
	if (found >= 0)
		return found;
	if (first) {
		const char *near = ms__nearest(first->key, op_names,
					       MS__OP__COUNT);

		if (near)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
		else
			snprintf(hint, sizeof(hint),
				 "operations: sleep, yield, busy, repeat, spawn, "
				 "join, recurse, touch, alloc, free, object, "
				 "pipe, msgq, queue, append, take, work, load, "
				 "unload, pool_alloc, pool_free, seal, write, "
				 "rare_write, kernel_read, node, send, recv, "
				 "device_online, device_offline, "
				 "device_withdraw, map, unmap, migrate, pin, "
				 "unpin");
		ms__lerr(c, first->line, first->column, hint,
			 "unknown operation '%s'", first->key);
		return -1;
	}
	ms__lerr(c, t->line, t->column,
		 "a step is a table like { sleep = 10 }", "empty step");
	return -1;
}

static int need_block(struct ms__lctx *c, const struct ms__tnode *t,
		      const char *key, const char *op, int depth,
		      struct ms__block *out)
{
	const struct ms__tnode *v = val_of(t, key);
	char hint[MS_SCENARIO_MSG_MAX];

	if (!v) {
		snprintf(hint, sizeof(hint), "write { %s = ..., %s = [ ... ] }",
			 op, key);
		return ms__lerr(c, t->line, t->column, hint,
				"'%s' needs '%s', the steps to run", op, key);
	}
	return ms__parse_script(c, key, v, depth + 1, out);
}

/* `as = "name"`: what free and touch call the result. */
static int get_tag(struct ms__lctx *c, const struct ms__tnode *t,
		   struct ms__step *s)
{
	const char *str = NULL;
	int ret = ms__get_str(c, t, "as", &str, NULL);

	if (!ret && str)
		s->tag = g_strdup(str);
	return ret;
}

/* `wait = ticks` or `wait = "forever"`; absent: do not wait. */
static int get_wait(struct ms__lctx *c, const struct ms__tnode *t,
		    struct ms__step *s)
{
	const struct ms__tnode *w = val_of(t, "wait");
	int64_t ticks = 0;
	int ret;

	s->has_wait = w != NULL;
	s->wait = 0;
	if (!w)
		return 0;
	if (w->type == MS__T_STRING) {
		if (strcmp(w->u.s, "forever") == 0) {
			s->wait = -1;
			return 0;
		}
		return ms__lerr(c, w->line, w->column,
				"write wait = 100 (ticks) or wait = \"forever\"",
				"'wait' must be a number of ticks or \"forever\"");
	}
	ret = ms__get_int(c, t, "wait", 0, INT64_MAX / 4, &ticks, NULL);
	s->wait = ticks;
	return ret;
}

int ms__sealed_find(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->sealed->len; i++)
		if (!strcmp(g_array_index(sc->sealed, struct ms__sealed, i).name,
			    name))
			return (int)i;
	return -1;
}

int ms__part_find(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->parts->len; i++)
		if (!strcmp(g_array_index(sc->parts, struct ms__part, i).name,
			    name))
			return (int)i;
	return -1;
}

static int unknown_name(struct ms__lctx *c, const struct ms__tnode *v,
			const char *kind, const char *name, GArray *arr,
			size_t elt, const char *declare)
{
	const char *names[64];
	size_t n = 0;
	const char *near;
	char hint[MS_SCENARIO_MSG_MAX];

	for (guint i = 0; i < arr->len && n < G_N_ELEMENTS(names); i++)
		names[n++] = *(const char *const *)(arr->data + (size_t)i * elt);
	near = n ? ms__nearest(name, names, n) : NULL;
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
	else
		snprintf(hint, sizeof(hint), "declare it first: %s", declare);
	return ms__lerr(c, v->line, v->column, hint, "unknown %s '%s'", kind,
			name);
}

static int sealed_ref(struct ms__lctx *c, const char *key,
		      const struct ms__tnode *v, int *out)
{
	if (v->type != MS__T_STRING)
		return ms__type_error(c, key, v, "the name of a sealed pool");
	*out = ms__sealed_find(c->sc, v->u.s);
	if (*out < 0)
		return unknown_name(c, v, "sealed pool", v->u.s, c->sc->sealed,
				    sizeof(struct ms__sealed), "[sealed.<name>]");
	return 0;
}

static int part_ref(struct ms__lctx *c, const char *key,
		    const struct ms__tnode *v, int *out)
{
	if (v->type != MS__T_STRING)
		return ms__type_error(c, key, v, "the name of a partition");
	*out = ms__part_find(c->sc, v->u.s);
	if (*out < 0)
		return unknown_name(c, v, "partition", v->u.s, c->sc->parts,
				    sizeof(struct ms__part),
				    "[domains.<name>] partitions = [ { name = "
				    "..., start = ..., size = ... } ]");
	return 0;
}

/* A sealed-pool data name, checked against the pool_alloc names later. */
static int data_ref(struct ms__lctx *c, const char *key,
		    const struct ms__tnode *v, struct ms__step *s)
{
	struct ms__ref r;

	if (v->type != MS__T_STRING || !v->u.s[0])
		return ms__type_error(c, key, v,
				      "the name a pool_alloc gave with 'as'");
	s->str = g_strdup(v->u.s);
	r.name = s->str;
	r.pos.line = v->line;
	r.pos.column = v->column;
	g_array_append_val(c->data_refs, r);
	return 0;
}

/*
 * touch = "stack" | "data:<name>" | "partition:<name>" | "arena", with
 * offset (from the start of the target), access and bytes.
 */
static int parse_touch(struct ms__lctx *c, const struct ms__tnode *t,
		       const struct ms__tnode *v, struct ms__step *s)
{
	static const char *const accesses[] = { "read", "write", NULL };
	static const char *const targets[] = {
		"stack", "data:", "partition:", "arena", "map:", NULL
	};
	int acc = 1, ret;
	int64_t off = 0, bytes = 1;
	const char *target;

	if (v->type != MS__T_STRING)
		return ms__type_error(c, "touch", v,
				      "\"stack\", \"data:<name>\", "
				      "\"partition:<name>\" or \"arena\"");
	target = v->u.s;
	if (strncmp(target, "map:", 4) == 0)
		return ms__parse_map_touch(c, t, v, s);
	if (ms__table_find(t, "device"))
		return ms__lerr(c, v->line, v->column,
				"a device touches mappings: touch = \"map:<name>\"",
				"'device' is for touches of a mapping");
	if (strcmp(target, "stack") == 0) {
		s->kind = MS__TOUCH_STACK;
	} else if (strcmp(target, "arena") == 0) {
		s->kind = MS__TOUCH_ARENA;
	} else if (strncmp(target, "data:", 5) == 0) {
		struct ms__tnode name = *v;

		s->kind = MS__TOUCH_DATA;
		name.u.s = (char *)target + 5;
		name.column += 6;
		ret = data_ref(c, "touch", &name, s);
		if (ret)
			return ret;
	} else if (strncmp(target, "partition:", 10) == 0) {
		struct ms__tnode name = *v;

		s->kind = MS__TOUCH_PARTITION;
		name.u.s = (char *)target + 10;
		name.column += 11;
		ret = part_ref(c, "touch", &name, &s->ref);
		if (ret)
			return ret;
	} else {
		const char *near = ms__nearest(target, targets, 5);
		char hint[MS_SCENARIO_MSG_MAX];

		snprintf(hint, sizeof(hint), "%s%s%stargets: \"stack\", "
			 "\"data:<name>\", \"partition:<name>\", \"arena\", "
			 "\"map:<name>\"",
			 near ? "did you mean '" : "", near ? near : "",
			 near ? "'? " : "");
		return ms__lerr(c, v->line, v->column, hint,
				"unknown touch target '%s'", target);
	}
	ret = ms__get_enum(c, t, "access", accesses, &acc);
	if (!ret)
		ret = ms__get_int(c, t, "offset",
				  s->kind == MS__TOUCH_STACK ? -((int64_t)1 << 30) : 0,
				  (int64_t)1 << 32, &off, NULL);
	if (!ret)
		ret = ms__get_int(c, t, "bytes", 1, 1 << 16, &bytes, NULL);
	s->access = acc == 0 ? MS_ACCESS_READ : MS_ACCESS_WRITE;
	s->m.kind = MS__VAL_CONST;
	s->m.a = off;
	s->n.kind = MS__VAL_CONST;
	s->n.a = bytes;
	return ret;
}

static int parse_step(struct ms__lctx *c, const struct ms__tnode *t,
		      int depth, struct ms__step *s)
{
	const uint32_t max_threads = c->sc->max_threads;
	const struct ms__tnode *v;
	const char *str = NULL;
	int op, ret, idx;
	char what[64];

	s->pos.line = t->line;
	s->pos.column = t->column;
	op = step_op(c, t);
	if (op < 0)
		return -EINVAL;
	s->op = (enum ms__op)op;
	snprintf(what, sizeof(what), "%s '%s' step",
		 strchr("aeiou", op_names[op][0]) ? "an" : "a", op_names[op]);
	ret = ms__check_keys(c, t, what, op_keys[op]);
	if (ret)
		return ret;
	v = val_of(t, ms__op_name(s->op));
	s->has_n = v != NULL;

	switch (s->op) {
	case MS__OP_SLEEP:
	case MS__OP_BUSY:
		return ms__node_val(c, ms__op_name(s->op), v, 0, INT64_MAX / 4,
				    false, &s->n);
	case MS__OP_YIELD:
		return ms__node_val(c, "yield", v, 1, 1000000, false, &s->n);
	case MS__OP_REPEAT:
		if (v) {
			ret = ms__node_val(c, "repeat", v, 0, INT32_MAX, false,
					   &s->n);
			if (ret)
				return ret;
		} else {
			s->n.kind = MS__VAL_CONST;
			s->n.a = REPEAT_DEFAULT_CAP;
		}
		if (val_of(t, "until")) {
			static const char *const untils[] = { "refused", NULL };

			ret = ms__get_enum(c, t, "until", untils, &idx);
			if (ret)
				return ret;
			s->until = MS__UNTIL_REFUSED;
		}
		return need_block(c, t, "do", "repeat", depth, &s->body);
	case MS__OP_SPAWN: {
		int64_t prio = 0;
		uint64_t stack = 0;
		bool found = false;
		static const char *const modes[] = { "user", "supervisor", NULL };
		int mode = -1;

		ret = ms__node_val(c, "spawn", v, 1, max_threads, false, &s->n);
		if (!ret)
			ret = ms__get_int(c, t, "priority", MS_PRIO_MIN,
					  MS_PRIO_MAX, &prio, &found);
		s->priority = (int)prio;
		s->prio_set = found;
		if (!ret)
			ret = ms__get_size(c, t, "stack_size", 4096,
					   (uint64_t)256 << 20, &stack, NULL);
		s->stack_size = stack;
		if (!ret)
			ret = ms__get_enum(c, t, "mode", modes, &mode);
		s->kind = mode;	/* -1: the parent's mode */
		if (!ret)
			ret = ms__get_bool(c, t, "wait", &s->flag);
		if (!ret)
			ret = ms__get_str(c, t, "name", &str, NULL);
		if (ret)
			return ret;
		if (str)
			s->name = g_strdup(str);
		return need_block(c, t, "script", "spawn", depth, &s->body);
	}
	case MS__OP_JOIN: {
		static const char *const joins[] = { "children", NULL };

		return ms__get_enum(c, t, "join", joins, &idx);
	}
	case MS__OP_RECURSE:
		ret = ms__node_val(c, "recurse", v, 0, 1 << 20, false, &s->n);
		if (ret)
			return ret;
		s->m.kind = MS__VAL_CONST;
		s->m.a = 256;
		v = val_of(t, "frame");
		if (v)
			ret = ms__node_val(c, "frame", v, 16, 65536, true, &s->m);
		return ret;
	case MS__OP_TOUCH:
		return parse_touch(c, t, v, s);
	case MS__OP_ALLOC:
		ret = ms__node_val(c, "alloc", v, 1, (int64_t)1 << 32, true,
				   &s->n);
		if (!ret)
			ret = get_tag(c, t, s);
		if (!ret)
			ret = get_wait(c, t, s);
		if (!ret)
			ret = ms__parse_alloc_attr(c, t, s);
		return ret;
	case MS__OP_FREE:
		if (v->type != MS__T_STRING)
			return ms__type_error(c, "free", v,
					      "\"last\", \"first\", \"all\" or a "
					      "tag given with 'as'");
		if (strcmp(v->u.s, "last") == 0) {
			s->kind = MS__FREE_LAST;
		} else if (strcmp(v->u.s, "first") == 0) {
			s->kind = MS__FREE_FIRST;
		} else if (strcmp(v->u.s, "all") == 0) {
			s->kind = MS__FREE_ALL;
		} else {
			s->kind = MS__FREE_TAG;
			s->str = g_strdup(v->u.s);
		}
		return 0;
	case MS__OP_OBJECT: {
		static const char *const types[] = {
			"sem", "mutex", "timer", "queue", "msgq", "stack",
			"pipe", "thread", "delayed-work", NULL
		};

		ret = ms__get_enum(c, t, "object", types, &idx);
		s->kind = idx + 1;	/* enum ms_kobj_type: ANY is 0 */
		if (!ret)
			ret = get_tag(c, t, s);
		return ret;
	}
	case MS__OP_PIPE:
		ret = ms__node_val(c, "pipe", v, 1, (int64_t)1 << 30, true,
				   &s->n);
		return ret ? ret : get_tag(c, t, s);
	case MS__OP_MSGQ: {
		const struct ms__tnode *ms = val_of(t, "msg_size");

		ret = ms__node_val(c, "msgq", v, 1, 1 << 20, false, &s->n);
		s->m.kind = MS__VAL_CONST;
		s->m.a = 16;
		if (!ret && ms)
			ret = ms__node_val(c, "msg_size", ms, 1, 1 << 20, true,
					   &s->m);
		return ret ? ret : get_tag(c, t, s);
	}
	case MS__OP_QUEUE:
	case MS__OP_APPEND:
	case MS__OP_TAKE:
		if (v->type != MS__T_STRING || !v->u.s[0])
			return ms__type_error(c, ms__op_name(s->op), v,
					      "the name of a queue");
		s->str = g_strdup(v->u.s);
		if (s->op == MS__OP_APPEND) {
			const struct ms__tnode *cnt = val_of(t, "count");

			s->m.kind = MS__VAL_CONST;
			s->m.a = 1;
			if (cnt)
				ret = ms__node_val(c, "count", cnt, 1, 1 << 24,
						   false, &s->m);
		}
		if (s->op == MS__OP_TAKE)
			ret = get_wait(c, t, s);
		return ret;
	case MS__OP_WORK:
		ret = ms__node_val(c, "work", v, 0, INT64_MAX / 4, false, &s->n);
		return ret ? ret : get_tag(c, t, s);
	case MS__OP_LOAD:
	case MS__OP_UNLOAD:
	case MS__OP_SEAL:
		return sealed_ref(c, ms__op_name(s->op), v, &s->ref);
	case MS__OP_POOL_ALLOC: {
		const struct ms__tnode *pool = val_of(t, "pool");
		uint64_t align = 0;

		ret = ms__node_val(c, "pool_alloc", v, 1, 1 << 16, true, &s->n);
		if (ret)
			return ret;
		if (!pool)
			return ms__lerr(c, t->line, t->column,
					"write { pool_alloc = 64, pool = \"name\", "
					"as = \"data\" }",
					"'pool_alloc' needs 'pool', the sealed pool "
					"to allocate from");
		ret = sealed_ref(c, "pool", pool, &s->ref);
		if (!ret)
			ret = ms__get_size(c, t, "align", 1, 1 << 16, &align, NULL);
		if (!ret && align & (align - 1))
			ret = ms__lerr(c, val_of(t, "align")->line,
				       val_of(t, "align")->column, NULL,
				       "'align' must be a power of two (got %llu)",
				       (unsigned long long)align);
		s->m.kind = MS__VAL_CONST;
		s->m.a = (int64_t)align;
		if (!ret)
			ret = get_tag(c, t, s);
		if (!ret && s->tag)
			g_hash_table_add(c->data_defs, s->tag);
		return ret;
	}
	case MS__OP_POOL_FREE:
		return data_ref(c, "pool_free", v, s);
	case MS__OP_WRITE:
	case MS__OP_RARE_WRITE: {
		int64_t off = 0, bytes = 8, value = 0x5a;

		ret = data_ref(c, ms__op_name(s->op), v, s);
		if (!ret)
			ret = ms__get_int(c, t, "offset", 0, 1 << 20, &off, NULL);
		if (!ret)
			ret = ms__get_int(c, t, "bytes", 1, 1 << 16, &bytes, NULL);
		if (!ret)
			ret = ms__get_int(c, t, "value", 0, 255, &value, NULL);
		s->m.kind = MS__VAL_CONST;
		s->m.a = off;
		s->n.kind = MS__VAL_CONST;
		s->n.a = bytes;
		s->kind = (int)value;
		return ret;
	}
	case MS__OP_KERNEL_READ: {
		int64_t off = 0, bytes = 8;

		ret = part_ref(c, "kernel_read", v, &s->ref);
		if (!ret)
			ret = ms__get_int(c, t, "offset", 0, (int64_t)1 << 32, &off,
					  NULL);
		if (!ret)
			ret = ms__get_int(c, t, "bytes", 1, 1 << 16, &bytes, NULL);
		s->m.kind = MS__VAL_CONST;
		s->m.a = off;
		s->n.kind = MS__VAL_CONST;
		s->n.a = bytes;
		return ret;
	}
	case MS__OP_NODE:
	case MS__OP_SEND:
	case MS__OP_RECV:
		c->sc->ipc_used = true;
		if (v->type != MS__T_STRING || !v->u.s[0] ||
		    strlen(v->u.s) >= MS_IPC_NAME_MAX)
			return ms__lerr(c, v->line, v->column,
					"a node name has 1 to 31 characters",
					"'%s' must be the name of an IPC node",
					ms__op_name(s->op));
		s->str = g_strdup(v->u.s);
		if (s->op == MS__OP_SEND) {
			const struct ms__tnode *b = val_of(t, "bytes");
			const struct ms__tnode *n = val_of(t, "count");

			s->n.kind = MS__VAL_CONST;
			s->n.a = 64;
			s->m.kind = MS__VAL_CONST;
			s->m.a = 1;
			if (b)
				ret = ms__node_val(c, "bytes", b, 0,
						   (int64_t)MS_IPC_MSG_MAX, true,
						   &s->n);
			if (!ret && n)
				ret = ms__node_val(c, "count", n, 1, 1 << 24,
						   false, &s->m);
			if (!ret)
				ret = get_wait(c, t, s);
			return ret;
		}
		if (s->op == MS__OP_RECV) {
			uint64_t max = 4096;

			ret = get_wait(c, t, s);
			if (!ret)
				ret = ms__get_size(c, t, "max", 1,
						   MS_IPC_MSG_MAX, &max, NULL);
			s->stack_size = (size_t)max;
			return ret;
		}
		return 0;
	case MS__OP_DEVICE_ONLINE:
	case MS__OP_DEVICE_OFFLINE:
	case MS__OP_DEVICE_WITHDRAW:
	case MS__OP_MAP:
	case MS__OP_UNMAP:
	case MS__OP_MIGRATE:
	case MS__OP_PIN:
	case MS__OP_UNPIN:
		return ms__parse_device_step(c, t, v, s);
	case MS__OP__COUNT:
		break;
	}
	return 0;
}

int ms__parse_script(struct ms__lctx *c, const char *key,
		     const struct ms__tnode *arr, int depth,
		     struct ms__block *out)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (arr->type != MS__T_ARRAY)
		return ms__type_error(c, key, arr, "an array of steps");
	if (depth > MAX_NESTING)
		return ms__lerr(c, arr->line, arr->column, NULL,
				"scripts nest more than %d deep", MAX_NESTING);
	out->steps = g_new0(struct ms__step, arr->u.array.n ? arr->u.array.n : 1);
	for (size_t i = 0; i < arr->u.array.n; i++) {
		const struct ms__tnode *t = arr->u.array.v[i];

		out->n = i + 1;
		if (t->type != MS__T_TABLE) {
			ret = ms__lerr(c, t->line, t->column,
				       "a step is a table like { sleep = 10 }",
				       "a step of '%s' must be a table, not %s",
				       key, ms__tnode_type_name(t->type));
			break;
		}
		ret = parse_step(c, t, depth, &out->steps[i]);
		if (ret)
			break;
	}
	return ret;
}

static void step_fini(struct ms__step *s)
{
	ms__val_fini(&s->n);
	ms__val_fini(&s->m);
	g_free(s->str);
	g_free(s->tag);
	g_free(s->name);
	ms__block_fini(&s->body);
}

void ms__block_fini(struct ms__block *b)
{
	for (size_t i = 0; i < b->n; i++)
		step_fini(&b->steps[i]);
	g_free(b->steps);
	b->steps = NULL;
	b->n = 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX / 4 - b ? UINT64_MAX / 4 : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	if (a && b > (UINT64_MAX / 4) / a)
		return UINT64_MAX / 4;
	return a * b;
}

static uint64_t val_max(const struct ms__val *v)
{
	uint64_t m = 0;

	switch (v->kind) {
	case MS__VAL_CONST:
		return (uint64_t)v->a;
	case MS__VAL_UNIFORM:
		return (uint64_t)v->b;
	case MS__VAL_EXP:
		return UINT64_MAX / 4;
	case MS__VAL_CHOICE:
		for (size_t i = 0; i < v->n_choices; i++)
			if ((uint64_t)v->choices[i] > m)
				m = (uint64_t)v->choices[i];
		return m;
	}
	return m;
}

uint64_t ms__block_spawns(const struct ms__block *b)
{
	uint64_t n = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct ms__step *s = &b->steps[i];

		if (s->op == MS__OP_SPAWN)
			n = sat_add(n, sat_mul(val_max(&s->n),
					       1 + ms__block_spawns(&s->body)));
		else if (s->op == MS__OP_REPEAT)
			n = sat_add(n, sat_mul(val_max(&s->n),
					       ms__block_spawns(&s->body)));
	}
	return n;
}

bool ms__block_uses_ipc(const struct ms__block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct ms__step *s = &b->steps[i];

		if (s->op == MS__OP_NODE || s->op == MS__OP_SEND ||
		    s->op == MS__OP_RECV)
			return true;
		if ((s->op == MS__OP_REPEAT || s->op == MS__OP_SPAWN) &&
		    ms__block_uses_ipc(&s->body))
			return true;
	}
	return false;
}

bool ms__block_allocates(const struct ms__block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct ms__step *s = &b->steps[i];

		switch (s->op) {
		case MS__OP_ALLOC:
		case MS__OP_OBJECT:
		case MS__OP_PIPE:
		case MS__OP_MSGQ:
		case MS__OP_QUEUE:
		case MS__OP_APPEND:
		case MS__OP_WORK:
			return true;
		default:
			break;
		}
		if ((s->op == MS__OP_REPEAT || s->op == MS__OP_SPAWN) &&
		    ms__block_allocates(&s->body))
			return true;
	}
	return false;
}
