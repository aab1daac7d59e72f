/* SPDX-License-Identifier: MIT */
/*
 * Device-memory figures of a report: what a run's devices add up to, and
 * the order memsim compare ranks the runs' device policies in.
 *
 * Ranking (lower is better, compared in this order; ties by label, so the
 * order is the same on every host): mappings left reaching a device's
 * memory that is not there (must be 0), threads killed by a withdrawn
 * device, pages lost with one, the workload's completion tick (the last
 * actor thread's end; the run's final tick if one never ended), pages
 * that had to be evicted, bytes migrated. A policy that keeps pages off
 * the device loses none when it is withdrawn but may pay in time; the
 * table shows both. docs/device-memory.md, "Scenarios".
 */
#include <string.h>

#include "report/report_priv.h"

static double stat(const struct ms_scenario_result *r, const char *field)
{
	double sum = 0;
	size_t fl = strlen(field);

	for (size_t i = 0; i < r->n_stats; i++) {
		const char *n = r->stats[i].name;
		size_t nl = strlen(n);

		if (!strncmp(n, "device.", 7) && nl > fl + 8 &&
		    n[nl - fl - 1] == '.' && !strcmp(n + nl - fl, field))
			sum += r->stats[i].value;
	}
	return sum;
}

void ms__report_device_sums(const struct ms_scenario_result *r,
			    struct ms__device_sums *out)
{
	out->dangling = stat(r, "dangling_mappings");
	out->killed = stat(r, "threads_killed");
	out->lost = stat(r, "pages_lost");
	out->completion = r->total.completion_tick ? r->total.completion_tick :
			  r->final_tick;
	out->evictions = stat(r, "evictions");
	out->bytes = stat(r, "bytes_to_device") + stat(r, "bytes_to_ram");
	out->migrated = stat(r, "pgmigrate_success");
	out->failed = stat(r, "pgmigrate_fail");
	out->cpu_faults = stat(r, "cpu_faults");
	out->pin_blocked = stat(r, "pin_blocked");
	out->remote = stat(r, "remote_accesses");
}

struct ranked {
	size_t run;
	const struct ms_scenario_result *res;
	struct ms__device_sums sums;
};

static gint cmp_run(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct ranked *x = a, *y = b;
	const double *pv = &x->sums.dangling, *qv = &y->sums.dangling;
	int c;

	(void)unused;
	/* the ranking fields lead struct ms__device_sums, in order */
	for (int k = 0; k < MS__DEVICE_RANK_KEYS; k++)
		if (pv[k] != qv[k])
			return pv[k] < qv[k] ? -1 : 1;
	c = strcmp(x->res->device_policy, y->res->device_policy);
	if (c)
		return c;
	c = strcmp(x->res->policy, y->res->policy);
	return c ? c : strcmp(x->res->ipc_mode, y->res->ipc_mode);
}

size_t ms__report_device_rank(const struct ms_report *rep, size_t *order)
{
	struct ranked *r = g_new0(struct ranked, rep->runs->len + 1);
	size_t n = 0;

	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms_scenario_result *res =
			ms__report_run(rep, i)->res;

		if (!res->device_policy[0])
			continue;
		r[n].run = i;
		r[n].res = res;
		ms__report_device_sums(res, &r[n].sums);
		n++;
	}
	g_qsort_with_data(r, (gint)n, sizeof(*r), cmp_run, NULL);
	for (size_t i = 0; i < n; i++)
		order[i] = r[i].run;
	g_free(r);
	return n;
}
