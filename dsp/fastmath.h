/* rnnfx — the activation functions, shared by inference (stream) and training (bptt) so the two
 * cannot drift apart.
 *
 * libm's tanhf/expf are exact to an ulp but cost tens of cycles each and do not vectorise; a GRU
 * with H = 32 needs 96 of them per sample. These are branch-free (selects only) so the compiler
 * vectorises loops over them. Maximum errors, measured over every float in [-20, 20] by
 * tests/test_fastmath.c:
 *   rfx_expf     relative error < 3e-7 for x in [-87, 88] (clamped outside)
 *   rfx_tanhf    absolute error < 2e-7
 *   rfx_sigmoidf absolute error < 2e-7
 * Range reduction: e^x = 2^n e^r with n = round(x / ln 2), |r| <= ln2/2, and e^r by its Taylor
 * series to degree 7 (truncation error below 5e-9 on that interval).
 *
 * Every input is defined behaviour, however a model got there: +-Inf and huge values are clamped
 * like any other (rfx_expf(+Inf) = e^88, rfx_tanhf(+-Inf) = +-1, rfx_sigmoidf(-Inf) = 4e-18), and
 * a NaN gives a NaN (never a finite value that would hide it from the stream's non-finite-state
 * guard), computed without a float-to-int conversion or a shift of a negative number.
 */
#ifndef RFX_FASTMATH_H
#define RFX_FASTMATH_H

#include <stdint.h>
#include <string.h>

static inline float rfx_expf(float x)
{
	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	/* Adding then subtracting 1.5 * 2^23 rounds to the nearest integer in plain float arithmetic,
	 * which vectorises even on SSE2 (no roundps needed). */
	const float shifter = 12582912.0f;
	float t = x * 1.44269504088896341f + shifter;
	float fn = t - shifter;
	/* ln 2 split in a high part exact in float and a low remainder (Cody-Waite). */
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
	/* 2^n from t's own bits: for |n| < 2^22 they are 0x4b400000 + n, so unsigned arithmetic
	 * builds the exponent field with no float-to-int conversion and no signed shift. A NaN x
	 * (the clamps keep it, so that it trips the callers' non-finite guards) gives a meaningless
	 * scale but a NaN p, so the result is NaN, and nothing in between is undefined. */
	uint32_t tb;
	memcpy(&tb, &t, sizeof tb);
	uint32_t bits = (tb - 0x4b400000u + 127u) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

static inline float rfx_tanhf(float x)
{
	/* tanh(x) rounds to +-1 in float past |x| = 9.01. */
	float xc = x < -9.0f ? -9.0f : (x > 9.0f ? 9.0f : x);
	float e = rfx_expf(2.0f * xc);
	float big = 1.0f - 2.0f / (e + 1.0f);
	/* Near 0 the formula above cancels; its odd Taylor series is exact to 2e-10 for |x| < 0.125. */
	float x2 = x * x;
	float small = x * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f))));
	float ax = x < 0.0f ? -x : x;
	return ax < 0.125f ? small : big;
}

static inline float rfx_sigmoidf(float x)
{
	/* sigmoid(-40) is 4e-18: clamping there keeps every result a normal float. */
	float xc = x < -40.0f ? -40.0f : (x > 40.0f ? 40.0f : x);
	return 1.0f / (1.0f + rfx_expf(-xc));
}

#endif
