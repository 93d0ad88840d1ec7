/* rnnfx training benchmark: trained samples per second (forward + ESR/DC loss + backward + clip +
 * Adam step), batch 32 segments of a 2048-step window, 2 threads, median of several steps, for the
 * configurations PyTorch is measured on by tests/torch_train_speed.py.
 *
 *   bench_train [csv-path]     prints one line per configuration (and CSV rows)
 *
 * Never part of `make check`.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/bptt.h"
#include "../dsp/optim.h"

enum { B = 32, T = 2048, THREADS = 2, REPS = 7 };

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

/* Samples/s for one configuration; 0 when it cannot be built. */
static double bench(RfxCellType cell, int H, size_t *bytes)
{
	RfxModelSpec sp = { .cell = cell, .n_layers = 1, .n_inputs = 1, .hidden = H,
			    .mode = RFX_MODE_EFFECT, .n_outputs = 1, .skip = 1, .sample_rate = 48000 };
	RfxModel *m = NULL;
	RfxBptt *bp = NULL;
	RfxAdam *adam = NULL;
	double rate = 0;
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
	RfxBpttConfig cfg = { .max_batch = B, .max_steps = T, .n_threads = THREADS,
			      .loss = rfx_loss_config_default(RFX_LOSS_ESR_DC) };
	RfxAdamConfig acfg = rfx_adam_config_default();
	mask = malloc(m->n_params);
	if (!mask || rfx_bptt_create(m, &cfg, &bp) != RFX_OK ||
	    rfx_adam_create(m->n_params, &acfg, &adam) != RFX_OK)
		goto out;
	rfx_optim_trainable_mask(m, mask);
	*bytes = rfx_bptt_memory_bytes(bp);
	RfxBpttBatch batch = { .B = B, .T = T, .warmup = 0, .x = x, .target = t };
	double times[REPS];
	for (int r = -1; r < REPS; r++) { /* r = -1: warm-up (caches, thread pool) */
		double t0 = now(), loss;
		rfx_bptt_reset_state(bp);
		rfx_bptt_zero_grad(bp);
		if (rfx_bptt_train(bp, &batch, &loss) != RFX_OK) {
			fprintf(stderr, "bench_train: training step failed\n");
			return 1;
		}
		rfx_optim_clip_grad_norm(rfx_bptt_grad(bp), m->n_params, 1.0);
		rfx_adam_step(adam, m->params, rfx_bptt_grad(bp), mask);
		if (r >= 0)
			times[r] = now() - t0;
	}
	qsort(times, REPS, sizeof times[0], cmp_double);
	rate = (double)B * T / times[REPS / 2];
out:
	rfx_adam_destroy(adam);
	rfx_bptt_destroy(bp);
	rfx_model_free(m);
	free(mask);
	free(x);
	free(t);
	return rate;
}

int main(int argc, char **argv)
{
	FILE *csv = argc > 1 ? fopen(argv[1], "w") : NULL;
	if (csv)
		fprintf(csv, "cell,hidden,batch,window,threads,samples_per_s,bptt_bytes\n");
	static const struct { RfxCellType cell; int H; } cfgs[] = {
		{ RFX_CELL_GRU, 8 }, { RFX_CELL_GRU, 16 }, { RFX_CELL_GRU, 32 }, { RFX_CELL_LSTM, 32 },
	};
	for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
		size_t bytes = 0;
		double r = bench(cfgs[i].cell, cfgs[i].H, &bytes);
		if (r <= 0) {
			fprintf(stderr, "bench_train: cannot run %s H=%d\n", rfx_cell_name(cfgs[i].cell), cfgs[i].H);
			return 1;
		}
		/* Same line shape as tests/torch_train_speed.py, so bench/compare-train.sh can pair them. */
		printf("rnnfx %s H=%d B=%d T=%d threads=%d: %.0f samples/s (%.1f MB)\n",
		       rfx_cell_name(cfgs[i].cell), cfgs[i].H, B, T, THREADS, r, bytes / 1e6);
		if (csv)
			fprintf(csv, "%s,%d,%d,%d,%d,%.0f,%zu\n", rfx_cell_name(cfgs[i].cell), cfgs[i].H, B,
				T, THREADS, r, bytes);
	}
	if (csv)
		fclose(csv);
	return 0;
}
