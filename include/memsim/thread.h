/* SPDX-License-Identifier: MIT */
/*
 * memsim: simulated threads.
 *
 * Threads are named by ms_tid (never reused), not by pointers, so a handle to
 * a dead thread is harmless. Priorities follow Zephyr: a lower number is a
 * higher priority. Calls that block or yield may only be made from a
 * simulated thread; the create/abort/info calls also work from the host
 * before or between runs.
 */
#ifndef MEMSIM_THREAD_H
#define MEMSIM_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>

#ifdef __cplusplus
extern "C" {
#define MS_NORETURN [[noreturn]]
#else
#define MS_NORETURN _Noreturn
#endif

struct ms_sim;

typedef void (*ms_entry_fn)(struct ms_sim *sim, void *arg);

#define MS_FOREVER ((int64_t)-1)
#define MS_NO_WAIT ((int64_t)0)

#define MS_PRIO_MIN (-16)	/* highest priority */
#define MS_PRIO_MAX 15		/* lowest priority */

enum ms_thread_option {
	MS_THREAD_USER = 1u << 0,		/* start in user mode (K_USER) */
	MS_THREAD_NO_GUARD = 1u << 1,		/* no guard pages (opt-out) */
	MS_THREAD_INHERIT_PERMS = 1u << 2,	/* K_INHERIT_PERMS */
};

struct ms_thread_attr {
	const char *name;	/* copied; NULL: "thread-<tid>" */
	int priority;		/* MS_PRIO_MIN..MS_PRIO_MAX */
	size_t stack_size;	/* 0: the sim's default */
	size_t guard_pages;	/* (size_t)-1: the sim's default */
	unsigned options;	/* enum ms_thread_option */
	uint32_t group;		/* accounting group; MS_GROUP_INHERIT: the
				 * parent's (group 0 for host-created threads) */
};

#define MS_GROUP_INHERIT UINT32_MAX

void ms_thread_attr_init(struct ms_thread_attr *attr);

/*
 * Create a thread, ready to run. Called from a simulated thread, the new
 * thread is its child (it joins the parent's domain, quota group and pool).
 * A user thread may create only user threads, of no higher priority than
 * its own, in its own group (MS_GROUP_INHERIT or its group's number), with
 * at least the sim's guard pages (as Zephyr's k_thread_create checks a
 * user caller).
 * @retval -EINVAL bad priority, stack size or option
 * @retval -EPERM a user thread asked for a supervisor thread, a higher
 *         priority, another group or fewer guard pages
 * @retval -ENOMEM the host could not map the stack
 */
int ms_thread_create(struct ms_sim *sim, const struct ms_thread_attr *attr,
		     ms_entry_fn entry, void *arg, ms_tid *out);

/* The calling simulated thread; MS_TID_NONE outside one. */
ms_tid ms_thread_self(struct ms_sim *sim);

/* Give the CPU to another ready thread of the same or higher priority. */
void ms_yield(struct ms_sim *sim);

/* Sleep for ticks (0 behaves as a yield). */
void ms_sleep(struct ms_sim *sim, uint64_t ticks);

/*
 * Spend ticks of simulated CPU time in the calling thread (like Zephyr's
 * k_busy_wait): the clock advances, and the time slice may end, so another
 * thread of the same priority may run before this returns.
 */
void ms_busy_wait(struct ms_sim *sim, uint64_t ticks);

/*
 * Wait for a thread to end.
 * @retval 0 it has ended (or had already)
 * @retval -EBUSY timeout was MS_NO_WAIT and it is still running
 * @retval -EAGAIN the timeout expired
 * @retval -EDEADLK a thread joining itself
 * @retval -ENOENT no such thread was ever created
 * @retval -EPERM called outside a simulated thread
 */
int ms_thread_join(struct ms_sim *sim, ms_tid tid, int64_t timeout);

/*
 * Abort a thread. Aborting the calling thread does not return. From the
 * host (outside a run) any thread may be aborted. The stack of a thread that
 * aborts itself cannot be unmapped while it runs on it: that is deferred to
 * the next thread abort, exit or creation. A user thread may abort only
 * itself.
 * @retval -ENOENT no such live thread
 * @retval -EPERM a user thread asked to abort another thread
 */
int ms_thread_abort(struct ms_sim *sim, ms_tid tid);

/* End the calling thread (as returning from its entry does). */
MS_NORETURN void ms_thread_exit(struct ms_sim *sim);

/*
 * Drop the calling supervisor thread to user mode and continue in entry.
 * One-way: there is no call back to supervisor mode. Does not return.
 */
MS_NORETURN void ms_user_mode_enter(struct ms_sim *sim, ms_entry_fn entry,
				  void *arg);

enum ms_thread_state {
	MS_THREAD_READY = 0,
	MS_THREAD_RUNNING,
	MS_THREAD_SLEEPING,
	MS_THREAD_BLOCKED,
	MS_THREAD_DEAD,
};

struct ms_thread_info {
	ms_tid tid;
	ms_tid parent;
	char name[32];
	enum ms_thread_state state;
	int priority;
	bool user;
	size_t stack_size;	/* usable bytes */
	size_t guard_size;	/* bytes on each side */
	size_t stack_high_water;	/* bytes ever used (painted stacks) */
	void *stack_base;	/* lowest usable address */
	uint32_t group;
};

/*
 * @retval -ENOENT no such live thread
 */
int ms_thread_info(struct ms_sim *sim, ms_tid tid, struct ms_thread_info *out);

/* Change a thread's priority. @retval -EINVAL, -ENOENT, -EPERM (user caller) */
int ms_thread_priority_set(struct ms_sim *sim, ms_tid tid, int priority);

/*
 * Move a thread to another accounting group (quota "process" policy, IPC
 * accounting). Supervisor only. What the thread holds on the kernel heap
 * moves with it at once: the new group's bytes_held and count_held grow
 * by it and the old group's shrink; the grants and frees made so far stay
 * counted where they were made.
 * @retval -ENOENT, -EPERM
 * @retval -ENOMEM the host could not allocate the new group's record
 */
int ms_thread_group_set(struct ms_sim *sim, ms_tid tid, uint32_t group);

#ifdef __cplusplus
}
#endif
#endif
