/* SPDX-License-Identifier: MIT */
/*
 * The simulation instance: configuration, the seeded generator, the event
 * log, and the slots where each subsystem keeps its state.
 *
 * Invariant: nothing here is shared between instances; the lifetime of every
 * subsystem's state is bracketed by ms_sim_new() and ms_sim_free().
 */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/heap.h>

#include "core/core.h"
#include "core/event.h"
#include "core/subsys.h"
#include "fault/fault_priv.h"
#include "platform/os.h"
#include "sched/sched_priv.h"

struct ms_sim {
	struct ms__sim_hot hot;		/* first: see ms__sim_hot() */
	struct ms_config cfg;
	struct ms__os *os;
	GRand *rng;
	struct ms__sched *sched;
	struct ms__faults *faults;
	void *sub[MS__SUB__COUNT];
	bool sub_up[MS__SUB__COUNT];
	ms_event_hook ev_hook;		/* observer of every event, or NULL */
	void *ev_hook_user;
};

_Static_assert(offsetof(struct ms_sim, hot) == 0,
	       "ms__sim_hot() casts the sim to its first member");

static void ev_slow_update(struct ms_sim *sim)
{
	sim->hot.ev_slow = sim->hot.log.kept < sim->hot.log.capacity || sim->ev_hook;
}

void ms_config_init(struct ms_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	cfg->tick_limit = 0;
	cfg->time_slice = 100;
	cfg->stack_size = 16 * 1024;
	cfg->priv_stack_size = 16 * 1024;
	cfg->guard_pages = 1;
	cfg->max_thread_indexes = 64;
	cfg->stack_cache = 64;
	cfg->event_log_capacity = 1u << 20;
	cfg->stack_paint = true;
	cfg->ctx_backend = MS_CTX_AUTO;
	cfg->heap_size = 64 * 1024;
	cfg->heap_quick_depth = 8;
	cfg->arch = MS_ARCH_MMU;
	cfg->mpu_regions = 8;
	cfg->mmu_max_partitions = 16;
	cfg->arena_size = 1024 * 1024;
}

#define MAX_STACK ((size_t)256 << 20)
#define MAX_GUARD_PAGES 256
#define MAX_THREAD_INDEXES 65536

static int config_check(const struct ms_config *c)
{
	if (c->stack_size < 4096 || c->stack_size > MAX_STACK)
		return -EINVAL;
	if (c->priv_stack_size < 4096 || c->priv_stack_size > MAX_STACK)
		return -EINVAL;
	if (c->guard_pages > MAX_GUARD_PAGES)
		return -EINVAL;
	if (c->max_thread_indexes < 1 || c->max_thread_indexes > MAX_THREAD_INDEXES)
		return -EINVAL;
	if (c->heap_quick_depth > MS_HEAP_QUICK_DEPTH_MAX)
		return -EINVAL;
	if (c->ctx_backend > MS_CTX_UCONTEXT || c->arch > MS_ARCH_ARMV8M)
		return -EINVAL;
	if (c->arch != MS_ARCH_MMU && c->mpu_regions != 8 && c->mpu_regions != 16)
		return -EINVAL;
	/* an adopted arena: whole pages (the domain subsystem checks the
	 * size against the host's page) */
	if (c->arena_at && ((uintptr_t)c->arena_at & 4095))
		return -EINVAL;
	return 0;
}

static void subsystems_down(struct ms_sim *sim)
{
	for (int i = MS__SUB__COUNT - 1; i >= 0; i--) {
		const struct ms__subsys *ss = ms__subsystems[i];

		if (sim->sub_up[i] && ss && ss->fini)
			ss->fini(sim);
		sim->sub_up[i] = false;
	}
}

int ms_sim_new(const struct ms_config *cfg, struct ms_sim **out)
{
	struct ms_config defaults;
	struct ms_sim *sim;
	uint32_t seed[2];
	int ret;

	if (!out)
		return -EINVAL;
	if (!cfg) {
		ms_config_init(&defaults);
		cfg = &defaults;
	}
	ret = config_check(cfg);
	if (ret)
		return ret;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->cfg = *cfg;
	seed[0] = (uint32_t)cfg->seed;
	seed[1] = (uint32_t)(cfg->seed >> 32);
	sim->rng = g_rand_new_with_seed_array(seed, 2);
	ms__evlog_init(&sim->hot.log, cfg->event_log_capacity);
	ev_slow_update(sim);

	ret = ms__os_new(&sim->os);
	if (ret)
		goto fail;
	ret = ms__faults_new(sim, &sim->faults);
	if (ret)
		goto fail;
	ret = ms__sched_new(sim, &sim->sched);
	if (ret)
		goto fail;
	for (int i = 0; i < MS__SUB__COUNT; i++) {
		const struct ms__subsys *ss = ms__subsystems[i];

		if (ss && ss->init) {
			ret = ss->init(sim);
			if (ret)
				goto fail;
		}
		sim->sub_up[i] = true;
	}
	*out = sim;
	return 0;
fail:
	ms_sim_free(sim);
	return ret;
}

void ms_sim_free(struct ms_sim *sim)
{
	if (!sim)
		return;
	if (sim->sched)
		ms__sched_destroy_threads(sim);
	subsystems_down(sim);
	if (sim->sched)
		ms__sched_free(sim, sim->sched);
	if (sim->faults)
		ms__faults_free(sim, sim->faults);
	if (sim->os)
		ms__os_free(sim->os);
	ms__evlog_fini(&sim->hot.log);
	g_rand_free(sim->rng);
	free(sim);
}

const struct ms_config *ms_sim_config(const struct ms_sim *sim)
{
	return &sim->cfg;
}

void *ms__sim_sub(const struct ms_sim *sim, enum ms__subsys_id id)
{
	return sim->sub[id];
}

void ms__sim_sub_set(struct ms_sim *sim, enum ms__subsys_id id, void *state)
{
	sim->sub[id] = state;
}

struct ms__os *ms__sim_os(const struct ms_sim *sim)
{
	return sim->os;
}

struct ms__sched *ms__sim_sched(const struct ms_sim *sim)
{
	return sim->sched;
}

struct ms__faults *ms__sim_faults(const struct ms_sim *sim)
{
	return sim->faults;
}

/* Keeping and observing an event: only while the log has room or a hook
 * is set; hashing (ms__event, inline) is all the rest of a run pays. */
void ms__event_keep(struct ms_sim *sim, enum ms_event_type type, ms_tid tid,
		    uint64_t a, uint64_t b)
{
	struct ms_event ev = {
		.tick = sim->hot.now,
		.type = type,
		.tid = tid,
		.a = a,
		.b = b,
	};

	ms__evlog_keep(&sim->hot.log, &ev);
	ev_slow_update(sim);
	if (sim->ev_hook)
		sim->ev_hook(sim, &ev, sim->ev_hook_user);
}

void ms_sim_set_event_hook(struct ms_sim *sim, ms_event_hook hook, void *user)
{
	sim->ev_hook = hook;
	sim->ev_hook_user = user;
	ev_slow_update(sim);
}

uint64_t ms_sim_random(struct ms_sim *sim, uint64_t bound)
{
	uint64_t v;

	if (bound <= 1)
		return 0;
	if (bound <= G_MAXINT32)
		return (uint64_t)g_rand_int_range(sim->rng, 0, (gint32)bound);
	/* 64-bit: rejection sampling over two 32-bit draws */
	do {
		v = ((uint64_t)g_rand_int(sim->rng) << 32) | g_rand_int(sim->rng);
	} while (v >= UINT64_MAX - (UINT64_MAX % bound));
	return v % bound;
}

uint64_t ms_sim_event_hash(const struct ms_sim *sim)
{
	return ms__evlog_hash(&sim->hot.log);
}

uint64_t ms_sim_event_total(const struct ms_sim *sim)
{
	return sim->hot.log.total;
}

size_t ms_sim_event_count(const struct ms_sim *sim)
{
	return sim->hot.log.kept;
}

int ms_sim_event_get(const struct ms_sim *sim, size_t i, struct ms_event *out)
{
	if (i >= sim->hot.log.kept)
		return -ENOENT;
	*out = *ms__evlog_at(&sim->hot.log, i);
	return 0;
}

struct log_call {
	GLogLevelFlags level;
	const char *fmt;
	va_list ap;
};

static int log_call(void *p)
{
	struct log_call *lc = p;

	g_logv("memsim", lc->level, lc->fmt, lc->ap);
	return 0;
}

/* Kernel code logs on a thread's behalf: GLib formats on the service
 * stack, never on the thread's own (ms__call_on_service_stack). */
static void log_v(GLogLevelFlags level, const char *fmt, va_list ap)
{
	struct ms_sim *sim = ms_sim_running();
	struct log_call lc = { .level = level, .fmt = fmt };

	va_copy(lc.ap, ap);
	if (sim)
		ms__call_on_service_stack(sim, log_call, &lc);
	else
		log_call(&lc);
	va_end(lc.ap);
}

void ms__log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(G_LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}

void ms__log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(G_LOG_LEVEL_WARNING, fmt, ap);
	va_end(ap);
}

int ms_host_limits(const struct ms_config *cfg, struct ms_host_limits *out)
{
	struct ms_config defaults;
	size_t page = ms__os_page_size();
	uint64_t by_mem, by_maps = UINT64_MAX;
	int ret;

	if (!out)
		return -EINVAL;
	if (!cfg) {
		ms_config_init(&defaults);
		cfg = &defaults;
	}
	ret = config_check(cfg);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->phys_mem_bytes = ms__os_phys_mem();
	out->max_map_count = ms__os_max_map_count();
	/* Guards are only known to split mappings once one was installed; a
	 * host without MADV_GUARD_INSTALL falls back to mprotect. */
	out->guards_split_mappings = !ms__os_guard_uses_madvise();
	out->thread_bytes = ms__os_page_round(cfg->stack_size) +
			    2 * cfg->guard_pages * page + page;
	/* Half the host's memory for stacks; the rest for everything else. */
	by_mem = out->phys_mem_bytes / 2 / out->thread_bytes;
	/* mprotect()ed guards cost two mappings per stack (the guards of
	 * neighbours merge); keep a margin for the rest of the process. */
	if (out->guards_split_mappings && out->max_map_count > 1000 &&
	    cfg->guard_pages)
		by_maps = (out->max_map_count - 1000) / 2;
	out->max_threads = by_mem < by_maps ? by_mem : by_maps;
	out->max_heap_bytes = out->phys_mem_bytes / 4;
	return 0;
}

int ms_sim_fail_host_call(struct ms_sim *sim, const char *op, uint64_t nth)
{
	enum ms__os_op o;
	int ret = ms__os_op_lookup(op, &o);

	if (ret)
		return ret;
	ms__os_fail_at(sim->os, o, nth);
	return 0;
}

uint64_t ms_sim_host_calls(const struct ms_sim *sim, const char *op)
{
	enum ms__os_op o;

	if (ms__os_op_lookup(op, &o))
		return 0;
	return ms__os_calls(sim->os, o);
}
