/* SPDX-License-Identifier: MIT */
/*
 * zms-gen: the layer's generators at memsim's own build time, for the
 * prebuilt library that pkg-config's memsim-zephyr links:
 *   zms-gen autoconf DEFAULTS.conf OUT.h   the default configuration
 *   zms-gen linkscript OUT.ld              the ztest partition only
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *err = NULL;
	int ret;

	if (argc == 4 && !strcmp(argv[1], "autoconf")) {
		struct zms_kconfig *k = zms_kconfig_new();

		ret = zms_kconfig_load(k, argv[2], false, &err);
		if (ret == 0)
			ret = zms_kconfig_write(k, argv[3], &err);
		zms_kconfig_free(k);
	} else if (argc == 3 && !strcmp(argv[1], "linkscript")) {
		GPtrArray *objs = g_ptr_array_new(), *names =
			g_ptr_array_new_with_free_func(g_free);

		ret = zms_partitions_scan(objs, names, &err);
		if (ret == 0)
			ret = zms_linkscript_write(argv[2], names, &err);
		g_ptr_array_free(objs, TRUE);
		g_ptr_array_free(names, TRUE);
	} else {
		fprintf(stderr, "usage: zms-gen autoconf DEFAULTS OUT | "
			"linkscript OUT\n");
		return 2;
	}
	if (ret) {
		fprintf(stderr, "zms-gen: %s\n", err ? err : "failed");
		g_free(err);
		return 1;
	}
	return 0;
}
