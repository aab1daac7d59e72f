/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: the ztest API (Zephyr's "new" ztest).
 *
 * ZTEST_SUITE registers a suite, ZTEST and its variants register a test in
 * it, in linker sections the runner walks before main. Each test runs in a
 * fresh thread (a user thread for ZTEST_USER), as Zephyr's ztest does:
 * before() and after() run in that thread too, in supervisor mode for
 * before and after. A failed zassert prints where and why and ends the
 * test; zassume ends it skipped. docs/zephyr.md describes the output and
 * the JSON summary.
 */
#ifndef ZEPHYR_ZTEST_H
#define ZEPHYR_ZTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <zephyr/kernel.h>
#include <zephyr/tc_util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ztest_unit_test {
	const char *test_suite_name;
	const char *name;
	void (*test)(void *data);
	uint32_t thread_options;
};

struct ztest_suite_node {
	const char *name;
	void *(*setup)(void);
	void (*before)(void *fixture);
	void (*after)(void *fixture);
	void (*teardown)(void *fixture);
	bool (*predicate)(const void *global_state);
};

typedef bool (*ztest_suite_predicate_t)(const void *global_state);
typedef void *(*ztest_suite_setup_t)(void);
typedef void (*ztest_suite_before_t)(void *fixture);
typedef void (*ztest_suite_after_t)(void *fixture);
typedef void (*ztest_suite_teardown_t)(void *fixture);

#define ZTEST_SUITE(suite_name, predicate_, setup_, before_, after_, teardown_) \
	static const struct ztest_suite_node z_ztest_suite_node_##suite_name     \
		__attribute__((__section__("zms_ztest_suites"), __used__,        \
			       __aligned__(8))) = {                              \
		.name = #suite_name,                                             \
		.setup = (setup_),                                               \
		.before = (before_),                                             \
		.after = (after_),                                               \
		.teardown = (teardown_),                                         \
		.predicate = (predicate_),                                       \
	}

/* The test's node in zms_ztest_tests, and its wrapper's declaration. */
#define Z_ZMS_TEST_NODE(suite, fn, t_options)                                \
	static void _##suite##_##fn##_wrapper(void *data);                    \
	static const struct ztest_unit_test z_ztest_unit_test__##suite##__##fn  \
		__attribute__((__section__("zms_ztest_tests"), __used__,        \
			       __aligned__(8))) = {                              \
		.test_suite_name = #suite,                                       \
		.name = #fn,                                                     \
		.test = _##suite##_##fn##_wrapper,                               \
		.thread_options = (t_options),                                   \
	}

#define Z_ZTEST(suite, fn, t_options)                                        \
	Z_ZMS_TEST_NODE(suite, fn, t_options);                                \
	static void suite##_##fn(void);                                       \
	static void _##suite##_##fn##_wrapper(void *data)                     \
	{                                                                      \
		ARG_UNUSED(data);                                              \
		suite##_##fn();                                                \
	}                                                                      \
	static inline void suite##_##fn(void)

#define Z_ZTEST_F(suite, fn, t_options)                                      \
	Z_ZMS_TEST_NODE(suite, fn, t_options);                                \
	static void suite##_##fn(struct suite##_fixture *fixture);            \
	static void _##suite##_##fn##_wrapper(void *data)                     \
	{                                                                      \
		suite##_##fn((struct suite##_fixture *)data);                  \
	}                                                                      \
	static inline void suite##_##fn(struct suite##_fixture *fixture)

#ifdef CONFIG_USERSPACE
#define Z_ZMS_USER_OPTS (K_USER | K_INHERIT_PERMS)
#else
#define Z_ZMS_USER_OPTS 0
#endif

#define ZTEST(suite, fn) Z_ZTEST(suite, fn, 0)
#define ZTEST_USER(suite, fn) Z_ZTEST(suite, fn, Z_ZMS_USER_OPTS)
#define ZTEST_F(suite, fn) Z_ZTEST_F(suite, fn, 0)
#define ZTEST_USER_F(suite, fn) Z_ZTEST_F(suite, fn, Z_ZMS_USER_OPTS)

/* Test data in the ztest partition, which every test thread can reach. */
#ifdef CONFIG_USERSPACE
#define ZTEST_DMEM K_APP_DMEM(ztest_mem_partition)
#define ZTEST_BMEM K_APP_BMEM(ztest_mem_partition)
#define ZTEST_SECTION K_APP_DMEM_SECTION(ztest_mem_partition)
extern struct k_mem_partition ztest_mem_partition;
#else
#define ZTEST_DMEM
#define ZTEST_BMEM
#define ZTEST_SECTION ".data"
#endif

/* Ending a test from inside it. */
FUNC_NORETURN void ztest_test_fail(void);
FUNC_NORETURN void ztest_test_pass(void);
FUNC_NORETURN void ztest_test_skip(void);
void ztest_set_fault_valid(bool valid);
void ztest_simple_1cpu_before(void *data);
void ztest_simple_1cpu_after(void *data);
void z_test_1cpu_start(void);
void z_test_1cpu_stop(void);
#define ztest_test_expect_fail() ((void)0)

/* Assertions: zassert fails the test, zassume skips it, zexpect records a
 * failure and goes on. The message and its arguments are optional. */
void zms_assert_where(int kind, const char *file, int line, const char *func,
		      const char *what);
__printf_like(1, 2) void zms_assert_msg(const char *fmt, ...);
FUNC_NORETURN void zms_assert_end(int kind);
void zms_expect_fail(void);

#define ZMS_ASSERT 0
#define ZMS_ASSUME 1
#define ZMS_EXPECT 2

#define Z_ZMS_CHECK(kind, cond, what, ...)                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			zms_assert_where(kind, __FILE__, __LINE__, __func__,   \
					 what);                                \
			__VA_OPT__(zms_assert_msg(__VA_ARGS__);)               \
			if ((kind) == ZMS_EXPECT)                              \
				zms_expect_fail();                             \
			else                                                   \
				zms_assert_end(kind);                          \
		}                                                              \
	} while (0)

#define zassert(cond, what, ...) Z_ZMS_CHECK(ZMS_ASSERT, cond, what, __VA_ARGS__)
#define zassume(cond, what, ...) Z_ZMS_CHECK(ZMS_ASSUME, cond, what, __VA_ARGS__)
#define zexpect(cond, what, ...) Z_ZMS_CHECK(ZMS_EXPECT, cond, what, __VA_ARGS__)

#define zassert_unreachable(...) zassert(0, "Reached unreachable code", __VA_ARGS__)
#define zassert_true(cond, ...) zassert(cond, #cond " is false", __VA_ARGS__)
#define zassert_false(cond, ...) zassert(!(cond), #cond " is true", __VA_ARGS__)
#define zassert_ok(cond, ...) zassert(!(cond), #cond " is non-zero", __VA_ARGS__)
#define zassert_not_ok(cond, ...) zassert(!!(cond), #cond " is zero", __VA_ARGS__)
#define zassert_is_null(ptr, ...) zassert((ptr) == NULL, #ptr " is not NULL", __VA_ARGS__)
#define zassert_not_null(ptr, ...) zassert((ptr) != NULL, #ptr " is NULL", __VA_ARGS__)
#define zassert_equal(a, b, ...) zassert((a) == (b), #a " not equal to " #b, __VA_ARGS__)
#define zassert_not_equal(a, b, ...) zassert((a) != (b), #a " equal to " #b, __VA_ARGS__)
#define zassert_equal_ptr(a, b, ...)                                         \
	zassert((void *)(a) == (void *)(b), #a " not equal to " #b, __VA_ARGS__)
#define zassert_within(a, b, d, ...)                                         \
	zassert(((a) >= ((b) - (d))) && ((a) <= ((b) + (d))),                 \
		#a " not within " #b " +/- " #d, __VA_ARGS__)
#define zassert_between_inclusive(a, l, u, ...)                              \
	zassert(((a) >= (l)) && ((a) <= (u)),                                 \
		#a " not between " #l " and " #u " inclusive", __VA_ARGS__)
#define zassert_mem_equal(buf, exp, size, ...)                               \
	zassert(memcmp(buf, exp, size) == 0, #buf " not equal to " #exp,     \
		__VA_ARGS__)
#define zassert_mem_equal__(buf, exp, size, ...) zassert_mem_equal(buf, exp, size, __VA_ARGS__)
#define zassert_str_equal(s1, s2, ...)                                       \
	zassert(strcmp(s1, s2) == 0, #s1 " not equal to " #s2, __VA_ARGS__)

#define zassume_true(cond, ...) zassume(cond, #cond " is false", __VA_ARGS__)
#define zassume_false(cond, ...) zassume(!(cond), #cond " is true", __VA_ARGS__)
#define zassume_ok(cond, ...) zassume(!(cond), #cond " is non-zero", __VA_ARGS__)
#define zassume_not_ok(cond, ...) zassume(!!(cond), #cond " is zero", __VA_ARGS__)
#define zassume_is_null(ptr, ...) zassume((ptr) == NULL, #ptr " is not NULL", __VA_ARGS__)
#define zassume_not_null(ptr, ...) zassume((ptr) != NULL, #ptr " is NULL", __VA_ARGS__)
#define zassume_equal(a, b, ...) zassume((a) == (b), #a " not equal to " #b, __VA_ARGS__)
#define zassume_not_equal(a, b, ...) zassume((a) != (b), #a " equal to " #b, __VA_ARGS__)
#define zassume_equal_ptr(a, b, ...)                                         \
	zassume((void *)(a) == (void *)(b), #a " not equal to " #b, __VA_ARGS__)

#define zexpect_true(cond, ...) zexpect(cond, #cond " is false", __VA_ARGS__)
#define zexpect_false(cond, ...) zexpect(!(cond), #cond " is true", __VA_ARGS__)
#define zexpect_ok(cond, ...) zexpect(!(cond), #cond " is non-zero", __VA_ARGS__)
#define zexpect_equal(a, b, ...) zexpect((a) == (b), #a " not equal to " #b, __VA_ARGS__)
#define zexpect_not_equal(a, b, ...) zexpect((a) != (b), #a " equal to " #b, __VA_ARGS__)
#define zexpect_is_null(ptr, ...) zexpect((ptr) == NULL, #ptr " is not NULL", __VA_ARGS__)
#define zexpect_not_null(ptr, ...) zexpect((ptr) != NULL, #ptr " is NULL", __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
