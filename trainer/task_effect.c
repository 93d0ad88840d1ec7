#include "task_effect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"

static int64_t plan(void *ctx, int64_t epoch)
{
	TrnEffectTask *e = ctx;
	uint64_t g = e->seed * 0xD1B54A32D192ED03ULL + (uint64_t)epoch;
	size_t phase = (size_t)(trn_mix(&g) % e->seg_len);
	e->n_segs = trn_segments(e->train, e->n_train, e->seg_len, phase, e->segs, e->cap_segs);
	for (size_t i = e->n_segs; i > 1; i--) {
		size_t j = (size_t)(trn_mix(&g) % i);
		TrnSpan t = e->segs[i - 1];
		e->segs[i - 1] = e->segs[j];
		e->segs[j] = t;
	}
	return (int64_t)((e->n_segs + (size_t)e->batch - 1) / (size_t)e->batch);
}

/* Batch b is segments b * batch onwards of the shuffled plan; the last batch may be short. */
static int fill(void *ctx, int64_t epoch, int64_t b, size_t S, float *x, float *t, int32_t *lab)
{
	TrnEffectTask *e = ctx;
	(void)epoch;
	(void)lab;
	const size_t first = (size_t)b * (size_t)e->batch, left = e->n_segs - first;
	const int B = (int)(left < (size_t)e->batch ? left : (size_t)e->batch);
	const size_t I = 1 + (size_t)e->d->n_cond;
	for (int i = 0; i < B; i++) {
		const TrnSpan *s = &e->segs[first + (size_t)i];
		const TrnPair *p = &e->d->pairs[s->pair];
		memcpy(t + (size_t)i * S, p->tgt + s->start, S * sizeof *t);
		if (I == 1) {
			memcpy(x + (size_t)i * S, p->in + s->start, S * sizeof *x);
			continue;
		}
		/* A conditioned model: the audio, then the pair's knob values at every step (a
		 * moving knob's from its track). */
		float *xi = x + (size_t)i * S * I;
		for (size_t k = 0; k < S; k++) {
			xi[k * I] = p->in[s->start + k];
			for (size_t j = 1; j < I; j++)
				xi[k * I + j] = p->cond_track[j - 1] ? p->cond_track[j - 1][s->start + k]
								     : p->cond[j - 1];
		}
	}
	return B;
}

static int score(void *ctx, const RfxModel *m, double *esr, TrnError *err)
{
	const TrnEffectTask *e = ctx;
	int rc = trn_eval_esr(m, e->vd, e->val, e->n_val, (size_t)e->warmup, esr, NULL);
	if (rc == RFX_OK)
		return 0;
	return trn_error_set(err, NULL, "validation failed: %s", rfx_strerror(rc));
}

int trn_effect_task_init(TrnEffectTask *e, TrnTask *task, const TrnTrainConfig *cfg,
			 const TrnData *d, const TrnSpan *train, int n_train, const TrnData *vd,
			 const TrnSpan *val, int n_val, TrnError *err)
{
	*e = (TrnEffectTask){
		.d = d, .vd = vd, .train = train, .val = val, .n_train = n_train, .n_val = n_val,
		.seed = cfg->seed, .batch = cfg->batch, .warmup = cfg->warmup,
		.seg_len = trn_seg_len(cfg, d->rate),
	};
	*task = (TrnTask){ .ctx = e, .rate = d->rate, .plan = plan, .fill = fill, .score = score };
	e->cap_segs = trn_spans_total(train, n_train) / e->seg_len + (size_t)n_train + 1;
	e->segs = malloc(e->cap_segs * sizeof *e->segs);
	if (!e->segs)
		return trn_error_set(err, NULL, "out of memory for %d segments of %zu samples",
				     cfg->batch, e->seg_len);
	/* The time estimate's batch: `batch` segments, or all the first epoch has when fewer. */
	size_t n = trn_segments(train, n_train, e->seg_len, 0, e->segs, e->cap_segs);
	task->est_batch = n == 0 ? 1 : n < (size_t)cfg->batch ? (int)n : cfg->batch;
	return 0;
}

void trn_effect_task_free(TrnEffectTask *e)
{
	free(e->segs);
	memset(e, 0, sizeof *e);
}
