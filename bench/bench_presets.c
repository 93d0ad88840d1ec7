/* The cost of each shipped preset: CPU time per second of audio at 48 kHz (one stream, blocks of
 * 256, 10 s of a guitar-like test signal, the median of several runs), and the stream's memory.
 *
 *   bench_presets MODEL.json...
 *
 * Never part of `make check`.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/model_file.h"
#include "../dsp/stream.h"

enum { RATE = 48000, SECONDS = 10, BLOCK = 256, RUNS = 5 };

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const int n = RATE * SECONDS;
	/* A classifier writes K probabilities per sample. */
	float *x = malloc(n * sizeof *x), *y = malloc((size_t)n * RFX_MAX_CLASSES * sizeof *y);
	if (!x || !y)
		return 1;
	/* Decaying plucks at a few pitches: the models' state moves as it would on a guitar. */
	for (int i = 0; i < n; i++) {
		double t = (double)(i % 24000) / RATE, f = 110.0 * (1 + (i / 24000) % 4);
		x[i] = (float)(0.5 * exp(-3.0 * t) * sin(2 * M_PI * f * t));
	}
	printf("%-28s %12s %14s %12s %10s %10s\n", "preset", "model", "ms CPU / s", "% of a core",
	       "ns/sample", "bytes");
	for (int a = 1; a < argc; a++) {
		RfxModel *m = NULL;
		RfxStream *st = NULL;
		char detail[256] = "";
		RfxStatus s = rfx_model_load_file(argv[a], &m, detail, sizeof detail);
		if (s != RFX_OK || rfx_stream_create(m, &st) != RFX_OK) {
			fprintf(stderr, "bench_presets: %s: %s %s\n", argv[a], rfx_strerror(s), detail);
			return 1;
		}
		double t[RUNS];
		for (int r = 0; r < RUNS; r++) {
			rfx_stream_reset(st);
			double t0 = cpu_now();
			for (int i = 0; i < n; i += BLOCK)
				rfx_stream_process(st, x + i, y + (size_t)i * rfx_stream_n_outputs(st), BLOCK);
			t[r] = cpu_now() - t0;
		}
		qsort(t, RUNS, sizeof t[0], cmp_double);
		const double per_s = t[RUNS / 2] / SECONDS;
		char arch[32];
		snprintf(arch, sizeof arch, "%s %d%s", rfx_cell_name(m->spec.cell), m->spec.hidden,
			 m->spec.mode == RFX_MODE_CLASSIFIER ? " cls" : "");
		const char *name = strrchr(argv[a], '/');
		printf("%-28s %12s %14.2f %11.2f%% %10.1f %10zu\n", name ? name + 1 : argv[a], arch,
		       per_s * 1e3, per_s * 100, per_s * 1e9 / RATE, rfx_stream_get_size(m));
		rfx_stream_destroy(st);
		rfx_model_free(m);
	}
	free(x);
	free(y);
	return 0;
}
