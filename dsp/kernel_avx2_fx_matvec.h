/* The specialised loops' mat-vecs (kernel_avx2_fx.c): G gate blocks of h times the packed
 * recurrent weights, in the form that measured fastest for the block count (two chains per block,
 * one pass, or two passes through memory), and the pair's fused form that loads each weight once
 * for two streams. Included only by kernel_avx2_fx.c, which is built with -mavx2 -mfma
 * -ffp-contract=fast; FX_MAXB comes from there. */
#ifndef RFX_KERNEL_AVX2_FX_MATVEC_H
#define RFX_KERNEL_AVX2_FX_MATVEC_H

#include <immintrin.h>
#include <stddef.h>

/* h[k] for every lane: from its register (in_regs, H = 8: vpermps) or from the copy in memory
 * (vbroadcastss, a load port instead of the shuffle unit: faster from H = 16 on). */
static inline __m256 bcast_h(const __m256 *hv, const float *hmem, int k, int in_regs)
{
	if (in_regs)
		return _mm256_permutevar8x32_ps(hv[k >> 3], _mm256_set1_epi32(k & 7));
	return _mm256_broadcast_ss(hmem + k);
}

/* The accumulators to memory and back (`pre`, gate-major as the packed rows), around the forms that
 * run in passes so that no pass's results stay live in registers during the next. */
static inline __attribute__((always_inline)) void fx_spill(__m256 acc[][FX_MAXB], float *pre, int H, int G)
{
	for (int g = 0; g < G; g++)
		for (int b = 0; b < H / 8; b++)
			_mm256_store_ps(pre + g * H + 8 * b, acc[g][b]);
}

static inline __attribute__((always_inline)) void fx_fill(__m256 acc[][FX_MAXB], const float *pre, int H, int G)
{
	for (int g = 0; g < G; g++)
		for (int b = 0; b < H / 8; b++)
			acc[g][b] = _mm256_load_ps(pre + g * H + 8 * b);
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
	switch (per) {
	case 6: fx_pass1_6(w, GHp, h, H, pre); break;
	case 7: fx_pass1_7(w, GHp, h, H, pre); break;
	default: fx_pass1_8(w, GHp, h, H, pre); break;
	}
}

/* 24 blocks (GRU 64, LSTM 48): 48 and 36 KB of weights, more than a 32 KB L1 (Zen 4) holds. Read
 * in the same order every sample, they would all come from L2 every sample (the L1 keeps the most
 * recently used lines, and the oldest are the next needed). So the mat-vec runs in passes of 6
 * blocks, each over every k, and every other sample (flip) takes the passes in reverse order: a
 * sample starts with the passes the one before ended with, still in L1, and only the first pass
 * of the sample before (~a third) comes from L2. Each block is still one chain over k in order,
 * so the bits are the one-pass form's whatever the order, and block invariance does not depend on
 * flip. Zen 4 (docs/performance.md): GRU 64 498 -> ~410 ns, LSTM 48 477 -> ~370; the same
 * passes in the same order every sample 505 and 470; passes of 8 or 12 blocks, or software
 * prefetches, slower. */
static inline __attribute__((always_inline)) void fx_matvec_big(const float *restrict Wh, int GHp,
								  const float *hmem, int H, int G, int flip,
								  __m256 acc[][FX_MAXB])
{
	enum { PER = 6, NP = 4 };
	_Alignas(32) float pre[4 * 8 * FX_MAXB];
	fx_spill(acc, pre, H, G);
	for (int i = 0; i < NP; i++) {
		const int p = flip ? NP - 1 - i : i;
		fx_pass1_6(Wh + 8 * PER * p, GHp, hmem, H, pre + 8 * PER * p);
		__asm__ volatile("" ::: "memory"); /* keep the passes apart */
	}
	fx_fill(acc, pre, H, G);
}

/* G gate blocks of the pre-activation: acc[g][b] = init[g][b] + sum_k h[k] * Wh[k][g*H + 8b..].
 * With few output blocks (G * B <= FX_SPLIT_MAX) each gets two chains (even and odd k, summed at
 * the end) to hide the FMA latency; with more, the blocks themselves are enough chains. Up to 6
 * blocks (GRU 16, RNN 40 and 48) the 12 chains still fit 16 registers and halve the chain's
 * length: GRU 16 42 -> 38 ns, RNN 40 57 -> 49, RNN 48 69 -> 65 (4 blocks was the limit before).
 * The forms' limits by register count (A/B, docs/performance.md): two chains per block up to 6
 * blocks in 16 registers, 9 in 32 (GRU 24 59.5 -> 57.2 ns, LSTM 16 51.7 -> 48.5; at 12, GRU 32
 * lost 2 %: its FMA throughput, not the chain, is the bound); two passes from 13 blocks in 16
 * registers, none in 32 (GRU 40's 15 in one pass 135 -> 129; LSTM 32's 16, once faster in two
 * passes, 134 -> 127, are now faster in one, 128 -> 123 on Zen 4: 16 chains leave the FMA
 * latency slack that two passes of 8 did not).
 * flip: the sample's parity, for the 24-block form's order (fx_matvec_big); the bits never depend
 * on it. */
#define FX_SPLIT_MAX (FX_REGS == 32 ? 9 : 6)
#define FX_TWO_PASS_MIN (FX_REGS == 32 ? 17 : 13)
static inline __attribute__((always_inline)) void fx_matvec(const float *restrict Wh, int GHp,
							      const __m256 *hv, const float *hmem,
							      int in_regs, int H, int G, int flip,
							      __m256 acc[][FX_MAXB])
{
	const int B = H / 8;
	if (G * B <= FX_SPLIT_MAX) {
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
	/* Up to 12 blocks (16 registers; 16 in 32): one pass, every accumulator in a register. 13 to
	 * 16 in 16 registers (LSTM H = 32, GRU 40): two passes, each running over every
	 * k with its accumulators in registers, through `pre` in memory between them so no pass's
	 * results stay live in registers during the next (one pass would keep a few accumulators in
	 * memory, each FMA then waiting for a store to forward: 220 -> 186 ns for LSTM H = 32); h is
	 * read from memory there (H >= 32). 24 blocks: see fx_matvec_big. Else (18 or 32 blocks) one
	 * pass, with the compiler's spills in 16 registers, none in 32. */
	const int NQ = G * B;
	if (NQ == 24) {
		fx_matvec_big(Wh, GHp, hmem, H, G, flip, acc);
		return;
	}
	if (NQ < FX_TWO_PASS_MIN || NQ > 16) {
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
	fx_spill(acc, pre, H, G);
	const int first = (NQ + 1) / 2; /* 13..16 blocks: 7 + 6, 7 + 7, 8 + 7, 8 + 8 */
	fx_pass1(first, Wh, GHp, hmem, H, pre);
	__asm__ volatile("" ::: "memory"); /* keep the passes apart */
	fx_pass1(NQ - first, Wh + 8 * first, GHp, hmem, H, pre + 8 * first);
	fx_fill(acc, pre, H, G);
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
 * as in fx_matvec's forms for more than 4 blocks, so both streams get the same bits as alone. The
 * passes go backwards on every other sample (flip), for the reason fx_matvec_big gives. */
static inline __attribute__((always_inline)) void fx_matvec2(const float *restrict Wh, int GHp,
							       const float *ha, const float *hb,
							       int H, int G, int flip, __m256 acca[][FX_MAXB],
							       __m256 accb[][FX_MAXB])
{
	const int B = H / 8, NQ = G * B, per = FX_PER2(NQ);
	_Alignas(32) float prea[4 * 8 * FX_MAXB], preb[4 * 8 * FX_MAXB];
	fx_spill(acca, prea, H, G);
	fx_spill(accb, preb, H, G);
	for (int i = 0; i < NQ; i += per) {
		const int q0 = flip ? NQ - per - i : i;
		const float *w = Wh + 8 * q0;
		switch (per) {
		case 6: fx_pass2_6(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0); break;
		case 4: fx_pass2_4(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0); break;
		default: fx_pass2_3(w, GHp, ha, hb, H, prea + 8 * q0, preb + 8 * q0); break;
		}
		__asm__ volatile("" ::: "memory"); /* keep the passes apart */
	}
	fx_fill(acca, prea, H, G);
	fx_fill(accb, preb, H, G);
}

#endif
