/* SPDX-License-Identifier: MIT */
/*
 * Services that allocate on the caller's behalf, under the quota policies:
 * timer spam under "count", credit to the requester whoever frees, queue
 * nodes (none on a direct hand-off, credited on dequeue by another thread),
 * a delayed work's timeout held until it fires or is cancelled, a user
 * workqueue flood, msgq/pipe/stack buffers; and the semantics of the
 * synchronisation objects that allocate nothing.
 */
#include "common.h"

/* ---- timer spam under "count" ------------------------------------------ */

struct spam {
	int max;
	int got;
	int err;
	ms_handle h[64];
};

static void spammer(struct ms_sim *sim, void *arg)
{
	struct spam *s = arg;

	while (s->got < s->max) {
		ms_handle h;
		int r = ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &h);

		if (r) {
			s->err = r;
			return;
		}
		s->h[s->got++] = h;
	}
}

/*
 * Every dynamic object is two kernel allocations (record and data), as in
 * Zephyr, but one request: "count" counts requests, so a limit of N lets a
 * thread hold exactly N objects and refuses the next with -EDQUOT. The
 * other thread's quota is its own.
 */
static void test_count_policy_timer_spam(void **state)
{
	static const struct {
		uint64_t limit;
		int timers;
	} cases[] = { { 10, 10 }, { 20, 20 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ms_sim *sim = ksim_new(0, 0);
		struct spam a = { .max = 64 }, b = { .max = 3 };
		struct ms_quota_stats qa, qb;
		ms_tid ta, tb;

		set_policy(sim, "count", cases[i].limit);
		ta = spawn_user(sim, "spammer", 0, spammer, &a);
		tb = spawn_user(sim, "bystander", 0, spammer, &b);
		run_done(sim);
		assert_int_equal(a.got, cases[i].timers);
		assert_int_equal(a.err, -EDQUOT);
		assert_int_equal(b.got, 3);
		assert_int_equal(b.err, 0);
		qa = qstats(sim, ta);
		qb = qstats(sim, tb);
		assert_int_equal(qa.count_peak, cases[i].limit);
		assert_int_equal(qa.denied_quota, 1);
		assert_int_equal(qa.denied_nomem, 0);
		assert_int_equal(qb.denied_quota, 0);
		assert_int_equal(qb.count_peak, 3);
		ms_sim_free(sim);
	}
}

/* ---- credit to the requester, whoever frees --------------------------- */

struct credit {
	ms_handle h[3];
	ms_tid owner;
	int r[4];
	struct ms_quota_stats after_free;
};

static void credit_owner(struct ms_sim *sim, void *arg)
{
	struct credit *c = arg;

	ms_handle h;

	for (int i = 0; i < 3; i++) {
		c->r[i] = ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &h);
		c->h[i] = h;
	}
	ms_sleep(sim, 50);
	/* At the limit (6 of 6) until the supervisor freed one. */
	c->r[3] = ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &h);
}

static void credit_freer(struct ms_sim *sim, void *arg)
{
	struct credit *c = arg;

	ms_sleep(sim, 10);
	ms_sys_object_free(sim, c->h[1]);
	c->after_free = qstats(sim, c->owner);
}

static void test_free_by_another_credits_requester(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct credit c = { 0 };
	struct ms_quota_stats qs;
	ms_tid sup;

	set_policy(sim, "count", 6);
	c.owner = spawn_user(sim, "owner", 0, credit_owner, &c);
	sup = spawn_sup(sim, "freer", 0, credit_freer, &c);
	run_done(sim);
	assert_int_equal(c.r[0], 0);
	assert_int_equal(c.r[1], 0);
	assert_int_equal(c.r[2], 0);
	assert_int_equal(c.after_free.count_held, 2);
	assert_int_equal(c.after_free.freed, 2);
	assert_int_equal(c.r[3], 0);
	qs = qstats(sim, sup);
	assert_int_equal(qs.requested, 0);
	assert_int_equal(qs.freed, 0);
	ms_sim_free(sim);
}

/* ---- queue nodes --------------------------------------------------------- */

struct qt {
	ms_handle q;
	void *got[4];
	int r[8];
	int marks[4];
	ms_tid producer, consumer;
	struct ms_quota_stats mid;
};

static void q_waiting_consumer(struct ms_sim *sim, void *arg)
{
	struct qt *x = arg;
	void *d = NULL;

	x->r[0] = ms_sys_queue_get(sim, x->q, &d, MS_FOREVER);
	x->got[0] = d;
}

static void q_producer_one(struct ms_sim *sim, void *arg)
{
	struct qt *x = arg;

	x->r[1] = ms_sys_queue_alloc_append(sim, x->q, &x->marks[0]);
}

static struct ms_sim *queue_sim(struct qt *x)
{
	struct ms_sim *sim = ksim_new(0, 0);

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &x->q), 0);
	assert_int_equal(ms_sys_queue_init(sim, x->q), 0);
	assert_int_equal(ms_sys_object_make_public(sim, x->q), 0);
	return sim;
}

static void test_queue_direct_handoff_allocates_nothing(void **state)
{
	struct qt x = { 0 };
	struct ms_sim *sim = queue_sim(&x);
	struct ms_heap_stats before = hstats(sim), after;
	struct ms_quota_stats qp;

	x.consumer = spawn_user(sim, "consumer", 0, q_waiting_consumer, &x);
	x.producer = spawn_user(sim, "producer", 1, q_producer_one, &x);
	run_done(sim);
	assert_int_equal(x.r[0], 0);
	assert_int_equal(x.r[1], 0);
	assert_ptr_equal(x.got[0], &x.marks[0]);
	qp = qstats(sim, x.producer);
	assert_int_equal(qp.requested, 0);
	after = hstats(sim);
	assert_int_equal(after.allocs, before.allocs);
	ms_sim_free(sim);
}

static void q_producer_three(struct ms_sim *sim, void *arg)
{
	struct qt *x = arg;

	x->r[0] = ms_sys_queue_alloc_append(sim, x->q, &x->marks[0]);
	x->r[1] = ms_sys_queue_alloc_append(sim, x->q, &x->marks[1]);
	x->r[2] = ms_sys_queue_alloc_prepend(sim, x->q, &x->marks[2]);
	x->r[3] = ms_sys_queue_alloc_append(sim, x->q, &x->marks[3]);
	x->mid = qstats(sim, ms_thread_self(sim));
}

static void q_late_consumer(struct ms_sim *sim, void *arg)
{
	struct qt *x = arg;

	for (int i = 0; i < 4; i++) {
		void *d = NULL;

		x->r[4 + i] = ms_sys_queue_get(sim, x->q, &d, MS_NO_WAIT);
		x->got[i] = d;
	}
}

static void test_queue_node_credited_on_dequeue_by_another(void **state)
{
	struct qt x = { 0 };
	struct ms_sim *sim = queue_sim(&x);
	struct ms_quota_stats qp, qc;

	set_policy(sim, "count", 3);
	x.producer = spawn_user(sim, "producer", 0, q_producer_three, &x);
	x.consumer = spawn_user(sim, "consumer", 1, q_late_consumer, &x);
	run_done(sim);
	assert_int_equal(x.r[0], 0);
	assert_int_equal(x.r[1], 0);
	assert_int_equal(x.r[2], 0);
	assert_int_equal(x.r[3], -EDQUOT);	/* 3 nodes outstanding */
	assert_int_equal(x.mid.count_held, 3);
	assert_int_equal(x.mid.bytes_held, 3 * ms_heap_footprint(8));
	/* prepend went first; the fourth get finds nothing */
	assert_ptr_equal(x.got[0], &x.marks[2]);
	assert_ptr_equal(x.got[1], &x.marks[0]);
	assert_ptr_equal(x.got[2], &x.marks[1]);
	assert_int_equal(x.r[4], 0);
	assert_int_equal(x.r[7], -EAGAIN);
	qp = qstats(sim, x.producer);
	qc = qstats(sim, x.consumer);
	assert_int_equal(qp.count_held, 0);
	assert_int_equal(qp.freed, 3);
	assert_int_equal(qc.requested, 0);
	assert_int_equal(qc.freed, 0);
	ms_sim_free(sim);
}

/* Items left in a freed queue: nodes freed, appenders credited. */
static void test_queue_freed_with_items_credits_appender(void **state)
{
	struct qt x = { 0 };
	struct ms_sim *sim = queue_sim(&x);
	struct ms_quota_stats qp;

	x.producer = spawn_user(sim, "producer", 0, q_producer_three, &x);
	run_done(sim);
	assert_int_equal(x.r[3], 0);
	assert_int_equal(qstats(sim, x.producer).count_held, 4);
	assert_int_equal(ms_sys_object_free(sim, x.q), 0);
	qp = qstats(sim, x.producer);
	assert_int_equal(qp.count_held, 0);
	assert_int_equal(qp.freed, 4);
	ms_sim_free(sim);
}

/* ---- delayed work ------------------------------------------------------- */

struct dw {
	ms_dwork_handler fn;	/* what the thread gives the item */
	ms_handle w;
	int r[8];
	int ran;
	ms_tid ran_on;
	bool ran_user;
	uint64_t ran_at, armed_at;
	struct ms_quota_stats armed, fired, cancelled;
	int64_t fired_count;
};

static void dw_handler(struct ms_sim *sim, ms_handle h, void *arg)
{
	struct dw *d = arg;
	struct ms_thread_info ti;

	d->ran++;
	d->ran_at = ms_sim_now(sim);
	d->ran_on = ms_thread_self(sim);
	ms_thread_info(sim, d->ran_on, &ti);
	d->ran_user = ti.user;
}

/* Arm, fire, re-arm, cancel: from a user or a supervisor thread. */
static void dw_armer(struct ms_sim *sim, void *arg)
{
	struct dw *d = arg;
	ms_tid me = ms_thread_self(sim);
	ms_handle w;

	ms_sys_object_alloc(sim, MS_KOBJ_DELAYED_WORK, &w);
	d->w = w;
	d->r[0] = ms_sys_dwork_init(sim, w, d->fn, d);
	d->armed_at = ms_sim_now(sim);
	d->r[1] = ms_sys_dwork_submit(sim, w, 100);
	d->r[2] = ms_sys_dwork_submit(sim, w, 5);	/* armed: unchanged */
	d->r[3] = ms_sys_dwork_init(sim, w, d->fn, d);
	ms_sleep(sim, 50);
	d->armed = qstats(sim, me);
	ms_sleep(sim, 100);
	d->fired = qstats(sim, me);
	/* Armed again, then cancelled: it never fires. */
	d->r[4] = ms_sys_dwork_submit(sim, w, 100);
	d->r[5] = ms_sys_dwork_cancel(sim, w);
	d->r[6] = ms_sys_dwork_cancel(sim, w);
	d->cancelled = qstats(sim, me);
	ms_sleep(sim, 300);
	d->fired_count = ms_dwork_fired(sim, w);
}

/*
 * A supervisor's handler runs on the work thread; a user thread arms the
 * same way with no handler (it may not give one): the same charges and
 * credits, and nothing runs.
 */
static void dwork_timeout_case(bool user)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct dw d = { .fn = user ? NULL : dw_handler };
	size_t obj = ms_heap_footprint(32) + ms_heap_footprint(48);
	struct ms_kernel_stats ks;
	struct ms_thread_info ti;

	spawn_opt(sim, "armer", 0, user ? MS_THREAD_USER : 0, dw_armer, &d);
	run_done(sim);	/* the work thread ended with its last timeout */
	assert_int_equal(d.r[0], 0);
	assert_int_equal(d.r[1], 1);
	assert_int_equal(d.r[2], 0);
	assert_int_equal(d.r[3], -EBUSY);
	/* Armed: the object and the timeout (two requests). */
	assert_int_equal(d.armed.count_held, 2);
	assert_int_equal(d.armed.bytes_held, obj + ms_heap_footprint(24));
	/* Fired: the timeout came back, the object stays. */
	assert_int_equal(d.fired.count_held, 1);
	assert_int_equal(d.fired.bytes_held, obj);
	assert_int_equal(d.fired.freed, 1);
	if (user) {
		assert_int_equal(d.ran, 0);
	} else {
		assert_int_equal(d.ran, 1);
		assert_true(d.ran_at >= d.armed_at + 100);
		assert_true(d.ran_at < d.armed_at + 150);
		assert_false(d.ran_user);
		assert_int_equal(ms_thread_info(sim, d.ran_on, &ti), -ENOENT);
	}
	/* Cancelled: back at once, never ran again. */
	assert_int_equal(d.r[4], 1);
	assert_int_equal(d.r[5], 1);
	assert_int_equal(d.r[6], 0);
	assert_int_equal(d.cancelled.count_held, 1);
	assert_int_equal(d.cancelled.freed, 2);
	assert_int_equal(d.fired_count, 1);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.timeouts_pending, 0);
	ms_sim_free(sim);
}

static void test_delayed_work_timeout_held_until_fired_or_cancelled(void **state)
{
	dwork_timeout_case(false);
}

static void test_user_delayed_work_without_handler_fires(void **state)
{
	dwork_timeout_case(true);
}

/* Pending delayed work on a sim that is freed: the timeout is freed too. */
static void dw_arm_and_leave(struct ms_sim *sim, void *arg)
{
	ms_handle *w = arg;

	ms_sys_dwork_submit(sim, *w, 1000000);
}

static void test_delayed_work_pending_at_tick_limit(void **state)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;
	struct ms_kernel_stats ks;
	ms_handle w;
	ms_tid u;

	ms_config_init(&cfg);
	cfg.stack_paint = false;
	cfg.tick_limit = 5000;
	assert_int_equal(ms_sim_new(&cfg, &sim), 0);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_DELAYED_WORK, &w), 0);
	assert_int_equal(ms_sys_dwork_init(sim, w, NULL, NULL), 0);
	assert_int_equal(ms_sys_object_make_public(sim, w), 0);
	u = spawn_user(sim, "armer", 0, dw_arm_and_leave, &w);
	assert_int_equal(ms_sim_run(sim), 0);
	/* Only the work thread is left, waiting: the tick limit stops it. */
	assert_int_equal(ms_sim_status(sim), MS_RUN_TICK_LIMIT);
	assert_int_equal(qstats(sim, u).count_held, 1);
	assert_int_equal(ms_kernel_stats(sim, &ks), 0);
	assert_int_equal(ks.timeouts_pending, 1);
	assert_int_equal(ms_sys_dwork_cancel(sim, w), 1);
	assert_int_equal(qstats(sim, u).count_held, 0);
	ms_sim_free(sim);
}

/*
 * A user thread gives a delayed work item a handler, hoping it runs on the
 * kernel's work thread, a supervisor: there it could do what the user may
 * not (switch the quota policy off, then allocate past its limit). The
 * handler is refused; the item still fires, running nothing.
 */
struct escalation {
	ms_handle w;
	int direct;		/* the user's own ms_quota_policy_set */
	int r[4];
	int ran, policy_ret, alloc_ret;
	void *big;
	int64_t fired_count;
	struct ms_quota_stats armed, fired;
};

static void escalating_handler(struct ms_sim *sim, ms_handle h, void *arg)
{
	struct escalation *e = arg;

	e->ran++;
	e->policy_ret = ms_quota_policy_set(sim, "unlimited", NULL);
	e->alloc_ret = ms_heap_alloc(sim, 30000, &e->big);
}

static void escalating_user(struct ms_sim *sim, void *arg)
{
	struct escalation *e = arg;
	ms_tid me = ms_thread_self(sim);
	ms_handle w;	/* an out-buffer: on the user's own stack */

	e->direct = ms_quota_policy_set(sim, "unlimited", NULL);
	ms_sys_object_alloc(sim, MS_KOBJ_DELAYED_WORK, &w);
	e->w = w;
	e->r[0] = ms_sys_dwork_init(sim, e->w, NULL, NULL);
	e->r[1] = ms_sys_dwork_init(sim, e->w, escalating_handler, e);
	e->r[2] = ms_sys_dwork_submit(sim, e->w, 10);
	e->armed = qstats(sim, me);
	ms_sleep(sim, 50);
	e->fired = qstats(sim, me);
	e->fired_count = ms_dwork_fired(sim, w);
	e->r[3] = ms_sys_dwork_init(sim, e->w, escalating_handler, e);
}

static void test_user_dwork_handler_runs_as_supervisor_attack(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct escalation e = { .policy_ret = 1, .alloc_ret = 1 };
	size_t obj = ms_heap_footprint(32) + ms_heap_footprint(48);
	ms_tid u;

	set_policy(sim, "bytes", 4096);
	u = spawn_user(sim, "attacker", 0, escalating_user, &e);
	run_done(sim);
	assert_int_equal(e.direct, -EPERM);
	assert_int_equal(e.r[0], 0);		/* no handler: allowed */
	assert_int_equal(e.r[1], -EPERM);	/* a handler: refused */
	assert_int_equal(e.r[2], 1);		/* armed all the same */
	assert_int_equal(e.r[3], -EPERM);	/* idle: still refused */
	assert_null(fault_of(sim, u));
	/* It fired, charged and credited, and ran nothing. */
	assert_int_equal(e.armed.bytes_held, obj + ms_heap_footprint(24));
	assert_int_equal(e.fired.bytes_held, obj);
	assert_int_equal(e.fired.freed, 1);
	assert_int_equal(e.fired_count, 1);
	assert_int_equal(e.ran, 0);
	assert_int_equal(e.policy_ret, 1);
	assert_int_equal(e.alloc_ret, 1);
	assert_null(e.big);
	assert_string_equal(ms_quota_policy_name(sim), "bytes");
	/* The item went with its holder; no 30000-byte block anywhere. */
	assert_int_equal(hstats(sim).allocated_bytes, 0);
	ms_sim_free(sim);
}

/* ---- user workqueue flood ----------------------------------------------- */

struct job {
	struct ms_work_user w;	/* first: the handler gets its address */
	int runs;
};

static void job_run(struct ms_sim *sim, struct ms_work_user *w)
{
	((struct job *)w)->runs++;
}

struct flood {
	int first_ok, first_err, busy, second_ok;
	uint64_t done;
	int runs;
	ms_tid worker;
	struct ms_quota_stats mid, end;
};

static void flooder(struct ms_sim *sim, void *arg)
{
	struct flood *f = arg;
	struct ms_work_user_q wq;
	struct ms_thread_attr a;
	struct job jobs[20];
	ms_handle q;
	int i;

	ms_sys_object_alloc(sim, MS_KOBJ_QUEUE, &q);
	ms_thread_attr_init(&a);
	a.name = "worker";
	a.priority = 5;
	ms_work_user_queue_start(sim, &wq, q, &a);
	f->worker = wq.thread;
	for (i = 0; i < 20; i++) {
		ms_work_user_init(&jobs[i].w, job_run);
		jobs[i].runs = 0;
	}
	/* The worker is less urgent: everything queues, a node each. */
	for (i = 0; i < 20; i++) {
		int r = ms_work_user_submit(sim, &wq, &jobs[i].w);

		if (r) {
			f->first_err = r;
			break;
		}
		f->first_ok++;
	}
	f->busy = ms_work_user_submit(sim, &wq, &jobs[0].w);
	f->mid = qstats(sim, ms_thread_self(sim));
	ms_sleep(sim, 1000);	/* the worker drains the queue */
	for (i = 10; i < 18; i++)
		if (ms_work_user_submit(sim, &wq, &jobs[i].w) == 0)
			f->second_ok++;
	ms_work_user_queue_stop(sim, &wq);
	ms_thread_join(sim, wq.thread, MS_FOREVER);
	f->done = wq.done;
	for (i = 0; i < 20; i++)
		f->runs += jobs[i].runs;
	f->end = qstats(sim, ms_thread_self(sim));
}

static void test_workqueue_flood(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct flood f = { 0 };
	struct ms_quota_stats q;
	ms_tid t;

	set_policy(sim, "count", 10);
	t = spawn_user(sim, "flooder", 0, flooder, &f);
	run_done(sim);
	/* 10 requests = the queue object (1) + 9 work nodes. */
	assert_int_equal(f.first_ok, 9);
	assert_int_equal(f.first_err, -EDQUOT);
	assert_int_equal(f.busy, -EBUSY);
	assert_int_equal(f.mid.count_held, 10);
	/* Drained: room again. The first of these went straight to the
	 * waiting worker (no node); all 8 went in. */
	assert_int_equal(f.second_ok, 8);
	assert_int_equal(f.done, 17);
	assert_int_equal(f.runs, 17);
	assert_int_equal(f.end.count_held, 1);	/* the queue */
	/* blocks: the queue's record and data, 9 nodes, then 7 */
	assert_int_equal(f.end.granted, 2 + 9 + 7);
	assert_int_equal(f.end.denied_quota, 1);
	assert_null(fault_of(sim, f.worker));
	q = qstats(sim, t);
	assert_int_equal(q.count_held, 0);	/* the queue went with it */
	ms_sim_free(sim);
}

/* ---- buffers: msgq, pipe, stack ------------------------------------------ */

struct bufs {
	int r[24];
	uint32_t got[3];
	char text[16];
	uintptr_t v[2];
	struct ms_quota_stats after_init, after_release;
};

static void buf_worker(struct ms_sim *sim, void *arg)
{
	struct bufs *b = arg;
	ms_tid me = ms_thread_self(sim);
	ms_handle m, p, s, big;
	uint32_t msg;
	char text[16];
	uintptr_t v;

	ms_sys_object_alloc(sim, MS_KOBJ_MSGQ, &m);
	ms_sys_object_alloc(sim, MS_KOBJ_PIPE, &p);
	ms_sys_object_alloc(sim, MS_KOBJ_STACK, &s);
	ms_sys_object_alloc(sim, MS_KOBJ_MSGQ, &big);
	b->r[0] = ms_sys_msgq_alloc_init(sim, m, sizeof(uint32_t), 2);
	b->r[1] = ms_sys_pipe_alloc_init(sim, p, 8);
	b->r[2] = ms_sys_stack_alloc_init(sim, s, 2);
	b->after_init = qstats(sim, me);
	/* Bigger than the heap: refused, and still uninitialised. */
	b->r[3] = ms_sys_msgq_alloc_init(sim, big, 1024, 1024);
	b->r[4] = ms_sys_object_check(sim, big, MS_KOBJ_MSGQ,
				      MS_KOBJ_INIT_FALSE);
	b->r[5] = ms_sys_msgq_alloc_init(sim, big, 0, 4);

	msg = 11;
	b->r[6] = ms_sys_msgq_put(sim, m, &msg, MS_NO_WAIT);
	msg = 22;
	b->r[7] = ms_sys_msgq_put(sim, m, &msg, MS_NO_WAIT);
	msg = 33;
	b->r[8] = ms_sys_msgq_put(sim, m, &msg, MS_NO_WAIT);	/* full */
	b->r[9] = ms_sys_msgq_put(sim, m, &msg, 10);		/* times out */
	b->r[10] = ms_sys_msgq_num_used_get(sim, m);
	ms_sys_msgq_get(sim, m, &msg, MS_NO_WAIT);
	b->got[0] = msg;
	ms_sys_msgq_get(sim, m, &msg, MS_NO_WAIT);
	b->got[1] = msg;
	b->r[11] = ms_sys_msgq_get(sim, m, &msg, MS_NO_WAIT);	/* empty */

	memcpy(text, "0123456789ab", 12);
	b->r[12] = ms_sys_pipe_write(sim, p, text, 12, MS_NO_WAIT); /* 8 fit */
	memset(text, 0, sizeof(text));
	b->r[13] = ms_sys_pipe_read(sim, p, text, 5, MS_NO_WAIT);
	b->r[14] = ms_sys_pipe_write(sim, p, "XYZ", 0, MS_NO_WAIT);
	b->r[15] = ms_sys_pipe_read(sim, p, text + 5, 16 - 5, MS_NO_WAIT);
	b->r[16] = ms_sys_pipe_read(sim, p, text, 4, 5);	/* times out */
	memcpy(b->text, text, sizeof(text));

	b->r[17] = ms_sys_stack_push(sim, s, 7);
	b->r[18] = ms_sys_stack_push(sim, s, 9);
	b->r[19] = ms_sys_stack_push(sim, s, 13);		/* full */
	ms_sys_stack_pop(sim, s, &v, MS_NO_WAIT);
	b->v[0] = v;
	ms_sys_stack_pop(sim, s, &v, MS_NO_WAIT);
	b->v[1] = v;
	b->r[20] = ms_sys_stack_pop(sim, s, &v, MS_NO_WAIT);	/* empty */

	ms_sys_object_release(sim, m);
	ms_sys_object_release(sim, p);
	ms_sys_object_release(sim, s);
	ms_sys_object_release(sim, big);
	b->after_release = qstats(sim, me);
}

static void test_msgq_pipe_stack_buffers(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct bufs b = { 0 };
	size_t objs = 4 * ms_heap_footprint(32) + ms_heap_footprint(48) * 3 +
		      ms_heap_footprint(24);

	spawn_user(sim, "worker", 0, buf_worker, &b);
	run_done(sim);
	assert_int_equal(b.r[0], 0);
	assert_int_equal(b.r[1], 0);
	assert_int_equal(b.r[2], 0);
	/* 4 objects, then the buffers of 8, 8 and 16 bytes: 7 requests. */
	assert_int_equal(b.after_init.count_held, 4 + 3);
	assert_int_equal(b.after_init.bytes_held,
			 objs + 2 * ms_heap_footprint(8) +
			 ms_heap_footprint(2 * sizeof(uintptr_t)));
	assert_int_equal(b.r[3], -ENOMEM);
	assert_int_equal(b.r[4], 0);
	assert_int_equal(b.r[5], -EINVAL);
	assert_int_equal(b.r[6], 0);
	assert_int_equal(b.r[7], 0);
	assert_int_equal(b.r[8], -ENOMSG);
	assert_int_equal(b.r[9], -EAGAIN);
	assert_int_equal(b.r[10], 2);
	assert_int_equal(b.got[0], 11);
	assert_int_equal(b.got[1], 22);
	assert_int_equal(b.r[11], -ENOMSG);
	assert_int_equal(b.r[12], 8);
	assert_int_equal(b.r[13], 5);
	assert_int_equal(b.r[14], 0);
	assert_int_equal(b.r[15], 3);
	assert_int_equal(b.r[16], -EAGAIN);
	assert_memory_equal(b.text, "01234567", 8);
	assert_int_equal(b.r[17], 0);
	assert_int_equal(b.r[18], 0);
	assert_int_equal(b.r[19], -ENOMEM);
	assert_int_equal(b.v[0], 9);
	assert_int_equal(b.v[1], 7);
	assert_int_equal(b.r[20], -EBUSY);
	/* Released: objects and buffers freed, all credited. */
	assert_int_equal(b.after_release.count_held, 0);
	assert_int_equal(b.after_release.bytes_held, 0);
	assert_int_equal(b.after_release.freed, 11);
	ms_sim_free(sim);
}

/*
 * Blocked transfers, each woken a different way: room made by a reader,
 * data from a writer, the timeout with part of the data written, and the
 * object's end (with and without part written).
 */
struct blk {
	ms_handle m_end, m_full, p_part, p_data, p_end, p_end_part;
	int r[8];
	char got[4];
};

static void blk_get_ended(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	uint32_t msg;

	x->r[0] = ms_sys_msgq_get(sim, x->m_end, &msg, MS_FOREVER);
}

static void blk_put_full(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	uint32_t msg = 2;

	x->r[1] = ms_sys_msgq_put(sim, x->m_full, &msg, MS_FOREVER);
}

/* User threads pass buffers on their own stacks (the syscall boundary
 * kills them for any other). */
static void blk_write_part(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	char text[12];

	memcpy(text, "0123456789ab", 12);
	x->r[2] = ms_sys_pipe_write(sim, x->p_part, text, 12, 30);
}

static void blk_read_data(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	char c[4];

	x->r[3] = ms_sys_pipe_read(sim, x->p_data, c, 4, MS_FOREVER);
	memcpy(x->got, c, 4);
}

static void blk_read_ended(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	char c[4];

	x->r[4] = ms_sys_pipe_read(sim, x->p_end, c, 4, MS_FOREVER);
}

static void blk_write_ended(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	char text[12];

	memcpy(text, "0123456789ab", 12);
	x->r[5] = ms_sys_pipe_write(sim, x->p_end_part, text, 12, MS_FOREVER);
}

static void blk_other(struct ms_sim *sim, void *arg)
{
	struct blk *x = arg;
	uint32_t msg;

	ms_sleep(sim, 50);
	x->r[6] = ms_sys_msgq_get(sim, x->m_full, &msg, MS_NO_WAIT);
	x->r[7] = ms_sys_pipe_write(sim, x->p_data, "wxyz", 4, MS_NO_WAIT);
	ms_sleep(sim, 50);
	ms_sys_object_free(sim, x->m_end);
	ms_sys_object_free(sim, x->p_end);
	ms_sys_object_free(sim, x->p_end_part);
}

static void blk_obj(struct ms_sim *sim, unsigned type, ms_handle *h)
{
	assert_int_equal(ms_sys_object_alloc(sim, type, h), 0);
	if (type == MS_KOBJ_MSGQ)
		assert_int_equal(ms_sys_msgq_alloc_init(sim, *h, 4, 1), 0);
	else
		assert_int_equal(ms_sys_pipe_alloc_init(sim, *h, 8), 0);
	assert_int_equal(ms_sys_object_make_public(sim, *h), 0);
}

static void test_blocked_transfers_wake(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct blk x = { 0 };
	uint32_t msg = 1;

	blk_obj(sim, MS_KOBJ_MSGQ, &x.m_end);
	blk_obj(sim, MS_KOBJ_MSGQ, &x.m_full);
	blk_obj(sim, MS_KOBJ_PIPE, &x.p_part);
	blk_obj(sim, MS_KOBJ_PIPE, &x.p_data);
	blk_obj(sim, MS_KOBJ_PIPE, &x.p_end);
	blk_obj(sim, MS_KOBJ_PIPE, &x.p_end_part);
	assert_int_equal(ms_sys_msgq_put(sim, x.m_full, &msg, MS_NO_WAIT), 0);
	spawn_user(sim, "get-ended", 0, blk_get_ended, &x);
	spawn_user(sim, "put-full", 0, blk_put_full, &x);
	spawn_user(sim, "write-part", 0, blk_write_part, &x);
	spawn_user(sim, "read-data", 0, blk_read_data, &x);
	spawn_user(sim, "read-ended", 0, blk_read_ended, &x);
	spawn_user(sim, "write-ended", 0, blk_write_ended, &x);
	spawn_sup(sim, "other", 1, blk_other, &x);
	run_done(sim);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(x.r[6], 0);
	assert_int_equal(x.r[7], 4);
	assert_int_equal(x.r[0], -EINTR);	/* the msgq ended */
	assert_int_equal(x.r[1], 0);		/* room made: put */
	assert_int_equal(x.r[2], 8);		/* 8 of 12, then timed out */
	assert_int_equal(x.r[3], 4);		/* woken by the write */
	assert_memory_equal(x.got, "wxyz", 4);
	assert_int_equal(x.r[4], -EINTR);	/* the pipe ended */
	assert_int_equal(x.r[5], 8);		/* ended after 8 of 12 */
	assert_int_equal(ms_sys_msgq_num_used_get(sim, x.m_full), 1);
	ms_sim_free(sim);
}

/* ---- synchronisation: hand-offs, timeouts, ownership -------------------- */

struct syn {
	ms_handle sem, mtx, tmr, stk;
	int r[20];
	uintptr_t popped;
	uint64_t t0;
};

static void syn_waiter(struct ms_sim *sim, void *arg)
{
	struct syn *x = arg;
	uintptr_t v = 0;

	x->r[0] = ms_sys_sem_take(sim, x->sem, MS_FOREVER);	/* given */
	x->r[1] = ms_sys_sem_take(sim, x->sem, 10);		/* times out */
	x->r[2] = ms_sys_mutex_lock(sim, x->mtx, MS_FOREVER);	/* handed over */
	x->r[3] = ms_sys_mutex_unlock(sim, x->mtx);
	x->r[4] = ms_sys_stack_pop(sim, x->stk, &v, MS_FOREVER);
	x->popped = v;
	x->r[5] = ms_sys_timer_status_sync(sim, x->tmr);
	x->r[6] = ms_sys_sem_take(sim, x->sem, MS_FOREVER);	/* freed */
}

static void syn_main(struct ms_sim *sim, void *arg)
{
	struct syn *x = arg;

	x->r[7] = ms_sys_mutex_lock(sim, x->mtx, MS_NO_WAIT);
	x->r[8] = ms_sys_mutex_lock(sim, x->mtx, MS_NO_WAIT);	/* recursive */
	ms_sleep(sim, 5);
	x->r[9] = ms_sys_sem_give(sim, x->sem);	/* to the waiter */
	x->r[10] = ms_sys_sem_count_get(sim, x->sem);
	ms_sleep(sim, 30);
	x->r[11] = ms_sys_mutex_unlock(sim, x->mtx);
	x->r[12] = ms_sys_mutex_unlock(sim, x->mtx);	/* to the waiter */
	x->r[13] = ms_sys_mutex_unlock(sim, x->mtx);	/* not ours any more */
	ms_sleep(sim, 5);
	x->r[14] = ms_sys_mutex_unlock(sim, x->mtx);	/* not locked */
	x->r[15] = ms_sys_stack_push(sim, x->stk, 42);
	x->t0 = ms_sim_now(sim);
	x->r[16] = ms_sys_timer_start(sim, x->tmr, 20, 0);
	ms_sleep(sim, 100);
	x->r[17] = ms_sys_timer_start(sim, x->tmr, 100, 100);
	/* Each sync waits for the next expiry of the periodic timer. */
	for (int i = 0; i < 3; i++)
		x->r[18] += ms_sys_timer_status_sync(sim, x->tmr) == 1;
	x->r[19] = ms_sys_timer_stop(sim, x->tmr);
}

static void syn_freer(struct ms_sim *sim, void *arg)
{
	struct syn *x = arg;

	ms_sleep(sim, 1000);
	ms_sys_object_free(sim, x->sem);
}

static void test_sync_objects(void **state)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct syn x = { 0 };
	ms_tid w;

	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_SEM, &x.sem), 0);
	assert_int_equal(ms_sys_sem_init(sim, x.sem, 0, 3), 0);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_MUTEX, &x.mtx), 0);
	assert_int_equal(ms_sys_mutex_init(sim, x.mtx), 0);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_TIMER, &x.tmr), 0);
	assert_int_equal(ms_sys_timer_init(sim, x.tmr), 0);
	assert_int_equal(ms_sys_object_alloc(sim, MS_KOBJ_STACK, &x.stk), 0);
	assert_int_equal(ms_sys_stack_alloc_init(sim, x.stk, 1), 0);
	assert_int_equal(ms_sys_sem_init(sim, x.sem, 4, 3), -EINVAL);
	assert_int_equal(ms_sys_sem_init(sim, x.sem, 0, 0), -EINVAL);
	assert_int_equal(ms_sys_object_make_public(sim, x.sem), 0);
	assert_int_equal(ms_sys_object_make_public(sim, x.mtx), 0);
	assert_int_equal(ms_sys_object_make_public(sim, x.tmr), 0);
	assert_int_equal(ms_sys_object_make_public(sim, x.stk), 0);
	spawn_user(sim, "main", 0, syn_main, &x);
	w = spawn_user(sim, "waiter", 0, syn_waiter, &x);
	spawn_sup(sim, "freer", 0, syn_freer, &x);
	run_done(sim);
	assert_int_equal(x.r[7], 0);
	assert_int_equal(x.r[8], 0);
	assert_int_equal(x.r[9], 0);
	assert_int_equal(x.r[10], 0);	/* it went to the waiter */
	assert_int_equal(x.r[0], 0);
	assert_int_equal(x.r[1], -EAGAIN);
	assert_int_equal(x.r[11], 0);
	assert_int_equal(x.r[12], 0);
	assert_int_equal(x.r[13], -EPERM);
	assert_int_equal(x.r[2], 0);
	assert_int_equal(x.r[3], 0);
	assert_int_equal(x.r[14], -EINVAL);
	assert_int_equal(x.r[15], 0);
	assert_int_equal(x.r[4], 0);
	assert_int_equal(x.popped, 42);
	assert_int_equal(x.r[16], 0);
	assert_int_equal(x.r[5], 1);	/* one expiry of the one-shot timer */
	assert_int_equal(x.r[17], 0);
	assert_int_equal(x.r[18], 3);	/* one expiry each time */
	assert_int_equal(x.r[19], 0);
	assert_int_equal(x.r[6], -EINTR);
	assert_null(fault_of(sim, w));
	assert_int_equal(ms_sys_timer_status_get(sim, x.tmr), 0);
	ms_sim_free(sim);
}

/* ---- determinism -------------------------------------------------------- */

/* Handles, not addresses, go into events: two runs hash the same. */
static uint64_t mixed_run(void)
{
	struct ms_sim *sim = ksim_new(0, 0);
	struct flood f = { 0 };
	struct dw d = { 0 };
	uint64_t h;

	set_policy(sim, "count", 10);
	spawn_user(sim, "flooder", 0, flooder, &f);
	spawn_user(sim, "dwork", 0, dw_armer, &d);
	run_done(sim);
	assert_int_equal(f.done, 17);
	assert_int_equal(d.fired_count, 1);
	h = ms_sim_event_hash(sim);
	ms_sim_free(sim);
	return h;
}

static void test_same_run_same_events(void **state)
{
	assert_int_equal(mixed_run(), mixed_run());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_policy_timer_spam),
		cmocka_unit_test(test_free_by_another_credits_requester),
		cmocka_unit_test(test_queue_direct_handoff_allocates_nothing),
		cmocka_unit_test(test_queue_node_credited_on_dequeue_by_another),
		cmocka_unit_test(test_queue_freed_with_items_credits_appender),
		cmocka_unit_test(test_delayed_work_timeout_held_until_fired_or_cancelled),
		cmocka_unit_test(test_user_delayed_work_without_handler_fires),
		cmocka_unit_test(test_delayed_work_pending_at_tick_limit),
		cmocka_unit_test(test_user_dwork_handler_runs_as_supervisor_attack),
		cmocka_unit_test(test_workqueue_flood),
		cmocka_unit_test(test_msgq_pipe_stack_buffers),
		cmocka_unit_test(test_blocked_transfers_wake),
		cmocka_unit_test(test_sync_objects),
		cmocka_unit_test(test_same_run_same_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
