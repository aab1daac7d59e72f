/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: syscall stubs for a test's own __syscall
 * declarations (what Zephyr's parse_syscalls.py and gen_syscalls.py make).
 *
 * For `__syscall RET name(T1 a1, ...);` in FOO.h, <syscalls/FOO.h> gets an
 * inline name() that calls z_impl_name() from a supervisor thread and
 * enters the layer's syscall path from a user thread, with the arguments
 * packed in a struct zms_args_name; <syscalls/name_mrsh.c> gets the
 * marshaller, which unpacks them, calls z_vrfy_name() and registers itself
 * (<zephyr/zms_syscall.h>). Both are also reachable as
 * <zephyr/syscalls/...>, the path Zephyr uses since 3.7.
 *
 * Invariant: the output depends only on the headers' text (files and
 * declarations in the order found, the directory walk sorted).
 */
#include "gen.h"

#include <errno.h>
#include <string.h>

struct param {
	char *type;	/* "const char *" */
	char *name;	/* as declared, or "zms_aN" */
};

struct decl {
	char *ret;	/* "void", "int", "struct k_heap *" */
	char *name;
	GPtrArray *params;	/* struct param * */
	int line;
};

static void param_free(gpointer p)
{
	struct param *x = p;

	g_free(x->type);
	g_free(x->name);
	g_free(x);
}

static void decl_free(gpointer p)
{
	struct decl *d = p;

	g_free(d->ret);
	g_free(d->name);
	g_ptr_array_free(d->params, TRUE);
	g_free(d);
}

/* Blank out comments and preprocessor lines, keeping line breaks. */
static void strip(char *s)
{
	bool bol = true;

	for (char *p = s; *p; p++) {
		if (p[0] == '/' && p[1] == '*') {
			for (; *p && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p != '\n')
					*p = ' ';
			if (*p) {
				p[0] = ' ';
				p[1] = ' ';
				p++;
			}
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			for (; *p && *p != '\n'; p++)
				*p = ' ';
			bol = true;
			continue;
		}
		if (bol && *p == '#') {
			for (; *p && *p != '\n'; p++) {
				if (p[0] == '\\' && p[1] == '\n') {
					p[0] = ' ';
					p++;
					continue;
				}
				*p = ' ';
			}
			bol = true;
			continue;
		}
		if (*p == '\n')
			bol = true;
		else if (*p != ' ' && *p != '\t')
			bol = false;
	}
}

static bool ident_char(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

static const char *const type_words[] = {
	"void", "char", "short", "int", "long", "unsigned", "signed", "float",
	"double", "bool", "_Bool", "const", "volatile", "struct", "union",
	"enum", "size_t", "ssize_t", "uintptr_t", "intptr_t", "k_timeout_t",
	"uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t", "int16_t",
	"int32_t", "int64_t", "k_tid_t", "off_t",
};

static bool is_type_word(const char *w)
{
	for (size_t i = 0; i < G_N_ELEMENTS(type_words); i++)
		if (!strcmp(w, type_words[i]))
			return true;
	return false;
}

static struct param *parse_param(const char *text, int idx)
{
	char *t = g_strstrip(g_strdup(text));
	struct param *p = g_new0(struct param, 1);
	size_t n = strlen(t), i = n;

	while (i > 0 && ident_char(t[i - 1]))
		i--;
	/* "T name": a trailing identifier after a type; otherwise unnamed */
	if (i < n && i > 0 && !is_type_word(t + i)) {
		p->name = g_strdup(t + i);
		t[i] = '\0';
		p->type = g_strstrip(g_strdup(t));
	} else {
		p->name = g_strdup_printf("zms_a%d", idx);
		p->type = g_strdup(t);
	}
	g_free(t);
	return p;
}

static int parse_decl(const char *text, const char *file, int line,
		      struct decl **out, char **err)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	const char *name_end, *name_start;
	struct decl *d;
	char *params;
	int depth = 0, idx = 0;
	const char *start;

	if (!open || !close || close < open) {
		*err = g_strdup_printf("%s:%d:1: __syscall: expected a function "
				       "declaration", file, line);
		return -EINVAL;
	}
	name_end = open;
	while (name_end > text && g_ascii_isspace(name_end[-1]))
		name_end--;
	name_start = name_end;
	while (name_start > text && ident_char(name_start[-1]))
		name_start--;
	if (name_start == name_end) {
		*err = g_strdup_printf("%s:%d:1: __syscall: no function name",
				       file, line);
		return -EINVAL;
	}
	d = g_new0(struct decl, 1);
	d->name = g_strndup(name_start, (gsize)(name_end - name_start));
	d->ret = g_strstrip(g_strndup(text, (gsize)(name_start - text)));
	d->params = g_ptr_array_new_with_free_func(param_free);
	d->line = line;
	params = g_strstrip(g_strndup(open + 1, (gsize)(close - open - 1)));
	if (*params && strcmp(params, "void")) {
		start = params;
		for (const char *p = params;; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			if ((*p == ',' && depth == 0) || *p == '\0') {
				char *one = g_strndup(start, (gsize)(p - start));

				g_ptr_array_add(d->params, parse_param(one, idx++));
				g_free(one);
				start = p + 1;
				if (!*p)
					break;
			}
		}
	}
	g_free(params);
	*out = d;
	return 0;
}

static int scan_header(const char *path, GPtrArray *decls, char **err)
{
	gchar *text;
	char *p;
	int ret = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	strip(text);
	for (p = text; (p = strstr(p, "__syscall")) != NULL;) {
		char *end, *decl_text;
		int line = 1;
		struct decl *d;

		if ((p > text && ident_char(p[-1])) || ident_char(p[9])) {
			p += 9;
			continue;
		}
		for (char *q = text; q < p; q++)
			line += *q == '\n';
		end = strchr(p, ';');
		if (!end) {
			*err = g_strdup_printf("%s:%d:1: __syscall: no ';'", path,
					       line);
			ret = -EINVAL;
			break;
		}
		decl_text = g_strndup(p + 9, (gsize)(end - p - 9));
		for (char *q = decl_text; *q; q++)
			if (*q == '\n' || *q == '\t')
				*q = ' ';
		ret = parse_decl(decl_text, path, line, &d, err);
		g_free(decl_text);
		if (ret)
			break;
		g_ptr_array_add(decls, d);
		p = end + 1;
	}
	g_free(text);
	return ret;
}

static void args_list(GString *s, const struct decl *d, bool with_types,
		      const char *prefix)
{
	if (!d->params->len && with_types) {
		g_string_append(s, "void");
		return;
	}
	for (guint i = 0; i < d->params->len; i++) {
		const struct param *p = d->params->pdata[i];

		if (i)
			g_string_append(s, ", ");
		if (with_types)
			g_string_append_printf(s, "%s %s", p->type, p->name);
		else
			g_string_append_printf(s, "%s%s", prefix, p->name);
	}
}

static bool is_void(const struct decl *d)
{
	return !strcmp(d->ret, "void");
}

/* Write only what changed, so that what depends on it is not rebuilt. */
static int write_file(const char *path, const char *text, char **err)
{
	GError *e = NULL;
	gchar *dir = g_path_get_dirname(path), *old = NULL;
	int ret = 0;

	if (g_file_get_contents(path, &old, NULL, NULL) && !strcmp(old, text)) {
		g_free(old);
		g_free(dir);
		return 0;
	}
	g_free(old);
	g_mkdir_with_parents(dir, 0755);
	g_free(dir);
	if (!g_file_set_contents(path, text, -1, &e)) {
		*err = g_strdup_printf("%s: %s", path, e->message);
		g_error_free(e);
		ret = -EIO;
	}
	return ret;
}

static int emit(const char *outdir, const char *header, GPtrArray *decls,
		char **err)
{
	GString *h = g_string_new(NULL);
	gchar *base = g_path_get_basename(header), *guard, *path;
	int ret;

	guard = g_ascii_strup(base, -1);
	for (char *q = guard; *q; q++)
		if (!ident_char(*q))
			*q = '_';
	g_string_append_printf(h, "/* Generated by memsim ztest from %s. Do not "
			       "edit. */\n#ifndef ZMS_SYSCALLS_%s\n#define "
			       "ZMS_SYSCALLS_%s\n#include <zephyr/zms_syscall.h>\n",
			       base, guard, guard);
	for (guint i = 0; i < decls->len; i++) {
		const struct decl *d = decls->pdata[i];

		g_string_append_printf(h, "\nextern %s z_impl_%s(", d->ret, d->name);
		args_list(h, d, true, "");
		g_string_append_printf(h, ");\nstruct zms_args_%s {\n", d->name);
		for (guint j = 0; j < d->params->len; j++) {
			const struct param *p = d->params->pdata[j];

			g_string_append_printf(h, "\t%s %s;\n", p->type, p->name);
		}
		g_string_append(h, "\tchar zms_none;\n};\n");
		g_string_append_printf(h, "static inline %s %s(", d->ret, d->name);
		args_list(h, d, true, "");
		g_string_append(h, ")\n{\n#ifdef CONFIG_USERSPACE\n"
				"\tif (zms_syscall_from_user()) {\n");
		g_string_append_printf(h, "\t\tstruct zms_args_%s zms_args = { ",
				       d->name);
		args_list(h, d, false, "");
		g_string_append_printf(h, "%s0 };\n", d->params->len ? ", " : "");
		if (is_void(d)) {
			g_string_append_printf(h, "\t\tzms_syscall_user(\"%s\", "
					       "&zms_args, (void *)0);\n\t\treturn;\n",
					       d->name);
		} else {
			g_string_append_printf(h, "\t\t%s zms_ret;\n\n\t\t"
					       "zms_syscall_user(\"%s\", &zms_args, "
					       "&zms_ret);\n\t\treturn zms_ret;\n",
					       d->ret, d->name);
		}
		g_string_append_printf(h, "\t}\n#endif\n\t%sz_impl_%s(",
				       is_void(d) ? "" : "return ", d->name);
		args_list(h, d, false, "");
		g_string_append(h, ");\n}\n");

		/* the marshaller */
		GString *m = g_string_new(NULL);

		g_string_append_printf(m, "/* Generated by memsim ztest from %s. "
				       "Do not edit. */\n#include "
				       "<zephyr/zms_syscall.h>\n\nstatic void "
				       "zms_mrsh_%s(void *args, void *ret)\n{\n"
				       "\tstruct zms_args_%s *a = args;\n\n"
				       "\t(void)a;\n\t(void)ret;\n\t",
				       base, d->name, d->name);
		if (!is_void(d))
			g_string_append_printf(m, "*(%s *)ret = ", d->ret);
		g_string_append_printf(m, "z_vrfy_%s(", d->name);
		args_list(m, d, false, "a->");
		g_string_append_printf(m, ");\n}\nZMS_SYSCALL_DEFINE(%s, zms_mrsh_%s);\n",
				       d->name, d->name);
		for (int z = 0; z < 2; z++) {
			path = g_strdup_printf("%s/%ssyscalls/%s_mrsh.c", outdir,
					       z ? "zephyr/" : "", d->name);
			ret = write_file(path, m->str, err);
			g_free(path);
			if (ret)
				break;
		}
		g_string_free(m, TRUE);
		if (ret)
			goto out;
	}
	g_string_append(h, "\n#endif\n");
	for (int z = 0; z < 2; z++) {
		path = g_strdup_printf("%s/%ssyscalls/%s", outdir, z ? "zephyr/" : "",
				       base);
		ret = write_file(path, h->str, err);
		g_free(path);
		if (ret)
			break;
	}
out:
	g_string_free(h, TRUE);
	g_free(guard);
	g_free(base);
	return ret;
}

static void list_headers(const char *dir, GPtrArray *out, int depth)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	if (!d || depth > 8) {
		if (d)
			g_dir_close(d);
		g_ptr_array_free(names, TRUE);
		return;
	}
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		gchar *p = g_build_filename(dir, (char *)names->pdata[i], NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			list_headers(p, out, depth + 1);
		else if (g_str_has_suffix(p, ".h"))
			g_ptr_array_add(out, g_strdup(p));
		g_free(p);
	}
	g_ptr_array_free(names, TRUE);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int zms_syscalls_generate(const char *srcdir, const char *outdir,
			  unsigned *count, char **err)
{
	GPtrArray *headers = g_ptr_array_new_with_free_func(g_free);
	int ret = 0;

	*count = 0;
	list_headers(srcdir, headers, 0);
	g_ptr_array_sort(headers, cmp_str);
	for (guint i = 0; i < headers->len && ret == 0; i++) {
		GPtrArray *decls = g_ptr_array_new_with_free_func(decl_free);

		ret = scan_header(headers->pdata[i], decls, err);
		if (ret == 0 && decls->len) {
			ret = emit(outdir, headers->pdata[i], decls, err);
			*count += decls->len;
		}
		g_ptr_array_free(decls, TRUE);
	}
	g_ptr_array_free(headers, TRUE);
	return ret;
}
