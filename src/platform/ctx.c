/* SPDX-License-Identifier: MIT */
/*
 * Execution contexts (see ctx.h): the asm backend on x86-64, ucontext
 * everywhere. Also the Valgrind stack registration, since Valgrind must be
 * told about every stack a context runs on.
 */
#include "platform/ctx.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ms_config.h"

#if MS_HAVE_VALGRIND_H
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif

#if MS_SANITIZE_ADDRESS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

/*
 * AddressSanitizer must be told about every stack switch (it keeps a
 * "fake stack" per context and checks accesses against the current stack's
 * bounds). The context we came from is remembered so that, once resumed,
 * the bounds ASan reports for it can be recorded: that is how the host
 * context, whose stack memsim did not allocate, gets its bounds.
 */
static __thread struct ms__ctx *asan_from;

static void asan_finish(void *fake)
{
	const void *lo;
	size_t size;

	__sanitizer_finish_switch_fiber(fake, &lo, &size);
	if (asan_from && !asan_from->stack_lo) {
		asan_from->stack_lo = lo;
		asan_from->stack_size = size;
	}
	asan_from = NULL;
}
#endif

#if defined(__x86_64__)
#define HAVE_ASM 1
void ms__ctx_swap_asm(void **save_sp, void *load_sp);
void ms__ctx_entry_asm(void);
int ms__ctx_call_on_stack_asm(void *top, int (*fn)(void *), void *arg);
#else
#define HAVE_ASM 0
#endif

bool ms__ctx_have_asm(void)
{
	return HAVE_ASM;
}

enum ms_ctx_backend ms__ctx_backend_resolve(enum ms_ctx_backend want)
{
	if (want == MS_CTX_UCONTEXT || !HAVE_ASM)
		return MS_CTX_UCONTEXT;
	return MS_CTX_ASM;
}

/* The first code of every new context, on its own stack. */
static void first_entry(void *p)
{
	struct ms__ctx *ctx = p;

#if MS_SANITIZE_ADDRESS
	asan_finish(NULL);
#endif
	ctx->fn(ctx->arg);
	abort(); /* fn never returns */
}

/* makecontext passes ints: split the context pointer in two. */
static void uc_trampoline(unsigned hi, unsigned lo)
{
	first_entry((void *)(((uintptr_t)hi << 32) | lo));
}

int ms__ctx_make(struct ms__ctx *ctx, enum ms_ctx_backend backend,
		 void *stack_lo, size_t size, void (*fn)(void *), void *arg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->backend = ms__ctx_backend_resolve(backend);
	ctx->fn = fn;
	ctx->arg = arg;
	ctx->stack_lo = stack_lo;
	ctx->stack_size = size;

#if HAVE_ASM
	if (ctx->backend == MS_CTX_ASM) {
		uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
		uint64_t *f = (uint64_t *)(top - 64);
		uint32_t mxcsr;
		uint16_t fpucw;

		__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
		__asm__ volatile("fnstcw %0" : "=m"(fpucw));
		memset(f, 0, 64);
		memcpy(&f[0], &mxcsr, 4);
		memcpy((char *)&f[0] + 4, &fpucw, 2);
		f[1] = 0;			/* r15 */
		f[2] = 0;			/* r14 */
		f[3] = (uintptr_t)ctx;		/* r13: first_entry's argument */
		f[4] = (uintptr_t)first_entry;	/* r12 */
		f[5] = 0;			/* rbx */
		f[6] = 0;			/* rbp */
		f[7] = (uintptr_t)ms__ctx_entry_asm;
		ctx->sp = f;
		return 0;
	}
#endif
	ctx->uc = calloc(1, sizeof(*ctx->uc));
	if (!ctx->uc)
		return -ENOMEM;
	if (getcontext(ctx->uc)) {
		free(ctx->uc);
		ctx->uc = NULL;
		return -errno;
	}
	ctx->uc->uc_stack.ss_sp = stack_lo;
	ctx->uc->uc_stack.ss_size = size;
	ctx->uc->uc_link = NULL;
	makecontext(ctx->uc, (void (*)(void))uc_trampoline, 2,
		    (unsigned)((uintptr_t)ctx >> 32), (unsigned)(uintptr_t)ctx);
	return 0;
}

int ms__ctx_init_current(struct ms__ctx *ctx, enum ms_ctx_backend backend)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->backend = ms__ctx_backend_resolve(backend);
	if (ctx->backend == MS_CTX_UCONTEXT) {
		ctx->uc = calloc(1, sizeof(*ctx->uc));
		if (!ctx->uc)
			return -ENOMEM;
	}
	return 0;
}

void ms__ctx_destroy(struct ms__ctx *ctx)
{
	free(ctx->uc);
	ctx->uc = NULL;
}

void ms__ctx_switch(struct ms__ctx *from, struct ms__ctx *to)
{
#if MS_SANITIZE_ADDRESS
	void *fake = NULL;

	asan_from = from;
	__sanitizer_start_switch_fiber(from->dying ? NULL : &fake, to->stack_lo,
				       to->stack_size);
#endif
#if HAVE_ASM
	if (from->backend == MS_CTX_ASM)
		ms__ctx_swap_asm(&from->sp, to->sp);
	else
#endif
		swapcontext(from->uc, to->uc);
#if MS_SANITIZE_ADDRESS
	asan_finish(fake);
#endif
}

void ms__ctx_stack_unpoison(void *lo, size_t size)
{
#if MS_SANITIZE_ADDRESS
	__asan_unpoison_memory_region(lo, size);
#endif
#if MS_HAVE_VALGRIND_H
	/* memcheck marks what lies below a stack pointer as inaccessible as
	 * the stack shrinks; a stack handed out again, or a fresh mapping at
	 * the address of an old stack, must be writable for painting. */
	VALGRIND_MAKE_MEM_UNDEFINED(lo, size);
#endif
	(void)lo;
	(void)size;
}

void ms__ctx_escape_begin(const struct ms__ctx *host)
{
#if MS_SANITIZE_ADDRESS
	asan_from = NULL;
	__sanitizer_start_switch_fiber(NULL, host->stack_lo, host->stack_size);
#else
	(void)host;
#endif
}

void ms__ctx_escape_end(void)
{
#if MS_SANITIZE_ADDRESS
	asan_finish(NULL);
#endif
}

#if !HAVE_ASM
struct call_frame {
	int (*fn)(void *);
	void *arg;
	int ret;
	ucontext_t back;
};

static void uc_call_trampoline(unsigned hi, unsigned lo)
{
	struct call_frame *cf = (struct call_frame *)(((uintptr_t)hi << 32) | lo);

	cf->ret = cf->fn(cf->arg);
}
#endif

int ms__ctx_call_on_stack(void *stack_lo, size_t size, int (*fn)(void *),
			  void *arg)
{
#if HAVE_ASM
	uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;

	return ms__ctx_call_on_stack_asm((void *)top, fn, arg);
#else
	struct call_frame cf = { .fn = fn, .arg = arg };
	ucontext_t uc;

	if (getcontext(&uc))
		return -errno;
	uc.uc_stack.ss_sp = stack_lo;
	uc.uc_stack.ss_size = size;
	uc.uc_link = &cf.back;
	makecontext(&uc, (void (*)(void))uc_call_trampoline, 2,
		    (unsigned)((uintptr_t)&cf >> 32), (unsigned)(uintptr_t)&cf);
	swapcontext(&cf.back, &uc);
	return cf.ret;
#endif
}

unsigned ms__vg_stack_register(void *lo, size_t size)
{
#if MS_HAVE_VALGRIND_H
	return VALGRIND_STACK_REGISTER(lo, (char *)lo + size);
#else
	(void)lo;
	(void)size;
	return 0;
#endif
}

void ms__vg_stack_deregister(unsigned id)
{
#if MS_HAVE_VALGRIND_H
	if (id)
		VALGRIND_STACK_DEREGISTER(id);
#else
	(void)id;
#endif
}

bool ms__vg_running(void)
{
#if MS_HAVE_VALGRIND_H
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

void ms__vg_errors_off(void)
{
#if MS_HAVE_VALGRIND_H
	VALGRIND_DISABLE_ERROR_REPORTING;
#endif
}

void ms__vg_errors_on(void)
{
#if MS_HAVE_VALGRIND_H
	VALGRIND_ENABLE_ERROR_REPORTING;
#endif
}
