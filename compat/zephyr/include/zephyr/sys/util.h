/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the utility macros tests use. */
#ifndef ZEPHYR_SYS_UTIL_H
#define ZEPHYR_SYS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <zephyr/toolchain.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define CONTAINER_OF(ptr, type, field) \
	((type *)(((char *)(ptr)) - offsetof(type, field)))
#define ROUND_UP(x, a) ((((unsigned long)(x) + ((a) - 1)) / (a)) * (a))
#define ROUND_DOWN(x, a) (((unsigned long)(x) / (a)) * (a))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#ifndef MIN
#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef CLAMP
#define CLAMP(v, lo, hi) MIN(MAX(v, lo), hi)
#endif
#define BIT(n) (1UL << (n))
#define BIT64(n) (1ULL << (n))
#define BIT_MASK(n) (BIT(n) - 1UL)
#define IS_ALIGNED(x, a) (((uintptr_t)(x) & ((a) - 1)) == 0)
#define POPCOUNT(x) __builtin_popcount(x)
#define KB(x) ((x) << 10)
#define MB(x) (KB(x) << 10)
#define WAIT_FOREVER (-1)
#define IS_ENABLED(opt) Z_IS_ENABLED1(opt)
#define Z_IS_ENABLED1(v) Z_IS_ENABLED2(_ZMS_XXXX##v)
#define _ZMS_XXXX1 _ZMS_YYYY,
#define Z_IS_ENABLED2(one_or_two_args) Z_IS_ENABLED3(one_or_two_args 1, 0)
#define Z_IS_ENABLED3(ignore_this, val, ...) val

/* FOR_EACH(F, sep, a, b, ...): F(a) sep F(b) sep ..., up to 16. */
#define Z_FE_1(F, s, x) F(x)
#define Z_FE_2(F, s, x, ...) F(x) __DEBRACKET s Z_FE_1(F, s, __VA_ARGS__)
#define Z_FE_3(F, s, x, ...) F(x) __DEBRACKET s Z_FE_2(F, s, __VA_ARGS__)
#define Z_FE_4(F, s, x, ...) F(x) __DEBRACKET s Z_FE_3(F, s, __VA_ARGS__)
#define Z_FE_5(F, s, x, ...) F(x) __DEBRACKET s Z_FE_4(F, s, __VA_ARGS__)
#define Z_FE_6(F, s, x, ...) F(x) __DEBRACKET s Z_FE_5(F, s, __VA_ARGS__)
#define Z_FE_7(F, s, x, ...) F(x) __DEBRACKET s Z_FE_6(F, s, __VA_ARGS__)
#define Z_FE_8(F, s, x, ...) F(x) __DEBRACKET s Z_FE_7(F, s, __VA_ARGS__)
#define Z_FE_9(F, s, x, ...) F(x) __DEBRACKET s Z_FE_8(F, s, __VA_ARGS__)
#define Z_FE_10(F, s, x, ...) F(x) __DEBRACKET s Z_FE_9(F, s, __VA_ARGS__)
#define Z_FE_11(F, s, x, ...) F(x) __DEBRACKET s Z_FE_10(F, s, __VA_ARGS__)
#define Z_FE_12(F, s, x, ...) F(x) __DEBRACKET s Z_FE_11(F, s, __VA_ARGS__)
#define Z_FE_13(F, s, x, ...) F(x) __DEBRACKET s Z_FE_12(F, s, __VA_ARGS__)
#define Z_FE_14(F, s, x, ...) F(x) __DEBRACKET s Z_FE_13(F, s, __VA_ARGS__)
#define Z_FE_15(F, s, x, ...) F(x) __DEBRACKET s Z_FE_14(F, s, __VA_ARGS__)
#define Z_FE_16(F, s, x, ...) F(x) __DEBRACKET s Z_FE_15(F, s, __VA_ARGS__)
#define Z_FE_N(_16, _15, _14, _13, _12, _11, _10, _9, _8, _7, _6, _5, _4, _3, \
	       _2, _1, N, ...) N
#define __DEBRACKET(...) __VA_ARGS__
#define FOR_EACH(F, sep, ...)                                                \
	Z_FE_N(__VA_ARGS__, Z_FE_16, Z_FE_15, Z_FE_14, Z_FE_13, Z_FE_12,     \
	       Z_FE_11, Z_FE_10, Z_FE_9, Z_FE_8, Z_FE_7, Z_FE_6, Z_FE_5,     \
	       Z_FE_4, Z_FE_3, Z_FE_2, Z_FE_1)(F, sep, __VA_ARGS__)

#endif
