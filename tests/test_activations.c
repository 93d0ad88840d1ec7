/* Every activation approximation the kernels use, against libm in double precision over a dense
 * sample of [-20, 20] (every 251st float bit pattern, both signs: 8.8e6 values, plus every float
 * of +-[8.2, 8.4] and +-[6, 6.4]; under valgrind, RFX_TEST_VALGRIND=1, 97 times fewer), checked against the error
 * bound documented for it:
 *   fastmath.h (generic kernel, training), kernel_sse2.c, kernel_avx2.c's general loop:
 *     exp relative < 3e-7, tanh and sigmoid absolute < 2e-7 (fastmath.h);
 *   kernel_avx2_fx.c's act_exp, Estrin's scheme and the table form: sigmoid < 1e-7, tanh < 1.4e-7;
 *   its act_rational: sigmoid < 2e-7, tanh < 3.6e-7 (docs/performance.md, "Accuracy of the
 *   specialised loops");
 *   kernel_avx512_fx_z.h's LSTM update (joined quotients): test_lstm_update_avx512 below.
 * The SSE2 ones are fastmath.h's arithmetic, without FMA, so they must also be its bits.
 * A case this CPU cannot run (no AVX2 + FMA) is reported as skipped, never as passed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/fastmath.h"
#include "../dsp/kernel_act.h"
#include "harness.h"

enum { CHUNK = 4000 }; /* a multiple of every width (4, 8, 40) */

typedef enum { K_FASTMATH, K_SSE2, K_AVX2, K_AVX2_FX } Kind;

typedef struct {
	const char *name;
	Kind kind;
	RfxAct act;
	RfxActForm form; /* K_AVX2_FX only */
	double bound;    /* relative for exp, absolute otherwise */
	double worst;
	long differ_from_fastmath;
} Approx;

static Approx approx[] = {
	{ "fastmath.h rfx_expf", K_FASTMATH, RFX_ACT_EXP, 0, 3e-7, 0, 0 },
	{ "fastmath.h rfx_tanhf", K_FASTMATH, RFX_ACT_TANH, 0, 2e-7, 0, 0 },
	{ "fastmath.h rfx_sigmoidf", K_FASTMATH, RFX_ACT_SIGMOID, 0, 2e-7, 0, 0 },
#if defined(__SSE2__)
	{ "kernel_sse2.c exp4", K_SSE2, RFX_ACT_EXP, 0, 3e-7, 0, 0 },
	{ "kernel_sse2.c tanh4", K_SSE2, RFX_ACT_TANH, 0, 2e-7, 0, 0 },
	{ "kernel_sse2.c sigmoid4", K_SSE2, RFX_ACT_SIGMOID, 0, 2e-7, 0, 0 },
#endif
#if RFX_KERNEL_X86
	{ "kernel_avx2.c exp8", K_AVX2, RFX_ACT_EXP, 0, 3e-7, 0, 0 },
	{ "kernel_avx2.c tanh8", K_AVX2, RFX_ACT_TANH, 0, 2e-7, 0, 0 },
	{ "kernel_avx2.c sigmoid8", K_AVX2, RFX_ACT_SIGMOID, 0, 2e-7, 0, 0 },
	{ "kernel_avx2_fx.c act_exp sigmoid (Estrin)", K_AVX2_FX, RFX_ACT_SIGMOID, RFX_ACT_FX_EXP_ESTRIN, 1e-7, 0, 0 },
	{ "kernel_avx2_fx.c act_exp tanh (Estrin)", K_AVX2_FX, RFX_ACT_TANH, RFX_ACT_FX_EXP_ESTRIN, 1.4e-7, 0, 0 },
	{ "kernel_avx2_fx.c act_exp sigmoid (table)", K_AVX2_FX, RFX_ACT_SIGMOID, RFX_ACT_FX_EXP_TABLE, 1e-7, 0, 0 },
	{ "kernel_avx2_fx.c act_exp tanh (table)", K_AVX2_FX, RFX_ACT_TANH, RFX_ACT_FX_EXP_TABLE, 1.4e-7, 0, 0 },
	{ "kernel_avx2_fx.c act_rational sigmoid", K_AVX2_FX, RFX_ACT_SIGMOID, RFX_ACT_FX_RATIONAL, 2e-7, 0, 0 },
	{ "kernel_avx2_fx.c act_rational tanh", K_AVX2_FX, RFX_ACT_TANH, RFX_ACT_FX_RATIONAL, 3.6e-7, 0, 0 },
#endif
};
#define N_APPROX (sizeof approx / sizeof approx[0])

/* Whether this CPU runs AVX2 + FMA code, or with avx512, AVX-512F + VL code. */
static int have_isa(int avx512)
{
#if RFX_KERNEL_X86
	__builtin_cpu_init();
	if (avx512)
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	(void)avx512;
	return 0;
#endif
}

static float fastmath(RfxAct act, float x)
{
	return act == RFX_ACT_EXP ? rfx_expf(x) : act == RFX_ACT_TANH ? rfx_tanhf(x) : rfx_sigmoidf(x);
}

static void run(const Approx *a, const float *x, float *y, size_t n)
{
	switch (a->kind) {
	case K_FASTMATH: /* the same calls as fm[] in main, kept apart so the check is not a tautology */
		for (size_t i = 0; i < n; i++)
			y[i] = fastmath(a->act, x[i]);
		break;
#if defined(__SSE2__)
	case K_SSE2: rfx_kernel_act_sse2(a->act, x, y, n); break;
#endif
#if RFX_KERNEL_X86
	case K_AVX2: rfx_kernel_act_avx2(a->act, x, y, n); break;
	case K_AVX2_FX: rfx_kernel_act_avx2_fx(a->act, a->form, x, y, n); break;
#endif
	default: break;
	}
}

/* The avx512 row's LSTM 32 update (kernel_avx512_fx_z.h: each sigmoid and tanh a quotient of
 * 1 +- e^u, the quotients joined into two divisions) against c' = s(f) c + s(i) tanh(g) and
 * h = s(o) tanh(c') in double precision, for gate sums spread over +-24 (some over +-200, past
 * the clamps, and some within +-1e-3, where tanh's e^2u - 1 must not cancel) and c over 0,
 * +-1e-3, +-4 and +-1e4. c' is checked relative to 1 + |c| (the f c term carries c's own
 * rounding), h absolutely, and, where the c' computed is below 1e-3, h relative to s(o) tanh of
 * that c' (o within the clamp: beyond, s(o) is held at s(-30), 9e-14). */
static void test_lstm_update_avx512(void)
{
	const char *nm = "kernel_avx512_fx_z.h LSTM update: c' within 4e-7 (1 + |c|), h within 4e-7, "
			 "small h within 1e-6 relative";
#if RFX_KERNEL_X86
	if (!have_isa(1)) {
		rt_skip(nm, "this CPU has no AVX-512F + VL");
		return;
	}
	rt_case(nm);
	enum { U = 32 * 64 };
	static float gates[4 * U], c[U], h[U];
	static double cref[U];
	uint64_t seed = 20261207;
	const char *vg = getenv("RFX_TEST_VALGRIND");
	const int rounds = vg && strcmp(vg, "1") == 0 ? 8 : 400;
	double worst_c = 0, worst_h = 0, worst_small = 0;
	for (int r = 0; r < rounds; r++) {
		for (int u = 0; u < U; u++) {
			for (int g = 0; g < 4; g++) {
				const int kind = (int)(rt_rand_u64(&seed) % 10);
				const float span = kind == 0 ? 200.0f : kind == 1 ? 1e-3f : 24.0f;
				gates[(u / 32) * 128 + 32 * g + u % 32] = rt_rand_uniform(&seed, -span, span);
			}
			const int ck = (int)(rt_rand_u64(&seed) % 4);
			const float cspan = ck == 0 ? 0.0f : ck == 1 ? 1e-3f : ck == 2 ? 4.0f : 1e4f;
			c[u] = rt_rand_uniform(&seed, -cspan, cspan);
		}
		for (int u = 0; u < U; u++) {
			const float *gt = gates + (u / 32) * 128 + u % 32;
			const double si = 1.0 / (1.0 + exp(-(double)gt[0])), sf = 1.0 / (1.0 + exp(-(double)gt[32]));
			cref[u] = sf * c[u] + si * tanh((double)gt[64]);
		}
		float c0[U];
		memcpy(c0, c, sizeof c0);
		rfx_kernel_lstm_update_avx512(gates, c, h, U);
		for (int u = 0; u < U; u++) {
			const float *gt = gates + (u / 32) * 128 + u % 32;
			const double so = 1.0 / (1.0 + exp(-(double)gt[96]));
			const double href = so * tanh(cref[u]);
			const double ec = fabs(c[u] - cref[u]) / (1.0 + fabs(c0[u]));
			const double eh = fabs(h[u] - href);
			worst_c = ec > worst_c || isnan(ec) ? ec : worst_c;
			worst_h = eh > worst_h || isnan(eh) ? eh : worst_h;
			if (fabs(c[u]) < 1e-3 && c[u] != 0 && fabs(gt[96]) < 30) { /* tanh of its own c' */
				const double ht = so * tanh((double)c[u]), es = fabs(h[u] - ht) / fabs(ht);
				worst_small = es > worst_small || isnan(es) ? es : worst_small;
			}
		}
	}
	printf("     c' %.3g (relative to 1 + |c|), h %.3g, h for |c'| < 1e-3 %.3g relative\n", worst_c,
	       worst_h, worst_small);
	RT_CHECK(worst_c < 4e-7, "c': %.3g", worst_c);
	RT_CHECK(worst_h < 4e-7, "h: %.3g", worst_h);
	RT_CHECK(worst_small < 1e-6, "small h: %.3g relative", worst_small);
#else
	rt_skip(nm, "not an x86 build");
#endif
}

static float from_bits(uint32_t b)
{
	float f;
	memcpy(&f, &b, sizeof f);
	return f;
}

int main(void)
{
	const int avx2 = have_isa(0);
	const char *vg = getenv("RFX_TEST_VALGRIND");
	const uint32_t slow = vg && strcmp(vg, "1") == 0 ? 97u : 1u;
	/* Positive floats as bit patterns, [first, last] by step, each with its negative: all of
	 * [0, 20] sparsely, then every float of [8.2, 8.4] and of [6, 6.4], where act_rational's tanh
	 * and sigmoid have their worst errors (at 8.32 and 6.18: a scan of every float in [0, 20],
	 * docs/performance.md). */
	static const uint32_t ranges[][3] = { { 0, 0x41a00000u, 251 },
						      { 0x41033333u, 0x41066666u, 1 },
						      { 0x40c00000u, 0x40cccccdu, 1 } };
	static float x[CHUNK], y[CHUNK];
	static double ref[3][CHUNK];
	static float fm[3][CHUNK];
	size_t n = 0, range = 0;
	uint32_t b = ranges[0][0];
	int done = 0;
	while (!done) {
		/* The next chunk of the sample; the last chunk is padded with 0. */
		for (n = 0; n < CHUNK; n += 2) {
			if (!done && b > ranges[range][1]) {
				if (++range == sizeof ranges / sizeof ranges[0])
					done = 1;
				else
					b = ranges[range][0];
			}
			if (done) {
				x[n] = x[n + 1] = 0.0f;
				continue;
			}
			x[n] = from_bits(b);
			x[n + 1] = -x[n];
			b += ranges[range][2] * slow;
		}
		for (size_t i = 0; i < CHUNK; i++) {
			const double xd = x[i];
			ref[RFX_ACT_EXP][i] = exp(xd);
			ref[RFX_ACT_TANH][i] = tanh(xd);
			ref[RFX_ACT_SIGMOID][i] = 1.0 / (1.0 + exp(-xd));
			for (int act = 0; act < 3; act++)
				fm[act][i] = fastmath((RfxAct)act, x[i]);
		}
		for (size_t k = 0; k < N_APPROX; k++) {
			Approx *a = &approx[k];
			if ((a->kind == K_AVX2 || a->kind == K_AVX2_FX) && !avx2)
				continue;
			run(a, x, y, CHUNK);
			const double *r = ref[a->act];
			for (size_t i = 0; i < CHUNK; i++) {
				double e = fabs(y[i] - r[i]);
				if (a->act == RFX_ACT_EXP)
					e /= r[i];
				a->worst = e > a->worst || isnan(e) ? e : a->worst;
				a->differ_from_fastmath += y[i] != fm[a->act][i];
			}
		}
	}
	for (size_t k = 0; k < N_APPROX; k++) {
		const Approx *a = &approx[k];
		char nm[128];
		snprintf(nm, sizeof nm, "%s: max %s error < %.2g", a->name,
			 a->act == RFX_ACT_EXP ? "relative" : "absolute", a->bound);
		if ((a->kind == K_AVX2 || a->kind == K_AVX2_FX) && !avx2) {
			rt_skip(nm, "this CPU has no AVX2 + FMA");
			continue;
		}
		rt_case(nm);
		printf("     %-44s %.3g (%ld of the sample differ from fastmath.h)\n", a->name, a->worst,
		       a->differ_from_fastmath);
		RT_CHECK(a->worst < a->bound, "measured %.3g, documented bound %.2g", a->worst, a->bound);
		if (a->kind == K_SSE2)
			RT_CHECK(a->differ_from_fastmath == 0, "%ld values differ from fastmath.h",
				 a->differ_from_fastmath);
	}
	test_lstm_update_avx512();
	return rt_finish();
}
