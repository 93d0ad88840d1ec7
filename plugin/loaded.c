/* rnnfx LV2 plugins — loaded models: model file or text -> checked model -> settled engine. */
#include "loaded.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../dsp/rnnfx.h"
#include "rnnfx.h"

/* The classifier's labels joined by ',' for the host (an empty label reads as its index; a comma
 * inside a label becomes ';' so the list splits back into exactly K names). */
static char *join_labels(const RfxModel *model)
{
	const int k = rfx_model_n_outputs(model);
	char *s = malloc((size_t)k * (RFX_MAX_LABEL + 1) + 1);
	if (!s)
		return NULL;
	size_t len = 0;
	for (int c = 0; c < k; ++c) {
		if (c)
			s[len++] = ',';
		const char *l = rfx_model_label(model, c);
		if (!l[0]) {
			len += (size_t)sprintf(s + len, "%d", c);
			continue;
		}
		for (size_t i = 0; l[i] && i < RFX_MAX_LABEL; ++i)
			s[len++] = l[i] == ',' ? ';' : l[i];
	}
	s[len] = '\0';
	return s;
}

/* What of the metadata the state keeps: the model's "name" when it is a string of at most
 * RFX_LOADED_NAME_MAX bytes, and a knob model's "knobs" (they say how the knob ports drive it),
 * nothing else. Training commands, hashes, logs and metrics do not run the model, can be
 * megabytes, and the state is copied into every saved session and snapshot. 0 when done (the
 * metadata may now be NULL), -1 when out of memory. */
static int keep_essential_metadata(RfxModel *model)
{
	const char *text = rfx_model_metadata(model);
	if (!text)
		return 0;
	json_t *meta = json_loads(text, 0, NULL);
	json_t *name = json_object_get(meta, "name");
	RfxKnob k[RFX_MAX_KNOBS];
	const int has_knobs = rfx_model_knobs(model, k, RFX_MAX_KNOBS) > 0;
	char *kept = NULL;
	int rc = 0;
	json_t *o = json_object();
	if (json_is_string(name) && json_string_length(name) <= RFX_LOADED_NAME_MAX)
		json_object_set(o, "name", name);
	if (has_knobs)
		json_object_set(o, "knobs", json_object_get(meta, "knobs"));
	if (o && json_object_size(o) > 0) {
		kept = json_dumps(o, JSON_COMPACT);
		rc = kept ? 0 : -1;
	}
	json_decref(o);
	json_decref(meta);
	if (rc == 0 && rfx_model_set_metadata(model, kept) != RFX_OK)
		rc = -1;
	free(kept);
	return rc;
}

/* Which conditioning input each knob port drives, and how: a knob model's knobs (rnnfx-train
 * --knob) in their order, the port's 0..1 spanning the trained range (network input 2 p - 1); a
 * model with conditioning inputs but no knobs (an AIDA-X import) takes the port's value as it is
 * on inputs 1, 2, ... Inputs no port reaches stay at 0. */
static void map_knobs(const RfxModel *model, RfxLoaded *m)
{
	RfxKnob k[RFX_MAX_KNOBS];
	int n = rfx_model_knobs(model, k, RFX_MAX_KNOBS);
	if (n <= 0) {
		n = rfx_model_n_inputs(model) - 1;
		n = n < RFX_MAX_KNOBS ? n : RFX_MAX_KNOBS;
		for (int i = 0; i < n; ++i) {
			m->knob_input[i] = 1 + i;
			m->knob_unit[i] = true;
		}
	} else {
		for (int i = 0; i < n; ++i) {
			m->knob_input[i] = k[i].input;
			m->knob_unit[i] = k[i].unit;
		}
	}
	m->n_knobs = n > 0 ? n : 0;
}

/* What each knob port does with model m, one "knobN: ..." per port joined by "; " (RFX_PARAM_KNOBS):
 * a knob model's knob by name over its trained range, or the conditioning input a port feeds as it
 * is (a conditioned model without knobs). "" when no port drives the model; NULL out of memory. */
static char *describe_knobs(const RfxModel *model, const RfxLoaded *m)
{
	RfxKnob k[RFX_MAX_KNOBS];
	const int named = rfx_model_knobs(model, k, RFX_MAX_KNOBS) > 0;
	char *s = malloc((size_t)RFX_MAX_KNOBS * (sizeof k[0].name + sizeof k[0].units + 96) + 1);
	if (!s)
		return NULL;
	size_t len = 0;
	s[0] = '\0';
	for (int i = 0; i < m->n_knobs; ++i) {
		const char *sep = i ? "; " : "";
		if (named)
			len += (size_t)sprintf(s + len, "%sknob%d: %s %.6g to %.6g%s%s (default %.6g)", sep,
					       i + 1, k[i].name, k[i].min, k[i].max, k[i].units[0] ? " " : "",
					       k[i].units, k[i].def);
		else
			len += (size_t)sprintf(s + len, "%sknob%d: input %d, 0 to 1 as it is", sep, i + 1,
					       m->knob_input[i]);
	}
	return s;
}

static RfxStatus refuse(RfxLoadFail *fail, RfxLoadFail why, RfxStatus st)
{
	if (fail)
		*fail = why;
	return st;
}

/* The plugins' policy, before an engine is built: the effect plugin runs mono effects (one audio
 * input, conditioning inputs at their defaults, one output per sample); the classifier plugin
 * runs classifiers at their own rate only (dsp/rate.h does not resample class probabilities).
 * RFX_OK, or the status with `detail` filled and *why set. */
static RfxStatus check_kind(const RfxModel *model, RfxOutputMode mode, double host_rate,
			    RfxLoadFail *why, char *detail, size_t detail_size)
{
	if (mode == RFX_MODE_EFFECT &&
	    (rfx_model_mode(model) != RFX_MODE_EFFECT || rfx_model_n_outputs(model) != 1)) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "a classifier model (%d outputs); this plugin runs effect models",
				 rfx_model_n_outputs(model));
		*why = RFX_LOAD_FAIL_KIND;
		return RFX_ERR_FIELD;
	}
	if (mode == RFX_MODE_CLASSIFIER && !rfx_mode_has_classes(rfx_model_mode(model))) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "an effect model; this plugin runs classifier models (use the rnnfx "
				 "effect plugin for it)");
		*why = RFX_LOAD_FAIL_KIND;
		return RFX_ERR_FIELD;
	}
	if (mode == RFX_MODE_CLASSIFIER &&
	    fabs(rfx_model_sample_rate(model) - host_rate) > RFX_RATE_SAME_HZ) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "rate mismatch: the classifier was trained at %g Hz, the host runs at "
				 "%g Hz; a classifier runs only at its own rate",
				 rfx_model_sample_rate(model), host_rate);
		*why = RFX_LOAD_FAIL_RATE;
		return RFX_ERR_INVALID;
	}
	return RFX_OK;
}

RfxStatus rfx_loaded_load(const char *path, const char *json, size_t json_len, double host_rate,
			  RfxOutputMode mode, RfxLoaded **out, RfxLoadFail *fail, char *detail,
			  size_t detail_size)
{
	if (detail && detail_size)
		detail[0] = '\0';
	if (fail)
		*fail = RFX_LOAD_FAIL_NONE;
	if (!out || (!path && !json))
		return refuse(fail, RFX_LOAD_FAIL_LOAD, RFX_ERR_INVALID);
	*out = NULL;

	RfxModel *model = NULL;
	RfxStatus st = json ? rfx_model_load_string(json, json_len, &model, detail, detail_size)
			    : rfx_model_load_file(path, &model, detail, detail_size);
	if (st != RFX_OK)
		return refuse(fail, RFX_LOAD_FAIL_LOAD, st);
	RfxLoadFail why = RFX_LOAD_FAIL_LOAD;
	st = check_kind(model, mode, host_rate, &why, detail, detail_size);
	if (st != RFX_OK) {
		rfx_model_free(model);
		return refuse(fail, why, st);
	}

	RfxLoaded *m = calloc(1, sizeof *m);
	if (!m) {
		rfx_model_free(model);
		return refuse(fail, RFX_LOAD_FAIL_LOAD, RFX_ERR_NOMEM);
	}
	st = rfx_engine_create(model, 1, host_rate, RFX_RATE_QUALITY_DEFAULT, &m->engine, detail,
			       detail_size);
	if (keep_essential_metadata(model) == 0)
		m->json = rfx_model_to_string(model);
	if (mode == RFX_MODE_CLASSIFIER)
		m->labels = join_labels(model);
	m->onset = rfx_model_mode(model) == RFX_MODE_ONSET;
	for (int k = 0; k < rfx_model_n_outputs(model) && k < RFX_MAX_CLASSES; k++) {
		const int note = rfx_model_note(model, k);
		m->notes[k] = note >= 0 ? note : 60 + k;
	}
	map_knobs(model, m);
	if (mode == RFX_MODE_EFFECT)
		m->knobs = describe_knobs(model, m);
	const double model_rate = rfx_model_sample_rate(model);
	rfx_model_free(model); /* the engine keeps its own copy of the weights */
	if (st != RFX_OK) {
		rfx_loaded_free(m);
		return refuse(fail, RFX_LOAD_FAIL_LOAD, st);
	}
	rfx_engine_set_user(m->engine, m);
	m->path = path ? strdup(path) : NULL;
	if (!m->json || (path && !m->path) || (mode == RFX_MODE_CLASSIFIER && !m->labels) ||
	    (mode == RFX_MODE_EFFECT && !m->knobs)) {
		rfx_loaded_free(m);
		return refuse(fail, RFX_LOAD_FAIL_LOAD, RFX_ERR_NOMEM);
	}
	/* The dry path is delayed by the latency through a fixed-size line (run() never
	 * allocates); a latency past it would need a ratio far beyond any audio rate pair. */
	const unsigned latency = rfx_engine_latency(m->engine);
	if (latency >= RFX_PLUGIN_MAX_LATENCY) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "resampling %g Hz -> %g Hz needs %u samples of latency, more than the "
				 "plugin's %u", model_rate, host_rate, latency, RFX_PLUGIN_MAX_LATENCY - 1);
		rfx_loaded_free(m);
		return refuse(fail, RFX_LOAD_FAIL_LOAD, RFX_ERR_INVALID);
	}

	/* Settled on silence, off the audio thread, so the model is not heard starting from its
	 * raw initial state. */
	rfx_engine_settle(m->engine);
	*out = m;
	return RFX_OK;
}

void rfx_loaded_free(RfxLoaded *m)
{
	if (!m)
		return;
	rfx_engine_destroy(m->engine);
	free(m->json);
	free(m->labels);
	free(m->knobs);
	free(m->path);
	free(m);
}
