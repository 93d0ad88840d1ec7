/* rnnfx — training losses (definitions in loss.h). Sums are accumulated in double: a window of
 * 32 x 2048 samples would lose ~4 digits to float accumulation. The losses run once per batch on
 * one thread, between the trainer's two parallel phases, so with small models their time shows
 * (esr_dc's comment). */
#include "loss.h"

#include <math.h>
#include <string.h>

static const char *const loss_names[RFX_LOSS_COUNT] = { "mse", "esr_dc", "ce", "bce" };

const char *rfx_loss_name(RfxLossKind kind)
{
	return (unsigned)kind < RFX_LOSS_COUNT ? loss_names[kind] : NULL;
}

RfxLossKind rfx_loss_from_name(const char *name)
{
	for (int k = 0; k < RFX_LOSS_COUNT; k++)
		if (name && strcmp(name, loss_names[k]) == 0)
			return (RfxLossKind)k;
	return RFX_LOSS_COUNT;
}

RfxLossConfig rfx_loss_config_default(RfxLossKind kind)
{
	RfxLossConfig c = { kind, 0.85f, 1.0f, 1.0f, NULL };
	return c;
}

#define ESR_EPS 1e-10

static void zero_rows(const RfxLossBatch *b, float *dy)
{
	for (int s = 0; s < b->B; s++)
		memset(dy + (size_t)s * b->y_stride, 0, sizeof *dy * (size_t)b->T * (size_t)b->O);
}

/* L = mean (y - t)^2;  dL/dy = 2 (y - t) / N. */
static void mse(const RfxLossBatch *b, double *loss, float *dy)
{
	const int O = b->O;
	const double N = (double)b->B * (b->T - b->warmup) * O;
	double sum = 0;
	for (int s = 0; s < b->B; s++) {
		const float *y = b->y + (size_t)s * b->y_stride, *tg = b->target + (size_t)s * b->t_stride;
		for (int i = b->warmup * O; i < b->T * O; i++) {
			double e = (double)y[i] - tg[i];
			sum += e * e;
			if (dy)
				dy[(size_t)s * b->y_stride + i] = (float)(2.0 * e / N);
		}
	}
	*loss = sum / N;
}

/* ESR on pre-emphasised signals plus the DC term (loss.h). With e_t = p(y)_t - p(t)_t for
 * t = w+1..T-1 and p(x)_t = x_t - a x_{t-1}:
 *   dESR/dy_t = 2 (e_t - a e_{t+1}) / E   (e outside w+1..T-1 counts as 0)
 *   dDC/dy_t  = -2 m_b / (W B D)          with m_b = mean_t (t - y) of segment b.
 * The sums run in one order (segment by segment, t ascending), so the loss and its gradient do
 * not depend on how the batch was computed. The gradient pass takes each segment's mean from the
 * first pass and works in tiles of e, loops without branches that the compiler vectorises (the
 * same operations per element: the same bits as the scalar form, 374 -> 176 us for 32 x 2048;
 * it runs between the trainer's two parallel phases, on one thread). */
enum { ESR_KEEP = 256, ESR_TILE = 256 };

static double segment_mean_error(const float *y, const float *tg, int w, int T)
{
	double m = 0;
	for (int t = w; t < T; t++)
		m += (double)tg[t] - y[t];
	return m / (T - w);
}

static void esr_dc(const RfxLossConfig *cfg, const RfxLossBatch *b, double *loss, float *dy)
{
	const int w = b->warmup, T = b->T, W = T - w;
	const double a = cfg->pre_emph;
	double err = 0, energy_p = 0, energy = 0, dc = 0;
	double mean[ESR_KEEP]; /* the first ESR_KEEP segments' means (the rest: computed again) */
	for (int s = 0; s < b->B; s++) {
		const float *y = b->y + (size_t)s * b->y_stride, *tg = b->target + (size_t)s * b->t_stride;
		double m = 0;
		for (int t = w; t < T; t++) {
			m += (double)tg[t] - y[t];
			energy += (double)tg[t] * tg[t];
			if (t > w) {
				double pt = tg[t] - a * tg[t - 1];
				double e = ((double)y[t] - a * y[t - 1]) - pt;
				err += e * e;
				energy_p += pt * pt;
			}
		}
		m /= W;
		if (s < ESR_KEEP)
			mean[s] = m;
		dc += m * m;
	}
	const double E = energy_p + ESR_EPS, D = energy / ((double)W * b->B) + ESR_EPS;
	*loss = cfg->esr_weight * err / E + cfg->dc_weight * (dc / b->B) / D;
	if (!dy)
		return;
	const double k = cfg->esr_weight * 2.0;
	for (int s = 0; s < b->B; s++) {
		const float *y = b->y + (size_t)s * b->y_stride, *tg = b->target + (size_t)s * b->t_stride;
		float *d = dy + (size_t)s * b->y_stride;
		const double m = s < ESR_KEEP ? mean[s] : segment_mean_error(y, tg, w, T);
		const double ddc = cfg->dc_weight * -2.0 * m / ((double)W * b->B * D);
		double e[ESR_TILE + 1]; /* e[i] = e_{t0 + i} */
		for (int t0 = w; t0 < T; t0 += ESR_TILE) {
			const int n = T - t0 < ESR_TILE ? T - t0 : ESR_TILE;
			const int lo = t0 == w ? 1 : 0, hi = t0 + n < T ? n : n - 1; /* e_t defined there */
			for (int i = 0; i < lo; i++)
				e[i] = 0;
			for (int i = lo; i <= hi; i++) {
				const int t = t0 + i;
				e[i] = ((double)y[t] - a * y[t - 1]) - (tg[t] - a * tg[t - 1]);
			}
			for (int i = hi + 1; i <= n; i++)
				e[i] = 0;
			for (int i = 0; i < n; i++)
				d[t0 + i] = (float)(k * (e[i] - a * e[i + 1]) / E + ddc);
		}
	}
}

/* L = sum w_c (-log softmax(y)_c) / sum w_c;  dL/dy_k = w_c (softmax_k - [k == c]) / sum w_c. */
static RfxStatus cross_entropy(const RfxLossConfig *cfg, const RfxLossBatch *b, double *loss,
			       float *dy)
{
	const int O = b->O;
	double sum = 0, wsum = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (int s = 0; s < b->B; s++)
			for (int t = b->warmup; t < b->T; t++) {
				int c = b->label[(size_t)s * b->l_stride + t];
				if (c < 0)
					continue;
				if (c >= O)
					return RFX_ERR_INVALID;
				const float *y = b->y + (size_t)s * b->y_stride + (size_t)t * O;
				double wc = cfg->class_weights ? cfg->class_weights[c] : 1.0;
				double mx = y[0], z = 0;
				for (int k = 1; k < O; k++)
					mx = y[k] > mx ? y[k] : mx;
				for (int k = 0; k < O; k++)
					z += exp(y[k] - mx);
				if (pass == 0) {
					sum += wc * (log(z) - (y[c] - mx));
					wsum += wc;
				} else {
					float *d = dy + (size_t)s * b->y_stride + (size_t)t * O;
					for (int k = 0; k < O; k++)
						d[k] = (float)(wc * (exp(y[k] - mx) / z - (k == c)) / wsum);
				}
			}
		if (pass == 0 && !(wsum > 0))
			return RFX_ERR_INVALID;
		if (pass == 0)
			*loss = sum / wsum;
		if (!dy)
			break;
	}
	return RFX_OK;
}

static double softplus(double v)
{
	return (v > 0 ? v : 0) + log1p(exp(-fabs(v)));
}

/* Per entry with target t in [0, 1] (t < 0: left out), w the output's positive weight:
 *   l = w t softplus(-y) + (1 - t) softplus(y),  dl/dy = w t (sigmoid(y) - 1) + (1 - t) sigmoid(y),
 * both divided by N, the number of entries counted. */
static RfxStatus binary_cross_entropy(const RfxLossConfig *cfg, const RfxLossBatch *b,
				      double *loss, float *dy)
{
	const int O = b->O;
	double sum = 0, n = 0;
	for (int s = 0; s < b->B; s++)
		for (int i = b->warmup * O; i < b->T * O; i++) {
			const double t = b->target[(size_t)s * b->t_stride + (size_t)i];
			if (t < 0)
				continue;
			if (!(t <= 1))
				return RFX_ERR_INVALID;
			const double y = b->y[(size_t)s * b->y_stride + (size_t)i];
			const double w = cfg->class_weights ? cfg->class_weights[i % O] : 1.0;
			sum += w * t * softplus(-y) + (1 - t) * softplus(y);
			n++;
		}
	if (!(n > 0))
		return RFX_ERR_INVALID;
	*loss = sum / n;
	if (!dy)
		return RFX_OK;
	for (int s = 0; s < b->B; s++)
		for (int i = b->warmup * O; i < b->T * O; i++) {
			const double t = b->target[(size_t)s * b->t_stride + (size_t)i];
			if (t < 0)
				continue;
			const double y = b->y[(size_t)s * b->y_stride + (size_t)i];
			const double w = cfg->class_weights ? cfg->class_weights[i % O] : 1.0;
			const double sg = 1.0 / (1.0 + exp(-y));
			dy[(size_t)s * b->y_stride + (size_t)i] = (float)((w * t * (sg - 1) + (1 - t) * sg) / n);
		}
	return RFX_OK;
}

RfxStatus rfx_loss_compute(const RfxLossConfig *cfg, const RfxLossBatch *batch, double *loss,
			   float *dy)
{
	if (!cfg || !batch || !loss || !batch->y || batch->B < 1 || batch->O < 1 || batch->warmup < 0 ||
	    batch->warmup >= batch->T)
		return RFX_ERR_INVALID;
	RfxLossBatch b = *batch;
	if (!b.y_stride)
		b.y_stride = (size_t)b.T * b.O;
	if (!b.t_stride)
		b.t_stride = (size_t)b.T * b.O;
	if (!b.l_stride)
		b.l_stride = (size_t)b.T;
	if (dy)
		zero_rows(&b, dy);
	switch (cfg->kind) {
	case RFX_LOSS_MSE:
		if (!b.target)
			return RFX_ERR_INVALID;
		mse(&b, loss, dy);
		return RFX_OK;
	case RFX_LOSS_ESR_DC:
		/* The pre-emphasis runs along time on a single output channel. */
		if (!b.target || b.O != 1)
			return RFX_ERR_INVALID;
		esr_dc(cfg, &b, loss, dy);
		return RFX_OK;
	case RFX_LOSS_CE:
		if (!b.label || b.O < 2)
			return RFX_ERR_INVALID;
		return cross_entropy(cfg, &b, loss, dy);
	case RFX_LOSS_BCE:
		if (!b.target)
			return RFX_ERR_INVALID;
		return binary_cross_entropy(cfg, &b, loss, dy);
	default:
		return RFX_ERR_INVALID;
	}
}
