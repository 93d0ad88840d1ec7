/* rnnfx test: the streaming forward pass against PyTorch.
 *
 * Every tests/fixtures/fwd_*.json (written by tests/gen_fixtures.py) holds a model in the rnnfx
 * format, an input sequence and PyTorch's float32 output for it. For each fixture this program
 *   1. loads the model through rfx_model_load_string (the file loader's text path),
 *   2. runs the whole input through one stream in a single call and compares the outputs and the
 *      state after the last step with PyTorch (a tolerance test, threshold below),
 *   3. runs it again through a fresh stream cut into random block sizes and requires the output to
 *      be bit-identical to step 2 (an exactness test: the stream promises output independent of
 *      how the input is cut), and
 *   4. when the machine chose a vector kernel, repeats step 2 with the generic (scalar reference)
 *      kernel forced through RFX_KERNEL=generic.
 *
 * Usage: test_reference [fixture-dir]   (default tests/fixtures, relative to the repository root,
 * where `make check` runs). Block sizes come from rt_seed(); RFX_TEST_SEED repeats a run.
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/model_file.h"
#include "../dsp/stream.h"
#include "harness.h"

/* PyTorch and rnnfx add the same products in different orders in float32 (PyTorch's GEMM blocks
 * versus rnnfx's packed gate-major loops), and rnnfx uses its own exp-based tanh and sigmoid with
 * absolute error below 2e-7 (dsp/fastmath.h) where PyTorch's are good to about an ulp. Both effects
 * are a few float32 ulps per step; the generator checks that every fixture is non-chaotic (PyTorch
 * float32 stays within 1e-6 of float64 over the whole sequence), so they cannot grow far: the worst
 * measured is 1.1e-6 (rnn_h64_l2_skip, generic kernel). 1e-5 leaves room for that while a wrong
 * gate order, a missing bias or a swapped z/(1-z) misses by 1e-2 or more. */
#define TOL_VS_PYTORCH 1e-5

/* 33 fixtures are committed; fewer than this means the directory is missing or half-checked-out. */
#define MIN_FIXTURES 30
#define MAX_FIXTURES 256

typedef struct {
	RfxModel *model;
	int T, I, O;      /* steps, inputs per step, outputs per step */
	float *audio;     /* [T]     input 0 */
	float *cond;      /* [I - 1] conditioning inputs, constant over time */
	float *expected;  /* [T * O] PyTorch's output */
	float *state;     /* [n_state] PyTorch's h of every layer, then c of every layer, after step T-1 */
	int n_state;
} Fixture;

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of dir/fwd_*.json (malloc'd); returns the count, or -1 when dir cannot be opened. */
static int list_fixtures(const char *dir, char **names, int max)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, "fwd_", 4) != 0 || len < 9 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_names);
	return n;
}

static void fixture_free(Fixture *f)
{
	rfx_model_free(f->model);
	free(f->audio);
	free(f->cond);
	free(f->expected);
	free(f->state);
	memset(f, 0, sizeof *f);
}

/* Reads an array of T rows of `width` numbers into out[T * width] (malloc'd). */
static int read_rows(json_t *rows, int width, float **out, char *why, size_t why_size)
{
	size_t T = json_array_size(rows);
	*out = malloc((T ? T : 1) * (size_t)width * sizeof **out);
	if (!*out) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	for (size_t t = 0; t < T; t++) {
		json_t *row = json_array_get(rows, t);
		if (json_array_size(row) != (size_t)width) {
			snprintf(why, why_size, "row %zu has %zu values, expected %d", t,
				 json_array_size(row), width);
			return -1;
		}
		for (int j = 0; j < width; j++) {
			json_t *v = json_array_get(row, (size_t)j);
			if (!json_is_number(v)) {
				snprintf(why, why_size, "row %zu value %d is not a number", t, j);
				return -1;
			}
			(*out)[t * (size_t)width + (size_t)j] = (float)json_number_value(v);
		}
	}
	return 0;
}

/* Splits the input rows into audio and the (constant) conditioning values. */
static int split_input(Fixture *f, const float *rows, char *why, size_t why_size)
{
	f->audio = malloc((size_t)f->T * sizeof *f->audio);
	f->cond = malloc((size_t)(f->I > 1 ? f->I - 1 : 1) * sizeof *f->cond);
	if (!f->audio || !f->cond) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	for (int j = 1; j < f->I; j++)
		f->cond[j - 1] = rows[j];
	for (int t = 0; t < f->T; t++) {
		f->audio[t] = rows[(size_t)t * f->I];
		for (int j = 1; j < f->I; j++)
			if (rows[(size_t)t * f->I + j] != f->cond[j - 1]) {
				/* A stream holds conditioning constant, so such a fixture cannot be replayed. */
				snprintf(why, why_size, "conditioning input %d changes at step %d", j, t);
				return -1;
			}
	}
	return 0;
}

/* Loads model, input and expected output of one fixture file; on failure says why. */
static int fixture_load(const char *path, Fixture *f, char *why, size_t why_size)
{
	memset(f, 0, sizeof *f);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root) {
		snprintf(why, why_size, "line %d: %s", jerr.line, jerr.text);
		return -1;
	}
	int rc = -1;
	float *in_rows = NULL;
	char *text = json_dumps(json_object_get(root, "model"), JSON_COMPACT);
	char detail[256] = "";
	RfxStatus st = text ? rfx_model_load_string(text, strlen(text), &f->model, detail, sizeof detail)
			    : RFX_ERR_FIELD;
	free(text);
	if (st != RFX_OK) {
		snprintf(why, why_size, "model: %s (%s)", rfx_strerror(st), detail);
		goto out;
	}
	json_t *input = json_object_get(root, "input"), *output = json_object_get(root, "output");
	f->T = (int)json_array_size(input);
	f->I = f->model->spec.n_inputs;
	f->O = f->model->spec.n_outputs;
	if (f->T < 1 || json_array_size(output) != (size_t)f->T) {
		snprintf(why, why_size, "%d input steps, %zu output steps", f->T, json_array_size(output));
		goto out;
	}
	json_t *state = json_object_get(root, "final_state");
	f->n_state = (int)json_array_size(state);
	json_t *state_rows = json_pack("[O]", state); /* one row, so read_rows can take it */
	int bad = !state_rows || f->n_state < 1 || read_rows(input, f->I, &in_rows, why, why_size) ||
		  split_input(f, in_rows, why, why_size) ||
		  read_rows(output, f->O, &f->expected, why, why_size) ||
		  read_rows(state_rows, f->n_state, &f->state, why, why_size);
	json_decref(state_rows);
	if (bad) {
		if (!why[0])
			snprintf(why, why_size, "'final_state' missing or empty");
		goto out;
	}
	rc = 0;
out:
	free(in_rows);
	json_decref(root);
	if (rc)
		fixture_free(f);
	return rc;
}

/* A stream for the fixture's model with its conditioning inputs set, or NULL (failure recorded). */
static RfxStream *open_stream(const Fixture *f)
{
	RfxStream *s = NULL;
	RfxStatus st = rfx_stream_create(f->model, &s);
	RT_CHECK(st == RFX_OK, "rfx_stream_create: %s", rfx_strerror(st));
	if (st != RFX_OK)
		return NULL;
	RT_CHECK(rfx_stream_n_outputs(s) == f->O, "stream has %d outputs, fixture %d",
		 rfx_stream_n_outputs(s), f->O);
	for (int j = 1; j < f->I; j++)
		rfx_stream_set_input(s, j, f->cond[j - 1]);
	return s;
}

/* The state after the last step, against PyTorch's h_n (and c_n). An LSTM cell state is unbounded
 * (it reaches 40 in one fixture), so the 1e-5 applies relative to its size past 1: float32 keeps
 * 24 bits whatever the magnitude. */
static double check_final_state(const RfxStream *s, const Fixture *f, const char *kernel)
{
	size_t n = 0;
	const float *state = rfx_stream_state(s, &n);
	RT_CHECK(state && n == (size_t)f->n_state, "stream state has %zu floats, fixture %d", n,
		 f->n_state);
	if (!state || n != (size_t)f->n_state)
		return INFINITY;
	double worst = 0.0;
	size_t worst_j = 0;
	for (size_t j = 0; j < n; j++) {
		double ref = f->state[j];
		double err = fabs((double)state[j] - ref) / (fabs(ref) > 1.0 ? fabs(ref) : 1.0);
		if (!(err <= worst)) { /* also catches NaN */
			worst = err;
			worst_j = j;
		}
	}
	RT_CHECK(worst <= TOL_VS_PYTORCH, "%s kernel, final state[%zu]: rnnfx %.9g, pytorch %.9g",
		 kernel ? kernel : "?", worst_j, state[worst_j], f->state[worst_j]);
	return worst;
}

/* Step 2: the whole input in one call, against PyTorch. Fills out[T * O]; returns whether the
 * stream ran the generic kernel. */
static int check_against_pytorch(const char *name, const Fixture *f, float *out)
{
	RfxStream *s = open_stream(f);
	if (!s)
		return 1;
	const char *kernel = rfx_stream_kernel_name(s);
	int generic = kernel && strcmp(kernel, "generic") == 0;
	rfx_stream_process(s, f->audio, out, (uint32_t)f->T);
	RT_CHECK(rfx_stream_nonfinite_count(s) == 0, "%u non-finite values caught",
		 rfx_stream_nonfinite_count(s));
	double state_err = check_final_state(s, f, kernel);
	rfx_stream_destroy(s);
	double worst = 0.0;
	int worst_i = 0;
	for (int i = 0; i < f->T * f->O; i++) {
		double err = fabs((double)out[i] - (double)f->expected[i]);
		if (!(err <= worst)) { /* also catches NaN */
			worst = err;
			worst_i = i;
		}
	}
	printf("     %-38s %-7s T=%3d  max |rnnfx - pytorch| = %.3g (step %d, output %d), "
	       "final state %.3g\n", name, kernel ? kernel : "?", f->T, worst, worst_i / f->O,
	       worst_i % f->O, state_err);
	fflush(stdout); /* keep this line ahead of any failure message on stderr in the log */
	RT_CHECK(worst <= TOL_VS_PYTORCH, "%s kernel, step %d output %d: rnnfx %.9g, pytorch %.9g",
		 kernel ? kernel : "?", worst_i / f->O, worst_i % f->O, out[worst_i],
		 f->expected[worst_i]);
	return generic;
}

/* Step 3: a fresh stream fed in random block sizes (0 included) must repeat `first` exactly. */
static void check_block_sizes(const Fixture *f, const float *first, float *out, uint64_t *rng)
{
	RfxStream *s = open_stream(f);
	if (!s)
		return;
	int t = 0;
	while (t < f->T) {
		int n = (int)(rt_rand_u64(rng) % 24); /* blocks of 0..23 samples */
		if (n > f->T - t)
			n = f->T - t;
		rfx_stream_process(s, f->audio + t, out + (size_t)t * f->O, (uint32_t)n);
		t += n;
	}
	rfx_stream_destroy(s);
	size_t n_out = (size_t)f->T * f->O;
	for (size_t i = 0; i < n_out; i++)
		if (memcmp(&out[i], &first[i], sizeof *out) != 0) {
			RT_CHECK(0, "random blocks: step %zu output %zu is %.9g, one call gave %.9g",
				 i / f->O, i % f->O, out[i], first[i]);
			break;
		}
}

static void restore_kernel_env(const char *saved)
{
	if (saved)
		setenv("RFX_KERNEL", saved, 1);
	else
		unsetenv("RFX_KERNEL");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fixtures";
	static char *names[MAX_FIXTURES];
	uint64_t rng = rt_seed();
	const char *env = getenv("RFX_KERNEL");
	char *saved_kernel = env ? strdup(env) : NULL;

	rt_case("fixture directory");
	int n = list_fixtures(dir, names, MAX_FIXTURES);
	RT_CHECK(n >= MIN_FIXTURES, "%s: %d fwd_*.json fixtures, expected at least %d (run from the "
		 "repository root)", dir, n, MIN_FIXTURES);

	for (int k = 0; k < n; k++) {
		char path[1024];
		char why[512] = "";
		Fixture f;
		snprintf(path, sizeof path, "%s/%s", dir, names[k]);
		rt_case(names[k]);
		if (fixture_load(path, &f, why, sizeof why) != 0) {
			RT_CHECK(0, "%s: %s", path, why);
			continue;
		}
		size_t n_out = (size_t)f.T * f.O;
		float *first = calloc(n_out, sizeof *first), *again = calloc(n_out, sizeof *again);
		if (first && again) {
			int generic = check_against_pytorch(names[k], &f, first);
			check_block_sizes(&f, first, again, &rng);
			if (!generic) {
				/* The scalar reference kernel answers to PyTorch too, and so do the
				 * general AVX2 loop that the specialised one-layer loops stand in front
				 * of and the SSE2 kernel of CPUs without AVX2, not only the kernel
				 * chosen on this machine (stream.c reads RFX_KERNEL at init). */
				static const char *const others[] = { "generic", "avx2-loop", "sse2" };
				for (size_t o = 0; o < sizeof others / sizeof others[0]; o++) {
					setenv("RFX_KERNEL", others[o], 1);
					check_against_pytorch(names[k], &f, again);
				}
				restore_kernel_env(saved_kernel);
			}
		} else {
			RT_CHECK(0, "out of memory");
		}
		free(first);
		free(again);
		fixture_free(&f);
	}
	int rc = rt_finish(); /* closes the last case while its name is still allocated */
	for (int k = 0; k < n; k++)
		free(names[k]);
	free(saved_kernel);
	return rc;
}
