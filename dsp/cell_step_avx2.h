/* rnnfx — cell_step.h's steps and fastmath.h's activations for eight units at once, in AVX2 + FMA
 * intrinsics, giving the same bits: the same operations in the same order, with the multiply-adds
 * fused exactly where GCC fuses the scalar code under -O2 or more with -mfma -ffp-contract=fast
 * (the flags of every file that includes this one; below -O2 GCC fuses none of the scalar code's,
 * and the two differ by rounding). Private to dsp/; included by bptt_kernels.h in its AVX2 build
 * (training's forward) and by kernel_avx2.c (the stream's general AVX2 loop).
 *
 * Why a second spelling of the same arithmetic: GCC vectorises the scalar steps, but as about
 * twice the instructions (the clamps become compare-and-blend pairs, the constants are spilled
 * and reloaded), and the activations were half of training's forward (docs/performance.md). Being
 * the same bits, training computes what it computed before, model files included.
 * tests/test_cell_step_avx2.c holds the two together: every 31st float through each activation,
 * the edges, and random gates through each step, bit for bit (NaN as NaN).
 *
 * The one-output head of training's forward is here too (rfx_v8_head1_x8), for the same reason.
 *
 * Two shortcuts that keep the bits: the sigmoid's and tanh's own clamps (+-40, +-9) leave the
 * exponential's (-87, 88) nothing to do, so those are not repeated; and x86's max/min (the first
 * operand returned unless it wins) are fastmath.h's selects, `x < lo ? lo : x` being max(lo, x),
 * which keeps a NaN x. */
#ifndef RFX_CELL_STEP_AVX2_H
#define RFX_CELL_STEP_AVX2_H

#if !defined(__AVX2__) || !defined(__FMA__)
#error "cell_step_avx2.h needs -mavx2 -mfma"
#endif

#include <immintrin.h>

#define RFX_V8(c) _mm256_set1_ps(c)

/* fastmath.h's rfx_expf for x already within [-87, 88]. */
static inline __attribute__((always_inline)) __m256 rfx_v8_exp_in_range(__m256 x)
{
	const __m256 shifter = RFX_V8(12582912.0f);
	const __m256 t = _mm256_fmadd_ps(x, RFX_V8(1.44269504088896341f), shifter);
	const __m256 fn = _mm256_sub_ps(t, shifter);
	__m256 r = _mm256_fnmadd_ps(fn, RFX_V8(0.693145751953125f), x);
	r = _mm256_fnmadd_ps(fn, RFX_V8(1.42860682030941723e-6f), r);
	__m256 p = _mm256_fmadd_ps(RFX_V8(1.0f / 5040.0f), r, RFX_V8(1.0f / 720.0f));
	p = _mm256_fmadd_ps(p, r, RFX_V8(1.0f / 120.0f));
	p = _mm256_fmadd_ps(p, r, RFX_V8(1.0f / 24.0f));
	p = _mm256_fmadd_ps(p, r, RFX_V8(1.0f / 6.0f));
	p = _mm256_fmadd_ps(p, r, RFX_V8(0.5f));
	p = _mm256_fmadd_ps(p, r, RFX_V8(1.0f));
	p = _mm256_fmadd_ps(p, r, RFX_V8(1.0f));
	/* (t's bits - 0x4b400000 + 127) << 23, in 32-bit lanes that wrap as uint32_t does */
	const __m256i e = _mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32((int)(127u - 0x4b400000u)));
	return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(e, 23)));
}

/* rfx_expf */
static inline __attribute__((always_inline)) __m256 rfx_v8_exp(__m256 x)
{
	return rfx_v8_exp_in_range(_mm256_min_ps(RFX_V8(88.0f), _mm256_max_ps(RFX_V8(-87.0f), x)));
}

/* rfx_sigmoidf */
static inline __attribute__((always_inline)) __m256 rfx_v8_sigmoid(__m256 x)
{
	const __m256 xc = _mm256_min_ps(RFX_V8(40.0f), _mm256_max_ps(RFX_V8(-40.0f), x));
	const __m256 e = rfx_v8_exp_in_range(_mm256_xor_ps(xc, RFX_V8(-0.0f)));
	return _mm256_div_ps(RFX_V8(1.0f), _mm256_add_ps(RFX_V8(1.0f), e));
}

/* rfx_tanhf */
static inline __attribute__((always_inline)) __m256 rfx_v8_tanh(__m256 x)
{
	const __m256 xc = _mm256_min_ps(RFX_V8(9.0f), _mm256_max_ps(RFX_V8(-9.0f), x));
	const __m256 e = rfx_v8_exp_in_range(_mm256_add_ps(xc, xc));
	const __m256 big = _mm256_sub_ps(RFX_V8(1.0f), _mm256_div_ps(RFX_V8(2.0f), _mm256_add_ps(e, RFX_V8(1.0f))));
	const __m256 x2 = _mm256_mul_ps(x, x);
	__m256 q = _mm256_fmadd_ps(x2, RFX_V8(-17.0f / 315.0f), RFX_V8(2.0f / 15.0f));
	q = _mm256_fmadd_ps(x2, q, RFX_V8(-1.0f / 3.0f));
	q = _mm256_fmadd_ps(x2, q, RFX_V8(1.0f));
	const __m256 small = _mm256_mul_ps(x, q);
	const __m256 ax = _mm256_andnot_ps(RFX_V8(-0.0f), x);
	return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, RFX_V8(0.125f), _CMP_LT_OQ));
}

/* rfx_v8_sigmoid of v[0..ns) and rfx_v8_tanh of v[ns..ns+nt) (ns + nt <= RFX_V8_MAXN), in place:
 * the same operations, each taken for every vector before the next. One activation is a chain of
 * some 25 dependent operations and a division, and a step's dozen of them one after the other span
 * more than the core's out-of-order window, so it sat waiting on latency with ports free (training's
 * LSTM 32 forward spent about twice its operation count in the activations); laid out stage by
 * stage, every point of the code has independent work. The 1 + e of both (e = p 2^n) is the fused
 * multiply-add GCC makes of the single forms above; tests/test_cell_step_avx2.c holds the two
 * together bit for bit. */
#define RFX_V8_MAXN 16
static inline __attribute__((always_inline)) void rfx_v8_act_n(__m256 *v, const int ns, const int nt)
{
	const int n = ns + nt;
	__m256 t[RFX_V8_MAXN], r[RFX_V8_MAXN], p[RFX_V8_MAXN];
	const __m256 shifter = RFX_V8(12582912.0f);
	for (int i = 0; i < n; i++) {
		const __m256 a = i < ns ? _mm256_xor_ps(_mm256_min_ps(RFX_V8(40.0f), _mm256_max_ps(RFX_V8(-40.0f), v[i])), RFX_V8(-0.0f))
				       : _mm256_min_ps(RFX_V8(9.0f), _mm256_max_ps(RFX_V8(-9.0f), v[i]));
		r[i] = i < ns ? a : _mm256_add_ps(a, a);
	}
	for (int i = 0; i < n; i++)
		t[i] = _mm256_fmadd_ps(r[i], RFX_V8(1.44269504088896341f), shifter);
	for (int i = 0; i < n; i++) {
		const __m256 fn = _mm256_sub_ps(t[i], shifter);
		r[i] = _mm256_fnmadd_ps(fn, RFX_V8(1.42860682030941723e-6f), _mm256_fnmadd_ps(fn, RFX_V8(0.693145751953125f), r[i]));
	}
	for (int i = 0; i < n; i++)
		p[i] = _mm256_fmadd_ps(RFX_V8(1.0f / 5040.0f), r[i], RFX_V8(1.0f / 720.0f));
	static const float c[6] = { 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f };
	for (int k = 0; k < 6; k++)
		for (int i = 0; i < n; i++)
			p[i] = _mm256_fmadd_ps(p[i], r[i], RFX_V8(c[k]));
	for (int i = 0; i < n; i++) {
		const __m256i e = _mm256_add_epi32(_mm256_castps_si256(t[i]), _mm256_set1_epi32((int)(127u - 0x4b400000u)));
		const __m256 d = _mm256_fmadd_ps(p[i], _mm256_castsi256_ps(_mm256_slli_epi32(e, 23)), RFX_V8(1.0f));
		p[i] = _mm256_div_ps(RFX_V8(i < ns ? 1.0f : 2.0f), d);
	}
	for (int i = 0; i < ns; i++)
		v[i] = p[i];
	for (int i = ns; i < n; i++) { /* tanh: the series below 1/8 */
		const __m256 x = v[i], x2 = _mm256_mul_ps(x, x);
		__m256 q = _mm256_fmadd_ps(x2, RFX_V8(-17.0f / 315.0f), RFX_V8(2.0f / 15.0f));
		q = _mm256_fmadd_ps(x2, q, RFX_V8(-1.0f / 3.0f));
		q = _mm256_fmadd_ps(x2, q, RFX_V8(1.0f));
		const __m256 big = _mm256_sub_ps(RFX_V8(1.0f), p[i]);
		const __m256 ax = _mm256_andnot_ps(RFX_V8(-0.0f), x);
		v[i] = _mm256_blendv_ps(big, _mm256_mul_ps(x, q), _mm256_cmp_ps(ax, RFX_V8(0.125f), _CMP_LT_OQ));
	}
}

/* rfx_gru_step for units j .. j+7 of gate blocks at 0, H, 2H (as RFX_GRU_STEP). */
typedef struct {
	__m256 r, z, n, h;
} RfxV8GruStep;

static inline __attribute__((always_inline)) RfxV8GruStep rfx_v8_gru_step(const float *gi, const float *gh,
									    const float *hp, int H, int j)
{
	RfxV8GruStep s;
	s.r = rfx_v8_sigmoid(_mm256_add_ps(_mm256_loadu_ps(gi + j), _mm256_loadu_ps(gh + j)));
	s.z = rfx_v8_sigmoid(_mm256_add_ps(_mm256_loadu_ps(gi + H + j), _mm256_loadu_ps(gh + H + j)));
	s.n = rfx_v8_tanh(_mm256_fmadd_ps(s.r, _mm256_loadu_ps(gh + 2 * H + j), _mm256_loadu_ps(gi + 2 * H + j)));
	s.h = _mm256_fmadd_ps(s.z, _mm256_sub_ps(_mm256_loadu_ps(hp + j), s.n), s.n);
	return s;
}

/* rfx_lstm_step for units j .. j+7 of gate blocks at 0, H, 2H, 3H (as RFX_LSTM_STEP). */
typedef struct {
	__m256 i, f, g, o, tc, c, h;
} RfxV8LstmStep;

static inline __attribute__((always_inline)) RfxV8LstmStep rfx_v8_lstm_step(const float *gi, const float *gh,
									      const float *cp, int H, int j)
{
	RfxV8LstmStep s;
#define RFX_V8_PRE(k) _mm256_add_ps(_mm256_loadu_ps(gi + (k) * H + j), _mm256_loadu_ps(gh + (k) * H + j))
	s.i = rfx_v8_sigmoid(RFX_V8_PRE(0));
	s.f = rfx_v8_sigmoid(RFX_V8_PRE(1));
	s.g = rfx_v8_tanh(RFX_V8_PRE(2));
	s.o = rfx_v8_sigmoid(RFX_V8_PRE(3));
#undef RFX_V8_PRE
	s.c = _mm256_fmadd_ps(s.f, _mm256_loadu_ps(cp + j), _mm256_mul_ps(s.i, s.g));
	s.tc = rfx_v8_tanh(s.c);
	s.h = _mm256_mul_ps(s.o, s.tc);
	return s;
}

/* rfx_v8_lstm_step for the nb <= 4 blocks of units j0, j0 + 8, ..., their activations together
 * (rfx_v8_act_n): the same bits. */
static inline __attribute__((always_inline)) void rfx_v8_lstm_steps(const float *gi, const float *gh,
								    const float *cp, int H, int j0, const int nb,
								    RfxV8LstmStep *s)
{
	__m256 a[16];
	for (int b = 0; b < nb; b++) {
		const int j = j0 + 8 * b;
#define RFX_V8_PRE(k) _mm256_add_ps(_mm256_loadu_ps(gi + (k) * H + j), _mm256_loadu_ps(gh + (k) * H + j))
		a[b] = RFX_V8_PRE(0);
		a[nb + b] = RFX_V8_PRE(1);
		a[2 * nb + b] = RFX_V8_PRE(3);
		a[3 * nb + b] = RFX_V8_PRE(2);
#undef RFX_V8_PRE
	}
	rfx_v8_act_n(a, 3 * nb, nb);
	__m256 tc[4];
	for (int b = 0; b < nb; b++) {
		s[b].i = a[b];
		s[b].f = a[nb + b];
		s[b].o = a[2 * nb + b];
		s[b].g = a[3 * nb + b];
		s[b].c = _mm256_fmadd_ps(s[b].f, _mm256_loadu_ps(cp + j0 + 8 * b), _mm256_mul_ps(s[b].i, s[b].g));
		tc[b] = s[b].c;
	}
	rfx_v8_act_n(tc, 0, nb);
	for (int b = 0; b < nb; b++) {
		s[b].tc = tc[b];
		s[b].h = _mm256_mul_ps(s[b].o, tc[b]);
	}
}

/* rfx_v8_gru_step for the nb <= 4 blocks of units j0, j0 + 8, ..., their activations together
 * (rfx_v8_act_n): the same bits. */
static inline __attribute__((always_inline)) void rfx_v8_gru_steps(const float *gi, const float *gh,
								   const float *hp, int H, int j0, const int nb,
								   RfxV8GruStep *s)
{
	__m256 a[8], n[4];
	for (int b = 0; b < nb; b++) {
		const int j = j0 + 8 * b;
		a[b] = _mm256_add_ps(_mm256_loadu_ps(gi + j), _mm256_loadu_ps(gh + j));
		a[nb + b] = _mm256_add_ps(_mm256_loadu_ps(gi + H + j), _mm256_loadu_ps(gh + H + j));
	}
	rfx_v8_act_n(a, 2 * nb, 0);
	for (int b = 0; b < nb; b++) {
		const int j = j0 + 8 * b;
		s[b].r = a[b];
		s[b].z = a[nb + b];
		n[b] = _mm256_fmadd_ps(s[b].r, _mm256_loadu_ps(gh + 2 * H + j), _mm256_loadu_ps(gi + 2 * H + j));
	}
	rfx_v8_act_n(n, 0, nb);
	for (int b = 0; b < nb; b++) {
		s[b].n = n[b];
		s[b].h = _mm256_fmadd_ps(s[b].z, _mm256_sub_ps(_mm256_loadu_ps(hp + j0 + 8 * b), n[b]), n[b]);
	}
}

/* rfx_rnn_step */
static inline __attribute__((always_inline)) __m256 rfx_v8_rnn_step(const float *gi, const float *gh, int j)
{
	return rfx_v8_tanh(_mm256_add_ps(_mm256_loadu_ps(gi + j), _mm256_loadu_ps(gh + j)));
}

/* A one-output head for eight steps at once: y[i] = bo + w . h[i] for the rows h[0..8) (H a
 * multiple of 8), as training's forward sums it: each rounded product added in order, unfused.
 * (GCC vectorises the scalar loop as a vector multiply and in-order scalar adds, a chain of H
 * dependent adds per step; here eight steps' chains run side by side, as the columns of 8 x 8
 * transposed blocks: the same bits.) */
static inline __attribute__((always_inline)) void rfx_v8_head1_x8(const float *h, int H, const float *restrict w,
								  float bo, float *y)
{
	__m256 acc = _mm256_set1_ps(bo);
	for (int k0 = 0; k0 < H; k0 += 8) {
		__m256 r[8], a[8], b[8];
		for (int i = 0; i < 8; i++)
			r[i] = _mm256_loadu_ps(h + (size_t)i * H + k0);
		for (int i = 0; i < 8; i += 2) {
			a[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
			a[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
		}
		for (int i = 0; i < 8; i += 4) {
			b[i] = _mm256_shuffle_ps(a[i], a[i + 2], 0x44);
			b[i + 1] = _mm256_shuffle_ps(a[i], a[i + 2], 0xee);
			b[i + 2] = _mm256_shuffle_ps(a[i + 1], a[i + 3], 0x44);
			b[i + 3] = _mm256_shuffle_ps(a[i + 1], a[i + 3], 0xee);
		}
		/* column k of the block (lane i: h[i][k0 + k]) times w[k0 + k]; the empty asm keeps
		 * GCC from fusing the product into the add (-ffp-contract=fast would), which the
		 * scalar loop does not do */
		__m256 col[8];
		for (int k = 0; k < 4; k++) {
			col[k] = _mm256_permute2f128_ps(b[k], b[k + 4], 0x20);
			col[k + 4] = _mm256_permute2f128_ps(b[k], b[k + 4], 0x31);
		}
		for (int k = 0; k < 8; k++) {
			__m256 prod = _mm256_mul_ps(_mm256_broadcast_ss(w + k0 + k), col[k]);
			__asm__("" : "+x"(prod));
			acc = _mm256_add_ps(acc, prod);
		}
	}
	_mm256_storeu_ps(y, acc);
}

#undef RFX_V8
#endif
