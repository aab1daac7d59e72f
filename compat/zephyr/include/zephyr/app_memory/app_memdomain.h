/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: application memory partitions.
 *
 * K_APP_DMEM(part) and K_APP_BMEM(part) put a variable in the sections
 * data_smem_<part>_data / data_smem_<part>_bss. The linker script that
 * `memsim ztest` generates for a test gathers each partition's sections
 * into one page-aligned, page-sized region between the symbols
 * z_data_smem_<part>_part_start and _part_end, as Zephyr's build does;
 * K_APPMEM_PARTITION_DEFINE(part) defines the struct k_mem_partition over
 * that region, filled in before main.
 */
#ifndef ZEPHYR_APP_MEMORY_APP_MEMDOMAIN_H
#define ZEPHYR_APP_MEMORY_APP_MEMDOMAIN_H

#include <stdint.h>
#include <stddef.h>

struct k_mem_partition;
/* One per K_APPMEM_PARTITION_DEFINE, in section zms_app_parts. */
struct zms_app_part {
	struct k_mem_partition *part;
	const char *name;
	char *start;
	char *end;
};

#ifdef CONFIG_USERSPACE

#define K_APP_DMEM_SECTION(id) "data_smem_" #id "_data"
#define K_APP_BMEM_SECTION(id) "data_smem_" #id "_bss"
#define K_APP_DMEM(id) __attribute__((__section__(K_APP_DMEM_SECTION(id))))
#define K_APP_BMEM(id) __attribute__((__section__(K_APP_BMEM_SECTION(id))))

#define K_APPMEM_PARTITION_DEFINE(name)                                      \
	extern char z_data_smem_##name##_part_start[];                        \
	extern char z_data_smem_##name##_part_end[];                          \
	struct k_mem_partition name = { .attr = K_MEM_PARTITION_P_RW_U_RW };  \
	static const struct zms_app_part zms_app_part_##name                  \
		__attribute__((__section__("zms_app_parts"), __used__)) = {    \
		&name, #name, z_data_smem_##name##_part_start,                \
		z_data_smem_##name##_part_end }

#else

#define K_APP_DMEM(id)
#define K_APP_BMEM(id)
#define K_APPMEM_PARTITION_DEFINE(name)

#endif

#endif
