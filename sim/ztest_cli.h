/* SPDX-License-Identifier: MIT */
/* memsim ztest: the subcommand's entry point (sim/ztest.c). */
#ifndef MS_ZTEST_CLI_H
#define MS_ZTEST_CLI_H

/* argv[0] is "ztest"; returns the process exit status. */
int ms_cli_ztest(int argc, char **argv);

#endif
