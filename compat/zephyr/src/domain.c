/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: memory domains and application partitions.
 *
 * Zephyr's bookkeeping and errors (kernel/mem_domain.c): a domain holds up
 * to CONFIG_MAX_DOMAIN_PARTITIONS partitions that must not overlap; a
 * thread belongs to one domain (a new thread to its creator's); the
 * default domain holds the ztest partition.
 *
 * What is not here yet: enforcement. memsim's domains partition memsim's
 * own arena (<memsim/domain.h>), and a Zephyr program's partitions are its
 * own static data; until the arena can be placed over that data, a user
 * thread's stray access to another partition is not a fault (the
 * userspace_domain cases say so in docs/zephyr.md). The rights are used by
 * the syscall verifiers' memory checks (k_usermode_check).
 *
 * Invariant: a domain's partitions never overlap; a thread's record
 * points at the domain it belongs to (NULL: the default one).
 */
#include "zms.h"

struct zms_domain {
	struct k_mem_domain *kd;
	struct k_mem_partition *parts[CONFIG_MAX_DOMAIN_PARTITIONS];
	uint32_t n;
};

struct k_mem_domain k_mem_domain_default;
static struct zms_domain default_domain;
static GHashTable *domains;	/* struct k_mem_domain * -> struct zms_domain */

#ifdef CONFIG_USERSPACE
K_APPMEM_PARTITION_DEFINE(ztest_mem_partition);
#endif

extern const struct zms_app_part __start_zms_app_parts[] __attribute__((weak));
extern const struct zms_app_part __stop_zms_app_parts[] __attribute__((weak));

int arch_mem_domain_max_partitions_get(void)
{
	return CONFIG_MAX_DOMAIN_PARTITIONS;
}

static struct zms_domain *dom_of(struct k_mem_domain *kd)
{
	if (kd == &k_mem_domain_default)
		return &default_domain;
	return domains ? g_hash_table_lookup(domains, kd) : NULL;
}

static bool overlaps(const struct k_mem_partition *a,
		     const struct k_mem_partition *b)
{
	return a->start < b->start + b->size && b->start < a->start + a->size;
}

/* Zephyr's check_add_partition: non-empty, no wrap, W^X. */
static bool part_valid(const struct k_mem_partition *p)
{
	uintptr_t end;

	if (!p || p->size == 0)
		return false;
	if (__builtin_add_overflow(p->start, p->size, &end))
		return false;
	if (K_MEM_PARTITION_IS_WRITABLE(p->attr) &&
	    K_MEM_PARTITION_IS_EXECUTABLE(p->attr))
		return false;
	return true;
}

static int add_part(struct zms_domain *d, struct k_mem_partition *p)
{
	if (!part_valid(p))
		return -EINVAL;
	for (uint32_t i = 0; i < d->n; i++)
		if (overlaps(d->parts[i], p))
			return -EINVAL;
	if (d->n == CONFIG_MAX_DOMAIN_PARTITIONS)
		return -ENOSPC;
	d->parts[d->n++] = p;
	d->kd->num_partitions = d->n;
	return 0;
}

static int supervisor_only(const char *what)
{
	if (zms_user())
		zms_oops_self(what);
	return 0;
}

int k_mem_domain_init(struct k_mem_domain *domain, uint8_t num_parts,
		      struct k_mem_partition *parts[])
{
	struct zms_domain *d;
	int ret = 0;

	supervisor_only("k_mem_domain_init is for supervisor threads");
	if (!domain || (num_parts && !parts) ||
	    num_parts > CONFIG_MAX_DOMAIN_PARTITIONS)
		return -EINVAL;
	if (!domains)
		domains = g_hash_table_new(g_direct_hash, g_direct_equal);
	d = dom_of(domain);
	if (!d) {
		d = g_new0(struct zms_domain, 1);
		g_hash_table_insert(domains, domain, d);
	}
	d->kd = domain;
	d->n = 0;
	domain->zms = d;
	for (uint8_t i = 0; i < num_parts && ret == 0; i++)
		ret = add_part(d, parts[i]);
	if (ret)
		d->n = 0;
	domain->num_partitions = d->n;
	return ret;
}

int k_mem_domain_add_partition(struct k_mem_domain *domain,
			       struct k_mem_partition *part)
{
	struct zms_domain *d;

	supervisor_only("k_mem_domain_add_partition is for supervisor threads");
	d = dom_of(domain);
	if (!d)
		return -EINVAL;
	return add_part(d, part);
}

int k_mem_domain_remove_partition(struct k_mem_domain *domain,
				  struct k_mem_partition *part)
{
	struct zms_domain *d;

	supervisor_only("k_mem_domain_remove_partition is for supervisor threads");
	d = dom_of(domain);
	if (!d || !part)
		return -EINVAL;
	for (uint32_t i = 0; i < d->n; i++) {
		if (d->parts[i]->start == part->start &&
		    d->parts[i]->size == part->size) {
			d->parts[i] = d->parts[--d->n];
			domain->num_partitions = d->n;
			return 0;
		}
	}
	return -ENOENT;
}

int k_mem_domain_add_thread(struct k_mem_domain *domain, k_tid_t thread)
{
	struct zms_domain *d;

	supervisor_only("k_mem_domain_add_thread is for supervisor threads");
	d = dom_of(domain);
	if (!d || !thread)
		return -EINVAL;
	zms_thread_of(thread)->domain = d;
	return 0;
}

int k_mem_domain_deinit(struct k_mem_domain *domain)
{
	struct zms_domain *d = dom_of(domain);

	if (!d || d == &default_domain)
		return -EINVAL;
	g_hash_table_remove(domains, domain);
	g_free(d);
	return 0;
}

bool zms_domain_allows(ms_tid tid, uintptr_t lo, uintptr_t hi, int write)
{
	struct zms_thread *t = zms_thread_by_tid(tid);
	struct zms_domain *d = t && t->domain ? t->domain : &default_domain;

	for (uint32_t i = 0; i < d->n; i++) {
		const struct k_mem_partition *p = d->parts[i];
		unsigned user = p->attr & 7;

		if (lo >= p->start && hi <= p->start + p->size &&
		    (user & (write ? 2u : 1u)))
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
	default_domain.kd = &k_mem_domain_default;
	k_mem_domain_default.zms = &default_domain;
#ifdef CONFIG_USERSPACE
	if (ztest_mem_partition.size)
		return add_part(&default_domain, &ztest_mem_partition);
#endif
	return 0;
}
