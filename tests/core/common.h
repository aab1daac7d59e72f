/* SPDX-License-Identifier: MIT */
/* Helpers shared by the core tests. */
#ifndef MS_TESTS_CORE_COMMON_H
#define MS_TESTS_CORE_COMMON_H

#include <stdbool.h>
#include <stdlib.h>

#include <memsim/memsim.h>

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

#endif
