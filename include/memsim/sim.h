/* SPDX-License-Identifier: MIT */
/*
 * memsim: the simulation instance.
 *
 * Everything memsim simulates hangs off one struct ms_sim. Two instances in
 * one process share nothing (the only process-wide state is the signal
 * handler, which finds the running instance through a thread-local pointer).
 *
 * Error convention: every fallible call returns 0 or a negative errno.
 * Constructors hand the object back through an out-parameter.
 */
#ifndef MEMSIM_SIM_H
#define MEMSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>
#include <memsim/fault.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

/* How simulated threads switch on the host. */
enum ms_ctx_backend {
	MS_CTX_AUTO = 0,	/* the fastest the platform has */
	MS_CTX_ASM,		/* callee-saved register switch (x86-64) */
	MS_CTX_UCONTEXT,	/* portable: makecontext/swapcontext */
};

/* Memory protection hardware that memory domains are checked against. */
enum ms_arch {
	MS_ARCH_MMU = 0,	/* page granularity */
	MS_ARCH_ARMV7M,		/* power-of-two regions, size-aligned, >= 32 B */
	MS_ARCH_ARMV8M,		/* 32-byte granular base and limit */
};

struct ms_config {
	uint64_t seed;			/* seeds the sim's only random generator */
	uint64_t tick_limit;		/* stop the run at this tick; 0: none */
	uint32_t time_slice;		/* ticks; 0: no round-robin slicing */
	size_t stack_size;		/* default thread stack, bytes */
	size_t priv_stack_size;		/* privileged (syscall) stack of user threads */
	size_t guard_pages;		/* default guard size on each side, pages */
	uint32_t max_thread_indexes;	/* permission-bit indexes (kernel objects) */
	size_t stack_cache;		/* freed stacks kept for reuse */
	size_t event_log_capacity;	/* events kept in memory (hash covers all) */
	bool stack_paint;		/* paint stacks to measure high-water marks */
	enum ms_ctx_backend ctx_backend;
	/* kernel heap and memory subsystems */
	size_t heap_size;		/* the system (kernel) heap, bytes */
	/* freed small chunks each heap keeps per size for reuse, uncoalesced
	 * (0: none, the heap places by Zephyr's sys_heap rules; see
	 * ms_heap_set_quick_depth() in <memsim/heap.h>) */
	uint32_t heap_quick_depth;
	enum ms_arch arch;
	uint32_t mpu_regions;		/* 8 or 16 on ARMv7-M/ARMv8-M */
	uint32_t mmu_max_partitions;	/* partition limit under MS_ARCH_MMU */
	size_t arena_size;		/* memory arena that domains partition */
	/*
	 * NULL: the arena is memory of its own. Otherwise a page-aligned
	 * range of the caller's own memory (arena_size bytes, a page
	 * multiple) that becomes the arena: its contents are kept, and
	 * simulated threads reach it at the same addresses, now under the
	 * domains' protection. ms_sim_free() gives it back as ordinary
	 * memory, contents kept. For a program whose static data is what
	 * domains partition (memsim's Zephyr layer: docs/zephyr.md).
	 */
	void *arena_at;
};

/* Fill cfg with the documented defaults (see docs/architecture.md). */
void ms_config_init(struct ms_config *cfg);

/*
 * Create a simulation.
 * @retval 0 and *out set on success
 * @retval -EINVAL a configuration value is out of range
 * @retval -ENOMEM the host could not provide memory
 */
int ms_sim_new(const struct ms_config *cfg, struct ms_sim **out);

/* Destroy a simulation and every thread, stack, heap and pool it owns. */
void ms_sim_free(struct ms_sim *sim);

const struct ms_config *ms_sim_config(const struct ms_sim *sim);

enum ms_run_status {
	MS_RUN_IDLE = 0,	/* not run yet */
	MS_RUN_DONE,		/* every thread finished */
	MS_RUN_TICK_LIMIT,	/* stopped at the tick limit */
	MS_RUN_DEADLOCK,	/* threads remain but none can ever run */
	MS_RUN_PANIC,		/* a fault that could not be attributed */
	MS_RUN_STOPPED,		/* ms_sim_stop() was called */
};

/*
 * Run the simulation until no thread is left, the tick limit is reached,
 * every remaining thread is blocked forever, or a panic.
 * @retval 0 the run ended; ms_sim_status() says how
 * @retval -EBUSY called from inside a simulated thread
 * @retval -EFAULT the run ended in a panic (see ms_sim_fault_get())
 */
int ms_sim_run(struct ms_sim *sim);
enum ms_run_status ms_sim_status(const struct ms_sim *sim);
const char *ms_run_status_name(enum ms_run_status st);

/* Ask the running simulation to stop at the next kernel entry. */
void ms_sim_stop(struct ms_sim *sim);

/* Simulated time, in ticks. */
uint64_t ms_sim_now(const struct ms_sim *sim);

/* The sim's seeded generator: uniform in [0, bound) (bound > 0). */
uint64_t ms_sim_random(struct ms_sim *sim, uint64_t bound);

/* Events: the deterministic record of a run. */
uint64_t ms_sim_event_hash(const struct ms_sim *sim);
uint64_t ms_sim_event_total(const struct ms_sim *sim);	/* all, kept or not */
size_t ms_sim_event_count(const struct ms_sim *sim);	/* kept in memory */
int ms_sim_event_get(const struct ms_sim *sim, size_t i, struct ms_event *out);

/* Faults recorded so far, in order. */
size_t ms_sim_fault_count(const struct ms_sim *sim);
const struct ms_fault *ms_sim_fault_get(const struct ms_sim *sim, size_t i);

/*
 * Called for every fatal error of a simulated thread, after the fault is
 * recorded and before the thread is aborted (like k_sys_fatal_error_handler).
 * For a fault caught as a signal it runs in the host context of the run;
 * for an oops, on the dying thread's privileged stack. Either way it may
 * inspect the sim but must not block, switch threads or call the kernel.
 * A fault inside the hook itself is a panic (the run stops).
 */
typedef void (*ms_fatal_hook)(struct ms_sim *sim, const struct ms_fault *f,
			      void *user);
void ms_sim_set_fatal_hook(struct ms_sim *sim, ms_fatal_hook hook, void *user);

/*
 * Called for every event as it is recorded (after it enters the log and the
 * hash), from whatever context recorded it: a simulated thread inside the
 * kernel, or the scheduler. Observers (reports, scenario accounting,
 * progress lines) use it to follow a run without perturbing it: the hook
 * must not block, switch threads, or call into the simulation.
 * One hook per sim; NULL removes it.
 */
typedef void (*ms_event_hook)(struct ms_sim *sim, const struct ms_event *ev,
			      void *user);
void ms_sim_set_event_hook(struct ms_sim *sim, ms_event_hook hook, void *user);

struct ms_sim_stats {
	uint64_t threads_created;
	uint64_t threads_exited;	/* returned, exited or aborted */
	uint32_t threads_alive;
	uint32_t threads_peak;
	uint64_t context_switches;
	uint64_t kernel_entries;
	uint64_t stacks_mapped;		/* stack mappings live now */
	uint64_t stack_bytes_mapped;	/* including guards */
	uint64_t stacks_cached;		/* of those, kept for reuse */
	uint64_t stacks_reused;
	uint64_t deferred_frees;	/* self-aborts whose stack was freed later */
	uint32_t deferred_pending;	/* 0 or 1: a dead thread awaiting release */
	uint64_t faults;
};
void ms_sim_get_stats(const struct ms_sim *sim, struct ms_sim_stats *out);

/*
 * What this host can give, for a configuration: used to refuse a scenario
 * that asks for more before anything is allocated.
 */
struct ms_host_limits {
	uint64_t phys_mem_bytes;	/* physical memory of the host */
	uint64_t max_map_count;		/* vm.max_map_count (0: unknown) */
	bool guards_split_mappings;	/* true when guards are mprotect()ed */
	uint64_t thread_bytes;		/* host memory per thread: stacks,
					 * guards and bookkeeping */
	uint64_t max_threads;		/* threads alive at once that fit */
	uint64_t max_heap_bytes;	/* the largest kernel heap we accept */
};

/*
 * @retval 0 and *out filled; -EINVAL a bad configuration
 */
int ms_host_limits(const struct ms_config *cfg, struct ms_host_limits *out);

/*
 * Failure injection, for testing how a library user survives a host that
 * runs out: make the nth call (1-based, counted from now) of a host
 * operation fail as the host would. op: "mmap", "munmap", "mprotect",
 * "guard", "memfd". nth 0 cancels.
 * @retval -EINVAL unknown op
 */
int ms_sim_fail_host_call(struct ms_sim *sim, const char *op, uint64_t nth);
/* How many calls of that host operation the sim has made (0: unknown op). */
uint64_t ms_sim_host_calls(const struct ms_sim *sim, const char *op);

/* The sim currently running on this host thread, or NULL. */
struct ms_sim *ms_sim_running(void);

const char *ms_version(void);

#ifdef __cplusplus
}
#endif
#endif
