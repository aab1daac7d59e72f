/* SPDX-License-Identifier: MIT */
/*
 * Actors: the entry function of every actor thread, which interprets its
 * script step by step through the public API only (what a C program linking
 * libmemsim could do, nothing more).
 *
 * Invariants: a step's outcome is counted before the next step starts, in
 * the actor's own tally (ops, syscalls, refusals not seen by the heap);
 * what the heap sees (requests, grants, denials, bytes) is counted by the
 * run's event hook instead, so nothing is counted twice. A thread may die
 * at any step (a fault); everything it allocated on the host side lives in
 * its context, which the run owns and frees.
 */
#include <alloca.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <memsim/domain.h>
#include <memsim/heap.h>
#include <memsim/ipc.h>
#include <memsim/kobj.h>
#include <memsim/pool.h>
#include <memsim/quota.h>
#include <memsim/syscall.h>
#include <memsim/sim.h>
#include <memsim/thread.h>

#include "scenario/run.h"

static const struct ms__actor *actor_of(const struct ms__tctx *t)
{
	return &g_array_index(t->run->sc->actors, struct ms__actor, t->actor);
}

static struct ms_scenario_counters *cnt(const struct ms__tctx *t)
{
	return &t->run->acc[t->actor].c;
}

static uint64_t draw_u(struct ms_sim *sim, const struct ms__val *v)
{
	int64_t x = ms__val_draw(sim, v);

	return x < 0 ? 0 : (uint64_t)x;
}

/*
 * Use the stack: depth frames of frame bytes each. Each frame is written
 * from its top down, in steps smaller than a page, so a frame larger than
 * the guard still hits the guard first (as -fstack-clash-protection
 * probes do) instead of jumping over it into other memory.
 */
static __attribute__((noinline)) int deliberate_recurse(uint64_t depth, size_t frame)
{
	volatile char *buf = alloca(frame);

	for (size_t i = frame; i > 0; i -= i > 256 ? 256 : i)
		buf[i - 1] = (char)depth;
	buf[0] = (char)depth;
	if (depth > 1)
		return deliberate_recurse(depth - 1, frame) + buf[0];
	return buf[0];
}

/*
 * Touch the calling thread's stack at offset from its lowest usable byte:
 * below 0 is the guard under the stack (overflow), at or above the size the
 * guard over it (underflow). Inside the stack a write stores back the byte
 * it read, so that live frames are not damaged. Offsets beyond the guards
 * are refused: they would reach host memory the sim does not own.
 */
static int deliberate_touch_stack(struct ms_sim *sim, int64_t off, int access)
{
	struct ms_thread_info info;
	volatile char *p;
	int ret = ms_thread_info(sim, ms_thread_self(sim), &info);

	if (ret)
		return ret;
	if (off < -(int64_t)info.guard_size ||
	    off >= (int64_t)(info.stack_size + info.guard_size))
		return -ERANGE;
	p = (volatile char *)info.stack_base + off;
	if (off >= 0 && off < (int64_t)info.stack_size) {
		char v = *p;

		if (access == MS_ACCESS_WRITE)
			*p = v;
		return 0;
	}
	if (access == MS_ACCESS_WRITE)
		*p = 0;
	else
		(void)*p;
	return 0;
}

static void hold(struct ms__tctx *t, enum ms__held_kind kind, void *p,
		 ms_handle h, const char *tag)
{
	struct ms__held held = { kind, p, h, tag };

	if (!t->held)
		t->held = g_array_new(FALSE, FALSE, sizeof(struct ms__held));
	g_array_append_val(t->held, held);
}

/*
 * The outcome of a kernel call that allocates. -EDQUOT and -ENOMEM (and a
 * wait for room that timed out) are the heap's refusals, counted by the
 * event hook; anything else is counted here.
 */
static bool outcome(struct ms__tctx *t, int ret)
{
	if (ret >= 0)
		return true;
	t->refused = true;
	if (ret != -EDQUOT && ret != -ENOMEM && ret != -EAGAIN)
		cnt(t)->denied_other++;
	return false;
}

static int64_t timeout_of(const struct ms__step *s)
{
	if (!s->has_wait)
		return MS_NO_WAIT;
	return s->wait < 0 ? MS_FOREVER : s->wait;
}

static void do_alloc(struct ms_sim *sim, struct ms__tctx *t,
		     const struct ms__step *s)
{
	uint64_t size = draw_u(sim, &s->n);
	void *p = NULL;
	int ret;

	cnt(t)->syscalls++;
	if (s->attr)
		ret = ms__alloc_attr(sim, s, size ? size : 1, &p);
	else if (s->has_wait)
		ret = ms_heap_alloc_wait(sim, size ? size : 1, timeout_of(s),
					 &p);
	else
		ret = ms_heap_alloc(sim, size ? size : 1, &p);
	if (outcome(t, ret))
		hold(t, MS__HELD_BLOCK, p, 0, s->tag);
}

/* Allocate a kernel object (k_object_alloc); false if refused. */
static bool object_new(struct ms_sim *sim, struct ms__tctx *t,
		       enum ms_kobj_type type, ms_handle *h)
{
	cnt(t)->syscalls++;
	return outcome(t, ms_sys_object_alloc(sim, type, h));
}

/* Drop the caller's permission; the last one frees the object. */
static void object_drop(struct ms_sim *sim, struct ms__tctx *t, ms_handle h)
{
	cnt(t)->syscalls++;
	if (ms_sys_object_release(sim, h))
		cnt(t)->denied_other++;
}

static void do_object(struct ms_sim *sim, struct ms__tctx *t,
		      const struct ms__step *s)
{
	ms_handle h = MS_HANDLE_NONE;

	if (object_new(sim, t, (enum ms_kobj_type)s->kind, &h))
		hold(t, MS__HELD_OBJECT, NULL, h, s->tag);
}

/*
 * Objects that need an init call that allocates their buffer (pipe, msgq,
 * queue) or arms them (delayed work). If the init is refused the object
 * goes too: the script holds only what works.
 */
static void do_init_object(struct ms_sim *sim, struct ms__tctx *t,
			   const struct ms__step *s)
{
	ms_handle h = MS_HANDLE_NONE;
	enum ms_kobj_type type;
	const char *tag = s->tag;
	int ret;

	switch (s->op) {
	case MS__OP_PIPE: type = MS_KOBJ_PIPE; break;
	case MS__OP_MSGQ: type = MS_KOBJ_MSGQ; break;
	case MS__OP_QUEUE: type = MS_KOBJ_QUEUE; tag = s->str; break;
	default: type = MS_KOBJ_DELAYED_WORK; break;
	}
	if (!object_new(sim, t, type, &h))
		return;
	cnt(t)->syscalls++;
	switch (s->op) {
	case MS__OP_PIPE:
		ret = ms_sys_pipe_alloc_init(sim, h, draw_u(sim, &s->n));
		break;
	case MS__OP_MSGQ:
		ret = ms_sys_msgq_alloc_init(sim, h, draw_u(sim, &s->m),
					     (uint32_t)draw_u(sim, &s->n));
		break;
	case MS__OP_QUEUE:
		ret = ms_sys_queue_init(sim, h);
		break;
	default:
		/* No handler: a script arms work for its timeout alone, and
		 * a user actor may not give one (the handler would run on
		 * the kernel's supervisor work thread). */
		ret = ms_sys_dwork_init(sim, h, NULL, NULL);
		if (ret == 0) {
			cnt(t)->syscalls++;
			ret = ms_sys_dwork_submit(sim, h, draw_u(sim, &s->n));
		}
		break;
	}
	if (!outcome(t, ret)) {
		object_drop(sim, t, h);
		return;
	}
	hold(t, MS__HELD_OBJECT, NULL, h, tag);
}

/* The most recent thing held under tag, or -1. */
static int find_held(const struct ms__tctx *t, const char *tag,
		     enum ms__held_kind kind)
{
	if (!t->held)
		return -1;
	for (guint i = t->held->len; i > 0; i--) {
		const struct ms__held *h = &g_array_index(t->held,
							  struct ms__held, i - 1);

		if (h->kind == kind && h->tag && strcmp(h->tag, tag) == 0)
			return (int)(i - 1);
	}
	return -1;
}

static void do_queue_op(struct ms_sim *sim, struct ms__tctx *t,
			const struct ms__step *s)
{
	int i = find_held(t, s->str, MS__HELD_OBJECT);
	ms_handle q;

	if (i < 0) {
		/* No such queue: the script's mistake, not the kernel's. */
		cnt(t)->denied_other++;
		return;
	}
	q = g_array_index(t->held, struct ms__held, i).h;
	if (s->op == MS__OP_APPEND) {
		uint64_t n = draw_u(sim, &s->m);

		for (uint64_t k = 0; k < n; k++) {
			cnt(t)->syscalls++;
			if (!outcome(t, ms_sys_queue_alloc_append(sim, q,
					(void *)++t->next_item)))
				break;
		}
	} else {
		void *data = NULL;
		int ret;

		cnt(t)->syscalls++;
		ret = ms_sys_queue_get(sim, q, &data, timeout_of(s));
		/* An empty queue is an answer, not a refusal. */
		if (ret && ret != -EAGAIN)
			cnt(t)->denied_other++;
	}
}

static void free_at(struct ms_sim *sim, struct ms__tctx *t, guint i)
{
	struct ms__held h = g_array_index(t->held, struct ms__held, i);

	g_array_remove_index(t->held, i);
	if (h.kind == MS__HELD_OBJECT) {
		object_drop(sim, t, h.h);
		return;
	}
	cnt(t)->syscalls++;
	if (ms_heap_free(sim, h.p))
		cnt(t)->denied_other++;
}

static void do_free(struct ms_sim *sim, struct ms__tctx *t,
		    const struct ms__step *s)
{
	if (!t->held || !t->held->len)
		return;
	switch (s->kind) {
	case MS__FREE_LAST:
		free_at(sim, t, t->held->len - 1);
		break;
	case MS__FREE_FIRST:
		free_at(sim, t, 0);
		break;
	case MS__FREE_ALL:
		while (t->held->len)
			free_at(sim, t, t->held->len - 1);
		break;
	case MS__FREE_TAG:
		/* The most recent thing held with that tag. */
		for (guint i = t->held->len; i > 0; i--) {
			const char *tag = g_array_index(t->held, struct ms__held,
							i - 1).tag;

			if (tag && strcmp(tag, s->str) == 0) {
				free_at(sim, t, i - 1);
				break;
			}
		}
		break;
	}
}

/* ---- sealed pools ---- */

static void *scratch(struct ms__tctx *t, size_t size, int value)
{
	if (t->buf_size < size) {
		g_free(t->buf);
		t->buf = g_malloc(size);
		t->buf_size = size;
	}
	memset(t->buf, value, size);
	return t->buf;
}

/* A live named allocation, or NULL (never made, freed, or its pool was
 * unloaded since). */
static struct ms__data *data_of(struct ms__tctx *t, const char *name)
{
	struct ms__run *run = t->run;
	struct ms__data *d = g_hash_table_lookup(run->data, name);

	if (!d || !run->sealed[d->pool] || d->gen != run->sealed_gen[d->pool])
		return NULL;
	return d;
}

static void do_sealed(struct ms_sim *sim, struct ms__tctx *t,
		      const struct ms__step *s)
{
	struct ms__run *run = t->run;
	const struct ms__sealed *sp = s->op == MS__OP_POOL_ALLOC ||
		s->op == MS__OP_LOAD || s->op == MS__OP_UNLOAD ||
		s->op == MS__OP_SEAL ?
		&g_array_index(run->sc->sealed, struct ms__sealed, s->ref) : NULL;
	struct ms_pool_stats final;
	struct ms__data *d;
	void *p = NULL;
	int ret = 0;

	cnt(t)->syscalls++;
	switch (s->op) {
	case MS__OP_LOAD:
		if (run->sealed[s->ref]) {
			ret = -EEXIST;
			break;
		}
		ret = ms_pool_create(sim, sp->name, &sp->attr,
				     &run->sealed[s->ref]);
		if (ret) {
			run->sealed[s->ref] = NULL;
			break;
		}
		run->sealed_gen[s->ref]++;
		run->sealed_acc[s->ref].loads++;
		break;
	case MS__OP_UNLOAD:
		if (!run->sealed[s->ref]) {
			ret = -ENOENT;
			break;
		}
		ret = ms_pool_destroy(sim, run->sealed[s->ref], &final);
		if (ret)
			break;
		run->sealed[s->ref] = NULL;
		ms__sealed_fold(&run->sealed_acc[s->ref], &final);
		run->sealed_acc[s->ref].unloads++;
		break;
	case MS__OP_SEAL:
		ret = run->sealed[s->ref] ?
		      ms_pool_seal(sim, run->sealed[s->ref]) : -ENOENT;
		break;
	case MS__OP_POOL_ALLOC: {
		uint64_t size = draw_u(sim, &s->n);

		if (!run->sealed[s->ref]) {
			ret = -ENOENT;
			break;
		}
		ret = ms_pool_alloc(sim, run->sealed[s->ref], size,
				    (size_t)s->m.a, &p);
		if (ret == -ENOMEM) {
			/* The pool is full: a simulated result. */
			t->refused = true;
			return;
		}
		if (ret || !s->tag)
			break;
		d = g_new0(struct ms__data, 1);
		d->pool = s->ref;
		d->gen = run->sealed_gen[s->ref];
		d->p = p;
		d->size = (size_t)size;
		g_hash_table_replace(run->data, g_strdup(s->tag), d);
		break;
	}
	case MS__OP_POOL_FREE:
		d = data_of(t, s->str);
		if (!d) {
			ret = -ENOENT;
			break;
		}
		ret = ms_pool_free(sim, run->sealed[d->pool], d->p, d->size);
		if (!ret)
			g_hash_table_remove(run->data, s->str);
		break;
	case MS__OP_WRITE:
	case MS__OP_RARE_WRITE: {
		size_t off = (size_t)s->m.a, len = (size_t)s->n.a;
		void *src;

		d = data_of(t, s->str);
		if (!d || off + len > d->size) {
			ret = -ERANGE;
			break;
		}
		src = scratch(t, len, s->kind);
		/* A plain write to a sealed page faults and does not return. */
		if (s->op == MS__OP_WRITE)
			ret = ms_pool_write(sim, run->sealed[d->pool],
					    (char *)d->p + off, src, len);
		else
			ret = ms_pool_rare_write(sim, run->sealed[d->pool],
						 (char *)d->p + off, src, len);
		break;
	}
	default:
		break;
	}
	if (ret)
		cnt(t)->denied_other++;
}

/* A store or load of pool data by the thread itself, as module code
 * would do (a store to a sealed page faults: it does not return). */
static int deliberate_touch_data(struct ms__tctx *t, const struct ms__step *s)
{
	struct ms__data *d = data_of(t, s->str);
	size_t off = (size_t)s->m.a, len = (size_t)s->n.a;
	volatile char *p;

	if (!d || off + len > d->size)
		return -ERANGE;
	p = (volatile char *)d->p + off;
	for (size_t i = 0; i < len; i++) {
		if (s->access == MS_ACCESS_WRITE)
			p[i] = (char)0x5a;
		else
			(void)p[i];
	}
	return 0;
}

static int touch(struct ms_sim *sim, struct ms__tctx *t,
		 const struct ms__step *s)
{
	const struct ms__part *pt;

	switch (s->kind) {
	case MS__TOUCH_STACK:
		return deliberate_touch_stack(sim, s->m.a, s->access);
	case MS__TOUCH_DATA:
		return deliberate_touch_data(t, s);
	case MS__TOUCH_MAP:
		return ms__touch_map(sim, t, s);
	case MS__TOUCH_PARTITION:
		pt = &g_array_index(t->run->sc->parts, struct ms__part, s->ref);
		if ((uint64_t)s->m.a + (uint64_t)s->n.a > pt->size)
			return -ERANGE;
		return ms_domain_touch(sim, pt->start + (uint64_t)s->m.a,
				       (size_t)s->n.a,
				       (enum ms_access)s->access);
	default:
		return ms_domain_touch(sim, (uint64_t)s->m.a, (size_t)s->n.a,
				       (enum ms_access)s->access);
	}
}

static void do_kernel_read(struct ms_sim *sim, struct ms__tctx *t,
			   const struct ms__step *s)
{
	const struct ms__part *pt = &g_array_index(t->run->sc->parts,
						   struct ms__part, s->ref);
	size_t len = (size_t)s->n.a;

	cnt(t)->syscalls++;
	if ((uint64_t)s->m.a + len > pt->size ||
	    ms_xpfo_kernel_read(sim, pt->start + (uint64_t)s->m.a,
				scratch(t, len, 0), len))
		cnt(t)->denied_other++;
}

/* ---- IPC ---- */

static struct ms__ipc_ref *ipc_ref(struct ms__tctx *t, const char *name)
{
	if (!t->ipc_handles)
		return NULL;
	for (guint i = 0; i < t->ipc_handles->len; i++) {
		struct ms__ipc_ref *r = &g_array_index(t->ipc_handles,
						       struct ms__ipc_ref, i);

		if (strcmp(r->name, name) == 0)
			return r;
	}
	return NULL;
}

static void ipc_keep(struct ms__tctx *t, const char *name, ms_ipc_handle h,
		     bool owned)
{
	struct ms__ipc_ref r = { name, h, owned };

	if (!t->ipc_handles)
		t->ipc_handles = g_array_new(FALSE, FALSE,
					     sizeof(struct ms__ipc_ref));
	g_array_append_val(t->ipc_handles, r);
}

static void do_ipc(struct ms_sim *sim, struct ms__tctx *t,
		   const struct ms__step *s)
{
	struct ms__ipc_acc *acc = &t->run->ipc[t->actor];
	struct ms__ipc_ref *r = ipc_ref(t, s->str);
	ms_ipc_handle h;
	int ret;

	if (s->op == MS__OP_NODE) {
		cnt(t)->syscalls++;
		ret = ms_ipc_node_new(sim, s->str, &h);
		if (ret)
			cnt(t)->denied_other++;
		else
			ipc_keep(t, s->str, h, true);
		return;
	}
	if (s->op == MS__OP_SEND) {
		uint64_t n = draw_u(sim, &s->m);

		if (!r) {
			cnt(t)->syscalls++;
			ret = ms_ipc_lookup(sim, s->str, timeout_of(s), &h);
			if (ret) {
				cnt(t)->denied_other++;
				return;
			}
			ipc_keep(t, s->str, h, false);
			r = ipc_ref(t, s->str);
		}
		for (uint64_t k = 0; k < n; k++) {
			struct ms_ipc_out msg = { 0 };
			size_t len = (size_t)draw_u(sim, &s->n);

			msg.data = scratch(t, len ? len : 1, 0x42);
			msg.len = len;
			cnt(t)->syscalls++;
			ret = ms_ipc_send(sim, r->handle, &msg, NULL);
			if (ret) {
				acc->refused++;
				t->refused = true;
				break;
			}
			acc->sent++;
			acc->bytes_sent += len;
		}
		return;
	}
	/* recv: from a node this thread owns */
	if (!r || !r->owned) {
		cnt(t)->denied_other++;
		return;
	}
	{
		struct ms_ipc_in in = { 0 };
		ms_ipc_handle hs[MS_IPC_HANDLES_MAX];

		in.buf = scratch(t, s->stack_size, 0);
		in.buf_size = s->stack_size;
		in.handles = hs;
		in.handles_size = G_N_ELEMENTS(hs);
		cnt(t)->syscalls++;
		ret = ms_ipc_recv(sim, r->handle, timeout_of(s), &in);
		if (ret == 0) {
			acc->received++;
			acc->bytes_received += in.len;
		} else if (ret != -EAGAIN) {
			cnt(t)->denied_other++;
		}
	}
}

static void join_children(struct ms_sim *sim, struct ms__tctx *t, guint from)
{
	if (!t->children)
		return;
	for (guint i = from; i < t->children->len; i++) {
		cnt(t)->syscalls++;
		ms_thread_join(sim, g_array_index(t->children, ms_tid, i),
			       MS_FOREVER);
	}
}

static void do_spawn(struct ms_sim *sim, struct ms__tctx *t,
		     const struct ms__step *s)
{
	const struct ms__actor *a = actor_of(t);
	uint64_t n = draw_u(sim, &s->n);
	struct ms_thread_info self;
	guint first;

	if (ms_thread_info(sim, ms_thread_self(sim), &self))
		return;
	if (!t->children)
		t->children = g_array_new(FALSE, FALSE, sizeof(ms_tid));
	first = t->children->len;
	for (uint64_t k = 0; k < n; k++) {
		struct ms__tctx *child = g_new0(struct ms__tctx, 1);
		struct ms_thread_attr attr;
		char name[32];
		ms_tid tid;
		int ret;

		child->run = t->run;
		child->actor = t->actor;
		child->script = &s->body;
		g_ptr_array_add(t->run->ctxs, child);
		snprintf(name, sizeof(name), "%s.%u", s->name ? s->name : a->name,
			 t->spawned++);
		ms_thread_attr_init(&attr);
		attr.name = name;
		attr.priority = s->prio_set ? s->priority : self.priority;
		attr.stack_size = s->stack_size ? s->stack_size : a->stack_size;
		if (s->kind == 0 || (s->kind < 0 && self.user))
			attr.options = MS_THREAD_USER;
		cnt(t)->syscalls++;
		ret = ms_thread_create(sim, &attr, ms__actor_main, child, &tid);
		if (ret) {
			cnt(t)->denied_other++;
			continue;
		}
		child->tid = tid;
		ms__run_register(t->run, tid, t->actor, name);
		g_array_append_val(t->children, tid);
	}
	if (s->flag)
		join_children(sim, t, first);
}

static void exec_block(struct ms_sim *sim, struct ms__tctx *t,
		       const struct ms__block *b);

static void exec_step(struct ms_sim *sim, struct ms__tctx *t,
		      const struct ms__step *s)
{
	uint64_t n;

	cnt(t)->ops++;
	switch (s->op) {
	case MS__OP_SLEEP:
		cnt(t)->syscalls++;
		ms_sleep(sim, draw_u(sim, &s->n));
		break;
	case MS__OP_YIELD:
		n = draw_u(sim, &s->n);
		for (uint64_t i = 0; i < n; i++) {
			cnt(t)->syscalls++;
			ms_yield(sim);
		}
		break;
	case MS__OP_BUSY:
		ms_busy_wait(sim, draw_u(sim, &s->n));
		break;
	case MS__OP_REPEAT:
		n = draw_u(sim, &s->n);
		for (uint64_t i = 0; i < n; i++) {
			bool outer = t->refused, mine;

			t->refused = false;
			exec_block(sim, t, &s->body);
			mine = t->refused;
			t->refused = outer || mine;
			if (s->until == MS__UNTIL_REFUSED && mine)
				break;
		}
		break;
	case MS__OP_SPAWN:
		do_spawn(sim, t, s);
		break;
	case MS__OP_JOIN:
		join_children(sim, t, 0);
		break;
	case MS__OP_RECURSE:
		n = draw_u(sim, &s->n);
		if (n)
			deliberate_recurse(n, (size_t)draw_u(sim, &s->m));
		break;
	case MS__OP_TOUCH:
		if (touch(sim, t, s))
			cnt(t)->denied_other++;
		break;
	case MS__OP_ALLOC:
		do_alloc(sim, t, s);
		break;
	case MS__OP_FREE:
		do_free(sim, t, s);
		break;
	case MS__OP_OBJECT:
		do_object(sim, t, s);
		break;
	case MS__OP_PIPE:
	case MS__OP_MSGQ:
	case MS__OP_QUEUE:
	case MS__OP_WORK:
		do_init_object(sim, t, s);
		break;
	case MS__OP_APPEND:
	case MS__OP_TAKE:
		do_queue_op(sim, t, s);
		break;
	case MS__OP_LOAD:
	case MS__OP_UNLOAD:
	case MS__OP_POOL_ALLOC:
	case MS__OP_POOL_FREE:
	case MS__OP_SEAL:
	case MS__OP_WRITE:
	case MS__OP_RARE_WRITE:
		do_sealed(sim, t, s);
		break;
	case MS__OP_KERNEL_READ:
		do_kernel_read(sim, t, s);
		break;
	case MS__OP_NODE:
	case MS__OP_SEND:
	case MS__OP_RECV:
		do_ipc(sim, t, s);
		break;
	case MS__OP_DEVICE_ONLINE:
	case MS__OP_DEVICE_OFFLINE:
	case MS__OP_DEVICE_WITHDRAW:
	case MS__OP_MAP:
	case MS__OP_UNMAP:
	case MS__OP_MIGRATE:
	case MS__OP_PIN:
	case MS__OP_UNPIN:
		ms__exec_device_step(sim, t, s);
		break;
	case MS__OP__COUNT:
		break;
	}
}

static void exec_block(struct ms_sim *sim, struct ms__tctx *t,
		       const struct ms__block *b)
{
	for (size_t i = 0; i < b->n; i++)
		exec_step(sim, t, &b->steps[i]);
}

void ms__actor_main(struct ms_sim *sim, void *arg)
{
	struct ms__tctx *t = arg;
	const struct ms__actor *a = actor_of(t);
	struct ms_thread_info info;

	/* A child may run before its parent learns its tid. */
	t->tid = ms_thread_self(sim);
	if (ms_thread_info(sim, t->tid, &info) == 0)
		ms__run_register(t->run, t->tid, t->actor, info.name);
	if (t->top && a->has_start) {
		cnt(t)->syscalls++;
		ms_sleep(sim, draw_u(sim, &a->start));
	}
	exec_block(sim, t, t->script);
}
