/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the scenario loader and runner.
 *
 * Arbitrary bytes go to ms_scenario_load_string(); whatever loads is also
 * checked (ms_scenario_check builds every policy's sim) and run once under
 * the first policy with a small tick limit, so that one input costs a
 * bounded amount of simulated time. The invariant checked, besides the
 * sanitizers': a load, check or run either succeeds or returns one of the
 * errnos its header documents, with an error message when it is -EINVAL,
 * and everything it allocated is freed (LeakSanitizer).
 *
 * Seed corpus: the shipped scenarios/ (see docs/hardening.md).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/scenario.h>
#include <memsim/sim.h>

/* Simulated ticks one input may run for. */
#define FUZZ_TICK_LIMIT 20000
/* Larger inputs are not interesting for a TOML loader. */
#define FUZZ_MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond, const char *what, int rc)
{
	if (!cond) {
		fprintf(stderr, "fuzz_scenario: %s returned %d\n", what, rc);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_scenario_error err;
	struct ms_scenario *sc = NULL;
	struct ms_scenario_result *res = NULL;
	struct ms_scenario_run_opts opts;
	char *text;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	/* The loader takes a C string: stop at the first NUL. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&err, 0, sizeof(err));
	rc = ms_scenario_load_string(text, "fuzz.toml", &sc, &err);
	if (rc) {
		must(rc == -EINVAL || rc == -ENOMEM, "load", rc);
		must(rc != -EINVAL || err.message[0], "load (no message)", rc);
		must(sc == NULL || rc == 0, "load (object on failure)", rc);
		goto out;
	}
	must(sc != NULL, "load (no object)", rc);

	memset(&err, 0, sizeof(err));
	rc = ms_scenario_check(sc, &err);
	if (rc) {
		must(rc == -EINVAL || rc == -ENOMEM, "check", rc);
		must(rc != -EINVAL || err.message[0], "check (no message)", rc);
		goto out;
	}

	ms_scenario_run_opts_init(&opts);
	opts.tick_limit = ms_scenario_tick_limit(sc);
	if (opts.tick_limit == 0 || opts.tick_limit > FUZZ_TICK_LIMIT)
		opts.tick_limit = FUZZ_TICK_LIMIT;
	memset(&err, 0, sizeof(err));
	rc = ms_scenario_run(sc, &opts, &res, &err);
	if (rc) {
		must(rc == -EINVAL || rc == -ENOMEM, "run", rc);
		must(rc != -EINVAL || err.message[0], "run (no message)", rc);
		goto out;
	}
	must(res != NULL, "run (no result)", rc);
	/* Both must answer for any result. */
	(void)ms_scenario_result_ok(res);
	ms_scenario_result_free(res);
out:
	ms_scenario_free(sc);
	free(text);
	return 0;
}
