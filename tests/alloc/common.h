/* SPDX-License-Identifier: MIT */
/* Helpers shared by the alloc tests. */
#ifndef MS_TESTS_ALLOC_COMMON_H
#define MS_TESTS_ALLOC_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <memsim/memsim.h>

static inline struct ms_sim *new_sim_heap(size_t heap_size)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.heap_size = heap_size;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

static inline bool under_valgrind(void)
{
	const char *v = getenv("MEMSIM_UNDER_VALGRIND");

	return v && *v && *v != '0';
}

#endif
