/* SPDX-License-Identifier: MIT */
/*
 * Architecture models: which partitions the simulated protection hardware
 * can express, how many a domain gets, and what switching to a user thread
 * reprograms.
 *
 *  - MS_ARCH_ARMV7M: a region is 2^n bytes (n >= 5) at a base aligned to
 *    its size. Of the mpu_regions (8 or 16), two are static (the program's
 *    code, that user threads execute, and the kernel's RAM) and two belong
 *    to the running thread (its stack, and the guard region below it, which
 *    must be a region of its own because ARMv7-M has no stack limit
 *    register). A domain gets the rest: 4 of 8, 12 of 16.
 *  - MS_ARCH_ARMV8M: a region is any run of 32-byte granules (the base and
 *    the limit registers hold bits 31:5). The stack guard is the PSPLIM
 *    stack-limit register, not a region: a domain gets mpu_regions - 3
 *    (5 of 8, 13 of 16).
 *  - MS_ARCH_MMU: a partition is whole 4 KiB pages; page tables have no
 *    region limit, so the limit is a configuration (mmu_max_partitions).
 *
 * The ARM MPUs have one execute-never bit per region, for both privilege
 * levels, so user and supervisor must agree on execute there.
 *
 * Invariant: the model state (prog_*) is what the simulated MPU holds after
 * the last switch to a user thread; supervisor code runs on the privileged
 * default map and leaves it alone, so returning to the same user domain
 * costs nothing. Everything here is simulated: it depends on the sim's
 * configuration and history only, never on the host.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/cost.h"
#include "mem/domain/domain_priv.h"
#include "sched/sched.h"

#define ARM_STATIC_REGIONS 2
#define ARM_MIN_REGION 32u
#define MAX_MMU_PARTITIONS 4096u

unsigned ms__model_max_partitions(const struct ms_config *cfg)
{
	switch (cfg->arch) {
	case MS_ARCH_ARMV7M:
		/* static regions, the thread's stack and its guard */
		return cfg->mpu_regions - ARM_STATIC_REGIONS - 2;
	case MS_ARCH_ARMV8M:
		/* static regions and the thread's stack (PSPLIM guards it) */
		return cfg->mpu_regions - ARM_STATIC_REGIONS - 1;
	case MS_ARCH_MMU:
		if (cfg->mmu_max_partitions > MAX_MMU_PARTITIONS)
			return 0;
		return cfg->mmu_max_partitions;
	}
	return 0;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int rights_check(struct ms__domains *ds, const struct ms_partition *p)
{
	const unsigned all = MS_PERM_READ | MS_PERM_WRITE | MS_PERM_EXEC;
	char u[4], s[4];

	if ((p->user & ~all) || (p->supervisor & ~all)) {
		ms__dom_error(ds, "unknown access bits (user %#x, supervisor %#x)",
			      p->user, p->supervisor);
		return -EINVAL;
	}
	ms__perm_text(p->user, u);
	ms__perm_text(p->supervisor, s);
	if (p->user && !(p->user & MS_PERM_READ)) {
		ms__dom_error(ds, "user access %s without read cannot be expressed",
			      u);
		return -EINVAL;
	}
	if (p->supervisor && !(p->supervisor & MS_PERM_READ)) {
		ms__dom_error(ds, "supervisor access %s without read cannot be expressed",
			      s);
		return -EINVAL;
	}
	if (p->user & ~p->supervisor) {
		ms__dom_error(ds, "user access %s exceeds supervisor access %s",
			      u, s);
		return -EINVAL;
	}
	if (!ds->allow_wx && (((p->user | p->supervisor) & (MS_PERM_WRITE |
	    MS_PERM_EXEC)) == (MS_PERM_WRITE | MS_PERM_EXEC))) {
		ms__dom_error(ds, "writable and executable (user %s, supervisor %s): W^X forbids it",
			      u, s);
		return -EINVAL;
	}
	if (ds->arch != MS_ARCH_MMU && p->user &&
	    ((p->user ^ p->supervisor) & MS_PERM_EXEC)) {
		ms__dom_error(ds, "user %s and supervisor %s disagree on execute: an ARM MPU region has one execute-never bit",
			      u, s);
		return -EINVAL;
	}
	return 0;
}

static int geometry_check(struct ms__domains *ds, const struct ms_partition *p)
{
	switch (ds->arch) {
	case MS_ARCH_ARMV7M:
		if (p->size < ARM_MIN_REGION) {
			ms__dom_error(ds, "size %" PRIu64 " is below the 32-byte minimum of an ARMv7-M region",
				      p->size);
			return -EINVAL;
		}
		if (!is_pow2(p->size)) {
			ms__dom_error(ds, "size %" PRIu64 " is not a power of two (ARMv7-M regions are 2^n bytes)",
				      p->size);
			return -EINVAL;
		}
		if (p->start & (p->size - 1)) {
			ms__dom_error(ds, "start %#" PRIx64 " is not aligned to the size %#" PRIx64 " (ARMv7-M)",
				      p->start, p->size);
			return -EINVAL;
		}
		return 0;
	case MS_ARCH_ARMV8M:
		if (p->start % ARM_MIN_REGION) {
			ms__dom_error(ds, "start %#" PRIx64 " is not on a 32-byte boundary (ARMv8-M base register)",
				      p->start);
			return -EINVAL;
		}
		if (p->size % ARM_MIN_REGION) {
			ms__dom_error(ds, "size %" PRIu64 " is not a multiple of 32 bytes (ARMv8-M limit register)",
				      p->size);
			return -EINVAL;
		}
		return 0;
	case MS_ARCH_MMU:
		if (p->start % DOM_MMU_PAGE) {
			ms__dom_error(ds, "start %#" PRIx64 " is not on a 4096-byte page boundary (MMU)",
				      p->start);
			return -EINVAL;
		}
		if (p->size % DOM_MMU_PAGE) {
			ms__dom_error(ds, "size %" PRIu64 " is not a whole number of 4096-byte pages (MMU)",
				      p->size);
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

int ms__model_check(struct ms__domains *ds, const struct dom *d,
		    const struct ms_partition *p)
{
	int ret;

	if (!p) {
		ms__dom_error(ds, "no partition (NULL)");
		return -EINVAL;
	}
	if (!p->size) {
		ms__dom_error(ds, "zero size");
		return -EINVAL;
	}
	if (p->start + p->size < p->start) {
		ms__dom_error(ds, "start %#" PRIx64 " + size %#" PRIx64 " wraps around",
			      p->start, p->size);
		return -EINVAL;
	}
	if (p->start + p->size > ds->size) {
		ms__dom_error(ds, "[%#" PRIx64 ", %#" PRIx64 ") leaves the arena (%#zx bytes)",
			      p->start, p->start + p->size, ds->size);
		return -EINVAL;
	}
	ret = rights_check(ds, p);
	if (ret)
		return ret;
	ret = geometry_check(ds, p);
	if (ret)
		return ret;
	for (unsigned i = 0; d && i < ds->max_parts; i++) {
		const struct dom_part *q = &d->parts[i];

		if (!q->size)
			continue;
		if (p->start < q->start + q->size && q->start < p->start + p->size) {
			ms__dom_error(ds, "[%#" PRIx64 ", %#" PRIx64 ") overlaps partition '%s' [%#" PRIx64 ", %#" PRIx64 ") of domain '%s'",
				      p->start, p->start + p->size, q->name,
				      q->start, q->start + q->size, d->name);
			return -EINVAL;
		}
	}
	return 0;
}

static unsigned stack_regions(const struct ms__domains *ds,
			      const struct ms_thread *t)
{
	bool guard = ms_sim_config(ds->sim)->guard_pages &&
		     !(ms__thread_options(t) & MS_THREAD_NO_GUARD);

	if (ds->arch == MS_ARCH_ARMV7M)
		return guard ? 2 : 1;
	return 1;
}

static bool slot_same(const struct dom_part *a, const struct dom_part *b)
{
	if (!a->size && !b->size)
		return true;
	return a->start == b->start && a->size == b->size &&
	       a->user == b->user && a->sup == b->sup;
}

unsigned ms__model_switch(struct ms__domains *ds, struct ms_thread *t,
			  const struct dom *d)
{
	unsigned n = 0;
	bool other = ds->prog_dom != d;
	uint64_t ticks;

	if (ds->arch == MS_ARCH_MMU) {
		/* One page-table base write per address-space change. */
		if (other || ds->prog_gen != d->gen)
			n = 1;
	} else {
		if (ds->prog_stack != ms__thread_tid(t)) {
			n += stack_regions(ds, t);
			ds->prog_stack = ms__thread_tid(t);
		}
		if (other || ds->prog_gen != d->gen) {
			for (unsigned i = 0; i < ds->max_parts; i++) {
				if (slot_same(&ds->prog[i], &d->parts[i]))
					continue;
				ds->prog[i] = d->parts[i];
				n++;
			}
		}
	}
	if (other) {
		ms__event(ds->sim, MS_EV_DOMAIN_SWITCH, ms__thread_tid(t),
			  ds->prog_dom ? ds->prog_dom->id : MS_DOMAIN_NONE,
			  d->id);
		ds->stats.domain_switches++;
	}
	ds->prog_dom = d;
	ds->prog_gen = d->gen;
	ticks = (uint64_t)n * MS__COST_MPU_REGION;
	if (ticks)
		ms__clock_advance(ds->sim, ticks);
	ds->stats.regions_programmed += n;
	ds->stats.mpu_ticks += ticks;
	return n;
}

void ms__model_forget(struct ms__domains *ds, const struct dom *d)
{
	if (ds->prog_dom == d)
		ds->prog_dom = NULL;
}

const char *ms_arch_name(enum ms_arch arch)
{
	switch (arch) {
	case MS_ARCH_MMU: return "mmu";
	case MS_ARCH_ARMV7M: return "armv7m";
	case MS_ARCH_ARMV8M: return "armv8m";
	}
	return "?";
}

int ms_arch_lookup(const char *name, enum ms_arch *out)
{
	static const enum ms_arch all[] = {
		MS_ARCH_MMU, MS_ARCH_ARMV7M, MS_ARCH_ARMV8M,
	};

	if (!name || !out)
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
		if (!strcmp(name, ms_arch_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}
