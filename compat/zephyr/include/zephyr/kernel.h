/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the kernel API.
 *
 * Zephyr's names and documented behaviour, implemented over memsim
 * (docs/zephyr.md). The structures below are what a Zephyr program
 * declares and passes by address; the kernel state behind them lives in
 * memsim (handles, threads, domains) and in the layer's own records, keyed
 * by the object's address. Fields a Zephyr test reads (a thread's
 * stack_info, a semaphore's count after K_SEM_DEFINE) are kept where it
 * reads them; the rest is the layer's.
 */
#ifndef ZEPHYR_KERNEL_H
#define ZEPHYR_KERNEL_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zephyr/zms_config.h>
#include <zephyr/toolchain.h>
#include <zephyr/sys/util.h>
#include <zephyr/sys/printk.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/sys/slist.h>
#include <zephyr/sys/dlist.h>
#include <zephyr/fatal_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set by the K_*_DEFINE macros in an object defined at build time, so the
 * layer knows, before main, that it starts initialised. */
#define ZMS_STATIC_MAGIC 0x5a4d5331u

/* ---- time ---------------------------------------------------------------- */

typedef int64_t k_ticks_t;
typedef struct {
	k_ticks_t ticks;
} k_timeout_t;

#define Z_TIMEOUT_TICKS(t) ((k_timeout_t){ .ticks = (t) })
#define K_NO_WAIT Z_TIMEOUT_TICKS(0)
#define K_FOREVER Z_TIMEOUT_TICKS(-1)
#define K_TICKS(t) Z_TIMEOUT_TICKS(t)
#define K_TIMEOUT_EQ(a, b) ((a).ticks == (b).ticks)
/* Conversions round up, as Zephyr's k_ms_to_ticks_ceil64. */
#define Z_ZMS_CEIL(n, per) (((k_ticks_t)(n) * CONFIG_SYS_CLOCK_TICKS_PER_SEC + \
			     (per) - 1) / (per))
#define K_NSEC(t) Z_TIMEOUT_TICKS(Z_ZMS_CEIL(t, 1000000000LL))
#define K_USEC(t) Z_TIMEOUT_TICKS(Z_ZMS_CEIL(t, 1000000LL))
#define K_MSEC(t) Z_TIMEOUT_TICKS(Z_ZMS_CEIL(t, 1000LL))
#define K_SECONDS(t) K_MSEC((t) * 1000LL)
#define K_MINUTES(t) K_SECONDS((t) * 60LL)
#define K_HOURS(t) K_MINUTES((t) * 60LL)
#define SYS_FOREVER_MS (-1)
#define MSEC_PER_SEC 1000
#define USEC_PER_MSEC 1000

int64_t k_uptime_get(void);
uint32_t k_uptime_get_32(void);
int64_t k_uptime_ticks(void);
int64_t k_uptime_delta(int64_t *reftime);
uint32_t k_cycle_get_32(void);
uint64_t k_cycle_get_64(void);
uint32_t sys_clock_tick_get_32(void);
int64_t sys_clock_tick_get(void);
uint32_t k_ms_to_ticks_ceil32(uint32_t ms);
uint64_t k_ticks_to_ms_floor64(uint64_t t);
uint32_t k_ticks_to_ms_floor32(uint32_t t);
#define k_ticks_to_ms_ceil32(t) \
	((uint32_t)DIV_ROUND_UP((uint64_t)(t) * 1000, CONFIG_SYS_CLOCK_TICKS_PER_SEC))

/* ---- kernel object types -------------------------------------------------- */

enum k_objects {
	K_OBJ_ANY,
	K_OBJ_MEM_SLAB,
	K_OBJ_MSGQ,
	K_OBJ_MUTEX,
	K_OBJ_PIPE,
	K_OBJ_QUEUE,
	K_OBJ_POLL_SIGNAL,
	K_OBJ_SEM,
	K_OBJ_STACK,
	K_OBJ_THREAD,
	K_OBJ_TIMER,
	K_OBJ_CONDVAR,
	K_OBJ_EVENT,
	K_OBJ_THREAD_STACK_ELEMENT,
	K_OBJ_SYS_MUTEX,
	K_OBJ_FUTEX,
	K_OBJ_LAST
};

#define K_OBJ_FLAG_INITIALIZED BIT(0)
#define K_OBJ_FLAG_PUBLIC BIT(1)
#define K_OBJ_FLAG_ALLOC BIT(2)
#define K_OBJ_FLAG_DRIVER BIT(3)

/* What k_object_find() returns: the layer's view of an object. perms is
 * refreshed from memsim by k_object_find(). */
struct k_object {
	void *name;
	uint8_t perms[CONFIG_MAX_THREAD_BYTES];
	uint8_t type;
	uint8_t flags;
	uintptr_t data;
};

/* ---- threads -------------------------------------------------------------- */

struct k_thread;
typedef struct k_thread *k_tid_t;
typedef void (*k_thread_entry_t)(void *p1, void *p2, void *p3);

struct z_thread_stack_element {
	char data;
};
typedef struct z_thread_stack_element k_thread_stack_t;

struct _thread_userspace_local_data {
	int errno_var;
};

struct _thread_stack_info {
	uintptr_t start;
	size_t size;
	size_t delta;
};

struct _thread_base {
	uint8_t user_options;
	uint8_t thread_state;
	int8_t prio;
	uint8_t sched_locked;
};

struct zms_thread;	/* the layer's record */

struct k_thread {
	struct _thread_base base;
	void *init_data;
	struct k_heap *resource_pool;
	struct _thread_stack_info stack_info;
	struct _thread_userspace_local_data *userspace_local_data;
	char name[CONFIG_THREAD_MAX_NAME_LEN];
	struct zms_thread *zms;
};

/* Thread options. */
#define K_ESSENTIAL BIT(0)
#define K_FP_REGS BIT(1)
#define K_USER BIT(2)
#define K_INHERIT_PERMS BIT(3)
#define K_CALLBACK_STATE BIT(4)
#define K_SSE_REGS BIT(7)

#define K_PRIO_COOP(x) (-(CONFIG_NUM_COOP_PRIORITIES - (x)))
#define K_PRIO_PREEMPT(x) (x)
#define K_HIGHEST_THREAD_PRIO (-CONFIG_NUM_COOP_PRIORITIES)
#define K_LOWEST_THREAD_PRIO CONFIG_NUM_PREEMPT_PRIORITIES
#define K_IDLE_PRIO K_LOWEST_THREAD_PRIO
#define K_LOWEST_APPLICATION_THREAD_PRIO (K_LOWEST_THREAD_PRIO - 1)
#define K_HIGHEST_APPLICATION_THREAD_PRIO K_HIGHEST_THREAD_PRIO

/*
 * Stacks. memsim maps every thread's stack itself, with guard pages (and a
 * privileged stack for user threads), so the array a Zephyr program
 * defines is the stack *object*: its address and size name the stack to
 * k_thread_create(), its permission and in-use state are kept, but the
 * thread does not run on it (docs/zephyr.md).
 */
#define Z_ZMS_STACK_ALIGN 16
#define K_THREAD_STACK_RESERVED 0
#define K_KERNEL_STACK_RESERVED 0
#define K_THREAD_STACK_LEN(size) ROUND_UP(size, Z_ZMS_STACK_ALIGN)
#define K_KERNEL_STACK_LEN(size) K_THREAD_STACK_LEN(size)
#define Z_THREAD_STACK_SIZE_ADJUST(size) K_THREAD_STACK_LEN(size)
#define K_THREAD_STACK_DEFINE(sym, size)                                     \
	struct z_thread_stack_element __aligned(Z_ZMS_STACK_ALIGN)            \
		sym[K_THREAD_STACK_LEN(size)]
#define K_THREAD_STACK_ARRAY_DEFINE(sym, n, size)                            \
	struct z_thread_stack_element __aligned(Z_ZMS_STACK_ALIGN)            \
		sym[n][K_THREAD_STACK_LEN(size)]
#define K_THREAD_STACK_DECLARE(sym, size)                                    \
	extern struct z_thread_stack_element sym[K_THREAD_STACK_LEN(size)]
#define K_THREAD_STACK_ARRAY_DECLARE(sym, n, size)                           \
	extern struct z_thread_stack_element sym[n][K_THREAD_STACK_LEN(size)]
#define K_THREAD_STACK_EXTERN(sym) extern k_thread_stack_t sym[]
#define K_THREAD_STACK_SIZEOF(sym) (sizeof(sym) - K_THREAD_STACK_RESERVED)
#define K_THREAD_STACK_BUFFER(sym) ((char *)(sym))
#define Z_THREAD_STACK_BUFFER(sym) K_THREAD_STACK_BUFFER(sym)
#define K_KERNEL_STACK_DEFINE(sym, size) K_THREAD_STACK_DEFINE(sym, size)
#define K_KERNEL_STACK_ARRAY_DEFINE(sym, n, size)                            \
	K_THREAD_STACK_ARRAY_DEFINE(sym, n, size)
#define K_KERNEL_STACK_SIZEOF(sym) K_THREAD_STACK_SIZEOF(sym)
#define K_KERNEL_STACK_EXTERN(sym) K_THREAD_STACK_EXTERN(sym)

/* The x86 stack object's header (Zephyr's z_x86_thread_stack_header),
 * for programs that compute where Zephyr would put the privileged stack.
 * memsim keeps each user thread's privileged stack in a mapping of its own
 * (docs/zephyr.md), so an address computed from this is not it. */
struct z_x86_thread_stack_header {
	char privilege_stack[CONFIG_PRIVILEGED_STACK_SIZE];
};

/* A thread defined at build time, started before main (K_THREAD_DEFINE). */
struct zms_static_thread {
	struct k_thread *thread;
	k_thread_stack_t *stack;
	size_t stack_size;
	k_thread_entry_t entry;
	void *p1, *p2, *p3;
	int prio;
	uint32_t options;
	int32_t delay_ms;
	const char *name;
	bool kernel_only;	/* K_KERNEL_THREAD_DEFINE: never user mode */
};
#define Z_ZMS_THREAD_DEFINE(name_, stack_size_, entry_, p1_, p2_, p3_, prio_, \
			    options_, delay_, kernel_)                         \
	K_THREAD_STACK_DEFINE(_k_thread_stack_##name_, stack_size_);           \
	struct k_thread _k_thread_obj_##name_;                                 \
	static const struct zms_static_thread _zms_static_thread_##name_       \
		__attribute__((__section__("zms_static_threads"), __used__)) = { \
		&_k_thread_obj_##name_, _k_thread_stack_##name_,               \
		K_THREAD_STACK_SIZEOF(_k_thread_stack_##name_), entry_,        \
		(void *)(p1_), (void *)(p2_), (void *)(p3_), prio_, options_,  \
		delay_, #name_, kernel_ };                                     \
	const k_tid_t name_ = &_k_thread_obj_##name_
#define K_THREAD_DEFINE(name, stack_size, entry, p1, p2, p3, prio, options,  \
			delay)                                                 \
	Z_ZMS_THREAD_DEFINE(name, stack_size, entry, p1, p2, p3, prio,        \
			    options, delay, false)
#define K_KERNEL_THREAD_DEFINE(name, stack_size, entry, p1, p2, p3, prio,    \
			       options, delay)                                 \
	Z_ZMS_THREAD_DEFINE(name, stack_size, entry, p1, p2, p3, prio,        \
			    options, delay, true)

k_tid_t k_thread_create(struct k_thread *new_thread, k_thread_stack_t *stack,
			size_t stack_size, k_thread_entry_t entry, void *p1,
			void *p2, void *p3, int prio, uint32_t options,
			k_timeout_t delay);
void k_thread_start(k_tid_t thread);
int k_thread_join(struct k_thread *thread, k_timeout_t timeout);
void k_thread_abort(k_tid_t thread);
FUNC_NORETURN void k_thread_user_mode_enter(k_thread_entry_t entry, void *p1,
					    void *p2, void *p3);
k_tid_t k_current_get(void);
k_tid_t k_sched_current_thread_query(void);
void k_yield(void);
int32_t k_sleep(k_timeout_t timeout);
int32_t k_msleep(int32_t ms);
int32_t k_usleep(int32_t us);
void k_busy_wait(uint32_t usec_to_wait);
void k_wakeup(k_tid_t thread);
int k_thread_priority_get(k_tid_t thread);
void k_thread_priority_set(k_tid_t thread, int prio);
int k_thread_name_set(k_tid_t thread, const char *str);
const char *k_thread_name_get(k_tid_t thread);
void k_thread_suspend(k_tid_t thread);
void k_thread_resume(k_tid_t thread);
void k_sched_lock(void);
void k_sched_unlock(void);
int k_thread_stack_space_get(const struct k_thread *thread, size_t *unused_ptr);
k_thread_stack_t *k_thread_stack_alloc(size_t size, int flags);
int k_thread_stack_free(k_thread_stack_t *stack);
void k_thread_heap_assign(struct k_thread *thread, struct k_heap *heap);
void k_thread_system_pool_assign(struct k_thread *thread);
bool k_is_user_context(void);
bool k_is_in_isr(void);
bool k_is_pre_kernel(void);
int k_is_preempt_thread(void);
#define arch_is_user_context() k_is_user_context()
#define _is_user_context() k_is_user_context()
#define _current (k_current_get())
#define arch_current_thread() (k_current_get())
extern struct k_thread z_main_thread;

/* ---- objects and permissions ---------------------------------------------- */

void k_object_access_grant(const void *object, struct k_thread *thread);
void k_object_access_revoke(const void *object, struct k_thread *thread);
void k_object_release(const void *object);
void k_object_access_all_grant(const void *object);
void *k_object_alloc(enum k_objects otype);
void *k_object_alloc_size(enum k_objects otype, size_t size);
void k_object_free(void *obj);
bool k_object_is_valid(const void *obj, enum k_objects otype);
void zms_thread_access_grant(struct k_thread *thread, const void *const *objs);
#define k_thread_access_grant(thread, ...)                                   \
	zms_thread_access_grant(thread, (const void *const[]){ __VA_ARGS__, NULL })

/* ---- semaphores ----------------------------------------------------------- */

#define K_SEM_MAX_LIMIT UINT_MAX
struct k_sem {
	unsigned int count;
	unsigned int limit;
	uint32_t zms_magic;
};
#define Z_SEM_INITIALIZER(obj, initial, max)                                 \
	{ .count = (initial), .limit = (max), .zms_magic = ZMS_STATIC_MAGIC }
#define K_SEM_DEFINE(name, initial, max)                                     \
	struct k_sem name = Z_SEM_INITIALIZER(name, initial, max);            \
	BUILD_ASSERT(((max) != 0) && ((initial) <= (max)))
int k_sem_init(struct k_sem *sem, unsigned int initial_count,
	       unsigned int limit);
int k_sem_take(struct k_sem *sem, k_timeout_t timeout);
void k_sem_give(struct k_sem *sem);
void k_sem_reset(struct k_sem *sem);
unsigned int k_sem_count_get(struct k_sem *sem);

/* ---- mutexes -------------------------------------------------------------- */

struct k_mutex {
	struct k_thread *owner;
	uint32_t lock_count;
	uint32_t zms_magic;
};
#define Z_MUTEX_INITIALIZER(obj) { .owner = NULL, .zms_magic = ZMS_STATIC_MAGIC }
#define K_MUTEX_DEFINE(name) struct k_mutex name = Z_MUTEX_INITIALIZER(name)
int k_mutex_init(struct k_mutex *mutex);
int k_mutex_lock(struct k_mutex *mutex, k_timeout_t timeout);
int k_mutex_unlock(struct k_mutex *mutex);

/* ---- queues, FIFOs, LIFOs ------------------------------------------------- */

struct k_queue {
	sys_slist_t data_q;
	uint32_t zms_magic;
};
#define Z_QUEUE_INITIALIZER(obj) { .zms_magic = ZMS_STATIC_MAGIC }
#define K_QUEUE_DEFINE(name) struct k_queue name = Z_QUEUE_INITIALIZER(name)
void k_queue_init(struct k_queue *queue);
void k_queue_cancel_wait(struct k_queue *queue);
void k_queue_append(struct k_queue *queue, void *data);
void k_queue_prepend(struct k_queue *queue, void *data);
int32_t k_queue_alloc_append(struct k_queue *queue, void *data);
int32_t k_queue_alloc_prepend(struct k_queue *queue, void *data);
void k_queue_insert(struct k_queue *queue, void *prev, void *data);
int k_queue_append_list(struct k_queue *queue, void *head, void *tail);
void *k_queue_get(struct k_queue *queue, k_timeout_t timeout);
bool k_queue_remove(struct k_queue *queue, void *data);
bool k_queue_unique_append(struct k_queue *queue, void *data);
int k_queue_is_empty(struct k_queue *queue);
void *k_queue_peek_head(struct k_queue *queue);
void *k_queue_peek_tail(struct k_queue *queue);

struct k_fifo {
	struct k_queue _queue;
};
#define K_FIFO_DEFINE(name) struct k_fifo name = { Z_QUEUE_INITIALIZER(name) }
#define k_fifo_init(fifo) k_queue_init(&(fifo)->_queue)
#define k_fifo_put(fifo, data) k_queue_append(&(fifo)->_queue, data)
#define k_fifo_alloc_put(fifo, data) k_queue_alloc_append(&(fifo)->_queue, data)
#define k_fifo_get(fifo, timeout) k_queue_get(&(fifo)->_queue, timeout)
#define k_fifo_is_empty(fifo) k_queue_is_empty(&(fifo)->_queue)
#define k_fifo_cancel_wait(fifo) k_queue_cancel_wait(&(fifo)->_queue)
struct k_lifo {
	struct k_queue _queue;
};
#define K_LIFO_DEFINE(name) struct k_lifo name = { Z_QUEUE_INITIALIZER(name) }
#define k_lifo_init(lifo) k_queue_init(&(lifo)->_queue)
#define k_lifo_put(lifo, data) k_queue_prepend(&(lifo)->_queue, data)
#define k_lifo_alloc_put(lifo, data) k_queue_alloc_prepend(&(lifo)->_queue, data)
#define k_lifo_get(lifo, timeout) k_queue_get(&(lifo)->_queue, timeout)

/* ---- message queues ------------------------------------------------------- */

struct k_msgq {
	size_t msg_size;
	uint32_t max_msgs;
	char *buffer_start;
	uint32_t used_msgs;
	uint32_t zms_magic;
};
struct k_msgq_attrs {
	size_t msg_size;
	uint32_t max_msgs;
	uint32_t used_msgs;
};
#define K_MSGQ_DEFINE(name, size, max, align)                                \
	struct k_msgq name = { .msg_size = (size), .max_msgs = (max),         \
			       .zms_magic = ZMS_STATIC_MAGIC }
void k_msgq_init(struct k_msgq *msgq, char *buffer, size_t msg_size,
		 uint32_t max_msgs);
int k_msgq_alloc_init(struct k_msgq *msgq, size_t msg_size, uint32_t max_msgs);
int k_msgq_cleanup(struct k_msgq *msgq);
int k_msgq_put(struct k_msgq *msgq, const void *data, k_timeout_t timeout);
int k_msgq_get(struct k_msgq *msgq, void *data, k_timeout_t timeout);
int k_msgq_peek(struct k_msgq *msgq, void *data);
void k_msgq_purge(struct k_msgq *msgq);
uint32_t k_msgq_num_free_get(struct k_msgq *msgq);
uint32_t k_msgq_num_used_get(struct k_msgq *msgq);
void k_msgq_get_attrs(struct k_msgq *msgq, struct k_msgq_attrs *attrs);

/* ---- stacks --------------------------------------------------------------- */

typedef uintptr_t stack_data_t;
struct k_stack {
	uint32_t max_entries;
	uint32_t zms_magic;
};
#define K_STACK_DEFINE(name, n)                                              \
	struct k_stack name = { .max_entries = (n), .zms_magic = ZMS_STATIC_MAGIC }
void k_stack_init(struct k_stack *stack, stack_data_t *buffer,
		  uint32_t num_entries);
int32_t k_stack_alloc_init(struct k_stack *stack, uint32_t num_entries);
int k_stack_cleanup(struct k_stack *stack);
int k_stack_push(struct k_stack *stack, stack_data_t data);
int k_stack_pop(struct k_stack *stack, stack_data_t *data, k_timeout_t timeout);

/* ---- pipes (Zephyr 4.x k_pipe_write / k_pipe_read) ------------------------ */

struct k_pipe {
	size_t size;
	uint32_t zms_magic;
};
#define K_PIPE_DEFINE(name, pipe_buffer_size, pipe_align)                    \
	struct k_pipe name = { .size = (pipe_buffer_size),                    \
			       .zms_magic = ZMS_STATIC_MAGIC }
void k_pipe_init(struct k_pipe *pipe, uint8_t *buffer, size_t buffer_size);
int k_pipe_write(struct k_pipe *pipe, const uint8_t *data, size_t len,
		 k_timeout_t timeout);
int k_pipe_read(struct k_pipe *pipe, uint8_t *data, size_t len,
		k_timeout_t timeout);

/* ---- timers --------------------------------------------------------------- */

struct k_timer;
typedef void (*k_timer_expiry_t)(struct k_timer *timer);
typedef void (*k_timer_stop_t)(struct k_timer *timer);
struct k_timer {
	k_timer_expiry_t expiry_fn;
	k_timer_stop_t stop_fn;
	void *user_data;
	uint32_t zms_magic;
};
#define K_TIMER_DEFINE(name, expiry, stop)                                   \
	struct k_timer name = { .expiry_fn = (expiry), .stop_fn = (stop),     \
				.zms_magic = ZMS_STATIC_MAGIC }
void k_timer_init(struct k_timer *timer, k_timer_expiry_t expiry_fn,
		  k_timer_stop_t stop_fn);
void k_timer_start(struct k_timer *timer, k_timeout_t duration,
		   k_timeout_t period);
void k_timer_stop(struct k_timer *timer);
uint32_t k_timer_status_get(struct k_timer *timer);
uint32_t k_timer_status_sync(struct k_timer *timer);
static inline void k_timer_user_data_set(struct k_timer *t, void *d)
{
	t->user_data = d;
}
static inline void *k_timer_user_data_get(const struct k_timer *t)
{
	return t->user_data;
}

/* ---- futexes -------------------------------------------------------------- */

struct k_futex {
	atomic_t val;
};
int k_futex_wait(struct k_futex *futex, int expected, k_timeout_t timeout);
int k_futex_wake(struct k_futex *futex, bool wake_all);

/* ---- heaps ---------------------------------------------------------------- */

struct ms_heap;
struct z_heap;
struct sys_heap {
	struct z_heap *heap;	/* the first byte of the arena */
	void *init_mem;
	size_t init_bytes;
};
struct k_heap {
	struct sys_heap heap;
	struct ms_heap *zms_heap;
	uint32_t zms_magic;
};
#define Z_HEAP_MIN_SIZE 64
#define K_HEAP_DEFINE(name, bytes)                                           \
	char __aligned(8) kheap_##name[bytes];                                 \
	struct k_heap name = { .heap = { .init_mem = kheap_##name,            \
					 .init_bytes = (bytes) },             \
			       .zms_magic = ZMS_STATIC_MAGIC }
#define K_HEAP_DEFINE_NOCACHE(name, bytes) K_HEAP_DEFINE(name, bytes)
#define K_HEAP_MEM_POOL_SIZE CONFIG_HEAP_MEM_POOL_SIZE
void k_heap_init(struct k_heap *h, void *mem, size_t bytes);
void *k_heap_alloc(struct k_heap *h, size_t bytes, k_timeout_t timeout);
void *k_heap_aligned_alloc(struct k_heap *h, size_t align, size_t bytes,
			   k_timeout_t timeout);
void *k_heap_calloc(struct k_heap *h, size_t num, size_t size,
		    k_timeout_t timeout);
void *k_heap_realloc(struct k_heap *h, void *ptr, size_t bytes,
		     k_timeout_t timeout);
void k_heap_free(struct k_heap *h, void *mem);
void *k_malloc(size_t size);
void *k_calloc(size_t nmemb, size_t size);
void *k_aligned_alloc(size_t align, size_t size);
void *k_realloc(void *ptr, size_t size);
void k_free(void *ptr);

/* ---- memory domains ------------------------------------------------------- */

typedef uint32_t k_mem_partition_attr_t;
struct k_mem_partition {
	uintptr_t start;
	size_t size;
	k_mem_partition_attr_t attr;
};
struct zms_domain;
struct k_mem_domain {
	struct zms_domain *zms;
	uint32_t zms_id;
	uint32_t num_partitions;
};
/* Attributes: the user and supervisor rights of memsim's enum ms_perm
 * (read 1, write 2, exec 4), user in bits 0-2, supervisor in bits 4-6. */
#define Z_ZMS_ATTR(u, s) ((k_mem_partition_attr_t)((u) | ((s) << 4)))
#define K_MEM_PARTITION_P_NA_U_NA Z_ZMS_ATTR(0, 0)
#define K_MEM_PARTITION_P_RW_U_RW Z_ZMS_ATTR(3, 3)
#define K_MEM_PARTITION_P_RW_U_RO Z_ZMS_ATTR(1, 3)
#define K_MEM_PARTITION_P_RW_U_NA Z_ZMS_ATTR(0, 3)
#define K_MEM_PARTITION_P_RO_U_RO Z_ZMS_ATTR(1, 1)
#define K_MEM_PARTITION_P_RO_U_NA Z_ZMS_ATTR(0, 1)
#define K_MEM_PARTITION_P_RX_U_RX Z_ZMS_ATTR(5, 5)
#define K_MEM_PARTITION_P_RWX_U_RWX Z_ZMS_ATTR(7, 7)
#define K_MEM_PARTITION_P_RWX_U_RX Z_ZMS_ATTR(5, 7)
#define K_MEM_PARTITION_IS_WRITABLE(attr) (((attr) & 0x20) != 0)
#define K_MEM_PARTITION_IS_EXECUTABLE(attr) (((attr) & 0x40) != 0)
#define K_MEM_PARTITION_DEFINE(name, start_, size_, attr_)                   \
	struct k_mem_partition name = { .start = (uintptr_t)(start_),         \
					.size = (size_), .attr = (attr_) }
extern struct k_mem_domain k_mem_domain_default;
int k_mem_domain_init(struct k_mem_domain *domain, uint8_t num_parts,
		      struct k_mem_partition *parts[]);
int k_mem_domain_add_partition(struct k_mem_domain *domain,
			       struct k_mem_partition *part);
int k_mem_domain_remove_partition(struct k_mem_domain *domain,
				  struct k_mem_partition *part);
int k_mem_domain_add_thread(struct k_mem_domain *domain, k_tid_t thread);
int k_mem_domain_deinit(struct k_mem_domain *domain);
int arch_mem_domain_max_partitions_get(void);

/* ---- fatal errors and interrupts ------------------------------------------ */

FUNC_NORETURN void k_fatal_halt(unsigned int reason);
void k_sys_fatal_error_handler(unsigned int reason, const struct arch_esf *esf);
FUNC_NORETURN void z_except_reason(unsigned int reason);
#define k_oops() z_except_reason(K_ERR_KERNEL_OOPS)
#define k_panic() z_except_reason(K_ERR_KERNEL_PANIC)

unsigned int irq_lock(void);
void irq_unlock(unsigned int key);
bool arch_irq_unlocked(unsigned int key);

static inline uint32_t sys_clock_hw_cycles_per_sec(void)
{
	return CONFIG_SYS_CLOCK_HW_CYCLES_PER_SEC;
}

/* errno of the calling thread */
int *z_errno(void);

#ifdef __cplusplus
}
#endif

#include <zephyr/app_memory/app_memdomain.h>

#endif
