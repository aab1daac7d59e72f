/* SPDX-License-Identifier: MIT */
/*
 * Kernel objects behind handles, thread indexes and permissions (Zephyr's
 * kernel/userspace.c), and the kernel subsystem's slot and thread hooks.
 *
 * What it models: objects that user threads name by handle only; one
 * permission bit per thread index on every object; dynamic objects that
 * live on the kernel heap, charged to whoever allocated them, and go away
 * with their last permission; thread indexes as a scarce resource.
 *
 * Invariants:
 *  - a handle is (generation << 20 | slot + 1); an object stores its own
 *    handle, so a stale handle (its slot reused or empty) never resolves;
 *  - a thread index is either free or held by exactly one thread object;
 *    bits of an index are set only while a live thread has that index (a
 *    thread's death clears them all), so a free index has no bits;
 *  - a dynamic object with no permission bit left is freed at once, except
 *    a thread object while its thread lives (the thread needs its index).
 */
#include <errno.h>
#include <string.h>

#include "alloc/alloc.h"
#include "core/cost.h"
#include "core/subsys.h"
#include "kernel/kernel.h"
#include "platform/os.h"

#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define GEN_MASK 0x7ffu
#define NO_SLOT UINT32_MAX

static const char *const type_names[] = {
#define MS__KT_NAME(name, text, zephyr) text,
	MS_KOBJ_TYPES(MS__KT_NAME)
#undef MS__KT_NAME
};

const char *ms_kobj_type_name(unsigned type)
{
	return type < MS_KOBJ__COUNT ? type_names[type] : "?";
}

/* Modelled data sizes (docs/kernel-objects.md). */
static const size_t data_size[MS_KOBJ__COUNT] = {
	[MS_KOBJ_SEM] = 24,		/* struct k_sem */
	[MS_KOBJ_MUTEX] = 20,		/* struct k_mutex */
	[MS_KOBJ_TIMER] = 56,		/* struct k_timer */
	[MS_KOBJ_QUEUE] = 24,		/* struct k_queue */
	[MS_KOBJ_MSGQ] = 48,		/* struct k_msgq */
	[MS_KOBJ_STACK] = 24,		/* struct k_stack */
	[MS_KOBJ_PIPE] = 48,		/* struct k_pipe */
	[MS_KOBJ_THREAD] = 128,		/* struct k_thread (a small one) */
	[MS_KOBJ_DELAYED_WORK] = 48,	/* struct k_work_delayable */
};

/* ---- thread indexes ------------------------------------------------ */

static int32_t idx_alloc(struct ms__kernel *ks)
{
	/* The lowest free index, as Zephyr's thread_idx_alloc. */
	for (uint32_t w = 0; w < ks->perm_words; w++) {
		uint64_t v = ks->idx_free[w];

		if (v) {
			int b = __builtin_ctzll(v);

			ks->idx_free[w] &= ~(1ull << b);
			ks->idx_used++;
			return (int32_t)(w * 64 + (uint32_t)b);
		}
	}
	return -1;
}

static void idx_release(struct ms__kernel *ks, int32_t idx)
{
	if (idx < 0)
		return;
	ks->idx_free[idx / 64] |= 1ull << (idx % 64);
	ks->idx_used--;
}

/* ---- the handle table ---------------------------------------------- */

struct ms__kobj *ms__kobj_get(const struct ms__kernel *ks, ms_handle h)
{
	uint32_t s = h & SLOT_MASK;
	struct ms__kobj *o;

	if (G_UNLIKELY(s == 0 || s > ks->slots->len))
		return NULL;
	o = g_ptr_array_index(ks->slots, s - 1);
	if (G_UNLIKELY(!o || o->handle != h || (o->flags & MS__KF_DYING)))
		return NULL;
	return o;
}

/* A zeroed host record for a new object: a parked one if there is one. */
static struct ms__kobj *kobj_record_new(struct ms__kernel *ks)
{
	struct ms__kobj *o;

	if (!ks->nspare)
		return g_malloc0(ks->kobj_size);
	o = ks->spare[--ks->nspare];
	ms__os_mem_unpark(o, ks->kobj_size);
	memset(o, 0, ks->kobj_size);
	return o;
}

/* The record of an ended object: parked for the next, or freed. */
static void kobj_record_end(struct ms__kernel *ks, struct ms__kobj *o)
{
	if (ks->nspare == MS__KOBJ_SPARES) {
		g_free(o);
		return;
	}
	ms__os_mem_park(o, ks->kobj_size);
	ks->spare[ks->nspare++] = o;
}

/* A new object in a free slot; NULL when the table is full. */
static struct ms__kobj *kobj_new(struct ms__kernel *ks, unsigned type)
{
	struct ms__kobj *o;
	uint32_t s, gen;

	if (ks->free_head != NO_SLOT) {
		struct ms__kslot *ks_s;

		s = ks->free_head;
		ks_s = &g_array_index(ks->gens, struct ms__kslot, s);
		ks->free_head = ks_s->next;
		if (ks->free_head == NO_SLOT)
			ks->free_tail = NO_SLOT;
		gen = ks_s->gen;
	} else {
		struct ms__kslot fresh = { .gen = 1, .next = NO_SLOT };

		if (ks->slots->len >= SLOT_MASK)
			return NULL;
		s = ks->slots->len;
		gen = fresh.gen;
		g_ptr_array_add(ks->slots, NULL);
		g_array_append_val(ks->gens, fresh);
	}
	o = kobj_record_new(ks);
	o->handle = (gen << SLOT_BITS) | (s + 1);
	o->type = (uint8_t)type;
	g_queue_init(&o->pollers);
	switch (type) {
	case MS_KOBJ_SEM:
		ms__waitq_init(&o->u.sem.wq);
		break;
	case MS_KOBJ_MUTEX:
		ms__waitq_init(&o->u.mutex.wq);
		break;
	case MS_KOBJ_TIMER:
		ms__waitq_init(&o->u.timer.wq);
		break;
	case MS_KOBJ_QUEUE:
		g_queue_init(&o->u.queue.items);
		ms__waitq_init(&o->u.queue.wq);
		break;
	case MS_KOBJ_MSGQ:
		ms__waitq_init(&o->u.msgq.readers);
		ms__waitq_init(&o->u.msgq.writers);
		break;
	case MS_KOBJ_STACK:
		ms__waitq_init(&o->u.stack.wq);
		break;
	case MS_KOBJ_PIPE:
		ms__waitq_init(&o->u.pipe.readers);
		ms__waitq_init(&o->u.pipe.writers);
		break;
	case MS_KOBJ_THREAD:
		o->u.thread.idx = -1;
		break;
	default:
		break;
	}
	g_ptr_array_index(ks->slots, s) = o;
	ks->st.objects_live++;
	return o;
}

static void kobj_slot_free(struct ms__kernel *ks, struct ms__kobj *o)
{
	uint32_t s = (o->handle & SLOT_MASK) - 1;
	struct ms__kslot *sl = &g_array_index(ks->gens, struct ms__kslot, s);

	g_ptr_array_index(ks->slots, s) = NULL;
	sl->gen = (sl->gen + 1) & GEN_MASK;
	if (!sl->gen)
		sl->gen = 1;
	/* Oldest freed first: a slot comes back as late as possible, so a
	 * generation takes long to wrap. */
	sl->next = NO_SLOT;
	if (ks->free_tail == NO_SLOT)
		ks->free_head = s;
	else
		g_array_index(ks->gens, struct ms__kslot, ks->free_tail).next = s;
	ks->free_tail = s;
	ks->st.objects_live--;
}

/* ---- permissions ----------------------------------------------------- */

static ms_tid cur_tid(const struct ms__kernel *ks)
{
	struct ms_thread *cur = ms__current(ks->sim);

	return cur ? ms__thread_tid(cur) : MS_TID_NONE;
}

bool ms__kobj_perm_test(const struct ms__kobj *o, int32_t idx)
{
	return idx >= 0 && (o->perms[idx / 64] >> (idx % 64)) & 1;
}

static bool perms_empty(const struct ms__kernel *ks, const struct ms__kobj *o)
{
	for (uint32_t w = 0; w < ks->perm_words; w++)
		if (o->perms[w])
			return false;
	return true;
}

static void perm_bit_set(struct ms__kobj *o, int32_t idx)
{
	if (idx >= 0)
		o->perms[idx / 64] |= 1ull << (idx % 64);
}

void ms__kobj_perm_set(struct ms__kernel *ks, struct ms__kobj *o,
		       struct ms_thread *t)
{
	struct ms__kthread *kt = ms__kthread(t);

	/* A thread without an index can hold nothing (as in Zephyr). */
	if (!kt || kt->idx < 0)
		return;
	perm_bit_set(o, kt->idx);
	ms__event(ks->sim, MS_EV_PERM_GRANT, cur_tid(ks), o->handle,
		  ms__thread_tid(t));
}

static void unref_check(struct ms__kernel *ks, struct ms__kobj *o)
{
	if (!(o->flags & MS__KF_ALLOC) || (o->flags & MS__KF_DYING))
		return;
	if (o->type == MS_KOBJ_THREAD && o->u.thread.tid != MS_TID_NONE)
		return;	/* its thread still runs on its index */
	if (perms_empty(ks, o))
		ms__kobj_destroy(ks, o);
}

void ms__kobj_perm_clear(struct ms__kernel *ks, struct ms__kobj *o,
			 int32_t idx, ms_tid tid)
{
	if (idx < 0)
		return;
	o->perms[idx / 64] &= ~(1ull << (idx % 64));
	ms__event(ks->sim, MS_EV_PERM_REVOKE, cur_tid(ks), o->handle, tid);
	unref_check(ks, o);
}

/* Every bit of idx goes (a thread died): k_thread_perms_all_clear. */
static void perms_all_clear(struct ms__kernel *ks, int32_t idx)
{
	uint64_t bit = 1ull << (idx % 64);
	uint32_t w = (uint32_t)idx / 64;

	/* By slot number: destroying an object only empties its slot. */
	for (guint s = 0; s < ks->slots->len; s++) {
		struct ms__kobj *o = g_ptr_array_index(ks->slots, s);

		if (!o || !(o->perms[w] & bit))
			continue;
		o->perms[w] &= ~bit;
		unref_check(ks, o);
	}
}

/* Child gets every permission of parent's but on parent's own thread
 * object (k_thread_perms_inherit). */
static void perms_inherit(struct ms__kernel *ks, struct ms__kthread *pk,
			  struct ms__kthread *ck)
{
	uint64_t pbit = 1ull << (pk->idx % 64);
	uint32_t pw = (uint32_t)pk->idx / 64;

	for (guint s = 0; s < ks->slots->len; s++) {
		struct ms__kobj *o = g_ptr_array_index(ks->slots, s);

		if (o && (o->perms[pw] & pbit) && o->handle != pk->tobj)
			perm_bit_set(o, ck->idx);
	}
}

/* ---- validation, allocation, destruction ------------------------------ */

int ms__kobj_validate(struct ms__kernel *ks, struct ms_thread *t,
		      ms_handle h, unsigned type, int init, bool perms,
		      struct ms__kobj **out)
{
	struct ms__kobj *o = ms__kobj_get(ks, h);

	ms__clock_advance(ks->sim, MS__COST_OBJ);
	if (!o || (type != MS_KOBJ_ANY && o->type != type))
		return -EBADF;
	if (perms && !(o->flags & MS__KF_PUBLIC)) {
		struct ms__kthread *kt = ms__kthread(t);

		if (!kt || !ms__kobj_perm_test(o, kt->idx))
			return -EPERM;
	}
	if (init == MS_KOBJ_INIT_TRUE && !(o->flags & MS__KF_INIT))
		return -EINVAL;
	if (init == MS_KOBJ_INIT_FALSE && (o->flags & MS__KF_INIT))
		return -EADDRINUSE;
	*out = o;
	return 0;
}

int ms__kobj_alloc(struct ms__kernel *ks, struct ms_thread *requester,
		   unsigned type, struct ms__kobj **out)
{
	struct ms_sim *sim = ks->sim;
	void *rec = NULL, *data = NULL;
	int32_t idx = -1;
	struct ms__kobj *o;
	int ret;

	if (type == MS_KOBJ_THREAD) {
		idx = idx_alloc(ks);
		if (idx < 0)
			return -ENOSPC;
	}
	ret = ms__kalloc(sim, requester, ks->rec_size, MS_ALLOC_OBJECT, &rec);
	if (ret)
		goto fail;
	ret = ms__kalloc(sim, requester, data_size[type], MS_ALLOC_OBJECT_DATA,
			 &data);
	if (ret)
		goto fail;
	o = kobj_new(ks, type);
	if (!o) {
		ret = -ENOMEM;
		goto fail;
	}
	o->flags = MS__KF_ALLOC;
	o->rec = rec;
	o->data = data;
	o->requester = requester ? ms__thread_tid(requester) : MS_TID_NONE;
	if (type == MS_KOBJ_THREAD)
		o->u.thread.idx = idx;
	ks->st.objects_dynamic++;
	ks->st.objects_allocated++;
	ms__event(sim, MS_EV_OBJ_NEW, o->requester, o->handle, type);
	/* The allocating thread implicitly gets permission. */
	if (requester)
		ms__kobj_perm_set(ks, o, requester);
	*out = o;
	return 0;
fail:
	ms__kfree(sim, data);
	ms__kfree(sim, rec);
	idx_release(ks, idx);
	return ret;
}

void ms__kobj_destroy(struct ms__kernel *ks, struct ms__kobj *o)
{
	struct ms_sim *sim = ks->sim;
	GList *l;

	o->flags |= MS__KF_DYING;
	ms__kobj_type_cleanup(ks, o);
	while ((l = g_queue_pop_head_link(&o->pollers))) {
		struct ms__poll_reg *reg = l->data;

		reg->obj = NULL;
		reg->ps->obj_gone = true;
		ms__wake_one(sim, &reg->ps->wq, 0);
	}
	if (o->type == MS_KOBJ_THREAD)
		idx_release(ks, o->u.thread.idx);
	if (o->flags & MS__KF_ALLOC) {
		ms__event(sim, MS_EV_OBJ_FREE, cur_tid(ks), o->handle,
			  o->type);
		ms__kfree(sim, o->data);
		ms__kfree(sim, o->rec);
		ks->st.objects_dynamic--;
		ks->st.objects_freed++;
	}
	kobj_slot_free(ks, o);
	kobj_record_end(ks, o);
}

/* ---- the subsystem: slot and thread hooks ----------------------------- */

static int kernel_init(struct ms_sim *sim)
{
	const struct ms_config *cfg = ms_sim_config(sim);
	struct ms__kernel *ks = g_new0(struct ms__kernel, 1);
	size_t perm_bytes;

	ks->sim = sim;
	ks->nidx = cfg->max_thread_indexes;
	ks->perm_words = (ks->nidx + 63) / 64;
	ks->kobj_size = sizeof(struct ms__kobj) +
			ks->perm_words * sizeof(uint64_t);
	/* The record holds the bitmap in bytes, rounded up to a word. */
	perm_bytes = ((ks->nidx + 31) / 32) * 4;
	ks->rec_size = MS__KREC_BASE + perm_bytes;
	ks->idx_free = g_new0(uint64_t, ks->perm_words);
	for (uint32_t i = 0; i < ks->nidx; i++)
		ks->idx_free[i / 64] |= 1ull << (i % 64);
	ks->slots = g_ptr_array_new();
	ks->gens = g_array_new(FALSE, FALSE, sizeof(struct ms__kslot));
	ks->free_head = ks->free_tail = NO_SLOT;
	ks->timeouts = g_sequence_new(NULL);
	ms__waitq_init(&ks->kwq);
	g_queue_init(&ks->fired);
	ks->syscalls = g_array_new(FALSE, TRUE, sizeof(uint64_t));
	ks->st.thread_indexes = ks->nidx;
	ms__sim_sub_set(sim, MS__SUB_KERNEL, ks);
	return 0;
}

static void kernel_fini(struct ms_sim *sim)
{
	struct ms__kernel *ks = ms__kernel(sim);

	if (!ks)
		return;
	ms__work_fini(ks);
	/* What nobody released: freed (and credited) in slot order. */
	for (guint s = 0; s < ks->slots->len; s++) {
		struct ms__kobj *o = g_ptr_array_index(ks->slots, s);

		if (o)
			ms__kobj_destroy(ks, o);
	}
	g_ptr_array_free(ks->slots, TRUE);
	while (ks->nspare) {
		struct ms__kobj *o = ks->spare[--ks->nspare];

		ms__os_mem_unpark(o, ks->kobj_size);
		g_free(o);
	}
	g_array_free(ks->gens, TRUE);
	g_sequence_free(ks->timeouts);
	g_queue_clear(&ks->fired);
	g_array_free(ks->syscalls, TRUE);
	g_free(ks->idx_free);
	g_free(ks);
	ms__sim_sub_set(sim, MS__SUB_KERNEL, NULL);
}

static int kernel_thread_new(struct ms_sim *sim, struct ms_thread *parent,
			     struct ms_thread *child)
{
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kthread *kt = g_new0(struct ms__kthread, 1);
	struct ms__kthread *pk = ms__kthread(parent);
	struct ms__kobj *o = ks->binding;
	ms_tid tid = ms__thread_tid(child);
	uint64_t zero = 0;

	kt->tid = tid;
	kt->idx = -1;
	ms__thread_sub_set(child, MS__SUB_KERNEL, kt);
	if (tid > ks->max_tid)
		ks->max_tid = tid;
	while (ks->syscalls->len <= tid)
		g_array_append_val(ks->syscalls, zero);
	if (ks->creating_kthread)
		return 0;	/* the kernel's own thread: no index, no object */

	if (o) {
		/* ms_sys_thread_create: the thread runs on a thread object. */
		ks->binding = NULL;
		kt->idx = o->u.thread.idx;
	} else {
		/* A thread object of its own, like a statically defined
		 * k_thread: not on the heap, gone with the thread. */
		o = kobj_new(ks, MS_KOBJ_THREAD);
		if (!o)
			return 0;	/* no slot: a thread without object */
		kt->idx = idx_alloc(ks);
		o->u.thread.idx = kt->idx;
		o->u.thread.implicit = true;
		/* Its creator may use it, as it would a k_thread it made. */
		if (pk && pk->idx >= 0)
			perm_bit_set(o, pk->idx);
	}
	o->u.thread.tid = tid;
	o->flags |= MS__KF_INIT;
	kt->tobj = o->handle;
	/* Any given thread has access to itself. */
	perm_bit_set(o, kt->idx);
	if (pk && pk->idx >= 0 && kt->idx >= 0 &&
	    (ms__thread_options(child) & MS_THREAD_INHERIT_PERMS))
		perms_inherit(ks, pk, kt);
	o = ms__kobj_get(ks, ks->grant_on_create);
	if (o)
		perm_bit_set(o, kt->idx);
	return 0;
}

static void kernel_thread_gone(struct ms_sim *sim, struct ms_thread *t)
{
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kthread *kt = ms__kthread(t);
	struct ms__kobj *o;

	if (!kt)
		return;
	if (kt->poll)
		ms__poll_thread_gone(ks, kt);
	ms__work_thread_gone(ks, t);
	o = ms__kobj_get(ks, kt->tobj);
	if (o) {
		/* Uninitialised again (k_object_uninit), no longer live. */
		o->u.thread.tid = MS_TID_NONE;
		o->flags &= ~MS__KF_INIT;
	}
	if (kt->idx >= 0)
		perms_all_clear(ks, kt->idx);
	o = ms__kobj_get(ks, kt->tobj);
	if (o) {
		if (o->u.thread.implicit)
			ms__kobj_destroy(ks, o);
		else
			unref_check(ks, o);
	}
	ms__thread_sub_set(t, MS__SUB_KERNEL, NULL);
	g_free(kt);
}

const struct ms__subsys ms__kernel_subsys = {
	.name = "kernel",
	.init = kernel_init,
	.fini = kernel_fini,
	.thread_new = kernel_thread_new,
	.thread_gone = kernel_thread_gone,
};

/* ---- introspection ---------------------------------------------------- */

int ms_kobj_info(struct ms_sim *sim, ms_handle h, struct ms_kobj_info *out)
{
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kobj *o = ms__kobj_get(ks, h);

	if (!o)
		return -EBADF;
	memset(out, 0, sizeof(*out));
	out->handle = h;
	out->type = o->type;
	out->initialized = o->flags & MS__KF_INIT;
	out->is_public = o->flags & MS__KF_PUBLIC;
	out->dynamic = o->flags & MS__KF_ALLOC;
	out->requester = o->requester;
	for (uint32_t w = 0; w < ks->perm_words; w++)
		out->holders += (uint32_t)__builtin_popcountll(o->perms[w]);
	out->record_bytes = o->rec ? ms__kalloc_bytes(o->rec) : 0;
	out->data_bytes = o->data ? ms__kalloc_bytes(o->data) : 0;
	switch (o->type) {
	case MS_KOBJ_MSGQ:
		if (o->u.msgq.buf)
			out->buffer_bytes = ms__kalloc_bytes(o->u.msgq.buf);
		break;
	case MS_KOBJ_STACK:
		if (o->u.stack.buf)
			out->buffer_bytes = ms__kalloc_bytes(o->u.stack.buf);
		break;
	case MS_KOBJ_PIPE:
		if (o->u.pipe.buf)
			out->buffer_bytes = ms__kalloc_bytes(o->u.pipe.buf);
		break;
	default:
		break;
	}
	out->thread_index = -1;
	if (o->type == MS_KOBJ_THREAD) {
		out->thread = o->u.thread.tid;
		out->thread_index = o->u.thread.idx;
	}
	return 0;
}

int ms_kobj_has_perm(struct ms_sim *sim, ms_handle h, ms_tid tid)
{
	struct ms__kernel *ks = ms__kernel(sim);
	struct ms__kobj *o = ms__kobj_get(ks, h);
	struct ms_thread *t = ms__thread_lookup(sim, tid);

	if (!o)
		return -EBADF;
	if (!t)
		return -ESRCH;
	return ms__kobj_perm_test(o, ms__kthread(t)->idx) ? 1 : 0;
}

int32_t ms_thread_index(struct ms_sim *sim, ms_tid tid)
{
	struct ms_thread *t = ms__thread_lookup(sim, tid);

	return t ? ms__kthread(t)->idx : -1;
}

int ms_kernel_stats(struct ms_sim *sim, struct ms_kernel_stats *out)
{
	struct ms__kernel *ks = ms__kernel(sim);

	*out = ks->st;
	out->thread_indexes_used = ks->idx_used;
	out->timeouts_pending = (uint64_t)g_sequence_get_length(ks->timeouts);
	return 0;
}

int ms_thread_syscalls(struct ms_sim *sim, ms_tid tid, uint64_t *out)
{
	struct ms__kernel *ks = ms__kernel(sim);

	if (tid == MS_TID_NONE || tid > ks->max_tid || tid >= ks->syscalls->len)
		return -ENOENT;
	*out = g_array_index(ks->syscalls, uint64_t, tid);
	return 0;
}
