/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the program's start, the boot of the simulated
 * kernel, and the host's loop around the run.
 *
 * A Zephyr test linked with the layer gets this main(). It makes the sim
 * (one x86-64-like CPU with an MMU, the seed from --seed), finds the
 * program's kernel objects (objects.c), fills in the application
 * partitions, starts the K_THREAD_DEFINE threads and the main thread,
 * which runs the ztest suites, and runs the sim. When a test stops making
 * progress (every thread waits for ever, or its fatal error handler
 * halted), the host aborts that test's threads and lets the run go on.
 *
 * Options: --json FILE (the summary), --filter SUITE[.CASE] (globs), --seed
 * N, --verbose, --list (the suites and tests, one SUITE.CASE a line).
 */
#include "zms.h"

#include <getopt.h>

struct zms_kernel zms;
ZMS_KDATA struct k_thread z_main_thread;
ZMS_KDATA K_THREAD_STACK_DEFINE(z_main_stack, CONFIG_MAIN_STACK_SIZE);
extern char zms_arena_start[], zms_arena_end[];

extern const struct zms_static_thread __start_zms_static_threads[] __attribute__((weak));
extern const struct zms_static_thread __stop_zms_static_threads[] __attribute__((weak));
extern const struct ztest_unit_test __start_zms_ztest_tests[] __attribute__((weak));
extern const struct ztest_unit_test __stop_zms_ztest_tests[] __attribute__((weak));

static void keeper_main(struct ms_sim *sim, void *arg)
{
	(void)arg;
	ms_sys_sem_take(sim, zms.keeper_sem, MS_FOREVER);
}

static void main_thread(void *p1, void *p2, void *p3)
{
	(void)p1;
	(void)p2;
	(void)p3;
	zms_ztest_run();
}

static int start_keeper(void)
{
	struct ms_thread_attr attr;
	int ret;

	ret = ms_sys_object_alloc(zms.sim, MS_KOBJ_SEM, &zms.keeper_sem);
	if (ret == 0)
		ret = ms_sys_sem_init(zms.sim, zms.keeper_sem, 0, 1);
	if (ret)
		return ret;
	ms_thread_attr_init(&attr);
	attr.name = "zms-keeper";
	attr.priority = MS_PRIO_MAX;
	return ms_thread_create(zms.sim, &attr, keeper_main, NULL, &zms.keeper);
}

static int start_static_threads(void)
{
	for (const struct zms_static_thread *s = __start_zms_static_threads;
	     s && s < __stop_zms_static_threads; s++) {
		struct zms_thread *t = zms_thread_of(s->thread);
		int ret;

		g_strlcpy(s->thread->name, s->name, sizeof(s->thread->name));
		t->entry = s->entry;
		t->p1 = s->p1;
		t->p2 = s->p2;
		t->p3 = s->p3;
		t->prio = s->prio;
		t->options = s->options;
		t->stack = s->stack;
		t->stack_size = s->stack_size;
		t->kernel_only = s->kernel_only;
		t->delay = s->delay_ms < 0 ? MS_FOREVER :
			   zms_ticks(K_MSEC(s->delay_ms));
		ret = zms_thread_create_on(t, true);
		if (ret)
			return ret;
	}
	return 0;
}

static int boot(uint64_t seed)
{
	struct ms_config cfg;
	struct zms_thread *m;
	int ret;

	ms_config_init(&cfg);
	cfg.seed = seed;
	cfg.arch = MS_ARCH_MMU;
	cfg.mmu_max_partitions = CONFIG_MAX_DOMAIN_PARTITIONS;
	cfg.max_thread_indexes = CONFIG_MAX_THREAD_BYTES * 8;
	cfg.time_slice = 0;
	/* The program's partitions and kernel data become memsim's arena,
	 * in place: domains partition it, user threads reach only their
	 * domain's partitions of it. */
	cfg.arena_at = zms_arena_start;
	cfg.arena_size = (size_t)(zms_arena_end - zms_arena_start);
	zms.arena = zms_arena_start;
	ret = ms_sim_new(&cfg, &zms.sim);
	if (ret)
		return ret;
	ms_sim_set_fatal_hook(zms.sim, zms_fatal_hook, NULL);
	zms.objs = g_hash_table_new(g_direct_hash, g_direct_equal);
	zms.threads = g_hash_table_new(g_direct_hash, g_direct_equal);
	zms.by_tid = g_hash_table_new(g_direct_hash, g_direct_equal);
	ret = zms_obj_discover();
	if (ret < 0) {
		fprintf(stderr, "memsim-zephyr: cannot read this program's "
			"debug information (%s): build it with -g\n",
			g_strerror(-ret));
		return ret;
	}
	if ((ret = zms_app_parts_init()) || (ret = zms_domains_init()) ||
	    (ret = start_keeper()) || (ret = zms_obj_register_static()) ||
	    (ret = zms_heaps_init()))
		return ret;
	g_strlcpy(z_main_thread.name, "main", sizeof(z_main_thread.name));
	m = zms_thread_of(&z_main_thread);
	m->entry = main_thread;
	m->prio = CONFIG_MAIN_THREAD_PRIORITY;
	m->stack = z_main_stack;
	m->stack_size = K_THREAD_STACK_SIZEOF(z_main_stack);
	m->delay = MS_NO_WAIT;
	m->essential = true;
	ret = zms_thread_create_on(m, true);
	if (ret)
		return ret;
	return start_static_threads();
}

static const char *status_why(enum ms_run_status st)
{
	switch (st) {
	case MS_RUN_DEADLOCK:
		return "hung: every thread waits for ever";
	case MS_RUN_TICK_LIMIT:
		return "hung: the simulated time limit was reached";
	default:
		return "halted: a fatal error its handler did not accept";
	}
}

/* Run until the main thread has run every suite. */
static int run(void)
{
	for (;;) {
		enum ms_run_status st;
		int ret = ms_sim_run(zms.sim);

		if (ret == -EFAULT) {
			const struct ms_fault *f =
				ms_sim_fault_get(zms.sim, ms_sim_fault_count(zms.sim) - 1);

			fprintf(stderr, "memsim-zephyr: the simulation panicked: "
				"%s\n", f ? f->detail : "?");
			return ret;
		}
		if (ret)
			return ret;
		if (zms_ztest_done())
			return 0;
		st = ms_sim_status(zms.sim);
		if (st == MS_RUN_DONE)
			return 0;
		if (!zms.case_running) {
			fprintf(stderr, "memsim-zephyr: the run stopped outside a "
				"test: %s\n", status_why(st));
			return -EDEADLK;
		}
		if (!zms.case_ended)
			zms_ztest_case_hung(zms.halted ?
					    status_why(MS_RUN_STOPPED) :
					    status_why(st));
		zms.halted = false;
		zms.case_ended = false;
		zms_threads_abort_case();
		ms_thread_abort(zms.sim, zms_thread_of(&ztest_thread)->tid);
	}
}

static void list_tests(void)
{
	for (const struct ztest_unit_test *t = __start_zms_ztest_tests;
	     t && t < __stop_zms_ztest_tests; t++)
		printf("%s.%s\n", t->test_suite_name, t->name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "filter", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json = NULL;
	uint64_t seed = 1;
	int c, ret, status;

	while ((c = getopt_long(argc, argv, "j:f:s:vlh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'f':
			zms_filter = optarg;
			break;
		case 's': {
			char *end;

			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "%s: --seed: '%s' is not a "
					"number\n", argv[0], optarg);
				return 2;
			}
			break;
		}
		case 'v':
			zms.verbose = 1;
			break;
		case 'l':
			list_tests();
			return 0;
		case 'h':
			printf("usage: %s [--json FILE] [--filter SUITE[.CASE]] "
			       "[--seed N] [--verbose] [--list]\n", argv[0]);
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printk("*** Booting Zephyr OS on memsim %s (seed %" PRIu64 ") ***\n",
	       ms_version(), seed);
	ret = boot(seed);
	if (ret) {
		fprintf(stderr, "memsim-zephyr: boot failed: %s\n",
			g_strerror(-ret));
		return 3;
	}
	ret = run();
	status = zms_ztest_report(json);
	if (ret)
		status = 3;
	if (zms.keeper)
		ms_thread_abort(zms.sim, zms.keeper);
	ms_sim_free(zms.sim);
	return status;
}
