/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer, in Zephyr's style: the ztest runner itself.
 * Fixtures (ZTEST_F, ZTEST_USER_F), the order of setup, before, the test,
 * after and teardown, tests in name order, a suite whose predicate is
 * false, zassume (a skip).
 */
#include <zephyr/ztest.h>

struct fix_fixture {
	int value;
	int befores, afters;
};

static struct fix_fixture fixture_store;
ZTEST_BMEM static int user_seen;
static int order[16], n_order;

static void note(int what)
{
	if (n_order < 16)
		order[n_order++] = what;
}

static void *fix_setup(void)
{
	note(1);
	fixture_store.value = 42;
	return &fixture_store;
}

static void fix_before(void *f)
{
	note(2);
	((struct fix_fixture *)f)->befores++;
}

static void fix_after(void *f)
{
	note(4);
	((struct fix_fixture *)f)->afters++;
}

static void fix_teardown(void *f)
{
	note(5);
}

/* Tests run in name order: a_ before b_. */
ZTEST_F(fix, test_a_fixture_and_order)
{
	note(3);
	zassert_equal(fixture->value, 42);
	zassert_equal(fixture->befores, 1);
	zassert_equal(fixture->afters, 0);
	zassert_equal(n_order, 3);
	zassert_equal(order[0], 1);
	zassert_equal(order[1], 2);
	zassert_equal(order[2], 3);
	zassert_false(k_is_user_context());
}

ZTEST_F(fix, test_b_after_ran)
{
	zassert_equal(fixture->befores, 2);
	zassert_equal(fixture->afters, 1);
	zassert_equal(order[3], 4);
}

/* A user test gets the fixture pointer too (it may use only what it can
 * reach: here nothing of the fixture, which is kernel data). */
ZTEST_USER_F(fix, test_c_user)
{
	zassert_true(k_is_user_context());
	zassert_equal_ptr(fixture, &fixture_store);
	user_seen = 1;
}

ZTEST(fix, test_d_user_ran)
{
	zassert_equal(user_seen, 1);
}

/* zassume: the test is skipped, not failed. */
ZTEST(fix, test_e_assumption)
{
	zassume_true(false, "skipped on purpose");
	ztest_test_fail();
}

ZTEST_SUITE(fix, NULL, fix_setup, fix_before, fix_after, fix_teardown);

static bool never(const void *state)
{
	return false;
}

ZTEST(skipped, test_never_runs)
{
	ztest_test_fail();
}

ZTEST_SUITE(skipped, never, NULL, NULL, NULL, NULL);
