/* SPDX-License-Identifier: MIT */
/*
 * Memory domains: the subsystem and the k_mem_domain_* calls.
 *
 * What it models: Zephyr's memory domains. A domain is a fixed set of
 * partition slots (as many as the architecture model allows; a free slot
 * has size 0 and an addition takes the first free one); every thread
 * belongs to exactly one domain, kept in its per-thread slot; a new thread
 * joins its parent's domain, a thread the host creates joins the default
 * domain. Calls are validated first and act only if everything holds, so a
 * refused call changes nothing (and says why in ms_domain_last_error()).
 *
 * Invariants: members counts the threads whose slot points at the domain;
 * gen changes whenever the domain's partitions do, and every cached view
 * (the applied view, the programmed MPU) is compared by (domain, gen); a
 * destroyed domain is forgotten by every cache before it is freed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cost.h"
#include "fault/fault.h"
#include "mem/domain/domain.h"
#include "mem/domain/domain_priv.h"
#include "sched/sched.h"

/* ---- helpers -------------------------------------------------------------- */

void ms__dom_error(struct ms__domains *ds, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ds->err, sizeof(ds->err), fmt, ap);
	va_end(ap);
}

struct dom *ms__dom_get(const struct ms__domains *ds, ms_domain_id id)
{
	return g_hash_table_lookup(ds->by_id, GUINT_TO_POINTER(id));
}

struct dom *ms__dom_of_thread(const struct ms__domains *ds,
			      const struct ms_thread *t)
{
	struct dom_thread *dt = ms__thread_sub(t, MS__SUB_DOMAIN);

	return dt ? dt->dom : ds->dflt;
}

const struct dom_part *ms__dom_find(const struct dom *d, uint64_t off)
{
	if (!d)
		return NULL;
	for (unsigned i = 0; i < d->nslots; i++) {
		const struct dom_part *q = &d->parts[i];

		if (q->size && off >= q->start && off - q->start < q->size)
			return q;
	}
	return NULL;
}

void ms__perm_text(unsigned perm, char out[4])
{
	out[0] = (perm & MS_PERM_READ) ? 'r' : '-';
	out[1] = (perm & MS_PERM_WRITE) ? 'w' : '-';
	out[2] = (perm & MS_PERM_EXEC) ? 'x' : '-';
	out[3] = '\0';
}

static struct dom *dom_alloc(struct ms__domains *ds, const char *name,
			     ms_domain_id id)
{
	struct dom *d = g_malloc0(sizeof(*d) +
				  ds->max_parts * sizeof(struct dom_part));

	d->id = id;
	d->nslots = ds->max_parts;
	d->gen = ++ds->gen_seq;
	if (name)
		snprintf(d->name, sizeof(d->name), "%s", name);
	else
		snprintf(d->name, sizeof(d->name), "domain-%" PRIu32, id);
	return d;
}

static void slot_set(struct dom *d, unsigned i, const struct ms_partition *p)
{
	struct dom_part *q = &d->parts[i];

	q->start = p->start;
	q->size = p->size;
	q->user = (uint8_t)p->user;
	q->sup = (uint8_t)p->supervisor;
	if (p->name && p->name[0])
		snprintf(q->name, sizeof(q->name), "%s", p->name);
	else
		snprintf(q->name, sizeof(q->name), "%#" PRIx64 "+%#" PRIx64,
			 p->start, p->size);
	d->nparts++;
}

/* Domain calls are kernel calls: a user thread has no business making
 * them (in Zephyr they are not system calls, and a user thread touching
 * the kernel's domain structures faults). */
static void supervisor_only(struct ms_sim *sim, const char *what)
{
	if (ms__caller_is_user(sim))
		ms__oops(sim, -EPERM,
			 "%s: memory domain calls are for supervisor threads",
			 what);
}

static void enter(struct ms_sim *sim, uint32_t cost)
{
	if (ms__current(sim))
		ms__kernel_enter(sim, cost);
}

static void leave(struct ms_sim *sim)
{
	if (ms__current(sim))
		ms__kernel_exit(sim);
}

static void account_user_parts(struct ms__domains *ds, const struct dom *d,
			       int delta)
{
	for (unsigned i = 0; i < d->nslots; i++) {
		const struct dom_part *q = &d->parts[i];

		if (q->size && q->user)
			ms__xpfo_account(ds, q->start, q->size, delta);
	}
}

/* The running thread's domain changed: what it may reach changes now. */
static void reapply_current(struct ms__domains *ds)
{
	struct ms_thread *t = ms__current(ds->sim);

	if (!t || !ms__thread_is_user(t))
		return;
	ms__model_switch(ds, t, ms__dom_of_thread(ds, t));
	ms__arena_apply(ds, t);
}

/* ---- the subsystem ------------------------------------------------------- */

static void domains_free(struct ms__domains *ds)
{
	GHashTableIter it;
	gpointer v;

	if (ds->by_id) {
		g_hash_table_iter_init(&it, ds->by_id);
		while (g_hash_table_iter_next(&it, NULL, &v))
			g_free(v);
		g_hash_table_destroy(ds->by_id);
	}
	ms__xpfo_fini(ds);
	ms__arena_fini(ds);
	g_free(ds->prog);
	g_free(ds);
}

static int domain_init(struct ms_sim *sim)
{
	const struct ms_config *cfg = ms_sim_config(sim);
	struct ms__domains *ds;
	int ret;

	ds = g_new0(struct ms__domains, 1);
	ds->sim = sim;
	ds->os = ms__sim_os(sim);
	ds->arch = cfg->arch;
	ds->fd = -1;
	ds->max_parts = ms__model_max_partitions(cfg);
	ds->by_id = g_hash_table_new(NULL, NULL);
	ds->prog_stack = MS_TID_NONE;
	ds->policy = MS_DOMAIN_WORKING_SET;
	if (!ds->max_parts) {
		ret = -EINVAL;
		goto fail;
	}
	ds->prog = g_new0(struct dom_part, ds->max_parts);
	/* Before anything can fault or trap: the handlers find us here. */
	ms__sim_sub_set(sim, MS__SUB_DOMAIN, ds);
	ret = ms__arena_init(ds);
	if (ret)
		goto fail;
	ret = ms__xpfo_init(ds);
	if (ret)
		goto fail;
	ds->dflt = dom_alloc(ds, "default", MS_DOMAIN_DEFAULT);
	g_hash_table_insert(ds->by_id, GUINT_TO_POINTER(MS_DOMAIN_DEFAULT),
			    ds->dflt);
	ds->next_id = MS_DOMAIN_DEFAULT + 1;
	ds->stats.max_partitions = ds->max_parts;
	return 0;
fail:
	ms__sim_sub_set(sim, MS__SUB_DOMAIN, NULL);
	domains_free(ds);
	return ret;
}

static void domain_fini(struct ms_sim *sim)
{
	struct ms__domains *ds = DS(sim);

	if (!ds)
		return;
	ms__arena_step_abort(ds);
	ms__sim_sub_set(sim, MS__SUB_DOMAIN, NULL);
	domains_free(ds);
}

static int domain_thread_new(struct ms_sim *sim, struct ms_thread *parent,
			     struct ms_thread *child)
{
	struct ms__domains *ds = DS(sim);
	struct dom_thread *dt = g_new0(struct dom_thread, 1);

	dt->dom = parent ? ms__dom_of_thread(ds, parent) : ds->dflt;
	dt->dom->members++;
	ms__thread_sub_set(child, MS__SUB_DOMAIN, dt);
	return 0;
}

static void domain_thread_gone(struct ms_sim *sim, struct ms_thread *t)
{
	struct ms__domains *ds = DS(sim);
	struct dom_thread *dt = ms__thread_sub(t, MS__SUB_DOMAIN);

	if (dt) {
		dt->dom->members--;
		g_free(dt);
		ms__thread_sub_set(t, MS__SUB_DOMAIN, NULL);
	}
	/*
	 * The host is back without a switch (a fault left the thread for the
	 * run loop, or the sim is being torn down) while the dead thread's
	 * view is still applied: host code must find the arena open.
	 */
	if (!ms__current(sim))
		ms__arena_apply(ds, NULL);
}

static void domain_on_switch(struct ms_sim *sim, struct ms_thread *prev,
			     struct ms_thread *next)
{
	struct ms__domains *ds = DS(sim);

	/* prev is not trusted: a fault may have left a thread without a
	 * switch. What is applied is ours to know. */
	(void)prev;
	if (next && ms__thread_is_user(next))
		ms__model_switch(ds, next, ms__dom_of_thread(ds, next));
	ms__arena_apply(ds, next);
}

static void domain_user_mode(struct ms_sim *sim, struct ms_thread *t)
{
	reapply_current(DS(sim));
}

const struct ms__subsys ms__domain_subsys = {
	.name = "domain",
	.init = domain_init,
	.fini = domain_fini,
	.thread_new = domain_thread_new,
	.thread_gone = domain_thread_gone,
	.on_switch = domain_on_switch,
	.user_mode = domain_user_mode,
};

/* ---- the syscall boundary's check ---------------------------------------- */

bool ms__domain_user_access_ok(struct ms_sim *sim, struct ms_thread *t,
			       uintptr_t addr, size_t len, bool write)
{
	const struct ms__domains *ds = DS(sim);
	unsigned need = write ? MS_PERM_WRITE : MS_PERM_READ;
	const struct dom *d;
	uint64_t off, end;

	if (!ds || !t || addr < (uintptr_t)ds->user)
		return false;
	off = addr - (uintptr_t)ds->user;
	if (!ms__arena_range(ds, off, len))
		return false;
	if (!ms__thread_is_user(t))
		return true;
	d = ms__dom_of_thread(ds, t);
	/* Partitions of a domain do not overlap: walk the ones the range
	 * crosses, each must give the right. */
	for (end = off + len; off < end;) {
		const struct dom_part *q = ms__dom_find(d, off);

		if (!q || !(q->user & need))
			return false;
		off = q->start + q->size;
	}
	return true;
}

/* ---- public: domains ----------------------------------------------------- */

int ms_domain_new(struct ms_sim *sim, const char *name,
		  const struct ms_partition *parts, size_t n,
		  ms_domain_id *out)
{
	struct ms__domains *ds = DS(sim);
	struct dom *d = NULL;
	int ret = -EINVAL;

	supervisor_only(sim, "ms_domain_new");
	enter(sim, MS__COST_OBJ);
	ds->err[0] = '\0';
	if (!out) {
		ms__dom_error(ds, "no place for the domain id (NULL)");
		goto out;
	}
	if (n && !parts) {
		ms__dom_error(ds, "%zu partitions but no array (NULL)", n);
		goto out;
	}
	if (n > ds->max_parts) {
		ms__dom_error(ds, "%zu partitions exceed the %u a domain holds under %s",
			      n, ds->max_parts, ms_arch_name(ds->arch));
		goto out;
	}
	if (name) {
		ms_domain_id other;

		if (!ms_domain_lookup(sim, name, &other)) {
			ms__dom_error(ds, "a domain named '%s' exists", name);
			ret = -EEXIST;
			goto out;
		}
	}
	if (ds->next_id == MS_DOMAIN_NONE) {
		ms__dom_error(ds, "out of domain ids");
		ret = -ENOMEM;
		goto out;
	}
	d = dom_alloc(ds, name, ds->next_id);
	for (size_t i = 0; i < n; i++) {
		ret = ms__model_check(ds, d, &parts[i]);
		if (ret) {
			char why[DOM_ERR_MAX];

			snprintf(why, sizeof(why), "%s", ds->err);
			ms__dom_error(ds, "partition %zu: %s", i, why);
			g_free(d);
			goto out;
		}
		slot_set(d, (unsigned)i, &parts[i]);
	}
	g_hash_table_insert(ds->by_id, GUINT_TO_POINTER(d->id), d);
	ds->next_id++;
	account_user_parts(ds, d, +1);
	*out = d->id;
	ret = 0;
out:
	leave(sim);
	return ret;
}

int ms_domain_destroy(struct ms_sim *sim, ms_domain_id dom)
{
	struct ms__domains *ds = DS(sim);
	struct dom *d;
	int ret = -EINVAL;

	supervisor_only(sim, "ms_domain_destroy");
	enter(sim, MS__COST_OBJ);
	ds->err[0] = '\0';
	d = ms__dom_get(ds, dom);
	if (!d || d == ds->dflt) {
		ms__dom_error(ds, d ? "the default domain cannot be destroyed" :
				      "no domain %" PRIu32, dom);
		goto out;
	}
	if (d->members) {
		ms__dom_error(ds, "%" PRIu32 " threads still belong to domain '%s'",
			      d->members, d->name);
		ret = -EBUSY;
		goto out;
	}
	account_user_parts(ds, d, -1);
	ms__model_forget(ds, d);
	ms__arena_forget(ds, d);
	g_hash_table_remove(ds->by_id, GUINT_TO_POINTER(dom));
	g_free(d);
	ret = 0;
out:
	leave(sim);
	return ret;
}

int ms_domain_add_partition(struct ms_sim *sim, ms_domain_id dom,
			    const struct ms_partition *part)
{
	struct ms__domains *ds = DS(sim);
	struct dom *d;
	unsigned i;
	int ret = -EINVAL;

	supervisor_only(sim, "ms_domain_add_partition");
	enter(sim, MS__COST_OBJ);
	ds->err[0] = '\0';
	d = ms__dom_get(ds, dom);
	if (!d) {
		ms__dom_error(ds, "no domain %" PRIu32, dom);
		goto out;
	}
	ret = ms__model_check(ds, d, part);
	if (ret)
		goto out;
	for (i = 0; i < d->nslots && d->parts[i].size; i++)
		;
	if (i == d->nslots) {
		ms__dom_error(ds, "domain '%s' is full: %u partitions under %s",
			      d->name, d->nslots, ms_arch_name(ds->arch));
		ret = -ENOSPC;
		goto out;
	}
	slot_set(d, i, part);
	d->gen = ++ds->gen_seq;
	if (part->user)
		ms__xpfo_account(ds, part->start, part->size, +1);
	reapply_current(ds);
	ret = 0;
out:
	leave(sim);
	return ret;
}

int ms_domain_remove_partition(struct ms_sim *sim, ms_domain_id dom,
			       const struct ms_partition *part)
{
	struct ms__domains *ds = DS(sim);
	struct dom *d;
	struct dom_part *q = NULL;
	int ret = -EINVAL;

	supervisor_only(sim, "ms_domain_remove_partition");
	enter(sim, MS__COST_OBJ);
	ds->err[0] = '\0';
	d = ms__dom_get(ds, dom);
	if (!d || !part) {
		ms__dom_error(ds, d ? "no partition (NULL)" :
				      "no domain %" PRIu32, dom);
		goto out;
	}
	for (unsigned i = 0; i < d->nslots; i++) {
		if (d->parts[i].size && d->parts[i].start == part->start &&
		    d->parts[i].size == part->size) {
			q = &d->parts[i];
			break;
		}
	}
	if (!q) {
		ms__dom_error(ds, "domain '%s' holds no partition [%#" PRIx64 ", %#" PRIx64 ")",
			      d->name, part->start, part->start + part->size);
		ret = -ENOENT;
		goto out;
	}
	if (q->user)
		ms__xpfo_account(ds, q->start, q->size, -1);
	memset(q, 0, sizeof(*q));
	d->nparts--;
	d->gen = ++ds->gen_seq;
	reapply_current(ds);
	ret = 0;
out:
	leave(sim);
	return ret;
}

int ms_domain_add_thread(struct ms_sim *sim, ms_domain_id dom, ms_tid tid)
{
	struct ms__domains *ds = DS(sim);
	struct ms_thread *t;
	struct dom_thread *dt;
	struct dom *d;
	int ret = -EINVAL;

	supervisor_only(sim, "ms_domain_add_thread");
	enter(sim, MS__COST_OBJ);
	ds->err[0] = '\0';
	d = ms__dom_get(ds, dom);
	if (!d) {
		ms__dom_error(ds, "no domain %" PRIu32, dom);
		goto out;
	}
	t = ms__thread_lookup(sim, tid);
	dt = t ? ms__thread_sub(t, MS__SUB_DOMAIN) : NULL;
	if (!dt) {
		ms__dom_error(ds, "no live thread %" PRIu32, tid);
		ret = -ENOENT;
		goto out;
	}
	dt->dom->members--;
	dt->dom = d;
	d->members++;
	dt->nws = 0;
	dt->ws_next = 0;
	if (t == ms__current(sim))
		reapply_current(ds);
	ret = 0;
out:
	leave(sim);
	return ret;
}

int ms_domain_of(struct ms_sim *sim, ms_tid tid, ms_domain_id *out)
{
	struct ms__domains *ds = DS(sim);
	struct ms_thread *t = ms__thread_lookup(sim, tid);

	if (!t || !out)
		return t ? -EINVAL : -ENOENT;
	*out = ms__dom_of_thread(ds, t)->id;
	return 0;
}

int ms_domain_lookup(const struct ms_sim *sim, const char *name,
		     ms_domain_id *out)
{
	const struct ms__domains *ds = DS(sim);
	GHashTableIter it;
	gpointer v;

	if (!name)
		return -EINVAL;
	g_hash_table_iter_init(&it, ds->by_id);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct dom *d = v;

		if (!strcmp(d->name, name)) {
			if (out)
				*out = d->id;
			return 0;
		}
	}
	return -ENOENT;
}

const char *ms_domain_name(const struct ms_sim *sim, ms_domain_id dom)
{
	const struct dom *d = ms__dom_get(DS(sim), dom);

	return d ? d->name : NULL;
}

unsigned ms_domain_max_partitions(const struct ms_sim *sim)
{
	return DS(sim)->max_parts;
}

static void part_out(const struct dom_part *q, struct ms_partition *out)
{
	out->start = q->start;
	out->size = q->size;
	out->user = q->user;
	out->supervisor = q->sup;
	out->name = q->name;
}

int ms_domain_partition_get(const struct ms_sim *sim, ms_domain_id dom,
			    unsigned i, struct ms_partition *out)
{
	const struct dom *d = ms__dom_get(DS(sim), dom);

	if (!d || !out || i >= d->nslots)
		return -EINVAL;
	if (!d->parts[i].size)
		return -ENOENT;
	part_out(&d->parts[i], out);
	return 0;
}

int ms_domain_partition_find(const struct ms_sim *sim, ms_domain_id dom,
			     const char *name, struct ms_partition *out)
{
	const struct dom *d = ms__dom_get(DS(sim), dom);

	if (!d || !name || !out)
		return -EINVAL;
	for (unsigned i = 0; i < d->nslots; i++) {
		if (d->parts[i].size && !strcmp(d->parts[i].name, name)) {
			part_out(&d->parts[i], out);
			return 0;
		}
	}
	return -ENOENT;
}

const char *ms_domain_last_error(const struct ms_sim *sim)
{
	return DS(sim)->err;
}

int ms_domain_set_policy(struct ms_sim *sim, enum ms_domain_policy policy)
{
	struct ms__domains *ds = DS(sim);

	supervisor_only(sim, "ms_domain_set_policy");
	ds->err[0] = '\0';
	if (policy != MS_DOMAIN_LAZY && policy != MS_DOMAIN_EAGER &&
	    policy != MS_DOMAIN_WORKING_SET) {
		ms__dom_error(ds, "unknown policy %d", (int)policy);
		return -EINVAL;
	}
	ds->policy = policy;
	/* The next switch to a user thread re-applies from scratch. */
	ds->clean_dom = NULL;
	if (ds->applied == VIEW_USER)
		ds->applied = VIEW_SUP;
	return 0;
}

void ms_domain_allow_wx(struct ms_sim *sim, bool allow)
{
	supervisor_only(sim, "ms_domain_allow_wx");
	DS(sim)->allow_wx = allow;
}

void ms_domain_get_stats(const struct ms_sim *sim, struct ms_domain_stats *out)
{
	const struct ms__domains *ds = DS(sim);

	*out = ds->stats;
	out->domains = g_hash_table_size(ds->by_id);
	out->max_partitions = ds->max_parts;
	out->xpfo = ds->xpfo;
}
