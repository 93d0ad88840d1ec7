/* BPTT gradients against central finite differences, on every parameter of every tensor, for
 * each cell, 1 and 2 layers, skip, trained h0/c0, and the three losses; plus the exactness and
 * behaviour tests of the training core: thread-count invariance, windowed forward, clipping,
 * Adam, and a tiny training run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/bptt.h"
#include "../dsp/optim.h"
#include "harness.h"

typedef struct {
	RfxModel *m;
	int B, T, warmup, I, O;
	float *x, *target;
	int32_t *label;
} Problem;

static RfxModel *make_model(RfxCellType cell, int L, int H, int I, int classes, int skip,
			    RfxInitKind init, uint64_t seed)
{
	RfxModelSpec s = { 0 };
	s.cell = cell;
	s.n_layers = L;
	s.hidden = H;
	s.n_inputs = I;
	s.mode = classes ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT;
	s.n_outputs = classes ? classes : 1;
	s.skip = skip;
	s.sample_rate = 48000;
	for (int l = 0; l < L; l++)
		s.init[l] = init;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	/* Random h0/c0 (init_random leaves them 0) so their gradient path is exercised, and a
	 * larger head so the outputs are not all tiny. */
	uint64_t r = seed * 7 + 1;
	for (int i = 0; i < m->n_tensors; i++) {
		RfxTensor *t = &m->tensors[i];
		int n = t->rows * t->cols;
		if (t->name[0] == 'h' && t->name[1] == '0')
			for (int j = 0; j < n; j++)
				t->data[j] = rt_rand_uniform(&r, -0.5f, 0.5f);
		if (t->name[0] == 'c' && t->name[1] == '0')
			for (int j = 0; j < n; j++)
				t->data[j] = rt_rand_uniform(&r, -0.5f, 0.5f);
		if (strcmp(t->name, "head.weight") == 0)
			for (int j = 0; j < n; j++)
				t->data[j] *= 2.0f;
	}
	return m;
}

static void make_data(Problem *p, uint64_t seed)
{
	const size_t n = (size_t)p->B * p->T;
	p->x = malloc(sizeof *p->x * n * p->I);
	p->target = malloc(sizeof *p->target * n * p->O);
	p->label = malloc(sizeof *p->label * n);
	uint64_t r = seed;
	for (size_t i = 0; i < n * p->I; i++)
		p->x[i] = rt_rand_uniform(&r, -1, 1);
	for (size_t i = 0; i < n * p->O; i++)
		p->target[i] = rt_rand_uniform(&r, -0.8f, 0.8f) + 0.1f; /* 0.1: a DC error to see */
	for (size_t i = 0; i < n; i++)
		p->label[i] = (int32_t)(rt_rand_u64(&r) % (uint64_t)p->O);
	p->label[3] = -1; /* an ignored step */
}

/* BCE targets: mostly 0, some 1, a few soft ones and a few left out (-1). */
static void onset_targets(Problem *p, uint64_t seed)
{
	uint64_t r = seed;
	for (size_t i = 0; i < (size_t)p->B * p->T * p->O; i++) {
		const float u = rt_rand_uniform(&r, 0, 1);
		p->target[i] = u < 0.6f ? 0.0f : u < 0.85f ? 1.0f : u < 0.93f ? 0.3f : -1.0f;
	}
}

static void free_problem(Problem *p)
{
	rfx_model_free(p->m);
	free(p->x);
	free(p->target);
	free(p->label);
}

static RfxBpttBatch batch_of(const Problem *p)
{
	RfxBpttBatch b = { p->B, p->T, p->warmup, p->x, 0, p->target, 0, p->label, 0 };
	return b;
}

/* The loss from the model's initial state (reset, then one training call). */
static double eval_loss(RfxBptt *bp, const Problem *p)
{
	RfxBpttBatch b = batch_of(p);
	double loss = NAN;
	rfx_bptt_reset_state(bp);
	rfx_bptt_zero_grad(bp);
	RT_CHECK(rfx_bptt_train(bp, &b, &loss) == RFX_OK, "train failed");
	return loss;
}

/* Tolerance: float central differences with step 2e-3. The loss is computed in float through
 * the network, so it carries ~1e-7 relative rounding noise, i.e. ~1e-4 absolute noise in a
 * difference quotient over 2e-3; the O(eps^2) truncation term is smaller. So each entry must be
 * within 2e-4 + 1e-2 * (largest |gradient| of its tensor). A wrong term in a backward formula
 * is off by O(100%) of the tensor's scale, well past this. */
#define FD_EPS 2e-3f
#define FD_ABS 2e-4
#define FD_REL 1e-2

static void check_grads(const char *what, Problem *p, RfxLossKind kind)
{
	RfxBpttConfig cfg = { p->B, p->T, 1, rfx_loss_config_default(kind) };
	static const float cw[4] = { 1.0f, 2.0f, 0.5f, 1.5f };
	if (kind == RFX_LOSS_CE || kind == RFX_LOSS_BCE)
		cfg.loss.class_weights = cw;
	RfxBptt *bp = NULL;
	RT_CHECK(rfx_bptt_create(p->m, &cfg, &bp) == RFX_OK, "%s: create", what);
	if (!bp)
		return;
	const size_t np = p->m->n_params;
	double loss0 = eval_loss(bp, p);
	RT_CHECK(isfinite(loss0) && loss0 > 0, "%s: loss %g", what, loss0);
	float *ana = malloc(sizeof *ana * np);
	memcpy(ana, rfx_bptt_grad(bp), sizeof *ana * np);
	for (int ti = 0; ti < p->m->n_tensors; ti++) {
		const RfxTensor *t = &p->m->tensors[ti];
		const int n = t->rows * t->cols;
		double scale = 0, worst = 0;
		int worst_j = 0;
		for (int j = 0; j < n; j++)
			scale = fmax(scale, fabs(ana[t->offset + j]));
		for (int j = 0; j < n; j++) {
			float *w = &p->m->params[t->offset + j];
			const float w0 = *w;
			*w = w0 + FD_EPS;
			double lp = eval_loss(bp, p);
			*w = w0 - FD_EPS;
			double lm = eval_loss(bp, p);
			*w = w0;
			/* The difference of the float weights actually used, not 2 FD_EPS. */
			double num = (lp - lm) / ((double)(w0 + FD_EPS) - (double)(w0 - FD_EPS));
			if (!t->trainable)
				num = 0; /* fixed tensors get no gradient by contract */
			double err = fabs(num - ana[t->offset + j]);
			if (err > worst) {
				worst = err;
				worst_j = j;
			}
		}
		RT_CHECK(worst <= FD_ABS + FD_REL * scale,
			 "%s: %s[%d]: analytic %.6g vs numeric off by %.3g (tensor max |g| %.3g)", what,
			 t->name, worst_j, ana[t->offset + worst_j], worst, scale);
		/* A tensor whose gradient is all zero would pass trivially: every trainable one here
		 * influences the loss. */
		RT_CHECK(!t->trainable || scale > 0, "%s: %s has zero gradient", what, t->name);
	}
	free(ana);
	rfx_bptt_destroy(bp);
}

static void gradcheck_cases(void)
{
	static const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	char name[96];
	for (int c = 0; c < 3; c++)
		for (int L = 1; L <= 2; L++)
			for (int k = 0; k < 4; k++) {
				const RfxLossKind kind = (RfxLossKind)k;
				const int H = 3 + (c + L + k) % 3; /* 3..5 */
				const int classes = kind == RFX_LOSS_CE ? 4 : kind == RFX_LOSS_BCE ? 3 : 0;
				/* MSE: skip + trained h0 + a conditioning input; ESR+DC: plain;
				 * CE: trained h0 in layer 0 only would need per-layer kinds, so all. */
				const int skip = kind == RFX_LOSS_MSE;
				const RfxInitKind init = kind == RFX_LOSS_ESR_DC ? RFX_INIT_ZEROS
										  : RFX_INIT_TRAINED;
				const int I = kind == RFX_LOSS_MSE ? 2 : 1;
				snprintf(name, sizeof name, "gradcheck %s L=%d H=%d %s%s%s",
					 rfx_cell_name(cells[c]), L, H, rfx_loss_name(kind),
					 skip ? " skip" : "", init == RFX_INIT_TRAINED ? " h0" : "");
				rt_case(name);
				Problem p = { 0 };
				p.B = 2;
				p.T = 12;
				p.warmup = 3;
				p.I = I;
				p.O = classes ? classes : 1;
				p.m = make_model(cells[c], L, H, I, classes, skip, init,
						 rt_seed() + (uint64_t)(c * 10 + L * 3 + k));
				RT_CHECK(p.m != NULL, "model");
				if (!p.m)
					continue;
				if (kind == RFX_LOSS_BCE) /* same tensors, sigmoid outputs */
					p.m->spec.mode = RFX_MODE_ONSET;
				make_data(&p, rt_seed() + 99);
				if (kind == RFX_LOSS_BCE)
					onset_targets(&p, rt_seed() + 7);
				check_grads(name, &p, kind);
				free_problem(&p);
			}
}

/* H = 34: the register-blocked kernels' 32-wide blocks plus their 8-wide and scalar tails. */
static void wide_case(void)
{
	rt_case("gradcheck gru L=2 H=34 esr_dc (32-wide blocks and tails)");
	Problem p = { 0 };
	p.B = 2;
	p.T = 12;
	p.warmup = 3;
	p.I = 1;
	p.O = 1;
	p.m = make_model(RFX_CELL_GRU, 2, 34, 1, 0, 1, RFX_INIT_TRAINED, rt_seed() + 51);
	make_data(&p, rt_seed() + 52);
	check_grads("gru H=34", &p, RFX_LOSS_ESR_DC);
	free_problem(&p);
}

/* h0/c0 given but fixed (RFX_INIT_VECTOR): they shape the loss but get no gradient. */
static void fixed_h0_case(void)
{
	rt_case("gradcheck lstm L=2 fixed h0/c0 gets no gradient");
	Problem p = { 0 };
	p.B = 2;
	p.T = 12;
	p.warmup = 3;
	p.I = 1;
	p.O = 1;
	p.m = make_model(RFX_CELL_LSTM, 2, 4, 1, 0, 1, RFX_INIT_VECTOR, rt_seed() + 5);
	make_data(&p, rt_seed() + 6);
	check_grads("lstm fixed h0", &p, RFX_LOSS_MSE);
	free_problem(&p);
}

static RfxBptt *make_bptt(RfxModel *m, int B, int T, int threads, RfxLossKind kind)
{
	RfxBpttConfig cfg = { B, T, threads, rfx_loss_config_default(kind) };
	RfxBptt *bp = NULL;
	RT_CHECK(rfx_bptt_create(m, &cfg, &bp) == RFX_OK, "create B=%d T=%d threads=%d", B, T,
		 threads);
	return bp;
}

/* Two windows (the second from the carried state) with 1, 2 and 3 threads: bit-identical
 * losses and gradients, since each chunk's sum is computed the same way on any thread. */
static void threads_case(void)
{
	rt_case("threads 1, 2, 3: bit-identical loss and gradient");
	Problem p = { 0 };
	p.B = 19; /* chunks of RFX_BPTT_CHUNK segments, the last one partial */
	p.T = 40;
	p.warmup = 5;
	p.I = 1;
	p.O = 1;
	p.m = make_model(RFX_CELL_GRU, 2, 8, 1, 0, 1, RFX_INIT_TRAINED, rt_seed() + 11);
	make_data(&p, rt_seed() + 12);
	const size_t np = p.m->n_params;
	float *g1 = malloc(sizeof *g1 * np);
	double l1[2] = { 0 };
	for (int threads = 1; threads <= 3; threads++) {
		RfxBptt *bp = make_bptt(p.m, p.B, p.T, threads, RFX_LOSS_ESR_DC);
		if (!bp)
			break;
		RfxBpttBatch b = batch_of(&p);
		double l[2];
		rfx_bptt_reset_state(bp);
		rfx_bptt_zero_grad(bp);
		RT_CHECK(rfx_bptt_train(bp, &b, &l[0]) == RFX_OK, "train");
		RT_CHECK(rfx_bptt_train(bp, &b, &l[1]) == RFX_OK, "train");
		if (threads == 1) {
			memcpy(g1, rfx_bptt_grad(bp), sizeof *g1 * np);
			memcpy(l1, l, sizeof l);
		} else {
			RT_CHECK(memcmp(l, l1, sizeof l) == 0, "threads=%d: loss %.9g %.9g vs %.9g %.9g",
				 threads, l[0], l[1], l1[0], l1[1]);
			RT_CHECK(memcmp(g1, rfx_bptt_grad(bp), sizeof *g1 * np) == 0,
				 "threads=%d: gradient differs", threads);
		}
		rfx_bptt_destroy(bp);
	}
	free(g1);
	free_problem(&p);
}

/* rfx_bptt_forward over T steps in blocks of 7 (max_steps 7) gives the same outputs and final
 * state as one training call over T: the carried state crosses block boundaries exactly. */
static void blocks_case(void)
{
	rt_case("forward in blocks == training forward, state carried");
	Problem p = { 0 };
	p.B = 3;
	p.T = 30;
	p.warmup = 0;
	p.I = 2;
	p.O = 1;
	p.m = make_model(RFX_CELL_LSTM, 2, 6, 2, 0, 1, RFX_INIT_TRAINED, rt_seed() + 21);
	make_data(&p, rt_seed() + 22);
	RfxBptt *a = make_bptt(p.m, p.B, 7, 2, RFX_LOSS_MSE);
	RfxBptt *t = make_bptt(p.m, p.B, p.T, 1, RFX_LOSS_MSE);
	if (a && t) {
		RfxBpttBatch b = batch_of(&p);
		float *y = calloc((size_t)p.B * p.T, sizeof *y);
		RT_CHECK(rfx_bptt_forward(a, &b, y, 0) == RFX_OK, "forward");
		RT_CHECK(rfx_bptt_train(t, &b, NULL) == RFX_OK, "train");
		RT_CHECK(memcmp(y, rfx_bptt_outputs(t), sizeof *y * p.B * p.T) == 0, "outputs differ");
		for (int s = 0; s < p.B; s++) {
			size_t n1, n2;
			const float *s1 = rfx_bptt_state(a, s, &n1), *s2 = rfx_bptt_state(t, s, &n2);
			RT_CHECK(n1 == n2 && n1 == 2 * 2 * 6, "state size %zu", n1);
			RT_CHECK(memcmp(s1, s2, sizeof *s1 * n1) == 0, "slot %d: state differs", s);
		}
		free(y);
	}
	rfx_bptt_destroy(a);
	rfx_bptt_destroy(t);
	free_problem(&p);
}

/* The AVX2 kernel against the portable one (the reference): same gradients up to float rounding
 * (FMA and a different split of the sums). Tolerance 1e-5 of each tensor's largest entry: 40
 * steps of float32 rounding differences grow to ~1e-6 at most here. */
static void kernels_case(void)
{
	const char *title = "generic and avx2 kernels agree";
	Problem p = { 0 };
	p.B = 5;
	p.T = 40;
	p.warmup = 4;
	p.I = 2;
	p.O = 1;
	p.m = make_model(RFX_CELL_LSTM, 2, 13, 2, 0, 1, RFX_INIT_TRAINED, rt_seed() + 41);
	make_data(&p, rt_seed() + 42);
	const size_t np = p.m->n_params;
	float *g[2];
	const char *names[2];
	for (int k = 0; k < 2; k++) {
		if (k == 0)
			setenv("RFX_BPTT_KERNEL", "generic", 1);
		else
			unsetenv("RFX_BPTT_KERNEL");
		RfxBptt *bp = make_bptt(p.m, p.B, p.T, 2, RFX_LOSS_ESR_DC);
		g[k] = calloc(np, sizeof *g[k]);
		names[k] = bp ? rfx_bptt_kernel_name(bp) : "?";
		if (bp) {
			eval_loss(bp, &p);
			memcpy(g[k], rfx_bptt_grad(bp), sizeof *g[k] * np);
		}
		rfx_bptt_destroy(bp);
	}
	if (strcmp(names[1], "generic") == 0) { /* the CPU has no AVX2 + FMA: nothing to compare */
		rt_skip(title, "no AVX2 + FMA here");
		free(g[0]);
		free(g[1]);
		free_problem(&p);
		return;
	}
	rt_case(title);
	RT_CHECK(strcmp(names[0], "generic") == 0, "forced kernel is %s", names[0]);
	printf("kernels: %s vs %s\n", names[0], names[1]);
	for (int ti = 0; ti < p.m->n_tensors; ti++) {
		const RfxTensor *t = &p.m->tensors[ti];
		double scale = 0, worst = 0;
		for (int j = 0; j < t->rows * t->cols; j++) {
			scale = fmax(scale, fabs(g[0][t->offset + j]));
			worst = fmax(worst, fabs(g[0][t->offset + j] - g[1][t->offset + j]));
		}
		RT_CHECK(worst <= 1e-5 * scale, "%s: off by %.3g (max |g| %.3g)", t->name, worst, scale);
	}
	free(g[0]);
	free(g[1]);
	free_problem(&p);
}

static void clip_case(void)
{
	rt_case("clip by global norm");
	float g[100];
	uint64_t r = rt_seed();
	for (int i = 0; i < 100; i++)
		g[i] = rt_rand_uniform(&r, -1, 1);
	double n0 = rfx_optim_grad_norm(g, 100);
	double before = rfx_optim_clip_grad_norm(g, 100, 0.5);
	RT_NEAR(before, n0, 0.0);
	/* 1e-6: the float rounding of 100 scaled entries, plus PyTorch's +1e-6 in the factor */
	RT_NEAR(rfx_optim_grad_norm(g, 100), 0.5, 1e-6);
	float h[100];
	memcpy(h, g, sizeof h);
	rfx_optim_clip_grad_norm(g, 100, 10.0);
	RT_CHECK(memcmp(g, h, sizeof h) == 0, "a gradient under the threshold was changed");
}

/* Adam on f(p) = sum a_i (p_i - c_i)^2 converges; masked entries and AdamW decay behave. */
static void adam_case(void)
{
	rt_case("adam converges on a quadratic");
	enum { N = 20 };
	float p[N], g[N], c[N], a[N];
	uint8_t mask[N];
	uint64_t r = rt_seed();
	for (int i = 0; i < N; i++) {
		p[i] = rt_rand_uniform(&r, -2, 2);
		c[i] = rt_rand_uniform(&r, -1, 1);
		a[i] = rt_rand_uniform(&r, 0.1f, 10.0f);
		mask[i] = i != 7;
	}
	const float p7 = p[7];
	RfxAdamConfig cfg = rfx_adam_config_default();
	cfg.lr = 0.02f;
	RfxAdam *adam = NULL;
	RT_CHECK(rfx_adam_create(N, &cfg, &adam) == RFX_OK, "create");
	if (!adam)
		return;
	for (int step = 0; step < 3000; step++) {
		if (step == 2000)
			adam->cfg.lr = 0.001f; /* a schedule: the config is public on purpose */
		for (int i = 0; i < N; i++)
			g[i] = 2 * a[i] * (p[i] - c[i]);
		rfx_adam_step(adam, p, g, mask);
	}
	double worst = 0;
	for (int i = 0; i < N; i++)
		if (i != 7)
			worst = fmax(worst, fabs(p[i] - c[i]));
	/* Adam's steady-state jitter is about lr; after 1000 steps at lr 1e-3, well under 1e-2. */
	RT_CHECK(worst < 1e-2, "max |p - c| = %g", worst);
	RT_CHECK(p[7] == p7, "a masked parameter moved");
	RT_CHECK(adam->step == 3000, "step %lld", (long long)adam->step);
	rfx_adam_destroy(adam);

	rt_case("adamw decay with zero gradient");
	cfg = rfx_adam_config_default();
	cfg.lr = 0.1f;
	cfg.weight_decay = 0.5f;
	RT_CHECK(rfx_adam_create(1, &cfg, &adam) == RFX_OK, "create");
	float q = 2.0f, zero = 0.0f;
	rfx_adam_step(adam, &q, &zero, NULL);
	/* decoupled: q (1 - lr wd) and no Adam move for a zero gradient (m = 0) */
	RT_NEAR(q, 2.0f * (1.0f - 0.05f), 1e-6);
	rfx_adam_destroy(adam);
}

/* Learns y_t = 0.5 tanh(2 x_{t-1}) (a one-sample delay and a soft clip) with MSE, windows of 64
 * after a forward-only warm-up of 16, clipping and Adam: the validation loss falls at least 10x. */
static void training_case(void)
{
	rt_case("tiny training run lowers the loss");
	enum { B = 8, W = 16, T = 64, STEPS = 300 };
	RfxModel *m = make_model(RFX_CELL_GRU, 1, 8, 1, 0, 0, RFX_INIT_ZEROS, rt_seed() + 31);
	RfxBptt *bp = make_bptt(m, B, T, 2, RFX_LOSS_MSE);
	RfxAdamConfig acfg = rfx_adam_config_default();
	acfg.lr = 0.01f;
	RfxAdam *adam = NULL;
	RT_CHECK(rfx_adam_create(m->n_params, &acfg, &adam) == RFX_OK, "adam");
	static float x[2][B][W + T], y[2][B][W + T]; /* [0] training batch, [1] validation */
	uint64_t r = rt_seed() + 32;
	double first = 0, last = 0;
	for (int step = 0; bp && adam && step <= STEPS; step++) {
		for (int k = 0; k < 2; k++) {
			if (k == 1 && step > 0 && step < STEPS)
				continue;
			for (int s = 0; s < B; s++) {
				float ph = rt_rand_uniform(&r, 0, 6.3f), f = rt_rand_uniform(&r, 0.05f, 0.3f);
				float amp = rt_rand_uniform(&r, 0.2f, 1.5f);
				for (int t = 0; t < W + T; t++) {
					x[k][s][t] = amp * sinf(ph + f * t) + rt_rand_uniform(&r, -0.1f, 0.1f);
					y[k][s][t] = t ? 0.5f * tanhf(2 * x[k][s][t - 1]) : 0;
				}
			}
		}
		const int k = step == 0 || step == STEPS ? 1 : 0; /* measure on the validation batch */
		RfxBpttBatch warm = { B, W, 0, &x[k][0][0], W + T, NULL, 0, NULL, 0 };
		RfxBpttBatch win = { B, T, 0, &x[k][0][W], W + T, &y[k][0][W], W + T, NULL, 0 };
		double loss = 0;
		rfx_bptt_reset_state(bp);
		RT_OK(rfx_bptt_forward(bp, &warm, NULL, 0));
		rfx_bptt_zero_grad(bp);
		RT_CHECK(rfx_bptt_train(bp, &win, &loss) == RFX_OK, "train");
		if (step == 0)
			first = loss;
		if (step == STEPS)
			last = loss;
		if (k == 0) {
			rfx_optim_clip_grad_norm(rfx_bptt_grad(bp), m->n_params, 1.0);
			rfx_adam_step(adam, m->params, rfx_bptt_grad(bp), NULL);
		}
	}
	RT_CHECK(last < 0.1 * first, "validation loss %g -> %g", first, last);
	printf("tiny training: validation MSE %.4g -> %.4g\n", first, last);
	rfx_adam_destroy(adam);
	rfx_bptt_destroy(bp);
	rfx_model_free(m);
}

static void api_case(void)
{
	rt_case("create refuses bad configs");
	RfxModel *m = make_model(RFX_CELL_GRU, 1, 4, 1, 0, 0, RFX_INIT_ZEROS, 1);
	RfxModel *k = make_model(RFX_CELL_GRU, 1, 4, 1, 3, 0, RFX_INIT_ZEROS, 1);
	RfxBptt *bp = NULL;
	RfxBpttConfig cfg = { 4, 10, 1, rfx_loss_config_default(RFX_LOSS_CE) };
	RT_CHECK(rfx_bptt_create(m, &cfg, &bp) == RFX_ERR_INVALID && !bp, "CE on an effect");
	cfg.loss = rfx_loss_config_default(RFX_LOSS_MSE);
	RT_CHECK(rfx_bptt_create(k, &cfg, &bp) == RFX_ERR_INVALID && !bp, "MSE on a classifier");
	cfg.max_batch = 0;
	RT_CHECK(rfx_bptt_create(m, &cfg, &bp) == RFX_ERR_INVALID && !bp, "batch 0");
	cfg.max_batch = 4;
	RT_CHECK(rfx_bptt_create(m, &cfg, &bp) == RFX_OK && bp, "valid config");
	float x[40] = { 0 }, y[40] = { 0 };
	RfxBpttBatch b = { 4, 11, 0, x, 0, y, 0, NULL, 0 };
	RT_CHECK(rfx_bptt_train(bp, &b, NULL) == RFX_ERR_INVALID, "T past max_steps");
	b.T = 10;
	b.warmup = 10;
	RT_CHECK(rfx_bptt_train(bp, &b, NULL) == RFX_ERR_INVALID, "warmup == T");
	b.warmup = 2;
	b.target = NULL;
	RT_CHECK(rfx_bptt_train(bp, &b, NULL) == RFX_ERR_INVALID, "no target");
	RT_CHECK(rfx_bptt_memory_bytes(bp) > 0, "memory bytes");
	RT_CHECK(rfx_bptt_memory_needed(m, &cfg) == rfx_bptt_memory_bytes(bp), "needed %zu vs %zu",
		 rfx_bptt_memory_needed(m, &cfg), rfx_bptt_memory_bytes(bp));
	cfg.max_steps = 0;
	RT_CHECK(rfx_bptt_memory_needed(m, &cfg) == 0, "needed for an invalid config");
	rfx_bptt_destroy(bp);

	rt_case("CE with every step unlabelled is refused");
	cfg.max_steps = 10;
	cfg.loss = rfx_loss_config_default(RFX_LOSS_CE);
	RT_CHECK(rfx_bptt_create(k, &cfg, &bp) == RFX_OK, "create");
	int32_t lab[40];
	for (int i = 0; i < 40; i++)
		lab[i] = -1;
	RfxBpttBatch cb = { 4, 10, 0, x, 0, NULL, 0, lab, 0 };
	double loss = 0;
	RT_CHECK(bp && rfx_bptt_train(bp, &cb, &loss) == RFX_ERR_INVALID, "all ignored");
	lab[5] = 3; /* past the 3 classes */
	RT_CHECK(bp && rfx_bptt_train(bp, &cb, &loss) == RFX_ERR_INVALID, "label >= K");
	lab[5] = 2;
	RT_CHECK(bp && rfx_bptt_train(bp, &cb, &loss) == RFX_OK && isfinite(loss), "one label");
	rfx_bptt_destroy(bp);
	rfx_model_free(m);
	rfx_model_free(k);
}

int main(void)
{
	gradcheck_cases();
	fixed_h0_case();
	wide_case();
	threads_case();
	blocks_case();
	kernels_case();
	clip_case();
	adam_case();
	training_case();
	api_case();
	return rt_finish();
}
