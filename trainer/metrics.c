#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/rnnfx.h"
#include "grow.h"
#include "outputs.h"
#include "report_svg.h"

#define EVAL_BLOCK 4096

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p of the values at or below it. */
static double percentile(const double *sorted, int n, double p)
{
	int r = (int)ceil(p * n);
	return sorted[(r < 1 ? 1 : r) - 1];
}

int trn_cls_metrics(const uint8_t *pred, const int32_t *lab, size_t n, size_t skip, double rate,
		    int K, TrnClsMetrics *m)
{
	memset(m, 0, sizeof *m);
	m->K = K;
	uint64_t right = 0;
	for (size_t i = skip; i < n; i++)
		if (lab[i] >= 0) {
			m->confusion[lab[i]][pred[i]]++;
			m->n++;
			right += pred[i] == lab[i];
		}
	m->accuracy = m->n ? (double)right / (double)m->n : NAN;
	for (int k = 0; k < K; k++) {
		uint64_t row = 0, col = 0;
		for (int j = 0; j < K; j++) {
			row += m->confusion[k][j];
			col += m->confusion[j][k];
		}
		m->recall[k] = row ? (double)m->confusion[k][k] / (double)row : NAN;
		m->precision[k] = col ? (double)m->confusion[k][k] / (double)col : NAN;
	}
	/* Onsets: regions [a, b) of one class right after a region of another. */
	size_t cap = 64;
	double *lat = malloc(cap * sizeof *lat);
	if (!lat)
		return -1;
	int nl = 0;
	size_t a = skip;
	while (a < n) {
		size_t b = a + 1;
		while (b < n && lab[b] == lab[a])
			b++;
		int32_t c = lab[a];
		if (c >= 0 && a > skip && lab[a - 1] >= 0 && lab[a - 1] != c) {
			double ms = INFINITY;
			if (pred[b - 1] == c) {
				size_t t0 = b - 1;
				while (t0 > a && pred[t0 - 1] == c)
					t0--;
				ms = 1000.0 * (double)(t0 - a) / rate;
			} else {
				m->n_undecided++;
			}
			double *l2 = trn_grow(lat, (size_t)nl, &cap, sizeof *lat, 64);
			if (!l2) {
				free(lat);
				return -1;
			}
			lat = l2;
			lat[nl++] = ms;
		}
		a = b;
	}
	m->n_onsets = nl;
	if (nl) {
		qsort(lat, (size_t)nl, sizeof *lat, dbl_cmp);
		m->latency_median_ms = percentile(lat, nl, 0.5);
		m->latency_p90_ms = percentile(lat, nl, 0.9);
	} else {
		m->latency_median_ms = m->latency_p90_ms = NAN;
	}
	free(lat);
	return 0;
}

int trn_cls_evaluate(const RfxModel *model, const TrnClsSet *s, size_t skip, TrnClsMetrics *m)
{
	const int K = rfx_model_n_outputs(model);
	RfxEngine *st = NULL;
	int rc = rfx_engine_create(model, 1, 0.0, RFX_RATE_QUALITY_DEFAULT, &st, NULL, 0);
	if (rc != RFX_OK)
		return rc;
	uint8_t *pred = malloc(s->n ? s->n : 1);
	float *p = malloc((size_t)EVAL_BLOCK * (size_t)K * sizeof *p);
	if (!pred || !p) {
		free(pred);
		free(p);
		rfx_engine_destroy(st);
		return RFX_ERR_NOMEM;
	}
	for (size_t i = 0; i < s->n; i += EVAL_BLOCK) {
		size_t len = s->n - i < EVAL_BLOCK ? s->n - i : EVAL_BLOCK;
		rfx_engine_process(st, s->x + i, p, (uint32_t)len);
		for (size_t j = 0; j < len; j++) {
			const float *q = p + j * (size_t)K;
			int best = 0;
			for (int k = 1; k < K; k++)
				if (q[k] > q[best])
					best = k;
			pred[i + j] = (uint8_t)best;
		}
	}
	rfx_engine_destroy(st);
	free(p);
	rc = trn_cls_metrics(pred, s->lab, s->n, skip, s->rate, K, m) ? RFX_ERR_NOMEM : RFX_OK;
	free(pred);
	return rc;
}

void trn_cls_fmt_ms(char *buf, size_t n, double ms)
{
	if (isnan(ms))
		snprintf(buf, n, "n/a");
	else if (isinf(ms))
		snprintf(buf, n, "never");
	else
		snprintf(buf, n, "%.1f ms", ms);
}

void trn_cls_metrics_print(FILE *f, const TrnClsMetrics *m, const char labels[][RFX_MAX_LABEL])
{
	char med[32], p90[32];
	trn_cls_fmt_ms(med, sizeof med, m->latency_median_ms);
	trn_cls_fmt_ms(p90, sizeof p90, m->latency_p90_ms);
	fprintf(f, "  frame accuracy %.2f %% of %llu samples; decision latency median %s, 90th "
		"percentile %s (%d onsets, %d undecided)\n", 100 * m->accuracy,
		(unsigned long long)m->n, med, p90, m->n_onsets, m->n_undecided);
	fprintf(f, "  %-16s %9s %9s\n", "class", "precision", "recall");
	for (int k = 0; k < m->K; k++)
		fprintf(f, "  %-16s %8.2f%% %8.2f%%\n", labels[k], 100 * m->precision[k],
			100 * m->recall[k]);
	fprintf(f, "  confusion (rows: true class, columns: predicted, %% of the row):\n  %-16s", "");
	for (int k = 0; k < m->K; k++)
		fprintf(f, " %7.7s", labels[k]);
	fputc('\n', f);
	for (int k = 0; k < m->K; k++) {
		uint64_t row = 0;
		for (int j = 0; j < m->K; j++)
			row += m->confusion[k][j];
		fprintf(f, "  %-16s", labels[k]);
		for (int j = 0; j < m->K; j++)
			fprintf(f, " %7.2f", row ? 100.0 * (double)m->confusion[k][j] / (double)row : 0.0);
		fputc('\n', f);
	}
}

int trn_cls_confusion_svg(const char *path, const TrnClsMetrics *m,
			  const char labels[][RFX_MAX_LABEL], const char *title, TrnError *err)
{
	RfxOutFile out;
	FILE *f = trn_output_begin(&out, path, err);
	if (!f)
		return -1;
	const int K = m->K, cell = 56, left = 130, top = 110;
	const int w = left + K * cell + 140, h = top + K * cell + 60;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n<text x=\"10\" y=\"22\" "
		"font-size=\"15\">", w, h);
	trn_svg_text(f, title);
	char med[32], p90[32];
	trn_cls_fmt_ms(med, sizeof med, m->latency_median_ms);
	trn_cls_fmt_ms(p90, sizeof p90, m->latency_p90_ms);
	fprintf(f, "</text>\n<text x=\"10\" y=\"42\">frame accuracy %.2f %%, decision latency median "
		"%s, 90th percentile %s (%d onsets)</text>\n", 100 * m->accuracy, med, p90, m->n_onsets);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">predicted</text>\n",
		left + K * cell / 2, top - 40);
	fprintf(f, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">"
		"true class</text>\n", top + K * cell / 2, top + K * cell / 2);
	for (int k = 0; k < K; k++) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", left + k * cell + cell / 2,
			top - 8);
		trn_svg_text(f, labels[k]);
		fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8,
			top + k * cell + cell / 2 + 4);
		trn_svg_text(f, labels[k]);
		fputs("</text>\n", f);
	}
	for (int k = 0; k < K; k++) {
		uint64_t row = 0;
		for (int j = 0; j < K; j++)
			row += m->confusion[k][j];
		for (int j = 0; j < K; j++) {
			double frac = row ? (double)m->confusion[k][j] / (double)row : 0;
			int shade = (int)lround(255 * (1 - frac));
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" "
				"stroke=\"#888\"/>\n", left + j * cell, top + k * cell, cell, cell, shade, shade);
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%.1f%%</text>\n",
				left + j * cell + cell / 2, top + k * cell + cell / 2 + 4,
				frac > 0.5 ? "white" : "black", 100 * frac);
		}
		fprintf(f, "<text x=\"%d\" y=\"%d\">recall %.1f%%</text>\n", left + K * cell + 8,
			top + k * cell + cell / 2 + 4, 100 * m->recall[k]);
	}
	fputs("</svg>\n", f);
	return trn_output_commit(&out, path, err);
}
