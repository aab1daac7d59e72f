/* SPDX-License-Identifier: MIT */
/*
 * Private to src/mem/device: devices, their frames and blocks, and the
 * subsystem's slot.
 *
 *  device.c   the subsystem, devices, blocks: online, offline, withdrawal
 *  map.c      mappings and their pages, the CPU's fault path, touches,
 *             the device at work (its accesses), snapshots
 *  migrate.c  moving a page (placement, migration, eviction, accounting),
 *             the three-step explicit migration
 *  pin.c      short- and long-term pins
 *  region.c   blocks online for kernel allocations: shared multi-heap regions
 *  policy.c   the policy registry and the built-in policies
 *
 * A device's memory is one memfd of its size, created when the device
 * initialises (never before its init tick), and mapped once as the
 * kernel's view of it (dview): frame f is the host page at dview + f *
 * page. Blocks that are not online are PROT_NONE in that view and hold no
 * host memory (their range of the memfd is punched out), so that kernel
 * code that reaches them faults instead of reading what is not there.
 *
 * A mapping's own memory (its system RAM) is a memfd of its size mapped
 * twice: the view that threads address and the kernel's view (kview) that
 * copies go through. Page i of a mapping in system RAM is page i of that
 * memfd; a page placed on a device is frame f of the device's memfd, and
 * page i of the mapping's memfd is punched out (no host memory). In the
 * view, page i is either page i of the mapping's memfd (VM_OWN, with the
 * protection in vprot) or, for a page on a coherent device, frame f of the
 * device's memfd (VM_DEV). A page that is not placed, is on a private
 * device, is lost, is a hole, or is selected for a migration is PROT_NONE
 * in the view, so that the CPU's access to it is a real fault.
 *
 * Invariants: a frame is used (rmap[f] != 0) only on a block that is
 * online for pages or going offline; nfree counts the free frames of the
 * blocks online for pages; frames_used in the stats is nused; page i of
 * mapping m is on frame f of device d iff pg[i].where == PG_DEV, pg[i].dev
 * == d and pg[i].frame == f, iff d->rmap[f] == m->idx + 1 and d->rpage[f]
 * == i (frames reserved by a migration's copy step are marked FR_RESERVED
 * and are not yet the page's); a view page maps a device's memfd only for
 * a page on a present, online block of a coherent device.
 */
#ifndef MS_MEM_DEVICE_PRIV_H
#define MS_MEM_DEVICE_PRIV_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/device.h>

#include "core/core.h"
#include "core/cost.h"
#include "platform/os.h"
#include "sched/sched.h"

#define DEV_ERR_MAX 160

struct ms__devices;

struct ddev {
	struct ms__devices *ds;
	ms_device_id id;
	char name[MS_DEVICE_NAME_MAX];
	enum ms_device_kind kind;
	enum ms_device_state state;
	uint64_t size;
	uint64_t block_size;
	uint64_t init_tick;
	uint64_t retry_ticks;
	uint64_t gone_tick;		/* when it was withdrawn */
	char memfd_name[48];
	uint32_t retries;
	uint32_t copy_bw, local_bw, remote_bw;
	uint32_t nblocks;
	uint32_t frames_per_block;
	uint32_t nframes;

	/* The memory, once the device has initialised. */
	int fd;				/* -1: none (before, and after withdrawal) */
	uint8_t *dview;			/* the kernel's view, nframes pages */
	unsigned region;		/* fault region over dview */
	uint8_t *bstate;		/* enum ms_block_state, per block */

	/* Frames: which page of which mapping each holds. */
	uint32_t *rmap;			/* mapping index + 1; 0: free */
	uint32_t *rpage;		/* page index in that mapping */
	uint8_t *fflags;		/* FR_* per frame */
	uint32_t nused;
	uint32_t npinned;
	uint32_t nfree;			/* free frames of blocks online for pages */
	uint32_t cursor;		/* next-fit start of the frame search */

	void *evict;			/* the eviction policy's state for it */

	struct ms_device_stats st;
};

#define FR_RESERVED 0x01		/* a migration's copy holds it */

/* Where a page of a mapping is. */
enum pg_where {
	PG_EMPTY = 0,			/* never placed: holds nothing */
	PG_RAM,				/* system RAM: page i of the memfd */
	PG_DEV,				/* frame `frame` of device `dev` */
	PG_LOST,			/* was on device `dev`, now withdrawn */
	PG_HOLE,			/* unmapped */
};

/* What the view maps at a page. */
enum { VM_OWN = 0, VM_DEV };

#define PGF_SELECTED 0x01		/* in a migration, between setup and finalize */
#define PGF_TOUCHED 0x02		/* the CPU touched it since setup */
#define PGF_COPIED 0x04			/* the copy step gave it a new place */

struct dpage {
	uint32_t frame;			/* PG_DEV: its frame */
	uint32_t hits;			/* accesses by device hit_dev since it
					 * last moved */
	uint16_t pin_short, pin_long;
	uint8_t where;			/* enum pg_where */
	uint8_t dev;			/* PG_DEV, PG_LOST */
	uint8_t perm;			/* MS_PERM_READ/WRITE */
	uint8_t flags;			/* PGF_* */
	uint8_t vmap;			/* VM_OWN, VM_DEV */
	uint8_t vprot;			/* host protection of the view page */
	uint8_t hit_dev;
	uint8_t mig_dev;		/* PGF_SELECTED: destination (or NONE8) */
	uint8_t vdev;			/* VM_DEV: the device it maps */
	uint32_t vframe;		/* VM_DEV: the frame it maps */
	uint32_t mig_frame;		/* PGF_COPIED to a device: its frame */
};

#define NONE8 0xffu			/* MS_DEVICE_NONE in a uint8_t */

/* A group's pages, for the accounting policies. */
struct dgrp {
	uint32_t id;
	uint64_t pages;			/* placed, anywhere */
	uint64_t ram;
	uint64_t dev[MS_DEVICE_MAX];
	bool limits_set;
	uint64_t page_limit, ram_limit, dev_limit;	/* pages; UINT64_MAX none */
	uint64_t refused;
};

struct dmap {
	uint32_t idx;			/* id - 1 */
	char name[MS_MAP_NAME_MAX];
	uint8_t *view;			/* what the threads address */
	uint8_t *kview;			/* the kernel's view of its memfd */
	int fd;
	uint32_t npages;
	uint32_t holes;
	struct dpage *pg;
	struct dgrp *grp;
	ms_device_id preferred;
	unsigned region;		/* fault region over the view */
};

/* An event recorded by the fault path, logged at the next chance (the
 * resolver runs in a signal handler and must not call out). */
struct devent {
	uint32_t type;
	ms_tid tid;
	uint64_t a, b;
};

/* A policy of one kind: the active one and its state. */
struct dpolicy {
	GPtrArray *ops;			/* registered, in order */
	const struct ms_device_policy_ops *act;
	void *state;			/* eviction: per device, in ddev.evict */
	struct ms_device_policy_params params;
};

struct ms__devices {
	struct ms_sim *sim;
	struct ms__os *os;
	size_t page;
	struct ddev *dev[MS_DEVICE_MAX];
	uint32_t ndev;
	struct ms__waitq retryq;	/* offline passes wait here (no one wakes it) */

	GPtrArray *maps;		/* struct dmap *, by index; NULL: gone */
	uint32_t nmaps;			/* live */
	GHashTable *groups;		/* id -> struct dgrp * */
	uint64_t ram_limit;		/* pages of system RAM for user pages */
	uint64_t ram_used;

	struct dpolicy pol[MS_DEVPOL__COUNT];

	GPtrArray *regions;		/* struct dregion *, live, in order */
	uint32_t nregions_made;		/* for their names */

	GPtrArray *migrations;		/* struct ms_migrate *, under way */

	/* Events of the fault path, not yet logged; room for four per page
	 * of every mapping: between two flushes each page faults at most once
	 * (a fault leaves it accessible until a kernel call moves it again,
	 * and every kernel call here flushes first), and a fault logs at most
	 * four events. */
	struct devent *pend;
	size_t npend, pend_cap, pend_lost;
	bool in_fault;			/* the resolver is running */
	char err[DEV_ERR_MAX];
};

static inline struct ms__devices *DEVS(const struct ms_sim *sim)
{
	return ms__sim_sub(sim, MS__SUB_DEVICE);
}

/* The device of an id, or NULL. */
static inline struct ddev *ms__dev_get(const struct ms__devices *ds,
				       ms_device_id id)
{
	return id < ds->ndev ? ds->dev[id] : NULL;
}

/* The block a frame lies in. */
static inline uint32_t ms__dev_block_of(const struct ddev *d, uint32_t f)
{
	return f / d->frames_per_block;
}

/* Whether a frame's block takes pages now. */
static inline bool ms__dev_frame_online(const struct ddev *d, uint32_t f)
{
	return d->bstate[ms__dev_block_of(d, f)] == MS_BLOCK_ONLINE;
}

/*
 * Enter the kernel for a device call: a NULL sim is -EINVAL, a user thread
 * is refused with -EPERM before anything is charged (these are supervisor
 * calls, as Zephyr's k_mem_map is); the host and supervisor threads enter
 * (a kernel entry, charged if a thread runs) and get the subsystem in *ds.
 * Returns 0, -EINVAL or -EPERM; pair 0 with ms__dev_leave.
 */
int ms__dev_enter(struct ms_sim *sim, struct ms__devices **ds);
void ms__dev_leave(struct ms_sim *sim);

static inline struct dmap *ms__map_get(const struct ms__devices *ds,
				       ms_map_id id)
{
	return id && id <= ds->maps->len ? g_ptr_array_index(ds->maps, id - 1) :
					   NULL;
}

/* An event: logged now, or kept for later inside the fault path. */
void ms__dev_event(struct ms__devices *ds, uint32_t type, uint64_t a,
		   uint64_t b);
/* Log the events the fault path kept. */
void ms__dev_flush(struct ms__devices *ds);

/* ---- device.c ---- */
/* The device, initialised now if its time has come; -ENOENT, -ENODEV. */
int ms__dev_ready(struct ms__devices *ds, ms_device_id dev, struct ddev **out);
/* Whether d can take a page now (present, frames online, free or one to
 * evict). */
bool ms__dev_can_take(const struct ddev *d);

/* Open block b's range of the kernel's view for use; close it (and give
 * its host memory back). */
int ms__dev_block_open(struct ddev *d, uint32_t b);
void ms__dev_block_close(struct ddev *d, uint32_t b);

/* ---- region.c ---- */

/* A heap region: blocks [first, first + n) of d, online for the kernel. */
struct dregion {
	struct ddev *d;
	uint32_t first, n;
	unsigned attr;
	bool going;			/* an offline is waiting for it to empty */
	struct ms_heap *heap;
};

/* For an offline of [first, end) of d: -EINVAL if it covers part of a
 * region only. */
int ms__regions_check(struct ms__devices *ds, const struct ddev *d,
		      uint32_t first, uint32_t end);
/* Mark the regions inside [first, end) going (no allocation from them) or
 * not; how many allocations live on them. */
uint32_t ms__regions_going(struct ms__devices *ds, const struct ddev *d,
			   uint32_t first, uint32_t end, bool going);
/* The regions inside [first, end) leave: heaps removed, blocks offline;
 * returns the blocks offlined. */
uint32_t ms__regions_remove(struct ms__devices *ds, struct ddev *d,
			    uint32_t first, uint32_t end);
/* d was withdrawn: its regions are lost with what lived on them. */
void ms__regions_lose(struct ms__devices *ds, struct ddev *d);
void ms__regions_fini(struct ms__devices *ds);

/* ---- map.c ---- */
struct dgrp *ms__grp_get(struct ms__devices *ds, uint32_t id);
/* Pages [first, first + n) of m (NULL: -EINVAL) for a page-aligned byte
 * range; -EINVAL if it is not one inside m. */
int ms__map_pages(const struct ms__devices *ds, const struct dmap *m,
		  uint64_t off, uint64_t len, uint32_t *first, uint32_t *n);
void ms__maps_fini(struct ms__devices *ds);
/* The page was lost with its device: make its view fault, drop its pins. */
void ms__page_lose(struct ms__devices *ds, struct dmap *m, uint32_t i);

/* ---- migrate.c ---- */

/*
 * Host work on a mapping's view and memfd, batched: runs of neighbouring
 * pages that need the same change are done in one call. Flush before the
 * state it describes is relied on (the end of every operation).
 */
struct hostq {
	struct ms__devices *ds;
	struct dmap *m;
	/* the pending view change: pages [vfirst, vfirst + vn) get vprot,
	 * mapped from their own memfd (vdev NONE8) or from device vdev's
	 * memfd from frame vframe on */
	uint32_t vfirst, vn, vframe;
	uint8_t vprot, vdev;
	bool vremap;			/* a new mapping, not an mprotect */
	/* the pending punch: pages [pfirst, pfirst + pn) of the memfd */
	uint32_t pfirst, pn;
	int err;
};

void ms__hostq_init(struct hostq *q, struct ms__devices *ds);
void ms__hostq_flush(struct hostq *q);
/* Page i of m's view: protection prot from its own memfd, or (dev !=
 * NONE8) mapped from frame of device dev. */
void ms__hostq_view(struct hostq *q, struct dmap *m, uint32_t i, uint8_t prot,
		    uint8_t dev, uint32_t frame);
void ms__hostq_punch(struct hostq *q, struct dmap *m, uint32_t i);
/* Set page i's view to what its place and rights call for. */
void ms__view_sync(struct hostq *q, struct dmap *m, uint32_t i);

/* Why a move was refused, for counters and fault details. */
enum move_err {
	MOVE_OK = 0,
	MOVE_PINNED,			/* -EBUSY */
	MOVE_BUSY,			/* in a migration: -EBUSY */
	MOVE_NOFRAME,			/* device full, nothing to evict: -ENOMEM */
	MOVE_NORAM,			/* system RAM full: -ENOMEM */
	MOVE_QUOTA,			/* the accounting policy: -EDQUOT */
	MOVE_GONE,			/* the device is not there: -ENODEV */
};
int ms__move_errno(enum move_err e);
const char *ms__move_text(enum move_err e);

/* Move page i of m to `to` (MS_DEVICE_NONE: system RAM) now. */
enum move_err ms__page_move(struct hostq *q, struct dmap *m, uint32_t i,
			    ms_device_id to);
/* Place page i of m (PG_EMPTY) for its first touch by toucher. */
enum move_err ms__page_place(struct hostq *q, struct dmap *m, uint32_t i,
			     ms_device_id toucher);
/* Free page i's place (it is being unmapped). */
void ms__page_release(struct hostq *q, struct dmap *m, uint32_t i);
/* A device access reached page i on frame f of d: the eviction policy
 * hears of it. */
void ms__page_accessed(struct ddev *d, uint32_t f);
/* Pages of m that a thread's migration has selected are let go. */
void ms__migrations_thread_gone(struct ms__devices *ds, ms_tid tid);
void ms__migrations_fini(struct ms__devices *ds);
/* A frame of d left by whatever held it. */
void ms__frame_free(struct ddev *d, uint32_t f);

/* ---- policy.c ---- */
int ms__policies_init(struct ms__devices *ds);
void ms__policies_fini(struct ms__devices *ds);
/* Start (or restart) d's eviction state, with the pages it holds. */
int ms__evict_attach(struct ms__devices *ds, struct ddev *d);
void ms__evict_detach(struct ms__devices *ds, struct ddev *d);

#endif
