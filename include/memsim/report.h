/* SPDX-License-Identifier: MIT */
/*
 * memsim: reports.
 *
 * A report gathers the results of one or more runs of a scenario (one per
 * quota policy for a comparison, each with an optional baseline run without
 * the attackers) and writes them in the formats the memsim program offers:
 *
 *   text   a readable report: tables per actor and group, heap, faults,
 *          metrics, expectations, and for several runs a comparison table
 *          with one verdict per policy;
 *   JSON   the complete record, schema "memsim-report/1"
 *          (docs/report-format.md);
 *   CSV    the time series: heap bytes held per group, per run;
 *   trace  Chrome trace-event JSON (opens in Perfetto and chrome://tracing):
 *          one process per run, one track per simulated thread;
 *   SVG    heap use over time per group, one panel per run.
 *
 * A report borrows what it is given: the results (and the scenario, if
 * set) must outlive it. Everything a report writes about the simulation is
 * deterministic; host figures (wall time, peak RSS, fault backtraces, which
 * depend on the binary) are kept apart and left out with
 * MS_REPORT_NO_HOST, so that two runs of the same scenario and seed give
 * byte-identical reports.
 */
#ifndef MEMSIM_REPORT_H
#define MEMSIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <memsim/scenario.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_report;

/* The version of the JSON document, its "schema" field. */
#define MS_REPORT_SCHEMA "memsim-report/1"

enum ms_report_flags {
	MS_REPORT_NO_HOST = 1u << 0,	/* leave host figures out */
	MS_REPORT_VERBOSE = 1u << 1,	/* text: full backtraces, all stats */
};

/*
 * Create an empty report. command names what produced it ("run",
 * "compare"; NULL: "run"), copied.
 * @retval 0 and *out set
 * @retval -EINVAL out is NULL
 * @retval -ENOMEM the host could not provide memory
 */
int ms_report_new(const char *command, struct ms_report **out);

/* Free the report (not the results it borrowed). NULL is a no-op. */
void ms_report_free(struct ms_report *rep);

/* enum ms_report_flags, or-ed. */
void ms_report_set_flags(struct ms_report *rep, unsigned flags);

/*
 * The scenario the results come from (for its description); may be NULL.
 * Borrowed.
 */
void ms_report_set_scenario(struct ms_report *rep,
			    const struct ms_scenario *sc);

/*
 * Add the result of one run, and optionally the baseline: the same policy
 * and seed run without the attackers (ms_scenario_run_opts.
 * without_attackers), from which the victim slowdown is computed. Both are
 * borrowed. Runs appear in the order they are added.
 * @retval 0 added
 * @retval -EINVAL res is NULL or is itself a run without attackers
 * @retval -ENOMEM the host could not provide memory
 */
int ms_report_add(struct ms_report *rep, const struct ms_scenario_result *res,
		  const struct ms_scenario_result *baseline);

size_t ms_report_count(const struct ms_report *rep);
const struct ms_scenario_result *ms_report_result(const struct ms_report *rep,
						  size_t i);

/* true when every run's expectations held and no run panicked. */
bool ms_report_ok(const struct ms_report *rep);

/*
 * How a policy (or an IPC accounting mode) fared against the scenario's
 * attack, from the metrics of a run (and its baseline). Checked in this
 * order, the first that applies: PANIC, VICTIM_IPC_REFUSED, then the rest
 * in the order of the enum:
 */
enum ms_verdict {
	MS_VERDICT_PANIC = 0,		/* the run ended in a kernel panic */
	MS_VERDICT_VICTIM_STARVED,	/* a victim was refused: the heap was
					 * empty (or its pool) */
	MS_VERDICT_TOO_TIGHT,		/* a well-behaved actor (victim or
					 * neutral) was refused by its own
					 * quota */
	MS_VERDICT_VICTIM_UNFINISHED,	/* a victim never completed */
	MS_VERDICT_VICTIM_SLOWED,	/* victims took over 1.5 times as long
					 * as without the attackers */
	MS_VERDICT_PROTECTS,		/* victims got everything they asked */
	MS_VERDICT_NO_VICTIM,		/* nothing to judge: no victim actor */
	MS_VERDICT_VICTIM_IPC_REFUSED,	/* a victim's IPC send was refused
					 * (checked second, after PANIC) */
	MS_VERDICT__COUNT
};

/* Slowdown above which a victim counts as slowed down. */
#define MS_VERDICT_SLOWDOWN_LIMIT 1.5

/* res may not be NULL; baseline may. */
enum ms_verdict ms_report_verdict(const struct ms_scenario_result *res,
				  const struct ms_scenario_result *baseline);

/*
 * "panic", "victim starved", "too tight: collateral denials", "victim did
 * not finish", "victim slowed down", "protects the victim", "no victim",
 * "victim's messages refused"; "?" for an unknown value.
 */
const char *ms_verdict_text(enum ms_verdict v);
/* The same as one word for machines: "panic", "victim-starved",
 * "too-tight", "victim-unfinished", "victim-slowed", "protects",
 * "no-victim", "victim-ipc-refused"; "?" for an unknown value. */
const char *ms_verdict_name(enum ms_verdict v);

/*
 * The IPC sends of the actors of one role in a run that used IPC: messages
 * queued (sent) and refused, summed over its actors (the result's
 * "ipc.<actor>.sent" and "ipc.<actor>.refused" stats).
 * @retval 0 and *sent, *refused set
 * @retval -EINVAL res, sent or refused is NULL
 * @retval -ENODATA the run used no IPC (res->ipc_mode is "")
 */
int ms_report_ipc_sends(const struct ms_scenario_result *res,
			enum ms_actor_role role, uint64_t *sent,
			uint64_t *refused);

/*
 * Victim slowdown: the tick at which the last victim thread ended, over
 * the same in the baseline.
 * @retval 0 and *out set
 * @retval -EINVAL res or out is NULL
 * @retval -ENODATA no baseline, no victim, or a victim that never ended in
 *         either run
 */
int ms_report_victim_slowdown(const struct ms_scenario_result *res,
			      const struct ms_scenario_result *baseline,
			      double *out);

/*
 * The writers. Each writes the whole report to out and checks the stream.
 * @retval 0 written
 * @retval -EINVAL rep or out is NULL
 * @retval -EIO the stream reported an error
 * @retval -ENOMEM the host could not provide memory
 */
int ms_report_write_text(const struct ms_report *rep, FILE *out);
int ms_report_write_json(const struct ms_report *rep, FILE *out);
int ms_report_write_csv(const struct ms_report *rep, FILE *out);
int ms_report_write_svg(const struct ms_report *rep, FILE *out);

/*
 * Chrome trace-event JSON of every run. Needs the event log, so the runs
 * must have kept their sim (ms_scenario_run_opts.keep_sim).
 * @retval -ENODATA a run did not keep its sim
 * @retval 0, -EINVAL, -EIO, -ENOMEM as the other writers
 */
int ms_report_write_trace(const struct ms_report *rep, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
