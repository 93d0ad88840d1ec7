/* The AVX2 + FMA kernel's specialised loops, for H a multiple of 8 up to 64: one-layer effect
 * models (input 1, one output), one loop per cell and H, and their two-stream forms; and one loop per
 * cell and H for the rest (stacks, classifier and onset heads, front ends). Their activations are in
 * kernel_avx2_fx_act.h, their mat-vecs in kernel_avx2_fx_matvec.h (floats) and kernel_avx2_fx_bf16.h
 * (bf16 weight pairs). stream.c takes them
 * from the "avx2" row of the kernel table (kernel_table.c) when the stream's shape has one, and the
 * general loop (kernel_avx2.c) otherwise; the Makefile builds this file with -mavx2 -mfma
 * -ffp-contract=fast, as it does kernel_avx2.c.
 *
 * The file is built twice: as it is for the kernel table's "avx2" row, and through
 * kernel_avx512_fx.c with AVX-512VL for the "avx512" row: the same 256-bit vectors, but 32 vector
 * registers instead of 16, so more accumulators stay in registers; FX_REGS picks the mat-vec forms
 * for the count (kernel_avx2_fx_matvec.h).
 *
 * Unlike the general loop, these do not follow fastmath.h: their activations are cheaper
 * approximations of their own (kernel_avx2_fx_act.h), with the error bounds stated there,
 * in docs/performance.md ("Accuracy of the specialised loops") and asserted by
 * tests/test_activations.c. */
#include "kernel_isa.h"
#if RFX_KERNEL_X86
#ifndef RFX_KSUFFIX
#define RFX_KSUFFIX avx2
#endif
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
#ifdef __AVX512VL__
#define FX_REGS 32 /* vector registers the mat-vec forms may fill */
/* From how many blocks a pair fuses its mat-vecs (fx_matvec2, each weight loaded once for both):
 * with 32 registers each stream's one-pass mat-vec spills nothing up to 28 blocks, and on a 48 KB
 * L1 (the Intel VM) two of them measured faster than the fused form up to 24 blocks (GRU 48 187 ->
 * 169 ns per channel, GRU 64 404 -> 369, LSTM 48 343 -> 319). On a 32 KB L1 (Zen 4, the class
 * the goals are set on) 24 blocks leave L1, and the fused form with its passes in alternating
 * order is faster (GRU 64 ~405 -> ~350, LSTM 48 ~385 -> ~365); GRU 48's 18 blocks stay separate
 * (~185 against ~205); LSTM 64's 32 blocks gain from fusing on both (765 -> 700 on the VM). */
#define FX_FUSE2_MIN 24
#else
#define FX_REGS 16
#define FX_FUSE2_MIN 18
#endif

#include "kernel_avx2_fx_act.h"
#include "kernel_avx2_fx_matvec.h"
#include "kernel_avx2_fx_bf16.h"

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

/* The packed rows' stride (stream.c: G * H rounded up to RFX_PACK), as a constant of each loop, so
 * that every weight's address is a constant offset from a row's start instead of a product the
 * compiler keeps in (and, with 16 general registers, spills from) a register per row. */
#define FX_GHP(G, H) (((G) * (H) + RFX_PACK - 1) / RFX_PACK * RFX_PACK)

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
	const uint32_t *Whc;  /* Wh as bf16 pairs, where the loops read them so (H >= 48), or NULL */
	int skip;
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
	K->Whc = fx_gates(cell) * H / 8 >= 18 ? ly->Whc : NULL; /* GRU, LSTM from H = 48 */
	K->Wi = ly->Wi;
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

/* acc += the layer's own state times its recurrent weights: as bf16 pairs when the stream has them
 * (RFX_WEIGHTS_BF16) and H >= 48, else as floats. */
static inline __attribute__((always_inline)) void fx_matvec_h(const FxConst *K, const FxLane *L,
							       const int in_regs, const int H, const int G,
							       const int flip, __m256 acc[][FX_MAXB])
{
	if (H >= 48 && K->Whc) /* H: a constant, so the rest of the time no code for it */
		fxc_matvec(K->Whc, FX_GHP(G, H), L->hmem, H, G, acc);
	else
		fx_matvec(K->Wh, FX_GHP(G, H), L->h, L->hmem, in_regs, H, G, flip, acc);
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
		/* h' = (1 - z) n + z h: z h and 1 - z while tanh runs, one FMA after it (z (h - n) + n
		 * put a subtraction and an FMA after it: GRU 8 27.6-27.9 -> 26.8 ns, GRU 16 38.1 ->
		 * 37.8, Zen 4) */
		__m256 zh[FX_MAXB], omz[FX_MAXB];
		for (int b = 0; b < B; b++) {
			zh[b] = _mm256_mul_ps(a[B + b], h[b]);
			omz[b] = _mm256_sub_ps(_mm256_set1_ps(1.0f), a[B + b]);
		}
		act_fast(nn, 0, B);
		for (int b = 0; b < B; b++)
			h[b] = _mm256_fmadd_ps(omz[b], nn[b], zh[b]);
	} else {
		/* a: i, f, then o and g, or g and o where i, f and g are activated first (split) */
		const int ctr = FX_RATIONAL(4 * B), split = !ctr && B < 6;
		const int og = split ? 3 * B : 2 * B, gg = split ? 2 * B : 3 * B;
		for (int b = 0; b < B; b++) {
			a[b] = acc[0][b];      /* i */
			a[B + b] = acc[1][b];  /* f */
			a[og + b] = acc[3][b]; /* o */
			a[gg + b] = acc[2][b]; /* g */
		}
		/* From H = 48 (24 gate vectors, their weights partly in L2): o and g, whose chains end
		 * the step (g into c, o into h), in the short-chain form, and i, f in the exponential
		 * one; Zen 4 LSTM 48 395 -> 322 ns, LSTM 64 757 -> 715, pairs 365 -> 294 and 581 -> 531
		 * per channel; at H = 32, and with only g in it, no faster. From H = 16 to 40 (8 to 20
		 * vectors), i, f and g first and o after them, as c needs only those three: the same
		 * operations per vector, so the same bits; LSTM 40 215 -> 178 ns, AVX2 row LSTM 32 147
		 * -> 141, the rest unchanged (docs/performance.md). */
		if (!ctr && B >= 6) {
			act_exp(a, 2 * B, 0);             /* i, f */
			act_rational(a + 2 * B, B, B, 0); /* o, g */
		} else if (split) {
			act_exp_tab(a, 2 * B, B);  /* i, f, g */
			act_exp_tab(a + og, B, 0); /* o */
		} else {
			act_fast_c(a, 3 * B, B, ctr); /* i, f, o (less 1/2 when ctr), g */
		}
		/* f c + i g = (f - 1/2) c + c / 2 + i g: f's 1/2 off the critical path */
		const __m256 half = _mm256_set1_ps(0.5f);
		for (int b = 0; b < B; b++) {
			if (!ctr) {
				c[b] = _mm256_fmadd_ps(a[B + b], c[b], _mm256_mul_ps(a[b], a[gg + b]));
				continue;
			}
			const __m256 fc = _mm256_fmadd_ps(a[B + b], c[b], _mm256_mul_ps(half, c[b]));
			c[b] = _mm256_fmadd_ps(_mm256_add_ps(a[b], half), a[gg + b], fc);
			a[og + b] = _mm256_add_ps(a[og + b], half);
		}
		__m256 tc[FX_MAXB];
		for (int b = 0; b < B; b++)
			tc[b] = c[b];
		act_fast(tc, 0, B);
		for (int b = 0; b < B; b++) {
			h[b] = _mm256_mul_ps(a[og + b], tc[b]);
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
		fx_matvec_h(&K, &L, in_regs, H, G, t & 1, acc);
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
 * hidden part. Small widths run skewed (fx_run_skew), wide effect stacks layer by layer
 * (fx_run_lbl, below the tables), with this loop for the chunks that go non-finite. A one-layer
 * audio input takes fx_run's step.
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
							      const int in_regs, const int flip,
							      __m256 acc[][FX_MAXB], __m256 *inn)
{
	const int G = fx_gates(cell), B = H / 8;
	__m256 acci[4][FX_MAXB];
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++) {
			const int n_gate = cell == RFX_CELL_GRU && g == 2;
			acc[g][b] = n_gate ? k->bhn[b] : k->bsum[g][b];
			acci[g][b] = n_gate ? k->bsum[2][b] : _mm256_setzero_ps();
		}
	fx_matvec_h(k, self, in_regs, H, G, flip, acc);
	if (below)
		fx_matvec(k->Wi, FX_GHP(G, H), below->h, below->hmem, in_regs, H, G, flip, acci);
	else
		fx_matvec_in(k->Wi, FX_GHP(G, H), vin, n_in, H, G, acci);
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
								const int in_regs, const int flip,
								__m256 acc[][FX_MAXB], __m256 *inn)
{
	const int G = fx_gates(cell), B = H / 8;
	const __m256 xv = _mm256_set1_ps(x);
	for (int g = 0; g < G; g++)
		for (int b = 0; b < B; b++)
			acc[g][b] = (cell == RFX_CELL_GRU && g == 2) ? k->bhn[b]
								      : _mm256_fmadd_ps(xv, k->wi[g][b], k->bsum[g][b]);
	fx_matvec_h(k, self, in_regs, H, G, flip, acc);
	for (int b = 0; b < B && cell == RFX_CELL_GRU; b++)
		inn[b] = _mm256_fmadd_ps(xv, k->wi[2][b], k->bsum[2][b]);
}

/* The first n lanes of v to out (n >= 8: all eight), in whole stores: no masked store (vmaskmovps
 * is microcoded on AMD cores) and no vector stored for scalar loads to read back (a wide store
 * does not forward to narrower loads at other offsets: ~30 ns a sample for a 5-class head). */
static inline void fx_store_n(float *out, __m256 v, int n)
{
	if (n >= 8) {
		_mm256_storeu_ps(out, v);
		return;
	}
	__m128 q = _mm256_castps256_ps128(v);
	if (n >= 4) {
		_mm_storeu_ps(out, q);
		q = _mm256_extractf128_ps(v, 1);
		out += 4;
		n -= 4;
	}
	if (n >= 2) {
		_mm_storel_pi((__m64 *)out, q);
		q = _mm_movehl_ps(q, q);
		out += 2;
		n -= 2;
	}
	if (n)
		_mm_store_ss(out, q);
}

/* Lane-wise max or sum across a vector, in every lane. */
static inline __m256 fx_allmax(__m256 v)
{
	v = _mm256_max_ps(v, _mm256_permute2f128_ps(v, v, 1));
	v = _mm256_max_ps(v, _mm256_permute_ps(v, 0x4e));
	return _mm256_max_ps(v, _mm256_permute_ps(v, 0xb1));
}

static inline __m256 fx_allsum(__m256 v)
{
	v = _mm256_add_ps(v, _mm256_permute2f128_ps(v, v, 1));
	v = _mm256_add_ps(v, _mm256_permute_ps(v, 0x4e));
	return _mm256_add_ps(v, _mm256_permute_ps(v, 0xb1));
}

/* A classifier's or an onset model's head on the top layer's state h (in memory): the logits of the
 * up to 16 classes (RFX_MAX_CLASSES) in one or two vectors, from the transposed head (head_wt: each
 * h[k] times a row, in four chains), then softmax or sigmoid across them with no scalar code, in
 * place of O dot products each summed across lanes and rfx_kernel_probs' expf per class (with
 * fx_run_cls: GRU 16, 5 classes, 75 -> 60 ns a sample; docs/performance.md). */
static inline __attribute__((always_inline)) void fx_head_cls_nv(RfxStream *st, const float *h,
								  float *out, const int H, const int NV)
{
	const int Op = 8 * NV; /* head_wt's rows are 32-byte aligned (stream.c's carve) */
	__m256 a[2][4], l[2];
	for (int v = 0; v < NV; v++) {
		a[v][0] = _mm256_load_ps(st->head_bt + 8 * v);
		a[v][1] = a[v][2] = a[v][3] = _mm256_setzero_ps();
	}
	const float *w = st->head_wt;
	for (int k = 0; k < H; k += 4, w += 4 * Op) /* H: a multiple of 8 */
		for (int j = 0; j < 4; j++) {
			const __m256 hk = _mm256_broadcast_ss(h + k + j);
			for (int v = 0; v < NV; v++)
				a[v][j] = _mm256_fmadd_ps(hk, _mm256_load_ps(w + j * Op + 8 * v), a[v][j]);
		}
	for (int v = 0; v < NV; v++)
		l[v] = _mm256_add_ps(_mm256_add_ps(a[v][0], a[v][1]), _mm256_add_ps(a[v][2], a[v][3]));
	if (st->mode == RFX_MODE_ONSET) {
		act_exp(l, NV, 0);
	} else {
		const __m256 m = fx_allmax(NV > 1 ? _mm256_max_ps(l[0], l[1]) : l[0]);
		for (int v = 0; v < NV; v++)
			l[v] = fx_exp_neg(_mm256_sub_ps(l[v], m));
		const __m256 sum = fx_allsum(NV > 1 ? _mm256_add_ps(l[0], l[1]) : l[0]);
		for (int v = 0; v < NV; v++)
			l[v] = _mm256_div_ps(l[v], sum);
	}
	if (NV > 1)
		_mm256_storeu_ps(out, l[0]);
	fx_store_n(out + 8 * (NV - 1), l[NV - 1], st->O - 8 * (NV - 1));
}

/* The heads of c samples, their states in a row at h. */
static __attribute__((noinline)) void fx_heads_cls(RfxStream *st, const float *h, float *out, const int c,
						   const int H)
{
	for (int i = 0; i < c; i++)
		if (st->O > 8)
			fx_head_cls_nv(st, h + (size_t)i * H, out + (size_t)i * st->O, H, 2);
		else
			fx_head_cls_nv(st, h + (size_t)i * H, out + (size_t)i * st->O, H, 1);
}

/* One sample of a stack, every layer in turn, with the guards, and an effect's head (a classifier's
 * or onset model's state goes to htop for the caller's fx_heads_cls); returns the input as used. */
static inline __attribute__((always_inline)) float fx_any_step(RfxStream *st, const FxConst *K, FxLane *L,
								float x, float *out, const uint32_t t,
								const int NL, const int H,
								const RfxCellType cell, const int in_regs,
								float *htop)
{
	if (!isfinite(x)) {
		x = 0.0f;
		fx_deep_reset(st, L, NL, H, cell, in_regs);
	}
	__m256 acc[4][FX_MAXB], inn[FX_MAXB];
	if (st->has_frontend) {
		rfx_frontend_step(&st->fe, x, st->x);
		fx_pre_vec(&K[0], &L[0], NULL, st->x, st->n_inputs, H, cell, in_regs, t & 1, acc, inn);
	} else {
		fx_pre_audio(&K[0], &L[0], x, H, cell, in_regs, t & 1, acc, inn);
	}
	__m256 bad = fx_update(&L[0], inn, H, cell, in_regs, acc);
	for (int l = 1; l < NL; l++) {
		fx_pre_vec(&K[l], &L[l], &L[l - 1], NULL, 0, H, cell, in_regs, t & 1, acc, inn);
		bad = _mm256_or_ps(bad, fx_update(&L[l], inn, H, cell, in_regs, acc));
	}
	if (__builtin_expect(_mm256_movemask_ps(bad) != 0, 0))
		fx_deep_reset(st, L, NL, H, cell, in_regs);
	if (st->mode == RFX_MODE_EFFECT) {
		out[0] = fx_head(&K[NL - 1], &L[NL - 1], x, H);
		return x;
	}
	for (int b = 0; b < H / 8; b++)
		_mm256_store_ps(htop + 8 * b, L[NL - 1].h[b]); /* the caller runs the heads (fx_run_cls) */
	return x;
}

/* One step of the skewed stack (fx_run_skew): layer l at sample s - l, for the layers whose sample
 * is in [0, c) (all of them when `all`, a constant, so the steady state has no test). Every layer
 * first reads its input, the layer below's state from the step before, then all move on; no
 * layer's step waits for another's in the same step. */
static inline __attribute__((always_inline)) __m256 fx_skew_step(const FxConst *K, FxLane *L, const int NL,
								  const float *xb, float *out, const int s,
								  const int c, const uint32_t t0, const int all,
								  const int H, const RfxCellType cell,
								  const int in_regs)
{
	__m256 acc[FX_DEEP_MAX][4][FX_MAXB], inn[FX_DEEP_MAX][FX_MAXB];
	__m256 bad = _mm256_setzero_ps();
	int on = 0; /* the layers that step: a bit each */
	for (int l = 0; l < NL; l++)
		on |= (all || (s - l >= 0 && s - l < c)) << l;
	for (int l = 0; l < NL && !all; l++) /* (what the compiler cannot see: a layer that steps sets its own) */
		for (int b = 0; b < FX_MAXB; b++) {
			inn[l][b] = _mm256_setzero_ps();
			for (int g = 0; g < 4; g++)
				acc[l][g][b] = _mm256_setzero_ps();
		}
	for (int l = NL - 1; l >= 0; l--) {
		const int u = s - l;
		if (!(on >> l & 1))
			continue;
		if (l == 0)
			fx_pre_audio(&K[0], &L[0], xb[u], H, cell, in_regs, (t0 + u) & 1, acc[0], inn[0]);
		else
			fx_pre_vec(&K[l], &L[l], &L[l - 1], NULL, 0, H, cell, in_regs, (t0 + u) & 1, acc[l], inn[l]);
	}
	for (int l = NL - 1; l >= 0; l--)
		if (on >> l & 1)
			bad = _mm256_or_ps(bad, fx_update(&L[l], inn[l], H, cell, in_regs, acc[l]));
	const int u = s - (NL - 1);
	if (all || u >= 0)
		out[u] = fx_head(&K[NL - 1], &L[NL - 1], xb[u], H);
	return bad;
}

/* A chunk's inputs copied to xb (out may be in); whether they are all finite. */
static inline __attribute__((always_inline)) int fx_chunk_in(const float *in, float *xb, const int c)
{
	int finite = 1;
	for (int i = 0; i < c; i++) {
		xb[i] = in[i];
		finite &= isfinite(xb[i]);
	}
	return finite;
}

/* Every layer's state at a chunk's start, for running it again sample by sample. */
typedef struct {
	__m256 h[FX_DEEP_MAX][FX_MAXB], c[FX_DEEP_MAX][FX_MAXB];
} FxSaved;

static inline __attribute__((always_inline)) void fx_save(FxSaved *sv, const FxLane *L, const int NL,
							   const int H)
{
	for (int l = 0; l < NL; l++)
		for (int b = 0; b < H / 8; b++) {
			sv->h[l][b] = L[l].h[b];
			sv->c[l][b] = L[l].c[b];
		}
}

static inline __attribute__((always_inline)) void fx_restore(const FxSaved *sv, FxLane *L, const int NL,
							      const int H, const int in_regs)
{
	for (int l = 0; l < NL; l++)
		for (int b = 0; b < H / 8; b++) {
			L[l].h[b] = sv->h[l][b];
			L[l].c[b] = sv->c[l][b];
			if (!in_regs)
				_mm256_store_ps(L[l].hmem + 8 * b, sv->h[l][b]);
		}
}

/* A stack of small layers with audio input and the effect head, in chunks of up to FX_CHUNK samples,
 * skewed: step s runs layer l at sample s - l, so the layers' recurrences, each a chain of dependent
 * operations too short to fill the core, run side by side (2 x GRU 8 49 -> 35 ns, 2 x GRU 16 98 ->
 * 79, Zen 4). Layer after layer per sample, the core overlapped a layer's step with the next
 * layer's only as far as its scheduler reached. Each step does the unskewed loop's operations, so
 * the output has the same bits. The guards: a chunk with a non-finite input, or whose state goes
 * non-finite in any step, runs (again, from the state saved at its start and its inputs copied to
 * xb, as out may be in) sample by sample through fx_any_step, which resets as the generic loop does.
 * NL is a constant, so each step's layers are one block of code. */
#define FX_CHUNK 64
static inline __attribute__((always_inline)) void fx_run_skew(RfxStream *st, const FxConst *K, FxLane *L,
							       const float *in, float *out, const uint32_t n,
							       const int NL, const int H, const RfxCellType cell,
							       const int in_regs, float *htop)
{
	for (uint32_t t0 = 0; t0 < n;) {
		const int c = n - t0 < FX_CHUNK ? (int)(n - t0) : FX_CHUNK;
		float xb[FX_CHUNK];
		if (fx_chunk_in(in + t0, xb, c)) {
			FxSaved saved;
			fx_save(&saved, L, NL, H);
			__m256 bad = _mm256_setzero_ps();
			int s = 0;
			for (; s < NL - 1; s++) /* filling: the upper layers wait */
				bad = _mm256_or_ps(bad, fx_skew_step(K, L, NL, xb, out + t0, s, c, t0, 0, H, cell, in_regs));
			for (; s < c; s++)
				bad = _mm256_or_ps(bad, fx_skew_step(K, L, NL, xb, out + t0, s, c, t0, 1, H, cell, in_regs));
			for (; s < c + NL - 1; s++) /* draining: the lower layers are done */
				bad = _mm256_or_ps(bad, fx_skew_step(K, L, NL, xb, out + t0, s, c, t0, 0, H, cell, in_regs));
			if (__builtin_expect(_mm256_movemask_ps(bad) == 0, 1)) {
				st->x[0] = xb[c - 1];
				t0 += c;
				continue;
			}
			fx_restore(&saved, L, NL, H, in_regs);
		}
		for (int i = 0; i < c; i++)
			st->x[0] = fx_any_step(st, K, L, xb[i], out + t0 + i, t0 + i, NL, H, cell, in_regs, htop);
		t0 += c;
	}
}

#ifdef __AVX512F__
#include "kernel_avx512_fx_z.h" /* LSTM 32, GRU 48 and 64, 2 x GRU 16 in 512-bit vectors */
#endif

/* Which stacks run skewed: two layers of the small widths, whose steps are short chains. From
 * H = 24 a layer's step has enough independent work of its own (2 x GRU 32, 2 x LSTM 32: no faster,
 * Zen 4); three layers measured no faster skewed (3 x GRU 16 139.8 against 135-143 ns), and the
 * forms for 3 and 4 layers took this file's compile time from 33 to 63 s (23 before the skew). */
#define FX_SKEW(H) ((H) <= 16)

/* A classifier's or onset model's loop: the heads run a chunk at a time after the chunk's steps.
 * Each head is a chain of ~100 cycles that feeds nothing; behind every step it held the core's
 * reorder window (Zen 4, 5 classes: GRU 16 75 -> 60 ns, 2 x GRU 8 80 -> 55, 2 x LSTM 16 155 ->
 * 136), and a chunk's heads in a row overlap one another. */
static inline __attribute__((always_inline)) void fx_run_cls(RfxStream *st, const FxConst *K, FxLane *L,
							      const float *in, float *out, const uint32_t n,
							      const int NL, const int H, const RfxCellType cell,
							      const int in_regs)
{
	float x = st->x[0];
	for (uint32_t t0 = 0; t0 < n; t0 += RFX_SEQ_CHUNK) {
		const int c = n - t0 < RFX_SEQ_CHUNK ? (int)(n - t0) : RFX_SEQ_CHUNK;
		for (int i = 0; i < c; i++)
			x = fx_any_step(st, K, L, in[t0 + i], NULL, t0 + i, NL, H, cell, in_regs,
					st->seq + (size_t)i * H);
		fx_heads_cls(st, st->seq, out + (size_t)t0 * st->O, c, H);
	}
	if (!st->has_frontend)
		st->x[0] = x;
}

static inline __attribute__((always_inline)) void fx_run_any(RfxStream *st, const float *in, float *out,
							      uint32_t n, const int H,
							      const RfxCellType cell)
{
	const int in_regs = H <= 8, NL = st->n_layers, fe = st->has_frontend;
	FxConst K[FX_DEEP_MAX];
	FxLane L[FX_DEEP_MAX];
	/* Effects never store to it, but GCC's -Warray-bounds cannot see that through a NULL: scratch. */
	_Alignas(32) float htop[64];
	for (int l = 0; l < NL; l++) {
		fx_const_load(&K[l], st, l, H, cell);
		fx_lane_load(&L[l], st, l, H, cell, in_regs);
	}
	if (FX_SKEW(H) && st->mode == RFX_MODE_EFFECT && !fe && NL == 2) {
#ifdef __AVX512F__
		if (H == 16 && cell == RFX_CELL_GRU)
			fx_zrun_gru16x2(st, K, L, in, out, n, htop);
		else
#endif
			fx_run_skew(st, K, L, in, out, n, 2, H, cell, in_regs, htop);
	} else if (st->mode == RFX_MODE_EFFECT) {
		float x = st->x[0];
		for (uint32_t t = 0; t < n; t++)
			x = fx_any_step(st, K, L, in[t], out + t, t, NL, H, cell, in_regs, htop); /* in == out is fine */
		if (!fe)
			st->x[0] = x;
	} else {
		fx_run_cls(st, K, L, in, out, n, NL, H, cell, in_regs);
	}
	for (int l = 0; l < NL; l++)
		fx_lane_store(&L[l], H, cell);
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
		if (H >= 48 && K.Whc) {
			fxc_matvec2(K.Whc, FX_GHP(G, H), La.hmem, Lb.hmem, H, G, acca, accb);
		} else if (FX_PER2(G * H / 8) && G * H / 8 >= FX_FUSE2_MIN) {
			fx_matvec2(K.Wh, FX_GHP(G, H), La.hmem, Lb.hmem, H, G, t & 1, acca, accb);
		} else {
			/* never 24 blocks (fused above), so no order to alternate */
			fx_matvec(K.Wh, FX_GHP(G, H), La.h, La.hmem, in_regs, H, G, 0, acca);
			fx_matvec(K.Wh, FX_GHP(G, H), Lb.h, Lb.hmem, in_regs, H, G, 0, accb);
		}
		outa[t] = fx_end(&K, &La, xa, H, cell, in_regs, acca);
		outb[t] = fx_end(&K, &Lb, xb, H, cell, in_regs, accb);
	}
	fx_lane_store(&La, H, cell);
	fx_lane_store(&Lb, H, cell);
}

/* A one-layer effect's loop: fx_run, or its 512-bit form where the avx512 row has one (GRU 32
 * measured the same in it, 87.4 ns). */
static inline __attribute__((always_inline)) void fx_run_one(RfxStream *st, const float *in, float *out,
							      uint32_t n, const int H, const RfxCellType cell)
{
#ifdef __AVX512F__
	if (cell == RFX_CELL_LSTM && H == 32) {
		fx_zrun_lstm32(st, in, out, n);
		return;
	}
	if (cell == RFX_CELL_GRU && (H == 48 || H == 64) && !st->layer[0].Whc) { /* not bf16 */
		fx_zrun_gru(st, in, out, n, H);
		return;
	}
#endif
	fx_run(st, in, out, n, H, cell);
}

/* Named with the kernel's suffix (fx_gru_64_avx2, fx_gru_64_avx512): the two builds' loops are
 * told apart in a profile (bench/profile.sh). */
#define FX_DEFINE(cellname, CELL, HH)                                                               \
	static void KFN(fx_##cellname##_##HH)(RfxStream *st, const float *in, float *out, uint32_t n)     \
	{                                                                                            \
		fx_run_one(st, in, out, n, HH, CELL);                                                    \
	}                                                                                            \
	static void KFN(fxa_##cellname##_##HH)(RfxStream *st, const float *in, float *out, uint32_t n)    \
	{                                                                                            \
		fx_run_any(st, in, out, n, HH, CELL);                                                   \
	}                                                                                            \
	static void KFN(fx2_##cellname##_##HH)(RfxStream *a, RfxStream *b, const float *ina,              \
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
		KFN(fx_##cellname##_8), KFN(fx_##cellname##_16), KFN(fx_##cellname##_24), KFN(fx_##cellname##_32),           \
		KFN(fx_##cellname##_40), KFN(fx_##cellname##_48), KFN(fx_##cellname##_56), KFN(fx_##cellname##_64),          \
	};                                                                                           \
	static const RfxProcessFn fxa_##cellname[FX_MAXB] = {                                        \
		KFN(fxa_##cellname##_8), KFN(fxa_##cellname##_16), KFN(fxa_##cellname##_24), KFN(fxa_##cellname##_32),       \
		KFN(fxa_##cellname##_40), KFN(fxa_##cellname##_48), KFN(fxa_##cellname##_56), KFN(fxa_##cellname##_64),      \
	};                                                                                           \
	static const RfxPairFn fx2_##cellname[FX_MAXB] = {                                           \
		KFN(fx2_##cellname##_8), KFN(fx2_##cellname##_16), KFN(fx2_##cellname##_24), KFN(fx2_##cellname##_32),       \
		KFN(fx2_##cellname##_40), KFN(fx2_##cellname##_48), KFN(fx2_##cellname##_56), KFN(fx2_##cellname##_64),      \
	};
FX_DEFINE_ALL(rnn, RFX_CELL_RNN)
FX_DEFINE_ALL(gru, RFX_CELL_GRU)
FX_DEFINE_ALL(lstm, RFX_CELL_LSTM)

#include "kernel_avx2_fx_lbl.h" /* wide stacks layer by layer: fxl_rnn, fxl_gru, fxl_lstm */

/* The widths the loops are compiled for, packed with the stride they take as a constant (stream.c
 * always packs so). */
static int fx_width(const RfxStream *st)
{
	return st->H % 8 == 0 && st->H <= 8 * FX_MAXB && st->GHp == FX_GHP(fx_gates(st->cell), st->H);
}

static int fx_covers(const RfxStream *st)
{
	return fx_width(st) && st->n_layers == 1 && st->mode == RFX_MODE_EFFECT && st->O == 1 &&
	       !st->has_frontend;
}

/* The rest of the widths fx_covers takes: stacks, classifier and onset heads, front ends. */
static int fx_covers_any(const RfxStream *st)
{
	return !fx_covers(st) && fx_width(st) && (st->mode != RFX_MODE_EFFECT || st->O == 1) &&
	       (!st->has_frontend || st->fe.hop == 1); /* a hop: the network is 1/hop of the cost */
}

RfxProcessFn KFN(rfx_kernel_fx)(const RfxStream *st)
{
	const int i = st->H / 8 - 1;
	if (fx_covers_any(st) && st->mode == RFX_MODE_EFFECT && !st->has_frontend && st->n_layers >= 2 &&
	    !(FX_SKEW(st->H) && st->n_layers == 2)) {
		const RfxProcessFn f = st->cell == RFX_CELL_LSTM ? fxl_lstm[i] : st->cell == RFX_CELL_GRU ? fxl_gru[i] : fxl_rnn[i];
		if (f)
			return f;
	}
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
#ifdef __AVX512F__
	/* GRU 48 with float weights runs alone in 512-bit vectors (fx_run_one): 162 ns, against
	 * 180-184 per channel paired (Zen 4) */
	if (st->G == 3 && st->H == 48 && !st->layer[0].Whc)
		return 0;
#endif
	return FX_PAIRS(st->G, st->G * st->H / 8);
}

RfxPairFn KFN(rfx_kernel_fx_pair)(const RfxStream *st)
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
 * (the table form). */
#ifndef __AVX512VL__ /* one test hook: the activations are the same code in both builds */
void rfx_kernel_act_avx2_fx(RfxAct act, RfxActForm form, const float *x, float *y, size_t n)
{
	const int sig = act == RFX_ACT_SIGMOID;
	if (form == RFX_ACT_FX_EXP_TABLE) {
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
/* The same for the 512-bit LSTM 32 loop's state update (kernel_avx512_fx_z.h), 32 units a call. */
void rfx_kernel_lstm_update_avx512(const float *gates, float *c, float *h, size_t n)
{
	for (size_t i = 0; i + 32 <= n; i += 32) {
		__m512 acc[8], cv[2], hv[2];
		for (int g = 0; g < 4; g++)
			for (int j = 0; j < 2; j++)
				acc[2 * g + j] = _mm512_loadu_ps(gates + 4 * i + 32 * g + 16 * j);
		for (int j = 0; j < 2; j++)
			cv[j] = _mm512_loadu_ps(c + i + 16 * j);
		(void)z_lstm_update(acc, cv, hv);
		for (int j = 0; j < 2; j++) {
			_mm512_storeu_ps(c + i + 16 * j, cv[j]);
			_mm512_storeu_ps(h + i + 16 * j, hv[j]);
		}
	}
}
#endif
#else
typedef int rfx_kernel_avx2_fx_unused; /* ISO C wants something in a translation unit */
#endif
