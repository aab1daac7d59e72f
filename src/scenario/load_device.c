/* SPDX-License-Identifier: MIT */
/*
 * The scenario loader's device-memory part: [[device]] tables, the
 * [device_policy] table (the policies a run uses, or that memsim compare
 * runs side by side), and the script steps that work with devices and
 * mappings (device_online, device_offline, device_withdraw, map, unmap,
 * migrate, pin, unpin, touch of a mapping, alloc with an attribute).
 *
 * Invariant: as the rest of the loader's, everything is checked here that
 * can be without a sim (names, references, ranges, policy names), with
 * the place in the file; what is loaded is owned by the scenario.
 * docs/scenario-format.md, "Device memory", is the reference.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <memsim/device.h>
#include <memsim/scenario.h>

#include "scenario/scn.h"

/* What a scenario may ask for: the per-page tables are host memory
 * (about 17 bytes a device page, 32 a mapped page). */
#define DEV_SIZE_MAX ((uint64_t)16 << 30)
#define MAP_SIZE_MAX ((uint64_t)4 << 30)

static const char *const device_keys[] = {
	"name", "size", "kind", "block_size", "init_tick", "offline_retries",
	"retry_ticks", "copy_bandwidth", "local_bandwidth", "remote_bandwidth",
	NULL
};
static const char *const devpol_keys[] = {
	"placement", "migration", "eviction", "accounting", "threshold",
	"scan", "page_quota", "ram_quota", "device_quota", "ram", NULL
};

/* The per-device stats a scenario reports, as device.<name>.<stat>. */
static const char *const device_stat_names[] = {
	"blocks_online", "frames_used", "frames_pinned", "pages_placed",
	"pages_freed", "pgmigrate_success", "pgmigrate_fail",
	"pgmigrate_to_device", "pgmigrate_to_ram", "bytes_to_device",
	"bytes_to_ram", "copy_ticks", "cpu_faults", "device_faults",
	"remote_accesses", "local_accesses", "evictions", "pin_blocked",
	"pin_refused", "offline_retries", "offline_busy", "pages_lost",
	"threads_killed", "kernel_allocs_lost", "kernel_bytes_lost",
	"dangling_mappings", NULL
};

static const struct ms__tnode *get(const struct ms__tnode *t, const char *key)
{
	const struct ms__tentry *e = ms__table_find(t, key);

	return e ? e->val : NULL;
}

void ms__devices_init(struct ms_scenario *sc)
{
	sc->devices = g_array_new(FALSE, TRUE, sizeof(struct ms__device));
	for (int k = 0; k < MS_DEVPOL__COUNT; k++)
		sc->devpol.names[k] = g_ptr_array_new_with_free_func(g_free);
	sc->devpol.labels = g_ptr_array_new_with_free_func(g_free);
}

void ms__devices_fini(struct ms_scenario *sc)
{
	for (guint i = 0; i < sc->devices->len; i++)
		g_free(g_array_index(sc->devices, struct ms__device, i).name);
	g_array_free(sc->devices, TRUE);
	for (int k = 0; k < MS_DEVPOL__COUNT; k++)
		g_ptr_array_free(sc->devpol.names[k], TRUE);
	g_ptr_array_free(sc->devpol.labels, TRUE);
}

int ms__device_find(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->devices->len; i++)
		if (!strcmp(g_array_index(sc->devices, struct ms__device, i).name,
			    name))
			return (int)i;
	return -1;
}

/* ---- [[device]] ---- */

static int load_device(struct ms__lctx *c, const struct ms__tnode *t)
{
	static const char *const device_kinds[] = { "private", "coherent", NULL };
	struct ms_scenario *sc = c->sc;
	struct ms__device d = { 0 };
	const char *name = NULL;
	struct ms__pos pos = { t->line, t->column };
	uint64_t size = 0, bs = 0;
	int64_t v;
	bool found = false;
	int kind = 0, ret;

	if (t->type != MS__T_TABLE)
		return ms__type_error(c, "device", t, "a table ([[device]])");
	ret = ms__check_keys(c, t, "[[device]]", device_keys);
	if (!ret)
		ret = ms__get_str(c, t, "name", &name, &pos);
	if (!ret && !name)
		ret = ms__lerr(c, t->line, t->column, "add name = \"gpu\"",
			       "a device needs a name");
	if (!ret)
		ret = ms__check_name(c, "device", name, pos);
	if (!ret && ms__device_find(sc, name) >= 0)
		ret = ms__lerr(c, pos.line, pos.column, NULL,
			       "duplicate device '%s'", name);
	if (!ret && sc->devices->len >= MS_DEVICE_MAX)
		ret = ms__lerr(c, pos.line, pos.column, NULL,
			       "a scenario has at most %u devices",
			       MS_DEVICE_MAX);
	ms_device_attr_init(&d.attr);
	if (!ret)
		ret = ms__get_size(c, t, "size", 4096, DEV_SIZE_MAX, &size, &found);
	if (!ret && !found)
		ret = ms__lerr(c, t->line, t->column, "add size = \"256 MiB\"",
			       "device '%s' needs a size", name);
	if (!ret)
		ret = ms__get_enum(c, t, "kind", device_kinds, &kind);
	if (!ret)
		ret = ms__get_size(c, t, "block_size", 4096, DEV_SIZE_MAX, &bs,
				   &found);
	if (!ret && !found)
		bs = size;
	if (!ret && (bs % 4096 || size % bs))
		ret = ms__lerr(c, get(t, found ? "block_size" : "size")->line,
			       get(t, found ? "block_size" : "size")->column,
			       "blocks are whole pages (a multiple of 4096) and "
			       "the size is whole blocks",
			       "device '%s': block size %llu does not divide "
			       "size %llu in pages", name,
			       (unsigned long long)bs, (unsigned long long)size);
	v = 0;
	if (!ret)
		ret = ms__get_int(c, t, "init_tick", 0, INT64_MAX / 4, &v, NULL);
	d.attr.init_tick = (uint64_t)v;
	v = d.attr.offline_retries;
	if (!ret)
		ret = ms__get_int(c, t, "offline_retries", 0, 1000, &v, NULL);
	d.attr.offline_retries = (uint32_t)v;
	v = (int64_t)d.attr.retry_ticks;
	if (!ret)
		ret = ms__get_int(c, t, "retry_ticks", 0, INT64_MAX / 4, &v, NULL);
	d.attr.retry_ticks = (uint64_t)v;
	v = 0;
	if (!ret)
		ret = ms__get_int(c, t, "copy_bandwidth", 1, 1 << 30, &v, NULL);
	d.attr.copy_bandwidth = (uint32_t)v;
	v = 0;
	if (!ret)
		ret = ms__get_int(c, t, "local_bandwidth", 1, 1 << 30, &v, NULL);
	d.attr.local_bandwidth = (uint32_t)v;
	v = 0;
	if (!ret)
		ret = ms__get_int(c, t, "remote_bandwidth", 1, 1 << 30, &v, NULL);
	d.attr.remote_bandwidth = (uint32_t)v;
	if (ret)
		return ret;
	d.name = g_strdup(name);
	d.pos = pos;
	d.attr.name = d.name;
	d.attr.size = size;
	d.attr.block_size = bs;
	d.attr.kind = (enum ms_device_kind)kind;
	g_array_append_val(sc->devices, d);
	return 0;
}

/* ---- [device_policy] ---- */

static const char *const kind_keys[MS_DEVPOL__COUNT] = {
	[MS_DEVPOL_PLACEMENT] = "placement",
	[MS_DEVPOL_MIGRATION] = "migration",
	[MS_DEVPOL_EVICTION] = "eviction",
	[MS_DEVPOL_ACCOUNTING] = "accounting",
};

/* The registered policies of each kind: a throwaway sim's, so that the
 * loader and the library never disagree. */
static int registered(GPtrArray *out[MS_DEVPOL__COUNT])
{
	struct ms_config cfg;
	struct ms_sim *sim;
	int ret;

	ms_config_init(&cfg);
	cfg.heap_size = 1024;
	ret = ms_sim_new(&cfg, &sim);
	if (ret)
		return ret;
	for (int k = 0; k < MS_DEVPOL__COUNT; k++) {
		out[k] = g_ptr_array_new_with_free_func(g_free);
		for (size_t i = 0; i < ms_device_policy_count(sim, k); i++)
			g_ptr_array_add(out[k], g_strdup(
				ms_device_policy_at(sim, k, i)->name));
		g_ptr_array_add(out[k], NULL);
	}
	ms_sim_free(sim);
	return 0;
}

static int add_devpol(struct ms__lctx *c, int kind, const struct ms__tnode *v,
		      GPtrArray *known)
{
	GPtrArray *names = c->sc->devpol.names[kind];
	char hint[MS_SCENARIO_MSG_MAX];
	size_t len = 0;
	const char *near;

	if (v->type != MS__T_STRING)
		return ms__type_error(c, kind_keys[kind], v, "a policy name");
	for (guint i = 0; i + 1 < known->len; i++) {
		if (strcmp(v->u.s, known->pdata[i]))
			continue;
		for (guint k = 0; k < names->len; k++)
			if (!strcmp(names->pdata[k], v->u.s))
				return ms__lerr(c, v->line, v->column, NULL,
						"%s policy '%s' is listed twice",
						kind_keys[kind], v->u.s);
		g_ptr_array_add(names, g_strdup(v->u.s));
		return 0;
	}
	near = ms__nearest(v->u.s, (const char *const *)known->pdata,
			   known->len - 1);
	len = (size_t)snprintf(hint, sizeof(hint), "%s%s%s%s policies: ",
			       near ? "did you mean '" : "", near ? near : "",
			       near ? "'? " : "", kind_keys[kind]);
	for (guint i = 0; i + 1 < known->len && len < sizeof(hint); i++)
		len += (size_t)snprintf(hint + len, sizeof(hint) - len, "%s%s",
					i ? ", " : "",
					(const char *)known->pdata[i]);
	return ms__lerr(c, v->line, v->column, hint, "unknown %s policy '%s'",
			kind_keys[kind], v->u.s);
}

static void make_labels(struct ms__devpol *p)
{
	guint n[MS_DEVPOL__COUNT], total = 1;

	for (int k = 0; k < MS_DEVPOL__COUNT; k++) {
		n[k] = p->names[k]->len;
		total *= n[k];
	}
	for (guint i = 0; i < total; i++) {
		guint rest = i, idx[MS_DEVPOL__COUNT];

		for (int k = MS_DEVPOL__COUNT - 1; k >= 0; k--) {
			idx[k] = rest % n[k];
			rest /= n[k];
		}
		g_ptr_array_add(p->labels, g_strdup_printf("%s+%s+%s+%s",
			(char *)p->names[0]->pdata[idx[0]],
			(char *)p->names[1]->pdata[idx[1]],
			(char *)p->names[2]->pdata[idx[2]],
			(char *)p->names[3]->pdata[idx[3]]));
	}
}

static int load_devpol(struct ms__lctx *c, const struct ms__tnode *t,
		       GPtrArray *known[MS_DEVPOL__COUNT])
{
	struct ms__devpol *p = &c->sc->devpol;
	int64_t v;
	int ret = 0;

	if (t) {
		if (t->type != MS__T_TABLE)
			return ms__type_error(c, "device_policy", t, "a table");
		p->pos.line = t->line;
		p->pos.column = t->column;
		ret = ms__check_keys(c, t, "[device_policy]", devpol_keys);
	}
	for (int k = 0; !ret && t && k < MS_DEVPOL__COUNT; k++) {
		const struct ms__tnode *e = get(t, kind_keys[k]);

		if (!e)
			continue;
		if (e->type == MS__T_ARRAY) {
			if (!e->u.array.n)
				return ms__lerr(c, e->line, e->column,
						"name at least one", "'%s' is empty",
						kind_keys[k]);
			for (size_t i = 0; i < e->u.array.n && !ret; i++)
				ret = add_devpol(c, k, e->u.array.v[i], known[k]);
		} else {
			ret = add_devpol(c, k, e, known[k]);
		}
	}
	/* a kind the scenario does not name runs its default: the first */
	for (int k = 0; !ret && k < MS_DEVPOL__COUNT; k++)
		if (!p->names[k]->len)
			g_ptr_array_add(p->names[k], g_strdup(known[k]->pdata[0]));
	if (!ret && t) {
		v = 0;
		ret = ms__get_int(c, t, "threshold", 1, 1 << 30, &v, NULL);
		p->params.threshold = (uint32_t)v;
	}
	if (!ret && t) {
		v = 0;
		ret = ms__get_int(c, t, "scan", 1, 1 << 30, &v, NULL);
		p->params.scan = (uint32_t)v;
	}
	if (!ret && t)
		ret = ms__get_size(c, t, "page_quota", 1, INT64_MAX,
				   &p->params.page_quota, NULL);
	if (!ret && t)
		ret = ms__get_size(c, t, "ram_quota", 1, INT64_MAX,
				   &p->params.ram_quota, NULL);
	if (!ret && t)
		ret = ms__get_size(c, t, "device_quota", 1, INT64_MAX,
				   &p->params.device_quota, NULL);
	if (!ret && t)
		ret = ms__get_size(c, t, "ram", 4096, INT64_MAX, &p->ram, NULL);
	if (!ret)
		make_labels(p);
	return ret;
}

int ms__load_devices(struct ms__lctx *c, const struct ms__tnode *doc)
{
	const struct ms__tnode *arr = get(doc, "device");
	const struct ms__tnode *pol = get(doc, "device_policy");
	GPtrArray *known[MS_DEVPOL__COUNT] = { 0 };
	int ret = 0;

	if (!arr) {
		if (pol)
			return ms__lerr(c, pol->line, pol->column,
					"declare a device first: [[device]] "
					"name = ..., size = ...",
					"[device_policy] without a [[device]]");
		return 0;
	}
	if (arr->type != MS__T_ARRAY)
		return ms__type_error(c, "device", arr,
				      "an array of tables ([[device]])");
	for (size_t i = 0; i < arr->u.array.n && !ret; i++)
		ret = load_device(c, arr->u.array.v[i]);
	if (ret)
		return ret;
	ret = registered(known);
	if (ret)
		return ms__lerr(c, 0, 0, NULL, "cannot list the device policies");
	ret = load_devpol(c, pol, known);
	for (int k = 0; k < MS_DEVPOL__COUNT; k++)
		g_ptr_array_free(known[k], TRUE);
	return ret;
}

/* ---- steps ---- */

static int device_ref(struct ms__lctx *c, const char *key,
		      const struct ms__tnode *v, bool ram_ok, int *out)
{
	const char *names[MS_DEVICE_MAX + 1];
	char hint[MS_SCENARIO_MSG_MAX];
	const char *near;
	size_t n = 0;

	if (v->type != MS__T_STRING)
		return ms__type_error(c, key, v, ram_ok ?
				      "a device's name or \"ram\"" :
				      "a device's name");
	if (ram_ok && !strcmp(v->u.s, "ram")) {
		*out = -1;
		return 0;
	}
	*out = ms__device_find(c->sc, v->u.s);
	if (*out >= 0)
		return 0;
	for (guint i = 0; i < c->sc->devices->len && n < MS_DEVICE_MAX; i++)
		names[n++] = g_array_index(c->sc->devices, struct ms__device,
					   i).name;
	near = n ? ms__nearest(v->u.s, names, n) : NULL;
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
	else
		snprintf(hint, sizeof(hint), "declare it: [[device]] name = "
			 "\"%s\"", v->u.s);
	return ms__lerr(c, v->line, v->column, hint, "unknown device '%s'",
			v->u.s);
}

/* A mapping named by a step, checked against the map steps' names once
 * every script is read. */
static int map_ref(struct ms__lctx *c, const char *key, const char *name,
		   const struct ms__tnode *v, struct ms__step *s)
{
	struct ms__ref r;

	if (!name || !name[0])
		return ms__type_error(c, key, v,
				      "the name a map step gave with 'as'");
	s->str = g_strdup(name);
	r.name = s->str;
	r.pos.line = v->line;
	r.pos.column = v->column;
	g_array_append_val(c->map_refs, r);
	return 0;
}

int ms__check_map_refs(struct ms__lctx *c)
{
	for (guint i = 0; i < c->map_refs->len; i++) {
		const struct ms__ref *r = &g_array_index(c->map_refs,
							 struct ms__ref, i);

		if (!g_hash_table_contains(c->map_defs, r->name))
			return ms__lerr(c, r->pos.line, r->pos.column,
					"map it first: { map = \"1 MiB\", as = "
					"\"...\" }",
					"no map step is named '%s'", r->name);
	}
	return 0;
}

/* offset and bytes of a range step (m, n); bytes 0: to the end. */
static int range_keys(struct ms__lctx *c, const struct ms__tnode *t,
		      struct ms__step *s)
{
	const struct ms__tnode *o = get(t, "offset"), *b = get(t, "bytes");
	int ret = 0;

	s->m.kind = MS__VAL_CONST;
	s->m.a = 0;
	s->n.kind = MS__VAL_CONST;
	s->n.a = 0;
	if (o)
		ret = ms__node_val(c, "offset", o, 0, (int64_t)MAP_SIZE_MAX, true,
				   &s->m);
	if (!ret && b)
		ret = ms__node_val(c, "bytes", b, 0, (int64_t)MAP_SIZE_MAX, true,
				   &s->n);
	return ret;
}

static int parse_blocks(struct ms__lctx *c, const struct ms__tnode *t,
			const struct ms__tnode *v, struct ms__step *s)
{
	static const char *const zones[] = { "movable", "kernel", NULL };
	const struct ms__tnode *b = get(t, "blocks");
	int64_t first = 0, n = UINT32_MAX;
	int zone = 0, attr = 0, ret;

	ret = device_ref(c, ms__op_name(s->op), v, false, &s->ref);
	if (!ret)
		ret = ms__get_int(c, t, "first", 0, INT32_MAX, &first, NULL);
	if (!ret && b && !(b->type == MS__T_STRING && !strcmp(b->u.s, "all")))
		ret = ms__get_int(c, t, "blocks", 1, INT32_MAX, &n, NULL);
	if (!ret && s->op == MS__OP_DEVICE_OFFLINE &&
	    (get(t, "zone") || get(t, "attr")))
		ret = ms__lerr(c, t->line, t->column,
			       "an offline takes blocks as they are",
			       "'zone' and 'attr' are for device_online");
	if (!ret)
		ret = ms__get_enum(c, t, "zone", zones, &zone);
	if (!ret && get(t, "attr")) {
		const struct ms__tnode *a = get(t, "attr");
		unsigned u;

		if (zone != 1)
			ret = ms__lerr(c, a->line, a->column,
				       "add zone = \"kernel\"",
				       "'attr' tags a heap region: blocks online "
				       "for the kernel");
		else if (a->type != MS__T_STRING || ms_smh_attr_lookup(a->u.s, &u))
			ret = ms__lerr(c, a->line, a->column,
				       "attributes: cacheable, non-cacheable",
				       "unknown attribute");
		else
			attr = (int)u;
	}
	s->m.kind = MS__VAL_CONST;
	s->m.a = first;
	s->n.kind = MS__VAL_CONST;
	s->n.a = n;
	s->kind = zone;
	s->access = attr;
	return ret;
}

int ms__parse_device_step(struct ms__lctx *c, const struct ms__tnode *t,
			  const struct ms__tnode *v, struct ms__step *s)
{
	const char *str = NULL;
	struct ms__pos pos;
	int ret = 0;

	s->ref = -1;
	switch (s->op) {
	case MS__OP_DEVICE_ONLINE:
	case MS__OP_DEVICE_OFFLINE:
		return parse_blocks(c, t, v, s);
	case MS__OP_DEVICE_WITHDRAW:
		return device_ref(c, "device_withdraw", v, false, &s->ref);
	case MS__OP_MAP:
		ret = ms__node_val(c, "map", v, 1, (int64_t)MAP_SIZE_MAX, true,
				   &s->n);
		if (!ret)
			ret = ms__get_str(c, t, "as", &str, &pos);
		if (!ret && !str)
			ret = ms__lerr(c, t->line, t->column,
				       "write { map = \"1 MiB\", as = \"buf\" }",
				       "a map step needs 'as', the mapping's name");
		if (!ret)
			ret = ms__check_name(c, "mapping", str, pos);
		if (!ret && get(t, "device"))
			ret = device_ref(c, "device", get(t, "device"), false,
					 &s->ref);
		if (ret)
			return ret;
		s->tag = g_strdup(str);
		g_hash_table_add(c->map_defs, s->tag);
		return 0;
	case MS__OP_MIGRATE:
		if (!get(t, "to"))
			return ms__lerr(c, t->line, t->column,
					"write to = \"<device>\" or to = \"ram\"",
					"'migrate' needs 'to'");
		ret = device_ref(c, "to", get(t, "to"), true, &s->ref);
		if (!ret)
			ret = range_keys(c, t, s);
		if (!ret && get(t, "hold")) {
			int64_t h = 0;

			ret = ms__get_int(c, t, "hold", 0, INT64_MAX / 4, &h,
					  NULL);
			s->has_wait = true;
			s->wait = h;
		}
		break;
	case MS__OP_PIN:
	case MS__OP_UNPIN:
		ret = range_keys(c, t, s);
		if (!ret)
			ret = ms__get_bool(c, t, "longterm", &s->flag);
		break;
	case MS__OP_UNMAP:
		ret = range_keys(c, t, s);
		break;
	default:
		return 0;
	}
	if (!ret && v->type != MS__T_STRING)
		return ms__type_error(c, ms__op_name(s->op), v,
				      "the name a map step gave with 'as'");
	return ret ? ret : map_ref(c, ms__op_name(s->op), v->u.s, v, s);
}

int ms__parse_map_touch(struct ms__lctx *c, const struct ms__tnode *t,
			const struct ms__tnode *v, struct ms__step *s)
{
	static const char *const accesses[] = { "read", "write", NULL };
	int acc = 0, ret;

	s->kind = MS__TOUCH_MAP;
	s->ref = -1;
	ret = range_keys(c, t, s);
	if (!ret)
		ret = ms__get_enum(c, t, "access", accesses, &acc);
	if (!ret && get(t, "device"))
		ret = device_ref(c, "device", get(t, "device"), false, &s->ref);
	s->access = acc == 0 ? MS_ACCESS_READ : MS_ACCESS_WRITE;
	if (ret)
		return ret;
	return map_ref(c, "touch", v->u.s + 4, v, s);
}

int ms__parse_alloc_attr(struct ms__lctx *c, const struct ms__tnode *t,
			 struct ms__step *s)
{
	const struct ms__tnode *a = get(t, "attr");
	unsigned u;

	if (!a)
		return 0;
	if (a->type != MS__T_STRING || ms_smh_attr_lookup(a->u.s, &u))
		return ms__lerr(c, a->line, a->column,
				"attributes: cacheable, non-cacheable",
				"'attr' must name a heap region attribute");
	if (!c->sc->devices->len)
		return ms__lerr(c, a->line, a->column,
				"regions are device blocks onlined with "
				"zone = \"kernel\"",
				"an allocation by attribute needs a [[device]]");
	if (s->has_wait)
		return ms__lerr(c, a->line, a->column, NULL,
				"an allocation by attribute does not wait");
	s->attr = (int)u + 1;
	return 0;
}

/* ---- metrics and accessors ---- */

bool ms__device_metric_known(const struct ms_scenario *sc, const char *rest,
			     const char **hint)
{
	static _Thread_local char buf[MS_SCENARIO_MSG_MAX];
	const char *dot = strchr(rest, '.');
	char who[MS_DEVICE_NAME_MAX + 1];
	size_t wl;

	if (!sc->devices->len) {
		*hint = "the scenario declares no [[device]]";
		return false;
	}
	if (!dot) {
		*hint = "device.<device>.<stat>, e.g. device.gpu.pgmigrate_success";
		return false;
	}
	wl = MIN((size_t)(dot - rest), sizeof(who) - 1);
	memcpy(who, rest, wl);
	who[wl] = '\0';
	if (ms__device_find(sc, who) < 0) {
		snprintf(buf, sizeof(buf), "no [[device]] named '%s'", who);
		*hint = buf;
		return false;
	}
	for (size_t i = 0; device_stat_names[i]; i++)
		if (!strcmp(device_stat_names[i], dot + 1))
			return true;
	{
		const char *near = ms__nearest(dot + 1, device_stat_names,
					       G_N_ELEMENTS(device_stat_names) - 1);

		snprintf(buf, sizeof(buf), "%s%s%sdevice stats: pgmigrate_success, "
			 "pgmigrate_fail, cpu_faults, pages_lost, ...",
			 near ? "did you mean '" : "", near ? near : "",
			 near ? "'? " : "");
	}
	*hint = buf;
	return false;
}

const char *const *ms__device_stat_names(void)
{
	return device_stat_names;
}

size_t ms_scenario_device_policy_count(const struct ms_scenario *sc)
{
	return sc && sc->devices->len ? sc->devpol.labels->len : 0;
}

const char *ms_scenario_device_policy(const struct ms_scenario *sc, size_t i)
{
	if (i >= ms_scenario_device_policy_count(sc))
		return NULL;
	return sc->devpol.labels->pdata[i];
}
