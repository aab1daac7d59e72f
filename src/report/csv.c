/* SPDX-License-Identifier: MIT */
/*
 * The CSV time series: heap bytes held per group over simulated time.
 *
 * One header line, then one line per sample per run:
 *     policy,tick,heap_used,<group>,<group>,...
 * The group columns are the union of every run's groups in order of first
 * appearance (a comparison runs one scenario, so normally they are the
 * same); a group a run does not have is an empty cell. Fields are quoted
 * per RFC 4180 only when they need it. Invariant: only simulated figures,
 * so the file is deterministic.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "report/report_priv.h"

static void csv_field(GString *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

int ms_report_write_csv(const struct ms_report *rep, FILE *out)
{
	GPtrArray *cols;	/* group names, borrowed from the results */
	GString *s;
	int ret;

	if (!rep || !out)
		return -EINVAL;
	cols = g_ptr_array_new();
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms_scenario_result *res =
			ms__report_run(rep, i)->res;

		for (size_t g = 0; g < res->n_groups; g++) {
			const char *name = ms__group_label(res, g);
			bool seen = false;

			for (unsigned c = 0; c < cols->len && !seen; c++)
				seen = strcmp(cols->pdata[c], name) == 0;
			if (!seen)
				g_ptr_array_add(cols, (gpointer)name);
		}
	}

	s = g_string_sized_new(65536);
	g_string_append(s, "policy,tick,heap_used");
	for (unsigned c = 0; c < cols->len; c++) {
		g_string_append_c(s, ',');
		csv_field(s, cols->pdata[c]);
	}
	g_string_append_c(s, '\n');

	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms_scenario_result *res =
			ms__report_run(rep, i)->res;
		/* column -> the run's group index, or -1 */
		int *map = g_new(int, cols->len + 1);

		for (unsigned c = 0; c < cols->len; c++) {
			map[c] = -1;
			for (size_t g = 0; g < res->n_groups; g++)
				if (!strcmp(cols->pdata[c],
					    ms__group_label(res, g)))
					map[c] = (int)g;
		}
		for (size_t k = 0; k < res->n_samples; k++) {
			const struct ms_scenario_sample *sm = &res->samples[k];

			csv_field(s, res->policy);
			g_string_append_printf(s, ",%" PRIu64 ",%" PRIu64,
					       sm->tick, sm->heap_used);
			for (unsigned c = 0; c < cols->len; c++) {
				g_string_append_c(s, ',');
				if (map[c] >= 0)
					g_string_append_printf(s, "%" PRIu64,
						sm->group_bytes[map[c]]);
			}
			g_string_append_c(s, '\n');
		}
		g_free(map);
	}
	ret = ms__report_flush(s, out);
	g_string_free(s, TRUE);
	g_ptr_array_free(cols, TRUE);
	return ret;
}
