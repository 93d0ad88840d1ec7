/* Unit tests for trainer/memory.c, the estimate of a target's memory, on signals made here: a
 * static curve and short filters (an amp: no long memory), and compressors whose release sets
 * the memory (the estimate must grow with it and land within a factor of four of the release),
 * with and without a static curve in front. A failure prints the seed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../trainer/memory.h"
#include "../harness.h"

#define RATE 48000.0
#define N (size_t)(60 * RATE)

/* Plucks: decaying bursts of band-limited noise at random levels, with gaps, like a DI. */
static void make_input(float *x, size_t n, uint64_t *s)
{
	double env = 0, lp = 0, level = 0.3;
	for (size_t i = 0; i < n; i++) {
		if (i % 9600 == 0) { /* a new event every 0.2 s: loud, quiet or silent */
			const double r = rt_rand_uniform(s, 0, 1);
			level = r < 0.2 ? 0 : pow(10, rt_rand_uniform(s, -35, -3) / 20);
			env = 1;
		}
		env *= 0.99995;
		lp += 0.2 * (rt_rand_uniform(s, -1, 1) - lp);
		x[i] = (float)(level * env * lp * 3);
	}
}

/* One-pole filters around a tanh: short memory only. */
static void amp(const float *x, float *y, size_t n)
{
	double a = 0, b = 0;
	for (size_t i = 0; i < n; i++) {
		a += 0.3 * (x[i] - a);
		b += 0.5 * (tanh(6 * a) - b);
		y[i] = (float)(0.4 * b);
	}
}

/* A feed-forward compressor: peak detector (attack 5 ms, release `release` s), ratio 8 above
 * -30 dBFS; `pre` drives a tanh first. */
static void compressor(const float *x, float *y, size_t n, double release, int pre)
{
	const double att = 1 - exp(-1 / (0.005 * RATE)), rel = 1 - exp(-1 / (release * RATE));
	double env = 0;
	for (size_t i = 0; i < n; i++) {
		const double v = pre ? 0.5 * tanh(4 * x[i]) : x[i], a = fabs(v);
		env += (a > env ? att : rel) * (a - env);
		const double lev = 20 * log10(env + 1e-9);
		const double gain_db = lev > -30 ? (lev + 30) * (1.0 / 8 - 1) : 0;
		y[i] = (float)(v * pow(10, gain_db / 20));
	}
}

int main(void)
{
	uint64_t seed = rt_seed(), s = seed;
	float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	if (!x || !y)
		return 1;
	make_input(x, N, &s);
	TrnMemory m;

	rt_case("an amp (a tanh between short filters): no long memory");
	amp(x, y, N);
	trn_memory_estimate(x, y, N, RATE, &m);
	printf("    amp: memory %.3f s, explained %.2f -> %.2f\n", m.memory_s, m.explained_static,
	       m.explained_all);
	RT_CHECK(m.memory_s == 0 && m.frames > 1000, "memory %g s (seed %llu)", m.memory_s,
		 (unsigned long long)seed);

	rt_case("compressors: the memory grows with the release, within 4x of it past 0.2 s");
	static const double releases[] = { 0.25, 0.5, 1.0, 2.0 };
	double last = 0;
	for (int pre = 0; pre <= 1; pre++)
		for (size_t k = 0; k < sizeof releases / sizeof releases[0]; k++) {
			compressor(x, y, N, releases[k], pre);
			trn_memory_estimate(x, y, N, RATE, &m);
			printf("    release %.2f s%s: memory %.3f s, explained %.2f -> %.2f\n", releases[k],
			       pre ? " after a tanh" : "", m.memory_s, m.explained_static, m.explained_all);
			RT_CHECK(m.memory_s >= releases[k] / 4 && m.memory_s <= releases[k] * 4,
				 "release %g%s: memory %g s (seed %llu)", releases[k], pre ? " (tanh)" : "",
				 m.memory_s, (unsigned long long)seed);
			RT_CHECK(k == 0 || m.memory_s >= last, "release %g: memory %g below %g", releases[k],
				 m.memory_s, last);
			last = m.memory_s;
		}

	rt_case("chrono gates: LSTM forget bias log(u), input bias -log(u), u in [1, t_max - 1]; GRU "
		"update bias; a tanh RNN unchanged");
	for (int c = RFX_CELL_RNN; c <= RFX_CELL_LSTM; c++) {
		RfxModelSpec spec = { .cell = (RfxCellType)c, .n_layers = 2, .n_inputs = 1, .hidden = 6,
				      .mode = RFX_MODE_EFFECT, .n_outputs = 1, .sample_rate = RATE };
		RfxModel *mod = NULL, *ref = NULL;
		RT_OK(rfx_model_new(&spec, &mod));
		RT_OK(rfx_model_new(&spec, &ref));
		rfx_model_init_random(mod, 3);
		rfx_model_init_random(ref, 3);
		trn_chrono_init(mod, 1000, 7);
		int changed = 0, ok = 1;
		for (size_t i = 0; i < mod->n_params; i++)
			changed += mod->params[i] != ref->params[i];
		for (int l = 0; c != RFX_CELL_RNN && l < 2; l++) {
			char ni[24], nh[24];
			snprintf(ni, sizeof ni, "bias_ih_l%d", l);
			snprintf(nh, sizeof nh, "bias_hh_l%d", l);
			const float *bi = rfx_model_tensor(mod, ni)->data, *bh = rfx_model_tensor(mod, nh)->data;
			for (int j = 0; j < 6; j++) {
				const float b = bi[6 + j];
				ok &= b >= 0 && b <= (float)log(999.0) + 1e-5f && bh[6 + j] == 0;
				if (c == RFX_CELL_LSTM)
					ok &= bi[j] == -b && bh[j] == 0;
			}
		}
		RT_CHECK(ok, "%s: gate biases out of their chrono ranges", rfx_cell_name(spec.cell));
		RT_CHECK(c == RFX_CELL_RNN ? changed == 0 : changed > 0, "%s: %d parameters changed",
			 rfx_cell_name(spec.cell), changed);
		rfx_model_free(mod);
		rfx_model_free(ref);
	}

	rt_case("silence or too little audio: 0, never a failure");
	for (size_t i = 0; i < N; i++)
		x[i] = y[i] = 0;
	trn_memory_estimate(x, y, N, RATE, &m);
	RT_CHECK(m.memory_s == 0 && m.frames < 100, "memory %g, frames %d", m.memory_s, m.frames);
	trn_memory_estimate(x, y, 1000, RATE, &m);
	RT_CHECK(m.memory_s == 0, "memory %g on 1000 samples", m.memory_s);
	free(x);
	free(y);
	return rt_finish();
}
