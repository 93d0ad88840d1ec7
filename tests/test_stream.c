/* Streaming behaviour of dsp/stream: exactness tests (bit-identical across block sizes, reset, state
 * copy), recovery from non-finite input, denormal flushing, no allocation while processing, and every
 * kernel this CPU runs against the reference one. The configurations cover the general loop
 * (conditioning inputs, classifiers, H not a multiple of 8) and the specialised loops
 * (kernel_avx2_fx.c: H = 8..64, one layer and stacks of 2 to 4, every head; other H up to 64 padded
 * to a multiple of 8), with and without skip and initial states. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/stream.h"
#include "harness.h"
#include "kernel_force.h" /* main runs the cases again on "avx2" where "avx512" is the default */

/* Allocation counter: the test links with -Wl,--wrap for these, so every call made by the dsp
 * library's objects goes through here. */
static volatile long n_allocs = 0;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n) { n_allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { n_allocs++; return __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { n_allocs++; return __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { n_allocs++; return __real_aligned_alloc(a, n); }

/* bands > 0: a front end of that many bands feeds the first layer (its features are the inputs),
 * and the network steps every `hop` samples. */
static RfxModel *make_model_fe(RfxCellType cell, int layers, int H, int inputs, RfxOutputMode mode,
			       int skip, RfxInitKind init, int bands, int hop, uint64_t seed)
{
	RfxModelSpec s = { 0 };
	s.cell = cell;
	s.n_layers = layers;
	s.n_inputs = inputs;
	if (bands > 0) {
		s.frontend = rfx_frontend_spec_default(bands);
		s.frontend.hop = hop;
		s.n_inputs = rfx_frontend_inputs(&s.frontend);
	}
	s.hidden = H;
	s.mode = mode;
	s.n_outputs = mode == RFX_MODE_EFFECT ? 1 : 5;
	s.skip = skip;
	s.sample_rate = 48000;
	for (int l = 0; l < layers; l++)
		s.init[l] = init;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	/* Larger weights than PyTorch's default, so the nonlinearities leave their linear region. */
	for (size_t i = 0; i < m->n_params; i++)
		m->params[i] *= 2.5f;
	for (int l = 0; l < layers && init != RFX_INIT_ZEROS; l++) {
		char name[16];
		snprintf(name, sizeof name, "h0_l%d", l);
		RfxTensor *t = rfx_model_tensor(m, name);
		for (int j = 0; j < H; j++)
			t->data[j] = 0.1f * (float)(j % 7) - 0.3f;
	}
	return m;
}

static RfxModel *make_model(RfxCellType cell, int layers, int H, int inputs, RfxOutputMode mode,
			    int skip, RfxInitKind init, uint64_t seed)
{
	return make_model_fe(cell, layers, H, inputs, mode, skip, init, 0, 0, seed);
}

static void fill_signal(float *x, int n, uint64_t *seed)
{
	for (int i = 0; i < n; i++)
		x[i] = 0.6f * sinf(0.031f * (float)i) + rt_rand_uniform(seed, -0.4f, 0.4f);
}

typedef struct {
	RfxCellType cell;
	int layers, H, inputs;
	RfxOutputMode mode;
	int skip;
	RfxInitKind init;
	const char *name;
	int bands; /* a front end of this many bands (classifier and onset models) */
	int hop;   /* ... and the network every hop samples */
} Config;

static const Config configs[] = {
	{ RFX_CELL_RNN, 1, 8, 1, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, "rnn H8", 0, 0 },
	{ RFX_CELL_GRU, 1, 32, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, "gru H32 skip", 0, 0 },
	{ RFX_CELL_GRU, 3, 5, 2, RFX_MODE_EFFECT, 0, RFX_INIT_TRAINED, "gru 3x5 cond h0", 0, 0 },
	{ RFX_CELL_LSTM, 2, 17, 1, RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, "lstm 2x17 h0", 0, 0 },
	{ RFX_CELL_LSTM, 1, 64, 1, RFX_MODE_CLASSIFIER, 0, RFX_INIT_ZEROS, "lstm H64 classifier", 0, 0 },
	{ RFX_CELL_GRU, 1, 8, 1, RFX_MODE_EFFECT, 1, RFX_INIT_TRAINED, "gru H8 skip h0", 0, 0 },
	{ RFX_CELL_GRU, 1, 16, 1, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, "gru H16", 0, 0 },
	{ RFX_CELL_GRU, 1, 64, 1, RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, "gru H64 skip h0", 0, 0 },
	{ RFX_CELL_LSTM, 1, 8, 1, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, "lstm H8", 0, 0 },
	{ RFX_CELL_LSTM, 1, 32, 1, RFX_MODE_EFFECT, 1, RFX_INIT_TRAINED, "lstm H32 skip h0", 0, 0 },
	{ RFX_CELL_LSTM, 1, 48, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, "lstm H48 skip", 0, 0 },
	{ RFX_CELL_GRU, 1, 24, 1, RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, "gru H24 skip h0", 0, 0 },
	{ RFX_CELL_GRU, 1, 12, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, "gru H12 skip", 0, 0 },
	/* Knob models: one layer with conditioning inputs runs the specialised loops too. */
	{ RFX_CELL_GRU, 1, 16, 3, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, "gru H16 2 knobs", 0, 0 },
	{ RFX_CELL_LSTM, 1, 32, 2, RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, "lstm H32 knob skip h0", 0, 0 },
	/* Stacked effect models of a width the specialised loops take (2 to 4 layers). */
	{ RFX_CELL_GRU, 2, 16, 1, RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, "gru 2x16 skip h0", 0, 0 },
	{ RFX_CELL_GRU, 2, 8, 1, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, "gru 2x8", 0, 0 },
	{ RFX_CELL_LSTM, 3, 8, 2, RFX_MODE_EFFECT, 0, RFX_INIT_TRAINED, "lstm 3x8 knob h0", 0, 0 },
	{ RFX_CELL_RNN, 4, 24, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, "rnn 4x24 skip", 0, 0 },
	{ RFX_CELL_GRU, 2, 64, 3, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, "gru 2x64 2 knobs", 0, 0 },
	{ RFX_CELL_LSTM, 2, 32, 1, RFX_MODE_EFFECT, 1, RFX_INIT_TRAINED, "lstm 2x32 skip h0", 0, 0 },
	{ RFX_CELL_GRU, 3, 40, 1, RFX_MODE_EFFECT, 0, RFX_INIT_VECTOR, "gru 3x40 h0", 0, 0 },
	{ RFX_CELL_LSTM, 4, 48, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, "lstm 4x48 skip", 0, 0 },
	/* Widths padded to a multiple of 8 for the specialised loops (stream.c, stream_width). */
	{ RFX_CELL_LSTM, 1, 20, 1, RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, "lstm H20 skip h0", 0, 0 },
	{ RFX_CELL_GRU, 2, 12, 2, RFX_MODE_EFFECT, 0, RFX_INIT_TRAINED, "gru 2x12 knob h0", 0, 0 },
	{ RFX_CELL_GRU, 1, 44, 1, RFX_MODE_CLASSIFIER, 0, RFX_INIT_ZEROS, "gru H44 classifier", 0, 0 },
	/* Classifier and onset heads, and front ends, as the shipped classifiers are. */
	{ RFX_CELL_GRU, 1, 32, 1, RFX_MODE_CLASSIFIER, 0, RFX_INIT_ZEROS, "gru H32 classifier", 0, 0 },
	{ RFX_CELL_GRU, 1, 32, 1, RFX_MODE_ONSET, 0, RFX_INIT_ZEROS, "gru H32 onset front end", 10, 0 },
	{ RFX_CELL_LSTM, 2, 16, 1, RFX_MODE_CLASSIFIER, 0, RFX_INIT_TRAINED, "lstm 2x16 cls front end h0", 6, 0 },
	{ RFX_CELL_GRU, 2, 8, 1, RFX_MODE_ONSET, 0, RFX_INIT_VECTOR, "gru 2x8 onset h0", 0, 0 },
	/* A hop: the network steps every hop samples (7 does not divide the block sizes). */
	{ RFX_CELL_GRU, 1, 32, 1, RFX_MODE_ONSET, 0, RFX_INIT_ZEROS, "gru H32 onset hop 48", 10, 48 },
	{ RFX_CELL_LSTM, 2, 16, 1, RFX_MODE_CLASSIFIER, 0, RFX_INIT_TRAINED, "lstm 2x16 cls hop 7 h0", 6, 7 },
};
#define N_CONFIGS (int)(sizeof configs / sizeof configs[0])

static RfxModel *model_of(const Config *c, uint64_t seed)
{
	return make_model_fe(c->cell, c->layers, c->H, c->inputs, c->mode, c->skip, c->init, c->bands,
			     c->hop, seed);
}

/* Runs x through a fresh stream in blocks; sizes[] cycles, 0 = random 0..300. */
static void run_blocks(const RfxModel *m, const float *x, int n, float *y, const int *sizes,
		       int n_sizes, uint64_t *seed)
{
	RfxStream *st = NULL;
	RT_CHECK(rfx_stream_create(m, &st) == RFX_OK, "create");
	if (!st)
		return;
	rfx_stream_set_input(st, 1, 0.25f);
	const int O = rfx_stream_n_outputs(st);
	for (int i = 0, b = 0; i < n; b++) {
		int len = sizes[b % n_sizes];
		if (len == 0)
			len = (int)(rt_rand_u64(seed) % 301);
		if (len > n - i)
			len = n - i;
		rfx_stream_process(st, x + i, y + (size_t)i * O, (uint32_t)len);
		i += len;
	}
	rfx_stream_destroy(st);
}

static void test_block_sizes(void)
{
	uint64_t seed = rt_seed();
	enum { N = 6000 };
	float *x = malloc(N * sizeof *x), *ref = malloc(N * 16 * sizeof *ref), *y = malloc(N * 16 * sizeof *y);
	fill_signal(x, N, &seed);
	static const int whole[] = { N }, ones[] = { 1 }, sevens[] = { 7 }, sixtyfour[] = { 64 },
			 big[] = { 4096 }, zeros_and[] = { 0 }, mixed[] = { 0, 1, 7, 64, 0, 4096, 3 };
	const struct { const int *s; int n; const char *name; } plans[] = {
		{ ones, 1, "1" }, { sevens, 1, "7" }, { sixtyfour, 1, "64" }, { big, 1, "4096" },
		{ zeros_and, 1, "random" }, { mixed, 7, "mixed with n = 0" },
	};
	for (int c = 0; c < N_CONFIGS; c++) {
		kcase(configs[c].name);
		RfxModel *m = model_of(&configs[c], 1000 + c);
		run_blocks(m, x, N, ref, whole, 1, &seed);
		const int O = configs[c].mode == RFX_MODE_EFFECT ? 1 : 5;
		for (size_t p = 0; p < sizeof plans / sizeof plans[0]; p++) {
			run_blocks(m, x, N, y, plans[p].s, plans[p].n, &seed);
			RT_CHECK(memcmp(ref, y, (size_t)N * O * sizeof *y) == 0,
				 "blocks of %s differ from one whole block", plans[p].name);
		}
		/* The output must actually depend on the history, or this test proves nothing. */
		int varied = 0;
		for (int i = 1; i < N * O; i++)
			varied |= ref[i] != ref[0];
		RT_CHECK(varied, "constant output");
		rfx_model_free(m);
	}
	free(x);
	free(ref);
	free(y);
}

static void test_reset_and_copy(void)
{
	kcase("reset and state copy are bit-exact");
	uint64_t seed = rt_seed();
	enum { N = 3000 };
	float x[N], a[N], b[N], c[N];
	fill_signal(x, N, &seed);
	RfxModel *m = make_model(RFX_CELL_LSTM, 2, 12, 1, RFX_MODE_EFFECT, 1, RFX_INIT_TRAINED, 7);
	RfxStream *s1, *s2;
	RT_OK(rfx_stream_create(m, &s1));
	RT_OK(rfx_stream_create(m, &s2));
	rfx_stream_process(s1, x, a, N);
	rfx_stream_process(s1, x, b, N / 2); /* continue from a's end state */
	rfx_stream_reset(s1);
	rfx_stream_process(s1, x, c, N);
	RT_CHECK(memcmp(a, c, sizeof a) == 0, "after reset the output differs from a fresh stream");
	RT_CHECK(memcmp(a, b, (N / 2) * sizeof *a) != 0, "history does not matter (test is void)");
	/* s1 now at state after N samples; copy into s2 and both continue identically */
	rfx_stream_copy_state(s2, s1);
	rfx_stream_process(s1, x, a, N);
	rfx_stream_process(s2, x, b, N);
	RT_CHECK(memcmp(a, b, sizeof a) == 0, "copied state diverges");
	rfx_stream_destroy(s1);
	rfx_stream_destroy(s2);
	rfx_model_free(m);
}

static int all_finite(const float *y, int n)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(y[i]))
			return 0;
	return 1;
}

static void test_nonfinite(void)
{
	uint64_t seed = rt_seed();
	enum { N = 2000 };
	float x[N], y[N * 5], ref[N * 5];
	for (int c = 0; c < N_CONFIGS; c++) {
		char nm[64];
		snprintf(nm, sizeof nm, "NaN/Inf recovery: %s", configs[c].name);
		kcase(nm);
		RfxModel *m = model_of(&configs[c], 50 + c);
		RfxStream *st;
		RT_OK(rfx_stream_create(m, &st));
		const int O = rfx_stream_n_outputs(st);
		fill_signal(x, N, &seed);
		x[100] = NAN;
		x[700] = INFINITY;
		x[701] = -INFINITY;
		rfx_stream_process(st, x, y, N);
		RT_CHECK(all_finite(y, N * O), "non-finite output");
		RT_CHECK(rfx_stream_nonfinite_count(st) == 3, "count %u, expected 3",
			 rfx_stream_nonfinite_count(st));
		/* After the last bad sample the stream restarted from its initial state, so the tail
		 * equals a fresh stream fed from sample 702 with the input at 701 taken as 0. */
		RfxStream *fresh;
		RT_OK(rfx_stream_create(m, &fresh));
		x[701] = 0.0f;
		rfx_stream_process(fresh, x + 701, ref, N - 701);
		RT_CHECK(memcmp(ref, y + 701 * O, (size_t)(N - 701) * O * sizeof *y) == 0,
			 "does not recover to the fresh-stream output");
		size_t ns;
		const float *s = rfx_stream_state(st, &ns);
		RT_CHECK(all_finite(s, (int)ns), "state not finite");
		rfx_stream_destroy(fresh);
		rfx_stream_destroy(st);
		rfx_model_free(m);
	}
}

static void test_denormals(void)
{
	kcase("denormal input leaves no denormal state");
	enum { N = 4000 };
	float x[N], y[N];
	/* A model whose state decays towards zero: small recurrent weights, no bias. */
	RfxModel *m = make_model(RFX_CELL_RNN, 1, 16, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, 3);
	for (int i = 0; i < m->n_tensors; i++) {
		RfxTensor *t = &m->tensors[i];
		for (int j = 0; j < t->rows * t->cols; j++)
			t->data[j] *= strstr(t->name, "bias") ? 0.0f : 0.2f;
	}
	RfxStream *st;
	RT_OK(rfx_stream_create(m, &st));
	for (int i = 0; i < N; i++)
		x[i] = i < 10 ? 0.5f : (i % 2 ? 1e-40f : -3e-39f); /* an impulse, then denormals */
	size_t ns;
	const float *s = rfx_stream_state(st, &ns);
	int denormal_seen = 0, nonzero_tail = 0;
	for (int i = 0; i < N; i++) {
		rfx_stream_process(st, x + i, y + i, 1);
		for (size_t j = 0; j < ns; j++) {
			denormal_seen |= fpclassify(s[j]) == FP_SUBNORMAL;
			nonzero_tail |= i == 20 && s[j] != 0.0f;
		}
		denormal_seen |= fpclassify(y[i]) == FP_SUBNORMAL;
	}
	/* valgrind does not emulate the MXCSR flush-to-zero modes (tests/run-tests.sh says when it
	 * runs the tests under it), so there the check is void and only reported. */
	if (getenv("RFX_TEST_VALGRIND"))
		printf("     (under valgrind, which ignores FTZ/DAZ: denormals %sseen, not checked)\n",
		       denormal_seen ? "" : "not ");
	else
		RT_CHECK(!denormal_seen, "a denormal reached the state or output");
	RT_CHECK(nonzero_tail, "state died at once: the decay path was not exercised");
	rfx_stream_destroy(st);
	rfx_model_free(m);
}

static void test_no_allocation(void)
{
	kcase("process, process_pair, reset, copy and set_input never allocate");
	float x[512], y[512 * 5];
	uint64_t seed = rt_seed();
	fill_signal(x, 512, &seed);
	for (int c = 0; c < N_CONFIGS; c++) {
		RfxModel *m = model_of(&configs[c], 9);
		RfxStream *a, *b;
		RT_OK(rfx_stream_create(m, &a));
		RT_OK(rfx_stream_create(m, &b));
		long before = n_allocs;
		for (int k = 0; k < 20; k++) {
			rfx_stream_process(a, x, y, 512);
			rfx_stream_process_pair(a, b, x, x, y, y + 256 * 5, 256);
			rfx_stream_set_input(a, 1, 0.5f);
			rfx_stream_copy_state(b, a);
			rfx_stream_reset(a);
		}
		RT_CHECK(n_allocs == before, "%ld allocations", n_allocs - before);
		rfx_stream_destroy(a);
		rfx_stream_destroy(b);
		rfx_model_free(m);
	}
	/* The counter itself must see the library's allocations, or the check above is void. */
	long before = n_allocs;
	RfxModel *m = model_of(&configs[0], 1);
	RT_CHECK(n_allocs > before, "the allocation counter is not wired");
	rfx_model_free(m);
}

static void test_init_into_caller_memory(void)
{
	kcase("init into caller memory, then free the model");
	RfxModel *m = model_of(&configs[1], 4);
	size_t size = rfx_stream_get_size(m);
	RT_CHECK(size > 0, "size 0");
	void *mem = aligned_alloc(RFX_STREAM_ALIGN, (size + 63) / 64 * 64);
	RfxStream *st = NULL;
	RT_CHECK(rfx_stream_init(mem, size - 1, m, &st) == RFX_ERR_INVALID, "too small accepted");
	RT_CHECK(rfx_stream_init((char *)mem + 4, size, m, &st) == RFX_ERR_INVALID, "misaligned accepted");
	RT_CHECK(rfx_stream_init(mem, size, m, &st) == RFX_OK, "init failed");
	float x[300], y1[300], y2[300];
	uint64_t seed = rt_seed();
	fill_signal(x, 300, &seed);
	RfxStream *ref;
	RT_OK(rfx_stream_create(m, &ref));
	rfx_model_free(m); /* the stream keeps its own copy of the weights */
	rfx_stream_process(st, x, y1, 300);
	rfx_stream_process(ref, x, y2, 300);
	RT_CHECK(memcmp(y1, y2, sizeof y1) == 0, "preallocated stream differs");
	free(mem);
	rfx_stream_destroy(ref);
}

/* Every kernel but the reference, by the name RFX_KERNEL knows it (kernel_table.c); one the CPU
 * cannot run comes back under another name, and its case is reported as skipped, not passed. */
static const char *const fast_kernels[] = { "avx512", "avx2", "avx2-loop", "sse2" };

/* Whether streams get kernel `name` when RFX_KERNEL asks for it on this CPU. */
/* Stacks whose state goes non-finite now and then, mid-block: the second layer's input weights
 * at +-3e38, so its pre-activations overflow to +-Inf and Inf - Inf makes NaN on the samples where
 * the first layer's state lines up for it. The skewed loop of small stacks (kernel_avx2_fx.c,
 * fx_run_skew) runs a chunk again sample by sample from its saved state when that happens; the
 * output and the guard's count must not depend on where the blocks end. */
static void test_state_guard_in_stacks(void)
{
	enum { N = 3000 };
	static float x[N], ref[N], y[N];
	uint64_t seed = rt_seed();
	fill_signal(x, N, &seed);
	const struct { RfxCellType cell; int layers, H; const char *name; } cases[] = {
		/* GRU: its first layer's state lines up for NaN now and then (LSTM measured never here,
		 * RNN on most samples) */
		{ RFX_CELL_GRU, 2, 16, "gru 2x16" }, { RFX_CELL_GRU, 2, 8, "gru 2x8" },
		{ RFX_CELL_GRU, 3, 8, "gru 3x8" },
		/* layer by layer (fx_run_lbl): 32-sample chunks replayed */
		{ RFX_CELL_GRU, 2, 32, "gru 2x32" }, { RFX_CELL_GRU, 3, 40, "gru 3x40" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char nm[96];
		snprintf(nm, sizeof nm, "state guard mid-block, blocks of any size: %s", cases[c].name);
		kcase(nm);
		RfxModel *m = make_model(cases[c].cell, cases[c].layers, cases[c].H, 1, RFX_MODE_EFFECT, 1,
					 RFX_INIT_ZEROS, 70 + c);
		RfxTensor *w = rfx_model_tensor(m, "weight_ih_l1"), *wh = rfx_model_tensor(m, "weight_hh_l1");
		RT_CHECK(w && wh, "no weight_ih_l1 or weight_hh_l1");
		const int H = cases[c].H;
		for (int i = 0; w && H < 32 && i < w->rows * w->cols; i++)
			w->data[i] = rt_rand_u64(&seed) & 1 ? 3e38f : -3e38f;
		/* Where each sum is one chain (H >= 32), an overflow never meets an opposite one inside
		 * it: unit 0's n gate gets six huge input weights and six huge hidden ones of the
		 * other sign, so r hn + in is Inf - Inf when both sums of six states overflow. */
		for (int j = 0; w && wh && H >= 32 && j < 6; j++) {
			w->data[(size_t)2 * H * w->cols + j] = 3e38f;
			wh->data[(size_t)2 * H * wh->cols + j] = -3e38f;
		}
		static const int sizes[] = { N, 1, 7, 64, 65 };
		printf("     %s: ", cases[c].name);
		unsigned count[5];
		for (int k = 0; k < 5; k++) {
			RfxStream *st;
			RT_OK(rfx_stream_create(m, &st));
			for (int i = 0; i < N; i += sizes[k]) {
				const int len = N - i < sizes[k] ? N - i : sizes[k];
				rfx_stream_process(st, x + i, (k ? y : ref) + i, (uint32_t)len);
			}
			count[k] = rfx_stream_nonfinite_count(st);
			if (k)
				RT_CHECK(memcmp(ref, y, sizeof y) == 0 && count[k] == count[0],
					 "blocks of %d: output or count (%u, %u) differs from one block",
					 sizes[k], count[k], count[0]);
			rfx_stream_destroy(st);
		}
		/* Now and then, not on every sample, or the chunks' replay is not exercised. */
		printf("%u resets in %d samples\n", count[0], N);
		RT_CHECK(count[0] > 5 && count[0] < N / 2, "%u resets in %d samples", count[0], N);
		rfx_model_free(m);
	}
}

/* Wider stacks run a chunk of samples layer by layer (kernel_avx2_fx.c, fx_run_lbl), and a chunk
 * with a non-finite input again sample by sample, one layer after the other (fx_any_step). The
 * two must give the same bits: a NaN at the end of a chunk sends the chunk's earlier samples down
 * the second path, and they must equal the run without it, which took the first. Chunks are 32
 * samples from each block's start; the NaN sits at 191 (chunk 160..191), and at 31 of a later
 * block of 40 (samples 400..439), so a short chunk at a block's end is compared too. */
static void test_stacks_layer_by_layer(void)
{
	enum { N = 640 };
	static float x[3][N], y[3][N];
	uint64_t seed = rt_seed();
	fill_signal(x[0], N, &seed);
	memcpy(x[1], x[0], sizeof x[0]);
	x[1][191] = NAN;
	memcpy(x[2], x[1], sizeof x[0]);
	x[2][431] = NAN;
	const struct { RfxCellType cell; int layers, H, inputs; } cases[] = {
		{ RFX_CELL_GRU, 2, 32, 1 }, { RFX_CELL_GRU, 3, 40, 1 }, { RFX_CELL_LSTM, 2, 32, 2 },
		{ RFX_CELL_LSTM, 2, 24, 1 }, { RFX_CELL_GRU, 2, 48, 1 }, { RFX_CELL_LSTM, 4, 48, 1 },
		{ RFX_CELL_GRU, 2, 64, 1 }, { RFX_CELL_RNN, 2, 64, 1 },
	};
	static const int sizes[] = { 400, 40, 200 };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char nm[96];
		snprintf(nm, sizeof nm, "stack %s %dx%d%s: layer by layer = sample by sample, bit for bit",
			 rfx_cell_name(cases[c].cell), cases[c].layers, cases[c].H,
			 cases[c].inputs > 1 ? " knob" : "");
		kcase(nm);
		RfxModel *m = make_model(cases[c].cell, cases[c].layers, cases[c].H, cases[c].inputs,
					 RFX_MODE_EFFECT, 1, RFX_INIT_VECTOR, 90 + c);
		for (int k = 0; k < 3; k++) {
			RfxStream *st;
			RT_OK(rfx_stream_create(m, &st));
			if (!st)
				break;
			rfx_stream_set_input(st, 1, 0.3f);
			for (int i = 0, b = 0; i < N; i += sizes[b++ % 3])
				rfx_stream_process(st, x[k] + i, y[k] + i,
						   (uint32_t)(N - i < sizes[b % 3] ? N - i : sizes[b % 3]));
			RT_CHECK(rfx_stream_nonfinite_count(st) == (unsigned)k, "count %u, expected %d",
				 rfx_stream_nonfinite_count(st), k);
			rfx_stream_destroy(st);
		}
		RT_CHECK(memcmp(y[0], y[1], 191 * sizeof(float)) == 0, "differs in the replayed chunk");
		RT_CHECK(memcmp(y[1], y[2], 431 * sizeof(float)) == 0, "differs in the short block");
		const float *ref = y[0];
		int varied = 0;
		for (int i = 1; i < 191; i++)
			varied |= ref[i] != ref[0];
		RT_CHECK(varied, "constant output");
		rfx_model_free(m);
	}
}

/* The specialised loops' classifier and onset heads work on up to 16 classes in one or two
 * vectors (kernel_avx2_fx.c, fx_head_cls_nv): 2, 7, 8, 9 and 16 classes against the reference
 * kernel, the softmax summing to 1, and the same output in blocks of any size (the heads run a
 * chunk at a time, after the chunk's steps). */
static void test_many_classes(void)
{
	enum { N = 700 };
	static float x[N], a[N * 16], b[N * 16];
	uint64_t seed = rt_seed();
	fill_signal(x, N, &seed);
	static const int classes[] = { 2, 7, 8, 9, 16 };
	for (size_t c = 0; c < 2 * sizeof classes / sizeof classes[0]; c++) {
		const int O = classes[c % 5];
		const RfxOutputMode mode = c < 5 ? RFX_MODE_CLASSIFIER : RFX_MODE_ONSET;
		char nm[96];
		snprintf(nm, sizeof nm, "gru H32 %s head, %d classes: reference kernel, blocks",
			 mode == RFX_MODE_ONSET ? "onset" : "classifier", O);
		kcase(nm);
		RfxModelSpec sp = { .cell = RFX_CELL_GRU, .n_layers = 1, .n_inputs = 1, .hidden = 32,
				    .mode = mode, .n_outputs = O, .sample_rate = 48000 };
		RfxModel *m = NULL;
		RT_OK(rfx_model_new(&sp, &m));
		if (!m)
			continue;
		rfx_model_init_random(m, 40 + c);
		for (size_t i = 0; i < m->n_params; i++)
			m->params[i] *= 2.5f;
		RfxStream *fast, *ref;
		RT_OK(rfx_stream_create(m, &fast));
		setenv("RFX_KERNEL", "generic", 1);
		RT_OK(rfx_stream_create(m, &ref));
		restore_kernel();
		rfx_stream_process(ref, x, b, N);
		for (int i = 0; i < N;) { /* random blocks */
			int len = (int)(rt_rand_u64(&seed) % 97);
			if (len > N - i)
				len = N - i;
			rfx_stream_process(fast, x + i, a + (size_t)i * O, (uint32_t)len);
			i += len;
		}
		double worst = 0, worst_sum = 0;
		for (int t = 0; t < N; t++) {
			double sum = 0;
			for (int o = 0; o < O; o++) {
				worst = fmax(worst, fabs((double)a[t * O + o] - b[t * O + o]));
				sum += a[t * O + o];
			}
			if (mode == RFX_MODE_CLASSIFIER)
				worst_sum = fmax(worst_sum, fabs(sum - 1.0));
		}
		RT_CHECK(worst <= 1e-5, "max diff %g against the reference kernel", worst);
		RT_CHECK(worst_sum <= 1e-6, "probabilities sum to 1 +- %g", worst_sum);
		RfxStream *whole;
		RT_OK(rfx_stream_create(m, &whole));
		rfx_stream_process(whole, x, b, N);
		RT_CHECK(memcmp(a, b, (size_t)N * O * sizeof *a) == 0, "blocks differ from one whole block");
		rfx_stream_destroy(whole);
		rfx_stream_destroy(fast);
		rfx_stream_destroy(ref);
		rfx_model_free(m);
	}
}

static int kernel_runs(const char *name)
{
	RfxModel *m = model_of(&configs[0], 1);
	RfxStream *st = NULL;
	setenv("RFX_KERNEL", name, 1);
	RT_OK(rfx_stream_create(m, &st));
	restore_kernel();
	const int runs = st && strcmp(rfx_stream_kernel_name(st), name) == 0;
	rfx_stream_destroy(st);
	rfx_model_free(m);
	return runs;
}

static void test_kernels_agree(void)
{
	uint64_t seed = rt_seed();
	enum { N = 4000 };
	static float x[N], a[N * 5], b[N * 5];
	fill_signal(x, N, &seed);
	for (size_t k = 0; k < sizeof fast_kernels / sizeof fast_kernels[0]; k++) {
		char nm[64];
		snprintf(nm, sizeof nm, "kernel %s matches the reference kernel", fast_kernels[k]);
		if (!kernel_runs(fast_kernels[k])) {
			rt_skip(nm, "this CPU does not run it");
			continue;
		}
		kcase(nm);
		for (int c = 0; c < N_CONFIGS; c++) {
			RfxModel *m = model_of(&configs[c], 300 + c);
			RfxStream *fast, *ref;
			setenv("RFX_KERNEL", fast_kernels[k], 1);
			RT_OK(rfx_stream_create(m, &fast));
			setenv("RFX_KERNEL", "generic", 1);
			RT_OK(rfx_stream_create(m, &ref));
			restore_kernel();
			RT_CHECK(strcmp(rfx_stream_kernel_name(ref), "generic") == 0, "not forced");
			RT_CHECK(strcmp(rfx_stream_kernel_name(fast), fast_kernels[k]) == 0, "got %s",
				 rfx_stream_kernel_name(fast));
			/* Conditioning inputs change every 500 samples (a knob turned between blocks). */
			for (int i = 0; i < N; i += 500) {
				const float v1 = 0.25f - 0.1f * (float)(i / 500), v2 = -0.6f + 0.15f * (float)(i / 500);
				rfx_stream_set_input(fast, 1, v1);
				rfx_stream_set_input(ref, 1, v1);
				rfx_stream_set_input(fast, 2, v2);
				rfx_stream_set_input(ref, 2, v2);
				const int O = rfx_stream_n_outputs(ref);
				rfx_stream_process(fast, x + i, a + (size_t)i * O, 500);
				rfx_stream_process(ref, x + i, b + (size_t)i * O, 500);
			}
			/* The kernels differ only in rounding (FMA, split sums) and in their activations'
			 * last bits (the specialised loops' own approximations in kernel_avx2_fx.c reach
			 * 3.6e-7 absolute for tanh, against fastmath.h's 2e-7: tests/test_activations.c):
			 * 1e-5 over 4000 recurrent steps leaves room for those to accumulate, but not for
			 * a wrong gate or index. */
			double worst = 0;
			for (int i = 0; i < N * rfx_stream_n_outputs(ref); i++)
				worst = fmax(worst, fabs((double)a[i] - b[i]));
			printf("     %-22s %s vs generic: max |diff| %.3g\n", configs[c].name,
			       rfx_stream_kernel_name(fast), worst);
			RT_CHECK(worst <= 1e-5, "%s: max diff %g", configs[c].name, worst);
			rfx_stream_destroy(fast);
			rfx_stream_destroy(ref);
			rfx_model_free(m);
		}
	}
}

/* The avx512 row runs LSTM 32, GRU 48 and 64 and 2 x GRU 16 in 512-bit vectors
 * (kernel_avx512_fx_z.h). The GRU loops do, lane for lane, the operations of the 256-bit loops,
 * which the avx2 row runs: the two rows' outputs must be the same bits. LSTM 32 has its own state
 * update (two divisions for five): within 1e-5 of the avx2 row. Each gives the same bits in
 * random blocks as in one, across a non-finite input (2 x GRU 16 then runs the chunk again sample
 * by sample in 256-bit vectors) and knobs turned between blocks. */
static void test_wide_vectors(void)
{
	enum { N = 3000 };
	static float x[N], y[3][N];
	uint64_t seed = rt_seed();
	fill_signal(x, N, &seed);
	x[191] = NAN;  /* the end of the skewed loop's third chunk of 64 */
	x[1500] = INFINITY;
	const struct { RfxCellType cell; int layers, H, inputs, skip; RfxInitKind init; } cases[] = {
		{ RFX_CELL_LSTM, 1, 32, 1, 1, RFX_INIT_VECTOR }, { RFX_CELL_LSTM, 1, 32, 2, 0, RFX_INIT_ZEROS },
		{ RFX_CELL_GRU, 2, 16, 1, 1, RFX_INIT_VECTOR }, { RFX_CELL_GRU, 2, 16, 1, 0, RFX_INIT_ZEROS },
		{ RFX_CELL_GRU, 1, 48, 1, 1, RFX_INIT_VECTOR }, { RFX_CELL_GRU, 1, 64, 1, 1, RFX_INIT_VECTOR },
		{ RFX_CELL_GRU, 1, 64, 3, 0, RFX_INIT_ZEROS },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char nm[112];
		const int lstm = cases[c].cell == RFX_CELL_LSTM;
		snprintf(nm, sizeof nm, "%s %dx%d%s%s: avx512 (512-bit) %s avx2; random blocks = one, bit for bit",
			 rfx_cell_name(cases[c].cell), cases[c].layers, cases[c].H,
			 cases[c].inputs > 1 ? " knob" : "", cases[c].skip ? " skip h0" : "",
			 lstm ? "within 1e-5 of" : "the same bits as");
		if (!kernel_runs("avx512") || !kernel_runs("avx2")) {
			rt_skip(nm, "this CPU does not run both");
			continue;
		}
		rt_case(nm);
		RfxModel *m = make_model(cases[c].cell, cases[c].layers, cases[c].H, cases[c].inputs,
					 RFX_MODE_EFFECT, cases[c].skip, cases[c].init, 120 + c);
		unsigned count[3] = { 0, 0, 0 };
		for (int k = 0; k < 3; k++) { /* avx512 in random blocks, avx2 in the same, avx512 in one */
			uint64_t cuts = 77;
			RfxStream *st = NULL;
			setenv("RFX_KERNEL", k == 1 ? "avx2" : "avx512", 1);
			RT_OK(rfx_stream_create(m, &st));
			restore_kernel();
			if (!st)
				break;
			RT_CHECK(strcmp(rfx_stream_kernel_name(st), k == 1 ? "avx2" : "avx512") == 0, "got %s",
				 rfx_stream_kernel_name(st));
			for (int i = 0; i < N;) {
				const int len = k == 2 ? N : 1 + (int)(rt_rand_u64(&cuts) % 300);
				const int end = i < N / 2 ? N / 2 : N; /* the knob turns at N / 2 */
				const int n = end - i < len ? end - i : len;
				rfx_stream_set_input(st, 1, i < N / 2 ? 0.4f : -0.2f);
				rfx_stream_process(st, x + i, y[k] + i, (uint32_t)n);
				i += n;
			}
			count[k] = rfx_stream_nonfinite_count(st);
			rfx_stream_destroy(st);
		}
		double worst = 0;
		for (int i = 0; i < N; i++)
			worst = fmax(worst, fabs((double)y[0][i] - y[1][i]));
		if (lstm) {
			printf("     avx512 vs avx2: max |diff| %.3g\n", worst);
			RT_CHECK(worst <= 1e-5, "max diff %g from avx2", worst);
		} else {
			RT_CHECK(memcmp(y[0], y[1], sizeof y[0]) == 0, "outputs differ from avx2 (max %g)", worst);
		}
		RT_CHECK(memcmp(y[0], y[2], sizeof y[0]) == 0, "random blocks differ from one block");
		RT_CHECK(count[0] == 2 && count[1] == 2 && count[2] == 2, "non-finite counts %u, %u, %u (2 expected)",
			 count[0], count[1], count[2]);
		rfx_model_free(m);
	}
}

/* Runs a and b as a pair over xa, xb (in place when in_place) in random blocks, with the same
 * block cuts for both. */
static void run_pair_blocks(RfxStream *a, RfxStream *b, const float *xa, const float *xb, float *ya,
			    float *yb, int n, int in_place, uint64_t *seed)
{
	const int O = rfx_stream_n_outputs(a);
	if (in_place) {
		memcpy(ya, xa, (size_t)n * sizeof *ya);
		memcpy(yb, xb, (size_t)n * sizeof *yb);
	}
	for (int i = 0; i < n;) {
		int len = (int)(rt_rand_u64(seed) % 301);
		if (len > n - i)
			len = n - i;
		const float *ia = in_place ? ya + i : xa + i, *ib = in_place ? yb + i : xb + i;
		rfx_stream_process_pair(a, b, ia, ib, ya + (size_t)i * O, yb + (size_t)i * O, (uint32_t)len);
		i += len;
	}
}

/* The pair of rfx_stream_process_pair against each stream alone: the same bits, for every shape
 * the specialised loops cover (cells x H = 8..64: paired loops with both mat-vec forms, and the
 * shapes that run as two calls), with a NaN and an Inf in one channel each (the other channel must
 * not notice), different initial states and in place. */
static void test_pairs(void)
{
	uint64_t seed = rt_seed();
	enum { N = 3000 };
	static float xa[N], xb[N], ya[N], yb[N], ra[N], rb[N];
	static const RfxCellType cells[] = { RFX_CELL_RNN, RFX_CELL_GRU, RFX_CELL_LSTM };
	static const RfxInitKind inits[] = { RFX_INIT_ZEROS, RFX_INIT_VECTOR, RFX_INIT_TRAINED };
	kcase("a pair gives each stream its own output, bit for bit");
	int paired = 0, shapes = 0, paired_gru8 = 0, paired_gru64 = 0;
	for (int c = 0; c < 3; c++)
		for (int H = 8; H <= 64; H += 8, shapes++) {
			RfxModel *m = make_model(cells[c], 1, H, 1, RFX_MODE_EFFECT, H % 16 == 0,
						 inits[(H / 8) % 3], 700 + H + c);
			RfxStream *a, *b, *sa, *sb;
			RT_OK(rfx_stream_create(m, &a));
			RT_OK(rfx_stream_create(m, &b));
			RT_OK(rfx_stream_create(m, &sa));
			RT_OK(rfx_stream_create(m, &sb));
			const int p = rfx_stream_pairs(a, b);
			paired += p;
			paired_gru8 |= p && cells[c] == RFX_CELL_GRU && H == 8;
			paired_gru64 |= p && cells[c] == RFX_CELL_GRU && H == 64;
			fill_signal(xa, N, &seed);
			fill_signal(xb, N, &seed);
			xa[500] = NAN;
			xb[1200] = INFINITY;
			const int in_place = H % 24 == 0;
			run_pair_blocks(a, b, xa, xb, ya, yb, N, in_place, &seed);
			rfx_stream_process(sa, xa, ra, N);
			rfx_stream_process(sb, xb, rb, N);
			size_t na, ns;
			const float *st_a = rfx_stream_state(a, &na), *st_s = rfx_stream_state(sa, &ns);
			RT_CHECK(memcmp(ya, ra, sizeof ya) == 0 && memcmp(yb, rb, sizeof yb) == 0,
				 "%s H%d: paired output differs from the stream alone", rfx_cell_name(cells[c]), H);
			RT_CHECK(na == ns && memcmp(st_a, st_s, na * sizeof *st_a) == 0,
				 "%s H%d: paired state differs", rfx_cell_name(cells[c]), H);
			RT_CHECK(rfx_stream_nonfinite_count(a) == 1 && rfx_stream_nonfinite_count(b) == 1,
				 "%s H%d: non-finite counts %u %u, expected 1 each", rfx_cell_name(cells[c]), H,
				 rfx_stream_nonfinite_count(a), rfx_stream_nonfinite_count(b));
			rfx_stream_destroy(a);
			rfx_stream_destroy(b);
			rfx_stream_destroy(sa);
			rfx_stream_destroy(sb);
			rfx_model_free(m);
		}
	RfxModel *probe = make_model(RFX_CELL_GRU, 1, 8, 1, RFX_MODE_EFFECT, 1, RFX_INIT_ZEROS, 1);
	RfxStream *ps;
	RT_OK(rfx_stream_create(probe, &ps));
	const int has_pairs = strcmp(rfx_stream_kernel_name(ps), "avx2") == 0 ||
			      strcmp(rfx_stream_kernel_name(ps), "avx512") == 0;
	rfx_stream_destroy(ps);
	rfx_model_free(probe);
	/* Which shapes pair is the kernel's measured choice; the ends of the range must. */
	if (has_pairs)
		RT_CHECK(paired_gru8 && paired_gru64 && paired > 0 && paired < shapes,
			 "pairs: GRU 8 %d, GRU 64 %d, %d of %d shapes", paired_gru8, paired_gru64, paired,
			 shapes);
	else
		printf("     no AVX2 here: every pair ran as two calls (checked the same way)\n");

	kcase("two channels of a knob model pair while their knobs agree, and not when they differ");
	{
		RfxModel *m = make_model(RFX_CELL_GRU, 1, 8, 2, RFX_MODE_EFFECT, 0, RFX_INIT_ZEROS, 77);
		RfxStream *a, *b, *sa, *sb;
		RT_OK(rfx_stream_create(m, &a));
		RT_OK(rfx_stream_create(m, &b));
		RT_OK(rfx_stream_create(m, &sa));
		RT_OK(rfx_stream_create(m, &sb));
		fill_signal(xa, N, &seed);
		fill_signal(xb, N, &seed);
		for (int i = 0; i < N; i += 1000) {
			/* equal, then different, then equal again */
			const float va = 0.3f, vb = i == 1000 ? -0.5f : 0.3f;
			rfx_stream_set_input(a, 1, va);
			rfx_stream_set_input(sa, 1, va);
			rfx_stream_set_input(b, 1, vb);
			rfx_stream_set_input(sb, 1, vb);
			RT_CHECK(rfx_stream_pairs(a, b) == (has_pairs && va == vb), "block %d: pairs %d",
				 i / 1000, rfx_stream_pairs(a, b));
			rfx_stream_process_pair(a, b, xa + i, xb + i, ya + i, yb + i, 1000);
			rfx_stream_process(sa, xa + i, ra + i, 1000);
			rfx_stream_process(sb, xb + i, rb + i, 1000);
		}
		RT_CHECK(memcmp(ya, ra, sizeof ya) == 0 && memcmp(yb, rb, sizeof yb) == 0,
			 "a knob model's pair differs from two calls");
		rfx_stream_destroy(a);
		rfx_stream_destroy(b);
		rfx_stream_destroy(sa);
		rfx_stream_destroy(sb);
		rfx_model_free(m);
	}

	kcase("streams that do not pair run as two calls, with the same output");
	for (int k = 0; k < 4; k++) {
		/* 0: different weights (one nudged by an ulp); 1: the generic kernel; 2: a shape with no
		 * paired loop (two layers, conditioning); 3: the same stream twice is refused. */
		const Config *cf = k == 2 ? &configs[2] : &configs[5];
		RfxModel *m = model_of(cf, 40), *m2 = model_of(cf, 40);
		m2->params[m2->n_params / 2] = nextafterf(m2->params[m2->n_params / 2], 1e9f);
		if (k == 1)
			setenv("RFX_KERNEL", "generic", 1);
		RfxStream *a, *b, *sa, *sb;
		RT_OK(rfx_stream_create(m, &a));
		RT_OK(rfx_stream_create(k == 0 ? m2 : m, &b));
		RT_OK(rfx_stream_create(m, &sa));
		RT_OK(rfx_stream_create(k == 0 ? m2 : m, &sb));
		restore_kernel();
		RT_CHECK(!rfx_stream_pairs(a, k == 3 ? a : b), "case %d pairs", k);
		RT_CHECK(!has_pairs || k != 0 || rfx_stream_pairs(a, sa), "the same model does not pair");
		fill_signal(xa, N, &seed);
		fill_signal(xb, N, &seed);
		rfx_stream_set_input(a, 1, 0.25f);
		rfx_stream_set_input(sa, 1, 0.25f);
		if (k == 3) {
			rfx_stream_process_pair(a, a, xa, xa, ya, ya, N);
			rfx_stream_process(sa, xa, ra, N);
			rfx_stream_process(sa, xa, ra, N);
			RT_CHECK(memcmp(ya, ra, sizeof ya) == 0, "a stream paired with itself");
		} else {
			run_pair_blocks(a, b, xa, xb, ya, yb, N, 0, &seed);
			rfx_stream_process(sa, xa, ra, N);
			rfx_stream_process(sb, xb, rb, N);
			RT_CHECK(memcmp(ya, ra, sizeof ya) == 0 && memcmp(yb, rb, sizeof yb) == 0,
				 "case %d: output differs from two calls", k);
		}
		rfx_stream_destroy(a);
		rfx_stream_destroy(b);
		rfx_stream_destroy(sa);
		rfx_stream_destroy(sb);
		rfx_model_free(m);
		rfx_model_free(m2);
	}
}

/* Widths that are not a multiple of 8 (8 < H < 64) are padded where the kernel has specialised
 * loops: the state is the padded width, and the units past H stay exactly 0 whatever the input
 * (NaN included); the generic kernel keeps the model's width. */
static void test_padded_width(void)
{
	uint64_t seed = rt_seed();
	enum { N = 3000 };
	static float x[N], y[N * 5];
	fill_signal(x, N, &seed);
	x[1000] = NAN;
	kcase("H 12, 20 and 44 run padded to a multiple of 8 where the specialised loops are");
	const int has_fx = kernel_runs("avx2");
	static const struct { RfxCellType cell; int layers, H; RfxOutputMode mode; } cases[] = {
		{ RFX_CELL_GRU, 1, 12, RFX_MODE_EFFECT },
		{ RFX_CELL_LSTM, 2, 20, RFX_MODE_EFFECT },
		{ RFX_CELL_GRU, 1, 44, RFX_MODE_CLASSIFIER },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		RfxModel *m = make_model(cases[i].cell, cases[i].layers, cases[i].H, 1, cases[i].mode,
					 cases[i].mode == RFX_MODE_EFFECT,
					 RFX_INIT_VECTOR, 900 + i);
		RfxStream *st, *ref;
		RT_OK(rfx_stream_create(m, &st));
		setenv("RFX_KERNEL", "generic", 1);
		RT_OK(rfx_stream_create(m, &ref));
		restore_kernel();
		rfx_stream_process(st, x, y, N);
		const int H = cases[i].H, W = has_fx ? (H + 7) / 8 * 8 : H;
		const int per_layer = cases[i].cell == RFX_CELL_LSTM ? 2 : 1;
		size_t n, nref;
		const float *s = rfx_stream_state(st, &n);
		rfx_stream_state(ref, &nref);
		RT_CHECK(n == (size_t)(W * cases[i].layers * per_layer), "%s H%d: state of %zu floats, expected %d",
			 rfx_cell_name(cases[i].cell), H, n, W * cases[i].layers * per_layer);
		RT_CHECK(nref == (size_t)(H * cases[i].layers * per_layer), "generic: %zu floats", nref);
		for (size_t j = 0; j < n && W > H; j++)
			RT_CHECK(j % (size_t)W < (size_t)H || s[j] == 0.0f, "%s H%d: padded unit %zu is %g",
				 rfx_cell_name(cases[i].cell), H, j, s[j]);
		rfx_stream_destroy(st);
		rfx_stream_destroy(ref);
		rfx_model_free(m);
	}
}

/* Everything but the kernel comparison, on the default kernel (or the forced one). */
static void default_kernel_cases(void)
{
	test_block_sizes();
	test_reset_and_copy();
	test_nonfinite();
	test_denormals();
	test_no_allocation();
	test_init_into_caller_memory();
	test_pairs();
	test_padded_width();
	test_state_guard_in_stacks();
	test_stacks_layer_by_layer();
	test_many_classes();
}

int main(void)
{
	default_kernel_cases();
	test_kernels_agree();
	test_wide_vectors();
	/* Where "avx512" is the default (AVX-512VL CPUs), the "avx2" row's specialised loops, the
	 * default on every other AVX2 CPU, get the same cases. */
	if (kernel_runs("avx512")) {
		forced_kernel = "avx2";
		restore_kernel();
		default_kernel_cases();
		forced_kernel = NULL;
		restore_kernel();
	}
	return rt_finish();
}
