/* SPDX-License-Identifier: MIT */
/*
 * Reports: the record that the writers share, and the judgement of a
 * policy (verdict, victim slowdown).
 *
 * A report only borrows results; it never runs anything and never reads the
 * host clock. Invariant: whatever it derives from a result (a verdict, a
 * slowdown, a formatted number) depends only on the result's deterministic
 * fields, so every writer's output is the same for the same scenario, seed
 * and policies, except the parts marked as host figures.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "report/report_priv.h"

int ms_report_new(const char *command, struct ms_report **out)
{
	struct ms_report *rep;

	if (!out)
		return -EINVAL;
	rep = g_try_new0(struct ms_report, 1);
	if (!rep)
		return -ENOMEM;
	rep->command = g_strdup(command ? command : "run");
	rep->runs = g_array_new(FALSE, TRUE, sizeof(struct ms__report_run));
	*out = rep;
	return 0;
}

void ms_report_free(struct ms_report *rep)
{
	if (!rep)
		return;
	g_array_free(rep->runs, TRUE);
	g_free(rep->command);
	g_free(rep);
}

void ms_report_set_flags(struct ms_report *rep, unsigned flags)
{
	if (rep)
		rep->flags = flags;
}

void ms_report_set_scenario(struct ms_report *rep,
			    const struct ms_scenario *sc)
{
	if (rep)
		rep->sc = sc;
}

int ms_report_add(struct ms_report *rep, const struct ms_scenario_result *res,
		  const struct ms_scenario_result *baseline)
{
	struct ms__report_run run = { .res = res, .baseline = baseline };

	if (!rep || !res || res->without_attackers)
		return -EINVAL;
	g_array_append_val(rep->runs, run);
	return 0;
}

size_t ms_report_count(const struct ms_report *rep)
{
	return rep ? rep->runs->len : 0;
}

const struct ms_scenario_result *ms_report_result(const struct ms_report *rep,
						  size_t i)
{
	if (!rep || i >= rep->runs->len)
		return NULL;
	return ms__report_run(rep, i)->res;
}

bool ms_report_ok(const struct ms_report *rep)
{
	if (!rep)
		return false;
	for (size_t i = 0; i < rep->runs->len; i++)
		if (!ms_scenario_result_ok(ms__report_run(rep, i)->res))
			return false;
	return true;
}

int ms_report_victim_slowdown(const struct ms_scenario_result *res,
			      const struct ms_scenario_result *baseline,
			      double *out)
{
	uint64_t with, without;

	if (!res || !out)
		return -EINVAL;
	if (!baseline || !res->metrics.has_victims ||
	    !baseline->metrics.has_victims)
		return -ENODATA;
	with = res->metrics.victim_completion_tick;
	without = baseline->metrics.victim_completion_tick;
	if (!with || !without)
		return -ENODATA;
	*out = (double)with / (double)without;
	return 0;
}

static const struct ms_scenario_stat *
find_stat(const struct ms_scenario_result *res, const char *name)
{
	for (size_t i = 0; i < res->n_stats; i++)
		if (!strcmp(res->stats[i].name, name))
			return &res->stats[i];
	return NULL;
}

int ms_report_ipc_sends(const struct ms_scenario_result *res,
			enum ms_actor_role role, uint64_t *sent,
			uint64_t *refused)
{
	if (!res || !sent || !refused)
		return -EINVAL;
	*sent = *refused = 0;
	if (!res->ipc_mode[0])
		return -ENODATA;
	for (size_t i = 0; i < res->n_actors; i++) {
		const struct ms_scenario_stat *st;
		char name[MS_SCENARIO_NAME_MAX + 16];

		if (res->actors[i].role != role)
			continue;
		g_snprintf(name, sizeof(name), "ipc.%s.sent",
			   res->actors[i].name);
		st = find_stat(res, name);
		*sent += st ? (uint64_t)st->value : 0;
		g_snprintf(name, sizeof(name), "ipc.%s.refused",
			   res->actors[i].name);
		st = find_stat(res, name);
		*refused += st ? (uint64_t)st->value : 0;
	}
	return 0;
}

enum ms_verdict ms_report_verdict(const struct ms_scenario_result *res,
				  const struct ms_scenario_result *baseline)
{
	const struct ms_scenario_counters *v = &res->roles[MS_ROLE_VICTIM];
	uint64_t ipc_sent, ipc_refused;
	double slowdown;

	if (res->status == MS_RUN_PANIC)
		return MS_VERDICT_PANIC;
	/* IPC refusals are not heap requests: victim_success cannot see
	 * them, and under an accounting mode they are what is at stake */
	if (ms_report_ipc_sends(res, MS_ROLE_VICTIM, &ipc_sent,
				&ipc_refused) == 0 && ipc_refused)
		return MS_VERDICT_VICTIM_IPC_REFUSED;
	if (v->denied_nomem)
		return MS_VERDICT_VICTIM_STARVED;
	/* collateral_denials already counts the victims' own quota denials */
	if (res->metrics.collateral_denials || v->denied_quota)
		return MS_VERDICT_TOO_TIGHT;
	if (!res->metrics.has_victims)
		return MS_VERDICT_NO_VICTIM;
	if (!res->metrics.victim_completion_tick)
		return MS_VERDICT_VICTIM_UNFINISHED;
	if (ms_report_victim_slowdown(res, baseline, &slowdown) == 0 &&
	    slowdown > MS_VERDICT_SLOWDOWN_LIMIT)
		return MS_VERDICT_VICTIM_SLOWED;
	return MS_VERDICT_PROTECTS;
}

static const char *const verdict_text[MS_VERDICT__COUNT] = {
	[MS_VERDICT_PANIC] = "panic",
	[MS_VERDICT_VICTIM_STARVED] = "victim starved",
	[MS_VERDICT_TOO_TIGHT] = "too tight: collateral denials",
	[MS_VERDICT_VICTIM_UNFINISHED] = "victim did not finish",
	[MS_VERDICT_VICTIM_SLOWED] = "victim slowed down",
	[MS_VERDICT_PROTECTS] = "protects the victim",
	[MS_VERDICT_NO_VICTIM] = "no victim",
	[MS_VERDICT_VICTIM_IPC_REFUSED] = "victim's messages refused",
};

static const char *const verdict_name[MS_VERDICT__COUNT] = {
	[MS_VERDICT_PANIC] = "panic",
	[MS_VERDICT_VICTIM_STARVED] = "victim-starved",
	[MS_VERDICT_TOO_TIGHT] = "too-tight",
	[MS_VERDICT_VICTIM_UNFINISHED] = "victim-unfinished",
	[MS_VERDICT_VICTIM_SLOWED] = "victim-slowed",
	[MS_VERDICT_PROTECTS] = "protects",
	[MS_VERDICT_NO_VICTIM] = "no-victim",
	[MS_VERDICT_VICTIM_IPC_REFUSED] = "victim-ipc-refused",
};

const char *ms_verdict_text(enum ms_verdict v)
{
	return (unsigned)v < MS_VERDICT__COUNT ? verdict_text[v] : "?";
}

const char *ms_verdict_name(enum ms_verdict v)
{
	return (unsigned)v < MS_VERDICT__COUNT ? verdict_name[v] : "?";
}

/* ---- helpers shared by the writers -------------------------------------- */

int ms__report_flush(GString *s, FILE *out)
{
	size_t n = fwrite(s->str, 1, s->len, out);

	if (fflush(out) != 0 || n != s->len || ferror(out))
		return -EIO;
	return 0;
}

void ms__json_str(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			/* control characters and DEL; bytes >= 0x80 are kept,
			 * the scenario text is UTF-8 (TOML requires it) */
			if (*p < 0x20 || *p == 0x7f)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

const char *ms__fmt_double(char *buf, size_t len, double v, int decimals)
{
	char fmt[16];

	if (v == 0.0)	/* no "-0.000" */
		v = 0.0;
	g_snprintf(fmt, sizeof(fmt), "%%.%df", decimals);
	return g_ascii_formatd(buf, (int)len, fmt, v);
}

void ms__json_double(GString *out, double v, int decimals)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE + 32];

	if (!isfinite(v)) {
		g_string_append(out, "null");
		return;
	}
	g_string_append(out, ms__fmt_double(buf, sizeof(buf), v, decimals));
}

const char *ms__fmt_pct(char *buf, size_t len, double frac)
{
	char num[G_ASCII_DTOSTR_BUF_SIZE + 32];

	ms__fmt_double(num, sizeof(num), frac * 100.0, 1);
	g_snprintf(buf, len, "%s%%", num);
	return buf;
}

const char *ms__group_label(const struct ms_scenario_result *res, size_t i)
{
	return res->groups[i].name;
}
