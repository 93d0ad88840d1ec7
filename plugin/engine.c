/* rnnfx LV2 plugin — engines: model file or text -> checked model -> settled stream. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

RfxStatus rfx_engine_load(const char *path, const char *json, size_t json_len, double host_rate,
			  RfxEngine **out, char *detail, size_t detail_size)
{
	if (detail && detail_size)
		detail[0] = '\0';
	if (!out || (!path && !json))
		return RFX_ERR_INVALID;
	*out = NULL;

	RfxModel *model = NULL;
	RfxStatus st = json ? rfx_model_load_string(json, json_len, &model, detail, detail_size)
			    : rfx_model_load_file(path, &model, detail, detail_size);
	if (st != RFX_OK)
		return st;

	/* The plugin is a mono effect: one audio input (conditioning inputs stay at their defaults)
	 * and one output per sample. A classifier is a valid model, but not for this plugin. */
	if (model->spec.mode != RFX_MODE_EFFECT || model->spec.n_outputs != 1) {
		if (detail && detail_size)
			snprintf(detail, detail_size,
				 "a classifier model (%d outputs); this plugin runs effect models",
				 model->spec.n_outputs);
		rfx_model_free(model);
		return RFX_ERR_FIELD;
	}

	RfxEngine *e = calloc(1, sizeof *e);
	if (!e) {
		rfx_model_free(model);
		return RFX_ERR_NOMEM;
	}
	e->rate = model->spec.sample_rate;
	st = rfx_rate_create(model, host_rate, RFX_RATE_QUALITY_DEFAULT, &e->stream, detail,
			     detail_size);
	e->json = rfx_model_to_string(model);
	rfx_model_free(model); /* the stream keeps its own copy of the weights */
	if (st != RFX_OK) {
		rfx_engine_free(e);
		return st;
	}
	e->path = path ? dup_string(path) : NULL;
	if (!e->json || (path && !e->path)) {
		rfx_engine_free(e);
		return RFX_ERR_NOMEM;
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
		return RFX_ERR_INVALID;
	}

	/* Settle the state on silence here, off the audio thread, so the model is not heard
	 * starting from its raw initial state. */
	static const float zeros[256];
	float scratch[256];
	for (unsigned done = 0; done < RFX_PLUGIN_PRERUN; done += 256) {
		unsigned n = RFX_PLUGIN_PRERUN - done < 256 ? RFX_PLUGIN_PRERUN - done : 256;
		rfx_rate_process(e->stream, zeros, scratch, n);
	}
	*out = e;
	return RFX_OK;
}

void rfx_engine_free(RfxEngine *e)
{
	if (!e)
		return;
	rfx_rate_destroy(e->stream);
	free(e->json);
	free(e->path);
	free(e);
}
