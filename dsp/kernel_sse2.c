/* The SSE2 kernel: the x86-64 baseline, for CPUs without AVX2 + FMA (older laptops, many low-end
 * Pentium and Celeron parts). The reference kernel's arithmetic in 4-wide intrinsics, with the
 * accumulators of the mat-vec in registers (the generic kernel's auto-vectorised axpy loads and
 * stores its outputs once per input). No FMA and no blendv (SSE4.1): the activations are
 * fastmath.h's step for step, selects done with and/andnot/or, so this kernel differs from the
 * reference only by the order of the mat-vec's sums. Needs no compiler flag on x86-64; stream.c
 * picks it when AVX2 + FMA are missing. */
#if defined(__SSE2__)
#include <emmintrin.h>
#include <stddef.h>

#define RFX_KSUFFIX sse2
#include "kernel_act.h"
#include "kernel_common.h"

static inline __m128 select4(__m128 mask, __m128 a, __m128 b) /* mask ? a : b */
{
	return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
}

static inline __m128 exp4(__m128 x)
{
	x = _mm_max_ps(_mm_min_ps(x, _mm_set1_ps(88.0f)), _mm_set1_ps(-87.0f));
	const __m128 shifter = _mm_set1_ps(12582912.0f);
	__m128 fn = _mm_sub_ps(_mm_add_ps(_mm_mul_ps(x, _mm_set1_ps(1.44269504088896341f)), shifter),
			       shifter);
	__m128 r = _mm_sub_ps(x, _mm_mul_ps(fn, _mm_set1_ps(0.693145751953125f)));
	r = _mm_sub_ps(r, _mm_mul_ps(fn, _mm_set1_ps(1.42860682030941723e-6f)));
	static const float c[8] = { 1.0f / 5040.0f, 1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f,
				    1.0f / 6.0f,    0.5f,           1.0f,           1.0f };
	__m128 p = _mm_set1_ps(c[0]);
	for (int k = 1; k < 8; k++)
		p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(c[k]));
	__m128i bits = _mm_slli_epi32(_mm_add_epi32(_mm_cvtps_epi32(fn), _mm_set1_epi32(127)), 23);
	return _mm_mul_ps(p, _mm_castsi128_ps(bits));
}

static inline __m128 tanh4(__m128 x)
{
	const __m128 one = _mm_set1_ps(1.0f);
	__m128 xc = _mm_max_ps(_mm_min_ps(x, _mm_set1_ps(9.0f)), _mm_set1_ps(-9.0f));
	__m128 e = exp4(_mm_add_ps(xc, xc));
	__m128 big = _mm_sub_ps(one, _mm_div_ps(_mm_set1_ps(2.0f), _mm_add_ps(e, one)));
	__m128 x2 = _mm_mul_ps(x, x);
	__m128 p = _mm_add_ps(_mm_mul_ps(x2, _mm_set1_ps(-17.0f / 315.0f)), _mm_set1_ps(2.0f / 15.0f));
	p = _mm_add_ps(_mm_mul_ps(x2, p), _mm_set1_ps(-1.0f / 3.0f));
	p = _mm_add_ps(_mm_mul_ps(x2, p), one);
	__m128 small = _mm_mul_ps(x, p);
	__m128 ax = _mm_andnot_ps(_mm_set1_ps(-0.0f), x);
	return select4(_mm_cmplt_ps(ax, _mm_set1_ps(0.125f)), small, big);
}

static inline __m128 sigmoid4(__m128 x)
{
	const __m128 one = _mm_set1_ps(1.0f);
	__m128 xc = _mm_max_ps(_mm_min_ps(x, _mm_set1_ps(40.0f)), _mm_set1_ps(-40.0f));
	return _mm_div_ps(one, _mm_add_ps(one, exp4(_mm_sub_ps(_mm_setzero_ps(), xc))));
}

/* out[0..Np) = bias + sum_k v[k] * Wt[k][0..Np). Np is a multiple of 16 and rows are 64-byte
 * aligned (stream_impl.h). Blocks of 16 outputs keep four accumulators per input; two inputs at a
 * time give eight independent chains, enough to cover the add latency. */
static inline void matvec_t_sse2(const float *restrict Wt, const float *restrict v, int K, int Np,
				 const float *restrict bias, float *restrict out)
{
	for (int jb = 0; jb < Np; jb += 16) {
		__m128 a0 = _mm_load_ps(bias + jb), a1 = _mm_load_ps(bias + jb + 4);
		__m128 a2 = _mm_load_ps(bias + jb + 8), a3 = _mm_load_ps(bias + jb + 12);
		__m128 b0 = _mm_setzero_ps(), b1 = b0, b2 = b0, b3 = b0;
		const float *w = Wt + jb;
		int k = 0;
		for (; k + 2 <= K; k += 2) {
			const float *w0 = w + (size_t)k * Np, *w1 = w0 + Np;
			const __m128 v0 = _mm_set1_ps(v[k]), v1 = _mm_set1_ps(v[k + 1]);
			a0 = _mm_add_ps(a0, _mm_mul_ps(v0, _mm_load_ps(w0)));
			a1 = _mm_add_ps(a1, _mm_mul_ps(v0, _mm_load_ps(w0 + 4)));
			a2 = _mm_add_ps(a2, _mm_mul_ps(v0, _mm_load_ps(w0 + 8)));
			a3 = _mm_add_ps(a3, _mm_mul_ps(v0, _mm_load_ps(w0 + 12)));
			b0 = _mm_add_ps(b0, _mm_mul_ps(v1, _mm_load_ps(w1)));
			b1 = _mm_add_ps(b1, _mm_mul_ps(v1, _mm_load_ps(w1 + 4)));
			b2 = _mm_add_ps(b2, _mm_mul_ps(v1, _mm_load_ps(w1 + 8)));
			b3 = _mm_add_ps(b3, _mm_mul_ps(v1, _mm_load_ps(w1 + 12)));
		}
		if (k < K) {
			const float *w0 = w + (size_t)k * Np;
			const __m128 v0 = _mm_set1_ps(v[k]);
			a0 = _mm_add_ps(a0, _mm_mul_ps(v0, _mm_load_ps(w0)));
			a1 = _mm_add_ps(a1, _mm_mul_ps(v0, _mm_load_ps(w0 + 4)));
			a2 = _mm_add_ps(a2, _mm_mul_ps(v0, _mm_load_ps(w0 + 8)));
			a3 = _mm_add_ps(a3, _mm_mul_ps(v0, _mm_load_ps(w0 + 12)));
		}
		_mm_store_ps(out + jb, _mm_add_ps(a0, b0));
		_mm_store_ps(out + jb + 4, _mm_add_ps(a1, b1));
		_mm_store_ps(out + jb + 8, _mm_add_ps(a2, b2));
		_mm_store_ps(out + jb + 12, _mm_add_ps(a3, b3));
	}
}

#define LD(p) _mm_loadu_ps(p)

static inline void rnn_gates_sse2(const float *gi, const float *gh, float *h, int H)
{
	int j = 0;
	for (; j + 4 <= H; j += 4)
		_mm_storeu_ps(h + j, tanh4(_mm_add_ps(LD(gi + j), LD(gh + j))));
	for (; j < H; j++)
		h[j] = rfx_rnn_step(gi[j], gh[j]);
}

static inline void gru_gates_sse2(const float *gi, const float *gh, float *h, int H)
{
	int j = 0;
	for (; j + 4 <= H; j += 4) {
		__m128 r = sigmoid4(_mm_add_ps(LD(gi + j), LD(gh + j)));
		__m128 z = sigmoid4(_mm_add_ps(LD(gi + H + j), LD(gh + H + j)));
		__m128 n = tanh4(_mm_add_ps(LD(gi + 2 * H + j), _mm_mul_ps(r, LD(gh + 2 * H + j))));
		_mm_storeu_ps(h + j, _mm_add_ps(n, _mm_mul_ps(z, _mm_sub_ps(LD(h + j), n))));
	}
	for (; j < H; j++)
		h[j] = RFX_GRU_STEP(gi, gh, h[j], H, j).h;
}

static inline void lstm_gates_sse2(const float *gi, const float *gh, float *h, float *c, int H)
{
	int j = 0;
	for (; j + 4 <= H; j += 4) {
		__m128 i = sigmoid4(_mm_add_ps(LD(gi + j), LD(gh + j)));
		__m128 f = sigmoid4(_mm_add_ps(LD(gi + H + j), LD(gh + H + j)));
		__m128 g = tanh4(_mm_add_ps(LD(gi + 2 * H + j), LD(gh + 2 * H + j)));
		__m128 o = sigmoid4(_mm_add_ps(LD(gi + 3 * H + j), LD(gh + 3 * H + j)));
		__m128 cn = _mm_add_ps(_mm_mul_ps(f, LD(c + j)), _mm_mul_ps(i, g));
		_mm_storeu_ps(c + j, cn);
		_mm_storeu_ps(h + j, _mm_mul_ps(o, tanh4(cn)));
	}
	for (; j < H; j++)
		{
		const RfxLstmStep u = RFX_LSTM_STEP(gi, gh, c[j], H, j);
		c[j] = u.c;
		h[j] = u.h;
	}
}

static inline float dot_sse2(const float *a, const float *b, int n)
{
	__m128 acc = _mm_setzero_ps();
	int j = 0;
	for (; j + 4 <= n; j += 4)
		acc = _mm_add_ps(acc, _mm_mul_ps(LD(a + j), LD(b + j)));
	acc = _mm_add_ps(acc, _mm_movehl_ps(acc, acc));
	acc = _mm_add_ss(acc, _mm_shuffle_ps(acc, acc, 1));
	float sum = _mm_cvtss_f32(acc);
	for (; j < n; j++)
		sum += a[j] * b[j];
	return sum;
}

#include "kernel_impl.h"

/* tests/test_activations.c's view of the activations above (kernel_act.h). */
void rfx_kernel_act_sse2(RfxAct act, const float *x, float *y, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i += 4) {
		const __m128 v = _mm_loadu_ps(x + i);
		_mm_storeu_ps(y + i, act == RFX_ACT_EXP ? exp4(v) : act == RFX_ACT_TANH ? tanh4(v) : sigmoid4(v));
	}
}
#else
typedef int rfx_kernel_sse2_unused; /* ISO C wants something in a translation unit */
#endif
