/* The AVX2 + FMA kernel's specialised loops: one-layer effect models (input 1, one output, H a
 * multiple of 8 up to 64), one loop per cell and H, and their two-stream forms. stream.c takes them
 * from the "avx2" row of the kernel table (kernel_table.c) when the stream's shape has one, and the
 * general loop (kernel_avx2.c) otherwise; the Makefile builds this file with -mavx2 -mfma
 * -ffp-contract=fast, as it does kernel_avx2.c.
 *
 * Unlike the general loop, these do not follow fastmath.h: their activations are cheaper
 * approximations of their own (act_exp, act_rational below), with the error bounds stated there,
 * in docs/performance.md ("Accuracy of the specialised loops") and asserted by
 * tests/test_activations.c. */
#include "kernel_isa.h"
#if RFX_KERNEL_X86
#include <immintrin.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_act.h"
#include "kernel_common.h"

/* ---------------------------------------------------------------- one-layer effect models
 *
 * The common case (one layer, input 1, one output, H a multiple of 8 up to 64) gets its own loop
 * over the block's samples, compiled once per H so every loop over gate blocks unrolls:
 *   - the input projection is folded into the accumulators' start: gi + gh for r and z (LSTM: every
 *     gate) is b_i + b_h + x * w_i + sum_k h[k] Wh[k], one chain per gate block, no gi/gh buffers;
 *   - the state stays in registers for the whole block (loaded once, stored once); for H = 8 h[k] is
 *     broadcast from its register (vpermps), for larger H from a copy in memory (vbroadcastss, which
 *     uses a load port instead of the shuffle unit: measured faster from H = 16 on);
 *   - the head's dot product and the NaN/Inf check work on those registers.
 * The guards are the generic loop's, sample by sample: a non-finite input resets the state before
 * the step and is taken as 0; a non-finite state after the step resets it before the head. The
 * state check stays per sample: with finite weights and input h is bounded for GRU, but a
 * pre-activation can still overflow to Inf and Inf - Inf give NaN (the loader bounds no weight's
 * size), and LSTM's c is not bounded at all. It costs a compare and an OR per vector and a branch
 * that is never taken, off the recurrence's critical path. */
#define FX_MAXB 8 /* H / 8 blocks: H <= 64 */

static inline __m256 bcast_h(const __m256 *hv, const float *hmem, int k, int in_regs)
{
	if (in_regs)
		return _mm256_permutevar8x32_ps(hv[k >> 3], _mm256_set1_epi32(k & 7));
	return _mm256_broadcast_ss(hmem + k);
}

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
 *     against 5e-9 for the degree-7 Taylor series), evaluated by Estrin's scheme when there are few
 *     vectors (latency) and Horner's otherwise (fewer operations);
 *   - sigmoid = 1 / (1 + e^-x) with 1 + 2^n p as one FMA; the sign of u goes into the coefficients;
 *   - tanh = (e - 1) / (e + 1) with e = e^2x, both FMAs, and no separate series near 0: e - 1 is
 *     exact there (Sterbenz), so the absolute error stays at float rounding.
 * Measured against double precision over every float in [0, 20] and every 251st of [-20, 0] (both
 * polynomial schemes):
 * sigmoid absolute error < 1e-7, tanh < 1.4e-7, below fastmath.h's 2e-7 (docs/performance.md;
 * tests/test_activations.c asserts both). The clamps take x first so a NaN stays NaN (and trips
 * the state guard, as in the generic kernel). */
static const float fx_exp_c[7] = { 1.0f, 1.0f, 0.5f, 0.166664153f, 0.0416663513f, 0.00837513246f,
				   0.00139411166f };

static inline __attribute__((always_inline)) void act_exp(__m256 *v, const int ns, const int nt)
{
	const int N = ns + nt;
	const __m256 one = _mm256_set1_ps(1.0f), shifter = _mm256_set1_ps(12583039.0f); /* 1.5*2^23 + 127 */
	__m256 t[FX_MAXV], r[FX_MAXV], p[FX_MAXV];
	for (int i = 0; i < N; i++) {
		if (i < ns) { /* u = -x: e^u = 2^n p(-r'), r' = x + n ln2 */
			const __m256 x = _mm256_max_ps(_mm256_set1_ps(-87.0f), _mm256_min_ps(_mm256_set1_ps(87.0f), v[i]));
			t[i] = _mm256_fmadd_ps(x, _mm256_set1_ps(-1.44269504088896341f), shifter);
			r[i] = _mm256_fmadd_ps(_mm256_sub_ps(t[i], shifter), _mm256_set1_ps(0.693147180559945f), x);
		} else { /* u = 2x: e^u = 2^n p(2 r'), r' = x - n ln2 / 2 */
			const __m256 x = _mm256_max_ps(_mm256_set1_ps(-9.0f), _mm256_min_ps(_mm256_set1_ps(9.0f), v[i]));
			t[i] = _mm256_fmadd_ps(x, _mm256_set1_ps(2.0f * 1.44269504088896341f), shifter);
			r[i] = _mm256_fnmadd_ps(_mm256_sub_ps(t[i], shifter), _mm256_set1_ps(0.5f * 0.693147180559945f), x);
		}
	}
#define FX_C(i, k) _mm256_set1_ps((i) < ns ? ((k) & 1 ? -fx_exp_c[k] : fx_exp_c[k]) : fx_exp_c[k] * (float)(1 << (k)))
	if (N <= 4) {
		for (int i = 0; i < N; i++) {
			const __m256 r2 = _mm256_mul_ps(r[i], r[i]), r4 = _mm256_mul_ps(r2, r2);
			const __m256 a = _mm256_fmadd_ps(FX_C(i, 1), r[i], FX_C(i, 0));
			const __m256 b = _mm256_fmadd_ps(FX_C(i, 3), r[i], FX_C(i, 2));
			__m256 c = _mm256_fmadd_ps(FX_C(i, 5), r[i], FX_C(i, 4));
			c = _mm256_fmadd_ps(FX_C(i, 6), r2, c);
			p[i] = _mm256_fmadd_ps(c, r4, _mm256_fmadd_ps(b, r2, a));
		}
	} else {
		for (int i = 0; i < N; i++)
			p[i] = _mm256_fmadd_ps(FX_C(i, 6), r[i], FX_C(i, 5));
		for (int k = 4; k >= 0; k--)
			for (int i = 0; i < N; i++)
				p[i] = _mm256_fmadd_ps(p[i], r[i], FX_C(i, k));
	}
#undef FX_C
	for (int i = 0; i < N; i++) {
		const __m256 s = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t[i]), 23));
		if (i < ns)
			v[i] = _mm256_div_ps(one, _mm256_fmadd_ps(p[i], s, one));
		else
			v[i] = _mm256_div_ps(_mm256_fmsub_ps(p[i], s, one), _mm256_fmadd_ps(p[i], s, one));
	}
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

/* True when any lane of v is NaN or +-Inf (v - v is NaN exactly then). */
static inline __m256 nonfinite_mask(__m256 v)
{
	return _mm256_cmp_ps(_mm256_sub_ps(v, v), _mm256_setzero_ps(), _CMP_NEQ_UQ);
}

static inline float hsum8(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

/* One pass of fx_matvec's two-pass form: PER output blocks, from and back to `pre`, with the PER
 * accumulators in registers over every k. One function per PER, so that the accumulators are
 * exactly the registers used: with a runtime count (GRU 40's passes of 8 and 7 blocks) GCC kept them
 * in memory and GRU 40 took 450 ns, more than GRU 48. */
#define FX_PASS1(PER)                                                                               \
	static inline __attribute__((always_inline)) void fx_pass1_##PER(                           \
		const float *restrict w, int GHp, const float *h, int H, float *restrict pre)      \
	{                                                                                           \
		__m256 a[PER];                                                                      \
		for (int q = 0; q < PER; q++)                                                       \
			a[q] = _mm256_load_ps(pre + 8 * q);                                         \
		for (int k = 0; k < H; k++, w += GHp) {                                             \
			const __m256 hk = _mm256_broadcast_ss(h + k);                               \
			for (int q = 0; q < PER; q++)                                               \
				a[q] = _mm256_fmadd_ps(hk, _mm256_load_ps(w + 8 * q), a[q]);        \
		}                                                                                   \
		for (int q = 0; q < PER; q++)                                                       \
			_mm256_store_ps(pre + 8 * q, a[q]);                                         \
	}
FX_PASS1(6)
FX_PASS1(7)
FX_PASS1(8)

static inline __attribute__((always_inline)) void fx_pass1(int per, const float *restrict w, int GHp,
							    const float *h, int H, float *restrict pre)
{
	if (per == 6)
		fx_pass1_6(w, GHp, h, H, pre);
	else if (per == 7)
		fx_pass1_7(w, GHp, h, H, pre);
	else
		fx_pass1_8(w, GHp, h, H, pre);
}

/* G gate blocks of the pre-activation: acc[g][b] = init[g][b] + sum_k h[k] * Wh[k][g*H + 8b..].
 * With few output blocks (G * B <= 6) each gets two chains (even and odd k, summed at the end) to
 * hide the FMA latency; with more, the blocks themselves are enough chains. Up to 6 blocks (GRU 16,
 * RNN 40 and 48) the 12 chains still fit the 16 registers and halve the chain's length: GRU 16
 * 42 -> 38 ns, RNN 40 57 -> 49, RNN 48 69 -> 65 (4 blocks was the limit before). */
static inline __attribute__((always_inline)) void fx_matvec(const float *restrict Wh, int GHp,
							      const __m256 *hv, const float *hmem,
							      int in_regs, int H, int G,
							      __m256 acc[][FX_MAXB])
{
	const int B = H / 8;
	if (G * B <= 6) {
		__m256 odd[4][FX_MAXB];
		for (int g = 0; g < G; g++)
			for (int b = 0; b < B; b++)
				odd[g][b] = _mm256_setzero_ps();
		for (int k = 0; k < H; k += 2) {
			const __m256 h0 = bcast_h(hv, hmem, k, in_regs);
			const __m256 h1 = bcast_h(hv, hmem, k + 1, in_regs);
			const float *w0 = Wh + (size_t)k * GHp, *w1 = w0 + GHp;
			for (int g = 0; g < G; g++)
				for (int b = 0; b < B; b++) {
					const int o = g * H + 8 * b;
					acc[g][b] = _mm256_fmadd_ps(h0, _mm256_load_ps(w0 + o), acc[g][b]);
					odd[g][b] = _mm256_fmadd_ps(h1, _mm256_load_ps(w1 + o), odd[g][b]);
				}
		}
		for (int g = 0; g < G; g++)
			for (int b = 0; b < B; b++)
				acc[g][b] = _mm256_add_ps(acc[g][b], odd[g][b]);
		return;
	}
	/* Up to 12 blocks: one pass, every accumulator in a register. 13 to 16 (LSTM H = 32, GRU 40):
	 * two passes, each running over every k with its accumulators in registers, through `pre` in
	 * memory between them so no pass's results stay live in registers during the next (one
	 * pass would keep a few accumulators in memory, each FMA then waiting for a store to forward:
	 * 220 -> 186 ns for LSTM H = 32); h is read from memory there (H >= 32). More (H >= 48): the
	 * weights come from L2 and one pass, with the compiler's spills, measured faster than passes
	 * that each stream a part of every row (again with passes of exactly 6, 8 or 12 blocks). */
	const int NQ = G * B;
	if (NQ <= 12 || NQ > 16) {
		for (int k = 0; k < H; k++) {
			const __m256 hk = bcast_h(hv, hmem, k, in_regs);
			const float *w = Wh + (size_t)k * GHp;
			for (int g = 0; g < G; g++)
				for (int b = 0; b < B; b++)
					acc[g][b] = _mm256_fmadd_ps(hk, _mm256_load_ps(w + g * H + 8 * b), acc[g][b]);
		}
		return;
	}
	_Alignas(32) float pre[4 * 8 * FX_MAXB];
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++)
			_mm256_store_ps(pre + g * H + 8 * b, acc[g][b]);
	const int first = (NQ + 1) / 2; /* 13..16 blocks: 7 + 6, 7 + 7, 8 + 7, 8 + 8 */
	fx_pass1(first, Wh, GHp, hmem, H, pre);
	__asm__ volatile("" ::: "memory"); /* keep the passes apart */
	fx_pass1(NQ - first, Wh + 8 * first, GHp, hmem, H, pre + 8 * first);
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++)
			acc[g][b] = _mm256_load_ps(pre + g * H + 8 * b);
}

/* One pass of the pair's mat-vec: PER output blocks of both streams, from and back to pa / pb, with
 * the 2 PER accumulators in registers over every k, so each weight is loaded once for the two
 * streams. One function per PER so the accumulator arrays are exactly the registers used (a larger
 * array with unused slots measured 1.6x slower for LSTM 64). */
#define FX_PASS2(PER)                                                                               \
	static inline __attribute__((always_inline)) void fx_pass2_##PER(                           \
		const float *restrict w, int GHp, const float *ha, const float *hb, int H,         \
		float *restrict pa, float *restrict pb)                                             \
	{                                                                                           \
		__m256 a[PER], b[PER];                                                              \
		for (int q = 0; q < PER; q++) {                                                     \
			a[q] = _mm256_load_ps(pa + 8 * q);                                          \
			b[q] = _mm256_load_ps(pb + 8 * q);                                          \
		}                                                                                   \
		for (int k = 0; k < H; k++, w += GHp) {                                             \
			const __m256 hka = _mm256_broadcast_ss(ha + k), hkb = _mm256_broadcast_ss(hb + k); \
			for (int q = 0; q < PER; q++) {                                             \
				const __m256 wq = _mm256_load_ps(w + 8 * q);                        \
				a[q] = _mm256_fmadd_ps(hka, wq, a[q]);                              \
				b[q] = _mm256_fmadd_ps(hkb, wq, b[q]);                              \
			}                                                                           \
		}                                                                                   \
		for (int q = 0; q < PER; q++) {                                                     \
			_mm256_store_ps(pa + 8 * q, a[q]);                                          \
			_mm256_store_ps(pb + 8 * q, b[q]);                                          \
		}                                                                                   \
	}
FX_PASS2(3)
FX_PASS2(4)
FX_PASS2(6)

/* The pair's output blocks per pass, or 0 when the pair runs two separate mat-vecs. Fused from 18
 * blocks (GRU 48, LSTM 48 and up), where the weights come from L2 and loading them once for both
 * streams pays (GRU 64 ~610 -> ~490 ns per channel, LSTM 64 ~1090 -> ~860); below, the weights sit
 * in L1, the separate mat-vecs keep fx_matvec's tuned forms and measured no slower. */
#define FX_PER2(NQ) ((NQ) < 18 ? 0 : (NQ) % 6 == 0 ? 6 : (NQ) % 4 == 0 ? 4 : (NQ) % 3 == 0 ? 3 : 0)

/* The pair's fused mat-vec. Each block is one chain summed over k in order from its start value,
 * as in fx_matvec's forms for more than 4 blocks, so both streams get the same bits as alone. */
static inline __attribute__((always_inline)) void fx_matvec2(const float *restrict Wh, int GHp,
							       const float *ha, const float *hb,
							       int H, int G, __m256 acca[][FX_MAXB],
							       __m256 accb[][FX_MAXB])
{
	const int B = H / 8, NQ = G * B, per = FX_PER2(NQ);
	_Alignas(32) float prea[4 * 8 * FX_MAXB], preb[4 * 8 * FX_MAXB];
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++) {
			_mm256_store_ps(prea + g * H + 8 * b, acca[g][b]);
			_mm256_store_ps(preb + g * H + 8 * b, accb[g][b]);
		}
	for (int q0 = 0; q0 < NQ; q0 += per) {
		const float *w = Wh + 8 * q0;
		if (per == 6)
			fx_pass2_6(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0);
		else if (per == 4)
			fx_pass2_4(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0);
		else
			fx_pass2_3(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0);
		__asm__ volatile("" ::: "memory"); /* keep the passes apart */
	}
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++) {
			acca[g][b] = _mm256_load_ps(prea + g * H + 8 * b);
			accb[g][b] = _mm256_load_ps(preb + g * H + 8 * b);
		}
}

/* Gate blocks per cell (rfx_cell_gates, inline so that each specialised loop folds it). */
static inline int fx_gates(RfxCellType cell)
{
	return cell == RFX_CELL_LSTM ? 4 : cell == RFX_CELL_GRU ? 3 : 1;
}

/* What a specialised loop holds for a whole block. FxConst: the per-block constants, summed biases
 * (GRU's n gate keeps b_hn apart: r multiplies it) and the weights, shared by the two streams of a
 * pair (whose weights are equal). FxLane: one stream's state, in registers for the block. */
typedef struct {
	__m256 wi[4][FX_MAXB], bsum[4][FX_MAXB], bhn[FX_MAXB], hw[FX_MAXB];
	const float *Wh, *Wi; /* Wi: the input rows of a layer above the first */
	int GHp, skip;
	float hb;
} FxConst;

typedef struct {
	RfxStream *st;
	RfxPackedLayer *ly;
	__m256 h[FX_MAXB], c[FX_MAXB];
	_Alignas(32) float hmem[64];
	float x;
} FxLane;

static inline __attribute__((always_inline)) void fx_const_load(FxConst *K, const RfxStream *st,
								 const int l, const int H,
								 const RfxCellType cell)
{
	const int B = H / 8, G = fx_gates(cell);
	const RfxPackedLayer *ly = &st->layer[l];
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++) {
			const int o = g * H + 8 * b;
			K->wi[g][b] = l == 0 ? _mm256_load_ps(ly->Wi + o) : _mm256_setzero_ps();
			K->bsum[g][b] = (cell == RFX_CELL_GRU && g == 2)
						? _mm256_load_ps(ly->bi + o)
						: _mm256_add_ps(_mm256_load_ps(ly->bi + o), _mm256_load_ps(ly->bh + o));
		}
	/* Conditioning inputs (knobs) hold still for a whole block: their share of the input
	 * projection joins the biases here, so a knob model runs the audio-only loop. */
	for (int j = 1; j < st->n_inputs && l == 0 && !st->has_frontend; j++) {
		const __m256 xj = _mm256_set1_ps(st->x[j]);
		for (int g = 0; g < G; g++)
			for (int b = 0; b < B; b++)
				K->bsum[g][b] = _mm256_fmadd_ps(xj, _mm256_load_ps(ly->Wi + (size_t)j * st->GHp + g * H + 8 * b),
								K->bsum[g][b]);
	}
	for (int b = 0; b < B; b++) {
		K->bhn[b] = cell == RFX_CELL_GRU ? _mm256_load_ps(ly->bh + 2 * H + 8 * b) : _mm256_setzero_ps();
		K->hw[b] = _mm256_loadu_ps(st->head_w + 8 * b);
	}
	K->Wh = ly->Wh;
	K->Wi = ly->Wi;
	K->GHp = st->GHp;
	K->skip = st->skip;
	K->hb = st->head_b[0];
}

/* in_regs: h[k] broadcast from its register (H = 8) rather than from the copy in memory. */
static inline __attribute__((always_inline)) void fx_lane_load(FxLane *L, RfxStream *st, const int l,
								const int H, const RfxCellType cell,
								const int in_regs)
{
	RfxPackedLayer *ly = &st->layer[l];
	L->st = st;
	L->ly = ly;
	for (int b = 0; b < H / 8; b++) {
		L->h[b] = _mm256_loadu_ps(ly->h + 8 * b);
		L->c[b] = cell == RFX_CELL_LSTM ? _mm256_loadu_ps(ly->c + 8 * b) : _mm256_setzero_ps();
		if (!in_regs)
			_mm256_store_ps(L->hmem + 8 * b, L->h[b]);
	}
	L->x = st->x[0];
}

static inline __attribute__((always_inline)) void fx_lane_store(const FxLane *L, const int H,
								 const RfxCellType cell)
{
	RfxPackedLayer *ly = L->ly;
	for (int b = 0; b < H / 8; b++) {
		_mm256_storeu_ps(ly->h + 8 * b, L->h[b]);
		if (cell == RFX_CELL_LSTM)
			_mm256_storeu_ps(ly->c + 8 * b, L->c[b]);
	}
	L->st->x[0] = L->x;
}

/* The stream's initial state, after a non-finite input or state. */
static inline __attribute__((always_inline)) void fx_lane_reset(FxLane *L, const int H,
								 const RfxCellType cell)
{
	const RfxPackedLayer *ly = L->ly;
	for (int b = 0; b < H / 8; b++) {
		L->h[b] = _mm256_loadu_ps(ly->h0 + 8 * b);
		if (cell == RFX_CELL_LSTM)
			L->c[b] = _mm256_loadu_ps(ly->c0 + 8 * b);
	}
}

/* The first part of one sample of one stream: the input check, and the accumulators started with
 * the input projection. Returns the input as used (0 for a non-finite one). */
static inline __attribute__((always_inline)) float fx_begin(const FxConst *K, FxLane *L, float x,
							     const int H, const RfxCellType cell,
							     const int in_regs, __m256 acc[][FX_MAXB])
{
	const int B = H / 8;
	const int G = fx_gates(cell);
	if (!isfinite(x)) {
		x = 0.0f;
		L->st->nonfinite++;
		fx_lane_reset(L, H, cell);
		for (int b = 0; b < B && !in_regs; b++)
			_mm256_store_ps(L->hmem + 8 * b, L->h[b]);
	}
	const __m256 xv = _mm256_set1_ps(x);
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++)
			acc[g][b] = (cell == RFX_CELL_GRU && g == 2) ? K->bhn[b]
								      : _mm256_fmadd_ps(xv, K->wi[g][b], K->bsum[g][b]);
	return x;
}

/* One layer's new state from its gates' pre-activations in acc; `inn` is GRU's n-gate input part
 * (W_in v + b_in), unused by the other cells. Returns the mask of non-finite lanes of the new state
 * (the caller resets). With memory broadcasts (!in_regs) h is also stored to hmem. */
static inline __attribute__((always_inline)) __m256 fx_update(FxLane *L, const __m256 *inn,
							       const int H, const RfxCellType cell,
							       const int in_regs, __m256 acc[][FX_MAXB])
{
	const int B = H / 8;
	__m256 *h = L->h, *c = L->c;
	__m256 bad = _mm256_setzero_ps();
	__m256 a[FX_MAXV];
	if (cell == RFX_CELL_RNN) {
		act_fast(acc[0], 0, B);
		for (int b = 0; b < B; b++)
			h[b] = acc[0][b];
	} else if (cell == RFX_CELL_GRU) {
		for (int b = 0; b < B; b++) {
			a[b] = acc[0][b];
			a[B + b] = acc[1][b];
		}
		const int ctr = FX_RATIONAL(2 * B);
		act_fast_c(a, 2 * B, 0, ctr); /* r, z (less 1/2 when ctr) */
		/* in + r hn = (r - 1/2) hn + (in + hn / 2): the 1/2 off the critical path */
		__m256 nn[FX_MAXB];
		const __m256 half = _mm256_set1_ps(0.5f);
		for (int b = 0; b < B; b++) {
			__m256 in = inn[b];
			if (ctr)
				in = _mm256_fmadd_ps(half, acc[2][b], in);
			nn[b] = _mm256_fmadd_ps(a[b], acc[2][b], in);
		}
		for (int b = 0; b < B && ctr; b++)
			a[B + b] = _mm256_add_ps(a[B + b], half);
		act_fast(nn, 0, B);
		for (int b = 0; b < B; b++)
			h[b] = _mm256_fmadd_ps(a[B + b], _mm256_sub_ps(h[b], nn[b]), nn[b]);
	} else {
		for (int b = 0; b < B; b++) {
			a[b] = acc[0][b];         /* i */
			a[B + b] = acc[1][b];     /* f */
			a[2 * B + b] = acc[3][b]; /* o */
			a[3 * B + b] = acc[2][b]; /* g */
		}
		const int ctr = FX_RATIONAL(4 * B);
		act_fast_c(a, 3 * B, B, ctr); /* i, f, o (less 1/2 when ctr), g */
		/* f c + i g = (f - 1/2) c + c / 2 + i g: f's 1/2 off the critical path */
		const __m256 half = _mm256_set1_ps(0.5f);
		for (int b = 0; b < B; b++) {
			if (!ctr) {
				c[b] = _mm256_fmadd_ps(a[B + b], c[b], _mm256_mul_ps(a[b], a[3 * B + b]));
				continue;
			}
			const __m256 fc = _mm256_fmadd_ps(a[B + b], c[b], _mm256_mul_ps(half, c[b]));
			c[b] = _mm256_fmadd_ps(_mm256_add_ps(a[b], half), a[3 * B + b], fc);
			a[2 * B + b] = _mm256_add_ps(a[2 * B + b], half);
		}
		__m256 tc[FX_MAXB];
		for (int b = 0; b < B; b++)
			tc[b] = c[b];
		act_fast(tc, 0, B);
		for (int b = 0; b < B; b++) {
			h[b] = _mm256_mul_ps(a[2 * B + b], tc[b]);
			bad = _mm256_or_ps(bad, nonfinite_mask(c[b]));
		}
	}
	for (int b = 0; b < B; b++)
		bad = _mm256_or_ps(bad, nonfinite_mask(h[b]));
	for (int b = 0; b < B && !in_regs; b++)
		_mm256_store_ps(L->hmem + 8 * b, h[b]);
	return bad;
}

/* The effect head on the last layer's state (in registers), skip included. */
static inline __attribute__((always_inline)) float fx_head(const FxConst *K, const FxLane *L, float x,
							    const int H)
{
	__m256 y = _mm256_mul_ps(K->hw[0], L->h[0]);
	for (int b = 1; b < H / 8; b++)
		y = _mm256_fmadd_ps(K->hw[b], L->h[b], y);
	const float yo = K->hb + hsum8(y);
	return K->skip ? yo + x : yo;
}

/* The rest of the sample, once acc holds the gates' pre-activations: the new state, the state
 * check and the head. Returns the output. */
static inline __attribute__((always_inline)) float fx_end(const FxConst *K, FxLane *L, float x,
							   const int H, const RfxCellType cell,
							   const int in_regs, __m256 acc[][FX_MAXB])
{
	const int B = H / 8;
	const __m256 xv = _mm256_set1_ps(x);
	__m256 inn[FX_MAXB];
	for (int b = 0; b < B && cell == RFX_CELL_GRU; b++)
		inn[b] = _mm256_fmadd_ps(xv, K->wi[2][b], K->bsum[2][b]);
	const __m256 bad = fx_update(L, inn, H, cell, in_regs, acc);
	if (__builtin_expect(_mm256_movemask_ps(bad) != 0, 0)) {
		L->st->nonfinite++;
		fx_lane_reset(L, H, cell);
		for (int b = 0; b < B && !in_regs; b++)
			_mm256_store_ps(L->hmem + 8 * b, L->h[b]);
	}
	L->x = x;
	return fx_head(K, L, x, H);
}

static inline __attribute__((always_inline)) void fx_run(RfxStream *st, const float *in, float *out,
							  uint32_t n, const int H, const RfxCellType cell)
{
	const int in_regs = H <= 8; /* H = 16: memory broadcasts measured 61 -> 55 ns */
	FxConst K;
	FxLane L;
	const int G = fx_gates(cell);
	fx_const_load(&K, st, 0, H, cell);
	fx_lane_load(&L, st, 0, H, cell, in_regs);
	for (uint32_t t = 0; t < n; t++) {
		__m256 acc[4][FX_MAXB];
		const float x = fx_begin(&K, &L, in[t], H, cell, in_regs, acc); /* in == out is fine */
		fx_matvec(K.Wh, K.GHp, L.h, L.hmem, in_regs, H, G, acc);
		out[t] = fx_end(&K, &L, x, H, cell, in_regs, acc);
	}
	fx_lane_store(&L, H, cell);
}

/* ---------------------------------------------------------------- every other covered shape
 *
 * Stacks of 2 to 4 layers of one width (NAM and AIDA-X captures often are), classifier and onset
 * heads, and a front end's features as the first layer's input, all in one loop per cell and width,
 * layer after layer per sample, the layer count and the rest read at run time (one form per layer
 * count measured no faster, with twice the code). A layer with a vector input (the layer below's new
 * h, or the front end's features) sums its pre-activations in two sets of chains, its own state's
 * product (from the sample before: ready early) and its input's, added at the end: chained one
 * after the other, the input's product waited for the state's and doubled the recurrence's latency
 * (2 x GRU 16: 92 -> 86 ns). GRU's n gate keeps its input part apart, as r multiplies only the
 * hidden part. Running the layers skewed (layer l at sample t - l, so no step of a pass waits for
 * another) measured slower: in this order the step of layer l at t and of layer 0 at t + 1 are
 * already independent neighbours. A one-layer audio input takes fx_run's step.
 * The guards are the generic loop's: a non-finite input resets every layer (and the front end)
 * before the step, a non-finite state in any layer after it resets every layer before the head (one
 * count each). */
#define FX_DEEP_MAX RFX_MAX_LAYERS

static inline __attribute__((always_inline)) void fx_deep_reset(RfxStream *st, FxLane *L, const int NL,
								 const int H, const RfxCellType cell,
								 const int in_regs)
{
	st->nonfinite++;
	for (int l = 0; l < NL; l++) {
		fx_lane_reset(&L[l], H, cell);
		for (int b = 0; b < H / 8 && !in_regs; b++)
			_mm256_store_ps(L[l].hmem + 8 * b, L[l].h[b]);
	}
	if (st->has_frontend)
		rfx_frontend_reset(&st->fe);
}

/* acc[g][b] += sum over the n_in rows of x[k] * Wi[k][g*H + 8b..]: a front end's features. */
static inline __attribute__((always_inline)) void fx_matvec_in(const float *restrict Wi, int GHp,
								 const float *x, int n_in, const int H,
								 const int G, __m256 acc[][FX_MAXB])
{
	for (int k = 0; k < n_in; k++) {
		const __m256 xk = _mm256_broadcast_ss(x + k);
		const float *w = Wi + (size_t)k * GHp;
		for (int g = 0; g < G; g++)
			for (int b = 0; b < H / 8; b++)
				acc[g][b] = _mm256_fmadd_ps(xk, _mm256_load_ps(w + g * H + 8 * b), acc[g][b]);
	}
}

/* The pre-activations of a layer with a vector input: the layer below (`below`), or n_in values
 * at vin (below NULL). acc gets every gate but GRU's n input part, which goes to inn. */
static inline __attribute__((always_inline)) void fx_pre_vec(const FxConst *k, const FxLane *self,
							      const FxLane *below, const float *vin, int n_in,
							      const int H, const RfxCellType cell,
							      const int in_regs, __m256 acc[][FX_MAXB],
							      __m256 *inn)
{
	const int G = fx_gates(cell), B = H / 8;
	__m256 acci[4][FX_MAXB];
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++) {
			const int n_gate = cell == RFX_CELL_GRU && g == 2;
			acc[g][b] = n_gate ? k->bhn[b] : k->bsum[g][b];
			acci[g][b] = n_gate ? k->bsum[2][b] : _mm256_setzero_ps();
		}
	fx_matvec(k->Wh, k->GHp, self->h, self->hmem, in_regs, H, G, acc);
	if (below)
		fx_matvec(k->Wi, k->GHp, below->h, below->hmem, in_regs, H, G, acci);
	else
		fx_matvec_in(k->Wi, k->GHp, vin, n_in, H, G, acci);
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++) {
			if (cell == RFX_CELL_GRU && g == 2)
				inn[b] = acci[2][b];
			else
				acc[g][b] = _mm256_add_ps(acc[g][b], acci[g][b]);
		}
}

/* The pre-activations of a first layer with audio input x (knobs folded into the biases). */
static inline __attribute__((always_inline)) void fx_pre_audio(const FxConst *k, const FxLane *self,
								float x, const int H, const RfxCellType cell,
								const int in_regs, __m256 acc[][FX_MAXB],
								__m256 *inn)
{
	const int G = fx_gates(cell), B = H / 8;
	const __m256 xv = _mm256_set1_ps(x);
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++)
			acc[g][b] = (cell == RFX_CELL_GRU && g == 2) ? k->bhn[b]
								      : _mm256_fmadd_ps(xv, k->wi[g][b], k->bsum[g][b]);
	fx_matvec(k->Wh, k->GHp, self->h, self->hmem, in_regs, H, G, acc);
	for (int b = 0; b < B && cell == RFX_CELL_GRU; b++)
		inn[b] = _mm256_fmadd_ps(xv, k->wi[2][b], k->bsum[2][b]);
}

static float fx_dot(const float *w, const float *h, int H)
{
	__m256 y = _mm256_setzero_ps();
	for (int j = 0; j < H; j += 8)
		y = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(h + j), y);
	return hsum8(y);
}

/* A classifier's or an onset model's head (rfx_kernel_probs does the rest). */
static __attribute__((noinline)) void fx_head_cls(RfxStream *st, const float *h, float *out)
{
	for (int o = 0; o < st->O; o++)
		st->logits[o] = st->head_b[o] + fx_dot(st->head_w + (size_t)o * st->H, h, st->H);
	rfx_kernel_probs(st->mode, st->logits, out, st->O);
}

static inline __attribute__((always_inline)) void fx_run_any(RfxStream *st, const float *in, float *out,
							      uint32_t n, const int H,
							      const RfxCellType cell)
{
	const int in_regs = H <= 8, NL = st->n_layers, O = st->O, fe = st->has_frontend;
	const int effect = st->mode == RFX_MODE_EFFECT;
	FxConst K[FX_DEEP_MAX];
	FxLane L[FX_DEEP_MAX];
	_Alignas(32) float htop[64];
	for (int l = 0; l < NL; l++) {
		fx_const_load(&K[l], st, l, H, cell);
		fx_lane_load(&L[l], st, l, H, cell, in_regs);
	}
	float x = st->x[0];
	for (uint32_t t = 0; t < n; t++) {
		x = in[t]; /* in == out is fine */
		if (!isfinite(x)) {
			x = 0.0f;
			fx_deep_reset(st, L, NL, H, cell, in_regs);
		}
		__m256 acc[4][FX_MAXB], inn[FX_MAXB];
		if (fe) {
			rfx_frontend_step(&st->fe, x, st->x);
			fx_pre_vec(&K[0], &L[0], NULL, st->x, st->n_inputs, H, cell, in_regs, acc, inn);
		} else {
			fx_pre_audio(&K[0], &L[0], x, H, cell, in_regs, acc, inn);
		}
		__m256 bad = fx_update(&L[0], inn, H, cell, in_regs, acc);
		for (int l = 1; l < NL; l++) {
			fx_pre_vec(&K[l], &L[l], &L[l - 1], NULL, 0, H, cell, in_regs, acc, inn);
			bad = _mm256_or_ps(bad, fx_update(&L[l], inn, H, cell, in_regs, acc));
		}
		if (__builtin_expect(_mm256_movemask_ps(bad) != 0, 0))
			fx_deep_reset(st, L, NL, H, cell, in_regs);
		if (effect) {
			out[t] = fx_head(&K[NL - 1], &L[NL - 1], x, H);
			continue;
		}
		for (int b = 0; b < H / 8; b++)
			_mm256_store_ps(htop + 8 * b, L[NL - 1].h[b]);
		fx_head_cls(st, htop, out + (size_t)t * O);
	}
	for (int l = 0; l < NL; l++)
		fx_lane_store(&L[l], H, cell);
	if (!fe)
		st->x[0] = x;
}

/* Whether the G-gate shape with NQ output blocks runs pairs in one loop (fx_pairs says why). */
#define FX_PAIRS(G, NQ) ((NQ) >= 18 || ((NQ) <= 6 && ((G) > 1 || (NQ) <= 2)))

/* Two streams of one model (a stereo pair) in one loop: the same steps as fx_run, so each stream's
 * output is bit for bit what it would be alone, but the two recurrences are independent, and the
 * core overlaps one stream's chain of dependent operations with the other's. */
static inline __attribute__((always_inline)) void fx_run2(RfxStream *sa, RfxStream *sb,
							   const float *ina, const float *inb,
							   float *outa, float *outb, uint32_t n,
							   const int H, const RfxCellType cell)
{
	const int in_regs = H <= 8;
	if (!FX_PAIRS(fx_gates(cell), fx_gates(cell) * H / 8))
		return; /* never picked (fx_pairs): no code for it */
	FxConst K;
	FxLane La, Lb;
	fx_const_load(&K, sa, 0, H, cell);
	fx_lane_load(&La, sa, 0, H, cell, in_regs);
	fx_lane_load(&Lb, sb, 0, H, cell, in_regs);
	const int G = fx_gates(cell);
	for (uint32_t t = 0; t < n; t++) {
		__m256 acca[4][FX_MAXB], accb[4][FX_MAXB];
		const float xa = fx_begin(&K, &La, ina[t], H, cell, in_regs, acca); /* both inputs are */
		const float xb = fx_begin(&K, &Lb, inb[t], H, cell, in_regs, accb); /* read first */
		if (FX_PER2(G * H / 8)) {
			fx_matvec2(K.Wh, K.GHp, La.hmem, Lb.hmem, H, G, acca, accb);
		} else {
			fx_matvec(K.Wh, K.GHp, La.h, La.hmem, in_regs, H, G, acca);
			fx_matvec(K.Wh, K.GHp, Lb.h, Lb.hmem, in_regs, H, G, accb);
		}
		outa[t] = fx_end(&K, &La, xa, H, cell, in_regs, acca);
		outb[t] = fx_end(&K, &Lb, xb, H, cell, in_regs, accb);
	}
	fx_lane_store(&La, H, cell);
	fx_lane_store(&Lb, H, cell);
}

#define FX_DEFINE(cellname, CELL, HH)                                                               \
	static void fx_##cellname##_##HH(RfxStream *st, const float *in, float *out, uint32_t n)     \
	{                                                                                            \
		fx_run(st, in, out, n, HH, CELL);                                                        \
	}                                                                                            \
	static void fxa_##cellname##_##HH(RfxStream *st, const float *in, float *out, uint32_t n)    \
	{                                                                                            \
		fx_run_any(st, in, out, n, HH, CELL);                                                   \
	}                                                                                            \
	static void fx2_##cellname##_##HH(RfxStream *a, RfxStream *b, const float *ina,              \
					   const float *inb, float *outa, float *outb, uint32_t n)        \
	{                                                                                            \
		fx_run2(a, b, ina, inb, outa, outb, n, HH, CELL);                                        \
	}
#define FX_DEFINE_ALL(cellname, CELL)                                                               \
	FX_DEFINE(cellname, CELL, 8)                                                                 \
	FX_DEFINE(cellname, CELL, 16)                                                                \
	FX_DEFINE(cellname, CELL, 24)                                                                \
	FX_DEFINE(cellname, CELL, 32)                                                                \
	FX_DEFINE(cellname, CELL, 40)                                                                \
	FX_DEFINE(cellname, CELL, 48)                                                                \
	FX_DEFINE(cellname, CELL, 56)                                                                \
	FX_DEFINE(cellname, CELL, 64)                                                                \
	static const RfxProcessFn fx_##cellname[FX_MAXB] = {                                         \
		fx_##cellname##_8, fx_##cellname##_16, fx_##cellname##_24, fx_##cellname##_32,           \
		fx_##cellname##_40, fx_##cellname##_48, fx_##cellname##_56, fx_##cellname##_64,          \
	};                                                                                           \
	static const RfxProcessFn fxa_##cellname[FX_MAXB] = {                                        \
		fxa_##cellname##_8, fxa_##cellname##_16, fxa_##cellname##_24, fxa_##cellname##_32,       \
		fxa_##cellname##_40, fxa_##cellname##_48, fxa_##cellname##_56, fxa_##cellname##_64,      \
	};                                                                                           \
	static const RfxPairFn fx2_##cellname[FX_MAXB] = {                                           \
		fx2_##cellname##_8, fx2_##cellname##_16, fx2_##cellname##_24, fx2_##cellname##_32,       \
		fx2_##cellname##_40, fx2_##cellname##_48, fx2_##cellname##_56, fx2_##cellname##_64,      \
	};
FX_DEFINE_ALL(rnn, RFX_CELL_RNN)
FX_DEFINE_ALL(gru, RFX_CELL_GRU)
FX_DEFINE_ALL(lstm, RFX_CELL_LSTM)

static int fx_covers(const RfxStream *st)
{
	return st->n_layers == 1 && st->mode == RFX_MODE_EFFECT && st->O == 1 && st->H % 8 == 0 &&
	       st->H <= 8 * FX_MAXB && !st->has_frontend;
}

/* The rest of the widths fx_covers takes: stacks, classifier and onset heads, front ends. */
static int fx_covers_any(const RfxStream *st)
{
	return !fx_covers(st) && st->H % 8 == 0 && st->H <= 8 * FX_MAXB &&
	       (st->mode != RFX_MODE_EFFECT || st->O == 1);
}

RfxProcessFn rfx_kernel_fx_avx2(const RfxStream *st)
{
	const int i = st->H / 8 - 1;
	if (fx_covers_any(st)) {
		switch (st->cell) {
		case RFX_CELL_RNN: return fxa_rnn[i];
		case RFX_CELL_GRU: return fxa_gru[i];
		case RFX_CELL_LSTM: return fxa_lstm[i];
		default: return NULL;
		}
	}
	if (!fx_covers(st))
		return NULL;
	switch (st->cell) {
	case RFX_CELL_RNN: return fx_rnn[i];
	case RFX_CELL_GRU: return fx_gru[i];
	case RFX_CELL_LSTM: return fx_lstm[i];
	default: return NULL;
	}
}

/* The shapes where a pair measured faster than two calls (docs/performance.md): the small,
 * latency-bound ones, where two recurrences overlap, and from 18 blocks the fused mat-vec, which
 * loads the weights once for both. In between, each step is bound by throughput and two in one
 * loop only add register pressure (GRU 32 112 -> 118 ns per channel, LSTM 32 184 -> 199), so
 * those pairs run as two calls. */
static int fx_pairs(const RfxStream *st)
{
	return FX_PAIRS(st->G, st->G * st->H / 8);
}

RfxPairFn rfx_kernel_fx_pair_avx2(const RfxStream *st)
{
	if (!fx_covers(st) || !fx_pairs(st))
		return NULL;
	const int i = st->H / 8 - 1;
	switch (st->cell) {
	case RFX_CELL_RNN: return fx2_rnn[i];
	case RFX_CELL_GRU: return fx2_gru[i];
	case RFX_CELL_LSTM: return fx2_lstm[i];
	default: return NULL;
	}
}

/* tests/test_activations.c's view of the specialised loops' activations (kernel_act.h), called with
 * constant counts as the loops call them: one vector (Estrin, or the rational form) or five
 * (Horner). */
void rfx_kernel_act_avx2_fx(RfxAct act, RfxActForm form, const float *x, float *y, size_t n)
{
	const int sig = act == RFX_ACT_SIGMOID;
	if (form == RFX_ACT_FX_EXP_HORNER) {
		for (size_t i = 0; i + 40 <= n; i += 40) {
			__m256 v[5];
			for (int k = 0; k < 5; k++)
				v[k] = _mm256_loadu_ps(x + i + 8 * k);
			if (sig)
				act_exp(v, 5, 0);
			else
				act_exp(v, 0, 5);
			for (int k = 0; k < 5; k++)
				_mm256_storeu_ps(y + i + 8 * k, v[k]);
		}
		return;
	}
	for (size_t i = 0; i + 8 <= n; i += 8) {
		__m256 v[1] = { _mm256_loadu_ps(x + i) };
		if (form == RFX_ACT_FX_RATIONAL && sig)
			act_rational(v, 1, 0, 0);
		else if (form == RFX_ACT_FX_RATIONAL)
			act_rational(v, 0, 1, 0);
		else if (sig)
			act_exp(v, 1, 0);
		else
			act_exp(v, 0, 1);
		_mm256_storeu_ps(y + i, v[0]);
	}
}
#else
typedef int rfx_kernel_avx2_fx_unused; /* ISO C wants something in a translation unit */
#endif
