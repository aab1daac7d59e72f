/* SPDX-License-Identifier: MIT */
/*
 * The deterministic scheduler.
 *
 * Model: a single simulated CPU. A thread runs until it enters the kernel;
 * every kernel entry charges ticks (src/core/cost.h) and every kernel exit is
 * a preemption point: a higher-priority thread that became ready, or the end
 * of the time slice when a thread of equal priority waits, switches the CPU.
 * Threads switch directly to each other; the host context (the caller of
 * ms_sim_run) runs only when no thread can run, when the run must stop, or
 * after a fault.
 *
 * Invariants:
 *  - a READY thread is on exactly one run queue, and bit p of runq_bits is
 *    set iff runq[p] is not empty;
 *  - a SLEEPING thread, and a BLOCKED thread with a timeout, is in
 *    timeouts, ordered by (wake tick, insertion number): ties wake in the
 *    order they went to sleep, so the order never depends on the host;
 *  - the clock moves only forward, by the cost model or by jumping to the
 *    next wake-up when no thread is ready.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/cost.h"
#include "core/subsys.h"
#include "fault/fault_priv.h"
#include "platform/os.h"
#include "platform/signal.h"
#include "sched/sched_priv.h"

#define ALTSTACK_SIZE (256 * 1024)
#define SERVICE_STACK_SIZE (64 * 1024)

static __thread struct ms_sim *running_sim;

struct ms_sim *ms_sim_running(void)
{
	return running_sim;
}

static inline struct ms__sched *S(const struct ms_sim *sim)
{
	return ms__sim_sched(sim);
}

/* The simulated clock lives in the sim's hot part (core/core.h). */
#define NOW(s) (ms__sim_hot((s)->sim)->now)

/*
 * The service stack: one per sim, a guard page below it. Kernel code that
 * runs on a simulated thread's stack calls host libraries (GLib, stdio)
 * whose stack use is the host's, not the modelled kernel's: a thread with
 * a small stack could overflow inside one, and the fault's escape would
 * then leave the library's state half updated (a message buffer leaked,
 * GLib's logging left believing it recursed). Such calls run here instead.
 */
static int service_stack_new(struct ms_sim *sim, struct ms__sched *s)
{
	struct ms__os *os = ms__sim_os(sim);
	size_t guard = ms__os_page_size();
	void *m;
	int ret;

	ret = ms__os_map(os, guard + SERVICE_STACK_SIZE, MS__PROT_RW, &m);
	if (ret)
		return ret;
	ret = ms__os_guard(os, m, guard);
	if (ret) {
		ms__os_unmap(os, m, guard + SERVICE_STACK_SIZE);
		return ret;
	}
	s->svc_map = m;
	s->svc_map_len = guard + SERVICE_STACK_SIZE;
	s->svc_lo = (uint8_t *)m + guard;
	s->svc_size = SERVICE_STACK_SIZE;
	s->svc_vg_id = ms__vg_stack_register(s->svc_lo, s->svc_size);
	return 0;
}

int ms__call_on_service_stack(struct ms_sim *sim, int (*fn)(void *), void *arg)
{
	struct ms__sched *s = S(sim);
	int ret;

	if (!s->current || s->in_service)
		return fn(arg);
	s->in_service = true;
	ret = ms__ctx_call_on_stack(s->svc_lo, s->svc_size, fn, arg);
	s->in_service = false;
	return ret;
}

int ms__sched_new(struct ms_sim *sim, struct ms__sched **out)
{
	const struct ms_config *cfg = ms_sim_config(sim);
	struct ms__sched *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->sim = sim;
	s->threads = g_hash_table_new(NULL, NULL);
	s->next_tid = 1;
	for (int i = 0; i < MS__NPRIO; i++)
		g_queue_init(&s->runq[i]);
	s->timeouts = g_sequence_new(NULL);
	s->next_wake = UINT64_MAX;
	g_queue_init(&s->stack_cache);
	s->status = MS_RUN_IDLE;
	ret = ms__ctx_init_current(&s->host, cfg->ctx_backend);
	if (ret)
		goto fail;
	s->altstack_size = ALTSTACK_SIZE;
	ret = ms__os_map(ms__sim_os(sim), s->altstack_size, MS__PROT_RW,
			 &s->altstack);
	if (ret)
		goto fail;
	ret = service_stack_new(sim, s);
	if (ret)
		goto fail;
	*out = s;
	return 0;
fail:
	if (s->altstack)
		ms__os_unmap(ms__sim_os(sim), s->altstack, s->altstack_size);
	ms__ctx_destroy(&s->host);
	g_sequence_free(s->timeouts);
	g_hash_table_destroy(s->threads);
	free(s);
	return ret;
}

void ms__sched_free(struct ms_sim *sim, struct ms__sched *s)
{
	ms__stack_cache_drain(sim);
	if (s->svc_map) {
		ms__vg_stack_deregister(s->svc_vg_id);
		ms__ctx_stack_unpoison(s->svc_lo, s->svc_size);
		ms__os_unmap(ms__sim_os(sim), s->svc_map, s->svc_map_len);
	}
	if (s->altstack)
		ms__os_unmap(ms__sim_os(sim), s->altstack, s->altstack_size);
	ms__ctx_destroy(&s->host);
	g_sequence_free(s->timeouts);
	g_hash_table_destroy(s->threads);
	free(s);
}

/* ---- run queues and timeouts ---------------------------------------- */

void ms__sched_make_ready(struct ms__sched *s, struct ms_thread *t)
{
	int p = t->prio - MS_PRIO_MIN;

	t->state = MS_THREAD_READY;
	if (t->on_runq)
		return;
	g_queue_push_tail_link(&s->runq[p], &t->run_link);
	s->runq_bits |= 1u << p;
	t->on_runq = true;
	if (s->current && t->prio < s->current->prio)
		s->need_resched = true;
}

void ms__sched_unready(struct ms__sched *s, struct ms_thread *t)
{
	int p = t->prio - MS_PRIO_MIN;

	if (!t->on_runq)
		return;
	g_queue_unlink(&s->runq[p], &t->run_link);
	if (g_queue_is_empty(&s->runq[p]))
		s->runq_bits &= ~(1u << p);
	t->on_runq = false;
}

static struct ms_thread *runq_pop(struct ms__sched *s)
{
	struct ms_thread *t;
	int p;

	if (!s->runq_bits)
		return NULL;
	p = __builtin_ctz(s->runq_bits);
	t = g_queue_peek_head_link(&s->runq[p])->data;
	ms__sched_unready(s, t);
	return t;
}

/* Highest priority (lowest number) among ready threads, or INT_MAX. */
static int runq_best_prio(const struct ms__sched *s)
{
	return s->runq_bits ? __builtin_ctz(s->runq_bits) + MS_PRIO_MIN : 1 << 30;
}

static gint timeout_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct ms_thread *x = a, *y = b;

	if (x->wake_tick != y->wake_tick)
		return x->wake_tick < y->wake_tick ? -1 : 1;
	return x->timeout_seq < y->timeout_seq ? -1 :
	       x->timeout_seq > y->timeout_seq;
}

/* Refresh next_wake, the wake tick of the earliest timeout (UINT64_MAX:
 * none), after the timeouts changed: every kernel entry compares the
 * clock with it instead of walking the tree to its first element. */
static void timeouts_changed(struct ms__sched *s)
{
	GSequenceIter *it = g_sequence_get_begin_iter(s->timeouts);

	s->next_wake = g_sequence_iter_is_end(it) ? UINT64_MAX :
		((const struct ms_thread *)g_sequence_get(it))->wake_tick;
}

static void timeout_add(struct ms__sched *s, struct ms_thread *t, uint64_t ticks)
{
	t->wake_tick = NOW(s) + ticks;
	t->timeout_seq = s->timeout_seq++;
	t->timeout_iter = g_sequence_insert_sorted(s->timeouts, t, timeout_cmp, NULL);
	t->in_timeouts = true;
	if (t->wake_tick < s->next_wake)
		s->next_wake = t->wake_tick;
}

void ms__sched_timeout_remove(struct ms__sched *s, struct ms_thread *t)
{
	if (!t->in_timeouts)
		return;
	g_sequence_remove(t->timeout_iter);
	t->timeout_iter = NULL;
	t->in_timeouts = false;
	if (t->wake_tick <= s->next_wake)
		timeouts_changed(s);
}

static void waitq_unlink(struct ms__sched *s, struct ms_thread *t)
{
	if (!t->waitq)
		return;
	g_queue_unlink(&t->waitq->q, &t->wait_link);
	t->waitq = NULL;
	if (!t->in_timeouts)
		s->blocked--;
}

static void expire_timeouts(struct ms__sched *s)
{
	while (NOW(s) >= s->next_wake) {
		GSequenceIter *it = g_sequence_get_begin_iter(s->timeouts);
		struct ms_thread *t = g_sequence_get(it);

		if (t->state == MS_THREAD_BLOCKED) {
			waitq_unlink(s, t);
			t->wait_ret = -EAGAIN;
		} else {
			t->wait_ret = 0;
		}
		ms__sched_timeout_remove(s, t);
		ms__event(s->sim, MS_EV_WAKE, t->tid, (uint64_t)(int64_t)t->wait_ret, 0);
		ms__sched_make_ready(s, t);
	}
}

/* ---- switching -------------------------------------------------------- */

static bool must_stop(const struct ms__sched *s)
{
	uint64_t limit = ms_sim_config(s->sim)->tick_limit;

	return s->stop_requested || (limit && NOW(s) >= limit);
}

/*
 * The next thread to run, advancing the clock over idle time if every
 * thread sleeps. NULL: nothing can run now (or the run must stop).
 */
static struct ms_thread *pick_next(struct ms__sched *s)
{
	uint64_t limit = ms_sim_config(s->sim)->tick_limit;

	for (;;) {
		struct ms_thread *t;

		if (must_stop(s))
			return NULL;
		t = runq_pop(s);
		if (t)
			return t;
		if (s->next_wake == UINT64_MAX)
			return NULL;		/* no timeout pending */
		if (s->next_wake > NOW(s))
			NOW(s) = s->next_wake;
		if (limit && NOW(s) > limit)
			NOW(s) = limit;
		expire_timeouts(s);
	}
}

static void switch_to(struct ms__sched *s, struct ms_thread *prev,
		      struct ms_thread *next)
{
	struct ms_sim *sim = s->sim;

	for (int i = 0; i < MS__SUB__COUNT; i++) {
		const struct ms__subsys *ss = ms__subsystems[i];

		if (ss && ss->on_switch)
			ss->on_switch(sim, prev, next);
	}
	s->current = next;
	if (next) {
		s->stats.context_switches++;
		NOW(s) += MS__COST_SWITCH;
		next->state = MS_THREAD_RUNNING;
		next->slice_start = NOW(s);
		ms__event(sim, MS_EV_SWITCH, next->tid, prev ? prev->tid : 0, 0);
	}
	ms__ctx_switch(prev ? &prev->ctx : &s->host, next ? &next->ctx : &s->host);
}

void ms__schedule(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *prev = s->current;
	struct ms_thread *next;

	s->need_resched = false;
	next = pick_next(s);
	if (next == prev) {
		prev->state = MS_THREAD_RUNNING;
		return;
	}
	switch_to(s, prev, next);
}

/* ---- kernel entry and exit -------------------------------------------- */

void ms__kernel_enter(struct ms_sim *sim, uint32_t cost)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = s->current;

	s->stats.kernel_entries++;
	NOW(s) += cost;
	if (!t)
		return;
	expire_timeouts(s);
	if (must_stop(s)) {
		/* Park the thread at the head of its queue and leave the run;
		 * a later ms_sim_run() resumes it first. */
		int p = t->prio - MS_PRIO_MIN;

		t->state = MS_THREAD_READY;
		g_queue_push_head_link(&s->runq[p], &t->run_link);
		s->runq_bits |= 1u << p;
		t->on_runq = true;
		switch_to(s, t, NULL);
	}
}

void ms__kernel_exit(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = s->current;
	uint32_t slice = ms_sim_config(sim)->time_slice;

	if (!t)
		return;
	if (slice && NOW(s) - t->slice_start >= slice &&
	    runq_best_prio(s) <= t->prio)
		s->need_resched = true;
	if (!s->need_resched)
		return;
	ms__sched_make_ready(s, t);
	ms__schedule(sim);
}

struct priv_call {
	struct ms_sim *sim;
	int (*fn)(struct ms_sim *, void *);
	void *arg;
};

static int priv_trampoline(void *p)
{
	struct priv_call *pc = p;

	return pc->fn(pc->sim, pc->arg);
}

int ms__call_privileged(struct ms_sim *sim,
			int (*fn)(struct ms_sim *sim, void *arg), void *arg)
{
	struct ms_thread *t = S(sim)->current;
	struct priv_call pc = { sim, fn, arg };
	int ret;

	if (!t || !t->user || t->in_kernel)
		return fn(sim, arg);
	t->in_kernel = true;
	ret = ms__ctx_call_on_stack(t->stack.plo, t->stack.psize,
				    priv_trampoline, &pc);
	t->in_kernel = false;
	return ret;
}

/* ---- wait queues ---------------------------------------------------------- */

void ms__waitq_init(struct ms__waitq *wq)
{
	g_queue_init(&wq->q);
}

void ms__waitq_fini(struct ms_sim *sim, struct ms__waitq *wq)
{
	ms__wake_all(sim, wq, -EINTR);
}

bool ms__waitq_empty(const struct ms__waitq *wq)
{
	return wq->q.length == 0;
}

int ms__wait(struct ms_sim *sim, struct ms__waitq *wq, int64_t timeout)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *t = s->current;
	GList *l;

	if (!t)
		return -EPERM;
	if (timeout == MS_NO_WAIT)
		return -EAGAIN;
	/* Priority order, FIFO among equals: after the last waiter whose
	 * priority is the same or higher. */
	for (l = wq->q.tail; l; l = l->prev) {
		struct ms_thread *w = l->data;

		if (w->prio <= t->prio)
			break;
	}
	t->wait_link.data = t;
	if (l)
		g_queue_insert_after_link(&wq->q, l, &t->wait_link);
	else
		g_queue_push_head_link(&wq->q, &t->wait_link);
	t->waitq = wq;
	t->state = MS_THREAD_BLOCKED;
	t->wait_ret = 0;
	if (timeout > 0)
		timeout_add(s, t, (uint64_t)timeout);
	else
		s->blocked++;
	ms__event(sim, MS_EV_BLOCK, t->tid, (uint64_t)timeout, 0);
	ms__schedule(sim);
	return t->wait_ret;
}

ms_tid ms__wake_one(struct ms_sim *sim, struct ms__waitq *wq, int ret)
{
	struct ms__sched *s = S(sim);
	GList *l = g_queue_peek_head_link(&wq->q);
	struct ms_thread *t;

	if (!l)
		return MS_TID_NONE;
	t = l->data;
	waitq_unlink(s, t);
	ms__sched_timeout_remove(s, t);
	t->wait_ret = ret;
	ms__event(sim, MS_EV_WAKE, t->tid, (uint64_t)(int64_t)ret, 0);
	ms__sched_make_ready(s, t);
	return t->tid;
}

unsigned ms__wake_all(struct ms_sim *sim, struct ms__waitq *wq, int ret)
{
	unsigned n = 0;

	while (ms__wake_one(sim, wq, ret))
		n++;
	return n;
}

/* ---- threads as the rest of the kernel sees them ---------------------- */

struct ms_thread *ms__current(const struct ms_sim *sim)
{
	return S(sim)->current;
}

struct ms_thread *ms__thread_lookup(const struct ms_sim *sim, ms_tid tid)
{
	return g_hash_table_lookup(S(sim)->threads, GUINT_TO_POINTER(tid));
}

ms_tid ms__thread_tid(const struct ms_thread *t) { return t->tid; }
ms_tid ms__thread_parent(const struct ms_thread *t) { return t->parent; }
const char *ms__thread_name(const struct ms_thread *t) { return t->name; }
bool ms__thread_is_user(const struct ms_thread *t) { return t->user; }
bool ms__thread_in_kernel(const struct ms_thread *t) { return t->in_kernel; }

bool ms__caller_is_user(const struct ms_sim *sim)
{
	const struct ms_thread *t = ms__current(sim);

	return t && t->user && !t->in_kernel;
}
unsigned ms__thread_options(const struct ms_thread *t) { return t->options; }
bool ms__thread_is_dead(const struct ms_thread *t) { return t->state == MS_THREAD_DEAD; }
uint32_t ms__thread_group(const struct ms_thread *t) { return t->group; }
int ms__thread_priority(const struct ms_thread *t) { return t->prio; }

void ms__thread_stack(const struct ms_thread *t, void **lo, size_t *size)
{
	*lo = t->stack.lo;
	*size = t->stack.size;
}

void ms__thread_priv_stack(const struct ms_thread *t, void **lo,
			   size_t *size)
{
	*lo = t->stack.plo;
	*size = t->stack.plo ? t->stack.psize : 0;
}

void *ms__thread_sub(const struct ms_thread *t, enum ms__subsys_id id)
{
	return t->sub[id];
}

void ms__thread_sub_set(struct ms_thread *t, enum ms__subsys_id id, void *p)
{
	t->sub[id] = p;
}

/* ---- the run loop ------------------------------------------------------- */

uint64_t ms_sim_now(const struct ms_sim *sim)
{
	return ms__now(sim);
}

enum ms_run_status ms_sim_status(const struct ms_sim *sim)
{
	return S(sim)->status;
}

void ms_sim_stop(struct ms_sim *sim)
{
	S(sim)->stop_requested = true;
}

void ms_sim_get_stats(const struct ms_sim *sim, struct ms_sim_stats *out)
{
	const struct ms__sched *s = S(sim);

	*out = s->stats;
	out->threads_alive = g_hash_table_size(s->threads);
	out->stacks_cached = g_queue_get_length((GQueue *)&s->stack_cache);
	out->deferred_pending = s->deferred ? 1 : 0;
	out->faults = ms_sim_fault_count(sim);
}

static void release_deferred(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);
	struct ms_thread *d = s->deferred;

	if (!d || d == s->current)
		return;
	s->deferred = NULL;
	s->stats.deferred_frees++;
	ms__event(sim, MS_EV_STACK_FREE, d->tid, 1, 0);
	ms__thread_release(sim, d);
}

_Noreturn void ms__sched_fault_escape(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);

	if (s->current)
		s->current->ctx.dying = true;
	ms__ctx_escape_begin(&s->host);
	siglongjmp(s->escape, 1);
}

static enum ms_run_status final_status(struct ms__sched *s)
{
	uint64_t limit = ms_sim_config(s->sim)->tick_limit;

	if (s->stop_requested)
		return MS_RUN_STOPPED;
	if (limit && NOW(s) >= limit && g_hash_table_size(s->threads))
		return MS_RUN_TICK_LIMIT;
	if (g_hash_table_size(s->threads) == 0)
		return MS_RUN_DONE;
	return MS_RUN_DEADLOCK;
}

int ms_sim_run(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);
	struct ms_fault *f;
	stack_t old_ss;
	int ret;

	if (running_sim || s->running)
		return -EBUSY;
	if (s->status == MS_RUN_PANIC)
		return -EFAULT;
	ret = ms__os_altstack_push(s->altstack, s->altstack_size, &old_ss);
	if (ret)
		return ret;
	ret = ms__faults_arm(sim);
	if (ret) {
		ms__os_altstack_pop(&old_ss);
		return ret;
	}
	running_sim = sim;
	s->running = true;
	s->stop_requested = false;

	if (sigsetjmp(s->escape, 1)) {
		/* A simulated thread faulted; we are back on the host stack. */
		struct ms_thread *t = s->current;

		ms__ctx_escape_end();
		s->current = NULL;
		s->in_service = false;	/* the fault may have left it there */
		f = ms__faults_take_pending(sim);
		ms__faults_commit(sim, f);
		if (f->kind == MS_FAULT_PANIC) {
			s->status = MS_RUN_PANIC;
			ms__event(sim, MS_EV_PANIC, f->tid, f->kind, 0);
			goto out;
		}
		if (t) {
			t->in_kernel = false;
			ms__thread_kill(sim, t, MS_TID_NONE, MS_EV_THREAD_ABORT);
			if (s->deferred == t)
				s->deferred = NULL;
			ms__thread_release(sim, t);
		}
	}
	for (;;) {
		struct ms_thread *next = pick_next(s);

		if (!next)
			break;
		switch_to(s, NULL, next);
	}
	s->status = final_status(s);
	if (s->status == MS_RUN_TICK_LIMIT)
		ms__event(sim, MS_EV_TICK_LIMIT, MS_TID_NONE, 0, 0);
out:
	release_deferred(sim);
	running_sim = NULL;
	s->running = false;
	ms__faults_disarm(sim);
	ms__os_altstack_pop(&old_ss);
	return s->status == MS_RUN_PANIC ? -EFAULT : 0;
}

void ms__sched_release_deferred(struct ms_sim *sim)
{
	release_deferred(sim);
}

static gint tid_cmp(gconstpointer a, gconstpointer b)
{
	const struct ms_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

void ms__sched_destroy_threads(struct ms_sim *sim)
{
	struct ms__sched *s = S(sim);
	GList *all, *l;

	release_deferred(sim);
	/* In tid order, so that the hooks run in a deterministic order. */
	all = g_list_sort(g_hash_table_get_values(s->threads), tid_cmp);
	for (l = all; l; l = l->next) {
		struct ms_thread *t = l->data;

		ms__thread_kill(sim, t, MS_TID_NONE, MS_EV_THREAD_ABORT);
		ms__thread_release(sim, t);
	}
	g_list_free(all);
}
