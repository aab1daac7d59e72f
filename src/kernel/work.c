/* SPDX-License-Identifier: MIT */
/*
 * Kernel timeouts on simulated time, the kernel's work thread, timers
 * (k_timer) and delayed work (k_work_delayable).
 *
 * What it models: a delayed work item whose armed timeout is a kernel
 * allocation charged to the thread that armed it, held until it fires or
 * is cancelled; and timers whose timeout lives in the object. Timeouts
 * fire on the simulated clock, in (tick, arming order), from one
 * supervisor thread of the kernel ("sysworkq", Zephyr's system workqueue),
 * created when the first timeout is armed and ended when none is left, so
 * that a run with no armed timeout ends as it would without the kernel.
 *
 * Invariants: a timeout is in the sorted set exactly when it is armed; an
 * armed delayed work holds exactly one timeout block; the work thread
 * exists whenever a timeout is armed or a fired work waits to run (except
 * when the host could not give it a stack: logged, nothing fires).
 */
#include <errno.h>

#include "alloc/alloc.h"
#include "core/cost.h"
#include "kernel/kernel.h"

static gint timeout_cmp(gconstpointer a, gconstpointer b, gpointer data)
{
	const struct ms__ktimeout *x = a, *y = b;

	if (x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void kthread_main(struct ms_sim *sim, void *arg);

static void kthread_ensure(struct ms__kernel *ks)
{
	struct ms_thread_attr a;
	int ret;

	if (ks->kthread != MS_TID_NONE) {
		/* It may be waiting for a later deadline: let it look again. */
		ms__wake_one(ks->sim, &ks->kwq, 0);
		return;
	}
	ms_thread_attr_init(&a);
	a.name = "sysworkq";
	a.priority = MS_PRIO_MIN;
	a.group = 0;
	ks->creating_kthread = true;
	ret = ms__kthread_create(ks->sim, &a, kthread_main, ks, &ks->kthread);
	ks->creating_kthread = false;
	if (ret) {
		ks->kthread = MS_TID_NONE;
		ms__log_warn("kernel: no work thread (%d): timeouts will not fire",
			     ret);
	}
}

void ms__timeout_arm(struct ms__kernel *ks, struct ms__ktimeout *to,
		     struct ms__kobj *o, uint64_t delay)
{
	ms__timeout_disarm(ks, to);
	to->tick = ms_sim_now(ks->sim) + delay;
	to->seq = ks->timeout_seq++;
	to->obj = o;
	to->it = g_sequence_insert_sorted(ks->timeouts, to, timeout_cmp, NULL);
	kthread_ensure(ks);
}

void ms__timeout_disarm(struct ms__kernel *ks, struct ms__ktimeout *to)
{
	if (!to->it)
		return;
	g_sequence_remove(to->it);
	to->it = NULL;
}

static void timer_fire(struct ms__kernel *ks, struct ms__kobj *o)
{
	struct ms__ktimeout *to = &o->u.timer.to;

	o->u.timer.status++;
	ms__wake_all(ks->sim, &o->u.timer.wq, 0);
	if (o->u.timer.period) {
		/* From the due tick, not from now: a late run does not drift. */
		to->tick += o->u.timer.period;
		to->seq = ks->timeout_seq++;
		to->it = g_sequence_insert_sorted(ks->timeouts, to, timeout_cmp,
						  NULL);
	}
}

static void dwork_fire(struct ms__kernel *ks, struct ms__kobj *o)
{
	/* The timeout block is released as it fires, credited to whoever
	 * armed it. */
	ms__kfree(ks->sim, o->u.dwork.mem);
	o->u.dwork.mem = NULL;
	o->u.dwork.fired++;
	g_queue_push_tail(&ks->fired, GUINT_TO_POINTER(o->handle));
}

/* Fire every timeout that is due. */
static void expire(struct ms__kernel *ks)
{
	uint64_t now = ms_sim_now(ks->sim);

	for (;;) {
		GSequenceIter *it = g_sequence_get_begin_iter(ks->timeouts);
		struct ms__ktimeout *to;

		if (g_sequence_iter_is_end(it))
			return;
		to = g_sequence_get(it);
		if (to->tick > now)
			return;
		g_sequence_remove(it);
		to->it = NULL;
		if (to->obj->type == MS_KOBJ_TIMER)
			timer_fire(ks, to->obj);
		else
			dwork_fire(ks, to->obj);
	}
}

static void kthread_main(struct ms_sim *sim, void *arg)
{
	struct ms__kernel *ks = arg;

	for (;;) {
		GSequenceIter *it;
		gpointer h;
		int64_t wait;

		ms__kernel_enter(sim, MS__COST_KERNEL_ENTRY);
		expire(ks);
		if (ks->fired.length) {
			ms__kernel_exit(sim);
			/* Handlers run as work items: the kernel outside. */
			while ((h = g_queue_pop_head(&ks->fired))) {
				struct ms__kobj *o =
					ms__kobj_get(ks, GPOINTER_TO_UINT(h));

				if (o && o->u.dwork.fn)
					o->u.dwork.fn(sim, o->handle,
						      o->u.dwork.arg);
			}
			continue;
		}
		it = g_sequence_get_begin_iter(ks->timeouts);
		if (g_sequence_iter_is_end(it)) {
			/* Nothing armed: end, and come back when needed. */
			ks->kthread = MS_TID_NONE;
			ms__kernel_exit(sim);
			return;
		}
		wait = (int64_t)(((struct ms__ktimeout *)g_sequence_get(it))->tick -
				 ms_sim_now(sim));
		ms__wait(sim, &ks->kwq, wait > 0 ? wait : 1);
	}
}

void ms__work_thread_gone(struct ms__kernel *ks, struct ms_thread *t)
{
	if (ms__thread_tid(t) == ks->kthread)
		ks->kthread = MS_TID_NONE;
}

void ms__work_fini(struct ms__kernel *ks)
{
	/* The objects' cleanup disarms and frees what is armed. */
	g_queue_clear(&ks->fired);
}

/* ---- timers ---- */

struct tw_args {
	struct ms__sys c;
	ms_handle h;
	uint64_t duration, period;
	ms_dwork_handler fn;
	void *arg;
};

static int sys_timer_init(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_TIMER, MS_KOBJ_INIT_ANY,
			  &o);
	if (ret)
		return ret;
	ms__timeout_disarm(ms__kernel(sim), &o->u.timer.to);
	o->u.timer.status = 0;
	o->u.timer.period = 0;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_timer_init(struct ms_sim *sim, ms_handle timer)
{
	struct tw_args a = { .h = timer };

	return ms__syscall(sim, MS_SYS_TIMER_INIT, sys_timer_init, &a);
}

static int sys_timer_start(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_TIMER, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	o->u.timer.status = 0;
	o->u.timer.period = a->period;
	ms__timeout_arm(ms__kernel(sim), &o->u.timer.to, o, a->duration);
	return 0;
}

int ms_sys_timer_start(struct ms_sim *sim, ms_handle timer, uint64_t duration,
		       uint64_t period)
{
	struct tw_args a = { .h = timer, .duration = duration,
			     .period = period };

	return ms__syscall(sim, MS_SYS_TIMER_START, sys_timer_start, &a);
}

static int sys_timer_stop(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_TIMER, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	ms__timeout_disarm(ms__kernel(sim), &o->u.timer.to);
	ms__wake_all(sim, &o->u.timer.wq, 0);
	return 0;
}

int ms_sys_timer_stop(struct ms_sim *sim, ms_handle timer)
{
	struct tw_args a = { .h = timer };

	return ms__syscall(sim, MS_SYS_TIMER_STOP, sys_timer_stop, &a);
}

static int sys_timer_status_get(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	uint32_t st;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_TIMER, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	st = o->u.timer.status;
	o->u.timer.status = 0;
	return (int)MIN(st, (uint32_t)INT32_MAX);
}

int ms_sys_timer_status_get(struct ms_sim *sim, ms_handle timer)
{
	struct tw_args a = { .h = timer };

	return ms__syscall(sim, MS_SYS_TIMER_STATUS_GET, sys_timer_status_get,
			   &a);
}

static int sys_timer_status_sync(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	uint32_t st;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_TIMER, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	if (!o->u.timer.status && o->u.timer.to.it && a->c.t) {
		ret = ms__kobj_wait(ms__kernel(sim), o, &o->u.timer.wq,
				    MS_FOREVER, &o);
		if (ret || !o)
			return -EINTR;
	}
	st = o->u.timer.status;
	o->u.timer.status = 0;
	return (int)MIN(st, (uint32_t)INT32_MAX);
}

int ms_sys_timer_status_sync(struct ms_sim *sim, ms_handle timer)
{
	struct tw_args a = { .h = timer };

	return ms__syscall(sim, MS_SYS_TIMER_STATUS_SYNC, sys_timer_status_sync,
			   &a);
}

/* ---- delayed work ---- */

static int sys_dwork_init(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_DELAYED_WORK,
			  MS_KOBJ_INIT_ANY, &o);
	if (ret)
		return ret;
	/*
	 * The handler runs on sysworkq, a supervisor thread: from a user
	 * thread it would be user code run with supervisor rights. Zephyr
	 * keeps k_work_delayable supervisor-only (user threads have user
	 * workqueues); here a user thread may arm an item, but not give it
	 * code. Refused like memsim's other supervisor-only operations
	 * (-EPERM back, no oops): the arguments are well formed, the caller
	 * lacks the right. Nothing is changed, an installed handler neither.
	 */
	if (a->c.user && a->fn)
		return -EPERM;
	if (o->u.dwork.to.it)
		return -EBUSY;
	o->u.dwork.fn = a->fn;
	o->u.dwork.arg = a->arg;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_dwork_init(struct ms_sim *sim, ms_handle dwork, ms_dwork_handler fn,
		      void *arg)
{
	struct tw_args a = { .h = dwork, .fn = fn, .arg = arg };

	return ms__syscall(sim, MS_SYS_DWORK_INIT, sys_dwork_init, &a);
}

static int sys_dwork_submit(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	void *mem;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_DELAYED_WORK,
			  MS_KOBJ_INIT_TRUE, &o);
	if (ret)
		return ret;
	if (o->u.dwork.to.it)
		return 0;	/* armed already: left as it is */
	ret = ms__kalloc(sim, a->c.t, MS__TIMEOUT_SIZE, MS_ALLOC_TIMEOUT, &mem);
	if (ret)
		return ret;
	o->u.dwork.mem = mem;
	ms__timeout_arm(ms__kernel(sim), &o->u.dwork.to, o, a->duration);
	return 1;
}

int ms_sys_dwork_submit(struct ms_sim *sim, ms_handle dwork, uint64_t delay)
{
	struct tw_args a = { .h = dwork, .duration = delay };

	return ms__syscall(sim, MS_SYS_DWORK_SUBMIT, sys_dwork_submit, &a);
}

static int sys_dwork_cancel(struct ms_sim *sim, void *p)
{
	struct tw_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_DELAYED_WORK,
			  MS_KOBJ_INIT_TRUE, &o);
	if (ret)
		return ret;
	if (!o->u.dwork.to.it)
		return 0;
	ms__timeout_disarm(ms__kernel(sim), &o->u.dwork.to);
	ms__kfree(sim, o->u.dwork.mem);
	o->u.dwork.mem = NULL;
	return 1;
}

int ms_sys_dwork_cancel(struct ms_sim *sim, ms_handle dwork)
{
	struct tw_args a = { .h = dwork };

	return ms__syscall(sim, MS_SYS_DWORK_CANCEL, sys_dwork_cancel, &a);
}

int64_t ms_dwork_fired(struct ms_sim *sim, ms_handle dwork)
{
	struct ms__kobj *o = ms__kobj_get(ms__kernel(sim), dwork);

	if (!o || o->type != MS_KOBJ_DELAYED_WORK)
		return -EBADF;
	return (int64_t)o->u.dwork.fired;
}
