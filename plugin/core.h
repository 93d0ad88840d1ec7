/* rnnfx LV2 plugins — what the effect and the classifier share: host features, URIDs, model
 * loading on the worker, the hand-over of models to the audio thread and back, and state.
 *
 * Each plugin's instance struct starts with an RfxCore, so the worker and state callbacks here
 * take the LV2_Handle as an RfxCore and serve both plugins (rfx_core_extension_data).
 *
 * Threads (the LV2 threading classes):
 *   - instantiation: rfx_core_new, rfx_core_free;
 *   - audio: rfx_core_handle_patch, rfx_core_take_restored, rfx_core_retire,
 *     rfx_core_flush_garbage, rfx_core_notify_* and work_response: no allocation, lock or I/O;
 *   - worker: work (loads and frees models, logs);
 *   - state: save and restore (may run concurrently with run(); they touch only the persist
 *     copy under its mutex, and `restored` through one atomic exchange).
 */
#ifndef RFX_PLUGIN_CORE_H
#define RFX_PLUGIN_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "loaded.h"
#include "uris.h"

typedef struct {
	/* Features */
	LV2_URID_Map *map;
	LV2_Worker_Schedule *schedule;
	LV2_Log_Log *log;

	RfxUris uris;
	LV2_Atom_Forge forge; /* the audio thread's, for the notify port */
	double rate;
	RfxOutputMode mode;   /* the kind of model this plugin runs */
	const char *name;     /* log prefix: "rnnfx", "rnnfx classifier" */

	/* Audio thread: a model from the worker waiting to be adopted by the plugin, models
	 * waiting to go back to the worker, and why the last load failed (NONE after a success). */
	RfxLoaded *next;
	RfxLoaded *garbage;
	RfxLoadFail failed;

	/* restore() without a worker hands its model over here; restore() may run concurrently with
	 * run() (state:threadSafeRestore), so the hand-over is one atomic exchange each side. */
	_Atomic(RfxLoaded *) restored;
	atomic_int restore_failed; /* an RfxLoadFail */

	/* What state:save stores: written by whoever builds a model (worker, or restore without
	 * one), read by save(). Never touched by the audio thread. */
	pthread_mutex_t persist_lock;
	char *persist_path;
	char *persist_model; /* base64 of the model's JSON (RFX_STATE_MODEL_BASE64) */
} RfxCore;

/* Instantiation class: allocates a plugin instance of `size` bytes (zeroed) that starts with an
 * RfxCore, reads the features (urid:map and work:schedule are required; logs which is missing
 * when it can) and maps the URIs. NULL when the plugin cannot run. */
void *rfx_core_new(size_t size, RfxOutputMode mode, const char *name, double rate,
		   const LV2_Feature *const *features);
/* Instantiation class: frees every engine the core holds (next, restored, garbage), the persist
 * copy and the instance. The plugin frees the models it holds itself, first. */
void rfx_core_free(RfxCore *c);

/* Audio class: one patch message from the control port. A patch:Set of rnnfx:model goes to the
 * worker. Returns true for a patch:Get, with *get_property the property asked for (0 = all). */
bool rfx_core_handle_patch(RfxCore *c, const LV2_Atom_Object *obj, LV2_URID *get_property);

/* Audio class: a model restore() built without a worker becomes `next`; a failed restore
 * sets `failed`. Call at the start of run(). */
void rfx_core_take_restored(RfxCore *c);

/* Audio class: queues a model (NULL is fine) for the worker to free. */
void rfx_core_retire(RfxCore *c, RfxLoaded *e);
/* Audio class: hands retired models to the worker; any the host cannot take now stay queued. */
void rfx_core_flush_garbage(RfxCore *c);

/* Audio class: writes patch:Set <property> <value> as an event at frame 0 into the sequence
 * being forged on `c->forge` (value type atom:Path or atom:String). False when it did not fit. */
bool rfx_core_notify(RfxCore *c, LV2_URID property, LV2_URID type, const char *value);

/* Discovery class: the worker and state interfaces, shared by both plugins. */
const void *rfx_core_extension_data(const char *uri);

#endif
