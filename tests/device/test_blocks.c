/* SPDX-License-Identifier: MIT */
/*
 * Devices and their memory blocks: memory that does not exist before the
 * device initialises (no memfd, no mapping, every call -ENODEV), onlining
 * and offlining in blocks with exact counts, a graceful offline that moves
 * the pages on its blocks to system RAM with their data, kernel code that
 * reaches an offline block faulting, and the refusals of ms_device_add.
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

static struct ddev *dev_of(struct ms_sim *sim, ms_device_id id)
{
	return DEVS(sim)->dev[id];
}

static enum ms_block_state bstate(struct ms_sim *sim, ms_device_id d,
				  uint32_t b)
{
	enum ms_block_state st;

	assert_int_equal(ms_device_block_state(sim, d, b, &st), 0);
	return st;
}

struct absent {
	ms_device_id dev;
	ms_map_id map;
	int before_online, before_access, before_migrate, after_online;
	uint64_t tick_after;
	enum ms_block_state before_state;
	int fd_before;
	long maps_before, maps_after;
};

static void absent_then_present(struct ms_sim *sim, void *arg)
{
	struct absent *a = arg;
	struct ddev *d = dev_of(sim, a->dev);
	struct ms_migrate *mg = NULL;

	a->before_state = bstate(sim, a->dev, 0);
	a->fd_before = d->fd;
	a->maps_before = ms__os_memfd_mappings(d->memfd_name);
	a->before_online = ms_device_online(sim, a->dev, 0, MS_DEVICE_ALL_BLOCKS);
	a->before_access = ms_device_access(sim, a->dev, a->map, 0, pg(),
					    MS_ACCESS_WRITE);
	a->before_migrate = ms_migrate_setup(sim, a->map, 0, pg(), a->dev, &mg);
	ms_sleep(sim, 1000);
	a->tick_after = ms_sim_now(sim);
	a->after_online = ms_device_online(sim, a->dev, 0, MS_DEVICE_ALL_BLOCKS);
	a->maps_after = ms__os_memfd_mappings(d->memfd_name);
}

/* Before its init tick a device has no memory at all: no memfd, no
 * mapping, every operation on it -ENODEV; at the tick it appears. */
static void test_memory_absent_before_init(void **state)
{
	struct ms_sim *sim = new_sim();
	struct absent a = { 0 };
	struct ms_device_stats st;

	(void)state;
	a.dev = add_dev(sim, "gpu", 4 * 64 * KIB, 64 * KIB, MS_DEVICE_PRIVATE,
			1000);
	a.map = add_map(sim, "buf", 4, NULL);
	st = dstats(sim, a.dev);
	assert_int_equal(st.state, MS_DEVICE_ABSENT);
	assert_int_equal(st.blocks, 4);
	assert_int_equal(st.frames, 4 * 64 * KIB / pg());
	assert_null(dev_of(sim, a.dev)->dview);
	assert_int_equal(run_sup(sim, absent_then_present, &a), 0);

	assert_int_equal(a.before_state, MS_BLOCK_ABSENT);
	assert_int_equal(a.fd_before, -1);
	assert_int_equal(a.maps_before, 0);
	assert_int_equal(a.before_online, -ENODEV);
	assert_int_equal(a.before_access, -ENODEV);
	assert_int_equal(a.before_migrate, -ENODEV);
	assert_true(a.tick_after >= 1000);
	assert_int_equal(a.after_online, 0);
	/* one mapping of its memory: the kernel's view */
	assert_int_equal(a.maps_after, 1);
	st = dstats(sim, a.dev);
	assert_int_equal(st.state, MS_DEVICE_PRESENT);
	assert_int_equal(st.blocks_online, 4);
	assert_int_equal(st.frames_online, st.frames);
	assert_int_equal(st.onlines, 4);
	assert_int_equal(count_events(sim, MS_EV_DEVICE_ONLINE), 1);
	ms_sim_free(sim);
}

/* Online and offline work on block ranges, leave blocks already in the
 * state alone, and count blocks and frames exactly. */
static void test_online_offline_in_blocks(void **state)
{
	struct ms_sim *sim = new_sim();
	uint64_t bs = 16 * pg();
	ms_device_id d = add_dev(sim, "cxl", 8 * bs, bs, MS_DEVICE_COHERENT, 0);
	struct ms_device_stats st;

	(void)state;
	assert_int_equal(bstate(sim, d, 0), MS_BLOCK_OFFLINE);
	assert_int_equal(ms_device_online(sim, d, 2, 3), 0);
	for (uint32_t b = 0; b < 8; b++)
		assert_int_equal(bstate(sim, d, b), b >= 2 && b <= 4 ?
				 MS_BLOCK_ONLINE : MS_BLOCK_OFFLINE);
	st = dstats(sim, d);
	assert_int_equal(st.blocks_online, 3);
	assert_int_equal(st.frames_online, 48);
	assert_int_equal(st.onlines, 3);
	assert_int_equal(dev_of(sim, d)->nfree, 48);

	/* overlapping: only block 5 is new */
	assert_int_equal(ms_device_online(sim, d, 3, 3), 0);
	st = dstats(sim, d);
	assert_int_equal(st.blocks_online, 4);
	assert_int_equal(st.onlines, 4);

	assert_int_equal(ms_device_offline(sim, d, 3, 2), 0);
	assert_int_equal(bstate(sim, d, 3), MS_BLOCK_OFFLINE);
	assert_int_equal(bstate(sim, d, 4), MS_BLOCK_OFFLINE);
	assert_int_equal(bstate(sim, d, 5), MS_BLOCK_ONLINE);
	st = dstats(sim, d);
	assert_int_equal(st.blocks_online, 2);
	assert_int_equal(st.frames_online, 32);
	assert_int_equal(st.offlines, 2);
	assert_int_equal(dev_of(sim, d)->nfree, 32);

	/* ranges that leave the device, or are empty */
	assert_int_equal(ms_device_online(sim, d, 7, 2), -EINVAL);
	assert_int_equal(ms_device_online(sim, d, 8, 1), -EINVAL);
	assert_int_equal(ms_device_online(sim, d, 0, 0), -EINVAL);
	assert_int_equal(ms_device_offline(sim, d, 6, 3), -EINVAL);
	assert_int_equal(ms_device_online(sim, 9, 0, 1), -ENOENT);
	assert_int_equal(dstats(sim, d).onlines, 4);

	assert_int_equal(ms_device_online(sim, d, 0, MS_DEVICE_ALL_BLOCKS), 0);
	st = dstats(sim, d);
	assert_int_equal(st.blocks_online, 8);
	assert_int_equal(st.frames_online, 128);
	assert_int_equal(ms_device_offline(sim, d, 0, MS_DEVICE_ALL_BLOCKS), 0);
	assert_int_equal(dstats(sim, d).blocks_online, 0);
	assert_int_equal(count_events(sim, MS_EV_DEVICE_ONLINE), 3);
	assert_int_equal(count_events(sim, MS_EV_DEVICE_OFFLINE), 2);
	ms_sim_free(sim);
}

struct offl {
	ms_device_id dev;
	ms_map_id map;
	int access, offline;
	uint32_t got[16];
};

static void place_then_offline(struct ms_sim *sim, void *arg)
{
	struct offl *o = arg;
	uint32_t *buf = calloc(16, pg());

	for (size_t i = 0; i < 16 * pg() / 4; i++)
		buf[i] = (uint32_t)i ^ 0x5a5a;
	/* the device writes the pages first: first touch puts them on it */
	o->access = ms_device_write(sim, o->dev, o->map, 0, buf, 16 * pg());
	o->offline = ms_device_offline(sim, o->dev, 0, MS_DEVICE_ALL_BLOCKS);
	/* the CPU reads them back where they are now: system RAM */
	for (uint32_t i = 0; i < 16; i++)
		o->got[i] = deliberate_load32((volatile uint32_t *)
			ms_mem_addr(sim, o->map, (uint64_t)i * pg() + 8));
	free(buf);
}

/* A graceful offline moves every page on its blocks to system RAM first,
 * with its data, and the device balances. */
static void test_offline_moves_pages_to_ram(void **state)
{
	struct ms_sim *sim = new_sim();
	struct offl o = { 0 };
	struct ms_device_stats st;

	(void)state;
	o.dev = add_dev(sim, "gpu", 4 * 8 * pg(), 8 * pg(), MS_DEVICE_PRIVATE, 0);
	assert_int_equal(ms_device_online(sim, o.dev, 0, 2), 0);
	o.map = add_map(sim, "buf", 16, NULL);
	assert_int_equal(run_sup(sim, place_then_offline, &o), 0);
	assert_int_equal(o.access, 0);
	assert_int_equal(o.offline, 0);
	for (uint32_t i = 0; i < 16; i++)
		assert_int_equal(o.got[i], (i * pg() / 4 + 2) ^ 0x5a5a);
	st = dstats(sim, o.dev);
	assert_int_equal(st.pages_placed, 16);
	assert_int_equal(st.pgmigrate_to_ram, 16);
	assert_int_equal(st.pgmigrate_success, 16);
	assert_int_equal(st.bytes_to_ram, 16 * pg());
	assert_int_equal(st.frames_used, 0);
	assert_int_equal(st.blocks_online, 0);
	assert_int_equal(st.offline_retries, 0);
	assert_int_equal(st.cpu_faults, 0);	/* they were in RAM already */
	assert_true(balanced(&st));
	assert_int_equal(st.dangling_mappings, 0);
	ms_sim_free(sim);
}

struct kread {
	ms_device_id dev;
	uint8_t *where;
	int stage;
};

static __attribute__((noinline)) uint8_t deliberate_kernel_load(volatile uint8_t *p)
{
	return *p;
}

static void kernel_reads_offline_block(struct ms_sim *sim, void *arg)
{
	struct kread *k = arg;

	k->stage = 1;
	(void)deliberate_kernel_load(k->where);
	k->stage = 2;
}

/* Kernel code that reaches a block that is not online faults; the fault
 * is attributed to the device (no panic, nothing read). */
static void test_offline_block_faults_in_kernel_view(void **state)
{
	struct ms_sim *sim = new_sim();
	struct kread k = { 0 };
	const struct ms_fault *f;

	(void)state;
	k.dev = add_dev(sim, "gpu", 2 * 4 * pg(), 4 * pg(), MS_DEVICE_COHERENT, 0);
	assert_int_equal(ms_device_online(sim, k.dev, 0, 1), 0);
	k.where = dev_of(sim, k.dev)->dview + 4 * pg() + 16;	/* block 1 */
	assert_int_equal(run_sup(sim, kernel_reads_offline_block, &k), 0);
	assert_int_equal(k.stage, 1);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_DEVICE);
	assert_int_equal(f->access, MS_ACCESS_READ);
	assert_string_equal(f->object, "device:gpu");
	assert_int_equal(f->offset, 4 * pg() + 16);
	assert_non_null(strstr(f->detail, "block 1 is offline"));
	ms_sim_free(sim);
}

struct uadd {
	int ret;
};

static void user_adds(struct ms_sim *sim, void *arg)
{
	struct ms_device_attr a;
	ms_device_id id;

	ms_device_attr_init(&a);
	a.name = "u";
	a.size = pg();
	((struct uadd *)arg)->ret = ms_device_add(sim, &a, &id);
}

static void test_device_add_refusals(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_device_attr a;
	struct uadd u = { 1 };
	ms_device_id id;
	char name[16];

	(void)state;
	ms_device_attr_init(&a);
	assert_int_equal(ms_device_add(sim, &a, &id), -EINVAL);	/* no name */
	a.name = "dev";
	assert_int_equal(ms_device_add(sim, &a, &id), -EINVAL);	/* size 0 */
	a.size = 4 * pg();
	a.block_size = pg() + 8;
	assert_int_equal(ms_device_add(sim, &a, &id), -EINVAL);
	a.block_size = 3 * pg();	/* does not divide the size */
	assert_int_equal(ms_device_add(sim, &a, &id), -EINVAL);
	a.block_size = 0;		/* one block */
	a.name = "a-name-of-thirty-two-characters!";
	assert_int_equal(ms_device_add(sim, &a, &id), -EINVAL);
	a.name = "dev";
	assert_int_equal(ms_device_add(sim, &a, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(dstats(sim, id).blocks, 1);
	assert_int_equal(ms_device_add(sim, &a, &id), -EEXIST);
	for (uint32_t i = 1; i < MS_DEVICE_MAX; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		a.name = name;
		assert_int_equal(ms_device_add(sim, &a, &id), 0);
		assert_int_equal(id, i);
	}
	a.name = "one-too-many";
	assert_int_equal(ms_device_add(sim, &a, &id), -ENOSPC);
	assert_int_equal(ms_device_count(sim), MS_DEVICE_MAX);
	assert_int_equal(ms_device_lookup(sim, "d7", &id), 0);
	assert_int_equal(id, 7);
	assert_string_equal(ms_device_name(sim, 7), "d7");
	assert_int_equal(ms_device_lookup(sim, "nope", &id), -ENOENT);
	ms_sim_free(sim);

	/* supervisor calls: a user thread is refused, nothing added */
	sim = new_sim();
	user_thread(sim, "user", user_adds, &u);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(u.ret, -EPERM);
	assert_int_equal(ms_device_count(sim), 0);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_absent_before_init),
		cmocka_unit_test(test_online_offline_in_blocks),
		cmocka_unit_test(test_offline_moves_pages_to_ram),
		cmocka_unit_test(test_offline_block_faults_in_kernel_view),
		cmocka_unit_test(test_device_add_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
