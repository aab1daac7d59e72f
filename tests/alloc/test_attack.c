/* SPDX-License-Identifier: MIT */
/*
 * Denial-of-service attacks on the kernel heap, each under the policies it
 * defeats or not, with the outcome asserted exactly.
 *
 * The collusion attack: a user thread spawns 32 user children; each
 * allocates 100-byte blocks (120 bytes of heap each) until it is refused.
 * Then a victim thread in another group, of lower priority so that it runs
 * after the attack, asks for 10 blocks. Time slicing is off, so the
 * children run one after the other and every per-thread figure is exact.
 *
 * The system heap is 64 KiB: 65520 bytes of capacity, 546 blocks of 120.
 */
#include <errno.h>

#include "common.h"

#define CHILDREN 32
#define BLOCK 100
#define BLOCK_FP 120		/* ms_heap_footprint(BLOCK) */

struct attack {
	struct hog kids[CHILDREN];
	struct hog victim;
	ms_tid first_kid;
};

static void attacker(struct ms_sim *sim, void *arg)
{
	struct attack *at = arg;

	for (int i = 0; i < CHILDREN; i++) {
		ms_tid t;

		at->kids[i].size = BLOCK;
		t = spawn(sim, "kid", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
			  hog_run, &at->kids[i]);
		if (i == 0)
			at->first_kid = t;
	}
}

/* Attacker in group 1, victim in group 2. Returns the attacker's tid. */
static ms_tid launch(struct ms_sim *sim, struct attack *at, ms_tid *victim)
{
	ms_tid a;

	at->victim.size = BLOCK;
	at->victim.max = 10;
	a = spawn(sim, "attacker", 0, MS_THREAD_USER, 1, attacker, at);
	*victim = spawn(sim, "victim", 5, MS_THREAD_USER, 2, hog_run,
			&at->victim);
	return a;
}

static void release_all(struct ms_sim *sim, struct attack *at)
{
	for (int i = 0; i < CHILDREN; i++)
		hog_free(sim, &at->kids[i]);
	hog_free(sim, &at->victim);
}

static void collusion_attack_bytes_exhausts_heap(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 4096 };
	struct attack *at = calloc(1, sizeof(*at));
	struct ms_heap_stats hs;
	struct ms_quota_stats g, v;
	ms_tid victim;

	assert_int_equal(ms_quota_policy_set(sim, "bytes", &qp), 0);
	launch(sim, at, &victim);
	assert_int_equal(ms_sim_run(sim), 0);

	/* Each child may hold 4096 bytes: 34 blocks (4080). Children get a
	 * fresh budget each, so 16 children take 544 blocks, the 17th the
	 * last 2, and the heap is empty. */
	for (int i = 0; i < 16; i++) {
		assert_int_equal(at->kids[i].got, 34);
		assert_int_equal(at->kids[i].err, -EDQUOT);
	}
	assert_int_equal(at->kids[16].got, 2);
	assert_int_equal(at->kids[16].err, -ENOMEM);
	for (int i = 17; i < CHILDREN; i++) {
		assert_int_equal(at->kids[i].got, 0);
		assert_int_equal(at->kids[i].err, -ENOMEM);
	}
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.free_bytes, 0);
	assert_int_equal(hs.allocated_bytes, 546 * BLOCK_FP);
	g = gstats(sim, 1);
	assert_int_equal(g.granted, 546);
	assert_int_equal(g.denied_quota, 16);
	assert_int_equal(g.denied_nomem, 16);
	assert_int_equal(g.bytes_held, 65520);

	/* The victim, within its own quota, gets nothing. */
	assert_int_equal(at->victim.got, 0);
	assert_int_equal(at->victim.err, -ENOMEM);
	v = tstats(sim, victim);
	assert_int_equal(v.requested, 1);
	assert_int_equal(v.denied_nomem, 1);
	assert_int_equal(v.denied_quota, 0);

	release_all(sim, at);
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.free_bytes, 65520);
	assert_int_equal(gstats(sim, 1).bytes_held, 0);
	free(at);
	ms_sim_free(sim);
}

static void collusion_attack_unlimited_exhausts_heap(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct attack *at = calloc(1, sizeof(*at));
	ms_tid victim;

	/* The baseline: the first child alone would take all 546 blocks, but
	 * it stops at HOG_MAX (256); the second takes 256, the third 34. */
	launch(sim, at, &victim);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(at->kids[0].got, 256);
	assert_int_equal(at->kids[1].got, 256);
	assert_int_equal(at->kids[2].got, 34);
	assert_int_equal(at->kids[2].err, -ENOMEM);
	assert_int_equal(at->victim.got, 0);
	assert_int_equal(at->victim.err, -ENOMEM);
	assert_int_equal(gstats(sim, 1).denied_nomem, CHILDREN - 2);
	release_all(sim, at);
	free(at);
	ms_sim_free(sim);
}

static void collusion_attack_process_victim_untouched(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct ms_quota_params qp = { .limit = 16384 };
	struct attack *at = calloc(1, sizeof(*at));
	struct ms_quota_stats g, v;
	ms_tid victim;

	assert_int_equal(ms_quota_policy_set(sim, "process", &qp), 0);
	launch(sim, at, &victim);
	assert_int_equal(ms_sim_run(sim), 0);

	/* The children share group 1's 16384 bytes: 136 blocks (16320). The
	 * first child takes them all, the rest are refused at once. */
	assert_int_equal(at->kids[0].got, 136);
	assert_int_equal(at->kids[0].err, -EDQUOT);
	for (int i = 1; i < CHILDREN; i++) {
		assert_int_equal(at->kids[i].got, 0);
		assert_int_equal(at->kids[i].err, -EDQUOT);
	}
	g = gstats(sim, 1);
	assert_int_equal(g.granted, 136);
	assert_int_equal(g.denied_quota, CHILDREN);
	assert_int_equal(g.denied_nomem, 0);
	assert_int_equal(g.bytes_peak, 16320);

	assert_int_equal(at->victim.got, 10);
	v = tstats(sim, victim);
	assert_int_equal(v.requested, 10);
	assert_int_equal(v.granted, 10);
	assert_int_equal(v.denied_quota, 0);
	assert_int_equal(v.denied_nomem, 0);
	assert_int_equal(gstats(sim, 2).bytes_held, 1200);
	release_all(sim, at);
	free(at);
	ms_sim_free(sim);
}

static void collusion_attack_pool_victim_untouched(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct attack *at = calloc(1, sizeof(*at));
	struct ms_heap *ap, *vp;
	struct ms_heap_stats hs;
	struct ms_quota_stats v;
	ms_tid a, victim;

	assert_int_equal(ms_heap_create(sim, "attacker-pool", 16384, &ap), 0);
	assert_int_equal(ms_heap_create(sim, "victim-pool", 4096, &vp), 0);
	assert_int_equal(ms_quota_policy_set(sim, "pool", NULL), 0);
	a = launch(sim, at, &victim);
	assert_int_equal(ms_thread_heap_assign(sim, a, ap), 0);
	assert_int_equal(ms_thread_heap_assign(sim, victim, vp), 0);
	assert_int_equal(ms_sim_run(sim), 0);

	/* The children inherit the attacker's pool and drain it: 16368
	 * bytes hold 136 blocks; the 48 left hold none. */
	assert_int_equal(at->kids[0].got, 136);
	assert_int_equal(at->kids[0].err, -ENOMEM);
	for (int i = 1; i < CHILDREN; i++) {
		assert_int_equal(at->kids[i].got, 0);
		assert_int_equal(at->kids[i].err, -ENOMEM);
	}
	assert_int_equal(tstats(sim, at->first_kid).pool, ms_heap_id(ap));
	ms_heap_stats(ap, &hs);
	assert_int_equal(hs.allocated_bytes, 16320);
	assert_int_equal(hs.failures, CHILDREN);
	/* The system heap and the victim's pool are untouched by it. */
	ms_heap_stats(ms_heap_system(sim), &hs);
	assert_int_equal(hs.allocated_bytes, 0);
	assert_int_equal(at->victim.got, 10);
	v = tstats(sim, victim);
	assert_int_equal(v.granted, 10);
	assert_int_equal(v.denied_nomem, 0);
	assert_int_equal(v.denied_quota, 0);
	ms_heap_stats(vp, &hs);
	assert_int_equal(hs.allocated_bytes, 1200);
	release_all(sim, at);
	free(at);
	ms_sim_free(sim);
}

/*
 * The weakness of "pool": threads that share a pool share its fate. A
 * service thread with a pool starts a worker (the victim) and a client;
 * both inherit the pool. The client's sacrificial children drain it, and
 * the victim, which asked for nothing unusual, is refused.
 */
struct service {
	struct attack at;
	ms_tid victim;
	ms_tid client;
};

static void client_run(struct ms_sim *sim, void *arg)
{
	attacker(sim, arg);
}

static void service_run(struct ms_sim *sim, void *arg)
{
	struct service *s = arg;

	s->at.victim.size = BLOCK;
	s->at.victim.max = 10;
	s->victim = spawn(sim, "worker", 5, MS_THREAD_USER, MS_GROUP_INHERIT,
			  hog_run, &s->at.victim);
	s->client = spawn(sim, "client", 0, MS_THREAD_USER, MS_GROUP_INHERIT,
			  client_run, &s->at);
}

static void sacrificial_children_drain_shared_pool(void **state)
{
	struct ms_sim *sim = new_sim_fifo(64 * 1024);
	struct service *s = calloc(1, sizeof(*s));
	struct ms_heap *pool;
	struct ms_heap_stats hs;
	struct ms_quota_stats v;
	ms_tid svc;
	int total = 0;

	assert_int_equal(ms_heap_create(sim, "service-pool", 4096, &pool), 0);
	assert_int_equal(ms_quota_policy_set(sim, "pool", NULL), 0);
	svc = spawn(sim, "service", -1, 0, 1, service_run, s);
	assert_int_equal(ms_thread_heap_assign(sim, svc, pool), 0);
	assert_int_equal(ms_sim_run(sim), 0);

	/* 4080 bytes: 34 blocks, all taken by the first child. */
	for (int i = 0; i < CHILDREN; i++) {
		assert_int_equal(s->at.kids[i].err, -ENOMEM);
		total += s->at.kids[i].got;
	}
	assert_int_equal(s->at.kids[0].got, 34);
	assert_int_equal(total, 34);
	ms_heap_stats(pool, &hs);
	assert_int_equal(hs.free_bytes, 0);
	/* The worker shares the pool and is refused for want of room. */
	assert_int_equal(s->at.victim.got, 0);
	assert_int_equal(s->at.victim.err, -ENOMEM);
	v = tstats(sim, s->victim);
	assert_int_equal(v.pool, ms_heap_id(pool));
	assert_int_equal(v.denied_nomem, 1);
	assert_int_equal(v.denied_nopool, 0);
	release_all(sim, &s->at);
	free(s);
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(collusion_attack_unlimited_exhausts_heap),
		cmocka_unit_test(collusion_attack_bytes_exhausts_heap),
		cmocka_unit_test(collusion_attack_process_victim_untouched),
		cmocka_unit_test(collusion_attack_pool_victim_untouched),
		cmocka_unit_test(sacrificial_children_drain_shared_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
