/* SPDX-License-Identifier: MIT */
/*
 * Private to src/report: the report record and the helpers the writers
 * share. Every writer builds its output in a GString and hands it to
 * ms__report_flush(), so that a stream error is seen in one place.
 */
#ifndef MS_REPORT_PRIV_H
#define MS_REPORT_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

#include <memsim/report.h>

struct ms__report_run {
	const struct ms_scenario_result *res;
	const struct ms_scenario_result *baseline;	/* or NULL */
};

struct ms_report {
	char *command;
	unsigned flags;
	const struct ms_scenario *sc;
	GArray *runs;			/* struct ms__report_run */
};

static inline const struct ms__report_run *
ms__report_run(const struct ms_report *rep, size_t i)
{
	return &g_array_index(rep->runs, struct ms__report_run, i);
}

static inline bool ms__report_host(const struct ms_report *rep)
{
	return !(rep->flags & MS_REPORT_NO_HOST);
}

/* Write s to out, flush, and say whether the stream took it. */
int ms__report_flush(GString *s, FILE *out);

/* Append s as a JSON string literal, quotes included. */
void ms__json_str(GString *out, const char *s);

/*
 * Append a double the same way on every host and locale: fixed notation
 * with `decimals` places, trailing zeros kept; null when not finite.
 */
void ms__json_double(GString *out, double v, int decimals);

/* A double as text with `decimals` places, locale independent. */
const char *ms__fmt_double(char *buf, size_t len, double v, int decimals);

/* The heap bytes a fraction stands for, as "12.5%". */
const char *ms__fmt_pct(char *buf, size_t len, double frac);

/* device.c: a run's device figures, summed over its devices. The first
 * MS__DEVICE_RANK_KEYS fields are the ranking's keys, in order. */
#define MS__DEVICE_RANK_KEYS 6
struct ms__device_sums {
	double dangling, killed, lost, completion, evictions, bytes;
	double migrated, failed, cpu_faults, pin_blocked, remote;
};
void ms__report_device_sums(const struct ms_scenario_result *r,
			    struct ms__device_sums *out);
/* The runs that used a device policy, best first, into order (room for
 * every run); returns how many. */
size_t ms__report_device_rank(const struct ms_report *rep, size_t *order);

/* Names of groups in the order of res->groups, for series and legends. */
const char *ms__group_label(const struct ms_scenario_result *res, size_t i);

#endif
