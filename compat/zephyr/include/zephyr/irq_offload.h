/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: run a function as an interrupt would. */
#ifndef ZEPHYR_IRQ_OFFLOAD_H
#define ZEPHYR_IRQ_OFFLOAD_H

typedef void (*irq_offload_routine_t)(const void *parameter);

/*
 * Runs routine(parameter) at once, in interrupt context: k_is_in_isr()
 * is true, calls that would wait do not wait, and the calling thread is
 * not preempted until it returns (as an ISR on Zephyr's one CPU). A
 * supervisor call, as in Zephyr (irq_offload is not a syscall).
 */
void irq_offload(irq_offload_routine_t routine, const void *parameter);

#endif
