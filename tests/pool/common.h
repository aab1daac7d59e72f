/* SPDX-License-Identifier: MIT */
/* Helpers shared by the sealed-pool tests. */
#ifndef MS_TESTS_POOL_COMMON_H
#define MS_TESTS_POOL_COMMON_H

#include <dirent.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Open descriptors of this process (a pool holds one memfd). */
static inline long fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Mappings of pool memfds (named "memsim-pool") in this process. */
static inline long pool_mapping_count(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "memsim-pool"))
			n++;
	fclose(f);
	return n;
}

/*
 * The process's mapping count must come back exactly to where it was.
 * Valgrind and AddressSanitizer map and merge memory of their own as the
 * program maps and unmaps (shadow memory, their allocators' arenas), so
 * under them only the pool mappings are counted exactly.
 */
#define assert_mappings_back(maps0, pool_maps0)                              \
	do {                                                                 \
		if (!under_valgrind() && !under_asan())                      \
			assert_int_equal(ms__os_mapping_count(), (maps0));   \
		assert_int_equal(pool_mapping_count(), (pool_maps0));        \
	} while (0)

/* How many events of a type the sim kept, and the last one's a and b. */
static inline unsigned count_events(struct ms_sim *sim, uint32_t type,
				    uint64_t *a, uint64_t *b)
{
	struct ms_event ev;
	unsigned n = 0;

	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		ms_sim_event_get(sim, i, &ev);
		if (ev.type != type)
			continue;
		n++;
		if (a)
			*a = ev.a;
		if (b)
			*b = ev.b;
	}
	return n;
}

/* Fault i of the sim; the test dies if there is none. */
static inline const struct ms_fault *fault_at(struct ms_sim *sim, size_t i)
{
	const struct ms_fault *f = ms_sim_fault_get(sim, i);

	if (!f)
		abort();
	return f;
}

/* Whether one of the first frames of the fault's backtrace names fn. */
static inline bool bt_has(const struct ms_fault *f, const char *fn)
{
	for (unsigned i = 0; i < f->bt_depth && i < 4; i++)
		if (strstr(f->bt[i], fn))
			return true;
	return false;
}

static inline struct ms_pool *new_pool(struct ms_sim *sim, const char *name,
				       unsigned flags,
				       enum ms_pool_rare_mode mode,
				       uint32_t max_pages)
{
	struct ms_pool_attr a;
	struct ms_pool *p = NULL;

	ms_pool_attr_init(&a);
	a.flags = flags;
	a.rare_mode = mode;
	a.max_pages = max_pages;
	if (ms_pool_create(sim, name, &a, &p))
		abort();
	return p;
}

#endif
