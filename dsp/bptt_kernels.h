/* rnnfx — BPTT kernels for one segment: the forward with caching and its backward, side by side.
 *
 * Included by bptt_generic.c and bptt_avx2.c, which define RFX_KSUFFIX (kernel_isa.h); written
 * once so the two instruction sets cannot compute different things (they may differ in the last
 * bits: FMA). Each cell's step is cell_step.h's, the one the stream kernels call.
 * Loops are shaped for the auto-vectoriser: the innermost loop always runs over a contiguous
 * gate or hidden index with no reduction in it (float reductions do not vectorise without
 * -ffast-math, which we do not use so results stay reproducible).
 */
#include <string.h>

#include "bptt_impl.h"
#include "cell_step.h"
#include "kernel_isa.h"

/* Non-zero once the caller's cancel flag is up (rfx_bptt_set_cancel; defined in bptt.c, which
 * owns the flag). The loops below look every RFX_BPTT_POLL steps and return early, leaving caches
 * and the carried state unspecified, which the caller then discards. Guarded so the two
 * instruction-set builds of this file declare it once each. */
#ifndef RFX_BP_CANCEL_POLL_DECLARED
#define RFX_BP_CANCEL_POLL_DECLARED
int rfx_bp_cancel_poll(const RfxBptt *bp);
#define BP_POLL(bp, t) (((t) & (RFX_BPTT_POLL - 1)) == RFX_BPTT_POLL - 1 && rfx_bp_cancel_poll(bp))
#endif


/* Eight floats as one value (GCC/Clang vector extension): the generic build lowers it to two SSE
 * registers, the AVX2 build to one ymm. Accumulators declared this way stay in registers, where
 * float arrays of the same size were spilled to the stack by the vectoriser. aligned(4) and
 * may_alias make loads from any float pointer legal. */
typedef float KFN(v8f) __attribute__((vector_size(32), aligned(4), may_alias));
#define V8 KFN(v8f)
#define LD8(p) (*(const V8 *)(const void *)(p))
#define ST8(p, v) (*(V8 *)(void *)(p) = (v))

/* out[m] = init[m] + sum_k v[k] A[k][m] for m < M, A row-major with rows of `lda` floats; out may
 * be init (accumulate). Blocks of 32 (then 8) outputs stay in registers for the whole sum over k,
 * four independent multiply-add chains, so the loop is neither store- nor latency-bound. The
 * forward uses it with A = W^T (packed), the backward with A = W (PyTorch layout) for W^T d. */
static inline void KFN(gemv_t)(float *out, const float *init, const float *restrict A, size_t lda,
			       const float *restrict v, int K, int M)
{
	int m = 0;
	for (; m + 32 <= M; m += 32) {
		V8 a0 = LD8(init + m), a1 = LD8(init + m + 8), a2 = LD8(init + m + 16);
		V8 a3 = LD8(init + m + 24);
		for (int k = 0; k < K; k++) {
			const float vk = v[k];
			const float *restrict a = A + (size_t)k * lda + m;
			a0 += vk * LD8(a);
			a1 += vk * LD8(a + 8);
			a2 += vk * LD8(a + 16);
			a3 += vk * LD8(a + 24);
		}
		ST8(out + m, a0);
		ST8(out + m + 8, a1);
		ST8(out + m + 16, a2);
		ST8(out + m + 24, a3);
	}
	for (; m + 8 <= M; m += 8) {
		V8 a0 = LD8(init + m);
		for (int k = 0; k < K; k++)
			a0 += v[k] * LD8(A + (size_t)k * lda + m);
		ST8(out + m, a0);
	}
	for (; m < M; m++) {
		float acc = init[m];
		for (int k = 0; k < K; k++)
			acc += v[k] * A[(size_t)k * lda + m];
		out[m] = acc;
	}
}

/* out[m] = bias[m] + sum_k v[k] WT[k][m], m < M (WT packed [K][M]). */
static inline void KFN(matvec_t)(float *restrict out, const float *restrict bias,
				 const float *restrict WT, const float *restrict v, int K, int M)
{
	KFN(gemv_t)(out, bias, WT, (size_t)M, v, K, M);
}

/* out[k] += sum_m a[m] W[m][k]: the transpose product of the backward (W in PyTorch layout).
 * Here the outputs are few (H) and the sum is long (G H), and the next step of the backward waits
 * for the result. Blocks of 32 outputs have four chains already (gemv_t); narrower ones split the
 * sum over m between accumulators so they too have four (measured: GRU H=16 trains ~20% faster,
 * while splitting the 32-blocks as well made H=32 slower). */
static inline void KFN(matvec_acc)(float *out, const float *restrict a, const float *restrict W,
				   int M, int K)
{
	const V8 zero = { 0 };
	int k = K & ~31;
	if (k)
		KFN(gemv_t)(out, out, W, (size_t)K, a, M, k);
	for (; k + 16 <= K; k += 16) {
		V8 p0 = LD8(out + k), p1 = LD8(out + k + 8), q0 = zero, q1 = zero;
		int m = 0;
		for (; m + 2 <= M; m += 2) {
			const float *restrict w = W + (size_t)m * K + k;
			p0 += a[m] * LD8(w);
			p1 += a[m] * LD8(w + 8);
			q0 += a[m + 1] * LD8(w + K);
			q1 += a[m + 1] * LD8(w + K + 8);
		}
		if (m < M) {
			p0 += a[m] * LD8(W + (size_t)m * K + k);
			p1 += a[m] * LD8(W + (size_t)m * K + k + 8);
		}
		ST8(out + k, p0 + q0);
		ST8(out + k + 8, p1 + q1);
	}
	for (; k + 8 <= K; k += 8) {
		V8 p0 = LD8(out + k), q0 = zero, r0 = zero, s0 = zero;
		int m = 0;
		for (; m + 4 <= M; m += 4) {
			const float *restrict w = W + (size_t)m * K + k;
			p0 += a[m] * LD8(w);
			q0 += a[m + 1] * LD8(w + K);
			r0 += a[m + 2] * LD8(w + 2 * K);
			s0 += a[m + 3] * LD8(w + 3 * K);
		}
		for (; m < M; m++)
			p0 += a[m] * LD8(W + (size_t)m * K + k);
		ST8(out + k, (p0 + q0) + (r0 + s0));
	}
	if (k < K)
		KFN(gemv_t)(out + k, out + k, W + k, (size_t)K, a, M, K - k);
}

/* db[m] += sum_n A[n][m]. */
static inline void KFN(colsum_acc)(float *restrict db, const float *restrict A, size_t lda, int N,
				   int M)
{
	for (int n = 0; n < N; n++)
		for (int m = 0; m < M; m++)
			db[m] += A[(size_t)n * lda + m];
}

/* dW[m][k] += sum_n A[n][m] Bm[n][k] for k in [k0, k1), k1 - k0 <= 8: accumulated transposed in
 * tmp[k][m] so the inner loop runs over m. Used for narrow inputs (I = 1) and column tails. */
static void KFN(atb_narrow)(float *restrict dW, int M, int K, int k0, int k1,
			    const float *restrict A, size_t lda, const float *restrict Bm, size_t ldb,
			    int N, float *restrict tmp)
{
	const int nk = k1 - k0;
	memset(tmp, 0, sizeof *tmp * (size_t)nk * (size_t)M);
	for (int n = 0; n < N; n++) {
		const float *restrict a = A + (size_t)n * lda;
		for (int k = 0; k < nk; k++) {
			const float bk = Bm[(size_t)n * ldb + k0 + k];
			float *restrict tk = tmp + (size_t)k * M;
			for (int m = 0; m < M; m++)
				tk[m] += bk * a[m];
		}
	}
	for (int m = 0; m < M; m++)
		for (int k = 0; k < nk; k++)
			dW[(size_t)m * K + k0 + k] += tmp[(size_t)k * M + m];
}

/* dW[m][k] += sum_n A[n][m] Bm[n][k]  (dW [M][K] += A^T Bm): the weight gradient, summed over
 * all steps at once after the time loop instead of an outer product per step. Blocks of 4 rows
 * by 16 (or 8) columns stay in registers over the whole run of n. */
static void KFN(atb_acc)(float *restrict dW, int M, int K, const float *restrict A, size_t lda,
			 const float *restrict Bm, size_t ldb, int N, float *restrict tmp)
{
	const int M4 = M & ~3;
	int k0 = 0;
	for (; k0 + 16 <= K; k0 += 16)
		for (int m0 = 0; m0 < M4; m0 += 4) {
			const V8 zero = { 0 };
			V8 c[4][2] = { { zero, zero }, { zero, zero }, { zero, zero }, { zero, zero } };
			for (int n = 0; n < N; n++) {
				const float *restrict a = A + (size_t)n * lda + m0;
				const V8 b0 = LD8(Bm + (size_t)n * ldb + k0);
				const V8 b1 = LD8(Bm + (size_t)n * ldb + k0 + 8);
				for (int r = 0; r < 4; r++) {
					c[r][0] += a[r] * b0;
					c[r][1] += a[r] * b1;
				}
			}
			for (int r = 0; r < 4; r++) {
				float *d = dW + (size_t)(m0 + r) * K + k0;
				ST8(d, LD8(d) + c[r][0]);
				ST8(d + 8, LD8(d + 8) + c[r][1]);
			}
		}
	for (; k0 + 8 <= K; k0 += 8)
		for (int m0 = 0; m0 < M4; m0 += 4) {
			const V8 zero = { 0 };
			V8 c[4] = { zero, zero, zero, zero };
			for (int n = 0; n < N; n++) {
				const float *restrict a = A + (size_t)n * lda + m0;
				const V8 b0 = LD8(Bm + (size_t)n * ldb + k0);
				for (int r = 0; r < 4; r++)
					c[r] += a[r] * b0;
			}
			for (int r = 0; r < 4; r++) {
				float *d = dW + (size_t)(m0 + r) * K + k0;
				ST8(d, LD8(d) + c[r]);
			}
		}
	/* Rows past the last block of 4 (M = O = 1 for the head, odd G H) and the last < 8 columns. */
	if (M4 < M && k0 > 0)
		for (int m = M4; m < M; m++)
			KFN(atb_narrow)(dW + (size_t)m * K, 1, K, 0, k0, A + m, lda, Bm, ldb, N, tmp);
	for (; k0 < K; k0 += 8)
		KFN(atb_narrow)(dW, M, K, k0, k0 + 8 < K ? k0 + 8 : K, A, lda, Bm, ldb, N, tmp);
}

/* ---------------------------------------------------------------- one step of each cell */

/* The forward of each cell is cell_step.h's, on xp = W_ih x + b_ih (computed for the whole window
 * first) and gh = W_hh h_prev + b_hh; the training forward adds the cache row. */

/* rnn:  h = tanh(xp + W_hh h_prev + b_hh)  (rfx_rnn_step) */
static inline void KFN(rnn_forward)(const RfxBptt *bp, const RfxBpLayer *ly, const float *restrict bh,
				    const float *restrict xp, const float *restrict hp, float *restrict h, float *restrict gh)
{
	const int H = bp->H;
	KFN(matvec_t)(gh, bh, ly->WhT, hp, H, H);
	for (int j = 0; j < H; j++)
		h[j] = rfx_rnn_step(xp[j], gh[j]);
}

/* dpre = dh (1 - h^2);  dh_prev = W_hh^T dpre */
static inline void KFN(rnn_backward)(const RfxBptt *bp, const float *restrict Wh, const float *restrict h,
				     float *restrict dh, float *restrict dg, float *restrict dnew)
{
	const int H = bp->H;
	for (int j = 0; j < H; j++) {
		dg[j] = dh[j] * (1.0f - h[j] * h[j]);
		dnew[j] = 0.0f;
	}
	KFN(matvec_acc)(dnew, dg, Wh, H, H);
	memcpy(dh, dnew, sizeof *dh * (size_t)H);
}

/* gru:  hh = W_hh h_prev + b_hh;  r = s(xp_r + hh_r);  z = s(xp_z + hh_z);
 *       n = tanh(xp_n + r hh_n);  h = (1 - z) n + z h_prev (as n + z (h_prev - n)).
 *       Caches r, z, n, hh_n.  (rfx_gru_step) */
static inline void KFN(gru_forward)(const RfxBptt *bp, const RfxBpLayer *ly, const float *restrict bh,
				    const float *restrict xp, const float *restrict hp, float *restrict h, float *restrict gc, float *restrict gh)
{
	const int H = bp->H;
	KFN(matvec_t)(gh, bh, ly->WhT, hp, H, 3 * H);
	for (int j = 0; j < H; j++) {
		const RfxGruStep u = RFX_GRU_STEP(xp, gh, hp[j], H, j);
		h[j] = u.h;
		gc[j] = u.r;
		gc[H + j] = u.z;
		gc[2 * H + j] = u.n;
		gc[3 * H + j] = gh[2 * H + j];
	}
}

static inline void KFN(gru_backward)(const RfxBptt *bp, const float *restrict Wh, const float *restrict gc,
				     const float *restrict hp, float *restrict dh, float *restrict dgi, float *restrict dgh, float *restrict dnew)
{
	const int H = bp->H;
	for (int j = 0; j < H; j++) {
		const float r = gc[j], z = gc[H + j], n = gc[2 * H + j], hn = gc[3 * H + j];
		const float d = dh[j];
		const float dn = d * (1.0f - z);          /* h = (1 - z) n + ... */
		const float dz = d * (hp[j] - n);         /* h = ... - z n + z h_prev */
		const float dnp = dn * (1.0f - n * n);    /* n = tanh(npre) */
		const float dr = dnp * hn;                /* npre = xp_n + r hh_n */
		dgi[j] = dgh[j] = dr * r * (1.0f - r);    /* r = s(rpre) */
		dgi[H + j] = dgh[H + j] = dz * z * (1.0f - z);
		dgi[2 * H + j] = dnp;
		dgh[2 * H + j] = dnp * r;                 /* hh_n enters multiplied by r */
		dnew[j] = d * z;                          /* h = ... + z h_prev */
	}
	KFN(matvec_acc)(dnew, dgh, Wh, 3 * H, H);
	memcpy(dh, dnew, sizeof *dh * (size_t)H);
}

/* lstm: g4 = xp + W_hh h_prev + b_hh;  i, f, o = s(.), g = tanh(.);  c = f c_prev + i g;
 *       h = o tanh(c).   Caches i, f, g, o, tanh(c).  (rfx_lstm_step) */
static inline void KFN(lstm_forward)(const RfxBptt *bp, const RfxBpLayer *ly, const float *restrict bh,
				     const float *restrict xp, const float *restrict hp, const float *restrict cp, float *restrict h,
				     float *restrict c, float *restrict gc, float *restrict gh)
{
	const int H = bp->H;
	KFN(matvec_t)(gh, bh, ly->WhT, hp, H, 4 * H);
	for (int j = 0; j < H; j++) {
		const RfxLstmStep u = RFX_LSTM_STEP(xp, gh, cp[j], H, j);
		c[j] = u.c;
		h[j] = u.h;
		gc[j] = u.i;
		gc[H + j] = u.f;
		gc[2 * H + j] = u.g;
		gc[3 * H + j] = u.o;
		gc[4 * H + j] = u.tc;
	}
}

static inline void KFN(lstm_backward)(const RfxBptt *bp, const float *restrict Wh, const float *restrict gc,
				      const float *restrict cp, float *restrict dh, float *restrict dc, float *restrict dg, float *restrict dnew)
{
	const int H = bp->H;
	for (int j = 0; j < H; j++) {
		const float i = gc[j], f = gc[H + j], g = gc[2 * H + j], o = gc[3 * H + j];
		const float tc = gc[4 * H + j];
		const float d = dh[j];
		const float dcj = dc[j] + d * o * (1.0f - tc * tc); /* h = o tanh(c) */
		dg[j] = dcj * g * i * (1.0f - i);                   /* c = ... + i g */
		dg[H + j] = dcj * cp[j] * f * (1.0f - f);           /* c = f c_prev + ... */
		dg[2 * H + j] = dcj * i * (1.0f - g * g);
		dg[3 * H + j] = d * tc * o * (1.0f - o);
		dc[j] = dcj * f;
		dnew[j] = 0.0f;
	}
	KFN(matvec_acc)(dnew, dg, Wh, 4 * H, H);
	memcpy(dh, dnew, sizeof *dh * (size_t)H);
}

/* ---------------------------------------------------------------- one segment */

/* Slot b's rows of a cache: hs and cs have T+1 rows of H, gc T rows of GS. */
static inline float *KFN(slot)(float *base, const RfxBptt *bp, int b)
{
	return base + (size_t)b * bp->hs_stride;
}

static inline float *KFN(gslot)(float *base, const RfxBptt *bp, int b)
{
	return base + (size_t)b * bp->gc_stride;
}

/* Layer l over T steps from the slot's carried state; leaves the final state carried. */
static void KFN(layer_forward)(RfxBptt *bp, RfxBpScratch *sc, int l, int b, const float *x,
			       int T)
{
	const RfxBpLayer *ly = &bp->layer[l];
	const int H = bp->H, GH = bp->GH, I = ly->n_in;
	const float *p = bp->model->params;
	const float *bi = p + ly->off_bi, *bh = p + ly->off_bh;
	float *hs = KFN(slot)(ly->hs, bp, b), *cs = ly->cs ? KFN(slot)(ly->cs, bp, b) : NULL;
	float *gc = ly->gc ? KFN(gslot)(ly->gc, bp, b) : NULL;
	float *st = bp->state + (size_t)b * 2 * bp->L * H;
	memcpy(hs, st + (size_t)l * H, sizeof *hs * (size_t)H);
	if (cs)
		memcpy(cs, st + (size_t)(bp->L + l) * H, sizeof *cs * (size_t)H);
	/* The input projection has no recurrence, so it runs for the whole window first. */
	for (int t = 0; t < T; t++) {
		KFN(matvec_t)(sc->xp + (size_t)t * GH, bi, ly->WiT, x + (size_t)t * I, I, GH);
		if (BP_POLL(bp, t))
			return;
	}
	for (int t = 0; t < T; t++) {
		if (BP_POLL(bp, t))
			return;
		const float *xp = sc->xp + (size_t)t * GH, *hp = hs + (size_t)t * H;
		float *h = hs + (size_t)(t + 1) * H;
		switch (bp->cell) {
		case RFX_CELL_RNN:
			KFN(rnn_forward)(bp, ly, bh, xp, hp, h, sc->gates);
			break;
		case RFX_CELL_GRU:
			KFN(gru_forward)(bp, ly, bh, xp, hp, h, gc + (size_t)t * bp->GS, sc->gates);
			break;
		default:
			KFN(lstm_forward)(bp, ly, bh, xp, hp, cs + (size_t)t * H, h,
					  cs + (size_t)(t + 1) * H, gc + (size_t)t * bp->GS, sc->gates);
			break;
		}
	}
	memcpy(st + (size_t)l * H, hs + (size_t)T * H, sizeof *hs * (size_t)H);
	if (cs)
		memcpy(st + (size_t)(bp->L + l) * H, cs + (size_t)T * H, sizeof *cs * (size_t)H);
}

/* y[t][o] = head.bias[o] + head.weight[o] . h_top[t]  (+ x[t][0] with skip) */
void KFN(rfx_bp_seg_forward)(RfxBptt *bp, RfxBpScratch *sc, int b, const float *x, int T, float *y)
{
	const int H = bp->H, O = bp->O, L = bp->L;
	for (int l = 0; l < L; l++) {
		const float *in = l == 0 ? x : KFN(slot)(bp->layer[l - 1].hs, bp, b) + H;
		KFN(layer_forward)(bp, sc, l, b, in, T);
		if (rfx_bp_cancel_poll(bp))
			return;
	}
	const float *p = bp->model->params;
	const float *Wo = p + bp->off_hw, *bo = p + bp->off_hb;
	const float *hs = KFN(slot)(bp->layer[L - 1].hs, bp, b) + H;
	for (int t = 0; t < T; t++) {
		const float *h = hs + (size_t)t * H;
		for (int o = 0; o < O; o++) {
			float s = bo[o];
			for (int k = 0; k < H; k++)
				s += Wo[(size_t)o * H + k] * h[k];
			y[(size_t)t * O + o] = bp->skip ? s + x[(size_t)t * bp->I] : s;
		}
	}
}

/* Backward through layer l's time loop: reads sc->dhin (dLoss/dh_t from above), leaves the
 * gate gradients in sc->xp (ih) and sc->dgh (hh), adds h0/c0 gradients. */
static void KFN(layer_backward_time)(const RfxBptt *bp, RfxBpScratch *sc, int l, int b, int T,
				     float *g)
{
	const RfxBpLayer *ly = &bp->layer[l];
	const int H = bp->H, GH = bp->GH;
	const float *Wh = bp->model->params + ly->off_wh;
	const float *hs = KFN(slot)(ly->hs, bp, b);
	const float *cs = ly->cs ? KFN(slot)(ly->cs, bp, b) : NULL;
	const float *gc = ly->gc ? KFN(gslot)(ly->gc, bp, b) : NULL;
	memset(sc->dh, 0, sizeof *sc->dh * (size_t)H);
	memset(sc->dc, 0, sizeof *sc->dc * (size_t)H);
	for (int t = T - 1; t >= 0; t--) {
		if (BP_POLL(bp, t))
			return;
		const float *dhin = sc->dhin + (size_t)t * H;
		for (int j = 0; j < H; j++)
			sc->dh[j] += dhin[j];
		float *dgi = sc->xp + (size_t)t * GH, *dgh = sc->dgh + (size_t)t * GH;
		switch (bp->cell) {
		case RFX_CELL_RNN:
			KFN(rnn_backward)(bp, Wh, hs + (size_t)(t + 1) * H, sc->dh, dgi, sc->dnew);
			break;
		case RFX_CELL_GRU:
			KFN(gru_backward)(bp, Wh, gc + (size_t)t * bp->GS, hs + (size_t)t * H, sc->dh,
					  dgi, dgh, sc->dnew);
			break;
		default:
			KFN(lstm_backward)(bp, Wh, gc + (size_t)t * bp->GS, cs + (size_t)t * H, sc->dh,
					   sc->dc, dgi, sc->dnew);
			break;
		}
	}
	/* The window started from the model's initial state: its gradient is h0's. */
	if (bp->from_init && ly->train_h0) {
		for (int j = 0; j < H; j++)
			g[ly->off_h0 + j] += sc->dh[j];
		if (ly->off_c0 != RFX_NO_TENSOR)
			for (int j = 0; j < H; j++)
				g[ly->off_c0 + j] += sc->dc[j];
	}
}

void KFN(rfx_bp_seg_backward)(const RfxBptt *bp, RfxBpScratch *sc, int b, const float *x, int T,
			      const float *dy, float *g)
{
	const int H = bp->H, O = bp->O, L = bp->L, GH = bp->GH;
	const float *p = bp->model->params;
	const float *htop = KFN(slot)(bp->layer[L - 1].hs, bp, b) + H;
	/* head: y = W_o h + b_o  ->  dW_o += dy^T h,  db_o += sum dy,  dh = W_o^T dy */
	KFN(atb_acc)(g + bp->off_hw, O, H, dy, (size_t)O, htop, (size_t)H, T, sc->tmp);
	KFN(colsum_acc)(g + bp->off_hb, dy, (size_t)O, T, O);
	memset(sc->dhin, 0, sizeof *sc->dhin * (size_t)T * H);
	for (int t = 0; t < T; t++)
		KFN(matvec_acc)(sc->dhin + (size_t)t * H, dy + (size_t)t * O, p + bp->off_hw, O, H);
	for (int l = L - 1; l >= 0; l--) {
		const RfxBpLayer *ly = &bp->layer[l];
		const int I = ly->n_in;
		KFN(layer_backward_time)(bp, sc, l, b, T, g);
		if (rfx_bp_cancel_poll(bp))
			return;
		/* pre_ih = W_ih x + b_ih,  pre_hh = W_hh h_prev + b_hh */
		const float *in = l == 0 ? x : KFN(slot)(bp->layer[l - 1].hs, bp, b) + H;
		const float *hprev = KFN(slot)(ly->hs, bp, b);
		KFN(atb_acc)(g + ly->off_wi, GH, I, sc->xp, (size_t)GH, in, (size_t)I, T, sc->tmp);
		if (rfx_bp_cancel_poll(bp))
			return;
		KFN(atb_acc)(g + ly->off_wh, GH, H, sc->dgh, (size_t)GH, hprev, (size_t)H, T, sc->tmp);
		KFN(colsum_acc)(g + ly->off_bi, sc->xp, (size_t)GH, T, GH);
		KFN(colsum_acc)(g + ly->off_bh, sc->dgh, (size_t)GH, T, GH);
		if (l == 0)
			break;
		/* dLoss/dh of the layer below: dx = W_ih^T d(pre_ih) */
		memset(sc->dhin, 0, sizeof *sc->dhin * (size_t)T * H);
		for (int t = 0; t < T; t++) {
			KFN(matvec_acc)(sc->dhin + (size_t)t * H, sc->xp + (size_t)t * GH,
					p + ly->off_wi, GH, H);
			if (BP_POLL(bp, t))
				return;
		}
	}
}
