/* SPDX-License-Identifier: MIT */
/*
 * Host calls for device memory (src/mem/device): reserving a range that
 * must fault from now on, and counting what still maps a device's memfd.
 * (Re-pointing a page of a view at another memfd is ms__os_map_fd_at, in
 * os.c.)
 *
 * What it models: a page table entry that changes from one physical frame
 * to another (a page migrated between system RAM and a device), and the
 * entries of a device that is gone (each must fault, none may reach the
 * freed frames).
 *
 * Invariant: after ms__os_reserve_at() the range maps nothing of any file:
 * the old pages are unreachable through it and hold no memory for it.
 */
#include "platform/os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int ms__os_reserve_at(struct ms__os *os, void *addr, size_t len)
{
	void *p;

	(void)os;
	p = mmap(addr, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	return 0;
}

long ms__os_memfd_mappings(const char *name)
{
	char line[512], want[256];
	FILE *f;
	long n = 0;

	/* /proc/self/maps names a memfd "/memfd:<name> (deleted)". */
	snprintf(want, sizeof(want), "/memfd:%s ", name);
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			n++;
	fclose(f);
	return n;
}
