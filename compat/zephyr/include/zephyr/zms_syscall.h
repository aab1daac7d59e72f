/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: what the syscall stubs `memsim ztest` generates
 * need (a test's own __syscall functions).
 *
 * For each `__syscall RET name(ARGS);` in a test's header FOO.h, the
 * generated <syscalls/FOO.h> defines name(): from a supervisor thread it
 * calls z_impl_name() directly, as Zephyr's stubs do; from a user thread it
 * packs the arguments into a struct and enters the kernel through
 * zms_syscall_user(), which runs the marshaller that the generated
 * <syscalls/name_mrsh.c> registers (it calls the test's z_vrfy_name()).
 * A syscall whose marshaller was never compiled in, because the test
 * wrote no verifier, is an oops of the caller (Zephyr's
 * handler_no_syscall).
 */
#ifndef ZEPHYR_ZMS_SYSCALL_H
#define ZEPHYR_ZMS_SYSCALL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*zms_mrsh_fn)(void *args, void *ret);

struct zms_syscall_entry {
	const char *name;
	zms_mrsh_fn mrsh;
};

#define ZMS_SYSCALL_DEFINE(name_, fn_)                                        \
	static const struct zms_syscall_entry zms_syscall_##name_              \
		__attribute__((__section__("zms_syscalls"), __used__)) = {      \
		#name_, fn_ }

bool zms_syscall_from_user(void);
void zms_syscall_user(const char *name, void *args, void *ret);

#ifdef __cplusplus
}
#endif
#endif
