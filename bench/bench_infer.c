/* rnnfx inference benchmark: ns per sample for one stream, blocks of 256, 10 s of noise at 48 kHz,
 * the median of several runs, against the machine's measured single-core FP32 peak.
 *
 *   bench_infer [csv-path]
 *
 * Never part of `make check`: timings depend on the machine and its load.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/stream.h"
#include "peak.h"

enum { RATE = 48000, SECONDS = 10, BLOCK = 256, RUNS = 5 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Flops per sample with input 1 and one layer: matrix-vector products count 2 per weight, the
 * element-wise gate arithmetic as written in docs/performance.md. */
static double flops_per_sample(RfxCellType cell, double H)
{
	switch (cell) {
	case RFX_CELL_RNN: return 2 * H * H + 7 * H;
	case RFX_CELL_GRU: return 6 * H * H + 19 * H;
	default: return 8 * H * H + 18 * H;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *csv_path = argc > 1 ? argv[1] : NULL;
	const int n = RATE * SECONDS;
	float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
	uint64_t s = 12345;
	for (int i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = (float)((double)(s >> 40) / 16777216.0 * 2.0 - 1.0) * 0.5f;
	}
	const double peak = rfx_bench_peak_gflops();
	FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
	if (csv)
		fprintf(csv, "cell,hidden,kernel,ns_per_sample,x_realtime,gflops,peak_fraction\n");
	printf("single-core FP32 peak measured: %.1f GFLOP/s\n\n", peak);
	printf("%-5s %4s %-8s %12s %12s %9s %8s\n", "cell", "H", "kernel", "ns/sample", "x realtime",
	       "GFLOP/s", "of peak");
	static const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	static const int hs[] = { 8, 16, 32, 64 };
	for (int c = 0; c < 3; c++)
		for (int hi = 0; hi < 4; hi++) {
			RfxModelSpec sp = { .cell = cells[c], .n_layers = 1, .n_inputs = 1, .hidden = hs[hi],
					    .mode = RFX_MODE_EFFECT, .n_outputs = 1, .skip = 1,
					    .sample_rate = RATE };
			RfxModel *m;
			RfxStream *st;
			if (rfx_model_new(&sp, &m) != RFX_OK || rfx_stream_create(m, &st) != RFX_OK) {
				fprintf(stderr, "bench_infer: cannot build model\n");
				return 1;
			}
			rfx_model_init_random(m, 1);
			rfx_stream_destroy(st);
			rfx_stream_create(m, &st);
			double t[RUNS];
			for (int r = 0; r < RUNS; r++) {
				rfx_stream_reset(st);
				double t0 = now();
				for (int i = 0; i < n; i += BLOCK)
					rfx_stream_process(st, x + i, y + i, BLOCK);
				t[r] = now() - t0;
			}
			qsort(t, RUNS, sizeof t[0], cmp_double);
			const double ns = t[RUNS / 2] * 1e9 / n;
			const double gflops = flops_per_sample(cells[c], hs[hi]) / ns;
			printf("%-5s %4d %-8s %12.1f %12.0f %9.2f %7.1f%%\n", rfx_cell_name(cells[c]), hs[hi],
			       rfx_stream_kernel_name(st), ns, 1e9 / (ns * RATE), gflops, 100 * gflops / peak);
			if (csv)
				fprintf(csv, "%s,%d,%s,%.2f,%.1f,%.3f,%.4f\n", rfx_cell_name(cells[c]), hs[hi],
					rfx_stream_kernel_name(st), ns, 1e9 / (ns * RATE), gflops, gflops / peak);
			rfx_stream_destroy(st);
			rfx_model_free(m);
		}
	if (csv)
		fclose(csv);
	free(x);
	free(y);
	return 0;
}
