/* SPDX-License-Identifier: MIT */
/*
 * memsim: memory domains and exclusive page ownership.
 *
 * The simulation owns a memory arena (ms_config.arena_size bytes, rounded
 * up to host pages). A partition is a range of the arena, named by its
 * byte offset and size, with access rights for user threads and for
 * supervisor code. A domain is a set of non-overlapping partitions, as
 * many as the simulated protection hardware (ms_config.arch) can hold.
 * Every thread belongs to exactly one domain: threads created by the host
 * join the default domain, threads created by a thread join their
 * parent's. A user thread may reach its domain's partitions, with their
 * user rights, and its own stack; supervisor threads and the host reach
 * everything. The rule is enforced on the host: any other access by a user
 * thread is a real fault, recorded as MS_FAULT_DOMAIN; the thread dies and
 * the simulation goes on.
 *
 * These are Zephyr's k_mem_domain_* calls, with the same errors. Like
 * them, they are for supervisor code: a user thread that calls one is
 * killed with an oops (-EPERM). The host may call them before, between and
 * after runs.
 *
 * Exclusive page ownership (XPFO): the arena is simulated physical memory,
 * a memfd mapped twice, once as the user mapping and once as the kernel's
 * direct map. A page frame that some partition hands to user space belongs
 * to user space; with ownership enforced (ms_xpfo_enable()) it is removed
 * from the direct map while it does, so kernel code that reaches
 * user-written data through the alias faults (MS_FAULT_XPFO) instead of
 * trusting it.
 *
 * docs/memory-domains.md describes the models, the enforcement and what it
 * costs.
 */
#ifndef MEMSIM_DOMAIN_H
#define MEMSIM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>
#include <memsim/fault.h>
#include <memsim/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t ms_domain_id;

/* The domain of the boot threads (k_mem_domain_default). */
#define MS_DOMAIN_DEFAULT ((ms_domain_id)0)
/* No domain: in events, the MPU before any user thread ran, and pages
 * opened for supervisor code or the host. */
#define MS_DOMAIN_NONE ((ms_domain_id)UINT32_MAX)

/* Access rights, combined with |. */
enum ms_perm {
	MS_PERM_NONE = 0,
	MS_PERM_READ = 1u << 0,
	MS_PERM_WRITE = 1u << 1,
	MS_PERM_EXEC = 1u << 2,
};
#define MS_PERM_RW (MS_PERM_READ | MS_PERM_WRITE)
#define MS_PERM_RX (MS_PERM_READ | MS_PERM_EXEC)

#define MS_PARTITION_NAME_MAX 32

/* A partition (struct k_mem_partition). */
struct ms_partition {
	uint64_t start;		/* byte offset into the arena */
	uint64_t size;		/* bytes */
	unsigned user;		/* enum ms_perm bits for user threads */
	unsigned supervisor;	/* enum ms_perm bits for supervisor code */
	const char *name;	/* optional, copied (MS_PARTITION_NAME_MAX);
				 * NULL: "<start>+<size>" in hex */
};

/*
 * Create a domain holding n partitions (k_mem_domain_init).
 * name is optional and copied (NULL: "domain-<id>").
 * @retval 0 and *out set
 * @retval -EINVAL out is NULL, parts is NULL with n > 0, n exceeds
 *	   ms_domain_max_partitions(), or a partition is invalid (see
 *	   ms_domain_add_partition()); ms_domain_last_error() says which and why
 * @retval -EEXIST a domain with that name exists
 * @retval -ENOMEM out of domain ids
 * A user thread caller is killed with an oops.
 */
int ms_domain_new(struct ms_sim *sim, const char *name,
		  const struct ms_partition *parts, size_t n,
		  ms_domain_id *out);

/*
 * Destroy a domain that no thread belongs to.
 * @retval -EINVAL no such domain, or the default domain
 * @retval -EBUSY threads still belong to it
 * A user thread caller is killed with an oops.
 */
int ms_domain_destroy(struct ms_sim *sim, ms_domain_id dom);

/*
 * Add a partition to a domain (k_mem_domain_add_partition). It takes the
 * first free slot. A thread of the domain that is running or runs later
 * sees it at once.
 * @retval -EINVAL no such domain, part is NULL, zero size, the range wraps
 *	   around or leaves the arena, it overlaps a partition of the domain,
 *	   the rights cannot be expressed (write without read, user rights
 *	   beyond supervisor rights, writable and executable while W^X holds),
 *	   or the architecture model cannot express the region (ARMv7-M: "size
 *	   48 is not a power of two", ...); ms_domain_last_error() says why
 * @retval -ENOSPC the domain already holds ms_domain_max_partitions()
 * A user thread caller is killed with an oops.
 */
int ms_domain_add_partition(struct ms_sim *sim, ms_domain_id dom,
			    const struct ms_partition *part);

/*
 * Remove the partition with the same start and size from a domain
 * (k_mem_domain_remove_partition). Its memory becomes unreachable to the
 * domain's user threads at once.
 * @retval -EINVAL no such domain, or part is NULL
 * @retval -ENOENT the domain holds no partition with that start and size
 * A user thread caller is killed with an oops.
 */
int ms_domain_remove_partition(struct ms_sim *sim, ms_domain_id dom,
			       const struct ms_partition *part);

/*
 * Move a thread to a domain (k_mem_domain_add_thread); it leaves the one
 * it was in. A thread that is running is re-protected at once.
 * @retval -EINVAL no such domain
 * @retval -ENOENT no such live thread
 * A user thread caller is killed with an oops.
 */
int ms_domain_add_thread(struct ms_sim *sim, ms_domain_id dom, ms_tid tid);

/* The domain a live thread belongs to.
 * @retval -ENOENT no such live thread; -EINVAL out is NULL */
int ms_domain_of(struct ms_sim *sim, ms_tid tid, ms_domain_id *out);

/* A domain by name. @retval -ENOENT no such domain; -EINVAL name NULL */
int ms_domain_lookup(const struct ms_sim *sim, const char *name,
		     ms_domain_id *out);

/* A domain's name, or NULL if there is no such domain. */
const char *ms_domain_name(const struct ms_sim *sim, ms_domain_id dom);

/* Partitions a domain may hold under the sim's architecture model. */
unsigned ms_domain_max_partitions(const struct ms_sim *sim);

/*
 * The partition in slot i (0 <= i < ms_domain_max_partitions()) of a
 * domain; out->name points into the domain and is valid until the
 * partition is removed.
 * @retval -EINVAL no such domain, or i out of range
 * @retval -ENOENT the slot is free
 */
int ms_domain_partition_get(const struct ms_sim *sim, ms_domain_id dom,
			    unsigned i, struct ms_partition *out);

/* A domain's partition by name. @retval -EINVAL, -ENOENT as above */
int ms_domain_partition_find(const struct ms_sim *sim, ms_domain_id dom,
			     const char *name, struct ms_partition *out);

/*
 * Why the last domain or XPFO call made on this sim was refused (a
 * sentence such as "size 48 is not a power of two"); "" if it succeeded.
 */
const char *ms_domain_last_error(const struct ms_sim *sim);

/* ---- the arena ------------------------------------------------------------ */

/* The arena as the simulated threads address it (the user mapping). */
void *ms_domain_arena(const struct ms_sim *sim, size_t *size);

/* The address of an arena offset, or NULL past the end. For touching a
 * partition with plain loads and stores. */
void *ms_domain_addr(const struct ms_sim *sim, uint64_t offset);

/*
 * Copy to or from the arena as the caller: from a simulated thread, with
 * that thread's rights (an access outside its view faults and the thread
 * dies: these do not return then); from the host, freely.
 * @retval -EINVAL the range is not inside the arena
 */
int ms_domain_read(struct ms_sim *sim, uint64_t offset, void *buf,
		   size_t len);
int ms_domain_write(struct ms_sim *sim, uint64_t offset, const void *buf,
		    size_t len);

/*
 * Touch len bytes at an arena offset as the calling thread, one byte at a
 * time: read them (MS_ACCESS_READ) or store the byte 0xa5 in each
 * (MS_ACCESS_WRITE). For scenarios that provoke a domain violation: the
 * first byte the caller may not reach faults, and the call does not return.
 * @retval -EINVAL the range is not inside the arena, or another access
 */
int ms_domain_touch(struct ms_sim *sim, uint64_t offset, size_t len,
		    enum ms_access access);

/* ---- enforcement ------------------------------------------------------------ */

/*
 * How the host opens what a user thread may reach. Every policy closes, at
 * a switch, only what the incoming thread may not reach, and lets a fault
 * the thread's domain allows open the page; they differ in what they open
 * before the thread runs. docs/memory-domains.md compares their costs.
 */
enum ms_domain_policy {
	/* Nothing: every page is opened by its first fault (one signal and
	 * one mprotect each, per slice after another domain ran). */
	MS_DOMAIN_LAZY = 0,
	/* All of the incoming thread's partitions (one mprotect per run of
	 * neighbouring pages, touched or not). */
	MS_DOMAIN_EAGER,
	/* The pages the incoming thread opened by faults before (its last
	 * MS_DOMAIN_WORKING_SET_MAX): the default. */
	MS_DOMAIN_WORKING_SET,
};
#define MS_DOMAIN_WORKING_SET_MAX 32

/* @retval -EINVAL unknown policy. A user thread caller is killed. */
int ms_domain_set_policy(struct ms_sim *sim, enum ms_domain_policy policy);

/*
 * Allow partitions that are both writable and executable (by default they
 * are refused, as with Zephyr's CONFIG_EXECUTE_XOR_WRITE). Affects later
 * additions only. A user thread caller is killed.
 */
void ms_domain_allow_wx(struct ms_sim *sim, bool allow);

struct ms_domain_stats {
	uint32_t domains;		/* live, the default one included */
	unsigned max_partitions;
	/* The simulated MPU/MMU (deterministic). */
	uint64_t domain_switches;	/* reprogrammed for another domain */
	uint64_t regions_programmed;	/* MPU regions written (MMU: table switches) */
	uint64_t mpu_ticks;		/* simulated ticks charged for them */
	uint64_t violations;		/* MS_FAULT_DOMAIN faults */
	/* Host enforcement (depends on the host and the policy). */
	uint64_t views_applied;		/* switches that changed what is open */
	uint64_t views_skipped;		/* switches where nothing had to change */
	uint64_t lazy_opens;		/* pages opened by the fault resolver */
	uint64_t prefetch_opens;	/* pages opened at a switch (eager and
					 * working-set policies) */
	uint64_t pages_closed;
	uint64_t protect_calls;		/* mprotect calls on the arena */
	uint64_t steps;			/* single-stepped accesses (shared pages) */
	uint64_t imprecise_opens;	/* shared pages opened without stepping */
	bool subpage_exact;		/* sub-page partitions enforced exactly */
	/* Exclusive page ownership. */
	bool xpfo;			/* enforced now */
	uint32_t user_frames;		/* page frames owned by user space now */
	uint64_t xpfo_transfers;	/* frames unmapped from / put back into the
					 * direct map */
	uint64_t xpfo_ticks;		/* simulated ticks charged for them */
	uint64_t xpfo_protect_calls;	/* host mprotect calls for them */
	uint64_t xpfo_violations;	/* MS_FAULT_XPFO faults */
};

void ms_domain_get_stats(const struct ms_sim *sim, struct ms_domain_stats *out);

/* "mmu", "armv7m", "armv8m"; "?" for an unknown value. */
const char *ms_arch_name(enum ms_arch arch);
/* @retval 0 and *out set; -EINVAL unknown name */
int ms_arch_lookup(const char *name, enum ms_arch *out);

/* ---- exclusive page ownership ---------------------------------------------- */

/*
 * Enforce exclusive page ownership (on) or stop (off). Turning it on
 * removes every user-owned frame from the direct map; off puts them back.
 * Supervisor only (a user thread caller is killed with an oops).
 * @retval 0
 */
int ms_xpfo_enable(struct ms_sim *sim, bool on);
bool ms_xpfo_enabled(const struct ms_sim *sim);

/* Does user space own the page frame that holds this arena offset? */
bool ms_xpfo_user_owned(const struct ms_sim *sim, uint64_t offset);

/*
 * A deliberately buggy kernel path, for demonstrations: in kernel mode on
 * behalf of the calling thread, copy len bytes of the arena into buf
 * through the kernel's direct map, without asking who owns the frames.
 * With ownership off it succeeds silently, user-written data and all; with
 * it on and a user-owned frame in the range, the kernel faults
 * (MS_FAULT_XPFO) and the calling thread dies: the call does not return.
 * @retval 0 copied
 * @retval -EINVAL the range is not inside the arena, or buf is NULL
 * @retval -EPERM not called from a simulated thread
 */
int ms_xpfo_kernel_read(struct ms_sim *sim, uint64_t offset, void *buf,
			size_t len);

#ifdef __cplusplus
}
#endif
#endif
