/* rnnfx — the per-sample processing loop, written once and compiled once per instruction set.
 *
 * kernel_generic.c and kernel_avx2.c each define RFX_KSUFFIX and RFX_KSPLIT and include this file;
 * the Makefile builds the latter with -mavx2 -mfma. stream.c picks one at init (stream.c:
 * pick_kernel). The loops are plain C shaped for the auto-vectoriser: fixed-size inner blocks,
 * no reductions in the gate loops. Different kernels may differ in the last bits (FMA, the split
 * of the sums); each is deterministic on its own, so block-size invariance holds per kernel.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fastmath.h"
#include "stream_impl.h"

#define RFX_KCAT2(a, b) a##_##b
#define RFX_KCAT(a, b) RFX_KCAT2(a, b)
#define KFN(name) RFX_KCAT(name, RFX_KSUFFIX)

/* out[0..Np) = bias + sum_k v[k] * Wt[k][0..Np), Np a multiple of RFX_PACK.
 * The sum over k is split over RFX_KSPLIT accumulators so that several multiply-add chains run at
 * once instead of waiting on each other's latency. */
static inline void KFN(matvec_t)(const float *restrict Wt, const float *restrict v, int K, int Np,
				const float *restrict bias, float *restrict out)
{
	for (int jb = 0; jb < Np; jb += RFX_PACK) {
		float acc[RFX_KSPLIT][RFX_PACK];
		for (int s = 0; s < RFX_KSPLIT; s++)
			for (int u = 0; u < RFX_PACK; u++)
				acc[s][u] = 0.0f;
		const float *w = Wt + jb;
		int k = 0;
		for (; k + RFX_KSPLIT <= K; k += RFX_KSPLIT)
			for (int s = 0; s < RFX_KSPLIT; s++) {
				const float vk = v[k + s];
				const float *ws = w + (size_t)(k + s) * Np;
				for (int u = 0; u < RFX_PACK; u++)
					acc[s][u] += vk * ws[u];
			}
		for (; k < K; k++) {
			const float vk = v[k];
			const float *ws = w + (size_t)k * Np;
			for (int u = 0; u < RFX_PACK; u++)
				acc[0][u] += vk * ws[u];
		}
		for (int u = 0; u < RFX_PACK; u++) {
			float sum = bias[jb + u];
			for (int s = 0; s < RFX_KSPLIT; s++)
				sum += acc[s][u];
			out[jb + u] = sum;
		}
	}
}

/* Dot product of length n with eight partial sums, added in a fixed order. */
static inline float KFN(dot)(const float *restrict a, const float *restrict b, int n)
{
	float acc[8] = { 0 };
	int j = 0;
	for (; j + 8 <= n; j += 8)
		for (int u = 0; u < 8; u++)
			acc[u] += a[j + u] * b[j + u];
	float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; j < n; j++)
		sum += a[j] * b[j];
	return sum;
}

/* One layer, one step: h (and c) updated in place from input v. Gate blocks in gi/gh sit at
 * offsets 0, H, 2H, 3H in PyTorch's order (rnn: -, gru: r z n, lstm: i f g o). */
static inline void KFN(layer_step)(const RfxStream *st, const RfxPackedLayer *ly, const float *v)
{
	const int H = st->H, GHp = st->GHp;
	float *restrict gi = st->gi, *restrict gh = st->gh;
	float *restrict h = ly->h;
	KFN(matvec_t)(ly->Wi, v, ly->n_in, GHp, ly->bi, gi);
	KFN(matvec_t)(ly->Wh, h, H, GHp, ly->bh, gh);
	switch (st->cell) {
	case RFX_CELL_RNN:
		for (int j = 0; j < H; j++)
			h[j] = rfx_tanhf(gi[j] + gh[j]);
		break;
	case RFX_CELL_GRU:
		for (int j = 0; j < H; j++) {
			float r = rfx_sigmoidf(gi[j] + gh[j]);
			float z = rfx_sigmoidf(gi[H + j] + gh[H + j]);
			float nn = rfx_tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
			h[j] = nn + z * (h[j] - nn); /* (1 - z) * n + z * h */
		}
		break;
	case RFX_CELL_LSTM: {
		float *restrict c = ly->c;
		for (int j = 0; j < H; j++) {
			float i = rfx_sigmoidf(gi[j] + gh[j]);
			float f = rfx_sigmoidf(gi[H + j] + gh[H + j]);
			float g = rfx_tanhf(gi[2 * H + j] + gh[2 * H + j]);
			float o = rfx_sigmoidf(gi[3 * H + j] + gh[3 * H + j]);
			c[j] = f * c[j] + i * g;
			h[j] = o * rfx_tanhf(c[j]);
		}
		break;
	}
	default:
		break;
	}
}

/* Nonzero when any state value is NaN or Inf: an exponent of all ones, tested on the bits so the
 * loop is an integer OR-reduction that vectorises. */
static inline int KFN(state_bad)(const float *restrict s, size_t n)
{
	uint32_t bad = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t b;
		memcpy(&b, &s[j], sizeof b);
		bad |= (uint32_t)((b & 0x7f800000u) == 0x7f800000u);
	}
	return bad != 0;
}

static void KFN(head)(RfxStream *st, const float *h, float *out)
{
	const int H = st->H, O = st->O;
	if (st->mode == RFX_MODE_EFFECT) {
		float y = st->head_b[0] + KFN(dot)(st->head_w, h, H);
		out[0] = st->skip ? y + st->x[0] : y;
		return;
	}
	float *l = st->logits, m = -INFINITY, sum = 0.0f;
	for (int o = 0; o < O; o++) {
		l[o] = st->head_b[o] + KFN(dot)(st->head_w + (size_t)o * H, h, H);
		m = l[o] > m ? l[o] : m;
	}
	for (int o = 0; o < O; o++) {
		l[o] = rfx_expf(l[o] - m);
		sum += l[o];
	}
	for (int o = 0; o < O; o++)
		out[o] = l[o] / sum;
}

void KFN(rfx_kernel_process)(RfxStream *st, const float *in, float *out, uint32_t n)
{
	const int O = st->O, L = st->n_layers;
	for (uint32_t t = 0; t < n; t++) {
		float x0 = in[t]; /* read before out[t] is written: in == out is fine for effects */
		if (!isfinite(x0)) {
			rfx_stream_reset_state(st);
			st->nonfinite++;
			x0 = 0.0f;
		}
		st->x[0] = x0;
		const float *v = st->x;
		for (int l = 0; l < L; l++) {
			KFN(layer_step)(st, &st->layer[l], v);
			v = st->layer[l].h;
		}
		if (KFN(state_bad)(st->state, st->state_floats)) {
			rfx_stream_reset_state(st);
			st->nonfinite++;
		}
		KFN(head)(st, st->layer[L - 1].h, out + (size_t)t * O);
	}
}
