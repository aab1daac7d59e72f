/* SPDX-License-Identifier: MIT */
/*
 * The JSON report, schema "memsim-report/1" (docs/report-format.md).
 *
 * Written by hand with a small pretty-printing writer: GLib has no JSON and
 * the project takes no other dependency. Invariant: the document is a pure
 * function of the results' deterministic fields, in a fixed key order, with
 * numbers printed independently of the host's locale; host figures (wall
 * time, peak RSS, fault backtraces) appear only in places the schema marks
 * as host-dependent and are left out entirely under MS_REPORT_NO_HOST. Two
 * runs of the same scenario, seed and policies are then byte-identical.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "report/report_priv.h"

struct jw {
	GString *s;
	int depth;
	bool need_comma;
};

static void jw_sep(struct jw *w, const char *key)
{
	if (w->need_comma)
		g_string_append_c(w->s, ',');
	if (w->depth > 0) {
		g_string_append_c(w->s, '\n');
		for (int i = 0; i < w->depth; i++)
			g_string_append(w->s, "  ");
	}
	if (key) {
		ms__json_str(w->s, key);
		g_string_append(w->s, ": ");
	}
	w->need_comma = true;
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_sep(w, key);
	g_string_append_c(w->s, c);
	w->depth++;
	w->need_comma = false;
}

static void jw_close(struct jw *w, char c)
{
	bool empty = !w->need_comma;

	w->depth--;
	if (!empty) {
		g_string_append_c(w->s, '\n');
		for (int i = 0; i < w->depth; i++)
			g_string_append(w->s, "  ");
	}
	g_string_append_c(w->s, c);
	w->need_comma = true;
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_sep(w, key);
	ms__json_str(w->s, v);
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_sep(w, key);
	g_string_append_printf(w->s, "%" PRIu64, v);
}

static void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_sep(w, key);
	g_string_append_printf(w->s, "%" PRId64, v);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_sep(w, key);
	g_string_append(w->s, v ? "true" : "false");
}

static void jw_null(struct jw *w, const char *key)
{
	jw_sep(w, key);
	g_string_append(w->s, "null");
}

/* A ratio or fraction: always six decimals. */
static void jw_ratio(struct jw *w, const char *key, double v)
{
	jw_sep(w, key);
	ms__json_double(w->s, v, 6);
}

/*
 * A metric value: integral values (most are counts, bytes or ticks) as
 * integers, others with six decimals.
 */
static void jw_number(struct jw *w, const char *key, double v)
{
	jw_sep(w, key);
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
		g_string_append_printf(w->s, "%" PRId64, (int64_t)v);
	else
		ms__json_double(w->s, v, 6);
}

static void jw_hex(struct jw *w, const char *key, uint64_t v)
{
	char buf[24];

	g_snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
	jw_str(w, key, buf);
}

/* ---- pieces ------------------------------------------------------------- */

static void counters(struct jw *w, const char *key,
		     const struct ms_scenario_counters *c)
{
	jw_open(w, key, '{');
	jw_u64(w, "instances", c->instances);
	jw_u64(w, "requested", c->requested);
	jw_u64(w, "granted", c->granted);
	jw_u64(w, "denied_quota", c->denied_quota);
	jw_u64(w, "denied_nomem", c->denied_nomem);
	jw_u64(w, "denied_other", c->denied_other);
	jw_u64(w, "freed", c->freed);
	jw_u64(w, "bytes_held", c->bytes_held);
	jw_u64(w, "peak_bytes", c->peak_bytes);
	jw_u64(w, "syscalls", c->syscalls);
	jw_u64(w, "faults", c->faults);
	jw_u64(w, "ops", c->ops);
	if (c->completion_tick)
		jw_u64(w, "completion_tick", c->completion_tick);
	else
		jw_null(w, "completion_tick");
	jw_close(w, '}');
}

static void faults(struct jw *w, const struct ms_report *rep,
		   const struct ms_scenario_result *res)
{
	jw_open(w, "faults", '{');
	jw_u64(w, "count", res->n_faults);
	jw_open(w, "by_kind", '{');
	for (int k = 1; k < MS_FAULT__COUNT; k++)
		jw_u64(w, ms_fault_kind_name(k), res->fault_kinds[k]);
	jw_close(w, '}');
	jw_open(w, "list", '[');
	for (size_t i = 0; i < res->n_faults; i++) {
		const struct ms_scenario_fault *sf = &res->faults[i];
		const struct ms_fault *f = &sf->fault;

		jw_open(w, NULL, '{');
		jw_str(w, "kind", ms_fault_kind_name(f->kind));
		jw_str(w, "reason", ms_fault_reason_name(f->reason));
		jw_str(w, "access", ms_access_name(f->access));
		jw_u64(w, "tid", f->tid);
		jw_str(w, "thread", sf->thread);
		jw_str(w, "actor", sf->actor);
		jw_u64(w, "tick", f->tick);
		jw_i64(w, "error", f->error);
		jw_str(w, "object", f->object);
		jw_u64(w, "offset", f->offset);
		jw_str(w, "detail", f->detail);
		if (ms__report_host(rep)) {
			/* function+offset depend on the binary: host */
			jw_open(w, "backtrace", '[');
			for (unsigned j = 0; j < f->bt_depth &&
			     j < MS_FAULT_BT_MAX; j++)
				jw_str(w, NULL, f->bt[j]);
			jw_close(w, ']');
		}
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void expectations(struct jw *w, const struct ms_scenario_result *res)
{
	jw_open(w, "expectations", '{');
	jw_u64(w, "count", res->n_expects);
	jw_u64(w, "failed", res->n_expects_failed);
	jw_open(w, "list", '[');
	for (size_t i = 0; i < res->n_expects; i++) {
		const struct ms_scenario_expect_result *e = &res->expects[i];

		jw_open(w, NULL, '{');
		jw_str(w, "text", e->text);
		jw_str(w, "metric", e->metric);
		jw_str(w, "op", ms_expect_op_name(e->op));
		jw_number(w, "expected", e->expected);
		jw_number(w, "actual", e->actual);
		jw_bool(w, "pass", e->pass);
		if (e->policy[0])
			jw_str(w, "policy", e->policy);
		else
			jw_null(w, "policy");
		if (e->mode[0])
			jw_str(w, "ipc_mode", e->mode);
		jw_u64(w, "line", e->line);
		jw_u64(w, "column", e->column);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void metrics(struct jw *w, const struct ms__report_run *run)
{
	const struct ms_scenario_result *res = run->res;
	const struct ms_scenario_metrics *m = &res->metrics;
	enum ms_verdict v = ms_report_verdict(res, run->baseline);
	double slowdown;

	jw_open(w, "metrics", '{');
	if (m->has_victims)
		jw_ratio(w, "victim_success", m->victim_success);
	else
		jw_null(w, "victim_success");
	if (m->has_attackers)
		jw_ratio(w, "attacker_share", m->attacker_share);
	else
		jw_null(w, "attacker_share");
	jw_u64(w, "attacker_peak_bytes", m->attacker_peak_bytes);
	jw_bool(w, "exhausted", m->exhausted);
	if (m->exhausted)
		jw_u64(w, "time_to_exhaustion", m->time_to_exhaustion);
	else
		jw_null(w, "time_to_exhaustion");
	jw_u64(w, "collateral_denials", m->collateral_denials);
	if (m->victim_completion_tick)
		jw_u64(w, "victim_completion_tick", m->victim_completion_tick);
	else
		jw_null(w, "victim_completion_tick");
	if (ms_report_victim_slowdown(res, run->baseline, &slowdown) == 0)
		jw_ratio(w, "victim_slowdown", slowdown);
	else
		jw_null(w, "victim_slowdown");
	jw_str(w, "verdict", ms_verdict_name(v));
	jw_str(w, "verdict_text", ms_verdict_text(v));
	if (res->ipc_mode[0]) {
		uint64_t ok, refused;

		jw_open(w, "ipc", '{');
		ms_report_ipc_sends(res, MS_ROLE_VICTIM, &ok, &refused);
		jw_u64(w, "victim_sent", ok);
		jw_u64(w, "victim_refused", refused);
		ms_report_ipc_sends(res, MS_ROLE_ATTACKER, &ok, &refused);
		jw_u64(w, "attacker_sent", ok);
		jw_u64(w, "attacker_refused", refused);
		jw_close(w, '}');
	}
	jw_close(w, '}');
}

static void baseline(struct jw *w, const struct ms_scenario_result *b)
{
	if (!b) {
		jw_null(w, "baseline");
		return;
	}
	jw_open(w, "baseline", '{');
	jw_str(w, "status", ms_run_status_name(b->status));
	jw_u64(w, "ticks", b->final_tick);
	jw_hex(w, "event_hash", b->event_hash);
	if (b->metrics.victim_completion_tick)
		jw_u64(w, "victim_completion_tick",
		       b->metrics.victim_completion_tick);
	else
		jw_null(w, "victim_completion_tick");
	counters(w, "victims", &b->roles[MS_ROLE_VICTIM]);
	jw_close(w, '}');
}

static void one_run(struct jw *w, const struct ms_report *rep,
		    const struct ms__report_run *run)
{
	const struct ms_scenario_result *res = run->res;

	jw_open(w, NULL, '{');
	jw_str(w, "policy", res->policy);
	if (res->ipc_mode[0])
		jw_str(w, "ipc_mode", res->ipc_mode);
	if (res->device_policy[0])
		jw_str(w, "device_policy", res->device_policy);
	jw_u64(w, "seed", res->seed);
	jw_str(w, "status", ms_run_status_name(res->status));
	jw_bool(w, "ok", ms_scenario_result_ok(res));
	jw_u64(w, "tick_limit", res->tick_limit);
	jw_u64(w, "ticks", res->final_tick);
	jw_u64(w, "events", res->event_count);
	jw_hex(w, "event_hash", res->event_hash);

	jw_open(w, "heap", '{');
	jw_u64(w, "size", res->heap_size);
	jw_u64(w, "used", res->heap_used);
	jw_u64(w, "peak", res->heap_peak);
	jw_ratio(w, "fragmentation", res->heap_fragmentation);
	jw_close(w, '}');

	jw_open(w, "stats", '{');
	for (size_t i = 0; i < res->n_stats; i++)
		jw_number(w, res->stats[i].name, res->stats[i].value);
	jw_close(w, '}');

	jw_open(w, "actors", '[');
	for (size_t i = 0; i < res->n_actors; i++) {
		const struct ms_scenario_actor_result *a = &res->actors[i];

		jw_open(w, NULL, '{');
		jw_str(w, "name", a->name);
		jw_str(w, "role", ms_actor_role_name(a->role));
		jw_str(w, "group", a->group);
		jw_bool(w, "user", a->user);
		jw_u64(w, "count", a->count);
		counters(w, "counters", &a->c);
		jw_close(w, '}');
	}
	jw_close(w, ']');

	jw_open(w, "groups", '[');
	for (size_t i = 0; i < res->n_groups; i++) {
		const struct ms_scenario_group_result *g = &res->groups[i];

		jw_open(w, NULL, '{');
		jw_str(w, "name", g->name);
		jw_u64(w, "id", g->id);
		jw_bool(w, "implicit", g->implicit);
		counters(w, "counters", &g->c);
		jw_close(w, '}');
	}
	jw_close(w, ']');

	jw_open(w, "roles", '{');
	for (int r = 0; r < MS_ROLE__COUNT; r++)
		counters(w, ms_actor_role_name(r), &res->roles[r]);
	jw_close(w, '}');
	counters(w, "total", &res->total);

	faults(w, rep, res);
	expectations(w, res);
	metrics(w, run);
	baseline(w, run->baseline);

	jw_open(w, "time_series", '{');
	jw_u64(w, "sample_every", res->sample_every);
	jw_u64(w, "samples", res->n_samples);
	jw_close(w, '}');
	jw_close(w, '}');
}

static void host(struct jw *w, const struct ms_report *rep)
{
	double wall = 0;
	uint64_t rss = 0;

	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms__report_run *run = ms__report_run(rep, i);

		wall += run->res->host.wall_seconds;
		if (run->baseline)
			wall += run->baseline->host.wall_seconds;
		rss = MAX(rss, run->res->host.max_rss_kib);
		if (run->baseline)
			rss = MAX(rss, run->baseline->host.max_rss_kib);
	}
	jw_open(w, "host", '{');
	jw_ratio(w, "wall_seconds", wall);
	jw_u64(w, "max_rss_kib", rss);
	jw_open(w, "runs", '[');
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms__report_run *run = ms__report_run(rep, i);

		jw_open(w, NULL, '{');
		jw_str(w, "policy", run->res->policy);
		if (run->res->ipc_mode[0])
			jw_str(w, "ipc_mode", run->res->ipc_mode);
		jw_ratio(w, "wall_seconds", run->res->host.wall_seconds);
		if (run->baseline)
			jw_ratio(w, "baseline_wall_seconds",
				 run->baseline->host.wall_seconds);
		else
			jw_null(w, "baseline_wall_seconds");
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

int ms_report_write_json(const struct ms_report *rep, FILE *out)
{
	struct jw w = { 0 };
	const struct ms_scenario_result *first;
	int ret;

	if (!rep || !out)
		return -EINVAL;
	first = ms_report_result(rep, 0);
	w.s = g_string_sized_new(16384);

	jw_open(&w, NULL, '{');
	jw_str(&w, "schema", MS_REPORT_SCHEMA);
	jw_str(&w, "memsim_version", ms_version());
	jw_str(&w, "command", rep->command);

	jw_open(&w, "scenario", '{');
	jw_str(&w, "name", first ? first->scenario :
	       rep->sc ? ms_scenario_name(rep->sc) : "");
	jw_str(&w, "file", first ? first->file :
	       rep->sc ? ms_scenario_file(rep->sc) : "");
	jw_str(&w, "description",
	       rep->sc ? ms_scenario_description(rep->sc) : "");
	jw_close(&w, '}');
	if (first)
		jw_u64(&w, "seed", first->seed);
	else
		jw_null(&w, "seed");
	jw_open(&w, "policies", '[');
	for (size_t i = 0; i < rep->runs->len; i++)
		jw_str(&w, NULL, ms__report_run(rep, i)->res->policy);
	jw_close(&w, ']');
	for (size_t i = 0; i < rep->runs->len; i++) {
		if (!ms__report_run(rep, i)->res->ipc_mode[0])
			continue;
		/* parallel to "policies": the mode of each run */
		jw_open(&w, "ipc_modes", '[');
		for (size_t k = 0; k < rep->runs->len; k++)
			jw_str(&w, NULL, ms__report_run(rep, k)->res->ipc_mode);
		jw_close(&w, ']');
		break;
	}
	jw_str(&w, "status", ms_report_ok(rep) ? "pass" : "fail");

	jw_open(&w, "runs", '[');
	for (size_t i = 0; i < rep->runs->len; i++)
		one_run(&w, rep, ms__report_run(rep, i));
	jw_close(&w, ']');

	if (ms__report_host(rep))
		host(&w, rep);
	jw_close(&w, '}');
	g_string_append_c(w.s, '\n');

	ret = ms__report_flush(w.s, out);
	g_string_free(w.s, TRUE);
	return ret;
}
