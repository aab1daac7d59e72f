/* SPDX-License-Identifier: MIT */
/*
 * memsim: message passing with accounted resources (a capability bus).
 *
 * A node is a message queue owned by one simulated thread (a service, or a
 * peer waiting for replies). Threads reach nodes through handles: small
 * numbers, each held by exactly one thread, that name a node. A message
 * carries bytes and handles; the handles it carries are moved out of the
 * sender at SEND and handed to the receiver, as new handles, at RECV.
 *
 * Accounting. Every queued message costs {bytes, 1 message, handles} and a
 * request may reserve room for its reply. These costs are charged to the
 * budget of an accounting identity, a thread group (ms_thread_attr.group),
 * and recorded per pair (payer, peer): who pays, and on whose behalf. Which
 * identity pays and under which rule is decided by the sim's accounting
 * mode, an ops table registered on the sim and chosen by name:
 *
 *   "sender-pays"    the sender's budget pays until the receiver dequeues
 *                    the message (a receiver that never reads exhausts its
 *                    senders);
 *   "receiver-pays"  ownership moves at SEND: the receiver's budget pays,
 *                    so RECV never fails for accounting reasons;
 *   "fair-share"     as receiver-pays, but one sender identity may hold at
 *                    most half of the receiver's budget that no other
 *                    identity holds (bus1's rule);
 *   "request-reply"  as fair-share, and a request also reserves room for
 *                    its reply on the requester's own budget, so a service
 *                    never fails to answer and a requester that never reads
 *                    its replies only exhausts itself.
 *
 * A charge is released when its message leaves the queue (received, or
 * dropped because its node went away); a reservation when its reply is
 * received or can no longer be sent. Nothing is lost: a message is either
 * queued whole (bytes, handles, reservation) or refused with nothing moved.
 * docs/ipc.md has the model, the arithmetic and the protection table.
 *
 * Outcomes of a send seen by a simulated thread (all counted, none fatal):
 *   -EDQUOT    the caller's own budget has no room (sender-pays), or no
 *              room for a reply reservation (request-reply);
 *   -ENOBUFS   the receiver's budget has no room for this message, or no
 *              room within this sender's fair share of it;
 *   -EPIPE     the destination node is gone (destroyed, or its owner died);
 *   -EBADF     a handle the caller does not hold;
 *   -EMSGSIZE  more than MS_IPC_MSG_MAX bytes or MS_IPC_HANDLES_MAX
 *              handles, or a reply larger than the room its request asked;
 *   -ENOMEM    the kernel heap has no room for the message.
 *
 * Storage: a queued message's bytes and handles live in one block of the
 * system heap (ms_heap_system), MS_IPC_MSG_HEADER + len (rounded up to 4)
 * + 4 per handle bytes, allocated as the kernel's own memory (kind
 * MS_ALLOC_IPC): the IPC budgets are the only accounting of IPC, so that
 * the quota policies and the IPC modes can be compared independently, but
 * what messages occupy is real kernel heap, and running it out is seen.
 *
 * Calls that act for a simulated thread (nodes, handles, send, receive)
 * return -EPERM from the host. Every such call is a kernel entry: it costs
 * simulated ticks and is a preemption point.
 */
#ifndef MEMSIM_IPC_H
#define MEMSIM_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ms_sim;

/* A handle, meaningful only to the thread that holds it. Never reused. */
typedef uint32_t ms_ipc_handle;
#define MS_IPC_HANDLE_NONE ((ms_ipc_handle)0)

#define MS_IPC_MSG_MAX ((size_t)1 << 20)	/* bytes in one message */
#define MS_IPC_HANDLES_MAX 64u			/* handles in one message */
#define MS_IPC_NAME_MAX 32			/* node names, with the NUL */
#define MS_IPC_MODE_NAME_MAX 32			/* mode names, with the NUL */
#define MS_IPC_UNLIMITED UINT64_MAX		/* a budget without limit */
#define MS_IPC_GROUP_ALL UINT32_MAX		/* ms_ipc_stats: every group */
#define MS_IPC_MSG_HEADER 16u			/* heap bytes of a message's record */

/* What a message (or a reservation, or a budget) amounts to. */
struct ms_ipc_amount {
	uint64_t bytes;
	uint64_t msgs;
	uint64_t handles;
};

/* ---- nodes and handles ---- */

/*
 * Create a node owned by the calling thread, and a handle to it for the
 * caller. A name (may be NULL) publishes the node on the sim's name table,
 * where any thread can look it up; the name goes with the node.
 * @retval 0 and *out set
 * @retval -EINVAL name is empty or longer than MS_IPC_NAME_MAX - 1, or out
 *         is NULL
 * @retval -EEXIST a live node has that name
 * @retval -EPERM called from the host
 */
int ms_ipc_node_new(struct ms_sim *sim, const char *name, ms_ipc_handle *out);

/*
 * Destroy a node the caller owns (through any handle to it). Its queued
 * messages are dropped and their charges credited; handles to it stay
 * valid but sends through them fail with -EPIPE.
 * @retval 0 destroyed
 * @retval -EBADF the caller does not hold h
 * @retval -EPIPE the node is already gone
 * @retval -EPERM the caller does not own the node, or called from the host
 */
int ms_ipc_node_destroy(struct ms_sim *sim, ms_ipc_handle h);

/*
 * Get a handle to the node published under name, waiting up to timeout
 * ticks (MS_NO_WAIT, MS_FOREVER) for it to appear.
 * @retval 0 and *out set
 * @retval -ENOENT no such name and timeout was MS_NO_WAIT
 * @retval -EAGAIN the timeout expired
 * @retval -EINVAL name or out is NULL
 * @retval -EPERM called from the host
 */
int ms_ipc_lookup(struct ms_sim *sim, const char *name, int64_t timeout,
		  ms_ipc_handle *out);

/*
 * A second handle to the node h names, for the caller (to keep one while
 * sending the other away).
 * @retval 0 and *out set
 * @retval -EBADF the caller does not hold h
 * @retval -EPERM called from the host
 */
int ms_ipc_handle_dup(struct ms_sim *sim, ms_ipc_handle h, ms_ipc_handle *out);

/*
 * Close a handle the caller holds.
 * @retval 0 closed
 * @retval -EBADF the caller does not hold h
 * @retval -EPERM called from the host
 */
int ms_ipc_handle_close(struct ms_sim *sim, ms_ipc_handle h);

struct ms_ipc_handle_info {
	ms_ipc_handle handle;
	ms_tid holder;
	uint32_t node;		/* node id (as in events) */
	bool node_alive;
	ms_tid owner;		/* the node's owner (while it is alive) */
	uint32_t owner_group;	/* the identity whose budget it uses */
	uint64_t queued;	/* messages queued on it now */
	char name[MS_IPC_NAME_MAX];	/* "" if anonymous */
};

/*
 * Describe a handle. From the host any live handle; from a simulated thread
 * only its own.
 * @retval 0 and *out filled
 * @retval -EBADF no such handle (for this caller)
 * @retval -EINVAL out is NULL
 */
int ms_ipc_handle_info(struct ms_sim *sim, ms_ipc_handle h,
		       struct ms_ipc_handle_info *out);

/* ---- messages ---- */

/* A message to send. handles (held by the sender, all different) are moved
 * into the message when it is queued, and stay with the sender if it is
 * refused. */
struct ms_ipc_out {
	const void *data;
	size_t len;
	const ms_ipc_handle *handles;
	size_t n_handles;
};

enum ms_ipc_msg_flags {
	MS_IPC_MSG_REQUEST = 1u << 0,	/* answer with ms_ipc_reply(token) */
	MS_IPC_MSG_REPLY = 1u << 1,	/* answers request in_reply_to */
};

/* A message received. The caller provides buf and handles; the rest is
 * filled by ms_ipc_recv. */
struct ms_ipc_in {
	void *buf;			/* in: room for the bytes */
	size_t buf_size;
	ms_ipc_handle *handles;		/* in: room for the handles */
	size_t handles_size;
	size_t len;			/* out: bytes (needed, on -EMSGSIZE) */
	size_t n_handles;		/* out: handles (needed, on -EMSGSIZE) */
	uint64_t id;			/* out: message id, never reused */
	ms_tid sender;
	uint32_t sender_group;
	unsigned flags;			/* enum ms_ipc_msg_flags */
	uint64_t token;			/* a request: its reply token */
	uint64_t in_reply_to;		/* a reply: the request's id */
};

/*
 * Queue a message on the node h names, under the sim's accounting mode.
 * Never blocks. id (may be NULL) receives the message id.
 * @retval 0 queued
 * @retval -EDQUOT, -ENOBUFS, -EPIPE, -EBADF, -EMSGSIZE, -ENOMEM see above
 * @retval -EINVAL msg is NULL, two of its handles are the same, or data is
 *         NULL with len > 0
 * @retval -EPERM called from the host
 */
int ms_ipc_send(struct ms_sim *sim, ms_ipc_handle h,
		const struct ms_ipc_out *msg, uint64_t *id);

/*
 * Send a request: a message whose receiver gets a token to answer it with
 * ms_ipc_reply(). The reply goes to the node reply_to names (normally one
 * the caller owns) and may carry up to reply_bytes bytes and
 * reply_handles handles. Under "request-reply" that room is reserved on
 * the caller's budget now. id (may be NULL) receives the request id, which
 * the reply carries in in_reply_to.
 * @retval 0 queued
 * @retval -EDQUOT, -ENOBUFS, -EPIPE, -EBADF, -EMSGSIZE, -ENOMEM, -EINVAL,
 *         -EPERM as ms_ipc_send; -EBADF and -EPIPE also for reply_to; -EMSGSIZE also
 *         for reply room above MS_IPC_MSG_MAX or MS_IPC_HANDLES_MAX
 */
int ms_ipc_request(struct ms_sim *sim, ms_ipc_handle h,
		   const struct ms_ipc_out *msg, ms_ipc_handle reply_to,
		   size_t reply_bytes, size_t reply_handles, uint64_t *id);

/*
 * Answer a request received by the caller. With a reservation the reply
 * takes the reserved room and cannot be refused for accounting; without
 * one it is charged like any message, and if refused the token stays
 * valid so that the reply may be tried again (or dropped).
 * @retval 0 queued (the token is used up)
 * @retval -EBADF the caller holds no such token
 * @retval -EPIPE the reply node is gone (the token is used up)
 * @retval -EMSGSIZE larger than the room the request asked for
 * @retval -EDQUOT, -ENOBUFS, -ENOMEM, -EBADF, -EINVAL as ms_ipc_send
 * @retval -EPERM called from the host
 */
int ms_ipc_reply(struct ms_sim *sim, uint64_t token,
		 const struct ms_ipc_out *msg);

/*
 * Give up answering a request; its reservation, if any, is released.
 * @retval 0, -EBADF no such token held by the caller, -EPERM from the host
 */
int ms_ipc_reply_drop(struct ms_sim *sim, uint64_t token);

/*
 * Take the oldest message from a node the caller owns, waiting up to
 * timeout ticks for one (MS_NO_WAIT, MS_FOREVER). Its bytes are copied to
 * in->buf and its handles become the caller's (in in->handles).
 * @retval 0 received; the message's charge is released
 * @retval -EAGAIN nothing arrived in time
 * @retval -EMSGSIZE in->buf or in->handles is too small; in->len and
 *         in->n_handles say what is needed; the message stays queued
 * @retval -EBADF the caller does not hold h
 * @retval -EPIPE the node is gone
 * @retval -EPERM the caller does not own the node, or called from the host
 * @retval -EINVAL in is NULL, or a buffer is NULL with a size > 0
 */
int ms_ipc_recv(struct ms_sim *sim, ms_ipc_handle h, int64_t timeout,
		struct ms_ipc_in *in);

/* ---- accounting modes ---- */

/* Whose budget a message is charged to. */
enum ms_ipc_payer {
	MS_IPC_PAY_SENDER = 0,
	MS_IPC_PAY_RECEIVER,
};

/* The rule a charge is checked against. */
enum ms_ipc_rule {
	/* held + charge <= limit, for each resource */
	MS_IPC_RULE_BUDGET = 0,
	/* as BUDGET, and the peer's part after the charge is at most half of
	 * the limit less what other peers hold, for each resource charged:
	 *     2 * (held_by_peer + charge) <= limit - held_by_others */
	MS_IPC_RULE_FAIR_SHARE,
};

/* What a mode is asked about, at SEND. */
struct ms_ipc_send_info {
	ms_tid sender;
	uint32_t sender_group;
	uint32_t receiver_group;	/* the destination node's identity */
	uint32_t node;
	struct ms_ipc_amount cost;	/* {len, 1, n_handles} */
	bool request;			/* asks for a reply */
	struct ms_ipc_amount reply_room; /* requests: {bytes, 1, handles} */
	bool reply;			/* a reply without reservation */
};

/* What a mode decides. */
struct ms_ipc_plan {
	enum ms_ipc_payer payer;
	enum ms_ipc_rule rule;
	/* requests: charge reply_room to the sender's own budget (rule
	 * BUDGET) until the reply is received or cannot be sent */
	bool reserve_reply;
};

/*
 * An accounting mode. Register it with ms_ipc_mode_register(); the struct
 * must outlive the sim. Only plan is required. The framework applies the
 * plan, checks the budgets and releases every charge when its message
 * leaves its queue, so that a mode cannot leak or double-credit. state
 * points to state_size zeroed bytes while the mode is active.
 */
struct ms_ipc_mode_ops {
	const char *name;
	const char *summary;		/* one line, for listings */
	size_t state_size;
	int (*init)(void *state);
	void (*fini)(void *state);
	/* 0 and *plan filled (it arrives as {SENDER, BUDGET, false}); or a
	 * negative errno to refuse the message outright (counted as refused
	 * by the mode). Must not block. */
	int (*plan)(void *state, const struct ms_ipc_send_info *s,
		    struct ms_ipc_plan *plan);
};

/*
 * Register a mode on a sim (the four built-ins are registered at
 * creation).
 * @retval 0 registered
 * @retval -EINVAL ops, ops->name or ops->plan missing, or a name longer
 *         than MS_IPC_MODE_NAME_MAX - 1
 * @retval -EEXIST a mode of that name is registered
 * @retval -EPERM called from a user thread
 */
int ms_ipc_mode_register(struct ms_sim *sim, const struct ms_ipc_mode_ops *ops);

/* Registered modes, in registration order: 0 .. count-1. */
size_t ms_ipc_mode_count(struct ms_sim *sim);
const struct ms_ipc_mode_ops *ms_ipc_mode_at(struct ms_sim *sim, size_t i);

/*
 * Make a mode active, by name (looked up once, here). The initial mode is
 * "fair-share". Switching while messages are queued is allowed: every
 * charge already made is credited to whom it was charged, whatever the
 * mode is when it is released.
 * @retval 0 active
 * @retval -ENOENT no mode of that name
 * @retval -EINVAL name is NULL
 * @retval -EPERM called from a user thread
 * @retval other the mode's init refused (its errno)
 */
int ms_ipc_mode_set(struct ms_sim *sim, const char *name);

/* The active mode's name. */
const char *ms_ipc_mode_name(struct ms_sim *sim);

/* ---- budgets ---- */

/*
 * Set the budget of one identity, or the default of every identity that
 * has none of its own. Takes effect at the next charge; what is already
 * held is not taken back. The initial default is {16384 bytes,
 * 64 messages, 64 handles}.
 * @retval 0, -EINVAL limit is NULL, -EPERM called from a user thread
 */
int ms_ipc_budget_set(struct ms_sim *sim, uint32_t group,
		      const struct ms_ipc_amount *limit);
int ms_ipc_budget_default_set(struct ms_sim *sim,
			      const struct ms_ipc_amount *limit);
/* Back to the default. @retval 0, -EPERM */
int ms_ipc_budget_reset(struct ms_sim *sim, uint32_t group);
/* The budget in force for group. */
void ms_ipc_budget_get(struct ms_sim *sim, uint32_t group,
		       struct ms_ipc_amount *out);

/*
 * What peer holds on payer's budget now (messages and reservations charged
 * to payer on peer's behalf).
 */
void ms_ipc_usage(struct ms_sim *sim, uint32_t payer, uint32_t peer,
		  struct ms_ipc_amount *out);

/*
 * The most a sender identity could still add to a charge on payer's budget
 * under the fair-share rule, per resource: floor((limit - others) / 2) -
 * held_by_peer, or 0.
 */
void ms_ipc_fair_share_room(struct ms_sim *sim, uint32_t payer, uint32_t peer,
			    struct ms_ipc_amount *out);

/* ---- counters ---- */

/* Why a send was refused. X(name, "text") */
#define MS_IPC_REFUSALS(X)                                                    \
	X(SENDER_BUDGET, "sender-budget")	/* -EDQUOT */                \
	X(RECEIVER_BUDGET, "receiver-budget")	/* -ENOBUFS */               \
	X(FAIR_SHARE, "fair-share")		/* -ENOBUFS */               \
	X(REPLY_RESERVE, "reply-reserve")	/* -EDQUOT */                \
	X(MODE, "mode")				/* the mode's own errno */   \
	X(NODE_GONE, "node-gone")		/* -EPIPE */                 \
	X(TOO_BIG, "too-big")			/* -EMSGSIZE */              \
	X(BAD_HANDLE, "bad-handle")		/* -EBADF, -EINVAL */         \
	X(NO_MEMORY, "no-memory")		/* -ENOMEM: the kernel heap */

enum ms_ipc_refusal {
#define MS__IPC_RF_ENUM(name, text) MS_IPC_REFUSE_##name,
	MS_IPC_REFUSALS(MS__IPC_RF_ENUM)
#undef MS__IPC_RF_ENUM
	MS_IPC_REFUSE__COUNT
};

/* "sender-budget", ...; "?" for an unknown reason. */
const char *ms_ipc_refusal_name(unsigned reason);

enum ms_ipc_resource {
	MS_IPC_RES_BYTES = 0,
	MS_IPC_RES_MSGS,
	MS_IPC_RES_HANDLES,
	MS_IPC_RES__COUNT
};

/* "bytes", "messages", "handles"; "?" for an unknown resource. */
const char *ms_ipc_resource_name(unsigned res);

/*
 * Counters of one identity (or of all, MS_IPC_GROUP_ALL). The first block
 * counts events while a given mode was active (or under every mode); the
 * second is the state now, whatever the mode.
 */
struct ms_ipc_stats {
	uint64_t sent;			/* messages queued (requests, replies
					 * included) */
	uint64_t bytes_sent;
	uint64_t requests;		/* of sent */
	uint64_t replies;		/* of sent */
	uint64_t received;		/* messages dequeued by its threads */
	uint64_t bytes_received;
	uint64_t refused;		/* sends refused, every reason */
	uint64_t refused_by[MS_IPC_REFUSE__COUNT];
	/* accounting refusals by the first resource that had no room */
	uint64_t refused_res[MS_IPC_RES__COUNT];
	uint64_t replies_refused;	/* of refused: replies */
	uint64_t dropped;		/* its messages dropped undelivered */
	struct ms_ipc_amount peak;	/* the most held at once */

	struct ms_ipc_amount limit;	/* the budget in force */
	struct ms_ipc_amount held;	/* charged to its budget now */
	struct ms_ipc_amount reserved;	/* of held: reply reservations */
	uint64_t handles_owned;		/* handles its threads hold */
	uint64_t handles_owned_peak;
	uint64_t nodes;			/* live nodes it owns */
};

/*
 * mode: the counters gathered while that mode was active, or NULL for all
 * modes together. An identity nobody used reads as zeros with the default
 * budget (MS_IPC_GROUP_ALL: limit is zeros; peak is the sum held at once
 * over every identity).
 * @retval 0 and *out filled
 * @retval -ENOENT no mode of that name
 * @retval -EINVAL out is NULL
 */
int ms_ipc_stats(struct ms_sim *sim, uint32_t group, const char *mode,
		 struct ms_ipc_stats *out);

/* Identities that took part in IPC (sent, received, owned, were charged
 * or have a budget of their own), ascending: 0 .. count-1. */
size_t ms_ipc_group_count(struct ms_sim *sim);
uint32_t ms_ipc_group_at(struct ms_sim *sim, size_t i);

#ifdef __cplusplus
}
#endif
#endif
