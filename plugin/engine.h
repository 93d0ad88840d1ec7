/* rnnfx LV2 plugin — an engine: one loaded model turned into a ready-to-run stream at the host's
 * sample rate (dsp/rate.h: resampled, with a fixed latency, when the model was trained at another
 * rate; the plain stream, bit for bit, when the rates match).
 *
 * Engines are built and freed off the audio thread (worker, or restore() when the host gives no
 * worker). Once built an engine is immutable except for its stream's recurrent state, which only
 * the audio thread touches while the engine is current.
 */
#ifndef RFX_PLUGIN_ENGINE_H
#define RFX_PLUGIN_ENGINE_H

#include <stddef.h>

#include "../dsp/model.h"
#include "../dsp/rate.h"
#include "../dsp/status.h"

/* Why a load failed, for the plugins' status ports. */
typedef enum {
	RFX_ENGINE_FAIL_NONE = 0,
	RFX_ENGINE_FAIL_LOAD,  /* unreadable, not a model, or out of memory */
	RFX_ENGINE_FAIL_KIND,  /* a valid model of the other kind (effect vs classifier) */
	RFX_ENGINE_FAIL_RATE   /* a classifier trained at another rate than the host's */
} RfxEngineFail;

/* The longest metadata "name" (bytes) an engine keeps for the state. */
#define RFX_ENGINE_NAME_MAX 256

typedef struct RfxEngine {
	RfxRateStream *stream;
	double rate;              /* Hz the model was trained at */
	int resampling;           /* the host runs at another rate: the signal is resampled */
	unsigned latency;         /* host samples, < RFX_PLUGIN_MAX_LATENCY; 0 when not resampling */
	int n_outputs;            /* 1 for an effect, K classes for a classifier */
	char *labels;             /* classifier: the K labels joined by ',' (empty ones as their index,
				   * commas inside a label as ';'); NULL for an effect */
	char *path;               /* absolute path of the model file, or NULL */
	char *json;               /* the model as JSON text for state:save: the header, labels and
				   * weights; of the metadata only its "name" */
	struct RfxEngine *next;   /* link in the plugin's list of engines waiting to be freed */
} RfxEngine;

/* Builds an engine for a host at `host_rate` Hz from `json` (when not NULL) or else from the file
 * at `path`, and runs RFX_PLUGIN_PRERUN zeros (host rate) through it. `path` is kept as the
 * engine's path either way (may be NULL with json). `mode` is the kind of model the calling
 * plugin runs: RFX_MODE_EFFECT refuses classifiers and rates too far apart to resample
 * (dsp/rate.h); RFX_MODE_CLASSIFIER refuses effects and any rate but the model's own. Allocates:
 * never on the audio thread. On error fills `detail` with a sentence and `fail` (may be NULL)
 * with the reason. */
RfxStatus rfx_engine_load(const char *path, const char *json, size_t json_len, double host_rate,
			  RfxOutputMode mode, RfxEngine **out, RfxEngineFail *fail, char *detail,
			  size_t detail_size);

/* NULL is fine. Never on the audio thread. */
void rfx_engine_free(RfxEngine *e);
/* Back to the model's initial state, then RFX_PLUGIN_PRERUN zeros through it: the state a fresh
 * load is heard from. Not real-time (a few hundred microseconds): load time and activate(). */
void rfx_engine_settle(RfxEngine *e);

#endif
