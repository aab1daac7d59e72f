/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer, in Zephyr's style: syscalls defined by a test,
 * their verifiers (K_SYSCALL_MEMORY_WRITE, k_usermode_string_nlen, K_OOPS),
 * and fatal errors raised by code (k_oops), with the fault expected by
 * ztest_set_fault_valid.
 */
#include <zephyr/kernel.h>
#include <zephyr/ztest.h>
#include <zephyr/internal/syscall_handler.h>
#include "my_syscalls.h"

static int kernel_word;
ZTEST_BMEM static int user_word;
ZTEST_BMEM static volatile int calls;

int z_impl_add_into(int a, int b, int *out)
{
	calls++;
	*out = a + b;
	return 0;
}

static inline int z_vrfy_add_into(int a, int b, int *out)
{
	K_OOPS(K_SYSCALL_MEMORY_WRITE(out, sizeof(*out)));
	zassert_true(k_is_in_user_syscall());
	zassert_false(k_is_user_context());
	return z_impl_add_into(a, b, out);
}
#include <syscalls/add_into_mrsh.c>

size_t z_impl_name_length(const char *name)
{
	return strlen(name);
}

static inline size_t z_vrfy_name_length(const char *name)
{
	int err;
	size_t n = k_usermode_string_nlen(name, 64, &err);

	K_OOPS(err);
	return n;
}
#include <zephyr/syscalls/name_length_mrsh.c>

void z_impl_no_verifier(void)
{
	ztest_test_fail();
}

/* From a supervisor thread a syscall is its z_impl_ function. */
ZTEST(syscalls, test_supervisor_calls_impl)
{
	int out = 0;

	calls = 0;
	zassert_equal(add_into(2, 3, &out), 0);
	zassert_equal(out, 5);
	zassert_equal(calls, 1);
	zassert_equal(add_into(1, 1, &kernel_word), 0);
	zassert_equal(kernel_word, 2);
}

/* From a user thread: the verifier, then the implementation. */
ZTEST_USER(syscalls, test_user_call_verified)
{
	int out = 0;

	calls = 0;
	zassert_true(k_is_user_context());
	zassert_false(k_is_in_user_syscall());
	zassert_equal(add_into(40, 2, &out), 0);
	zassert_equal(out, 42);
	zassert_equal(add_into(1, 2, &user_word), 0);
	zassert_equal(user_word, 3);
	zassert_equal(calls, 2);
	zassert_equal(name_length("memsim"), 6);
}

/* A pointer the caller may not write: the verifier's K_OOPS kills it. */
ZTEST_USER(syscalls, test_user_bad_pointer_oopses)
{
	ztest_set_fault_valid(true);
	add_into(1, 2, &kernel_word);
	ztest_test_fail();
}

/* A syscall whose marshaller was never compiled in (no verifier). */
ZTEST_USER(syscalls, test_user_syscall_without_verifier_oopses)
{
	ztest_set_fault_valid(true);
	no_verifier();
	ztest_test_fail();
}

/* k_oops from user mode is an oops of the caller. */
ZTEST_USER(syscalls, test_user_k_oops)
{
	ztest_set_fault_valid(true);
	k_oops();
	ztest_test_fail();
}

ZTEST_SUITE(syscalls, NULL, NULL, NULL, NULL, NULL);
