/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: threads, scheduling calls and time.
 *
 * A struct k_thread is a kernel object (found before main, objects.c); a
 * thread created on it runs on its memsim thread object
 * (ms_sys_thread_create), so a grant to &thread is a grant to the thread,
 * as in Zephyr. memsim maps the stacks (docs/zephyr.md: the stack array
 * names the stack object, the thread runs on a guarded host stack of at
 * least ZMS_MIN_STACK bytes, since host code such as printf runs on it).
 *
 * Time: one Zephyr tick is ZMS_PER_ZTICK memsim ticks (<zephyr/zms_config.h>).
 *
 * Invariant: a struct zms_thread is made once per struct k_thread and
 * kept for the run; its tid is the memsim thread of the last
 * k_thread_create on it.
 */
#include "zms.h"

#define ZMS_MIN_STACK (16 * 1024)

int64_t zms_ticks(k_timeout_t t)
{
	if (t.ticks == K_FOREVER.ticks)
		return MS_FOREVER;
	if (t.ticks == 0)
		return MS_NO_WAIT;
	if (t.ticks < -1) {
		/* an absolute timeout (K_TIMEOUT_ABS_TICKS) */
		int64_t abs = -t.ticks - 2, now = k_uptime_ticks();

		return abs <= now ? MS_NO_WAIT : (abs - now) * ZMS_PER_ZTICK;
	}
	return t.ticks * ZMS_PER_ZTICK;
}

uint64_t zms_now_ms(void)
{
	return ms_sim_now(zms.sim) / (ZMS_TICKS_PER_SEC / 1000);
}

int64_t k_uptime_ticks(void)
{
	return (int64_t)(ms_sim_now(zms.sim) / ZMS_PER_ZTICK);
}

int64_t k_uptime_get(void)
{
	return (int64_t)zms_now_ms();
}

uint32_t k_uptime_get_32(void)
{
	return (uint32_t)k_uptime_get();
}

int64_t k_uptime_delta(int64_t *reftime)
{
	int64_t now = k_uptime_get(), d = now - *reftime;

	*reftime = now;
	return d;
}

uint64_t k_cycle_get_64(void)
{
	return ms_sim_now(zms.sim) *
	       (CONFIG_SYS_CLOCK_HW_CYCLES_PER_SEC / ZMS_TICKS_PER_SEC);
}

uint32_t k_cycle_get_32(void)
{
	return (uint32_t)k_cycle_get_64();
}

uint32_t sys_clock_tick_get_32(void)
{
	return (uint32_t)k_uptime_ticks();
}

int64_t sys_clock_tick_get(void)
{
	return k_uptime_ticks();
}

uint32_t k_ms_to_ticks_ceil32(uint32_t ms)
{
	return (uint32_t)Z_ZMS_CEIL(ms, 1000LL);
}

uint64_t k_ticks_to_ms_floor64(uint64_t t)
{
	return t * 1000 / CONFIG_SYS_CLOCK_TICKS_PER_SEC;
}

uint32_t k_ticks_to_ms_floor32(uint32_t t)
{
	return (uint32_t)k_ticks_to_ms_floor64(t);
}

/* ---- records ---------------------------------------------------------------- */

struct zms_thread *zms_thread_of(const struct k_thread *kt)
{
	struct zms_thread *t;

	if (!kt)
		return NULL;
	t = g_hash_table_lookup(zms.threads, kt);
	if (!t) {
		t = g_new0(struct zms_thread, 1);
		t->kt = (struct k_thread *)kt;
		g_hash_table_insert(zms.threads, (gpointer)kt, t);
	}
	return t;
}

struct zms_thread *zms_thread_by_tid(ms_tid tid)
{
	return g_hash_table_lookup(zms.by_tid, GUINT_TO_POINTER(tid));
}

static ms_tid self_tid(void)
{
	if (zms.in_fatal)
		return zms.fatal_tid;
	return ms_thread_self(zms.sim);
}

struct zms_thread *zms_thread_self(void)
{
	return zms_thread_by_tid(self_tid());
}

bool zms_user(void)
{
	struct ms_thread_info info;
	ms_tid tid;

	struct zms_thread *t;

	if (zms.in_fatal || zms.isr_depth)
		return false;
	tid = ms_thread_self(zms.sim);
	t = zms_thread_by_tid(tid);
	if (t && t->in_syscall)
		return false;
	if (tid == MS_TID_NONE)
		return false;
	return ms_thread_info(zms.sim, tid, &info) == 0 && info.user;
}

bool k_is_user_context(void)
{
	return zms_user();
}

bool k_is_in_isr(void)
{
	return zms.isr_depth > 0;
}

bool k_is_pre_kernel(void)
{
	return ms_thread_self(zms.sim) == MS_TID_NONE && !zms.in_fatal;
}

/* ---- creation ---------------------------------------------------------------- */

static void tls_clear(struct zms_thread *t)
{
	if (t->kt->userspace_local_data)
		memset(t->kt->userspace_local_data, 0,
		       sizeof(*t->kt->userspace_local_data));
}

/* A new thread may run before its creator's call returns (it has a
 * higher priority): it records its own tid first. */
static void set_tid(struct zms_thread *t, ms_tid tid)
{
	if (t->tid == tid)
		return;
	if (t->tid != MS_TID_NONE)
		g_hash_table_remove(zms.by_tid, GUINT_TO_POINTER(t->tid));
	t->tid = tid;
	g_hash_table_insert(zms.by_tid, GUINT_TO_POINTER(tid), t);
}

static void trampoline(struct ms_sim *sim, void *arg)
{
	struct zms_thread *t = arg;

	set_tid(t, ms_thread_self(sim));
	if (t->gate_wait)
		ms_sys_sem_take(sim, t->gate, MS_FOREVER);
	else if (t->delay > 0)
		ms_sleep(sim, (uint64_t)t->delay);
	t->entry(t->p1, t->p2, t->p3);
}

/* Fill in what a Zephyr program may read from its struct k_thread. */
static void thread_fields(struct zms_thread *t, struct zms_thread *parent)
{
	struct k_thread *kt = t->kt;

	kt->base.prio = (int8_t)t->prio;
	kt->base.user_options = (uint8_t)t->options;
	kt->init_data = NULL;
	kt->zms = t;
	kt->stack_info.start = (uintptr_t)t->stack;
	kt->stack_info.size = t->stack_size;
	kt->stack_info.delta = 0;
	/* The user-accessible local data sits at the top of the stack
	 * object, as Zephyr puts it there (it is cleared at user mode
	 * entry, so nothing a supervisor left there leaks). */
	if (t->stack && t->stack_size >= sizeof(struct _thread_userspace_local_data))
		kt->userspace_local_data =
			(void *)((char *)t->stack + t->stack_size -
				 sizeof(struct _thread_userspace_local_data));
	else
		kt->userspace_local_data = NULL;
	if (parent && parent->kt)
		kt->resource_pool = parent->kt->resource_pool;
}

/*
 * Create the memsim thread of t (its fields filled in). host: called
 * before the run by the layer itself (K_THREAD_DEFINE, the main thread).
 */
int zms_thread_create_on(struct zms_thread *t, bool host)
{
	struct ms_thread_attr attr;
	struct zms_thread *parent = host ? NULL : zms_thread_self();
	ms_handle obj = zms_handle(t->kt, K_OBJ_THREAD);
	ms_tid tid = MS_TID_NONE;
	int ret;

#ifndef CONFIG_USERSPACE
	t->options &= ~(uint32_t)K_USER;	/* no user mode: all supervisor */
#endif
	ms_thread_attr_init(&attr);
	/* a user caller may not read the struct k_thread: kernel memory */
	attr.name = !zms_user() && t->kt->name[0] ? t->kt->name : NULL;
	attr.priority = t->prio;
	attr.stack_size = ROUND_UP(MAX(t->stack_size, (size_t)ZMS_MIN_STACK), 4096);
	attr.options = 0;
	if (t->options & K_USER)
		attr.options |= MS_THREAD_USER;
	if (t->options & K_INHERIT_PERMS)
		attr.options |= MS_THREAD_INHERIT_PERMS;
	t->user = (t->options & K_USER) != 0;
	t->in_syscall = 0;	/* a thread killed inside one left it set */
	t->gate_wait = false;
	t->in_case = zms.case_running;
	if (t->delay == MS_FOREVER) {
		ret = ms_sys_object_alloc(zms.sim, MS_KOBJ_SEM, &t->gate);
		if (ret == 0)
			ret = ms_sys_sem_init(zms.sim, t->gate, 0, 1);
		if (ret == 0)
			ret = ms_sys_object_make_public(zms.sim, t->gate);
		if (ret < 0)
			return ret;
		t->gate_wait = true;
	}
	if (!zms_user())
		thread_fields(t, parent);
	ret = ms_sys_thread_create(zms.sim, obj, &attr, trampoline, t, &tid);
	if (ret < 0)
		return ret;
	/* A thread may use its own thread object (Zephyr's
	 * z_setup_new_thread grants it); memsim's thread creation does not
	 * grant it yet, so a supervisor creator does, before the thread runs
	 * (a user creator cannot: its child inherits the permission with
	 * K_INHERIT_PERMS only, until issue 23). */
	if (obj != MS_HANDLE_NONE && !zms_user())
		ms_sys_object_grant(zms.sim, obj, tid);
	set_tid(t, tid);
	t->started = true;
	return 0;
}

static struct zms_obj *stack_obj(k_thread_stack_t *stack)
{
	struct zms_obj *o = zms_obj_lookup(stack);

	return o && o->type == K_OBJ_THREAD_STACK_ELEMENT ? o : NULL;
}

k_tid_t k_thread_create(struct k_thread *new_thread, k_thread_stack_t *stack,
			size_t stack_size, k_thread_entry_t entry, void *p1,
			void *p2, void *p3, int prio, uint32_t options,
			k_timeout_t delay)
{
	struct zms_thread *t;
	struct zms_obj *so = stack_obj(stack);
	int ret;

	if (zms_user()) {
		/* z_vrfy_k_thread_create: what memsim does not check itself */
		if (!so)
			zms_oops_self("k_thread_create: not a thread stack object");
		if (stack_size > so->size)
			zms_oops_self("k_thread_create: stack size over the stack object's");
		if (options & K_ESSENTIAL)
			zms_oops_self("k_thread_create: a user thread may not make an essential thread");
		if (!(options & K_USER))
			zms_oops_self("k_thread_create: a user thread may make user threads only");
	}
	t = zms_thread_of(new_thread);
	t->entry = entry;
	t->p1 = p1;
	t->p2 = p2;
	t->p3 = p3;
	t->prio = prio;
	t->options = options;
	t->essential = (options & K_ESSENTIAL) != 0;
	t->stack = stack;
	t->stack_size = stack_size;
	t->delay = zms_ticks(delay);
	ret = zms_thread_create_on(t, false);
	if (ret < 0) {
		if (zms_user())
			zms_oops_self("k_thread_create refused");
		printk("k_thread_create: memsim refused the thread (%d)\n", ret);
		return NULL;
	}
	return new_thread;
}

void k_thread_start(k_tid_t thread)
{
	struct zms_thread *t = zms_thread_of(thread);

	if (t->gate_wait) {
		t->gate_wait = false;
		ms_sys_sem_give(zms.sim, t->gate);
	}
}

/*
 * Zephyr's thread_obj_validate for the syscalls on a thread: true (do
 * nothing) when the object is a thread that has exited, an oops for a user
 * caller that may not use it.
 */
static bool thread_gone(struct k_thread *kt)
{
	struct zms_thread *t;
	int ret;

	if (zms_user()) {
		ret = k_object_validate(k_object_find(kt), K_OBJ_THREAD,
					_OBJ_INIT_TRUE);
		if (ret == -EINVAL)
			return true;
		if (ret)
			zms_oops_self("thread object: access denied");
	}
	t = g_hash_table_lookup(zms.threads, kt);
	return !t || t->tid == MS_TID_NONE;
}

int k_thread_join(struct k_thread *thread, k_timeout_t timeout)
{
	struct zms_thread *t;
	int ret;

	if (thread_gone(thread))
		return 0;
	t = zms_thread_of(thread);
	ret = ms_thread_join(zms.sim, t->tid, zms_ticks(timeout));
	if (ret == -ENOENT)
		return 0;
	return ret;
}

void k_thread_abort(k_tid_t thread)
{
	struct zms_thread *t;

	if (thread_gone(thread))
		return;
	t = zms_thread_of(thread);
	if (zms_user() && t->essential)
		zms_oops_self("k_thread_abort: essential thread");
	ms_thread_abort(zms.sim, t->tid);
}

void zms_threads_abort_case(void)
{
	GHashTableIter it;
	gpointer k, v;
	GPtrArray *doomed = g_ptr_array_new();

	g_hash_table_iter_init(&it, zms.by_tid);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct zms_thread *t = v;

		if (t->in_case)
			g_ptr_array_add(doomed, t);
	}
	for (guint i = 0; i < doomed->len; i++) {
		struct zms_thread *t = doomed->pdata[i];

		ms_thread_abort(zms.sim, t->tid);
		t->in_case = false;
	}
	g_ptr_array_free(doomed, TRUE);
}

void zms_threads_case_done(void)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, zms.by_tid);
	while (g_hash_table_iter_next(&it, &k, &v))
		((struct zms_thread *)v)->in_case = false;
}

static void user_entry(struct ms_sim *sim, void *arg)
{
	struct zms_thread *t = arg;

	(void)sim;
	t->entry(t->p1, t->p2, t->p3);
}

void k_thread_user_mode_enter(k_thread_entry_t entry, void *p1, void *p2,
			      void *p3)
{
	struct zms_thread *t = zms_thread_self();

	if (!t) {
		printk("k_thread_user_mode_enter: not a Zephyr thread\n");
		k_fatal_halt(K_ERR_KERNEL_PANIC);
	}
	if (t->kernel_only) {
		/* a thread on a kernel-only stack has no privileged stack to
		 * drop to user mode with (Zephyr panics) */
		printk("k_thread_user_mode_enter: thread on a kernel stack\n");
		zms_fatal_self(K_ERR_KERNEL_PANIC, "user mode on a kernel stack");
	}
	t->entry = entry;
	t->p1 = p1;
	t->p2 = p2;
	t->p3 = p3;
	if (!zms_user()) {
		t->options |= K_USER;
		t->kt->base.user_options |= K_USER;
		tls_clear(t);
	}
	t->user = true;
	if (zms_user()) {
		/* already in user mode: Zephyr just calls the entry */
		entry(p1, p2, p3);
		k_thread_abort(k_current_get());
	}
	ms_user_mode_enter(zms.sim, user_entry, t);
}

k_tid_t k_current_get(void)
{
	struct zms_thread *t = zms_thread_self();

	return t ? t->kt : NULL;
}

k_tid_t k_sched_current_thread_query(void)
{
	return k_current_get();
}

void k_yield(void)
{
	ms_yield(zms.sim);
}

int32_t k_sleep(k_timeout_t timeout)
{
	int64_t t = zms_ticks(timeout);

	if (t == MS_FOREVER)
		t = INT64_MAX / 2;
	ms_sleep(zms.sim, (uint64_t)t);
	return 0;
}

int32_t k_msleep(int32_t ms)
{
	return k_sleep(K_MSEC(ms));
}

int32_t k_usleep(int32_t us)
{
	k_sleep(K_USEC(us));
	return 0;
}

void k_busy_wait(uint32_t usec_to_wait)
{
	ms_busy_wait(zms.sim, (uint64_t)usec_to_wait * (ZMS_TICKS_PER_SEC / 1000000));
}

void k_wakeup(k_tid_t thread)
{
	(void)thread;	/* memsim has no early wake of a sleeper (docs) */
}

int k_thread_priority_get(k_tid_t thread)
{
	struct zms_thread *t = zms_thread_of(thread);
	struct ms_thread_info info;

	if (t->tid && ms_thread_info(zms.sim, t->tid, &info) == 0)
		return info.priority;
	return t->prio;
}

void k_thread_priority_set(k_tid_t thread, int prio)
{
	struct zms_thread *t = zms_thread_of(thread);
	int ret;

	if (zms_user()) {
		ret = k_object_validate(k_object_find(thread), K_OBJ_THREAD,
					_OBJ_INIT_TRUE);
		if (ret) {
			if (zms.verbose)
				printk("k_thread_priority_set: %d\n", ret);
			zms_oops_self("k_thread_priority_set: access denied");
		}
		if (prio < t->prio)
			zms_oops_self("k_thread_priority_set: above the caller's");
	}
	ret = ms_thread_priority_set(zms.sim, t->tid, prio);
	if (ret == 0) {
		t->prio = prio;
		if (!zms_user())
			t->kt->base.prio = (int8_t)prio;
	} else if (zms.verbose) {
		printk("k_thread_priority_set: memsim refused (%d)\n", ret);
	}
}

int k_thread_name_set(k_tid_t thread, const char *str)
{
	if (!thread)
		thread = k_current_get();
	if (!thread)
		return -EINVAL;
	if (zms_user())
		return -EPERM;
	g_strlcpy(thread->name, str, sizeof(thread->name));
	return 0;
}

const char *k_thread_name_get(k_tid_t thread)
{
	return thread ? thread->name : NULL;
}

void k_thread_suspend(k_tid_t thread)
{
	(void)thread;
	printk("k_thread_suspend: not modelled by memsim's Zephyr layer\n");
}

void k_thread_resume(k_tid_t thread)
{
	(void)thread;
}

void k_sched_lock(void)
{
}

void k_sched_unlock(void)
{
}

int k_is_preempt_thread(void)
{
	struct zms_thread *t = zms_thread_self();

	return !k_is_in_isr() && t && t->prio >= 0;
}

int k_thread_stack_space_get(const struct k_thread *thread, size_t *unused_ptr)
{
	struct zms_thread *t = zms_thread_of(thread);
	struct ms_thread_info info;
	int ret;

	if (!t->tid)
		return -EINVAL;
	ret = ms_thread_info(zms.sim, t->tid, &info);
	if (ret)
		return ret;
	*unused_ptr = info.stack_size > info.stack_high_water ?
		      info.stack_size - info.stack_high_water : 0;
	return 0;
}

int *z_errno(void)
{
	static __thread int e;

	return &e;
}
