/* Models whose weights are finite but huge (+-3e38, as a corrupted checkpoint or a diverged run
 * can leave them): every pre-activation sum overflows to +-Inf and Inf - Inf makes NaN inside the
 * cells and the classifier's softmax. Nothing may be undefined on the way (the sanitizer build,
 * make check-asan, runs this program with UBSan: rfx_expf used to shift a negative number for a
 * NaN), the stream's guard must keep its state finite, and a reset by the guard must restore the
 * model's initial state exactly: from the first reset on, the stream gives the output of a fresh
 * stream fed the rest of the input. The BPTT forward and training step go through the same
 * activations and must report the non-finite loss rather than crash.
 *
 * Not checked here: that the output is finite. The stream's state guard does not cover the head,
 * and 3e38 head weights overflow a dot product with any state (stream.h says "the output stays
 * finite"; that belongs to the kernels' head, not to this test). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/bptt.h"
#include "../dsp/stream.h"
#include "harness.h"

enum { N = 1500, MAX_O = 4 };

static RfxModel *huge_model(RfxCellType cell, int layers, RfxOutputMode mode, uint64_t seed)
{
	RfxModelSpec s = { 0 };
	s.cell = cell;
	s.n_layers = layers;
	s.n_inputs = 1;
	s.hidden = 16;
	s.mode = mode;
	s.n_outputs = mode == RFX_MODE_EFFECT ? 1 : MAX_O;
	s.sample_rate = 48000;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	for (size_t i = 0; i < m->n_params; i++)
		m->params[i] = rt_rand_u64(&seed) & 1 ? 3e38f : -3e38f;
	return m;
}

static void fill(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = 0.5f * sinf(0.01f * (float)i);
}

static int state_finite(const RfxStream *st)
{
	size_t n;
	const float *s = rfx_stream_state(st, &n);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(s[i]))
			return 0;
	return 1;
}

/* Sample by sample, so the first reset is known; returns its index (-1: none). */
static int run_watching(RfxStream *st, const float *x, float *y, int n, int O, int *state_ok)
{
	int first = -1;
	*state_ok = 1;
	for (int t = 0; t < n; t++) {
		rfx_stream_process(st, x + t, y + (size_t)t * O, 1);
		if (first < 0 && rfx_stream_nonfinite_count(st) > 0)
			first = t;
		*state_ok &= state_finite(st);
	}
	return first;
}

static const char *const kernels[] = { "generic", "sse2", "avx2", "avx2-loop", "avx512" };

static void test_stream(void)
{
	static float x[N], y[N * MAX_O], ref[N * MAX_O];
	fill(x, N);
	const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	int generic_resets = 0;
	for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
		for (int c = 0; c < 3; c++)
			for (int layers = 1; layers <= 2; layers++)
				for (int cls = 0; cls < 2; cls++) {
					RfxOutputMode mode = cls ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT;
					char nm[96];
					snprintf(nm, sizeof nm, "3e38 weights: %s %s, %d layer%s, %s",
						 kernels[k], rfx_cell_name(cells[c]), layers,
						 layers > 1 ? "s" : "", cls ? "classifier" : "effect");
					rt_case(nm);
					RfxModel *m = huge_model(cells[c], layers, mode, 11 + (uint64_t)c);
					setenv("RFX_KERNEL", kernels[k], 1);
					RfxStream *st = NULL, *fresh = NULL;
					RT_CHECK(m && rfx_stream_create(m, &st) == RFX_OK &&
						 rfx_stream_create(m, &fresh) == RFX_OK, "setup");
					unsetenv("RFX_KERNEL");
					if (!st || !fresh) {
						rfx_stream_destroy(st);
						rfx_model_free(m);
						continue;
					}
					const int O = rfx_stream_n_outputs(st);
					int state_ok;
					int first = run_watching(st, x, y, N, O, &state_ok);
					RT_CHECK(state_ok, "a non-finite state survived the guard");
					if (first >= 0) {
						if (k == 0)
							generic_resets++;
						/* After the reset at `first` the stream is a fresh one fed
						 * x[first + 1 ..]: bit for bit, NaN and Inf outputs included. */
						const int n = N - first - 1;
						rfx_stream_process(fresh, x + first + 1, ref, (uint32_t)n);
						RT_CHECK(memcmp(ref, y + (size_t)(first + 1) * O,
								(size_t)n * O * sizeof *y) == 0,
							 "after the reset at sample %d the output is not a fresh "
							 "stream's", first);
					}
					rfx_stream_destroy(st);
					rfx_stream_destroy(fresh);
					rfx_model_free(m);
				}
	/* Without a reset the recovery check above is void: the scalar reference must have some. */
	rt_case("3e38 weights: the generic kernel's guard does reset");
	RT_CHECK(generic_resets >= 6, "only %d configurations reset", generic_resets);
}

/* The training path: same activations, and a non-finite loss comes back as a number the trainer
 * skips (train_loop.c), not as a crash or undefined behaviour. */
static void test_bptt(void)
{
	enum { B = 2, T = 300 };
	static float x[B * T], tgt[B * T];
	static int32_t lab[B * T];
	fill(x, B * T);
	for (int i = 0; i < B * T; i++) {
		tgt[i] = 0.5f * x[i];
		lab[i] = i % MAX_O;
	}
	const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	for (int c = 0; c < 3; c++)
		for (int cls = 0; cls < 2; cls++) {
			char nm[80];
			snprintf(nm, sizeof nm, "3e38 weights: BPTT %s %s", rfx_cell_name(cells[c]),
				 cls ? "classifier" : "effect");
			rt_case(nm);
			RfxModel *m = huge_model(cells[c], 2, cls ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT,
						 21 + (uint64_t)c);
			RfxBpttConfig cfg = {
				.max_batch = B, .max_steps = T, .n_threads = 1,
				.loss = rfx_loss_config_default(cls ? RFX_LOSS_CE : RFX_LOSS_ESR_DC),
			};
			RfxBptt *bp = NULL;
			RT_CHECK(m && rfx_bptt_create(m, &cfg, &bp) == RFX_OK, "setup");
			if (!bp) {
				rfx_model_free(m);
				continue;
			}
			RfxBpttBatch b = { .B = B, .T = T, .warmup = 10, .x = x };
			if (cls)
				b.label = lab;
			else
				b.target = tgt;
			RT_CHECK(rfx_bptt_forward(bp, &b, NULL, 0) == RFX_OK, "forward failed");
			double loss = 0;
			rfx_bptt_zero_grad(bp);
			RfxStatus rc = rfx_bptt_train(bp, &b, &loss);
			RT_CHECK(rc == RFX_OK, "train: %s", rfx_strerror(rc));
			RT_CHECK(!isfinite(loss), "loss %g is finite: the test does not reach the NaN", loss);
			rfx_bptt_destroy(bp);
			rfx_model_free(m);
		}
}

int main(void)
{
	test_stream();
	test_bptt();
	return rt_finish();
}
