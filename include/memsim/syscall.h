/* SPDX-License-Identifier: MIT */
/*
 * memsim: the syscall boundary and the kernel services behind it.
 *
 * Simulated threads call the kernel with the ms_sys_ functions. From a
 * user thread each call is a syscall: it runs on the thread's privileged
 * stack, costs the syscall entry, verifies every argument first (handles
 * through the checks of <memsim/kobj.h>, buffers against the memory the
 * thread may touch: its own user stack and its memory domain's partitions)
 * and only then acts. A bad argument kills the caller with an oops (fault
 * kind MS_FAULT_OOPS, the errno in the fault record); whatever the call had
 * allocated is released first. Supervisor threads run the implementations
 * directly (no stack switch, no permission or buffer checks) and get the
 * errno back. Every call is counted for its thread and recorded as an
 * MS_EV_SYSCALL event (a = syscall number, b = result).
 *
 * Some services allocate kernel memory on the caller's behalf, charged to
 * the caller under the sim's quota policy (so -EDQUOT and -ENOMEM are
 * results they can return): pipe, msgq and stack buffers (at their init
 * call), queue nodes (alloc_append/alloc_prepend, unless a waiter takes
 * the data at once), delayed work timeouts (until fired or cancelled),
 * user workqueue items (until the worker takes them), and the transient
 * copy of a poll's events. docs/kernel-objects.md lists who pays for what
 * and when it is freed, and the Zephyr name of every call.
 *
 * Timeouts are in ticks: MS_NO_WAIT, MS_FOREVER or a positive count. From
 * the host (outside a run) nothing can wait: a call that would wait
 * returns -EPERM (or -EAGAIN/-EBUSY where the call has a no-wait answer).
 */
#ifndef MEMSIM_SYSCALL_H
#define MEMSIM_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>
#include <memsim/kobj.h>
#include <memsim/thread.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

/* Syscall numbers, as MS_EV_SYSCALL events carry them. X(name, "text") */
#define MS_SYSCALLS(X)                                                       \
	X(OBJECT_ALLOC, "object_alloc")                                      \
	X(OBJECT_FREE, "object_free")                                        \
	X(OBJECT_GRANT, "object_grant")                                      \
	X(OBJECT_REVOKE, "object_revoke")                                    \
	X(OBJECT_RELEASE, "object_release")                                  \
	X(OBJECT_MAKE_PUBLIC, "object_make_public")                          \
	X(OBJECT_CHECK, "object_check")                                      \
	X(THREAD_HANDLE, "thread_handle")                                    \
	X(THREAD_CREATE, "thread_create")                                    \
	X(SEM_INIT, "sem_init")                                              \
	X(SEM_GIVE, "sem_give")                                              \
	X(SEM_TAKE, "sem_take")                                              \
	X(SEM_COUNT_GET, "sem_count_get")                                    \
	X(MUTEX_INIT, "mutex_init")                                          \
	X(MUTEX_LOCK, "mutex_lock")                                          \
	X(MUTEX_UNLOCK, "mutex_unlock")                                      \
	X(TIMER_INIT, "timer_init")                                          \
	X(TIMER_START, "timer_start")                                        \
	X(TIMER_STOP, "timer_stop")                                          \
	X(TIMER_STATUS_GET, "timer_status_get")                              \
	X(TIMER_STATUS_SYNC, "timer_status_sync")                            \
	X(QUEUE_INIT, "queue_init")                                          \
	X(QUEUE_ALLOC_APPEND, "queue_alloc_append")                          \
	X(QUEUE_ALLOC_PREPEND, "queue_alloc_prepend")                        \
	X(QUEUE_GET, "queue_get")                                            \
	X(QUEUE_CANCEL_WAIT, "queue_cancel_wait")                            \
	X(QUEUE_IS_EMPTY, "queue_is_empty")                                  \
	X(MSGQ_ALLOC_INIT, "msgq_alloc_init")                                \
	X(MSGQ_PUT, "msgq_put")                                              \
	X(MSGQ_GET, "msgq_get")                                              \
	X(MSGQ_NUM_USED_GET, "msgq_num_used_get")                            \
	X(STACK_ALLOC_INIT, "stack_alloc_init")                              \
	X(STACK_PUSH, "stack_push")                                          \
	X(STACK_POP, "stack_pop")                                            \
	X(PIPE_ALLOC_INIT, "pipe_alloc_init")                                \
	X(PIPE_WRITE, "pipe_write")                                          \
	X(PIPE_READ, "pipe_read")                                            \
	X(DWORK_INIT, "dwork_init")                                          \
	X(DWORK_SUBMIT, "dwork_submit")                                      \
	X(DWORK_CANCEL, "dwork_cancel")                                      \
	X(WORK_USER_SUBMIT, "work_user_submit")                              \
	X(POLL, "poll")                                                      \
	X(HEAP_ALLOC, "heap_alloc")	/* ms_heap_alloc(_wait), user threads */ \
	X(HEAP_FREE, "heap_free")	/* ms_heap_free, user threads */

enum ms_sysno {
#define MS__SYS_ENUM(name, text) MS_SYS_##name,
	MS_SYSCALLS(MS__SYS_ENUM)
#undef MS__SYS_ENUM
	MS_SYS__COUNT
};

/* "sem_give", ...; "?" for an unknown number. */
const char *ms_syscall_name(unsigned nr);

/* ---- semaphores (k_sem) ---- */

/*
 * (k_sem_init) May be called again on an initialised semaphore.
 * @retval 0; -EINVAL limit is 0 or initial > limit
 */
int ms_sys_sem_init(struct ms_sim *sim, ms_handle sem, unsigned initial,
		    unsigned limit);
/* (k_sem_give) Wakes the first waiter, else counts up to the limit. @retval 0 */
int ms_sys_sem_give(struct ms_sim *sim, ms_handle sem);
/*
 * (k_sem_take)
 * @retval 0 taken
 * @retval -EBUSY MS_NO_WAIT and the count was 0
 * @retval -EAGAIN the timeout expired
 * @retval -EINTR the semaphore was freed while the caller waited
 */
int ms_sys_sem_take(struct ms_sim *sim, ms_handle sem, int64_t timeout);
/* (k_sem_count_get) @return the count (>= 0) */
int ms_sys_sem_count_get(struct ms_sim *sim, ms_handle sem);

/* ---- mutexes (k_mutex: recursive, owned) ---- */

/* (k_mutex_init) @retval 0 */
int ms_sys_mutex_init(struct ms_sim *sim, ms_handle mutex);
/*
 * (k_mutex_lock)
 * @retval 0 locked (again, if the caller owns it)
 * @retval -EBUSY MS_NO_WAIT and another thread owns it
 * @retval -EAGAIN the timeout expired; -EINTR the mutex was freed
 */
int ms_sys_mutex_lock(struct ms_sim *sim, ms_handle mutex, int64_t timeout);
/*
 * (k_mutex_unlock) The last unlock hands the mutex to the first waiter.
 * @retval 0; -EPERM the caller does not own it; -EINVAL it is not locked
 */
int ms_sys_mutex_unlock(struct ms_sim *sim, ms_handle mutex);

/* ---- timers (k_timer, without expiry functions) ---- */

/*
 * Initialise a timer for use from any thread. Zephyr's k_timer_init is not
 * a syscall (it takes expiry and stop functions); this one takes none.
 * @retval 0
 */
int ms_sys_timer_init(struct ms_sim *sim, ms_handle timer);
/*
 * (k_timer_start) First expiry after duration ticks (0: at once), then
 * every period ticks (0: once). Restarting resets the status. The timer's
 * timeout lives in the object: it allocates nothing.
 * @retval 0
 */
int ms_sys_timer_start(struct ms_sim *sim, ms_handle timer, uint64_t duration,
		       uint64_t period);
/* (k_timer_stop) Wakes status_sync waiters. @retval 0 */
int ms_sys_timer_stop(struct ms_sim *sim, ms_handle timer);
/* (k_timer_status_get) Expiries since the last read; resets. @return >= 0 */
int ms_sys_timer_status_get(struct ms_sim *sim, ms_handle timer);
/*
 * (k_timer_status_sync) As status_get, but if the status is 0 and the
 * timer runs, wait for its next expiry or stop.
 * @return >= 0; -EINTR the timer was freed while the caller waited
 */
int ms_sys_timer_status_sync(struct ms_sim *sim, ms_handle timer);

/* ---- queues (k_queue; user threads use the alloc_ variants) ---- */

/* (k_queue_init) An init call: -EADDRINUSE if already initialised. @retval 0 */
int ms_sys_queue_init(struct ms_sim *sim, ms_handle queue);
/*
 * (k_queue_alloc_append) Put data at the tail. If a thread waits in
 * queue_get, it takes data at once and nothing is allocated; otherwise a
 * node is allocated, charged to the caller, freed when the item is taken
 * (whoever takes it: the caller is credited).
 * @retval 0; -EDQUOT, -ENOMEM the node could not be allocated
 */
int ms_sys_queue_alloc_append(struct ms_sim *sim, ms_handle queue, void *data);
/* (k_queue_alloc_prepend) As alloc_append, at the head. */
int ms_sys_queue_alloc_prepend(struct ms_sim *sim, ms_handle queue,
			       void *data);
/*
 * (k_queue_get) Take the head item into *data (user callers: *data must be
 * writable user memory).
 * @retval 0 and *data set
 * @retval -EAGAIN the queue was empty (MS_NO_WAIT) or the timeout expired
 * @retval -EINTR queue_cancel_wait, or the queue was freed
 * (Zephyr's k_queue_get returns NULL in all three cases.)
 */
int ms_sys_queue_get(struct ms_sim *sim, ms_handle queue, void **data,
		     int64_t timeout);
/* (k_queue_cancel_wait) The first waiter returns -EINTR. @retval 0 */
int ms_sys_queue_cancel_wait(struct ms_sim *sim, ms_handle queue);
/* (k_queue_is_empty) @return 1 empty, 0 not */
int ms_sys_queue_is_empty(struct ms_sim *sim, ms_handle queue);

/* ---- message queues (k_msgq) ---- */

/*
 * (k_msgq_alloc_init) Allocate the ring buffer, msg_size * max_msgs bytes,
 * charged to the caller, freed with the object.
 * @retval 0
 * @retval -EINVAL msg_size or max_msgs is 0, or the product overflows
 * @retval -EDQUOT, -ENOMEM the buffer could not be allocated
 */
int ms_sys_msgq_alloc_init(struct ms_sim *sim, ms_handle msgq,
			   size_t msg_size, uint32_t max_msgs);
/*
 * (k_msgq_put) Copy one message of msg_size bytes from data.
 * @retval 0; -ENOMSG full and MS_NO_WAIT; -EAGAIN the timeout expired;
 * -EINTR the queue was freed
 */
int ms_sys_msgq_put(struct ms_sim *sim, ms_handle msgq, const void *data,
		    int64_t timeout);
/* (k_msgq_get) Copy the oldest message into data. Errors as put (empty). */
int ms_sys_msgq_get(struct ms_sim *sim, ms_handle msgq, void *data,
		    int64_t timeout);
/* (k_msgq_num_used_get) @return messages queued (>= 0) */
int ms_sys_msgq_num_used_get(struct ms_sim *sim, ms_handle msgq);

/* ---- stacks (k_stack) ---- */

/*
 * (k_stack_alloc_init) Allocate room for max_entries uintptr_t values,
 * charged to the caller, freed with the object.
 * @retval 0; -EINVAL max_entries is 0; -EDQUOT, -ENOMEM
 */
int ms_sys_stack_alloc_init(struct ms_sim *sim, ms_handle stack,
			    uint32_t max_entries);
/* (k_stack_push) @retval 0; -ENOMEM the stack is full */
int ms_sys_stack_push(struct ms_sim *sim, ms_handle stack, uintptr_t value);
/*
 * (k_stack_pop) *value must be writable user memory for user callers.
 * @retval 0; -EBUSY empty and MS_NO_WAIT; -EAGAIN timeout; -EINTR freed
 */
int ms_sys_stack_pop(struct ms_sim *sim, ms_handle stack, uintptr_t *value,
		     int64_t timeout);

/* ---- pipes (k_pipe) ---- */

/*
 * (k_pipe_alloc_init) Allocate a ring buffer of size bytes, charged to the
 * caller, freed with the object.
 * @retval 0; -EINVAL size is 0; -EDQUOT, -ENOMEM
 */
int ms_sys_pipe_alloc_init(struct ms_sim *sim, ms_handle pipe, size_t size);
/*
 * (k_pipe_write) Write len bytes, waiting for room until all are written
 * or the timeout expires.
 * @return the bytes written (len unless the timeout cut it short; 0 when
 *         len is 0)
 * @retval -EAGAIN nothing could be written in time
 * @retval -EINVAL len is over INT32_MAX
 * @retval -EINTR the pipe was freed
 */
int ms_sys_pipe_write(struct ms_sim *sim, ms_handle pipe, const void *data,
		      size_t len, int64_t timeout);
/*
 * (k_pipe_read) Read up to len bytes, waiting until at least one byte is
 * there or the timeout expires.
 * @return the bytes read (> 0; 0 when len is 0)
 * @retval -EAGAIN nothing in time; -EINTR the pipe was freed
 * @retval -EINVAL len is over INT32_MAX
 */
int ms_sys_pipe_read(struct ms_sim *sim, ms_handle pipe, void *data,
		     size_t len, int64_t timeout);

/* ---- delayed work (k_work_delayable) ---- */

typedef void (*ms_dwork_handler)(struct ms_sim *sim, ms_handle dwork,
				 void *arg);

/*
 * (k_work_init_delayable) Set the handler that runs when the work fires
 * (NULL: none; the work still fires, and its timeout is freed). The
 * handler runs on the kernel's work thread, a supervisor thread
 * ("sysworkq", the system workqueue), which may call the kernel: so only a
 * supervisor may give one. A user thread may init, arm and cancel delayed
 * work without a handler (user code that must run later belongs on a user
 * workqueue, ms_work_user_queue_start). May be called again while idle.
 * @retval 0
 * @retval -EPERM a user thread gave a handler (nothing changed; the
 *         caller is not killed)
 * @retval -EBUSY the work is pending
 */
int ms_sys_dwork_init(struct ms_sim *sim, ms_handle dwork, ms_dwork_handler fn,
		      void *arg);
/*
 * (k_work_schedule) Arm the work to fire after delay ticks (0: at the next
 * kernel entry). The armed timeout is a kernel allocation charged to the
 * caller, held until it fires or is cancelled. An armed work is left as it
 * is.
 * @retval 1 armed
 * @retval 0 it was already armed (nothing allocated)
 * @retval -EDQUOT, -ENOMEM the timeout could not be allocated
 */
int ms_sys_dwork_submit(struct ms_sim *sim, ms_handle dwork, uint64_t delay);
/*
 * (k_work_cancel_delayable) Disarm; the timeout is freed (and credited).
 * @retval 1 it was armed, 0 it was not
 */
int ms_sys_dwork_cancel(struct ms_sim *sim, ms_handle dwork);
/* Times the work has fired (for tests and reports). -EBADF bad handle. */
int64_t ms_dwork_fired(struct ms_sim *sim, ms_handle dwork);

/* ---- user workqueues (k_work_user_q) ---- */

struct ms_work_user;
typedef void (*ms_work_user_handler)(struct ms_sim *sim,
				     struct ms_work_user *work);

/*
 * A work item, in the submitter's memory (as in Zephyr). Initialise it
 * with ms_work_user_init(); the fields are the library's.
 */
struct ms_work_user {
	ms_work_user_handler handler;
	uint32_t flags;		/* MS_WORK_USER_PENDING while queued */
};
#define MS_WORK_USER_PENDING 1u

/*
 * A user workqueue: a queue object and a user thread that takes items off
 * it and runs their handlers, in the starter's memory.
 */
struct ms_work_user_q {
	ms_handle queue;
	ms_tid thread;
	volatile bool stop;
	uint64_t done;		/* items the worker has run */
};

void ms_work_user_init(struct ms_work_user *work, ms_work_user_handler fn);
bool ms_work_user_is_pending(const struct ms_work_user *work);

/*
 * (k_work_user_queue_start) Initialise queue (an allocated queue object
 * the caller holds) and start the worker: a user thread with
 * MS_THREAD_INHERIT_PERMS, granted the queue. attr gives its name, stack
 * and priority (options are forced to MS_THREAD_USER |
 * MS_THREAD_INHERIT_PERMS). Made of syscalls, like Zephyr's: a user thread
 * may call it.
 * @retval 0 and wq set up
 * @retval the errors of ms_sys_queue_init and ms_thread_create
 */
int ms_work_user_queue_start(struct ms_sim *sim, struct ms_work_user_q *wq,
			     ms_handle queue,
			     const struct ms_thread_attr *attr);
/*
 * (k_work_user_submit_to_queue) Queue work for the worker. The queue node
 * is a kernel allocation charged to the caller (kind "work"), freed when
 * the worker takes the item; if the worker is waiting it takes the item at
 * once and nothing is allocated. A syscall: work must be writable user
 * memory of a user caller.
 * @retval 0 queued
 * @retval -EBUSY the item is already pending
 * @retval -EDQUOT, -ENOMEM the node could not be allocated
 */
int ms_work_user_submit(struct ms_sim *sim, struct ms_work_user_q *wq,
			struct ms_work_user *work);
/*
 * Ask the worker to end once it has nothing queued (not in Zephyr, whose
 * workers run forever): it finishes what is queued, then exits.
 * @retval 0; the errors of ms_sys_queue_cancel_wait
 */
int ms_work_user_queue_stop(struct ms_sim *sim, struct ms_work_user_q *wq);

/* ---- poll (k_poll) ---- */

enum ms_poll_type {
	MS_POLL_TYPE_IGNORE = 0,		/* K_POLL_TYPE_IGNORE */
	MS_POLL_TYPE_SEM_AVAILABLE,		/* K_POLL_TYPE_SEM_AVAILABLE */
	MS_POLL_TYPE_DATA_AVAILABLE,		/* K_POLL_TYPE_DATA_AVAILABLE (queue) */
	MS_POLL_TYPE_MSGQ_DATA_AVAILABLE,	/* K_POLL_TYPE_MSGQ_DATA_AVAILABLE */
	MS_POLL_TYPE_PIPE_DATA_AVAILABLE,	/* K_POLL_TYPE_PIPE_DATA_AVAILABLE */
};

/* Bits of ms_poll_event.state, as K_POLL_STATE_*. */
#define MS_POLL_STATE_NOT_READY 0u
#define MS_POLL_STATE_SEM_AVAILABLE (1u << 1)
#define MS_POLL_STATE_DATA_AVAILABLE (1u << 2)
#define MS_POLL_STATE_MSGQ_DATA_AVAILABLE (1u << 4)
#define MS_POLL_STATE_PIPE_DATA_AVAILABLE (1u << 5)

/* One event to poll for (struct k_poll_event), in the caller's memory. */
struct ms_poll_event {
	uint32_t type;		/* enum ms_poll_type */
	uint32_t state;		/* out: MS_POLL_STATE_ bits */
	ms_handle obj;		/* semaphore, queue, msgq or pipe */
	uint32_t tag;		/* the caller's, untouched */
};

/*
 * (k_poll) Wait until at least one event's object is ready, then set the
 * state of every ready event (nothing is taken: follow with a take/get).
 * The kernel copies the events array into a transient kernel buffer of
 * num * sizeof(struct ms_poll_event) bytes, charged to the caller and freed
 * before the call returns, also when it kills the caller (a bad events
 * buffer: -EFAULT; a bad object: its validation errno) or the caller is
 * aborted while it waits.
 * @retval 0 one or more events are ready
 * @retval -EAGAIN none before the timeout (or MS_NO_WAIT)
 * @retval -EINVAL num <= 0, too many, or an unknown event type
 * @retval -EDQUOT, -ENOMEM the copy could not be allocated
 * @retval -EINTR a polled object was freed while the caller waited
 */
int ms_sys_poll(struct ms_sim *sim, struct ms_poll_event *events, int num,
		int64_t timeout);

#ifdef __cplusplus
}
#endif
#endif
