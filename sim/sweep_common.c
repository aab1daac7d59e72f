/* SPDX-License-Identifier: MIT */
/*
 * What memsim sweep and memsim sweep-report share: the JSON they write,
 * the grid key's canonical spelling, the reading of a record (with
 * json-glib) and the splitting of command-line lists.
 *
 * Invariant: a record read back gives the same grid key id as the run
 * that wrote it (sweep_key_id of the same fields), so resuming and merging
 * compare keys, never line text.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "sweep.h"

/* ---- the command line ---- */

void sweep_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "memsim %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'memsim %s --help' for more information.\n",
		cmd);
}

int sweep_parse_options(const char *cmd, const char *params,
			const char *summary, const char *description,
			const GOptionEntry *entries, int *argc, char ***argv)
{
	GOptionContext *ctx = g_option_context_new(params);
	g_autofree gchar *prg = g_strdup_printf("memsim %s", cmd);
	GError *error = NULL;
	int ret = 0;

	g_option_context_set_summary(ctx, summary);
	g_option_context_set_description(ctx, description);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_set_prgname(prg);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		sweep_usage_error(cmd, "%s", error->message);
		g_error_free(error);
		ret = 2;
	}
	g_option_context_free(ctx);
	return ret;
}

/* ---- writing ---- */

void sweep_json_str(GString *out, const char *s)
{
	if (!s) {
		g_string_append(out, "null");
		return;
	}
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

void sweep_json_double(GString *out, double v)
{
	char buf[40];

	if (!isfinite(v)) {
		g_string_append(out, "null");
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		/* an integer stays one: 60, not 6e+01 */
		g_string_append_printf(out, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	g_string_append(out, buf);
}

/* ---- keys ---- */

char *sweep_key_id(const struct sweep_key *k)
{
	GString *s = g_string_new(NULL);

	/* JSON strings keep every name apart: no separator can collide */
	g_string_append_printf(s, "%" G_GUINT64_FORMAT, k->seed);
	g_string_append_c(s, ' ');
	sweep_json_str(s, k->policy);
	g_string_append_c(s, ' ');
	sweep_json_str(s, k->mode);
	for (size_t i = 0; i < k->n_set; i++) {
		g_string_append_c(s, ' ');
		sweep_json_str(s, k->set_keys[i]);
		g_string_append_c(s, '=');
		sweep_json_str(s, k->set_vals[i]);
	}
	return g_string_free(s, FALSE);
}

/* ---- reading ---- */

static char *dup_member_str(JsonObject *o, const char *name, bool *bad)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || JSON_NODE_HOLDS_NULL(n))
		return NULL;
	if (json_node_get_value_type(n) != G_TYPE_STRING) {
		*bad = true;
		return NULL;
	}
	return g_strdup(json_node_get_string(n));
}

static bool member_number(JsonObject *o, const char *name, double *out)
{
	JsonNode *n = json_object_get_member(o, name);
	GType t;

	if (!n || !JSON_NODE_HOLDS_VALUE(n))
		return false;
	t = json_node_get_value_type(n);
	if (t == G_TYPE_INT64)
		*out = (double)json_node_get_int(n);
	else if (t == G_TYPE_DOUBLE)
		*out = json_node_get_double(n);
	else if (t == G_TYPE_BOOLEAN)
		*out = json_node_get_boolean(n);
	else
		return false;
	return true;
}

static int parse_key(JsonObject *key, struct sweep_record *r, char **why)
{
	JsonNode *seed = json_object_get_member(key, "seed");
	JsonNode *set = json_object_get_member(key, "set");
	bool bad = false;
	struct sweep_key k = { 0 };

	if (!seed || !JSON_NODE_HOLDS_VALUE(seed) ||
	    json_node_get_value_type(seed) != G_TYPE_INT64 ||
	    json_node_get_int(seed) < 0) {
		*why = g_strdup("the key has no seed");
		return -EINVAL;
	}
	r->seed = (uint64_t)json_node_get_int(seed);
	r->policy = dup_member_str(key, "policy", &bad);
	r->mode = dup_member_str(key, "mode", &bad);
	if (bad || !r->policy) {
		*why = g_strdup("the key's policy or mode is not a string");
		return -EINVAL;
	}
	if (set && JSON_NODE_HOLDS_OBJECT(set)) {
		JsonObject *so = json_node_get_object(set);
		GList *members = json_object_get_members(so);

		/* json-glib keeps members in document order */
		for (GList *l = members; l; l = l->next) {
			JsonNode *v = json_object_get_member(so, l->data);

			if (!JSON_NODE_HOLDS_VALUE(v) ||
			    json_node_get_value_type(v) != G_TYPE_STRING) {
				g_list_free(members);
				*why = g_strdup("a --set value of the key is "
						"not a string");
				return -EINVAL;
			}
			g_ptr_array_add(r->set_keys, g_strdup(l->data));
			g_ptr_array_add(r->set_vals,
					g_strdup(json_node_get_string(v)));
		}
		g_list_free(members);
	} else if (set && !JSON_NODE_HOLDS_NULL(set)) {
		*why = g_strdup("the key's 'set' is not an object");
		return -EINVAL;
	}
	k.seed = r->seed;
	k.policy = r->policy;
	k.mode = r->mode;
	k.n_set = r->set_keys->len;
	k.set_keys = (const char *const *)r->set_keys->pdata;
	k.set_vals = (const char *const *)r->set_vals->pdata;
	r->id = sweep_key_id(&k);
	return 0;
}

static int parse_body(JsonObject *o, struct sweep_record *r, char **why)
{
	JsonNode *m = json_object_get_member(o, "metrics");
	JsonNode *x = json_object_get_member(o, "expect");
	JsonNode *ok = json_object_get_member(o, "ok");
	bool bad = false;

	r->verdict = dup_member_str(o, "verdict", &bad);
	if (bad || !r->verdict || !m || !JSON_NODE_HOLDS_OBJECT(m) ||
	    !ok || !JSON_NODE_HOLDS_VALUE(ok) ||
	    json_node_get_value_type(ok) != G_TYPE_BOOLEAN) {
		*why = g_strdup("a record needs 'verdict', 'ok' and 'metrics' "
				"(or 'error')");
		return -EINVAL;
	}
	r->ok = json_node_get_boolean(ok);
	{
		JsonObject *mo = json_node_get_object(m);
		GList *members = json_object_get_members(mo);

		for (GList *l = members; l; l = l->next) {
			JsonNode *v = json_object_get_member(mo, l->data);
			struct sweep_metric sm = { 0 };

			sm.name = g_strdup(l->data);
			sm.null = JSON_NODE_HOLDS_NULL(v);
			if (!sm.null && !member_number(mo, l->data, &sm.value)) {
				*why = g_strdup_printf("metric '%s' is not a "
						       "number or null",
						       (char *)l->data);
				g_free(sm.name);
				g_list_free(members);
				return -EINVAL;
			}
			g_array_append_val(r->metrics, sm);
		}
		g_list_free(members);
	}
	if (x && JSON_NODE_HOLDS_ARRAY(x)) {
		JsonArray *a = json_node_get_array(x);

		for (guint i = 0; i < json_array_get_length(a); i++) {
			JsonNode *e = json_array_get_element(a, i);
			struct sweep_expect se = { 0 };
			JsonObject *eo;
			JsonNode *pass;

			if (!JSON_NODE_HOLDS_OBJECT(e))
				goto bad_expect;
			eo = json_node_get_object(e);
			pass = json_object_get_member(eo, "pass");
			se.text = dup_member_str(eo, "text", &bad);
			if (bad || !se.text || !pass ||
			    !JSON_NODE_HOLDS_VALUE(pass) ||
			    json_node_get_value_type(pass) != G_TYPE_BOOLEAN) {
				g_free(se.text);
				goto bad_expect;
			}
			se.pass = json_node_get_boolean(pass);
			{
				double line = 0;

				if (member_number(eo, "line", &line) &&
				    line >= 0 && line < 1e9)
					se.line = (unsigned)line;
			}
			g_array_append_val(r->expects, se);
		}
	} else if (x) {
		goto bad_expect;
	}
	return 0;
bad_expect:
	*why = g_strdup("'expect' is not an array of { text, pass }");
	return -EINVAL;
}

int sweep_record_parse(const char *line, size_t len, struct sweep_record *r,
		       char **why)
{
	JsonParser *p = json_parser_new();
	GError *gerr = NULL;
	JsonNode *root, *n;
	JsonObject *o;
	bool bad = false;
	int ret = -EINVAL;

	memset(r, 0, sizeof(*r));
	r->set_keys = g_ptr_array_new_with_free_func(g_free);
	r->set_vals = g_ptr_array_new_with_free_func(g_free);
	r->metrics = g_array_new(FALSE, TRUE, sizeof(struct sweep_metric));
	r->expects = g_array_new(FALSE, TRUE, sizeof(struct sweep_expect));
	*why = NULL;
	if (!json_parser_load_from_data(p, line, (gssize)len, &gerr)) {
		*why = g_strdup_printf("not JSON: %s", gerr->message);
		g_error_free(gerr);
		goto out;
	}
	root = json_parser_get_root(p);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		*why = g_strdup("not a JSON object");
		goto out;
	}
	o = json_node_get_object(root);
	n = json_object_get_member(o, "schema");
	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING ||
	    strcmp(json_node_get_string(n), SWEEP_SCHEMA) != 0) {
		*why = g_strdup("not a memsim sweep record (schema "
				SWEEP_SCHEMA ")");
		goto out;
	}
	n = json_object_get_member(o, "index");
	if (!n || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < 0) {
		*why = g_strdup("the record has no grid index");
		goto out;
	}
	r->index = json_node_get_int(n);
	r->scenario = dup_member_str(o, "scenario", &bad);
	n = json_object_get_member(o, "key");
	if (bad || !r->scenario || !n || !JSON_NODE_HOLDS_OBJECT(n)) {
		*why = g_strdup("the record has no scenario or key");
		goto out;
	}
	ret = parse_key(json_node_get_object(n), r, why);
	if (ret)
		goto out;
	r->error = dup_member_str(o, "error", &bad);
	ret = r->error ? 0 : parse_body(o, r, why);
out:
	g_object_unref(p);
	return ret;
}

void sweep_record_fini(struct sweep_record *r)
{
	g_free(r->scenario);
	g_free(r->id);
	g_free(r->policy);
	g_free(r->mode);
	g_free(r->error);
	g_free(r->verdict);
	if (r->set_keys)
		g_ptr_array_free(r->set_keys, TRUE);
	if (r->set_vals)
		g_ptr_array_free(r->set_vals, TRUE);
	if (r->metrics) {
		for (guint i = 0; i < r->metrics->len; i++)
			g_free(g_array_index(r->metrics, struct sweep_metric,
					     i).name);
		g_array_free(r->metrics, TRUE);
	}
	if (r->expects) {
		for (guint i = 0; i < r->expects->len; i++)
			g_free(g_array_index(r->expects, struct sweep_expect,
					     i).text);
		g_array_free(r->expects, TRUE);
	}
	memset(r, 0, sizeof(*r));
}

/* ---- lists ---- */

int sweep_split(const char *s, GPtrArray *out, unsigned *bad)
{
	GString *item = g_string_new(NULL);
	int depth = 0;
	char quote = 0;
	unsigned pos = 1;

	for (const char *p = s;; p++) {
		if (!*p || (*p == ',' && !depth && !quote)) {
			char *v = g_strstrip(g_strdup(item->str));

			if (!*v) {
				g_free(v);
				g_string_free(item, TRUE);
				*bad = pos;
				return -EINVAL;
			}
			g_ptr_array_add(out, v);
			g_string_truncate(item, 0);
			pos++;
			if (!*p)
				break;
			continue;
		}
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (*p == '\\' && quote == '"' && p[1])
				g_string_append_c(item, *p++);
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '[' || *p == '{') {
			depth++;
		} else if ((*p == ']' || *p == '}') && depth) {
			depth--;
		}
		g_string_append_c(item, *p);
	}
	g_string_free(item, TRUE);
	return 0;
}
