/* SPDX-License-Identifier: MIT */
/*
 * Sealed pools without faults: linear allocation and alignment, sealing
 * (explicit and when a page fills), reading sealed data back, the exact
 * statistics, tracked and untracked frees, destroy returning every page
 * and mapping, host failures leaving nothing behind, argument checks, the
 * simulated cost of pool calls and the determinism of their events.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "core/core.h"
#include "core/cost.h"
#include "platform/os.h"

static size_t pg;

static int setup(void **state)
{
	pg = ms__os_page_size();
	return 0;
}

static enum ms_pool_page_state state_of(struct ms_sim *sim,
					struct ms_pool *p, const void *ptr,
					uint32_t *page, size_t *off)
{
	enum ms_pool_page_state st;

	assert_int_equal(ms_pool_locate(sim, p, ptr, page, off, &st), 0);
	return st;
}

static void test_alloc_seal_read_back(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "cfg", 0, MS_POOL_RARE_MAP, 0);
	struct ms_pool_stats st;
	uint8_t *a, *b, *c, *d;
	uint32_t page;
	size_t off;
	uint64_t ea, eb;

	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.id, 1);
	assert_int_equal(st.pages, 0);
	assert_int_equal(st.max_pages, MS_POOL_MAX_PAGES_DEFAULT);
	assert_true(st.meta_pages >= 1);

	assert_int_equal(ms_pool_alloc(sim, p, 10, 0, (void **)&a), 0);
	assert_int_equal(ms_pool_alloc(sim, p, 100, 64, (void **)&b), 0);
	assert_int_equal(ms_pool_alloc(sim, p, 4, 1, (void **)&c), 0);
	assert_int_equal(state_of(sim, p, a, &page, &off), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 0);
	assert_int_equal(off, 0);
	assert_int_equal(state_of(sim, p, b, &page, &off), MS_POOL_PAGE_OPEN);
	assert_int_equal(off, 64);
	assert_int_equal((uintptr_t)b % 64, 0);
	assert_int_equal(state_of(sim, p, c, &page, &off), MS_POOL_PAGE_OPEN);
	assert_int_equal(off, 164);

	/* Module init: fill the objects, then seal. */
	memcpy(a, "0123456789", 10);
	for (int i = 0; i < 100; i++)
		b[i] = (uint8_t)i;
	memcpy(c, "abcd", 4);
	assert_int_equal(ms_pool_seal(sim, p), 0);
	assert_int_equal(state_of(sim, p, a, NULL, NULL), MS_POOL_PAGE_SEALED);

	/* Reading sealed memory is fine. */
	assert_memory_equal(a, "0123456789", 10);
	for (int i = 0; i < 100; i++)
		assert_int_equal(b[i], i);
	assert_memory_equal(c, "abcd", 4);

	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 1);
	assert_int_equal(st.sealed_pages, 1);
	assert_int_equal(st.bytes_used, 114);
	assert_int_equal(st.bytes_wasted_align, 54);
	assert_int_equal(st.bytes_wasted_end, pg - 168);
	assert_int_equal(st.bytes_wasted_gap, 0);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.seals, 1);
	assert_int_equal(st.pages_taken, 1);
	assert_int_equal(count_events(sim, MS_EV_POOL_PAGE, &ea, &eb), 1);
	assert_int_equal(ea, 1);
	assert_int_equal(eb, 0);
	assert_int_equal(count_events(sim, MS_EV_POOL_SEAL, &ea, &eb), 1);
	assert_int_equal(ea, 1);
	assert_int_equal(eb, 0);

	/* The host cannot take a fault: a direct write to sealed memory is
	 * refused, and nothing is written. */
	assert_int_equal(ms_pool_write(sim, p, a, "X", 1), -EFAULT);
	assert_int_equal(a[0], '0');

	/* A sealed pool still grows: the next allocation takes a new page. */
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, (void **)&d), 0);
	assert_int_equal(state_of(sim, p, d, &page, &off), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 1);
	assert_int_equal(off, 0);
	assert_int_equal(ms_pool_write(sim, p, d, "12345678", 8), 0);
	assert_memory_equal(d, "12345678", 8);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.sealed_pages, 1);
	/* Sealing again seals only the new page. */
	assert_int_equal(ms_pool_seal(sim, p), 0);
	assert_int_equal(count_events(sim, MS_EV_POOL_SEAL, &ea, &eb), 2);
	assert_int_equal(eb, 1);
	assert_int_equal(ms_pool_seal(sim, p), 0);
	assert_int_equal(count_events(sim, MS_EV_POOL_SEAL, NULL, NULL), 2);
	assert_int_equal(ms_pool_destroy(sim, p, NULL), 0);
	ms_sim_free(sim);
}

static void test_page_sealed_when_it_fills(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "fill", 0, MS_POOL_RARE_GATE, 0);
	struct ms_pool_stats st;
	void *a, *b, *c, *d;
	uint32_t page;
	size_t off;
	uint64_t ea, eb;

	assert_int_equal(ms_pool_alloc(sim, p, pg / 2 + 8, 0, &a), 0);
	/* Does not fit behind a: page 0 is full, sealed; page 1 taken. */
	assert_int_equal(ms_pool_alloc(sim, p, pg / 2, 0, &b), 0);
	assert_int_equal(state_of(sim, p, a, &page, NULL), MS_POOL_PAGE_SEALED);
	assert_int_equal(page, 0);
	assert_int_equal(state_of(sim, p, b, &page, &off), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 1);
	assert_int_equal(off, 0);
	assert_int_equal(count_events(sim, MS_EV_POOL_SEAL, &ea, &eb), 1);
	assert_int_equal(eb, 0);
	/* Fills page 1 exactly: it stays open, so c can still be written. */
	assert_int_equal(ms_pool_alloc(sim, p, pg / 2, 0, &c), 0);
	assert_int_equal(state_of(sim, p, c, &page, &off), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 1);
	assert_int_equal(off, pg / 2);
	assert_int_equal(ms_pool_write(sim, p, c, "c", 1), 0);
	/* The next allocation finds it full. */
	assert_int_equal(ms_pool_alloc(sim, p, 1, 0, &d), 0);
	assert_int_equal(state_of(sim, p, c, NULL, NULL), MS_POOL_PAGE_SEALED);
	assert_int_equal(state_of(sim, p, d, &page, NULL), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 2);
	assert_int_equal(count_events(sim, MS_EV_POOL_SEAL, &ea, &eb), 2);
	assert_int_equal(eb, 1);

	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 3);
	assert_int_equal(st.sealed_pages, 2);
	assert_int_equal(st.bytes_used, (pg / 2 + 8) + pg / 2 + pg / 2 + 1);
	assert_int_equal(st.bytes_wasted_end, pg / 2 - 8);
	assert_int_equal(st.bytes_wasted_align, 0);
	assert_int_equal(st.allocs, 4);
	assert_int_equal(st.seals, 2);
	assert_int_equal(count_events(sim, MS_EV_POOL_PAGE, NULL, NULL), 3);
	ms_sim_free(sim); /* the sim returns the pool's pages too */
}

static void test_pool_full_is_enomem_and_seals_nothing(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "small", 0, MS_POOL_RARE_MAP, 2);
	struct ms_pool_stats st;
	void *a, *b, *c;

	assert_int_equal(ms_pool_alloc(sim, p, pg, 0, &a), 0);
	assert_int_equal(ms_pool_alloc(sim, p, pg - 16, 0, &b), 0);
	assert_int_equal(ms_pool_alloc(sim, p, 32, 0, &c), -ENOMEM);
	assert_int_equal(state_of(sim, p, b, NULL, NULL), MS_POOL_PAGE_OPEN);
	/* What still fits, fits. */
	assert_int_equal(ms_pool_alloc(sim, p, 16, 0, &c), 0);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.sealed_pages, 1);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.allocs_failed, 1);
	ms_sim_free(sim);
}

static void test_tracked_frees_return_fully_free_pages(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "track", MS_POOL_TRACK_FREES,
				     MS_POOL_RARE_MAP, 0);
	struct ms_pool_stats st;
	struct ms_pool_totals tot;
	uint8_t *a, *b, *c, *d;
	uint32_t page;
	uint64_t ea, eb;

	assert_int_equal(ms_pool_alloc(sim, p, 100, 1, (void **)&a), 0);
	assert_int_equal(ms_pool_alloc(sim, p, pg - 104, 0, (void **)&b), 0);
	assert_int_equal(ms_pool_alloc(sim, p, 40, 0, (void **)&c), 0);
	assert_int_equal(state_of(sim, p, b, &page, NULL), MS_POOL_PAGE_SEALED);
	assert_int_equal(page, 0);
	assert_int_equal(state_of(sim, p, c, &page, NULL), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 1);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.sealed_pages, 1);
	assert_int_equal(st.bytes_used, 100 + (pg - 104) + 40);
	/* 100 rounded up to whole words: 4 bytes */
	assert_int_equal(st.bytes_wasted_align, 4);
	assert_int_equal(st.bytes_wasted_end, 0);

	/* a goes; b keeps page 0 alive and sealed. */
	assert_int_equal(ms_pool_free(sim, p, a, 100), 0);
	assert_int_equal(ms_pool_free(sim, p, a, 100), -EINVAL); /* double */
	assert_int_equal(ms_pool_free(sim, p, b + 8, pg - 112), -EINVAL);
	assert_int_equal(ms_pool_free(sim, p, b, pg - 96), -EINVAL);
	assert_int_equal(ms_pool_free(sim, p, b, 8), -EINVAL); /* too short */
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.sealed_pages, 1);
	assert_int_equal(st.bytes_used, (pg - 104) + 40);
	assert_int_equal(st.bytes_wasted_gap, 100);
	assert_int_equal(st.frees, 1);
	assert_int_equal(state_of(sim, p, a, NULL, NULL), MS_POOL_PAGE_SEALED);

	/* b was page 0's last live allocation: the page is unsealed and
	 * returned, with its gap and padding. */
	assert_int_equal(ms_pool_free(sim, p, b, pg - 104), 0);
	assert_int_equal(state_of(sim, p, a, NULL, NULL), MS_POOL_PAGE_NONE);
	assert_int_equal(count_events(sim, MS_EV_POOL_FREE_PAGE, &ea, &eb), 1);
	assert_int_equal(ea, 1);
	assert_int_equal(eb, 0);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 1);
	assert_int_equal(st.sealed_pages, 0);
	assert_int_equal(st.bytes_used, 40);
	assert_int_equal(st.bytes_wasted_gap, 0);
	assert_int_equal(st.bytes_wasted_align, 0);
	assert_int_equal(st.pages_taken, 2);
	assert_int_equal(st.pages_returned, 1);
	assert_int_equal(st.frees, 2);

	/* The page being filled goes too once it is all free. */
	assert_int_equal(ms_pool_free(sim, p, c, 40), 0);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 0);
	assert_int_equal(st.bytes_used, 0);
	assert_int_equal(st.pages_returned, 2);
	ms_pool_totals_get(sim, &tot);
	assert_int_equal(tot.pages, 0);
	assert_int_equal(tot.pages_taken, 2);
	assert_int_equal(tot.pages_returned, 2);

	/* A returned slot is reused, lowest first, and comes back zeroed. */
	assert_int_equal(ms_pool_alloc(sim, p, 64, 0, (void **)&d), 0);
	assert_int_equal(state_of(sim, p, d, &page, NULL), MS_POOL_PAGE_OPEN);
	assert_int_equal(page, 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(d[i], 0);
	assert_int_equal(count_events(sim, MS_EV_POOL_PAGE, &ea, &eb), 3);
	assert_int_equal(eb, 0);
	assert_int_equal(ms_pool_destroy(sim, p, NULL), 0);
	ms_sim_free(sim);
}

static void test_untracked_free_leaves_counted_gap(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "gap", 0, MS_POOL_RARE_OPEN, 0);
	struct ms_pool_stats st;
	uint8_t *a, *b;

	assert_int_equal(ms_pool_alloc(sim, p, 100, 0, (void **)&a), 0);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, (void **)&b), 0);
	assert_int_equal(ms_pool_free(sim, p, a, 100), 0);
	assert_int_equal(ms_pool_free(sim, p, b, 8), 0);
	/* Beyond what was handed out, or not pool memory at all. */
	assert_int_equal(ms_pool_free(sim, p, b, 9), -EINVAL);
	assert_int_equal(ms_pool_free(sim, p, &st, 8), -EINVAL);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 1);
	assert_int_equal(st.bytes_used, 0);
	assert_int_equal(st.bytes_wasted_gap, 108);
	assert_int_equal(st.bytes_wasted_align, 4);
	assert_int_equal(st.frees, 2);
	assert_int_equal(st.pages_returned, 0);
	assert_int_equal(count_events(sim, MS_EV_POOL_FREE_PAGE, NULL, NULL), 0);
	ms_sim_free(sim);
}

/*
 * Make one pool of that shape and destroy it before counting mappings: the
 * host (or Valgrind, which maps shadow memory of its own the first time it
 * sees an address range) then already has whatever it lazily sets up, and
 * the next pool reuses the same addresses.
 */
static void warm_up(struct ms_sim *sim, unsigned flags,
		    enum ms_pool_rare_mode mode)
{
	struct ms_pool *p = new_pool(sim, "warm-up", flags, mode, 0);
	void *x;

	for (int i = 0; i < 12; i++)
		assert_int_equal(ms_pool_alloc(sim, p, pg / 2, 0, &x), 0);
	assert_int_equal(ms_pool_rare_write(sim, p, x, "w", 1), 0);
	assert_int_equal(ms_pool_destroy(sim, p, NULL), 0);
}

static void test_destroy_returns_every_page(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms__os *os = ms__sim_os(sim);
	struct ms_pool_stats st, fin;
	struct ms_pool_totals tot;
	struct ms_pool *p, *q;
	long maps0, pmaps0, fds0;
	uint64_t map0, unmap0, memfd0;
	void *x;

	warm_up(sim, MS_POOL_TRACK_FREES, MS_POOL_RARE_GATE);
	maps0 = ms__os_mapping_count();
	pmaps0 = pool_mapping_count();
	fds0 = fd_count();
	map0 = ms__os_calls(os, MS__OS_MAP);
	unmap0 = ms__os_calls(os, MS__OS_UNMAP);
	memfd0 = ms__os_calls(os, MS__OS_MEMFD);

	p = new_pool(sim, "driver", MS_POOL_TRACK_FREES, MS_POOL_RARE_GATE, 0);
	for (int i = 0; i < 9; i++)
		assert_int_equal(ms_pool_alloc(sim, p, pg / 2, 0, &x), 0);
	/* 5 pages: 4 full and sealed, one open. */
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 5);
	assert_int_equal(st.sealed_pages, 4);
	assert_true(ms__os_mapping_count() >= maps0 + 2);
	assert_int_equal(fd_count(), fds0 + 1);

	assert_int_equal(ms_pool_destroy(sim, p, &fin), 0);
	assert_int_equal(fin.pages, 0);
	assert_int_equal(fin.sealed_pages, 0);
	assert_int_equal(fin.pages_taken, 5);
	assert_int_equal(fin.pages_returned, 5);
	assert_int_equal(fin.allocs, 9);
	assert_int_equal(fin.bytes_used, 0);
	/* 6 from the warm-up pool, 5 from this one */
	assert_int_equal(count_events(sim, MS_EV_POOL_FREE_PAGE, NULL, NULL), 11);
	ms_pool_totals_get(sim, &tot);
	assert_int_equal(tot.pools, 0);
	assert_int_equal(tot.pools_created, 2);
	assert_int_equal(tot.pools_destroyed, 2);
	assert_int_equal(tot.pages, 0);
	assert_int_equal(tot.pages_taken, 11);
	assert_int_equal(tot.pages_returned, 11);

	/* Every mapping and the memfd went back to the host. */
	assert_mappings_back(maps0, pmaps0);
	assert_int_equal(fd_count(), fds0);
	assert_int_equal(ms__os_calls(os, MS__OS_MAP) - map0,
			 ms__os_calls(os, MS__OS_UNMAP) - unmap0);
	assert_int_equal(ms__os_calls(os, MS__OS_MEMFD) - memfd0, 1);

	/* The handle is dead; the name is free again. */
	assert_int_equal(ms_pool_stats_get(sim, p, &st), -EBADF);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), -EBADF);
	assert_int_equal(ms_pool_destroy(sim, p, NULL), -EBADF);
	assert_int_equal(ms_pool_lookup(sim, "driver", &q), -ENOENT);
	assert_int_equal(ms_pool_id(sim, p), 0);
	assert_null(ms_pool_name(sim, p));
	q = new_pool(sim, "driver", 0, MS_POOL_RARE_MAP, 0);
	assert_int_equal(ms_pool_id(sim, q), 3);
	ms_sim_free(sim);
	assert_int_equal(pool_mapping_count(), pmaps0);
	assert_int_equal(fd_count(), fds0);
}

static void test_host_failures_leave_nothing_behind(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms__os *os = ms__sim_os(sim);
	struct ms_pool_attr a;
	struct ms_pool_stats st;
	struct ms_pool_totals tot;
	struct ms_pool *p = NULL;
	long maps0, pmaps0, fds0;
	uint64_t map0, unmap0;
	void *x;

	warm_up(sim, 0, MS_POOL_RARE_GATE);
	maps0 = ms__os_mapping_count();
	pmaps0 = pool_mapping_count();
	fds0 = fd_count();
	map0 = ms__os_calls(os, MS__OS_MAP);
	unmap0 = ms__os_calls(os, MS__OS_UNMAP);
	ms_pool_attr_init(&a);
	ms__os_fail_at(os, MS__OS_MEMFD, 1);
	assert_int_equal(ms_pool_create(sim, "m", &a, &p), -EMFILE);
	ms__os_fail_at(os, MS__OS_MAP, 1); /* the view */
	assert_int_equal(ms_pool_create(sim, "m", &a, &p), -ENOMEM);
	ms__os_fail_at(os, MS__OS_MAP, 2); /* the meta window */
	assert_int_equal(ms_pool_create(sim, "m", &a, &p), -ENOMEM);
	ms__os_fail_at(os, MS__OS_PROTECT, 1); /* sealing the meta pages */
	assert_int_equal(ms_pool_create(sim, "m", &a, &p), -ENOMEM);
	a.rare_mode = MS_POOL_RARE_GATE;
	ms__os_fail_at(os, MS__OS_MAP, 2); /* the gated alias */
	assert_int_equal(ms_pool_create(sim, "m", &a, &p), -ENOMEM);
	ms__os_fail_at(os, MS__OS_PROTECT, 2); /* opening the meta window */
	assert_int_equal(ms_pool_create(sim, "m", &a, &p), -ENOMEM);
	ms_pool_totals_get(sim, &tot);
	assert_int_equal(tot.pools_created, 1); /* the warm-up */
	assert_int_equal(ms_pool_lookup(sim, "m", &p), -ENOENT);
	assert_mappings_back(maps0, pmaps0);
	assert_int_equal(fd_count(), fds0);
	/* Every mmap that succeeded was undone (3 were made to fail). */
	assert_int_equal(ms__os_calls(os, MS__OS_MAP) - map0 - 3,
			 ms__os_calls(os, MS__OS_UNMAP) - unmap0);

	/* Failures inside calls change nothing. */
	p = new_pool(sim, "m", 0, MS_POOL_RARE_MAP, 0);
	ms__os_fail_at(os, MS__OS_MAP, 1); /* the meta window */
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), -ENOMEM);
	ms__os_fail_at(os, MS__OS_PROTECT, 1); /* taking the page */
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), -ENOMEM);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.pages, 0);
	assert_int_equal(st.allocs, 0);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), 0);
	ms__os_fail_at(os, MS__OS_MAP, 2); /* the data window */
	assert_int_equal(ms_pool_rare_write(sim, p, x, "abcdefgh", 8), -ENOMEM);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.rare_writes, 0);
	assert_int_equal(ms_pool_destroy(sim, p, NULL), 0);
	assert_mappings_back(maps0, pmaps0);
	assert_int_equal(fd_count(), fds0);
	assert_int_equal(ms__os_calls(os, MS__OS_MAP) - map0 - 5,
			 ms__os_calls(os, MS__OS_UNMAP) - unmap0);
	ms_sim_free(sim);
}

static void test_bad_arguments(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool_attr a;
	struct ms_pool *p, *q;
	char longname[MS_POOL_NAME_MAX + 1];
	void *x;

	ms_pool_attr_init(&a);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(ms_pool_create(sim, "", &a, &p), -EINVAL);
	assert_int_equal(ms_pool_create(sim, NULL, &a, &p), -EINVAL);
	assert_int_equal(ms_pool_create(sim, longname, &a, &p), -EINVAL);
	a.flags = 1u << 5;
	assert_int_equal(ms_pool_create(sim, "x", &a, &p), -EINVAL);
	ms_pool_attr_init(&a);
	a.align = 24;
	assert_int_equal(ms_pool_create(sim, "x", &a, &p), -EINVAL);
	a.align = pg * 2;
	assert_int_equal(ms_pool_create(sim, "x", &a, &p), -EINVAL);
	ms_pool_attr_init(&a);
	a.max_pages = MS_POOL_MAX_PAGES_LIMIT + 1;
	assert_int_equal(ms_pool_create(sim, "x", &a, &p), -EINVAL);
	ms_pool_attr_init(&a);
	a.rare_mode = (enum ms_pool_rare_mode)7;
	assert_int_equal(ms_pool_create(sim, "x", &a, &p), -EINVAL);

	assert_int_equal(ms_pool_create(sim, "x", NULL, &p), 0);
	assert_int_equal(ms_pool_create(sim, "x", NULL, &q), -EEXIST);
	assert_int_equal(ms_pool_lookup(sim, "x", &q), 0);
	assert_ptr_equal(p, q);
	assert_string_equal(ms_pool_name(sim, p), "x");
	assert_int_equal(ms_pool_id(sim, p), 1);
	assert_int_equal(ms_pool_alloc(sim, p, 0, 0, &x), -EINVAL);
	assert_int_equal(ms_pool_alloc(sim, p, pg + 1, 0, &x), -EINVAL);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 3, &x), -EINVAL);
	assert_int_equal(ms_pool_alloc(sim, p, 8, pg * 2, &x), -EINVAL);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), 0);
	assert_int_equal(ms_pool_write(sim, p, x, "a", 0), -EINVAL);
	assert_int_equal(ms_pool_write(sim, p, &a, "a", 1), -EINVAL);
	assert_int_equal(ms_pool_rare_write(sim, p, x, "a", 0), -EINVAL);
	/* Only bytes handed out can be rare-written. */
	assert_int_equal(ms_pool_rare_write(sim, p, x, "123456789", 9), -EINVAL);
	assert_int_equal(ms_pool_rare_write(sim, p, &a, "a", 1), -EINVAL);
	assert_int_equal(ms_pool_locate(sim, p, &a, NULL, NULL, NULL), -EINVAL);
	/* A pool of another sim is not this sim's. */
	{
		struct ms_sim *other = new_sim(2);

		assert_int_equal(ms_pool_alloc(other, p, 8, 0, &x), -EBADF);
		assert_int_equal(ms_pool_seal(other, p), -EBADF);
		ms_sim_free(other);
	}
	ms_sim_free(sim);
}

static void test_pool_calls_charge_ticks(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "t", 0, MS_POOL_RARE_MAP, 0);
	uint64_t t0;
	void *x;

	t0 = ms_sim_now(sim);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), 0);
	/* entry + a page (frame + protection) + the allocation */
	assert_int_equal(ms_sim_now(sim) - t0,
			 MS__COST_KERNEL_ENTRY + MS__COST_ALLOC +
				 MS__COST_MPU_REGION + MS__COST_ALLOC);
	t0 = ms_sim_now(sim);
	assert_int_equal(ms_pool_alloc(sim, p, 8, 0, &x), 0);
	assert_int_equal(ms_sim_now(sim) - t0,
			 MS__COST_KERNEL_ENTRY + MS__COST_ALLOC);
	t0 = ms_sim_now(sim);
	assert_int_equal(ms_pool_seal(sim, p), 0);
	assert_int_equal(ms_sim_now(sim) - t0,
			 MS__COST_KERNEL_ENTRY + MS__COST_MPU_REGION);
	t0 = ms_sim_now(sim);
	assert_int_equal(ms_pool_rare_write(sim, p, x, "12345678", 8), 0);
	assert_int_equal(ms_sim_now(sim) - t0,
			 MS__COST_KERNEL_ENTRY + 2 * MS__COST_MPU_REGION +
				 MS__COST_COPY_PER_64B);
	ms_sim_free(sim);
}

/*
 * A pool call is a kernel operation: from a user thread each is refused
 * with -EPERM before anything is charged or changed, valid arguments or
 * not. A user thread's part is its stores (ms_pool_write), which still
 * reach an open page.
 */
enum { U_CREATE, U_ALLOC, U_FREE, U_SEAL, U_RARE, U_PROTECT, U_UNMAP,
       U_REMAP, U_DISCARD, U_DESTROY, U__CALLS };

struct user_calls {
	struct ms_pool *p;
	uint8_t *page;		/* the pool's first data page, held and open */
	int r[U__CALLS];
	int write;
	int stats[2];		/* ms_pool_stats_get before and after */
	bool untouched;		/* no out argument was written */
	uint64_t ticks;
	struct ms_pool_stats before, after;
};

static void user_pool_calls(struct ms_sim *sim, void *arg)
{
	struct user_calls *u = arg;
	size_t page = ms__os_page_size();
	struct ms_pool *np = NULL;
	struct ms_pool_attr a;
	void *y = NULL, *moved = NULL;
	uint64_t t0;

	ms_pool_attr_init(&a);
	u->stats[0] = ms_pool_stats_get(sim, u->p, &u->before);
	t0 = ms_sim_now(sim);
	u->r[U_CREATE] = ms_pool_create(sim, "mine", &a, &np);
	u->r[U_ALLOC] = ms_pool_alloc(sim, u->p, 8, 0, &y);
	u->r[U_FREE] = ms_pool_free(sim, u->p, u->page, 8);
	u->r[U_SEAL] = ms_pool_seal(sim, u->p);
	u->r[U_RARE] = ms_pool_rare_write(sim, u->p, u->page, "12345678", 8);
	u->r[U_PROTECT] = ms_pool_protect(sim, u->page, page,
					  MS_POOL_PROT_READ);
	u->r[U_UNMAP] = ms_pool_unmap(sim, u->page, page);
	u->r[U_REMAP] = ms_pool_remap(sim, u->page, page, page, &moved);
	u->r[U_DISCARD] = ms_pool_discard(sim, u->page, page);
	u->r[U_DESTROY] = ms_pool_destroy(sim, u->p, NULL);
	u->ticks = ms_sim_now(sim) - t0;
	u->stats[1] = ms_pool_stats_get(sim, u->p, &u->after);
	u->untouched = !np && !y && !moved;
	u->write = ms_pool_write(sim, u->p, u->page + 8, "abcdefgh", 8);
}

static void test_user_threads_get_eperm_from_pool_calls(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct user_calls u = { 0 };
	struct ms_thread_attr ta;
	void *x;

	u.p = new_pool(sim, "k", MS_POOL_TRACK_FREES, MS_POOL_RARE_MAP, 0);
	assert_int_equal(ms_pool_alloc(sim, u.p, 8, 0, &x), 0);
	u.page = x;
	assert_int_equal((uintptr_t)u.page % ms__os_page_size(), 0);
	ms_thread_attr_init(&ta);
	ta.options = MS_THREAD_USER;
	assert_int_equal(ms_thread_create(sim, &ta, user_pool_calls, &u, NULL),
			 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	for (int i = 0; i < U__CALLS; i++)
		assert_int_equal(u.r[i], -EPERM);
	assert_int_equal(u.ticks, 0);
	assert_int_equal(u.stats[0], 0);
	assert_int_equal(u.stats[1], 0);
	assert_true(u.untouched);
	assert_memory_equal(&u.before, &u.after, sizeof(u.before));
	assert_int_equal(u.after.pages, 1);
	assert_int_equal(u.after.sealed_pages, 0);
	/* Its stores are its own: the open page took them. */
	assert_int_equal(u.write, 0);
	assert_memory_equal(u.page + 8, "abcdefgh", 8);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	ms_sim_free(sim);
}

/* A call opens a write window on the bookkeeping it changes, no more: the
 * header's page, and the page table up to the entries it touches. */
static void test_windows_open_only_the_bookkeeping_changed(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "win", MS_POOL_TRACK_FREES,
				     MS_POOL_RARE_GATE, 0);
	struct ms_pool_stats a, b;
	/* 320-byte header, 24 + 2 * 64 bytes per tracked entry (4 KiB) */
	size_t per_page = (pg - 320) / 152;
	void *x;

	if (pg != 4096 || sizeof(void *) != 8)
		skip();
	for (size_t j = 0; j < per_page + 2; j++) {
		assert_int_equal(ms_pool_stats_get(sim, p, &a), 0);
		/* a whole page: takes slot j, seals slot j - 1 */
		assert_int_equal(ms_pool_alloc(sim, p, pg, 0, &x), 0);
		assert_int_equal(ms_pool_stats_get(sim, p, &b), 0);
		assert_int_equal(b.alias_opens - a.alias_opens, 1);
		assert_int_equal(b.alias_bytes_opened - a.alias_bytes_opened,
				 j < per_page ? pg : 2 * pg);
	}
	assert_int_equal(b.meta_pages, 10);
	ms_sim_free(sim);
}

/* The same pool script gives the same events on any host. */
static uint64_t script_hash(uint64_t seed, enum ms_pool_rare_mode mode)
{
	struct ms_sim *sim = new_sim(seed);
	struct ms_pool *p = new_pool(sim, "h", MS_POOL_TRACK_FREES, mode, 0);
	uint64_t h;
	void *x[20];

	for (int i = 0; i < 20; i++)
		assert_int_equal(ms_pool_alloc(sim, p, 200 + 40 * i, 0, &x[i]),
				 0);
	assert_int_equal(ms_pool_rare_write(sim, p, x[3], "abc", 3), 0);
	for (int i = 0; i < 20; i += 2)
		assert_int_equal(ms_pool_free(sim, p, x[i], 200 + 40 * i), 0);
	assert_int_equal(ms_pool_seal(sim, p), 0);
	assert_int_equal(ms_pool_destroy(sim, p, NULL), 0);
	h = ms_sim_event_hash(sim);
	ms_sim_free(sim);
	return h;
}

static void test_events_are_deterministic(void **state)
{
	uint64_t h = script_hash(5, MS_POOL_RARE_MAP);

	assert_int_equal(script_hash(5, MS_POOL_RARE_MAP), h);
	/* The rare mode is a host matter: the simulated record is the same. */
	assert_int_equal(script_hash(5, MS_POOL_RARE_GATE), h);
	assert_int_equal(script_hash(5, MS_POOL_RARE_OPEN), h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_seal_read_back),
		cmocka_unit_test(test_page_sealed_when_it_fills),
		cmocka_unit_test(test_pool_full_is_enomem_and_seals_nothing),
		cmocka_unit_test(test_tracked_frees_return_fully_free_pages),
		cmocka_unit_test(test_untracked_free_leaves_counted_gap),
		cmocka_unit_test(test_destroy_returns_every_page),
		cmocka_unit_test(test_host_failures_leave_nothing_behind),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_pool_calls_charge_ticks),
		cmocka_unit_test(test_user_threads_get_eperm_from_pool_calls),
		cmocka_unit_test(test_windows_open_only_the_bookkeeping_changed),
		cmocka_unit_test(test_events_are_deterministic),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
