/* rnnfx — what every kernel file includes before defining its primitives. Private to dsp/. */
#ifndef RFX_KERNEL_COMMON_H
#define RFX_KERNEL_COMMON_H

#include "fastmath.h"
#include "stream_impl.h"

#define RFX_KCAT2(a, b) a##_##b
#define RFX_KCAT(a, b) RFX_KCAT2(a, b)
#define KFN(name) RFX_KCAT(name, RFX_KSUFFIX)

/* Unit j of each cell's gates in scalar arithmetic, from the pre-activations gi (input side) and gh
 * (hidden side), gate blocks at 0, H, 2H, 3H in PyTorch's order: the reference kernel's loop body,
 * and the tail of the vector kernels when H is not a multiple of their width. */
static inline void rfx_rnn_unit(const float *gi, const float *gh, float *h, int j)
{
	h[j] = rfx_tanhf(gi[j] + gh[j]);
}

static inline void rfx_gru_unit(const float *gi, const float *gh, float *h, int H, int j)
{
	float r = rfx_sigmoidf(gi[j] + gh[j]);
	float z = rfx_sigmoidf(gi[H + j] + gh[H + j]);
	float n = rfx_tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
	h[j] = n + z * (h[j] - n); /* (1 - z) * n + z * h */
}

static inline void rfx_lstm_unit(const float *gi, const float *gh, float *h, float *c, int H, int j)
{
	float i = rfx_sigmoidf(gi[j] + gh[j]);
	float f = rfx_sigmoidf(gi[H + j] + gh[H + j]);
	float g = rfx_tanhf(gi[2 * H + j] + gh[2 * H + j]);
	float o = rfx_sigmoidf(gi[3 * H + j] + gh[3 * H + j]);
	c[j] = f * c[j] + i * g;
	h[j] = o * rfx_tanhf(c[j]);
}

#endif
