/* presethost — a small lilv host that applies the rnnfx effect's presets and its default state the
 * way hosts do, and checks what the plugin then plays.
 *
 *   LV2_PATH=<folder holding rnnfx.lv2>:/usr/lib/lv2 presethost
 *
 * Every preset lilv relates to the effect (lilv_plugin_get_related(plugin, pset:Preset)) and the
 * plugin's own default state (lilv_state_new_from_world on the plugin URI) is applied with
 * lilv_state_restore to a fresh instance, twice: once with a worker in restore's features and
 * once without (Ardour 7 on session load). restore() loads in its caller's thread either way and
 * the instance is activated afterwards, so the model is heard from the first sample, without a
 * cross-fade. The port values come back through the set_value callback.
 * Then 3 s of a plucked-string test signal runs in seeded random block sizes (0 and 1 included),
 * and the plugin's output must equal, bit for bit, the model file named in the preset's triples run
 * directly by the dsp library: rfx_model_load_file, rfx_stream_process on a stream that first ran
 * RFX_PLUGIN_PRERUN zeros (as the plugin settles it; tests/lv2/lv2host.c proves the patch:Set
 * path with its cross-fade). The status port must read 1 (ok), model_rate 48000,
 * latency 0, and the notify port must announce the preset's model path.
 *
 * Prints one line per preset ("PRESET <uri> <label> <model path>") for check-presets.sh, then
 * "N passed, N failed"; exits non-zero when a case failed.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/presets/presets.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "../../dsp/model.h"
#include "../../dsp/model_file.h"
#include "../../dsp/stream.h"
#include "../../plugin/rnnfx.h"
#include "../../plugin/uris.h"
#include "../harness.h"

#define RATE 48000.0
#define SECONDS 3
#define TOTAL ((size_t)48000 * SECONDS)
#define MAX_BLOCK 2048
#define ATOM_CAP 8192
#define N_MSG 64
#define MSG_MAX 1024

/* ------------------------------------------------------------------ URID map, log */
static char *uri_table[256];
static size_t n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
	(void)h;
	for (size_t i = 0; i < n_uris; ++i)
		if (!strcmp(uri_table[i], uri))
			return (LV2_URID)(i + 1);
	if (n_uris == sizeof uri_table / sizeof uri_table[0])
		return 0;
	uri_table[n_uris] = strdup(uri);
	return uri_table[n_uris] ? (LV2_URID)++n_uris : 0;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID urid)
{
	(void)h;
	return urid >= 1 && urid <= n_uris ? uri_table[urid - 1] : NULL;
}

static LV2_URID_Map map = {NULL, map_uri};
static LV2_URID_Unmap unmap = {NULL, unmap_uri};

/* The plugin's log goes to stderr, so a failing load says why in the test log. */
static int log_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt, va_list ap)
{
	(void)h;
	(void)type;
	fputs("plugin log: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = log_vprintf(h, type, fmt, ap);
	va_end(ap);
	return n;
}

static LV2_Log_Log log_data = {NULL, log_printf, log_vprintf};

/* ------------------------------------------------------------------ host */
/* A synchronous worker: schedule_work() runs work() at once; its responses wait in a queue until
 * the host hands them to work_response() after run(), as the worker extension asks. */
typedef struct {
	LilvInstance *inst;
	const LV2_Worker_Interface *iface;
	LV2_Worker_Schedule schedule;
	LV2_Feature f_schedule;
	uint32_t n_msg;
	uint32_t msg_size[N_MSG];
	uint8_t msg[N_MSG][MSG_MAX];
	bool overflow;

	/* Port buffers */
	float in_gain, out_gain, mix, enabled, latency, status, model_rate;
	float knob[4]; /* knob1..knob4: 0.5 until a preset sets them (a knob preset's model reads them) */
	union {
		LV2_Atom_Sequence seq;
		uint8_t bytes[ATOM_CAP];
	} control, notify;
	int set_calls[4]; /* set_value calls for in_gain, out_gain, mix, enabled */
	int bad_set;      /* set_value calls with an unknown symbol or a non-number */
	int output_sets;  /* set_value calls for output ports (ignored) */
	char notified[1024];
	RfxUris uris;
} Host;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
	Host *h = handle;
	if (h->n_msg == N_MSG || size > MSG_MAX) {
		h->overflow = true;
		return LV2_WORKER_ERR_NO_SPACE;
	}
	memcpy(h->msg[h->n_msg], data, size);
	h->msg_size[h->n_msg++] = size;
	return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
				       const void *data)
{
	Host *h = handle;
	return h->iface->work(lilv_instance_get_handle(h->inst), respond, h, size, data);
}

static void deliver(Host *h)
{
	/* A response may not schedule more work here, but stay safe if it does. */
	for (uint32_t i = 0; i < h->n_msg; ++i)
		h->iface->work_response(lilv_instance_get_handle(h->inst), h->msg_size[i], h->msg[i]);
	h->n_msg = 0;
}

static const char *const port_syms[4] = {"in_gain", "out_gain", "mix", "enabled"};

static float *port_ptr(Host *h, int k)
{
	float *p[4] = {&h->in_gain, &h->out_gain, &h->mix, &h->enabled};
	return p[k];
}

/* lilv_state_restore's port callback: the state's values, keyed by symbol. Numbers may come as
 * any atom number type (lilv gives an xsd:integer such as a plugin's `lv2:default 1` as an
 * atom:Int), as jalv and Ardour accept them. lilv also passes the lv2:default of output ports
 * when it makes the default state from the plugin's description; hosts ignore those. */
static void set_value(const char *symbol, void *user, const void *value, uint32_t size,
		      uint32_t type)
{
	Host *h = user;
	float v;
	if (type == map_uri(NULL, LV2_ATOM__Float) && size == sizeof(float)) {
		memcpy(&v, value, sizeof v);
	} else if (type == map_uri(NULL, LV2_ATOM__Double) && size == sizeof(double)) {
		double d;
		memcpy(&d, value, sizeof d);
		v = (float)d;
	} else if (type == map_uri(NULL, LV2_ATOM__Int) && size == sizeof(int32_t)) {
		int32_t i;
		memcpy(&i, value, sizeof i);
		v = (float)i;
	} else if (type == map_uri(NULL, LV2_ATOM__Long) && size == sizeof(int64_t)) {
		int64_t i;
		memcpy(&i, value, sizeof i);
		v = (float)i;
	} else {
		fprintf(stderr, "presethost: %s: value of type %s, size %u\n", symbol,
			unmap_uri(NULL, type) ? unmap_uri(NULL, type) : "?", size);
		h->bad_set++;
		return;
	}
	for (int k = 0; k < 4; ++k) {
		if (!strcmp(symbol, port_syms[k])) {
			*port_ptr(h, k) = v;
			h->set_calls[k]++;
			return;
		}
	}
	if (!strncmp(symbol, "knob", 4) && symbol[4] >= '1' && symbol[4] <= '4' && !symbol[5]) {
		h->knob[symbol[4] - '1'] = v;
		return;
	}
	if (!strcmp(symbol, "latency") || !strcmp(symbol, "status") || !strcmp(symbol, "model_rate")) {
		h->output_sets++;
		return;
	}
	fprintf(stderr, "presethost: value for an unknown port '%s'\n", symbol);
	h->bad_set++;
}

static LilvWorld *world;
static const LilvPlugin *plugin;
static LilvNode *n_model, *n_state, *n_label;

static LV2_Feature f_map = {LV2_URID__map, &map};
static LV2_Feature f_unmap = {LV2_URID__unmap, &unmap};
static LV2_Feature f_log = {LV2_LOG__log, &log_data};

static Host *host_new(void)
{
	Host *h = calloc(1, sizeof *h);
	if (!h)
		abort();
	h->schedule.handle = h;
	h->schedule.schedule_work = schedule_work;
	h->f_schedule.URI = LV2_WORKER__schedule;
	h->f_schedule.data = &h->schedule;
	const LV2_Feature *features[] = {&f_map, &f_unmap, &f_log, &h->f_schedule, NULL};
	h->inst = lilv_plugin_instantiate(plugin, RATE, features);
	if (!h->inst) {
		fprintf(stderr, "presethost: cannot instantiate the plugin\n");
		exit(1);
	}
	h->iface = lilv_instance_get_extension_data(h->inst, LV2_WORKER__interface);
	if (!h->iface) {
		fprintf(stderr, "presethost: the plugin has no worker interface\n");
		exit(1);
	}
	rfx_uris_map(&h->uris, &map);
	/* Not the defaults, so the preset's port values must arrive through set_value. */
	h->in_gain = 6.0f;
	h->out_gain = -9.0f;
	h->mix = 0.25f;
	h->enabled = 0.0f;
	h->status = h->model_rate = h->latency = -1.0f;
	LilvInstance *i = h->inst;
	lilv_instance_connect_port(i, RFX_PORT_CONTROL, &h->control);
	lilv_instance_connect_port(i, RFX_PORT_NOTIFY, &h->notify);
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

static void host_free(Host *h)
{
	deliver(h);
	lilv_instance_deactivate(h->inst);
	lilv_instance_free(h->inst);
	free(h);
}

/* One run() of n samples with an empty control sequence; remembers a patch:Set rnnfx:model
 * announced on notify. */
static void host_run(Host *h, const float *in, float *out, uint32_t n)
{
	h->control.seq.atom.type = h->uris.atom_Sequence;
	h->control.seq.atom.size = sizeof(LV2_Atom_Sequence_Body);
	h->control.seq.body.unit = 0;
	h->control.seq.body.pad = 0;
	h->notify.seq.atom.type = 0;
	h->notify.seq.atom.size = ATOM_CAP - sizeof(LV2_Atom);
	lilv_instance_connect_port(h->inst, RFX_PORT_IN, (void *)in);
	lilv_instance_connect_port(h->inst, RFX_PORT_OUT, out);
	lilv_instance_run(h->inst, n);
	deliver(h);
	if (h->notify.seq.atom.type != h->uris.atom_Sequence)
		return;
	LV2_ATOM_SEQUENCE_FOREACH (&h->notify.seq, ev) {
		const LV2_Atom_Object *o = (const LV2_Atom_Object *)&ev->body;
		if (ev->body.type != h->uris.atom_Object || o->body.otype != h->uris.patch_Set)
			continue;
		const LV2_Atom *prop = NULL, *val = NULL;
		lv2_atom_object_get(o, h->uris.patch_property, &prop, h->uris.patch_value, &val, 0);
		if (prop && prop->type == h->uris.atom_URID &&
		    ((const LV2_Atom_URID *)prop)->body == h->uris.rfx_model && val &&
		    val->type == h->uris.atom_Path)
			snprintf(h->notified, sizeof h->notified, "%s",
				 (const char *)LV2_ATOM_BODY_CONST(val));
	}
}

/* ------------------------------------------------------------------ signal, reference */
static uint64_t rng;
static float sig_in[TOTAL], sig_out[TOTAL], sig_exp[TOTAL];
static uint32_t block_start[TOTAL], block_len[TOTAL];
static float block_status[TOTAL];

/* Plucked-string-like notes: a few harmonics with an exponential decay, a new note every 0.25 s
 * cycling through an E-minor arpeggio, peaks near 0.6, plus a little seeded noise. */
static void make_signal(float *x, size_t n)
{
	static const double f0[] = {82.41, 123.47, 164.81, 196.00, 246.94, 329.63};
	const size_t note_len = (size_t)(RATE / 4);
	uint64_t s = 12345;
	for (size_t i = 0; i < n; ++i) {
		size_t k = i / note_len;
		double t = (double)(i % note_len) / RATE;
		double f = f0[k % 6];
		double v = 0.0;
		for (int hmn = 1; hmn <= 5; ++hmn)
			v += sin(2.0 * M_PI * f * hmn * t) / hmn;
		v *= 0.35 * exp(-t * 6.0);
		x[i] = (float)v + rt_rand_uniform(&s, -0.002f, 0.002f);
	}
}

static uint32_t random_block(void)
{
	uint32_t r = (uint32_t)(rt_rand_u64(&rng) % 8);
	if (r == 0)
		return 0;
	if (r == 1)
		return 1;
	return (uint32_t)(rt_rand_u64(&rng) % (MAX_BLOCK + 1));
}

/* The plugin's output when the model becomes audible at sample `start` with the gains at 0 dB
 * and mix 1: the identity before `start`, then (start > 0: a swap while playing) the 30 ms linear
 * fade identity -> model (the plugin's formula, in float), then the model alone. The model's stream first runs
 * RFX_PLUGIN_PRERUN zeros, as the plugin's worker does; then a knob model's knobs take the knob
 * ports' values `knob` (2 p - 1 on each knob's input, as the plugin's first run() sets them). */
static bool expected_output(const char *model_path, long start, const float *knob, float *y,
			    size_t n)
{
	RfxModel *m = NULL;
	char detail[256];
	RfxStatus st = rfx_model_load_file(model_path, &m, detail, sizeof detail);
	if (st != RFX_OK) {
		fprintf(stderr, "presethost: %s: %s (%s)\n", model_path, rfx_strerror(st), detail);
		return false;
	}
	RfxStream *s = NULL;
	if (rfx_stream_create(m, &s) != RFX_OK) {
		rfx_model_free(m);
		return false;
	}
	static float z[RFX_PLUGIN_PRERUN], o[RFX_PLUGIN_PRERUN];
	rfx_stream_process(s, z, o, RFX_PLUGIN_PRERUN);
	RfxKnob k[RFX_MAX_KNOBS];
	const int nk = rfx_model_knobs(m, k, RFX_MAX_KNOBS);
	for (int i = 0; i < nk; ++i)
		rfx_stream_set_input(s, k[i].input, 2.0f * knob[i] - 1.0f);
	const unsigned fade = start > 0 ? rfx_plugin_fade_len(RATE, RFX_PLUGIN_SWAP_FADE_S) : 0;
	const float inv = fade ? 1.0f / (float)fade : 0.0f;
	for (size_t i = 0; i < n; ++i) {
		float x = sig_in[i], wet = x;
		if ((long)i >= start) {
			float r;
			rfx_stream_process(s, &x, &r, 1);
			size_t pos = i - (size_t)start;
			wet = pos < fade ? x + (float)pos * inv * (r - x) : r;
		}
		y[i] = wet; /* go * (mix * wet + (1 - mix) * dry) at go = 1, mix = 1 */
	}
	rfx_stream_destroy(s);
	rfx_model_free(m);
	return true;
}

/* ------------------------------------------------------------------ lilv look-ups */
/* The model file named by `subject`'s state:state [ rnnfx:model <...> ], as a path (or NULL). */
static char *model_path_of(const LilvNode *subject)
{
	LilvNode *st = lilv_world_get(world, subject, n_state, NULL);
	if (!st)
		return NULL;
	LilvNode *m = lilv_world_get(world, st, n_model, NULL);
	char *path = NULL;
	if (m && lilv_node_is_uri(m))
		path = lilv_file_uri_parse(lilv_node_as_uri(m), NULL);
	lilv_node_free(m);
	lilv_node_free(st);
	return path;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* ------------------------------------------------------------------ cases */
/* Applies `state_node`'s state (a preset, or the plugin for its default state) to a fresh
 * instance, with or without a worker in restore, and checks what it plays. `has_ports`: the state
 * must carry the four control values (0 dB, 0 dB, mix 1, enabled: presets by pset:value, the
 * default state by the ports' lv2:default). Writes the output
 * into `keep` when not NULL. */
static void case_apply(const LilvNode *state_node, const char *what, const char *model_path,
		       bool has_ports, bool restore_worker, float *keep)
{
	char name[300];
	snprintf(name, sizeof name, "%s: restore %s, %d s in random blocks == dsp library", what,
		 restore_worker ? "with a worker in its features"
				: "without a worker (synchronous load)",
		 SECONDS);
	rt_case(name);
	LilvState *state = lilv_state_new_from_world(world, &map, state_node);
	RT_CHECK(state != NULL, "lilv_state_new_from_world(%s) gave no state", lilv_node_as_uri(state_node));
	if (!state)
		return;
	RT_CHECK(lilv_state_get_num_properties(state) >= 1, "state without properties");
	Host *h = host_new();
	const LV2_Feature *with_worker[] = {&f_map, &f_unmap, &f_log, &h->f_schedule, NULL};
	const LV2_Feature *without[] = {&f_map, &f_unmap, &f_log, NULL};
	lilv_state_restore(state, h->inst, set_value, h, 0, restore_worker ? with_worker : without);
	lilv_state_free(state);
	RT_CHECK(h->bad_set == 0, "%d set_value calls with an unknown symbol or a non-number", h->bad_set);
	if (h->output_sets)
		printf("  %s: lilv passed %d output port value(s), ignored\n", what, h->output_sets);
	if (has_ports) {
		const float want[4] = {0.0f, 0.0f, 1.0f, 1.0f};
		for (int k = 0; k < 4; ++k) {
			RT_CHECK(h->set_calls[k] == 1, "%s set %d times", port_syms[k], h->set_calls[k]);
			RT_CHECK(*port_ptr(h, k) == want[k], "%s = %g after restore, preset says %g",
				 port_syms[k], *port_ptr(h, k), want[k]);
		}
	} else {
		/* No port values in the default state: the host keeps its own (the TTL defaults). */
		h->in_gain = 0.0f;
		h->out_gain = 0.0f;
		h->mix = 1.0f;
		h->enabled = 1.0f;
	}
	lilv_instance_activate(h->inst);

	int nb = 0;
	for (size_t pos = 0; pos < TOTAL;) {
		uint32_t n = random_block();
		if (n > TOTAL - pos)
			n = (uint32_t)(TOTAL - pos);
		host_run(h, sig_in + pos, sig_out + pos, n);
		block_start[nb] = (uint32_t)pos;
		block_len[nb] = n;
		block_status[nb] = h->status;
		nb++;
		pos += n;
	}
	RT_CHECK(!h->overflow, "worker response queue overflowed");
	long start = -1;
	for (int b = 0; b < nb && start < 0; ++b)
		if (block_status[b] == (float)RFX_PLUGIN_STATUS_OK && block_len[b] > 0)
			start = (long)block_start[b];
	RT_CHECK(start >= 0, "status never 1 (last %g)", h->status);
	/* restore() left the engine for activate(), with or without a worker in its features. */
	RT_CHECK(start == 0, "model heard from sample %ld, expected 0", start);
	RT_CHECK(h->status == (float)RFX_PLUGIN_STATUS_OK, "status %g at the end, want 1", h->status);
	RT_CHECK(h->model_rate == 48000.0f, "model_rate %g, want 48000", h->model_rate);
	RT_CHECK(h->latency == 0.0f, "latency %g, want 0", h->latency);
	RT_CHECK(same_file(h->notified, model_path), "notify announced '%s', the state names '%s'",
		 h->notified, model_path);
	if (start >= 0 && expected_output(model_path, start, h->knob, sig_exp, TOTAL)) {
		size_t bad = 0, first = 0;
		double maxd = 0.0, peak = 0.0;
		const size_t after = (size_t)start + rfx_plugin_fade_len(RATE, RFX_PLUGIN_SWAP_FADE_S);
		for (size_t i = 0; i < TOTAL; ++i) {
			if (sig_out[i] != sig_exp[i] && !bad++)
				first = i;
			double d = fabs((double)sig_out[i] - sig_exp[i]);
			if (d > maxd)
				maxd = d;
			if (i >= after && fabs(sig_out[i]) > peak)
				peak = fabs(sig_out[i]);
		}
		printf("  %s (%s): heard from sample %ld, %d blocks, output peak %.3f, max |plugin - dsp| "
		       "%.3g, %zu samples differ\n",
		       what, restore_worker ? "worker" : "no worker", start, nb, peak, maxd, bad);
		/* Exactness test: the same dsp code on the same input, so == on every sample. */
		RT_CHECK(bad == 0, "%zu samples differ from the dsp library, first at %zu (max %.3g)", bad,
			 first, maxd);
		RT_CHECK(peak > 0.01, "output peak %g: silent?", peak);
		if (keep)
			memcpy(keep, sig_out, sizeof sig_out);
	}
	host_free(h);
}

static float out_first[TOTAL], out_second[TOTAL];

int main(void)
{
	uint64_t seed = rt_seed();
	rng = seed;
	world = lilv_world_new();
	lilv_world_load_all(world);
	LilvNode *uri = lilv_new_uri(world, RFX_PLUGIN_URI);
	LilvNode *n_preset = lilv_new_uri(world, LV2_PRESETS__Preset);
	n_model = lilv_new_uri(world, RFX_PARAM_MODEL);
	n_state = lilv_new_uri(world, LV2_STATE__state);
	n_label = lilv_new_uri(world, LILV_NS_RDFS "label");
	plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
	if (!plugin) {
		fprintf(stderr, "presethost: %s not found: is its bundle on LV2_PATH?\n", RFX_PLUGIN_URI);
		return 1;
	}
	char *bundle = lilv_file_uri_parse(lilv_node_as_uri(lilv_plugin_get_bundle_uri(plugin)), NULL);
	make_signal(sig_in, TOTAL);

	rt_case("lilv relates presets to the effect, each with a label and a model in the bundle");
	LilvNodes *presets = lilv_plugin_get_related(plugin, n_preset);
	RT_CHECK(presets && lilv_nodes_size(presets) >= 1, "no preset related to the plugin");
	size_t n_presets = presets ? lilv_nodes_size(presets) : 0;
	char **paths = calloc(n_presets + 1, sizeof *paths);
	const LilvNode **nodes = calloc(n_presets + 1, sizeof *nodes);
	char **labels = calloc(n_presets + 1, sizeof *labels);
	if (!paths || !nodes || !labels)
		abort();
	size_t k = 0;
	LILV_FOREACH (nodes, it, presets) {
		const LilvNode *p = lilv_nodes_get(presets, it);
		lilv_world_load_resource(world, p);
		LilvNode *label = lilv_world_get(world, p, n_label, NULL);
		char *path = model_path_of(p);
		RT_CHECK(label != NULL, "%s has no rdfs:label", lilv_node_as_uri(p));
		RT_CHECK(path != NULL, "%s names no rnnfx:model in its state", lilv_node_as_uri(p));
		struct stat sb;
		RT_CHECK(path && stat(path, &sb) == 0, "%s: model %s missing", lilv_node_as_uri(p),
			 path ? path : "?");
		RT_CHECK(path && !strncmp(path, bundle, strlen(bundle)), "model %s is outside the bundle %s",
			 path ? path : "?", bundle);
		printf("PRESET %s %s %s\n", lilv_node_as_uri(p), label ? lilv_node_as_string(label) : "?",
		       path ? path : "?");
		nodes[k] = p;
		paths[k] = path;
		labels[k] = label ? strdup(lilv_node_as_string(label)) : strdup("?");
		k++;
		lilv_node_free(label);
	}

	for (size_t i = 0; i < n_presets; ++i) {
		if (!paths[i])
			continue;
		char what[300];
		snprintf(what, sizeof what, "preset '%s'", labels[i]);
		case_apply(nodes[i], what, paths[i], true, true,
			   i == 0 ? out_first : i == 1 ? out_second : NULL);
		case_apply(nodes[i], what, paths[i], true, false, NULL);
	}
	if (n_presets >= 2 && paths[0] && paths[1]) {
		/* The comparison above can tell models apart: two presets must not sound alike. */
		rt_case("the first two presets sound different");
		double maxd = 0.0;
		for (size_t i = (size_t)RATE / 10; i < TOTAL; ++i)
			maxd = fmax(maxd, fabs((double)out_first[i] - out_second[i]));
		printf("  max |%s - %s| after 0.1 s: %.3g\n", labels[0], labels[1], maxd);
		RT_CHECK(maxd > 0.01, "max difference %g", maxd);
	}

	/* The default state: what a host that applies it plays as soon as the plugin is inserted. */
	char *def = model_path_of(uri);
	rt_case("the plugin's default state names a model in the bundle");
	RT_CHECK(def != NULL, "no state:state [ rnnfx:model ... ] on %s", RFX_PLUGIN_URI);
	if (def) {
		printf("DEFAULT %s\n", def);
		const char *base = strrchr(def, '/');
		RT_CHECK(base && !strcmp(base, "/crunch.json"), "default model %s, expected crunch.json", def);
		RT_CHECK(!strncmp(def, bundle, strlen(bundle)), "model %s outside the bundle", def);
		/* lilv makes the default state's port values from the ports' lv2:default. */
		case_apply(uri, "default state", def, true, true, NULL);
		case_apply(uri, "default state", def, true, false, NULL);
	}

	for (size_t i = 0; i < n_presets; ++i) {
		lilv_free(paths[i]);
		free(labels[i]);
	}
	free(paths);
	free(labels);
	free((void *)nodes);
	lilv_free(def);
	lilv_free(bundle);
	lilv_nodes_free(presets);
	lilv_node_free(uri);
	lilv_node_free(n_preset);
	lilv_node_free(n_model);
	lilv_node_free(n_state);
	lilv_node_free(n_label);
	lilv_world_free(world);
	for (size_t i = 0; i < n_uris; ++i)
		free(uri_table[i]);
	return rt_finish();
}
