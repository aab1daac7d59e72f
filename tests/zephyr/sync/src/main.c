/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer, in Zephyr's style: semaphores, mutexes, message
 * queues, queues, pipes and sys_sem, from user threads (each ZTEST_USER
 * runs in a fresh user thread), with their exact Zephyr return values.
 */
#include <zephyr/kernel.h>
#include <zephyr/ztest.h>
#include <zephyr/sys/sem.h>
#include <zephyr/irq_offload.h>

K_SEM_DEFINE(sem, 0, 2);
K_MUTEX_DEFINE(mutex);
K_MSGQ_DEFINE(msgq, sizeof(uint32_t), 2, 4);
K_PIPE_DEFINE(pipe, 8, 4);
ZTEST_BMEM SYS_SEM_DEFINE(usem, 0, 1);
static struct k_thread helper;
static K_THREAD_STACK_DEFINE(helper_stack, 1024);

/* k_sem_take: -EBUSY with K_NO_WAIT, -EAGAIN at the timeout; the count
 * stops at the limit. */
ZTEST_USER(sync, test_sem)
{
	zassert_equal(k_sem_take(&sem, K_NO_WAIT), -EBUSY);
	zassert_equal(k_sem_take(&sem, K_MSEC(5)), -EAGAIN);
	k_sem_give(&sem);
	k_sem_give(&sem);
	k_sem_give(&sem);
	zassert_equal(k_sem_count_get(&sem), 2);
	zassert_equal(k_sem_take(&sem, K_NO_WAIT), 0);
	zassert_equal(k_sem_take(&sem, K_NO_WAIT), 0);
	zassert_equal(k_sem_count_get(&sem), 0);
}

/* k_mutex: recursive for its owner; -EINVAL unlocking it unlocked. */
ZTEST_USER(sync, test_mutex)
{
	zassert_equal(k_mutex_lock(&mutex, K_NO_WAIT), 0);
	zassert_equal(k_mutex_lock(&mutex, K_NO_WAIT), 0);
	zassert_equal(k_mutex_unlock(&mutex), 0);
	zassert_equal(k_mutex_unlock(&mutex), 0);
	zassert_equal(k_mutex_unlock(&mutex), -EINVAL);
}

/* k_msgq: FIFO of fixed-size messages; -ENOMSG full with K_NO_WAIT. */
ZTEST_USER(sync, test_msgq)
{
	uint32_t in = 7, out = 0;

	zassert_equal(k_msgq_put(&msgq, &in, K_NO_WAIT), 0);
	in = 8;
	zassert_equal(k_msgq_put(&msgq, &in, K_NO_WAIT), 0);
	zassert_equal(k_msgq_put(&msgq, &in, K_NO_WAIT), -ENOMSG);
	zassert_equal(k_msgq_num_used_get(&msgq), 2);
	zassert_equal(k_msgq_get(&msgq, &out, K_NO_WAIT), 0);
	zassert_equal(out, 7);
	zassert_equal(k_msgq_get(&msgq, &out, K_NO_WAIT), 0);
	zassert_equal(out, 8);
	zassert_equal(k_msgq_get(&msgq, &out, K_NO_WAIT), -ENOMSG);
}

/* k_pipe_write / k_pipe_read (Zephyr 4.x): bytes moved, -EAGAIN when
 * nothing moves in time. */
ZTEST_USER(sync, test_pipe)
{
	uint8_t buf[8] = { 1, 2, 3 };

	zassert_equal(k_pipe_write(&pipe, buf, 3, K_NO_WAIT), 3);
	memset(buf, 0, sizeof(buf));
	zassert_equal(k_pipe_read(&pipe, buf, sizeof(buf), K_NO_WAIT), 3);
	zassert_equal(buf[2], 3);
	zassert_equal(k_pipe_read(&pipe, buf, sizeof(buf), K_NO_WAIT), -EAGAIN);
}

static void giver(void *p1, void *p2, void *p3)
{
	k_sleep(K_MSEC(20));
	zassert_equal(sys_sem_give(&usem), 0);
}

/* sys_sem: lives in user memory; sys_sem_take waits in the kernel only
 * when the count is 0 (-ETIMEDOUT at the timeout); -EAGAIN over the limit. */
ZTEST_USER(sync, test_sys_sem)
{
	int64_t t0 = k_uptime_get();

	zassert_equal(sys_sem_take(&usem, K_NO_WAIT), -ETIMEDOUT);
	k_thread_create(&helper, helper_stack, K_THREAD_STACK_SIZEOF(helper_stack),
			giver, NULL, NULL, NULL, K_PRIO_PREEMPT(1),
			K_USER | K_INHERIT_PERMS, K_NO_WAIT);
	zassert_equal(sys_sem_take(&usem, K_FOREVER), 0);
	zassert_equal(k_uptime_get() - t0, 20, "woken at %lld ms",
		      (long long)(k_uptime_get() - t0));
	zassert_equal(sys_sem_give(&usem), 0);
	zassert_equal(sys_sem_give(&usem), -EAGAIN);
	zassert_equal(sys_sem_count_get(&usem), 1);
	zassert_equal(sys_sem_take(&usem, K_NO_WAIT), 0);
	k_thread_join(&helper, K_FOREVER);
}

static void isr_give(const void *arg)
{
	zassert_true(k_is_in_isr());
	k_sem_give((struct k_sem *)arg);
}

/* irq_offload runs the routine at once, in interrupt context. */
ZTEST(sync, test_irq_offload)
{
	zassert_false(k_is_in_isr());
	irq_offload(isr_give, &sem);
	zassert_equal(k_sem_take(&sem, K_NO_WAIT), 0);
}

static void *sync_setup(void)
{
	k_thread_access_grant(k_current_get(), &sem, &mutex, &msgq, &pipe,
			      &helper, &helper_stack);
	return NULL;
}

ZTEST_SUITE(sync, NULL, sync_setup, NULL, NULL, NULL);
