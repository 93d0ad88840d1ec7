/* Training runs the segments of a chunk in groups, their time steps together (dsp/bptt_kernels.h:
 * the recurrent products of two or four segments as one), and every sum keeps the order it has for
 * a segment alone. So a segment's outputs and carried state are the same bits whether it is
 * trained alone (a batch of 1) or in a batch of 7 (a group of 4, then one of 3: a pair and a single),
 * in any slot, with 1 or 2 threads, for the forward of rfx_bptt_train and for rfx_bptt_forward in
 * blocks. Each cell, 1 and 2 layers, H from 3 to 40 (the widths the products treat differently:
 * blocks of 32, 16 and 8 columns and scalar tails), a conditioning input and a stored initial
 * state; with the default kernel and with the reference one (RFX_BPTT_KERNEL=generic). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/bptt.h"
#include "harness.h"

enum { B = 7, T = 300, T_FWD = 700 };

typedef struct {
	RfxCellType cell;
	int L, H, I;
	RfxInitKind init;
} Config;

static const Config configs[] = {
	{ RFX_CELL_RNN, 1, 8, 1, RFX_INIT_ZEROS },    { RFX_CELL_RNN, 2, 5, 2, RFX_INIT_VECTOR },
	{ RFX_CELL_GRU, 1, 3, 1, RFX_INIT_ZEROS },    { RFX_CELL_GRU, 1, 16, 1, RFX_INIT_VECTOR },
	{ RFX_CELL_GRU, 1, 32, 1, RFX_INIT_TRAINED }, { RFX_CELL_GRU, 2, 12, 2, RFX_INIT_ZEROS },
	{ RFX_CELL_GRU, 1, 40, 1, RFX_INIT_ZEROS },   { RFX_CELL_LSTM, 1, 8, 1, RFX_INIT_VECTOR },
	{ RFX_CELL_LSTM, 2, 16, 1, RFX_INIT_ZEROS },  { RFX_CELL_LSTM, 1, 32, 2, RFX_INIT_TRAINED },
};
#define N_CONFIGS (int)(sizeof configs / sizeof configs[0])

static RfxModel *make_model(const Config *c, uint64_t seed)
{
	RfxModelSpec s = { 0 };
	s.cell = c->cell;
	s.n_layers = c->L;
	s.hidden = c->H;
	s.n_inputs = c->I;
	s.mode = RFX_MODE_EFFECT;
	s.n_outputs = 1;
	s.skip = 1;
	s.sample_rate = 48000;
	for (int l = 0; l < c->L; l++)
		s.init[l] = c->init;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	uint64_t r = seed * 17 + 3;
	for (int i = 0; i < m->n_tensors; i++) { /* a non-zero initial state where the model has one */
		RfxTensor *t = &m->tensors[i];
		if ((t->name[0] == 'h' || t->name[0] == 'c') && t->name[1] == '0')
			for (int j = 0; j < t->rows * t->cols; j++)
				t->data[j] = rt_rand_uniform(&r, -0.5f, 0.5f);
	}
	return m;
}

static RfxBptt *make_bptt(RfxModel *m, int max_batch, int max_steps, int threads)
{
	RfxBpttConfig cfg = { max_batch, max_steps, threads,
			      rfx_loss_config_default(RFX_LOSS_ESR_DC) };
	RfxBptt *bp = NULL;
	RT_CHECK(rfx_bptt_create(m, &cfg, &bp) == RFX_OK, "create B=%d T=%d threads=%d", max_batch,
		 max_steps, threads);
	return bp;
}

/* Outputs and carried states of slots 0..B-1 after a training call and after a forward over
 * T_FWD steps (blocks of T), from a batch; or of one segment alone, slot b's data in a batch of 1
 * (b >= 0). */
static int run(RfxModel *m, const Config *c, const float *x, const float *tg, int b, int threads,
	       float *y_train, float *y_fwd, float *state_train, float *state_fwd)
{
	const int nb = b < 0 ? B : 1, I = c->I;
	RfxBptt *bp = make_bptt(m, nb, T, threads);
	if (!bp)
		return 0;
	const size_t xs = (size_t)T_FWD * I;
	RfxBpttBatch tb = { .B = nb, .T = T, .warmup = 10, .x = x + (b < 0 ? 0 : b * xs),
			    .x_stride = xs, .target = tg + (b < 0 ? 0 : (size_t)b * T_FWD),
			    .t_stride = T_FWD };
	double loss;
	size_t n = 0;
	RT_OK(rfx_bptt_train(bp, &tb, &loss));
	memcpy(y_train, rfx_bptt_outputs(bp), sizeof *y_train * (size_t)nb * T);
	for (int s = 0; s < nb; s++) {
		const float *st = rfx_bptt_state(bp, s, &n);
		memcpy(state_train + (size_t)s * n, st, sizeof *st * n);
	}
	RfxBpttBatch fb = tb;
	fb.T = T_FWD;
	RT_OK(rfx_bptt_forward(bp, &fb, y_fwd, 0));
	for (int s = 0; s < nb; s++) {
		const float *st = rfx_bptt_state(bp, s, &n);
		memcpy(state_fwd + (size_t)s * n, st, sizeof *st * n);
	}
	rfx_bptt_destroy(bp);
	return (int)n;
}

static void check_config(const Config *c, const char *kernel, uint64_t seed)
{
	RfxModel *m = make_model(c, seed);
	RT_CHECK(m != NULL, "model");
	if (!m)
		return;
	const int I = c->I;
	const size_t sn = 2 * (size_t)c->L * c->H;
	float *x = malloc(sizeof *x * B * T_FWD * I), *tg = malloc(sizeof *tg * B * T_FWD);
	float *yt = malloc(sizeof *yt * B * T), *yf = malloc(sizeof *yf * B * T_FWD);
	float *st = malloc(sizeof *st * B * sn), *sf = malloc(sizeof *sf * B * sn);
	float *yt1 = malloc(sizeof *yt1 * T), *yf1 = malloc(sizeof *yf1 * T_FWD);
	float *st1 = malloc(sizeof *st1 * sn), *sf1 = malloc(sizeof *sf1 * sn);
	if (!x || !tg || !yt || !yf || !st || !sf || !yt1 || !yf1 || !st1 || !sf1) {
		RT_CHECK(0, "out of memory");
		goto out;
	}
	uint64_t r = seed;
	for (int i = 0; i < B * T_FWD; i++) {
		for (int k = 0; k < I; k++)
			x[(size_t)i * I + k] = k ? 0.25f * (float)(i / T_FWD) : rt_rand_uniform(&r, -0.8f, 0.8f);
		tg[i] = tanhf(2.0f * x[(size_t)i * I]);
	}
	for (int threads = 1; threads <= 2; threads++) {
		const int n = run(m, c, x, tg, -1, threads, yt, yf, st, sf);
		for (int b = 0; b < B && n; b++) {
			run(m, c, x, tg, b, 1, yt1, yf1, st1, sf1);
			RT_CHECK(memcmp(yt + (size_t)b * T, yt1, sizeof *yt1 * T) == 0,
				 "%s %s L=%d H=%d threads=%d slot %d: training outputs differ from the "
				 "segment alone (seed %llu)", kernel, rfx_cell_name(c->cell), c->L, c->H,
				 threads, b, (unsigned long long)seed);
			RT_CHECK(memcmp(st + (size_t)b * n, st1, sizeof *st1 * (size_t)n) == 0,
				 "%s %s L=%d H=%d threads=%d slot %d: state after training differs",
				 kernel, rfx_cell_name(c->cell), c->L, c->H, threads, b);
			RT_CHECK(memcmp(yf + (size_t)b * T_FWD, yf1, sizeof *yf1 * T_FWD) == 0,
				 "%s %s L=%d H=%d threads=%d slot %d: forward outputs differ", kernel,
				 rfx_cell_name(c->cell), c->L, c->H, threads, b);
			RT_CHECK(memcmp(sf + (size_t)b * n, sf1, sizeof *sf1 * (size_t)n) == 0,
				 "%s %s L=%d H=%d threads=%d slot %d: state after the forward differs",
				 kernel, rfx_cell_name(c->cell), c->L, c->H, threads, b);
		}
	}
out:
	free(x);
	free(tg);
	free(yt);
	free(yf);
	free(st);
	free(sf);
	free(yt1);
	free(yf1);
	free(st1);
	free(sf1);
	rfx_model_free(m);
}

/* One training call of a batch of B with the kernel row `kernel` (RFX_BPTT_KERNEL): its outputs,
 * carried states and gradients into y, st, g. Returns 0 where the CPU has no such row (the table
 * then picks another, which rfx_bptt_kernel_name tells). */
static int train_with(RfxModel *m, const Config *c, const float *x, const float *tg, const char *kernel,
		      float *y, float *st, float *g)
{
	setenv("RFX_BPTT_KERNEL", kernel, 1);
	RfxBptt *bp = make_bptt(m, B, T, 2);
	unsetenv("RFX_BPTT_KERNEL");
	if (!bp)
		return 0;
	const int ok = strcmp(rfx_bptt_kernel_name(bp), kernel) == 0;
	RfxBpttBatch tb = { .B = B, .T = T, .warmup = 10, .x = x, .x_stride = (size_t)T * c->I,
			    .target = tg, .t_stride = T };
	double loss;
	size_t n = 0;
	rfx_bptt_zero_grad(bp);
	RT_OK(rfx_bptt_train(bp, &tb, &loss));
	memcpy(y, rfx_bptt_outputs(bp), sizeof *y * B * T);
	for (int s = 0; s < B; s++) {
		const float *sp = rfx_bptt_state(bp, s, &n);
		memcpy(st + (size_t)s * n, sp, sizeof *sp * n);
	}
	memcpy(g, rfx_bptt_grad(bp), sizeof *g * m->n_params);
	rfx_bptt_destroy(bp);
	return ok;
}

/* The "avx512" row's training kernels are bptt_kernels.h compiled with more registers and another
 * schedule: they must compute the "avx2" row's bits (outputs, states, every gradient), or a model
 * trained on one CPU would differ from the same run on another. */
static void check_avx512(uint64_t seed)
{
	RfxModel *probe = make_model(&configs[0], seed);
	setenv("RFX_BPTT_KERNEL", "avx512", 1);
	RfxBptt *pb = probe ? make_bptt(probe, 1, 8, 1) : NULL;
	unsetenv("RFX_BPTT_KERNEL");
	const int here = pb && strcmp(rfx_bptt_kernel_name(pb), "avx512") == 0;
	rfx_bptt_destroy(pb);
	rfx_model_free(probe);
	if (!here) {
		rt_skip("the avx512 training kernel gives the avx2 kernel's bits",
			"this CPU has no AVX-512F + VL");
		return;
	}
	rt_case("the avx512 training kernel gives the avx2 kernel's bits: outputs, states, gradients");
	for (int i = 0; i < N_CONFIGS; i++) {
		const Config *c = &configs[i];
		RfxModel *m = make_model(c, seed + (uint64_t)i);
		RT_CHECK(m != NULL, "model");
		if (!m)
			return;
		const size_t sn = 2 * (size_t)c->L * c->H * B, np = m->n_params;
		float *x = malloc(sizeof *x * B * T * c->I), *tg = malloc(sizeof *tg * B * T);
		float *y[2] = { malloc(sizeof(float) * B * T), malloc(sizeof(float) * B * T) };
		float *st[2] = { calloc(sn, sizeof(float)), calloc(sn, sizeof(float)) };
		float *g[2] = { malloc(sizeof(float) * np), malloc(sizeof(float) * np) };
		int have = 0;
		if (x && tg && y[0] && y[1] && st[0] && st[1] && g[0] && g[1]) {
			uint64_t r = seed * 7 + (uint64_t)i;
			for (int k = 0; k < B * T * c->I; k++)
				x[k] = rt_rand_uniform(&r, -0.8f, 0.8f);
			for (int k = 0; k < B * T; k++)
				tg[k] = tanhf(2.0f * x[(size_t)k * c->I]);
			have = train_with(m, c, x, tg, "avx2", y[0], st[0], g[0]) &&
			       train_with(m, c, x, tg, "avx512", y[1], st[1], g[1]);
			if (have) {
				RT_CHECK(memcmp(y[0], y[1], sizeof(float) * B * T) == 0,
					 "%s L=%d H=%d: outputs differ", rfx_cell_name(c->cell), c->L, c->H);
				RT_CHECK(memcmp(st[0], st[1], sizeof(float) * sn) == 0,
					 "%s L=%d H=%d: states differ", rfx_cell_name(c->cell), c->L, c->H);
				RT_CHECK(memcmp(g[0], g[1], sizeof(float) * np) == 0,
					 "%s L=%d H=%d: gradients differ", rfx_cell_name(c->cell), c->L, c->H);
			}
		} else {
			RT_CHECK(0, "out of memory");
		}
		free(x);
		free(tg);
		for (int k = 0; k < 2; k++) {
			free(y[k]);
			free(st[k]);
			free(g[k]);
		}
		rfx_model_free(m);
		RT_CHECK(have, "%s L=%d H=%d: a kernel row was not the one asked for",
			 rfx_cell_name(c->cell), c->L, c->H);
	}
}

/* The batch's chunks go to whichever thread claims them next (dsp/bptt.c), and the gradient is
 * their buffers summed in chunk order: for 1 to 4 threads, over two training calls in a row (the
 * second reuses the pool and adds to the first's gradient), a batch of 13 (chunks of 4, 4, 4, 1)
 * gives every gradient the same bits. A chunk skipped, or its buffer not cleared, would not. */
static void check_threads(uint64_t seed)
{
	enum { NB = 13 };
	rt_case("1 to 4 threads: the same gradient bits over two calls, a batch of 13");
	static const Config cs[] = { { RFX_CELL_GRU, 1, 16, 1, RFX_INIT_TRAINED },
				      { RFX_CELL_LSTM, 2, 8, 1, RFX_INIT_ZEROS } };
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		const Config *c = &cs[i];
		RfxModel *m = make_model(c, seed + 100 + i);
		RT_CHECK(m != NULL, "model");
		if (!m)
			return;
		const size_t np = m->n_params;
		float *x = malloc(sizeof *x * NB * T), *tg = malloc(sizeof *tg * NB * T);
		float *g1 = malloc(sizeof *g1 * np), *g = malloc(sizeof *g * np);
		if (x && tg && g1 && g) {
			uint64_t r = seed * 11 + i;
			for (int k = 0; k < NB * T; k++) {
				x[k] = rt_rand_uniform(&r, -0.8f, 0.8f);
				tg[k] = tanhf(2.0f * x[k]);
			}
			for (int threads = 1; threads <= 4; threads++) {
				RfxBptt *bp = make_bptt(m, NB, T, threads);
				if (!bp)
					break;
				RfxBpttBatch tb = { .B = NB, .T = T, .warmup = 10, .x = x, .target = tg };
				double loss;
				rfx_bptt_zero_grad(bp);
				RT_OK(rfx_bptt_train(bp, &tb, &loss));
				RT_OK(rfx_bptt_train(bp, &tb, &loss));
				memcpy(threads == 1 ? g1 : g, rfx_bptt_grad(bp), sizeof *g * np);
				rfx_bptt_destroy(bp);
				RT_CHECK(threads == 1 || memcmp(g1, g, sizeof *g * np) == 0,
					 "%s L=%d H=%d: %d threads give other gradients than 1",
					 rfx_cell_name(c->cell), c->L, c->H, threads);
			}
		} else {
			RT_CHECK(0, "out of memory");
		}
		free(x);
		free(tg);
		free(g1);
		free(g);
		rfx_model_free(m);
	}
}

int main(void)
{
	const uint64_t seed = rt_seed();
	/* The default kernel first (AVX2 + FMA where the CPU has them), then the reference. */
	static const char *kernels[] = { "default", "generic" };
	for (int k = 0; k < 2; k++) {
		char name[96];
		if (k)
			setenv("RFX_BPTT_KERNEL", "generic", 1);
		snprintf(name, sizeof name, "%s kernel: a segment in a batch of 7 = the segment alone",
			 kernels[k]);
		rt_case(name);
		for (int i = 0; i < N_CONFIGS; i++)
			check_config(&configs[i], kernels[k], seed + (uint64_t)i);
	}
	unsetenv("RFX_BPTT_KERNEL");
	check_avx512(seed);
	check_threads(seed);
	return rt_finish();
}
