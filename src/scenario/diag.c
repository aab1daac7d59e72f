/* SPDX-License-Identifier: MIT */
/*
 * Loader diagnostics and typed access to the document tree.
 *
 * Invariant: the first error found is the one reported; it always carries
 * the line and column of the offending key or value, and a hint whenever
 * there is something useful to say (the nearest known key, the accepted
 * values, the allowed range). Every getter that fails returns -EINVAL after
 * filling the error, so loader code can simply propagate.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn.h"

static void format_text(struct ms_scenario_error *err)
{
	int len;

	if (err->line)
		len = snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s\n",
			       err->file, err->line, err->column, err->message);
	else
		len = snprintf(err->text, sizeof(err->text), "%s: %s\n",
			       err->file, err->message);
	if (err->hint[0] && len > 0 && (size_t)len < sizeof(err->text))
		snprintf(err->text + len, sizeof(err->text) - (size_t)len,
			 "  hint: %s\n", err->hint);
}

static void error_vset(struct ms_scenario_error *err, const char *file,
		       unsigned line, unsigned column, const char *hint,
		       const char *fmt, va_list ap)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "<string>");
	err->line = line;
	err->column = column;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	if (hint)
		snprintf(err->hint, sizeof(err->hint), "%s", hint);
	format_text(err);
}

void ms__error_set(struct ms_scenario_error *err, const char *file,
		   unsigned line, unsigned column, const char *hint,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, file, line, column, hint, fmt, ap);
	va_end(ap);
}

int ms__lerr(struct ms__lctx *c, unsigned line, unsigned column,
	     const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return -EINVAL;
	c->failed = true;
	va_start(ap, fmt);
	error_vset(c->err, c->file, line, column, hint, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Levenshtein distance, with a transposition counted as one edit. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *prev2, *prev, *cur, d;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	prev2 = g_new0(size_t, lb + 1);
	prev = g_new0(size_t, lb + 1);
	cur = g_new0(size_t, lb + 1);
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
	g_free(prev2);
	g_free(prev);
	g_free(cur);
	return d;
}

const char *ms__nearest(const char *s, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	size_t len = strlen(s);
	/* A third of the word, at least 1 and at most 3 edits: close enough
	 * to be a typo, not so loose that everything matches. */
	size_t limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(s, words[i]);

		if (d < best_d) {
			best_d = d;
			best = words[i];
		}
	}
	if (best_d <= limit)
		return best;
	/* A word that contains the other (heap in heap_size, sim in
	 * simulation) is close too; the one nearest in length wins (heap:
	 * heap_size rather than heap_quick_depth). */
	best = NULL;
	best_d = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);
		size_t d = wl > len ? wl - len : len - wl;

		if (((len >= 3 && strstr(words[i], s)) ||
		     (wl >= 3 && strstr(s, words[i]))) && d < best_d) {
			best = words[i];
			best_d = d;
		}
	}
	return best;
}

static size_t count_words(const char *const *w)
{
	size_t n = 0;

	while (w[n])
		n++;
	return n;
}

static void join_words(char *buf, size_t size, const char *const *w)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; w[i] && len < size; i++) {
		int r = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
				 w[i]);
		if (r < 0)
			break;
		len += (size_t)r;
	}
}

int ms__check_keys(struct ms__lctx *c, const struct ms__tnode *t,
		   const char *what, const char *const *known)
{
	size_t nk = count_words(known);

	for (size_t i = 0; i < t->u.table.n; i++) {
		const struct ms__tentry *e = &t->u.table.e[i];
		bool ok = false;
		const char *near;
		char hint[MS_SCENARIO_MSG_MAX];
		char list[MS_SCENARIO_MSG_MAX - 32];

		for (size_t k = 0; k < nk && !ok; k++)
			ok = strcmp(e->key, known[k]) == 0;
		if (ok)
			continue;
		near = ms__nearest(e->key, known, nk);
		if (near) {
			snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
		} else {
			join_words(list, sizeof(list), known);
			snprintf(hint, sizeof(hint), "known keys: %s", list);
		}
		return ms__lerr(c, e->line, e->column, hint,
				"unknown key '%s' in %s", e->key, what);
	}
	return 0;
}

int ms__type_error(struct ms__lctx *c, const char *key,
		   const struct ms__tnode *v, const char *expected)
{
	return ms__lerr(c, v->line, v->column, NULL,
			"'%s' must be %s, not %s", key, expected,
			ms__tnode_type_name(v->type));
}

static const struct ms__tnode *find(const struct ms__tnode *t, const char *key)
{
	const struct ms__tentry *e = ms__table_find(t, key);

	return e ? e->val : NULL;
}

static int range_error(struct ms__lctx *c, const char *key,
		       const struct ms__tnode *v, int64_t val, int64_t min,
		       int64_t max)
{
	char hint[MS_SCENARIO_MSG_MAX];

	if (max >= INT64_MAX / 4)
		snprintf(hint, sizeof(hint), "the smallest allowed is %" PRId64,
			 min);
	else
		snprintf(hint, sizeof(hint), "allowed: %" PRId64 " to %" PRId64,
			 min, max);
	if (val < 0 && min >= 0)
		return ms__lerr(c, v->line, v->column, hint,
				"'%s' must not be negative (got %" PRId64 ")",
				key, val);
	return ms__lerr(c, v->line, v->column, hint,
			"'%s' is out of range (got %" PRId64 ")", key, val);
}

int ms__get_int(struct ms__lctx *c, const struct ms__tnode *t,
		const char *key, int64_t min, int64_t max, int64_t *out,
		bool *found)
{
	const struct ms__tnode *v = find(t, key);

	if (found)
		*found = v != NULL;
	if (!v)
		return 0;
	if (v->type != MS__T_INT)
		return ms__type_error(c, key, v, "an integer");
	if (v->u.i < min || v->u.i > max)
		return range_error(c, key, v, v->u.i, min, max);
	*out = v->u.i;
	return 0;
}

/* "64 KiB", "4k", "1MiB", "512 B": binary multiples. */
static int parse_size_text(const char *s, uint64_t *out, bool *negative)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kib", 1024 },
		{ "m", 1024 * 1024 }, { "mib", 1024 * 1024 },
		{ "g", 1024ull * 1024 * 1024 }, { "gib", 1024ull * 1024 * 1024 },
	};
	char *end;
	unsigned long long n;

	while (*s == ' ')
		s++;
	*negative = *s == '-';
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		if (g_ascii_strcasecmp(end, units[i].unit) == 0) {
			if (n > UINT64_MAX / units[i].mul)
				return -ERANGE;
			*out = n * units[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

#define SIZE_HINT "a size is a number of bytes, or a string like \"64 KiB\""

int ms__node_size(struct ms__lctx *c, const char *key,
		  const struct ms__tnode *v, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	uint64_t n;
	char hint[MS_SCENARIO_MSG_MAX];

	if (v->type == MS__T_INT) {
		if (v->u.i < 0)
			return ms__lerr(c, v->line, v->column, SIZE_HINT,
					"'%s' must not be negative (got %" PRId64
					")", key, v->u.i);
		n = (uint64_t)v->u.i;
	} else if (v->type == MS__T_STRING) {
		bool neg = false;
		int r = parse_size_text(v->u.s, &n, &neg);

		if (neg)
			return ms__lerr(c, v->line, v->column, SIZE_HINT,
					"'%s' must not be negative (got \"%s\")",
					key, v->u.s);
		if (r)
			return ms__lerr(c, v->line, v->column,
					"units: B, K or KiB, M or MiB, G or GiB",
					"'%s' is not a size: \"%s\"", key, v->u.s);
	} else {
		return ms__type_error(c, key, v, "a size (an integer or a string like \"64 KiB\")");
	}
	if (n < min || n > max) {
		snprintf(hint, sizeof(hint),
			 "allowed: %" PRIu64 " to %" PRIu64 " bytes", min, max);
		return ms__lerr(c, v->line, v->column, hint,
				"'%s' is out of range (got %" PRIu64 " bytes)",
				key, n);
	}
	*out = n;
	return 0;
}

int ms__get_size(struct ms__lctx *c, const struct ms__tnode *t,
		 const char *key, uint64_t min, uint64_t max, uint64_t *out,
		 bool *found)
{
	const struct ms__tnode *v = find(t, key);

	if (found)
		*found = v != NULL;
	if (!v)
		return 0;
	return ms__node_size(c, key, v, min, max, out);
}

int ms__get_str(struct ms__lctx *c, const struct ms__tnode *t,
		const char *key, const char **out, struct ms__pos *pos)
{
	const struct ms__tnode *v = find(t, key);

	if (!v)
		return 0;
	if (v->type != MS__T_STRING)
		return ms__type_error(c, key, v, "a string");
	*out = v->u.s;
	if (pos) {
		pos->line = v->line;
		pos->column = v->column;
	}
	return 0;
}

int ms__get_bool(struct ms__lctx *c, const struct ms__tnode *t,
		 const char *key, bool *out)
{
	const struct ms__tnode *v = find(t, key);

	if (!v)
		return 0;
	if (v->type != MS__T_BOOL)
		return ms__type_error(c, key, v, "true or false");
	*out = v->u.b;
	return 0;
}

int ms__get_enum(struct ms__lctx *c, const struct ms__tnode *t,
		 const char *key, const char *const *choices, int *out)
{
	const struct ms__tnode *v = find(t, key);
	char list[MS_SCENARIO_MSG_MAX - 32], hint[MS_SCENARIO_MSG_MAX];
	const char *near;
	size_t n = count_words(choices);

	if (!v)
		return 0;
	if (v->type != MS__T_STRING)
		return ms__type_error(c, key, v, "a string");
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v->u.s, choices[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	near = ms__nearest(v->u.s, choices, n);
	join_words(list, sizeof(list), choices);
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'? (one of: %s)",
			 near, list);
	else
		snprintf(hint, sizeof(hint), "one of: %s", list);
	return ms__lerr(c, v->line, v->column, hint,
			"unknown %s '%s'", key, v->u.s);
}

/* ---- numeric operands ---- */

static int val_int(struct ms__lctx *c, const char *key,
		   const struct ms__tnode *v, int64_t min, int64_t max,
		   bool size, int64_t *out)
{
	uint64_t n;
	int ret;

	if (size) {
		ret = ms__node_size(c, key, v, (uint64_t)(min < 0 ? 0 : min),
				    (uint64_t)max, &n);
		*out = (int64_t)n;
		return ret;
	}
	if (v->type != MS__T_INT)
		return ms__type_error(c, key, v, "an integer");
	if (v->u.i < min || v->u.i > max)
		return range_error(c, key, v, v->u.i, min, max);
	*out = v->u.i;
	return 0;
}

static const char *const dist_keys[] = {
	"uniform", "exponential", "choice", NULL
};

int ms__node_val(struct ms__lctx *c, const char *key,
		 const struct ms__tnode *v, int64_t min, int64_t max,
		 bool size, struct ms__val *out)
{
	const struct ms__tentry *e;
	const struct ms__tnode *d;
	int ret;

	memset(out, 0, sizeof(*out));
	out->pos.line = v->line;
	out->pos.column = v->column;
	if (v->type != MS__T_TABLE) {
		out->kind = MS__VAL_CONST;
		return val_int(c, key, v, min, max, size, &out->a);
	}
	ret = ms__check_keys(c, v, "a random value", dist_keys);
	if (ret)
		return ret;
	if (v->u.table.n != 1)
		return ms__lerr(c, v->line, v->column,
				"write { uniform = [lo, hi] }, "
				"{ exponential = mean } or { choice = [a, b] }",
				"a random value for '%s' needs exactly one "
				"distribution", key);
	e = &v->u.table.e[0];
	d = e->val;
	if (strcmp(e->key, "exponential") == 0) {
		out->kind = MS__VAL_EXP;
		ret = val_int(c, key, d, min < 1 ? 1 : min, max, size, &out->a);
		return ret;
	}
	if (d->type != MS__T_ARRAY)
		return ms__type_error(c, e->key, d, "an array");
	if (strcmp(e->key, "uniform") == 0) {
		out->kind = MS__VAL_UNIFORM;
		if (d->u.array.n != 2)
			return ms__lerr(c, d->line, d->column,
					"write uniform = [lo, hi]",
					"'uniform' takes two bounds, not %zu",
					d->u.array.n);
		ret = val_int(c, key, d->u.array.v[0], min, max, size, &out->a);
		if (!ret)
			ret = val_int(c, key, d->u.array.v[1], min, max, size,
				      &out->b);
		if (!ret && out->b < out->a)
			ret = ms__lerr(c, d->line, d->column,
				       "write the smaller bound first",
				       "'uniform' bounds are reversed");
		return ret;
	}
	out->kind = MS__VAL_CHOICE;
	if (d->u.array.n == 0)
		return ms__lerr(c, d->line, d->column, NULL,
				"'choice' needs at least one value");
	out->choices = g_new0(int64_t, d->u.array.n);
	out->n_choices = d->u.array.n;
	for (size_t i = 0; i < d->u.array.n; i++) {
		ret = val_int(c, key, d->u.array.v[i], min, max, size,
			      &out->choices[i]);
		if (ret)
			return ret;
	}
	return 0;
}

void ms__val_fini(struct ms__val *v)
{
	g_free(v->choices);
	v->choices = NULL;
}

int64_t ms__val_draw(struct ms_sim *sim, const struct ms__val *v)
{
	switch (v->kind) {
	case MS__VAL_CONST:
		return v->a;
	case MS__VAL_UNIFORM:
		return v->a + (int64_t)ms_sim_random(sim, (uint64_t)(v->b - v->a) + 1);
	case MS__VAL_EXP: {
		/* Inverse transform on a 53-bit uniform draw: deterministic
		 * for a seed on any IEEE-754 host. */
		uint64_t r = ms_sim_random(sim, (uint64_t)1 << 53);
		double u = ((double)r + 0.5) / (double)((uint64_t)1 << 53);
		double x = -log(u) * (double)v->a;

		if (x > (double)INT64_MAX / 2)
			x = (double)INT64_MAX / 2;
		return (int64_t)x;
	}
	case MS__VAL_CHOICE:
		return v->choices[ms_sim_random(sim, v->n_choices)];
	}
	return v->a;
}
