/* rnnfx LV2 plugin — an engine: one loaded model turned into a ready-to-run stream.
 *
 * Engines are built and freed off the audio thread (worker, or restore() when the host gives no
 * worker). Once built an engine is immutable except for its stream's recurrent state, which only
 * the audio thread touches while the engine is current.
 */
#ifndef RFX_PLUGIN_ENGINE_H
#define RFX_PLUGIN_ENGINE_H

#include <stddef.h>

#include "../dsp/status.h"
#include "../dsp/stream.h"

typedef struct RfxEngine {
	RfxStream *stream;        /* lives inside mem */
	void *mem;
	double rate;              /* Hz the model was trained at */
	char *path;               /* absolute path of the model file, or NULL */
	char *json;               /* the model as JSON text, for state:save */
	struct RfxEngine *next;   /* link in the plugin's list of engines waiting to be freed */
} RfxEngine;

/* Builds an engine from `json` (when not NULL) or else from the file at `path`, and runs
 * RFX_PLUGIN_PRERUN zeros through it. `path` is kept as the engine's path either way (may be NULL
 * with json). Refuses models that are not single-output effects. Allocates: never on the audio
 * thread. On error fills `detail` with a sentence. */
RfxStatus rfx_engine_load(const char *path, const char *json, size_t json_len, RfxEngine **out,
			  char *detail, size_t detail_size);

/* NULL is fine. Never on the audio thread. */
void rfx_engine_free(RfxEngine *e);

#endif
