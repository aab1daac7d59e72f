/* SPDX-License-Identifier: MIT */
/*
 * Host calls on memfds beyond creating and mapping them (os.c does that):
 * giving a range of a memfd's pages back to the host.
 *
 * Sealed pools keep their memory in a memfd mapped twice (a view everyone
 * reads and a writable alias only the pool knows). Unmapping a shared
 * mapping does not free the file's pages, so a pool that returns a page
 * must punch it out of the file for the host to get the memory back.
 *
 * Invariant: after ms__os_fd_punch() the range reads back as zero through
 * every mapping of the file and holds no host memory.
 */
#include "platform/os.h"

#include <errno.h>
#include <fcntl.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif

int ms__os_fd_punch(struct ms__os *os, int fd, size_t off, size_t len)
{
	(void)os;
	if (!len)
		return 0;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len))
		return -errno;
	return 0;
}
