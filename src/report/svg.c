/* SPDX-License-Identifier: MIT */
/*
 * The SVG chart: heap bytes held per group over simulated time, one panel
 * per run (per policy in a comparison), written by hand.
 *
 * Every panel uses the same scales (ticks across, bytes up to the largest
 * heap or sample), so policies compare at a glance; the heap size is a
 * grey line, the whole heap in use a dashed line, the first tick a request
 * found the heap empty a red line. Invariant: only simulated figures, fixed
 * number formatting, so the file is deterministic.
 */
#include <errno.h>
#include <inttypes.h>

#include "report/report_priv.h"

#define W 960
#define PANEL_H 300
#define M_LEFT 90
#define M_RIGHT 200
#define M_TOP 44
#define M_BOTTOM 46
#define TITLE_H 30

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

static void xml_text(GString *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&apos;"); break;
		default: g_string_append_c(out, *s);
		}
	}
}

static const char *coord(char *buf, size_t len, double v)
{
	return ms__fmt_double(buf, len, v, 1);
}

static void fmt_bytes(char *buf, size_t len, double v)
{
	char n[G_ASCII_DTOSTR_BUF_SIZE + 32];

	if (v < 1024)
		g_snprintf(buf, len, "%" PRIu64 " B", (uint64_t)v);
	else if (v < 1024.0 * 1024)
		g_snprintf(buf, len, "%s KiB",
			   ms__fmt_double(n, sizeof(n), v / 1024, 1));
	else
		g_snprintf(buf, len, "%s MiB",
			   ms__fmt_double(n, sizeof(n), v / (1024.0 * 1024), 1));
}

struct scale {
	double x0, y0, w, h;	/* plot area */
	double xmax, ymax;
};

static double sx(const struct scale *s, double tick)
{
	return s->x0 + s->w * tick / s->xmax;
}

static double sy(const struct scale *s, double bytes)
{
	return s->y0 + s->h - s->h * bytes / s->ymax;
}

static void line(GString *o, double x1, double y1, double x2, double y2,
		 const char *style)
{
	char a[40], b[40], c[40], d[40];

	g_string_append_printf(o, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" "
			       "y2=\"%s\" %s/>\n", coord(a, sizeof(a), x1),
			       coord(b, sizeof(b), y1), coord(c, sizeof(c), x2),
			       coord(d, sizeof(d), y2), style);
}

static void text(GString *o, double x, double y, const char *anchor,
		 const char *style, const char *s)
{
	char a[40], b[40];

	g_string_append_printf(o, "<text x=\"%s\" y=\"%s\" text-anchor=\"%s\""
			       "%s%s>", coord(a, sizeof(a), x),
			       coord(b, sizeof(b), y), anchor,
			       style ? " " : "", style ? style : "");
	xml_text(o, s);
	g_string_append(o, "</text>\n");
}

/* (tick, value) polyline over the samples; group < 0: the whole heap. */
static void series(GString *o, const struct scale *s,
		   const struct ms_scenario_result *res, long group,
		   const char *style)
{
	char a[40], b[40];

	if (!res->n_samples)
		return;
	g_string_append(o, "<polyline fill=\"none\" points=\"");
	for (size_t k = 0; k < res->n_samples; k++) {
		const struct ms_scenario_sample *sm = &res->samples[k];
		double v = group < 0 ? (double)sm->heap_used
				     : (double)sm->group_bytes[group];

		g_string_append_printf(o, "%s%s,%s", k ? " " : "",
				       coord(a, sizeof(a), sx(s, (double)sm->tick)),
				       coord(b, sizeof(b), sy(s, v)));
	}
	g_string_append_printf(o, "\" %s/>\n", style);
}

static void panel(GString *o, const struct ms_scenario_result *res,
		  double top, double xmax, double ymax)
{
	struct scale s = {
		.x0 = M_LEFT, .y0 = top + M_TOP,
		.w = W - M_LEFT - M_RIGHT, .h = PANEL_H - M_TOP - M_BOTTOM,
		.xmax = xmax, .ymax = ymax,
	};
	char buf[128], style[96];
	double lx = s.x0 + s.w + 16, ly = s.y0 + 4;

	g_snprintf(buf, sizeof(buf), "policy %s: heap bytes held per group",
		   res->policy);
	text(o, s.x0, top + 26, "start", "font-weight=\"bold\"", buf);

	/* axes, grid and labels */
	for (int i = 0; i <= 4; i++) {
		double v = ymax * i / 4, y = sy(&s, v);

		line(o, s.x0, y, s.x0 + s.w, y,
		     i ? "stroke=\"#e0e0e0\"" : "stroke=\"#000\"");
		fmt_bytes(buf, sizeof(buf), v);
		text(o, s.x0 - 6, y + 4, "end", NULL, buf);
	}
	for (int i = 0; i <= 4; i++) {
		uint64_t t = (uint64_t)(xmax * i / 4);
		double x = sx(&s, (double)t);

		line(o, x, s.y0 + s.h, x, s.y0 + s.h + 5, "stroke=\"#000\"");
		g_snprintf(buf, sizeof(buf), "%" PRIu64, t);
		text(o, x, s.y0 + s.h + 18, "middle", NULL, buf);
	}
	line(o, s.x0, s.y0, s.x0, s.y0 + s.h, "stroke=\"#000\"");
	text(o, s.x0 + s.w / 2, s.y0 + s.h + 36, "middle", NULL,
	     "simulated ticks");

	/* the heap's size, and exhaustion */
	line(o, s.x0, sy(&s, (double)res->heap_size), s.x0 + s.w,
	     sy(&s, (double)res->heap_size),
	     "stroke=\"#888\" stroke-width=\"1.5\"");
	if (res->metrics.exhausted) {
		double x = sx(&s, (double)res->metrics.time_to_exhaustion);

		line(o, x, s.y0, x, s.y0 + s.h,
		     "stroke=\"#d62728\" stroke-dasharray=\"4 3\"");
		g_snprintf(buf, sizeof(buf), "heap empty at tick %" PRIu64,
			   res->metrics.time_to_exhaustion);
		text(o, x + 4, s.y0 + 12, "start", "fill=\"#d62728\"", buf);
	}

	/* data and legend */
	for (size_t g = 0; g < res->n_groups; g++) {
		const char *color = palette[g % G_N_ELEMENTS(palette)];

		g_snprintf(style, sizeof(style),
			   "stroke=\"%s\" stroke-width=\"2\"", color);
		series(o, &s, res, (long)g, style);
		line(o, lx, ly + 18.0 * g, lx + 18, ly + 18.0 * g, style);
		text(o, lx + 24, ly + 18.0 * g + 4, "start", NULL,
		     ms__group_label(res, g));
	}
	series(o, &s, res, -1,
	       "stroke=\"#333\" stroke-width=\"1\" stroke-dasharray=\"5 3\"");
	ly += 18.0 * res->n_groups;
	line(o, lx, ly, lx + 18, ly,
	     "stroke=\"#333\" stroke-width=\"1\" stroke-dasharray=\"5 3\"");
	text(o, lx + 24, ly + 4, "start", NULL, "heap in use");
	ly += 18;
	line(o, lx, ly, lx + 18, ly, "stroke=\"#888\" stroke-width=\"1.5\"");
	text(o, lx + 24, ly + 4, "start", NULL, "heap size");
}

int ms_report_write_svg(const struct ms_report *rep, FILE *out)
{
	size_t n;
	double xmax = 1, ymax = 1, height;
	const struct ms_scenario_result *first;
	char buf[MS_SCENARIO_NAME_MAX + 64];
	GString *o;
	int ret;

	if (!rep || !out)
		return -EINVAL;
	n = rep->runs->len;
	first = ms_report_result(rep, 0);
	for (size_t i = 0; i < n; i++) {
		const struct ms_scenario_result *res =
			ms__report_run(rep, i)->res;

		xmax = MAX(xmax, (double)res->final_tick);
		ymax = MAX(ymax, (double)res->heap_size);
		for (size_t k = 0; k < res->n_samples; k++) {
			xmax = MAX(xmax, (double)res->samples[k].tick);
			ymax = MAX(ymax, (double)res->samples[k].heap_used);
			for (size_t g = 0; g < res->n_groups; g++)
				ymax = MAX(ymax,
				    (double)res->samples[k].group_bytes[g]);
		}
	}
	height = TITLE_H + (double)PANEL_H * (double)(n ? n : 1);

	o = g_string_sized_new(65536);
	g_string_append_printf(o,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		"font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		W, (int)height, W, (int)height);
	g_snprintf(buf, sizeof(buf), "memsim: %s",
		   first ? first->scenario : "(no run)");
	text(o, W / 2.0, 22, "middle", "font-size=\"16\" font-weight=\"bold\"",
	     buf);
	for (size_t i = 0; i < n; i++)
		panel(o, ms__report_run(rep, i)->res,
		      TITLE_H + (double)PANEL_H * (double)i, xmax, ymax);
	g_string_append(o, "</svg>\n");

	ret = ms__report_flush(o, out);
	g_string_free(o, TRUE);
	return ret;
}
