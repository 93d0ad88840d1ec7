/* rnnfx — batched forward and exact backpropagation through time (BPTT) for training.
 *
 * An RfxBptt runs one model over a batch of up to B segments, each of up to T steps per call, and
 * keeps a carried recurrent state per segment slot so a long recording can be trained in windows
 * (truncated BPTT, Wright et al.):
 *
 *     rfx_bptt_create(model, &cfg, &bp);
 *     for each epoch, for each batch of segments:
 *         rfx_bptt_reset_state(bp);                   every slot back to the model's h0 (c0)
 *         rfx_bptt_forward(bp, &warmup_batch, NULL, 0);  forward only, ~1000 steps: moves the state
 *         for each window of ~2048 steps:
 *             rfx_bptt_zero_grad(bp);
 *             rfx_bptt_train(bp, &window_batch, &loss);   forward + loss + backward, grads += ...
 *             rfx_optim_clip_grad_norm(rfx_bptt_grad(bp), n, clip);
 *             rfx_adam_step(adam, model->params, rfx_bptt_grad(bp), mask);
 *
 * Each rfx_bptt_train call starts from the carried state and leaves the carried state at the
 * window's final state. Gradients do not flow across calls (the carried state is a constant for
 * the next window), except into the model's initial state: when a call starts right after
 * rfx_bptt_reset_state (no forward since), the gradient with respect to the starting state is
 * added to h0_l<l> / c0_l<l> (trainable ones only; a segment starting from zeros has nothing to
 * learn). Inside one call, batch->warmup steps run forward (and are backpropagated through) but
 * add no loss; the loss is exactly rfx_loss_compute over steps [warmup, T). So a trained h0
 * learns only when the first window follows the reset directly: warm up with batch->warmup
 * inside that rfx_bptt_train call, not with a separate rfx_bptt_forward (which, as in Wright et
 * al., detaches the warm-up from the gradient).
 *
 * Weights are read from model->params at every call (packed into internal layouts then), so an
 * optimiser may update params in place between calls. The model must outlive the RfxBptt and keep
 * its spec.
 *
 * Gradients: a flat float array of model->n_params values with the same offsets as params
 * (model->tensors[i].offset), summed over calls until rfx_bptt_zero_grad. Entries of tensors with
 * trainable == 0 stay 0.
 *
 * Threads and determinism: n_threads workers (a pool created once) share the batch in fixed
 * chunks of RFX_BPTT_CHUNK segments; every chunk has its own gradient buffer and the buffers are
 * summed in chunk order. The result is therefore bit-identical for the same inputs whatever
 * n_threads is, and between runs, for a given kernel: an AVX2+FMA kernel is chosen at create when
 * the CPU has it (rfx_bptt_kernel_name; "avx512" where AVX-512VL adds registers, with the same
 * bits as "avx2"), and differs from the portable one in the last bits; RFX_BPTT_KERNEL=generic in
 * the environment forces the portable one (all are rows of the kernel table the streams use,
 * dsp/kernel_table.c). Losses are reduced on the calling thread.
 *
 * Denormals are flushed to zero inside the calls (x86 MXCSR FTZ/DAZ, restored afterwards), as in
 * the stream (stream.h), so a state decaying through silence costs no more than any other.
 *
 * Memory: everything is allocated by rfx_bptt_create (rfx_bptt_memory_bytes says how much); the
 * calls allocate nothing. Not thread-safe: one caller thread per RfxBptt.
 *
 * Cancelling: a call on a large model can run for minutes (an LSTM with H = 512 and 4 layers
 * takes about a minute per window of 2048 steps of 8 segments on two cores). With a flag set by
 * rfx_bptt_set_cancel, every thread polls it every RFX_BPTT_POLL steps of each time loop and
 * between segments, so a call stops within milliseconds of the flag becoming non-zero, whatever
 * the model size.
 */
#ifndef RFX_BPTT_H
#define RFX_BPTT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "loss.h"
#include "model.h"

#define RFX_BPTT_CHUNK 4   /* segments per work unit and per gradient buffer: small enough that
			    * a batch of 8 keeps 2 threads busy, large enough that the chunk
			    * buffers (n_params floats each) stay small next to the caches */
#define RFX_BPTT_MAX_THREADS 64
#define RFX_BPTT_POLL 32   /* time steps between two looks at the cancel flag (a power of 2) */

typedef struct {
	int max_batch;              /* B: segment slots, 1.. */
	int max_steps;              /* T: steps per rfx_bptt_train call (warm-up included), 1.. */
	int n_threads;              /* 1..RFX_BPTT_MAX_THREADS; 0 means 1 */
	RfxLossConfig loss;         /* must suit the model: CE for a classifier, MSE or ESR+DC for an effect */
} RfxBpttConfig;

typedef struct RfxBptt RfxBptt;

/* A batch of B <= max_batch segments (slots 0..B-1) of T steps:
 *   x[b * x_stride + t * I + i]   inputs (x_stride 0: packed, T * I)
 *   target / label                as in RfxLossBatch (loss.h); unused by rfx_bptt_forward
 *   warmup                        leading steps with no loss (rfx_bptt_train only; 0 <= warmup < T) */
typedef struct {
	int B, T, warmup;
	const float *x;
	size_t x_stride;
	const float *target;
	size_t t_stride;
	const int32_t *label;
	size_t l_stride;
} RfxBpttBatch;

/* Checks the config against the model; RFX_ERR_INVALID for a loss that does not fit the mode. */
RFX_MUST_CHECK
RfxStatus rfx_bptt_create(RfxModel *model, const RfxBpttConfig *cfg, RfxBptt **out);
void rfx_bptt_destroy(RfxBptt *bp);
/* Bytes allocated by create (caches, per-chunk gradient buffers, state). */
size_t rfx_bptt_memory_bytes(const RfxBptt *bp);
/* The same figure before creating, so a program can refuse a configuration that would not fit
 * (0 for an invalid model or config). The caches dominate: about 4 B T L H k bytes with
 * k = 1 (rnn), 5 (gru), 7 (lstm); each thread adds scratch for the group of S segments it runs
 * together, about 4 S T (g H + H) bytes with g = 1, 6, 4 (rnn, gru, lstm) and S = 4 when H <= 64,
 * else 1. E.g. GRU H=16, B=32, T=2048: 25 MB with one thread, 29 MB with two. */
size_t rfx_bptt_memory_needed(const RfxModel *model, const RfxBpttConfig *cfg);

/* Every slot's carried state := the model's initial state (zeros, or h0/c0 as now in params). */
void rfx_bptt_reset_state(RfxBptt *bp);
/* The carried state of slot b: per layer h [H], then for LSTM per layer c [H]; *n_floats gets
 * the count. Read-only view, valid until the next call. */
const float *rfx_bptt_state(const RfxBptt *bp, int b, size_t *n_floats);

/* Forward only over any T (no caching, so T may exceed max_steps): advances the carried state of
 * slots 0..B-1. When y is not NULL it receives the outputs y[b * y_stride + t * O + o] (packed
 * when y_stride is 0): effect samples (skip included), classifier logits. */
RFX_MUST_CHECK
RfxStatus rfx_bptt_forward(RfxBptt *bp, const RfxBpttBatch *batch, float *y, size_t y_stride);

/* Forward with caching, loss over steps [warmup, T), backward; adds the gradient to
 * rfx_bptt_grad(bp) and writes the loss to *loss (may be NULL). T <= max_steps. The outputs of
 * this call stay readable through rfx_bptt_outputs until the next call. A missing target or
 * label array is refused up front; labels the loss refuses (no labelled step, a label >= K) are
 * found after the forward: the carried state has then moved, and no gradient is added. */
RFX_MUST_CHECK
RfxStatus rfx_bptt_train(RfxBptt *bp, const RfxBpttBatch *batch, double *loss);

/* Cancelling (see the top): `flag` (owned by the caller; NULL, the default, turns it off) is read
 * by every thread of the calls that follow, so a signal handler or another thread may set it at any
 * time. A call that finds it non-zero (at its start or while it runs) stops early and
 * rfx_bptt_cancelled() returns 1 until the next call: that call's outputs and loss (*loss is NaN)
 * mean nothing, it added no gradient, and the carried state is unspecified (rfx_bptt_reset_state
 * before using it again). The call still returns RFX_OK, since the status list (status.h) has no
 * code for it: a caller that sets a flag checks rfx_bptt_cancelled after each call. A cleared flag
 * lets the next calls run normally. Without a flag, or while it stays 0, results are bit for bit
 * those of a build without cancelling. */
void rfx_bptt_set_cancel(RfxBptt *bp, const atomic_int *flag);
int rfx_bptt_cancelled(const RfxBptt *bp);

/* Outputs of the last rfx_bptt_train: [B][T][O] packed; NULL before the first. */
const float *rfx_bptt_outputs(const RfxBptt *bp);

/* "generic" or "avx2": the kernel chosen at create, for benchmarks and reproducibility notes. */
const char *rfx_bptt_kernel_name(const RfxBptt *bp);

/* The flat gradient (model->n_params floats); the caller may scale or clip it in place. */
float *rfx_bptt_grad(RfxBptt *bp);
void rfx_bptt_zero_grad(RfxBptt *bp);

#endif
