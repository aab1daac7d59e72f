/* SPDX-License-Identifier: MIT */
/*
 * The subsystem table: which subsystems hang state off a sim, in the order
 * they are initialised. A NULL entry is a subsystem that has no hooks.
 */
#include "core/subsys.h"

extern const struct ms__subsys ms__alloc_subsys;
extern const struct ms__subsys ms__kernel_subsys;
extern const struct ms__subsys ms__pool_subsys;
extern const struct ms__subsys ms__domain_subsys;
extern const struct ms__subsys ms__ipc_subsys;
extern const struct ms__subsys ms__device_subsys;

const struct ms__subsys *const ms__subsystems[MS__SUB__COUNT] = {
	[MS__SUB_ALLOC] = &ms__alloc_subsys,
	[MS__SUB_KERNEL] = &ms__kernel_subsys,
	[MS__SUB_POOL] = &ms__pool_subsys,
	[MS__SUB_DOMAIN] = &ms__domain_subsys,
	[MS__SUB_IPC] = &ms__ipc_subsys,
	[MS__SUB_DEVICE] = &ms__device_subsys,
};
