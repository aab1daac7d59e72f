/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the state shared by its files.
 *
 * The Zephyr API has no context argument: a Zephyr program has one kernel.
 * So the layer keeps one process-wide struct zms_kernel (the sim it runs
 * on, and its records of Zephyr objects keyed by their addresses). The
 * records live in host memory the layer owns, never in the Zephyr
 * structures themselves: a user thread's call reads no kernel memory it
 * could not read on Zephyr, and the structures keep only what Zephyr
 * programs read from them.
 */
#ifndef ZMS_PRIV_H
#define ZMS_PRIV_H

#include <glib.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>

#include <memsim/memsim.h>

#include <zephyr/kernel.h>
#include <zephyr/ztest.h>
#include <zephyr/internal/syscall_handler.h>

/* A Zephyr object the layer knows: found in the program before main,
 * allocated with k_object_alloc, or met by a supervisor call. */
struct zms_obj {
	const void *addr;
	enum k_objects type;
	ms_handle h;		/* memsim object; NONE for layer-only types */
	size_t size;		/* bytes of the Zephyr structure */
	bool dynamic;		/* from k_object_alloc: memory is ours */
	bool layer_init;	/* layer-only types: initialised */
	bool in_use;		/* a thread stack a live thread runs on */
	bool adopted;		/* memory a supervisor used as an object */
	struct k_object ko;	/* what k_object_find hands out */
	/* futexes: the queue their waiters block on, and how many wait */
	ms_handle wq;
	uint32_t waiters;
};

/* A thread: its Zephyr structure, the memsim thread, and its start. */
struct zms_thread {
	struct k_thread *kt;
	ms_tid tid;		/* MS_TID_NONE before it is created */
	k_thread_entry_t entry;
	void *p1, *p2, *p3;
	uint32_t options;
	int prio;
	bool user;
	bool started;		/* created on memsim */
	bool essential;
	bool kernel_only;	/* on a kernel stack: user mode is a panic */
	ms_handle gate;		/* K_FOREVER: waits here for k_thread_start */
	bool gate_wait;
	int64_t delay;		/* memsim ticks to sleep first */
	k_thread_stack_t *stack;
	size_t stack_size;
	struct k_heap *pool;
	bool in_case;		/* made while a test ran: aborted if it hangs */
	int in_syscall;		/* inside a test-defined syscall */
	struct zms_domain *domain;
};

struct zms_part_rec {
	struct k_mem_partition *part;
	const char *name;
};

struct zms_kernel {
	struct ms_sim *sim;
	GHashTable *objs;	/* address -> struct zms_obj */
	GHashTable *threads;	/* struct k_thread * -> struct zms_thread */
	GHashTable *by_tid;	/* tid -> struct zms_thread */
	ms_tid keeper;		/* holds a permission on every static object */
	ms_handle keeper_sem;
	uintptr_t load_bias;
	char *arena;		/* memsim's arena: the program's partitions and data */
	/* interrupt context (irq_offload), the fatal hook */
	int isr_depth;
	unsigned irq_key;
	bool in_fatal;
	ms_tid fatal_tid;
	jmp_buf *halt_jmp;
	bool halted;
	unsigned halt_reason;
	/* the run */
	bool case_running;
	bool case_ended;	/* a thread other than the test's ended it */
	int verbose;
	/* output */
	FILE *out;
};

extern struct zms_kernel zms;

/* The layer's kernel objects (the main and test threads, their stacks,
 * the default domain) are kernel memory: the linker script puts this
 * section in memsim's arena, outside every partition. */
#define ZMS_KDATA __attribute__((__section__("zms_kdata_layer")))

#define ZMS_TICKS(timeout) zms_ticks(timeout)
int64_t zms_ticks(k_timeout_t t);
uint64_t zms_now_ms(void);

/* objects.c */
struct zms_obj *zms_obj_lookup(const void *addr);
struct zms_obj *zms_obj_add(const void *addr, enum k_objects type, size_t size);
int zms_obj_discover(void);
int zms_obj_register_static(void);
ms_handle zms_handle(const void *addr, enum k_objects type);
const char *zms_obj_name(enum k_objects type);
size_t zms_obj_size(enum k_objects type);
int zms_obj_memsim_type(enum k_objects type);
void zms_keep(ms_handle h);

/* thread.c */
struct zms_thread *zms_thread_of(const struct k_thread *kt);
struct zms_thread *zms_thread_by_tid(ms_tid tid);
struct zms_thread *zms_thread_self(void);
bool zms_user(void);
int zms_thread_create_on(struct zms_thread *t, bool host);
void zms_threads_abort_case(void);
void zms_threads_case_done(void);

/* fatal.c */
void zms_fatal_hook(struct ms_sim *sim, const struct ms_fault *f, void *user);
FUNC_NORETURN void zms_oops_self(const char *why);
FUNC_NORETURN void zms_fatal_self(unsigned reason, const char *why);

/* ztest.c */
void zms_ztest_run(void);
bool zms_ztest_done(void);
int zms_ztest_report(const char *json_path);
void zms_ztest_case_hung(const char *why);
void zms_ztest_note_fault(const struct ms_fault *f, bool accepted);
extern const char *zms_filter;
extern struct k_thread ztest_thread;

/* domain.c */
int zms_domains_init(void);
bool zms_domain_allows(ms_tid tid, uintptr_t lo, uintptr_t hi, int write);
int zms_app_parts_init(void);

/* heap.c */
int zms_heaps_init(void);

#endif
