/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: memory barriers (one simulated CPU). */
#ifndef ZEPHYR_SYS_BARRIER_H
#define ZEPHYR_SYS_BARRIER_H

#define barrier_dmem_fence_full() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define barrier_dsync_fence_full() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define barrier_isync_fence_full() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
