/* rnnfx — models from and for other programs: importers for the recurrent model files of the
 * neural-audio ecosystem, and an exporter to AIDA-X (see docs/formats.md).
 *
 *   AIDA-X / RTNeural "Keras" JSON (.json, .aidax): one GRU or LSTM layer and a Dense(H -> 1)
 *   NAM .nam, architecture "LSTM" (1..RFX_MAX_LAYERS layers, stored initial state)
 *   Proteus / Automated-GuitarAmpModelling JSON: a PyTorch state_dict ("model_data", "state_dict")
 *
 * Every importer converts to rnnfx's layout (PyTorch gate orders, dsp/model.h) and checks every
 * size, shape and value on the way, like the rnnfx loader: on error it returns a status and fills
 * `detail` with a sentence naming the field, e.g. "layers[0].weights[1] (U): 7 rows, expected 8
 * (hidden size)". Nothing here prints. Everything allocates: worker or main thread only.
 *
 * Everything of it is public: RfxImportFormat, rfx_import_format_name, rfx_model_import_string,
 * _import_file and rfx_model_export_aidax are declared in rnnfx.h. This header stays for the code
 * that includes it by path; the importers' internals are in import_impl.h.
 */
#ifndef RFX_IMPORT_H
#define RFX_IMPORT_H

#include <stddef.h>

#include "model.h"
#include "rnnfx.h"

#endif
