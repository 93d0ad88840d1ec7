/* The activation approximations in dsp/fastmath.h against libm in double precision, over every
 * float in [-20, 20] (about 2.2e9 values would be slow; every 61st bit pattern is plenty to find
 * the worst region, and the extremes and zero are checked on their own). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../dsp/fastmath.h"
#include "harness.h"

/* rfx_expf as it was before NaN was made defined: for x in [-87, 88] the conversion and the
 * shift are defined, and the result must be the same bits. */
static float old_expf(float x)
{
	const float shifter = 12582912.0f;
	float fn = (x * 1.44269504088896341f + shifter) - shifter;
	float r = x - fn * 0.693145751953125f;
	r = r - fn * 1.42860682030941723e-6f;
	float p = 1.0f / 5040.0f;
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	int32_t bits = ((int32_t)fn + 127) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

static float from_bits(uint32_t b)
{
	float f;
	memcpy(&f, &b, sizeof f);
	return f;
}

int main(void)
{
	double e_exp = 0, e_tanh = 0, e_sig = 0;
	/* Positive floats up to 20.0 (0x41a00000), then their negatives. */
	for (uint32_t b = 0; b <= 0x41a00000u; b += 61)
		for (int sign = 0; sign < 2; sign++) {
			float x = from_bits(b | (sign ? 0x80000000u : 0));
			double xd = x;
			e_exp = fmax(e_exp, fabs(rfx_expf(x) - exp(xd)) / exp(xd));
			e_tanh = fmax(e_tanh, fabs(rfx_tanhf(x) - tanh(xd)));
			e_sig = fmax(e_sig, fabs(rfx_sigmoidf(x) - 1.0 / (1.0 + exp(-xd))));
		}
	printf("max errors: exp %.3g (relative), tanh %.3g, sigmoid %.3g (absolute)\n", e_exp, e_tanh,
	       e_sig);
	/* The bounds claimed in fastmath.h. */
	rt_case("rfx_expf relative error < 3e-7 on [-20, 20]");
	RT_CHECK(e_exp < 3e-7, "%g", e_exp);
	rt_case("rfx_tanhf absolute error < 2e-7");
	RT_CHECK(e_tanh < 2e-7, "%g", e_tanh);
	rt_case("rfx_sigmoidf absolute error < 2e-7");
	RT_CHECK(e_sig < 2e-7, "%g", e_sig);

	rt_case("limits: odd symmetry, saturation, no NaN at the extremes");
	RT_CHECK(rfx_tanhf(0.0f) == 0.0f, "tanh(0) = %g", rfx_tanhf(0.0f));
	/* Clamped at |x| = 9, where tanh is within one float step (6e-8) of 1. */
	RT_CHECK(fabsf(rfx_tanhf(100.0f) - 1.0f) <= 6e-8f && fabsf(rfx_tanhf(-100.0f) + 1.0f) <= 6e-8f,
		 "tanh does not saturate: %.9g", rfx_tanhf(100.0f));
	RT_CHECK(rfx_tanhf(3e38f) == rfx_tanhf(100.0f) && rfx_sigmoidf(-3e38f) >= 0.0f, "huge input");
	RT_CHECK(rfx_sigmoidf(0.0f) == 0.5f, "sigmoid(0) = %.9g", rfx_sigmoidf(0.0f));
	RT_CHECK(isfinite(rfx_expf(1000.0f)) && rfx_expf(-1000.0f) > 0.0f, "exp not clamped");
	RT_CHECK(fpclassify(rfx_sigmoidf(-1000.0f)) == FP_NORMAL, "sigmoid underflows to a denormal");

	/* A model with finite but huge weights (3e38) drives its pre-activations to +-Inf and NaN;
	 * so can a corrupted checkpoint. The sanitizer build (make check-asan) runs this case with
	 * UBSan, which reported "left shift of negative value" in rfx_expf for a NaN. The inputs go
	 * through a volatile array so the compiler cannot fold the calls away. */
	rt_case("NaN, +-Inf and +-3e38: defined, NaN stays NaN, the rest saturates");
	static volatile float odd[] = { NAN, -NAN, INFINITY, -INFINITY, 3e38f, -3e38f, FLT_MAX,
					-FLT_MAX };
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		const float x = odd[i];
		const float e = rfx_expf(x), th = rfx_tanhf(x), sg = rfx_sigmoidf(x);
		if (isnan(x)) {
			RT_CHECK(isnan(e) && isnan(th) && isnan(sg), "f(NaN): exp %g tanh %g sigmoid %g",
				 e, th, sg);
			continue;
		}
		RT_CHECK(x > 0 ? e == rfx_expf(88.0f) : e == rfx_expf(-87.0f), "exp(%g) = %g", x, e);
		RT_CHECK(th == (x > 0 ? rfx_tanhf(100.0f) : rfx_tanhf(-100.0f)), "tanh(%g) = %.9g", x, th);
		RT_CHECK(x > 0 ? sg == rfx_sigmoidf(100.0f) : sg == rfx_sigmoidf(-100.0f) && sg > 0,
			 "sigmoid(%g) = %g", x, sg);
	}
	/* The same through a loop, as the kernels call them (vectorised in the optimised build). */
	float xs[64], ys[64];
	for (int i = 0; i < 64; i++)
		xs[i] = odd[i % 8];
	for (int i = 0; i < 64; i++)
		ys[i] = rfx_tanhf(xs[i]) + rfx_sigmoidf(xs[i]) + rfx_expf(xs[i] * 0.5f);
	for (int i = 0; i < 64; i++)
		RT_CHECK(isnan(ys[i]) == isnan(xs[i]), "loop: f(%g) = %g", xs[i], ys[i]);

	/* Inference and training outputs must not move: the exponent is now built from the rounding
	 * sum's bits instead of (int)n << 23; every result on the clamp range is the old one. */
	rt_case("rfx_expf bit-identical to the (int)n << 23 form on [-87, 88]");
	long differ = 0;
	float first = 0;
	for (uint32_t b = 0; b <= 0x42b00000u; b += 61)
		for (int sign = 0; sign < 2; sign++) {
			float x = from_bits(b | (sign ? 0x80000000u : 0));
			if (x < -87.0f)
				continue;
			float a = rfx_expf(x), o = old_expf(x);
			if (memcmp(&a, &o, sizeof a) != 0 && differ++ == 0)
				first = x;
		}
	RT_CHECK(differ == 0, "%ld inputs differ, the first %.9g", differ, first);
	return rt_finish();
}
