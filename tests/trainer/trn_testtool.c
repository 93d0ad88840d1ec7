/* Test helper for the rnnfx-train scripts: writes small WAV files with known content (so no audio
 * is committed) and checks model files through the library's own loader.
 *
 *   trn-testtool pair IN OUT SECONDS [--delay N] [--rate R] [--seed S] [--drive D] [--drive-to E]
 *       a noisy, plucked-like input and a target through a small nonlinear chain with memory,
 *       the target delayed by N samples; --drive D (a knob, 0..10 say) sets the gain before the
 *       tanh (1 + D) and the tone after it, so the target depends on the knob (without it, the
 *       chain of earlier versions, bit for bit); --drive-to E turns the knob during the take,
 *       linearly from D at the first sample to E at the last (a take for --knob-track)
 *   trn-testtool wav OUT KIND SECONDS [--rate R] [--channels C] [--format pcm16|float|pcm24]
 *       KIND: noise | silence | nan | clip
 *   trn-testtool load MODEL               loads with rfx_model_load_file, prints the spec
 *   trn-testtool same-params A B          exit 0 when every parameter is bit-identical
 *   trn-testtool meta MODEL KEY           prints a top-level number or string of the metadata
 *   trn-testtool esr OUT TARGET SKIP      prints sum (out - target)^2 / sum target^2 over the
 *                                         mono files' samples past the first SKIP
 *   trn-testtool knobs MODEL              prints n_inputs, then per knob "name min max default
 *                                         default_input input", then per test setting
 *                                         "setting KNOBS esr"
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sndfile.h>

#include "../../dsp/model_file.h"
#include "../../dsp/stream.h"

#define PROG "trn-testtool"

static uint64_t rng_state = 1;

static double urand(void) /* xorshift64*, uniform in [0, 1) */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

static int write_wav(const char *path, const float *x, size_t frames, int channels, int rate,
		     int format)
{
	SF_INFO info = { .samplerate = rate, .channels = channels, .format = SF_FORMAT_WAV | format };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf) {
		fprintf(stderr, PROG ": %s: %s\n", path, sf_strerror(NULL));
		return 1;
	}
	/* Float files keep out-of-range values: clipping tests rely on reading back what was written. */
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_FALSE);
	sf_count_t got = sf_writef_float(sf, x, (sf_count_t)frames);
	sf_close(sf);
	return got == (sf_count_t)frames ? 0 : 1;
}

/* Notes with decaying envelopes over a little noise: enough structure to learn from. */
static void make_input(float *x, size_t n, int rate)
{
	double phase = 0, f = 110, env = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % (size_t)(rate / 4) == 0) {
			f = 80 * pow(2, urand() * 3);
			env = 0.2 + 0.6 * urand();
		}
		env *= 0.99995;
		phase += 2 * M_PI * f / rate;
		x[i] = (float)(env * (sin(phase) + 0.3 * sin(3.01 * phase)) + 0.003 * (urand() - 0.5));
	}
}

/* One-pole lowpass, gain, tanh, one-pole lowpass: a nonlinearity with memory on both sides.
 * drive < 0: the fixed chain (gain 4, second pole 0.5); else the gain is 1 + drive and the
 * second pole 0.8 - 0.06 drive, so low drive is nearly clean and bright, high drive squared off,
 * louder and darker, as a drive knob with a tone stack behind it. */
static void make_target(const float *x, float *y, size_t n, long delay, double drive, double drive_to)
{
	double g = drive < 0 ? 4.0 : 1.0 + drive, c = drive < 0 ? 0.5 : 0.8 - 0.06 * drive;
	double a = 0, b = 0;
	for (size_t i = 0; i < n; i++) {
		if (drive >= 0 && drive_to != drive) { /* the knob turning during the take */
			const double d = drive + (drive_to - drive) * (double)i / (double)(n > 1 ? n - 1 : 1);
			g = 1.0 + d;
			c = 0.8 - 0.06 * d;
		}
		double u = (long)i - delay >= 0 ? x[i - (size_t)delay] : 0;
		a += 0.3 * (u - a);
		double v = tanh(g * a);
		b += c * (v - b);
		y[i] = (float)(0.5 * b);
	}
}

typedef struct {
	long delay;
	int rate, channels, format;
	double drive;           /* < 0: none */
	double drive_to;        /* the drive at the last sample (= drive: held) */
} Opts;

static int parse_opts(int argc, char **argv, int first, Opts *o)
{
	o->delay = 0;
	o->rate = 48000;
	o->channels = 1;
	o->format = SF_FORMAT_FLOAT;
	o->drive = -1;
	o->drive_to = NAN;
	for (int i = first; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--delay"))
			o->delay = atol(v);
		else if (!strcmp(k, "--drive"))
			o->drive = atof(v);
		else if (!strcmp(k, "--drive-to"))
			o->drive_to = atof(v);
		else if (!strcmp(k, "--rate"))
			o->rate = atoi(v);
		else if (!strcmp(k, "--channels"))
			o->channels = atoi(v);
		else if (!strcmp(k, "--seed"))
			rng_state = strtoull(v, NULL, 10) | 1;
		else if (!strcmp(k, "--format"))
			o->format = !strcmp(v, "pcm16") ? SF_FORMAT_PCM_16
				    : !strcmp(v, "pcm24") ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT;
		else {
			fprintf(stderr, PROG ": unknown option %s\n", k);
			return 1;
		}
	}
	return 0;
}

static int cmd_pair(int argc, char **argv)
{
	Opts o;
	if (argc < 5 || parse_opts(argc, argv, 5, &o))
		return 2;
	size_t n = (size_t)(atof(argv[4]) * o.rate);
	float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
	if (!x || !y)
		return 1;
	make_input(x, n, o.rate);
	make_target(x, y, n, o.delay, o.drive, isnan(o.drive_to) ? o.drive : o.drive_to);
	int rc = write_wav(argv[2], x, n, 1, o.rate, o.format) || write_wav(argv[3], y, n, 1, o.rate,
									      o.format);
	free(x);
	free(y);
	return rc;
}

static int cmd_wav(int argc, char **argv)
{
	Opts o;
	if (argc < 5 || parse_opts(argc, argv, 5, &o))
		return 2;
	const char *kind = argv[3];
	size_t n = (size_t)(atof(argv[4]) * o.rate), c = (size_t)o.channels;
	float *x = calloc(n * c, sizeof *x);
	if (!x)
		return 1;
	if (strcmp(kind, "silence") != 0)
		make_input(x, n * c, o.rate); /* interleaving does not matter for these tests */
	if (!strcmp(kind, "nan") && n > 100)
		x[n * c / 2] = NAN;
	if (!strcmp(kind, "clip"))
		for (size_t i = 0; i < n * c; i++)
			x[i] = x[i] * 4 > 1 ? 1 : x[i] * 4 < -1 ? -1 : x[i] * 4;
	int rc = write_wav(argv[2], x, n, o.channels, o.rate, o.format);
	free(x);
	return rc;
}

static RfxModel *load(const char *path)
{
	RfxModel *m = NULL;
	char detail[256] = "";
	RfxStatus st = rfx_model_load_file(path, &m, detail, sizeof detail);
	if (st != RFX_OK)
		fprintf(stderr, PROG ": %s: %s (%s)\n", path, rfx_strerror(st), detail);
	return m;
}

static int cmd_load(const char *path)
{
	RfxModel *m = load(path);
	if (!m)
		return 1;
	printf("%s hidden=%d layers=%d params=%zu rate=%g metadata=%s\n", rfx_cell_name(m->spec.cell),
	       m->spec.hidden, m->spec.n_layers, m->n_params, m->spec.sample_rate,
	       m->metadata ? "yes" : "no");
	rfx_model_free(m);
	return 0;
}

static int cmd_same(const char *a, const char *b)
{
	RfxModel *x = load(a), *y = load(b);
	int same = x && y && x->n_params == y->n_params &&
		   memcmp(x->params, y->params, x->n_params * sizeof *x->params) == 0;
	if (x && y && !same)
		fprintf(stderr, PROG ": %s and %s: parameters differ\n", a, b);
	rfx_model_free(x);
	rfx_model_free(y);
	return same ? 0 : 1;
}

static int cmd_meta(const char *path, const char *key)
{
	RfxModel *m = load(path);
	if (!m)
		return 1;
	json_t *j = m->metadata ? json_loads(m->metadata, 0, NULL) : NULL;
	json_t *v = j ? json_object_get(j, key) : NULL;
	int rc = 0;
	if (json_is_number(v))
		printf("%.9g\n", json_number_value(v));
	else if (json_is_string(v))
		printf("%s\n", json_string_value(v));
	else {
		fprintf(stderr, PROG ": %s: no metadata field '%s'\n", path, key);
		rc = 1;
	}
	json_decref(j);
	rfx_model_free(m);
	return rc;
}

static float *read_mono(const char *path, size_t *n)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	float *x = sf && info.channels == 1 ? malloc((size_t)info.frames * sizeof *x + 1) : NULL;
	*n = x ? (size_t)sf_readf_float(sf, x, info.frames) : 0;
	if (sf)
		sf_close(sf);
	if (!x)
		fprintf(stderr, PROG ": %s: cannot read a mono file\n", path);
	return x;
}

static int cmd_esr(const char *out, const char *target, const char *skip)
{
	size_t n_y = 0, n_t = 0, from = (size_t)atol(skip);
	float *y = read_mono(out, &n_y), *t = read_mono(target, &n_t);
	double num = 0, den = 0;
	for (size_t i = from; y && t && i < n_y && i < n_t; i++) {
		num += ((double)y[i] - t[i]) * ((double)y[i] - t[i]);
		den += (double)t[i] * t[i];
	}
	int ok = y && t && n_y == n_t;
	if (ok)
		printf("%.6g\n", num / (den + 1e-10));
	free(y);
	free(t);
	return ok ? 0 : 1;
}

static int cmd_knobs(const char *path)
{
	RfxModel *m = load(path);
	if (!m)
		return 1;
	json_t *j = m->metadata ? json_loads(m->metadata, 0, NULL) : NULL;
	json_t *k = j ? json_object_get(j, "knobs") : NULL, *e;
	size_t i;
	printf("n_inputs %d\n", m->spec.n_inputs);
	json_array_foreach(k, i, e)
		printf("knob %s %g %g %g %g %d\n", json_string_value(json_object_get(e, "name")),
		       json_number_value(json_object_get(e, "min")),
		       json_number_value(json_object_get(e, "max")),
		       json_number_value(json_object_get(e, "default")),
		       json_number_value(json_object_get(e, "default_input")),
		       (int)json_integer_value(json_object_get(e, "input")));
	json_array_foreach(json_object_get(j, "test_settings"), i, e) {
		const char *name;
		json_t *v;
		printf("setting");
		json_object_foreach(json_object_get(e, "knobs"), name, v)
			printf(" %s=%g", name, json_number_value(v));
		printf(" %.6g\n", json_number_value(json_object_get(e, "test_esr")));
	}
	json_decref(j);
	rfx_model_free(m);
	return k ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "pair"))
		return cmd_pair(argc, argv);
	if (!strcmp(cmd, "wav"))
		return cmd_wav(argc, argv);
	if (!strcmp(cmd, "load") && argc == 3)
		return cmd_load(argv[2]);
	if (!strcmp(cmd, "same-params") && argc == 4)
		return cmd_same(argv[2], argv[3]);
	if (!strcmp(cmd, "meta") && argc == 4)
		return cmd_meta(argv[2], argv[3]);
	if (!strcmp(cmd, "knobs") && argc == 3)
		return cmd_knobs(argv[2]);
	if (!strcmp(cmd, "esr") && argc == 5)
		return cmd_esr(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: " PROG " pair|wav|load|same-params|meta|knobs|esr ... (see the source)\n");
	return 2;
}
