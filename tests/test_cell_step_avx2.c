/* dsp/cell_step_avx2.h against cell_step.h and fastmath.h: the eight-unit steps training's AVX2
 * forward runs must give the bits of the scalar steps as the AVX2 build compiles them (this file
 * is built with the dsp AVX2 objects' flags, tests/module.mk), so that training computes the same
 * models whichever of the two runs. Every 31st float through each activation (all signs and
 * exponents: the clamps, tanh's series below 1/8, denormals, Inf, NaN), densely around the edges
 * where the formulas switch, random gates through each cell's step, and the one-output head's
 * eight-step sum against the in-order one. Skipped on a CPU without
 * AVX2 + FMA. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../dsp/cell_step.h"
#include "../dsp/cell_step_avx2.h"
#include "harness.h"

/* a and b, both floats: the same bits, or both NaN */
static int same(float a, float b)
{
	return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static float from_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

enum { SIGMOID, TANH, EXP };

/* x[0..8) through the scalar function and the vector one; counts the lanes that differ. */
static long compare8(const float *x, int fn, float *first_bad)
{
	float v[8];
	const __m256 xv = _mm256_loadu_ps(x);
	_mm256_storeu_ps(v, fn == TANH ? rfx_v8_tanh(xv) : fn == EXP ? rfx_v8_exp(xv) : rfx_v8_sigmoid(xv));
	/* and through the staged form training runs (rfx_v8_act_n), a sigmoid and a tanh side by side */
	float st[2][8];
	__m256 sv[2] = { xv, xv };
	rfx_v8_act_n(sv, 1, 1);
	_mm256_storeu_ps(st[0], sv[0]);
	_mm256_storeu_ps(st[1], sv[1]);
	long bad = 0;
	for (int i = 0; i < 8; i++) {
		const float s = fn == TANH ? rfx_tanhf(x[i]) : fn == EXP ? rfx_expf(x[i]) : rfx_sigmoidf(x[i]);
		const int staged_bad = fn != EXP && !same(s, st[fn == TANH][i]);
		if ((!same(s, v[i]) || staged_bad) && bad++ == 0)
			*first_bad = x[i];
	}
	return bad;
}

static void activation(const char *name, int fn)
{
	rt_case(name);
	float x[8], where = 0.0f;
	long bad = 0, n = 0;
	int k = 0;
	for (uint64_t u = 0; u < (1ull << 32); u += 31) { /* every sign, exponent and NaN payload */
		x[k++] = from_bits((uint32_t)u);
		if (k == 8) {
			bad += compare8(x, fn, &where);
			n += 8;
			k = 0;
		}
	}
	/* every float near the places the formulas change: the series (1/8), the clamps (9, 40, 87, 88) */
	static const float edges[] = { 0.125f, 9.0f, 18.0f, 40.0f, 87.0f, 88.0f };
	for (int e = 0; e < (int)(sizeof edges / sizeof edges[0]); e++)
		for (int sgn = -1; sgn <= 1; sgn += 2) {
			uint32_t c;
			const float ce = edges[e];
			memcpy(&c, &ce, sizeof c);
			for (uint32_t u = c - 4096; u < c + 4096; u += 8) {
				for (int i = 0; i < 8; i++)
					x[i] = (float)sgn * from_bits(u + (uint32_t)i);
				bad += compare8(x, fn, &where);
				n += 8;
			}
		}
	const float special[8] = { 0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-45f, 3.4e38f };
	bad += compare8(special, fn, &where);
	RT_CHECK(bad == 0, "%ld of %ld inputs differ from the scalar bits, the first at %a", bad, n,
		 (double)where);
}

enum { H = 32, G = 4 * H };

static void fill(uint64_t *s, float *v, int n, float lo, float hi)
{
	for (int i = 0; i < n; i++)
		v[i] = rt_rand_uniform(s, lo, hi);
}

static void gru(void)
{
	rt_case("GRU step: the scalar step's h, r, z, n for random gates, bit for bit, one block and staged");
	uint64_t s = rt_seed();
	float gi[G], gh[G], hp[H], out[4][8];
	long bad = 0;
	for (int it = 0; it < 20000; it++) {
		const float w = it % 2 ? 12.0f : 2.0f; /* saturated and not */
		fill(&s, gi, G, -w, w);
		fill(&s, gh, G, -w, w);
		fill(&s, hp, H, -1.0f, 1.0f);
		if (it % 1000 == 7)
			gi[it % H] = NAN;
		for (int j = 0; j < H; j += 8) {
			const RfxV8GruStep v = rfx_v8_gru_step(gi, gh, hp, H, j);
			_mm256_storeu_ps(out[0], v.r);
			_mm256_storeu_ps(out[1], v.z);
			_mm256_storeu_ps(out[2], v.n);
			_mm256_storeu_ps(out[3], v.h);
			for (int i = 0; i < 8; i++) {
				const RfxGruStep u = RFX_GRU_STEP(gi, gh, hp[j + i], H, j + i);
				bad += !same(u.r, out[0][i]) + !same(u.z, out[1][i]) + !same(u.n, out[2][i]) +
				       !same(u.h, out[3][i]);
			}
		}
		/* 1 to 4 blocks at once, their activations staged (rfx_v8_gru_steps) */
		RfxV8GruStep g[H / 8];
		const int nb = 1 + it % (H / 8), j0 = 8 * (it % (H / 8 - nb + 1));
		rfx_v8_gru_steps(gi, gh, hp, H, j0, nb, g);
		for (int b = 0; b < nb; b++) {
			const RfxV8GruStep v = rfx_v8_gru_step(gi, gh, hp, H, j0 + 8 * b);
			const __m256 d = _mm256_or_ps(_mm256_or_ps(_mm256_xor_ps(v.r, g[b].r), _mm256_xor_ps(v.z, g[b].z)),
						      _mm256_or_ps(_mm256_xor_ps(v.n, g[b].n), _mm256_xor_ps(v.h, g[b].h)));
			bad += !_mm256_testz_si256(_mm256_castps_si256(d), _mm256_castps_si256(d));
		}
	}
	RT_CHECK(bad == 0, "%ld values differ (seed %llu)", bad, (unsigned long long)rt_seed());
}

static void lstm(void)
{
	rt_case("LSTM step: the scalar step's i, f, g, o, tanh(c), c, h for random gates, bit for bit, one block and staged");
	uint64_t s = rt_seed() + 1;
	float gi[G], gh[G], cp[H], out[7][8];
	long bad = 0;
	for (int it = 0; it < 20000; it++) {
		const float w = it % 2 ? 12.0f : 2.0f;
		fill(&s, gi, G, -w, w);
		fill(&s, gh, G, -w, w);
		fill(&s, cp, H, -3.0f, 3.0f);
		if (it % 1000 == 7)
			gh[it % G] = INFINITY;
		for (int j = 0; j < H; j += 8) {
			const RfxV8LstmStep v = rfx_v8_lstm_step(gi, gh, cp, H, j);
			const __m256 vs[7] = { v.i, v.f, v.g, v.o, v.tc, v.c, v.h };
			for (int k = 0; k < 7; k++)
				_mm256_storeu_ps(out[k], vs[k]);
			for (int i = 0; i < 8; i++) {
				const RfxLstmStep u = RFX_LSTM_STEP(gi, gh, cp[j + i], H, j + i);
				const float us[7] = { u.i, u.f, u.g, u.o, u.tc, u.c, u.h };
				for (int k = 0; k < 7; k++)
					bad += !same(us[k], out[k][i]);
			}
		}
		/* 1 to 4 blocks at once, their activations staged (rfx_v8_lstm_steps) */
		RfxV8LstmStep g[H / 8];
		const int nb = 1 + it % (H / 8), j0 = 8 * (it % (H / 8 - nb + 1));
		rfx_v8_lstm_steps(gi, gh, cp, H, j0, nb, g);
		for (int b = 0; b < nb; b++) {
			const RfxV8LstmStep v = rfx_v8_lstm_step(gi, gh, cp, H, j0 + 8 * b);
			const __m256 a[7] = { v.i, v.f, v.g, v.o, v.tc, v.c, v.h };
			const __m256 c[7] = { g[b].i, g[b].f, g[b].g, g[b].o, g[b].tc, g[b].c, g[b].h };
			for (int k = 0; k < 7; k++) {
				const __m256i d = _mm256_castps_si256(_mm256_xor_ps(a[k], c[k]));
				bad += !_mm256_testz_si256(d, d);
			}
		}
	}
	RT_CHECK(bad == 0, "%ld values differ (seed %llu)", bad, (unsigned long long)rt_seed());
}

static void rnn(void)
{
	rt_case("tanh RNN step: bit for bit");
	uint64_t s = rt_seed() + 2;
	float gi[H], gh[H], out[8];
	long bad = 0;
	for (int it = 0; it < 20000; it++) {
		fill(&s, gi, H, -6.0f, 6.0f);
		fill(&s, gh, H, -6.0f, 6.0f);
		for (int j = 0; j < H; j += 8) {
			_mm256_storeu_ps(out, rfx_v8_rnn_step(gi, gh, j));
			for (int i = 0; i < 8; i++)
				bad += !same(rfx_rnn_step(gi[j + i], gh[j + i]), out[i]);
		}
	}
	RT_CHECK(bad == 0, "%ld values differ (seed %llu)", bad, (unsigned long long)rt_seed());
}

/* bo + sum_k w[k] h[k], each product rounded, added in k order: training's head as the scalar
 * loop in bptt_kernels.h sums it (compiled there as a vector multiply and in-order adds). */
static float head_ref(const float *h, const float *w, float bo, int n)
{
	float acc = bo;
	for (int k = 0; k < n; k++) {
		volatile float p = w[k] * h[k]; /* rounded on its own, never fused into the add */
		acc += p;
	}
	return acc;
}

static void head(void)
{
	rt_case("one-output head, eight steps at once: the in-order sum of rounded products, bit for bit");
	uint64_t s = rt_seed() + 3;
	enum { HM = 64 };
	float h[8 * HM], w[HM], y[8];
	long bad = 0;
	for (int it = 0; it < 20000; it++) {
		const int n = 8 * (1 + it % 8);
		fill(&s, h, 8 * n, -1.0f, 1.0f);
		fill(&s, w, n, -2.0f, 2.0f);
		const float bo = rt_rand_uniform(&s, -1.0f, 1.0f);
		rfx_v8_head1_x8(h, n, w, bo, y);
		for (int i = 0; i < 8; i++)
			bad += !same(head_ref(h + i * n, w, bo, n), y[i]);
	}
	RT_CHECK(bad == 0, "%ld outputs differ (seed %llu)", bad, (unsigned long long)rt_seed());
}

int main(void)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
		rt_skip("the AVX2 cell steps", "this CPU has no AVX2 + FMA");
		return rt_finish();
	}
	activation("sigmoid: the bits of rfx_sigmoidf, every 31st float and the edges", SIGMOID);
	activation("tanh: the bits of rfx_tanhf, every 31st float and the edges", TANH);
	activation("exp: the bits of rfx_expf, every 31st float and the edges", EXP);
	gru();
	lstm();
	rnn();
	head();
	return rt_finish();
}
