/* SPDX-License-Identifier: MIT */
/*
 * The kernel subsystem's private header: objects, the handle table, thread
 * indexes, the syscall entry, the kernel's timeouts and work thread.
 * Shared by the files of src/kernel only.
 */
#ifndef MS_KERNEL_KERNEL_H
#define MS_KERNEL_KERNEL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/kobj.h>
#include <memsim/syscall.h>

#include "core/core.h"
#include "sched/sched.h"

/*
 * Modelled sizes, in bytes, of what the kernel allocates: the structures
 * of a 32-bit Zephyr target with CONFIG_POLL (docs/kernel-objects.md has
 * the table). memsim keeps its own working state beside them; the heap
 * blocks make the kernel heap fill as the target's would.
 */
#define MS__KREC_BASE 24u		/* struct dyn_obj less the perms */
#define MS__QNODE_SIZE 8u		/* struct alloc_node */
#define MS__TIMEOUT_SIZE 24u		/* struct _timeout */

/* Object flags (K_OBJ_FLAG_*). */
#define MS__KF_INIT 0x01u		/* initialised */
#define MS__KF_PUBLIC 0x02u		/* every thread may use it */
#define MS__KF_ALLOC 0x04u		/* dynamic: freed with its last permission */
#define MS__KF_DYING 0x08u		/* being freed */

struct ms__kobj;

/* Host records of ended objects kept for reuse (struct ms__kernel). */
#define MS__KOBJ_SPARES 32u

/* A kernel timeout (timer expiry, delayed work), ordered by (tick, seq). */
struct ms__ktimeout {
	uint64_t tick;
	uint64_t seq;
	GSequenceIter *it;		/* NULL: not armed */
	struct ms__kobj *obj;
};

/* A thread blocked in ms_sys_poll, registered on each polled object. */
struct ms__poll_reg {
	struct ms__kobj *obj;		/* NULL once the object is gone */
	GList link;			/* in obj->pollers */
	struct ms__poll_state *ps;
};

struct ms__poll_state {
	struct ms__waitq wq;		/* the poller waits here */
	struct ms__poll_reg *regs;
	int nregs;
	void *copy;			/* the transient copy (kernel heap) */
	bool obj_gone;			/* a polled object was freed */
};

struct ms__qitem {
	void *data;
	void *node;			/* the charged node, NULL if none */
};

struct ms__kobj {
	ms_handle handle;
	uint8_t type;
	uint8_t flags;
	ms_tid requester;		/* charged for record and data */
	void *rec;			/* heap blocks (NULL: not dynamic) */
	void *data;
	GQueue pollers;			/* struct ms__poll_reg (via link) */
	union {
		struct {
			uint32_t count, limit;
			struct ms__waitq wq;
		} sem;
		struct {
			ms_tid owner;
			uint32_t lock_count;
			struct ms__waitq wq;
		} mutex;
		struct {
			uint64_t period;
			uint32_t status;
			struct ms__ktimeout to;
			struct ms__waitq wq;
		} timer;
		struct {
			GQueue items;	/* struct ms__qitem * */
			struct ms__waitq wq;
		} queue;
		struct {
			uint8_t *buf;	/* heap block, charged to the initialiser */
			size_t msg_size;
			uint32_t max_msgs, used, rd;
			struct ms__waitq readers, writers;
		} msgq;
		struct {
			uintptr_t *buf;
			uint32_t max, used;
			struct ms__waitq wq;
		} stack;
		struct {
			uint8_t *buf;
			size_t size, rd, used;
			struct ms__waitq readers, writers;
		} pipe;
		struct {
			int32_t idx;	/* thread index, -1: none */
			ms_tid tid;	/* the live thread on it */
			bool implicit;	/* made by thread creation */
		} thread;
		struct {
			ms_dwork_handler fn;
			void *arg;
			void *mem;	/* the armed timeout's heap block */
			struct ms__ktimeout to;
			uint64_t fired;
		} dwork;
	} u;
	uint64_t perms[];		/* one bit per thread index */
};

/* Per-thread kernel state (the thread's MS__SUB_KERNEL slot). */
struct ms__kthread {
	ms_tid tid;
	int32_t idx;			/* thread index, -1: none */
	ms_handle tobj;			/* its thread object */
	void *handoff;			/* data a waker handed over */
	struct ms__poll_state *poll;	/* while blocked in poll */
};

/* A slot's generation, and the next free slot while it is free. */
struct ms__kslot {
	uint32_t gen;
	uint32_t next;
};

struct ms__kernel {
	struct ms_sim *sim;
	uint32_t nidx;			/* thread indexes */
	uint32_t perm_words;		/* uint64_t words per bitmap */
	size_t rec_size;		/* modelled record size */
	uint64_t *idx_free;		/* bit set: index free */
	uint32_t idx_used;

	GPtrArray *slots;		/* slot -> struct ms__kobj * or NULL */
	/*
	 * Host records of ended objects, kept for the next ones (parked:
	 * memcheck and ASan still see a use after the end). glibc's calloc
	 * bypasses its thread cache, so a record per object from it cost
	 * about a fifth of a dynamic object's alloc+free round trip.
	 */
	size_t kobj_size;		/* sizeof(struct ms__kobj) + perms */
	uint32_t nspare;
	struct ms__kobj *spare[MS__KOBJ_SPARES];
	GArray *gens;			/* slot -> struct ms__kslot */
	uint32_t free_head, free_tail;	/* free slots, oldest freed first */

	struct ms__kobj *binding;	/* thread object for the next thread */
	ms_handle grant_on_create;	/* object the next thread is granted */
	bool creating_kthread;

	GSequence *timeouts;		/* struct ms__ktimeout *, armed */
	uint64_t timeout_seq;
	struct ms__waitq kwq;		/* the work thread waits here */
	ms_tid kthread;			/* the work thread, MS_TID_NONE: none */
	GQueue fired;			/* handles of delayed work to run */

	GArray *syscalls;		/* tid -> uint64_t calls */
	ms_tid max_tid;
	struct ms_kernel_stats st;
};

static inline struct ms__kernel *ms__kernel(const struct ms_sim *sim)
{
	return ms__sim_sub(sim, MS__SUB_KERNEL);
}

static inline struct ms__kthread *ms__kthread(const struct ms_thread *t)
{
	return t ? ms__thread_sub(t, MS__SUB_KERNEL) : NULL;
}

/* ---- objects (kobj.c) ---- */

/* The object of a handle, or NULL (bad, stale, or being freed). */
struct ms__kobj *ms__kobj_get(const struct ms__kernel *ks, ms_handle h);

/*
 * The checks, in Zephyr's order. perms: test t's permission (t NULL:
 * the host, which has none; so pass perms false for the kernel itself).
 */
int ms__kobj_validate(struct ms__kernel *ks, struct ms_thread *t,
		      ms_handle h, unsigned type, int init, bool perms,
		      struct ms__kobj **out);

/* Allocate a dynamic object for requester (NULL: the kernel's own). */
int ms__kobj_alloc(struct ms__kernel *ks, struct ms_thread *requester,
		   unsigned type, struct ms__kobj **out);
/* Free it now, whoever holds it (waiters get -EINTR, pollers notified). */
void ms__kobj_destroy(struct ms__kernel *ks, struct ms__kobj *o);

bool ms__kobj_perm_test(const struct ms__kobj *o, int32_t idx);
void ms__kobj_perm_set(struct ms__kernel *ks, struct ms__kobj *o,
		       struct ms_thread *t);
/* Clear idx's bit; frees a dynamic object that has no bit left. */
void ms__kobj_perm_clear(struct ms__kernel *ks, struct ms__kobj *o,
			 int32_t idx, ms_tid tid);

/* Type hooks (services.c): release what an object holds, wake waiters. */
void ms__kobj_type_cleanup(struct ms__kernel *ks, struct ms__kobj *o);

/* Wake the threads polling o (its state may have become ready). */
void ms__kobj_signal_pollers(struct ms__kernel *ks, struct ms__kobj *o);

/* ---- the syscall entry (syscall.c) ---- */

/* Each syscall's argument block starts with this. */
struct ms__sys {
	struct ms_thread *t;		/* the caller (NULL: the host) */
	bool user;			/* crossed the boundary: verify */
	unsigned nr;
};

/*
 * Enter the kernel for syscall nr: fn(sim, args) runs on the caller's
 * privileged stack for a user thread, directly otherwise. args starts with
 * a struct ms__sys that this fills in.
 */
int ms__syscall(struct ms_sim *sim, unsigned nr,
		int (*fn)(struct ms_sim *sim, void *args), void *args);

/*
 * A check failed: for a user caller, oops (does not return); otherwise
 * return err. Release transient allocations before calling it.
 */
int ms__sys_fail(struct ms_sim *sim, const struct ms__sys *c, int err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Validate a handle for a syscall (permission checked for user callers);
 * on failure as ms__sys_fail. Returns 0 with *out set, or the errno for a
 * supervisor caller.
 */
int ms__sys_obj(struct ms_sim *sim, const struct ms__sys *c, ms_handle h,
		unsigned type, int init, struct ms__kobj **out);

/* May c's caller access [p, p + len)? Supervisors and the host may. */
bool ms__sys_buf_ok(struct ms_sim *sim, const struct ms__sys *c,
		    const void *p, size_t len, bool write);
/*
 * Check a user buffer; on failure as ms__sys_fail with -EFAULT. A NULL
 * buffer with len > 0 also fails for a supervisor (-EFAULT returned).
 */
int ms__sys_buf(struct ms_sim *sim, const struct ms__sys *c, const void *p,
		size_t len, bool write, const char *what);
/* Charge the copy of len bytes to or from user memory. */
void ms__sys_copy_cost(struct ms_sim *sim, size_t len);

/* ---- waiting (services.c) ---- */

/*
 * Wait on wq as part of o's service. On return the object may be gone:
 * *still is o if it still exists, else NULL.
 */
int ms__kobj_wait(struct ms__kernel *ks, struct ms__kobj *o,
		  struct ms__waitq *wq, int64_t timeout,
		  struct ms__kobj **still);

/*
 * The blocking step of a call that retries until it can go on (msgq and
 * pipe transfers): with left ticks of the call's timeout remaining, wait
 * on wq, one of *o's queues. 0: woken with *o still there, try again;
 * -EAGAIN: no time left (nothing waited); the wait's own errno (-EAGAIN
 * on a timeout, -EINTR when woken by the object's end); -EINTR when the
 * object ended while the wait succeeded.
 */
int ms__kobj_block(struct ms__kernel *ks, struct ms__kobj **o,
		   struct ms__waitq *wq, int64_t left);

/* For calls that may wait more than once: the tick the timeout ends. */
static inline uint64_t ms__deadline(struct ms_sim *sim, int64_t timeout)
{
	return timeout > 0 ? ms_sim_now(sim) + (uint64_t)timeout : 0;
}

/* What is left of timeout at its deadline (MS_NO_WAIT once it passed). */
static inline int64_t ms__remaining(struct ms_sim *sim, int64_t timeout,
				    uint64_t deadline)
{
	uint64_t now = ms_sim_now(sim);

	if (timeout <= 0)
		return timeout;
	return now >= deadline ? MS_NO_WAIT : (int64_t)(deadline - now);
}

/* ---- timeouts and the work thread (work.c) ---- */

void ms__timeout_arm(struct ms__kernel *ks, struct ms__ktimeout *to,
		     struct ms__kobj *o, uint64_t delay);
void ms__timeout_disarm(struct ms__kernel *ks, struct ms__ktimeout *to);
/* Free what the kernel's timeouts hold (at fini). */
void ms__work_fini(struct ms__kernel *ks);
void ms__work_thread_gone(struct ms__kernel *ks, struct ms_thread *t);

/* ---- queue internals shared with the user workqueue (queue.c) ---- */
int ms__queue_insert(struct ms__kernel *ks, struct ms__kobj *q,
		     struct ms_thread *requester, void *data, bool append,
		     unsigned kind);

/* ---- poll (poll.c) ---- */
void ms__poll_thread_gone(struct ms__kernel *ks, struct ms__kthread *kt);

#endif
