/* SPDX-License-Identifier: MIT */
/* A test that fails, and one whose fault nobody expected: memsim ztest
 * must exit 1 (tests/meson.build runs it with should_fail). */
#include <zephyr/ztest.h>

ZTEST(must_fail, test_assertion_fails)
{
	zassert_equal(1 + 1, 3, "arithmetic");
}

ZTEST_USER(must_fail, test_unexpected_fault)
{
	*(volatile int *)16 = 1;
}

ZTEST_SUITE(must_fail, NULL, NULL, NULL, NULL, NULL);
