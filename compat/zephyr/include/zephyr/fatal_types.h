/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: fatal error reasons (K_ERR_*), memsim's values. */
#ifndef ZEPHYR_FATAL_TYPES_H
#define ZEPHYR_FATAL_TYPES_H

/* The numbers are memsim's enum ms_fault_reason, which follows Zephyr's. */
enum k_fatal_error_reason {
	K_ERR_CPU_EXCEPTION = 0,
	K_ERR_SPURIOUS_IRQ = 1,
	K_ERR_STACK_CHK_FAIL = 2,
	K_ERR_KERNEL_OOPS = 3,
	K_ERR_KERNEL_PANIC = 4,
	K_ERR_ARCH_START = 16,
};

/* The exception frame a fatal error handler gets: memsim has none to give
 * (the fault record is in the JSON summary); a handler may only pass it on. */
struct arch_esf {
	unsigned long zms_reserved;
};
typedef struct arch_esf z_arch_esf_t;

#endif
