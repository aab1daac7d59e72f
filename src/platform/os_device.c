/* SPDX-License-Identifier: MIT */
/*
 * Host calls for device memory (src/mem/device): re-pointing a page of a
 * view at another memfd, reserving a range that must fault from now on,
 * and counting what still maps a device's memfd.
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

/* The sim's protection bits are the host's (checked here, where both are
 * in sight), so they pass through unchanged. */
_Static_assert(MS__PROT_READ == PROT_READ && MS__PROT_WRITE == PROT_WRITE &&
	       MS__PROT_EXEC == PROT_EXEC && MS__PROT_NONE == PROT_NONE,
	       "enum ms__prot matches the host's PROT_ bits");

int ms__os_map_fd_at(struct ms__os *os, void *addr, int fd, size_t off,
		     size_t len, unsigned prot)
{
	void *p;

	(void)os;
	p = mmap(addr, len, (int)prot, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	return 0;
}

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
