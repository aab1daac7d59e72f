/* SPDX-License-Identifier: MIT */
/*
 * memsim: kernel objects behind handles.
 *
 * A kernel object (a semaphore, a queue, a thread...) lives in kernel
 * memory; user threads reach it only through a handle, a small integer with
 * a generation (never a pointer). A freed object's handle is stale: every
 * later use is a bad handle, even when its slot has been reused.
 *
 * Every object has one permission bit per thread index. A thread gets an
 * index when it is created, if one is free (ms_config.max_thread_indexes of
 * them), and gives it back when it dies; a thread without an index can hold
 * no permission. A user thread may use an object only if its bit is set or
 * the object is public. Supervisor threads need no permission.
 *
 * Objects made with ms_sys_object_alloc() are dynamic (Zephyr's
 * k_object_alloc): two kernel heap allocations, the record and the data,
 * charged to the caller under the sim's quota policy. The caller gets
 * permission on it; the object is freed when its last permission goes
 * (release, revoke, or the death of its last holder), and the free credits
 * whoever was charged, whoever frees.
 *
 * Validation, in this order, each with its errno (Zephyr's
 * k_object_validate):
 *   -EBADF      bad or stale handle, or wrong type;
 *   -EPERM      the caller has no permission and the object is not public;
 *   -EINVAL     the call needs an initialised object and it is not;
 *   -EADDRINUSE an init call (queue, msgq, stack, pipe, thread create)
 *               on an object already initialised.
 * A user thread that fails a check is killed with an oops (fault kind
 * MS_FAULT_OOPS, reason MS_ERR_KERNEL_OOPS, fault error = the errno); a
 * supervisor thread gets the errno back. docs/kernel-objects.md has the
 * whole model and the Zephyr correspondence.
 *
 * The ms_sys_ calls are syscalls: from a user thread they cross the syscall
 * boundary (see <memsim/syscall.h>); from a supervisor thread they run the
 * implementation directly; from the host (outside a run) they act as the
 * kernel itself (uncharged allocations, no permission checks).
 */
#ifndef MEMSIM_KOBJ_H
#define MEMSIM_KOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>
#include <memsim/thread.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

typedef uint32_t ms_handle;
#define MS_HANDLE_NONE ((ms_handle)0)

/* X(name, "text", Zephyr's K_OBJ_ name) */
#define MS_KOBJ_TYPES(X)                                                     \
	X(ANY, "any", K_OBJ_ANY)                                             \
	X(SEM, "sem", K_OBJ_SEM)                                             \
	X(MUTEX, "mutex", K_OBJ_MUTEX)                                       \
	X(TIMER, "timer", K_OBJ_TIMER)                                       \
	X(QUEUE, "queue", K_OBJ_QUEUE)                                       \
	X(MSGQ, "msgq", K_OBJ_MSGQ)                                          \
	X(STACK, "stack", K_OBJ_STACK)                                       \
	X(PIPE, "pipe", K_OBJ_PIPE)                                          \
	X(THREAD, "thread", K_OBJ_THREAD)                                    \
	X(DELAYED_WORK, "delayed-work", none)

enum ms_kobj_type {
#define MS__KT_ENUM(name, text, zephyr) MS_KOBJ_##name,
	MS_KOBJ_TYPES(MS__KT_ENUM)
#undef MS__KT_ENUM
	MS_KOBJ__COUNT
};

/* "sem", ...; "?" for an unknown type. */
const char *ms_kobj_type_name(unsigned type);

/* What a call needs of the object's initialisation (Zephyr's _OBJ_INIT_*). */
enum ms_kobj_init_check {
	MS_KOBJ_INIT_TRUE = 0,		/* must be initialised (-EINVAL) */
	MS_KOBJ_INIT_FALSE = -1,	/* must not be (-EADDRINUSE) */
	MS_KOBJ_INIT_ANY = 1,		/* either */
};

/*
 * Allocate an object of a type (k_object_alloc). The record and the data
 * are charged to the caller; the caller gets permission on it. The object
 * is not initialised (except a delayed work item, which needs its init
 * call too: all types do). A thread object also takes a thread index.
 * @retval 0 and *out set
 * @retval -EINVAL type is MS_KOBJ_ANY or unknown
 * @retval -EDQUOT the caller's quota refuses (nothing is held)
 * @retval -ENOMEM the heap (or the caller's pool) has no room
 * @retval -ENOSPC a thread object and no thread index is free, or a user
 *         caller that has no thread index itself (it could never hold it)
 * A user caller whose out is not writable user memory is killed (oops,
 * -EFAULT) before anything is allocated.
 */
int ms_sys_object_alloc(struct ms_sim *sim, enum ms_kobj_type type,
			ms_handle *out);

/*
 * Free a dynamic object whatever its permissions (k_object_free: not a
 * syscall in Zephyr; supervisor threads and the host only). Waiters are
 * woken with -EINTR.
 * @retval 0 freed
 * @retval -EPERM called by a user thread (nothing done)
 * @retval -EBADF bad handle
 * @retval -EINVAL not a dynamic object (a thread's own thread object)
 * @retval -EBUSY a thread object a live thread runs on
 */
int ms_sys_object_free(struct ms_sim *sim, ms_handle h);

/*
 * Grant thread tid permission on an object (k_object_access_grant). A user
 * caller needs permission on tid's thread object, which must be live, and
 * on the object (any type, any init state), checked in that order (as
 * Zephyr's verifier): otherwise it is killed with an oops (-EBADF: no such
 * live thread or bad handle; -EPERM). Granting to a thread that has no
 * index does nothing (as in Zephyr).
 * @retval 0 done
 * @retval -ESRCH, -EBADF (supervisor callers) no such thread, bad handle;
 *         the thread is checked first
 */
int ms_sys_object_grant(struct ms_sim *sim, ms_handle h, ms_tid tid);

/*
 * Take thread tid's permission away (k_object_access_revoke: supervisor
 * only in Zephyr). If it was the last permission on a dynamic object, the
 * object is freed.
 * @retval 0 done
 * @retval -EPERM called by a user thread (nothing done)
 * @retval -EBADF bad handle; -ESRCH no such live thread
 */
int ms_sys_object_revoke(struct ms_sim *sim, ms_handle h, ms_tid tid);

/*
 * Drop the caller's own permission (k_object_release); a dynamic object
 * whose last permission goes is freed. A user caller without permission is
 * killed (-EBADF, -EPERM).
 * @retval 0 done
 * @retval -EBADF (supervisor callers) bad handle
 * @retval -EPERM called from the host, which holds no permission
 */
int ms_sys_object_release(struct ms_sim *sim, ms_handle h);

/*
 * Make an object public: every thread, present and future, may use it
 * (k_object_access_all_grant). There is no way back; a public dynamic
 * object is freed only by ms_sys_object_free() or when every explicit
 * permission goes. A user caller needs permission (oops otherwise).
 * @retval 0 done
 * @retval -EBADF (supervisor callers) bad handle
 */
int ms_sys_object_make_public(struct ms_sim *sim, ms_handle h);

/*
 * Run the validation checks without acting and without killing the caller
 * (what k_object_validate answers inside a syscall). Permission is checked
 * for user callers only.
 * @retval 0 the checks pass
 * @retval -EBADF, -EPERM, -EINVAL, -EADDRINUSE the first check that fails
 */
int ms_sys_object_check(struct ms_sim *sim, ms_handle h,
			enum ms_kobj_type type, enum ms_kobj_init_check init);

/*
 * The handle of a live thread's thread object (k_current_get for the
 * caller itself with tid = ms_thread_self()). A user caller whose out is
 * not writable user memory is killed (-EFAULT).
 * @retval 0 and *out set
 * @retval -ESRCH no such live thread
 */
int ms_sys_thread_handle(struct ms_sim *sim, ms_tid tid, ms_handle *out);

/*
 * Create a thread on an allocated thread object (k_thread_create): the new
 * thread uses the object's thread index, the object becomes initialised
 * while the thread lives, and the object outlives the thread (uninitialised
 * again) until its last permission goes. The caller must hold permission
 * on the object, which must not be initialised (oops: -EBADF, -EPERM,
 * -EADDRINUSE). A user caller must ask for a user thread of the same or a
 * lower priority, and attr (and its name) must be user memory (oops:
 * -EINVAL, -EFAULT). The child is the caller's child as with
 * ms_thread_create() (quota group, pool, MS_THREAD_INHERIT_PERMS).
 * @retval 0 and *out (may be NULL) set
 * @retval the errors of ms_thread_create()
 */
int ms_sys_thread_create(struct ms_sim *sim, ms_handle thread_obj,
			 const struct ms_thread_attr *attr, ms_entry_fn entry,
			 void *arg, ms_tid *out);

/* ---- introspection, for the host, supervisors, tests and reports ---- */

struct ms_kobj_info {
	ms_handle handle;
	enum ms_kobj_type type;
	bool initialized;
	bool is_public;
	bool dynamic;		/* from ms_sys_object_alloc */
	ms_tid requester;	/* charged for it (MS_TID_NONE: the kernel) */
	uint32_t holders;	/* threads with a permission bit */
	size_t record_bytes;	/* heap footprints (0: not on the heap) */
	size_t data_bytes;
	size_t buffer_bytes;	/* msgq/pipe/stack buffer, 0 if none */
	ms_tid thread;		/* THREAD: the live thread on it, or NONE */
	int32_t thread_index;	/* THREAD: its index, -1 if none */
};

/*
 * @retval 0 and *out filled
 * @retval -EBADF bad or stale handle
 */
int ms_kobj_info(struct ms_sim *sim, ms_handle h, struct ms_kobj_info *out);

/*
 * Does live thread tid hold a permission bit on the object (public objects
 * not counted)?
 * @retval 1 yes, 0 no
 * @retval -EBADF bad handle; -ESRCH no such live thread
 */
int ms_kobj_has_perm(struct ms_sim *sim, ms_handle h, ms_tid tid);

/* A live thread's index (-1: none or no such thread). */
int32_t ms_thread_index(struct ms_sim *sim, ms_tid tid);

struct ms_kernel_stats {
	uint64_t objects_live;		/* all kinds of objects now */
	uint64_t objects_dynamic;	/* of which dynamic */
	uint64_t objects_allocated;	/* dynamic objects ever allocated */
	uint64_t objects_freed;		/* dynamic objects ever freed */
	uint32_t thread_indexes;	/* ms_config.max_thread_indexes */
	uint32_t thread_indexes_used;	/* taken now */
	uint64_t syscalls;		/* kernel calls by simulated threads */
	uint64_t oopses;		/* callers killed by the checks */
	uint64_t timeouts_pending;	/* timers and delayed work armed */
};

int ms_kernel_stats(struct ms_sim *sim, struct ms_kernel_stats *out);

/*
 * Kernel calls (ms_sys_ calls and the user workqueue's) made by a thread,
 * live or dead.
 * @retval 0 and *out set; -ENOENT no thread of that tid was ever created
 */
int ms_thread_syscalls(struct ms_sim *sim, ms_tid tid, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif
