/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer, in Zephyr's style: memory domains and
 * application partitions. A user thread reaches its domain's partitions;
 * another partition, or the program's own (kernel) data, is a real MMU
 * fault with reason K_ERR_CPU_EXCEPTION, as on Zephyr's x86 MMU.
 */
#include <zephyr/kernel.h>
#include <zephyr/ztest.h>
#include <zephyr/app_memory/app_memdomain.h>

K_APPMEM_PARTITION_DEFINE(part_a);
K_APPMEM_PARTITION_DEFINE(part_b);
K_APP_BMEM(part_a) static volatile int in_a;
K_APP_BMEM(part_b) static volatile int in_b;
static volatile int kernel_word;
ZTEST_BMEM static volatile unsigned int expected_reason;
ZTEST_BMEM static volatile bool expect_fault;
ZTEST_BMEM static volatile int faults;

static struct k_mem_domain dom_a;
static struct k_thread t;
static K_THREAD_STACK_DEFINE(t_stack, 1024);

void k_sys_fatal_error_handler(unsigned int reason, const struct arch_esf *esf)
{
	if (!expect_fault || reason != expected_reason) {
		printk("unexpected fatal error %u\n", reason);
		k_fatal_halt(reason);
	}
	expect_fault = false;
	faults++;
}

static void poke(void *p1, void *p2, void *p3)
{
	volatile int *where = p1;

	*where = 7;
	if (expect_fault)
		ztest_test_fail();	/* the write should have faulted */
}

static void run_user(volatile int *where, bool faults_expected)
{
	expect_fault = faults_expected;
	expected_reason = K_ERR_CPU_EXCEPTION;
	k_thread_create(&t, t_stack, K_THREAD_STACK_SIZEOF(t_stack), poke,
			(void *)where, NULL, NULL, K_PRIO_PREEMPT(1),
			K_USER | K_INHERIT_PERMS, K_FOREVER);
	k_mem_domain_add_thread(&dom_a, &t);
	k_thread_start(&t);
	k_thread_join(&t, K_FOREVER);
}

/* k_mem_domain_init: the partitions are page-aligned regions the linker
 * script made; a user thread of the domain writes its partition. */
ZTEST(domains, test_own_partition)
{
	zassert_equal(part_a.size % 4096, 0);
	zassert_true((uintptr_t)&in_a >= part_a.start &&
		     (uintptr_t)&in_a < part_a.start + part_a.size);
	faults = 0;
	run_user(&in_a, false);
	zassert_equal(in_a, 7);
	zassert_equal(faults, 0);
}

/* Another domain's partition: a fault, the write never happens. */
ZTEST(domains, test_other_partition_faults)
{
	in_b = 0;
	faults = 0;
	run_user(&in_b, true);
	zassert_equal(faults, 1);
	zassert_equal(in_b, 0);
}

/* The program's own data is kernel memory. */
ZTEST(domains, test_kernel_data_faults)
{
	kernel_word = 0;
	faults = 0;
	run_user(&kernel_word, true);
	zassert_equal(faults, 1);
	zassert_equal(kernel_word, 0);
}

/* Zephyr's errors: overlapping partitions -EINVAL, an absent one -ENOENT;
 * after removing part_a, its write faults too. */
ZTEST(domains, test_partition_changes)
{
	zassert_equal(k_mem_domain_add_partition(&dom_a, &part_a), -EINVAL);
	zassert_equal(k_mem_domain_remove_partition(&dom_a, &part_b), -ENOENT);
	zassert_equal(k_mem_domain_remove_partition(&dom_a, &part_a), 0);
	faults = 0;
	run_user(&in_a, true);
	zassert_equal(faults, 1);
	zassert_equal(k_mem_domain_add_partition(&dom_a, &part_a), 0);
}

static void *domains_setup(void)
{
	struct k_mem_partition *parts[] = { &ztest_mem_partition, &part_a };

	zassert_equal(k_mem_domain_init(&dom_a, ARRAY_SIZE(parts), parts), 0);
	return NULL;
}

ZTEST_SUITE(domains, NULL, domains_setup, NULL, NULL, NULL);
