/* rnnfx — the BPTT kernels' products (included by bptt_kernels.h, once per instruction-set build,
 * with RFX_KSUFFIX set): the time step's mat-vecs for one segment, a pair and a group of four
 * (each weight loaded once for all of them), and the weight gradients' register tiles over whole
 * windows. Written for the auto-vectoriser (GCC vector extensions, no intrinsics), so the generic
 * and AVX2 builds share them. Every sum adds its terms in a fixed order, the same for a segment
 * alone or in a group: results do not depend on the grouping (tests/test_bptt_batch.c). */
#ifndef RFX_BPTT_PRODUCTS_H
#define RFX_BPTT_PRODUCTS_H

#include <stddef.h>

#include "kernel_isa.h" /* KFN */

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

/* The two products above for two segments at once (a pair of a group, see the top of the segment
 * functions below): each weight vector is loaded once for both, and the two segments' sums are
 * independent chains, twice as many as one segment has, so the FMA units are not left waiting on
 * their latency. Every output element is summed in the same order as by gemv_t / matvec_acc for
 * one segment (the same init, the same terms in the same sequence, the same split into partial
 * sums), so a segment's results do not depend on whether it ran alone or in a pair. */

/* out0[m] = init0[m] + sum_k v0[k] A[k][m], and out1 the same from init1 and v1 (gemv_t's sums). */
static inline void KFN(gemv2_t)(float *out0, const float *init0, float *out1, const float *init1,
				const float *restrict A, size_t lda, const float *restrict v0,
				const float *restrict v1, int K, int M)
{
	int m = 0;
	for (; m + 32 <= M; m += 32) {
		V8 a0 = LD8(init0 + m), a1 = LD8(init0 + m + 8), a2 = LD8(init0 + m + 16);
		V8 a3 = LD8(init0 + m + 24);
		V8 c0 = LD8(init1 + m), c1 = LD8(init1 + m + 8), c2 = LD8(init1 + m + 16);
		V8 c3 = LD8(init1 + m + 24);
		for (int k = 0; k < K; k++) {
			const float x0 = v0[k], x1 = v1[k];
			const float *restrict a = A + (size_t)k * lda + m;
			const V8 w0 = LD8(a), w1 = LD8(a + 8), w2 = LD8(a + 16), w3 = LD8(a + 24);
			a0 += x0 * w0;
			a1 += x0 * w1;
			a2 += x0 * w2;
			a3 += x0 * w3;
			c0 += x1 * w0;
			c1 += x1 * w1;
			c2 += x1 * w2;
			c3 += x1 * w3;
		}
		ST8(out0 + m, a0);
		ST8(out0 + m + 8, a1);
		ST8(out0 + m + 16, a2);
		ST8(out0 + m + 24, a3);
		ST8(out1 + m, c0);
		ST8(out1 + m + 8, c1);
		ST8(out1 + m + 16, c2);
		ST8(out1 + m + 24, c3);
	}
	for (; m + 16 <= M; m += 16) {
		V8 a0 = LD8(init0 + m), a1 = LD8(init0 + m + 8);
		V8 c0 = LD8(init1 + m), c1 = LD8(init1 + m + 8);
		for (int k = 0; k < K; k++) {
			const float x0 = v0[k], x1 = v1[k];
			const float *restrict a = A + (size_t)k * lda + m;
			const V8 w0 = LD8(a), w1 = LD8(a + 8);
			a0 += x0 * w0;
			a1 += x0 * w1;
			c0 += x1 * w0;
			c1 += x1 * w1;
		}
		ST8(out0 + m, a0);
		ST8(out0 + m + 8, a1);
		ST8(out1 + m, c0);
		ST8(out1 + m + 8, c1);
	}
	for (; m + 8 <= M; m += 8) {
		V8 a0 = LD8(init0 + m), c0 = LD8(init1 + m);
		for (int k = 0; k < K; k++) {
			const V8 w0 = LD8(A + (size_t)k * lda + m);
			a0 += v0[k] * w0;
			c0 += v1[k] * w0;
		}
		ST8(out0 + m, a0);
		ST8(out1 + m, c0);
	}
	for (; m < M; m++) {
		float acc0 = init0[m], acc1 = init1[m];
		for (int k = 0; k < K; k++) {
			acc0 += v0[k] * A[(size_t)k * lda + m];
			acc1 += v1[k] * A[(size_t)k * lda + m];
		}
		out0[m] = acc0;
		out1[m] = acc1;
	}
}

/* outs[s][m] = inits[s][m] + sum_k vs[s][k] A[k][m] for four segments s (gemv_t's sums): blocks
 * of 16 outputs for all four, eight chains, each weight vector loaded once for four FMAs. */
static inline void KFN(gemv4_t)(float *const *outs, const float *const *inits,
				const float *restrict A, size_t lda, const float *const *vs, int K,
				int M)
{
	float *o0 = outs[0], *o1 = outs[1], *o2 = outs[2], *o3 = outs[3];
	const float *i0 = inits[0], *i1 = inits[1], *i2 = inits[2], *i3 = inits[3];
	const float *restrict v0 = vs[0], *restrict v1 = vs[1], *restrict v2 = vs[2];
	const float *restrict v3 = vs[3];
	int m = 0;
#if defined(__AVX512VL__)
	/* with 32 registers, blocks of 32 outputs: sixteen chains, each weight vector loaded once
	 * for four FMAs and each broadcast used four times */
	for (; m + 32 <= M; m += 32) {
		V8 acc[4][4];
		const float *const in[4] = { i0, i1, i2, i3 };
		const float *restrict const vv[4] = { v0, v1, v2, v3 };
		for (int s = 0; s < 4; s++)
			for (int q = 0; q < 4; q++)
				acc[s][q] = LD8(in[s] + m + 8 * q);
		for (int k = 0; k < K; k++) {
			const float *restrict a = A + (size_t)k * lda + m;
			const V8 w0 = LD8(a), w1 = LD8(a + 8), w2 = LD8(a + 16), w3 = LD8(a + 24);
			for (int s = 0; s < 4; s++) {
				const float x = vv[s][k];
				acc[s][0] += x * w0;
				acc[s][1] += x * w1;
				acc[s][2] += x * w2;
				acc[s][3] += x * w3;
			}
		}
		float *const out[4] = { o0, o1, o2, o3 };
		for (int s = 0; s < 4; s++)
			for (int q = 0; q < 4; q++)
				ST8(out[s] + m + 8 * q, acc[s][q]);
	}
#endif
	for (; m + 16 <= M; m += 16) {
		V8 a0 = LD8(i0 + m), a1 = LD8(i0 + m + 8), b0 = LD8(i1 + m), b1 = LD8(i1 + m + 8);
		V8 c0 = LD8(i2 + m), c1 = LD8(i2 + m + 8), d0 = LD8(i3 + m), d1 = LD8(i3 + m + 8);
		for (int k = 0; k < K; k++) {
			const float *restrict a = A + (size_t)k * lda + m;
			const V8 w0 = LD8(a), w1 = LD8(a + 8);
			const float x0 = v0[k], x1 = v1[k], x2 = v2[k], x3 = v3[k];
			a0 += x0 * w0;
			a1 += x0 * w1;
			b0 += x1 * w0;
			b1 += x1 * w1;
			c0 += x2 * w0;
			c1 += x2 * w1;
			d0 += x3 * w0;
			d1 += x3 * w1;
		}
		ST8(o0 + m, a0);
		ST8(o0 + m + 8, a1);
		ST8(o1 + m, b0);
		ST8(o1 + m + 8, b1);
		ST8(o2 + m, c0);
		ST8(o2 + m + 8, c1);
		ST8(o3 + m, d0);
		ST8(o3 + m + 8, d1);
	}
	for (; m + 8 <= M; m += 8) {
		V8 a0 = LD8(i0 + m), b0 = LD8(i1 + m), c0 = LD8(i2 + m), d0 = LD8(i3 + m);
		for (int k = 0; k < K; k++) {
			const V8 w0 = LD8(A + (size_t)k * lda + m);
			a0 += v0[k] * w0;
			b0 += v1[k] * w0;
			c0 += v2[k] * w0;
			d0 += v3[k] * w0;
		}
		ST8(o0 + m, a0);
		ST8(o1 + m, b0);
		ST8(o2 + m, c0);
		ST8(o3 + m, d0);
	}
	if (m < M) {
		KFN(gemv2_t)(o0 + m, i0 + m, o1 + m, i1 + m, A + m, lda, v0, v1, K, M - m);
		KFN(gemv2_t)(o2 + m, i2 + m, o3 + m, i3 + m, A + m, lda, v2, v3, K, M - m);
	}
}

/* out0[k] += sum_m a0[m] W[m][k], and out1 the same from a1 (matvec_acc's sums and splits). */
/* matvec_acc2's columns from k (a multiple of 32) on: the blocks of 16 and 8 with their split
 * sums, and the tail. */
static inline void KFN(matvec_acc2_rest)(float *out0, const float *restrict a0, float *out1,
					 const float *restrict a1, const float *restrict W, int M,
					 int K, int k)
{
	const V8 zero = { 0 };
	for (; k + 16 <= K; k += 16) {
		V8 p0 = LD8(out0 + k), p1 = LD8(out0 + k + 8), q0 = zero, q1 = zero;
		V8 u0 = LD8(out1 + k), u1 = LD8(out1 + k + 8), v0 = zero, v1 = zero;
		int m = 0;
		for (; m + 2 <= M; m += 2) {
			const float *restrict w = W + (size_t)m * K + k;
			const V8 w0 = LD8(w), w1 = LD8(w + 8), w2 = LD8(w + K), w3 = LD8(w + K + 8);
			p0 += a0[m] * w0;
			p1 += a0[m] * w1;
			q0 += a0[m + 1] * w2;
			q1 += a0[m + 1] * w3;
			u0 += a1[m] * w0;
			u1 += a1[m] * w1;
			v0 += a1[m + 1] * w2;
			v1 += a1[m + 1] * w3;
		}
		if (m < M) {
			const V8 w0 = LD8(W + (size_t)m * K + k), w1 = LD8(W + (size_t)m * K + k + 8);
			p0 += a0[m] * w0;
			p1 += a0[m] * w1;
			u0 += a1[m] * w0;
			u1 += a1[m] * w1;
		}
		ST8(out0 + k, p0 + q0);
		ST8(out0 + k + 8, p1 + q1);
		ST8(out1 + k, u0 + v0);
		ST8(out1 + k + 8, u1 + v1);
	}
	for (; k + 8 <= K; k += 8) {
		V8 p0 = LD8(out0 + k), q0 = zero, r0 = zero, s0 = zero;
		V8 p1 = LD8(out1 + k), q1 = zero, r1 = zero, s1 = zero;
		int m = 0;
		for (; m + 4 <= M; m += 4) {
			const float *restrict w = W + (size_t)m * K + k;
			const V8 w0 = LD8(w), w1 = LD8(w + K), w2 = LD8(w + 2 * K), w3 = LD8(w + 3 * K);
			p0 += a0[m] * w0;
			q0 += a0[m + 1] * w1;
			r0 += a0[m + 2] * w2;
			s0 += a0[m + 3] * w3;
			p1 += a1[m] * w0;
			q1 += a1[m + 1] * w1;
			r1 += a1[m + 2] * w2;
			s1 += a1[m + 3] * w3;
		}
		for (; m < M; m++) {
			const V8 w0 = LD8(W + (size_t)m * K + k);
			p0 += a0[m] * w0;
			p1 += a1[m] * w0;
		}
		ST8(out0 + k, (p0 + q0) + (r0 + s0));
		ST8(out1 + k, (p1 + q1) + (r1 + s1));
	}
	if (k < K)
		KFN(gemv2_t)(out0 + k, out0 + k, out1 + k, out1 + k, W + k, (size_t)K, a0, a1, M, K - k);
}

static inline void KFN(matvec_acc2)(float *out0, const float *restrict a0, float *out1,
				    const float *restrict a1, const float *restrict W, int M, int K)
{
	int k = K & ~31;
	if (k)
		KFN(gemv2_t)(out0, out0, out1, out1, W, (size_t)K, a0, a1, M, k);
	KFN(matvec_acc2_rest)(out0, a0, out1, a1, W, M, K, k);
}

/* db[m] += sum_n A[n][m], each db[m] one chain of adds over n in order. Blocks of outputs stay in
 * registers for the whole run of n (eight chains where there are 64 outputs): summed in memory,
 * every add waited on the store of the one before. */
static inline void KFN(colsum_acc)(float *restrict db, const float *restrict A, size_t lda, int N,
				   int M)
{
	int m = 0;
	for (; m + 64 <= M; m += 64) {
		V8 s0 = LD8(db + m), s1 = LD8(db + m + 8), s2 = LD8(db + m + 16);
		V8 s3 = LD8(db + m + 24), s4 = LD8(db + m + 32), s5 = LD8(db + m + 40);
		V8 s6 = LD8(db + m + 48), s7 = LD8(db + m + 56);
		for (int n = 0; n < N; n++) {
			const float *restrict a = A + (size_t)n * lda + m;
			s0 += LD8(a);
			s1 += LD8(a + 8);
			s2 += LD8(a + 16);
			s3 += LD8(a + 24);
			s4 += LD8(a + 32);
			s5 += LD8(a + 40);
			s6 += LD8(a + 48);
			s7 += LD8(a + 56);
		}
		ST8(db + m, s0);
		ST8(db + m + 8, s1);
		ST8(db + m + 16, s2);
		ST8(db + m + 24, s3);
		ST8(db + m + 32, s4);
		ST8(db + m + 40, s5);
		ST8(db + m + 48, s6);
		ST8(db + m + 56, s7);
	}
	for (; m + 32 <= M; m += 32) {
		V8 s0 = LD8(db + m), s1 = LD8(db + m + 8), s2 = LD8(db + m + 16);
		V8 s3 = LD8(db + m + 24);
		for (int n = 0; n < N; n++) {
			const float *restrict a = A + (size_t)n * lda + m;
			s0 += LD8(a);
			s1 += LD8(a + 8);
			s2 += LD8(a + 16);
			s3 += LD8(a + 24);
		}
		ST8(db + m, s0);
		ST8(db + m + 8, s1);
		ST8(db + m + 16, s2);
		ST8(db + m + 24, s3);
	}
	for (; m + 8 <= M; m += 8) {
		V8 s0 = LD8(db + m);
		for (int n = 0; n < N; n++)
			s0 += LD8(A + (size_t)n * lda + m);
		ST8(db + m, s0);
	}
	for (; m < M; m++) {
		float s0 = db[m];
		for (int n = 0; n < N; n++)
			s0 += A[(size_t)n * lda + m];
		db[m] = s0;
	}
}

/* The partial sums cs[m] += sum_n A[n][m] Bm[n][k] of one column k over steps [n0, n1), rows
 * m0 .. m0+8NV-1 (NV a constant where it is called: the sums stay in registers over the steps),
 * and with db the bias's db[m] += sum_n A[n][m] beside them. */
static inline __attribute__((always_inline)) void
KFN(atb_rows)(int NV, float *restrict cs, float *restrict db, int k, int m0,
	      const float *restrict A, size_t lda, const float *restrict Bm, size_t ldb, int n0,
	      int n1)
{
	V8 c[8], d[8];
	for (int v = 0; v < NV; v++) {
		c[v] = LD8(cs + m0 + 8 * v);
		if (db)
			d[v] = LD8(db + m0 + 8 * v);
	}
	for (int n = n0; n < n1; n++) {
		const float b = Bm[(size_t)n * ldb + k];
		const float *restrict a = A + (size_t)n * lda + m0;
		for (int v = 0; v < NV; v++) {
			const V8 av = LD8(a + 8 * v);
			c[v] += b * av;
			if (db)
				d[v] += av;
		}
	}
	for (int v = 0; v < NV; v++) {
		ST8(cs + m0 + 8 * v, c[v]);
		if (db)
			ST8(db + m0 + 8 * v, d[v]);
	}
}

/* dW[m][k] += sum_n A[n][m] Bm[n][k] for k in [k0, k1), k1 - k0 < 8: each sum one chain over n
 * in order, from 0, added to dW at the end (as every sum of atb_acc). The columns past the last
 * block of 8, e.g. all of W_ih's for I = 1: vectorised over m, every row's pass over a tile of
 * nt steps before the next tile (the partial sums wait in cs, [M]), so A comes from memory once. */
static void KFN(atb_narrow)(float *restrict dW, float *restrict db, int M, int K, int k0,
			    int k1, const float *restrict A, size_t lda, const float *restrict Bm,
			    size_t ldb, int N, int nt, float *restrict cs)
{
	const int M32 = M & ~31, M8 = M & ~7;
	for (int k = k0; k < k1; k++, db = NULL) {
		memset(cs, 0, sizeof *cs * (size_t)M);
		for (int n0 = 0; n0 < N; n0 += nt) {
			const int n1 = N - n0 < nt ? N : n0 + nt;
			int m = 0;
			for (; m < M32; m += 32)
				KFN(atb_rows)(4, cs, db, k, m, A, lda, Bm, ldb, n0, n1);
			for (; m < M8; m += 8)
				KFN(atb_rows)(1, cs, db, k, m, A, lda, Bm, ldb, n0, n1);
			for (; m < M; m++) {
				float c = cs[m], d = db ? db[m] : 0.0f;
				for (int n = n0; n < n1; n++) {
					c += Bm[(size_t)n * ldb + k] * A[(size_t)n * lda + m];
					d += A[(size_t)n * lda + m];
				}
				cs[m] = c;
				if (db)
					db[m] = d;
			}
		}
		for (int m = 0; m < M; m++)
			dW[(size_t)m * K + k] += cs[m];
	}
}

/* One register tile of atb_acc: rows m0 .. m0+R-1 by columns k0 .. k0+8KV-1 over steps
 * [n0, n1), the partial sums carried in cb (row r at cb + r * ldc) from one tile of steps to the
 * next. R and KV are constants where it is called, so the R x KV sums live in registers. */
static inline __attribute__((always_inline)) void
KFN(atb_tile)(int R, int KV, float *restrict cb, size_t ldc, const float *restrict A, size_t lda,
	      const float *restrict Bm, size_t ldb, int m0, int k0, int n0, int n1)
{
	V8 c[8][4];
	for (int r = 0; r < R; r++)
		for (int v = 0; v < KV; v++)
			c[r][v] = LD8(cb + (size_t)r * ldc + 8 * v);
	for (int n = n0; n < n1; n++) {
		const float *restrict a = A + (size_t)n * lda + m0;
		const float *restrict b = Bm + (size_t)n * ldb + k0;
		V8 bv[4];
		for (int v = 0; v < KV; v++)
			bv[v] = LD8(b + 8 * v);
		for (int r = 0; r < R; r++) {
			const float ar = a[r];
			for (int v = 0; v < KV; v++)
				c[r][v] += ar * bv[v];
		}
	}
	for (int r = 0; r < R; r++)
		for (int v = 0; v < KV; v++)
			ST8(cb + (size_t)r * ldc + 8 * v, c[r][v]);
}

/* Columns k0 .. k0+8KV-1 of dW += A^T Bm for every row: tiles of R rows (the last rows by two
 * and one), the steps in tiles of nt. */
static inline __attribute__((always_inline)) void
KFN(atb_cols)(int R, int KV, float *restrict dW, float *restrict db, int M, int K, int k0,
	      const float *restrict A, size_t lda, const float *restrict Bm, size_t ldb, int N,
	      int nt, float *restrict cbuf)
{
	const size_t ldc = (size_t)8 * KV;
	const int MR = M - M % R;
	memset(cbuf, 0, sizeof *cbuf * (size_t)M * ldc);
	for (int n0 = 0; n0 < N; n0 += nt) {
		const int n1 = N - n0 < nt ? N : n0 + nt;
		int m0 = 0;
		for (; m0 < MR; m0 += R)
			KFN(atb_tile)(R, KV, cbuf + (size_t)m0 * ldc, ldc, A, lda, Bm, ldb, m0, k0, n0, n1);
		for (; m0 + 2 <= M; m0 += 2)
			KFN(atb_tile)(2, KV, cbuf + (size_t)m0 * ldc, ldc, A, lda, Bm, ldb, m0, k0, n0, n1);
		if (m0 < M)
			KFN(atb_tile)(1, KV, cbuf + (size_t)m0 * ldc, ldc, A, lda, Bm, ldb, m0, k0, n0, n1);
		if (db) /* the bias's sums over the same tile while it is in L1 */
			KFN(colsum_acc)(db, A + (size_t)n0 * lda, lda, n1 - n0, M);
	}
	for (int m = 0; m < M; m++) {
		float *d = dW + (size_t)m * K + k0;
		for (int v = 0; v < KV; v++)
			ST8(d + 8 * v, LD8(d + 8 * v) + LD8(cbuf + (size_t)m * ldc + 8 * v));
	}
}

/* Rows per register tile of 32 columns: 3 (12 sums) in 16 registers, 6 (24 sums, half the
 * passes over the steps' rows of Bm per row of A) with AVX-512VL's 32 (LSTM 32 +3-5 %). */
#if defined(__AVX512VL__)
#define ATB_R32 6
#else
#define ATB_R32 3
#endif

/* dW[m][k] += sum_n A[n][m] Bm[n][k]  (dW [M][K] += A^T Bm): the weight gradient, summed over
 * all steps at once after the time loop instead of an outer product per step. Each element is
 * one chain of multiply-adds over n in order, from 0, added to dW at the end, whatever the
 * tiling: register tiles of ATB_R32 rows by 32 columns (12 or 24 sums: the FMA units, not the
 * loads and broadcasts, set the pace), 6 by 16 or 8 by 8 for narrower column blocks (the
 * last rows by two and one), atb_narrow for the last < 8 columns. The steps go in tiles of about 24 KB of A, every row tile's pass over a tile
 * of steps before the next (the partial sums wait in cbuf, [M][32]), so A is read from L1 rather
 * than once per row tile from L2. With db, also db[m] += sum_n A[n][m] (colsum_acc's sums, on
 * each tile of steps while it is in L1). */
static void KFN(atb_acc)(float *restrict dW, float *restrict db, int M, int K,
			 const float *restrict A, size_t lda, const float *restrict Bm, size_t ldb,
			 int N, float *restrict cbuf)
{
	const int nt = M > 384 ? 16 : 6144 / (M > 0 ? M : 1); /* steps per tile */
	int k0 = 0;
	for (; k0 + 32 <= K; k0 += 32, db = NULL)
		KFN(atb_cols)(ATB_R32, 4, dW, db, M, K, k0, A, lda, Bm, ldb, N, nt, cbuf);
	for (; k0 + 16 <= K; k0 += 16, db = NULL)
		KFN(atb_cols)(6, 2, dW, db, M, K, k0, A, lda, Bm, ldb, N, nt, cbuf);
	for (; k0 + 8 <= K; k0 += 8, db = NULL)
		KFN(atb_cols)(8, 1, dW, db, M, K, k0, A, lda, Bm, ldb, N, nt, cbuf);
	if (k0 < K)
		KFN(atb_narrow)(dW, db, M, K, k0, K, A, lda, Bm, ldb, N, nt, cbuf);
}

#endif
