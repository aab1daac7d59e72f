/* SPDX-License-Identifier: MIT */
/*
 * Pins and policies: a long-term pin blocks an offline (-EBUSY after the
 * device's retries, every pass counted) and a migration, and is refused on
 * coherent memory; a short-term pin dropped while an offline waits lets
 * it through; the eviction policies differ where they should (LRU against
 * FIFO on a renewed page, plain LRU against pin-aware behind pins, the
 * seeded random policy the same twice); per-tier accounting can refuse a
 * page's way back, which kills the thread that needed it, where "owner"
 * never does; registering and choosing policies.
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

struct off {
	ms_device_id dev;
	ms_map_id map;
	int pin, offline, unpin, offline2;
	uint64_t t0, t1;
};

static void pin_then_offline(struct ms_sim *sim, void *arg)
{
	struct off *o = arg;

	/* the device's first touch puts the four pages on block 0 */
	assert_int_equal(ms_device_access(sim, o->dev, o->map, 0, 4 * pg(),
					  MS_ACCESS_WRITE), 0);
	o->pin = ms_mem_pin(sim, o->map, 2 * pg(), pg(), MS_PIN_LONGTERM);
	o->t0 = ms_sim_now(sim);
	o->offline = ms_device_offline(sim, o->dev, 0, 1);
	o->t1 = ms_sim_now(sim);
	o->unpin = ms_mem_unpin(sim, o->map, 2 * pg(), pg(), MS_PIN_LONGTERM);
	o->offline2 = ms_device_offline(sim, o->dev, 0, 1);
}

/* A long-term pin blocks a graceful offline: every pass tries the pinned
 * page, the offline gives up with -EBUSY after the device's retries (a
 * thread waits between passes) and the block stays online; the pages
 * that could move did. Unpinned, the offline goes through. */
static void test_longterm_pin_blocks_offline(void **state)
{
	struct ms_sim *sim = new_sim();
	struct off o = { 0 };
	struct ms_device_attr a;
	struct ms_device_stats st;
	enum ms_block_state bs;

	(void)state;
	ms_device_attr_init(&a);
	a.name = "gpu";
	a.size = 2 * 8 * pg();
	a.block_size = 8 * pg();
	a.offline_retries = 3;
	a.retry_ticks = 500;
	assert_int_equal(ms_device_add(sim, &a, &o.dev), 0);
	assert_int_equal(ms_device_online(sim, o.dev, 0, MS_DEVICE_ALL_BLOCKS), 0);
	o.map = add_map(sim, "buf", 4, NULL);
	assert_int_equal(run_sup(sim, pin_then_offline, &o), 0);
	assert_int_equal(o.pin, 0);
	assert_int_equal(o.offline, -EBUSY);
	assert_int_equal(o.unpin, 0);
	assert_int_equal(o.offline2, 0);
	/* three waits of 500 ticks between the four passes */
	assert_true(o.t1 - o.t0 >= 3 * 500);
	st = dstats(sim, o.dev);
	assert_int_equal(st.offline_retries, 3);
	assert_int_equal(st.offline_busy, 1);
	assert_int_equal(st.pin_blocked, 4);	/* once per pass */
	assert_int_equal(st.pgmigrate_fail, 4);
	assert_int_equal(st.pgmigrate_to_ram, 4);	/* 3, then the last */
	assert_int_equal(st.offlines, 1);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.frames_pinned, 0);
	assert_true(balanced(&st));
	assert_int_equal(ms_device_block_state(sim, o.dev, 0, &bs), 0);
	assert_int_equal(bs, MS_BLOCK_OFFLINE);
	ms_sim_free(sim);
}

/* While the offline is refused, the block was back online: a page
 * placed on the device after the failure may use it. */
static void test_failed_offline_leaves_block_online(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "gpu", 4 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	ms_map_id m;
	enum ms_block_state bs;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	m = add_map(sim, "buf", 2, NULL);
	assert_int_equal(ms_device_access(sim, d, m, 0, pg(), MS_ACCESS_READ), 0);
	assert_int_equal(ms_mem_pin(sim, m, 0, pg(), 0), 0);	/* short-term */
	/* the host does not wait between passes */
	assert_int_equal(ms_device_offline(sim, d, 0, 1), -EBUSY);
	assert_int_equal(ms_device_block_state(sim, d, 0, &bs), 0);
	assert_int_equal(bs, MS_BLOCK_ONLINE);
	assert_int_equal(DEVS(sim)->dev[d]->nfree, 3);
	assert_int_equal(ms_device_access(sim, d, m, pg(), pg(), MS_ACCESS_READ), 0);
	assert_int_equal(page_of(sim, m, 1)->where, PG_DEV);
	assert_int_equal(dstats(sim, d).offline_retries, 3);
	ms_sim_free(sim);
}

/* Long-term pins are refused on coherent device memory (nothing of the
 * range is pinned); short-term pins are not; long-term pins of system
 * RAM and of private device memory are. */
static void test_longterm_pin_refused_on_coherent(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id c = add_dev(sim, "cxl", 8 * pg(), 0, MS_DEVICE_COHERENT, 0);
	ms_device_id p = add_dev(sim, "gpu", 8 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	struct ms_device_stats st;
	ms_map_id m;

	(void)state;
	assert_int_equal(ms_device_online(sim, c, 0, 1), 0);
	assert_int_equal(ms_device_online(sim, p, 0, 1), 0);
	m = add_map(sim, "buf", 4, NULL);
	fill(sim, m, 4, 0);
	assert_int_equal(ms_migrate_range(sim, m, pg(), pg(), c, NULL), 0);
	assert_int_equal(ms_migrate_range(sim, m, 2 * pg(), pg(), p, NULL), 0);
	/* pages 0 (RAM) and 1 (coherent): refused as a whole */
	assert_int_equal(ms_mem_pin(sim, m, 0, 2 * pg(), MS_PIN_LONGTERM),
			 -EINVAL);
	assert_int_equal(page_of(sim, m, 0)->pin_long, 0);
	assert_int_equal(page_of(sim, m, 1)->pin_long, 0);
	st = dstats(sim, c);
	assert_int_equal(st.pin_refused, 1);
	assert_int_equal(st.frames_pinned, 0);
	/* short-term on coherent memory is fine */
	assert_int_equal(ms_mem_pin(sim, m, pg(), pg(), 0), 0);
	assert_int_equal(dstats(sim, c).frames_pinned, 1);
	/* long-term on RAM and on private device memory is fine */
	assert_int_equal(ms_mem_pin(sim, m, 0, pg(), MS_PIN_LONGTERM), 0);
	assert_int_equal(ms_mem_pin(sim, m, 2 * pg(), pg(), MS_PIN_LONGTERM), 0);
	assert_int_equal(dstats(sim, p).frames_pinned, 1);
	assert_int_equal(dstats(sim, c).pin_refused, 1);
	/* unpinning what is not pinned so is refused, nothing changes */
	assert_int_equal(ms_mem_unpin(sim, m, pg(), pg(), MS_PIN_LONGTERM),
			 -EINVAL);
	assert_int_equal(ms_mem_unpin(sim, m, 0, 2 * pg(), 0), -EINVAL);
	assert_int_equal(page_of(sim, m, 1)->pin_short, 1);
	assert_int_equal(ms_mem_unpin(sim, m, pg(), pg(), 0), 0);
	assert_int_equal(dstats(sim, c).frames_pinned, 0);
	/* pinned pages cannot be unmapped */
	assert_int_equal(ms_mem_unmap(sim, m, 0, 4 * pg()), -EBUSY);
	ms_sim_free(sim);
}

struct sp {
	ms_device_id dev;
	ms_map_id map;
	int offline;
	uint64_t unpinned_at;
};

static void offliner(struct ms_sim *sim, void *arg)
{
	struct sp *s = arg;

	s->offline = ms_device_offline(sim, s->dev, 0, 1);
}

static void dma_done(struct ms_sim *sim, void *arg)
{
	struct sp *s = arg;

	ms_sleep(sim, 150);
	s->unpinned_at = ms_sim_now(sim);
	assert_int_equal(ms_mem_unpin(sim, s->map, 0, pg(), 0), 0);
}

/* A short-term pin dropped while the offline waits between passes lets
 * the next pass through: one retry, no failure. */
static void test_shortterm_pin_released_during_retry(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_device_attr a;
	struct sp s = { 0 };
	struct ms_device_stats st;

	(void)state;
	ms_device_attr_init(&a);
	a.name = "gpu";
	a.size = 4 * pg();
	a.retry_ticks = 200;
	assert_int_equal(ms_device_add(sim, &a, &s.dev), 0);
	assert_int_equal(ms_device_online(sim, s.dev, 0, 1), 0);
	s.map = add_map(sim, "buf", 1, NULL);
	assert_int_equal(ms_device_access(sim, s.dev, s.map, 0, pg(),
					  MS_ACCESS_WRITE), 0);
	assert_int_equal(ms_mem_pin(sim, s.map, 0, pg(), 0), 0);
	sup_thread(sim, "offliner", offliner, &s);
	sup_thread(sim, "dma", dma_done, &s);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.offline, 0);
	st = dstats(sim, s.dev);
	assert_int_equal(st.offline_retries, 1);
	assert_int_equal(st.offline_busy, 0);
	assert_int_equal(st.pin_blocked, 1);
	assert_int_equal(st.pgmigrate_to_ram, 1);
	assert_int_equal(page_of(sim, s.map, 0)->where, PG_RAM);
	ms_sim_free(sim);
}

struct pk {
	ms_map_id map;
	int stage;
};

static void touch_pinned(struct ms_sim *sim, void *arg)
{
	struct pk *k = arg;

	k->stage = 1;
	(void)deliberate_load32(ms_mem_addr(sim, k->map, 0));
	k->stage = 2;
}

/* A long-term pin blocks migration: a migration leaves the pinned page
 * out, and a CPU access to a private device's pinned page cannot bring
 * it back: the thread dies, and the fault says why. */
static void test_longterm_pin_blocks_migration(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "gpu", 8 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	struct ms_migrate_result res;
	const struct ms_fault *f;
	struct pk k = { 0 };
	ms_map_id m;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	m = add_map(sim, "buf", 4, NULL);
	fill(sim, m, 4, 0);
	assert_int_equal(ms_mem_pin(sim, m, pg(), pg(), MS_PIN_LONGTERM), 0);
	assert_int_equal(ms_migrate_range(sim, m, 0, 4 * pg(), d, &res), 0);
	assert_int_equal(res.selected, 3);
	assert_int_equal(res.pinned, 1);
	assert_int_equal(res.migrated, 3);
	assert_int_equal(page_of(sim, m, 1)->where, PG_RAM);
	assert_int_equal(dstats(sim, d).pin_blocked, 1);
	/* pinned on the device now: the CPU cannot have it back */
	assert_int_equal(ms_mem_pin(sim, m, 0, pg(), MS_PIN_LONGTERM), 0);
	k.map = m;
	user_thread(sim, "cpu", touch_pinned, &k);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(k.stage, 1);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_DEVICE);
	assert_string_equal(f->object, "map:buf");
	assert_non_null(strstr(f->detail, "pinned"));
	assert_int_equal(dstats(sim, d).pin_blocked, 2);
	assert_int_equal(page_of(sim, m, 0)->where, PG_DEV);
	ms_sim_free(sim);
}

/* ---- eviction policies ---- */

struct ev {
	ms_device_id dev;
	ms_map_id map;
	const char *policy;
	uint32_t scan;
	bool renew0;		/* the device reaches page 0 again */
	int pins;		/* pages 0 .. pins-1 pinned */
	int ret;
};

/* Four pages fill a four-frame device, then a fifth comes. */
static void fill_then_one_more(struct ms_sim *sim, void *arg)
{
	struct ev *e = arg;

	e->ret = ms_device_access(sim, e->dev, e->map, 0, 4 * pg(),
				  MS_ACCESS_WRITE);
	if (e->renew0)
		e->ret |= ms_device_access(sim, e->dev, e->map, 0, pg(),
					   MS_ACCESS_READ);
	for (int i = 0; i < e->pins; i++)
		e->ret |= ms_mem_pin(sim, e->map, (uint64_t)i * pg(), pg(), 0);
	e->ret |= ms_device_access(sim, e->dev, e->map, 4 * pg(), pg(),
				   MS_ACCESS_WRITE);
}

/* Which page left for system RAM (-1: none), and the device's stats. */
static int evicted(struct ev *e, uint64_t seed, struct ms_device_stats *st)
{
	struct ms_config cfg;
	struct ms_device_policy_params p = { .scan = e->scan };
	struct ms_sim *sim;
	int victim = -1;

	ms_config_init(&cfg);
	cfg.seed = seed;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	e->dev = add_dev(sim, "gpu", 4 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	assert_int_equal(ms_device_online(sim, e->dev, 0, 1), 0);
	assert_int_equal(ms_device_policy_set(sim, MS_DEVPOL_EVICTION,
					      e->policy, &p), 0);
	e->map = add_map(sim, "buf", 5, NULL);
	assert_int_equal(run_sup(sim, fill_then_one_more, e), 0);
	assert_int_equal(e->ret, 0);
	for (int i = 0; i < 4; i++)
		if (page_of(sim, e->map, (uint32_t)i)->where == PG_RAM)
			victim = i;
	*st = dstats(sim, e->dev);
	assert_true(balanced(st));
	ms_sim_free(sim);
	return victim;
}

static void test_eviction_policies_differ(void **state)
{
	struct ms_device_stats st;
	struct ev e = { .policy = "lru", .renew0 = true };
	int r1, r2;

	(void)state;
	/* a page the device reached again is young for LRU, not for FIFO */
	assert_int_equal(evicted(&e, 1, &st), 1);
	assert_int_equal(st.evictions, 1);
	e.policy = "fifo";
	assert_int_equal(evicted(&e, 1, &st), 0);

	/* behind two pins, plain LRU scans past them (each a pin-blocked
	 * attempt); pin-aware never sees them */
	e = (struct ev){ .policy = "lru", .pins = 2 };
	assert_int_equal(evicted(&e, 1, &st), 2);
	assert_int_equal(st.pin_blocked, 2);
	e.policy = "pin-aware";
	assert_int_equal(evicted(&e, 1, &st), 2);
	assert_int_equal(st.pin_blocked, 0);
	/* with a scan of one, plain LRU gives up: page 4 goes to RAM */
	e = (struct ev){ .policy = "lru", .pins = 2, .scan = 1 };
	assert_int_equal(evicted(&e, 1, &st), -1);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.pages_placed, 4);
	e.policy = "pin-aware";
	assert_int_equal(evicted(&e, 1, &st), 2);
	assert_int_equal(st.pages_placed, 5);

	/* random: the sim's seeded generator, so the same seed the same
	 * victim; never a pinned one */
	e = (struct ev){ .policy = "random", .pins = 3, .scan = 64 };
	r1 = evicted(&e, 7, &st);
	r2 = evicted(&e, 7, &st);
	assert_int_equal(r1, 3);
	assert_int_equal(r1, r2);
	assert_int_equal(st.evictions, 1);
}

/* ---- accounting ---- */

struct back {
	ms_map_id map;
	uint32_t n, done;
};

static void read_back(struct ms_sim *sim, void *arg)
{
	struct back *b = arg;

	for (uint32_t i = 0; i < b->n; i++) {
		(void)deliberate_load32(ms_mem_addr(sim, b->map,
						    (uint64_t)i * pg()));
		b->done++;
	}
}

/* Three private pages must come back, the group may hold two in RAM:
 * under "per-tier" the third's fault cannot be resolved and the thread
 * dies; under "owner" (Linux's memcg choice) the way back never fails on
 * quota. */
static void test_per_tier_quota_can_refuse_the_way_back(void **state)
{
	(void)state;
	for (int owner = 0; owner < 2; owner++) {
		struct ms_sim *sim = new_sim();
		ms_device_id d = add_dev(sim, "gpu", 8 * pg(), 0,
					 MS_DEVICE_PRIVATE, 0);
		struct ms_device_policy_params p = {
			.ram_quota = 2 * pg(),
			.page_quota = 3 * pg(),
		};
		struct back b = { .n = 3 };
		struct ms_device_usage u;

		assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
		assert_int_equal(ms_device_policy_set(sim, MS_DEVPOL_ACCOUNTING,
				 owner ? "owner" : "per-tier", &p), 0);
		b.map = add_map(sim, "buf", 3, NULL);
		/* the device places them (its first touch) */
		assert_int_equal(ms_device_access(sim, d, b.map, 0, 3 * pg(),
						  MS_ACCESS_WRITE), 0);
		assert_int_equal(dstats(sim, d).frames_used, 3);
		user_thread(sim, "cpu", read_back, &b);
		assert_int_equal(ms_sim_run(sim), 0);
		assert_int_equal(ms_device_usage_get(sim, 0, MS_DEVICE_NONE, &u),
				 0);
		if (owner) {
			assert_int_equal(b.done, 3);
			assert_int_equal(ms_sim_fault_count(sim), 0);
			assert_int_equal(u.ram_pages, 3);
			assert_int_equal(u.refused, 0);
		} else {
			const struct ms_fault *f = ms_sim_fault_get(sim, 0);

			assert_int_equal(b.done, 2);
			assert_int_equal(ms_sim_fault_count(sim), 1);
			assert_int_equal(f->kind, MS_FAULT_DEVICE);
			assert_non_null(strstr(f->detail, "quota"));
			assert_int_equal(u.ram_pages, 2);
			assert_int_equal(u.device_pages, 1);
			assert_int_equal(u.refused, 1);
		}
		assert_int_equal(u.pages, 3);
		ms_sim_free(sim);
	}
}

/* ---- registration ---- */

static ms_device_id always_zero(void *state, const struct ms_place_query *q)
{
	(void)state;
	(void)q;
	return 0;
}

static int counting_init(void *state, const struct ms_device_policy_params *p)
{
	*(uint32_t *)state = p->threshold;
	return 0;
}

static bool every_other(void *state, const struct ms_access_query *q)
{
	(void)state;
	return q->hits % 2 == 0;
}

struct reg {
	int ret;
};

static const struct ms_device_policy_ops zero_placement = {
	.name = "device-zero",
	.summary = "every page on device 0",
	.place = always_zero,
};

static void user_registers(struct ms_sim *sim, void *arg)
{
	struct reg *r = arg;

	r->ret = ms_device_policy_register(sim, MS_DEVPOL_PLACEMENT,
					   &zero_placement);
}

static void test_policies_register_and_set(void **state)
{
	static const struct ms_device_policy_ops bad = { .name = "bad" };
	static const struct ms_device_policy_ops alt = {
		.name = "every-other",
		.state_size = sizeof(uint32_t),
		.init = counting_init,
		.migrate = every_other,
	};
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "cxl", 8 * pg(), 0, MS_DEVICE_COHERENT, 0);
	struct reg r = { 1 };
	ms_map_id m;

	(void)state;
	/* the built-ins, defaults first */
	assert_int_equal(ms_device_policy_count(sim, MS_DEVPOL_PLACEMENT), 3);
	assert_int_equal(ms_device_policy_count(sim, MS_DEVPOL_MIGRATION), 3);
	assert_int_equal(ms_device_policy_count(sim, MS_DEVPOL_EVICTION), 4);
	assert_int_equal(ms_device_policy_count(sim, MS_DEVPOL_ACCOUNTING), 2);
	assert_string_equal(ms_device_policy_name(sim, MS_DEVPOL_PLACEMENT),
			    "first-touch");
	assert_string_equal(ms_device_policy_name(sim, MS_DEVPOL_MIGRATION),
			    "on-fault");
	assert_string_equal(ms_device_policy_name(sim, MS_DEVPOL_EVICTION),
			    "lru");
	assert_string_equal(ms_device_policy_name(sim, MS_DEVPOL_ACCOUNTING),
			    "owner");
	assert_string_equal(ms_device_policy_at(sim, MS_DEVPOL_EVICTION, 3)->name,
			    "pin-aware");

	assert_int_equal(ms_device_policy_register(sim, MS_DEVPOL_PLACEMENT,
						   &bad), -EINVAL);
	assert_int_equal(ms_device_policy_register(sim, MS_DEVPOL__COUNT,
						   &zero_placement), -EINVAL);
	assert_int_equal(ms_device_policy_register(sim, MS_DEVPOL_PLACEMENT,
						   &zero_placement), 0);
	assert_int_equal(ms_device_policy_register(sim, MS_DEVPOL_PLACEMENT,
						   &zero_placement), -EEXIST);
	/* the same name may be another kind's */
	assert_int_equal(ms_device_policy_register(sim, MS_DEVPOL_MIGRATION,
						   &alt), 0);
	assert_int_equal(ms_device_policy_set(sim, MS_DEVPOL_PLACEMENT, "nope",
					      NULL), -ENOENT);
	assert_int_equal(ms_device_policy_set(sim, MS_DEVPOL_PLACEMENT,
					      "device-zero", NULL), 0);
	assert_int_equal(ms_device_policy_set(sim, MS_DEVPOL_MIGRATION,
					      "every-other", NULL), 0);
	assert_int_equal(*(uint32_t *)DEVS(sim)->pol[MS_DEVPOL_MIGRATION].state,
			 4);	/* the default threshold reached init */

	/* a CPU first touch now lands on the coherent device */
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	m = add_map(sim, "buf", 2, NULL);
	assert_int_equal(ms_mem_pin(sim, m, 0, 2 * pg(), 0), 0);
	assert_int_equal(page_of(sim, m, 0)->where, PG_DEV);
	assert_int_equal(dstats(sim, d).pages_placed, 2);
	ms_sim_free(sim);

	sim = new_sim();
	user_thread(sim, "user", user_registers, &r);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(r.ret, -EPERM);
	assert_int_equal(ms_device_policy_count(sim, MS_DEVPOL_PLACEMENT), 3);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longterm_pin_blocks_offline),
		cmocka_unit_test(test_failed_offline_leaves_block_online),
		cmocka_unit_test(test_longterm_pin_refused_on_coherent),
		cmocka_unit_test(test_shortterm_pin_released_during_retry),
		cmocka_unit_test(test_longterm_pin_blocks_migration),
		cmocka_unit_test(test_eviction_policies_differ),
		cmocka_unit_test(test_per_tier_quota_can_refuse_the_way_back),
		cmocka_unit_test(test_policies_register_and_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
