/* SPDX-License-Identifier: MIT */
/*
 * The object syscalls: allocate, free, grant, revoke, release, make public,
 * check, a thread's handle, create a thread on a thread object (Zephyr's
 * k_object_alloc, k_object_free, k_object_access_grant/revoke/all_grant,
 * k_object_release, k_thread_create).
 *
 * Each is a verify step (handles, permissions, user buffers: an oops for a
 * user caller) followed by an implementation that trusts its arguments.
 * Invariant: nothing is allocated or changed before verification passes.
 */
#include <errno.h>
#include <string.h>

#include "core/cost.h"
#include "kernel/kernel.h"

/* ---- object_alloc ---- */

struct alloc_args {
	struct ms__sys c;
	unsigned type;
	ms_handle *out;
};

static int sys_object_alloc(struct ms_sim *sim, void *p)
{
	struct alloc_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kthread *kt = ms__kthread(a->c.t);
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_buf(sim, &a->c, a->out, sizeof(*a->out), true, "handle");
	if (ret)
		return ret;
	if (a->type == MS_KOBJ_ANY || a->type >= MS_KOBJ__COUNT)
		return -EINVAL;
	/* A user thread without an index could never hold it. */
	if (a->c.user && kt->idx < 0)
		return -ENOSPC;
	ret = ms__kobj_alloc(ks, a->c.t, a->type, &o);
	if (ret)
		return ret;
	*a->out = o->handle;
	return 0;
}

int ms_sys_object_alloc(struct ms_sim *sim, enum ms_kobj_type type,
			ms_handle *out)
{
	struct alloc_args a = { .type = type, .out = out };

	return ms__syscall(sim, MS_SYS_OBJECT_ALLOC, sys_object_alloc, &a);
}

/* ---- object_free (supervisor) ---- */

struct h_args {
	struct ms__sys c;
	ms_handle h;
	ms_tid tid;
};

static int sys_object_free(struct ms_sim *sim, void *p)
{
	struct h_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kobj *o;
	int ret;

	if (a->c.user)
		return -EPERM;	/* not a syscall in Zephyr */
	ret = ms__kobj_validate(ks, a->c.t, a->h, MS_KOBJ_ANY,
				MS_KOBJ_INIT_ANY, false, &o);
	if (ret)
		return ret;
	if (!(o->flags & MS__KF_ALLOC))
		return -EINVAL;
	if (o->type == MS_KOBJ_THREAD && o->u.thread.tid != MS_TID_NONE)
		return -EBUSY;
	ms__kobj_destroy(ks, o);
	return 0;
}

int ms_sys_object_free(struct ms_sim *sim, ms_handle h)
{
	struct h_args a = { .h = h };

	return ms__syscall(sim, MS_SYS_OBJECT_FREE, sys_object_free, &a);
}

/* ---- grant ---- */

static int sys_object_grant(struct ms_sim *sim, void *p)
{
	struct h_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kobj *o, *to;
	struct ms_thread *gt;
	int ret;

	/*
	 * The grantee first, then the object: Zephyr's
	 * z_vrfy_k_object_access_grant checks the thread (K_OBJ_THREAD,
	 * initialised) before validate_any_object(), so when both are bad
	 * the grantee's check decides the errno.
	 */
	gt = ms__thread_lookup(sim, a->tid);
	if (!gt)
		return a->c.user ? ms__sys_fail(sim, &a->c, -EBADF,
						"no live thread %u", a->tid) :
				   -ESRCH;
	/* A user caller needs permission on the grantee's thread object. */
	if (a->c.user) {
		ret = ms__sys_obj(sim, &a->c, ms__kthread(gt)->tobj,
				  MS_KOBJ_THREAD, MS_KOBJ_INIT_TRUE, &to);
		if (ret)
			return ret;
	}
	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_ANY, MS_KOBJ_INIT_ANY, &o);
	if (ret)
		return ret;
	ms__clock_advance(sim, MS__COST_OBJ);
	ms__kobj_perm_set(ks, o, gt);
	return 0;
}

int ms_sys_object_grant(struct ms_sim *sim, ms_handle h, ms_tid tid)
{
	struct h_args a = { .h = h, .tid = tid };

	return ms__syscall(sim, MS_SYS_OBJECT_GRANT, sys_object_grant, &a);
}

/* ---- revoke (supervisor) ---- */

static int sys_object_revoke(struct ms_sim *sim, void *p)
{
	struct h_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms_thread *gt;
	struct ms__kobj *o;
	int ret;

	if (a->c.user)
		return -EPERM;	/* not a syscall in Zephyr */
	ret = ms__kobj_validate(ks, a->c.t, a->h, MS_KOBJ_ANY,
				MS_KOBJ_INIT_ANY, false, &o);
	if (ret)
		return ret;
	gt = ms__thread_lookup(sim, a->tid);
	if (!gt)
		return -ESRCH;
	ms__clock_advance(sim, MS__COST_OBJ);
	ms__kobj_perm_clear(ks, o, ms__kthread(gt)->idx, a->tid);
	return 0;
}

int ms_sys_object_revoke(struct ms_sim *sim, ms_handle h, ms_tid tid)
{
	struct h_args a = { .h = h, .tid = tid };

	return ms__syscall(sim, MS_SYS_OBJECT_REVOKE, sys_object_revoke, &a);
}

/* ---- release ---- */

static int sys_object_release(struct ms_sim *sim, void *p)
{
	struct h_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_ANY, MS_KOBJ_INIT_ANY, &o);
	if (ret)
		return ret;
	if (!a->c.t)
		return -EPERM;	/* the host holds no permission */
	ms__clock_advance(sim, MS__COST_OBJ);
	ms__kobj_perm_clear(ks, o, ms__kthread(a->c.t)->idx,
			    ms__thread_tid(a->c.t));
	return 0;
}

int ms_sys_object_release(struct ms_sim *sim, ms_handle h)
{
	struct h_args a = { .h = h };

	return ms__syscall(sim, MS_SYS_OBJECT_RELEASE, sys_object_release, &a);
}

/* ---- make_public ---- */

static int sys_object_make_public(struct ms_sim *sim, void *p)
{
	struct h_args *a = p;
	struct ms__kobj *o;
	int ret;

	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_ANY, MS_KOBJ_INIT_ANY, &o);
	if (ret)
		return ret;
	ms__clock_advance(sim, MS__COST_OBJ);
	o->flags |= MS__KF_PUBLIC;
	return 0;
}

int ms_sys_object_make_public(struct ms_sim *sim, ms_handle h)
{
	struct h_args a = { .h = h };

	return ms__syscall(sim, MS_SYS_OBJECT_MAKE_PUBLIC,
			   sys_object_make_public, &a);
}

/* ---- check ---- */

struct check_args {
	struct ms__sys c;
	ms_handle h;
	unsigned type;
	int init;
};

static int sys_object_check(struct ms_sim *sim, void *p)
{
	struct check_args *a = p;
	struct ms__kobj *o;

	return ms__kobj_validate(ms__kernel(sim), a->c.t, a->h, a->type,
				 a->init, a->c.user, &o);
}

int ms_sys_object_check(struct ms_sim *sim, ms_handle h,
			enum ms_kobj_type type, enum ms_kobj_init_check init)
{
	struct check_args a = { .h = h, .type = type, .init = init };

	return ms__syscall(sim, MS_SYS_OBJECT_CHECK, sys_object_check, &a);
}

/* ---- thread_handle ---- */

struct th_args {
	struct ms__sys c;
	ms_tid tid;
	ms_handle *out;
};

static int sys_thread_handle(struct ms_sim *sim, void *p)
{
	struct th_args *a = p;
	struct ms_thread *t;
	int ret;

	ret = ms__sys_buf(sim, &a->c, a->out, sizeof(*a->out), true, "handle");
	if (ret)
		return ret;
	t = ms__thread_lookup(sim, a->tid);
	if (!t || ms__kthread(t)->tobj == MS_HANDLE_NONE)
		return -ESRCH;
	*a->out = ms__kthread(t)->tobj;
	return 0;
}

int ms_sys_thread_handle(struct ms_sim *sim, ms_tid tid, ms_handle *out)
{
	struct th_args a = { .tid = tid, .out = out };

	return ms__syscall(sim, MS_SYS_THREAD_HANDLE, sys_thread_handle, &a);
}

/* ---- thread_create ---- */

struct tc_args {
	struct ms__sys c;
	ms_handle h;
	const struct ms_thread_attr *attr;
	ms_entry_fn entry;
	void *arg;
	ms_tid *out;
};

#define NAME_MAX_USER 32

/* A user string: every byte up to the NUL readable by the caller. */
static int user_string(struct ms_sim *sim, const struct ms__sys *c,
		       const char *s)
{
	for (size_t i = 0; i < NAME_MAX_USER; i++) {
		if (!ms__sys_buf_ok(sim, c, s + i, 1, false))
			break;
		if (!s[i])
			return 0;
	}
	return ms__sys_fail(sim, c, -EFAULT, "thread name not a user string");
}

static int sys_thread_create(struct ms_sim *sim, void *p)
{
	struct tc_args *a = p;
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms_thread_attr attr;
	struct ms__kobj *o;
	ms_tid tid = MS_TID_NONE;
	int ret;

	/* The thread object must be free for a new thread. */
	ret = ms__sys_obj(sim, &a->c, a->h, MS_KOBJ_THREAD, MS_KOBJ_INIT_FALSE,
			  &o);
	if (ret)
		return ret;
	if (a->attr) {
		ret = ms__sys_buf(sim, &a->c, a->attr, sizeof(*a->attr), false,
				  "thread attributes");
		if (ret)
			return ret;
		attr = *a->attr;
	} else {
		ms_thread_attr_init(&attr);
	}
	if (a->out) {
		ret = ms__sys_buf(sim, &a->c, a->out, sizeof(*a->out), true,
				  "tid");
		if (ret)
			return ret;
	}
	if (a->c.user) {
		if (attr.name) {
			ret = user_string(sim, &a->c, attr.name);
			if (ret)
				return ret;
		}
		/* User threads make user threads, no more urgent than they. */
		if (!(attr.options & MS_THREAD_USER) ||
		    attr.priority < ms__thread_priority(a->c.t))
			return ms__sys_fail(sim, &a->c, -EINVAL,
					    "user thread must create a user "
					    "thread of its priority or lower");
	}
	/* The new thread's thread_new hook takes the object. */
	ks->binding = o;
	ret = ms_thread_create(sim, &attr, a->entry, a->arg, &tid);
	ks->binding = NULL;
	if (ret)
		return ret;
	if (a->out)
		*a->out = tid;
	return 0;
}

int ms_sys_thread_create(struct ms_sim *sim, ms_handle thread_obj,
			 const struct ms_thread_attr *attr, ms_entry_fn entry,
			 void *arg, ms_tid *out)
{
	struct tc_args a = { .h = thread_obj, .attr = attr, .entry = entry,
			     .arg = arg, .out = out };

	return ms__syscall(sim, MS_SYS_THREAD_CREATE, sys_thread_create, &a);
}
