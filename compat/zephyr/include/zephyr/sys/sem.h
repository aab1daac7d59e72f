/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: sys_sem, the semaphore that lives in user memory.
 *
 * As in Zephyr with user mode: the count is an atomic in the sys_sem
 * (a futex); taking and giving try an atomic update first and enter the
 * kernel (k_futex_wait, k_futex_wake) only to wait or to wake waiters.
 */
#ifndef ZEPHYR_SYS_SEM_H
#define ZEPHYR_SYS_SEM_H

#include <zephyr/kernel.h>

struct sys_sem {
	struct k_futex futex;
	int limit;
};

#define SYS_SEM_DEFINE(name, initial, maxcount)                              \
	struct sys_sem name = { .futex = { (initial) }, .limit = (maxcount) }; \
	BUILD_ASSERT(((maxcount) != 0) && ((initial) <= (maxcount)))

int sys_sem_init(struct sys_sem *sem, unsigned int initial_count,
		 unsigned int limit);
int sys_sem_give(struct sys_sem *sem);
int sys_sem_take(struct sys_sem *sem, k_timeout_t timeout);
unsigned int sys_sem_count_get(struct sys_sem *sem);

#endif
