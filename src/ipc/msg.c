/* SPDX-License-Identifier: MIT */
/*
 * IPC messages: send, request, reply, receive.
 *
 * Every send is decode-then-act (as seL4 does it): first every argument is
 * validated and every charge is checked without touching any state; only
 * then is the message built, its charges applied, its handles moved out of
 * the sender and the message queued. So a refused message has changed
 * nothing but the refusal counters, and a queued one is whole: its bytes,
 * its handles and its reservation all went in together.
 *
 * Invariants:
 *  - a queued message's charge is live, and released exactly once: when it
 *    is dequeued (ms_ipc_recv) or dropped (its node went away);
 *  - a request's token exists from SEND until the reply is queued, the
 *    request is dropped, or its receiver gives up or dies; while the reply
 *    node lives the token is in that node's list, so that destroying the
 *    node releases the reservation at once;
 *  - a reservation moves, without being released, from the token to the
 *    reply, and is released when the reply leaves the queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"
#include "core/cost.h"
#include "ipc/ipc_priv.h"

static const struct ms_ipc_amount zero_amount;

/* ---- freeing ------------------------------------------------------------ */

void ms__ipc_token_free(struct ms__ipc *ipc, struct ms__ipc_token *tk)
{
	ms__ipc_charge_release(ipc, &tk->resv, true);
	if (tk->reply_node) {
		struct ms__ipc_node *n = ms__ipc_node_get(ipc, tk->reply_node);

		g_assert(n);
		g_queue_unlink(&n->tokens, &tk->node_link);
	}
	g_free(tk);
}

static void msg_free(struct ms__ipc *ipc, struct ms__ipc_msg *m)
{
	ms__kfree(ipc->sim, m->block);
	g_free(m);
}

/* Heap bytes a message's block asks for: the record, the bytes, and the
 * node ids of its handles (4-aligned). */
static size_t block_size(size_t len, size_t n_handles)
{
	return MS_IPC_MSG_HEADER + ((len + 3) & ~(size_t)3) +
	       n_handles * sizeof(uint32_t);
}

void ms__ipc_msg_drop(struct ms__ipc *ipc, struct ms__ipc_msg *m,
		      uint32_t node)
{
	struct ms__ipc_ident *id = ms__ipc_ident_get(ipc, m->sender_group);

	ms__ipc_charge_release(ipc, &m->charge, m->charge_is_resv);
	if (m->token)
		ms__ipc_token_free(ipc, m->token);
	ms__ipc_counts(ipc, id)->dropped++;
	ms__ipc_counts(ipc, ipc->all)->dropped++;
	ms__event(ipc->sim, MS_EV_IPC_DROP, m->sender, m->len, node);
	msg_free(ipc, m);
}

/* ---- sending ------------------------------------------------------------ */

struct send_args {
	/* send and request */
	ms_ipc_handle dst;
	const struct ms_ipc_out *msg;
	uint64_t *id;
	/* request */
	bool request;
	ms_ipc_handle reply_to;
	size_t reply_bytes;
	size_t reply_handles;
	/* reply */
	bool reply;
	uint64_t token;
};

static int refuse(struct ms__ipc *ipc, struct ms_thread *t,
		  const struct send_args *a, enum ms_ipc_refusal why,
		  int res, int err)
{
	struct ms__ipc_ident *ids[2] = {
		ms__ipc_ident_get(ipc, ms__thread_group(t)), ipc->all,
	};

	for (int i = 0; i < 2; i++) {
		struct ms__ipc_counts *c = ms__ipc_counts(ipc, ids[i]);

		c->refused++;
		c->refused_by[why]++;
		if (res >= 0)
			c->refused_res[res]++;
		if (a->reply)
			c->replies_refused++;
	}
	ms__event(ipc->sim, MS_EV_IPC_DENY, ms__thread_tid(t),
		  a->msg ? a->msg->len : 0, (uint64_t)-err);
	return err;
}

/* The errno and reason for an accounting refusal: the caller's own budget
 * is its own problem (-EDQUOT); the receiver's is "no room there for you
 * now" (-ENOBUFS). */
static int refuse_charge(struct ms__ipc *ipc, struct ms_thread *t,
			 const struct send_args *a, bool own, int verdict,
			 unsigned res)
{
	enum ms_ipc_refusal why;

	if (verdict == MS_IPC_REFUSE_FAIR_SHARE + 1)
		why = MS_IPC_REFUSE_FAIR_SHARE;
	else
		why = own ? MS_IPC_REFUSE_SENDER_BUDGET :
			MS_IPC_REFUSE_RECEIVER_BUDGET;
	return refuse(ipc, t, a, why, (int)res, own ? -EDQUOT : -ENOBUFS);
}

/* Validate the handles a message carries: held by the sender, no repeats. */
static int check_handles(struct ms__ipc *ipc, struct ms_thread *t,
			 const struct ms_ipc_out *o, struct ms__ipc_handle **hds)
{
	for (size_t i = 0; i < o->n_handles; i++) {
		hds[i] = ms__ipc_handle_get(ipc, t, o->handles[i]);
		if (!hds[i])
			return -EBADF;
		for (size_t j = 0; j < i; j++)
			if (o->handles[j] == o->handles[i])
				return -EINVAL;
	}
	return 0;
}

static int do_send(struct ms_sim *sim, void *arg)
{
	struct send_args *a = arg;
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms__ipc_thread *st = ms__ipc_thread(t);
	const struct ms_ipc_out *o = a->msg;
	struct ms__ipc_handle *hds[MS_IPC_HANDLES_MAX];
	struct ms__ipc_handle *hd;
	struct ms__ipc_node *n, *rn = NULL;
	struct ms__ipc_token *tk = NULL, *rtk;
	struct ms__ipc_msg *m;
	struct ms__ipc_ident *sid;
	void *block;
	struct ms__ipc_charge charge = { 0 };
	struct ms_ipc_send_info info = { 0 };
	struct ms_ipc_plan plan = { MS_IPC_PAY_SENDER, MS_IPC_RULE_BUDGET, false };
	struct ms_ipc_amount room = { 0 };
	uint32_t sgroup = ms__thread_group(t);
	bool own, use_resv = false;
	unsigned res = 0;
	int ret, verdict;

	/* ---- decode: nothing changes until every check has passed ---- */
	if (!o || (o->len && !o->data) || (o->n_handles && !o->handles))
		return refuse(ipc, t, a, MS_IPC_REFUSE_BAD_HANDLE, -1, -EINVAL);
	if (o->len > MS_IPC_MSG_MAX || o->n_handles > MS_IPC_HANDLES_MAX)
		return refuse(ipc, t, a, MS_IPC_REFUSE_TOO_BIG, -1, -EMSGSIZE);

	if (a->reply) {
		tk = g_hash_table_lookup(st->tokens, &a->token);
		if (!tk)
			return refuse(ipc, t, a, MS_IPC_REFUSE_BAD_HANDLE, -1,
				      -EBADF);
		if (!tk->reply_node) {
			/* Nobody to answer any more: the token is spent. */
			g_hash_table_remove(st->tokens, &tk->id);
			ms__ipc_token_free(ipc, tk);
			return refuse(ipc, t, a, MS_IPC_REFUSE_NODE_GONE, -1,
				      -EPIPE);
		}
		if (o->len > tk->room.bytes || o->n_handles > tk->room.handles)
			return refuse(ipc, t, a, MS_IPC_REFUSE_TOO_BIG, -1,
				      -EMSGSIZE);
		n = ms__ipc_node_get(ipc, tk->reply_node);
		g_assert(n);
	} else {
		hd = ms__ipc_handle_get(ipc, t, a->dst);
		if (!hd)
			return refuse(ipc, t, a, MS_IPC_REFUSE_BAD_HANDLE, -1,
				      -EBADF);
		n = ms__ipc_node_get(ipc, hd->node);
		if (!n)
			return refuse(ipc, t, a, MS_IPC_REFUSE_NODE_GONE, -1,
				      -EPIPE);
	}
	ret = check_handles(ipc, t, o, hds);
	if (ret)
		return refuse(ipc, t, a, MS_IPC_REFUSE_BAD_HANDLE, -1, ret);
	if (a->request) {
		if (a->reply_bytes > MS_IPC_MSG_MAX ||
		    a->reply_handles > MS_IPC_HANDLES_MAX)
			return refuse(ipc, t, a, MS_IPC_REFUSE_TOO_BIG, -1,
				      -EMSGSIZE);
		hd = ms__ipc_handle_get(ipc, t, a->reply_to);
		if (!hd)
			return refuse(ipc, t, a, MS_IPC_REFUSE_BAD_HANDLE, -1,
				      -EBADF);
		rn = ms__ipc_node_get(ipc, hd->node);
		if (!rn)
			return refuse(ipc, t, a, MS_IPC_REFUSE_NODE_GONE, -1,
				      -EPIPE);
		room = (struct ms_ipc_amount){ a->reply_bytes, 1,
					       a->reply_handles };
	}

	/* ---- who pays, and is there room ---- */
	info.sender = ms__thread_tid(t);
	info.sender_group = sgroup;
	info.receiver_group = n->group;
	info.node = n->id;
	info.cost = (struct ms_ipc_amount){ o->len, 1, o->n_handles };
	info.request = a->request;
	info.reply_room = room;
	if (a->reply && tk->resv.live) {
		/* The room was paid for at SEND of the request. */
		use_resv = true;
	} else {
		info.reply = a->reply;
		ret = ipc->mode->ops->plan(ipc->mode_state, &info, &plan);
		if (ret)
			return refuse(ipc, t, a, MS_IPC_REFUSE_MODE, -1,
				      ret < 0 ? ret : -EPERM);
		own = plan.payer == MS_IPC_PAY_SENDER;
		charge.payer = own ? sgroup : n->group;
		charge.peer = own ? n->group : sgroup;
		charge.amt = info.cost;
		verdict = ms__ipc_check(ipc, charge.payer, charge.peer,
					&charge.amt, plan.rule, &zero_amount,
					&res);
		if (verdict)
			return refuse_charge(ipc, t, a, own, verdict, res);
	}
	if (a->request && plan.reserve_reply) {
		/* Reservation pair: (requester, the service that answers). */
		const struct ms_ipc_amount *pending = &zero_amount;

		if (charge.payer == sgroup && charge.peer == n->group)
			pending = &charge.amt;
		verdict = ms__ipc_check(ipc, sgroup, n->group, &room,
					MS_IPC_RULE_BUDGET, pending, &res);
		if (verdict)
			return refuse(ipc, t, a, MS_IPC_REFUSE_REPLY_RESERVE,
				      (int)res, -EDQUOT);
	}

	/* The last check: room in the kernel heap for the message. */
	ret = ms__kalloc(sim, NULL, block_size(o->len, o->n_handles),
			 MS_ALLOC_IPC, &block);
	if (ret)
		return refuse(ipc, t, a, MS_IPC_REFUSE_NO_MEMORY, -1, ret);

	/* ---- act ---- */
	sid = ms__ipc_ident_get(ipc, sgroup);
	m = g_new0(struct ms__ipc_msg, 1);
	m->id = ++ipc->next_msg;
	m->sender = info.sender;
	m->sender_group = sgroup;
	m->block = block;
	m->data = (char *)block + MS_IPC_MSG_HEADER;
	m->len = o->len;
	if (o->len)
		memcpy(m->data, o->data, o->len);
	m->n_handles = o->n_handles;
	m->nodes = (uint32_t *)((char *)m->data + ((o->len + 3) & ~(size_t)3));
	if (o->n_handles) {
		for (size_t i = 0; i < o->n_handles; i++) {
			m->nodes[i] = hds[i]->node;
			ms__ipc_handle_detach(ipc, hds[i]);
		}
	}
	if (use_resv) {
		/* Move the reservation into the reply without releasing it. */
		m->charge = tk->resv;
		m->charge_is_resv = true;
		tk->resv.live = false;
	} else {
		m->charge = charge;
		ms__ipc_charge_apply(ipc, &m->charge, false);
	}
	if (a->request) {
		rtk = g_new0(struct ms__ipc_token, 1);
		rtk->id = m->id;
		rtk->reply_node = rn->id;
		rtk->room = room;
		if (plan.reserve_reply) {
			rtk->resv = (struct ms__ipc_charge){
				.payer = sgroup, .peer = n->group, .amt = room,
			};
			ms__ipc_charge_apply(ipc, &rtk->resv, true);
		}
		rtk->node_link.data = rtk;
		g_queue_push_tail_link(&rn->tokens, &rtk->node_link);
		m->token = rtk;
		m->flags |= MS_IPC_MSG_REQUEST;
	}
	if (a->reply) {
		m->flags |= MS_IPC_MSG_REPLY;
		m->in_reply_to = tk->id;
		g_hash_table_remove(st->tokens, &tk->id);
		ms__ipc_token_free(ipc, tk);
	}
	m->link.data = m;
	g_queue_push_tail_link(&n->queue, &m->link);

	for (int i = 0; i < 2; i++) {
		struct ms__ipc_counts *c = ms__ipc_counts(ipc,
			i ? ipc->all : sid);

		c->sent++;
		c->bytes_sent += o->len;
		c->requests += a->request;
		c->replies += a->reply;
	}
	ms__event(sim, MS_EV_IPC_SEND, info.sender, o->len, n->id);
	if (a->id)
		*a->id = m->id;
	ms__wake_one(sim, &n->waiters, 0);
	return 0;
}

static uint32_t send_cost(const struct ms_ipc_out *msg)
{
	uint32_t cost = MS__COST_KERNEL_ENTRY + MS__COST_OBJ + MS__COST_QUOTA;

	if (msg && msg->len <= MS_IPC_MSG_MAX &&
	    msg->n_handles <= MS_IPC_HANDLES_MAX)
		cost += ms__ipc_copy_cost(msg->len) +
			(uint32_t)msg->n_handles * MS__COST_OBJ;
	return cost;
}

int ms_ipc_send(struct ms_sim *sim, ms_ipc_handle h,
		const struct ms_ipc_out *msg, uint64_t *id)
{
	struct send_args a = { .dst = h, .msg = msg, .id = id };

	return ms__ipc_syscall(sim, send_cost(msg), do_send, &a);
}

int ms_ipc_request(struct ms_sim *sim, ms_ipc_handle h,
		   const struct ms_ipc_out *msg, ms_ipc_handle reply_to,
		   size_t reply_bytes, size_t reply_handles, uint64_t *id)
{
	struct send_args a = {
		.dst = h, .msg = msg, .id = id, .request = true,
		.reply_to = reply_to, .reply_bytes = reply_bytes,
		.reply_handles = reply_handles,
	};

	return ms__ipc_syscall(sim, send_cost(msg) + MS__COST_QUOTA, do_send,
			       &a);
}

int ms_ipc_reply(struct ms_sim *sim, uint64_t token,
		 const struct ms_ipc_out *msg)
{
	struct send_args a = { .msg = msg, .reply = true, .token = token };

	return ms__ipc_syscall(sim, send_cost(msg), do_send, &a);
}

static int do_reply_drop(struct ms_sim *sim, void *arg)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms__ipc_thread *st = ms__ipc_thread(ms__current(sim));
	struct ms__ipc_token *tk = g_hash_table_lookup(st->tokens, arg);

	if (!tk)
		return -EBADF;
	g_hash_table_remove(st->tokens, &tk->id);
	ms__ipc_token_free(ipc, tk);
	return 0;
}

int ms_ipc_reply_drop(struct ms_sim *sim, uint64_t token)
{
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_reply_drop, &token);
}

/* ---- receiving ---------------------------------------------------------- */

struct recv_args {
	ms_ipc_handle h;
	int64_t timeout;
	struct ms_ipc_in *in;
};

/* Dequeue m into in: its charge is released, its handles become the
 * caller's, a request's token goes to the caller. */
static void deliver(struct ms__ipc *ipc, struct ms_thread *t,
		    struct ms__ipc_node *n, struct ms__ipc_msg *m,
		    struct ms_ipc_in *in)
{
	struct ms__ipc_thread *st = ms__ipc_thread(t);

	g_queue_unlink(&n->queue, &m->link);
	ms__ipc_charge_release(ipc, &m->charge, m->charge_is_resv);
	if (m->len)
		memcpy(in->buf, m->data, m->len);
	for (size_t i = 0; i < m->n_handles; i++)
		in->handles[i] = ms__ipc_handle_new(ipc, t, m->nodes[i]);
	in->id = m->id;
	in->sender = m->sender;
	in->sender_group = m->sender_group;
	in->flags = m->flags;
	in->in_reply_to = m->in_reply_to;
	in->token = 0;
	if (m->token) {
		m->token->holder = ms__thread_tid(t);
		g_hash_table_insert(st->tokens, &m->token->id, m->token);
		in->token = m->token->id;
	}
	for (int i = 0; i < 2; i++) {
		struct ms__ipc_counts *c = ms__ipc_counts(ipc,
			i ? ipc->all :
			    ms__ipc_ident_get(ipc, ms__thread_group(t)));

		c->received++;
		c->bytes_received += m->len;
	}
	ms__event(ipc->sim, MS_EV_IPC_RECV, ms__thread_tid(t), m->len, n->id);
	ms__clock_advance(ipc->sim, ms__ipc_copy_cost(m->len) +
			  (uint64_t)m->n_handles * MS__COST_OBJ);
	msg_free(ipc, m);
}

static int do_recv(struct ms_sim *sim, void *arg)
{
	struct recv_args *a = arg;
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms_ipc_in *in = a->in;
	struct ms__ipc_handle *hd = ms__ipc_handle_get(ipc, t, a->h);
	uint32_t node_id;
	uint64_t deadline = 0;
	int64_t left = a->timeout;

	if (!hd)
		return -EBADF;
	node_id = hd->node;
	if (a->timeout > 0)
		deadline = ms_sim_now(sim) + (uint64_t)a->timeout;
	for (;;) {
		/* Looked up again after every wait: only its owner can
		 * destroy a node, but a node is never trusted across one. */
		struct ms__ipc_node *n = ms__ipc_node_get(ipc, node_id);
		struct ms__ipc_msg *m;
		int ret;

		if (!n)
			return -EPIPE;
		if (n->owner != ms__thread_tid(t))
			return -EPERM;
		m = g_queue_peek_head(&n->queue);
		if (m) {
			in->len = m->len;
			in->n_handles = m->n_handles;
			if (m->len > in->buf_size ||
			    m->n_handles > in->handles_size)
				return -EMSGSIZE;
			deliver(ipc, t, n, m, in);
			return 0;
		}
		if (a->timeout == MS_NO_WAIT)
			return -EAGAIN;
		if (a->timeout > 0) {
			uint64_t now = ms_sim_now(sim);

			if (now >= deadline)
				return -EAGAIN;
			left = (int64_t)(deadline - now);
		}
		ret = ms__wait(sim, &n->waiters, left);
		if (ret == -EAGAIN || ret == -EPIPE)
			return ret;
	}
}

int ms_ipc_recv(struct ms_sim *sim, ms_ipc_handle h, int64_t timeout,
		struct ms_ipc_in *in)
{
	struct recv_args a = { h, timeout, in };

	if (!in || (in->buf_size && !in->buf) ||
	    (in->handles_size && !in->handles) || timeout < MS_FOREVER)
		return -EINVAL;
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_recv, &a);
}
