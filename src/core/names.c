/* SPDX-License-Identifier: MIT */
/* Names of the public enums, generated from the X-macro tables. */
#include <memsim/event.h>
#include <memsim/fault.h>
#include <memsim/sim.h>

#include "ms_config.h"

const char *ms_event_type_name(uint32_t type)
{
	static const char *const names[] = {
#define X(name, text, a, b) [MS_EV_##name] = text,
		MS_EVENT_TYPES(X)
#undef X
	};

	return type < MS_EV__COUNT ? names[type] : "?";
}

const char *ms_fault_kind_name(enum ms_fault_kind kind)
{
	static const char *const names[] = {
#define X(name, text) [MS_FAULT_##name] = text,
		MS_FAULT_KINDS(X)
#undef X
	};

	return (unsigned)kind < MS_FAULT__COUNT ? names[kind] : "?";
}

const char *ms_fault_reason_name(enum ms_fault_reason reason)
{
	switch (reason) {
	case MS_ERR_CPU_EXCEPTION: return "K_ERR_CPU_EXCEPTION";
	case MS_ERR_SPURIOUS_IRQ: return "K_ERR_SPURIOUS_IRQ";
	case MS_ERR_STACK_CHK_FAIL: return "K_ERR_STACK_CHK_FAIL";
	case MS_ERR_KERNEL_OOPS: return "K_ERR_KERNEL_OOPS";
	case MS_ERR_KERNEL_PANIC: return "K_ERR_KERNEL_PANIC";
	}
	return "?";
}

const char *ms_access_name(enum ms_access access)
{
	switch (access) {
	case MS_ACCESS_READ: return "read";
	case MS_ACCESS_WRITE: return "write";
	case MS_ACCESS_EXEC: return "exec";
	case MS_ACCESS_UNKNOWN: break;
	}
	return "unknown";
}

const char *ms_run_status_name(enum ms_run_status st)
{
	switch (st) {
	case MS_RUN_IDLE: return "idle";
	case MS_RUN_DONE: return "done";
	case MS_RUN_TICK_LIMIT: return "tick-limit";
	case MS_RUN_DEADLOCK: return "deadlock";
	case MS_RUN_PANIC: return "panic";
	case MS_RUN_STOPPED: return "stopped";
	}
	return "?";
}

const char *ms_version(void)
{
	return MS_VERSION;
}
