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

/* The free-list links live in the body of a free chunk. */
static inline uint32_t *links(const struct ms_heap *h, uint32_t c)
{
	return (uint32_t *)(h->base + ((size_t)c + MS__HEAP_HDR_UNITS) *
			    MS__HEAP_UNIT);
}

static inline int bucket_of(uint32_t units)
{
	return 31 - __builtin_clz(units);
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
	h->free_units = h->end;
	h->used_units = 0;
	h->max_used_units = 0;
	h->used_chunks = 0;
	h->free_chunks = 0;
	h->allocs = h->frees = h->failures = 0;
	h->double_frees = h->corruptions = 0;

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

/* A free chunk of at least sz units, or UINT32_MAX. */
static uint32_t find_chunk(struct ms_heap *h, uint32_t sz)
{
	int bi = bucket_of(sz);
	uint64_t above;

	if (h->bucket_bits & (1u << bi)) {
		uint32_t first = h->buckets[bi], c = first;

		for (int i = 0; i < MS__HEAP_BUCKET_TRIES; i++) {
			if (csize(h, c) >= sz)
				return c;
			c = links(h, c)[0];
			if (c == first)
				break;
		}
	}
	/* Any chunk of a higher bucket is at least 2^(bi+1) > sz units. */
	above = h->bucket_bits & ~((2ull << bi) - 1);
	if (above)
		return h->buckets[__builtin_ctzll(above)];
	return UINT32_MAX;
}

void *ms__heap_alloc(struct ms_heap *h, size_t size, uint32_t tag,
		     uint8_t kind)
{
	uint32_t sz = ms__heap_units_for(size);
	uint32_t c, have;
	struct ms__chunk_hdr *hd;

	if (!sz || sz > h->free_units)
		goto fail;
	c = find_chunk(h, sz);
	if (c == UINT32_MAX)
		goto fail;
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
	hd = ms__heap_hdr(h, c);
	set_size(h, c, have, true);
	hd->tag = tag;
	hd->heap_id = h->id;
	hd->kind = (uint8_t)((kind & MS__HEAP_KIND_MASK) |
			     (have - sz) << MS__HEAP_SLACK_SHIFT);
	hd->magic = MS__HEAP_MAGIC_USED;
	h->free_units -= have;
	h->used_units += have;
	if (h->used_units > h->max_used_units)
		h->max_used_units = h->used_units;
	h->used_chunks++;
	h->allocs++;
	return (uint8_t *)hd + MS__HEAP_HDR_BYTES;
fail:
	h->failures++;
	return NULL;
}

bool ms__heap_contains(const struct ms_heap *h, const void *p)
{
	const uint8_t *b = p;

	return b >= h->base + MS__HEAP_HDR_BYTES &&
	       b < h->base + (size_t)h->end * MS__HEAP_UNIT;
}

enum ms__heap_check ms__heap_check(struct ms_heap *h, const void *p)
{
	size_t off;
	uint32_t c, sz, left;
	const struct ms__chunk_hdr *hd;

	if (!ms__heap_contains(h, p))
		return MS__HEAP_NOT_CHUNK;
	off = (size_t)((const uint8_t *)p - h->base);
	if (off % MS__HEAP_UNIT)
		return MS__HEAP_NOT_CHUNK;
	c = (uint32_t)(off / MS__HEAP_UNIT) - MS__HEAP_HDR_UNITS;
	hd = ms__heap_hdr(h, c);
	if (hd->magic == MS__HEAP_MAGIC_FREE && !(hd->size_used & 1u))
		return MS__HEAP_DOUBLE_FREE;
	if (hd->magic != MS__HEAP_MAGIC_USED || !(hd->size_used & 1u))
		return MS__HEAP_NOT_CHUNK;
	/* From here on it looks like a live header: any disagreement with
	 * the neighbours means someone wrote over a header. */
	sz = hd->size_used >> 1;
	if (sz < MS__HEAP_MIN_UNITS || sz > h->end - c || hd->heap_id != h->id)
		return MS__HEAP_CORRUPT;
	if (ms__heap_hdr(h, c + sz)->left_size != sz)
		return MS__HEAP_CORRUPT;
	left = hd->left_size;
	if ((left == 0) != (c == 0) || left > c)
		return MS__HEAP_CORRUPT;
	if (left && csize(h, c - left) != left)
		return MS__HEAP_CORRUPT;
	return MS__HEAP_OK;
}

enum ms__heap_check ms__heap_release(struct ms_heap *h, void *p)
{
	enum ms__heap_check chk = ms__heap_check(h, p);
	struct ms__chunk_hdr *hd;
	uint32_t c, sz, r;

	if (chk != MS__HEAP_OK) {
		if (chk == MS__HEAP_DOUBLE_FREE)
			h->double_frees++;
		else if (chk == MS__HEAP_CORRUPT)
			h->corruptions++;
		return chk;
	}
	hd = ms__heap_hdr_of(p);
	c = (uint32_t)(((uint8_t *)hd - h->base) / MS__HEAP_UNIT);
	sz = hd->size_used >> 1;
	h->free_units += sz;
	h->used_units -= sz;
	h->used_chunks--;
	h->frees++;
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
			return MS__HEAP_OK;
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
	return MS__HEAP_OK;
}

void ms__heap_get_stats(const struct ms_heap *h, struct ms_heap_stats *out)
{
	uint32_t largest = 0;

	memset(out, 0, sizeof(*out));
	if (h->bucket_bits) {
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
	out->free_bytes = (size_t)h->free_units * MS__HEAP_UNIT;
	out->allocated_bytes = (size_t)h->used_units * MS__HEAP_UNIT;
	out->max_allocated_bytes = (size_t)h->max_used_units * MS__HEAP_UNIT;
	out->largest_free_bytes = (size_t)largest * MS__HEAP_UNIT;
	out->largest_request = largest ? (size_t)(largest - MS__HEAP_HDR_UNITS) *
					 MS__HEAP_UNIT : 0;
	out->fragmentation_pct = h->free_units ?
		(unsigned)(100 - (uint64_t)largest * 100 / h->free_units) : 0;
	out->used_chunks = h->used_chunks;
	out->free_chunks = h->free_chunks;
	out->allocs = h->allocs;
	out->frees = h->frees;
	out->failures = h->failures;
	out->double_frees = h->double_frees;
	out->corruptions = h->corruptions;
}

unsigned ms__heap_verify(const struct ms_heap *h)
{
	unsigned bad = 0;
	uint32_t c = 0, prev = 0, nfree = 0, fu = 0, uu = 0, listed = 0;
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
		if (used) {
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
	if (fu != h->free_units || uu != h->used_units ||
	    nfree != h->free_chunks)
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
	return bad;
}
