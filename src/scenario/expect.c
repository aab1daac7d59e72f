/* SPDX-License-Identifier: MIT */
/*
 * Expectations and metrics.
 *
 * An expectation is "METRIC OP VALUE" where VALUE is a number or another
 * metric: "victim.denied == 0", "attackers.peak_bytes <= heap.size".
 * Metric names are paths: an actor, a group or a role family followed by a
 * counter ("attackers.granted"), or a fixed family ("faults.stack_overflow",
 * "heap.peak", "run.final_tick", "metrics.victim_success",
 * "pool.shared.used").
 *
 * Invariant: the loader accepts an expectation only if every metric it
 * names will exist in the result of every run of the scenario, so a run
 * never meets an unknown metric; the same table (below) drives both the
 * load-time check and the result lookup.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/fault.h>

#include "scenario/scn.h"

/* ---- the metric namespace ---- */

#define COUNTERS(X)                                                          \
	X(instances)                                                         \
	X(requested)                                                         \
	X(granted)                                                           \
	X(denied)                                                            \
	X(denied_quota)                                                      \
	X(denied_nomem)                                                      \
	X(denied_other)                                                      \
	X(freed)                                                             \
	X(bytes_held)                                                        \
	X(peak_bytes)                                                        \
	X(syscalls)                                                          \
	X(faults)                                                            \
	X(ops)                                                               \
	X(completion_tick)

static const char *const counter_names[] = {
#define CN(n) #n,
	COUNTERS(CN)
#undef CN
	NULL
};

static double counter_value(const struct ms_scenario_counters *c, size_t i)
{
	const uint64_t v[] = {
		c->instances, c->requested, c->granted,
		c->denied_quota + c->denied_nomem + c->denied_other,
		c->denied_quota, c->denied_nomem, c->denied_other, c->freed,
		c->bytes_held, c->peak_bytes, c->syscalls, c->faults, c->ops,
		c->completion_tick,
	};

	return i < G_N_ELEMENTS(v) ? (double)v[i] : NAN;
}

static const char *const role_families[] = {
	"neutrals", "attackers", "victims", "all", NULL
};
static const char *const heap_names[] = {
	"size", "used", "peak", "fragmentation", NULL
};
static const char *const run_names[] = {
	"final_tick", "events", "completed", "tick_limit", "deadlock", NULL
};
static const char *const metric_names[] = {
	"victim_success", "attacker_share", "attacker_peak_bytes", "exhausted",
	"time_to_exhaustion", "collateral_denials", "victim_completion_tick",
	NULL
};
static const char *const pool_stat_names[] = {
	"size", "used", "peak", "fragmentation", "allocs", "failures", NULL
};
static const char *const sealed_stat_names[] = {
	"loaded", "loads", "unloads", "pages", "sealed_pages", "bytes_used",
	"allocs", "allocs_failed", "frees", "seals", "rare_writes",
	"rare_write_bytes", "mm_refusals", "pages_taken", "pages_returned",
	NULL
};
static const char *const domain_stat_names[] = {
	"violations", "switches", "regions_programmed", "mpu_ticks",
	"xpfo_violations", "xpfo_transfers", NULL
};
static const char *const ipc_actor_stat_names[] = {
	"sent", "refused", "received", "bytes_sent", "bytes_received", NULL
};
static const char *const ipc_group_stat_names[] = {
	"held_bytes", "peak_bytes", "peak_messages", "dropped", NULL
};

static int index_of(const char *const *words, const char *s)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(words[i], s) == 0)
			return i;
	return -1;
}

static size_t nwords(const char *const *w)
{
	size_t n = 0;

	while (w[n])
		n++;
	return n;
}

/* The fault-kind metric name: "stack-overflow" -> "stack_overflow". */
static void fault_metric(enum ms_fault_kind k, char *buf, size_t size)
{
	snprintf(buf, size, "%s", ms_fault_kind_name(k));
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int fault_kind_of(const char *s)
{
	char buf[64];

	if (strcmp(s, "total") == 0)
		return MS_FAULT__COUNT;
	for (int k = 1; k < MS_FAULT__COUNT; k++) {
		fault_metric((enum ms_fault_kind)k, buf, sizeof(buf));
		if (strcmp(buf, s) == 0)
			return k;
	}
	return -1;
}

static bool is_actor_or_group(const struct ms_scenario *sc, const char *s)
{
	for (guint i = 0; i < sc->actors->len; i++)
		if (!strcmp(g_array_index(sc->actors, struct ms__actor, i).name, s))
			return true;
	for (guint i = 0; i < sc->groups->len; i++)
		if (!strcmp(g_array_index(sc->groups, struct ms__group, i).name, s))
			return true;
	return false;
}

static bool is_pool(const struct ms_scenario *sc, const char *s)
{
	for (guint i = 0; i < sc->pools->len; i++)
		if (!strcmp(g_array_index(sc->pools, struct ms__pool, i).name, s))
			return true;
	return false;
}

static const char *near_hint(const char *s, const char *const *words,
			     char *buf, size_t size, const char *what)
{
	const char *near = ms__nearest(s, words, nwords(words));

	if (near)
		snprintf(buf, size, "did you mean '%s'?", near);
	else
		snprintf(buf, size, "%s", what);
	return buf;
}

/*
 * Whether name is a metric of this scenario; on false, *hint (a static
 * or thread-local buffer) says what would be.
 */
bool ms__metric_known(const struct ms_scenario *sc, const char *name,
		      const char **hint)
{
	static _Thread_local char buf[MS_SCENARIO_MSG_MAX];
	char head[64];
	const char *dot = strchr(name, '.');
	const char *rest;
	size_t hl;

	*hint = NULL;
	if (!dot) {
		*hint = "a metric is a path like \"victim.denied\", "
			"\"attackers.granted\" or \"faults.stack_overflow\"";
		return false;
	}
	hl = (size_t)(dot - name);
	if (hl >= sizeof(head))
		hl = sizeof(head) - 1;
	memcpy(head, name, hl);
	head[hl] = '\0';
	rest = dot + 1;

	if (is_actor_or_group(sc, head) || index_of(role_families, head) >= 0) {
		if (index_of(counter_names, rest) >= 0)
			return true;
		*hint = near_hint(rest, counter_names, buf, sizeof(buf),
				  "counters: requested, granted, denied, "
				  "denied_quota, denied_nomem, peak_bytes, ...");
		return false;
	}
	if (strcmp(head, "device") == 0)
		return ms__device_metric_known(sc, rest, hint);
	if (strcmp(head, "faults") == 0) {
		if (fault_kind_of(rest) >= 0)
			return true;
		*hint = "faults.total, faults.stack_overflow, "
			"faults.stack_underflow, faults.sealed_write, "
			"faults.domain_violation, faults.oops, ...";
		return false;
	}
	if (strcmp(head, "heap") == 0) {
		if (index_of(heap_names, rest) >= 0)
			return true;
		*hint = near_hint(rest, heap_names, buf, sizeof(buf),
				  "heap.size, heap.used, heap.peak, "
				  "heap.fragmentation");
		return false;
	}
	if (strcmp(head, "run") == 0) {
		if (index_of(run_names, rest) >= 0)
			return true;
		*hint = near_hint(rest, run_names, buf, sizeof(buf),
				  "run.final_tick, run.events, run.completed, "
				  "run.tick_limit, run.deadlock");
		return false;
	}
	if (strcmp(head, "metrics") == 0) {
		if (index_of(metric_names, rest) >= 0)
			return true;
		*hint = near_hint(rest, metric_names, buf, sizeof(buf),
				  "metrics.victim_success, "
				  "metrics.attacker_share, ...");
		return false;
	}
	if (strcmp(head, "domains") == 0) {
		if (!sc->domains->len && !sc->xpfo) {
			*hint = "the scenario declares no [domains.<name>]";
			return false;
		}
		if (index_of(domain_stat_names, rest) >= 0)
			return true;
		*hint = near_hint(rest, domain_stat_names, buf, sizeof(buf),
				  "domains.violations, domains.switches, "
				  "domains.xpfo_violations, ...");
		return false;
	}
	if (strcmp(head, "sealed") == 0 || strcmp(head, "ipc") == 0) {
		bool sealed = head[0] == 's';
		const char *d2 = strchr(rest, '.');
		char who[64];
		size_t wl;

		if (!d2) {
			*hint = sealed ? "sealed.<pool>.<stat>, e.g. "
					 "sealed.config.sealed_pages" :
					 "ipc.<actor or group>.<stat>, e.g. "
					 "ipc.client.sent";
			return false;
		}
		wl = (size_t)(d2 - rest);
		if (wl >= sizeof(who))
			wl = sizeof(who) - 1;
		memcpy(who, rest, wl);
		who[wl] = '\0';
		if (sealed) {
			if (ms__sealed_find(sc, who) < 0) {
				snprintf(buf, sizeof(buf),
					 "no [sealed.%s] in the scenario", who);
				*hint = buf;
				return false;
			}
			if (index_of(sealed_stat_names, d2 + 1) >= 0)
				return true;
			*hint = near_hint(d2 + 1, sealed_stat_names, buf,
					  sizeof(buf), "sealed pool stats: pages, "
					  "sealed_pages, rare_writes, ...");
			return false;
		}
		if (!sc->ipc_used) {
			*hint = "the scenario uses no IPC";
			return false;
		}
		if (!is_actor_or_group(sc, who)) {
			snprintf(buf, sizeof(buf),
				 "'%s' is not an actor or a group", who);
			*hint = buf;
			return false;
		}
		if (index_of(ipc_actor_stat_names, d2 + 1) >= 0 ||
		    index_of(ipc_group_stat_names, d2 + 1) >= 0)
			return true;
		*hint = "IPC stats: sent, refused, received, bytes_sent, "
			"bytes_received (actors); held_bytes, peak_bytes, "
			"peak_messages, dropped (groups)";
		return false;
	}
	if (strcmp(head, "pool") == 0) {
		const char *d2 = strchr(rest, '.');
		char pname[64];
		size_t pl;

		if (d2) {
			pl = (size_t)(d2 - rest);
			if (pl >= sizeof(pname))
				pl = sizeof(pname) - 1;
			memcpy(pname, rest, pl);
			pname[pl] = '\0';
			if (!is_pool(sc, pname)) {
				snprintf(buf, sizeof(buf),
					 "no pool '%s' in [kernel] pools", pname);
				*hint = buf;
				return false;
			}
			if (index_of(pool_stat_names, d2 + 1) >= 0)
				return true;
			*hint = near_hint(d2 + 1, pool_stat_names, buf,
					  sizeof(buf),
					  "pool stats: size, used, peak, "
					  "fragmentation, allocs, failures");
			return false;
		}
		*hint = "pool.<name>.<stat>, e.g. pool.shared.used";
		return false;
	}
	{
		const char *names[256];
		size_t n = 0;

		for (size_t i = 0; role_families[i]; i++)
			names[n++] = role_families[i];
		names[n++] = "faults";
		names[n++] = "heap";
		names[n++] = "run";
		names[n++] = "metrics";
		names[n++] = "pool";
		names[n++] = "sealed";
		names[n++] = "domains";
		names[n++] = "ipc";
		for (guint i = 0; i < sc->actors->len && n < 255; i++)
			names[n++] = g_array_index(sc->actors, struct ms__actor,
						   i).name;
		for (guint i = 0; i < sc->groups->len && n < 255; i++)
			names[n++] = g_array_index(sc->groups, struct ms__group,
						   i).name;
		names[n] = NULL;
		snprintf(buf, sizeof(buf),
			 "'%s' is not an actor, a group, or a metric family "
			 "(attackers, victims, neutrals, all, faults, heap, "
			 "run, metrics, pool, sealed, domains, ipc)", head);
		*hint = near_hint(head, names, buf, sizeof(buf), buf);
		return false;
	}
}

/* ---- parsing "metric op value" ---- */

static const char *const op_text[] = { "==", "!=", "<", "<=", ">", ">=" };

const char *ms_expect_op_name(enum ms_expect_op op)
{
	return (unsigned)op < G_N_ELEMENTS(op_text) ? op_text[op] : "?";
}

static bool metric_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
}

static size_t skip_space(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

int ms__parse_expect(struct ms__lctx *c, const struct ms__tnode *v,
		     int policy, int mode, struct ms__expect *out)
{
	const char *s, *hint;
	/* Column of character i of the string: one past the opening quote. */
	unsigned col0;
	size_t i, j;
	int op = -1;

	memset(out, 0, sizeof(*out));
	out->policy = policy;
	out->mode = mode;
	if (v->type != MS__T_STRING)
		return ms__type_error(c, "expect", v,
				      "a condition string like "
				      "\"victim.denied == 0\"");
	s = v->u.s;
	col0 = v->column + 1;
	out->text = g_strdup(s);
	out->pos.line = v->line;
	out->pos.column = v->column;

	i = skip_space(s, 0);
	j = i;
	while (metric_char(s[j]))
		j++;
	if (j == i)
		return ms__lerr(c, v->line, col0 + (unsigned)i,
				"write \"metric op value\", e.g. "
				"\"victim.denied == 0\"",
				"expected a metric name in \"%s\"", s);
	out->metric = g_strndup(s + i, j - i);
	if (!ms__metric_known(c->sc, out->metric, &hint))
		return ms__lerr(c, v->line, col0 + (unsigned)i, hint,
				"unknown metric '%s'", out->metric);
	i = skip_space(s, j);
	for (int k = (int)G_N_ELEMENTS(op_text) - 1; k >= 0; k--) {
		size_t l = strlen(op_text[k]);

		if (strncmp(s + i, op_text[k], l) == 0 &&
		    (op < 0 || l > strlen(op_text[op])))
			op = k;
	}
	if (op < 0)
		return ms__lerr(c, v->line, col0 + (unsigned)i,
				"operators: ==, !=, <, <=, >, >=",
				"expected a comparison after '%s'", out->metric);
	out->op = (enum ms_expect_op)op;
	i = skip_space(s, i + strlen(op_text[op]));
	if ((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '+' ||
	    s[i] == '.') {
		char *end;

		out->rhs_kind = MS__RHS_NUMBER;
		out->rhs = g_ascii_strtod(s + i, &end);
		if (end == s + i)
			return ms__lerr(c, v->line, col0 + (unsigned)i, NULL,
					"expected a number after '%s'",
					op_text[op]);
		j = (size_t)(end - s);
	} else {
		j = i;
		while (metric_char(s[j]))
			j++;
		if (j == i)
			return ms__lerr(c, v->line, col0 + (unsigned)i,
					"compare with a number or a metric",
					"expected a value after '%s'",
					op_text[op]);
		out->rhs_kind = MS__RHS_METRIC;
		out->rhs_metric = g_strndup(s + i, j - i);
		if (!ms__metric_known(c->sc, out->rhs_metric, &hint))
			return ms__lerr(c, v->line, col0 + (unsigned)i, hint,
					"unknown metric '%s'", out->rhs_metric);
	}
	j = skip_space(s, j);
	if (s[j])
		return ms__lerr(c, v->line, col0 + (unsigned)j,
				"one comparison per string; list several "
				"strings for several conditions",
				"unexpected '%s' at the end of the condition",
				s + j);
	return 0;
}

void ms__expect_fini(struct ms__expect *e)
{
	g_free(e->text);
	g_free(e->metric);
	g_free(e->rhs_metric);
}

/* ---- looking metrics up in a result ---- */

static const struct ms_scenario_counters *
counters_of(const struct ms_scenario_result *r, const char *head)
{
	int fam = index_of(role_families, head);

	if (fam == 3)
		return &r->total;
	if (fam >= 0)
		return &r->roles[fam];
	for (size_t i = 0; i < r->n_actors; i++)
		if (strcmp(r->actors[i].name, head) == 0)
			return &r->actors[i].c;
	for (size_t i = 0; i < r->n_groups; i++)
		if (strcmp(r->groups[i].name, head) == 0)
			return &r->groups[i].c;
	return NULL;
}

int ms_scenario_result_metric(const struct ms_scenario_result *r,
			      const char *name, double *value)
{
	const char *dot = name ? strchr(name, '.') : NULL;
	const char *rest;
	char head[64];
	size_t hl;
	int k;

	if (!r || !dot || !value)
		return -ENOENT;
	hl = (size_t)(dot - name);
	if (hl >= sizeof(head))
		return -ENOENT;
	memcpy(head, name, hl);
	head[hl] = '\0';
	rest = dot + 1;

	if (strcmp(head, "faults") == 0) {
		k = fault_kind_of(rest);
		if (k < 0)
			return -ENOENT;
		*value = k == MS_FAULT__COUNT ? (double)r->n_faults :
			 (double)r->fault_kinds[k];
		return 0;
	}
	if (strcmp(head, "heap") == 0) {
		switch (index_of(heap_names, rest)) {
		case 0: *value = (double)r->heap_size; return 0;
		case 1: *value = (double)r->heap_used; return 0;
		case 2: *value = (double)r->heap_peak; return 0;
		case 3: *value = r->heap_fragmentation; return 0;
		default: return -ENOENT;
		}
	}
	if (strcmp(head, "run") == 0) {
		switch (index_of(run_names, rest)) {
		case 0: *value = (double)r->final_tick; return 0;
		case 1: *value = (double)r->event_count; return 0;
		case 2: *value = r->status == MS_RUN_DONE; return 0;
		case 3: *value = r->status == MS_RUN_TICK_LIMIT; return 0;
		case 4: *value = r->status == MS_RUN_DEADLOCK; return 0;
		default: return -ENOENT;
		}
	}
	if (strcmp(head, "metrics") == 0) {
		const struct ms_scenario_metrics *m = &r->metrics;

		switch (index_of(metric_names, rest)) {
		case 0: *value = m->victim_success; return 0;
		case 1: *value = m->attacker_share; return 0;
		case 2: *value = (double)m->attacker_peak_bytes; return 0;
		case 3: *value = m->exhausted; return 0;
		case 4:
			/* Never exhausted: not before the end of the run. */
			*value = m->exhausted ? (double)m->time_to_exhaustion :
				 (double)r->final_tick;
			return 0;
		case 5: *value = (double)m->collateral_denials; return 0;
		case 6: *value = (double)m->victim_completion_tick; return 0;
		default: return -ENOENT;
		}
	}
	k = index_of(counter_names, rest);
	if (k >= 0) {
		const struct ms_scenario_counters *c = counters_of(r, head);

		if (c) {
			*value = counter_value(c, (size_t)k);
			return 0;
		}
	}
	for (size_t i = 0; i < r->n_stats; i++) {
		if (strcmp(r->stats[i].name, name) == 0) {
			*value = r->stats[i].value;
			return 0;
		}
	}
	return -ENOENT;
}
