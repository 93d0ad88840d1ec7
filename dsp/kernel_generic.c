/* The reference kernel: portable scalar C, the baseline every other kernel is tested against.
 * Written for clarity first; the loops are still simple enough for the auto-vectoriser. */
#include <stddef.h>

#define RFX_KSUFFIX generic
#include "kernel_common.h"

/* out[0..Np) = bias + sum_k v[k] * Wt[k][0..Np): one axpy per input, over every gate output. */
static inline void matvec_t_generic(const float *restrict Wt, const float *restrict v, int K, int Np,
				    const float *restrict bias, float *restrict out)
{
	for (int j = 0; j < Np; j++)
		out[j] = bias[j];
	for (int k = 0; k < K; k++) {
		const float vk = v[k];
		const float *restrict w = Wt + (size_t)k * Np;
		for (int j = 0; j < Np; j++)
			out[j] += vk * w[j];
	}
}

static inline void rnn_gates_generic(const float *gi, const float *gh, float *h, int H)
{
	for (int j = 0; j < H; j++)
		h[j] = rfx_tanhf(gi[j] + gh[j]);
}

static inline void gru_gates_generic(const float *gi, const float *gh, float *h, int H)
{
	for (int j = 0; j < H; j++) {
		float r = rfx_sigmoidf(gi[j] + gh[j]);
		float z = rfx_sigmoidf(gi[H + j] + gh[H + j]);
		float n = rfx_tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
		h[j] = n + z * (h[j] - n); /* (1 - z) * n + z * h */
	}
}

static inline void lstm_gates_generic(const float *gi, const float *gh, float *h, float *c, int H)
{
	for (int j = 0; j < H; j++) {
		float i = rfx_sigmoidf(gi[j] + gh[j]);
		float f = rfx_sigmoidf(gi[H + j] + gh[H + j]);
		float g = rfx_tanhf(gi[2 * H + j] + gh[2 * H + j]);
		float o = rfx_sigmoidf(gi[3 * H + j] + gh[3 * H + j]);
		c[j] = f * c[j] + i * g;
		h[j] = o * rfx_tanhf(c[j]);
	}
}

static inline float dot_generic(const float *a, const float *b, int n)
{
	float sum = 0.0f;
	for (int j = 0; j < n; j++)
		sum += a[j] * b[j];
	return sum;
}

#include "kernel_impl.h"
