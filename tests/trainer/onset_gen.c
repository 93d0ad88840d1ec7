/* onset-gen — writes a tiny set of labelled hits for the onset-model tests, without sox:
 *
 *   onset-gen DIR SEED FILES RATE SECONDS
 *
 * DIR/NN.wav (32-bit float mono at RATE Hz, SECONDS long) with DIR/NN.csv ("time,class" lines), for
 * three made-up percussion sounds:
 *   click  a 3 ms burst of white noise, decaying in 2 ms;
 *   thump  a 70-110 Hz sine decaying in 60 ms, with a 1 ms attack;
 *   ting   a 2.5-4 kHz sine decaying in 80 ms.
 * Hits of one class are at least 80 ms apart; different classes may coincide (a third of the hits
 * land on another's time). Levels -30 to -6 dBFS, a noise floor at -70 dBFS. A seed gives the same
 * files on every machine (a 64-bit LCG, no libc rand).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <sndfile.h>

static uint64_t rng;

static double uniform(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static const char *const CLASSES[3] = { "click", "thump", "ting" };

static void add_hit(float *x, size_t n, size_t at, int cls, double rate, double gain)
{
	const double f = cls == 1 ? 70 + 40 * uniform() : 2500 + 1500 * uniform();
	const double tau = cls == 0 ? 0.002 : cls == 1 ? 0.060 : 0.080;
	const size_t len = (size_t)(rate * tau * 7);
	for (size_t i = 0; i < len && at + i < n; i++) {
		const double t = (double)i / rate, env = exp(-t / tau);
		double v;
		if (cls == 0)
			v = t < 0.003 ? (2 * uniform() - 1) * env : 0;
		else
			v = sin(2 * M_PI * f * t) * env * (cls == 1 ? fmin(1.0, t / 0.001) : 1.0);
		x[at + i] += (float)(gain * v);
	}
}

static int write_file(const char *dir, int idx, double rate, double seconds)
{
	const size_t n = (size_t)(rate * seconds);
	float *x = calloc(n, sizeof *x);
	if (!x)
		return -1;
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(3e-4 * (2 * uniform() - 1));
	char path[1024];
	snprintf(path, sizeof path, "%s/%02d.csv", dir, idx);
	FILE *csv = fopen(path, "w");
	if (!csv) {
		free(x);
		return -1;
	}
	fprintf(csv, "time,class\n");
	double next[3] = { 0.05, 0.05, 0.05 }, t = 0.05 + 0.2 * uniform();
	while (t < seconds - 0.3) {
		int cls = (int)(3 * uniform()) % 3;
		if (t >= next[cls]) {
			size_t at = (size_t)llround(t * rate);
			add_hit(x, n, at, cls, rate, pow(10, (-30 + 24 * uniform()) / 20));
			fprintf(csv, "%.6f,%s\n", (double)at / rate, CLASSES[cls]);
			next[cls] = t + 0.08;
		}
		/* A third of the time the next hit is on the same time: another class joins. */
		t += uniform() < 0.33 ? 0.0 : 0.03 + 0.25 * uniform();
	}
	fclose(csv);
	snprintf(path, sizeof path, "%s/%02d.wav", dir, idx);
	SF_INFO info = { .samplerate = (int)rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	int rc = f && sf_writef_float(f, x, (sf_count_t)n) == (sf_count_t)n ? 0 : -1;
	if (f)
		sf_close(f);
	free(x);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: onset-gen DIR SEED FILES RATE SECONDS\n");
		return 2;
	}
	const char *dir = argv[1];
	rng = strtoull(argv[2], NULL, 10) * 2654435761u + 1;
	const int files = atoi(argv[3]);
	const double rate = atof(argv[4]), seconds = atof(argv[5]);
	if (files < 1 || rate < 8000 || seconds < 1) {
		fprintf(stderr, "onset-gen: bad arguments\n");
		return 2;
	}
	mkdir(dir, 0755);
	for (int i = 0; i < files; i++)
		if (write_file(dir, i, rate, seconds)) {
			fprintf(stderr, "onset-gen: cannot write %s/%02d\n", dir, i);
			return 1;
		}
	return 0;
}
