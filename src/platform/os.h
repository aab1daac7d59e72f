/* SPDX-License-Identifier: MIT */
/*
 * The platform contract: the only code in memsim that calls mmap, mprotect,
 * madvise, memfd_create, sigaction, sigaltstack or switches stacks lives in
 * src/platform/. Everything else calls these functions.
 *
 * Every call returns 0 or a negative errno. Lengths and addresses are
 * multiples of ms__os_page_size() unless said otherwise.
 *
 * A struct ms__os belongs to one simulation: it counts the host calls made
 * for it and can be told to fail the Nth call of a kind (failure injection),
 * so that two simulations in one process never see each other's counters.
 */
#ifndef MS_PLATFORM_OS_H
#define MS_PLATFORM_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ms__prot {
	MS__PROT_NONE = 0,
	MS__PROT_READ = 1u << 0,
	MS__PROT_WRITE = 1u << 1,
	MS__PROT_EXEC = 1u << 2,
	MS__PROT_RW = MS__PROT_READ | MS__PROT_WRITE,
};

/* Host operations that are counted and can be made to fail. */
enum ms__os_op {
	MS__OS_MAP = 0,		/* mmap, including file mappings */
	MS__OS_UNMAP,
	MS__OS_PROTECT,		/* mprotect */
	MS__OS_GUARD,		/* guard installation (madvise or mprotect) */
	MS__OS_MEMFD,
	MS__OS__COUNT
};

struct ms__os;

int ms__os_new(struct ms__os **out);
void ms__os_free(struct ms__os *os);

size_t ms__os_page_size(void);
static inline size_t ms__os_page_round(size_t n)
{
	size_t p = ms__os_page_size();
	return (n + p - 1) & ~(p - 1);
}

/* Anonymous private mapping. */
int ms__os_map(struct ms__os *os, size_t len, unsigned prot, void **out);
int ms__os_unmap(struct ms__os *os, void *addr, size_t len);
int ms__os_protect(struct ms__os *os, void *addr, size_t len, unsigned prot);

/*
 * Make [addr, addr+len) a guard: any access faults. Uses MADV_GUARD_INSTALL
 * where the kernel has it (no extra mapping, no VMA split) and falls back to
 * mprotect(PROT_NONE). ms__os_guard_uses_madvise() says which is in use.
 */
int ms__os_guard(struct ms__os *os, void *addr, size_t len);
bool ms__os_guard_uses_madvise(void);

/* Drop the contents (they read back as zero). */
int ms__os_discard(struct ms__os *os, void *addr, size_t len);

/* A memfd of len bytes, and shared mappings of it (for double mappings). */
int ms__os_memfd(struct ms__os *os, const char *name, size_t len, int *fd_out);
/* Map fd's [off, off+len) shared at exactly at (MAP_FIXED), replacing
 * what was there. */
int ms__os_map_fd_at(struct ms__os *os, int fd, size_t off, size_t len,
		     unsigned prot, void *at);
/* Put private zeroed read-write memory at exactly at (MAP_FIXED). */
int ms__os_map_anon_at(struct ms__os *os, void *at, size_t len);
int ms__os_map_fd(struct ms__os *os, int fd, size_t off, size_t len,
		  unsigned prot, void **out);
void ms__os_close(int fd);

/* ---- memfd page release (os_memfd.c; sealed pools) ------------------- */
/* Free [off, off+len) of a memfd: it reads back as zero through every
 * mapping and holds no host memory. Not counted. */
int ms__os_fd_punch(struct ms__os *os, int fd, size_t off, size_t len);
/* ---- end of os_memfd.c ---------------------------------------------- */

/* ---- single-stepping (os_domain.c; memory domains) ------------------ */
/*
 * Memory domains enforce partitions smaller than a host page by keeping the
 * shared page closed and letting one instruction through at a time: the
 * fault resolver opens the page and sets the CPU's trap flag in the fault's
 * signal frame; after that one instruction the CPU raises SIGTRAP and the
 * step callback closes the page again (Linux's kmemcheck worked this way).
 */
/* True where the host can do it: x86-64, and not under Valgrind (whose
 * synthetic CPU has no trap flag). */
bool ms__os_step_supported(void);
/* The callback gets the SIGTRAP frame (a ucontext_t) and returns true if
 * the trap was its step; otherwise the trap goes to the previous handler.
 * Process-wide and reference counted, like the fault handler. */
typedef bool (*ms__os_step_fn)(void *ucontext);
int ms__os_step_handler_get(ms__os_step_fn fn);
void ms__os_step_handler_put(void);
/* Set / clear the trap flag in a signal frame. */
void ms__os_step_arm(void *ucontext);
void ms__os_step_disarm(void *ucontext);
/* Save / restore the general registers (and flags, and the program
 * counter) of a signal frame: returning through a restored frame runs the
 * same instruction again from the same state. */
#define MS__OS_REGS_MAX 32
void ms__os_regs_save(const void *ucontext, uint64_t regs[MS__OS_REGS_MAX]);
void ms__os_regs_restore(void *ucontext, const uint64_t regs[MS__OS_REGS_MAX]);
/* ---- end of os_domain.c --------------------------------------------- */

/* ---- device memory (os_device.c) ------------------------------------- */
/* (A page of a view is re-pointed at another memfd, or back at its own,
 * with ms__os_map_fd_at above.) */
/* Put an inaccessible reservation that holds no memory at exactly
 * [addr, addr+len), over what was there: nothing reaches the old pages
 * through it, and the address range is not handed out again. */
int ms__os_reserve_at(struct ms__os *os, void *addr, size_t len);
/* How many mappings of this process map a memfd created with this name
 * (lines of /proc/self/maps), or -errno. For checks, not for results. */
long ms__os_memfd_mappings(const char *name);
/* ---- end of os_device.c --------------------------------------------- */

/* ---- memcheck and ASan annotations (os.c) --------------------------- */
/* Memcheck marks a page it sees closed as unaddressable and reports the
 * access before the fault reaches memsim, even when memsim's resolver then
 * lets it through. Tell it the range stays addressable: whether an access
 * is allowed is the simulator's business. A no-op without Valgrind. */
void ms__os_vg_addressable(void *addr, size_t len);

/*
 * Host memory that memsim keeps for reuse instead of freeing (a cache of
 * kernel-object records): parked, the block is unaddressable for
 * Valgrind's memcheck and AddressSanitizer, so a use after the object's
 * end is still reported; unparked, it is addressable and undefined again.
 * No-ops without those tools. Not counted.
 */
void ms__os_mem_park(void *addr, size_t len);
void ms__os_mem_unpark(void *addr, size_t len);
/* ---- end of the annotations ----------------------------------------- */

/* Counters and failure injection. */
uint64_t ms__os_calls(const struct ms__os *os, enum ms__os_op op);
/* Make the nth call (1-based, counted from now) of op fail with -ENOMEM
 * (mmap, memfd) or -EAGAIN/-ENOMEM as the host would; 0 cancels. */
void ms__os_fail_at(struct ms__os *os, enum ms__os_op op, uint64_t nth);
const char *ms__os_op_name(enum ms__os_op op);

/* Look an operation up by its name ("mmap", ...); -EINVAL if unknown. */
int ms__os_op_lookup(const char *name, enum ms__os_op *op);

/* Host facts: physical memory and vm.max_map_count (0 if unknown). */
uint64_t ms__os_phys_mem(void);
uint64_t ms__os_max_map_count(void);

/* Number of mappings of this process (lines of /proc/self/maps), or -errno. */
long ms__os_mapping_count(void);

#endif
