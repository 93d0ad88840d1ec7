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
 */
#ifndef RFX_IMPORT_H
#define RFX_IMPORT_H

#include <stddef.h>

#include "model.h"

typedef enum {
	RFX_IMPORT_NONE,      /* nothing recognised (on error) */
	RFX_IMPORT_RNNFX,     /* an rnnfx model file (docs/model-format.md) */
	RFX_IMPORT_AIDAX,     /* AIDA-X / RTNeural Keras JSON */
	RFX_IMPORT_NAM,       /* Neural Amp Modeler .nam */
	RFX_IMPORT_GUITARML,  /* Proteus / Automated-GuitarAmpModelling state_dict JSON */
	RFX_IMPORT_COUNT
} RfxImportFormat;

/* "rnnfx", "aidax", "nam", "guitarml"; "none" for RFX_IMPORT_NONE, NULL past the end. */
const char *rfx_import_format_name(RfxImportFormat format);

/* Reads a model in any supported format, told apart by its content: "format" (rnnfx), "layers"
 * whose entries have a "type" (AIDA-X), "architecture" + "weights" (NAM), "model_data" +
 * "state_dict" (GuitarML). `format_found` (may be NULL) receives the format recognised, also on a
 * later error. The model's metadata records the source format and the source file's own metadata.
 *
 * On success `detail` holds "" or a note about something that could not be carried into the
 * weights exactly and was kept in the metadata only (the gains of an AIDA-X skip model). */
RfxStatus rfx_model_import_string(const char *text, size_t len, RfxModel **out,
				  RfxImportFormat *format_found, char *detail, size_t detail_size);

/* The same from a file (size-capped like rfx_model_load_file); an imported model's metadata also
 * records the file name (without its directory) as "source_file". */
RfxStatus rfx_model_import_file(const char *path, RfxModel **out, RfxImportFormat *format_found,
				char *detail, size_t detail_size);

/* The model as AIDA-X Keras JSON (in_shape, in_skip, [rec, dense] layers, metadata.samplerate),
 * for a 1-layer GRU or LSTM effect with 1 to 3 inputs and a zero initial state. Importing the text
 * gives the same weights bit for bit, except that an LSTM's two biases become one (bias_ih + bias_hh
 * rounded to float, bias_hh zero), because Keras has one. Returns malloc'd text the caller frees,
 * or NULL with `detail` saying why (a model AIDA-X cannot run, or out of memory). */
char *rfx_model_export_aidax(const RfxModel *model, char *detail, size_t detail_size);

#endif
