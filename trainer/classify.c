#include "classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../dsp/model_file.h"
#include "labels.h"
#include "metrics.h"
#include "options.h"
#include "run.h"
#include "sha256.h"
#include "train_loop.h"

#define PROG TRN_PROG

typedef struct {
	TrnOptions o;
	TrnClassSet cs;
	TrnTrackList tl_train, tl_val, tl_test;
	TrnClsSet train, val, test;
	float weights[RFX_MAX_CLASSES];
	RfxModel *model;
	RfxAdam *adam;
	TrnState st;
	char *fingerprint;
	char ckpt_path[1024], report_path[1024];
	TrnError err;
	/* the task */
	size_t seg_len;
	size_t *runs;               /* per class: pairs (start, cumulative count end) into train */
	size_t n_runs[RFX_MAX_CLASSES], run_off[RFX_MAX_CLASSES];
	TrnClsMetrics last;         /* of the latest validation */
} App;

/* ---------------------------------------------------------------- data */

static int load_sources(App *a, TrnTrackList *tl, const TrnSources *s)
{
	for (int i = 0; i < s->n_dir; i++)
		if (trn_tracks_load_dir(tl, s->dir[i], &a->cs, &a->err))
			return -1;
	for (int i = 0; i < s->n_csv; i++)
		if (trn_tracks_load_csv(tl, s->csv[i], &a->cs, &a->err))
			return -1;
	const char *where = s->n_dir ? s->dir[0] : s->csv[0];
	if (trn_tracks_check_classes(tl, &a->cs, where, &a->err))
		return -1;
	if (a->tl_train.rate && tl->rate != a->tl_train.rate)
		return trn_error_set(&a->err, tl->rate_file, "sample rate %g Hz, but the training "
				     "files are at %g Hz", tl->rate, a->tl_train.rate);
	return 0;
}

static int has(const TrnSources *s)
{
	return s->n_dir + s->n_csv > 0;
}

/* --gain-augment was given (a range other than 0,0). */
static int augments(const App *a)
{
	return a->o.gain_augment_db[0] != 0 || a->o.gain_augment_db[1] != 0;
}

static int build(App *a, TrnClsSet *s, const TrnTrackList *tl, int part, const char *what)
{
	if (trn_clsset_build(s, tl, part, a->o.val_split, a->o.train_cfg.seed) != 0)
		return trn_error_set(&a->err, NULL, "out of memory for the %s set", what);
	return 0;
}

static int load_data(App *a)
{
	if (a->o.class_names && trn_classes_parse(a->o.class_names, &a->cs, &a->err))
		return -1;
	if (load_sources(a, &a->tl_train, &a->o.cls_train))
		return -1;
	if (a->o.eval)
		return build(a, &a->test, &a->tl_train, 0, "evaluation");
	if (has(&a->o.cls_val) && load_sources(a, &a->tl_val, &a->o.cls_val))
		return -1;
	if (has(&a->o.cls_test) && load_sources(a, &a->tl_test, &a->o.cls_test))
		return -1;
	int split = !has(&a->o.cls_val);
	if (build(a, &a->train, &a->tl_train, split ? 1 : 0, "training") ||
	    build(a, &a->val, split ? &a->tl_train : &a->tl_val, split ? 2 : 0, "validation") ||
	    (has(&a->o.cls_test) && build(a, &a->test, &a->tl_test, 0, "test")))
		return -1;
	const char *where = has(&a->o.cls_train) && a->o.cls_train.n_dir ? a->o.cls_train.dir[0] : a->o.cls_train.csv[0];
	for (int k = 0; k < a->cs.n; k++)
		if (a->train.count[k] == 0)
			return trn_error_set(&a->err, where, "class '%s' has no training examples left "
					     "after the split", a->cs.name[k]);
	if (trn_run_check_lengths(&a->o.train_cfg, a->train.rate, a->train.n, a->val.n, where,
				  &a->seg_len, &a->err))
		return -1;
	/* Inverse class frequency, normalised so the mean weight per labelled sample is 1. */
	size_t total = 0;
	for (int k = 0; k < a->cs.n; k++)
		total += a->train.count[k];
	for (int k = 0; k < a->cs.n; k++)
		a->weights[k] = a->o.no_class_weights ? 1.0f
			: (float)((double)total / ((double)a->cs.n * (double)a->train.count[k]));
	return 0;
}

static char *make_fingerprint(const App *a)
{
	size_t cap = 1024;
	const TrnTrackList *lists[2] = { &a->tl_train, &a->tl_val };
	for (int k = 0; k < 2; k++)
		cap += 40 * (size_t)lists[k]->n_tracks;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	int len = snprintf(s, cap, "task=classify seed=%llu segment=%.6g warmup=%d window=%d batch=%d "
			   "batches=%ld val-split=%g weights=%d classes=", (unsigned long long)a->o.train_cfg.seed,
			   a->o.train_cfg.segment_s, a->o.train_cfg.warmup, a->o.train_cfg.window, a->o.train_cfg.batch, a->o.batches,
			   has(&a->o.cls_val) ? 0 : a->o.val_split, !a->o.no_class_weights);
	if (augments(a) && (size_t)len < cap)     /* absent when off: older checkpoints still match */
		len += snprintf(s + len, cap - (size_t)len, " gain-augment=%.17g,%.17g ",
				a->o.gain_augment_db[0], a->o.gain_augment_db[1]);
	for (int k = 0; k < a->cs.n && (size_t)len < cap; k++)
		len += snprintf(s + len, cap - (size_t)len, "%.20s,", a->cs.name[k]);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < lists[k]->n_tracks && (size_t)len < cap; i++) {
			char hex[65];
			trn_sha256_hex(lists[k]->tracks[i].sha256, hex);
			len += snprintf(s + len, cap - (size_t)len, "%.16s,", hex);
		}
	return s;
}

/* ---------------------------------------------------------------- model */

/* The first layer's input weights start at this many times PyTorch's uniform init. A classifier
 * hears audio from -40 dBFS (0.01) up, where PyTorch's init barely moves the gates, so the network
 * spent its first thousands of steps growing those weights before it could learn a quiet class:
 * on the tone preset's data a 300 s run reached 84 % on validation without the factor and 93 %
 * with it (docs/trainer.md, "Training" under "Training a classifier"). */
#define CLS_INPUT_GAIN 30.0f

static int make_model(App *a)
{
	RfxModelSpec spec = {
		.cell = a->o.cell, .n_layers = a->o.layers, .n_inputs = 1, .hidden = a->o.hidden,
		.mode = RFX_MODE_CLASSIFIER, .n_outputs = a->cs.n, .sample_rate = a->train.rate,
	};
	if (trn_run_new_model(&spec, &a->o.train_cfg, &a->model, &a->adam, &a->st, &a->err) != 0)
		return -1;
	for (int k = 0; k < a->cs.n; k++)
		snprintf(a->model->labels[k], RFX_MAX_LABEL, "%s", a->cs.name[k]);
	RfxTensor *w = rfx_model_tensor(a->model, "weight_ih_l0");
	for (int i = 0; i < w->rows * w->cols; i++)
		w->data[i] *= CLS_INPUT_GAIN;
	return 0;
}

static int resume(App *a)
{
	const RfxModelSpec want = { .mode = RFX_MODE_CLASSIFIER, .n_outputs = a->cs.n,
				    .sample_rate = a->train.rate };
	if (trn_run_resume(a->o.resume, a->fingerprint, "seed, classes, --segment, --warmup, "
			   "--window, --batch, --batches, splits", &want, &a->model, &a->adam, &a->st,
			   &a->err) != 0)
		return -1;
	trn_run_note(a->o.quiet, "%s: resuming at epoch %lld (best validation accuracy %.2f %%)",
		     a->o.resume, (long long)a->st.epoch, 100 * (1 - a->st.best_val));
	return 0;
}

/* ---------------------------------------------------------------- the task */

/* The runs of every class in the training signal, as (start, cumulative length) pairs, so a
 * uniformly drawn sample of class k is one binary search away. */
static int index_runs(App *a)
{
	const TrnClsSet *s = &a->train;
	size_t n_total = 0;
	for (size_t i = 0; i < s->n; i++)
		n_total += s->lab[i] >= 0 && (i == 0 || s->lab[i - 1] != s->lab[i]);
	a->runs = malloc((n_total + 1) * 2 * sizeof *a->runs);
	if (!a->runs)
		return -1;
	size_t off = 0;
	for (int k = 0; k < a->cs.n; k++) {
		a->run_off[k] = off;
		size_t cum = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (s->lab[i] != k || (i > 0 && s->lab[i - 1] == k))
				continue;
			size_t j = i;
			while (j < s->n && s->lab[j] == k)
				j++;
			cum += j - i;
			a->runs[2 * off] = i;
			a->runs[2 * off + 1] = cum;
			off++;
		}
		a->n_runs[k] = off - a->run_off[k];
	}
	return 0;
}

static size_t draw_sample(const App *a, int k, uint64_t r)
{
	const size_t *runs = a->runs + 2 * a->run_off[k];
	size_t n = a->n_runs[k], total = runs[2 * (n - 1) + 1], target = r % total;
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {           /* first run whose cumulative end > target */
		size_t mid = (lo + hi) / 2;
		if (runs[2 * mid + 1] > target)
			hi = mid;
		else
			lo = mid + 1;
	}
	size_t before = lo ? runs[2 * (lo - 1) + 1] : 0;
	return runs[2 * lo] + (target - before);
}

/* Every epoch has --batches batches, or as many as hold the training audio once. */
static int64_t plan(void *ctx, int64_t epoch)
{
	const App *a = ctx;
	(void)epoch;
	return trn_run_plan(a->o.batches, &a->o.train_cfg, a->seg_len, a->train.n);
}

/* --gain-augment: every segment of the batch is scaled by its own gain, drawn uniformly in dB
 * from a stream of its own, so that the segments drawn (and a run without augmentation) stay the
 * same. The warm-up is scaled too: the state settles at the level the loss part is heard at. */
static void augment(const App *a, uint64_t g, int n_seg, size_t S, float *x)
{
	const double lo = a->o.gain_augment_db[0], hi = a->o.gain_augment_db[1];
	g ^= 0xA0761D6478BD642FULL;
	for (int i = 0; i < n_seg; i++) {
		double u = (double)(trn_mix(&g) >> 11) / 9007199254740992.0;
		float gain = (float)pow(10, (lo + (hi - lo) * u) / 20);
		for (size_t j = 0; j < S; j++)
			x[(size_t)i * S + j] *= gain;
	}
}

/* Batch b of epoch e is drawn from (seed, e, b) alone. Segment i is anchored on class
 * (first + i) mod K: a sample of that class drawn uniformly lands at a random place in the
 * segment's loss part. */
static int fill(void *ctx, int64_t epoch, int64_t b, size_t S, float *x, float *t, int32_t *lab)
{
	const App *a = ctx;
	(void)t;
	const size_t warm = (size_t)a->o.train_cfg.warmup, N = a->train.n;
	uint64_t g = a->o.train_cfg.seed * 0xD1B54A32D192ED03ULL + (uint64_t)epoch * 0x9E3779B97F4A7C15ULL +
		     (uint64_t)b;
	const uint64_t g0 = g;
	int first = (int)(trn_mix(&g) % (uint64_t)a->cs.n);
	for (int i = 0; i < a->o.train_cfg.batch; i++) {
		int k = (first + i) % a->cs.n;
		size_t p = draw_sample(a, k, trn_mix(&g));
		size_t o = warm + (size_t)(trn_mix(&g) % (S - warm));
		size_t start = p > o ? p - o : 0;
		if (start + S > N)
			start = N - S;
		memcpy(x + (size_t)i * S, a->train.x + start, S * sizeof *x);
		memcpy(lab + (size_t)i * S, a->train.lab + start, S * sizeof *lab);
	}
	if (augments(a))
		augment(a, g0, a->o.train_cfg.batch, S, x);
	return a->o.train_cfg.batch;
}

/* Validation frame error (1 - accuracy) is what "best" and the plateau watch. */
static int score(void *ctx, const RfxModel *m, double *err, TrnError *e)
{
	App *a = ctx;
	if (trn_cls_evaluate(m, &a->val, (size_t)a->o.train_cfg.warmup, &a->last) != RFX_OK)
		return trn_error_set(e, NULL, "validation failed");
	*err = 1 - a->last.accuracy;
	return 0;
}

/* One line per validation, with the latency the score does not show. */
static void validated(void *ctx, const TrnState *st)
{
	const App *a = ctx;
	if (a->o.quiet)
		return;
	const TrnPoint *p = &st->hist[st->n_hist - 1];
	char med[32];
	trn_cls_fmt_ms(med, sizeof med, a->last.latency_median_ms);
	fprintf(stderr, "epoch %lld  %lld batches  loss %.4g  val accuracy %.2f %% (best %.2f %%)  "
		"latency %s  lr %.2g  %.0f s\n", (long long)st->epoch, (long long)st->batch, p->loss,
		100 * a->last.accuracy, 100 * (1 - st->best_val), med, p->lr, st->elapsed);
}

static void log_cb(void *ctx, int warn, const char *file, const char *msg)
{
	const App *a = ctx;
	trn_run_log(a->o.quiet, warn, file, msg);
}

/* ---------------------------------------------------------------- results */

static json_t *metrics_json(const TrnClsMetrics *m, const TrnClassSet *cs)
{
	json_t *j = json_object(), *prec = json_object(), *rec = json_object(), *conf = json_array();
	json_object_set_new(j, "frame_accuracy", trn_json_num(m->accuracy));
	json_object_set_new(j, "decision_latency_median_ms", trn_json_num(m->latency_median_ms));
	json_object_set_new(j, "decision_latency_p90_ms", trn_json_num(m->latency_p90_ms));
	json_object_set_new(j, "onsets", json_integer(m->n_onsets));
	json_object_set_new(j, "undecided_onsets", json_integer(m->n_undecided));
	json_object_set_new(j, "samples", json_integer((json_int_t)m->n));
	for (int k = 0; k < m->K; k++) {
		json_object_set_new(prec, cs->name[k], trn_json_num(m->precision[k]));
		json_object_set_new(rec, cs->name[k], trn_json_num(m->recall[k]));
		json_t *row = json_array();
		for (int c = 0; c < m->K; c++)
			json_array_append_new(row, json_integer((json_int_t)m->confusion[k][c]));
		json_array_append_new(conf, row);
	}
	json_object_set_new(j, "precision", prec);
	json_object_set_new(j, "recall", rec);
	json_object_set_new(j, "confusion", conf);
	return j;
}

static void add_tracks(json_t *arr, const TrnTrackList *tl, const char *role)
{
	for (int i = 0; i < tl->n_tracks; i++)
		json_array_append_new(arr, trn_run_data_entry(role, tl->tracks[i].path,
							      tl->tracks[i].sha256));
}

static char *make_metadata(App *a, const TrnClsMetrics *val, const TrnClsMetrics *test,
			   TrnStop stop)
{
	const RfxModelSpec *s = &a->model->spec;
	json_t *m = json_pack("{s:s, s:s, s:s, s:{s:s, s:i, s:i, s:s}, s:f}", "trainer", PROG,
			      "rnnfx_version", RFX_VERSION, "task", "classify", "architecture", "cell",
			      rfx_cell_name(s->cell), "hidden", s->hidden, "layers", s->n_layers,
			      "init_state", "zeros", "sample_rate", s->sample_rate);
	if (!m)
		return NULL;
	json_t *cls = json_array(), *w = json_array();
	for (int k = 0; k < a->cs.n; k++) {
		json_array_append_new(cls, json_string(a->cs.name[k]));
		json_array_append_new(w, json_real(a->weights[k]));
	}
	json_object_set_new(m, "classes", cls);
	json_object_set_new(m, "class_weights", w);
	const TrnClsMetrics *main_m = test ? test : val;
	json_object_set_new(m, "validation_frame_accuracy", trn_json_num(val->accuracy));
	if (test)
		json_object_set_new(m, "test_frame_accuracy", trn_json_num(test->accuracy));
	json_object_set_new(m, "decision_latency_median_ms", trn_json_num(main_m->latency_median_ms));
	json_object_set_new(m, "decision_latency_p90_ms", trn_json_num(main_m->latency_p90_ms));
	json_object_set_new(m, "metrics_from", json_string(test ? "test" : "validation"));
	json_object_set_new(m, "validation", metrics_json(val, &a->cs));
	if (test)
		json_object_set_new(m, "test", metrics_json(test, &a->cs));
	json_object_set_new(m, "warmup_samples", json_integer(a->o.train_cfg.warmup));
	json_object_set_new(m, "gain_augment_db", augments(a) ? json_pack("[f, f]",
			    a->o.gain_augment_db[0], a->o.gain_augment_db[1]) : json_null());
	json_t *data = json_array();
	add_tracks(data, &a->tl_train, "train");
	add_tracks(data, &a->tl_val, "validation");
	add_tracks(data, &a->tl_test, "test");
	return trn_run_metadata(m, &a->o, &a->st, stop, data);
}

static int write_svg(App *a, const TrnClsMetrics *m, const char *what)
{
	char title[200];
	snprintf(title, sizeof title, "rnnfx-train --task classify: %s H=%d, %s confusion matrix",
		 rfx_cell_name(a->model->spec.cell), a->model->spec.hidden, what);
	if (trn_cls_confusion_svg(a->report_path, m, a->model->labels, title, &a->err))
		return -1;
	trn_run_note(a->o.quiet, "%s: confusion matrix", a->report_path);
	return 0;
}

static int finish(App *a, TrnStop stop)
{
	trn_run_best(a->model, &a->st);
	TrnClsMetrics val, test;
	size_t warm = (size_t)a->o.train_cfg.warmup;
	if (trn_cls_evaluate(a->model, &a->val, warm, &val) != RFX_OK ||
	    (a->test.n && trn_cls_evaluate(a->model, &a->test, warm, &test) != RFX_OK))
		return trn_error_set(&a->err, NULL, "evaluation failed");
	const TrnClsMetrics *t = a->test.n ? &test : NULL;
	char *meta = make_metadata(a, &val, t, stop);
	if (trn_run_save(a->model, meta, a->o.out, &a->err))
		return -1;
	trn_run_summary(a->o.quiet, a->o.out, &a->st, stop);
	if (!a->o.quiet) {
		trn_cls_metrics_print(stderr, &val, a->model->labels);
		if (t) {
			fprintf(stderr, "test:\n");
			trn_cls_metrics_print(stderr, t, a->model->labels);
		}
	}
	return a->o.no_report ? 0 : write_svg(a, t ? t : &val, t ? "test" : "validation");
}

/* --eval: the model's own classes, in its order, must be the data's. */
static int evaluate_only(App *a)
{
	if (trn_run_load(a->o.eval, RFX_MODE_CLASSIFIER, "not a classifier", &a->model, &a->err))
		return -1;
	if (!a->o.class_names) {
		a->cs.n = a->model->spec.n_outputs;
		for (int k = 0; k < a->cs.n; k++)
			snprintf(a->cs.name[k], RFX_MAX_LABEL, "%s", a->model->labels[k]);
	}
	if (load_data(a))
		return -1;
	if (a->test.rate != a->model->spec.sample_rate)
		return trn_error_set(&a->err, a->o.eval, "model at %g Hz, data at %g Hz",
				     a->model->spec.sample_rate, a->test.rate);
	TrnClsMetrics m;
	if (trn_cls_evaluate(a->model, &a->test, (size_t)a->o.train_cfg.warmup, &m) != RFX_OK)
		return trn_error_set(&a->err, NULL, "evaluation failed");
	printf("%s: %.3f s of audio, %d classes\n", a->o.eval, (double)a->test.n / a->test.rate, m.K);
	trn_cls_metrics_print(stdout, &m, a->model->labels);
	printf("frame_accuracy %.9f\nlatency_median_ms %.3f\nlatency_p90_ms %.3f\n", m.accuracy,
	       m.latency_median_ms, m.latency_p90_ms);
	if (a->o.report) {
		snprintf(a->report_path, sizeof a->report_path, "%s", a->o.report);
		return write_svg(a, &m, "evaluation");
	}
	return 0;
}

static int run(App *a)
{
	if (a->o.eval)
		return evaluate_only(a) ? trn_run_fail(&a->err) : 0;
	if (load_data(a) != 0)
		return trn_run_fail(&a->err);
	trn_run_note(a->o.quiet, "%d classes at %g Hz: %.1f s training, %.1f s validation%s", a->cs.n,
		     a->train.rate, (double)a->train.n / a->train.rate, (double)a->val.n / a->train.rate,
		     a->test.n ? "" : ", no test set");
	if (a->test.n)
		trn_run_note(a->o.quiet, "%.1f s test", (double)a->test.n / a->train.rate);
	if (augments(a))
		trn_run_note(a->o.quiet, "training segments at gains of %g to %g dB (validation and "
			     "test as they are)", a->o.gain_augment_db[0], a->o.gain_augment_db[1]);
	a->fingerprint = make_fingerprint(a);
	if (!a->fingerprint)
		return trn_error_set(&a->err, NULL, "out of memory"), trn_run_fail(&a->err);
	if ((a->o.resume ? resume(a) : make_model(a)) != 0)
		return trn_run_fail(&a->err);
	if (index_runs(a) != 0)
		return trn_error_set(&a->err, NULL, "out of memory for %d segments of %zu samples",
				     a->o.train_cfg.batch, a->seg_len), trn_run_fail(&a->err);
	TrnTask task = {
		.ctx = a, .rate = a->train.rate, .labels = 1, .class_weights = a->weights,
		.est_batch = a->o.train_cfg.batch, .plan = plan, .fill = fill, .score = score,
	};
	const char *outs[] = { a->o.out, a->ckpt_path, a->o.no_report ? NULL : a->report_path };
	const TrnHooks hooks = { .ctx = a, .log = log_cb, .validated = validated };
	TrnStop stop = trn_run_train(outs, a->ckpt_path, a->fingerprint, &a->o.train_cfg, &task,
				     a->model, a->adam, &a->st, &hooks, &a->err);
	if (stop == TRN_STOP_ERROR)
		return trn_run_fail(&a->err);
	if (stop == TRN_STOP_INTERRUPT)
		return trn_run_interrupted(a->ckpt_path);
	return finish(a, stop) ? trn_run_fail(&a->err) : 0;
}

int trn_classify_main(const TrnOptions *o)
{
	static App a;
	a.o = *o;
	trn_run_paths(&a.o, a.ckpt_path, sizeof a.ckpt_path, a.report_path, sizeof a.report_path);
	int rc = run(&a);
	free(a.runs);
	trn_clsset_free(&a.train);
	trn_clsset_free(&a.val);
	trn_clsset_free(&a.test);
	trn_tracks_free(&a.tl_train);
	trn_tracks_free(&a.tl_val);
	trn_tracks_free(&a.tl_test);
	trn_run_free(a.model, a.adam, &a.st, a.fingerprint);
	return rc;
}
