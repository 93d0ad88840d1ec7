/* rnnfx — streaming inference: one model run sample by sample on one audio channel.
 *
 * A stream holds a packed copy of the model's weights and the hidden state of every layer, all in
 * one block of memory given at init, so a host can allocate it off the audio thread:
 *
 *     size_t size = rfx_stream_get_size(model);
 *     void *mem = aligned_alloc(RFX_STREAM_ALIGN, size);           (worker / main thread)
 *     rfx_stream_init(mem, size, model, &st);                      (worker / main thread)
 *     rfx_stream_process(st, in, out, n);                          (audio thread, any n)
 *
 * rfx_stream_create()/rfx_stream_destroy() do the same with malloc. The stream does not keep a
 * pointer to the model.
 *
 * Real-time contract of rfx_stream_process, _reset, _copy_state, _set_input: no allocation, no lock,
 * no I/O, bounded time (O(n) samples). Output depends only on the samples seen since init or reset,
 * never on how they were cut into calls. Denormals are flushed to zero (on x86 the MXCSR FTZ/DAZ
 * bits are set for the call and restored). A non-finite input sample is taken as 0; a non-finite
 * state resets the stream to its initial state; both count in rfx_stream_nonfinite_count() and the
 * output stays finite.
 */
#ifndef RFX_STREAM_H
#define RFX_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define RFX_STREAM_ALIGN 64

typedef struct RfxStream RfxStream;

/* Bytes rfx_stream_init needs for this model (0 when the model is invalid). */
size_t rfx_stream_get_size(const RfxModel *model);
/* Builds a stream inside `mem` (RFX_STREAM_ALIGN-aligned, `size` >= rfx_stream_get_size). */
RFX_MUST_CHECK
RfxStatus rfx_stream_init(void *mem, size_t size, const RfxModel *model, RfxStream **out);
RFX_MUST_CHECK
RfxStatus rfx_stream_create(const RfxModel *model, RfxStream **out);
void rfx_stream_destroy(RfxStream *st);

/* Back to the model's initial state (zeros, or the stored/trained h0 and c0). */
void rfx_stream_reset(RfxStream *st);
/* Copies the recurrent state of `src` into `dst`; both from the same model. After it, both produce
 * bit-identical output for the same input. */
void rfx_stream_copy_state(RfxStream *dst, const RfxStream *src);

/* Runs n samples. `in` holds audio (input 0); conditioning inputs 1..I-1 are held at the values set
 * with rfx_stream_set_input. `out` receives n * rfx_stream_n_outputs() floats, sample-major:
 * one value per sample for an effect, K class probabilities per sample for a classifier.
 * For an effect, in == out is allowed. */
void rfx_stream_process(RfxStream *st, const float *in, float *out, uint32_t n);

/* Runs n samples of two streams made from the same model (the two channels of a stereo track) in
 * one loop: each stream's output is bit for bit what rfx_stream_process would give it, but the two
 * independent recurrences overlap in the core, so the pair costs less than two calls
 * (docs/performance.md). When the streams do not pair (rfx_stream_pairs() says so), this is simply
 * rfx_stream_process(a, ...) then rfx_stream_process(b, ...). in_a may equal out_a and in_b out_b;
 * otherwise the four buffers must not overlap. Same real-time contract as rfx_stream_process. */
void rfx_stream_process_pair(RfxStream *a, RfxStream *b, const float *in_a, const float *in_b,
			     float *out_a, float *out_b, uint32_t n);
/* 1 when a and b run in one loop in rfx_stream_process_pair: two different streams with equal
 * weights (compared by a 64-bit fingerprint taken at init) and equal conditioning inputs whose
 * kernel has a paired loop for their shape and measured it faster than two calls (today: AVX2, one
 * layer, effect, and H 8 or 16 for RNN and GRU, 8 for LSTM, or 48 to 64 for GRU and 40 to 64 for
 * LSTM). */
int rfx_stream_pairs(const RfxStream *a, const RfxStream *b);

/* Conditioning input `index` (1..I-1) = value (ignored when out of range or non-finite). */
void rfx_stream_set_input(RfxStream *st, int index, float value);

int rfx_stream_n_outputs(const RfxStream *st);
/* How many times a non-finite input or state was caught since init. */
uint32_t rfx_stream_nonfinite_count(const RfxStream *st);
/* The recurrent state (every layer's h, then c for LSTM), for tests and inspection. Each is the
 * stream's width: the model's H, or where this CPU has specialised loops and 8 < H < 64, H rounded
 * up to a multiple of 8 (the units past H stay exactly 0; stream.c, stream_width). */
const float *rfx_stream_state(const RfxStream *st, size_t *n_floats);
/* The name of the kernel chosen at init ("generic", "avx2", "avx2-loop"), for benchmarks. */
const char *rfx_stream_kernel_name(const RfxStream *st);

#endif
