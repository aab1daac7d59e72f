/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: atomics over the compiler's builtins. */
#ifndef ZEPHYR_SYS_ATOMIC_H
#define ZEPHYR_SYS_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

typedef long atomic_t;
typedef atomic_t atomic_val_t;
typedef void *atomic_ptr_t;

#define ATOMIC_INIT(v) (v)
#define ATOMIC_BITS (sizeof(atomic_val_t) * 8)
#define ATOMIC_BITMAP_SIZE(n) (((n) + ATOMIC_BITS - 1) / ATOMIC_BITS)
#define ATOMIC_DEFINE(name, n) atomic_t name[ATOMIC_BITMAP_SIZE(n)]

static inline bool atomic_cas(atomic_t *t, atomic_val_t old, atomic_val_t nv)
{
	return __atomic_compare_exchange_n(t, &old, nv, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}
static inline atomic_val_t atomic_add(atomic_t *t, atomic_val_t v)
{
	return __atomic_fetch_add(t, v, __ATOMIC_SEQ_CST);
}
static inline atomic_val_t atomic_sub(atomic_t *t, atomic_val_t v)
{
	return __atomic_fetch_sub(t, v, __ATOMIC_SEQ_CST);
}
static inline atomic_val_t atomic_inc(atomic_t *t) { return atomic_add(t, 1); }
static inline atomic_val_t atomic_dec(atomic_t *t) { return atomic_sub(t, 1); }
static inline atomic_val_t atomic_get(const atomic_t *t)
{
	return __atomic_load_n(t, __ATOMIC_SEQ_CST);
}
static inline atomic_val_t atomic_set(atomic_t *t, atomic_val_t v)
{
	return __atomic_exchange_n(t, v, __ATOMIC_SEQ_CST);
}
static inline atomic_val_t atomic_clear(atomic_t *t) { return atomic_set(t, 0); }
static inline atomic_val_t atomic_or(atomic_t *t, atomic_val_t v)
{
	return __atomic_fetch_or(t, v, __ATOMIC_SEQ_CST);
}
static inline atomic_val_t atomic_and(atomic_t *t, atomic_val_t v)
{
	return __atomic_fetch_and(t, v, __ATOMIC_SEQ_CST);
}
static inline bool atomic_test_bit(const atomic_t *t, int bit)
{
	return (atomic_get(&t[bit / ATOMIC_BITS]) >> (bit % ATOMIC_BITS)) & 1;
}
static inline void atomic_set_bit(atomic_t *t, int bit)
{
	atomic_or(&t[bit / ATOMIC_BITS], 1L << (bit % ATOMIC_BITS));
}
static inline void atomic_clear_bit(atomic_t *t, int bit)
{
	atomic_and(&t[bit / ATOMIC_BITS], ~(1L << (bit % ATOMIC_BITS)));
}

#endif
