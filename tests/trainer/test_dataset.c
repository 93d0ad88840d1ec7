/* Unit tests for trainer/dataset.c: the delay estimate (both signs, polarity, range), the splits
 * and the segment grid. Signals are made here from a seeded generator; a failure prints the seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../trainer/dataset.h"
#include "../harness.h"

#define N 200000

/* Band-limited noise bursts: something a cross-correlation can lock onto. */
static void make_signal(float *x, size_t n, uint64_t *s)
{
	float lp = 0;
	for (size_t i = 0; i < n; i++) {
		float env = ((i / 6000) % 3 == 0) ? 0.05f : 0.6f;
		lp += 0.3f * (rt_rand_uniform(s, -1, 1) - lp);
		x[i] = env * lp;
	}
}

/* y[i] = g * tanh(3 x[i - d]): delayed, distorted, maybe inverted. */
static void delayed(const float *x, float *y, size_t n, long d, float g)
{
	for (size_t i = 0; i < n; i++) {
		long j = (long)i - d;
		y[i] = j >= 0 && j < (long)n ? g * tanhf(3 * x[j]) : 0;
	}
}

static void test_lag(float *x, float *y)
{
	static const long delays[] = { 0, 1, 7, 120, -35, 2399, -2400 };
	for (size_t k = 0; k < sizeof delays / sizeof delays[0]; k++) {
		delayed(x, y, N, delays[k], 0.5f);
		double corr = 0;
		long lag = trn_estimate_lag(x, y, N, 2400, &corr);
		RT_CHECK(lag == delays[k], "delay %ld estimated as %ld", delays[k], lag);
		RT_CHECK(corr > 0.8, "delay %ld: correlation %.3f", delays[k], corr);
	}
	rt_case("inverted polarity: found, correlation negative");
	delayed(x, y, N, 50, -0.5f);
	double corr = 0;
	long lag = trn_estimate_lag(x, y, N, 2400, &corr);
	RT_CHECK(lag == 50 && corr < -0.8, "lag %ld corr %.3f", lag, corr);
	rt_case("too short for the search: 0, no crash");
	lag = trn_estimate_lag(x, y, 1000, 2400, &corr);
	RT_CHECK(lag == 0 && corr == 0, "lag %ld corr %.3f", lag, corr);
}

static void test_split(void)
{
	TrnData d;
	memset(&d, 0, sizeof d);
	d.n_pairs = 2;
	d.pairs[0].n = 100000;
	d.pairs[1].n = 50000;
	d.rate = 48000;
	TrnSpan tr[TRN_MAX_PAIRS], va[TRN_MAX_PAIRS], te[TRN_MAX_PAIRS];
	int ntr, nva, nte;
	trn_data_split(&d, 0.15, 0.1, tr, &ntr, va, &nva, te, &nte);
	RT_CHECK(ntr == 2 && nva == 2 && nte == 2, "%d %d %d spans", ntr, nva, nte);
	RT_CHECK(tr[0].start == 0 && tr[0].n == 75000, "train %zu+%zu", tr[0].start, tr[0].n);
	RT_CHECK(va[0].start == 75000 && va[0].n == 15000, "val %zu+%zu", va[0].start, va[0].n);
	RT_CHECK(te[0].start == 90000 && te[0].n == 10000, "test %zu+%zu", te[0].start, te[0].n);
	RT_CHECK(te[1].pair == 1 && te[1].start + te[1].n == 50000, "pair 1 test ends at %zu",
		 te[1].start + te[1].n);
	RT_CHECK(trn_spans_total(tr, ntr) + trn_spans_total(va, nva) + trn_spans_total(te, nte) == 150000,
		 "spans cover the data");
	rt_case("no test split: no test spans");
	trn_data_split(&d, 0.15, 0, tr, &ntr, va, &nva, te, &nte);
	RT_CHECK(nte == 0 && ntr == 2 && va[1].start + va[1].n == 50000, "%d test spans", nte);
}

static void test_segments(void)
{
	TrnSpan spans[2] = { { 0, 1000, 10000 }, { 1, 0, 2500 } };
	TrnSpan out[16];
	size_t n = trn_segments(spans, 2, 2400, 0, out, 16);
	RT_CHECK(n == 5, "%zu segments, expected 4 + 1", n);
	RT_CHECK(out[0].start == 1000 && out[3].start == 1000 + 3 * 2400 && out[4].pair == 1,
		 "starts %zu %zu", out[0].start, out[3].start);
	rt_case("segments: phase shifts the grid, never past the span");
	n = trn_segments(spans, 2, 2400, 500, out, 16);
	RT_CHECK(n == 4, "%zu segments", n);
	for (size_t i = 0; i < n && i < 16; i++) {
		const TrnSpan *s = &spans[out[i].pair];
		RT_CHECK(out[i].start >= s->start && out[i].start + out[i].n <= s->start + s->n,
			 "segment %zu at %zu outside its span", i, out[i].start);
	}
	RT_CHECK(out[0].start == 1500, "first at %zu", out[0].start);
	rt_case("segments: count returned past the capacity");
	RT_CHECK(trn_segments(spans, 2, 100, 0, out, 3) == 125, "count");
}

int main(void)
{
	uint64_t s = rt_seed();
	float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	if (!x || !y)
		return 1;
	make_signal(x, N, &s);
	rt_case("delay estimate: known delays, both signs, up to the search range");
	test_lag(x, y);
	rt_case("split: train | val | test by time in every pair");
	test_split();
	rt_case("segments: grid over every span");
	test_segments();
	rt_case("clip fraction");
	float c[4] = { 0.5f, 0.999f, -1.0f, 0.2f };
	RT_NEAR(trn_clip_fraction(c, 4), 0.5, 1e-12);
	free(x);
	free(y);
	return rt_finish();
}
