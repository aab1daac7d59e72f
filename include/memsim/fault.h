/* SPDX-License-Identifier: MIT */
/*
 * memsim: faults.
 *
 * A protection violation or fatal error of a simulated thread is recorded as
 * a struct ms_fault: which thread, what kind, where (as an object name and an
 * offset into it, never a raw host address in the deterministic part), and a
 * backtrace. The faulting thread is aborted; the simulation goes on.
 */
#ifndef MEMSIM_FAULT_H
#define MEMSIM_FAULT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What was violated. X(name, "text") */
#define MS_FAULT_KINDS(X)                                                      \
	X(NONE, "none")                                                      \
	X(STACK_OVERFLOW, "stack-overflow")   /* guard below the stack */   \
	X(STACK_UNDERFLOW, "stack-underflow") /* guard above the stack */   \
	X(SEALED_WRITE, "sealed-write")       /* write to a sealed pool page */ \
	X(DOMAIN, "domain-violation")         /* outside the thread's domain */ \
	X(XPFO, "xpfo-violation")             /* kernel touched a user-owned frame */ \
	X(OOPS, "oops")                       /* a syscall found a bad argument */ \
	X(CPU, "cpu-exception")               /* any other access/instruction fault */ \
	X(PANIC, "panic")                     /* unattributable: stops the sim */ \
	X(DEVICE, "device-memory")            /* a page lost with its device, or one that could not come back */

enum ms_fault_kind {
#define MS__FK_ENUM(name, text) MS_FAULT_##name,
	MS_FAULT_KINDS(MS__FK_ENUM)
#undef MS__FK_ENUM
	MS_FAULT__COUNT
};

/* Why the thread died, in the spirit of Zephyr's K_ERR_*. */
enum ms_fault_reason {
	MS_ERR_CPU_EXCEPTION = 0,	/* K_ERR_CPU_EXCEPTION */
	MS_ERR_SPURIOUS_IRQ,		/* K_ERR_SPURIOUS_IRQ (unused) */
	MS_ERR_STACK_CHK_FAIL,		/* K_ERR_STACK_CHK_FAIL */
	MS_ERR_KERNEL_OOPS,		/* K_ERR_KERNEL_OOPS */
	MS_ERR_KERNEL_PANIC,		/* K_ERR_KERNEL_PANIC */
};

enum ms_access {
	MS_ACCESS_UNKNOWN = 0,
	MS_ACCESS_READ,
	MS_ACCESS_WRITE,
	MS_ACCESS_EXEC,
};

#define MS_FAULT_BT_MAX 16
#define MS_FAULT_NAME_MAX 64

struct ms_fault {
	enum ms_fault_kind kind;
	enum ms_fault_reason reason;
	enum ms_access access;
	uint32_t tid;			/* faulting thread (0: none) */
	uint64_t tick;
	int error;			/* for OOPS: the errno the check found */
	char object[MS_FAULT_NAME_MAX];	/* "stack:worker", "pool:cfg page 2", ... */
	uint64_t offset;		/* offset of the access into that object */
	char detail[128];		/* one human sentence */
	/* host-specific: not part of the deterministic record */
	uintptr_t host_addr;
	unsigned bt_depth;
	char bt[MS_FAULT_BT_MAX][MS_FAULT_NAME_MAX]; /* "function+0x1c" */
};

const char *ms_fault_kind_name(enum ms_fault_kind kind);
const char *ms_fault_reason_name(enum ms_fault_reason reason);
const char *ms_access_name(enum ms_access access);

#ifdef __cplusplus
}
#endif
#endif
