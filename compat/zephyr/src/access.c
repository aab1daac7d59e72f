/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: object permissions and validation, and the
 * helpers of syscall verifiers.
 *
 * k_object_validate() follows Zephyr's (kernel/userspace.c): a bad
 * address or a wrong type is -EBADF; then permission, for every caller,
 * supervisors included (a public object is usable by all); then the
 * initialisation state the call needs (-EINVAL not initialised,
 * -EADDRINUSE already initialised). The answers come from memsim's
 * introspection of the object (ms_kobj_info, ms_kobj_has_perm).
 */
#include "zms.h"

#include <link.h>

static ms_tid tid_of(struct k_thread *kt)
{
	struct zms_thread *t = kt ? g_hash_table_lookup(zms.threads, kt) : NULL;

	return t ? t->tid : MS_TID_NONE;
}

static bool live(struct zms_obj *o, struct ms_kobj_info *info)
{
	return o->h != MS_HANDLE_NONE && ms_kobj_info(zms.sim, o->h, info) == 0;
}

/* The record k_object_find() gives out, brought up to date. */
static void refresh(struct zms_obj *o, const struct ms_kobj_info *info)
{
	GHashTableIter it;
	gpointer k, v;

	memset(o->ko.perms, 0, sizeof(o->ko.perms));
	o->ko.flags &= ~(K_OBJ_FLAG_INITIALIZED | K_OBJ_FLAG_PUBLIC |
			 K_OBJ_FLAG_ALLOC);
	if (!info) {
		if (o->layer_init)
			o->ko.flags |= K_OBJ_FLAG_INITIALIZED;
		return;
	}
	if (info->initialized)
		o->ko.flags |= K_OBJ_FLAG_INITIALIZED;
	if (info->is_public)
		o->ko.flags |= K_OBJ_FLAG_PUBLIC;
	if (info->dynamic)
		o->ko.flags |= K_OBJ_FLAG_ALLOC;
	g_hash_table_iter_init(&it, zms.by_tid);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		ms_tid tid = GPOINTER_TO_UINT(k);
		int32_t idx = ms_thread_index(zms.sim, tid);

		if (tid == zms.keeper)
			continue;	/* the layer's, not the program's */
		if (idx >= 0 && idx < CONFIG_MAX_THREAD_BYTES * 8 &&
		    ms_kobj_has_perm(zms.sim, o->h, tid) == 1)
			o->ko.perms[idx / 8] |= (uint8_t)(1u << (idx % 8));
	}
}

struct k_object *k_object_find(const void *obj)
{
	struct zms_obj *o = zms_obj_lookup(obj);
	struct ms_kobj_info info;

	if (!o || o->adopted)
		return NULL;
	if (zms_obj_memsim_type(o->type) < 0) {
		refresh(o, NULL);
		return &o->ko;
	}
	if (!live(o, &info))
		return NULL;	/* a freed dynamic object */
	refresh(o, &info);
	return &o->ko;
}

int k_object_validate(struct k_object *ko, enum k_objects otype, int init)
{
	struct zms_obj *o;
	struct ms_kobj_info info;
	bool initialized;

	if (!ko)
		return -EBADF;
	o = zms_obj_lookup(ko->name);
	if (!o || (otype != K_OBJ_ANY && o->type != otype))
		return -EBADF;
	if (zms_obj_memsim_type(o->type) < 0) {
		initialized = o->layer_init;
	} else {
		int perm;

		if (!live(o, &info))
			return -EBADF;
		perm = ms_kobj_has_perm(zms.sim, o->h, ms_thread_self(zms.sim));
		if (!info.is_public && perm != 1)
			return -EPERM;
		initialized = info.initialized;
	}
	if (init == _OBJ_INIT_TRUE && !initialized)
		return -EINVAL;
	if (init == _OBJ_INIT_FALSE && initialized)
		return -EADDRINUSE;
	return 0;
}

int k_object_validation_check(struct k_object *ko, const void *obj,
			      enum k_objects otype, int init)
{
	int ret = k_object_validate(ko, otype, init);

	if (ret && zms.verbose) {
		switch (ret) {
		case -EBADF:
			printk("%p is not a valid %s\n", obj, otype_to_str(otype));
			break;
		case -EPERM:
			printk("%s %p denied access\n", otype_to_str(otype), obj);
			break;
		case -EINVAL:
			printk("%p used before initialization\n", obj);
			break;
		case -EADDRINUSE:
			printk("%p %s in use\n", obj, otype_to_str(otype));
			break;
		}
	}
	return ret;
}

bool k_object_is_valid(const void *obj, enum k_objects otype)
{
	return k_object_validate(k_object_find(obj), otype, _OBJ_INIT_TRUE) == 0;
}

void k_object_init(const void *obj)
{
	struct zms_obj *o = zms_obj_lookup(obj);

	if (o && zms_obj_memsim_type(o->type) < 0)
		o->layer_init = true;
}

void k_object_uninit(const void *obj)
{
	struct zms_obj *o = zms_obj_lookup(obj);

	if (o && zms_obj_memsim_type(o->type) < 0)
		o->layer_init = false;
}

void k_object_wordlist_foreach(void (*func)(struct k_object *, void *),
			       void *context)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, zms.objs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct k_object *ko = k_object_find(k);

		if (ko)
			func(ko, context);
	}
}

/* ---- grants --------------------------------------------------------------- */

void k_object_access_grant(const void *object, struct k_thread *thread)
{
	struct zms_obj *o = zms_obj_lookup(object);
	ms_handle h = o ? o->h : MS_HANDLE_NONE;

	if (o && zms_obj_memsim_type(o->type) < 0)
		return;	/* stacks, futexes: memory, not memsim objects */
	ms_sys_object_grant(zms.sim, h, tid_of(thread));
}

void zms_thread_access_grant(struct k_thread *thread, const void *const *objs)
{
	for (; *objs; objs++)
		k_object_access_grant(*objs, thread);
}

void k_object_access_revoke(const void *object, struct k_thread *thread)
{
	struct zms_obj *o = zms_obj_lookup(object);

	if (o && zms_obj_memsim_type(o->type) < 0)
		return;
	ms_sys_object_revoke(zms.sim, o ? o->h : MS_HANDLE_NONE, tid_of(thread));
}

void k_object_release(const void *object)
{
	struct zms_obj *o = zms_obj_lookup(object);

	if (o && zms_obj_memsim_type(o->type) < 0)
		return;
	ms_sys_object_release(zms.sim, o ? o->h : MS_HANDLE_NONE);
}

void k_object_access_all_grant(const void *object)
{
	struct zms_obj *o = zms_obj_lookup(object);

	if (o && zms_obj_memsim_type(o->type) < 0)
		return;
	ms_sys_object_make_public(zms.sim, o ? o->h : MS_HANDLE_NONE);
}

void *k_object_alloc_size(enum k_objects otype, size_t size)
{
	int mt = zms_obj_memsim_type(otype);
	struct zms_obj *o;
	ms_handle h;
	void *mem;

	if (mt < 0)
		return NULL;
	if (ms_sys_object_alloc(zms.sim, (enum ms_kobj_type)mt, &h) < 0)
		return NULL;
	/* The structure a Zephyr program gets: ours, never reused, so a freed
	 * object's address stays a bad one (memsim's stale handle). */
	mem = g_malloc0(MAX(size, zms_obj_size(otype)));
	o = zms_obj_add(mem, otype, size);
	o->h = h;
	o->dynamic = true;
	return mem;
}

void *k_object_alloc(enum k_objects otype)
{
	return k_object_alloc_size(otype, zms_obj_size(otype));
}

void k_object_free(void *obj)
{
	struct zms_obj *o = zms_obj_lookup(obj);

	if (!o || !o->dynamic)
		return;
	ms_sys_object_free(zms.sim, o->h);
}

void k_object_recycle(const void *obj)
{
	struct zms_obj *o = zms_obj_lookup(obj);
	GHashTableIter it;
	gpointer k, v;
	ms_tid self = ms_thread_self(zms.sim);

	if (!o || o->h == MS_HANDLE_NONE)
		return;
	/* permissions: the caller's only; then initialised */
	g_hash_table_iter_init(&it, zms.by_tid);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		ms_tid tid = GPOINTER_TO_UINT(k);

		if (tid != self && tid != zms.keeper &&
		    ms_kobj_has_perm(zms.sim, o->h, tid) == 1)
			ms_sys_object_revoke(zms.sim, o->h, tid);
	}
	ms_sys_object_grant(zms.sim, o->h, self);
	switch (o->type) {
	case K_OBJ_SEM:
		ms_sys_sem_init(zms.sim, o->h, 0, 1);
		break;
	case K_OBJ_MUTEX:
		ms_sys_mutex_init(zms.sim, o->h);
		break;
	case K_OBJ_TIMER:
		ms_sys_timer_init(zms.sim, o->h);
		break;
	default:
		break;
	}
	{
		struct ms_kobj_info info;

		if (live(o, &info))
			refresh(o, &info);
	}
}

/* ---- user memory ------------------------------------------------------------ */

struct ro_range {
	uintptr_t lo, hi;
	bool hit;
};

static int in_readonly_segment(struct dl_phdr_info *info, size_t size,
			       void *data)
{
	struct ro_range *r = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		if (r->lo >= a && r->hi <= a + ph->p_memsz) {
			r->hit = true;
			return 1;
		}
	}
	return 1;	/* the executable only */
}

/*
 * May the calling user thread read (write) [addr, addr + size)? Its own
 * stack, the partitions of its memory domain with the user rights asked
 * for, and, for reading, the program's read-only image (text and rodata
 * are user-readable on Zephyr's x86 MMU too).
 */
int k_usermode_check(const void *addr, size_t size, int write)
{
	uintptr_t lo = (uintptr_t)addr, hi;
	struct ms_thread_info info;
	ms_tid self = ms_thread_self(zms.sim);

	if (__builtin_add_overflow(lo, size, &hi))
		return -EFAULT;
	if (self == MS_TID_NONE || ms_thread_info(zms.sim, self, &info))
		return -EFAULT;
	if (!info.user)
		return 0;
	if (lo >= (uintptr_t)info.stack_base &&
	    hi <= (uintptr_t)info.stack_base + info.stack_size)
		return 0;
	if (zms_domain_allows(self, lo, hi, write))
		return 0;
	if (!write) {
		struct ro_range r = { lo, hi, false };

		dl_iterate_phdr(in_readonly_segment, &r);
		if (r.hit)
			return 0;
	}
	return -EFAULT;
}

int k_usermode_from_copy(void *dst, const void *src, size_t size)
{
	if (k_usermode_check(src, size, 0))
		return -EFAULT;
	memcpy(dst, src, size);
	return 0;
}

int k_usermode_to_copy(void *dst, const void *src, size_t size)
{
	if (k_usermode_check(dst, size, 1))
		return -EFAULT;
	memcpy(dst, src, size);
	return 0;
}

size_t k_usermode_string_nlen(const char *src, size_t maxlen, int *err)
{
	size_t n;

	*err = 0;
	for (n = 0; n < maxlen; n++) {
		if (k_usermode_check(src + n, 1, 0)) {
			*err = -1;
			return 0;
		}
		if (!src[n])
			break;
	}
	return n;
}

int k_usermode_string_copy(char *dst, const char *src, size_t maxlen)
{
	int err;
	size_t n = k_usermode_string_nlen(src, maxlen, &err);

	if (err)
		return -EFAULT;
	if (n == maxlen)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

char *k_usermode_string_alloc_copy(const char *src, size_t maxlen)
{
	int err;
	size_t n = k_usermode_string_nlen(src, maxlen, &err);
	char *dst;

	if (err)
		return NULL;
	dst = k_malloc(n + 1);
	if (!dst)
		return NULL;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return dst;
}

void *k_usermode_alloc_from_copy(const void *src, size_t size)
{
	void *dst;

	if (k_usermode_check(src, size, 0))
		return NULL;
	dst = k_malloc(size);
	if (dst)
		memcpy(dst, src, size);
	return dst;
}
