/* Importers and the AIDA-X exporter: foreign files compute what their own programs compute, an
 * exported model comes back bit for bit, and every way a foreign file can be wrong is refused with
 * a sentence naming the problem.
 *
 * tests/fixtures/import_* are written by tests/gen_import_fixtures.py from PyTorch modules with
 * random weights, converted by hand to each format's layout; <name>.expected.json holds a fixed
 * input and the output PyTorch computed for it. A converter that swapped two gates would miss
 * those outputs by far more than the tolerance ("a swapped gate is caught" shows by how much).
 *
 * Error cases start from a small valid text per format and change one thing in it, so each case
 * tests exactly the fault it names.
 *
 * Usage: test_import [fixture-dir]   (default tests/fixtures, relative to the repository root)
 */
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../dsp/import.h"
#include "../dsp/model_file.h"
#include "../dsp/stream.h"

/* rnnfx against PyTorch float32: the sums run in another order and the activations are rnnfx's
 * own (within 2e-7, docs/cells.md), which costs about 1e-6 on these runs; the generator refuses a
 * fixture whose float32 and float64 outputs differ by more than 1e-6. */
#define OUTPUT_TOL 1e-5
/* A swapped gate must miss by this much at least, or the fixtures could not catch one. */
#define SWAP_MIN_ERROR 1e-2

static const char *fixture_dir = "tests/fixtures";

static const char *const fixtures[][2] = {
	{ "import_aidax_gru", "json" },      { "import_aidax_lstm", "json" },
	{ "import_aidax_lstm_skipgain", "json" }, { "import_aidax_gru_plain", "json" },
	{ "import_nam_lstm1", "nam" },       { "import_nam_lstm2", "nam" },
	{ "import_guitarml_lstm", "json" },  { "import_guitarml_gru", "json" },
};
#define N_FIXTURES ((int)(sizeof fixtures / sizeof fixtures[0]))

/* ------------------------------------------------------------------ helpers */

/* A copy of s with the first `from` replaced by `to`; a missing `from` is a failure of the test
 * itself (the case would otherwise test nothing). */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	RT_CHECK(at != NULL, "test bug: '%s' not in the base text", from);
	if (!at)
		return strdup(s);
	size_t a = (size_t)(at - s), nf = strlen(from), nt = strlen(to), ns = strlen(s);
	char *r = malloc(ns - nf + nt + 1);
	if (!r)
		abort();
	memcpy(r, s, a);
	memcpy(r + a, to, nt);
	memcpy(r + a + nt, at + nf, ns - a - nf + 1);
	return r;
}

static RfxStatus import_text(const char *text, RfxModel **m, RfxImportFormat *f, char *detail,
			     size_t size)
{
	return rfx_model_import_string(text, strlen(text), m, f, detail, size);
}

/* Worst |y - expected| over the run; the stream gets `x` scaled by the host's input gain and its
 * output is scaled by the host's output gain (both 1 unless the gains stayed in the metadata). */
static double run_against(const RfxModel *m, json_t *exp, double *max_abs_out)
{
	json_t *in = json_object_get(exp, "input"), *out = json_object_get(exp, "output");
	json_t *cond = json_object_get(exp, "cond");
	const double g_in = pow(10, json_number_value(json_object_get(exp, "host_in_gain_db")) / 20);
	const double g_out = pow(10, json_number_value(json_object_get(exp, "host_out_gain_db")) / 20);
	const size_t T = json_array_size(in);
	RfxStream *st = NULL;
	if (rfx_stream_create(m, &st) != RFX_OK || T == 0 || json_array_size(out) != T)
		return INFINITY;
	/* The file's parameters are the model's knobs param1, param2 ("unit": taken as they are, 0 to
	 * 1), so settings by name (rnnfx-run --knob param1=V, the plugin's knob ports) give the
	 * inputs the reference ran with; a reference value outside 0..1 (which a knob clamps) is set
	 * as the raw input (rnnfx-run --cond). */
	RfxKnobSetting set[RFX_MAX_KNOBS];
	char names[RFX_MAX_KNOBS][16];
	const int n_cond = (int)json_array_size(cond);
	for (int k = 0; k < n_cond && k < RFX_MAX_KNOBS; k++) {
		snprintf(names[k], sizeof names[k], "param%d", k + 1);
		set[k] = (RfxKnobSetting){ names[k], strlen(names[k]),
					   json_number_value(json_array_get(cond, (size_t)k)) };
	}
	int idx[RFX_MAX_KNOBS];
	float val[RFX_MAX_KNOBS];
	char why[256];
	const int nk = rfx_model_knob_inputs(m, set, n_cond, idx, val, NULL, why, sizeof why);
	RT_CHECK(nk == n_cond, "%d knobs for %d parameters: %s", nk, n_cond, why);
	for (int k = 0; k < nk; k++) {
		const int in_range = set[k].value >= 0 && set[k].value <= 1;
		RT_CHECK(idx[k] == k + 1 && (!in_range || val[k] == (float)set[k].value),
			 "param%d -> input %d = %g, expected %g", k + 1, idx[k], val[k], set[k].value);
		rfx_stream_set_input(st, k + 1, in_range ? val[k] : (float)set[k].value);
	}
	float *buf = malloc(sizeof(float) * T);
	double worst = 0;
	*max_abs_out = 0;
	for (size_t t = 0; buf && t < T; t++)
		buf[t] = (float)(json_number_value(json_array_get(in, t)) * g_in);
	/* uneven blocks: the result must not depend on them */
	for (size_t t = 0; buf && t < T; t += 7)
		rfx_stream_process(st, buf + t, buf + t, (uint32_t)(T - t < 7 ? T - t : 7));
	for (size_t t = 0; buf && t < T; t++) {
		double y = json_number_value(json_array_get(out, t));
		worst = fmax(worst, fabs(buf[t] * g_out - y));
		*max_abs_out = fmax(*max_abs_out, fabs(y));
	}
	if (!buf)
		worst = INFINITY;
	free(buf);
	rfx_stream_destroy(st);
	return worst;
}

static json_t *load_expected(const char *name)
{
	char path[512];
	json_error_t err;
	snprintf(path, sizeof path, "%s/%s.expected.json", fixture_dir, name);
	json_t *e = json_load_file(path, 0, &err);
	RT_CHECK(e != NULL, "%s: %s (run from the repository root)", path, err.text);
	return e;
}

static RfxModel *load_fixture(int i, RfxImportFormat *f, char *detail, size_t size)
{
	char path[512];
	RfxModel *m = NULL;
	snprintf(path, sizeof path, "%s/%s.%s", fixture_dir, fixtures[i][0], fixtures[i][1]);
	RfxStatus st = rfx_model_import_file(path, &m, f, detail, size);
	RT_CHECK(st == RFX_OK, "%s: %s: %s", path, rfx_strerror(st), detail);
	return m;
}

static int fixture_index(const char *name)
{
	for (int i = 0; i < N_FIXTURES; i++)
		if (strcmp(fixtures[i][0], name) == 0)
			return i;
	abort(); /* a test bug: the names are all in the table above */
}

static int same_model(const RfxModel *a, const RfxModel *b)
{
	return memcmp(&a->spec, &b->spec, sizeof a->spec) == 0 && a->n_params == b->n_params &&
	       memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0;
}

/* ------------------------------------------------------------------ fixtures against PyTorch */

static void check_spec(const char *name, const RfxModel *m, RfxImportFormat f, json_t *e)
{
	const RfxModelSpec *s = &m->spec;
	const char *init = json_string_value(json_object_get(e, "init"));
	RT_CHECK(strcmp(rfx_import_format_name(f), json_string_value(json_object_get(e, "format"))) == 0,
		 "%s: format %s", name, rfx_import_format_name(f));
	RT_CHECK(strcmp(rfx_cell_name(s->cell), json_string_value(json_object_get(e, "cell"))) == 0,
		 "%s: cell %s", name, rfx_cell_name(s->cell));
	RT_CHECK(s->n_layers == json_integer_value(json_object_get(e, "layers")) &&
		 s->n_inputs == json_integer_value(json_object_get(e, "inputs")) &&
		 s->hidden == json_integer_value(json_object_get(e, "hidden")),
		 "%s: L=%d I=%d H=%d", name, s->n_layers, s->n_inputs, s->hidden);
	RT_CHECK(s->mode == RFX_MODE_EFFECT && s->n_outputs == 1, "%s: not a 1-output effect", name);
	RT_CHECK(s->skip == json_is_true(json_object_get(e, "skip")), "%s: skip %d", name, s->skip);
	RT_CHECK(s->sample_rate == json_number_value(json_object_get(e, "sample_rate")),
		 "%s: sample rate %g", name, s->sample_rate);
	for (int l = 0; l < s->n_layers; l++)
		RT_CHECK(s->init[l] == (strcmp(init, "vector") == 0 ? RFX_INIT_VECTOR : RFX_INIT_ZEROS),
			 "%s: layer %d initial state kind %d", name, l, (int)s->init[l]);
	RT_CHECK(m->metadata && strstr(m->metadata, "\"source_format\":\"") &&
		 strstr(m->metadata, name), "%s: metadata %s", name,
		 m->metadata ? m->metadata : "(none)");
}

static void test_fixtures(void)
{
	for (int i = 0; i < N_FIXTURES; i++) {
		char cname[96], detail[256];
		RfxImportFormat f;
		snprintf(cname, sizeof cname, "%s matches PyTorch", fixtures[i][0]);
		rt_case(cname);
		json_t *e = load_expected(fixtures[i][0]);
		RfxModel *m = load_fixture(i, &f, detail, sizeof detail);
		if (e && m) {
			double peak = 0, err = 0;
			check_spec(fixtures[i][0], m, f, e);
			err = run_against(m, e, &peak);
			RT_CHECK(err <= OUTPUT_TOL, "%s: worst difference %g (tolerance %g)",
				 fixtures[i][0], err, OUTPUT_TOL);
			/* an output that stays near 0 would compare well whatever the weights */
			RT_CHECK(peak > 0.1, "%s: outputs peak at %g, too small to test anything",
				 fixtures[i][0], peak);
			/* the gains of a skip model that could not be folded come with a note */
			int host_gain = json_number_value(json_object_get(e, "host_in_gain_db")) != 0;
			RT_CHECK(host_gain == (detail[0] != '\0'), "%s: note \"%s\"", fixtures[i][0], detail);
			printf("  %s: worst difference %.3g\n", fixtures[i][0], err);
		}
		rfx_model_free(m);
		json_decref(e);
	}
}

/* Swaps gate blocks a and b in every tensor of layer 0: the mistake an importer would make by
 * taking Keras's z, r as PyTorch's r, z. */
static void swap_blocks(RfxModel *m, int a, int b)
{
	const char *names[] = { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" };
	for (int k = 0; k < 4; k++) {
		RfxTensor *t = rfx_model_tensor(m, names[k]);
		const size_t n = (size_t)m->spec.hidden * (size_t)t->cols;
		for (size_t j = 0; j < n; j++) {
			float tmp = t->data[(size_t)a * n + j];
			t->data[(size_t)a * n + j] = t->data[(size_t)b * n + j];
			t->data[(size_t)b * n + j] = tmp;
		}
	}
}

static void test_swapped_gate(void)
{
	rt_case("a swapped gate is caught by every fixture");
	for (int i = 0; i < N_FIXTURES; i++) {
		char detail[256];
		json_t *e = load_expected(fixtures[i][0]);
		RfxModel *m = load_fixture(i, NULL, detail, sizeof detail);
		if (e && m) {
			double peak;
			/* GRU: r <-> z (Keras z, r order); LSTM: i <-> f */
			swap_blocks(m, 0, 1);
			double err = run_against(m, e, &peak);
			RT_CHECK(err > SWAP_MIN_ERROR, "%s: with gates 0 and 1 swapped the output only "
				 "moves by %g", fixtures[i][0], err);
			printf("  %s: swapped gates miss by %.3g\n", fixtures[i][0], err);
		}
		rfx_model_free(m);
		json_decref(e);
	}
}

/* ------------------------------------------------------------------ exact layouts */

static const char aidax_base[] =
	"{\"in_shape\": [null, null, 1], \"in_skip\": 0, \"in_gain\": 0, \"out_gain\": 0, "
	"\"metadata\": {\"name\": \"tiny\", \"samplerate\": \"48000\"}, \"layers\": ["
	"{\"type\": \"gru\", \"activation\": \"\", \"shape\": [null, null, 1], \"weights\": "
	"[[[0.1, 0.2, 0.3]], [[0.4, 0.5, 0.6]], [[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]]]}, "
	"{\"type\": \"dense\", \"activation\": \"\", \"shape\": [null, null, 1], \"weights\": "
	"[[[0.7]], [0.08]]}]}";

static const char nam_base[] =
	"{\"version\": \"0.5.4\", \"architecture\": \"LSTM\", \"config\": {\"input_size\": 1, "
	"\"hidden_size\": 1, \"num_layers\": 1}, \"sample_rate\": 48000, \"metadata\": "
	"{\"loudness\": -18}, \"weights\": [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, "
	"0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16]}";

static const char guitarml_base[] =
	"{\"model_data\": {\"model\": \"SimpleRNN\", \"input_size\": 1, \"skip\": 1, "
	"\"output_size\": 1, \"unit_type\": \"GRU\", \"num_layers\": 1, \"hidden_size\": 1, "
	"\"bias_fl\": true}, \"state_dict\": {\"rec.weight_ih_l0\": [[0.1], [0.2], [0.3]], "
	"\"rec.weight_hh_l0\": [[0.4], [0.5], [0.6]], \"rec.bias_ih_l0\": [0.01, 0.02, 0.03], "
	"\"rec.bias_hh_l0\": [0.04, 0.05, 0.06], \"lin.weight\": [[0.7]], \"lin.bias\": [0.08]}}";

static void expect_tensor(const RfxModel *m, const char *name, const float *want, int n)
{
	const RfxTensor *t = rfx_model_tensor(m, name);
	RT_CHECK(t && t->rows * t->cols == n, "'%s' missing or of the wrong size", name);
	for (int i = 0; t && i < n && i < t->rows * t->cols; i++)
		RT_CHECK(t->data[i] == want[i], "'%s'[%d] = %g, expected %g", name, i, t->data[i],
			 want[i]);
}

static void test_layouts(void)
{
	RfxModel *m = NULL;
	RfxImportFormat f;
	char detail[256];

	rt_case("AIDA-X GRU: Keras blocks z, r, h become r, z, n; bias rows become bias_ih, bias_hh");
	RfxStatus st = import_text(aidax_base, &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && f == RFX_IMPORT_AIDAX, "%s: %s", rfx_strerror(st), detail);
	if (m) {
		expect_tensor(m, "weight_ih_l0", (const float[]){ 0.2f, 0.1f, 0.3f }, 3);
		expect_tensor(m, "weight_hh_l0", (const float[]){ 0.5f, 0.4f, 0.6f }, 3);
		expect_tensor(m, "bias_ih_l0", (const float[]){ 0.02f, 0.01f, 0.03f }, 3);
		expect_tensor(m, "bias_hh_l0", (const float[]){ 0.05f, 0.04f, 0.06f }, 3);
		expect_tensor(m, "head.weight", (const float[]){ 0.7f }, 1);
		expect_tensor(m, "head.bias", (const float[]){ 0.08f }, 1);
		RT_CHECK(m->spec.sample_rate == 48000, "rate %g from the string \"48000\"",
			 m->spec.sample_rate);
	}
	rfx_model_free(m);

	rt_case("AIDA-X gains without skip are folded: input into weight_ih column 0, output into the head");
	char *t = replace(aidax_base, "\"in_gain\": 0, \"out_gain\": 0",
			  "\"in_gain\": 6, \"out_gain\": -12");
	st = import_text(t, &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && detail[0] == '\0', "%s: %s", rfx_strerror(st), detail);
	if (m) {
		const double gi = pow(10, 6 / 20.0), go = pow(10, -12 / 20.0);
		expect_tensor(m, "weight_ih_l0", (const float[]){ (float)(0.2f * gi), (float)(0.1f * gi),
								 (float)(0.3f * gi) }, 3);
		expect_tensor(m, "weight_hh_l0", (const float[]){ 0.5f, 0.4f, 0.6f }, 3);
		expect_tensor(m, "head.weight", (const float[]){ (float)(0.7f * go) }, 1);
		expect_tensor(m, "head.bias", (const float[]){ (float)(0.08f * go) }, 1);
		RT_CHECK(m->metadata && strstr(m->metadata, "\"gains_in_weights\":true"), "metadata %s",
			 m->metadata ? m->metadata : "(none)");
	}
	rfx_model_free(m);
	free(t);

	rt_case("AIDA-X LSTM: the single bias goes to bias_ih, bias_hh is zero");
	t = replace(aidax_base, "\"type\": \"gru\"", "\"type\": \"lstm\"");
	char *t2 = replace(t, "[[[0.1, 0.2, 0.3]], [[0.4, 0.5, 0.6]], [[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]]]",
			   "[[[0.1, 0.2, 0.3, 0.35]], [[0.4, 0.5, 0.6, 0.65]], [0.01, 0.02, 0.03, 0.04]]");
	st = import_text(t2, &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_OK, "%s: %s", rfx_strerror(st), detail);
	if (m) {
		expect_tensor(m, "weight_ih_l0", (const float[]){ 0.1f, 0.2f, 0.3f, 0.35f }, 4);
		expect_tensor(m, "weight_hh_l0", (const float[]){ 0.4f, 0.5f, 0.6f, 0.65f }, 4);
		expect_tensor(m, "bias_ih_l0", (const float[]){ 0.01f, 0.02f, 0.03f, 0.04f }, 4);
		expect_tensor(m, "bias_hh_l0", (const float[]){ 0, 0, 0, 0 }, 4);
	}
	rfx_model_free(m);
	free(t);
	free(t2);

	rt_case("NAM: rows [weight_ih | weight_hh], summed bias, h0, c0, head; rate default 48000");
	t = replace(nam_base, "\"sample_rate\": 48000, ", "");
	st = import_text(t, &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && f == RFX_IMPORT_NAM, "%s: %s", rfx_strerror(st), detail);
	if (m) {
		expect_tensor(m, "weight_ih_l0", (const float[]){ 0.01f, 0.03f, 0.05f, 0.07f }, 4);
		expect_tensor(m, "weight_hh_l0", (const float[]){ 0.02f, 0.04f, 0.06f, 0.08f }, 4);
		expect_tensor(m, "bias_ih_l0", (const float[]){ 0.09f, 0.10f, 0.11f, 0.12f }, 4);
		expect_tensor(m, "bias_hh_l0", (const float[]){ 0, 0, 0, 0 }, 4);
		expect_tensor(m, "h0_l0", (const float[]){ 0.13f }, 1);
		expect_tensor(m, "c0_l0", (const float[]){ 0.14f }, 1);
		expect_tensor(m, "head.weight", (const float[]){ 0.15f }, 1);
		expect_tensor(m, "head.bias", (const float[]){ 0.16f }, 1);
		RT_CHECK(m->spec.sample_rate == 48000 && !m->spec.skip, "rate %g skip %d",
			 m->spec.sample_rate, m->spec.skip);
	}
	rfx_model_free(m);
	free(t);

	rt_case("GuitarML: rec.* are rnnfx's tensors as they are (r, z, n), lin.* the head, skip, 44100 Hz");
	st = import_text(guitarml_base, &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && f == RFX_IMPORT_GUITARML, "%s: %s", rfx_strerror(st), detail);
	if (m) {
		expect_tensor(m, "weight_ih_l0", (const float[]){ 0.1f, 0.2f, 0.3f }, 3);
		expect_tensor(m, "bias_hh_l0", (const float[]){ 0.04f, 0.05f, 0.06f }, 3);
		expect_tensor(m, "head.weight", (const float[]){ 0.7f }, 1);
		RT_CHECK(m->spec.skip && m->spec.sample_rate == 44100, "skip %d rate %g", m->spec.skip,
			 m->spec.sample_rate);
	}
	rfx_model_free(m);
}

/* ------------------------------------------------------------------ refusals */

typedef struct {
	const char *from, *to;  /* the one change made to the base text */
	RfxStatus status;
	const char *detail;     /* a piece of the sentence that names the problem */
} BadCase;

static void expect_refusals(const char *what, const char *base, RfxImportFormat format,
			    const BadCase *cases, int n)
{
	char name[96], detail[256];
	RfxModel *m = NULL;
	RfxImportFormat f;
	snprintf(name, sizeof name, "%s: the base text imports", what);
	rt_case(name);
	RfxStatus st = import_text(base, &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && f == format, "%s: %s", rfx_strerror(st), detail);
	rfx_model_free(m);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s refused: %s", what, cases[i].detail);
		rt_case(name);
		char *t = replace(base, cases[i].from, cases[i].to);
		m = (RfxModel *)1;
		st = import_text(t, &m, &f, detail, sizeof detail);
		RT_CHECK(st == cases[i].status, "status %d (%s), expected %d; detail: %s", st,
			 rfx_strerror(st), cases[i].status, detail);
		RT_CHECK(strstr(detail, cases[i].detail) != NULL, "detail \"%s\" does not say \"%s\"",
			 detail, cases[i].detail);
		RT_CHECK(m == NULL, "a refused import left a model");
		if (st == RFX_OK)
			rfx_model_free(m);
		free(t);
	}
}

static const BadCase aidax_bad[] = {
	{ "[[0.4, 0.5, 0.6]]", "[[0.4, 0.5]]", RFX_ERR_SHAPE,
	  "layers[0].weights[1][0] (U): 2 values, expected 3" },
	{ "[[0.1, 0.2, 0.3]]", "[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]", RFX_ERR_SHAPE,
	  "layers[0].weights[0] (W): 2 rows, expected 1" },
	{ "[[0.4, 0.5, 0.6]], ", "", RFX_ERR_SHAPE, "layers[0].weights: 2 arrays, expected 3" },
	{ "0.5", "\"0.5\"", RFX_ERR_FIELD, "layers[0].weights[1][0][1] (U): a string, expected a number" },
	{ "0.5", "1e39", RFX_ERR_NONFINITE, "(U) = 1e+39 is not finite" },
	{ "0.5", "1e999", RFX_ERR_JSON, "overflow" },
	{ "0.5", "NaN", RFX_ERR_JSON, "invalid token" },
	{ "\"in_skip\": 0", "\"in_skip\": 2", RFX_ERR_FIELD, "'in_skip': 2, expected 0 or 1" },
	{ "\"in_shape\": [null, null, 1]", "\"in_shape\": [null, null, 4]", RFX_ERR_LIMIT,
	  "'in_shape': 4 inputs" },
	{ "\"type\": \"gru\"", "\"type\": \"conv1d\"", RFX_ERR_CELL,
	  "layers[0].type: \"conv1d\" is not supported" },
	{ "\"activation\": \"\", \"shape\": [null, null, 1], \"weights\": [[[0.1",
	  "\"activation\": \"relu\", \"shape\": [null, null, 1], \"weights\": [[[0.1", RFX_ERR_FIELD,
	  "layers[0].activation: \"relu\" is not supported" },
	{ "\"activation\": \"\", \"shape\": [null, null, 1], \"weights\": [[[0.7",
	  "\"activation\": \"tanh\", \"shape\": [null, null, 1], \"weights\": [[[0.7", RFX_ERR_FIELD,
	  "layers[1].activation: \"tanh\" is not supported" },
	{ "\"layers\": [", "\"layers\": [{\"type\": \"lstm\", \"shape\": [null, null, 1]}, ",
	  RFX_ERR_FIELD, "2 recurrent layers" },
	{ "\"shape\": [null, null, 1], \"weights\": [[[0.1", "\"shape\": [null, null, 600], "
	  "\"weights\": [[[0.1", RFX_ERR_LIMIT, "hidden size 600, rnnfx runs 1 to 512" },
	{ "\"shape\": [null, null, 1], \"weights\": [[[0.7", "\"shape\": [null, null, 2], "
	  "\"weights\": [[[0.7", RFX_ERR_SHAPE, "layers[1].shape: 2 outputs" },
	{ "[[0.01, 0.02, 0.03], [0.04, 0.05, 0.06]]", "[0.01, 0.02, 0.03]", RFX_ERR_SHAPE,
	  "reset_after=False" },
	{ "\"samplerate\": \"48000\"", "\"samplerate\": \"fast\"", RFX_ERR_FIELD,
	  "'metadata.samplerate': \"fast\"" },
	{ "\"in_gain\": 0", "\"in_gain\": \"loud\"", RFX_ERR_FIELD, "'in_gain': a string" },
	{ "\"in_shape\": [null, null, 1], ", "", RFX_ERR_FIELD, "'in_shape': missing" },
	{ "[[0.7]], [0.08]]}]}", "[[0.7]], [0.08]", RFX_ERR_JSON, "line 1" },
};

static const BadCase nam_bad[] = {
	{ "\"LSTM\"", "\"WaveNet\"", RFX_ERR_CELL, "\"WaveNet\" is not a recurrent model" },
	{ "\"LSTM\"", "\"Transformer\"", RFX_ERR_CELL, "\"Transformer\" is unknown" },
	{ ", 0.16]", "]", RFX_ERR_SHAPE, "'weights': 15 values, expected 16" },
	{ "0.05", "\"0.05\"", RFX_ERR_FIELD, "weights[4]: a string, expected a number" },
	{ "0.05", "-1e39", RFX_ERR_NONFINITE, "weights[4] = -1e+39 is not finite" },
	{ "0.05", "1e999", RFX_ERR_JSON, "overflow" },
	{ "0.05", "null", RFX_ERR_FIELD, "weights[4]: null" },
	{ "\"num_layers\": 1", "\"num_layers\": 5", RFX_ERR_LIMIT, "'config.num_layers': 5" },
	{ "\"hidden_size\": 1", "\"hidden_size\": 513", RFX_ERR_LIMIT, "'config.hidden_size': 513" },
	{ "\"hidden_size\": 1", "\"hidden_size\": \"1\"", RFX_ERR_FIELD,
	  "'config.hidden_size': a string, expected an integer" },
	{ "\"num_layers\": 1", "\"num_layers\": 1, \"out_channels\": 2", RFX_ERR_LIMIT,
	  "'config.out_channels': 2" },
	{ "\"0.5.4\"", "\"0.4.0\"", RFX_ERR_VERSION, "'version': \"0.4.0\"" },
	{ "\"sample_rate\": 48000", "\"sample_rate\": -1", RFX_ERR_FIELD, "'sample_rate': -1" },
	{ "\"config\": {", "\"konfig\": {", RFX_ERR_FIELD, "'config': missing" },
};

static const BadCase guitarml_bad[] = {
	{ "\"GRU\"", "\"Transformer\"", RFX_ERR_CELL, "'model_data.unit_type': \"Transformer\"" },
	{ "[[0.7]]", "[[0.7, 0.1]]", RFX_ERR_SHAPE, "state_dict.lin.weight[0]: 2 values, expected 1" },
	{ "[[0.1], [0.2], [0.3]]", "[[0.1], [0.2]]", RFX_ERR_SHAPE,
	  "state_dict.rec.weight_ih_l0: 2 rows, expected 3" },
	{ "\"rec.bias_hh_l0\": [0.04, 0.05, 0.06], ", "", RFX_ERR_TENSOR_MISSING,
	  "tensor 'rec.bias_hh_l0' missing" },
	{ "\"lin.bias\"", "\"rec.weight_ih_l1\": [[0.1]], \"lin.bias\"", RFX_ERR_FIELD,
	  "unknown tensor 'rec.weight_ih_l1'" },
	{ "0.5", "\"0.5\"", RFX_ERR_FIELD, "state_dict.rec.weight_hh_l0[1][0]: a string" },
	{ "0.5", "1e39", RFX_ERR_NONFINITE, "state_dict.rec.weight_hh_l0[1][0] = 1e+39" },
	{ "\"skip\": 1", "\"skip\": 2", RFX_ERR_FIELD, "'model_data.skip': 2" },
	{ "\"hidden_size\": 1", "\"hidden_size\": 600", RFX_ERR_LIMIT, "'model_data.hidden_size': 600" },
	{ "\"output_size\": 1", "\"output_size\": 2", RFX_ERR_LIMIT, "'model_data.output_size': 2" },
	{ "\"state_dict\"", "\"state_dikt\"", RFX_ERR_FIELD, "'state_dict' missing" },
};

static void test_refusals(void)
{
	expect_refusals("AIDA-X", aidax_base, RFX_IMPORT_AIDAX, aidax_bad,
			(int)(sizeof aidax_bad / sizeof aidax_bad[0]));
	expect_refusals("NAM", nam_base, RFX_IMPORT_NAM, nam_bad,
			(int)(sizeof nam_bad / sizeof nam_bad[0]));
	expect_refusals("GuitarML", guitarml_base, RFX_IMPORT_GUITARML, guitarml_bad,
			(int)(sizeof guitarml_bad / sizeof guitarml_bad[0]));

	rt_case("unknown documents are refused; rnnfx models pass through");
	char detail[256];
	RfxModel *m = NULL;
	RfxImportFormat f;
	RfxStatus st = import_text("{\"foo\": 1}", &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_FORMAT && f == RFX_IMPORT_NONE && strstr(detail, "'format' missing") &&
		 strstr(detail, "AIDA-X"),
		 "%d %s", st, detail);
	st = import_text("[1, 2]", &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_FORMAT && strstr(detail, "holds an array"), "%d %s", st, detail);
	RfxModelSpec s = { .cell = RFX_CELL_GRU, .n_layers = 2, .n_inputs = 1, .hidden = 3,
			   .mode = RFX_MODE_EFFECT, .n_outputs = 1, .skip = 1, .sample_rate = 96000 };
	RfxModel *a = NULL;
	if (rfx_model_new(&s, &a) == RFX_OK) {
		rfx_model_init_random(a, rt_seed());
		char *text = rfx_model_to_string(a);
		st = text ? import_text(text, &m, &f, detail, sizeof detail) : RFX_ERR_NOMEM;
		RT_CHECK(st == RFX_OK && f == RFX_IMPORT_RNNFX && same_model(a, m), "%d %s", st, detail);
		free(text);
		rfx_model_free(m);
	}
	rfx_model_free(a);
	st = rfx_model_import_file("tests/fixtures/no-such-model.nam", &m, &f, detail, sizeof detail);
	RT_CHECK(st == RFX_ERR_IO && strstr(detail, "cannot open"), "%d %s", st, detail);
}

/* ------------------------------------------------------------------ one loader */

/* rfx_model_load_file/_string and rfx_model_import_string/_file are faces of one loader: the same
 * file gives the same model and the same sentence through each (import_file alone adds the file
 * name to the metadata), and a refused text the same status and sentence. */
static void test_one_loader(void)
{
	rt_case("every loader reads every format the same way, refusals included");
	for (int i = 0; i < N_FIXTURES; i++) {
		char path[512], d0[256], d1[256] = "x", d2[256] = "x", d3[256] = "x";
		RfxImportFormat f0, f3 = RFX_IMPORT_NONE;
		RfxModel *m0 = load_fixture(i, &f0, d0, sizeof d0), *m1 = NULL, *m2 = NULL, *m3 = NULL;
		char *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s.%s", fixture_dir, fixtures[i][0], fixtures[i][1]);
		RfxStatus st = rfx_model_read_text(path, &text, &len, d1, sizeof d1);
		RT_CHECK(st == RFX_OK, "%s: %s", path, d1);
		RfxStatus s1 = rfx_model_load_file(path, &m1, d1, sizeof d1);
		RfxStatus s2 = text ? rfx_model_load_string(text, len, &m2, d2, sizeof d2) : RFX_ERR_IO;
		RfxStatus s3 = text ? rfx_model_import_string(text, len, &m3, &f3, d3, sizeof d3)
				    : RFX_ERR_IO;
		RT_CHECK(s1 == RFX_OK && s2 == RFX_OK && s3 == RFX_OK && f3 == f0, "%s: %d %d %d, %s",
			 fixtures[i][0], s1, s2, s3, rfx_import_format_name(f3));
		if (m0 && m1 && m2 && m3) {
			RT_CHECK(same_model(m0, m1) && same_model(m0, m2) && same_model(m0, m3),
				 "%s: the weights depend on the entry point", fixtures[i][0]);
			RT_CHECK(strcmp(d0, d1) == 0 && strcmp(d0, d2) == 0 && strcmp(d0, d3) == 0,
				 "%s: notes '%s' '%s' '%s' '%s'", fixtures[i][0], d0, d1, d2, d3);
			RT_CHECK(m1->metadata && m2->metadata && m3->metadata &&
				 strcmp(m1->metadata, m2->metadata) == 0 &&
				 strcmp(m1->metadata, m3->metadata) == 0 &&
				 !strstr(m1->metadata, "source_file") && m0->metadata &&
				 strstr(m0->metadata, "\"source_file\""),
				 "%s: metadata '%s' (import_file: '%s')", fixtures[i][0],
				 m1->metadata ? m1->metadata : "", m0->metadata ? m0->metadata : "");
		}
		free(text);
		rfx_model_free(m0);
		rfx_model_free(m1);
		rfx_model_free(m2);
		rfx_model_free(m3);
	}
	static const char *const refused[] = {
		"[1, 2]", "{\"foo\": 1}", "{\"format\": \"nam\"}",
		"{\"layers\": [{\"type\": \"rnn\"}]}", "{\"architecture\": \"WaveNet\"}",
		"{\"model_data\": 3}", "{\"a\": 1, \"a\": 2}",
	};
	for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
		char d1[256] = "x", d2[256] = "y";
		RfxModel *m1 = NULL, *m2 = NULL;
		RfxImportFormat f;
		const char *t = refused[k];
		RfxStatus s1 = rfx_model_load_string(t, strlen(t), &m1, d1, sizeof d1);
		RfxStatus s2 = rfx_model_import_string(t, strlen(t), &m2, &f, d2, sizeof d2);
		RT_CHECK(s1 < 0 && s1 == s2 && !m1 && !m2 && d1[0] && strcmp(d1, d2) == 0,
			 "%s: load_string %d '%s', import_string %d '%s'", t, s1, d1, s2, d2);
	}
}

/* ------------------------------------------------------------------ export */

static RfxModel *export_import(const RfxModel *m, char *detail, size_t size)
{
	RfxModel *back = NULL;
	RfxImportFormat f;
	char *text = rfx_model_export_aidax(m, detail, size);
	RT_CHECK(text != NULL, "export refused: %s", detail);
	if (!text)
		return NULL;
	RfxStatus st = import_text(text, &back, &f, detail, size);
	RT_CHECK(st == RFX_OK && f == RFX_IMPORT_AIDAX, "re-import: %s: %s", rfx_strerror(st), detail);
	free(text);
	return back;
}

static void test_export(void)
{
	char detail[256];
	rt_case("AIDA-X fixtures: import -> export -> import is bit-exact");
	for (int i = 0; i < N_FIXTURES; i++) {
		if (strncmp(fixtures[i][0], "import_aidax", 12) != 0)
			continue;
		RfxModel *m = load_fixture(i, NULL, detail, sizeof detail);
		RfxModel *back = m ? export_import(m, detail, sizeof detail) : NULL;
		RT_CHECK(back && same_model(m, back), "%s: the model changed on the way", fixtures[i][0]);
		/* gains that stayed in the metadata go out as in_gain/out_gain and come back */
		if (back && strstr(fixtures[i][0], "skipgain"))
			RT_CHECK(back->metadata && strstr(back->metadata, "\"gains_in_weights\":false") &&
				 detail[0] != '\0', "%s: metadata %s", fixtures[i][0], back->metadata);
		rfx_model_free(back);
		rfx_model_free(m);
	}

	uint64_t seed = rt_seed();
	rt_case("rnnfx GRU and LSTM models: export -> import keeps the weights (LSTM: one bias)");
	for (int c = RFX_CELL_GRU; c <= RFX_CELL_LSTM; c++)
		for (int skip = 0; skip <= 1; skip++) {
			RfxModelSpec s = { .cell = (RfxCellType)c, .n_layers = 1, .n_inputs = 2 + skip,
					   .hidden = 5, .mode = RFX_MODE_EFFECT, .n_outputs = 1,
					   .skip = skip, .sample_rate = 44100 };
			RfxModel *m = NULL, *back = NULL;
			if (rfx_model_new(&s, &m) != RFX_OK)
				continue;
			rfx_model_init_random(m, seed + (uint64_t)(2 * c + skip));
			back = export_import(m, detail, sizeof detail);
			if (back && c == RFX_CELL_LSTM) {
				/* Keras has one LSTM bias: it comes back as bias_ih + bias_hh, bias_hh 0 */
				RfxTensor *bi = rfx_model_tensor(m, "bias_ih_l0");
				RfxTensor *bh = rfx_model_tensor(m, "bias_hh_l0");
				for (int j = 0; j < bi->rows; j++) {
					bi->data[j] = bi->data[j] + bh->data[j];
					bh->data[j] = 0;
				}
			}
			RT_CHECK(back && same_model(m, back), "%s skip %d: changed (seed %llu)",
				 rfx_cell_name(s.cell), skip, (unsigned long long)seed);
			rfx_model_free(back);
			rfx_model_free(m);
		}

	rt_case("a knob model goes out with its knobs folded: AIDA-X's parameter p plays what the "
		"knob at p of its range plays, and comes back with its knobs by name (GRU, LSTM; 1 and "
		"2 knobs; within 1e-5)");
	for (int c = RFX_CELL_GRU; c <= RFX_CELL_LSTM; c++)
		for (int nk = 1; nk <= 2; nk++) {
			RfxModelSpec s = { .cell = (RfxCellType)c, .n_layers = 1, .n_inputs = 1 + nk,
					   .hidden = 6, .mode = RFX_MODE_EFFECT, .n_outputs = 1,
					   .sample_rate = 48000 };
			RfxModel *m = NULL;
			if (rfx_model_new(&s, &m) != RFX_OK)
				continue;
			rfx_model_init_random(m, seed + 10 + (uint64_t)(2 * c + nk));
			for (size_t i = 0; i < m->n_params; i++)
				m->params[i] *= 2.0f;
			RT_CHECK(rfx_model_set_metadata(m, nk == 1 ?
				"{\"knobs\":[{\"name\":\"gain\",\"input\":1,\"min\":0,\"max\":10,\"default\":5}]}" :
				"{\"knobs\":[{\"name\":\"gain\",\"input\":1,\"min\":0,\"max\":10,\"default\":5},"
				"{\"name\":\"tone\",\"input\":2,\"min\":-3,\"max\":3,\"default\":0}]}") == RFX_OK,
				"metadata");
			RfxModel *back = export_import(m, detail, sizeof detail);
			double worst = 0, scale = 0;
			/* The knobs come back by name and range ("unit" now): the same settings in the
			 * user's units, through each model's own knob map. */
			RfxKnob kb[RFX_MAX_KNOBS];
			RT_CHECK(back && rfx_model_knobs(back, kb, RFX_MAX_KNOBS) == nk && kb[0].unit &&
				 !strcmp(kb[0].name, "gain") && kb[0].max == 10, "the knobs did not come back");
			static const double gains[3] = { 0.0, 3.0, 10.0 }, tones[3] = { -3.0, 0.5, 3.0 };
			for (int k = 0; back && k < 3; k++) {
				RfxStream *a = NULL, *b = NULL;
				RT_OK(rfx_stream_create(m, &a));
				RT_OK(rfx_stream_create(back, &b));
				const RfxKnobSetting set[2] = { { "gain", 4, gains[k] }, { "tone", 4, tones[(k + 1) % 3] } };
				int ia[2], ib[2];
				float va[2], vb[2];
				char why[256];
				RT_CHECK(rfx_model_knob_inputs(m, set, nk, ia, va, NULL, why, sizeof why) == nk &&
					 rfx_model_knob_inputs(back, set, nk, ib, vb, NULL, why, sizeof why) == nk,
					 "knob inputs: %s", why);
				for (int j = 0; j < nk; j++) {
					rfx_stream_set_input(a, ia[j], va[j]);
					rfx_stream_set_input(b, ib[j], vb[j]);
				}
				float x[2000], ya[2000], yb[2000];
				for (int i = 0; i < 2000; i++)
					x[i] = 0.6f * sinf(0.013f * (float)i) * sinf(0.0007f * (float)i);
				rfx_stream_process(a, x, ya, 2000);
				rfx_stream_process(b, x, yb, 2000);
				for (int i = 0; i < 2000; i++) {
					worst = fmax(worst, fabs((double)ya[i] - yb[i]));
					scale = fmax(scale, fabs((double)ya[i]));
				}
				rfx_stream_destroy(a);
				rfx_stream_destroy(b);
			}
			RT_CHECK(back && worst <= 1e-5 * fmax(scale, 1.0), "%s, %d knob(s): |rnnfx - AIDA-X| "
				 "%g (output peak %g)", rfx_cell_name(s.cell), nk, worst, scale);
			rfx_model_free(back);
			rfx_model_free(m);
		}

	rt_case("export refuses what AIDA-X cannot run");
	static const struct {
		RfxCellType cell;
		int layers, inputs, classes, h0;
		const char *detail;
	} bad[] = {
		{ RFX_CELL_RNN, 1, 1, 0, 0, "a tanh RNN" },
		{ RFX_CELL_GRU, 2, 1, 0, 0, "2 recurrent layers" },
		{ RFX_CELL_LSTM, 1, 4, 0, 0, "4 inputs" },
		{ RFX_CELL_GRU, 1, 1, 3, 0, "a classifier" },
		{ RFX_CELL_LSTM, 1, 1, 0, 1, "a non-zero initial state ('h0_l0'[0])" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		RfxModelSpec s = { .cell = bad[i].cell, .n_layers = bad[i].layers,
				   .n_inputs = bad[i].inputs, .hidden = 2,
				   .mode = bad[i].classes ? RFX_MODE_CLASSIFIER : RFX_MODE_EFFECT,
				   .n_outputs = bad[i].classes ? bad[i].classes : 1,
				   .sample_rate = 48000 };
		s.init[0] = bad[i].h0 ? RFX_INIT_VECTOR : RFX_INIT_ZEROS;
		RfxModel *m = NULL;
		if (rfx_model_new(&s, &m) != RFX_OK)
			continue;
		if (bad[i].h0)
			rfx_model_tensor(m, "h0_l0")->data[0] = 0.5f;
		char *text = rfx_model_export_aidax(m, detail, sizeof detail);
		RT_CHECK(!text && strstr(detail, bad[i].detail), "case %zu: detail \"%s\"", i, detail);
		free(text);
		rfx_model_free(m);
	}
}

/* ------------------------------------------------------------------ the command-line tool */

/* Runs a shell command; its exit status, or -1 when it did not exit normally. */
static int run(const char *fmt, const char *a, const char *b, const char *c)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, fmt, a, b, c);
	int rc = system(cmd);
	return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* $BUILD/rnnfx-convert, when `make` built it (make check does; a sanitizer unit run may not). */
static void test_convert_tool(void)
{
	char tool[512], dir[] = "/tmp/rfx-test-import-XXXXXX", out[600], out2[600], detail[256];
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	snprintf(tool, sizeof tool, "%s/rnnfx-convert", build);
	if (access(tool, X_OK) != 0) {
		printf("  %s not built: the tool's cases are left out\n", tool);
		return;
	}
	rt_case("rnnfx-convert: NAM -> rnnfx file equal to the import, with the file name in metadata");
	RT_CHECK(mkdtemp(dir) != NULL, "mkdtemp failed");
	snprintf(out, sizeof out, "%s/a.json", dir);
	snprintf(out2, sizeof out2, "%s/b.aidax", dir);
	RfxModel *m = NULL, *back = NULL;
	int i_nam = fixture_index("import_nam_lstm2"), i_gru = fixture_index("import_aidax_gru");
	RT_CHECK(run("'%s' '%s/import_nam_lstm2.nam' '%s' >/dev/null", tool, fixture_dir, out) == 0,
		 "conversion failed");
	m = load_fixture(i_nam, NULL, detail, sizeof detail);
	RfxStatus st = rfx_model_load_file(out, &back, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && m && same_model(m, back) &&
		 strstr(back->metadata, "\"source_file\":\"import_nam_lstm2.nam\""),
		 "%s: %s", rfx_strerror(st), detail);
	rfx_model_free(back);
	rfx_model_free(m);

	rt_case("rnnfx-convert --to aidax: refuses a 2-layer model (exit 1, no file), exports a GRU");
	RT_CHECK(run("'%s' --to aidax '%s' '%s' 2>/dev/null", tool, out, out2) == 1, "not exit 1");
	RT_CHECK(access(out2, F_OK) != 0, "a refused export left '%s'", out2);
	RT_CHECK(run("'%s' --to aidax '%s/import_aidax_gru.json' '%s' >/dev/null", tool, fixture_dir,
		     out2) == 0, "export failed");
	m = load_fixture(i_gru, NULL, detail, sizeof detail);
	back = NULL;
	st = rfx_model_import_file(out2, &back, NULL, detail, sizeof detail);
	RT_CHECK(st == RFX_OK && m && same_model(m, back), "%s: %s", rfx_strerror(st), detail);
	rfx_model_free(back);
	rfx_model_free(m);

	rt_case("rnnfx-convert: a missing input is exit 1, a usage error exit 2");
	RT_CHECK(run("'%s' '%s/none.nam' '%s' 2>/dev/null", tool, dir, out) == 1, "not exit 1");
	RT_CHECK(run("'%s' '%s' %s 2>/dev/null", tool, out, "") == 2, "not exit 2");
	unlink(out);
	unlink(out2);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fixture_dir = argv[1];
	test_fixtures();
	test_swapped_gate();
	test_layouts();
	test_refusals();
	test_one_loader();
	test_export();
	test_convert_tool();
	return rt_finish();
}
