/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory on device RAM: blocks of a coherent device onlined for
 * kernel allocations become shared multi-heap regions; allocations by
 * attribute are drawn from them and charged by the quota policies like
 * any other; an offline is refused while an allocation lives on a region
 * (and goes through once it is freed, even while the offline waits); a
 * region goes offline whole; a withdrawal loses what lived there without
 * anything touching the device's memory again.
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

#define BS (4 * pg())

static bool in_blocks(struct ms_sim *sim, ms_device_id d, const void *p,
		      uint32_t first, uint32_t n)
{
	const uint8_t *lo = DEVS(sim)->dev[d]->dview + (size_t)first * BS;

	return (const uint8_t *)p >= lo && (const uint8_t *)p < lo + n * BS;
}

struct ka {
	ms_device_id dev;
	void *c, *nc, *big;
	int rc, rnc, rbig;
	ms_tid self;
};

static void allocate(struct ms_sim *sim, void *arg)
{
	struct ka *k = arg;

	k->self = ms_thread_self(sim);
	k->rc = ms_smh_alloc(sim, MS_SMH_CACHEABLE, 100, &k->c);
	k->rnc = ms_smh_alloc(sim, MS_SMH_NON_CACHEABLE, 3000, &k->nc);
	k->rbig = ms_smh_alloc(sim, MS_SMH_NON_CACHEABLE, 2 * BS, &k->big);
}

/* Allocations ask for an attribute and come from a region that has it;
 * they are charged to their requester like ms_heap_alloc's. */
static void test_kernel_allocations_by_attribute(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ka k = { 0 };
	struct ms_heap *hc, *hnc, *h;
	struct ms_quota_stats qs;
	struct ms_heap_stats hs;
	struct ms_device_stats st;
	enum ms_block_state bs;

	(void)state;
	k.dev = add_dev(sim, "cxl", 4 * BS, BS, MS_DEVICE_COHERENT, 0);
	assert_int_equal(ms_device_online_heap(sim, k.dev, 0, 2,
					       MS_SMH_CACHEABLE, &hc), 0);
	assert_int_equal(ms_device_online_heap(sim, k.dev, 2, 1,
					       MS_SMH_NON_CACHEABLE, &hnc), 0);
	assert_string_equal(ms_heap_name(hc), "cxl.smh0");
	assert_int_equal(ms_heap_lookup(sim, "cxl.smh1", &h), 0);
	assert_ptr_equal(h, hnc);
	assert_int_equal(ms_device_block_state(sim, k.dev, 1, &bs), 0);
	assert_int_equal(bs, MS_BLOCK_ONLINE_KERNEL);
	st = dstats(sim, k.dev);
	assert_int_equal(st.frames_kernel, 12);
	assert_int_equal(st.frames_online, 0);
	assert_int_equal(st.blocks_online, 3);

	assert_int_equal(run_sup(sim, allocate, &k), 0);
	assert_int_equal(k.rc, 0);
	assert_int_equal(k.rnc, 0);
	assert_int_equal(k.rbig, -ENOMEM);	/* no region that large */
	assert_true(in_blocks(sim, k.dev, k.c, 0, 2));
	assert_true(in_blocks(sim, k.dev, k.nc, 2, 1));
	assert_int_equal(ms_heap_block_owner(k.c), k.self);
	assert_int_equal(ms_heap_stats(hc, &hs), 0);
	assert_int_equal(hs.allocs, 1);
	assert_int_equal(hs.allocated_bytes, ms_heap_footprint(100));
	assert_int_equal(ms_quota_thread_stats(sim, k.self, &qs), 0);
	assert_int_equal(qs.granted, 2);
	assert_int_equal(qs.denied_nomem, 1);
	assert_int_equal(qs.bytes_held,
			 ms_heap_footprint(100) + ms_heap_footprint(3000));
	/* freed as any block, credited to its requester */
	assert_int_equal(ms_heap_free(sim, k.c), 0);
	assert_int_equal(ms_quota_thread_stats(sim, k.self, &qs), 0);
	assert_int_equal(qs.bytes_held, ms_heap_footprint(3000));
	/* a region is not destroyed as a heap is */
	assert_int_equal(ms_heap_destroy(sim, hc), -EINVAL);
	ms_sim_free(sim);
}

struct qa {
	void *p[2];
	int r[2];
	ms_tid self;
};

static void allocate_twice(struct ms_sim *sim, void *arg)
{
	struct qa *q = arg;

	q->self = ms_thread_self(sim);
	q->r[0] = ms_smh_alloc(sim, MS_SMH_CACHEABLE, 200, &q->p[0]);
	q->r[1] = ms_smh_alloc(sim, MS_SMH_CACHEABLE, 200, &q->p[1]);
}

/* The quota policy decides attribute allocations as any other: under
 * "bytes" with a 256-byte limit, the second of two 200-byte requests is
 * refused. */
static void test_attribute_allocations_charged_by_quota(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "cxl", BS, 0, MS_DEVICE_COHERENT, 0);
	struct ms_quota_params p = { .limit = 256 };
	struct ms_quota_stats qs;
	struct qa q = { 0 };

	(void)state;
	assert_int_equal(ms_device_online_heap(sim, d, 0, 1, MS_SMH_CACHEABLE,
					       NULL), 0);
	assert_int_equal(ms_quota_policy_set(sim, "bytes", &p), 0);
	assert_int_equal(run_sup(sim, allocate_twice, &q), 0);
	assert_int_equal(q.r[0], 0);
	assert_int_equal(q.r[1], -EDQUOT);
	assert_int_equal(ms_quota_thread_stats(sim, q.self, &qs), 0);
	assert_int_equal(qs.granted, 1);
	assert_int_equal(qs.denied_quota, 1);
	assert_int_equal(qs.bytes_held, ms_heap_footprint(200));
	ms_sim_free(sim);
}

struct off {
	ms_device_id dev;
	void *p;
	int first, partial, second;
	bool free_meanwhile;
};

static void freer(struct ms_sim *sim, void *arg)
{
	struct off *o = arg;

	ms_sleep(sim, 50);
	assert_int_equal(ms_heap_free(sim, o->p), 0);
}

static void offliner(struct ms_sim *sim, void *arg)
{
	struct off *o = arg;

	assert_int_equal(ms_smh_alloc(sim, MS_SMH_CACHEABLE, 64, &o->p), 0);
	if (o->free_meanwhile)
		sup_thread(sim, "freer", freer, o);
	o->partial = ms_device_offline(sim, o->dev, 0, 1);
	o->first = ms_device_offline(sim, o->dev, 0, 2);
	if (!o->free_meanwhile) {
		assert_int_equal(ms_heap_free(sim, o->p), 0);
		o->second = ms_device_offline(sim, o->dev, 0, 2);
	}
}

/* Offlining a region is refused while an allocation lives on it; a
 * region goes offline whole; freed (here, or by another thread while the
 * offline waits between passes), it goes, and its heap with it. */
static void test_offline_refused_while_allocations_live(void **state)
{
	(void)state;
	for (int meanwhile = 0; meanwhile < 2; meanwhile++) {
		struct ms_sim *sim = new_sim();
		struct ms_device_attr a;
		struct off o = { .free_meanwhile = meanwhile };
		struct ms_device_stats st;
		struct ms_heap *h;
		enum ms_block_state bs;
		uint32_t id;

		ms_device_attr_init(&a);
		a.name = "cxl";
		a.kind = MS_DEVICE_COHERENT;
		a.size = 2 * BS;
		a.block_size = BS;
		a.retry_ticks = 100;
		assert_int_equal(ms_device_add(sim, &a, &o.dev), 0);
		assert_int_equal(ms_device_online_heap(sim, o.dev, 0, 2,
						       MS_SMH_CACHEABLE, &h), 0);
		id = ms_heap_id(h);
		assert_int_equal(run_sup(sim, offliner, &o), 0);
		assert_int_equal(o.partial, -EINVAL);
		st = dstats(sim, o.dev);
		if (meanwhile) {
			assert_int_equal(o.first, 0);
			assert_int_equal(st.offline_busy, 0);
			assert_true(st.offline_retries >= 1);
		} else {
			assert_int_equal(o.first, -EBUSY);
			assert_int_equal(o.second, 0);
			assert_int_equal(st.offline_busy, 1);
			assert_int_equal(st.offline_retries, 3);
		}
		assert_null(ms_heap_get(sim, id));
		assert_int_equal(ms_device_block_state(sim, o.dev, 1, &bs), 0);
		assert_int_equal(bs, MS_BLOCK_OFFLINE);
		assert_int_equal(st.offlines, 2);
		assert_int_equal(st.frames_kernel, 0);
		ms_sim_free(sim);
	}
}

/* Regions are for coherent memory (the CPU keeps kernel data there), of
 * blocks that are offline, with a known attribute. */
static void test_region_refusals(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id p = add_dev(sim, "gpu", 2 * BS, BS, MS_DEVICE_PRIVATE, 0);
	ms_device_id c = add_dev(sim, "cxl", 2 * BS, BS, MS_DEVICE_COHERENT, 0);
	unsigned attr;
	void *x;

	(void)state;
	assert_int_equal(ms_device_online_heap(sim, p, 0, 1, MS_SMH_CACHEABLE,
					       NULL), -EINVAL);
	assert_int_equal(ms_device_online_heap(sim, c, 0, 1, MS_SMH__COUNT,
					       NULL), -EINVAL);
	assert_int_equal(ms_device_online(sim, c, 1, 1), 0);
	assert_int_equal(ms_device_online_heap(sim, c, 0, 2, MS_SMH_CACHEABLE,
					       NULL), -EBUSY);
	assert_int_equal(ms_device_online_heap(sim, c, 0, 1, MS_SMH_CACHEABLE,
					       NULL), 0);
	assert_int_equal(ms_device_online(sim, c, 0, 1), -EBUSY);
	/* no region of that attribute: nothing to draw from */
	assert_int_equal(ms_smh_alloc(sim, MS_SMH_NON_CACHEABLE, 8, &x), -ENOMEM);
	assert_int_equal(ms_smh_alloc(sim, MS_SMH_CACHEABLE, 0, &x), -EINVAL);
	assert_int_equal(ms_smh_attr_lookup("non-cacheable", &attr), 0);
	assert_int_equal(attr, MS_SMH_NON_CACHEABLE);
	assert_int_equal(ms_smh_attr_lookup("nope", &attr), -EINVAL);
	assert_string_equal(ms_smh_attr_name(MS_SMH_CACHEABLE), "cacheable");
	ms_sim_free(sim);
}

struct lost {
	ms_device_id dev;
	void *p[2];
	int free_ret;
	int stage;
};

static __attribute__((noinline)) uint8_t deliberate_kernel_load(volatile uint8_t *p)
{
	return *p;
}

static void lose_and_touch(struct ms_sim *sim, void *arg)
{
	struct lost *l = arg;

	assert_int_equal(ms_smh_alloc(sim, MS_SMH_CACHEABLE, 40, &l->p[0]), 0);
	assert_int_equal(ms_smh_alloc(sim, MS_SMH_CACHEABLE, 400, &l->p[1]), 0);
	assert_int_equal(ms_device_withdraw(sim, l->dev), 0);
	/* a free of a lost block is refused without reading it */
	l->free_ret = ms_heap_free(sim, l->p[0]);
	l->stage = 1;
	/* the kernel's stale pointer faults: the range is reserved */
	(void)deliberate_kernel_load(l->p[1]);
	l->stage = 2;
}

/* A withdrawal loses what lived on its regions: counted, their heaps
 * gone, and nothing reaches the device's memory again. */
static void test_withdrawal_loses_kernel_allocations(void **state)
{
	struct ms_sim *sim = new_sim();
	struct lost l = { 0 };
	struct ms_device_stats st;
	struct ms_heap *h;
	uint32_t id;

	(void)state;
	l.dev = add_dev(sim, "cxl", BS, 0, MS_DEVICE_COHERENT, 0);
	assert_int_equal(ms_device_online_heap(sim, l.dev, 0, 1,
					       MS_SMH_CACHEABLE, &h), 0);
	id = ms_heap_id(h);
	assert_int_equal(run_sup(sim, lose_and_touch, &l), 0);
	assert_int_equal(l.free_ret, -EINVAL);
	assert_int_equal(l.stage, 1);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	assert_int_equal(ms_sim_fault_get(sim, 0)->kind, MS_FAULT_DEVICE);
	st = dstats(sim, l.dev);
	assert_int_equal(st.kernel_allocs_lost, 2);
	assert_int_equal(st.kernel_bytes_lost,
			 ms_heap_footprint(40) + ms_heap_footprint(400));
	assert_int_equal(st.threads_killed, 1);
	assert_int_equal(st.frames_kernel, 0);
	assert_null(ms_heap_get(sim, id));
	ms_sim_free(sim);
}

static void user_allocates(struct ms_sim *sim, void *arg)
{
	*(int *)arg = ms_smh_alloc(sim, MS_SMH_CACHEABLE, 8, &(void *){ 0 });
}

static void test_user_thread_refused(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id c = add_dev(sim, "cxl", BS, 0, MS_DEVICE_COHERENT, 0);
	int ret = 1;

	(void)state;
	assert_int_equal(ms_device_online_heap(sim, c, 0, 1, MS_SMH_CACHEABLE,
					       NULL), 0);
	user_thread(sim, "user", user_allocates, &ret);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ret, -EPERM);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_allocations_by_attribute),
		cmocka_unit_test(test_attribute_allocations_charged_by_quota),
		cmocka_unit_test(test_offline_refused_while_allocations_live),
		cmocka_unit_test(test_region_refusals),
		cmocka_unit_test(test_withdrawal_loses_kernel_allocations),
		cmocka_unit_test(test_user_thread_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
