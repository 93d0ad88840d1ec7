/* rnnfx — training losses and their gradient with respect to the network outputs.
 *
 * All losses read outputs and targets laid out segment-major, with a stride so a caller can point
 * into longer recordings without copying:
 *
 *   y[b * y_stride + t * O + o]        network output (effect: the sample; classifier: the logits)
 *   target[b * t_stride + t * O + o]   effect target (BCE: the 0/1 target of output o)
 *   label[b * l_stride + t]            classifier class index; a negative label is ignored
 *
 * Only steps t in [warmup, T) contribute. A stride of 0 means "packed" (T * O, or T for labels).
 *
 * Definitions (B segments, W = T - warmup loss steps, O outputs):
 *
 *   MSE     mean over b, t >= warmup, o of (y - target)^2.
 *
 *   ESR+DC  esr_weight * ESR + dc_weight * DC, both over the whole batch, as in Wright et al.
 *           ("Real-time guitar amplifier emulation with deep learning", Automated-GuitarAmpModelling):
 *             p(x)_t = x_t - pre_emph * x_{t-1}, for t = warmup+1 .. T-1 (the filter needs one step
 *                     of history, so the first loss step only feeds p at the next step)
 *             ESR = sum_{b,t} (p(y)_t - p(target)_t)^2 / (sum_{b,t} p(target)_t^2 + 1e-10)
 *             DC  = mean_b ( mean_t (target - y) )^2 / (mean_{b,t} target^2 + 1e-10)
 *           The DC term uses the raw (not pre-emphasised) signals; its inner mean is per segment,
 *           as in Wright's code, so a DC offset that differs between segments is still penalised.
 *           pre_emph = 0 gives plain ESR.
 *
 *   CE      class-weighted cross-entropy of softmax(logits), PyTorch's definition with mean
 *           reduction: sum_{b,t} w[label] * -log softmax(y)[label] / sum_{b,t} w[label], over
 *           labelled steps. class_weights NULL means all 1.
 *
 *   BCE     (onset models) binary cross-entropy of sigmoid(logits) against targets in [0, 1],
 *           each output on its own, PyTorch's BCEWithLogitsLoss with pos_weight = class_weights
 *           (NULL: all 1) and mean reduction: sum of w_o t log s(y) + (1 - t) log(1 - s(y)),
 *           negated, over the entries counted, divided by their number. A negative target leaves
 *           its entry out (a "don't care" region after a labelled hit).
 *
 * Each loss is a mean, so its scale does not depend on B or T.
 */
#ifndef RFX_LOSS_H
#define RFX_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum {
	RFX_LOSS_MSE,
	RFX_LOSS_ESR_DC,
	RFX_LOSS_CE,
	RFX_LOSS_BCE,
	RFX_LOSS_COUNT
} RfxLossKind;

typedef struct {
	RfxLossKind kind;
	float pre_emph;             /* ESR+DC: first-order pre-emphasis coefficient (0.85) */
	float esr_weight;           /* ESR+DC: weight of the ESR term */
	float dc_weight;            /* ESR+DC: weight of the DC term */
	const float *class_weights; /* CE: K weights; BCE: K positive weights; NULL for all 1; the
				     * pointer is kept, not copied */
} RfxLossConfig;

/* Defaults: pre_emph 0.85, esr_weight 1, dc_weight 1, class_weights NULL. */
RfxLossConfig rfx_loss_config_default(RfxLossKind kind);

/* "mse", "esr_dc", "ce", "bce"; NULL when unknown. */
const char *rfx_loss_name(RfxLossKind kind);
/* RFX_LOSS_COUNT when unknown. */
RfxLossKind rfx_loss_from_name(const char *name);

/* One batch of outputs against targets (see the layout above). */
typedef struct {
	int B, T, O, warmup;
	const float *y;
	size_t y_stride;
	const float *target;        /* effect losses, BCE */
	size_t t_stride;
	const int32_t *label;       /* CE */
	size_t l_stride;
} RfxLossBatch;

/* Computes the loss into *loss and, when dy is not NULL, dLoss/dy into dy laid out like y (same
 * y_stride; steps before warmup get 0). Returns RFX_ERR_INVALID on a bad size, a missing target or
 * label array, a label >= O, or a CE batch with no labelled step. Allocates nothing. */
RFX_MUST_CHECK
RfxStatus rfx_loss_compute(const RfxLossConfig *cfg, const RfxLossBatch *batch, double *loss,
			   float *dy);

#endif
