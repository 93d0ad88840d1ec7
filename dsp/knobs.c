/* rnnfx — what a host reads from a model's metadata (dsp/rnnfx.h): the knobs of a knob model, and
 * the memory the trainer measured. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "rnnfx.h"
#include "status.h"

static int read_knob(json_t *o, int n_inputs, RfxKnob *k)
{
	json_t *name = json_object_get(o, "name"), *in = json_object_get(o, "input");
	json_t *lo = json_object_get(o, "min"), *hi = json_object_get(o, "max");
	json_t *def = json_object_get(o, "default"), *scaling = json_object_get(o, "scaling");
	if (!json_is_string(name) || !json_is_integer(in) || !json_is_number(lo) ||
	    !json_is_number(hi) || (scaling && !json_is_string(scaling)))
		return -1;
	const char *sc = scaling ? json_string_value(scaling) : "linear";
	if (strcmp(sc, "linear") != 0 && strcmp(sc, "unit") != 0)
		return -1;
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", json_string_value(name));
	k->input = (int)json_integer_value(in);
	k->min = json_number_value(lo);
	k->max = json_number_value(hi);
	k->def = json_is_number(def) ? json_number_value(def) : 0.5 * (k->min + k->max);
	k->unit = strcmp(sc, "unit") == 0;
	json_t *u = json_object_get(o, "unit");
	if (json_is_string(u))
		snprintf(k->units, sizeof k->units, "%s", json_string_value(u));
	if (!k->name[0] || k->input < 1 || k->input >= n_inputs || !isfinite(k->min) ||
	    !isfinite(k->max) || !(k->min < k->max) || !(k->def >= k->min && k->def <= k->max))
		return -1;
	return 0;
}

int rfx_model_knobs(const RfxModel *model, RfxKnob *knobs, int max)
{
	const char *meta = model ? rfx_model_metadata(model) : NULL;
	if (!meta)
		return 0;
	json_t *root = json_loads(meta, 0, NULL);
	json_t *arr = json_object_get(root, "knobs");
	int n = 0;
	if (arr && !json_is_array(arr))
		n = -1;
	for (size_t i = 0; n >= 0 && arr && i < json_array_size(arr); i++) {
		if (n >= max || read_knob(json_array_get(arr, i), rfx_model_n_inputs(model),
					  &knobs[n]) != 0)
			n = -1;
		else
			n++;
	}
	json_decref(root);
	return n;
}

double rfx_model_memory_s(const RfxModel *model)
{
	const char *meta = model ? rfx_model_metadata(model) : NULL;
	json_t *root = meta ? json_loads(meta, 0, NULL) : NULL;
	json_t *v = json_object_get(root, "memory_s");
	double s = json_is_number(v) ? json_number_value(v) : 0;
	json_decref(root);
	return isfinite(s) && s > 0 ? s : 0;
}

float rfx_knob_scale(double min, double max, double v)
{
	return (float)(2.0 * (v - min) / (max - min) - 1.0);
}

float rfx_knob_input(const RfxKnob *k, double v, int *clamped)
{
	int c = !(v >= k->min && v <= k->max); /* NaN too */
	if (c)
		v = v > k->max ? k->max : k->min;
	if (clamped)
		*clamped = c;
	return k->unit ? (float)((v - k->min) / (k->max - k->min)) : rfx_knob_scale(k->min, k->max, v);
}

static int named(const RfxKnob *k, const RfxKnobSetting *s)
{
	return strlen(k->name) == s->name_len && !strncmp(k->name, s->name, s->name_len);
}

int rfx_model_knob_inputs(const RfxModel *model, const RfxKnobSetting *set, int n_set, int *idx,
			  float *val, unsigned *clamped, char *detail, size_t detail_size)
{
	RfxKnob k[RFX_MAX_KNOBS];
	RfxDiag d = {detail, detail_size};
	rfx_diag_clear(&d);
	const int n = rfx_model_knobs(model, k, RFX_MAX_KNOBS);
	if (n < 0) {
		rfx_diag_set(&d, RFX_ERR_FIELD, "its metadata's \"knobs\" entry is malformed");
		return -1;
	}
	for (int j = 0; j < n_set; j++) {
		int i = 0;
		while (i < n && !named(&k[i], &set[j]))
			i++;
		if (i < n)
			continue;
		char known[RFX_MAX_KNOBS * (sizeof k[0].name + 2)] = "";
		for (int t = 0; t < n; t++) {
			if (t)
				strcat(known, ", ");
			strcat(known, k[t].name); /* names are < 64 bytes: the buffer holds all four */
		}
		rfx_diag_set(&d, RFX_ERR_INVALID, "no knob named '%.*s' (%s)", (int)set[j].name_len,
			     set[j].name, n ? known : "the model has no knobs; --cond sets inputs by index");
		return -1;
	}
	if (clamped)
		*clamped = 0;
	for (int i = 0; i < n; i++) {
		double v = k[i].def;
		for (int j = 0; j < n_set; j++)
			if (named(&k[i], &set[j]))
				v = set[j].value;
		int c;
		idx[i] = k[i].input;
		val[i] = rfx_knob_input(&k[i], v, &c);
		if (c && clamped)
			*clamped |= 1u << i;
	}
	return n;
}
