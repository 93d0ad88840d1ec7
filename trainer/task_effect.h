/* rnnfx-train — the effect task of the training loop (train_loop.h): an epoch cuts the training
 * spans into segments of `segment` seconds on a grid whose phase is drawn per epoch, shuffles them,
 * and takes them `batch` at a time; targets are the recorded samples; validation is the ESR of
 * the validation spans (evaluate.h). With knobs (d->n_cond > 0) every step's input is the audio
 * followed by its pair's `cond` values, so one batch mixes segments of every setting; the model
 * must have 1 + d->n_cond inputs.
 */
#ifndef TRN_TASK_EFFECT_H
#define TRN_TASK_EFFECT_H

#include "dataset.h"
#include "train_loop.h"

typedef struct {
	const TrnData *d, *vd;      /* the training pairs; the pairs the validation spans index */
	const TrnSpan *train, *val;
	int n_train, n_val;
	uint64_t seed;
	int batch, warmup;
	size_t seg_len;
	TrnSpan *segs;              /* this epoch's segments, shuffled */
	size_t n_segs, cap_segs;
} TrnEffectTask;

/* Fills `task` for training on `train` (spans of d) and validating on `val` (spans of vd: d
 * itself for a split, the --val-input pairs otherwise); 0, or -1 out of memory (err filled). */
int trn_effect_task_init(TrnEffectTask *e, TrnTask *task, const TrnTrainConfig *cfg,
			 const TrnData *d, const TrnSpan *train, int n_train, const TrnData *vd,
			 const TrnSpan *val, int n_val, TrnError *err);
void trn_effect_task_free(TrnEffectTask *e);

#endif
