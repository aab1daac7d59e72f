/* SPDX-License-Identifier: MIT */
/*
 * memsim sweep-report: the records of one sweep (from any number of
 * files: shards, resumed runs, in any order) merged and summarised per
 * group of runs: one group per policy, IPC mode and parameter point, the
 * seeds pooled. For each metric: count, min, median, mean, max, the
 * sample standard deviation and the 95% Student t confidence interval of
 * the mean; the share of runs per verdict, per expectation held and with
 * every expectation held, each with its 95% Wilson score interval. As
 * text, JSON and an SVG chart; --require gates on the shares.
 *
 * Invariant: the output depends on the set of records only. Records are
 * sorted by grid index before anything is counted, groups come in the
 * order of their first run, statistics are computed on sorted values; so
 * shards merged in any order give byte-identical reports, and the same
 * as the unsharded sweep. A run present twice is an error, not a merge.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include <memsim/report.h>

#include "sweep.h"

enum {
	EXIT_PASS = 0,
	EXIT_GATE = 1,
	EXIT_USAGE = 2,
	EXIT_INTERNAL = 3,
};

struct rec {
	struct sweep_record r;
	char *line;		/* as read, with its newline */
	const char *file;
	size_t lineno;
};

struct metric_sum {
	char *name;
	struct sweep_summary s;
};

struct count {
	char *name;
	unsigned line;		/* expectations: where in the scenario */
	size_t runs, held;
};

struct group {
	char *id;		/* policy, mode and set values */
	const struct rec *first;
	GPtrArray *recs;	/* struct rec *, in grid order */
	size_t errors, ok;
	GArray *metrics;	/* struct metric_sum */
	GArray *verdicts;	/* struct count */
	GArray *expects;	/* struct count */
};

struct gate {
	char *spec, *policy, *metric;
	char op[3];
	double x, share;
};

struct report {
	gchar *json, *svg, *svg_metric, *merged;
	gchar **requires;
	gboolean quiet;

	GPtrArray *recs;	/* struct rec *, sorted by grid index */
	GPtrArray *groups;	/* struct group * */
	GArray *gates;		/* struct gate */
	size_t n_files;
	const char *scenario;
};

#define usage_error(...) sweep_usage_error("sweep-report", __VA_ARGS__)

/* ---- reading and merging ---------------------------------------------------- */

static void rec_free(gpointer p)
{
	struct rec *r = p;

	sweep_record_fini(&r->r);
	g_free(r->line);
	g_free(r);
}

static int read_file(struct report *rp, const char *path, GHashTable *ids,
		     GHashTable *indices)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	size_t lineno = 0;

	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		fprintf(stderr, "memsim sweep-report: %s\n", gerr->message);
		g_error_free(gerr);
		return EXIT_USAGE;
	}
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		struct rec *r, *other;
		char *why = NULL;

		lineno++;
		if (!nl) {
			fprintf(stderr, "%s:%zu: a half-written last record "
				"(the sweep was stopped: run it again with "
				"--resume)\n", path, lineno);
			return EXIT_USAGE;
		}
		r = g_new0(struct rec, 1);
		r->file = path;
		r->lineno = lineno;
		if (sweep_record_parse(text + at, n, &r->r, &why) < 0) {
			fprintf(stderr, "%s:%zu: %s\n", path, lineno, why);
			g_free(why);
			rec_free(r);
			return EXIT_USAGE;
		}
		r->line = g_strndup(text + at, n + 1);
		at += n + 1;
		if (rp->scenario && strcmp(rp->scenario, r->r.scenario)) {
			fprintf(stderr, "%s:%zu: a run of scenario '%s', the "
				"others are of '%s': one sweep at a time\n",
				path, lineno, r->r.scenario, rp->scenario);
			rec_free(r);
			return EXIT_USAGE;
		}
		other = g_hash_table_lookup(ids, r->r.id);
		if (other) {
			fprintf(stderr, "%s:%zu: the run of grid index %" G_GINT64_FORMAT
				" is also %s:%zu (a shard or a file given "
				"twice?)\n", path, lineno, r->r.index,
				other->file, other->lineno);
			rec_free(r);
			return EXIT_USAGE;
		}
		other = g_hash_table_lookup(indices, &r->r.index);
		if (other) {
			fprintf(stderr, "%s:%zu: grid index %" G_GINT64_FORMAT
				" is another run at %s:%zu: the files are of "
				"different sweeps (other --seeds, --policies "
				"or --set)\n", path, lineno, r->r.index,
				other->file, other->lineno);
			rec_free(r);
			return EXIT_USAGE;
		}
		g_ptr_array_add(rp->recs, r);
		rp->scenario = r->r.scenario;
		g_hash_table_insert(ids, r->r.id, r);
		g_hash_table_insert(indices, &r->r.index, r);
	}
	return EXIT_PASS;
}

static int by_index(gconstpointer a, gconstpointer b)
{
	const struct rec *x = *(struct rec *const *)a;
	const struct rec *y = *(struct rec *const *)b;

	return x->r.index < y->r.index ? -1 : x->r.index > y->r.index;
}

/* ---- grouping and counting ---------------------------------------------------- */

static char *group_id(const struct sweep_record *r)
{
	struct sweep_key k = {
		.seed = 0,
		.policy = r->policy,
		.mode = r->mode,
		.n_set = r->set_keys->len,
		.set_keys = (const char *const *)r->set_keys->pdata,
		.set_vals = (const char *const *)r->set_vals->pdata,
	};

	return sweep_key_id(&k);
}

static struct count *count_of(GArray *a, const char *name, unsigned line)
{
	struct count c = { 0 };

	for (guint i = 0; i < a->len; i++) {
		struct count *x = &g_array_index(a, struct count, i);

		if (!strcmp(x->name, name) && x->line == line)
			return x;
	}
	c.name = g_strdup(name);
	c.line = line;
	g_array_append_val(a, c);
	return &g_array_index(a, struct count, a->len - 1);
}

static void group_free(gpointer p)
{
	struct group *g = p;

	g_free(g->id);
	g_ptr_array_free(g->recs, TRUE);
	for (guint i = 0; i < g->metrics->len; i++)
		g_free(g_array_index(g->metrics, struct metric_sum, i).name);
	for (guint i = 0; i < g->verdicts->len; i++)
		g_free(g_array_index(g->verdicts, struct count, i).name);
	for (guint i = 0; i < g->expects->len; i++)
		g_free(g_array_index(g->expects, struct count, i).name);
	g_array_free(g->metrics, TRUE);
	g_array_free(g->verdicts, TRUE);
	g_array_free(g->expects, TRUE);
	g_free(g);
}

/* A metric's values in a group, the runs without one left out. */
static GArray *values_of(const struct group *g, const char *name)
{
	GArray *v = g_array_new(FALSE, FALSE, sizeof(double));

	for (guint i = 0; i < g->recs->len; i++) {
		const struct rec *r = g->recs->pdata[i];

		if (r->r.error)
			continue;
		for (guint k = 0; k < r->r.metrics->len; k++) {
			const struct sweep_metric *m = &g_array_index(
				r->r.metrics, struct sweep_metric, k);

			if (!strcmp(m->name, name) && !m->null)
				g_array_append_val(v, m->value);
		}
	}
	return v;
}

static void summarise_group(struct group *g)
{
	/* verdicts in the order of enum ms_verdict, then any other name */
	for (int v = 0; v < MS_VERDICT__COUNT; v++) {
		size_t n = 0;

		for (guint i = 0; i < g->recs->len; i++) {
			const struct rec *r = g->recs->pdata[i];

			n += !r->r.error && !strcmp(r->r.verdict,
						    ms_verdict_name(v));
		}
		if (n)
			count_of(g->verdicts, ms_verdict_name(v), 0);
	}
	for (guint i = 0; i < g->recs->len; i++) {
		const struct rec *r = g->recs->pdata[i];

		if (r->r.error) {
			g->errors++;
			continue;
		}
		g->ok += r->r.ok;
		count_of(g->verdicts, r->r.verdict, 0);
		for (guint k = 0; k < r->r.metrics->len; k++) {
			const char *name = g_array_index(r->r.metrics,
				struct sweep_metric, k).name;
			bool known = false;

			for (guint j = 0; j < g->metrics->len && !known; j++)
				known = !strcmp(g_array_index(g->metrics,
					struct metric_sum, j).name, name);
			if (!known) {
				struct metric_sum ms = { g_strdup(name) };

				g_array_append_val(g->metrics, ms);
			}
		}
		for (guint k = 0; k < r->r.expects->len; k++) {
			const struct sweep_expect *x = &g_array_index(
				r->r.expects, struct sweep_expect, k);
			struct count *c = count_of(g->expects, x->text, x->line);

			c->runs++;
			c->held += x->pass;
		}
	}
	/* the verdicts of every run that has one; the rest counted above */
	for (guint i = 0; i < g->verdicts->len; i++) {
		struct count *c = &g_array_index(g->verdicts, struct count, i);
		size_t n = 0;

		for (guint k = 0; k < g->recs->len; k++) {
			const struct rec *r = g->recs->pdata[k];

			n += !r->r.error && !strcmp(r->r.verdict, c->name);
		}
		c->held = n;
		c->runs = g->recs->len;
	}
	for (guint i = 0; i < g->metrics->len; i++) {
		struct metric_sum *ms = &g_array_index(g->metrics,
						       struct metric_sum, i);
		GArray *v = values_of(g, ms->name);

		sweep_summarise((double *)(void *)v->data, v->len, &ms->s);
		g_array_free(v, TRUE);
	}
}

static void make_groups(struct report *rp)
{
	GHashTable *by_id = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < rp->recs->len; i++) {
		struct rec *r = rp->recs->pdata[i];
		char *id = group_id(&r->r);
		struct group *g = g_hash_table_lookup(by_id, id);

		if (!g) {
			g = g_new0(struct group, 1);
			g->id = id;
			g->first = r;
			g->recs = g_ptr_array_new();
			g->metrics = g_array_new(FALSE, TRUE,
						 sizeof(struct metric_sum));
			g->verdicts = g_array_new(FALSE, TRUE,
						  sizeof(struct count));
			g->expects = g_array_new(FALSE, TRUE,
						 sizeof(struct count));
			g_ptr_array_add(rp->groups, g);
			g_hash_table_insert(by_id, g->id, g);
		} else {
			g_free(id);
		}
		g_ptr_array_add(g->recs, r);
	}
	g_hash_table_destroy(by_id);
	for (guint i = 0; i < rp->groups->len; i++)
		summarise_group(rp->groups->pdata[i]);
}

/* "policy bytes, mode fair-share, kernel.heap_size=8KiB" */
static char *group_label(const struct group *g)
{
	const struct sweep_record *r = &g->first->r;
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "policy %s", r->policy);
	if (r->mode)
		g_string_append_printf(s, ", mode %s", r->mode);
	for (guint i = 0; i < r->set_keys->len; i++)
		g_string_append_printf(s, ", %s=%s",
				       (char *)r->set_keys->pdata[i],
				       (char *)r->set_vals->pdata[i]);
	return g_string_free(s, FALSE);
}

/* ---- gates ------------------------------------------------------------------------ */

static void gate_fini(gpointer p)
{
	struct gate *g = p;

	g_free(g->spec);
	g_free(g->policy);
	g_free(g->metric);
}

/* "POLICY:METRIC>=X@SHARE" (OP one of >= <= > < == !=; @SHARE optional:
 * every run). POLICY '*' is every group. */
static int parse_gate(const char *spec, struct gate *g)
{
	static const char *const ops[] = { ">=", "<=", "==", "!=", ">", "<" };
	const char *colon = strchr(spec, ':'), *op = NULL, *at;
	size_t oplen = 0;
	char *end;

	memset(g, 0, sizeof(*g));
	g->spec = g_strdup(spec);
	g->share = 1.0;
	if (!colon || colon == spec)
		goto bad;
	for (const char *p = colon + 1; *p && !op; p++)
		for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
			if (!strncmp(p, ops[i], strlen(ops[i]))) {
				op = p;
				oplen = strlen(ops[i]);
				break;
			}
	if (!op || op == colon + 1)
		goto bad;
	g->policy = g_strndup(spec, (gsize)(colon - spec));
	g->metric = g_strstrip(g_strndup(colon + 1, (gsize)(op - colon - 1)));
	memcpy(g->op, op, oplen);
	at = strchr(op, '@');
	{
		g_autofree gchar *x = at ? g_strndup(op + oplen,
						     (gsize)(at - op - oplen)) :
				      g_strdup(op + oplen);

		g->x = g_ascii_strtod(g_strstrip(x), &end);
		if (!*x || *end || !isfinite(g->x))
			goto bad;
	}
	if (at) {
		g->share = g_ascii_strtod(at + 1, &end);
		if (!at[1] || *end || !(g->share >= 0.0 && g->share <= 1.0))
			goto bad;
	}
	return 0;
bad:
	usage_error("--require: '%s' is not POLICY:METRIC>=X@SHARE (OP one "
		    "of >= <= > < == !=, SHARE 0 to 1, e.g. "
		    "'process:victim_success>=0.99@0.99')", spec);
	return -EINVAL;
}

static bool holds(const struct gate *g, double v)
{
	switch (g->op[0]) {
	case '>': return g->op[1] ? v >= g->x : v > g->x;
	case '<': return g->op[1] ? v <= g->x : v < g->x;
	case '=': return v == g->x;
	default: return v != g->x;
	}
}

struct gate_result {
	const struct gate *gate;
	const struct group *group;
	size_t runs, held;
	bool pass;
};

static bool group_has_metric(const struct group *g, const char *name)
{
	for (guint i = 0; i < g->metrics->len; i++)
		if (!strcmp(g_array_index(g->metrics, struct metric_sum,
					  i).name, name))
			return true;
	return false;
}

static int eval_gates(struct report *rp, GArray *out)
{
	for (guint i = 0; i < rp->gates->len; i++) {
		const struct gate *gt = &g_array_index(rp->gates, struct gate,
						       i);
		bool any = false;

		for (guint k = 0; k < rp->groups->len; k++) {
			const struct group *g = rp->groups->pdata[k];
			struct gate_result res = { gt, g };

			if (strcmp(gt->policy, "*") &&
			    strcmp(gt->policy, g->first->r.policy))
				continue;
			any = true;
			if (!group_has_metric(g, gt->metric)) {
				g_autofree char *label = group_label(g);

				usage_error("--require %s: the runs of %s have "
					    "no metric '%s'", gt->spec, label,
					    gt->metric);
				return EXIT_USAGE;
			}
			/* a run without a value (or that failed) does not
			 * hold */
			res.runs = g->recs->len;
			for (guint r = 0; r < g->recs->len; r++) {
				const struct rec *rec = g->recs->pdata[r];

				for (guint m = 0; !rec->r.error &&
				     m < rec->r.metrics->len; m++) {
					const struct sweep_metric *sm =
						&g_array_index(rec->r.metrics,
							struct sweep_metric, m);

					if (!strcmp(sm->name, gt->metric))
						res.held += !sm->null &&
							    holds(gt, sm->value);
				}
			}
			res.pass = (double)res.held >=
				   gt->share * (double)res.runs - 1e-9;
			g_array_append_val(out, res);
		}
		if (!any) {
			usage_error("--require %s: no run is of policy '%s'",
				    gt->spec, gt->policy);
			return EXIT_USAGE;
		}
	}
	return EXIT_PASS;
}

/* ---- text -------------------------------------------------------------------------- */

static void num(GString *s, int width, double v)
{
	if (isfinite(v))
		g_string_append_printf(s, "%*.6g", width, v);
	else
		g_string_append_printf(s, "%*s", width, "-");
}

static void pct(GString *s, double v)
{
	g_string_append_printf(s, "%.1f%%", 100.0 * v);
}

static void write_text(const struct report *rp, GArray *gres, GString *s)
{
	size_t errors = 0;

	for (guint i = 0; i < rp->groups->len; i++)
		errors += ((struct group *)rp->groups->pdata[i])->errors;
	g_string_append_printf(s, "memsim sweep-report: scenario %s, %u runs "
			       "in %u group%s, from %zu file%s",
			       rp->scenario, rp->recs->len, rp->groups->len,
			       rp->groups->len == 1 ? "" : "s", rp->n_files,
			       rp->n_files == 1 ? "" : "s");
	if (errors)
		g_string_append_printf(s, " (%zu failed on the host)", errors);
	g_string_append(s, "\n  95% CI of the mean: Student t, mean +- "
			"t(0.975, n-1) * sd / sqrt(n); of a share: Wilson "
			"score\n");
	for (guint i = 0; i < rp->groups->len; i++) {
		const struct group *g = rp->groups->pdata[i];
		g_autofree char *label = group_label(g);
		size_t w = strlen("metric"), runs = g->recs->len;

		g_string_append_printf(s, "\n%s: %zu run%s", label, runs,
				       runs == 1 ? "" : "s");
		if (g->errors)
			g_string_append_printf(s, ", %zu failed on the host",
					       g->errors);
		g_string_append_c(s, '\n');
		for (guint k = 0; k < g->metrics->len; k++)
			w = MAX(w, strlen(g_array_index(g->metrics,
				struct metric_sum, k).name));
		g_string_append_printf(s, "  %-*s  %6s  %11s  %11s  %11s  %11s  "
				       "%11s  %s\n", (int)w, "metric", "n",
				       "min", "median", "mean", "max", "sd",
				       "95% CI of the mean");
		for (guint k = 0; k < g->metrics->len; k++) {
			const struct metric_sum *m = &g_array_index(
				g->metrics, struct metric_sum, k);

			g_string_append_printf(s, "  %-*s  %6zu", (int)w,
					       m->name, m->s.n);
			num(s, 13, m->s.min);
			num(s, 13, m->s.median);
			num(s, 13, m->s.mean);
			num(s, 13, m->s.max);
			num(s, 13, m->s.sd);
			if (isfinite(m->s.ci_lo))
				g_string_append_printf(s, "  [%.6g, %.6g]",
						       m->s.ci_lo, m->s.ci_hi);
			else
				g_string_append(s, "  -");
			g_string_append_c(s, '\n');
		}
		g_string_append(s, "  verdicts  ");
		for (guint k = 0; k < g->verdicts->len; k++) {
			const struct count *c = &g_array_index(g->verdicts,
							       struct count, k);

			g_string_append_printf(s, "%s%s ", k ? ", " : "",
					       c->name);
			pct(s, (double)c->held / (double)runs);
			g_string_append_printf(s, " (%zu)", c->held);
		}
		g_string_append_c(s, '\n');
		if (g->expects->len)
			g_string_append(s, "  expectation held (95% CI)\n");
		for (guint k = 0; k < g->expects->len; k++) {
			const struct count *c = &g_array_index(g->expects,
							       struct count, k);
			double lo, hi;

			sweep_wilson(c->held, c->runs, &lo, &hi);
			g_string_append_printf(s, "    %s (line %u): %zu of %zu, ",
					       c->name, c->line, c->held,
					       c->runs);
			pct(s, (double)c->held / (double)c->runs);
			g_string_append(s, " [");
			pct(s, lo);
			g_string_append(s, ", ");
			pct(s, hi);
			g_string_append(s, "]\n");
		}
		if (runs - g->errors) {
			double lo, hi;

			sweep_wilson(g->ok, runs, &lo, &hi);
			g_string_append_printf(s, "  every expectation held: %zu "
					       "of %zu, ", g->ok, runs);
			pct(s, (double)g->ok / (double)runs);
			g_string_append(s, " [");
			pct(s, lo);
			g_string_append(s, ", ");
			pct(s, hi);
			g_string_append(s, "]\n");
		}
	}
	if (gres->len)
		g_string_append(s, "\nGates\n");
	for (guint i = 0; i < gres->len; i++) {
		const struct gate_result *r = &g_array_index(gres,
			struct gate_result, i);
		g_autofree char *label = group_label(r->group);

		g_string_append_printf(s, "  %s  %s: %s %s %g in %zu of %zu "
				       "runs (", r->pass ? "PASS" : "FAIL",
				       label, r->gate->metric, r->gate->op,
				       r->gate->x, r->held, r->runs);
		pct(s, r->runs ? (double)r->held / (double)r->runs : 0.0);
		g_string_append(s, ", needs ");
		pct(s, r->gate->share);
		g_string_append(s, ")\n");
	}
}

/* ---- JSON -------------------------------------------------------------------------- */

static void json_num(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	if (isfinite(v))
		json_builder_add_double_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void json_share(JsonBuilder *b, size_t k, size_t n)
{
	double lo = NAN, hi = NAN;

	if (n)
		sweep_wilson(k, n, &lo, &hi);
	json_builder_set_member_name(b, "runs");
	json_builder_add_int_value(b, (gint64)k);
	json_num(b, "share", n ? (double)k / (double)n : NAN);
	json_builder_set_member_name(b, "ci95");
	json_builder_begin_array(b);
	json_builder_add_double_value(b, lo);
	json_builder_add_double_value(b, hi);
	json_builder_end_array(b);
}

/* A group's key: "policy", "mode", "set". */
static void json_key(JsonBuilder *b, const struct sweep_record *r)
{
	json_builder_set_member_name(b, "policy");
	json_builder_add_string_value(b, r->policy);
	json_builder_set_member_name(b, "mode");
	if (r->mode)
		json_builder_add_string_value(b, r->mode);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "set");
	json_builder_begin_object(b);
	for (guint k = 0; k < r->set_keys->len; k++) {
		json_builder_set_member_name(b, r->set_keys->pdata[k]);
		json_builder_add_string_value(b, r->set_vals->pdata[k]);
	}
	json_builder_end_object(b);
}

static char *write_json(const struct report *rp, GArray *gres)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *gen;
	JsonNode *root;
	char *text;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "schema");
	json_builder_add_string_value(b, SWEEP_REPORT_SCHEMA);
	json_builder_set_member_name(b, "scenario");
	json_builder_add_string_value(b, rp->scenario);
	json_builder_set_member_name(b, "runs");
	json_builder_add_int_value(b, rp->recs->len);
	json_builder_set_member_name(b, "interval");
	json_builder_add_string_value(b, "95% CI: the mean's by Student t, "
				      "a share's by Wilson score");
	json_builder_set_member_name(b, "groups");
	json_builder_begin_array(b);
	for (guint i = 0; i < rp->groups->len; i++) {
		const struct group *g = rp->groups->pdata[i];
		const struct sweep_record *r = &g->first->r;

		json_builder_begin_object(b);
		json_key(b, r);
		json_builder_set_member_name(b, "runs");
		json_builder_add_int_value(b, g->recs->len);
		json_builder_set_member_name(b, "errors");
		json_builder_add_int_value(b, (gint64)g->errors);
		json_builder_set_member_name(b, "metrics");
		json_builder_begin_object(b);
		for (guint k = 0; k < g->metrics->len; k++) {
			const struct metric_sum *m = &g_array_index(
				g->metrics, struct metric_sum, k);

			json_builder_set_member_name(b, m->name);
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "n");
			json_builder_add_int_value(b, (gint64)m->s.n);
			json_num(b, "min", m->s.min);
			json_num(b, "median", m->s.median);
			json_num(b, "mean", m->s.mean);
			json_num(b, "max", m->s.max);
			json_num(b, "sd", m->s.sd);
			json_builder_set_member_name(b, "ci95");
			if (isfinite(m->s.ci_lo)) {
				json_builder_begin_array(b);
				json_builder_add_double_value(b, m->s.ci_lo);
				json_builder_add_double_value(b, m->s.ci_hi);
				json_builder_end_array(b);
			} else {
				json_builder_add_null_value(b);
			}
			json_builder_end_object(b);
		}
		json_builder_end_object(b);
		json_builder_set_member_name(b, "verdicts");
		json_builder_begin_object(b);
		for (guint k = 0; k < g->verdicts->len; k++) {
			const struct count *c = &g_array_index(g->verdicts,
							       struct count, k);

			json_builder_set_member_name(b, c->name);
			json_builder_begin_object(b);
			json_share(b, c->held, g->recs->len);
			json_builder_end_object(b);
		}
		json_builder_end_object(b);
		json_builder_set_member_name(b, "expectations");
		json_builder_begin_array(b);
		for (guint k = 0; k < g->expects->len; k++) {
			const struct count *c = &g_array_index(g->expects,
							       struct count, k);

			json_builder_begin_object(b);
			json_builder_set_member_name(b, "text");
			json_builder_add_string_value(b, c->name);
			json_builder_set_member_name(b, "line");
			json_builder_add_int_value(b, c->line);
			json_builder_set_member_name(b, "of");
			json_builder_add_int_value(b, (gint64)c->runs);
			json_builder_set_member_name(b, "held");
			json_builder_begin_object(b);
			json_share(b, c->held, c->runs);
			json_builder_end_object(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "all_held");
		json_builder_begin_object(b);
		json_share(b, g->ok, g->recs->len);
		json_builder_end_object(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "gates");
	json_builder_begin_array(b);
	for (guint i = 0; i < gres->len; i++) {
		const struct gate_result *r = &g_array_index(gres,
			struct gate_result, i);
		const struct sweep_record *fr = &r->group->first->r;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "require");
		json_builder_add_string_value(b, r->gate->spec);
		json_key(b, fr);
		json_builder_set_member_name(b, "of");
		json_builder_add_int_value(b, (gint64)r->runs);
		json_builder_set_member_name(b, "held");
		json_builder_begin_object(b);
		json_share(b, r->held, r->runs);
		json_builder_end_object(b);
		json_builder_set_member_name(b, "pass");
		json_builder_add_boolean_value(b, r->pass);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	return text;
}

/* ---- SVG ---------------------------------------------------------------------------- */

static void xml_text(GString *s, const char *t)
{
	for (; *t; t++) {
		switch (*t) {
		case '&': g_string_append(s, "&amp;"); break;
		case '<': g_string_append(s, "&lt;"); break;
		case '>': g_string_append(s, "&gt;"); break;
		case '"': g_string_append(s, "&quot;"); break;
		case '\'': g_string_append(s, "&apos;"); break;
		default: g_string_append_c(s, *t);
		}
	}
}

/* Round ticks: a step of 1, 2 or 5 times a power of ten, about 5 of them,
 * over [*lo, *hi] widened to whole steps. */
static double nice_scale(double *lo, double *hi, int *decimals)
{
	double raw, mag, norm, step;

	if (*hi <= *lo)
		*hi = *lo + (*lo ? fabs(*lo) : 1.0);
	raw = (*hi - *lo) / 5.0;
	mag = pow(10.0, floor(log10(raw)));
	norm = raw / mag;
	step = (norm <= 1.0 ? 1.0 : norm <= 2.0 ? 2.0 : norm <= 5.0 ? 5.0 :
		10.0) * mag;
	*lo = floor(*lo / step + 1e-9) * step;
	*hi = ceil(*hi / step - 1e-9) * step;
	*decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
	return step;
}

#define SVG_LEFT 70
#define SVG_TOP 56
#define SVG_PLOT_H 300
#define SVG_COL_W 120
#define SVG_BINS 20

static void write_svg(const struct report *rp, const char *metric,
		      GString *s)
{
	guint ng = rp->groups->len;
	int width = SVG_LEFT + SVG_COL_W * (int)ng + 20;
	int height = SVG_TOP + SVG_PLOT_H + 80;
	double lo = 0.0, hi = -INFINITY, step;
	g_autofree size_t *maxbin = g_new0(size_t, ng + 1);
	int decimals;
	GPtrArray *vals = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_array_unref);
	GArray *bins = g_array_new(FALSE, TRUE, sizeof(size_t));

	for (guint i = 0; i < ng; i++) {
		GArray *v = values_of(rp->groups->pdata[i], metric);

		for (guint k = 0; k < v->len; k++) {
			lo = MIN(lo, g_array_index(v, double, k));
			hi = MAX(hi, g_array_index(v, double, k));
		}
		g_ptr_array_add(vals, v);
	}
	if (!isfinite(hi))
		hi = 1.0;
	step = nice_scale(&lo, &hi, &decimals);
	g_array_set_size(bins, ng * SVG_BINS);
	for (guint i = 0; i < ng; i++) {
		GArray *v = vals->pdata[i];

		for (guint k = 0; k < v->len; k++) {
			double x = g_array_index(v, double, k);
			int b = (int)floor((x - lo) / (hi - lo) * SVG_BINS);
			size_t *c;

			b = CLAMP(b, 0, SVG_BINS - 1);
			c = &g_array_index(bins, size_t, i * SVG_BINS + (guint)b);
			(*c)++;
			maxbin[i] = MAX(maxbin[i], *c);
		}
	}

	g_string_append_printf(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			       "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
			       "font-family=\"sans-serif\" font-size=\"12\">\n",
			       width, height, width, height);
	g_string_append(s, "<rect width=\"100%\" height=\"100%\" "
			"fill=\"white\"/>\n<text x=\"10\" y=\"20\" "
			"font-size=\"14\" font-weight=\"bold\">");
	xml_text(s, rp->scenario);
	g_string_append(s, ": ");
	xml_text(s, metric);
	g_string_append(s, " of every run, per group</text>\n<text x=\"10\" "
			"y=\"38\" fill=\"#555\">bars: runs per bin (the widest: "
			"the group's most common); black line: median; red "
			"dot: mean; grey line: min to max</text>\n");
	/* the axis and its round ticks */
	for (double t = lo; t <= hi + step / 2; t += step) {
		double y = SVG_TOP + SVG_PLOT_H -
			   (t - lo) / (hi - lo) * SVG_PLOT_H;

		g_string_append_printf(s, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
				       "y2=\"%.1f\" stroke=\"#ddd\"/>\n"
				       "<text x=\"%d\" y=\"%.1f\" "
				       "text-anchor=\"end\">%.*f</text>\n",
				       SVG_LEFT, width - 20, y, y, SVG_LEFT - 6,
				       y + 4, decimals, fabs(t) < step / 1e6 ?
				       0.0 : t);
	}
	g_string_append_printf(s, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" "
			       "y2=\"%d\" stroke=\"black\"/>\n", SVG_LEFT,
			       SVG_LEFT, SVG_TOP, SVG_TOP + SVG_PLOT_H);
	for (guint i = 0; i < ng; i++) {
		const struct group *g = rp->groups->pdata[i];
		const struct sweep_record *r = &g->first->r;
		GArray *v = vals->pdata[i];
		double cx = SVG_LEFT + SVG_COL_W * (i + 0.5);
		double bh = (double)SVG_PLOT_H / SVG_BINS;
		struct sweep_summary sm;
		GString *sub = g_string_new(NULL);

		for (int b = 0; b < SVG_BINS; b++) {
			size_t c = g_array_index(bins, size_t,
						 i * SVG_BINS + (guint)b);
			double hw = (double)c / (double)maxbin[i] *
				    SVG_COL_W * 0.4;

			if (!c)
				continue;
			g_string_append_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" "
					       "width=\"%.1f\" height=\"%.1f\" "
					       "fill=\"#4a7ab5\"/>\n", cx - hw,
					       SVG_TOP + SVG_PLOT_H -
					       (b + 1) * bh, 2 * hw, bh - 0.5);
		}
		{
			GArray *copy = g_array_copy(v);

			sweep_summarise((double *)(void *)copy->data,
					copy->len, &sm);
			g_array_unref(copy);
		}
		if (sm.n) {
			double y0 = SVG_TOP + SVG_PLOT_H -
				    (sm.min - lo) / (hi - lo) * SVG_PLOT_H;
			double y1 = SVG_TOP + SVG_PLOT_H -
				    (sm.max - lo) / (hi - lo) * SVG_PLOT_H;
			double ym = SVG_TOP + SVG_PLOT_H -
				    (sm.median - lo) / (hi - lo) * SVG_PLOT_H;
			double ya = SVG_TOP + SVG_PLOT_H -
				    (sm.mean - lo) / (hi - lo) * SVG_PLOT_H;

			g_string_append_printf(s, "<line x1=\"%.1f\" x2=\"%.1f\" "
					       "y1=\"%.1f\" y2=\"%.1f\" "
					       "stroke=\"#888\"/>\n", cx, cx,
					       y0, y1);
			g_string_append_printf(s, "<line x1=\"%.1f\" x2=\"%.1f\" "
					       "y1=\"%.1f\" y2=\"%.1f\" "
					       "stroke=\"black\" "
					       "stroke-width=\"3\"/>\n",
					       cx - SVG_COL_W * 0.3,
					       cx + SVG_COL_W * 0.3, ym, ym);
			g_string_append_printf(s, "<circle cx=\"%.1f\" "
					       "cy=\"%.1f\" r=\"4\" "
					       "fill=\"#c33\"/>\n", cx, ya);
		}
		g_string_append_printf(s, "<text x=\"%.1f\" y=\"%d\" "
				       "text-anchor=\"middle\" "
				       "font-weight=\"bold\">", cx,
				       SVG_TOP + SVG_PLOT_H + 20);
		xml_text(s, r->policy);
		g_string_append(s, "</text>\n");
		if (r->mode)
			g_string_append_printf(sub, "%s", r->mode);
		for (guint k = 0; k < r->set_keys->len; k++)
			g_string_append_printf(sub, "%s%s=%s",
					       sub->len ? " " : "",
					       (char *)r->set_keys->pdata[k],
					       (char *)r->set_vals->pdata[k]);
		if (sub->len) {
			g_string_append_printf(s, "<text x=\"%.1f\" y=\"%d\" "
					       "text-anchor=\"middle\" "
					       "font-size=\"10\">", cx,
					       SVG_TOP + SVG_PLOT_H + 36);
			xml_text(s, sub->str);
			g_string_append(s, "</text>\n");
		}
		g_string_append_printf(s, "<text x=\"%.1f\" y=\"%d\" "
				       "text-anchor=\"middle\" font-size=\"10\" "
				       "fill=\"#555\">n = %u</text>\n", cx,
				       SVG_TOP + SVG_PLOT_H + 52, v->len);
		g_string_free(sub, TRUE);
	}
	g_string_append(s, "</svg>\n");
	g_array_free(bins, TRUE);
	g_ptr_array_free(vals, TRUE);
}

/* ---- the command --------------------------------------------------------------------- */

static int write_to(const char *path, const char *text, size_t len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f) {
		fprintf(stderr, "memsim sweep-report: cannot write '%s': %s\n",
			path, g_strerror(errno));
		return EXIT_USAGE;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) ||
	    (f != stdout && fclose(f))) {
		fprintf(stderr, "memsim sweep-report: writing '%s': %s\n",
			path, g_strerror(errno));
		if (f != stdout)
			fclose(f);
		return EXIT_INTERNAL;
	}
	return EXIT_PASS;
}

static const char report_summary[] =
	"Merge the JSON Lines records of a sweep (shards, resumed runs, in "
	"any order;\na run present twice is an error) and summarise them per "
	"policy, IPC mode and\nparameter point: count, min, median, mean, "
	"max, sd and the 95% confidence\ninterval of the mean (Student t) "
	"of each metric; the share of runs per verdict\nand per expectation "
	"held (with the 95% Wilson score interval). docs/sweep.md.";

static const char report_description[] =
	"A gate (--require POLICY:METRIC OP X[@SHARE]) holds when at least "
	"SHARE\n(default 1) of the runs of every group of POLICY ('*': "
	"every group) have\nMETRIC OP X, OP one of >= <= > < == !=; a run "
	"without the metric does not.\n"
	"\n"
	"Exit status:\n"
	"  0  the report was written and every gate held\n"
	"  1  a gate failed\n"
	"  2  bad input or usage: an unreadable or malformed record, a run "
	"present twice,\n     records of two sweeps, a gate on no run or an "
	"unknown metric\n"
	"  3  internal error (an output could not be written)\n"
	"\n"
	"Examples:\n"
	"  memsim sweep-report runs.jsonl\n"
	"  memsim sweep-report shard-*.jsonl --json report.json --svg "
	"report.svg --merged all.jsonl\n"
	"  memsim sweep-report runs.jsonl --require "
	"'process:victim_success>=0.99@0.99'";

int ms_cli_sweep_report(int argc, char **argv)
{
	struct report rp = { 0 };
	GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_FILENAME, &rp.json,
		  "Write the report as JSON to FILE ('-': standard output, "
		  "instead of the text)", "FILE" },
		{ "svg", 0, 0, G_OPTION_ARG_FILENAME, &rp.svg,
		  "Write an SVG chart: the distribution of a metric per group, "
		  "side by side", "FILE" },
		{ "svg-metric", 0, 0, G_OPTION_ARG_STRING, &rp.svg_metric,
		  "The metric the chart shows (default: victim_success)",
		  "NAME" },
		{ "merged", 0, 0, G_OPTION_ARG_FILENAME, &rp.merged,
		  "Write every record, in grid order, to FILE (the unsharded "
		  "sweep's file)", "FILE" },
		{ "require", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &rp.requires,
		  "A gate: exit 1 unless it holds (repeatable)",
		  "POLICY:METRIC>=X@SHARE" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &rp.quiet,
		  "No text report (gates still decide the exit status)", NULL },
		{ NULL },
	};
	GHashTable *ids = NULL, *indices = NULL;
	GArray *gres = g_array_new(FALSE, TRUE, sizeof(struct gate_result));
	int ret, dashes;
	bool gate_failed = false;

	rp.recs = g_ptr_array_new_with_free_func(rec_free);
	rp.groups = g_ptr_array_new_with_free_func(group_free);
	rp.gates = g_array_new(FALSE, TRUE, sizeof(struct gate));
	g_array_set_clear_func(rp.gates, gate_fini);
	ret = sweep_parse_options("sweep-report", "FILE...", report_summary,
				  report_description, entries, &argc, &argv);
	if (ret)
		goto out;
	if (argc < 2) {
		usage_error("no file given (the JSON Lines of memsim sweep)");
		ret = EXIT_USAGE;
		goto out;
	}
	dashes = (rp.json && !strcmp(rp.json, "-")) +
		 (rp.svg && !strcmp(rp.svg, "-")) +
		 (rp.merged && !strcmp(rp.merged, "-"));
	if (dashes > 1) {
		usage_error("only one output can go to standard output ('-')");
		ret = EXIT_USAGE;
		goto out;
	}
	for (gchar **q = rp.requires; q && *q; q++) {
		struct gate g;

		if (parse_gate(*q, &g) < 0) {
			gate_fini(&g);
			ret = EXIT_USAGE;
			goto out;
		}
		g_array_append_val(rp.gates, g);
	}
	ids = g_hash_table_new(g_str_hash, g_str_equal);
	indices = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (int i = 1; i < argc && !ret; i++)
		ret = read_file(&rp, argv[i], ids, indices);
	rp.n_files = (size_t)argc - 1;
	if (ret)
		goto out;
	if (!rp.recs->len) {
		usage_error("no record in %s", argc == 2 ? argv[1] :
			    "the files");
		ret = EXIT_USAGE;
		goto out;
	}
	g_ptr_array_sort(rp.recs, by_index);
	make_groups(&rp);
	ret = eval_gates(&rp, gres);
	if (ret)
		goto out;
	for (guint i = 0; i < gres->len; i++)
		gate_failed |= !g_array_index(gres, struct gate_result, i).pass;

	if (!rp.quiet && !dashes) {
		GString *t = g_string_new(NULL);

		write_text(&rp, gres, t);
		ret = write_to("-", t->str, t->len);
		g_string_free(t, TRUE);
	}
	if (!ret && rp.json) {
		g_autofree char *j = write_json(&rp, gres);
		g_autofree char *jn = g_strconcat(j, "\n", NULL);

		ret = write_to(rp.json, jn, strlen(jn));
	}
	if (!ret && rp.svg) {
		const char *metric = rp.svg_metric ? rp.svg_metric :
				     "victim_success";
		bool known = false;

		for (guint i = 0; i < rp.groups->len; i++)
			known |= group_has_metric(rp.groups->pdata[i], metric);
		if (!known) {
			usage_error("--svg-metric: no run has metric '%s'",
				    metric);
			ret = EXIT_USAGE;
		} else {
			GString *t = g_string_new(NULL);

			write_svg(&rp, metric, t);
			ret = write_to(rp.svg, t->str, t->len);
			g_string_free(t, TRUE);
		}
	}
	if (!ret && rp.merged) {
		GString *t = g_string_new(NULL);

		for (guint i = 0; i < rp.recs->len; i++)
			g_string_append(t, ((struct rec *)rp.recs->pdata[i])->line);
		ret = write_to(rp.merged, t->str, t->len);
		g_string_free(t, TRUE);
	}
	if (!ret && gate_failed) {
		for (guint i = 0; i < gres->len; i++) {
			const struct gate_result *r = &g_array_index(gres,
				struct gate_result, i);
			g_autofree char *label = NULL;

			if (r->pass)
				continue;
			label = group_label(r->group);
			fprintf(stderr, "memsim sweep-report: gate %s failed "
				"for %s: %zu of %zu runs\n", r->gate->spec,
				label, r->held, r->runs);
		}
		ret = EXIT_GATE;
	}
out:
	if (ids)
		g_hash_table_destroy(ids);
	if (indices)
		g_hash_table_destroy(indices);
	g_array_free(gres, TRUE);
	g_ptr_array_free(rp.groups, TRUE);
	g_ptr_array_free(rp.recs, TRUE);
	g_array_free(rp.gates, TRUE);
	g_free(rp.json);
	g_free(rp.svg);
	g_free(rp.svg_metric);
	g_free(rp.merged);
	g_strfreev(rp.requires);
	return ret;
}
