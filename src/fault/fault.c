/* SPDX-License-Identifier: MIT */
/*
 * Fault attribution and the fault record.
 *
 * The signal handler (src/platform/signal.c) calls on_fault() for every
 * synchronous fault on a host thread that runs a simulation. on_fault()
 * works out whose fault it is: the running thread's stack guards first,
 * then the registered regions (sealed pools, the domain arena). It then
 * either lets the access retry, or records the fault as pending and leaves
 * the faulting thread for the run loop with siglongjmp; the run loop
 * commits the record and aborts the thread. A fault with no simulated
 * thread running, or in kernel code that no region explains, is a panic:
 * the run stops and reports it rather than letting the host crash.
 *
 * Invariant: nothing here allocates while in the handler; regions live in
 * a GArray that is only changed outside the handler.
 */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cost.h"
#include "fault/backtrace.h"
#include "fault/fault_priv.h"
#include "platform/ctx.h"
#include "platform/signal.h"
#include "sched/sched_priv.h"

struct region {
	uintptr_t base;
	size_t len;
	ms__fault_resolve_fn fn;
	void *ctx;
	unsigned id;
};

struct ms__faults {
	GArray *regions;	/* struct region */
	unsigned next_region;
	GArray *faults;		/* struct ms_fault */
	struct ms_fault pending;
	bool has_pending;
	bool in_handler;
	bool armed;
	void *uc;		/* the signal frame while resolvers run */
	ms_fatal_hook hook;
	void *hook_user;
};

static inline struct ms__faults *F(const struct ms_sim *sim)
{
	return ms__sim_faults(sim);
}

int ms__faults_new(struct ms_sim *sim, struct ms__faults **out)
{
	struct ms__faults *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->regions = g_array_new(FALSE, FALSE, sizeof(struct region));
	f->faults = g_array_new(FALSE, FALSE, sizeof(struct ms_fault));
	f->next_region = 1;
	*out = f;
	return 0;
}

void ms__faults_free(struct ms_sim *sim, struct ms__faults *f)
{
	g_array_free(f->regions, TRUE);
	g_array_free(f->faults, TRUE);
	free(f);
}

int ms__fault_region_add(struct ms_sim *sim, uintptr_t base, size_t len,
			 ms__fault_resolve_fn fn, void *ctx, unsigned *id)
{
	struct ms__faults *f = F(sim);
	struct region r = { base, len, fn, ctx, f->next_region++ };

	if (!fn || !len)
		return -EINVAL;
	g_array_append_val(f->regions, r);
	if (id)
		*id = r.id;
	return 0;
}

void *ms__fault_ucontext(const struct ms_sim *sim)
{
	return F(sim)->uc;
}

void ms__fault_region_remove(struct ms_sim *sim, unsigned id)
{
	struct ms__faults *f = F(sim);

	for (guint i = 0; i < f->regions->len; i++) {
		if (g_array_index(f->regions, struct region, i).id == id) {
			g_array_remove_index(f->regions, i);
			return;
		}
	}
}

static void describe_unattributed(struct ms_fault *rec,
				  const struct ms__os_fault_info *info,
				  struct ms_thread *t)
{
	const char *what = info->signo == SIGSEGV ? "segmentation fault" :
			   info->signo == SIGBUS ? "bus error" :
			   info->signo == SIGILL ? "illegal instruction" :
						   "arithmetic exception";

	snprintf(rec->object, sizeof(rec->object), "none");
	if (!t) {
		rec->kind = MS_FAULT_PANIC;
		rec->reason = MS_ERR_KERNEL_PANIC;
		snprintf(rec->detail, sizeof(rec->detail),
			 "%s in the simulator's host context (%s)", what,
			 ms_access_name(rec->access));
	} else if (t->in_kernel) {
		rec->kind = MS_FAULT_PANIC;
		rec->reason = MS_ERR_KERNEL_PANIC;
		snprintf(rec->detail, sizeof(rec->detail),
			 "%s in kernel code on behalf of thread %s (%s)", what,
			 t->name, ms_access_name(rec->access));
	} else {
		rec->kind = MS_FAULT_CPU;
		rec->reason = MS_ERR_CPU_EXCEPTION;
		snprintf(rec->detail, sizeof(rec->detail),
			 "%s: %s access to memory no partition, pool or stack explains",
			 what, ms_access_name(rec->access));
	}
}

static bool on_fault(const struct ms__os_fault_info *info)
{
	struct ms_sim *sim = ms_sim_running();
	struct ms__faults *fs;
	struct ms_thread *t;
	struct ms_fault *rec;
	enum ms__fault_verdict v = MS__FAULT_NOT_MINE;

	if (!sim)
		return false;
	fs = F(sim);
	if (fs->in_handler)
		return false; /* a fault while attributing one: a real bug */
	fs->in_handler = true;
	t = ms__current(sim);
	rec = &fs->pending;
	memset(rec, 0, sizeof(*rec));
	rec->tid = t ? ms__thread_tid(t) : MS_TID_NONE;
	rec->tick = ms_sim_now(sim);
	rec->access = info->access;
	rec->host_addr = info->addr;

	if (t && (info->signo == SIGSEGV || info->signo == SIGBUS) &&
	    ms__stack_attribute(t, info->addr, info->sp, rec))
		v = MS__FAULT_KILL;
	fs->uc = info->ucontext;
	for (guint i = 0; v == MS__FAULT_NOT_MINE && i < fs->regions->len; i++) {
		struct region *r = &g_array_index(fs->regions, struct region, i);

		if (info->addr >= r->base && info->addr - r->base < r->len)
			v = r->fn(sim, r->ctx, info->addr, info->access, t, rec);
	}
	fs->uc = NULL;
	if (v == MS__FAULT_RETRY) {
		fs->in_handler = false;
		return true;
	}
	if (v == MS__FAULT_NOT_MINE)
		describe_unattributed(rec, info, t);
	/* libunwind probes memory with system calls: deliberate, not a bug */
	ms__vg_errors_off();
	ms__backtrace(rec, info->ucontext);
	ms__vg_errors_on();
	fs->has_pending = true;
	fs->in_handler = false;
	ms__sched_fault_escape(sim);
}

int ms__faults_arm(struct ms_sim *sim)
{
	int ret = ms__os_fault_handler_get(on_fault);

	if (!ret)
		F(sim)->armed = true;
	return ret;
}

void ms__faults_disarm(struct ms_sim *sim)
{
	if (F(sim)->armed)
		ms__os_fault_handler_put();
	F(sim)->armed = false;
}

struct ms_fault *ms__faults_take_pending(struct ms_sim *sim)
{
	struct ms__faults *fs = F(sim);

	if (!fs->has_pending)
		return NULL;
	fs->has_pending = false;
	return &fs->pending;
}

void ms__faults_commit(struct ms_sim *sim, const struct ms_fault *f)
{
	struct ms__faults *fs = F(sim);

	g_array_append_vals(fs->faults, f, 1);
	ms__event(sim, MS_EV_FAULT, f->tid, f->kind, f->reason);
	if (fs->hook)
		fs->hook(sim, f, fs->hook_user);
}

void ms__fault_record(struct ms_sim *sim, const struct ms_fault *f)
{
	ms__faults_commit(sim, f);
}

_Noreturn void ms__oops(struct ms_sim *sim, int err, const char *fmt, ...)
{
	struct ms_thread *t = ms__current(sim);
	struct ms_fault f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.kind = MS_FAULT_OOPS;
	f.reason = MS_ERR_KERNEL_OOPS;
	f.tid = t ? ms__thread_tid(t) : MS_TID_NONE;
	f.tick = ms_sim_now(sim);
	f.error = err;
	snprintf(f.object, sizeof(f.object), "syscall");
	va_start(ap, fmt);
	vsnprintf(f.detail, sizeof(f.detail), fmt, ap);
	va_end(ap);
	ms__vg_errors_off();
	ms__backtrace(&f, NULL);
	ms__vg_errors_on();
	ms__clock_advance(sim, MS__COST_FAULT);
	ms__faults_commit(sim, &f);
	if (!t)
		abort(); /* an oops needs a calling thread: a memsim bug */
	ms__thread_end_self(sim, MS_EV_THREAD_ABORT);
}

size_t ms_sim_fault_count(const struct ms_sim *sim)
{
	return F(sim)->faults->len;
}

const struct ms_fault *ms_sim_fault_get(const struct ms_sim *sim, size_t i)
{
	struct ms__faults *fs = F(sim);

	if (i >= fs->faults->len)
		return NULL;
	return &g_array_index(fs->faults, struct ms_fault, i);
}

void ms_sim_set_fatal_hook(struct ms_sim *sim, ms_fatal_hook hook, void *user)
{
	F(sim)->hook = hook;
	F(sim)->hook_user = user;
}
