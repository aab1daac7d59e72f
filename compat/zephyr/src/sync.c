/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: semaphores, mutexes, futexes and sys_sem, queues,
 * message queues, stacks, pipes and timers.
 *
 * Each call names its object by address; the layer turns the address into
 * the memsim handle (objects.c) and makes the memsim call, which is a
 * syscall for a user thread: memsim checks the handle (type, permission,
 * initialisation) and the buffers, and kills a user caller with an oops
 * on a bad one, as Zephyr's z_vrfy_ functions do. In interrupt context
 * (irq_offload) nothing waits: a timeout becomes K_NO_WAIT, as an ISR's.
 */
#include "zms.h"

#include <zephyr/sys/sem.h>

static int64_t wait_ticks(k_timeout_t t)
{
	return k_is_in_isr() ? MS_NO_WAIT : zms_ticks(t);
}

/* ---- k_sem ------------------------------------------------------------------ */

int k_sem_init(struct k_sem *sem, unsigned int initial_count,
	       unsigned int limit)
{
	int ret = ms_sys_sem_init(zms.sim, zms_handle(sem, K_OBJ_SEM),
				  initial_count, limit);

	if (ret == 0 && !zms_user()) {
		sem->count = initial_count;
		sem->limit = limit;
	}
	return ret;
}

int k_sem_take(struct k_sem *sem, k_timeout_t timeout)
{
	return ms_sys_sem_take(zms.sim, zms_handle(sem, K_OBJ_SEM),
			       wait_ticks(timeout));
}

void k_sem_give(struct k_sem *sem)
{
	ms_sys_sem_give(zms.sim, zms_handle(sem, K_OBJ_SEM));
}

unsigned int k_sem_count_get(struct k_sem *sem)
{
	int n = ms_sys_sem_count_get(zms.sim, zms_handle(sem, K_OBJ_SEM));

	return n < 0 ? 0 : (unsigned int)n;
}

void k_sem_reset(struct k_sem *sem)
{
	ms_handle h = zms_handle(sem, K_OBJ_SEM);

	/* memsim has no reset: drain the count (waiters keep waiting, where
	 * Zephyr wakes them with -EAGAIN: docs/zephyr.md) */
	while (ms_sys_sem_take(zms.sim, h, MS_NO_WAIT) == 0)
		;
}

/* ---- k_mutex ---------------------------------------------------------------- */

int k_mutex_init(struct k_mutex *mutex)
{
	return ms_sys_mutex_init(zms.sim, zms_handle(mutex, K_OBJ_MUTEX));
}

int k_mutex_lock(struct k_mutex *mutex, k_timeout_t timeout)
{
	return ms_sys_mutex_lock(zms.sim, zms_handle(mutex, K_OBJ_MUTEX),
				 wait_ticks(timeout));
}

int k_mutex_unlock(struct k_mutex *mutex)
{
	return ms_sys_mutex_unlock(zms.sim, zms_handle(mutex, K_OBJ_MUTEX));
}

/* ---- k_futex ---------------------------------------------------------------- */

/*
 * A futex is a word in user memory; the kernel keeps its waiters. Until
 * memsim has futexes (issue 23), the layer keeps the wait queue as a public
 * memsim queue that nothing is ever put on: a waiter blocks in
 * ms_sys_queue_get and a wake is ms_sys_queue_cancel_wait, which returns
 * the first waiter -EINTR. The value test and the block are one step: a
 * memsim thread is not preempted between them (preemption happens at
 * kernel exits only).
 */
static struct zms_obj *futex_rec(struct k_futex *futex)
{
	struct zms_obj *o = zms_obj_lookup(futex);

	if (!o) {
		if (zms_user())
			return NULL;	/* not a futex Zephyr knows */
		o = zms_obj_add(futex, K_OBJ_FUTEX, sizeof(*futex));
		o->layer_init = true;
		o->adopted = true;
	}
	if (o->type != K_OBJ_FUTEX)
		return NULL;
	if (o->wq != MS_HANDLE_NONE) {
		struct ms_kobj_info info;

		if (ms_kobj_info(zms.sim, o->wq, &info) < 0)
			o->wq = MS_HANDLE_NONE;	/* its last holder died */
	}
	if (o->wq == MS_HANDLE_NONE) {
		/* the handle goes to the caller's stack first: a user thread's
		 * out argument must be its own memory */
		ms_handle wq;

		if (ms_sys_object_alloc(zms.sim, MS_KOBJ_QUEUE, &wq) < 0 ||
		    ms_sys_queue_init(zms.sim, wq) < 0 ||
		    ms_sys_object_make_public(zms.sim, wq) < 0)
			return NULL;
		if (!zms_user())
			zms_keep(wq);
		o->wq = wq;
	}
	return o;
}

int k_futex_wait(struct k_futex *futex, int expected, k_timeout_t timeout)
{
	struct zms_obj *o;
	int64_t t = wait_ticks(timeout);
	void *data;
	int ret;

	if (zms_user() && k_usermode_check(futex, sizeof(*futex), 1))
		zms_oops_self("k_futex_wait: futex not in the caller's memory");
	o = futex_rec(futex);
	if (!o)
		return -EINVAL;
	if (atomic_get(&futex->val) != (atomic_val_t)expected)
		return -EAGAIN;
	if (t == MS_NO_WAIT)
		return -ETIMEDOUT;
	o->waiters++;
	ret = ms_sys_queue_get(zms.sim, o->wq, &data, t);
	if (ret == -EINTR)
		return 0;	/* woken (waiters counted down by the waker) */
	o->waiters--;
	return ret == -EAGAIN ? -ETIMEDOUT : ret;
}

int k_futex_wake(struct k_futex *futex, bool wake_all)
{
	struct zms_obj *o;
	int woken = 0;

	if (zms_user() && k_usermode_check(futex, sizeof(*futex), 1))
		zms_oops_self("k_futex_wake: futex not in the caller's memory");
	o = futex_rec(futex);
	if (!o)
		return -EINVAL;
	while (o->waiters > 0 && (wake_all || woken == 0)) {
		o->waiters--;
		ms_sys_queue_cancel_wait(zms.sim, o->wq);
		woken++;
	}
	return woken;
}

/* ---- sys_sem: user-space semaphore over a futex (Zephyr's lib/os/sem.c) ----- */

int sys_sem_init(struct sys_sem *sem, unsigned int initial_count,
		 unsigned int limit)
{
	if (!sem || limit == 0 || initial_count > limit || limit > INT_MAX)
		return -EINVAL;
	atomic_set(&sem->futex.val, (atomic_val_t)initial_count);
	sem->limit = (int)limit;
	return 0;
}

int sys_sem_give(struct sys_sem *sem)
{
	atomic_val_t old;
	int ret;

	do {
		old = atomic_get(&sem->futex.val);
		if (old >= sem->limit)
			return -EAGAIN;
	} while (!atomic_cas(&sem->futex.val, old, old + 1));
	ret = k_futex_wake(&sem->futex, false);
	return ret < 0 ? ret : 0;
}

int sys_sem_take(struct sys_sem *sem, k_timeout_t timeout)
{
	atomic_val_t old;
	int ret;

	for (;;) {
		old = atomic_get(&sem->futex.val);
		if (old > 0) {
			if (atomic_cas(&sem->futex.val, old, old - 1))
				return 0;
			continue;
		}
		ret = k_futex_wait(&sem->futex, 0, timeout);
		if (ret != 0 && ret != -EAGAIN)
			return ret;	/* -ETIMEDOUT, or an error */
	}
}

unsigned int sys_sem_count_get(struct sys_sem *sem)
{
	atomic_val_t v = atomic_get(&sem->futex.val);

	return v < 0 ? 0 : (unsigned int)v;
}

/* ---- k_queue ---------------------------------------------------------------- */

void k_queue_init(struct k_queue *queue)
{
	ms_sys_queue_init(zms.sim, zms_handle(queue, K_OBJ_QUEUE));
}

void k_queue_cancel_wait(struct k_queue *queue)
{
	ms_sys_queue_cancel_wait(zms.sim, zms_handle(queue, K_OBJ_QUEUE));
}

int32_t k_queue_alloc_append(struct k_queue *queue, void *data)
{
	int ret = ms_sys_queue_alloc_append(zms.sim,
					    zms_handle(queue, K_OBJ_QUEUE), data);

	return ret == -EDQUOT ? -ENOMEM : ret;
}

int32_t k_queue_alloc_prepend(struct k_queue *queue, void *data)
{
	int ret = ms_sys_queue_alloc_prepend(zms.sim,
					     zms_handle(queue, K_OBJ_QUEUE), data);

	return ret == -EDQUOT ? -ENOMEM : ret;
}

/* The caller-owned-node calls (not syscalls in Zephyr) are memsim's
 * allocating ones until memsim has k_queue_append (issue 23). */
void k_queue_append(struct k_queue *queue, void *data)
{
	k_queue_alloc_append(queue, data);
}

void k_queue_prepend(struct k_queue *queue, void *data)
{
	k_queue_alloc_prepend(queue, data);
}

void *k_queue_get(struct k_queue *queue, k_timeout_t timeout)
{
	void *data = NULL;

	if (ms_sys_queue_get(zms.sim, zms_handle(queue, K_OBJ_QUEUE), &data,
			     wait_ticks(timeout)) < 0)
		return NULL;
	return data;
}

int k_queue_is_empty(struct k_queue *queue)
{
	return ms_sys_queue_is_empty(zms.sim, zms_handle(queue, K_OBJ_QUEUE));
}

/* ---- k_msgq ----------------------------------------------------------------- */

void k_msgq_init(struct k_msgq *msgq, char *buffer, size_t msg_size,
		 uint32_t max_msgs)
{
	(void)buffer;	/* memsim allocates the ring itself (issue 23) */
	ms_sys_msgq_alloc_init(zms.sim, zms_handle(msgq, K_OBJ_MSGQ), msg_size,
			       max_msgs);
	if (!zms_user()) {
		msgq->msg_size = msg_size;
		msgq->max_msgs = max_msgs;
	}
}

int k_msgq_alloc_init(struct k_msgq *msgq, size_t msg_size, uint32_t max_msgs)
{
	int ret = ms_sys_msgq_alloc_init(zms.sim, zms_handle(msgq, K_OBJ_MSGQ),
					 msg_size, max_msgs);

	if (ret == 0 && !zms_user()) {
		msgq->msg_size = msg_size;
		msgq->max_msgs = max_msgs;
	}
	return ret == -EDQUOT ? -ENOMEM : ret;
}

int k_msgq_put(struct k_msgq *msgq, const void *data, k_timeout_t timeout)
{
	return ms_sys_msgq_put(zms.sim, zms_handle(msgq, K_OBJ_MSGQ), data,
			       wait_ticks(timeout));
}

int k_msgq_get(struct k_msgq *msgq, void *data, k_timeout_t timeout)
{
	return ms_sys_msgq_get(zms.sim, zms_handle(msgq, K_OBJ_MSGQ), data,
			       wait_ticks(timeout));
}

uint32_t k_msgq_num_used_get(struct k_msgq *msgq)
{
	int n = ms_sys_msgq_num_used_get(zms.sim, zms_handle(msgq, K_OBJ_MSGQ));

	return n < 0 ? 0 : (uint32_t)n;
}

uint32_t k_msgq_num_free_get(struct k_msgq *msgq)
{
	return msgq->max_msgs - k_msgq_num_used_get(msgq);
}

/* ---- k_stack ---------------------------------------------------------------- */

void k_stack_init(struct k_stack *stack, stack_data_t *buffer,
		  uint32_t num_entries)
{
	(void)buffer;
	ms_sys_stack_alloc_init(zms.sim, zms_handle(stack, K_OBJ_STACK),
				num_entries);
}

int32_t k_stack_alloc_init(struct k_stack *stack, uint32_t num_entries)
{
	int ret = ms_sys_stack_alloc_init(zms.sim, zms_handle(stack, K_OBJ_STACK),
					  num_entries);

	return ret == -EDQUOT ? -ENOMEM : ret;
}

int k_stack_push(struct k_stack *stack, stack_data_t data)
{
	return ms_sys_stack_push(zms.sim, zms_handle(stack, K_OBJ_STACK), data);
}

int k_stack_pop(struct k_stack *stack, stack_data_t *data, k_timeout_t timeout)
{
	return ms_sys_stack_pop(zms.sim, zms_handle(stack, K_OBJ_STACK), data,
				wait_ticks(timeout));
}

/* ---- k_pipe (Zephyr 4.x) ---------------------------------------------------- */

void k_pipe_init(struct k_pipe *pipe, uint8_t *buffer, size_t buffer_size)
{
	(void)buffer;
	ms_sys_pipe_alloc_init(zms.sim, zms_handle(pipe, K_OBJ_PIPE), buffer_size);
}

int k_pipe_write(struct k_pipe *pipe, const uint8_t *data, size_t len,
		 k_timeout_t timeout)
{
	return ms_sys_pipe_write(zms.sim, zms_handle(pipe, K_OBJ_PIPE), data,
				 len, wait_ticks(timeout));
}

int k_pipe_read(struct k_pipe *pipe, uint8_t *data, size_t len,
		k_timeout_t timeout)
{
	return ms_sys_pipe_read(zms.sim, zms_handle(pipe, K_OBJ_PIPE), data,
				len, wait_ticks(timeout));
}

/* ---- k_timer ---------------------------------------------------------------- */

void k_timer_init(struct k_timer *timer, k_timer_expiry_t expiry_fn,
		  k_timer_stop_t stop_fn)
{
	if ((expiry_fn || stop_fn) && zms.verbose)
		printk("k_timer_init: memsim timers run no expiry or stop "
		       "function\n");
	timer->expiry_fn = expiry_fn;
	timer->stop_fn = stop_fn;
	ms_sys_timer_init(zms.sim, zms_handle(timer, K_OBJ_TIMER));
}

void k_timer_start(struct k_timer *timer, k_timeout_t duration,
		   k_timeout_t period)
{
	int64_t d = zms_ticks(duration), p = zms_ticks(period);

	ms_sys_timer_start(zms.sim, zms_handle(timer, K_OBJ_TIMER),
			   d < 0 ? 0 : (uint64_t)d, p < 0 ? 0 : (uint64_t)p);
}

void k_timer_stop(struct k_timer *timer)
{
	ms_sys_timer_stop(zms.sim, zms_handle(timer, K_OBJ_TIMER));
}

uint32_t k_timer_status_get(struct k_timer *timer)
{
	int n = ms_sys_timer_status_get(zms.sim, zms_handle(timer, K_OBJ_TIMER));

	return n < 0 ? 0 : (uint32_t)n;
}

uint32_t k_timer_status_sync(struct k_timer *timer)
{
	int n = ms_sys_timer_status_sync(zms.sim, zms_handle(timer, K_OBJ_TIMER));

	return n < 0 ? 0 : (uint32_t)n;
}
