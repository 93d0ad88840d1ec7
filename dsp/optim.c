/* rnnfx — gradient clipping and Adam (optim.h). */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double rfx_optim_grad_norm(const float *g, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)g[i] * g[i];
	return sqrt(s);
}

double rfx_optim_clip_grad_norm(float *g, size_t n, double max_norm)
{
	double norm = rfx_optim_grad_norm(g, n);
	if (!isfinite(norm) || !(max_norm > 0) || norm <= max_norm)
		return norm;
	const float scale = (float)(max_norm / (norm + 1e-6));
	for (size_t i = 0; i < n; i++)
		g[i] *= scale;
	return norm;
}

void rfx_optim_trainable_mask(const RfxModel *model, uint8_t *mask)
{
	memset(mask, 0, model->n_params);
	for (int i = 0; i < model->n_tensors; i++) {
		const RfxTensor *t = &model->tensors[i];
		if (t->trainable)
			memset(mask + t->offset, 1, (size_t)t->rows * (size_t)t->cols);
	}
}

RfxAdamConfig rfx_adam_config_default(void)
{
	RfxAdamConfig c = { 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f };
	return c;
}

RfxStatus rfx_adam_create(size_t n, const RfxAdamConfig *cfg, RfxAdam **out)
{
	if (!out || !cfg || n == 0)
		return RFX_ERR_INVALID;
	*out = NULL;
	RfxAdam *a = calloc(1, sizeof *a);
	if (!a)
		return RFX_ERR_NOMEM;
	a->m = calloc(n, sizeof *a->m);
	a->v = calloc(n, sizeof *a->v);
	if (!a->m || !a->v) {
		rfx_adam_destroy(a);
		return RFX_ERR_NOMEM;
	}
	a->n = n;
	a->cfg = *cfg;
	*out = a;
	return RFX_OK;
}

void rfx_adam_destroy(RfxAdam *a)
{
	if (!a)
		return;
	free(a->m);
	free(a->v);
	free(a);
}

/* torch.optim.AdamW:  p *= 1 - lr wd;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *                     p -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps). */
void rfx_adam_step(RfxAdam *a, float *params, const float *grad, const uint8_t *mask)
{
	const RfxAdamConfig *c = &a->cfg;
	a->step++;
	const double bc1 = 1.0 - pow(c->beta1, (double)a->step);
	const double bc2 = 1.0 - pow(c->beta2, (double)a->step);
	const float step_size = (float)(c->lr / bc1);
	const float inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
	const float decay = 1.0f - c->lr * c->weight_decay;
	const float b1 = c->beta1, b2 = c->beta2;
	for (size_t i = 0; i < a->n; i++) {
		if (mask && !mask[i])
			continue;
		const float g = grad[i];
		float p = params[i] * decay;
		a->m[i] = b1 * a->m[i] + (1.0f - b1) * g;
		a->v[i] = b2 * a->v[i] + (1.0f - b2) * g * g;
		p -= step_size * a->m[i] / (sqrtf(a->v[i]) * inv_sqrt_bc2 + c->eps);
		params[i] = p;
	}
}
