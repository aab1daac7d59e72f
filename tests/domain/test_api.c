/* SPDX-License-Identifier: MIT */
/*
 * The k_mem_domain_* calls: Zephyr's errors, exactly (-EINVAL for NULL,
 * zero size, wrap-around, overlap, rights that cannot be expressed, and a
 * region the architecture model cannot express, with the reason;
 * -ENOSPC when full; -ENOENT for a partition that is not there), the
 * per-model region rules and partition counts, supervisor-only calls (a
 * user caller is killed with an oops), the syscall boundary's buffer check,
 * inheritance of the parent's domain, and the slot bookkeeping.
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
#include "mem/domain/domain.h"
#include "sched/sched.h"

static void assert_error(struct ms_sim *sim, const char *needle)
{
	const char *e = ms_domain_last_error(sim);

	if (!strstr(e, needle))
		fail_msg("last error \"%s\" does not say \"%s\"", e, needle);
}

static unsigned count_parts(struct ms_sim *sim, ms_domain_id d)
{
	struct ms_partition p;
	unsigned n = 0;

	for (unsigned i = 0; i < ms_domain_max_partitions(sim); i++)
		if (ms_domain_partition_get(sim, d, i, &p) == 0)
			n++;
	return n;
}

static void test_refusals_like_zephyr(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition a = part(0x1000, 0x2000, MS_PERM_RW, "a");
	struct ms_partition p;
	ms_domain_id d, x;

	assert_int_equal(ms_domain_new(sim, "app", &a, 1, &d), 0);
	assert_string_equal(ms_domain_last_error(sim), "");

	/* overlap with a partition of the same domain */
	p = part(0x2000, 0x1000, MS_PERM_READ, "b");
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "overlaps partition 'a'");
	/* zero size */
	p = part(0x8000, 0, MS_PERM_READ, "z");
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "zero size");
	/* wrap-around */
	p = part(UINT64_MAX - 0xfff, 0x2000, MS_PERM_READ, "w");
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "wraps around");
	/* outside the arena */
	p = part(0x100000, 0x1000, MS_PERM_READ, "o");
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "leaves the arena");
	/* NULL partition, unknown domain */
	assert_int_equal(ms_domain_add_partition(sim, d, NULL), -EINVAL);
	assert_error(sim, "NULL");
	p = part(0x8000, 0x1000, MS_PERM_READ, "n");
	assert_int_equal(ms_domain_add_partition(sim, 99, &p), -EINVAL);
	assert_error(sim, "no domain 99");
	assert_int_equal(ms_domain_remove_partition(sim, d, NULL), -EINVAL);
	assert_int_equal(ms_domain_remove_partition(sim, 99, &a), -EINVAL);
	/* rights that cannot be expressed */
	p = part(0x8000, 0x1000, MS_PERM_WRITE, "wo");
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "user access -w- without read");
	p = part(0x8000, 0x1000, MS_PERM_RW, "up");
	p.supervisor = MS_PERM_READ;
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "user access rw- exceeds supervisor access r--");
	p = part(0x8000, 0x1000, MS_PERM_RW | MS_PERM_EXEC, "wx");
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "W^X");
	p.user = 8;
	assert_int_equal(ms_domain_add_partition(sim, d, &p), -EINVAL);
	assert_error(sim, "unknown access bits");
	/* none of it changed the domain */
	assert_int_equal(count_parts(sim, d), 1);

	/* W^X can be lifted, as CONFIG_EXECUTE_XOR_WRITE=n */
	p = part(0x8000, 0x1000, MS_PERM_RW | MS_PERM_EXEC, "wx");
	ms_domain_allow_wx(sim, true);
	assert_int_equal(ms_domain_add_partition(sim, d, &p), 0);
	assert_string_equal(ms_domain_last_error(sim), "");
	assert_int_equal(count_parts(sim, d), 2);

	/* remove what is not there: matched by start and size */
	p = part(0x1000, 0x1000, MS_PERM_RW, "a");
	assert_int_equal(ms_domain_remove_partition(sim, d, &p), -ENOENT);
	assert_error(sim, "holds no partition [0x1000, 0x2000)");
	assert_int_equal(ms_domain_remove_partition(sim, d, &a), 0);
	assert_int_equal(ms_domain_remove_partition(sim, d, &a), -ENOENT);
	assert_int_equal(count_parts(sim, d), 1);

	/* ms_domain_new validates like an addition */
	assert_int_equal(ms_domain_new(sim, "bad", NULL, 1, &x), -EINVAL);
	assert_int_equal(ms_domain_new(sim, "bad", &a, 1, NULL), -EINVAL);
	p = part(0x4000, 0, MS_PERM_READ, "z");
	assert_int_equal(ms_domain_new(sim, "bad", &p, 1, &x), -EINVAL);
	assert_error(sim, "partition 0: zero size");
	assert_int_equal(ms_domain_lookup(sim, "bad", NULL), -ENOENT);
	assert_int_equal(ms_domain_new(sim, "app", NULL, 0, &x), -EEXIST);
	ms_sim_free(sim);
}

/* One too many: -ENOSPC from an addition, -EINVAL from a creation (as
 * k_mem_domain_init). */
static void test_one_too_many(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim;
	struct ms_partition ps[5], p;
	ms_domain_id d, x;

	ms_config_init(&cfg);
	cfg.mmu_max_partitions = 4;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	assert_int_equal(ms_domain_max_partitions(sim), 4);
	for (unsigned i = 0; i < 5; i++)
		ps[i] = part(0x1000 * (i + 1), 0x1000, MS_PERM_RW, NULL);
	assert_int_equal(ms_domain_new(sim, "big", ps, 5, &x), -EINVAL);
	assert_error(sim, "5 partitions exceed the 4 a domain holds under mmu");
	assert_int_equal(ms_domain_new(sim, "full", ps, 4, &d), 0);
	assert_int_equal(ms_domain_add_partition(sim, d, &ps[4]), -ENOSPC);
	assert_error(sim, "domain 'full' is full: 4 partitions under mmu");
	/* a freed slot is taken by the next addition (the first free one) */
	assert_int_equal(ms_domain_remove_partition(sim, d, &ps[1]), 0);
	assert_int_equal(ms_domain_add_partition(sim, d, &ps[4]), 0);
	assert_int_equal(ms_domain_partition_get(sim, d, 1, &p), 0);
	assert_int_equal(p.start, 0x5000);
	assert_string_equal(p.name, "0x5000+0x1000");
	assert_int_equal(ms_domain_partition_get(sim, d, 4, &p), -EINVAL);
	assert_int_equal(ms_domain_partition_find(sim, d, "0x1000+0x1000", &p), 0);
	assert_int_equal(p.size, 0x1000);
	assert_int_equal(ms_domain_partition_find(sim, d, "0x2000+0x1000", &p), -ENOENT);
	ms_sim_free(sim);
}

static int try_add(struct ms_sim *sim, uint64_t start, uint64_t size)
{
	struct ms_partition p = part(start, size, MS_PERM_RW, NULL);
	ms_domain_id d;

	if (ms_domain_lookup(sim, "t", &d))
		assert_int_equal(ms_domain_new(sim, "t", NULL, 0, &d), 0);
	return ms_domain_add_partition(sim, d, &p);
}

static void test_region_validity_per_model(void **state)
{
	struct ms_sim *v7 = new_sim_arch(MS_ARCH_ARMV7M, 8);
	struct ms_sim *v8 = new_sim_arch(MS_ARCH_ARMV8M, 8);
	struct ms_sim *mmu = new_sim();
	struct ms_sim *v7b = new_sim_arch(MS_ARCH_ARMV7M, 16);
	struct ms_sim *v8b = new_sim_arch(MS_ARCH_ARMV8M, 16);

	/* partitions per domain: regions minus 2 static, the stack, and on
	 * ARMv7-M the stack guard */
	assert_int_equal(ms_domain_max_partitions(v7), 4);
	assert_int_equal(ms_domain_max_partitions(v7b), 12);
	assert_int_equal(ms_domain_max_partitions(v8), 5);
	assert_int_equal(ms_domain_max_partitions(v8b), 13);
	assert_int_equal(ms_domain_max_partitions(mmu), 16);

	/* 48 bytes: neither a power of two (ARMv7-M) nor whole 32-byte
	 * granules (ARMv8-M: base and limit hold bits 31:5) */
	assert_int_equal(try_add(v7, 0x40, 48), -EINVAL);
	assert_error(v7, "size 48 is not a power of two");
	assert_int_equal(try_add(v8, 0x40, 48), -EINVAL);
	assert_error(v8, "size 48 is not a multiple of 32 bytes");
	/* 96 bytes: three granules, fine for ARMv8-M, not for ARMv7-M */
	assert_int_equal(try_add(v7, 0x100, 96), -EINVAL);
	assert_error(v7, "size 96 is not a power of two");
	assert_int_equal(try_add(v8, 0x100, 96), 0);
	/* 64 bytes at 0x20: ARMv7-M wants the base aligned to the size */
	assert_int_equal(try_add(v7, 0x220, 64), -EINVAL);
	assert_error(v7, "start 0x220 is not aligned to the size 0x40");
	assert_int_equal(try_add(v8, 0x220, 64), 0);
	assert_int_equal(try_add(v7, 0x240, 64), 0);
	/* below the minimum region, off the granule */
	assert_int_equal(try_add(v7, 0x400, 16), -EINVAL);
	assert_error(v7, "below the 32-byte minimum");
	assert_int_equal(try_add(v8, 0x410, 32), -EINVAL);
	assert_error(v8, "start 0x410 is not on a 32-byte boundary");
	/* the MMU works in 4 KiB pages */
	assert_int_equal(try_add(mmu, 0x40, 64), -EINVAL);
	assert_error(mmu, "not on a 4096-byte page boundary");
	assert_int_equal(try_add(mmu, 0x1000, 0x800), -EINVAL);
	assert_error(mmu, "size 2048 is not a whole number of 4096-byte pages");
	assert_int_equal(try_add(mmu, 0x1000, 0x3000), 0);
	/* one execute-never bit per ARM MPU region */
	{
		struct ms_partition p = part(0x800, 0x100, MS_PERM_READ, "x");
		ms_domain_id d;

		p.supervisor = MS_PERM_RX;
		assert_int_equal(ms_domain_lookup(v7, "t", &d), 0);
		assert_int_equal(ms_domain_add_partition(v7, d, &p), -EINVAL);
		assert_error(v7, "disagree on execute");
		assert_int_equal(ms_domain_lookup(mmu, "t", &d), 0);
		p.start = 0x8000;
		p.size = 0x1000;
		assert_int_equal(ms_domain_add_partition(mmu, d, &p), 0);
	}
	ms_sim_free(v7);
	ms_sim_free(v8);
	ms_sim_free(mmu);
	ms_sim_free(v7b);
	ms_sim_free(v8b);
}

static void test_bad_configuration(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.mmu_max_partitions = 0;
	assert_int_equal(ms_sim_new(&cfg, &sim), -EINVAL);
	ms_config_init(&cfg);
	cfg.arena_size = 0;
	assert_int_equal(ms_sim_new(&cfg, &sim), -EINVAL);
	assert_null(sim);
	/* the arena is rounded up to whole host pages */
	ms_config_init(&cfg);
	cfg.arena_size = 5000;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	{
		size_t size;

		assert_non_null(ms_domain_arena(sim, &size));
		assert_int_equal(size % 4096, 0);
		assert_true(size >= 5000);
		assert_null(ms_domain_addr(sim, size));
	}
	ms_sim_free(sim);
}

/* ---- supervisor only ---------------------------------------------------- */

struct caller {
	int which;
	ms_domain_id d;
	int reached;
};

static void deliberate_user_caller(struct ms_sim *sim, void *arg)
{
	struct caller *c = arg;
	struct ms_partition p = part(0x4000, 0x1000, MS_PERM_RW, "sneaky");
	ms_domain_id x;

	switch (c->which) {
	case 0:
		ms_domain_new(sim, "mine", NULL, 0, &x);
		break;
	case 1:
		ms_domain_add_partition(sim, c->d, &p);
		break;
	case 2:
		ms_domain_remove_partition(sim, c->d, &p);
		break;
	case 3:
		ms_domain_add_thread(sim, c->d, ms_thread_self(sim));
		break;
	case 4:
		ms_domain_destroy(sim, c->d);
		break;
	case 5:
		ms_domain_set_policy(sim, MS_DOMAIN_EAGER);
		break;
	case 6:
		ms_xpfo_enable(sim, true);
		break;
	}
	c->reached = 1;
}

static void test_domain_calls_are_supervisor_only(void **state)
{
	struct ms_sim *sim = new_sim();
	struct caller c[7];
	ms_tid t[7];
	ms_domain_id d;
	struct ms_domain_stats st;

	assert_int_equal(ms_domain_new(sim, "app", NULL, 0, &d), 0);
	for (int i = 0; i < 7; i++) {
		c[i] = (struct caller){ .which = i, .d = d };
		t[i] = user_thread(sim, "user", d, deliberate_user_caller, &c[i]);
	}
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_fault_count(sim), 7);
	for (int i = 0; i < 7; i++) {
		const struct ms_fault *f = ms_sim_fault_get(sim, i);

		assert_int_equal(c[i].reached, 0);
		assert_int_equal(f->kind, MS_FAULT_OOPS);
		assert_int_equal(f->reason, MS_ERR_KERNEL_OOPS);
		assert_int_equal(f->error, -EPERM);
		assert_int_equal(f->tid, t[i]);
		assert_non_null(strstr(f->detail, "for supervisor threads"));
	}
	/* nothing changed */
	assert_int_equal(ms_domain_lookup(sim, "mine", NULL), -ENOENT);
	assert_int_equal(count_parts(sim, d), 0);
	assert_false(ms_xpfo_enabled(sim));
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.domains, 2);
	ms_sim_free(sim);
}

/* ---- the syscall boundary's check ------------------------------------- */

struct access_ok {
	bool r[12];
};

static void check_access(struct ms_sim *sim, void *arg)
{
	struct access_ok *a = arg;
	struct ms_thread *t = ms__current(sim);
	uintptr_t base = (uintptr_t)ms_domain_addr(sim, 0);

	a->r[0] = ms__domain_user_access_ok(sim, t, base + 0x1000, 0x1000, false);
	a->r[1] = ms__domain_user_access_ok(sim, t, base + 0x1000, 0x1000, true);
	a->r[2] = ms__domain_user_access_ok(sim, t, base + 0x2000, 16, false);
	a->r[3] = ms__domain_user_access_ok(sim, t, base + 0x2000, 16, true);
	/* across two adjacent partitions: both must allow it */
	a->r[4] = ms__domain_user_access_ok(sim, t, base + 0x1ff0, 0x20, false);
	a->r[5] = ms__domain_user_access_ok(sim, t, base + 0x1ff0, 0x20, true);
	/* running into a gap */
	a->r[6] = ms__domain_user_access_ok(sim, t, base + 0x2ff0, 0x20, false);
	/* outside the arena, before it, wrapping */
	a->r[7] = ms__domain_user_access_ok(sim, t, base + 0x100000, 1, false);
	a->r[8] = ms__domain_user_access_ok(sim, t, base - 1, 1, false);
	a->r[9] = ms__domain_user_access_ok(sim, t, base + 0x1000, SIZE_MAX, false);
	a->r[10] = ms__domain_user_access_ok(sim, t, base + 0x5000, 0, false);
	a->r[11] = ms__domain_user_access_ok(sim, t, base + 0x1000, 0x1001, true);
}

static void test_user_access_ok(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition ps[2] = {
		part(0x1000, 0x1000, MS_PERM_RW, "rw"),
		part(0x2000, 0x1000, MS_PERM_READ, "ro"),
	};
	const bool want[12] = { true, true, true, false, true, false, false,
				false, false, false, true, false };
	struct access_ok a = { { 0 } };
	ms_domain_id d;
	uintptr_t base = (uintptr_t)ms_domain_addr(sim, 0);

	ps[1].supervisor = MS_PERM_RW;
	assert_int_equal(ms_domain_new(sim, "app", ps, 2, &d), 0);
	user_thread(sim, "u", d, check_access, &a);
	assert_int_equal(ms_sim_run(sim), 0);
	for (int i = 0; i < 12; i++)
		if (a.r[i] != want[i])
			fail_msg("check %d: %d, want %d", i, a.r[i], want[i]);
	/* a supervisor thread reaches the whole arena, and only the arena */
	{
		struct ms_thread *s;
		ms_tid tid = sup_thread(sim, "s", check_access, &a);

		s = ms__thread_lookup(sim, tid);
		assert_true(ms__domain_user_access_ok(sim, s, base + 0x9000, 16, true));
		assert_false(ms__domain_user_access_ok(sim, s, base - 16, 16, true));
		assert_false(ms__domain_user_access_ok(sim, NULL, base, 1, false));
	}
	ms_sim_free(sim);
}

/* ---- membership --------------------------------------------------------- */

struct family {
	ms_domain_id of_child;
	ms_domain_id of_grandchild;
};

static void grandchild(struct ms_sim *sim, void *arg)
{
}

static void child(struct ms_sim *sim, void *arg)
{
	struct family *f = arg;
	struct ms_thread_attr a;
	ms_tid t;

	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	assert_int_equal(ms_thread_create(sim, &a, grandchild, NULL, &t), 0);
	assert_int_equal(ms_domain_of(sim, t, &f->of_grandchild), 0);
	assert_int_equal(ms_domain_of(sim, ms_thread_self(sim), &f->of_child), 0);
}

static void parent(struct ms_sim *sim, void *arg)
{
	struct ms_thread_attr a;

	ms_thread_attr_init(&a);
	assert_int_equal(ms_thread_create(sim, &a, child, arg, NULL), 0);
}

static void test_new_threads_join_their_parents_domain(void **state)
{
	struct ms_sim *sim = new_sim();
	struct family f = { 77, 77 };
	ms_domain_id d, got;
	ms_tid p;

	assert_int_equal(ms_domain_new(sim, "family", NULL, 0, &d), 0);
	p = sup_thread(sim, "parent", parent, &f);
	assert_int_equal(ms_domain_of(sim, p, &got), 0);
	assert_int_equal(got, MS_DOMAIN_DEFAULT);	/* host-created */
	assert_int_equal(ms_domain_add_thread(sim, d, p), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(f.of_child, d);
	assert_int_equal(f.of_grandchild, d);
	assert_int_equal(ms_domain_of(sim, p, &got), -ENOENT);
	assert_int_equal(ms_domain_add_thread(sim, d, p), -ENOENT);
	assert_int_equal(ms_domain_add_thread(sim, 42, p), -EINVAL);
	ms_sim_free(sim);
}

static void test_destroy_and_names(void **state)
{
	struct ms_sim *sim = new_sim();
	struct ms_partition p = part(0x3000, 0x1000, MS_PERM_RW, "p");
	struct ms_domain_stats st;
	ms_domain_id d, got;
	ms_tid t;

	assert_string_equal(ms_domain_name(sim, MS_DOMAIN_DEFAULT), "default");
	assert_int_equal(ms_domain_new(sim, NULL, &p, 1, &d), 0);
	assert_int_equal(d, 1);
	assert_string_equal(ms_domain_name(sim, d), "domain-1");
	assert_int_equal(ms_domain_lookup(sim, "domain-1", &got), 0);
	assert_int_equal(got, d);
	assert_int_equal(ms_domain_lookup(sim, NULL, &got), -EINVAL);
	assert_null(ms_domain_name(sim, 5));
	t = sup_thread(sim, "member", grandchild, NULL);
	assert_int_equal(ms_domain_add_thread(sim, d, t), 0);
	assert_int_equal(ms_domain_destroy(sim, d), -EBUSY);
	assert_error(sim, "1 threads still belong to domain 'domain-1'");
	assert_int_equal(ms_domain_destroy(sim, MS_DOMAIN_DEFAULT), -EINVAL);
	assert_error(sim, "default domain cannot be destroyed");
	assert_int_equal(ms_domain_destroy(sim, 9), -EINVAL);
	assert_true(ms_xpfo_user_owned(sim, 0x3000));
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_domain_destroy(sim, d), 0);
	assert_false(ms_xpfo_user_owned(sim, 0x3000));
	assert_null(ms_domain_name(sim, d));
	ms_domain_get_stats(sim, &st);
	assert_int_equal(st.domains, 1);
	assert_int_equal(st.user_frames, 0);
	/* ids are not reused */
	assert_int_equal(ms_domain_new(sim, NULL, NULL, 0, &d), 0);
	assert_int_equal(d, 2);
	ms_sim_free(sim);
}

static void test_arch_names(void **state)
{
	enum ms_arch a;

	assert_string_equal(ms_arch_name(MS_ARCH_MMU), "mmu");
	assert_string_equal(ms_arch_name(MS_ARCH_ARMV7M), "armv7m");
	assert_string_equal(ms_arch_name(MS_ARCH_ARMV8M), "armv8m");
	assert_string_equal(ms_arch_name((enum ms_arch)9), "?");
	assert_int_equal(ms_arch_lookup("armv8m", &a), 0);
	assert_int_equal(a, MS_ARCH_ARMV8M);
	assert_int_equal(ms_arch_lookup("riscv", &a), -EINVAL);
}

/* ---- host accesses to the arena ------------------------------------------ */

static void test_host_reads_and_writes(void **state)
{
	struct ms_sim *sim = new_sim();
	char buf[8] = "payload";
	char out[8] = { 0 };

	assert_int_equal(ms_domain_write(sim, 0x100, buf, 8), 0);
	assert_int_equal(ms_domain_read(sim, 0x100, out, 8), 0);
	assert_string_equal(out, "payload");
	assert_int_equal(ms_domain_read(sim, 0x100000 - 4, out, 8), -EINVAL);
	assert_int_equal(ms_domain_write(sim, 0, NULL, 8), -EINVAL);
	assert_int_equal(ms_domain_touch(sim, 0x100, 8, MS_ACCESS_EXEC), -EINVAL);
	assert_int_equal(ms_domain_touch(sim, 0x100, 8, MS_ACCESS_WRITE), 0);
	assert_int_equal(ms_domain_read(sim, 0x100, out, 1), 0);
	assert_int_equal((uint8_t)out[0], 0xa5);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals_like_zephyr),
		cmocka_unit_test(test_one_too_many),
		cmocka_unit_test(test_region_validity_per_model),
		cmocka_unit_test(test_bad_configuration),
		cmocka_unit_test(test_domain_calls_are_supervisor_only),
		cmocka_unit_test(test_user_access_ok),
		cmocka_unit_test(test_new_threads_join_their_parents_domain),
		cmocka_unit_test(test_destroy_and_names),
		cmocka_unit_test(test_arch_names),
		cmocka_unit_test(test_host_reads_and_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
