/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap allocator: private to src/alloc.
 *
 * Layout
 * ------
 * A heap manages one arena of host memory, a whole number of 8-byte
 * "units". Memory is cut into chunks laid end to end from unit 0; every
 * chunk is a whole number of units and begins with a 16-byte header:
 *
 *     word 0  u32  size_used   chunk size in units << 1, bit 0 = in use
 *     word 1  u32  left_size   size in units of the chunk just below (0 for
 *                              the first chunk)
 *     word 2  u32  tag         for the owner of a used chunk; the kernel
 *                              layer stores the requesting thread's tid
 *     word 3  u16  heap_id     which heap the chunk belongs to
 *             u8   kind        bits 0-5: enum ms_alloc_kind of the
 *                              allocation; bits 6-7: slack units (below)
 *             u8   magic       MAGIC_USED or MAGIC_FREE
 *
 * The first 8 bytes are Zephyr's sys_heap chunk header for big heaps (size
 * and used bit, left neighbour's size). The second 8 bytes are memsim's: a
 * kernel that accounts allocations to threads must find the requester from
 * the pointer alone when someone else frees it, and it must know which heap
 * (system or pool) to give the memory back to. The magic byte lets a free
 * tell a live header from a stale or overwritten one.
 *
 * The caller's memory starts right after the header, so it is 8-byte
 * aligned. A free chunk keeps two more u32 in its body: the unit offsets of
 * the next and previous free chunks of its bucket (a circular doubly linked
 * list). Hence the smallest chunk is 3 units (24 bytes).
 *
 * The last 2 units of the arena hold an "end" header marked used with size
 * 2, so that the last real chunk always has a right neighbour and never
 * coalesces past the end. Those 16 bytes are not part of the capacity.
 *
 * Per-allocation overhead: a request of n bytes takes a chunk of
 * max(3, 2 + ceil(n / 8)) units: 16 bytes of header plus n rounded up to a
 * multiple of 8 (at least 8). ms_heap_footprint() computes it; that figure,
 * not n, is what the quota policies charge, because it is what the heap
 * loses. When the chunk found is bigger by 1 or 2 units, too little to
 * stand as a free chunk, the allocation keeps them as "slack" (recorded in
 * the kind byte): the heap counts the whole chunk as allocated, while the
 * charge stays the footprint, so a free credits exactly what was charged
 * and a quota never depends on where the heap happened to cut.
 *
 * Free lists
 * ----------
 * Free chunks sit in buckets by size, with Zephyr's bucket_idx(): bucket b
 * holds chunks of s units with floor(log2(s - 3 + 1)) = b, that is 2^b + 2
 * to 2^(b+1) + 1 units (3 being the smallest chunk, as 2 is Zephyr's for
 * its 8-byte header). A bit per bucket says whether it is non-empty. A
 * request of s units first looks at up to 3 chunks of its own bucket
 * from the head (some of them may be big enough), moving the head past
 * each one too small, then takes the head of the lowest non-empty bucket
 * above it, which is always big enough: sys_heap's alloc_chunk(). The
 * chunk found is split if the rest can stand as a chunk of its own (3
 * units; Zephyr splits off any rest); a freed chunk merges with a free
 * left and a free right neighbour at once and goes to the tail of its
 * bucket. Where sys_heap would take a chunk out and put the rest (a split)
 * or the merged chunk (a right merge) back at the tail of the same
 * bucket, this heap puts it in the old chunk's place instead, saving a
 * removal and an insertion: the order within a bucket can differ.
 *
 * Quick lists
 * -----------
 * With a quick depth d > 0 (ms_heap_set_quick_depth; the sims's heaps take
 * ms_config.heap_quick_depth), a freed chunk of at most 34 units does not
 * coalesce: it goes on the quick list of its exact size, up to d chunks
 * per size, still marked used for its neighbours (so nothing merges into
 * it) but with MAGIC_QUICK, and counted as free. An allocation of exactly
 * that size takes the most recently cached chunk first; that is the whole
 * fast path, a pop and a push, as in glibc's tcache or a slab allocator's
 * per-CPU free list. When no free chunk fits a request, every quick list
 * is first given back to the buckets (each chunk coalescing as a free
 * does), and only then does the request fail: a quick list never makes a
 * request fail that the coalesced heap could serve. With d = 0 the heap
 * follows sys_heap's rules (above), with the differences of header size,
 * smallest chunk, slack and order within a bucket stated there and in
 * docs/heap-and-quotas.md section 1.3.
 *
 * Invariants: no two free chunks are adjacent; every chunk's left_size
 * equals the size of the chunk below it; the free units (derived: the
 * capacity less used_units) count quick-listed chunks too; a chunk is in
 * exactly one bucket iff it is free, and on exactly one quick list iff it
 * carries MAGIC_QUICK.
 *
 * Detection: a free checks that the header carries MAGIC_USED and the used
 * bit (otherwise it is a double free, of a coalesced or of a quick-listed
 * chunk, or not a chunk at all) and that both
 * neighbours agree with it on the sizes (otherwise something overwrote a
 * header: a corrupted neighbour). Either is refused and counted; the heap
 * is left as it was, and the host does not crash.
 */
#ifndef MS_ALLOC_HEAP_PRIV_H
#define MS_ALLOC_HEAP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memsim/heap.h>

#include "sched/sched.h"

#define MS__HEAP_UNIT 8u
#define MS__HEAP_HDR_UNITS 2u
#define MS__HEAP_HDR_BYTES (MS__HEAP_HDR_UNITS * MS__HEAP_UNIT)
#define MS__HEAP_MIN_UNITS 3u
#define MS__HEAP_NBUCKETS 32
/* A request's own bucket is searched this many chunks deep before moving
 * up (Zephyr's CONFIG_SYS_HEAP_ALLOC_LOOPS, 3 by default). */
#define MS__HEAP_BUCKET_TRIES 3

#define MS__HEAP_MAGIC_USED 0xa5
#define MS__HEAP_MAGIC_FREE 0x5a
#define MS__HEAP_MAGIC_QUICK 0x3c

/* Quick lists cache freed chunks of 3..34 units (requests up to 256
 * bytes), one list per exact chunk size. */
#define MS__HEAP_QUICK_MAX_UNITS 34u
#define MS__HEAP_QUICK_CLASSES (MS__HEAP_QUICK_MAX_UNITS - MS__HEAP_MIN_UNITS + 1)

#define MS__HEAP_NAME_MAX 32

#define MS__HEAP_KIND_MASK 0x3fu
#define MS__HEAP_SLACK_SHIFT 6

struct ms__chunk_hdr {
	uint32_t size_used;
	uint32_t left_size;
	uint32_t tag;
	uint16_t heap_id;
	uint8_t kind;
	uint8_t magic;
};
_Static_assert(sizeof(struct ms__chunk_hdr) == MS__HEAP_HDR_BYTES,
	       "chunk header is two units");

/* What a free found wrong. */
enum ms__heap_check {
	MS__HEAP_OK = 0,
	MS__HEAP_NOT_CHUNK,	/* outside the arena, misaligned */
	MS__HEAP_DOUBLE_FREE,	/* header says free */
	MS__HEAP_CORRUPT,	/* header or a neighbour's is inconsistent */
};

struct ms_heap {
	char name[MS__HEAP_NAME_MAX];
	uint16_t id;
	bool is_system;

	uint8_t *base;		/* the arena, 8-byte aligned */
	uint32_t units;		/* arena size in units, end header included */
	uint32_t end;		/* unit offset of the end header */
	uint32_t bucket_bits;	/* bit b: buckets[b] not empty */
	uint32_t buckets[MS__HEAP_NBUCKETS];	/* head chunk of each list */

	/* quick lists: heads (unit offsets), lengths, the depth limit */
	uint32_t quick_depth;			/* 0: no quick lists */
	uint32_t quick_head[MS__HEAP_QUICK_CLASSES];
	uint8_t quick_len[MS__HEAP_QUICK_CLASSES];
	uint64_t bucket_allocs;			/* allocations not served from
						 * them (quick hits: the rest) */
	uint64_t quick_flushes;			/* times they were emptied */

	/* statistics, in units where they are sizes; free units, used and
	 * cached chunks are derived (ms__heap_free_units and below) */
	uint32_t used_units;
	uint32_t max_used_units;
	uint32_t lost_chunks;	/* cached chunks a damaged quick list lost */
	uint32_t free_chunks;
	uint64_t allocs;
	uint64_t frees;
	uint64_t failures;
	uint64_t double_frees;
	uint64_t corruptions;

	/* kept by src/alloc/alloc.c */
	struct ms__waitq waiters;	/* ms__kalloc_wait sleepers */
	uint32_t assigned;		/* live threads that have it as pool */
};

static inline struct ms__chunk_hdr *ms__heap_hdr(const struct ms_heap *h,
						 uint32_t c)
{
	return (struct ms__chunk_hdr *)(h->base + (size_t)c * MS__HEAP_UNIT);
}

static inline struct ms__chunk_hdr *ms__heap_hdr_of(const void *p)
{
	return (struct ms__chunk_hdr *)((uint8_t *)p - MS__HEAP_HDR_BYTES);
}

/*
 * Set the second half of a header (tag, heap_id, kind, magic) with one
 * 8-byte store rather than four: allocation and free each write all four.
 */
static inline void ms__heap_set_owner(struct ms__chunk_hdr *hd, uint32_t tag,
				      uint16_t heap_id, uint8_t kind,
				      uint8_t magic)
{
	struct ms__chunk_hdr v = {
		.tag = tag, .heap_id = heap_id, .kind = kind, .magic = magic,
	};

	_Static_assert(offsetof(struct ms__chunk_hdr, tag) == MS__HEAP_UNIT &&
		       offsetof(struct ms__chunk_hdr, magic) ==
		       MS__HEAP_HDR_BYTES - 1,
		       "tag..magic are the header's second unit");
	memcpy((uint8_t *)hd + MS__HEAP_UNIT, (const uint8_t *)&v + MS__HEAP_UNIT,
	       MS__HEAP_UNIT);
}

/* Free units, quick-listed chunks included: the capacity less the used. */
static inline uint32_t ms__heap_free_units(const struct ms_heap *h)
{
	return h->end - h->used_units;
}

/* Chunks handed out and not given back (lost ones count as used). */
static inline uint32_t ms__heap_used_chunks(const struct ms_heap *h)
{
	return (uint32_t)(h->allocs - h->frees) + h->lost_chunks;
}

/* Chunks cached on the quick lists. */
static inline uint32_t ms__heap_quick_count(const struct ms_heap *h)
{
	uint32_t n = 0;

	for (uint32_t q = 0; q < MS__HEAP_QUICK_CLASSES; q++)
		n += h->quick_len[q];
	return n;
}

/* Units a request of size bytes takes (0 if it can never fit a u32). */
static inline uint32_t ms__heap_units_for(size_t size)
{
	size_t u;

	if (size > ((size_t)UINT32_MAX >> 2) * MS__HEAP_UNIT)
		return 0;
	u = MS__HEAP_HDR_UNITS + (size + MS__HEAP_UNIT - 1) / MS__HEAP_UNIT;
	return u < MS__HEAP_MIN_UNITS ? MS__HEAP_MIN_UNITS : (uint32_t)u;
}

/*
 * Set up h over [mem, mem + size) (mem 8-byte aligned). The rest of h (name,
 * id, waiters) is the caller's.
 * @retval -EINVAL size too small (< MS_HEAP_MIN_SIZE, 64 bytes) or too large
 *         (>= MS_HEAP_MAX_SIZE, 4 GiB)
 */
int ms__heap_init(struct ms_heap *h, void *mem, size_t size);

/* A chunk for size bytes with the given tag/kind, or NULL (counted). */
void *ms__heap_alloc(struct ms_heap *h, size_t size, uint32_t tag,
		     uint8_t kind);

/* Everything but a quick-list hit: the buckets, and the rebuilding of a
 * quick list found damaged. */
void *ms__heap_alloc_slow(struct ms_heap *h, uint32_t units, uint32_t tag,
			  uint8_t kind);

/* The free-list links live in the body of a free chunk; a quick-listed
 * chunk keeps its one link there too. */
static inline uint32_t *ms__heap_links(const struct ms_heap *h, uint32_t c)
{
	return (uint32_t *)(h->base + ((size_t)c + MS__HEAP_HDR_UNITS) *
			    MS__HEAP_UNIT);
}

/*
 * The head of quick list q, if it can be taken: *c and its successor
 * *next. The link lives in freed memory, where a write after free could
 * aim it anywhere: it is followed only from a chunk that still carries
 * the quick magic and the list's size, and only into the arena. false:
 * the list is empty or damaged. Changes nothing.
 */
static inline __attribute__((always_inline)) bool
ms__heap_quick_peek(const struct ms_heap *h, uint32_t q, uint32_t *c,
		    uint32_t *next)
{
	uint32_t head = h->quick_head[q];
	const struct ms__chunk_hdr *hd;

	if (__builtin_expect(!h->quick_len[q] || head >= h->end, 0))
		return false;
	hd = ms__heap_hdr(h, head);
	*next = ms__heap_links(h, head)[0];
	if (__builtin_expect(hd->magic != MS__HEAP_MAGIC_QUICK ||
			     hd->size_used != ((q + MS__HEAP_MIN_UNITS) << 1 | 1u) ||
			     (h->quick_len[q] > 1 && *next >= h->end), 0))
		return false;
	*c = head;
	return true;
}

/* Take the head of quick list q into *c; false: empty or damaged (nothing
 * taken). */
static inline __attribute__((always_inline)) bool
ms__heap_quick_pop(struct ms_heap *h, uint32_t q, uint32_t *c)
{
	uint32_t next;

	if (!ms__heap_quick_peek(h, q, c, &next))
		return false;
	h->quick_head[q] = next;
	h->quick_len[q]--;
	return true;
}

/* Hand chunk c (have units, used bit set) to its owner: the tail of every
 * successful allocation. */
static inline void *ms__heap_take(struct ms_heap *h, uint32_t c,
				  uint32_t have, uint32_t sz, uint32_t tag,
				  uint8_t kind)
{
	struct ms__chunk_hdr *hd = ms__heap_hdr(h, c);

	ms__heap_set_owner(hd, tag, h->id,
			   (uint8_t)((kind & MS__HEAP_KIND_MASK) |
				     (have - sz) << MS__HEAP_SLACK_SHIFT),
			   MS__HEAP_MAGIC_USED);
	h->used_units += have;
	if (h->used_units > h->max_used_units)
		h->max_used_units = h->used_units;
	h->allocs++;
	return (uint8_t *)hd + MS__HEAP_HDR_BYTES;
}

/*
 * A chunk for a request already in units (ms__heap_units_for; 0 fails),
 * as ms__heap_alloc. The quick-list hit is inline here, in the callers'
 * hot paths; the rest is ms__heap_alloc_slow.
 */
static inline __attribute__((always_inline)) void *
ms__heap_alloc_units(struct ms_heap *h, uint32_t sz, uint32_t tag, uint8_t kind)
{
	uint32_t q = sz - MS__HEAP_MIN_UNITS;	/* wraps for sz 0 */
	uint32_t c;

	/* The chunk is already cut to size, marked used and carries this
	 * heap's id; only the owner's fields change. */
	if (__builtin_expect(q < MS__HEAP_QUICK_CLASSES &&
			     ms__heap_quick_pop(h, q, &c), 1)) {
		return ms__heap_take(h, c, sz, sz, tag, kind);
	}
	return ms__heap_alloc_slow(h, sz, tag, kind);
}

/* Set the quick depth (0..MS_HEAP_QUICK_DEPTH_MAX; lowering it gives back
 * what is cached beyond the new depth). */
void ms__heap_set_quick_depth(struct ms_heap *h, uint32_t depth);

/* Give every quick-listed chunk back to the buckets. */
void ms__heap_quick_flush(struct ms_heap *h);

/* Check the chunk at p without changing anything. */
enum ms__heap_check ms__heap_check(struct ms_heap *h, const void *p);

/* What a header that is not MAGIC_USED with the used bit is (cold). */
enum ms__heap_check ms__heap_bad_header(const struct ms__chunk_hdr *hd);
/* Count a refused free; returns chk. */
enum ms__heap_check ms__heap_refuse(struct ms_heap *h, enum ms__heap_check chk);
/* Make used chunk c free (counters already moved): merge it with free
 * neighbours and put it in its bucket. */
void ms__heap_coalesce(struct ms_heap *h, uint32_t c);

/*
 * The checks of a free, on the chunk at p; *chunk is its unit offset.
 * Inline: they are half of every free, and a free is on the hot path of
 * every charged allocation.
 */
static inline __attribute__((always_inline)) enum ms__heap_check
ms__heap_check_chunk(const struct ms_heap *h, const void *p, uint32_t *chunk)
{
	size_t off = (size_t)((const uint8_t *)p - h->base);
	const struct ms__chunk_hdr *hd;
	uint32_t c, sz, left;

	/* One unsigned compare covers both ends of the arena. */
	if (__builtin_expect(off - MS__HEAP_HDR_BYTES >=
			     (size_t)h->end * MS__HEAP_UNIT - MS__HEAP_HDR_BYTES ||
			     off % MS__HEAP_UNIT, 0))
		return MS__HEAP_NOT_CHUNK;
	c = (uint32_t)(off / MS__HEAP_UNIT) - MS__HEAP_HDR_UNITS;
	hd = ms__heap_hdr(h, c);
	if (__builtin_expect(hd->magic != MS__HEAP_MAGIC_USED ||
			     !(hd->size_used & 1u), 0))
		return ms__heap_bad_header(hd);
	/* From here on it looks like a live header: any disagreement with
	 * the neighbours means someone wrote over a header. */
	sz = hd->size_used >> 1;
	left = hd->left_size;
	if (__builtin_expect(sz < MS__HEAP_MIN_UNITS || sz > h->end - c ||
			     hd->heap_id != h->id ||
			     ms__heap_hdr(h, c + sz)->left_size != sz, 0))
		return MS__HEAP_CORRUPT;
	/* The left neighbour: none for chunk 0, else 1..c units below. */
	if (__builtin_expect(c != 0, 1)) {
		if (__builtin_expect(left - 1 >= c ||
				     ms__heap_hdr(h, c - left)->size_used >> 1 !=
				     left, 0))
			return MS__HEAP_CORRUPT;
	} else if (left) {
		return MS__HEAP_CORRUPT;
	}
	*chunk = c;
	return MS__HEAP_OK;
}

/* Whether quick list q (chunk size q + 3 units) has room for one more. */
static inline bool ms__heap_quick_room(const struct ms_heap *h, uint32_t q)
{
	return q < MS__HEAP_QUICK_CLASSES && h->quick_len[q] < h->quick_depth;
}

/* Put checked chunk c of sz units (already counted free) on its quick
 * list, which has room. It stays cut and marked used: nothing merges with
 * it. */
static inline __attribute__((always_inline)) void
ms__heap_quick_push(struct ms_heap *h, uint32_t c, uint32_t sz)
{
	struct ms__chunk_hdr *hd = ms__heap_hdr(h, c);
	uint32_t q = sz - MS__HEAP_MIN_UNITS;

	ms__heap_set_owner(hd, 0, h->id, 0, MS__HEAP_MAGIC_QUICK);
	ms__heap_links(h, c)[0] = h->quick_head[q];
	h->quick_head[q] = c;
	h->quick_len[q]++;
}

/* Free chunk c of sz units, which passed the checks, onto its quick list,
 * which has room (ms__heap_quick_room). */
static inline __attribute__((always_inline)) void
ms__heap_free_quick(struct ms_heap *h, uint32_t c, uint32_t sz)
{
	h->used_units -= sz;
	h->frees++;
	ms__heap_quick_push(h, c, sz);
}

/* Free chunk c of sz units, which passed the checks, into the buckets,
 * merged with its free neighbours. */
static inline void ms__heap_free_coalesce(struct ms_heap *h, uint32_t c,
					  uint32_t sz)
{
	h->used_units -= sz;
	h->frees++;
	ms__heap_coalesce(h, c);
}

/* Free chunk c of sz units, which passed the checks: onto its quick list
 * if that has room, else coalesced into the buckets. */
static inline __attribute__((always_inline)) void
ms__heap_free_checked(struct ms_heap *h, uint32_t c, uint32_t sz)
{
	if (__builtin_expect(ms__heap_quick_room(h, sz - MS__HEAP_MIN_UNITS), 1))
		ms__heap_free_quick(h, c, sz);
	else
		ms__heap_free_coalesce(h, c, sz);
}

/*
 * Give p back: checks first; on a failed check nothing changes (counted).
 * A chunk its quick list has room for is pushed there (the inline fast
 * path); any other is coalesced.
 */
static inline __attribute__((always_inline)) enum ms__heap_check
ms__heap_release(struct ms_heap *h, void *p)
{
	struct ms__chunk_hdr *hd;
	enum ms__heap_check chk;
	uint32_t c = 0;

	chk = ms__heap_check_chunk(h, p, &c);
	if (__builtin_expect(chk != MS__HEAP_OK, 0))
		return ms__heap_refuse(h, chk);
	hd = ms__heap_hdr(h, c);
	ms__heap_free_checked(h, c, hd->size_used >> 1);
	return MS__HEAP_OK;
}

/* Bytes the chunk at p takes (header and slack included); p must be a
 * live chunk. */
static inline size_t ms__heap_chunk_bytes(const void *p)
{
	return (size_t)(ms__heap_hdr_of(p)->size_used >> 1) * MS__HEAP_UNIT;
}

/* The footprint of the request p was made for: the chunk less its slack. */
static inline size_t ms__heap_block_bytes(const void *p)
{
	const struct ms__chunk_hdr *hd = ms__heap_hdr_of(p);

	return (size_t)((hd->size_used >> 1) -
			(hd->kind >> MS__HEAP_SLACK_SHIFT)) * MS__HEAP_UNIT;
}

static inline unsigned ms__heap_block_kind(const void *p)
{
	return ms__heap_hdr_of(p)->kind & MS__HEAP_KIND_MASK;
}

bool ms__heap_contains(const struct ms_heap *h, const void *p);

void ms__heap_get_stats(const struct ms_heap *h, struct ms_heap_stats *out);

/* Walk every chunk and check the invariants; the number of violations. */
unsigned ms__heap_verify(const struct ms_heap *h);

#endif
