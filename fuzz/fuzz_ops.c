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
 * receive). Operation bytes 0x80..0xdf (op_service) drive the other kernel
 * services: semaphores, mutexes, timers (status sync included), message
 * queues, stacks, pipes, delayed work (init, submit, cancel; its handler
 * gives a semaphore), poll, queue prepend/cancel/is-empty, object checks,
 * making objects public, threads created on thread objects, and IPC
 * requests, replies, dropped replies, handles carried in messages, handle
 * dup/info/close, anonymous nodes, accounting modes (the four built-in
 * ones and one of the harness's, which refuses some messages) and
 * budgets. Operation bytes 0xe0..0xe7 (op_life) drive the thread
 * lifecycle: join with timeouts, abort (of itself, of a dead thread, and
 * by a supervisor of a thread inside an operation an abort may cut short:
 * op_safe()), exit, priority and group changes, and a supervisor's drop to
 * user mode, after which it goes on as a user thread. Supervisor threads
 * share their objects (one table per type);
 * a user thread has objects of its own, and a child it makes with
 * MS_THREAD_INHERIT_PERMS is told which of them it inherited, so that
 * user threads contend too. Sizes, thread counts and waits are bounded,
 * and the run has a tick limit, so one input is cheap.
 *
 * Invariants checked after the run, beyond the sanitizers':
 *   - the run ends (no -EFAULT panic, no deadlock: every wait has a
 *     timeout, and timer status syncs wait only on armed one-shot or
 *     periodic timers that nobody re-initialises);
 *   - the faults recorded are exactly the deliberate ones the program asked
 *     for (rare: a user thread making a supervisor-only call, or a store
 *     into a sealed pool page);
 *   - when every thread finished and no host failure was injected, freeing
 *     what the program still holds brings the system heap's allocated
 *     bytes back to what they were before the run, no IPC identity
 *     holds or reserves anything, owns a handle or a node, and no thread,
 *     group or total holds a charge, with the threads' grants and frees
 *     adding up to the totals' and no peak above the totals';
 *   - ms_sim_free() frees the rest (LeakSanitizer).
 * And during the run: every call returns what its header documents for
 * the state the program knows (a user thread's own objects are never
 * refused; a mutex it holds unlocks, one it does not hold does not; a
 * handle or a reply token it holds is never -EBADF; a message with a
 * handle twice is never queued; a reply too big for its request's room is
 * refused, one that fits is not refused as too big), and what comes back
 * is what went in (message queue, pipe, stack and IPC contents, poll
 * states).
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
#define MAX_SVC 4		/* shared objects of each service type */
#define MAX_SPAWN 8		/* children told what they inherit */
#define MAX_LOCKS 4		/* mutexes a thread keeps count of */
#define MAX_HELD 6		/* IPC handles a thread keeps */
#define MAX_TOKENS 4		/* IPC requests a thread has to answer */
#define MSGQ_MSG_MAX 64		/* bytes in a message queue's message */
#define PIPE_IO_MAX 192		/* bytes in one pipe read or write */
#define PIPE_BYTE 0x3c		/* what every pipe write writes */
#define STACK_MAGIC ((uintptr_t)0x5a5a0000)	/* | a byte: stack values */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct palloc {
	struct ms_pool *pool;
	void *p;
	size_t size;
};

/* The services op_service drives on objects of a type of their own. */
enum svc {
	SVC_SEM,
	SVC_MUTEX,
	SVC_TIMER,
	SVC_MSGQ,
	SVC_STACK,
	SVC_PIPE,
	SVC_DWORK,
	SVC__COUNT
};

static const enum ms_kobj_type svc_type[SVC__COUNT] = {
	MS_KOBJ_SEM, MS_KOBJ_MUTEX, MS_KOBJ_TIMER, MS_KOBJ_MSGQ,
	MS_KOBJ_STACK, MS_KOBJ_PIPE, MS_KOBJ_DELAYED_WORK,
};

struct fz;

/*
 * A thread's entry argument. A user thread that makes a child with
 * MS_THREAD_INHERIT_PERMS lists here the objects the child inherits (its
 * own initialised ones), for the child to check and use; every other
 * thread gets the sim's plain one, which lists nothing.
 */
struct spawn {
	struct fz *f;
	bool busy;			/* taken by a child not started yet */
	ms_handle h[SVC__COUNT];
	ms_handle queue;
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
	/* supervisor-owned objects of each service, initialised */
	ms_handle svc[SVC__COUNT][MAX_SVC];
	struct spawn plain;
	struct spawn spawn[MAX_SPAWN];
	/* threads inside an operation that an abort may cut short */
	ms_tid safe[MAX_THREADS];
};

struct lock {
	ms_handle h;
	unsigned depth;			/* locked, not unlocked yet */
};

struct token {
	uint64_t id;			/* 0: none */
	size_t room_bytes;		/* the room its request asked */
	size_t room_handles;
};

/* What one thread keeps for itself: no other thread reads or writes it. */
struct th {
	struct fz *f;
	ms_tid self;
	bool user;
	int prio;
	unsigned n;			/* operations taken */
	ms_handle mine;			/* op_user_kobj's queue */
	ms_ipc_handle own;		/* op_ipc's node */
	/* user threads: objects of its own, initialised or not yet */
	ms_handle obj[SVC__COUNT];
	bool ready[SVC__COUNT];
	/* user threads: objects it inherited, initialised */
	ms_handle got[SVC__COUNT];
	ms_handle got_queue;
	ms_handle tobj;			/* user threads: thread object */
	struct lock locks[MAX_LOCKS];
	ms_ipc_handle held[MAX_HELD];
	struct token tokens[MAX_TOKENS];
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

/* errno_rc(), and rc is 0 or one of the errnos of ok (0 ends the list). */
static void errno_in(int rc, const char *what, const int *ok)
{
	errno_rc(rc, what);
	if (rc == 0)
		return;
	for (; *ok; ok++)
		if (rc == *ok)
			return;
	fail(what, rc);
}

#define ERRS(...) ((const int[]){ __VA_ARGS__, 0 })

static const int no_errs[] = { 0 };

static void entry(struct ms_sim *sim, void *arg);

/* The entry argument of a child of t (NULL: the host). */
static struct spawn *spawn_arg(struct fz *f, const struct th *t,
			       unsigned options)
{
	unsigned i, k;

	if (!t || !t->user || !(options & MS_THREAD_INHERIT_PERMS))
		return &f->plain;
	for (i = 0; i < MAX_SPAWN; i++) {
		struct spawn *sp = &f->spawn[i];

		if (sp->busy)
			continue;
		sp->busy = true;
		for (k = 0; k < SVC__COUNT; k++)
			sp->h[k] = t->ready[k] ? t->obj[k] : t->got[k];
		sp->queue = t->mine ? t->mine : t->got_queue;
		return sp;
	}
	return &f->plain;
}

/*
 * Create a thread that runs the program too (on thread object tobj unless
 * it is MS_HANDLE_NONE), and count it.
 */
static int spawn(struct fz *f, struct th *t, const struct ms_thread_attr *attr,
		 ms_handle tobj)
{
	struct spawn *sp = spawn_arg(f, t, attr->options);
	ms_tid tid;
	int rc;

	if (tobj)
		rc = ms_sys_thread_create(f->sim, tobj, attr, entry, sp, &tid);
	else
		rc = ms_thread_create(f->sim, attr, entry, sp, &tid);
	errno_rc(rc, "thread_create");
	/* No child will free it (a child that ran has already). */
	if (rc && sp != &f->plain)
		sp->busy = false;
	/* Checked again: the call may have let another thread create. */
	if (rc == 0 && f->threads < MAX_THREADS)
		f->tids[f->threads++] = tid;
	return rc;
}

static void op_thread_create(struct fz *f, struct th *t)
{
	struct ms_thread_attr attr;
	bool user = t && t->user;
	unsigned b = byte(f);

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
	spawn(f, t, &attr, MS_HANDLE_NONE);
}

static ms_tid some_tid(struct fz *f)
{
	unsigned b = byte(f);

	if (f->threads == 0 || b == 0xff)
		return 1000;		/* never created */
	return f->tids[b % f->threads];
}

static void op_heap(struct fz *f, struct th *t, unsigned b)
{
	unsigned i = byte(f) % MAX_BLOCKS;
	void *p = NULL;
	int rc;

	if (f->blocks[i]) {
		void *q = f->blocks[i];

		/* A user thread may free only its own blocks: another's is an
		 * oops (ms_heap_free). It leaves the slot alone. */
		if (t->user && ms_heap_block_owner(q) != t->self)
			return;
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
		if (old && t->user && ms_heap_block_owner(old) != t->self) {
			/* Not this user thread's to free: the slot keeps it,
			 * and the new block goes back. */
			if (ms_heap_free(f->sim, p))
				fail("heap_free of an own block", 0);
			return;
		}
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

/* ---- kernel services (op_service) ---- */

/*
 * Each operation's buffers stay in its own frame. Inlined into one, they
 * would all be on the stack at once: with ASan's redzones the harness was
 * 6 KiB deep in a 16 KiB simulated stack, and the library's own paths
 * (glib's logger among them) overflowed the rest.
 */
#define OP_FRAME __attribute__((noinline))

/*
 * The result of a call on object h of service s made by t. A shared
 * object may be freed by another thread at any time (a stale handle, or
 * -EINTR for a caller that waited on it); a user thread's own or
 * inherited object never is, nor refused by the checks (that would be an
 * oops), so only the documented results of the service remain.
 */
static void svc_rc(const struct th *t, int rc, const char *what,
		   const int *ok)
{
	errno_rc(rc, what);
	if (!t->user && (rc == -EBADF || rc == -EINTR))
		return;
	errno_in(rc, what, ok);
}

/* A wait of timeout ticks ended with rc: nowait (-EBUSY, -ENOMSG) only
 * without a wait, -EAGAIN only after one. */
static void wait_rc(int rc, int nowait, int64_t timeout, const char *what)
{
	if ((rc == nowait && timeout != MS_NO_WAIT) ||
	    (rc == -EAGAIN && timeout == MS_NO_WAIT))
		fail(what, rc);
}

static void dwork_ran(struct ms_sim *sim, ms_handle dw, void *arg)
{
	struct fz *f = arg;
	ms_handle sem = f->svc[SVC_SEM][dw % MAX_SVC];

	/* On sysworkq, a supervisor: it may call the kernel. */
	if (ms_dwork_fired(sim, dw) < 1)
		fail("dwork handler ran before it fired",
		     (long)ms_dwork_fired(sim, dw));
	if (sem)
		svc_rc(&(struct th){ .f = f }, ms_sys_sem_give(sim, sem),
		       "dwork sem_give", no_errs);
}

/*
 * Initialise new object h of service s (nobody else uses it yet). One byte
 * in 256 asks for sizes the call refuses.
 */
static int svc_init(struct th *t, enum svc s, ms_handle h)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	bool bad = b == 0;
	unsigned n = bad ? 0 : 1 + b % 16;
	int rc;

	switch (s) {
	case SVC_SEM:
		n = bad ? 0 : 1 + (b & 3);
		rc = ms_sys_sem_init(f->sim, h, (b >> 2 & 3) % (n + 1), n);
		if (rc != (bad ? -EINVAL : 0))
			fail("sem_init", rc);
		return rc;
	case SVC_MUTEX:
		rc = ms_sys_mutex_init(f->sim, h);
		break;
	case SVC_TIMER:
		rc = ms_sys_timer_init(f->sim, h);
		break;
	case SVC_MSGQ:
		rc = ms_sys_msgq_alloc_init(f->sim, h,
					    bad ? 0 : 1 + b % MSGQ_MSG_MAX,
					    1 + (b >> 4) % 8);
		if (bad && rc != -EINVAL)
			fail("msgq_alloc_init of size 0", rc);
		errno_in(rc, "msgq_alloc_init",
			 ERRS(-EINVAL, -EDQUOT, -ENOMEM));
		return rc;
	case SVC_STACK:
		rc = ms_sys_stack_alloc_init(f->sim, h, n);
		if (bad && rc != -EINVAL)
			fail("stack_alloc_init of 0 entries", rc);
		errno_in(rc, "stack_alloc_init",
			 ERRS(-EINVAL, -EDQUOT, -ENOMEM));
		return rc;
	case SVC_PIPE:
		rc = ms_sys_pipe_alloc_init(f->sim, h,
					    bad ? 0 : 1 + b * 7 % 256);
		if (bad && rc != -EINVAL)
			fail("pipe_alloc_init of size 0", rc);
		errno_in(rc, "pipe_alloc_init",
			 ERRS(-EINVAL, -EDQUOT, -ENOMEM));
		return rc;
	default:
		/* A user thread may not give a handler (it would run on
		 * sysworkq, a supervisor): -EPERM, then none. */
		if (t->user) {
			rc = ms_sys_dwork_init(f->sim, h, dwork_ran, f);
			if (rc != -EPERM)
				fail("user dwork_init with a handler", rc);
		}
		rc = ms_sys_dwork_init(f->sim, h, t->user ? NULL : dwork_ran, f);
		break;
	}
	if (rc)
		fail("init of a new object", rc);
	return 0;
}

/*
 * A shared object of service s, in slot b. An empty slot gets a new one,
 * initialised before it is published (so that nobody re-initialises a
 * published object: a timer re-initialised while a thread waits in
 * status_sync would leave it waiting for ever); that takes the operation.
 */
static ms_handle svc_shared(struct th *t, enum svc s, unsigned b)
{
	struct fz *f = t->f;
	ms_handle *slot = &f->svc[s][b % MAX_SVC];
	ms_handle h = *slot, old;
	int rc;

	if (h)
		return h;
	rc = ms_sys_object_alloc(f->sim, svc_type[s], &h);
	errno_in(rc, "service object_alloc", ERRS(-EDQUOT, -ENOMEM));
	if (rc)
		return MS_HANDLE_NONE;
	if (svc_init(t, s, h)) {
		errno_in(ms_sys_object_free(f->sim, h),
			 "object_free of an unpublished object", no_errs);
		return MS_HANDLE_NONE;
	}
	/* The slot may have been filled meanwhile: the new one wins. */
	old = *slot;
	*slot = h;
	if (old)
		errno_in(ms_sys_object_free(f->sim, old),
			 "object_free of a replaced object", ERRS(-EBADF));
	return MS_HANDLE_NONE;
}

/*
 * A user thread's object of service s: one it inherited (if b says so and
 * it has one), else its own, made and initialised first (that takes the
 * operation; an init refused is tried again by the next one).
 */
static ms_handle svc_own(struct th *t, enum svc s, unsigned b)
{
	struct fz *f = t->f;
	int rc;

	if ((b & 0x80) && t->got[s])
		return t->got[s];
	if (!t->obj[s]) {
		rc = ms_sys_object_alloc(f->sim, svc_type[s], &t->obj[s]);
		errno_in(rc, "user service object_alloc",
			 ERRS(-EDQUOT, -ENOMEM, -ENOSPC));
		if (rc) {
			t->obj[s] = MS_HANDLE_NONE;
			return MS_HANDLE_NONE;
		}
	}
	if (!t->ready[s]) {
		t->ready[s] = svc_init(t, s, t->obj[s]) == 0;
		return MS_HANDLE_NONE;
	}
	return t->obj[s];
}

/* Drop object h of service s: release it, or free a shared one. */
static void svc_drop(struct th *t, enum svc s, unsigned b, ms_handle h)
{
	struct fz *f = t->f;
	ms_handle *slot = &f->svc[s][b % MAX_SVC];
	unsigned i;

	for (i = 0; i < MAX_LOCKS; i++)
		if (t->locks[i].h == h)
			t->locks[i] = (struct lock){ 0 };
	if (!t->user) {
		/* Taken before the call, which may preempt. */
		if (*slot == h)
			*slot = MS_HANDLE_NONE;
		/* Freed already if its last holder died. */
		errno_in(ms_sys_object_free(f->sim, h), "service object_free",
			 ERRS(-EBADF));
		return;
	}
	if (h == t->got[s]) {
		t->got[s] = MS_HANDLE_NONE;
	} else {
		t->obj[s] = MS_HANDLE_NONE;
		t->ready[s] = false;
	}
	errno_in(ms_sys_object_release(f->sim, h), "user release", no_errs);
}

static OP_FRAME void op_sem(struct th *t, ms_handle h, unsigned b)
{
	struct ms_sim *sim = t->f->sim;
	int64_t timeout = byte(t->f) % 8;
	unsigned limit = 1 + (b >> 2 & 3);
	int rc;

	switch (b % 4) {
	case 0:
		svc_rc(t, ms_sys_sem_give(sim, h), "sem_give", no_errs);
		return;
	case 1:
		rc = ms_sys_sem_take(sim, h, timeout);
		svc_rc(t, rc, "sem_take", ERRS(-EBUSY, -EAGAIN));
		wait_rc(rc, -EBUSY, timeout, "sem_take");
		return;
	case 2:
		rc = ms_sys_sem_count_get(sim, h);
		if (rc < 0)
			svc_rc(t, rc, "sem_count_get", no_errs);
		return;
	default:
		/* Again allowed, waiters or not. */
		svc_rc(t, ms_sys_sem_init(sim, h, b >> 4 & 1, limit),
		       "sem_init again", no_errs);
		return;
	}
}

/* The count of a mutex t locked; NULL if none is kept and add is false,
 * or every entry counts a mutex held. */
static struct lock *lock_of(struct th *t, ms_handle h, bool add)
{
	struct lock *free = NULL;
	unsigned i;

	for (i = 0; i < MAX_LOCKS; i++) {
		if (t->locks[i].h == h)
			return &t->locks[i];
		if (!free && t->locks[i].depth == 0)
			free = &t->locks[i];
	}
	if (!add || !free)
		return NULL;
	*free = (struct lock){ .h = h };
	return free;
}

/* Nobody re-initialises a mutex once it is published or shared, so the
 * count a thread keeps says whether it owns it. */
static OP_FRAME void op_mutex(struct th *t, ms_handle h, unsigned b)
{
	struct ms_sim *sim = t->f->sim;
	int64_t timeout = byte(t->f) % 8;
	struct lock *l;
	int rc;

	if (b & 1) {
		l = lock_of(t, h, true);
		if (!l)
			return;
		rc = ms_sys_mutex_lock(sim, h, timeout);
		svc_rc(t, rc, "mutex_lock", ERRS(-EBUSY, -EAGAIN));
		wait_rc(rc, -EBUSY, timeout, "mutex_lock");
		if (rc && l->depth && rc != -EBADF)
			fail("mutex_lock refused to its owner", rc);
		if (rc == 0)
			l->depth++;
		else if (rc == -EBADF)
			*l = (struct lock){ 0 };
		return;
	}
	l = lock_of(t, h, false);
	rc = ms_sys_mutex_unlock(sim, h);
	if (l && l->depth) {
		svc_rc(t, rc, "mutex_unlock by its owner", no_errs);
		if (rc == 0)
			l->depth--;
		else
			*l = (struct lock){ 0 };
		return;
	}
	if (rc == 0)
		fail("mutex_unlock by a thread that does not own it", 0);
	svc_rc(t, rc, "mutex_unlock", ERRS(-EPERM, -EINVAL));
}

static OP_FRAME void op_timer(struct th *t, ms_handle h, unsigned b)
{
	struct fz *f = t->f;
	uint64_t duration = byte(f) % 16;
	uint64_t period = byte(f) % 8;
	int rc;

	switch (b % 4) {
	case 0:
		/*
		 * Shared timers are one-shot, or one left running would keep
		 * the run going to its tick limit; a user thread's timers
		 * go with their last holder.
		 */
		if (!t->user || !(b & 0x10))
			period = 0;
		svc_rc(t, ms_sys_timer_start(f->sim, h, duration, period),
		       "timer_start", no_errs);
		return;
	case 1:
		svc_rc(t, ms_sys_timer_stop(f->sim, h), "timer_stop", no_errs);
		return;
	case 2:
		rc = ms_sys_timer_status_get(f->sim, h);
		break;
	default:
		/*
		 * Waits (with no timeout) for the next expiry or stop of a
		 * running timer; with a host failure, sysworkq may have no
		 * stack and timeouts never fire.
		 */
		if (f->host_failure)
			rc = ms_sys_timer_status_get(f->sim, h);
		else
			rc = ms_sys_timer_status_sync(f->sim, h);
		break;
	}
	if (rc < 0)
		svc_rc(t, rc, "timer_status", no_errs);
}

/* A message queue message: bytes all v (0x80..0xff), then zeros. */
static void msg_check(const uint8_t *buf)
{
	unsigned i;

	if (!(buf[0] & 0x80))
		fail("msgq_get: not a message", buf[0]);
	for (i = 1; i < MSGQ_MSG_MAX && buf[i] == buf[0]; i++)
		;
	for (; i < MSGQ_MSG_MAX; i++)
		if (buf[i])
			fail("msgq_get: message corrupted", i);
}

static OP_FRAME void op_msgq(struct th *t, ms_handle h, unsigned b)
{
	struct ms_sim *sim = t->f->sim;
	int64_t timeout = byte(t->f) % 8;
	uint8_t buf[MSGQ_MSG_MAX];
	int rc;

	switch (b % 3) {
	case 0:
		memset(buf, 0x80 | (int)(b >> 1), sizeof(buf));
		rc = ms_sys_msgq_put(sim, h, buf, timeout);
		svc_rc(t, rc, "msgq_put", ERRS(-ENOMSG, -EAGAIN));
		wait_rc(rc, -ENOMSG, timeout, "msgq_put");
		return;
	case 1:
		memset(buf, 0, sizeof(buf));
		rc = ms_sys_msgq_get(sim, h, buf, timeout);
		svc_rc(t, rc, "msgq_get", ERRS(-ENOMSG, -EAGAIN));
		wait_rc(rc, -ENOMSG, timeout, "msgq_get");
		if (rc == 0)
			msg_check(buf);
		return;
	default:
		rc = ms_sys_msgq_num_used_get(sim, h);
		if (rc < 0)
			svc_rc(t, rc, "msgq_num_used_get", no_errs);
		return;
	}
}

static OP_FRAME void op_stack(struct th *t, ms_handle h, unsigned b)
{
	struct ms_sim *sim = t->f->sim;
	int64_t timeout = byte(t->f) % 8;
	uintptr_t v = 0;
	int rc;

	if (b & 1) {
		svc_rc(t, ms_sys_stack_push(sim, h, STACK_MAGIC | (b & 0xff)),
		       "stack_push", ERRS(-ENOMEM));
		return;
	}
	rc = ms_sys_stack_pop(sim, h, &v, timeout);
	svc_rc(t, rc, "stack_pop", ERRS(-EBUSY, -EAGAIN));
	wait_rc(rc, -EBUSY, timeout, "stack_pop");
	if (rc == 0 && (v & ~(uintptr_t)0xff) != STACK_MAGIC)
		fail("stack_pop: a value nobody pushed", (long)v);
}

/* Every pipe write writes PIPE_BYTE: a read reads nothing else. */
static OP_FRAME void op_pipe(struct th *t, ms_handle h, unsigned b)
{
	struct fz *f = t->f;
	size_t len = byte(f) % PIPE_IO_MAX;
	int64_t timeout = byte(f) % 8;
	uint8_t buf[PIPE_IO_MAX];
	size_t i;
	int rc;

	if (b & 1) {
		memset(buf, PIPE_BYTE, sizeof(buf));
		rc = ms_sys_pipe_write(f->sim, h, buf, len, timeout);
	} else {
		memset(buf, 0, sizeof(buf));
		rc = ms_sys_pipe_read(f->sim, h, buf, len, timeout);
	}
	if (rc < 0) {
		svc_rc(t, rc, "pipe_read/write", ERRS(-EAGAIN));
		if (len == 0 && rc != -EBADF)
			fail("pipe_read/write of 0 bytes failed", rc);
		return;
	}
	/* A count: at most len, 0 only for len 0 (else -EAGAIN). */
	if ((size_t)rc > len || (rc == 0) != (len == 0))
		fail("pipe_read/write count", rc);
	if (!(b & 1))
		for (i = 0; i < (size_t)rc; i++)
			if (buf[i] != PIPE_BYTE)
				fail("pipe_read: a byte nobody wrote", buf[i]);
}

static OP_FRAME void op_dwork(struct th *t, ms_handle h, unsigned b)
{
	struct fz *f = t->f;
	uint64_t delay = byte(f) % 16;
	int64_t fired;
	int rc;

	switch (b % 3) {
	case 0:
		/* 1 armed, 0 already armed */
		rc = ms_sys_dwork_submit(f->sim, h, delay);
		if (rc != 1)
			svc_rc(t, rc, "dwork_submit", ERRS(-EDQUOT, -ENOMEM));
		return;
	case 1:
		rc = ms_sys_dwork_cancel(f->sim, h);
		if (rc != 1)
			svc_rc(t, rc, "dwork_cancel", no_errs);
		return;
	default:
		fired = ms_dwork_fired(f->sim, h);
		if (fired < 0 && (t->user || fired != -EBADF))
			fail("dwork_fired", (long)fired);
		/* Again allowed while idle; a handler from a user thread
		 * never (-EPERM, armed or not). */
		if (t->user) {
			rc = ms_sys_dwork_init(f->sim, h, dwork_ran, f);
			if (rc != -EPERM)
				fail("user dwork_init again with a handler", rc);
		}
		svc_rc(t, ms_sys_dwork_init(f->sim, h,
					    t->user ? NULL : dwork_ran, f),
		       "dwork_init again", ERRS(-EBUSY));
		return;
	}
}

static OP_FRAME void op_svc(struct th *t, enum svc s)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	unsigned op = byte(f);
	ms_handle h = t->user ? svc_own(t, s, b) : svc_shared(t, s, b);

	if (!h)
		return;
	if (op % 8 == 7) {
		svc_drop(t, s, b, h);
		return;
	}
	op /= 8;
	switch (s) {
	case SVC_SEM:
		op_sem(t, h, op);
		return;
	case SVC_MUTEX:
		op_mutex(t, h, op);
		return;
	case SVC_TIMER:
		op_timer(t, h, op);
		return;
	case SVC_MSGQ:
		op_msgq(t, h, op);
		return;
	case SVC_STACK:
		op_stack(t, h, op);
		return;
	case SVC_PIPE:
		op_pipe(t, h, op);
		return;
	default:
		op_dwork(t, h, op);
		return;
	}
}

/* An object for a poll event of type type, initialised (or a stale or
 * foreign one, for a supervisor: the call refuses it). */
static ms_handle poll_obj(struct th *t, uint32_t type, unsigned b)
{
	static const enum svc of[] = {
		[MS_POLL_TYPE_SEM_AVAILABLE] = SVC_SEM,
		[MS_POLL_TYPE_MSGQ_DATA_AVAILABLE] = SVC_MSGQ,
		[MS_POLL_TYPE_PIPE_DATA_AVAILABLE] = SVC_PIPE,
	};
	struct fz *f = t->f;
	enum svc s;

	if (type == MS_POLL_TYPE_IGNORE)
		return MS_HANDLE_NONE;
	if (type == MS_POLL_TYPE_DATA_AVAILABLE) {
		if (!t->user)
			return f->objs[b % MAX_OBJS];
		return (b & 1) && t->got_queue ? t->got_queue : t->mine;
	}
	s = of[type];
	if (!t->user)
		return f->svc[s][b % MAX_SVC];
	if ((b & 1) && t->got[s])
		return t->got[s];
	return t->ready[s] ? t->obj[s] : MS_HANDLE_NONE;
}

static const uint32_t poll_bit[] = {
	[MS_POLL_TYPE_IGNORE] = 0,
	[MS_POLL_TYPE_SEM_AVAILABLE] = MS_POLL_STATE_SEM_AVAILABLE,
	[MS_POLL_TYPE_DATA_AVAILABLE] = MS_POLL_STATE_DATA_AVAILABLE,
	[MS_POLL_TYPE_MSGQ_DATA_AVAILABLE] = MS_POLL_STATE_MSGQ_DATA_AVAILABLE,
	[MS_POLL_TYPE_PIPE_DATA_AVAILABLE] = MS_POLL_STATE_PIPE_DATA_AVAILABLE,
};

static OP_FRAME void op_poll(struct th *t)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	int64_t timeout = byte(f) % 8;
	struct ms_poll_event ev[4], want[4];
	unsigned n = b % 5, i, ready = 0;
	bool unknown = false;
	int rc;

	memset(ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		unsigned e = byte(f);

		ev[i].type = e % 5;
		ev[i].state = 0;
		ev[i].obj = poll_obj(t, ev[i].type, e >> 3);
		ev[i].tag = e * 0x01010101u;
		/* A user thread polls only what it may: else an oops. */
		if (t->user && !ev[i].obj)
			ev[i].type = MS_POLL_TYPE_IGNORE;
	}
	if (n && !t->user && (b & 0xf8) == 0xf8) {
		ev[n - 1].type = 7;	/* no such type: -EINVAL */
		unknown = true;
	}
	memcpy(want, ev, sizeof(ev));
	rc = ms_sys_poll(f->sim, ev, (int)n, timeout);
	if (n == 0 && rc != -EINVAL)
		fail("poll of no event", rc);
	if (t->user)
		errno_in(rc, "user poll",
			 ERRS(-EAGAIN, -EINVAL, -EDQUOT, -ENOMEM));
	else
		errno_in(rc, "poll", ERRS(-EAGAIN, -EINVAL, -EDQUOT, -ENOMEM,
					  -EBADF, -EINTR));
	if (rc == 0 && unknown)
		fail("poll of an unknown event type", rc);
	if (rc == -EINVAL && t->user && n)
		fail("user poll of valid events", rc);
	for (i = 0; i < n; i++) {
		if (ev[i].type != want[i].type || ev[i].obj != want[i].obj ||
		    ev[i].tag != want[i].tag)
			fail("poll changed an event", i);
		if (ev[i].type < 5 && (ev[i].state & ~poll_bit[ev[i].type]))
			fail("poll state of another type", ev[i].state);
		ready += ev[i].state != 0;
	}
	if (rc == 0 && !ready)
		fail("poll returned with no event ready", 0);
	if (rc == -EAGAIN && ready)
		fail("poll timed out with an event ready", ready);
}

/* Queues beyond op_kobj's append/get, and object checks. */
static OP_FRAME void op_queue_more(struct th *t)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	unsigned c = byte(f);
	enum ms_kobj_init_check init;
	enum ms_kobj_type type;
	ms_handle q, h;
	void *item;
	int rc;

	if (t->user)
		q = (b & 0x80) && t->got_queue ? t->got_queue : t->mine;
	else
		q = f->objs[c % MAX_OBJS];
	switch (b % 5) {
	case 0:
		if (!q)
			return;
		rc = ms_sys_queue_alloc_prepend(f->sim, q,
						(void *)(uintptr_t)(c + 1));
		break;
	case 1:
		if (!q)
			return;
		rc = ms_sys_queue_cancel_wait(f->sim, q);
		break;
	case 2:
		if (!q)
			return;
		rc = ms_sys_queue_is_empty(f->sim, q);
		if (rc == 0 || rc == 1)
			return;
		break;
	case 3:
		if (!q || !t->user)
			return;
		/* -EINTR: another holder of an inherited queue cancelled. */
		errno_in(ms_sys_queue_get(f->sim, q, &item, c % 4),
			 "user queue_get", ERRS(-EAGAIN, -EINTR));
		return;
	default:
		/* Never kills, whatever the handle. */
		type = (enum ms_kobj_type)(c / 2 % MS_KOBJ__COUNT);
		init = (enum ms_kobj_init_check)((int)(b / 5 % 3) - 1);
		h = (c & 1) ? f->objs[c / 2 % MAX_OBJS] : t->mine;
		rc = ms_sys_object_check(f->sim, h, type, init);
		errno_in(rc, "object_check",
			 ERRS(-EBADF, -EPERM, -EINVAL, -EADDRINUSE));
		/* Its own initialised queue passes, as a queue or any type. */
		if (rc && h && h == t->mine && init != MS_KOBJ_INIT_FALSE &&
		    (type == MS_KOBJ_ANY || type == MS_KOBJ_QUEUE))
			fail("object_check of its own queue", rc);
		return;
	}
	if (t->user)
		errno_in(rc, "user queue call", ERRS(-EDQUOT, -ENOMEM));
	else
		errno_in(rc, "queue call",
			 ERRS(-EDQUOT, -ENOMEM, -EBADF, -EINVAL));
}

/* ---- IPC: requests, replies, handles in messages ---- */

static ms_ipc_handle *held_free(struct th *t)
{
	unsigned i;

	for (i = 0; i < MAX_HELD; i++)
		if (!t->held[i])
			return &t->held[i];
	return NULL;
}

/* Keep handle h, or close it if there is no room. */
static void held_add(struct th *t, ms_ipc_handle h)
{
	ms_ipc_handle *slot = held_free(t);

	if (slot)
		*slot = h;
	else
		errno_in(ms_ipc_handle_close(t->f->sim, h),
			 "close of a handle received", no_errs);
}

/* Handles sent away are no longer the sender's. */
static void held_gone(struct th *t, const ms_ipc_handle *hs, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < MAX_HELD; j++)
			if (t->held[j] == hs[i])
				t->held[j] = MS_IPC_HANDLE_NONE;
}

/*
 * The handles a message carries, chosen by c among those held (never the
 * thread's own node's: it would lose it), all different unless *dup says
 * one is there twice.
 */
static size_t carry(struct th *t, ms_ipc_handle *hs, unsigned c, bool *dup)
{
	unsigned a = (c >> 2) % MAX_HELD, b = (c >> 5) % MAX_HELD;
	size_t n = 0;

	if (c % 3 >= 1 && t->held[a])
		hs[n++] = t->held[a];
	if (c % 3 == 2 && b != a && t->held[b])
		hs[n++] = t->held[b];
	*dup = n && (c & 0x02);
	if (*dup)
		hs[n++] = hs[0];
	return n;
}

/* A handle to send to: a held one, else one looked up (and kept). */
static ms_ipc_handle ipc_dst(struct th *t, unsigned b)
{
	ms_ipc_handle *slot = &t->held[b % MAX_HELD];
	char name[8];
	int rc;

	if ((b & 0x80) && t->own)
		return t->own;
	if (*slot)
		return *slot;
	snprintf(name, sizeof(name), "n%u", b / 8 % MAX_NODES);
	rc = ms_ipc_lookup(t->f->sim, name, MS_NO_WAIT, slot);
	errno_in(rc, "lookup", ERRS(-ENOENT));
	if (rc)
		*slot = MS_IPC_HANDLE_NONE;
	return *slot;
}

/*
 * What a send of held handles (to a held handle, or as a reply) may
 * return: a handle twice is refused, unless the node is gone first;
 * otherwise never -EBADF; -EACCES is the harness mode's refusal.
 */
static void send_rc(int rc, bool dup, const char *what)
{
	if (dup)
		errno_in(rc ? rc : -1, what, ERRS(-EINVAL, -EPIPE));
	else
		errno_in(rc, what, ERRS(-EDQUOT, -ENOBUFS, -EPIPE, -ENOMEM,
					-EACCES));
}

/* Plain messages and replies: every byte is the length (as op_ipc's). */
static void fill(uint8_t *buf, size_t len)
{
	memset(buf, (int)(len & 0xff), len);
}

static OP_FRAME void op_ipc_request(struct th *t)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	unsigned c = byte(f);
	unsigned d = byte(f);
	struct token *tk = &t->tokens[c % MAX_TOKENS], cur;
	ms_ipc_handle hs[3], h, rh[4];
	uint8_t buf[256];
	struct ms_ipc_out out = { .data = buf, .handles = hs };
	struct ms_ipc_in in = { .buf = buf, .handles = rh };
	bool dup, big;
	uint64_t id = 0;
	size_t i;
	int rc;

	switch (b % 4) {
	case 0:
		/* A request: its first two bytes say the room it asks. */
		h = ipc_dst(t, c);
		if (!h)
			return;
		out.n_handles = carry(t, hs, d, &dup);
		out.len = 2 + b / 4 % 62;
		fill(buf, out.len);
		buf[0] = (uint8_t)(d * 7);
		buf[1] = (uint8_t)(d / 64);
		rc = ms_ipc_request(f->sim, h, &out, t->own ? t->own : h,
				    buf[0], buf[1], &id);
		send_rc(rc, dup, "request");
		if (rc == 0 && !id)
			fail("request without an id", 0);
		if (rc == 0)
			held_gone(t, hs, out.n_handles);
		return;
	case 1:
		if (!t->own)
			return;
		in.buf_size = (c & 0x80) ? c % 64 : sizeof(buf);
		in.handles_size = c % 5;
		rc = ms_ipc_recv(f->sim, t->own, d % 3, &in);
		/* Its own node: neither gone, nor someone else's. */
		errno_in(rc, "recv with handles", ERRS(-EAGAIN, -EMSGSIZE));
		if (rc == -EMSGSIZE && in.len <= in.buf_size &&
		    in.n_handles <= in.handles_size)
			fail("recv: -EMSGSIZE for a message that fits", 0);
		if (rc)
			return;
		if (in.len > in.buf_size || in.n_handles > in.handles_size)
			fail("recv: more than the room", (long)in.len);
		if (!!(in.flags & MS_IPC_MSG_REQUEST) != !!in.token)
			fail("recv: a request without a token", (long)in.flags);
		if ((in.flags & MS_IPC_MSG_REPLY) && !in.in_reply_to)
			fail("recv: a reply to nothing", 0);
		i = (in.flags & MS_IPC_MSG_REQUEST) ? 2 : 0;
		for (; i < in.len; i++)
			if (buf[i] != (in.len & 0xff))
				fail("recv: message corrupted", (long)i);
		for (i = 0; i < in.n_handles; i++) {
			if (!in.handles[i])
				fail("recv: no handle", (long)i);
			held_add(t, in.handles[i]);
		}
		if (!in.token)
			return;
		if (in.len < 2)
			fail("recv: a request too short", (long)in.len);
		if (tk->id) {
			errno_in(ms_ipc_reply_drop(f->sim, in.token),
				 "reply_drop of a token received", no_errs);
			return;
		}
		*tk = (struct token){ in.token, buf[0], buf[1] };
		return;
	case 2:
		if (!tk->id)
			return;
		out.n_handles = carry(t, hs, d, &dup);
		out.len = b / 4 % 80;
		fill(buf, out.len);
		big = out.len > tk->room_bytes ||
		      out.n_handles > tk->room_handles;
		/* Used up unless refused (other than -EPIPE). */
		cur = *tk;
		tk->id = 0;
		rc = ms_ipc_reply(f->sim, cur.id, &out);
		if (big)
			errno_in(rc ? rc : -1, "reply bigger than its room",
				 ERRS(-EMSGSIZE, -EPIPE));
		else
			send_rc(rc, dup, "reply within its room");
		if (rc == 0)
			held_gone(t, hs, out.n_handles);
		else if (rc != -EPIPE)
			*tk = cur;
		return;
	default:
		if (!tk->id)
			return;
		cur = *tk;
		tk->id = 0;
		errno_in(ms_ipc_reply_drop(f->sim, cur.id), "reply_drop",
			 no_errs);
		return;
	}
}

static OP_FRAME void op_ipc_handles(struct th *t)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	unsigned c = byte(f);
	ms_ipc_handle *slot = &t->held[c % MAX_HELD], *to, hs[3], h;
	struct ms_ipc_handle_info info;
	uint8_t buf[128];
	struct ms_ipc_out out = { .data = buf, .handles = hs };
	char name[8];
	bool dup;
	int rc;

	switch (b % 5) {
	case 0:
		if (*slot) {
			h = *slot;
			*slot = MS_IPC_HANDLE_NONE;
			errno_in(ms_ipc_handle_close(f->sim, h), "close",
				 no_errs);
			return;
		}
		snprintf(name, sizeof(name), "n%u", c / 8 % MAX_NODES);
		rc = ms_ipc_lookup(f->sim, name, b / 5 % 3, slot);
		errno_in(rc, "lookup", ERRS(-ENOENT, -EAGAIN));
		if ((rc == -ENOENT) != (rc && b / 5 % 3 == 0))
			fail("lookup errno for its timeout", rc);
		if (rc)
			*slot = MS_IPC_HANDLE_NONE;
		return;
	case 1:
		/* A second handle, to keep one while the other travels. */
		h = (c & 0x80) && t->own ? t->own : *slot;
		to = held_free(t);
		if (!h || !to)
			return;
		rc = ms_ipc_handle_dup(f->sim, h, to);
		errno_in(rc, "dup of a handle held", no_errs);
		return;
	case 2:
		h = ipc_dst(t, c);
		if (!h)
			return;
		out.n_handles = carry(t, hs, b / 5, &dup);
		out.len = byte(f) % sizeof(buf);
		fill(buf, out.len);
		rc = ms_ipc_send(f->sim, h, &out, NULL);
		send_rc(rc, dup, "send with handles");
		if (rc == 0)
			held_gone(t, hs, out.n_handles);
		return;
	case 3:
		h = (c & 0x80) && t->own ? t->own : *slot;
		if (!h)
			return;
		rc = ms_ipc_handle_info(f->sim, h, &info);
		errno_in(rc, "handle_info of a handle held", no_errs);
		if (info.handle != h || info.holder != t->self)
			fail("handle_info", (long)info.handle);
		if (h == t->own && (!info.node_alive || info.owner != t->self))
			fail("handle_info of its own node", info.node_alive);
		return;
	default:
		/* An anonymous node: reachable only through handles sent. */
		if (t->own)
			return;
		rc = ms_ipc_node_new(f->sim, NULL, &t->own);
		errno_in(rc, "anonymous node_new", no_errs);
		if (rc)
			t->own = MS_IPC_HANDLE_NONE;
		return;
	}
}

/*
 * An accounting mode of the harness's: who pays, the rule and the reply
 * reservation change from one message to the next, and one message in
 * eleven is refused outright (-EACCES), as a mode may.
 */
static int fuzz_plan(void *state, const struct ms_ipc_send_info *s,
		     struct ms_ipc_plan *plan)
{
	unsigned *n = state;
	unsigned v = (unsigned)(s->cost.bytes + s->cost.handles) + (*n)++;

	if (v % 11 == 10)
		return -EACCES;
	plan->payer = (v & 1) ? MS_IPC_PAY_RECEIVER : MS_IPC_PAY_SENDER;
	plan->rule = (v & 2) ? MS_IPC_RULE_FAIR_SHARE : MS_IPC_RULE_BUDGET;
	plan->reserve_reply = s->request && (v & 4);
	return 0;
}

static const struct ms_ipc_mode_ops fuzz_mode = {
	.name = "fuzz",
	.summary = "the harness's: a different plan for every message",
	.state_size = sizeof(unsigned),
	.plan = fuzz_plan,
};

static const char *const ipc_modes[] = {
	"sender-pays", "receiver-pays", "fair-share", "request-reply", "fuzz",
	"no-such-mode",
};

/* A thread on a thread object: a supervisor's shared one (any object:
 * others are refused), a user thread's own. */
static OP_FRAME void op_thread_obj(struct th *t, unsigned b)
{
	struct fz *f = t->f;
	struct ms_thread_attr attr;
	ms_handle h;
	int rc;

	ms_thread_attr_init(&attr);
	if (b & 0x08)
		attr.options |= MS_THREAD_INHERIT_PERMS;
	if (!t->user) {
		h = f->objs[b / 16 % MAX_OBJS];
		if (!h || f->threads >= MAX_THREADS)
			return;
		attr.priority = (int)(b % 8) - 4;
		if (b & 0x10)
			attr.options |= MS_THREAD_USER;
		spawn(f, t, &attr, h);
		return;
	}
	if (!t->tobj) {
		rc = ms_sys_object_alloc(f->sim, MS_KOBJ_THREAD, &t->tobj);
		errno_in(rc, "user thread object_alloc",
			 ERRS(-EDQUOT, -ENOMEM, -ENOSPC));
		if (rc)
			t->tobj = MS_HANDLE_NONE;
		return;
	}
	if (b & 0x80) {
		h = t->tobj;
		t->tobj = MS_HANDLE_NONE;
		errno_in(ms_sys_object_release(f->sim, h),
			 "release of a thread object", no_errs);
		return;
	}
	/* Free unless a child still runs on it (never the other way
	 * round meanwhile: only this thread starts one on it). */
	rc = ms_sys_object_check(f->sim, t->tobj, MS_KOBJ_THREAD,
				 MS_KOBJ_INIT_FALSE);
	errno_in(rc, "check of a thread object", ERRS(-EADDRINUSE));
	if (rc || f->threads >= MAX_THREADS)
		return;
	/* A user thread, no more urgent than its creator. */
	attr.options |= MS_THREAD_USER;
	attr.priority = t->prio + (int)(b % 4);
	if (attr.priority > MS_PRIO_MAX)
		attr.priority = MS_PRIO_MAX;
	spawn(f, t, &attr, t->tobj);
}

/* IPC modes and budgets, IPC counters, threads on thread objects. */
static OP_FRAME void op_misc(struct th *t)
{
	struct fz *f = t->f;
	unsigned b = byte(f);
	unsigned c = byte(f);
	struct ms_ipc_amount lim = {
		.bytes = (uint64_t)c * 32, .msgs = c % 16, .handles = c % 8,
	};
	struct ms_ipc_stats st;
	ms_handle h;
	size_t i;
	int rc;

	switch (b % 6) {
	case 0:
		rc = ms_ipc_mode_set(f->sim, ipc_modes[c % 6]);
		if (t->user)
			errno_in(rc ? rc : -1, "user ipc_mode_set",
				 ERRS(-EPERM));
		else if (rc != (c % 6 == 5 ? -ENOENT : 0))
			fail("ipc_mode_set", rc);
		return;
	case 1:
		if (b & 0x40)
			rc = ms_ipc_budget_reset(f->sim, c % 4);
		else if (b & 0x80)
			rc = ms_ipc_budget_default_set(f->sim, &lim);
		else
			rc = ms_ipc_budget_set(f->sim, c / 8 % 4, &lim);
		if (rc != (t->user ? -EPERM : 0))
			fail("ipc budget", rc);
		return;
	case 2:
		rc = ms_ipc_stats(f->sim, c % 5 == 4 ? MS_IPC_GROUP_ALL : c % 5,
				  NULL, &st);
		if (rc)
			fail("ipc_stats", rc);
		if (st.reserved.bytes > st.held.bytes ||
		    st.reserved.msgs > st.held.msgs ||
		    st.reserved.handles > st.held.handles)
			fail("ipc reserved more than held",
			     (long)st.reserved.bytes);
		for (i = 0; i < ms_ipc_group_count(f->sim); i++)
			if (ms_ipc_group_at(f->sim, i) == MS_IPC_GROUP_ALL)
				fail("ipc_group_at inside the count", (long)i);
		return;
	case 3:
		op_thread_obj(t, c);
		return;
	case 4:
		rc = ms_sys_thread_handle(f->sim, some_tid(f), &h);
		errno_in(rc, "thread_handle", ERRS(-ESRCH));
		return;
	default:
		/* Public for ever; still freed with its last holder. */
		if (t->user)
			h = t->ready[c % SVC__COUNT] ? t->obj[c % SVC__COUNT]
						     : t->mine;
		else
			h = f->svc[c % SVC__COUNT][c / 8 % MAX_SVC];
		if (!h)
			return;
		rc = ms_sys_object_make_public(f->sim, h);
		if (t->user)
			errno_in(rc, "user make_public", no_errs);
		else
			errno_in(rc, "make_public", ERRS(-EBADF));
		return;
	}
}

/* Operation bytes 0x80..0xdf: the services op_kobj and op_ipc leave. */
static void op_service(struct th *t, unsigned k)
{
	switch (k % 12) {
	case 7:
		op_poll(t);
		return;
	case 8:
		op_queue_more(t);
		return;
	case 9:
		op_ipc_request(t);
		return;
	case 10:
		op_ipc_handles(t);
		return;
	case 11:
		op_misc(t);
		return;
	default:
		op_svc(t, (enum svc)(k % 12));
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

/*
 * Take the objects a user parent says this thread inherited: those it
 * holds a permission bit on (it has a thread index, and so had its
 * parent), all initialised. Only it can drop that bit, so they stay
 * usable. (Introspection, not a syscall: no tick is spent.)
 */
static void inherit(struct th *t, struct spawn *sp)
{
	struct spawn gift = *sp;
	unsigned k;
	int rc;

	sp->busy = false;	/* the slot is free again */
	for (k = 0; k <= SVC__COUNT; k++) {
		ms_handle h = k < SVC__COUNT ? gift.h[k] : gift.queue;

		if (!h)
			continue;
		rc = ms_kobj_has_perm(t->f->sim, h, t->self);
		if (rc != 1) {
			/* Freed with its last holder, if nobody kept it. */
			errno_in(rc, "has_perm of an inherited object",
				 ERRS(-EBADF));
			continue;
		}
		if (k < SVC__COUNT)
			t->got[k] = h;
		else
			t->got_queue = h;
	}
}

/*
 * Whether an abort by another thread may cut operation b short: only if
 * what it changes, beyond the kernel's state (which the kernel must clean
 * up after a dead thread), is this thread's own struct th, which dies with
 * it. The shared slots (heap blocks, pool allocations, supervisors'
 * objects, pools, domains, thread ids, spawn slots, deliberate faults) are
 * filled around calls that may preempt: not those.
 */
static bool op_safe(const struct th *t, unsigned b)
{
	if (b == 0xfe)
		return false;
	if (b >= 0x80 && b < 0xe0) {
		b = (b - 0x80) % 12;
		return b < 7 ? t->user : b < 11;
	}
	if (b >= 0xe0 && b < 0xe8)
		return b == 0xe0 || b == 0xe4 || b == 0xe5;
	switch (b % 12) {
	case 3:
	case 4:
	case 6:
		return false;
	case 5:
	case 7:
	case 8:
		return t->user;
	default:
		return true;
	}
}

/* While t is inside an operation op_safe() allows: others may abort it. */
static unsigned safe_enter(struct th *t)
{
	unsigned i;

	for (i = 0; i < MAX_THREADS; i++) {
		if (!t->f->safe[i]) {
			t->f->safe[i] = t->self;
			return i;
		}
	}
	return MAX_THREADS;
}

static void safe_leave(struct th *t, unsigned i)
{
	if (i < MAX_THREADS && t->f->safe[i] == t->self)
		t->f->safe[i] = MS_TID_NONE;
}

static void run(struct th *t);

/* After ms_user_mode_enter(): the same program, as a user thread. */
static void user_cont(struct ms_sim *sim, void *arg)
{
	struct th *t = arg;
	struct ms_thread_info info;

	if (ms_thread_info(sim, t->self, &info) || !info.user)
		fail("thread not in user mode after user_mode_enter", 0);
	t->user = true;
	t->n++;			/* the operation that entered it */
	run(t);
}

/* Whether tid is dead (or never was); no tick is spent. */
static bool gone(struct fz *f, ms_tid tid)
{
	struct ms_thread_info info;
	int rc = ms_thread_info(f->sim, tid, &info);

	errno_in(rc, "thread_info", ERRS(-ENOENT));
	return rc != 0;
}

/* Operation bytes 0xe0..0xe7: thread lifecycle. */
static OP_FRAME void op_life(struct th *t, unsigned k)
{
	struct fz *f = t->f;
	unsigned c = byte(f);
	struct ms_thread_info info;
	ms_tid tid;
	int64_t timeout;
	int prio, rc;
	uint32_t group;
	unsigned i, n;

	switch (k) {
	case 0:
		tid = (c & 0x80) ? t->self : some_tid(f);
		timeout = c % 16;
		if (tid != t->self && tid != 1000 && gone(f, tid)) {
			if (ms_thread_join(f->sim, tid, timeout))
				fail("join of a dead thread", tid);
			return;
		}
		rc = ms_thread_join(f->sim, tid, timeout);
		if (tid == t->self)
			errno_in(rc ? rc : -1, "join of itself", ERRS(-EDEADLK));
		else if (tid == 1000)
			errno_in(rc ? rc : -1, "join of no thread", ERRS(-ENOENT));
		else
			errno_in(rc, "join", ERRS(-EBUSY, -EAGAIN));
		wait_rc(rc, -EBUSY, timeout, "join");
		if (rc == 0 && !gone(f, tid))
			fail("join returned with the thread alive", tid);
		return;
	case 1:
		/* A thread that is dead, never was, or itself. */
		tid = some_tid(f);
		if (tid == t->self) {
			ms_thread_abort(f->sim, tid);
			fail("abort of itself returned", 0);
		}
		if (gone(f, tid)) {
			rc = ms_thread_abort(f->sim, tid);
			errno_in(rc ? rc : -1, "abort of a dead thread",
				 ERRS(-ENOENT));
			return;
		}
		if (!t->user)
			return;		/* not a safe place: case 7 */
		rc = ms_thread_abort(f->sim, tid);
		errno_in(rc ? rc : -1, "user abort of another thread",
			 ERRS(-EPERM));
		return;
	case 2:
		ms_thread_abort(f->sim, t->self);
		fail("abort of itself returned", 0);
		return;
	case 3:
		ms_thread_exit(f->sim);
		return;
	case 4:
		tid = (c & 1) ? t->self : some_tid(f);
		prio = (int)(byte(f) % 40) - 20;
		rc = ms_thread_priority_set(f->sim, tid, prio);
		if (tid == t->self) {
			if (prio < MS_PRIO_MIN || prio > MS_PRIO_MAX)
				errno_in(rc ? rc : -1, "priority_set of itself",
					 ERRS(-EINVAL));
			else if (rc != (t->user ? -EPERM : 0))
				fail("priority_set of itself", rc);
			if (rc == 0)
				t->prio = prio;
			return;
		}
		if (tid == 1000)
			errno_in(rc ? rc : -1, "priority_set of no thread",
				 ERRS(-ENOENT));
		else if (t->user)
			errno_in(rc ? rc : -1, "user priority_set",
				 ERRS(-ENOENT, -EINVAL, -EPERM));
		else if (prio < MS_PRIO_MIN || prio > MS_PRIO_MAX)
			errno_in(rc ? rc : -1, "priority_set out of range",
				 ERRS(-ENOENT, -EINVAL));
		else
			errno_in(rc, "priority_set", ERRS(-ENOENT));
		if (rc == -ENOENT && !gone(f, tid))
			fail("priority_set: -ENOENT for a live thread", tid);
		return;
	case 5:
		tid = (c & 1) ? t->self : some_tid(f);
		group = (c >> 1) % 5;
		rc = ms_thread_group_set(f->sim, tid, group);
		if (t->user) {
			if (tid == t->self)
				errno_in(rc ? rc : -1, "user group_set",
					 ERRS(-EPERM));
			else
				errno_in(rc ? rc : -1, "user group_set",
					 ERRS(-EPERM, -ENOENT));
			return;
		}
		errno_in(rc, "group_set", ERRS(-ENOENT, -ENOMEM));
		if (rc == -ENOENT && (tid == t->self || !gone(f, tid)))
			fail("group_set: -ENOENT for a live thread", tid);
		if (tid == 1000 && rc != -ENOENT)
			fail("group_set of no thread", rc);
		if (rc == 0 && tid == t->self &&
		    (ms_thread_info(f->sim, tid, &info) || info.group != group))
			fail("group_set: not in the group", (long)info.group);
		return;
	case 6:
		if (t->user)
			return;
		ms_user_mode_enter(f->sim, user_cont, t);
		return;
	default:
		/* Another thread inside a safe operation (op_safe()): the
		 * c-th of those in the table. */
		for (i = 0, n = 0; i < MAX_THREADS; i++)
			n += f->safe[i] && f->safe[i] != t->self;
		if (!n)
			return;
		n = c % n;
		for (i = 0; i < MAX_THREADS; i++)
			if (f->safe[i] && f->safe[i] != t->self && n-- == 0)
				break;
		tid = f->safe[i];
		if (t->user) {
			rc = ms_thread_abort(f->sim, tid);
			/* Alive (or, with a host failure, killed by a fault). */
			errno_in(rc ? rc : -1, "user abort of another thread",
				 f->host_failure ? ERRS(-EPERM, -ENOENT)
						 : ERRS(-EPERM));
			return;
		}
		f->safe[i] = MS_TID_NONE;	/* taken: it is ours to kill */
		rc = ms_thread_abort(f->sim, tid);
		if (rc && !(f->host_failure && rc == -ENOENT))
			fail("abort of a thread in a safe operation", rc);
		if (!gone(f, tid))
			fail("aborted thread still alive", tid);
		return;
	}
}

/* The program, for thread t, from its operation t->n on. */
static void run(struct th *t)
{
	struct fz *f = t->f;
	struct ms_sim *sim = f->sim;
	unsigned slot;

	for (; t->n < MAX_OPS_PER_THREAD && more(f); t->n++) {
		unsigned b = byte(f);

		slot = op_safe(t, b) ? safe_enter(t) : MAX_THREADS;
		if (b == 0xfe) {
			op_deliberate_fault(f, t->user);
			continue;
		}
		/* New in the op set: the bytes before kept their meaning. */
		if (b >= 0x80 && b < 0xe0) {
			op_service(t, b - 0x80);
			safe_leave(t, slot);
			continue;
		}
		if (b >= 0xe0 && b < 0xe8) {
			op_life(t, b - 0xe0);
			safe_leave(t, slot);
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
			op_heap(f, t, b);
			break;
		case 5:
			if (t->user)
				op_user_kobj(f, &t->mine);
			else
				op_kobj(f);
			break;
		case 6:
			op_thread_create(f, t);
			break;
		case 7:
			if (!t->user)
				op_pool(f);
			break;
		case 8:
			if (!t->user)
				op_domain(f);
			break;
		case 9:
		case 10:
			op_ipc(f, &t->own);
			break;
		default:
			if (t->user)
				op_user_kobj(f, &t->mine);
			else
				ms_sleep(sim, 1);
			break;
		}
		safe_leave(t, slot);
	}
}

static void entry(struct ms_sim *sim, void *arg)
{
	struct spawn *sp = arg;
	struct fz *f = sp->f;
	struct ms_thread_info info;
	struct th t;

	if (ms_thread_info(sim, ms_thread_self(sim), &info))
		fail("thread_info of self", 0);
	memset(&t, 0, sizeof(t));
	t.f = f;
	t.self = info.tid;
	t.user = info.user;
	t.prio = info.priority;
	if (sp != &f->plain)
		inherit(&t, sp);
	run(&t);
}

/*
 * Once everything is freed, no charge is left anywhere, and the counters
 * agree with each other: the groups' and the totals' are folded rather
 * than moved per request (heap-and-quotas.md 2.3), so a fold that lost or
 * doubled a change shows here.
 */
static void quota_check_idle(struct ms_sim *sim)
{
	struct ms_quota_stats tot, st;
	uint64_t granted = 0, freed = 0;
	uint32_t ids[64];
	const size_t cap = sizeof(ids) / sizeof(ids[0]);
	size_t n;

	if (ms_quota_total_stats(sim, &tot))
		fail("quota_total_stats", 0);
	if (tot.bytes_held || tot.count_held)
		fail("charges left after the run", (long)tot.bytes_held);
	if (tot.granted != tot.freed)
		fail("grants not freed after the run",
		     (long)(tot.granted - tot.freed));
	n = ms_quota_group_list(sim, ids, cap);
	for (size_t i = 0; i < n && i < cap; i++) {
		if (ms_quota_group_stats(sim, ids[i], &st))
			fail("quota_group_stats", ids[i]);
		if (st.bytes_held || st.count_held)
			fail("a group holds charges after the run", ids[i]);
		if (st.bytes_peak > tot.bytes_peak ||
		    st.count_peak > tot.count_peak)
			fail("a group's peak above the total's", ids[i]);
	}
	for (ms_tid tid = 1; tid < 4096; tid++) {
		if (ms_quota_thread_stats(sim, tid, &st))
			continue;
		if (st.bytes_held || st.count_held || st.granted != st.freed)
			fail("a thread holds charges after the run", tid);
		if (st.bytes_peak > tot.bytes_peak)
			fail("a thread's peak above the total's", tid);
		granted += st.granted;
		freed += st.freed;
	}
	if (granted != tot.granted || freed != tot.freed)
		fail("the threads' grants are not the total's",
		     (long)(granted - tot.granted));
}

/*
 * Every thread is gone, and with it every node (their messages dropped),
 * handle and reply token: no identity holds or reserves anything.
 */
static void ipc_check_idle(struct ms_sim *sim)
{
	struct ms_ipc_stats st;
	size_t i, n = ms_ipc_group_count(sim);

	for (i = 0; i <= n; i++) {
		uint32_t g = i < n ? ms_ipc_group_at(sim, i) : MS_IPC_GROUP_ALL;

		if (ms_ipc_stats(sim, g, NULL, &st))
			fail("ipc_stats", (long)g);
		if (st.held.bytes || st.held.msgs || st.held.handles ||
		    st.reserved.bytes || st.reserved.msgs ||
		    st.reserved.handles) {
			fprintf(stderr, "ipc group %u holds %llu bytes, "
				"%llu messages, %llu handles (%llu bytes "
				"reserved)\n",
				g, (unsigned long long)st.held.bytes,
				(unsigned long long)st.held.msgs,
				(unsigned long long)st.held.handles,
				(unsigned long long)st.reserved.bytes);
			fail("ipc charges left after the run", (long)g);
		}
		if (st.handles_owned || st.nodes)
			fail("ipc handles or nodes left after the run",
			     (long)(st.handles_owned + st.nodes));
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
	f.plain.f = &f;
	for (i = 0; i < MAX_SPAWN; i++)
		f.spawn[i].f = &f;

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
	/* Registered, not active: op_misc switches to it. */
	rc = ms_ipc_mode_register(f.sim, &fuzz_mode);
	if (rc)
		fail("ipc_mode_register", rc);
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
	op_thread_create(&f, NULL);
	if (flags & 0x40)
		op_thread_create(&f, NULL);

	rc = ms_sim_run(f.sim);
	if (rc)
		fail("ms_sim_run", rc);
	if (ms_sim_status(f.sim) != MS_RUN_DONE &&
	    ms_sim_status(f.sim) != MS_RUN_TICK_LIMIT)
		fail("run status", ms_sim_status(f.sim));
	if (!host_failure && ms_sim_fault_count(f.sim) != f.deliberate) {
		for (i = 0; i < ms_sim_fault_count(f.sim); i++) {
			const struct ms_fault *ft = ms_sim_fault_get(f.sim, i);

			fprintf(stderr, "fault %u: %s tid %u: %s\n", i,
				ms_fault_kind_name(ft->kind), ft->tid,
				ft->detail);
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
		for (i = 0; i < SVC__COUNT * MAX_SVC; i++)
			if (f.svc[i / MAX_SVC][i % MAX_SVC])
				errno_in(ms_sys_object_free(f.sim,
					 f.svc[i / MAX_SVC][i % MAX_SVC]),
					 "host object_free", ERRS(-EBADF));
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
		ipc_check_idle(f.sim);
		quota_check_idle(f.sim);
	}
	ms_sim_free(f.sim);
	return 0;
}
