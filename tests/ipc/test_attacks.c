/* SPDX-License-Identifier: MIT */
/*
 * IPC attack tests: the three attack shapes of issue 7, under each of the
 * four accounting modes, asserted exactly. They back the protection table
 * of docs/ipc.md.
 *
 * Every identity has the same budget: 1024 bytes, 8 messages, 8 handles.
 * Group 1 is the service, group 2 the attacker, group 3 the well-behaved
 * client (the victim). Threads of one priority run in FIFO order (no time
 * slicing); the service runs at a higher priority, so that it answers each
 * request as soon as it arrives, unless it is asleep on purpose.
 */
#include "common.h"

#define SVC 1u
#define ATK 2u
#define VIC 3u
#define SYBIL 10u		/* sybil attackers: groups 10, 11, ... */
#define NGROUPS 16

static const char *const modes[] = {
	"sender-pays", "receiver-pays", "fair-share", "request-reply",
};
#define N_MODES 4

/* ---- actors ------------------------------------------------------------- */

/* Sleeps until tick `delay`, then serves until idle for `idle` ticks: reads every
 * message and answers requests with reply_len bytes; a refused reply is
 * dropped (ms_ipc_reply_drop), as a real service would. */
struct service {
	uint64_t delay, idle;
	size_t reply_len;
	uint64_t received[NGROUPS];
	uint64_t replied[NGROUPS];
	uint64_t reply_refused[NGROUPS];
	int reply_err[NGROUPS];		/* the last refusal's errno */
	int drop_ret;
};

static void service(struct ms_sim *sim, void *arg)
{
	struct service *s = arg;
	static char payload[256];
	ms_ipc_handle h;
	char buf[256];

	ms_ipc_node_new(sim, "svc", &h);
	if (ms_sim_now(sim) < s->delay)
		ms_sleep(sim, s->delay - ms_sim_now(sim));
	for (;;) {
		struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };
		struct ms_ipc_out o = out_bytes(payload, s->reply_len);
		uint32_t g;
		int r;

		if (ms_ipc_recv(sim, h, (int64_t)s->idle, &in))
			break;
		g = in.sender_group < NGROUPS ? in.sender_group : 0;
		s->received[g]++;
		if (!(in.flags & MS_IPC_MSG_REQUEST))
			continue;
		r = ms_ipc_reply(sim, in.token, &o);
		if (!r) {
			s->replied[g]++;
			continue;
		}
		s->reply_refused[g]++;
		s->reply_err[g] = r;
		s->drop_ret = ms_ipc_reply_drop(sim, in.token);
	}
}

/* Sends `attempts` messages of `len` bytes to the node named `to`. */
struct flooder {
	const char *to;
	int attempts;
	size_t len;
	int ok, refused, err;
};

static void flooder(struct ms_sim *sim, void *arg)
{
	struct flooder *f = arg;
	static char payload[256];
	struct ms_ipc_out o = out_bytes(payload, f->len);
	ms_ipc_handle h;

	ms_ipc_lookup(sim, f->to, MS_FOREVER, &h);
	for (int i = 0; i < f->attempts; i++) {
		int r = ms_ipc_send(sim, h, &o, NULL);

		if (r) {
			f->refused++;
			f->err = r;
		} else {
			f->ok++;
		}
	}
}

/* Sends `attempts` requests to "svc" and never reads the replies; stays
 * alive (holding them) for `linger` ticks. */
struct deaf_client {
	int attempts;
	uint64_t linger;
	int ok, refused, err;
};

static void deaf_client(struct ms_sim *sim, void *arg)
{
	struct deaf_client *c = arg;
	struct ms_ipc_out o = out_bytes("please reply", 12);
	ms_ipc_handle svc, me;

	ms_ipc_node_new(sim, NULL, &me);
	ms_ipc_lookup(sim, "svc", MS_FOREVER, &svc);
	for (int i = 0; i < c->attempts; i++) {
		int r = ms_ipc_request(sim, svc, &o, me, 64, 0, NULL);

		if (r) {
			c->refused++;
			c->err = r;
		} else {
			c->ok++;
		}
	}
	ms_sleep(sim, c->linger);
}

/* The well-behaved client: at tick `delay`, it sends `sink_sends`
 * messages to "sink" (the receiver-never-reads shape), then one request
 * to "svc", and waits up to `wait` ticks for the reply. */
struct victim {
	uint64_t delay, wait;
	int sink_sends;
	int sink_ok, sink_refused, sink_err;
	int req, recv;
	unsigned flags;
	uint64_t req_id, in_reply_to, sent_at, answered_at;
};

static void victim(struct ms_sim *sim, void *arg)
{
	struct victim *v = arg;
	struct ms_ipc_out o = out_bytes("a fair question", 15);
	ms_ipc_handle svc, me, sink;
	char buf[256];
	struct ms_ipc_in in = { .buf = buf, .buf_size = sizeof(buf) };

	v->recv = 1;	/* "not tried" */
	/* delay is a tick, not a duration: it must not depend on how long
	 * the threads before it in the FIFO took */
	if (ms_sim_now(sim) < v->delay)
		ms_sleep(sim, v->delay - ms_sim_now(sim));
	v->sent_at = ms_sim_now(sim);
	if (v->sink_sends) {
		struct ms_ipc_out m = out_bytes(buf, 64);

		ms_ipc_lookup(sim, "sink", MS_FOREVER, &sink);
		for (int i = 0; i < v->sink_sends; i++) {
			int r = ms_ipc_send(sim, sink, &m, NULL);

			if (r) {
				v->sink_refused++;
				v->sink_err = r;
			} else {
				v->sink_ok++;
			}
		}
	}
	ms_ipc_node_new(sim, NULL, &me);
	ms_ipc_lookup(sim, "svc", MS_FOREVER, &svc);
	v->req = ms_ipc_request(sim, svc, &o, me, 64, 0, &v->req_id);
	if (v->req)
		return;
	v->recv = ms_ipc_recv(sim, me, (int64_t)v->wait, &in);
	v->flags = in.flags;
	v->in_reply_to = in.in_reply_to;
	v->answered_at = ms_sim_now(sim);
}

/* A receiver that never reads. */
static void sink(struct ms_sim *sim, void *arg)
{
	ms_ipc_handle h;

	ms_ipc_node_new(sim, "sink", &h);
	ms_sleep(sim, (uint64_t)(uintptr_t)arg);
}

static struct ms_ipc_stats stats_of(struct ms_sim *sim, uint32_t g)
{
	return gstats(sim, g);
}

/* ---- attack 1: many senders flood a service ----------------------------- */

/*
 * Three attacker threads of one identity send 20 messages of 64 bytes each
 * to a service that is busy (asleep) until tick 3000. At tick 2000 the
 * victim sends one request. Does it get in, and get its answer?
 */
struct flood_expect {
	const char *mode;
	int atk_ok;			/* accepted, all attackers together */
	int atk_err;			/* the errno of their refusals */
	enum ms_ipc_refusal why;
	int victim_req;			/* the victim's request */
	int victim_recv;		/* its reply (1: not tried) */
	uint64_t svc_received;		/* messages the service read */
};

static const struct flood_expect flood_expect[N_MODES] = {
	/* the attackers pay, each identity its own budget: the victim
	 * pays for itself and is served (after the backlog) */
	{ "sender-pays", 8, -EDQUOT, MS_IPC_REFUSE_SENDER_BUDGET, 0, 0, 9 },
	/* first come, first served: the attackers fill the service */
	{ "receiver-pays", 8, -ENOBUFS, MS_IPC_REFUSE_RECEIVER_BUDGET,
	  -ENOBUFS, 1, 8 },
	/* the attackers' identity gets half; the rest is there for others */
	{ "fair-share", 4, -ENOBUFS, MS_IPC_REFUSE_FAIR_SHARE, 0, 0, 5 },
	{ "request-reply", 4, -ENOBUFS, MS_IPC_REFUSE_FAIR_SHARE, 0, 0, 5 },
};

static uint64_t run_flood(const char *mode, const struct flood_expect *e)
{
	struct ms_sim *sim = ipc_sim(mode, 1024, 8, 8);
	struct service svc = { .delay = 3000, .idle = 2000, .reply_len = 16 };
	struct flooder f[3];
	struct victim v = { .delay = 2000, .wait = 5000 };
	struct ms_ipc_stats s;
	int ok = 0, refused = 0;
	uint64_t hash;

	spawn(sim, "service", SVC, 0, service, &svc);
	for (int i = 0; i < 3; i++) {
		f[i] = (struct flooder){ .to = "svc", .attempts = 20,
					 .len = 64 };
		spawn(sim, "flooder", ATK, 1, flooder, &f[i]);
	}
	spawn(sim, "victim", VIC, 1, victim, &v);
	run_ok(sim);

	for (int i = 0; i < 3; i++) {
		ok += f[i].ok;
		refused += f[i].refused;
		assert_int_equal(f[i].err, e->atk_err);
	}
	assert_int_equal(ok, e->atk_ok);
	assert_int_equal(refused, 60 - e->atk_ok);
	s = stats_of(sim, ATK);
	assert_int_equal(s.sent, e->atk_ok);
	assert_int_equal(s.refused, 60 - e->atk_ok);
	assert_int_equal(s.refused_by[e->why], 60 - e->atk_ok);
	assert_int_equal(s.refused_res[MS_IPC_RES_MSGS], 60 - e->atk_ok);
	/* the shape held: the victim asked while the service was busy */
	assert_true(v.sent_at >= 2000 && v.sent_at < 3000);
	assert_int_equal(v.req, e->victim_req);
	assert_int_equal(v.recv, e->victim_recv);
	if (!e->victim_recv) {
		assert_int_equal(v.flags, MS_IPC_MSG_REPLY);
		assert_int_equal(v.in_reply_to, v.req_id);
		assert_int_equal(svc.replied[VIC], 1);
	}
	assert_int_equal(svc.received[ATK] + svc.received[VIC],
			 e->svc_received);
	s = stats_of(sim, VIC);
	assert_int_equal(s.refused, e->victim_req ? 1 : 0);
	assert_all_released(sim);
	hash = ms_sim_event_hash(sim);
	ms_sim_free(sim);
	return hash;
}

static void test_attack_flood_service(void **state)
{
	for (int i = 0; i < N_MODES; i++) {
		print_message("mode %s\n", modes[i]);
		assert_string_equal(flood_expect[i].mode, modes[i]);
		run_flood(modes[i], &flood_expect[i]);
	}
}

/* The same run twice gives the same event log. */
static void test_attack_flood_deterministic(void **state)
{
	uint64_t a = run_flood("fair-share", &flood_expect[2]);
	uint64_t b = run_flood("fair-share", &flood_expect[2]);

	assert_int_equal(a, b);
}

/*
 * Sybils: the attackers spread over k identities, each one thread sending
 * 20 messages; budget 16 messages. Fair share gives them 8, 4, 2, 1: with
 * k = 3 two messages of room remain and the victim gets one; with k = 4
 * one remains, and one message needs two (2 * (0 + 1) <= 16 - 15 fails).
 * The limit of the rule: about log2(budget) identities exhaust it.
 */
struct sybil_expect {
	const char *mode;
	int k;
	int ok[4];
	int victim_req;
	enum ms_ipc_refusal why;	/* the victim's refusal */
};

static const struct sybil_expect sybil_expect[] = {
	{ "sender-pays", 4, { 16, 16, 16, 16 }, 0, 0 },
	{ "receiver-pays", 4, { 16, 0, 0, 0 }, -ENOBUFS,
	  MS_IPC_REFUSE_RECEIVER_BUDGET },
	{ "fair-share", 3, { 8, 4, 2, 0 }, 0, 0 },
	{ "fair-share", 4, { 8, 4, 2, 1 }, -ENOBUFS, MS_IPC_REFUSE_FAIR_SHARE },
	{ "request-reply", 3, { 8, 4, 2, 0 }, 0, 0 },
	{ "request-reply", 4, { 8, 4, 2, 1 }, -ENOBUFS,
	  MS_IPC_REFUSE_FAIR_SHARE },
};

static void test_attack_flood_by_sybils(void **state)
{
	for (size_t t = 0; t < sizeof(sybil_expect) / sizeof(sybil_expect[0]); t++) {
		const struct sybil_expect *e = &sybil_expect[t];
		struct ms_sim *sim = ipc_sim(e->mode, 4096, 16, 16);
		struct service svc = { .delay = 3000, .idle = 2000,
				       .reply_len = 16 };
		struct flooder f[4];
		struct victim v = { .delay = 2000, .wait = 5000 };
		struct ms_ipc_stats s;

		print_message("mode %s, %d identities\n", e->mode, e->k);
		spawn(sim, "service", SVC, 0, service, &svc);
		for (int i = 0; i < e->k; i++) {
			f[i] = (struct flooder){ .to = "svc", .attempts = 20,
						 .len = 64 };
			spawn(sim, "sybil", SYBIL + (uint32_t)i, 1, flooder,
			      &f[i]);
		}
		spawn(sim, "victim", VIC, 1, victim, &v);
		run_ok(sim);
		for (int i = 0; i < e->k; i++)
			assert_int_equal(f[i].ok, e->ok[i]);
		assert_true(v.sent_at >= 2000 && v.sent_at < 3000);
		assert_int_equal(v.req, e->victim_req);
		s = stats_of(sim, VIC);
		if (e->victim_req) {
			assert_int_equal(s.refused_by[e->why], 1);
		} else {
			assert_int_equal(v.recv, 0);
			assert_int_equal(svc.replied[VIC], 1);
		}
		assert_all_released(sim);
		ms_sim_free(sim);
	}
}

/* ---- attack 2: a client sends requests and never reads its replies ------- */

/*
 * The deaf client sends 12 requests (each asking for a 64-byte reply) and
 * never reads; the service answers each at once. At tick 1000 the victim
 * sends one request. Who runs out: the service, the victim, or only the
 * deaf client?
 */
struct deaf_expect {
	const char *mode;
	int deaf_ok;			/* requests accepted */
	int deaf_err;			/* errno of the refused ones (0: none) */
	uint64_t replied_deaf;		/* replies the service got out */
	uint64_t refused_deaf;		/* replies to it that were refused */
	int refused_deaf_err;
	int victim_recv;		/* 0 answered, -EAGAIN not */
	uint64_t svc_replies_refused;	/* every refused reply */
};

static const struct deaf_expect deaf_expect[N_MODES] = {
	/* the service pays for unread replies: its budget runs out, and
	 * then it cannot answer anyone, the victim included */
	{ "sender-pays", 12, 0, 8, 4, -EDQUOT, -EAGAIN, 5 },
	/* the deaf client's budget pays: replies to it fail, others' not */
	{ "receiver-pays", 12, 0, 8, 4, -ENOBUFS, 0, 4 },
	/* ... and the service may take only half of the client's budget */
	{ "fair-share", 12, 0, 4, 8, -ENOBUFS, 0, 8 },
	/* the room is reserved at SEND, on the client: it is refused at
	 * once, and the service never fails to answer */
	{ "request-reply", 8, -EDQUOT, 8, 0, 0, 0, 0 },
};

static void test_attack_unread_replies(void **state)
{
	for (int i = 0; i < N_MODES; i++) {
		const struct deaf_expect *e = &deaf_expect[i];
		struct ms_sim *sim = ipc_sim(modes[i], 1024, 8, 8);
		struct service svc = { .idle = 10000, .reply_len = 64 };
		struct deaf_client d = { .attempts = 12, .linger = 20000 };
		struct victim v = { .delay = 1000, .wait = 5000 };
		struct ms_ipc_stats s;

		print_message("mode %s\n", modes[i]);
		assert_string_equal(e->mode, modes[i]);
		spawn(sim, "service", SVC, 0, service, &svc);
		spawn(sim, "deaf", ATK, 1, deaf_client, &d);
		spawn(sim, "victim", VIC, 1, victim, &v);
		run_ok(sim);

		assert_int_equal(d.ok, e->deaf_ok);
		assert_int_equal(d.refused, 12 - e->deaf_ok);
		assert_int_equal(d.err, e->deaf_err);
		assert_int_equal(svc.received[ATK], e->deaf_ok);
		assert_int_equal(svc.replied[ATK], e->replied_deaf);
		assert_int_equal(svc.reply_refused[ATK], e->refused_deaf);
		assert_int_equal(svc.reply_err[ATK], e->refused_deaf_err);
		assert_int_equal(v.req, 0);
		assert_int_equal(v.recv, e->victim_recv);
		assert_int_equal(svc.replied[VIC], e->victim_recv ? 0 : 1);
		s = stats_of(sim, SVC);
		assert_int_equal(s.replies_refused, e->svc_replies_refused);
		assert_int_equal(s.refused, e->svc_replies_refused);
		if (e->svc_replies_refused)
			assert_int_equal(svc.drop_ret, 0);
		s = stats_of(sim, ATK);
		if (e->deaf_err) {
			assert_int_equal(s.refused_by[MS_IPC_REFUSE_REPLY_RESERVE],
					 12 - e->deaf_ok);
			assert_int_equal(s.refused_res[MS_IPC_RES_MSGS],
					 12 - e->deaf_ok);
			/* all it could hold: 8 reserved replies */
			assert_int_equal(s.peak.msgs, 8);
		}
		assert_all_released(sim);
		ms_sim_free(sim);
	}
}

/* ---- attack 3: a receiver never reads ----------------------------------- */

/*
 * The sink never reads. The victim sends it 12 messages of 64 bytes, then
 * one request to the service. Does the sink cost the victim its other
 * conversations?
 */
struct sink_expect {
	const char *mode;
	int sink_ok;
	int sink_err;
	int victim_req;
	int victim_recv;
};

static const struct sink_expect sink_expect[N_MODES] = {
	/* the victim pays for what the sink holds: its budget is gone, so
	 * it cannot talk to the service either */
	{ "sender-pays", 8, -EDQUOT, -EDQUOT, 1 },
	/* the sink's budget fills; the victim's own is untouched */
	{ "receiver-pays", 8, -ENOBUFS, 0, 0 },
	{ "fair-share", 4, -ENOBUFS, 0, 0 },
	{ "request-reply", 4, -ENOBUFS, 0, 0 },
};

static void test_attack_receiver_never_reads(void **state)
{
	for (int i = 0; i < N_MODES; i++) {
		const struct sink_expect *e = &sink_expect[i];
		struct ms_sim *sim = ipc_sim(modes[i], 1024, 8, 8);
		struct service svc = { .idle = 10000, .reply_len = 64 };
		struct victim v = { .sink_sends = 12, .wait = 5000 };
		struct ms_ipc_stats s;

		print_message("mode %s\n", modes[i]);
		assert_string_equal(e->mode, modes[i]);
		spawn(sim, "service", SVC, 0, service, &svc);
		spawn(sim, "sink", ATK, 1, sink, (void *)(uintptr_t)50000);
		spawn(sim, "victim", VIC, 1, victim, &v);
		run_ok(sim);

		assert_int_equal(v.sink_ok, e->sink_ok);
		assert_int_equal(v.sink_refused, 12 - e->sink_ok);
		assert_int_equal(v.sink_err, e->sink_err);
		assert_int_equal(v.req, e->victim_req);
		assert_int_equal(v.recv, e->victim_recv);
		s = stats_of(sim, VIC);
		assert_int_equal(s.refused, 12 - e->sink_ok +
				 (e->victim_req ? 1 : 0));
		/* the sink died holding them: dropped and credited */
		assert_int_equal(s.dropped, e->sink_ok);
		s = stats_of(sim, ATK);
		assert_int_equal(s.received, 0);
		assert_all_released(sim);
		ms_sim_free(sim);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attack_flood_service),
		cmocka_unit_test(test_attack_flood_deterministic),
		cmocka_unit_test(test_attack_flood_by_sybils),
		cmocka_unit_test(test_attack_unread_replies),
		cmocka_unit_test(test_attack_receiver_never_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
