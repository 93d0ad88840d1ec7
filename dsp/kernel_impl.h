/* rnnfx — the per-sample processing loop, written once and compiled once per instruction set.
 *
 * kernel_generic.c (plain C, the reference) and kernel_avx2.c (intrinsics, built with -mavx2 -mfma)
 * each define RFX_KSUFFIX and the arithmetic primitives, then include this file for the control
 * logic that must be the same in every kernel: layer order, guards, heads. stream.c picks one at
 * init (pick_kernel). Kernels may differ in the last bits (FMA, the order of sums); each is
 * deterministic on its own, so block-size invariance holds per kernel.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernel_common.h"

/* One layer, one step: h (and c) updated in place from input v. Gate blocks in gi/gh sit at
 * offsets 0, H, 2H, 3H in PyTorch's order (rnn: -, gru: r z n, lstm: i f g o). The including file
 * provides the primitives: matvec_t, rnn_gates, gru_gates, lstm_gates and dot. */
static inline void KFN(layer_step)(const RfxStream *st, const RfxPackedLayer *ly, const float *v)
{
	const int H = st->H, GHp = st->GHp;
	KFN(matvec_t)(ly->Wi, v, ly->n_in, GHp, ly->bi, st->gi);
	KFN(matvec_t)(ly->Wh, ly->h, H, GHp, ly->bh, st->gh);
	switch (st->cell) {
	case RFX_CELL_RNN: KFN(rnn_gates)(st->gi, st->gh, ly->h, H); break;
	case RFX_CELL_GRU: KFN(gru_gates)(st->gi, st->gh, ly->h, H); break;
	case RFX_CELL_LSTM: KFN(lstm_gates)(st->gi, st->gh, ly->h, ly->c, H); break;
	default: break;
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
	float *l = st->logits;
	for (int o = 0; o < O; o++)
		l[o] = st->head_b[o] + KFN(dot)(st->head_w + (size_t)o * H, h, H);
	rfx_kernel_probs(st->mode, l, out, O);
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
		float *o = out + (size_t)t * O;
		if (!st->has_frontend) {
			st->x[0] = x0;
		} else if (!rfx_frontend_push(&st->fe, x0, st->x)) {
			memcpy(o, st->held, (size_t)O * sizeof *o); /* between a hop's steps */
			continue;
		}
		const float *v = st->x;
		for (int l = 0; l < L; l++) {
			KFN(layer_step)(st, &st->layer[l], v);
			v = st->layer[l].h;
		}
		if (KFN(state_bad)(st->state, st->state_floats)) {
			rfx_stream_reset_state(st);
			st->nonfinite++;
		}
		KFN(head)(st, st->layer[L - 1].h, o);
		if (st->has_frontend && st->fe.hop > 1)
			memcpy(st->held, o, (size_t)O * sizeof *o);
	}
}
