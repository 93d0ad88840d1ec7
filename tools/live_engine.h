/* rnnfx tools — the real-time core of rnnfx-live, apart from PortAudio so that it can be tested
 * with threads of its own (tests/runners/handoff_stress.c, under ThreadSanitizer).
 *
 * The engine and its cross-faded swap are the library's (dsp/rnnfx.h), the same code the LV2
 * plugin runs; this file is only the hand-over between rnnfx-live's two threads. A Live runs the
 * current engine in live_process() (the audio thread) and swaps in a new one posted by
 * live_post() (the main thread):
 *
 *   main thread                          audio thread (live_process)
 *   e = live_load(...)
 *   destroy(live_post(lv, e)) ─ pending ─> takes e when no fade runs and `retired` is empty,
 *                                          cross-fades old -> e (rfx_engine_swap_start),
 *   destroy(live_collect(lv)) <─ retired ─ hands the old engine back
 *
 * Each slot holds at most one engine, both sides only exchange pointers atomically, and neither
 * ever waits for the other; the audio thread never allocates, frees, locks or prints.
 *
 * Conditioning inputs (a knob turned while the audio runs) go the same way: live_set_input stores
 * the value and bumps a generation counter; the audio thread picks the values up at its next
 * buffer and glides each input to its new value (a 20 ms one-pole, applied every LIVE_GLIDE_PASS
 * frames, as the LV2 plugin's knob ports do), on the engine heard and on one fading out.
 */
#ifndef RFX_TOOLS_LIVE_ENGINE_H
#define RFX_TOOLS_LIVE_ENGINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/rnnfx.h"

#define LIVE_MAX_CHANNELS RFX_ENGINE_SWAP_MAX_CHANNELS
/* Frames between two steps of a gliding input, and the glide's time constant. */
#define LIVE_GLIDE_PASS 32
#define LIVE_GLIDE_S 0.02

/* Conditioning inputs held constant: index 1..I-1 and value; and a knob model's knobs by name
 * (resolved for each model loaded, so a reload with other knobs is mapped again; --cond for the
 * same input wins). */
typedef struct {
	int n;
	int index[RFX_MAX_INPUTS];
	float value[RFX_MAX_INPUTS];
	int n_knob;
	RfxKnobSetting knob[RFX_MAX_KNOBS];
} LiveCond;

/* What the audio back-end reported for a buffer (PortAudio's status flags, mapped). */
enum {
	LIVE_IN_UNDERFLOW = 1,
	LIVE_IN_OVERFLOW = 2,
	LIVE_OUT_UNDERFLOW = 4,
	LIVE_OUT_OVERFLOW = 8
};

typedef struct {
	/* The audio thread's own; the main thread reads them only before start and after stop. */
	int C;
	RfxEngineSwap swap;           /* swap.cur: the engine heard now */
	uint32_t nonfinite_base;      /* caught by engines already retired */
	float probs[RFX_ENGINE_CHUNK * RFX_MAX_CLASSES]; /* a classifier's output for one pass */
	/* Shared. */
	_Atomic(RfxEngine *) pending; /* main -> audio */
	_Atomic(RfxEngine *) retired; /* audio -> main */
	atomic_uint in_underflow, in_overflow, out_underflow, out_overflow;
	atomic_uint nonfinite, swaps;
	atomic_uint class_idx, class_conf_bits; /* classifier: the last buffer's winner */
	atomic_ullong frames;
	/* Conditioning inputs: main -> audio (live_set_input). */
	atomic_uint want_bits[RFX_MAX_INPUTS]; /* the float values' bits */
	atomic_uint want_mask;                 /* bit i: input i was given */
	atomic_uint want_gen;                  /* bumped after every change */
	/* The audio thread's view of them. */
	unsigned seen_gen, have_mask;
	float in_cur[RFX_MAX_INPUTS], in_target[RFX_MAX_INPUTS];
	float glide_coef;                      /* one-pole step per LIVE_GLIDE_PASS frames */
} Live;

/* What live_load found in the model: every conditioning input the engine was built with (from
 * --cond, and the knobs' settings or defaults), and the model's knobs, for changes by name. */
typedef struct {
	LiveCond inputs;   /* index/value pairs only (n_knob 0) */
	int n_knobs;
	RfxKnob knob[RFX_MAX_KNOBS];
} LiveModelInputs;

/* Main thread. Loads `path` and builds an engine for C channels running at host_rate (0: the
 * model's own rate; at another it resamples around the network, dsp/rate.h), with the
 * conditioning inputs `cond` set, settled on silence (rfx_engine_settle) as the plugin does;
 * `info` (may be NULL) gets the inputs and knobs. NULL with a sentence in `msg` on failure (a load
 * error, a conditioning input `cond` does not give, a classifier at another rate). Free it with
 * rfx_engine_destroy. */
RfxEngine *live_load(const char *path, int C, const LiveCond *cond, double host_rate,
		     LiveModelInputs *info, char *msg, size_t msg_size);

/* Main thread, before the audio starts: `first` becomes the current engine, heard at once. Swaps
 * cross-fade over fade_ms. */
void live_init(Live *lv, int C, double rate, double fade_ms, RfxEngine *first);
/* Main thread, any time: conditioning input `index` (1..RFX_MAX_INPUTS-1) should be `value`. Given
 * before the audio starts (the value the first engine was built with), it holds at once; later, the
 * audio thread glides to it. A reload builds its engine with the newest values (the caller's
 * LiveCond) and the audio thread sets the glide's current values on it as it takes it. */
void live_set_input(Live *lv, int index, float value);

/* Main thread: offers `e` to the audio thread. Returns the engine it replaces in the pending slot
 * (one the audio thread never took), for the caller to destroy, or NULL. */
RfxEngine *live_post(Live *lv, RfxEngine *e);
/* Main thread: the engine the audio thread has finished with, for the caller to destroy, or
 * NULL. */
RfxEngine *live_collect(Live *lv);
/* Main thread, after the audio stopped: destroys every engine the Live still holds. */
void live_free_all(Live *lv);

/* Audio thread: n interleaved frames of C channels; `in` may be NULL (taken as silence).
 * An effect writes its output; a classifier passes `in` through and publishes its class. */
void live_process(Live *lv, const float *in, float *out, unsigned long n, unsigned flags);

/* Any thread: the class with the largest mean probability over the last buffer, and that mean. */
unsigned live_class(const Live *lv, float *confidence);

#endif
