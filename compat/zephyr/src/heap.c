/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: heaps (k_heap, k_malloc) over memsim's heaps.
 *
 * A struct k_heap is a memsim named heap, made when it is first used (a
 * K_HEAP_DEFINE or k_heap_init); the system pool (K_HEAP_MEM_POOL_SIZE,
 * k_malloc, k_thread_system_pool_assign) is memsim's system heap.
 * Allocation is memsim's raw allocation (sys_heap_alloc): the heap-exact
 * calls, waiting for room, and k_malloc on a thread's own pool come with
 * memsim's heap work (issue 23).
 *
 * Invariant: h->zms_heap is NULL until the heap is made, then the memsim
 * heap for the rest of the run.
 */
#include "zms.h"

static struct k_heap system_pool;

static struct ms_heap *heap_of(struct k_heap *h)
{
	char name[32];
	size_t bytes;

	if (h == &system_pool || !h)
		return ms_heap_system(zms.sim);
	if (h->zms_heap)
		return h->zms_heap;
	bytes = h->heap.init_bytes;
	if (bytes < MS_HEAP_MIN_SIZE)
		bytes = MS_HEAP_MIN_SIZE;
	snprintf(name, sizeof(name), "k_heap@%" PRIxPTR,
		 (uintptr_t)h - zms.load_bias);
	if (ms_heap_create(zms.sim, name, bytes, &h->zms_heap) < 0)
		return NULL;
	return h->zms_heap;
}

int zms_heaps_init(void)
{
	system_pool.heap.init_bytes = K_HEAP_MEM_POOL_SIZE;
	z_main_thread.resource_pool = &system_pool;
	return 0;
}

void k_heap_init(struct k_heap *h, void *mem, size_t bytes)
{
	h->heap.init_mem = mem;
	h->heap.init_bytes = bytes;
	h->zms_heap = NULL;
	heap_of(h);
}

void *k_heap_alloc(struct k_heap *h, size_t bytes, k_timeout_t timeout)
{
	struct ms_heap *mh = heap_of(h);
	void *p = NULL;

	(void)timeout;
	if (!mh || bytes == 0 || ms_heap_alloc_raw(mh, bytes, &p) < 0)
		return NULL;
	return p;
}

void *k_heap_aligned_alloc(struct k_heap *h, size_t align, size_t bytes,
			   k_timeout_t timeout)
{
	if (align > MS_HEAP_ALIGN)
		return NULL;	/* memsim's heap aligns to 8 (issue 23) */
	return k_heap_alloc(h, bytes, timeout);
}

void *k_heap_calloc(struct k_heap *h, size_t num, size_t size,
		    k_timeout_t timeout)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(num, size, &n))
		return NULL;
	p = k_heap_alloc(h, n, timeout);
	if (p)
		memset(p, 0, n);
	return p;
}

void *k_heap_realloc(struct k_heap *h, void *ptr, size_t bytes,
		     k_timeout_t timeout)
{
	(void)h;
	(void)ptr;
	(void)bytes;
	(void)timeout;
	return NULL;	/* issue 23 */
}

void k_heap_free(struct k_heap *h, void *mem)
{
	(void)h;
	if (mem)
		ms_heap_free(zms.sim, mem);
}

void *k_malloc(size_t size)
{
	return k_heap_alloc(&system_pool, size, K_NO_WAIT);
}

void *k_calloc(size_t nmemb, size_t size)
{
	return k_heap_calloc(&system_pool, nmemb, size, K_NO_WAIT);
}

void *k_aligned_alloc(size_t align, size_t size)
{
	return k_heap_aligned_alloc(&system_pool, align, size, K_NO_WAIT);
}

void *k_realloc(void *ptr, size_t size)
{
	return k_heap_realloc(&system_pool, ptr, size, K_NO_WAIT);
}

void k_free(void *ptr)
{
	k_heap_free(&system_pool, ptr);
}

void k_thread_heap_assign(struct k_thread *thread, struct k_heap *heap)
{
	thread->resource_pool = heap;
	heap_of(heap);
}

void k_thread_system_pool_assign(struct k_thread *thread)
{
	thread->resource_pool = &system_pool;
}

k_thread_stack_t *k_thread_stack_alloc(size_t size, int flags)
{
	(void)size;
	(void)flags;
	return NULL;	/* stack objects: issue 23 */
}

int k_thread_stack_free(k_thread_stack_t *stack)
{
	(void)stack;
	return -EINVAL;
}
