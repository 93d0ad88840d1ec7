/* rnnfx — a model stream at any host sample rate.
 *
 * A recurrent model only sounds right at the rate it was trained at (Fm = spec.sample_rate): its
 * state evolves once per sample, so at another rate every time constant and every frequency it
 * learned is off. An RfxRateStream wraps a stream (stream.h) for a host at Fh != Fm:
 *
 *     in (Fh) -> sanitize -> resample Fh->Fm -> rfx_stream_process -> resample Fm->Fh -> FIFO -> out
 *
 * - Exactly n output samples for n input samples, on every call, for any n (0 and 1 included).
 * - A fixed latency of rfx_rate_latency() host samples. The resamplers (libsamplerate's sinc
 *   converters) are time-aligned: output sample k lands exactly at input time k / ratio, they only
 *   hand it out once they have seen half a filter of input past it. The output FIFO starts with
 *   `latency` zeros, the smallest count (plus a margin) that keeps it from running dry after any
 *   number of input samples; how many samples the converters return depends only on how many they
 *   have been given, never on how the input was cut into calls, so no block pattern can make it
 *   run dry. Output sample t is then exactly the resampled model output for host time t - latency.
 * - Output depends only on the samples seen since create or reset, never on how they were cut into
 *   calls (bit-identical).
 * - When |Fh - Fm| <= RFX_RATE_SAME_HZ there is no resampling: process is rfx_stream_process itself
 *   (bit-identical), latency 0.
 * - Effects only. A classifier's K probabilities per sample are not a signal to resample: a
 *   classifier runs only at its own rate (pass-through); at another rate create refuses it with
 *   RFX_ERR_INVALID and says so in `detail`.
 *
 * Threads: rfx_rate_create/_destroy allocate (libsamplerate's src_new allocates its own state, so
 * there is no preallocated _init form); call them off the audio thread. rfx_rate_process,
 * _reset and _set_input are real-time safe: no allocation (tests/test_rate.c counts), no lock, no
 * I/O, O(n) time. A non-finite input sample is taken as 0 before it reaches the resampler, so it
 * cannot poison the filter history; the output is always finite.
 *
 * Cost at the default quality (RFX_RATE_QUALITY_DEFAULT), 44.1 kHz host and 48 kHz model: see
 * docs/plugin.md ("Sample rates") for the measured latency, SNR and CPU.
 */
#ifndef RFX_RATE_H
#define RFX_RATE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "rnnfx.h"
#include "stream.h"

/* RFX_RATE_SAME_HZ, RFX_RATE_MAX_RATIO, RfxRateQuality and RFX_RATE_QUALITY_DEFAULT are public
 * (a host passes a quality to rfx_engine_create): rnnfx.h. */

typedef struct RfxRateStream RfxRateStream;

/* Builds a stream of `model` for a host at `host_rate` Hz. The model may be freed afterwards.
 * Errors: RFX_ERR_INVALID (NULL, a rate <= 0 or non-finite, a ratio past RFX_RATE_MAX_RATIO, a
 * classifier at another rate, an unknown quality), RFX_ERR_NOMEM; `detail` (may be NULL) gets a
 * sentence. Allocates: never on the audio thread. */
RFX_MUST_CHECK
RfxStatus rfx_rate_create(const RfxModel *model, double host_rate, RfxRateQuality quality,
			  RfxRateStream **out, char *detail, size_t detail_size);
/* NULL is fine. Never on the audio thread. */
void rfx_rate_destroy(RfxRateStream *rs);

/* Back to the state just after create: model state, resampler histories, FIFO of `latency` zeros. */
void rfx_rate_reset(RfxRateStream *rs);

/* Runs n host-rate samples: `out` receives n * rfx_rate_n_outputs() floats (n for an effect).
 * in == out is allowed for an effect. */
void rfx_rate_process(RfxRateStream *rs, const float *in, float *out, uint32_t n);

/* Two channels of one model, as rfx_rate_process on each, with the same output: through
 * rfx_stream_process_pair (one loop for both) when neither resamples, else one after the other. */
void rfx_rate_process_pair(RfxRateStream *a, RfxRateStream *b, const float *in_a, const float *in_b,
			   float *out_a, float *out_b, uint32_t n);

/* Conditioning input `index` (1..I-1), as rfx_stream_set_input. */
void rfx_rate_set_input(RfxRateStream *rs, int index, float value);

/* Host samples between an input sample and its effect at the output; 0 without resampling. */
uint32_t rfx_rate_latency(const RfxRateStream *rs);
/* 1 when the host rate differs from the model's (the signal is resampled), else 0. */
int rfx_rate_is_resampling(const RfxRateStream *rs);
double rfx_rate_host_rate(const RfxRateStream *rs);
double rfx_rate_model_rate(const RfxRateStream *rs);
int rfx_rate_n_outputs(const RfxRateStream *rs);
/* Non-finite input samples plus the inner stream's own catches (rfx_stream_nonfinite_count). */
uint32_t rfx_rate_nonfinite_count(const RfxRateStream *rs);
/* Times the output FIFO ran dry or overflowed, or the resampler reported an error: 0 unless the
 * latency computation is wrong. Tests read it. */
uint32_t rfx_rate_fault_count(const RfxRateStream *rs);
/* The wrapped model stream, for inspection (state, kernel name). */
const RfxStream *rfx_rate_stream(const RfxRateStream *rs);

#endif
