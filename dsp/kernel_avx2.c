/* The AVX2 + FMA kernel's general loop: the reference kernel's arithmetic in 8-wide intrinsics, for
 * every model shape. Chosen at run time only on CPUs with both (kernel_table.c); the Makefile builds
 * this file with -mavx2 -mfma -ffp-contract=fast. The cells' steps are cell_step_avx2.h's, eight
 * units at a time with the bits cell_step.h's steps have in this build (training's AVX2 forward
 * runs the same ones); the units past the last whole vector go through cell_step.h. The
 * specialised one-layer loops, with their own cheaper activations, are in kernel_avx2_fx.c.
 * tests/test_stream.c bounds the difference from the generic kernel, tests/test_activations.c the
 * activations' error. */
#include "kernel_isa.h"
#if RFX_KERNEL_X86
#include <immintrin.h>
#include <stddef.h>

#define RFX_KSUFFIX avx2
#include "cell_step_avx2.h"
#include "kernel_act.h"
#include "kernel_common.h"

/* out[0..Np) = bias + sum_k v[k] * Wt[k][0..Np). Rows are 64-byte aligned and Np is a multiple of
 * 16 (stream_impl.h). Blocks of 32 outputs keep four accumulators per input; two inputs at a time
 * give eight independent FMA chains, enough to cover the FMA latency on two pipes. */
static inline void matvec_t_avx2(const float *restrict Wt, const float *restrict v, int K, int Np,
				 const float *restrict bias, float *restrict out)
{
	int jb = 0;
	for (; jb + 32 <= Np; jb += 32) {
		__m256 a0 = _mm256_load_ps(bias + jb), a1 = _mm256_load_ps(bias + jb + 8);
		__m256 a2 = _mm256_load_ps(bias + jb + 16), a3 = _mm256_load_ps(bias + jb + 24);
		__m256 b0 = _mm256_setzero_ps(), b1 = b0, b2 = b0, b3 = b0;
		const float *w = Wt + jb;
		int k = 0;
		for (; k + 2 <= K; k += 2) {
			const float *w0 = w + (size_t)k * Np, *w1 = w0 + Np;
			const __m256 v0 = _mm256_broadcast_ss(v + k), v1 = _mm256_broadcast_ss(v + k + 1);
			a0 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0), a0);
			a1 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 8), a1);
			a2 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 16), a2);
			a3 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 24), a3);
			b0 = _mm256_fmadd_ps(v1, _mm256_load_ps(w1), b0);
			b1 = _mm256_fmadd_ps(v1, _mm256_load_ps(w1 + 8), b1);
			b2 = _mm256_fmadd_ps(v1, _mm256_load_ps(w1 + 16), b2);
			b3 = _mm256_fmadd_ps(v1, _mm256_load_ps(w1 + 24), b3);
		}
		if (k < K) {
			const float *w0 = w + (size_t)k * Np;
			const __m256 v0 = _mm256_broadcast_ss(v + k);
			a0 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0), a0);
			a1 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 8), a1);
			a2 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 16), a2);
			a3 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 24), a3);
		}
		_mm256_store_ps(out + jb, _mm256_add_ps(a0, b0));
		_mm256_store_ps(out + jb + 8, _mm256_add_ps(a1, b1));
		_mm256_store_ps(out + jb + 16, _mm256_add_ps(a2, b2));
		_mm256_store_ps(out + jb + 24, _mm256_add_ps(a3, b3));
	}
	for (; jb < Np; jb += 16) {
		__m256 a0 = _mm256_load_ps(bias + jb), a1 = _mm256_load_ps(bias + jb + 8);
		__m256 b0 = _mm256_setzero_ps(), b1 = b0, c0 = b0, c1 = b0, d0 = b0, d1 = b0;
		const float *w = Wt + jb;
		int k = 0;
		for (; k + 4 <= K; k += 4) {
			const float *w0 = w + (size_t)k * Np;
			const __m256 v0 = _mm256_broadcast_ss(v + k), v1 = _mm256_broadcast_ss(v + k + 1);
			const __m256 v2 = _mm256_broadcast_ss(v + k + 2), v3 = _mm256_broadcast_ss(v + k + 3);
			a0 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0), a0);
			a1 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 8), a1);
			b0 = _mm256_fmadd_ps(v1, _mm256_load_ps(w0 + Np), b0);
			b1 = _mm256_fmadd_ps(v1, _mm256_load_ps(w0 + Np + 8), b1);
			c0 = _mm256_fmadd_ps(v2, _mm256_load_ps(w0 + 2 * Np), c0);
			c1 = _mm256_fmadd_ps(v2, _mm256_load_ps(w0 + 2 * Np + 8), c1);
			d0 = _mm256_fmadd_ps(v3, _mm256_load_ps(w0 + 3 * Np), d0);
			d1 = _mm256_fmadd_ps(v3, _mm256_load_ps(w0 + 3 * Np + 8), d1);
		}
		for (; k < K; k++) {
			const float *w0 = w + (size_t)k * Np;
			const __m256 v0 = _mm256_broadcast_ss(v + k);
			a0 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0), a0);
			a1 = _mm256_fmadd_ps(v0, _mm256_load_ps(w0 + 8), a1);
		}
		_mm256_store_ps(out + jb, _mm256_add_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(c0, d0)));
		_mm256_store_ps(out + jb + 8, _mm256_add_ps(_mm256_add_ps(a1, b1), _mm256_add_ps(c1, d1)));
	}
}

#define LD(p) _mm256_loadu_ps(p)

static inline void rnn_gates_avx2(const float *gi, const float *gh, float *h, int H)
{
	int j = 0;
	for (; j + 8 <= H; j += 8)
		_mm256_storeu_ps(h + j, rfx_v8_rnn_step(gi, gh, j));
	for (; j < H; j++)
		h[j] = rfx_rnn_step(gi[j], gh[j]);
}

static inline void gru_gates_avx2(const float *gi, const float *gh, float *h, int H)
{
	int j = 0;
	for (; j + 8 <= H; j += 8)
		_mm256_storeu_ps(h + j, rfx_v8_gru_step(gi, gh, h, H, j).h);
	for (; j < H; j++)
		h[j] = RFX_GRU_STEP(gi, gh, h[j], H, j).h;
}

static inline void lstm_gates_avx2(const float *gi, const float *gh, float *h, float *c, int H)
{
	int j = 0;
	for (; j + 8 <= H; j += 8) {
		const RfxV8LstmStep u = rfx_v8_lstm_step(gi, gh, c, H, j);
		_mm256_storeu_ps(c + j, u.c);
		_mm256_storeu_ps(h + j, u.h);
	}
	for (; j < H; j++) {
		const RfxLstmStep u = RFX_LSTM_STEP(gi, gh, c[j], H, j);
		c[j] = u.c;
		h[j] = u.h;
	}
}

static inline float dot_avx2(const float *a, const float *b, int n)
{
	__m256 acc = _mm256_setzero_ps();
	int j = 0;
	for (; j + 8 <= n; j += 8)
		acc = _mm256_fmadd_ps(LD(a + j), LD(b + j), acc);
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	float sum = _mm_cvtss_f32(s);
	for (; j < n; j++)
		sum += a[j] * b[j];
	return sum;
}

#include "kernel_impl.h"

/* tests/test_activations.c's view of the activations above (kernel_act.h). */
void rfx_kernel_act_avx2(RfxAct act, const float *x, float *y, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		const __m256 v = _mm256_loadu_ps(x + i);
		_mm256_storeu_ps(y + i, act == RFX_ACT_EXP	? rfx_v8_exp(v)
					: act == RFX_ACT_TANH ? rfx_v8_tanh(v)
							       : rfx_v8_sigmoid(v));
	}
}
#else
typedef int rfx_kernel_avx2_unused; /* ISO C wants something in a translation unit */
#endif
