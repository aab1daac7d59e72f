/* SPDX-License-Identifier: MIT */
/*
 * memsim sweep: one scenario over a grid of seeds, quota policies, IPC
 * accounting modes and scenario parameters (--set), one JSON Lines record
 * per run, in worker processes.
 *
 * The grid is the product of four axes, in this order (the last varies
 * fastest): parameter points (the --set lists, the first key outermost),
 * policies, modes, seeds. A run's grid index is its place in that order;
 * a shard (--shard I/N) is a contiguous slice of it, cut as Zephyr's
 * twister cuts --subset; records are written in grid index order whatever
 * the number of jobs, so that the shards of a grid, concatenated in shard
 * order, are the unsharded sweep, byte for byte (with --no-host).
 *
 * The parent loads and validates everything (every parameter point is
 * loaded, with its overrides, before the first run), then forks --jobs
 * workers that inherit the loaded scenarios. It hands each worker one
 * grid index at a time through a pipe and reads back one record line;
 * a worker that dies (a host crash: memsim catches what simulated threads
 * do) costs its run an error record, and another worker takes its place.
 * Each worker runs one simulation at a time on its one host thread.
 *
 * Host time is read only for the progress line and each record's "host"
 * field, which --no-host leaves out.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include <memsim/memsim.h>

#include "sweep.h"

enum {
	EXIT_PASS = 0,
	EXIT_EXPECT = 1,
	EXIT_USAGE = 2,
	EXIT_INTERNAL = 3,
};

/* The largest grid a sweep takes: ten million runs (about 20 bytes of
 * bookkeeping each in the parent). */
#define GRID_MAX ((uint64_t)10000000)
/* Records held back waiting for an earlier one, at most, per job. */
#define WINDOW_PER_JOB 256

struct point {
	struct ms_scenario *sc;
	const char **vals;	/* one value per --set key */
};

struct sweep {
	/* options */
	gchar *seeds_str, *policies_str, *modes_str, *shard_str, *out_path;
	gchar *policy_str, *mode_str;
	gchar **sets, **extra_metrics;
	gint jobs;
	gboolean resume, no_host, no_baseline, quiet, strict;

	/* the grid */
	const char *scenario_path;
	GArray *seeds;		/* uint64_t */
	GPtrArray *policies;	/* char * */
	GPtrArray *modes;	/* char *, or one NULL */
	GPtrArray *set_keys;	/* char * */
	GPtrArray *set_lists;	/* GPtrArray * of char * */
	GArray *points;		/* struct point */
	uint64_t size;		/* runs in the grid */
	uint64_t first, end;	/* this shard: [first, end) */

	/* the output */
	FILE *out;
	bool *done;		/* [end - first]: already in the file */
};

static volatile sig_atomic_t stop_signal;

#define usage_error(...) sweep_usage_error("sweep", __VA_ARGS__)

/* ---- the axes -------------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	guint64 v;

	if (!g_ascii_string_to_unsigned(s, 10, 0, max, &v, NULL))
		return false;
	*out = v;
	return true;
}

/* "1..1000", "1,2,5", "1..10,100": seeds, each once. */
static int parse_seeds(struct sweep *s)
{
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	GHashTable *seen = g_hash_table_new_full(g_int64_hash, g_int64_equal,
						 g_free, NULL);
	unsigned bad;
	int ret = EXIT_USAGE;

	if (sweep_split(s->seeds_str, items, &bad) < 0) {
		usage_error("--seeds: item %u of '%s' is empty", bad,
			    s->seeds_str);
		goto out;
	}
	for (guint i = 0; i < items->len; i++) {
		const char *it = items->pdata[i];
		const char *dots = strstr(it, "..");
		uint64_t lo, hi;

		if (dots) {
			gchar *a = g_strndup(it, (gsize)(dots - it));
			bool ok = parse_u64(g_strstrip(a), INT64_MAX, &lo) &&
				  parse_u64(dots + 2, INT64_MAX, &hi);

			g_free(a);
			if (!ok || hi < lo) {
				usage_error("--seeds: '%s' is not a range "
					    "FIRST..LAST of seeds 0 to %" PRId64,
					    it, INT64_MAX);
				goto out;
			}
		} else if (parse_u64(it, INT64_MAX, &lo)) {
			hi = lo;
		} else {
			usage_error("--seeds: '%s' is not a seed (an integer "
				    "0 to %" PRId64 ") or a range FIRST..LAST",
				    it, INT64_MAX);
			goto out;
		}
		if (hi - lo >= GRID_MAX || s->seeds->len + (hi - lo) >= GRID_MAX) {
			usage_error("--seeds: more than %" PRIu64 " seeds",
				    GRID_MAX);
			goto out;
		}
		for (uint64_t v = lo;; v++) {
			gint64 *k = g_new(gint64, 1);

			*k = (gint64)v;
			if (!g_hash_table_add(seen, k)) {
				usage_error("--seeds: seed %" PRIu64 " is "
					    "listed twice", v);
				goto out;
			}
			g_array_append_val(s->seeds, v);
			if (v == hi)
				break;
		}
	}
	ret = EXIT_PASS;
out:
	g_hash_table_destroy(seen);
	g_ptr_array_free(items, TRUE);
	return ret;
}

/* A comma-separated list of names, each once. */
static int parse_names(const char *list, const char *opt, GPtrArray *out)
{
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	unsigned bad;
	int ret = EXIT_USAGE;

	if (sweep_split(list, items, &bad) < 0) {
		usage_error("%s: item %u of '%s' is empty", opt, bad, list);
		goto out;
	}
	for (guint i = 0; i < items->len; i++) {
		for (guint k = 0; k < i; k++)
			if (!strcmp(items->pdata[i], items->pdata[k])) {
				usage_error("%s: '%s' is listed twice", opt,
					    (char *)items->pdata[i]);
				goto out;
			}
		g_ptr_array_add(out, g_strdup(items->pdata[i]));
	}
	ret = EXIT_PASS;
out:
	g_ptr_array_free(items, TRUE);
	return ret;
}

/* --set KEY=V1,V2,...: each key once, each value once per key. */
static int parse_sets(struct sweep *s)
{
	for (gchar **p = s->sets; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		GPtrArray *vals = g_ptr_array_new_with_free_func(g_free);
		gchar *key;
		unsigned bad;

		g_ptr_array_add(s->set_lists, vals);
		if (!eq || eq == *p) {
			usage_error("--set: '%s' is not KEY=VALUE[,VALUE...]",
				    *p);
			return EXIT_USAGE;
		}
		key = g_strstrip(g_strndup(*p, (gsize)(eq - *p)));
		g_ptr_array_add(s->set_keys, key);
		for (guint i = 0; i + 1 < s->set_keys->len; i++)
			if (!strcmp(s->set_keys->pdata[i], key)) {
				usage_error("--set: key '%s' is given twice "
					    "(list its values in one --set "
					    "%s=A,B,...)", key, key);
				return EXIT_USAGE;
			}
		if (sweep_split(eq + 1, vals, &bad) < 0) {
			usage_error("--set %s: value %u of '%s' is empty", key,
				    bad, eq + 1);
			return EXIT_USAGE;
		}
		for (guint i = 0; i < vals->len; i++)
			for (guint k = 0; k < i; k++)
				if (!strcmp(vals->pdata[i], vals->pdata[k])) {
					usage_error("--set %s: value '%s' is "
						    "listed twice", key,
						    (char *)vals->pdata[i]);
					return EXIT_USAGE;
				}
	}
	return EXIT_PASS;
}

static int load_error(const char *path, int ret,
		      const struct ms_scenario_error *err)
{
	if (ret == -ENOMEM) {
		fprintf(stderr, "memsim: %s: out of memory\n", path);
		return EXIT_INTERNAL;
	}
	if (err->text[0])
		fputs(err->text, stderr);
	else
		fprintf(stderr, "memsim: %s: %s\n", path, g_strerror(-ret));
	return EXIT_USAGE;
}

/*
 * Every parameter point, loaded with its overrides: a bad key or value is
 * refused here, by the loader, before anything runs.
 */
static int load_points(struct sweep *s)
{
	size_t nk = s->set_keys->len;
	uint64_t npoints = 1;
	g_autofree size_t *digit = g_new0(size_t, nk + 1);

	for (size_t k = 0; k < nk; k++) {
		npoints *= ((GPtrArray *)s->set_lists->pdata[k])->len;
		if (npoints > GRID_MAX / MAX(1u, s->seeds->len)) {
			usage_error("the grid has more than %" PRIu64 " runs",
				    GRID_MAX);
			return EXIT_USAGE;
		}
	}
	for (uint64_t p = 0; p < npoints; p++) {
		struct point pt = { 0 };
		g_autofree struct ms_scenario_override *ov =
			g_new0(struct ms_scenario_override, nk + 1);
		struct ms_scenario_error err = { 0 };
		int ret;

		pt.vals = g_new0(const char *, nk + 1);
		for (size_t k = 0; k < nk; k++) {
			GPtrArray *l = s->set_lists->pdata[k];

			pt.vals[k] = l->pdata[digit[k]];
			ov[k].key = s->set_keys->pdata[k];
			ov[k].value = pt.vals[k];
		}
		ret = ms_scenario_load_file_overrides(s->scenario_path, ov, nk,
						      &pt.sc, &err);
		g_array_append_val(s->points, pt);
		if (ret)
			return load_error(s->scenario_path, ret, &err);
		/* the next point: the last key varies fastest */
		for (size_t k = nk; k-- > 0;) {
			if (++digit[k] < ((GPtrArray *)s->set_lists->pdata[k])->len)
				break;
			digit[k] = 0;
		}
	}
	return EXIT_PASS;
}

/* The registered IPC accounting modes. */
static GPtrArray *registered_modes(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct ms_config cfg;
	struct ms_sim *sim;

	ms_config_init(&cfg);
	if (ms_sim_new(&cfg, &sim) == 0) {
		for (size_t i = 0; i < ms_ipc_mode_count(sim); i++)
			g_ptr_array_add(names,
					g_strdup(ms_ipc_mode_at(sim, i)->name));
		ms_sim_free(sim);
	}
	return names;
}

static bool listed(GPtrArray *names, const char *name)
{
	for (guint i = 0; i < names->len; i++)
		if (!g_strcmp0(names->pdata[i], name))
			return true;
	return false;
}

/*
 * The policy and mode axes, as memsim compare takes them: an axis named on
 * the command line is used as given; an axis not named takes every entry
 * the scenario names when the other is not named either, else only the
 * scenario's first. Every policy must be one the scenario names (at every
 * parameter point), every mode a registered one.
 */
static int axes(struct sweep *s)
{
	const struct ms_scenario *sc = g_array_index(s->points, struct point,
						     0).sc;
	size_t np = ms_scenario_policy_count(sc);
	size_t nm = ms_scenario_ipc_mode_count(sc);
	GPtrArray *known;
	int ret;

	if (s->policies_str) {
		ret = parse_names(s->policies_str, "--policies", s->policies);
		if (ret)
			return ret;
	} else {
		for (size_t i = 0; i < (s->modes_str ? 1 : np); i++)
			g_ptr_array_add(s->policies,
					g_strdup(ms_scenario_policy(sc, i)));
	}
	if (s->modes_str) {
		ret = parse_names(s->modes_str, "--modes", s->modes);
		if (ret)
			return ret;
	} else {
		for (size_t i = 0; i < (s->policies_str ? MIN(nm, 1) : nm); i++)
			g_ptr_array_add(s->modes,
					g_strdup(ms_scenario_ipc_mode(sc, i)));
		if (!s->modes->len)
			g_ptr_array_add(s->modes, NULL);
	}
	for (guint p = 0; p < s->points->len; p++) {
		const struct point *pt = &g_array_index(s->points,
							struct point, p);

		for (guint i = 0; i < s->policies->len; i++) {
			const char *pol = s->policies->pdata[i];
			bool found = false;

			for (size_t k = 0;
			     k < ms_scenario_policy_count(pt->sc); k++)
				found |= !strcmp(pol,
						 ms_scenario_policy(pt->sc, k));
			if (found)
				continue;
			fprintf(stderr, "%s: policy '%s' is not one the "
				"scenario names ([quota] policy or policies)",
				s->scenario_path, pol);
			for (size_t k = 0; k < s->set_keys->len; k++)
				fprintf(stderr, "%s%s=%s", k ? ", " :
					" with --set ",
					(char *)s->set_keys->pdata[k],
					pt->vals[k]);
			fputc('\n', stderr);
			return EXIT_USAGE;
		}
	}
	known = registered_modes();
	for (guint i = 0; i < s->modes->len; i++) {
		GString *list;

		if (!s->modes->pdata[i] || listed(known, s->modes->pdata[i]))
			continue;
		list = g_string_new(NULL);
		for (guint k = 0; k < known->len; k++)
			g_string_append_printf(list, "%s%s", k ? ", " : "",
					       (char *)known->pdata[k]);
		fprintf(stderr, "%s: unknown IPC mode '%s'\n  hint: modes: "
			"%s\n", s->scenario_path, (char *)s->modes->pdata[i],
			list->str);
		g_string_free(list, TRUE);
		g_ptr_array_free(known, TRUE);
		return EXIT_USAGE;
	}
	g_ptr_array_free(known, TRUE);
	return EXIT_PASS;
}

/* "I/N", 1 <= I <= N: the I-th of N contiguous slices (twister's
 * --subset: the first size % N slices have one run more). */
static int shard(struct sweep *s)
{
	uint64_t i = 1, n = 1, per, extra;
	const char *slash;

	s->first = 0;
	s->end = s->size;
	if (!s->shard_str)
		return EXIT_PASS;
	slash = strchr(s->shard_str, '/');
	if (slash) {
		gchar *a = g_strndup(s->shard_str,
				     (gsize)(slash - s->shard_str));
		bool ok = parse_u64(a, UINT32_MAX, &i) &&
			  parse_u64(slash + 1, UINT32_MAX, &n);

		g_free(a);
		if (ok && n >= 1 && i >= 1 && i <= n)
			goto cut;
	}
	usage_error("--shard: '%s' is not I/N with 1 <= I <= N (the I-th of "
		    "N slices, as twister's --subset)", s->shard_str);
	return EXIT_USAGE;
cut:
	per = s->size / n;
	extra = s->size % n;
	if (i <= extra) {
		s->first = (i - 1) * (per + 1);
		s->end = s->first + per + 1;
	} else {
		s->first = extra * (per + 1) + (i - 1 - extra) * per;
		s->end = s->first + per;
	}
	return EXIT_PASS;
}

/* ---- one run ------------------------------------------------------------------ */

struct cell {
	const struct point *pt;
	const char *policy, *mode;
	uint64_t seed;
};

static void cell_of(const struct sweep *s, uint64_t index, struct cell *c)
{
	uint64_t ns = s->seeds->len, nm = s->modes->len;
	uint64_t np = s->policies->len;

	c->seed = g_array_index(s->seeds, uint64_t, index % ns);
	c->mode = s->modes->pdata[(index / ns) % nm];
	c->policy = s->policies->pdata[(index / ns / nm) % np];
	c->pt = &g_array_index(s->points, struct point, index / ns / nm / np);
}

static char *key_id_of(const struct sweep *s, const struct cell *c)
{
	struct sweep_key k = {
		.seed = c->seed,
		.policy = c->policy,
		.mode = c->mode,
		.n_set = s->set_keys->len,
		.set_keys = (const char *const *)s->set_keys->pdata,
		.set_vals = c->pt->vals,
	};

	return sweep_key_id(&k);
}

static void record_head(const struct sweep *s, uint64_t index,
			const struct cell *c, GString *o)
{
	g_string_append(o, "{\"schema\":\"" SWEEP_SCHEMA "\",\"index\":");
	g_string_append_printf(o, "%" PRIu64 ",\"scenario\":", index);
	sweep_json_str(o, ms_scenario_name(c->pt->sc));
	g_string_append(o, ",\"key\":{\"seed\":");
	g_string_append_printf(o, "%" PRIu64 ",\"policy\":", c->seed);
	sweep_json_str(o, c->policy);
	g_string_append(o, ",\"mode\":");
	sweep_json_str(o, c->mode);
	g_string_append(o, ",\"set\":{");
	for (guint k = 0; k < s->set_keys->len; k++) {
		if (k)
			g_string_append_c(o, ',');
		sweep_json_str(o, s->set_keys->pdata[k]);
		g_string_append_c(o, ':');
		sweep_json_str(o, c->pt->vals[k]);
	}
	g_string_append(o, "}}");
}

static void error_record(const struct sweep *s, uint64_t index,
			 const char *why, GString *o)
{
	struct cell c;
	gchar *msg = g_strstrip(g_strdup(why));

	cell_of(s, index, &c);
	record_head(s, index, &c, o);
	g_string_append(o, ",\"error\":");
	sweep_json_str(o, msg);
	g_string_append(o, "}\n");
	g_free(msg);
}

static void metric_u64(GString *o, const char *name, bool has, uint64_t v)
{
	g_string_append_printf(o, ",\"%s\":", name);
	if (has)
		g_string_append_printf(o, "%" PRIu64, v);
	else
		g_string_append(o, "null");
}

static void metric_double(GString *o, const char *name, bool has, double v)
{
	g_string_append_printf(o, ",\"%s\":", name);
	sweep_json_double(o, has ? v : NAN);
}

static int run_error(const struct sweep *s, uint64_t index, int ret,
		     const struct ms_scenario_error *err, GString *o)
{
	gchar *why = err->text[0] ? g_strdup(err->text) :
		     g_strdup_printf("the run failed: %s", g_strerror(-ret));

	error_record(s, index, why, o);
	g_free(why);
	return 'E';
}

/* One run and its record. 'P' (every expectation held), 'F' or 'E'. */
static int run_cell(const struct sweep *s, uint64_t index, GString *o)
{
	struct ms_scenario_run_opts opts;
	struct ms_scenario_error err = { 0 };
	struct ms_scenario_result *res = NULL, *base = NULL;
	const struct ms_scenario_metrics *m;
	enum ms_verdict verdict;
	double slowdown = NAN, wall;
	struct cell c;
	bool ok;
	int ret;

	cell_of(s, index, &c);
	ms_scenario_run_opts_init(&opts);
	opts.policy = c.policy;
	opts.ipc_mode = c.mode;
	opts.seed_set = true;
	opts.seed = c.seed;
	ret = ms_scenario_run(c.pt->sc, &opts, &res, &err);
	if (ret)
		return run_error(s, index, ret, &err, o);
	/* the baseline for victim slowdown, as memsim compare makes it */
	if (!s->no_baseline && ms_scenario_has_attackers(c.pt->sc) &&
	    res->metrics.has_victims) {
		opts.without_attackers = true;
		ret = ms_scenario_run(c.pt->sc, &opts, &base, &err);
		if (ret) {
			ms_scenario_result_free(res);
			return run_error(s, index, ret, &err, o);
		}
	}
	verdict = ms_report_verdict(res, base);
	if (ms_report_victim_slowdown(res, base, &slowdown) < 0)
		slowdown = NAN;
	ok = ms_scenario_result_ok(res);
	m = &res->metrics;

	record_head(s, index, &c, o);
	g_string_append(o, ",\"status\":");
	sweep_json_str(o, ms_run_status_name(res->status));
	g_string_append(o, ",\"ipc_mode\":");
	sweep_json_str(o, res->ipc_mode);
	g_string_append_printf(o, ",\"event_hash\":\"0x%016" PRIx64 "\"",
			       res->event_hash);
	g_string_append(o, ",\"verdict\":");
	sweep_json_str(o, ms_verdict_name(verdict));
	g_string_append_printf(o, ",\"ok\":%s,\"metrics\":{",
			       ok ? "true" : "false");
	/* the first without its comma */
	g_string_append(o, "\"victim_success\":");
	sweep_json_double(o, m->has_victims ? m->victim_success : NAN);
	metric_double(o, "attacker_share", m->has_attackers,
		      m->attacker_share);
	metric_u64(o, "attacker_peak_bytes", m->has_attackers,
		   m->attacker_peak_bytes);
	metric_u64(o, "exhausted", true, m->exhausted);
	metric_u64(o, "time_to_exhaustion", m->exhausted,
		   m->time_to_exhaustion);
	metric_u64(o, "collateral_denials", true, m->collateral_denials);
	metric_u64(o, "victim_completion_tick",
		   m->has_victims && m->victim_completion_tick,
		   m->victim_completion_tick);
	metric_double(o, "victim_slowdown", isfinite(slowdown), slowdown);
	metric_u64(o, "heap_peak", true, res->heap_peak);
	metric_u64(o, "final_tick", true, res->final_tick);
	metric_u64(o, "events", true, res->event_count);
	metric_u64(o, "faults", true, res->n_faults);
	for (gchar **x = s->extra_metrics; x && *x; x++) {
		double v;

		g_string_append_c(o, ',');
		sweep_json_str(o, *x);
		g_string_append_c(o, ':');
		sweep_json_double(o, ms_scenario_result_metric(res, *x, &v) ?
				  NAN : v);
	}
	g_string_append(o, "},\"expect\":[");
	for (size_t i = 0; i < res->n_expects; i++) {
		const struct ms_scenario_expect_result *x = &res->expects[i];

		g_string_append(o, i ? ",{\"text\":" : "{\"text\":");
		sweep_json_str(o, x->text);
		g_string_append_printf(o, ",\"line\":%u,\"pass\":%s,"
				       "\"actual\":", x->line,
				       x->pass ? "true" : "false");
		sweep_json_double(o, x->actual);
		g_string_append_c(o, '}');
	}
	g_string_append_c(o, ']');
	if (!s->no_host) {
		wall = res->host.wall_seconds +
		       (base ? base->host.wall_seconds : 0.0);
		g_string_append(o, ",\"host\":{\"wall_seconds\":");
		sweep_json_double(o, wall);
		g_string_append_printf(o, ",\"max_rss_kib\":%" PRIu64 "}",
				       res->host.max_rss_kib);
	}
	g_string_append(o, "}\n");
	ms_scenario_result_free(base);
	ms_scenario_result_free(res);
	return ok ? 'P' : 'F';
}

/* ---- workers ----------------------------------------------------------------- */

struct worker {
	pid_t pid;
	int cmd;		/* parent writes grid indices */
	int res;		/* parent reads "<P|F|E><record>\n" */
	int64_t busy;		/* the todo position it runs, or -1 */
	GString *buf;
};

/* All n bytes through a pipe, in (read) or out (write); false at its end
 * or on an error. */
static bool pipe_all(int fd, void *p, size_t n, bool out)
{
	char *c = p;

	while (n) {
		ssize_t k = out ? write(fd, c, n) : read(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

static G_GNUC_NORETURN void worker_main(const struct sweep *s, int cmd,
					int res)
{
	GString *o = g_string_new(NULL);
	uint64_t index;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	while (pipe_all(cmd, &index, sizeof(index), false)) {
		int st;

		g_string_truncate(o, 0);
		g_string_append_c(o, ' ');
		st = run_cell(s, index, o);
		o->str[0] = (char)st;
		if (!pipe_all(res, o->str, o->len, true))
			break;
	}
	/* _exit: the parent's stdio buffers and atexit handlers are not
	 * ours to run */
	_exit(0);
}

static int worker_start(const struct sweep *s, struct worker *w,
			struct worker *all, size_t n_all)
{
	int cmd[2], res[2];
	pid_t pid;

	if (pipe(cmd) < 0)
		return -errno;
	if (pipe(res) < 0) {
		int e = errno;

		close(cmd[0]);
		close(cmd[1]);
		return -e;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(cmd[0]);
		close(cmd[1]);
		close(res[0]);
		close(res[1]);
		return -e;
	}
	if (pid == 0) {
		/* the other workers' pipes are the parent's, not ours: a
		 * worker holding them would hide another's end of file */
		for (size_t i = 0; i < n_all; i++)
			if (all[i].pid > 0) {
				close(all[i].cmd);
				close(all[i].res);
			}
		close(cmd[1]);
		close(res[0]);
		worker_main(s, cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	w->pid = pid;
	w->cmd = cmd[1];
	w->res = res[0];
	w->busy = -1;
	g_string_truncate(w->buf, 0);
	return 0;
}

/* Close a worker's pipes and reap it; its exit status as a sentence. */
static char *worker_reap(struct worker *w, bool kill_it)
{
	int status = 0;
	char *why;

	close(w->cmd);
	close(w->res);
	if (kill_it)
		kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		why = g_strdup_printf("the worker process died of signal %d "
				      "(%s)", WTERMSIG(status),
				      g_strsignal(WTERMSIG(status)));
	else
		why = g_strdup_printf("the worker process exited with status "
				      "%d", WEXITSTATUS(status));
	w->pid = 0;
	return why;
}

/* ---- the sweep ------------------------------------------------------------------ */

struct progress {
	bool on;
	gint64 start, last;
	uint64_t done, failed, total;
	bool shown;
};

static void progress_draw(struct progress *p, bool force)
{
	gint64 now;
	double left;

	if (!p->on)
		return;
	now = g_get_monotonic_time();
	if (!force && now - p->last < 250 * 1000)
		return;
	p->last = now;
	fprintf(stderr, "\r\033[Kmemsim sweep: %" PRIu64 " of %" PRIu64
		" runs, %" PRIu64 " failed", p->done, p->total, p->failed);
	if (p->done) {
		left = (double)(now - p->start) / 1e6 / (double)p->done *
		       (double)(p->total - p->done);
		fprintf(stderr, ", %d:%02d left", (int)(left / 60),
			(int)left % 60);
	}
	fflush(stderr);
	p->shown = true;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Records already in the output file (--resume): each must be a run of
 * this grid and shard, each once. A last line without its newline (a
 * killed sweep) is cut off.
 */
static int read_done(struct sweep *s, uint64_t *n_done)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	size_t keep, line = 0;
	int ret = EXIT_USAGE;

	*n_done = 0;
	if (!g_file_get_contents(s->out_path, &text, &len, &gerr)) {
		bool absent = gerr->code == G_FILE_ERROR_NOENT;

		if (!absent)
			fprintf(stderr, "memsim sweep: --resume: %s\n",
				gerr->message);
		g_error_free(gerr);
		return absent ? EXIT_PASS : EXIT_USAGE;
	}
	keep = len;
	while (keep && text[keep - 1] != '\n')
		keep--;
	if (keep < len) {
		if (!s->quiet)
			fprintf(stderr, "memsim sweep: %s: dropping a "
				"half-written last record (%zu bytes)\n",
				s->out_path, len - keep);
		if (truncate(s->out_path, (off_t)keep) < 0) {
			fprintf(stderr, "memsim sweep: %s: %s\n", s->out_path,
				g_strerror(errno));
			return EXIT_INTERNAL;
		}
	}
	for (size_t at = 0; at < keep;) {
		const char *nl = memchr(text + at, '\n', keep - at);
		size_t n = (size_t)(nl - (text + at));
		struct sweep_record r;
		char *why = NULL;
		struct cell c;

		line++;
		if (sweep_record_parse(text + at, n, &r, &why) < 0) {
			fprintf(stderr, "%s:%zu: %s\n", s->out_path, line, why);
			g_free(why);
			sweep_record_fini(&r);
			return EXIT_USAGE;
		}
		if ((uint64_t)r.index < s->first || (uint64_t)r.index >= s->end) {
			fprintf(stderr, "%s:%zu: grid index %" PRId64 " is not "
				"in this sweep%s (runs %" PRIu64 " to %" PRIu64
				")\n", s->out_path, line, r.index,
				s->shard_str ? "'s shard" : "", s->first,
				s->end - 1);
			goto bad;
		}
		cell_of(s, (uint64_t)r.index, &c);
		{
			g_autofree char *id = key_id_of(s, &c);

			if (strcmp(id, r.id) != 0) {
				fprintf(stderr, "%s:%zu: the record's key is "
					"not grid index %" PRId64 "'s: the "
					"file is from another sweep\n",
					s->out_path, line, r.index);
				goto bad;
			}
		}
		if (s->done[r.index - (int64_t)s->first]) {
			fprintf(stderr, "%s:%zu: grid index %" PRId64 " is "
				"there twice\n", s->out_path, line, r.index);
			goto bad;
		}
		s->done[r.index - (int64_t)s->first] = true;
		(*n_done)++;
		sweep_record_fini(&r);
		at += n + 1;
		continue;
bad:
		sweep_record_fini(&r);
		return ret;
	}
	return EXIT_PASS;
}

static int run_grid(struct sweep *s)
{
	uint64_t n = s->end - s->first, n_todo = 0, n_done = 0;
	g_autofree uint64_t *todo = NULL;
	g_autofree char **pending = NULL;
	g_autofree struct worker *w = NULL;
	struct progress pr = { 0 };
	uint64_t next = 0, written = 0, window, errors = 0, failed = 0;
	size_t jobs;
	int ret = EXIT_PASS;
	struct sigaction sa = { 0 }, old_int, old_term, old_pipe;

	if (s->resume) {
		ret = read_done(s, &n_done);
		if (ret)
			return ret;
	}
	todo = g_new(uint64_t, n - n_done + 1);
	for (uint64_t i = 0; i < n; i++)
		if (!s->done[i])
			todo[n_todo++] = s->first + i;
	if (s->out_path) {
		s->out = fopen(s->out_path, s->resume ? "a" : "w");
		if (!s->out) {
			fprintf(stderr, "memsim sweep: cannot write '%s': %s\n",
				s->out_path, g_strerror(errno));
			return EXIT_USAGE;
		}
	} else {
		s->out = stdout;
	}
	if (!n_todo)
		goto close;

	jobs = (size_t)MIN((uint64_t)s->jobs, n_todo);
	window = (uint64_t)jobs * WINDOW_PER_JOB;
	pending = g_new0(char *, n_todo);
	w = g_new0(struct worker, jobs);
	pr.on = !s->quiet && isatty(STDERR_FILENO);
	pr.start = pr.last = g_get_monotonic_time();
	pr.total = n_todo;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);

	for (size_t i = 0; i < jobs; i++) {
		w[i].buf = g_string_new(NULL);
		if (worker_start(s, &w[i], w, jobs) < 0) {
			fprintf(stderr, "memsim sweep: cannot start a worker "
				"process: %s\n", g_strerror(errno));
			ret = EXIT_INTERNAL;
			goto stop;
		}
	}

	while (written < n_todo && !stop_signal) {
		g_autofree struct pollfd *pfd = g_new0(struct pollfd, jobs);
		size_t np = 0;

		/* hand out runs, no further than the window ahead of the
		 * first record not yet written */
		for (size_t i = 0; i < jobs; i++) {
			if (w[i].pid <= 0 || w[i].busy >= 0 || next >= n_todo ||
			    next >= written + window)
				continue;
			if (!pipe_all(w[i].cmd, &todo[next], sizeof(uint64_t), true)) {
				/* it died idle: its end of file comes next */
				continue;
			}
			w[i].busy = (int64_t)next++;
		}
		for (size_t i = 0; i < jobs; i++) {
			if (w[i].pid <= 0)
				continue;
			pfd[np].fd = w[i].res;
			pfd[np].events = POLLIN;
			np++;
		}
		if (poll(pfd, np, 250) < 0 && errno != EINTR) {
			fprintf(stderr, "memsim sweep: poll: %s\n",
				g_strerror(errno));
			ret = EXIT_INTERNAL;
			goto stop;
		}
		for (size_t i = 0, k = 0; i < jobs; i++) {
			char chunk[65536];
			ssize_t r;
			char *nl;

			if (w[i].pid <= 0)
				continue;
			if (!(pfd[k++].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(w[i].res, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r > 0) {
				g_string_append_len(w[i].buf, chunk, r);
				nl = memchr(w[i].buf->str, '\n', w[i].buf->len);
				if (!nl || w[i].busy < 0)
					continue;
				/* one run, one line */
				pending[w[i].busy] = g_strndup(w[i].buf->str,
					(gsize)(nl - w[i].buf->str) + 1);
				g_string_erase(w[i].buf, 0,
					       nl - w[i].buf->str + 1);
				w[i].busy = -1;
				continue;
			}
			/* end of file: the worker is gone */
			{
				int64_t pos = w[i].busy;
				g_autofree char *why = worker_reap(&w[i], true);

				if (pos >= 0) {
					GString *o = g_string_new("E");

					error_record(s, todo[pos], why, o);
					pending[pos] = g_string_free(o, FALSE);
				}
				if (next < n_todo &&
				    worker_start(s, &w[i], w, jobs) < 0) {
					fprintf(stderr, "memsim sweep: cannot "
						"start a worker process: %s\n",
						g_strerror(errno));
					ret = EXIT_INTERNAL;
					goto stop;
				}
			}
		}
		/* write what is complete, in grid order */
		while (written < n_todo && pending[written]) {
			char *line = pending[written];

			errors += line[0] == 'E';
			failed += line[0] != 'P';
			if (fputs(line + 1, s->out) < 0 || fflush(s->out)) {
				fprintf(stderr, "memsim sweep: writing %s: "
					"%s\n", s->out_path ? s->out_path :
					"standard output", g_strerror(errno));
				g_free(line);
				pending[written] = NULL;
				ret = EXIT_INTERNAL;
				goto stop;
			}
			g_free(line);
			pending[written++] = NULL;
			pr.done = written;
			pr.failed = failed;
		}
		progress_draw(&pr, false);
		if (written < n_todo && next >= n_todo) {
			bool any = false;

			for (size_t i = 0; i < jobs; i++)
				any |= w[i].pid > 0;
			if (!any) {
				fprintf(stderr, "memsim sweep: every worker "
					"died\n");
				ret = EXIT_INTERNAL;
				goto stop;
			}
		}
	}
stop:
	for (size_t i = 0; w && i < jobs; i++) {
		if (w[i].pid > 0)
			g_free(worker_reap(&w[i], ret != EXIT_PASS ||
					   stop_signal));
		if (w[i].buf)
			g_string_free(w[i].buf, TRUE);
	}
	for (uint64_t i = 0; pending && i < n_todo; i++)
		g_free(pending[i]);
	if (pr.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (stop_signal) {
		fprintf(stderr, "memsim sweep: stopped by signal %d after %"
			PRIu64 " of %" PRIu64 " runs%s\n", (int)stop_signal,
			written, n_todo, s->out_path ?
			" (--resume goes on from there)" : "");
		ret = 128 + stop_signal;
	} else if (ret == EXIT_PASS && errors) {
		fprintf(stderr, "memsim sweep: %" PRIu64 " of %" PRIu64
			" runs failed (their records say why)\n", errors,
			n_todo);
		ret = EXIT_INTERNAL;
	} else if (ret == EXIT_PASS && s->strict && failed) {
		ret = EXIT_EXPECT;
	}
close:
	if (s->out && s->out != stdout && fclose(s->out) && !ret) {
		fprintf(stderr, "memsim sweep: writing %s: %s\n", s->out_path,
			g_strerror(errno));
		ret = EXIT_INTERNAL;
	} else if (s->out == stdout && fflush(stdout) && !ret) {
		ret = EXIT_INTERNAL;
	}
	s->out = NULL;
	return ret;
}

static void sweep_free(struct sweep *s)
{
	for (guint i = 0; s->points && i < s->points->len; i++) {
		struct point *pt = &g_array_index(s->points, struct point, i);

		ms_scenario_free(pt->sc);
		g_free(pt->vals);
	}
	if (s->points)
		g_array_free(s->points, TRUE);
	if (s->seeds)
		g_array_free(s->seeds, TRUE);
	if (s->policies)
		g_ptr_array_free(s->policies, TRUE);
	if (s->modes)
		g_ptr_array_free(s->modes, TRUE);
	if (s->set_keys)
		g_ptr_array_free(s->set_keys, TRUE);
	if (s->set_lists)
		g_ptr_array_free(s->set_lists, TRUE);
	g_free(s->done);
	g_free(s->seeds_str);
	g_free(s->policies_str);
	g_free(s->policy_str);
	g_free(s->mode_str);
	g_free(s->modes_str);
	g_free(s->shard_str);
	g_free(s->out_path);
	g_strfreev(s->sets);
	g_strfreev(s->extra_metrics);
}

static const char sweep_summary[] =
	"Run the scenario over a grid of seeds, quota policies, IPC "
	"accounting modes\nand scenario parameters, one JSON Lines record "
	"per run (docs/sweep.md).\n"
	"\n"
	"The grid: parameter points (--set, the first key outermost), then "
	"policies,\nthen modes, then seeds (fastest). Records come in grid "
	"order whatever --jobs.";

static const char sweep_description[] =
	"Exit status:\n"
	"  0  every run of the grid (or shard) ran and has its record\n"
	"  1  --strict, and an expectation failed in some run (or a kernel "
	"panicked)\n"
	"  2  bad input or usage: the scenario, a --set key or value, an "
	"option\n"
	"  3  a run failed on the host (its record has \"error\"), or "
	"writing failed\n"
	"  128+N  stopped by signal N (--resume goes on from there)\n"
	"\n"
	"Examples:\n"
	"  memsim sweep scenarios/sweep/random-victims.toml --seeds 1..1000 "
	"--out runs.jsonl\n"
	"  memsim sweep scenarios/demo.toml --seeds 1..100 --policies "
	"count,bytes \\\n"
	"      --set kernel.heap_size=8KiB,16KiB --set quota.bytes.limit="
	"1KiB,2KiB\n"
	"  memsim sweep S.toml --seeds 1..1000 --shard 2/4 --out shard-2.jsonl "
	"--no-host\n"
	"  memsim sweep-report runs.jsonl --require "
	"'process:victim_success>=0.99@0.99'";

int ms_cli_sweep(int argc, char **argv)
{
	struct sweep s = { 0 };
	GOptionEntry entries[] = {
		{ "seeds", 's', 0, G_OPTION_ARG_STRING, &s.seeds_str,
		  "Seeds: a list and ranges, e.g. 1..1000 or 1,5,9 (default: "
		  "the scenario's)", "LIST" },
		{ "policies", 'P', 0, G_OPTION_ARG_STRING, &s.policies_str,
		  "Quota policies, comma-separated (default: as compare)",
		  "A,B,..." },
		{ "policy", 'p', 0, G_OPTION_ARG_STRING, &s.policy_str,
		  "The same as --policies", "A,B,..." },
		{ "modes", 'M', 0, G_OPTION_ARG_STRING, &s.modes_str,
		  "IPC accounting modes, comma-separated (default: as "
		  "compare)", "A,B,..." },
		{ "mode", 'm', 0, G_OPTION_ARG_STRING, &s.mode_str,
		  "The same as --modes", "A,B,..." },
		{ "set", 'S', 0, G_OPTION_ARG_STRING_ARRAY, &s.sets,
		  "A scenario parameter and its values, e.g. kernel.heap_size="
		  "8KiB,16KiB (repeatable: the grid is the product)",
		  "KEY=V1,V2,..." },
		{ "metric", 0, 0, G_OPTION_ARG_STRING_ARRAY, &s.extra_metrics,
		  "Record this metric too, as an expectation names it (e.g. "
		  "victim.denied; repeatable)", "NAME" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &s.jobs,
		  "Worker processes (default: the number of CPUs)", "N" },
		{ "shard", 0, 0, G_OPTION_ARG_STRING, &s.shard_str,
		  "Run the I-th of N slices of the grid (1-based, as twister's "
		  "--subset)", "I/N" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &s.out_path,
		  "Write the records to FILE (default: standard output)",
		  "FILE" },
		{ "resume", 0, 0, G_OPTION_ARG_NONE, &s.resume,
		  "Skip the runs whose records --out already holds, append "
		  "the rest", NULL },
		{ "no-host", 0, 0, G_OPTION_ARG_NONE, &s.no_host,
		  "Leave the host figures out: byte-identical records", NULL },
		{ "no-baseline", 0, 0, G_OPTION_ARG_NONE, &s.no_baseline,
		  "No second run without the attackers (no victim slowdown)",
		  NULL },
		{ "strict", 0, 0, G_OPTION_ARG_NONE, &s.strict,
		  "Exit 1 when an expectation failed in any run", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &s.quiet,
		  "No progress line and no notes on stderr", NULL },
		{ NULL },
	};
	int ret;

	s.jobs = -1;
	ret = sweep_parse_options("sweep", "SCENARIO.toml", sweep_summary,
				  sweep_description, entries, &argc, &argv);
	if (ret)
		goto out;
	if (argc < 2) {
		usage_error("no scenario given");
		ret = EXIT_USAGE;
		goto out;
	}
	if (argc > 2) {
		usage_error("one scenario, got '%s' too", argv[2]);
		ret = EXIT_USAGE;
		goto out;
	}
	if ((s.policy_str && s.policies_str) || (s.mode_str && s.modes_str)) {
		usage_error("give %s, not both", s.policy_str && s.policies_str ?
			    "--policy or --policies" : "--mode or --modes");
		ret = EXIT_USAGE;
		goto out;
	}
	if (s.policy_str) {
		s.policies_str = s.policy_str;
		s.policy_str = NULL;
	}
	if (s.mode_str) {
		s.modes_str = s.mode_str;
		s.mode_str = NULL;
	}
	if (s.jobs == -1)
		s.jobs = (gint)MAX(1u, g_get_num_processors());
	if (s.jobs < 1 || s.jobs > 1024) {
		usage_error("--jobs: %d is not 1 to 1024", s.jobs);
		ret = EXIT_USAGE;
		goto out;
	}
	if (s.resume && !s.out_path) {
		usage_error("--resume needs --out FILE (the records to go on "
			    "from)");
		ret = EXIT_USAGE;
		goto out;
	}
	s.scenario_path = argv[1];
	s.seeds = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	s.policies = g_ptr_array_new_with_free_func(g_free);
	s.modes = g_ptr_array_new_with_free_func(g_free);
	s.set_keys = g_ptr_array_new_with_free_func(g_free);
	s.set_lists = g_ptr_array_new_with_free_func(
		(GDestroyNotify)g_ptr_array_unref);
	s.points = g_array_new(FALSE, TRUE, sizeof(struct point));
	ret = s.seeds_str ? parse_seeds(&s) : EXIT_PASS;
	if (!ret)
		ret = parse_sets(&s);
	if (!ret)
		ret = load_points(&s);
	if (!ret && !s.seeds_str) {
		uint64_t seed = ms_scenario_seed(
			g_array_index(s.points, struct point, 0).sc);

		g_array_append_val(s.seeds, seed);
	}
	if (!ret)
		ret = axes(&s);
	if (ret)
		goto out;
	s.size = (uint64_t)s.points->len * s.policies->len * s.modes->len;
	if (s.size > GRID_MAX / s.seeds->len) {
		usage_error("the grid has more than %" PRIu64 " runs",
			    GRID_MAX);
		ret = EXIT_USAGE;
		goto out;
	}
	s.size *= s.seeds->len;
	ret = shard(&s);
	if (ret)
		goto out;
	s.done = g_new0(bool, s.end - s.first + 1);
	ret = run_grid(&s);
out:
	sweep_free(&s);
	return ret;
}
