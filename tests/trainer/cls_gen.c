/* cls-gen — writes a tiny labelled set for the classifier tests, without sox:
 *
 *   cls-gen DIR SEED FILES RATE
 *
 * DIR/sine/NN.wav, DIR/noise/NN.wav, DIR/silence/NN.wav: FILES files per class of 0.3 to 0.6 s
 * (32-bit float mono at RATE Hz). Sines at 100 Hz to 2 kHz, white noise, digital silence; levels
 * -20 to -6 dBFS. A seed gives the same files on every machine (a 64-bit LCG, no libc rand).
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

static int write_wav(const char *path, const float *x, size_t n, int rate)
{
	SF_INFO info = { .samplerate = rate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	if (!f) {
		fprintf(stderr, "cls-gen: %s: %s\n", path, sf_strerror(NULL));
		return -1;
	}
	sf_count_t w = sf_writef_float(f, x, (sf_count_t)n);
	sf_close(f);
	return w == (sf_count_t)n ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: cls-gen DIR SEED FILES RATE\n");
		return 2;
	}
	const char *dir = argv[1];
	rng = strtoull(argv[2], NULL, 10) * 2654435761ULL + 12345;
	int files = atoi(argv[3]), rate = atoi(argv[4]);
	if (files < 1 || rate < 1000) {
		fprintf(stderr, "cls-gen: FILES >= 1, RATE >= 1000\n");
		return 2;
	}
	static const char *cls[] = { "sine", "noise", "silence" };
	mkdir(dir, 0777);
	for (int c = 0; c < 3; c++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, cls[c]);
		mkdir(path, 0777);
		for (int i = 0; i < files; i++) {
			size_t n = (size_t)((0.3 + 0.3 * uniform()) * rate);
			double amp = pow(10, (-20 + 14 * uniform()) / 20);
			double f = exp(log(100) + (log(2000) - log(100)) * uniform()), ph = uniform();
			float *x = malloc(n * sizeof *x);
			if (!x)
				return 1;
			for (size_t t = 0; t < n; t++) {
				if (c == 0)
					x[t] = (float)(amp * sin(2 * M_PI * (f * (double)t / rate + ph)));
				else if (c == 1)
					x[t] = (float)(amp * (2 * uniform() - 1));
				else
					x[t] = 0;
			}
			snprintf(path, sizeof path, "%s/%s/%02d.wav", dir, cls[c], i);
			int rc = write_wav(path, x, n, rate);
			free(x);
			if (rc)
				return 1;
		}
	}
	return 0;
}
