/* rnnfx — bfloat16 weight pairs (bf16.h). */
#include "bf16.h"

#include <math.h>
#include <string.h>

static uint32_t bits_of(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float float_of(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* Neither a denormal (which without DAZ costs a microcode assist per FMA) nor an Inf or NaN. */
static int plain(uint32_t word)
{
	const uint32_t e = (word >> 23) & 0xffu;
	return e != 0xffu && (e != 0 || (word & 0x7fffffffu) == 0);
}

/* Nearest bfloat16 (ties to even), in the low 16 bits; denormals become 0, and a value that would
 * round to infinity is truncated instead. */
static uint32_t bf16_round(float f)
{
	const uint32_t u = bits_of(f);
	uint32_t b = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
	if (!plain(b << 16))
		b = (u >> 16 & 0x7f80u) == 0 ? (u >> 16 & 0x8000u) : u >> 16;
	return b & 0xffffu;
}

uint32_t rfx_bf16_pair(float even, float odd)
{
	const uint32_t lo = bf16_round(even);
	const uint32_t t = bits_of(odd) >> 16;
	/* The truncation and its neighbours (the low half moves the value up to one step away from
	 * the high half's), and the smallest normals of each sign for a target near 0. */
	const uint32_t cand[5] = { t, t - 1, t + 1, 0x0080u, 0x8080u };
	uint32_t best = 0;
	float best_err = INFINITY;
	for (int i = 0; i < 5; i++) {
		const uint32_t word = (cand[i] & 0xffffu) << 16 | lo;
		if (!plain(word))
			continue;
		const float err = fabsf(float_of(word) - odd);
		if (err < best_err) {
			best_err = err;
			best = word;
		}
	}
	return best;
}

float rfx_bf16_even(uint32_t word)
{
	return float_of(word << 16);
}

float rfx_bf16_odd(uint32_t word)
{
	return float_of(word);
}

void rfx_bf16_pack_rows(float *W, uint32_t *packed, int rows, int cols)
{
	for (int j = 0; 2 * j < rows; j++) {
		float *even = W + (size_t)2 * j * cols;
		float *odd = 2 * j + 1 < rows ? even + cols : NULL;
		uint32_t *p = packed + (size_t)j * cols;
		for (int o = 0; o < cols; o++) {
			p[o] = rfx_bf16_pair(even[o], odd ? odd[o] : 0.0f);
			even[o] = rfx_bf16_even(p[o]);
			if (odd)
				odd[o] = rfx_bf16_odd(p[o]);
		}
	}
}
