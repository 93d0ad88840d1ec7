/* rnnfx — reading and writing model files ("format": "rnnfx-model", "version": 1; see
 * docs/model-format.md).
 *
 * The loaders read every format rnnfx knows, told apart by content: an rnnfx model file, or (no
 * "format") the AIDA-X, NAM and GuitarML files of import.h, through the same one loader as
 * rfx_model_import_string/_file, which also say which format it was.
 *
 * Loaders check every field, size, shape and value before returning a model, and on error fill an
 * optional `detail` buffer with a sentence naming the field and what was expected versus found, e.g.
 * "tensor 'weight_hh_l0': shape [48,8] has 384 values, expected [48,16] (768)". They never print.
 * They allocate, so they are for a worker or a program's main thread, never the audio thread.
 *
 * rfx_model_load_file, _load_string, _to_string and _save_file are public: declared in rnnfx.h.
 * This header adds the format's constants and rfx_model_read_text.
 */
#ifndef RFX_MODEL_FILE_H
#define RFX_MODEL_FILE_H

#include <stddef.h>

#include "model.h"
#include "rnnfx.h"

#define RFX_MODEL_FORMAT "rnnfx-model"
#define RFX_MODEL_VERSION 1
#define RFX_MODEL_FILE_MAX_BYTES (128u << 20) /* refused past this, before parsing */
/* Bounds on what a file may hold, so a small valid file cannot cost gigabytes to parse: objects
 * and arrays (the weights of the largest model are flat or one array per row: far fewer), and the
 * metadata's compact text. */
#define RFX_MODEL_MAX_CONTAINERS (1u << 18)
#define RFX_MODEL_MAX_METADATA (4u << 20)

/* The bytes of a model file (any format), through the one input opener (io/files.h): a regular
 * file of at most RFX_MODEL_FILE_MAX_BYTES (refused before reading), never a FIFO or device.
 * *text is malloc'd (the caller frees it) and NUL-terminated (the NUL not counted in *len). */
RFX_MUST_CHECK
RfxStatus rfx_model_read_text(const char *path, char **text, size_t *len, char *detail,
			      size_t detail_size);

#endif
