/* SPDX-License-Identifier: MIT */
/*
 * The simulated kernel's memory-management calls on pool memory, with
 * Linux mseal(2) semantics: on a sealed page (or the pool's bookkeeping)
 * protect, unmap, remap and discard fail with -EPERM and change nothing;
 * on unsealed pages they do what the host call would.
 *
 * Attacks: "unseal by mprotect" (a thread asks the kernel to make sealed
 * data writable), "unmap and replace", "move away", "zero by discard", and
 * a range that straddles an open and a sealed page.
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
#include "platform/os.h"

static size_t pg;

static int setup(void **state)
{
	pg = ms__os_page_size();
	return 0;
}

/* A pool with page 0 sealed (full of 0x5a) and page 1 open (0x77). */
struct two {
	struct ms_sim *sim;
	struct ms_pool *p;
	uint8_t *sealed;	/* page 0 */
	uint8_t *open;		/* page 1 */
};

static void two_pages(struct two *t, const char *name)
{
	t->sim = new_sim(1);
	t->p = new_pool(t->sim, name, 0, MS_POOL_RARE_MAP, 0);
	assert_int_equal(ms_pool_alloc(t->sim, t->p, pg, 0, (void **)&t->sealed), 0);
	memset(t->sealed, 0x5a, pg);
	assert_int_equal(ms_pool_alloc(t->sim, t->p, 64, 0, (void **)&t->open), 0);
	memset(t->open, 0x77, 64);
	assert_int_equal(t->open, t->sealed + pg); /* slots are contiguous */
}

struct attack {
	struct two *t;
	int ret[4];
	volatile int done;
};

static void mm_attacker(struct ms_sim *sim, void *arg)
{
	struct attack *a = arg;
	void *moved = NULL;

	a->ret[0] = ms_pool_protect(sim, a->t->sealed, pg, MS_POOL_PROT_RW);
	a->ret[1] = ms_pool_unmap(sim, a->t->sealed, pg);
	a->ret[2] = ms_pool_remap(sim, a->t->sealed, pg, pg, &moved);
	a->ret[3] = ms_pool_discard(sim, a->t->sealed, pg);
	a->done = 1;
}

static void test_mm_calls_on_sealed_page_attack_refused(void **state)
{
	struct two t;
	struct attack a = { .t = &t };
	struct ms_pool_stats st0, st;
	enum ms_pool_page_state ps;
	long maps0;

	two_pages(&t, "sealed");
	assert_int_equal(ms_pool_stats_get(t.sim, t.p, &st0), 0);
	assert_int_equal(ms_thread_create(t.sim, NULL, mm_attacker, &a, NULL), 0);
	assert_int_equal(ms_sim_run(t.sim), 0);
	/* Simulated results: the thread gets -EPERM and carries on. */
	assert_int_equal(a.done, 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(a.ret[i], -EPERM);
	assert_int_equal(ms_sim_fault_count(t.sim), 0);

	maps0 = ms__os_mapping_count();
	assert_int_equal(ms_pool_protect(t.sim, t.sealed, pg, MS_POOL_PROT_NONE),
			 -EPERM);
	assert_int_equal(ms_pool_unmap(t.sim, t.sealed, 1),
			 -EPERM);
	assert_int_equal(ms__os_mapping_count(), maps0);

	/* Nothing changed: still sealed, still there, same contents. */
	assert_int_equal(ms_pool_locate(t.sim, t.p, t.sealed, NULL, NULL, &ps), 0);
	assert_int_equal(ps, MS_POOL_PAGE_SEALED);
	for (size_t i = 0; i < pg; i++)
		assert_int_equal(t.sealed[i], 0x5a);
	assert_int_equal(ms_pool_stats_get(t.sim, t.p, &st), 0);
	assert_int_equal(st.mm_refusals, 6);
	assert_int_equal(st.pages, st0.pages);
	assert_int_equal(st.sealed_pages, st0.sealed_pages);
	assert_int_equal(st.pages_returned, 0);
	assert_int_equal(ms_pool_write(t.sim, t.p, t.sealed, "x", 1), -EFAULT);
	ms_sim_free(t.sim);
}

static void test_straddling_range_refused_as_a_whole(void **state)
{
	struct two t;
	struct ms_pool_stats st;
	void *moved = NULL;

	two_pages(&t, "straddle");
	/* Open page 1 and sealed page 0 in one range: all or nothing. */
	assert_int_equal(ms_pool_protect(t.sim, t.sealed, 2 * pg,
					 MS_POOL_PROT_READ), -EPERM);
	assert_int_equal(ms_pool_write(t.sim, t.p, t.open, "w", 1), 0);
	assert_int_equal(ms_pool_unmap(t.sim, t.sealed, 2 * pg), -EPERM);
	assert_int_equal(ms_pool_remap(t.sim, t.sealed, 2 * pg, 2 * pg, &moved),
			 -EPERM);
	assert_int_equal(ms_pool_discard(t.sim, t.sealed, 2 * pg), -EPERM);
	assert_int_equal(t.open[0], 'w');
	assert_int_equal(t.open[1], 0x77);
	assert_int_equal(ms_pool_stats_get(t.sim, t.p, &st), 0);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.mm_refusals, 4);
	ms_sim_free(t.sim);
}

static void test_bookkeeping_is_always_sealed(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct ms_pool *p = new_pool(sim, "bk", 0, MS_POOL_RARE_GATE, 0);
	struct ms_pool_stats st;
	void *moved;

	/* The handle is the pool's first bookkeeping page. */
	assert_int_equal(ms_pool_protect(sim, p, pg, MS_POOL_PROT_RW), -EPERM);
	assert_int_equal(ms_pool_unmap(sim, p, pg), -EPERM);
	assert_int_equal(ms_pool_remap(sim, p, pg, pg, &moved), -EPERM);
	assert_int_equal(ms_pool_discard(sim, p, pg), -EPERM);
	assert_int_equal(ms_pool_stats_get(sim, p, &st), 0);
	assert_int_equal(st.mm_refusals, 4);
	assert_string_equal(ms_pool_name(sim, p), "bk");
	ms_sim_free(sim);
}

static void deliberate_write_protected(struct ms_sim *sim, void *arg)
{
	struct two *t = arg;

	ms_pool_write(sim, t->p, t->open + 9, "z", 1);
	t->open[0] = 1; /* not reached */
}

static void test_mm_calls_on_unsealed_pages_work(void **state)
{
	struct two t;
	struct ms_pool_stats st;
	const struct ms_fault *f;
	enum ms_pool_page_state ps;
	uint8_t *moved, *next;
	uint32_t page;
	ms_tid tid;

	two_pages(&t, "open");
	/* protect: read-only without a seal. The host is refused, a thread
	 * faults, but as a CPU exception: it is not a sealed write. */
	assert_int_equal(ms_pool_protect(t.sim, t.open, pg, MS_POOL_PROT_READ), 0);
	assert_int_equal(ms_pool_write(t.sim, t.p, t.open, "w", 1), -EFAULT);
	assert_int_equal(ms_thread_create(t.sim, NULL, deliberate_write_protected,
					  &t, &tid), 0);
	assert_int_equal(ms_sim_run(t.sim), 0);
	assert_int_equal(ms_sim_fault_count(t.sim), 1);
	f = fault_at(t.sim, 0);
	assert_int_equal(f->kind, MS_FAULT_CPU);
	assert_int_equal(f->tid, tid);
	assert_string_equal(f->object, "pool:open");
	assert_int_equal(f->offset, 9);
	assert_non_null(strstr(f->detail, "read-only (ms_pool_protect)"));
	assert_int_equal(t.open[0], 0x77);
	/* write-only means read-write, as on x86 */
	assert_int_equal(ms_pool_protect(t.sim, t.open, pg, MS_POOL_PROT_WRITE), 0);
	assert_int_equal(ms_pool_write(t.sim, t.p, t.open, "w", 1), 0);
	assert_int_equal(ms_pool_protect(t.sim, t.open, pg, 8), -EINVAL);

	/* discard: the contents read back as zero; the page is still held. */
	assert_int_equal(ms_pool_discard(t.sim, t.open, pg), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(t.open[i], 0);
	memset(t.open, 0x33, 64);

	/* remap: the page and its bookkeeping move; allocation follows it. */
	assert_int_equal(ms_pool_remap(t.sim, t.open, pg, pg, (void **)&moved), 0);
	assert_int_equal(ms_pool_locate(t.sim, t.p, moved, &page, NULL, &ps), 0);
	assert_int_equal(page, 2);
	assert_int_equal(ps, MS_POOL_PAGE_OPEN);
	assert_int_equal(ms_pool_locate(t.sim, t.p, t.open, NULL, NULL, &ps), 0);
	assert_int_equal(ps, MS_POOL_PAGE_NONE);
	for (int i = 0; i < 64; i++)
		assert_int_equal(moved[i], 0x33);
	assert_int_equal(ms_pool_alloc(t.sim, t.p, 8, 0, (void **)&next), 0);
	assert_ptr_equal(next, moved + 64);
	assert_int_equal(ms_pool_remap(t.sim, moved, pg, 2 * pg, (void **)&next),
			 -EINVAL);

	/* unmap: the page goes back; what was in it is gone. */
	assert_int_equal(ms_pool_unmap(t.sim, moved, pg), 0);
	assert_int_equal(ms_pool_locate(t.sim, t.p, moved, NULL, NULL, &ps), 0);
	assert_int_equal(ps, MS_POOL_PAGE_NONE);
	assert_int_equal(ms_pool_stats_get(t.sim, t.p, &st), 0);
	assert_int_equal(st.pages, 1);
	assert_int_equal(st.sealed_pages, 1);
	assert_int_equal(st.pages_taken, 3);	/* 0, 1, and 2 by the move */
	assert_int_equal(st.pages_returned, 2);	/* 1 by the move, 2 */
	assert_int_equal(st.mm_refusals, 0);
	/* The next allocation takes the lowest free slot. */
	assert_int_equal(ms_pool_alloc(t.sim, t.p, 8, 0, (void **)&next), 0);
	assert_ptr_equal(next, t.open);
	ms_sim_free(t.sim);
}

static void test_mm_call_errors(void **state)
{
	struct two t;
	void *moved;
	int local;

	two_pages(&t, "err");
	assert_int_equal(ms_pool_protect(t.sim, t.open + 8, pg, MS_POOL_PROT_RW),
			 -EINVAL);
	assert_int_equal(ms_pool_protect(t.sim, t.open, 0, MS_POOL_PROT_RW),
			 -EINVAL);
	assert_int_equal(ms_pool_unmap(t.sim, NULL, pg), -EINVAL);
	/* Not pool memory, or a slot that holds no page: like an unmapped
	 * range to mprotect/munmap. */
	assert_int_equal(ms_pool_unmap(t.sim, (void *)((uintptr_t)&local & ~(pg - 1)),
				       pg), -ENOMEM);
	assert_int_equal(ms_pool_protect(t.sim, t.open + pg, pg, MS_POOL_PROT_RW),
			 -ENOMEM);
	assert_int_equal(ms_pool_protect(t.sim, t.open, 2 * pg, MS_POOL_PROT_RW),
			 -ENOMEM);
	assert_int_equal(ms_pool_remap(t.sim, t.open, pg, pg, NULL), -EINVAL);
	assert_int_equal(ms_pool_discard(t.sim, t.open, pg * 1000), -ENOMEM);
	(void)moved;
	ms_sim_free(t.sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm_calls_on_sealed_page_attack_refused),
		cmocka_unit_test(test_straddling_range_refused_as_a_whole),
		cmocka_unit_test(test_bookkeeping_is_always_sealed),
		cmocka_unit_test(test_mm_calls_on_unsealed_pages_work),
		cmocka_unit_test(test_mm_call_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
