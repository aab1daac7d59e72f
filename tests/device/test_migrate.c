/* SPDX-License-Identifier: MIT */
/*
 * The fault path and migration: a CPU access to a page on a private device
 * is a real fault that brings the page back with its data; an explicit
 * migration checks the whole range first (a hole or a protected page and
 * nothing moves); a page the CPU touches between setup and finalize stays
 * where it was; a device's accesses migrate pages by the migration policy;
 * a full device evicts; coherent pages are reached directly; a first touch
 * places a page.
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
#include "mem/device/device_priv.h"

static const struct dpage *page_of(struct ms_sim *sim, ms_map_id m, uint32_t i)
{
	return &((struct dmap *)g_ptr_array_index(DEVS(sim)->maps, m - 1))->pg[i];
}

static uint16_t snap1(struct ms_sim *sim, ms_device_id d, ms_map_id m,
		      uint32_t i)
{
	uint16_t s;

	assert_int_equal(ms_mem_snapshot(sim, d, m, (uint64_t)i * pg(), 1, &s),
			 0);
	return s;
}

struct rd {
	ms_map_id map;
	uint32_t npages;
	uint32_t bad;		/* words that did not read back */
	uint8_t prot_before;
	bool done;
};

static void read_all(struct ms_sim *sim, void *arg)
{
	struct rd *r = arg;
	volatile uint32_t *p = ms_mem_addr(sim, r->map, 0);

	for (size_t i = 0; i < r->npages * pg() / 4; i++)
		if (deliberate_load32(&p[i]) != (uint32_t)i + 7)
			r->bad++;
	r->done = true;
}

static void cpu_read_brings_private_pages_back(void)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "gpu", 16 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	struct rd r = { .npages = 8 };
	struct ms_migrate_result res;
	struct ms_device_stats st;

	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	r.map = add_map(sim, "buf", 8, NULL);
	fill(sim, r.map, 8, 7);
	assert_int_equal(ms_migrate_range(sim, r.map, 0, 8 * pg(), d, &res), 0);
	assert_int_equal(res.selected, 8);
	assert_int_equal(res.migrated, 8);
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(snap1(sim, d, r.map, i),
				 MS_SNAP_DEV_PRIVATE_LOCAL | MS_SNAP_READ |
				 MS_SNAP_WRITE);
		/* the CPU's view is closed: an access is a real fault */
		assert_int_equal(page_of(sim, r.map, i)->vprot, MS__PROT_NONE);
	}
	st = dstats(sim, d);
	assert_int_equal(st.frames_used, 8);
	assert_int_equal(st.pgmigrate_to_device, 8);
	assert_int_equal(st.bytes_to_device, 8 * pg());

	user_thread(sim, "reader", read_all, &r);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_true(r.done);
	assert_int_equal(r.bad, 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	st = dstats(sim, d);
	assert_int_equal(st.cpu_faults, 8);	/* one per page, not per word */
	assert_int_equal(st.pgmigrate_to_ram, 8);
	assert_int_equal(st.pgmigrate_success, 16);
	assert_int_equal(st.pgmigrate_fail, 0);
	assert_int_equal(st.bytes_to_ram, 8 * pg());
	assert_int_equal(st.frames_used, 0);
	assert_true(balanced(&st));
	assert_int_equal(count_events(sim, MS_EV_DEVICE_FAULT), 8);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(snap1(sim, d, r.map, i),
				 MS_SNAP_RAM | MS_SNAP_READ | MS_SNAP_WRITE);
	ms_sim_free(sim);
}

/* A CPU read of a private page migrates it back, data intact. */
static void test_cpu_read_of_private_page_migrates_back(void **state)
{
	(void)state;
	cpu_read_brings_private_pages_back();
}

/* A hole or a protected page in the range refuses the migration as a
 * whole: nothing is selected, nothing moves, nothing is counted. */
static void test_migration_with_hole_or_protected_page_refused(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "gpu", 16 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	struct ms_migrate *mg = NULL;
	struct ms_device_stats st;
	ms_map_id m;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	m = add_map(sim, "buf", 6, NULL);
	fill(sim, m, 6, 0);
	assert_int_equal(ms_mem_unmap(sim, m, pg(), pg()), 0);
	assert_int_equal(snap1(sim, d, m, 1), MS_SNAP_ERROR);
	assert_int_equal(ms_migrate_setup(sim, m, 0, 4 * pg(), d, &mg), -EFAULT);
	assert_null(mg);
	assert_int_equal(ms_mem_protect(sim, m, 3 * pg(), pg(), MS_PERM_NONE), 0);
	assert_int_equal(ms_migrate_setup(sim, m, 2 * pg(), 3 * pg(), d, &mg),
			 -EACCES);
	assert_null(mg);
	assert_int_equal(ms_migrate_range(sim, m, 0, 6 * pg(), d, NULL),
			 -EFAULT);
	st = dstats(sim, d);
	assert_int_equal(st.pgmigrate_success, 0);
	assert_int_equal(st.pgmigrate_fail, 0);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.bytes_to_device, 0);
	for (uint32_t i = 0; i < 6; i++) {
		const struct dpage *p = page_of(sim, m, i);

		assert_int_equal(p->flags, 0);
		assert_int_equal(p->where, i == 1 ? PG_HOLE : PG_RAM);
	}
	/* the pages around the hole migrate on their own */
	assert_int_equal(ms_migrate_range(sim, m, 4 * pg(), 2 * pg(), d, NULL), 0);
	assert_int_equal(dstats(sim, d).frames_used, 2);
	/* and a range already there selects nothing, but is not refused */
	assert_int_equal(ms_migrate_setup(sim, m, 4 * pg(), 2 * pg(), d, &mg), 0);
	assert_int_equal(ms_migrate_finalize(sim, mg, NULL), 0);
	/* to RAM, a page in RAM: there already, nothing selected */
	assert_int_equal(ms_migrate_setup(sim, m, 2 * pg(), pg(),
					  MS_DEVICE_NONE, &mg), 0);
	assert_int_equal(ms_migrate_copy(sim, mg), 0);
	assert_int_equal(ms_migrate_copy(sim, mg), -EINVAL);	/* once */
	{
		struct ms_migrate_result res;

		assert_int_equal(ms_migrate_finalize(sim, mg, &res), 0);
		assert_int_equal(res.selected, 0);
		assert_int_equal(res.already, 1);
	}
	/* a finalized migration is gone */
	assert_int_equal(ms_migrate_finalize(sim, mg, NULL), -EINVAL);
	ms_sim_free(sim);
}

struct tt {
	ms_device_id dev;
	ms_map_id map;
	bool touch_before_copy;
	struct ms_migrate_result res;
	int ret[3];
	uint32_t seen;
};

static void migrator(struct ms_sim *sim, void *arg)
{
	struct tt *t = arg;
	struct ms_migrate *mg;

	t->ret[0] = ms_migrate_setup(sim, t->map, 0, 4 * pg(), t->dev, &mg);
	if (t->touch_before_copy)
		ms_sleep(sim, 100);
	t->ret[1] = ms_migrate_copy(sim, mg);
	if (!t->touch_before_copy)
		ms_sleep(sim, 100);
	t->ret[2] = ms_migrate_finalize(sim, mg, &t->res);
}

static void toucher(struct ms_sim *sim, void *arg)
{
	struct tt *t = arg;
	volatile uint32_t *p = ms_mem_addr(sim, t->map, pg());

	ms_sleep(sim, 10);
	t->seen = deliberate_load32(p);
	deliberate_store32(p, 0xfeed);
}

static void touched_stays_put(enum ms_device_kind kind, bool before_copy)
{
	struct ms_sim *sim = new_sim();
	struct tt t = { .touch_before_copy = before_copy };
	struct ms_device_stats st;
	uint32_t w = 0;

	t.dev = add_dev(sim, "gpu", 16 * pg(), 0, kind, 0);
	assert_int_equal(ms_device_online(sim, t.dev, 0, 1), 0);
	t.map = add_map(sim, "buf", 4, NULL);
	fill(sim, t.map, 4, 0);
	sup_thread(sim, "migrator", migrator, &t);
	user_thread(sim, "toucher", toucher, &t);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(t.ret[0], 0);
	assert_int_equal(t.ret[1], 0);
	assert_int_equal(t.ret[2], 0);
	assert_int_equal(t.seen, pg() / 4);	/* word 0 of page 1 */
	assert_int_equal(t.res.selected, 4);
	assert_int_equal(t.res.migrated, 3);
	assert_int_equal(t.res.touched, 1);
	/* page 1 stayed in RAM with the toucher's store; the others moved */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(snap1(sim, t.dev, t.map, i) &
				 (MS_SNAP_RAM | MS_SNAP_DEV_PRIVATE_LOCAL |
				  MS_SNAP_DEV_COHERENT_LOCAL),
				 i == 1 ? MS_SNAP_RAM :
				 kind == MS_DEVICE_PRIVATE ?
				 MS_SNAP_DEV_PRIVATE_LOCAL :
				 MS_SNAP_DEV_COHERENT_LOCAL);
	assert_int_equal(ms_mem_peek(sim, t.map, pg(), &w, 4), 0);
	assert_int_equal(w, 0xfeed);
	st = dstats(sim, t.dev);
	assert_int_equal(st.pgmigrate_success, 3);
	assert_int_equal(st.pgmigrate_fail, 1);
	assert_int_equal(st.frames_used, 3);
	/* touched before the copy: never copied; after: copied, dropped */
	assert_int_equal(st.bytes_to_device, (before_copy ? 3 : 4) * pg());
	/* the touched page was in system RAM: not a device page's fault */
	assert_int_equal(st.cpu_faults, 0);
	assert_true(balanced(&st));
	ms_sim_free(sim);
}

/* A page the CPU touches between select and commit stays where it was,
 * touched before or after the copy, for both kinds of device. */
static void test_page_touched_during_migration_stays_put(void **state)
{
	(void)state;
	touched_stays_put(MS_DEVICE_PRIVATE, false);
	touched_stays_put(MS_DEVICE_PRIVATE, true);
	touched_stays_put(MS_DEVICE_COHERENT, false);
	touched_stays_put(MS_DEVICE_COHERENT, true);
}

/* A private device's page that the CPU touches between setup and finalize
 * of a migration to RAM comes back through the fault path at once; the
 * migration then leaves it out. */
static void test_private_page_touched_while_migrating_back(void **state)
{
	struct ms_sim *sim = new_sim();
	struct tt t = { 0 };
	struct ms_device_stats st;

	(void)state;
	t.dev = add_dev(sim, "gpu", 16 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	assert_int_equal(ms_device_online(sim, t.dev, 0, 1), 0);
	t.map = add_map(sim, "buf", 4, NULL);
	fill(sim, t.map, 4, 0);
	assert_int_equal(ms_migrate_range(sim, t.map, 0, 4 * pg(), t.dev, NULL), 0);
	t.dev = MS_DEVICE_NONE;	/* the migrator takes them back */
	sup_thread(sim, "migrator", migrator, &t);
	user_thread(sim, "toucher", toucher, &t);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(t.seen, pg() / 4);
	assert_int_equal(t.res.selected, 4);
	assert_int_equal(t.res.migrated, 3);
	assert_int_equal(t.res.touched, 1);
	st = dstats(sim, 0);
	assert_int_equal(st.cpu_faults, 1);
	/* 4 there, 1 back by the fault, 3 back by the migration */
	assert_int_equal(st.pgmigrate_to_device, 4);
	assert_int_equal(st.pgmigrate_to_ram, 4);
	assert_int_equal(st.frames_used, 0);
	assert_true(balanced(&st));
	assert_int_equal(DEVS(sim)->ram_used, 4);
	ms_sim_free(sim);
}

struct dw {
	ms_device_id dev;
	ms_map_id map;
	uint32_t npages, passes;
	int ret;
};

static void device_works(struct ms_sim *sim, void *arg)
{
	struct dw *w = arg;

	for (uint32_t k = 0; k < w->passes && !w->ret; k++)
		w->ret = ms_device_access(sim, w->dev, w->map, 0,
					  (uint64_t)w->npages * pg(),
					  MS_ACCESS_WRITE);
}

/* The migration policies: "on-fault" moves a page at the device's first
 * access, "threshold" at its fourth, "explicit" never (the device reaches
 * system RAM across the bus instead). */
static void test_device_access_migrates_by_policy(void **state)
{
	static const char *const pols[] = { "on-fault", "threshold", "explicit" };
	const uint64_t want_remote[] = { 0, 3 * 4, 5 * 4 };
	const uint64_t want_moved[] = { 4, 4, 0 };
	/* on-fault: the first pass; threshold: the four passes the page is
	 * not there; explicit: every access */
	const uint64_t want_faults[] = { 4, 16, 20 };

	(void)state;
	for (int p = 0; p < 3; p++) {
		struct ms_sim *sim = new_sim();
		struct dw w = { .npages = 4, .passes = 5 };
		struct ms_device_stats st;
		uint64_t v = 0;

		w.dev = add_dev(sim, "gpu", 16 * pg(), 0, MS_DEVICE_PRIVATE, 0);
		assert_int_equal(ms_device_online(sim, w.dev, 0, 1), 0);
		assert_int_equal(ms_device_policy_set(sim, MS_DEVPOL_MIGRATION,
						      pols[p], NULL), 0);
		assert_string_equal(ms_device_policy_name(sim,
				    MS_DEVPOL_MIGRATION), pols[p]);
		w.map = add_map(sim, "buf", 4, NULL);
		fill(sim, w.map, 4, 0);	/* in RAM: the device must reach it */
		assert_int_equal(run_sup(sim, device_works, &w), 0);
		assert_int_equal(w.ret, 0);
		st = dstats(sim, w.dev);
		assert_int_equal(st.pgmigrate_to_device, want_moved[p]);
		assert_int_equal(st.remote_accesses, want_remote[p]);
		assert_int_equal(st.local_accesses, 20 - want_remote[p]);
		assert_int_equal(st.device_faults, want_faults[p]);
		/* five increments of word 0 of every page, wherever it was */
		assert_int_equal(ms_mem_peek(sim, w.map, 0, &v, sizeof(v)), 0);
		assert_int_equal((uint32_t)v, 0 + 5);
		ms_sim_free(sim);
	}
}

/* A device that fills evicts, as the eviction policy picks: LRU sends the
 * pages its device reached least recently to system RAM. */
static void test_full_device_evicts_lru(void **state)
{
	struct ms_sim *sim = new_sim();
	struct dw w = { .npages = 6, .passes = 1 };
	struct ms_device_stats st;

	(void)state;
	w.dev = add_dev(sim, "gpu", 4 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	assert_int_equal(ms_device_online(sim, w.dev, 0, 1), 0);
	w.map = add_map(sim, "buf", 6, NULL);
	/* first touch by the device: pages 0..3 fill it, 4 and 5 evict the
	 * two oldest (0, 1) */
	assert_int_equal(run_sup(sim, device_works, &w), 0);
	assert_int_equal(w.ret, 0);
	st = dstats(sim, w.dev);
	assert_int_equal(st.pages_placed, 6);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.pgmigrate_to_ram, 2);
	assert_int_equal(st.frames_used, 4);
	assert_true(balanced(&st));
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(page_of(sim, w.map, i)->where,
				 i < 2 ? PG_RAM : PG_DEV);
	assert_int_equal(count_events(sim, MS_EV_DEVICE_EVICT), 2);
	ms_sim_free(sim);
}

struct co {
	ms_map_id map;
	uint32_t got;
};

static void coherent_rw(struct ms_sim *sim, void *arg)
{
	struct co *c = arg;
	volatile uint32_t *p = ms_mem_addr(sim, c->map, 2 * pg());

	c->got = deliberate_load32(p);
	deliberate_store32(p + 1, 0xc0de);
}

/* A coherent device's pages are reached by the CPU directly: no fault, no
 * migration; the CPU's store lands in the device's memory. */
static void test_coherent_pages_reached_directly(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "cxl", 16 * pg(), 0, MS_DEVICE_COHERENT, 0);
	struct co c = { 0 };
	struct ms_device_stats st;
	uint32_t w = 0;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	c.map = add_map(sim, "buf", 4, NULL);
	fill(sim, c.map, 4, 3);
	assert_int_equal(ms_migrate_range(sim, c.map, 0, 4 * pg(), d, NULL), 0);
	assert_int_equal(snap1(sim, d, c.map, 2), MS_SNAP_DEV_COHERENT_LOCAL |
			 MS_SNAP_READ | MS_SNAP_WRITE);
	user_thread(sim, "cpu", coherent_rw, &c);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(c.got, 2 * pg() / 4 + 3);
	st = dstats(sim, d);
	assert_int_equal(st.cpu_faults, 0);
	assert_int_equal(st.pgmigrate_to_ram, 0);
	assert_int_equal(st.frames_used, 4);
	/* the device sees the store: it is in its memory */
	assert_int_equal(ms_device_read(sim, d, c.map, 2 * pg() + 4, &w, 4), 0);
	assert_int_equal(w, 0xc0de);
	assert_int_equal(dstats(sim, d).local_accesses, 1);
	ms_sim_free(sim);
}

struct ft {
	ms_map_id map;
	uint32_t got;
};

static void first_touch(struct ms_sim *sim, void *arg)
{
	struct ft *f = arg;
	volatile uint32_t *p = ms_mem_addr(sim, f->map, 0);

	f->got = deliberate_load32(p);	/* places it: zero */
	deliberate_store32(p, 11);
	assert_int_equal(ms_mem_touch(sim, f->map, pg(), 2 * pg(),
				      MS_ACCESS_WRITE), 0);
}

/* A first touch by the CPU places the page ("first-touch": system RAM),
 * zeroed, charged to the mapping's group. */
static void test_first_touch_places_page(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "gpu", 16 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	struct ft f = { .got = 99 };
	struct ms_device_usage u;
	uint64_t w;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	f.map = add_map(sim, "buf", 4, NULL);
	assert_int_equal(snap1(sim, d, f.map, 0), MS_SNAP_EMPTY | MS_SNAP_READ |
			 MS_SNAP_WRITE);
	/* the host outside a run has no fault path: refused, nothing placed */
	assert_int_equal(ms_mem_touch(sim, f.map, 0, pg(), MS_ACCESS_READ),
			 -EPERM);
	user_thread(sim, "cpu", first_touch, &f);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(f.got, 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(snap1(sim, d, f.map, i) &
				 (MS_SNAP_RAM | MS_SNAP_EMPTY),
				 i < 3 ? MS_SNAP_RAM : MS_SNAP_EMPTY);
	assert_int_equal(ms_mem_peek(sim, f.map, pg(), &w, sizeof(w)), 0);
	assert_int_equal(w, 1);
	assert_int_equal(ms_device_usage_get(sim, 0, MS_DEVICE_NONE, &u), 0);
	assert_int_equal(u.pages, 3);
	assert_int_equal(u.ram_pages, 3);
	assert_int_equal(dstats(sim, d).pages_placed, 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_read_of_private_page_migrates_back),
		cmocka_unit_test(test_migration_with_hole_or_protected_page_refused),
		cmocka_unit_test(test_page_touched_during_migration_stays_put),
		cmocka_unit_test(test_private_page_touched_while_migrating_back),
		cmocka_unit_test(test_device_access_migrates_by_policy),
		cmocka_unit_test(test_full_device_evicts_lru),
		cmocka_unit_test(test_coherent_pages_reached_directly),
		cmocka_unit_test(test_first_touch_places_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
