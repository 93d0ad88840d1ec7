/* rnnfx — an engine: one model run on C channels at a host's sample rate, and the cross-faded
 * swap from one engine to the next. The part of a host that is not the host: the LV2 plugins
 * (plugin/), rnnfx-live (tools/live_engine.c) and rnnfx-run (tools/rnnfx-run.c) all run models
 * through it, so they cannot drift apart.
 *
 *     engine:  in (C channels, interleaved) -> C rate streams (rate.h) -> out
 *     swap:    out = old + g * (new - old),  g = pos / fade_len for the pos-th frame of the fade
 *
 * An engine holds one rate stream per channel, all made from the same model (each channel its own
 * recurrent state), and scratch space for C channels; it keeps the model's labels but no pointer
 * to the model, which may be freed once the engine is made. At the model's rate the streams are
 * plain streams (bit for bit, latency 0); at another they resample around the model.
 *
 * Threads: rfx_engine_create/_destroy allocate: never on the audio thread. rfx_engine_settle runs
 * a few thousand samples: load time, or a host callback that is not real-time (LV2 activate()).
 * rfx_engine_process, _reset, _set_input and every rfx_engine_swap_* function but _release are
 * real-time: no allocation, lock or I/O, O(n) time. The NaN guard: a non-finite input sample is
 * taken as 0 and a non-finite state resets its stream (rfx_engine_nonfinite_count counts both);
 * the output is always finite.
 */
#ifndef RFX_ENGINE_H
#define RFX_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "rate.h"

/* Channels of one engine (libsndfile's limit), and of a swap (its scratch is preallocated). */
#define RFX_ENGINE_MAX_CHANNELS 1024
#define RFX_ENGINE_SWAP_MAX_CHANNELS 8
/* Frames an engine processes per inner pass; calls of any length are cut into passes of this. */
#define RFX_ENGINE_CHUNK 256
/* Zeros (host rate) rfx_engine_settle runs through a new engine so that what is heard first is the
 * model settled on silence, not its raw initial state. */
#define RFX_ENGINE_SETTLE_FRAMES 2048

typedef struct RfxEngine RfxEngine;

/* Builds an engine of `model` for `channels` (1..RFX_ENGINE_MAX_CHANNELS) channels at `host_rate`
 * Hz (0: the model's own rate), resampling at `quality` when the rates differ. The state is the
 * model's initial one (no settle). Errors: RFX_ERR_INVALID (NULL, a channel count out of range,
 * and what rfx_rate_create refuses: a rate or ratio out of range, a classifier at another rate),
 * RFX_ERR_NOMEM; `detail` (may be NULL) gets a sentence. Allocates: never on the audio thread. */
RfxStatus rfx_engine_create(const RfxModel *model, int channels, double host_rate,
			    RfxRateQuality quality, RfxEngine **out, char *detail, size_t detail_size);
/* NULL is fine. Never on the audio thread. */
void rfx_engine_destroy(RfxEngine *e);

/* Back to the state just after create, on every channel. */
void rfx_engine_reset(RfxEngine *e);
/* Reset, then RFX_ENGINE_SETTLE_FRAMES zeros through every channel: the state a fresh load is
 * heard from. Not real-time (a few hundred microseconds per channel). */
void rfx_engine_settle(RfxEngine *e);
/* Conditioning input `index` (1..I-1) of every channel, as rfx_stream_set_input. */
void rfx_engine_set_input(RfxEngine *e, int index, float value);

/* Runs n frames. `in` holds C interleaved channels. An effect writes C interleaved channels to
 * `out` (in == out allowed); a classifier writes K floats per frame: the class probabilities
 * summed over the channels, channel 0 first (in == out not allowed). Pairs of effect channels run
 * through one loop (rfx_rate_process_pair: the same output, less time). With one channel this is
 * rfx_rate_process itself. */
void rfx_engine_process(RfxEngine *e, const float *in, float *out, uint32_t n);

int rfx_engine_channels(const RfxEngine *e);
/* 1 for an effect, K for a classifier. */
int rfx_engine_outputs(const RfxEngine *e);
/* Host samples between an input sample and its effect at the output; 0 at the model's rate. */
uint32_t rfx_engine_latency(const RfxEngine *e);
/* 1 when the host rate differs from the model's (the signal is resampled), else 0. */
int rfx_engine_is_resampling(const RfxEngine *e);
double rfx_engine_model_rate(const RfxEngine *e);
double rfx_engine_host_rate(const RfxEngine *e);
/* Class k's label ("" when unnamed, or for an effect or k out of range). */
const char *rfx_engine_label(const RfxEngine *e, int k);
/* Non-finite inputs and states caught on all channels since create. */
uint32_t rfx_engine_nonfinite_count(const RfxEngine *e);

/* The host's own pointer (the object the engine belongs to, for the host's lists); NULL at
 * create. */
void rfx_engine_set_user(RfxEngine *e, void *user);
void *rfx_engine_user(const RfxEngine *e);

/* ------------------------------------------------------------------------------------------ */
/* The swap: what a host hears, the current engine and, during a cross-fade, the one before it.
 * The host embeds it (no allocation); only the audio thread touches it once audio runs. The
 * fields are the host's to read, not to write. */
typedef struct {
	int channels;
	RfxEngine *cur;     /* heard now; NULL = the identity (out = in) */
	RfxEngine *prev;    /* fading out while `fading`; NULL = the identity */
	uint32_t fade_len;  /* frames, >= 1 */
	uint32_t fade_pos;  /* frames of the fade done; < fade_len while fading */
	int fading;
	float old[RFX_ENGINE_CHUNK * RFX_ENGINE_SWAP_MAX_CHANNELS]; /* prev's output for one pass */
} RfxEngineSwap;

/* Fade length in frames for `seconds` at `rate`: rate * seconds rounded, at least 1. */
uint32_t rfx_engine_fade_frames(double rate, double seconds);

/* Not real-time (it only clears): no engine, the identity, for `channels` channels
 * (1..RFX_ENGINE_SWAP_MAX_CHANNELS; engines swapped in must have as many); cross-fades last
 * fade_len frames (0 taken as 1). */
void rfx_engine_swap_init(RfxEngineSwap *s, int channels, uint32_t fade_len);

/* Audio thread: `next` becomes the current engine. Between two effects (NULL counts as one) a
 * cross-fade starts and NULL is returned: the old engine comes back from rfx_engine_swap_process
 * or _finish when the fade ends. With a classifier on either side there is no audio to fade: the
 * old engine is returned at once for the host to free. Call it only when no fade runs (`fading`
 * clear); while one runs, or when `next` has another channel count than the swap, it does
 * nothing and returns `next`, which the host keeps. */
RfxEngine *rfx_engine_swap_start(RfxEngineSwap *s, RfxEngine *next);

/* Audio thread: ends a cross-fade at once (the new engine alone from now on). Returns the engine
 * that was fading out, for the host to free, or NULL. */
RfxEngine *rfx_engine_swap_finish(RfxEngineSwap *s);

/* Audio thread: n frames of `channels` interleaved channels (in == out allowed): the current
 * effect's output (or the input, for the identity or a classifier, which this does not run),
 * cross-faded from the old engine's while a fade runs. Returns the old engine when the fade ended
 * in this call, for the host to free, else NULL. */
RfxEngine *rfx_engine_swap_process(RfxEngineSwap *s, const float *in, float *out, uint32_t n);

/* Not real-time: destroys both engines the swap holds and empties it. */
void rfx_engine_swap_release(RfxEngineSwap *s);

#endif
