/* SPDX-License-Identifier: MIT */
/*
 * Backtraces of simulated threads, with libunwind. From a fault, the walk
 * starts at the signal frame (the faulting instruction) and goes up the
 * simulated thread's own stack until the context's entry trampoline, whose
 * unwind information ends the chain. Frames are named "function+0xoffset";
 * no host address is recorded.
 */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdio.h>
#include <string.h>

#include "fault/backtrace.h"

void ms__backtrace(struct ms_fault *f, void *ucontext)
{
	unw_context_t here;
	unw_cursor_t c;
	int ret;

	f->bt_depth = 0;
	if (ucontext) {
		ret = unw_init_local2(&c, (unw_context_t *)ucontext,
				      UNW_INIT_SIGNAL_FRAME);
	} else {
		unw_getcontext(&here);
		ret = unw_init_local(&c, &here);
	}
	if (ret < 0)
		return;
	do {
		char name[MS_FAULT_NAME_MAX - 12];
		unw_word_t off = 0;

		if (unw_get_proc_name(&c, name, sizeof(name), &off) < 0)
			snprintf(name, sizeof(name), "??");
		snprintf(f->bt[f->bt_depth], sizeof(f->bt[0]), "%s+0x%lx", name,
			 (unsigned long)off);
		f->bt_depth++;
	} while (f->bt_depth < MS_FAULT_BT_MAX && unw_step(&c) > 0);
}
