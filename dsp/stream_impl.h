/* rnnfx — the inside of a stream, shared by stream.c (set-up) and the kernels (processing).
 * Private to dsp/: nothing outside includes it.
 *
 * Packed layout. The recurrent mat-vec is the hot loop, so weights are stored transposed: row k of
 * Wh is the k-th column of PyTorch's weight_hh, i.e. what h[k] multiplies for every gate output.
 * Then gates += h[k] * Wh[k][:] streams through memory and vectorises over the gate outputs with no
 * horizontal sums. Rows are padded to a multiple of RFX_PACK floats with zeros, so kernels can work
 * in whole vector blocks.
 */
#ifndef RFX_STREAM_IMPL_H
#define RFX_STREAM_IMPL_H

#include "frontend.h"
#include "kernel_isa.h"
#include "stream.h"

#define RFX_PACK 16 /* floats: one AVX-512 vector, two AVX ones, four SSE ones */
#define RFX_SEQ_CHUNK 32 /* samples per chunk of a stack run layer by layer */

typedef struct {
	int n_in;           /* I_l */
	float *Wi;          /* [I_l][GHp] transposed weight_ih */
	float *Wh;          /* [H][GHp]   transposed weight_hh */
	uint32_t *Whc;      /* [(H + 1) / 2][GHp] the same as bf16 pairs (rows 2j and 2j + 1 in word
			     * j, dsp/bf16.h) with RFX_WEIGHTS_BF16, and then Wh holds their rounded
			     * values; NULL with F32 */
	float *bi;          /* [GHp] bias_ih */
	float *bh;          /* [GHp] bias_hh */
	float *h0, *c0;     /* [H] initial state (zeros when the model has none) */
	float *h, *c;       /* [H] current state (c: LSTM only) */
} RfxPackedLayer;

typedef void (*RfxProcessFn)(RfxStream *st, const float *in, float *out, uint32_t n);
/* Two streams with equal weights in one loop (rfx_stream_process_pair). */
typedef void (*RfxPairFn)(RfxStream *a, RfxStream *b, const float *in_a, const float *in_b,
			  float *out_a, float *out_b, uint32_t n);

struct RfxStream {
	RfxCellType cell;
	RfxOutputMode mode;
	int n_layers, n_inputs, H, G, GHp, O, skip;
	uint32_t nonfinite;
	RfxProcessFn process;
	RfxPairFn process_pair;     /* NULL: the kernel has no paired loop for this shape */
	uint64_t weights_id;        /* fingerprint of the packed weights, head and skip (pairing check) */
	const char *kernel_name;
	float x[RFX_MAX_INPUTS];    /* current input vector: x[0] audio, the rest conditioning; with
				     * a front end, its features (dsp/frontend.h) */
	int has_frontend;
	RfxFrontend fe;             /* fe.hop > 1: the network steps every hop samples, and */
	float held[RFX_MAX_CLASSES]; /* its outputs hold in between (0 until the first step) */
	RfxPackedLayer layer[RFX_MAX_LAYERS];
	float *head_w;              /* [O][H] */
	float *head_b;              /* [O] */
	float *head_wt, *head_bt;   /* classifier and onset heads: head_w transposed, [H][Op], and
				     * head_b, [Op], Op = O rounded up to 8 (zero weights, bias -1e30
				     * past O), for the specialised loops' vector head; else NULL */
	float *gi, *gh;             /* [GHp] scratch: input and hidden gate pre-activations */
	float *logits;              /* [O] scratch */
	float *seq;                 /* [RFX_SEQ_CHUNK][H + GHp] scratch for a stack run layer by layer
				     * (kernel_avx2_fx.c: a layer's outputs and the next one's input
				     * products over a chunk) and a classifier's states before their
				     * heads; NULL for one-layer effect models */
	float *state;               /* every layer's h then c, contiguous (for copy and inspection) */
	size_t state_floats;
};

/* Every kernel: process n samples; defined in kernel_*.c from the one source kernel_impl.h. */
void rfx_kernel_process_generic(RfxStream *st, const float *in, float *out, uint32_t n);
#if defined(__SSE2__)
void rfx_kernel_process_sse2(RfxStream *st, const float *in, float *out, uint32_t n);
#endif
#if RFX_KERNEL_X86
void rfx_kernel_process_avx2(RfxStream *st, const float *in, float *out, uint32_t n);
/* The AVX2 kernel's specialised loop for this stream's shape, or NULL when it has none. */
RfxProcessFn rfx_kernel_fx_avx2(const RfxStream *st);
/* Its paired loop (two streams of one model) for this shape, or NULL. */
RfxPairFn rfx_kernel_fx_pair_avx2(const RfxStream *st);
/* The same loops built with AVX-512VL (32 vector registers; kernel_avx512_fx.c). */
RfxProcessFn rfx_kernel_fx_avx512(const RfxStream *st);
RfxPairFn rfx_kernel_fx_pair_avx512(const RfxStream *st);
#endif

/* Back to the initial state; also used by the kernels when the state goes non-finite. */
void rfx_stream_reset_state(RfxStream *st);

#endif
