/* The opt-in bf16 recurrent weights (RFX_WEIGHTS_BF16; dsp/bf16.h packs them, kernel_avx2_fx
 * reads them packed from H = 48 on): the rounding's bounds, a stream with bf16 storage giving the
 * same bits as one whose model holds the rounded weights as floats (so the packed loops compute
 * exactly the model the other kernels run), block and pair invariance, every kernel against the
 * reference, and what the rounding costs in output ESR. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/bf16.h"
#include "../dsp/stream.h"
#include "harness.h"
#include "kernel_force.h"

static uint32_t bits_of(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

/* Finite, and no denormal: what the loops may multiply without a microcode assist. */
static int plain(float f)
{
	return isfinite(f) && (f == 0.0f || fabsf(f) >= 1.17549435e-38f);
}

static void test_rounding(void)
{
	rt_case("bf16 pairs: both weights within 2^-8, no denormals, idempotent");
	uint64_t seed = rt_seed();
	static const float special[] = { 0.0f, -0.0f, 1.0f, -1.0f, 1e-30f, -3e-39f, 1e-45f, 3.3e38f,
					 -3.4e38f, 0.00390625f, 255.5f, 1.00390625f };
	const int n_special = (int)(sizeof special / sizeof special[0]);
	int worst_even_i = -1;
	double worst_even = 0, worst_odd = 0;
	for (int i = 0; i < 200000; i++) {
		float e, o;
		if (i < n_special * n_special) {
			e = special[i / n_special];
			o = special[i % n_special];
		} else {
			e = rt_rand_uniform(&seed, -1, 1) * powf(2.0f, rt_rand_uniform(&seed, -40, 40));
			o = rt_rand_uniform(&seed, -1, 1) * powf(2.0f, rt_rand_uniform(&seed, -40, 40));
		}
		const uint32_t w = rfx_bf16_pair(e, o);
		const float de = rfx_bf16_even(w), dO = rfx_bf16_odd(w);
		RT_CHECK(plain(de) && plain(dO), "%g %g -> %g %g", e, o, de, dO);
		RT_CHECK((bits_of(de) & 0xffffu) == 0, "even not a bf16: %g", de);
		/* Relative to the weight; near 0, up to twice the smallest normal (the floor: a target
		 * below it decodes to 0 or a value under 2^-125). */
		const double ee = fabs((double)de - e) / fmax(fabs(e), 2.36e-38 * 256);
		const double eo = fabs((double)dO - o) / fmax(fabs(o), 2.36e-38 * 256);
		if (ee > worst_even) {
			worst_even = ee;
			worst_even_i = i;
		}
		worst_odd = fmax(worst_odd, eo);
		RT_CHECK(rfx_bf16_pair(de, dO) == w, "not idempotent: %g %g", e, o);
	}
	printf("     worst relative error: even %.3g (case %d), odd %.3g (bound 2^-8 = %.3g)\n",
	       worst_even, worst_even_i, worst_odd, 1.0 / 256);
	RT_CHECK(worst_even <= 1.0 / 256 + 1e-12 && worst_odd <= 1.0 / 256 + 1e-12, "even %g odd %g",
		 worst_even, worst_odd);
	RT_CHECK(rfx_bf16_pair(0.0f, 0.0f) == 0, "zeros do not pack to 0");

	rt_case("bf16 pairs: rows packed two by two, the floats rewritten to the rounded values");
	enum { ROWS = 5, COLS = 3 };
	float W[ROWS * COLS], orig[ROWS * COLS];
	uint32_t packed[(ROWS + 1) / 2 * COLS];
	for (int i = 0; i < ROWS * COLS; i++)
		W[i] = orig[i] = rt_rand_uniform(&seed, -2, 2);
	rfx_bf16_pack_rows(W, packed, ROWS, COLS);
	for (int j = 0; j < (ROWS + 1) / 2; j++)
		for (int c = 0; c < COLS; c++) {
			const uint32_t w = packed[j * COLS + c];
			RT_CHECK(w == rfx_bf16_pair(orig[2 * j * COLS + c],
						    2 * j + 1 < ROWS ? orig[(2 * j + 1) * COLS + c] : 0.0f),
				 "word %d %d", j, c);
			RT_CHECK(W[2 * j * COLS + c] == rfx_bf16_even(w), "even row %d", 2 * j);
			if (2 * j + 1 < ROWS)
				RT_CHECK(W[(2 * j + 1) * COLS + c] == rfx_bf16_odd(w), "odd row %d", 2 * j + 1);
		}
}

typedef struct {
	RfxCellType cell;
	int layers, H, inputs;
	RfxOutputMode mode;
	const char *name;
} Shape;

/* The packed loops' shapes (H >= 48: one layer, the pair, stacks, knobs, heads), and below 48,
 * where the loops read the rounded floats, and the generic kernel's odd widths. */
static const Shape shapes[] = {
	{ RFX_CELL_GRU, 1, 64, 1, RFX_MODE_EFFECT, "gru H64" },
	{ RFX_CELL_GRU, 1, 48, 1, RFX_MODE_EFFECT, "gru H48" },
	{ RFX_CELL_GRU, 1, 56, 1, RFX_MODE_EFFECT, "gru H56" },
	{ RFX_CELL_LSTM, 1, 48, 1, RFX_MODE_EFFECT, "lstm H48" },
	{ RFX_CELL_LSTM, 1, 56, 1, RFX_MODE_EFFECT, "lstm H56" },
	{ RFX_CELL_LSTM, 1, 64, 1, RFX_MODE_EFFECT, "lstm H64" },
	{ RFX_CELL_RNN, 1, 56, 1, RFX_MODE_EFFECT, "rnn H56" },
	{ RFX_CELL_GRU, 2, 48, 3, RFX_MODE_EFFECT, "gru 2x48 2 knobs" },
	{ RFX_CELL_LSTM, 1, 64, 1, RFX_MODE_CLASSIFIER, "lstm H64 classifier" },
	{ RFX_CELL_GRU, 1, 16, 1, RFX_MODE_EFFECT, "gru H16" },
	{ RFX_CELL_GRU, 2, 5, 1, RFX_MODE_EFFECT, "gru 2x5" },
	{ RFX_CELL_LSTM, 1, 20, 1, RFX_MODE_EFFECT, "lstm H20 (padded)" },
};
#define N_SHAPES (int)(sizeof shapes / sizeof shapes[0])

static RfxModel *make_model(const Shape *s, uint64_t seed)
{
	RfxModelSpec sp = { .cell = s->cell, .n_layers = s->layers, .n_inputs = s->inputs,
			    .hidden = s->H, .mode = s->mode,
			    .n_outputs = s->mode == RFX_MODE_EFFECT ? 1 : 4, .skip = s->mode == RFX_MODE_EFFECT,
			    .sample_rate = 48000 };
	RfxModel *m = NULL;
	if (rfx_model_new(&sp, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	/* Out of the gates' linear region; a plain RNN that large is chaotic from H = 56 (any two
	 * roundings part within a few hundred samples), so it keeps PyTorch's scale. */
	const float scale = s->cell == RFX_CELL_RNN ? 1.0f : 2.5f;
	for (size_t i = 0; i < m->n_params; i++)
		m->params[i] *= scale;
	return m;
}

/* A copy of m whose weight_hh hold their bf16 values as floats: pairs of adjacent columns (what
 * h[2j] and h[2j + 1] multiply), as the stream packs them. */
static RfxModel *rounded_copy(const RfxModel *m)
{
	RfxModel *r = NULL;
	if (rfx_model_clone(m, &r) != RFX_OK)
		return NULL;
	for (int l = 0; l < m->spec.n_layers; l++) {
		char name[24];
		snprintf(name, sizeof name, "weight_hh_l%d", l);
		RfxTensor *t = rfx_model_tensor(r, name);
		for (int row = 0; row < t->rows; row++) {
			float *w = t->data + (size_t)row * t->cols;
			for (int k = 0; k < t->cols; k += 2) {
				const uint32_t p = rfx_bf16_pair(w[k], k + 1 < t->cols ? w[k + 1] : 0.0f);
				w[k] = rfx_bf16_even(p);
				if (k + 1 < t->cols)
					w[k + 1] = rfx_bf16_odd(p);
			}
		}
	}
	return r;
}

static void fill(float *x, int n, uint64_t *seed)
{
	for (int i = 0; i < n; i++)
		x[i] = 0.6f * sinf(0.029f * (float)i) + rt_rand_uniform(seed, -0.4f, 0.4f);
}

/* Runs x through a fresh stream of m in random blocks (the knobs set). */
static void run(const RfxModel *m, const float *x, float *y, int n, uint64_t *seed)
{
	RfxStream *st = NULL;
	RT_OK(rfx_stream_create(m, &st));
	if (!st)
		return;
	rfx_stream_set_input(st, 1, 0.3f);
	rfx_stream_set_input(st, 2, -0.5f);
	const int O = rfx_stream_n_outputs(st);
	for (int i = 0; i < n;) {
		int len = seed ? (int)(rt_rand_u64(seed) % 301) : n;
		if (len > n - i)
			len = n - i;
		rfx_stream_process(st, x + i, y + (size_t)i * O, (uint32_t)len);
		i += len;
	}
	rfx_stream_destroy(st);
}

enum { N = 3000, MAXO = 4 };

/* Whether streams get kernel `name` when RFX_KERNEL asks for it on this CPU. */
static int kernel_runs(const char *name)
{
	static const Shape probe = { RFX_CELL_GRU, 1, 64, 1, RFX_MODE_EFFECT, "probe" };
	RfxModel *m = make_model(&probe, 1);
	RfxStream *st = NULL;
	setenv("RFX_KERNEL", name, 1);
	const int runs = m && rfx_stream_create(m, &st) == RFX_OK &&
			 strcmp(rfx_stream_kernel_name(st), name) == 0;
	restore_kernel();
	rfx_stream_destroy(st);
	rfx_model_free(m);
	return runs;
}

static void test_same_bits(void)
{
	kcase("bf16 storage: the same bits as the rounded weights in floats, in any blocks");
	uint64_t seed = rt_seed();
	static float x[N], a[N * MAXO], b[N * MAXO], c[N * MAXO];
	fill(x, N, &seed);
	for (int s = 0; s < N_SHAPES; s++) {
		RfxModel *m = make_model(&shapes[s], 40 + s), *r = rounded_copy(m);
		RT_CHECK(m && r, "%s: setup", shapes[s].name);
		if (!m || !r)
			continue;
		RT_OK(rfx_model_set_weight_storage(m, RFX_WEIGHTS_BF16));
		const int O = m->spec.n_outputs;
		run(m, x, a, N, NULL);  /* one block */
		run(m, x, b, N, &seed); /* random blocks */
		run(r, x, c, N, &seed);
		RT_CHECK(memcmp(a, b, (size_t)N * O * sizeof *a) == 0, "%s: blocks change the bits",
			 shapes[s].name);
		RT_CHECK(memcmp(a, c, (size_t)N * O * sizeof *a) == 0, "%s: not the rounded model's bits",
			 shapes[s].name);
		rfx_model_free(r);
		rfx_model_free(m);
	}
}

static void test_pairs(void)
{
	kcase("bf16 storage: a pair gives each stream's bits alone");
	uint64_t seed = rt_seed();
	static float xa[N], xb[N], ya[N], yb[N], ra[N], rb[N];
	fill(xa, N, &seed);
	fill(xb, N, &seed);
	for (int s = 0; s < N_SHAPES; s++) {
		if (shapes[s].layers != 1 || shapes[s].mode != RFX_MODE_EFFECT)
			continue;
		RfxModel *m = make_model(&shapes[s], 70 + s);
		RfxStream *a = NULL, *b = NULL;
		RT_OK(rfx_model_set_weight_storage(m, RFX_WEIGHTS_BF16));
		RT_OK(rfx_stream_create(m, &a));
		RT_OK(rfx_stream_create(m, &b));
		if (!a || !b)
			continue;
		/* GRU and LSTM from H = 48 have the packed pair loop; the rest may run as two calls. */
		RT_CHECK(rfx_stream_pairs(a, b) || shapes[s].H < 48 || shapes[s].cell == RFX_CELL_RNN,
			 "%s: two bf16 streams of one model do not pair", shapes[s].name);
		for (int i = 0; i < N;) {
			int len = (int)(rt_rand_u64(&seed) % 301);
			len = len > N - i ? N - i : len;
			rfx_stream_process_pair(a, b, xa + i, xb + i, ya + i, yb + i, (uint32_t)len);
			i += len;
		}
		run(m, xa, ra, N, NULL);
		run(m, xb, rb, N, NULL);
		RT_CHECK(memcmp(ya, ra, sizeof ya) == 0 && memcmp(yb, rb, sizeof yb) == 0,
			 "%s: the pair differs from the streams alone", shapes[s].name);
		/* A float stream of the same model has other weights: never its pair. */
		RfxModel *f = NULL;
		RfxStream *fs = NULL;
		RT_OK(rfx_model_clone(m, &f));
		RT_OK(rfx_model_set_weight_storage(f, RFX_WEIGHTS_F32));
		RT_OK(rfx_stream_create(f, &fs));
		RT_CHECK(fs && !rfx_stream_pairs(a, fs), "%s: f32 and bf16 streams paired", shapes[s].name);
		rfx_stream_destroy(fs);
		rfx_model_free(f);
		rfx_stream_destroy(a);
		rfx_stream_destroy(b);
		rfx_model_free(m);
	}
}

static void test_kernels_agree(void)
{
	kcase("bf16 storage: within 1e-5 of the reference kernel");
	uint64_t seed = rt_seed();
	static float x[N], a[N * MAXO], b[N * MAXO];
	fill(x, N, &seed);
	for (int s = 0; s < N_SHAPES; s++) {
		RfxModel *m = make_model(&shapes[s], 90 + s);
		RT_OK(rfx_model_set_weight_storage(m, RFX_WEIGHTS_BF16));
		run(m, x, a, N, NULL);
		setenv("RFX_KERNEL", "generic", 1);
		run(m, x, b, N, NULL);
		restore_kernel();
		double worst = 0;
		for (int i = 0; i < N * m->spec.n_outputs; i++)
			worst = fmax(worst, fabs((double)a[i] - b[i]));
		RT_CHECK(worst <= 1e-5, "%s: max diff %g", shapes[s].name, worst);
		rfx_model_free(m);
	}
}

/* What the rounding costs: the output's ESR against the float weights' (the relative error of
 * 8-bit significands, about 1e-3 per weight, reaches the output much reduced). A bound far above
 * what it measures, far below what a lost half of a pair (or a swapped one) gives. */
static void test_cost(void)
{
	rt_case("bf16 storage: output ESR against f32 below 1e-3, and f32 the default");
	uint64_t seed = rt_seed();
	static float x[N], a[N * MAXO], b[N * MAXO];
	fill(x, N, &seed);
	for (int s = 0; s < N_SHAPES; s++) {
		if (shapes[s].mode != RFX_MODE_EFFECT)
			continue;
		RfxModel *m = make_model(&shapes[s], 110 + s);
		RT_CHECK(rfx_model_weight_storage(m) == RFX_WEIGHTS_F32, "%s: default not f32", shapes[s].name);
		run(m, x, a, N, NULL);
		RT_OK(rfx_model_set_weight_storage(m, RFX_WEIGHTS_BF16));
		run(m, x, b, N, NULL);
		double err = 0, ref = 0, mean = 0;
		for (int i = 0; i < N; i++)
			mean += a[i] / (double)N;
		for (int i = 0; i < N; i++) {
			err += ((double)b[i] - a[i]) * ((double)b[i] - a[i]);
			ref += (a[i] - mean) * (a[i] - mean);
		}
		const double esr = err / ref;
		printf("     %-22s ESR bf16 vs f32 %.3g\n", shapes[s].name, esr);
		RT_CHECK(esr < 1e-3 && esr > 0, "%s: ESR %g", shapes[s].name, esr);
		rfx_model_free(m);
	}
	rt_case("bf16 storage: names, and invalid values refused");
	RT_CHECK(rfx_weight_storage_from_name("bf16") == RFX_WEIGHTS_BF16, "bf16");
	RT_CHECK(rfx_weight_storage_from_name("f32") == RFX_WEIGHTS_F32, "f32");
	RT_CHECK(rfx_weight_storage_from_name("f16") == RFX_WEIGHTS_COUNT, "f16 taken");
	RT_CHECK(strcmp(rfx_weight_storage_name(RFX_WEIGHTS_BF16), "bf16") == 0, "name");
	RfxModel *m = make_model(&shapes[0], 1);
	RT_CHECK(rfx_model_set_weight_storage(m, RFX_WEIGHTS_COUNT) == RFX_ERR_INVALID, "COUNT taken");
	RT_CHECK(rfx_model_set_weight_storage(NULL, RFX_WEIGHTS_BF16) == RFX_ERR_INVALID, "NULL taken");
	RT_OK(rfx_model_set_weight_storage(m, RFX_WEIGHTS_BF16));
	RfxModel *c = NULL;
	RT_OK(rfx_model_clone(m, &c));
	RT_CHECK(rfx_model_weight_storage(c) == RFX_WEIGHTS_BF16, "a clone loses the storage");
	rfx_model_free(c);
	rfx_model_free(m);
}

int main(void)
{
	test_rounding();
	/* Both builds of the specialised loops (their float forms differ by register count); on a CPU
	 * with neither, the default kernel, which reads the rounded floats. */
	static const char *const kernels[] = { "avx512", "avx2" };
	int ran = 0;
	for (int k = 0; k < 2; k++) {
		if (!kernel_runs(kernels[k])) {
			char nm[64];
			snprintf(nm, sizeof nm, "bf16 storage on %s", kernels[k]);
			rt_skip(nm, "this CPU does not run it");
			continue;
		}
		forced_kernel = kernels[k];
		restore_kernel();
		test_same_bits();
		test_pairs();
		test_kernels_agree();
		ran = 1;
	}
	forced_kernel = NULL;
	restore_kernel();
	if (!ran) {
		test_same_bits();
		test_pairs();
		test_kernels_agree();
	}
	test_cost();
	return rt_finish();
}
