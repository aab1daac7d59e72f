/* SPDX-License-Identifier: MIT */
/*
 * Fault attribution: the internal API.
 *
 * Subsystems that own protected memory (stacks, sealed pools, the domain
 * arena) register address ranges with a resolver. When a simulated thread
 * takes a SIGSEGV/SIGBUS, the handler asks the resolver of the range that
 * holds the address what it was:
 *  - MS__FAULT_RETRY: the access is allowed after all (a lazily opened
 *    domain page, say); the resolver has fixed the protection, retry it;
 *  - MS__FAULT_KILL: a violation; the resolver filled in kind, object,
 *    offset and detail; the thread is aborted.
 * A resolver runs inside the signal handler: it must not allocate memory or
 * take locks. It may call ms__os_protect().
 */
#ifndef MS_FAULT_H
#define MS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/fault.h>

#include "core/core.h"

enum ms__fault_verdict {
	MS__FAULT_NOT_MINE = 0,
	MS__FAULT_RETRY,
	MS__FAULT_KILL,
};

typedef enum ms__fault_verdict (*ms__fault_resolve_fn)(
	struct ms_sim *sim, void *ctx, uintptr_t addr, enum ms_access access,
	struct ms_thread *t, struct ms_fault *f);

/* @retval 0 and *id set; -ENOMEM */
int ms__fault_region_add(struct ms_sim *sim, uintptr_t base, size_t len,
			 ms__fault_resolve_fn fn, void *ctx, unsigned *id);
void ms__fault_region_remove(struct ms_sim *sim, unsigned id);

/*
 * The host signal frame (a ucontext_t) of the fault being resolved, NULL
 * outside a resolver. A resolver that returns MS__FAULT_RETRY may change it,
 * e.g. to single-step the retried access (memory domains do, for pages that
 * a partition shares with memory outside it).
 */
void *ms__fault_ucontext(const struct ms_sim *sim);

/*
 * Kill the calling thread with an oops: a syscall found a bad argument
 * (errno err). Records an MS_FAULT_OOPS fault with the message. The caller
 * must have released everything it allocated first. Does not return.
 */
_Noreturn void ms__oops(struct ms_sim *sim, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a fault for thread t that the core will act on (no abort here). */
void ms__fault_record(struct ms_sim *sim, const struct ms_fault *f);

#endif
