/* SPDX-License-Identifier: MIT */
#ifndef MY_SYSCALLS_H
#define MY_SYSCALLS_H

#include <zephyr/kernel.h>

/* A test's own syscalls: `memsim ztest` generates their stubs. */
__syscall int add_into(int a, int b, int *out);
__syscall size_t name_length(const char *name);
__syscall void no_verifier(void);

#include <syscalls/my_syscalls.h>

#endif
