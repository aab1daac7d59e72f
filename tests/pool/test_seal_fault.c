/* SPDX-License-Identifier: MIT */
/*
 * Attacks on sealed pools by simulated threads, and the rare-write path.
 *
 *  - sealed-write attack: a thread writes a sealed object; it takes a real
 *    fault attributed to the pool, the page, the offset and the thread,
 *    and dies; another thread reads the sealed data and runs to completion;
 *  - bookkeeping attack: a thread writes the pool's header (the handle);
 *  - rare write: changes sealed data and leaves the page sealed, so a
 *    direct write afterwards still faults (each rare mode);
 *  - alias attacks: a write through the gated alias between calls faults;
 *    through the open alias it succeeds (the exposure OPEN mode buys its
 *    speed with);
 *  - use after return: reading a page a tracked free gave back faults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "mem/pool/pool_priv.h"
#include "platform/os.h"

static size_t pg;

static int setup(void **state)
{
	pg = ms__os_page_size();
	return 0;
}

struct scene {
	struct ms_pool *pool;
	uint8_t *obj;		/* the sealed target */
	size_t off;		/* where the attacker writes, from obj */
	volatile int reached;	/* the attacker got past its write */
	volatile int done;	/* the bystander finished */
	uint8_t seen;		/* what the bystander read */
	int rare_ret;
};

static void deliberate_sealed_write(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;
	uint32_t v = 0xdeadbeef;

	ms_pool_write(sim, s->pool, s->obj + s->off, &v, sizeof(v));
	s->reached = 1;
}

static void bystander(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;

	ms_sleep(sim, 50);
	s->seen = s->obj[s->off]; /* reading sealed memory is allowed */
	ms_yield(sim);
	s->done = 1;
}

static void check_write_fault(const struct ms_fault *f, ms_tid tid,
			      const char *object, size_t offset,
			      const char *detail)
{
	assert_int_equal(f->kind, MS_FAULT_SEALED_WRITE);
	assert_int_equal(f->reason, MS_ERR_CPU_EXCEPTION);
	assert_int_equal(f->tid, tid);
	assert_string_equal(f->object, object);
	assert_int_equal(f->offset, offset);
	assert_non_null(strstr(f->detail, detail));
#if defined(__x86_64__)
	assert_int_equal(f->access, MS_ACCESS_WRITE);
#endif
	assert_true(f->bt_depth >= 1);
}

static void test_sealed_write_attack_faults_and_sim_goes_on(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct scene s = { 0 };
	struct ms_thread_attr ta;
	const struct ms_fault *f;
	struct ms_sim_stats ss;
	ms_tid ta_tid, tb_tid;
	uint8_t *a, *b;
	uint32_t page;
	size_t off;
	uint64_t ea, eb;

	s.pool = new_pool(sim, "cfg", 0, MS_POOL_RARE_MAP, 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, pg / 2 + 8, 0, (void **)&a), 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, pg / 2, 0, (void **)&b), 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 32, 0, (void **)&s.obj), 0);
	memset(s.obj, 0x5a, 32);
	assert_int_equal(ms_pool_seal(sim, s.pool), 0);
	assert_int_equal(ms_pool_locate(sim, s.pool, s.obj, &page, &off, NULL), 0);
	assert_int_equal(page, 1);
	assert_int_equal(off, pg / 2);
	s.off = 3;

	ms_thread_attr_init(&ta);
	ta.name = "attacker";
	assert_int_equal(ms_thread_create(sim, &ta, deliberate_sealed_write, &s,
					  &ta_tid), 0);
	ta.name = "bystander";
	assert_int_equal(ms_thread_create(sim, &ta, bystander, &s, &tb_tid), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);

	assert_int_equal(s.reached, 0);
	assert_int_equal(s.done, 1);
	assert_int_equal(s.seen, 0x5a);
	for (int i = 0; i < 32; i++)
		assert_int_equal(s.obj[i], 0x5a);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = fault_at(sim, 0);
	check_write_fault(f, ta_tid, "pool:cfg", pg / 2 + 3,
			  "wrote sealed page 1");
	assert_non_null(strstr(f->detail, "attacker"));
	/* The backtrace starts at the store and leads back to the thread. */
	assert_true(bt_has(f, "pool_store"));
	assert_true(bt_has(f, "deliberate_sealed_write"));
	assert_int_equal(count_events(sim, MS_EV_FAULT, &ea, &eb), 1);
	assert_int_equal(ea, MS_FAULT_SEALED_WRITE);
	ms_sim_get_stats(sim, &ss);
	assert_int_equal(ss.faults, 1);
	assert_int_equal(ss.threads_exited, 2);
	ms_sim_free(sim);
}

static void deliberate_header_write(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;
	volatile uint32_t *h = (volatile uint32_t *)((uint8_t *)s->pool + 16);

	*h = 0;
	s->reached = 1;
}

static void test_bookkeeping_write_attack_faults(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct scene s = { 0 };
	const struct ms_fault *f;
	struct ms_pool_stats st;
	ms_tid tid;
	void *x;

	/* Not even sealed: the pool's bookkeeping is sealed from creation. */
	s.pool = new_pool(sim, "meta", 0, MS_POOL_RARE_MAP, 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 8, 0, &x), 0);
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_header_write, &s,
					  &tid), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.reached, 0);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = fault_at(sim, 0);
	check_write_fault(f, tid, "pool:meta", 16, "sealed bookkeeping");
	/* The pool is intact and still works. */
	assert_int_equal(ms_pool_stats_get(sim, s.pool, &st), 0);
	assert_int_equal(st.allocs, 1);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 8, 0, &x), 0);
	ms_sim_free(sim);
}

static void rare_writer(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;

	s->rare_ret = ms_pool_rare_write(sim, s->pool, s->obj + 8, "NEWDATA!", 8);
}

static void late_attacker(struct ms_sim *sim, void *arg)
{
	ms_sleep(sim, 1000);
	deliberate_sealed_write(sim, arg);
}

static void rare_write_keeps_seal(enum ms_pool_rare_mode mode)
{
	struct ms_sim *sim = new_sim(1);
	struct scene s = { 0 };
	struct ms_pool_stats st0, st;
	const struct ms_fault *f;
	enum ms_pool_page_state ps;
	struct ms_event ev;
	long maps0;
	ms_tid tid, wtid;
	uint64_t ea, eb;

	s.pool = new_pool(sim, "rw", 0, mode, 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 64, 0, (void **)&s.obj), 0);
	memset(s.obj, 0x11, 64);
	assert_int_equal(ms_pool_seal(sim, s.pool), 0);
	assert_int_equal(ms_pool_stats_get(sim, s.pool, &st0), 0);

	s.off = 8;
	assert_int_equal(ms_thread_create(sim, NULL, rare_writer, &s, &wtid), 0);
	assert_int_equal(ms_thread_create(sim, NULL, late_attacker, &s, &tid), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);

	assert_int_equal(s.rare_ret, 0);
	assert_memory_equal(s.obj + 8, "NEWDATA!", 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(s.obj[i], 0x11);
	for (int i = 16; i < 64; i++)
		assert_int_equal(s.obj[i], 0x11);
	assert_int_equal(ms_pool_locate(sim, s.pool, s.obj, NULL, NULL, &ps), 0);
	assert_int_equal(ps, MS_POOL_PAGE_SEALED);
	/* The direct write after it still faults, and changed nothing. */
	assert_int_equal(s.reached, 0);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = fault_at(sim, 0);
	check_write_fault(f, tid, "pool:rw", 8, "wrote sealed page 0");

	assert_int_equal(ms_pool_stats_get(sim, s.pool, &st), 0);
	assert_int_equal(st.rare_writes, 1);
	assert_int_equal(st.rare_write_bytes, 8);
	assert_int_equal(st.sealed_pages, 1);
	assert_int_equal(st.meta_writes, st0.meta_writes + 1);
	if (mode == MS_POOL_RARE_OPEN) {
		assert_int_equal(st.alias_opens, 0);
	} else {
		/* one window on the header's page (the counters), one on
		 * the data page */
		assert_int_equal(st.alias_opens, st0.alias_opens + 2);
		assert_int_equal(st.alias_bytes_opened,
				 st0.alias_bytes_opened + 2 * (uint64_t)pg);
	}
	assert_int_equal(count_events(sim, MS_EV_POOL_RARE_WRITE, &ea, &eb), 1);
	assert_int_equal(ea, 1);
	assert_int_equal(eb, 8);
	/* made by the writer thread, and recorded as such */
	for (size_t i = 0; i < ms_sim_event_count(sim); i++) {
		assert_int_equal(ms_sim_event_get(sim, i, &ev), 0);
		if (ev.type == MS_EV_POOL_RARE_WRITE)
			assert_int_equal(ev.tid, wtid);
		if (ev.type == MS_EV_POOL_PAGE || ev.type == MS_EV_POOL_SEAL)
			assert_int_equal(ev.tid, MS_TID_NONE); /* the host */
	}
	/* No window outlives the call. */
	maps0 = ms__os_mapping_count();
	assert_int_equal(ms_pool_rare_write(sim, s.pool, s.obj, "x", 1), 0);
	assert_int_equal(s.obj[0], 'x');
	assert_int_equal(ms__os_mapping_count(), maps0);
	ms_sim_free(sim);
}

static void test_rare_write_map_keeps_page_sealed(void **state)
{
	rare_write_keeps_seal(MS_POOL_RARE_MAP);
}

static void test_rare_write_gate_keeps_page_sealed(void **state)
{
	rare_write_keeps_seal(MS_POOL_RARE_GATE);
}

static void test_rare_write_open_keeps_page_sealed(void **state)
{
	rare_write_keeps_seal(MS_POOL_RARE_OPEN);
}

static void deliberate_alias_write(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;
	uint8_t *alias = ms__pool_alias(s->pool);
	volatile uint8_t *t = alias + (s->obj - (uint8_t *)s->pool) + s->off;

	*t = 0xee;
	s->reached = 1;
}

static void test_closed_gate_alias_write_attack_faults(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct scene s = { 0 };
	const struct ms_fault *f;
	ms_tid tid;

	s.pool = new_pool(sim, "gate", 0, MS_POOL_RARE_GATE, 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 64, 0, (void **)&s.obj), 0);
	assert_int_equal(ms_pool_seal(sim, s.pool), 0);
	s.off = 5;
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_alias_write, &s,
					  &tid), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.reached, 0);
	assert_int_equal(s.obj[5], 0);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = fault_at(sim, 0);
	check_write_fault(f, tid, "pool:gate", 5, "closed rare-write alias");
	ms_sim_free(sim);
}

static void test_open_alias_write_attack_succeeds(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct scene s = { 0 };
	enum ms_pool_page_state ps;

	/* What OPEN mode trades for speed: whoever learns the alias writes
	 * sealed data without a fault. */
	s.pool = new_pool(sim, "open", 0, MS_POOL_RARE_OPEN, 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 64, 0, (void **)&s.obj), 0);
	assert_int_equal(ms_pool_seal(sim, s.pool), 0);
	s.off = 5;
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_alias_write, &s,
					  NULL), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.reached, 1);
	assert_int_equal(s.obj[5], 0xee);
	assert_int_equal(ms_sim_fault_count(sim), 0);
	assert_int_equal(ms_pool_locate(sim, s.pool, s.obj, NULL, NULL, &ps), 0);
	assert_int_equal(ps, MS_POOL_PAGE_SEALED);
	ms_sim_free(sim);
}

static void deliberate_stale_read(struct ms_sim *sim, void *arg)
{
	struct scene *s = arg;

	s->seen = ((volatile uint8_t *)s->obj)[s->off];
	s->reached = 1;
}

static void test_use_after_page_return_faults(void **state)
{
	struct ms_sim *sim = new_sim(1);
	struct scene s = { 0 };
	const struct ms_fault *f;
	void *keep;
	ms_tid tid;

	s.pool = new_pool(sim, "uaf", MS_POOL_TRACK_FREES, MS_POOL_RARE_MAP, 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, pg, 0, (void **)&s.obj), 0);
	assert_int_equal(ms_pool_alloc(sim, s.pool, 8, 0, &keep), 0);
	assert_int_equal(ms_pool_free(sim, s.pool, s.obj, pg), 0);
	s.off = 40;
	assert_int_equal(ms_thread_create(sim, NULL, deliberate_stale_read, &s,
					  &tid), 0);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(s.reached, 0);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = fault_at(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_CPU);
	assert_int_equal(f->tid, tid);
	assert_string_equal(f->object, "pool:uaf");
	assert_int_equal(f->offset, 40);
	assert_non_null(strstr(f->detail, "page 0, which holds no memory"));
#if defined(__x86_64__)
	assert_int_equal(f->access, MS_ACCESS_READ);
#endif
	ms_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sealed_write_attack_faults_and_sim_goes_on),
		cmocka_unit_test(test_bookkeeping_write_attack_faults),
		cmocka_unit_test(test_rare_write_map_keeps_page_sealed),
		cmocka_unit_test(test_rare_write_gate_keeps_page_sealed),
		cmocka_unit_test(test_rare_write_open_keeps_page_sealed),
		cmocka_unit_test(test_closed_gate_alias_write_attack_faults),
		cmocka_unit_test(test_open_alias_write_attack_succeeds),
		cmocka_unit_test(test_use_after_page_return_faults),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
