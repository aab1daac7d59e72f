/* SPDX-License-Identifier: MIT */
/*
 * Surprise withdrawal with pages in use, for both kinds: every later CPU
 * access to a page that was on the device faults and is attributed to the
 * thread that made it (MS_FAULT_DEVICE); threads that touch only system
 * RAM go on; nothing reaches the device's memory any more (no mapping of
 * its memfd is left on the host, kernel code reaching its range faults);
 * the counters balance; calls on lost pages are refused; a migration under
 * way when the device goes commits nothing. The suite runs under
 * AddressSanitizer and Valgrind.
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
#include "platform/os.h"

#define NPAGES 8
#define ON_DEV 4		/* pages 0..3 on the device, 4..7 in RAM */

struct wd {
	ms_device_id dev;
	ms_map_id map;
	enum ms_device_kind kind;
	ms_tid worker[NPAGES];
	uint32_t rounds[NPAGES];	/* rounds each worker finished */
	uint32_t device_rounds;
	int device_end;
	uint64_t withdrawn_at;
	int withdraw, again;
};

struct wk {
	struct wd *w;
	uint32_t page;
	uint64_t start;
};

/* A worker reads and writes its page every 10 ticks, 20 rounds. */
static void worker(struct ms_sim *sim, void *arg)
{
	struct wk *k = arg;
	volatile uint32_t *p = ms_mem_addr(sim, k->w->map,
					   (uint64_t)k->page * pg());

	ms_sleep(sim, k->start);
	for (uint32_t r = 0; r < 20; r++) {
		deliberate_store32(p, deliberate_load32(p) + 1);
		k->w->rounds[k->page] = r + 1;
		ms_sleep(sim, 10);
	}
}

/* The device works on its pages every 10 ticks while it is there. */
static void driver(struct ms_sim *sim, void *arg)
{
	struct wd *w = arg;
	int ret;

	while ((ret = ms_device_access(sim, w->dev, w->map, 0, ON_DEV * pg(),
				       MS_ACCESS_WRITE)) == 0) {
		w->device_rounds++;
		ms_sleep(sim, 10);
	}
	w->device_end = ret;
}

static void withdrawer(struct ms_sim *sim, void *arg)
{
	struct wd *w = arg;

	ms_sleep(sim, 55);
	w->withdrawn_at = ms_sim_now(sim);
	w->withdraw = ms_device_withdraw(sim, w->dev);
	w->again = ms_device_withdraw(sim, w->dev);
}

static void withdraw_under_load(enum ms_device_kind kind)
{
	struct ms_sim *sim = new_sim();
	struct wd w = { .kind = kind };
	struct wk k[NPAGES];
	struct ms_device_stats st;
	char name[48];
	uint32_t v;
	uint16_t snap;
	struct ms_migrate *mg;

	w.dev = add_dev(sim, "dev", 16 * pg(), 0, kind, 0);
	assert_int_equal(ms_device_online(sim, w.dev, 0, 1), 0);
	w.map = add_map(sim, "buf", NPAGES, NULL);
	fill(sim, w.map, NPAGES, 0);
	assert_int_equal(ms_migrate_range(sim, w.map, 0, ON_DEV * pg(), w.dev,
					  NULL), 0);
	/* pins are dropped with the device: a long-term one where allowed */
	assert_int_equal(ms_mem_pin(sim, w.map, 0, pg(),
				    kind == MS_DEVICE_PRIVATE ?
				    MS_PIN_LONGTERM : 0), 0);
	assert_int_equal(dstats(sim, w.dev).frames_pinned, 1);
	snprintf(name, sizeof(name), "%s", DEVS(sim)->dev[w.dev]->memfd_name);
	assert_true(ms__os_memfd_mappings(name) >= 1);

	/* The CPU reaches a coherent device's pages directly from the
	 * start; a private device's pages it would pull back, so its
	 * workers of those pages come after the withdrawal. */
	for (uint32_t i = 0; i < NPAGES; i++) {
		k[i].w = &w;
		k[i].page = i;
		k[i].start = i < ON_DEV && kind == MS_DEVICE_PRIVATE ? 300 : 0;
		w.worker[i] = user_thread(sim, "worker", worker, &k[i]);
	}
	sup_thread(sim, "driver", driver, &w);
	sup_thread(sim, "withdrawer", withdrawer, &w);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(w.withdraw, 0);
	assert_int_equal(w.again, -ENODEV);
	assert_int_equal(w.device_end, -ENODEV);
	/* it worked until the withdrawal (the ticks it took depend on
	 * the cost model, so the count is checked against its stats) */
	assert_true(w.device_rounds >= 1);

	/* The workers of lost pages died at their first access after the
	 * withdrawal, each attributed; the others finished. */
	assert_int_equal(ms_sim_fault_count(sim), ON_DEV);
	for (size_t i = 0; i < ms_sim_fault_count(sim); i++) {
		const struct ms_fault *f = ms_sim_fault_get(sim, i);

		assert_int_equal(f->kind, MS_FAULT_DEVICE);
		assert_string_equal(f->object, "map:buf");
		assert_true(f->tick >= w.withdrawn_at);
		assert_non_null(strstr(f->detail, "withdrawn"));
		assert_true(f->offset / pg() < ON_DEV);
		assert_int_equal(f->tid, w.worker[f->offset / pg()]);
	}
	for (uint32_t i = 0; i < NPAGES; i++) {
		if (i >= ON_DEV)
			assert_int_equal(w.rounds[i], 20);
		else if (kind == MS_DEVICE_COHERENT)
			assert_true(w.rounds[i] >= 1 && w.rounds[i] < 20);
		else
			assert_int_equal(w.rounds[i], 0);
	}

	st = dstats(sim, w.dev);
	assert_int_equal(st.state, MS_DEVICE_WITHDRAWN);
	assert_int_equal(st.pages_lost, ON_DEV);
	assert_int_equal(st.threads_killed, ON_DEV);
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.frames_pinned, 0);
	assert_int_equal(st.blocks_online, 0);
	assert_int_equal(st.dangling_mappings, 0);
	assert_int_equal(st.cpu_faults, 0);
	assert_int_equal(st.local_accesses, w.device_rounds * ON_DEV);
	assert_int_equal(st.remote_accesses, 0);
	assert_true(balanced(&st));
	/* the host keeps no mapping of the device's memory */
	assert_int_equal(ms__os_memfd_mappings(name), 0);
	assert_int_equal(DEVS(sim)->dev[w.dev]->fd, -1);

	/* Calls on lost pages are refused; the rest of the mapping works. */
	assert_int_equal(ms_mem_peek(sim, w.map, 0, &v, 4), -EIO);
	assert_int_equal(ms_mem_peek(sim, w.map, ON_DEV * pg(), &v, 4), 0);
	assert_int_equal(v, ON_DEV * pg() / 4 + 20);
	assert_int_equal(ms_migrate_setup(sim, w.map, 0, pg(), MS_DEVICE_NONE,
					  &mg), -EIO);
	assert_int_equal(ms_mem_pin(sim, w.map, 0, pg(), 0), -EIO);
	assert_int_equal(ms_device_access(sim, w.dev, w.map, ON_DEV * pg(),
					  pg(), MS_ACCESS_READ), -ENODEV);
	assert_int_equal(ms_device_online(sim, w.dev, 0, 1), -ENODEV);
	assert_int_equal(ms_mem_snapshot(sim, MS_DEVICE_NONE, w.map, 0, 1,
					 &snap), 0);
	assert_int_equal(snap, MS_SNAP_NONE | MS_SNAP_LOST);
	assert_int_equal(count_events(sim, MS_EV_DEVICE_WITHDRAW), 1);
	/* lost pages can be unmapped (and the mapping with them) */
	assert_int_equal(ms_mem_unmap(sim, w.map, 0, NPAGES * pg()), 0);
	assert_int_equal(ms_mem_size(sim, w.map), 0);
	ms_sim_free(sim);
}

static void test_surprise_withdrawal_private(void **state)
{
	(void)state;
	withdraw_under_load(MS_DEVICE_PRIVATE);
}

static void test_surprise_withdrawal_coherent(void **state)
{
	(void)state;
	withdraw_under_load(MS_DEVICE_COHERENT);
}

struct kw {
	uint8_t *where;
	int stage;
};

static __attribute__((noinline)) uint8_t deliberate_kernel_load(volatile uint8_t *p)
{
	return *p;
}

static void stale_kernel_pointer(struct ms_sim *sim, void *arg)
{
	struct kw *k = arg;

	k->stage = 1;
	(void)deliberate_kernel_load(k->where);
	k->stage = 2;
}

/* A kernel pointer into the device's memory kept across the withdrawal
 * faults; the range is reserved, so it cannot reach memory the host has
 * handed out since. */
static void test_stale_kernel_pointer_faults(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "cxl", 4 * pg(), 0, MS_DEVICE_COHERENT, 0);
	struct kw k = { 0 };
	const struct ms_fault *f;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	k.where = DEVS(sim)->dev[d]->dview + pg() + 3;
	assert_int_equal(ms_device_withdraw(sim, d), 0);
	assert_int_equal(run_sup(sim, stale_kernel_pointer, &k), 0);
	assert_int_equal(k.stage, 1);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_DEVICE);
	assert_string_equal(f->object, "device:cxl");
	assert_non_null(strstr(f->detail, "gone"));
	assert_int_equal(dstats(sim, d).threads_killed, 1);
	ms_sim_free(sim);
}

/* A migration under way when the device goes commits nothing; the pages
 * stay in system RAM with their data. */
static void test_withdrawal_during_migration(void **state)
{
	struct ms_sim *sim = new_sim();
	ms_device_id d = add_dev(sim, "gpu", 8 * pg(), 0, MS_DEVICE_PRIVATE, 0);
	struct ms_migrate_result res;
	struct ms_migrate *mg;
	struct ms_device_stats st;
	uint32_t v[4];
	ms_map_id m;

	(void)state;
	assert_int_equal(ms_device_online(sim, d, 0, 1), 0);
	m = add_map(sim, "buf", 4, NULL);
	fill(sim, m, 4, 100);
	assert_int_equal(ms_migrate_setup(sim, m, 0, 4 * pg(), d, &mg), 0);
	assert_int_equal(ms_migrate_copy(sim, mg), 0);
	assert_int_equal(ms_device_withdraw(sim, d), 0);
	assert_int_equal(ms_migrate_finalize(sim, mg, &res), 0);
	assert_int_equal(res.selected, 4);
	assert_int_equal(res.migrated, 0);
	assert_int_equal(res.no_room, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(ms_mem_peek(sim, m, (uint64_t)i * pg(), &v[i],
					     4), 0);
		assert_int_equal(v[i], i * pg() / 4 + 100);
	}
	st = dstats(sim, d);
	assert_int_equal(st.pgmigrate_success, 0);
	assert_int_equal(st.pgmigrate_fail, 4);
	assert_int_equal(st.pages_lost, 0);
	assert_int_equal(st.dangling_mappings, 0);
	assert_true(balanced(&st));
	assert_int_equal(DEVS(sim)->ram_used, 4);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_surprise_withdrawal_private),
		cmocka_unit_test(test_surprise_withdrawal_coherent),
		cmocka_unit_test(test_stale_kernel_pointer_faults),
		cmocka_unit_test(test_withdrawal_during_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
