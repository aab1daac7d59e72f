/* SPDX-License-Identifier: MIT */
/*
 * Private to src/mem/domain: domains, the arena and what is applied to it.
 *
 *  domain.c   the subsystem (hooks) and the k_mem_domain_* API
 *  model.c    architecture models: what a region can be, how many a domain
 *             gets, what a switch reprograms and costs
 *  enforce.c  the arena's user mapping: views, lazy opening, the fault
 *             resolver, single-stepping shared pages
 *  xpfo.c     the kernel's direct map and exclusive page ownership
 */
#ifndef MS_MEM_DOMAIN_PRIV_H
#define MS_MEM_DOMAIN_PRIV_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memsim/domain.h>

#include "core/core.h"
#include "platform/os.h"

#define DOM_NAME_MAX 32
#define DOM_ERR_MAX 160

/* The simulated MMU's page: partitions under MS_ARCH_MMU are multiples of
 * it whatever the host's page is, so that results do not depend on it. */
#define DOM_MMU_PAGE 4096u

/* A slot of a domain; size 0 marks it free (as in Zephyr). */
struct dom_part {
	uint64_t start;
	uint64_t size;
	uint8_t user;		/* enum ms_perm */
	uint8_t sup;
	char name[MS_PARTITION_NAME_MAX];
};

struct dom {
	ms_domain_id id;
	char name[DOM_NAME_MAX];
	unsigned nslots;	/* the sim's max_parts */
	unsigned nparts;	/* slots in use */
	uint32_t members;	/* threads that belong to it */
	uint64_t gen;		/* changes with every partition change */
	struct dom_part parts[];	/* max_parts slots */
};

/* Per-thread slot. */
struct dom_thread {
	struct dom *dom;
	/* Working set: pages this thread opened by faults, the newest
	 * MS_DOMAIN_WORKING_SET_MAX (a ring), reopened when it comes back. */
	uint32_t ws[MS_DOMAIN_WORKING_SET_MAX];
	uint32_t nws;
	uint32_t ws_next;
};

/* Whose rights a view gives. */
enum view_kind {
	VIEW_HOST = 0,	/* the host context: all of it, opened eagerly */
	VIEW_SUP,	/* a supervisor thread: all of it, opened lazily */
	VIEW_USER,	/* a user thread: its domain's partitions */
};

/* An access being let through a shared page, one instruction long. */
#define STEP_PAGES 2	/* one access touches at most two pages */
struct dom_step {
	bool active;
	unsigned npages;
	uint32_t page[STEP_PAGES];
	bool check[STEP_PAGES];		/* compare bytes outside the view */
	unsigned char *snap[STEP_PAGES];	/* page contents before */
	const struct dom *dom;		/* the view it was checked against */
	uint64_t regs[MS__OS_REGS_MAX];	/* the frame before the instruction */
};

struct ms__domains {
	struct ms_sim *sim;
	struct ms__os *os;
	enum ms_arch arch;
	unsigned max_parts;
	bool allow_wx;
	enum ms_domain_policy policy;
	GHashTable *by_id;		/* id -> struct dom * */
	ms_domain_id next_id;
	uint64_t gen_seq;		/* source of dom.gen values */
	struct dom *dflt;
	char err[DOM_ERR_MAX];

	/* The arena: a memfd mapped twice. */
	int fd;				/* only while mapping */
	uint8_t *user;			/* what simulated threads address */
	uint8_t *kmap;			/* the kernel's direct map */
	bool adopted;			/* user is ms_config.arena_at */
	size_t size;
	size_t page;			/* host page */
	uint32_t npages;
	unsigned region_user;		/* fault regions */
	unsigned region_kmap;

	/* What is applied to the user mapping. Invariant: prot[p] is the host
	 * protection of page p (outside a step), and open[0..nopen) lists
	 * exactly the pages whose prot is not NONE. */
	uint8_t *prot;
	uint32_t *open;
	uint32_t nopen;
	uint32_t *scratch;		/* npages, for the close pass */
	uint8_t *want;			/* npages, for the close pass */
	enum view_kind applied;
	const struct dom *applied_dom;	/* VIEW_USER: whose */
	uint64_t applied_gen;
	/* Every open page is within this domain's view (as of clean_gen):
	 * coming back to it needs no close pass. NULL: unknown. */
	const struct dom *clean_dom;
	uint64_t clean_gen;
	bool all_open;			/* the host view is applied in full */

	/* Lazy opens, logged as events at the next switch (the resolver runs
	 * in a signal handler and must not allocate). */
	uint32_t *opens;		/* npages pairs: domain id, page */
	uint32_t nopens;

	struct dom_step step;
	bool step_ok;			/* the host can single-step */
	bool step_handler;		/* we hold the SIGTRAP handler */
	bool pending;			/* a write ran out of its partition */
	uint32_t pending_page;
	uint64_t pending_off;

	/* The simulated MPU/MMU: what it holds now. */
	const struct dom *prog_dom;	/* NULL: no user domain yet */
	uint64_t prog_gen;
	ms_tid prog_stack;		/* whose stack regions */
	struct dom_part *prog;		/* max_parts slots as programmed */

	/* Exclusive page ownership. */
	bool xpfo;
	uint32_t *user_refs;		/* per frame: user partitions over it */

	struct ms_domain_stats stats;
};

static inline struct ms__domains *DS(const struct ms_sim *sim)
{
	return ms__sim_sub(sim, MS__SUB_DOMAIN);
}

/* domain.c */
void ms__dom_error(struct ms__domains *ds, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct dom *ms__dom_get(const struct ms__domains *ds, ms_domain_id id);
struct dom *ms__dom_of_thread(const struct ms__domains *ds,
			      const struct ms_thread *t);
const struct dom_part *ms__dom_find(const struct dom *d, uint64_t off);
void ms__perm_text(unsigned perm, char out[4]);

/* model.c */
unsigned ms__model_max_partitions(const struct ms_config *cfg);
/* 0, or -EINVAL with the reason in ds->err. */
int ms__model_check(struct ms__domains *ds, const struct dom *d,
		    const struct ms_partition *p);
/* The MPU/MMU work of switching to t (a user thread): regions written. */
unsigned ms__model_switch(struct ms__domains *ds, struct ms_thread *t,
			  const struct dom *d);
void ms__model_forget(struct ms__domains *ds, const struct dom *d);

/* enforce.c */
int ms__arena_init(struct ms__domains *ds);
void ms__arena_fini(struct ms__domains *ds);
/* Make the user mapping right for what runs next (NULL: the host). */
void ms__arena_apply(struct ms__domains *ds, struct ms_thread *next);
void ms__arena_flush_opens(struct ms__domains *ds);
void ms__arena_step_abort(struct ms__domains *ds);
void ms__arena_forget(struct ms__domains *ds, const struct dom *d);
void ms__page_rights(const struct ms__domains *ds, const struct dom *d,
		     uint32_t p, unsigned *full, unsigned *any);
bool ms__arena_range(const struct ms__domains *ds, uint64_t off, size_t len);

/* xpfo.c */
int ms__xpfo_init(struct ms__domains *ds);
void ms__xpfo_fini(struct ms__domains *ds);
/* A user-accessible partition now covers (+1) or stops covering (-1)
 * [start, start + size). */
void ms__xpfo_account(struct ms__domains *ds, uint64_t start, uint64_t size,
		      int delta);

#endif
