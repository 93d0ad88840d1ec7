/* rnnfx — optimiser: global-norm gradient clipping and Adam on flat parameter vectors.
 *
 * Parameters and gradients are flat float arrays (model->params and rfx_bptt_grad), so the
 * optimiser knows nothing about tensors; a byte mask (rfx_optim_trainable_mask) keeps fixed
 * tensors (h0/c0 under RFX_INIT_VECTOR) untouched.
 *
 * Adam follows PyTorch's torch.optim.Adam / AdamW step for step (bias-corrected moments, eps
 * added to sqrt(v_hat)). Weight decay is DECOUPLED (AdamW): p -= lr * weight_decay * p before the
 * Adam update, applied to every masked parameter, biases included, as torch.optim.AdamW does.
 * The state (m, v, step) is public so a checkpoint can save and restore it.
 */
#ifndef RFX_OPTIM_H
#define RFX_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The Euclidean norm of g[0..n) (accumulated in double, so it is independent of thread count). */
double rfx_optim_grad_norm(const float *g, size_t n);
/* When the norm exceeds max_norm > 0, scales g so its norm is max_norm (PyTorch's
 * clip_grad_norm_: factor max_norm / (norm + 1e-6)). Returns the norm before clipping. A
 * non-finite norm leaves g unchanged and is returned as is, so the caller can skip the step. */
double rfx_optim_clip_grad_norm(float *g, size_t n, double max_norm);

/* mask[i] = 1 for parameters of trainable tensors, 0 otherwise; mask has model->n_params bytes. */
void rfx_optim_trainable_mask(const RfxModel *model, uint8_t *mask);

typedef struct {
	float lr;                   /* 1e-3 */
	float beta1, beta2;         /* 0.9, 0.999 */
	float eps;                  /* 1e-8 */
	float weight_decay;         /* 0: decoupled (AdamW) decay per step */
} RfxAdamConfig;

typedef struct {
	RfxAdamConfig cfg;          /* may be changed between steps (learning-rate schedules) */
	size_t n;
	float *m;                   /* first moments [n] */
	float *v;                   /* second moments [n] */
	int64_t step;               /* steps taken so far */
} RfxAdam;

RfxAdamConfig rfx_adam_config_default(void);
/* m, v zero, step 0. */
RFX_MUST_CHECK
RfxStatus rfx_adam_create(size_t n, const RfxAdamConfig *cfg, RfxAdam **out);
void rfx_adam_destroy(RfxAdam *a);
/* One step: params[i] updated where mask is NULL or mask[i] != 0. */
void rfx_adam_step(RfxAdam *a, float *params, const float *grad, const uint8_t *mask);

#endif
