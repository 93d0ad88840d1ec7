/* The capture signal and the chirp search (dsp/capture.h): the layout is sane at every rate, the
 * signal is deterministic and at the documented levels, and the latency of a return that is
 * delayed, inverted, filtered, distorted and noisy is found to the sample; a clock drift, a return
 * from another signal, a silent or a short return give the documented errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/capture.h"
#include "harness.h"

static float *render(const RfxCaptureLayout *lay)
{
	float *x = malloc(lay->total * sizeof *x);
	if (x)
		rfx_capture_render(lay, x);
	return x;
}

/* An "amp": gain, a one-pole low-pass, tanh, optional inversion, a delay and a faint noise. */
static float *amp(const float *x, size_t n, size_t n_out, long delay, float gain, int invert,
		  uint64_t seed)
{
	float *y = calloc(n_out, sizeof *y);
	float lp = 0;
	for (size_t i = 0; i < n_out; ++i) {
		long j = (long)i - delay;
		float v = j >= 0 && (size_t)j < n ? x[j] : 0.0f;
		lp = 0.7f * lp + 0.3f * v;
		float o = tanhf(gain * lp) * 0.5f * (invert ? -1.0f : 1.0f);
		y[i] = o + rt_rand_uniform(&seed, -1e-3f, 1e-3f);
	}
	return y;
}

static void case_layout(void)
{
	rt_case("layout at 44.1/48/96/192 kHz: sections in order, 70/15/15 %, inside the chirps");
	const double rates[] = {44100, 48000, 96000, 192000};
	for (int i = 0; i < 4; ++i) {
		RfxCaptureLayout l;
		char why[200];
		RT_CHECK(rfx_capture_layout(rates[i], 3, &l, why, sizeof why) == RFX_OK, "%s", why);
		RT_CHECK(l.start_chirp + l.chirp_len < l.section[0][0], "start chirp overlaps");
		for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s)
			RT_CHECK(l.section[s][0] < l.section[s][1], "empty section %d", s);
		RT_CHECK(l.section[0][1] <= l.section[1][0] && l.section[1][1] <= l.section[2][0],
			 "sections overlap");
		RT_CHECK(l.section[2][1] < l.end_chirp && l.end_chirp + l.chirp_len < l.total, "end");
		double tr = (double)(l.section[0][1] - l.section[0][0]);
		double te = (double)(l.section[2][1] - l.section[2][0]);
		RT_NEAR(tr / (tr + 2 * te), 0.70, 0.01);
		RT_NEAR((double)l.total / rates[i], 180.0, 0.5);
	}
	RfxCaptureLayout l;
	char why[200];
	RT_CHECK(rfx_capture_layout(4000, 3, &l, why, sizeof why) == RFX_ERR_INVALID && strstr(why, "rate"),
		 "4 kHz accepted: %s", why);
	RT_CHECK(rfx_capture_layout(48000, 0.1, &l, why, sizeof why) == RFX_ERR_INVALID, "0.1 min");
	RT_CHECK(rfx_capture_layout(48000, NAN, &l, why, sizeof why) == RFX_ERR_INVALID, "NaN min");
}

static void case_signal(void)
{
	rt_case("signal: deterministic, peak below 0 dBFS, chirps at -12 dBFS, no section silent");
	RfxCaptureLayout l;
	RT_OK(rfx_capture_layout(48000, 1, &l, NULL, 0));
	float *a = render(&l), *b = render(&l);
	RT_CHECK(a && b && !memcmp(a, b, l.total * sizeof *a), "two renders differ");
	RfxCaptureLevels lv;
	rfx_capture_levels(a, l.total, &lv);
	RT_CHECK(lv.peak_db < -0.5 && lv.peak_db > -6 && lv.clipped == 0, "peak %.2f dB", lv.peak_db);
	rfx_capture_levels(a + l.start_chirp, l.chirp_len, &lv);
	RT_NEAR(lv.peak_db, -12.04, 0.1);
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s) {
		rfx_capture_levels(a + l.section[s][0], l.section[s][1] - l.section[s][0], &lv);
		RT_CHECK(lv.rms_db > -40 && lv.rms_db < -10, "section %d rms %.1f dB", s, lv.rms_db);
	}
	/* The sections are different material, not one replayed. */
	RT_CHECK(memcmp(a + l.section[1][0], a + l.section[2][0], 48000 * sizeof *a), "val == test");
	free(a);
	free(b);
}

static void case_sync(void)
{
	rt_case("latency to the sample through a distorting, filtering, inverting amp");
	RfxCaptureLayout l;
	RT_OK(rfx_capture_layout(48000, 1, &l, NULL, 0));
	float *x = render(&l);
	const long delays[] = {0, 1, 137, 4800, 47000};
	for (int i = 0; i < 5; ++i) {
		for (int inv = 0; inv < 2; ++inv) {
			float *y = amp(x, l.total, l.total, delays[i], 8.0f, inv, 5 + (uint64_t)i);
			RfxCaptureSync s;
			char why[300];
			RfxStatus st = rfx_capture_sync(&l, x, y, l.total, 48000, &s, why, sizeof why);
			RT_CHECK(st == RFX_OK, "delay %ld: %s", delays[i], why);
			/* the one-pole low-pass adds its own group delay: about 2 samples at the chirp's band */
			RT_CHECK(s.latency >= delays[i] && s.latency <= delays[i] + 3, "delay %ld found %ld",
				 delays[i], s.latency);
			RT_CHECK(s.end_latency == s.latency, "drift %ld vs %ld", s.end_latency, s.latency);
			RT_CHECK(s.polarity == (inv ? -1 : 1), "polarity %d", s.polarity);
			RT_CHECK(s.score_start > 0.5, "score %.2f", s.score_start);
			free(y);
		}
	}
	free(x);
}

static void case_early(void)
{
	rt_case("a return that starts 0.3 s into the signal: negative latency, found");
	RfxCaptureLayout l;
	RT_OK(rfx_capture_layout(48000, 1, &l, NULL, 0));
	float *x = render(&l);
	const size_t cut = 14400;
	RfxCaptureSync s;
	char why[300];
	RT_CHECK(rfx_capture_sync(&l, x, x + cut, l.total - cut, 48000, &s, why, sizeof why) == RFX_OK,
		 "%s", why);
	RT_CHECK(s.latency == -(long)cut, "latency %ld", s.latency);
	free(x);
}

static void case_errors(void)
{
	rt_case("drift, silence, another signal, a short return: each refused with its reason");
	RfxCaptureLayout l;
	RT_OK(rfx_capture_layout(48000, 1, &l, NULL, 0));
	float *x = render(&l);
	RfxCaptureSync s;
	char why[300];
	/* A clock 100 ppm fast: resampled by linear interpolation. */
	float *y = calloc(l.total + 4800, sizeof *y);
	for (size_t i = 0; i < l.total + 4800; ++i) {
		double t = (double)i * (1 - 100e-6) - 200;
		long k = (long)floor(t);
		if (k >= 0 && (size_t)k + 1 < l.total)
			y[i] = (float)(x[k] + (t - (double)k) * (x[k + 1] - x[k]));
	}
	RT_CHECK(rfx_capture_sync(&l, x, y, l.total + 4800, 48000, &s, why, sizeof why) == RFX_OK, "%s", why);
	RT_NEAR(s.drift_ppm, 100.0, 2.0);
	free(y);
	float *z = calloc(l.total, sizeof *z);
	RT_CHECK(rfx_capture_sync(&l, x, z, l.total, 48000, &s, why, sizeof why) == RFX_ERR_INVALID &&
		 strstr(why, "no start chirp"), "silence: %s", why);
	uint64_t seed = 3;
	for (size_t i = 0; i < l.total; ++i)
		z[i] = rt_rand_uniform(&seed, -0.3f, 0.3f);
	RT_CHECK(rfx_capture_sync(&l, x, z, l.total, 48000, &s, why, sizeof why) == RFX_ERR_INVALID,
		 "noise accepted: %s", why);
	RT_CHECK(rfx_capture_sync(&l, x, x, l.end_chirp, 48000, &s, why, sizeof why) == RFX_ERR_INVALID &&
		 strstr(why, "before the end chirp"), "short: %s", why);
	/* Another take: the start chirp fits but the end chirp is 0.5 s off. */
	memcpy(z, x, l.total * sizeof *z);
	memset(z + l.end_chirp - 24000, 0, 48000 * sizeof *z);
	memcpy(z + l.end_chirp - 24000, x + l.end_chirp, l.chirp_len * sizeof *z);
	RT_CHECK(rfx_capture_sync(&l, x, z, l.total, 48000, &s, why, sizeof why) == RFX_ERR_INVALID &&
		 strstr(why, "no end chirp"), "moved end chirp: %s", why);
	free(z);
	free(x);
}

int main(void)
{
	case_layout();
	case_signal();
	case_sync();
	case_early();
	case_errors();
	return rt_finish();
}
