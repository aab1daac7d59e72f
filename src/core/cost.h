/* SPDX-License-Identifier: MIT */
/*
 * The cost model: how many simulated ticks each operation takes.
 *
 * Simulated time never comes from the host clock. It moves only when a
 * simulated thread enters the kernel (the entry's cost plus the cost of
 * what the kernel does) or when every thread sleeps (the clock jumps to the
 * next wake-up). The figures are round numbers in the proportions of a small
 * MCU kernel (a tick is roughly 10 cycles); docs/architecture.md lists them.
 */
#ifndef MS_CORE_COST_H
#define MS_CORE_COST_H

enum ms__cost {
	MS__COST_KERNEL_ENTRY = 1,	/* any call into the kernel */
	MS__COST_SYSCALL = 4,		/* user->kernel boundary: stack switch, checks */
	MS__COST_SWITCH = 5,		/* context switch */
	MS__COST_THREAD_CREATE = 50,
	MS__COST_THREAD_EXIT = 20,
	MS__COST_ALLOC = 10,		/* heap allocation or free */
	MS__COST_QUOTA = 2,		/* a quota check */
	MS__COST_OBJ = 5,		/* object validation / permission change */
	MS__COST_COPY_PER_64B = 1,	/* copying to or from user memory */
	MS__COST_MPU_REGION = 3,	/* reprogramming one MPU region */
	MS__COST_XPFO_TRANSFER = 20,	/* a page frame leaves or rejoins the
					 * kernel's direct map (PTE + TLB flush) */
	MS__COST_FAULT = 100,		/* taking and handling a fault */
	MS__COST_MIGRATE_PAGE = 20,	/* moving one page between system RAM
					 * and a device, besides the copy
					 * (unmap, TLB shootdown, remap); the
					 * copy costs bytes / the device's
					 * copy bandwidth (<memsim/device.h>) */
	MS__COST_DEVICE_FAULT = 30,	/* a device's MMU missing a page and
					 * asking the driver */
	MS__COST_HOTPLUG_BLOCK = 50,	/* onlining or offlining one memory
					 * block (memmap, zone, page tables) */
};

#endif
