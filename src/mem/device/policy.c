/* SPDX-License-Identifier: MIT */
/*
 * Device memory policies: the registry, and the built-in placement,
 * migration, eviction and accounting policies.
 *
 * What it models: the decisions Linux leaves to the device driver (HMM:
 * "policy decisions of what and when to migrate is left to the device
 * driver"), to the memory cgroup (device pages charged like any page), and
 * Zephyr's pluggable eviction algorithms for demand paging
 * (k_mem_paging_eviction_add / _remove / _accessed / _select: the four
 * eviction callbacks here are those, plus one for pins, which Zephyr keeps
 * as K_MEM_PAGE_FRAME_PINNED instead).
 *
 * Invariants: one policy of each kind is active at any time, chosen by
 * name once (ms_device_policy_set), called through its ops table; an
 * eviction policy has one state per device, told of every frame that
 * holds a page (added) until the page leaves it (removed).
 */
#include <errno.h>
#include <string.h>

#include "mem/device/device_priv.h"

#define DEFAULT_THRESHOLD 4
#define DEFAULT_SCAN 8

const char *ms_device_policy_kind_name(enum ms_device_policy_kind kind)
{
	switch (kind) {
	case MS_DEVPOL_PLACEMENT: return "placement";
	case MS_DEVPOL_MIGRATION: return "migration";
	case MS_DEVPOL_EVICTION: return "eviction";
	case MS_DEVPOL_ACCOUNTING: return "accounting";
	case MS_DEVPOL__COUNT: break;
	}
	return "?";
}

/* ---- placement ---------------------------------------------------------- */

static ms_device_id place_first_touch(void *state,
				      const struct ms_place_query *q)
{
	(void)state;
	return q->toucher;
}

static ms_device_id place_explicit(void *state, const struct ms_place_query *q)
{
	(void)state;
	return q->preferred;
}

static ms_device_id place_device_preferred(void *state,
					   const struct ms_place_query *q)
{
	(void)state;
	if (q->toucher != MS_DEVICE_NONE && q->usable[q->toucher])
		return q->toucher;
	if (q->preferred != MS_DEVICE_NONE && q->usable[q->preferred])
		return q->preferred;
	for (uint32_t k = 0; k < q->ndevices; k++)
		if (q->usable[k])
			return k;
	return MS_DEVICE_NONE;
}

static const struct ms_device_policy_ops place_ops[] = {
	{
		.name = "first-touch",
		.summary = "a page goes where its first toucher is (the CPU: "
			   "system RAM)",
		.place = place_first_touch,
	},
	{
		.name = "explicit",
		.summary = "system RAM, or the mapping's preferred device",
		.place = place_explicit,
	},
	{
		.name = "device-preferred",
		.summary = "a device whenever one can take the page",
		.place = place_device_preferred,
	},
};

/* ---- migration ---------------------------------------------------------- */

static bool migrate_on_fault(void *state, const struct ms_access_query *q)
{
	(void)state;
	(void)q;
	return true;
}

static bool migrate_threshold(void *state, const struct ms_access_query *q)
{
	(void)state;
	return q->hits >= q->threshold;
}

static bool migrate_explicit(void *state, const struct ms_access_query *q)
{
	(void)state;
	(void)q;
	return false;
}

static const struct ms_device_policy_ops migrate_ops[] = {
	{
		.name = "on-fault",
		.summary = "a device's access moves the page to it at once",
		.migrate = migrate_on_fault,
	},
	{
		.name = "threshold",
		.summary = "a page moves after `threshold` accesses by the device",
		.migrate = migrate_threshold,
	},
	{
		.name = "explicit",
		.summary = "only explicit migrations move pages to a device",
		.migrate = migrate_explicit,
	},
};

/* ---- eviction: an ordered list (LRU, FIFO, pin-aware LRU) ---------------- */

#define NIL UINT32_MAX

struct evlist {
	uint32_t n;
	uint32_t head, tail;		/* head: the next victim */
	uint32_t *prev, *next;
	uint8_t *on;
	bool requeue;			/* an access moves the frame to the tail */
	bool skip_pinned;		/* pinned frames leave the list */
};

static int evlist_init(struct evlist *l, const struct ms_device_policy_params *p)
{
	l->n = p->frames;
	l->head = l->tail = NIL;
	l->prev = g_try_new(uint32_t, l->n ? l->n : 1);
	l->next = g_try_new(uint32_t, l->n ? l->n : 1);
	l->on = g_try_malloc0(l->n ? l->n : 1);
	return l->prev && l->next && l->on ? 0 : -ENOMEM;
}

static void evlist_fini(void *state)
{
	struct evlist *l = state;

	g_free(l->prev);
	g_free(l->next);
	g_free(l->on);
}

static void evlist_push(struct evlist *l, uint32_t f)
{
	if (f >= l->n || l->on[f])
		return;
	l->on[f] = 1;
	l->prev[f] = l->tail;
	l->next[f] = NIL;
	if (l->tail != NIL)
		l->next[l->tail] = f;
	else
		l->head = f;
	l->tail = f;
}

static void evlist_unlink(struct evlist *l, uint32_t f)
{
	if (f >= l->n || !l->on[f])
		return;
	if (l->prev[f] != NIL)
		l->next[l->prev[f]] = l->next[f];
	else
		l->head = l->next[f];
	if (l->next[f] != NIL)
		l->prev[l->next[f]] = l->prev[f];
	else
		l->tail = l->prev[f];
	l->on[f] = 0;
}

static void evlist_added(void *state, uint32_t f)
{
	evlist_push(state, f);
}

static void evlist_accessed(void *state, uint32_t f)
{
	struct evlist *l = state;

	if (l->requeue && f < l->n && l->on[f]) {
		evlist_unlink(l, f);
		evlist_push(l, f);
	}
}

static void evlist_removed(void *state, uint32_t f)
{
	evlist_unlink(state, f);
}

static void evlist_pinned(void *state, uint32_t f, bool pinned)
{
	struct evlist *l = state;

	if (!l->skip_pinned)
		return;
	if (pinned)
		evlist_unlink(l, f);
	else
		evlist_push(l, f);
}

/* The first movable frame among the scan oldest. */
static int evlist_select(void *state, const struct ms_evict_query *q,
			 uint32_t *frame)
{
	struct evlist *l = state;
	uint32_t f = l->head;

	for (uint32_t k = 0; k < q->scan && f != NIL; k++, f = l->next[f]) {
		if (q->movable(q, f)) {
			*frame = f;
			return 0;
		}
	}
	return -ENOENT;
}

static int lru_init(void *state, const struct ms_device_policy_params *p)
{
	struct evlist *l = state;

	l->requeue = true;
	return evlist_init(l, p);
}

static int fifo_init(void *state, const struct ms_device_policy_params *p)
{
	return evlist_init(state, p);
}

static int pin_aware_init(void *state, const struct ms_device_policy_params *p)
{
	struct evlist *l = state;

	l->requeue = true;
	l->skip_pinned = true;
	return evlist_init(l, p);
}

/* ---- eviction: seeded random ---------------------------------------------- */

struct evrand {
	uint32_t n, count;
	uint32_t *dense;		/* the frames that hold pages */
	uint32_t *pos;			/* a frame's index in dense, or NIL */
};

static int random_init(void *state, const struct ms_device_policy_params *p)
{
	struct evrand *r = state;

	r->n = p->frames;
	r->dense = g_try_new(uint32_t, r->n ? r->n : 1);
	r->pos = g_try_new(uint32_t, r->n ? r->n : 1);
	if (!r->dense || !r->pos)
		return -ENOMEM;
	for (uint32_t f = 0; f < r->n; f++)
		r->pos[f] = NIL;
	return 0;
}

static void random_fini(void *state)
{
	struct evrand *r = state;

	g_free(r->dense);
	g_free(r->pos);
}

static void random_added(void *state, uint32_t f)
{
	struct evrand *r = state;

	if (f >= r->n || r->pos[f] != NIL)
		return;
	r->pos[f] = r->count;
	r->dense[r->count++] = f;
}

static void random_removed(void *state, uint32_t f)
{
	struct evrand *r = state;
	uint32_t k, last;

	if (f >= r->n || r->pos[f] == NIL)
		return;
	k = r->pos[f];
	last = r->dense[--r->count];
	r->dense[k] = last;
	r->pos[last] = k;
	r->pos[f] = NIL;
}

static int random_select(void *state, const struct ms_evict_query *q,
			 uint32_t *frame)
{
	struct evrand *r = state;

	for (uint32_t k = 0; k < q->scan && r->count; k++) {
		uint32_t f = r->dense[q->random(q, r->count)];

		if (q->movable(q, f)) {
			*frame = f;
			return 0;
		}
	}
	return -ENOENT;
}

static const struct ms_device_policy_ops evict_ops[] = {
	{
		.name = "lru",
		.summary = "the least recently used page leaves (its device's "
			   "accesses renew it)",
		.state_size = sizeof(struct evlist),
		.init = lru_init,
		.fini = evlist_fini,
		.added = evlist_added,
		.accessed = evlist_accessed,
		.removed = evlist_removed,
		.pinned = evlist_pinned,
		.select = evlist_select,
	},
	{
		.name = "fifo",
		.summary = "the page that came first leaves first",
		.state_size = sizeof(struct evlist),
		.init = fifo_init,
		.fini = evlist_fini,
		.added = evlist_added,
		.accessed = evlist_accessed,
		.removed = evlist_removed,
		.pinned = evlist_pinned,
		.select = evlist_select,
	},
	{
		.name = "random",
		.summary = "a page picked by the sim's seeded generator leaves",
		.state_size = sizeof(struct evrand),
		.init = random_init,
		.fini = random_fini,
		.added = random_added,
		.removed = random_removed,
		.select = random_select,
	},
	{
		.name = "pin-aware",
		.summary = "LRU that keeps pinned pages off its list",
		.state_size = sizeof(struct evlist),
		.init = pin_aware_init,
		.fini = evlist_fini,
		.added = evlist_added,
		.accessed = evlist_accessed,
		.removed = evlist_removed,
		.pinned = evlist_pinned,
		.select = evlist_select,
	},
};

/* ---- accounting ----------------------------------------------------------- */

static int acct_owner(void *state, const struct ms_page_charge *c)
{
	(void)state;
	/* Charged once, when placed; wherever it goes after is the same
	 * charge (migrating back never fails on quota). */
	if (c->populate && c->pages >= c->page_limit)
		return -EDQUOT;
	return 0;
}

static int acct_per_tier(void *state, const struct ms_page_charge *c)
{
	(void)state;
	if (c->to == MS_DEVICE_NONE)
		return c->ram_pages < c->ram_limit ? 0 : -EDQUOT;
	return c->to_pages < c->device_limit ? 0 : -EDQUOT;
}

static const struct ms_device_policy_ops acct_ops[] = {
	{
		.name = "owner",
		.summary = "a page is charged once to its mapping's group, "
			   "wherever it lives (page_quota)",
		.charge = acct_owner,
	},
	{
		.name = "per-tier",
		.summary = "a quota per group for system RAM and for each device "
			   "(ram_quota, device_quota): moves can be refused",
		.charge = acct_per_tier,
	},
};

/* ---- the registry -------------------------------------------------------- */

static bool ops_complete(enum ms_device_policy_kind kind,
			 const struct ms_device_policy_ops *o)
{
	switch (kind) {
	case MS_DEVPOL_PLACEMENT: return o->place != NULL;
	case MS_DEVPOL_MIGRATION: return o->migrate != NULL;
	case MS_DEVPOL_EVICTION:
		return o->added && o->removed && o->select;
	case MS_DEVPOL_ACCOUNTING: return o->charge != NULL;
	case MS_DEVPOL__COUNT: break;
	}
	return false;
}

static const struct ms_device_policy_ops *find(const struct dpolicy *p,
					       const char *name)
{
	for (guint i = 0; name && i < p->ops->len; i++) {
		const struct ms_device_policy_ops *o = g_ptr_array_index(p->ops, i);

		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

static int do_register(struct ms__devices *ds, enum ms_device_policy_kind kind,
		       const struct ms_device_policy_ops *ops)
{
	if ((unsigned)kind >= MS_DEVPOL__COUNT || !ops || !ops->name ||
	    !ops->name[0] || strlen(ops->name) >= 32 ||
	    !ops_complete(kind, ops))
		return -EINVAL;
	if (find(&ds->pol[kind], ops->name))
		return -EEXIST;
	g_ptr_array_add(ds->pol[kind].ops, (void *)ops);
	return 0;
}

int ms_device_policy_register(struct ms_sim *sim,
			      enum ms_device_policy_kind kind,
			      const struct ms_device_policy_ops *ops)
{
	struct ms__devices *ds;
	int ret;

	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	ret = do_register(ds, kind, ops);
	ms__dev_leave(sim);
	return ret;
}

size_t ms_device_policy_count(const struct ms_sim *sim,
			      enum ms_device_policy_kind kind)
{
	if (!sim || (unsigned)kind >= MS_DEVPOL__COUNT)
		return 0;
	return DEVS(sim)->pol[kind].ops->len;
}

const struct ms_device_policy_ops *
ms_device_policy_at(const struct ms_sim *sim, enum ms_device_policy_kind kind,
		    size_t i)
{
	if (i >= ms_device_policy_count(sim, kind))
		return NULL;
	return g_ptr_array_index(DEVS(sim)->pol[kind].ops, i);
}

const char *ms_device_policy_name(const struct ms_sim *sim,
				  enum ms_device_policy_kind kind)
{
	if (!sim || (unsigned)kind >= MS_DEVPOL__COUNT ||
	    !DEVS(sim)->pol[kind].act)
		return "";
	return DEVS(sim)->pol[kind].act->name;
}

static void state_drop(const struct ms_device_policy_ops *o, void **state)
{
	if (*state && o && o->fini)
		o->fini(*state);
	g_free(*state);
	*state = NULL;
}

static int state_make(const struct ms_device_policy_ops *o,
		      const struct ms_device_policy_params *p, void **out)
{
	void *st = g_malloc0(o->state_size ? o->state_size : 1);
	int ret = o->init ? o->init(st, p) : 0;

	if (ret) {
		/* what a failed init got is freed by its fini */
		if (o->fini)
			o->fini(st);
		g_free(st);
		return ret;
	}
	*out = st;
	return 0;
}

int ms__evict_attach(struct ms__devices *ds, struct ddev *d)
{
	const struct dpolicy *p = &ds->pol[MS_DEVPOL_EVICTION];
	struct ms_device_policy_params params = p->params;
	int ret;

	ms__evict_detach(ds, d);
	if (!p->act)
		return 0;
	params.frames = d->nframes;
	ret = state_make(p->act, &params, &d->evict);
	if (ret)
		return ret;
	for (uint32_t f = 0; f < d->nframes; f++) {
		const struct dmap *m;
		const struct dpage *pg;

		if (!d->rmap[f] || (d->fflags[f] & FR_RESERVED))
			continue;
		p->act->added(d->evict, f);
		m = ms__map_get(ds, d->rmap[f]);
		pg = &m->pg[d->rpage[f]];
		if ((pg->pin_short || pg->pin_long) && p->act->pinned)
			p->act->pinned(d->evict, f, true);
	}
	return 0;
}

void ms__evict_detach(struct ms__devices *ds, struct ddev *d)
{
	state_drop(ds->pol[MS_DEVPOL_EVICTION].act, &d->evict);
}

static void params_defaults(struct ms_device_policy_params *p)
{
	if (!p->threshold)
		p->threshold = DEFAULT_THRESHOLD;
	if (!p->scan)
		p->scan = DEFAULT_SCAN;
}

static int do_set(struct ms__devices *ds, enum ms_device_policy_kind kind,
		  const struct ms_device_policy_ops *o,
		  const struct ms_device_policy_params *params)
{
	struct dpolicy *p = &ds->pol[kind];
	struct ms_device_policy_params prm = { 0 };
	void *st = NULL;
	int ret;

	if (params)
		prm = *params;
	params_defaults(&prm);
	if (kind != MS_DEVPOL_EVICTION) {
		ret = state_make(o, &prm, &st);
		if (ret)
			return ret;
		state_drop(p->act, &p->state);
		p->act = o;
		p->state = st;
		p->params = prm;
		return 0;
	}
	for (uint32_t k = 0; k < ds->ndev; k++)
		ms__evict_detach(ds, ds->dev[k]);
	p->act = o;
	p->params = prm;
	ret = 0;
	for (uint32_t k = 0; k < ds->ndev && !ret; k++)
		ret = ms__evict_attach(ds, ds->dev[k]);
	return ret;
}

int ms_device_policy_set(struct ms_sim *sim, enum ms_device_policy_kind kind,
			 const char *name,
			 const struct ms_device_policy_params *params)
{
	struct ms__devices *ds;
	const struct ms_device_policy_ops *o;
	int ret;

	if (!sim || (unsigned)kind >= MS_DEVPOL__COUNT)
		return -EINVAL;
	ret = ms__dev_enter(sim, &ds);
	if (ret)
		return ret;
	o = find(&ds->pol[kind], name);
	ret = o ? do_set(ds, kind, o, params) : -ENOENT;
	ms__dev_leave(sim);
	return ret;
}

int ms__policies_init(struct ms__devices *ds)
{
	static const struct {
		const struct ms_device_policy_ops *ops;
		size_t n;
	} builtin[MS_DEVPOL__COUNT] = {
		[MS_DEVPOL_PLACEMENT] = { place_ops, G_N_ELEMENTS(place_ops) },
		[MS_DEVPOL_MIGRATION] = { migrate_ops, G_N_ELEMENTS(migrate_ops) },
		[MS_DEVPOL_EVICTION] = { evict_ops, G_N_ELEMENTS(evict_ops) },
		[MS_DEVPOL_ACCOUNTING] = { acct_ops, G_N_ELEMENTS(acct_ops) },
	};
	int ret = 0;

	for (int k = 0; k < MS_DEVPOL__COUNT; k++) {
		ds->pol[k].ops = g_ptr_array_new();
		for (size_t i = 0; i < builtin[k].n && !ret; i++)
			ret = do_register(ds, (enum ms_device_policy_kind)k,
					  &builtin[k].ops[i]);
		/* the first of each kind is its default */
		if (!ret)
			ret = do_set(ds, (enum ms_device_policy_kind)k,
				     &builtin[k].ops[0], NULL);
	}
	return ret;
}

void ms__policies_fini(struct ms__devices *ds)
{
	for (uint32_t k = 0; k < ds->ndev; k++)
		ms__evict_detach(ds, ds->dev[k]);
	for (int k = 0; k < MS_DEVPOL__COUNT; k++) {
		if (k != MS_DEVPOL_EVICTION)
			state_drop(ds->pol[k].act, &ds->pol[k].state);
		if (ds->pol[k].ops)
			g_ptr_array_free(ds->pol[k].ops, TRUE);
	}
}
