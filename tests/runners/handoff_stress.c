/* handoff_stress — rnnfx-live's model handoff (tools/live_engine.c) without PortAudio.
 *
 *   crossfade exact   one thread: after live_post, the output is the stated linear ramp from the
 *                     old model's output to the new one's (dsp/engine.h's swap, the plugin's:
 *                     old + g * (new - old), g = k / fade_len), then exactly the new one's, both
 *                     models settled on RFX_ENGINE_SETTLE_FRAMES zeros first, and the old engine
 *                     comes back through live_collect
 *   classifier swap   an effect -> classifier swap passes the input through and reports a class
 *   knob glide        a knob model's knob turned with live_set_input while blocks run: exact
 *                     before, a glide after (no step larger than the model's own with the knob
 *                     held), and the output of a knob held at the new value 0.5 s later
 *   threads           an "audio" thread calls live_process back to back while the main thread
 *                     loads, posts and frees models and sets inputs as fast as it can; every output is finite and
 *                     bounded and every model is accounted for. Built with -fsanitize=thread
 *                     (tools/module.mk), so a data race in the handoff fails the run.
 *
 * Models are random (rfx_model_init_random, fixed seeds) and written to a directory in /tmp.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsp/model_file.h"
#include "dsp/stream.h"
#include "tools/live_engine.h"

#define RATE 48000.0
#define FADE_MS 20.0
#define N_RELOADS 300
#define BLOCK 256

static int passed, failed;

static void report(const char *name, int ok, const char *detail)
{
	if (ok)
		passed++, printf("ok   %s%s%s\n", name, detail[0] ? ": " : "", detail);
	else
		failed++, printf("FAIL %s: %s\n", name, detail);
}

static int write_model(const char *path, RfxCellType cell, int classes, uint64_t seed)
{
	RfxModelSpec spec = { .cell = cell, .n_layers = 1, .n_inputs = 1, .hidden = 8,
			      .mode = classes ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT,
			      .n_outputs = classes ? classes : 1, .sample_rate = RATE };
	RfxModel *m = NULL;
	char detail[256];
	int ok = rfx_model_new(&spec, &m) == RFX_OK;
	if (ok) {
		rfx_model_init_random(m, seed);
		ok = rfx_model_save_file(m, path, detail, sizeof detail) == RFX_OK;
	}
	rfx_model_free(m);
	return ok;
}

static void signal_block(float *x, unsigned long n, unsigned long start)
{
	for (unsigned long i = 0; i < n; i++)
		x[i] = 0.5f * sinf((float)(start + i) * 0.031f) + 0.1f * sinf((float)(start + i) * 0.0017f);
}

/* A GRU with one conditioning input and a "drive" knob on it, 0..10 (the trainer's metadata). */
static int write_knob_model(const char *path)
{
	RfxModelSpec spec = { .cell = RFX_CELL_GRU, .n_layers = 1, .n_inputs = 2, .hidden = 8,
			      .mode = RFX_MODE_EFFECT, .n_outputs = 1, .sample_rate = RATE };
	RfxModel *m = NULL;
	char detail[256];
	int ok = rfx_model_new(&spec, &m) == RFX_OK;
	if (ok) {
		rfx_model_init_random(m, 9);
		for (size_t i = 0; i < m->n_params; ++i)
			m->params[i] *= 2.0f; /* enough gain that the knob shows in the output */
		ok = rfx_model_set_metadata(m, "{\"knobs\":[{\"name\":\"drive\",\"input\":1,"
					    "\"min\":0,\"max\":10,\"default\":5}]}") == RFX_OK &&
		     rfx_model_save_file(m, path, detail, sizeof detail) == RFX_OK;
	}
	rfx_model_free(m);
	return ok;
}

static RfxEngine *load_or_die(const char *path)
{
	char msg[256];
	RfxEngine *e = live_load(path, 1, NULL, 0, NULL, msg, sizeof msg);
	if (!e) {
		printf("FAIL loading %s: %s\n", path, msg);
		exit(1);
	}
	return e;
}

/* A plain stream of m settled as an engine is (rfx_engine_settle): RFX_ENGINE_SETTLE_FRAMES zeros. */
static void settle(RfxStream *st)
{
	static float z[RFX_ENGINE_SETTLE_FRAMES], o[RFX_ENGINE_SETTLE_FRAMES];
	rfx_stream_process(st, z, o, RFX_ENGINE_SETTLE_FRAMES);
}

/* The output around a swap is old + g * (new - old) with g = k * (1 / fade_len) (floats) for the
 * k-th frame after the swap, computed exactly as dsp/engine.c does; then the new model alone. */
static void test_crossfade(const char *pa, const char *pb)
{
	enum { PRE = 1000, POST = 3000 };
	static Live lv;
	float x[PRE + POST], y[PRE + POST], ya[PRE + POST], yb[POST];
	RfxModel *ma = NULL, *mb = NULL;
	RfxStream *sa = NULL, *sb = NULL;
	char d[256];
	signal_block(x, PRE + POST, 0);
	if (rfx_model_load_file(pa, &ma, d, sizeof d) != RFX_OK ||
	    rfx_model_load_file(pb, &mb, d, sizeof d) != RFX_OK ||
	    rfx_stream_create(ma, &sa) != RFX_OK || rfx_stream_create(mb, &sb) != RFX_OK) {
		printf("FAIL cannot load %s and %s as streams: %s\n", pa, pb, d);
		exit(1);
	}
	settle(sa);
	settle(sb);
	rfx_stream_process(sa, x, ya, PRE + POST);
	rfx_stream_process(sb, x + PRE, yb, POST);   /* the new model starts at the swap */
	live_init(&lv, 1, RATE, FADE_MS, load_or_die(pa));
	live_process(&lv, x, y, PRE, 0);
	RfxEngine *stale = live_post(&lv, load_or_die(pb));
	RfxEngine *early = live_collect(&lv);
	/* Odd block sizes, so the fade crosses block and chunk edges. */
	for (unsigned long off = PRE; off < PRE + POST; off += 700) {
		unsigned long n = PRE + POST - off < 700 ? PRE + POST - off : 700;
		live_process(&lv, x + off, y + off, n, 0);
	}
	RfxEngine *old = live_collect(&lv);
	uint32_t L = lv.swap.fade_len;
	const float inv = 1.0f / (float)L;
	int bad = -1;
	for (int i = 0; i < PRE + POST && bad < 0; i++) {
		float want = ya[i];
		if (i >= PRE) {
			uint32_t k = (uint32_t)(i - PRE);
			float g = (float)k * inv;
			want = k < L ? ya[i] + g * (yb[k] - ya[i]) : yb[k];
		}
		if (memcmp(&want, &y[i], sizeof want))
			bad = i;
	}
	char msg[200];
	snprintf(msg, sizeof msg, "%s; fade %u frames, old model %s", bad < 0 ? "bit-exact" : "differs",
		 L, old ? "returned" : "NOT returned");
	if (bad >= 0)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "; first difference at frame %d", bad);
	report("crossfade exact", bad < 0 && old && !stale && !early && L == 960, msg);
	rfx_engine_destroy(old);
	live_free_all(&lv);
	rfx_stream_destroy(sa), rfx_stream_destroy(sb);
	rfx_model_free(ma), rfx_model_free(mb);
}

static void test_classifier_swap(const char *pa, const char *pc)
{
	static Live lv;
	float x[BLOCK], y[BLOCK], conf = -1;
	signal_block(x, BLOCK, 0);
	live_init(&lv, 1, RATE, FADE_MS, load_or_die(pa));
	live_process(&lv, x, y, BLOCK, 0);
	rfx_engine_destroy(live_post(&lv, load_or_die(pc)));
	live_process(&lv, x, y, BLOCK, 0);
	RfxEngine *old = live_collect(&lv);
	unsigned k = live_class(&lv, &conf);
	int ok = old && !memcmp(x, y, sizeof x) && k < 3 && conf >= 1.0f / 3 && conf <= 1;
	char msg[120];
	snprintf(msg, sizeof msg, "input passed through, class %u confidence %.3f", k, conf);
	report("classifier swap", ok, msg);
	rfx_engine_destroy(old);
	live_free_all(&lv);
}

static double max_step(const float *x, int from, int to)
{
	double d = 0;
	for (int i = from + 1; i < to; i++)
		d = fmax(d, fabs((double)x[i] - x[i - 1]));
	return d;
}

/* The knob at its default (input 0) for PRE frames, then turned to 10 (input 1) by live_set_input. */
static void test_knob_glide(const char *pk)
{
	enum { PRE = 19 * BLOCK, POST = 24000, N = PRE + POST };
	static Live lv;
	static float x[N], y[N], held[2][N];
	char msg[256];
	LiveModelInputs info;
	RfxEngine *e = live_load(pk, 1, NULL, 0, &info, msg, sizeof msg);
	if (!e || info.n_knobs != 1 || info.inputs.n != 1 || info.inputs.value[0] != 0.0f) {
		report("knob glide", 0, e ? "the knob model's inputs were not found" : msg);
		rfx_engine_destroy(e);
		return;
	}
	signal_block(x, N, 0);
	/* References: the model held at input 0, and switched to input 1 at PRE at once. */
	RfxModel *m = NULL;
	RfxStream *st = NULL;
	if (rfx_model_load_file(pk, &m, msg, sizeof msg) != RFX_OK || rfx_stream_create(m, &st) != RFX_OK)
		exit(1);
	for (int v = 0; v < 2; v++) {
		rfx_stream_reset(st);
		rfx_stream_set_input(st, 1, 0.0f);
		settle(st);
		rfx_stream_process(st, x, held[v], PRE);
		rfx_stream_set_input(st, 1, (float)v);
		rfx_stream_process(st, x + PRE, held[v] + PRE, POST);
	}
	live_init(&lv, 1, RATE, FADE_MS, e);
	live_set_input(&lv, 1, info.inputs.value[0]);
	for (int off = 0; off < N; off += BLOCK) {
		if (off == PRE)
			live_set_input(&lv, 1, 1.0f);
		live_process(&lv, x + off, y + off, N - off < BLOCK ? N - off : BLOCK, 0);
	}
	const int exact_before = !memcmp(y, held[0], PRE * sizeof *y);
	const double glide = max_step(y, PRE - 1, PRE + 4800);
	const double bound = fmax(max_step(held[0], PRE - 1, PRE + 4800), max_step(held[1], PRE - 1, PRE + 4800));
	const double jump = max_step(held[1], PRE - 1, PRE + 4800);
	double late = 0, early = 0;
	for (int i = N - 4800; i < N; i++)
		late = fmax(late, fabs((double)y[i] - held[1][i]));
	for (int i = PRE; i < PRE + 240; i++) /* the first 5 ms: still on its way */
		early = fmax(early, fabs((double)y[i] - held[1][i]));
	snprintf(msg, sizeof msg, "exact before: %s; largest step %.4f (held knob %.4f, the switch at "
		 "once %.4f); 5 ms after %.3g from the new setting, 0.5 s after %.3g",
		 exact_before ? "yes" : "no", glide, bound, jump, early, late);
	report("knob glide", exact_before && glide <= bound && late < 1e-3 && early > 1e-3, msg);
	live_free_all(&lv);
	rfx_stream_destroy(st);
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ two threads */

static Live shared;
static atomic_int stop_audio;
static atomic_uint bad_samples;
static atomic_ulong callbacks;

static void *audio_thread(void *arg)
{
	float in[BLOCK], out[BLOCK];
	unsigned long t = 0;
	(void)arg;
	while (!atomic_load(&stop_audio)) {
		signal_block(in, BLOCK, t);
		live_process(&shared, in, out, BLOCK, 0);
		for (int i = 0; i < BLOCK; i++)
			if (!(fabsf(out[i]) < 100))
				atomic_fetch_add(&bad_samples, 1);
		t += BLOCK;
		atomic_fetch_add(&callbacks, 1);
	}
	return NULL;
}

static void test_threads(const char *paths[3])
{
	pthread_t th;
	unsigned loaded = 0, stale = 0, collected = 0;
	uint64_t rng = 12345;
	live_init(&shared, 1, RATE, FADE_MS, load_or_die(paths[0]));
	if (pthread_create(&th, NULL, audio_thread, NULL)) {
		report("threads", 0, "pthread_create failed");
		return;
	}
	for (int r = 0; r < N_RELOADS; r++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		RfxEngine *e = load_or_die(paths[(rng >> 33) % 3]);
		loaded++;
		RfxEngine *s = live_post(&shared, e);
		stale += s != NULL;
		rfx_engine_destroy(s);
		RfxEngine *c = live_collect(&shared);
		collected += c != NULL;
		rfx_engine_destroy(c);
		live_set_input(&shared, 1, (float)((rng >> 40) % 100) * 0.01f); /* races live_process */
		struct timespec ts = { 0, (long)((rng >> 20) % 2000000) };   /* 0..2 ms */
		nanosleep(&ts, NULL);
	}
	atomic_store(&stop_audio, 1);
	pthread_join(th, NULL);
	RfxEngine *c = live_collect(&shared);
	collected += c != NULL;
	rfx_engine_destroy(c);
	unsigned pending = atomic_load(&shared.pending) != NULL;
	unsigned swaps = atomic_load(&shared.swaps), fading = shared.swap.fading != 0;
	/* Every model loaded was either never taken (stale or still pending) or taken; every take
	 * retired the model before it, except one still fading. */
	int ok = loaded == stale + pending + swaps + fading && collected == swaps &&
		 atomic_load(&bad_samples) == 0 && swaps > 0;
	char msg[200];
	snprintf(msg, sizeof msg, "%u loads, %u swaps, %u replaced before taken, %u callbacks, "
		 "%u bad samples", loaded, swaps, stale, (unsigned)atomic_load(&callbacks),
		 atomic_load(&bad_samples));
	report("threads", ok, msg);
	live_free_all(&shared);
}

int main(void)
{
	char dir[] = "/tmp/rnnfx-handoff.XXXXXX";
	char pa[64], pb[64], pc[64], pk[64];
	if (!mkdtemp(dir)) {
		printf("FAIL mkdtemp\n0 passed, 1 failed\n");
		return 1;
	}
	snprintf(pa, sizeof pa, "%s/a.json", dir);
	snprintf(pb, sizeof pb, "%s/b.json", dir);
	snprintf(pc, sizeof pc, "%s/c.json", dir);
	snprintf(pk, sizeof pk, "%s/k.json", dir);
	if (!write_model(pa, RFX_CELL_GRU, 0, 1) || !write_model(pb, RFX_CELL_LSTM, 0, 2) ||
	    !write_model(pc, RFX_CELL_GRU, 3, 3) || !write_knob_model(pk)) {
		printf("FAIL writing models in %s\n0 passed, 1 failed\n", dir);
		return 1;
	}
	test_crossfade(pa, pb);
	test_classifier_swap(pa, pc);
	test_knob_glide(pk);
	const char *paths[3] = { pa, pb, pc };
	test_threads(paths);
	unlink(pa), unlink(pb), unlink(pc), unlink(pk), rmdir(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
