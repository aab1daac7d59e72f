/* SPDX-License-Identifier: MIT */
/*
 * memsim: device memory that appears at run time.
 *
 * A device (a GPU, an accelerator, a memory expander) brings memory of its
 * own that does not exist when the system boots: it appears when the device
 * initialises (its init tick), is made usable in blocks (onlined, as Linux
 * onlines hotplugged memory blocks), may be offlined again gracefully (its
 * pages migrated away first) or withdrawn by surprise (the device is gone,
 * and so is whatever was on it).
 *
 * Two kinds, as Linux's ZONE_DEVICE has them:
 *   private   the CPU cannot reach it (MEMORY_DEVICE_PRIVATE): a page there
 *             is inaccessible in the threads' view, and a CPU access is a
 *             real fault that migrates the page back to system RAM;
 *   coherent  the CPU reaches it directly (MEMORY_DEVICE_COHERENT); its
 *             pages must stay movable, so they are never pinned long-term.
 *
 * The memory is real host memory that the sim manages (a memfd per device):
 * data put on a device is on that memfd, and nothing of it survives the
 * device.
 *
 * Calls here are kernel calls for supervisor threads and the host, as
 * Zephyr's k_mem_map and shared_multi_heap_* are: a user thread that makes
 * one gets -EPERM and nothing changes. User threads use device memory by
 * touching mapped pages. docs/device-memory.md describes the model.
 */
#ifndef MEMSIM_DEVICE_H
#define MEMSIM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/domain.h>
#include <memsim/event.h>
#include <memsim/fault.h>
#include <memsim/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

/* A device of a sim: 0, 1, ... in the order they were added. */
typedef uint32_t ms_device_id;
/* No device: system RAM, where a device id names a place. */
#define MS_DEVICE_NONE ((ms_device_id)UINT32_MAX)
/* Devices a sim can have. */
#define MS_DEVICE_MAX 16u
#define MS_DEVICE_NAME_MAX 32
/* Host pages a device may have (64 GiB of 4 KiB pages): its per-page
 * tables are the sim's host memory. */
#define MS_DEVICE_MAX_FRAMES ((uint64_t)1 << 24)

enum ms_device_kind {
	MS_DEVICE_PRIVATE = 0,	/* not CPU-addressable */
	MS_DEVICE_COHERENT,	/* CPU-addressable, always movable */
};

/* "private", "coherent"; "?" for an unknown value. */
const char *ms_device_kind_name(enum ms_device_kind kind);

/* Default figures of the cost model, in bytes per simulated tick. */
#define MS_DEVICE_COPY_BANDWIDTH 256u	/* the device's DMA engine copying a
					 * page to or from system RAM */
#define MS_DEVICE_LOCAL_BANDWIDTH 1024u	/* the device reaching its own memory */
#define MS_DEVICE_REMOTE_BANDWIDTH 64u	/* reaching memory across the bus
					 * (the device system RAM, the CPU a
					 * coherent device) */

struct ms_device_attr {
	const char *name;		/* 1..31 characters, unique in the sim */
	uint64_t size;			/* bytes, a multiple of block_size */
	uint64_t block_size;		/* bytes, a multiple of the host page;
					 * 0: the whole device is one block */
	enum ms_device_kind kind;
	uint64_t init_tick;		/* its memory exists from this tick on */
	uint32_t offline_retries;	/* passes a graceful offline makes after
					 * the first before it gives up */
	uint64_t retry_ticks;		/* a thread waits this long between two
					 * passes (the host does not wait) */
	uint32_t copy_bandwidth;	/* 0: MS_DEVICE_COPY_BANDWIDTH */
	uint32_t local_bandwidth;	/* 0: MS_DEVICE_LOCAL_BANDWIDTH */
	uint32_t remote_bandwidth;	/* 0: MS_DEVICE_REMOTE_BANDWIDTH */
};

/* Defaults: kind private, one block, init tick 0, 3 retries 1000 ticks
 * apart, the default bandwidths; name and size must be set. */
void ms_device_attr_init(struct ms_device_attr *attr);

/*
 * Declare a device. Its memory does not exist yet: not before the init
 * tick, and not usable before a supervisor onlines it.
 * @retval 0 and *out set
 * @retval -EINVAL attr or out NULL, a bad name, size 0, a block size that
 *         is not a multiple of the host page or does not divide size, more
 *         than MS_DEVICE_MAX_FRAMES pages
 * @retval -EEXIST a device of that name exists
 * @retval -ENOSPC the sim has MS_DEVICE_MAX devices
 * @retval -EPERM called from a user thread
 * @retval -ENOMEM the host could not provide its tables
 */
int ms_device_add(struct ms_sim *sim, const struct ms_device_attr *attr,
		  ms_device_id *out);

/* @retval 0 and *out set; -ENOENT no such device; -EINVAL name or out NULL */
int ms_device_lookup(const struct ms_sim *sim, const char *name,
		     ms_device_id *out);
/* The device's name, or NULL for no such device. */
const char *ms_device_name(const struct ms_sim *sim, ms_device_id dev);
uint32_t ms_device_count(const struct ms_sim *sim);

/* A memory block's state (the states of Linux's memoryN/state). */
enum ms_block_state {
	MS_BLOCK_ABSENT = 0,	/* the device has not initialised yet */
	MS_BLOCK_OFFLINE,	/* present, not usable */
	MS_BLOCK_ONLINE,	/* usable for pages (movable memory) */
	MS_BLOCK_ONLINE_KERNEL,	/* usable for kernel allocations: a heap region */
	MS_BLOCK_GOING_OFFLINE,	/* an offline is moving its pages away */
	MS_BLOCK_GONE,		/* the device was withdrawn */
};

/* "absent", "offline", "online", "online-kernel", "going-offline", "gone" */
const char *ms_block_state_name(enum ms_block_state st);

/* @retval 0 and *out set; -ENOENT no such device; -EINVAL block out of range */
int ms_device_block_state(struct ms_sim *sim, ms_device_id dev, uint32_t block,
			  enum ms_block_state *out);

/* All blocks from first on (for n in online and offline). */
#define MS_DEVICE_ALL_BLOCKS UINT32_MAX

/*
 * Online n blocks from first (MS_DEVICE_ALL_BLOCKS: to the last) for
 * pages: placement may put pages there from now on. Blocks already online
 * are left as they are.
 * @retval 0
 * @retval -ENODEV the device has not initialised yet (ms_sim_now() is
 *         before its init tick), or was withdrawn
 * @retval -EINVAL the range leaves the device, or n is 0
 * @retval -EBUSY a block of the range is online for kernel allocations or
 *         going offline
 * @retval -ENOENT no such device
 * @retval -EPERM called from a user thread
 * @retval -ENOMEM the host could not provide the device's memory
 */
int ms_device_online(struct ms_sim *sim, ms_device_id dev, uint32_t first,
		     uint32_t n);

/*
 * Offline n blocks from first, gracefully: every page on them is migrated
 * to system RAM first. A page that cannot move (pinned, or in a migration
 * another thread has under way) is tried again in the next pass; the
 * device's offline_retries passes later, what remains makes the offline
 * fail, and the blocks stay online (the pages that did move stay in RAM,
 * as with Linux). Between passes a simulated thread waits retry_ticks.
 * A block that holds a heap region goes offline with the whole region
 * only once no allocation lives on it; the region then leaves its heap.
 * Blocks already offline are left as they are.
 * @retval 0 every block of the range is offline
 * @retval -EBUSY pinned pages, busy pages or live kernel allocations stayed
 * @retval -ENOMEM pages stayed because system RAM (or its quota) was full
 * @retval -EINVAL the range leaves the device, n is 0, or it covers part of
 *         a heap region only
 * @retval -ENODEV the device is absent or withdrawn
 * @retval -ENOENT no such device
 * @retval -EPERM called from a user thread
 */
int ms_device_offline(struct ms_sim *sim, ms_device_id dev, uint32_t first,
		      uint32_t n);

/*
 * Surprise removal: the device is gone at once, with every page and every
 * kernel allocation that was on it. Each mapping of a lost page stays
 * inaccessible, so that a later CPU access faults (MS_FAULT_DEVICE, the
 * thread dies) and never reaches freed memory; the device's host memory
 * is released. Pins on it are dropped. Cannot be refused.
 * @retval 0
 * @retval -ENODEV already withdrawn
 * @retval -ENOENT no such device
 * @retval -EPERM called from a user thread
 */
int ms_device_withdraw(struct ms_sim *sim, ms_device_id dev);

enum ms_device_state {
	MS_DEVICE_ABSENT = 0,	/* before its init tick */
	MS_DEVICE_PRESENT,
	MS_DEVICE_WITHDRAWN,
};

/*
 * A device's counters, named as Linux names them where it does
 * (/proc/vmstat: pgmigrate_success, pgmigrate_fail). Pages are host pages.
 * Balance, for every device at any time:
 *   pages_placed + pgmigrate_to_device
 *     == pgmigrate_to_ram + pages_freed + pages_lost + frames_used
 */
struct ms_device_stats {
	ms_device_id id;
	enum ms_device_kind kind;
	enum ms_device_state state;
	uint32_t blocks;
	uint32_t blocks_online;		/* for pages or for kernel allocations */
	uint64_t frames;		/* pages of memory the device has */
	uint64_t frames_online;		/* of those, online for pages */
	uint64_t frames_used;		/* holding a page now */
	uint64_t frames_pinned;		/* of those, pinned now */
	uint64_t frames_kernel;		/* online for kernel allocations */
	uint64_t onlines;		/* blocks onlined, ever */
	uint64_t offlines;		/* blocks offlined, ever */
	uint64_t pages_placed;		/* pages first populated on it */
	uint64_t pages_freed;		/* pages unmapped while on it */
	uint64_t pgmigrate_success;	/* migrations to or from it that completed */
	uint64_t pgmigrate_fail;	/* ... that were tried and did not */
	uint64_t pgmigrate_to_device;	/* of the successes: pages that came */
	uint64_t pgmigrate_to_ram;	/* ... pages that left for system RAM */
	uint64_t bytes_to_device;	/* copied by migrations, each way */
	uint64_t bytes_to_ram;
	uint64_t copy_ticks;		/* simulated ticks the copies took */
	uint64_t cpu_faults;		/* CPU faults on its pages (private:
					 * each migrates the page back) */
	uint64_t device_faults;		/* its accesses that found a page in
					 * system RAM (or on another device) */
	uint64_t remote_accesses;	/* pages it reached across the bus */
	uint64_t local_accesses;	/* pages it reached in its own memory */
	uint64_t evictions;		/* pages evicted to make room */
	uint64_t pin_blocked;		/* moves refused because the page was
					 * pinned (migration, eviction, offline) */
	uint64_t pin_refused;		/* long-term pins refused on it */
	uint64_t offline_retries;	/* passes after an offline's first */
	uint64_t offline_busy;		/* offlines that failed */
	uint64_t pages_lost;		/* pages on it when it was withdrawn */
	uint64_t threads_killed;	/* threads killed touching a page lost
					 * with it */
	uint64_t kernel_allocs_lost;	/* kernel allocations on it then */
	uint64_t kernel_bytes_lost;
	/* Mappings that still reach memory of its that is no longer there
	 * (offline blocks, a withdrawn device): must be 0. Checked against
	 * the sim's own page tables when read. */
	uint64_t dangling_mappings;
};

/*
 * @retval 0 and *out filled
 * @retval -ENOENT no such device
 * @retval -EINVAL out NULL
 */
int ms_device_stats_get(struct ms_sim *sim, ms_device_id dev,
			struct ms_device_stats *out);

/* ---- mappings: user pages that live in system RAM or on a device ------- */

/*
 * A mapping is a range of user pages made with ms_mem_map(), as Zephyr's
 * k_mem_map() makes one (with K_MEM_PERM_USER: every thread may touch it).
 * Each page lives in system RAM or on a device, and moves between them
 * (migration) while its address stays the same. A page that has never been
 * touched holds no memory; its first touch places it (the placement
 * policy). Pages are host pages.
 *
 * Every page of a mapping is a real host page behind a real protection:
 * touching a page on a private device, a page not yet placed, or one lost
 * with its device is a real fault, resolved by the fault path (migrating
 * the page back, placing it) or fatal for the thread (MS_FAULT_DEVICE for
 * a lost page or one that could not come back; MS_FAULT_CPU for an access
 * the page's rights do not allow or to a hole).
 */
typedef uint32_t ms_map_id;
#define MS_MAP_NAME_MAX 32
#define MS_MAP_MAX 256u		/* mappings live at once in a sim */
#define MS_MAP_MAX_SIZE ((uint64_t)1 << 36)	/* bytes of one mapping */

struct ms_map_attr {
	const char *name;		/* optional, copied; in faults and errors */
	uint64_t size;			/* bytes, rounded up to host pages */
	unsigned perm;			/* MS_PERM_READ/WRITE bits (<memsim/domain.h>);
					 * default read and write */
	ms_device_id preferred;		/* the device its pages prefer (for the
					 * "explicit" and "device-preferred"
					 * placements), or MS_DEVICE_NONE */
};

void ms_map_attr_init(struct ms_map_attr *attr);

/*
 * Map size bytes of user pages, none placed yet; charged, page by page as
 * they are placed, to the calling thread's group (the host: group 0).
 * @retval 0, *id and *addr (may be NULL) set
 * @retval -EINVAL attr or id NULL, size 0 or above MS_MAP_MAX_SIZE, perm with bits
 *         other than read and write, an unknown preferred device
 * @retval -ENOSPC MS_MAP_MAX mappings are live
 * @retval -EPERM called from a user thread
 * @retval -ENOMEM the host could not provide the memory
 */
int ms_mem_map(struct ms_sim *sim, const struct ms_map_attr *attr,
	       ms_map_id *id, void **addr);

/*
 * Unmap [off, off + len) of a mapping (page-aligned; k_mem_unmap): its
 * pages are freed wherever they are and the range becomes a hole, which
 * faults when touched. Unmapping every page of a mapping removes it.
 * @retval -EINVAL no such mapping, off or len not page-aligned, len 0, or
 *         the range leaves the mapping
 * @retval -EBUSY a page of the range is pinned (nothing is unmapped)
 * @retval -EPERM called from a user thread
 */
int ms_mem_unmap(struct ms_sim *sim, ms_map_id map, uint64_t off,
		 uint64_t len);

/*
 * Change the user rights of the pages of [off, off + len) (page-aligned),
 * as mprotect() does: MS_PERM_NONE, MS_PERM_READ or MS_PERM_RW.
 * @retval -EINVAL no such mapping, a bad range or bad rights
 * @retval -EFAULT the range has a hole
 * @retval -EPERM called from a user thread
 */
int ms_mem_protect(struct ms_sim *sim, ms_map_id map, uint64_t off,
		   uint64_t len, unsigned perm);

/* The address of an offset of a mapping, or NULL (no such mapping, or
 * past its end). Loads and stores there are the CPU's accesses. */
void *ms_mem_addr(const struct ms_sim *sim, ms_map_id map, uint64_t off);
/* The mapping's size in bytes (0: no such mapping). */
uint64_t ms_mem_size(const struct ms_sim *sim, ms_map_id map);
/* A mapping by name. @retval 0; -ENOENT none; -EINVAL name or out NULL */
int ms_mem_lookup(const struct ms_sim *sim, const char *name, ms_map_id *out);

/*
 * Touch every page of [off, off + len) once, as the calling thread's CPU
 * would: a load of the page's first word (MS_ACCESS_READ), or a load and
 * a store of it plus one (MS_ACCESS_WRITE). What a page needs happens as
 * it does for any load or store: a page on a private device faults and
 * comes back, a page not placed yet is placed; an access the page does
 * not allow, a hole or a lost page kills the caller (the call does not
 * return then). Not a kernel call: user threads may make it.
 * @retval -EINVAL no such mapping, the range leaves it, or another access
 * @retval -EPERM called outside a run of sim (the host has no fault path
 *         there; ms_mem_peek and ms_mem_poke reach pages from the host)
 */
int ms_mem_touch(struct ms_sim *sim, ms_map_id map, uint64_t off,
		 uint64_t len, enum ms_access access);

/*
 * Copy out of or into a mapping wherever its pages are, without moving
 * anything or faulting: for the host and supervisors inspecting results.
 * A page not placed reads as zero (and is not placed by a read; a write
 * places it in system RAM).
 * @retval -EINVAL no such mapping, buf NULL, or the range leaves it
 * @retval -EFAULT a hole in the range
 * @retval -EIO a page of the range was lost with its device
 * @retval -ENOMEM, -EDQUOT a write found no room for a page to place
 * @retval -EPERM called from a user thread
 */
int ms_mem_peek(struct ms_sim *sim, ms_map_id map, uint64_t off, void *buf,
		size_t len);
int ms_mem_poke(struct ms_sim *sim, ms_map_id map, uint64_t off,
		const void *buf, size_t len);

/* ---- the device at work -------------------------------------------------- */

/*
 * The device dev reaches every page of [off, off + len) of a mapping, as a
 * GPU's kernel would, through its own MMU: one word of each page, read
 * (MS_ACCESS_READ) or read and stored plus one (MS_ACCESS_WRITE). A page
 * on the device is local; one in system RAM is reached across the bus, or
 * migrated to the device first if the migration policy says so; one on
 * another device is brought to system RAM first if that device is private
 * (a device cannot reach another's private memory), reached across the
 * bus if coherent; one not placed yet is placed (the placement policy,
 * with the device as the toucher). Costs simulated time by the cost model.
 * The range is checked before anything is touched.
 * @retval 0
 * @retval -ENODEV dev is absent or withdrawn
 * @retval -EFAULT a hole, or a page the mapping's rights close (none)
 * @retval -EPERM a write to a read-only page; or called from a user thread
 * @retval -EIO a page lost with its device
 * @retval -EINVAL no such mapping or device, the range leaves the mapping,
 *         or another access
 */
int ms_device_access(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		     uint64_t off, uint64_t len, enum ms_access access);

/*
 * As ms_device_access(), copying the bytes of the range into buf (read)
 * or from buf into it (write), like test_hmm's dmirror device reading and
 * writing a process's memory.
 */
int ms_device_read(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		   uint64_t off, void *buf, size_t len);
int ms_device_write(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		    uint64_t off, const void *buf, size_t len);

/* ---- migration ------------------------------------------------------------ */

/*
 * Explicit migration of a range, in Linux's three steps
 * (migrate_vma_setup, migrate_vma_pages, migrate_vma_finalize):
 *
 *  setup     checks the whole range and selects its pages: to a device,
 *            every page in system RAM or not placed yet (pages on another
 *            device are not selected, as MIGRATE_VMA_SELECT_SYSTEM); to
 *            system RAM (MS_DEVICE_NONE), every page on a device. Pinned
 *            pages are not selected (counted as pin-blocked and failed).
 *            Each selected page is made inaccessible in the threads' view
 *            (Linux's migration entry), so that a CPU access to it is seen.
 *  copy      gives each selected page a frame at the destination (evicting
 *            if the device is full, as the eviction policy picks) and
 *            copies it there; the source stays where it is.
 *  finalize  commits: a page that the CPU touched since setup stays where
 *            it was (its copy is dropped), as does one that found no room;
 *            every other page now lives at the destination. Frees m.
 *
 * A setup that is refused selects nothing. A thread that dies with a
 * migration under way has it undone; so has the sim's end.
 */
struct ms_migrate;

struct ms_migrate_result {
	uint32_t selected;	/* pages setup selected */
	uint32_t migrated;	/* ... that finalize committed */
	uint32_t touched;	/* ... that stayed: touched in between */
	uint32_t no_room;	/* ... that stayed: no frame or quota */
	uint32_t already;	/* pages already at the destination */
	uint32_t pinned;	/* pages not selected: pinned */
	uint32_t other_device;	/* pages not selected: on another device */
};

/*
 * @retval 0 and *out set (selected may be 0 when every page is there already)
 * @retval -EFAULT the range has a hole (a page not mapped)
 * @retval -EACCES a page of the range is protected (no rights)
 * @retval -EIO a page of the range was lost with its device
 * @retval -EBUSY a page of the range is in another migration
 * @retval -ENOENT no page could be selected and none is at the destination
 * @retval -ENODEV the destination device is absent, withdrawn, or has no
 *         memory online for pages
 * @retval -EINVAL no such mapping or device, a bad range, out NULL
 * @retval -EPERM called from a user thread
 */
int ms_migrate_setup(struct ms_sim *sim, ms_map_id map, uint64_t off,
		     uint64_t len, ms_device_id to, struct ms_migrate **out);
/* @retval 0; -EINVAL m NULL or already copied; -EPERM a user thread */
int ms_migrate_copy(struct ms_sim *sim, struct ms_migrate *m);
/* res may be NULL. @retval 0; -EINVAL m NULL; -EPERM a user thread */
int ms_migrate_finalize(struct ms_sim *sim, struct ms_migrate *m,
			struct ms_migrate_result *res);

/* The three steps at once. */
int ms_migrate_range(struct ms_sim *sim, ms_map_id map, uint64_t off,
		     uint64_t len, ms_device_id to,
		     struct ms_migrate_result *res);

/* ---- pins ------------------------------------------------------------------ */

/*
 * Pin the pages of [off, off + len) (page-aligned) where they are, as
 * pin_user_pages() does: a pinned page does not move (no migration, no
 * eviction, no offline of its block) until every pin on it is dropped. A
 * page not placed yet is placed first (the placement policy, for the CPU:
 * pinning touches it). Short-term pins are for an access under way (DMA);
 * long-term pins (MS_PIN_LONGTERM, FOLL_LONGTERM) hold a page indefinitely,
 * so they are refused on coherent device memory, which must stay movable
 * (Linux migrates such pages away before a long-term pin; here the pin is
 * refused and counted). A long-term pin on a private device's page is the
 * device's own (a driver pinning its memory for peer DMA); Linux's HMM
 * does not allow it, this model does so that its cost can be tried.
 * Pinning a page that a migration has selected keeps it where it is.
 * The whole range is checked before anything is pinned.
 * @retval 0
 * @retval -EINVAL a long-term pin of a page on coherent device memory (the
 *         device counts pin_refused), a bad range, no such mapping
 * @retval -EFAULT a hole; -EACCES a page without rights; -EIO a lost page
 * @retval -EOVERFLOW a page holds 65535 pins of that kind
 * @retval -ENOMEM, -EDQUOT a page could not be placed
 * @retval -EPERM called from a user thread
 */
#define MS_PIN_LONGTERM 1u
int ms_mem_pin(struct ms_sim *sim, ms_map_id map, uint64_t off, uint64_t len,
	       unsigned flags);

/*
 * Drop one pin of the kind flags names from every page of the range.
 * @retval -EINVAL a page of the range holds no such pin (nothing is
 *         unpinned), a bad range, no such mapping
 * @retval -EPERM called from a user thread
 */
int ms_mem_unpin(struct ms_sim *sim, ms_map_id map, uint64_t off,
		 uint64_t len, unsigned flags);

/* ---- page states ---------------------------------------------------------- */

/*
 * What device dev's MMU would see of each page (test_hmm's snapshot),
 * without touching or moving anything: a combination of these bits.
 */
enum ms_page_snap {
	MS_SNAP_ERROR = 1u << 0,	/* a hole: nothing is mapped there */
	MS_SNAP_NONE = 1u << 1,		/* mapped, but dev cannot reach it (no
					 * rights, another device's private
					 * memory, or lost) */
	MS_SNAP_READ = 1u << 2,
	MS_SNAP_WRITE = 1u << 3,
	MS_SNAP_EMPTY = 1u << 4,	/* not placed yet: reads as zero */
	MS_SNAP_RAM = 1u << 5,		/* in system RAM */
	MS_SNAP_DEV_PRIVATE_LOCAL = 1u << 6,
	MS_SNAP_DEV_PRIVATE_REMOTE = 1u << 7,
	MS_SNAP_DEV_COHERENT_LOCAL = 1u << 8,
	MS_SNAP_DEV_COHERENT_REMOTE = 1u << 9,
	MS_SNAP_PINNED = 1u << 10,	/* pinned, short- or long-term */
	MS_SNAP_LOST = 1u << 11,	/* lost with its device */
};

/*
 * Fill out[0 .. npages) for the pages from offset off (page-aligned) on.
 * dev may be MS_DEVICE_NONE (the CPU's view: local means nothing then).
 * @retval 0; -EINVAL no such mapping or device, a bad range, out NULL
 */
int ms_mem_snapshot(struct ms_sim *sim, ms_device_id dev, ms_map_id map,
		    uint64_t off, uint32_t npages, uint16_t *out);

/* ---- kernel memory on device RAM: the shared multi-heap ----------------- */

/*
 * Zephyr's shared multi-heap (shared_multi_heap_add / _alloc): memory
 * regions tagged with an attribute, from which allocations that ask for
 * that attribute are drawn. Here a region is a range of a coherent
 * device's blocks onlined for kernel allocations, so the kernel's heap
 * memory grows when the device appears; the region leaves again when its
 * blocks go offline (refused while an allocation lives on it) or the
 * device is withdrawn (what lived on it is lost).
 */
enum ms_smh_attr {
	MS_SMH_CACHEABLE = 0,		/* SMH_REG_ATTR_CACHEABLE */
	MS_SMH_NON_CACHEABLE,		/* SMH_REG_ATTR_NON_CACHEABLE */
	MS_SMH__COUNT
};

/* "cacheable", "non-cacheable"; "?" */
const char *ms_smh_attr_name(unsigned attr);
/* @retval 0 and *out; -EINVAL unknown name */
int ms_smh_attr_lookup(const char *name, unsigned *out);

struct ms_heap;

/*
 * Online n blocks from first (MS_DEVICE_ALL_BLOCKS: to the last) of a
 * coherent device for kernel allocations: they become one heap region
 * tagged attr (a heap of the sim named "<device>.smh<n>", *out if not
 * NULL), in the state MS_BLOCK_ONLINE_KERNEL. Regions of an attribute
 * serve allocations in the order they were added.
 * @retval -EINVAL a private device (the CPU cannot hold kernel data
 *         there), a bad attribute or range, a region of 4 GiB or more
 * @retval -EBUSY a block of the range is not offline
 * @retval -ENOSPC the sim has 32 regions live
 * @retval -ENODEV, -ENOENT, -EPERM, -ENOMEM as ms_device_online()
 */
int ms_device_online_heap(struct ms_sim *sim, ms_device_id dev,
			  uint32_t first, uint32_t n, unsigned attr,
			  struct ms_heap **out);

/*
 * Allocate size bytes for the caller from a region tagged attr
 * (shared_multi_heap_alloc): charged to the calling thread under the
 * sim's quota policy exactly as ms_heap_alloc() is (a block of kind
 * MS_ALLOC_USER; the host's is the kernel's own, uncharged), drawn from
 * the first region of that attribute with room. Free it with
 * ms_heap_free().
 * @retval 0 and *out set
 * @retval -EDQUOT the quota refuses
 * @retval -ENOMEM no region of that attribute has room (or there is none:
 *         counted as a request with no heap to draw from)
 * @retval -EINVAL a bad attribute, size 0, out NULL
 * @retval -EPERM called from a user thread
 */
int ms_smh_alloc(struct ms_sim *sim, unsigned attr, size_t size, void **out);

/* ---- policies ------------------------------------------------------------ */

/*
 * Four decisions are pluggable, each an ops table registered on a sim by
 * name and made active once (ms_device_policy_set), never looked up per
 * page, as the quota policies are:
 *
 *   placement   where a page goes when it is first touched:
 *               "first-touch" (where the toucher is: the CPU's system RAM,
 *               a device's own memory; the default), "explicit" (system
 *               RAM, or the mapping's preferred device), "device-preferred"
 *               (a device whenever one can take it);
 *   migration   whether a device's access to a page elsewhere moves the
 *               page to the device: "on-fault" (at once; the default),
 *               "threshold" (after that many accesses by the device),
 *               "explicit" (never: only ms_migrate_* move pages). A CPU
 *               access to a private device's page always brings it back
 *               (the CPU cannot reach it otherwise), whatever the policy;
 *   eviction    which page leaves a full device to make room (it goes to
 *               system RAM): "lru" (the default), "fifo", "random" (the
 *               sim's seeded generator), "pin-aware" (LRU that keeps pinned
 *               pages off its list). The others look at a bounded number
 *               of candidates (params.scan), a pinned one being a failed
 *               attempt, so pins at the cold end of the list can make them
 *               give up;
 *   accounting  whether a page may occupy its next place: "owner" (a page
 *               is charged to its mapping's group once, wherever it is, as
 *               Linux's memory cgroup charges device pages: moving never
 *               fails on quota; the default) or "per-tier" (a quota per
 *               group for system RAM and one for each device: moving back
 *               to RAM can be refused, and a CPU fault that cannot bring a
 *               page back kills the thread).
 *
 * Callbacks may run inside the fault path (a signal handler): they must
 * not allocate, block, or call into the sim.
 */
enum ms_device_policy_kind {
	MS_DEVPOL_PLACEMENT = 0,
	MS_DEVPOL_MIGRATION,
	MS_DEVPOL_EVICTION,
	MS_DEVPOL_ACCOUNTING,
	MS_DEVPOL__COUNT
};

/* "placement", "migration", "eviction", "accounting" */
const char *ms_device_policy_kind_name(enum ms_device_policy_kind kind);

struct ms_device_policy_params {
	uint32_t threshold;	/* migration "threshold": the device's accesses
				 * to a page that move it (0: 4) */
	uint32_t scan;		/* eviction: candidates looked at (0: 8) */
	uint64_t page_quota;	/* accounting "owner": bytes of pages per
				 * group (0: no limit) */
	uint64_t ram_quota;	/* "per-tier": bytes in system RAM per group */
	uint64_t device_quota;	/* "per-tier": bytes on each device per group */
	uint32_t frames;	/* set by the sim for an eviction policy's
				 * init: the device's frames */
};

/* What a placement policy is asked. */
struct ms_place_query {
	ms_device_id toucher;		/* MS_DEVICE_NONE: the CPU */
	ms_device_id preferred;		/* the mapping's, or MS_DEVICE_NONE */
	uint32_t group;
	uint32_t ndevices;
	/* per device: whether it could take a page now (present, memory
	 * online for pages with a free frame or one to evict, reachable by
	 * the toucher: the CPU cannot use private memory) */
	const bool *usable;
	const enum ms_device_kind *kinds;
};

/* What a migration policy is asked: device reached a page that is not in
 * its memory (where: MS_DEVICE_NONE for system RAM). */
struct ms_access_query {
	ms_device_id device;
	ms_device_id where;
	uint32_t hits;			/* device's accesses to the page since it
					 * last moved, this one included */
	uint32_t threshold;		/* params.threshold */
	enum ms_access access;
};

/* What an eviction policy is given to choose with. */
struct ms_evict_query {
	ms_device_id device;
	uint32_t scan;			/* params.scan */
	/* Whether the page on frame can leave now; a pinned page is counted
	 * as a pin-blocked attempt. */
	bool (*movable)(const struct ms_evict_query *q, uint32_t frame);
	/* The sim's seeded generator: uniform in [0, bound). */
	uint64_t (*random)(const struct ms_evict_query *q, uint64_t bound);
	void *priv;
};

/* What an accounting policy is asked: may a page of group take a place? */
struct ms_page_charge {
	uint32_t group;
	ms_device_id to;		/* MS_DEVICE_NONE: system RAM */
	bool populate;			/* a page placed for the first time */
	/* the group's pages now: in all, in system RAM, on `to` */
	uint64_t pages, ram_pages, to_pages;
	/* its limits, in pages (UINT64_MAX: none) */
	uint64_t page_limit, ram_limit, device_limit;
};

struct ms_device_policy_ops {
	const char *name;
	const char *summary;		/* one line, for list-policies */
	size_t state_size;		/* zeroed, owned by the sim (eviction:
					 * one per device) */
	/* optional; when it fails, fini (if any) is called to free what
	 * it got, and the error is returned */
	int (*init)(void *state, const struct ms_device_policy_params *p);
	void (*fini)(void *state);
	/* placement (required): a device id, or MS_DEVICE_NONE for system
	 * RAM; an unusable answer is taken as MS_DEVICE_NONE */
	ms_device_id (*place)(void *state, const struct ms_place_query *q);
	/* migration (required): true to move the page to q->device now */
	bool (*migrate)(void *state, const struct ms_access_query *q);
	/* eviction (added, removed, select required): a page landed on a
	 * frame, was reached by the device there, left it, was pinned or
	 * unpinned (pinned: true while any pin holds it) */
	void (*added)(void *state, uint32_t frame);
	void (*accessed)(void *state, uint32_t frame);
	void (*removed)(void *state, uint32_t frame);
	void (*pinned)(void *state, uint32_t frame, bool pinned);
	/* 0 and *frame: a frame whose page q->movable() allowed; -ENOENT */
	int (*select)(void *state, const struct ms_evict_query *q,
		      uint32_t *frame);
	/* accounting (required): 0, or -EDQUOT to refuse */
	int (*charge)(void *state, const struct ms_page_charge *c);
};

/*
 * Register a policy of a kind (the built-ins are registered at creation);
 * the struct must outlive the sim.
 * @retval -EINVAL ops NULL, no name (or one of 32 bytes or more), a bad
 *         kind, or a callback its kind requires missing
 * @retval -EEXIST a policy of that kind and name is registered
 * @retval -EPERM called from a user thread
 */
int ms_device_policy_register(struct ms_sim *sim,
			      enum ms_device_policy_kind kind,
			      const struct ms_device_policy_ops *ops);

size_t ms_device_policy_count(const struct ms_sim *sim,
			      enum ms_device_policy_kind kind);
const struct ms_device_policy_ops *
ms_device_policy_at(const struct ms_sim *sim, enum ms_device_policy_kind kind,
		    size_t i);

/*
 * Make a policy of a kind active (params NULL: defaults). An eviction
 * policy is started afresh for every device, with the pages each holds
 * now given to it in frame order.
 * @retval -ENOENT no such policy
 * @retval -EINVAL a bad kind
 * @retval -EPERM called from a user thread
 * @retval other the policy's init refused (its errno)
 */
int ms_device_policy_set(struct ms_sim *sim, enum ms_device_policy_kind kind,
			 const char *name,
			 const struct ms_device_policy_params *params);
const char *ms_device_policy_name(const struct ms_sim *sim,
				  enum ms_device_policy_kind kind);

/*
 * System RAM for user pages, sim-wide (default: no limit): placing a page
 * in RAM or bringing one back beyond it is refused (-ENOMEM for a call, a
 * fatal fault for a CPU access that needs the page back).
 * @retval 0; -EPERM a user thread
 */
int ms_device_ram_set(struct ms_sim *sim, uint64_t bytes);

/*
 * A group's limits for the accounting policy, in bytes (0: none),
 * overriding the policy's parameters for that group.
 * @retval 0; -EPERM a user thread
 */
int ms_device_quota_set(struct ms_sim *sim, uint32_t group, uint64_t pages,
			uint64_t ram, uint64_t device);

/* A group's pages now: in all, in system RAM, on device dev
 * (MS_DEVICE_NONE: on every device). @retval 0; -EINVAL out NULL */
struct ms_device_usage {
	uint64_t pages, ram_pages, device_pages;
	uint64_t refused;		/* places the accounting refused it */
};
int ms_device_usage_get(struct ms_sim *sim, uint32_t group, ms_device_id dev,
			struct ms_device_usage *out);

#ifdef __cplusplus
}
#endif
#endif
