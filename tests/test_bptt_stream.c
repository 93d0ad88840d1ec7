/* Training's forward (rfx_bptt_forward) against streaming inference (rfx_stream_process) on the
 * same model: both run cell_step.h's step of each cell, so with the reference kernels
 * (RFX_BPTT_KERNEL=generic, RFX_KERNEL=generic) the recurrent state after every sample is the same
 * bits, and the outputs differ only by the order of the head's sum: tolerance 1e-6. The default
 * kernels (AVX2 where the CPU has it: FMA, and the specialised loops' own activations) are held
 * to the 1e-5 that tests/test_stream.c allows between stream kernels. Each cell, 1 and 2 layers,
 * H from 1 to 32, a conditioning input, skip, a stored initial state and a classifier (whose
 * stream outputs are the softmax of training's logits). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/bptt.h"
#include "../dsp/stream.h"
#include "harness.h"

enum { T = 1500 };

typedef struct {
	RfxCellType cell;
	int L, H, I, classes, skip;
	RfxInitKind init;
} Config;

static const Config configs[] = {
	{ RFX_CELL_RNN, 1, 8, 1, 0, 1, RFX_INIT_ZEROS },   { RFX_CELL_RNN, 2, 5, 2, 0, 0, RFX_INIT_VECTOR },
	{ RFX_CELL_GRU, 1, 1, 1, 0, 1, RFX_INIT_ZEROS },   { RFX_CELL_GRU, 1, 16, 1, 0, 0, RFX_INIT_VECTOR },
	{ RFX_CELL_GRU, 2, 13, 2, 0, 1, RFX_INIT_TRAINED }, { RFX_CELL_GRU, 1, 32, 1, 3, 0, RFX_INIT_ZEROS },
	{ RFX_CELL_LSTM, 1, 8, 1, 0, 1, RFX_INIT_VECTOR }, { RFX_CELL_LSTM, 2, 12, 1, 0, 0, RFX_INIT_ZEROS },
	{ RFX_CELL_LSTM, 1, 32, 2, 0, 1, RFX_INIT_TRAINED },
};
#define N_CONFIGS (int)(sizeof configs / sizeof configs[0])

static RfxModel *make_model(const Config *c, uint64_t seed)
{
	RfxModelSpec s = { 0 };
	s.cell = c->cell;
	s.n_layers = c->L;
	s.hidden = c->H;
	s.n_inputs = c->I;
	s.mode = c->classes ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT;
	s.n_outputs = c->classes ? c->classes : 1;
	s.skip = c->skip;
	s.sample_rate = 48000;
	for (int l = 0; l < c->L; l++)
		s.init[l] = c->init;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	uint64_t r = seed * 31 + 7;
	for (int i = 0; i < m->n_tensors; i++) { /* a non-zero initial state where the model has one */
		RfxTensor *t = &m->tensors[i];
		if ((t->name[0] == 'h' || t->name[0] == 'c') && t->name[1] == '0')
			for (int j = 0; j < t->rows * t->cols; j++)
				t->data[j] = rt_rand_uniform(&r, -0.5f, 0.5f);
	}
	return m;
}

/* Runs the model both ways with the kernels the environment picks; returns the largest output
 * difference and says whether the final states are the same bits. */
static double compare(const Config *c, RfxModel *m, const float *audio, int *same_state,
		      const char **knames)
{
	static float xs[T * 2], ys[T * RFX_MAX_CLASSES], yb[T * RFX_MAX_CLASSES];
	const float cond = 0.25f;
	const int O = c->classes ? c->classes : 1;
	for (int t = 0; t < T; t++) {
		xs[t * c->I] = audio[t];
		if (c->I > 1)
			xs[t * c->I + 1] = cond;
	}
	RfxStream *st = NULL;
	RfxBptt *bp = NULL;
	RfxBpttConfig cfg = { 0 };
	cfg.max_batch = 1;
	cfg.max_steps = 64; /* the forward runs any T, in blocks of max_steps */
	cfg.n_threads = 1;
	cfg.loss.kind = c->classes ? RFX_LOSS_CE : RFX_LOSS_MSE;
	if (rfx_stream_create(m, &st) != RFX_OK || rfx_bptt_create(m, &cfg, &bp) != RFX_OK) {
		RT_CHECK(0, "create failed");
		rfx_stream_destroy(st);
		return INFINITY;
	}
	knames[0] = rfx_stream_kernel_name(st);
	knames[1] = rfx_bptt_kernel_name(bp);
	rfx_stream_set_input(st, 1, cond);
	rfx_stream_process(st, audio, ys, T);
	RfxBpttBatch b = { 0 };
	b.B = 1;
	b.T = T;
	b.x = xs;
	RT_CHECK(rfx_bptt_forward(bp, &b, yb, 0) == RFX_OK, "forward failed");
	double worst = 0;
	for (int t = 0; t < T; t++) {
		if (c->classes) { /* the stream's probabilities are the softmax of the logits */
			double mx = -INFINITY, sum = 0;
			for (int o = 0; o < O; o++)
				mx = fmax(mx, yb[t * O + o]);
			for (int o = 0; o < O; o++)
				sum += exp(yb[t * O + o] - mx);
			for (int o = 0; o < O; o++)
				worst = fmax(worst, fabs(exp(yb[t * O + o] - mx) / sum - ys[t * O + o]));
		} else {
			worst = fmax(worst, fabs((double)yb[t] - ys[t]));
		}
	}
	size_t ns = 0, nb = 0;
	const float *ss = rfx_stream_state(st, &ns), *sb = rfx_bptt_state(bp, 0, &nb);
	*same_state = ns == nb && memcmp(ss, sb, ns * sizeof *ss) == 0;
	RT_CHECK(rfx_stream_nonfinite_count(st) == 0, "the stream reset itself");
	rfx_stream_destroy(st);
	rfx_bptt_destroy(bp);
	return worst;
}

int main(void)
{
	uint64_t seed = rt_seed();
	static float audio[T];
	for (int t = 0; t < T; t++)
		audio[t] = 0.5f * sinf(0.013f * (float)t) + rt_rand_uniform(&seed, -0.4f, 0.4f);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N_CONFIGS; i++) {
			const Config *c = &configs[i];
			if (i == 0 || c->cell != configs[i - 1].cell) {
				char nm[96];
				snprintf(nm, sizeof nm, "%s, %s", rfx_cell_name(c->cell),
					 pass == 0 ? "reference kernels: the same state bits, outputs within 1e-6"
						   : "default kernels: outputs within 1e-5");
				rt_case(nm);
			}
			RfxModel *m = make_model(c, seed + (uint64_t)i);
			if (!m) {
				RT_CHECK(0, "config %d: no model", i);
				continue;
			}
			if (pass == 0) {
				setenv("RFX_KERNEL", "generic", 1);
				setenv("RFX_BPTT_KERNEL", "generic", 1);
			}
			int same = 0;
			const char *kn[2] = { "?", "?" };
			const double worst = compare(c, m, audio, &same, kn);
			unsetenv("RFX_KERNEL");
			unsetenv("RFX_BPTT_KERNEL");
			char what[64];
			snprintf(what, sizeof what, "%s L%d H%d I%d%s%s", rfx_cell_name(c->cell), c->L, c->H,
				 c->I, c->skip ? " skip" : "", c->classes ? " classifier" : "");
			printf("     %-26s stream %-9s bptt %-7s max |diff| %-9.3g state %s\n", what, kn[0],
			       kn[1], worst, same ? "bit-identical" : "differs");
			if (pass == 0) {
				RT_CHECK(strcmp(kn[0], "generic") == 0 && strcmp(kn[1], "generic") == 0,
					 "kernels %s / %s, not the reference ones", kn[0], kn[1]);
				RT_CHECK(worst <= 1e-6, "%s L%d H%d: max diff %g", rfx_cell_name(c->cell), c->L,
					 c->H, worst);
				RT_CHECK(same, "%s L%d H%d: final states differ", rfx_cell_name(c->cell), c->L,
					 c->H);
			} else {
				RT_CHECK(worst <= 1e-5, "%s L%d H%d: max diff %g", rfx_cell_name(c->cell), c->L,
					 c->H, worst);
			}
			rfx_model_free(m);
		}
	}
	return rt_finish();
}
