/* The specialised loops' mat-vecs over bf16 pairs (RFX_WEIGHTS_BF16; kernel_avx2_fx.c): the same
 * sums from weights packed two to a 32-bit word (dsp/bf16.h): word j of a row holds what h[2j] and
 * h[2j + 1] multiply, the first widened by a shift, the second read as it is. Half the
 * bytes: GRU 64's recurrent weights (24 KB) stay in L1, where as floats (48 KB) each sample
 * streamed them from L2. Each block is one chain summed over k in order from its start value, as in
 * fx_matvec's one-pass form, so a stream gives the same bits as with those weights in floats. Taken
 * for GRU and LSTM from H = 48 on (18 blocks and more); below, and for an RNN (16 KB at H = 64),
 * the floats fit L1 and the shifts only cost. */
#ifndef RFX_KERNEL_AVX2_FX_BF16_H
#define RFX_KERNEL_AVX2_FX_BF16_H

#include <immintrin.h>
#include <stdint.h>

#include "kernel_avx2_fx_matvec.h" /* fx_spill, fx_fill */

static inline __m256 fxc_even(__m256i w)
{
	return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

#define FXC_PASS1(PER)                                                                              \
	static inline __attribute__((always_inline)) void fxc_pass1_##PER(                          \
		const uint32_t *restrict w, int GHp, const float *h, int H, float *restrict pre)   \
	{                                                                                           \
		__m256 a[PER];                                                                      \
		for (int q = 0; q < PER; q++)                                                       \
			a[q] = _mm256_load_ps(pre + 8 * q);                                         \
		for (int k = 0; k < H; k += 2, w += GHp) {                                          \
			const __m256 h0 = _mm256_broadcast_ss(h + k), h1 = _mm256_broadcast_ss(h + k + 1); \
			for (int q = 0; q < PER; q++) {                                             \
				const __m256i wq = _mm256_load_si256((const __m256i *)(w + 8 * q)); \
				a[q] = _mm256_fmadd_ps(h0, fxc_even(wq), a[q]);                     \
				a[q] = _mm256_fmadd_ps(h1, _mm256_castsi256_ps(wq), a[q]);          \
			}                                                                           \
		}                                                                                   \
		for (int q = 0; q < PER; q++)                                                       \
			_mm256_store_ps(pre + 8 * q, a[q]);                                         \
	}
FXC_PASS1(6)
FXC_PASS1(7)
FXC_PASS1(8)

/* Blocks per pass for every shape from H = 48 on (RNN 6, 7, 8 blocks; GRU 18, 21, 24; LSTM 24, 28,
 * 32): 8, 7 or 6, whichever divides the count. In 32 registers, one pass of up to 24 measured
 * slower (GRU 48 222 -> 387 ns), and so did pairs of 6 to 8 blocks (GRU 64 301 -> 306). */
#define FXC_PER(NQ) ((NQ) % 8 == 0 ? 8 : (NQ) % 7 == 0 ? 7 : 6)

static inline __attribute__((always_inline)) void fxc_pass1(int per, const uint32_t *restrict w,
							      int GHp, const float *h, int H,
							      float *restrict pre)
{
	switch (per) {
	case 8: fxc_pass1_8(w, GHp, h, H, pre); break;
	case 7: fxc_pass1_7(w, GHp, h, H, pre); break;
	default: fxc_pass1_6(w, GHp, h, H, pre); break;
	}
}

static inline __attribute__((always_inline)) void fxc_matvec(const uint32_t *restrict Whc, int GHp,
							       const float *hmem, int H, int G,
							       __m256 acc[][FX_MAXB])
{
	const int B = H / 8, NQ = G * B, per = FXC_PER(NQ);
	_Alignas(32) float pre[4 * 8 * FX_MAXB];
	fx_spill(acc, pre, H, G);
	for (int q0 = 0; q0 < NQ; q0 += per) {
		fxc_pass1(per, Whc + 8 * q0, GHp, hmem, H, pre + 8 * q0);
		__asm__ volatile("" ::: "memory"); /* keep the passes apart */
	}
	fx_fill(acc, pre, H, G);
}

/* The pair's: each word loaded and widened once for both streams (4 blocks a pass where the count
 * allows, else 3: 8 accumulators, 4 broadcasts). */
#define FXC_PASS2(PER)                                                                              \
	static inline __attribute__((always_inline)) void fxc_pass2_##PER(                          \
		const uint32_t *restrict w, int GHp, const float *ha, const float *hb, int H,      \
		float *restrict pa, float *restrict pb)                                             \
	{                                                                                           \
		__m256 a[PER], b[PER];                                                              \
		for (int q = 0; q < PER; q++) {                                                     \
			a[q] = _mm256_load_ps(pa + 8 * q);                                          \
			b[q] = _mm256_load_ps(pb + 8 * q);                                          \
		}                                                                                   \
		for (int k = 0; k < H; k += 2, w += GHp) {                                          \
			const __m256 ha0 = _mm256_broadcast_ss(ha + k), ha1 = _mm256_broadcast_ss(ha + k + 1); \
			const __m256 hb0 = _mm256_broadcast_ss(hb + k), hb1 = _mm256_broadcast_ss(hb + k + 1); \
			for (int q = 0; q < PER; q++) {                                             \
				const __m256i wq = _mm256_load_si256((const __m256i *)(w + 8 * q)); \
				const __m256 we = fxc_even(wq), wo = _mm256_castsi256_ps(wq);       \
				a[q] = _mm256_fmadd_ps(ha0, we, a[q]);                              \
				b[q] = _mm256_fmadd_ps(hb0, we, b[q]);                              \
				a[q] = _mm256_fmadd_ps(ha1, wo, a[q]);                              \
				b[q] = _mm256_fmadd_ps(hb1, wo, b[q]);                              \
			}                                                                           \
		}                                                                                   \
		for (int q = 0; q < PER; q++) {                                                     \
			_mm256_store_ps(pa + 8 * q, a[q]);                                          \
			_mm256_store_ps(pb + 8 * q, b[q]);                                          \
		}                                                                                   \
	}
FXC_PASS2(3)
FXC_PASS2(4)

static inline __attribute__((always_inline)) void fxc_matvec2(const uint32_t *restrict Whc, int GHp,
								const float *ha, const float *hb, int H,
								int G, __m256 acca[][FX_MAXB],
								__m256 accb[][FX_MAXB])
{
	const int B = H / 8, NQ = G * B, per = NQ % 4 == 0 ? 4 : 3;
	_Alignas(32) float prea[4 * 8 * FX_MAXB], preb[4 * 8 * FX_MAXB];
	fx_spill(acca, prea, H, G);
	fx_spill(accb, preb, H, G);
	for (int q0 = 0; q0 < NQ; q0 += per) {
		const uint32_t *w = Whc + 8 * q0;
		switch (per) {
		case 4: fxc_pass2_4(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0); break;
		default: fxc_pass2_3(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0); break;
		}
		__asm__ volatile("" ::: "memory");
	}
	fx_fill(acca, prea, H, G);
	fx_fill(accb, preb, H, G);
}

#endif
