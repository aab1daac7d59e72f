/* SPDX-License-Identifier: MIT */
/*
 * Fault attribution for pool memory.
 *
 * What it models: the MPU/MMU fault a write to post-init read-only memory
 * raises, reported as the kernel would want it read: which pool, which
 * page, which offset, which thread. Each pool registers its view (meta
 * pages and every data slot) as one fault region, and a gated alias as a
 * second one; the resolver reads the pool's sealed page table (reading is
 * always allowed) and fills the fault record.
 *
 * Invariant: the resolvers run inside the signal handler: they allocate
 * nothing and only read the pool; they never let an access retry (a pool
 * page is either accessible or the access is a violation).
 */
#include <stdio.h>

#include "fault/fault.h"
#include "mem/pool/pool_priv.h"
#include "sched/sched.h"

static const char *prot_text(unsigned prot)
{
	switch (prot & MS__PROT_RW) {
	case MS__PROT_NONE:
		return "inaccessible";
	case MS__PROT_READ:
		return "read-only";
	default:
		return "read-write";
	}
}

/* Not an exec, and on a readable page: it can only have been a write
 * (also where the CPU does not say which access it was). */
static bool was_write(enum ms_access access)
{
	return access == MS_ACCESS_WRITE || access == MS_ACCESS_UNKNOWN;
}

static enum ms__fault_verdict fill(const struct ms_pool *p, uintptr_t rel,
				   bool through_alias, enum ms_access access,
				   struct ms_thread *t, struct ms_fault *f)
{
	const char *who = ms__thread_name(t);
	const char *what = ms_access_name(access);
	const char *via = through_alias ? " through the closed rare-write alias" :
					  "";
	const struct pool_page *e;
	uint32_t i;

	snprintf(f->object, sizeof(f->object), "pool:%s", p->name);
	f->reason = MS_ERR_CPU_EXCEPTION;
	if (rel < p->meta_len) {
		f->offset = rel;
		f->kind = was_write(access) ? MS_FAULT_SEALED_WRITE :
					      MS_FAULT_CPU;
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s: %s of the pool's sealed bookkeeping%s at offset %#zx",
			 who, what, via, (size_t)rel);
		return MS__FAULT_KILL;
	}
	i = (uint32_t)((rel - p->meta_len) / p->page);
	f->offset = (rel - p->meta_len) % p->page;
	e = pool_entry(p, i);
	if (e->state == MS_POOL_PAGE_SEALED && was_write(access)) {
		f->kind = MS_FAULT_SEALED_WRITE;
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s wrote sealed page %u%s at offset %#zx",
			 who, i, via, (size_t)f->offset);
	} else if (e->state == MS_POOL_PAGE_NONE) {
		f->kind = MS_FAULT_CPU;
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s: %s of page %u, which holds no memory (never taken, or returned)",
			 who, what, i);
	} else if (through_alias) {
		f->kind = was_write(access) ? MS_FAULT_SEALED_WRITE :
					      MS_FAULT_CPU;
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s: %s of page %u%s at offset %#zx", who,
			 what, i, via, (size_t)f->offset);
	} else {
		f->kind = MS_FAULT_CPU;
		snprintf(f->detail, sizeof(f->detail),
			 "thread %s: %s of page %u, %s (ms_pool_protect), at offset %#zx",
			 who, what, i, prot_text(e->prot), (size_t)f->offset);
	}
	return MS__FAULT_KILL;
}

static enum ms__fault_verdict view_resolve(struct ms_sim *sim, void *ctx,
					   uintptr_t addr,
					   enum ms_access access,
					   struct ms_thread *t,
					   struct ms_fault *f)
{
	const struct ms_pool *p = ctx;

	/* The host context has no thread to kill: the core's panic. */
	if (!t)
		return MS__FAULT_NOT_MINE;
	return fill(p, addr - (uintptr_t)p->view, false, access, t, f);
}

static enum ms__fault_verdict alias_resolve(struct ms_sim *sim, void *ctx,
					    uintptr_t addr,
					    enum ms_access access,
					    struct ms_thread *t,
					    struct ms_fault *f)
{
	const struct ms_pool *p = ctx;

	if (!t)
		return MS__FAULT_NOT_MINE;
	return fill(p, addr - (uintptr_t)p->alias, true, access, t, f);
}

int ms__pool_fault_regions_add(struct ms_pool *p, struct ms_pool *w)
{
	int ret;

	ret = ms__fault_region_add(p->sim, (uintptr_t)p->view, p->total_len,
				   view_resolve, p, &w->region);
	if (ret)
		return ret;
	if (p->mode != MS_POOL_RARE_GATE)
		return 0;
	ret = ms__fault_region_add(p->sim, (uintptr_t)p->alias, p->total_len,
				   alias_resolve, p, &w->alias_region);
	if (ret) {
		ms__fault_region_remove(p->sim, w->region);
		w->region = 0;
	}
	return ret;
}

void ms__pool_fault_regions_remove(struct ms_sim *sim, unsigned region,
				   unsigned alias_region)
{
	if (region)
		ms__fault_region_remove(sim, region);
	if (alias_region)
		ms__fault_region_remove(sim, alias_region);
}
