/* SPDX-License-Identifier: MIT */
/*
 * The driver of the CLI tests: runs the built memsim once (twice for
 * --same) and checks its exit status, its output and its errors exactly.
 *
 *   cli-test MEMSIM STATUS [CHECK]... -- ARGS...
 *
 * STATUS is the exact exit status expected. CHECKs:
 *   --out-line LINE     stdout has a line equal to LINE
 *   --out-has TEXT      stdout contains TEXT
 *   --out-lacks TEXT    stdout does not contain TEXT
 *   --out-empty         stdout is empty
 *   --err-first LINE    the first line of stderr is exactly LINE
 *   --err-line LINE     stderr has a line equal to LINE
 *   --err-has TEXT      stderr contains TEXT
 *   --err-empty         stderr is empty
 *   --same              run twice: stdout must be byte-identical
 *   --file-has F TEXT   after the run, file F contains TEXT
 *   --json-valid F      file F ('-': stdout) is one valid JSON document
 *
 * It is a C program rather than a shell script so that `meson test --setup
 * valgrind` checks only memsim's memory and not a shell's: under that setup
 * (MEMSIM_UNDER_VALGRIND=1) the driver runs memsim itself under Valgrind
 * memcheck with the suppression files listed in $MEMSIM_VALGRIND_SUPP
 * (separated by ':'), and a memcheck error (status 99)
 * fails the test.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <glib.h>

struct check {
	const char *kind;
	const char *a;
	const char *b;
};

static int failures;

static void bad(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void bad(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

/* ---- a strict JSON validator (RFC 8259), enough to trust our writers ---- */

struct jp {
	const char *p, *end;
	int depth;
};

static void ws(struct jp *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p))
		j->p++;
}

static bool lit(struct jp *j, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n))
		return false;
	j->p += n;
	return true;
}

static bool jstring(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				for (int i = 0; i < 4; i++)
					if (++j->p >= j->end ||
					    !g_ascii_isxdigit(*j->p))
						return false;
			} else if (!strchr("\"\\/bfnrt", *j->p)) {
				return false;
			}
		}
	}
	return false;
}

static bool digits(struct jp *j)
{
	const char *s = j->p;

	while (j->p < j->end && g_ascii_isdigit(*j->p))
		j->p++;
	return j->p > s;
}

static bool jnumber(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return false;
	}
	return true;
}

static bool jvalue(struct jp *j);

static bool jcontainer(struct jp *j, char open, char close, bool object)
{
	if (++j->depth > 512)
		return false;
	j->p++;	/* open */
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		ws(j);
		if (object) {
			if (!jstring(j))
				return false;
			ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!jvalue(j))
			return false;
		ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			return false;
		j->depth--;
		return true;
	}
}

static bool jvalue(struct jp *j)
{
	ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
		return jcontainer(j, '{', '}', true);
	case '[':
		return jcontainer(j, '[', ']', false);
	case '"':
		return jstring(j);
	case 't':
		return lit(j, "true");
	case 'f':
		return lit(j, "false");
	case 'n':
		return lit(j, "null");
	default:
		return jnumber(j);
	}
}

static bool json_valid(const char *s, size_t len, size_t *where)
{
	struct jp j = { .p = s, .end = s + len };
	bool ok = jvalue(&j);

	ws(&j);
	ok = ok && j.p == j.end;
	*where = (size_t)(j.p - s);
	return ok;
}

/* ---- running memsim ------------------------------------------------------ */

static int run(const char *memsim, char **args, char **out, char **err)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	GError *error = NULL;
	int wait_status = 0;
	const char *vg = g_getenv("MEMSIM_UNDER_VALGRIND");
	gchar *valgrind = g_find_program_in_path("valgrind");

	if (vg && !strcmp(vg, "1") && valgrind) {
		const char *supp = g_getenv("MEMSIM_VALGRIND_SUPP");

		g_ptr_array_add(argv, g_strdup(valgrind));
		g_ptr_array_add(argv, g_strdup("--error-exitcode=99"));
		g_ptr_array_add(argv, g_strdup("--leak-check=full"));
		g_ptr_array_add(argv, g_strdup("--errors-for-leak-kinds=definite"));
		g_ptr_array_add(argv, g_strdup("--show-leak-kinds=definite"));
		g_ptr_array_add(argv, g_strdup("--quiet"));
		/* a ':'-separated list of suppression files */
		if (supp && *supp) {
			gchar **files = g_strsplit(supp, ":", -1);

			for (gchar **f = files; *f; f++)
				if (**f)
					g_ptr_array_add(argv, g_strdup_printf(
						"--suppressions=%s", *f));
			g_strfreev(files);
		}
	}
	g_free(valgrind);
	g_ptr_array_add(argv, g_strdup(memsim));
	for (char **a = args; *a; a++)
		g_ptr_array_add(argv, g_strdup(*a));
	g_ptr_array_add(argv, NULL);

	if (!g_spawn_sync(NULL, (gchar **)argv->pdata, NULL,
			  G_SPAWN_SEARCH_PATH, NULL, NULL, out, err,
			  &wait_status, &error)) {
		fprintf(stderr, "cli-test: cannot run %s: %s\n", memsim,
			error->message);
		g_error_free(error);
		g_ptr_array_free(argv, TRUE);
		exit(99);
	}
	g_ptr_array_free(argv, TRUE);
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	return 128 + (WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0);
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static void check_json(const char *what, const char *text, size_t len)
{
	size_t where;

	if (!json_valid(text, len, &where))
		bad("%s is not valid JSON (at byte %zu: \"%.30s\")", what,
		    where, text + where);
}

int main(int argc, char **argv)
{
	GArray *checks = g_array_new(FALSE, FALSE, sizeof(struct check));
	char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
	bool same = false;
	int want, status, i;

	if (argc < 4) {
		fprintf(stderr, "usage: cli-test MEMSIM STATUS [CHECK]... -- "
			"ARGS...\n");
		return 99;
	}
	want = atoi(argv[2]);
	for (i = 3; i < argc && strcmp(argv[i], "--"); i++) {
		struct check c = { .kind = argv[i] };

		if (!strcmp(c.kind, "--same")) {
			same = true;
			continue;
		}
		if (!strcmp(c.kind, "--out-empty") ||
		    !strcmp(c.kind, "--err-empty")) {
			g_array_append_val(checks, c);
			continue;
		}
		if (i + 1 >= argc)
			goto usage;
		c.a = argv[++i];
		if (!strcmp(c.kind, "--file-has")) {
			if (i + 1 >= argc)
				goto usage;
			c.b = argv[++i];
		}
		g_array_append_val(checks, c);
	}
	if (i < argc)
		i++;	/* the "--" */

	fprintf(stderr, "running: %s", argv[1]);
	for (int k = i; k < argc; k++)
		fprintf(stderr, " %s", argv[k]);
	fputc('\n', stderr);

	status = run(argv[1], argv + i, &out, &err);
	if (status != want)
		bad("exit status %d, expected %d", status, want);
	if (same) {
		run(argv[1], argv + i, &out2, &err2);
		if (strcmp(out, out2))
			bad("two runs wrote different output");
	}

	for (guint k = 0; k < checks->len; k++) {
		const struct check *c = &g_array_index(checks, struct check, k);

		if (!strcmp(c->kind, "--out-line")) {
			if (!has_line(out, c->a))
				bad("stdout lacks the line: '%s'", c->a);
		} else if (!strcmp(c->kind, "--out-has")) {
			if (!strstr(out, c->a))
				bad("stdout lacks: '%s'", c->a);
		} else if (!strcmp(c->kind, "--out-lacks")) {
			if (strstr(out, c->a))
				bad("stdout has: '%s'", c->a);
		} else if (!strcmp(c->kind, "--out-empty")) {
			if (*out)
				bad("stdout is not empty");
		} else if (!strcmp(c->kind, "--err-first")) {
			size_t n = strcspn(err, "\n");

			if (strlen(c->a) != n || memcmp(err, c->a, n))
				bad("first line of stderr is '%.*s'\n"
				    "      expected '%s'", (int)n, err, c->a);
		} else if (!strcmp(c->kind, "--err-line")) {
			if (!has_line(err, c->a))
				bad("stderr lacks the line: '%s'", c->a);
		} else if (!strcmp(c->kind, "--err-has")) {
			if (!strstr(err, c->a))
				bad("stderr lacks: '%s'", c->a);
		} else if (!strcmp(c->kind, "--err-empty")) {
			if (*err)
				bad("stderr is not empty");
		} else if (!strcmp(c->kind, "--file-has")) {
			gchar *text = NULL;

			if (!g_file_get_contents(c->a, &text, NULL, NULL))
				bad("cannot read %s", c->a);
			else if (!strstr(text, c->b))
				bad("%s lacks: '%s'", c->a, c->b);
			g_free(text);
		} else if (!strcmp(c->kind, "--json-valid")) {
			if (!strcmp(c->a, "-")) {
				check_json("stdout", out, strlen(out));
			} else {
				gchar *text = NULL;
				gsize len = 0;

				if (!g_file_get_contents(c->a, &text, &len,
							 NULL))
					bad("cannot read %s", c->a);
				else
					check_json(c->a, text, len);
				g_free(text);
			}
		} else {
			goto usage;
		}
	}

	if (failures) {
		fprintf(stderr, "---- stdout ----\n%.4000s\n---- stderr ----\n"
			"%.4000s\n", out, err);
	}
	g_free(out);
	g_free(err);
	g_free(out2);
	g_free(err2);
	g_array_free(checks, TRUE);
	return failures ? 1 : 0;
usage:
	fprintf(stderr, "cli-test: bad or incomplete check (see the comment "
		"at the top of cli-test.c)\n");
	return 99;
}
