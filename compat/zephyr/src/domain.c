/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: memory domains and application partitions, on
 * memsim's domains.
 *
 * The program's partitions (K_APP_DMEM/K_APP_BMEM, gathered by the linker
 * script) and its kernel data are memsim's arena, adopted in place
 * (ms_config.arena_at): a struct k_mem_partition is a memsim partition at
 * its offset into the arena, a struct k_mem_domain a memsim domain, and
 * k_mem_domain_default memsim's default domain, which holds the ztest
 * partition. A user thread reaches its domain's partitions and its own
 * stack; anything else in the arena (the test's variables, the layer's
 * kernel objects) is a real fault, reason K_ERR_CPU_EXCEPTION, as on
 * Zephyr's MMU. The errors are Zephyr's (kernel/mem_domain.c), which
 * memsim's domain calls share; they are supervisor calls (a user thread
 * that makes one is killed with an oops).
 *
 * Invariant: a struct k_mem_domain that k_mem_domain_init accepted names
 * one memsim domain (zms_id) for the rest of the run.
 */
#include "zms.h"

ZMS_KDATA struct k_mem_domain k_mem_domain_default;

#ifdef CONFIG_USERSPACE
K_APPMEM_PARTITION_DEFINE(ztest_mem_partition);
#endif

extern const struct zms_app_part __start_zms_app_parts[] __attribute__((weak));
extern const struct zms_app_part __stop_zms_app_parts[] __attribute__((weak));

int arch_mem_domain_max_partitions_get(void)
{
	return (int)ms_domain_max_partitions(zms.sim);
}

static unsigned perm(unsigned bits)
{
	unsigned p = 0;

	if (bits & 1)
		p |= MS_PERM_READ;
	if (bits & 2)
		p |= MS_PERM_WRITE;
	if (bits & 4)
		p |= MS_PERM_EXEC;
	return p;
}

/* The memsim partition of a Zephyr one; -EINVAL outside the arena. */
static int to_ms(const struct k_mem_partition *p, struct ms_partition *out)
{
	size_t size = 0;
	char *base = ms_domain_arena(zms.sim, &size);

	if (!p)
		return -EINVAL;
	if (p->start < (uintptr_t)base || p->size > size ||
	    p->start - (uintptr_t)base > size - p->size) {
		if (zms.verbose)
			printk("partition [%#lx, +%zu) is outside the program's "
			       "data, which memsim protects\n",
			       (unsigned long)p->start, p->size);
		return -EINVAL;
	}
	out->start = p->start - (uintptr_t)base;
	out->size = p->size;
	out->user = perm(p->attr & 7);
	out->supervisor = perm((p->attr >> 4) & 7);
	out->name = NULL;
	return 0;
}

static ms_domain_id dom_id(const struct k_mem_domain *d)
{
	if (d == &k_mem_domain_default)
		return MS_DOMAIN_DEFAULT;
	return d && d->zms ? d->zms_id : MS_DOMAIN_NONE;
}

int k_mem_domain_init(struct k_mem_domain *domain, uint8_t num_parts,
		      struct k_mem_partition *parts[])
{
	struct ms_partition mp[CONFIG_MAX_DOMAIN_PARTITIONS];
	ms_domain_id id;
	int ret;

	if (!domain || (num_parts && !parts) ||
	    num_parts > CONFIG_MAX_DOMAIN_PARTITIONS)
		return -EINVAL;
	for (uint8_t i = 0; i < num_parts; i++) {
		ret = to_ms(parts[i], &mp[i]);
		if (ret)
			return ret;
	}
	ret = ms_domain_new(zms.sim, NULL, mp, num_parts, &id);
	if (ret) {
		if (zms.verbose)
			printk("k_mem_domain_init: %s\n",
			       ms_domain_last_error(zms.sim));
		return ret;
	}
	/* a domain initialised again is a new memsim domain; the old one
	 * goes if no thread is in it */
	if (domain->zms && domain != &k_mem_domain_default)
		ms_domain_destroy(zms.sim, domain->zms_id);
	domain->zms = (struct zms_domain *)domain;	/* marks it initialised */
	domain->zms_id = id;
	domain->num_partitions = num_parts;
	return 0;
}

int k_mem_domain_add_partition(struct k_mem_domain *domain,
			       struct k_mem_partition *part)
{
	struct ms_partition mp;
	int ret = to_ms(part, &mp);

	if (dom_id(domain) == MS_DOMAIN_NONE)
		return -EINVAL;
	if (ret)
		return ret;
	ret = ms_domain_add_partition(zms.sim, dom_id(domain), &mp);
	if (ret && zms.verbose)
		printk("k_mem_domain_add_partition: %s\n",
		       ms_domain_last_error(zms.sim));
	if (ret == 0 && !zms_user())
		domain->num_partitions++;
	return ret;
}

int k_mem_domain_remove_partition(struct k_mem_domain *domain,
				  struct k_mem_partition *part)
{
	struct ms_partition mp;
	int ret;

	if (dom_id(domain) == MS_DOMAIN_NONE || !part)
		return -EINVAL;
	ret = to_ms(part, &mp);
	if (ret)
		return -ENOENT;	/* never in any domain */
	ret = ms_domain_remove_partition(zms.sim, dom_id(domain), &mp);
	if (ret == 0 && !zms_user())
		domain->num_partitions--;
	return ret;
}

int k_mem_domain_add_thread(struct k_mem_domain *domain, k_tid_t thread)
{
	struct zms_thread *t;

	if (dom_id(domain) == MS_DOMAIN_NONE || !thread)
		return -EINVAL;
	t = zms_thread_of(thread);
	if (t->tid == MS_TID_NONE)
		return -EINVAL;
	return ms_domain_add_thread(zms.sim, dom_id(domain), t->tid);
}

int k_mem_domain_deinit(struct k_mem_domain *domain)
{
	ms_domain_id id = dom_id(domain);
	int ret;

	if (id == MS_DOMAIN_NONE || id == MS_DOMAIN_DEFAULT)
		return -EINVAL;
	ret = ms_domain_destroy(zms.sim, id);
	if (ret == 0)
		domain->zms = NULL;
	return ret;
}

/* Does thread tid's domain give the user rights asked for over [lo, hi)? */
bool zms_domain_allows(ms_tid tid, uintptr_t lo, uintptr_t hi, int write)
{
	size_t size = 0;
	uintptr_t base = (uintptr_t)ms_domain_arena(zms.sim, &size);
	ms_domain_id dom;
	unsigned need = write ? MS_PERM_WRITE : MS_PERM_READ;

	if (lo < base || hi > base + size || ms_domain_of(zms.sim, tid, &dom))
		return false;
	for (unsigned i = 0; i < ms_domain_max_partitions(zms.sim); i++) {
		struct ms_partition p;

		if (ms_domain_partition_get(zms.sim, dom, i, &p))
			continue;
		if (lo - base >= p.start && hi - base <= p.start + p.size &&
		    (p.user & need))
			return true;
	}
	return false;
}

/* Fill in every K_APPMEM_PARTITION_DEFINE from the linker's bounds. */
int zms_app_parts_init(void)
{
	for (const struct zms_app_part *p = __start_zms_app_parts;
	     p && p < __stop_zms_app_parts; p++) {
		p->part->start = (uintptr_t)p->start;
		p->part->size = (size_t)(p->end - p->start);
		p->part->attr = K_MEM_PARTITION_P_RW_U_RW;
	}
	return 0;
}

int zms_domains_init(void)
{
	k_mem_domain_default.zms = (struct zms_domain *)&k_mem_domain_default;
	k_mem_domain_default.zms_id = MS_DOMAIN_DEFAULT;
#ifdef CONFIG_USERSPACE
	if (ztest_mem_partition.size) {
		struct ms_partition mp;
		int ret = to_ms(&ztest_mem_partition, &mp);

		if (ret == 0)
			ret = ms_domain_add_partition(zms.sim, MS_DOMAIN_DEFAULT, &mp);
		if (ret == 0)
			k_mem_domain_default.num_partitions = 1;
		return ret;
	}
#endif
	return 0;
}
