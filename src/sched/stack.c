/* SPDX-License-Identifier: MIT */
/*
 * Guarded thread stacks.
 *
 * One mapping per thread, guards between and around its stacks:
 *   supervisor: [guard][stack][guard]
 *   user:       [guard][privileged stack][guard][user stack][guard]
 * Guards are installed with MADV_GUARD_INSTALL where the host has it, so a
 * stack costs one mapping (and often none, as neighbouring anonymous
 * mappings merge); with the mprotect fallback each guard splits the mapping.
 *
 * A stack is painted with MS__PAINT when it is handed out; the high-water
 * mark is the lowest byte that no longer holds the paint.
 *
 * Freed stacks of the default layout are kept (up to ms_config.stack_cache)
 * with their contents discarded, so that a create/destroy cycle costs no
 * mmap and no guard installation.
 *
 * Invariant: every live or cached stack is registered with Valgrind, and
 * stats.stacks_mapped / stack_bytes_mapped count exactly the live mappings.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/os.h"
#include "sched/sched_priv.h"

#define MS__PAINT 0xAA

static void paint(const struct ms_sim *sim, struct ms__stack *st)
{
	ms__ctx_stack_unpoison(st->lo, st->size);
	if (st->plo)
		ms__ctx_stack_unpoison(st->plo, st->psize);
	if (ms_sim_config(sim)->stack_paint)
		memset(st->lo, MS__PAINT, st->size);
}

static void unmap_stack(struct ms_sim *sim, struct ms__stack *st)
{
	struct ms__sched *s = ms__sim_sched(sim);
	struct ms__os *os = ms__sim_os(sim);

	ms__vg_stack_deregister(st->vg_id);
	ms__vg_stack_deregister(st->vg_pid);
	ms__ctx_stack_unpoison(st->lo, st->size);
	if (st->plo)
		ms__ctx_stack_unpoison(st->plo, st->psize);
	if (st->pmap)
		ms__os_unmap(os, st->pmap, st->pmap_len);
	ms__os_unmap(os, st->map, st->map_len);
	s->stats.stacks_mapped--;
	s->stats.stack_bytes_mapped -= st->map_len + st->pmap_len;
	memset(st, 0, sizeof(*st));
}

static bool same_layout(const struct ms__stack *a, size_t size, size_t psize,
			size_t guard)
{
	return a->size == size && a->psize == psize && a->guard == guard &&
	       !a->pmap;
}

int ms__stack_get(struct ms_sim *sim, size_t size, size_t psize, size_t guard,
		  bool user, struct ms__stack *st)
{
	struct ms__sched *s = ms__sim_sched(sim);
	struct ms__os *os = ms__sim_os(sim);
	size_t len;
	char *m;
	int ret;

	size = ms__os_page_round(size);
	psize = user ? ms__os_page_round(psize) : 0;

	for (GList *l = s->stack_cache.head; l; l = l->next) {
		struct ms__stack *c = l->data;

		if (same_layout(c, size, psize, guard)) {
			*st = *c;
			g_queue_delete_link(&s->stack_cache, l);
			free(c);
			s->stats.stacks_reused++;
			paint(sim, st);
			return 0;
		}
	}

	memset(st, 0, sizeof(*st));
	len = guard + size + guard + (user ? psize + guard : 0);
	ret = ms__os_map(os, len, MS__PROT_RW, (void **)&m);
	if (ret)
		return ret;
	st->map = m;
	st->map_len = len;
	st->guard = guard;
	if (user) {
		st->plo = m + guard;
		st->psize = psize;
		st->lo = m + guard + psize + guard;
	} else {
		st->lo = m + guard;
	}
	st->size = size;
	/* guards: below the first stack, between, and above the last */
	ret = ms__os_guard(os, m, guard);
	if (!ret && user)
		ret = ms__os_guard(os, m + guard + psize, guard);
	if (!ret)
		ret = ms__os_guard(os, (char *)st->lo + size, guard);
	if (ret) {
		ms__os_unmap(os, m, len);
		memset(st, 0, sizeof(*st));
		return ret;
	}
	st->vg_id = ms__vg_stack_register(st->lo, st->size);
	if (st->plo)
		st->vg_pid = ms__vg_stack_register(st->plo, st->psize);
	s->stats.stacks_mapped++;
	s->stats.stack_bytes_mapped += len;
	paint(sim, st);
	return 0;
}

int ms__stack_add_priv(struct ms_sim *sim, struct ms__stack *st, size_t psize,
		       size_t guard)
{
	struct ms__sched *s = ms__sim_sched(sim);
	struct ms__os *os = ms__sim_os(sim);
	size_t len;
	char *m;
	int ret;

	psize = ms__os_page_round(psize);
	len = guard + psize + guard;
	ret = ms__os_map(os, len, MS__PROT_RW, (void **)&m);
	if (ret)
		return ret;
	ret = ms__os_guard(os, m, guard);
	if (!ret)
		ret = ms__os_guard(os, m + guard + psize, guard);
	if (ret) {
		ms__os_unmap(os, m, len);
		return ret;
	}
	st->pmap = m;
	st->pmap_len = len;
	st->plo = m + guard;
	st->psize = psize;
	st->vg_pid = ms__vg_stack_register(st->plo, st->psize);
	s->stats.stack_bytes_mapped += len;
	return 0;
}

void ms__stack_put(struct ms_sim *sim, struct ms__stack *st)
{
	struct ms__sched *s = ms__sim_sched(sim);
	const struct ms_config *cfg = ms_sim_config(sim);
	size_t guard = cfg->guard_pages * ms__os_page_size();
	size_t size = ms__os_page_round(cfg->stack_size);
	size_t psize = ms__os_page_round(cfg->priv_stack_size);
	struct ms__stack *c;

	if (!st->map)
		return;
	if (g_queue_get_length(&s->stack_cache) < cfg->stack_cache &&
	    (same_layout(st, size, 0, guard) || same_layout(st, size, psize, guard))) {
		c = malloc(sizeof(*c));
		if (c && !ms__os_discard(ms__sim_os(sim), st->map, st->map_len)) {
			*c = *st;
			g_queue_push_tail(&s->stack_cache, c);
			memset(st, 0, sizeof(*st));
			return;
		}
		free(c);
	}
	unmap_stack(sim, st);
}

void ms__stack_cache_drain(struct ms_sim *sim)
{
	struct ms__sched *s = ms__sim_sched(sim);
	struct ms__stack *c;

	while ((c = g_queue_pop_head(&s->stack_cache))) {
		unmap_stack(sim, c);
		free(c);
	}
}

size_t ms__stack_high_water(const struct ms_sim *sim, const struct ms__stack *st)
{
	const unsigned char *p = st->lo;
	size_t i = 0;

	if (!ms_sim_config(sim)->stack_paint || !p)
		return 0;
	ms__vg_errors_off();
	while (i < st->size && p[i] == MS__PAINT)
		i++;
	ms__vg_errors_on();
	return st->size - i;
}

bool ms__stack_attribute(const struct ms_thread *t, uintptr_t addr,
			 uintptr_t sp, struct ms_fault *f)
{
	const struct ms__stack *st = &t->stack;
	struct {
		uintptr_t lo, hi;
		const char *what;
	} stacks[2];
	int n = 0;

	/* The stack the thread was running on is looked at first: the guard
	 * between the privileged and the user stack belongs to both. */
	if (st->plo && t->in_kernel)
		stacks[n++] = (__typeof__(stacks[0])){ (uintptr_t)st->plo,
			(uintptr_t)st->plo + st->psize, "privileged stack" };
	stacks[n++] = (__typeof__(stacks[0])){ (uintptr_t)st->lo,
		(uintptr_t)st->lo + st->size, "stack" };
	if (st->plo && !t->in_kernel)
		stacks[n++] = (__typeof__(stacks[0])){ (uintptr_t)st->plo,
			(uintptr_t)st->plo + st->psize, "privileged stack" };

	for (int i = 0; i < n; i++) {
		uintptr_t lo = stacks[i].lo, hi = stacks[i].hi;
		bool below = addr < lo && addr >= lo - st->guard;
		bool above = addr >= hi && addr < hi + st->guard;
		/* A frame bigger than the guard jumps it: the stack pointer
		 * itself then lies below the stack. */
		bool sp_below = sp && sp < lo && sp >= lo - (1u << 20) &&
				addr < lo && addr >= sp;

		if (!below && !above && !sp_below)
			continue;
		f->kind = above ? MS_FAULT_STACK_UNDERFLOW : MS_FAULT_STACK_OVERFLOW;
		f->reason = MS_ERR_STACK_CHK_FAIL;
		snprintf(f->object, sizeof(f->object), "%s:%s", stacks[i].what,
			 t->name);
		f->offset = above ? addr - hi : lo - addr;
		snprintf(f->detail, sizeof(f->detail),
			 "%s %s %zu bytes %s the %zu-byte %s%s",
			 ms_access_name(f->access),
			 above ? "underflow:" : "overflow:",
			 (size_t)f->offset, above ? "above" : "below",
			 (size_t)(hi - lo),
			 stacks[i].what,
			 (below || above) ? " (guard page)" : " (guard jumped)");
		return true;
	}
	return false;
}
