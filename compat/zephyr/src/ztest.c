/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the ztest runner.
 *
 * Runs on the main thread (z_main_thread, a supervisor thread of priority
 * CONFIG_MAIN_THREAD_PRIORITY), as Zephyr's ztest does: suites in name
 * order, each suite's tests in name order (Zephyr's linker sorts both);
 * per suite: the predicate, setup; per test: before, the test in a fresh
 * thread on ztest_thread (priority CONFIG_ZTEST_THREAD_PRIORITY; a user
 * thread for ZTEST_USER, inheriting the main thread's permissions), after;
 * then teardown.
 *
 * A test passes when its thread ends without a failed assertion: by
 * returning, by ztest_test_pass(), or by a fault its fatal error handler
 * accepted (the way Zephyr's negative tests pass: the handler returns and
 * the faulting thread is aborted). A fault the handler rejects
 * (k_fatal_halt) fails the test. A test that stops making progress (every
 * thread waits for ever) fails as hung; its threads are aborted and the
 * next test runs.
 *
 * Output is ztest's (START/PASS/FAIL/SKIP lines, the suite summary, the
 * final PROJECT EXECUTION line), with durations in simulated time; the
 * JSON summary adds each test's faults (kind, reason, thread, object,
 * detail, backtrace).
 */
#include "zms.h"

enum result { R_PENDING, R_PASS, R_FAIL, R_SKIP };

static const char *const result_names[] = { "pending", "pass", "fail", "skip" };
static const char *const result_caps[] = { "PENDING", "PASS", "FAIL", "SKIP" };

struct fault_rec {
	struct ms_fault f;
	bool accepted;
};

struct case_rec {
	const struct ztest_suite_node *suite;
	const struct ztest_unit_test *test;
	enum result result;
	bool expect_failed;
	char *why;		/* for hung or halted tests */
	uint64_t start, end;	/* ticks */
	GArray *faults;		/* struct fault_rec */
};

const char *zms_filter;
ZMS_KDATA struct k_thread ztest_thread;
ZMS_KDATA K_THREAD_STACK_DEFINE(ztest_thread_stack, CONFIG_ZTEST_STACK_SIZE);

static GPtrArray *cases;		/* struct case_rec *, in run order */
static jmp_buf *runner_jmp;		/* set while the runner runs test code */
static struct case_rec *current;
static bool run_done;

extern const struct ztest_suite_node __start_zms_ztest_suites[] __attribute__((weak));
extern const struct ztest_suite_node __stop_zms_ztest_suites[] __attribute__((weak));
extern const struct ztest_unit_test __start_zms_ztest_tests[] __attribute__((weak));
extern const struct ztest_unit_test __stop_zms_ztest_tests[] __attribute__((weak));

/* ---- ending a test ------------------------------------------------------- */

static FUNC_NORETURN void end_test(enum result r)
{
	ms_tid self = ms_thread_self(zms.sim);
	struct zms_thread *zt = g_hash_table_lookup(zms.threads, &ztest_thread);

	if (current && current->result == R_PENDING)
		current->result = r;
	if (runner_jmp && self == zms_thread_of(&z_main_thread)->tid)
		longjmp(*runner_jmp, 1);	/* setup, before, after, teardown */
	if (!zt || zt->tid != self) {
		/* Another thread ends the test: the case thread is aborted
		 * too (by the host, once the run stops), as Zephyr aborts
		 * the test thread. */
		zms.case_ended = true;
		ms_sim_stop(zms.sim);
	}
	ms_thread_abort(zms.sim, self);
	for (;;)
		;
}

void ztest_test_fail(void)
{
	end_test(R_FAIL);
}

void ztest_test_pass(void)
{
	end_test(R_PASS);
}

void ztest_test_skip(void)
{
	end_test(R_SKIP);
}

void zms_tc_end_report(int result)
{
	printk("%s\n", result == TC_PASS ? "PASS" :
		       result == TC_SKIP ? "SKIP" : "FAIL");
}

void ztest_simple_1cpu_before(void *data)
{
	(void)data;	/* one CPU: nothing to hold back */
}

void ztest_simple_1cpu_after(void *data)
{
	(void)data;
}

void z_test_1cpu_start(void)
{
}

void z_test_1cpu_stop(void)
{
}

void zms_assert_where(int kind, const char *file, int line, const char *func,
		      const char *what)
{
	static const char *const words[] = { "Assertion", "Assumption",
					     "Expectation" };

	printk("\n    %s failed at %s:%d: %s: %s\n", words[kind], file, line,
	       func, what);
}

void zms_assert_msg(const char *fmt, ...)
{
	va_list ap;

	if (!fmt)
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
}

void zms_assert_end(int kind)
{
	if (kind == ZMS_ASSUME)
		end_test(R_SKIP);
	end_test(R_FAIL);
}

void zms_expect_fail(void)
{
	if (current)
		current->expect_failed = true;
}

/* ---- called by the fatal hook and the host loop ----------------------------- */

void zms_ztest_note_fault(const struct ms_fault *f, bool accepted)
{
	struct fault_rec r;

	if (!current)
		return;
	r.f = *f;
	r.accepted = accepted;
	g_array_append_val(current->faults, r);
	if (!accepted) {
		current->result = R_FAIL;
		if (!current->why)
			current->why = g_strdup_printf(
				"unexpected fatal error (%s) in thread %u",
				ms_fault_kind_name(f->kind), f->tid);
	}
}

void zms_ztest_case_hung(const char *why)
{
	if (!current)
		return;
	if (current->result == R_PENDING || current->result == R_PASS) {
		current->result = R_FAIL;
		current->why = g_strdup(why);
	}
}

/* ---- the runner ---------------------------------------------------------------- */

static int cmp_suite(const void *a, const void *b)
{
	const struct ztest_suite_node *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int cmp_test(const void *a, const void *b)
{
	const struct ztest_unit_test *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static bool selected(const char *suite, const char *test)
{
	char *full;
	bool yes;

	if (!zms_filter || !*zms_filter)
		return true;
	if (!test)
		return !strchr(zms_filter, '.') ?
		       g_pattern_match_simple(zms_filter, suite) :
		       strncmp(zms_filter, suite, strlen(suite)) == 0 ||
		       strchr(zms_filter, '*') != NULL;
	full = g_strdup_printf("%s.%s", suite, test);
	yes = g_pattern_match_simple(zms_filter, full) ||
	      (!strchr(zms_filter, '.') &&
	       g_pattern_match_simple(zms_filter, suite));
	g_free(full);
	return yes;
}

static void case_entry(void *p1, void *p2, void *p3)
{
	const struct ztest_unit_test *test = p1;

	(void)p3;
	test->test(p2);
	if (current && current->result == R_PENDING)
		current->result = current->expect_failed ? R_FAIL : R_PASS;
}

static void print_duration(const char *word, const char *name, uint64_t ticks)
{
	uint64_t ms = ticks / (ZMS_TICKS_PER_SEC / 1000);

	printk(" %s - %s in %u.%03u seconds\n", word, name,
	       (unsigned)(ms / 1000), (unsigned)(ms % 1000));
}

/* Run a suite function on the runner: a failed assertion in it ends it. */
static void guarded_call(void (*fn)(void *), void *arg)
{
	jmp_buf jb, *outer = runner_jmp;

	runner_jmp = &jb;
	if (!setjmp(jb))
		fn(arg);
	runner_jmp = outer;
}

static void *setup_fn_;

static void call_setup(void *arg)
{
	void *(*setup)(void) = (void *(*)(void))arg;

	setup_fn_ = setup();
}

static void run_test(const struct ztest_suite_node *suite,
		     const struct ztest_unit_test *test, void *fixture)
{
	struct case_rec *c = g_new0(struct case_rec, 1);
	uint32_t opts = test->thread_options | K_INHERIT_PERMS;

	c->suite = suite;
	c->test = test;
	c->faults = g_array_new(FALSE, TRUE, sizeof(struct fault_rec));
	g_ptr_array_add(cases, c);
	current = c;
	c->start = ms_sim_now(zms.sim);
	printk("START - %s\n", test->name);
	zms.case_running = true;
	if (suite->before)
		guarded_call((void (*)(void *))suite->before, fixture);
	if (c->result == R_PENDING) {
		k_thread_create(&ztest_thread, ztest_thread_stack,
				K_THREAD_STACK_SIZEOF(ztest_thread_stack),
				case_entry, (void *)test, fixture, NULL,
				CONFIG_ZTEST_THREAD_PRIORITY, opts, K_NO_WAIT);
		k_thread_join(&ztest_thread, K_FOREVER);
	}
	zms.case_running = false;
	/* A failed test's threads would block the next one on the same
	 * thread objects: they go (those of a passing test stay, as on
	 * Zephyr). */
	if (c->result == R_FAIL || c->expect_failed)
		zms_threads_abort_case();
	zms_threads_case_done();
	if (suite->after && c->result != R_SKIP)
		guarded_call((void (*)(void *))suite->after, fixture);
	if (c->result == R_PENDING)
		c->result = c->expect_failed ? R_FAIL : R_PASS;
	if (c->result == R_PASS && c->expect_failed)
		c->result = R_FAIL;
	c->end = ms_sim_now(zms.sim);
	if (c->why)
		printk("    %s\n", c->why);
	print_duration(result_caps[c->result], test->name, c->end - c->start);
	printk("===================================================================\n");
	current = NULL;
}

static void skip_suite(const struct ztest_suite_node *suite,
		       const struct ztest_unit_test **tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct case_rec *c;

		if (strcmp(tests[i]->test_suite_name, suite->name) ||
		    !selected(suite->name, tests[i]->name))
			continue;
		c = g_new0(struct case_rec, 1);
		c->suite = suite;
		c->test = tests[i];
		c->result = R_SKIP;
		c->why = g_strdup("the suite's predicate is false");
		c->faults = g_array_new(FALSE, TRUE, sizeof(struct fault_rec));
		g_ptr_array_add(cases, c);
	}
}

void zms_ztest_run(void)
{
	size_t ns = (size_t)(__stop_zms_ztest_suites - __start_zms_ztest_suites);
	size_t nt = (size_t)(__stop_zms_ztest_tests - __start_zms_ztest_tests);
	const struct ztest_suite_node **suites = g_new0(const struct ztest_suite_node *, ns + 1);
	const struct ztest_unit_test **tests = g_new0(const struct ztest_unit_test *, nt + 1);

	cases = g_ptr_array_new();
	for (size_t i = 0; i < ns; i++)
		suites[i] = &__start_zms_ztest_suites[i];
	for (size_t i = 0; i < nt; i++)
		tests[i] = &__start_zms_ztest_tests[i];
	qsort(suites, ns, sizeof(*suites), cmp_suite);
	qsort(tests, nt, sizeof(*tests), cmp_test);
	for (size_t s = 0; s < ns; s++) {
		const struct ztest_suite_node *suite = suites[s];
		void *fixture = NULL;
		bool any = false;
		size_t first = cases->len;
		bool ok = true;

		for (size_t i = 0; i < nt; i++)
			if (!strcmp(tests[i]->test_suite_name, suite->name) &&
			    selected(suite->name, tests[i]->name))
				any = true;
		if (!any)
			continue;
		if (suite->predicate && !suite->predicate(NULL)) {
			skip_suite(suite, tests, nt);
			continue;
		}
		printk("Running TESTSUITE %s\n", suite->name);
		printk("===================================================================\n");
		if (suite->setup) {
			setup_fn_ = NULL;
			guarded_call(call_setup, (void *)suite->setup);
			fixture = setup_fn_;
		}
		for (size_t i = 0; i < nt; i++)
			if (!strcmp(tests[i]->test_suite_name, suite->name) &&
			    selected(suite->name, tests[i]->name))
				run_test(suite, tests[i], fixture);
		if (suite->teardown)
			guarded_call(suite->teardown, fixture);
		for (guint i = first; i < cases->len; i++)
			if (((struct case_rec *)cases->pdata[i])->result == R_FAIL)
				ok = false;
		printk("TESTSUITE %s %s\n", suite->name,
		       ok ? "succeeded" : "failed");
	}
	g_free(suites);
	g_free(tests);
	run_done = true;
}

bool zms_ztest_done(void)
{
	return run_done;
}

/* ---- the summary ---------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_fault(FILE *f, const struct fault_rec *r)
{
	struct zms_thread *t = zms_thread_by_tid(r->f.tid);

	fprintf(f, "{\"kind\": ");
	json_str(f, ms_fault_kind_name(r->f.kind));
	fprintf(f, ", \"reason\": %d, \"reason_name\": ", (int)r->f.reason);
	json_str(f, ms_fault_reason_name(r->f.reason));
	fprintf(f, ", \"accepted\": %s, \"tid\": %u, \"thread\": ",
		r->accepted ? "true" : "false", r->f.tid);
	json_str(f, t && t->kt->name[0] ? t->kt->name : "");
	fprintf(f, ", \"tick\": %" PRIu64 ", \"error\": %d, \"access\": ",
		r->f.tick, r->f.error);
	json_str(f, ms_access_name(r->f.access));
	fprintf(f, ", \"object\": ");
	json_str(f, r->f.object);
	fprintf(f, ", \"offset\": %" PRIu64 ", \"detail\": ", r->f.offset);
	json_str(f, r->f.detail);
	fprintf(f, ", \"backtrace\": [");
	for (unsigned i = 0; i < r->f.bt_depth && i < MS_FAULT_BT_MAX; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, r->f.bt[i]);
	}
	fputs("]}", f);
}

/* Print the summary; write the JSON; return the process exit status. */
int zms_ztest_report(const char *json_path)
{
	unsigned pass = 0, fail = 0, skip = 0;
	const char *last_suite = NULL;

	printk("\n------ TESTSUITE SUMMARY START ------\n\n");
	for (guint i = 0; cases && i <= cases->len; i++) {
		struct case_rec *c = i < cases->len ? cases->pdata[i] : NULL;

		if (last_suite && (!c || strcmp(c->suite->name, last_suite))) {
			unsigned p = 0, f = 0, s = 0;
			uint64_t ticks = 0;

			for (guint j = 0; j < cases->len; j++) {
				struct case_rec *d = cases->pdata[j];

				if (strcmp(d->suite->name, last_suite))
					continue;
				p += d->result == R_PASS;
				f += d->result == R_FAIL;
				s += d->result == R_SKIP;
				ticks += d->end - d->start;
			}
			printk("SUITE %s - %3u.%02u%% [%s]: pass = %u, fail = %u, "
			       "skip = %u, total = %u duration = %.3f seconds\n",
			       f ? "FAIL" : (!p && s) ? "SKIP" : "PASS",
			       p + f ? 100 * p / (p + f) : 0,
			       p + f ? (10000 * p / (p + f)) % 100 : 0,
			       last_suite, p, f, s, p + f + s,
			       (double)ticks / ZMS_TICKS_PER_SEC);
			for (guint j = 0; j < cases->len; j++) {
				struct case_rec *d = cases->pdata[j];

				if (strcmp(d->suite->name, last_suite))
					continue;
				printk(" - %s - [%s.%s] duration = %.3f seconds\n",
				       result_caps[d->result], last_suite,
				       d->test->name,
				       (double)(d->end - d->start) / ZMS_TICKS_PER_SEC);
			}
			printk("\n");
		}
		if (!c)
			break;
		last_suite = c->suite->name;
		pass += c->result == R_PASS;
		fail += c->result == R_FAIL || c->result == R_PENDING;
		skip += c->result == R_SKIP;
	}
	printk("------ TESTSUITE SUMMARY END ------\n\n");
	printk("===================================================================\n");
	printk("PROJECT EXECUTION %s\n", fail ? "FAILED" : "SUCCESSFUL");
	fflush(stdout);

	if (json_path) {
		FILE *f = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;

		if (!f) {
			fprintf(stderr, "memsim-zephyr: %s: %s\n", json_path,
				g_strerror(errno));
			return 3;
		}
		fprintf(f, "{\"schema\": \"memsim-ztest/1\", \"seed\": %" PRIu64
			", \"passed\": %u, \"failed\": %u, \"skipped\": %u, "
			"\"cases\": [",
			ms_sim_config(zms.sim)->seed, pass, fail, skip);
		for (guint i = 0; cases && i < cases->len; i++) {
			struct case_rec *c = cases->pdata[i];

			fprintf(f, "%s\n  {\"suite\": ", i ? "," : "");
			json_str(f, c->suite->name);
			fprintf(f, ", \"case\": ");
			json_str(f, c->test->name);
			fprintf(f, ", \"user\": %s, \"result\": \"%s\", "
				"\"ticks\": %" PRIu64 ", \"why\": ",
				(c->test->thread_options & K_USER) ? "true" : "false",
				result_names[c->result], c->end - c->start);
			json_str(f, c->why ? c->why : "");
			fprintf(f, ", \"faults\": [");
			for (guint j = 0; j < c->faults->len; j++) {
				if (j)
					fputs(", ", f);
				json_fault(f, &g_array_index(c->faults,
							     struct fault_rec, j));
			}
			fputs("]}", f);
		}
		fputs("\n]}\n", f);
		if (f != stdout)
			fclose(f);
	}
	return fail ? 1 : 0;
}
