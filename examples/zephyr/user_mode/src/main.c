/* SPDX-License-Identifier: MIT */
/*
 * A user-mode Zephyr test to copy: a supervisor sets up a semaphore and a
 * message queue, a user thread uses them, and a user thread that touches
 * an object it was not given is killed by the kernel (an oops), which the
 * test expects.
 *
 * Run it with:   memsim ztest examples/zephyr/user_mode
 * It builds with the host compiler against memsim's Zephyr layer and runs
 * in milliseconds; the same file builds for a board with west.
 */
#include <zephyr/kernel.h>
#include <zephyr/ztest.h>

#define STACK_SIZE 1024

K_SEM_DEFINE(done, 0, 1);
K_MSGQ_DEFINE(results, sizeof(int), 4, 4);
K_SEM_DEFINE(secret, 1, 1);		/* never granted to the worker */

static struct k_thread worker;
static K_THREAD_STACK_DEFINE(worker_stack, STACK_SIZE);

static void work(void *p1, void *p2, void *p3)
{
	int sum = 0;

	for (int i = 1; i <= 10; i++)
		sum += i;
	k_msgq_put(&results, &sum, K_NO_WAIT);
	k_sem_give(&done);
}

/* A user thread uses exactly what it was granted. */
ZTEST(example, test_user_thread_uses_granted_objects)
{
	int sum = 0;

	k_thread_create(&worker, worker_stack, STACK_SIZE, work, NULL, NULL,
			NULL, K_PRIO_PREEMPT(1), K_USER, K_FOREVER);
	k_thread_access_grant(&worker, &done, &results);
	k_thread_start(&worker);

	zassert_equal(k_sem_take(&done, K_MSEC(100)), 0);
	zassert_equal(k_msgq_get(&results, &sum, K_NO_WAIT), 0);
	zassert_equal(sum, 55);
	k_thread_join(&worker, K_FOREVER);
}

static void snoop(void *p1, void *p2, void *p3)
{
	ztest_set_fault_valid(true);	/* the next line must be fatal */
	k_sem_take(&secret, K_NO_WAIT);
	ztest_test_fail();		/* not reached */
}

/* Anything else is an oops: the kernel kills the caller. */
ZTEST(example, test_user_thread_without_permission_is_killed)
{
	k_thread_create(&worker, worker_stack, STACK_SIZE, snoop, NULL, NULL,
			NULL, K_PRIO_PREEMPT(1), K_USER, K_NO_WAIT);
	k_thread_join(&worker, K_FOREVER);
	zassert_equal(k_sem_count_get(&secret), 1, "the snoop took it");
}

ZTEST_SUITE(example, NULL, NULL, NULL, NULL, NULL);
