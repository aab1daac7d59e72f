/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: what Zephyr's build generates, for `memsim ztest`.
 *
 *  - the configuration: <zephyr/autoconf.h> from the layer's defaults, a
 *    test's prj.conf and a testcase.yaml scenario's extra_configs
 *    (kconfig.c);
 *  - syscall stubs and marshallers for the __syscall declarations in a
 *    test's own headers (syscalls.c);
 *  - the linker script that gathers K_APP_DMEM/K_APP_BMEM variables into
 *    page-aligned partitions (linkscript.c);
 *  - a testcase.yaml scenario's settings (testcase.c).
 *
 * Every call returns 0 or a negative errno; on bad input *err gets a
 * sentence with file, line and column.
 */
#ifndef ZMS_GEN_H
#define ZMS_GEN_H

#include <glib.h>
#include <stdbool.h>

struct zms_kconfig;

struct zms_kconfig *zms_kconfig_new(void);
void zms_kconfig_free(struct zms_kconfig *k);
/* Apply a prj.conf-style file (missing: -ENOENT, nothing applied). */
int zms_kconfig_load(struct zms_kconfig *k, const char *path, bool by_test,
		     char **err);
/* Apply one CONFIG_NAME=VALUE (origin names it in errors). */
int zms_kconfig_set(struct zms_kconfig *k, const char *line,
		    const char *origin, int lineno, bool by_test, char **err);
/* Apply the rules that tie options together; write the header. */
int zms_kconfig_write(struct zms_kconfig *k, const char *path, char **err);
const char *zms_kconfig_get(const struct zms_kconfig *k, const char *name);

/* Generate syscalls/<H>.h, syscalls/<name>_mrsh.c (and zephyr/syscalls/
 * copies) under outdir for every header below srcdir with __syscall
 * declarations. *count: the syscalls found. */
int zms_syscalls_generate(const char *srcdir, const char *outdir,
			  unsigned *count, char **err);

/* The names of the application partitions the objects define (from their
 * data_smem_<name>_data/_bss sections), sorted, ztest_mem_partition always. */
int zms_partitions_scan(GPtrArray *objects, GPtrArray *names, char **err);
int zms_linkscript_write(const char *path, GPtrArray *names, char **err);

/* A testcase.yaml scenario: its extra_configs (and CONFIG_ entries of
 * extra_args), appended to configs; conf_file: a CONF_FILE from
 * extra_args, or NULL. names: every scenario's name, if not NULL. */
int zms_testcase_scenario(const char *path, const char *scenario,
			  GPtrArray *configs, char **conf_file,
			  GPtrArray *names, char **err);

#endif
