/* SPDX-License-Identifier: MIT */
/*
 * memsim: the command-line program.
 *
 *   memsim [run] SCENARIO.toml      run under one policy, print the report
 *   memsim check SCENARIO.toml      validate only
 *   memsim compare SCENARIO.toml    every policy (or IPC accounting mode),
 *                                   same scenario and seed
 *   memsim list-policies            the quota policies and IPC modes built in
 *
 * The program is a thin client of the library: the scenario API loads and
 * runs, the report API writes. What it adds is the contract with shells
 * and CI: exit codes (0 every expectation held, 1 one failed or the kernel
 * panicked, 2 bad input or usage, 3 internal error), errors on stderr as
 * "file:line:column: message" with a hint, and outputs that are
 * byte-identical between runs once host figures are left out (--no-host).
 * Host time is read here only to decide whether to show a progress line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include <memsim/memsim.h>

#include "ztest_cli.h"
#include "sweep.h"

#if __has_include(<memsim/quota.h>)
#include <memsim/quota.h>
#define HAVE_QUOTA_REGISTRY 1
#else
#define HAVE_QUOTA_REGISTRY 0
#endif

enum {
	EXIT_PASS = 0,		/* ran, every expectation held */
	EXIT_EXPECT = 1,	/* an expectation failed (or a panic) */
	EXIT_USAGE = 2,		/* bad input or usage */
	EXIT_INTERNAL = 3,	/* internal error */
};

struct cli {
	/* options */
	gchar *seed_str;
	gchar *policy;
	gchar *policies;
	gchar *mode;
	gchar *modes;
	gchar *devpol;		/* --device-policy */
	gchar *devpols;		/* --device-policies */
	gchar *json;
	gchar *csv;
	gchar *trace;
	gchar *svg;
	gboolean quiet;
	gboolean verbose;
	gboolean version;
	gboolean no_host;

	/* derived */
	const char *devpol_now;	/* the device policy of the next run */
	bool seed_set;
	uint64_t seed;
	FILE *json_f, *csv_f, *trace_f, *svg_f;
	bool stdout_taken;	/* --json - or --csv -: no text report */

	/* progress line */
	bool progress;
	const char *progress_label;
	gint64 run_start;
	gint64 last_progress;
	bool progress_shown;
};

static const char summary[] =
	"Run memory-protection and resource-accounting scenarios on a "
	"simulated\nRTOS kernel, and compare quota policies under attack.\n"
	"\n"
	"Commands:\n"
	"  run SCENARIO.toml        run it under one policy and print the "
	"report\n"
	"                           (the default: 'memsim SCENARIO.toml')\n"
	"  check SCENARIO.toml      validate the scenario without running it\n"
	"  compare SCENARIO.toml    run it under every policy it names (or "
	"those of\n"
	"                           --policies), or every IPC accounting mode "
	"(--modes),\n"
	"                           same seed, side by side\n"
	"  list-policies            the quota policies and IPC accounting "
	"modes memsim\n"
	"                           knows\n"
	"  sweep SCENARIO.toml      run it over a grid of seeds, policies "
	"and parameters\n"
	"  sweep-report FILE...     merge and summarise sweep records "
	"('memsim sweep --help')\n"
	"  ztest DIR                build and run a Zephyr test directory "
	"('memsim ztest --help')";

static const char description[] =
	"Exit status:\n"
	"  0  the scenario ran and every expectation held\n"
	"  1  an expectation failed (under any policy), or the simulated "
	"kernel panicked\n"
	"  2  bad input or usage (errors are printed as "
	"file:line:column: message)\n"
	"  3  internal error\n"
	"\n"
	"Examples:\n"
	"  memsim scenarios/demo.toml\n"
	"  memsim compare scenarios/demo.toml\n"
	"  memsim compare scenarios/demo.toml --policies bytes --svg heap.svg\n"
	"  memsim compare scenarios/ipc/ipc-modes.toml --modes "
	"sender-pays,fair-share\n"
	"  memsim scenarios/demo.toml --json - --no-host   # byte-identical "
	"between runs\n"
	"\n"
	"See docs/user-guide.md and docs/report-format.md.";

static void usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("memsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'memsim --help' for more information.\n", stderr);
}

/* ---- output files --------------------------------------------------------- */

static int open_output(const char *path, FILE **out, struct cli *c)
{
	if (!path)
		return 0;
	if (!strcmp(path, "-")) {
		*out = stdout;
		c->stdout_taken = true;
		return 0;
	}
	*out = fopen(path, "w");
	if (!*out) {
		fprintf(stderr, "memsim: cannot write '%s': %s\n", path,
			g_strerror(errno));
		return -errno;
	}
	return 0;
}

static int close_output(FILE *f, const char *path)
{
	if (!f || f == stdout)
		return 0;
	if (fclose(f) != 0) {
		fprintf(stderr, "memsim: writing '%s': %s\n", path,
			g_strerror(errno));
		return -EIO;
	}
	return 0;
}

static int open_outputs(struct cli *c)
{
	int dashes = 0;

	dashes += c->json && !strcmp(c->json, "-");
	dashes += c->csv && !strcmp(c->csv, "-");
	dashes += c->trace && !strcmp(c->trace, "-");
	dashes += c->svg && !strcmp(c->svg, "-");
	if (dashes > 1) {
		usage_error("only one output can go to standard output ('-')");
		return -EINVAL;
	}
	if (open_output(c->json, &c->json_f, c) < 0 ||
	    open_output(c->csv, &c->csv_f, c) < 0 ||
	    open_output(c->trace, &c->trace_f, c) < 0 ||
	    open_output(c->svg, &c->svg_f, c) < 0)
		return -EIO;
	return 0;
}

static int close_outputs(struct cli *c)
{
	int ret = 0;

	ret |= close_output(c->json_f, c->json);
	ret |= close_output(c->csv_f, c->csv);
	ret |= close_output(c->trace_f, c->trace);
	ret |= close_output(c->svg_f, c->svg);
	c->json_f = c->csv_f = c->trace_f = c->svg_f = NULL;
	return ret ? -EIO : 0;
}

/* ---- progress --------------------------------------------------------------- */

static void progress(void *user, uint64_t tick, uint64_t limit)
{
	struct cli *c = user;
	gint64 now = g_get_monotonic_time();

	/* only runs that last: a short run never draws anything */
	if (now - c->run_start < 700 * 1000 || now - c->last_progress < 100 * 1000)
		return;
	c->last_progress = now;
	if (limit)
		fprintf(stderr, "\r\033[Kmemsim: %s: tick %" PRIu64 " of %"
			PRIu64 " (%d%%)", c->progress_label, tick, limit,
			(int)(100.0 * (double)tick / (double)limit));
	else
		fprintf(stderr, "\r\033[Kmemsim: %s: tick %" PRIu64,
			c->progress_label, tick);
	fflush(stderr);
	c->progress_shown = true;
}

static void progress_done(struct cli *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		c->progress_shown = false;
	}
}

/* ---- scenario helpers --------------------------------------------------------- */

static int load(const char *path, struct ms_scenario **sc)
{
	struct ms_scenario_error err = { 0 };
	int ret = ms_scenario_load_file(path, sc, &err);

	if (ret == 0)
		return EXIT_PASS;
	if (ret == -EINVAL && err.text[0]) {
		fputs(err.text, stderr);
		return EXIT_USAGE;
	}
	if (ret == -ENOMEM) {
		fprintf(stderr, "memsim: %s: out of memory\n", path);
		return EXIT_INTERNAL;
	}
	fprintf(stderr, "memsim: %s: %s\n", path, g_strerror(-ret));
	return EXIT_USAGE;
}

static int run_one(struct cli *c, const struct ms_scenario *sc,
		   const char *policy, const char *mode, bool without_attackers,
		   struct ms_scenario_result **out)
{
	struct ms_scenario_run_opts opts;
	struct ms_scenario_error err = { 0 };
	char label[MS_SCENARIO_NAME_MAX + 32];
	int ret;

	ms_scenario_run_opts_init(&opts);
	opts.policy = policy;
	opts.ipc_mode = mode;
	opts.device_policy = c->devpol_now;
	opts.seed_set = c->seed_set;
	opts.seed = c->seed;
	opts.without_attackers = without_attackers;
	opts.keep_sim = c->trace != NULL && !without_attackers;
	if (c->progress) {
		g_snprintf(label, sizeof(label), "%s%s%s%s",
			   policy ? policy : ms_scenario_policy(sc, 0),
			   mode ? ", " : "", mode ? mode : "",
			   without_attackers ? " (baseline)" : "");
		c->progress_label = label;
		c->run_start = c->last_progress = g_get_monotonic_time();
		opts.progress = progress;
		opts.progress_user = c;
	}
	g_debug("running %s under policy %s%s%s%s", ms_scenario_file(sc),
		policy ? policy : ms_scenario_policy(sc, 0),
		mode ? ", IPC mode " : "", mode ? mode : "",
		without_attackers ? " without the attackers" : "");
	ret = ms_scenario_run(sc, &opts, out, &err);
	progress_done(c);
	if (ret == 0)
		return EXIT_PASS;
	if (ret == -EINVAL) {
		if (err.text[0])
			fputs(err.text, stderr);
		else
			fprintf(stderr, "memsim: %s: the simulation refused "
				"the scenario\n", ms_scenario_file(sc));
		return EXIT_USAGE;
	}
	fprintf(stderr, "memsim: internal error: running %s: %s\n",
		ms_scenario_file(sc), g_strerror(-ret));
	return EXIT_INTERNAL;
}

/* Write every requested output; 0 or EXIT_INTERNAL. */
static int write_outputs(struct cli *c, struct ms_report *rep)
{
	int ret = 0;

	if (!c->quiet && !c->stdout_taken)
		ret = ret ? ret : ms_report_write_text(rep, stdout);
	if (c->json_f)
		ret = ret ? ret : ms_report_write_json(rep, c->json_f);
	if (c->csv_f)
		ret = ret ? ret : ms_report_write_csv(rep, c->csv_f);
	if (c->trace_f)
		ret = ret ? ret : ms_report_write_trace(rep, c->trace_f);
	if (c->svg_f)
		ret = ret ? ret : ms_report_write_svg(rep, c->svg_f);
	if (close_outputs(c) < 0 && !ret)
		ret = -EIO;
	if (ret < 0) {
		fprintf(stderr, "memsim: writing the report: %s\n",
			g_strerror(-ret));
		return EXIT_INTERNAL;
	}
	return EXIT_PASS;
}

/* ---- policies ------------------------------------------------------------------ */

/* The registered policies, in registration order. */
static GPtrArray *known_policies(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
#if HAVE_QUOTA_REGISTRY
	struct ms_config cfg;
	struct ms_sim *sim;

	ms_config_init(&cfg);
	if (ms_sim_new(&cfg, &sim) == 0) {
		for (size_t i = 0; i < ms_quota_policy_count(sim); i++) {
			const struct ms_quota_ops *ops =
				ms_quota_policy_at(sim, i);

			g_ptr_array_add(names, g_strdup_printf("%s\t%s",
				ops->name, ops->summary ? ops->summary : ""));
		}
		ms_sim_free(sim);
	}
#endif
	if (!names->len) {
		static const char *const builtin[] = {
			"unlimited", "count", "bytes", "process", "pool",
		};

		for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++)
			g_ptr_array_add(names, g_strdup(builtin[i]));
	}
	return names;
}

/* The registered IPC accounting modes, "name\tsummary". */
static GPtrArray *known_modes(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct ms_config cfg;
	struct ms_sim *sim;

	ms_config_init(&cfg);
	if (ms_sim_new(&cfg, &sim) == 0) {
		for (size_t i = 0; i < ms_ipc_mode_count(sim); i++) {
			const struct ms_ipc_mode_ops *ops =
				ms_ipc_mode_at(sim, i);

			g_ptr_array_add(names, g_strdup_printf("%s\t%s",
				ops->name, ops->summary ? ops->summary : ""));
		}
		ms_sim_free(sim);
	}
	return names;
}

static void print_names(GPtrArray *names, size_t w)
{
	for (unsigned i = 0; i < names->len; i++) {
		const char *s = names->pdata[i];
		size_t n = strcspn(s, "\t");

		if (s[n])
			printf("%-*.*s  %s\n", (int)w, (int)n, s, s + n + 1);
		else
			printf("%s\n", s);
	}
}

/* The third axis: device policies of each kind ([device_policy]). */
static void list_device_policies(void)
{
	struct ms_config cfg;
	struct ms_sim *sim;

	ms_config_init(&cfg);
	if (ms_sim_new(&cfg, &sim))
		return;
	printf("\nDevice policies ([device_policy]; --device-policy, "
	       "--device-policies):\n");
	for (int k = 0; k < MS_DEVPOL__COUNT; k++) {
		printf("  %s:\n", ms_device_policy_kind_name(k));
		for (size_t i = 0; i < ms_device_policy_count(sim, k); i++) {
			const struct ms_device_policy_ops *o =
				ms_device_policy_at(sim, k, i);

			printf("    %-18s %s\n", o->name,
			       o->summary ? o->summary : "");
		}
	}
	ms_sim_free(sim);
}

static int cmd_list_policies(struct cli *c)
{
	GPtrArray *names = known_policies();
	GPtrArray *modes = known_modes();
	size_t w = 0;

	for (unsigned i = 0; i < names->len; i++)
		w = MAX(w, strcspn(names->pdata[i], "\t"));
	for (unsigned i = 0; i < modes->len; i++)
		w = MAX(w, strcspn(modes->pdata[i], "\t"));
	print_names(names, w);
	if (modes->len) {
		/* a second section: the other axis of memsim compare */
		printf("\nIPC accounting modes (--mode, --modes):\n");
		print_names(modes, w);
	}
	list_device_policies();
	g_ptr_array_free(names, TRUE);
	g_ptr_array_free(modes, TRUE);
	return fflush(stdout) ? EXIT_INTERNAL : EXIT_PASS;
}

/* ---- commands ------------------------------------------------------------------- */

static int cmd_check(struct cli *c, const char *path)
{
	struct ms_scenario *sc = NULL;
	struct ms_scenario_error err = { 0 };
	int ret = load(path, &sc);

	if (ret != EXIT_PASS)
		return ret;
	ret = ms_scenario_check(sc, &err);
	if (ret == -EINVAL) {
		fputs(err.text[0] ? err.text : "memsim: the scenario would not "
		      "run\n", stderr);
		ret = EXIT_USAGE;
	} else if (ret < 0) {
		fprintf(stderr, "memsim: internal error: checking %s: %s\n",
			path, g_strerror(-ret));
		ret = EXIT_INTERNAL;
	} else {
		if (!c->quiet) {
			printf("%s: ok: scenario %s, %zu actor%s, polic%s ",
			       path, ms_scenario_name(sc),
			       ms_scenario_actor_count(sc),
			       ms_scenario_actor_count(sc) == 1 ? "" : "s",
			       ms_scenario_policy_count(sc) == 1 ? "y" : "ies");
			for (size_t i = 0; i < ms_scenario_policy_count(sc); i++)
				printf("%s%s", i ? ", " : "",
				       ms_scenario_policy(sc, i));
			if (ms_scenario_ipc_mode_count(sc))
				printf("; IPC mode%s ",
				       ms_scenario_ipc_mode_count(sc) == 1 ?
				       "" : "s");
			for (size_t i = 0; i < ms_scenario_ipc_mode_count(sc);
			     i++)
				printf("%s%s", i ? ", " : "",
				       ms_scenario_ipc_mode(sc, i));
			printf("\n");
		}
		ret = EXIT_PASS;
	}
	ms_scenario_free(sc);
	return ret;
}

static int cmd_run(struct cli *c, const char *path)
{
	struct ms_scenario *sc = NULL;
	struct ms_scenario_result *res = NULL;
	struct ms_report *rep = NULL;
	int ret = load(path, &sc);

	if (ret != EXIT_PASS)
		return ret;
	if (open_outputs(c) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	c->devpol_now = c->devpol;
	ret = run_one(c, sc, c->policy, c->mode, false, &res);
	if (ret != EXIT_PASS)
		goto out;
	if (ms_report_new("run", &rep) < 0 || ms_report_add(rep, res, NULL) < 0) {
		fprintf(stderr, "memsim: internal error: out of memory\n");
		ret = EXIT_INTERNAL;
		goto out;
	}
	ms_report_set_scenario(rep, sc);
	ms_report_set_flags(rep, (c->no_host ? MS_REPORT_NO_HOST : 0) |
			    (c->verbose ? MS_REPORT_VERBOSE : 0));
	ret = write_outputs(c, rep);
	if (ret == EXIT_PASS && !ms_report_ok(rep))
		ret = EXIT_EXPECT;
out:
	close_outputs(c);
	ms_report_free(rep);
	ms_scenario_result_free(res);
	ms_scenario_free(sc);
	return ret;
}

/*
 * Split a comma-separated option into out. what names the option in
 * errors ("--policies"), thing what it lists ("policy").
 */
static int split_list(const char *list, const char *what, const char *thing,
		      GPtrArray *out)
{
	gchar **v = g_strsplit(list, ",", -1);
	int ret = EXIT_PASS;

	for (gchar **p = v; *p && ret == EXIT_PASS; p++) {
		g_strstrip(*p);
		if (!**p) {
			usage_error("%s: empty %s name in '%s'", what, thing,
				    list);
			ret = EXIT_USAGE;
			break;
		}
		for (unsigned i = 0; i < out->len; i++)
			if (!strcmp(out->pdata[i], *p)) {
				usage_error("%s: '%s' is listed twice", what,
					    *p);
				ret = EXIT_USAGE;
				break;
			}
		if (ret == EXIT_PASS)
			g_ptr_array_add(out, g_strdup(*p));
	}
	g_strfreev(v);
	return ret;
}

/*
 * The two axes of a comparison: quota policies and IPC accounting modes.
 * An axis named on the command line (--policies or --policy, --modes or
 * --mode) is compared as given; an axis not named takes every entry the
 * scenario names when the other axis is not named either, else only the
 * scenario's first. So `memsim compare` alone runs every combination the
 * scenario names (policies outer, modes inner), and `--modes` alone
 * compares modes under the scenario's first policy. A NULL mode stands for
 * the scenario's (or the library's default).
 */
static int compare_axes(struct cli *c, const struct ms_scenario *sc,
			GPtrArray *policies, GPtrArray *modes)
{
	const char *plist = c->policies ? c->policies : c->policy;
	const char *mlist = c->modes ? c->modes : c->mode;
	size_t np = ms_scenario_policy_count(sc);
	size_t nm = ms_scenario_ipc_mode_count(sc);
	int ret;

	if (plist) {
		ret = split_list(plist, "--policies", "policy", policies);
		if (ret != EXIT_PASS)
			return ret;
	} else {
		for (size_t i = 0; i < (mlist ? 1 : np); i++)
			g_ptr_array_add(policies,
					g_strdup(ms_scenario_policy(sc, i)));
	}
	if (mlist)
		return split_list(mlist, "--modes", "mode", modes);
	for (size_t i = 0; i < (plist ? MIN(nm, 1) : nm); i++)
		g_ptr_array_add(modes, g_strdup(ms_scenario_ipc_mode(sc, i)));
	if (!modes->len)
		g_ptr_array_add(modes, NULL);
	return EXIT_PASS;
}

/*
 * The third axis: the device-policy combinations of a scenario with
 * devices (--device-policies, --device-policy, else all it names); {NULL}
 * without devices.
 */
static int device_axis(struct cli *c, const struct ms_scenario *sc,
		       GPtrArray *out)
{
	const char *list = c->devpols ? c->devpols : c->devpol;

	if (list)
		return split_list(list, "--device-policies", "device policy",
				  out);
	for (size_t i = 0; i < ms_scenario_device_policy_count(sc); i++)
		g_ptr_array_add(out, g_strdup(ms_scenario_device_policy(sc, i)));
	if (!out->len)
		g_ptr_array_add(out, NULL);
	return EXIT_PASS;
}

static int cmd_compare(struct cli *c, const char *path)
{
	struct ms_scenario *sc = NULL;
	GPtrArray *policies = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *modes = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *devpols = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *results = g_ptr_array_new_with_free_func(
		(GDestroyNotify)ms_scenario_result_free);
	struct ms_report *rep = NULL;
	int ret = load(path, &sc);

	if (ret != EXIT_PASS)
		goto out;
	ret = compare_axes(c, sc, policies, modes);
	if (ret == EXIT_PASS)
		ret = device_axis(c, sc, devpols);
	if (ret != EXIT_PASS)
		goto out;
	if (open_outputs(c) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (ms_report_new("compare", &rep) < 0) {
		ret = EXIT_INTERNAL;
		goto out;
	}
	ms_report_set_scenario(rep, sc);
	ms_report_set_flags(rep, (c->no_host ? MS_REPORT_NO_HOST : 0) |
			    (c->verbose ? MS_REPORT_VERBOSE : 0));
	for (unsigned i = 0; i < policies->len * modes->len * devpols->len;
	     i++) {
		unsigned pm = i / devpols->len;
		const char *pol = policies->pdata[pm / modes->len];
		const char *mode = modes->pdata[pm % modes->len];
		struct ms_scenario_result *res = NULL, *base = NULL;

		c->devpol_now = devpols->pdata[i % devpols->len];
		ret = run_one(c, sc, pol, mode, false, &res);
		if (ret != EXIT_PASS)
			goto out;
		g_ptr_array_add(results, res);
		/* the baseline for victim slowdown: no attackers, same seed */
		if (ms_scenario_has_attackers(sc) && res->metrics.has_victims) {
			ret = run_one(c, sc, pol, mode, true, &base);
			if (ret != EXIT_PASS)
				goto out;
			g_ptr_array_add(results, base);
		}
		if (ms_report_add(rep, res, base) < 0) {
			ret = EXIT_INTERNAL;
			goto out;
		}
	}
	ret = write_outputs(c, rep);
	if (ret == EXIT_PASS && !ms_report_ok(rep))
		ret = EXIT_EXPECT;
out:
	close_outputs(c);
	ms_report_free(rep);
	g_ptr_array_free(results, TRUE);
	g_ptr_array_free(policies, TRUE);
	g_ptr_array_free(modes, TRUE);
	g_ptr_array_free(devpols, TRUE);
	ms_scenario_free(sc);
	return ret;
}

/* ---- main -------------------------------------------------------------------------- */

static const char *const commands[] = {
	"run", "check", "compare", "list-policies", "help",
};

static bool is_command(const char *s)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(s, commands[i]))
			return true;
	return false;
}

static int dispatch(struct cli *c, GOptionContext *ctx, int argc, char **argv)
{
	const char *cmd, *path;
	int first;

	if (argc < 2) {
		usage_error("no scenario given");
		return EXIT_USAGE;
	}
	if (is_command(argv[1])) {
		cmd = argv[1];
		first = 2;
	} else if (!strchr(argv[1], '.') && !strchr(argv[1], '/') &&
		   !g_file_test(argv[1], G_FILE_TEST_EXISTS)) {
		usage_error("unknown command '%s'", argv[1]);
		return EXIT_USAGE;
	} else {
		cmd = "run";
		first = 1;
	}

	if (!strcmp(cmd, "help")) {
		gchar *help = g_option_context_get_help(ctx, TRUE, NULL);

		fputs(help, stdout);
		g_free(help);
		return EXIT_PASS;
	}
	if (!strcmp(cmd, "list-policies")) {
		if (argc > first) {
			usage_error("list-policies takes no argument");
			return EXIT_USAGE;
		}
		return cmd_list_policies(c);
	}
	if (argc == first) {
		usage_error("%s: no scenario given", cmd);
		return EXIT_USAGE;
	}
	if (argc > first + 1) {
		usage_error("%s takes one scenario, got '%s' too", cmd,
			    argv[first + 1]);
		return EXIT_USAGE;
	}
	path = argv[first];

	if (c->policies && strcmp(cmd, "compare") != 0) {
		usage_error("--policies is for compare; use --policy to run "
			    "under one policy");
		return EXIT_USAGE;
	}
	if (c->modes && strcmp(cmd, "compare") != 0) {
		usage_error("--modes is for compare; use --mode to run under "
			    "one IPC accounting mode");
		return EXIT_USAGE;
	}
	if (c->devpols && strcmp(cmd, "compare") != 0) {
		usage_error("--device-policies is for compare; use "
			    "--device-policy to run under one");
		return EXIT_USAGE;
	}
	if (c->devpols && c->devpol) {
		usage_error("give --device-policy or --device-policies, not "
			    "both");
		return EXIT_USAGE;
	}
	if ((c->policies && c->policy) || (c->modes && c->mode)) {
		usage_error("give %s or %s, not both",
			    c->policies && c->policy ? "--policy" : "--mode",
			    c->policies && c->policy ? "--policies" :
			    "--modes");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "check")) {
		if (c->json || c->csv || c->trace || c->svg) {
			usage_error("check writes no report (--json, --csv, "
				    "--trace and --svg are for run and compare)");
			return EXIT_USAGE;
		}
		return cmd_check(c, path);
	}
	c->progress = !c->quiet && isatty(STDERR_FILENO);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(c, path);
	return cmd_run(c, path);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	GOptionEntry entries[] = {
		{ "seed", 's', 0, G_OPTION_ARG_STRING, &c.seed_str,
		  "Seed of the simulation (default: the scenario's)", "N" },
		{ "policy", 'p', 0, G_OPTION_ARG_STRING, &c.policy,
		  "Quota policy to run under (default: the scenario's first)",
		  "NAME" },
		{ "policies", 'P', 0, G_OPTION_ARG_STRING, &c.policies,
		  "compare: the policies, comma-separated", "A,B,..." },
		{ "mode", 'm', 0, G_OPTION_ARG_STRING, &c.mode,
		  "IPC accounting mode to run under (default: the scenario's "
		  "first)", "NAME" },
		{ "modes", 'M', 0, G_OPTION_ARG_STRING, &c.modes,
		  "compare: the IPC accounting modes, comma-separated",
		  "A,B,..." },
		{ "device-policy", 'D', 0, G_OPTION_ARG_STRING, &c.devpol,
		  "Device-policy combination to run under, as the scenario "
		  "labels it (default: its first)", "LABEL" },
		{ "device-policies", 0, 0, G_OPTION_ARG_STRING, &c.devpols,
		  "compare: the device-policy combinations, comma-separated",
		  "A,B,..." },
		{ "json", 'j', 0, G_OPTION_ARG_FILENAME, &c.json,
		  "Write the JSON report to FILE ('-': standard output, "
		  "instead of the text report)", "FILE" },
		{ "csv", 0, 0, G_OPTION_ARG_FILENAME, &c.csv,
		  "Write the time series (heap bytes per group) as CSV",
		  "FILE" },
		{ "trace", 't', 0, G_OPTION_ARG_FILENAME, &c.trace,
		  "Write a Chrome trace-event JSON (opens in Perfetto)",
		  "FILE" },
		{ "svg", 0, 0, G_OPTION_ARG_FILENAME, &c.svg,
		  "Write an SVG chart of heap use per group, a panel per "
		  "policy", "FILE" },
		{ "no-host", 0, 0, G_OPTION_ARG_NONE, &c.no_host,
		  "Leave host figures (wall time, RSS, backtraces) out: "
		  "byte-identical reports", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &c.quiet,
		  "No text report and no progress line; only the exit status "
		  "and errors", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &c.verbose,
		  "Debug messages on stderr; full backtraces in the report",
		  NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &c.version,
		  "Print the version and exit", NULL },
		{ NULL },
	};
	GOptionContext *ctx;
	GError *error = NULL;
	int ret;

	/* subcommands with options of their own (sim/sweep*.c, sim/ztest.c) */
	if (argc >= 2 && !strcmp(argv[1], "sweep"))
		return ms_cli_sweep(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sweep-report"))
		return ms_cli_sweep_report(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "ztest"))
		return ms_cli_ztest(argc - 1, argv + 1);
	ctx = g_option_context_new("[COMMAND] SCENARIO.toml");
	g_option_context_set_summary(ctx, summary);
	g_option_context_set_description(ctx, description);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		usage_error("%s", error->message);
		g_error_free(error);
		ret = EXIT_USAGE;
		goto out;
	}
	if (c.version) {
		printf("memsim %s\n", ms_version());
		ret = EXIT_PASS;
		goto out;
	}
	if (c.quiet && c.verbose) {
		usage_error("--quiet and --verbose exclude each other");
		ret = EXIT_USAGE;
		goto out;
	}
	if (c.verbose) {
#if GLIB_CHECK_VERSION(2, 72, 0)
		g_log_set_debug_enabled(TRUE);
#else
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
#endif
	}
	if (c.seed_str) {
		guint64 v;

		if (!g_ascii_string_to_unsigned(c.seed_str, 10, 0, G_MAXUINT64,
						&v, &error)) {
			usage_error("--seed: %s", error->message);
			g_error_free(error);
			ret = EXIT_USAGE;
			goto out;
		}
		c.seed = v;
		c.seed_set = true;
	}
	ret = dispatch(&c, ctx, argc, argv);
out:
	g_option_context_free(ctx);
	g_free(c.seed_str);
	g_free(c.policy);
	g_free(c.policies);
	g_free(c.mode);
	g_free(c.modes);
	g_free(c.devpol);
	g_free(c.devpols);
	g_free(c.json);
	g_free(c.csv);
	g_free(c.trace);
	g_free(c.svg);
	return ret;
}
