#include "evaluate.h"

#include "../dsp/rnnfx.h"

/* Samples per rfx_engine_process call: any size gives the same output; this one keeps the
 * block in cache. */
#define EVAL_BLOCK 4096

/* Sums of squared error and squared target, plain and pre-emphasised. */
typedef struct {
	double num, den, num_p, den_p;
	double y1, t1;              /* previous output and target, for the pre-emphasis */
} EsrSums;

/* Adds samples [from, n) of a block that starts `base` samples into its span; the pre-emphasis
 * history runs over every sample, counted or not, and the span's first sample has none. */
static void accumulate(EsrSums *s, const float *y, const float *t, size_t n, size_t from,
		       size_t base)
{
	for (size_t j = 0; j < n; j++) {
		if (j >= from) {
			double e = (double)y[j] - t[j];
			s->num += e * e;
			s->den += (double)t[j] * t[j];
			if (base + j > 0) {
				double py = y[j] - TRN_PRE_EMPH * s->y1, pt = t[j] - TRN_PRE_EMPH * s->t1;
				s->num_p += (py - pt) * (py - pt);
				s->den_p += pt * pt;
			}
		}
		s->y1 = y[j];
		s->t1 = t[j];
	}
}

/* The engine a host runs `model` with, at the model's own rate: one channel, no resampling. */
static int model_engine(const RfxModel *model, RfxEngine **out)
{
	return rfx_engine_create(model, 1, 0.0, RFX_RATE_QUALITY_DEFAULT, out, NULL, 0);
}

/* n samples of pair p from sample `from` through the engine into y; a moving knob (--knob-track)
 * is set at every sample, as training saw it. */
static void run_span(RfxEngine *e, const TrnPair *p, int n_cond, size_t from, size_t n, float *y)
{
	int moving = 0;
	for (int j = 0; j < n_cond; j++)
		moving |= p->cond_track[j] != NULL;
	if (!moving) {
		rfx_engine_process(e, p->in + from, y, (uint32_t)n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < n_cond; j++)
			if (p->cond_track[j])
				rfx_engine_set_input(e, 1 + j, p->cond_track[j][from + i]);
		rfx_engine_process(e, p->in + from + i, y + i, 1);
	}
}

int trn_eval_esr(const RfxModel *model, const TrnData *d, const TrnSpan *spans, int n_spans,
		 size_t skip, double *esr, double *esr_pre)
{
	RfxEngine *st = NULL;
	int rc = model_engine(model, &st);
	if (rc != RFX_OK)
		return rc;
	EsrSums s = { 0 };
	float y[EVAL_BLOCK];
	for (int k = 0; k < n_spans; k++) {
		const TrnPair *p = &d->pairs[spans[k].pair];
		const float *t = p->tgt + spans[k].start;
		rfx_engine_reset(st);
		for (int j = 0; j < d->n_cond; j++)
			rfx_engine_set_input(st, 1 + j, p->cond[j]);
		for (size_t i = 0; i < spans[k].n; i += EVAL_BLOCK) {
			size_t m = spans[k].n - i < EVAL_BLOCK ? spans[k].n - i : EVAL_BLOCK;
			run_span(st, p, d->n_cond, spans[k].start + i, m, y);
			accumulate(&s, y, t + i, m, skip > i ? (skip - i < m ? skip - i : m) : 0, i);
		}
	}
	rfx_engine_destroy(st);
	*esr = s.num / (s.den + 1e-10);
	if (esr_pre)
		*esr_pre = s.num_p / (s.den_p + 1e-10);
	return RFX_OK;
}

int trn_predict(const RfxModel *model, const TrnPair *p, int n_cond, size_t start, size_t n,
		float *out)
{
	RfxEngine *st = NULL;
	int rc = model_engine(model, &st);
	if (rc != RFX_OK)
		return rc;
	for (int j = 0; j < n_cond; j++)
		rfx_engine_set_input(st, 1 + j, p->cond[j]);
	for (size_t i = 0; i < n; i += EVAL_BLOCK) {
		size_t m = n - i < EVAL_BLOCK ? n - i : EVAL_BLOCK;
		run_span(st, p, n_cond, start + i, m, out + i);
	}
	rfx_engine_destroy(st);
	return RFX_OK;
}
