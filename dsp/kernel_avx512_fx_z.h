/* Some of the specialised loops (kernel_avx2_fx.c) in 512-bit vectors, for the "avx512" row only:
 * the one-layer LSTM 32, GRU 48 and GRU 64 effects (GRU with float weights; bf16 ones keep the
 * 256-bit loop) and the skewed two-layer GRU 16 effect. The GRU loops do, lane for lane, the
 * operations of the 256-bit loops they replace (the same chains over k in the same order, the
 * same activation forms), so the output has the same bits (tests/test_stream.c compares them with
 * the "avx2" row's); LSTM 32 has the same products but its own state update (z_lstm_update), with
 * two divisions where the 256-bit one has five, and matches it within rounding. On Zen 4 a
 * 512-bit operation occupies both 256-bit halves of a unit, so the FMA units do the same work;
 * what changes is that each operation is one entry in the core's queues instead of two, so the
 * reorder window reaches twice as far past a sample's chain of dependent operations. Zen 4,
 * alternating builds (docs/performance.md): LSTM 32 120.4 -> 114.5 ns (108.5 with its own
 * update), GRU 48 174.5 -> 164, GRU 64 397 -> 380, 2 x GRU 16 80 -> 74; GRU 32 the same (87.4),
 * so it stays 256-bit.
 * Included only by kernel_avx2_fx.c when built with AVX-512F (kernel_avx512_fx.c). */
#ifndef RFX_KERNEL_AVX512_FX_Z_H
#define RFX_KERNEL_AVX512_FX_Z_H

#include <immintrin.h>

/* Two 256-bit halves as one vector, and back. */
static inline __m512 z_join(__m256 lo, __m256 hi)
{
	return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)),
						   _mm256_castps_pd(hi), 1));
}

static inline __m256 z_lo(__m512 v)
{
	return _mm512_castps512_ps256(v);
}

static inline __m256 z_hi(__m512 v)
{
	return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/* The lanes of v that are NaN or +-Inf. */
static inline __mmask16 z_nonfinite(__m512 v)
{
	return _mm512_cmp_ps_mask(_mm512_sub_ps(v, v), _mm512_setzero_ps(), _CMP_NEQ_UQ);
}

/* The layer's initial state (fx_lane_reset) into h[0..NZ) (and c, for LSTM) and its copy hm. */
static inline __attribute__((always_inline)) void z_reset(const RfxPackedLayer *ly, const int NZ, __m512 *h,
							   __m512 *c, float *hm)
{
	for (int j = 0; j < NZ; j++) {
		h[j] = _mm512_loadu_ps(ly->h0 + 16 * j);
		if (c)
			c[j] = _mm512_loadu_ps(ly->c0 + 16 * j);
		_mm512_store_ps(hm + 16 * j, h[j]);
	}
}

/* The input as used: a non-finite one counts, resets the state and is taken as 0 (fx_begin). */
static inline __attribute__((always_inline)) float z_input(RfxStream *st, const RfxPackedLayer *ly, float x,
							    const int NZ, __m512 *h, __m512 *c, float *hm)
{
	if (!isfinite(x)) {
		x = 0.0f;
		st->nonfinite++;
		z_reset(ly, NZ, h, c, hm);
	}
	return x;
}

/* fx_head on h[0..NZ): its products in its order, on the 256-bit halves. */
static inline __attribute__((always_inline)) float z_head(const FxConst *K, const __m512 *h, const int NZ,
							   const float x)
{
	__m256 y = _mm256_mul_ps(K->hw[0], z_lo(h[0]));
	y = _mm256_fmadd_ps(K->hw[1], z_hi(h[0]), y);
	for (int j = 1; j < NZ; j++) {
		y = _mm256_fmadd_ps(K->hw[2 * j], z_lo(h[j]), y);
		y = _mm256_fmadd_ps(K->hw[2 * j + 1], z_hi(h[j]), y);
	}
	const float yo = K->hb + hsum8(y);
	return K->skip ? yo + x : yo;
}

/* act_rational (kernel_avx2_fx_act.h), operation for operation, on N <= 4 vectors. */
static inline __attribute__((always_inline)) void z_act_rational(__m512 *v, const int ns, const int nt,
								  const int centered)
{
	const int N = ns + nt;
	__m512 xc[4], u[4], u2[4], u4[4], P[4], Q[4];
	for (int i = 0; i < N; i++) {
		const float b = i < ns ? 18.0f : 9.0f;
		u[i] = _mm512_min_ps(_mm512_set1_ps(b * b), _mm512_mul_ps(v[i], v[i]));
		xc[i] = _mm512_max_ps(_mm512_set1_ps(-b), _mm512_min_ps(_mm512_set1_ps(b), v[i]));
	}
	for (int i = 0; i < N; i++)
		u2[i] = _mm512_mul_ps(u[i], u[i]);
	for (int i = 0; i < N; i++)
		u4[i] = _mm512_mul_ps(u2[i], u2[i]);
#define Z_P(i, k) _mm512_set1_ps((i) < ns ? fx_sig_p[k] : fx_tanh_p[k])
#define Z_Q(i, k) _mm512_set1_ps((i) < ns ? fx_sig_q[k] : fx_tanh_q[k])
	for (int i = 0; i < N; i++) {
		const __m512 pa = _mm512_fmadd_ps(Z_P(i, 1), u[i], Z_P(i, 0));
		const __m512 pb = _mm512_fmadd_ps(Z_P(i, 3), u[i], Z_P(i, 2));
		const __m512 qa = _mm512_fmadd_ps(Z_Q(i, 1), u[i], Z_Q(i, 0));
		const __m512 qb = _mm512_fmadd_ps(Z_Q(i, 3), u[i], Z_Q(i, 2));
		P[i] = _mm512_fmadd_ps(u2[i], pb, pa);
		Q[i] = _mm512_fmadd_ps(u2[i], qb, qa);
	}
	for (int i = 0; i < N; i++) {
		P[i] = _mm512_fmadd_ps(u4[i], Z_P(i, 4), P[i]);
		Q[i] = _mm512_fmadd_ps(u4[i], Z_Q(i, 4), Q[i]);
	}
#undef Z_P
#undef Z_Q
	for (int i = 0; i < N; i++) {
		v[i] = _mm512_div_ps(_mm512_mul_ps(xc[i], P[i]), Q[i]);
		if (i < ns && !centered)
			v[i] = _mm512_add_ps(v[i], _mm512_set1_ps(0.5f));
	}
}

/* act_exp_tab (kernel_avx2_fx_act.h), operation for operation, on N <= 8 vectors. Its table of
 * eight is repeated in both halves: vpermd on 16 lanes takes four index bits, the 256-bit one
 * three. */
static inline __attribute__((always_inline)) void z_act_exp_tab(__m512 *v, const int ns, const int nt)
{
	const int N = ns + nt;
	const float S = 8.0f;
	const __m256i t8 = _mm256_loadu_si256((const __m256i *)fx_exp2_tab);
	const __m512i tab = _mm512_inserti64x4(_mm512_castsi256_si512(t8), t8, 1);
	const __m512 shifter = _mm512_set1_ps(12583928.0f); /* 1.5*2^23 + 8*127 */
	__m512 t[8], r[8], p[8];
	for (int i = 0; i < N; i++) { /* fx_exp_reduce */
		if (i < ns) {
			const __m512 x = _mm512_max_ps(_mm512_set1_ps(-87.0f), _mm512_min_ps(_mm512_set1_ps(87.0f), v[i]));
			t[i] = _mm512_fmadd_ps(x, _mm512_set1_ps(-S * 1.44269504088896341f), shifter);
			r[i] = _mm512_fmadd_ps(_mm512_sub_ps(t[i], shifter), _mm512_set1_ps(0.693147180559945f / S), x);
		} else {
			const __m512 x = _mm512_max_ps(_mm512_set1_ps(-9.0f), _mm512_min_ps(_mm512_set1_ps(9.0f), v[i]));
			t[i] = _mm512_fmadd_ps(x, _mm512_set1_ps(2 * S * 1.44269504088896341f), shifter);
			r[i] = _mm512_fnmadd_ps(_mm512_sub_ps(t[i], shifter), _mm512_set1_ps(0.693147180559945f / (2 * S)), x);
		}
	}
	static const float c[5] = { 1.0f, 1.0f, 0.5f, 1.0f / 6, 1.0f / 24 };
#define Z_T(i, k) _mm512_set1_ps((i) < ns ? ((k) & 1 ? -c[k] : c[k]) : c[k] * (float)(1 << (k)))
	for (int i = 0; i < N; i++)
		p[i] = _mm512_fmadd_ps(Z_T(i, 4), r[i], Z_T(i, 3));
	for (int k = 2; k >= 0; k--)
		for (int i = 0; i < N; i++)
			p[i] = _mm512_fmadd_ps(p[i], r[i], Z_T(i, k));
#undef Z_T
	const __m512 one = _mm512_set1_ps(1.0f);
	for (int i = 0; i < N; i++) { /* fx_exp_finish */
		const __m512i ti = _mm512_castps_si512(t[i]);
		const __m512 s = _mm512_castsi512_ps(_mm512_add_epi32(_mm512_slli_epi32(ti, 20),
								      _mm512_permutexvar_epi32(ti, tab)));
		if (i < ns)
			v[i] = _mm512_div_ps(one, _mm512_fmadd_ps(p[i], s, one));
		else
			v[i] = _mm512_div_ps(_mm512_fmsub_ps(p[i], s, one), _mm512_fmadd_ps(p[i], s, one));
	}
}

/* e^-v for the first ns vectors (a sigmoid's) and e^2v for the next nt (a tanh's), as (1 + q) s:
 * u = -v or 2v, n = round(16 u / ln 2), s = 2^(n/16), r = u - n ln2 / 16 (|r| <= ln2 / 32) and
 * q = e^r - 1 by Taylor's degree 3 (relative error of 1 + q 9e-9). s is 2^floor(n/16) times
 * 2^(j/16), j = n & 15, from a table of sixteen: in 512 bits vpermd takes four index bits (the
 * 256-bit row's table has eight, and one degree more). q is kept apart from its 1 so that
 * e^u - 1 = q s + (s - 1) keeps its relative accuracy near u = 0 (the tanh of small values).
 * v is clamped to +-30 (sigmoid) and +-9 (tanh, which is +-1 in floats beyond), so that the LSTM
 * step's products of 1 + e^u stay finite. */
static const int32_t z_exp2_tab16[16] = { 0,	   -152893, -289342, -408621, -509968, -592590,
					  -655657, -698305, -719629, -718684, -694486, -646004,
					  -572163, -471841, -343865, -187011 }; /* 2^(j/16)'s mantissa less j << 19 */

static inline __attribute__((always_inline)) void z_exp16(const __m512 *v, const int ns, const int nt,
							   __m512 *q, __m512 *s)
{
	const float S = 16.0f;
	const __m512i tab = _mm512_loadu_si512(z_exp2_tab16);
	const __m512 shifter = _mm512_set1_ps(12584944.0f); /* 1.5*2^23 + 16*127 */
	static const float c[4] = { 1.0f, 1.0f, 0.5f, 1.0f / 6 }; /* 1 / k! */
	for (int i = 0; i < ns + nt; i++) {
		__m512 x, t, r;
		if (i < ns) { /* e^-v = 2^(n/16) e^-r, r = v + n ln2 / 16 */
			x = _mm512_max_ps(_mm512_set1_ps(-30.0f), _mm512_min_ps(_mm512_set1_ps(30.0f), v[i]));
			t = _mm512_fmadd_ps(x, _mm512_set1_ps(-S * 1.44269504088896341f), shifter);
			r = _mm512_fmadd_ps(_mm512_sub_ps(t, shifter), _mm512_set1_ps(0.693147180559945f / S), x);
		} else { /* e^2v = 2^(n/16) e^2r, r = v - n ln2 / 32 */
			x = _mm512_max_ps(_mm512_set1_ps(-9.0f), _mm512_min_ps(_mm512_set1_ps(9.0f), v[i]));
			t = _mm512_fmadd_ps(x, _mm512_set1_ps(2 * S * 1.44269504088896341f), shifter);
			r = _mm512_fnmadd_ps(_mm512_sub_ps(t, shifter), _mm512_set1_ps(0.693147180559945f / (2 * S)), x);
		}
#define Z_T(k) _mm512_set1_ps(i < ns ? ((k) & 1 ? -c[k] : c[k]) : c[k] * (float)(1 << (k)))
		q[i] = _mm512_mul_ps(_mm512_fmadd_ps(_mm512_fmadd_ps(Z_T(3), r, Z_T(2)), r, Z_T(1)), r);
#undef Z_T
		const __m512i ti = _mm512_castps_si512(t);
		s[i] = _mm512_castsi512_ps(_mm512_add_epi32(_mm512_slli_epi32(ti, 19), _mm512_permutexvar_epi32(ti, tab)));
	}
}

/* LSTM's state update for 32 units (two vectors each) from the gates' sums acc (i, f, g, o, two
 * vectors each, the packed rows' order): c = f c + i g, h = o tanh(c), with each sigmoid and tanh
 * a quotient of 1 +- e^u (z_exp16) and the quotients joined, so that the five divisions of
 * i, f, g, o and tanh(c) become two:
 *   c' = (c (1 + e^-i)(e^2g + 1) + (e^2g - 1)(1 + e^-f)) / ((1 + e^-i)(e^2g + 1)(1 + e^-f))
 *   h  = (e^2c' - 1) / ((e^2c' + 1)(1 + e^-o))
 * With z_exp16's clamps the denominators stay below e^78 (7.5e33) and c (1 + e^-i)(e^2g + 1)
 * finite while |c| < 4e17 (c moves by at most 1 a sample). Zen 4, LSTM 32: 114.1 -> 108.5 ns a
 * sample (docs/performance.md). Returns the lanes of c or h that are not finite. */
static inline __attribute__((always_inline)) __mmask16 z_lstm_update(const __m512 acc[8], __m512 c[2],
								      __m512 h[2])
{
	const __m512 a[8] = { acc[0], acc[1], acc[2], acc[3], acc[6], acc[7], acc[4], acc[5] }; /* i f o g */
	__m512 q[8], e[8], cq[2], ce[2];
	z_exp16(a, 6, 2, q, e);
	const __m512 one = _mm512_set1_ps(1.0f);
	for (int j = 0; j < 2; j++) {
		const __m512 i1 = _mm512_fmadd_ps(q[j], e[j], _mm512_add_ps(e[j], one)); /* 1 + e^-i */
		const __m512 f1 = _mm512_fmadd_ps(q[2 + j], e[2 + j], _mm512_add_ps(e[2 + j], one));
		const __m512 gp = _mm512_fmadd_ps(q[6 + j], e[6 + j], _mm512_add_ps(e[6 + j], one)); /* e^2g + 1 */
		const __m512 gm = _mm512_fmadd_ps(q[6 + j], e[6 + j], _mm512_sub_ps(e[6 + j], one)); /* e^2g - 1 */
		const __m512 A = _mm512_mul_ps(i1, gp);
		c[j] = _mm512_div_ps(_mm512_fmadd_ps(c[j], A, _mm512_mul_ps(gm, f1)), _mm512_mul_ps(A, f1));
	}
	z_exp16(c, 0, 2, cq, ce);
	__mmask16 bad = 0;
	for (int j = 0; j < 2; j++) {
		const __m512 o1 = _mm512_fmadd_ps(q[4 + j], e[4 + j], _mm512_add_ps(e[4 + j], one)); /* 1 + e^-o */
		const __m512 cp = _mm512_fmadd_ps(cq[j], ce[j], _mm512_add_ps(ce[j], one));
		const __m512 cm = _mm512_fmadd_ps(cq[j], ce[j], _mm512_sub_ps(ce[j], one));
		h[j] = _mm512_div_ps(cm, _mm512_mul_ps(cp, o1));
		bad |= z_nonfinite(c[j]) | z_nonfinite(h[j]);
	}
	return bad;
}

/* ---------------------------------------------------------------- one-layer LSTM 32
 *
 * fx_run's loop for LSTM 32: the accumulators started with the input projection, one chain per
 * vector over k in order (fx_matvec's one-pass form), as in fx_begin; then z_lstm_update, not the
 * 256-bit loop's activations (so not its bits: within 1e-5 of it and of PyTorch, tests/), the
 * guards and the head as in fx_update and fx_end. Gates in the packed rows: i, f, g, o, 32 floats
 * each, two vectors. */
static inline __attribute__((always_inline)) void fx_zrun_lstm32(RfxStream *st, const float *in, float *out,
								  const uint32_t n)
{
	enum { H = 32, GHp = FX_GHP(4, 32) };
	FxConst K;
	FxLane L;
	fx_const_load(&K, st, 0, H, RFX_CELL_LSTM);
	fx_lane_load(&L, st, 0, H, RFX_CELL_LSTM, 0);
	const RfxPackedLayer *ly = L.ly;
	__m512 wi[8], bs[8];
	for (int g = 0; g < 4; g++)
		for (int j = 0; j < 2; j++) {
			wi[2 * g + j] = z_join(K.wi[g][2 * j], K.wi[g][2 * j + 1]);
			bs[2 * g + j] = z_join(K.bsum[g][2 * j], K.bsum[g][2 * j + 1]);
		}
	__m512 h[2], c[2];
	_Alignas(64) float hm[H];
	for (int j = 0; j < 2; j++) {
		h[j] = z_join(L.h[2 * j], L.h[2 * j + 1]);
		c[j] = z_join(L.c[2 * j], L.c[2 * j + 1]);
		_mm512_store_ps(hm + 16 * j, h[j]);
	}
	float x = L.x;
	for (uint32_t t = 0; t < n; t++) {
		x = z_input(st, ly, in[t], 2, h, c, hm); /* in == out is fine */
		const __m512 xv = _mm512_set1_ps(x);
		__m512 acc[8];
		for (int q = 0; q < 8; q++)
			acc[q] = _mm512_fmadd_ps(xv, wi[q], bs[q]);
		const float *hp = hm;
		__asm__("" : "+r"(hp)); /* h[k] from memory, not from the registers GCC knows were stored */
		for (int k = 0; k < H; k++) {
			const __m512 hk = _mm512_set1_ps(hp[k]);
			const float *w = K.Wh + (size_t)k * GHp;
			for (int q = 0; q < 8; q++)
				acc[q] = _mm512_fmadd_ps(hk, _mm512_loadu_ps(w + 16 * q), acc[q]);
		}
		const __mmask16 bad = z_lstm_update(acc, c, h);
		for (int j = 0; j < 2; j++)
			_mm512_store_ps(hm + 16 * j, h[j]);
		if (__builtin_expect(bad != 0, 0)) {
			st->nonfinite++;
			z_reset(ly, 2, h, c, hm);
		}
		out[t] = z_head(&K, h, 2, x);
	}
	for (int j = 0; j < 2; j++) {
		L.h[2 * j] = z_lo(h[j]);
		L.h[2 * j + 1] = z_hi(h[j]);
		L.c[2 * j] = z_lo(c[j]);
		L.c[2 * j + 1] = z_hi(c[j]);
	}
	L.x = x;
	fx_lane_store(&L, H, RFX_CELL_LSTM);
}

/* ---------------------------------------------------------------- one-layer GRU 48 and 64
 *
 * fx_run's loop for GRU of H = 16 NZ: the accumulators started as fx_begin does (r, z with the input
 * projection, n's hidden part with b_hn), one chain per vector over k in order: in one pass at
 * H = 48 (fx_matvec's one-pass form), and at 64 in fx_matvec_big's four passes of 48 floats whose
 * order turns round every other sample (its L1 reasoning); r, z and n through the table form (six
 * or more 256-bit vectors: act_fast's choice), n's input part apart (fx_end), then fx_update's GRU
 * steps (ctr = 0), the guards and the head. (GRU 32 measured the same in 512 bits and keeps the
 * 256-bit loop.) */
static inline __attribute__((always_inline)) void fx_zrun_gru(RfxStream *st, const float *in, float *out,
							       const uint32_t n, const int H)
{
	enum { MAXZ = 4 };
	const int NZ = H / 16, GHp = FX_GHP(3, H);
	FxConst K;
	FxLane L;
	fx_const_load(&K, st, 0, H, RFX_CELL_GRU);
	fx_lane_load(&L, st, 0, H, RFX_CELL_GRU, 0);
	const RfxPackedLayer *ly = L.ly;
	__m512 wi[3 * MAXZ], bs[3 * MAXZ], bin[MAXZ], h[MAXZ];
	for (int j = 0; j < NZ; j++) {
		for (int g = 0; g < 3; g++) {
			wi[NZ * g + j] = z_join(K.wi[g][2 * j], K.wi[g][2 * j + 1]);
			bs[NZ * g + j] = g == 2 ? z_join(K.bhn[2 * j], K.bhn[2 * j + 1])
						: z_join(K.bsum[g][2 * j], K.bsum[g][2 * j + 1]);
		}
		bin[j] = z_join(K.bsum[2][2 * j], K.bsum[2][2 * j + 1]);
	}
	_Alignas(64) float hm[64];
	for (int j = 0; j < NZ; j++) {
		h[j] = z_join(L.h[2 * j], L.h[2 * j + 1]);
		_mm512_store_ps(hm + 16 * j, h[j]);
	}
	float x = L.x;
	for (uint32_t t = 0; t < n; t++) {
		x = z_input(st, ly, in[t], NZ, h, NULL, hm); /* in == out is fine */
		const __m512 xv = _mm512_set1_ps(x);
		__m512 acc[3 * MAXZ];
		for (int q = 0; q < 2 * NZ; q++)
			acc[q] = _mm512_fmadd_ps(xv, wi[q], bs[q]);
		for (int q = 2 * NZ; q < 3 * NZ; q++)
			acc[q] = bs[q];
		const float *hp = hm;
		__asm__("" : "+r"(hp)); /* h[k] from memory, not from the registers GCC knows were stored */
		if (H == 64) {
			for (int i = 0; i < 4; i++) {
				const int p = (t & 1) ? 3 - i : i;
				__m512 a0 = acc[3 * p], a1 = acc[3 * p + 1], a2 = acc[3 * p + 2];
				const float *w = K.Wh + 48 * p;
				for (int k = 0; k < H; k++, w += GHp) {
					const __m512 hk = _mm512_set1_ps(hp[k]);
					a0 = _mm512_fmadd_ps(hk, _mm512_loadu_ps(w), a0);
					a1 = _mm512_fmadd_ps(hk, _mm512_loadu_ps(w + 16), a1);
					a2 = _mm512_fmadd_ps(hk, _mm512_loadu_ps(w + 32), a2);
				}
				acc[3 * p] = a0;
				acc[3 * p + 1] = a1;
				acc[3 * p + 2] = a2;
				__asm__ volatile("" ::: "memory"); /* keep the passes apart */
			}
		} else {
			for (int k = 0; k < H; k++) {
				const __m512 hk = _mm512_set1_ps(hp[k]);
				const float *w = K.Wh + (size_t)k * GHp;
				for (int q = 0; q < 3 * NZ; q++)
					acc[q] = _mm512_fmadd_ps(hk, _mm512_loadu_ps(w + 16 * q), acc[q]);
			}
		}
		__m512 a[2 * MAXZ], nn[MAXZ], zh[MAXZ], omz[MAXZ];
		for (int q = 0; q < 2 * NZ; q++)
			a[q] = acc[q];
		z_act_exp_tab(a, 2 * NZ, 0); /* r, z */
		for (int j = 0; j < NZ; j++) {
			nn[j] = _mm512_fmadd_ps(a[j], acc[2 * NZ + j], _mm512_fmadd_ps(xv, wi[2 * NZ + j], bin[j]));
			zh[j] = _mm512_mul_ps(a[NZ + j], h[j]);
			omz[j] = _mm512_sub_ps(_mm512_set1_ps(1.0f), a[NZ + j]);
		}
		z_act_exp_tab(nn, 0, NZ);
		__mmask16 bad = 0;
		for (int j = 0; j < NZ; j++) {
			h[j] = _mm512_fmadd_ps(omz[j], nn[j], zh[j]);
			bad |= z_nonfinite(h[j]);
			_mm512_store_ps(hm + 16 * j, h[j]);
		}
		if (__builtin_expect(bad != 0, 0)) {
			st->nonfinite++;
			z_reset(ly, NZ, h, NULL, hm);
		}
		out[t] = z_head(&K, h, NZ, x);
	}
	for (int j = 0; j < NZ; j++) {
		L.h[2 * j] = z_lo(h[j]);
		L.h[2 * j + 1] = z_hi(h[j]);
	}
	L.x = x;
	fx_lane_store(&L, H, RFX_CELL_GRU);
}


/* ---------------------------------------------------------------- two-layer GRU 16, skewed
 *
 * fx_run_skew's loop for two GRU 16 layers: step s runs layer 1 at sample s - 1 and layer 0 at s,
 * in the order of fx_skew_step (layer 1's products, layer 0's, layer 1's state, layer 0's state,
 * the head), each gate one vector. The products are fx_matvec's split form (even k in one chain,
 * odd k in another, summed at the end); layer 1's own state's products and its input's are summed
 * apart and added, as fx_pre_vec does; the gates go through fx_update's GRU steps. A chunk whose
 * input or state goes non-finite runs again through fx_any_step (256-bit, the same bits).
 * The steps test which layers run (s < c, s >= 1) rather than splitting off a steady state with
 * both known: GCC 12 made that one straight block and spilled (2 x GRU 16 92 ns against 74). */
typedef struct {
	__m512 wi[3], bs[3], bhn;
	const float *Wh, *Wi;
} FxZGates;

/* acc[g] += sum_k h[k] W[k][16g..16g+16), even and odd k in two chains. */
static inline __attribute__((always_inline)) void z_matvec16(const float *W, const float *hm, __m512 acc[3])
{
	enum { GHp = FX_GHP(3, 16) };
	__m512 odd[3];
	__asm__("" : "+r"(hm)); /* h[k] from memory, not from the register GCC knows was stored */
	for (int g = 0; g < 3; g++)
		odd[g] = _mm512_setzero_ps();
	for (int k = 0; k < 16; k += 2) {
		const __m512 h0 = _mm512_set1_ps(hm[k]), h1 = _mm512_set1_ps(hm[k + 1]);
		const float *w0 = W + (size_t)k * GHp, *w1 = w0 + GHp;
		for (int g = 0; g < 3; g++) {
			acc[g] = _mm512_fmadd_ps(h0, _mm512_loadu_ps(w0 + 16 * g), acc[g]);
			odd[g] = _mm512_fmadd_ps(h1, _mm512_loadu_ps(w1 + 16 * g), odd[g]);
		}
	}
	for (int g = 0; g < 3; g++)
		acc[g] = _mm512_add_ps(acc[g], odd[g]);
}

/* fx_update's GRU steps for one vector of 16 units: r, z (less 1/2), n, the new h, to hm too. */
static inline __attribute__((always_inline)) __mmask16 z_gru_update(__m512 *h, const __m512 inn,
								     const __m512 acc[3], float *hm)
{
	const __m512 half = _mm512_set1_ps(0.5f);
	__m512 a[2] = { acc[0], acc[1] };
	z_act_rational(a, 2, 0, 1);
	__m512 nn = _mm512_fmadd_ps(a[0], acc[2], _mm512_fmadd_ps(half, acc[2], inn));
	const __m512 z = _mm512_add_ps(a[1], half);
	const __m512 zh = _mm512_mul_ps(z, *h), omz = _mm512_sub_ps(_mm512_set1_ps(1.0f), z);
	z_act_rational(&nn, 0, 1, 0);
	*h = _mm512_fmadd_ps(omz, nn, zh);
	_mm512_store_ps(hm, *h);
	return z_nonfinite(*h);
}

static inline __attribute__((always_inline)) void fx_zrun_gru16x2(RfxStream *st, const FxConst *K, FxLane *L,
								   const float *in, float *out, const uint32_t n,
								   float *htop)
{
	FxZGates Z[2];
	for (int l = 0; l < 2; l++) {
		for (int g = 0; g < 3; g++) {
			Z[l].wi[g] = z_join(K[l].wi[g][0], K[l].wi[g][1]);
			Z[l].bs[g] = z_join(K[l].bsum[g][0], K[l].bsum[g][1]);
		}
		Z[l].bhn = z_join(K[l].bhn[0], K[l].bhn[1]);
		Z[l].Wh = K[l].Wh;
		Z[l].Wi = K[l].Wi;
	}
	_Alignas(64) float hm0[16], hm1[16];
	for (uint32_t t0 = 0; t0 < n;) {
		const int c = n - t0 < FX_CHUNK ? (int)(n - t0) : FX_CHUNK;
		float xb[FX_CHUNK];
		if (fx_chunk_in(in + t0, xb, c)) {
			__m512 h0 = z_join(L[0].h[0], L[0].h[1]), h1 = z_join(L[1].h[0], L[1].h[1]);
			_mm512_store_ps(hm0, h0);
			_mm512_store_ps(hm1, h1);
			__mmask16 bad = 0;
			for (int s = 0; s <= c; s++) {
				const int on0 = s < c, on1 = s >= 1;
				__m512 acc0[3], acc1[3], inn0 = _mm512_setzero_ps(), inn1 = _mm512_setzero_ps();
				if (on1) { /* fx_pre_vec */
					__m512 acci[3] = { _mm512_setzero_ps(), _mm512_setzero_ps(), Z[1].bs[2] };
					acc1[0] = Z[1].bs[0];
					acc1[1] = Z[1].bs[1];
					acc1[2] = Z[1].bhn;
					z_matvec16(Z[1].Wh, hm1, acc1);
					z_matvec16(Z[1].Wi, hm0, acci);
					acc1[0] = _mm512_add_ps(acc1[0], acci[0]);
					acc1[1] = _mm512_add_ps(acc1[1], acci[1]);
					inn1 = acci[2];
				}
				if (on0) { /* fx_pre_audio */
					const __m512 xv = _mm512_set1_ps(xb[s]);
					acc0[0] = _mm512_fmadd_ps(xv, Z[0].wi[0], Z[0].bs[0]);
					acc0[1] = _mm512_fmadd_ps(xv, Z[0].wi[1], Z[0].bs[1]);
					acc0[2] = Z[0].bhn;
					z_matvec16(Z[0].Wh, hm0, acc0);
					inn0 = _mm512_fmadd_ps(xv, Z[0].wi[2], Z[0].bs[2]);
				}
				if (on1)
					bad |= z_gru_update(&h1, inn1, acc1, hm1);
				if (on0)
					bad |= z_gru_update(&h0, inn0, acc0, hm0);
				if (on1)
					out[t0 + s - 1] = z_head(&K[1], &h1, 1, xb[s - 1]);
			}
			if (__builtin_expect(bad == 0, 1)) {
				L[0].h[0] = z_lo(h0);
				L[0].h[1] = z_hi(h0);
				L[1].h[0] = z_lo(h1);
				L[1].h[1] = z_hi(h1);
				for (int l = 0; l < 2; l++)
					for (int b = 0; b < 2; b++)
						_mm256_store_ps(L[l].hmem + 8 * b, L[l].h[b]);
				st->x[0] = xb[c - 1];
				t0 += c;
				continue;
			}
		}
		/* a non-finite input, or a state gone non-finite: the chunk again, sample by sample,
		 * from the state at its start (still in L) */
		for (int i = 0; i < c; i++)
			st->x[0] = fx_any_step(st, K, L, xb[i], out + t0 + i, t0 + i, 2, 16, RFX_CELL_GRU, 0, htop);
		t0 += c;
	}
}

#endif
