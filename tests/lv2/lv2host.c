/* lv2host — a small lilv host that tests the rnnfx plugins (effect and classifier) through their
 * LV2 interface.
 *
 *   LV2_PATH=<folder holding rnnfx.lv2>:/usr/lib/lv2 lv2host WORKDIR
 *
 * It provides urid:map/unmap, log:log (captured), options, and the worker in two modes:
 * threaded (a worker thread, responses delivered after run() as jalv does) and synchronous (work()
 * runs inside schedule_work(), as Ardour does when exporting). Cases:
 *
 *   - no model: the wet path is the identity, output == input exactly;
 *   - patch:Set of a model: output equals the dsp library's offline output bit for bit (the
 *     reference is rfx_stream_process on a fresh stream that ran RFX_PLUGIN_PRERUN zeros, as the
 *     plugin's worker does; the 30 ms fade from the identity is replayed with the plugin's float
 *     formula, so the whole signal is compared with ==, at random block sizes including 0);
 *   - gains and mix set from the first block: the same, through the documented signal path;
 *   - patch:Get answered on the notify port; broken and missing files keep the old model running
 *     and set status 2 with a log:log message; a model at another rate gives status 3;
 *   - a 48 kHz model in a 44.1 kHz host: status 3 (resampling), the latency port equals
 *     rfx_rate_latency, the output equals RfxRateStream's bit for bit (both worker modes), and at
 *     mix 0 the output is the input delayed by exactly that latency;
 *   - state: lilv saves to a folder, the model file is deleted, a new instance restores (with the
 *     worker and without) and gives the reference output; the same with metadata and classifier
 *     labels full of backslashes, tabs, newlines, quotes, """ and UTF-8 (the file must read back,
 *     the embedded model, read through lilv by a stand-in instance, must keep the name and labels
 *     byte for byte); a model with 1 MB of metadata gives a small embedded model; a state saved the
 *     old way (JSON text under rnnfx:modelData) still restores;
 *   - patch:Set of a path over 2047 bytes or of a relative one: status 2, the reason in the log,
 *     the model keeps running exactly; a path of exactly 2047 bytes loads;
 *   - a 1 MHz model at 192 kHz: model_rate reads 1000000, inside both plugins' TTL range;
 *   - restore() of a state whose model cannot be used (missing, broken, the other kind, a relative
 *     path, a wrong atom type, not base64): LV2_STATE_ERR_UNKNOWN or ERR_BAD_TYPE, the reason in
 *     the log, status 2 (the classifier: 4 for an effect model), and both plugins keep running the
 *     old model exactly (compared with a twin instance that never saw the state);
 *   - 1000 model swaps while running blocks, both worker modes, ending on a resampled model
 *     compared with RfxRateStream;
 *   - NaN/Inf input, in-place buffers, bypass;
 *   - classifier (a hand-made 2-class RNN, H = 2: class 0 on silence, class 1 on a loud signal),
 *     both worker modes: audio out == audio in bit for bit (NaN/Inf included, in place and not);
 *     class, confidence and p0..p7 at every block end equal the dsp stream's probabilities
 *     replayed through the one-pole smoothing and the threshold rule (==); the class switches
 *     within 50 ms of silence -> loud sine and 100 ms of loud -> silence; the MIDI events equal
 *     the replay's and are well formed (3 bytes, note on/off, frames inside the block and in
 *     order, paired); labels on notify after a load and on patch:Get; an effect model (status 4),
 *     a 44.1 kHz classifier (status 3) and a missing file (status 2) are refused with a log
 *     message while the classifier keeps running exactly; a swap ends the sounding note at its
 *     first frame; bypass and deactivate end it too; state save/restore (with and without a
 *     worker, model file deleted) gives the same ports and MIDI;
 *   - zero allocations and frees on the audio thread (run() and work_response()), counted by
 *     a malloc interposer (not in the ASan build, whose allocator cannot be interposed).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "../../dsp/model.h"
#include "../../dsp/model_file.h"
#include "../../dsp/rate.h"
#include "../../dsp/stream.h"
#include "../../plugin/classifier.h"
#include "../../plugin/rnnfx.h"
#include "../../plugin/uris.h"
#include "../harness.h"

#define RATE 48000.0
#define MAX_BLOCK 4096
#define ATOM_CAP 8192
#define QUEUE_LEN 256
#define MSG_MAX 4096

/* ------------------------------------------------------------------ allocation counting */
/* Every malloc/free made while `audio_thread` is set on the calling thread is counted. */
static __thread int audio_thread;

#if !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 1
static long audio_allocs, audio_frees;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t n)
{
	if (audio_thread)
		__atomic_add_fetch(&audio_allocs, 1, __ATOMIC_RELAXED);
	return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
	if (audio_thread)
		__atomic_add_fetch(&audio_allocs, 1, __ATOMIC_RELAXED);
	return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
	if (audio_thread)
		__atomic_add_fetch(&audio_allocs, 1, __ATOMIC_RELAXED);
	return __libc_realloc(p, n);
}
void *aligned_alloc(size_t al, size_t n)
{
	if (audio_thread)
		__atomic_add_fetch(&audio_allocs, 1, __ATOMIC_RELAXED);
	return __libc_memalign(al, n);
}
void *memalign(size_t al, size_t n)
{
	if (audio_thread)
		__atomic_add_fetch(&audio_allocs, 1, __ATOMIC_RELAXED);
	return __libc_memalign(al, n);
}
int posix_memalign(void **out, size_t al, size_t n)
{
	if (audio_thread)
		__atomic_add_fetch(&audio_allocs, 1, __ATOMIC_RELAXED);
	void *p = __libc_memalign(al, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
void free(void *p)
{
	if (audio_thread && p)
		__atomic_add_fetch(&audio_frees, 1, __ATOMIC_RELAXED);
	__libc_free(p);
}
#endif

/* ------------------------------------------------------------------ URID map, log */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static char **uri_table;
static size_t n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
	(void)h;
	pthread_mutex_lock(&map_lock);
	for (size_t i = 0; i < n_uris; ++i)
		if (!strcmp(uri_table[i], uri)) {
			pthread_mutex_unlock(&map_lock);
			return (LV2_URID)(i + 1);
		}
	char **t = realloc(uri_table, (n_uris + 1) * sizeof *t);
	if (!t) {
		pthread_mutex_unlock(&map_lock);
		return 0;
	}
	uri_table = t;
	uri_table[n_uris] = strdup(uri);
	LV2_URID id = (LV2_URID)++n_uris;
	pthread_mutex_unlock(&map_lock);
	return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID urid)
{
	(void)h;
	pthread_mutex_lock(&map_lock);
	const char *s = (urid >= 1 && urid <= n_uris) ? uri_table[urid - 1] : NULL;
	pthread_mutex_unlock(&map_lock);
	return s;
}

static LV2_URID_Map map = {NULL, map_uri};
static LV2_URID_Unmap unmap = {NULL, unmap_uri};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[65536];
static size_t log_len;

static int log_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt, va_list ap)
{
	(void)h;
	(void)type;
	pthread_mutex_lock(&log_lock);
	int n = 0;
	if (log_len < sizeof log_text - 1) {
		n = vsnprintf(log_text + log_len, sizeof log_text - log_len, fmt, ap);
		if (n > 0)
			log_len += (size_t)n;
		if (log_len > sizeof log_text - 1)
			log_len = sizeof log_text - 1;
	}
	pthread_mutex_unlock(&log_lock);
	return n;
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = log_vprintf(h, type, fmt, ap);
	va_end(ap);
	return n;
}

static LV2_Log_Log log_feature_data = {NULL, log_printf, log_vprintf};

static bool log_contains(const char *needle)
{
	pthread_mutex_lock(&log_lock);
	bool found = strstr(log_text, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

static void log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_text[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

/* ------------------------------------------------------------------ worker */
typedef struct {
	uint32_t size;
	uint8_t data[MSG_MAX];
} Msg;

typedef struct {
	Msg items[QUEUE_LEN];
	int head, count;
} Queue;

typedef struct {
	bool threaded;
	LV2_Handle handle;
	const LV2_Worker_Interface *iface;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running, quit, busy;
	int drop_responses; /* > 0: the next responses fail as if the queue were full */
	Queue requests, responses;
} Worker;

static bool queue_push(Queue *q, uint32_t size, const void *data)
{
	if (q->count == QUEUE_LEN || size > MSG_MAX)
		return false;
	Msg *m = &q->items[(q->head + q->count) % QUEUE_LEN];
	m->size = size;
	memcpy(m->data, data, size);
	q->count++;
	return true;
}

static bool queue_pop(Queue *q, Msg *out)
{
	if (!q->count)
		return false;
	*out = q->items[q->head];
	q->head = (q->head + 1) % QUEUE_LEN;
	q->count--;
	return true;
}

static LV2_Worker_Status worker_respond(LV2_Worker_Respond_Handle h, uint32_t size, const void *data)
{
	Worker *w = h;
	pthread_mutex_lock(&w->lock);
	bool ok = w->drop_responses > 0 ? (w->drop_responses--, false)
					 : queue_push(&w->responses, size, data);
	pthread_mutex_unlock(&w->lock);
	return ok ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status worker_schedule(LV2_Worker_Schedule_Handle h, uint32_t size,
					 const void *data)
{
	Worker *w = h;
	if (!w->threaded) {
		/* Synchronous: the work is not audio-thread work, even when it runs inside run(). */
		int was = audio_thread;
		audio_thread = 0;
		LV2_Worker_Status st = w->iface->work(w->handle, worker_respond, w, size, data);
		audio_thread = was;
		return st;
	}
	pthread_mutex_lock(&w->lock);
	bool ok = queue_push(&w->requests, size, data);
	if (ok)
		pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return ok ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static void *worker_main(void *arg)
{
	Worker *w = arg;
	static __thread Msg m;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->requests.count && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!queue_pop(&w->requests, &m))
			break; /* quit, and nothing left to do */
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		w->iface->work(w->handle, worker_respond, w, m.size, m.data);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Blocks until every scheduled job has run. */
static void worker_wait_idle(Worker *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->requests.count || w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Audio thread, after run(): hands every response to the plugin. */
static void worker_deliver(Worker *w)
{
	static __thread Msg m;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		bool got = queue_pop(&w->responses, &m);
		pthread_mutex_unlock(&w->lock);
		if (!got)
			return;
		w->iface->work_response(w->handle, m.size, m.data);
	}
}

/* ------------------------------------------------------------------ host instance */
typedef struct {
	LilvInstance *inst;
	Worker *worker;
	LV2_Worker_Schedule schedule;
	LV2_Feature f_schedule;
	RfxUris uris;
	LV2_Atom_Forge forge;
	float in_gain, out_gain, mix, enabled;
	float latency, status, model_rate;
	float knob[4];       /* the effect's knob ports */
	uint64_t control[ATOM_CAP / 8];
	uint64_t notify[ATOM_CAP / 8];
	char notified[1024]; /* the last path seen in a patch:Set on the notify port */
	uint64_t samples;    /* run so far */
	/* The classifier's ports (is_cls): controls, outputs, MIDI, and the last labels notified. */
	bool is_cls;
	float smoothing, threshold, base_note;
	float cls_class, confidence, p[RFX_CLS_N_PROB_PORTS];
	uint64_t midi[ATOM_CAP / 8];
	char labels[1200];
} Host;

static LilvWorld *world;
static const LilvPlugin *plugin, *cls_plugin;

static LV2_Feature f_map = {LV2_URID__map, &map};
static LV2_Feature f_unmap = {LV2_URID__unmap, &unmap};
static LV2_Feature f_log = {LV2_LOG__log, &log_feature_data};
static float opt_rate = (float)RATE;
static int32_t opt_block = MAX_BLOCK;
static LV2_Options_Option options[4];
static LV2_Feature f_options = {LV2_OPTIONS__options, options};

/* An instance of `p` with the worker, its ports not connected yet. */
static Host *host_new_plugin(const LilvPlugin *p, bool threaded, double rate)
{
	Host *h = calloc(1, sizeof *h);
	Worker *w = calloc(1, sizeof *w);
	if (!h || !w)
		abort();
	h->worker = w;
	w->threaded = threaded;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	h->schedule.handle = w;
	h->schedule.schedule_work = worker_schedule;
	h->f_schedule.URI = LV2_WORKER__schedule;
	h->f_schedule.data = &h->schedule;
	const LV2_Feature *features[] = {&f_map, &f_unmap, &f_log, &f_options, &h->f_schedule, NULL};
	opt_rate = (float)rate;
	h->inst = lilv_plugin_instantiate(p, rate, features);
	if (!h->inst) {
		fprintf(stderr, "lv2host: cannot instantiate the plugin\n");
		exit(1);
	}
	w->handle = lilv_instance_get_handle(h->inst);
	w->iface = lilv_instance_get_extension_data(h->inst, LV2_WORKER__interface);
	if (!w->iface) {
		fprintf(stderr, "lv2host: the plugin has no worker interface\n");
		exit(1);
	}
	if (threaded) {
		w->running = true;
		pthread_create(&w->thread, NULL, worker_main, w);
	}
	rfx_uris_map(&h->uris, &map);
	lv2_atom_forge_init(&h->forge, &map);
	return h;
}

/* An effect host running at `rate` Hz. */
static Host *host_new_at(bool threaded, double rate)
{
	Host *h = host_new_plugin(plugin, threaded, rate);
	h->in_gain = 0.0f;
	h->out_gain = 0.0f;
	h->mix = 1.0f;
	h->enabled = 1.0f;
	h->status = -1.0f;
	LilvInstance *i = h->inst;
	lilv_instance_connect_port(i, RFX_PORT_CONTROL, h->control);
	lilv_instance_connect_port(i, RFX_PORT_NOTIFY, h->notify);
	lilv_instance_connect_port(i, RFX_PORT_IN_GAIN, &h->in_gain);
	lilv_instance_connect_port(i, RFX_PORT_OUT_GAIN, &h->out_gain);
	lilv_instance_connect_port(i, RFX_PORT_MIX, &h->mix);
	lilv_instance_connect_port(i, RFX_PORT_ENABLED, &h->enabled);
	lilv_instance_connect_port(i, RFX_PORT_LATENCY, &h->latency);
	lilv_instance_connect_port(i, RFX_PORT_STATUS, &h->status);
	lilv_instance_connect_port(i, RFX_PORT_MODEL_RATE, &h->model_rate);
	for (int k = 0; k < 4; ++k) {
		h->knob[k] = 0.5f;
		lilv_instance_connect_port(i, RFX_PORT_KNOB1 + (uint32_t)k, &h->knob[k]);
	}
	return h;
}

static Host *host_new(bool threaded)
{
	return host_new_at(threaded, RATE);
}

static void host_activate(Host *h)
{
	lilv_instance_activate(h->inst);
}

/* Stops the worker after it finished every job, hands the last responses over, frees all. */
static void host_free(Host *h)
{
	Worker *w = h->worker;
	if (w->threaded && w->running) {
		worker_wait_idle(w);
		pthread_mutex_lock(&w->lock);
		w->quit = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	worker_deliver(w);
	lilv_instance_deactivate(h->inst);
	lilv_instance_free(h->inst);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
	free(h);
}

/* A classifier host at `rate` Hz, controls at their defaults. */
static Host *host_new_cls(bool threaded, double rate)
{
	Host *h = host_new_plugin(cls_plugin, threaded, rate);
	h->is_cls = true;
	h->smoothing = RFX_CLS_DEFAULT_SMOOTHING_MS;
	h->threshold = RFX_CLS_DEFAULT_THRESHOLD;
	h->base_note = RFX_CLS_DEFAULT_BASE_NOTE;
	h->enabled = 1.0f;
	h->status = h->cls_class = h->confidence = -2.0f;
	LilvInstance *i = h->inst;
	lilv_instance_connect_port(i, RFX_CLS_PORT_CONTROL, h->control);
	lilv_instance_connect_port(i, RFX_CLS_PORT_NOTIFY, h->notify);
	lilv_instance_connect_port(i, RFX_CLS_PORT_MIDI_OUT, h->midi);
	lilv_instance_connect_port(i, RFX_CLS_PORT_SMOOTHING, &h->smoothing);
	lilv_instance_connect_port(i, RFX_CLS_PORT_THRESHOLD, &h->threshold);
	lilv_instance_connect_port(i, RFX_CLS_PORT_BASE_NOTE, &h->base_note);
	lilv_instance_connect_port(i, RFX_CLS_PORT_ENABLED, &h->enabled);
	lilv_instance_connect_port(i, RFX_CLS_PORT_CLASS, &h->cls_class);
	lilv_instance_connect_port(i, RFX_CLS_PORT_CONFIDENCE, &h->confidence);
	lilv_instance_connect_port(i, RFX_CLS_PORT_STATUS, &h->status);
	lilv_instance_connect_port(i, RFX_CLS_PORT_LATENCY, &h->latency);
	lilv_instance_connect_port(i, RFX_CLS_PORT_MODEL_RATE, &h->model_rate);
	for (int k = 0; k < RFX_CLS_N_PROB_PORTS; ++k)
		lilv_instance_connect_port(i, RFX_CLS_PORT_P0 + (uint32_t)k, &h->p[k]);
	return h;
}

/* One run() of n samples. `set_path` sends patch:Set rnnfx:model; `get` sends patch:Get (of
 * every parameter). in == out is allowed (in-place). The in/out/control/notify indices are the
 * same in both plugins. */
static void host_run(Host *h, const float *in, float *out, uint32_t n, const char *set_path,
		     bool get)
{
	LV2_Atom_Forge *f = &h->forge;
	LV2_Atom_Forge_Frame seq, obj;
	lv2_atom_forge_set_buffer(f, (uint8_t *)h->control, sizeof h->control);
	lv2_atom_forge_sequence_head(f, &seq, 0);
	if (set_path) {
		lv2_atom_forge_frame_time(f, 0);
		lv2_atom_forge_object(f, &obj, 0, h->uris.patch_Set);
		lv2_atom_forge_key(f, h->uris.patch_property);
		lv2_atom_forge_urid(f, h->uris.rfx_model);
		lv2_atom_forge_key(f, h->uris.patch_value);
		lv2_atom_forge_path(f, set_path, (uint32_t)strlen(set_path));
		lv2_atom_forge_pop(f, &obj);
	}
	if (get) {
		lv2_atom_forge_frame_time(f, 0);
		lv2_atom_forge_object(f, &obj, 0, h->uris.patch_Get);
		if (!h->is_cls) {
			lv2_atom_forge_key(f, h->uris.patch_property);
			lv2_atom_forge_urid(f, h->uris.rfx_model);
		}
		lv2_atom_forge_pop(f, &obj);
	}
	lv2_atom_forge_pop(f, &seq);
	LV2_Atom_Sequence *note = (LV2_Atom_Sequence *)h->notify;
	note->atom.type = 0;
	note->atom.size = sizeof h->notify - sizeof(LV2_Atom);
	LV2_Atom_Sequence *midi = (LV2_Atom_Sequence *)h->midi;
	midi->atom.type = 0;
	midi->atom.size = sizeof h->midi - sizeof(LV2_Atom);

	lilv_instance_connect_port(h->inst, RFX_PORT_IN, (void *)in);
	lilv_instance_connect_port(h->inst, RFX_PORT_OUT, out);
	audio_thread = 1;
	lilv_instance_run(h->inst, n);
	worker_deliver(h->worker);
	audio_thread = 0;
	h->samples += n;

	if (note->atom.type != h->uris.atom_Sequence)
		return;
	LV2_ATOM_SEQUENCE_FOREACH (note, ev) {
		const LV2_Atom_Object *o = (const LV2_Atom_Object *)&ev->body;
		if (!lv2_atom_forge_is_object_type(f, ev->body.type) || o->body.otype != h->uris.patch_Set)
			continue;
		const LV2_Atom *prop = NULL, *val = NULL;
		lv2_atom_object_get(o, h->uris.patch_property, &prop, h->uris.patch_value, &val, 0);
		if (prop && prop->type == h->uris.atom_URID &&
		    ((const LV2_Atom_URID *)prop)->body == h->uris.rfx_model && val &&
		    val->type == h->uris.atom_Path)
			snprintf(h->notified, sizeof h->notified, "%s", (const char *)LV2_ATOM_BODY_CONST(val));
		if (prop && prop->type == h->uris.atom_URID &&
		    ((const LV2_Atom_URID *)prop)->body == h->uris.rfx_labels && val &&
		    val->type == h->uris.atom_String)
			snprintf(h->labels, sizeof h->labels, "%s", (const char *)LV2_ATOM_BODY_CONST(val));
	}
}

/* ------------------------------------------------------------------ reference */
static RfxModel *load_model(const char *path)
{
	RfxModel *m = NULL;
	char detail[256];
	RfxStatus st = rfx_model_load_file(path, &m, detail, sizeof detail);
	if (st != RFX_OK) {
		fprintf(stderr, "lv2host: %s: %s (%s)\n", path, rfx_strerror(st), detail);
		exit(1);
	}
	return m;
}

/* A stream as the plugin's worker prepares it: fresh, then RFX_PLUGIN_PRERUN zeros. */
static RfxStream *ref_stream(const RfxModel *m)
{
	RfxStream *st = NULL;
	if (rfx_stream_create(m, &st) != RFX_OK)
		abort();
	float z[RFX_PLUGIN_PRERUN] = {0}, o[RFX_PLUGIN_PRERUN];
	rfx_stream_process(st, z, o, RFX_PLUGIN_PRERUN);
	return st;
}

/* The plugin's engine for a host at `rate`: the rate stream (dsp/rate.h, at the quality the plugin
 * uses), then RFX_PLUGIN_PRERUN zeros at the host rate. */
static RfxRateStream *ref_rate_stream(const RfxModel *m, double rate)
{
	RfxRateStream *rs = NULL;
	if (rfx_rate_create(m, rate, RFX_RATE_QUALITY_DEFAULT, &rs, NULL, 0) != RFX_OK)
		abort();
	static float z[RFX_PLUGIN_PRERUN], o[RFX_PLUGIN_PRERUN];
	rfx_rate_process(rs, z, o, RFX_PLUGIN_PRERUN);
	return rs;
}

/* A random effect model (PyTorch's initialisation, seeded). */
static RfxModel *make_model(RfxCellType cell, int hidden, int layers, uint64_t seed, double rate)
{
	RfxModelSpec spec = {0};
	spec.cell = cell;
	spec.n_layers = layers;
	spec.n_inputs = 1;
	spec.hidden = hidden;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	spec.skip = 1;
	spec.sample_rate = rate;
	RfxModel *m = NULL;
	if (rfx_model_new(&spec, &m) != RFX_OK)
		abort();
	rfx_model_init_random(m, seed);
	return m;
}

static void save_model(const RfxModel *m, const char *path)
{
	char detail[256];
	if (rfx_model_save_file(m, path, detail, sizeof detail) != RFX_OK) {
		fprintf(stderr, "lv2host: cannot write %s: %s\n", path, detail);
		exit(1);
	}
}

static void write_model(const char *path, RfxCellType cell, int hidden, int layers, uint64_t seed,
			double rate)
{
	RfxModel *m = make_model(cell, hidden, layers, seed, rate);
	save_model(m, path);
	rfx_model_free(m);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "lv2host: cannot write %s\n", path);
		exit(1);
	}
}

static uint64_t rng;
static float sig_in[1 << 17], sig_out[1 << 17], sig_exp[1 << 17];
static uint32_t block_start[1 << 15], block_len[1 << 15];
static float block_status[1 << 15];

static void fill_input(float *x, size_t n, float amp)
{
	for (size_t i = 0; i < n; ++i)
		x[i] = rt_rand_uniform(&rng, -amp, amp);
}

static uint32_t random_block(uint32_t max)
{
	uint32_t r = (uint32_t)(rt_rand_u64(&rng) % 8);
	if (r == 0)
		return 0;
	if (r == 1)
		return 1;
	return (uint32_t)(rt_rand_u64(&rng) % (max + 1));
}

/* Runs `total` samples of sig_in through h in random blocks, the first carrying patch:Set of
 * `path` (when not NULL). Records each block's start and status. Returns the number of blocks. */
static int run_blocks(Host *h, size_t total, const char *path, bool wait_after_first)
{
	int nb = 0;
	size_t pos = 0;
	while (pos < total) {
		uint32_t n = random_block(1024);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h, sig_in + pos, sig_out + pos, n, nb == 0 ? path : NULL, false);
		block_start[nb] = (uint32_t)pos;
		block_len[nb] = n;
		block_status[nb] = h->status;
		nb++;
		pos += n;
		if (nb == 1 && wait_after_first)
			worker_wait_idle(h->worker);
	}
	return nb;
}

/* First sample of the first block whose status is `want` (the block where a new engine is
 * first heard: responses arrive after run(), the engine is adopted at the next run's start). */
static long first_with_status(int nb, float want)
{
	for (int b = 0; b < nb; ++b)
		if (block_status[b] == want && block_len[b] > 0)
			return (long)block_start[b];
	return -1;
}

/* The plugin's output for a model heard from sample `start` on, through the documented path:
 * wet = fade(identity -> model), y = go * (mix * wet + (1 - mix) * x). A model that was waiting
 * when the plugin was activated is heard at once: fade_in false. */
static void expected_output_fade(const RfxModel *m, size_t total, long start, float gi, float go,
				 float mix, bool fade_in, float *y)
{
	const unsigned fade = fade_in ? rfx_plugin_fade_len(RATE, RFX_PLUGIN_SWAP_FADE_S) : 0;
	const float inv = 1.0f / (float)fade;
	RfxStream *st = ref_stream(m);
	for (size_t i = 0; i < total; ++i) {
		float x = sig_in[i];
		float xin = gi * x;
		float wet = xin;
		if ((long)i >= start) {
			float r;
			rfx_stream_process(st, &xin, &r, 1);
			size_t pos = i - (size_t)start;
			if (pos < fade) {
				float g = (float)pos * inv;
				wet = xin + g * (r - xin);
			} else {
				wet = r;
			}
		}
		y[i] = go * (mix * wet + (1.0f - mix) * x);
	}
	rfx_stream_destroy(st);
}

static void expected_output(const RfxModel *m, size_t total, long start, float gi, float go,
			    float mix, float *y)
{
	expected_output_fade(m, total, start, gi, go, mix, true, y);
}

static size_t count_mismatch(const float *a, const float *b, size_t from, size_t to, size_t *first)
{
	size_t bad = 0;
	*first = to;
	for (size_t i = from; i < to; ++i)
		if (a[i] != b[i]) {
			if (!bad)
				*first = i;
			bad++;
		}
	return bad;
}

/* ------------------------------------------------------------------ cases */
static char dir[512], path_a[600], path_b[600], path_c[600], path_bad[600], path_missing[600],
	path_slow[600], path_cls[600], path_fifo[600];

static void case_no_model(void)
{
	rt_case("no model: status 0, output == input, latency 0");
	Host *h = host_new(true);
	host_activate(h);
	size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	run_blocks(h, total, NULL, false);
	size_t first;
	size_t bad = count_mismatch(sig_in, sig_out, 0, total, &first);
	RT_CHECK(bad == 0, "%zu samples differ, first at %zu", bad, first);
	RT_CHECK(h->status == 0.0f, "status %g", h->status);
	RT_CHECK(h->latency == 0.0f, "latency %g", h->latency);
	RT_CHECK(h->model_rate == 0.0f, "model_rate %g", h->model_rate);
	host_free(h);
}

static void case_exact(bool threaded, float in_db, float out_db, float mix, const char *name)
{
	rt_case(name);
	RfxModel *m = load_model(path_a);
	Host *h = host_new(threaded);
	h->in_gain = in_db;
	h->out_gain = out_db;
	h->mix = mix;
	host_activate(h);
	size_t total = 48000;
	fill_input(sig_in, total, 0.8f);
	int nb = run_blocks(h, total, path_a, threaded);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "the model never became active (last status %g)", h->status);
	RT_CHECK(h->model_rate == 48000.0f, "model_rate %g", h->model_rate);
	if (start >= 0) {
		float gi = in_db == 0.0f ? 1.0f : powf(10.0f, in_db / 20.0f);
		float go = out_db == 0.0f ? 1.0f : powf(10.0f, out_db / 20.0f);
		expected_output(m, total, start, gi, go, mix, sig_exp);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		if (getenv("LV2HOST_DEBUG"))
			for (size_t i = first; i < first + 8 && i < total; ++i)
				fprintf(stderr, "%zu in %.9g out %.9g exp %.9g\n", i, sig_in[i], sig_out[i], sig_exp[i]);
		RT_CHECK(bad == 0, "%zu of %zu samples differ (model heard from %ld), first at %zu: %.9g vs %.9g",
			 bad, total, start, first, first < total ? sig_out[first] : 0.0,
			 first < total ? sig_exp[first] : 0.0);
	}
	host_free(h);
	rfx_model_free(m);
}

/* Two exports of one session must be identical whatever the host's threads did before them:
 * activate() (an Ardour export starts with it) in the middle of a model swap, or with a loaded
 * model still waiting, must give what a fresh instance with that model gives, bit for bit: the
 * model heard from the first sample, no cross-fade. */
static void case_activate_mid_swap(void)
{
	rt_case("activate() during a swap or with a model waiting: the same output as a fresh "
		"instance, model heard from sample 0");
	RfxModel *m = load_model(path_a);
	float z[512] = {0}, o[512];
	const size_t total = 20000;
	static float out1[20000], out2[20000];

	/* h1: the swap to path_a is 300 samples into its cross-fade when activate() comes. */
	Host *h1 = host_new(false);
	host_activate(h1);
	host_run(h1, z, o, 64, path_a, false);
	host_run(h1, z, o, 300, NULL, false);
	RT_CHECK(h1->status == 1.0f, "h1: model not active (status %g)", h1->status);
	host_activate(h1);
	/* h2: the model loaded (the response is delivered after run) but not yet heard. */
	Host *h2 = host_new(false);
	host_activate(h2);
	host_run(h2, z, o, 1, path_a, false);
	host_activate(h2);

	fill_input(sig_in, total, 0.6f);
	for (size_t pos = 0; pos < total;) {
		uint32_t n = random_block(1024);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h1, sig_in + pos, out1 + pos, n, NULL, false);
		host_run(h2, sig_in + pos, out2 + pos, n, NULL, false);
		pos += n;
	}
	expected_output_fade(m, total, 0, 1.0f, 1.0f, 1.0f, false, sig_exp);
	size_t first;
	size_t bad1 = count_mismatch(out1, sig_exp, 0, total, &first);
	RT_CHECK(bad1 == 0, "activated mid-swap: %zu samples differ from the model heard from 0, "
		 "first at %zu", bad1, first);
	size_t bad2 = count_mismatch(out2, sig_exp, 0, total, &first);
	RT_CHECK(bad2 == 0, "activated with a model waiting: %zu samples differ, first at %zu", bad2,
		 first);
	host_free(h1);
	host_free(h2);
	rfx_model_free(m);
}

static const void *get_port_value(const char *symbol, void *user, uint32_t *size, uint32_t *type);
static bool restore_state(const char *state_file, Host *h, bool restore_worker);

/* A model with one conditioning input, with or without the trainer's "knobs" metadata. */
static void write_knob_model(const char *path, bool knobs)
{
	RfxModelSpec spec = {0};
	spec.cell = RFX_CELL_GRU;
	spec.n_layers = 1;
	spec.n_inputs = 2;
	spec.hidden = 8;
	spec.mode = RFX_MODE_EFFECT;
	spec.n_outputs = 1;
	spec.sample_rate = RATE;
	RfxModel *m = NULL;
	if (rfx_model_new(&spec, &m) != RFX_OK)
		abort();
	rfx_model_init_random(m, 9);
	for (size_t i = 0; i < m->n_params; ++i)
		m->params[i] *= 2.0f; /* enough gain that the input's value shows in the output */
	if (knobs && rfx_model_set_metadata(m, "{\"name\":\"knob test\",\"knobs\":[{\"name\":"
					    "\"drive\",\"input\":1,\"min\":0,\"max\":10,"
					    "\"default\":5}]}") != RFX_OK)
		abort();
	save_model(m, path);
	rfx_model_free(m);
}

/* The plugin fed knob port values: what the dsp stream gives with the mapped input (settled as
 * the plugin settles, then the input set, then the signal). The model is loaded, then activate()
 * makes it heard from sample 0 without a fade. */
static size_t knob_mismatch(const char *path, float port, float input, size_t total)
{
	RfxModel *m = load_model(path);
	Host *h = host_new(false);
	h->knob[0] = port;
	host_activate(h);
	float z[1] = {0}, o[1];
	host_run(h, z, o, 1, path, false);
	host_activate(h);
	for (size_t pos = 0; pos < total;) {
		uint32_t n = random_block(1024);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
		pos += n;
	}
	RfxStream *st = ref_stream(m);
	rfx_stream_set_input(st, 1, input);
	rfx_stream_process(st, sig_in, sig_exp, (uint32_t)total);
	rfx_stream_destroy(st);
	size_t first;
	size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
	host_free(h);
	rfx_model_free(m);
	return bad;
}

static void case_knobs(void)
{
	rt_case("knob ports: a knob model's knob 1 at 0.75 is drive 7.5 on 0..10, network input 0.5; "
		"a conditioned model without knobs takes the port's value; exact, any block size");
	char kp[700], rp[700];
	snprintf(kp, sizeof kp, "%s/knob-model.json", dir);
	snprintf(rp, sizeof rp, "%s/cond-model.json", dir);
	write_knob_model(kp, true);
	write_knob_model(rp, false);
	const size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	size_t bad = knob_mismatch(kp, 0.75f, 0.5f, total);
	RT_CHECK(bad == 0, "knob model at 0.75: %zu samples differ from input 0.5", bad);
	bad = knob_mismatch(kp, 0.0f, -1.0f, total);
	RT_CHECK(bad == 0, "knob model at 0: %zu samples differ from input -1", bad);
	bad = knob_mismatch(rp, 0.3f, 0.3f, total);
	RT_CHECK(bad == 0, "model without knobs at 0.3: %zu samples differ from input 0.3", bad);
	/* The knob changes the sound (the test could not fail otherwise). */
	RT_CHECK(knob_mismatch(kp, 0.75f, -1.0f, total) > total / 2, "the knob does not change the output");

	rt_case("knob ports: a knob moved during playback glides (20 ms smoothing), stays finite and "
		"lands where a knob held there plays; a restored state keeps the knobs");
	RfxModel *m = load_model(kp);
	Host *h = host_new(false);
	h->knob[0] = 0.0f;
	host_activate(h);
	float z[1] = {0}, o[1];
	host_run(h, z, o, 1, kp, false);
	host_activate(h);
	const size_t n1 = 4800, n2 = 48000;
	fill_input(sig_in, n1 + n2, 0.5f);
	host_run(h, sig_in, sig_out, (uint32_t)n1, NULL, false);
	h->knob[0] = 1.0f; /* a jump, as automation may send */
	for (size_t pos = n1; pos < n1 + n2; pos += 256)
		host_run(h, sig_in + pos, sig_out + pos, 256, NULL, false);
	bool finite = true;
	for (size_t i = 0; i < n1 + n2; ++i)
		finite &= isfinite(sig_out[i]) != 0;
	RT_CHECK(finite, "non-finite output after a knob jump");
	/* After 0.5 s the smoothed input is at 1 (within 1e-5): the output then follows a stream
	 * held at input 1, from the same state, within what 1e-5 of an input can move it. */
	RfxStream *late = ref_stream(m);
	rfx_stream_set_input(late, 1, 1.0f);
	rfx_stream_process(late, sig_in, sig_exp, (uint32_t)(n1 + n2));
	double d = 0;
	for (size_t i = n1 + n2 - 4800; i < n1 + n2; ++i)
		d = fmax(d, fabs((double)sig_out[i] - sig_exp[i]));
	RT_CHECK(d < 1e-3, "1 s after the jump the output is %g away from a knob held at 1", d);
	rfx_stream_destroy(late);

	/* The state embeds the model with its knobs: restored (the file deleted), knob 1 at 0.75 is
	 * still network input 0.5, not 0.75. */
	char sdir[700], sfile[760];
	snprintf(sdir, sizeof sdir, "%s/state-knobs", dir);
	snprintf(sfile, sizeof sfile, "%s/state.ttl", sdir);
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(plugin, h->inst, &map, NULL, NULL, sdir, sdir,
							get_port_value, h,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, sfeat);
	RT_CHECK(state && lilv_state_save(world, &map, &unmap, state, NULL, sdir, "state.ttl") == 0,
		 "state not saved");
	lilv_state_free(state);
	host_free(h);
	RT_CHECK(unlink(kp) == 0, "cannot delete %s", kp);
	Host *h2 = host_new(false);
	RT_CHECK(restore_state(sfile, h2, false), "lilv cannot read the state back");
	h2->knob[0] = 0.75f;
	host_activate(h2);
	const size_t total2 = 8000;
	fill_input(sig_in, total2, 0.5f);
	for (size_t pos = 0; pos < total2; pos += 500)
		host_run(h2, sig_in + pos, sig_out + pos, 500, NULL, false);
	RfxStream *ref = ref_stream(m);
	rfx_stream_set_input(ref, 1, 0.5f);
	rfx_stream_process(ref, sig_in, sig_exp, (uint32_t)total2);
	rfx_stream_destroy(ref);
	size_t first;
	size_t bad2 = count_mismatch(sig_out, sig_exp, 0, total2, &first);
	RT_CHECK(bad2 == 0, "restored knob model: %zu samples differ from input 0.5, first at %zu", bad2,
		 first);
	host_free(h2);
	rfx_model_free(m);
}

static void case_get_broken_rate(void)
{
	rt_case("patch:Get, broken and missing files keep the model, status 2, log; rate mismatch 3");
	RfxModel *m = load_model(path_a);
	Host *h = host_new(true);
	host_activate(h);
	size_t total = 30000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, path_a, true);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "model A never active");
	h->notified[0] = '\0';
	float tmp[64] = {0}, tmpo[64];
	host_run(h, tmp, tmpo, 0, NULL, true);
	RT_CHECK(!strcmp(h->notified, path_a), "patch:Get answered '%s'", h->notified);

	/* Continue the same signal through broken loads; the reference keeps running. */
	const char *bad_paths[] = {path_bad, path_missing, path_cls};
	const char *bad_logs[] = {"cannot load model", "cannot load model", "classifier"};
	RfxStream *st = ref_stream(m);
	float *ref = sig_exp;
	size_t more = 3 * 8000;
	fill_input(sig_in + total, more, 0.5f);
	/* reference over everything since start */
	rfx_stream_process(st, sig_in + start, ref + start, (uint32_t)(total + more - (size_t)start));
	size_t pos = total;
	for (int k = 0; k < 3; ++k) {
		log_clear();
		host_run(h, sig_in + pos, sig_out + pos, 0, bad_paths[k], false);
		worker_wait_idle(h->worker);
		for (size_t end = pos + 8000; pos < end;) {
			uint32_t n = random_block(512);
			if (n > end - pos)
				n = (uint32_t)(end - pos);
			host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
			pos += n;
		}
		RT_CHECK(h->status == 2.0f, "status %g after %s", h->status, bad_paths[k]);
		RT_CHECK(log_contains(bad_logs[k]), "log lacks '%s': %s", bad_logs[k], log_text);
	}
	size_t first;
	size_t bad = count_mismatch(sig_out, ref, total, pos, &first);
	RT_CHECK(bad == 0, "old model did not keep running: %zu differ from %zu", bad, first);
	rfx_stream_destroy(st);

	/* A model trained at 44.1 kHz: status 3, runs anyway, model_rate says so. */
	host_run(h, tmp, tmpo, 64, path_slow, false);
	worker_wait_idle(h->worker);
	for (int k = 0; k < 4; ++k)
		host_run(h, tmp, tmpo, 64, NULL, false);
	RT_CHECK(h->status == 3.0f, "status %g for a 44.1 kHz model", h->status);
	RT_CHECK(h->model_rate == 44100.0f, "model_rate %g", h->model_rate);
	RT_CHECK(log_contains("44100"), "no rate warning in the log: %s", log_text);
	host_free(h);
	rfx_model_free(m);
}

static const void *get_port_value(const char *symbol, void *user, uint32_t *size, uint32_t *type)
{
	Host *h = user;
	static float v;
	*size = sizeof(float);
	*type = map_uri(NULL, LV2_ATOM__Float);
	if (!strcmp(symbol, "in_gain"))
		v = h->in_gain;
	else if (!strcmp(symbol, "out_gain"))
		v = h->out_gain;
	else if (!strcmp(symbol, "mix"))
		v = h->mix;
	else if (!strcmp(symbol, "enabled"))
		v = h->enabled;
	else if (h->is_cls && !strcmp(symbol, "smoothing"))
		v = h->smoothing;
	else if (h->is_cls && !strcmp(symbol, "threshold"))
		v = h->threshold;
	else if (h->is_cls && !strcmp(symbol, "base_note"))
		v = h->base_note;
	else
		return NULL;
	return &v;
}

static void set_port_value(const char *symbol, void *user, const void *value, uint32_t size,
			   uint32_t type)
{
	Host *h = user;
	if (size != sizeof(float) || type != map_uri(NULL, LV2_ATOM__Float))
		return;
	float v;
	memcpy(&v, value, sizeof v);
	if (!strcmp(symbol, "in_gain"))
		h->in_gain = v;
	else if (!strcmp(symbol, "out_gain"))
		h->out_gain = v;
	else if (!strcmp(symbol, "mix"))
		h->mix = v;
	else if (!strcmp(symbol, "enabled"))
		h->enabled = v;
	else if (h->is_cls && !strcmp(symbol, "smoothing"))
		h->smoothing = v;
	else if (h->is_cls && !strcmp(symbol, "threshold"))
		h->threshold = v;
	else if (h->is_cls && !strcmp(symbol, "base_note"))
		h->base_note = v;
}

static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void case_state(bool restore_worker, bool threaded)
{
	char name[160];
	snprintf(name, sizeof name, "state: save, delete the model file, restore (%s, %s worker)",
		 restore_worker ? "worker in restore" : "no worker in restore: synchronous",
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/state-model-%d%d.json", dir, restore_worker, threaded);
	snprintf(state_dir, sizeof state_dir, "%s/state-%d%d", dir, restore_worker, threaded);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	write_model(model_path, RFX_CELL_LSTM, 12, 2, 77, RATE);
	RfxModel *m = load_model(model_path);

	Host *h1 = host_new(threaded);
	h1->out_gain = -3.0f;
	host_activate(h1);
	fill_input(sig_in, 20000, 0.5f);
	int nb = run_blocks(h1, 20000, model_path, threaded);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model never active in the first instance");
	worker_wait_idle(h1->worker);

	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};

	/* link_dir = the state folder, as hosts do: lilv then links the model file into it. (With
	 * no link_dir, lilv 0.24 deletes a file outside the state folder while saving.) */
	LilvState *state = lilv_state_new_from_instance(plugin, h1->inst, &map, NULL, NULL, state_dir,
							state_dir, get_port_value, h1,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
							sfeat);
	RT_CHECK(state != NULL, "lilv_state_new_from_instance failed");
	if (!state) {
		host_free(h1);
		rfx_model_free(m);
		return;
	}
	int rc = lilv_state_save(world, &map, &unmap, state, NULL, state_dir, "state.ttl");

	RT_CHECK(rc == 0, "lilv_state_save: %d", rc);
	lilv_state_free(state);
	host_free(h1);
	RT_CHECK(file_contains(state_file, "modelBase64"), "state.ttl has no embedded model");
	RT_CHECK(file_contains(state_file, "state-model-"), "state.ttl has no model path");
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	LilvState *loaded = lilv_state_new_from_file(world, &map, NULL, state_file);
	RT_CHECK(loaded != NULL, "lilv_state_new_from_file failed");
	if (!loaded) {
		rfx_model_free(m);
		return;
	}
	Host *h2 = host_new(threaded);
	const LV2_Feature *rfeat_w[] = {&f_map, &f_unmap, &f_log, &h2->f_schedule, NULL};
	const LV2_Feature *rfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	log_clear();
	lilv_state_restore(loaded, h2->inst, set_port_value, h2, 0, restore_worker ? rfeat_w : rfeat);
	lilv_state_free(loaded);
	RT_CHECK(h2->out_gain == -3.0f, "out_gain restored as %g", h2->out_gain);
	host_activate(h2);
	size_t total = 40000;
	fill_input(sig_in, total, 0.5f);
	nb = run_blocks(h2, total, NULL, threaded);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start == 0, "restored model heard from %ld, not 0 (status %g, log: %s)", start,
		 h2->status, log_text);
	if (start >= 0) {
		expected_output_fade(m, total, start, 1.0f, powf(10.0f, -3.0f / 20.0f), 1.0f, false,
				     sig_exp);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		RT_CHECK(bad == 0, "%zu samples differ from the reference, first at %zu", bad, first);
	}
	h2->notified[0] = '\0';
	float z[1] = {0}, o[1];
	host_run(h2, z, o, 1, NULL, true);
	const char *base = strrchr(model_path, '/');
	size_t nl = strlen(h2->notified), bl = strlen(base);
	RT_CHECK(nl >= bl && !strcmp(h2->notified + nl - bl, base), "restored path '%s'", h2->notified);
	host_free(h2);
	rfx_model_free(m);
}

/* The host drops a worker response (its queue is full): the new model is never heard, and the
 * state saved afterwards must name the model that still plays, not the dropped one. */
static void case_dropped_response(bool threaded)
{
	char name[128];
	snprintf(name, sizeof name, "a dropped worker response: the state keeps the playing model (%s)",
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	char path_a[600], path_b[600], state_dir[600], state_file[700];
	snprintf(path_a, sizeof path_a, "%s/kept-model-%d.json", dir, threaded);
	snprintf(path_b, sizeof path_b, "%s/dropped-model-%d.json", dir, threaded);
	snprintf(state_dir, sizeof state_dir, "%s/state-drop-%d", dir, threaded);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	write_model(path_a, RFX_CELL_GRU, 8, 1, 21, RATE);
	write_model(path_b, RFX_CELL_GRU, 8, 1, 22, RATE);
	Host *h = host_new(threaded);
	host_activate(h);
	fill_input(sig_in, 20000, 0.5f);
	int nb = run_blocks(h, 20000, path_a, threaded);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model A never active");
	worker_wait_idle(h->worker);
	pthread_mutex_lock(&h->worker->lock);
	h->worker->drop_responses = 1;
	pthread_mutex_unlock(&h->worker->lock);
	log_clear();
	run_blocks(h, 20000, path_b, threaded);
	worker_wait_idle(h->worker);
	RT_CHECK(strstr(log_text, "queue is full") != NULL, "no log of the dropped model: %s", log_text);
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(plugin, h->inst, &map, NULL, NULL, state_dir,
							state_dir, get_port_value, h,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
							sfeat);
	RT_CHECK(state != NULL, "lilv_state_new_from_instance failed");
	if (state) {
		RT_CHECK(lilv_state_save(world, &map, &unmap, state, NULL, state_dir, "state.ttl") == 0,
			 "lilv_state_save failed");
		lilv_state_free(state);
		RT_CHECK(file_contains(state_file, "kept-model-"), "the state does not name model A");
		RT_CHECK(!file_contains(state_file, "dropped-model-"),
			 "the state names the model whose response was dropped");
	}
	host_free(h);
}

static void case_swaps(bool threaded, int n_swaps)
{
	char name[128];
	snprintf(name, sizeof name, "%d model swaps while running (%s worker)", n_swaps,
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *mc = load_model(path_c);
	Host *h = host_new(threaded);
	host_activate(h);
	const char *paths[] = {path_a, path_b, path_a, path_bad, path_b};
	float buf[300];
	size_t nonfinite = 0;
	for (int s = 0; s < n_swaps; ++s) {
		const char *p = paths[rt_rand_u64(&rng) % 5];
		int blocks = 1 + (int)(rt_rand_u64(&rng) % 3);
		for (int b = 0; b < blocks; ++b) {
			uint32_t n = random_block(256);
			fill_input(buf, n, 0.5f);
			host_run(h, buf, buf, n, b == 0 ? p : NULL, false); /* in place */
			for (uint32_t i = 0; i < n; ++i)
				nonfinite += !isfinite(buf[i]);
		}
	}
	RT_CHECK(nonfinite == 0, "%zu non-finite output samples", nonfinite);
	/* Settle: every job done, then one more good load (the last random request may have been
	 * the broken file, or, on a loaded machine, a request the full worker queue turned away:
	 * both rightly leave status 2), every fade over, then model C (a 44.1 kHz model:
	 * resampled, status 3). */
	worker_wait_idle(h->worker);
	host_run(h, sig_in, sig_out, 64, path_a, false);
	worker_wait_idle(h->worker);
	host_run(h, sig_in, sig_out, 4096, NULL, false);
	worker_wait_idle(h->worker);
	host_run(h, sig_in, sig_out, 4096, NULL, false);
	RT_CHECK(h->status == 1.0f, "status %g after the swaps", h->status);
	size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, path_c, threaded);
	long start = first_with_status(nb, 3.0f);
	RT_CHECK(start >= 0, "model C never active");
	if (start >= 0) {
		RfxRateStream *rs = ref_rate_stream(mc, RATE);
		rfx_rate_process(rs, sig_in + start, sig_exp + start, (uint32_t)(total - (size_t)start));
		rfx_rate_destroy(rs);
		size_t from = (size_t)start + rfx_plugin_fade_len(RATE, RFX_PLUGIN_SWAP_FADE_S);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, from, total, &first);
		RT_CHECK(bad == 0, "after the last swap's fade: %zu differ, first at %zu", bad, first);
	}
	host_free(h);
	rfx_model_free(mc);
}

/* A 48 kHz model in a 44.1 kHz host: resampled (status 3), the latency port says how much, and
 * the output is the rate stream's, bit for bit (full wet, 0 dB), after the identity -> model fade.
 * Then the dry path: at mix 0 the output is the input delayed by exactly that latency. */
static void case_resampling(bool threaded)
{
	const double host_rate = 44100.0;
	char name[128];
	snprintf(name, sizeof name, "48 kHz model at 44.1 kHz: status 3, latency, bit-exact with "
		 "RfxRateStream (%s worker)", threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *m = load_model(path_a);
	Host *h = host_new_at(threaded, host_rate);
	host_activate(h);
	size_t total = 40000;
	fill_input(sig_in, total, 0.8f);
	int nb = run_blocks(h, total, path_a, threaded);
	long start = first_with_status(nb, 3.0f);
	RT_CHECK(start >= 0, "the model never ran resampled (last status %g)", h->status);
	RT_CHECK(h->model_rate == 48000.0f, "model_rate %g", h->model_rate);
	RfxRateStream *rs = ref_rate_stream(m, host_rate);
	const uint32_t L = rfx_rate_latency(rs);
	RT_CHECK(L > 0 && h->latency == (float)L, "latency port %g, rfx_rate_latency %u", h->latency,
		 L);
	if (start >= 0) {
		const unsigned fade = rfx_plugin_fade_len(host_rate, RFX_PLUGIN_SWAP_FADE_S);
		const float inv = 1.0f / (float)fade;
		for (size_t i = 0; i < total; ++i) {
			float x = sig_in[i], wet = x;
			if ((long)i >= start) {
				float r;
				rfx_rate_process(rs, &x, &r, 1);
				size_t pos = i - (size_t)start;
				wet = pos < fade ? x + (float)pos * inv * (r - x) : r;
			}
			sig_exp[i] = wet;
		}
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		RT_CHECK(bad == 0, "%zu of %zu differ (model heard from %ld), first at %zu", bad, total,
			 start, first);
	}
	/* Dry only: the input L samples late, so a host that compensates L keeps it aligned. */
	h->mix = 0.0f;
	size_t more = 20000;
	fill_input(sig_in + total, more, 0.5f);
	for (size_t pos = total; pos < total + more;) {
		uint32_t n = random_block(512);
		if (n > total + more - pos)
			n = (uint32_t)(total + more - pos);
		host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
		pos += n;
	}
	/* The mix smoother snaps to 0 once within 1e-5 of it: after ln(1e5) = 11.5 time constants;
	 * 14 leaves room. */
	const size_t settle = (size_t)(14 * RFX_PLUGIN_SMOOTH_S * host_rate);
	size_t bad = 0;
	for (size_t i = total + settle; i < total + more; ++i)
		bad += sig_out[i] != sig_in[i - L];
	RT_CHECK(settle < more && bad == 0, "mix 0: %zu samples are not the input delayed by %u", bad,
		 L);
	/* Still at mix 0, swap to a model at the host's rate (latency 0): the dry path must glide
	 * from the old delay to the new one with the swap's fade, not jump. On a 100 Hz sine of 0.5
	 * a jump of L = 95 samples is a step of about 0.6; the glide adds at most 0.6 / fade
	 * (~5e-4) to the sine's own largest step (~7e-3), so 0.02 tells them apart. */
	const size_t glide = 30000;
	const size_t base = total + more;
	for (size_t i = 0; i < glide; ++i)
		sig_in[base + i] = 0.5f * sinf(2.0f * (float)M_PI * 100.0f * (float)(base + i) / 44100.0f);
	float worst = 0.0f;
	/* The first 2000 samples fill the delay line with the sine (no swap yet), so every step
	 * checked after them is the sine's or the glide's. */
	const size_t swap_at = base + 2000;
	bool asked = false;
	for (size_t pos = base; pos < base + glide;) {
		uint32_t n = random_block(512);
		if (n > base + glide - pos)
			n = (uint32_t)(base + glide - pos);
		const bool ask = !asked && pos >= swap_at;
		host_run(h, sig_in + pos, sig_out + pos, n, ask ? path_c : NULL, false);
		if (ask && threaded)
			worker_wait_idle(h->worker);
		asked |= ask;
		pos += n;
	}
	for (size_t i = base + 1000; i < base + glide; ++i)
		worst = fmaxf(worst, fabsf(sig_out[i] - sig_out[i - 1]));
	RT_CHECK(h->latency == 0.0f, "latency %g after the swap to a 44.1 kHz model", h->latency);
	RT_CHECK(worst < 0.02f, "mix 0, swap to latency 0: largest step %g (a jump)", worst);
	rfx_rate_destroy(rs);
	host_free(h);
	rfx_model_free(m);
}

static void case_nonfinite_bypass(void)
{
	rt_case("NaN/Inf input, bypass cross-fade, in-place");
	RfxModel *m = load_model(path_a);
	Host *h = host_new(false);
	h->enabled = 0.0f;
	host_activate(h);
	size_t total = 6000;
	fill_input(sig_in, total, 0.5f);
	sig_in[10] = NAN;
	sig_in[500] = INFINITY;
	sig_in[3000] = -INFINITY;
	memcpy(sig_out, sig_in, total * sizeof(float));
	/* The synchronous worker's response arrives after this run(); the model is adopted (while
	 * bypassed: at once, no fade) at the start of the next. */
	host_run(h, sig_out, sig_out, (uint32_t)total - 100, path_a, false);
	host_run(h, sig_out + total - 100, sig_out + total - 100, 100, NULL, false);
	RT_CHECK(h->status == 1.0f, "status %g", h->status);
	size_t bad = 0;
	for (size_t i = 0; i < total; ++i) {
		float x = isfinite(sig_in[i]) ? sig_in[i] : 0.0f;
		bad += sig_out[i] != x;
	}
	RT_CHECK(bad == 0, "bypassed: %zu samples are not the (sanitised) input", bad);

	/* Enable: the model (its state as the worker left it) fades in over the bypass time. */
	h->enabled = 1.0f;
	fill_input(sig_in, total, 0.5f);
	for (size_t i = 7; i < total; i += 997)
		sig_in[i] = (i / 997) % 2 ? NAN : INFINITY;
	memcpy(sig_out, sig_in, total * sizeof(float));
	size_t pos = 0;
	while (pos < total) {
		uint32_t n = random_block(700);
		if (n > total - pos)
			n = (uint32_t)(total - pos);
		host_run(h, sig_out + pos, sig_out + pos, n, NULL, false);
		pos += n;
	}
	size_t nonfinite = 0;
	for (size_t i = 0; i < total; ++i)
		nonfinite += !isfinite(sig_out[i]);
	RT_CHECK(nonfinite == 0, "%zu non-finite outputs", nonfinite);
	RfxStream *st = ref_stream(m);
	for (size_t i = 0; i < total; ++i) {
		float x = isfinite(sig_in[i]) ? sig_in[i] : 0.0f;
		rfx_stream_process(st, &x, &sig_exp[i], 1);
	}
	rfx_stream_destroy(st);
	size_t from = rfx_plugin_fade_len(RATE, RFX_PLUGIN_BYPASS_FADE_S), first;
	bad = count_mismatch(sig_out, sig_exp, from, total, &first);
	RT_CHECK(bad == 0, "after the bypass fade: %zu differ, first at %zu", bad, first);
	/* Click-free: no step in the fade larger than the signal's own steps allow. */
	float maxstep = 0.0f;
	for (size_t i = 1; i < from; ++i) {
		float d = fabsf(sig_out[i] - sig_out[i - 1]);
		maxstep = d > maxstep ? d : maxstep;
	}
	RT_CHECK(maxstep < 2.5f, "step %g during the bypass fade", maxstep);
	host_free(h);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ classifier */
/* A hand-made 2-class classifier (tanh RNN, H = 2) whose behaviour is known: the two units see
 * +8x and -8x on a bias of 1 (self-feedback 0.5), so their sum is about 1.8 on silence and falls
 * towards 0 when |x| is large, whatever its sign; the head gives logit_1 - logit_0 =
 * 15 - 10 (h_a + h_b): class 0 ("silence") on silence, class 1 ("loud,tone") on a loud signal. */
static char path_cls_known[600], path_cls_44k[600];

static RfxModel *make_energy_classifier(double rate)
{
	RfxModelSpec spec = {0};
	spec.cell = RFX_CELL_RNN;
	spec.n_layers = 1;
	spec.n_inputs = 1;
	spec.hidden = 2;
	spec.mode = RFX_MODE_CLASSIFIER;
	spec.n_outputs = 2;
	spec.sample_rate = rate;
	RfxModel *m = NULL;
	if (rfx_model_new(&spec, &m) != RFX_OK)
		abort();
	const float w_ih[] = {8.0f, -8.0f}, w_hh[] = {0.5f, 0.0f, 0.0f, 0.5f}, b_ih[] = {1.0f, 1.0f},
		    hw[] = {0.0f, 0.0f, -10.0f, -10.0f}, hb[] = {0.0f, 15.0f};
	memcpy(rfx_model_tensor(m, "weight_ih_l0")->data, w_ih, sizeof w_ih);
	memcpy(rfx_model_tensor(m, "weight_hh_l0")->data, w_hh, sizeof w_hh);
	memcpy(rfx_model_tensor(m, "bias_ih_l0")->data, b_ih, sizeof b_ih);
	memcpy(rfx_model_tensor(m, "head.weight")->data, hw, sizeof hw);
	memcpy(rfx_model_tensor(m, "head.bias")->data, hb, sizeof hb);
	snprintf(m->labels[0], RFX_MAX_LABEL, "silence");
	snprintf(m->labels[1], RFX_MAX_LABEL, "loud,tone");
	return m;
}

static void write_energy_classifier(const char *path, double rate)
{
	RfxModel *m = make_energy_classifier(rate);
	save_model(m, path);
	rfx_model_free(m);
}

/* The classifier's ports and MIDI as the host saw them, per block. */
typedef struct {
	uint64_t frame; /* absolute sample index */
	uint8_t status, note, vel;
} MidiEv;

#define CLS_MAX_EV 8192
static MidiEv ev_got[CLS_MAX_EV], ev_exp[CLS_MAX_EV];
static size_t n_got, n_exp;
static float blk_class[1 << 15], blk_conf[1 << 15], blk_p[1 << 15][RFX_CLS_N_PROB_PORTS];
static bool blk_labels[1 << 15];
static size_t midi_malformed;
static char midi_problem[256];

/* Reads the block's MIDI output: a sequence of 3-byte note on/off events (channel 1) with frames
 * inside the block, in order; appended to ev_got with absolute frames. */
static void collect_midi(Host *h, uint32_t n, uint64_t start)
{
	const LV2_Atom_Sequence *seq = (const LV2_Atom_Sequence *)h->midi;
	if (seq->atom.type != h->uris.atom_Sequence) {
		midi_malformed++;
		snprintf(midi_problem, sizeof midi_problem, "midi_out is not a sequence");
		return;
	}
	int64_t last = -1;
	LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
		const uint8_t *b = LV2_ATOM_BODY_CONST(&ev->body);
		bool ok = ev->body.type == h->uris.midi_MidiEvent && ev->body.size == 3 &&
			  ev->time.frames >= last && ev->time.frames < (int64_t)n &&
			  (b[0] == 0x90 || b[0] == 0x80) && b[1] < 128 && b[2] < 128 &&
			  (b[0] == 0x80 || b[2] >= 1);
		if (!ok) {
			midi_malformed++;
			snprintf(midi_problem, sizeof midi_problem,
				 "event type %u size %u frame %lld (block %u) bytes %02x %02x %02x",
				 ev->body.type, ev->body.size, (long long)ev->time.frames, n, b[0], b[1],
				 b[2]);
			continue;
		}
		last = ev->time.frames;
		if (n_got < CLS_MAX_EV)
			ev_got[n_got++] = (MidiEv){start + (uint64_t)ev->time.frames, b[0], b[1], b[2]};
	}
}

/* Runs sig_in[from, to) through a classifier host in random blocks (in place every other block),
 * the first carrying patch:Set of `path` (when not NULL); records every block's ports and MIDI.
 * Block indices continue from *nb. */
static void cls_run(Host *h, size_t from, size_t to, const char *path, bool wait_after_first,
		    int *nb)
{
	size_t pos = from;
	bool first = true;
	while (pos < to || first) {
		uint32_t n = random_block(1024);
		if (n > to - pos)
			n = (uint32_t)(to - pos);
		h->labels[0] = '\0';
		if (*nb % 2) {
			memcpy(sig_out + pos, sig_in + pos, n * sizeof(float));
			host_run(h, sig_out + pos, sig_out + pos, n, first ? path : NULL, false);
		} else {
			host_run(h, sig_in + pos, sig_out + pos, n, first ? path : NULL, false);
		}
		collect_midi(h, n, pos);
		int b = (*nb)++;
		block_start[b] = (uint32_t)pos;
		block_len[b] = n;
		block_status[b] = h->status;
		blk_class[b] = h->cls_class;
		blk_conf[b] = h->confidence;
		memcpy(blk_p[b], h->p, sizeof h->p);
		blk_labels[b] = h->labels[0] != '\0';
		if (first && wait_after_first)
			worker_wait_idle(h->worker);
		first = false;
		pos += n;
	}
}

/* The plugin's decision replayed on the dsp library's own output: a fresh stream that ran
 * RFX_PLUGIN_PRERUN zeros, the one-pole of classifier.h, argmax, threshold. */
typedef struct {
	RfxStream *st;
	int K, win, sounding;
	bool fresh;
	float s[RFX_MAX_CLASSES];
} ClsRef;

static void clsref_init(ClsRef *r, const RfxModel *m)
{
	memset(r, 0, sizeof *r);
	if (rfx_stream_create(m, &r->st) != RFX_OK)
		abort();
	r->K = m->spec.n_outputs;
	static float z[RFX_PLUGIN_PRERUN], o[RFX_PLUGIN_PRERUN * RFX_MAX_CLASSES];
	rfx_stream_process(r->st, z, o, RFX_PLUGIN_PRERUN);
	r->win = r->sounding = -1;
	r->fresh = true;
}

/* One sample at absolute index t; appends the expected MIDI to ev_exp. */
static void clsref_step(ClsRef *r, uint64_t t, float x, float coef, float thr, int base)
{
	float p[RFX_MAX_CLASSES];
	x = isfinite(x) ? x : 0.0f;
	rfx_stream_process(r->st, &x, p, 1);
	int best = 0;
	for (int k = 0; k < r->K; ++k) {
		r->s[k] = r->fresh ? p[k] : r->s[k] + coef * (p[k] - r->s[k]);
		if (r->s[k] > r->s[best])
			best = k;
	}
	r->fresh = false;
	if (best == r->win || !(r->s[best] > thr))
		return;
	r->win = best;
	if (r->sounding >= 0 && n_exp < CLS_MAX_EV)
		ev_exp[n_exp++] = (MidiEv){t, 0x80, (uint8_t)r->sounding, 0};
	float v = 127.0f * r->s[best] + 0.5f;
	int vel = v >= 127.0f ? 127 : (v >= 1.0f ? (int)v : 1);
	if (n_exp < CLS_MAX_EV)
		ev_exp[n_exp++] = (MidiEv){t, 0x90, (uint8_t)(base + best), (uint8_t)vel};
	r->sounding = base + best;
}

/* Steps the reference over [from, to) and checks the ports of every block b0 <= b < nb that
 * ended inside (from, to] against it. Returns the number of mismatching blocks. */
static size_t clsref_check(ClsRef *r, size_t from, size_t to, int b0, int nb, float coef,
			   float thr, int base, float *s_exp, int *win_exp)
{
	for (size_t t = from; t < to; ++t) {
		clsref_step(r, t, sig_in[t], coef, thr, base);
		for (int k = 0; k < 2; ++k)
			s_exp[t * 2 + k] = r->s[k];
		win_exp[t] = r->win;
	}
	size_t bad = 0;
	for (int b = b0; b < nb; ++b) {
		size_t end = (size_t)block_start[b] + block_len[b];
		if (end <= from || end > to)
			continue;
		const size_t t = end - 1;
		bool ok = blk_class[b] == (float)win_exp[t] &&
			  blk_conf[b] == (win_exp[t] >= 0 ? s_exp[t * 2 + (size_t)win_exp[t]] : 0.0f) &&
			  blk_p[b][0] == s_exp[t * 2] && blk_p[b][1] == s_exp[t * 2 + 1];
		for (int k = 2; k < RFX_CLS_N_PROB_PORTS; ++k)
			ok = ok && blk_p[b][k] == 0.0f;
		if (!ok && !bad)
			fprintf(stderr, "block %d (end %zu): class %g conf %.9g p %.9g %.9g, expected %d "
				"%.9g %.9g\n", b, end, blk_class[b], blk_conf[b], blk_p[b][0], blk_p[b][1],
				win_exp[t], s_exp[t * 2], s_exp[t * 2 + 1]);
		bad += !ok;
	}
	return bad;
}

/* The events in ev_got within [from, to) equal ev_exp[e0, n_exp). */
static bool events_match(size_t from, size_t to, size_t e0, size_t *n_in_range)
{
	size_t g = 0, k = e0;
	bool ok = true;
	for (size_t i = 0; i < n_got; ++i) {
		if (ev_got[i].frame < from || ev_got[i].frame >= to)
			continue;
		g++;
		if (k >= n_exp || memcmp(&ev_got[i], &ev_exp[k], sizeof(MidiEv)) != 0) {
			if (ok)
				fprintf(stderr, "event %zu: %llu %02x %u %u, expected %llu %02x %u %u\n", i,
					(unsigned long long)ev_got[i].frame, ev_got[i].status, ev_got[i].note,
					ev_got[i].vel, k < n_exp ? (unsigned long long)ev_exp[k].frame : 0ull,
					k < n_exp ? ev_exp[k].status : 0, k < n_exp ? ev_exp[k].note : 0,
					k < n_exp ? ev_exp[k].vel : 0);
			ok = false;
		}
		k++;
	}
	*n_in_range = g;
	return ok && k == n_exp;
}

/* Every note-on finds nothing sounding, every note-off ends the sounding note, frames in order. */
static bool events_paired(int *sounding_at_end)
{
	int sounding = -1;
	uint64_t last = 0;
	for (size_t i = 0; i < n_got; ++i) {
		const MidiEv *e = &ev_got[i];
		if (e->frame < last)
			return false;
		last = e->frame;
		if (e->status == 0x90) {
			if (sounding >= 0)
				return false;
			sounding = e->note;
		} else {
			if (e->note != sounding)
				return false;
			sounding = -1;
		}
	}
	*sounding_at_end = sounding;
	return true;
}

/* silence, a loud 440 Hz sine with NaN/Inf sprinkled in, silence. */
static void fill_cls_signal(size_t n_quiet, size_t n_loud, size_t n_after)
{
	for (size_t i = 0; i < n_quiet; ++i)
		sig_in[i] = 0.0f;
	for (size_t i = 0; i < n_loud; ++i)
		sig_in[n_quiet + i] = 0.5f * sinf(2.0f * (float)M_PI * 440.0f * (float)i / (float)RATE);
	for (size_t i = 997; i < n_loud; i += 997)
		sig_in[n_quiet + i] = (i / 997) % 2 ? NAN : INFINITY;
	for (size_t i = 0; i < n_after; ++i)
		sig_in[n_quiet + n_loud + i] = 0.0f;
}

static float cls_s_exp[2 << 17];
static int cls_win_exp[1 << 17];

static void case_classifier(bool threaded)
{
	char name[200];
	snprintf(name, sizeof name, "classifier (%s): audio exact, ports, switch latency, MIDI, "
		 "labels, refusals, swap, bypass, deactivate", threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *m = load_model(path_cls_known);
	Host *h = host_new_cls(threaded, RATE);
	host_activate(h);
	n_got = n_exp = 0;
	midi_malformed = 0;
	const float coef = rfx_cls_smooth_coef(RATE, h->smoothing);
	const int base = (int)h->base_note;
	const size_t quiet = 12000, loud = 24000, after = 24000, total = quiet + loud + after;
	fill_cls_signal(quiet, loud, after);
	int nb = 0;
	cls_run(h, 0, total, path_cls_known, threaded, &nb);
	RT_CHECK(memcmp(sig_out, sig_in, total * sizeof(float)) == 0,
		 "audio out differs from audio in (bit for bit)");
	RT_CHECK(h->latency == 0.0f, "latency %g", h->latency);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0 && start < (long)quiet, "the classifier never ran (status %g), from %ld",
		 h->status, start);
	if (start < 0) {
		host_free(h);
		rfx_model_free(m);
		return;
	}
	bool announced = false;
	for (int b = 0; b < nb; ++b)
		announced = announced || blk_labels[b];
	RT_CHECK(announced, "no labels on notify after the load");

	ClsRef ref;
	clsref_init(&ref, m);
	size_t bad = clsref_check(&ref, (size_t)start, total, 0, nb, coef, h->threshold, base,
				  cls_s_exp, cls_win_exp);
	RT_CHECK(bad == 0, "%zu blocks' ports differ from the replayed dsp probabilities", bad);
	size_t n_range;
	RT_CHECK(events_match(0, total, 0, &n_range), "MIDI differs from the replay (%zu got, %zu "
		 "expected)", n_range, n_exp);
	/* Known behaviour: class 0 on silence, 1 within 50 ms of the loud onset, 0 again within
	 * 100 ms of its end. */
	size_t t1 = quiet, t0 = quiet + loud;
	while (t1 < total && cls_win_exp[t1] != 1)
		t1++;
	while (t0 < total && cls_win_exp[t0] != 0)
		t0++;
	RT_CHECK(cls_win_exp[quiet - 1] == 0, "class %d on silence", cls_win_exp[quiet - 1]);
	RT_CHECK(t1 - quiet <= (size_t)(0.050 * RATE), "silence -> loud: class 1 after %zu samples",
		 t1 - quiet);
	RT_CHECK(t0 - quiet - loud <= (size_t)(0.100 * RATE), "loud -> silence: class 0 after %zu "
		 "samples", t0 - quiet - loud);
	printf("classifier switch latency: silence->loud %.1f ms, loud->silence %.1f ms; %zu MIDI "
	       "events\n", 1000.0 * (double)(t1 - quiet) / RATE,
	       1000.0 * (double)(t0 - quiet - loud) / RATE, n_got);
	RT_CHECK(blk_class[nb - 1] == 0.0f, "class %g at the end", blk_class[nb - 1]);

	/* patch:Get: the path and the labels (a comma inside a label reads ';'). */
	h->notified[0] = h->labels[0] = '\0';
	float z[1] = {0}, zo[1];
	host_run(h, z, zo, 0, NULL, true);
	RT_CHECK(!strcmp(h->notified, path_cls_known), "patch:Get answered path '%s'", h->notified);
	RT_CHECK(!strcmp(h->labels, "silence,loud;tone"), "labels '%s'", h->labels);

	/* Refusals keep the classifier running: an effect model (status 4), a classifier trained at
	 * 44.1 kHz (status 3), a missing file (status 2). The reference just continues. */
	const char *refused[] = {path_a, path_cls_44k, path_missing};
	const char *logs[] = {"an effect model", "rate mismatch", "cannot load model"};
	const float statuses[] = {4.0f, 3.0f, 2.0f};
	size_t pos = total;
	for (int k = 0; k < 3; ++k) {
		log_clear();
		size_t len = 9000;
		fill_cls_signal(0, k == 1 ? len : 0, k == 1 ? 0 : len);
		memmove(sig_in + pos, sig_in, len * sizeof(float));
		int b0 = nb;
		size_t e0 = n_exp;
		cls_run(h, pos, pos + len, refused[k], true, &nb);
		RT_CHECK(h->status == statuses[k], "status %g after %s", h->status, refused[k]);
		RT_CHECK(log_contains(logs[k]), "log lacks '%s': %s", logs[k], log_text);
		bad = clsref_check(&ref, pos, pos + len, b0, nb, coef, h->threshold, base, cls_s_exp,
				   cls_win_exp);
		RT_CHECK(bad == 0, "after refusing %s: %zu blocks differ", refused[k], bad);
		RT_CHECK(events_match(pos, pos + len, e0, &n_range), "MIDI after refusing %s",
			 refused[k]);
		RT_CHECK(memcmp(sig_out + pos, sig_in + pos, len * sizeof(float)) == 0,
			 "audio not bit-exact");
		pos += len;
	}

	/* Loud, then a swap (the same file again) while class 1 sounds: a note-off at the first
	 * frame the new model runs, then the new model from a fresh start. */
	int sounding = -1;
	{
		size_t len = 6000;
		fill_cls_signal(0, len, 0);
		memmove(sig_in + pos, sig_in, len * sizeof(float));
		cls_run(h, pos, pos + len, NULL, false, &nb);
		pos += len;
		RT_CHECK(h->cls_class == 1.0f, "class %g on the loud part", h->cls_class);
		RT_CHECK(events_paired(&sounding) && sounding == base + 1, "sounding %d", sounding);
		fill_cls_signal(0, len, 0);
		memmove(sig_in + pos, sig_in, len * sizeof(float));
		size_t g0 = n_got;
		int b0 = nb;
		cls_run(h, pos, pos + len, path_cls_known, true, &nb);
		int adopt = -1;
		for (int b = b0; b < nb && adopt < 0; ++b)
			if (blk_labels[b])
				adopt = b;
		while (adopt >= 0 && adopt < nb && block_len[adopt] == 0)
			adopt++;
		RT_CHECK(adopt >= 0 && adopt < nb, "the swap never happened");
		if (adopt >= 0 && adopt < nb) {
			const uint64_t f = block_start[adopt];
			RT_CHECK(g0 < n_got && ev_got[g0].frame == f && ev_got[g0].status == 0x80 &&
					 ev_got[g0].note == base + 1,
				 "no note-off of %d at frame %llu of the swap", base + 1,
				 (unsigned long long)f);
			/* The new model from its fresh start: exact again. */
			ClsRef ref2;
			clsref_init(&ref2, m);
			ref2.sounding = -1;
			n_exp = 0;
			ev_exp[n_exp++] = (MidiEv){f, 0x80, (uint8_t)(base + 1), 0};
			bad = clsref_check(&ref2, (size_t)f, pos + len, adopt, nb, coef, h->threshold,
					   base, cls_s_exp, cls_win_exp);
			RT_CHECK(bad == 0, "after the swap: %zu blocks differ", bad);
			RT_CHECK(events_match(f, pos + len, 0, &n_range), "MIDI after the swap");
			rfx_stream_destroy(ref2.st);
		}
		pos += len;
	}

	/* Bypass: the note ends, class -1, probabilities 0, audio still passes. */
	{
		size_t len = 3000;
		fill_cls_signal(0, 2 * len, 0);
		memmove(sig_in + pos, sig_in, 2 * len * sizeof(float));
		h->enabled = 0.0f;
		cls_run(h, pos, pos + len, NULL, false, &nb);
		RT_CHECK(events_paired(&sounding) && sounding < 0, "a note sounds while bypassed (%d)",
			 sounding);
		RT_CHECK(h->cls_class == -1.0f && h->confidence == 0.0f && h->p[0] == 0.0f &&
				 h->p[1] == 0.0f,
			 "bypassed: class %g confidence %g p %g %g", h->cls_class, h->confidence,
			 h->p[0], h->p[1]);
		RT_CHECK(memcmp(sig_out + pos, sig_in + pos, len * sizeof(float)) == 0,
			 "bypassed audio not bit-exact");
		pos += len;
		h->enabled = 1.0f;
		cls_run(h, pos, pos + len, NULL, false, &nb);
		pos += len;
		RT_CHECK(h->cls_class == 1.0f, "re-enabled: class %g", h->cls_class);
	}
	/* deactivate/activate: the sounding note ends at frame 0 of the next run. */
	RT_CHECK(events_paired(&sounding) && sounding == base + 1, "before deactivate: %d", sounding);
	lilv_instance_deactivate(h->inst);
	lilv_instance_activate(h->inst);
	size_t g0 = n_got;
	cls_run(h, pos, pos + 64, NULL, false, &nb);
	RT_CHECK(g0 < n_got && ev_got[g0].status == 0x80 && ev_got[g0].frame == pos,
		 "no note-off after deactivate");
	pos += 64;
	RT_CHECK(events_paired(&sounding), "MIDI not paired");
	RT_CHECK(midi_malformed == 0, "%zu malformed MIDI events: %s", midi_malformed, midi_problem);
	rfx_stream_destroy(ref.st);
	host_free(h);
	rfx_model_free(m);
}

static void case_classifier_state(bool restore_worker)
{
	char name[160];
	snprintf(name, sizeof name, "classifier state: save, delete the model file, restore (%s): the "
		 "same ports and MIDI", restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/cls-state-%d.json", dir, restore_worker);
	snprintf(state_dir, sizeof state_dir, "%s/cls-state-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	write_energy_classifier(model_path, RATE);
	RfxModel *m = load_model(model_path);

	Host *h1 = host_new_cls(true, RATE);
	h1->threshold = 0.7f;
	h1->smoothing = 5.0f;
	h1->base_note = 36.0f;
	host_activate(h1);
	fill_cls_signal(2000, 2000, 2000);
	int nb = 0;
	n_got = n_exp = 0;
	cls_run(h1, 0, 6000, model_path, true, &nb);
	RT_CHECK(h1->status == 1.0f, "status %g", h1->status);
	worker_wait_idle(h1->worker);
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(cls_plugin, h1->inst, &map, NULL, NULL,
							state_dir, state_dir, get_port_value, h1,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
							sfeat);
	RT_CHECK(state != NULL, "lilv_state_new_from_instance failed");
	if (!state) {
		host_free(h1);
		rfx_model_free(m);
		return;
	}
	int rc = lilv_state_save(world, &map, &unmap, state, NULL, state_dir, "state.ttl");
	RT_CHECK(rc == 0, "lilv_state_save: %d", rc);
	lilv_state_free(state);
	host_free(h1);
	RT_CHECK(file_contains(state_file, "modelBase64"), "state.ttl has no embedded model");
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	LilvState *loaded = lilv_state_new_from_file(world, &map, NULL, state_file);
	RT_CHECK(loaded != NULL, "lilv_state_new_from_file failed");
	if (!loaded) {
		rfx_model_free(m);
		return;
	}
	Host *h2 = host_new_cls(true, RATE);
	const LV2_Feature *rfeat_w[] = {&f_map, &f_unmap, &f_log, &h2->f_schedule, NULL};
	const LV2_Feature *rfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	lilv_state_restore(loaded, h2->inst, set_port_value, h2, 0, restore_worker ? rfeat_w : rfeat);
	lilv_state_free(loaded);
	RT_CHECK(h2->threshold == 0.7f && h2->smoothing == 5.0f && h2->base_note == 36.0f,
		 "controls restored as %g %g %g", h2->threshold, h2->smoothing, h2->base_note);
	host_activate(h2);
	if (restore_worker)
		worker_wait_idle(h2->worker);
	const size_t total = 30000;
	fill_cls_signal(5000, 15000, 10000);
	nb = 0;
	n_got = n_exp = 0;
	cls_run(h2, 0, total, NULL, false, &nb);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "restored classifier never active (status %g, log: %s)", h2->status,
		 log_text);
	if (start >= 0) {
		ClsRef ref;
		clsref_init(&ref, m);
		size_t bad = clsref_check(&ref, (size_t)start, total, 0, nb,
					  rfx_cls_smooth_coef(RATE, 5.0f), 0.7f, 36, cls_s_exp,
					  cls_win_exp);
		RT_CHECK(bad == 0, "%zu blocks differ from the reference", bad);
		size_t n_range;
		RT_CHECK(events_match(0, total, 0, &n_range) && n_range >= 3,
			 "MIDI differs from the reference (%zu events)", n_range);
		rfx_stream_destroy(ref.st);
	}
	host_free(h2);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ state: what lilv stores */
/* The state key the plugin stores its model under: base64 (RFC 4648) of the model's JSON text, so
 * no character of the model (labels, name) meets Turtle's escaping. The old key, the JSON text
 * itself, is still read. */
#define KEY_MODEL_BASE64 "https://rnnfx.org/plugins/rnnfx#modelBase64"
#define KEY_MODEL_DATA_OLD "https://rnnfx.org/plugins/rnnfx#modelData"

/* A stand-in instance for lilv's state API: restore() records one property as lilv hands it over
 * (what a host read back from state.ttl), save() stores the properties it is given (a state as an
 * earlier plugin version wrote it). */
typedef struct {
	const char *key;      /* restore: the property to record */
	char *value;          /* restore: a copy of its value, NUL added; NULL when absent */
	size_t size;
	uint32_t type;
	const char *save_key; /* save: one string property to store */
	const char *save_value;
} Probe;

static LV2_State_Status probe_save(LV2_Handle instance, LV2_State_Store_Function store,
				   LV2_State_Handle handle, uint32_t flags,
				   const LV2_Feature *const *features)
{
	(void)flags;
	(void)features;
	Probe *p = instance;
	if (!p->save_key)
		return LV2_STATE_SUCCESS;
	return store(handle, map_uri(NULL, p->save_key), p->save_value, strlen(p->save_value) + 1,
		     map_uri(NULL, LV2_ATOM__String), LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static LV2_State_Status probe_restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
				      LV2_State_Handle handle, uint32_t flags,
				      const LV2_Feature *const *features)
{
	(void)flags;
	(void)features;
	Probe *p = instance;
	size_t size = 0;
	uint32_t type = 0, vflags = 0;
	const void *v = retrieve(handle, map_uri(NULL, p->key), &size, &type, &vflags);
	free(p->value);
	p->value = NULL;
	p->size = 0;
	p->type = type;
	if (v) {
		p->value = malloc(size + 1);
		memcpy(p->value, v, size);
		p->value[size] = '\0';
		p->size = size;
	}
	return LV2_STATE_SUCCESS;
}

static const void *probe_extension_data(const char *uri)
{
	static const LV2_State_Interface iface = {probe_save, probe_restore};
	return !strcmp(uri, LV2_STATE__interface) ? &iface : NULL;
}

static const LV2_Descriptor probe_descriptor = {
	RFX_PLUGIN_URI, NULL, NULL, NULL, NULL, NULL, NULL, probe_extension_data,
};

/* The value of `key` in the state file, as lilv gives it to a plugin's restore(). */
static bool probe_read(const char *state_file, const char *key, Probe *p)
{
	LilvState *st = lilv_state_new_from_file(world, &map, NULL, state_file);
	if (!st)
		return false;
	memset(p, 0, sizeof *p);
	p->key = key;
	LilvInstance inst = {&probe_descriptor, p, NULL};
	lilv_state_restore(st, &inst, NULL, NULL, 0, NULL);
	lilv_state_free(st);
	return true;
}

/* RFC 4648 base64, strict: the alphabet, '=' padding only at the end, length a multiple of 4.
 * Returns a malloc'd NUL-terminated copy of the bytes, or NULL. */
static char *b64_decode(const char *s, size_t n, size_t *out_len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n % 4)
		return NULL;
	char *out = malloc(n / 4 * 3 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (int k = 0; k < 4; ++k) {
			const char c = s[i + (size_t)k];
			const char *at = c ? strchr(al, c) : NULL;
			if (c == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '='))
				pad++;
			else if (!at || pad) {
				free(out);
				return NULL;
			}
			v = v << 6 | (uint32_t)(at ? at - al : 0);
		}
		out[len++] = (char)(v >> 16);
		if (pad < 2)
			out[len++] = (char)(v >> 8 & 0xff);
		if (pad < 1)
			out[len++] = (char)(v & 0xff);
	}
	out[len] = '\0';
	*out_len = len;
	return out;
}

/* The model the plugin embedded in a saved state.ttl (checked to be base64 in an atom:String),
 * or NULL; *stored = the stored value's size in bytes. */
static RfxModel *embedded_model(const char *state_file, size_t *stored)
{
	Probe p;
	*stored = 0;
	if (!probe_read(state_file, KEY_MODEL_BASE64, &p) || !p.value)
		return NULL;
	*stored = p.size;
	RfxModel *m = NULL;
	size_t len = 0;
	char *json = p.type == map_uri(NULL, LV2_ATOM__String) && p.size > 0
			     ? b64_decode(p.value, strlen(p.value), &len)
			     : NULL;
	char detail[256];
	if (json && rfx_model_load_string(json, len, &m, detail, sizeof detail) != RFX_OK)
		fprintf(stderr, "lv2host: the embedded model does not load: %s\n", detail);
	free(json);
	free(p.value);
	return m;
}

/* Saves h's state with lilv into state_dir/state.ttl, as a host does (link_dir = the state dir). */
static bool save_state(const LilvPlugin *p, LilvInstance *inst, Host *h, const char *state_dir)
{
	const LV2_Feature *sfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	LilvState *state = lilv_state_new_from_instance(p, inst, &map, NULL, NULL, state_dir,
							state_dir, get_port_value, h,
							LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
							sfeat);
	if (!state)
		return false;
	int rc = lilv_state_save(world, &map, &unmap, state, NULL, state_dir, "state.ttl");
	lilv_state_free(state);
	return rc == 0;
}

/* Loads state_file with lilv and restores it into h (its worker in restore's features or not).
 * False when lilv cannot read the file back. */
static bool restore_state(const char *state_file, Host *h, bool restore_worker)
{
	LilvState *loaded = lilv_state_new_from_file(world, &map, NULL, state_file);
	if (!loaded)
		return false;
	const LV2_Feature *rfeat_w[] = {&f_map, &f_unmap, &f_log, &h->f_schedule, NULL};
	const LV2_Feature *rfeat[] = {&f_map, &f_unmap, &f_log, NULL};
	lilv_state_restore(loaded, h->inst, set_port_value, h, 0, restore_worker ? rfeat_w : rfeat);
	lilv_state_free(loaded);
	return true;
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Runs sig_in through a freshly restored effect h and compares with model m heard from the first
 * block whose status is 1 (from 0 when restored without a worker). */
static void check_restored_effect(Host *h, const RfxModel *m, bool restore_worker, float out_db)
{
	host_activate(h);
	size_t total = 30000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, NULL, h->worker->threaded);
	long start = first_with_status(nb, 1.0f);
	(void)restore_worker; /* restore() loads in its caller's thread either way */
	RT_CHECK(start == 0, "restored model heard from %ld, not 0 (status %g, log: %s)", start,
		 h->status, log_text);
	if (start >= 0) {
		const float go = out_db == 0.0f ? 1.0f : powf(10.0f, out_db / 20.0f);
		expected_output_fade(m, total, start, 1.0f, go, 1.0f, false, sig_exp);
		size_t first;
		size_t bad = count_mismatch(sig_out, sig_exp, 0, total, &first);
		RT_CHECK(bad == 0, "%zu samples differ from the reference, first at %zu", bad, first);
	}
}

/* Strings that break a Turtle long literal written without escaping: a UNC path, TeX-like
 * escapes, tab, newline, quotes, triple quotes, a trailing quote and backslash, non-ASCII. */
static const char hostile_name[] =
	"\\\\server\\share\\amp.json \\tx \t\"q\" \"\"\" '''\nline 2 \xc3\xbc \xe2\x9c\x93 \xe3\x82\xae\\\"";
static const char *const hostile_meta[][2] = {
	{"unc", "\\\\server\\share"},
	{"tab", "\tx"},
	{"newline", "a\nb"},
	{"quotes", "\"\"\" \" ''' \\\""},
	{"utf8", "Gitarrenverst\xc3\xa4rker \xe2\x80\x94 \xe3\x82\xae\xe3\x82\xbf\xe3\x83\xbc"},
};
static const char *const hostile_labels[2] = {
	"\\\\srv\\share \\s \t\"q\"\"\"",            /* a comma-free one */
	"a\nb, \"\"\" \xc3\xbc \xe2\x9c\x93\\",       /* with a comma: notified as ';' */
};

static char *hostile_metadata(void)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(hostile_name));
	for (size_t i = 0; i < sizeof hostile_meta / sizeof hostile_meta[0]; ++i)
		json_object_set_new(o, hostile_meta[i][0], json_string(hostile_meta[i][1]));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* The name kept in an embedded model's metadata, or NULL. */
static char *metadata_name(const RfxModel *m)
{
	if (!m->metadata)
		return NULL;
	json_t *v = json_loads(m->metadata, 0, NULL);
	json_t *n = json_object_get(v, "name");
	char *s = json_is_string(n) ? strdup(json_string_value(n)) : NULL;
	json_decref(v);
	return s;
}

static void case_state_hostile(bool restore_worker)
{
	char name[200];
	snprintf(name, sizeof name, "state with hostile strings (backslashes, tab, newline, quotes, "
		 "\"\"\", UTF-8) in metadata: saved, read back by lilv, restored (%s)",
		 restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/hostile-%d.json", dir, restore_worker);
	snprintf(state_dir, sizeof state_dir, "%s/state-hostile-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_model(RFX_CELL_GRU, 10, 1, 31, RATE);
	char *meta = hostile_metadata();
	if (rfx_model_set_metadata(m, meta) != RFX_OK)
		abort();
	free(meta);
	save_model(m, model_path);

	Host *h1 = host_new(true);
	host_activate(h1);
	fill_input(sig_in, 10000, 0.5f);
	int nb = run_blocks(h1, 10000, model_path, true);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model never active in the first instance");
	worker_wait_idle(h1->worker);
	RT_CHECK(save_state(plugin, h1->inst, h1, state_dir), "saving the state failed");
	host_free(h1);
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	size_t stored = 0;
	RfxModel *em = embedded_model(state_file, &stored);
	RT_CHECK(em != NULL, "no model embedded under %s that loads (lilv reads the file: %s)",
		 KEY_MODEL_BASE64, lilv_state_new_from_file(world, &map, NULL, state_file) ? "yes" : "no");
	if (em) {
		char *n = metadata_name(em);
		RT_CHECK(n && !strcmp(n, hostile_name), "the embedded name came back as '%s'",
			 n ? n : "(none)");
		free(n);
		rfx_model_free(em);
	}

	Host *h2 = host_new(true);
	log_clear();
	RT_CHECK(restore_state(state_file, h2, restore_worker),
		 "lilv cannot read the saved state.ttl back");
	check_restored_effect(h2, m, restore_worker, 0.0f);
	RT_CHECK(!log_contains("unusable"), "log: %s", log_text);
	host_free(h2);
	rfx_model_free(m);
}

static void case_classifier_state_hostile(bool restore_worker)
{
	char name[200];
	snprintf(name, sizeof name, "classifier state with hostile labels and metadata: saved, read "
		 "back by lilv, restored (%s)", restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/cls-hostile-%d.json", dir, restore_worker);
	snprintf(state_dir, sizeof state_dir, "%s/cls-state-hostile-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_energy_classifier(RATE);
	for (int k = 0; k < 2; ++k)
		snprintf(m->labels[k], RFX_MAX_LABEL, "%s", hostile_labels[k]);
	char *meta = hostile_metadata();
	if (rfx_model_set_metadata(m, meta) != RFX_OK)
		abort();
	free(meta);
	save_model(m, model_path);
	/* What the plugin announces: the labels joined by ',', a comma inside one as ';'. */
	char want[300];
	snprintf(want, sizeof want, "%s,%s", hostile_labels[0], hostile_labels[1]);
	for (char *c = want + strlen(hostile_labels[0]) + 1; *c; ++c)
		if (*c == ',')
			*c = ';';

	Host *h1 = host_new_cls(true, RATE);
	host_activate(h1);
	fill_cls_signal(2000, 2000, 2000);
	int nb = 0;
	n_got = n_exp = 0;
	cls_run(h1, 0, 6000, model_path, true, &nb);
	RT_CHECK(h1->status == 1.0f, "status %g", h1->status);
	worker_wait_idle(h1->worker);
	RT_CHECK(save_state(cls_plugin, h1->inst, h1, state_dir), "saving the state failed");
	host_free(h1);
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	size_t stored = 0;
	RfxModel *em = embedded_model(state_file, &stored);
	RT_CHECK(em != NULL, "no model embedded under %s that loads", KEY_MODEL_BASE64);
	if (em) {
		for (int k = 0; k < 2; ++k)
			RT_CHECK(!strcmp(em->labels[k], hostile_labels[k]), "label %d came back as '%s'", k,
				 em->labels[k]);
		rfx_model_free(em);
	}

	Host *h2 = host_new_cls(true, RATE);
	log_clear();
	RT_CHECK(restore_state(state_file, h2, restore_worker),
		 "lilv cannot read the saved state.ttl back");
	host_activate(h2);
	if (restore_worker)
		worker_wait_idle(h2->worker);
	const size_t total = 30000;
	fill_cls_signal(5000, 15000, 10000);
	nb = 0;
	n_got = n_exp = 0;
	cls_run(h2, 0, total, NULL, false, &nb);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "restored classifier never active (status %g, log: %s)", h2->status,
		 log_text);
	if (start >= 0) {
		ClsRef ref;
		clsref_init(&ref, m);
		size_t bad = clsref_check(&ref, (size_t)start, total, 0, nb,
					  rfx_cls_smooth_coef(RATE, h2->smoothing), h2->threshold,
					  (int)h2->base_note, cls_s_exp, cls_win_exp);
		RT_CHECK(bad == 0, "%zu blocks differ from the reference", bad);
		rfx_stream_destroy(ref.st);
	}
	h2->labels[0] = '\0';
	float z[1] = {0}, zo[1];
	host_run(h2, z, zo, 0, NULL, true);
	RT_CHECK(!strcmp(h2->labels, want), "labels '%s', expected '%s'", h2->labels, want);
	host_free(h2);
	rfx_model_free(m);
}

/* 1 MB of metadata stays out of the state: the embedded model holds what runs it. */
static void case_state_small(void)
{
	rt_case("state of a model with 1 MB of metadata: the embedded model is small, restores exactly");
	char model_path[600], state_dir[600], state_file[700];
	snprintf(model_path, sizeof model_path, "%s/big-metadata.json", dir);
	snprintf(state_dir, sizeof state_dir, "%s/state-big-metadata", dir);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_model(RFX_CELL_LSTM, 8, 1, 41, RATE);
	const size_t meta_bytes = 1u << 20;
	char *blob = malloc(meta_bytes + 1);
	for (size_t i = 0; i < meta_bytes; ++i)
		blob[i] = (char)('a' + i % 26);
	blob[meta_bytes] = '\0';
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string("big metadata"));
	json_object_set_new(o, "training_log", json_string(blob));
	free(blob);
	char *meta = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (rfx_model_set_metadata(m, meta) != RFX_OK)
		abort();
	free(meta);
	save_model(m, model_path);
	const long model_file = file_size(model_path);

	Host *h1 = host_new(false);
	h1->out_gain = -2.0f;
	host_activate(h1);
	fill_input(sig_in, 10000, 0.5f);
	int nb = run_blocks(h1, 10000, model_path, false);
	RT_CHECK(first_with_status(nb, 1.0f) >= 0, "model never active in the first instance");
	RT_CHECK(save_state(plugin, h1->inst, h1, state_dir), "saving the state failed");
	host_free(h1);
	RT_CHECK(unlink(model_path) == 0, "cannot delete %s", model_path);

	/* The weights alone as JSON are about 13 bytes a float (4/3 of that in base64): for this
	 * model some 5 kB; 64 kB leaves room for any header, and is 1/16 of the metadata. */
	const long ttl = file_size(state_file);
	size_t stored = 0;
	RfxModel *em = embedded_model(state_file, &stored);
	printf("state of a model file of %ld bytes (1 MB metadata): state.ttl %ld bytes, embedded "
	       "model %zu bytes\n", model_file, ttl, stored);
	RT_CHECK(em != NULL, "no model embedded under %s", KEY_MODEL_BASE64);
	RT_CHECK(stored > 0 && stored < 65536, "embedded model %zu bytes", stored);
	RT_CHECK(ttl > 0 && ttl < 65536 + 4096, "state.ttl %ld bytes", ttl);
	if (em) {
		char *n = metadata_name(em);
		RT_CHECK(n && !strcmp(n, "big metadata"), "name '%s'", n ? n : "(none)");
		free(n);
		rfx_model_free(em);
	}
	Host *h2 = host_new(false);
	RT_CHECK(restore_state(state_file, h2, false), "lilv cannot read the state back");
	RT_CHECK(h2->out_gain == -2.0f, "out_gain restored as %g", h2->out_gain);
	check_restored_effect(h2, m, false, -2.0f);
	host_free(h2);
	rfx_model_free(m);
}

/* A state as earlier versions saved it: the model's JSON text under rnnfx:modelData. */
static void case_state_old_key(bool restore_worker)
{
	char name[160];
	snprintf(name, sizeof name, "a state saved by an earlier version (JSON under rnnfx:modelData, "
		 "no file) still restores (%s)", restore_worker ? "worker in restore" : "no worker in restore");
	rt_case(name);
	char state_dir[600], state_file[700];
	snprintf(state_dir, sizeof state_dir, "%s/state-old-%d", dir, restore_worker);
	snprintf(state_file, sizeof state_file, "%s/state.ttl", state_dir);
	RfxModel *m = make_model(RFX_CELL_GRU, 6, 2, 51, RATE);
	char *json = rfx_model_to_string(m);
	Probe p = {0};
	p.save_key = KEY_MODEL_DATA_OLD;
	p.save_value = json;
	LilvInstance inst = {&probe_descriptor, &p, NULL};
	Host dummy = {0};
	dummy.mix = dummy.enabled = 1.0f;
	RT_CHECK(save_state(plugin, &inst, &dummy, state_dir), "saving the old-style state failed");
	free(json);
	Host *h = host_new(true);
	log_clear();
	RT_CHECK(restore_state(state_file, h, restore_worker), "lilv cannot read the state back");
	check_restored_effect(h, m, restore_worker, 0.0f);
	host_free(h);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ refused paths */
/* A patch:Set path the plugin cannot take: status 2, a reason in the log, the model keeps playing
 * exactly. Too long (past the 2047 bytes that travel through the worker) and relative (a path
 * would be resolved against the host's working directory, which no user chose). */
static void case_refused_paths(bool threaded)
{
	char name[200];
	snprintf(name, sizeof name, "patch:Set of a path over 2047 bytes, of a relative path and of "
		 "a FIFO: refused with a reason, the model keeps running (%s worker)",
		 threaded ? "threaded" : "synchronous");
	rt_case(name);
	RfxModel *m = load_model(path_a);
	Host *h = host_new(threaded);
	host_activate(h);
	size_t total = 20000;
	fill_input(sig_in, total, 0.5f);
	int nb = run_blocks(h, total, path_a, threaded);
	long start = first_with_status(nb, 1.0f);
	RT_CHECK(start >= 0, "model A never active");
	if (start < 0) {
		host_free(h);
		rfx_model_free(m);
		return;
	}

	/* Paths: 2048 bytes and 5000 bytes ("/" then 'x'), and "b.json" with the working directory
	 * where b.json is (so the old behaviour would load it). */
	static char longp[2][5001];
	const size_t long_len[2] = {2048, 5000};
	for (int k = 0; k < 2; ++k) {
		longp[k][0] = '/';
		memset(longp[k] + 1, 'x', long_len[k] - 1);
		longp[k][long_len[k]] = '\0';
	}
	char cwd[1024];
	RT_CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
	RT_CHECK(chdir(dir) == 0, "chdir %s", dir);
	const char *paths[] = {longp[0], longp[1], "b.json", "./b.json", path_fifo};
	const char *why[] = {"longer than", "longer than", "not an absolute path",
			     "not an absolute path", "FIFO"};
	RfxStream *st = ref_stream(m);
	const size_t per = 6000, n_paths = sizeof paths / sizeof paths[0];
	fill_input(sig_in + total, n_paths * per, 0.5f);
	rfx_stream_process(st, sig_in + start, sig_exp + start,
			   (uint32_t)(total + n_paths * per - (size_t)start));
	size_t pos = total;
	for (size_t k = 0; k < n_paths; ++k) {
		log_clear();
		host_run(h, sig_in + pos, sig_out + pos, 0, paths[k], false);
		worker_wait_idle(h->worker);
		for (size_t end = pos + per; pos < end;) {
			uint32_t n = random_block(512);
			if (n > end - pos)
				n = (uint32_t)(end - pos);
			host_run(h, sig_in + pos, sig_out + pos, n, NULL, false);
			pos += n;
		}
		RT_CHECK(h->status == 2.0f, "status %g after a path of %zu bytes ('%.20s')", h->status,
			 strlen(paths[k]), paths[k]);
		RT_CHECK(log_contains(why[k]), "log lacks '%s' for '%.20s': %s", why[k], paths[k],
			 log_text);
	}
	RT_CHECK(chdir(cwd) == 0, "chdir back");
	size_t first;
	size_t bad = count_mismatch(sig_out, sig_exp, total, pos, &first);
	RT_CHECK(bad == 0, "the model did not keep running: %zu differ from %zu", bad, first);
	rfx_stream_destroy(st);

	/* A path of exactly 2047 bytes to a real file is taken. */
	char p[2100];
	int n = snprintf(p, sizeof p, "%s", dir);
	while (n + 1 + 200 + 1 + 10 < 2047) { /* folders of 200 'd's while a file name still fits */
		p[n++] = '/';
		memset(p + n, 'd', 200);
		n += 200;
		p[n] = '\0';
		mkdir(p, 0755);
	}
	p[n++] = '/';
	memset(p + n, 'm', (size_t)(2047 - 5 - n));
	n = 2047 - 5;
	snprintf(p + n, sizeof p - (size_t)n, ".json");
	RT_CHECK(strlen(p) == 2047, "test path of %zu bytes", strlen(p));
	write_model(p, RFX_CELL_GRU, 8, 1, 1, RATE);
	log_clear();
	host_run(h, sig_in, sig_out, 64, p, false);
	worker_wait_idle(h->worker);
	for (int k = 0; k < 2; ++k) /* the response, then a run() that reports it */
		host_run(h, sig_in, sig_out, 64, NULL, false);
	RT_CHECK(h->status == 1.0f, "a path of 2047 bytes: status %g, log: %s", h->status, log_text);
	host_free(h);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ model_rate range */
/* The model format allows rates up to 1 MHz; a host at 192 kHz resamples a 1 MHz model (ratio
 * 5.2 < 16). The model_rate port must report it within the range the TTL declares. */
static void case_model_rate_range(void)
{
	rt_case("model_rate: a 1 MHz model at 192 kHz reads 1000000, inside the TTL's range");
	char path[600];
	snprintf(path, sizeof path, "%s/mhz.json", dir);
	write_model(path, RFX_CELL_GRU, 4, 1, 61, 1e6);
	Host *h = host_new_at(false, 192000.0);
	host_activate(h);
	float buf[256] = {0}, out[256];
	host_run(h, buf, out, 64, path, false);
	for (int k = 0; k < 4; ++k)
		host_run(h, buf, out, 256, NULL, false);
	RT_CHECK(h->status == 3.0f, "status %g (log: %s)", h->status, log_text);
	RT_CHECK(h->model_rate == 1e6f, "model_rate %g", h->model_rate);
	const LilvPlugin *ps[2] = {plugin, cls_plugin};
	for (int k = 0; k < 2; ++k) {
		LilvNode *sym = lilv_new_string(world, "model_rate");
		const LilvPort *port = lilv_plugin_get_port_by_symbol(ps[k], sym);
		lilv_node_free(sym);
		LilvNode *def = NULL, *min = NULL, *max = NULL;
		if (port)
			lilv_port_get_range(ps[k], port, &def, &min, &max);
		const float hi = max ? lilv_node_as_float(max) : -1.0f;
		const float lo = min ? lilv_node_as_float(min) : 1.0f;
		RT_CHECK(lo <= 0.0f && hi >= 1e6f, "%s: model_rate range %g .. %g, models go to 1000000",
			 k ? "classifier" : "effect", lo, hi);
		if (k == 0)
			RT_CHECK(h->model_rate <= hi, "model_rate %g above the TTL's maximum %g",
				 h->model_rate, hi);
		lilv_node_free(def);
		lilv_node_free(min);
		lilv_node_free(max);
	}
	host_free(h);
}

/* ------------------------------------------------------------------ restore() that fails */

/* A state handed straight to the plugin's restore() (lilv_state_restore does not return its
 * status): up to two properties, each a NUL-terminated value of its type. */
typedef struct {
	LV2_URID key[2], type[2];
	const char *value[2];
} FakeState;

static const void *fake_retrieve(LV2_State_Handle handle, uint32_t key, size_t *size,
				 uint32_t *type, uint32_t *flags)
{
	const FakeState *s = handle;
	for (int i = 0; i < 2; ++i)
		if (s->value[i] && s->key[i] == key) {
			*size = strlen(s->value[i]) + 1;
			*type = s->type[i];
			*flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
			return s->value[i];
		}
	return NULL;
}

/* restore() of a state whose model cannot be used returns an error a host can act on, logs why,
 * sets the status port (2: load error; the classifier says 4 for an effect model) and keeps the
 * model that runs: h runs on bit for bit like a twin instance that never saw the state. */
static void case_restore_fails(bool cls)
{
	rt_case(cls ? "classifier restore() of an unusable model: an error status, status 4/2, a log "
		      "message, the classifier keeps running exactly"
		    : "restore() of an unusable model: an error status, status 2, a log message, the "
		      "model keeps running exactly");
	const char *good = cls ? path_cls : path_a;
	Host *h = cls ? host_new_cls(false, RATE) : host_new(false);
	Host *twin = cls ? host_new_cls(false, RATE) : host_new(false);
	host_activate(h);
	host_activate(twin);
	static float z[4096], o[4096], x[4096], y1[4096], y2[4096];
	host_run(h, z, o, 64, good, false);
	host_run(twin, z, o, 64, good, false);
	host_run(h, z, o, 4096, NULL, false);
	host_run(twin, z, o, 4096, NULL, false);
	RT_CHECK(h->status == 1.0f, "the model did not load first (status %g)", h->status);
	const LV2_State_Interface *iface =
		lilv_instance_get_extension_data(h->inst, LV2_STATE__interface);
	const LV2_URID path_t = h->uris.atom_Path, str_t = h->uris.atom_String;
	const LV2_URID model = h->uris.rfx_model, b64 = h->uris.rfx_modelBase64;
	const struct {
		const char *what;
		FakeState st;
		LV2_State_Status want;
		float status;
		const char *log;
	} bad[] = {
		{"a missing file", {{model}, {path_t}, {path_missing}}, LV2_STATE_ERR_UNKNOWN, 2.0f,
		 "cannot load model"},
		{"a FIFO (restore() must not block on it)", {{model}, {path_t}, {path_fifo}},
		 LV2_STATE_ERR_UNKNOWN, 2.0f, "FIFO"},
		{"a broken file", {{model}, {path_t}, {path_bad}}, LV2_STATE_ERR_UNKNOWN, 2.0f,
		 "cannot load model"},
		{"a model of the other kind", {{model}, {path_t}, {cls ? path_a : path_cls}},
		 LV2_STATE_ERR_UNKNOWN, cls ? 4.0f : 2.0f, "cannot load model"},
		{"a relative path", {{model}, {path_t}, {"models/a.json"}}, LV2_STATE_ERR_BAD_TYPE, 2.0f,
		 "not absolute"},
		{"a path of the wrong atom type", {{model}, {h->uris.atom_URID}, {path_a}},
		 LV2_STATE_ERR_BAD_TYPE, 2.0f, "not a NUL-terminated atom:Path"},
		{"a model that is not base64", {{b64}, {str_t}, {"not base64!"}}, LV2_STATE_ERR_BAD_TYPE,
		 2.0f, "not base64"},
		{"not base64 and a missing file", {{b64, model}, {str_t, path_t}, {"@@@@", path_missing}},
		 LV2_STATE_ERR_UNKNOWN, 2.0f, "cannot load model"},
	};
	size_t t = 4096 + 64;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
		log_clear();
		const LV2_State_Status got = iface->restore(lilv_instance_get_handle(h->inst),
							    fake_retrieve, (LV2_State_Handle)&bad[k].st,
							    0, NULL);
		RT_CHECK(got == bad[k].want, "%s: restore() returned %d, expected %d", bad[k].what,
			 (int)got, (int)bad[k].want);
		RT_CHECK(log_contains(bad[k].log), "%s: the log does not say '%s'", bad[k].what,
			 bad[k].log);
		fill_input(x, 4096, 0.7f);
		size_t same = 0;
		for (uint32_t off = 0; off < 4096; off += 512) {
			host_run(h, x + off, y1 + off, 512, NULL, false);
			host_run(twin, x + off, y2 + off, 512, NULL, false);
			if (off == 0)
				RT_CHECK(h->status == bad[k].status, "%s: status %g after restore, "
					 "expected %g", bad[k].what, h->status, bad[k].status);
		}
		if (cls) {
			same = h->cls_class == twin->cls_class && h->confidence == twin->confidence;
			RT_CHECK(!memcmp(x, y1, sizeof x), "%s: the audio did not pass through",
				 bad[k].what);
		} else {
			size_t first;
			same = count_mismatch(y1, y2, 0, 4096, &first) == 0;
		}
		RT_CHECK(same, "%s: the old model did not keep running exactly (from sample %zu)",
			 bad[k].what, t);
		t += 4096;
	}
	host_free(h);
	host_free(twin);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: LV2_PATH=... lv2host WORKDIR\n");
		return 2;
	}
	/* A plugin that blocks (on a FIFO, say) ends the run with SIGALRM instead of hanging it. */
	alarm(300);
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	rng = rt_seed();
	options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_PARAMETERS__sampleRate),
					  sizeof(float), map_uri(NULL, LV2_ATOM__Float), &opt_rate};
	options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_BUF_SIZE__maxBlockLength),
					  sizeof(int32_t), map_uri(NULL, LV2_ATOM__Int), &opt_block};
	options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};

	snprintf(path_a, sizeof path_a, "%s/a.json", dir);
	snprintf(path_b, sizeof path_b, "%s/b.json", dir);
	snprintf(path_c, sizeof path_c, "%s/c-44k.json", dir);
	snprintf(path_slow, sizeof path_slow, "%s/slow.json", dir);
	snprintf(path_bad, sizeof path_bad, "%s/broken.json", dir);
	snprintf(path_missing, sizeof path_missing, "%s/no-such-model.json", dir);
	snprintf(path_cls, sizeof path_cls, "%s/classifier.json", dir);
	/* A FIFO named as the model: opening it for reading would block until a writer came. */
	snprintf(path_fifo, sizeof path_fifo, "%s/model.fifo", dir);
	RT_CHECK(mkfifo(path_fifo, 0644) == 0 || errno == EEXIST, "mkfifo %s", path_fifo);
	write_model(path_a, RFX_CELL_GRU, 8, 1, 1, RATE);
	write_model(path_b, RFX_CELL_LSTM, 16, 2, 2, RATE);
	write_model(path_c, RFX_CELL_RNN, 6, 1, 3, 44100.0);
	write_model(path_slow, RFX_CELL_GRU, 4, 1, 4, 44100.0);
	write_text(path_bad, "{\"format\": \"rnnfx-model\", \"version\": 1, \"cell\": \"gru\"");
	{
		RfxModelSpec spec = {0};
		spec.cell = RFX_CELL_GRU;
		spec.n_layers = 1;
		spec.n_inputs = 1;
		spec.hidden = 4;
		spec.mode = RFX_MODE_CLASSIFIER;
		spec.n_outputs = 3;
		spec.sample_rate = RATE;
		RfxModel *m = NULL;
		char detail[256];
		if (rfx_model_new(&spec, &m) != RFX_OK ||
		    rfx_model_save_file(m, path_cls, detail, sizeof detail) != RFX_OK)
			abort();
		rfx_model_free(m);
	}

	snprintf(path_cls_known, sizeof path_cls_known, "%s/energy-classifier.json", dir);
	snprintf(path_cls_44k, sizeof path_cls_44k, "%s/energy-classifier-44k.json", dir);
	write_energy_classifier(path_cls_known, RATE);
	write_energy_classifier(path_cls_44k, 44100.0);

	world = lilv_world_new();
	lilv_world_load_all(world);
	LilvNode *uri = lilv_new_uri(world, RFX_PLUGIN_URI);
	plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
	lilv_node_free(uri);
	uri = lilv_new_uri(world, RFX_CLASSIFIER_URI);
	cls_plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
	lilv_node_free(uri);
	if (!plugin || !cls_plugin) {
		fprintf(stderr, "lv2host: %s not found through LV2_PATH=%s\n", RFX_PLUGIN_URI,
			getenv("LV2_PATH") ? getenv("LV2_PATH") : "(unset)");
		printf("0 passed, 1 failed\n");
		return 1;
	}

	case_no_model();
	case_exact(false, 0.0f, 0.0f, 1.0f, "patch:Set, synchronous worker: bit-exact with the dsp stream");
	case_exact(true, 0.0f, 0.0f, 1.0f, "patch:Set, threaded worker: bit-exact with the dsp stream");
	case_exact(true, -6.0f, 3.5f, 0.25f, "gains -6/+3.5 dB, mix 0.25 from the first block: exact");
	case_get_broken_rate();
	case_activate_mid_swap();
	case_knobs();
	case_state(false, true);
	case_state(true, true);
	case_state(false, false);
	case_dropped_response(true);
	case_dropped_response(false);
	case_nonfinite_bypass();
	case_resampling(false);
	case_resampling(true);
	case_swaps(true, 1000);
	case_swaps(false, 1000);
	case_classifier(false);
	case_classifier(true);
	case_classifier_state(true);
	case_classifier_state(false);
	case_state_hostile(true);
	case_state_hostile(false);
	case_classifier_state_hostile(true);
	case_classifier_state_hostile(false);
	case_state_small();
	case_state_old_key(true);
	case_state_old_key(false);
	case_refused_paths(true);
	case_refused_paths(false);
	case_model_rate_range();
	case_restore_fails(false);
	case_restore_fails(true);

#ifdef COUNT_ALLOCS
	rt_case("no allocation or free on the audio thread (run, work_response)");
	RT_CHECK(audio_allocs == 0 && audio_frees == 0, "%ld allocations, %ld frees", audio_allocs,
		 audio_frees);
	printf("audio-thread allocations: %ld, frees: %ld\n", audio_allocs, audio_frees);
#endif
	lilv_world_free(world);
	for (size_t i = 0; i < n_uris; ++i)
		free(uri_table[i]);
	free(uri_table);
	return rt_finish();
}
