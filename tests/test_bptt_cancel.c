/* Cancelling a BPTT call (rfx_bptt_set_cancel): a flag that stays 0 changes no bit; a flag already
 * up stops a call before it starts; a flag raised by another thread while a long call runs stops
 * it within a few dozen time steps, adds no gradient and says so (rfx_bptt_cancelled); and after a
 * cancelled call, a state reset and a cleared flag give exactly what a fresh object gives.
 *
 * The one timing check is relative: a call cancelled 20 ms in must return within the time of a few
 * poll intervals, measured here on the same machine (a 64-step call), not in absolute seconds. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/bptt.h"
#include "harness.h"

enum { B = 8, T = 2048 }; /* two chunks of RFX_BPTT_CHUNK segments: both threads work; a full call
			      * long enough (~0.4 s here) that 20 ms + a few polls is a small part */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static RfxModel *make_model(RfxCellType cell, int L, int H)
{
	RfxModelSpec s = { 0 };
	s.cell = cell;
	s.n_layers = L;
	s.hidden = H;
	s.n_inputs = 1;
	s.mode = RFX_MODE_EFFECT;
	s.n_outputs = 1;
	s.sample_rate = 48000;
	for (int l = 0; l < L; l++)
		s.init[l] = RFX_INIT_TRAINED;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, 5);
	return m;
}

static float x[B * T], tgt[B * T];

static void make_data(void)
{
	uint64_t r = rt_seed();
	for (int i = 0; i < B * T; i++) {
		x[i] = rt_rand_uniform(&r, -0.8f, 0.8f);
		tgt[i] = 0.6f * x[i] + (i ? 0.2f * x[i - 1] : 0.0f);
	}
}

static RfxBptt *make_bptt(RfxModel *m, int threads)
{
	RfxBpttConfig cfg = {
		.max_batch = B, .max_steps = T, .n_threads = threads,
		.loss = rfx_loss_config_default(RFX_LOSS_ESR_DC),
	};
	RfxBptt *bp = NULL;
	return rfx_bptt_create(m, &cfg, &bp) == RFX_OK ? bp : NULL;
}

/* Warm-up forward then one training window, as the trainer does; the gradient and loss out. */
static int run(RfxBptt *bp, int steps, float *grad, size_t n, double *loss)
{
	rfx_bptt_reset_state(bp);
	rfx_bptt_zero_grad(bp);
	RfxBpttBatch w = { .B = B, .T = 64, .x = x, .x_stride = T };
	if (rfx_bptt_forward(bp, &w, NULL, 0) != RFX_OK)
		return -1;
	RfxBpttBatch b = { .B = B, .T = steps, .warmup = 8, .x = x, .x_stride = T, .target = tgt,
			   .t_stride = T };
	if (rfx_bptt_train(bp, &b, loss) != RFX_OK)
		return -1;
	if (grad)
		memcpy(grad, rfx_bptt_grad(bp), n * sizeof *grad);
	return 0;
}

static void test_idle_flag(void)
{
	const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	for (int c = 0; c < 3; c++) {
		char nm[80];
		snprintf(nm, sizeof nm, "a flag that stays 0 changes no bit: %s", rfx_cell_name(cells[c]));
		rt_case(nm);
		RfxModel *m = make_model(cells[c], 2, 12);
		RfxBptt *a = make_bptt(m, 2), *b = make_bptt(m, 2);
		float *ga = malloc(m->n_params * sizeof *ga), *gb = malloc(m->n_params * sizeof *gb);
		atomic_int flag = 0;
		rfx_bptt_set_cancel(b, &flag);
		double la = 0, lb = 0;
		RT_CHECK(a && b && ga && gb && run(a, 300, ga, m->n_params, &la) == 0 &&
			 run(b, 300, gb, m->n_params, &lb) == 0, "setup");
		RT_CHECK(!rfx_bptt_cancelled(b), "cancelled without a flag");
		RT_CHECK(la == lb && memcmp(ga, gb, m->n_params * sizeof *ga) == 0,
			 "loss %.9g vs %.9g, or the gradients differ", la, lb);
		RT_CHECK(memcmp(rfx_bptt_outputs(a), rfx_bptt_outputs(b), sizeof(float) * B * 300) == 0,
			 "outputs differ");
		free(ga);
		free(gb);
		rfx_bptt_destroy(a);
		rfx_bptt_destroy(b);
		rfx_model_free(m);
	}
}

static void test_flag_up_before(void)
{
	rt_case("a flag already up: the call stops at once, no gradient, NaN loss");
	RfxModel *m = make_model(RFX_CELL_GRU, 1, 16);
	RfxBptt *bp = make_bptt(m, 2);
	atomic_int flag = 1;
	rfx_bptt_set_cancel(bp, &flag);
	rfx_bptt_zero_grad(bp);
	double loss = 0;
	RfxBpttBatch b = { .B = B, .T = T, .x = x, .target = tgt };
	RT_CHECK(rfx_bptt_train(bp, &b, &loss) == RFX_OK && rfx_bptt_cancelled(bp) && isnan(loss),
		 "cancelled %d, loss %g", rfx_bptt_cancelled(bp), loss);
	const float *g = rfx_bptt_grad(bp);
	size_t nz = 0;
	for (size_t i = 0; i < m->n_params; i++)
		nz += g[i] != 0.0f;
	RT_CHECK(nz == 0, "%zu gradient entries changed", nz);
	RT_CHECK(rfx_bptt_forward(bp, &b, NULL, 0) == RFX_OK && rfx_bptt_cancelled(bp),
		 "forward not cancelled");
	rfx_bptt_destroy(bp);
	rfx_model_free(m);
}

typedef struct {
	atomic_int *flag;
	double delay_s;
} Raiser;

static void *raise_later(void *arg)
{
	const Raiser *r = arg;
	struct timespec ts = { 0, (long)(r->delay_s * 1e9) };
	nanosleep(&ts, NULL);
	atomic_store(r->flag, 1);
	return NULL;
}

static void test_flag_raised_during(int threads)
{
	char nm[96];
	snprintf(nm, sizeof nm, "raised 20 ms into a long call (%d thread%s): it stops within a few "
		 "polls", threads, threads > 1 ? "s" : "");
	rt_case(nm);
	/* Large enough that a full call takes far longer than the 20 ms before the flag. */
	RfxModel *m = make_model(RFX_CELL_LSTM, 2, 128);
	RfxBptt *bp = make_bptt(m, threads), *ref = make_bptt(m, threads);
	float *g0 = malloc(m->n_params * sizeof *g0), *g1 = malloc(m->n_params * sizeof *g1);
	if (!m || !bp || !ref || !g0 || !g1) {
		RT_CHECK(0, "setup");
		goto out;
	}
	/* What 64 steps cost here (two passes, the faster): 2 polls apart in forward and backward. */
	double t64 = INFINITY, loss;
	for (int i = 0; i < 2; i++) {
		double t0 = now_s();
		run(bp, 64, NULL, 0, &loss);
		t64 = fmin(t64, now_s() - t0);
	}
	atomic_int flag = 0;
	rfx_bptt_set_cancel(bp, &flag);
	rfx_bptt_zero_grad(bp);
	rfx_bptt_reset_state(bp);
	Raiser rz = { &flag, 0.02 };
	pthread_t th;
	RT_CHECK(pthread_create(&th, NULL, raise_later, &rz) == 0, "thread");
	RfxBpttBatch b = { .B = B, .T = T, .warmup = 8, .x = x, .target = tgt };
	double t0 = now_s();
	RfxStatus rc = rfx_bptt_train(bp, &b, &loss);
	double took = now_s() - t0;
	pthread_join(th, NULL);
	const double full = t64 * T / 64.0;
	printf("  a 64-step call takes %.3f s, so a full one about %.2f s; the cancelled one %.3f s\n",
	       t64, full, took);
	RT_CHECK(rc == RFX_OK && rfx_bptt_cancelled(bp) && isnan(loss), "rc %d cancelled %d loss %g",
		 rc, rfx_bptt_cancelled(bp), loss);
	RT_CHECK(took < 0.02 + 2 * t64 + 0.05 && took < full / 4,
		 "took %.3f s to stop (64 steps take %.3f s)", took, t64);
	const float *g = rfx_bptt_grad(bp);
	size_t nz = 0;
	for (size_t i = 0; i < m->n_params; i++)
		nz += g[i] != 0.0f;
	RT_CHECK(nz == 0, "%zu gradient entries changed", nz);

	/* Cleared flag, reset state: the object computes what a fresh one does. */
	atomic_store(&flag, 0);
	double l0 = 0, l1 = 0;
	RT_CHECK(run(bp, 64, g0, m->n_params, &l0) == 0 && run(ref, 64, g1, m->n_params, &l1) == 0 &&
		 !rfx_bptt_cancelled(bp), "runs after the cancel");
	RT_CHECK(l0 == l1 && memcmp(g0, g1, m->n_params * sizeof *g0) == 0,
		 "after a cancel: loss %.9g vs %.9g, or the gradients differ", l0, l1);
out:
	free(g0);
	free(g1);
	rfx_bptt_destroy(bp);
	rfx_bptt_destroy(ref);
	rfx_model_free(m);
}

int main(void)
{
	make_data();
	test_idle_flag();
	test_flag_up_before();
	test_flag_raised_during(1);
	test_flag_raised_during(2);
	return rt_finish();
}
