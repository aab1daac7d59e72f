/* SPDX-License-Identifier: MIT */
/*
 * The cases of Linux's tools/testing/selftests/mm/hmm-tests.c that map
 * onto this model, each run for a private and for a coherent device (the
 * selftests' hmm_device_private / hmm_device_coherent variants, and hmm2
 * with two devices). The device here is memsim's (ms_device_read/_write
 * play test_hmm's dmirror HMM_DMIRROR_READ/WRITE; ms_migrate_range its
 * MIGRATE_TO_DEV/TO_SYS; ms_device_offline its RELEASE, which evicts the
 * device's memory; ms_mem_snapshot its SNAPSHOT), with the "explicit"
 * migration policy, as dmirror's reads and writes never migrate.
 * docs/device-memory.md lists which cases map and which do not, and why.
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

#define NPAGES 64
#define NTIMES 10

static const enum ms_device_kind kinds[] = {
	MS_DEVICE_PRIVATE, MS_DEVICE_COHERENT,
};

struct fx {
	struct ms_sim *sim;
	ms_device_id dev[2];
	ms_map_id map;
	enum ms_device_kind kind;
	size_t size;
	uint32_t *mirror;	/* what the device read, or writes */
};

static void fx_init(struct fx *f, enum ms_device_kind kind, uint32_t npages)
{
	memset(f, 0, sizeof(*f));
	f->sim = new_sim();
	f->kind = kind;
	f->size = (size_t)npages * pg();
	f->dev[0] = add_dev(f->sim, "dmirror0", 2 * NPAGES * pg(), 0, kind, 0);
	f->dev[1] = add_dev(f->sim, "dmirror1", 2 * NPAGES * pg(), 0, kind, 0);
	assert_int_equal(ms_device_online(f->sim, f->dev[0], 0, 1), 0);
	assert_int_equal(ms_device_online(f->sim, f->dev[1], 0, 1), 0);
	assert_int_equal(ms_device_policy_set(f->sim, MS_DEVPOL_MIGRATION,
					      "explicit", NULL), 0);
	f->map = add_map(f->sim, "buffer", npages, NULL);
	f->mirror = malloc(f->size);
}

static void fx_fini(struct fx *f)
{
	for (int d = 0; d < 2; d++) {
		struct ms_device_stats st = dstats(f->sim, f->dev[d]);

		assert_true(balanced(&st));
		assert_int_equal(st.dangling_mappings, 0);
	}
	free(f->mirror);
	ms_sim_free(f->sim);
}

static size_t nwords(const struct fx *f)
{
	return f->size / sizeof(uint32_t);
}

/* ---- the CPU side: a simulated thread's loads and stores ---- */

struct cpu {
	struct fx *f;
	size_t from, to;	/* words */
	int32_t add;		/* expect ptr[i] == i + add */
	bool store;		/* store ptr[i] = i + add instead */
	size_t bad;
};

static void cpu_run(struct ms_sim *sim, void *arg)
{
	struct cpu *c = arg;
	volatile uint32_t *p = ms_mem_addr(sim, c->f->map, 0);

	for (size_t i = c->from; i < c->to; i++) {
		if (c->store)
			deliberate_store32(&p[i], (uint32_t)(i + c->add));
		else if (deliberate_load32(&p[i]) != (uint32_t)(i + c->add))
			c->bad++;
	}
}

/* The CPU's loads (or stores) of words [from, to): as a user thread. */
static size_t cpu(struct fx *f, size_t from, size_t to, int32_t add,
		  bool store)
{
	struct cpu c = { f, from, to, add, store, 0 };

	user_thread(f->sim, "cpu", cpu_run, &c);
	assert_int_equal(ms_sim_run(f->sim), 0);
	assert_int_equal(ms_sim_fault_count(f->sim), 0);
	return c.bad;
}

static size_t mirror_bad(const struct fx *f, size_t from, size_t to,
			 int32_t add)
{
	size_t bad = 0;

	for (size_t i = from; i < to; i++)
		bad += f->mirror[i] != (uint32_t)(i + add);
	return bad;
}

/* ---- the cases ---- */

/* anon_read: the device reads system memory, the first two pages never
 * touched (they read as zero), the range read-only. */
static void test_anon_read(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct fx f;
		struct ms_device_stats st;

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(cpu(&f, 2 * pg() / 4, nwords(&f), 0, true), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, f.size,
						MS_PERM_READ), 0);
		assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0,
						f.mirror, f.size), 0);
		/* zeros: word i reads i only at 0 */
		assert_int_equal(mirror_bad(&f, 0, 2 * pg() / 4, 0),
				 2 * pg() / 4 - 1);
		assert_int_equal(f.mirror[1], 0);
		assert_int_equal(mirror_bad(&f, 2 * pg() / 4, nwords(&f), 0), 0);
		st = dstats(f.sim, f.dev[0]);
		assert_int_equal(st.remote_accesses, NPAGES - 2);
		assert_int_equal(st.local_accesses, 2);
		/* the untouched two were placed by the device's first touch */
		assert_int_equal(st.pages_placed, 2);
		assert_int_equal(st.pgmigrate_success, 0);
		fx_fini(&f);
	}
}

/* anon_read_prot: the device cannot read a PROT_NONE range: -EFAULT, its
 * buffer untouched; the CPU's data unchanged. */
static void test_anon_read_prot(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct fx f;

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		for (size_t i = 0; i < nwords(&f); i++)
			f.mirror[i] = (uint32_t)-(int32_t)i;
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, f.size,
						MS_PERM_NONE), 0);
		assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0,
						f.mirror, f.size), -EFAULT);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, f.size,
						MS_PERM_READ), 0);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, false), 0);
		for (size_t i = 0; i < nwords(&f); i++)
			assert_int_equal(f.mirror[i], (uint32_t)-(int32_t)i);
		fx_fini(&f);
	}
}

/* anon_write: the device writes; the CPU sees it. */
static void test_anon_write(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct fx f;

		fx_init(&f, kinds[k], NPAGES);
		for (size_t i = 0; i < nwords(&f); i++)
			f.mirror[i] = (uint32_t)i;
		assert_int_equal(ms_device_write(f.sim, f.dev[0], f.map, 0,
						 f.mirror, f.size), 0);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, false), 0);
		fx_fini(&f);
	}
}

/* anon_write_prot: the device reads a never-touched read-only page (a
 * zero), cannot write the read-only range (-EPERM, nothing written),
 * and can once it is writable. */
static void test_anon_write_prot(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct fx f;
		uint32_t z = 99;

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, f.size,
						MS_PERM_READ), 0);
		assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0, &z,
						sizeof(z)), 0);
		assert_int_equal(z, 0);
		for (size_t i = 0; i < nwords(&f); i++)
			f.mirror[i] = (uint32_t)i;
		assert_int_equal(ms_device_write(f.sim, f.dev[0], f.map, 0,
						 f.mirror, f.size), -EPERM);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, false),
				 nwords(&f) - 1);	/* all zero */
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, f.size,
						MS_PERM_RW), 0);
		assert_int_equal(ms_device_write(f.sim, f.dev[0], f.map, 0,
						 f.mirror, f.size), 0);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, false), 0);
		fx_fini(&f);
	}
}

/* migrate: system memory to the device; the device reads it there. */
static void test_migrate(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ms_migrate_result res;
		struct fx f;
		uint16_t snap[NPAGES];

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
						  f.dev[0], &res), 0);
		assert_int_equal(res.migrated, NPAGES);
		assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0,
						f.mirror, f.size), 0);
		assert_int_equal(mirror_bad(&f, 0, nwords(&f), 0), 0);
		assert_int_equal(dstats(f.sim, f.dev[0]).local_accesses, NPAGES);
		assert_int_equal(ms_mem_snapshot(f.sim, f.dev[0], f.map, 0,
						 NPAGES, snap), 0);
		for (int i = 0; i < NPAGES; i++)
			assert_int_equal(snap[i], MS_SNAP_READ | MS_SNAP_WRITE |
					 (kinds[k] == MS_DEVICE_PRIVATE ?
					  MS_SNAP_DEV_PRIVATE_LOCAL :
					  MS_SNAP_DEV_COHERENT_LOCAL));
		fx_fini(&f);
	}
}

/* migrate_fault: migrate, fault half back (private: each page a CPU
 * fault; coherent: no fault, the CPU reaches it there), migrate the mix
 * to the device again. */
static void test_migrate_fault(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ms_migrate_result res;
		struct ms_device_stats st;
		struct fx f;

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
						  f.dev[0], NULL), 0);
		assert_int_equal(cpu(&f, 0, nwords(&f) / 2, 0, false), 0);
		st = dstats(f.sim, f.dev[0]);
		assert_int_equal(st.cpu_faults,
				 kinds[k] == MS_DEVICE_PRIVATE ? NPAGES / 2 : 0);
		assert_int_equal(st.frames_used, kinds[k] == MS_DEVICE_PRIVATE ?
				 NPAGES / 2 : NPAGES);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
						  f.dev[0], &res), 0);
		assert_int_equal(res.migrated, kinds[k] == MS_DEVICE_PRIVATE ?
				 NPAGES / 2 : 0);
		assert_int_equal(res.already, kinds[k] == MS_DEVICE_PRIVATE ?
				 NPAGES / 2 : NPAGES);
		assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0,
						f.mirror, f.size), 0);
		assert_int_equal(mirror_bad(&f, 0, nwords(&f), 0), 0);
		assert_int_equal(dstats(f.sim, f.dev[0]).frames_used, NPAGES);
		fx_fini(&f);
	}
}

/* migrate_release: migrate, then the device releases its memory (an
 * offline evicts every page to system RAM); the CPU reads them there. */
static void test_migrate_release(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ms_device_stats st;
		struct fx f;

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
						  f.dev[0], NULL), 0);
		assert_int_equal(ms_device_offline(f.sim, f.dev[0], 0, 1), 0);
		assert_int_equal(cpu(&f, 0, nwords(&f) / 2, 0, false), 0);
		st = dstats(f.sim, f.dev[0]);
		assert_int_equal(st.pgmigrate_to_ram, NPAGES);
		assert_int_equal(st.cpu_faults, 0);	/* in RAM already */
		assert_int_equal(st.frames_used, 0);
		fx_fini(&f);
	}
}

/* migrate_multiple: ten round trips; back by CPU faults for a private
 * device, by an explicit migration for a coherent one (no fault brings
 * a coherent page back). */
static void test_migrate_multiple(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ms_device_stats st;
		struct fx f;

		fx_init(&f, kinds[k], NPAGES);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		for (int c = 0; c < NTIMES; c++) {
			struct ms_migrate_result res;

			assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
							  f.dev[0], &res), 0);
			assert_int_equal(res.migrated, NPAGES);
			assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0,
							f.mirror, f.size), 0);
			assert_int_equal(mirror_bad(&f, 0, nwords(&f), 0), 0);
			if (kinds[k] == MS_DEVICE_COHERENT)
				assert_int_equal(ms_migrate_range(f.sim, f.map,
						 0, f.size, MS_DEVICE_NONE, &res),
						 0);
			assert_int_equal(cpu(&f, 0, nwords(&f), 0, false), 0);
		}
		st = dstats(f.sim, f.dev[0]);
		assert_int_equal(st.pgmigrate_to_device, NTIMES * NPAGES);
		assert_int_equal(st.pgmigrate_to_ram, NTIMES * NPAGES);
		assert_int_equal(st.bytes_to_ram, (uint64_t)NTIMES * NPAGES * pg());
		assert_int_equal(st.cpu_faults, kinds[k] == MS_DEVICE_PRIVATE ?
				 NTIMES * NPAGES : 0);
		fx_fini(&f);
	}
}

/* hmm2 migrate_mixed: a protected range, a hole, a mix of a zero page,
 * a read-only and two read-write pages migrated to device 1, and a page on
 * device 1 not taken by device 0. (dmirror answers -EINVAL for the first
 * two; memsim tells them apart.) */
static void test_migrate_mixed(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ms_migrate_result res;
		struct fx f;
		uint32_t v = 3;

		fx_init(&f, kinds[k], 6);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, 6 * pg(),
						MS_PERM_NONE), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, 6 * pg(),
						  f.dev[1], NULL), -EACCES);
		assert_int_equal(ms_mem_unmap(f.sim, f.map, pg(), pg()), 0);
		/* the first page found wrong decides: page 1, a hole */
		assert_int_equal(ms_migrate_range(f.sim, f.map, pg(), 2 * pg(),
						  f.dev[1], NULL), -EFAULT);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, 3 * pg(),
						  f.dev[1], NULL), -EACCES);
		/* page 2: a read-only zero page; 3 read-only with data; 4-5
		 * read-write */
		assert_int_equal(ms_mem_protect(f.sim, f.map, 2 * pg(), pg(),
						MS_PERM_READ), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 3 * pg(), 3 * pg(),
						MS_PERM_RW), 0);
		assert_int_equal(ms_mem_poke(f.sim, f.map, 3 * pg(), &v, 4), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 3 * pg(), pg(),
						MS_PERM_READ), 0);
		assert_int_equal(ms_mem_poke(f.sim, f.map, 4 * pg(), &v, 4), 0);
		assert_int_equal(ms_mem_poke(f.sim, f.map, 5 * pg(), &v, 4), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 2 * pg(), 4 * pg(),
						  f.dev[1], &res), 0);
		assert_int_equal(res.migrated, 4);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 5 * pg(), pg(),
						  f.dev[0], &res), -ENOENT);
		assert_int_equal(dstats(f.sim, f.dev[1]).frames_used, 4);
		assert_int_equal(dstats(f.sim, f.dev[0]).frames_used, 0);
		fx_fini(&f);
	}
}

/* hmm2 double_map: two devices read the same read-only memory; then it
 * is migrated to device 1 and device 0 reads it again (a private page
 * comes back to system RAM first; a coherent one is reached across the
 * bus). */
static void test_double_map(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ms_device_stats s0, s1;
		struct fx f;

		fx_init(&f, kinds[k], 6);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, f.size,
						MS_PERM_READ), 0);
		for (int d = 0; d < 2; d++) {
			memset(f.mirror, 0, f.size);
			assert_int_equal(ms_device_read(f.sim, f.dev[d], f.map, 0,
							f.mirror, f.size), 0);
			assert_int_equal(mirror_bad(&f, 0, nwords(&f), 0), 0);
		}
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
						  f.dev[1], NULL), 0);
		memset(f.mirror, 0, f.size);
		assert_int_equal(ms_device_read(f.sim, f.dev[0], f.map, 0,
						f.mirror, f.size), 0);
		assert_int_equal(mirror_bad(&f, 0, nwords(&f), 0), 0);
		s0 = dstats(f.sim, f.dev[0]);
		s1 = dstats(f.sim, f.dev[1]);
		assert_int_equal(s1.pgmigrate_to_ram,
				 kinds[k] == MS_DEVICE_PRIVATE ? 6 : 0);
		assert_int_equal(s1.frames_used,
				 kinds[k] == MS_DEVICE_PRIVATE ? 0 : 6);
		assert_int_equal(s0.remote_accesses, 12);
		fx_fini(&f);
	}
}

/* hmm2 snapshot: what device 0 sees of seven pages: no rights, a hole, a
 * read-only zero page, read-only data, read-write data, its own page, the
 * other device's page. */
static void test_snapshot(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		bool priv = kinds[k] == MS_DEVICE_PRIVATE;
		uint16_t m[7];
		uint32_t v = 3;
		struct fx f;

		fx_init(&f, kinds[k], 7);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 0, 7 * pg(),
						MS_PERM_NONE), 0);
		assert_int_equal(ms_mem_unmap(f.sim, f.map, pg(), pg()), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 2 * pg(), pg(),
						MS_PERM_READ), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 3 * pg(), 4 * pg(),
						MS_PERM_RW), 0);
		assert_int_equal(ms_mem_poke(f.sim, f.map, 3 * pg(), &v, 4), 0);
		assert_int_equal(ms_mem_protect(f.sim, f.map, 3 * pg(), pg(),
						MS_PERM_READ), 0);
		assert_int_equal(ms_mem_poke(f.sim, f.map, 4 * pg(), &v, 4), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 5 * pg(), pg(),
						  f.dev[0], NULL), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 6 * pg(), pg(),
						  f.dev[1], NULL), 0);
		assert_int_equal(ms_mem_snapshot(f.sim, f.dev[0], f.map, 0, 7, m),
				 0);
		assert_int_equal(m[0], MS_SNAP_NONE);
		assert_int_equal(m[1], MS_SNAP_ERROR);
		assert_int_equal(m[2], MS_SNAP_READ | MS_SNAP_EMPTY);
		assert_int_equal(m[3], MS_SNAP_READ | MS_SNAP_RAM);
		assert_int_equal(m[4], MS_SNAP_READ | MS_SNAP_WRITE | MS_SNAP_RAM);
		assert_int_equal(m[5], MS_SNAP_READ | MS_SNAP_WRITE |
				 (priv ? MS_SNAP_DEV_PRIVATE_LOCAL :
				  MS_SNAP_DEV_COHERENT_LOCAL));
		assert_int_equal(m[6], priv ?
				 MS_SNAP_NONE | MS_SNAP_DEV_PRIVATE_REMOTE :
				 MS_SNAP_READ | MS_SNAP_WRITE |
				 MS_SNAP_DEV_COHERENT_REMOTE);
		fx_fini(&f);
	}
}

/* migrate_partial_unmap_fault: migrate, unmap half (at the start, a
 * quarter in, the middle), fault the rest back: intact, and the device
 * keeps nothing of the unmapped part. */
static void test_migrate_partial_unmap_fault(void **state)
{
	const size_t offs[] = { 0, NPAGES / 4, NPAGES / 2 };

	(void)state;
	for (int k = 0; k < 2; k++) {
		for (int j = 0; j < 3; j++) {
			struct ms_device_stats st;
			struct fx f;
			size_t w0 = offs[j] * pg() / 4;
			size_t w1 = (offs[j] + NPAGES / 2) * pg() / 4;

			fx_init(&f, kinds[k], NPAGES);
			assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
			assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
							  f.dev[0], NULL), 0);
			assert_int_equal(ms_mem_unmap(f.sim, f.map,
						      offs[j] * pg(),
						      NPAGES / 2 * pg()), 0);
			st = dstats(f.sim, f.dev[0]);
			assert_int_equal(st.pages_freed, NPAGES / 2);
			assert_int_equal(st.frames_used, NPAGES / 2);
			assert_int_equal(cpu(&f, 0, w0, 0, false), 0);
			assert_int_equal(cpu(&f, w1, nwords(&f), 0, false), 0);
			fx_fini(&f);
		}
	}
}

/* hmm_gup_test, as far as it maps: pinning a device page long-term.
 * Linux migrates both kinds back to system memory before it pins; here a
 * long-term pin of coherent memory is refused and one of private memory
 * pins the page where it is (docs/device-memory.md, section 4). */
static void test_gup_longterm(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		uint16_t s;
		struct fx f;

		fx_init(&f, kinds[k], 4);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, true), 0);
		assert_int_equal(ms_migrate_range(f.sim, f.map, 0, f.size,
						  f.dev[0], NULL), 0);
		assert_int_equal(ms_mem_pin(f.sim, f.map, 2 * pg(), pg(),
					    MS_PIN_LONGTERM),
				 kinds[k] == MS_DEVICE_PRIVATE ? 0 : -EINVAL);
		/* a short-term pin holds either kind where it is */
		assert_int_equal(ms_mem_pin(f.sim, f.map, 0, pg(), 0), 0);
		assert_int_equal(ms_mem_snapshot(f.sim, f.dev[0], f.map, 0, 1,
						 &s), 0);
		assert_true(s & MS_SNAP_PINNED);
		assert_int_equal(dstats(f.sim, f.dev[0]).pin_refused,
				 kinds[k] == MS_DEVICE_PRIVATE ? 0 : 1);
		assert_int_equal(ms_mem_unpin(f.sim, f.map, 0, pg(), 0), 0);
		if (kinds[k] == MS_DEVICE_PRIVATE)
			assert_int_equal(ms_mem_unpin(f.sim, f.map, 2 * pg(), pg(),
						      MS_PIN_LONGTERM), 0);
		assert_int_equal(cpu(&f, 0, nwords(&f), 0, false), 0);
		fx_fini(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon_read),
		cmocka_unit_test(test_anon_read_prot),
		cmocka_unit_test(test_anon_write),
		cmocka_unit_test(test_anon_write_prot),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_migrate_fault),
		cmocka_unit_test(test_migrate_release),
		cmocka_unit_test(test_migrate_multiple),
		cmocka_unit_test(test_migrate_mixed),
		cmocka_unit_test(test_double_map),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_migrate_partial_unmap_fault),
		cmocka_unit_test(test_gup_longterm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
