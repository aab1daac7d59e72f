/* SPDX-License-Identifier: MIT */
/*
 * Polling several objects at once (Zephyr's kernel/poll.c, k_poll).
 *
 * What it models: a syscall that must copy a user array into the kernel
 * before it can check it, so it makes a transient kernel allocation on the
 * caller's behalf. Zephyr once leaked that copy when an event named a bad
 * object: the verify step oopsed without freeing it, and a thread that
 * repeated the call drained the pool. Here the copy is freed on every way
 * out: success, error, oops, and the caller's death while it waits.
 *
 * Invariants: while a thread is blocked in poll it is registered on every
 * polled object and its per-thread state points at the registration and
 * the copy, so whatever ends the wait (a wake, a timeout, the object's
 * end, the thread's death) unregisters it and frees the copy exactly once.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "alloc/alloc.h"
#include "kernel/kernel.h"

static unsigned poll_obj_type(uint32_t type)
{
	switch (type) {
	case MS_POLL_TYPE_SEM_AVAILABLE:
		return MS_KOBJ_SEM;
	case MS_POLL_TYPE_DATA_AVAILABLE:
		return MS_KOBJ_QUEUE;
	case MS_POLL_TYPE_MSGQ_DATA_AVAILABLE:
		return MS_KOBJ_MSGQ;
	case MS_POLL_TYPE_PIPE_DATA_AVAILABLE:
		return MS_KOBJ_PIPE;
	default:
		return MS_KOBJ__COUNT;
	}
}

/* The state bit an object's readiness sets (0: not ready). */
static uint32_t obj_ready(const struct ms__kobj *o)
{
	switch (o->type) {
	case MS_KOBJ_SEM:
		return o->u.sem.count ? MS_POLL_STATE_SEM_AVAILABLE : 0;
	case MS_KOBJ_QUEUE:
		return o->u.queue.items.length ? MS_POLL_STATE_DATA_AVAILABLE : 0;
	case MS_KOBJ_MSGQ:
		return o->u.msgq.used ? MS_POLL_STATE_MSGQ_DATA_AVAILABLE : 0;
	case MS_KOBJ_PIPE:
		return o->u.pipe.used ? MS_POLL_STATE_PIPE_DATA_AVAILABLE : 0;
	default:
		return 0;
	}
}

/* Set every event's state; how many are ready. A gone object counts in
 * ps->obj_gone. */
static int scan(struct ms__kernel *ks, struct ms_poll_event *ev, int n,
		struct ms__poll_state *ps)
{
	int ready = 0;

	for (int i = 0; i < n; i++) {
		struct ms__kobj *o;

		ev[i].state = MS_POLL_STATE_NOT_READY;
		if (ev[i].type == MS_POLL_TYPE_IGNORE)
			continue;
		o = ms__kobj_get(ks, ev[i].obj);
		if (!o) {
			ps->obj_gone = true;
			continue;
		}
		ev[i].state = obj_ready(o);
		if (ev[i].state)
			ready++;
	}
	return ready;
}

static void unregister(struct ms__poll_state *ps)
{
	for (int i = 0; i < ps->nregs; i++) {
		struct ms__poll_reg *reg = &ps->regs[i];

		if (reg->obj)
			g_queue_unlink(&reg->obj->pollers, &reg->link);
		reg->obj = NULL;
	}
	ps->nregs = 0;
}

static void do_register(struct ms__kernel *ks, struct ms__poll_state *ps,
			const struct ms_poll_event *ev, int n)
{
	ps->nregs = 0;
	for (int i = 0; i < n; i++) {
		struct ms__poll_reg *reg;
		struct ms__kobj *o;

		if (ev[i].type == MS_POLL_TYPE_IGNORE)
			continue;
		o = ms__kobj_get(ks, ev[i].obj);
		if (!o)
			continue;
		reg = &ps->regs[ps->nregs++];
		reg->obj = o;
		reg->ps = ps;
		reg->link.data = reg;
		reg->link.prev = reg->link.next = NULL;
		g_queue_push_tail_link(&o->pollers, &reg->link);
	}
}

void ms__poll_thread_gone(struct ms__kernel *ks, struct ms__kthread *kt)
{
	struct ms__poll_state *ps = kt->poll;

	/* Killed while it waited: the syscall never returns to free this. */
	kt->poll = NULL;
	unregister(ps);
	ms__kfree(ks->sim, ps->copy);
	g_free(ps->regs);
	g_free(ps);
}

struct poll_args {
	struct ms__sys c;
	struct ms_poll_event *events;
	int num;
	int64_t timeout;
};

/* Wait for readiness; ev is the kernel's copy, ps holds it. */
static int poll_wait(struct ms__kernel *ks, struct ms__kthread *kt,
		     struct ms__poll_state *ps, struct ms_poll_event *ev,
		     int n, int64_t timeout)
{
	struct ms_sim *sim = ks->sim;
	uint64_t deadline = ms__deadline(sim, timeout);

	for (;;) {
		int64_t left = ms__remaining(sim, timeout, deadline);
		int ret;

		if (scan(ks, ev, n, ps))
			return 0;
		if (ps->obj_gone)
			return -EINTR;
		if (left == MS_NO_WAIT || !kt)
			return -EAGAIN;
		do_register(ks, ps, ev, n);
		kt->poll = ps;
		ret = ms__wait(sim, &ps->wq, left);
		kt->poll = NULL;
		unregister(ps);
		if (ret == -EAGAIN)
			return scan(ks, ev, n, ps) ? 0 : -EAGAIN;
	}
}

static int sys_poll(struct ms_sim *sim, void *p)
{
	struct poll_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kthread *kt = ms__kthread(a->c.t);
	struct ms__poll_state *ps;
	struct ms_poll_event *ev;
	size_t bytes;
	void *copy;
	int ret;

	if (a->num <= 0 || (size_t)a->num > INT_MAX / sizeof(*ev))
		return -EINVAL;
	bytes = (size_t)a->num * sizeof(*ev);
	/* Zephyr's order: the copy is allocated before the buffer is
	 * checked, so from here on every way out must free it. */
	ret = ms__kalloc(sim, a->c.t, bytes, MS_ALLOC_POLL_COPY, &copy);
	if (ret)
		return ret;
	if (!ms__sys_buf_ok(sim, &a->c, a->events, bytes, true)) {
		ms__kfree(sim, copy);
		return ms__sys_fail(sim, &a->c, -EFAULT,
				    "events: %zu bytes not writable by the "
				    "caller", bytes);
	}
	ev = copy;
	memcpy(ev, a->events, bytes);
	ms__sys_copy_cost(sim, bytes);
	for (int i = 0; i < a->num; i++) {
		unsigned type = poll_obj_type(ev[i].type);
		struct ms__kobj *o;

		if (ev[i].type == MS_POLL_TYPE_IGNORE)
			continue;
		if (type == MS_KOBJ__COUNT) {
			ms__kfree(sim, copy);
			return -EINVAL;
		}
		ret = ms__kobj_validate(ks, a->c.t, ev[i].obj, type,
					MS_KOBJ_INIT_TRUE, a->c.user, &o);
		if (ret) {
			/* The leak that was: free the copy before the oops. */
			ms__kfree(sim, copy);
			return ms__sys_fail(sim, &a->c, ret,
					    "event %d: %s %#x invalid", i,
					    ms_kobj_type_name(type),
					    ev[i].obj);
		}
	}

	ps = g_new0(struct ms__poll_state, 1);
	ms__waitq_init(&ps->wq);
	ps->regs = g_new0(struct ms__poll_reg, (size_t)a->num);
	ps->copy = copy;
	ret = poll_wait(ks, kt, ps, ev, a->num, a->timeout);
	if (ret == 0 || ret == -EAGAIN || ret == -EINTR) {
		memcpy(a->events, ev, bytes);
		ms__sys_copy_cost(sim, bytes);
	}
	ms__kfree(sim, copy);
	g_free(ps->regs);
	g_free(ps);
	return ret;
}

int ms_sys_poll(struct ms_sim *sim, struct ms_poll_event *events, int num,
		int64_t timeout)
{
	struct poll_args a = { .events = events, .num = num,
			       .timeout = timeout };

	return ms__syscall(sim, MS_SYS_POLL, sys_poll, &a);
}
