/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's internal API: threads as other subsystems see them, kernel
 * entry and exit (the preemption points), and wait queues.
 *
 * Kernel code runs on the calling thread (on its privileged stack for a
 * user thread). It may block with ms__wait(); everything else it does is
 * atomic with respect to other simulated threads, because simulated threads
 * only switch inside the scheduler.
 */
#ifndef MS_SCHED_H
#define MS_SCHED_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* The running simulated thread, or NULL on the host side. */
struct ms_thread *ms__current(const struct ms_sim *sim);
struct ms_thread *ms__thread_lookup(const struct ms_sim *sim, ms_tid tid);

ms_tid ms__thread_tid(const struct ms_thread *t);
ms_tid ms__thread_parent(const struct ms_thread *t);
const char *ms__thread_name(const struct ms_thread *t);
bool ms__thread_is_user(const struct ms_thread *t);
bool ms__thread_in_kernel(const struct ms_thread *t);
/*
 * Whether the caller of a kernel operation is user code: a user thread
 * outside the kernel (kernel code running on a user thread's behalf, in a
 * syscall, is past the boundary). Supervisor-only operations refuse it.
 */
bool ms__caller_is_user(const struct ms_sim *sim);
unsigned ms__thread_options(const struct ms_thread *t);
bool ms__thread_is_dead(const struct ms_thread *t);
uint32_t ms__thread_group(const struct ms_thread *t);
int ms__thread_priority(const struct ms_thread *t);
/* The user-accessible stack: [lo, lo + size). */
void ms__thread_stack(const struct ms_thread *t, void **lo, size_t *size);
/* The privileged stack a user thread's syscalls run on: [lo, lo + size)
 * (NULL, 0: none yet). */
void ms__thread_priv_stack(const struct ms_thread *t, void **lo,
			   size_t *size);

/*
 * Create a supervisor thread that belongs to the kernel itself (a system
 * workqueue, say) from kernel code running on behalf of any thread, a user
 * thread in a syscall included: no parent (group 0, as if the host created
 * it), and no kernel entry or exit of its own (the caller is already inside
 * one; the new thread may preempt at the caller's exit). Otherwise as
 * ms_thread_create(); MS_THREAD_USER is refused with -EINVAL.
 */
int ms__kthread_create(struct ms_sim *sim, const struct ms_thread_attr *attr,
		       ms_entry_fn entry, void *arg, ms_tid *out);

/* Per-thread subsystem slots (see core.h). */
void *ms__thread_sub(const struct ms_thread *t, enum ms__subsys_id id);
void ms__thread_sub_set(struct ms_thread *t, enum ms__subsys_id id, void *p);

/*
 * Kernel entry and exit. Enter charges cost ticks; exit is the preemption
 * point (time slice expired, or a higher-priority thread became ready).
 * Safe to call from the host side (no preemption happens there).
 */
void ms__kernel_enter(struct ms_sim *sim, uint32_t cost);
void ms__kernel_exit(struct ms_sim *sim);

/*
 * Run fn(sim, arg) as the kernel on behalf of the calling thread: on its
 * privileged stack if it is a user thread, directly otherwise.
 */
int ms__call_privileged(struct ms_sim *sim,
			int (*fn)(struct ms_sim *sim, void *arg), void *arg);

/*
 * Run fn(arg) on the sim's service stack when a simulated thread is
 * running (directly otherwise, and when already there): for host library
 * calls made on a thread's behalf, whose stack use must not depend on the
 * thread's stack size (see sched.c). fn must not block, switch or call
 * back into the simulation.
 */
int ms__call_on_service_stack(struct ms_sim *sim, int (*fn)(void *), void *arg);

/* Wait queues: threads blocked on a kernel object, in priority then FIFO order. */
struct ms__waitq {
	GQueue q;
};
void ms__waitq_init(struct ms__waitq *wq);
/* Every waiter is woken with -EINTR... callers should empty it first. */
void ms__waitq_fini(struct ms_sim *sim, struct ms__waitq *wq);
bool ms__waitq_empty(const struct ms__waitq *wq);
/*
 * Block the calling thread on wq for at most timeout ticks (MS_FOREVER,
 * MS_NO_WAIT allowed: MS_NO_WAIT returns -EAGAIN at once).
 * @return the value given to ms__wake_*, or -EAGAIN on timeout
 */
int ms__wait(struct ms_sim *sim, struct ms__waitq *wq, int64_t timeout);
/* Wake the first waiter with ret; returns its tid or MS_TID_NONE. */
ms_tid ms__wake_one(struct ms_sim *sim, struct ms__waitq *wq, int ret);
unsigned ms__wake_all(struct ms_sim *sim, struct ms__waitq *wq, int ret);

#endif
