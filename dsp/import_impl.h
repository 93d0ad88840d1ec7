/* rnnfx — what the importers (import.c, import_aidax.c, import_nam.c, import_guitarml.c) share.
 * Not installed and not part of the API: only the functions of import.h are public.
 */
#ifndef RFX_IMPORT_IMPL_H
#define RFX_IMPORT_IMPL_H

#include <jansson.h>
#include <stddef.h>

#include "import.h"

/* Where an importer puts its sentence for the caller (the caller's buffer, possibly NULL). */
typedef struct {
	char *text;
	size_t size;
} RfxImpDetail;

/* Fills the detail and returns `st`, so a check reads `return rfx_imp_fail(d, ST, "...")`. */
RfxStatus rfx_imp_fail(RfxImpDetail *d, RfxStatus st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The one JSON parse of a model text (model_file.c): the size and structure bounds of
 * model_file.h, then jansson, duplicate keys refused. *root is the caller's to json_decref. */
RfxStatus rfx_model_parse_json(const char *text, size_t len, json_t **root, char *detail,
			       size_t detail_size);

/* "an object", "a string", ... for "expected X, found Y" sentences. */
const char *rfx_imp_type_name(const json_t *v);

/* Copies a JSON array of numbers into `out`, checking the shape and every value:
 * cols == 0: a vector of `rows` numbers;  cols > 0: `rows` arrays of `cols` numbers (row-major).
 * `path` and `label` (may be NULL) name the array in sentences: "layers[0].weights[1][3] (U)";
 * `rows_why` and `cols_why` (may be NULL) say where the expected counts come from. */
RfxStatus rfx_imp_floats(RfxImpDetail *d, json_t *v, const char *path, const char *label, int rows,
			 int cols, const char *rows_why, const char *cols_why, float *out);

/* An integer field of `obj` in [lo, hi]; `dflt` when absent and `required` is 0. `where` prefixes
 * the field name in sentences ("config."); past the range the status is `range_status`. */
RfxStatus rfx_imp_int(RfxImpDetail *d, json_t *obj, const char *where, const char *key,
		      int required, int dflt, int lo, int hi, RfxStatus range_status, int *out);

/* The model's rate: "sample_rate" | "samplerate" | "metadata"."samplerate" (a number or a numeric
 * string), else `dflt`. A present but unusable value is refused rather than replaced. */
RfxStatus rfx_imp_sample_rate(RfxImpDetail *d, json_t *root, double dflt, double *rate);

/* Builds the spec's model (after rfx_model_spec_check, whose sentence it prefixes with `what`). */
RfxStatus rfx_imp_new_model(RfxImpDetail *d, const RfxModelSpec *spec, RfxModel **out);

/* Sets the model's metadata to {"source_format": format, "source_metadata": <source's metadata
 * object, when it has one>, ...the keys of `extra`}. `extra` (may be NULL) is not stolen. */
RfxStatus rfx_imp_set_metadata(RfxImpDetail *d, RfxModel *m, RfxImportFormat format,
			       json_t *source_meta, json_t *extra);

/* A parsed document of another program's format (AIDA-X, NAM, GuitarML; `root` is borrowed):
 * told apart, converted, checked. rfx_model_load_string calls it for documents without
 * "format", so they are parsed once. */
RfxStatus rfx_imp_from_json(json_t *root, RfxModel **out, RfxImportFormat *format_found,
			    char *detail, size_t detail_size);

/* The importers: `root` is the parsed document, already told apart by rfx_imp_from_json.
 * On success the detail holds "" or the note described in import.h. */
RfxStatus rfx_imp_aidax(RfxImpDetail *d, json_t *root, RfxModel **out);
RfxStatus rfx_imp_nam(RfxImpDetail *d, json_t *root, RfxModel **out);
RfxStatus rfx_imp_guitarml(RfxImpDetail *d, json_t *root, RfxModel **out);

#endif
