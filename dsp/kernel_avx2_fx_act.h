/* The specialised loops' activations (kernel_avx2_fx.c): sigmoid and tanh of whole gate blocks at
 * once, in the exponential form (act_exp) or the rational one (act_rational), act_fast choosing
 * between them by the number of vectors. Included only by kernel_avx2_fx.c, which is built with
 * -mavx2 -mfma -ffp-contract=fast; FX_MAXB comes from there.
 * Their error bounds are stated below, in docs/performance.md ("Accuracy of the specialised
 * loops") and asserted by tests/test_activations.c. */
#ifndef RFX_KERNEL_AVX2_FX_ACT_H
#define RFX_KERNEL_AVX2_FX_ACT_H

#include <immintrin.h>

#define FX_MAXV (4 * FX_MAXB)

/* The activations of the specialised loops: sigmoid of v[0..ns), tanh of v[ns..ns+nt), in place,
 * each step applied to every vector before the next (one activation is a chain of a dozen dependent
 * operations; interleaved, the core overlaps the chains of different gate blocks). Both come from
 * e = 2^n p(r), with fewer operations than fastmath.h's:
 *   - n = round(u / ln 2) by the 1.5 * 2^23 shifter, whose low mantissa bits then hold n + 127, so one
 *     shift makes 2^n (no float-to-int conversion);
 *   - one-step reduction r = u - n ln 2 with FMA (float ln 2 is off by 2e-9 relative; n stays within
 *     +-126 for sigmoid and +-26 for tanh, so r is off by at most 2.4e-7, where sigmoid's and tanh's
 *     slopes make it negligible);
 *   - p a degree-6 polynomial fitted at the Chebyshev nodes of |r| <= ln2 / 2 (relative error 2e-8,
 *     against 5e-9 for the degree-7 Taylor series), evaluated by Estrin's scheme (latency): up to 4
 *     vectors; from 5 on (throughput), act_exp_tab's table and shorter polynomial instead;
 *   - sigmoid = 1 / (1 + e^-x) with 1 + 2^n p as one FMA; the sign of u goes into the coefficients;
 *   - tanh = (e - 1) / (e + 1) with e = e^2x, both FMAs, and no separate series near 0: e - 1 is
 *     exact there (Sterbenz), so the absolute error stays at float rounding.
 * Measured against double precision over every float in [0, 20] and every 251st of [-20, 0] (Estrin's
 * scheme and the table form):
 * sigmoid absolute error < 1e-7, tanh < 1.4e-7, below fastmath.h's 2e-7 (docs/performance.md;
 * tests/test_activations.c asserts both). The clamps take x first so a NaN stays NaN (and trips
 * the state guard, as in the generic kernel). */
static const float fx_exp_c[7] = { 1.0f, 1.0f, 0.5f, 0.166664153f, 0.0416663513f, 0.00837513246f,
				   0.00139411166f };

/* The clamp and the range reduction of both forms: t = x / (ln2 / S) + shifter, whose low mantissa
 * bits hold n + 127 S with n = round(u S / ln 2), and r = u - n ln2 / S given as r' (u = -x: r' = x + n
 * ln2 / S and r = -r'; u = 2x: r' = x - n ln2 / 2S and r = 2 r'; the caller's coefficients take the sign
 * and the factor). S is a power of 2, so the constants' scaling is exact. */
static inline __attribute__((always_inline)) void fx_exp_reduce(const __m256 *v, const int ns, const int N,
								 const float S, const __m256 shifter,
								 __m256 *t, __m256 *r)
{
	for (int i = 0; i < N; i++) {
		if (i < ns) { /* sigmoid: u = -x */
			const __m256 x = _mm256_max_ps(_mm256_set1_ps(-87.0f), _mm256_min_ps(_mm256_set1_ps(87.0f), v[i]));
			t[i] = _mm256_fmadd_ps(x, _mm256_set1_ps(-S * 1.44269504088896341f), shifter);
			r[i] = _mm256_fmadd_ps(_mm256_sub_ps(t[i], shifter), _mm256_set1_ps(0.693147180559945f / S), x);
		} else { /* tanh: u = 2x */
			const __m256 x = _mm256_max_ps(_mm256_set1_ps(-9.0f), _mm256_min_ps(_mm256_set1_ps(9.0f), v[i]));
			t[i] = _mm256_fmadd_ps(x, _mm256_set1_ps(2 * S * 1.44269504088896341f), shifter);
			r[i] = _mm256_fnmadd_ps(_mm256_sub_ps(t[i], shifter), _mm256_set1_ps(0.693147180559945f / (2 * S)), x);
		}
	}
}

/* sigmoid = 1 / (1 + e) and tanh = (e - 1) / (e + 1) from e = p s (s = 2^(n/S)). */
static inline __attribute__((always_inline)) void fx_exp_finish(__m256 *v, const int ns, const int i,
								 const __m256 p, const __m256 s)
{
	const __m256 one = _mm256_set1_ps(1.0f);
	if (i < ns)
		v[i] = _mm256_div_ps(one, _mm256_fmadd_ps(p, s, one));
	else
		v[i] = _mm256_div_ps(_mm256_fmsub_ps(p, s, one), _mm256_fmadd_ps(p, s, one));
}

/* act_exp's form for 5 vectors and more, where the loops are bound by the FMA units' throughput
 * rather than by one activation's chain: e^u = 2^(n/8) p(r) with n = round(8u / ln 2) and
 * |r| <= ln2 / 16, so that p is Taylor's degree 4 (relative error 1.3e-9) instead of a fitted
 * degree 6 over ln2 / 2: two FMAs fewer a vector. 2^(n/8) = 2^floor(n/8) 2^(j/8), j = n & 7, the
 * second from a table of eight in one register (vpermd takes j from the low bits of t's pattern
 * itself). The shifter's low mantissa bits hold n + 8 * 127, so t's pattern shifted left by 20 is
 * 2^floor(n/8)'s exponent field plus j << 20, and fx_exp2_tab holds each 2^(j/8)'s mantissa
 * field less that j << 20: a shift, a permute and an integer add, none on the FMA units.
 * Zen 4 (docs/performance.md): LSTM 32 123.9 -> 120.0 ns, LSTM 16 50.8 -> 49.2, GRU 64 412 -> 400.
 * A table of 16 (two registers, vpermt2d, degree 3) measured the same. */
static const int32_t fx_exp2_tab[8] = { 0, -289342, -509968, -655657, -719629, -694486, -572163, -343865 };

static inline __attribute__((always_inline)) void act_exp_tab(__m256 *v, const int ns, const int nt)
{
	const int N = ns + nt;
	const __m256i tab = _mm256_loadu_si256((const __m256i *)fx_exp2_tab);
	__m256 t[FX_MAXV], r[FX_MAXV], p[FX_MAXV];
	fx_exp_reduce(v, ns, N, 8.0f, _mm256_set1_ps(12583928.0f) /* 1.5*2^23 + 8*127 */, t, r);
	static const float c[5] = { 1.0f, 1.0f, 0.5f, 1.0f / 6, 1.0f / 24 }; /* 1 / k! */
#define FX_T(i, k) _mm256_set1_ps((i) < ns ? ((k) & 1 ? -c[k] : c[k]) : c[k] * (float)(1 << (k)))
	for (int i = 0; i < N; i++)
		p[i] = _mm256_fmadd_ps(FX_T(i, 4), r[i], FX_T(i, 3));
	for (int k = 2; k >= 0; k--)
		for (int i = 0; i < N; i++)
			p[i] = _mm256_fmadd_ps(p[i], r[i], FX_T(i, k));
#undef FX_T
	for (int i = 0; i < N; i++) {
		const __m256i ti = _mm256_castps_si256(t[i]);
		fx_exp_finish(v, ns, i, p[i],
			      _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(ti, 20),
								   _mm256_permutevar8x32_epi32(tab, ti))));
	}
}

static inline __attribute__((always_inline)) void act_exp(__m256 *v, const int ns, const int nt)
{
	const int N = ns + nt;
	if (N > 4) {
		act_exp_tab(v, ns, nt);
		return;
	}
	__m256 t[4], r[4], p[4];
	fx_exp_reduce(v, ns, N, 1.0f, _mm256_set1_ps(12583039.0f) /* 1.5*2^23 + 127 */, t, r);
#define FX_C(i, k) _mm256_set1_ps((i) < ns ? ((k) & 1 ? -fx_exp_c[k] : fx_exp_c[k]) : fx_exp_c[k] * (float)(1 << (k)))
	for (int i = 0; i < N; i++) {
		const __m256 r2 = _mm256_mul_ps(r[i], r[i]), r4 = _mm256_mul_ps(r2, r2);
		const __m256 a = _mm256_fmadd_ps(FX_C(i, 1), r[i], FX_C(i, 0));
		const __m256 b = _mm256_fmadd_ps(FX_C(i, 3), r[i], FX_C(i, 2));
		__m256 c = _mm256_fmadd_ps(FX_C(i, 5), r[i], FX_C(i, 4));
		c = _mm256_fmadd_ps(FX_C(i, 6), r2, c);
		p[i] = _mm256_fmadd_ps(c, r4, _mm256_fmadd_ps(b, r2, a));
	}
#undef FX_C
	for (int i = 0; i < N; i++)
		fx_exp_finish(v, ns, i, p[i], _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t[i]), 23)));
}

/* e^x for x <= 0 (a softmax's shifted logits), by act_exp's reduction and polynomial: relative
 * error ~2e-8 from the fit plus float rounding; below -87 it is clamped (e^-87 ~ 1.6e-38). */
static inline __attribute__((always_inline)) __m256 fx_exp_neg(__m256 x)
{
	const __m256 shifter = _mm256_set1_ps(12583039.0f); /* 1.5*2^23 + 127 */
	x = _mm256_max_ps(_mm256_set1_ps(-87.0f), x);
	const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shifter);
	const __m256 r = _mm256_fnmadd_ps(_mm256_sub_ps(t, shifter), _mm256_set1_ps(0.693147180559945f), x);
	__m256 p = _mm256_fmadd_ps(_mm256_set1_ps(fx_exp_c[6]), r, _mm256_set1_ps(fx_exp_c[5]));
	for (int k = 4; k >= 0; k--)
		p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(fx_exp_c[k]));
	return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23)));
}

/* The short-chain activations of the specialised loops: sigmoid of v[0..ns), tanh of v[ns..ns+nt), in place,
 * each step applied to every vector before the next (one activation is a chain of dependent
 * operations; interleaved, the core overlaps the chains of different gate blocks).
 *
 * Both come from one rational function, with no exponential: tanh(x) ~ x P(x^2) / Q(x^2), P and Q
 * of degree 4 in x^2, fitted here (near-minimax absolute error on [0, 9] by iteratively reweighted
 * linearised least squares, 60-digit arithmetic) to 1.9e-8; past |x| = 9 the argument is clamped
 * (1 - tanh(9) = 3e-8). sigmoid(x) = 1/2 + tanh(x/2)/2, so sigmoid uses the same P and Q with
 * x/2 folded into the coefficients and the clamp at 18. Each is a clamp, x^2, two Estrin
 * polynomials side by side, one multiply and one division: about 30 cycles of latency, against
 * about 45 for the exponential, reduction and division they replace.
 *   - x^2 is clamped (one min) in parallel with x, so the clamp does not lengthen the chain;
 *   - with `centered`, sigmoids come out less 1/2 (the caller folds the 1/2 in where it is off the
 *     critical path: GRU's r hn + in becomes (r - 1/2) hn + (in + hn / 2)).
 * Measured against double precision over every float in [0, 20] and every 251st of [-20, 0]:
 * sigmoid absolute error < 2e-7 (1.99e-7 at |x| = 6.18), tanh < 3.6e-7
 * (3.57e-7 at |x| = 8.32): float rounding in P, Q and the division on top of the fit's 1.9e-8, so
 * tanh's is above fastmath.h's 2e-7 (docs/performance.md; tests/test_activations.c asserts both).
 * A NaN stays NaN (x * x and the clamps keep it as the operand they return), so it trips the state
 * guard as in the generic kernel. */
static const float fx_tanh_p[5] = { 0.9999999067284627f, 0.13373175246652677f, 0.003486553661397458f,
				    2.0471318443462827e-05f, 1.3183450407991057e-08f };
static const float fx_tanh_q[5] = { 1.0f, 0.4670647221593122f, 0.025841875654192995f,
				    0.0003271336981605219f, 7.702359217764894e-07f };
/* The same for sigmoid: x -> x/2 in P and Q, and the factor 1/2 of tanh in P. */
static const float fx_sig_p[5] = { 0.9999999067284627f / 4, 0.13373175246652677f / 16,
				   0.003486553661397458f / 64, 2.0471318443462827e-05f / 256,
				   1.3183450407991057e-08f / 1024 };
static const float fx_sig_q[5] = { 1.0f, 0.4670647221593122f / 4, 0.025841875654192995f / 16,
				   0.0003271336981605219f / 64, 7.702359217764894e-07f / 256 };

static inline __attribute__((always_inline)) void act_rational(__m256 *v, const int ns, const int nt,
								const int centered)
{
	const int N = ns + nt;
	__m256 xc[FX_MAXV], u[FX_MAXV], u2[FX_MAXV], u4[FX_MAXV], P[FX_MAXV], Q[FX_MAXV];
	for (int i = 0; i < N; i++) {
		const float b = i < ns ? 18.0f : 9.0f;
		u[i] = _mm256_min_ps(_mm256_set1_ps(b * b), _mm256_mul_ps(v[i], v[i]));
		xc[i] = _mm256_max_ps(_mm256_set1_ps(-b), _mm256_min_ps(_mm256_set1_ps(b), v[i]));
	}
	for (int i = 0; i < N; i++)
		u2[i] = _mm256_mul_ps(u[i], u[i]);
	for (int i = 0; i < N; i++)
		u4[i] = _mm256_mul_ps(u2[i], u2[i]);
#define FX_P(i, k) _mm256_set1_ps((i) < ns ? fx_sig_p[k] : fx_tanh_p[k])
#define FX_Q(i, k) _mm256_set1_ps((i) < ns ? fx_sig_q[k] : fx_tanh_q[k])
	for (int i = 0; i < N; i++) {
		const __m256 pa = _mm256_fmadd_ps(FX_P(i, 1), u[i], FX_P(i, 0));
		const __m256 pb = _mm256_fmadd_ps(FX_P(i, 3), u[i], FX_P(i, 2));
		const __m256 qa = _mm256_fmadd_ps(FX_Q(i, 1), u[i], FX_Q(i, 0));
		const __m256 qb = _mm256_fmadd_ps(FX_Q(i, 3), u[i], FX_Q(i, 2));
		P[i] = _mm256_fmadd_ps(u2[i], pb, pa);
		Q[i] = _mm256_fmadd_ps(u2[i], qb, qa);
	}
	for (int i = 0; i < N; i++) {
		P[i] = _mm256_fmadd_ps(u4[i], FX_P(i, 4), P[i]);
		Q[i] = _mm256_fmadd_ps(u4[i], FX_Q(i, 4), Q[i]);
	}
#undef FX_P
#undef FX_Q
	for (int i = 0; i < N; i++) {
		v[i] = _mm256_div_ps(_mm256_mul_ps(xc[i], P[i]), Q[i]);
		if (i < ns && !centered)
			v[i] = _mm256_add_ps(v[i], _mm256_set1_ps(0.5f));
	}
}

/* Which of the two the specialised loops use for N vectors at once: the rational one's chain is
 * shorter but it has a few more operations, and from 5 vectors on (GRU 32, LSTM 16 and up) the loops
 * are bound by throughput, where it measured no faster (docs/performance.md). */
#define FX_RATIONAL(N) ((N) <= 4)

/* sigmoid of v[0..ns), tanh of v[ns..ns+nt); with `centered` (rational form only) the sigmoids less
 * 1/2. */
static inline __attribute__((always_inline)) void act_fast_c(__m256 *v, const int ns, const int nt,
							      const int centered)
{
	if (FX_RATIONAL(ns + nt))
		act_rational(v, ns, nt, centered);
	else
		act_exp(v, ns, nt);
}

static inline __attribute__((always_inline)) void act_fast(__m256 *v, const int ns, const int nt)
{
	act_fast_c(v, ns, nt, 0);
}

#endif
