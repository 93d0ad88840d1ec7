/* rnnfx LV2 plugin — a recurrent-network model run as a mono audio effect.
 *
 * The host picks a model file through the patch:writable parameter rnnfx:model. Loading happens on
 * the LV2 worker: the worker reads and checks the file, builds an engine (dsp/engine.h) and settles
 * it on silence (plugin/loaded.c); the audio thread only swaps a pointer in work_response() and
 * cross-fades from the old model to the new one (rfx_engine_swap_*). Models that are no longer
 * heard go back to the worker to be freed, so run() never allocates, frees, locks or prints.
 *
 * Signal path, per sample (g_* are smoothed, x is the input with NaN/Inf taken as 0):
 *
 *     wet = model(g_in * x)                (identity when no model is loaded)
 *     d   = x delayed by L                 (L: the model's latency, 0 at the model's own rate)
 *     y   = g_out * (mix * wet + (1 - mix) * d)
 *     out = b * y + (1 - b) * d            (b: the bypass cross-fade, 1 when enabled)
 *
 * A model trained at another rate than the host's runs resampled (dsp/rate.h): its output is L
 * samples late, L goes to the latency port, and the dry path is delayed to match so the mix and
 * the bypass stay aligned with what the host compensates.
 *
 * State keeps the model's path (made portable through state:mapPath) and the model itself (its
 * JSON text without the bulk of its metadata, in base64), so a session that moved to another
 * machine still has its model. Loading, the worker and state are
 * shared with the classifier plugin (plugin/core.c).
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>

#include "../dsp/denormals.h"
#include "classifier.h"
#include "core.h"
#include "loaded.h"
#include "rnnfx.h"
#include "uris.h"

/* Samples processed per inner pass; blocks of any length are cut into passes of at most this. */
#define CHUNK 256
#define KNOB_PASS 32

/* One-pole smoother that lands exactly on its target. */
typedef struct {
	float value;
	float target;
} Smoother;

typedef struct {
	/* Features, URIDs, forge, loading, state (plugin/core.h); must stay the first member. */
	RfxCore core;

	/* Ports */
	const float *in;
	float *out;
	const LV2_Atom_Sequence *control;
	LV2_Atom_Sequence *notify;
	const float *in_gain;
	const float *out_gain;
	const float *mix;
	const float *enabled;
	float *latency;
	float *status;
	float *model_rate;
	const float *knob[RFX_MAX_KNOBS];

	/* Audio-thread state: the engine heard now and the one fading out (NULL = the identity);
	 * core.next waits for the current fade to end. */
	RfxEngineSwap swap;
	bool announce;     /* send patch:Set of the current path on the notify port */
	bool announce_knobs; /* send patch:Set rnnfx:knobs (what the knob ports do) on notify */
	bool first_run;    /* snap the smoothers to their targets */
	float smooth_coef;
	Smoother g_in, g_out, g_mix;
	Smoother g_knob[RFX_MAX_KNOBS]; /* 0..1, what the knob ports ask, smoothed */
	float bypass;      /* 1 = processed, 0 = bypassed */
	float bypass_step;
	float x_dry[CHUNK], x_del[CHUNK], x_in[CHUNK], wet[CHUNK];
	float dly[RFX_PLUGIN_MAX_LATENCY]; /* the dry delay line (x_dry history) */
	unsigned dly_pos;
} RnnFx;

/* The worker and state callbacks of plugin/core.c take the instance as its RfxCore. */
_Static_assert(offsetof(RnnFx, core) == 0, "RfxCore must be the first member");

/* Instantiation class: allocates the instance, maps URIs, checks features.
 * Returns NULL when a required feature is missing (and logs which, when it can). */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
			      const LV2_Feature *const *features)
{
	(void)descriptor;
	(void)bundle_path;
	RnnFx *self = rfx_core_new(sizeof *self, RFX_MODE_EFFECT, "rnnfx", rate, features);
	if (!self)
		return NULL;
	rfx_engine_swap_init(&self->swap, 1, rfx_plugin_fade_len(rate, RFX_PLUGIN_SWAP_FADE_S));
	self->bypass_step = 1.0f / (float)rfx_plugin_fade_len(rate, RFX_PLUGIN_BYPASS_FADE_S);
	self->smooth_coef = (float)(1.0 - exp(-1.0 / (rate * RFX_PLUGIN_SMOOTH_S)));
	self->bypass = 1.0f;
	self->first_run = true;
	return self;
}

/* Audio class: stores a port's buffer pointer. Must not do anything else (it may be called
 * between any two run() calls). */
static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
	RnnFx *self = instance;
	switch ((RfxPortIndex)port) {
	case RFX_PORT_IN: self->in = data; break;
	case RFX_PORT_OUT: self->out = data; break;
	case RFX_PORT_CONTROL: self->control = data; break;
	case RFX_PORT_NOTIFY: self->notify = data; break;
	case RFX_PORT_IN_GAIN: self->in_gain = data; break;
	case RFX_PORT_OUT_GAIN: self->out_gain = data; break;
	case RFX_PORT_MIX: self->mix = data; break;
	case RFX_PORT_ENABLED: self->enabled = data; break;
	case RFX_PORT_LATENCY: self->latency = data; break;
	case RFX_PORT_STATUS: self->status = data; break;
	case RFX_PORT_MODEL_RATE: self->model_rate = data; break;
	case RFX_PORT_KNOB1:
	case RFX_PORT_KNOB2:
	case RFX_PORT_KNOB3:
	case RFX_PORT_KNOB4: self->knob[port - RFX_PORT_KNOB1] = data; break;
	case RFX_PORT_COUNT: break;
	}
}

static void adopt_next(RnnFx *self);
static void end_fade(RnnFx *self);

/* Nothing has been heard since activate(): a model that waits (from restore() or the worker)
 * becomes the current one at once and a cross-fade in progress ends, so the output never depends
 * on when a load finished relative to activate(). */
static void adopt_now(RnnFx *self)
{
	rfx_core_take_restored(&self->core);
	end_fade(self);
	adopt_next(self);
	end_fade(self);
}

/* Instantiation class (never concurrent with run()): the next run() starts with the smoothers at
 * their targets and no history, as LV2 asks of activate(): the dry delay line is cleared, a
 * waiting model is taken without a cross-fade and the model goes back to the state a fresh load
 * is heard from. */
static void activate(LV2_Handle instance)
{
	RnnFx *self = instance;
	self->first_run = true;
	memset(self->dly, 0, sizeof self->dly);
	self->dly_pos = 0;
	adopt_now(self);
	if (self->swap.cur)
		rfx_engine_settle(self->swap.cur);
}

/* ------------------------------------------------------------------------------------------ */
/* Audio thread helpers: no allocation, no lock, no I/O. */

static float db_to_gain(const float *port, float lo, float hi)
{
	float db = port ? *port : 0.0f;
	if (!(db >= lo)) /* NaN too */
		db = db > hi ? hi : lo;
	if (db > hi)
		db = hi;
	return db == 0.0f ? 1.0f : powf(10.0f, db / 20.0f);
}

static inline float smooth_step(Smoother *s, float coef)
{
	float d = s->target - s->value;
	if (d == 0.0f)
		return s->value;
	if (fabsf(d) < 1e-5f)
		s->value = s->target;
	else
		s->value += coef * d;
	return s->value;
}

/* Starts the cross-fade to the pending engine, when one waits and no fade runs (an effect fades
 * into an effect, so the swap never hands an engine back here). */
static void adopt_next(RnnFx *self)
{
	if (!self->core.next || self->swap.fading)
		return;
	rfx_core_retire(&self->core, rfx_loaded_of(rfx_engine_swap_start(&self->swap,
									 self->core.next->engine)));
	self->core.next = NULL;
	self->announce = self->announce_knobs = true;
}

/* Ends a cross-fade at once, when one runs; the old model goes back to the worker. */
static void end_fade(RnnFx *self)
{
	if (self->swap.fading)
		rfx_core_retire(&self->core, rfx_loaded_of(rfx_engine_swap_finish(&self->swap)));
}

/* The wet signal for one pass: the current engine (or the identity), cross-faded from the
 * previous one while a swap is in progress (dsp/engine.h). */
static void process_wet(RnnFx *self, uint32_t n)
{
	rfx_core_retire(&self->core, rfx_loaded_of(rfx_engine_swap_process(&self->swap, self->x_in,
									   self->wet, n)));
}

/* A knob port's target: 0..1, 0.5 when unconnected or NaN. */
static float knob_target(const float *port)
{
	float p = port ? *port : 0.5f;
	return p >= 0.0f ? (p <= 1.0f ? p : 1.0f) : (p < 0.0f ? 0.0f : 0.5f);
}

/* Advances the knob smoothers by n samples and sets the inputs they drive, in the engine heard
 * and the one fading out (each model maps the ports its own way: plugin/loaded.h). Returns
 * whether a knob is still moving. */
static bool set_knobs(RnnFx *self, uint32_t n)
{
	bool moving = false;
	for (int i = 0; i < RFX_MAX_KNOBS; ++i) {
		Smoother *g = &self->g_knob[i];
		for (uint32_t k = 0; k < n && g->value != g->target; ++k)
			smooth_step(g, self->smooth_coef);
		moving |= g->value != g->target;
	}
	RfxEngine *const e[2] = {self->swap.cur, self->swap.prev};
	for (int j = 0; j < 2; ++j) {
		const RfxLoaded *m = rfx_loaded_of(e[j]);
		for (int i = 0; m && i < m->n_knobs; ++i)
			rfx_engine_set_input(e[j], m->knob_input[i],
					     rfx_loaded_knob_value(m, i, self->g_knob[i].value));
	}
	return moving;
}

/* The latency of an engine (0 for the identity). */
static unsigned latency_of(const RfxEngine *e)
{
	return e ? rfx_engine_latency(e) : 0;
}

/* The dry signal delayed by the current model's latency, into x_del (x_dry itself when 0). The
 * line always records the input, so a new latency reads real history at once. While a swap
 * cross-fades between models of different latencies, the dry signal cross-fades between the two
 * read positions with the wet fade's gain (process_wet), so mix < 1 does not jump. */
static void delay_dry(RnnFx *self, uint32_t n)
{
	const unsigned mask = RFX_PLUGIN_MAX_LATENCY - 1;
	const RfxEngineSwap *sw = &self->swap;
	const unsigned L = latency_of(sw->cur);
	const unsigned Lp = latency_of(sw->prev);
	const bool blend = sw->fading && Lp != L;
	const float inv = 1.0f / (float)sw->fade_len;
	for (uint32_t i = 0; i < n; ++i) {
		self->dly[self->dly_pos] = self->x_dry[i];
		float d = self->dly[(self->dly_pos - L) & mask];
		if (blend && sw->fade_pos + i < sw->fade_len) {
			const float old = self->dly[(self->dly_pos - Lp) & mask];
			d = old + (float)(sw->fade_pos + i) * inv * (d - old);
		}
		self->x_del[i] = d;
		self->dly_pos = (self->dly_pos + 1) & mask;
	}
}

/* Audio class: processes n samples (any n, 0 included; `in` and `out` may be the same buffer).
 * Real-time: no allocation, no lock, no I/O, no logging. FTZ/DAZ are set for the call and
 * restored. */
static void run(LV2_Handle instance, uint32_t n_samples)
{
	RnnFx *self = instance;
	const RfxFpMode fp = rfx_ftz_begin(); /* denormals flushed for this call */
	if (self->notify) {
		const uint32_t capacity = self->notify->atom.size;
		lv2_atom_forge_set_buffer(&self->core.forge, (uint8_t *)self->notify, capacity);
	}
	LV2_Atom_Forge_Frame seq_frame;
	bool forging = self->notify && lv2_atom_forge_sequence_head(&self->core.forge, &seq_frame, 0);

	if (self->control) {
		LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
			LV2_URID get = 0;
			if (!lv2_atom_forge_is_object_type(&self->core.forge, ev->body.type) ||
			    !rfx_core_handle_patch(&self->core, (const LV2_Atom_Object *)&ev->body, &get))
				continue;
			self->announce |= get == 0 || get == self->core.uris.rfx_model;
			self->announce_knobs |= get == 0 || get == self->core.uris.rfx_knobs;
		}
	}

	self->g_in.target = db_to_gain(self->in_gain, -24.0f, 24.0f);
	self->g_out.target = db_to_gain(self->out_gain, -24.0f, 24.0f);
	float m = self->mix ? *self->mix : 1.0f;
	self->g_mix.target = m >= 0.0f ? (m <= 1.0f ? m : 1.0f) : 0.0f; /* NaN -> 0 */
	const float bypass_target = (!self->enabled || *self->enabled > 0.5f) ? 1.0f : 0.0f;
	for (int i = 0; i < RFX_MAX_KNOBS; ++i)
		self->g_knob[i].target = knob_target(self->knob[i]);
	if (self->first_run) {
		adopt_now(self); /* a model restored after activate(): heard from this first sample */
		for (int i = 0; i < RFX_MAX_KNOBS; ++i)
			self->g_knob[i].value = self->g_knob[i].target;
		self->g_in.value = self->g_in.target;
		self->g_out.value = self->g_out.target;
		self->g_mix.value = self->g_mix.target;
		self->bypass = bypass_target;
		self->first_run = false;
	}

	/* An engine from restore() without a worker. */
	rfx_core_take_restored(&self->core);
	adopt_next(self);

	const float coef = self->smooth_coef;
	/* While a knob moves, passes of KNOB_PASS samples: the inputs it drives follow it in steps
	 * of 0.7 ms rather than 5 ms. */
	bool knobs_moving = set_knobs(self, 0);
	for (uint32_t off = 0; off < n_samples;) {
		const uint32_t pass = knobs_moving ? KNOB_PASS : CHUNK;
		const uint32_t n = n_samples - off < pass ? n_samples - off : pass;
		for (uint32_t i = 0; i < n; ++i) {
			float x = self->in[off + i];
			self->x_dry[i] = isfinite(x) ? x : 0.0f;
		}
		delay_dry(self, n);
		if (self->bypass == 0.0f && bypass_target == 0.0f) {
			/* Fully bypassed: the models rest, a pending swap completes at once. */
			end_fade(self);
			adopt_next(self);
			end_fade(self);
			memcpy(self->out + off, self->x_del, n * sizeof(float));
			knobs_moving = set_knobs(self, n);
			off += n;
			continue;
		}
		for (uint32_t i = 0; i < n; ++i)
			self->x_in[i] = smooth_step(&self->g_in, coef) * self->x_dry[i];
		process_wet(self, n);
		for (uint32_t i = 0; i < n; ++i) {
			const float mix = smooth_step(&self->g_mix, coef);
			const float go = smooth_step(&self->g_out, coef);
			float y = go * (mix * self->wet[i] + (1.0f - mix) * self->x_del[i]);
			if (self->bypass != bypass_target) {
				self->bypass += bypass_target > self->bypass ? self->bypass_step
									      : -self->bypass_step;
				if (self->bypass < 0.0f || self->bypass > 1.0f ||
				    fabsf(self->bypass - bypass_target) < 0.5f * self->bypass_step)
					self->bypass = bypass_target;
			}
			if (self->bypass != 1.0f)
				y = self->bypass * y + (1.0f - self->bypass) * self->x_del[i];
			self->out[off + i] = isfinite(y) ? y : 0.0f;
		}
		if (!self->swap.fading)
			adopt_next(self);
		knobs_moving = set_knobs(self, n);
		off += n;
	}

	/* An announcement that did not fit in the notify buffer is tried again next run(). */
	const RfxLoaded *cur = rfx_loaded_of(self->swap.cur);
	if (self->announce && forging && cur && cur->path)
		self->announce = !rfx_core_notify(&self->core, self->core.uris.rfx_model,
						  self->core.uris.atom_Path, cur->path);
	else
		self->announce = false;
	if (self->announce_knobs && forging && cur)
		self->announce_knobs = !rfx_core_notify(&self->core, self->core.uris.rfx_knobs,
							self->core.uris.atom_String, cur->knobs);
	else
		self->announce_knobs = false;
	if (forging)
		lv2_atom_forge_pop(&self->core.forge, &seq_frame);

	/* The host re-reads the latency port after run(); a new model with another latency changes
	 * it here, which is how LV2 announces it. */
	if (self->latency)
		*self->latency = (float)latency_of(self->swap.cur);
	if (self->status) {
		RfxPluginStatus s = RFX_PLUGIN_STATUS_NONE;
		if (self->core.failed != RFX_LOAD_FAIL_NONE)
			s = RFX_PLUGIN_STATUS_LOAD_ERROR;
		else if (cur && rfx_engine_is_resampling(cur->engine))
			s = RFX_PLUGIN_STATUS_RESAMPLING;
		else if (cur)
			s = RFX_PLUGIN_STATUS_OK;
		*self->status = (float)s;
	}
	if (self->model_rate)
		*self->model_rate = cur ? (float)rfx_engine_model_rate(cur->engine) : 0.0f;

	rfx_core_flush_garbage(&self->core);
	rfx_ftz_end(fp);
}

/* Instantiation class: nothing to stop; models keep their state. */
static void deactivate(LV2_Handle instance)
{
	(void)instance;
}

/* Instantiation class: frees everything, including engines still waiting for the worker (the
 * host has stopped the worker before calling this). */
static void cleanup(LV2_Handle instance)
{
	RnnFx *self = instance;
	rfx_loaded_free(rfx_loaded_of(self->swap.cur));
	rfx_loaded_free(rfx_loaded_of(self->swap.prev));
	rfx_core_free(&self->core);
}

static const LV2_Descriptor descriptor = {
	RFX_PLUGIN_URI, instantiate, connect_port, activate, run, deactivate, cleanup,
	rfx_core_extension_data,
};

/* Discovery class: the one exported symbol; index 0 is the effect, 1 the classifier
 * (plugin/classifier.c). */
LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
	switch (index) {
	case 0: return &descriptor;
	case 1: return &rfx_classifier_descriptor;
	default: return NULL;
	}
}
