/* rnnfx — the capture signal (rendering) and the chirp search (dsp/capture.h). */
#include "capture.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LEAD_S 0.5
#define CHIRP_S 0.25
#define CHIRP_F0 100.0
#define CHIRP_F1 2000.0
#define CHIRP_AMP 0.25 /* -12 dBFS */
#define GAP_S 0.5
#define PAUSE_S 0.25
#define TAIL_S (RFX_CAPTURE_MAX_LATENCY_S + 0.5)
#define NOISE_FLOOR 0.0002f /* about -74 dBFS: a real DI is never digital silence */
#define MIN_SCORE 0.3       /* a normalised correlation below this is not the chirp */
#define MAX_PERIOD 4096     /* longest plucked-string period: 82 Hz at 192 kHz is 2330 */

/* ------------------------------------------------------------------------------------------ */
/* Layout */

static size_t secs(double rate, double s)
{
	return (size_t)llround(rate * s);
}

RfxStatus rfx_capture_layout(double rate, double minutes, RfxCaptureLayout *lay, char *detail,
			     size_t detail_size)
{
	RfxDiag d = {detail, detail_size};
	rfx_diag_clear(&d);
	if (!(rate >= 8000 && rate <= 192000))
		return rfx_diag_set(&d, RFX_ERR_INVALID, "capture rate %g Hz: give 8000 to 192000",
				    rate);
	if (!(minutes >= 0.5 && minutes <= 30))
		return rfx_diag_set(&d, RFX_ERR_INVALID, "capture length %g min: give 0.5 to 30",
				    minutes);
	memset(lay, 0, sizeof *lay);
	lay->version = RFX_CAPTURE_SIGNAL_VERSION;
	lay->rate = rate;
	lay->chirp_len = secs(rate, CHIRP_S);
	lay->start_chirp = secs(rate, LEAD_S);
	const double fixed = LEAD_S + 2 * CHIRP_S + 2 * GAP_S + 2 * PAUSE_S + TAIL_S;
	const size_t material = secs(rate, minutes * 60 - fixed);
	const size_t n_train = (size_t)(0.70 * (double)material);
	const size_t n_val = (size_t)(0.15 * (double)material);
	const size_t n_test = material - n_train - n_val;
	const size_t pause = secs(rate, PAUSE_S);
	size_t t = lay->start_chirp + lay->chirp_len + secs(rate, GAP_S);
	const size_t len[RFX_CAPTURE_SECTIONS] = {n_train, n_val, n_test};
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s) {
		lay->section[s][0] = t;
		lay->section[s][1] = t + len[s];
		t += len[s] + (s + 1 < RFX_CAPTURE_SECTIONS ? pause : 0);
	}
	lay->end_chirp = t + secs(rate, GAP_S);
	lay->total = lay->end_chirp + lay->chirp_len + secs(rate, TAIL_S);
	return RFX_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Rendering */

typedef struct {
	uint64_t s;
} Rng;

/* xorshift64*: the same numbers on every platform. */
static double uni(Rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (double)((r->s * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double db_amp(double db)
{
	return pow(10.0, db / 20.0);
}

/* Linear fades of `in` and `out` samples at the ends of x[0 .. n). */
static void fade(float *x, size_t n, size_t in, size_t out)
{
	for (size_t i = 0; i < in && i < n; ++i)
		x[i] *= (float)i / (float)in;
	for (size_t i = 0; i < out && i < n; ++i)
		x[n - 1 - i] *= (float)i / (float)out;
}

/* A plucked string (Karplus-Strong) at f Hz added into x[0 .. n) with peak about `amp`. A
 * one-pole low-pass at `lp_hz` (0: none) darkens a palm-muted note. */
static void pluck(float *x, size_t n, double rate, double f, double amp, double lp_hz, Rng *r)
{
	float buf[MAX_PERIOD];
	size_t p = (size_t)(rate / f);
	if (p < 2)
		p = 2;
	if (p > MAX_PERIOD)
		p = MAX_PERIOD;
	for (size_t i = 0; i < p; ++i)
		buf[i] = (float)(2 * uni(r) - 1);
	for (size_t i = 1; i < p; ++i) /* a softer pick: the burst once smoothed */
		buf[i] = 0.5f * (buf[i] + buf[i - 1]);
	const float a = lp_hz > 0 ? (float)exp(-2 * M_PI * lp_hz / rate) : 0.0f;
	float lp = 0.0f;
	for (size_t i = 0, k = 0; i < n; ++i) {
		size_t k1 = k + 1 == p ? 0 : k + 1;
		float y = buf[k];
		buf[k] = 0.996f * 0.5f * (buf[k] + buf[k1]);
		k = k1;
		lp = a * lp + (1 - a) * y;
		x[i] += (float)amp * lp;
	}
}

static void sweep(float *x, size_t n, double rate, double f0, double f1, double amp)
{
	const double k = log(f1 / f0) / (double)n;
	double ph = 0;
	for (size_t i = 0; i < n; ++i) {
		x[i] += (float)(amp * sin(ph));
		ph += 2 * M_PI * f0 * exp(k * (double)i) / rate;
	}
	fade(x, n, secs(rate, 0.05), secs(rate, 0.05));
}

/* One event of the material at x (room for `room` samples); returns the samples it took. The
 * grammar is the demo data's (scripts/make_demo_data.sh), with noise bursts added. */
static size_t event(float *x, size_t room, double rate, Rng *r)
{
	const double u = uni(r), lvl = -32 + 29 * uni(r);
	const double root = 82.41 * pow(2.0, (int)(uni(r) * 30) / 12.0);
	size_t n = 0;
	if (u < 0.30) { /* a note */
		n = secs(rate, 0.4 + 1.8 * uni(r));
		n = n < room ? n : room;
		pluck(x, n, rate, root, db_amp(lvl), 0, r);
		fade(x, n, 0, secs(rate, 0.05));
	} else if (u < 0.48) { /* a chord: root, third, fifth, octave */
		n = secs(rate, 1 + 1.5 * uni(r));
		n = n < room ? n : room;
		const double a = db_amp(-22 + 19 * uni(r)) * 0.4;
		const double third = uni(r) < 0.5 ? pow(2, 4 / 12.0) : pow(2, 3 / 12.0);
		const double f[4] = {root, root * third, root * pow(2, 7 / 12.0), root * 2};
		for (int i = 0; i < 4; ++i)
			pluck(x, n, rate, f[i], a, 0, r);
		fade(x, n, 0, secs(rate, 0.08));
	} else if (u < 0.62) { /* palm-muted bursts */
		const int k = 4 + (int)(uni(r) * 6);
		const double a = db_amp(-20 + 14 * uni(r));
		for (int i = 0; i < k && n < room; ++i) {
			size_t e = secs(rate, 0.07 + 0.1 * uni(r));
			e = e < room - n ? e : room - n;
			pluck(x + n, e, rate, root, a, 900, r);
			fade(x + n, e, 0, secs(rate, 0.03));
			n += e;
		}
	} else if (u < 0.74) { /* an arpeggio */
		const int k = 4 + (int)(uni(r) * 4);
		for (int i = 0; i < k && n < room; ++i) {
			size_t e = secs(rate, 0.15 + 0.2 * uni(r));
			e = e < room - n ? e : room - n;
			pluck(x + n, e, rate, root * pow(2, (int)(uni(r) * 12) / 12.0), db_amp(lvl), 0, r);
			fade(x + n, e, 0, secs(rate, 0.02));
			n += e;
		}
	} else if (u < 0.86) { /* a sine sweep, up or down */
		n = secs(rate, 1.5 + 2 * uni(r));
		n = n < room ? n : room;
		const double lo = 50 + 100 * uni(r), hi = 1500 + 3000 * uni(r);
		if (uni(r) < 0.5)
			sweep(x, n, rate, lo, hi, db_amp(lvl));
		else
			sweep(x, n, rate, hi, lo, db_amp(lvl));
	} else if (u < 0.93) { /* a noise burst */
		n = secs(rate, 0.1 + 0.5 * uni(r));
		n = n < room ? n : room;
		const double a = db_amp(-30 + 20 * uni(r));
		for (size_t i = 0; i < n; ++i)
			x[i] += (float)(a * (2 * uni(r) - 1));
		fade(x, n, secs(rate, 0.005), secs(rate, 0.005));
	} else { /* silence */
		n = secs(rate, 0.2 + 0.8 * uni(r));
	}
	return n < room ? (n ? n : 1) : room;
}

/* The chirp into x[0 .. lay->chirp_len): an exponential sweep with 10 ms fades. */
static void chirp(const RfxCaptureLayout *lay, float *x)
{
	const size_t n = lay->chirp_len;
	memset(x, 0, n * sizeof *x);
	sweep(x, n, lay->rate, CHIRP_F0, CHIRP_F1, CHIRP_AMP);
}

void rfx_capture_render(const RfxCaptureLayout *lay, float *out)
{
	memset(out, 0, lay->total * sizeof *out);
	chirp(lay, out + lay->start_chirp);
	chirp(lay, out + lay->end_chirp);
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s) {
		Rng r = {0x9e3779b97f4a7c15ull * (uint64_t)(s + 1) ^ (uint64_t)lay->version};
		for (size_t t = lay->section[s][0]; t < lay->section[s][1];)
			t += event(out + t, lay->section[s][1] - t, lay->rate, &r);
		for (size_t t = lay->section[s][0]; t < lay->section[s][1]; ++t)
			out[t] += NOISE_FLOOR * (float)(2 * uni(&r) - 1);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* The chirp search */

/* In-place radix-2 FFT of n = 2^k complex values (re, im); inverse without the 1/n. */
static void fft(double *re, double *im, size_t n, int inverse)
{
	for (size_t i = 1, j = 0; i < n; ++i) {
		size_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double t = re[i]; re[i] = re[j]; re[j] = t;
			t = im[i]; im[i] = im[j]; im[j] = t;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1) {
		const double a = (inverse ? 2 : -2) * M_PI / (double)len;
		for (size_t i = 0; i < n; i += len) {
			for (size_t k = 0; k < len / 2; ++k) {
				const double wr = cos(a * (double)k), wi = sin(a * (double)k);
				double *ur = re + i + k, *ui = im + i + k;
				double *vr = re + i + k + len / 2, *vi = im + i + k + len / 2;
				const double tr = *vr * wr - *vi * wi, ti = *vr * wi + *vi * wr;
				*vr = *ur - tr;
				*vi = *ui - ti;
				*ur += tr;
				*ui += ti;
			}
		}
	}
}

/* The position p in [0, n - L] where x[p .. p + L) best matches c[0 .. L) (largest |correlation|),
 * with its normalised correlation and sign. Returns RFX_ERR_NOMEM or RFX_OK. */
static RfxStatus best_match(const float *c, size_t L, const float *x, size_t n, size_t *pos,
			    double *score, int *sign)
{
	size_t N = 1;
	while (N < n + L)
		N <<= 1;
	double *buf = calloc(4 * N, sizeof *buf);
	if (!buf)
		return RFX_ERR_NOMEM;
	double *xr = buf, *xi = buf + N, *cr = buf + 2 * N, *ci = buf + 3 * N;
	for (size_t i = 0; i < n; ++i)
		xr[i] = x[i];
	for (size_t i = 0; i < L; ++i)
		cr[i] = c[i];
	fft(xr, xi, N, 0);
	fft(cr, ci, N, 0);
	for (size_t i = 0; i < N; ++i) { /* X * conj(C): r[p] = sum_k x[p + k] c[k] */
		const double r = xr[i] * cr[i] + xi[i] * ci[i], m = xi[i] * cr[i] - xr[i] * ci[i];
		xr[i] = r;
		xi[i] = m;
	}
	fft(xr, xi, N, 1);
	double cc = 0, e = 0, best = -1;
	for (size_t k = 0; k < L; ++k) {
		cc += (double)c[k] * c[k];
		e += (double)x[k] * x[k];
	}
	*pos = 0;
	*score = 0;
	*sign = 1;
	for (size_t p = 0; p + L <= n; ++p) {
		const double r = xr[p] / (double)N;
		if (fabs(r) > best) {
			best = fabs(r);
			*pos = p;
			*score = e > 0 ? fabs(r) / sqrt(cc * e) : 0;
			*sign = r < 0 ? -1 : 1;
		}
		if (p + L < n) /* the energy of the next window */
			e += (double)x[p + L] * x[p + L] - (double)x[p] * x[p];
	}
	free(buf);
	return RFX_OK;
}

RfxStatus rfx_capture_sync(const RfxCaptureLayout *lay, const float *sig, const float *ret,
			   size_t n_ret, long max_latency, RfxCaptureSync *sync, char *detail,
			   size_t detail_size)
{
	RfxDiag d = {detail, detail_size};
	rfx_diag_clear(&d);
	memset(sync, 0, sizeof *sync);
	const size_t L = lay->chirp_len;
	const double R = lay->rate;
	if (max_latency < 0)
		max_latency = 0;
	size_t w = lay->start_chirp + (size_t)max_latency + L;
	if (w > n_ret)
		w = n_ret;
	if (w < L)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "the return holds %.3f s: too short to hold "
				    "the start chirp", (double)n_ret / R);
	size_t p;
	int sign;
	RfxStatus st = best_match(sig + lay->start_chirp, L, ret, w, &p, &sync->score_start, &sign);
	if (st != RFX_OK)
		return st;
	if (sync->score_start < MIN_SCORE)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "no start chirp in the return (best match "
				    "%.2f at %.3f s, a chirp scores at least %.1f): is it the return of "
				    "this signal (version %d), from the right input channel, and not "
				    "silent?", sync->score_start, (double)p / R, MIN_SCORE,
				    lay->version);
	sync->latency = (long)p - (long)lay->start_chirp;
	sync->polarity = sign;

	/* The end chirp, within 0.1 s of where the start chirp says (drift of 500 ppm over 3 min). */
	const long D = (long)secs(R, 0.1);
	const long q = (long)lay->end_chirp + sync->latency;
	const long a = q - D > 0 ? q - D : 0;
	const long b = q + D + (long)L;
	if ((size_t)b > n_ret)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "the return ends at %.3f s, before the end "
				    "chirp (it needs %.3f s): record or export the whole signal",
				    (double)n_ret / R, (double)b / R);
	st = best_match(sig + lay->end_chirp, L, ret + a, (size_t)(b - a), &p, &sync->score_end,
			&sign);
	if (st != RFX_OK)
		return st;
	if (sync->score_end < MIN_SCORE)
		return rfx_diag_set(&d, RFX_ERR_INVALID, "no end chirp where the start chirp puts it "
				    "(%.3f s; best match %.2f): a return of another take, or of "
				    "another signal version?", (double)q / R, sync->score_end);
	sync->end_latency = a + (long)p - (long)lay->end_chirp;
	sync->drift_ppm = (double)(sync->end_latency - sync->latency) /
			  (double)(lay->end_chirp - lay->start_chirp) * 1e6;
	return RFX_OK;
}

void rfx_capture_levels(const float *x, size_t n, RfxCaptureLevels *lv)
{
	double peak = 0, sum = 0;
	size_t clipped = 0;
	for (size_t i = 0; i < n; ++i) {
		const double a = fabs((double)x[i]);
		peak = a > peak ? a : peak;
		sum += a * a;
		clipped += a >= 0.999;
	}
	lv->peak_db = peak > 0 ? 20 * log10(peak) : -200;
	lv->rms_db = sum > 0 && n ? 10 * log10(sum / (double)n) : -200;
	lv->clipped = clipped;
}
