/* SPDX-License-Identifier: MIT */
/*
 * The process-wide handler for synchronous fault signals.
 *
 * Invariant: the handler is installed while the reference count is above
 * zero, and the actions it replaced are restored when it drops to zero. A
 * fault the callback does not claim goes to the replaced action, so memsim
 * never hides a genuine crash of the host program.
 */
#include "platform/signal.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <ucontext.h>

static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
#define N_SIGNALS (sizeof(fault_signals) / sizeof(fault_signals[0]))

static GMutex install_lock;
static unsigned install_refs;
static ms__os_fault_fn fault_fn;
static struct sigaction saved[N_SIGNALS];

static enum ms_access decode_access(int signo, const ucontext_t *uc)
{
	if (signo != SIGSEGV && signo != SIGBUS)
		return MS_ACCESS_EXEC;
#if defined(__x86_64__)
	/* Page-fault error code: bit 1 write, bit 4 instruction fetch. */
	{
		greg_t err = uc->uc_mcontext.gregs[REG_ERR];

		if (err & 0x10)
			return MS_ACCESS_EXEC;
		return (err & 0x2) ? MS_ACCESS_WRITE : MS_ACCESS_READ;
	}
#else
	(void)uc;
	return MS_ACCESS_UNKNOWN;
#endif
}

static uintptr_t decode_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

static uintptr_t decode_sp(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.sp;
#else
	(void)uc;
	return 0;
#endif
}

static void restore_saved(int signo)
{
	for (size_t i = 0; i < N_SIGNALS; i++)
		if (fault_signals[i] == signo)
			sigaction(signo, &saved[i], NULL);
}

static void handler(int signo, siginfo_t *si, void *ucv)
{
	int saved_errno = errno;
	struct ms__os_fault_info info = {
		.signo = signo,
		.code = si->si_code,
		.addr = (uintptr_t)si->si_addr,
		.pc = decode_pc(ucv),
		.sp = decode_sp(ucv),
		.access = decode_access(signo, ucv),
		.ucontext = ucv,
	};
	ms__os_fault_fn fn = fault_fn;

	if (fn && fn(&info)) {
		errno = saved_errno;
		return; /* retry the access */
	}
	/*
	 * Not a simulated thread's fault: give it to whoever handled it
	 * before us. Returning re-executes the faulting instruction, which
	 * faults again into that handler (or the default action).
	 */
	restore_saved(signo);
	errno = saved_errno;
}

int ms__os_fault_handler_get(ms__os_fault_fn fn)
{
	int ret = 0;

	g_mutex_lock(&install_lock);
	if (install_refs++ == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = handler;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		fault_fn = fn;
		for (size_t i = 0; i < N_SIGNALS; i++) {
			if (sigaction(fault_signals[i], &sa, &saved[i])) {
				ret = -errno;
				while (i-- > 0)
					sigaction(fault_signals[i], &saved[i], NULL);
				install_refs = 0;
				fault_fn = NULL;
				break;
			}
		}
	}
	g_mutex_unlock(&install_lock);
	return ret;
}

void ms__os_fault_handler_put(void)
{
	g_mutex_lock(&install_lock);
	if (install_refs && --install_refs == 0) {
		for (size_t i = 0; i < N_SIGNALS; i++)
			sigaction(fault_signals[i], &saved[i], NULL);
		fault_fn = NULL;
	}
	g_mutex_unlock(&install_lock);
}

int ms__os_altstack_push(void *mem, size_t size, stack_t *old)
{
	stack_t ss = { .ss_sp = mem, .ss_size = size, .ss_flags = 0 };

	if (sigaltstack(&ss, old))
		return -errno;
	return 0;
}

void ms__os_altstack_pop(const stack_t *old)
{
	stack_t prev = *old;

	/* An old stack that was disabled is restored as disabled. */
	if (prev.ss_flags & SS_DISABLE) {
		prev.ss_sp = NULL;
		prev.ss_size = 0;
		prev.ss_flags = SS_DISABLE;
	}
	sigaltstack(&prev, NULL);
}
