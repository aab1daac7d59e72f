/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: compiler attributes under Zephyr's names (GCC). */
#ifndef ZEPHYR_TOOLCHAIN_H
#define ZEPHYR_TOOLCHAIN_H

#ifndef __aligned
#define __aligned(x) __attribute__((__aligned__(x)))
#endif
#define __packed __attribute__((__packed__))
#define __used __attribute__((__used__))
#define __unused __attribute__((__unused__))
#define __maybe_unused __attribute__((__unused__))
#define __weak __attribute__((__weak__))
#define __noinit
#define __deprecated __attribute__((__deprecated__))
#define __printf_like(f, a) __attribute__((__format__(__printf__, f, a)))
#define __section(x) __attribute__((__section__(x)))
#define __syscall static inline
#define __syscall_always_inline static inline __attribute__((__always_inline__))
#define __subsystem
#define __fallthrough __attribute__((__fallthrough__))
#define __noreturn __attribute__((__noreturn__))
#define FUNC_NORETURN __attribute__((__noreturn__))
#define ALWAYS_INLINE inline __attribute__((__always_inline__))
#define CODE_UNREACHABLE __builtin_unreachable()
#define ARG_UNUSED(x) (void)(x)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define compiler_barrier() __asm__ __volatile__("" ::: "memory")
#define BUILD_ASSERT(expr, ...) _Static_assert(expr, "" __VA_ARGS__)
#define __ASSERT_NO_MSG(x) ((void)0)
#define __ASSERT(x, ...) ((void)0)
#define STRINGIFY(x) Z_STRINGIFY(x)
#define Z_STRINGIFY(x) #x
#define _CONCAT(a, b) a##b
#define CONCAT(a, b) _CONCAT(a, b)

#endif
