/* rnnfx — BPTT kernels for a group of segments: the forward with caching and its backward, side
 * by side.
 *
 * Included by bptt_generic.c, bptt_avx2.c and bptt_avx512.c, which define RFX_KSUFFIX
 * (kernel_isa.h); written once so the instruction sets cannot compute different things (generic
 * and AVX2 may differ in the last bits: FMA; AVX2 and AVX-512VL give the same bits). Each cell's
 * step is cell_step.h's, the one the stream kernels call (the AVX2 builds run it eight units at a
 * time through cell_step_avx2.h, with the same bits).
 * Loops are shaped for the auto-vectoriser: the innermost loop always runs over a contiguous
 * gate or hidden index with no reduction in it (float reductions do not vectorise without
 * -ffast-math, which we do not use so results stay reproducible).
 *
 * A group is up to four segments of one chunk (bptt.c) whose time steps run together: the
 * recurrent products of two or four segments are one product (each weight vector loaded once for
 * all of them, more independent sums in flight than one segment's short chains), the rest stays
 * per segment. Every sum, in these products and in the weight gradients' tiles (both in
 * bptt_products.h), adds the same terms in the same order as for a segment alone, so results do
 * not depend on the grouping (tests/test_bptt_batch.c) and are the bits the one-segment kernels
 * before them gave (e3d1fa2). */
#include <string.h>

#include "bptt_impl.h"
#include "cell_step.h"
#include "kernel_isa.h"
#if defined(__AVX2__) && defined(__FMA__)
#include "cell_step_avx2.h" /* the same steps, eight units at once, the same bits */
#define BP_V8_STEPS 1
#else
#define BP_V8_STEPS 0
#endif

/* Non-zero once the caller's cancel flag is up (rfx_bptt_set_cancel; defined in bptt.c, which
 * owns the flag). The loops below look every RFX_BPTT_POLL steps and return early, leaving caches
 * and the carried state unspecified, which the caller then discards. Guarded so the two
 * instruction-set builds of this file declare it once each. */
#ifndef RFX_BP_CANCEL_POLL_DECLARED
#define RFX_BP_CANCEL_POLL_DECLARED
int rfx_bp_cancel_poll(const RfxBptt *bp);
#define BP_POLL(bp, t) (((t) & (RFX_BPTT_POLL - 1)) == RFX_BPTT_POLL - 1 && rfx_bp_cancel_poll(bp))
#endif

#include "bptt_products.h" /* the mat-vecs and weight-gradient tiles */

/* ---------------------------------------------------------------- one step of each cell */

/* The forward of each cell is cell_step.h's, on xp = W_ih x + b_ih (computed for the whole window
 * first) and gh = W_hh h_prev + b_hh (computed for the group's segments together, see
 * group_hh); the training forward adds the cache row. The backward of a step is split the same
 * way: the element-wise part here, per segment, then dh_prev = W_hh^T d(hh pre-activation) for the
 * group (group_hh_t). */

/* rnn:  h = tanh(xp + W_hh h_prev + b_hh)  (rfx_rnn_step) */
static inline void KFN(rnn_forward)(int H, const float *restrict xp, const float *restrict gh,
				    float *restrict h)
{
	int j = 0;
#if BP_V8_STEPS
	for (; j + 8 <= H; j += 8)
		_mm256_storeu_ps(h + j, rfx_v8_rnn_step(xp, gh, j));
#endif
	for (; j < H; j++)
		h[j] = rfx_rnn_step(xp[j], gh[j]);
}

/* dpre = dh (1 - h^2);  then dh_prev = W_hh^T dpre (dnew starts at 0) */
static inline void KFN(rnn_backward)(int H, const float *restrict h, const float *restrict dh,
				     float *restrict dg, float *restrict dnew)
{
	for (int j = 0; j < H; j++) {
		dg[j] = dh[j] * (1.0f - h[j] * h[j]);
		dnew[j] = 0.0f;
	}
}

#if BP_V8_STEPS
/* fn (rfx_v8_gru_steps or _lstm_steps) on nb blocks from unit j into u, called with a constant
 * block count so that its stages unroll */
#define BP_V8_STEPS_N(fn, prev, nb)                                                                 \
	switch (nb) {                                                                               \
	case 4: fn(xp, gh, prev, H, j, 4, u); break;                                                \
	case 3: fn(xp, gh, prev, H, j, 3, u); break;                                                \
	case 2: fn(xp, gh, prev, H, j, 2, u); break;                                                \
	default: fn(xp, gh, prev, H, j, 1, u); break;                                               \
	}
#endif

/* gru:  hh = W_hh h_prev + b_hh;  r = s(xp_r + hh_r);  z = s(xp_z + hh_z);
 *       n = tanh(xp_n + r hh_n);  h = (1 - z) n + z h_prev (as n + z (h_prev - n)).
 *       Caches r, z, n, hh_n.  (rfx_gru_step) */
static inline void KFN(gru_forward)(int H, const float *restrict xp, const float *restrict gh,
				    const float *restrict hp, float *restrict h, float *restrict gc)
{
	int j = 0;
#if BP_V8_STEPS
	/* four blocks of eight units at a time, their activations side by side (rfx_v8_gru_steps) */
	for (; j + 8 <= H;) {
		RfxV8GruStep u[4];
		const int nb = H - j >= 32 ? 4 : (H - j) / 8;
		BP_V8_STEPS_N(rfx_v8_gru_steps, hp, nb);
		for (int b = 0; b < nb; b++, j += 8) {
			_mm256_storeu_ps(h + j, u[b].h);
			_mm256_storeu_ps(gc + j, u[b].r);
			_mm256_storeu_ps(gc + H + j, u[b].z);
			_mm256_storeu_ps(gc + 2 * H + j, u[b].n);
			_mm256_storeu_ps(gc + 3 * H + j, _mm256_loadu_ps(gh + 2 * H + j));
		}
	}
#endif
	for (; j < H; j++) {
		const RfxGruStep u = RFX_GRU_STEP(xp, gh, hp[j], H, j);
		h[j] = u.h;
		gc[j] = u.r;
		gc[H + j] = u.z;
		gc[2 * H + j] = u.n;
		gc[3 * H + j] = gh[2 * H + j];
	}
}

/* The gate gradients of one step; then dh_prev = dnew + W_hh^T dgh (dnew starts at dh z). */
static inline void KFN(gru_backward)(int H, const float *restrict gc, const float *restrict hp,
				     const float *restrict dh, float *restrict dgi,
				     float *restrict dgh, float *restrict dnew)
{
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
}

/* lstm: g4 = xp + W_hh h_prev + b_hh;  i, f, o = s(.), g = tanh(.);  c = f c_prev + i g;
 *       h = o tanh(c).   Caches i, f, g, o, tanh(c).  (rfx_lstm_step) */
static inline void KFN(lstm_forward)(int H, const float *restrict xp, const float *restrict gh,
				     const float *restrict cp, float *restrict h, float *restrict c,
				     float *restrict gc)
{
	int j = 0;
#if BP_V8_STEPS
	/* four blocks of eight units at a time, their activations side by side (rfx_v8_lstm_steps) */
	for (; j + 8 <= H;) {
		RfxV8LstmStep u[4];
		const int nb = H - j >= 32 ? 4 : (H - j) / 8;
		BP_V8_STEPS_N(rfx_v8_lstm_steps, cp, nb);
		for (int b = 0; b < nb; b++, j += 8) {
			_mm256_storeu_ps(c + j, u[b].c);
			_mm256_storeu_ps(h + j, u[b].h);
			_mm256_storeu_ps(gc + j, u[b].i);
			_mm256_storeu_ps(gc + H + j, u[b].f);
			_mm256_storeu_ps(gc + 2 * H + j, u[b].g);
			_mm256_storeu_ps(gc + 3 * H + j, u[b].o);
			_mm256_storeu_ps(gc + 4 * H + j, u[b].tc);
		}
	}
#endif
	for (; j < H; j++) {
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

/* The gate gradients of one step and dc_prev; then dh_prev = W_hh^T dg (dnew starts at 0). */
static inline void KFN(lstm_backward)(int H, const float *restrict gc, const float *restrict cp,
				      const float *restrict dh, float *restrict dc,
				      float *restrict dg, float *restrict dnew)
{
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
}

/* ---------------------------------------------------------------- a group of segments
 *
 * The kernels take a group: nb <= bp->group segments in consecutive slots b0 .. b0+nb-1, all
 * inside one chunk (bptt.c). Each time loop runs step t for every segment of the group before
 * step t+1, so the recurrent products of two segments run as one (gemv2_t, matvec_acc2: the
 * weights loaded once for both, twice the independent sums), and the next segment's step overlaps
 * this one's activations. Everything else stays per segment, and every sum keeps the order it has
 * for a segment alone: a segment's outputs, state and gradient terms are the same bits whichever
 * group it runs in, and the chunk's gradient buffer still receives its segments in slot order.
 * Per-segment scratch rows (xp, dgh, dhin, dh, dc, dnew, gates) are segment s's of the thread's
 * scratch (bptt_impl.h). */

/* Slot b's rows of a cache: hs and cs have T+1 rows of H, gc T rows of GS. */
static inline float *KFN(slot)(float *base, const RfxBptt *bp, int b)
{
	return base + (size_t)b * bp->hs_stride;
}

static inline float *KFN(gslot)(float *base, const RfxBptt *bp, int b)
{
	return base + (size_t)b * bp->gc_stride;
}

/* gh[s] = b_hh + W_hh h[s] for each segment of the group (forward): by fours, then pairs. */
static inline void KFN(group_hh)(const RfxBptt *bp, const RfxBpLayer *ly, const float *bh, int nb,
				 float *const *gh, const float *const *hp)
{
	const int H = bp->H, GH = bp->GH;
	int s = 0;
	if (nb == 4) {
		const float *const init[4] = { bh, bh, bh, bh };
		KFN(gemv4_t)(gh, init, ly->WhT, (size_t)GH, hp, H, GH);
		return;
	}
	for (; s + 2 <= nb; s += 2)
		KFN(gemv2_t)(gh[s], bh, gh[s + 1], bh, ly->WhT, (size_t)GH, hp[s], hp[s + 1], H, GH);
	if (s < nb)
		KFN(matvec_t)(gh[s], bh, ly->WhT, hp[s], H, GH);
}

/* dnew[s] += W_hh^T a[s] for each segment of the group (backward): the columns that matvec_acc
 * sums in one chain by fours, the rest by pairs. */
static inline void KFN(group_hh_t)(const RfxBptt *bp, const float *Wh, int nb, float *const *dnew,
				   const float *const *a)
{
	const int H = bp->H, GH = bp->GH;
	int s = 0;
	if (nb == 4 && H >= 32) {
		const int k = H & ~31;
		KFN(gemv4_t)(dnew, (const float *const *)dnew, Wh, (size_t)H, a, GH, k);
		KFN(matvec_acc2_rest)(dnew[0], a[0], dnew[1], a[1], Wh, GH, H, k);
		KFN(matvec_acc2_rest)(dnew[2], a[2], dnew[3], a[3], Wh, GH, H, k);
		return;
	}
	for (; s + 2 <= nb; s += 2)
		KFN(matvec_acc2)(dnew[s], a[s], dnew[s + 1], a[s + 1], Wh, GH, H);
	if (s < nb)
		KFN(matvec_acc)(dnew[s], a[s], Wh, GH, H);
}

/* The cache rows the forward will write a few steps ahead (megabytes per group, long gone from the
 * caches): asked for, for writing, so their lines are on their way while the steps before run
 * instead of stalling the stores (PREFETCHW in the AVX2 build, -mprfchw; a read prefetch
 * elsewhere). In the backward the same for its gradient rows gained nothing. */
#define BP_FW_AHEAD 4
static inline void KFN(prefetch_w)(float *p, size_t n)
{
	for (size_t i = 0; i < n; i += 16)
		__builtin_prefetch(p + i, 1, 3);
	__builtin_prefetch(p + n - 1, 1, 3);
}

/* One segment's cell at step t: gh = b_hh + W_hh h_t and xp = b_ih + W_ih x_t made, h_{t+1} (and
 * c_{t+1}) and the cache row of step t written. */
static inline void KFN(cell_forward)(const RfxBptt *bp, const float *xp, const float *gh,
				     float *hs, float *cs, float *gc, int t)
{
	const int H = bp->H;
	float *h = hs + (size_t)(t + 1) * H;
	switch (bp->cell) {
	case RFX_CELL_RNN:
		KFN(rnn_forward)(H, xp, gh, h);
		break;
	case RFX_CELL_GRU:
		KFN(gru_forward)(H, xp, gh, hs + (size_t)t * H, h, gc + (size_t)t * bp->GS);
		break;
	default:
		KFN(lstm_forward)(H, xp, gh, cs + (size_t)t * H, h, cs + (size_t)(t + 1) * H,
				  gc + (size_t)t * bp->GS);
		break;
	}
}

/* Layer l over T steps from each slot's carried state; leaves the final states carried. Segment
 * s's input rows start at in + s * in_stride, I_l floats per step. */
static void KFN(layer_forward)(RfxBptt *bp, RfxBpScratch *sc, int l, int b0, int nb,
			       const float *in, size_t in_stride, int T)
{
	const RfxBpLayer *ly = &bp->layer[l];
	const int H = bp->H, GH = bp->GH, I = ly->n_in, GS = bp->GS;
	const size_t xps = (size_t)bp->Tm * GH;
	const float *p = bp->model->params;
	const float *bi = p + ly->off_bi, *bh = p + ly->off_bh;
	float *hs[RFX_BPTT_CHUNK], *cs[RFX_BPTT_CHUNK], *gc[RFX_BPTT_CHUNK], *gh[RFX_BPTT_CHUNK];
	float *xp[RFX_BPTT_CHUNK];
	const float *hp[RFX_BPTT_CHUNK];
	for (int s = 0; s < nb; s++) {
		const int b = b0 + s;
		float *st = bp->state + (size_t)b * 2 * bp->L * H;
		xp[s] = sc->xp + (size_t)s * xps;
		hs[s] = KFN(slot)(ly->hs, bp, b);
		cs[s] = ly->cs ? KFN(slot)(ly->cs, bp, b) : NULL;
		gc[s] = ly->gc ? KFN(gslot)(ly->gc, bp, b) : NULL;
		gh[s] = sc->gates + (size_t)s * GH;
		memcpy(hs[s], st + (size_t)l * H, sizeof *hs[s] * (size_t)H);
		if (cs[s])
			memcpy(cs[s], st + (size_t)(bp->L + l) * H, sizeof *cs[s] * (size_t)H);
	}
	for (int t = 0; t < T; t++) {
		if (BP_POLL(bp, t))
			return;
		for (int s = 0; s < nb; s++)
			hp[s] = hs[s] + (size_t)t * H;
		if (t + BP_FW_AHEAD < T)
			for (int s = 0; s < nb; s++) {
				KFN(prefetch_w)(hs[s] + (size_t)(t + 1 + BP_FW_AHEAD) * H, (size_t)H);
				if (gc[s])
					KFN(prefetch_w)(gc[s] + (size_t)(t + BP_FW_AHEAD) * GS, (size_t)GS);
				if (cs[s])
					KFN(prefetch_w)(cs[s] + (size_t)(t + 1 + BP_FW_AHEAD) * H, (size_t)H);
			}
		KFN(group_hh)(bp, ly, bh, nb, gh, hp);
		/* W_ih x + b_ih, step by step: only this step's row is kept (in the segment's first xp
		 * row, which the backward then overwrites). */
		for (int s = 0; s < nb; s++)
			KFN(matvec_t)(xp[s], bi, ly->WiT, in + (size_t)s * in_stride + (size_t)t * I, I,
				      GH);
		for (int s = 0; s < nb; s++)
			KFN(cell_forward)(bp, xp[s], gh[s], hs[s], cs[s], gc[s], t);
	}
	for (int s = 0; s < nb; s++) {
		float *st = bp->state + (size_t)(b0 + s) * 2 * bp->L * H;
		memcpy(st + (size_t)l * H, hs[s] + (size_t)T * H, sizeof *hs[s] * (size_t)H);
		if (cs[s])
			memcpy(st + (size_t)(bp->L + l) * H, cs[s] + (size_t)T * H,
			       sizeof *cs[s] * (size_t)H);
	}
}

/* Segments b0 .. b0+nb-1 (x: segment s's inputs at x + s * xs; y: its outputs at y + s * ys):
 * the layers, then y[t][o] = head.bias[o] + head.weight[o] . h_top[t]  (+ x[t][0] with skip). */
void KFN(rfx_bp_seg_forward)(RfxBptt *bp, RfxBpScratch *sc, int b0, int nb, const float *x,
			     size_t xs, int T, float *y, size_t ys)
{
	const int H = bp->H, O = bp->O, L = bp->L;
	for (int l = 0; l < L; l++) {
		const float *in = l == 0 ? x : KFN(slot)(bp->layer[l - 1].hs, bp, b0) + H;
		KFN(layer_forward)(bp, sc, l, b0, nb, in, l == 0 ? xs : bp->hs_stride, T);
		if (rfx_bp_cancel_poll(bp))
			return;
	}
	const float *p = bp->model->params;
	const float *Wo = p + bp->off_hw, *bo = p + bp->off_hb;
	for (int s = 0; s < nb; s++) {
		const float *hs = KFN(slot)(bp->layer[L - 1].hs, bp, b0 + s) + H;
		const float *xs_ = x + (size_t)s * xs;
		float *ys_ = y + (size_t)s * ys;
		int t = 0;
#if BP_V8_STEPS
		if (O == 1 && H % 8 == 0)
			for (; t + 8 <= T; t += 8) {
				float y8[8];
				rfx_v8_head1_x8(hs + (size_t)t * H, H, Wo, bo[0], y8);
				for (int i = 0; i < 8; i++)
					ys_[t + i] = bp->skip ? y8[i] + xs_[(size_t)(t + i) * bp->I] : y8[i];
			}
#endif
		for (; t < T; t++) {
			const float *h = hs + (size_t)t * H;
			for (int o = 0; o < O; o++) {
				float acc = bo[o];
				for (int k = 0; k < H; k++)
					acc += Wo[(size_t)o * H + k] * h[k];
				ys_[(size_t)t * O + o] = bp->skip ? acc + xs_[(size_t)t * bp->I] : acc;
			}
		}
	}
}

/* Steps ahead that the backward's time loop asks for the cache rows it will read. */
#define BP_AHEAD 3

/* A read of n floats from p is coming soon: every cache line of them to L2 (hint T1). To L1 (T0),
 * the backward's prefetches held the L1 fill buffers, and its loop waited on issuing them (13 %
 * of its samples in a LSTM 32 profile); from L2 the lines still come in time. Four alternating
 * runs: LSTM 32 1.87 -> 1.92 M samples/s at one thread, 3.82 -> 4.01 at two; GRU within 1 %. */
static inline void KFN(prefetch)(const float *p, size_t n)
{
	for (size_t i = 0; i < n; i += 16)
		__builtin_prefetch(p + i, 0, 2);
	__builtin_prefetch(p + n - 1, 0, 2);
}

/* Backward through layer l's time loop for the group: reads each segment's dhin (dLoss/dh_t
 * from above), or with dy (the top layer under a head of one output) makes it from segment s's
 * dy + s * dys; leaves the gate gradients in the segment's xp rows (ih) and dgh rows (hh), adds
 * h0/c0 gradients. */
static void KFN(layer_backward_time)(const RfxBptt *bp, RfxBpScratch *sc, int l, int b0, int nb,
				     int T, const float *dy, size_t dys, float *g)
{
	const float *Wo = bp->model->params + bp->off_hw;
	const RfxBpLayer *ly = &bp->layer[l];
	const int H = bp->H, GH = bp->GH, GS = bp->GS;
	const size_t xps = (size_t)bp->Tm * GH, dhs = (size_t)bp->Tm * H;
	const float *Wh = bp->model->params + ly->off_wh;
	const float *hs[RFX_BPTT_CHUNK], *cs[RFX_BPTT_CHUNK], *gc[RFX_BPTT_CHUNK];
	float *dh[RFX_BPTT_CHUNK], *dc[RFX_BPTT_CHUNK], *dnew[RFX_BPTT_CHUNK];
	const float *da[RFX_BPTT_CHUNK]; /* what W_hh^T multiplies: dgh (gru), the gates' dg */
	for (int s = 0; s < nb; s++) {
		hs[s] = KFN(slot)(ly->hs, bp, b0 + s);
		cs[s] = ly->cs ? KFN(slot)(ly->cs, bp, b0 + s) : NULL;
		gc[s] = ly->gc ? KFN(gslot)(ly->gc, bp, b0 + s) : NULL;
		dh[s] = sc->dh + (size_t)s * H;
		dc[s] = sc->dc + (size_t)s * H;
		dnew[s] = sc->dnew + (size_t)s * H;
		memset(dh[s], 0, sizeof *dh[s] * (size_t)H);
		memset(dc[s], 0, sizeof *dc[s] * (size_t)H);
	}
	for (int t = T - 1; t >= 0; t--) {
		if (BP_POLL(bp, t))
			return;
		/* The caches were written by the forward long ago (megabytes per segment): ask for the
		 * rows a few steps ahead, going down in time, of every segment of the group. */
		if (t >= BP_AHEAD)
			for (int s = 0; s < nb; s++) {
				KFN(prefetch)(hs[s] + (size_t)(t - BP_AHEAD) * H, (size_t)H);
				if (gc[s])
					KFN(prefetch)(gc[s] + (size_t)(t - BP_AHEAD) * GS, (size_t)GS);
				if (cs[s])
					KFN(prefetch)(cs[s] + (size_t)(t - BP_AHEAD) * H, (size_t)H);
			}
		for (int s = 0; s < nb; s++) {
			if (dy) {
				/* dhin = W_o^T dy of the one output, as the head's product in
				 * rfx_bp_seg_backward sums it (from 0), made here */
				const float dyt = dy[(size_t)s * dys + t], *restrict wo = Wo;
				for (int j = 0; j < H; j++)
					dh[s][j] += 0.0f + dyt * wo[j];
			} else {
				const float *dhin = sc->dhin + (size_t)s * dhs + (size_t)t * H;
				for (int j = 0; j < H; j++)
					dh[s][j] += dhin[j];
			}
			float *dgi = sc->xp + (size_t)s * xps + (size_t)t * GH;
			float *dgh = sc->dgh + (size_t)s * xps + (size_t)t * GH;
			switch (bp->cell) {
			case RFX_CELL_RNN:
				KFN(rnn_backward)(H, hs[s] + (size_t)(t + 1) * H, dh[s], dgi, dnew[s]);
				da[s] = dgi;
				break;
			case RFX_CELL_GRU:
				KFN(gru_backward)(H, gc[s] + (size_t)t * GS, hs[s] + (size_t)t * H, dh[s],
						  dgi, dgh, dnew[s]);
				da[s] = dgh;
				break;
			default:
				KFN(lstm_backward)(H, gc[s] + (size_t)t * GS, cs[s] + (size_t)t * H,
						   dh[s], dc[s], dgi, dnew[s]);
				da[s] = dgi;
				break;
			}
		}
		KFN(group_hh_t)(bp, Wh, nb, dnew, da);
		for (int s = 0; s < nb; s++) { /* dnew is the next step's dh; dh's rows are free */
			float *free_row = dh[s];
			dh[s] = dnew[s];
			dnew[s] = free_row;
		}
	}
	/* A window that started from the model's initial state: its gradient is h0's. */
	if (bp->from_init && ly->train_h0)
		for (int s = 0; s < nb; s++) {
			for (int j = 0; j < H; j++)
				g[ly->off_h0 + j] += dh[s][j];
			if (ly->off_c0 != RFX_NO_TENSOR)
				for (int j = 0; j < H; j++)
					g[ly->off_c0 + j] += dc[s][j];
		}
}

/* The backward of rfx_bp_seg_forward for the group, adding into g segment by segment in slot
 * order (dy: segment s's output gradients at dy + s * dys). */
void KFN(rfx_bp_seg_backward)(const RfxBptt *bp, RfxBpScratch *sc, int b0, int nb,
			      const float *x, size_t xs, int T, const float *dy, size_t dys,
			      float *g)
{
	const int H = bp->H, O = bp->O, L = bp->L, GH = bp->GH;
	const size_t xps = (size_t)bp->Tm * GH, dhs = (size_t)bp->Tm * H;
	const float *p = bp->model->params;
	/* head: y = W_o h + b_o  ->  dW_o += dy^T h,  db_o += sum dy,  dh = W_o^T dy */
	for (int s = 0; s < nb; s++) {
		const float *htop = KFN(slot)(bp->layer[L - 1].hs, bp, b0 + s) + H;
		const float *dys_ = dy + (size_t)s * dys;
		float *dhin = sc->dhin + (size_t)s * dhs;
		KFN(atb_acc)(g + bp->off_hw, g + bp->off_hb, O, H, dys_, (size_t)O, htop, (size_t)H,
			     T, sc->tmp);
		if (O == 1) /* the top layer's time loop makes W_o^T dy step by step */
			continue;
		memset(dhin, 0, sizeof *dhin * (size_t)T * H);
		for (int t = 0; t < T; t++)
			KFN(matvec_acc)(dhin + (size_t)t * H, dys_ + (size_t)t * O, p + bp->off_hw, O, H);
	}
	for (int l = L - 1; l >= 0; l--) {
		const RfxBpLayer *ly = &bp->layer[l];
		const int I = ly->n_in;
		KFN(layer_backward_time)(bp, sc, l, b0, nb, T, l == L - 1 && O == 1 ? dy : NULL, dys,
					 g);
		if (rfx_bp_cancel_poll(bp))
			return;
		/* pre_ih = W_ih x + b_ih,  pre_hh = W_hh h_prev + b_hh */
		for (int s = 0; s < nb; s++) {
			const int b = b0 + s;
			const float *in = l == 0 ? x + (size_t)s * xs : KFN(slot)(bp->layer[l - 1].hs, bp, b) + H;
			const float *hprev = KFN(slot)(ly->hs, bp, b);
			const float *dgi = sc->xp + (size_t)s * xps, *dgh = sc->dgh + (size_t)s * xps;
			KFN(atb_acc)(g + ly->off_wi, g + ly->off_bi, GH, I, dgi, (size_t)GH, in, (size_t)I,
				     T, sc->tmp);
			if (rfx_bp_cancel_poll(bp))
				return;
			KFN(atb_acc)(g + ly->off_wh, g + ly->off_bh, GH, H, dgh, (size_t)GH, hprev,
				     (size_t)H, T, sc->tmp);
		}
		if (l == 0)
			break;
		/* dLoss/dh of the layer below: dx = W_ih^T d(pre_ih) */
		for (int s = 0; s < nb; s++) {
			const float *dgi = sc->xp + (size_t)s * xps;
			float *dhin = sc->dhin + (size_t)s * dhs;
			memset(dhin, 0, sizeof *dhin * (size_t)T * H);
			for (int t = 0; t < T; t++) {
				KFN(matvec_acc)(dhin + (size_t)t * H, dgi + (size_t)t * GH,
						p + ly->off_wi, GH, H);
				if (BP_POLL(bp, t))
					return;
			}
		}
	}
}
