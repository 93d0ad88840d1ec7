/* rnnfx-train — trains a recurrent model of an effect from a DI recording and the same take
 * through the effect (and, with --task classify, a classifier: classify.c). See docs/trainer.md.
 *
 * The program is a thin shell over dsp/ (model, BPTT, optimiser, stream) and the modules beside
 * it: options (command line), dataset (loading and checks), train_loop with the effect task
 * (task_effect), run (what both tasks do around the loop), checkpoint, evaluate, progress and
 * report_svg. This file only wires them together and prints.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../dsp/model_file.h"
#include "classify.h"
#include "onset.h"
#include "dataset.h"
#include "evaluate.h"
#include "knobs.h"
#include "lv2_preset.h"
#include "memory.h"
#include "options.h"
#include "progress.h"
#include "report_svg.h"
#include "run.h"
#include "sha256.h"
#include "task_effect.h"
#include "train_loop.h"

#define PROG TRN_PROG

typedef struct {
	TrnOptions o;
	TrnData train, val, test;
	TrnSpan tr[TRN_MAX_PAIRS], va[TRN_MAX_PAIRS], te[TRN_MAX_PAIRS];
	int n_tr, n_va, n_te;
	const TrnData *va_data, *te_data;
	RfxModel *model;
	RfxAdam *adam;
	TrnState st;
	char *fingerprint;
	char ckpt_path[1024], report_path[1024];
	TrnProgressDisplay pd;
	TrnError err;
	TrnMemory memory;       /* the target's (memory.h), over the training pairs */
	int memory_grew;        /* the segments were lengthened to reach it */
} App;

/* run.h's lines, each after ending the progress display's status line. */
static void log_cb(void *ctx, int warn, const char *file, const char *msg)
{
	App *a = ctx;
	if (!warn && a->o.quiet)
		return;
	trn_progress_break(&a->pd);
	trn_run_log(a->o.quiet, warn, file, msg);
}

static int fail(App *a)
{
	trn_progress_break(&a->pd);
	return trn_run_fail(&a->err);
}

static int load_list(App *a, TrnData *d, const TrnFileList *l)
{
	for (int i = 0; i < l->n_in; i++)
		if (trn_data_add_pair(d, l->in[i], l->tgt[i], a->o.channel, &a->o.pair, log_cb, a,
				      &a->err) != TRN_OK)
			return -1;
	if (d->n_pairs && a->train.n_pairs && d->rate != a->train.rate)
		return trn_error_set(&a->err, l->in[0], "sample rate %g Hz, but the training files "
				     "are at %g Hz", d->rate, a->train.rate);
	return 0;
}

/* Validation and test come from their own files when given, else from the end of each pair. */
static void make_splits(App *a)
{
	double vf = a->o.val.n_in ? 0 : a->o.val_split, tf = a->o.test.n_in ? 0 : a->o.test_split;
	TrnSpan va[TRN_MAX_PAIRS], te[TRN_MAX_PAIRS];
	int n_va, n_te;
	trn_data_split(&a->train, vf, tf, a->tr, &a->n_tr, va, &n_va, te, &n_te);
	a->va_data = a->o.val.n_in ? &a->val : &a->train;
	a->te_data = a->o.test.n_in ? &a->test : &a->train;
	if (a->o.val.n_in) {
		trn_data_whole(&a->val, a->va, &a->n_va);
	} else {
		memcpy(a->va, va, sizeof va);
		a->n_va = n_va;
	}
	if (a->o.test.n_in) {
		trn_data_whole(&a->test, a->te, &a->n_te);
	} else {
		memcpy(a->te, te, sizeof te);
		a->n_te = n_te;
	}
}

static int too_short(App *a, const char *path, const char *what, double need_s, double have_s)
{
	return trn_error_set(&a->err, path, "too short: %s has %.3f s, needs more than %.3f s", what,
			     have_s, need_s);
}

/* Every evaluation span must be longer than the warm-up it leaves out, or it measures nothing. */
static int check_eval_spans(App *a, const TrnData *d, const TrnSpan *s, int n, const char *what)
{
	size_t warm = (size_t)a->o.train_cfg.warmup;
	double need = 2.0 * (double)warm / a->train.rate;
	if (n == 0)
		return too_short(a, a->train.pairs[0].path_in, what, need, 0);
	for (int i = 0; i < n; i++)
		if (s[i].n <= 2 * warm)
			return too_short(a, d->pairs[s[i].pair].path_in, what, need,
					 (double)s[i].n / d->rate);
	return 0;
}

static int check_lengths(App *a)
{
	const TrnTrainConfig *c = &a->o.train_cfg;
	size_t seg;
	if (trn_run_seg_len(c, a->train.rate, &seg, &a->err))
		return -1;
	TrnSpan one[1];
	if (trn_segments(a->tr, a->n_tr, seg, 0, one, 1) == 0)
		return too_short(a, a->train.pairs[0].path_in, "the training part", c->segment_s,
				 (double)trn_spans_total(a->tr, a->n_tr) / a->train.rate);
	if (check_eval_spans(a, a->va_data, a->va, a->n_va, "the validation part"))
		return -1;
	return a->n_te ? check_eval_spans(a, a->te_data, a->te, a->n_te, "the test part") : 0;
}

/* A moving knob's scaled value at every sample of pair p: its track at the sample's time in the
 * input file (an input shifted by --align starts later in it). */
static int track_samples(App *a, TrnPair *p, double rate, int j, const TrnKnobTrack *tr)
{
	const TrnKnobs *k = &a->o.knobs;
	const size_t offset = p->shift < 0 ? (size_t)-p->shift : 0;
	float *c = malloc((p->n ? p->n : 1) * sizeof *c);
	if (!c)
		return trn_error_set(&a->err, tr->path, "out of memory for the knob track");
	for (size_t t = 0; t < p->n; t++)
		c[t] = rfx_knob_scale(k->min[j], k->max[j],
				      trn_knob_track_at(tr, (double)(t + offset) / rate));
	p->cond_track[j] = c;
	return 0;
}

/* Each pair's knob values as the network's conditioning inputs (pair i is list entry i), a
 * moving knob's per sample; a validation or test value outside the trained range is measured,
 * with a warning. */
static int set_cond(App *a, TrnData *d, const TrnFileList *l)
{
	const TrnKnobs *k = &a->o.knobs;
	d->n_cond = k->n;
	for (int i = 0; i < d->n_pairs && d->n_cond; i++) {
		trn_knobs_cond(k, &l->knobs[i], d->pairs[i].cond);
		for (int j = 0; j < k->n; j++) {
			const TrnKnobTrack *tr = trn_knobs_track(k, &l->knobs[i], j);
			if (tr && track_samples(a, &d->pairs[i], d->rate, j, tr) != 0)
				return -1;
			const double lo = tr ? tr->min : trn_knobs_value(k, &l->knobs[i], j);
			const double hi = tr ? tr->max : lo;
			if (lo >= k->min[j] && hi <= k->max[j])
				continue;
			char msg[256];
			snprintf(msg, sizeof msg, "--knob %s=%g%s is outside the trained range %g to %g: "
				 "the model extrapolates there", k->name[j], tr ? (lo < k->min[j] ? lo : hi)
				 : lo, tr ? " (its track)" : "", k->min[j], k->max[j]);
			log_cb(a, 1, d->pairs[i].path_in, msg);
		}
	}
	return 0;
}

/* The knob values of pair `pair` of d (one of the App's three sets). */
static const TrnKnobValues *pair_knobs(const App *a, const TrnData *d, int pair)
{
	const TrnFileList *l = d == &a->val ? &a->o.val : d == &a->test ? &a->o.test : &a->o.train;
	return &l->knobs[pair];
}

/* The shortest validation or test span, in samples (0 when there is none). */
static size_t shortest_eval_span(const App *a)
{
	size_t m = 0;
	for (int i = 0; i < a->n_va; i++)
		m = !m || a->va[i].n < m ? a->va[i].n : m;
	for (int i = 0; i < a->n_te; i++)
		m = !m || a->te[i].n < m ? a->te[i].n : m;
	return m;
}

/* The target's memory (memory.h), said, and kept for the metadata. When it reaches past the
 * window (truncated BPTT cannot carry a gradient further) the warm-up should cover about four
 * of its time constants, so that each segment starts from a state that has forgotten the zeros
 * it started from; without --segment or --warmup the segments are lengthened to do so (a
 * stateful run: the state carried through a long segment, the gradient still truncated). */
static void fit_memory(App *a)
{
	TrnTrainConfig *c = &a->o.train_cfg;
	const double rate = a->train.rate;
	for (int i = 0; i < a->train.n_pairs; i++) {
		const TrnPair *p = &a->train.pairs[i];
		TrnMemory m;
		trn_memory_estimate(p->in, p->tgt, p->n, rate, &m);
		if (m.memory_s > a->memory.memory_s || i == 0)
			a->memory = m;
	}
	const double mem = a->memory.memory_s, warm_s = c->warmup / rate;
	if (mem <= (double)c->window / rate || 4 * mem <= warm_s)
		return;
	char msg[512];
	/* Four time constants, at most 8 s, and a third of the shortest evaluation span (which
	 * leaves out its first `warmup` samples). */
	double want = fmin(4 * mem, 8.0);
	const size_t span = shortest_eval_span(a);
	if (span && want * rate > (double)span / 3)
		want = (double)span / 3 / rate;
	const int warmup = (int)ceil(want * rate);
	const double segment = warmup / rate + fmax(1.0, c->segment_s - warm_s);
	if (a->o.segment_set || a->o.warmup_set) {
		snprintf(msg, sizeof msg, "the target has memory of about %.2g s (its level follows the "
			 "input's over that long); the warm-up covers %.3g s: try --warmup %d --segment "
			 "%.3g", mem, warm_s, warmup, segment);
		log_cb(a, 1, a->train.pairs[0].path_tgt, msg);
		return;
	}
	/* Measured on a compressor (docs/trainer.md, "Long memory"): a window four times longer
	 * loses in the first two minutes and wins by 2x at five; said, not done. */
	const int long_window = c->window < 8192 && (c->time_budget <= 0 || c->time_budget >= 300);
	snprintf(msg, sizeof msg, "the target has memory of about %.2g s (its level follows the "
		 "input's over that long), past the %.3g s warm-up: training with --warmup %d "
		 "--segment %.3g (give either to choose yourself)%s", mem, warm_s, warmup, segment,
		 long_window ? "; for runs of 5 minutes or more, --window 8192 may do better" : "");
	log_cb(a, 0, a->train.pairs[0].path_tgt, msg);
	/* Longer segments, fewer of them: an epoch (and so a validation) comes that many times more
	 * often in steps, and the plateau and early-stopping counts, in validations, stretch by as
	 * much, unless given. */
	const double more = segment / c->segment_s;
	if (!a->o.plateau_set)
		c->plateau_patience = (int)ceil(c->plateau_patience * more);
	if (!a->o.patience_set && c->patience > 0)
		c->patience = (int)ceil(c->patience * more);
	c->warmup = warmup;
	c->segment_s = segment;
	a->memory_grew = 1;
}

static int load_data(App *a)
{
	if (load_list(a, &a->train, &a->o.train) || load_list(a, &a->val, &a->o.val) ||
	    load_list(a, &a->test, &a->o.test))
		return -1;
	if (set_cond(a, &a->train, &a->o.train) || set_cond(a, &a->val, &a->o.val) ||
	    set_cond(a, &a->test, &a->o.test))
		return -1;
	make_splits(a);
	fit_memory(a);
	return check_lengths(a);
}

static char *make_fingerprint(const App *a)
{
	const TrnTrainConfig *c = &a->o.train_cfg;
	size_t cap = 512 + (130 + 64 * TRN_MAX_KNOBS) * (size_t)(a->train.n_pairs + a->val.n_pairs);
	char *s = malloc(cap);
	if (!s)
		return NULL;
	int len = snprintf(s, cap, "seed=%llu segment=%.6g warmup=%d window=%d batch=%d val-split=%g "
			   "test-split=%g data=", (unsigned long long)c->seed, c->segment_s, c->warmup,
			   c->window, c->batch, a->o.val.n_in ? 0 : a->o.val_split,
			   a->o.test.n_in ? 0 : a->o.test_split);
	const TrnData *sets[2] = { &a->train, &a->val };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < sets[k]->n_pairs; i++) {
			char h1[65], h2[65];
			trn_sha256_hex(sets[k]->pairs[i].sha_in, h1);
			trn_sha256_hex(sets[k]->pairs[i].sha_tgt, h2);
			len += snprintf(s + len, cap - (size_t)len, "%.16s/%.16s%+ld,", h1, h2,
					sets[k]->pairs[i].shift);
		}
	/* Knob values in the user's units (the range, and so the scaling, follows from them);
	 * nothing is added without knobs, so older checkpoints still match. */
	const TrnFileList *lists[2] = { &a->o.train, &a->o.val };
	for (int k = 0; k < 2 && a->o.knobs.n; k++)
		for (int i = 0; i < lists[k]->n_in; i++) {
			len += snprintf(s + len, cap - (size_t)len, "%sknobs%d.%d:", k + i ? "," : " ",
					k, i);
			for (int j = 0; j < a->o.knobs.n; j++) {
				const TrnKnobTrack *tr = trn_knobs_track(&a->o.knobs, &lists[k]->knobs[i], j);
				len += tr ? snprintf(s + len, cap - (size_t)len, "%s=track%016llx;",
						     a->o.knobs.name[j], tr->hash)
					  : snprintf(s + len, cap - (size_t)len, "%s=%.17g;",
						     a->o.knobs.name[j],
						     trn_knobs_value(&a->o.knobs, &lists[k]->knobs[i], j));
			}
		}
	return s;
}

static int make_model(App *a)
{
	RfxModelSpec spec = {
		.cell = a->o.cell, .n_layers = a->o.layers, .n_inputs = 1 + a->o.knobs.n,
		.hidden = a->o.hidden,
		.mode = RFX_MODE_EFFECT, .n_outputs = 1, .skip = a->o.skip, .sample_rate = a->train.rate,
	};
	for (int l = 0; l < RFX_MAX_LAYERS; l++)
		spec.init[l] = a->o.init_trained ? RFX_INIT_TRAINED : RFX_INIT_ZEROS;
	if (trn_run_new_model(&spec, &a->o.train_cfg, &a->model, &a->adam, &a->st, &a->err) != 0)
		return -1;
	/* Chrono gates reach as far as the target's memory (4 time constants), or the window. */
	if (a->o.init_chrono)
		trn_chrono_init(a->model, fmax(4 * a->memory.memory_s * a->train.rate,
					       (double)a->o.train_cfg.window), a->o.train_cfg.seed);
	return 0;
}

/* The checkpoint's model and optimiser replace the command line's; the data, seed and
 * segmenting must be the ones it was made with, or the run would not continue but restart. */
static int resume(App *a)
{
	const RfxModelSpec want = { .mode = RFX_MODE_EFFECT, .n_outputs = 1,
				    .n_inputs = 1 + a->o.knobs.n, .sample_rate = a->train.rate };
	if (trn_run_resume(a->o.resume, a->fingerprint, "seed, --segment, --warmup, --window, "
			   "--batch, splits, --knob", &want, &a->model, &a->adam, &a->st, &a->err) != 0)
		return -1;
	char msg[256];
	snprintf(msg, sizeof msg, "resuming at epoch %lld, batch %lld (%.0f s trained, best "
		 "validation ESR %.4g); model options come from the checkpoint",
		 (long long)a->st.epoch, (long long)a->st.batch, a->st.elapsed, a->st.best_val);
	log_cb(a, 0, a->o.resume, msg);
	return 0;
}

static void hook_progress(void *ctx, const TrnProgress *p)
{
	App *a = ctx;
	trn_progress_update(&a->pd, p);
}

static json_t *data_list(const App *a)
{
	json_t *arr = json_array();
	const TrnData *sets[3] = { &a->train, &a->val, &a->test };
	const char *roles[3][2] = { { "train input", "train target" }, { "validation input",
		"validation target" }, { "test input", "test target" } };
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < sets[k]->n_pairs; i++) {
			const TrnPair *p = &sets[k]->pairs[i];
			json_t *t = trn_run_data_entry(roles[k][1], p->path_tgt, p->sha_tgt);
			json_object_set_new(t, "lag_samples", json_integer(p->lag));
			json_object_set_new(t, "shift_samples", json_integer(p->shift));
			json_array_append_new(arr, trn_run_data_entry(roles[k][0], p->path_in,
								      p->sha_in));
			json_array_append_new(arr, t);
		}
	return arr;
}

/* Test ESR of each test span on its own: with knobs, the number per setting. */
typedef struct {
	double esr[TRN_MAX_PAIRS], pre[TRN_MAX_PAIRS];
} TestBySetting;

static int eval_by_setting(const App *a, TestBySetting *t)
{
	for (int k = 0; k < a->n_te; k++)
		if (trn_eval_esr(a->model, a->te_data, &a->te[k], 1, (size_t)a->o.train_cfg.warmup,
				 &t->esr[k], &t->pre[k]) != RFX_OK)
			return -1;
	return 0;
}

/* The metadata's "test_settings": one entry per test span with its knob values. */
static json_t *settings_json(const App *a, const TestBySetting *t)
{
	json_t *arr = json_array();
	for (int k = 0; arr && k < a->n_te; k++) {
		const TrnPair *p = &a->te_data->pairs[a->te[k].pair];
		json_t *o = json_pack("{s:o, s:s, s:s, s:o, s:o}", "knobs",
				      trn_knobs_values_json(&a->o.knobs, pair_knobs(a, a->te_data,
										   a->te[k].pair)),
				      "input", p->path_in, "target", p->path_tgt, "test_esr",
				      trn_json_num(t->esr[k]), "test_esr_pre_emphasis",
				      trn_json_num(t->pre[k]));
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static char *make_metadata(const App *a, double test_esr, double test_pre,
			   const TestBySetting *by_setting, TrnStop stop)
{
	const RfxModelSpec *s = &a->model->spec;
	json_t *m = json_pack("{s:s, s:s, s:{s:s, s:i, s:i, s:b, s:s}, s:f}",
			      "trainer", PROG, "rnnfx_version", RFX_VERSION, "architecture",
			      "cell", rfx_cell_name(s->cell), "hidden", s->hidden, "layers", s->n_layers,
			      "skip", s->skip, "init_state",
			      s->init[0] == RFX_INIT_TRAINED ? "trained" : "zeros",
			      "sample_rate", s->sample_rate);
	if (!m)
		return NULL;
	json_object_set_new(m, "validation_esr", trn_json_num(a->st.best_val));
	json_object_set_new(m, "test_esr", trn_json_num(test_esr));
	json_object_set_new(m, "test_esr_pre_emphasis", trn_json_num(test_pre));
	json_object_set_new(m, "initial_validation_esr",
			    trn_json_num(a->st.n_hist ? a->st.hist[0].val_esr : NAN));
	if (a->memory.memory_s > 0) /* hosts settle a new model for about this long */
		json_object_set_new(m, "memory_s", json_real(a->memory.memory_s));
	if (a->o.knobs.n) {         /* a conditioned model (docs/trainer.md, "Knobs") */
		json_object_set_new(m, "knobs", trn_knobs_json(&a->o.knobs));
		if (by_setting)
			json_object_set_new(m, "test_settings", settings_json(a, by_setting));
	}
	return trn_run_metadata(m, &a->o, &a->st, stop, data_list(a));
}

/* The report's points of a knob model's test settings (trained: the first knob's value is one the
 * training pairs had). */
static size_t setting_points(const App *a, const TestBySetting *by, TrnSettingPoint *pt)
{
	size_t n = 0;
	for (int k = 0; by && k < a->n_te; k++) {
		const TrnKnobValues *v = pair_knobs(a, a->te_data, a->te[k].pair);
		TrnSettingPoint *s = &pt[n++];
		s->value = trn_knobs_value(&a->o.knobs, v, 0);
		s->esr = by->esr[k];
		s->trained = 0;
		for (int j = 0; j < a->o.knobs.n_trained[0]; j++)
			s->trained |= a->o.knobs.trained[0][j] == s->value;
		trn_knobs_format(&a->o.knobs, v, s->label, sizeof s->label);
	}
	return n;
}

/* The loudest 50 ms of the first test span (validation when there is no test part), run from
 * the span start so the state has settled as it would in use; for a target with long memory,
 * eight of its time constants (at most 10 s), so that attack and release show. */
static int write_report(App *a, const char *subtitle, const TestBySetting *by)
{
	const TrnData *d = a->n_te ? a->te_data : a->va_data;
	const TrnSpan *sp = a->n_te ? &a->te[0] : &a->va[0];
	const TrnPair *p = &d->pairs[sp->pair];
	const double excerpt_s = fmin(fmax(0.05, 8 * a->memory.memory_s), 10.0);
	size_t L = (size_t)llround(excerpt_s * d->rate), from = (size_t)a->o.train_cfg.warmup, best = from;
	double best_e = -1;
	for (size_t i = from; i + L <= sp->n; i += L) {
		double e = 0;
		for (size_t j = 0; j < L; j++)
			e += (double)p->tgt[sp->start + i + j] * p->tgt[sp->start + i + j];
		if (e > best_e)
			best_e = e, best = i;
	}
	size_t n = best + L <= sp->n ? best + L : sp->n;
	float *y = malloc(n * sizeof *y);
	if (!y || trn_predict(a->model, p, d->n_cond, sp->start, n, y) != RFX_OK) {
		free(y);
		return trn_error_set(&a->err, NULL, "out of memory for the report");
	}
	char title[128], label[800];
	snprintf(title, sizeof title, "rnnfx-train: %s H=%d, %d layer%s%s", rfx_cell_name(a->model->spec.cell),
		 a->model->spec.hidden, a->model->spec.n_layers, a->model->spec.n_layers > 1 ? "s" : "",
		 a->model->spec.skip ? ", skip" : "");
	char knobs[256] = "";       /* the setting of the excerpt's pair */
	if (a->o.knobs.n)
		trn_knobs_format(&a->o.knobs, pair_knobs(a, d, sp->pair), knobs, sizeof knobs);
	snprintf(label, sizeof label, "%s: %s%s%s", a->n_te ? "test" : "validation", p->path_tgt,
		 knobs[0] ? " at " : "", knobs);
	size_t m = n > best ? n - best : 0;
	static TrnSettingPoint points[TRN_MAX_PAIRS];
	TrnReport r = {
		.settings = points, .n_settings = setting_points(a, by, points),
		.knob_name = a->o.knobs.n ? a->o.knobs.name[0] : NULL,
		.title = title, .subtitle = subtitle, .hist = a->st.hist, .n_hist = a->st.n_hist,
		.target = p->tgt + sp->start + best, .pred = y + best, .n = m, .rate = d->rate,
		.excerpt_start_s = (double)(sp->start + best) / d->rate, .excerpt_label = label,
	};
	int rc = trn_report_svg_write(a->report_path, &r, &a->err);
	free(y);
	return rc;
}

static int finish(App *a, TrnStop stop)
{
	trn_run_best(a->model, &a->st);
	double test_esr = NAN, test_pre = NAN;
	if (a->n_te && trn_eval_esr(a->model, a->te_data, a->te, a->n_te,
				    (size_t)a->o.train_cfg.warmup, &test_esr, &test_pre) != RFX_OK)
		return trn_error_set(&a->err, NULL, "test evaluation failed");
	static TestBySetting by;
	const int by_setting = a->n_te && a->o.knobs.n;
	if (by_setting && eval_by_setting(a, &by) != 0)
		return trn_error_set(&a->err, NULL, "test evaluation failed");
	char *meta = make_metadata(a, test_esr, test_pre, by_setting ? &by : NULL, stop);
	if (trn_run_save(a->model, meta, a->o.out, &a->err))
		return -1;
	char summary[512], test[96] = "", settings[1024] = "";
	size_t len = 0;
	if (a->n_te)
		snprintf(test, sizeof test, ", test ESR %.4g (pre-emphasised %.4g)", test_esr, test_pre);
	for (int k = 0; by_setting && k < a->n_te; k++) {
		const TrnPair *p = &a->te_data->pairs[a->te[k].pair];
		char knobs[256], msg[1024];
		trn_knobs_format(&a->o.knobs, pair_knobs(a, a->te_data, a->te[k].pair), knobs,
				 sizeof knobs);
		snprintf(msg, sizeof msg, "test ESR at %s: %.4g (pre-emphasised %.4g)", knobs,
			 by.esr[k], by.pre[k]);
		trn_progress_break(&a->pd);
		log_cb(a, 0, p->path_tgt, msg);
		if (len < sizeof settings)
			len += (size_t)snprintf(settings + len, sizeof settings - len, "%s%s %.4g",
						k ? ", " : "; test ESR per setting: ", knobs,
						by.esr[k]);
	}
	snprintf(summary, sizeof summary, "validation ESR %.4g (epoch %lld)%s, %lld epochs, %lld steps, "
		 "%.0f s, stopped by %s", a->st.best_val, (long long)a->st.best_epoch, test,
		 (long long)a->st.epoch, (long long)a->st.steps, a->st.elapsed, trn_stop_name(stop));
	trn_progress_break(&a->pd);
	char line[1600];
	snprintf(line, sizeof line, "%s%s", summary, settings);
	log_cb(a, 0, a->o.out, line);
	if (a->o.lv2_preset) {
		/* The host shows the model's file name, without its folder and ".json". */
		const char *base = strrchr(a->o.out, '/');
		char label[256];
		snprintf(label, sizeof label, "%s", base ? base + 1 : a->o.out);
		char *dot = strrchr(label, '.');
		if (dot && dot != label)
			*dot = '\0';
		if (trn_lv2_preset_write(a->o.lv2_preset, a->model, label, a->err.msg,
					 sizeof a->err.msg) != 0) {
			snprintf(a->err.file, sizeof a->err.file, "%s", a->o.lv2_preset);
			return -1;
		}
		log_cb(a, 0, a->o.lv2_preset, "LV2 preset bundle (put it in ~/.lv2)");
	}
	if (!a->o.no_report) {
		if (write_report(a, summary, by_setting ? &by : NULL) != 0)
			return -1;
		log_cb(a, 0, a->report_path, "training report");
	}
	return 0;
}

static int run(App *a)
{
	if (load_data(a) != 0)
		return fail(a);
	a->fingerprint = make_fingerprint(a);
	if (!a->fingerprint || (a->o.resume ? resume(a) : make_model(a)) != 0)
		return fail(a);
	TrnEffectTask et;
	TrnTask task;
	if (trn_effect_task_init(&et, &task, &a->o.train_cfg, &a->train, a->tr, a->n_tr, a->va_data,
				 a->va, a->n_va, &a->err) != 0)
		return fail(a);
	const char *outs[] = { a->o.out, a->ckpt_path, a->o.no_report ? NULL : a->report_path };
	const TrnHooks hooks = { .progress = hook_progress, .ctx = a, .log = log_cb };
	TrnStop stop = trn_run_train(outs, a->ckpt_path, a->fingerprint, &a->o.train_cfg, &task,
				     a->model, a->adam, &a->st, &hooks, &a->err);
	trn_effect_task_free(&et);
	trn_progress_break(&a->pd);
	if (stop == TRN_STOP_ERROR)
		return fail(a);
	if (stop == TRN_STOP_INTERRUPT) {
		char msg[1200];
		snprintf(msg, sizeof msg, "interrupted; continue with the same command plus --resume %s",
			 a->ckpt_path);
		log_cb(a, 0, a->ckpt_path, msg);
		return TRN_EXIT_INTERRUPTED;
	}
	return finish(a, stop) != 0 ? fail(a) : 0;
}

int main(int argc, char **argv)
{
	static App a;
	TrnTaskKind task;
	if (trn_task_select(&argc, argv, &task) != 0)
		return 2;
	int rc = trn_options_parse(&a.o, task, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (task == TRN_TASK_CLASSIFY)      /* trainer/classify.c */
		return trn_classify_main(&a.o);
	if (task == TRN_TASK_ONSET)         /* trainer/onset.c */
		return trn_onset_main(&a.o);
	trn_progress_init(&a.pd, stderr, a.o.quiet);
	trn_run_paths(&a.o, a.ckpt_path, sizeof a.ckpt_path, a.report_path, sizeof a.report_path);
	rc = run(&a);
	trn_data_free(&a.train);
	trn_data_free(&a.val);
	trn_data_free(&a.test);
	trn_run_free(a.model, a.adam, &a.st, a.fingerprint);
	trn_capture_free(&a.o.capture);
	TrnFileList *lists[3] = { &a.o.train, &a.o.val, &a.o.test };
	for (int l = 0; l < 3; l++)
		for (int i = 0; i < TRN_MAX_PAIRS; i++)
			trn_knob_values_free(&lists[l]->knobs[i]);
	return rc;
}
