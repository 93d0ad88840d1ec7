/* rnnfx LV2 plugins — a loaded model: the engine that runs it (dsp/rnnfx.h, one channel at the
 * host's rate, settled on silence) and what the host sees of it: its path, its JSON text for the
 * state and, for a classifier, its labels.
 *
 * Built and freed off the audio thread (worker, or restore()). Once built it is immutable except
 * for its engine's recurrent state, which only the audio thread touches while the engine is heard.
 * The engine's user pointer (rfx_engine_user) is the RfxLoaded it belongs to, so the audio thread
 * finds the RfxLoaded of an engine the swap hands back.
 */
#ifndef RFX_PLUGIN_LOADED_H
#define RFX_PLUGIN_LOADED_H

#include <stdbool.h>
#include <stddef.h>

#include "../dsp/rnnfx.h"

/* Why a load failed, for the plugins' status ports. */
typedef enum {
	RFX_LOAD_FAIL_NONE = 0,
	RFX_LOAD_FAIL_LOAD,  /* unreadable, not a model, or out of memory */
	RFX_LOAD_FAIL_KIND,  /* a valid model of the other kind (effect vs classifier) */
	RFX_LOAD_FAIL_RATE   /* a classifier trained at another rate than the host's */
} RfxLoadFail;

/* The longest metadata "name" (bytes) a loaded model keeps for the state. */
#define RFX_LOADED_NAME_MAX 256

typedef struct RfxLoaded {
	RfxEngine *engine;        /* one channel at the host's rate; its user pointer is this */
	char *labels;             /* classifier: the K labels joined by ',' (empty ones as their index,
				   * commas inside a label as ';'); NULL for an effect */
	char *knobs;              /* effect: what its knob ports do, for the host (RFX_PARAM_KNOBS):
				   * "knob1: gain 0 to 10 (default 5); ...", "" without knobs */
	char *path;               /* absolute path of the model file, or NULL */
	char *json;               /* the model as JSON text for state:save: the header, labels and
				   * weights; of the metadata only its "name" */
	struct RfxLoaded *next;   /* link in the plugin's list of models waiting to be freed */
	int n_knobs;              /* knob ports that drive this model (0..RFX_MAX_KNOBS) */
	int knob_input[RFX_MAX_KNOBS]; /* the conditioning input knob port i drives */
	bool knob_unit[RFX_MAX_KNOBS]; /* the input is the port's value p itself (a "unit" knob, or
				   * a conditioned model without knobs); else 2 p - 1 ("linear") */
	bool onset;               /* an onset model (drum hits): the classifier plugin's onset mode */
	int notes[RFX_MAX_CLASSES]; /* onset: each class's MIDI note (rfx_model_note, else 60 + k) */
} RfxLoaded;

/* The network value knob port value p (0..1) gives model m's knob i: the knob's place in its
 * range, scaled as the knob says (rfx_knob_input at v = min + p (max - min), in float). */
static inline float rfx_loaded_knob_value(const RfxLoaded *m, int i, float p)
{
	return m->knob_unit[i] ? p : 2.0f * p - 1.0f;
}

/* Loads a model for a host at `host_rate` Hz from `json` (when not NULL) or else from the file
 * at `path`, builds its engine and settles it (rfx_engine_settle). `path` is kept as the model's
 * path either way (may be NULL with json). `mode` is the kind of model the calling plugin runs:
 * RFX_MODE_EFFECT refuses classifiers and rates too far apart to resample (RFX_RATE_MAX_RATIO);
 * RFX_MODE_CLASSIFIER refuses effects and any rate but the model's own. Allocates: never on the
 * audio thread. On error fills `detail` with a sentence and `fail` (may be NULL) with the
 * reason. */
RfxStatus rfx_loaded_load(const char *path, const char *json, size_t json_len, double host_rate,
			  RfxOutputMode mode, RfxLoaded **out, RfxLoadFail *fail, char *detail,
			  size_t detail_size);

/* NULL is fine. Never on the audio thread. */
void rfx_loaded_free(RfxLoaded *m);

/* The RfxLoaded an engine belongs to (NULL for NULL). */
static inline RfxLoaded *rfx_loaded_of(const RfxEngine *e)
{
	return e ? (RfxLoaded *)rfx_engine_user(e) : NULL;
}

#endif
