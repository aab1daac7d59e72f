/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: fatal errors, interrupts, user-defined syscalls.
 *
 * memsim records a fault (a real MMU fault, a guard page, a syscall's
 * oops) and calls the sim's fatal hook before it aborts the thread. The
 * layer's hook calls k_sys_fatal_error_handler(reason, esf), which a test
 * may define (Zephyr's rule; the layer's own is weak): when it returns,
 * the fault was expected and the thread dies; when it calls k_fatal_halt(),
 * the fault was not expected, and the test fails (Zephyr would halt the
 * system; the layer ends the test and goes on with the next).
 *
 * Errors raised by code (k_oops, k_panic, K_OOPS in a verifier) are
 * memsim oopses for a user thread, which memsim raises when a syscall finds
 * a bad handle: until memsim has k_oops of its own (issue 23), the layer
 * makes such a syscall, so the fault record has kind oops, reason
 * K_ERR_KERNEL_OOPS and error -EBADF. A supervisor thread's are delivered
 * by the layer itself (same handler, same outcome), without a memsim fault
 * record.
 */
#include "zms.h"

#include <zephyr/irq_offload.h>

static const char *reason_text(unsigned reason)
{
	switch (reason) {
	case K_ERR_CPU_EXCEPTION:
		return "CPU exception";
	case K_ERR_SPURIOUS_IRQ:
		return "Unhandled interrupt";
	case K_ERR_STACK_CHK_FAIL:
		return "Stack overflow";
	case K_ERR_KERNEL_OOPS:
		return "Kernel oops";
	case K_ERR_KERNEL_PANIC:
		return "Kernel panic";
	default:
		return "Unknown error";
	}
}

static bool fault_valid;

void ztest_set_fault_valid(bool valid)
{
	fault_valid = valid;
}

/* ztest's handler: an expected fault (ztest_set_fault_valid) passes. */
__attribute__((weak)) void k_sys_fatal_error_handler(unsigned int reason,
						     const struct arch_esf *esf)
{
	(void)esf;
	if (fault_valid) {
		fault_valid = false;
		printk("Caught system error -- reason %u\n", reason);
		return;
	}
	printk("Fatal error was unexpected, aborting...\n");
	k_fatal_halt(reason);
}

/* Run the handler for a fatal error of thread tid; true: it returned. */
static bool deliver(ms_tid tid, unsigned reason)
{
	struct arch_esf esf = { 0 };
	jmp_buf jb, *outer = zms.halt_jmp;
	bool was = zms.in_fatal, accepted = false;
	ms_tid was_tid = zms.fatal_tid;

	printk("E: >>> ZEPHYR FATAL ERROR %u: %s on CPU 0\n", reason,
	       reason_text(reason));
	zms.in_fatal = true;
	zms.fatal_tid = tid;
	zms.halt_jmp = &jb;
	if (!setjmp(jb)) {
		k_sys_fatal_error_handler(reason, &esf);
		accepted = true;
	}
	zms.halt_jmp = outer;
	zms.in_fatal = was;
	zms.fatal_tid = was_tid;
	return accepted;
}

void zms_fatal_hook(struct ms_sim *sim, const struct ms_fault *f, void *user)
{
	bool accepted;

	(void)user;
	if (f->kind == MS_FAULT_PANIC)
		return;	/* the run stops; main reports it */
	printk("E: memsim: %s fault of thread %u: %s\n",
	       ms_fault_kind_name(f->kind), f->tid, f->detail);
	accepted = deliver(f->tid, f->reason);
	zms_ztest_note_fault(f, accepted);
	if (!accepted)
		ms_sim_stop(sim);
}

void k_fatal_halt(unsigned int reason)
{
	zms.halted = true;
	zms.halt_reason = reason;
	if (zms.halt_jmp)
		longjmp(*zms.halt_jmp, 1);
	/* called outside a handler: the test ends as a failure */
	printk("k_fatal_halt(%u) outside a fatal error\n", reason);
	ms_sim_stop(zms.sim);
	ms_thread_abort(zms.sim, ms_thread_self(zms.sim));
	for (;;)
		;
}

/* A fatal error raised by a supervisor thread's code. */
static FUNC_NORETURN void supervisor_fatal(unsigned reason, const char *why)
{
	struct ms_fault f = { 0 };
	bool accepted;

	f.kind = MS_FAULT_OOPS;
	f.reason = (enum ms_fault_reason)reason;
	f.tid = ms_thread_self(zms.sim);
	f.tick = ms_sim_now(zms.sim);
	g_strlcpy(f.detail, why, sizeof(f.detail));
	g_strlcpy(f.object, "layer", sizeof(f.object));
	accepted = deliver(f.tid, reason);
	zms_ztest_note_fault(&f, accepted);
	if (!accepted)
		ms_sim_stop(zms.sim);
	ms_thread_abort(zms.sim, f.tid);
	for (;;)
		;
}

void zms_fatal_self(unsigned reason, const char *why)
{
	supervisor_fatal(reason, why);
}

void zms_oops_self(const char *why)
{
	if (zms_user() || (zms_thread_self() && zms_thread_self()->user)) {
		if (zms.verbose)
			printk("oops: %s\n", why);
		/* memsim kills a user thread whose syscall names a bad handle */
		ms_sys_sem_give(zms.sim, MS_HANDLE_NONE);
	}
	supervisor_fatal(K_ERR_KERNEL_OOPS, why);
}

void z_except_reason(unsigned int reason)
{
	if (zms_user())
		zms_oops_self("k_oops / k_panic from user mode");
	supervisor_fatal(reason, reason == K_ERR_KERNEL_PANIC ? "k_panic" :
			 "k_oops");
}

void zms_syscall_oops(const char *file, int line, const char *what)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "K_OOPS at %s:%d: %s", file, line, what);
	zms_oops_self(buf);
}

/* ---- interrupts -------------------------------------------------------------- */

unsigned int irq_lock(void)
{
	return zms.irq_key++;
}

void irq_unlock(unsigned int key)
{
	zms.irq_key = key;
}

bool arch_irq_unlocked(unsigned int key)
{
	return key == 0;
}

void irq_offload(irq_offload_routine_t routine, const void *parameter)
{
	zms.isr_depth++;
	routine(parameter);
	zms.isr_depth--;
}

/* ---- syscalls a test defines ---------------------------------------------- */

extern const struct zms_syscall_entry __start_zms_syscalls[] __attribute__((weak));
extern const struct zms_syscall_entry __stop_zms_syscalls[] __attribute__((weak));

bool zms_syscall_from_user(void)
{
	return zms_user();
}

bool k_is_in_user_syscall(void)
{
	struct zms_thread *t = zms_thread_self();

	return t && t->in_syscall;
}

void zms_syscall_user(const char *name, void *args, void *ret)
{
	struct zms_thread *t = zms_thread_self();

	for (const struct zms_syscall_entry *e = __start_zms_syscalls;
	     e && e < __stop_zms_syscalls; e++) {
		if (strcmp(e->name, name))
			continue;
		if (t)
			t->in_syscall++;
		e->mrsh(args, ret);
		if (t)
			t->in_syscall--;
		return;
	}
	printk("Unimplemented system call %s\n", name);
	zms_oops_self("unimplemented system call");
}

uintptr_t arch_syscall_invoke0(uintptr_t call_id)
{
	printk("Bad system call id %lu invoked\n", (unsigned long)call_id);
	zms_oops_self("bad system call id");
}
