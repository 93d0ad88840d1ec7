/* The band-level front end (dsp/frontend.h): level-invariant shape features, a sine lights its own
 * band, bounded and finite whatever comes in, no denormals after silence; a model with a front end
 * streams the same for any block size, keeps it through a save and load, and hosts see one input.
 * A hop: the network steps on every hop-th sample, on the features rfx_frontend_step gives there,
 * the outputs hold in between, and the stream computes what training's forward does on those
 * features. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dsp/bptt.h"
#include "../dsp/frontend.h"
#include "../dsp/model.h"
#include "../dsp/stream.h"
#include "harness.h"

enum { RATE = 48000, B = 10 };

/* The features after n samples of a sine of `f` Hz at `amp`. */
static void sine_features(float f, float amp, int n, float *feat)
{
	RfxFrontendSpec s = rfx_frontend_spec_default(B);
	RfxFrontend fe;
	rfx_frontend_init(&fe, &s, RATE);
	for (int i = 0; i < n; i++)
		rfx_frontend_step(&fe, amp * sinf(2.0f * (float)M_PI * f * (float)i / RATE), feat);
}

static void test_level_invariance(void)
{
	rt_case("the shape features do not change with the level; the level feature moves 20 dB / 30");
	float a[B + 1], b[B + 1];
	sine_features(440.0f, 0.5f, RATE / 4, a);
	sine_features(440.0f, 0.05f, RATE / 4, b);
	double worst = 0;
	for (int k = 1; k <= B; k++)
		worst = fmax(worst, fabs(a[k] - b[k]));
	RT_CHECK(worst < 0.01, "shape moved by %g with the level", worst);
	RT_NEAR(a[0] - b[0], 20.0 / 30.0, 0.01);
}

static void test_band_selectivity(void)
{
	rt_case("a sine at each band's centre gives that band the largest shape feature");
	RfxFrontendSpec s = rfx_frontend_spec_default(B);
	int ok = 1;
	for (int k = 0; k < B; k++) {
		const double top = fmin(s.high_hz, 0.45 * RATE);
		const float f = (float)(s.low_hz * pow(top / s.low_hz, (double)k / (B - 1)));
		float feat[B + 1];
		sine_features(f, 0.3f, RATE / 4, feat);
		int best = 0;
		for (int j = 1; j < B; j++)
			best = feat[1 + j] > feat[1 + best] ? j : best;
		if (best != k) {
			ok = 0;
			RT_CHECK(0, "%.0f Hz: band %d is the largest, not %d", f, best, k);
		}
	}
	RT_CHECK(ok, "selectivity");
}

static void test_bounded(void)
{
	rt_case("bounded and finite on NaN, Inf, 1e30 and silence; no denormals after 10 s of zeros");
	RfxFrontendSpec s = rfx_frontend_spec_default(B);
	RfxFrontend fe;
	rfx_frontend_init(&fe, &s, RATE);
	const float odd[] = { NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 1.0f };
	float feat[B + 1];
	int ok = 1;
	for (int i = 0; i < 6000; i++) {
		rfx_frontend_step(&fe, odd[i % 6], feat);
		for (int k = 0; k <= B; k++)
			ok &= isfinite(feat[k]) && feat[k] >= -3.0f && feat[k] <= 4.0f;
	}
	RT_CHECK(ok, "a feature left its range or is not finite");
	for (int i = 0; i < 10 * RATE; i++)
		rfx_frontend_step(&fe, 0.0f, feat);
	int denormal = 0;
	for (int k = 0; k < B; k++)
		denormal |= fpclassify(fe.z1[k]) == FP_SUBNORMAL || fpclassify(fe.z2[k]) == FP_SUBNORMAL ||
			    fpclassify(fe.e[k]) == FP_SUBNORMAL;
	RT_CHECK(!denormal, "a denormal in the state after silence");
	RT_NEAR(feat[0], 0.0, 1e-6); /* the level floor, -60 dBFS */
}

static RfxModel *model_with_frontend_hop(int hop)
{
	RfxModelSpec s = { .cell = RFX_CELL_GRU, .n_layers = 1, .hidden = 8, .mode = RFX_MODE_ONSET,
			   .n_outputs = 3, .sample_rate = RATE, .frontend = rfx_frontend_spec_default(B) };
	s.frontend.hop = hop;
	s.n_inputs = rfx_frontend_inputs(&s.frontend);
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, 9);
	return m;
}

static RfxModel *model_with_frontend(void)
{
	return model_with_frontend_hop(0);
}

/* m saved to a file and loaded back (NULL on failure, reported). */
static RfxModel *round_trip(const RfxModel *m)
{
	char detail[256] = "";
	char dir[] = "/tmp/rfx-frontend-XXXXXX", path[64];
	RfxModel *back = NULL;
	RT_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/m.json", dir);
	RT_OK(rfx_model_save_file(m, path, detail, sizeof detail));
	RT_CHECK(rfx_model_load_file(path, &back, detail, sizeof detail) == RFX_OK, "reload: %s",
		 detail);
	unlink(path);
	rmdir(dir);
	return back;
}

static void test_push(void)
{
	rt_case("push: hop 1 is step, bit for bit; hop 7 gives step's features on every 7th sample");
	RfxFrontendSpec s1 = rfx_frontend_spec_default(B), s7 = s1;
	s7.hop = 7;
	RfxFrontend a, b, c;
	rfx_frontend_init(&a, &s1, RATE);
	rfx_frontend_init(&b, &s1, RATE);
	rfx_frontend_init(&c, &s7, RATE);
	RT_CHECK(rfx_frontend_hop(&s1) == 1 && rfx_frontend_hop(&s7) == 7, "hop");
	uint64_t r = rt_seed();
	int wrong_bits = 0, wrong_when = 0, wrong_hop = 0;
	for (int i = 0; i < 2000; i++) {
		const float x = rt_rand_uniform(&r, -0.5f, 0.5f) * (i % 300 < 30 ? 1.0f : 0.01f);
		float fa[B + 1], fb[B + 1], fc[B + 1];
		rfx_frontend_step(&a, x, fa);
		wrong_when += rfx_frontend_push(&b, x, fb) != 1;
		wrong_bits += memcmp(fa, fb, sizeof fa) != 0;
		const int due = rfx_frontend_push(&c, x, fc);
		wrong_when += due != (i % 7 == 6);
		wrong_hop += due && memcmp(fa, fc, sizeof fa) != 0;
	}
	RT_CHECK(!wrong_bits && !wrong_when && !wrong_hop, "bits %d, timing %d, hop features %d",
		 wrong_bits, wrong_when, wrong_hop);
}

static float sigmoid(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

/* The stream of a hop model against the trainer's view of it: rfx_frontend_push's features, one
 * per hop, through rfx_bptt_forward (the training forward), then the sigmoid. */
static void test_hop_stream(void)
{
	rt_case("hop 16: outputs 0 until the first step, held between steps, equal to training's "
		"forward on the pushed features; any block size, the same bits; the file keeps it");
	enum { HOP = 16, N = 4096, K = 3, S = N / HOP, I = B + 1 };
	RfxModel *m = model_with_frontend_hop(HOP);
	if (!m) {
		RT_CHECK(0, "no model");
		return;
	}
	static float x[N], y[N * K], y5[N * K], feat[S * I], yb[S * K];
	uint64_t r = rt_seed();
	for (int i = 0; i < N; i++)
		x[i] = rt_rand_uniform(&r, -0.5f, 0.5f) * (i % 700 < 40 ? 1.0f : 0.01f);
	RfxStream *st = NULL;
	RT_OK(rfx_stream_create(m, &st));
	rfx_stream_process(st, x, y, N);
	rfx_stream_reset(st);
	for (int i = 0; i < N; i += 5)
		rfx_stream_process(st, x + i, y5 + (size_t)i * K, (uint32_t)(N - i < 5 ? N - i : 5));
	RT_CHECK(memcmp(y, y5, sizeof y) == 0, "blocks of 5 differ from one block");
	int early = 0, unheld = 0;
	for (int i = 0; i < N; i++)
		for (int k = 0; k < K; k++) {
			early += i < HOP - 1 && y[i * K + k] != 0.0f;
			unheld += i >= HOP && i % HOP != HOP - 1 && y[i * K + k] != y[(i - 1) * K + k];
		}
	RT_CHECK(!early && !unheld, "%d outputs before the first step, %d changed between steps",
		 early, unheld);
	RfxFrontend fe;
	rfx_frontend_init(&fe, &m->spec.frontend, RATE);
	int n = 0;
	for (int i = 0; i < N; i++)
		n += rfx_frontend_push(&fe, x[i], feat + (size_t)n * I);
	RfxBptt *bp = NULL;
	RfxBpttConfig cfg = { .max_batch = 1, .max_steps = 64, .n_threads = 1,
			      .loss = { .kind = RFX_LOSS_BCE } };
	RT_OK(rfx_bptt_create(m, &cfg, &bp));
	RfxBpttBatch b = { .B = 1, .T = S, .x = feat };
	RT_CHECK(n == S && bp && rfx_bptt_forward(bp, &b, yb, 0) == RFX_OK, "forward failed");
	double worst = 0;
	for (int s = 0; s < S; s++)
		for (int k = 0; k < K; k++)
			worst = fmax(worst, fabs(sigmoid(yb[s * K + k]) - y[(s * HOP + HOP - 1) * K + k]));
	RT_CHECK(worst <= 1e-5, "stream and training's forward differ by %g", worst);
	rfx_bptt_destroy(bp);

	char detail[256] = "";
	RfxModel *back = round_trip(m);
	RT_CHECK(back && back->spec.frontend.hop == HOP, "hop lost in the file");
	rfx_model_free(back);

	rt_case("a hop past 4096, below 0, or without bands is refused");
	RfxModelSpec sp = m->spec;
	sp.frontend.hop = RFX_FRONTEND_MAX_HOP + 1;
	RT_CHECK(rfx_model_spec_check(&sp, detail, sizeof detail) == RFX_ERR_FIELD, "4097 accepted");
	sp.frontend.hop = -1;
	RT_CHECK(rfx_model_spec_check(&sp, detail, sizeof detail) == RFX_ERR_FIELD, "-1 accepted");
	RfxFrontendSpec none = { .bands = 0, .hop = 4 };
	RT_CHECK(rfx_frontend_spec_check(&none, detail, sizeof detail) == RFX_ERR_FIELD,
		 "a hop without bands accepted");
	rfx_stream_destroy(st);
	rfx_model_free(m);
}

static void test_stream(void)
{
	rt_case("a model with a front end: blocks of 1, 5 and 4096 give the same bits; one host input");
	RfxModel *m = model_with_frontend();
	RT_CHECK(m && rfx_model_n_inputs(m) == 1, "host inputs %d", m ? rfx_model_n_inputs(m) : -1);
	if (!m)
		return;
	enum { N = 4096, K = 3 };
	static float x[N], ref[N * K], y[N * K];
	uint64_t r = rt_seed();
	for (int i = 0; i < N; i++)
		x[i] = rt_rand_uniform(&r, -0.5f, 0.5f) * (i % 700 < 40 ? 1.0f : 0.01f);
	RfxStream *st = NULL;
	RT_OK(rfx_stream_create(m, &st));
	rfx_stream_process(st, x, ref, N);
	const int blocks[] = { 1, 5 };
	for (int b = 0; b < 2; b++) {
		rfx_stream_reset(st);
		for (int i = 0; i < N; i += blocks[b]) {
			const int len = N - i < blocks[b] ? N - i : blocks[b];
			rfx_stream_process(st, x + i, y + (size_t)i * K, (uint32_t)len);
		}
		RT_CHECK(memcmp(ref, y, sizeof y) == 0, "block %d differs", blocks[b]);
	}
	/* Round trip: the front end is part of what the model file says. */
	char detail[256] = "";
	RfxModel *back = round_trip(m);
	RT_CHECK(back && back->spec.frontend.bands == B && back->spec.frontend.low_hz == 50.0f &&
		 back->spec.frontend.high_hz == 12000.0f && back->spec.frontend.hop == 0,
		 "front end lost in the file");
	rfx_model_free(back);
	rfx_stream_destroy(st);

	rt_case("a front end on an effect, or with the wrong input count, is refused");
	RfxModelSpec s = m->spec;
	s.n_inputs = 1;
	RT_CHECK(rfx_model_spec_check(&s, detail, sizeof detail) == RFX_ERR_FIELD, "inputs 1 accepted");
	s = m->spec;
	s.mode = RFX_MODE_EFFECT;
	s.n_outputs = 1;
	RT_CHECK(rfx_model_spec_check(&s, detail, sizeof detail) == RFX_ERR_FIELD, "effect accepted");
	s = m->spec;
	s.frontend.bands = 16;
	RT_CHECK(rfx_model_spec_check(&s, detail, sizeof detail) == RFX_ERR_FIELD, "16 bands accepted");
	rfx_model_free(m);
}

int main(void)
{
	test_level_invariance();
	test_band_selectivity();
	test_bounded();
	test_stream();
	test_push();
	test_hop_stream();
	return rt_finish();
}
