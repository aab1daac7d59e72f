/* SPDX-License-Identifier: MIT */
/*
 * Semaphores and mutexes (Zephyr's kernel/sem.c and kernel/mutex.c), as
 * syscalls. Neither allocates anything.
 *
 * Invariants: a semaphore's count is never above its limit, and is 0
 * whenever a thread waits on it (a give goes to the first waiter); a
 * mutex has an owner exactly when its lock count is positive, and a
 * released mutex passes straight to its first waiter. Priority inheritance
 * is not modelled.
 */
#include <errno.h>

#include "kernel/kernel.h"

struct sem_args {
	struct ms__sys c;
	ms_handle h;
	unsigned initial, limit;
	int64_t timeout;
};

/* ---- semaphores ---- */

static int sys_sem_init(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_SEM, MS_KOBJ_INIT_ANY, &o);
	if (ret)
		return ret;
	if (a->limit == 0 || a->initial > a->limit)
		return -EINVAL;
	o->u.sem.count = a->initial;
	o->u.sem.limit = a->limit;
	o->flags |= MS__KF_INIT;
	if (a->initial)
		ms__kobj_signal_pollers(ms__kernel(sim), o);
	return 0;
}

int ms_sys_sem_init(struct ms_sim *sim, ms_handle sem, unsigned initial,
		    unsigned limit)
{
	struct sem_args a = { .h = sem, .initial = initial, .limit = limit };

	return ms__syscall(sim, MS_SYS_SEM_INIT, sys_sem_init, &a);
}

static int sys_sem_give(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE, &o);
	if (ret)
		return ret;
	if (ms__wake_one(sim, &o->u.sem.wq, 0) != MS_TID_NONE)
		return 0;
	if (o->u.sem.count < o->u.sem.limit)
		o->u.sem.count++;
	ms__kobj_signal_pollers(ms__kernel(sim), o);
	return 0;
}

int ms_sys_sem_give(struct ms_sim *sim, ms_handle sem)
{
	struct sem_args a = { .h = sem };

	return ms__syscall(sim, MS_SYS_SEM_GIVE, sys_sem_give, &a);
}

static int sys_sem_take(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o, *still;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE, &o);
	if (ret)
		return ret;
	if (o->u.sem.count > 0) {
		o->u.sem.count--;
		return 0;
	}
	if (a->timeout == MS_NO_WAIT)
		return -EBUSY;
	/* A give hands the unit to us directly: 0 means we have it. */
	return ms__kobj_wait(ms__kernel(sim), o, &o->u.sem.wq, a->timeout,
			     &still);
}

int ms_sys_sem_take(struct ms_sim *sim, ms_handle sem, int64_t timeout)
{
	struct sem_args a = { .h = sem, .timeout = timeout };

	return ms__syscall(sim, MS_SYS_SEM_TAKE, sys_sem_take, &a);
}

static int sys_sem_count_get(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_SEM, MS_KOBJ_INIT_TRUE, &o);
	if (ret)
		return ret;
	return (int)o->u.sem.count;
}

int ms_sys_sem_count_get(struct ms_sim *sim, ms_handle sem)
{
	struct sem_args a = { .h = sem };

	return ms__syscall(sim, MS_SYS_SEM_COUNT_GET, sys_sem_count_get, &a);
}

/* ---- mutexes ---- */

static ms_tid caller_tid(const struct ms__sys *c)
{
	return c->t ? ms__thread_tid(c->t) : MS_TID_NONE;
}

static int sys_mutex_init(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_MUTEX, MS_KOBJ_INIT_ANY,
			  &o);
	if (ret)
		return ret;
	o->u.mutex.owner = MS_TID_NONE;
	o->u.mutex.lock_count = 0;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_mutex_init(struct ms_sim *sim, ms_handle mutex)
{
	struct sem_args a = { .h = mutex };

	return ms__syscall(sim, MS_SYS_MUTEX_INIT, sys_mutex_init, &a);
}

static int sys_mutex_lock(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o, *still;
	ms_tid me = caller_tid(&a->c);
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_MUTEX, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	if (o->u.mutex.lock_count == 0 || o->u.mutex.owner == me) {
		o->u.mutex.owner = me;
		o->u.mutex.lock_count++;
		return 0;
	}
	if (a->timeout == MS_NO_WAIT)
		return -EBUSY;
	/* The unlocker makes us the owner before it wakes us. */
	return ms__kobj_wait(ms__kernel(sim), o, &o->u.mutex.wq, a->timeout,
			     &still);
}

int ms_sys_mutex_lock(struct ms_sim *sim, ms_handle mutex, int64_t timeout)
{
	struct sem_args a = { .h = mutex, .timeout = timeout };

	return ms__syscall(sim, MS_SYS_MUTEX_LOCK, sys_mutex_lock, &a);
}

static int sys_mutex_unlock(struct ms_sim *sim, void *p)
{
	struct sem_args *a = p;
	struct ms__kobj *o;
	ms_tid next;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_MUTEX, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	if (o->u.mutex.lock_count == 0)
		return -EINVAL;
	if (o->u.mutex.owner != caller_tid(&a->c))
		return -EPERM;
	if (--o->u.mutex.lock_count)
		return 0;
	next = ms__wake_one(sim, &o->u.mutex.wq, 0);
	o->u.mutex.owner = next;
	if (next)
		o->u.mutex.lock_count = 1;
	return 0;
}

int ms_sys_mutex_unlock(struct ms_sim *sim, ms_handle mutex)
{
	struct sem_args a = { .h = mutex };

	return ms__syscall(sim, MS_SYS_MUTEX_UNLOCK, sys_mutex_unlock, &a);
}
