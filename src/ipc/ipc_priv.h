/* SPDX-License-Identifier: MIT */
/*
 * Private to src/ipc: the bus's state on a sim and the glue between its
 * files.
 *
 *   ipc.c    the subsystem: nodes, handles, names, thread death, stats
 *   msg.c    send, request, reply, receive
 *   acct.c   identities, budgets, charges and the fair-share arithmetic
 *   modes.c  the mode registry and the four built-in modes
 *
 * Ownership, in one picture:
 *
 *   thread --owns--> node --queue--> msg --carries--> node ids (handles in
 *     |                ^                  \--charge--> (payer, peer, amount)
 *     +--holds--> handle                    \--token--> reservation
 *     +--holds--> token (a request received, not answered yet)
 *
 * Every live object is reachable from exactly one place that frees it: a
 * message from its node's queue, a handle from its holder's table, a token
 * from its request message while queued and from its holder's table after.
 * A charge lives inside the message or token that it pays for, so freeing
 * that object is what credits the charge.
 */
#ifndef MS_IPC_PRIV_H
#define MS_IPC_PRIV_H

#include <glib.h>

#include <memsim/ipc.h>

#include "core/core.h"
#include "sched/sched.h"

/* A charge on payer's budget on behalf of peer. */
struct ms__ipc_charge {
	bool live;
	uint32_t payer;
	uint32_t peer;
	struct ms_ipc_amount amt;
	/* while live: where it is counted (identities and pair entries
	 * live as long as the sim), so that release needs no lookup */
	struct ms__ipc_ident *pid;
	struct ms_ipc_amount *pair;
};

/* Counters gathered while one mode was active. */
struct ms__ipc_counts {
	uint64_t sent, bytes_sent, requests, replies;
	uint64_t received, bytes_received;
	uint64_t refused, refused_by[MS_IPC_REFUSE__COUNT];
	uint64_t refused_res[MS_IPC_RES__COUNT];
	uint64_t replies_refused, dropped;
	struct ms_ipc_amount peak;
};

/* An accounting identity: a thread group. Lives as long as the sim. */
struct ms__ipc_ident {
	uint32_t id;
	bool limit_explicit;
	struct ms_ipc_amount limit;	/* valid iff limit_explicit */
	struct ms_ipc_amount held;	/* on its budget, every peer */
	struct ms_ipc_amount reserved;	/* of held: reservations */
	GHashTable *by_peer;		/* peer id -> struct ms_ipc_amount * */
	GPtrArray *counts;		/* mode index -> struct ms__ipc_counts * */
	uint64_t handles_owned, handles_owned_peak;
	uint64_t nodes;
};

struct ms__ipc_node {
	uint32_t id;
	ms_tid owner;
	uint32_t group;			/* owner's identity at creation */
	char name[MS_IPC_NAME_MAX];
	GQueue queue;			/* struct ms__ipc_msg *, oldest first */
	struct ms__waitq waiters;	/* its owner, in ms_ipc_recv */
	GQueue tokens;			/* struct ms__ipc_token * replying here */
	GList owner_link;		/* in the owner's nodes */
};

struct ms__ipc_token {
	uint64_t id;			/* the request's message id */
	ms_tid holder;			/* MS_TID_NONE while the request is queued */
	uint32_t reply_node;		/* 0 once that node is gone */
	struct ms_ipc_amount room;	/* what the reply may take */
	struct ms__ipc_charge resv;	/* the reservation, if any */
	GList node_link;		/* in the reply node's tokens */
};

struct ms__ipc_msg {
	uint64_t id;
	ms_tid sender;
	uint32_t sender_group;
	unsigned flags;			/* enum ms_ipc_msg_flags */
	uint64_t in_reply_to;
	void *block;			/* its storage, from the kernel heap */
	void *data;			/* in block: len bytes */
	size_t len;
	uint32_t *nodes;		/* in block: the node ids of its handles */
	size_t n_handles;
	struct ms__ipc_charge charge;	/* the message's own charge */
	bool charge_is_resv;		/* a reply holding its reservation */
	struct ms__ipc_token *token;	/* a request's token while queued */
	GList link;			/* in its node's queue */
};

struct ms__ipc_handle {
	ms_ipc_handle id;
	ms_tid holder;
	uint32_t holder_group;		/* counted there */
	uint32_t node;
};

/* Per-thread state, created on first use. */
struct ms__ipc_thread {
	GQueue nodes;			/* struct ms__ipc_node *, by creation */
	GHashTable *handles;		/* id -> struct ms__ipc_handle * */
	GHashTable *tokens;		/* id -> struct ms__ipc_token * */
};

struct ms__ipc_mode {
	const struct ms_ipc_mode_ops *ops;
	size_t index;
};

struct ms__ipc {
	struct ms_sim *sim;

	/* modes */
	GPtrArray *modes;		/* struct ms__ipc_mode * */
	struct ms__ipc_mode *mode;	/* the active one */
	void *mode_state;

	/* identities */
	struct ms_ipc_amount default_limit;
	GHashTable *idents;		/* id -> struct ms__ipc_ident * */
	GArray *ident_order;		/* uint32_t ids, sorted; NULL: stale */
	/* every identity together (its by_peer is unused) */
	struct ms__ipc_ident *all;

	/* objects */
	GHashTable *nodes;		/* id -> struct ms__ipc_node * */
	GHashTable *names;		/* name -> struct ms__ipc_node * */
	GHashTable *handles;		/* id -> struct ms__ipc_handle * */
	struct ms__waitq name_waiters;	/* ms_ipc_lookup */
	uint32_t next_node;
	ms_ipc_handle next_handle;
	uint64_t next_msg;
};

static inline struct ms__ipc *ms__ipc_state(const struct ms_sim *sim)
{
	return ms__sim_sub(sim, MS__SUB_IPC);
}

/* ---- acct.c ---- */

struct ms__ipc_ident *ms__ipc_ident_new(uint32_t id);
struct ms__ipc_ident *ms__ipc_ident_get(struct ms__ipc *ipc, uint32_t id);
struct ms__ipc_ident *ms__ipc_ident_find(struct ms__ipc *ipc, uint32_t id);
void ms__ipc_ident_free(gpointer p);
struct ms_ipc_amount ms__ipc_limit(const struct ms__ipc *ipc,
				   const struct ms__ipc_ident *id);
/* The counters of the active mode (of the identity, or the total). */
struct ms__ipc_counts *ms__ipc_counts(struct ms__ipc *ipc,
				      struct ms__ipc_ident *id);

/*
 * The fair-share test for one resource: may a peer that holds `self` of a
 * budget `limit`, of which `total` is held in all, add `charge`? A zero
 * charge always may.
 */
bool ms__ipc_fair_share_ok(uint64_t limit, uint64_t total, uint64_t self,
			   uint64_t charge);
/* floor((limit - (total - self)) / 2) - self, or 0. */
uint64_t ms__ipc_fair_share_room(uint64_t limit, uint64_t total,
				 uint64_t self);

/*
 * Check a charge of amt on payer's budget on behalf of peer under rule,
 * with `pending` already added to payer's budget by the same operation.
 * @retval 0 it fits
 * @retval MS_IPC_REFUSE_* + 1 (positive) it does not, and *res says which
 *         resource ran out first
 */
int ms__ipc_check(struct ms__ipc *ipc, uint32_t payer, uint32_t peer,
		  const struct ms_ipc_amount *amt, enum ms_ipc_rule rule,
		  const struct ms_ipc_amount *pending, unsigned *res);
/* Apply or release a charge; apply also moves the peaks. */
void ms__ipc_charge_apply(struct ms__ipc *ipc, struct ms__ipc_charge *c,
			  bool reservation);
void ms__ipc_charge_release(struct ms__ipc *ipc, struct ms__ipc_charge *c,
			    bool reservation);

/* ---- modes.c ---- */

int ms__ipc_modes_init(struct ms__ipc *ipc);
void ms__ipc_modes_fini(struct ms__ipc *ipc);
struct ms__ipc_mode *ms__ipc_mode_find(struct ms__ipc *ipc, const char *name);

/* ---- ipc.c ---- */

struct ms__ipc_thread *ms__ipc_thread(struct ms_thread *t);
/* The caller's handle h, or NULL if it holds none of that number. */
struct ms__ipc_handle *ms__ipc_handle_get(struct ms__ipc *ipc,
					  struct ms_thread *t, ms_ipc_handle h);
struct ms__ipc_node *ms__ipc_node_get(struct ms__ipc *ipc, uint32_t id);
/* Give t a new handle to node id. */
ms_ipc_handle ms__ipc_handle_new(struct ms__ipc *ipc, struct ms_thread *t,
				 uint32_t node);
/* Take handle hd away from its holder (moving it into a message). */
void ms__ipc_handle_detach(struct ms__ipc *ipc, struct ms__ipc_handle *hd);
/*
 * Run fn as a kernel call of the calling thread: enter the kernel with
 * cost ticks (plus the syscall boundary for a user thread), run fn on the
 * privileged stack, leave (a preemption point).
 * @retval -EPERM called from the host
 */
int ms__ipc_syscall(struct ms_sim *sim, uint32_t cost,
		    int (*fn)(struct ms_sim *sim, void *arg), void *arg);
/* Simulated cost of copying len bytes to or from a thread. */
uint32_t ms__ipc_copy_cost(size_t len);

/* ---- msg.c ---- */

/* Free a message that leaves its queue undelivered (node gone): credit
 * its charge, its reservation, and count it dropped. */
void ms__ipc_msg_drop(struct ms__ipc *ipc, struct ms__ipc_msg *m,
		      uint32_t node);
/* Free a token: release its reservation, unlink it from its reply node. */
void ms__ipc_token_free(struct ms__ipc *ipc, struct ms__ipc_token *tk);

#endif
