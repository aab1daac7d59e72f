/* SPDX-License-Identifier: MIT */
/*
 * memsim ztest DIR: build a Zephyr test directory with the host compiler
 * against memsim's Zephyr layer, and run it.
 *
 * DIR is what Zephyr's tests are: src/NAME.c (and headers), prj.conf,
 * testcase.yaml. The build goes to a cache folder (--cache, or
 * $XDG_CACHE_HOME/memsim/ztest/NAME-HASH): the configuration header from
 * the layer's defaults, prj.conf and the scenario's extra_configs; stubs
 * for the test's own syscalls; the layer's sources compiled with that
 * configuration (Zephyr compiles its kernel with the application's
 * configuration too); the test's sources; a linker script for its
 * application memory partitions. Objects are rebuilt only when their
 * inputs changed. Then the program runs every suite; the exit status is
 * 0 only if every test passed (1: a test failed; 2: bad input, or the test
 * does not build; 3: internal error).
 *
 * docs/zephyr.md is the user's guide.
 */
#include "ztest_cli.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/zephyr/build/gen.h"
#include "zms_paths.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

struct layout {
	char *layer;		/* has include/, src/, config/ */
	char *memsim_inc;
	char *libdir;
	bool build_tree;
};

struct ztest {
	char *dir;
	char *cache;
	char *gen, *obj;
	char *json, *filter, *seed, *scenario;
	gboolean verbose, list_scenarios, quiet_build;
	struct layout lay;
	GPtrArray *objects;	/* char *, all objects to link */
};

static void die_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("memsim ztest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Where the layer is: the source tree when this memsim is the one in the
 * build tree, the installed copy otherwise. */
static void find_layout(struct layout *l)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	char *root = g_strconcat(ZMS_BUILD_ROOT, "/", NULL);

	l->build_tree = exe && g_str_has_prefix(exe, root) &&
			g_file_test(ZMS_BUILD_LAYER "/src/main.c",
				    G_FILE_TEST_EXISTS);
	if (l->build_tree) {
		l->layer = g_strdup(ZMS_BUILD_LAYER);
		l->memsim_inc = g_strdup(ZMS_BUILD_MEMSIM_INC);
		l->libdir = g_strdup(ZMS_BUILD_LIBDIR);
	} else {
		l->layer = g_strdup(ZMS_INST_LAYER);
		l->memsim_inc = g_strdup(ZMS_INST_INC);
		l->libdir = g_strdup(ZMS_INST_LIBDIR);
	}
	g_free(exe);
	g_free(root);
}

static int run_argv(GPtrArray *argv, bool echo, char **out)
{
	GError *e = NULL;
	int status = 0;
	gchar *so = NULL, *se = NULL;

	g_ptr_array_add(argv, NULL);
	if (echo) {
		for (guint i = 0; argv->pdata[i]; i++)
			fprintf(stderr, "%s%s", i ? " " : "", (char *)argv->pdata[i]);
		fputc('\n', stderr);
	}
	if (!g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
			  NULL, NULL, &so, &se, &status, &e)) {
		fprintf(stderr, "memsim ztest: %s: %s\n", (char *)argv->pdata[0],
			e->message);
		g_error_free(e);
		return -1;
	}
	g_ptr_array_remove_index(argv, argv->len - 1);
	if (out) {
		*out = g_strconcat(so ? so : "", se ? se : "", NULL);
	} else {
		if (so)
			fputs(so, stdout);
		if (se)
			fputs(se, stderr);
	}
	g_free(so);
	g_free(se);
	return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

static void add_split(GPtrArray *argv, const char *flags)
{
	gchar **w = g_strsplit_set(flags, " \t", -1);

	for (int i = 0; w[i]; i++)
		if (*w[i])
			g_ptr_array_add(argv, g_strdup(w[i]));
	g_strfreev(w);
}

static time_t mtime_of(const char *path)
{
	GStatBuf st;

	return g_stat(path, &st) == 0 ? st.st_mtime : 0;
}

/* The newest mtime of the files below dir with a suffix (0: none). */
static time_t newest(const char *dir, const char *suffix, int depth)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	time_t t = 0;

	if (!d)
		return 0;
	while ((n = g_dir_read_name(d))) {
		gchar *p = g_build_filename(dir, n, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR)) {
			if (depth < 6)
				t = MAX(t, newest(p, suffix, depth + 1));
		} else if (!suffix || g_str_has_suffix(n, suffix)) {
			t = MAX(t, mtime_of(p));
		}
		g_free(p);
	}
	g_dir_close(d);
	return t;
}

static GPtrArray *list_sources(const char *dir)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;

	if (!d)
		return out;
	while ((n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".c"))
			g_ptr_array_add(out, g_build_filename(dir, n, NULL));
	g_dir_close(d);
	g_ptr_array_sort(out, (GCompareFunc)g_strcmp0);
	return out;
}

static void common_flags(struct ztest *z, GPtrArray *argv)
{
	gchar *srcdir = g_build_filename(z->dir, "src", NULL);
	gchar *incdir = g_build_filename(z->dir, "include", NULL);

	g_ptr_array_add(argv, g_strdup("-std=gnu11"));
	g_ptr_array_add(argv, g_strdup("-g"));
	g_ptr_array_add(argv, g_strdup("-O1"));
	g_ptr_array_add(argv, g_strdup("-fno-strict-aliasing"));
	g_ptr_array_add(argv, g_strdup("-fno-omit-frame-pointer"));
	g_ptr_array_add(argv, g_strdup("-fno-common"));
	g_ptr_array_add(argv, g_strdup("-D_GNU_SOURCE"));
	g_ptr_array_add(argv, g_strdup("-D__ZEPHYR__=1"));
	g_ptr_array_add(argv, g_strdup_printf("-I%s", z->gen));
	g_ptr_array_add(argv, g_strdup_printf("-I%s", srcdir));
	g_ptr_array_add(argv, g_strdup_printf("-I%s", incdir));
	g_ptr_array_add(argv, g_strdup_printf("-I%s/include", z->lay.layer));
	g_ptr_array_add(argv, g_strdup_printf("-I%s", z->lay.memsim_inc));
	g_free(srcdir);
	g_free(incdir);
}

/* Compile src into obj if it is missing or older than its inputs. */
static int compile(struct ztest *z, const char *src, const char *obj,
		   bool ours, time_t inputs)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	char *out = NULL;
	int ret;

	if (mtime_of(obj) && mtime_of(obj) >= MAX(inputs, mtime_of(src))) {
		g_ptr_array_free(argv, TRUE);
		return 0;
	}
	g_ptr_array_add(argv, g_strdup(ZMS_CC));
	common_flags(z, argv);
	if (ours) {
		add_split(argv, ZMS_DEP_CFLAGS);
		g_ptr_array_add(argv, g_strdup("-Wall"));
	} else {
		g_ptr_array_add(argv, g_strdup("-w"));
	}
	g_ptr_array_add(argv, g_strdup("-c"));
	g_ptr_array_add(argv, g_strdup(src));
	g_ptr_array_add(argv, g_strdup("-o"));
	g_ptr_array_add(argv, g_strdup(obj));
	ret = run_argv(argv, z->verbose, &out);
	if (ret != 0 || (out && *out && z->verbose))
		fputs(out ? out : "", stderr);
	g_clear_pointer(&out, g_free);
	g_ptr_array_set_size(argv, 0);
	if (ret == 0 && !ours) {
		/* The test's data is kernel memory: the linker script puts
		 * it in memsim's arena, outside every partition. */
		static const char *const renames[] = {
			".data=zms_kdata_data", ".bss=zms_kdata_bss",
			".data.rel.local=zms_kdata_drl", ".data.rel=zms_kdata_dr",
		};

		g_ptr_array_add(argv, g_strdup(ZMS_OBJCOPY));
		for (size_t i = 0; i < G_N_ELEMENTS(renames); i++) {
			g_ptr_array_add(argv, g_strdup("--rename-section"));
			g_ptr_array_add(argv, g_strdup(renames[i]));
		}
		g_ptr_array_add(argv, g_strdup(obj));
		ret = run_argv(argv, z->verbose, &out);
		if (ret)
			fputs(out ? out : "", stderr);
		g_free(out);
	}
	g_ptr_array_free(argv, TRUE);
	if (ret != 0)
		g_unlink(obj);
	return ret;
}

static int configure(struct ztest *z)
{
	struct zms_kconfig *k = zms_kconfig_new();
	GPtrArray *extra = g_ptr_array_new_with_free_func(g_free);
	gchar *defaults = g_build_filename(z->lay.layer, "config",
					   "defaults.conf", NULL);
	gchar *yaml = g_build_filename(z->dir, "testcase.yaml", NULL);
	gchar *conf_file = NULL, *prj, *hdr, *err = NULL;
	int ret;

	ret = zms_kconfig_load(k, defaults, false, &err);
	if (ret)
		goto out;
	if (z->scenario) {
		ret = zms_testcase_scenario(yaml, z->scenario, extra, &conf_file,
					    NULL, &err);
		if (ret)
			goto out;
	}
	prj = g_build_filename(z->dir, conf_file ? conf_file : "prj.conf", NULL);
	ret = zms_kconfig_load(k, prj, true, &err);
	g_free(prj);
	if (ret == -ENOENT && !conf_file) {
		g_clear_pointer(&err, g_free);
		ret = 0;	/* no prj.conf: the defaults */
	}
	for (guint i = 0; ret == 0 && i < extra->len; i++)
		ret = zms_kconfig_set(k, extra->pdata[i], z->scenario, 0, true,
				      &err);
	if (ret)
		goto out;
	hdr = g_build_filename(z->gen, "zephyr", "autoconf.h", NULL);
	g_mkdir_with_parents(z->gen, 0755);
	{
		gchar *d = g_path_get_dirname(hdr);

		g_mkdir_with_parents(d, 0755);
		g_free(d);
	}
	/* keep the header's mtime when nothing changed, so nothing rebuilds */
	{
		gchar *tmp = g_strconcat(hdr, ".new", NULL), *a = NULL, *b = NULL;
		gsize la = 0, lb = 0;

		ret = zms_kconfig_write(k, tmp, &err);
		if (ret == 0) {
			if (g_file_get_contents(tmp, &a, &la, NULL) &&
			    g_file_get_contents(hdr, &b, &lb, NULL) && la == lb &&
			    !memcmp(a, b, la))
				g_unlink(tmp);
			else
				g_rename(tmp, hdr);
		}
		g_free(a);
		g_free(b);
		g_free(tmp);
	}
	g_free(hdr);
out:
	if (ret)
		die_usage("%s", err ? err : g_strerror(-ret));
	g_free(err);
	g_free(conf_file);
	g_free(defaults);
	g_free(yaml);
	g_ptr_array_free(extra, TRUE);
	zms_kconfig_free(k);
	return ret;
}

static int build(struct ztest *z)
{
	gchar *srcdir = g_build_filename(z->dir, "src", NULL);
	gchar *laysrc = g_build_filename(z->lay.layer, "src", NULL);
	gchar *layinc = g_build_filename(z->lay.layer, "include", NULL);
	GPtrArray *tests = list_sources(srcdir), *layer = list_sources(laysrc);
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	gchar *err = NULL, *ld, *exe;
	unsigned nsys = 0;
	time_t test_in, layer_in;
	int ret;

	if (!tests->len) {
		die_usage("%s: no test sources (src/NAME.c)", z->dir);
		ret = EXIT_USAGE;
		goto out;
	}
	ret = zms_syscalls_generate(z->dir, z->gen, &nsys, &err);
	if (ret) {
		die_usage("%s", err);
		ret = EXIT_USAGE;
		goto out;
	}
	g_mkdir_with_parents(z->obj, 0755);
	/* the generated headers and marshallers are inputs; the linker
	 * script, written after the objects, is not */
	layer_in = MAX(newest(layinc, ".h", 0), newest(z->gen, ".h", 0));
	layer_in = MAX(layer_in, newest(z->gen, ".c", 0));
	layer_in = MAX(layer_in, newest(laysrc, ".h", 0));
	test_in = MAX(layer_in, newest(z->dir, ".h", 0));
	for (guint i = 0; i < layer->len; i++) {
		gchar *b = g_path_get_basename(layer->pdata[i]);
		gchar *o = g_strdup_printf("%s/zms_%s.o", z->obj, b);

		ret = compile(z, layer->pdata[i], o, true, layer_in);
		g_ptr_array_add(z->objects, o);
		g_free(b);
		if (ret) {
			fprintf(stderr, "memsim ztest: the layer did not build "
				"(%s)\n", (char *)layer->pdata[i]);
			ret = EXIT_INTERNAL;
			goto out;
		}
	}
	for (guint i = 0; i < tests->len; i++) {
		gchar *b = g_path_get_basename(tests->pdata[i]);
		gchar *o = g_strdup_printf("%s/t_%s.o", z->obj, b);

		ret = compile(z, tests->pdata[i], o, false, test_in);
		g_ptr_array_add(z->objects, o);
		g_free(b);
		if (ret) {
			fprintf(stderr, "memsim ztest: %s does not build\n",
				(char *)tests->pdata[i]);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	ret = zms_partitions_scan(z->objects, parts, &err);
	ld = g_build_filename(z->gen, "partitions.ld", NULL);
	if (ret == 0)
		ret = zms_linkscript_write(ld, parts, &err);
	if (ret) {
		die_usage("%s", err);
		g_free(ld);
		ret = EXIT_INTERNAL;
		goto out;
	}
	exe = g_build_filename(z->cache, "ztest.elf", NULL);
	{
		time_t newest_in = mtime_of(ld);

		for (guint i = 0; i < z->objects->len; i++)
			newest_in = MAX(newest_in, mtime_of(z->objects->pdata[i]));
		newest_in = MAX(newest_in, mtime_of(ZMS_BUILD_LIBDIR "/libmemsim.so"));
		if (mtime_of(exe) && mtime_of(exe) >= newest_in) {
			g_free(ld);
			g_free(exe);
			ret = 0;	/* up to date */
			goto out;
		}
	}
	g_ptr_array_add(argv, g_strdup(ZMS_CC));
	g_ptr_array_add(argv, g_strdup("-g"));
	g_ptr_array_add(argv, g_strdup("-o"));
	g_ptr_array_add(argv, g_strdup(exe));
	for (guint i = 0; i < z->objects->len; i++)
		g_ptr_array_add(argv, g_strdup(z->objects->pdata[i]));
	g_ptr_array_add(argv, g_strdup_printf("-Wl,-T,%s", ld));
	g_ptr_array_add(argv, g_strdup_printf("-L%s", z->lay.libdir));
	g_ptr_array_add(argv, g_strdup("-lmemsim"));
	if (z->lay.build_tree)
		g_ptr_array_add(argv, g_strdup_printf("-Wl,-rpath,%s",
						      z->lay.libdir));
	add_split(argv, ZMS_DEP_LIBS);
	{
		char *out = NULL;

		ret = run_argv(argv, z->verbose, &out);
		if (ret)
			fputs(out ? out : "", stderr);
		g_free(out);
	}
	g_free(ld);
	g_free(exe);
	if (ret) {
		fprintf(stderr, "memsim ztest: %s does not link\n", z->dir);
		ret = EXIT_USAGE;
	}
out:
	g_ptr_array_free(tests, TRUE);
	g_ptr_array_free(layer, TRUE);
	g_ptr_array_free(parts, TRUE);
	g_ptr_array_free(argv, TRUE);
	g_free(srcdir);
	g_free(laysrc);
	g_free(layinc);
	g_free(err);
	return ret;
}

static int run_test(struct ztest *z)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	gchar *exe = g_build_filename(z->cache, "ztest.elf", NULL);
	int status, ret;
	GError *e = NULL;

	g_ptr_array_add(argv, exe);
	if (z->json) {
		g_ptr_array_add(argv, g_strdup("--json"));
		g_ptr_array_add(argv, g_strdup(z->json));
	}
	if (z->filter) {
		g_ptr_array_add(argv, g_strdup("--filter"));
		g_ptr_array_add(argv, g_strdup(z->filter));
	}
	if (z->seed) {
		g_ptr_array_add(argv, g_strdup("--seed"));
		g_ptr_array_add(argv, g_strdup(z->seed));
	}
	if (z->verbose)
		g_ptr_array_add(argv, g_strdup("--verbose"));
	g_ptr_array_add(argv, NULL);
	fflush(stdout);
	if (!g_spawn_sync(NULL, (gchar **)argv->pdata, NULL,
			  G_SPAWN_CHILD_INHERITS_STDIN,
			  NULL, NULL, NULL, NULL, &status, &e)) {
		fprintf(stderr, "memsim ztest: %s: %s\n", exe, e->message);
		g_error_free(e);
		ret = EXIT_INTERNAL;
	} else if (WIFEXITED(status)) {
		ret = WEXITSTATUS(status);
	} else {
		fprintf(stderr, "memsim ztest: the test program died (signal %d)\n",
			WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		ret = EXIT_INTERNAL;
	}
	g_ptr_array_free(argv, TRUE);
	return ret;
}

static char *default_cache(const char *dir, const char *scenario)
{
	gchar *abs = g_canonicalize_filename(dir, NULL);
	gchar *key = g_strconcat(abs, "\n", scenario ? scenario : "", NULL);
	gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
	gchar *base = g_path_get_basename(abs);
	const char *env = g_getenv("MEMSIM_ZTEST_CACHE");
	gchar *name = g_strdup_printf("%s-%.12s", base, sum);
	gchar *out = env ? g_build_filename(env, name, NULL) :
		     g_build_filename(g_get_user_cache_dir(), "memsim", "ztest",
				      name, NULL);

	g_free(abs);
	g_free(key);
	g_free(sum);
	g_free(base);
	g_free(name);
	return out;
}

static int list_scenarios(struct ztest *z)
{
	gchar *yaml = g_build_filename(z->dir, "testcase.yaml", NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *cfg = g_ptr_array_new_with_free_func(g_free);
	gchar *err = NULL, *cf = NULL;
	int ret = zms_testcase_scenario(yaml, NULL, cfg, &cf, names, &err);

	if (ret)
		die_usage("%s", err);
	for (guint i = 0; i < names->len; i++)
		printf("%s\n", (char *)names->pdata[i]);
	g_free(err);
	g_free(cf);
	g_free(yaml);
	g_ptr_array_free(names, TRUE);
	g_ptr_array_free(cfg, TRUE);
	return ret ? EXIT_USAGE : EXIT_PASS;
}

int ms_cli_ztest(int argc, char **argv)
{
	struct ztest z = { 0 };
	GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_FILENAME, &z.json,
		  "Write the JSON summary (per test: result, faults) to FILE",
		  "FILE" },
		{ "filter", 'f', 0, G_OPTION_ARG_STRING, &z.filter,
		  "Run only SUITE or SUITE.CASE (globs: * ?)", "SUITE.CASE" },
		{ "seed", 's', 0, G_OPTION_ARG_STRING, &z.seed,
		  "Seed of the simulation (default 1)", "N" },
		{ "scenario", 0, 0, G_OPTION_ARG_STRING, &z.scenario,
		  "Apply this testcase.yaml scenario's extra_configs", "NAME" },
		{ "list-scenarios", 0, 0, G_OPTION_ARG_NONE, &z.list_scenarios,
		  "List testcase.yaml's scenarios and exit", NULL },
		{ "cache", 0, 0, G_OPTION_ARG_FILENAME, &z.cache,
		  "Build in DIR (default: a folder per test under "
		  "$XDG_CACHE_HOME/memsim/ztest)", "DIR" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &z.verbose,
		  "Show the compiler commands and the layer's notes", NULL },
		{ NULL },
	};
	GOptionContext *ctx = g_option_context_new("DIR");
	GError *e = NULL;
	int ret;

	g_option_context_set_summary(ctx,
		"Build a Zephyr test directory (src/*.c, prj.conf, testcase.yaml)\n"
		"against memsim's Zephyr layer and run its ztest suites.\n"
		"Exit status: 0 every test passed, 1 a test failed, 2 bad input\n"
		"or the test does not build, 3 internal error.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
		die_usage("%s", e->message);
		g_error_free(e);
		g_option_context_free(ctx);
		return EXIT_USAGE;
	}
	g_option_context_free(ctx);
	if (argc != 2) {
		die_usage(argc < 2 ? "no test directory given" :
			  "one test directory at a time");
		return EXIT_USAGE;
	}
	z.dir = g_canonicalize_filename(argv[1], NULL);
	if (!g_file_test(z.dir, G_FILE_TEST_IS_DIR)) {
		die_usage("%s: not a directory", argv[1]);
		ret = EXIT_USAGE;
		goto out;
	}
	if (z.seed) {
		guint64 v;

		if (!g_ascii_string_to_unsigned(z.seed, 10, 0, G_MAXUINT64, &v,
						&e)) {
			die_usage("--seed: %s", e->message);
			g_error_free(e);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	if (z.list_scenarios) {
		ret = list_scenarios(&z);
		goto out;
	}
	find_layout(&z.lay);
	if (!z.cache)
		z.cache = default_cache(z.dir, z.scenario);
	z.gen = g_build_filename(z.cache, "gen", NULL);
	z.obj = g_build_filename(z.cache, "obj", NULL);
	z.objects = g_ptr_array_new_with_free_func(g_free);
	if (g_mkdir_with_parents(z.cache, 0755)) {
		die_usage("%s: %s", z.cache, g_strerror(errno));
		ret = EXIT_USAGE;
		goto out;
	}
	ret = configure(&z) ? EXIT_USAGE : build(&z);
	if (ret == 0)
		ret = run_test(&z);
out:
	g_free(z.dir);
	g_free(z.cache);
	g_free(z.gen);
	g_free(z.obj);
	g_free(z.json);
	g_free(z.filter);
	g_free(z.seed);
	g_free(z.scenario);
	g_free(z.lay.layer);
	g_free(z.lay.memsim_inc);
	g_free(z.lay.libdir);
	if (z.objects)
		g_ptr_array_free(z.objects, TRUE);
	return ret;
}
