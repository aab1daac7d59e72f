/* SPDX-License-Identifier: MIT */
/*
 * Exclusive page ownership (XPFO) on the kernel's direct map.
 *
 * What it models: the arena is simulated physical memory, a memfd mapped
 * twice: the user mapping (enforce.c) and the kernel's direct map, the
 * alias through which kernel code reaches any page frame. A frame belongs
 * to user space while at least one user-accessible partition of some
 * domain covers it (user_refs[frame] > 0), and to the kernel otherwise.
 * With ownership enforced, a frame that goes to user space is unmapped from
 * the direct map (PROT_NONE on its alias page) and mapped back when it
 * returns, so kernel code that follows a pointer into the direct map at
 * user-written data faults instead of trusting it (the ret2dir defence).
 *
 * Invariant: with ownership on, a direct-map page is PROT_NONE iff
 * user_refs of its frame is non-zero; with it off, every direct-map page is
 * read-write. Each change of a frame's direct-map presence is a transfer:
 * counted, charged MS__COST_XPFO_TRANSFER ticks, logged as an event.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/cost.h"
#include "fault/fault.h"
#include "mem/domain/domain_priv.h"
#include "sched/sched.h"

static int kmap_protect(struct ms__domains *ds, uint32_t first, uint32_t n,
			unsigned prot)
{
	uint8_t *a = ds->kmap + (size_t)first * ds->page;
	size_t len = (size_t)n * ds->page;
	int ret = ms__os_protect(NULL, a, len, prot);

	ds->stats.xpfo_protect_calls++;
	if (!ret && prot == MS__PROT_NONE)
		ms__os_vg_addressable(a, len);
	if (ret)
		ms__log_warn("xpfo: mprotect of the direct map failed (%d)", ret);
	return ret;
}

/* Frames [first, first + n) leave (to_user) or rejoin the direct map. */
static void transfer(struct ms__domains *ds, uint32_t first, uint32_t n,
		     bool to_user)
{
	struct ms_thread *t = ms__current(ds->sim);
	uint64_t ticks = (uint64_t)n * MS__COST_XPFO_TRANSFER;

	if (!n)
		return;
	kmap_protect(ds, first, n, to_user ? MS__PROT_NONE : MS__PROT_RW);
	for (uint32_t p = first; p < first + n; p++)
		ms__event(ds->sim, MS_EV_XPFO_TRANSFER,
			  t ? ms__thread_tid(t) : MS_TID_NONE, p, to_user);
	ds->stats.xpfo_transfers += n;
	ds->stats.xpfo_ticks += ticks;
	ms__clock_advance(ds->sim, ticks);
}

void ms__xpfo_account(struct ms__domains *ds, uint64_t start, uint64_t size,
		      int delta)
{
	uint32_t first = (uint32_t)(start / ds->page);
	uint32_t last = (uint32_t)((start + size - 1) / ds->page);
	uint32_t run = 0, run_first = first;

	/* Frames that change owner, in runs of neighbours: one mprotect each. */
	for (uint32_t p = first; p <= last; p++) {
		bool changes;

		if (delta > 0) {
			changes = ds->user_refs[p]++ == 0;
			if (changes)
				ds->stats.user_frames++;
		} else {
			changes = --ds->user_refs[p] == 0;
			if (changes)
				ds->stats.user_frames--;
		}
		if (changes && ds->xpfo) {
			if (!run)
				run_first = p;
			run++;
			continue;
		}
		transfer(ds, run_first, run, delta > 0);
		run = 0;
	}
	transfer(ds, run_first, run, delta > 0);
}

static enum ms__fault_verdict kmap_resolve(struct ms_sim *sim, void *ctx,
					   uintptr_t addr,
					   enum ms_access access,
					   struct ms_thread *t,
					   struct ms_fault *f)
{
	struct ms__domains *ds = ctx;
	uint64_t off = addr - (uintptr_t)ds->kmap;
	uint32_t p = (uint32_t)(off / ds->page);

	if (!t || !ds->xpfo || !ds->user_refs[p])
		return MS__FAULT_NOT_MINE;
	f->kind = MS_FAULT_XPFO;
	f->reason = MS_ERR_CPU_EXCEPTION;
	f->offset = off;
	snprintf(f->object, sizeof(f->object), "directmap:frame %" PRIu32, p);
	snprintf(f->detail, sizeof(f->detail),
		 "kernel %s of page frame %" PRIu32 " through the direct map while user space owns it (for thread %s)",
		 ms_access_name(access), p, ms__thread_name(t));
	ds->stats.xpfo_violations++;
	return MS__FAULT_KILL;
}

int ms__xpfo_init(struct ms__domains *ds)
{
	ds->user_refs = g_new0(uint32_t, ds->npages);
	return ms__fault_region_add(ds->sim, (uintptr_t)ds->kmap, ds->size,
				    kmap_resolve, ds, &ds->region_kmap);
}

void ms__xpfo_fini(struct ms__domains *ds)
{
	if (ds->region_kmap)
		ms__fault_region_remove(ds->sim, ds->region_kmap);
	g_free(ds->user_refs);
}

/* ---- public ------------------------------------------------------------- */

int ms_xpfo_enable(struct ms_sim *sim, bool on)
{
	struct ms__domains *ds = DS(sim);
	struct ms_thread *t = ms__current(sim);
	uint32_t run = 0, run_first = 0;

	if (ms__caller_is_user(sim))
		ms__oops(sim, -EPERM, "ms_xpfo_enable: for supervisor threads only");
	if (t)
		ms__kernel_enter(sim, MS__COST_OBJ);
	ds->err[0] = '\0';
	if (ds->xpfo == on)
		goto out;
	ds->xpfo = on;
	for (uint32_t p = 0; p < ds->npages; p++) {
		if (ds->user_refs[p]) {
			if (!run)
				run_first = p;
			run++;
			continue;
		}
		transfer(ds, run_first, run, on);
		run = 0;
	}
	transfer(ds, run_first, run, on);
out:
	ds->stats.xpfo = ds->xpfo;
	if (t)
		ms__kernel_exit(sim);
	return 0;
}

bool ms_xpfo_enabled(const struct ms_sim *sim)
{
	return DS(sim)->xpfo;
}

bool ms_xpfo_user_owned(const struct ms_sim *sim, uint64_t offset)
{
	const struct ms__domains *ds = DS(sim);

	if (offset >= ds->size)
		return false;
	return ds->user_refs[offset / ds->page] != 0;
}

struct kread {
	const struct ms__domains *ds;
	uint64_t off;
	void *buf;
	size_t len;
};

/* The bug on purpose: the kernel follows a direct-map address to a frame
 * without asking whose it is. */
static __attribute__((noinline)) int ms__deliberate_kernel_read(struct ms_sim *sim,
								 void *arg)
{
	struct kread *r = arg;

	memcpy(r->buf, r->ds->kmap + r->off, r->len);
	return 0;
}

int ms_xpfo_kernel_read(struct ms_sim *sim, uint64_t offset, void *buf,
			size_t len)
{
	struct ms__domains *ds = DS(sim);
	struct kread r = { ds, offset, buf, len };

	if (!ms__current(sim))
		return -EPERM;
	if ((!buf && len) || !ms__arena_range(ds, offset, len))
		return -EINVAL;
	ms__kernel_enter(sim, MS__COST_SYSCALL +
			 MS__COST_COPY_PER_64B * (uint32_t)((len + 63) / 64));
	ms__call_privileged(sim, ms__deliberate_kernel_read, &r);
	ms__kernel_exit(sim);
	return 0;
}
