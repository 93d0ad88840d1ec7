/* rnnfx — model files: reading and writing the JSON format of docs/model-format.md.
 *
 * One loader reads every format rnnfx knows (rfx_model_load_text, and rfx_model_load_path for a
 * file; rfx_model_load_string/_file and rfx_model_import_string/_file are thin faces over them): it
 * parses the text once, tells the format apart by its keys (rfx_imp_detect) and hands the document
 * to rnnfx's own reader below or to an importer (rfx_imp_convert, import*.c). No reader calls back
 * into a loader.
 *
 * rnnfx's reader checks in a fixed order, so a file with several faults always reports the same one:
 * size, JSON, "format", "version", unknown top-level keys, the architecture fields, the limits,
 * labels, metadata, then the tensors (unknown names, missing ones, shape, length, values). The model
 * is only allocated once the architecture has passed rfx_model_spec_check(), so no declared size can
 * make us allocate more than the limits allow.
 *
 * The writer prints the JSON itself rather than through jansson, because jansson writes reals with
 * 17 digits (twice the file size for float weights) and through the C locale's decimal point.
 */
#include "model_file.h"
#include "import.h"
#include "import_impl.h"
#include "../io/files.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ header and architecture */

static const char *const top_keys[] = {
	"format", "version", "cell", "layers", "inputs", "hidden", "mode", "outputs", "skip",
	"sample_rate", "initial_state", "labels", "notes", "frontend", "tensors", "metadata",
};

static const char *const init_names[RFX_INIT_COUNT] = { "zeros", "vector", "trained" };
static const char *const mode_names[RFX_MODE_COUNT] = { "effect", "classifier", "onset" };

/* The loader sends only objects with "format" here (rfx_imp_detect); the others go to the
 * importers, or are refused there with a sentence naming every format rnnfx reads. */
static RfxStatus check_header(RfxDiag *d, json_t *root)
{
	json_t *f = json_object_get(root, "format");
	if (!json_is_string(f) || strcmp(json_string_value(f), RFX_MODEL_FORMAT) != 0)
		return rfx_diag_set(d, RFX_ERR_FORMAT, "'format': %s%.40s%s, expected \"%s\"",
				    json_is_string(f) ? "\"" : rfx_imp_type_name(f),
				    json_is_string(f) ? json_string_value(f) : "",
				    json_is_string(f) ? "\"" : "", RFX_MODEL_FORMAT);
	json_t *v = json_object_get(root, "version");
	if (!v)
		return rfx_diag_set(d, RFX_ERR_VERSION, "'version' missing, expected %d",
				    RFX_MODEL_VERSION);
	if (!json_is_integer(v))
		return rfx_diag_set(d, RFX_ERR_VERSION, "'version': %s, expected the integer %d",
				    rfx_imp_type_name(v), RFX_MODEL_VERSION);
	if (json_integer_value(v) != RFX_MODEL_VERSION)
		return rfx_diag_set(d, RFX_ERR_VERSION, "'version': %" JSON_INTEGER_FORMAT
				    ", this build reads version %d", json_integer_value(v),
				    RFX_MODEL_VERSION);
	/* A misspelt optional key ("metdata", "skpi") would otherwise be dropped without a word. */
	const char *key;
	json_t *value;
	json_object_foreach(root, key, value) {
		size_t k = 0, n = sizeof top_keys / sizeof top_keys[0];
		while (k < n && strcmp(key, top_keys[k]) != 0)
			k++;
		if (k == n)
			return rfx_diag_set(d, RFX_ERR_FIELD,
					    "unknown field '%.40s' (a misspelling?)", key);
	}
	return RFX_OK;
}

/* Is `v` of JSON type `type`? JSON_REAL takes any number, JSON_TRUE either boolean. */
static int is_type(const json_t *v, json_type type)
{
	switch (type) {
	case JSON_REAL: return json_is_number(v);
	case JSON_TRUE: return json_is_boolean(v);
	default: return v && json_typeof(v) == type;
	}
}

/* A field's value `v` must be there and of `type`; otherwise RFX_ERR_FIELD, with the sentence
 * "'FIELD' missing, expected WHAT" or "'FIELD': TYPE, expected WHAT". */
static RfxStatus check_field(RfxDiag *d, const json_t *v, const char *field, json_type type,
			     const char *expected)
{
	if (!v)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s' missing, expected %s", field, expected);
	if (!is_type(v, type))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': %s, expected %s", field,
				    rfx_imp_type_name(v), expected);
	return RFX_OK;
}

/* One of `names` (n of them) -> its index; the field's sentence names the choices on error. */
static RfxStatus get_choice(RfxDiag *d, json_t *v, const char *field, const char *const *names,
			    int n, const char *choices, int *out)
{
	RfxStatus st = check_field(d, v, field, JSON_STRING, choices);
	if (st != RFX_OK)
		return st;
	for (int i = 0; i < n; i++)
		if (strcmp(json_string_value(v), names[i]) == 0) {
			*out = i;
			return RFX_OK;
		}
	return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': \"%.40s\", expected %s", field,
			    json_string_value(v), choices);
}

static RfxStatus get_int(RfxDiag *d, json_t *root, const char *field, int *out)
{
	json_t *v = json_object_get(root, field);
	RfxStatus st = check_field(d, v, field, JSON_INTEGER, "an integer");
	if (st != RFX_OK)
		return st;
	json_int_t x = json_integer_value(v);
	/* Checked here because the limits check works on int; every limit is far inside int. */
	if (x < INT_MIN || x > INT_MAX)
		return rfx_diag_set(d, RFX_ERR_LIMIT, "'%s': %" JSON_INTEGER_FORMAT
				    " is far past the limits", field, x);
	*out = (int)x;
	return RFX_OK;
}

static RfxStatus get_cell(RfxDiag *d, json_t *root, RfxCellType *cell)
{
	json_t *v = json_object_get(root, "cell");
	RfxStatus st = check_field(d, v, "cell", JSON_STRING, "\"rnn\", \"gru\" or \"lstm\"");
	if (st != RFX_OK)
		return st;
	*cell = rfx_cell_from_name(json_string_value(v));
	if (*cell == RFX_CELL_COUNT)
		return rfx_diag_set(d, RFX_ERR_CELL,
				    "'cell': \"%.40s\", expected \"rnn\", \"gru\" or \"lstm\"",
				    json_string_value(v));
	return RFX_OK;
}

/* "skip" is required for an effect (it changes the output), optional and false for a classifier. */
static RfxStatus get_skip(RfxDiag *d, json_t *root, RfxOutputMode mode, int *skip)
{
	json_t *v = json_object_get(root, "skip");
	*skip = 0;
	if (!v && rfx_mode_has_classes(mode))
		return RFX_OK;
	RfxStatus st = check_field(d, v, "skip", JSON_TRUE,
				   v ? "true or false" : "true or false for an effect");
	if (st != RFX_OK)
		return st;
	*skip = json_is_true(v);
	return RFX_OK;
}

static RfxStatus get_initial_state(RfxDiag *d, json_t *root, RfxModelSpec *s)
{
	json_t *v = json_object_get(root, "initial_state");
	char expected[64];
	snprintf(expected, sizeof expected, "an array of %d strings (one per layer)", s->n_layers);
	RfxStatus st = check_field(d, v, "initial_state", JSON_ARRAY, expected);
	if (st != RFX_OK)
		return st;
	if (json_array_size(v) != (size_t)s->n_layers)
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "'initial_state': %zu entries, expected %d (one per layer)",
				    json_array_size(v), s->n_layers);
	for (int l = 0; l < s->n_layers; l++) {
		char field[32];
		int kind = 0;
		snprintf(field, sizeof field, "initial_state[%d]", l);
		st = get_choice(d, json_array_get(v, (size_t)l), field, init_names,
					  RFX_INIT_COUNT, "\"zeros\", \"vector\" or \"trained\"", &kind);
		if (st != RFX_OK)
			return st;
		s->init[l] = (RfxInitKind)kind;
	}
	return RFX_OK;
}

/* "frontend": {"bands": B, "low_hz": F, "high_hz": F, "hop": N}, optional (frontend.h; "hop"
 * optional too, 1 without it); checked with the rest of the spec. */
static RfxStatus get_frontend(RfxDiag *d, json_t *root, RfxFrontendSpec *fe)
{
	json_t *v = json_object_get(root, "frontend");
	memset(fe, 0, sizeof *fe);
	if (!v)
		return RFX_OK;
	RfxStatus st = check_field(d, v, "frontend", JSON_OBJECT,
				   "an object {\"bands\", \"low_hz\", \"high_hz\"}");
	if (st != RFX_OK || (st = get_int(d, v, "bands", &fe->bands)) != RFX_OK)
		return st;
	json_t *lo = json_object_get(v, "low_hz"), *hi = json_object_get(v, "high_hz");
	if ((st = check_field(d, lo, "low_hz", JSON_REAL, "a frequency in Hz")) != RFX_OK ||
	    (st = check_field(d, hi, "high_hz", JSON_REAL, "a frequency in Hz")) != RFX_OK)
		return st;
	fe->low_hz = (float)json_number_value(lo);
	fe->high_hz = (float)json_number_value(hi);
	return json_object_get(v, "hop") ? get_int(d, v, "hop", &fe->hop) : RFX_OK;
}

static RfxStatus get_sample_rate(RfxDiag *d, json_t *root, double *rate)
{
	json_t *v = json_object_get(root, "sample_rate");
	RfxStatus st = check_field(d, v, "sample_rate", JSON_REAL, "a rate in Hz");
	if (st != RFX_OK)
		return st;
	*rate = json_number_value(v);
	return RFX_OK;
}

/* Reads the architecture; the layers count must be known (and sane) before "initial_state". */
static RfxStatus read_spec(RfxDiag *d, json_t *root, RfxModelSpec *s)
{
	int mode = 0;
	RfxStatus st;
	memset(s, 0, sizeof *s);
	if ((st = get_cell(d, root, &s->cell)) != RFX_OK ||
	    (st = get_int(d, root, "layers", &s->n_layers)) != RFX_OK ||
	    (st = get_int(d, root, "inputs", &s->n_inputs)) != RFX_OK ||
	    (st = get_int(d, root, "hidden", &s->hidden)) != RFX_OK ||
	    (st = get_choice(d, json_object_get(root, "mode"), "mode", mode_names, RFX_MODE_COUNT,
			     "\"effect\", \"classifier\" or \"onset\"", &mode)) != RFX_OK)
		return st;
	s->mode = (RfxOutputMode)mode;
	if ((st = get_int(d, root, "outputs", &s->n_outputs)) != RFX_OK ||
	    (st = get_skip(d, root, s->mode, &s->skip)) != RFX_OK ||
	    (st = get_sample_rate(d, root, &s->sample_rate)) != RFX_OK ||
	    (st = get_frontend(d, root, &s->frontend)) != RFX_OK)
		return st;
	if (s->n_layers < 1 || s->n_layers > RFX_MAX_LAYERS)
		return rfx_model_spec_check(s, d->text, d->size);
	if ((st = get_initial_state(d, root, s)) != RFX_OK)
		return st;
	return rfx_model_spec_check(s, d->text, d->size);
}

/* ------------------------------------------------------------------ labels and metadata */

static RfxStatus read_labels(RfxDiag *d, json_t *root, RfxModel *m)
{
	json_t *v = json_object_get(root, "labels");
	const int K = m->spec.n_outputs;
	if (!v)
		return RFX_OK; /* unnamed classes: labels stay "" */
	if (!rfx_mode_has_classes(m->spec.mode))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'labels' given for an effect; only a "
				    "classifier has class labels");
	if (!json_is_array(v))
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "'labels': %s, expected an array of %d strings",
				    rfx_imp_type_name(v), K);
	if (json_array_size(v) != (size_t)K)
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "'labels': %zu entries, expected %d (one per class, 'outputs')",
				    json_array_size(v), K);
	for (int k = 0; k < K; k++) {
		json_t *l = json_array_get(v, (size_t)k);
		if (!json_is_string(l))
			return rfx_diag_set(d, RFX_ERR_FIELD, "'labels'[%d]: %s, expected a string",
					    k, rfx_imp_type_name(l));
		/* jansson refuses "\u0000" in strings, so the length is the C string's length. */
		size_t n = json_string_length(l);
		if (n >= RFX_MAX_LABEL)
			return rfx_diag_set(d, RFX_ERR_FIELD,
					    "'labels'[%d]: %zu bytes, expected at most %d", k, n,
					    RFX_MAX_LABEL - 1);
		memcpy(m->labels[k], json_string_value(l), n + 1);
	}
	return RFX_OK;
}

/* "notes": the MIDI note of each class (0..127), optional; a model without gets 0 (no note
 * given: hosts choose, e.g. the General MIDI drum note of the label, rfx_onset_gm_note). */
static RfxStatus read_notes(RfxDiag *d, json_t *root, RfxModel *m)
{
	json_t *v = json_object_get(root, "notes");
	const int K = m->spec.n_outputs;
	if (!v)
		return RFX_OK;
	if (!rfx_mode_has_classes(m->spec.mode))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'notes' given for an effect; only a classifier "
				    "or an onset model sends notes");
	if (!json_is_array(v) || json_array_size(v) != (size_t)K)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'notes': expected an array of %d MIDI notes "
				    "(one per class, 'outputs')", K);
	for (int k = 0; k < K; k++) {
		json_t *n = json_array_get(v, (size_t)k);
		if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 127)
			return rfx_diag_set(d, RFX_ERR_FIELD, "'notes'[%d]: expected an integer "
					    "MIDI note from 0 to 127", k);
		m->notes[k] = (int)json_integer_value(n);
		m->has_notes = 1;
	}
	return RFX_OK;
}

static RfxStatus read_metadata(RfxDiag *d, json_t *root, RfxModel *m)
{
	json_t *v = json_object_get(root, "metadata");
	if (!v)
		return RFX_OK;
	if (!json_is_object(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'metadata': %s, expected an object",
				    rfx_imp_type_name(v));
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return rfx_diag_set(d, RFX_ERR_NOMEM, "out of memory copying 'metadata'");
	if (strlen(text) > RFX_MODEL_MAX_METADATA) {
		size_t n = strlen(text);
		free(text);
		return rfx_diag_set(d, RFX_ERR_TOO_LARGE,
				    "'metadata' has %zu bytes, at most %u are allowed", n,
				    RFX_MODEL_MAX_METADATA);
	}
	/* Copied so the model owns memory from malloc even if jansson was given its own allocator. */
	RfxStatus st = rfx_model_set_metadata(m, text);
	free(text);
	return st == RFX_OK ? RFX_OK : rfx_diag_set(d, st, "out of memory copying 'metadata'");
}

/* ------------------------------------------------------------------ tensors */

/* PyTorch's shapes: weights are matrices, biases and initial states are vectors. */
static int is_matrix(const char *name)
{
	return strstr(name, "weight") != NULL;
}

/* "[48,16]" and the value count it implies, for shape sentences. */
static double shape_text(json_t *shape, char *buf, size_t size)
{
	size_t used = 0, n = json_array_size(shape);
	double count = 1;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_int_t x = json_integer_value(json_array_get(shape, i));
		count *= (double)x;
		if (used < size && i < 4)
			used += (size_t)snprintf(buf + used, size - used, "%s%" JSON_INTEGER_FORMAT,
						 i ? "," : "[", x);
		else if (used < size && i == 4)
			used += (size_t)snprintf(buf + used, size - used, ",...");
	}
	if (used < size)
		snprintf(buf + used, size - used, "]");
	return count;
}

static RfxStatus check_shape(RfxDiag *d, const RfxTensor *t, json_t *shape)
{
	if (!shape)
		return rfx_diag_set(d, RFX_ERR_FIELD, "tensor '%s': 'shape' missing", t->name);
	if (!json_is_array(shape) || json_array_size(shape) == 0)
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "tensor '%s': 'shape' is %s, expected an array of integers",
				    t->name, json_is_array(shape) ? "empty"
				    : rfx_imp_type_name(shape));
	for (size_t i = 0; i < json_array_size(shape); i++)
		if (!json_is_integer(json_array_get(shape, i)))
			return rfx_diag_set(d, RFX_ERR_FIELD,
					    "tensor '%s': 'shape'[%zu] is %s, expected an integer",
					    t->name, i,
					    rfx_imp_type_name(json_array_get(shape, i)));
	const size_t dims = is_matrix(t->name) ? 2 : 1;
	int same = json_array_size(shape) == dims &&
		   json_integer_value(json_array_get(shape, 0)) == t->rows &&
		   (dims == 1 || json_integer_value(json_array_get(shape, 1)) == t->cols);
	if (same)
		return RFX_OK;
	char found[96], expected[32];
	double count = shape_text(shape, found, sizeof found);
	if (dims == 2)
		snprintf(expected, sizeof expected, "[%d,%d]", t->rows, t->cols);
	else
		snprintf(expected, sizeof expected, "[%d]", t->rows);
	return rfx_diag_set(d, RFX_ERR_SHAPE,
			    "tensor '%s': shape %s has %.0f values, expected %s (%d)", t->name,
			    found, count, expected, t->rows * t->cols);
}

/* Copies the values, refusing non-numbers and anything that is not a finite float. */
static RfxStatus copy_values(RfxDiag *d, const RfxTensor *t, json_t *data)
{
	const size_t n = (size_t)t->rows * (size_t)t->cols;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(data, i);
		if (json_is_null(v)) /* how the writer marks a NaN or Inf (JSON has neither) */
			return rfx_diag_set(d, RFX_ERR_NONFINITE, "tensor '%s': data[%zu] is null "
					    "(a NaN or infinite weight), expected a finite number",
					    t->name, i);
		if (!json_is_number(v))
			return rfx_diag_set(d, RFX_ERR_FIELD,
					    "tensor '%s': data[%zu] is %s, expected a number",
					    t->name, i, rfx_imp_type_name(v));
		double x = json_number_value(v);
		/* At or past FLT_MAX + half an ulp a double rounds to Inf as a float; converting an
		 * out-of-range double is also undefined behaviour in C, so test before the cast. */
		if (!(fabs(x) < 0x1.ffffffp+127))
			return rfx_diag_set(d, RFX_ERR_NONFINITE, "tensor '%s': data[%zu] = %g is "
					    "not finite as a 32-bit float", t->name, i, x);
		t->data[i] = (float)x;
	}
	return RFX_OK;
}

static RfxStatus read_tensor(RfxDiag *d, const RfxTensor *t, json_t *obj)
{
	if (!json_is_object(obj))
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "tensor '%s': %s, expected an object with 'shape' and 'data'",
				    t->name, rfx_imp_type_name(obj));
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value) {
		if (strcmp(key, "shape") != 0 && strcmp(key, "data") != 0)
			return rfx_diag_set(d, RFX_ERR_FIELD, "tensor '%s': unknown field '%.40s', "
					    "expected only 'shape' and 'data'", t->name, key);
	}
	RfxStatus st = check_shape(d, t, json_object_get(obj, "shape"));
	if (st != RFX_OK)
		return st;
	json_t *data = json_object_get(obj, "data");
	if (!data || !json_is_array(data))
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "tensor '%s': 'data' is %s, expected an array of numbers",
				    t->name, data ? rfx_imp_type_name(data) : "missing");
	const size_t n = (size_t)t->rows * (size_t)t->cols;
	if (json_array_size(data) != n)
		return rfx_diag_set(d, RFX_ERR_SHAPE,
				    "tensor '%s': data has %zu values, its shape needs %zu",
				    t->name, json_array_size(data), n);
	return copy_values(d, t, data);
}

static RfxStatus read_tensors(RfxDiag *d, json_t *root, RfxModel *m)
{
	json_t *tensors = json_object_get(root, "tensors");
	if (!tensors)
		return rfx_diag_set(d, RFX_ERR_FIELD,
				    "'tensors' missing, expected an object of weight tensors");
	if (!json_is_object(tensors))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'tensors': %s, expected an object",
				    rfx_imp_type_name(tensors));
	/* Unknown names first: a misspelt tensor is then reported as the typo, not as missing. */
	const char *key;
	json_t *value;
	json_object_foreach(tensors, key, value) {
		if (!rfx_model_tensor(m, key))
			return rfx_diag_set(d, RFX_ERR_FIELD, "'tensors': unknown tensor '%.40s' "
					    "for a %d-layer %s %s", key, m->spec.n_layers,
					    rfx_cell_name(m->spec.cell), mode_names[m->spec.mode]);
	}
	for (int i = 0; i < m->n_tensors; i++) {
		const RfxTensor *t = &m->tensors[i];
		json_t *obj = json_object_get(tensors, t->name);
		if (!obj)
			return rfx_diag_set(d, RFX_ERR_TENSOR_MISSING,
					    "tensor '%s' missing (%d x %d values)", t->name,
					    t->rows, t->cols);
		RfxStatus st = read_tensor(d, t, obj);
		if (st != RFX_OK)
			return st;
	}
	return RFX_OK;
}

/* ------------------------------------------------------------------ loading */

/* rnnfx's own format: a parsed object with "format", read into a fresh model. */
static RfxStatus model_from_json(RfxDiag *d, json_t *root, RfxModel **out)
{
	RfxModelSpec spec;
	RfxStatus st = check_header(d, root);
	if (st != RFX_OK || (st = read_spec(d, root, &spec)) != RFX_OK)
		return st;
	RfxModel *m = NULL;
	if ((st = rfx_model_new(&spec, &m)) != RFX_OK)
		return rfx_diag_set(d, st, "could not create the model: %s", rfx_strerror(st));
	if ((st = read_labels(d, root, m)) != RFX_OK || (st = read_notes(d, root, m)) != RFX_OK ||
	    (st = read_metadata(d, root, m)) != RFX_OK ||
	    (st = read_tensors(d, root, m)) != RFX_OK) {
		rfx_model_free(m);
		return st;
	}
	*out = m;
	return RFX_OK;
}

/* Objects and arrays in the text, counted without parsing (strings skipped), so a file of a
 * million empty objects is refused before jansson spends gigabytes on it. */
static size_t count_containers(const char *t, size_t len, size_t stop_after)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n <= stop_after; i++) {
		if (t[i] == '"') {
			for (i++; i < len && t[i] != '"'; i++)
				i += t[i] == '\\';
		} else if (t[i] == '{' || t[i] == '[') {
			n++;
		}
	}
	return n;
}

/* The one JSON parse of a model text: the size and structure bounds of model_file.h, then jansson,
 * duplicate keys refused. *root is the caller's to json_decref. */
static RfxStatus parse_json(RfxDiag *d, const char *text, size_t len, json_t **root)
{
	*root = NULL;
	if (len > RFX_MODEL_FILE_MAX_BYTES)
		return rfx_diag_set(d, RFX_ERR_TOO_LARGE, "%zu bytes, a model file may have at most %u",
				    len, RFX_MODEL_FILE_MAX_BYTES);
	if (count_containers(text, len, RFX_MODEL_MAX_CONTAINERS) > RFX_MODEL_MAX_CONTAINERS)
		return rfx_diag_set(d, RFX_ERR_TOO_LARGE, "more than %u JSON objects and arrays, the "
				    "limit for a model file", RFX_MODEL_MAX_CONTAINERS);
	json_error_t err;
	/* Duplicate keys are refused: with two "hidden" keys, which one the author meant is unknown. */
	*root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!*root)
		return rfx_diag_set(d, RFX_ERR_JSON, "line %d, column %d: %s", err.line, err.column,
				    err.text);
	return RFX_OK;
}

/* What both loaders do first: an empty sentence, no format found yet, *out NULL; NULL arguments
 * (`input` is the text or the path) are refused. */
static RfxStatus start(RfxDiag *d, RfxModel **out, RfxImportFormat *format_found,
		       const void *input, const char *no_input)
{
	rfx_diag_clear(d);
	if (format_found)
		*format_found = RFX_IMPORT_NONE;
	if (!out)
		return rfx_diag_set(d, RFX_ERR_INVALID, "no place to put the model");
	*out = NULL;
	return input ? RFX_OK : rfx_diag_set(d, RFX_ERR_INVALID, "%s", no_input);
}

RfxStatus rfx_model_load_text(RfxDiag *d, const char *text, size_t len, RfxModel **out,
			      RfxImportFormat *format_found)
{
	json_t *root = NULL;
	RfxStatus st = start(d, out, format_found, text, "no model text");
	if (st != RFX_OK || (st = parse_json(d, text, len, &root)) != RFX_OK)
		return st;
	/* Told apart by content, never by file name (docs/formats.md); parsed once for every reader. */
	RfxImportFormat f = rfx_imp_detect(root);
	if (format_found)
		*format_found = f;
	st = f == RFX_IMPORT_RNNFX ? model_from_json(d, root, out) : rfx_imp_convert(d, root, f, out);
	json_decref(root);
	return st;
}

/* Through the one input opener: a regular file (never a FIFO that would block), within the limit. */
static RfxStatus read_text(RfxDiag *d, const char *path, char **text, size_t *len)
{
	char err[512];
	int r = rfx_in_read(path, RFX_MODEL_FILE_MAX_BYTES, 0, text, len, err, sizeof err);
	if (r == RFX_IN_TOO_LARGE)
		return rfx_diag_set(d, RFX_ERR_TOO_LARGE, "%s (the limit for a model file)", err);
	if (r != 0)
		return rfx_diag_set(d, RFX_ERR_IO, "%s", err);
	return RFX_OK;
}

RfxStatus rfx_model_load_path(RfxDiag *d, const char *path, RfxModel **out,
			      RfxImportFormat *format_found)
{
	char *text = NULL;
	size_t len = 0;
	RfxStatus st = start(d, out, format_found, path, "no file name");
	if (st == RFX_OK)
		st = read_text(d, path, &text, &len);
	if (st == RFX_OK)
		st = rfx_model_load_text(d, text, len, out, format_found);
	free(text);
	return st;
}

/* The public faces of the loader (rfx_model_import_string/_file, in import.c, are the others). */

RfxStatus rfx_model_load_string(const char *text, size_t len, RfxModel **out, char *detail,
				size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	return rfx_model_load_text(&d, text, len, out, NULL);
}

RfxStatus rfx_model_load_file(const char *path, RfxModel **out, char *detail, size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	return rfx_model_load_path(&d, path, out, NULL);
}

RfxStatus rfx_model_read_text(const char *path, char **text, size_t *len, char *detail,
			      size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	rfx_diag_clear(&d);
	if (!path || !text || !len)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "no file name or no place for the text");
	return read_text(&d, path, text, len);
}

/* ------------------------------------------------------------------ writing */

/* A growing text buffer; after the first failed allocation every append is a no-op. */
typedef struct {
	char *p;
	size_t len, cap;
	int oom;
} Buf;

static void buf_put(Buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(Buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		b->oom = 1; /* only short fixed pieces go through here */
	else
		buf_put(b, tmp, (size_t)n);
}

/* A number as JSON with `digits` significant digits. printf follows the C locale, and a host may
 * have set one with a decimal comma, so whatever separator it used becomes '.'. -0 is written
 * "-0.0" because a JSON parser reads "-0" as the integer 0 and the sign would be lost. JSON has no
 * NaN or Inf: they become null, which the loader refuses as RFX_ERR_NONFINITE. */
static void put_number(Buf *b, double x, int digits)
{
	char tmp[48], out[48];
	size_t o = 0;
	if (!isfinite(x)) {
		buf_puts(b, "null");
		return;
	}
	if (x == 0 && signbit(x)) {
		buf_puts(b, "-0.0");
		return;
	}
	snprintf(tmp, sizeof tmp, "%.*g", digits, x);
	for (const char *s = tmp; *s && o < sizeof out - 1; s++) {
		int plain = (*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == 'e';
		if (plain)
			out[o++] = *s;
		else if (o == 0 || out[o - 1] != '.')
			out[o++] = '.'; /* a multi-byte separator collapses to one '.' */
	}
	buf_put(b, out, o);
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when it is not valid:
 * overlong forms, surrogates and code points past U+10FFFF are refused, as JSON parsers do. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	unsigned cp = len == 1 ? c : c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	static const unsigned min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string. Labels come from the caller and may hold any bytes; bytes that are not UTF-8
 * become '?' so the file stays loadable (a loaded label is always valid UTF-8). */
static void put_string(Buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	buf_put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(u + i, n - i);
		if (len == 0) {
			buf_put(b, "?", 1);
			i++;
		} else if (u[i] == '"' || u[i] == '\\') {
			buf_put(b, "\\", 1);
			buf_put(b, s + i++, 1);
		} else if (u[i] < 0x20) {
			buf_printf(b, "\\u%04x", u[i++]);
		} else {
			buf_put(b, s + i, len);
			i += len;
		}
	}
	buf_put(b, "\"", 1);
}

/* The metadata as compact JSON with sorted keys (the form the loader keeps, so a reload gives the
 * same text) in *text, or NULL when absent or not a JSON object: rfx_model_set_metadata does not
 * check it, rfx_model_save_file refuses it, and rfx_model_to_string leaves it out so that its text
 * still loads. Returns 0, or -1 when out of memory. */
static int metadata_json(const RfxModel *m, char **text)
{
	*text = NULL;
	if (!m->metadata)
		return 0;
	json_t *v = json_loads(m->metadata, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(v))
		*text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	int oom = json_is_object(v) && !*text;
	json_decref(v);
	return oom ? -1 : 0;
}

static void put_header(Buf *b, const RfxModel *m)
{
	const RfxModelSpec *s = &m->spec;
	buf_printf(b, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n", RFX_MODEL_FORMAT,
		   RFX_MODEL_VERSION);
	buf_printf(b, "  \"cell\": \"%s\",\n  \"layers\": %d,\n  \"inputs\": %d,\n  \"hidden\": %d,\n",
		   rfx_cell_name(s->cell), s->n_layers, s->n_inputs, s->hidden);
	buf_printf(b, "  \"mode\": \"%s\",\n  \"outputs\": %d,\n", mode_names[s->mode], s->n_outputs);
	if (s->mode == RFX_MODE_EFFECT)
		buf_printf(b, "  \"skip\": %s,\n", s->skip ? "true" : "false");
	buf_puts(b, "  \"sample_rate\": ");
	put_number(b, s->sample_rate, 17); /* a double: 17 digits give it back exactly */
	if (s->frontend.bands > 0) {
		buf_printf(b, ",\n  \"frontend\": {\"bands\": %d, \"low_hz\": ", s->frontend.bands);
		put_number(b, s->frontend.low_hz, 9);
		buf_puts(b, ", \"high_hz\": ");
		put_number(b, s->frontend.high_hz, 9);
		if (s->frontend.hop > 1)
			buf_printf(b, ", \"hop\": %d", s->frontend.hop);
		buf_puts(b, "}");
	}
	buf_puts(b, ",\n  \"initial_state\": [");
	for (int l = 0; l < s->n_layers; l++)
		buf_printf(b, "%s\"%s\"", l ? ", " : "", init_names[s->init[l]]);
	buf_puts(b, "],\n");
	if (rfx_mode_has_classes(s->mode)) {
		buf_puts(b, "  \"labels\": [");
		for (int k = 0; k < s->n_outputs; k++) {
			buf_puts(b, k ? ", " : "");
			put_string(b, m->labels[k], strnlen(m->labels[k], RFX_MAX_LABEL - 1));
		}
		buf_puts(b, "],\n");
	}
	if (rfx_mode_has_classes(s->mode) && m->has_notes) {
		buf_puts(b, "  \"notes\": [");
		for (int k = 0; k < s->n_outputs; k++)
			buf_printf(b, "%s%d", k ? ", " : "", m->notes[k]);
		buf_puts(b, "],\n");
	}
}

/* One tensor per line: readable with `head`, and a diff shows which tensor changed. */
static void put_tensor(Buf *b, const RfxTensor *t, int last)
{
	const size_t n = (size_t)t->rows * (size_t)t->cols;
	if (is_matrix(t->name))
		buf_printf(b, "    \"%s\": {\"shape\": [%d, %d], \"data\": [", t->name, t->rows, t->cols);
	else
		buf_printf(b, "    \"%s\": {\"shape\": [%d], \"data\": [", t->name, t->rows);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_put(b, ",", 1);
		put_number(b, t->data[i], 9); /* 9 digits give every float back bit for bit */
	}
	buf_puts(b, last ? "]}\n" : "]},\n");
}

char *rfx_model_to_string(const RfxModel *m)
{
	if (!m || rfx_model_spec_check(&m->spec, NULL, 0) != RFX_OK)
		return NULL;
	char *meta = NULL;
	if (metadata_json(m, &meta) != 0)
		return NULL;
	Buf b = { 0 };
	put_header(&b, m);
	if (meta) {
		buf_printf(&b, "  \"metadata\": ");
		buf_puts(&b, meta);
		buf_puts(&b, ",\n");
		free(meta);
	}
	buf_puts(&b, "  \"tensors\": {\n");
	for (int i = 0; i < m->n_tensors; i++)
		put_tensor(&b, &m->tensors[i], i == m->n_tensors - 1);
	buf_puts(&b, "  }\n}\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Refuses what would be written but could not be loaded back. */
static RfxStatus check_savable(RfxDiag *d, const RfxModel *m)
{
	RfxStatus st = rfx_model_spec_check(&m->spec, d->text, d->size);
	if (st != RFX_OK)
		return st;
	size_t at = 0;
	int bad = rfx_model_find_nonfinite(m, &at);
	if (bad >= 0)
		return rfx_diag_set(d, RFX_ERR_NONFINITE, "tensor '%s': value %zu is not finite, a "
				    "model file holds finite weights only", m->tensors[bad].name,
				    at);
	if (m->metadata) {
		json_t *v = json_loads(m->metadata, JSON_REJECT_DUPLICATES, NULL);
		int ok = json_is_object(v);
		json_decref(v);
		if (!ok)
			return rfx_diag_set(d, RFX_ERR_FIELD,
					    "'metadata' is not the text of a JSON object");
	}
	return RFX_OK;
}

RfxStatus rfx_model_save_file(const RfxModel *m, const char *path, char *detail,
			      size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	rfx_diag_clear(&d);
	if (!m || !path)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "no model or no path");
	RfxStatus st = check_savable(&d, m);
	if (st != RFX_OK)
		return st;
	char *text = rfx_model_to_string(m);
	if (!text)
		return rfx_diag_set(&d, RFX_ERR_NOMEM, "out of memory writing the model text");
	size_t len = strlen(text);
	if (len > RFX_MODEL_FILE_MAX_BYTES) {
		free(text);
		return rfx_diag_set(&d, RFX_ERR_TOO_LARGE, "the model text has %zu bytes, past the "
				    "%u a model file may have (%zu weights)", len,
				    RFX_MODEL_FILE_MAX_BYTES, m->n_params);
	}
	char err[512];
	if (rfx_out_write_file(path, text, len, err, sizeof err) != 0)
		st = rfx_diag_set(&d, RFX_ERR_IO, "%s", err);
	free(text);
	return st;
}
