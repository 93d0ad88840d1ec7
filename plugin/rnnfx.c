/* rnnfx LV2 plugin — a recurrent-network model run as a mono audio effect.
 *
 * The host picks a model file through the patch:writable parameter rnnfx:model. Loading happens on
 * the LV2 worker: the worker reads and checks the file, builds a stream and settles it on silence
 * (plugin/engine.c); the audio thread only swaps a pointer in work_response() and cross-fades from
 * the old model to the new one. Engines that are no longer heard go back to the worker to be freed,
 * so run() never allocates, frees, locks or prints.
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
 * State keeps the model's path (made portable through state:mapPath) and its JSON text, so a
 * session that moved to another machine still has its model.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define RFX_HAVE_MXCSR 1
#endif

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "engine.h"
#include "rnnfx.h"
#include "uris.h"

/* Samples processed per inner pass; blocks of any length are cut into passes of at most this. */
#define CHUNK 256
/* Longest model path accepted from a patch:Set (it travels through the worker's ring). */
#define MAX_PATH_MSG 2048

/* Worker messages and responses: a type, then a payload. */
typedef enum {
	MSG_LOAD_PATH = 1, /* payload: NUL-terminated path */
	MSG_LOAD_REQ,      /* payload: LoadRequest *, owned by the worker from then on */
	MSG_FREE,          /* payload: RfxEngine * to free */
	RESP_ENGINE,       /* payload: RfxEngine *, a new engine for the audio thread */
	RESP_ERROR         /* payload: int, the RfxStatus of a failed load */
} MsgType;

typedef struct {
	uint32_t type;
	uint32_t size; /* payload bytes */
} MsgHeader;

/* A load from restored state: the embedded JSON first, the path as fallback. */
typedef struct {
	char *path;
	char *json;
} LoadRequest;

/* One-pole smoother that lands exactly on its target. */
typedef struct {
	float value;
	float target;
} Smoother;

typedef struct {
	/* Features */
	LV2_URID_Map *map;
	LV2_Worker_Schedule *schedule;
	LV2_Log_Log *log;

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

	/* URIDs and forge */
	RfxUris uris;
	LV2_Atom_Forge forge;

	/* Audio-thread state: the engine heard now, the one fading out (NULL = the identity), the
	 * one waiting for the current fade to end, and engines waiting to go to the worker. */
	double rate;
	RfxEngine *cur;
	RfxEngine *prev;
	RfxEngine *next;
	RfxEngine *garbage;
	unsigned fade_len, fade_pos; /* fade_pos < fade_len while cross-fading prev -> cur */
	bool fading;
	bool load_failed;  /* the last load failed (status 2) until one succeeds */
	bool announce;     /* send patch:Set of the current path on the notify port */
	bool first_run;    /* snap the smoothers to their targets */
	float smooth_coef;
	Smoother g_in, g_out, g_mix;
	float bypass;      /* 1 = processed, 0 = bypassed */
	float bypass_step;
	float x_dry[CHUNK], x_del[CHUNK], x_in[CHUNK], wet[CHUNK], wet_old[CHUNK];
	float dly[RFX_PLUGIN_MAX_LATENCY]; /* the dry delay line (x_dry history) */
	unsigned dly_pos;

	/* restore() without a worker hands its engine over here; restore() may run concurrently with
	 * run() (state:threadSafeRestore), so the hand-over is one atomic exchange each side. */
	_Atomic(RfxEngine *) restored;
	atomic_int restore_failed;

	/* What state:save stores: written by whoever builds an engine (worker, or restore without
	 * one), read by save(). Never touched by the audio thread. */
	pthread_mutex_t persist_lock;
	char *persist_path;
	char *persist_json;
} RnnFx;

/* Logging through log:log when the host gives it; silent otherwise. Never on the audio thread. */
static void rfx_log(const RnnFx *self, LV2_URID type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rfx_log(const RnnFx *self, LV2_URID type, const char *fmt, ...)
{
	if (!self->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	self->log->vprintf(self->log->handle, type, fmt, ap);
	va_end(ap);
}

static char *dup_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Off the audio thread: remembers what save() should store after a successful load. */
static void persist_set(RnnFx *self, const RfxEngine *e)
{
	char *p = e->path ? dup_string(e->path) : NULL;
	char *j = dup_string(e->json);
	pthread_mutex_lock(&self->persist_lock);
	free(self->persist_path);
	free(self->persist_json);
	self->persist_path = p;
	self->persist_json = j;
	pthread_mutex_unlock(&self->persist_lock);
}

/* Off the audio thread: builds an engine from JSON text or a path, logs why when it fails.
 * With both, the JSON wins and the path is the fallback. */
static RfxStatus load_engine(RnnFx *self, const char *path, const char *json, RfxEngine **out)
{
	char detail[256];
	RfxStatus st = RFX_ERR_INVALID;
	*out = NULL;
	if (json) {
		st = rfx_engine_load(path, json, strlen(json), self->rate, out, detail,
				     sizeof detail);
		if (st != RFX_OK)
			rfx_log(self, self->uris.log_Warning,
				"rnnfx: model saved in the state is unusable: %s%s%s%s\n",
				rfx_strerror(st), detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
	}
	if (st != RFX_OK && path) {
		st = rfx_engine_load(path, NULL, 0, self->rate, out, detail, sizeof detail);
		if (st != RFX_OK)
			rfx_log(self, self->uris.log_Error, "rnnfx: cannot load model '%s': %s%s%s%s\n",
				path, rfx_strerror(st), detail[0] ? " (" : "", detail,
				detail[0] ? ")" : "");
	}
	if (st != RFX_OK)
		return st;
	if ((*out)->resampling)
		rfx_log(self, self->uris.log_Note,
			"rnnfx: model '%s' was trained at %g Hz, the host runs at %g Hz: resampling, "
			"latency %u samples\n",
			path ? path : "(from state)", (*out)->rate, self->rate, (*out)->latency);
	persist_set(self, *out);
	return RFX_OK;
}

/* ------------------------------------------------------------------------------------------ */

/* Instantiation class: allocates the instance, maps URIs, checks features.
 * Returns NULL when a required feature is missing (and logs which, when it can). */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
			      const LV2_Feature *const *features)
{
	(void)descriptor;
	(void)bundle_path;
	RnnFx *self = calloc(1, sizeof *self);
	if (!self)
		return NULL;

	/* One table of the features: required ones refuse instantiation when absent. */
	struct {
		const char *uri;
		void **data;
		bool required;
	} wanted[] = {
		{LV2_URID__map, (void **)&self->map, true},
		{LV2_WORKER__schedule, (void **)&self->schedule, true},
		{LV2_LOG__log, (void **)&self->log, false},
	};
	const size_t n_wanted = sizeof wanted / sizeof wanted[0];
	for (size_t f = 0; features && features[f]; ++f)
		for (size_t w = 0; w < n_wanted; ++w)
			if (!strcmp(features[f]->URI, wanted[w].uri))
				*wanted[w].data = features[f]->data;
	bool missing = false;
	for (size_t w = 0; w < n_wanted; ++w) {
		if (wanted[w].required && !*wanted[w].data) {
			missing = true;
			if (self->log && self->map)
				self->log->printf(self->log->handle,
						  self->map->map(self->map->handle, LV2_LOG__Error),
						  "rnnfx: the host does not provide %s\n", wanted[w].uri);
		}
	}
	if (missing) {
		free(self);
		return NULL;
	}

	rfx_uris_map(&self->uris, self->map);
	lv2_atom_forge_init(&self->forge, self->map);
	if (pthread_mutex_init(&self->persist_lock, NULL) != 0) {
		free(self);
		return NULL;
	}
	atomic_init(&self->restored, NULL);
	atomic_init(&self->restore_failed, 0);
	self->rate = rate;
	self->fade_len = rfx_plugin_fade_len(rate, RFX_PLUGIN_SWAP_FADE_S);
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
	case RFX_PORT_COUNT: break;
	}
}

/* Instantiation class: the next run() starts with the smoothers at their targets. */
static void activate(LV2_Handle instance)
{
	RnnFx *self = instance;
	self->first_run = true;
}

/* ------------------------------------------------------------------------------------------ */
/* Audio thread helpers: no allocation, no lock, no I/O. */

/* Queues an engine for the worker to free; it is handed over at the end of run(). */
static void retire(RnnFx *self, RfxEngine *e)
{
	if (!e)
		return;
	e->next = self->garbage;
	self->garbage = e;
}

/* Hands retired engines to the worker, one message each. Ones the host cannot take now stay on
 * the list for the next run(); nothing is ever dropped. */
static void flush_garbage(RnnFx *self)
{
	while (self->garbage) {
		RfxEngine *e = self->garbage;
		struct {
			MsgHeader h;
			RfxEngine *e;
		} msg = {{MSG_FREE, sizeof(RfxEngine *)}, e};
		self->garbage = e->next;
		e->next = NULL;
		if (self->schedule->schedule_work(self->schedule->handle, sizeof msg, &msg) !=
		    LV2_WORKER_SUCCESS) {
			e->next = self->garbage;
			self->garbage = e;
			return;
		}
	}
}

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

/* Writes patch:Set rnnfx:model <path> to the notify port. */
static void notify_model(RnnFx *self, const char *path)
{
	LV2_Atom_Forge *f = &self->forge;
	LV2_Atom_Forge_Frame frame;
	if (!lv2_atom_forge_frame_time(f, 0))
		return;
	if (!lv2_atom_forge_object(f, &frame, 0, self->uris.patch_Set))
		return;
	lv2_atom_forge_key(f, self->uris.patch_property);
	lv2_atom_forge_urid(f, self->uris.rfx_model);
	lv2_atom_forge_key(f, self->uris.patch_value);
	lv2_atom_forge_path(f, path, (uint32_t)strlen(path));
	lv2_atom_forge_pop(f, &frame);
}

/* Handles one patch message from the control port. */
static void handle_patch(RnnFx *self, const LV2_Atom_Object *obj)
{
	const RfxUris *u = &self->uris;
	if (obj->body.otype == u->patch_Set) {
		const LV2_Atom *property = NULL, *value = NULL;
		lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
		if (!property || property->type != u->atom_URID ||
		    ((const LV2_Atom_URID *)property)->body != u->rfx_model)
			return;
		if (!value || (value->type != u->atom_Path && value->type != u->atom_String) ||
		    value->size < 2 || value->size > MAX_PATH_MSG)
			return;
		const char *path = LV2_ATOM_BODY_CONST(value);
		size_t len = strnlen(path, value->size);
		if (len == 0 || len == value->size)
			return; /* empty, or not NUL-terminated */
		struct {
			MsgHeader h;
			char path[MAX_PATH_MSG];
		} msg;
		msg.h.type = MSG_LOAD_PATH;
		msg.h.size = (uint32_t)len + 1;
		memcpy(msg.path, path, len + 1);
		if (self->schedule->schedule_work(self->schedule->handle,
						  (uint32_t)(sizeof msg.h + len + 1),
						  &msg) != LV2_WORKER_SUCCESS)
			self->load_failed = true;
	} else if (obj->body.otype == u->patch_Get) {
		const LV2_Atom *property = NULL;
		lv2_atom_object_get(obj, u->patch_property, &property, 0);
		if (property && (property->type != u->atom_URID ||
				 ((const LV2_Atom_URID *)property)->body != u->rfx_model))
			return;
		self->announce = true;
	}
}

/* Starts the cross-fade to the pending engine, when one waits and no fade runs. */
static void adopt_next(RnnFx *self)
{
	if (!self->next || self->fading)
		return;
	self->prev = self->cur;
	self->cur = self->next;
	self->next = NULL;
	self->fading = true;
	self->fade_pos = 0;
	self->load_failed = false;
	self->announce = true;
}

static void end_fade(RnnFx *self)
{
	retire(self, self->prev);
	self->prev = NULL;
	self->fading = false;
	self->fade_pos = 0;
}

/* The wet signal for one pass: the current engine (or the identity), cross-faded from the
 * previous one while a swap is in progress. */
static void process_wet(RnnFx *self, uint32_t n)
{
	if (self->cur)
		rfx_rate_process(self->cur->stream, self->x_in, self->wet, n);
	else
		memcpy(self->wet, self->x_in, n * sizeof(float));
	if (!self->fading)
		return;
	if (self->prev)
		rfx_rate_process(self->prev->stream, self->x_in, self->wet_old, n);
	else
		memcpy(self->wet_old, self->x_in, n * sizeof(float));
	const float inv = 1.0f / (float)self->fade_len;
	uint32_t i = 0;
	for (; i < n && self->fade_pos < self->fade_len; ++i, ++self->fade_pos) {
		float g = (float)self->fade_pos * inv;
		self->wet[i] = self->wet_old[i] + g * (self->wet[i] - self->wet_old[i]);
	}
	if (self->fade_pos >= self->fade_len)
		end_fade(self);
}

/* The dry signal delayed by the current model's latency, into x_del (x_dry itself when 0). The
 * line always records the input, so a new latency reads real history at once. */
static void delay_dry(RnnFx *self, uint32_t n)
{
	const unsigned mask = RFX_PLUGIN_MAX_LATENCY - 1;
	const unsigned L = self->cur ? self->cur->latency : 0;
	for (uint32_t i = 0; i < n; ++i) {
		self->dly[self->dly_pos] = self->x_dry[i];
		self->x_del[i] = self->dly[(self->dly_pos - L) & mask];
		self->dly_pos = (self->dly_pos + 1) & mask;
	}
}

/* Audio class: processes n samples (any n, 0 included; `in` and `out` may be the same buffer).
 * Real-time: no allocation, no lock, no I/O, no logging. FTZ/DAZ are set for the call and
 * restored. */
static void run(LV2_Handle instance, uint32_t n_samples)
{
	RnnFx *self = instance;
#ifdef RFX_HAVE_MXCSR
	const unsigned int mxcsr = _mm_getcsr();
	_mm_setcsr(mxcsr | 0x8040); /* FTZ | DAZ */
#endif
	if (self->notify) {
		const uint32_t capacity = self->notify->atom.size;
		lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, capacity);
	}
	LV2_Atom_Forge_Frame seq_frame;
	bool forging = self->notify && lv2_atom_forge_sequence_head(&self->forge, &seq_frame, 0);

	if (self->control) {
		LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
			if (lv2_atom_forge_is_object_type(&self->forge, ev->body.type))
				handle_patch(self, (const LV2_Atom_Object *)&ev->body);
		}
	}

	self->g_in.target = db_to_gain(self->in_gain, -24.0f, 24.0f);
	self->g_out.target = db_to_gain(self->out_gain, -24.0f, 24.0f);
	float m = self->mix ? *self->mix : 1.0f;
	self->g_mix.target = m >= 0.0f ? (m <= 1.0f ? m : 1.0f) : 0.0f; /* NaN -> 0 */
	const float bypass_target = (!self->enabled || *self->enabled > 0.5f) ? 1.0f : 0.0f;
	if (self->first_run) {
		self->g_in.value = self->g_in.target;
		self->g_out.value = self->g_out.target;
		self->g_mix.value = self->g_mix.target;
		self->bypass = bypass_target;
		self->first_run = false;
	}

	/* An engine from restore() without a worker. */
	RfxEngine *r = atomic_exchange(&self->restored, NULL);
	if (r) {
		retire(self, self->next);
		self->next = r;
		self->load_failed = false;
	} else if (atomic_exchange(&self->restore_failed, 0)) {
		self->load_failed = true;
	}
	adopt_next(self);

	const float coef = self->smooth_coef;
	for (uint32_t off = 0; off < n_samples;) {
		const uint32_t n = n_samples - off < CHUNK ? n_samples - off : CHUNK;
		for (uint32_t i = 0; i < n; ++i) {
			float x = self->in[off + i];
			self->x_dry[i] = isfinite(x) ? x : 0.0f;
		}
		delay_dry(self, n);
		if (self->bypass == 0.0f && bypass_target == 0.0f) {
			/* Fully bypassed: the models rest, a pending swap completes at once. */
			if (self->fading)
				end_fade(self);
			adopt_next(self);
			if (self->fading)
				end_fade(self);
			memcpy(self->out + off, self->x_del, n * sizeof(float));
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
		if (!self->fading)
			adopt_next(self);
		off += n;
	}

	if (self->announce && forging && self->cur && self->cur->path)
		notify_model(self, self->cur->path);
	self->announce = false;
	if (forging)
		lv2_atom_forge_pop(&self->forge, &seq_frame);

	/* The host re-reads the latency port after run(); a new model with another latency changes
	 * it here, which is how LV2 announces it. */
	if (self->latency)
		*self->latency = self->cur ? (float)self->cur->latency : 0.0f;
	if (self->status) {
		RfxPluginStatus s = RFX_PLUGIN_STATUS_NONE;
		if (self->load_failed)
			s = RFX_PLUGIN_STATUS_LOAD_ERROR;
		else if (self->cur && self->cur->resampling)
			s = RFX_PLUGIN_STATUS_RESAMPLING;
		else if (self->cur)
			s = RFX_PLUGIN_STATUS_OK;
		*self->status = (float)s;
	}
	if (self->model_rate)
		*self->model_rate = self->cur ? (float)self->cur->rate : 0.0f;

	flush_garbage(self);
#ifdef RFX_HAVE_MXCSR
	_mm_setcsr(mxcsr);
#endif
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
	rfx_engine_free(self->cur);
	rfx_engine_free(self->prev);
	rfx_engine_free(self->next);
	rfx_engine_free(atomic_load(&self->restored));
	while (self->garbage) {
		RfxEngine *e = self->garbage;
		self->garbage = e->next;
		rfx_engine_free(e);
	}
	free(self->persist_path);
	free(self->persist_json);
	pthread_mutex_destroy(&self->persist_lock);
	free(self);
}

/* ------------------------------------------------------------------------------------------ */
/* Worker */

static void respond_status(LV2_Worker_Respond_Function respond, LV2_Worker_Respond_Handle handle,
			   RfxStatus st)
{
	struct {
		MsgHeader h;
		int status;
	} r = {{RESP_ERROR, sizeof(int)}, (int)st};
	respond(handle, sizeof r, &r);
}

/* Worker class (a non-real-time thread, or synchronously inside run() in some hosts, e.g. an
 * Ardour export): loads models and frees engines. May allocate, read files and log. */
static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
			      LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
	RnnFx *self = instance;
	MsgHeader h;
	if (size < sizeof h)
		return LV2_WORKER_ERR_UNKNOWN;
	memcpy(&h, data, sizeof h);
	const char *payload = (const char *)data + sizeof h;
	if (h.size > size - sizeof h)
		return LV2_WORKER_ERR_UNKNOWN;

	RfxEngine *e = NULL;
	RfxStatus st;
	switch ((MsgType)h.type) {
	case MSG_FREE:
		if (h.size != sizeof e)
			return LV2_WORKER_ERR_UNKNOWN;
		memcpy(&e, payload, sizeof e);
		rfx_engine_free(e);
		return LV2_WORKER_SUCCESS;
	case MSG_LOAD_PATH:
		if (h.size == 0 || payload[h.size - 1] != '\0')
			return LV2_WORKER_ERR_UNKNOWN;
		st = load_engine(self, payload, NULL, &e);
		break;
	case MSG_LOAD_REQ: {
		LoadRequest *req;
		if (h.size != sizeof req)
			return LV2_WORKER_ERR_UNKNOWN;
		memcpy(&req, payload, sizeof req);
		st = load_engine(self, req->path, req->json, &e);
		free(req->path);
		free(req->json);
		free(req);
		break;
	}
	default:
		return LV2_WORKER_ERR_UNKNOWN;
	}
	if (st != RFX_OK) {
		respond_status(respond, handle, st);
		return LV2_WORKER_SUCCESS;
	}
	struct {
		MsgHeader h;
		RfxEngine *e;
	} r = {{RESP_ENGINE, sizeof e}, e};
	if (respond(handle, sizeof r, &r) != LV2_WORKER_SUCCESS) {
		rfx_engine_free(e); /* the audio thread will never see it */
		return LV2_WORKER_ERR_NO_SPACE;
	}
	return LV2_WORKER_SUCCESS;
}

/* Audio class (called after run(), or at once from inside schedule_work() when the host runs the
 * worker synchronously): takes a worker's result. A new engine
 * waits in `next` until the current cross-fade ends; a newer one replaces it (the replaced one
 * was never heard and goes back to the worker). Never allocates or frees. */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *data)
{
	RnnFx *self = instance;
	MsgHeader h;
	if (size < sizeof h)
		return LV2_WORKER_ERR_UNKNOWN;
	memcpy(&h, data, sizeof h);
	const char *payload = (const char *)data + sizeof h;
	if (h.type == RESP_ENGINE && h.size == sizeof(RfxEngine *)) {
		RfxEngine *e;
		memcpy(&e, payload, sizeof e);
		retire(self, self->next);
		self->next = e;
		self->load_failed = false;
	} else if (h.type == RESP_ERROR) {
		self->load_failed = true;
	}
	return LV2_WORKER_SUCCESS;
}

/* ------------------------------------------------------------------------------------------ */
/* State */

static const void *feature_data(const LV2_Feature *const *features, const char *uri)
{
	for (size_t i = 0; features && features[i]; ++i)
		if (!strcmp(features[i]->URI, uri))
			return features[i]->data;
	return NULL;
}

/* State class (may run concurrently with run()): stores the model's path, mapped through
 * state:mapPath when the host gives it, and the model's JSON text. Reads only the persist copy,
 * under its lock; never touches the audio thread's engines. */
static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
			     LV2_State_Handle handle, uint32_t flags,
			     const LV2_Feature *const *features)
{
	(void)flags;
	RnnFx *self = instance;
	const LV2_State_Map_Path *map_path = feature_data(features, LV2_STATE__mapPath);
	const LV2_State_Free_Path *free_path = feature_data(features, LV2_STATE__freePath);
	LV2_State_Status status = LV2_STATE_SUCCESS;

	pthread_mutex_lock(&self->persist_lock);
	if (self->persist_path) {
		char *apath = map_path ? map_path->abstract_path(map_path->handle, self->persist_path)
				       : self->persist_path;
		if (apath) {
			status = store(handle, self->uris.rfx_model, apath, strlen(apath) + 1,
				       self->uris.atom_Path,
				       LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
			if (map_path) {
				if (free_path)
					free_path->free_path(free_path->handle, apath);
				else
					free(apath);
			}
		}
	}
	if (self->persist_json && status == LV2_STATE_SUCCESS)
		status = store(handle, self->uris.rfx_modelData, self->persist_json,
			       strlen(self->persist_json) + 1, self->uris.atom_String,
			       LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
	pthread_mutex_unlock(&self->persist_lock);
	return status;
}

/* State class; with state:threadSafeRestore (which the plugin supports) it may run concurrently
 * with run(). Loads the saved model. With a worker in `features` the load goes to it (jalv, for
 * instance, gives one only to plugins that support state:threadSafeRestore); without one (Ardour 7
 * on session load) it happens here, and the engine reaches run() through one atomic exchange, so
 * it still cross-fades in. Never touches the audio thread's engines. */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
				LV2_State_Handle handle, uint32_t flags,
				const LV2_Feature *const *features)
{
	(void)flags;
	RnnFx *self = instance;
	const LV2_State_Map_Path *map_path = feature_data(features, LV2_STATE__mapPath);
	const LV2_State_Free_Path *free_path = feature_data(features, LV2_STATE__freePath);
	const LV2_Worker_Schedule *schedule = feature_data(features, LV2_WORKER__schedule);

	size_t size = 0;
	uint32_t type = 0, vflags = 0;
	char *path = NULL, *json = NULL;

	const void *value = retrieve(handle, self->uris.rfx_model, &size, &type, &vflags);
	if (value && size > 1 && (type == self->uris.atom_Path || type == self->uris.atom_String) &&
	    memchr(value, '\0', size)) {
		if (map_path) {
			char *abs = map_path->absolute_path(map_path->handle, value);
			if (abs) {
				path = dup_string(abs);
				if (free_path)
					free_path->free_path(free_path->handle, abs);
				else
					free(abs);
			}
		} else {
			path = dup_string(value);
		}
	}
	value = retrieve(handle, self->uris.rfx_modelData, &size, &type, &vflags);
	if (value && size > 1 && type == self->uris.atom_String && memchr(value, '\0', size))
		json = dup_string(value);

	if (!path && !json)
		return LV2_STATE_SUCCESS; /* saved without a model */

	if (schedule) {
		LoadRequest *req = malloc(sizeof *req);
		if (req) {
			req->path = path;
			req->json = json;
			struct {
				MsgHeader h;
				LoadRequest *req;
			} msg = {{MSG_LOAD_REQ, sizeof req}, req};
			if (schedule->schedule_work(schedule->handle, sizeof msg, &msg) ==
			    LV2_WORKER_SUCCESS)
				return LV2_STATE_SUCCESS;
			free(req);
		}
	}

	RfxEngine *e = NULL;
	RfxStatus st = load_engine(self, path, json, &e);
	free(path);
	free(json);
	if (st != RFX_OK) {
		atomic_store(&self->restore_failed, 1);
		return LV2_STATE_SUCCESS; /* the plugin keeps running with what it had */
	}
	/* An engine restore() left earlier and run() has not taken yet was never heard. */
	rfx_engine_free(atomic_exchange(&self->restored, e));
	return LV2_STATE_SUCCESS;
}

/* Discovery class: the worker and state interfaces. */
static const void *extension_data(const char *uri)
{
	static const LV2_Worker_Interface worker = {work, work_response, NULL};
	static const LV2_State_Interface state = {save, restore};
	if (!strcmp(uri, LV2_WORKER__interface))
		return &worker;
	if (!strcmp(uri, LV2_STATE__interface))
		return &state;
	return NULL;
}

static const LV2_Descriptor descriptor = {
	RFX_PLUGIN_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data,
};

/* Discovery class: the one exported symbol. */
LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
	return index == 0 ? &descriptor : NULL;
}
