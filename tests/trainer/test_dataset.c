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

/* Plucked low notes (82-196 Hz, decaying harmonics): the long periods a guitar's correlation has. */
static void make_notes(float *x, size_t n, uint64_t *s)
{
	const double f[] = {82.4, 110.0, 146.8, 196.0};
	for (size_t i = 0; i < n; i++) {
		size_t note = i / 12000;
		double t = (double)(i % 12000) / 48000, f0 = f[(note * 7 + 3) % 4], v = 0;
		for (int h = 1; h <= 6; h++)
			v += sin(2 * M_PI * f0 * h * t) / h;
		x[i] = (float)(0.3 * exp(-4 * t) * v) + rt_rand_uniform(s, -1e-4f, 1e-4f);
	}
}

/* y = g * (four one-pole low-passes at fc, each y' += a (x - y')) of x[i - d]. */
static void lowpassed(const float *x, float *y, size_t n, long d, double fc, float g)
{
	const double a = 1 - exp(-2 * M_PI * fc / 48000);
	double s[4] = {0};
	for (size_t i = 0; i < n; i++) {
		long j = (long)i - d;
		double v = j >= 0 && j < (long)n ? x[j] : 0;
		for (int k = 0; k < 4; k++)
			v = s[k] += a * (v - s[k]);
		y[i] = (float)(g * v);
	}
}

/* y = g * (two first-order all-passes, coefficient c) of x: a phase shift, no delay. */
static void allpassed(const float *x, float *y, size_t n, double c, float g)
{
	double x1[2] = {0}, y1[2] = {0};
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		for (int k = 0; k < 2; k++) {
			double o = -c * v + x1[k] + c * y1[k];
			x1[k] = v;
			y1[k] = o;
			v = o;
		}
		y[i] = (float)(g * v);
	}
}

/* An inverted or filtered target with no delay must not look delayed (the trainer warns past
 * 1 ms = 48 samples and --align would shift by it); a delayed one still shows its delay. */
static void test_lag_filters(float *x, float *y)
{
	rt_case("inverted, low-passed or all-passed targets without delay: no delay past 1 ms");
	uint64_t seed = rt_seed() + 3;
	make_notes(x, N, &seed);
	double corr;
	lowpassed(x, y, N, 0, 300, -1.0f);
	long lag = trn_estimate_lag(x, y, N, 2400, &corr);
	RT_CHECK(labs(lag) <= 48, "inverted 4-pole low-pass at 300 Hz: %ld samples", lag);
	allpassed(x, y, N, 0.9, -1.0f);
	lag = trn_estimate_lag(x, y, N, 2400, &corr);
	RT_CHECK(labs(lag) <= 48, "inverted all-pass pair: %ld samples", lag);
	allpassed(x, y, N, -0.7, 1.0f);
	lag = trn_estimate_lag(x, y, N, 2400, &corr);
	RT_CHECK(labs(lag) <= 48, "all-pass pair: %ld samples", lag);
	rt_case("the same low-pass after a 300-sample delay: the delay found");
	lowpassed(x, y, N, 300, 300, -1.0f);
	lag = trn_estimate_lag(x, y, N, 2400, &corr);
	RT_CHECK(lag >= 300 && lag <= 348, "delay 300 + low-pass: %ld samples", lag);
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
	test_lag_filters(x, y);
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
