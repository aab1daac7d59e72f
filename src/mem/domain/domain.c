/* SPDX-License-Identifier: MIT */
/*
 * Memory domains. Until domains are built (issue 5), a thread has no
 * partitions: only its own stack is user-accessible.
 */
#include "mem/domain/domain.h"

bool ms__domain_user_access_ok(struct ms_sim *sim, struct ms_thread *t,
			       uintptr_t addr, size_t len, bool write)
{
	(void)sim;
	(void)t;
	(void)addr;
	(void)len;
	(void)write;
	return false;
}
