/* SPDX-License-Identifier: MIT */
/*
 * Simulated threads: creation, the end of a thread, join, abort, user mode.
 *
 * Lifetime: a thread is live from creation until it is killed (returns,
 * exits, aborts, faults); a killed thread leaves the tid table at once but
 * its struct and stack are released only when it is not running on them.
 * A thread that ends itself is running on its own stack, so it becomes the
 * "deferred" thread, released at the next thread end, abort or creation,
 * or at the end of the run (as Zephyr defers the unmapping of a stack a
 * thread aborted itself on).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cost.h"
#include "core/subsys.h"
#include "fault/fault.h"
#include "platform/os.h"
#include "sched/sched_priv.h"

static inline struct ms__sched *S(const struct ms_sim *sim)
{
	return ms__sim_sched(sim);
}

void ms_thread_attr_init(struct ms_thread_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->priority = 0;
	attr->guard_pages = (size_t)-1;
	attr->group = MS_GROUP_INHERIT;
}

static void thread_main(void *p)
{
	struct ms_thread *t = p;
	struct ms_sim *sim = t->sim;

	t->entry(sim, t->arg);
	ms__thread_end_self(sim, MS_EV_THREAD_EXIT);
}

static void subsys_gone(struct ms_sim *sim, struct ms_thread *t, int upto)
{
	for (int i = upto - 1; i >= 0; i--) {
		const struct ms__subsys *ss = ms__subsystems[i];

		if (ss && ss->thread_gone)
			ss->thread_gone(sim, t);
	}
}

/*
 * kernel: a thread of the kernel itself (ms__kthread_create), created by
 * kernel code already inside a kernel entry: no parent, and no entry/exit.
 */
static int thread_create(struct ms_sim *sim, const struct ms_thread_attr *attr,
			 ms_entry_fn entry, void *arg, ms_tid *out, bool kernel)
{
	struct ms__sched *s = S(sim);
	const struct ms_config *cfg = ms_sim_config(sim);
	struct ms_thread *parent = kernel ? NULL : s->current;
	struct ms_thread_attr def;
	struct ms_thread *t;
	size_t size, guard;
	bool user;
	int ret, i;

	if (!attr) {
		ms_thread_attr_init(&def);
		attr = &def;
	}
	if (!entry || attr->priority < MS_PRIO_MIN || attr->priority > MS_PRIO_MAX)
		return -EINVAL;
	if (attr->options & ~(unsigned)(MS_THREAD_USER | MS_THREAD_NO_GUARD |
					MS_THREAD_INHERIT_PERMS))
		return -EINVAL;
	size = attr->stack_size ? attr->stack_size : cfg->stack_size;
	if (size < 4096 || size > ((size_t)256 << 20))
		return -EINVAL;
	guard = attr->guard_pages == (size_t)-1 ? cfg->guard_pages : attr->guard_pages;
	if (guard > 256)
		return -EINVAL;
	if (attr->options & MS_THREAD_NO_GUARD)
		guard = 0;
	user = (attr->options & MS_THREAD_USER) != 0;
	/*
	 * What a user thread may ask for its child (Zephyr's
	 * z_vrfy_k_thread_create checks the same): a user thread, no higher
	 * priority than its own (a lower number is a higher priority), in
	 * its own accounting group (a child that could pick another group
	 * would take a fresh "process" budget: the collusion attack), and
	 * the sim's guard pages (fewer would let its overflows go unseen).
	 */
	if (parent && parent->user &&
	    (!user || attr->priority < parent->prio ||
	     (attr->group != MS_GROUP_INHERIT && attr->group != parent->group) ||
	     guard < cfg->guard_pages))
		return -EPERM;

	if (parent)
		ms__kernel_enter(sim, MS__COST_THREAD_CREATE);
	ms__sched_release_deferred(sim);	/* a creation reuses the slot */

	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	t->sim = sim;
	t->prio = attr->priority;
	t->options = attr->options;
	t->user = user;
	t->parent = parent ? parent->tid : MS_TID_NONE;
	t->group = attr->group != MS_GROUP_INHERIT ? attr->group :
		   parent ? parent->group : 0;
	t->entry = entry;
	t->arg = arg;
	t->run_link.data = t;
	t->wait_link.data = t;
	ms__waitq_init(&t->joiners);

	ret = ms__stack_get(sim, size, cfg->priv_stack_size,
			    guard * ms__os_page_size(), user, &t->stack);
	if (ret) {
		free(t);
		goto out;
	}
	ret = ms__ctx_make(&t->ctx, cfg->ctx_backend, t->stack.lo, t->stack.size,
			   thread_main, t);
	if (ret)
		goto fail_stack;

	t->tid = s->next_tid++;
	if (attr->name)
		snprintf(t->name, sizeof(t->name), "%s", attr->name);
	else
		snprintf(t->name, sizeof(t->name), "thread-%u", t->tid);

	for (i = 0; i < MS__SUB__COUNT; i++) {
		const struct ms__subsys *ss = ms__subsystems[i];

		if (ss && ss->thread_new) {
			ret = ss->thread_new(sim, parent, t);
			if (ret) {
				subsys_gone(sim, t, i);
				goto fail_ctx;
			}
		}
	}

	g_hash_table_insert(s->threads, GUINT_TO_POINTER(t->tid), t);
	s->stats.threads_created++;
	if (g_hash_table_size(s->threads) > s->stats.threads_peak)
		s->stats.threads_peak = g_hash_table_size(s->threads);
	ms__event(sim, MS_EV_THREAD_CREATE, t->tid, t->parent, (uint64_t)(int64_t)t->prio);
	ms__sched_make_ready(s, t);
	if (out)
		*out = t->tid;
	ret = 0;
	goto out;

fail_ctx:
	ms__ctx_destroy(&t->ctx);
fail_stack:
	ms__stack_put(sim, &t->stack);
	free(t);
out:
	if (parent)
		ms__kernel_exit(sim);
	return ret;
}

int ms_thread_create(struct ms_sim *sim, const struct ms_thread_attr *attr,
		     ms_entry_fn entry, void *arg, ms_tid *out)
{
	return thread_create(sim, attr, entry, arg, out, false);
}

int ms__kthread_create(struct ms_sim *sim, const struct ms_thread_attr *attr,
		       ms_entry_fn entry, void *arg, ms_tid *out)
{
	if (attr && (attr->options & MS_THREAD_USER))
		return -EINVAL;
	return thread_create(sim, attr, entry, arg, out, true);
}

ms_tid ms_thread_self(struct ms_sim *sim)
{
	struct ms_thread *t = S(sim)->current;

	return t ? t->tid : MS_TID_NONE;
}

void ms__thread_kill(struct ms_sim *sim, struct ms_thread *t, ms_tid killer,
		     enum ms_event_type why)
{
	struct ms__sched *s = S(sim);

	if (t->state == MS_THREAD_DEAD)
		return;
	ms__sched_unready(s, t);
	if (t->waitq) {
		g_queue_unlink(&t->waitq->q, &t->wait_link);
		t->waitq = NULL;
		if (!t->in_timeouts)
			s->blocked--;
	}
	ms__sched_timeout_remove(s, t);
	t->state = MS_THREAD_DEAD;
	g_hash_table_remove(s->threads, GUINT_TO_POINTER(t->tid));
	s->stats.threads_exited++;
	ms__event(sim, why, t->tid, killer, 0);
	subsys_gone(sim, t, MS__SUB__COUNT);
	ms__wake_all(sim, &t->joiners, 0);
}

void ms__thread_release(struct ms_sim *sim, struct ms_thread *t)
{
	ms__stack_put(sim, &t->stack);
	ms__ctx_destroy(&t->ctx);
	free(t);
}

_Noreturn void ms__thread_end_self(struct ms_sim *sim, enum ms_event_type why)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = s->current;

	ms__kernel_enter(sim, MS__COST_THREAD_EXIT);
	ms__thread_kill(sim, t, t->tid, why);
	/* We run on t's stack: free the previous deferred thread, defer t. */
	ms__sched_release_deferred(sim);
	s->deferred = t;
	t->ctx.dying = true;
	ms__schedule(sim);
	abort(); /* a dead thread is never switched back to */
}

_Noreturn void ms_thread_exit(struct ms_sim *sim)
{
	ms__thread_end_self(sim, MS_EV_THREAD_EXIT);
}

int ms_thread_abort(struct ms_sim *sim, ms_tid tid)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *cur = s->current;
	struct ms_thread *t = ms__thread_lookup(sim, tid);
	int ret = 0;

	if (!t)
		return -ENOENT;
	if (t == cur)
		ms__thread_end_self(sim, MS_EV_THREAD_ABORT);
	if (cur && cur->user)
		return -EPERM;
	if (cur)
		ms__kernel_enter(sim, MS__COST_THREAD_EXIT);
	ms__thread_kill(sim, t, cur ? cur->tid : MS_TID_NONE, MS_EV_THREAD_ABORT);
	ms__sched_release_deferred(sim);
	ms__thread_release(sim, t);
	if (cur)
		ms__kernel_exit(sim);
	return ret;
}

void ms_yield(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = s->current;

	if (!t)
		return;
	ms__kernel_enter(sim, MS__COST_KERNEL_ENTRY);
	ms__event(sim, MS_EV_YIELD, t->tid, 0, 0);
	ms__sched_make_ready(s, t);
	ms__schedule(sim);
}

void ms_busy_wait(struct ms_sim *sim, uint64_t ticks)
{
	if (!ms__current(sim))
		return;
	ms__kernel_enter(sim, (uint32_t)(ticks > UINT32_MAX ? UINT32_MAX : ticks));
	ms__kernel_exit(sim);
}

void ms_sleep(struct ms_sim *sim, uint64_t ticks)
{
	struct ms__waitq never;
	struct ms_thread *t = S(sim)->current;

	if (!t)
		return;
	if (!ticks) {
		ms_yield(sim);
		return;
	}
	ms__kernel_enter(sim, MS__COST_KERNEL_ENTRY);
	/* A sleep is a timed wait on a queue nobody wakes. */
	ms__waitq_init(&never);
	ms__event(sim, MS_EV_SLEEP, t->tid, ms_sim_now(sim) + ticks, 0);
	ms__wait(sim, &never, (int64_t)ticks);
}

int ms_thread_join(struct ms_sim *sim, ms_tid tid, int64_t timeout)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *cur = s->current;
	struct ms_thread *t;
	int ret;

	if (!cur)
		return -EPERM;
	if (tid == cur->tid)
		return -EDEADLK;
	if (tid == MS_TID_NONE || tid >= s->next_tid)
		return -ENOENT;
	t = ms__thread_lookup(sim, tid);
	if (!t)
		return 0;
	if (timeout == MS_NO_WAIT)
		return -EBUSY;
	ms__kernel_enter(sim, MS__COST_KERNEL_ENTRY);
	ret = ms__wait(sim, &t->joiners, timeout);
	ms__kernel_exit(sim);
	return ret == -EAGAIN ? -EAGAIN : 0;
}

_Noreturn void ms_user_mode_enter(struct ms_sim *sim, ms_entry_fn entry,
				  void *arg)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = s->current;
	const struct ms_config *cfg = ms_sim_config(sim);

	if (!t)
		abort(); /* documented: only from a simulated thread */
	ms__kernel_enter(sim, MS__COST_SYSCALL);
	if (!t->user) {
		if (!t->stack.plo) {
			int ret = ms__stack_add_priv(sim, &t->stack,
						     cfg->priv_stack_size,
						     t->stack.guard);
			if (ret) {
				ms__log_warn("thread %s: no privileged stack (%d)",
					     t->name, ret);
				ms__thread_end_self(sim, MS_EV_THREAD_ABORT);
			}
		}
		t->user = true;
		ms__event(sim, MS_EV_USER_MODE, t->tid, 0, 0);
		for (int i = 0; i < MS__SUB__COUNT; i++) {
			const struct ms__subsys *ss = ms__subsystems[i];

			if (ss && ss->user_mode)
				ss->user_mode(sim, t);
		}
	}
	ms__kernel_exit(sim);
	entry(sim, arg);
	ms__thread_end_self(sim, MS_EV_THREAD_EXIT);
}

int ms_thread_info(struct ms_sim *sim, ms_tid tid, struct ms_thread_info *out)
{
	struct ms_thread *t = ms__thread_lookup(sim, tid);

	if (!t)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->tid = t->tid;
	out->parent = t->parent;
	snprintf(out->name, sizeof(out->name), "%s", t->name);
	out->state = t->state;
	out->priority = t->prio;
	out->user = t->user;
	out->stack_size = t->stack.size;
	out->guard_size = t->stack.guard;
	out->stack_high_water = ms__stack_high_water(sim, &t->stack);
	out->stack_base = t->stack.lo;
	out->group = t->group;
	return 0;
}

int ms_thread_priority_set(struct ms_sim *sim, ms_tid tid, int priority)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = ms__thread_lookup(sim, tid);
	bool was_ready;

	if (!t)
		return -ENOENT;
	if (priority < MS_PRIO_MIN || priority > MS_PRIO_MAX)
		return -EINVAL;
	if (s->current && s->current->user)
		return -EPERM;
	was_ready = t->on_runq;
	ms__sched_unready(s, t);
	t->prio = priority;
	if (was_ready)
		ms__sched_make_ready(s, t);
	return 0;
}

int ms_thread_group_set(struct ms_sim *sim, ms_tid tid, uint32_t group)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = ms__thread_lookup(sim, tid);

	if (!t)
		return -ENOENT;
	if (s->current && s->current->user)
		return -EPERM;
	for (int i = 0; i < MS__SUB__COUNT; i++) {
		const struct ms__subsys *ss = ms__subsystems[i];
		int ret;

		if (!ss || !ss->group_set)
			continue;
		ret = ss->group_set(sim, t, group);
		if (ret) {
			while (--i >= 0) {
				ss = ms__subsystems[i];
				if (ss && ss->group_set)
					ss->group_set(sim, t, t->group);
			}
			return ret;
		}
	}
	t->group = group;
	return 0;
}
