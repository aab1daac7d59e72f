/* SPDX-License-Identifier: MIT */
/*
 * Replays inputs through a libFuzzer entry point without libFuzzer, so that
 * the crashes and hangs the fuzzers found run as regression tests in every
 * build (plain, sanitizers, Valgrind): `replay [--expect N] FILE|DIR...`.
 * Directories are walked recursively. With --expect, the number of inputs
 * replayed must be exactly N (a test that silently replays nothing would
 * pass). An input that breaks an invariant aborts, as under libFuzzer.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long replayed;

static int replay_file(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	FILE *fp;
	uint8_t *buf;
	size_t n;

	/* Regular files only; dotfiles (.keep) are not inputs. */
	if (type != FTW_F || path[ftw->base] == '.')
		return 0;
	fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		return 1;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		fclose(fp);
		return 1;
	}
	n = fread(buf, 1, (size_t)st->st_size, fp);
	fclose(fp);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	replayed++;
	return 0;
}

int main(int argc, char **argv)
{
	long expect = -1;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "--expect") == 0) {
		expect = strtol(argv[2], NULL, 10);
		i = 3;
	}
	for (; i < argc; i++)
		if (nftw(argv[i], replay_file, 16, FTW_PHYS))
			return 1;
	printf("replayed %lu inputs\n", replayed);
	if (expect >= 0 && replayed != (unsigned long)expect) {
		fprintf(stderr, "replay: expected %ld inputs\n", expect);
		return 1;
	}
	return 0;
}
