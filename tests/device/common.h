/* SPDX-License-Identifier: MIT */
/* Helpers shared by the device-memory tests. */
#ifndef MS_TESTS_DEVICE_COMMON_H
#define MS_TESTS_DEVICE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <memsim/memsim.h>

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)

static inline size_t pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline struct ms_sim *new_sim(void)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

static inline ms_device_id add_dev(struct ms_sim *sim, const char *name,
				   uint64_t size, uint64_t block,
				   enum ms_device_kind kind, uint64_t init)
{
	struct ms_device_attr a;
	ms_device_id id;

	ms_device_attr_init(&a);
	a.name = name;
	a.size = size;
	a.block_size = block;
	a.kind = kind;
	a.init_tick = init;
	if (ms_device_add(sim, &a, &id))
		abort();
	return id;
}

/* A mapping of npages pages, read-write, no preferred device. */
static inline ms_map_id add_map(struct ms_sim *sim, const char *name,
				uint32_t npages, void **addr)
{
	struct ms_map_attr a;
	ms_map_id id;

	ms_map_attr_init(&a);
	a.name = name;
	a.size = (uint64_t)npages * pg();
	if (ms_mem_map(sim, &a, &id, addr))
		abort();
	return id;
}

static inline struct ms_device_stats dstats(struct ms_sim *sim,
					    ms_device_id dev)
{
	struct ms_device_stats st;

	if (ms_device_stats_get(sim, dev, &st))
		abort();
	return st;
}

/* The balance every device keeps (<memsim/device.h>). */
static inline bool balanced(const struct ms_device_stats *s)
{
	return s->pages_placed + s->pgmigrate_to_device ==
	       s->pgmigrate_to_ram + s->pages_freed + s->pages_lost +
	       s->frames_used;
}

static inline ms_tid sup_thread(struct ms_sim *sim, const char *name,
				ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.name = name;
	a.stack_size = 64 * 1024;
	if (ms_thread_create(sim, &a, fn, arg, &t))
		abort();
	return t;
}

static inline ms_tid user_thread(struct ms_sim *sim, const char *name,
				 ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.name = name;
	a.options = MS_THREAD_USER;
	a.stack_size = 64 * 1024;
	if (ms_thread_create(sim, &a, fn, arg, &t))
		abort();
	return t;
}

/* Run fn in one supervisor thread to the end. */
static inline int run_sup(struct ms_sim *sim, ms_entry_fn fn, void *arg)
{
	sup_thread(sim, "t", fn, arg);
	return ms_sim_run(sim);
}

/* Fill the mapping's bytes [0, npages pages) with i at word i (through
 * the kernel's way in, from the host). */
static inline void fill(struct ms_sim *sim, ms_map_id m, uint32_t npages,
			uint32_t seed)
{
	size_t n = (size_t)npages * pg() / sizeof(uint32_t);
	uint32_t *buf = malloc(n * sizeof(*buf));

	for (size_t i = 0; i < n; i++)
		buf[i] = (uint32_t)i + seed;
	if (ms_mem_poke(sim, m, 0, buf, n * sizeof(*buf)))
		abort();
	free(buf);
}

/* Plain loads and stores of a simulated thread; some fault on purpose
 * ("deliberate" is what the Valgrind suppressions look for). */
static __attribute__((noinline, unused)) uint32_t
deliberate_load32(volatile uint32_t *p)
{
	return *p;
}

static __attribute__((noinline, unused)) void
deliberate_store32(volatile uint32_t *p, uint32_t v)
{
	*p = v;
}

static inline unsigned count_events(struct ms_sim *sim, uint32_t type)
{
	struct ms_event ev;
	unsigned n = 0;

	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		ms_sim_event_get(sim, i, &ev);
		if (ev.type == type)
			n++;
	}
	return n;
}

#endif
