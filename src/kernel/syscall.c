/* SPDX-License-Identifier: MIT */
/*
 * The syscall boundary: how a simulated thread enters the kernel, and the
 * checks every syscall makes before it acts (Zephyr's z_vrfy_ layer,
 * seL4's decode step).
 *
 * What it models: a user thread reaches kernel code only here, on its
 * privileged stack, paying the boundary's cost; every handle and every
 * buffer it passes is checked against what that thread may touch, and a
 * bad one kills it with an oops instead of being used. Supervisor threads
 * call the same implementations directly and get errors back.
 *
 * Invariant: a syscall's verify step has no side effect but transient
 * allocations, which it releases before any oops; the implementation runs
 * only on verified arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/cost.h"
#include "fault/fault.h"
#include "kernel/kernel.h"
#include "mem/domain/domain.h"

static const char *const sys_names[] = {
#define MS__SYS_NAME(name, text) text,
	MS_SYSCALLS(MS__SYS_NAME)
#undef MS__SYS_NAME
};

const char *ms_syscall_name(unsigned nr)
{
	return nr < MS_SYS__COUNT ? sys_names[nr] : "?";
}

int ms__syscall(struct ms_sim *sim, unsigned nr,
		int (*fn)(struct ms_sim *sim, void *args), void *args)
{
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__sys *c = args;
	struct ms_thread *t = ms__current(sim);
	ms_tid tid;
	int ret;

	c->t = t;
	c->nr = nr;
	/* Kernel code calling a service on a user thread's behalf is
	 * already past the boundary. */
	c->user = ms__caller_is_user(sim);
	if (!t)
		return fn(sim, args);	/* the host: the kernel itself */
	tid = ms__thread_tid(t);
	ks->st.syscalls++;
	g_array_index(ks->syscalls, uint64_t, tid)++;
	ms__kernel_enter(sim, c->user ? MS__COST_SYSCALL : MS__COST_KERNEL_ENTRY);
	ret = c->user ? ms__call_privileged(sim, fn, args) : fn(sim, args);
	ms__event(sim, MS_EV_SYSCALL, tid, nr, (uint64_t)(int64_t)ret);
	ms__kernel_exit(sim);
	return ret;
}

int ms__sys_fail(struct ms_sim *sim, const struct ms__sys *c, int err,
		 const char *fmt, ...)
{
	char msg[96];
	va_list ap;

	if (!c->user)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ms__kernel(sim)->st.oopses++;
	ms__oops(sim, err, "%s: %s", ms_syscall_name(c->nr), msg);
}

static const char *check_name(int err)
{
	switch (err) {
	case -EBADF:
		return "bad handle or wrong type";
	case -EPERM:
		return "no permission";
	case -EINVAL:
		return "not initialised";
	case -EADDRINUSE:
		return "already initialised";
	default:
		return "invalid";
	}
}

int ms__sys_obj(struct ms_sim *sim, const struct ms__sys *c, ms_handle h,
		unsigned type, int init, struct ms__kobj **out)
{
	int ret = ms__kobj_validate(ms__kernel(sim), c->t, h, type, init,
				    c->user, out);

	if (G_LIKELY(!ret))
		return 0;
	return ms__sys_fail(sim, c, ret, "%s %#x: %s", ms_kobj_type_name(type),
			    h, check_name(ret));
}

bool ms__sys_buf_ok(struct ms_sim *sim, const struct ms__sys *c,
		    const void *p, size_t len, bool write)
{
	uintptr_t a = (uintptr_t)p;
	void *lo;
	size_t size;

	if (!c->user)
		return len == 0 || p != NULL;
	if (len == 0)
		return true;
	if (a + len < a)
		return false;
	ms__thread_stack(c->t, &lo, &size);
	if (a >= (uintptr_t)lo && a + len <= (uintptr_t)lo + size)
		return true;
	return ms__domain_user_access_ok(sim, c->t, a, len, write);
}

int ms__sys_buf(struct ms_sim *sim, const struct ms__sys *c, const void *p,
		size_t len, bool write, const char *what)
{
	if (G_LIKELY(ms__sys_buf_ok(sim, c, p, len, write)))
		return 0;
	/* No host address in the record: the buffer is named, not placed. */
	return ms__sys_fail(sim, c, -EFAULT, "%s: %zu bytes not %s by the caller",
			    what, len, write ? "writable" : "readable");
}

void ms__sys_copy_cost(struct ms_sim *sim, size_t len)
{
	ms__clock_advance(sim, MS__COST_COPY_PER_64B * ((len + 63) / 64));
}
