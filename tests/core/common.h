/* SPDX-License-Identifier: MIT */
/* Helpers shared by the core tests. */
#ifndef MS_TESTS_CORE_COMMON_H
#define MS_TESTS_CORE_COMMON_H

#include <stdbool.h>
#include <stdlib.h>

#include <string.h>

#include <memsim/memsim.h>

#include "tests/testutil.h"

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

/* Whether a frame of the fault's backtrace (the first few) names fn. */
static inline bool bt_has(const struct ms_fault *f, const char *fn)
{
	for (unsigned i = 0; i < f->bt_depth && i < 4; i++)
		if (strstr(f->bt[i], fn))
			return true;
	return false;
}

#endif
