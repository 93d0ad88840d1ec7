#include "evaluate.h"

#include "../dsp/stream.h"

/* Samples per rfx_stream_process call: any size gives the same output; this one keeps the
 * block in cache. */
#define EVAL_BLOCK 4096

int trn_eval_esr(const RfxModel *model, const TrnData *d, const TrnSpan *spans, int n_spans,
		 size_t skip, double *esr)
{
	RfxStream *st = NULL;
	int rc = rfx_stream_create(model, &st);
	if (rc != RFX_OK)
		return rc;
	double num = 0, den = 0;
	float y[EVAL_BLOCK];
	for (int s = 0; s < n_spans; s++) {
		const TrnPair *p = &d->pairs[spans[s].pair];
		const float *x = p->in + spans[s].start, *t = p->tgt + spans[s].start;
		rfx_stream_reset(st);
		for (size_t i = 0; i < spans[s].n; i += EVAL_BLOCK) {
			size_t m = spans[s].n - i < EVAL_BLOCK ? spans[s].n - i : EVAL_BLOCK;
			rfx_stream_process(st, x + i, y, (uint32_t)m);
			for (size_t j = 0; j < m; j++) {
				if (i + j < skip)
					continue;
				double e = (double)y[j] - t[i + j];
				num += e * e;
				den += (double)t[i + j] * t[i + j];
			}
		}
	}
	rfx_stream_destroy(st);
	*esr = num / (den + 1e-10);
	return RFX_OK;
}

int trn_predict(const RfxModel *model, const float *in, size_t n, float *out)
{
	RfxStream *st = NULL;
	int rc = rfx_stream_create(model, &st);
	if (rc != RFX_OK)
		return rc;
	for (size_t i = 0; i < n; i += EVAL_BLOCK) {
		size_t m = n - i < EVAL_BLOCK ? n - i : EVAL_BLOCK;
		rfx_stream_process(st, in + i, out + i, (uint32_t)m);
	}
	rfx_stream_destroy(st);
	return RFX_OK;
}
