/* rnnfx LV2 plugins — engines: model file or text -> checked model -> settled stream. */
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../dsp/model_file.h"
#include "rnnfx.h"

static char *dup_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* The classifier's labels joined by ',' for the host (an empty label reads as its index; a comma
 * inside a label becomes ';' so the list splits back into exactly K names). */
static char *join_labels(const RfxModel *model)
{
	const int k = model->spec.n_outputs;
	char *s = malloc((size_t)k * (RFX_MAX_LABEL + 1) + 1);
	if (!s)
		return NULL;
	size_t len = 0;
	for (int c = 0; c < k; ++c) {
		if (c)
			s[len++] = ',';
		const char *l = model->labels[c];
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
 * RFX_ENGINE_NAME_MAX bytes, nothing else. Training commands, hashes, logs and metrics do not
 * run the model, can be megabytes, and the state is copied into every saved session and snapshot.
 * 0 when done (the metadata may now be NULL), -1 when out of memory. */
static int keep_essential_metadata(RfxModel *model)
{
	if (!model->metadata)
		return 0;
	json_t *meta = json_loads(model->metadata, 0, NULL);
	json_t *name = json_object_get(meta, "name");
	char *kept = NULL;
	int rc = 0;
	if (json_is_string(name) && json_string_length(name) <= RFX_ENGINE_NAME_MAX) {
		json_t *o = json_pack("{s:O}", "name", name);
		kept = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		rc = kept ? 0 : -1;
	}
	json_decref(meta);
	if (rc == 0 && rfx_model_set_metadata(model, kept) != RFX_OK)
		rc = -1;
	free(kept);
	return rc;
}

static RfxStatus refuse(RfxEngineFail *fail, RfxEngineFail why, RfxStatus st)
{
	if (fail)
		*fail = why;
	return st;
}

RfxStatus rfx_engine_load(const char *path, const char *json, size_t json_len, double host_rate,
			  RfxOutputMode mode, RfxEngine **out, RfxEngineFail *fail, char *detail,
			  size_t detail_size)
{
	if (detail && detail_size)
		detail[0] = '\0';
	if (fail)
		*fail = RFX_ENGINE_FAIL_NONE;
	if (!out || (!path && !json))
		return refuse(fail, RFX_ENGINE_FAIL_LOAD, RFX_ERR_INVALID);
	*out = NULL;

	RfxModel *model = NULL;
	RfxStatus st = json ? rfx_model_load_string(json, json_len, &model, detail, detail_size)
			    : rfx_model_load_file(path, &model, detail, detail_size);
	if (st != RFX_OK)
		return refuse(fail, RFX_ENGINE_FAIL_LOAD, st);

	/* The effect plugin runs mono effects: one audio input (conditioning inputs stay at their
	 * defaults) and one output per sample. The classifier plugin runs classifiers, at their own
	 * rate only (dsp/rate.h does not resample class probabilities). */
	if (mode == RFX_MODE_EFFECT &&
	    (model->spec.mode != RFX_MODE_EFFECT || model->spec.n_outputs != 1)) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "a classifier model (%d outputs); this plugin runs effect models",
				 model->spec.n_outputs);
		rfx_model_free(model);
		return refuse(fail, RFX_ENGINE_FAIL_KIND, RFX_ERR_FIELD);
	}
	if (mode == RFX_MODE_CLASSIFIER && model->spec.mode != RFX_MODE_CLASSIFIER) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "an effect model; this plugin runs classifier models (use the rnnfx "
				 "effect plugin for it)");
		rfx_model_free(model);
		return refuse(fail, RFX_ENGINE_FAIL_KIND, RFX_ERR_FIELD);
	}
	if (mode == RFX_MODE_CLASSIFIER &&
	    fabs(model->spec.sample_rate - host_rate) > RFX_RATE_SAME_HZ) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "rate mismatch: the classifier was trained at %g Hz, the host runs at "
				 "%g Hz; a classifier runs only at its own rate",
				 model->spec.sample_rate, host_rate);
		rfx_model_free(model);
		return refuse(fail, RFX_ENGINE_FAIL_RATE, RFX_ERR_INVALID);
	}

	RfxEngine *e = calloc(1, sizeof *e);
	if (!e) {
		rfx_model_free(model);
		return refuse(fail, RFX_ENGINE_FAIL_LOAD, RFX_ERR_NOMEM);
	}
	e->rate = model->spec.sample_rate;
	e->n_outputs = model->spec.n_outputs;
	st = rfx_rate_create(model, host_rate, RFX_RATE_QUALITY_DEFAULT, &e->stream, detail,
			     detail_size);
	if (keep_essential_metadata(model) == 0)
		e->json = rfx_model_to_string(model);
	if (mode == RFX_MODE_CLASSIFIER)
		e->labels = join_labels(model);
	rfx_model_free(model); /* the stream keeps its own copy of the weights */
	if (st != RFX_OK) {
		rfx_engine_free(e);
		return refuse(fail, RFX_ENGINE_FAIL_LOAD, st);
	}
	e->path = path ? dup_string(path) : NULL;
	if (!e->json || (path && !e->path) || (mode == RFX_MODE_CLASSIFIER && !e->labels)) {
		rfx_engine_free(e);
		return refuse(fail, RFX_ENGINE_FAIL_LOAD, RFX_ERR_NOMEM);
	}
	e->resampling = rfx_rate_is_resampling(e->stream);
	e->latency = rfx_rate_latency(e->stream);
	/* The dry path is delayed by the latency through a fixed-size line (run() never
	 * allocates); a latency past it would need a ratio far beyond any audio rate pair. */
	if (e->latency >= RFX_PLUGIN_MAX_LATENCY) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "resampling %g Hz -> %g Hz needs %u samples of latency, more than the "
				 "plugin's %u", e->rate, host_rate, e->latency, RFX_PLUGIN_MAX_LATENCY - 1);
		rfx_engine_free(e);
		return refuse(fail, RFX_ENGINE_FAIL_LOAD, RFX_ERR_INVALID);
	}

	rfx_engine_settle(e);
	*out = e;
	return RFX_OK;
}

void rfx_engine_settle(RfxEngine *e)
{
	/* Settle the state on silence, off the audio thread, so the model is not heard starting
	 * from its raw initial state. A classifier gives K floats per sample. */
	static const float zeros[256];
	float scratch[256 * RFX_MAX_CLASSES];
	rfx_rate_reset(e->stream);
	for (unsigned done = 0; done < RFX_PLUGIN_PRERUN; done += 256) {
		unsigned n = RFX_PLUGIN_PRERUN - done < 256 ? RFX_PLUGIN_PRERUN - done : 256;
		rfx_rate_process(e->stream, zeros, scratch, n);
	}
}

void rfx_engine_free(RfxEngine *e)
{
	if (!e)
		return;
	rfx_rate_destroy(e->stream);
	free(e->json);
	free(e->labels);
	free(e->path);
	free(e);
}
