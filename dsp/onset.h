/* rnnfx — onset detection: an onset model's per-sample probabilities in, hits out.
 *
 * An onset model (RFX_MODE_ONSET) gives, per sample, K independent probabilities: p_k is "a hit of
 * class k began within the last few milliseconds" (its training target is 1 for a short tolerance
 * after each labelled onset, 0 elsewhere). This turns them into hits, the same way for the
 * plugin's MIDI output, rnnfx-run's CSV and MIDI files, and the trainer's metrics:
 *
 *   - class k fires at the first sample where p_k >= threshold while it is armed; the hit is
 *     reported at that sample (its decision time), and class k disarms;
 *   - it re-arms once p_k has fallen below `release` and at least `min_gap_ms` have passed since
 *     it fired: one hit gives one note, however long p_k stays high, and a roll of the same
 *     drum gives a note per stroke as long as the strokes are min_gap_ms apart;
 *   - no class fires while the input's recent peak is below `gate_db` (silence, room noise and
 *     faint bleed stay silent whatever the model says);
 *   - the velocity is the input's peak over the last ~10 ms at the decision sample, mapped from
 *     `vel_floor_db` (velocity 1) to 0 dBFS (127), linearly in dB.
 *
 * Real-time safe: fixed-size state, no allocation, bounded work per sample. Non-finite
 * probabilities or input samples count as 0 (they never fire and never stick).
 */
#ifndef RFX_ONSET_H
#define RFX_ONSET_H

#include <stdint.h>

#include "rnnfx.h"

typedef struct {
	float threshold;    /* fire at p >= threshold (0.5) */
	float release;      /* re-arm below it (0.25) */
	float min_gap_ms;   /* shortest time between two hits of one class (30 ms) */
	float gate_db;      /* no hit while the input's peak is below it (-60 dBFS) */
	float vel_floor_db; /* the peak level that gives velocity 1 (-48 dBFS); 0 dBFS gives 127 */
} RfxOnsetConfig;

typedef struct {
	uint32_t frame;     /* sample index within the block passed to rfx_onset_process */
	int cls;            /* 0..K-1 */
	int velocity;       /* 1..127 */
	float confidence;   /* p_cls at the decision sample */
	float level_db;     /* the input's peak at the decision sample, dBFS */
} RfxOnsetEvent;

typedef struct {
	RfxOnsetConfig cfg;
	int K;
	uint32_t gap;                       /* min_gap_ms in samples */
	uint32_t since[RFX_MAX_CLASSES];    /* samples since class k fired (saturates) */
	uint8_t armed[RFX_MAX_CLASSES];
	float peak, peak_decay;             /* instant attack, ~10 ms release */
	float gate, vel_floor;              /* linear gate; vel_floor_db */
} RfxOnsetDetector;

/* The defaults above. */
RfxOnsetConfig rfx_onset_config_default(void);

/* K classes (1..RFX_MAX_CLASSES) at `rate` Hz; every class armed, no peak. Out-of-range fields of
 * cfg are clamped (threshold and release to [0, 1], release <= threshold, gap >= 0). */
void rfx_onset_init(RfxOnsetDetector *d, int K, double rate, const RfxOnsetConfig *cfg);

/* Changes the thresholds, gap, gate and velocity floor without touching the state (a host's
 * controls moving). */
void rfx_onset_configure(RfxOnsetDetector *d, double rate, const RfxOnsetConfig *cfg);

/* Every class armed, no peak (a transport jump, a new model). */
void rfx_onset_reset(RfxOnsetDetector *d);

/* One block: x[i] the mono input, p[i * K + k] the model's probabilities. Writes up to max_events
 * hits in frame order (and, within a frame, class order) and returns how many; hits past
 * max_events are dropped (their classes still disarm). */
int rfx_onset_process(RfxOnsetDetector *d, const float *x, const float *p, uint32_t n,
		      RfxOnsetEvent *events, int max_events);

/* The General MIDI percussion note (channel 10) for a class label: "kick" 36, "snare" 38,
 * "hihat" 42, "hihat_open" 46, "tom" 45, "tom_high" 50, "tom_low" 41, "cymbal"/"crash" 49,
 * "ride" 51, "clap" 39, "rim" 37, "cowbell" 56; -1 for any other label. */
int rfx_onset_gm_note(const char *label);

#endif
