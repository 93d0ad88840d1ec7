/* The lilv test host: features, worker, instances, the malloc interposer, state through lilv,
 * and the dsp reference and shared signals the cases compare with (host.h). */
#include "host.h"

#define MAX_BLOCK 4096

/* ------------------------------------------------------------------ allocation counting */
/* Every malloc/free made while `audio_thread` is set on the calling thread is counted. */
static __thread int audio_thread;

#if !defined(__SANITIZE_ADDRESS__)
long audio_allocs, audio_frees;
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
char **uri_table;
size_t n_uris;

LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
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

LV2_URID_Map map = {NULL, map_uri};
LV2_URID_Unmap unmap = {NULL, unmap_uri};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
char log_text[65536];
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

bool log_contains(const char *needle)
{
	pthread_mutex_lock(&log_lock);
	bool found = strstr(log_text, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

void log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_text[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

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
void worker_wait_idle(Worker *w)
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

LilvWorld *world;
const LilvPlugin *plugin, *cls_plugin;

LV2_Feature f_map = {LV2_URID__map, &map};
LV2_Feature f_unmap = {LV2_URID__unmap, &unmap};
LV2_Feature f_log = {LV2_LOG__log, &log_feature_data};
float opt_rate = (float)RATE;
int32_t opt_block = MAX_BLOCK;
LV2_Options_Option options[4];
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
Host *host_new_at(bool threaded, double rate)
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

Host *host_new(bool threaded)
{
	return host_new_at(threaded, RATE);
}

void host_activate(Host *h)
{
	lilv_instance_activate(h->inst);
}

/* Stops the worker after it finished every job, hands the last responses over, frees all. */
void host_free(Host *h)
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
Host *host_new_cls(bool threaded, double rate)
{
	Host *h = host_new_plugin(cls_plugin, threaded, rate);
	h->is_cls = true;
	h->smoothing = RFX_CLS_DEFAULT_SMOOTHING_MS;
	h->threshold = RFX_CLS_DEFAULT_THRESHOLD;
	h->base_note = RFX_CLS_DEFAULT_BASE_NOTE;
	h->note_length = RFX_CLS_DEFAULT_NOTE_LENGTH_MS;
	h->gate = RFX_CLS_DEFAULT_GATE_DB;
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
	lilv_instance_connect_port(i, RFX_CLS_PORT_NOTE_LENGTH, &h->note_length);
	lilv_instance_connect_port(i, RFX_CLS_PORT_GATE, &h->gate);
	for (int k = 0; k < RFX_CLS_N_PROB_PORTS; ++k)
		lilv_instance_connect_port(i, RFX_CLS_PORT_P0 + (uint32_t)k, &h->p[k]);
	return h;
}

/* One run() of n samples. `set_path` sends patch:Set rnnfx:model; `get` sends patch:Get (of
 * every parameter). in == out is allowed (in-place). The in/out/control/notify indices are the
 * same in both plugins. */
void host_run(Host *h, const float *in, float *out, uint32_t n, const char *set_path,
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
			lv2_atom_forge_urid(f, h->get_knobs ? h->uris.rfx_knobs : h->uris.rfx_model);
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
		if (prop && prop->type == h->uris.atom_URID &&
		    ((const LV2_Atom_URID *)prop)->body == h->uris.rfx_knobs && val &&
		    val->type == h->uris.atom_String)
			snprintf(h->knobs, sizeof h->knobs, "%s", (const char *)LV2_ATOM_BODY_CONST(val));
	}
}

/* ------------------------------------------------------------------ reference */
RfxModel *load_model(const char *path)
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
RfxStream *ref_stream(const RfxModel *m)
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
RfxRateStream *ref_rate_stream(const RfxModel *m, double rate)
{
	RfxRateStream *rs = NULL;
	if (rfx_rate_create(m, rate, RFX_RATE_QUALITY_DEFAULT, &rs, NULL, 0) != RFX_OK)
		abort();
	static float z[RFX_PLUGIN_PRERUN], o[RFX_PLUGIN_PRERUN];
	rfx_rate_process(rs, z, o, RFX_PLUGIN_PRERUN);
	return rs;
}

/* A random effect model (PyTorch's initialisation, seeded). */
RfxModel *make_model(RfxCellType cell, int hidden, int layers, uint64_t seed, double rate)
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

void save_model(const RfxModel *m, const char *path)
{
	char detail[256];
	if (rfx_model_save_file(m, path, detail, sizeof detail) != RFX_OK) {
		fprintf(stderr, "lv2host: cannot write %s: %s\n", path, detail);
		exit(1);
	}
}

void write_model(const char *path, RfxCellType cell, int hidden, int layers, uint64_t seed,
			double rate)
{
	RfxModel *m = make_model(cell, hidden, layers, seed, rate);
	save_model(m, path);
	rfx_model_free(m);
}

void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "lv2host: cannot write %s\n", path);
		exit(1);
	}
}

uint64_t rng;
float sig_in[1 << 17], sig_out[1 << 17], sig_exp[1 << 17];
uint32_t block_start[1 << 15], block_len[1 << 15];
float block_status[1 << 15];

void fill_input(float *x, size_t n, float amp)
{
	for (size_t i = 0; i < n; ++i)
		x[i] = rt_rand_uniform(&rng, -amp, amp);
}

uint32_t random_block(uint32_t max)
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
int run_blocks(Host *h, size_t total, const char *path, bool wait_after_first)
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
long first_with_status(int nb, float want)
{
	for (int b = 0; b < nb; ++b)
		if (block_status[b] == want && block_len[b] > 0)
			return (long)block_start[b];
	return -1;
}

/* The plugin's output for a model heard from sample `start` on, through the documented path:
 * wet = fade(identity -> model), y = go * (mix * wet + (1 - mix) * x). A model that was waiting
 * when the plugin was activated is heard at once: fade_in false. */
void expected_output_fade(const RfxModel *m, size_t total, long start, float gi, float go,
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

void expected_output(const RfxModel *m, size_t total, long start, float gi, float go,
			    float mix, float *y)
{
	expected_output_fade(m, total, start, gi, go, mix, true, y);
}

size_t count_mismatch(const float *a, const float *b, size_t from, size_t to, size_t *first)
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
char dir[512], path_a[600], path_b[600], path_c[600], path_bad[600], path_missing[600],
	path_slow[600], path_cls[600], path_fifo[600];

const void *get_port_value(const char *symbol, void *user, uint32_t *size, uint32_t *type)
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

void set_port_value(const char *symbol, void *user, const void *value, uint32_t size,
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

bool file_contains(const char *path, const char *needle)
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

/* Saves h's state with lilv into state_dir/state.ttl, as a host does (link_dir = the state dir). */
bool save_state(const LilvPlugin *p, LilvInstance *inst, Host *h, const char *state_dir)
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
bool restore_state(const char *state_file, Host *h, bool restore_worker)
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

long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}
