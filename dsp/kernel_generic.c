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
		h[j] = rfx_rnn_step(gi[j], gh[j]);
}

static inline void gru_gates_generic(const float *gi, const float *gh, float *h, int H)
{
	for (int j = 0; j < H; j++)
		h[j] = RFX_GRU_STEP(gi, gh, h[j], H, j).h;
}

static inline void lstm_gates_generic(const float *gi, const float *gh, float *h, float *c, int H)
{
	for (int j = 0; j < H; j++)
		{
		const RfxLstmStep u = RFX_LSTM_STEP(gi, gh, c[j], H, j);
		c[j] = u.c;
		h[j] = u.h;
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
