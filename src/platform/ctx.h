/* SPDX-License-Identifier: MIT */
/*
 * Execution contexts: how a simulated thread's registers are saved and
 * restored on the host.
 *
 * Two backends, chosen per simulation:
 *  - asm: saves only what the ABI says a callee must preserve (x86-64:
 *    rbx, rbp, r12-r15, rsp, MXCSR and the x87 control word) and jumps. No
 *    system call, no signal mask: a few nanoseconds.
 *  - ucontext: makecontext/swapcontext, portable, but glibc's swapcontext
 *    makes a sigprocmask system call on every switch.
 * Neither saves the signal mask: simulated threads all run with the mask
 * of the host thread that called ms_sim_run().
 */
#ifndef MS_PLATFORM_CTX_H
#define MS_PLATFORM_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <ucontext.h>

#include <memsim/sim.h>

struct ms__ctx {
	enum ms_ctx_backend backend;	/* MS_CTX_ASM or MS_CTX_UCONTEXT */
	void *sp;			/* asm: saved stack pointer */
	ucontext_t *uc;			/* ucontext: allocated on demand */
	void (*fn)(void *);
	void *arg;
	/* Valgrind and sanitizer bookkeeping for the stack this context runs on */
	unsigned vg_stack_id;
	const void *stack_lo;	/* for the host context: learnt on first switch */
	size_t stack_size;
	bool dying;		/* switched away from for the last time */
};

/* Whether the asm backend exists on this platform. */
bool ms__ctx_have_asm(void);
/* Resolve MS_CTX_AUTO to a backend this platform has. */
enum ms_ctx_backend ms__ctx_backend_resolve(enum ms_ctx_backend want);

/*
 * Prepare ctx to run fn(arg) on [stack_lo, stack_lo + size) when first
 * switched to. fn must never return (it switches away for good instead).
 */
int ms__ctx_make(struct ms__ctx *ctx, enum ms_ctx_backend backend,
		 void *stack_lo, size_t size, void (*fn)(void *), void *arg);
/* A context for the code that is running now (the host side of a run). */
int ms__ctx_init_current(struct ms__ctx *ctx, enum ms_ctx_backend backend);
void ms__ctx_destroy(struct ms__ctx *ctx);

/* Save the running context in from, resume to. Returns when from is resumed. */
void ms__ctx_switch(struct ms__ctx *from, struct ms__ctx *to);

/*
 * Call fn(arg) on another stack (the privileged stack of a user thread) and
 * come back with its result. Unwinders can walk from fn back to the caller.
 */
int ms__ctx_call_on_stack(void *stack_lo, size_t size, int (*fn)(void *),
			  void *arg);

/*
 * Leaving the running context for good by siglongjmp (a fault), to host:
 * call begin just before the jump and end just after landing, so that
 * AddressSanitizer knows which stack it is on. No-ops without ASan.
 */
void ms__ctx_escape_begin(const struct ms__ctx *host);
void ms__ctx_escape_end(void);

/* A stack handed out again (or unmapped) must not keep AddressSanitizer's
 * poison, or memcheck's "below the stack pointer" state, from the frames
 * of its previous user. */
void ms__ctx_stack_unpoison(void *lo, size_t size);

/* Valgrind: tell it about a stack, and forget it. */
unsigned ms__vg_stack_register(void *lo, size_t size);
void ms__vg_stack_deregister(unsigned id);
bool ms__vg_running(void);
/* Reading memory below another context's stack pointer (stack painting)
 * is deliberate: tell Valgrind not to report it. */
void ms__vg_errors_off(void);
void ms__vg_errors_on(void);

#endif
