/* SPDX-License-Identifier: MIT */
/*
 * Scenario parameter overrides: "kernel.heap_size" = "8KiB" applied to the
 * parsed document tree before the loader sees it (memsim sweep --set).
 *
 * An override replaces (or adds) one scalar value in the tree; it is not a
 * text substitution, so the loader validates the changed scenario exactly
 * as it validates a file: an unknown key, a value of the wrong type or out
 * of range is refused by the loader's own checks, with its own message and
 * hint. What this file adds is the place: every node it makes carries line
 * 0 and column 1 + the override's index (no node from a file has line 0),
 * and an error found at such a place is rewritten to name the override
 * ("--set kernel.heap_size=1KiB: 'heap_size' is out of range ...").
 *
 * Invariant: a failed override leaves the tree as it found it, or changed
 * only by tables it added on the path (freed with the tree either way);
 * no override reaches a table or an array value: --set changes scalars.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/override.h"
#include "scenario/scn.h"

static struct ms__tnode *node_new(enum ms__tnode_type type, unsigned column)
{
	struct ms__tnode *n = calloc(1, sizeof(*n));

	if (n) {
		n->type = type;
		n->line = 0;
		n->column = column;
	}
	return n;
}

/*
 * The value text as TOML ("8192", "1.5", "true", "\"8 KiB\""), else, when
 * it is not a TOML value, as a bare string ("8KiB", "bytes"): the loader
 * decides what it accepts.
 */
static int parse_value(const char *text, unsigned column,
		       struct ms__tnode **out)
{
	struct ms__toml_error terr = { 0 };
	struct ms__tnode *doc = NULL, *v;
	char *src = g_strdup_printf("v = %s\n", text);
	int ret = ms__toml_parse(src, strlen(src), "--set", &doc, &terr);

	g_free(src);
	if (ret == -ENOMEM)
		return ret;
	if (ret == 0 && doc->type == MS__T_TABLE && doc->u.table.n == 1 &&
	    !strcmp(doc->u.table.e[0].key, "v")) {
		v = doc->u.table.e[0].val;
		doc->u.table.e[0].val = NULL;
		ms__tnode_free(doc);
		if (v->type == MS__T_TABLE || v->type == MS__T_ARRAY) {
			ms__tnode_free(v);
			return -EINVAL;
		}
		v->line = 0;
		v->column = column;
		*out = v;
		return 0;
	}
	ms__tnode_free(doc);
	v = node_new(MS__T_STRING, column);
	if (!v || !(v->u.s = strdup(text))) {
		free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

/* Append an entry to table t; the entry owns val. */
static struct ms__tentry *table_add(struct ms__tnode *t, const char *key,
				    unsigned column, struct ms__tnode *val)
{
	struct ms__tentry *e = realloc(t->u.table.e, (t->u.table.n + 1) *
				       sizeof(*e));

	if (!e)
		return NULL;
	t->u.table.e = e;
	e = &e[t->u.table.n];
	e->key = strdup(key);
	if (!e->key)
		return NULL;
	e->line = 0;
	e->column = column;
	e->val = val;
	t->u.table.n++;
	return e;
}

static struct ms__tentry *table_get(struct ms__tnode *t, const char *key)
{
	return (struct ms__tentry *)ms__table_find(t, key);
}

/* The table of array arr whose "name" is name, or NULL. */
static struct ms__tnode *named_element(struct ms__tnode *arr, const char *name)
{
	for (size_t i = 0; i < arr->u.array.n; i++) {
		const struct ms__tentry *e = ms__table_find(arr->u.array.v[i],
							    "name");

		if (e && e->val->type == MS__T_STRING &&
		    !strcmp(e->val->u.s, name))
			return arr->u.array.v[i];
	}
	return NULL;
}

static void element_names(struct ms__tnode *arr, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < arr->u.array.n && len < size; i++) {
		const struct ms__tentry *e = ms__table_find(arr->u.array.v[i],
							    "name");

		if (e && e->val->type == MS__T_STRING)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? ", " : "", e->val->u.s);
	}
}

static int apply_one(struct ms__tnode *doc, const struct ms_scenario_override *o,
		     unsigned column, const char *file,
		     struct ms_scenario_error *err)
{
	gchar **seg = g_strsplit(o->key, ".", -1);
	struct ms__tnode *t = doc, *v = NULL;
	GString *path = g_string_new(NULL);
	int ret = 0;
	size_t n = g_strv_length(seg);

	for (size_t i = 0; i < n; i++) {
		if (!seg[i][0]) {
			ms__error_set(err, file, 0, 0, "keys are dotted paths "
				      "like kernel.heap_size or "
				      "actor.victim.start",
				      "--set %s: empty key", o->key);
			ret = -EINVAL;
			goto out;
		}
	}
	if (n == 0) {
		ms__error_set(err, file, 0, 0, "write --set KEY=VALUE",
			      "--set: no key");
		ret = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		struct ms__tentry *e = table_get(t, seg[i]);

		g_string_append_printf(path, "%s%s", i ? "." : "", seg[i]);
		if (!e) {
			/* a table the file does not have: the loader decides
			 * whether it may exist ([quota.bytes] may, [kernal]
			 * may not) */
			struct ms__tnode *nt = node_new(MS__T_TABLE, column);

			if (!nt || !(e = table_add(t, seg[i], column, nt))) {
				free(nt);
				ret = -ENOMEM;
				goto out;
			}
			t = nt;
			continue;
		}
		if (e->val->type == MS__T_TABLE) {
			t = e->val;
			continue;
		}
		if (e->val->type == MS__T_ARRAY && i + 2 < n) {
			/* [[actor]], [[workload]]...: the element by name */
			char hint[MS_SCENARIO_MSG_MAX], names[160];
			const char *near;
			GPtrArray *all;

			t = named_element(e->val, seg[i + 1]);
			if (t) {
				g_string_append_printf(path, ".%s", seg[++i]);
				continue;
			}
			all = g_ptr_array_new();
			for (size_t k = 0; k < e->val->u.array.n; k++) {
				const struct ms__tentry *ne = ms__table_find(
					e->val->u.array.v[k], "name");

				if (ne && ne->val->type == MS__T_STRING)
					g_ptr_array_add(all, ne->val->u.s);
			}
			near = ms__nearest(seg[i + 1],
					   (const char *const *)all->pdata,
					   all->len);
			element_names(e->val, names, sizeof(names));
			if (near)
				snprintf(hint, sizeof(hint),
					 "did you mean '%s'?", near);
			else
				snprintf(hint, sizeof(hint), "%s: %s",
					 names[0] ? "names" : "no element has "
					 "a name", names);
			g_ptr_array_free(all, TRUE);
			ms__error_set(err, file, 0, 0, hint,
				      "--set %s: no [[%s]] is named '%s'",
				      o->key, seg[i], seg[i + 1]);
			ret = -EINVAL;
			goto out;
		}
		ms__error_set(err, file, 0, 0,
			      e->val->type == MS__T_ARRAY ?
			      "name an element: " "actor.NAME.KEY" : NULL,
			      "--set %s: '%s' is %s, not a table", o->key,
			      path->str, ms__tnode_type_name(e->val->type));
		ret = -EINVAL;
		goto out;
	}

	ret = parse_value(o->value, column, &v);
	if (ret == -EINVAL) {
		ms__error_set(err, file, 0, 0, "--set takes a scalar: an "
			      "integer, a float, a boolean or a string",
			      "--set %s=%s: not a scalar value", o->key,
			      o->value);
		goto out;
	}
	if (ret)
		goto out;
	{
		struct ms__tentry *e = table_get(t, seg[n - 1]);

		if (e && (e->val->type == MS__T_TABLE ||
			  e->val->type == MS__T_ARRAY)) {
			ms__error_set(err, file, 0, 0, "--set changes one "
				      "scalar key: name a key inside it",
				      "--set %s: '%s' is %s in the scenario, "
				      "not a scalar", o->key, o->key,
				      ms__tnode_type_name(e->val->type));
			ms__tnode_free(v);
			ret = -EINVAL;
			goto out;
		}
		if (e) {
			ms__tnode_free(e->val);
			e->val = v;
		} else if (!table_add(t, seg[n - 1], column, v)) {
			ms__tnode_free(v);
			ret = -ENOMEM;
		}
	}
out:
	if (ret == -ENOMEM)
		ms__error_set(err, file, 0, 0, NULL, "out of memory");
	g_string_free(path, TRUE);
	g_strfreev(seg);
	return ret;
}

int ms__override_apply(struct ms__tnode *doc,
		       const struct ms_scenario_override *ov, size_t n,
		       const char *file, struct ms_scenario_error *err)
{
	if (n && !ov) {
		ms__error_set(err, file, 0, 0, NULL, "no overrides given");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		int ret;

		if (!ov[i].key || !ov[i].value) {
			ms__error_set(err, file, 0, 0, NULL,
				      "--set: override %zu has no %s", i,
				      ov[i].key ? "value" : "key");
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(ov[k].key, ov[i].key)) {
				ms__error_set(err, file, 0, 0, NULL,
					      "--set %s: the key is given "
					      "twice", ov[i].key);
				return -EINVAL;
			}
		ret = apply_one(doc, &ov[i], (unsigned)i + 1, file, err);
		if (ret)
			return ret;
	}
	return 0;
}

void ms__override_explain(const struct ms_scenario_override *ov, size_t n,
			  struct ms_scenario_error *err)
{
	char msg[MS_SCENARIO_MSG_MAX], hint[MS_SCENARIO_MSG_MAX];
	char file[MS_SCENARIO_PATH_MAX];

	if (!err || !n || !err->message[0])
		return;
	if (err->line == 0 && err->column >= 1 && err->column <= n) {
		/* the loader refused an override's value or key: say which */
		const struct ms_scenario_override *o = &ov[err->column - 1];

		memcpy(msg, err->message, sizeof(msg));
		memcpy(hint, err->hint, sizeof(hint));
		memcpy(file, err->file, sizeof(file));
		ms__error_set(err, file, 0, 0, hint[0] ? hint : NULL,
			      "--set %s=%s: %s", o->key, o->value, msg);
		return;
	}
	if (err->line) {
		/* an error in the file that the overrides may have caused
		 * (a thread count above a lowered max_threads) */
		size_t len = strlen(err->text);

		for (size_t i = 0; i < n && len + 1 < sizeof(err->text); i++)
			len += (size_t)snprintf(err->text + len,
						sizeof(err->text) - len,
						"%s%s=%s%s",
						i ? ", " : "  note: with --set ",
						ov[i].key, ov[i].value,
						i + 1 == n ? "\n" : "");
	}
}

int ms_scenario_load_file_overrides(const char *path,
				    const struct ms_scenario_override *ov,
				    size_t n, struct ms_scenario **out,
				    struct ms_scenario_error *err)
{
	return ms__scenario_load_file(path, ov, n, out, err);
}

int ms_scenario_load_string_overrides(const char *text,
				      const char *display_name,
				      const struct ms_scenario_override *ov,
				      size_t n, struct ms_scenario **out,
				      struct ms_scenario_error *err)
{
	if (!display_name)
		display_name = "<string>";
	if (!text || !out) {
		ms__error_set(err, display_name, 0, 0, NULL, "no text to load");
		return -EINVAL;
	}
	return ms__scenario_load_text(text, strlen(text), display_name, ov, n,
				      out, err);
}
