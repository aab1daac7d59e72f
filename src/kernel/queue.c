/* SPDX-License-Identifier: MIT */
/*
 * Queues (Zephyr's kernel/queue.c) and user workqueues on top of them
 * (lib/os/work_q.c: k_work_user_queue_start, k_work_user_submit_to_queue).
 *
 * What it models: an unbounded queue that user threads feed with
 * alloc_append/alloc_prepend, where each queued item costs a node on the
 * kernel heap charged to the appender, until the item is taken; and a
 * worker thread that consumes queued work items, so a flood of submissions
 * holds kernel memory for as long as the worker lags behind.
 *
 * Invariants: the queue is empty whenever a thread waits on it (an insert
 * goes to the first waiter without allocating); every node is freed by the
 * get that takes its item, or with the queue, crediting its appender.
 */
#include <errno.h>

#include "alloc/alloc.h"
#include "kernel/kernel.h"

int ms__queue_insert(struct ms__kernel *ks, struct ms__kobj *q,
		     struct ms_thread *requester, void *data, bool append,
		     unsigned kind)
{
	struct ms_sim *sim = ks->sim;
	struct ms__qitem *it;
	void *node = NULL;
	ms_tid tid;
	int ret;

	/* A waiter takes the data directly: no node, nothing charged. */
	tid = ms__wake_one(sim, &q->u.queue.wq, 0);
	if (tid != MS_TID_NONE) {
		ms__kthread(ms__thread_lookup(sim, tid))->handoff = data;
		return 0;
	}
	ret = ms__kalloc(sim, requester, MS__QNODE_SIZE, kind, &node);
	if (ret)
		return ret;
	it = g_slice_new(struct ms__qitem);
	it->data = data;
	it->node = node;
	if (append)
		g_queue_push_tail(&q->u.queue.items, it);
	else
		g_queue_push_head(&q->u.queue.items, it);
	ms__kobj_signal_pollers(ks, q);
	return 0;
}

struct q_args {
	struct ms__sys c;
	ms_handle h;
	void *data;
	void **out;
	int64_t timeout;
	struct ms_work_user_q *wq;
	struct ms_work_user *work;
};

static int sys_queue_init(struct ms_sim *sim, void *p)
{
	struct q_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_QUEUE, MS_KOBJ_INIT_FALSE,
			  &o);
	if (ret)
		return ret;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_queue_init(struct ms_sim *sim, ms_handle queue)
{
	struct q_args a = { .h = queue };

	return ms__syscall(sim, MS_SYS_QUEUE_INIT, sys_queue_init, &a);
}

static int queue_alloc_insert(struct ms_sim *sim, struct q_args *a,
			      bool append)
{
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_QUEUE, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	return ms__queue_insert(ms__kernel(sim), o, a->c.t, a->data, append,
				MS_ALLOC_QUEUE_NODE);
}

static int sys_queue_alloc_append(struct ms_sim *sim, void *p)
{
	return queue_alloc_insert(sim, p, true);
}

static int sys_queue_alloc_prepend(struct ms_sim *sim, void *p)
{
	return queue_alloc_insert(sim, p, false);
}

int ms_sys_queue_alloc_append(struct ms_sim *sim, ms_handle queue, void *data)
{
	struct q_args a = { .h = queue, .data = data };

	return ms__syscall(sim, MS_SYS_QUEUE_ALLOC_APPEND,
			   sys_queue_alloc_append, &a);
}

int ms_sys_queue_alloc_prepend(struct ms_sim *sim, ms_handle queue,
			       void *data)
{
	struct q_args a = { .h = queue, .data = data };

	return ms__syscall(sim, MS_SYS_QUEUE_ALLOC_PREPEND,
			   sys_queue_alloc_prepend, &a);
}

static int sys_queue_get(struct ms_sim *sim, void *p)
{
	struct q_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kobj *o, *still;
	struct ms__qitem *it;
	struct ms__kthread *kt;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_QUEUE, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	ret = ms__sys_buf(sim, &a->c, a->out, sizeof(*a->out), true, "data");
	if (ret)
		return ret;
	it = g_queue_pop_head(&o->u.queue.items);
	if (it) {
		*a->out = it->data;
		/* The node goes now, whoever takes it: its appender is
		 * credited. */
		ms__kfree(sim, it->node);
		g_slice_free(struct ms__qitem, it);
		return 0;
	}
	if (a->timeout == MS_NO_WAIT || !a->c.t)
		return -EAGAIN;
	kt = ms__kthread(a->c.t);
	kt->handoff = NULL;
	ret = ms__kobj_wait(ks, o, &o->u.queue.wq, a->timeout, &still);
	if (ret == 0)
		*a->out = kt->handoff;
	return ret;
}

int ms_sys_queue_get(struct ms_sim *sim, ms_handle queue, void **data,
		     int64_t timeout)
{
	struct q_args a = { .h = queue, .out = data, .timeout = timeout };

	return ms__syscall(sim, MS_SYS_QUEUE_GET, sys_queue_get, &a);
}

static int sys_queue_cancel_wait(struct ms_sim *sim, void *p)
{
	struct q_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_QUEUE, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	ms__wake_one(sim, &o->u.queue.wq, -EINTR);
	return 0;
}

int ms_sys_queue_cancel_wait(struct ms_sim *sim, ms_handle queue)
{
	struct q_args a = { .h = queue };

	return ms__syscall(sim, MS_SYS_QUEUE_CANCEL_WAIT, sys_queue_cancel_wait,
			   &a);
}

static int sys_queue_is_empty(struct ms_sim *sim, void *p)
{
	struct q_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_QUEUE, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	return g_queue_is_empty(&o->u.queue.items) ? 1 : 0;
}

int ms_sys_queue_is_empty(struct ms_sim *sim, ms_handle queue)
{
	struct q_args a = { .h = queue };

	return ms__syscall(sim, MS_SYS_QUEUE_IS_EMPTY, sys_queue_is_empty, &a);
}

/* ---- user workqueues ---------------------------------------------------- */

void ms_work_user_init(struct ms_work_user *work, ms_work_user_handler fn)
{
	work->handler = fn;
	work->flags = 0;
}

bool ms_work_user_is_pending(const struct ms_work_user *work)
{
	return work->flags & MS_WORK_USER_PENDING;
}

static void work_user_main(struct ms_sim *sim, void *arg)
{
	struct ms_work_user_q *wq = arg;

	for (;;) {
		void *data;
		int ret = ms_sys_queue_get(sim, wq->queue, &data,
					   wq->stop ? MS_NO_WAIT : MS_FOREVER);

		if (ret == 0) {
			struct ms_work_user *w = data;

			w->flags &= ~MS_WORK_USER_PENDING;
			if (w->handler)
				w->handler(sim, w);
			wq->done++;
			continue;
		}
		if (wq->stop)
			return;
	}
}

int ms_work_user_queue_start(struct ms_sim *sim, struct ms_work_user_q *wq,
			     ms_handle queue,
			     const struct ms_thread_attr *attr)
{
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms_thread_attr a;
	int ret;

	ret = ms_sys_queue_init(sim, queue);
	if (ret)
		return ret;
	if (attr)
		a = *attr;
	else
		ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER | MS_THREAD_INHERIT_PERMS;
	wq->queue = queue;
	wq->stop = false;
	wq->done = 0;
	wq->thread = MS_TID_NONE;
	/*
	 * The worker inherits the caller's permissions, the queue's among
	 * them; Zephyr also grants it the queue, for callers that hold no
	 * permission (supervisors). The kernel does that grant in the new
	 * thread's creation hook, before the worker can run and need it.
	 */
	ks->grant_on_create = queue;
	ret = ms_thread_create(sim, &a, work_user_main, wq, &wq->thread);
	ks->grant_on_create = MS_HANDLE_NONE;
	return ret;
}

static int sys_work_user_submit(struct ms_sim *sim, void *p)
{
	struct q_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_buf(sim, &a->c, a->wq, sizeof(*a->wq), false,
			  "work queue");
	if (ret)
		return ret;
	ret = ms__sys_buf(sim, &a->c, a->work, sizeof(*a->work), true, "work");
	if (ret)
		return ret;
	ret = ms__sys_obj(sim, &a->c, a->wq->queue, MS_KOBJ_QUEUE,
			  MS_KOBJ_INIT_TRUE, &o);
	if (ret)
		return ret;
	if (a->work->flags & MS_WORK_USER_PENDING)
		return -EBUSY;
	a->work->flags |= MS_WORK_USER_PENDING;
	ret = ms__queue_insert(ms__kernel(sim), o, a->c.t, a->work, true,
			       MS_ALLOC_WORK);
	if (ret)
		a->work->flags &= ~MS_WORK_USER_PENDING;
	return ret;
}

int ms_work_user_submit(struct ms_sim *sim, struct ms_work_user_q *wq,
			struct ms_work_user *work)
{
	struct q_args a = { .wq = wq, .work = work };

	return ms__syscall(sim, MS_SYS_WORK_USER_SUBMIT, sys_work_user_submit,
			   &a);
}

int ms_work_user_queue_stop(struct ms_sim *sim, struct ms_work_user_q *wq)
{
	wq->stop = true;
	return ms_sys_queue_cancel_wait(sim, wq->queue);
}
