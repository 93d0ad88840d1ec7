/* rnnfx-train — measuring a model the way the plugin will run it.
 *
 * Validation and test numbers come from the engine (dsp/rnnfx.h), the real-time path the plugin
 * and the runners use, not from the training code, so the ESR the trainer reports is the ESR a
 * user gets.
 */
#ifndef TRN_EVALUATE_H
#define TRN_EVALUATE_H

#include "dataset.h"
#include "../dsp/rnnfx.h"

/* Pre-emphasis of the ESR+DC training loss (dsp/loss.h), for reporting ESR the way Wright et al.
 * do, next to the plain one. */
#define TRN_PRE_EMPH 0.85

/* Error-to-signal ratio sum (y - t)^2 / sum t^2 pooled over all spans. Each span is run from the
 * model's initial state, with the conditioning inputs 1..d->n_cond held at its pair's `cond`;
 * its first `skip` samples settle the state and are left out of the sums.
 * `esr_pre` (may be NULL) gets the same ratio on signals pre-emphasised by 1 - 0.85 z^-1.
 * Returns RFX_OK or an RfxStatus from the engine. */
int trn_eval_esr(const RfxModel *model, const TrnData *d, const TrnSpan *spans, int n_spans,
		 size_t skip, double *esr, double *esr_pre);

/* Runs `n` samples of pair p's input from sample `start`, from the initial state, into `out`, its
 * conditioning inputs 1..n_cond held at p->cond (a moving knob following its track). */
int trn_predict(const RfxModel *model, const TrnPair *p, int n_cond, size_t start, size_t n,
		float *out);

#endif
