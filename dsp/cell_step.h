/* rnnfx — one step of each cell for one hidden unit, in scalar arithmetic: the one definition of
 * what a cell computes. Private to dsp/.
 *
 * Called by the reference stream kernel (kernel_generic.c, through kernel_impl.h), by the vector
 * kernels for the units past their last whole vector (kernel_sse2.c, kernel_avx2.c), and by the
 * BPTT forward (bptt_kernels.h), which passes a cache row for its backward; the stream passes NULL
 * and the cache code folds away. The vector kernels compute the same formulas in intrinsics and
 * are tested against these (tests/test_stream.c; tests/test_bptt_stream.c checks that training's
 * forward and the reference stream agree).
 *
 * gi, gh: the input-side and hidden-side pre-activations of the step, W_ih x + b_ih and
 * W_hh h' + b_hh, gate blocks at 0, H, 2H, 3H in PyTorch's order (gru: r z n; lstm: i f g o).
 * j: the unit. Each function returns the new h[j] from h' = hp (and c' = cp); the caller stores
 * it, in place (stream) or in the next cache row (training).
 */
#ifndef RFX_CELL_STEP_H
#define RFX_CELL_STEP_H

#include <stddef.h>

#include "fastmath.h"

/* a b + c, the one product sum in these steps with two products (LSTM's c = f c' + i g), spelled
 * out: where the build fuses multiply-adds (-mfma -ffp-contract=fast, the AVX2 kernels), which of
 * the two products is fused would otherwise be the compiler's choice, and could differ from one
 * caller to the next. */
#if defined(__FMA__)
#define RFX_CELL_MULADD(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define RFX_CELL_MULADD(a, b, c) ((a) * (b) + (c))
#endif

/* rnn:  h = tanh(gi + gh) */
static inline float rfx_rnn_step(const float *restrict gi, const float *restrict gh, int j)
{
	return rfx_tanhf(gi[j] + gh[j]);
}

/* gru:  r = s(gi_r + gh_r);  z = s(gi_z + gh_z);  n = tanh(gi_n + r gh_n);
 *       h = (1 - z) n + z h', computed as n + z (h' - n).
 * cache (NULL, or a row of 4 H): r, z, n and gh_n (= W_hn h' + b_hn, which r multiplies). */
static inline float rfx_gru_step(const float *restrict gi, const float *restrict gh, float hp,
				 int H, int j, float *restrict cache)
{
	const float r = rfx_sigmoidf(gi[j] + gh[j]);
	const float z = rfx_sigmoidf(gi[H + j] + gh[H + j]);
	const float n = rfx_tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
	if (cache) {
		cache[j] = r;
		cache[H + j] = z;
		cache[2 * H + j] = n;
		cache[3 * H + j] = gh[2 * H + j];
	}
	return n + z * (hp - n);
}

/* lstm: i, f, o = s(gi + gh), g = tanh(gi + gh) (blocks i f g o);  c = f c' + i g;  h = o tanh(c).
 * Writes c to *c_out (which may be where c' came from). cache (NULL, or a row of 5 H): i, f, g, o
 * and tanh(c). */
static inline float rfx_lstm_step(const float *restrict gi, const float *restrict gh, float cp,
				  float *c_out, int H, int j, float *restrict cache)
{
	const float i = rfx_sigmoidf(gi[j] + gh[j]);
	const float f = rfx_sigmoidf(gi[H + j] + gh[H + j]);
	const float g = rfx_tanhf(gi[2 * H + j] + gh[2 * H + j]);
	const float o = rfx_sigmoidf(gi[3 * H + j] + gh[3 * H + j]);
	const float c = RFX_CELL_MULADD(f, cp, i * g);
	const float tc = rfx_tanhf(c);
	*c_out = c;
	if (cache) {
		cache[j] = i;
		cache[H + j] = f;
		cache[2 * H + j] = g;
		cache[3 * H + j] = o;
		cache[4 * H + j] = tc;
	}
	return o * tc;
}

#endif
