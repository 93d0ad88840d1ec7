/* rnnfx training benchmark: trained samples per second (forward + ESR/DC loss + backward + clip +
 * Adam step), batch 32 segments of a 2048-step window, at 1 and at 2 threads, the best and the
 * median of several steps in wall-clock time, for the configurations PyTorch is measured on by
 * tests/torch_train_speed.py; with GFLOP/s against the machine's measured FP32 peak (bench/peak.c,
 * one core's, times the thread count).
 *
 *   bench_train [-o csv-path] [-t threads,...] [-r reps] [cell:H ...]
 *       defaults: -t 1,2 -r 11 gru:8 gru:16 gru:32 lstm:32
 *
 * One line per configuration and thread count, in the shape bench/compare-train.sh pairs with
 * PyTorch's. RFX_BPTT_KERNEL=name times another kernel. Never part of `make check`.
 *
 * With a thread count above 1, the same count of independent one-thread trainings also runs side
 * by side (one process, one POSIX thread each, nothing shared but the machine): their summed
 * median is what the machine gives that many cores at once, the yardstick the multi-thread line's
 * scaling is read against. On a shared VM it can be well under N times one core (L3, memory
 * bandwidth, other tenants), and then a trainer cannot scale linearly either.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/bptt.h"
#include "../dsp/optim.h"
#include "peak.h"

enum { B = 32, T = 2048, MAX_REPS = 64 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Flops per trained sample, one layer, input 1: the inference count of bench_infer.c (2 per
 * weight of the mat-vecs, the gate arithmetic roughly) times three, the usual convention for
 * forward + backward (the backward's two products, W^T d and d h^T, each cost the forward's). */
static double train_flops_per_sample(RfxCellType cell, double H)
{
	switch (cell) {
	case RFX_CELL_RNN: return 3 * (2 * H * H + 7 * H);
	case RFX_CELL_GRU: return 3 * (6 * H * H + 19 * H);
	default: return 3 * (8 * H * H + 18 * H);
	}
}

/* Best and median samples/s for one configuration; 0 when it cannot be built. */
static int bench(RfxCellType cell, int H, int threads, int reps, double *best, double *median,
		 size_t *bytes, const char **kernel)
{
	RfxModelSpec sp = { .cell = cell, .n_layers = 1, .n_inputs = 1, .hidden = H,
			    .mode = RFX_MODE_EFFECT, .n_outputs = 1, .skip = 1, .sample_rate = 48000 };
	RfxModel *m = NULL;
	RfxBptt *bp = NULL;
	RfxAdam *adam = NULL;
	int ok = 0;
	float *x = malloc((size_t)B * T * sizeof *x), *t = malloc((size_t)B * T * sizeof *t);
	uint8_t *mask = NULL;
	if (!x || !t || rfx_model_new(&sp, &m) != RFX_OK)
		goto out;
	rfx_model_init_random(m, 1);
	uint64_t s = 99;
	for (int i = 0; i < B * T; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = (float)((double)(s >> 40) / 16777216.0 - 0.5);
		t[i] = tanhf(3.0f * x[i]);
	}
	RfxBpttConfig cfg = { .max_batch = B, .max_steps = T, .n_threads = threads,
			      .loss = rfx_loss_config_default(RFX_LOSS_ESR_DC) };
	RfxAdamConfig acfg = rfx_adam_config_default();
	mask = malloc(m->n_params);
	if (!mask || rfx_bptt_create(m, &cfg, &bp) != RFX_OK ||
	    rfx_adam_create(m->n_params, &acfg, &adam) != RFX_OK)
		goto out;
	rfx_optim_trainable_mask(m, mask);
	*bytes = rfx_bptt_memory_bytes(bp);
	*kernel = rfx_bptt_kernel_name(bp);
	RfxBpttBatch batch = { .B = B, .T = T, .warmup = 0, .x = x, .target = t };
	double times[MAX_REPS];
	for (int r = -1; r < reps; r++) { /* r = -1: warm-up (caches, thread pool) */
		double t0 = now(), loss;
		rfx_bptt_reset_state(bp);
		rfx_bptt_zero_grad(bp);
		if (rfx_bptt_train(bp, &batch, &loss) != RFX_OK) {
			fprintf(stderr, "bench_train: training step failed\n");
			goto out;
		}
		rfx_optim_clip_grad_norm(rfx_bptt_grad(bp), m->n_params, 1.0);
		rfx_adam_step(adam, m->params, rfx_bptt_grad(bp), mask);
		if (r >= 0)
			times[r] = now() - t0;
	}
	qsort(times, (size_t)reps, sizeof times[0], cmp_double);
	*best = (double)B * T / times[0];
	*median = (double)B * T / times[reps / 2];
	ok = 1;
out:
	rfx_adam_destroy(adam);
	rfx_bptt_destroy(bp);
	rfx_model_free(m);
	free(mask);
	free(x);
	free(t);
	return ok;
}

/* Independent one-thread trainings side by side (see the top): the summed median samples/s of n
 * at once, or 0 when one of them fails. */
typedef struct {
	RfxCellType cell;
	int H, reps, ok;
	double best, median;
} SideRun;

static void *side_run(void *arg)
{
	SideRun *r = arg;
	size_t bytes;
	const char *kernel;
	r->ok = bench(r->cell, r->H, 1, r->reps, &r->best, &r->median, &bytes, &kernel);
	return NULL;
}

static double side_by_side(RfxCellType cell, int H, int n, int reps)
{
	SideRun run[8];
	pthread_t tid[8];
	int started = 0;
	double sum = 0;
	for (int i = 0; i < n && i < 8; i++) {
		run[i] = (SideRun){ .cell = cell, .H = H, .reps = reps };
		if (pthread_create(&tid[i], NULL, side_run, &run[i]) != 0)
			break;
		started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		sum += run[i].ok ? run[i].median : 0;
	}
	for (int i = 0; i < started; i++)
		if (!run[i].ok)
			return 0;
	return started == n ? sum : 0;
}

static int parse_cfg(const char *s, RfxCellType *cell, int *H)
{
	const char *colon = strchr(s, ':');
	if (!colon)
		return 0;
	const size_t n = (size_t)(colon - s);
	if (n == 3 && strncmp(s, "gru", 3) == 0)
		*cell = RFX_CELL_GRU;
	else if (n == 4 && strncmp(s, "lstm", 4) == 0)
		*cell = RFX_CELL_LSTM;
	else if (n == 3 && strncmp(s, "rnn", 3) == 0)
		*cell = RFX_CELL_RNN;
	else
		return 0;
	char *end;
	long h = strtol(colon + 1, &end, 10);
	if (*end || h < 1 || h > 1024)
		return 0;
	*H = (int)h;
	return 1;
}

int main(int argc, char **argv)
{
	const char *csv_path = NULL, *thread_list = "1,2";
	int reps = 11, n_cfgs = 0;
	RfxCellType cells[32];
	int hs[32];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			csv_path = argv[++i];
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			thread_list = argv[++i];
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (n_cfgs < 32 && parse_cfg(argv[i], &cells[n_cfgs], &hs[n_cfgs]))
			n_cfgs++;
		else {
			fprintf(stderr, "usage: bench_train [-o csv] [-t 1,2] [-r reps] [cell:H ...]\n");
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "bench_train: -r takes 1..%d\n", MAX_REPS);
		return 2;
	}
	if (n_cfgs == 0) {
		static const RfxCellType dc[] = { RFX_CELL_GRU, RFX_CELL_GRU, RFX_CELL_GRU, RFX_CELL_LSTM };
		static const int dh[] = { 8, 16, 32, 32 };
		for (n_cfgs = 0; n_cfgs < 4; n_cfgs++) {
			cells[n_cfgs] = dc[n_cfgs];
			hs[n_cfgs] = dh[n_cfgs];
		}
	}
	int threads[8], n_threads = 0;
	for (const char *p = thread_list; *p && n_threads < 8;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > RFX_BPTT_MAX_THREADS) {
			fprintf(stderr, "bench_train: -t takes thread counts like 1,2\n");
			return 2;
		}
		threads[n_threads++] = (int)v;
		p = *end == ',' ? end + 1 : end;
	}
	FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
	if (csv_path && !csv) {
		fprintf(stderr, "bench_train: %s: cannot write\n", csv_path);
		return 1;
	}
	if (csv)
		fprintf(csv, "cell,hidden,batch,window,threads,kernel,samples_per_s,samples_per_s_median,"
			     "gflops,peak_fraction,bptt_bytes\n");
	const double peak = rfx_bench_peak_gflops();
	rfx_bench_print_machine(stdout);
	printf("single-core FP32 peak measured: %.1f GFLOP/s; training flops per sample: 3x inference's\n",
	       peak);
	for (int i = 0; i < n_cfgs; i++) {
		double median_at[8] = { 0 };
		for (int k = 0; k < n_threads; k++) {
			size_t bytes = 0;
			double best = 0, median = 0;
			const char *kernel = "?";
			if (!bench(cells[i], hs[i], threads[k], reps, &best, &median, &bytes, &kernel)) {
				fprintf(stderr, "bench_train: cannot run %s H=%d\n", rfx_cell_name(cells[i]),
					hs[i]);
				return 1;
			}
			const double gflops = best * train_flops_per_sample(cells[i], hs[i]) * 1e-9;
			const double frac = peak > 0 ? gflops / (peak * threads[k]) : 0;
			/* The shape of tests/torch_train_speed.py's lines, so compare-train.sh can pair them. */
			printf("rnnfx %s H=%d B=%d T=%d threads=%d: %.0f samples/s (median %.0f; %s, "
			       "%.1f GFLOP/s, %.1f%% of peak, %.1f MB)\n",
			       rfx_cell_name(cells[i]), hs[i], B, T, threads[k], best, median, kernel, gflops,
			       100 * frac, bytes / 1e6);
			fflush(stdout);
			if (csv)
				fprintf(csv, "%s,%d,%d,%d,%d,%s,%.0f,%.0f,%.2f,%.4f,%zu\n",
					rfx_cell_name(cells[i]), hs[i], B, T, threads[k], kernel, best, median,
					gflops, frac, bytes);
			median_at[k] = median;
		}
		for (int k = 0; k < n_threads; k++) {
			if (threads[k] < 2)
				continue;
			const double side = side_by_side(cells[i], hs[i], threads[k], reps);
			if (side > 0)
				printf("  %s H=%d: %d one-thread trainings side by side: %.0f samples/s together "
				       "(medians summed); threads=%d reaches %.0f%% of it\n",
				       rfx_cell_name(cells[i]), hs[i], threads[k], side, threads[k],
				       100 * median_at[k] / side);
			fflush(stdout);
		}
	}
	if (csv)
		fclose(csv);
	return 0;
}
