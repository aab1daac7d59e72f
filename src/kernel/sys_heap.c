/* SPDX-License-Identifier: MIT */
/*
 * The public heap calls, ms_heap_alloc, ms_heap_alloc_wait and
 * ms_heap_free (<memsim/heap.h>), over the alloc subsystem's charged path.
 *
 * What it models: a user thread asks the kernel for heap memory of its own
 * and gives it back through syscalls like any other (k_heap_alloc behind a
 * verifier). The out pointer is user memory the kernel writes, so it is
 * checked as every syscall buffer is; a free names a block, so the kernel
 * checks that the block is one the caller was given: a live "user" block
 * charged to the caller itself. Kernel blocks (object records and data,
 * queue nodes, timeouts, ...) and other threads' blocks are not the
 * caller's to free; a supervisor, the host or the kernel's own services
 * free on a requester's behalf, and the requester is credited.
 *
 * Invariant: a user call verifies everything before anything changes (the
 * only exception: the heap's counters of the double frees and damaged
 * headers it detected); a bad argument kills the caller with an oops and
 * leaves the heap, the blocks and every charge as they were. Supervisor
 * threads and the host enter the kernel without crossing the boundary:
 * they are not counted as syscalls and get errnos back.
 */
#include <errno.h>

#include "alloc/alloc.h"
#include "core/cost.h"
#include "kernel/kernel.h"

struct heap_args {
	struct ms__sys c;
	size_t size;
	int64_t timeout;
	void **out;
	void *p;
};

static int sys_heap_alloc(struct ms_sim *sim, void *arg)
{
	struct heap_args *a = arg;
	void *p;
	int ret;

	/* Before anything is allocated: a bad out kills the caller with
	 * nothing to give back. */
	ret = ms__sys_buf(sim, &a->c, a->out, sizeof(*a->out), true, "out");
	if (ret)
		return ret;
	if (!a->size)
		return -EINVAL;
	ret = ms__kalloc_wait(sim, a->c.t, a->size, MS_ALLOC_USER, a->timeout,
			      &p);
	if (ret == 0)
		*a->out = p;
	return ret;
}

/* A refused free: an oops naming what was wrong for a user caller, the
 * errno for the others. No host address in the record. */
static int free_refused(struct ms_sim *sim, const struct ms__sys *c, int err,
			const struct ms__kblock *b)
{
	switch (err) {
	case -EALREADY:
		return ms__sys_fail(sim, c, err, "double free");
	case -EFAULT:
		return ms__sys_fail(sim, c, err, "damaged chunk header");
	case -EPERM:
		if (b->kind != MS_ALLOC_USER)
			return ms__sys_fail(sim, c, err, "a kernel block (%s)",
					    ms_alloc_kind_name(b->kind));
		if (b->owner == MS_TID_NONE)
			return ms__sys_fail(sim, c, err, "an uncharged block");
		return ms__sys_fail(sim, c, err,
				    "a block charged to another thread (tid %u)",
				    b->owner);
	default:
		return ms__sys_fail(sim, c, err, "not a heap block");
	}
}

static int sys_heap_free(struct ms_sim *sim, void *arg)
{
	struct heap_args *a = arg;
	struct ms__kfree_rule own;
	struct ms__kblock b = { 0 };
	int ret;

	if (a->c.user) {
		own.owner = ms__thread_tid(a->c.t);
		own.kind = MS_ALLOC_USER;
	}
	ret = ms__kfree_checked(sim, a->p, a->c.user ? &own : NULL, &b);
	if (G_LIKELY(ret == 0))
		return 0;
	return free_refused(sim, &a->c, ret, &b);
}

/*
 * A supervisor thread or the host: one kernel entry, not a syscall (no
 * boundary, not counted, no MS_EV_SYSCALL), as these calls always were
 * for them.
 */
static int kernel_call(struct ms_sim *sim, unsigned nr,
		       int (*fn)(struct ms_sim *sim, void *arg),
		       struct heap_args *a)
{
	int ret;

	a->c.t = ms__current(sim);
	a->c.user = false;
	a->c.nr = nr;
	ms__kernel_enter(sim, MS__COST_KERNEL_ENTRY);
	ret = fn(sim, a);
	ms__kernel_exit(sim);
	return ret;
}

int ms_heap_alloc_wait(struct ms_sim *sim, size_t size, int64_t timeout,
		       void **out)
{
	struct heap_args a = { .size = size, .timeout = timeout, .out = out };

	if (!sim)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return ms__syscall(sim, MS_SYS_HEAP_ALLOC, sys_heap_alloc, &a);
	if (!size || !out)
		return -EINVAL;
	return kernel_call(sim, MS_SYS_HEAP_ALLOC, sys_heap_alloc, &a);
}

int ms_heap_alloc(struct ms_sim *sim, size_t size, void **out)
{
	return ms_heap_alloc_wait(sim, size, MS_NO_WAIT, out);
}

int ms_heap_free(struct ms_sim *sim, void *p)
{
	struct heap_args a = { .p = p };

	if (!sim)
		return -EINVAL;
	if (!p)
		return 0;
	if (ms__caller_is_user(sim))
		return ms__syscall(sim, MS_SYS_HEAP_FREE, sys_heap_free, &a);
	return kernel_call(sim, MS_SYS_HEAP_FREE, sys_heap_free, &a);
}
