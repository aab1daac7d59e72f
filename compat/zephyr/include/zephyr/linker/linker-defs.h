/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the image's section bounds, from the host linker. */
#ifndef ZEPHYR_LINKER_LINKER_DEFS_H
#define ZEPHYR_LINKER_LINKER_DEFS_H

/* Provided by the script `memsim ztest` links with (zms_rodata). */
extern char __rodata_region_start[];
extern char __rodata_region_end[];

#endif
