/* The activation approximations in dsp/fastmath.h against libm in double precision, over every
 * float in [-20, 20] (about 2.2e9 values would be slow; every 61st bit pattern is plenty to find
 * the worst region, and the extremes and zero are checked on their own). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../dsp/fastmath.h"
#include "harness.h"

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
	return rt_finish();
}
