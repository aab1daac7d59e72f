/* SPDX-License-Identifier: MIT */
/* Helpers every test area shares: where the tests run. */
#ifndef MS_TESTS_TESTUTIL_H
#define MS_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stdlib.h>

#include "ms_config.h"

/* Valgrind makes large loops slow: tests scale them down under it (the
 * valgrind test setup sets MEMSIM_UNDER_VALGRIND). */
static inline bool under_valgrind(void)
{
	const char *v = getenv("MEMSIM_UNDER_VALGRIND");

	return v && *v && *v != '0';
}

/* AddressSanitizer changes frame sizes and maps memory of its own. */
static inline bool under_asan(void)
{
	return MS_SANITIZE_ADDRESS;
}

#endif
