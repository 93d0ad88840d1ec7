/* rnnfx — importing models from other programs: telling the formats apart, and what every importer
 * shares (reading checked arrays of numbers, integers, the sample rate, the metadata).
 *
 * The format is recognised from the content, never from the file name: users rename .aidax files
 * to .json and back. Each importer (import_aidax.c, import_nam.c, import_guitarml.c) reads the whole
 * document into a fresh model and refuses at the first fault, naming the field.
 */
#include "import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_impl.h"
#include "model_file.h"

static const char *const format_names[RFX_IMPORT_COUNT] = {
	"none", "rnnfx", "aidax", "nam", "guitarml",
};

const char *rfx_import_format_name(RfxImportFormat format)
{
	return (unsigned)format < RFX_IMPORT_COUNT ? format_names[format] : NULL;
}

const char *rfx_imp_type_name(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	default: return "an unknown value";
	}
}

/* ------------------------------------------------------------------ arrays of numbers */

/* " (U)" after a path, or nothing. */
static const char *label_open(const char *label) { return label ? " (" : ""; }
static const char *label_text(const char *label) { return label ? label : ""; }
static const char *label_close(const char *label) { return label ? ")" : ""; }

/* " (hidden size)" after an expected count, or nothing. */
static void why_text(char *buf, size_t size, const char *why)
{
	snprintf(buf, size, "%s%s%s", why ? " (" : "", why ? why : "", why ? ")" : "");
}

static RfxStatus one_value(RfxDiag *d, json_t *v, const char *path, const char *index,
			   const char *label, float *out)
{
	if (!json_is_number(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "%s%s%s%s%s: %s, expected a number", path, index,
				    label_open(label), label_text(label), label_close(label),
				    rfx_imp_type_name(v));
	double x = json_number_value(v);
	/* At or past FLT_MAX + half an ulp a double rounds to Inf as a float; converting an
	 * out-of-range double is also undefined behaviour, so test before the cast. */
	if (!(fabs(x) < 0x1.ffffffp+127))
		return rfx_diag_set(d, RFX_ERR_NONFINITE, "%s%s%s%s%s = %g is not finite as a 32-bit "
				    "float", path, index, label_open(label), label_text(label),
				    label_close(label), x);
	*out = (float)x;
	return RFX_OK;
}

/* A JSON array of exactly n entries, or the sentence saying what it is instead. */
static RfxStatus check_array(RfxDiag *d, json_t *v, const char *path, const char *index,
			     const char *label, int n, const char *what, const char *why)
{
	char w[96];
	why_text(w, sizeof w, why);
	if (!json_is_array(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "%s%s%s%s%s: %s, expected an array of %d %s%s",
				    path, index, label_open(label), label_text(label),
				    label_close(label), rfx_imp_type_name(v), n, what, w);
	if (json_array_size(v) != (size_t)n)
		return rfx_diag_set(d, RFX_ERR_SHAPE, "%s%s%s%s%s: %zu %s, expected %d%s", path, index,
				    label_open(label), label_text(label), label_close(label),
				    json_array_size(v), what, n, w);
	return RFX_OK;
}

RfxStatus rfx_imp_floats(RfxDiag *d, json_t *v, const char *path, const char *label, int rows,
			 int cols, const char *rows_why, const char *cols_why, float *out)
{
	char index[48];
	RfxStatus st = check_array(d, v, path, "", label, rows, cols ? "rows" : "values", rows_why);
	if (st != RFX_OK)
		return st;
	for (int r = 0; r < rows; r++) {
		json_t *row = json_array_get(v, (size_t)r);
		snprintf(index, sizeof index, "[%d]", r);
		if (!cols) {
			if ((st = one_value(d, row, path, index, label, &out[r])) != RFX_OK)
				return st;
			continue;
		}
		if ((st = check_array(d, row, path, index, label, cols, "values", cols_why)) != RFX_OK)
			return st;
		for (int c = 0; c < cols; c++) {
			snprintf(index, sizeof index, "[%d][%d]", r, c);
			st = one_value(d, json_array_get(row, (size_t)c), path, index, label,
				       &out[(size_t)r * (size_t)cols + (size_t)c]);
			if (st != RFX_OK)
				return st;
		}
	}
	return RFX_OK;
}

/* ------------------------------------------------------------------ fields */

RfxStatus rfx_imp_int(RfxDiag *d, json_t *obj, const char *where, const char *key,
		      int required, int dflt, int lo, int hi, RfxStatus range_status, int *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v && !required) {
		*out = dflt;
		return RFX_OK;
	}
	if (!v)
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s%s' missing, expected an integer", where, key);
	if (!json_is_integer(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s%s': %s, expected an integer", where, key,
				    rfx_imp_type_name(v));
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi)
		return rfx_diag_set(d, range_status, "'%s%s': %" JSON_INTEGER_FORMAT ", expected %d to "
				    "%d", where, key, x, lo, hi);
	*out = (int)x;
	return RFX_OK;
}

/* "48000" or "44100.5": digits with an optional fraction. strtod would follow the C locale, and a
 * host may have set one with a decimal comma. */
static int parse_rate(const char *s, double *out)
{
	double x = 0, scale = 1;
	int digits = 0, frac = 0;
	for (; *s; s++) {
		if (*s == '.' && !frac) {
			frac = 1;
		} else if (*s >= '0' && *s <= '9' && digits < 12) {
			if (frac)
				x += (scale /= 10) * (*s - '0');
			else
				x = x * 10 + (*s - '0');
			digits++;
		} else {
			return 0;
		}
	}
	*out = x;
	return digits > 0;
}

static RfxStatus rate_value(RfxDiag *d, json_t *v, const char *field, double *rate)
{
	double x = 0;
	if (json_is_number(v))
		x = json_number_value(v);
	else if (!json_is_string(v))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': %s, expected a rate in Hz", field,
				    rfx_imp_type_name(v));
	else if (!parse_rate(json_string_value(v), &x))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': \"%.40s\", expected a rate in Hz (a number "
				    "or a string of digits)", field, json_string_value(v));
	if (!(x > 0 && x <= 1e6))
		return rfx_diag_set(d, RFX_ERR_FIELD, "'%s': %g, expected a rate in Hz above 0 and at "
				    "most 1000000", field, x);
	*rate = x;
	return RFX_OK;
}

RfxStatus rfx_imp_sample_rate(RfxDiag *d, json_t *root, double dflt, double *rate)
{
	json_t *v;
	/* null is how NAM's exporter says "unknown" */
	if ((v = json_object_get(root, "sample_rate")) && !json_is_null(v))
		return rate_value(d, v, "sample_rate", rate);
	if ((v = json_object_get(root, "samplerate")) && !json_is_null(v))
		return rate_value(d, v, "samplerate", rate);
	json_t *meta = json_object_get(root, "metadata");
	if ((v = json_object_get(meta, "samplerate")) && !json_is_null(v))
		return rate_value(d, v, "metadata.samplerate", rate);
	*rate = dflt;
	return RFX_OK;
}

RfxStatus rfx_imp_new_model(RfxDiag *d, const RfxModelSpec *spec, RfxModel **out)
{
	char why[192];
	RfxStatus st = rfx_model_spec_check(spec, why, sizeof why);
	if (st != RFX_OK)
		return rfx_diag_set(d, st, "the converted model is out of rnnfx's limits: %s", why);
	if ((st = rfx_model_new(spec, out)) != RFX_OK)
		return rfx_diag_set(d, st, "could not create the model: %s", rfx_strerror(st));
	return RFX_OK;
}

/* The knobs of an imported conditioned model (inputs 1..I-1): AIDA-X and GuitarML feed their
 * parameters, 0 to 1, as they are, so each is a "unit" knob over 0..1 named param1, param2, ...;
 * a file rnnfx exported (its knobs folded to the same form, import_aidax.c) gets its own names and
 * ranges back from source_meta's "rnnfx"."knobs". NULL for a model without conditioning inputs. */
static json_t *imported_knobs(const RfxModel *m, json_t *source_meta)
{
	const int n = m->spec.n_inputs - 1;
	if (n < 1)
		return NULL;
	json_t *own = json_object_get(json_object_get(source_meta, "rnnfx"), "knobs");
	int use_own = json_is_array(own) && json_array_size(own) == (size_t)n;
	for (int i = 0; use_own && i < n; i++) {
		json_t *k = json_array_get(own, (size_t)i);
		use_own = json_is_string(json_object_get(k, "name")) &&
			  json_integer_value(json_object_get(k, "input")) == i + 1 &&
			  json_is_number(json_object_get(k, "min")) &&
			  json_is_number(json_object_get(k, "max")) &&
			  json_is_number(json_object_get(k, "default"));
	}
	json_t *arr = json_array();
	for (int i = 0; arr && i < n; i++) {
		json_t *k;
		if (use_own) {
			json_t *o = json_array_get(own, (size_t)i);
			k = json_pack("{s:O, s:i, s:O, s:O, s:O, s:s}", "name", json_object_get(o, "name"),
				      "input", i + 1, "min", json_object_get(o, "min"), "max",
				      json_object_get(o, "max"), "default", json_object_get(o, "default"),
				      "scaling", "unit");
		} else {
			char name[16];
			snprintf(name, sizeof name, "param%d", i + 1);
			k = json_pack("{s:s, s:i, s:f, s:f, s:f, s:s}", "name", name, "input", i + 1, "min",
				      0.0, "max", 1.0, "default", 0.5, "scaling", "unit");
		}
		if (!k || json_array_append_new(arr, k) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

RfxStatus rfx_imp_set_metadata(RfxDiag *d, RfxModel *m, RfxImportFormat format,
			       json_t *source_meta, json_t *extra)
{
	json_t *o = json_object();
	int bad = !o || json_object_set_new(o, "source_format",
					    json_string(rfx_import_format_name(format))) != 0;
	if (!bad && m->spec.n_inputs > 1) {
		json_t *k = imported_knobs(m, source_meta);
		bad = !k || json_object_set_new(o, "knobs", k) != 0;
	}
	if (!bad && json_is_object(source_meta))
		bad = json_object_set(o, "source_metadata", source_meta) != 0;
	if (!bad && extra)
		bad = json_object_update(o, extra) != 0;
	char *text = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	RfxStatus st = text ? rfx_model_set_metadata(m, text) : RFX_ERR_NOMEM;
	free(text);
	return st == RFX_OK ? RFX_OK : rfx_diag_set(d, st, "out of memory writing the metadata");
}

/* ------------------------------------------------------------------ telling formats apart */

RfxImportFormat rfx_imp_detect(json_t *root)
{
	if (!json_is_object(root))
		return RFX_IMPORT_NONE;
	if (json_object_get(root, "format"))
		return RFX_IMPORT_RNNFX;
	json_t *layers = json_object_get(root, "layers");
	if (layers && (json_object_get(root, "in_shape") ||
		       json_object_get(json_array_get(layers, 0), "type")))
		return RFX_IMPORT_AIDAX;
	if (json_object_get(root, "architecture"))
		return RFX_IMPORT_NAM;
	if (json_object_get(root, "model_data") || json_object_get(root, "state_dict"))
		return RFX_IMPORT_GUITARML;
	return RFX_IMPORT_NONE;
}

RfxStatus rfx_imp_convert(RfxDiag *d, json_t *root, RfxImportFormat format, RfxModel **out)
{
	RfxStatus st;
	switch (format) {
	case RFX_IMPORT_AIDAX: st = rfx_imp_aidax(d, root, out); break;
	case RFX_IMPORT_NAM: st = rfx_imp_nam(d, root, out); break;
	case RFX_IMPORT_GUITARML: st = rfx_imp_guitarml(d, root, out); break;
	default:
		/* nothing recognised: the sentence names every format the loader reads */
		if (json_is_object(root))
			st = rfx_diag_set(d, RFX_ERR_FORMAT, "'format' missing (expected \"%s\"), and "
					  "no sign of another format rnnfx reads: \"layers\" (AIDA-X), "
					  "\"architecture\" (NAM), \"model_data\" and \"state_dict\" "
					  "(GuitarML)", RFX_MODEL_FORMAT);
		else
			st = rfx_diag_set(d, RFX_ERR_FORMAT, "the file holds %s, expected an object: an "
					  "rnnfx model (\"format\": \"%s\") or an AIDA-X, NAM or "
					  "GuitarML model", rfx_imp_type_name(root), RFX_MODEL_FORMAT);
		break;
	}
	/* Every value was checked on the way in; this catches what a conversion could still make
	 * non-finite (a large gain folded into the weights). */
	size_t at = 0;
	int t = st == RFX_OK ? rfx_model_find_nonfinite(*out, &at) : -1;
	if (t >= 0) {
		st = rfx_diag_set(d, RFX_ERR_NONFINITE, "tensor '%s'[%zu] is not finite after the "
				  "conversion (a gain too large?)", (*out)->tensors[t].name, at);
		rfx_model_free(*out);
		*out = NULL;
	}
	return st;
}

RfxStatus rfx_model_import_string(const char *text, size_t len, RfxModel **out,
				  RfxImportFormat *format_found, char *detail, size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	return rfx_model_load_text(&d, text, len, out, format_found);
}

/* ------------------------------------------------------------------ files */

/* Adds "source_file" to an imported model's metadata (an object, as rfx_imp_set_metadata made it). */
static RfxStatus add_source_file(RfxDiag *d, RfxModel *m, const char *path)
{
	const char *base = strrchr(path, '/');
	json_t *name = json_string(base ? base + 1 : path);
	if (!name)
		return RFX_OK; /* not UTF-8 (jansson refuses it): the name is left out, not fatal */
	json_t *o = m->metadata ? json_loads(m->metadata, 0, NULL) : json_object();
	char *text = NULL;
	if (json_is_object(o) && json_object_set_new(o, "source_file", name) == 0)
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	else if (!json_is_object(o))
		json_decref(name);
	json_decref(o);
	RfxStatus st = text ? rfx_model_set_metadata(m, text) : RFX_ERR_NOMEM;
	free(text);
	return st == RFX_OK ? RFX_OK : rfx_diag_set(d, st, "out of memory writing the metadata");
}

RfxStatus rfx_model_import_file(const char *path, RfxModel **out, RfxImportFormat *format_found,
				char *detail, size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	RfxImportFormat f = RFX_IMPORT_NONE;
	RfxStatus st = rfx_model_load_path(&d, path, out, &f);
	if (format_found)
		*format_found = f;
	if (st == RFX_OK && f != RFX_IMPORT_RNNFX) {
		/* keep the importer's note: add_source_file only writes the detail on failure */
		st = add_source_file(&d, *out, path);
		if (st != RFX_OK) {
			rfx_model_free(*out);
			*out = NULL;
		}
	}
	return st;
}
