/* SPDX-License-Identifier: MIT */
/*
 * IPC unit tests: the fair-share arithmetic, who is charged when (ownership
 * at SEND or at RECV), handle passing, what a thread's death releases, the
 * mode registry, and the errno of every refusal.
 */
#include "common.h"

#include "ipc/ipc_priv.h"

static const char *const modes[] = {
	"sender-pays", "receiver-pays", "fair-share", "request-reply",
};
#define N_MODES 4

/* ---- fair-share arithmetic ---------------------------------------------- */

struct fs_case {
	uint64_t limit, total, self, charge;
	bool ok;
	uint64_t room;		/* ms__ipc_fair_share_room(limit, total, self) */
};

static const struct fs_case fs_cases[] = {
	/* the first sender may take half of the budget */
	{ 8, 0, 0, 1, true, 4 },
	{ 8, 0, 0, 4, true, 4 },
	{ 8, 0, 0, 5, false, 4 },
	{ 8, 3, 3, 1, true, 1 },
	{ 8, 4, 4, 1, false, 0 },
	/* the next one half of what the first left */
	{ 8, 4, 0, 2, true, 2 },
	{ 8, 4, 0, 3, false, 2 },
	{ 8, 6, 2, 1, false, 0 },
	{ 8, 7, 0, 1, false, 0 },	/* (8 - 7) / 2 == 0 */
	{ 8, 8, 0, 1, false, 0 },	/* nothing left at all */
	/* odd budgets round down */
	{ 9, 0, 0, 4, true, 4 },
	{ 9, 0, 0, 5, false, 4 },
	{ 16, 14, 0, 1, true, 1 },	/* 2 left: 1 for a newcomer */
	{ 16, 15, 0, 1, false, 0 },
	{ 1024, 256, 0, 384, true, 384 },
	{ 1024, 256, 0, 385, false, 384 },
	{ 1024, 256, 256, 128, true, 256 },	/* its own part is no obstacle */
	{ 1024, 256, 256, 257, false, 256 },
	/* a zero charge always passes, even over budget */
	{ 0, 0, 0, 0, true, 0 },
	{ 8, 8, 8, 0, true, 0 },
	{ 0, 0, 0, 1, false, 0 },
	/* a budget lowered below what is held */
	{ 4, 6, 2, 1, false, 0 },
	{ 8, 6, 6, 1, false, 0 },	/* self above half */
	/* no overflow at the edges */
	{ UINT64_MAX, 0, 0, UINT64_MAX / 2, true, UINT64_MAX / 2 },
	{ UINT64_MAX, 0, 0, UINT64_MAX / 2 + 1, false, UINT64_MAX / 2 },
	{ UINT64_MAX, UINT64_MAX, 1, UINT64_MAX, false, 0 },
};

static void test_fair_share_arithmetic(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fs_cases); i++) {
		const struct fs_case *c = &fs_cases[i];

		print_message("case %zu: limit %lu total %lu self %lu charge %lu\n",
			      i, (unsigned long)c->limit,
			      (unsigned long)c->total, (unsigned long)c->self,
			      (unsigned long)c->charge);
		assert_int_equal(ms__ipc_fair_share_ok(c->limit, c->total,
						       c->self, c->charge),
				 c->ok);
		assert_int_equal(ms__ipc_fair_share_room(c->limit, c->total,
							 c->self),
				 c->room);
		/* the room is exactly the largest charge that passes */
		if (c->room)
			assert_true(ms__ipc_fair_share_ok(c->limit, c->total,
							  c->self, c->room));
		if (c->room < UINT64_MAX && c->total - c->self < c->limit)
			assert_false(ms__ipc_fair_share_ok(c->limit, c->total,
							   c->self,
							   c->room + 1));
	}
}

/*
 * The same rule on a live bus: five sender identities in turn flood a node
 * that does not read, budget 16 messages. Each gets half of what the
 * others left: 8, 4, 2, 1, then nothing. After the owner reads 4 of the
 * first one's messages, the shares are recomputed from what is held.
 */
#define FS_SENDERS 5
struct fs_bus {
	int sent[FS_SENDERS];
	int err[FS_SENDERS];
	struct ms_ipc_amount room_before[FS_SENDERS + 1];
	struct ms_ipc_amount room_after[FS_SENDERS + 1];
	int recv_ret[4];
};

static struct fs_bus fsb;

static void fs_sink(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h;
	char buf[8];

	ms_ipc_node_new(sim, "sink", &h);
	ms_sleep(sim, 10000);
	for (int g = 1; g <= FS_SENDERS + 1; g++)
		ms_ipc_fair_share_room(sim, 100, (uint32_t)g,
				       &fsb.room_before[g - 1]);
	for (int i = 0; i < 4; i++) {
		struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };

		fsb.recv_ret[i] = ms_ipc_recv(sim, h, MS_NO_WAIT, &in);
	}
	for (int g = 1; g <= FS_SENDERS + 1; g++)
		ms_ipc_fair_share_room(sim, 100, (uint32_t)g,
				       &fsb.room_after[g - 1]);
}

static void fs_sender(struct ms_sim *sim, void *arg)
{
	int i = (int)(intptr_t)arg;
	struct ms_ipc_out o = out_bytes("x", 1);
	ms_ipc_handle h;

	ms_ipc_lookup(sim, "sink", MS_FOREVER, &h);
	for (;;) {
		int r = ms_ipc_send(sim, h, &o, NULL);

		if (r) {
			fsb.err[i] = r;
			break;
		}
		fsb.sent[i]++;
	}
}

static void test_fair_share_on_bus(void **state)
{
	struct ms_sim *sim = ipc_sim("fair-share", 1 << 20, 16, 64);
	static const int want[FS_SENDERS] = { 8, 4, 2, 1, 0 };
	struct ms_ipc_stats s;

	memset(&fsb, 0, sizeof(fsb));
	spawn(sim, "sink", 100, 0, fs_sink, NULL);
	for (int i = 0; i < FS_SENDERS; i++)
		spawn(sim, "sender", (uint32_t)i + 1, 1, fs_sender,
		      (void *)(intptr_t)i);
	run_ok(sim);
	for (int i = 0; i < FS_SENDERS; i++) {
		assert_int_equal(fsb.sent[i], want[i]);
		assert_int_equal(fsb.err[i], -ENOBUFS);
		s = gstats(sim, (uint32_t)i + 1);
		assert_int_equal(s.refused, 1);
		assert_int_equal(s.refused_by[MS_IPC_REFUSE_FAIR_SHARE], 1);
		assert_int_equal(s.refused_res[MS_IPC_RES_MSGS], 1);
	}
	/* full: 15 of 16 held, nobody may take the last one */
	for (int g = 0; g <= FS_SENDERS; g++)
		assert_int_equal(fsb.room_before[g].msgs, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(fsb.recv_ret[i], 0);
	/* 11 held: identity 1 holds 4 of (16 - 7) -> 0 more; identity 2
	 * holds 4 of (16 - 7) -> 0; identity 5 and a newcomer: (16-11)/2 */
	assert_int_equal(fsb.room_after[0].msgs, 0);
	assert_int_equal(fsb.room_after[1].msgs, 0);
	assert_int_equal(fsb.room_after[2].msgs, 1);	/* (16-9)/2 - 2 */
	assert_int_equal(fsb.room_after[3].msgs, 2);	/* (16-10)/2 - 1 */
	assert_int_equal(fsb.room_after[4].msgs, 2);
	assert_int_equal(fsb.room_after[5].msgs, 2);
	/* the sink died with 11 unread messages: dropped and credited */
	s = gstats(sim, MS_IPC_GROUP_ALL);
	assert_int_equal(s.sent, 15);
	assert_int_equal(s.received, 4);
	assert_int_equal(s.dropped, 11);
	assert_int_equal(s.peak.msgs, 15);
	assert_all_released(sim);
	ms_sim_free(sim);
}

/* ---- ownership: who is charged when ------------------------------------- */

struct snap {
	struct ms_ipc_amount u12, u21;	/* usage(1, 2), usage(2, 1) */
	struct ms_ipc_amount res1;	/* reserved on group 1 */
};

static void take(struct ms_sim *sim, struct snap *s)
{
	struct ms_ipc_stats st;

	s->u12 = usage(sim, 1, 2);
	s->u21 = usage(sim, 2, 1);
	ms_ipc_stats(sim, 1, NULL, &st);
	s->res1 = st.reserved;
}

/*
 * Group 1 is the client (or plain sender), group 2 the service. The client
 * sends a 100-byte message carrying one handle, then a 40-byte request
 * asking for a 64-byte reply with up to 2 handles. The service reads both
 * at tick 1000 and replies with 10 bytes; the client reads the reply at
 * tick 2000. Snapshots after every step.
 */
struct own {
	struct snap after_send, after_request, after_srv_recv, after_reply,
		after_cli_recv;
	int send_ret, req_ret, reply_ret, r1, r2, r3;
	struct ms_ipc_in m1, m2, m3;
	uint64_t req_id;
};

static struct own ow;

static void own_client(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle svc, me, dup, got[2];
	char buf[128];
	struct ms_ipc_out o;

	ms_ipc_node_new(sim, NULL, &me);
	ms_ipc_handle_dup(sim, me, &dup);
	ms_ipc_lookup(sim, "svc", MS_FOREVER, &svc);
	o = (struct ms_ipc_out){ buf, 100, &dup, 1 };
	memset(buf, 'a', sizeof(buf));
	ow.send_ret = ms_ipc_send(sim, svc, &o, NULL);
	take(sim, &ow.after_send);
	o = out_bytes(buf, 40);
	ow.req_ret = ms_ipc_request(sim, svc, &o, me, 64, 2, &ow.req_id);
	take(sim, &ow.after_request);
	ms_sleep(sim, 2000 - ms_sim_now(sim));
	ow.m3 = (struct ms_ipc_in){ .buf = buf, .buf_size = sizeof(buf),
				     .handles = got, .handles_size = 2 };
	ow.r3 = ms_ipc_recv(sim, me, MS_NO_WAIT, &ow.m3);
	take(sim, &ow.after_cli_recv);
}

static void own_service(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle me, got[2];
	char buf[128];
	struct ms_ipc_out o = out_bytes("0123456789", 10);

	ms_ipc_node_new(sim, "svc", &me);
	ms_sleep(sim, 1000);
	ow.m1 = (struct ms_ipc_in){ .buf = buf, .buf_size = sizeof(buf),
				     .handles = got, .handles_size = 2 };
	ow.r1 = ms_ipc_recv(sim, me, MS_NO_WAIT, &ow.m1);
	ow.m2 = (struct ms_ipc_in){ .buf = buf, .buf_size = sizeof(buf),
				     .handles = got, .handles_size = 2 };
	ow.r2 = ms_ipc_recv(sim, me, MS_NO_WAIT, &ow.m2);
	take(sim, &ow.after_srv_recv);
	ow.reply_ret = ms_ipc_reply(sim, ow.m2.token, &o);
	take(sim, &ow.after_reply);
	ms_sleep(sim, 5000);
}

static void run_own(const char *mode)
{
	struct ms_sim *sim = ipc_sim(mode, 4096, 16, 16);

	memset(&ow, 0, sizeof(ow));
	spawn(sim, "service", 2, 0, own_service, NULL);
	spawn(sim, "client", 1, 1, own_client, NULL);
	run_ok(sim);
	assert_int_equal(ow.send_ret, 0);
	assert_int_equal(ow.req_ret, 0);
	assert_int_equal(ow.r1, 0);
	assert_int_equal(ow.m1.len, 100);
	assert_int_equal(ow.m1.n_handles, 1);
	assert_int_equal(ow.m1.flags, 0);
	assert_int_equal(ow.m1.sender_group, 1);
	assert_int_equal(ow.r2, 0);
	assert_int_equal(ow.m2.flags, MS_IPC_MSG_REQUEST);
	assert_int_equal(ow.m2.token, ow.req_id);
	assert_int_equal(ow.reply_ret, 0);
	assert_int_equal(ow.r3, 0);
	assert_int_equal(ow.m3.len, 10);
	assert_int_equal(ow.m3.flags, MS_IPC_MSG_REPLY);
	assert_int_equal(ow.m3.in_reply_to, ow.req_id);
	assert_int_equal(ow.m3.sender_group, 2);
	/* after every read, nobody pays anything */
	assert_amount(ow.after_cli_recv.u12, 0, 0, 0);
	assert_amount(ow.after_cli_recv.u21, 0, 0, 0);
	assert_amount(ow.after_cli_recv.res1, 0, 0, 0);
	assert_all_released(sim);
	ms_sim_free(sim);
}

static void test_ownership_sender_pays(void **state)
{
	run_own("sender-pays");
	/* the sender pays at SEND ... */
	assert_amount(ow.after_send.u12, 100, 1, 1);
	assert_amount(ow.after_send.u21, 0, 0, 0);
	assert_amount(ow.after_request.u12, 140, 2, 1);
	assert_amount(ow.after_request.res1, 0, 0, 0);
	/* ... until the receiver dequeues */
	assert_amount(ow.after_srv_recv.u12, 0, 0, 0);
	assert_amount(ow.after_srv_recv.u21, 0, 0, 0);
	/* the service pays for its reply until the client reads it */
	assert_amount(ow.after_reply.u21, 10, 1, 0);
	assert_amount(ow.after_reply.u12, 0, 0, 0);
}

static void check_receiver_pays(void)
{
	/* ownership moved at SEND: the receiver pays, the sender nothing */
	assert_amount(ow.after_send.u12, 0, 0, 0);
	assert_amount(ow.after_send.u21, 100, 1, 1);
	assert_amount(ow.after_request.u21, 140, 2, 1);
	assert_amount(ow.after_request.u12, 0, 0, 0);
	assert_amount(ow.after_request.res1, 0, 0, 0);
	assert_amount(ow.after_srv_recv.u21, 0, 0, 0);
	/* the client, receiver of the reply, pays for it */
	assert_amount(ow.after_reply.u12, 10, 1, 0);
	assert_amount(ow.after_reply.u21, 0, 0, 0);
}

static void test_ownership_receiver_pays(void **state)
{
	run_own("receiver-pays");
	check_receiver_pays();
}

static void test_ownership_fair_share(void **state)
{
	run_own("fair-share");
	check_receiver_pays();
}

static void test_ownership_request_reply(void **state)
{
	run_own("request-reply");
	assert_amount(ow.after_send.u21, 100, 1, 1);
	assert_amount(ow.after_send.u12, 0, 0, 0);
	/* the request is the service's; its reply room is the client's */
	assert_amount(ow.after_request.u21, 140, 2, 1);
	assert_amount(ow.after_request.u12, 64, 1, 2);
	assert_amount(ow.after_request.res1, 64, 1, 2);
	/* the reservation outlives the request's RECV ... */
	assert_amount(ow.after_srv_recv.u21, 0, 0, 0);
	assert_amount(ow.after_srv_recv.u12, 64, 1, 2);
	/* ... and the reply takes it over, whatever its real size */
	assert_amount(ow.after_reply.u12, 64, 1, 2);
	assert_amount(ow.after_reply.res1, 64, 1, 2);
	assert_amount(ow.after_reply.u21, 0, 0, 0);
}

/* ---- handle passing ----------------------------------------------------- */

struct hp {
	uint64_t owned_a0, owned_a1, owned_a2;
	struct ms_ipc_amount in_flight;
	int send_ret, reuse_send, reuse_close;
	int too_big, dup_twice, no_room, kept_close;
	struct ms_ipc_amount no_room_usage;
	int b_recv, b_send, a_recv;
	uint64_t owned_b;
	struct ms_ipc_handle_info info;
	struct ms_ipc_in bin, ain;
	ms_tid a_tid;
	uint32_t a_node;
	char pong[8];
};

static struct hp hp;

static uint64_t owned(struct ms_sim *sim, uint32_t g)
{
	struct ms_ipc_stats s;

	ms_ipc_stats(sim, g, NULL, &s);
	return s.handles_owned;
}

static void hp_a(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle ha, hd, hb, hz, hk, two[2];
	struct ms_ipc_handle_info info;
	struct ms_ipc_out o;
	static char big[MS_IPC_MSG_MAX + 1];

	hp.a_tid = ms_thread_self(sim);
	ms_ipc_node_new(sim, "a", &ha);
	ms_ipc_handle_info(sim, ha, &info);
	hp.a_node = info.node;
	ms_ipc_handle_dup(sim, ha, &hd);
	hp.owned_a0 = owned(sim, 1);			/* ha, hd */
	ms_ipc_lookup(sim, "b", MS_FOREVER, &hb);
	ms_ipc_lookup(sim, "z", MS_FOREVER, &hz);
	hp.owned_a1 = owned(sim, 1);			/* + hb, hz */

	/* refusals leave the handles where they were */
	ms_ipc_handle_dup(sim, ha, &hk);
	o = (struct ms_ipc_out){ big, sizeof(big), &hk, 1 };
	hp.too_big = ms_ipc_send(sim, hb, &o, NULL);
	two[0] = hk;
	two[1] = hk;
	o = (struct ms_ipc_out){ "x", 1, two, 2 };
	hp.dup_twice = ms_ipc_send(sim, hb, &o, NULL);
	o = (struct ms_ipc_out){ "x", 1, &hk, 1 };
	hp.no_room = ms_ipc_send(sim, hz, &o, NULL);
	hp.no_room_usage = usage(sim, 4, 1);
	hp.kept_close = ms_ipc_handle_close(sim, hk);

	/* the handle moves into the message */
	o = (struct ms_ipc_out){ "ping", 4, &hd, 1 };
	hp.send_ret = ms_ipc_send(sim, hb, &o, NULL);
	hp.owned_a2 = owned(sim, 1);
	hp.in_flight = usage(sim, 2, 1);
	o = out_bytes("again", 5);
	hp.reuse_send = ms_ipc_send(sim, hd, &o, NULL);
	hp.reuse_close = ms_ipc_handle_close(sim, hd);

	hp.ain = (struct ms_ipc_in){ .buf = hp.pong,
				     .buf_size = sizeof(hp.pong) };
	hp.a_recv = ms_ipc_recv(sim, ha, MS_FOREVER, &hp.ain);
}

static void hp_b(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle hb, got[4];
	char buf[16];
	struct ms_ipc_out o = out_bytes("pong", 4);

	ms_ipc_node_new(sim, "b", &hb);
	hp.bin = (struct ms_ipc_in){ .buf = buf, .buf_size = sizeof(buf),
				     .handles = got, .handles_size = 4 };
	hp.b_recv = ms_ipc_recv(sim, hb, MS_FOREVER, &hp.bin);
	hp.owned_b = owned(sim, 2);
	ms_ipc_handle_info(sim, got[0], &hp.info);
	/* usable at once: answer through the handle that came in */
	hp.b_send = ms_ipc_send(sim, got[0], &o, NULL);
}

static void hp_z(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle hz;

	ms_ipc_node_new(sim, "z", &hz);
	ms_sleep(sim, 10000);
}

static void test_handle_passing(void **state)
{
	struct ms_sim *sim = ipc_sim("fair-share", 4096, 16, 16);
	struct ms_ipc_amount nohandles = { 4096, 16, 0 };
	struct ms_ipc_stats s;

	memset(&hp, 0, sizeof(hp));
	assert_int_equal(ms_ipc_budget_set(sim, 4, &nohandles), 0);
	spawn(sim, "z", 4, 1, hp_z, NULL);
	spawn(sim, "b", 2, 1, hp_b, NULL);
	spawn(sim, "a", 1, 1, hp_a, NULL);
	run_ok(sim);

	assert_int_equal(hp.owned_a0, 2);
	assert_int_equal(hp.owned_a1, 4);
	assert_int_equal(hp.too_big, -EMSGSIZE);
	assert_int_equal(hp.dup_twice, -EINVAL);
	assert_int_equal(hp.no_room, -ENOBUFS);
	assert_amount(hp.no_room_usage, 0, 0, 0);
	assert_int_equal(hp.kept_close, 0);
	assert_int_equal(hp.send_ret, 0);
	/* the sender's count dropped at SEND; the handle is in flight,
	 * charged (fair-share) to the receiver */
	assert_int_equal(hp.owned_a2, 3);
	assert_amount(hp.in_flight, 4, 1, 1);
	assert_int_equal(hp.reuse_send, -EBADF);
	assert_int_equal(hp.reuse_close, -EBADF);
	/* the receiver got a handle of its own to a's node */
	assert_int_equal(hp.b_recv, 0);
	assert_int_equal(hp.bin.n_handles, 1);
	assert_int_equal(hp.owned_b, 2);	/* its node's, and the new one */
	assert_int_equal(hp.info.node, hp.a_node);
	assert_true(hp.info.node_alive);
	assert_int_equal(hp.info.owner, hp.a_tid);
	assert_int_equal(hp.info.owner_group, 1);
	assert_string_equal(hp.info.name, "a");
	assert_int_equal(hp.b_send, 0);
	assert_int_equal(hp.a_recv, 0);
	assert_int_equal(hp.ain.len, 4);
	assert_memory_equal(hp.pong, "pong", 4);
	assert_int_equal(hp.ain.sender_group, 2);

	s = gstats(sim, 1);
	assert_int_equal(s.refused, 4);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_TOO_BIG], 1);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_BAD_HANDLE], 2);
	s = gstats(sim, MS_IPC_GROUP_ALL);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_RECEIVER_BUDGET], 1);
	assert_int_equal(s.refused_res[MS_IPC_RES_HANDLES], 1);
	assert_int_equal(s.handles_owned_peak, 7);
	assert_all_released(sim);
	ms_sim_free(sim);
}

/* ---- a thread's death ------------------------------------------------- */

/*
 * Service V (group 1) receives a request from C (group 2) and dies without
 * answering, leaving two more messages of C's queued (one carrying a
 * handle). Everything V held is released: the queued messages (dropped and
 * credited), the token and the reservation it pinned, its handles, its
 * node. Then requester R (group 3) sends a request to W (group 4) and dies
 * before it is read: its reply node goes, so its reservation goes; the
 * request itself stays deliverable, and W's reply finds -EPIPE.
 */
struct death {
	struct ms_ipc_amount v_held, c_held, c_res;
	struct ms_ipc_amount v_after, c_after, r_after, w_after_r;
	uint64_t v_nodes_after, v_handles_after, c_dropped;
	int r[3], v_recv, send_dead, w_recv, w_reply, w_reply2;
	unsigned w_flags;
};

static struct death dd;

static struct ms_ipc_amount held(struct ms_sim *sim, uint32_t g)
{
	struct ms_ipc_stats s;

	ms_ipc_stats(sim, g, NULL, &s);
	return s.held;
}

static void death_v(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h;
	char buf[32];
	struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };

	ms_ipc_node_new(sim, "v", &h);
	ms_sleep(sim, 100);
	dd.v_recv = ms_ipc_recv(sim, h, MS_NO_WAIT, &in);
	/* returns holding: the token, its node with 2 messages, handle h */
}

static void death_c(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle v, me, x;
	struct ms_ipc_out o;
	struct ms_ipc_stats s;

	ms_ipc_node_new(sim, NULL, &me);
	ms_ipc_lookup(sim, "v", MS_FOREVER, &v);
	ms_ipc_handle_dup(sim, me, &x);
	o = out_bytes("0123456789", 10);
	dd.r[0] = ms_ipc_request(sim, v, &o, me, 32, 0, NULL);
	o = (struct ms_ipc_out){ "01234", 5, &x, 1 };
	dd.r[1] = ms_ipc_send(sim, v, &o, NULL);
	o = out_bytes("0123456", 7);
	dd.r[2] = ms_ipc_send(sim, v, &o, NULL);
	dd.v_held = held(sim, 1);
	dd.c_held = held(sim, 2);
	ms_ipc_stats(sim, 2, NULL, &s);
	dd.c_res = s.reserved;
	ms_sleep(sim, 1000);			/* v reads one and dies */
	dd.v_after = held(sim, 1);
	dd.c_after = held(sim, 2);
	ms_ipc_stats(sim, 1, NULL, &s);
	dd.v_nodes_after = s.nodes;
	dd.v_handles_after = s.handles_owned;
	ms_ipc_stats(sim, 2, NULL, &s);
	dd.c_dropped = s.dropped;
	o = out_bytes("late", 4);
	dd.send_dead = ms_ipc_send(sim, v, &o, NULL);
}

static void death_r(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle w, me;
	struct ms_ipc_out o = out_bytes("req", 3);

	ms_sleep(sim, 2000);
	ms_ipc_node_new(sim, NULL, &me);
	ms_ipc_lookup(sim, "w", MS_FOREVER, &w);
	ms_ipc_request(sim, w, &o, me, 48, 1, NULL);
	/* dies here with its request unread */
}

static void death_w(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h;
	char buf[8];
	struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };
	struct ms_ipc_out o = out_bytes("answer", 6);

	ms_ipc_node_new(sim, "w", &h);
	ms_sleep(sim, 3000);
	dd.r_after = held(sim, 3);
	dd.w_after_r = held(sim, 4);
	dd.w_recv = ms_ipc_recv(sim, h, MS_NO_WAIT, &in);
	dd.w_flags = in.flags;
	dd.w_reply = ms_ipc_reply(sim, in.token, &o);
	dd.w_reply2 = ms_ipc_reply(sim, in.token, &o);
}

static void test_thread_death_releases(void **state)
{
	for (int mi = 0; mi < N_MODES; mi++) {
		const char *mode = modes[mi];
		struct ms_sim *sim = ipc_sim(mode, 1024, 8, 8);
		bool sp = !strcmp(mode, "sender-pays");
		bool rr = !strcmp(mode, "request-reply");
		struct ms_ipc_stats s;

		print_message("mode %s\n", mode);
		memset(&dd, 0, sizeof(dd));
		spawn(sim, "v", 1, 0, death_v, NULL);
		spawn(sim, "c", 2, 1, death_c, NULL);
		spawn(sim, "w", 4, 0, death_w, NULL);
		spawn(sim, "r", 3, 1, death_r, NULL);
		run_ok(sim);

		for (int i = 0; i < 3; i++)
			assert_int_equal(dd.r[i], 0);
		assert_int_equal(dd.v_recv, 0);
		/* before: 22 bytes, 3 messages, 1 handle queued at v */
		if (sp) {
			assert_amount(dd.c_held, 22, 3, 1);
			assert_amount(dd.v_held, 0, 0, 0);
		} else {
			assert_amount(dd.v_held, 22, 3, 1);
			assert_amount(dd.c_held, rr ? 32 : 0, rr ? 1 : 0, 0);
		}
		assert_amount(dd.c_res, rr ? 32 : 0, rr ? 1 : 0, 0);
		/* after v's death: nothing held anywhere */
		assert_amount(dd.v_after, 0, 0, 0);
		assert_amount(dd.c_after, 0, 0, 0);
		assert_int_equal(dd.v_nodes_after, 0);
		assert_int_equal(dd.v_handles_after, 0);
		assert_int_equal(dd.c_dropped, 2);
		assert_int_equal(dd.send_dead, -EPIPE);
		/* r died: its reservation went with its reply node; its
		 * request is still queued at w, charged as the mode said */
		assert_amount(dd.r_after, sp ? 3 : 0, sp ? 1 : 0, 0);
		assert_amount(dd.w_after_r, sp ? 0 : 3, sp ? 0 : 1, 0);
		assert_int_equal(dd.w_recv, 0);
		assert_int_equal(dd.w_flags, MS_IPC_MSG_REQUEST);
		assert_int_equal(dd.w_reply, -EPIPE);
		assert_int_equal(dd.w_reply2, -EBADF);	/* token spent */
		s = gstats(sim, 4);
		assert_int_equal(s.replies_refused, 2);
		assert_int_equal(s.refused_by[MS_IPC_REFUSE_NODE_GONE], 1);
		assert_int_equal(s.refused_by[MS_IPC_REFUSE_BAD_HANDLE], 1);
		assert_all_released(sim);
		ms_sim_free(sim);
	}
}

/* ---- modes -------------------------------------------------------------- */

struct count_state {
	int magic;
	int plans;
};

static int cm_init(void *state)
{
	((struct count_state *)state)->magic = 42;
	return 0;
}

/* Sender pays, under the fair-share rule on its own budget: a sender may
 * spend only half of what its other destinations left. */
static int cm_plan(void *state, const struct ms_ipc_send_info *s,
		   struct ms_ipc_plan *p)
{
	struct count_state *cs = state;

	if (cs->magic != 42)
		return -EFAULT;
	cs->plans++;
	p->payer = MS_IPC_PAY_SENDER;
	p->rule = MS_IPC_RULE_FAIR_SHARE;
	return 0;
}

static int refuse_plan(void *state, const struct ms_ipc_send_info *s,
		       struct ms_ipc_plan *p)
{
	return -EACCES;
}

static const struct ms_ipc_mode_ops custom_mode = {
	.name = "sender-fair",
	.summary = "test: sender pays, fair share of its own budget",
	.state_size = sizeof(struct count_state),
	.init = cm_init,
	.plan = cm_plan,
};

static const struct ms_ipc_mode_ops refuse_mode = {
	.name = "refuse-all",
	.plan = refuse_plan,
};

static const struct ms_ipc_mode_ops bad_mode = { .name = "no-plan" };

struct modes_run {
	int sent[6], refused, user_set, user_reg;
};

static struct modes_run mr;

static void modes_sender(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle a, b;
	struct ms_ipc_out o = out_bytes("m", 1);
	int i;

	ms_ipc_lookup(sim, "a", MS_FOREVER, &a);
	ms_ipc_lookup(sim, "b", MS_FOREVER, &b);
	/* budget 8 messages: to a, half (4); then to b, half of 4 (2) */
	for (i = 0; i < 6; i++)
		mr.sent[0] += ms_ipc_send(sim, a, &o, NULL) == 0;
	for (i = 0; i < 6; i++)
		mr.sent[1] += ms_ipc_send(sim, b, &o, NULL) == 0;
	ms_ipc_mode_set(sim, "refuse-all");
	mr.refused = ms_ipc_send(sim, a, &o, NULL);
	ms_ipc_mode_set(sim, "fair-share");
}

static void modes_sink(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h;

	ms_ipc_node_new(sim, arg, &h);
	ms_sleep(sim, 1000);
}

static void modes_user(struct ms_sim *sim, void *arg)
{
	mr.user_set = ms_ipc_mode_set(sim, "sender-pays");
	mr.user_reg = ms_ipc_mode_register(sim, &bad_mode);
}

static void test_mode_registry(void **state)
{
	struct ms_sim *sim = ipc_sim("fair-share", 1024, 8, 8);
	struct ms_thread_attr ua;
	struct ms_ipc_stats s;

	assert_int_equal(ms_ipc_mode_count(sim), 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(ms_ipc_mode_at(sim, i)->name, modes[i]);
	assert_null(ms_ipc_mode_at(sim, 4));
	assert_string_equal(ms_ipc_mode_name(sim), "fair-share");
	assert_int_equal(ms_ipc_mode_set(sim, "nope"), -ENOENT);
	assert_int_equal(ms_ipc_mode_set(sim, NULL), -EINVAL);
	assert_int_equal(ms_ipc_mode_register(sim, &bad_mode), -EINVAL);
	assert_int_equal(ms_ipc_mode_register(sim, NULL), -EINVAL);
	assert_int_equal(ms_ipc_mode_register(sim, &custom_mode), 0);
	assert_int_equal(ms_ipc_mode_register(sim, &custom_mode), -EEXIST);
	assert_int_equal(ms_ipc_mode_register(sim, &refuse_mode), 0);
	assert_int_equal(ms_ipc_mode_count(sim), 6);
	assert_int_equal(ms_ipc_mode_set(sim, "sender-fair"), 0);
	assert_string_equal(ms_ipc_mode_name(sim), "sender-fair");

	memset(&mr, 0, sizeof(mr));
	spawn(sim, "a", 2, 0, modes_sink, "a");
	spawn(sim, "b", 3, 0, modes_sink, "b");
	spawn(sim, "sender", 1, 1, modes_sender, NULL);
	ms_thread_attr_init(&ua);
	ua.options = MS_THREAD_USER;
	ua.group = 9;
	assert_int_equal(ms_thread_create(sim, &ua, modes_user, NULL, NULL), 0);
	run_ok(sim);

	assert_int_equal(mr.sent[0], 4);
	assert_int_equal(mr.sent[1], 2);
	assert_int_equal(mr.refused, -EACCES);
	assert_int_equal(mr.user_set, -EPERM);
	assert_int_equal(mr.user_reg, -EPERM);
	assert_string_equal(ms_ipc_mode_name(sim), "fair-share");
	/* counters per mode */
	assert_int_equal(ms_ipc_stats(sim, 1, "sender-fair", &s), 0);
	assert_int_equal(s.sent, 6);
	assert_int_equal(s.refused, 6);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_FAIR_SHARE], 6);
	assert_int_equal(s.peak.msgs, 6);
	assert_int_equal(ms_ipc_stats(sim, 1, "refuse-all", &s), 0);
	assert_int_equal(s.sent, 0);
	assert_int_equal(s.refused, 1);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_MODE], 1);
	assert_int_equal(ms_ipc_stats(sim, 1, "fair-share", &s), 0);
	assert_int_equal(s.sent + s.refused, 0);
	assert_int_equal(ms_ipc_stats(sim, 1, NULL, &s), 0);
	assert_int_equal(s.sent, 6);
	assert_int_equal(s.refused, 7);
	assert_int_equal(ms_ipc_stats(sim, 1, "nope", &s), -ENOENT);
	assert_int_equal(ms_ipc_stats(sim, 1, NULL, NULL), -EINVAL);
	assert_all_released(sim);
	ms_sim_free(sim);
}

/* ---- budgets and stats from the host ------------------------------------- */

static void test_budgets(void **state)
{
	struct ms_sim *sim = ipc_sim("fair-share", 100, 10, 1);
	struct ms_ipc_amount a = { 5, 6, 7 }, got;
	struct ms_ipc_stats s;

	ms_ipc_budget_get(sim, 3, &got);
	assert_amount(got, 100, 10, 1);
	assert_int_equal(ms_ipc_budget_set(sim, 3, &a), 0);
	ms_ipc_budget_get(sim, 3, &got);
	assert_amount(got, 5, 6, 7);
	assert_int_equal(ms_ipc_stats(sim, 3, NULL, &s), 0);
	assert_amount(s.limit, 5, 6, 7);
	assert_int_equal(ms_ipc_budget_reset(sim, 3), 0);
	ms_ipc_budget_get(sim, 3, &got);
	assert_amount(got, 100, 10, 1);
	assert_int_equal(ms_ipc_budget_set(sim, 3, NULL), -EINVAL);
	assert_int_equal(ms_ipc_budget_set(sim, MS_IPC_GROUP_ALL, &a), -EINVAL);
	assert_int_equal(ms_ipc_budget_default_set(sim, NULL), -EINVAL);
	/* an identity nobody used: zeros, default budget */
	assert_int_equal(ms_ipc_stats(sim, 77, NULL, &s), 0);
	assert_int_equal(s.sent, 0);
	assert_amount(s.limit, 100, 10, 1);
	ms_ipc_fair_share_room(sim, 77, 1, &got);
	assert_amount(got, 50, 5, 0);
	/* identities listed in order: only 3 has taken part (a budget) */
	assert_int_equal(ms_ipc_group_count(sim), 1);
	assert_int_equal(ms_ipc_group_at(sim, 0), 3);
	assert_int_equal(ms_ipc_group_at(sim, 1), MS_IPC_GROUP_ALL);
	assert_string_equal(ms_ipc_refusal_name(MS_IPC_REFUSE_FAIR_SHARE),
			    "fair-share");
	assert_string_equal(ms_ipc_refusal_name(MS_IPC_REFUSE__COUNT), "?");
	assert_string_equal(ms_ipc_resource_name(MS_IPC_RES_MSGS), "messages");
	assert_string_equal(ms_ipc_resource_name(9), "?");
	assert_string_equal(ms_event_type_name(MS_EV_IPC_DROP), "ipc-drop");
	ms_sim_free(sim);
}

/* ---- storage: the kernel heap ------------------------------------------ */

/*
 * Messages live in the system heap as the kernel's own blocks: a sender
 * with an unlimited budget fills the heap and then gets -ENOMEM; nothing
 * is charged for the refused message; reading gives the heap back.
 */
struct heapfill {
	int sent, err, recvd;
	size_t used_full, used_after;
	struct ms_ipc_amount held_full;
};

static struct heapfill hf;

static size_t heap_used(struct ms_sim *sim)
{
	struct ms_heap_stats st;

	ms_heap_stats(ms_heap_system(sim), &st);
	return st.allocated_bytes;
}

static void hf_thread(struct ms_sim *sim, void *arg)
{
	static char payload[200];
	struct ms_ipc_out o = out_bytes(payload, sizeof(payload));
	char buf[256];
	ms_ipc_handle h;
	size_t base = heap_used(sim);

	ms_ipc_node_new(sim, NULL, &h);
	for (;;) {
		int r = ms_ipc_send(sim, h, &o, NULL);

		if (r) {
			hf.err = r;
			break;
		}
		hf.sent++;
	}
	hf.used_full = heap_used(sim) - base;
	hf.held_full = held(sim, 1);
	for (;;) {
		struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };

		if (ms_ipc_recv(sim, h, MS_NO_WAIT, &in))
			break;
		hf.recvd++;
	}
	hf.used_after = heap_used(sim) - base;
}

static void test_messages_use_kernel_heap(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;
	struct ms_ipc_amount unl = { MS_IPC_UNLIMITED, MS_IPC_UNLIMITED,
				     MS_IPC_UNLIMITED };
	size_t fp = ms_heap_footprint(MS_IPC_MSG_HEADER + 200);
	struct ms_ipc_stats s;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.heap_size = 4096;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	assert_int_equal(ms_ipc_mode_set(sim, "sender-pays"), 0);
	assert_int_equal(ms_ipc_budget_set(sim, 1, &unl), 0);
	memset(&hf, 0, sizeof(hf));
	spawn(sim, "filler", 1, 0, hf_thread, NULL);
	run_ok(sim);

	assert_int_equal(fp, 232);
	assert_true(hf.sent > 0);
	assert_int_equal(hf.err, -ENOMEM);
	assert_int_equal(hf.used_full, (size_t)hf.sent * fp);
	assert_true(hf.used_full + fp > 4096 - 64);
	assert_amount(hf.held_full, (uint64_t)hf.sent * 200, hf.sent, 0);
	assert_int_equal(hf.recvd, hf.sent);
	assert_int_equal(hf.used_after, 0);
	s = gstats(sim, 1);
	assert_int_equal(s.refused, 1);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_NO_MEMORY], 1);
	assert_all_released(sim);
	ms_sim_free(sim);
}

/* ---- user threads --------------------------------------------------------- */

/* User threads use the bus through the syscall boundary (privileged
 * stack), block in it, and may not change budgets or modes. */
struct ut {
	int node, lookup, req, recv, budget, mode, srv_recv, srv_reply;
	unsigned flags;
	char reply[8];
};

static struct ut ut;

static void ut_user(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle me, svc;
	struct ms_ipc_out o = out_bytes("ping", 4);
	struct ms_ipc_in in = { .buf = ut.reply, .buf_size = sizeof(ut.reply) };
	struct ms_ipc_amount b = { 1, 1, 1 };

	ut.node = ms_ipc_node_new(sim, NULL, &me);
	ut.lookup = ms_ipc_lookup(sim, "svc", MS_FOREVER, &svc);
	ut.req = ms_ipc_request(sim, svc, &o, me, 8, 0, NULL);
	ut.recv = ms_ipc_recv(sim, me, MS_FOREVER, &in);
	ut.flags = in.flags;
	ut.budget = ms_ipc_budget_set(sim, 5, &b);
	ut.mode = ms_ipc_mode_set(sim, "sender-pays");
}

static void ut_service(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h;
	char buf[8];
	struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };
	struct ms_ipc_out o = out_bytes("pong", 4);

	ms_ipc_node_new(sim, "svc", &h);
	ut.srv_recv = ms_ipc_recv(sim, h, MS_FOREVER, &in);
	ut.srv_reply = ms_ipc_reply(sim, in.token, &o);
}

static void test_user_threads(void **state)
{
	struct ms_sim *sim = ipc_sim("request-reply", 1024, 8, 8);
	struct ms_thread_attr a;

	memset(&ut, 0, sizeof(ut));
	ms_thread_attr_init(&a);
	a.options = MS_THREAD_USER;
	a.group = 5;
	a.priority = 1;
	assert_int_equal(ms_thread_create(sim, &a, ut_user, NULL, NULL), 0);
	spawn(sim, "service", 6, 0, ut_service, NULL);
	run_ok(sim);
	assert_int_equal(ut.node, 0);
	assert_int_equal(ut.lookup, 0);
	assert_int_equal(ut.req, 0);
	assert_int_equal(ut.srv_recv, 0);
	assert_int_equal(ut.srv_reply, 0);
	assert_int_equal(ut.recv, 0);
	assert_int_equal(ut.flags, MS_IPC_MSG_REPLY);
	assert_memory_equal(ut.reply, "pong", 4);
	assert_int_equal(ut.budget, -EPERM);
	assert_int_equal(ut.mode, -EPERM);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_all_released(sim);
	ms_sim_free(sim);
}

/* ---- errors ------------------------------------------------------------- */

struct errs {
	int host_new, host_send, host_recv, host_lookup;
	int badf, toobig, inval, inval_h, recv_notmine, destroy_notmine;
	int nowait, timed, lookup_nowait, lookup_timed, lookup_wait;
	uint64_t timed_at, timed_from, lookup_at;
	int exists, bad_name, small, small_len, again;
	int destroy, send_gone, recv_gone, destroy_again;
	int reply_bad, reply_big, reply_ok, drop_bad;
	int req_badreply, req_bigroom;
	int info_other, info_own;
};

static struct errs er;

static void err_owner(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h, h2;

	ms_ipc_node_new(sim, "owner", &h);
	er.exists = ms_ipc_node_new(sim, "owner", &h2);
	er.bad_name = ms_ipc_node_new(sim, "", &h2);
	ms_sleep(sim, 500);
	/* published late, for the waiting lookup */
	ms_ipc_node_new(sim, "late", &h2);
	ms_sleep(sim, 5000);
}

static void err_main(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle own, other, late, g;
	char buf[4], big[16];
	struct ms_ipc_out o = out_bytes("hello", 5);
	struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };
	struct ms_ipc_handle_info info;

	ms_ipc_node_new(sim, "main", &own);
	ms_ipc_lookup(sim, "owner", MS_FOREVER, &other);
	er.badf = ms_ipc_send(sim, 9999, &o, NULL);
	o.len = MS_IPC_MSG_MAX + 1;
	er.toobig = ms_ipc_send(sim, other, &o, NULL);
	o = (struct ms_ipc_out){ NULL, 5, NULL, 0 };
	er.inval = ms_ipc_send(sim, other, &o, NULL);
	o = (struct ms_ipc_out){ "x", 1, NULL, 1 };
	er.inval_h = ms_ipc_send(sim, other, &o, NULL);
	er.recv_notmine = ms_ipc_recv(sim, other, MS_NO_WAIT, &in);
	er.destroy_notmine = ms_ipc_node_destroy(sim, other);
	er.info_other = ms_ipc_handle_info(sim, 1, &info); /* owner's */
	er.info_own = ms_ipc_handle_info(sim, own, &info);

	er.nowait = ms_ipc_recv(sim, own, MS_NO_WAIT, &in);
	er.timed_from = ms_sim_now(sim);
	er.timed = ms_ipc_recv(sim, own, 50, &in);
	er.timed_at = ms_sim_now(sim);
	er.lookup_nowait = ms_ipc_lookup(sim, "late", MS_NO_WAIT, &late);
	er.lookup_timed = ms_ipc_lookup(sim, "late", 10, &late);
	er.lookup_wait = ms_ipc_lookup(sim, "late", MS_FOREVER, &late);
	er.lookup_at = ms_sim_now(sim);

	/* a message too big for the buffer stays queued */
	o = out_bytes("hello", 5);
	ms_ipc_send(sim, own, &o, NULL);
	er.small = ms_ipc_recv(sim, own, MS_NO_WAIT, &in);
	er.small_len = (int)in.len;
	in = (struct ms_ipc_in){ .buf = big, .buf_size = sizeof(big) };
	er.again = ms_ipc_recv(sim, own, MS_NO_WAIT, &in);

	/* requests and replies */
	o = out_bytes("q", 1);
	er.req_badreply = ms_ipc_request(sim, own, &o, 9999, 4, 0, NULL);
	er.req_bigroom = ms_ipc_request(sim, own, &o, own,
					MS_IPC_MSG_MAX + 1, 0, NULL);
	ms_ipc_request(sim, own, &o, own, 4, 0, NULL);
	in = (struct ms_ipc_in){ .buf = big, .buf_size = sizeof(big) };
	ms_ipc_recv(sim, own, MS_NO_WAIT, &in);
	er.reply_bad = ms_ipc_reply(sim, in.token + 1000, &o);
	o = out_bytes("too long", 8);
	er.reply_big = ms_ipc_reply(sim, in.token, &o);
	o = out_bytes("ok", 2);
	er.reply_ok = ms_ipc_reply(sim, in.token, &o);
	er.drop_bad = ms_ipc_reply_drop(sim, in.token);

	/* destroying a node: messages dropped, handles stay, sends -EPIPE */
	ms_ipc_handle_dup(sim, own, &g);
	er.destroy = ms_ipc_node_destroy(sim, own);
	o = out_bytes("x", 1);
	er.send_gone = ms_ipc_send(sim, g, &o, NULL);
	er.recv_gone = ms_ipc_recv(sim, g, MS_NO_WAIT, &in);
	er.destroy_again = ms_ipc_node_destroy(sim, own);
}

static void test_errors(void **state)
{
	struct ms_sim *sim = ipc_sim("request-reply", 1024, 8, 8);
	struct ms_ipc_out o = out_bytes("x", 1);
	struct ms_ipc_in in = { 0 };
	struct ms_ipc_handle_info info;
	struct ms_ipc_stats s;
	ms_ipc_handle h;
	size_t n, denies = 0;

	memset(&er, 0, sizeof(er));
	/* from the host: no thread to act for */
	assert_int_equal(ms_ipc_node_new(sim, "x", &h), -EPERM);
	assert_int_equal(ms_ipc_send(sim, 1, &o, NULL), -EPERM);
	assert_int_equal(ms_ipc_recv(sim, 1, MS_NO_WAIT, &in), -EPERM);
	assert_int_equal(ms_ipc_lookup(sim, "x", MS_NO_WAIT, &h), -EPERM);
	assert_int_equal(ms_ipc_reply(sim, 1, &o), -EPERM);
	assert_int_equal(ms_ipc_handle_info(sim, 1, &info), -EBADF);
	assert_int_equal(ms_ipc_node_new(sim, NULL, NULL), -EINVAL);
	assert_int_equal(ms_ipc_recv(sim, 1, MS_NO_WAIT, NULL), -EINVAL);

	spawn(sim, "owner", 2, 0, err_owner, NULL);
	spawn(sim, "main", 1, 1, err_main, NULL);
	run_ok(sim);

	assert_int_equal(er.exists, -EEXIST);
	assert_int_equal(er.bad_name, -EINVAL);
	assert_int_equal(er.badf, -EBADF);
	assert_int_equal(er.toobig, -EMSGSIZE);
	assert_int_equal(er.inval, -EINVAL);
	assert_int_equal(er.inval_h, -EINVAL);
	assert_int_equal(er.recv_notmine, -EPERM);
	assert_int_equal(er.destroy_notmine, -EPERM);
	assert_int_equal(er.info_other, -EBADF);
	assert_int_equal(er.info_own, 0);
	assert_int_equal(er.nowait, -EAGAIN);
	assert_int_equal(er.timed, -EAGAIN);
	assert_true(er.timed_at >= er.timed_from + 50);
	assert_int_equal(er.lookup_nowait, -ENOENT);
	assert_int_equal(er.lookup_timed, -EAGAIN);
	assert_int_equal(er.lookup_wait, 0);
	assert_true(er.lookup_at >= 500);
	assert_int_equal(er.small, -EMSGSIZE);
	assert_int_equal(er.small_len, 5);
	assert_int_equal(er.again, 0);
	assert_int_equal(er.req_badreply, -EBADF);
	assert_int_equal(er.req_bigroom, -EMSGSIZE);
	assert_int_equal(er.reply_bad, -EBADF);
	assert_int_equal(er.reply_big, -EMSGSIZE);
	assert_int_equal(er.reply_ok, 0);
	assert_int_equal(er.drop_bad, -EBADF);
	assert_int_equal(er.destroy, 0);
	assert_int_equal(er.send_gone, -EPIPE);
	assert_int_equal(er.recv_gone, -EPIPE);
	assert_int_equal(er.destroy_again, -EPIPE);

	s = gstats(sim, 1);
	/* badf, toobig, inval, inval_h, req_badreply, req_bigroom,
	 * reply_bad, reply_big, send_gone */
	assert_int_equal(s.refused, 9);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_BAD_HANDLE], 5);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_TOO_BIG], 3);
	assert_int_equal(s.refused_by[MS_IPC_REFUSE_NODE_GONE], 1);
	assert_int_equal(s.replies_refused, 2);
	assert_int_equal(s.sent, 3);	/* hello, the request, its reply */
	assert_int_equal(s.dropped, 1);	/* the reply, with the node */
	/* each refusal is an ipc-deny event carrying the errno */
	n = ms_sim_event_count(sim);
	for (size_t i = 0; i < n; i++) {
		struct ms_event ev;

		ms_sim_event_get(sim, i, &ev);
		if (ev.type == MS_EV_IPC_DENY) {
			denies++;
			if (denies == 1)
				assert_int_equal(ev.b, EBADF);
		}
	}
	assert_int_equal(denies, 9);
	assert_all_released(sim);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fair_share_arithmetic),
		cmocka_unit_test(test_fair_share_on_bus),
		cmocka_unit_test(test_ownership_sender_pays),
		cmocka_unit_test(test_ownership_receiver_pays),
		cmocka_unit_test(test_ownership_fair_share),
		cmocka_unit_test(test_ownership_request_reply),
		cmocka_unit_test(test_handle_passing),
		cmocka_unit_test(test_thread_death_releases),
		cmocka_unit_test(test_mode_registry),
		cmocka_unit_test(test_budgets),
		cmocka_unit_test(test_messages_use_kernel_heap),
		cmocka_unit_test(test_user_threads),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
