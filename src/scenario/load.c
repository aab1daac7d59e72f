/* SPDX-License-Identifier: MIT */
/*
 * The scenario loader: from the document tree to struct ms_scenario.
 *
 * Validation is complete before anything runs: unknown keys, types,
 * ranges, references between actors, groups and pools, policy names and
 * the metrics named by expectations. The first error is reported with its
 * place in the file and a hint; nothing is half-loaded (a failed load frees
 * what it built).
 *
 * docs/scenario-format.md is the reference for every key checked here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/domain.h>
#include <memsim/heap.h>
#include <memsim/ipc.h>
#include <memsim/pool.h>
#include <memsim/quota.h>
#include <memsim/thread.h>

#include "scenario/override.h"
#include "scenario/scn.h"

#define MAX_THREADS_LIMIT 65536
#define NAME_MAX_LEN 31

static const char *const top_keys[] = {
	"scenario", "sim", "kernel", "sealed", "domains", "ipc", "quota",
	"groups", "actor", "workload", "report", "expect", "device",
	"device_policy", NULL
};
static const char *const scenario_keys[] = { "name", "description", NULL };
static const char *const sim_keys[] = {
	"seed", "tick_limit", "time_slice", "arch", "mpu_regions",
	"stack_size", "priv_stack_size", "guard_pages", "max_threads",
	"context", "event_log", "domain_policy", "xpfo", "allow_wx", NULL
};
static const char *const kernel_keys[] = {
	"heap_size", "heap_quick_depth", "arena_size", "pools", NULL
};
static const char *const quota_keys_base[] = { "policy", "policies", NULL };
static const char *const group_keys[] = {
	"description", "pool", "limit", "ipc_budget", NULL
};
static const char *const actor_keys[] = {
	"name", "count", "mode", "priority", "group", "pool", "domain",
	"role", "stack_size", "start", "limit", "script", NULL
};
static const char *const workload_keys[] = {
	"name", "count", "mode", "priority", "group", "pool", "domain",
	"role", "stack_size", "start", "limit", "requests", "size",
	"interval", "hold", NULL
};
static const char *const report_keys[] = { "sample_every", NULL };

/* Names a metric path may not use for an actor or a group. */
static const char *const reserved_names[] = {
	"attackers", "victims", "neutrals", "all", "faults", "heap", "run",
	"metrics", "pool", "pools", "system", "kernel", "sim", "sealed",
	"domains", "ipc", "device", "devices", NULL
};

static const char *const roles[] = { "neutral", "attacker", "victim", NULL };
static const char *const thread_modes[] = { "user", "supervisor", NULL };

static const struct ms__tnode *get(const struct ms__tnode *t, const char *key)
{
	const struct ms__tentry *e = ms__table_find(t, key);

	return e ? e->val : NULL;
}

/* A section that must be a table if present. */
static int section(struct ms__lctx *c, const struct ms__tnode *doc,
		   const char *key, const char *const *known,
		   const struct ms__tnode **out)
{
	const struct ms__tnode *v = get(doc, key);
	char what[64];

	*out = NULL;
	if (!v)
		return 0;
	if (v->type != MS__T_TABLE)
		return ms__type_error(c, key, v, "a table");
	*out = v;
	if (!known)
		return 0;
	snprintf(what, sizeof(what), "[%s]", key);
	return ms__check_keys(c, v, what, known);
}

static int check_name(struct ms__lctx *c, const char *what, const char *name,
		      struct ms__pos pos)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN)
		return ms__lerr(c, pos.line, pos.column,
				"names have 1 to 31 characters",
				"%s name '%s' is %s", what, name,
				len ? "too long" : "empty");
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  ch == '_' || (i && ((ch >= '0' && ch <= '9') || ch == '-'));

		if (!ok)
			return ms__lerr(c, pos.line, pos.column,
					"a name is a letter or '_', then letters, "
					"digits, '_' or '-' (metrics use '.' to "
					"separate names)",
					"%s name '%s' has a bad character '%c'",
					what, name, ch);
	}
	for (size_t i = 0; reserved_names[i]; i++)
		if (strcmp(name, reserved_names[i]) == 0)
			return ms__lerr(c, pos.line, pos.column,
					"choose another name: this one names "
					"a metric family",
					"%s name '%s' is reserved", what, name);
	return 0;
}

int ms__check_name(struct ms__lctx *c, const char *what, const char *name,
		   struct ms__pos pos)
{
	return check_name(c, what, name, pos);
}

/* ---- [sim] ---- */

static int load_sim(struct ms__lctx *c, const struct ms__tnode *doc)
{
	struct ms_scenario *sc = c->sc;
	struct ms_config *cfg = &sc->cfg;
	const struct ms__tnode *t;
	static const char *const archs[] = { "mmu", "armv7m", "armv8m", NULL };
	static const char *const ctxs[] = { "auto", "asm", "ucontext", NULL };
	int64_t v;
	uint64_t u;
	int e, ret;
	bool found;

	ret = section(c, doc, "sim", sim_keys, &t);
	if (ret || !t)
		return ret;
	v = (int64_t)cfg->seed;
	ret = ms__get_int(c, t, "seed", 0, INT64_MAX, &v, NULL);
	cfg->seed = (uint64_t)v;
	v = 0;
	if (!ret)
		ret = ms__get_int(c, t, "tick_limit", 0, INT64_MAX / 4, &v, NULL);
	cfg->tick_limit = (uint64_t)v;
	v = cfg->time_slice;
	if (!ret)
		ret = ms__get_int(c, t, "time_slice", 0, 1000000000, &v, NULL);
	cfg->time_slice = (uint32_t)v;
	e = (int)cfg->arch;
	if (!ret)
		ret = ms__get_enum(c, t, "arch", archs, &e);
	cfg->arch = (enum ms_arch)e;
	v = cfg->mpu_regions;
	if (!ret)
		ret = ms__get_int(c, t, "mpu_regions", 8, 16, &v, &found);
	if (!ret && found && v != 8 && v != 16)
		ret = ms__lerr(c, get(t, "mpu_regions")->line,
			       get(t, "mpu_regions")->column,
			       "ARMv7-M and ARMv8-M MPUs have 8 or 16 regions",
			       "'mpu_regions' must be 8 or 16 (got %lld)",
			       (long long)v);
	cfg->mpu_regions = (uint32_t)v;
	u = cfg->stack_size;
	if (!ret)
		ret = ms__get_size(c, t, "stack_size", 4096, (uint64_t)256 << 20,
				   &u, NULL);
	cfg->stack_size = (size_t)u;
	u = cfg->priv_stack_size;
	if (!ret)
		ret = ms__get_size(c, t, "priv_stack_size", 4096,
				   (uint64_t)256 << 20, &u, NULL);
	cfg->priv_stack_size = (size_t)u;
	v = (int64_t)cfg->guard_pages;
	if (!ret)
		ret = ms__get_int(c, t, "guard_pages", 0, 256, &v, NULL);
	cfg->guard_pages = (size_t)v;
	v = sc->max_threads;
	if (!ret)
		ret = ms__get_int(c, t, "max_threads", 1, MAX_THREADS_LIMIT, &v,
				  NULL);
	sc->max_threads = (uint32_t)v;
	e = (int)cfg->ctx_backend;
	if (!ret)
		ret = ms__get_enum(c, t, "context", ctxs, &e);
	cfg->ctx_backend = (enum ms_ctx_backend)e;
	v = (int64_t)cfg->event_log_capacity;
	if (!ret)
		ret = ms__get_int(c, t, "event_log", 0, (int64_t)1 << 28, &v, NULL);
	cfg->event_log_capacity = (size_t)v;
	if (!ret) {
		/* in the order of enum ms_domain_policy */
		static const char *const dpols[] = {
			"lazy", "eager", "working_set", NULL
		};

		ret = ms__get_enum(c, t, "domain_policy", dpols,
				   &sc->domain_policy);
	}
	if (!ret)
		ret = ms__get_bool(c, t, "xpfo", &sc->xpfo);
	if (!ret)
		ret = ms__get_bool(c, t, "allow_wx", &sc->allow_wx);
	return ret;
}

/* ---- [kernel] ---- */

static int find_pool(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->pools->len; i++)
		if (strcmp(g_array_index(sc->pools, struct ms__pool, i).name,
			   name) == 0)
			return (int)i;
	return -1;
}

static int load_kernel(struct ms__lctx *c, const struct ms__tnode *doc)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t, *p;
	uint64_t u;
	int64_t v;
	int ret;

	ret = section(c, doc, "kernel", kernel_keys, &t);
	if (ret || !t)
		return ret;
	u = sc->cfg.heap_size;
	ret = ms__get_size(c, t, "heap_size", MS_HEAP_MIN_SIZE,
			   MS_HEAP_MAX_SIZE - 1, &u, NULL);
	sc->cfg.heap_size = (size_t)u;
	v = sc->cfg.heap_quick_depth;
	if (!ret)
		ret = ms__get_int(c, t, "heap_quick_depth", 0,
				  MS_HEAP_QUICK_DEPTH_MAX, &v, NULL);
	sc->cfg.heap_quick_depth = (uint32_t)v;
	u = sc->cfg.arena_size;
	if (!ret)
		ret = ms__get_size(c, t, "arena_size", 4096, (uint64_t)1 << 32,
				   &u, NULL);
	sc->cfg.arena_size = (size_t)u;
	if (ret)
		return ret;
	p = get(t, "pools");
	if (!p)
		return 0;
	if (p->type != MS__T_TABLE)
		return ms__type_error(c, "pools", p,
				      "a table of pool sizes, like "
				      "{ shared = \"8 KiB\" }");
	for (size_t i = 0; i < p->u.table.n; i++) {
		const struct ms__tentry *e = &p->u.table.e[i];
		struct ms__pool pool = { 0 };
		struct ms__pos pos = { e->line, e->column };

		ret = check_name(c, "pool", e->key, pos);
		if (!ret && strcmp(e->key, "system") == 0)
			ret = ms__lerr(c, e->line, e->column, NULL,
				       "'system' is the system heap, not a pool");
		if (!ret)
			ret = ms__node_size(c, e->key, e->val, MS_HEAP_MIN_SIZE,
					    MS_HEAP_MAX_SIZE - 1, &u);
		if (ret)
			return ret;
		pool.name = g_strdup(e->key);
		pool.pos = pos;
		pool.size = (size_t)u;
		g_array_append_val(sc->pools, pool);
	}
	return 0;
}

/* ---- [quota] ---- */

static int find_policy(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->policies->len; i++)
		if (strcmp(g_array_index(sc->policies, struct ms__policy, i).name,
			   name) == 0)
			return (int)i;
	return -1;
}

/*
 * The quota policies and IPC accounting modes a scenario may name: the
 * built-ins every sim registers. Asked of a throwaway sim, so that the
 * loader and the library never disagree on the lists.
 */
static int builtins(GPtrArray *policies, GPtrArray *modes)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	int ret;

	ms_config_init(&cfg);
	cfg.heap_size = MS_HEAP_MIN_SIZE * 16;
	ret = ms_sim_new(&cfg, &sim);
	if (ret)
		return ret;
	for (size_t i = 0; i < ms_quota_policy_count(sim); i++)
		g_ptr_array_add(policies,
				g_strdup(ms_quota_policy_at(sim, i)->name));
	for (size_t i = 0; i < ms_ipc_mode_count(sim); i++)
		g_ptr_array_add(modes, g_strdup(ms_ipc_mode_at(sim, i)->name));
	ms_sim_free(sim);
	g_ptr_array_add(policies, NULL);
	g_ptr_array_add(modes, NULL);
	return 0;
}

static void policy_list(GPtrArray *names, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (guint i = 0; i + 1 < names->len && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i ? ", " : "",
					(const char *)names->pdata[i]);
}

static int add_policy(struct ms__lctx *c, const struct ms__tnode *v,
		      GPtrArray *names)
{
	struct ms_scenario *sc = c->sc;
	struct ms__policy pol = { 0 };
	char hint[MS_SCENARIO_MSG_MAX], list[MS_SCENARIO_MSG_MAX - 64];
	const char *near;

	if (v->type != MS__T_STRING)
		return ms__type_error(c, "policy", v, "a policy name");
	for (guint i = 0; i + 1 < names->len; i++) {
		if (strcmp(v->u.s, names->pdata[i]) != 0)
			continue;
		if (find_policy(sc, v->u.s) >= 0)
			return ms__lerr(c, v->line, v->column, NULL,
					"policy '%s' is listed twice", v->u.s);
		pol.name = g_strdup(v->u.s);
		pol.pos.line = v->line;
		pol.pos.column = v->column;
		g_array_append_val(sc->policies, pol);
		return 0;
	}
	near = ms__nearest(v->u.s, (const char *const *)names->pdata,
			   names->len - 1);
	policy_list(names, list, sizeof(list));
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'? (policies: %s)",
			 near, list);
	else
		snprintf(hint, sizeof(hint), "policies: %s", list);
	return ms__lerr(c, v->line, v->column, hint, "unknown policy '%s'",
			v->u.s);
}

static const char *const policy_param_keys[] = { "limit", NULL };

static int load_policy_params(struct ms__lctx *c, const struct ms__tentry *e,
			      struct ms__policy *pol)
{
	const struct ms__tentry *le;
	char what[80];
	int ret;

	if (e->val->type != MS__T_TABLE)
		return ms__type_error(c, e->key, e->val,
				      "a table of policy parameters");
	snprintf(what, sizeof(what), "[quota.%s]", e->key);
	ret = ms__check_keys(c, e->val, what, policy_param_keys);
	if (ret)
		return ret;
	le = ms__table_find(e->val, "limit");
	if (!le)
		return 0;
	ret = ms__node_size(c, "limit", le->val, 1, INT64_MAX, &pol->limit);
	pol->limit_set = true;
	pol->limit_pos.line = le->val->line;
	pol->limit_pos.column = le->val->column;
	return ret;
}

static int load_quota_in(struct ms__lctx *c, const struct ms__tnode *doc,
			 GPtrArray *names)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t, *one, *many;
	int ret;

	ret = section(c, doc, "quota", NULL, &t);
	if (ret)
		return ret;
	if (!t)
		goto defaults;
	one = get(t, "policy");
	many = get(t, "policies");
	if (one && many)
		return ms__lerr(c, many->line, many->column,
				"keep 'policies' to compare several, or "
				"'policy' for one",
				"'policy' and 'policies' both given");
	if (one) {
		ret = add_policy(c, one, names);
	} else if (many) {
		if (many->type != MS__T_ARRAY)
			return ms__type_error(c, "policies", many,
					      "an array of policy names");
		if (many->u.array.n == 0)
			return ms__lerr(c, many->line, many->column,
					"name at least one, e.g. [\"count\", \"bytes\"]",
					"'policies' is empty");
		for (size_t i = 0; i < many->u.array.n && !ret; i++)
			ret = add_policy(c, many->u.array.v[i], names);
	}
	if (ret)
		return ret;
	/* Every other key is a [quota.<policy>] parameter table. */
	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];
		char hint[MS_SCENARIO_MSG_MAX];
		const char *near;
		int idx;

		if (!strcmp(e->key, "policy") || !strcmp(e->key, "policies"))
			continue;
		idx = find_policy(sc, e->key);
		if (idx >= 0) {
			ret = load_policy_params(c, e, &g_array_index(
				sc->policies, struct ms__policy, idx));
			if (ret)
				return ret;
			continue;
		}
		near = ms__nearest(e->key, (const char *const *)names->pdata,
				   names->len - 1);
		if (!near)
			near = ms__nearest(e->key, quota_keys_base, 2);
		if (near && (!strcmp(near, "policy") ||
			     !strcmp(near, "policies") ||
			     strcmp(near, e->key) != 0))
			snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
		else if (near)
			snprintf(hint, sizeof(hint),
				 "add '%s' to [quota] policy or policies, or "
				 "remove its table", near);
		else
			snprintf(hint, sizeof(hint),
				 "[quota] takes 'policy', 'policies' and one "
				 "[quota.<policy>] table per policy it runs");
		return ms__lerr(c, e->line, e->column, hint,
				"unknown key '%s' in [quota]", e->key);
	}
defaults:
	if (sc->policies->len == 0) {
		struct ms__policy pol = { 0 };

		pol.name = g_strdup("unlimited");
		g_array_append_val(sc->policies, pol);
	}
	return 0;
}

static int load_quota(struct ms__lctx *c, const struct ms__tnode *doc,
		      GPtrArray *names)
{
	return load_quota_in(c, doc, names);
}

/* ---- [sealed.*] ---- */

static const char *const sealed_keys[] = {
	"max_pages", "track_frees", "rare_mode", "align", "loaded", NULL
};

static int load_sealed(struct ms__lctx *c, const struct ms__tnode *doc)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t;
	static const char *const rare[] = { "map", "gate", "open", NULL };
	int ret = section(c, doc, "sealed", NULL, &t);

	if (ret || !t)
		return ret;
	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];
		struct ms__sealed sp = { 0 };
		struct ms__pos pos = { e->line, e->column };
		bool track = false;
		int64_t pages = 0;
		uint64_t align = 0;
		int mode = 0;

		ret = check_name(c, "sealed pool", e->key, pos);
		if (!ret && e->val->type != MS__T_TABLE)
			ret = ms__type_error(c, e->key, e->val,
					     "a table ([sealed.<name>])");
		if (!ret)
			ret = ms__check_keys(c, e->val, "a sealed pool",
					     sealed_keys);
		ms_pool_attr_init(&sp.attr);
		sp.loaded = true;
		if (!ret)
			ret = ms__get_int(c, e->val, "max_pages", 1,
					  MS_POOL_MAX_PAGES_LIMIT, &pages, NULL);
		if (!ret)
			ret = ms__get_bool(c, e->val, "track_frees", &track);
		if (!ret)
			ret = ms__get_enum(c, e->val, "rare_mode", rare, &mode);
		if (!ret)
			ret = ms__get_size(c, e->val, "align", 1, 4096, &align,
					   NULL);
		if (!ret && align & (align - 1))
			ret = ms__lerr(c, pos.line, pos.column, NULL,
				       "'align' must be a power of two");
		if (!ret)
			ret = ms__get_bool(c, e->val, "loaded", &sp.loaded);
		if (ret)
			return ret;
		sp.attr.max_pages = (uint32_t)pages;
		sp.attr.flags = track ? MS_POOL_TRACK_FREES : 0;
		sp.attr.rare_mode = (enum ms_pool_rare_mode)mode;
		sp.attr.align = (size_t)align;
		sp.name = g_strdup(e->key);
		sp.pos = pos;
		g_array_append_val(sc->sealed, sp);
	}
	return 0;
}

/* ---- [domains.*] ---- */

static const char *const domain_keys[] = { "partitions", NULL };
static const char *const part_keys[] = {
	"name", "start", "size", "user", "supervisor", NULL
};

/* "", "none", "r", "rw", "rx", "rwx" (any order of r, w, x). */
static int perm_of(struct ms__lctx *c, const struct ms__tnode *t,
		   const char *key, unsigned *out)
{
	const char *str = NULL;
	struct ms__pos pos;
	unsigned p = 0;
	int ret = ms__get_str(c, t, key, &str, &pos);

	if (ret || !str)
		return ret;
	if (strcmp(str, "none") != 0) {
		for (const char *q = str; *q; q++) {
			unsigned bit = *q == 'r' ? MS_PERM_READ :
				       *q == 'w' ? MS_PERM_WRITE :
				       *q == 'x' ? MS_PERM_EXEC : 0;

			if (!bit || (p & bit))
				return ms__lerr(c, pos.line, pos.column,
						"rights are \"none\" or letters "
						"r, w, x: \"r\", \"rw\", \"rx\"",
						"bad access rights \"%s\"", str);
			p |= bit;
		}
	}
	*out = p;
	return 0;
}

static int load_domains(struct ms__lctx *c, const struct ms__tnode *doc)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t;
	int ret = section(c, doc, "domains", NULL, &t);

	if (ret || !t)
		return ret;
	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];
		struct ms__domain d = { 0 };
		struct ms__pos pos = { e->line, e->column };
		const struct ms__tnode *parts;

		ret = check_name(c, "domain", e->key, pos);
		if (!ret && e->val->type != MS__T_TABLE)
			ret = ms__type_error(c, e->key, e->val,
					     "a table ([domains.<name>])");
		if (!ret)
			ret = ms__check_keys(c, e->val, "a domain", domain_keys);
		if (ret)
			return ret;
		d.name = g_strdup(e->key);
		d.pos = pos;
		g_array_append_val(sc->domains, d);
		parts = get(e->val, "partitions");
		if (!parts)
			continue;
		if (parts->type != MS__T_ARRAY)
			return ms__type_error(c, "partitions", parts,
					      "an array of partitions");
		for (size_t k = 0; k < parts->u.array.n; k++) {
			const struct ms__tnode *pt = parts->u.array.v[k];
			struct ms__part p = { 0 };
			const char *name = NULL;
			struct ms__pos npos = { pt->line, pt->column };
			uint64_t start = 0, size = 0;
			bool has_size = false;

			if (pt->type != MS__T_TABLE)
				return ms__type_error(c, "partitions", pt,
						      "a table");
			ret = ms__check_keys(c, pt, "a partition", part_keys);
			if (!ret)
				ret = ms__get_str(c, pt, "name", &name, &npos);
			if (!ret && !name)
				ret = ms__lerr(c, pt->line, pt->column,
					       "add name = \"...\" (touch uses it)",
					       "a partition needs a name");
			if (!ret)
				ret = check_name(c, "partition", name, npos);
			if (!ret && ms__part_find(sc, name) >= 0)
				ret = ms__lerr(c, npos.line, npos.column,
					       "partition names are unique in a "
					       "scenario",
					       "duplicate partition '%s'", name);
			if (!ret)
				ret = ms__get_size(c, pt, "start", 0,
						   (uint64_t)1 << 40, &start, NULL);
			if (!ret)
				ret = ms__get_size(c, pt, "size", 1,
						   (uint64_t)1 << 40, &size,
						   &has_size);
			if (!ret && !has_size)
				ret = ms__lerr(c, pt->line, pt->column, NULL,
					       "partition '%s' needs a size", name);
			if (!ret && start + size > sc->cfg.arena_size) {
				char hint[MS_SCENARIO_MSG_MAX];

				snprintf(hint, sizeof(hint),
					 "the arena is %zu bytes ([kernel] "
					 "arena_size)", sc->cfg.arena_size);
				ret = ms__lerr(c, npos.line, npos.column, hint,
					       "partition '%s' ends past the "
					       "arena", name);
			}
			p.user = MS_PERM_RW;
			p.supervisor = MS_PERM_RW;
			if (!ret)
				ret = perm_of(c, pt, "user", &p.user);
			if (!ret)
				ret = perm_of(c, pt, "supervisor", &p.supervisor);
			if (ret)
				return ret;
			p.name = g_strdup(name);
			p.pos = npos;
			p.start = start;
			p.size = size;
			p.domain = (int)sc->domains->len - 1;
			g_array_append_val(sc->parts, p);
		}
	}
	return 0;
}

/* ---- [ipc] ---- */

static const char *const ipc_keys[] = { "mode", "modes", "budget", NULL };
static const char *const amount_keys[] = {
	"bytes", "messages", "handles", NULL
};

static int load_amount(struct ms__lctx *c, const char *key,
		       const struct ms__tnode *v, struct ms_ipc_amount *out)
{
	int64_t n;
	int ret;

	if (v->type != MS__T_TABLE)
		return ms__type_error(c, key, v,
				      "a table like { bytes = \"4 KiB\", "
				      "messages = 16, handles = 16 }");
	ret = ms__check_keys(c, v, "an IPC budget", amount_keys);
	if (!ret)
		ret = ms__get_size(c, v, "bytes", 0, INT64_MAX, &out->bytes, NULL);
	n = (int64_t)out->msgs;
	if (!ret)
		ret = ms__get_int(c, v, "messages", 0, INT64_MAX, &n, NULL);
	out->msgs = (uint64_t)n;
	n = (int64_t)out->handles;
	if (!ret)
		ret = ms__get_int(c, v, "handles", 0, INT64_MAX, &n, NULL);
	out->handles = (uint64_t)n;
	return ret;
}

static int find_mode(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->ipc_modes->len; i++)
		if (!strcmp(sc->ipc_modes->pdata[i], name))
			return (int)i;
	return -1;
}

/* One name of [ipc] mode or modes: a registered mode, listed once. */
static int add_mode(struct ms__lctx *c, const char *key,
		    const struct ms__tnode *v, GPtrArray *modes)
{
	struct ms_scenario *sc = c->sc;
	char list[MS_SCENARIO_MSG_MAX - 64];
	char hint[MS_SCENARIO_MSG_MAX];
	const char *near;

	if (v->type != MS__T_STRING)
		return ms__type_error(c, key, v, "an IPC mode name");
	for (guint i = 0; i + 1 < modes->len; i++) {
		if (strcmp(v->u.s, modes->pdata[i]) != 0)
			continue;
		if (find_mode(sc, v->u.s) >= 0)
			return ms__lerr(c, v->line, v->column, NULL,
					"IPC mode '%s' is listed twice", v->u.s);
		g_ptr_array_add(sc->ipc_modes, g_strdup(v->u.s));
		return 0;
	}
	near = ms__nearest(v->u.s, (const char *const *)modes->pdata,
			   modes->len - 1);
	policy_list(modes, list, sizeof(list));
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'? (modes: %s)",
			 near, list);
	else
		snprintf(hint, sizeof(hint), "modes: %s", list);
	return ms__lerr(c, v->line, v->column, hint, "unknown IPC mode '%s'",
			v->u.s);
}

static int load_ipc(struct ms__lctx *c, const struct ms__tnode *doc,
		    GPtrArray *modes)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t, *b, *one, *many;
	int ret = section(c, doc, "ipc", ipc_keys, &t);

	if (ret || !t)
		return ret;
	sc->ipc_used = true;
	one = get(t, "mode");
	many = get(t, "modes");
	if (one && many)
		return ms__lerr(c, many->line, many->column,
				"keep 'modes' to compare several, or 'mode' "
				"for one",
				"'mode' and 'modes' both given");
	if (one) {
		ret = add_mode(c, "mode", one, modes);
	} else if (many) {
		if (many->type != MS__T_ARRAY)
			return ms__type_error(c, "modes", many,
					      "an array of IPC mode names");
		if (many->u.array.n == 0)
			return ms__lerr(c, many->line, many->column,
					"name at least one, e.g. "
					"[\"sender-pays\", \"fair-share\"]",
					"'modes' is empty");
		for (size_t i = 0; i < many->u.array.n && !ret; i++)
			ret = add_mode(c, "modes", many->u.array.v[i], modes);
	}
	if (ret)
		return ret;
	b = get(t, "budget");
	if (b) {
		sc->ipc_budget.bytes = 16384;
		sc->ipc_budget.msgs = 64;
		sc->ipc_budget.handles = 64;
		sc->ipc_budget_set = true;
		ret = load_amount(c, "budget", b, &sc->ipc_budget);
	}
	return ret;
}

/* ---- [groups] ---- */

static int find_group(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->groups->len; i++)
		if (strcmp(g_array_index(sc->groups, struct ms__group, i).name,
			   name) == 0)
			return (int)i;
	return -1;
}

static int find_actor(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->actors->len; i++)
		if (strcmp(g_array_index(sc->actors, struct ms__actor, i).name,
			   name) == 0)
			return (int)i;
	return -1;
}

static void names_of(GArray *arr, size_t elt, size_t name_off,
		     const char **out, size_t max, size_t *n)
{
	*n = 0;
	for (guint i = 0; i < arr->len && *n < max; i++) {
		const char *base = arr->data + (size_t)i * elt;

		out[(*n)++] = *(const char *const *)(base + name_off);
	}
}

static int unknown_ref(struct ms__lctx *c, const char *kind,
		       const char *name, struct ms__pos pos, GArray *arr,
		       size_t elt, size_t name_off, const char *declare)
{
	const char *names[64];
	size_t n;
	const char *near;
	char hint[MS_SCENARIO_MSG_MAX];

	names_of(arr, elt, name_off, names, G_N_ELEMENTS(names), &n);
	near = n ? ms__nearest(name, names, n) : NULL;
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
	else
		snprintf(hint, sizeof(hint), "declare it first: %s", declare);
	return ms__lerr(c, pos.line, pos.column, hint, "unknown %s '%s'", kind,
			name);
}

static int pool_ref(struct ms__lctx *c, const struct ms__tnode *t, int *out)
{
	const char *s = NULL;
	struct ms__pos pos;
	int ret = ms__get_str(c, t, "pool", &s, &pos);

	if (ret || !s)
		return ret;
	*out = find_pool(c->sc, s);
	if (*out < 0)
		return unknown_ref(c, "pool", s, pos, c->sc->pools,
				   sizeof(struct ms__pool),
				   offsetof(struct ms__pool, name),
				   "[kernel] pools = { name = \"8 KiB\" }");
	return 0;
}

static int domain_ref(struct ms__lctx *c, const struct ms__tnode *t, int *out)
{
	const char *s = NULL;
	struct ms__pos pos;
	int ret = ms__get_str(c, t, "domain", &s, &pos);

	if (ret || !s)
		return ret;
	for (guint i = 0; i < c->sc->domains->len; i++) {
		if (!strcmp(g_array_index(c->sc->domains, struct ms__domain,
					  i).name, s)) {
			*out = (int)i;
			return 0;
		}
	}
	return unknown_ref(c, "domain", s, pos, c->sc->domains,
			   sizeof(struct ms__domain),
			   offsetof(struct ms__domain, name),
			   "[domains.<name>]");
}

static int load_groups(struct ms__lctx *c, const struct ms__tnode *doc)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t;
	int ret;

	ret = section(c, doc, "groups", NULL, &t);
	if (ret || !t)
		return ret;
	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];
		struct ms__group g = { 0 };
		struct ms__pos pos = { e->line, e->column };
		const char *desc;

		ret = check_name(c, "group", e->key, pos);
		if (ret)
			return ret;
		if (e->val->type != MS__T_TABLE)
			return ms__type_error(c, e->key, e->val,
					      "a table ([groups.<name>])");
		ret = ms__check_keys(c, e->val, "a group", group_keys);
		if (!ret)
			ret = ms__get_str(c, e->val, "description", &desc, NULL);
		g.pool = -1;
		if (!ret)
			ret = pool_ref(c, e->val, &g.pool);
		if (!ret)
			ret = ms__get_size(c, e->val, "limit", 1, INT64_MAX,
					   &g.limit, &g.has_limit);
		if (!ret && get(e->val, "ipc_budget")) {
			g.has_ipc_budget = true;
			g.ipc_budget.bytes = 16384;
			g.ipc_budget.msgs = 64;
			g.ipc_budget.handles = 64;
			ret = load_amount(c, "ipc_budget",
					  get(e->val, "ipc_budget"),
					  &g.ipc_budget);
			c->sc->ipc_used = true;
		}
		if (ret)
			return ret;
		g.name = g_strdup(e->key);
		g.pos = pos;
		g.id = sc->groups->len + 1;
		g_array_append_val(sc->groups, g);
	}
	return 0;
}

/* ---- actors and workloads ---- */

static int actor_common(struct ms__lctx *c, const struct ms__tnode *t,
			struct ms__actor *a)
{
	struct ms_scenario *sc = c->sc;
	const char *name = NULL, *group = NULL;
	struct ms__pos npos = { t->line, t->column }, gpos;
	const struct ms__tnode *v;
	int64_t n = 1, prio = 0;
	uint64_t stack = 0;
	int role = 0, mode = 0, ret;

	ret = ms__get_str(c, t, "name", &name, &npos);
	if (ret)
		return ret;
	if (!name)
		return ms__lerr(c, t->line, t->column,
				"add name = \"...\" (used in reports and "
				"metrics)", "an actor needs a name");
	ret = check_name(c, "actor", name, npos);
	if (ret)
		return ret;
	if (find_actor(sc, name) >= 0)
		return ms__lerr(c, npos.line, npos.column,
				"actor names are unique; use count = N for "
				"several instances", "duplicate actor '%s'",
				name);
	if (find_group(sc, name) >= 0)
		return ms__lerr(c, npos.line, npos.column,
				"actors and groups share one namespace (metrics)",
				"actor '%s' has the name of a group", name);
	a->name = g_strdup(name);
	a->pos = npos;
	ret = ms__get_int(c, t, "count", 1, INT32_MAX, &n, NULL);
	a->count = (uint32_t)n;
	if (!ret)
		ret = ms__get_enum(c, t, "mode", thread_modes, &mode);
	a->user = mode == 0;
	if (!ret)
		ret = ms__get_int(c, t, "priority", MS_PRIO_MIN, MS_PRIO_MAX,
				  &prio, NULL);
	a->priority = (int)prio;
	if (!ret)
		ret = ms__get_enum(c, t, "role", roles, &role);
	a->role = (enum ms_actor_role)role;
	if (!ret)
		ret = ms__get_size(c, t, "stack_size", 4096,
				   (uint64_t)256 << 20, &stack, NULL);
	a->stack_size = (size_t)stack;
	a->pool = -1;
	if (!ret)
		ret = pool_ref(c, t, &a->pool);
	if (!ret)
		ret = ms__get_size(c, t, "limit", 1, INT64_MAX, &a->limit,
				   &a->has_limit);
	a->domain = -1;
	if (!ret)
		ret = domain_ref(c, t, &a->domain);
	v = get(t, "start");
	if (!ret && v) {
		ret = ms__node_val(c, "start", v, 0, INT64_MAX / 4, false,
				   &a->start);
		a->has_start = true;
	}
	if (!ret)
		ret = ms__get_str(c, t, "group", &group, &gpos);
	if (ret)
		return ret;
	if (group) {
		a->group = find_group(sc, group);
		if (a->group < 0)
			return unknown_ref(c, "group", group, gpos, sc->groups,
					   sizeof(struct ms__group),
					   offsetof(struct ms__group, name),
					   "[groups.<name>]");
		if (a->pool < 0)
			a->pool = g_array_index(sc->groups, struct ms__group,
						a->group).pool;
	} else {
		a->group = -1;	/* an implicit group, made after all */
	}
	return 0;
}

static int check_thread_total(struct ms__lctx *c, const struct ms__tnode *t,
			      const struct ms__actor *a, uint64_t *total)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *v = get(t, "count");
	char hint[MS_SCENARIO_MSG_MAX];

	*total += a->count;
	if (*total <= sc->max_threads)
		return 0;
	if (sc->max_threads < MAX_THREADS_LIMIT)
		snprintf(hint, sizeof(hint),
			 "raise [sim] max_threads (now %u, at most %u) or lower "
			 "the counts", sc->max_threads, MAX_THREADS_LIMIT);
	else
		snprintf(hint, sizeof(hint), "lower the counts");
	if (!v)
		v = t;
	return ms__lerr(c, v->line, v->column, hint,
			"too many threads: the actors declare %llu instances, "
			"the simulation allows %u",
			(unsigned long long)*total, sc->max_threads);
}

static int load_actors(struct ms__lctx *c, const struct ms__tnode *doc,
		       uint64_t *total)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *arr = get(doc, "actor");
	int ret = 0;

	if (!arr)
		return 0;
	if (arr->type != MS__T_ARRAY)
		return ms__type_error(c, "actor", arr,
				      "an array of tables ([[actor]])");
	for (size_t i = 0; i < arr->u.array.n; i++) {
		const struct ms__tnode *t = arr->u.array.v[i];
		struct ms__actor a = { 0 };
		const struct ms__tnode *s;

		if (t->type != MS__T_TABLE)
			return ms__type_error(c, "actor", t, "a table");
		ret = ms__check_keys(c, t, "[[actor]]", actor_keys);
		if (!ret)
			ret = actor_common(c, t, &a);
		if (!ret) {
			s = get(t, "script");
			if (!s)
				ret = ms__lerr(c, t->line, t->column,
					       "add script = [ { sleep = 10 }, ... ]",
					       "actor '%s' has no script", a.name);
			else
				ret = ms__parse_script(c, "script", s, 0,
						       &a.script);
		}
		g_array_append_val(sc->actors, a);
		if (!ret)
			ret = check_thread_total(c, t, &a, total);
		if (ret)
			return ret;
	}
	return 0;
}

/* A workload is an actor whose script is generated:
 *   repeat requests: alloc size (as "w"); sleep hold; free "w"; sleep interval */
static void gen_step(struct ms__step *s, enum ms__op op, struct ms__pos pos)
{
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->pos = pos;
	s->has_n = true;
}

static int load_workloads(struct ms__lctx *c, const struct ms__tnode *doc,
			  uint64_t *total)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *arr = get(doc, "workload");
	int ret = 0;

	if (!arr)
		return 0;
	if (arr->type != MS__T_ARRAY)
		return ms__type_error(c, "workload", arr,
				      "an array of tables ([[workload]])");
	for (size_t i = 0; i < arr->u.array.n; i++) {
		const struct ms__tnode *t = arr->u.array.v[i];
		struct ms__actor a = { 0 };
		struct ms__val req = { 0 }, size = { 0 }, interval = { 0 },
			       hold = { 0 };
		struct ms__pos pos = { t->line, t->column };
		struct ms__step *rep, *body;

		if (t->type != MS__T_TABLE)
			return ms__type_error(c, "workload", t, "a table");
		ret = ms__check_keys(c, t, "[[workload]]", workload_keys);
		if (!ret)
			ret = actor_common(c, t, &a);
		if (!ret && !get(t, "requests"))
			ret = ms__lerr(c, t->line, t->column,
				       "add requests = N (allocations per "
				       "instance)",
				       "workload '%s' needs 'requests'", a.name);
		if (!ret)
			ret = ms__node_val(c, "requests", get(t, "requests"), 1,
					   INT32_MAX, false, &req);
		if (!ret && !get(t, "size"))
			ret = ms__lerr(c, t->line, t->column,
				       "add size = 64 or size = { uniform = "
				       "[16, 256] }",
				       "workload '%s' needs 'size'", a.name);
		if (!ret)
			ret = ms__node_val(c, "size", get(t, "size"), 1,
					   (int64_t)1 << 32, true, &size);
		interval.kind = MS__VAL_CONST;
		hold.kind = MS__VAL_CONST;
		if (!ret && get(t, "interval"))
			ret = ms__node_val(c, "interval", get(t, "interval"), 0,
					   INT64_MAX / 4, false, &interval);
		if (!ret && get(t, "hold"))
			ret = ms__node_val(c, "hold", get(t, "hold"), 0,
					   INT64_MAX / 4, false, &hold);
		/* Build the script even on error, so that everything is
		 * owned by the actor and freed with it. */
		a.script.n = 1;
		a.script.steps = g_new0(struct ms__step, 1);
		rep = &a.script.steps[0];
		gen_step(rep, MS__OP_REPEAT, pos);
		rep->n = req;
		rep->body.n = 4;
		rep->body.steps = body = g_new0(struct ms__step, 4);
		gen_step(&body[0], MS__OP_ALLOC, pos);
		body[0].n = size;
		body[0].tag = g_strdup("workload");
		gen_step(&body[1], MS__OP_SLEEP, pos);
		body[1].n = hold;
		gen_step(&body[2], MS__OP_FREE, pos);
		body[2].kind = MS__FREE_TAG;
		body[2].str = g_strdup("workload");
		gen_step(&body[3], MS__OP_SLEEP, pos);
		body[3].n = interval;
		g_array_append_val(sc->actors, a);
		if (!ret)
			ret = check_thread_total(c, t, &a, total);
		if (ret)
			return ret;
	}
	return 0;
}

/* Actors without a group get one of their own, named after them. */
static void implicit_groups(struct ms_scenario *sc)
{
	for (guint i = 0; i < sc->actors->len; i++) {
		struct ms__actor *a = &g_array_index(sc->actors, struct ms__actor, i);
		struct ms__group g = { 0 };

		if (a->group >= 0)
			continue;
		g.name = g_strdup(a->name);
		g.pos = a->pos;
		g.id = sc->groups->len + 1;
		g.implicit = true;
		g.pool = -1;
		a->group = (int)sc->groups->len;
		g_array_append_val(sc->groups, g);
	}
}

/* ---- [report] and [expect] ---- */

static int load_report(struct ms__lctx *c, const struct ms__tnode *doc)
{
	const struct ms__tnode *t;
	int64_t v = 0;
	int ret = section(c, doc, "report", report_keys, &t);

	if (ret || !t)
		return ret;
	ret = ms__get_int(c, t, "sample_every", 1, INT64_MAX / 4, &v, NULL);
	c->sc->sample_every = (uint64_t)v;
	return ret;
}

static int load_expect_list(struct ms__lctx *c, const struct ms__tentry *e,
			    int policy, int mode)
{
	const struct ms__tnode *arr = e->val;
	int ret;

	if (arr->type == MS__T_STRING) {
		struct ms__expect x = { 0 };

		ret = ms__parse_expect(c, arr, policy, mode, &x);
		g_array_append_val(c->sc->expects, x);
		return ret;
	}
	if (arr->type != MS__T_ARRAY)
		return ms__type_error(c, e->key, arr,
				      "an array of conditions like "
				      "\"victim.denied == 0\"");
	for (size_t i = 0; i < arr->u.array.n; i++) {
		struct ms__expect x = { 0 };

		ret = ms__parse_expect(c, arr->u.array.v[i], policy, mode,
				       &x);
		g_array_append_val(c->sc->expects, x);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whether name is a registered IPC mode (modes as from builtins()). */
static bool is_mode(GPtrArray *modes, const char *name)
{
	for (guint k = 0; k + 1 < modes->len; k++)
		if (!strcmp(name, modes->pdata[k]))
			return true;
	return false;
}

static int load_expect(struct ms__lctx *c, const struct ms__tnode *doc,
		       GPtrArray *modes)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t;
	int ret = section(c, doc, "expect", NULL, &t);

	if (ret || !t)
		return ret;
	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];
		int pol = -1, mode = -1;

		if (strcmp(e->key, "all") != 0) {
			pol = find_policy(sc, e->key);
			if (pol < 0)
				mode = find_mode(sc, e->key);
			if (pol < 0 && mode < 0) {
				const char *names[32];
				size_t n = 0;
				const char *near;
				char hint[MS_SCENARIO_MSG_MAX];

				names[n++] = "all";
				for (guint k = 0; k < sc->policies->len && n < 16; k++)
					names[n++] = g_array_index(sc->policies,
								   struct ms__policy,
								   k).name;
				for (guint k = 0; k < sc->ipc_modes->len &&
				     n < G_N_ELEMENTS(names); k++)
					names[n++] = sc->ipc_modes->pdata[k];
				near = ms__nearest(e->key, names, n);
				if (is_mode(modes, e->key))
					snprintf(hint, sizeof(hint),
						 "add '%s' to [ipc] modes",
						 e->key);
				else if (near)
					snprintf(hint, sizeof(hint),
						 "did you mean '%s'?", near);
				else
					snprintf(hint, sizeof(hint),
						 "[expect] takes 'all' and one "
						 "key per policy or IPC mode "
						 "the scenario runs");
				return ms__lerr(c, e->line, e->column, hint,
						"unknown key '%s' in [expect]: "
						"not a policy or IPC mode this "
						"scenario runs", e->key);
			}
		}
		ret = load_expect_list(c, e, pol, mode);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- the whole document ---- */

static void scenario_init(struct ms_scenario *sc)
{
	ms_config_init(&sc->cfg);
	sc->max_threads = sc->cfg.max_thread_indexes;
	sc->pools = g_array_new(FALSE, TRUE, sizeof(struct ms__pool));
	sc->sealed = g_array_new(FALSE, TRUE, sizeof(struct ms__sealed));
	sc->domains = g_array_new(FALSE, TRUE, sizeof(struct ms__domain));
	sc->parts = g_array_new(FALSE, TRUE, sizeof(struct ms__part));
	sc->policies = g_array_new(FALSE, TRUE, sizeof(struct ms__policy));
	sc->groups = g_array_new(FALSE, TRUE, sizeof(struct ms__group));
	sc->actors = g_array_new(FALSE, TRUE, sizeof(struct ms__actor));
	sc->expects = g_array_new(FALSE, TRUE, sizeof(struct ms__expect));
	sc->ipc_modes = g_ptr_array_new_with_free_func(g_free);
	sc->domain_policy = -1;
	ms__devices_init(sc);
	sc->name = g_strdup("");
	sc->description = g_strdup("");
}

void ms_scenario_free(struct ms_scenario *sc)
{
	if (!sc)
		return;
	for (guint i = 0; i < sc->pools->len; i++)
		g_free(g_array_index(sc->pools, struct ms__pool, i).name);
	for (guint i = 0; i < sc->policies->len; i++) {
		g_free(g_array_index(sc->policies, struct ms__policy, i).name);
	}
	for (guint i = 0; i < sc->groups->len; i++)
		g_free(g_array_index(sc->groups, struct ms__group, i).name);
	for (guint i = 0; i < sc->actors->len; i++) {
		struct ms__actor *a = &g_array_index(sc->actors,
						     struct ms__actor, i);

		g_free(a->name);
		ms__val_fini(&a->start);
		ms__block_fini(&a->script);
	}
	for (guint i = 0; i < sc->expects->len; i++)
		ms__expect_fini(&g_array_index(sc->expects, struct ms__expect, i));
	g_array_free(sc->pools, TRUE);
	for (guint i = 0; i < sc->sealed->len; i++)
		g_free(g_array_index(sc->sealed, struct ms__sealed, i).name);
	for (guint i = 0; i < sc->domains->len; i++)
		g_free(g_array_index(sc->domains, struct ms__domain, i).name);
	for (guint i = 0; i < sc->parts->len; i++)
		g_free(g_array_index(sc->parts, struct ms__part, i).name);
	g_array_free(sc->sealed, TRUE);
	g_array_free(sc->domains, TRUE);
	g_array_free(sc->parts, TRUE);
	g_ptr_array_free(sc->ipc_modes, TRUE);
	g_array_free(sc->policies, TRUE);
	g_array_free(sc->groups, TRUE);
	g_array_free(sc->actors, TRUE);
	g_array_free(sc->expects, TRUE);
	ms__devices_fini(sc);
	g_free(sc->file);
	g_free(sc->name);
	g_free(sc->description);
	g_free(sc);
}

static char *default_name(const char *file)
{
	char *base = g_path_get_basename(file);
	char *dot = strrchr(base, '.');

	if (dot && dot != base)
		*dot = '\0';
	return base;
}

/* Every name that write, rare_write, pool_free or touch uses must be
 * given by some pool_alloc (in any script: sealed data is global). */
static int check_data_refs(struct ms__lctx *c)
{
	for (guint i = 0; i < c->data_refs->len; i++) {
		const struct ms__ref *r = &g_array_index(c->data_refs,
							 struct ms__ref, i);

		if (!g_hash_table_contains(c->data_defs, r->name))
			return ms__lerr(c, r->pos.line, r->pos.column,
					"name it first: { pool_alloc = 64, pool = "
					"\"...\", as = \"...\" }",
					"no pool_alloc is named '%s'", r->name);
	}
	return 0;
}

static int load_doc(struct ms__lctx *c, const struct ms__tnode *doc,
		    GPtrArray *policies, GPtrArray *modes)
{
	struct ms_scenario *sc = c->sc;
	const struct ms__tnode *t;
	const char *s = NULL;
	struct ms__pos pos;
	uint64_t total = 0;
	int ret;

	ret = ms__check_keys(c, doc, "the scenario (top level)", top_keys);
	if (ret)
		return ret;
	ret = section(c, doc, "scenario", scenario_keys, &t);
	if (!ret && t) {
		ret = ms__get_str(c, t, "name", &s, &pos);
		if (!ret && s) {
			if (!*s || strlen(s) >= MS_SCENARIO_NAME_MAX)
				return ms__lerr(c, pos.line, pos.column, NULL,
						"scenario name must have 1 to %d "
						"characters",
						MS_SCENARIO_NAME_MAX - 1);
			g_free(sc->name);
			sc->name = g_strdup(s);
		}
		s = NULL;
		if (!ret)
			ret = ms__get_str(c, t, "description", &s, NULL);
		if (!ret && s) {
			g_free(sc->description);
			sc->description = g_strdup(s);
		}
	}
	if (!ret)
		ret = load_sim(c, doc);
	if (!ret)
		ret = load_kernel(c, doc);
	if (!ret)
		ret = load_sealed(c, doc);
	if (!ret)
		ret = load_domains(c, doc);
	if (!ret)
		ret = ms__load_devices(c, doc);
	if (!ret)
		ret = load_ipc(c, doc, modes);
	if (!ret)
		ret = load_quota(c, doc, policies);
	if (!ret)
		ret = load_groups(c, doc);
	if (!ret)
		ret = load_actors(c, doc, &total);
	if (!ret)
		ret = load_workloads(c, doc, &total);
	if (!ret)
		ret = check_data_refs(c);
	if (!ret)
		ret = ms__check_map_refs(c);
	if (ret)
		return ret;
	implicit_groups(sc);
	sc->cfg.max_thread_indexes = sc->max_threads;
	ret = load_report(c, doc);
	if (!ret)
		ret = load_expect(c, doc, modes);
	return ret;
}

int ms__scenario_load_text(const char *text, size_t len, const char *file,
			   const struct ms_scenario_override *ov, size_t n_ov,
			   struct ms_scenario **out,
			   struct ms_scenario_error *err)
{
	struct ms__toml_error terr = { 0 };
	struct ms__tnode *doc = NULL;
	struct ms_scenario *sc;
	struct ms__lctx c = { 0 };
	GPtrArray *policies, *modes;
	int ret;

	*out = NULL;
	ret = ms__toml_parse(text, len, file, &doc, &terr);
	if (ret == -ENOMEM) {
		ms__error_set(err, file, 0, 0, NULL, "out of memory");
		return ret;
	}
	if (ret) {
		ms__error_set(err, file, terr.line, terr.column,
			      "the file is not valid TOML (https://toml.io)",
			      "%s", terr.message);
		return -EINVAL;
	}
	/* --set: applied to the tree, then validated as the file is */
	ret = n_ov ? ms__override_apply(doc, ov, n_ov, file, err) : 0;
	if (ret) {
		ms__tnode_free(doc);
		return ret;
	}
	sc = g_new0(struct ms_scenario, 1);
	scenario_init(sc);
	sc->file = g_strdup(file);
	g_free(sc->name);
	sc->name = default_name(file);
	c.file = file;
	c.err = err;
	c.sc = sc;
	c.data_defs = g_hash_table_new(g_str_hash, g_str_equal);
	c.data_refs = g_array_new(FALSE, FALSE, sizeof(struct ms__ref));
	c.map_defs = g_hash_table_new(g_str_hash, g_str_equal);
	c.map_refs = g_array_new(FALSE, FALSE, sizeof(struct ms__ref));
	policies = g_ptr_array_new_with_free_func(g_free);
	modes = g_ptr_array_new_with_free_func(g_free);
	ret = builtins(policies, modes);
	if (ret)
		ms__error_set(err, file, 0, 0, NULL,
			      "cannot list the quota policies: %s",
			      g_strerror(-ret));
	else
		ret = load_doc(&c, doc, policies, modes);
	g_ptr_array_free(policies, TRUE);
	g_ptr_array_free(modes, TRUE);
	g_hash_table_destroy(c.data_defs);
	g_array_free(c.data_refs, TRUE);
	g_hash_table_destroy(c.map_defs);
	g_array_free(c.map_refs, TRUE);
	ms__tnode_free(doc);
	if (ret) {
		ms__override_explain(ov, n_ov, err);
		ms_scenario_free(sc);
		return ret;
	}
	*out = sc;
	return 0;
}

int ms_scenario_load_string(const char *text, const char *display_name,
			    struct ms_scenario **out,
			    struct ms_scenario_error *err)
{
	if (!display_name)
		display_name = "<string>";
	if (!text || !out) {
		ms__error_set(err, display_name, 0, 0, NULL, "no text to load");
		return -EINVAL;
	}
	return ms__scenario_load_text(text, strlen(text), display_name, NULL, 0,
				      out, err);
}

int ms_scenario_load_file(const char *path, struct ms_scenario **out,
			  struct ms_scenario_error *err)
{
	return ms__scenario_load_file(path, NULL, 0, out, err);
}

int ms__scenario_load_file(const char *path,
			   const struct ms_scenario_override *ov, size_t n_ov,
			   struct ms_scenario **out,
			   struct ms_scenario_error *err)
{
	GError *gerr = NULL;
	gchar *text = NULL;
	gsize len = 0;
	int ret;

	if (!path || !out) {
		ms__error_set(err, path ? path : "<none>", 0, 0, NULL,
			      "no file to load");
		return -EINVAL;
	}
	*out = NULL;
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		switch (gerr->code) {
		case G_FILE_ERROR_NOENT: ret = -ENOENT; break;
		case G_FILE_ERROR_ACCES: ret = -EACCES; break;
		case G_FILE_ERROR_ISDIR: ret = -EISDIR; break;
		case G_FILE_ERROR_NOMEM: ret = -ENOMEM; break;
		default: ret = -EIO; break;
		}
		ms__error_set(err, path, 0, 0, NULL, "cannot read the file: %s",
			      g_strerror(-ret));
		g_error_free(gerr);
		return ret;
	}
	ret = ms__scenario_load_text(text, len, path, ov, n_ov, out, err);
	g_free(text);
	return ret;
}

/* ---- accessors ---- */

const char *ms_scenario_name(const struct ms_scenario *sc)
{
	return sc->name;
}

const char *ms_scenario_description(const struct ms_scenario *sc)
{
	return sc->description;
}

const char *ms_scenario_file(const struct ms_scenario *sc)
{
	return sc->file;
}

uint64_t ms_scenario_seed(const struct ms_scenario *sc)
{
	return sc->cfg.seed;
}

uint64_t ms_scenario_tick_limit(const struct ms_scenario *sc)
{
	return sc->cfg.tick_limit;
}

size_t ms_scenario_policy_count(const struct ms_scenario *sc)
{
	return sc->policies->len;
}

size_t ms_scenario_ipc_mode_count(const struct ms_scenario *sc)
{
	return sc->ipc_modes->len;
}

const char *ms_scenario_ipc_mode(const struct ms_scenario *sc, size_t i)
{
	if (i >= sc->ipc_modes->len)
		return NULL;
	return sc->ipc_modes->pdata[i];
}

const char *ms_scenario_policy(const struct ms_scenario *sc, size_t i)
{
	if (i >= sc->policies->len)
		return NULL;
	return g_array_index(sc->policies, struct ms__policy, i).name;
}

size_t ms_scenario_actor_count(const struct ms_scenario *sc)
{
	return sc->actors->len;
}

bool ms_scenario_has_attackers(const struct ms_scenario *sc)
{
	for (guint i = 0; i < sc->actors->len; i++)
		if (g_array_index(sc->actors, struct ms__actor, i).role ==
		    MS_ROLE_ATTACKER)
			return true;
	return false;
}

const char *ms_actor_role_name(enum ms_actor_role role)
{
	return role < MS_ROLE__COUNT ? roles[role] : "?";
}
