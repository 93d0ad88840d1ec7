/* rnnfx LV2 plugin — port indices and the fixed timings of the effect.
 *
 * Shared by the plugin and its test host (tests/lv2/), so both agree on what the plugin does to a
 * fresh stream before it is heard (the pre-run) and how long the fades last.
 * The port indices must match ttl/rnnfx.ttl.in; the symbols there never change.
 */
#ifndef RFX_PLUGIN_H
#define RFX_PLUGIN_H

#include "../dsp/rnnfx.h"

typedef enum {
	RFX_PORT_IN = 0,      /* "in"         audio input */
	RFX_PORT_OUT,         /* "out"        audio output */
	RFX_PORT_CONTROL,     /* "control"    atom input: patch:Set / patch:Get */
	RFX_PORT_NOTIFY,      /* "notify"     atom output: patch:Set of the current model */
	RFX_PORT_IN_GAIN,     /* "in_gain"    dB, before the model */
	RFX_PORT_OUT_GAIN,    /* "out_gain"   dB, after the dry/wet mix */
	RFX_PORT_MIX,         /* "mix"        0 = dry .. 1 = wet */
	RFX_PORT_ENABLED,     /* "enabled"    lv2:enabled; 0 = bypass (cross-faded) */
	RFX_PORT_LATENCY,     /* "latency"    output, samples (the resampler's, 0 at the model's rate) */
	RFX_PORT_STATUS,      /* "status"     output, RfxPluginStatus */
	RFX_PORT_MODEL_RATE,  /* "model_rate" output, Hz the model was trained at (0 = none) */
	RFX_PORT_KNOB1,       /* "knob1".."knob4": a knob model's knobs, 0..1 over the trained range */
	RFX_PORT_KNOB2,
	RFX_PORT_KNOB3,
	RFX_PORT_KNOB4,
	RFX_PORT_COUNT
} RfxPortIndex;

/* Values of the status port (scale points in the TTL). */
typedef enum {
	RFX_PLUGIN_STATUS_NONE = 0,      /* no model loaded: the wet path passes the input through */
	RFX_PLUGIN_STATUS_OK = 1,
	RFX_PLUGIN_STATUS_LOAD_ERROR = 2, /* the last load failed; the previous model keeps running */
	/* Running, trained at another sample rate: resampled to the model's rate and back, with the
	 * latency on the latency port. (Before resampling existed, 3 meant the same mismatch run
	 * unresampled; the value keeps meaning "model rate != host rate".) */
	RFX_PLUGIN_STATUS_RESAMPLING = 3,
	RFX_PLUGIN_STATUS_RATE = RFX_PLUGIN_STATUS_RESAMPLING /* the old name */
} RfxPluginStatus;

/* The dry signal is delayed by the model's latency so dry, wet and bypass stay aligned; this is
 * the delay line's length (a power of two), and engines with more latency are refused. */
#define RFX_PLUGIN_MAX_LATENCY 8192u

/* Zeros a new model runs on the worker before it is heard, so its state has settled on silence
 * (rfx_engine_settle). */
#define RFX_PLUGIN_PRERUN RFX_ENGINE_SETTLE_FRAMES
/* Old model -> new model cross-fade, linear. */
#define RFX_PLUGIN_SWAP_FADE_S 0.030
/* Bypass cross-fade, linear. */
#define RFX_PLUGIN_BYPASS_FADE_S 0.020
/* Time constant of the one-pole smoothers on the gains and the mix. */
#define RFX_PLUGIN_SMOOTH_S 0.020

/* Fade length in samples at `rate` (at least 1). */
static inline unsigned rfx_plugin_fade_len(double rate, double seconds)
{
	return rfx_engine_fade_frames(rate, seconds);
}

#endif
