/* BPTT gradients against PyTorch autograd: replays tests/fixtures/grad_*.json (written by
 * tests/gen_grad_fixtures.py) and checks the loss and every gradient tensor by name.
 *
 * Tolerance: the reference is float64 autograd on the same float32 weights and data; rnnfx runs in
 * float32 with approximate tanh/sigmoid (2e-7 absolute). Over 40 steps and 2 layers the float32
 * rounding of the forward and backward gives differences up to 4.5e-6 of a tensor's largest entry
 * (measured: the tanh RNN's weight_ih_l0 under ESR+DC; RFX_VERBOSE=1 prints every ratio), so each
 * entry must be within 1e-4 of its tensor's max |grad|
 * (and the loss within 1e-5 relative). A wrong formula term misses by a large fraction of that
 * scale; a gate order or transposition mistake by O(1). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/bptt.h"
#include "../dsp/model_file.h"
#include "../dsp/optim.h"
#include "harness.h"

#define GRAD_REL_TOL 1e-4
#define LOSS_REL_TOL 1e-5

/* Usage: test_grad_reference [fixture-dir]   (default tests/fixtures, from the repository root) */
static const char *fixture_dir = "tests/fixtures";

static float *read_array(json_t *data, size_t *n)
{
	*n = json_array_size(data);
	float *v = malloc(sizeof *v * (*n ? *n : 1));
	for (size_t i = 0; v && i < *n; i++)
		v[i] = (float)json_number_value(json_array_get(data, i));
	return v;
}

static float *read_floats(json_t *t, size_t *n)
{
	return read_array(json_object_get(t, "data"), n);
}

static int shape_dim(json_t *t, size_t i)
{
	return (int)json_integer_value(json_array_get(json_object_get(t, "shape"), i));
}

/* Every gradient tensor in `grads` (a JSON object by name) against ours; all must be there. */
static void compare_grads(const char *file, const char *what, const RfxModel *m, const float *grad,
			  json_t *grads)
{
	const char *name;
	json_t *g;
	int n_checked = 0;
	json_object_foreach(grads, name, g) {
		const RfxTensor *t = rfx_model_tensor(m, name);
		size_t n = 0;
		float *want = read_floats(g, &n);
		RT_CHECK(t && (size_t)t->rows * t->cols == n, "%s: tensor %s missing or resized", file, name);
		if (!t || (size_t)t->rows * t->cols != n) {
			free(want);
			continue;
		}
		const float *got = grad + t->offset;
		double scale = 0, worst = 0;
		size_t wi = 0;
		for (size_t i = 0; i < n; i++)
			scale = fmax(scale, fabs(want[i]));
		for (size_t i = 0; i < n; i++)
			if (fabs(got[i] - want[i]) > worst) {
				worst = fabs(got[i] - want[i]);
				wi = i;
			}
		RT_CHECK(worst <= GRAD_REL_TOL * scale, "%s %s: %s[%zu] = %.9g vs torch %.9g (max |g| %.3g)",
			 file, what, name, wi, got[wi], want[wi], scale);
		if (getenv("RFX_VERBOSE"))
			printf("  %s %s %-14s worst/scale %.2e\n", file, what, name,
			       scale > 0 ? worst / scale : 0.0);
		n_checked++;
		free(want);
	}
	RT_CHECK(n_checked == m->n_tensors, "%s: %d of %d tensors checked", file, n_checked,
		 m->n_tensors);
}

static void check_case(const char *file, RfxModel *m, json_t *root, json_t *c)
{
	const char *loss_name = json_string_value(json_object_get(c, "loss"));
	RfxLossKind kind = rfx_loss_from_name(loss_name);
	RT_CHECK(kind != RFX_LOSS_COUNT, "%s: unknown loss '%s'", file, loss_name ? loss_name : "?");
	if (kind == RFX_LOSS_COUNT)
		return;
	json_t *in = json_object_get(root, "input");
	const int B = shape_dim(in, 0), T = shape_dim(in, 1);
	size_t nx = 0, nt = 0, nw = 0;
	float *x = read_floats(in, &nx);
	float *target = json_object_get(root, "target") ? read_floats(json_object_get(root, "target"), &nt)
							 : NULL;
	int32_t *labels = NULL;
	json_t *lab = json_object_get(json_object_get(root, "labels"), "data");
	if (lab) {
		labels = malloc(sizeof *labels * json_array_size(lab));
		for (size_t i = 0; i < json_array_size(lab); i++)
			labels[i] = (int32_t)json_integer_value(json_array_get(lab, i));
	}
	float *cw = NULL;
	RfxBpttConfig cfg = { B, T, 2, rfx_loss_config_default(kind) };
	if (json_object_get(c, "pre_emph")) {
		cfg.loss.pre_emph = (float)json_number_value(json_object_get(c, "pre_emph"));
		cfg.loss.esr_weight = (float)json_number_value(json_object_get(c, "esr_weight"));
		cfg.loss.dc_weight = (float)json_number_value(json_object_get(c, "dc_weight"));
	}
	if (json_object_get(c, "class_weights"))
		cfg.loss.class_weights = cw = read_array(json_object_get(c, "class_weights"), &nw);
	RfxBptt *bp = NULL;
	RT_CHECK(rfx_bptt_create(m, &cfg, &bp) == RFX_OK, "%s: create", file);
	const int warmup = (int)json_integer_value(json_object_get(root, "warmup"));
	RfxBpttBatch b = { B, T, warmup, x, 0, target, 0, labels, 0 };
	double loss = NAN;
	if (bp) {
		rfx_bptt_reset_state(bp);
		rfx_bptt_zero_grad(bp);
		RT_CHECK(rfx_bptt_train(bp, &b, &loss) == RFX_OK, "%s: train", file);
	}
	const double ref = json_number_value(json_object_get(c, "value"));
	RT_CHECK(fabs(loss - ref) <= LOSS_REL_TOL * fabs(ref), "%s %s: loss %.9g vs torch %.9g", file,
		 loss_name, loss, ref);
	if (bp)
		compare_grads(file, loss_name, m, rfx_bptt_grad(bp), json_object_get(c, "grads"));
	rfx_bptt_destroy(bp);
	free(x);
	free(target);
	free(labels);
	free(cw);
}

static void run_fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
	json_error_t err;
	json_t *root = json_load_file(path, JSON_DECODE_ANY, &err);
	rt_case(name);
	RT_CHECK(root != NULL, "%s: %s (line %d)", path, err.text, err.line);
	if (!root)
		return;
	char *text = json_dumps(json_object_get(root, "model"), JSON_COMPACT);
	RfxModel *m = NULL;
	char detail[256] = "";
	RfxStatus st = text ? rfx_model_load_string(text, strlen(text), &m, detail, sizeof detail)
			    : RFX_ERR_NOMEM;
	RT_CHECK(st == RFX_OK, "%s: model: %s (%s)", name, rfx_strerror(st), detail);
	free(text);
	json_t *cases = json_object_get(root, "cases");
	RT_CHECK(json_array_size(cases) > 0, "%s: no cases", name);
	for (size_t i = 0; m && i < json_array_size(cases); i++)
		check_case(name, m, root, json_array_get(cases, i));
	rfx_model_free(m);
	json_decref(root);
}

/* rfx_adam_step against torch.optim.AdamW (float64) over six steps. Tolerance 1e-6 absolute:
 * parameters are O(1) and each step moves them by about lr = 0.01, so float32 rounding of the
 * moments and of the update stays near 1e-7; a wrong bias correction or decay is off by >1e-4. */
static void adam_reference(void)
{
	rt_case("grad_adam.json: AdamW steps match torch");
	char path[512];
	snprintf(path, sizeof path, "%s/grad_adam.json", fixture_dir);
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	RT_CHECK(root != NULL, "%s: %s", path, err.text);
	if (!root)
		return;
	size_t n = 0, ng = 0, na = 0;
	float *p = read_floats(json_object_get(root, "params"), &n);
	float *g = read_floats(json_object_get(root, "grads"), &ng);
	float *after = read_floats(json_object_get(root, "after"), &na);
	RfxAdamConfig cfg = {
		(float)json_number_value(json_object_get(root, "lr")),
		(float)json_number_value(json_object_get(root, "beta1")),
		(float)json_number_value(json_object_get(root, "beta2")),
		(float)json_number_value(json_object_get(root, "eps")),
		(float)json_number_value(json_object_get(root, "weight_decay")),
	};
	RfxAdam *adam = NULL;
	RT_CHECK(n > 0 && ng % n == 0 && na == ng, "sizes %zu %zu %zu", n, ng, na);
	RT_CHECK(rfx_adam_create(n, &cfg, &adam) == RFX_OK, "create");
	for (size_t k = 0; adam && n && k < ng / n; k++) {
		rfx_adam_step(adam, p, g + k * n, NULL);
		double worst = 0;
		for (size_t i = 0; i < n; i++)
			worst = fmax(worst, fabs(p[i] - after[k * n + i]));
		RT_CHECK(worst <= 1e-6, "step %zu: off by %.3g", k + 1, worst);
	}
	rfx_adam_destroy(adam);
	free(p);
	free(g);
	free(after);
	json_decref(root);
}

/* Truncated BPTT (grad_tbptt_lstm.json): reset, a forward-only warm-up, then windows that each
 * start from the last one's final state. Checks each window's loss and gradients, so the carried
 * h and c, the detached warm-up, and "no gradient into h0/c0 after the first call" are all
 * compared with PyTorch. Same tolerances as above. */
static void tbptt_reference(void)
{
	const char *name = "grad_tbptt_lstm.json";
	rt_case(name);
	char path[512];
	snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	RT_CHECK(root != NULL, "%s: %s", path, err.text);
	if (!root)
		return;
	char *text = json_dumps(json_object_get(root, "model"), JSON_COMPACT);
	RfxModel *m = NULL;
	RT_CHECK(text && rfx_model_load_string(text, strlen(text), &m, NULL, 0) == RFX_OK, "model");
	free(text);
	json_t *in = json_object_get(root, "input"), *windows = json_object_get(root, "windows");
	const int B = shape_dim(in, 0), T = shape_dim(in, 1);
	size_t nx = 0, nt = 0;
	float *x = read_floats(in, &nx), *target = read_floats(json_object_get(root, "target"), &nt);
	RfxBpttConfig cfg = { B, 16, 2, rfx_loss_config_default(RFX_LOSS_ESR_DC) };
	cfg.loss.pre_emph = (float)json_number_value(json_object_get(root, "pre_emph"));
	cfg.loss.esr_weight = (float)json_number_value(json_object_get(root, "esr_weight"));
	cfg.loss.dc_weight = (float)json_number_value(json_object_get(root, "dc_weight"));
	RfxBptt *bp = NULL;
	RT_CHECK(m && nx == (size_t)B * T && nt == nx && rfx_bptt_create(m, &cfg, &bp) == RFX_OK,
		 "setup");
	if (bp) {
		const int warm = (int)json_integer_value(json_object_get(root, "warmup_forward"));
		RfxBpttBatch wb = { B, warm, 0, x, (size_t)T, NULL, 0, NULL, 0 };
		rfx_bptt_reset_state(bp);
		RT_CHECK(rfx_bptt_forward(bp, &wb, NULL, 0) == RFX_OK, "warm-up");
		for (size_t k = 0; k < json_array_size(windows); k++) {
			json_t *w = json_array_get(windows, k);
			const int t0 = (int)json_integer_value(json_object_get(w, "start"));
			RfxBpttBatch b = { B, (int)json_integer_value(json_object_get(w, "steps")),
					   (int)json_integer_value(json_object_get(root, "warmup")), x + t0,
					   (size_t)T, target + t0, (size_t)T, NULL, 0 };
			double loss = NAN, ref = json_number_value(json_object_get(w, "value"));
			char what[32];
			snprintf(what, sizeof what, "window %zu", k);
			rfx_bptt_zero_grad(bp);
			RT_CHECK(rfx_bptt_train(bp, &b, &loss) == RFX_OK, "%s: train", what);
			RT_CHECK(fabs(loss - ref) <= LOSS_REL_TOL * fabs(ref), "%s: loss %.9g vs torch %.9g",
				 what, loss, ref);
			compare_grads(name, what, m, rfx_bptt_grad(bp), json_object_get(w, "grads"));
		}
		RT_CHECK(json_array_size(windows) >= 2, "windows: %zu", json_array_size(windows));
	}
	rfx_bptt_destroy(bp);
	rfx_model_free(m);
	free(x);
	free(target);
	json_decref(root);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fixture_dir = argv[1];
	static const char *const files[] = { "grad_rnn.json", "grad_gru.json", "grad_lstm.json",
					     "grad_classifier_gru.json", "grad_onset_lstm.json" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		run_fixture(files[i]);
	tbptt_reference();
	adam_reference();
	return rt_finish();
}
