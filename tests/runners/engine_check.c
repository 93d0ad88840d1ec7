/* engine_check — dsp/engine.h, the engine the plugins, rnnfx-live and rnnfx-run share. Exactness
 * tests only (==, memcmp), against the rate streams (dsp/rate.h) it wraps:
 *
 *   channels        C = 1, 2, 3 (a pair and a single) effect channels, at the model's rate and
 *                   resampled, at random block sizes: channel c is rfx_rate_process of channel c
 *   in place        the same with in == out
 *   classifier      C = 2: K floats per frame, the probabilities summed over the channels
 *                   ((0 + p0) + p1 in floats)
 *   settle          rfx_engine_settle = reset + RFX_ENGINE_SETTLE_FRAMES zeros, on every channel
 *   swap fade       C = 2, A -> B at frame PRE: out = a + (k * (1 / L)) * (b - a) for k < L, then b;
 *                   A comes back exactly once, from the call in which the fade ends
 *   swap finish     _finish mid-fade hands A back, then B alone
 *   swap classifier effect -> classifier: the old engine at once, the audio passes
 *   swap refuses    an engine of another channel count, or a second one while a fade runs
 *   identity        no engine: out == in
 *
 * Random block sizes come from rt_seed() (RFX_TEST_SEED), printed when a case fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/engine.h"
#include "dsp/model.h"
#include "dsp/rate.h"
#include "tests/harness.h"

#define N 12000
#define MAXC 3

static uint64_t rng;
static float x[N * MAXC], y[N * MAXC], ref[N * MAXC], chan_in[N], chan_out[N * RFX_MAX_CLASSES];

static RfxModel *make(RfxCellType cell, int hidden, int classes, uint64_t seed, double rate)
{
	RfxModelSpec spec = { .cell = cell, .n_layers = 1, .n_inputs = 1, .hidden = hidden,
			      .mode = classes ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT,
			      .n_outputs = classes ? classes : 1, .sample_rate = rate };
	RfxModel *m = NULL;
	if (rfx_model_new(&spec, &m) != RFX_OK) {
		printf("FAIL cannot make a model\n0 passed, 1 failed\n");
		exit(1);
	}
	rfx_model_init_random(m, seed);
	return m;
}

static RfxEngine *engine(const RfxModel *m, int C, double rate)
{
	RfxEngine *e = NULL;
	char detail[256];
	if (rfx_engine_create(m, C, rate, RFX_RATE_QUALITY_DEFAULT, &e, detail, sizeof detail) !=
	    RFX_OK) {
		printf("FAIL rfx_engine_create: %s\n0 passed, 1 failed\n", detail);
		exit(1);
	}
	return e;
}

static void fill_signal(float *s, size_t frames, int C)
{
	for (size_t i = 0; i < frames; i++)
		for (int c = 0; c < C; c++)
			s[i * C + c] = 0.6f * sinf(0.013f * (float)i * (float)(c + 1)) +
				       0.2f * sinf(0.0021f * (float)i + (float)c);
}

static uint32_t block(void)
{
	static const uint32_t sizes[] = { 0, 1, 7, 64, 255, 256, 257, 1000, 4096 };
	return sizes[rt_rand_u64(&rng) % (sizeof sizes / sizeof sizes[0])];
}

/* Channel c of `in` (C per frame) through a fresh rate stream of m, into ref (K per frame for a
 * classifier: summed over the channels as the engine does). */
static void reference(const RfxModel *m, int C, double rate, const float *in, size_t frames,
		      uint32_t settle)
{
	const int K = m->spec.mode == RFX_MODE_CLASSIFIER ? m->spec.n_outputs : 1;
	if (K > 1)
		memset(ref, 0, frames * (size_t)K * sizeof(float));
	for (int c = 0; c < C; c++) {
		RfxRateStream *rs = NULL;
		char detail[256];
		if (rfx_rate_create(m, rate, RFX_RATE_QUALITY_DEFAULT, &rs, detail, sizeof detail) !=
		    RFX_OK) {
			printf("FAIL rfx_rate_create: %s\n0 passed, 1 failed\n", detail);
			exit(1);
		}
		for (uint32_t done = 0; done < settle; done += RFX_ENGINE_SETTLE_FRAMES) { /* zeros */
			static float z[RFX_ENGINE_SETTLE_FRAMES], o[RFX_ENGINE_SETTLE_FRAMES * RFX_MAX_CLASSES];
			const uint32_t k = settle - done;
			rfx_rate_process(rs, z, o, k < RFX_ENGINE_SETTLE_FRAMES ? k : RFX_ENGINE_SETTLE_FRAMES);
		}
		for (size_t i = 0; i < frames; i++)
			chan_in[i] = in[i * C + c];
		rfx_rate_process(rs, chan_in, chan_out, (uint32_t)frames);
		for (size_t i = 0; i < frames * (size_t)K; i++) {
			if (K == 1)
				ref[i * C + c] = chan_out[i];
			else
				ref[i] += chan_out[i];
		}
		rfx_rate_destroy(rs);
	}
}

/* Runs `frames` of x through e at random block sizes (in place: y holds a copy of x first). */
static void run_blocks(RfxEngine *e, int C, int K, size_t frames, int in_place)
{
	if (in_place)
		memcpy(y, x, frames * (size_t)C * sizeof(float));
	for (size_t off = 0; off < frames;) {
		uint32_t n = block();
		if (n > frames - off)
			n = (uint32_t)(frames - off);
		rfx_engine_process(e, in_place ? y + off * C : x + off * C, y + off * (size_t)(K > 1 ? K : C), n);
		off += n;
	}
}

static void case_channels(int in_place)
{
	const double rates[] = { 48000, 44100 };
	for (int r = 0; r < 2; r++)
		for (int C = 1; C <= MAXC; C++) {
			char name[120];
			snprintf(name, sizeof name, "%s: %d channel(s), model at %g Hz, host 48 kHz",
				 in_place ? "in place" : "channels", C, rates[r]);
			rt_case(name);
			RfxModel *m = make(r ? RFX_CELL_LSTM : RFX_CELL_GRU, 16, 0, 10 + (uint64_t)C,
					   rates[r]);
			RfxEngine *e = engine(m, C, 48000);
			fill_signal(x, N, C);
			reference(m, C, 48000, x, N, 0);
			run_blocks(e, C, 1, N, in_place);
			RT_CHECK(!memcmp(y, ref, (size_t)N * C * sizeof(float)), "differs from the rate "
				 "streams (seed %llu)", (unsigned long long)rt_seed());
			RT_CHECK((r ? rfx_engine_latency(e) > 0 : rfx_engine_latency(e) == 0) &&
				 rfx_engine_is_resampling(e) == r, "latency %u, resampling %d",
				 rfx_engine_latency(e), rfx_engine_is_resampling(e));
			rfx_engine_destroy(e);
			rfx_model_free(m);
		}
}

static void case_classifier(void)
{
	rt_case("classifier, 2 channels: the probabilities summed over the channels");
	RfxModel *m = make(RFX_CELL_GRU, 8, 3, 21, 48000);
	RfxEngine *e = engine(m, 2, 0);
	fill_signal(x, N, 2);
	reference(m, 2, 48000, x, N, 0);
	run_blocks(e, 2, 3, N, 0);
	RT_CHECK(!memcmp(y, ref, (size_t)N * 3 * sizeof(float)), "differs (seed %llu)",
		 (unsigned long long)rt_seed());
	RT_CHECK(rfx_engine_outputs(e) == 3 && rfx_engine_channels(e) == 2, "outputs %d channels %d",
		 rfx_engine_outputs(e), rfx_engine_channels(e));
	rfx_engine_destroy(e);
	rfx_model_free(m);
}

static void case_settle(void)
{
	rt_case("settle: reset, then RFX_ENGINE_SETTLE_FRAMES zeros on every channel");
	RfxModel *m = make(RFX_CELL_GRU, 12, 0, 31, 44100);
	RfxEngine *e = engine(m, 3, 48000);
	fill_signal(x, N, 3);
	run_blocks(e, 3, 1, 5000, 0); /* some history, which settle must forget */
	rfx_engine_settle(e);
	reference(m, 3, 48000, x, N, RFX_ENGINE_SETTLE_FRAMES);
	run_blocks(e, 3, 1, N, 0);
	RT_CHECK(!memcmp(y, ref, (size_t)N * 3 * sizeof(float)), "differs (seed %llu)",
		 (unsigned long long)rt_seed());
	rfx_engine_destroy(e);
	rfx_model_free(m);
}

/* A model whose metadata says it has 0.5 s of memory settles on 4 x 0.5 s of zeros (at the host's
 * rate), one with 100 s on RFX_ENGINE_SETTLE_MAX_S. */
static void case_settle_memory(void)
{
	rt_case("settle of a long-memory model: four time constants of zeros, at most "
		"RFX_ENGINE_SETTLE_MAX_S");
	static const struct { const char *meta; double seconds; } cases[] = {
		{ "{\"memory_s\": 0.5}", 2.0 }, { "{\"memory_s\": 100}", RFX_ENGINE_SETTLE_MAX_S },
	};
	for (int k = 0; k < 2; k++) {
		RfxModel *m = make(RFX_CELL_GRU, 8, 0, 33, 48000);
		RT_OK(rfx_model_set_metadata(m, cases[k].meta));
		RT_CHECK(rfx_model_memory_s(m) == (k ? 100 : 0.5), "memory_s %g", rfx_model_memory_s(m));
		RfxEngine *e = engine(m, 1, 44100);
		fill_signal(x, N, 1);
		run_blocks(e, 1, 1, 5000, 0);
		rfx_engine_settle(e);
		reference(m, 1, 44100, x, N, (uint32_t)ceil(cases[k].seconds * 44100));
		run_blocks(e, 1, 1, N, 0);
		RT_CHECK(!memcmp(y, ref, (size_t)N * sizeof(float)), "%s: differs", cases[k].meta);
		rfx_engine_destroy(e);
		rfx_model_free(m);
	}
}

static void case_swap_fade(void)
{
	enum { C = 2, PRE = 3000 };
	rt_case("swap, 2 channels: the linear fade a + (k / L) (b - a), then b; A back once");
	RfxModel *ma = make(RFX_CELL_GRU, 16, 0, 41, 48000), *mb = make(RFX_CELL_LSTM, 8, 0, 42, 44100);
	static float ya[N * C], yb[N * C];
	fill_signal(x, N, C);
	reference(ma, C, 48000, x, N, 0);
	memcpy(ya, ref, sizeof ya);
	reference(mb, C, 48000, x + PRE * C, N - PRE, 0); /* B starts at the swap */
	memcpy(yb, ref, (size_t)(N - PRE) * C * sizeof(float));
	RfxEngine *a = engine(ma, C, 48000), *b = engine(mb, C, 48000);
	RfxEngineSwap sw;
	const uint32_t L = rfx_engine_fade_frames(48000, 0.030);
	rfx_engine_swap_init(&sw, C, L);
	RT_CHECK(rfx_engine_swap_start(&sw, a) == NULL && sw.fading, "identity -> A: no fade");
	RT_CHECK(rfx_engine_swap_finish(&sw) == NULL && !sw.fading, "finish: the identity back");
	int returned = 0, early = 0;
	for (size_t off = 0; off < N;) {
		if (off == PRE)
			RT_CHECK(rfx_engine_swap_start(&sw, b) == NULL, "A -> B returned an engine");
		uint32_t n = block();
		if (n > N - off)
			n = (uint32_t)(N - off);
		if (off < PRE && n > PRE - off)
			n = (uint32_t)(PRE - off);
		RfxEngine *r = rfx_engine_swap_process(&sw, x + off * C, y + off * C, n);
		if (r == a)
			returned++, early |= off + n < PRE + L;
		off += n;
	}
	const float inv = 1.0f / (float)L;
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < N; i++)
		for (int c = 0; c < C; c++) {
			float want = ya[i * C + c];
			if (i >= PRE) {
				const size_t k = i - PRE;
				const float o = ya[i * C + c], nw = yb[k * C + c];
				want = k < L ? o + (float)k * inv * (nw - o) : nw;
			}
			if (memcmp(&want, &y[i * C + c], sizeof want) && !bad++)
				first = i;
		}
	RT_CHECK(bad == 0, "%zu samples differ, first at frame %zu (fade %u, seed %llu)", bad, first,
		 L, (unsigned long long)rt_seed());
	RT_CHECK(returned == 1 && !early, "A came back %d time(s)%s", returned,
		 early ? ", before the fade ended" : "");
	RT_CHECK(sw.cur == b && !sw.fading && !sw.prev, "B alone after the fade");
	rfx_engine_destroy(a);
	rfx_engine_swap_release(&sw);
	rfx_model_free(ma);
	rfx_model_free(mb);
}

static void case_swap_rules(void)
{
	rt_case("swap: finish mid-fade, classifier at once, refusals, identity");
	RfxModel *ma = make(RFX_CELL_GRU, 8, 0, 51, 48000), *mc = make(RFX_CELL_GRU, 8, 3, 52, 48000);
	RfxEngine *a = engine(ma, 2, 0), *b = engine(ma, 2, 0), *c = engine(mc, 2, 0);
	RfxEngine *mono = engine(ma, 1, 0);
	RfxEngineSwap sw;
	rfx_engine_swap_init(&sw, 2, 480);
	fill_signal(x, 1000, 2);
	rfx_engine_swap_process(&sw, x, y, 1000);
	RT_CHECK(!memcmp(x, y, 1000 * 2 * sizeof(float)), "the identity changed the signal");
	rfx_engine_swap_start(&sw, a);
	rfx_engine_swap_finish(&sw);
	RT_CHECK(rfx_engine_swap_start(&sw, mono) == mono && sw.cur == a, "a mono engine taken");
	RT_CHECK(rfx_engine_swap_start(&sw, b) == NULL && sw.fading, "A -> B did not fade");
	RT_CHECK(rfx_engine_swap_start(&sw, c) == c && sw.cur == b, "a second swap during a fade");
	rfx_engine_swap_process(&sw, x, y, 100);
	RT_CHECK(rfx_engine_swap_finish(&sw) == a && !sw.fading && sw.cur == b, "finish: A back");
	RT_CHECK(rfx_engine_swap_start(&sw, c) == b && !sw.fading && sw.cur == c,
		 "effect -> classifier: B not back at once");
	rfx_engine_swap_process(&sw, x, y, 1000);
	RT_CHECK(!memcmp(x, y, 1000 * 2 * sizeof(float)), "a classifier changed the audio");
	rfx_engine_destroy(a);
	rfx_engine_destroy(b);
	rfx_engine_destroy(mono);
	rfx_engine_swap_release(&sw);
	RT_CHECK(!sw.cur && !sw.prev, "release left an engine");
	rfx_model_free(ma);
	rfx_model_free(mc);
}

int main(void)
{
	rng = rt_seed();
	case_channels(0);
	case_channels(1);
	case_classifier();
	case_settle();
	case_settle_memory();
	case_swap_fade();
	case_swap_rules();
	return rt_finish();
}
