/* SPDX-License-Identifier: MIT */
/*
 * Quick lists of the heap allocator (ms_heap_set_quick_depth): a freed
 * chunk of at most 34 units stays cut and is reused by the next request of
 * its exact size, LIFO, up to depth chunks per size; every list is given
 * back before a request fails; the statistics show the heap as if they had
 * been given back; depth 0 places exactly as sys_heap. The figures follow
 * the layout in src/alloc/heap_priv.h: a request of 24 bytes takes a chunk
 * of 5 units (40 bytes), a heap of N bytes has N - 16 of capacity. The
 * invariants (ms__heap_verify) are checked after every step.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "common.h"
#include "alloc/heap_priv.h"

static struct ms_heap *pool(struct ms_sim *sim, const char *name, size_t size)
{
	struct ms_heap *h = NULL;

	assert_int_equal(ms_heap_create(sim, name, size, &h), 0);
	assert_non_null(h);
	assert_int_equal(ms__heap_verify(h), 0);
	return h;
}

static void *raw(struct ms_heap *h, size_t size)
{
	void *p = NULL;

	assert_int_equal(ms_heap_alloc_raw(h, size, &p), 0);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % MS_HEAP_ALIGN, 0);
	assert_int_equal(ms__heap_verify(h), 0);
	return p;
}

static void release(struct ms_sim *sim, struct ms_heap *h, void *p)
{
	assert_int_equal(ms_heap_free(sim, p), 0);
	assert_int_equal(ms__heap_verify(h), 0);
}

static struct ms_heap_stats stats(struct ms_heap *h)
{
	struct ms_heap_stats st;

	assert_int_equal(ms_heap_stats(h, &st), 0);
	return st;
}

static uint8_t magic_of(const void *p)
{
	return ms__heap_hdr_of(p)->magic;
}

static void stats_equal(const struct ms_heap_stats *a,
			const struct ms_heap_stats *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->capacity, b->capacity);
	assert_int_equal(a->free_bytes, b->free_bytes);
	assert_int_equal(a->allocated_bytes, b->allocated_bytes);
	assert_int_equal(a->max_allocated_bytes, b->max_allocated_bytes);
	assert_int_equal(a->largest_free_bytes, b->largest_free_bytes);
	assert_int_equal(a->largest_request, b->largest_request);
	assert_int_equal(a->fragmentation_pct, b->fragmentation_pct);
	assert_int_equal(a->used_chunks, b->used_chunks);
	assert_int_equal(a->free_chunks, b->free_chunks);
	assert_int_equal(a->allocs, b->allocs);
	assert_int_equal(a->frees, b->frees);
	assert_int_equal(a->failures, b->failures);
	assert_int_equal(a->double_frees, b->double_frees);
	assert_int_equal(a->corruptions, b->corruptions);
	assert_int_equal(a->quick_chunks, b->quick_chunks);
	assert_int_equal(a->quick_hits, b->quick_hits);
	assert_int_equal(a->waiters, b->waiters);
}

static void quick_reuse_of_the_same_size(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	uint8_t *a, *b, *c, *d;

	a = raw(h, 24);			/* units 0..5 */
	b = raw(h, 24);			/* units 5..10 */
	assert_ptr_equal(b, a + 40);
	release(sim, h, a);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 1);
	assert_int_equal(st.quick_hits, 0);
	assert_int_equal(st.frees, 1);
	assert_int_equal(st.free_bytes, 968);
	assert_int_equal(st.allocated_bytes, 40);
	assert_int_equal(st.used_chunks, 1);
	/* a (cached) and the rest: b stands between them */
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.largest_free_bytes, 928);
	assert_int_equal(magic_of(a), MS__HEAP_MAGIC_QUICK);

	/* Another chunk size (6 units) does not take it. */
	c = raw(h, 32);
	assert_ptr_equal(c, b + 40);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 1);
	assert_int_equal(st.quick_hits, 0);

	/* 17 bytes also make a 5-unit chunk: the cached one comes back. */
	d = raw(h, 17);
	assert_ptr_equal(d, a);
	assert_int_equal(magic_of(d), MS__HEAP_MAGIC_USED);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.quick_hits, 1);
	assert_int_equal(st.allocs, 4);
	assert_int_equal(st.allocated_bytes, 128);
	assert_int_equal(st.free_bytes, 880);
	assert_int_equal(st.free_chunks, 1);

	release(sim, h, b);
	release(sim, h, c);
	release(sim, h, d);
	st = stats(h);
	assert_int_equal(st.free_bytes, 1008);
	assert_int_equal(st.allocated_bytes, 0);
	ms_sim_free(sim);
}

static void quick_depth_limit_and_lifo(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	uint8_t *a, *b, *c, *sep, *rest;

	assert_int_equal(ms_heap_set_quick_depth(sim, h, 2), 0);
	assert_int_equal(ms__heap_verify(h), 0);
	a = raw(h, 24);
	b = raw(h, 24);
	c = raw(h, 24);
	sep = raw(h, 24);		/* units 15..20 */
	assert_ptr_equal(sep, a + 120);
	release(sim, h, a);
	release(sim, h, b);
	release(sim, h, c);		/* the list is full: c coalesces */
	st = stats(h);
	assert_int_equal(st.quick_chunks, 2);
	assert_int_equal(st.frees, 3);
	assert_int_equal(magic_of(a), MS__HEAP_MAGIC_QUICK);
	assert_int_equal(magic_of(b), MS__HEAP_MAGIC_QUICK);
	assert_int_equal(magic_of(c), MS__HEAP_MAGIC_FREE);
	assert_int_equal(h->free_chunks, 2);	/* c and the rest */
	/* Coalesced view: a, b, c make one run of 120 bytes. */
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.free_bytes, 968);
	assert_int_equal(st.largest_free_bytes, 848);

	/* Most recent first, then the bucket (c, the lowest fit). */
	assert_ptr_equal(raw(h, 24), b);
	assert_int_equal(stats(h).quick_chunks, 1);
	assert_ptr_equal(raw(h, 24), a);
	assert_int_equal(stats(h).quick_chunks, 0);
	assert_ptr_equal(raw(h, 24), c);
	rest = raw(h, 24);
	assert_ptr_equal(rest, sep + 40);
	st = stats(h);
	assert_int_equal(st.quick_hits, 2);
	assert_int_equal(st.allocs, 8);
	assert_int_equal(st.allocated_bytes, 200);
	ms_sim_free(sim);
}

static void quick_never_takes_big_chunks(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 2048);	/* 254 units */
	struct ms_heap_stats st;
	uint8_t *a, *b, *sep, *big;

	assert_int_equal(ms_heap_footprint(256), 272);	/* 34 units */
	assert_int_equal(ms_heap_footprint(257), 280);	/* 35 units */
	a = raw(h, 256);		/* units 0..34 */
	b = raw(h, 257);		/* units 34..69 */
	sep = raw(h, 24);		/* units 69..74 */
	assert_ptr_equal(b, a + 272);
	assert_ptr_equal(sep, b + 280);

	release(sim, h, b);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(magic_of(b), MS__HEAP_MAGIC_FREE);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(h->free_chunks, 2);

	release(sim, h, a);		/* 34 units: the largest cached size */
	st = stats(h);
	assert_int_equal(st.quick_chunks, 1);
	assert_int_equal(magic_of(a), MS__HEAP_MAGIC_QUICK);
	/* a and b are one free run in the coalesced view, the rest another */
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.largest_free_bytes, 1440);
	assert_int_equal(st.free_bytes, 1992);

	/* 600 bytes, 77 units, cut from the rest: never cached either. */
	big = raw(h, 600);
	assert_ptr_equal(big, sep + 40);
	release(sim, h, big);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 1);
	assert_int_equal(magic_of(big), MS__HEAP_MAGIC_FREE);
	assert_int_equal(h->free_chunks, 2);

	assert_ptr_equal(raw(h, 256), a);
	st = stats(h);
	assert_int_equal(st.quick_hits, 1);
	assert_int_equal(st.quick_chunks, 0);
	ms_sim_free(sim);
}

static void quick_double_free_detected(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats before, after;
	uint8_t *a, *b, *c;

	a = raw(h, 24);
	b = raw(h, 24);
	release(sim, h, a);
	assert_int_equal(magic_of(a), MS__HEAP_MAGIC_QUICK);
	before = stats(h);
	assert_int_equal(before.double_frees, 0);

	assert_int_equal(ms_heap_free(sim, a), -EALREADY);
	assert_int_equal(ms__heap_verify(h), 0);
	after = stats(h);
	assert_int_equal(after.double_frees, 1);
	before.double_frees = 1;
	stats_equal(&before, &after);
	assert_int_equal(after.quick_chunks, 1);
	assert_int_equal(after.frees, 1);
	assert_int_equal(magic_of(a), MS__HEAP_MAGIC_QUICK);

	/* The list is intact: a comes back once, then the bucket serves. */
	assert_ptr_equal(raw(h, 24), a);
	c = raw(h, 24);
	assert_ptr_equal(c, b + 40);
	assert_int_equal(stats(h).quick_hits, 1);
	release(sim, h, a);
	release(sim, h, b);
	release(sim, h, c);
	assert_int_equal(stats(h).free_bytes, 1008);
	assert_int_equal(stats(h).double_frees, 1);
	ms_sim_free(sim);
}

static void quick_flushed_before_a_request_fails(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 256);	/* 30 units */
	struct ms_heap_stats st;
	uint8_t *p[6];
	void *q = NULL;

	for (int i = 0; i < 6; i++) {
		p[i] = raw(h, 24);
		assert_ptr_equal(p[i], p[0] + 40 * i);
	}
	assert_int_equal(stats(h).free_bytes, 0);

	/* Three neighbours cached: 120 bytes free, not one chunk of it in
	 * the buckets. */
	release(sim, h, p[1]);
	release(sim, h, p[2]);
	release(sim, h, p[3]);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 3);
	assert_int_equal(st.free_bytes, 120);
	assert_int_equal(st.free_chunks, 1);
	assert_int_equal(st.largest_free_bytes, 120);
	assert_int_equal(st.largest_request, 104);
	assert_int_equal(h->free_chunks, 0);

	/* 104 bytes take 15 units: only the three merged can serve. */
	assert_ptr_equal(raw(h, 104), p[1]);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.quick_hits, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.free_bytes, 0);
	assert_int_equal(st.allocated_bytes, 240);

	/* Two cached chunks apart (15 and 5 units, p[4] between them): 160
	 * bytes free, enough by count for 144 bytes (20 units) but not in
	 * one piece, even after the flush. */
	release(sim, h, p[1]);
	release(sim, h, p[5]);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 2);
	assert_int_equal(st.free_bytes, 160);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.largest_free_bytes, 120);
	assert_int_equal(ms_heap_alloc_raw(h, 144, &q), -ENOMEM);
	assert_null(q);
	assert_int_equal(ms__heap_verify(h), 0);
	st = stats(h);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.quick_chunks, 0);	/* given back */
	assert_int_equal(st.free_bytes, 160);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.largest_free_bytes, 120);
	assert_int_equal(h->free_chunks, 2);
	assert_int_equal(magic_of(p[1]), MS__HEAP_MAGIC_FREE);
	assert_int_equal(magic_of(p[5]), MS__HEAP_MAGIC_FREE);

	/* More than the free bytes: refused at once. */
	assert_int_equal(ms_heap_alloc_raw(h, 200, &q), -ENOMEM);
	assert_int_equal(ms__heap_verify(h), 0);
	assert_int_equal(stats(h).failures, 2);

	/* The heap still serves what fits. */
	assert_ptr_equal(raw(h, 104), p[1]);
	assert_ptr_equal(raw(h, 24), p[5]);
	assert_int_equal(stats(h).free_bytes, 0);
	ms_sim_free(sim);
}

/* Allocate a mix, free everything: the lists hold chunks, yet the
 * statistics show one free chunk, the whole capacity. */
static void quick_coalesced_view_of_an_empty_heap(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	void *p[13];
	int n = 0;

	for (int i = 0; i < 10; i++)
		p[n++] = raw(h, 24);	/* 10 x 5 units */
	p[n++] = raw(h, 100);		/* 2 x 15 units */
	p[n++] = raw(h, 100);
	p[n++] = raw(h, 300);		/* 40 units; 6 left */
	assert_int_equal(stats(h).free_bytes, 48);
	for (int i = 0; i < n; i++)
		release(sim, h, p[i]);

	st = stats(h);
	/* 8 of the 5-unit chunks (the depth), both 15-unit ones */
	assert_int_equal(st.quick_chunks, 10);
	assert_int_equal(st.quick_hits, 0);
	assert_int_equal(st.free_bytes, 1008);
	assert_int_equal(st.allocated_bytes, 0);
	assert_int_equal(st.used_chunks, 0);
	assert_int_equal(st.free_chunks, 1);
	assert_int_equal(st.fragmentation_pct, 0);
	assert_int_equal(st.largest_free_bytes, 1008);
	assert_int_equal(st.largest_request, 992);
	/* In the buckets: the last two 5-unit chunks merged, and the 300
	 * bytes merged with the rest. */
	assert_int_equal(h->free_chunks, 2);

	/* The view is what a flush gives. */
	assert_ptr_equal(raw(h, 992), p[0]);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.free_bytes, 0);
	assert_int_equal(st.failures, 0);
	release(sim, h, p[0]);
	st = stats(h);
	assert_int_equal(st.free_chunks, 1);
	assert_int_equal(st.quick_chunks, 0);
	ms_sim_free(sim);
}

struct depth_call {
	struct ms_heap *heap;
	uint32_t depth;
	int ret;
};

static void set_depth_thread(struct ms_sim *sim, void *arg)
{
	struct depth_call *dc = arg;

	dc->ret = ms_heap_set_quick_depth(sim, dc->heap, dc->depth);
}

static void quick_set_depth(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_sim *other = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap *oh = pool(other, "p", 1024);
	struct depth_call user = { h, 4, 1 }, super = { h, 4, 1 };
	struct ms_heap_stats st;
	uint8_t *p[6], *q[3], *a, *b, *c;

	/* Five 5-unit and three 6-unit chunks cached, one used between. */
	for (int i = 0; i < 6; i++)
		p[i] = raw(h, 24);
	for (int i = 0; i < 3; i++)
		q[i] = raw(h, 32);
	for (int i = 0; i < 5; i++)
		release(sim, h, p[i]);
	for (int i = 0; i < 3; i++)
		release(sim, h, q[i]);
	assert_int_equal(stats(h).quick_chunks, 8);

	/* Lowering gives back what is beyond the new depth. */
	assert_int_equal(ms_heap_set_quick_depth(sim, h, 2), 0);
	assert_int_equal(ms__heap_verify(h), 0);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 4);
	assert_int_equal(st.free_bytes, 1008 - 40);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(h->quick_len[5 - MS__HEAP_MIN_UNITS], 2);
	assert_int_equal(h->quick_len[6 - MS__HEAP_MIN_UNITS], 2);

	/* To 0: the lists empty, the heap is coalesced. */
	assert_int_equal(ms_heap_set_quick_depth(sim, h, 0), 0);
	assert_int_equal(ms__heap_verify(h), 0);
	st = stats(h);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(h->free_chunks, 2);
	assert_int_equal(st.free_bytes, 968);
	/* 200 bytes below p[5], 768 above it */
	assert_int_equal(st.largest_free_bytes, 768);
	for (int i = 0; i < 5; i++)
		assert_int_equal(magic_of(p[i]), MS__HEAP_MAGIC_FREE);
	release(sim, h, p[5]);
	assert_int_equal(h->free_chunks, 1);

	/* Later frees coalesce as in sys_heap (test_heap.c's split and
	 * coalesce, figure for figure). */
	a = raw(h, 24);
	b = raw(h, 24);
	c = raw(h, 24);
	assert_ptr_equal(a, p[0]);
	release(sim, h, b);		/* between two used chunks */
	assert_int_equal(magic_of(b), MS__HEAP_MAGIC_FREE);
	assert_int_equal(stats(h).free_chunks, 2);
	assert_int_equal(stats(h).quick_chunks, 0);
	release(sim, h, a);		/* merges with b on its right */
	assert_int_equal(stats(h).free_chunks, 2);
	assert_int_equal(stats(h).largest_free_bytes, 888);
	release(sim, h, c);		/* merges with both */
	st = stats(h);
	assert_int_equal(st.free_chunks, 1);
	assert_int_equal(h->free_chunks, 1);
	assert_int_equal(st.largest_free_bytes, 1008);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.quick_hits, 0);

	/* Bad arguments. */
	assert_int_equal(ms_heap_set_quick_depth(sim, h, 256), -EINVAL);
	assert_int_equal(ms_heap_set_quick_depth(sim, h, UINT32_MAX), -EINVAL);
	assert_int_equal(ms_heap_set_quick_depth(sim, NULL, 1), -EINVAL);
	assert_int_equal(ms_heap_set_quick_depth(sim, oh, 1), -EINVAL);
	assert_int_equal(h->quick_depth, 0);
	assert_int_equal(ms_heap_set_quick_depth(sim, h,
						 MS_HEAP_QUICK_DEPTH_MAX), 0);
	assert_int_equal(h->quick_depth, 255);
	assert_int_equal(ms_heap_set_quick_depth(sim, ms_heap_system(sim), 3),
			 0);

	/* A user thread may not change it; a supervisor thread may. */
	spawn(sim, "user", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
	      set_depth_thread, &user);
	spawn(sim, "super", 1, 0, MS_GROUP_INHERIT, set_depth_thread, &super);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(user.ret, -EPERM);
	assert_int_equal(super.ret, 0);
	assert_int_equal(h->quick_depth, 4);
	assert_int_equal(ms__heap_verify(h), 0);
	ms_sim_free(other);
	ms_sim_free(sim);
}

static struct ms_sim *new_sim_depth(uint32_t depth)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.heap_size = 4096;
	cfg.heap_quick_depth = depth;
	if (ms_sim_new(&cfg, &sim))
		abort();
	return sim;
}

/* Three 24-byte chunks, the first two freed: with depth 0 they merge and
 * an 80-byte request (10 units) takes their place; cached, they stay
 * apart and the request goes above the third. */
static void placement_after_two_frees(struct ms_sim *sim, struct ms_heap *h,
				      bool exact)
{
	uint8_t *a = raw(h, 24), *b = raw(h, 24), *c = raw(h, 24), *d;

	assert_ptr_equal(b, a + 40);
	assert_ptr_equal(c, b + 40);
	release(sim, h, a);
	release(sim, h, b);
	assert_int_equal(stats(h).quick_chunks, exact ? 0 : 2);
	assert_int_equal(magic_of(b), exact ? MS__HEAP_MAGIC_FREE :
			 MS__HEAP_MAGIC_QUICK);
	d = raw(h, 64);
	assert_ptr_equal(d, exact ? a : c + 40);
	release(sim, h, c);
	release(sim, h, d);
	assert_int_equal(stats(h).quick_hits, 0);
}

static void quick_config_depth(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;
	struct ms_heap *h;

	ms_config_init(&cfg);
	assert_int_equal(cfg.heap_quick_depth, 8);
	cfg.stack_paint = false;
	cfg.heap_quick_depth = 256;
	assert_int_equal(ms_sim_new(&cfg, &sim), -EINVAL);
	assert_null(sim);
	cfg.heap_quick_depth = UINT32_MAX;
	assert_int_equal(ms_sim_new(&cfg, &sim), -EINVAL);
	assert_null(sim);
	cfg.heap_quick_depth = MS_HEAP_QUICK_DEPTH_MAX;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	assert_int_equal(ms_heap_system(sim)->quick_depth, 255);
	ms_sim_free(sim);

	/* Depth 0: the system heap and named heaps place as sys_heap. */
	sim = new_sim_depth(0);
	h = ms_heap_system(sim);
	assert_int_equal(h->quick_depth, 0);
	placement_after_two_frees(sim, h, true);
	assert_int_equal(ms__heap_verify(h), 0);
	h = pool(sim, "p", 1024);
	assert_int_equal(h->quick_depth, 0);
	placement_after_two_frees(sim, h, true);
	assert_int_equal(stats(h).free_chunks, 1);
	assert_int_equal(h->free_chunks, 1);
	ms_sim_free(sim);

	/* The default: both cache. */
	sim = new_sim_depth(8);
	h = ms_heap_system(sim);
	assert_int_equal(h->quick_depth, 8);
	placement_after_two_frees(sim, h, false);
	h = pool(sim, "p", 1024);
	assert_int_equal(h->quick_depth, 8);
	placement_after_two_frees(sim, h, false);
	ms_sim_free(sim);
}

/*
 * One scripted workload (fixed seed, 1 to 600 bytes, random frees) on a
 * depth-0 and a depth-8 heap, far from exhaustion: both grant every
 * request, keep their invariants at every step, and end with the same
 * free bytes.
 */
#define WL_SLOTS 128
#define WL_HEAP (128 * 1024)

static void quick_same_workload_as_sys_heap(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h[2] = {
		pool(sim, "exact", WL_HEAP), pool(sim, "quick", WL_HEAP)
	};
	void *live[2][WL_SLOTS] = { { 0 } };
	size_t held[2] = { 0, 0 };
	unsigned requests = 0, granted[2] = { 0, 0 };
	int rounds = under_valgrind() ? 2000 : 20000;
	GRand *rnd = g_rand_new_with_seed(20240611u);
	struct ms_heap_stats st[2];

	assert_int_equal(ms_heap_set_quick_depth(sim, h[0], 0), 0);
	assert_int_equal(ms_heap_set_quick_depth(sim, h[1], 8), 0);
	for (int i = 0; i < rounds; i++) {
		unsigned k = (unsigned)g_rand_int_range(rnd, 0, WL_SLOTS);
		size_t sz = (size_t)g_rand_int_range(rnd, 1, 601);

		if (live[0][k]) {
			for (int j = 0; j < 2; j++) {
				held[j] -= ms__heap_chunk_bytes(live[j][k]);
				assert_int_equal(ms_heap_free(sim, live[j][k]),
						 0);
				live[j][k] = NULL;
			}
		} else {
			requests++;
			for (int j = 0; j < 2; j++) {
				if (ms_heap_alloc_raw(h[j], sz,
						      &live[j][k]) == 0) {
					granted[j]++;
					held[j] += ms__heap_chunk_bytes(
						live[j][k]);
					memset(live[j][k], 0xee, sz);
				}
			}
			assert_true((live[0][k] == NULL) ==
				    (live[1][k] == NULL));
		}
		for (int j = 0; j < 2; j++) {
			assert_int_equal(ms__heap_verify(h[j]), 0);
			st[j] = stats(h[j]);
			assert_int_equal(st[j].allocated_bytes, held[j]);
			assert_int_equal(st[j].free_bytes + held[j],
					 WL_HEAP - 16);
		}
		assert_int_equal(st[0].quick_chunks, 0);
	}
	/* At most 128 blocks of 632 bytes: never above three quarters. */
	assert_true(st[0].max_allocated_bytes < (WL_HEAP - 16) / 4 * 3);
	assert_true(st[1].max_allocated_bytes < (WL_HEAP - 16) / 4 * 3);
	assert_int_equal(granted[0], requests);
	assert_int_equal(granted[1], requests);
	assert_int_equal(st[0].failures, 0);
	assert_int_equal(st[1].failures, 0);
	assert_int_equal(st[0].quick_hits, 0);
	assert_true(st[1].quick_hits > 0);

	for (int k = 0; k < WL_SLOTS; k++)
		for (int j = 0; j < 2; j++)
			if (live[j][k])
				release(sim, h[j], live[j][k]);
	for (int j = 0; j < 2; j++) {
		st[j] = stats(h[j]);
		assert_int_equal(st[j].allocated_bytes, 0);
		assert_int_equal(st[j].free_chunks, 1);
		assert_int_equal(st[j].fragmentation_pct, 0);
	}
	assert_int_equal(st[0].free_bytes, st[1].free_bytes);
	assert_int_equal(st[0].free_bytes, WL_HEAP - 16);
	assert_int_equal(st[0].allocs, st[1].allocs);
	assert_int_equal(st[0].frees, st[1].frees);
	/* Given back, the cached chunks leave one free chunk, as in h[0]. */
	assert_int_equal(ms_heap_set_quick_depth(sim, h[1], 0), 0);
	assert_int_equal(ms__heap_verify(h[1]), 0);
	assert_int_equal(h[1]->free_chunks, 1);
	assert_int_equal(h[0]->free_chunks, 1);
	g_rand_free(rnd);
	ms_sim_free(sim);
}

/*
 * A write after free into a cached chunk overwrites its link. The heap
 * must not follow it out of the arena nor hand out a live chunk: the
 * damaged list is counted as a corruption and rebuilt from the arena.
 */
static void quick_write_after_free_is_contained(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	uint8_t *a, *b, *sep, *p;

	/* Out of the arena. */
	a = raw(h, 24);
	b = raw(h, 24);
	sep = raw(h, 24);
	release(sim, h, a);
	release(sim, h, b);		/* list: b -> a */
	*(uint32_t *)b = 0xfffffff0u;	/* the link, in freed memory */
	p = raw(h, 24);
	/* a and b were given back and merged; the request is served from
	 * the buckets: the first fitting chunk is the merged a+b. */
	assert_ptr_equal(p, a);
	st = stats(h);
	assert_int_equal(st.corruptions, 1);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.allocated_bytes, 80);
	assert_int_equal(st.free_bytes, 1008 - 80);
	release(sim, h, p);
	release(sim, h, sep);

	/* Into the arena, at a live chunk. */
	a = raw(h, 24);
	b = raw(h, 24);
	sep = raw(h, 24);
	release(sim, h, a);
	release(sim, h, b);
	*(uint32_t *)b = (uint32_t)((sep - h->base) / MS__HEAP_UNIT) -
			 MS__HEAP_HDR_UNITS;
	/* b's own header is sound: it is handed out, and the list's head
	 * becomes the forged link; the invariant walk sees the damage. */
	assert_int_equal(ms_heap_alloc_raw(h, 24, (void **)&p), 0);
	assert_ptr_equal(p, b);
	assert_int_equal(ms__heap_verify(h), 1);
	p = raw(h, 24);				/* the head is sep: refused */
	assert_ptr_not_equal(p, sep);
	assert_ptr_equal(p, a);
	st = stats(h);
	assert_int_equal(st.corruptions, 2);
	assert_int_equal(st.quick_chunks, 0);
	assert_int_equal(st.used_chunks, 3);
	assert_int_equal(ms__heap_hdr_of(sep)->magic, MS__HEAP_MAGIC_USED);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quick_reuse_of_the_same_size),
		cmocka_unit_test(quick_depth_limit_and_lifo),
		cmocka_unit_test(quick_never_takes_big_chunks),
		cmocka_unit_test(quick_double_free_detected),
		cmocka_unit_test(quick_flushed_before_a_request_fails),
		cmocka_unit_test(quick_coalesced_view_of_an_empty_heap),
		cmocka_unit_test(quick_set_depth),
		cmocka_unit_test(quick_config_depth),
		cmocka_unit_test(quick_same_workload_as_sys_heap),
		cmocka_unit_test(quick_write_after_free_is_contained),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
