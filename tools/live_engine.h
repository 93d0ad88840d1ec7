/* rnnfx tools — the real-time core of rnnfx-live, apart from PortAudio so that it can be tested
 * with threads of its own (tests/runners/handoff_stress.c, under ThreadSanitizer).
 *
 * A LiveModel is one loaded model ready to run: a stream per channel and scratch space. A Live
 * runs the current LiveModel in live_process() (the audio thread) and swaps in a new one posted
 * by live_post() (the main thread):
 *
 *   main thread                          audio thread (live_process)
 *   m = live_model_load(...)
 *   free(live_post(lv, m))  ── pending ──> takes m when no fade runs and `retired` is empty,
 *                                          crossfades old -> m over fade_len frames,
 *   free(live_collect(lv))  <── retired ── hands the old model back
 *
 * Each slot holds at most one model, both sides only exchange pointers atomically, and neither
 * ever waits for the other; the audio thread never allocates, frees, locks or prints.
 */
#ifndef RFX_TOOLS_LIVE_ENGINE_H
#define RFX_TOOLS_LIVE_ENGINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/model.h"

#define LIVE_MAX_CHANNELS 8
#define LIVE_CHUNK 512            /* frames per processing step inside one live_process call */

typedef struct LiveModel LiveModel;

/* Conditioning inputs held constant: index 1..I-1 and value. */
typedef struct {
	int n;
	int index[RFX_MAX_INPUTS];
	float value[RFX_MAX_INPUTS];
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
	LiveModel *cur, *fading;
	uint32_t fade_pos, fade_len;
	uint32_t nonfinite_base;      /* caught by models already retired */
	float in[LIVE_CHUNK];         /* one channel of input, deinterleaved */
	/* Shared. */
	_Atomic(LiveModel *) pending; /* main -> audio */
	_Atomic(LiveModel *) retired; /* audio -> main */
	atomic_uint in_underflow, in_overflow, out_underflow, out_overflow;
	atomic_uint nonfinite, swaps;
	atomic_uint class_idx, class_conf_bits; /* classifier: the last buffer's winner */
	atomic_ullong frames;
} Live;

/* Main thread. Loads `path` and builds a model for C channels running at host_rate (0: the
 * model's own rate); at another rate than the model's it resamples around the network
 * (dsp/rate.h). NULL with a sentence in `msg` on failure (a load error, a conditioning input
 * `cond` does not give, a classifier at another rate). */
LiveModel *live_model_load(const char *path, int C, const LiveCond *cond, double host_rate,
			   char *msg, size_t msg_size);
void live_model_free(LiveModel *m);
double live_model_rate(const LiveModel *m);
/* Samples of delay the resampling adds (0 at the model's rate). */
unsigned live_model_latency(const LiveModel *m);
/* 1 for an effect, K for a classifier. */
int live_model_outputs(const LiveModel *m);
const char *live_model_label(const LiveModel *m, int k);

/* Main thread, before the audio starts: `first` becomes the current model. */
void live_init(Live *lv, int C, double rate, double fade_ms, LiveModel *first);
/* Main thread: offers `m` to the audio thread. Returns the model it replaces in the pending slot
 * (one the audio thread never took), for the caller to free, or NULL. */
LiveModel *live_post(Live *lv, LiveModel *m);
/* Main thread: the model the audio thread has finished with, for the caller to free, or NULL. */
LiveModel *live_collect(Live *lv);
/* Main thread, after the audio stopped: frees every model the Live still holds. */
void live_free_all(Live *lv);

/* Audio thread: n interleaved frames of C channels; `in` may be NULL (taken as silence).
 * An effect writes its output; a classifier passes `in` through and publishes its class. */
void live_process(Live *lv, const float *in, float *out, unsigned long n, unsigned flags);

/* Any thread: the class with the largest mean probability over the last buffer, and that mean. */
unsigned live_class(const Live *lv, float *confidence);

#endif
