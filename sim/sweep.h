/* SPDX-License-Identifier: MIT */
/*
 * memsim sweep and memsim sweep-report: what the two subcommands share.
 *
 * A sweep writes one JSON Lines record per run (schema "memsim-sweep/1",
 * docs/sweep.md); sweep-report reads them back. The record's grid key
 * (seed, policy, IPC mode, --set parameters) names a run: two records
 * with the same key are the same run, whichever shard or job made them.
 * sweep_key_id() is the one spelling of a key both sides compare.
 */
#ifndef MEMSIM_SIM_SWEEP_H
#define MEMSIM_SIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define SWEEP_SCHEMA "memsim-sweep/1"
#define SWEEP_REPORT_SCHEMA "memsim-sweep-report/1"

/* Entry points, called by main with argv[0] = the subcommand's name. */
int ms_cli_sweep(int argc, char **argv);
int ms_cli_sweep_report(int argc, char **argv);

/* ---- the command line ---- */

/* "memsim CMD: message", then the pointer to CMD's --help, on stderr. */
void sweep_usage_error(const char *cmd, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

/*
 * Parse CMD's options (argv[0] is CMD): the usage line "memsim CMD
 * PARAMS", summary and description as --help shows them.
 * @retval 0 parsed (argc, argv: the arguments left)
 * @retval 2 a usage error, printed
 */
int sweep_parse_options(const char *cmd, const char *params,
			const char *summary, const char *description,
			const GOptionEntry *entries, int *argc, char ***argv);

/* ---- writing JSON ---- */

/* s as a JSON string, quotes included; NULL as null. */
void sweep_json_str(GString *out, const char *s);
/* A finite double in the shortest form that reads back the same; else
 * null. */
void sweep_json_double(GString *out, double v);

/* ---- grid keys ---- */

struct sweep_key {
	uint64_t seed;
	const char *policy;
	const char *mode;		/* NULL: the scenario's (or the default) */
	size_t n_set;
	const char *const *set_keys;	/* --set keys, in command-line order */
	const char *const *set_vals;
};

/* The canonical spelling of a key (newly allocated): compared, never
 * parsed back. */
char *sweep_key_id(const struct sweep_key *k);

/* ---- reading records ---- */

struct sweep_metric {
	char *name;
	bool null;
	double value;
};

struct sweep_expect {
	char *text;
	unsigned line;			/* where in the scenario */
	bool pass;
};

struct sweep_record {
	int64_t index;
	char *scenario;
	char *id;			/* sweep_key_id of the key */
	uint64_t seed;
	char *policy;
	char *mode;			/* NULL when the key has none */
	GPtrArray *set_keys, *set_vals;	/* char * */
	char *error;			/* the run failed (no metrics) */
	char *verdict;
	bool ok;
	GArray *metrics;		/* struct sweep_metric */
	GArray *expects;		/* struct sweep_expect */
};

/*
 * Parse one line (without its newline). 0, or -EINVAL with *why set (a
 * newly allocated sentence).
 */
int sweep_record_parse(const char *line, size_t len, struct sweep_record *r,
		       char **why);
void sweep_record_fini(struct sweep_record *r);

/* ---- lists on the command line ---- */

/*
 * Split "a,b,c" at the commas that are outside quotes and brackets
 * ("[1, 2]" and "\"a,b\"" stay whole); items are stripped of blanks.
 * @retval 0, or -EINVAL for an empty item (*bad: its position, from 1)
 */
int sweep_split(const char *s, GPtrArray *out, unsigned *bad);

/* ---- statistics (sweep_stats.c) ---- */

/* The p-quantile of Student's t distribution with df degrees of freedom
 * (df > 0, 0 < p < 1). */
double sweep_t_quantile(double p, double df);

struct sweep_summary {
	size_t n;
	double min, max, median, mean;
	double sd;		/* sample standard deviation (n - 1); NAN if n < 2 */
	double ci_lo, ci_hi;	/* 95% Student t interval of the mean; NAN if
				 * n < 2 */
};

/* Summarise v[0..n) (sorted in place). n may be 0: all NAN. */
void sweep_summarise(double *v, size_t n, struct sweep_summary *s);

/* The 95% Wilson score interval of k successes in n trials (n > 0). */
void sweep_wilson(size_t k, size_t n, double *lo, double *hi);

#endif
