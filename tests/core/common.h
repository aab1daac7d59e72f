/* SPDX-License-Identifier: MIT */
/* Helpers shared by the core tests. */
#ifndef MS_TESTS_CORE_COMMON_H
#define MS_TESTS_CORE_COMMON_H

#include <stdbool.h>
#include <stdlib.h>

#include <string.h>

#include <memsim/memsim.h>

#include "ms_config.h"

static inline struct ms_sim *new_sim(uint64_t seed)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.seed = seed;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

/* Valgrind makes large loops slow: tests scale them down under it. */
static inline bool under_valgrind(void)
{
	const char *v = getenv("MEMSIM_UNDER_VALGRIND");

	return v && *v && *v != '0';
}

/* AddressSanitizer changes frame sizes and maps memory of its own. */
static inline bool under_asan(void)
{
	return MS_SANITIZE_ADDRESS;
}

/* Whether a frame of the fault's backtrace (the first few) names fn. */
static inline bool bt_has(const struct ms_fault *f, const char *fn)
{
	for (unsigned i = 0; i < f->bt_depth && i < 4; i++)
		if (strstr(f->bt[i], fn))
			return true;
	return false;
}

#endif
