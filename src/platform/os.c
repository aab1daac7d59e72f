/* SPDX-License-Identifier: MIT */
/*
 * Host memory calls: mmap, munmap, mprotect, madvise, memfd_create.
 *
 * Invariant: each call is counted in the struct ms__os of the simulation it
 * was made for, and a failure injected for the Nth call of a kind makes that
 * call fail before it touches the host, exactly as the host would fail it.
 */
#include "platform/os.h"

#include "ms_config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if MS_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK_H 1
#endif
#endif
#if MS_SANITIZE_ADDRESS
#include <sanitizer/asan_interface.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102	/* Linux 6.13 */
#endif

struct ms__os {
	uint64_t calls[MS__OS__COUNT];
	uint64_t fail_at[MS__OS__COUNT];	/* absolute call number, 0: none */
};

/* A fact about the host kernel, the same for every simulation. */
enum guard_mode { GUARD_UNKNOWN = 0, GUARD_MADVISE, GUARD_MPROTECT };
static int guard_mode = GUARD_UNKNOWN;

int ms__os_new(struct ms__os **out)
{
	struct ms__os *os = calloc(1, sizeof(*os));

	if (!os)
		return -ENOMEM;
	*out = os;
	return 0;
}

void ms__os_free(struct ms__os *os)
{
	free(os);
}

size_t ms__os_page_size(void)
{
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

/* Count a call; true if it must fail by injection. */
static bool count_call(struct ms__os *os, enum ms__os_op op)
{
	if (!os)
		return false;
	os->calls[op]++;
	if (os->fail_at[op] && os->calls[op] == os->fail_at[op]) {
		os->fail_at[op] = 0;
		return true;
	}
	return false;
}

static int host_prot(unsigned prot)
{
	int p = PROT_NONE;

	if (prot & MS__PROT_READ)
		p |= PROT_READ;
	if (prot & MS__PROT_WRITE)
		p |= PROT_WRITE;
	if (prot & MS__PROT_EXEC)
		p |= PROT_EXEC;
	return p;
}

int ms__os_map(struct ms__os *os, size_t len, unsigned prot, void **out)
{
	void *p;

	if (count_call(os, MS__OS_MAP))
		return -ENOMEM;
	p = mmap(NULL, len, host_prot(prot), MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

int ms__os_unmap(struct ms__os *os, void *addr, size_t len)
{
	if (count_call(os, MS__OS_UNMAP))
		return -EINVAL;
	if (munmap(addr, len))
		return -errno;
	return 0;
}

int ms__os_protect(struct ms__os *os, void *addr, size_t len, unsigned prot)
{
	if (count_call(os, MS__OS_PROTECT))
		return -ENOMEM;
	if (mprotect(addr, len, host_prot(prot)))
		return -errno;
	return 0;
}

int ms__os_guard(struct ms__os *os, void *addr, size_t len)
{
	if (!len)
		return 0;
	if (count_call(os, MS__OS_GUARD))
		return -ENOMEM;
#if MS_HAVE_VALGRIND_H
	/* Valgrind does not know about guard markers and would touch them
	 * itself; it does track mprotect. */
	if (guard_mode == GUARD_UNKNOWN && RUNNING_ON_VALGRIND)
		guard_mode = GUARD_MPROTECT;
#endif
	if (guard_mode != GUARD_MPROTECT) {
		if (!madvise(addr, len, MADV_GUARD_INSTALL)) {
			guard_mode = GUARD_MADVISE;
			return 0;
		}
		if (errno != EINVAL)
			return -errno;
		/* Older kernel, or a tool (Valgrind) that does not pass it on. */
		guard_mode = GUARD_MPROTECT;
	}
	if (mprotect(addr, len, PROT_NONE))
		return -errno;
	return 0;
}

bool ms__os_guard_uses_madvise(void)
{
	return guard_mode == GUARD_MADVISE;
}

int ms__os_discard(struct ms__os *os, void *addr, size_t len)
{
	(void)os;
	if (madvise(addr, len, MADV_DONTNEED))
		return -errno;
	return 0;
}

int ms__os_memfd(struct ms__os *os, const char *name, size_t len, int *fd_out)
{
	int fd;

	if (count_call(os, MS__OS_MEMFD))
		return -EMFILE;
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

int ms__os_map_fd(struct ms__os *os, int fd, size_t off, size_t len,
		  unsigned prot, void **out)
{
	void *p;

	if (count_call(os, MS__OS_MAP))
		return -ENOMEM;
	p = mmap(NULL, len, host_prot(prot), MAP_SHARED, fd, (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

int ms__os_map_fd_at(struct ms__os *os, int fd, size_t off, size_t len,
		     unsigned prot, void *at)
{
	void *p;

	if (count_call(os, MS__OS_MAP))
		return -ENOMEM;
	p = mmap(at, len, host_prot(prot), MAP_SHARED | MAP_FIXED, fd,
		 (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	return 0;
}

int ms__os_map_anon_at(struct ms__os *os, void *at, size_t len)
{
	void *p;

	if (count_call(os, MS__OS_MAP))
		return -ENOMEM;
	p = mmap(at, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	return 0;
}

void ms__os_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

uint64_t ms__os_calls(const struct ms__os *os, enum ms__os_op op)
{
	return os->calls[op];
}

void ms__os_fail_at(struct ms__os *os, enum ms__os_op op, uint64_t nth)
{
	os->fail_at[op] = nth ? os->calls[op] + nth : 0;
}

const char *ms__os_op_name(enum ms__os_op op)
{
	static const char *const names[MS__OS__COUNT] = {
		[MS__OS_MAP] = "mmap",
		[MS__OS_UNMAP] = "munmap",
		[MS__OS_PROTECT] = "mprotect",
		[MS__OS_GUARD] = "guard",
		[MS__OS_MEMFD] = "memfd",
	};

	return (unsigned)op < MS__OS__COUNT ? names[op] : "?";
}

long ms__os_mapping_count(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	long n = 0;
	int c;

	if (!f)
		return -errno;
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

int ms__os_op_lookup(const char *name, enum ms__os_op *op)
{
	for (int i = 0; i < MS__OS__COUNT; i++) {
		if (name && !strcmp(name, ms__os_op_name(i))) {
			*op = i;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t ms__os_phys_mem(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);

	return pages > 0 ? (uint64_t)pages * ms__os_page_size() : 0;
}

uint64_t ms__os_max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	unsigned long long v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

void ms__os_vg_addressable(void *addr, size_t len)
{
#if HAVE_MEMCHECK_H
	VALGRIND_MAKE_MEM_DEFINED(addr, len);
#endif
	(void)addr;
	(void)len;
}

void ms__os_mem_park(void *addr, size_t len)
{
#if HAVE_MEMCHECK_H
	VALGRIND_MAKE_MEM_NOACCESS(addr, len);
#endif
#if MS_SANITIZE_ADDRESS
	__asan_poison_memory_region(addr, len);
#endif
	(void)addr;
	(void)len;
}

void ms__os_mem_unpark(void *addr, size_t len)
{
#if MS_SANITIZE_ADDRESS
	__asan_unpoison_memory_region(addr, len);
#endif
#if HAVE_MEMCHECK_H
	VALGRIND_MAKE_MEM_UNDEFINED(addr, len);
#endif
	(void)addr;
	(void)len;
}
