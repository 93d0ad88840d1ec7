/* rnnfx — BPTT internals shared by bptt.c (object, threads, phases) and the per-segment kernels
 * (bptt_kernels.h, compiled once per instruction set by bptt_generic.c and bptt_avx2.c). */
#ifndef RFX_BPTT_IMPL_H
#define RFX_BPTT_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "bptt.h"
#include "kernel_isa.h"

#define RFX_NO_TENSOR ((size_t)-1)

/* One recurrent layer: where its tensors sit in params/grad, its forward-packed weights and its
 * per-slot caches. Cache rows are per segment slot b, step-major:
 *   hs [B][T+1][H]  h before step 0 (row 0) and after each step
 *   cs [B][T+1][H]  LSTM c, the same way
 *   gc [B][T][GS]   gate activations: gru r,z,n,(W_hn h + b_hn); lstm i,f,g,o,tanh(c); rnn none */
typedef struct {
	int n_in;                   /* I_l */
	size_t off_wi, off_wh, off_bi, off_bh, off_h0, off_c0; /* RFX_NO_TENSOR when absent */
	int train_h0;               /* h0 (c0) receive gradient */
	float *WiT;                 /* [I_l][GH]: weight_ih transposed so the forward vectorises over gates */
	float *WhT;                 /* [H][GH] */
	float *hs, *cs, *gc;
} RfxBpLayer;

/* Per-thread scratch, reused group after group: rows for each segment s < group of the group
 * being run (the kernels' segment s), one after the other.
 *   xp   [group][Tm][GH] forward: W_ih x + b_ih; backward: d(ih pre-activation)
 *   dgh  [group][Tm][GH] GRU: d(hh pre-activation); other cells alias xp
 *   dhin [group][Tm][H]  dLoss/dh_t from the layer above (or the head)
 *   dh, dc, dnew [group][H] running state gradients
 *   gates [group][GH]    the hh pre-activations of the current step */
typedef struct {
	float *xp;
	float *dgh;
	float *dhin;
	float *dh, *dc, *dnew;
	float *tmp;                 /* [GH][32]: the weight-gradient products' partial sums */
	float *gates;
} RfxBpScratch;

/* What a pool thread is told at start: its object and its worker index (1..n_threads-1). */
typedef struct {
	RfxBptt *bp;
	int id;
} RfxBpWorker;

/* The kernels run a group: nb segments in slots b0 .. b0+nb-1 (nb <= group, inside one chunk),
 * segment s's inputs at x + s * xs, outputs at y + s * ys, output gradients at dy + s * dys. */
typedef void (*RfxBpForwardFn)(RfxBptt *bp, RfxBpScratch *sc, int b0, int nb, const float *x,
			       size_t xs, int T, float *y, size_t ys);
typedef void (*RfxBpBackwardFn)(const RfxBptt *bp, RfxBpScratch *sc, int b0, int nb,
				const float *x, size_t xs, int T, const float *dy, size_t dys,
				float *g);

struct RfxBptt {
	RfxModel *model;
	RfxBpttConfig cfg;
	RfxCellType cell;
	int L, I, H, G, GH, GS, O, skip, Tm;
	size_t hs_stride, gc_stride; /* floats per slot in hs/cs and in gc (see RfxBpLayer) */
	RfxBpLayer layer[RFX_MAX_LAYERS];
	size_t off_hw, off_hb;      /* head.weight, head.bias */
	float *state;               /* [B][2 L H]: per slot, h of every layer then c of every layer */
	float *out, *dy;            /* [B][Tm][O] */
	float *grad;                /* [n_params] */
	float *cgrad;               /* [n_chunks][n_params] */
	int n_chunks, n_threads;
	int group;                  /* segments per kernel call, 1..RFX_BPTT_CHUNK (allocate()) */
	RfxBpScratch *scratch;      /* [n_threads] */
	int from_init;              /* no forward since the last reset: the start state is h0 */
	size_t mem_bytes;
	int count_only;             /* rfx_bptt_memory_needed: allocate() only adds up sizes */
	RfxBpForwardFn seg_forward;
	RfxBpBackwardFn seg_backward;
	const char *kernel_name;    /* the kernel table's name for them (rfx_bptt_kernel_name) */

	/* The phase being run by the pool. */
	const RfxBpttBatch *job;
	int job_T, job_B, job_backward;
	size_t job_x_t0, job_y_t0;  /* forward in blocks: first step of the block in x and in y */
	float *job_y;
	size_t job_y_stride;

	pthread_t threads[RFX_BPTT_MAX_THREADS];
	RfxBpWorker workers[RFX_BPTT_MAX_THREADS];
	int n_started;              /* workers 1..n_started are running */
	int pool_ready;             /* mutex and condition variables initialised */
	pthread_mutex_t mu;
	pthread_cond_t start_cv, done_cv;
	unsigned generation;
	int pending, quit;
	atomic_int next_chunk;      /* the phase's next chunk to claim (run_share) */
};

/* The kernels, one pair per instruction set (bptt_generic.c, bptt_avx2.c, bptt_avx512.c), listed
 * in the one kernel table (kernel_table.c) next to the stream's. */
void rfx_bp_seg_forward_generic(RfxBptt *bp, RfxBpScratch *sc, int b0, int nb, const float *x,
				size_t xs, int T, float *y, size_t ys);
void rfx_bp_seg_backward_generic(const RfxBptt *bp, RfxBpScratch *sc, int b0, int nb,
				 const float *x, size_t xs, int T, const float *dy, size_t dys,
				 float *g);
#if RFX_KERNEL_X86
void rfx_bp_seg_forward_avx2(RfxBptt *bp, RfxBpScratch *sc, int b0, int nb, const float *x,
			     size_t xs, int T, float *y, size_t ys);
void rfx_bp_seg_backward_avx2(const RfxBptt *bp, RfxBpScratch *sc, int b0, int nb,
			      const float *x, size_t xs, int T, const float *dy, size_t dys,
			      float *g);
void rfx_bp_seg_forward_avx512(RfxBptt *bp, RfxBpScratch *sc, int b0, int nb, const float *x,
			       size_t xs, int T, float *y, size_t ys);
void rfx_bp_seg_backward_avx512(const RfxBptt *bp, RfxBpScratch *sc, int b0, int nb,
				const float *x, size_t xs, int T, const float *dy, size_t dys,
				float *g);
#endif

#endif
