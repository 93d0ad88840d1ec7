#include "onset_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/rnnfx.h"
#include "grow.h"

enum { EVAL_BLOCK = 4096, MAX_EVENTS = 4096 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile q of v[0..n) (sorted in place); NaN when n is 0. */
static double percentile(double *v, size_t n, double q)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	size_t r = (size_t)ceil(q * (double)n);
	return v[r ? r - 1 : 0];
}

static double ratio(long a, long b)
{
	return b ? (double)a / (double)b : NAN;
}

int trn_onset_match(const TrnOnset *on, size_t n_on, const TrnOnsetHit *det, size_t n_det,
		    size_t skip, double rate, int K, TrnOnsetMetrics *m)
{
	memset(m, 0, sizeof *m);
	m->K = K;
	const size_t early = (size_t)llround(rate * TRN_ONSET_EARLY_MS / 1000.0);
	const size_t late = (size_t)llround(rate * TRN_ONSET_LATE_MS / 1000.0);
	double *lat = malloc((n_on ? n_on : 1) * sizeof *lat), *lk = malloc((n_on ? n_on : 1) * sizeof *lk);
	if (!lat || !lk) {
		free(lat);
		free(lk);
		return -1;
	}
	size_t n_lat = 0;
	for (int k = 0; k < K; k++) {
		/* Two cursors in time order: onsets of class k not yet matched, and detections. */
		size_t i = 0, n_lk = 0;
		for (size_t j = 0; j < n_det; j++) {
			const TrnOnsetHit *d = &det[j];
			if (d->cls != k || d->pos < skip)
				continue;
			m->detections[k]++;
			while (i < n_on && (on[i].cls != k || on[i].pos < skip || on[i].pos + late < d->pos))
				i++; /* onsets too old for this detection (or for any later one) */
			if (i < n_on && on[i].pos <= d->pos + early) {
				const double ms = ((double)d->pos - (double)on[i].pos) * 1000.0 / rate;
				lat[n_lat++] = ms;
				lk[n_lk++] = ms;
				m->matched[k]++;
				i++;
			}
		}
		for (size_t q = 0; q < n_on; q++)
			m->onsets[k] += on[q].cls == k && on[q].pos >= skip;
		m->precision[k] = ratio(m->matched[k], m->detections[k]);
		m->recall[k] = ratio(m->matched[k], m->onsets[k]);
		const double p = m->precision[k], r = m->recall[k];
		m->f1[k] = m->onsets[k] ? (p + r > 0 ? 2 * p * r / (p + r) : 0.0) : NAN;
		if (m->onsets[k] && !m->detections[k])
			m->f1[k] = 0.0;
		m->lat_median_ms[k] = percentile(lk, n_lk, 0.5);
		m->lat_p90_ms[k] = percentile(lk, n_lk, 0.9);
	}
	double sum = 0;
	int n = 0;
	for (int k = 0; k < K; k++)
		if (m->onsets[k]) {
			sum += m->f1[k];
			n++;
		}
	m->mean_f1 = n ? sum / n : NAN;
	m->latency_median_ms = percentile(lat, n_lat, 0.5);
	m->latency_p90_ms = percentile(lat, n_lat, 0.9);
	free(lat);
	free(lk);
	return 0;
}

/* A growing list of hits. */
typedef struct {
	TrnOnsetHit *v;
	size_t n, cap;
} Hits;

static int hits_push(Hits *h, TrnOnsetHit x)
{
	TrnOnsetHit *v = trn_grow(h->v, h->n, &h->cap, sizeof *v, 1024);
	if (!v)
		return -1;
	h->v = v;
	h->v[h->n++] = x;
	return 0;
}

int trn_onset_evaluate(const RfxModel *model, const TrnOnsetSet *s, size_t skip,
		       const RfxOnsetConfig *cfg, TrnOnsetMetrics *m)
{
	const int K = rfx_model_n_outputs(model);
	RfxEngine *e = NULL;
	int rc = rfx_engine_create(model, 1, 0.0, RFX_RATE_QUALITY_DEFAULT, &e, NULL, 0);
	if (rc != RFX_OK)
		return rc;
	float *p = malloc((size_t)EVAL_BLOCK * (size_t)K * sizeof *p);
	RfxOnsetEvent *ev = malloc(MAX_EVENTS * sizeof *ev);
	Hits det = { 0 };
	RfxOnsetDetector d;
	rfx_onset_init(&d, K, s->rate, cfg);
	rc = p && ev ? RFX_OK : RFX_ERR_NOMEM;
	for (size_t i = 0; i < s->n && rc == RFX_OK; i += EVAL_BLOCK) {
		const size_t len = s->n - i < EVAL_BLOCK ? s->n - i : EVAL_BLOCK;
		rfx_engine_process(e, s->x + i, p, (uint32_t)len);
		const int n_ev = rfx_onset_process(&d, s->x + i, p, (uint32_t)len, ev, MAX_EVENTS);
		for (int j = 0; j < n_ev && rc == RFX_OK; j++)
			if (hits_push(&det, (TrnOnsetHit){ i + ev[j].frame, ev[j].cls }))
				rc = RFX_ERR_NOMEM;
	}
	if (rc == RFX_OK && trn_onset_match(s->on, s->n_on, det.v, det.n, skip, s->rate, K, m))
		rc = RFX_ERR_NOMEM;
	rfx_engine_destroy(e);
	free(p);
	free(ev);
	free(det.v);
	return rc;
}

/* One detector per threshold of the grid, all fed by one run of the model, block by block: memory
 * for the hits only, whatever the length of the set. */
int trn_onset_calibrate(const RfxModel *model, const TrnOnsetSet *s, size_t skip, float *thr,
			TrnOnsetMetrics *m)
{
	enum { G = 8 };
	static const float grid[G] = { 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.95f };
	const int K = rfx_model_n_outputs(model);
	RfxEngine *e = NULL;
	int rc = rfx_engine_create(model, 1, 0.0, RFX_RATE_QUALITY_DEFAULT, &e, NULL, 0);
	if (rc != RFX_OK)
		return rc;
	float *p = malloc((size_t)EVAL_BLOCK * (size_t)K * sizeof *p);
	RfxOnsetEvent *ev = malloc(MAX_EVENTS * sizeof *ev);
	RfxOnsetDetector d[G];
	Hits hits[G];
	memset(hits, 0, sizeof hits);
	for (int g = 0; g < G; g++) {
		RfxOnsetConfig c = rfx_onset_config_default();
		c.threshold = grid[g];
		c.release = grid[g] / 2;
		rfx_onset_init(&d[g], K, s->rate, &c);
	}
	rc = p && ev ? RFX_OK : RFX_ERR_NOMEM;
	for (size_t i = 0; i < s->n && rc == RFX_OK; i += EVAL_BLOCK) {
		const size_t len = s->n - i < EVAL_BLOCK ? s->n - i : EVAL_BLOCK;
		rfx_engine_process(e, s->x + i, p, (uint32_t)len);
		for (int g = 0; g < G && rc == RFX_OK; g++) {
			const int n_ev = rfx_onset_process(&d[g], s->x + i, p, (uint32_t)len, ev, MAX_EVENTS);
			for (int j = 0; j < n_ev && rc == RFX_OK; j++)
				if (hits_push(&hits[g], (TrnOnsetHit){ i + ev[j].frame, ev[j].cls }))
					rc = RFX_ERR_NOMEM;
		}
	}
	TrnOnsetMetrics best, cur;
	memset(&best, 0, sizeof best);
	for (int g = 0; g < G && rc == RFX_OK; g++) {
		if (trn_onset_match(s->on, s->n_on, hits[g].v, hits[g].n, skip, s->rate, K, &cur)) {
			rc = RFX_ERR_NOMEM;
			break;
		}
		for (int k = 0; k < K; k++)
			if (g == 0 || cur.f1[k] > best.f1[k]) { /* NaN (no onsets) never beats: kept */
				thr[k] = grid[g];
				best.onsets[k] = cur.onsets[k];
				best.detections[k] = cur.detections[k];
				best.matched[k] = cur.matched[k];
				best.precision[k] = cur.precision[k];
				best.recall[k] = cur.recall[k];
				best.f1[k] = cur.f1[k];
				best.lat_median_ms[k] = cur.lat_median_ms[k];
				best.lat_p90_ms[k] = cur.lat_p90_ms[k];
			}
	}
	best.K = K;
	double sum = 0;
	int n = 0;
	for (int k = 0; k < K; k++)
		if (best.onsets[k]) {
			sum += best.f1[k];
			n++;
		}
	best.mean_f1 = n ? sum / n : NAN;
	best.latency_median_ms = best.latency_p90_ms = NAN; /* per class only: thresholds differ */
	*m = best;
	rfx_engine_destroy(e);
	free(p);
	free(ev);
	for (int g = 0; g < G; g++)
		free(hits[g].v);
	return rc;
}

static void fmt(char *buf, size_t n, double v, const char *f)
{
	if (isnan(v))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, f, v);
}

void trn_onset_metrics_print(FILE *f, const TrnOnsetMetrics *m, const char labels[][RFX_MAX_LABEL])
{
	char a[32], b[32];
	fmt(a, sizeof a, m->latency_median_ms, "%.1f ms");
	fmt(b, sizeof b, m->latency_p90_ms, "%.1f ms");
	fprintf(f, "  mean F1 %.2f %%  latency median %s, 90th percentile %s\n", 100 * m->mean_f1, a,
		b);
	fprintf(f, "  %-12s %7s %7s %9s %7s %7s %8s %8s\n", "class", "hits", "notes", "precision",
		"recall", "F1", "lat med", "lat p90");
	for (int k = 0; k < m->K; k++) {
		char p[16], r[16], f1[16];
		fmt(p, sizeof p, 100 * m->precision[k], "%.1f %%");
		fmt(r, sizeof r, 100 * m->recall[k], "%.1f %%");
		fmt(f1, sizeof f1, 100 * m->f1[k], "%.1f %%");
		fmt(a, sizeof a, m->lat_median_ms[k], "%.1f ms");
		fmt(b, sizeof b, m->lat_p90_ms[k], "%.1f ms");
		fprintf(f, "  %-12s %7ld %7ld %9s %7s %7s %8s %8s\n", labels[k], m->onsets[k],
			m->detections[k], p, r, f1, a, b);
	}
}
