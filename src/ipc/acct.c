/* SPDX-License-Identifier: MIT */
/*
 * IPC accounting: identities, budgets, charges, and the fair-share rule.
 *
 * Models bus1's per-user resource quotas, reduced to what a small kernel
 * needs: an accounting identity is a thread group; each has a budget of
 * bytes, queued messages and handles in flight; each charge on a budget is
 * recorded per pair (payer, peer), so that the fair-share rule can ask
 * "how much of this budget does that peer hold?" in O(1).
 *
 * The fair-share rule (bus1's "half of what is left"): a peer may take a
 * charge on a payer's budget only if, afterwards, the peer's part is at
 * most half of the budget that no other peer holds:
 *
 *     2 * (self + charge) <= limit - others        (others = total - self)
 *
 * Written as self + charge <= floor((limit - others) / 2), which is the
 * same for integers and cannot overflow. The first peer may take half of
 * the budget, the second half of what is left, and so on: no peer can take
 * the last half of what it competes for, so a newcomer always finds room
 * unless about log2(limit) other peers each hold their share.
 *
 * Invariants, for every identity I and each resource:
 *   I.held == the sum of I.by_peer[*] == the sum of the live charges whose
 *             payer is I; I.reserved <= I.held (the reservation part);
 *   all.held == the sum of every I.held.
 * Checks never change a counter; apply and release are the only writers,
 * and every charge is released exactly once (it is marked not live).
 */
#include <errno.h>
#include <stdlib.h>

#include "ipc/ipc_priv.h"

static void amount_add(struct ms_ipc_amount *a, const struct ms_ipc_amount *b)
{
	a->bytes += b->bytes;
	a->msgs += b->msgs;
	a->handles += b->handles;
}

static void amount_sub(struct ms_ipc_amount *a, const struct ms_ipc_amount *b)
{
	g_assert(a->bytes >= b->bytes && a->msgs >= b->msgs &&
		 a->handles >= b->handles);
	a->bytes -= b->bytes;
	a->msgs -= b->msgs;
	a->handles -= b->handles;
}

static void amount_max(struct ms_ipc_amount *peak,
		       const struct ms_ipc_amount *now)
{
	peak->bytes = MAX(peak->bytes, now->bytes);
	peak->msgs = MAX(peak->msgs, now->msgs);
	peak->handles = MAX(peak->handles, now->handles);
}

/* The three resources, in the order checks visit them. */
static uint64_t res_of(const struct ms_ipc_amount *a, unsigned r)
{
	switch (r) {
	case MS_IPC_RES_BYTES:
		return a->bytes;
	case MS_IPC_RES_MSGS:
		return a->msgs;
	default:
		return a->handles;
	}
}

void ms__ipc_ident_free(gpointer p)
{
	struct ms__ipc_ident *id = p;

	if (!id)
		return;
	if (id->by_peer)
		g_hash_table_destroy(id->by_peer);
	g_ptr_array_free(id->counts, TRUE);
	free(id);
}

struct ms__ipc_ident *ms__ipc_ident_new(uint32_t gid)
{
	struct ms__ipc_ident *id = g_new0(struct ms__ipc_ident, 1);

	id->id = gid;
	id->by_peer = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					    NULL, g_free);
	id->counts = g_ptr_array_new_with_free_func(g_free);
	return id;
}

struct ms__ipc_ident *ms__ipc_ident_find(struct ms__ipc *ipc, uint32_t gid)
{
	if (gid == MS_IPC_GROUP_ALL)
		return ipc->all;
	return g_hash_table_lookup(ipc->idents, GUINT_TO_POINTER(gid));
}

struct ms__ipc_ident *ms__ipc_ident_get(struct ms__ipc *ipc, uint32_t gid)
{
	struct ms__ipc_ident *id = ms__ipc_ident_find(ipc, gid);

	if (id)
		return id;
	id = ms__ipc_ident_new(gid);
	/* g_new0 aborts rather than fail: no error path to take here. */
	g_hash_table_insert(ipc->idents, GUINT_TO_POINTER(gid), id);
	if (ipc->ident_order) {
		g_array_free(ipc->ident_order, TRUE);
		ipc->ident_order = NULL;
	}
	return id;
}

struct ms_ipc_amount ms__ipc_limit(const struct ms__ipc *ipc,
				   const struct ms__ipc_ident *id)
{
	if (id && id->limit_explicit)
		return id->limit;
	if (id && id->id == MS_IPC_GROUP_ALL)
		return (struct ms_ipc_amount){ 0, 0, 0 };
	return ipc->default_limit;
}

struct ms__ipc_counts *ms__ipc_counts(struct ms__ipc *ipc,
				      struct ms__ipc_ident *id)
{
	size_t i = ipc->mode->index;

	while (id->counts->len <= i)
		g_ptr_array_add(id->counts, NULL);
	if (!id->counts->pdata[i])
		id->counts->pdata[i] = g_new0(struct ms__ipc_counts, 1);
	return id->counts->pdata[i];
}

/* ---- the arithmetic --------------------------------------------------- */

bool ms__ipc_fair_share_ok(uint64_t limit, uint64_t total, uint64_t self,
			   uint64_t charge)
{
	uint64_t others, half;

	if (!charge)
		return true;
	g_assert(self <= total);
	others = total - self;
	if (others >= limit)
		return false;
	half = (limit - others) / 2;
	return self <= half && charge <= half - self;
}

uint64_t ms__ipc_fair_share_room(uint64_t limit, uint64_t total,
				 uint64_t self)
{
	uint64_t others = total - self, half;

	if (others >= limit)
		return 0;
	half = (limit - others) / 2;
	return half > self ? half - self : 0;
}

static const struct ms_ipc_amount *peer_held(const struct ms__ipc_ident *id,
					     uint32_t peer)
{
	static const struct ms_ipc_amount zero;
	const struct ms_ipc_amount *a;

	a = g_hash_table_lookup(id->by_peer, GUINT_TO_POINTER(peer));
	return a ? a : &zero;
}

int ms__ipc_check(struct ms__ipc *ipc, uint32_t payer, uint32_t peer,
		  const struct ms_ipc_amount *amt, enum ms_ipc_rule rule,
		  const struct ms_ipc_amount *pending, unsigned *res)
{
	struct ms__ipc_ident *id = ms__ipc_ident_get(ipc, payer);
	struct ms_ipc_amount limit = ms__ipc_limit(ipc, id);
	const struct ms_ipc_amount *mine = peer_held(id, peer);
	unsigned r;

	/* Budget first, for every resource, so that a full budget is
	 * reported as such even under the fair-share rule. */
	for (r = 0; r < MS_IPC_RES__COUNT; r++) {
		uint64_t c = res_of(amt, r);
		uint64_t total = res_of(&id->held, r) + res_of(pending, r);
		uint64_t l = res_of(&limit, r);

		if (c && (total > l || c > l - total)) {
			*res = r;
			return MS_IPC_REFUSE_SENDER_BUDGET + 1;
		}
	}
	if (rule != MS_IPC_RULE_FAIR_SHARE)
		return 0;
	for (r = 0; r < MS_IPC_RES__COUNT; r++) {
		/* What this operation already added counts as the peer's. */
		uint64_t p = res_of(pending, r);

		if (!ms__ipc_fair_share_ok(res_of(&limit, r),
					   res_of(&id->held, r) + p,
					   res_of(mine, r) + p,
					   res_of(amt, r))) {
			*res = r;
			return MS_IPC_REFUSE_FAIR_SHARE + 1;
		}
	}
	return 0;
}

void ms__ipc_charge_apply(struct ms__ipc *ipc, struct ms__ipc_charge *c,
			  bool reservation)
{
	struct ms__ipc_ident *id = ms__ipc_ident_get(ipc, c->payer);
	struct ms_ipc_amount *p;

	g_assert(!c->live);
	c->live = true;
	p = g_hash_table_lookup(id->by_peer, GUINT_TO_POINTER(c->peer));
	if (!p) {
		p = g_new0(struct ms_ipc_amount, 1);
		g_hash_table_insert(id->by_peer, GUINT_TO_POINTER(c->peer), p);
	}
	c->pid = id;
	c->pair = p;
	amount_add(p, &c->amt);
	amount_add(&id->held, &c->amt);
	amount_add(&ipc->all->held, &c->amt);
	if (reservation) {
		amount_add(&id->reserved, &c->amt);
		amount_add(&ipc->all->reserved, &c->amt);
	}
	amount_max(&ms__ipc_counts(ipc, id)->peak, &id->held);
	amount_max(&ms__ipc_counts(ipc, ipc->all)->peak, &ipc->all->held);
}

void ms__ipc_charge_release(struct ms__ipc *ipc, struct ms__ipc_charge *c,
			    bool reservation)
{
	struct ms__ipc_ident *id = c->pid;

	if (!c->live)
		return;
	c->live = false;
	/* A pair entry at zero is kept: pairs are few, and a pair that
	 * talks once usually talks again (no allocation per message). */
	amount_sub(c->pair, &c->amt);
	amount_sub(&id->held, &c->amt);
	amount_sub(&ipc->all->held, &c->amt);
	if (reservation) {
		amount_sub(&id->reserved, &c->amt);
		amount_sub(&ipc->all->reserved, &c->amt);
	}
}

/* ---- public: budgets and usage ------------------------------------------ */

int ms_ipc_budget_set(struct ms_sim *sim, uint32_t group,
		      const struct ms_ipc_amount *limit)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms__ipc_ident *id;

	if (!limit || group == MS_IPC_GROUP_ALL)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	id = ms__ipc_ident_get(ipc, group);
	id->limit = *limit;
	id->limit_explicit = true;
	return 0;
}

int ms_ipc_budget_default_set(struct ms_sim *sim,
			      const struct ms_ipc_amount *limit)
{
	if (!limit)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	ms__ipc_state(sim)->default_limit = *limit;
	return 0;
}

int ms_ipc_budget_reset(struct ms_sim *sim, uint32_t group)
{
	struct ms__ipc_ident *id;

	if (ms__caller_is_user(sim))
		return -EPERM;
	id = ms__ipc_ident_find(ms__ipc_state(sim), group);
	if (id && group != MS_IPC_GROUP_ALL)
		id->limit_explicit = false;
	return 0;
}

void ms_ipc_budget_get(struct ms_sim *sim, uint32_t group,
		       struct ms_ipc_amount *out)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);

	*out = ms__ipc_limit(ipc, ms__ipc_ident_find(ipc, group));
}

void ms_ipc_usage(struct ms_sim *sim, uint32_t payer, uint32_t peer,
		  struct ms_ipc_amount *out)
{
	struct ms__ipc_ident *id = ms__ipc_ident_find(ms__ipc_state(sim),
						      payer);

	*out = id && payer != MS_IPC_GROUP_ALL ? *peer_held(id, peer) :
		(struct ms_ipc_amount){ 0, 0, 0 };
}

void ms_ipc_fair_share_room(struct ms_sim *sim, uint32_t payer, uint32_t peer,
			    struct ms_ipc_amount *out)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms__ipc_ident *id = ms__ipc_ident_find(ipc, payer);
	struct ms_ipc_amount limit, held = { 0, 0, 0 }, mine = { 0, 0, 0 };

	if (payer == MS_IPC_GROUP_ALL)
		id = NULL;
	limit = ms__ipc_limit(ipc, id);
	if (id) {
		held = id->held;
		mine = *peer_held(id, peer);
	}
	out->bytes = ms__ipc_fair_share_room(limit.bytes, held.bytes,
					     mine.bytes);
	out->msgs = ms__ipc_fair_share_room(limit.msgs, held.msgs, mine.msgs);
	out->handles = ms__ipc_fair_share_room(limit.handles, held.handles,
					       mine.handles);
}
