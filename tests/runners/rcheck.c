/* rcheck — checks the runners' output against the dsp library, for the scripts in tests/runners/.
 *
 *   rcheck ref MODEL IN OUT [I=V ...] [weights=W]
 *       every channel of OUT (a float file) is bit-identical to rfx_stream_process run over the
 *       same channel of IN in one call (conditioning inputs I held at V; the recurrent weights
 *       stored as W, f32 or bf16: rfx_model_set_weight_storage)
 *   rcheck chan MULTI c MONO
 *       channel c of MULTI is bit-identical to the mono file MONO
 *   rcheck live MODEL REC OUTCH INCH FROM TO TOL
 *       a live recording: channel OUTCH of REC (the runner's output) matches the model run over
 *       channel INCH (its input) within TOL on the seconds [FROM, TO): at least 60% of its
 *       0.1 s windows, each at its best lag in 0..4096 frames (the reference starts from a zero
 *       state, the live stream did not: FROM must leave a warm-up window for the difference to
 *       die out)
 *
 * Prints one "ok"/"FAIL" line with the numbers and exits 0 only when the check holds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "dsp/model_file.h"
#include "dsp/stream.h"

#define MAX_LAG 4096

typedef struct {
	float *x;      /* interleaved */
	int64_t frames;
	int channels, rate;
} Audio;

static int read_audio(const char *path, Audio *a)
{
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (!f) {
		printf("FAIL %s: %s\n", path, sf_strerror(NULL));
		return -1;
	}
	a->frames = info.frames;
	a->channels = info.channels;
	a->rate = info.samplerate;
	a->x = malloc((size_t)(a->frames * a->channels + 1) * sizeof(float));
	if (!a->x || sf_readf_float(f, a->x, a->frames) != a->frames) {
		printf("FAIL %s: short read\n", path);
		sf_close(f);
		return -1;
	}
	sf_close(f);
	return 0;
}

static float *channel(const Audio *a, int c)
{
	float *y = malloc((size_t)(a->frames + 1) * sizeof(float));
	for (int64_t i = 0; y && i < a->frames; i++)
		y[i] = a->x[i * a->channels + c];
	return y;
}

static RfxModel *load(const char *path)
{
	char detail[256] = "";
	RfxModel *m = NULL;
	RfxStatus s = rfx_model_load_file(path, &m, detail, sizeof detail);
	if (s != RFX_OK)
		printf("FAIL %s: %s %s\n", path, rfx_strerror(s), detail);
	return m;
}

/* The model over x (n samples, one call), effect output only. */
static float *reference(const RfxModel *m, const float *x, int64_t n, int argc, char **cond)
{
	RfxStream *st = NULL;
	float *y = malloc((size_t)(n + 1) * sizeof(float));
	if (!y || rfx_stream_create(m, &st) != RFX_OK) {
		free(y);
		return NULL;
	}
	for (int k = 0; k < argc; k++)
		rfx_stream_set_input(st, atoi(cond[k]), strtof(strchr(cond[k], '=') + 1, NULL));
	rfx_stream_process(st, x, y, (uint32_t)n);
	rfx_stream_destroy(st);
	return y;
}

static int first_diff(const float *a, const float *b, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof(float)))
			return (int)i;
	return -1;
}

static int check_ref(char **argv, int n_cond)
{
	Audio in, out;
	RfxModel *m = load(argv[0]);
	if (!m || read_audio(argv[1], &in) || read_audio(argv[2], &out))
		return 1;
	if (in.frames != out.frames || in.channels != out.channels) {
		printf("FAIL %s: %lld frames x %d, input has %lld x %d\n", argv[2],
		       (long long)out.frames, out.channels, (long long)in.frames, in.channels);
		return 1;
	}
	char **cond = argv + 3;
	if (n_cond > 0 && strncmp(cond[n_cond - 1], "weights=", 8) == 0) {
		const RfxWeightStorage w = rfx_weight_storage_from_name(cond[n_cond - 1] + 8);
		if (rfx_model_set_weight_storage(m, w) != RFX_OK) {
			printf("FAIL %s: unknown\n", cond[n_cond - 1]);
			return 1;
		}
		n_cond--;
	}
	int bad = 0;
	for (int c = 0; c < in.channels; c++) {
		float *x = channel(&in, c), *y = channel(&out, c);
		float *r = reference(m, x, in.frames, n_cond, cond);
		int d = r ? first_diff(r, y, in.frames) : 0;
		if (d >= 0) {
			printf("FAIL channel %d differs from the library at frame %d: %.9g vs %.9g\n", c,
			       d, r ? r[d] : NAN, y[d]);
			bad = 1;
		}
		free(x), free(y), free(r);
	}
	if (!bad)
		printf("ok   %s: %d channel(s), %lld frames bit-identical to the library\n", argv[2],
		       in.channels, (long long)in.frames);
	rfx_model_free(m);
	free(in.x), free(out.x);
	return bad;
}

static int check_chan(char **argv)
{
	Audio a, b;
	int c = atoi(argv[1]);
	if (read_audio(argv[0], &a) || read_audio(argv[2], &b))
		return 1;
	if (c < 0 || c >= a.channels || b.channels != 1 || a.frames != b.frames) {
		printf("FAIL shapes: channel %d of %d, %lld vs %lld frames\n", c, a.channels,
		       (long long)a.frames, (long long)b.frames);
		return 1;
	}
	float *x = channel(&a, c);
	int d = first_diff(x, b.x, a.frames);
	if (d >= 0)
		printf("FAIL channel %d differs from %s at frame %d\n", c, argv[2], d);
	else
		printf("ok   channel %d of %s equals %s\n", c, argv[0], argv[2]);
	free(x), free(a.x), free(b.x);
	return d >= 0;
}

/* Largest |out[t] - ref[t - lag]| over t in [t0, t1). */
static double max_err(const float *out, const float *ref, int64_t t0, int64_t t1, int lag)
{
	double e = 0;
	for (int64_t t = t0; t < t1; t++) {
		double d = fabs((double)out[t] - ref[t - lag]);
		if (!(d <= e))
			e = d;   /* also takes a NaN, so it cannot hide */
	}
	return e;
}

/* Best lag and its error for the window [t0, t1). */
static double best_lag(const float *y, const float *r, int64_t t0, int64_t t1, int *lag)
{
	double best_e = INFINITY;
	*lag = 0;
	for (int l = 0; l <= MAX_LAG; l++) {
		double e = max_err(y, r, t0, t1, l);
		if (e < best_e)
			best_e = e, *lag = l;
	}
	return best_e;
}

/* The recording is cut into WINDOW_S pieces, each matched at its own lag: an xrun (a JACK cycle
 * a client missed) shifts the alignment and disturbs the live state until the model forgets it,
 * so a loaded machine may spoil a window or two, but most must match. */
#define WINDOW_S 0.1
#define MIN_FRACTION 0.6

static int check_live(char **argv)
{
	Audio rec;
	RfxModel *m = load(argv[0]);
	if (!m || read_audio(argv[1], &rec))
		return 1;
	int oc = atoi(argv[2]), ic = atoi(argv[3]);
	int64_t t0 = (int64_t)(atof(argv[4]) * rec.rate), t1 = (int64_t)(atof(argv[5]) * rec.rate);
	int64_t win = (int64_t)(WINDOW_S * rec.rate);
	double tol = atof(argv[6]);
	if (t0 < MAX_LAG || t1 > rec.frames || t1 - t0 < win || oc >= rec.channels ||
	    ic >= rec.channels) {
		printf("FAIL window [%lld, %lld) outside the %lld-frame recording\n", (long long)t0,
		       (long long)t1, (long long)rec.frames);
		return 1;
	}
	float *x = channel(&rec, ic), *y = channel(&rec, oc);
	float *r = reference(m, x, rec.frames, 0, NULL);
	int n_win = 0, n_ok = 0, lag = 0, first_lag = -1;
	double worst_ok = 0, rms = 0;
	for (int64_t w = t0; w + win <= t1; w += win, n_win++) {
		double e = best_lag(y, r, w, w + win, &lag);
		if (e <= tol) {
			n_ok++;
			worst_ok = e > worst_ok ? e : worst_ok;
			if (first_lag < 0)
				first_lag = lag;
		}
	}
	for (int64_t t = t0; t < t1; t++)
		rms += (double)y[t] * y[t];
	rms = sqrt(rms / (double)(t1 - t0));
	int bad = n_ok < MIN_FRACTION * n_win || !(rms > 1e-4);
	printf("%s %s ch%d vs model on ch%d, %.2f-%.2f s: %d/%d windows of %g s within %g "
	       "(largest error among them %.3g, lag %d frames), output rms %.4f\n",
	       bad ? "FAIL" : "ok  ", argv[1], oc, ic, atof(argv[4]), atof(argv[5]), n_ok, n_win,
	       WINDOW_S, tol, worst_ok, first_lag, rms);
	free(x), free(y), free(r), free(rec.x);
	rfx_model_free(m);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "ref"))
		return check_ref(argv + 2, argc - 5);
	if (argc == 5 && !strcmp(argv[1], "chan"))
		return check_chan(argv + 2);
	if (argc == 9 && !strcmp(argv[1], "live"))
		return check_live(argv + 2);
	fprintf(stderr, "usage: rcheck ref MODEL IN OUT [I=V ...] | chan MULTI c MONO | "
			"live MODEL REC OUTCH INCH FROM TO TOL\n");
	return 2;
}
