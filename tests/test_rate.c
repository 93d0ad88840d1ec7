/* dsp/rate: a 48 kHz model at other host rates. Tolerance test: RfxRateStream against an offline
 * reference (whole-file libsamplerate best quality down, the model at 48 kHz, whole-file back up,
 * shifted by the reported latency), SNR >= 40 dB. Exactness tests: the reported latency equals an
 * impulse's measured delay; random block sizes and reset are bit-identical to one whole block;
 * equal rates are rfx_stream_process itself; NaN/Inf input is the same as 0. No allocation while
 * processing, counted inside libsamplerate too. Prints the SNR and CPU table for each quality. */
#include <errno.h>
#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/rate.h"
#include "harness.h"

/* Allocation counter over every malloc in the process, libsamplerate's included (a shared
 * library, which the linker's --wrap of test_stream.c would not see). Under ASan the sanitizer's
 * own hooks count; otherwise this program's malloc family takes precedence over libc's and
 * forwards to glibc's __libc_* entry points. */
static volatile long n_allocs = 0;
static volatile int counting = 0;
#if defined(__SANITIZE_ADDRESS__)
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC does not install). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));
static void on_alloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	if (counting)
		n_allocs++;
}
static void on_free(const volatile void *p) { (void)p; }
static void counter_install(void) { __sanitizer_install_malloc_and_free_hooks(on_alloc, on_free); }
#else
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t a, size_t n);
extern void __libc_free(void *p);
static inline void *counted(void *p)
{
	if (counting)
		n_allocs++;
	return p;
}
void *malloc(size_t n) { return counted(__libc_malloc(n)); }
void *calloc(size_t n, size_t m) { return counted(__libc_calloc(n, m)); }
void *realloc(void *p, size_t n) { return counted(__libc_realloc(p, n)); }
void *aligned_alloc(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
void *memalign(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
int posix_memalign(void **p, size_t a, size_t n)
{
	*p = counted(__libc_memalign(a, n));
	return *p ? 0 : ENOMEM;
}
void free(void *p) { __libc_free(p); }
static void counter_install(void) {}
#endif

#define MODEL_RATE 48000.0

/* A GRU effect "trained at 48 kHz": random weights scaled past PyTorch's default so the gates leave
 * their linear region, with skip. */
static RfxModel *make_gru(RfxOutputMode mode, uint64_t seed)
{
	RfxModelSpec s = {0};
	s.cell = RFX_CELL_GRU;
	s.n_layers = 1;
	s.n_inputs = 1;
	s.hidden = 16;
	s.mode = mode;
	s.n_outputs = mode == RFX_MODE_EFFECT ? 1 : 4;
	s.skip = mode == RFX_MODE_EFFECT;
	s.sample_rate = MODEL_RATE;
	RfxModel *m = NULL;
	if (rfx_model_new(&s, &m) != RFX_OK)
		return NULL;
	rfx_model_init_random(m, seed);
	for (size_t i = 0; i < m->n_params; i++)
		m->params[i] *= 3.0f;
	return m;
}

/* y = x: every weight 0 (the GRU state stays 0, the head adds 0), skip on. Linear, so a click
 * shows the delay of the whole chain. */
static RfxModel *make_identity(void)
{
	RfxModelSpec s = {0};
	s.cell = RFX_CELL_GRU;
	s.n_layers = 1;
	s.n_inputs = 1;
	s.hidden = 4;
	s.mode = RFX_MODE_EFFECT;
	s.n_outputs = 1;
	s.skip = 1;
	s.sample_rate = MODEL_RATE;
	RfxModel *m = NULL;
	return rfx_model_new(&s, &m) == RFX_OK ? m : NULL;
}

/* Guitar-like: a new note every 0.25 s, partials k * f0 below 8 kHz with amplitude 1/k and faster
 * decay for higher partials; the notes ring over each other. Band-limited well below every
 * Nyquist in the test, so the resamplers' stop bands do not matter for the input. */
static void guitar(float *x, size_t n, double rate, uint64_t *seed)
{
	memset(x, 0, n * sizeof *x);
	const size_t step = (size_t)(0.25 * rate);
	for (size_t start = 0; start < n; start += step) {
		const double f0 = 82.0 * pow(2.0, rt_rand_uniform(seed, 0.0f, 3.0f));
		const double amp = rt_rand_uniform(seed, 0.15f, 0.35f);
		for (int k = 1; k * f0 < 8000.0; ++k) {
			const double w = 2.0 * M_PI * k * f0 / rate, d = (2.0 + 1.5 * k) / rate;
			const double ph = rt_rand_uniform(seed, 0.0f, 6.28f);
			for (size_t i = start; i < n && i < start + (size_t)(4 * rate); ++i) {
				const double t = (double)(i - start);
				x[i] += (float)(amp / k * exp(-d * t) * sin(w * t + ph));
			}
		}
	}
}

/* Whole-file conversion with libsamplerate's best converter; returns frames written. */
static size_t offline(const float *in, size_t n, float *out, size_t cap, double ratio)
{
	SRC_DATA d = {0};
	d.data_in = in;
	d.input_frames = (long)n;
	d.data_out = out;
	d.output_frames = (long)cap;
	d.src_ratio = ratio;
	int err = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
	RT_CHECK(err == 0, "src_simple: %s", src_strerror(err));
	return err ? 0 : (size_t)d.output_frames_gen;
}

/* The reference output at the host rate: down to 48 kHz, the model, back up. */
static size_t reference(const RfxModel *m, const float *x, size_t n, double host, float *y)
{
	const size_t cap = (size_t)(n * MODEL_RATE / host) + 64;
	float *xm = malloc(cap * sizeof *xm), *ym = malloc(cap * sizeof *ym);
	size_t nm = offline(x, n, xm, cap, MODEL_RATE / host);
	RfxStream *st = NULL;
	RT_CHECK(rfx_stream_create(m, &st) == RFX_OK, "stream");
	if (st)
		rfx_stream_process(st, xm, ym, (uint32_t)nm);
	rfx_stream_destroy(st);
	size_t ny = offline(ym, nm, y, n + 64, host / MODEL_RATE);
	free(xm);
	free(ym);
	return ny;
}

static RfxRateStream *make_rate(const RfxModel *m, double host, RfxRateQuality q)
{
	RfxRateStream *rs = NULL;
	char detail[256];
	RfxStatus st = rfx_rate_create(m, host, q, &rs, detail, sizeof detail);
	RT_CHECK(st == RFX_OK, "rfx_rate_create at %g Hz: %s (%s)", host, rfx_strerror(st), detail);
	return rs;
}

/* Runs x through rs in blocks of random length 0..max_block (max_block 0: one whole block). */
static void run_blocks(RfxRateStream *rs, const float *x, float *y, size_t n, uint32_t max_block,
		       uint64_t *seed)
{
	for (size_t i = 0; i < n;) {
		uint32_t len = max_block ? (uint32_t)(rt_rand_u64(seed) % (max_block + 1)) : (uint32_t)n;
		if (len > n - i)
			len = (uint32_t)(n - i);
		rfx_rate_process(rs, x + i, y + i, len);
		i += len;
	}
}

static double snr_db(const float *ref, const float *y, size_t n)
{
	double s = 0.0, e = 0.0;
	for (size_t i = 0; i < n; ++i) {
		s += (double)ref[i] * ref[i];
		e += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
	}
	return 10.0 * log10(s / (e > 1e-30 ? e : 1e-30));
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Streaming vs the offline reference at one host rate and quality; returns the SNR in dB and
 * the CPU time per second of audio through `cpu`. */
static double compare(const RfxModel *m, double host, RfxRateQuality q, double *cpu)
{
	uint64_t seed = rt_seed();
	const size_t n = (size_t)(2.0 * host);
	float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *ref = malloc((n + 64) * sizeof *ref);
	guitar(x, n, host, &seed);
	size_t nref = reference(m, x, n, host, ref);
	RfxRateStream *rs = make_rate(m, host, q);
	double snr = -1.0;
	if (rs) {
		double t0 = now_s();
		run_blocks(rs, x, y, n, 512, &seed);
		*cpu = (now_s() - t0) / 2.0;
		const size_t L = rfx_rate_latency(rs);
		/* Warm-up: 0.1 s, past both resamplers' start-up and the model's response to it; the
		 * last 0.1 s is left out too (the offline reference ends with its end-of-input flush). */
		const size_t warm = (size_t)(0.1 * host), tail = (size_t)(0.1 * host);
		const size_t end = (nref < n ? nref : n) - L - tail;
		snr = snr_db(ref + warm, y + warm + L, end - warm);
		RT_CHECK(rfx_rate_fault_count(rs) == 0, "%u faults", rfx_rate_fault_count(rs));
		rfx_rate_destroy(rs);
	}
	free(x);
	free(y);
	free(ref);
	return snr;
}

static void test_against_reference(void)
{
	static const double hosts[] = {44100.0, 88200.0, 96000.0};
	static const char *qname[] = {"fast", "medium", "best"};
	RfxModel *m = make_gru(RFX_MODE_EFFECT, 7);
	/* The model must be clearly nonlinear, or the test only checks the resamplers: its output
	 * at 48 kHz must differ from the best linear fit (a gain) by more than -40 dB. */
	rt_case("the test model is nonlinear");
	{
		uint64_t seed = 11;
		enum { N = 48000 };
		float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
		guitar(x, N, MODEL_RATE, &seed);
		RfxStream *st = NULL;
		RT_CHECK(rfx_stream_create(m, &st) == RFX_OK, "stream");
		rfx_stream_process(st, x, y, N);
		rfx_stream_destroy(st);
		double xy = 0, xx = 0;
		for (int i = 0; i < N; ++i) {
			xy += (double)x[i] * y[i];
			xx += (double)x[i] * x[i];
		}
		for (int i = 0; i < N; ++i)
			x[i] = (float)(x[i] * xy / xx);
		double lin = snr_db(y, x, N);
		printf("model output vs best gain: %.1f dB\n", lin);
		RT_CHECK(lin < 20.0, "the model is nearly linear (%.1f dB)", lin);
		free(x);
		free(y);
	}
	for (int h = 0; h < 3; ++h) {
		char name[96];
		snprintf(name, sizeof name, "SNR vs offline best-quality reference, host %.1f kHz",
			 hosts[h] / 1000);
		rt_case(name);
		for (int q = 0; q < RFX_RATE_QUALITY_COUNT; ++q) {
			double cpu = 0.0;
			double snr = compare(m, hosts[h], (RfxRateQuality)q, &cpu);
			printf("host %6.0f Hz, %-6s: SNR %6.1f dB, CPU %.2f ms per second of audio\n",
			       hosts[h], qname[q], snr, 1e3 * cpu);
			/* 40 dB: the brief's bar for the quality the plugin uses; the others are
			 * reported only. */
			if (q == RFX_RATE_QUALITY_DEFAULT)
				RT_CHECK(snr >= 40.0, "%s: SNR %.1f dB < 40 dB", qname[q], snr);
		}
	}
	rfx_model_free(m);
}

/* A click through the identity model: the output peak sits `latency` samples after it. */
static void test_latency(void)
{
	static const double hosts[] = {44100.0, 88200.0, 96000.0, 22050.0, 32000.0, 8000.0, 192000.0};
	RfxModel *m = make_identity();
	for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; ++h) {
		char name[96];
		snprintf(name, sizeof name, "impulse delay == rfx_rate_latency, host %g Hz", hosts[h]);
		rt_case(name);
		RfxRateStream *rs = make_rate(m, hosts[h], RFX_RATE_QUALITY_DEFAULT);
		if (!rs)
			continue;
		enum { N = 8192, CLICK = 3000 };
		static float x[N], y[N];
		memset(x, 0, sizeof x);
		x[CLICK] = 1.0f;
		uint64_t seed = rt_seed();
		run_blocks(rs, x, y, N, 300, &seed);
		size_t peak = 0;
		for (size_t i = 1; i < N; ++i)
			if (fabsf(y[i]) > fabsf(y[peak]))
				peak = i;
		const long L = (long)rfx_rate_latency(rs), delay = (long)peak - CLICK;
		printf("host %6.0f Hz: latency %ld, click delay %ld, peak %.3f\n", hosts[h], L, delay,
		       y[peak]);
		/* Within one sample: the brief's bar. (The converters are time-aligned, so the peak
		 * lands exactly; a peak off by more would mean the FIFO priming is miscounted.) */
		RT_CHECK(labs(delay - L) <= 1, "latency %ld, measured %ld", L, delay);
		RT_CHECK(L > 0, "no latency while resampling");
		RT_CHECK(rfx_rate_fault_count(rs) == 0, "%u faults", rfx_rate_fault_count(rs));
		rfx_rate_destroy(rs);
	}
	rfx_model_free(m);
}

/* Random block sizes (0 and 1 included), one-sample blocks and reset: bit-identical output. */
static void test_blocks_and_reset(void)
{
	static const double hosts[] = {44100.0, 96000.0, 8000.0, 192000.0, 47999.0};
	RfxModel *m = make_gru(RFX_MODE_EFFECT, 3);
	for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; ++h) {
		char name[96];
		snprintf(name, sizeof name, "block sizes and reset bit-identical, host %g Hz", hosts[h]);
		rt_case(name);
		RfxRateStream *rs = make_rate(m, hosts[h], RFX_RATE_QUALITY_DEFAULT);
		if (!rs)
			continue;
		uint64_t seed = rt_seed();
		enum { N = 20000 };
		static float x[N], ref[N], y[N];
		guitar(x, N, hosts[h], &seed);
		run_blocks(rs, x, ref, N, 0, &seed);
		static const uint32_t maxes[] = {1, 3, 64, 700, 5000};
		for (size_t b = 0; b < sizeof maxes / sizeof maxes[0]; ++b) {
			rfx_rate_reset(rs);
			run_blocks(rs, x, y, N, maxes[b], &seed);
			RT_CHECK(memcmp(ref, y, sizeof y) == 0,
				 "blocks of 0..%u differ from one whole block (seed %llu)", maxes[b],
				 (unsigned long long)rt_seed());
		}
		/* in == out */
		rfx_rate_reset(rs);
		memcpy(y, x, sizeof y);
		run_blocks(rs, y, y, N, 300, &seed);
		RT_CHECK(memcmp(ref, y, sizeof y) == 0, "in-place differs");
		int varied = 0;
		for (int i = 1; i < N; ++i)
			varied |= ref[i] != ref[0];
		RT_CHECK(varied, "constant output");
		RT_CHECK(rfx_rate_fault_count(rs) == 0, "%u faults", rfx_rate_fault_count(rs));
		rfx_rate_destroy(rs);
	}
	rfx_model_free(m);
}

static void test_passthrough(void)
{
	rt_case("equal rates: rfx_stream_process itself, latency 0 (classifier too)");
	for (int mode = 0; mode < RFX_MODE_COUNT; ++mode) {
		RfxModel *m = make_gru((RfxOutputMode)mode, 5);
		RfxRateStream *rs = make_rate(m, MODEL_RATE + 0.25, RFX_RATE_QUALITY_DEFAULT);
		RfxStream *st = NULL;
		RT_CHECK(rfx_stream_create(m, &st) == RFX_OK, "stream");
		if (!rs || !st)
			return;
		RT_CHECK(rfx_rate_latency(rs) == 0, "latency %u", rfx_rate_latency(rs));
		RT_CHECK(!rfx_rate_is_resampling(rs), "resampling at equal rates");
		const int O = rfx_rate_n_outputs(rs);
		RT_CHECK(O == rfx_stream_n_outputs(st), "outputs %d", O);
		enum { N = 5000 };
		uint64_t seed = rt_seed();
		static float x[N], a[N * 4], b[N * 4];
		guitar(x, N, MODEL_RATE, &seed);
		rfx_stream_process(st, x, a, N);
		run_blocks(rs, x, b, N, 0, &seed);
		RT_CHECK(memcmp(a, b, (size_t)N * O * sizeof *a) == 0, "differs from the plain stream");
		rfx_rate_destroy(rs);
		rfx_stream_destroy(st);
		rfx_model_free(m);
	}
}

/* rfx_rate_process_pair: the same output as rfx_rate_process on each channel, at the model's rate
 * (through the paired loop) and resampling (one after the other). */
static void test_pair(void)
{
	rt_case("pair of channels: the same output as one channel at a time");
	enum { N = 4000 };
	static float xa[N], xb[N], ya[N], yb[N], ra[N], rb[N];
	uint64_t seed = rt_seed();
	RfxModel *m = make_gru(RFX_MODE_EFFECT, 8);
	static const double hosts[] = { MODEL_RATE, 44100.0 };
	for (int k = 0; k < 2; ++k) {
		RfxRateStream *a = make_rate(m, hosts[k], RFX_RATE_QUALITY_DEFAULT);
		RfxRateStream *b = make_rate(m, hosts[k], RFX_RATE_QUALITY_DEFAULT);
		RfxRateStream *sa = make_rate(m, hosts[k], RFX_RATE_QUALITY_DEFAULT);
		RfxRateStream *sb = make_rate(m, hosts[k], RFX_RATE_QUALITY_DEFAULT);
		if (!a || !b || !sa || !sb)
			return;
		guitar(xa, N, hosts[k], &seed);
		guitar(xb, N, hosts[k], &seed);
		for (int i = 0; i < N;) {
			const int len = 1 + (int)(rt_rand_u64(&seed) % 300);
			const int n = len < N - i ? len : N - i;
			rfx_rate_process_pair(a, b, xa + i, xb + i, ya + i, yb + i, (uint32_t)n);
			i += n;
		}
		rfx_rate_process(sa, xa, ra, N);
		rfx_rate_process(sb, xb, rb, N);
		RT_CHECK(memcmp(ya, ra, sizeof ya) == 0 && memcmp(yb, rb, sizeof yb) == 0,
			 "at %g Hz the pair differs from one channel at a time", hosts[k]);
		rfx_rate_destroy(a);
		rfx_rate_destroy(b);
		rfx_rate_destroy(sa);
		rfx_rate_destroy(sb);
	}
	rfx_model_free(m);
}

static void test_refusals(void)
{
	rt_case("refusals: classifier at another rate, bad rates, ratio too large");
	RfxModel *c = make_gru(RFX_MODE_CLASSIFIER, 1), *e = make_gru(RFX_MODE_EFFECT, 1);
	RfxRateStream *rs = (RfxRateStream *)1;
	char detail[256];
	RT_CHECK(rfx_rate_create(c, 44100.0, RFX_RATE_QUALITY_DEFAULT, &rs, detail, sizeof detail) ==
			 RFX_ERR_INVALID && rs == NULL,
		 "classifier at 44.1 kHz accepted");
	RT_CHECK(strstr(detail, "classifier") != NULL, "detail: %s", detail);
	RT_CHECK(rfx_rate_create(e, 0.0, RFX_RATE_QUALITY_DEFAULT, &rs, NULL, 0) == RFX_ERR_INVALID,
		 "rate 0 accepted");
	RT_CHECK(rfx_rate_create(e, NAN, RFX_RATE_QUALITY_DEFAULT, &rs, NULL, 0) == RFX_ERR_INVALID,
		 "NaN rate accepted");
	RT_CHECK(rfx_rate_create(e, 2000.0, RFX_RATE_QUALITY_DEFAULT, &rs, detail, sizeof detail) ==
			 RFX_ERR_INVALID,
		 "ratio 24 accepted");
	RT_CHECK(rfx_rate_create(e, 44100.0, RFX_RATE_QUALITY_COUNT, &rs, NULL, 0) == RFX_ERR_INVALID,
		 "unknown quality accepted");
	RT_CHECK(rfx_rate_create(NULL, 44100.0, RFX_RATE_QUALITY_DEFAULT, &rs, NULL, 0) ==
			 RFX_ERR_INVALID,
		 "NULL model accepted");
	rfx_model_free(c);
	rfx_model_free(e);
}

/* NaN/Inf input behaves exactly as 0 (it never reaches the converter); output stays finite. */
static void test_nonfinite(void)
{
	rt_case("NaN/Inf input == 0 input, output finite");
	RfxModel *m = make_gru(RFX_MODE_EFFECT, 9);
	RfxRateStream *a = make_rate(m, 44100.0, RFX_RATE_QUALITY_DEFAULT);
	RfxRateStream *b = make_rate(m, 44100.0, RFX_RATE_QUALITY_DEFAULT);
	if (!a || !b)
		return;
	enum { N = 6000 };
	uint64_t seed = rt_seed();
	static float x[N], z[N], ya[N], yb[N];
	guitar(x, N, 44100.0, &seed);
	memcpy(z, x, sizeof z);
	for (int i = 1000; i < N; i += 500) {
		x[i] = (i / 500) % 2 ? NAN : -INFINITY;
		z[i] = 0.0f;
	}
	run_blocks(a, x, ya, N, 200, &seed);
	run_blocks(b, z, yb, N, 200, &seed);
	RT_CHECK(memcmp(ya, yb, sizeof ya) == 0, "NaN/Inf input differs from zeros");
	int finite = 1;
	for (int i = 0; i < N; ++i)
		finite &= isfinite(ya[i]) != 0;
	RT_CHECK(finite, "non-finite output");
	RT_CHECK(rfx_rate_nonfinite_count(a) == 10, "nonfinite count %u", rfx_rate_nonfinite_count(a));
	rfx_rate_destroy(a);
	rfx_rate_destroy(b);
	rfx_model_free(m);
}

static void test_no_alloc(void)
{
	rt_case("no allocation in process, reset, set_input (libsamplerate counted)");
	RfxModel *m = make_gru(RFX_MODE_EFFECT, 4);
	RfxRateStream *rs = make_rate(m, 44100.0, RFX_RATE_QUALITY_DEFAULT);
	if (!rs)
		return;
	enum { N = 20000 };
	uint64_t seed = rt_seed();
	static float x[N], y[N];
	guitar(x, N, 44100.0, &seed);
	/* valgrind replaces malloc with its own, past our counter (tests/run-tests.sh says when it
	 * runs the tests under it): there this case is void, and memcheck is the point of the run. */
	if (getenv("RFX_TEST_VALGRIND")) {
		printf("     (under valgrind the allocation counter cannot see malloc: not checked)\n");
		rfx_rate_destroy(rs);
		rfx_model_free(m);
		return;
	}
	/* The counter must see allocations at all, or a zero below proves nothing. */
	counting = 1;
	void *probe = malloc(16);
	counting = 0;
	free(probe);
	RT_CHECK(n_allocs == 1, "the counter missed a malloc (%ld)", n_allocs);
	n_allocs = 0;
	counting = 1;
	run_blocks(rs, x, y, N, 1000, &seed);
	rfx_rate_reset(rs);
	rfx_rate_set_input(rs, 1, 0.5f);
	run_blocks(rs, x, y, N, 1, &seed);
	counting = 0;
	RT_CHECK(n_allocs == 0, "%ld allocations while processing", n_allocs);
	rfx_rate_destroy(rs);
	rfx_model_free(m);
}

int main(void)
{
	counter_install();
	test_passthrough();
	test_pair();
	test_refusals();
	test_latency();
	test_blocks_and_reset();
	test_nonfinite();
	test_no_alloc();
	test_against_reference();
	return rt_finish();
}
