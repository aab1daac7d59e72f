/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap allocator, modelled on Zephyr's sys_heap (lib/heap/heap.c):
 * chunks in 8-byte units, power-of-two buckets of free chunks with a bitmask
 * of the non-empty ones, split on allocation, coalesce with both neighbours
 * on free. heap_priv.h describes the chunk layout.
 *
 * Invariant kept by every function here: the chunks tile the arena exactly
 * (each left_size matches the chunk below), no two free chunks touch, each
 * free chunk is in the bucket of its size and nowhere else, and the unit
 * counters add up to the capacity. A free that finds a header out of line
 * with these is refused before anything is touched.
 *
 * This file knows nothing about threads or quotas: the tag and kind of a
 * chunk are opaque values its caller stores and reads back.
 */
#include <errno.h>
#include <string.h>

#include "alloc/heap_priv.h"

static inline uint32_t csize(const struct ms_heap *h, uint32_t c)
{
	return ms__heap_hdr(h, c)->size_used >> 1;
}

static inline bool cused(const struct ms_heap *h, uint32_t c)
{
	return ms__heap_hdr(h, c)->size_used & 1u;
}

static inline void set_size(struct ms_heap *h, uint32_t c, uint32_t units,
			    bool used)
{
	ms__heap_hdr(h, c)->size_used = units << 1 | (used ? 1u : 0u);
}

static inline uint32_t *links(const struct ms_heap *h, uint32_t c)
{
	return ms__heap_links(h, c);
}

/*
 * Zephyr's bucket_idx(): floor(log2) of the size less the smallest chunk
 * plus one, so bucket b holds chunks of 2^b + 2 to 2^(b+1) + 1 units
 * (bucket 0: 3 units; 1: 4-5; 2: 6-9; 3: 10-17). Every chunk has at least
 * MS__HEAP_MIN_UNITS units, so the argument of clz is never 0; an arena
 * under 2^32 bytes has under 2^29 units, so buckets 0-28 suffice.
 */
static inline int bucket_of(uint32_t units)
{
	return 31 - __builtin_clz(units - MS__HEAP_MIN_UNITS + 1);
}

static void list_add(struct ms_heap *h, uint32_t c)
{
	int b = bucket_of(csize(h, c));
	uint32_t *l = links(h, c);

	if (!(h->bucket_bits & (1u << b))) {
		h->bucket_bits |= 1u << b;
		h->buckets[b] = c;
		l[0] = l[1] = c;
	} else {
		/* At the tail: the head is what the next allocation tries
		 * first, so a freed chunk is reused last (FIFO per bucket). */
		uint32_t head = h->buckets[b];
		uint32_t tail = links(h, head)[1];

		l[0] = head;
		l[1] = tail;
		links(h, tail)[0] = c;
		links(h, head)[1] = c;
	}
	h->free_chunks++;
}

static void list_remove_sized(struct ms_heap *h, uint32_t c, int b)
{
	uint32_t *l = links(h, c);

	if (l[0] == c) {
		h->bucket_bits &= ~(1u << b);
	} else {
		links(h, l[1])[0] = l[0];
		links(h, l[0])[1] = l[1];
		if (h->buckets[b] == c)
			h->buckets[b] = l[0];
	}
	h->free_chunks--;
}

static void list_remove(struct ms_heap *h, uint32_t c)
{
	list_remove_sized(h, c, bucket_of(csize(h, c)));
}

/*
 * Put chunk nu where old is in its bucket's list (old leaves it). Only for
 * two chunks of the same bucket: splitting a chunk or merging into a free
 * right neighbour usually keeps the bucket, and this saves a removal and
 * an insertion on the most frequent paths.
 */
static void list_replace(struct ms_heap *h, uint32_t old, uint32_t nu, int b)
{
	uint32_t *lo = links(h, old), *ln = links(h, nu);

	if (lo[0] == old) {
		ln[0] = ln[1] = nu;
	} else {
		ln[0] = lo[0];
		ln[1] = lo[1];
		links(h, lo[1])[0] = nu;
		links(h, lo[0])[1] = nu;
	}
	if (h->buckets[b] == old)
		h->buckets[b] = nu;
}

int ms__heap_init(struct ms_heap *h, void *mem, size_t size)
{
	struct ms__chunk_hdr *e;
	uint32_t units;

	if (size < MS_HEAP_MIN_SIZE || size >= MS_HEAP_MAX_SIZE)
		return -EINVAL;
	units = (uint32_t)(size / MS__HEAP_UNIT);
	h->base = mem;
	h->units = units;
	h->end = units - MS__HEAP_HDR_UNITS;
	h->bucket_bits = 0;
	memset(h->buckets, 0, sizeof(h->buckets));
	h->used_units = 0;
	h->max_used_units = 0;
	h->lost_chunks = 0;
	h->free_chunks = 0;
	h->allocs = h->frees = h->failures = 0;
	h->double_frees = h->corruptions = 0;
	h->quick_depth = 0;
	memset(h->quick_len, 0, sizeof(h->quick_len));
	h->bucket_allocs = h->quick_flushes = 0;

	memset(ms__heap_hdr(h, 0), 0, MS__HEAP_HDR_BYTES);
	set_size(h, 0, h->end, false);
	ms__heap_hdr(h, 0)->heap_id = h->id;
	ms__heap_hdr(h, 0)->magic = MS__HEAP_MAGIC_FREE;
	list_add(h, 0);

	e = ms__heap_hdr(h, h->end);
	memset(e, 0, MS__HEAP_HDR_BYTES);
	set_size(h, h->end, MS__HEAP_HDR_UNITS, true);
	e->left_size = h->end;
	e->heap_id = h->id;
	e->magic = MS__HEAP_MAGIC_USED;
	return 0;
}

/*
 * A free chunk of at least sz units, or UINT32_MAX: Zephyr's alloc_chunk().
 * Up to MS__HEAP_BUCKET_TRIES chunks of sz's own bucket, from its head;
 * the head moves past each one too small, so the next search starts
 * after it. The chunk returned is then its bucket's head.
 */
static uint32_t find_chunk(struct ms_heap *h, uint32_t sz)
{
	int bi = bucket_of(sz);
	uint64_t above;

	if (h->bucket_bits & (1u << bi)) {
		uint32_t first = h->buckets[bi];

		for (int i = 0; i < MS__HEAP_BUCKET_TRIES; i++) {
			uint32_t c = h->buckets[bi];

			if (csize(h, c) >= sz)
				return c;
			h->buckets[bi] = links(h, c)[0];
			if (h->buckets[bi] == first)
				break;
		}
	}
	/* Any chunk of a higher bucket is at least 2^(bi+1) + 2 > sz units:
	 * the head of the lowest non-empty one. */
	above = h->bucket_bits & ~((2ull << bi) - 1);
	if (above)
		return h->buckets[__builtin_ctzll(above)];
	return UINT32_MAX;
}

static void coalesce(struct ms_heap *h, uint32_t c);

/*
 * A quick list was found damaged: count a corruption and rebuild from the
 * arena, not from the links. Every chunk that still carries the quick
 * magic is given back (coalescing); a cached chunk whose header was
 * overwritten cannot be told from a live one and stays lost, counted as
 * used, as a damaged sys_heap free list would leak it. Nothing is handed
 * out twice or outside the arena.
 */
static __attribute__((noinline)) void quick_recover(struct ms_heap *h)
{
	uint64_t expect = 0, found = 0;
	uint32_t c = 0, prev = 0, nexp = ms__heap_quick_count(h), nfound = 0;

	h->corruptions++;
	for (uint32_t q = 0; q < MS__HEAP_QUICK_CLASSES; q++) {
		expect += (uint64_t)h->quick_len[q] * (q + MS__HEAP_MIN_UNITS);
		h->quick_len[q] = 0;
	}
	while (c < h->end) {
		const struct ms__chunk_hdr *hd = ms__heap_hdr(h, c);
		uint32_t sz = hd->size_used >> 1;

		if (sz < MS__HEAP_MIN_UNITS || sz > h->end - c)
			break;		/* cannot walk further */
		if ((hd->size_used & 1u) && hd->magic == MS__HEAP_MAGIC_QUICK &&
		    sz <= MS__HEAP_QUICK_MAX_UNITS) {
			found += sz;
			nfound++;
			coalesce(h, c);
			/* c may have merged into the free chunk below it */
			if (c && !cused(h, prev) && prev + csize(h, prev) > c)
				c = prev;
		}
		prev = c;
		c += csize(h, c);
	}
	/* The cached units were counted free; what was not found is not. */
	h->used_units += (uint32_t)(expect - found);
	h->lost_chunks += nexp - nfound;
}

/* The buckets: find, split, and on a miss give the quick lists back and
 * look again. */
static inline void *alloc_slow(struct ms_heap *h, uint32_t sz, uint32_t tag,
			uint8_t kind)
{
	uint32_t c, have;

	if (!sz || sz > ms__heap_free_units(h))
		goto fail;
	c = find_chunk(h, sz);
	if (c == UINT32_MAX) {
		if (!ms__heap_quick_count(h))
			goto fail;
		ms__heap_quick_flush(h);
		c = find_chunk(h, sz);
		if (c == UINT32_MAX)
			goto fail;
	}
	have = csize(h, c);
	if (have - sz >= MS__HEAP_MIN_UNITS) {
		uint32_t r = c + sz;
		struct ms__chunk_hdr *rh = ms__heap_hdr(h, r);
		int b = bucket_of(have);

		set_size(h, r, have - sz, false);
		rh->left_size = sz;
		rh->tag = 0;
		rh->heap_id = h->id;
		rh->kind = 0;
		rh->magic = MS__HEAP_MAGIC_FREE;
		ms__heap_hdr(h, r + have - sz)->left_size = have - sz;
		if (bucket_of(have - sz) == b) {
			list_replace(h, c, r, b);
		} else {
			list_remove(h, c);
			list_add(h, r);
		}
		have = sz;
	} else {
		list_remove(h, c);
	}
	set_size(h, c, have, true);	/* take() writes the heap id */
	h->bucket_allocs++;
	return ms__heap_take(h, c, have, sz, tag, kind);
fail:
	h->failures++;
	return NULL;
}

__attribute__((noinline)) void *
ms__heap_alloc_slow(struct ms_heap *h, uint32_t sz, uint32_t tag, uint8_t kind)
{
	uint32_t q = sz - MS__HEAP_MIN_UNITS;

	/* Here with a non-empty quick list only when its head was refused. */
	if (q < MS__HEAP_QUICK_CLASSES && h->quick_len[q])
		quick_recover(h);
	return alloc_slow(h, sz, tag, kind);
}

void *ms__heap_alloc(struct ms_heap *h, size_t size, uint32_t tag,
		     uint8_t kind)
{
	return ms__heap_alloc_units(h, ms__heap_units_for(size), tag, kind);
}

bool ms__heap_contains(const struct ms_heap *h, const void *p)
{
	const uint8_t *b = p;

	return b >= h->base + MS__HEAP_HDR_BYTES &&
	       b < h->base + (size_t)h->end * MS__HEAP_UNIT;
}

enum ms__heap_check ms__heap_check(struct ms_heap *h, const void *p)
{
	uint32_t c;

	return ms__heap_check_chunk(h, p, &c);
}

enum ms__heap_check ms__heap_bad_header(const struct ms__chunk_hdr *hd)
{
	if (hd->magic == MS__HEAP_MAGIC_FREE && !(hd->size_used & 1u))
		return MS__HEAP_DOUBLE_FREE;
	if (hd->magic == MS__HEAP_MAGIC_QUICK && (hd->size_used & 1u))
		return MS__HEAP_DOUBLE_FREE;
	return MS__HEAP_NOT_CHUNK;
}

enum ms__heap_check ms__heap_refuse(struct ms_heap *h, enum ms__heap_check chk)
{
	if (chk == MS__HEAP_DOUBLE_FREE)
		h->double_frees++;
	else if (chk == MS__HEAP_CORRUPT)
		h->corruptions++;
	return chk;
}

/* Make chunk c (used until now, counters already moved) free: merge it
 * with free neighbours and put the result in its bucket. */
static __attribute__((noinline)) void coalesce(struct ms_heap *h, uint32_t c)
{
	struct ms__chunk_hdr *hd = ms__heap_hdr(h, c);
	uint32_t sz = hd->size_used >> 1, r;

	set_size(h, c, sz, false);
	hd->magic = MS__HEAP_MAGIC_FREE;

	r = c + sz;
	if (!cused(h, r)) {
		uint32_t rs = csize(h, r);
		int b = bucket_of(rs);

		/* r's header stays behind inside c's body, marked free, as a
		 * left-merged header does: a late free of it is a double free. */
		sz += rs;
		set_size(h, c, sz, false);
		ms__heap_hdr(h, c + sz)->left_size = sz;
		if (bucket_of(sz) == b &&
		    (c == 0 || cused(h, c - hd->left_size))) {
			/* Only r merges, and c+r stays in r's bucket. */
			list_replace(h, r, c, b);
			return;
		}
		list_remove_sized(h, r, b);
	}
	if (c && !cused(h, c - hd->left_size)) {
		uint32_t l = c - hd->left_size;

		list_remove(h, l);
		/* c's header stays behind, marked free: a second free of p
		 * is still recognised as a double free. */
		sz += csize(h, l);
		set_size(h, l, sz, false);
		ms__heap_hdr(h, l + sz)->left_size = sz;
		c = l;
	}
	list_add(h, c);
}

void ms__heap_coalesce(struct ms_heap *h, uint32_t c)
{
	coalesce(h, c);
}

/* Give back what list q holds beyond keep chunks, most recent first. */
static void quick_trim(struct ms_heap *h, uint32_t q, uint32_t keep)
{
	uint32_t c;

	while (h->quick_len[q] > keep) {
		if (!ms__heap_quick_pop(h, q, &c)) {
			quick_recover(h);	/* empties every list */
			return;
		}
		coalesce(h, c);
	}
}

void ms__heap_quick_flush(struct ms_heap *h)
{
	if (!ms__heap_quick_count(h))
		return;
	for (uint32_t q = 0; q < MS__HEAP_QUICK_CLASSES; q++)
		quick_trim(h, q, 0);
	h->quick_flushes++;
}

void ms__heap_set_quick_depth(struct ms_heap *h, uint32_t depth)
{
	if (depth > MS_HEAP_QUICK_DEPTH_MAX)
		depth = MS_HEAP_QUICK_DEPTH_MAX;
	if (depth < h->quick_depth)
		for (uint32_t q = 0; q < MS__HEAP_QUICK_CLASSES; q++)
			quick_trim(h, q, depth);
	h->quick_depth = depth;
}

/*
 * The free space as it would be with the quick lists given back: runs of
 * free and quick-listed chunks count as one chunk each. Walks the arena,
 * so only when something is cached.
 */
static uint32_t coalesced_view(const struct ms_heap *h, uint32_t *nfree)
{
	uint32_t c = 0, run = 0, largest = 0, n = 0;

	while (c < h->end) {
		const struct ms__chunk_hdr *hd = ms__heap_hdr(h, c);
		uint32_t sz = hd->size_used >> 1;

		if (!(hd->size_used & 1u) || hd->magic == MS__HEAP_MAGIC_QUICK) {
			if (!run)
				n++;
			run += sz;
			if (run > largest)
				largest = run;
		} else {
			run = 0;
		}
		c += sz;
	}
	*nfree = n;
	return largest;
}

void ms__heap_get_stats(const struct ms_heap *h, struct ms_heap_stats *out)
{
	uint32_t largest = 0, nfree = h->free_chunks;

	memset(out, 0, sizeof(*out));
	if (ms__heap_quick_count(h)) {
		largest = coalesced_view(h, &nfree);
	} else if (h->bucket_bits) {
		/* The largest free chunk is in the highest non-empty bucket. */
		int b = 31 - __builtin_clz(h->bucket_bits);
		uint32_t first = h->buckets[b], c = first;

		do {
			if (csize(h, c) > largest)
				largest = csize(h, c);
			c = links(h, c)[0];
		} while (c != first);
	}
	out->id = h->id;
	out->capacity = (size_t)h->end * MS__HEAP_UNIT;
	out->free_bytes = (size_t)ms__heap_free_units(h) * MS__HEAP_UNIT;
	out->allocated_bytes = (size_t)h->used_units * MS__HEAP_UNIT;
	out->max_allocated_bytes = (size_t)h->max_used_units * MS__HEAP_UNIT;
	out->largest_free_bytes = (size_t)largest * MS__HEAP_UNIT;
	out->largest_request = largest ? (size_t)(largest - MS__HEAP_HDR_UNITS) *
					 MS__HEAP_UNIT : 0;
	out->fragmentation_pct = ms__heap_free_units(h) ?
		(unsigned)(100 - (uint64_t)largest * 100 /
			   ms__heap_free_units(h)) : 0;
	out->used_chunks = ms__heap_used_chunks(h);
	out->free_chunks = nfree;
	out->allocs = h->allocs;
	out->frees = h->frees;
	out->failures = h->failures;
	out->double_frees = h->double_frees;
	out->corruptions = h->corruptions;
	out->quick_chunks = ms__heap_quick_count(h);
	out->quick_hits = h->allocs - h->bucket_allocs;
}

unsigned ms__heap_verify(const struct ms_heap *h)
{
	unsigned bad = 0;
	uint32_t c = 0, prev = 0, nfree = 0, fu = 0, uu = 0, listed = 0;
	uint32_t nquick = 0, qlisted = 0;
	bool prev_free = false;

	while (c < h->end) {
		uint32_t sz = csize(h, c);
		bool used = cused(h, c);

		if (sz < MS__HEAP_MIN_UNITS || sz > h->end - c)
			return bad + 1;	/* cannot walk further */
		if (ms__heap_hdr(h, c)->left_size != (c ? c - prev : 0))
			bad++;
		if (!used && prev_free)
			bad++;
		if (used && ms__heap_hdr(h, c)->magic == MS__HEAP_MAGIC_QUICK) {
			fu += sz;	/* cached: free for the counters */
			nquick++;
			if (sz > MS__HEAP_QUICK_MAX_UNITS)
				bad++;
		} else if (used) {
			uu += sz;
		} else {
			fu += sz;
			nfree++;
			if (!(h->bucket_bits & (1u << bucket_of(sz))))
				bad++;
		}
		prev_free = !used;
		prev = c;
		c += sz;
	}
	if (c != h->end || ms__heap_hdr(h, h->end)->left_size != c - prev)
		bad++;
	if (fu != ms__heap_free_units(h) || uu != h->used_units ||
	    nfree != h->free_chunks || nquick != ms__heap_quick_count(h))
		bad++;
	for (int b = 0; b < MS__HEAP_NBUCKETS; b++) {
		uint32_t first, x;

		if (!(h->bucket_bits & (1u << b)))
			continue;
		first = x = h->buckets[b];
		do {
			if (cused(h, x) || bucket_of(csize(h, x)) != b)
				bad++;
			listed++;
			x = links(h, x)[0];
		} while (x != first && listed <= nfree);
	}
	if (listed != nfree)
		bad++;
	for (uint32_t q = 0; q < MS__HEAP_QUICK_CLASSES; q++) {
		uint32_t x = h->quick_head[q];

		if (h->quick_len[q] > h->quick_depth)
			bad++;
		for (uint32_t i = 0; i < h->quick_len[q]; i++) {
			if (x >= h->end || qlisted++ > nquick)
				return bad + 1;	/* a broken link */
			if (!cused(h, x) || csize(h, x) != q + MS__HEAP_MIN_UNITS ||
			    ms__heap_hdr(h, x)->magic != MS__HEAP_MAGIC_QUICK)
				bad++;
			x = links(h, x)[0];
		}
	}
	if (qlisted != nquick)
		bad++;
	return bad;
}
