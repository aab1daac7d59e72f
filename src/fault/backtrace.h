/* SPDX-License-Identifier: MIT */
#ifndef MS_FAULT_BACKTRACE_H
#define MS_FAULT_BACKTRACE_H

#include <memsim/fault.h>

/* Fill f->bt from a signal frame's ucontext (NULL: from the caller). */
void ms__backtrace(struct ms_fault *f, void *ucontext);

#endif
