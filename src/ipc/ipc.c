/* SPDX-License-Identifier: MIT */
/*
 * The IPC subsystem: nodes, handles, the name table, what a thread's death
 * releases, and the counters.
 *
 * Models a capability bus in the style of bus1: a node is a queue owned by
 * one thread; a handle is one thread's reference to a node and the only way
 * to name it; handles travel in messages. Nodes, handles and messages are
 * named by small never-reused numbers, so events and reports carry no host
 * address.
 *
 * Invariants:
 *  - every live handle is in ipc->handles and in its holder's table, and
 *    counted once in its holder identity's handles_owned;
 *  - every live node is in ipc->nodes and in its owner's list (and in
 *    ipc->names iff it has a name); a node's queue holds its messages only;
 *  - a dead thread holds nothing: thread_gone frees its tokens (releasing
 *    their reservations), destroys its nodes (dropping and crediting their
 *    messages) and closes its handles. Messages it sent that still wait in
 *    other threads' queues stay there, charged as the mode decided, until
 *    they are received or dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cost.h"
#include "ipc/ipc_priv.h"

/* ---- the kernel boundary ------------------------------------------------ */

int ms__ipc_syscall(struct ms_sim *sim, uint32_t cost,
		    int (*fn)(struct ms_sim *sim, void *arg), void *arg)
{
	struct ms_thread *t = ms__current(sim);
	int ret;

	if (!t)
		return -EPERM;
	if (ms__thread_is_user(t))
		cost += MS__COST_SYSCALL;
	ms__kernel_enter(sim, cost);
	ret = ms__call_privileged(sim, fn, arg);
	ms__kernel_exit(sim);
	return ret;
}

uint32_t ms__ipc_copy_cost(size_t len)
{
	return (uint32_t)((len + 63) / 64) * MS__COST_COPY_PER_64B;
}

/* ---- per-thread state --------------------------------------------------- */

struct ms__ipc_thread *ms__ipc_thread(struct ms_thread *t)
{
	struct ms__ipc_thread *st = ms__thread_sub(t, MS__SUB_IPC);

	if (st)
		return st;
	st = g_new0(struct ms__ipc_thread, 1);
	g_queue_init(&st->nodes);
	st->handles = g_hash_table_new(g_direct_hash, g_direct_equal);
	st->tokens = g_hash_table_new(g_int64_hash, g_int64_equal);
	ms__thread_sub_set(t, MS__SUB_IPC, st);
	return st;
}

/* Teardown (and the events it records) goes in id order, the same on
 * every run whatever the hash tables' internal order. */
static gint cmp_handle(gconstpointer a, gconstpointer b)
{
	const struct ms__ipc_handle *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static gint cmp_token(gconstpointer a, gconstpointer b)
{
	const struct ms__ipc_token *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- handles ------------------------------------------------------------ */

ms_ipc_handle ms__ipc_handle_new(struct ms__ipc *ipc, struct ms_thread *t,
				 uint32_t node)
{
	struct ms__ipc_thread *st = ms__ipc_thread(t);
	struct ms__ipc_handle *hd = g_new0(struct ms__ipc_handle, 1);
	struct ms__ipc_ident *id;

	hd->id = ++ipc->next_handle;
	hd->holder = ms__thread_tid(t);
	hd->holder_group = ms__thread_group(t);
	hd->node = node;
	g_hash_table_insert(ipc->handles, GUINT_TO_POINTER(hd->id), hd);
	g_hash_table_insert(st->handles, GUINT_TO_POINTER(hd->id), hd);
	id = ms__ipc_ident_get(ipc, hd->holder_group);
	id->handles_owned++;
	id->handles_owned_peak = MAX(id->handles_owned_peak, id->handles_owned);
	ipc->all->handles_owned++;
	ipc->all->handles_owned_peak = MAX(ipc->all->handles_owned_peak,
					   ipc->all->handles_owned);
	return hd->id;
}

struct ms__ipc_handle *ms__ipc_handle_get(struct ms__ipc *ipc,
					  struct ms_thread *t, ms_ipc_handle h)
{
	struct ms__ipc_handle *hd;

	hd = g_hash_table_lookup(ipc->handles, GUINT_TO_POINTER(h));
	if (!hd || hd->holder != ms__thread_tid(t))
		return NULL;
	return hd;
}

/* Forget a handle; the holder's table entry is removed by the caller when
 * it is iterating over that table. */
static void handle_free(struct ms__ipc *ipc, struct ms__ipc_handle *hd)
{
	struct ms__ipc_ident *id = ms__ipc_ident_find(ipc, hd->holder_group);

	g_assert(id && id->handles_owned);
	id->handles_owned--;
	ipc->all->handles_owned--;
	g_hash_table_remove(ipc->handles, GUINT_TO_POINTER(hd->id));
	g_free(hd);
}

void ms__ipc_handle_detach(struct ms__ipc *ipc, struct ms__ipc_handle *hd)
{
	struct ms_thread *t = ms__thread_lookup(ipc->sim, hd->holder);

	if (t)
		g_hash_table_remove(ms__ipc_thread(t)->handles,
				    GUINT_TO_POINTER(hd->id));
	handle_free(ipc, hd);
}

/* ---- nodes -------------------------------------------------------------- */

struct ms__ipc_node *ms__ipc_node_get(struct ms__ipc *ipc, uint32_t id)
{
	return g_hash_table_lookup(ipc->nodes, GUINT_TO_POINTER(id));
}

/*
 * Destroy a node: replies on their way here can no longer be delivered, so
 * their reservations go first; then the queued messages are dropped (which
 * credits them, and frees the tokens of requests among them).
 */
static void node_destroy(struct ms__ipc *ipc, struct ms__ipc_thread *owner,
			 struct ms__ipc_node *n)
{
	struct ms__ipc_token *tk;
	struct ms__ipc_msg *m;
	struct ms__ipc_ident *id;

	GList *l;

	/* The links are embedded: pop the link, never g_queue_pop_head(),
	 * which would free it. */
	while ((l = g_queue_pop_head_link(&n->tokens))) {
		tk = l->data;
		ms__ipc_charge_release(ipc, &tk->resv, true);
		tk->reply_node = 0;
	}
	while ((m = g_queue_peek_head(&n->queue))) {
		g_queue_unlink(&n->queue, &m->link);
		ms__ipc_msg_drop(ipc, m, n->id);
	}
	if (n->name[0])
		g_hash_table_remove(ipc->names, n->name);
	g_hash_table_remove(ipc->nodes, GUINT_TO_POINTER(n->id));
	if (owner)
		g_queue_unlink(&owner->nodes, &n->owner_link);
	/* Only the owner waits on a node, and it is either the caller or
	 * dead; wake anyone anyway rather than leave a dangling queue. */
	ms__wake_all(ipc->sim, &n->waiters, -EPIPE);
	id = ms__ipc_ident_find(ipc, n->group);
	g_assert(id && id->nodes);
	id->nodes--;
	ipc->all->nodes--;
	g_free(n);
}

struct node_new_args {
	const char *name;
	ms_ipc_handle *out;
};

static int do_node_new(struct ms_sim *sim, void *arg)
{
	struct node_new_args *a = arg;
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms__ipc_thread *st = ms__ipc_thread(t);
	struct ms__ipc_node *n;
	struct ms__ipc_ident *id;

	if (a->name && g_hash_table_lookup(ipc->names, a->name))
		return -EEXIST;
	n = g_new0(struct ms__ipc_node, 1);
	n->id = ++ipc->next_node;
	n->owner = ms__thread_tid(t);
	n->group = ms__thread_group(t);
	if (a->name)
		g_strlcpy(n->name, a->name, sizeof(n->name));
	g_queue_init(&n->queue);
	g_queue_init(&n->tokens);
	ms__waitq_init(&n->waiters);
	n->owner_link.data = n;
	g_queue_push_tail_link(&st->nodes, &n->owner_link);
	g_hash_table_insert(ipc->nodes, GUINT_TO_POINTER(n->id), n);
	id = ms__ipc_ident_get(ipc, n->group);
	id->nodes++;
	ipc->all->nodes++;
	*a->out = ms__ipc_handle_new(ipc, t, n->id);
	if (a->name) {
		g_hash_table_insert(ipc->names, n->name, n);
		ms__wake_all(sim, &ipc->name_waiters, 0);
	}
	return 0;
}

int ms_ipc_node_new(struct ms_sim *sim, const char *name, ms_ipc_handle *out)
{
	struct node_new_args a = { name, out };

	if (!out || (name && (!*name || strlen(name) >= MS_IPC_NAME_MAX)))
		return -EINVAL;
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_node_new, &a);
}

static int do_node_destroy(struct ms_sim *sim, void *arg)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms__ipc_handle *hd = ms__ipc_handle_get(ipc, t,
						       *(ms_ipc_handle *)arg);
	struct ms__ipc_node *n;

	if (!hd)
		return -EBADF;
	n = ms__ipc_node_get(ipc, hd->node);
	if (!n)
		return -EPIPE;
	if (n->owner != ms__thread_tid(t))
		return -EPERM;
	node_destroy(ipc, ms__ipc_thread(t), n);
	return 0;
}

int ms_ipc_node_destroy(struct ms_sim *sim, ms_ipc_handle h)
{
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_node_destroy, &h);
}

/* ---- names -------------------------------------------------------------- */

struct lookup_args {
	const char *name;
	int64_t timeout;
	ms_ipc_handle *out;
};

static int do_lookup(struct ms_sim *sim, void *arg)
{
	struct lookup_args *a = arg;
	struct ms__ipc *ipc = ms__ipc_state(sim);
	uint64_t deadline = 0;
	int64_t left = a->timeout;

	if (a->timeout > 0)
		deadline = ms_sim_now(sim) + (uint64_t)a->timeout;
	for (;;) {
		struct ms__ipc_node *n = g_hash_table_lookup(ipc->names,
							     a->name);
		int ret;

		if (n) {
			*a->out = ms__ipc_handle_new(ipc, ms__current(sim),
						     n->id);
			return 0;
		}
		if (a->timeout == MS_NO_WAIT)
			return -ENOENT;
		if (a->timeout > 0) {
			uint64_t now = ms_sim_now(sim);

			if (now >= deadline)
				return -EAGAIN;
			left = (int64_t)(deadline - now);
		}
		ret = ms__wait(sim, &ipc->name_waiters, left);
		if (ret == -EAGAIN)
			return -EAGAIN;
	}
}

int ms_ipc_lookup(struct ms_sim *sim, const char *name, int64_t timeout,
		  ms_ipc_handle *out)
{
	struct lookup_args a = { name, timeout, out };

	if (!name || !out || timeout < MS_FOREVER)
		return -EINVAL;
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_lookup, &a);
}

/* ---- handle calls ------------------------------------------------------- */

struct dup_args {
	ms_ipc_handle h;
	ms_ipc_handle *out;
};

static int do_dup(struct ms_sim *sim, void *arg)
{
	struct dup_args *a = arg;
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms__ipc_handle *hd = ms__ipc_handle_get(ipc, t, a->h);

	if (!hd)
		return -EBADF;
	*a->out = ms__ipc_handle_new(ipc, t, hd->node);
	return 0;
}

int ms_ipc_handle_dup(struct ms_sim *sim, ms_ipc_handle h, ms_ipc_handle *out)
{
	struct dup_args a = { h, out };

	if (!out)
		return -EINVAL;
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_dup, &a);
}

static int do_close(struct ms_sim *sim, void *arg)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms__ipc_handle *hd = ms__ipc_handle_get(ipc, t,
						       *(ms_ipc_handle *)arg);

	if (!hd)
		return -EBADF;
	ms__ipc_handle_detach(ipc, hd);
	return 0;
}

int ms_ipc_handle_close(struct ms_sim *sim, ms_ipc_handle h)
{
	return ms__ipc_syscall(sim, MS__COST_KERNEL_ENTRY + MS__COST_OBJ,
			       do_close, &h);
}

int ms_ipc_handle_info(struct ms_sim *sim, ms_ipc_handle h,
		       struct ms_ipc_handle_info *out)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms_thread *t = ms__current(sim);
	struct ms__ipc_handle *hd;
	struct ms__ipc_node *n;

	if (!out)
		return -EINVAL;
	hd = g_hash_table_lookup(ipc->handles, GUINT_TO_POINTER(h));
	if (!hd || (t && hd->holder != ms__thread_tid(t)))
		return -EBADF;
	memset(out, 0, sizeof(*out));
	out->handle = hd->id;
	out->holder = hd->holder;
	out->node = hd->node;
	n = ms__ipc_node_get(ipc, hd->node);
	if (n) {
		out->node_alive = true;
		out->owner = n->owner;
		out->owner_group = n->group;
		out->queued = n->queue.length;
		g_strlcpy(out->name, n->name, sizeof(out->name));
	}
	return 0;
}

/* ---- a thread's death --------------------------------------------------- */

static void ipc_thread_gone(struct ms_sim *sim, struct ms_thread *t)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms__ipc_thread *st = ms__thread_sub(t, MS__SUB_IPC);
	struct ms__ipc_node *n;
	GList *v, *l;

	if (!st)
		return;
	/* Requests it will never answer: release what they reserved. */
	v = g_list_sort(g_hash_table_get_values(st->tokens), cmp_token);
	g_hash_table_remove_all(st->tokens);	/* keys live in the tokens */
	for (l = v; l; l = l->next)
		ms__ipc_token_free(ipc, l->data);
	g_list_free(v);

	while ((n = g_queue_peek_head(&st->nodes)))
		node_destroy(ipc, st, n);

	v = g_list_sort(g_hash_table_get_values(st->handles), cmp_handle);
	g_hash_table_remove_all(st->handles);
	for (l = v; l; l = l->next)
		handle_free(ipc, l->data);
	g_list_free(v);

	g_hash_table_destroy(st->handles);
	g_hash_table_destroy(st->tokens);
	g_free(st);
	ms__thread_sub_set(t, MS__SUB_IPC, NULL);
}

/* ---- the subsystem ------------------------------------------------------ */

static int ipc_init(struct ms_sim *sim)
{
	struct ms__ipc *ipc = g_new0(struct ms__ipc, 1);
	int ret;

	ipc->sim = sim;
	ipc->default_limit = (struct ms_ipc_amount){
		.bytes = 16384, .msgs = 64, .handles = 64,
	};
	ipc->idents = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					    NULL, ms__ipc_ident_free);
	ipc->all = ms__ipc_ident_new(MS_IPC_GROUP_ALL);
	ipc->nodes = g_hash_table_new(g_direct_hash, g_direct_equal);
	ipc->names = g_hash_table_new(g_str_hash, g_str_equal);
	ipc->handles = g_hash_table_new(g_direct_hash, g_direct_equal);
	ms__waitq_init(&ipc->name_waiters);
	ms__sim_sub_set(sim, MS__SUB_IPC, ipc);
	ret = ms__ipc_modes_init(ipc);
	if (ret)
		ms__log_warn("ipc: built-in modes failed: %d", ret);
	return ret;
}

static void ipc_fini(struct ms_sim *sim)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);

	if (!ipc)
		return;
	/* Every thread is gone, and with them every node, handle and token
	 * (thread_gone): the tables are empty. */
	g_warn_if_fail(g_hash_table_size(ipc->nodes) == 0);
	g_warn_if_fail(g_hash_table_size(ipc->handles) == 0);
	ms__ipc_modes_fini(ipc);
	g_hash_table_destroy(ipc->nodes);
	g_hash_table_destroy(ipc->names);
	g_hash_table_destroy(ipc->handles);
	g_hash_table_destroy(ipc->idents);
	ms__ipc_ident_free(ipc->all);
	if (ipc->ident_order)
		g_array_free(ipc->ident_order, TRUE);
	g_free(ipc);
	ms__sim_sub_set(sim, MS__SUB_IPC, NULL);
}

const struct ms__subsys ms__ipc_subsys = {
	.name = "ipc",
	.init = ipc_init,
	.fini = ipc_fini,
	.thread_gone = ipc_thread_gone,
};

/* ---- counters ----------------------------------------------------------- */

static const char *const refusal_names[] = {
#define MS__IPC_RF_NAME(name, text) text,
	MS_IPC_REFUSALS(MS__IPC_RF_NAME)
#undef MS__IPC_RF_NAME
};

const char *ms_ipc_refusal_name(unsigned reason)
{
	return reason < MS_IPC_REFUSE__COUNT ? refusal_names[reason] : "?";
}

const char *ms_ipc_resource_name(unsigned res)
{
	static const char *const names[] = { "bytes", "messages", "handles" };

	return res < MS_IPC_RES__COUNT ? names[res] : "?";
}

static void counts_add(struct ms_ipc_stats *out, const struct ms__ipc_counts *c)
{
	out->sent += c->sent;
	out->bytes_sent += c->bytes_sent;
	out->requests += c->requests;
	out->replies += c->replies;
	out->received += c->received;
	out->bytes_received += c->bytes_received;
	out->refused += c->refused;
	for (unsigned i = 0; i < MS_IPC_REFUSE__COUNT; i++)
		out->refused_by[i] += c->refused_by[i];
	for (unsigned i = 0; i < MS_IPC_RES__COUNT; i++)
		out->refused_res[i] += c->refused_res[i];
	out->replies_refused += c->replies_refused;
	out->dropped += c->dropped;
	out->peak.bytes = MAX(out->peak.bytes, c->peak.bytes);
	out->peak.msgs = MAX(out->peak.msgs, c->peak.msgs);
	out->peak.handles = MAX(out->peak.handles, c->peak.handles);
}

int ms_ipc_stats(struct ms_sim *sim, uint32_t group, const char *mode,
		 struct ms_ipc_stats *out)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms__ipc_mode *m = NULL;
	struct ms__ipc_ident *id;

	if (!out)
		return -EINVAL;
	if (mode) {
		m = ms__ipc_mode_find(ipc, mode);
		if (!m)
			return -ENOENT;
	}
	memset(out, 0, sizeof(*out));
	id = ms__ipc_ident_find(ipc, group);
	out->limit = ms__ipc_limit(ipc, id);
	if (group == MS_IPC_GROUP_ALL)
		out->limit = (struct ms_ipc_amount){ 0, 0, 0 };
	if (!id)
		return 0;
	for (guint i = 0; i < id->counts->len; i++) {
		const struct ms__ipc_counts *c = id->counts->pdata[i];

		if (c && (!m || m->index == i))
			counts_add(out, c);
	}
	out->held = id->held;
	out->reserved = id->reserved;
	out->handles_owned = id->handles_owned;
	out->handles_owned_peak = id->handles_owned_peak;
	out->nodes = id->nodes;
	return 0;
}

static gint cmp_uint32(gconstpointer a, gconstpointer b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static GArray *ident_order(struct ms__ipc *ipc)
{
	GHashTableIter it;
	gpointer key;

	if (ipc->ident_order)
		return ipc->ident_order;
	ipc->ident_order = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_hash_table_iter_init(&it, ipc->idents);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		uint32_t gid = GPOINTER_TO_UINT(key);

		g_array_append_val(ipc->ident_order, gid);
	}
	g_array_sort(ipc->ident_order, cmp_uint32);
	return ipc->ident_order;
}

size_t ms_ipc_group_count(struct ms_sim *sim)
{
	return ident_order(ms__ipc_state(sim))->len;
}

uint32_t ms_ipc_group_at(struct ms_sim *sim, size_t i)
{
	GArray *o = ident_order(ms__ipc_state(sim));

	return i < o->len ? g_array_index(o, uint32_t, i) : MS_IPC_GROUP_ALL;
}
