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
 */
#ifndef RFX_MODEL_FILE_H
#define RFX_MODEL_FILE_H

#include <stddef.h>

#include "model.h"

#define RFX_MODEL_FORMAT "rnnfx-model"
#define RFX_MODEL_VERSION 1
#define RFX_MODEL_FILE_MAX_BYTES (128u << 20) /* refused past this, before parsing */
/* Bounds on what a file may hold, so a small valid file cannot cost gigabytes to parse: objects
 * and arrays (the weights of the largest model are flat or one array per row: far fewer), and the
 * metadata's compact text. */
#define RFX_MODEL_MAX_CONTAINERS (1u << 18)
#define RFX_MODEL_MAX_METADATA (4u << 20)

RfxStatus rfx_model_load_file(const char *path, RfxModel **out, char *detail, size_t detail_size);
RfxStatus rfx_model_load_string(const char *text, size_t len, RfxModel **out, char *detail,
				size_t detail_size);

/* The bytes of a model file (any format), through the one input opener (io/files.h): a regular
 * file of at most RFX_MODEL_FILE_MAX_BYTES (refused before reading), never a FIFO or device.
 * *text is malloc'd (the caller frees it) and NUL-terminated (the NUL not counted in *len). */
RfxStatus rfx_model_read_text(const char *path, char **text, size_t *len, char *detail,
			      size_t detail_size);

/* The model as JSON text (floats with 9 significant digits, so loading it back is bit-exact).
 * Returns a malloc'd string the caller frees, or NULL when out of memory. */
char *rfx_model_to_string(const RfxModel *model);

/* Through the one output writer (io/files.h): a crash never leaves half a file, and an input or a
 * non-regular file is never replaced. */
RfxStatus rfx_model_save_file(const RfxModel *model, const char *path, char *detail,
			      size_t detail_size);

#endif
