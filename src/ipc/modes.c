/* SPDX-License-Identifier: MIT */
/*
 * IPC accounting modes: the registry and the four built-in modes.
 *
 * A mode only decides, per message, who pays (sender or receiver), under
 * which rule (plain budget or fair share) and whether a request reserves
 * room for its reply. The framework (msg.c, acct.c) checks, applies and
 * releases the charges, so a mode cannot leak a charge or credit the wrong
 * identity, and switching modes while messages are queued is safe: every
 * charge records its payer.
 *
 * Invariant: the active mode is always one of the registered modes, its
 * state is allocated while (and only while) it is active, and modes are
 * found by name only in ms_ipc_mode_set(), never per message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_priv.h"

/* Sender pays until received: a receiver that never reads exhausts its
 * senders, whatever else they talk to. */
static int plan_sender_pays(void *state, const struct ms_ipc_send_info *s,
			    struct ms_ipc_plan *p)
{
	p->payer = MS_IPC_PAY_SENDER;
	p->rule = MS_IPC_RULE_BUDGET;
	return 0;
}

/* Ownership moves at SEND: the receiver pays, first come first served. */
static int plan_receiver_pays(void *state, const struct ms_ipc_send_info *s,
			      struct ms_ipc_plan *p)
{
	p->payer = MS_IPC_PAY_RECEIVER;
	p->rule = MS_IPC_RULE_BUDGET;
	return 0;
}

/* bus1: the receiver pays, but no sender identity may take more than half
 * of what the others left. */
static int plan_fair_share(void *state, const struct ms_ipc_send_info *s,
			   struct ms_ipc_plan *p)
{
	p->payer = MS_IPC_PAY_RECEIVER;
	p->rule = MS_IPC_RULE_FAIR_SHARE;
	return 0;
}

/* Fair share, and the requester pays in advance for its reply. */
static int plan_request_reply(void *state, const struct ms_ipc_send_info *s,
			      struct ms_ipc_plan *p)
{
	p->payer = MS_IPC_PAY_RECEIVER;
	p->rule = MS_IPC_RULE_FAIR_SHARE;
	p->reserve_reply = s->request;
	return 0;
}

static const struct ms_ipc_mode_ops builtin[] = {
	{
		.name = "sender-pays",
		.summary = "the sender pays until the receiver dequeues",
		.plan = plan_sender_pays,
	},
	{
		.name = "receiver-pays",
		.summary = "the receiver pays from SEND (ownership moves at SEND)",
		.plan = plan_receiver_pays,
	},
	{
		.name = "fair-share",
		.summary = "receiver pays; one sender holds at most half of what others left",
		.plan = plan_fair_share,
	},
	{
		.name = "request-reply",
		.summary = "fair share, and a request reserves its reply on the requester",
		.plan = plan_request_reply,
	},
};

#define DEFAULT_MODE "fair-share"

struct ms__ipc_mode *ms__ipc_mode_find(struct ms__ipc *ipc, const char *name)
{
	for (guint i = 0; i < ipc->modes->len; i++) {
		struct ms__ipc_mode *m = ipc->modes->pdata[i];

		if (!strcmp(m->ops->name, name))
			return m;
	}
	return NULL;
}

static int mode_add(struct ms__ipc *ipc, const struct ms_ipc_mode_ops *ops)
{
	struct ms__ipc_mode *m;

	if (!ops || !ops->name || !ops->plan || !*ops->name ||
	    strlen(ops->name) >= MS_IPC_MODE_NAME_MAX)
		return -EINVAL;
	if (ms__ipc_mode_find(ipc, ops->name))
		return -EEXIST;
	m = g_new0(struct ms__ipc_mode, 1);
	m->ops = ops;
	m->index = ipc->modes->len;
	g_ptr_array_add(ipc->modes, m);
	return 0;
}

static int mode_activate(struct ms__ipc *ipc, struct ms__ipc_mode *m)
{
	void *state = NULL;
	int ret;

	if (m->ops->state_size)
		state = g_malloc0(m->ops->state_size);
	if (m->ops->init) {
		ret = m->ops->init(state);
		if (ret) {
			g_free(state);
			return ret;
		}
	}
	if (ipc->mode && ipc->mode->ops->fini)
		ipc->mode->ops->fini(ipc->mode_state);
	g_free(ipc->mode_state);
	ipc->mode = m;
	ipc->mode_state = state;
	return 0;
}

int ms__ipc_modes_init(struct ms__ipc *ipc)
{
	ipc->modes = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++) {
		int ret = mode_add(ipc, &builtin[i]);

		if (ret)
			return ret;
	}
	return mode_activate(ipc, ms__ipc_mode_find(ipc, DEFAULT_MODE));
}

void ms__ipc_modes_fini(struct ms__ipc *ipc)
{
	if (ipc->mode && ipc->mode->ops->fini)
		ipc->mode->ops->fini(ipc->mode_state);
	g_free(ipc->mode_state);
	ipc->mode_state = NULL;
	ipc->mode = NULL;
	if (ipc->modes)
		g_ptr_array_free(ipc->modes, TRUE);
	ipc->modes = NULL;
}

int ms_ipc_mode_register(struct ms_sim *sim, const struct ms_ipc_mode_ops *ops)
{
	if (ms__caller_is_user(sim))
		return -EPERM;
	return mode_add(ms__ipc_state(sim), ops);
}

size_t ms_ipc_mode_count(struct ms_sim *sim)
{
	return ms__ipc_state(sim)->modes->len;
}

const struct ms_ipc_mode_ops *ms_ipc_mode_at(struct ms_sim *sim, size_t i)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);

	if (i >= ipc->modes->len)
		return NULL;
	return ((struct ms__ipc_mode *)ipc->modes->pdata[i])->ops;
}

int ms_ipc_mode_set(struct ms_sim *sim, const char *name)
{
	struct ms__ipc *ipc = ms__ipc_state(sim);
	struct ms__ipc_mode *m;

	if (!name)
		return -EINVAL;
	if (ms__caller_is_user(sim))
		return -EPERM;
	m = ms__ipc_mode_find(ipc, name);
	if (!m)
		return -ENOENT;
	if (m == ipc->mode)
		return 0;
	return mode_activate(ipc, m);
}

const char *ms_ipc_mode_name(struct ms_sim *sim)
{
	return ms__ipc_state(sim)->mode->ops->name;
}
