/* SPDX-License-Identifier: MIT */
/*
 * Running a scenario: build a struct ms_sim through the public API, create
 * the actors as simulated threads whose entry interprets their script, run,
 * and collect a struct ms_scenario_result.
 *
 * Accounting follows the event log (ms_sim_set_event_hook): an allocation,
 * a free, a refusal, a thread's end and a fault are attributed, as they
 * happen, to the actor whose thread they concern, its group and its role.
 * That is how peaks (of an actor, a group, all attackers) and the time
 * series are exact without perturbing the run: the hook only reads.
 *
 * Invariants: the result depends only on the scenario, the policy, the IPC
 * accounting mode and the seed (host time goes to result->host only); every thread context
 * allocated for an actor is owned by the run and freed with it, whether its
 * thread ended, faulted or never ran.
 */
#include <alloca.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <memsim/domain.h>
#include <memsim/heap.h>
#include <memsim/ipc.h>
#include <memsim/pool.h>
#include <memsim/quota.h>
#include <memsim/sim.h>
#include <memsim/thread.h>

#include "scenario/run.h"

#define AUTO_SAMPLES 200
#define AUTO_FIRST_PERIOD 10
#define MAX_SAMPLES 1000000
#define DEFAULT_PROGRESS_EVERY 10000

/* ---- the private side of a result ---- */

struct result_priv {
	struct ms_scenario_result pub;	/* first: the public pointer */
	struct ms_sim *sim;		/* kept if opts.keep_sim */
};

/* ---- live accounting (the event hook) ---- */

static struct ms__tinfo *tinfo(struct ms__run *run, ms_tid tid)
{
	if (tid == MS_TID_NONE || tid >= run->tinfo->len)
		return NULL;
	struct ms__tinfo *ti = &g_array_index(run->tinfo, struct ms__tinfo, tid);

	return ti->registered ? ti : NULL;
}

void ms__run_register(struct ms__run *run, ms_tid tid, int actor,
		      const char *name)
{
	struct ms__tinfo *ti;

	if (tid >= run->tinfo->len)
		g_array_set_size(run->tinfo, tid + 64);
	ti = &g_array_index(run->tinfo, struct ms__tinfo, tid);
	if (ti->registered)
		return;
	ti->actor = actor;
	ti->registered = true;
	snprintf(ti->name, sizeof(ti->name), "%s", name);
	run->acc[actor].c.instances++;
	run->acc[actor].alive++;
}

/* The live tallies an event moves: actor, group, role, total. */
static void for_each_tally(struct ms__run *run, int actor,
			   void (*fn)(struct ms__tally *t, const void *arg),
			   const void *arg)
{
	const struct ms__actor *a = &g_array_index(run->sc->actors,
						   struct ms__actor, actor);

	fn(&run->acc[actor], arg);
	fn(&run->gacc[a->group], arg);
	fn(&run->racc[a->role], arg);
	fn(&run->tacc, arg);
}

static void tally_alloc(struct ms__tally *t, const void *arg)
{
	uint64_t bytes = *(const uint64_t *)arg;

	t->c.requested++;
	t->c.granted++;
	t->c.bytes_held += bytes;
	if (t->c.bytes_held > t->c.peak_bytes)
		t->c.peak_bytes = t->c.bytes_held;
}

static void tally_free(struct ms__tally *t, const void *arg)
{
	uint64_t bytes = *(const uint64_t *)arg;

	t->c.freed++;
	t->c.bytes_held = t->c.bytes_held > bytes ? t->c.bytes_held - bytes : 0;
}

static void tally_deny_quota(struct ms__tally *t, const void *arg)
{
	t->c.requested++;
	t->c.denied_quota++;
}

static void tally_deny_nomem(struct ms__tally *t, const void *arg)
{
	t->c.requested++;
	t->c.denied_nomem++;
}

static void tally_fault(struct ms__tally *t, const void *arg)
{
	t->c.faults++;
}

static void push_sample(struct ms__run *run, uint64_t tick)
{
	struct ms_scenario_sample s = { 0 };
	struct ms_heap_stats hs;
	guint ng = run->sc->groups->len;

	s.tick = tick;
	if (ms_heap_stats(ms_heap_system(run->sim), &hs) == 0)
		s.heap_used = hs.allocated_bytes;
	s.group_bytes = g_new0(uint64_t, ng ? ng : 1);
	for (guint g = 0; g < ng; g++)
		s.group_bytes[g] = run->gacc[g].c.bytes_held;
	g_array_append_val(run->samples, s);
}

/* Too many samples: keep every other one and double the period. */
static void thin_samples(struct ms__run *run)
{
	GArray *old = run->samples;
	GArray *keep = g_array_new(FALSE, TRUE, sizeof(struct ms_scenario_sample));

	for (guint i = 0; i < old->len; i++) {
		struct ms_scenario_sample *s =
			&g_array_index(old, struct ms_scenario_sample, i);

		if (s->tick % (run->sample_every * 2) == 0)
			g_array_append_val(keep, *s);
		else
			g_free(s->group_bytes);
	}
	g_array_free(old, TRUE);
	run->samples = keep;
	run->sample_every *= 2;
	run->next_sample = ((run->next_sample + run->sample_every - 1) /
			    run->sample_every) * run->sample_every;
}

static void take_samples(struct ms__run *run, uint64_t tick)
{
	while (run->next_sample <= tick) {
		push_sample(run, run->next_sample);
		run->next_sample += run->sample_every;
		if (run->samples->len >= run->sample_cap)
			thin_samples(run);
	}
}

static void on_event(struct ms_sim *sim, const struct ms_event *ev, void *user)
{
	struct ms__run *run = user;
	struct ms__tinfo *ti;
	uint64_t bytes;

	if (ev->tick >= run->next_sample)
		take_samples(run, ev->tick);
	if (run->progress && ev->tick >= run->next_progress) {
		run->progress(run->progress_user, ev->tick, run->tick_limit);
		run->next_progress = ev->tick + run->progress_every;
	}

	switch (ev->type) {
	case MS_EV_ALLOC:
		ti = tinfo(run, ev->tid);
		bytes = ev->a;
		if (ti) {
			for_each_tally(run, ti->actor, tally_alloc, &bytes);
			if (run->racc[MS_ROLE_ATTACKER].c.bytes_held >
			    run->attacker_peak)
				run->attacker_peak =
					run->racc[MS_ROLE_ATTACKER].c.bytes_held;
		}
		break;
	case MS_EV_FREE:
		ti = tinfo(run, (ms_tid)ev->b);	/* the requester is credited */
		bytes = ev->a;
		if (ti)
			for_each_tally(run, ti->actor, tally_free, &bytes);
		break;
	case MS_EV_DENY_QUOTA:
		ti = tinfo(run, ev->tid);
		if (ti)
			for_each_tally(run, ti->actor, tally_deny_quota, NULL);
		break;
	case MS_EV_DENY_NOMEM:
		ti = tinfo(run, ev->tid);
		if (ti)
			for_each_tally(run, ti->actor, tally_deny_nomem, NULL);
		/* "No pool assigned" is a refusal, not an empty heap. */
		if (ev->b != MS_HEAP_ID_NONE && !run->exhausted) {
			run->exhausted = true;
			run->exhausted_tick = ev->tick;
		}
		break;
	case MS_EV_FAULT:
		ti = tinfo(run, ev->tid);
		if (ti)
			for_each_tally(run, ti->actor, tally_fault, NULL);
		break;
	case MS_EV_THREAD_EXIT:
	case MS_EV_THREAD_ABORT:
		ti = tinfo(run, ev->tid);
		if (ti && !ti->ended) {
			ti->ended = true;
			if (run->acc[ti->actor].alive && --run->acc[ti->actor].alive == 0)
				run->acc[ti->actor].c.completion_tick = ev->tick;
		}
		break;
	default:
		break;
	}
}

/* ---- building the sim ---- */

static int policy_index(const struct ms_scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->policies->len; i++)
		if (!strcmp(g_array_index(sc->policies, struct ms__policy, i).name,
			    name))
			return (int)i;
	return -1;
}

static int sim_error(struct ms__run *run, struct ms__pos pos, int ret,
		     const char *hint, const char *what)
{
	ms__error_set(run->err, run->sc->file, pos.line, pos.column, hint,
		      "%s: %s", what, g_strerror(-ret));
	return ret == -ENOMEM ? -ENOMEM : -EINVAL;
}

static int create_actor(struct ms__run *run, int idx)
{
	const struct ms_scenario *sc = run->sc;
	const struct ms__actor *a = &g_array_index(sc->actors, struct ms__actor,
						   idx);
	const struct ms__group *g = &g_array_index(sc->groups, struct ms__group,
						   a->group);
	struct ms_thread_attr attr;
	char name[32];
	int ret;

	for (uint32_t i = 0; i < a->count; i++) {
		struct ms__tctx *t = g_new0(struct ms__tctx, 1);
		ms_tid tid;

		t->run = run;
		t->actor = idx;
		t->script = &a->script;
		t->top = true;
		g_ptr_array_add(run->ctxs, t);
		if (a->count == 1)
			snprintf(name, sizeof(name), "%s", a->name);
		else
			snprintf(name, sizeof(name), "%s[%u]", a->name, i);
		ms_thread_attr_init(&attr);
		attr.name = name;
		attr.priority = a->priority;
		attr.stack_size = a->stack_size;
		attr.options = a->user ? MS_THREAD_USER : 0;
		attr.group = g->id;
		ret = ms_thread_create(run->sim, &attr, ms__actor_main, t, &tid);
		if (ret)
			return sim_error(run, a->pos, ret, NULL,
					 "cannot create the actor's thread");
		t->tid = tid;
		ms__run_register(run, tid, idx, name);
		if (a->pool >= 0) {
			struct ms_heap *h = run->pools[a->pool];

			ret = ms_thread_heap_assign(run->sim, tid, h);
			if (ret)
				return sim_error(run, a->pos, ret, NULL,
						 "cannot assign the pool");
		}
		if (a->domain >= 0) {
			ret = ms_domain_add_thread(run->sim,
						   run->domain_ids[a->domain],
						   tid);
			if (ret)
				return sim_error(run, a->pos, ret, NULL,
						 "cannot put the actor in its "
						 "domain");
		}
		if (a->has_limit) {
			ret = ms_quota_thread_limit_set(run->sim, tid, a->limit);
			if (ret)
				return sim_error(run, a->pos, ret, NULL,
						 "cannot set the actor's limit");
		}
	}
	return 0;
}

void ms__sealed_fold(struct ms__sealed_acc *acc,
		     const struct ms_pool_stats *st)
{
	acc->allocs += st->allocs;
	acc->allocs_failed += st->allocs_failed;
	acc->frees += st->frees;
	acc->seals += st->seals;
	acc->rare_writes += st->rare_writes;
	acc->rare_write_bytes += st->rare_write_bytes;
	acc->mm_refusals += st->mm_refusals;
	acc->pages_taken += st->pages_taken;
	acc->pages_returned += st->pages_returned;
}

static int build_sealed(struct ms__run *run)
{
	const struct ms_scenario *sc = run->sc;
	int ret;

	for (guint i = 0; i < sc->sealed->len; i++) {
		const struct ms__sealed *sp = &g_array_index(sc->sealed,
							     struct ms__sealed, i);

		if (!sp->loaded)
			continue;
		ret = ms_pool_create(run->sim, sp->name, &sp->attr,
				     &run->sealed[i]);
		if (ret) {
			run->sealed[i] = NULL;
			return sim_error(run, sp->pos, ret, NULL,
					 "cannot create the sealed pool");
		}
		run->sealed_gen[i]++;
		run->sealed_acc[i].loads++;
	}
	return 0;
}

static int build_domains(struct ms__run *run)
{
	const struct ms_scenario *sc = run->sc;
	int ret = 0;

	if (!sc->domains->len && !sc->xpfo)
		return 0;
	/* no domain_policy in the file: the subsystem's own default */
	if (sc->domain_policy >= 0)
		ret = ms_domain_set_policy(run->sim,
				(enum ms_domain_policy)sc->domain_policy);
	if (ret)
		return sim_error(run, (struct ms__pos){ 0, 0 }, ret, NULL,
				 "cannot set the domain policy");
	ms_domain_allow_wx(run->sim, sc->allow_wx);
	for (guint d = 0; d < sc->domains->len && !ret; d++) {
		const struct ms__domain *dom = &g_array_index(sc->domains,
							      struct ms__domain, d);
		GArray *parts = g_array_new(FALSE, TRUE,
					    sizeof(struct ms_partition));

		for (guint i = 0; i < sc->parts->len; i++) {
			const struct ms__part *p = &g_array_index(sc->parts,
								  struct ms__part, i);
			struct ms_partition mp = { 0 };

			if (p->domain != (int)d)
				continue;
			mp.start = p->start;
			mp.size = p->size;
			mp.user = p->user;
			mp.supervisor = p->supervisor;
			mp.name = p->name;
			g_array_append_val(parts, mp);
		}
		ret = ms_domain_new(run->sim, dom->name,
				    (const struct ms_partition *)(void *)parts->data,
				    parts->len, &run->domain_ids[d]);
		g_array_free(parts, TRUE);
		if (ret) {
			const char *why = ms_domain_last_error(run->sim);

			ms__error_set(run->err, sc->file, dom->pos.line,
				      dom->pos.column,
				      "the architecture model ([sim] arch) "
				      "decides what a partition may be",
				      "domain '%s' refused: %s", dom->name,
				      why && *why ? why : g_strerror(-ret));
			return ret == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	if (!ret && sc->xpfo)
		ret = ms_xpfo_enable(run->sim, true);
	if (ret)
		return sim_error(run, (struct ms__pos){ 0, 0 }, ret, NULL,
				 "cannot enforce page ownership");
	return 0;
}

/* A mode the run options named that the sim does not know. */
static int unknown_mode(struct ms__run *run)
{
	const char *names[64];
	char hint[MS_SCENARIO_MSG_MAX];
	size_t n = 0, len;
	const char *near;

	for (size_t i = 0; i < ms_ipc_mode_count(run->sim) &&
	     n < G_N_ELEMENTS(names); i++)
		names[n++] = ms_ipc_mode_at(run->sim, i)->name;
	near = ms__nearest(run->ipc_mode, names, n);
	len = near ? (size_t)snprintf(hint, sizeof(hint),
				      "did you mean '%s'? (modes: ", near) :
		     (size_t)snprintf(hint, sizeof(hint), "modes: ");
	for (size_t i = 0; i < n && len < sizeof(hint); i++)
		len += (size_t)snprintf(hint + len, sizeof(hint) - len,
					"%s%s", i ? ", " : "", names[i]);
	if (near && len < sizeof(hint))
		snprintf(hint + len, sizeof(hint) - len, ")");
	ms__error_set(run->err, run->sc->file, 0, 0, hint,
		      "unknown IPC mode '%s'", run->ipc_mode);
	return -EINVAL;
}

static int build_ipc(struct ms__run *run)
{
	const struct ms_scenario *sc = run->sc;
	struct ms__pos none = { 0, 0 };
	int ret;

	if (run->ipc_mode) {
		ret = ms_ipc_mode_set(run->sim, run->ipc_mode);
		if (ret == -ENOENT)
			return unknown_mode(run);
		if (ret)
			return sim_error(run, none, ret, NULL,
					 "cannot set the IPC mode");
	}
	if (sc->ipc_budget_set) {
		ret = ms_ipc_budget_default_set(run->sim, &sc->ipc_budget);
		if (ret)
			return sim_error(run, none, ret, NULL,
					 "cannot set the IPC budget");
	}
	for (guint i = 0; i < sc->groups->len; i++) {
		const struct ms__group *g = &g_array_index(sc->groups,
							   struct ms__group, i);

		if (!g->has_ipc_budget)
			continue;
		ret = ms_ipc_budget_set(run->sim, g->id, &g->ipc_budget);
		if (ret)
			return sim_error(run, g->pos, ret, NULL,
					 "cannot set the group's IPC budget");
	}
	return 0;
}

static int build(struct ms__run *run, const struct ms__policy *pol)
{
	const struct ms_scenario *sc = run->sc;
	struct ms_config cfg = sc->cfg;
	struct ms_quota_params qp = { 0 };
	struct ms__pos none = { 0, 0 };
	int ret;

	cfg.seed = run->seed;
	cfg.tick_limit = run->tick_limit;
	/* The runner follows the events through its hook; keeping them is
	 * only for a caller that reads the sim afterwards (a trace). The hash
	 * covers every event either way. */
	if (!run->keep_events)
		cfg.event_log_capacity = 0;
	ret = ms_sim_new(&cfg, &run->sim);
	if (ret) {
		run->sim = NULL;
		return sim_error(run, none, ret,
				 "check the [sim] and [kernel] values",
				 "the simulation refused the configuration");
	}
	ms_sim_set_event_hook(run->sim, on_event, run);

	run->pools = g_new0(struct ms_heap *, sc->pools->len + 1);
	for (guint i = 0; i < sc->pools->len; i++) {
		const struct ms__pool *p = &g_array_index(sc->pools,
							  struct ms__pool, i);

		ret = ms_heap_create(run->sim, p->name, p->size, &run->pools[i]);
		if (ret)
			return sim_error(run, p->pos, ret, NULL,
					 "cannot create the pool");
	}

	ret = build_sealed(run);
	if (!ret)
		ret = build_domains(run);
	if (!ret)
		ret = ms__build_devices(run);
	if (!ret)
		ret = build_ipc(run);
	if (ret)
		return ret;

	qp.limit = pol->limit;
	ret = ms_quota_policy_set(run->sim, pol->name, &qp);
	if (ret)
		return sim_error(run, pol->limit_set ? pol->limit_pos : pol->pos,
				 ret, NULL, "the quota policy refused its "
				 "parameters");
	for (guint i = 0; i < sc->groups->len; i++) {
		const struct ms__group *g = &g_array_index(sc->groups,
							   struct ms__group, i);

		if (!g->has_limit)
			continue;
		ret = ms_quota_group_limit_set(run->sim, g->id, g->limit);
		if (ret)
			return sim_error(run, g->pos, ret, NULL,
					 "cannot set the group's limit");
	}

	for (guint i = 0; i < sc->actors->len; i++) {
		const struct ms__actor *a = &g_array_index(sc->actors,
							   struct ms__actor, i);

		if (run->without_attackers && a->role == MS_ROLE_ATTACKER)
			continue;
		ret = create_actor(run, (int)i);
		if (ret)
			return ret;
	}
	return 0;
}

static void run_init(struct ms__run *run, const struct ms_scenario *sc,
		     const struct ms_scenario_run_opts *o,
		     struct ms_scenario_error *err)
{
	memset(run, 0, sizeof(*run));
	run->sc = sc;
	run->err = err;
	run->seed = o->seed_set ? o->seed : sc->cfg.seed;
	run->tick_limit = o->tick_limit ? o->tick_limit : sc->cfg.tick_limit;
	run->without_attackers = o->without_attackers;
	run->keep_events = o->keep_sim;
	run->ipc_mode = o->ipc_mode ? o->ipc_mode :
			sc->ipc_modes->len ? sc->ipc_modes->pdata[0] : NULL;
	run->tinfo = g_array_new(FALSE, TRUE, sizeof(struct ms__tinfo));
	run->ctxs = g_ptr_array_new();
	run->acc = g_new0(struct ms__tally, sc->actors->len + 1);
	run->gacc = g_new0(struct ms__tally, sc->groups->len + 1);
	run->samples = g_array_new(FALSE, TRUE, sizeof(struct ms_scenario_sample));
	run->sealed = g_new0(struct ms_pool *, sc->sealed->len + 1);
	run->sealed_gen = g_new0(uint32_t, sc->sealed->len + 1);
	run->sealed_acc = g_new0(struct ms__sealed_acc, sc->sealed->len + 1);
	run->data = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  g_free);
	run->domain_ids = g_new0(uint32_t, sc->domains->len + 1);
	run->ipc = g_new0(struct ms__ipc_acc, sc->actors->len + 1);
	run->maps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  NULL);
	run->progress = o->progress;
	run->progress_user = o->progress_user;
	run->progress_every = o->progress_every ? o->progress_every :
			      DEFAULT_PROGRESS_EVERY;
	run->next_progress = run->progress_every;

	if (o->sample_every) {
		run->sample_every = o->sample_every;
		run->sample_cap = MAX_SAMPLES;
	} else if (sc->sample_every) {
		run->sample_every = sc->sample_every;
		run->sample_cap = MAX_SAMPLES;
	} else {
		/* Start fine and double the period whenever the series
		 * reaches twice the target: any run ends with between
		 * AUTO_SAMPLES and twice as many points (short runs fewer). */
		run->sample_every = AUTO_FIRST_PERIOD;
		run->sample_cap = 2 * AUTO_SAMPLES;
	}
	run->next_sample = 0;
}

static void tctx_free(gpointer p)
{
	struct ms__tctx *t = p;

	if (t->held)
		g_array_free(t->held, TRUE);
	if (t->children)
		g_array_free(t->children, TRUE);
	if (t->ipc_handles)
		g_array_free(t->ipc_handles, TRUE);
	g_free(t->buf);
	g_free(t);
}

static void run_fini(struct ms__run *run)
{
	if (run->sim)
		ms_sim_set_event_hook(run->sim, NULL, NULL);
	if (run->sim && !run->keep_sim)
		ms_sim_free(run->sim);
	run->sim = NULL;
	g_ptr_array_set_free_func(run->ctxs, tctx_free);
	g_ptr_array_free(run->ctxs, TRUE);
	g_array_free(run->tinfo, TRUE);
	g_free(run->acc);
	g_free(run->gacc);
	g_free(run->pools);
	g_free(run->sealed);
	g_free(run->sealed_gen);
	g_free(run->sealed_acc);
	g_hash_table_destroy(run->data);
	g_free(run->domain_ids);
	g_free(run->ipc);
	g_hash_table_destroy(run->maps);
	if (run->samples) {
		for (guint i = 0; i < run->samples->len; i++)
			g_free(g_array_index(run->samples,
					     struct ms_scenario_sample, i).group_bytes);
		g_array_free(run->samples, TRUE);
	}
}

/* ---- collecting the result ---- */

static void add_stat(GArray *stats, const char *name, double value)
{
	struct ms_scenario_stat st = { 0 };

	snprintf(st.name, sizeof(st.name), "%s", name);
	st.value = value;
	g_array_append_val(stats, st);
}

void ms__run_stat(GArray *stats, const char *name, double value)
{
	add_stat(stats, name, value);
}

static void sealed_stats(struct ms__run *run, GArray *stats)
{
	const struct ms_scenario *sc = run->sc;
	char name[128];

	for (guint i = 0; i < sc->sealed->len; i++) {
		const struct ms__sealed *sp = &g_array_index(sc->sealed,
							     struct ms__sealed, i);
		struct ms__sealed_acc acc = run->sealed_acc[i];
		struct ms_pool_stats st = { 0 };
		bool live = run->sealed[i] &&
			    ms_pool_stats_get(run->sim, run->sealed[i], &st) == 0;

		/* A live pool's counters join those of its past lives. */
		if (live)
			ms__sealed_fold(&acc, &st);
#define SEALED_STAT(field, value)                                             \
	do {                                                                  \
		snprintf(name, sizeof(name), "sealed.%s." field, sp->name);   \
		add_stat(stats, name, (double)(value));                       \
	} while (0)
		SEALED_STAT("loaded", live);
		SEALED_STAT("loads", acc.loads);
		SEALED_STAT("unloads", acc.unloads);
		SEALED_STAT("pages", st.pages);
		SEALED_STAT("sealed_pages", st.sealed_pages);
		SEALED_STAT("bytes_used", st.bytes_used);
		SEALED_STAT("allocs", acc.allocs);
		SEALED_STAT("allocs_failed", acc.allocs_failed);
		SEALED_STAT("frees", acc.frees);
		SEALED_STAT("seals", acc.seals);
		SEALED_STAT("rare_writes", acc.rare_writes);
		SEALED_STAT("rare_write_bytes", acc.rare_write_bytes);
		SEALED_STAT("mm_refusals", acc.mm_refusals);
		SEALED_STAT("pages_taken", acc.pages_taken);
		SEALED_STAT("pages_returned", acc.pages_returned);
#undef SEALED_STAT
	}
}

static void domain_stats(struct ms__run *run, GArray *stats)
{
	struct ms_domain_stats st;

	if (!run->sc->domains->len && !run->sc->xpfo)
		return;
	ms_domain_get_stats(run->sim, &st);
	add_stat(stats, "domains.violations", (double)st.violations);
	add_stat(stats, "domains.switches", (double)st.domain_switches);
	add_stat(stats, "domains.regions_programmed",
		 (double)st.regions_programmed);
	add_stat(stats, "domains.mpu_ticks", (double)st.mpu_ticks);
	add_stat(stats, "domains.xpfo_violations", (double)st.xpfo_violations);
	add_stat(stats, "domains.xpfo_transfers", (double)st.xpfo_transfers);
}

static void ipc_stats(struct ms__run *run, GArray *stats)
{
	const struct ms_scenario *sc = run->sc;
	char name[128];

	if (!sc->ipc_used)
		return;
	for (guint i = 0; i < sc->actors->len; i++) {
		const struct ms__actor *a = &g_array_index(sc->actors,
							   struct ms__actor, i);
		const struct ms__ipc_acc *acc = &run->ipc[i];

#define IPC_STAT(who, field, value)                                           \
	do {                                                                  \
		snprintf(name, sizeof(name), "ipc.%s." field, who);           \
		add_stat(stats, name, (double)(value));                       \
	} while (0)
		IPC_STAT(a->name, "sent", acc->sent);
		IPC_STAT(a->name, "refused", acc->refused);
		IPC_STAT(a->name, "received", acc->received);
		IPC_STAT(a->name, "bytes_sent", acc->bytes_sent);
		IPC_STAT(a->name, "bytes_received", acc->bytes_received);
	}
	for (guint i = 0; i < sc->groups->len; i++) {
		const struct ms__group *g = &g_array_index(sc->groups,
							   struct ms__group, i);
		struct ms_ipc_stats st;

		if (ms_ipc_stats(run->sim, g->id, NULL, &st))
			continue;
		IPC_STAT(g->name, "held_bytes", st.held.bytes);
		IPC_STAT(g->name, "peak_bytes", st.peak.bytes);
		IPC_STAT(g->name, "peak_messages", st.peak.msgs);
		IPC_STAT(g->name, "dropped", st.dropped);
#undef IPC_STAT
	}
}

static void sum_counters(struct ms_scenario_counters *dst,
			 const struct ms_scenario_counters *src, bool *all_done)
{
	dst->instances += src->instances;
	dst->denied_other += src->denied_other;
	dst->syscalls += src->syscalls;
	dst->ops += src->ops;
	if (src->instances && !src->completion_tick)
		*all_done = false;
	if (src->completion_tick > dst->completion_tick)
		dst->completion_tick = src->completion_tick;
}

/* Copy the live tally and the interpreter's counts into c. */
static void final_counters(struct ms_scenario_counters *c,
			   const struct ms__tally *t)
{
	uint64_t instances = c->instances, other = c->denied_other,
		 sys = c->syscalls, ops = c->ops, done = c->completion_tick;

	*c = t->c;
	c->instances = instances;
	c->denied_other = other;
	c->syscalls = sys;
	c->ops = ops;
	c->completion_tick = done;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 1.0;
}

static bool compare(double a, enum ms_expect_op op, double b)
{
	switch (op) {
	case MS_EXPECT_EQ: return a == b;
	case MS_EXPECT_NE: return a != b;
	case MS_EXPECT_LT: return a < b;
	case MS_EXPECT_LE: return a <= b;
	case MS_EXPECT_GT: return a > b;
	case MS_EXPECT_GE: return a >= b;
	}
	return false;
}

static void evaluate(struct ms__run *run, int pol, GArray *out)
{
	const struct ms_scenario *sc = run->sc;
	struct ms_scenario_result *r = run->res;

	for (guint i = 0; i < sc->expects->len; i++) {
		const struct ms__expect *e = &g_array_index(sc->expects,
							    struct ms__expect, i);
		struct ms_scenario_expect_result x = { 0 };

		if (e->policy >= 0 && e->policy != pol)
			continue;
		if (e->mode >= 0 && strcmp(sc->ipc_modes->pdata[e->mode],
					   r->ipc_mode) != 0)
			continue;
		snprintf(x.text, sizeof(x.text), "%s", e->text);
		snprintf(x.metric, sizeof(x.metric), "%s", e->metric);
		if (e->policy >= 0)
			snprintf(x.policy, sizeof(x.policy), "%s",
				 g_array_index(sc->policies, struct ms__policy,
					       e->policy).name);
		if (e->mode >= 0)
			snprintf(x.mode, sizeof(x.mode), "%s",
				 (const char *)sc->ipc_modes->pdata[e->mode]);
		x.op = e->op;
		x.line = e->pos.line;
		x.column = e->pos.column;
		if (ms_scenario_result_metric(r, e->metric, &x.actual))
			x.actual = NAN;
		if (e->rhs_kind == MS__RHS_METRIC) {
			if (ms_scenario_result_metric(r, e->rhs_metric,
						      &x.expected))
				x.expected = NAN;
		} else {
			x.expected = e->rhs;
		}
		x.pass = compare(x.actual, x.op, x.expected);
		g_array_append_val(out, x);
	}
}

static void collect(struct ms__run *run, int pol)
{
	const struct ms_scenario *sc = run->sc;
	struct ms_scenario_result *r = run->res;
	struct ms_heap_stats hs;
	GArray *stats, *expects;
	bool done;

	snprintf(r->scenario, sizeof(r->scenario), "%s", sc->name);
	snprintf(r->file, sizeof(r->file), "%s", sc->file);
	snprintf(r->policy, sizeof(r->policy), "%s",
		 g_array_index(sc->policies, struct ms__policy, pol).name);
	if (sc->ipc_used || run->ipc_mode)
		snprintf(r->ipc_mode, sizeof(r->ipc_mode), "%s",
			 ms_ipc_mode_name(run->sim));
	if (sc->devices->len)
		snprintf(r->device_policy, sizeof(r->device_policy), "%s",
			 (const char *)sc->devpol.labels->pdata[run->devpol]);
	r->seed = run->seed;
	r->without_attackers = run->without_attackers;
	r->tick_limit = run->tick_limit;
	r->final_tick = ms_sim_now(run->sim);
	r->status = ms_sim_status(run->sim);
	r->event_hash = ms_sim_event_hash(run->sim);
	r->event_count = ms_sim_event_total(run->sim);

	/* Samples up to the end, and the end itself. */
	take_samples(run, r->final_tick);
	if (!run->samples->len ||
	    g_array_index(run->samples, struct ms_scenario_sample,
			  run->samples->len - 1).tick != r->final_tick)
		push_sample(run, r->final_tick);

	if (ms_heap_stats(ms_heap_system(run->sim), &hs) == 0) {
		r->heap_size = hs.capacity;
		r->heap_used = hs.allocated_bytes;
		r->heap_peak = hs.max_allocated_bytes;
		r->heap_fragmentation = hs.fragmentation_pct / 100.0;
	}

	/* Actors: the live tallies plus what the interpreters counted. */
	r->n_actors = sc->actors->len;
	r->actors = g_new0(struct ms_scenario_actor_result, r->n_actors + 1);
	for (size_t i = 0; i < r->n_actors; i++) {
		const struct ms__actor *a = &g_array_index(sc->actors,
							   struct ms__actor, i);
		const struct ms__group *g = &g_array_index(sc->groups,
							   struct ms__group,
							   a->group);
		struct ms_scenario_actor_result *ar = &r->actors[i];

		snprintf(ar->name, sizeof(ar->name), "%s", a->name);
		snprintf(ar->group, sizeof(ar->group), "%s", g->name);
		ar->role = a->role;
		ar->group_id = g->id;
		ar->user = a->user;
		ar->count = a->count;
		ar->c = run->acc[i].c;
		if (run->acc[i].alive)
			ar->c.completion_tick = 0;
	}

	/* Groups and roles: sums of their actors, with live peaks. */
	r->n_groups = sc->groups->len;
	r->groups = g_new0(struct ms_scenario_group_result, r->n_groups + 1);
	for (size_t gi = 0; gi < r->n_groups; gi++) {
		const struct ms__group *g = &g_array_index(sc->groups,
							   struct ms__group, gi);
		struct ms_scenario_group_result *gr = &r->groups[gi];

		snprintf(gr->name, sizeof(gr->name), "%s", g->name);
		gr->id = g->id;
		gr->implicit = g->implicit;
		done = true;
		for (size_t i = 0; i < r->n_actors; i++)
			if (g_array_index(sc->actors, struct ms__actor,
					  i).group == (int)gi)
				sum_counters(&gr->c, &r->actors[i].c, &done);
		if (!done)
			gr->c.completion_tick = 0;
		final_counters(&gr->c, &run->gacc[gi]);
	}
	for (int role = 0; role < MS_ROLE__COUNT; role++) {
		done = true;
		for (size_t i = 0; i < r->n_actors; i++)
			if (r->actors[i].role == (enum ms_actor_role)role)
				sum_counters(&r->roles[role], &r->actors[i].c,
					     &done);
		if (!done)
			r->roles[role].completion_tick = 0;
		final_counters(&r->roles[role], &run->racc[role]);
	}
	done = true;
	for (size_t i = 0; i < r->n_actors; i++)
		sum_counters(&r->total, &r->actors[i].c, &done);
	if (!done)
		r->total.completion_tick = 0;
	final_counters(&r->total, &run->tacc);

	/* Faults, named by thread and actor. */
	r->n_faults = ms_sim_fault_count(run->sim);
	r->faults = g_new0(struct ms_scenario_fault, r->n_faults + 1);
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct ms_fault *f = ms_sim_fault_get(run->sim, i);
		struct ms__tinfo *ti = tinfo(run, f->tid);

		r->faults[i].fault = *f;
		if ((unsigned)f->kind < MS_FAULT__COUNT)
			r->fault_kinds[f->kind]++;
		if (ti) {
			snprintf(r->faults[i].thread, sizeof(r->faults[i].thread),
				 "%s", ti->name);
			snprintf(r->faults[i].actor, sizeof(r->faults[i].actor),
				 "%s", g_array_index(sc->actors, struct ms__actor,
						     ti->actor).name);
		}
	}

	/* The thread table. */
	for (guint t = 0; t < run->tinfo->len; t++)
		if (tinfo(run, t))
			r->n_threads++;
	r->threads = g_new0(struct ms_scenario_thread, r->n_threads + 1);
	for (guint t = 0, k = 0; t < run->tinfo->len; t++) {
		struct ms__tinfo *ti = tinfo(run, t);

		if (!ti)
			continue;
		r->threads[k].tid = t;
		snprintf(r->threads[k].name, sizeof(r->threads[k].name), "%s",
			 ti->name);
		snprintf(r->threads[k].actor, sizeof(r->threads[k].actor), "%s",
			 g_array_index(sc->actors, struct ms__actor,
				       ti->actor).name);
		k++;
	}

	/* Stats of the subsystems the scenario used. */
	stats = g_array_new(FALSE, TRUE, sizeof(struct ms_scenario_stat));
	for (guint i = 0; i < sc->pools->len; i++) {
		const struct ms__pool *p = &g_array_index(sc->pools,
							  struct ms__pool, i);
		struct ms_heap_stats ps;
		char name[128];

		if (!run->pools[i] || ms_heap_stats(run->pools[i], &ps))
			continue;
#define POOL_STAT(field, value)                                               \
	do {                                                                  \
		snprintf(name, sizeof(name), "pool.%s." field, p->name);      \
		add_stat(stats, name, (double)(value));                       \
	} while (0)
		POOL_STAT("size", ps.capacity);
		POOL_STAT("used", ps.allocated_bytes);
		POOL_STAT("peak", ps.max_allocated_bytes);
		POOL_STAT("fragmentation", ps.fragmentation_pct / 100.0);
		POOL_STAT("allocs", ps.allocs);
		POOL_STAT("failures", ps.failures);
#undef POOL_STAT
	}
	sealed_stats(run, stats);
	domain_stats(run, stats);
	ipc_stats(run, stats);
	ms__device_stats(run, stats);
	r->n_stats = stats->len;
	r->stats = (struct ms_scenario_stat *)(void *)g_array_free(stats, FALSE);

	/* Time series. */
	r->sample_every = run->sample_every;
	r->n_samples = run->samples->len;
	r->samples = (struct ms_scenario_sample *)(void *)
		g_array_free(run->samples, FALSE);
	run->samples = NULL;

	/* The comparison metrics (DESIGN.md section 4). */
	r->metrics.has_victims = false;
	r->metrics.has_attackers = false;
	for (size_t i = 0; i < r->n_actors; i++) {
		if (!r->actors[i].c.instances)
			continue;
		if (r->actors[i].role == MS_ROLE_VICTIM)
			r->metrics.has_victims = true;
		if (r->actors[i].role == MS_ROLE_ATTACKER)
			r->metrics.has_attackers = true;
	}
	r->metrics.victim_success = ratio(r->roles[MS_ROLE_VICTIM].granted,
					  r->roles[MS_ROLE_VICTIM].requested);
	r->metrics.attacker_peak_bytes = run->attacker_peak;
	r->metrics.attacker_share = r->heap_size ?
		(double)run->attacker_peak / (double)r->heap_size : 0.0;
	r->metrics.exhausted = run->exhausted;
	r->metrics.time_to_exhaustion = run->exhausted ? run->exhausted_tick : 0;
	r->metrics.collateral_denials = r->roles[MS_ROLE_NEUTRAL].denied_quota +
					r->roles[MS_ROLE_VICTIM].denied_quota;
	r->metrics.victim_completion_tick =
		r->roles[MS_ROLE_VICTIM].completion_tick;

	/* Expectations (not in a baseline run without the attackers). */
	expects = g_array_new(FALSE, TRUE,
			      sizeof(struct ms_scenario_expect_result));
	if (!run->without_attackers)
		evaluate(run, pol, expects);
	r->n_expects = expects->len;
	r->expects = (struct ms_scenario_expect_result *)(void *)
		g_array_free(expects, FALSE);
	for (size_t i = 0; i < r->n_expects; i++)
		if (!r->expects[i].pass)
			r->n_expects_failed++;
}

/* ---- the API ---- */

void ms_scenario_run_opts_init(struct ms_scenario_run_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
}

static int resolve_policy(const struct ms_scenario *sc,
			  const struct ms_scenario_run_opts *o,
			  struct ms_scenario_error *err)
{
	int pol;

	if (!o->policy)
		return 0;
	pol = policy_index(sc, o->policy);
	if (pol < 0) {
		char hint[MS_SCENARIO_MSG_MAX];
		size_t len = 0;

		len += (size_t)snprintf(hint, sizeof(hint),
					"the scenario runs: ");
		for (guint i = 0; i < sc->policies->len && len < sizeof(hint); i++)
			len += (size_t)snprintf(hint + len, sizeof(hint) - len,
						"%s%s", i ? ", " : "",
						g_array_index(sc->policies,
							      struct ms__policy,
							      i).name);
		ms__error_set(err, sc->file, 0, 0, hint,
			      "policy '%s' is not one the scenario names "
			      "([quota] policy or policies)", o->policy);
		return -EINVAL;
	}
	return pol;
}

int ms_scenario_run(const struct ms_scenario *sc,
		    const struct ms_scenario_run_opts *opts,
		    struct ms_scenario_result **out,
		    struct ms_scenario_error *err)
{
	struct ms_scenario_run_opts defaults;
	struct result_priv *rp;
	struct ms__run run;
	struct rusage ru;
	gint64 t0 = g_get_monotonic_time();
	int pol, ret;

	if (!sc || !out)
		return -EINVAL;
	*out = NULL;
	if (ms_sim_running())
		return -EBUSY;
	if (!opts) {
		ms_scenario_run_opts_init(&defaults);
		opts = &defaults;
	}
	pol = resolve_policy(sc, opts, err);
	if (pol < 0)
		return pol;
	ret = ms__devpol_resolve(sc, opts->device_policy, err);
	if (ret < 0)
		return ret;

	run_init(&run, sc, opts, err);
	run.devpol = ret;
	ret = build(&run, &g_array_index(sc->policies, struct ms__policy, pol));
	if (ret)
		goto out;
	ret = ms_sim_run(run.sim);
	if (ret && ret != -EFAULT) {
		sim_error(&run, (struct ms__pos){ 0, 0 }, ret, NULL,
			  "the simulation could not run");
		goto out;
	}
	ret = 0;
	rp = g_new0(struct result_priv, 1);
	run.res = &rp->pub;
	collect(&run, pol);
	if (opts->keep_sim) {
		run.keep_sim = true;
		rp->sim = run.sim;
	}
	rp->pub.host.wall_seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rp->pub.host.max_rss_kib = (uint64_t)ru.ru_maxrss;
	*out = &rp->pub;
out:
	run_fini(&run);
	return ret;
}

void ms_scenario_result_free(struct ms_scenario_result *res)
{
	struct result_priv *rp = (struct result_priv *)res;

	if (!res)
		return;
	if (rp->sim)
		ms_sim_free(rp->sim);
	g_free(res->actors);
	g_free(res->groups);
	g_free(res->faults);
	g_free(res->threads);
	g_free(res->expects);
	g_free(res->stats);
	for (size_t i = 0; i < res->n_samples; i++)
		g_free(res->samples[i].group_bytes);
	g_free(res->samples);
	g_free(rp);
}

struct ms_sim *ms_scenario_result_sim(const struct ms_scenario_result *res)
{
	return res ? ((const struct result_priv *)res)->sim : NULL;
}

bool ms_scenario_result_ok(const struct ms_scenario_result *res)
{
	return res && res->n_expects_failed == 0 && res->status != MS_RUN_PANIC;
}

int ms_scenario_check(const struct ms_scenario *sc,
		      struct ms_scenario_error *err)
{
	struct ms_scenario_run_opts o;
	int ret = 0;

	if (!sc)
		return -EINVAL;
	ms_scenario_run_opts_init(&o);
	for (guint i = 0; i < sc->policies->len && !ret; i++) {
		struct ms__run run;

		run_init(&run, sc, &o, err);
		ret = build(&run, &g_array_index(sc->policies,
						 struct ms__policy, i));
		run_fini(&run);
	}
	return ret;
}
