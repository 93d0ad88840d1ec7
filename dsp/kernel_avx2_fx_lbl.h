/* rnnfx — the specialised loops' wide stacks, run layer by layer over chunks of samples
 * (kernel_avx2_fx.c). Included only by kernel_avx2_fx.c, after its one-layer steps and the
 * sample-by-sample loops (fxa_*) that the chunks going non-finite fall back to; built with its
 * flags (-mavx2 -mfma -ffp-contract=fast; FX_REGS, FX_MAXB and FX_SPLIT_MAX come from there). */
#ifndef RFX_KERNEL_AVX2_FX_LBL_H
#define RFX_KERNEL_AVX2_FX_LBL_H

/* Wider stacks run a chunk of samples through one layer at a time: layer 0's recurrence over the
 * chunk, its outputs kept; the next layer's input products for the whole chunk at once (a
 * matrix-matrix product, each weight loaded once for several samples and nothing waiting on the
 * recurrence); then that layer's recurrence, whose step is a one-layer step plus the products'
 * load; and so on up to the head. Sample by sample, a layer's input product waited for the layer
 * below and each layer's weights pushed the others' out of L1 (2 x GRU 32: 36 KB against 32 KB
 * of L1 on Zen 4); here each pass reads one or two matrices. Every pre-activation is the sample
 * by sample loop's sum in the same order (fx_pre_vec: the state's chains, the input's chains from
 * their own start, added at the end), so the output has the same bits. Only where the input's
 * mat-vec is one chain per block over k in order (more than FX_SPLIT_MAX blocks). The guards as
 * in fx_run_skew: a chunk with a non-finite input or state runs again sample by sample. */

/* proj[s][8q..] = init[8q..] + sum_k hin[s][k] Wi[k][8q..], for TS samples and PER blocks: each
 * block one chain over k in order, as fx_matvec's forms above FX_SPLIT_MAX blocks. */
#define FX_PROJ(PER, TS)                                                                            \
	static inline __attribute__((always_inline)) void fx_proj_##PER##_##TS(                     \
		const float *restrict w, int GHp, const float *hin, int H, const float *init,      \
		float *restrict proj, int ps)                                                       \
	{                                                                                           \
		__m256 a[TS][PER];                                                                  \
		for (int s = 0; s < TS; s++)                                                        \
			for (int q = 0; q < PER; q++)                                               \
				a[s][q] = _mm256_load_ps(init + 8 * q);                             \
		for (int k = 0; k < H; k++, w += GHp) {                                             \
			__m256 hk[TS];                                                              \
			for (int s = 0; s < TS; s++)                                                \
				hk[s] = _mm256_broadcast_ss(hin + s * H + k);                       \
			for (int q = 0; q < PER; q++) {                                             \
				const __m256 wq = _mm256_load_ps(w + 8 * q);                        \
				for (int s = 0; s < TS; s++)                                        \
					a[s][q] = _mm256_fmadd_ps(hk[s], wq, a[s][q]);              \
			}                                                                           \
		}                                                                                   \
		for (int s = 0; s < TS; s++)                                                        \
			for (int q = 0; q < PER; q++)                                               \
				_mm256_store_ps(proj + s * ps + 8 * q, a[s][q]);                    \
	}
/* Samples per tile for PER blocks: as many as the registers hold (TS x PER accumulators, TS
 * broadcasts and a weight). */
#if FX_REGS == 32
#define FX_PROJ_TS3 6
#define FX_PROJ_TS4 6
#define FX_PROJ_TS5 4
#define FX_PROJ_TS6 4
#define FX_PROJ_TS8 3
#else
#define FX_PROJ_TS3 3
#define FX_PROJ_TS4 2
#define FX_PROJ_TS5 2
#define FX_PROJ_TS6 2
#define FX_PROJ_TS8 1
#endif
#define FX_PROJ_X(PER, TS) FX_PROJ(PER, TS) /* TS expanded first */
#define FX_PROJ_BOTH(PER) FX_PROJ_X(PER, FX_PROJ_TS##PER) FX_PROJ(PER, 1)
FX_PROJ_BOTH(3)
FX_PROJ_BOTH(4)
FX_PROJ_BOTH(5)
FX_PROJ_BOTH(6)
#if FX_PROJ_TS8 > 1
FX_PROJ_BOTH(8)
#else
FX_PROJ(8, 1)
#endif
#define FX_PROJ_CALL(PER, TS) fx_proj_##PER##_##TS(w, GHp, hin + t * H, H, init + 8 * q0, proj + t * ps + 8 * q0, ps)
#define FX_PROJ_XCALL(PER, TS) FX_PROJ_CALL(PER, TS)
/* One tile of PER blocks from sample t on: TS samples if c has them, else 1. */
#define FX_PROJ_TILE(PER)                                                                           \
	do {                                                                                        \
		if (t + FX_PROJ_TS##PER <= c) {                                                     \
			FX_PROJ_XCALL(PER, FX_PROJ_TS##PER);                                        \
			t += FX_PROJ_TS##PER;                                                       \
		} else {                                                                            \
			FX_PROJ_CALL(PER, 1);                                                       \
			t++;                                                                        \
		}                                                                                   \
	} while (0)

/* The blocks per tile for NQ blocks: a divisor, so every tile is the same code. */
#define FX_PROJ_PER(NQ) (FX_PROJ_TS8 > 1 && (NQ) % 8 == 0 ? 8 : (NQ) % 6 == 0 ? 6 : (NQ) % 4 == 0 ? 4 : (NQ) % 5 == 0 ? 5 : 3)

/* The input products of a layer above the first for c samples of the layer below's outputs
 * (hin, c x H): proj[t] holds what fx_pre_vec's acci holds at the end. */
static inline __attribute__((always_inline)) void fx_proj(const FxConst *K, const float *hin, const int c,
							   const int H, const RfxCellType cell,
							   float *restrict proj, const int ps)
{
	const int G = fx_gates(cell), NQ = G * H / 8, GHp = FX_GHP(G, H), per = FX_PROJ_PER(NQ);
	_Alignas(32) float init[4 * 8 * FX_MAXB];
	for (int g = 0; g < G; g++)
		for (int b = 0; b < H / 8; b++)
			_mm256_store_ps(init + g * H + 8 * b, (cell == RFX_CELL_GRU && g == 2) ? K->bsum[2][b]
											: _mm256_setzero_ps());
	for (int q0 = 0; q0 < NQ; q0 += per) {
		const float *w = K->Wi + 8 * q0;
		for (int t = 0; t < c;)
			switch (per) {
			case 8: FX_PROJ_TILE(8); break;
			case 6: FX_PROJ_TILE(6); break;
			case 5: FX_PROJ_TILE(5); break;
			case 4: FX_PROJ_TILE(4); break;
			default: FX_PROJ_TILE(3); break;
			}
	}
}

/* One layer's recurrence over the chunk: layer 0 from the audio (proj NULL), a layer above from
 * its input products; its outputs to hout (c x H), or with `top` the head's to out. Returns the
 * non-finite lanes of any step's state. */
static inline __attribute__((always_inline)) __m256 fx_lbl_layer(const FxConst *K, FxLane *Lp,
								  const float *xb, const float *proj,
								  const int ps, float *hout, float *out,
								  const int c, const uint32_t t0, const int H,
								  const RfxCellType cell, const int top)
{
	const int G = fx_gates(cell), B = H / 8;
	FxLane L = *Lp; /* a local copy: its state stays in registers */
	__m256 bad = _mm256_setzero_ps();
	for (int t = 0; t < c; t++) {
		__m256 acc[4][FX_MAXB], inn[FX_MAXB];
		if (!proj) {
			fx_pre_audio(K, &L, xb[t], H, cell, 0, (t0 + t) & 1, acc, inn);
		} else {
			for (int g = 0; g < G; g++)
				for (int b = 0; b < B; b++)
					acc[g][b] = (cell == RFX_CELL_GRU && g == 2) ? K->bhn[b] : K->bsum[g][b];
			fx_matvec_h(K, &L, 0, H, G, (t0 + t) & 1, acc);
			const float *p = proj + (size_t)t * ps;
			for (int g = 0; g < G; g++)
				for (int b = 0; b < B; b++) {
					const __m256 pi = _mm256_load_ps(p + g * H + 8 * b);
					if (cell == RFX_CELL_GRU && g == 2)
						inn[b] = pi;
					else
						acc[g][b] = _mm256_add_ps(acc[g][b], pi);
				}
		}
		bad = _mm256_or_ps(bad, fx_update(&L, inn, H, cell, 0, acc));
		if (top) /* at run time: one copy of the loop for every layer above the first */
			out[t] = fx_head(K, &L, xb[t], H);
		else
			for (int b = 0; b < B; b++)
				_mm256_store_ps(hout + (size_t)t * H + 8 * b, L.h[b]);
	}
	*Lp = L;
	return bad;
}

/* A stack's loop layer by layer; `steps` is the shape's sample-by-sample loop (fx_run_any), for
 * the chunks that go non-finite. */
static inline __attribute__((always_inline)) void fx_run_lbl(RfxStream *st, const float *in, float *out,
							      const uint32_t n, const int H,
							      const RfxCellType cell, const RfxProcessFn steps)
{
	const int NL = st->n_layers, ps = st->GHp;
	float *hseq = st->seq, *proj = st->seq + (size_t)RFX_SEQ_CHUNK * H;
	FxConst K[FX_DEEP_MAX];
	FxLane L[FX_DEEP_MAX];
	for (int l = 0; l < NL; l++) {
		fx_const_load(&K[l], st, l, H, cell);
		fx_lane_load(&L[l], st, l, H, cell, 0);
	}
	for (uint32_t t0 = 0; t0 < n;) {
		const int c = n - t0 < RFX_SEQ_CHUNK ? (int)(n - t0) : RFX_SEQ_CHUNK;
		float xb[RFX_SEQ_CHUNK];
		if (fx_chunk_in(in + t0, xb, c)) {
			FxSaved saved;
			fx_save(&saved, L, NL, H);
			__m256 bad = fx_lbl_layer(&K[0], &L[0], xb, NULL, ps, hseq, NULL, c, t0, H, cell, 0);
			for (int l = 1; l < NL; l++) {
				fx_proj(&K[l], hseq, c, H, cell, proj, ps);
				bad = _mm256_or_ps(bad, fx_lbl_layer(&K[l], &L[l], xb, proj, ps, hseq, out + t0, c,
								     t0, H, cell, l == NL - 1));
			}
			if (__builtin_expect(_mm256_movemask_ps(bad) == 0, 1)) {
				t0 += c;
				continue;
			}
			fx_restore(&saved, L, NL, H, 0);
		}
		/* sample by sample from the chunk's start state (xb: out may be in) */
		for (int l = 0; l < NL; l++)
			fx_lane_store(&L[l], H, cell);
		steps(st, xb, out + t0, (uint32_t)c);
		for (int l = 0; l < NL; l++)
			fx_lane_load(&L[l], st, l, H, cell, 0);
		t0 += c;
	}
	for (int l = 0; l < NL; l++)
		fx_lane_store(&L[l], H, cell);
}

/* The shapes that run layer by layer: those whose input mat-vec is one chain per block (more than
 * FX_SPLIT_MAX blocks: GRU from H = 32, LSTM from 24 with 32 registers; GRU from 24, LSTM from 16
 * and RNN 56, 64 with 16), where it measured faster (Zen 4: 2 x GRU 32 374 -> 251 ns, 2 x LSTM
 * 32 530 -> 372-398, docs/performance.md). Smaller widths run skewed (2 layers) or sample by
 * sample, where the layers' chains overlap. Compiled for these shapes only: the loop and its
 * product tiles for every shape took this file's compile time from 38 to 93 s. */
#define FX_DEFINE_LBL(cellname, CELL, HH)                                                           \
	static void KFN(fxl_##cellname##_##HH)(RfxStream *st, const float *in, float *out, uint32_t n)    \
	{                                                                                            \
		fx_run_lbl(st, in, out, n, HH, CELL, KFN(fxa_##cellname##_##HH));                        \
	}
#define FXL(cellname, HH) [HH / 8 - 1] = KFN(fxl_##cellname##_##HH)
FX_DEFINE_LBL(gru, RFX_CELL_GRU, 32)
FX_DEFINE_LBL(gru, RFX_CELL_GRU, 40)
FX_DEFINE_LBL(gru, RFX_CELL_GRU, 48)
FX_DEFINE_LBL(gru, RFX_CELL_GRU, 56)
FX_DEFINE_LBL(gru, RFX_CELL_GRU, 64)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 24)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 32)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 40)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 48)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 56)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 64)
#if FX_REGS == 32
static const RfxProcessFn fxl_rnn[FX_MAXB] = { NULL };
static const RfxProcessFn fxl_gru[FX_MAXB] = { FXL(gru, 32), FXL(gru, 40), FXL(gru, 48), FXL(gru, 56), FXL(gru, 64) };
static const RfxProcessFn fxl_lstm[FX_MAXB] = { FXL(lstm, 24), FXL(lstm, 32), FXL(lstm, 40), FXL(lstm, 48),
						FXL(lstm, 56), FXL(lstm, 64) };
#else
FX_DEFINE_LBL(gru, RFX_CELL_GRU, 24)
FX_DEFINE_LBL(lstm, RFX_CELL_LSTM, 16)
FX_DEFINE_LBL(rnn, RFX_CELL_RNN, 56)
FX_DEFINE_LBL(rnn, RFX_CELL_RNN, 64)
static const RfxProcessFn fxl_rnn[FX_MAXB] = { FXL(rnn, 56), FXL(rnn, 64) };
static const RfxProcessFn fxl_gru[FX_MAXB] = { FXL(gru, 24), FXL(gru, 32), FXL(gru, 40), FXL(gru, 48), FXL(gru, 56),
					       FXL(gru, 64) };
static const RfxProcessFn fxl_lstm[FX_MAXB] = { FXL(lstm, 16), FXL(lstm, 24), FXL(lstm, 32), FXL(lstm, 40),
						FXL(lstm, 48), FXL(lstm, 56), FXL(lstm, 64) };
#endif
#undef FXL

#endif
