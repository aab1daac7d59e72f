/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: random operation sequences on one simulation, through
 * the public API only.
 *
 * The input is a program. Its first bytes configure the sim (seed, which
 * also says whether events are kept, time slice, quota policy and limit,
 * an optional host failure to inject); the
 * rest is one stream of operation bytes that the simulated threads consume
 * as they run (the sim is deterministic, so the same input is the same
 * run): yield, sleep, busy wait, heap alloc/free, kernel object
 * alloc/grant/revoke/free, queue append/get, thread creation with random
 * attributes, sealed pools (create, alloc, seal, rare write), memory
 * domains (partition add/remove, thread moves) and IPC (node, lookup, send,
 * receive). Sizes, thread counts and waits are bounded, and the run has a
 * tick limit, so one input is cheap.
 *
 * Invariants checked after the run, beyond the sanitizers':
 *   - the run ends (no -EFAULT panic, no deadlock: every wait has a
 *     timeout);
 *   - the faults recorded are exactly the deliberate ones the program asked
 *     for (rare: a user thread making a supervisor-only call, or a store
 *     into a sealed pool page);
 *   - when every thread finished and no host failure was injected, freeing
 *     what the program still holds brings the system heap's allocated
 *     bytes back to what they were before the run;
 *   - ms_sim_free() frees the rest (LeakSanitizer).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/memsim.h>

#define FUZZ_TICK_LIMIT 20000
#define MAX_THREADS 24
#define MAX_OPS_PER_THREAD 96
#define MAX_BLOCKS 64
#define MAX_OBJS 32
#define MAX_POOLS 3
#define MAX_PALLOCS 32
#define MAX_DOMS 4
#define MAX_NODES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct palloc {
	struct ms_pool *pool;
	void *p;
	size_t size;
};

struct fz {
	struct ms_sim *sim;
	const uint8_t *data;
	size_t size;
	size_t pos;
	bool allow_faults;
	bool host_failure;		/* a host call was made to fail */
	unsigned deliberate;		/* faults the program asked for */
	unsigned threads;		/* created so far */
	ms_tid tids[MAX_THREADS];
	void *blocks[MAX_BLOCKS];	/* heap blocks, any thread's */
	ms_handle objs[MAX_OBJS];	/* supervisor-owned objects */
	struct ms_pool *pools[MAX_POOLS];
	unsigned npools;
	struct palloc pallocs[MAX_PALLOCS];
	ms_domain_id doms[MAX_DOMS];
	unsigned ndoms;
};

static void fail(const char *what, long v)
{
	fprintf(stderr, "fuzz_ops: invariant broken: %s (%ld)\n", what, v);
	abort();
}

static bool more(const struct fz *f)
{
	return f->pos < f->size;
}

static unsigned byte(struct fz *f)
{
	return more(f) ? f->data[f->pos++] : 0;
}

static unsigned u16(struct fz *f)
{
	unsigned lo = byte(f);

	return lo | byte(f) << 8;
}

/* A negative errno, or 0: anything else from a 0-or-errno call is a bug. */
static void errno_rc(int rc, const char *what)
{
	if (rc > 0 || rc < -4095)
		fail(what, rc);
}

static void entry(struct ms_sim *sim, void *arg);

static void op_thread_create(struct fz *f, bool user)
{
	struct ms_thread_attr attr;
	ms_tid tid;
	unsigned b = byte(f);
	int rc;

	if (f->threads >= MAX_THREADS)
		return;
	ms_thread_attr_init(&attr);
	attr.priority = (int)(b % 8) - 4;
	attr.stack_size = (b & 0x40) ? 32 * 1024 : 0;
	attr.guard_pages = (b & 0x80) ? 2 : (size_t)-1;
	if (user || (byte(f) & 1))
		attr.options |= MS_THREAD_USER;
	if (b & 0x08)
		attr.options |= MS_THREAD_INHERIT_PERMS;
	attr.group = (b & 0x30) ? (b >> 4 & 3) : MS_GROUP_INHERIT;
	rc = ms_thread_create(f->sim, &attr, entry, f, &tid);
	errno_rc(rc, "thread_create");
	/* Checked again: the call may have let another thread create. */
	if (rc == 0 && f->threads < MAX_THREADS)
		f->tids[f->threads++] = tid;
}

static ms_tid some_tid(struct fz *f)
{
	unsigned b = byte(f);

	if (f->threads == 0 || b == 0xff)
		return 1000;		/* never created */
	return f->tids[b % f->threads];
}

static void op_heap(struct fz *f, unsigned b)
{
	unsigned i = byte(f) % MAX_BLOCKS;
	void *p = NULL;
	int rc;

	if (f->blocks[i]) {
		void *q = f->blocks[i];

		f->blocks[i] = NULL;
		rc = ms_heap_free(f->sim, q);
		if (rc)
			fail("heap_free of a live block", rc);
		return;
	}
	if (b & 1)
		rc = ms_heap_alloc_wait(f->sim, 1 + u16(f) % 3000,
					byte(f) % 8, &p);
	else
		rc = ms_heap_alloc(f->sim, 1 + u16(f) % 3000, &p);
	errno_rc(rc, "heap_alloc");
	if (rc == 0) {
		/* The slot may have been filled by another thread while this
		 * one waited. */
		void *old = f->blocks[i];

		if (!p)
			fail("heap_alloc gave NULL", 0);
		memset(p, 0xa5, 1);
		f->blocks[i] = p;	/* before the free, which may preempt */
		if (old && ms_heap_free(f->sim, old))
			fail("heap_free of a replaced block", 0);
	} else if (rc != -ENOMEM && rc != -EDQUOT && rc != -EAGAIN) {
		fail("heap_alloc errno", rc);
	}
}

/* Objects of supervisor threads: shared, any of them may use any. */
static void op_kobj(struct fz *f)
{
	unsigned b = byte(f);
	unsigned i = byte(f) % MAX_OBJS;
	ms_handle h = f->objs[i];
	void *item;
	int rc;

	switch (b % 6) {
	case 0:
		if (h)
			return;
		rc = ms_sys_object_alloc(f->sim, 1 + byte(f) % (MS_KOBJ__COUNT - 2),
					 &h);
		errno_rc(rc, "object_alloc");
		if (rc == 0) {
			ms_handle old = f->objs[i];

			f->objs[i] = h;
			if (old)
				errno_rc(ms_sys_object_free(f->sim, old),
					 "object_free of a replaced handle");
		}
		return;
	case 1:
		if (!h)
			return;
		errno_rc(ms_sys_object_grant(f->sim, h, some_tid(f)), "grant");
		return;
	case 2:
		if (!h)
			return;
		errno_rc(ms_sys_object_revoke(f->sim, h, some_tid(f)), "revoke");
		return;
	case 3:
		f->objs[i] = MS_HANDLE_NONE;
		if (h)
			errno_rc(ms_sys_object_free(f->sim, h), "object_free");
		return;
	case 4:
		if (!h)
			return;
		rc = ms_sys_queue_init(f->sim, h);
		errno_rc(rc, "queue_init");
		rc = ms_sys_queue_alloc_append(f->sim, h,
					       (void *)(uintptr_t)(b + 1));
		errno_rc(rc, "queue_append");
		return;
	default:
		if (!h)
			return;
		errno_rc(ms_sys_queue_get(f->sim, h, &item, byte(f) % 4),
			 "queue_get");
		return;
	}
}

/* A user thread's own objects: it holds permission on each. */
static void op_user_kobj(struct fz *f, ms_handle *mine)
{
	unsigned b = byte(f);
	void *item;
	int rc;

	if (!*mine) {
		rc = ms_sys_object_alloc(f->sim, MS_KOBJ_QUEUE, mine);
		errno_rc(rc, "user object_alloc");
		if (rc == 0) {
			rc = ms_sys_queue_init(f->sim, *mine);
			if (rc)
				fail("queue_init of a new queue", rc);
		} else {
			*mine = MS_HANDLE_NONE;
		}
		return;
	}
	if (b & 1) {
		errno_rc(ms_sys_queue_alloc_append(f->sim, *mine,
						   (void *)(uintptr_t)b),
			 "user queue_append");
	} else if (b & 2) {
		errno_rc(ms_sys_queue_get(f->sim, *mine, &item, b % 3),
			 "user queue_get");
	} else if (b & 4) {
		rc = ms_sys_object_release(f->sim, *mine);
		errno_rc(rc, "release");
		*mine = MS_HANDLE_NONE;
	}
}

static void op_pool(struct fz *f)
{
	unsigned b = byte(f);
	struct ms_pool_attr attr;
	struct palloc *pa = &f->pallocs[byte(f) % MAX_PALLOCS];
	struct palloc cur;
	struct ms_pool *pool;
	char name[16];
	uint8_t buf[64];
	size_t sz;
	void *p;
	int rc;

	if (f->npools == 0 || (b % 8 == 0 && f->npools < MAX_POOLS)) {
		ms_pool_attr_init(&attr);
		attr.max_pages = 1 + b % 4;
		attr.flags = (b & 0x10) ? MS_POOL_TRACK_FREES : 0;
		attr.rare_mode = (enum ms_pool_rare_mode)((b >> 5) % 3);
		snprintf(name, sizeof(name), "p%u", f->npools);
		rc = ms_pool_create(f->sim, name, &attr, &pool);
		errno_rc(rc, "pool_create");
		if (rc == 0 && f->npools < MAX_POOLS)
			f->pools[f->npools++] = pool;
		else if (rc == 0)
			errno_rc(ms_pool_destroy(f->sim, pool, NULL),
				 "pool_destroy");
		return;
	}
	pool = f->pools[byte(f) % f->npools];
	switch (b % 4) {
	case 0:
		errno_rc(ms_pool_seal(f->sim, pool), "pool_seal");
		return;
	case 1:
		/*
		 * A thread may be preempted on its way out of any call, and
		 * another may use the same slot meanwhile: take the slot
		 * before the call, fill it only once the call is over.
		 */
		if (pa->p) {
			struct palloc old = *pa;

			pa->p = NULL;
			rc = ms_pool_free(f->sim, old.pool, old.p, old.size);
			errno_rc(rc, "pool_free");
			return;
		}
		sz = 1 + u16(f) % 600;
		rc = ms_pool_alloc(f->sim, pool, sz, 0, &p);
		errno_rc(rc, "pool_alloc");
		if (rc == 0 && !pa->p) {
			pa->pool = pool;
			pa->size = sz;
			pa->p = p;
		}
		return;
	default:
		if (!pa->p)
			return;
		cur = *pa;
		memset(buf, (int)b, sizeof(buf));
		rc = ms_pool_rare_write(f->sim, cur.pool, cur.p, buf,
					cur.size < sizeof(buf) ? cur.size
							       : sizeof(buf));
		/* It opens a window: only a host failure may refuse it. */
		if (rc && !f->host_failure)
			fail("rare_write inside an allocation", rc);
		errno_rc(rc, "rare_write");
		return;
	}
}

static void op_domain(struct fz *f)
{
	unsigned b = byte(f);
	struct ms_partition part = {
		.start = (uint64_t)(u16(f) % 256) * 4096,
		.size = (uint64_t)(1 + byte(f) % 4) * 4096,
		.user = (b & 2) ? MS_PERM_RW : MS_PERM_READ,
		.supervisor = MS_PERM_RW,
	};
	ms_domain_id dom;
	int rc;

	if (f->ndoms == 0 || (b % 8 == 0 && f->ndoms < MAX_DOMS)) {
		rc = ms_domain_new(f->sim, NULL, &part, 1, &dom);
		errno_rc(rc, "domain_new");
		if (rc == 0 && f->ndoms < MAX_DOMS)
			f->doms[f->ndoms++] = dom;
		else if (rc == 0)
			errno_rc(ms_domain_destroy(f->sim, dom),
				 "domain_destroy");
		return;
	}
	dom = f->doms[byte(f) % f->ndoms];
	switch (b % 4) {
	case 0:
		errno_rc(ms_domain_add_partition(f->sim, dom, &part),
			 "add_partition");
		return;
	case 1:
		errno_rc(ms_domain_remove_partition(f->sim, dom, &part),
			 "remove_partition");
		return;
	default:
		errno_rc(ms_domain_add_thread(f->sim, dom, some_tid(f)),
			 "domain_add_thread");
		return;
	}
}

/* IPC: each thread may own one node, published as "n<k>". */
static void op_ipc(struct fz *f, ms_ipc_handle *own)
{
	unsigned b = byte(f);
	char name[8];
	uint8_t buf[256];
	ms_ipc_handle h;
	struct ms_ipc_out out = { .data = buf, .len = b % sizeof(buf) };
	struct ms_ipc_in in = { .buf = buf, .buf_size = byte(f) % sizeof(buf) };
	int rc;

	snprintf(name, sizeof(name), "n%u", byte(f) % MAX_NODES);
	memset(buf, (int)b, sizeof(buf));
	switch (b % 4) {
	case 0:
		if (*own)
			return;
		rc = ms_ipc_node_new(f->sim, name, own);
		errno_rc(rc, "node_new");
		if (rc)
			*own = MS_IPC_HANDLE_NONE;
		return;
	case 1:
		rc = ms_ipc_lookup(f->sim, name, byte(f) % 3, &h);
		errno_rc(rc, "lookup");
		if (rc == 0) {
			errno_rc(ms_ipc_send(f->sim, h, &out, NULL), "send");
			errno_rc(ms_ipc_handle_close(f->sim, h), "close");
		}
		return;
	case 2:
		if (*own)
			errno_rc(ms_ipc_recv(f->sim, *own, byte(f) % 3, &in),
				 "recv");
		return;
	default:
		if (*own) {
			errno_rc(ms_ipc_node_destroy(f->sim, *own), "destroy");
			*own = MS_IPC_HANDLE_NONE;
		}
		return;
	}
}

static void op_deliberate_fault(struct fz *f, bool user)
{
	ms_domain_id dom;
	unsigned i;

	if (!f->allow_faults)
		return;
	if (user) {
		/* Supervisor only: a user caller is killed with an oops. */
		f->deliberate++;
		ms_domain_new(f->sim, NULL, NULL, 0, &dom);
		fail("user thread survived ms_domain_new", 0);
	}
	/* A plain store into a sealed page of a pool. */
	for (i = 0; i < MAX_PALLOCS; i++) {
		struct palloc cur = f->pallocs[i];
		uint8_t v = 1;

		if (!cur.p)
			continue;
		/* Ours now: no other thread frees it while we seal. */
		f->pallocs[i].p = NULL;
		if (ms_pool_seal(f->sim, cur.pool))
			return;
		f->deliberate++;
		ms_pool_write(f->sim, cur.pool, cur.p, &v, 1);
		fail("store into a sealed page returned", 0);
	}
}

static void entry(struct ms_sim *sim, void *arg)
{
	struct fz *f = arg;
	struct ms_thread_info info;
	ms_handle mine = MS_HANDLE_NONE;
	ms_ipc_handle own = MS_IPC_HANDLE_NONE;
	bool user;
	unsigned n;

	if (ms_thread_info(sim, ms_thread_self(sim), &info))
		fail("thread_info of self", 0);
	user = info.user;
	for (n = 0; n < MAX_OPS_PER_THREAD && more(f); n++) {
		unsigned b = byte(f);

		if (b == 0xfe) {
			op_deliberate_fault(f, user);
			continue;
		}
		switch (b % 12) {
		case 0:
			ms_yield(sim);
			break;
		case 1:
			ms_sleep(sim, byte(f) % 16);
			break;
		case 2:
			ms_busy_wait(sim, byte(f) % 16);
			break;
		case 3:
		case 4:
			op_heap(f, b);
			break;
		case 5:
			if (user)
				op_user_kobj(f, &mine);
			else
				op_kobj(f);
			break;
		case 6:
			op_thread_create(f, user);
			break;
		case 7:
			if (!user)
				op_pool(f);
			break;
		case 8:
			if (!user)
				op_domain(f);
			break;
		case 9:
		case 10:
			op_ipc(f, &own);
			break;
		default:
			if (user)
				op_user_kobj(f, &mine);
			else
				ms_sleep(sim, 1);
			break;
		}
	}
}

static const char *const policies[] = {
	"unlimited", "count", "bytes", "process", "pool",
};
static const char *const host_ops[] = {
	"mmap", "munmap", "mprotect", "guard", "memfd",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_config cfg;
	struct ms_quota_params qp = { 0 };
	struct ms_heap_stats before, after;
	struct fz f;
	unsigned flags, i;
	bool host_failure = false;
	int rc;

	if (size < 6 || size > 4096)
		return -1;
	memset(&f, 0, sizeof(f));
	f.data = data;
	f.size = size;

	ms_config_init(&cfg);
	cfg.seed = byte(&f);
	/* An odd seed keeps no events, only their hash: the charged
	 * allocation and free then take their fast paths (src/alloc). */
	if (cfg.seed & 1)
		cfg.event_log_capacity = 0;
	cfg.tick_limit = FUZZ_TICK_LIMIT;
	flags = byte(&f);
	cfg.time_slice = flags & 3 ? (flags & 3) * 5 : 0;
	f.allow_faults = (flags & 0x0c) == 0x0c;	/* one input in four */
	if (ms_sim_new(&cfg, &f.sim))
		return 0;	/* the host is out of memory: not a finding */

	i = byte(&f);
	qp.limit = (uint64_t)byte(&f) * 64;
	rc = ms_quota_policy_set(f.sim, policies[i % 5], &qp);
	if (rc)
		fail("quota_policy_set", rc);
	if ((flags & 0xf0) == 0xf0) {
		/* One input in sixteen: the host fails an operation. */
		rc = ms_sim_fail_host_call(f.sim, host_ops[i / 5 % 5],
					   1 + byte(&f) % 8);
		if (rc)
			fail("fail_host_call", rc);
		host_failure = true;
		f.host_failure = true;
	}
	if (ms_heap_stats(ms_heap_system(f.sim), &before))
		fail("heap_stats", 0);

	/* One or two first threads, created from the host. */
	op_thread_create(&f, false);
	if (flags & 0x40)
		op_thread_create(&f, false);

	rc = ms_sim_run(f.sim);
	if (rc)
		fail("ms_sim_run", rc);
	if (ms_sim_status(f.sim) != MS_RUN_DONE &&
	    ms_sim_status(f.sim) != MS_RUN_TICK_LIMIT)
		fail("run status", ms_sim_status(f.sim));
	if (!host_failure && ms_sim_fault_count(f.sim) != f.deliberate) {
		for (i = 0; i < ms_sim_fault_count(f.sim); i++) {
			const struct ms_fault *ft = ms_sim_fault_get(f.sim, i);

			fprintf(stderr, "fault %u: %s tid %u\n", i,
				ms_fault_kind_name(ft->kind), ft->tid);
		}
		fail("faults not asked for", (long)ms_sim_fault_count(f.sim));
	}

	if (ms_sim_status(f.sim) == MS_RUN_DONE && !host_failure) {
		for (i = 0; i < MAX_BLOCKS; i++)
			if (f.blocks[i] && ms_heap_free(f.sim, f.blocks[i]))
				fail("host free of a live block", i);
		for (i = 0; i < MAX_OBJS; i++)
			if (f.objs[i])
				errno_rc(ms_sys_object_free(f.sim, f.objs[i]),
					 "host object_free");
		for (i = 0; i < f.npools; i++)
			if (ms_pool_destroy(f.sim, f.pools[i], NULL))
				fail("pool_destroy", i);
		if (ms_heap_stats(ms_heap_system(f.sim), &after))
			fail("heap_stats", 0);
		if (after.allocated_bytes != before.allocated_bytes) {
			fprintf(stderr, "allocated %zu before, %zu after\n",
				before.allocated_bytes, after.allocated_bytes);
			fail("system heap not back to its baseline",
			     (long)(after.allocated_bytes -
				    before.allocated_bytes));
		}
	}
	ms_sim_free(f.sim);
	return 0;
}
