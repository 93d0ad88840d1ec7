/* rnnfx — what the one loader (model_file.c) and the importers (import.c, import_aidax.c,
 * import_nam.c, import_guitarml.c) share. Not installed and not part of the API: only the functions
 * of model_file.h and import.h are public. Every function here takes a non-NULL RfxDiag (status.h)
 * for its sentence.
 */
#ifndef RFX_IMPORT_IMPL_H
#define RFX_IMPORT_IMPL_H

#include <jansson.h>
#include <stddef.h>

#include "import.h"

/* The one loader (model_file.c), for every format: parses the text once (the bounds of
 * model_file.h, duplicate keys refused), tells the format apart (rfx_imp_detect) and reads it with
 * rnnfx's reader or rfx_imp_convert. Empties the sentence first; `format_found` (may be NULL)
 * receives the format recognised, also on a later error. */
RFX_MUST_CHECK
RfxStatus rfx_model_load_text(RfxDiag *d, const char *text, size_t len, RfxModel **out,
			      RfxImportFormat *format_found);
/* The same from a file, through the one input opener (rfx_model_read_text's checks). */
RFX_MUST_CHECK
RfxStatus rfx_model_load_path(RfxDiag *d, const char *path, RfxModel **out,
			      RfxImportFormat *format_found);

/* "an object", "a string", ... for "expected X, found Y" sentences. */
const char *rfx_imp_type_name(const json_t *v);

/* Copies a JSON array of numbers into `out`, checking the shape and every value:
 * cols == 0: a vector of `rows` numbers;  cols > 0: `rows` arrays of `cols` numbers (row-major).
 * `path` and `label` (may be NULL) name the array in sentences: "layers[0].weights[1][3] (U)";
 * `rows_why` and `cols_why` (may be NULL) say where the expected counts come from. */
RFX_MUST_CHECK
RfxStatus rfx_imp_floats(RfxDiag *d, json_t *v, const char *path, const char *label, int rows,
			 int cols, const char *rows_why, const char *cols_why, float *out);

/* An integer field of `obj` in [lo, hi]; `dflt` when absent and `required` is 0. `where` prefixes
 * the field name in sentences ("config."); past the range the status is `range_status`. */
RFX_MUST_CHECK
RfxStatus rfx_imp_int(RfxDiag *d, json_t *obj, const char *where, const char *key,
		      int required, int dflt, int lo, int hi, RfxStatus range_status, int *out);

/* The model's rate: "sample_rate" | "samplerate" | "metadata"."samplerate" (a number or a numeric
 * string), else `dflt`. A present but unusable value is refused rather than replaced. */
RFX_MUST_CHECK
RfxStatus rfx_imp_sample_rate(RfxDiag *d, json_t *root, double dflt, double *rate);

/* Builds the spec's model, after rfx_model_spec_check (its sentence then follows "the converted
 * model is out of rnnfx's limits: "). */
RFX_MUST_CHECK
RfxStatus rfx_imp_new_model(RfxDiag *d, const RfxModelSpec *spec, RfxModel **out);

/* Sets the model's metadata to {"source_format": format, "source_metadata": <source's metadata
 * object, when it has one>, ...the keys of `extra`}. `extra` (may be NULL) is not stolen. */
RFX_MUST_CHECK
RfxStatus rfx_imp_set_metadata(RfxDiag *d, RfxModel *m, RfxImportFormat format,
			       json_t *source_meta, json_t *extra);

/* Which reader a parsed document is for, from its keys (import.h says which); RFX_IMPORT_NONE for
 * anything else, a non-object included. */
RfxImportFormat rfx_imp_detect(json_t *root);

/* Reads a parsed document of another program's format (`root` is borrowed; `format` from
 * rfx_imp_detect, never RFX_IMPORT_RNNFX) with its importer and checks that the conversion left
 * every weight finite; for RFX_IMPORT_NONE says which formats were looked for. */
RFX_MUST_CHECK
RfxStatus rfx_imp_convert(RfxDiag *d, json_t *root, RfxImportFormat format, RfxModel **out);

/* The importers: `root` is the parsed document, already told apart by rfx_imp_detect.
 * On success the detail holds "" or the note described in import.h. */
RFX_MUST_CHECK
RfxStatus rfx_imp_aidax(RfxDiag *d, json_t *root, RfxModel **out);
RFX_MUST_CHECK
RfxStatus rfx_imp_nam(RfxDiag *d, json_t *root, RfxModel **out);
RFX_MUST_CHECK
RfxStatus rfx_imp_guitarml(RfxDiag *d, json_t *root, RfxModel **out);

#endif
