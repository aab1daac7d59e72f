/* SPDX-License-Identifier: MIT */
/* Helpers shared by the memory-domain tests. */
#ifndef MS_TESTS_DOMAIN_COMMON_H
#define MS_TESTS_DOMAIN_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/memsim.h>

static inline struct ms_sim *new_sim_arch(enum ms_arch arch, uint32_t regions)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.arch = arch;
	if (regions)
		cfg.mpu_regions = regions;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

static inline struct ms_sim *new_sim(void)
{
	return new_sim_arch(MS_ARCH_MMU, 0);
}

static inline struct ms_partition part(uint64_t start, uint64_t size,
				       unsigned user, const char *name)
{
	struct ms_partition p = {
		.start = start,
		.size = size,
		.user = user,
		.supervisor = user ? user : MS_PERM_RW,
		.name = name,
	};

	return p;
}

/* A user thread, created by the host, moved into dom. */
static inline ms_tid user_thread(struct ms_sim *sim, const char *name,
				 ms_domain_id dom, ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.name = name;
	a.options = MS_THREAD_USER;
	if (ms_thread_create(sim, &a, fn, arg, &t))
		abort();
	if (ms_domain_add_thread(sim, dom, t))
		abort();
	return t;
}

static inline ms_tid sup_thread(struct ms_sim *sim, const char *name,
				ms_entry_fn fn, void *arg)
{
	struct ms_thread_attr a;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.name = name;
	if (ms_thread_create(sim, &a, fn, arg, &t))
		abort();
	return t;
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

/* Plain loads and stores, as a simulated thread makes them; some fault on
 * purpose ("deliberate" is what the Valgrind suppressions look for). */
static __attribute__((noinline, unused)) void deliberate_store(volatile uint8_t *p,
						       uint8_t v)
{
	*p = v;
}

static __attribute__((noinline, unused)) uint8_t deliberate_load(volatile uint8_t *p)
{
	return *p;
}

/* The straddling store is misaligned on purpose: UBSan must not stop it. */
__attribute__((no_sanitize("undefined")))
static __attribute__((noinline, unused)) void deliberate_store64(volatile uint64_t *p,
							 uint64_t v)
{
	*p = v;
}

static inline volatile uint8_t *at(struct ms_sim *sim, uint64_t off)
{
	return ms_domain_addr(sim, off);
}

#endif
