/* SPDX-License-Identifier: MIT */
/*
 * Single-stepping one instruction, for memory domains.
 *
 * What it models: an MPU region is as small as 32 bytes, a host page is
 * 4 KiB. Where a partition shares a host page with memory its domain may
 * not touch, the page stays closed and each access to it is let through
 * alone: the fault resolver opens the page and arms the trap flag in the
 * fault's signal frame, the CPU runs exactly that instruction and raises
 * SIGTRAP, and the step callback closes the page and disarms the flag.
 *
 * Invariant: the SIGTRAP handler is installed while the reference count is
 * above zero and the action it replaced is restored when it drops to zero;
 * a trap the callback does not claim goes to that action, so a debugger's
 * or the program's own breakpoints behave as before.
 */
#include "platform/os.h"

#include "ms_config.h"

#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#if MS_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#define X86_TF 0x100u

static GMutex step_lock;
static unsigned step_refs;
static ms__os_step_fn step_fn;
static struct sigaction step_saved;

bool ms__os_step_supported(void)
{
#if defined(__x86_64__) && defined(__linux__)
#if MS_HAVE_VALGRIND_H
	if (RUNNING_ON_VALGRIND)
		return false;
#endif
	return true;
#else
	return false;
#endif
}

static void trap_handler(int signo, siginfo_t *si, void *ucv)
{
	ms__os_step_fn fn = step_fn;

	if (fn && fn(ucv))
		return;
	/* Not ours: whoever handled SIGTRAP before us gets it. */
	if (step_saved.sa_flags & SA_SIGINFO) {
		if (step_saved.sa_sigaction)
			step_saved.sa_sigaction(signo, si, ucv);
		return;
	}
	if (step_saved.sa_handler == SIG_IGN)
		return;
	if (step_saved.sa_handler != SIG_DFL) {
		step_saved.sa_handler(signo);
		return;
	}
	/* The default action: terminate with a core, as without memsim. */
	sigaction(SIGTRAP, &step_saved, NULL);
	raise(SIGTRAP);
}

int ms__os_step_handler_get(ms__os_step_fn fn)
{
	int ret = 0;

	g_mutex_lock(&step_lock);
	if (step_refs++ == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = trap_handler;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		step_fn = fn;
		if (sigaction(SIGTRAP, &sa, &step_saved)) {
			ret = -errno;
			step_refs = 0;
			step_fn = NULL;
		}
	}
	g_mutex_unlock(&step_lock);
	return ret;
}

void ms__os_step_handler_put(void)
{
	g_mutex_lock(&step_lock);
	if (step_refs && --step_refs == 0) {
		sigaction(SIGTRAP, &step_saved, NULL);
		step_fn = NULL;
	}
	g_mutex_unlock(&step_lock);
}

void ms__os_step_arm(void *ucontext)
{
#if defined(__x86_64__)
	((ucontext_t *)ucontext)->uc_mcontext.gregs[REG_EFL] |= X86_TF;
#else
	(void)ucontext;
#endif
}

void ms__os_step_disarm(void *ucontext)
{
#if defined(__x86_64__)
	((ucontext_t *)ucontext)->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)X86_TF;
#else
	(void)ucontext;
#endif
}

void ms__os_regs_save(const void *ucontext, uint64_t regs[MS__OS_REGS_MAX])
{
#if defined(__x86_64__)
	const ucontext_t *uc = ucontext;

	G_STATIC_ASSERT(NGREG <= MS__OS_REGS_MAX);
	for (int i = 0; i < NGREG; i++)
		regs[i] = (uint64_t)uc->uc_mcontext.gregs[i];
#else
	(void)ucontext;
	memset(regs, 0, sizeof(uint64_t) * MS__OS_REGS_MAX);
#endif
}

void ms__os_regs_restore(void *ucontext, const uint64_t regs[MS__OS_REGS_MAX])
{
#if defined(__x86_64__)
	ucontext_t *uc = ucontext;

	for (int i = 0; i < NGREG; i++)
		uc->uc_mcontext.gregs[i] = (greg_t)regs[i];
#else
	(void)ucontext;
	(void)regs;
#endif
}
