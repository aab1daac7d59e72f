/* SPDX-License-Identifier: MIT */
/*
 * Objects with a buffer allocated at init on the caller's behalf: message
 * queues (k_msgq_alloc_init), stacks (k_stack_alloc_init) and pipes
 * (k_pipe_alloc_init). The data really lives in those kernel heap blocks.
 *
 * What it models: a user thread that makes the kernel allocate a buffer of
 * the size it asks, charged to it and held as long as the object lives
 * (k_msgq_cleanup and friends free it with the object's last permission).
 *
 * Invariants: a buffer exists exactly when its object is initialised;
 * readers wait only while it is empty, writers only while it is full.
 * Waiters are woken to retry (a stack push hands its value over), so a
 * woken thread re-finds its object by handle before touching it.
 */
#include <errno.h>
#include <string.h>

#include "alloc/alloc.h"
#include "kernel/kernel.h"

struct buf_args {
	struct ms__sys c;
	ms_handle h;
	size_t size;
	uint32_t count;
	const void *src;
	void *dst;
	uintptr_t value;
	uintptr_t *vout;
	int64_t timeout;
};

/* ---- message queues ---- */

static int sys_msgq_alloc_init(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kobj *o;
	void *buf;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_MSGQ, MS_KOBJ_INIT_FALSE,
			  &o);
	if (ret)
		return ret;
	if (a->size == 0 || a->count == 0 || a->size > UINT32_MAX / a->count)
		return -EINVAL;
	ret = ms__kalloc(sim, a->c.t, a->size * a->count, MS_ALLOC_MSGQ_BUF,
			 &buf);
	if (ret)
		return ret;
	o->u.msgq.buf = buf;
	o->u.msgq.msg_size = a->size;
	o->u.msgq.max_msgs = a->count;
	o->u.msgq.used = 0;
	o->u.msgq.rd = 0;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_msgq_alloc_init(struct ms_sim *sim, ms_handle msgq,
			   size_t msg_size, uint32_t max_msgs)
{
	struct buf_args a = { .h = msgq, .size = msg_size, .count = max_msgs };

	return ms__syscall(sim, MS_SYS_MSGQ_ALLOC_INIT, sys_msgq_alloc_init, &a);
}

/* The checks of a transfer, in order: the message queue (initialised, and
 * the caller's to use), then the caller's message buffer (written by a
 * get). */
static int msgq_open(struct ms_sim *sim, struct buf_args *a, bool get,
		     struct ms__kobj **o)
{
	int ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_MSGQ,
			      MS_KOBJ_INIT_TRUE, o);

	if (ret)
		return ret;
	return ms__sys_buf(sim, &a->c, get ? a->dst : a->src,
			   (*o)->u.msgq.msg_size, get, "message");
}

static int sys_msgq_put(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	uint64_t deadline = ms__deadline(sim, a->timeout);
	struct ms__kobj *o;
	int ret;

	ret = msgq_open(sim, a, false, &o);
	if (ret)
		return ret;
	for (;;) {
		int64_t left = ms__remaining(sim, a->timeout, deadline);

		if (o->u.msgq.used < o->u.msgq.max_msgs) {
			uint32_t slot = (o->u.msgq.rd + o->u.msgq.used) %
					o->u.msgq.max_msgs;

			memcpy(o->u.msgq.buf + (size_t)slot * o->u.msgq.msg_size,
			       a->src, o->u.msgq.msg_size);
			ms__sys_copy_cost(sim, o->u.msgq.msg_size);
			o->u.msgq.used++;
			ms__wake_one(sim, &o->u.msgq.readers, 0);
			ms__kobj_signal_pollers(ks, o);
			return 0;
		}
		if (a->timeout == MS_NO_WAIT)
			return -ENOMSG;
		ret = ms__kobj_block(ks, &o, &o->u.msgq.writers, left);
		if (ret)
			return ret;
	}
}

int ms_sys_msgq_put(struct ms_sim *sim, ms_handle msgq, const void *data,
		    int64_t timeout)
{
	struct buf_args a = { .h = msgq, .src = data, .timeout = timeout };

	return ms__syscall(sim, MS_SYS_MSGQ_PUT, sys_msgq_put, &a);
}

static int sys_msgq_get(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	uint64_t deadline = ms__deadline(sim, a->timeout);
	struct ms__kobj *o;
	int ret;

	ret = msgq_open(sim, a, true, &o);
	if (ret)
		return ret;
	for (;;) {
		int64_t left = ms__remaining(sim, a->timeout, deadline);

		if (o->u.msgq.used) {
			memcpy(a->dst, o->u.msgq.buf +
			       (size_t)o->u.msgq.rd * o->u.msgq.msg_size,
			       o->u.msgq.msg_size);
			ms__sys_copy_cost(sim, o->u.msgq.msg_size);
			o->u.msgq.rd = (o->u.msgq.rd + 1) % o->u.msgq.max_msgs;
			o->u.msgq.used--;
			ms__wake_one(sim, &o->u.msgq.writers, 0);
			return 0;
		}
		if (a->timeout == MS_NO_WAIT)
			return -ENOMSG;
		ret = ms__kobj_block(ks, &o, &o->u.msgq.readers, left);
		if (ret)
			return ret;
	}
}

int ms_sys_msgq_get(struct ms_sim *sim, ms_handle msgq, void *data,
		    int64_t timeout)
{
	struct buf_args a = { .h = msgq, .dst = data, .timeout = timeout };

	return ms__syscall(sim, MS_SYS_MSGQ_GET, sys_msgq_get, &a);
}

static int sys_msgq_num_used_get(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_MSGQ, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	return (int)o->u.msgq.used;
}

int ms_sys_msgq_num_used_get(struct ms_sim *sim, ms_handle msgq)
{
	struct buf_args a = { .h = msgq };

	return ms__syscall(sim, MS_SYS_MSGQ_NUM_USED_GET, sys_msgq_num_used_get,
			   &a);
}

/* ---- stacks ---- */

static int sys_stack_alloc_init(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kobj *o;
	void *buf;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_STACK, MS_KOBJ_INIT_FALSE,
			  &o);
	if (ret)
		return ret;
	if (a->count == 0 || a->count > UINT32_MAX / sizeof(uintptr_t))
		return -EINVAL;
	ret = ms__kalloc(sim, a->c.t, a->count * sizeof(uintptr_t),
			 MS_ALLOC_STACK_BUF, &buf);
	if (ret)
		return ret;
	o->u.stack.buf = buf;
	o->u.stack.max = a->count;
	o->u.stack.used = 0;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_stack_alloc_init(struct ms_sim *sim, ms_handle stack,
			    uint32_t max_entries)
{
	struct buf_args a = { .h = stack, .count = max_entries };

	return ms__syscall(sim, MS_SYS_STACK_ALLOC_INIT, sys_stack_alloc_init,
			   &a);
}

static int sys_stack_push(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kobj *o;
	ms_tid tid;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_STACK, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	tid = ms__wake_one(sim, &o->u.stack.wq, 0);
	if (tid != MS_TID_NONE) {
		ms__kthread(ms__thread_lookup(sim, tid))->handoff =
			(void *)a->value;
		return 0;
	}
	if (o->u.stack.used == o->u.stack.max)
		return -ENOMEM;
	o->u.stack.buf[o->u.stack.used++] = a->value;
	return 0;
}

int ms_sys_stack_push(struct ms_sim *sim, ms_handle stack, uintptr_t value)
{
	struct buf_args a = { .h = stack, .value = value };

	return ms__syscall(sim, MS_SYS_STACK_PUSH, sys_stack_push, &a);
}

static int sys_stack_pop(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kobj *o, *still;
	struct ms__kthread *kt;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_STACK, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	ret = ms__sys_buf(sim, &a->c, a->vout, sizeof(*a->vout), true, "value");
	if (ret)
		return ret;
	if (o->u.stack.used) {
		*a->vout = o->u.stack.buf[--o->u.stack.used];
		return 0;
	}
	if (a->timeout == MS_NO_WAIT || !a->c.t)
		return -EBUSY;
	kt = ms__kthread(a->c.t);
	kt->handoff = NULL;
	ret = ms__kobj_wait(ms__kernel(sim), o, &o->u.stack.wq, a->timeout,
			    &still);
	if (ret == 0)
		*a->vout = (uintptr_t)kt->handoff;
	return ret;
}

int ms_sys_stack_pop(struct ms_sim *sim, ms_handle stack, uintptr_t *value,
		     int64_t timeout)
{
	struct buf_args a = { .h = stack, .vout = value, .timeout = timeout };

	return ms__syscall(sim, MS_SYS_STACK_POP, sys_stack_pop, &a);
}

/* ---- pipes ---- */

static int sys_pipe_alloc_init(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kobj *o;
	void *buf;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_PIPE, MS_KOBJ_INIT_FALSE,
			  &o);
	if (ret)
		return ret;
	if (a->size == 0 || a->size > UINT32_MAX)
		return -EINVAL;
	ret = ms__kalloc(sim, a->c.t, a->size, MS_ALLOC_PIPE_BUF, &buf);
	if (ret)
		return ret;
	o->u.pipe.buf = buf;
	o->u.pipe.size = a->size;
	o->u.pipe.rd = 0;
	o->u.pipe.used = 0;
	o->flags |= MS__KF_INIT;
	return 0;
}

int ms_sys_pipe_alloc_init(struct ms_sim *sim, ms_handle pipe, size_t size)
{
	struct buf_args a = { .h = pipe, .size = size };

	return ms__syscall(sim, MS_SYS_PIPE_ALLOC_INIT, sys_pipe_alloc_init, &a);
}

/* Copy up to len bytes into the ring; returns how many went in. */
static size_t pipe_put(struct ms__kobj *o, const uint8_t *src, size_t len)
{
	size_t n = 0;

	while (n < len && o->u.pipe.used < o->u.pipe.size) {
		size_t wr = (o->u.pipe.rd + o->u.pipe.used) % o->u.pipe.size;
		size_t chunk = MIN(len - n, o->u.pipe.size - o->u.pipe.used);

		chunk = MIN(chunk, o->u.pipe.size - wr);
		memcpy(o->u.pipe.buf + wr, src + n, chunk);
		o->u.pipe.used += chunk;
		n += chunk;
	}
	return n;
}

static size_t pipe_take(struct ms__kobj *o, uint8_t *dst, size_t len)
{
	size_t n = 0;

	while (n < len && o->u.pipe.used) {
		size_t chunk = MIN(len - n, o->u.pipe.used);

		chunk = MIN(chunk, o->u.pipe.size - o->u.pipe.rd);
		memcpy(dst + n, o->u.pipe.buf + o->u.pipe.rd, chunk);
		o->u.pipe.rd = (o->u.pipe.rd + chunk) % o->u.pipe.size;
		o->u.pipe.used -= chunk;
		n += chunk;
	}
	return n;
}

static int sys_pipe_write(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	uint64_t deadline = ms__deadline(sim, a->timeout);
	struct ms__kobj *o;
	size_t done = 0;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_PIPE, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	ret = ms__sys_buf(sim, &a->c, a->src, a->size, false, "data");
	if (ret)
		return ret;
	if (a->size == 0)
		return 0;
	if (a->size > INT32_MAX)
		return -EINVAL;
	for (;;) {
		int64_t left = ms__remaining(sim, a->timeout, deadline);
		size_t n = pipe_put(o, (const uint8_t *)a->src + done,
				    a->size - done);

		if (n) {
			ms__sys_copy_cost(sim, n);
			done += n;
			ms__wake_all(sim, &o->u.pipe.readers, 0);
			ms__kobj_signal_pollers(ks, o);
		}
		if (done == a->size)
			return (int)done;
		ret = ms__kobj_block(ks, &o, &o->u.pipe.writers, left);
		if (ret)
			return done ? (int)done : ret;
	}
}

int ms_sys_pipe_write(struct ms_sim *sim, ms_handle pipe, const void *data,
		      size_t len, int64_t timeout)
{
	struct buf_args a = { .h = pipe, .src = data, .size = len,
			      .timeout = timeout };

	return ms__syscall(sim, MS_SYS_PIPE_WRITE, sys_pipe_write, &a);
}

static int sys_pipe_read(struct ms_sim *sim, void *p)
{
	struct buf_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	uint64_t deadline = ms__deadline(sim, a->timeout);
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_PIPE, MS_KOBJ_INIT_TRUE,
			  &o);
	if (ret)
		return ret;
	ret = ms__sys_buf(sim, &a->c, a->dst, a->size, true, "data");
	if (ret)
		return ret;
	if (a->size == 0)
		return 0;
	if (a->size > INT32_MAX)
		return -EINVAL;
	for (;;) {
		int64_t left = ms__remaining(sim, a->timeout, deadline);
		size_t n = pipe_take(o, a->dst, a->size);

		if (n) {
			ms__sys_copy_cost(sim, n);
			ms__wake_all(sim, &o->u.pipe.writers, 0);
			return (int)n;
		}
		ret = ms__kobj_block(ks, &o, &o->u.pipe.readers, left);
		if (ret)
			return ret;
	}
}

int ms_sys_pipe_read(struct ms_sim *sim, ms_handle pipe, void *data,
		     size_t len, int64_t timeout)
{
	struct buf_args a = { .h = pipe, .dst = data, .size = len,
			      .timeout = timeout };

	return ms__syscall(sim, MS_SYS_PIPE_READ, sys_pipe_read, &a);
}
