/* rnnfx-train — measuring a model the way the plugin will run it.
 *
 * Validation and test numbers come from dsp/stream.h, the real-time path the plugin and the
 * runners use, not from the training code, so the ESR the trainer reports is the ESR a user gets.
 */
#ifndef TRN_EVALUATE_H
#define TRN_EVALUATE_H

#include "dataset.h"
#include "../dsp/model.h"

/* Error-to-signal ratio sum (y - t)^2 / sum t^2 pooled over all spans. Each span is run from the
 * model's initial state; its first `skip` samples settle the state and are left out of the sums.
 * Returns RFX_OK or an RfxStatus from the stream. */
int trn_eval_esr(const RfxModel *model, const TrnData *d, const TrnSpan *spans, int n_spans,
		 size_t skip, double *esr);

/* Runs `n` samples of `in` from the initial state into `out`. */
int trn_predict(const RfxModel *model, const float *in, size_t n, float *out);

#endif
