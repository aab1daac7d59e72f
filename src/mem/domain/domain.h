/* SPDX-License-Identifier: MIT */
/*
 * Memory domains: the internal API that other subsystems use.
 * Implemented in src/mem/domain.c.
 */
#ifndef MS_MEM_DOMAIN_H
#define MS_MEM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/*
 * May user thread t access [addr, addr + len) (write: for writing) through
 * one of its domain's partitions? The syscall boundary uses it to validate
 * user buffers that are not on the caller's own stack.
 */
bool ms__domain_user_access_ok(struct ms_sim *sim, struct ms_thread *t,
			       uintptr_t addr, size_t len, bool write);

#endif
