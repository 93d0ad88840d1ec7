/* tone-gen2 — a held-out labelled set for the tone classifier, made without sox and sharing no
 * code with scripts/make_class_data.sh, so a model trained on that script's audio is measured on
 * material it could not have fitted by accident (issue 16):
 *
 *   tone-gen2 DIR SEED FILES [--rate HZ] [--classes a,b,...] [--levels LO,HI] [--freqs LO,HI]
 *             [--skip S] [--floor DB]
 *
 * DIR/CLASS/NNN.wav (32-bit float mono, 0.5 to 1.5 s), FILES per class, and DIR/labels.csv, which
 * labels every sounding file from S seconds after its start (0.1) to the end of its last 10 ms
 * whose RMS is above DB dBFS (-60: 10 dB over the -70 dBFS that the silence class allows; only a
 * pluck's tail falls below it), and silence whole: `rnnfx-train --task classify --eval MODEL
 * --labels DIR/labels.csv` scores the sounding frames S after each onset.
 *
 *   sine     random start phase
 *   square   pulse waves of duty 0.1 to 0.5, naive or band-limited (PolyBLEP), either polarity,
 *            half of them with the DC taken out
 *   saw      naive or band-limited, rising or falling, random phase
 *   pluck    a Karplus-Strong string: a noise burst of some brightness in a delay line with a
 *            fractional delay and a loop filter of some damping; T60 1 to 3 times the file
 *   noise    Gaussian or uniform white, pink (Paul Kellet's filter), brown (a leaky integrator)
 *   speech   espeak-ng in voices and languages the project script does not use, with this
 *            program's own pause cutter and libsamplerate to the rate
 *   silence  digital zero, or a white floor at -100 to -75 dBFS
 *
 * Sounding classes peak at LO..HI dBFS (-40..0), drawn uniformly in dB; tonal ones at LO..HI Hz
 * (40..4000, log-uniform; plucks 50 to 2000 at most), with an attack of 1 to 20 ms. A seed gives
 * the same files on every machine (splitmix64 per file, no libc rand), except speech, which is as
 * reproducible as the installed espeak-ng.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <samplerate.h>
#include <sndfile.h>

#define PROG "tone-gen2"
#define TWO_PI 6.283185307179586

typedef struct {
	uint64_t s;
} Rng;

static uint64_t next(Rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double unif(Rng *r)
{
	return (double)(next(r) >> 11) / 9007199254740992.0;
}

static double range(Rng *r, double lo, double hi)
{
	return lo + (hi - lo) * unif(r);
}

static double log_range(Rng *r, double lo, double hi)
{
	return exp(range(r, log(lo), log(hi)));
}

static double gauss(Rng *r)
{
	double u = unif(r), v = unif(r);
	return sqrt(-2 * log(1 - u)) * cos(TWO_PI * v);
}

typedef struct {
	int rate;
	double lmin, lmax, fmin, fmax;
	double floor_db;            /* the labels end where the 10 ms RMS last exceeds it */
	const char *tmp;            /* scratch WAV for espeak-ng */
} Cfg;

/* ---------------------------------------------------------------- waveforms */

/* PolyBLEP: the residual of a band-limited step at phase t (0..1) for a phase step dt. */
static double blep(double t, double dt)
{
	if (t < dt) {
		t /= dt;
		return t + t - t * t - 1;
	}
	if (t > 1 - dt) {
		t = (t - 1) / dt;
		return t * t + t + t + 1;
	}
	return 0;
}

static void gen_sine(float *x, size_t n, double f, const Cfg *c, Rng *r)
{
	double ph = unif(r), dt = f / c->rate;
	for (size_t i = 0; i < n; i++)
		x[i] = (float)sin(TWO_PI * (ph + dt * (double)i));
}

static void gen_pulse(float *x, size_t n, double f, const Cfg *c, Rng *r)
{
	double duty = range(r, 0.1, 0.5), ph = unif(r), dt = f / c->rate;
	int bl = unif(r) < 0.5, flip = unif(r) < 0.5, no_dc = unif(r) < 0.5;
	for (size_t i = 0; i < n; i++) {
		double v = ph < duty ? 1 : -1;
		if (bl) {
			double t2 = ph - duty + (ph < duty ? 1 : 0);
			v += blep(ph, dt) - blep(t2, dt);
		}
		if (no_dc)
			v -= 2 * duty - 1;
		x[i] = (float)(flip ? -v : v);
		ph += dt;
		ph -= floor(ph);
	}
}

static void gen_saw(float *x, size_t n, double f, const Cfg *c, Rng *r)
{
	double ph = unif(r), dt = f / c->rate;
	int bl = unif(r) < 0.5, falling = unif(r) < 0.5;
	for (size_t i = 0; i < n; i++) {
		double v = 2 * ph - 1;
		if (bl)
			v -= blep(ph, dt);
		x[i] = (float)(falling ? -v : v);
		ph += dt;
		ph -= floor(ph);
	}
}

/* y[i - delay] from the history h (y[j] at h[j % len]), linearly interpolated. */
static double past(const float *h, size_t len, size_t i, double delay)
{
	double fl = floor(delay), fr = delay - fl;
	size_t a = (i % len + len - (size_t)fl) % len, b = (a + len - 1) % len;
	return (1 - fr) * h[a] + fr * h[b];
}

/* Karplus-Strong: the first period is a burst of noise low-passed by `bright`; after it each
 * sample is the loop filter damp * y[n - D] + (1 - damp) * y[n - D - 1] (0.5 = the classic
 * average; nearer 1 keeps more highs: past 0.8 the loop hardly filters and the burst's noise
 * rings as long as the string, a buzz more than a pluck) times the gain that gives the drawn T60,
 * with D the period less the filter's own delay (fractional, linearly interpolated). */
static void gen_pluck(float *x, size_t n, double f, const Cfg *c, Rng *r)
{
	f = fmin(fmax(f, 50), 2000);
	double period = c->rate / f, bright = range(r, 0.15, 1), damp = range(r, 0.5, 0.8);
	double t60 = log_range(r, 1, 3) * (double)n / c->rate, g = pow(1e-3, 1 / (f * t60)), lp = 0;
	double D = period - (1 - damp), mean = 0;
	size_t len = (size_t)period + 3, burst = (size_t)period;
	float *h = calloc(len, sizeof *h);
	if (!h)
		exit(1);
	for (size_t i = 0; i < burst && i < n; i++) {
		lp += bright * (range(r, -1, 1) - lp);
		x[i] = (float)lp;
		mean += lp / (double)burst;
	}
	/* The burst without its mean: the loop passes DC as it passes the fundamental, and a string
	 * heard through a pickup or a microphone has none. */
	for (size_t i = 0; i < n; i++) {
		double y = i < burst ? x[i] - mean
			: g * (damp * past(h, len, i, D) + (1 - damp) * past(h, len, i, D + 1));
		h[i % len] = (float)y;
		x[i] = (float)y;
	}
	free(h);
}

static void gen_noise(float *x, size_t n, Rng *r)
{
	int kind = (int)(next(r) % 4);
	double b[7] = { 0 }, leak = 1 - log_range(r, 1e-3, 2e-2), brown = 0;
	for (size_t i = 0; i < n; i++) {
		double w = kind == 1 ? range(r, -1, 1) : gauss(r), v = w;
		if (kind == 2) {        /* Paul Kellet's refined pink filter */
			b[0] = 0.99886 * b[0] + w * 0.0555179;
			b[1] = 0.99332 * b[1] + w * 0.0750759;
			b[2] = 0.96900 * b[2] + w * 0.1538520;
			b[3] = 0.86650 * b[3] + w * 0.3104856;
			b[4] = 0.55000 * b[4] + w * 0.5329522;
			b[5] = -0.7616 * b[5] - w * 0.0168980;
			v = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
			b[6] = w * 0.115926;
		} else if (kind == 3) {
			brown = leak * brown + w;
			v = brown;
		}
		x[i] = (float)v;
	}
}

static void gen_silence(float *x, size_t n, Rng *r)
{
	double amp = unif(r) < 0.5 ? 0 : pow(10, range(r, -100, -75) / 20);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(amp * range(r, -1, 1));
}

/* ---------------------------------------------------------------- speech */

/* Voices, variants and sentences that scripts/make_class_data.sh does not use (it speaks English
 * sentences of its own with the default variant); each voice speaks its language. */
static const char *const VOICES[][2] = {
	{ "de+f2", "Der Wind weht kalt über die weiten Felder am Rande der Stadt." },
	{ "fr-fr+m3", "Le petit chat dort tranquillement sur le canapé du salon." },
	{ "es+f4", "Mañana vamos a comprar pan fresco en el mercado del pueblo." },
	{ "it+klatt", "La musica suona forte mentre tutti ballano nella piazza." },
	{ "nl+m7", "Gisteren regende het de hele dag in het noorden van het land." },
	{ "pl+f1", "Wszyscy czekali na pociąg, który spóźnił się o godzinę." },
	{ "sv+klatt3", "Solen skiner över sjön och barnen badar hela eftermiddagen." },
	{ "pt-br+m2", "O professor explicou a lição duas vezes para a turma inteira." },
	{ "en-us-nyc+f3", "Nobody told the drummer that rehearsal moved to Thursday evening." },
	{ "en-gb-x-gbcwmd+klatt2", "Twelve lanterns flickered along the harbour wall after midnight." },
	{ "fi+m5", "Kesällä järven rannalla on aina paljon iloisia ihmisiä." },
	{ "cs+f5", "Vlak přijel na nádraží přesně podle jízdního řádu." },
};
#define N_VOICES (sizeof VOICES / sizeof VOICES[0])

static float *read_mono(const char *path, size_t *n, int *rate)
{
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (!f || info.channels != 1 || info.frames <= 0) {
		if (f)
			sf_close(f);
		return NULL;
	}
	float *x = malloc((size_t)info.frames * sizeof *x);
	*n = x ? (size_t)sf_readf_float(f, x, info.frames) : 0;
	*rate = info.samplerate;
	sf_close(f);
	return x;
}

/* Drops the 10 ms frames whose RMS is 35 dB or more below the loudest frame's, joining the pieces
 * that stay with 2 ms cross-fades; returns the new length. */
static size_t cut_pauses(float *x, size_t n, int rate)
{
	size_t fr = (size_t)rate / 100, xf = (size_t)rate / 500, nf = n / fr, out = 0;
	double peak = 0;
	for (size_t k = 0; k < nf; k++) {
		double e = 0;
		for (size_t i = 0; i < fr; i++)
			e += (double)x[k * fr + i] * x[k * fr + i];
		peak = fmax(peak, e);
	}
	int joined = 1;             /* the previous frame stayed */
	for (size_t k = 0; k < nf; k++) {
		double e = 0;
		for (size_t i = 0; i < fr; i++)
			e += (double)x[k * fr + i] * x[k * fr + i];
		if (e < peak * pow(10, -3.5)) {
			joined = 0;
			continue;
		}
		size_t fade = !joined && out >= xf ? xf : 0;
		joined = 1;
		for (size_t i = 0; i < fr; i++) {
			float v = x[k * fr + i];
			if (i < fade) {         /* over the last `fade` samples written */
				double w = (double)(i + 1) / (double)(fade + 1);
				size_t o = out - fade + i;
				x[o] = (float)((1 - w) * x[o] + w * v);
			} else {
				x[out + i - fade] = v;
			}
		}
		out += fr - fade;
	}
	return out;
}

/* espeak-ng into the scratch file, pauses out, resampled to the rate, a piece of n samples from a
 * random place. 0, or -1 when espeak-ng failed or spoke too little. */
static int gen_speech(float *x, size_t n, const Cfg *c, Rng *r)
{
	size_t v = next(r) % N_VOICES;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "espeak-ng -v '%s' -s %d -p %d -w '%s' '%s'", VOICES[v][0],
		 (int)range(r, 120, 220), (int)range(r, 20, 80), c->tmp, VOICES[v][1]);
	if (system(cmd) != 0)
		return -1;
	size_t m = 0;
	int in_rate = 0;
	float *sp = read_mono(c->tmp, &m, &in_rate);
	if (!sp)
		return -1;
	m = cut_pauses(sp, m, in_rate);
	double ratio = (double)c->rate / in_rate;
	size_t cap = (size_t)((double)m * ratio) + 16;
	float *up = malloc(cap * sizeof *up);
	SRC_DATA d = { .data_in = sp, .data_out = up, .input_frames = (long)m,
		       .output_frames = (long)cap, .src_ratio = ratio };
	int rc = up && src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1) == 0 &&
		 (size_t)d.output_frames_gen > n ? 0 : -1;
	if (rc == 0) {
		size_t off = next(r) % ((size_t)d.output_frames_gen - n);
		memcpy(x, up + off, n * sizeof *x);
	}
	free(sp);
	free(up);
	return rc;
}

/* ---------------------------------------------------------------- files */

static const char *const CLASSES[] = { "sine", "square", "saw", "pluck", "noise", "speech", "silence" };
#define N_CLASSES (sizeof CLASSES / sizeof CLASSES[0])

/* Peak to `db` dBFS, an attack of 1 to 20 ms and a 3 ms release (plucks keep their own attack). */
static void shape(float *x, size_t n, double db, int attack, const Cfg *c, Rng *r)
{
	double peak = 0;
	for (size_t i = 0; i < n; i++)
		peak = fmax(peak, fabs(x[i]));
	double gain = peak > 0 ? pow(10, db / 20) / peak : 0;
	size_t a = attack ? (size_t)(range(r, 0.001, 0.02) * c->rate) : 0, rel = (size_t)c->rate * 3 / 1000;
	for (size_t i = 0; i < n; i++) {
		double w = 1;
		if (i < a)
			w = 0.5 - 0.5 * cos(M_PI * (double)i / (double)a);
		if (n - i <= rel)
			w *= (double)(n - i) / (double)rel;
		x[i] = (float)(x[i] * gain * w);
	}
}

/* One file of class k: 0, or -1 (said). */
static int make(float *x, size_t n, size_t k, const Cfg *c, Rng *r)
{
	double f = log_range(r, c->fmin, c->fmax), db = range(r, c->lmin, c->lmax);
	const char *name = CLASSES[k];
	if (!strcmp(name, "sine"))
		gen_sine(x, n, f, c, r);
	else if (!strcmp(name, "square"))
		gen_pulse(x, n, f, c, r);
	else if (!strcmp(name, "saw"))
		gen_saw(x, n, f, c, r);
	else if (!strcmp(name, "pluck"))
		gen_pluck(x, n, f, c, r);
	else if (!strcmp(name, "noise"))
		gen_noise(x, n, r);
	else if (!strcmp(name, "speech") && gen_speech(x, n, c, r) != 0) {
		fprintf(stderr, PROG ": espeak-ng failed (apt-get install espeak-ng)\n");
		return -1;
	}
	if (!strcmp(name, "silence"))
		gen_silence(x, n, r);
	else
		shape(x, n, db, strcmp(name, "pluck") != 0, c, r);
	return 0;
}

static int write_wav(const char *path, const float *x, size_t n, int rate)
{
	SF_INFO info = { .samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, sf_strerror(NULL));
		return -1;
	}
	sf_count_t w = sf_writef_float(f, x, (sf_count_t)n);
	sf_close(f);
	return w == (sf_count_t)n ? 0 : -1;
}

/* The end of the last 10 ms frame whose RMS is above `floor_db` dBFS. */
static size_t sounding_end(const float *x, size_t n, int rate, double floor_db)
{
	size_t fr = (size_t)rate / 100, end = 0;
	const double floor_ms = pow(10, floor_db / 10);
	for (size_t k = 0; (k + 1) * fr <= n; k++) {
		double e = 0;
		for (size_t i = k * fr; i < (k + 1) * fr; i++)
			e += (double)x[i] * x[i];
		if (e / (double)fr >= floor_ms)
			end = (k + 1) * fr;
	}
	return end;
}

/* Class k's files, each from its own generator seeded by (seed, k, i), and their labels lines. */
static int make_class(const char *dir, uint64_t seed, int files, size_t k, double skip,
		      const Cfg *c, FILE *csv)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, CLASSES[k]);
	mkdir(path, 0777);
	for (int i = 0; i < files; i++) {
		Rng r = { seed * 0x2545F4914F6CDD1DULL + k * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 7919 };
		size_t n = (size_t)(range(&r, 0.5, 1.5) * c->rate);
		float *x = calloc(n, sizeof *x);
		if (!x)
			return -1;
		snprintf(path, sizeof path, "%s/%s/%03d.wav", dir, CLASSES[k], i);
		int rc = make(x, n, k, c, &r) || write_wav(path, x, n, c->rate);
		size_t end = strcmp(CLASSES[k], "silence") ? sounding_end(x, n, c->rate, c->floor_db) : n - 1;
		free(x);
		if (rc)
			return -1;
		if ((double)end / c->rate > skip + 0.01)
			fprintf(csv, "%s/%03d.wav,%.6f,%.6f,%s\n", CLASSES[k], i, skip,
				(double)end / c->rate, CLASSES[k]);
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: " PROG " DIR SEED FILES [--rate HZ] [--classes a,b,...] "
		"[--levels LO,HI] [--freqs LO,HI] [--skip S] [--floor DB]\n");
	return 2;
}

static int pair(const char *s, double *a, double *b)
{
	char *end;
	*a = strtod(s, &end);
	if (*end != ',')
		return -1;
	*b = strtod(end + 1, &end);
	return *end || *a > *b ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (argc - 4) % 2)
		return usage();
	const char *dir = argv[1], *classes = "sine,square,saw,pluck,noise,speech,silence";
	uint64_t seed = strtoull(argv[2], NULL, 10);
	int files = atoi(argv[3]);
	double skip = 0.1;
	char tmp[1100];
	Cfg c = { .rate = 48000, .lmin = -40, .lmax = 0, .fmin = 40, .fmax = 4000, .floor_db = -60,
		  .tmp = tmp };
	for (int i = 4; i < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--rate"))
			c.rate = atoi(v);
		else if (!strcmp(o, "--classes"))
			classes = v;
		else if (!strcmp(o, "--skip"))
			skip = atof(v);
		else if (!strcmp(o, "--floor"))
			c.floor_db = atof(v);
		else if (strcmp(o, "--levels") ? strcmp(o, "--freqs") || pair(v, &c.fmin, &c.fmax) :
			 pair(v, &c.lmin, &c.lmax))
			return usage();
	}
	if (files < 1 || c.rate < 8000 || c.fmin <= 0 || c.fmax >= c.rate / 2.0 || skip < 0 || skip >= 0.5)
		return usage();
	mkdir(dir, 0777);
	snprintf(tmp, sizeof tmp, "%s/.speech-%d.wav", dir, (int)getpid());
	char path[1024];
	snprintf(path, sizeof path, "%s/labels.csv", dir);
	FILE *csv = fopen(path, "w");
	if (!csv) {
		fprintf(stderr, PROG ": %s: cannot write\n", path);
		return 1;
	}
	fprintf(csv, "file,start,end,label\n");
	int rc = 0;
	for (size_t k = 0; k < N_CLASSES && !rc; k++) {
		char want[64];
		snprintf(want, sizeof want, ",%s,", CLASSES[k]);
		char list[512];
		snprintf(list, sizeof list, ",%s,", classes);
		if (strstr(list, want))
			rc = make_class(dir, seed, files, k, skip, &c, csv);
	}
	remove(tmp);
	return (fclose(csv) || rc) ? 1 : 0;
}
