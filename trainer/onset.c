#include "onset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../dsp/model_file.h"
#include "ensemble.h"
#include "onset_metrics.h"
#include "onsets.h"
#include "options.h"
#include "run.h"
#include "sha256.h"
#include "train_loop.h"

#define PROG TRN_PROG

typedef struct {
	TrnOptions o;
	TrnClassSet cs;
	TrnOnsetTracks ot_train, ot_val, ot_test;
	TrnOnsetSet train, val, test;
	TrnOnsetShape shape;
	float weights[RFX_MAX_CLASSES]; /* BCE positive weights */
	int notes[RFX_MAX_CLASSES];
	RfxModel *model;
	RfxModel *init;             /* --init: the model whose weights training starts from */
	char init_sha[65];          /* its file's SHA-256 */
	json_t *members;            /* --ensemble: what each merged model was, for the metadata */
	RfxAdam *adam;
	TrnState st;
	char *fingerprint;
	char ckpt_path[1024], report_path[1024];
	TrnError err;
	size_t seg_len;             /* in network steps */
	int hop;                    /* samples per network step (--hop; 1 without a front end) */
	int warm;                   /* --warmup in samples, for the stream-run validation */
	float *tk;                  /* [hop][K] one step's targets per sample (hop > 1) */
	TrnOnsetMetrics last;       /* of the latest validation */
	float thr[RFX_MAX_CLASSES]; /* each class's best threshold on the validation set */
} App;

/* ---------------------------------------------------------------- data */

static int load_dirs(App *a, TrnOnsetTracks *ot, const TrnSources *s, int open)
{
	for (int i = 0; i < s->n_dir; i++)
		if (trn_onsets_load_dir(ot, s->dir[i], &a->cs, open, &a->err))
			return -1;
	if (a->ot_train.tl.rate && ot->tl.rate != a->ot_train.tl.rate)
		return trn_error_set(&a->err, ot->tl.rate_file, "sample rate %g Hz, but the training "
				     "files are at %g Hz", ot->tl.rate, a->ot_train.tl.rate);
	return 0;
}

/* --notes a=N,b=M over the General MIDI defaults (and 60 + k for labels GM does not name). */
static int parse_notes(App *a)
{
	for (int k = 0; k < a->cs.n; k++) {
		int gm = rfx_onset_gm_note(a->cs.name[k]);
		a->notes[k] = a->init && a->init->has_notes ? a->init->notes[k] : gm >= 0 ? gm : 60 + k;
	}
	for (const char *p = a->o.notes; p && *p;) {
		const char *e = strchr(p, ','), *eq = strchr(p, '=');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char name[RFX_MAX_LABEL + 16], *end;
		if (!eq || (e && eq > e) || (size_t)(eq - p) >= sizeof name)
			return trn_error_set(&a->err, "--notes", "'%.*s': expected CLASS=NOTE", (int)len, p);
		snprintf(name, sizeof name, "%.*s", (int)(eq - p), p);
		int k = trn_class_index(&a->cs, name);
		long v = strtol(eq + 1, &end, 10);
		if (k < 0)
			return trn_error_set(&a->err, "--notes", "'%s' is not one of the classes", name);
		if (end == eq + 1 || (e ? end != e : *end != '\0') || v < 0 || v > 127)
			return trn_error_set(&a->err, "--notes", "%s: the note must be a MIDI note from 0 "
					     "to 127", name);
		a->notes[k] = (int)v;
		p = e ? e + 1 : p + len;
	}
	return 0;
}

static int build(App *a, TrnOnsetSet *s, const TrnOnsetTracks *ot, int part, const char *what)
{
	if (trn_onset_set_build(s, ot, part, a->o.val_split) != 0)
		return trn_error_set(&a->err, NULL, "out of memory for the %s set", what);
	return 0;
}

/* Positive weight of class k: sqrt(negative / positive target samples), within 1..100. The full
 * ratio (PyTorch's usual advice) makes the model fire on every transient; none leaves the rare
 * classes under-called. */
static void class_weights(App *a)
{
	for (int k = 0; k < a->cs.n; k++) {
		const double pos = (double)a->train.count[k] * (double)(a->shape.tol - a->shape.delay);
		const double w = pos > 0 ? sqrt(fmax((double)a->train.n - pos, 1.0) / pos) : 1.0;
		a->weights[k] = a->o.no_class_weights ? 1.0f : (float)fmin(fmax(w, 1.0), 100.0);
	}
}

/* --hop (default: 1 ms at the data's rate with the front end, every sample without): the network
 * steps every hop samples, so the training loop's warm-up and window, given in samples like every
 * other task's, become steps (the validation runs the stream, in samples). */
static int setup_hop(App *a, double rate)
{
	TrnTrainConfig *c = &a->o.train_cfg;
	if (a->o.hop > 1 && !a->o.frontend.bands)
		return trn_error_set(&a->err, "--hop", "a hop needs the front end (not --frontend none)");
	const long ms = lround(rate / 1000);
	a->hop = a->o.hop > 0 ? a->o.hop : !a->o.frontend.bands || ms < 1 ? 1 : (int)ms;
	if (a->hop == 1)
		return 0;
	c->warmup = (c->warmup + a->hop - 1) / a->hop;
	c->window = c->window / a->hop > 0 ? c->window / a->hop : 1;
	a->tk = malloc((size_t)a->hop * RFX_MAX_CLASSES * sizeof *a->tk);
	return a->tk ? 0 : trn_error_set(&a->err, NULL, "out of memory");
}

static int load_data(App *a)
{
	if (a->o.class_names && a->cs.n == 0 && trn_classes_parse(a->o.class_names, &a->cs, &a->err))
		return -1;
	const int fixed = a->cs.n > 0; /* --class-names, or the model's classes for --eval */
	if (load_dirs(a, &a->ot_train, &a->o.cls_train, !fixed))
		return -1;
	if (!fixed && trn_onsets_fix_classes(&a->ot_train, &a->cs, a->o.cls_train.dir[0], &a->err))
		return -1;
	if (parse_notes(a))
		return -1;
	a->shape = trn_onset_shape(a->ot_train.tl.rate, a->o.tolerance_ms, a->o.decision_ms);
	if (a->o.eval)
		return build(a, &a->test, &a->ot_train, 0, "evaluation");
	if (setup_hop(a, a->ot_train.tl.rate))
		return -1;
	const int split = a->o.cls_val.n_dir == 0;
	if ((!split && load_dirs(a, &a->ot_val, &a->o.cls_val, 0)) ||
	    (a->o.cls_test.n_dir && load_dirs(a, &a->ot_test, &a->o.cls_test, 0)))
		return -1;
	if (build(a, &a->train, &a->ot_train, split ? 1 : 0, "training") ||
	    build(a, &a->val, split ? &a->ot_train : &a->ot_val, split ? 2 : 0, "validation") ||
	    (a->o.cls_test.n_dir && build(a, &a->test, &a->ot_test, 0, "test")))
		return -1;
	const char *where = a->o.cls_train.dir[0];
	for (int k = 0; k < a->cs.n; k++)
		if (a->train.count[k] == 0)
			return trn_error_set(&a->err, where, "class '%s' has no training hits left "
					     "after the split", a->cs.name[k]);
	const size_t h = (size_t)a->hop;
	if (trn_run_check_lengths(&a->o.train_cfg, a->train.rate / h, a->train.n / h, a->val.n / h,
				  where, &a->seg_len, &a->err))
		return -1;
	class_weights(a);
	return 0;
}

static char *make_fingerprint(const App *a)
{
	const TrnOnsetTracks *lists[2] = { &a->ot_train, &a->ot_val };
	size_t cap = 1024 + 40 * (size_t)(lists[0]->tl.n_tracks + lists[1]->tl.n_tracks);
	char *s = malloc(cap);
	if (!s)
		return NULL;
	int len = snprintf(s, cap, "task=onset seed=%llu segment=%.6g warmup=%d window=%d batch=%d "
			   "batches=%ld val-split=%g weights=%d tolerance=%.6g delay=%.6g frontend=%d hop=%d "
			   "classes=",
			   (unsigned long long)a->o.train_cfg.seed, a->o.train_cfg.segment_s,
			   a->o.train_cfg.warmup, a->o.train_cfg.window, a->o.train_cfg.batch,
			   a->o.batches, a->o.cls_val.n_dir ? 0 : a->o.val_split,
			   !a->o.no_class_weights, a->o.tolerance_ms, a->o.decision_ms,
			   a->o.frontend.bands, a->hop);
	for (int k = 0; k < a->cs.n && (size_t)len < cap; k++)
		len += snprintf(s + len, cap - (size_t)len, "%.20s,", a->cs.name[k]);
	if (a->init && (size_t)len < cap)
		len += snprintf(s + len, cap - (size_t)len, " init=%.16s ", a->init_sha);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < lists[k]->tl.n_tracks && (size_t)len < cap; i++) {
			char hex[65];
			trn_sha256_hex(lists[k]->tl.tracks[i].sha256, hex);
			len += snprintf(s + len, cap - (size_t)len, "%.16s,", hex);
		}
	return s;
}

/* ---------------------------------------------------------------- model */

static void name_model(App *a)
{
	for (int k = 0; k < a->cs.n; k++) {
		snprintf(a->model->labels[k], RFX_MAX_LABEL, "%s", a->cs.name[k]);
		a->model->notes[k] = a->notes[k];
	}
	a->model->has_notes = 1;
}

static int make_model(App *a)
{
	RfxModelSpec spec = {
		.cell = a->o.cell, .n_layers = a->o.layers, .n_inputs = 1, .hidden = a->o.hidden,
		.mode = RFX_MODE_ONSET, .n_outputs = a->cs.n, .sample_rate = a->train.rate,
		.frontend = a->o.frontend,
	};
	spec.frontend.hop = a->hop > 1 ? a->hop : 0;
	if (spec.frontend.bands)
		spec.n_inputs = rfx_frontend_inputs(&spec.frontend);
	if (trn_run_new_model(&spec, &a->o.train_cfg, &a->model, &a->adam, &a->st, &a->err) != 0)
		return -1;
	if (a->init) { /* the same spec (load_init), so the same tensors in the same order */
		if (a->init->n_params != a->model->n_params)
			return trn_error_set(&a->err, a->o.init, "its tensors do not match its shape");
		memcpy(a->model->params, a->init->params, a->model->n_params * sizeof *a->model->params);
	}
	name_model(a);
	return 0;
}

/* The run's classes are model m's, in its order (--eval, --init, --ensemble). */
static void take_classes(App *a, const RfxModel *m)
{
	a->cs.n = m->spec.n_outputs;
	for (int k = 0; k < a->cs.n; k++)
		snprintf(a->cs.name[k], RFX_MAX_LABEL, "%s", m->labels[k]);
}

/* --init MODEL: an onset model to fine-tune. Its shape, front end, hop, classes (in its order)
 * and notes become the run's, so only the data and the training options are the user's; a
 * fine-tuned drum preset then drops into the plugin where the preset was. */
static int load_init(App *a)
{
	if (a->o.arch_given)
		return trn_error_set(&a->err, "--init", "the model's shape, front end and hop are kept: "
				     "leave out --arch, --hidden, --layers, --frontend and --hop");
	if (trn_run_load(a->o.init, RFX_MODE_ONSET, "not an onset model (rnnfx-train --task onset "
			 "makes them)", &a->init, &a->err))
		return -1;
	uint8_t d[32];
	if (trn_sha256_file(a->o.init, d))
		return trn_error_set(&a->err, a->o.init, "cannot be read");
	trn_sha256_hex(d, a->init_sha);
	const RfxModelSpec *s = &a->init->spec;
	a->o.cell = s->cell;
	a->o.hidden = s->hidden;
	a->o.layers = s->n_layers;
	a->o.frontend = s->frontend;
	a->o.frontend.hop = 0;
	a->o.hop = rfx_frontend_hop(&s->frontend);
	if (!a->o.class_names) {
		take_classes(a, a->init);
	}
	return 0;
}

/* After load_data: the data must be the model's rate, and --class-names its classes. */
static int check_init(App *a)
{
	const RfxModelSpec *s = &a->init->spec;
	if (a->train.rate != s->sample_rate)
		return trn_error_set(&a->err, a->o.init, "a model at %g Hz, the data at %g Hz",
				     s->sample_rate, a->train.rate);
	int same = a->cs.n == s->n_outputs;
	for (int k = 0; same && k < a->cs.n; k++)
		same = strcmp(a->cs.name[k], a->init->labels[k]) == 0;
	if (!same)
		return trn_error_set(&a->err, a->o.init, "--class-names must be the model's classes in "
				     "its order (or be left out)");
	return 0;
}

static int resume(App *a)
{
	const RfxModelSpec want = { .mode = RFX_MODE_ONSET, .n_outputs = a->cs.n,
				    .sample_rate = a->train.rate };
	if (trn_run_resume(a->o.resume, a->fingerprint, "seed, classes, --tolerance, --segment, "
			   "--warmup, --window, --batch, --batches, splits", &want, &a->model, &a->adam,
			   &a->st, &a->err) != 0)
		return -1;
	name_model(a);
	trn_run_note(a->o.quiet, "%s: resuming at epoch %lld (best validation mean F1 %.2f %%)",
		     a->o.resume, (long long)a->st.epoch, 100 * (1 - a->st.best_val));
	return 0;
}

/* ---------------------------------------------------------------- the task */

/* Every epoch has --batches batches, or as many as hold the training audio once. */
static int64_t plan(void *ctx, int64_t epoch)
{
	const App *a = ctx;
	(void)epoch;
	return trn_run_plan(a->o.batches, &a->o.train_cfg, a->seg_len, a->train.n / (size_t)a->hop);
}

/* The n-th onset of class k in the training set (n < count[k]), by a scan: K <= 16 and a batch
 * has a few segments, so the cost is small next to the BPTT. */
static size_t nth_onset(const App *a, int k, size_t n)
{
	for (size_t i = 0; i < a->train.n_on; i++)
		if (a->train.on[i].cls == k && n-- == 0)
			return a->train.on[i].pos;
	return 0;
}

/* The network's inputs and targets for the S steps from sample `start` (I and K per step): the
 * samples, or the front end's features, computed by the code the stream runs after it has settled
 * on the 50 ms before the segment (its slowest envelope is 20 ms). With a hop, step s reads the
 * features and targets of sample start + s * hop + hop - 1, where the stream steps the network
 * (rfx_frontend_push); `tk` holds the hop's K targets per sample. */
static void segment(const App *a, size_t start, size_t S, float *x, float *t, float *tk)
{
	const RfxFrontendSpec *fs = &a->model->spec.frontend;
	const size_t K = (size_t)a->cs.n, h = (size_t)a->hop;
	if (!fs->bands) {
		memcpy(x, a->train.x + start, S * sizeof *x);
		trn_onset_targets(&a->train, (int)K, &a->shape, start, S, t);
		return;
	}
	RfxFrontend fe;
	float scratch[RFX_MAX_INPUTS];
	const size_t I = (size_t)rfx_frontend_inputs(fs), settle = (size_t)(0.05 * a->train.rate);
	rfx_frontend_init(&fe, fs, a->train.rate);
	for (size_t i = start > settle ? start - settle : 0; i < start; i++)
		rfx_frontend_step(&fe, a->train.x[i], scratch);
	fe.phase = 0;
	for (size_t s = 0; s < S; s++)
		for (size_t i = 0; i < h; i++)
			rfx_frontend_push(&fe, a->train.x[start + s * h + i], x + s * I);
	if (h == 1) {
		trn_onset_targets(&a->train, (int)K, &a->shape, start, S, t);
		return;
	}
	for (size_t s = 0; s < S; s++) {
		trn_onset_targets(&a->train, (int)K, &a->shape, start + s * h, h, tk);
		memcpy(t + s * K, tk + (h - 1) * K, K * sizeof *t);
	}
}

/* Batch b of epoch e is drawn from (seed, e, b) alone. Even segments hold a hit of class
 * (first + i / 2) mod K at a random place of their loss part, so rare classes (toms, cymbals)
 * are seen as often as kicks; odd segments start anywhere, so the model also meets what lies
 * between hits. S is in network steps of `hop` samples. */
static int fill(void *ctx, int64_t epoch, int64_t b, size_t S, float *x, float *t, int32_t *lab)
{
	const App *a = ctx;
	(void)lab;
	const size_t warm = (size_t)a->o.train_cfg.warmup, N = a->train.n, K = (size_t)a->cs.n;
	const size_t h = (size_t)a->hop, span = S * h;
	uint64_t g = a->o.train_cfg.seed * 0xD1B54A32D192ED03ULL +
		     (uint64_t)epoch * 0x9E3779B97F4A7C15ULL + (uint64_t)b;
	const int first = (int)(trn_mix(&g) % K);
	for (int i = 0; i < a->o.train_cfg.batch; i++) {
		size_t start;
		if (i % 2 == 0) {
			const int k = (int)(((size_t)first + (size_t)i / 2) % K);
			const size_t p = nth_onset(a, k, trn_mix(&g) % a->train.count[k]);
			const size_t o = (warm + (size_t)(trn_mix(&g) % (S - warm))) * h;
			start = p > o ? p - o : 0;
		} else {
			start = (size_t)(trn_mix(&g) % (N - span + 1));
		}
		if (start + span > N)
			start = N - span;
		segment(a, start, S, x + (size_t)i * S * (size_t)a->model->spec.n_inputs,
			t + (size_t)i * S * K, a->tk);
	}
	return a->o.train_cfg.batch;
}

/* 1 - mean F1 of the validation hits, each class at its best threshold (the one finish() builds
 * into the model), is what "best", the plateau and early stopping watch. */
static int score(void *ctx, const RfxModel *m, double *err, TrnError *e)
{
	App *a = ctx;
	float thr[RFX_MAX_CLASSES];
	if (trn_onset_calibrate(m, &a->val, (size_t)a->warm, thr, &a->last) != RFX_OK)
		return trn_error_set(e, NULL, "validation failed");
	*err = isnan(a->last.mean_f1) ? 1.0 : 1.0 - a->last.mean_f1;
	return 0;
}

static void validated(void *ctx, const TrnState *st)
{
	const App *a = ctx;
	if (a->o.quiet)
		return;
	const TrnPoint *p = &st->hist[st->n_hist - 1];
	fprintf(stderr, "epoch %lld  %lld batches  loss %.4g  val mean F1 %.2f %% (best %.2f %%)  "
		"lr %.2g  %.0f s\n", (long long)st->epoch, (long long)st->batch, p->loss,
		100 * a->last.mean_f1, 100 * (1 - st->best_val), p->lr, st->elapsed);
}

static void log_cb(void *ctx, int warn, const char *file, const char *msg)
{
	const App *a = ctx;
	trn_run_log(a->o.quiet, warn, file, msg);
}

/* ---------------------------------------------------------------- results */

static json_t *metrics_json(const TrnOnsetMetrics *m, const TrnClassSet *cs)
{
	json_t *j = json_object(), *cls = json_object();
	json_object_set_new(j, "mean_f1", trn_json_num(m->mean_f1));
	json_object_set_new(j, "latency_median_ms", trn_json_num(m->latency_median_ms));
	json_object_set_new(j, "latency_p90_ms", trn_json_num(m->latency_p90_ms));
	for (int k = 0; k < m->K; k++)
		json_object_set_new(cls, cs->name[k], json_pack(
			"{s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "hits", (json_int_t)m->onsets[k],
			"notes", (json_int_t)m->detections[k], "precision", trn_json_num(m->precision[k]),
			"recall", trn_json_num(m->recall[k]), "f1", trn_json_num(m->f1[k]),
			"latency_median_ms", trn_json_num(m->lat_median_ms[k]),
			"latency_p90_ms", trn_json_num(m->lat_p90_ms[k])));
	json_object_set_new(j, "classes", cls);
	return j;
}

static void add_tracks(json_t *arr, const TrnOnsetTracks *ot, const char *role)
{
	for (int i = 0; i < ot->tl.n_tracks; i++)
		json_array_append_new(arr, trn_run_data_entry(role, ot->tl.tracks[i].path,
							      ot->tl.tracks[i].sha256));
}

static char *make_metadata(App *a, const TrnOnsetMetrics *val, const TrnOnsetMetrics *test,
			   TrnStop stop)
{
	const RfxModelSpec *s = &a->model->spec;
	json_t *m = json_pack("{s:s, s:s, s:s, s:{s:s, s:i, s:i, s:s}, s:f, s:f}", "trainer", PROG,
			      "rnnfx_version", RFX_VERSION, "task", "onset", "architecture", "cell",
			      rfx_cell_name(s->cell), "hidden", s->hidden, "layers", s->n_layers,
			      "init_state", "zeros", "sample_rate", s->sample_rate, "tolerance_ms",
			      a->o.tolerance_ms);
	if (m)
		json_object_set_new(m, "decision_delay_ms", json_real(a->o.decision_ms));
	if (m && a->init)
		json_object_set_new(m, "init_model", json_pack("{s:s, s:s}", "path", a->o.init,
								"sha256", a->init_sha));
	if (!m)
		return NULL;
	json_t *cls = json_array(), *w = json_array();
	for (int k = 0; k < a->cs.n; k++) {
		json_array_append_new(cls, json_string(a->cs.name[k]));
		json_array_append_new(w, json_real(a->weights[k]));
	}
	json_object_set_new(m, "classes", cls);
	if (a->train.n)
		json_object_set_new(m, "positive_weights", w);
	else
		json_decref(w);
	if (a->members)
		json_object_set(m, "ensemble_of", a->members);
	json_t *th = json_array();
	for (int k = 0; k < a->cs.n; k++)
		json_array_append_new(th, json_real(a->thr[k]));
	json_object_set_new(m, "calibrated_thresholds", th);
	json_object_set_new(m, "metrics_from", json_string(test ? "test" : "validation"));
	json_object_set_new(m, "validation", metrics_json(val, &a->cs));
	if (test)
		json_object_set_new(m, "test", metrics_json(test, &a->cs));
	json_object_set_new(m, "warmup_samples", json_integer(a->warm));
	json_t *data = json_array();
	add_tracks(data, &a->ot_train, "train");
	add_tracks(data, &a->ot_val, "validation");
	add_tracks(data, &a->ot_test, "test");
	if (a->members) { /* no training here: the members' own records say how they were trained */
		json_object_set_new(m, "command_line", json_string(a->o.cmdline));
		json_object_set_new(m, "data", data);
		char *text = json_dumps(m, JSON_COMPACT);
		json_decref(m);
		return text;
	}
	return trn_run_metadata(m, &a->o, &a->st, stop, data);
}

/* Moves each class's head bias by -logit(thr[k]), so that the detector's default threshold (0.5)
 * fires where thr[k] did: the calibration travels in the weights, and the plugin's threshold port
 * keeps its meaning (0.5: as calibrated; higher: fewer, surer notes). */
static void apply_thresholds(RfxModel *model, const float *thr)
{
	RfxTensor *b = rfx_model_tensor(model, "head.bias");
	for (int k = 0; b && k < model->spec.n_outputs; k++)
		b->data[k] -= logf(thr[k] / (1.0f - thr[k]));
}

/* Calibrates each class's threshold on the validation set into the model, measures it there and
 * on the test set, and writes it. */
static int calibrate_and_save(App *a, TrnStop stop)
{
	TrnOnsetMetrics val, test;
	const size_t warm = (size_t)a->warm;
	if (trn_onset_calibrate(a->model, &a->val, warm, a->thr, &val) != RFX_OK)
		return trn_error_set(&a->err, NULL, "calibration failed");
	apply_thresholds(a->model, a->thr);
	if (trn_onset_evaluate(a->model, &a->val, warm, NULL, &val) != RFX_OK ||
	    (a->test.n && trn_onset_evaluate(a->model, &a->test, warm, NULL, &test) != RFX_OK))
		return trn_error_set(&a->err, NULL, "evaluation failed");
	const TrnOnsetMetrics *t = a->test.n ? &test : NULL;
	char *meta = make_metadata(a, &val, t, stop);
	if (trn_run_save(a->model, meta, a->o.out, &a->err))
		return -1;
	trn_run_summary(a->o.quiet, a->o.out, &a->st, stop);
	if (!a->o.quiet) {
		trn_onset_metrics_print(stderr, &val, a->model->labels);
		if (t) {
			fprintf(stderr, "test:\n");
			trn_onset_metrics_print(stderr, t, a->model->labels);
		}
	}
	return 0;
}

static int finish(App *a, TrnStop stop)
{
	trn_run_best(a->model, &a->st);
	return calibrate_and_save(a, stop);
}

/* One --ensemble member: loaded, and what it was (its file's hash, its seed and command). */
static int load_member(App *a, const char *path, RfxModel **m)
{
	uint8_t d[32];
	char hex[65];
	if (trn_run_load(path, RFX_MODE_ONSET, "not an onset model", m, &a->err))
		return -1;
	if (trn_sha256_file(path, d))
		return trn_error_set(&a->err, path, "cannot be read");
	trn_sha256_hex(d, hex);
	json_t *meta = (*m)->metadata ? json_loads((*m)->metadata, 0, NULL) : NULL;
	json_t *e = json_pack("{s:s, s:s}", "path", path, "sha256", hex);
	static const char *const kept[] = { "seed", "command_line" };
	for (int i = 0; e && meta && i < 2; i++)
		if (json_object_get(meta, kept[i]))
			json_object_set(e, kept[i], json_object_get(meta, kept[i]));
	json_decref(meta);
	if (!e || json_array_append_new(a->members, e))
		return trn_error_set(&a->err, NULL, "out of memory");
	return 0;
}

/* --ensemble A,B,...: no training. The models side by side as one (ensemble.h), each class's
 * threshold calibrated on --val-onsets, measured on --test-onsets. */
static int ensemble_only(App *a)
{
	enum { MAX_MEMBERS = 8 };
	RfxModel *mem[MAX_MEMBERS] = { 0 };
	char path[MAX_MEMBERS][1024];
	const char *names[MAX_MEMBERS];
	int n = 0, rc = -1;
	a->members = json_array();
	for (const char *p = a->o.ensemble; a->members && *p && n <= MAX_MEMBERS;) {
		const size_t len = strcspn(p, ",");
		if (n < MAX_MEMBERS) {
			snprintf(path[n], sizeof path[n], "%.*s", (int)len, p);
			names[n] = path[n];
		}
		n++;
		p += len + (p[len] == ',');
	}
	if (n < 2 || n > MAX_MEMBERS) {
		trn_error_set(&a->err, "--ensemble", "2 to %d model files, comma-separated", MAX_MEMBERS);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (load_member(a, path[i], &mem[i]))
			goto out;
	if (trn_ensemble_merge(mem, names, n, &a->model, &a->err))
		goto out;
	take_classes(a, a->model);
	if (load_dirs(a, &a->ot_val, &a->o.cls_val, 0) ||
	    (a->o.cls_test.n_dir && load_dirs(a, &a->ot_test, &a->o.cls_test, 0)) ||
	    build(a, &a->val, &a->ot_val, 0, "validation") ||
	    (a->o.cls_test.n_dir && build(a, &a->test, &a->ot_test, 0, "test")))
		goto out;
	if (a->val.rate != a->model->spec.sample_rate) {
		trn_error_set(&a->err, a->o.cls_val.dir[0], "data at %g Hz, the models at %g Hz",
			      a->val.rate, a->model->spec.sample_rate);
		goto out;
	}
	trn_run_note(a->o.quiet, "%d models as one (hidden %d), calibrated on %.1f s (%zu hits)", n,
		     a->model->spec.hidden, (double)a->val.n / a->val.rate, a->val.n_on);
	rc = calibrate_and_save(a, TRN_STOP_EPOCHS);
out:
	for (int i = 0; i < n && i < MAX_MEMBERS; i++)
		if (mem[i])
			rfx_model_free(mem[i]);
	return rc;
}

/* --eval: the model's own classes, in its order, must be the data's. */
static int evaluate_only(App *a)
{
	if (trn_run_load(a->o.eval, RFX_MODE_ONSET, "not an onset model", &a->model, &a->err))
		return -1;
	if (!a->o.class_names) {
		take_classes(a, a->model);
	}
	if (load_data(a))
		return -1;
	if (a->test.rate != a->model->spec.sample_rate)
		return trn_error_set(&a->err, a->o.eval, "model at %g Hz, data at %g Hz",
				     a->model->spec.sample_rate, a->test.rate);
	TrnOnsetMetrics m;
	if (trn_onset_evaluate(a->model, &a->test, (size_t)a->warm, NULL, &m) != RFX_OK)
		return trn_error_set(&a->err, NULL, "evaluation failed");
	printf("%s: %.3f s of audio, %zu hits, %d classes\n", a->o.eval,
	       (double)a->test.n / a->test.rate, a->test.n_on, m.K);
	trn_onset_metrics_print(stdout, &m, a->model->labels);
	printf("mean_f1 %.9f\nlatency_median_ms %.3f\nlatency_p90_ms %.3f\n", m.mean_f1,
	       m.latency_median_ms, m.latency_p90_ms);
	for (int k = 0; k < m.K; k++)
		printf("class %s precision %.6f recall %.6f f1 %.6f\n", a->model->labels[k],
		       m.precision[k], m.recall[k], m.f1[k]);
	return 0;
}

static int run(App *a)
{
	if (a->o.eval)
		return evaluate_only(a) ? trn_run_fail(&a->err) : 0;
	if (a->o.ensemble)
		return ensemble_only(a) ? trn_run_fail(&a->err) : 0;
	if ((a->o.init && load_init(a)) || load_data(a) != 0 || (a->init && check_init(a)))
		return trn_run_fail(&a->err);
	trn_run_note(a->o.quiet, "%d classes at %g Hz: %.1f s training (%zu hits), %.1f s validation "
		     "(%zu hits)%s", a->cs.n, a->train.rate, (double)a->train.n / a->train.rate,
		     a->train.n_on, (double)a->val.n / a->train.rate, a->val.n_on,
		     a->test.n ? "" : ", no test set");
	if (a->test.n)
		trn_run_note(a->o.quiet, "%.1f s test (%zu hits)", (double)a->test.n / a->train.rate,
			     a->test.n_on);
	a->fingerprint = make_fingerprint(a);
	if (!a->fingerprint)
		return trn_error_set(&a->err, NULL, "out of memory"), trn_run_fail(&a->err);
	if ((a->o.resume ? resume(a) : make_model(a)) != 0)
		return trn_run_fail(&a->err);
	TrnTask task = {
		.ctx = a, .rate = a->train.rate / a->hop, .labels = 0, .class_weights = a->weights,
		.est_batch = a->o.train_cfg.batch, .plan = plan, .fill = fill, .score = score,
	};
	const char *outs[] = { a->o.out, a->ckpt_path, NULL };
	const TrnHooks hooks = { .ctx = a, .log = log_cb, .validated = validated };
	TrnStop stop = trn_run_train(outs, a->ckpt_path, a->fingerprint, &a->o.train_cfg, &task,
				     a->model, a->adam, &a->st, &hooks, &a->err);
	if (stop == TRN_STOP_ERROR)
		return trn_run_fail(&a->err);
	if (stop == TRN_STOP_INTERRUPT)
		return trn_run_interrupted(a->ckpt_path);
	return finish(a, stop) ? trn_run_fail(&a->err) : 0;
}

int trn_onset_main(const TrnOptions *o)
{
	static App a;
	a.o = *o;
	a.hop = 1;
	a.warm = o->train_cfg.warmup;
	trn_run_paths(&a.o, a.ckpt_path, sizeof a.ckpt_path, a.report_path, sizeof a.report_path);
	int rc = run(&a);
	trn_onset_set_free(&a.train);
	trn_onset_set_free(&a.val);
	trn_onset_set_free(&a.test);
	trn_onsets_free(&a.ot_train);
	trn_onsets_free(&a.ot_val);
	trn_onsets_free(&a.ot_test);
	trn_run_free(a.model, a.adam, &a.st, a.fingerprint);
	if (a.init)
		rfx_model_free(a.init);
	json_decref(a.members);
	free(a.tk);
	return rc;
}
