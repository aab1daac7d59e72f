/* SPDX-License-Identifier: MIT */
/*
 * Private to src/sched (and the core's run/fault plumbing): the thread and
 * scheduler structures.
 */
#ifndef MS_SCHED_PRIV_H
#define MS_SCHED_PRIV_H

#include <glib.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include <memsim/fault.h>

#include "platform/ctx.h"
#include "sched/sched.h"

#define MS__NPRIO (MS_PRIO_MAX - MS_PRIO_MIN + 1)

/* A thread's stacks: one mapping, guards between and around.
 * Supervisor: [guard][stack][guard]
 * User:       [guard][privileged stack][guard][user stack][guard] */
struct ms__stack {
	void *map;
	size_t map_len;
	size_t guard;
	void *lo;		/* the thread's (user) stack */
	size_t size;
	void *plo;		/* privileged stack, NULL for supervisor threads */
	size_t psize;
	unsigned vg_id;
	unsigned vg_pid;
	void *pmap;		/* privileged stack added at user-mode entry */
	size_t pmap_len;
};

struct ms_thread {
	struct ms_sim *sim;
	ms_tid tid;
	ms_tid parent;
	char name[32];
	int prio;
	unsigned options;
	uint32_t group;
	enum ms_thread_state state;
	bool user;
	bool in_kernel;
	bool on_runq;
	bool in_timeouts;

	struct ms__ctx ctx;
	ms_entry_fn entry;
	void *arg;
	struct ms__stack stack;

	GList run_link;		/* in a run queue */
	GList wait_link;	/* in a wait queue */
	struct ms__waitq *waitq;
	int wait_ret;
	uint64_t wake_tick;
	uint64_t timeout_seq;	/* tie-break for equal wake ticks */
	GSequenceIter *timeout_iter;
	uint64_t slice_start;

	struct ms__waitq joiners;
	void *sub[MS__SUB__COUNT];
};

struct ms__sched {
	struct ms_sim *sim;
	struct ms__ctx host;		/* the context that called ms_sim_run */
	struct ms_thread *current;
	GHashTable *threads;		/* tid -> live thread (not yet freed) */
	ms_tid next_tid;

	GQueue runq[MS__NPRIO];
	uint32_t runq_bits;		/* bit p: runq[p] not empty */
	GSequence *timeouts;		/* sleeping and timed-waiting threads */
	uint64_t next_wake;		/* wake tick of the first of them, or
					 * UINT64_MAX */
	uint64_t timeout_seq;
	uint32_t blocked;		/* threads blocked without timeout */

	bool need_resched;
	bool stop_requested;
	bool running;
	enum ms_run_status status;

	struct ms_thread *deferred;	/* self-aborted, stack still mapped */
	GQueue stack_cache;		/* struct ms__stack * of default size */

	sigjmp_buf escape;		/* where a fault leaves a thread for */
	void *altstack;
	size_t altstack_size;

	/* The service stack (ms__call_on_service_stack): [guard][stack] */
	void *svc_map;
	size_t svc_map_len;
	void *svc_lo;
	size_t svc_size;
	unsigned svc_vg_id;
	bool in_service;

	struct ms_sim_stats stats;
};

int ms__sched_new(struct ms_sim *sim, struct ms__sched **out);
void ms__sched_free(struct ms_sim *sim, struct ms__sched *s);
void ms__sched_destroy_threads(struct ms_sim *sim);

/* From the fault handler: leave the faulting thread for the run loop. */
_Noreturn void ms__sched_fault_escape(struct ms_sim *sim);

/* Which stack guard (if any) addr hits for thread t; fills f. */
bool ms__stack_attribute(const struct ms_thread *t, uintptr_t addr,
			 uintptr_t sp, struct ms_fault *f);

void ms__sched_release_deferred(struct ms_sim *sim);

/* End the calling thread (exit, self-abort, oops): never returns. */
_Noreturn void ms__thread_end_self(struct ms_sim *sim, enum ms_event_type why);

/* stack.c */
int ms__stack_get(struct ms_sim *sim, size_t size, size_t psize,
		  size_t guard, bool user, struct ms__stack *st);
void ms__stack_put(struct ms_sim *sim, struct ms__stack *st);
int ms__stack_add_priv(struct ms_sim *sim, struct ms__stack *st, size_t psize,
		       size_t guard);
void ms__stack_cache_drain(struct ms_sim *sim);
size_t ms__stack_high_water(const struct ms_sim *sim, const struct ms__stack *st);

/* sched.c, used by thread.c */
void ms__sched_make_ready(struct ms__sched *s, struct ms_thread *t);
void ms__sched_unready(struct ms__sched *s, struct ms_thread *t);
void ms__sched_timeout_remove(struct ms__sched *s, struct ms_thread *t);
/* Switch away from the current thread, which has already been queued
 * (ready), parked (sleep/wait) or marked dead. */
void ms__schedule(struct ms_sim *sim);
/* Thread teardown: called when t is dead and not running. */
void ms__thread_release(struct ms_sim *sim, struct ms_thread *t);
/* Mark t dead: hooks, joiners, events (does not free it). */
void ms__thread_kill(struct ms_sim *sim, struct ms_thread *t, ms_tid killer,
		     enum ms_event_type why);

#endif
