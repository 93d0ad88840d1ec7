/* Unit tests for trainer/ensemble.c: models side by side as one. For every cell, 1 to 3 layers, a
 * width the specialised loops cover (8) and one they pad (12), and an onset model with a front
 * end and a hop: the merged model's output is the mean of the members' (their logits, for the
 * onset model), sample by sample, through the engine the plugin runs. And the refusals: members
 * of different shapes, a trained initial state. A failure prints the seed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../trainer/ensemble.h"
#include "../harness.h"

enum { N = 3000, M = 3 };

static RfxModel *member(const RfxModelSpec *spec, uint64_t seed)
{
	RfxModel *m = NULL;
	if (rfx_model_new(spec, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	for (int k = 0; k < spec->n_outputs; k++)
		snprintf(m->labels[k], RFX_MAX_LABEL, "c%d", k);
	return m;
}

/* The engine's output of `m` on x: n samples (effect) or n x K probabilities, as logits. */
static float *run(const RfxModel *m, const float *x, int K)
{
	RfxEngine *e = NULL;
	float *y = malloc((size_t)N * (size_t)K * sizeof *y);
	if (!y || rfx_engine_create(m, 1, m->spec.sample_rate, RFX_RATE_QUALITY_DEFAULT, &e, NULL, 0)) {
		free(y);
		return NULL;
	}
	rfx_engine_process(e, x, y, N);
	rfx_engine_destroy(e);
	if (m->spec.mode != RFX_MODE_EFFECT)
		for (size_t i = 0; i < (size_t)N * (size_t)K; i++)
			y[i] = logf(y[i] / (1.0f - y[i]));
	return y;
}

static void check_merge(const char *name, const RfxModelSpec *spec, uint64_t *s)
{
	rt_case(name);
	RfxModel *mem[M], *out = NULL;
	const char *names[M] = { "a.json", "b.json", "c.json" };
	float x[N];
	for (int i = 0; i < N; i++)
		x[i] = rt_rand_uniform(s, -0.5f, 0.5f) * (i % 700 < 40 ? 1.0f : 0.05f); /* hits */
	for (int m = 0; m < M; m++)
		mem[m] = member(spec, rt_rand_u64(s));
	TrnError err = { 0 };
	RT_CHECK(trn_ensemble_merge(mem, names, M, &out, &err) == 0, "%s", err.msg);
	if (!out)
		goto done;
	const int K = spec->mode == RFX_MODE_EFFECT ? 1 : spec->n_outputs;
	RT_CHECK(out->spec.hidden == M * spec->hidden, "hidden %d", out->spec.hidden);
	RT_CHECK(strcmp(out->labels[0], "c0") == 0, "labels '%s'", out->labels[0]);
	float *y = run(out, x, K), *ym[M];
	for (int m = 0; m < M; m++)
		ym[m] = run(mem[m], x, K);
	double worst = 0;
	for (size_t i = 0; y && i < (size_t)N * (size_t)K; i++) {
		double mean = 0;
		for (int m = 0; m < M; m++)
			mean += ym[m] ? ym[m][i] / M : NAN;
		worst = fmax(worst, fabs(mean - y[i]) / fmax(1.0, fabs(mean)));
	}
	RT_CHECK(y && worst < 2e-5, "largest difference from the members' mean %g", worst);
	free(y);
	for (int m = 0; m < M; m++)
		free(ym[m]);
	rfx_model_free(out);
done:
	for (int m = 0; m < M; m++)
		rfx_model_free(mem[m]);
}

int main(void)
{
	uint64_t s = rt_seed();
	static const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	for (int c = 0; c < 3; c++)
		for (int layers = 1; layers <= 3; layers++)
			for (int H = 8; H <= 12; H += 4) {
				RfxModelSpec spec = { .cell = cells[c], .n_layers = layers, .n_inputs = 1,
						      .hidden = H, .mode = RFX_MODE_EFFECT, .n_outputs = 1,
						      .skip = 1, .sample_rate = 48000 };
				char name[96];
				snprintf(name, sizeof name, "%s, %d layer(s), H %d: the mean of three",
					 rfx_cell_name(cells[c]), layers, H);
				check_merge(name, &spec, &s);
			}
	RfxModelSpec onset = { .cell = RFX_CELL_GRU, .n_layers = 1, .hidden = 16,
			       .mode = RFX_MODE_ONSET, .n_outputs = 4, .sample_rate = 48000,
			       .frontend = rfx_frontend_spec_default(6) };
	onset.frontend.hop = 48;
	onset.n_inputs = rfx_frontend_inputs(&onset.frontend);
	check_merge("an onset model with a front end and a hop: the mean of the logits", &onset, &s);

	rt_case("members of another shape or with a trained initial state are refused");
	RfxModelSpec a = { .cell = RFX_CELL_GRU, .n_layers = 1, .n_inputs = 1, .hidden = 8,
			   .mode = RFX_MODE_EFFECT, .n_outputs = 1, .sample_rate = 48000 };
	RfxModelSpec b = a, c = a;
	b.hidden = 16;
	c.init[0] = RFX_INIT_TRAINED;
	RfxModel *ma = member(&a, 1), *mb = member(&b, 2), *mc = member(&c, 3), *out = NULL;
	const char *names[2] = { "a.json", "b.json" };
	TrnError err = { 0 };
	RfxModel *pair[2] = { ma, mb };
	RT_CHECK(trn_ensemble_merge(pair, names, 2, &out, &err) != 0 && !out &&
			 strstr(err.msg, "hidden size") && strcmp(err.file, "b.json") == 0,
		 "'%s: %s'", err.file, err.msg);
	memset(&err, 0, sizeof err);
	pair[1] = mc;
	RT_CHECK(trn_ensemble_merge(pair, names, 2, &out, &err) != 0 && strstr(err.msg, "initial state"),
		 "'%s'", err.msg);
	rfx_model_free(ma);
	rfx_model_free(mb);
	rfx_model_free(mc);
	return rt_finish();
}
