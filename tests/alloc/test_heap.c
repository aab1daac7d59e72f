/* SPDX-License-Identifier: MIT */
/*
 * The heap allocator on its own: split and coalesce, bucket reuse, exact
 * statistics, fragmentation, double-free and corrupted-neighbour detection,
 * named heaps. Sizes are chosen so that every figure can be worked out by
 * hand from the layout in src/alloc/heap_priv.h: a request of 24 bytes
 * takes 40 (16 of header + 24), a heap of N bytes has N - 16 of capacity.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "alloc/heap_priv.h"

static struct ms_heap *pool(struct ms_sim *sim, const char *name, size_t size)
{
	struct ms_heap *h = NULL;

	assert_int_equal(ms_heap_create(sim, name, size, &h), 0);
	assert_non_null(h);
	return h;
}

/* A heap that places by sys_heap's rules (heap_priv.h): quick lists off. */
static struct ms_heap *pool_exact(struct ms_sim *sim, const char *name,
				  size_t size)
{
	struct ms_heap *h = pool(sim, name, size);

	assert_int_equal(ms_heap_set_quick_depth(sim, h, 0), 0);
	return h;
}

static void *raw(struct ms_heap *h, size_t size)
{
	void *p = NULL;

	assert_int_equal(ms_heap_alloc_raw(h, size, &p), 0);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % MS_HEAP_ALIGN, 0);
	return p;
}

static struct ms_heap_stats stats(struct ms_heap *h)
{
	struct ms_heap_stats st;

	assert_int_equal(ms_heap_stats(h, &st), 0);
	return st;
}

static void heap_footprint_and_overhead(void **state)
{
	assert_int_equal(ms_heap_footprint(1), 24);	/* smallest chunk */
	assert_int_equal(ms_heap_footprint(8), 24);
	assert_int_equal(ms_heap_footprint(9), 32);
	assert_int_equal(ms_heap_footprint(24), 40);
	assert_int_equal(ms_heap_footprint(100), 120);
	assert_int_equal(ms_heap_footprint(256), 272);
	assert_int_equal(MS_HEAP_HEADER, 16);
}

static void heap_stats_exact_on_a_fresh_heap(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st = stats(h);

	assert_int_equal(ms_heap_id(h), 1);
	assert_int_equal(ms_heap_id(ms_heap_system(sim)), MS_HEAP_SYSTEM_ID);
	assert_int_equal(st.capacity, 1008);
	assert_int_equal(st.free_bytes, 1008);
	assert_int_equal(st.allocated_bytes, 0);
	assert_int_equal(st.largest_free_bytes, 1008);
	assert_int_equal(st.largest_request, 992);
	assert_int_equal(st.fragmentation_pct, 0);
	assert_int_equal(st.free_chunks, 1);
	assert_int_equal(st.used_chunks, 0);
	st = stats(ms_heap_system(sim));
	assert_int_equal(st.capacity, 4080);
	ms_sim_free(sim);
}

static void heap_split_and_coalesce_both_neighbours(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool_exact(sim, "p", 1024);
	struct ms_heap_stats st;
	uint8_t *a, *b, *c;

	a = raw(h, 24);
	b = raw(h, 24);
	c = raw(h, 24);
	/* Split from the one free chunk, laid end to end. */
	assert_ptr_equal(b, a + 40);
	assert_ptr_equal(c, b + 40);
	st = stats(h);
	assert_int_equal(st.allocated_bytes, 120);
	assert_int_equal(st.max_allocated_bytes, 120);
	assert_int_equal(st.free_bytes, 1008 - 120);
	assert_int_equal(st.used_chunks, 3);
	assert_int_equal(st.free_chunks, 1);

	/* b alone: a hole of 40 between two used chunks. */
	assert_int_equal(ms_heap_free(sim, b), 0);
	st = stats(h);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.free_bytes, 1008 - 80);
	assert_int_equal(ms__heap_verify(h), 0);

	/* a merges with b on its right. */
	assert_int_equal(ms_heap_free(sim, a), 0);
	st = stats(h);
	assert_int_equal(st.free_chunks, 2);
	assert_int_equal(st.free_bytes, 1008 - 40);
	assert_int_equal(ms__heap_verify(h), 0);

	/* c merges with a+b on its left and the tail on its right. */
	assert_int_equal(ms_heap_free(sim, c), 0);
	st = stats(h);
	assert_int_equal(st.free_chunks, 1);
	assert_int_equal(st.free_bytes, 1008);
	assert_int_equal(st.allocated_bytes, 0);
	assert_int_equal(st.max_allocated_bytes, 120);
	assert_int_equal(st.largest_free_bytes, 1008);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.frees, 3);
	assert_int_equal(ms__heap_verify(h), 0);

	/* All one chunk again: the next allocation starts at the bottom. */
	assert_ptr_equal(raw(h, 24), a);
	ms_sim_free(sim);
}

static void heap_bucket_reuse_of_a_freed_chunk(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool_exact(sim, "p", 2048);
	uint8_t *a, *sep, *b, *c;

	a = raw(h, 104);		/* 15 units: bucket 3 */
	sep = raw(h, 8);		/* keeps a from merging with the tail */
	assert_int_equal(ms_heap_free(sim, a), 0);
	/* Same size again: found in bucket 3, not cut from the tail. */
	b = raw(h, 104);
	assert_ptr_equal(b, a);
	assert_int_equal(ms_heap_free(sim, b), 0);
	/* A smaller request from a higher bucket splits the freed chunk:
	 * 40 bytes (5 units, bucket 1) is served by the first chunk above
	 * it that is certain to fit, the 15-unit one at a. */
	c = raw(h, 24);
	assert_ptr_equal(c, a);
	/* The rest of a (10 units) stays free in bucket 3 and is used next. */
	assert_ptr_equal(raw(h, 64), a + 40);
	assert_int_equal(ms__heap_verify(h), 0);
	(void)sep;
	ms_sim_free(sim);
}

/*
 * Zephyr's bucket_idx(): bucket b holds chunks of 2^b + 2 to 2^(b+1) + 1
 * units (the size less the 3-unit minimum plus one, in [2^b, 2^(b+1))).
 * A 16-unit request and a free 17-unit chunk share bucket 3 (10-17); a
 * free 20-unit chunk is in bucket 4 (18-33). The 17-unit chunk is found
 * in the request's own bucket, although the 20-unit one was freed first.
 * With floor(log2 units) both would be in bucket 4 and the head, the
 * 20-unit chunk, would be taken.
 */
static void heap_bucket_index_is_zephyrs(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool_exact(sim, "p", 2048);
	uint8_t *s20, *s17, *p;

	(void)state;
	s20 = raw(h, 144);		/* 20 units */
	raw(h, 8);			/* separators: nothing merges */
	s17 = raw(h, 120);		/* 17 units */
	raw(h, 8);
	assert_int_equal(ms_heap_free(sim, s20), 0);
	assert_int_equal(ms_heap_free(sim, s17), 0);
	p = raw(h, 112);		/* 16 units */
	assert_ptr_equal(p, s17);
	/* 1 unit over: kept as slack, the heap counts the whole chunk */
	assert_int_equal(stats(h).allocated_bytes, 2 * 24 + 136);
	assert_int_equal(ms__heap_verify(h), 0);
	ms_sim_free(sim);
}

/*
 * Zephyr's alloc_chunk(): up to 3 chunks of the request's bucket are
 * tried from its head, and the head moves past each one too small. Bucket
 * 3 holds 10, 11, 12 and 13 units in that order; a 16-unit request
 * rejects the first three (taking the tail's chunk, in a higher bucket)
 * and leaves the head at the 13-unit chunk, which the next 10-unit request
 * takes, not the 10-unit chunk it would find without the rotation.
 */
static void heap_bucket_search_moves_the_head(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool_exact(sim, "p", 2048);
	static const size_t req[4] = { 64, 72, 80, 88 };	/* 10-13 units */
	uint8_t *c[4], *tail, *p;

	(void)state;
	for (int i = 0; i < 4; i++) {
		c[i] = raw(h, req[i]);
		raw(h, 8);
	}
	tail = c[3] + 104 + 24;		/* after the last separator */
	for (int i = 0; i < 4; i++)
		assert_int_equal(ms_heap_free(sim, c[i]), 0);
	p = raw(h, 112);		/* 16 units */
	assert_ptr_equal(p, tail);
	p = raw(h, 64);			/* 10 units */
	assert_ptr_equal(p, c[3]);
	/* 13 - 10 = 3 units: split off, a chunk of its own */
	assert_int_equal(stats(h).free_chunks, 5);
	assert_int_equal(ms__heap_verify(h), 0);
	ms_sim_free(sim);
}

static void heap_exhaustion_exact(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	void *p;
	int n = 0;

	/* 1008 bytes = 126 units; 24-byte requests take 5: 25 fit, the
	 * last one takes the 6 units left (1 unit cannot be a chunk). */
	while (ms_heap_alloc_raw(h, 24, &p) == 0)
		n++;
	assert_int_equal(n, 25);
	assert_int_equal(ms_heap_alloc_raw(h, 24, &p), -ENOMEM);
	st = stats(h);
	assert_int_equal(st.allocated_bytes, 1008);
	assert_int_equal(st.free_bytes, 0);
	assert_int_equal(st.failures, 2);
	assert_int_equal(st.largest_request, 0);
	assert_int_equal(st.fragmentation_pct, 0);
	assert_int_equal(ms__heap_verify(h), 0);
	ms_sim_free(sim);
}

static void heap_fragmentation_figure(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	void *p[25];

	for (int i = 0; i < 25; i++)
		p[i] = raw(h, 24);
	/* Free every other one of the first 24: 12 holes of 40 bytes. */
	for (int i = 0; i < 24; i += 2)
		assert_int_equal(ms_heap_free(sim, p[i]), 0);
	st = stats(h);
	assert_int_equal(st.free_bytes, 480);
	assert_int_equal(st.largest_free_bytes, 40);
	assert_int_equal(st.largest_request, 24);
	assert_int_equal(st.free_chunks, 12);
	/* 100 * (1 - 40 / 480) = 91.67, rounded down by integer maths to
	 * 100 - 8 = 92. */
	assert_int_equal(st.fragmentation_pct, 92);
	/* 480 bytes free but a 32-byte request does not fit anywhere. */
	assert_int_equal(ms_heap_alloc_raw(h, 32, &p[0]), -ENOMEM);
	/* Freeing p[1] merges three holes into one of 120. */
	assert_int_equal(ms_heap_free(sim, p[1]), 0);
	st = stats(h);
	assert_int_equal(st.free_bytes, 520);
	assert_int_equal(st.largest_free_bytes, 120);
	assert_int_equal(st.fragmentation_pct, 100 - 120 * 100 / 520);
	assert_int_equal(ms__heap_verify(h), 0);
	ms_sim_free(sim);
}

static void heap_double_free_detected(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	struct ms_heap_stats st;
	uint8_t *a, *b, *c;

	a = raw(h, 24);
	b = raw(h, 24);
	c = raw(h, 24);
	assert_int_equal(ms_heap_free(sim, b), 0);
	assert_int_equal(ms_heap_free(sim, b), -EALREADY);
	/* b merged into a's chunk on the left: still recognised. */
	assert_int_equal(ms_heap_free(sim, a), 0);
	assert_int_equal(ms_heap_free(sim, b), -EALREADY);
	assert_int_equal(ms_heap_free(sim, a), -EALREADY);
	st = stats(h);
	assert_int_equal(st.double_frees, 3);
	assert_int_equal(st.frees, 2);
	assert_int_equal(st.corruptions, 0);
	assert_int_equal(st.allocated_bytes, 40);
	assert_int_equal(ms__heap_verify(h), 0);
	/* The heap is intact and usable. */
	assert_int_equal(ms_heap_free(sim, c), 0);
	assert_int_equal(stats(h).free_bytes, 1008);
	ms_sim_free(sim);
}

static void heap_corrupted_neighbour_detected(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	uint8_t saved[MS_HEAP_HEADER];
	struct ms_heap_stats st;
	uint8_t *a, *b, *c;

	a = raw(h, 24);
	b = raw(h, 24);
	c = raw(h, 24);
	/* An overflow of a runs over b's header. */
	memcpy(saved, b - MS_HEAP_HEADER, sizeof(saved));
	memset(a, 0x41, 24 + 8);
	/* Freeing a finds its right neighbour's left size wrong... */
	assert_int_equal(ms_heap_free(sim, a), -EFAULT);
	/* ...and freeing b finds its own header damaged. */
	assert_int_equal(ms_heap_free(sim, b), -EFAULT);
	st = stats(h);
	assert_int_equal(st.corruptions, 2);
	assert_int_equal(st.frees, 0);
	assert_int_equal(st.allocated_bytes, 120);

	/* A damaged left size in c (pointing at a non-chunk) is caught too. */
	memcpy(b - MS_HEAP_HEADER, saved, sizeof(saved));
	((struct ms__chunk_hdr *)(c - MS_HEAP_HEADER))->left_size = 4;
	assert_int_equal(ms_heap_free(sim, c), -EFAULT);
	((struct ms__chunk_hdr *)(c - MS_HEAP_HEADER))->left_size = 5;
	st = stats(h);
	assert_int_equal(st.corruptions, 3);

	/* Nothing was changed by the refused frees: once repaired, all
	 * three free normally and the heap is whole. */
	assert_int_equal(ms__heap_verify(h), 0);
	assert_int_equal(ms_heap_free(sim, a), 0);
	assert_int_equal(ms_heap_free(sim, b), 0);
	assert_int_equal(ms_heap_free(sim, c), 0);
	st = stats(h);
	assert_int_equal(st.free_bytes, 1008);
	assert_int_equal(st.free_chunks, 1);
	ms_sim_free(sim);
}

static void heap_free_of_a_foreign_pointer(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 1024);
	uint8_t *a = raw(h, 24);
	long local[4] = { 0 };

	memset(a, 0, 24);

	assert_int_equal(ms_heap_free(sim, &local[2]), -EINVAL);
	assert_int_equal(ms_heap_free(sim, a + 8), -EINVAL);	/* mid-block */
	assert_int_equal(ms_heap_free(sim, NULL), 0);
	assert_int_equal(stats(h).allocated_bytes, 40);
	assert_int_equal(ms_heap_free(sim, a), 0);
	ms_sim_free(sim);
}

static void heap_named_create_lookup_destroy(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "alpha", 1024), *x = NULL;
	void *p;

	assert_int_equal(ms_heap_create(sim, "alpha", 1024, &x), -EEXIST);
	assert_int_equal(ms_heap_create(sim, "", 1024, &x), -EINVAL);
	assert_int_equal(ms_heap_create(sim, "tiny", 32, &x), -EINVAL);
	assert_int_equal(ms_heap_lookup(sim, "alpha", &x), 0);
	assert_ptr_equal(x, h);
	assert_string_equal(ms_heap_name(h), "alpha");
	assert_int_equal(ms_heap_lookup(sim, "system", &x), 0);
	assert_ptr_equal(x, ms_heap_system(sim));
	assert_int_equal(ms_heap_lookup(sim, "beta", &x), -ENOENT);
	assert_int_equal(ms_heap_count(sim), 2);

	p = raw(h, 100);
	assert_int_equal(ms_heap_destroy(sim, h), -EBUSY);
	assert_int_equal(ms_heap_free(sim, p), 0);
	assert_int_equal(ms_heap_destroy(sim, h), 0);
	assert_int_equal(ms_heap_lookup(sim, "alpha", &x), -ENOENT);
	assert_null(ms_heap_get(sim, 1));
	assert_int_equal(ms_heap_destroy(sim, ms_heap_system(sim)), -EINVAL);
	{
		/* A heap of another sim is not this sim's to destroy. */
		struct ms_sim *other = new_sim_heap(4096);
		struct ms_heap *oh = pool(other, "alpha", 1024);

		assert_int_equal(ms_heap_destroy(sim, oh), -EINVAL);
		assert_int_equal(ms_heap_destroy(other, oh), 0);
		ms_sim_free(other);
	}
	/* Ids are not reused: events keep naming one heap each. */
	h = pool(sim, "alpha", 1024);
	assert_int_equal(ms_heap_id(h), 2);
	ms_sim_free(sim);
}

/* Many random allocations and frees; the invariants hold after each. */
static void heap_random_workload_keeps_invariants(void **state)
{
	struct ms_sim *sim = new_sim_heap(4096);
	struct ms_heap *h = pool(sim, "p", 16384);
	void *live[128] = { 0 };
	size_t bytes = 0;
	int rounds = under_valgrind() ? 2000 : 20000;

	for (int i = 0; i < rounds; i++) {
		unsigned k = (unsigned)ms_sim_random(sim, 128);

		if (live[k]) {
			bytes -= ms__heap_chunk_bytes(live[k]);
			assert_int_equal(ms_heap_free(sim, live[k]), 0);
			live[k] = NULL;
		} else {
			size_t sz = 1 + ms_sim_random(sim, 400);

			if (ms_heap_alloc_raw(h, sz, &live[k]) == 0) {
				bytes += ms__heap_chunk_bytes(live[k]);
				memset(live[k], 0xee, sz);
			} else {
				live[k] = NULL;
			}
		}
		if (i % 64 == 0)
			assert_int_equal(ms__heap_verify(h), 0);
		assert_int_equal(stats(h).allocated_bytes, bytes);
	}
	for (int k = 0; k < 128; k++)
		if (live[k])
			assert_int_equal(ms_heap_free(sim, live[k]), 0);
	assert_int_equal(ms__heap_verify(h), 0);
	assert_int_equal(stats(h).free_chunks, 1);
	assert_int_equal(stats(h).free_bytes, 16368);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heap_footprint_and_overhead),
		cmocka_unit_test(heap_stats_exact_on_a_fresh_heap),
		cmocka_unit_test(heap_split_and_coalesce_both_neighbours),
		cmocka_unit_test(heap_bucket_reuse_of_a_freed_chunk),
		cmocka_unit_test(heap_bucket_index_is_zephyrs),
		cmocka_unit_test(heap_bucket_search_moves_the_head),
		cmocka_unit_test(heap_exhaustion_exact),
		cmocka_unit_test(heap_fragmentation_figure),
		cmocka_unit_test(heap_double_free_detected),
		cmocka_unit_test(heap_corrupted_neighbour_detected),
		cmocka_unit_test(heap_free_of_a_foreign_pointer),
		cmocka_unit_test(heap_named_create_lookup_destroy),
		cmocka_unit_test(heap_random_workload_keeps_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
