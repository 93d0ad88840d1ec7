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

#include "../dsp/status.h"
#include "../dsp/rate.h"

typedef struct RfxEngine {
	RfxRateStream *stream;
	double rate;              /* Hz the model was trained at */
	int resampling;           /* the host runs at another rate: the signal is resampled */
	unsigned latency;         /* host samples, < RFX_PLUGIN_MAX_LATENCY; 0 when not resampling */
	char *path;               /* absolute path of the model file, or NULL */
	char *json;               /* the model as JSON text, for state:save */
	struct RfxEngine *next;   /* link in the plugin's list of engines waiting to be freed */
} RfxEngine;

/* Builds an engine for a host at `host_rate` Hz from `json` (when not NULL) or else from the file
 * at `path`, and runs RFX_PLUGIN_PRERUN zeros (host rate) through it. `path` is kept as the
 * engine's path either way (may be NULL with json). Refuses models that are not single-output
 * effects, and rates too far apart to resample (dsp/rate.h). Allocates: never on the audio
 * thread. On error fills `detail` with a sentence. */
RfxStatus rfx_engine_load(const char *path, const char *json, size_t json_len, double host_rate,
			  RfxEngine **out, char *detail, size_t detail_size);

/* NULL is fine. Never on the audio thread. */
void rfx_engine_free(RfxEngine *e);

#endif
