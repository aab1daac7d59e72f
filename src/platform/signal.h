/* SPDX-License-Identifier: MIT */
/*
 * Synchronous fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE) on the host.
 *
 * One process-wide handler, installed while at least one simulation runs
 * (reference counted), running on an alternate signal stack that each
 * running simulation provides for its host thread. The handler decodes what
 * the CPU reported and hands it to the callback; the callback either returns
 * (the access is retried, e.g. after a lazy protection change) or leaves with
 * siglongjmp. If no simulation runs on the faulting host thread, the previous
 * handler (or the default action) takes over, so a real host bug still
 * crashes as it should.
 */
#ifndef MS_PLATFORM_SIGNAL_H
#define MS_PLATFORM_SIGNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/fault.h>

struct ms__os_fault_info {
	int signo;
	int code;		/* si_code */
	uintptr_t addr;		/* si_addr */
	uintptr_t pc;		/* faulting instruction, 0 if unknown */
	uintptr_t sp;		/* stack pointer at the fault, 0 if unknown */
	enum ms_access access;	/* read/write/exec, if the CPU says */
	void *ucontext;		/* the signal frame's ucontext_t */
};

/* Returns false if the fault is not the sim's: the host's handler runs. */
typedef bool (*ms__os_fault_fn)(const struct ms__os_fault_info *info);

int ms__os_fault_handler_get(ms__os_fault_fn fn);
void ms__os_fault_handler_put(void);

/* Switch this host thread to an alternate signal stack; restore it. */
int ms__os_altstack_push(void *mem, size_t size, stack_t *saved);
void ms__os_altstack_pop(const stack_t *saved);

#endif
