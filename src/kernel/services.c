/* SPDX-License-Identifier: MIT */
/*
 * What every kernel service shares: waiting on an object that may be freed
 * meanwhile, waking pollers, and releasing what an object holds when it is
 * freed (k_msgq_cleanup, k_stack_cleanup and friends).
 *
 * Invariant: an object being freed leaves no thread waiting on it (they
 * get -EINTR), no poller registered on it, and no kernel allocation behind:
 * its buffers, queue nodes and armed timeout are freed, each credited to
 * whoever was charged for it.
 */
#include <errno.h>

#include "alloc/alloc.h"
#include "kernel/kernel.h"

int ms__kobj_wait(struct ms__kernel *ks, struct ms__kobj *o,
		  struct ms__waitq *wq, int64_t timeout,
		  struct ms__kobj **still)
{
	ms_handle h = o->handle;
	int ret = ms__wait(ks->sim, wq, timeout);

	/* Anything may have happened while we slept, the object's end too. */
	*still = ms__kobj_get(ks, h);
	return ret;
}

int ms__kobj_block(struct ms__kernel *ks, struct ms__kobj **o,
		   struct ms__waitq *wq, int64_t left)
{
	int ret;

	if (left == MS_NO_WAIT)
		return -EAGAIN;
	ret = ms__kobj_wait(ks, *o, wq, left, o);
	if (!ret && !*o)
		ret = -EINTR;
	return ret;
}

void ms__kobj_signal_pollers(struct ms__kernel *ks, struct ms__kobj *o)
{
	for (GList *l = o->pollers.head; l; l = l->next) {
		struct ms__poll_reg *reg = l->data;

		ms__wake_one(ks->sim, &reg->ps->wq, 0);
	}
}

void ms__kobj_type_cleanup(struct ms__kernel *ks, struct ms__kobj *o)
{
	struct ms_sim *sim = ks->sim;
	struct ms__qitem *it;

	switch (o->type) {
	case MS_KOBJ_SEM:
		ms__wake_all(sim, &o->u.sem.wq, -EINTR);
		break;
	case MS_KOBJ_MUTEX:
		ms__wake_all(sim, &o->u.mutex.wq, -EINTR);
		break;
	case MS_KOBJ_TIMER:
		ms__timeout_disarm(ks, &o->u.timer.to);
		ms__wake_all(sim, &o->u.timer.wq, -EINTR);
		break;
	case MS_KOBJ_QUEUE:
		ms__wake_all(sim, &o->u.queue.wq, -EINTR);
		/* Queued nodes: each credits its appender. */
		while ((it = g_queue_pop_head(&o->u.queue.items))) {
			ms__kfree(sim, it->node);
			g_slice_free(struct ms__qitem, it);
		}
		break;
	case MS_KOBJ_MSGQ:
		ms__wake_all(sim, &o->u.msgq.readers, -EINTR);
		ms__wake_all(sim, &o->u.msgq.writers, -EINTR);
		ms__kfree(sim, o->u.msgq.buf);
		o->u.msgq.buf = NULL;
		break;
	case MS_KOBJ_STACK:
		ms__wake_all(sim, &o->u.stack.wq, -EINTR);
		ms__kfree(sim, o->u.stack.buf);
		o->u.stack.buf = NULL;
		break;
	case MS_KOBJ_PIPE:
		ms__wake_all(sim, &o->u.pipe.readers, -EINTR);
		ms__wake_all(sim, &o->u.pipe.writers, -EINTR);
		ms__kfree(sim, o->u.pipe.buf);
		o->u.pipe.buf = NULL;
		break;
	case MS_KOBJ_DELAYED_WORK:
		if (o->u.dwork.to.it) {
			ms__timeout_disarm(ks, &o->u.dwork.to);
			ms__kfree(sim, o->u.dwork.mem);
			o->u.dwork.mem = NULL;
		}
		break;
	default:
		break;
	}
}
