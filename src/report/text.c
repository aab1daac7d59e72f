/* SPDX-License-Identifier: MIT */
/*
 * The text report: what a kernel designer reads on a terminal.
 *
 * Tables are aligned by measuring every cell first (numbers right-aligned,
 * names left-aligned). Invariant: the simulated part is deterministic like
 * the JSON; host figures (wall time, peak RSS, fault backtraces) are in
 * their own clearly labelled places and are left out under
 * MS_REPORT_NO_HOST.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "report/report_priv.h"

/* ---- aligned tables ------------------------------------------------------ */

struct table {
	unsigned ncols;
	const char *align;	/* 'l' or 'r' per column */
	GPtrArray *cells;	/* ncols per row, owned strings */
};

static struct table *table_new(const char *align)
{
	struct table *t = g_new0(struct table, 1);

	t->ncols = (unsigned)strlen(align);
	t->align = align;
	t->cells = g_ptr_array_new_with_free_func(g_free);
	return t;
}

/* ncols strings (printf'd already by the caller). */
static void table_row(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	for (unsigned i = 0; i < t->ncols; i++)
		g_ptr_array_add(t->cells, g_strdup(va_arg(ap, const char *)));
	va_end(ap);
}

/* A row from an array of ncols strings. */
static void table_cells(struct table *t, const char *const *cells)
{
	for (unsigned i = 0; i < t->ncols; i++)
		g_ptr_array_add(t->cells, g_strdup(cells[i]));
}

static void table_render(struct table *t, GString *out, const char *indent)
{
	unsigned rows = t->cells->len / t->ncols;
	size_t *w = g_new0(size_t, t->ncols);

	for (unsigned r = 0; r < rows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = t->cells->pdata[r * t->ncols + c];
			size_t l = g_utf8_strlen(s, -1);

			if (l > w[c])
				w[c] = l;
		}
	for (unsigned r = 0; r < rows; r++) {
		GString *line = g_string_new(indent);

		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = t->cells->pdata[r * t->ncols + c];
			size_t pad = w[c] - g_utf8_strlen(s, -1);

			if (c)
				g_string_append(line, "  ");
			if (t->align[c] == 'r')
				for (size_t i = 0; i < pad; i++)
					g_string_append_c(line, ' ');
			g_string_append(line, s);
			if (t->align[c] != 'r')
				for (size_t i = 0; i < pad; i++)
					g_string_append_c(line, ' ');
		}
		/* no trailing blanks: they make golden files fragile */
		while (line->len && line->str[line->len - 1] == ' ')
			g_string_truncate(line, line->len - 1);
		g_string_append_printf(out, "%s\n", line->str);
		g_string_free(line, TRUE);
	}
	g_free(w);
}

static void table_free(struct table *t)
{
	g_ptr_array_free(t->cells, TRUE);
	g_free(t);
}

/* ---- small formatters (each returns a static-free buffer the caller owns) */

#define NUM(buf, v) (g_snprintf((buf), sizeof(buf), "%" PRIu64, (uint64_t)(v)), (buf))

static char *fmt_metric(double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE + 32];

	if (v == (double)(int64_t)v)
		return g_strdup_printf("%" PRId64, (int64_t)v);
	return g_strdup(ms__fmt_double(buf, sizeof(buf), v, 4));
}

static const char *fmt_slowdown(char *buf, size_t len,
				const struct ms__report_run *run)
{
	double s;
	char num[G_ASCII_DTOSTR_BUF_SIZE + 32];

	if (ms_report_victim_slowdown(run->res, run->baseline, &s) < 0)
		return g_strlcpy(buf, "n/a", len), buf;
	g_snprintf(buf, len, "%sx", ms__fmt_double(num, sizeof(num), s, 2));
	return buf;
}

/* ---- sections ------------------------------------------------------------ */

#define COUNTER_HEAD "threads", "requested", "granted", "denied-quota", \
	"denied-heap", "peak-bytes"

static void counter_cells(const struct ms_scenario_counters *c,
			  char b[6][24])
{
	NUM(b[0], c->instances);
	NUM(b[1], c->requested);
	NUM(b[2], c->granted);
	NUM(b[3], c->denied_quota);
	NUM(b[4], c->denied_nomem);
	NUM(b[5], c->peak_bytes);
}

static void actors_and_groups(GString *out, const struct ms_scenario_result *res)
{
	struct table *t = table_new("lll" "rrrrrr");
	char b[6][24];

	g_string_append(out, "Actors\n");
	table_row(t, "actor", "role", "group", COUNTER_HEAD);
	for (size_t i = 0; i < res->n_actors; i++) {
		const struct ms_scenario_actor_result *a = &res->actors[i];

		counter_cells(&a->c, b);
		table_row(t, a->name, ms_actor_role_name(a->role), a->group,
			  b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	table_render(t, out, "  ");
	table_free(t);

	t = table_new("l" "rrrrrr");
	g_string_append(out, "Groups\n");
	table_row(t, "group", COUNTER_HEAD);
	for (size_t i = 0; i < res->n_groups; i++) {
		const struct ms_scenario_group_result *g = &res->groups[i];

		counter_cells(&g->c, b);
		table_row(t, g->name, b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	counter_cells(&res->total, b);
	table_row(t, "(all)", b[0], b[1], b[2], b[3], b[4], b[5]);
	table_render(t, out, "  ");
	table_free(t);
}

static void stats(GString *out, const struct ms_scenario_result *res);

static void heap(GString *out, const struct ms_report *rep,
		 const struct ms_scenario_result *res)
{
	char p1[40], p2[40];

	g_string_append_printf(out,
		"Heap\n  size %zu B, peak %zu B (%s), in use at the end %zu B, "
		"fragmentation %s\n",
		res->heap_size, res->heap_peak,
		ms__fmt_pct(p1, sizeof(p1), res->heap_size ?
			    (double)res->heap_peak / (double)res->heap_size : 0),
		res->heap_used,
		ms__fmt_pct(p2, sizeof(p2), res->heap_fragmentation));
	stats(out, res);
}

/*
 * The subsystems' stats. Names of the form family.object.field
 * ("pool.shared.used") become one table per family, an object per row and
 * a field per column, in order of first appearance; any other name is a
 * line of its own.
 */
static void stats(GString *out, const struct ms_scenario_result *res)
{
	GPtrArray *families = g_ptr_array_new_with_free_func(g_free);
	struct table *loose = table_new("lr");

	for (size_t i = 0; i < res->n_stats; i++) {
		const char *name = res->stats[i].name;
		const char *d1 = strchr(name, '.');
		const char *d2 = d1 ? strrchr(name, '.') : NULL;

		if (!d1 || d2 == d1) {
			char *v = fmt_metric(res->stats[i].value);

			table_row(loose, name, v);
			g_free(v);
			continue;
		}
		{
			char *fam = g_strndup(name, (size_t)(d1 - name));
			bool seen = false;

			for (unsigned f = 0; f < families->len && !seen; f++)
				seen = !strcmp(families->pdata[f], fam);
			if (!seen)
				g_ptr_array_add(families, fam);
			else
				g_free(fam);
		}
	}

	for (unsigned f = 0; f < families->len; f++) {
		const char *fam = families->pdata[f];
		size_t flen = strlen(fam);
		GPtrArray *objs = g_ptr_array_new_with_free_func(g_free);
		GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
		GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
		char *align;
		struct table *t;

		/* the rows and columns of this family */
		for (size_t i = 0; i < res->n_stats; i++) {
			const char *name = res->stats[i].name;
			const char *d2 = strrchr(name, '.');
			char *obj, *field;
			bool seen = false;

			if (strncmp(name, fam, flen) || name[flen] != '.' ||
			    d2 == name + flen)
				continue;
			obj = g_strndup(name + flen + 1,
					(size_t)(d2 - name - flen - 1));
			field = g_strdup(d2 + 1);
			for (unsigned k = 0; k < objs->len && !seen; k++)
				seen = !strcmp(objs->pdata[k], obj);
			if (seen)
				g_free(obj);
			else
				g_ptr_array_add(objs, obj);
			seen = false;
			for (unsigned k = 0; k < fields->len && !seen; k++)
				seen = !strcmp(fields->pdata[k], field);
			if (seen)
				g_free(field);
			else
				g_ptr_array_add(fields, field);
		}

		align = g_malloc(fields->len + 2);
		align[0] = 'l';
		memset(align + 1, 'r', fields->len);
		align[fields->len + 1] = 0;
		t = table_new(align);
		/* header, then one row per object; a missing figure is "-" */
		for (unsigned r = 0; r <= objs->len; r++) {
			g_ptr_array_set_size(cells, 0);
			g_ptr_array_add(cells, g_strdup(r ? objs->pdata[r - 1]
							  : fam));
			for (unsigned c = 0; c < fields->len; c++) {
				char *want, *v = NULL;

				if (!r) {
					g_ptr_array_add(cells,
						g_strdup(fields->pdata[c]));
					continue;
				}
				want = g_strdup_printf("%s.%s.%s", fam,
					(char *)objs->pdata[r - 1],
					(char *)fields->pdata[c]);
				for (size_t i = 0; i < res->n_stats && !v; i++)
					if (!strcmp(res->stats[i].name, want))
						v = fmt_metric(res->stats[i].value);
				g_ptr_array_add(cells, v ? v : g_strdup("-"));
				g_free(want);
			}
			for (unsigned c = 0; c < cells->len; c++)
				g_ptr_array_add(t->cells, g_strdup(cells->pdata[c]));
		}
		table_render(t, out, "  ");
		table_free(t);
		g_free(align);
		g_ptr_array_free(cells, TRUE);
		g_ptr_array_free(fields, TRUE);
		g_ptr_array_free(objs, TRUE);
	}
	table_render(loose, out, "  ");
	table_free(loose);
	g_ptr_array_free(families, TRUE);
}

static void faults(GString *out, const struct ms_report *rep,
		   const struct ms_scenario_result *res)
{
	unsigned bt_max = (rep->flags & MS_REPORT_VERBOSE) ? MS_FAULT_BT_MAX : 4;
	if (!res->n_faults) {
		g_string_append(out, "Faults: none\n");
		return;
	}
	g_string_append_printf(out, "Faults (%zu)\n", res->n_faults);
	for (size_t i = 0; i < res->n_faults; i++) {
		const struct ms_scenario_fault *sf = &res->faults[i];
		const struct ms_fault *f = &sf->fault;

		g_string_append_printf(out,
			"  %s in thread %s (tid %u) at tick %" PRIu64
			", object %s offset %" PRIu64 "\n    %s\n",
			ms_fault_kind_name(f->kind), sf->thread, f->tid,
			f->tick, f->object, f->offset, f->detail);
		if (!ms__report_host(rep) || !f->bt_depth)
			continue;
		g_string_append(out, "    backtrace:");
		for (unsigned j = 0; j < f->bt_depth && j < bt_max; j++)
			g_string_append_printf(out, "%s %s", j ? " <" : "",
					       f->bt[j]);
		if (f->bt_depth > bt_max)
			g_string_append(out, " < ...");
		g_string_append_c(out, '\n');
	}
}

static void metrics(GString *out, const struct ms__report_run *run,
		    bool compare)
{
	const struct ms_scenario_result *res = run->res;
	const struct ms_scenario_metrics *m = &res->metrics;
	const struct ms_scenario_counters *v = &res->roles[MS_ROLE_VICTIM];
	struct table *t = table_new("ll");
	char a[64], b[128];

	g_string_append(out, "Metrics\n");
	if (m->has_victims) {
		ms__fmt_pct(a, sizeof(a), m->victim_success);
		g_snprintf(b, sizeof(b), "%s (%" PRIu64 " of %" PRIu64
			   " requests)", a, v->granted, v->requested);
	} else {
		g_strlcpy(b, "n/a (no victim)", sizeof(b));
	}
	table_row(t, "victim success", b);
	if (m->has_attackers) {
		ms__fmt_pct(a, sizeof(a), m->attacker_share);
		g_snprintf(b, sizeof(b), "%s of the heap at peak (%" PRIu64
			   " B)", a, m->attacker_peak_bytes);
	} else {
		g_strlcpy(b, "n/a (no attacker)", sizeof(b));
	}
	table_row(t, "attacker share", b);
	if (m->exhausted)
		g_snprintf(b, sizeof(b), "tick %" PRIu64, m->time_to_exhaustion);
	else
		g_strlcpy(b, "never", sizeof(b));
	table_row(t, "time to exhaustion", b);
	fmt_slowdown(a, sizeof(a), run);
	if (run->baseline && strcmp(a, "n/a") != 0)
		g_snprintf(b, sizeof(b), "%s (tick %" PRIu64 " against %"
			   PRIu64 " without the attackers)", a,
			   m->victim_completion_tick,
			   run->baseline->metrics.victim_completion_tick);
	else if (!compare)
		g_strlcpy(b, "n/a (memsim compare runs the baseline)",
			  sizeof(b));
	else
		g_strlcpy(b, "n/a", sizeof(b));
	table_row(t, "victim slowdown", b);
	g_snprintf(b, sizeof(b), "%" PRIu64, m->collateral_denials);
	table_row(t, "collateral denials", b);
	if (res->ipc_mode[0]) {
		uint64_t vs, vr, as, ar;

		ms_report_ipc_sends(res, MS_ROLE_VICTIM, &vs, &vr);
		ms_report_ipc_sends(res, MS_ROLE_ATTACKER, &as, &ar);
		g_snprintf(b, sizeof(b), "victims %" PRIu64 " of %" PRIu64
			   " queued, attackers %" PRIu64 " of %" PRIu64
			   " (IPC mode %s)", vs, vs + vr, as, as + ar,
			   res->ipc_mode);
		table_row(t, "messages", b);
	}
	table_row(t, "verdict",
		  ms_verdict_text(ms_report_verdict(res, run->baseline)));
	table_render(t, out, "  ");
	table_free(t);
}

static void expectations(GString *out, const struct ms_scenario_result *res)
{
	struct table *t;

	if (!res->n_expects) {
		g_string_append(out, "Expectations: none\n");
		return;
	}
	g_string_append_printf(out, "Expectations: %zu of %zu hold\n",
			       res->n_expects - res->n_expects_failed,
			       res->n_expects);
	t = table_new("llll");
	for (size_t i = 0; i < res->n_expects; i++) {
		const struct ms_scenario_expect_result *e = &res->expects[i];
		char *act = fmt_metric(e->actual);
		char *actual = g_strdup_printf("actual %s", act);
		char *where = g_strdup_printf("%s:%u:%u", res->file, e->line,
					      e->column);

		table_row(t, e->pass ? "PASS" : "FAIL", e->text, actual,
			  e->pass ? "" : where);
		g_free(act);
		g_free(actual);
		g_free(where);
	}
	table_render(t, out, "  ");
	table_free(t);
}

static void run_header(GString *out, const struct ms_scenario_result *res)
{
	g_string_append_printf(out,
		"Policy %s%s%s, seed %" PRIu64 ": %s at tick %" PRIu64
		" (%" PRIu64 " events, hash 0x%016" PRIx64 ")\n",
		res->policy, res->ipc_mode[0] ? ", IPC mode " : "",
		res->ipc_mode, res->seed, ms_run_status_name(res->status),
		res->final_tick, res->event_count, res->event_hash);
	if (res->device_policy[0])
		g_string_append_printf(out, "Device policies %s\n",
				       res->device_policy);
}

static void one_run(GString *out, const struct ms_report *rep,
		    const struct ms__report_run *run, bool compare)
{
	const struct ms_scenario_result *res = run->res;

	run_header(out, res);
	if (!compare && rep->sc && ms_scenario_policy_count(rep->sc) > 1)
		g_string_append_printf(out, "(the scenario names %zu policies; "
				       "memsim compare runs them all)\n",
				       ms_scenario_policy_count(rep->sc));
	if (!compare && rep->sc && ms_scenario_ipc_mode_count(rep->sc) > 1)
		g_string_append_printf(out, "(the scenario names %zu IPC "
				       "modes; memsim compare runs them all)\n",
				       ms_scenario_ipc_mode_count(rep->sc));
	g_string_append_c(out, '\n');
	actors_and_groups(out, res);
	g_string_append_c(out, '\n');
	heap(out, rep, res);
	g_string_append_c(out, '\n');
	faults(out, rep, res);
	g_string_append_c(out, '\n');
	metrics(out, run, compare);
	g_string_append_c(out, '\n');
	expectations(out, res);
}

/* Whether the runs differ in IPC mode (the table then has a mode column),
 * and whether any used IPC (message columns). */
static bool modes_vary(const struct ms_report *rep)
{
	for (size_t i = 1; i < rep->runs->len; i++)
		if (strcmp(ms__report_run(rep, i)->res->ipc_mode,
			   ms__report_run(rep, 0)->res->ipc_mode) != 0)
			return true;
	return false;
}

static bool any_ipc(const struct ms_report *rep)
{
	for (size_t i = 0; i < rep->runs->len; i++)
		if (ms__report_run(rep, i)->res->ipc_mode[0])
			return true;
	return false;
}

static void comparison(GString *out, const struct ms_report *rep)
{
	bool mode = modes_vary(rep), ipc = any_ipc(rep);
	bool dev = rep->runs->len &&
		   ms__report_run(rep, 0)->res->device_policy[0];
	char align[16];
	struct table *t;
	const char *cells[12];
	unsigned n = 0;

	g_snprintf(align, sizeof(align), "l%s%s%s", dev ? "l" : "",
		   mode && ipc ? "l" : "", ipc ? "rrlrrrrll" : "rrlrrll");
	t = table_new(align);
	g_string_append(out, "Comparison\n");
	cells[n++] = "policy";
	if (dev)
		cells[n++] = "device policies";
	if (mode && ipc)
		cells[n++] = "mode";
	cells[n++] = "victim-success";
	cells[n++] = "attacker-share";
	cells[n++] = "exhaustion";
	cells[n++] = "slowdown";
	cells[n++] = "collateral";
	if (ipc) {
		cells[n++] = "victim-msgs";
		cells[n++] = "attacker-msgs";
	}
	cells[n++] = "expect";
	cells[n++] = "verdict";
	table_cells(t, cells);
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms__report_run *run = ms__report_run(rep, i);
		const struct ms_scenario_result *res = run->res;
		const struct ms_scenario_metrics *m = &res->metrics;
		char vs[32], as[32], ex[40], sl[32], co[24], expect[40];
		char vm[48] = "-", am[48] = "-";
		uint64_t ok, refused;

		if (m->has_victims)
			ms__fmt_pct(vs, sizeof(vs), m->victim_success);
		else
			g_strlcpy(vs, "n/a", sizeof(vs));
		if (m->has_attackers)
			ms__fmt_pct(as, sizeof(as), m->attacker_share);
		else
			g_strlcpy(as, "n/a", sizeof(as));
		if (m->exhausted)
			g_snprintf(ex, sizeof(ex), "tick %" PRIu64,
				   m->time_to_exhaustion);
		else
			g_strlcpy(ex, "never", sizeof(ex));
		fmt_slowdown(sl, sizeof(sl), run);
		NUM(co, m->collateral_denials);
		g_snprintf(expect, sizeof(expect), "%s %zu/%zu",
			   ms_scenario_result_ok(res) ? "PASS" : "FAIL",
			   res->n_expects - res->n_expects_failed,
			   res->n_expects);
		/* messages queued of those sent */
		if (ms_report_ipc_sends(res, MS_ROLE_VICTIM, &ok, &refused) == 0)
			g_snprintf(vm, sizeof(vm), "%" PRIu64 "/%" PRIu64, ok,
				   ok + refused);
		if (ms_report_ipc_sends(res, MS_ROLE_ATTACKER, &ok,
					&refused) == 0)
			g_snprintf(am, sizeof(am), "%" PRIu64 "/%" PRIu64, ok,
				   ok + refused);
		n = 0;
		cells[n++] = res->policy;
		if (dev)
			cells[n++] = res->device_policy;
		if (mode && ipc)
			cells[n++] = res->ipc_mode[0] ? res->ipc_mode : "-";
		cells[n++] = vs;
		cells[n++] = as;
		cells[n++] = ex;
		cells[n++] = sl;
		cells[n++] = co;
		if (ipc) {
			cells[n++] = vm;
			cells[n++] = am;
		}
		cells[n++] = expect;
		cells[n++] = ms_verdict_text(ms_report_verdict(res,
							       run->baseline));
		table_cells(t, cells);
	}
	table_render(t, out, "  ");
	table_free(t);
}

/* The runs' device policies, best first (device.c says how they rank). */
static void device_ranking(GString *out, const struct ms_report *rep)
{
	size_t *order = g_new0(size_t, rep->runs->len + 1);
	size_t n = ms__report_device_rank(rep, order);
	bool pol = false;
	struct table *t;

	for (size_t i = 1; i < n && !pol; i++)
		pol = strcmp(ms__report_run(rep, order[i])->res->policy,
			     ms__report_run(rep, order[0])->res->policy) ||
		      strcmp(ms__report_run(rep, order[i])->res->ipc_mode,
			     ms__report_run(rep, order[0])->res->ipc_mode);
	if (n < 2) {
		g_free(order);
		return;
	}
	/* rank, label, [policy], then eleven figures */
	t = table_new(pol ? "rllrrrrrrrrrrr" : "rlrrrrrrrrrrr");
	g_string_append(out, "Device policies, best first (killed, lost, "
			"completion, evictions, bytes moved)\n");
	{
		const char *h[14];
		unsigned k = 0;

		h[k++] = "rank";
		h[k++] = "device policies";
		if (pol)
			h[k++] = "policy";
		h[k++] = "killed";
		h[k++] = "lost";
		h[k++] = "completion";
		h[k++] = "evictions";
		h[k++] = "migrated";
		h[k++] = "failed";
		h[k++] = "bytes";
		h[k++] = "cpu-faults";
		h[k++] = "remote";
		h[k++] = "pin-blocked";
		h[k++] = "dangling";
		table_cells(t, h);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ms_scenario_result *r =
			ms__report_run(rep, order[i])->res;
		struct ms__device_sums d;
		char b[12][32], pm[2 * MS_SCENARIO_NAME_MAX];
		const char *cells[14];
		unsigned k = 0;

		ms__report_device_sums(r, &d);
		g_snprintf(pm, sizeof(pm), "%s%s%s", r->policy,
			   r->ipc_mode[0] ? ", " : "", r->ipc_mode);
		cells[k++] = NUM(b[0], i + 1);
		cells[k++] = r->device_policy;
		if (pol)
			cells[k++] = pm;
		cells[k++] = NUM(b[1], d.killed);
		cells[k++] = NUM(b[2], d.lost);
		cells[k++] = NUM(b[3], d.completion);
		cells[k++] = NUM(b[4], d.evictions);
		cells[k++] = NUM(b[5], d.migrated);
		cells[k++] = NUM(b[6], d.failed);
		cells[k++] = NUM(b[7], d.bytes);
		cells[k++] = NUM(b[8], d.cpu_faults);
		cells[k++] = NUM(b[9], d.remote);
		cells[k++] = NUM(b[10], d.pin_blocked);
		cells[k++] = NUM(b[11], d.dangling);
		table_cells(t, cells);
	}
	table_render(t, out, "  ");
	table_free(t);
	g_free(order);
}

static const char *fmt_wall(char *buf, size_t len, double seconds)
{
	char n[G_ASCII_DTOSTR_BUF_SIZE + 32];

	if (seconds < 1.0)
		g_snprintf(buf, len, "%s ms",
			   ms__fmt_double(n, sizeof(n), seconds * 1000, 1));
	else
		g_snprintf(buf, len, "%s s",
			   ms__fmt_double(n, sizeof(n), seconds, 2));
	return buf;
}

static void host(GString *out, const struct ms_report *rep)
{
	struct table *t = table_new("lrl");
	char a[64], b[96];
	uint64_t rss = 0;

	g_string_append(out, "Host (wall clock; not part of the simulated "
			"result, left out by --no-host)\n");
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms__report_run *run = ms__report_run(rep, i);

		fmt_wall(a, sizeof(a), run->res->host.wall_seconds);
		b[0] = 0;
		if (run->baseline) {
			char c[64];

			g_snprintf(b, sizeof(b), "(baseline %s)",
				   fmt_wall(c, sizeof(c),
					    run->baseline->host.wall_seconds));
		}
		if (run->res->ipc_mode[0]) {
			gchar *label = g_strdup_printf("%s, %s",
						       run->res->policy,
						       run->res->ipc_mode);

			table_row(t, label, a, b);
			g_free(label);
		} else {
			table_row(t, run->res->policy, a, b);
		}
		rss = MAX(rss, run->res->host.max_rss_kib);
	}
	table_render(t, out, "  ");
	table_free(t);
	if (rss)
		g_string_append_printf(out, "  peak RSS %" PRIu64 " KiB\n",
				       rss);
}

int ms_report_write_text(const struct ms_report *rep, FILE *out)
{
	const struct ms_scenario_result *first;
	bool compare;
	size_t failed = 0, failed_runs = 0, panics = 0;
	GString *s;
	int ret;

	if (!rep || !out)
		return -EINVAL;
	first = ms_report_result(rep, 0);
	compare = rep->runs->len > 1 || strcmp(rep->command, "compare") == 0;
	s = g_string_sized_new(8192);

	g_string_append_printf(s, "memsim %s: scenario %s (%s)\n",
			       ms_version(),
			       first ? first->scenario : "?",
			       first ? first->file : "?");
	if (rep->sc && ms_scenario_description(rep->sc)[0]) {
		gchar *d = g_strdup(ms_scenario_description(rep->sc));
		gchar **lines = g_strsplit(g_strstrip(d), "\n", -1);

		for (gchar **l = lines; *l; l++)
			g_string_append_printf(s, "  %s\n", *l);
		g_strfreev(lines);
		g_free(d);
	}
	g_string_append_c(s, '\n');

	if (compare && rep->runs->len) {
		comparison(s, rep);
		g_string_append_c(s, '\n');
		if (rep->runs->len > 1 &&
		    ms__report_run(rep, 0)->res->device_policy[0]) {
			device_ranking(s, rep);
			g_string_append_c(s, '\n');
		}
	}
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms__report_run *run = ms__report_run(rep, i);

		if (compare)
			g_string_append(s, "----\n");
		one_run(s, rep, run, compare);
		g_string_append_c(s, '\n');
		if (!ms_scenario_result_ok(run->res)) {
			failed_runs++;
			failed += run->res->n_expects_failed;
			if (run->res->status == MS_RUN_PANIC)
				panics++;
		}
	}
	if (ms__report_host(rep) && rep->runs->len) {
		host(s, rep);
		g_string_append_c(s, '\n');
	}
	if (!failed_runs)
		g_string_append(s, "Result: PASS\n");
	else if (panics)
		g_string_append_printf(s, "Result: FAIL (the simulated kernel "
				       "panicked in %zu run%s)\n", panics,
				       panics == 1 ? "" : "s");
	else if (compare && modes_vary(rep))
		g_string_append_printf(s, "Result: FAIL (%zu expectation%s "
				       "failed, in %zu run%s)\n", failed,
				       failed == 1 ? "" : "s", failed_runs,
				       failed_runs == 1 ? "" : "s");
	else if (compare)
		g_string_append_printf(s, "Result: FAIL (%zu expectation%s "
				       "failed, under %zu polic%s)\n", failed,
				       failed == 1 ? "" : "s", failed_runs,
				       failed_runs == 1 ? "y" : "ies");
	else
		g_string_append_printf(s, "Result: FAIL (%zu expectation%s "
				       "failed)\n", failed,
				       failed == 1 ? "" : "s");

	ret = ms__report_flush(s, out);
	g_string_free(s, TRUE);
	return ret;
}
