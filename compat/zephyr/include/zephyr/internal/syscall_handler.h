/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the helpers a syscall verifier (z_vrfy_*) uses.
 *
 * Each check answers for the thread that made the syscall: 0 when the
 * memory or object is usable, non-zero otherwise (K_OOPS then kills the
 * caller with K_ERR_KERNEL_OOPS, as in Zephyr).
 */
#ifndef ZEPHYR_INTERNAL_SYSCALL_HANDLER_H
#define ZEPHYR_INTERNAL_SYSCALL_HANDLER_H

#include <zephyr/kernel.h>
#include <zephyr/zms_syscall.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0: the calling user thread may read (write: write) [addr, addr+size). */
int k_usermode_check(const void *addr, size_t size, int write);
int k_usermode_from_copy(void *dst, const void *src, size_t size);
int k_usermode_to_copy(void *dst, const void *src, size_t size);
int k_usermode_string_copy(char *dst, const char *src, size_t maxlen);
size_t k_usermode_string_nlen(const char *src, size_t maxlen, int *err);
char *k_usermode_string_alloc_copy(const char *src, size_t maxlen);
void *k_usermode_alloc_from_copy(const void *src, size_t size);
bool k_is_in_user_syscall(void);

struct k_object *k_object_find(const void *obj);
int k_object_validate(struct k_object *ko, enum k_objects otype, int init);
int k_object_validation_check(struct k_object *ko, const void *obj,
			      enum k_objects otype, int init);
void k_object_init(const void *obj);
void k_object_uninit(const void *obj);
void k_object_recycle(const void *obj);
void k_object_wordlist_foreach(void (*func)(struct k_object *, void *),
			       void *context);
const char *otype_to_str(enum k_objects otype);
FUNC_NORETURN void zms_syscall_oops(const char *file, int line,
				    const char *what);

/* _OBJ_INIT_* of k_object_validate */
#define _OBJ_INIT_TRUE 0
#define _OBJ_INIT_FALSE (-1)
#define _OBJ_INIT_ANY 1

#define K_OOPS(expr)                                                          \
	do {                                                                   \
		if (expr)                                                      \
			zms_syscall_oops(__FILE__, __LINE__, #expr);           \
	} while (false)
#define K_SYSCALL_VERIFY_MSG(expr, fmt, ...)                                  \
	({                                                                     \
		bool expr_ = (expr);                                           \
		if (!expr_)                                                    \
			printk("syscall %s failed check: " fmt "\n", __func__, \
			       ##__VA_ARGS__);                                 \
		!expr_;                                                        \
	})
#define K_SYSCALL_VERIFY(expr) K_SYSCALL_VERIFY_MSG(expr, #expr)
#define K_SYSCALL_MEMORY(ptr, size, write)                                    \
	K_SYSCALL_VERIFY_MSG(k_usermode_check((const void *)(ptr), size,      \
					      write) == 0,                     \
			     "Memory region %p (size %zu) %s access denied",   \
			     (void *)(ptr), (size_t)(size),                    \
			     (write) ? "write" : "read")
#define K_SYSCALL_MEMORY_READ(ptr, size) K_SYSCALL_MEMORY(ptr, size, 0)
#define K_SYSCALL_MEMORY_WRITE(ptr, size) K_SYSCALL_MEMORY(ptr, size, 1)
#define K_SYSCALL_MEMORY_ARRAY(ptr, nmemb, size, write)                       \
	({                                                                     \
		size_t product_;                                               \
		K_SYSCALL_VERIFY_MSG(!__builtin_mul_overflow(nmemb, size,      \
							     &product_),       \
				     "%zux%zu overflow", (size_t)(nmemb),      \
				     (size_t)(size)) ||                        \
			K_SYSCALL_MEMORY(ptr, product_, write);                \
	})
#define K_SYSCALL_MEMORY_ARRAY_READ(ptr, nmemb, size)                         \
	K_SYSCALL_MEMORY_ARRAY(ptr, nmemb, size, 0)
#define K_SYSCALL_MEMORY_ARRAY_WRITE(ptr, nmemb, size)                        \
	K_SYSCALL_MEMORY_ARRAY(ptr, nmemb, size, 1)
#define K_SYSCALL_IS_OBJ(ptr, type, init)                                     \
	K_SYSCALL_VERIFY_MSG(k_object_validation_check(k_object_find(         \
				     (const void *)(ptr)),                     \
				     (const void *)(ptr), type, init) == 0,    \
			     "access denied")
#define K_SYSCALL_OBJ(ptr, type) K_SYSCALL_IS_OBJ(ptr, type, _OBJ_INIT_TRUE)
#define K_SYSCALL_OBJ_INIT(ptr, type) K_SYSCALL_IS_OBJ(ptr, type, _OBJ_INIT_ANY)
#define K_SYSCALL_OBJ_NEVER_INIT(ptr, type)                                   \
	K_SYSCALL_IS_OBJ(ptr, type, _OBJ_INIT_FALSE)

/* The names before Zephyr 3.5. */
#define Z_OOPS K_OOPS
#define Z_SYSCALL_VERIFY_MSG K_SYSCALL_VERIFY_MSG
#define Z_SYSCALL_VERIFY K_SYSCALL_VERIFY
#define Z_SYSCALL_MEMORY_READ K_SYSCALL_MEMORY_READ
#define Z_SYSCALL_MEMORY_WRITE K_SYSCALL_MEMORY_WRITE
#define Z_SYSCALL_MEMORY_ARRAY_READ K_SYSCALL_MEMORY_ARRAY_READ
#define Z_SYSCALL_MEMORY_ARRAY_WRITE K_SYSCALL_MEMORY_ARRAY_WRITE
#define Z_SYSCALL_OBJ K_SYSCALL_OBJ
#define Z_SYSCALL_OBJ_INIT K_SYSCALL_OBJ_INIT
#define Z_SYSCALL_OBJ_NEVER_INIT K_SYSCALL_OBJ_NEVER_INIT
#define z_user_from_copy k_usermode_from_copy
#define z_user_to_copy k_usermode_to_copy
#define z_user_string_copy k_usermode_string_copy
#define z_user_string_nlen k_usermode_string_nlen
#define z_user_string_alloc_copy k_usermode_string_alloc_copy
#define z_object_find k_object_find
#define z_object_validate k_object_validate
#define z_obj_validation_check k_object_validation_check
#define z_object_recycle k_object_recycle
#define z_object_init k_object_init
#define z_object_uninit k_object_uninit
#define z_is_in_user_syscall k_is_in_user_syscall

/* arch_syscall_invoke0: a raw syscall by number from user mode. memsim's
 * layer has no syscall table, so every number is an invalid one (oops). */
uintptr_t arch_syscall_invoke0(uintptr_t call_id);

#ifdef __cplusplus
}
#endif
#endif
