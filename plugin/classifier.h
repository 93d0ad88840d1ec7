/* rnnfx LV2 classifier plugin — port indices, status values and the smoothing formula.
 *
 * Shared by the plugin (plugin/classifier.c) and its test host (tests/lv2/lv2host.c), so both
 * compute the one-pole coefficient the same way. Port indices must match the classifier in
 * ttl/rnnfx.ttl.in; the symbols there never change.
 */
#ifndef RFX_PLUGIN_CLASSIFIER_H
#define RFX_PLUGIN_CLASSIFIER_H

#include <math.h>

#include <lv2/core/lv2.h>

typedef enum {
	RFX_CLS_PORT_IN = 0,      /* "in"          audio input */
	RFX_CLS_PORT_OUT,         /* "out"         audio output: the input, bit for bit */
	RFX_CLS_PORT_CONTROL,     /* "control"     atom input: patch:Set / patch:Get */
	/* midi_out comes before notify: Ardour 7 hands a plugin's MIDI-capable atom outputs the
	 * track's MIDI buffers, but after run() forwards every atom output in port order as the next
	 * MIDI output, so an atom output before midi_out took the track's MIDI and the notes were lost
	 * (tests/lv2/check-classifier-ardour.sh). */
	RFX_CLS_PORT_MIDI_OUT,    /* "midi_out"    atom output: note on/off per winning class */
	RFX_CLS_PORT_NOTIFY,      /* "notify"      atom output: patch:Set of the model and labels */
	RFX_CLS_PORT_SMOOTHING,   /* "smoothing"   ms, one-pole time constant on the probabilities */
	RFX_CLS_PORT_THRESHOLD,   /* "threshold"   a new winner needs a smoothed probability above it */
	RFX_CLS_PORT_BASE_NOTE,   /* "base_note"   MIDI note of class 0 */
	RFX_CLS_PORT_ENABLED,     /* "enabled"     lv2:enabled; 0 = the model rests, no class */
	RFX_CLS_PORT_CLASS,       /* "class"       output: winning class, -1 = none */
	RFX_CLS_PORT_CONFIDENCE,  /* "confidence"  output: the winner's smoothed probability */
	RFX_CLS_PORT_STATUS,      /* "status"      output: RfxClsStatus */
	RFX_CLS_PORT_LATENCY,     /* "latency"     output: always 0 */
	RFX_CLS_PORT_MODEL_RATE,  /* "model_rate"  output: Hz the model was trained at (0 = none) */
	RFX_CLS_PORT_P0,          /* "p0".."p7"    output: smoothed probability of class 0..7 */
	RFX_CLS_PORT_P7 = RFX_CLS_PORT_P0 + 7,
	RFX_CLS_PORT_NOTE_LENGTH, /* "note_length" onset models: ms from a hit's note-on to its off */
	RFX_CLS_PORT_GATE,        /* "gate"        onset models: no hit below this input peak, dBFS */
	RFX_CLS_PORT_COUNT
} RfxClsPortIndex;

#define RFX_CLS_N_PROB_PORTS 8

/* Values of the status port (scale points in the TTL). */
typedef enum {
	RFX_CLS_STATUS_NONE = 0,       /* no model: audio passes, class -1 */
	RFX_CLS_STATUS_OK = 1,
	RFX_CLS_STATUS_LOAD_ERROR = 2, /* the last load failed; the previous model keeps running */
	RFX_CLS_STATUS_RATE = 3,       /* the last model was trained at another rate: refused */
	RFX_CLS_STATUS_NOT_CLASSIFIER = 4 /* the last model was an effect: refused */
} RfxClsStatus;

/* Control defaults (the TTL's lv2:default). */
#define RFX_CLS_DEFAULT_SMOOTHING_MS 20.0f
#define RFX_CLS_DEFAULT_THRESHOLD 0.6f
#define RFX_CLS_DEFAULT_BASE_NOTE 60
#define RFX_CLS_DEFAULT_NOTE_LENGTH_MS 50.0f
#define RFX_CLS_DEFAULT_GATE_DB -60.0f

/* The one-pole coefficient a of s += a * (p - s) for a time constant of `ms` milliseconds at
 * `rate` Hz: 1 - exp(-1 / (rate * ms / 1000)); 1 (no smoothing) at 0 ms. */
static inline float rfx_cls_smooth_coef(double rate, float ms)
{
	if (!(ms > 0.0f))
		return 1.0f;
	return (float)(1.0 - exp(-1000.0 / (rate * (double)ms)));
}

/* The classifier's descriptor, index 1 of lv2_descriptor() (plugin/rnnfx.c). */
extern const LV2_Descriptor rfx_classifier_descriptor;

#endif
