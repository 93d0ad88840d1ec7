/* The onset detector (rfx_onset_* in dsp/rnnfx.h, dsp/onset.c) on made-up probabilities: one note per hit however long p stays
 * high (debounce), a note per stroke of a roll at the gap, nothing on silence (gate) or from NaN,
 * velocity from the input's level, the same notes for any block size, the event buffer's bound;
 * and the General MIDI note map and the onset model's sigmoid outputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/model.h"
#include "../dsp/rnnfx.h"
#include "../dsp/stream.h"
#include "harness.h"

enum { RATE = 48000, N = RATE, K = 2 };

static float x[N], p[N * K];

/* Class k's probability as a pulse of `len` samples at `at` (height h), the input a click there. */
static void pulse(int k, int at, int len, float h, float level)
{
	for (int i = at; i < at + len && i < N; i++)
		p[i * K + k] = h;
	x[at] = level;
}

static void clear(void)
{
	memset(x, 0, sizeof x);
	memset(p, 0, sizeof p);
}

static int run_blocks(const RfxOnsetConfig *c, int block, RfxOnsetEvent *ev, int max)
{
	RfxOnsetDetector d;
	rfx_onset_init(&d, K, RATE, c);
	int n = 0;
	for (int i = 0; i < N; i += block) {
		const int len = N - i < block ? N - i : block;
		RfxOnsetEvent tmp[64];
		const int m = rfx_onset_process(&d, x + i, p + (size_t)i * K, (uint32_t)len, tmp, 64);
		for (int j = 0; j < m && n < max; j++) {
			ev[n] = tmp[j];
			ev[n++].frame += (uint32_t)i;
		}
	}
	return n;
}

static void test_one_note_per_hit(void)
{
	rt_case("one note per hit: p high for 40 ms gives one note, at the first sample above");
	clear();
	pulse(0, 1000, RATE / 25, 0.9f, 0.5f);
	RfxOnsetEvent ev[16];
	const int n = run_blocks(NULL, 256, ev, 16);
	RT_CHECK(n == 1 && ev[0].frame == 1000 && ev[0].cls == 0, "%d notes, first at %u", n,
		 n ? ev[0].frame : 0);
	RT_CHECK(n == 1 && fabsf(ev[0].confidence - 0.9f) < 1e-6f, "confidence %g", ev[0].confidence);
}

static void test_roll_and_gap(void)
{
	rt_case("a roll: strokes 40 ms apart give a note each; 20 ms apart (under the 30 ms gap) one");
	clear();
	for (int s = 0; s < 5; s++) /* 40 ms apart, p high for 10 ms each */
		pulse(1, 2000 + s * RATE / 25, RATE / 100, 0.8f, 0.3f);
	RfxOnsetEvent ev[16];
	int n = run_blocks(NULL, 100, ev, 16);
	RT_CHECK(n == 5, "%d notes for 5 strokes 40 ms apart", n);
	clear();
	for (int s = 0; s < 2; s++) /* 20 ms apart */
		pulse(1, 2000 + s * RATE / 50, RATE / 200, 0.8f, 0.3f);
	n = run_blocks(NULL, 100, ev, 16);
	RT_CHECK(n == 1, "%d notes for 2 strokes 20 ms apart", n);
}

static void test_release(void)
{
	rt_case("no re-arm while p stays above release, even past the gap");
	clear();
	pulse(0, 1000, 200, 0.9f, 0.5f);
	pulse(0, 1200, RATE / 5, 0.3f, 0.0f); /* between release (0.25) and threshold for 200 ms */
	pulse(0, 1200 + RATE / 5, 100, 0.9f, 0.5f);
	RfxOnsetEvent ev[16];
	int n = run_blocks(NULL, 64, ev, 16);
	RT_CHECK(n == 1, "%d notes (p never fell below release)", n);
}

static void test_gate_and_nan(void)
{
	rt_case("the gate: no note from input below -60 dBFS; NaN never fires nor holds a class");
	clear();
	pulse(0, 1000, 500, 0.9f, 1e-4f); /* -80 dBFS */
	RfxOnsetEvent ev[16];
	int n = run_blocks(NULL, 256, ev, 16);
	RT_CHECK(n == 0, "%d notes on a -80 dBFS input", n);
	clear();
	pulse(0, 1000, 100, NAN, 0.5f);
	pulse(0, 1000 + RATE / 10, 100, 0.9f, 0.5f);
	x[500] = NAN;
	n = run_blocks(NULL, 256, ev, 16);
	RT_CHECK(n == 1 && ev[0].frame == 1000 + RATE / 10, "%d notes, the first at %u", n,
		 n ? ev[0].frame : 0);
}

static void test_velocity(void)
{
	rt_case("velocity follows the level: 0 dBFS 127, -48 dBFS 1, louder never softer");
	int last = 0, ok = 1;
	for (int db = -54; db <= 0; db += 6) {
		clear();
		pulse(0, 1000, 100, 0.9f, powf(10.0f, (float)db / 20.0f));
		RfxOnsetEvent ev[4];
		const int n = run_blocks(NULL, 256, ev, 4);
		if (n != 1 || ev[0].velocity < last || ev[0].velocity < 1 || ev[0].velocity > 127)
			ok = 0;
		if (db == 0)
			RT_CHECK(n == 1 && ev[0].velocity == 127, "0 dBFS: velocity %d", n ? ev[0].velocity : -1);
		if (db == -48)
			RT_CHECK(n == 1 && ev[0].velocity == 1, "-48 dBFS: velocity %d", n ? ev[0].velocity : -1);
		last = n ? ev[0].velocity : last;
	}
	RT_CHECK(ok, "velocity not monotonic in level");
}

static void test_blocks(void)
{
	rt_case("the same notes for blocks of 1, 7, 256 and the whole second");
	clear();
	uint64_t r = rt_seed();
	for (int h = 0; h < 40; h++)
		pulse((int)(rt_rand_u64(&r) % K), (int)(rt_rand_u64(&r) % (N - 800)),
		      (int)(50 + rt_rand_u64(&r) % 700), rt_rand_uniform(&r, 0.3f, 1.0f),
		      rt_rand_uniform(&r, 0.01f, 1.0f));
	static RfxOnsetEvent a[256], b[256];
	const int na = run_blocks(NULL, N, a, 256);
	const int sizes[] = { 1, 7, 256 };
	for (int s = 0; s < 3; s++) {
		const int nb = run_blocks(NULL, sizes[s], b, 256);
		RT_CHECK(na == nb && memcmp(a, b, (size_t)na * sizeof *a) == 0,
			 "block %d: %d notes vs %d", sizes[s], nb, na);
	}
	RT_CHECK(na > 10, "only %d notes", na);
}

static void test_bound(void)
{
	rt_case("more hits than the event buffer: the rest are dropped, the classes still disarm");
	clear();
	pulse(0, 100, 50, 0.9f, 0.5f);
	pulse(1, 100, 50, 0.9f, 0.5f);
	RfxOnsetDetector d;
	rfx_onset_init(&d, K, RATE, NULL);
	RfxOnsetEvent ev[1];
	int n = rfx_onset_process(&d, x, p, 200, ev, 1);
	RT_CHECK(n == 1 && ev[0].cls == 0, "%d events", n);
	n = rfx_onset_process(&d, x + 200, p + 200 * K, 200, ev, 1);
	RT_CHECK(n == 0, "class 1 fired late: %d", n);
}

static void test_gm_and_model(void)
{
	rt_case("General MIDI notes by label; an onset model's outputs are independent sigmoids");
	RT_CHECK(rfx_onset_gm_note("kick") == 36 && rfx_onset_gm_note("snare") == 38 &&
		 rfx_onset_gm_note("hihat") == 42 && rfx_onset_gm_note("tom") == 45 &&
		 rfx_onset_gm_note("cymbal") == 49 && rfx_onset_gm_note("banjo") == -1 &&
		 rfx_onset_gm_note(NULL) == -1, "GM map");
	RfxModelSpec s = { .cell = RFX_CELL_GRU, .n_layers = 1, .n_inputs = 1, .hidden = 8,
			   .mode = RFX_MODE_ONSET, .n_outputs = 3, .sample_rate = RATE };
	RfxModel *m = NULL;
	RfxStream *st = NULL;
	RT_OK(rfx_model_new(&s, &m));
	if (!m)
		return;
	rfx_model_init_random(m, 3);
	snprintf(m->labels[0], RFX_MAX_LABEL, "kick");
	snprintf(m->labels[1], RFX_MAX_LABEL, "snare");
	snprintf(m->labels[2], RFX_MAX_LABEL, "banjo");
	RT_CHECK(rfx_model_note(m, 0) == 36 && rfx_model_note(m, 1) == 38 && rfx_model_note(m, 2) == -1,
		 "notes from labels");
	RfxTensor *hb = rfx_model_tensor(m, "head.bias");
	hb->data[0] = 3.0f; /* pushes output 0 high without changing the others */
	RT_OK(rfx_stream_create(m, &st));
	float in[64], out[64 * 3];
	for (int i = 0; i < 64; i++)
		in[i] = 0.3f * sinf((float)i);
	rfx_stream_process(st, in, out, 64);
	int ok = 1;
	double sum = 0;
	for (int i = 0; i < 64 * 3; i++)
		ok &= out[i] > 0.0f && out[i] < 1.0f;
	for (int k = 0; k < 3; k++)
		sum += out[63 * 3 + k];
	RT_CHECK(ok && fabs(sum - 1.0) > 0.05 && out[63 * 3] > 0.9f, "outputs in (0, 1), sum %g, p0 %g",
		 sum, out[63 * 3]);
	m->has_notes = 1;
	m->notes[2] = 77;
	RT_CHECK(rfx_model_note(m, 2) == 77, "notes from the file");
	rfx_stream_destroy(st);
	rfx_model_free(m);
}

int main(void)
{
	test_one_note_per_hit();
	test_roll_and_gap();
	test_release();
	test_gate_and_nan();
	test_velocity();
	test_blocks();
	test_bound();
	test_gm_and_model();
	return rt_finish();
}
