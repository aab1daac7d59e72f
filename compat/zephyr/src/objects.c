/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: kernel objects.
 *
 * Zephyr knows every kernel object of a program before it runs: its build
 * reads the ELF's debug information for variables of the kernel object
 * types (struct k_sem, struct k_thread, thread stacks, and objects inside
 * arrays and structures) and generates the table k_object_find() searches
 * (scripts/build/gen_kobject_list.py). This file does the equivalent when
 * the program starts, before main's tests run: it reads the DWARF of the
 * running executable with libdw, finds the same variables, and gives each
 * a memsim object (docs/zephyr.md says why at start-up rather than in a
 * second link). Objects in application memory partitions are not kernel
 * objects (a user thread could write them), except futexes, which live in
 * user memory by design; both rules are Zephyr's.
 *
 * Invariant: every address in zms.objs names one Zephyr object of one type;
 * a static object's memsim handle is granted to the keeper thread, so its
 * last permission never goes and it is never freed (Zephyr never frees a
 * static object), until memsim has static objects of its own.
 */
#include "zms.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

struct kobj_type {
	const char *struct_name;
	enum k_objects type;
	int ms_type;		/* enum ms_kobj_type, -1: the layer's own */
	size_t size;
};

static const struct kobj_type kobj_types[] = {
	{ "k_sem", K_OBJ_SEM, MS_KOBJ_SEM, sizeof(struct k_sem) },
	{ "k_mutex", K_OBJ_MUTEX, MS_KOBJ_MUTEX, sizeof(struct k_mutex) },
	{ "k_queue", K_OBJ_QUEUE, MS_KOBJ_QUEUE, sizeof(struct k_queue) },
	{ "k_fifo", K_OBJ_QUEUE, MS_KOBJ_QUEUE, sizeof(struct k_fifo) },
	{ "k_lifo", K_OBJ_QUEUE, MS_KOBJ_QUEUE, sizeof(struct k_lifo) },
	{ "k_msgq", K_OBJ_MSGQ, MS_KOBJ_MSGQ, sizeof(struct k_msgq) },
	{ "k_stack", K_OBJ_STACK, MS_KOBJ_STACK, sizeof(struct k_stack) },
	{ "k_pipe", K_OBJ_PIPE, MS_KOBJ_PIPE, sizeof(struct k_pipe) },
	{ "k_timer", K_OBJ_TIMER, MS_KOBJ_TIMER, sizeof(struct k_timer) },
	{ "k_thread", K_OBJ_THREAD, MS_KOBJ_THREAD, sizeof(struct k_thread) },
	{ "k_futex", K_OBJ_FUTEX, -1, sizeof(struct k_futex) },
	{ "k_condvar", K_OBJ_CONDVAR, -1, 0 },
	{ "k_poll_signal", K_OBJ_POLL_SIGNAL, -1, 0 },
	{ "k_mem_slab", K_OBJ_MEM_SLAB, -1, 0 },
	{ "k_event", K_OBJ_EVENT, -1, 0 },
	{ "sys_mutex", K_OBJ_SYS_MUTEX, -1, 0 },
};

static const char *const type_names[K_OBJ_LAST + 1] = {
	[K_OBJ_ANY] = "any",
	[K_OBJ_MEM_SLAB] = "k_mem_slab",
	[K_OBJ_MSGQ] = "k_msgq",
	[K_OBJ_MUTEX] = "k_mutex",
	[K_OBJ_PIPE] = "k_pipe",
	[K_OBJ_QUEUE] = "k_queue",
	[K_OBJ_POLL_SIGNAL] = "k_poll_signal",
	[K_OBJ_SEM] = "k_sem",
	[K_OBJ_STACK] = "k_stack",
	[K_OBJ_THREAD] = "k_thread",
	[K_OBJ_TIMER] = "k_timer",
	[K_OBJ_CONDVAR] = "k_condvar",
	[K_OBJ_EVENT] = "k_event",
	[K_OBJ_THREAD_STACK_ELEMENT] = "z_thread_stack_element",
	[K_OBJ_SYS_MUTEX] = "sys_mutex",
	[K_OBJ_FUTEX] = "k_futex",
	[K_OBJ_LAST] = "?",
};

const char *otype_to_str(enum k_objects otype)
{
	if ((unsigned)otype >= K_OBJ_LAST)
		return "?";
	return type_names[otype];
}

const char *zms_obj_name(enum k_objects type)
{
	return otype_to_str(type);
}

int zms_obj_memsim_type(enum k_objects type)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kobj_types); i++)
		if (kobj_types[i].type == type)
			return kobj_types[i].ms_type;
	return -1;
}

size_t zms_obj_size(enum k_objects type)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kobj_types); i++)
		if (kobj_types[i].type == type)
			return kobj_types[i].size;
	return 0;
}

struct zms_obj *zms_obj_lookup(const void *addr)
{
	return g_hash_table_lookup(zms.objs, addr);
}

struct zms_obj *zms_obj_add(const void *addr, enum k_objects type, size_t size)
{
	struct zms_obj *o = zms_obj_lookup(addr);

	if (o)
		return o;
	o = g_new0(struct zms_obj, 1);
	o->addr = addr;
	o->type = type;
	o->size = size;
	o->ko.name = (void *)addr;
	o->ko.type = (uint8_t)type;
	g_hash_table_insert(zms.objs, (gpointer)addr, o);
	return o;
}

/* ---- DWARF ---------------------------------------------------------------- */

static int find_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	/* the first entry is the executable itself */
	*(uintptr_t *)data = info->dlpi_addr;
	return 1;
}

struct scan {
	GHashTable *contains;	/* type DIE offset -> 1 no, 2 yes */
	uint64_t found;
};

static bool strip_die(Dwarf_Die *die)
{
	for (int i = 0; i < 32; i++) {
		int tag = dwarf_tag(die);
		Dwarf_Attribute a;

		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type && tag != DW_TAG_atomic_type &&
		    tag != DW_TAG_restrict_type)
			return true;
		if (!dwarf_attr(die, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, die))
			return false;
	}
	return false;
}

static const struct kobj_type *kobj_of(Dwarf_Die *t)
{
	const char *name;

	if (dwarf_tag(t) != DW_TAG_structure_type)
		return NULL;
	name = dwarf_diename(t);
	if (!name)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(kobj_types); i++)
		if (!strcmp(name, kobj_types[i].struct_name))
			return &kobj_types[i];
	return NULL;
}

static bool is_stack_element(Dwarf_Die *t)
{
	const char *name = dwarf_diename(t);

	return dwarf_tag(t) == DW_TAG_structure_type && name &&
	       !strcmp(name, "z_thread_stack_element");
}

/* Array dimensions, outermost first. */
static int array_dims(Dwarf_Die *arr, uint64_t *dims, int max)
{
	Dwarf_Die sub;
	int n = 0;

	if (dwarf_child(arr, &sub) != 0)
		return 0;
	do {
		Dwarf_Attribute a;
		Dwarf_Word v;

		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (n == max)
			return -1;
		if (dwarf_attr(&sub, DW_AT_count, &a) &&
		    dwarf_formudata(&a, &v) == 0)
			dims[n++] = v;
		else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) &&
			 dwarf_formudata(&a, &v) == 0)
			dims[n++] = v + 1;
		else
			dims[n++] = 0;	/* flexible: nothing to visit */
	} while (dwarf_siblingof(&sub, &sub) == 0);
	return n;
}

static bool element_die(Dwarf_Die *arr, Dwarf_Die *elem)
{
	Dwarf_Attribute a;

	return dwarf_attr(arr, DW_AT_type, &a) && dwarf_formref_die(&a, elem) &&
	       strip_die(elem);
}

static bool contains(struct scan *s, Dwarf_Die *t, int depth);

static bool contains_members(struct scan *s, Dwarf_Die *t, int depth)
{
	Dwarf_Die m;

	if (dwarf_child(t, &m) != 0)
		return false;
	do {
		Dwarf_Die mt;
		Dwarf_Attribute a;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		if (dwarf_attr(&m, DW_AT_type, &a) &&
		    dwarf_formref_die(&a, &mt) && strip_die(&mt) &&
		    contains(s, &mt, depth + 1))
			return true;
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

/* Can an object of this type hold a kernel object? */
static bool contains(struct scan *s, Dwarf_Die *t, int depth)
{
	gpointer key = GSIZE_TO_POINTER(dwarf_dieoffset(t));
	int memo = GPOINTER_TO_INT(g_hash_table_lookup(s->contains, key));
	bool yes = false;

	if (memo)
		return memo == 2;
	if (depth > 16)
		return false;
	if (kobj_of(t) || is_stack_element(t)) {
		yes = true;
	} else if (dwarf_tag(t) == DW_TAG_array_type) {
		Dwarf_Die e;

		yes = element_die(t, &e) && contains(s, &e, depth + 1);
	} else if (dwarf_tag(t) == DW_TAG_structure_type) {
		yes = contains_members(s, t, depth);
	}
	g_hash_table_insert(s->contains, key, GINT_TO_POINTER(yes ? 2 : 1));
	return yes;
}

static void visit(struct scan *s, uintptr_t addr, Dwarf_Die *t, int depth);

static void visit_array(struct scan *s, uintptr_t addr, Dwarf_Die *t,
			int depth)
{
	uint64_t dims[8], count = 1;
	Dwarf_Die e;
	Dwarf_Word esize;
	int n = array_dims(t, dims, 8);

	if (n <= 0 || !element_die(t, &e))
		return;
	if (is_stack_element(&e)) {
		/* K_THREAD_STACK_DEFINE: the innermost dimension is one
		 * stack's bytes; each outer index is a stack object. */
		uint64_t len = dims[n - 1];

		for (int i = 0; i < n - 1; i++)
			count *= dims[i];
		for (uint64_t i = 0; i < count && len; i++) {
			struct zms_obj *o = zms_obj_add(
				(void *)(addr + i * len),
				K_OBJ_THREAD_STACK_ELEMENT, len);

			o->layer_init = true;
			s->found++;
		}
		return;
	}
	esize = (Dwarf_Word)dwarf_bytesize(&e);
	if ((Dwarf_Sword)esize <= 0 || !contains(s, &e, depth))
		return;
	for (int i = 0; i < n; i++)
		count *= dims[i];
	for (uint64_t i = 0; i < count && i < (1u << 20); i++)
		visit(s, addr + i * esize, &e, depth + 1);
}

static void visit(struct scan *s, uintptr_t addr, Dwarf_Die *t, int depth)
{
	const struct kobj_type *k;
	Dwarf_Die m;

	if (depth > 16 || !strip_die(t))
		return;
	k = kobj_of(t);
	if (k) {
		zms_obj_add((void *)addr, k->type, k->size);
		s->found++;
		return;
	}
	if (dwarf_tag(t) == DW_TAG_array_type) {
		visit_array(s, addr, t, depth);
		return;
	}
	if (dwarf_tag(t) != DW_TAG_structure_type || !contains(s, t, depth))
		return;
	if (dwarf_child(t, &m) != 0)
		return;
	do {
		Dwarf_Attribute a;
		Dwarf_Word off;
		Dwarf_Die mt;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		if (!dwarf_attr(&m, DW_AT_data_member_location, &a) ||
		    dwarf_formudata(&a, &off) != 0)
			continue;
		if (dwarf_attr(&m, DW_AT_type, &a) &&
		    dwarf_formref_die(&a, &mt))
			visit(s, addr + off, &mt, depth + 1);
	} while (dwarf_siblingof(&m, &m) == 0);
}

static void variable(struct scan *s, Dwarf_Die *var)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t nops;
	Dwarf_Die t;

	if (dwarf_hasattr(var, DW_AT_declaration))
		return;
	if (!dwarf_attr(var, DW_AT_location, &a) ||
	    dwarf_getlocation(&a, &ops, &nops) != 0 || nops != 1 ||
	    ops[0].atom != DW_OP_addr)
		return;
	if (!dwarf_attr_integrate(var, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, &t))
		return;
	visit(s, (uintptr_t)ops[0].number + zms.load_bias, &t, 0);
}

static void walk(struct scan *s, Dwarf_Die *die, int depth)
{
	Dwarf_Die c;

	if (depth > 64 || dwarf_child(die, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);

		if (tag == DW_TAG_variable)
			variable(s, &c);
		else if (tag == DW_TAG_subprogram ||
			 tag == DW_TAG_lexical_block ||
			 tag == DW_TAG_namespace)
			walk(s, &c, depth + 1);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/*
 * Find the program's kernel objects. Returns how many, or -errno when the
 * executable has no debug information to read (it must be built with -g:
 * `memsim ztest` does).
 */
int zms_obj_discover(void)
{
	struct scan s = { 0 };
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf *dw;
	int fd;

	dl_iterate_phdr(find_bias, &zms.load_bias);
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw) {
		close(fd);
		return -ENOEXEC;
	}
	s.contains = g_hash_table_new(g_direct_hash, g_direct_equal);
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu))
			walk(&s, &cu, 0);
		off = next;
	}
	g_hash_table_destroy(s.contains);
	dwarf_end(dw);
	close(fd);
	return (int)MIN(s.found, (uint64_t)INT_MAX);
}

/* ---- memsim objects for them ---------------------------------------------- */

void zms_keep(ms_handle h)
{
	if (zms.keeper != MS_TID_NONE && h != MS_HANDLE_NONE)
		ms_sys_object_grant(zms.sim, h, zms.keeper);
}

static gint by_addr(gconstpointer a, gconstpointer b)
{
	const struct zms_obj *x = *(struct zms_obj *const *)a;
	const struct zms_obj *y = *(struct zms_obj *const *)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

extern const struct zms_app_part __start_zms_app_parts[] __attribute__((weak));
extern const struct zms_app_part __stop_zms_app_parts[] __attribute__((weak));

static bool in_app_memory(const void *addr)
{
	for (const struct zms_app_part *p = __start_zms_app_parts;
	     p && p < __stop_zms_app_parts; p++)
		if ((const char *)addr >= p->start && (const char *)addr < p->end)
			return true;
	return false;
}

static int init_static(struct zms_obj *o)
{
	struct ms_sim *sim = zms.sim;

	switch (o->type) {
	case K_OBJ_SEM: {
		const struct k_sem *k = o->addr;

		if (k->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_sem_init(sim, o->h, k->count, k->limit);
		return 0;
	}
	case K_OBJ_MUTEX:
		if (((const struct k_mutex *)o->addr)->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_mutex_init(sim, o->h);
		return 0;
	case K_OBJ_QUEUE:
		if (((const struct k_queue *)o->addr)->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_queue_init(sim, o->h);
		return 0;
	case K_OBJ_MSGQ: {
		const struct k_msgq *k = o->addr;

		if (k->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_msgq_alloc_init(sim, o->h, k->msg_size,
						      k->max_msgs);
		return 0;
	}
	case K_OBJ_STACK: {
		const struct k_stack *k = o->addr;

		if (k->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_stack_alloc_init(sim, o->h, k->max_entries);
		return 0;
	}
	case K_OBJ_PIPE: {
		const struct k_pipe *k = o->addr;

		if (k->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_pipe_alloc_init(sim, o->h, k->size);
		return 0;
	}
	case K_OBJ_TIMER:
		if (((const struct k_timer *)o->addr)->zms_magic == ZMS_STATIC_MAGIC)
			return ms_sys_timer_init(sim, o->h);
		return 0;
	case K_OBJ_FUTEX: {
		/* a futex is its word; its waiters block on a queue (sync.c) */
		int ret = ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &o->wq);

		if (ret == 0)
			ret = ms_sys_queue_init(sim, o->wq);
		if (ret == 0)
			ret = ms_sys_object_make_public(sim, o->wq);
		if (ret == 0)
			zms_keep(o->wq);
		o->layer_init = true;
		return ret;
	}
	default:
		return 0;
	}
}

/*
 * Give every discovered object its memsim object, in address order (so the
 * handles are the same on every run of the same binary), initialise the
 * ones K_*_DEFINE initialised, and let the keeper hold them.
 */
int zms_obj_register_static(void)
{
	GPtrArray *all = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;
	int ret = 0;

	g_hash_table_iter_init(&it, zms.objs);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_ptr_array_add(all, v);
	g_ptr_array_sort(all, by_addr);
	for (guint i = 0; i < all->len; i++) {
		struct zms_obj *o = all->pdata[i];
		int mt;

		if (in_app_memory(o->addr) && o->type != K_OBJ_FUTEX) {
			g_hash_table_remove(zms.objs, o->addr);
			g_free(o);
			continue;
		}
		mt = zms_obj_memsim_type(o->type);
		if (mt < 0) {
			ret = init_static(o);
			if (ret < 0)
				break;
			continue;
		}
		ret = ms_sys_object_alloc(zms.sim, (enum ms_kobj_type)mt, &o->h);
		if (ret < 0) {
			fprintf(stderr, "memsim-zephyr: %s at %p: no memsim "
				"object (%s); raise CONFIG_MAX_THREAD_BYTES?\n",
				zms_obj_name(o->type), o->addr, g_strerror(-ret));
			break;
		}
		zms_keep(o->h);
		ret = init_static(o);
		if (ret < 0) {
			fprintf(stderr, "memsim-zephyr: %s at %p: its static "
				"initialisation failed (%s)\n",
				zms_obj_name(o->type), o->addr, g_strerror(-ret));
			break;
		}
	}
	g_ptr_array_free(all, TRUE);
	return ret < 0 ? ret : 0;
}

/*
 * The memsim handle for a Zephyr object of the given type, for a call
 * about to be made. NONE for what is no kernel object: memsim then answers
 * as for a bad handle (an oops for a user thread, as Zephyr's verifiers).
 * A supervisor may use any memory as an object, as Zephyr's z_impl_ calls
 * do: the first such call adopts it (it is not added to what
 * k_object_find() knows, as it is in no Zephyr object table).
 */
ms_handle zms_handle(const void *addr, enum k_objects type)
{
	struct zms_obj *o = zms_obj_lookup(addr);
	int mt;

	if (o) {
		if (o->type != type && type != K_OBJ_ANY)
			return MS_HANDLE_NONE;
		return o->h;
	}
	if (zms_user() || !addr)
		return MS_HANDLE_NONE;
	mt = zms_obj_memsim_type(type);
	if (mt < 0)
		return MS_HANDLE_NONE;
	o = zms_obj_add(addr, type, zms_obj_size(type));
	o->adopted = true;
	if (ms_sys_object_alloc(zms.sim, (enum ms_kobj_type)mt, &o->h) < 0)
		return MS_HANDLE_NONE;
	zms_keep(o->h);
	return o->h;
}
