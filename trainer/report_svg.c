#include "report_svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs.h"

#define W 960
#define LEFT 80
#define RIGHT 30
#define PW (W - LEFT - RIGHT)

typedef struct {
	double x0, x1, y0, y1;  /* data range */
	int top, h;             /* panel box in pixels */
	int logy;
} Panel;

static double px(const Panel *p, double x)
{
	return LEFT + (x - p->x0) / (p->x1 - p->x0) * PW;
}

static double py(const Panel *p, double y)
{
	if (p->logy)
		y = log10(fmax(y, 1e-12));
	return p->top + p->h - (y - p->y0) / (p->y1 - p->y0) * p->h;
}

void trn_svg_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A round step giving about `n` ticks over `span`. */
static double nice_step(double span, int n)
{
	double raw = span / n, mag = pow(10, floor(log10(raw))), r = raw / mag;
	return mag * (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10);
}

static void frame(FILE *f, const Panel *p, const char *title, const char *xlabel)
{
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>\n", LEFT,
		p->top, PW, p->h);
	fprintf(f, "<text x='%d' y='%d' font-weight='bold'>", LEFT, p->top - 8);
	trn_svg_text(f, title);
	fprintf(f, "</text>\n<text x='%d' y='%d' text-anchor='end' fill='#555'>", W - RIGHT,
		p->top + p->h + 32);
	trn_svg_text(f, xlabel);
	fputs("</text>\n", f);
	double step = nice_step(p->x1 - p->x0, 8);
	for (double x = ceil(p->x0 / step) * step; x <= p->x1 + 1e-9 * step; x += step)
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#eee'/>"
			"<text x='%.1f' y='%d' text-anchor='middle' fill='#555'>%g</text>\n",
			px(p, x), p->top, px(p, x), p->top + p->h, px(p, x), p->top + p->h + 14,
			fabs(x) < 1e-9 * step ? 0 : x);
	if (p->logy) {
		for (double e = ceil(p->y0); e <= p->y1 + 1e-9; e += 1)
			fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#eee'/>"
				"<text x='%d' y='%.1f' text-anchor='end' fill='#555'>1e%d</text>\n",
				LEFT, py(p, pow(10, e)), LEFT + PW, py(p, pow(10, e)), LEFT - 6,
				py(p, pow(10, e)) + 4, (int)e);
		return;
	}
	double ys = nice_step(p->y1 - p->y0, 4);
	for (double y = ceil(p->y0 / ys) * ys; y <= p->y1 + 1e-9 * ys; y += ys)
		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#eee'/>"
			"<text x='%d' y='%.1f' text-anchor='end' fill='#555'>%g</text>\n",
			LEFT, py(p, y), LEFT + PW, py(p, y), LEFT - 6, py(p, y) + 4, fabs(y) < 1e-12 ? 0 : y);
}

/* A polyline through the finite points only. */
static void line(FILE *f, const Panel *p, const double *x, const double *y, size_t n,
		 const char *color, double width)
{
	fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%g' points='", color, width);
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i]) && (!p->logy || y[i] > 0))
			fprintf(f, "%.1f,%.1f ", px(p, x[i]), py(p, y[i]));
	fputs("'/>\n", f);
}

static void legend(FILE *f, const Panel *p, int slot, const char *color, const char *label)
{
	int x = LEFT + PW - 200, y = p->top + 16 + 16 * slot;
	fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='2'/>"
		"<text x='%d' y='%d'>%s</text>\n", x, y - 4, x + 24, y - 4, color, x + 30, y, label);
}

static void curves_panel(FILE *f, const TrnReport *r, int top)
{
	size_t n = r->n_hist ? r->n_hist : 1;
	double *t = malloc(3 * n * sizeof *t), *loss = t + n, *val = t + 2 * n;
	if (!t)
		return;
	double lo = INFINITY, hi = -INFINITY, tmax = 1;
	for (size_t i = 0; i < r->n_hist; i++) {
		t[i] = r->hist[i].time;
		loss[i] = r->hist[i].loss;
		val[i] = r->hist[i].val_esr;
		tmax = fmax(tmax, t[i]);
		double v[2] = { loss[i], val[i] };
		for (int k = 0; k < 2; k++)
			if (isfinite(v[k]) && v[k] > 0) {
				lo = fmin(lo, log10(v[k]));
				hi = fmax(hi, log10(v[k]));
			}
	}
	if (!(lo <= hi)) {
		lo = -3;
		hi = 0;
	}
	Panel p = { 0, tmax, floor(lo), ceil(hi), top, 240, 1 };
	if (p.y1 <= p.y0)
		p.y1 = p.y0 + 1;
	frame(f, &p, "training loss and validation ESR", "training time (s)");
	line(f, &p, t, loss, r->n_hist, "#d62728", 1.5);
	line(f, &p, t, val, r->n_hist, "#1f77b4", 2);
	legend(f, &p, 0, "#d62728", "training loss");
	legend(f, &p, 1, "#1f77b4", "validation ESR");
	free(t);
}

static void wave_panels(FILE *f, const TrnReport *r, int top)
{
	size_t n = r->n;
	double amp = 1e-6;
	for (size_t i = 0; i < n; i++)
		amp = fmax(amp, fmax(fabs(r->target[i]), fabs(r->pred[i])));
	double dur_ms = 1000.0 * (double)n / r->rate;
	Panel p = { 0, dur_ms, -amp * 1.05, amp * 1.05, top, 200, 0 };
	Panel q = { 0, dur_ms, -amp * 1.05, amp * 1.05, top + 260, 120, 0 };
	char title[600];
	snprintf(title, sizeof title, "target and prediction (%s, from %.3f s)",
		 r->excerpt_label ? r->excerpt_label : "excerpt", r->excerpt_start_s);
	frame(f, &p, title, "time (ms)");
	frame(f, &q, "difference (prediction - target), same scale", "time (ms)");
	const char *colors[3] = { "#444", "#ff7f0e", "#2ca02c" };
	if (n > 4 * PW) { /* a long excerpt (long memory: seconds): each pixel column's min and max */
		enum { COLS = PW };
		static double xs[COLS], lo[COLS], hi[COLS];
		for (int k = 0; k < 3; k++) {
			const Panel *pp = k < 2 ? &p : &q;
			for (size_t c = 0; c < COLS; c++) {
				const size_t a = c * n / COLS, b = (c + 1) * n / COLS;
				lo[c] = INFINITY;
				hi[c] = -INFINITY;
				for (size_t i = a; i < b; i++) {
					const double v = k == 0 ? r->target[i] : k == 1 ? r->pred[i]
										 : (double)r->pred[i] - r->target[i];
					lo[c] = fmin(lo[c], v);
					hi[c] = fmax(hi[c], v);
				}
				xs[c] = 1000.0 * (double)a / r->rate;
			}
			line(f, pp, xs, lo, COLS, colors[k], 1.0);
			line(f, pp, xs, hi, COLS, colors[k], 1.0);
		}
		legend(f, &p, 0, colors[0], "target (min and max per pixel)");
		legend(f, &p, 1, colors[1], "prediction");
		return;
	}
	/* Drawn in slices so the arrays on the stack stay small for any excerpt length. */
	enum { SLICE = 1024 };
	for (int k = 0; k < 3; k++) {
		const Panel *pp = k < 2 ? &p : &q;
		for (size_t s = 0; s < n; s += SLICE - 1) {
			size_t m = n - s < SLICE ? n - s : SLICE;
			double x[SLICE], y[SLICE];
			for (size_t i = 0; i < m; i++) {
				x[i] = 1000.0 * (double)(s + i) / r->rate;
				y[i] = k == 0 ? r->target[s + i] : k == 1 ? r->pred[s + i]
								      : (double)r->pred[s + i] - r->target[s + i];
			}
			line(f, pp, x, y, m, colors[k], 1.2);
			if (m < SLICE)
				break;
		}
	}
	legend(f, &p, 0, colors[0], "target");
	legend(f, &p, 1, colors[1], "prediction");
}

/* Test ESR per setting (log scale) against the first knob's value. */
static void settings_panel(FILE *f, const TrnReport *r, int top)
{
	double x0 = INFINITY, x1 = -INFINITY, lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < r->n_settings; i++) {
		const TrnSettingPoint *s = &r->settings[i];
		x0 = fmin(x0, s->value);
		x1 = fmax(x1, s->value);
		if (isfinite(s->esr) && s->esr > 0) {
			lo = fmin(lo, log10(s->esr));
			hi = fmax(hi, log10(s->esr));
		}
	}
	if (!(lo <= hi))
		lo = -3, hi = 0;
	const double pad = x1 > x0 ? 0.05 * (x1 - x0) : 1;
	Panel p = { x0 - pad, x1 + pad, floor(lo), ceil(hi), top, 200, 1 };
	if (p.y1 <= p.y0)
		p.y1 = p.y0 + 1;
	char xlabel[128];
	snprintf(xlabel, sizeof xlabel, "%s", r->knob_name ? r->knob_name : "knob");
	frame(f, &p, "test ESR per setting (filled: trained, hollow: never trained on)", xlabel);
	for (size_t i = 0; i < r->n_settings; i++) {
		const TrnSettingPoint *s = &r->settings[i];
		if (!isfinite(s->esr) || s->esr <= 0)
			continue;
		fprintf(f, "<circle cx='%.1f' cy='%.1f' r='5' stroke='#1f77b4' stroke-width='2' "
			"fill='%s'><title>", px(&p, s->value), py(&p, s->esr),
			s->trained ? "#1f77b4" : "white");
		trn_svg_text(f, s->label);
		fprintf(f, ": %.4g</title></circle>\n", s->esr);
	}
}

int trn_report_svg_write(const char *path, const TrnReport *r, TrnError *err)
{
	RfxOutFile out;
	FILE *f = trn_output_begin(&out, path, err);
	if (!f)
		return -1;
	const int settings_top = r->n ? 840 : 360;
	const int H = settings_top + (r->n_settings ? 300 : 0);
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' "
		"width='%d' height='%d' viewBox='0 0 %d %d' font-family='sans-serif' font-size='12'>\n"
		"<rect width='100%%' height='100%%' fill='white'/>\n<text x='%d' y='24' font-size='16' "
		"font-weight='bold'>", W, H, W, H, LEFT);
	trn_svg_text(f, r->title);
	fprintf(f, "</text>\n<text x='%d' y='44' fill='#333'>", LEFT);
	trn_svg_text(f, r->subtitle);
	fputs("</text>\n", f);
	curves_panel(f, r, 80);
	if (r->n)
		wave_panels(f, r, 400);
	if (r->n_settings)
		settings_panel(f, r, settings_top + 40);
	fputs("</svg>\n", f);
	return trn_output_commit(&out, path, err);
}
