/* rnnfx inference benchmark: ns per sample for one stream, blocks of 256, 2 s of noise at 48 kHz,
 * the best (and the median) of several runs, against the machine's measured single-core FP32 peak
 * and, for the rows issue 8 sets a target for, against that target.
 *
 *   bench_infer [-o csv-path] [cell:H ...]     e.g. bench_infer gru:8 lstm:32
 *   bench_infer knobs                          only the knob-model rows
 *   bench_infer stacked                        only the stacked-layer rows
 *   bench_infer bf16                           only the bf16-weight rows (RFX_WEIGHTS_BF16)
 *
 * The best of many short runs is the figure to compare: on a loaded machine the median moves with
 * the other jobs, the minimum much less. RFX_KERNEL=name times another kernel.
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

enum { RATE = 48000, SECONDS = 2, BLOCK = 256, RUNS = 11 };

/* This thread's CPU time: on a shared machine the time the scheduler gives other jobs does not
 * count (their effect on the caches still does, which is why the best run is reported). */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

/* ns/sample targets, 0 = none: two thirds of RTNeural's fastest build (xsimd or Eigen, x86-64-v3
 * or native), measured in the same harness on a Zen 4 VM (issue 17's table). On another machine
 * they are a guide, not a verdict: RTNeural has to be measured there too. */
static double target_ns(RfxCellType cell, int H, int layers)
{
	if (layers != 1)
		return layers == 2 && cell == RFX_CELL_GRU && H == 16 ? 73 : 0;
	if (cell == RFX_CELL_GRU)
		return H == 8 ? 27 : H == 16 ? 39 : H == 32 ? 107 : H == 40 ? 162 : H == 48 ? 214
		       : H == 64 ? 389 : 0;
	if (cell == RFX_CELL_LSTM && H == 32)
		return 112;
	return 0;
}

static void time_runs(RfxStream *a, RfxStream *b, const float *x, const float *x2, float *y,
		      float *y2, int n, double *best, double *median);

/* Stacked models, as NAM and AIDA-X captures often are: 2 and 3 layers of the same width. */
static void bench_stacked(const float *x, float *y, int n)
{
	static const struct { RfxCellType cell; int H, L; } shapes[] = {
		{ RFX_CELL_GRU, 8, 2 },	 { RFX_CELL_GRU, 16, 2 },  { RFX_CELL_GRU, 32, 2 },
		{ RFX_CELL_GRU, 16, 3 }, { RFX_CELL_LSTM, 16, 2 }, { RFX_CELL_LSTM, 32, 2 },
		{ RFX_CELL_GRU, 32, 3 }, { RFX_CELL_GRU, 64, 2 }, { RFX_CELL_LSTM, 64, 2 },
	};
	printf("\nstacked layers: the same width per layer, ns per sample\n");
	printf("%-5s %4s %6s %-8s %9s %9s %7s %6s\n", "cell", "H", "layers", "kernel", "best ns", "median",
	       "target", "ratio");
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		RfxModelSpec sp = { .cell = shapes[i].cell, .n_layers = shapes[i].L, .n_inputs = 1,
				    .hidden = shapes[i].H, .mode = RFX_MODE_EFFECT, .n_outputs = 1,
				    .skip = 1, .sample_rate = RATE };
		RfxModel *m;
		RfxStream *st;
		if (rfx_model_new(&sp, &m) != RFX_OK)
			return;
		rfx_model_init_random(m, 1);
		if (rfx_stream_create(m, &st) != RFX_OK)
			return;
		double ns, median;
		time_runs(st, NULL, x, NULL, y, NULL, n, &ns, &median);
		const double target = target_ns(shapes[i].cell, shapes[i].H, shapes[i].L);
		printf("%-5s %4d %6d %-8s %9.1f %9.1f", rfx_cell_name(shapes[i].cell), shapes[i].H,
		       shapes[i].L, rfx_stream_kernel_name(st), ns, median);
		if (target > 0)
			printf(" %7.0f %5.2fx%s\n", target, ns / target, ns <= target ? "" : "  (over)");
		else
			printf("\n");
		rfx_stream_destroy(st);
		rfx_model_free(m);
	}
}

/* A model with random weights, its stream with the given weight storage (NULL on failure). */
static RfxStream *stream_for(RfxCellType cell, int H, RfxWeightStorage storage, RfxModel **model)
{
	RfxModelSpec sp = { .cell = cell, .n_layers = 1, .n_inputs = 1, .hidden = H,
			    .mode = RFX_MODE_EFFECT, .n_outputs = 1, .skip = 1, .sample_rate = RATE };
	RfxStream *st = NULL;
	*model = NULL;
	if (rfx_model_new(&sp, model) != RFX_OK)
		return NULL;
	rfx_model_init_random(*model, 1);
	if (rfx_model_set_weight_storage(*model, storage) != RFX_OK || rfx_stream_create(*model, &st) != RFX_OK) {
		rfx_model_free(*model);
		*model = NULL;
	}
	return st;
}

/* The opt-in bf16 recurrent weights against the default floats: one stream and the pair, and what
 * the rounding costs: the ESR of the bf16 output against the float one over the noise. */
static void bench_bf16(const float *x, const float *x2, float *y, float *y2, int n)
{
	static const struct { RfxCellType cell; int H; } shapes[] = {
		{ RFX_CELL_GRU, 32 }, { RFX_CELL_GRU, 48 }, { RFX_CELL_GRU, 64 },
		{ RFX_CELL_LSTM, 48 }, { RFX_CELL_LSTM, 64 },
	};
	printf("\nbf16 recurrent weights (rfx_model_set_weight_storage, opt-in; bf16 loops from H = 48), "
	       "ns per sample\n");
	printf("%-5s %4s %9s %9s %6s %9s %9s %7s %6s %9s\n", "cell", "H", "f32", "bf16", "speed",
	       "pair f32", "pair bf16", "target", "ratio", "ESR");
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		double ns[2], pns[2], median;
		double err = 0, ref = 0;
		for (int k = 0; k < 2; k++) {
			RfxModel *m;
			RfxStream *a = stream_for(shapes[i].cell, shapes[i].H, (RfxWeightStorage)k, &m), *b = NULL;
			if (!a || rfx_stream_create(m, &b) != RFX_OK)
				return;
			time_runs(a, NULL, x, NULL, k ? y2 : y, NULL, n, &ns[k], &median);
			pns[k] = NAN;
			if (rfx_stream_pairs(a, b)) {
				float *tmp = malloc(2 * (size_t)n * sizeof *tmp);
				if (tmp)
					time_runs(a, b, x, x2, tmp, tmp + n, n, &pns[k], &median);
				free(tmp);
			}
			rfx_stream_destroy(b);
			rfx_stream_destroy(a);
			rfx_model_free(m);
		}
		for (int j = 0; j < n; j++) { /* y: f32, y2: bf16, both from the last single run */
			err += ((double)y2[j] - y[j]) * ((double)y2[j] - y[j]);
			ref += (double)y[j] * y[j];
		}
		const double target = target_ns(shapes[i].cell, shapes[i].H, 1);
		char p0[16] = "-", p1[16] = "-"; /* "-": no paired loop for the shape */
		if (!isnan(pns[0]))
			snprintf(p0, sizeof p0, "%.1f", pns[0]);
		if (!isnan(pns[1]))
			snprintf(p1, sizeof p1, "%.1f", pns[1]);
		printf("%-5s %4d %9.1f %9.1f %5.2fx %9s %9s", rfx_cell_name(shapes[i].cell), shapes[i].H,
		       ns[0], ns[1], ns[0] / ns[1], p0, p1);
		if (target > 0)
			printf(" %7.0f %5.2fx", target, ns[1] / target);
		else
			printf(" %7s %6s", "", "");
		printf(" %9.2e\n", ref > 0 ? err / ref : 0.0);
	}
}

/* Knob models (conditioning inputs held, as a knob at rest): the same shape with 0, 1 and 2 knobs,
 * and the ratio to the model without (issue 14: within 10 %). */
static void bench_knobs(const float *x, float *y, int n)
{
	static const struct { RfxCellType cell; int H; } shapes[] = {
		{ RFX_CELL_GRU, 8 }, { RFX_CELL_GRU, 16 }, { RFX_CELL_GRU, 32 }, { RFX_CELL_LSTM, 32 },
	};
	printf("\nknob models: one layer, the knobs held (conditioning inputs 1..K), ns per sample\n");
	printf("%-5s %4s %-8s %9s %9s %9s %7s %7s\n", "cell", "H", "kernel", "no knob", "1 knob",
	       "2 knobs", "ratio 1", "ratio 2");
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		double ns[3];
		const char *kernel = "?";
		for (int k = 0; k < 3; k++) {
			RfxModelSpec sp = { .cell = shapes[i].cell, .n_layers = 1, .n_inputs = 1 + k,
					    .hidden = shapes[i].H, .mode = RFX_MODE_EFFECT, .n_outputs = 1,
					    .skip = 1, .sample_rate = RATE };
			RfxModel *m;
			RfxStream *st;
			if (rfx_model_new(&sp, &m) != RFX_OK)
				return;
			rfx_model_init_random(m, 1);
			if (rfx_stream_create(m, &st) != RFX_OK)
				return;
			for (int j = 1; j <= k; j++)
				rfx_stream_set_input(st, j, 0.3f * (float)j);
			double median;
			time_runs(st, NULL, x, NULL, y, NULL, n, &ns[k], &median);
			kernel = rfx_stream_kernel_name(st);
			rfx_stream_destroy(st);
			rfx_model_free(m);
		}
		printf("%-5s %4d %-8s %9.1f %9.1f %9.1f %6.2fx %6.2fx\n", rfx_cell_name(shapes[i].cell),
		       shapes[i].H, kernel, ns[0], ns[1], ns[2], ns[1] / ns[0], ns[2] / ns[0]);
	}
}

/* The best and the median of RUNS runs over n samples, in ns per sample per channel: one stream,
 * or (b != NULL) the pair a, b through rfx_stream_process_pair, the second channel fed x2. */
static void time_runs(RfxStream *a, RfxStream *b, const float *x, const float *x2, float *y, float *y2,
		      int n, double *best, double *median)
{
	double t[RUNS];
	for (int r = 0; r < RUNS; r++) {
		rfx_stream_reset(a);
		if (b)
			rfx_stream_reset(b);
		double t0 = now();
		for (int i = 0; i < n; i += BLOCK) {
			if (b)
				rfx_stream_process_pair(a, b, x + i, x2 + i, y + i, y2 + i, BLOCK);
			else
				rfx_stream_process(a, x + i, y + i, BLOCK);
		}
		t[r] = now() - t0;
	}
	qsort(t, RUNS, sizeof t[0], cmp_double);
	const double per = 1e9 / ((double)n * (b ? 2 : 1));
	*best = t[0] * per;
	*median = t[RUNS / 2] * per;
}

/* Whether cell:H is among the filters (every row when there are none). */
static int selected(int n_filters, char **filters, RfxCellType cell, int H)
{
	if (n_filters == 0)
		return 1;
	char name[32];
	snprintf(name, sizeof name, "%s:%d", rfx_cell_name(cell), H);
	for (int i = 0; i < n_filters; i++)
		if (strcmp(filters[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *csv_path = NULL;
	char *filters[32];
	int n_filters = 0, knobs_only = 0, stacked_only = 0, bf16_only = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "knobs") == 0)
			knobs_only = 1;
		else if (strcmp(argv[i], "stacked") == 0)
			stacked_only = 1;
		else if (strcmp(argv[i], "bf16") == 0)
			bf16_only = 1;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			csv_path = argv[++i];
		else if (n_filters < 32 && strchr(argv[i], ':'))
			filters[n_filters++] = argv[i];
		else if (argv[i][0] != '-')
			csv_path = argv[i]; /* the old form: bench_infer csv-path */
		else {
			fprintf(stderr, "usage: bench_infer [-o csv-path] [knobs | stacked | bf16 | cell:H ...]\n");
			return 2;
		}
	}
	const int n = RATE * SECONDS;
	float *x = malloc(2 * n * sizeof *x), *y = malloc(2 * n * sizeof *y);
	float *x2 = x + n, *y2 = y + n; /* the second channel of the pair rows */
	uint64_t s = 12345;
	for (int i = 0; i < 2 * n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = (float)((double)(s >> 40) / 16777216.0 * 2.0 - 1.0) * 0.5f;
	}
	const double peak = rfx_bench_peak_gflops();
	FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
	if (csv)
		fprintf(csv, "cell,hidden,kernel,ns_per_sample,ns_median,x_realtime,gflops,peak_fraction,"
			     "target_ns,pair_ns_per_channel,pair_ns_median\n");
	rfx_bench_print_machine(stdout);
	printf("single-core FP32 peak measured: %.1f GFLOP/s\n", peak);
	printf("pair: two channels of one model through rfx_stream_process_pair, ns per sample per channel\n");
	const int table = !knobs_only && !stacked_only && !bf16_only;
	if (table)
		printf("\n%-5s %4s %-8s %9s %9s %10s %8s %7s %7s %6s %9s %6s\n", "cell", "H", "kernel",
		       "best ns", "median", "x realtime", "GFLOP/s", "of peak", "target", "ratio", "pair/ch",
		       "ratio");
	static const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	/* The table's sizes (a filter may name any H from 1 to 64, e.g. gru:12): the powers of two,
	 * every size with a target (issue 17's table: GRU 40 too), and 12 and 20 (widths the loops
	 * reach by padding to a multiple of 8, stream.c). */
	for (int c = 0; c < 3 && table; c++)
		for (int hi = 1; hi <= 64; hi++) {
			const int listed = hi == 8 || hi % 16 == 0 || hi == 12 || hi == 20 ||
					   target_ns(cells[c], hi, 1) > 0;
			if (n_filters == 0 && !listed)
				continue;
			if (!selected(n_filters, filters, cells[c], hi))
				continue;
			RfxModelSpec sp = { .cell = cells[c], .n_layers = 1, .n_inputs = 1, .hidden = hi,
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
			RfxStream *st2;
			if (rfx_stream_create(m, &st) != RFX_OK) {
				fprintf(stderr, "bench_infer: cannot build model\n");
				return 1;
			}
			if (rfx_stream_create(m, &st2) != RFX_OK) {
				fprintf(stderr, "bench_infer: cannot build model\n");
				return 1;
			}
			/* A shape without a paired loop would time two plain calls: noise around the
			 * single figure, which once read as "pair meets it". Such rows print "-". */
			double ns, median, pns = NAN, pmedian = NAN;
			const int pairs = rfx_stream_pairs(st, st2);
			time_runs(st, NULL, x, NULL, y, NULL, n, &ns, &median);
			if (pairs)
				time_runs(st, st2, x, x2, y, y2, n, &pns, &pmedian);
			char pcol[16] = "-", pratio[16] = "-";
			if (pairs)
				snprintf(pcol, sizeof pcol, "%.1f", pns);
			const double gflops = flops_per_sample(cells[c], hi) / ns;
			const double target = target_ns(cells[c], hi, 1);
			printf("%-5s %4d %-8s %9.1f %9.1f %10.0f %8.2f %6.1f%%", rfx_cell_name(cells[c]), hi,
			       rfx_stream_kernel_name(st), ns, median, 1e9 / (ns * RATE), gflops,
			       100 * gflops / peak);
			if (target > 0) {
				if (pairs)
					snprintf(pratio, sizeof pratio, "%.2fx", pns / target);
				printf(" %7.0f %5.2fx %9s %6s%s\n", target, ns / target, pcol, pratio,
				       ns <= target ? "" : pairs && pns <= target ? "  (pair meets it)" : "  (over)");
			} else {
				printf(" %7s %6s %9s\n", "", "", pcol);
			}
			if (csv)
				fprintf(csv, "%s,%d,%s,%.2f,%.2f,%.1f,%.3f,%.4f,%.0f,%.2f,%.2f\n",
					rfx_cell_name(cells[c]), hi, rfx_stream_kernel_name(st), ns, median,
					1e9 / (ns * RATE), gflops, gflops / peak, target, pns, pmedian);
			rfx_stream_destroy(st2);
			rfx_stream_destroy(st);
			rfx_model_free(m);
		}
	if (n_filters == 0 && (table || stacked_only))
		bench_stacked(x, y, n);
	if (n_filters == 0 && (table || bf16_only))
		bench_bf16(x, x2, y, y2, n);
	if (n_filters == 0 && (table || knobs_only))
		bench_knobs(x, y, n);
	if (csv)
		fclose(csv);
	free(x);
	free(y);
	return 0;
}
