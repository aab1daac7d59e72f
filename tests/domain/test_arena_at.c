/* SPDX-License-Identifier: MIT */
/*
 * An arena adopted over the caller's own memory (ms_config.arena_at): the
 * contents stay, the addresses stay, domains protect it, and the memory is
 * the caller's again after ms_sim_free(). This is what lets memsim's Zephyr
 * layer partition a program's static data (K_APP_DMEM) and keep the rest of
 * it from user threads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common.h"

#define PAGE 4096

static char area[3 * PAGE] __attribute__((aligned(PAGE)));

struct probe {
	volatile char *at;
	bool write;
	volatile int done;
};

static void touch(struct ms_sim *sim, void *arg)
{
	struct probe *p = arg;

	(void)sim;
	if (p->write)
		*p->at = 'X';
	else
		(void)*p->at;
	p->done = 1;
}

static struct ms_sim *adopt(void *at, size_t size, int *err)
{
	struct ms_config cfg;
	struct ms_sim *sim = NULL;

	ms_config_init(&cfg);
	cfg.arena_at = at;
	cfg.arena_size = size;
	*err = ms_sim_new(&cfg, &sim);
	return sim;
}

static void test_adopted_arena_keeps_contents_and_addresses(void **state)
{
	size_t size = 0;
	int err;
	struct ms_sim *sim;

	(void)state;
	strcpy(area, "first");
	strcpy(area + PAGE, "second");
	sim = adopt(area, sizeof(area), &err);
	assert_int_equal(err, 0);
	assert_ptr_equal(ms_domain_arena(sim, &size), area);
	assert_int_equal(size, sizeof(area));
	assert_ptr_equal(ms_domain_addr(sim, PAGE), area + PAGE);
	assert_string_equal(area, "first");
	assert_string_equal(area + PAGE, "second");
	ms_sim_free(sim);
	/* ours again, contents kept, and writable */
	assert_string_equal(area + PAGE, "second");
	area[2 * PAGE] = 'z';
	assert_int_equal(area[2 * PAGE], 'z');
}

/* A user thread reaches its domain's page of the adopted range, and faults
 * on the rest: MS_FAULT_DOMAIN, the thread dies, the run goes on, and what
 * the thread wrote inside its partition is there after the sim is gone. */
static void test_adopted_arena_is_protected(void **state)
{
	struct ms_partition p = part(0, PAGE, MS_PERM_RW, "mine");
	struct probe ok = { (volatile char *)area, true, 0 };
	struct probe bad = { (volatile char *)area + PAGE, false, 0 };
	const struct ms_fault *f;
	ms_domain_id dom;
	int err;
	struct ms_sim *sim;

	(void)state;
	memset(area, 0, sizeof(area));
	sim = adopt(area, sizeof(area), &err);
	assert_int_equal(err, 0);
	assert_int_equal(ms_domain_new(sim, "app", &p, 1, &dom), 0);
	user_thread(sim, "ok", dom, touch, &ok);
	user_thread(sim, "bad", dom, touch, &bad);
	assert_int_equal(ms_sim_run(sim), 0);
	assert_int_equal(ms_sim_status(sim), MS_RUN_DONE);
	assert_int_equal(ok.done, 1);
	assert_int_equal(bad.done, 0);
	assert_int_equal(ms_sim_fault_count(sim), 1);
	f = ms_sim_fault_get(sim, 0);
	assert_int_equal(f->kind, MS_FAULT_DOMAIN);
	assert_int_equal(f->access, MS_ACCESS_READ);
	assert_int_equal(f->offset, PAGE);
	ms_sim_free(sim);
	assert_int_equal(area[0], 'X');
}

static void test_adopted_arena_must_be_whole_pages(void **state)
{
	int err;
	struct ms_sim *sim;

	(void)state;
	sim = adopt(area + 8, PAGE, &err);
	assert_int_equal(err, -EINVAL);
	assert_null(sim);
	sim = adopt(area, PAGE + 100, &err);
	assert_int_equal(err, -EINVAL);
	assert_null(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adopted_arena_keeps_contents_and_addresses),
		cmocka_unit_test(test_adopted_arena_is_protected),
		cmocka_unit_test(test_adopted_arena_must_be_whole_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
