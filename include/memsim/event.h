/* SPDX-License-Identifier: MIT */
/*
 * memsim: the event log.
 *
 * Every simulated action worth knowing about is an event. Events carry only
 * simulated quantities (ticks, thread ids, handles, sizes, errnos), never host
 * addresses, so the log and its hash are the same for the same scenario and
 * seed on any host.
 */
#ifndef MEMSIM_EVENT_H
#define MEMSIM_EVENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t ms_tid;	/* thread id: 1, 2, 3, ... never reused */
#define MS_TID_NONE ((ms_tid)0)

/*
 * X(name, "text", meaning of a, meaning of b). Append new types at the end:
 * their numbers go into the event hash.
 */
#define MS_EVENT_TYPES(X)                                                     \
	X(THREAD_CREATE, "thread-create", "parent tid", "priority")         \
	X(THREAD_EXIT, "thread-exit", "0", "0")                             \
	X(THREAD_ABORT, "thread-abort", "aborting tid", "0")                \
	X(SWITCH, "switch", "from tid", "0")                                \
	X(YIELD, "yield", "0", "0")                                         \
	X(SLEEP, "sleep", "wake tick", "0")                                 \
	X(WAKE, "wake", "wait result", "0")                                 \
	X(BLOCK, "block", "timeout", "0")                                   \
	X(USER_MODE, "user-mode", "0", "0")                                 \
	X(FAULT, "fault", "fault kind", "reason")                           \
	X(STACK_FREE, "stack-free", "deferred", "0")                        \
	X(TICK_LIMIT, "tick-limit", "0", "0")                               \
	X(PANIC, "panic", "fault kind", "0")                                \
	X(SYSCALL, "syscall", "number", "result")                           \
	X(ALLOC, "alloc", "bytes", "heap id")                               \
	X(FREE, "free", "bytes", "requester tid")                           \
	X(DENY_QUOTA, "deny-quota", "bytes", "0")                           \
	X(DENY_NOMEM, "deny-nomem", "bytes", "heap id")                     \
	X(OBJ_NEW, "obj-new", "handle", "type")                             \
	X(OBJ_FREE, "obj-free", "handle", "type")                           \
	X(PERM_GRANT, "perm-grant", "handle", "grantee tid")                \
	X(PERM_REVOKE, "perm-revoke", "handle", "tid")                      \
	X(POOL_PAGE, "pool-page", "pool id", "page index")                  \
	X(POOL_SEAL, "pool-seal", "pool id", "page index")                  \
	X(POOL_RARE_WRITE, "pool-rare-write", "pool id", "bytes")           \
	X(POOL_FREE_PAGE, "pool-free-page", "pool id", "page index")        \
	X(DOMAIN_SWITCH, "domain-switch", "from domain", "to domain")       \
	X(DOMAIN_OPEN, "domain-open", "domain", "page")                     \
	X(XPFO_TRANSFER, "xpfo-transfer", "page frame", "to user")          \
	X(IPC_SEND, "ipc-send", "bytes", "destination node")                \
	X(IPC_RECV, "ipc-recv", "bytes", "node")                            \
	X(IPC_DENY, "ipc-deny", "bytes", "errno")                           \
	X(IPC_DROP, "ipc-drop", "bytes", "node")                            \
	X(DEVICE_ONLINE, "device-online", "device", "blocks onlined")       \
	X(DEVICE_OFFLINE, "device-offline", "device", "blocks offlined")    \
	X(DEVICE_WITHDRAW, "device-withdraw", "device", "pages lost")       \
	X(DEVICE_MIGRATE, "device-migrate", "device | to-RAM bit 32", "pages") \
	X(DEVICE_FAULT, "device-fault", "device", "mapping << 32 | page")   \
	X(DEVICE_EVICT, "device-evict", "device", "frame")

enum ms_event_type {
#define MS__EV_ENUM(name, text, a, b) MS_EV_##name,
	MS_EVENT_TYPES(MS__EV_ENUM)
#undef MS__EV_ENUM
	MS_EV__COUNT
};

struct ms_event {
	uint64_t tick;
	uint32_t type;		/* enum ms_event_type */
	ms_tid tid;		/* the thread it happened to, or MS_TID_NONE */
	uint64_t a;
	uint64_t b;
};

/* "thread-create", ...; "?" for an unknown type. */
const char *ms_event_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif
#endif
