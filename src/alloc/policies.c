/* SPDX-License-Identifier: MIT */
/*
 * The built-in quota policies. Each one only decides: the counters it
 * reads (what the requester and its group hold now, the limits in force)
 * are kept by the framework in alloc.c, which also credits every free to
 * the original requester. So none of them needs uncharge or private state.
 *
 * Invariant: a policy never lets a thread (count, bytes) or a group
 * (process) hold more than its limit; under "pool" a thread draws only
 * from the heap a supervisor assigned to it or an ancestor.
 */
#include <errno.h>

#include "alloc/alloc_priv.h"

static int unlimited_charge(void *state, struct ms_charge *c)
{
	return 0;
}

const struct ms_quota_ops ms__quota_unlimited = {
	.name = "unlimited",
	.summary = "no limit: every request draws on the system heap",
	.charge = unlimited_charge,
};

static int count_charge(void *state, struct ms_charge *c)
{
	return ms__decide_count(c->thread->count_held, c->thread_limit,
				c->new_request);
}

const struct ms_quota_ops ms__quota_count = {
	.name = "count",
	.summary = "at most N outstanding requests per thread",
	.default_limit = 32,
	.charge = count_charge,
};

static int bytes_charge(void *state, struct ms_charge *c)
{
	return ms__decide_bytes(c->thread->bytes_held, c->thread_limit,
				c->bytes);
}

const struct ms_quota_ops ms__quota_bytes = {
	.name = "bytes",
	.summary = "at most N bytes outstanding per thread",
	.default_limit = 4096,
	.charge = bytes_charge,
};

static int process_charge(void *state, struct ms_charge *c)
{
	return ms__decide_bytes(c->grp->bytes_held, c->group_limit, c->bytes);
}

const struct ms_quota_ops ms__quota_process = {
	.name = "process",
	.summary = "at most N bytes outstanding per thread group",
	.default_limit = 16384,
	.charge = process_charge,
};

static int pool_charge(void *state, struct ms_charge *c)
{
	/* z_thread_malloc: no resource pool, no memory. */
	c->heap = c->pool;
	return c->pool ? 0 : -ENOMEM;
}

const struct ms_quota_ops ms__quota_pool = {
	.name = "pool",
	.summary = "each thread draws from its assigned heap; none: refused",
	.charge = pool_charge,
};
