/* SPDX-License-Identifier: MIT */
/*
 * Exclusive page ownership (XPFO), the ret2dir defence: a user thread
 * writes a payload into its page; a buggy kernel path reads it through the
 * kernel's direct map. With ownership off the kernel trusts it silently;
 * with it on the frame is not in the direct map while user space owns it,
 * and the kernel's access faults (MS_FAULT_XPFO). Ownership transfers are
 * counted and charged, frames shared by several partitions move once.
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

#define P_OFF 0x10000u
#define P_SIZE 0x2000u
#define PAYLOAD "ret2dir payload"

struct demo {
	uint64_t off;
	char got[32];
	int ret;
	int stage;
};

/* The user half: write the payload into its own page, then make the
 * kernel read it back through the alias. */
static void ret2dir_attacker(struct ms_sim *sim, void *arg)
{
	struct demo *d = arg;

	assert_int_equal(ms_domain_write(sim, d->off, PAYLOAD, sizeof(PAYLOAD)), 0);
	d->stage = 1;
	d->ret = ms_xpfo_kernel_read(sim, d->off, d->got, sizeof(PAYLOAD));
	d->stage = 2;
}

static ms_domain_id user_domain(struct ms_sim *sim)
{
	struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "mine");
	ms_domain_id d;

	assert_int_equal(ms_domain_new(sim, "user", &p, 1, &d), 0);
	return d;
}

static void test_xpfo_off_kernel_trusts_user_data(void **state)
{
	struct ms_sim *sim = new_sim();
	struct demo dm = { .off = P_OFF + 0x10 };
	struct ms_domain_stats st;
	ms_domain_id d = user_domain(sim);

	assert_false(ms_xpfo_enabled(sim));
	assert_true(ms_xpfo_user_owned(sim, P_OFF));
	assert_true(ms_xpfo_user_owned(sim, P_OFF + P_SIZE - 1));
	assert_false(ms_xpfo_user_owned(sim, P_OFF + P_SIZE));
	user_thread(sim, "attacker", d, ret2dir_attacker, &dm);
	assert_int_equal(ms_sim_run(sim), 0);
	/* silently: the kernel read what the user wrote */
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(dm.stage, 2);
	assert_int_equal(dm.ret, 0);
	assert_string_equal(dm.got, PAYLOAD);
	ms_domain_get_stats(sim, &st);
	assert_false(st.xpfo);
	assert_int_equal(st.user_frames, 2);
	assert_int_equal(st.xpfo_transfers, 0);
	assert_int_equal(st.xpfo_violations, 0);
	assert_int_equal(count_events(sim, MS_EV_XPFO_TRANSFER), 0);
	ms_sim_free(sim);
}

static void test_xpfo_on_kernel_access_is_caught(void **state)
{
	struct ms_sim *sim = new_sim();
	struct demo dm = { .off = P_OFF + 0x10 };
	struct ms_domain_stats st;
	const struct ms_fault *f;
	struct ms_event ev;
	unsigned to_user = 0;
	ms_domain_id d;
	ms_tid t;
	char check[sizeof(PAYLOAD)];
	uint64_t t0;

	assert_int_equal(ms_xpfo_enable(sim, true), 0);
	t0 = ms_sim_now(sim);
	d = user_domain(sim);
	/* two frames left the direct map, charged 20 ticks each */
	assert_int_equal(ms_sim_now(sim) - t0, 2 * 20);
	t = user_thread(sim, "attacker", d, ret2dir_attacker, &dm);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(dm.stage, 1);	/* the read never returned */
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_XPFO);
	assert_int_equal(f->reason, MS_ERR_CPU_EXCEPTION);
	assert_int_equal(f->tid, t);
	assert_int_equal(f->access, MS_ACCESS_READ);
	assert_int_equal(f->offset, P_OFF + 0x10);
	assert_string_equal(f->object, "directmap:frame 16");
	assert_non_null(strstr(f->detail, "while user space owns it"));
	/* the payload is there, through the user mapping */
	assert_int_equal(ms_domain_read(sim, dm.off, check, sizeof(check)), 0);
	assert_string_equal(check, PAYLOAD);

	ms_domain_get_stats(sim, &st);
	assert_true(st.xpfo);
	assert_int_equal(st.xpfo_transfers, 2);
	assert_int_equal(st.xpfo_ticks, 40);
	assert_int_equal(st.xpfo_violations, 1);
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		ms_sim_event_get(sim, i, &ev);
		if (ev.type != MS_EV_XPFO_TRANSFER)
			continue;
		assert_int_equal(ev.a, P_OFF / 4096 + to_user);
		assert_int_equal(ev.b, 1);
		to_user++;
	}
	assert_int_equal(to_user, 2);

	/* the frames come back when the partition goes */
	{
		struct ms_partition p = part(P_OFF, P_SIZE, MS_PERM_RW, "mine");

		assert_int_equal(ms_domain_remove_partition(sim, d, &p), 0);
	}
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.xpfo_transfers, 4);
	assert_int_equal(st.user_frames, 0);
	assert_false(ms_xpfo_user_owned(sim, P_OFF));
	ms_sim_free(sim);
}

/* The kernel's own frames stay in the direct map with ownership on. */
static void kernel_frame_reader(struct ms_sim *sim, void *arg)
{
	struct demo *d = arg;

	d->ret = ms_xpfo_kernel_read(sim, d->off, d->got, 8);
	d->stage = 2;
}

static void test_xpfo_on_kernel_frames_stay_reachable(void **state)
{
	struct ms_sim *sim = new_sim();
	struct demo dm = { .off = P_OFF + P_SIZE };
	ms_domain_id d;

	assert_int_equal(ms_domain_write(sim, dm.off, "kernel!", 8), 0);
	d = user_domain(sim);
	assert_int_equal(ms_xpfo_enable(sim, true), 0);
	user_thread(sim, "reader", d, kernel_frame_reader, &dm);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(dm.ret, 0);
	assert_string_equal(dm.got, "kernel!");
	/* from the host: no simulated thread to run kernel code for */
	assert_int_equal(ms_xpfo_kernel_read(sim, 0, dm.got, 1), -EPERM);
	ms_sim_free(sim);
}

static void bad_range(struct ms_sim *sim, void *arg)
{
	struct demo *d = arg;

	d->ret = ms_xpfo_kernel_read(sim, 0x100000 - 4, d->got, 8);
	d->stage = 2;
}

static void test_xpfo_kernel_read_checks_the_range(void **state)
{
	struct ms_sim *sim = new_sim();
	struct demo dm = { 0 };

	sup_thread(sim, "r", bad_range, &dm);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(dm.ret, -EINVAL);
	ms_sim_free(sim);
}

/* Turning ownership on and off moves every user frame; a frame under two
 * partitions (two domains, or a page shared by sub-page partitions) is
 * owned once and moves once. */
static void test_xpfo_transfers_are_counted_once_per_frame(void **state)
{
	struct ms_sim *sim = new_sim_arch(MS_ARCH_ARMV8M, 8);
	struct ms_partition small1 = part(0x40, 0x40, MS_PERM_RW, "s1");
	struct ms_partition small2 = part(0x100, 0x20, MS_PERM_READ, "s2");
	struct ms_partition big = part(0x3000, 0x2000, MS_PERM_RW, "big");
	struct ms_partition sup = part(0x8000, 0x1000, MS_PERM_NONE, "kernel");
	struct ms_domain_stats st;
	ms_domain_id a, b;

	small2.supervisor = MS_PERM_RW;
	assert_int_equal(ms_domain_new(sim, "a", &small1, 1, &a), 0);
	assert_int_equal(ms_domain_new(sim, "b", &small2, 1, &b), 0);
	assert_int_equal(ms_domain_add_partition(sim, a, &big), 0);
	assert_int_equal(ms_domain_add_partition(sim, b, &big), 0);
	/* a supervisor-only partition hands nothing to user space */
	assert_int_equal(ms_domain_add_partition(sim, b, &sup), 0);
	assert_false(ms_xpfo_user_owned(sim, 0x8000));
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.user_frames, 3);	/* frame 0, frames 3 and 4 */
	assert_int_equal(st.xpfo_transfers, 0);

	assert_int_equal(ms_xpfo_enable(sim, true), 0);
	assert_int_equal(ms_xpfo_enable(sim, true), 0);	/* already */
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.xpfo_transfers, 3);
	assert_int_equal(st.xpfo_ticks, 60);

	/* still owned through the other domain: nothing moves */
	assert_int_equal(ms_domain_remove_partition(sim, a, &big), 0);
	assert_int_equal(ms_domain_remove_partition(sim, a, &small1), 0);
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.xpfo_transfers, 3);
	assert_int_equal(st.user_frames, 3);
	/* the last owner lets go: frames 3 and 4 come back */
	assert_int_equal(ms_domain_remove_partition(sim, b, &big), 0);
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.xpfo_transfers, 5);
	assert_int_equal(st.user_frames, 1);

	assert_int_equal(ms_xpfo_enable(sim, false), 0);
	ms_domain_get_stats(sim, &st);
	assert_false(st.xpfo);
	assert_int_equal(st.xpfo_transfers, 6);
	assert_int_equal(st.user_frames, 1);
	assert_int_equal(count_events(sim, MS_EV_XPFO_TRANSFER), 6);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xpfo_off_kernel_trusts_user_data),
		cmocka_unit_test(test_xpfo_on_kernel_access_is_caught),
		cmocka_unit_test(test_xpfo_on_kernel_frames_stay_reachable),
		cmocka_unit_test(test_xpfo_kernel_read_checks_the_range),
		cmocka_unit_test(test_xpfo_transfers_are_counted_once_per_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
