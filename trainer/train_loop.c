#include "train_loop.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dsp/bptt.h"
#include "evaluate.h"

void trn_train_config_default(TrnTrainConfig *c)
{
	memset(c, 0, sizeof *c);
	c->segment_s = 0.5;
	c->warmup = 1000;
	c->window = 2048;
	c->batch = 8;
	c->adam = rfx_adam_config_default();
	c->adam.lr = 1e-2f;
	c->clip = 1.0f;
	c->loss = RFX_LOSS_ESR_DC;
	c->patience = 25;
	c->plateau_patience = 5;
	c->plateau_factor = 0.5f;
	c->min_lr = 1e-5f;
	c->threads = 1;
	c->seed = 1;
}

int trn_state_init(TrnState *s, size_t n_params)
{
	memset(s, 0, sizeof *s);
	s->best_val = INFINITY;
	s->best_epoch = -1;
	s->n_params = n_params;
	s->best_params = calloc(n_params, sizeof *s->best_params);
	return s->best_params ? 0 : -1;
}

void trn_state_free(TrnState *s)
{
	free(s->best_params);
	free(s->hist);
	memset(s, 0, sizeof *s);
}

int trn_state_push(TrnState *s, const TrnPoint *p)
{
	if (s->n_hist == s->cap_hist) {
		size_t cap = s->cap_hist ? 2 * s->cap_hist : 64;
		TrnPoint *h = realloc(s->hist, cap * sizeof *h);
		if (!h)
			return -1;
		s->hist = h;
		s->cap_hist = cap;
	}
	s->hist[s->n_hist++] = *p;
	return 0;
}

/* ------------------------------------------------------------------ one run */

typedef struct {
	const TrnTrainConfig *cfg;
	const TrnData *d;
	const TrnSpan *val;
	int n_val;
	RfxModel *model;
	RfxAdam *adam;
	TrnState *st;
	const TrnHooks *hooks;
	TrnError *err;
	RfxBptt *bp;
	uint8_t *mask;
	size_t seg_len;
	TrnSpan *segs;          /* this epoch's segments, shuffled */
	size_t n_segs, cap_segs;
	float *xbuf, *tbuf;     /* [batch][seg_len] */
	double t0;              /* monotonic time at which elapsed was 0 */
	double last_val;
	int64_t bad_run;        /* consecutive skipped steps */
} Run;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void set_err(TrnError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(TrnError *err, const char *fmt, ...)
{
	if (!err)
		return;
	err->file[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* splitmix64: each epoch's generator is seeded from (seed, epoch) alone, which is what lets a
 * resumed run pick up the same shuffle without saving generator state. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void plan_epoch(Run *r, const TrnSpan *train, int n_train)
{
	uint64_t g = r->cfg->seed * 0xD1B54A32D192ED03ULL + (uint64_t)r->st->epoch;
	size_t phase = (size_t)(mix(&g) % r->seg_len);
	r->n_segs = trn_segments(train, n_train, r->seg_len, phase, r->segs, r->cap_segs);
	for (size_t i = r->n_segs; i > 1; i--) {
		size_t j = (size_t)(mix(&g) % i);
		TrnSpan t = r->segs[i - 1];
		r->segs[i - 1] = r->segs[j];
		r->segs[j] = t;
	}
}

static int64_t batches_in_epoch(const Run *r)
{
	return (int64_t)((r->n_segs + (size_t)r->cfg->batch - 1) / (size_t)r->cfg->batch);
}

/* Consecutive non-finite steps after which the run is declared diverged. */
#define MAX_BAD_RUN 50

/* One optimiser step on one window; returns 1 when taken, 0 when skipped, -1 on error. */
static int train_window(Run *r, const RfxBpttBatch *wb, double *loss)
{
	rfx_bptt_zero_grad(r->bp);
	RfxStatus rc = rfx_bptt_train(r->bp, wb, loss);
	if (rc != RFX_OK) {
		set_err(r->err, "training step failed: %s", rfx_strerror(rc));
		return -1;
	}
	float *g = rfx_bptt_grad(r->bp);
	size_t n = r->model->n_params;
	double norm = r->cfg->clip > 0 ? rfx_optim_clip_grad_norm(g, n, r->cfg->clip)
				       : rfx_optim_grad_norm(g, n);
	if (!isfinite(*loss) || !isfinite(norm)) {
		r->st->skipped++;
		if (++r->bad_run > MAX_BAD_RUN) {
			set_err(r->err, "training diverged (%d non-finite steps in a row); try a lower "
				"--lr or --clip", MAX_BAD_RUN);
			return -1;
		}
		return 0;
	}
	r->bad_run = 0;
	rfx_adam_step(r->adam, r->model->params, g, r->mask);
	r->st->steps++;
	return 1;
}

/* Warm-up then every window of one batch; *mean_loss gets the mean over the windows taken. */
static int train_batch(Run *r, int64_t b, double *mean_loss)
{
	const size_t S = r->seg_len, W = (size_t)r->cfg->window, warm = (size_t)r->cfg->warmup;
	size_t first = (size_t)b * (size_t)r->cfg->batch;
	int B = (int)(r->n_segs - first < (size_t)r->cfg->batch ? r->n_segs - first : (size_t)r->cfg->batch);
	for (int i = 0; i < B; i++) {
		const TrnSpan *s = &r->segs[first + (size_t)i];
		const TrnPair *p = &r->d->pairs[s->pair];
		memcpy(r->xbuf + (size_t)i * S, p->in + s->start, S * sizeof *r->xbuf);
		memcpy(r->tbuf + (size_t)i * S, p->tgt + s->start, S * sizeof *r->tbuf);
	}
	rfx_bptt_reset_state(r->bp);
	RfxBpttBatch wb = { .B = B, .T = (int)warm, .x = r->xbuf, .x_stride = S };
	if (warm > 0 && rfx_bptt_forward(r->bp, &wb, NULL, 0) != RFX_OK) {
		set_err(r->err, "warm-up forward pass failed");
		return -1;
	}
	double sum = 0;
	int taken = 0;
	for (size_t off = warm; off < S; off += W) {
		wb.T = (int)(S - off < W ? S - off : W);
		wb.x = r->xbuf + off;
		wb.target = r->tbuf + off;
		wb.t_stride = S;
		double loss = 0;
		int rc = train_window(r, &wb, &loss);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			sum += loss;
			taken++;
		}
	}
	r->st->samples += (double)B * (double)S;
	*mean_loss = taken ? sum / taken : NAN;
	if (taken) {
		r->st->loss_sum += *mean_loss;
		r->st->loss_count++;
	}
	return 0;
}

/* Validation ESR, history point, best model, learning-rate plateau. */
static int validate(Run *r)
{
	TrnState *st = r->st;
	double esr = NAN;
	int rc = trn_eval_esr(r->model, r->d, r->val, r->n_val, (size_t)r->cfg->warmup, &esr, NULL);
	if (rc != RFX_OK) {
		set_err(r->err, "validation failed: %s", rfx_strerror(rc));
		return -1;
	}
	TrnPoint p = {
		.time = st->elapsed, .loss = st->loss_count ? st->loss_sum / (double)st->loss_count : NAN,
		.val_esr = esr, .lr = r->adam->cfg.lr, .epoch = st->epoch, .steps = st->steps,
	};
	if (trn_state_push(st, &p) != 0) {
		set_err(r->err, "out of memory");
		return -1;
	}
	st->loss_sum = 0;
	st->loss_count = 0;
	st->since_val = 0;
	r->last_val = esr;
	if (isfinite(esr) && esr < st->best_val) {
		st->best_val = esr;
		st->best_epoch = st->epoch;
		memcpy(st->best_params, r->model->params, st->n_params * sizeof *st->best_params);
		st->bad_evals = st->plateau_bad = 0;
		return 0;
	}
	st->bad_evals++;
	if (++st->plateau_bad >= r->cfg->plateau_patience) {
		float lr = r->adam->cfg.lr * r->cfg->plateau_factor;
		r->adam->cfg.lr = lr > r->cfg->min_lr ? lr : r->cfg->min_lr;
		st->plateau_bad = 0;
	}
	return 0;
}

static void report(Run *r, int64_t nb, double loss, int validated, double t_run0, double s_run0)
{
	if (!r->hooks || !r->hooks->progress)
		return;
	const TrnState *st = r->st;
	const TrnTrainConfig *c = r->cfg;
	double dt = now_s() - t_run0;
	TrnProgress p = {
		.st = st, .n_batches = nb, .loss = loss, .last_val = r->last_val,
		.samples_per_s = dt > 0 ? (st->samples - s_run0) / dt : 0, .eta_s = NAN,
		.lr = r->adam->cfg.lr, .validated = validated,
	};
	if (c->time_budget > 0)
		p.eta_s = fmax(0, c->time_budget - st->elapsed);
	else if (c->max_epochs > 0 && p.samples_per_s > 0) {
		double left = (double)((c->max_epochs - st->epoch) * nb - st->batch);
		p.eta_s = left * (double)c->batch * (double)r->seg_len / p.samples_per_s;
	}
	r->hooks->progress(r->hooks->ctx, &p);
}

static int setup(Run *r, const TrnSpan *train, int n_train)
{
	const TrnTrainConfig *c = r->cfg;
	r->seg_len = (size_t)llround(c->segment_s * r->d->rate);
	RfxBpttConfig bc = {
		.max_batch = c->batch, .max_steps = c->window, .n_threads = c->threads,
		.loss = rfx_loss_config_default(c->loss),
	};
	RfxStatus rc = rfx_bptt_create(r->model, &bc, &r->bp);
	if (rc != RFX_OK) {
		set_err(r->err, "cannot set up training: %s", rfx_strerror(rc));
		return -1;
	}
	r->cap_segs = trn_spans_total(train, n_train) / r->seg_len + (size_t)n_train + 1;
	r->segs = malloc(r->cap_segs * sizeof *r->segs);
	r->mask = malloc(r->model->n_params);
	r->xbuf = malloc((size_t)c->batch * r->seg_len * sizeof *r->xbuf);
	r->tbuf = malloc((size_t)c->batch * r->seg_len * sizeof *r->tbuf);
	if (!r->segs || !r->mask || !r->xbuf || !r->tbuf) {
		set_err(r->err, "out of memory for %d segments of %zu samples", c->batch, r->seg_len);
		return -1;
	}
	rfx_optim_trainable_mask(r->model, r->mask);
	return 0;
}

static void teardown(Run *r)
{
	rfx_bptt_destroy(r->bp);
	free(r->segs);
	free(r->mask);
	free(r->xbuf);
	free(r->tbuf);
}

static int early_stop(const Run *r)
{
	return r->cfg->patience > 0 && r->st->bad_evals >= r->cfg->patience;
}

/* Runs the batches left in the current epoch; returns a TrnStop, or -1 when the epoch finished. */
static int run_epoch(Run *r, const TrnSpan *train, int n_train, double t_run0, double s_run0)
{
	TrnState *st = r->st;
	const TrnTrainConfig *c = r->cfg;
	plan_epoch(r, train, n_train);
	int64_t nb = batches_in_epoch(r);
	while (st->batch < nb) {
		st->elapsed = now_s() - r->t0;
		if (r->hooks && r->hooks->interrupt && *r->hooks->interrupt)
			return TRN_STOP_INTERRUPT;
		if (c->time_budget > 0 && st->elapsed >= c->time_budget) {
			if (st->since_val > 0 && validate(r) != 0)
				return TRN_STOP_ERROR;
			return TRN_STOP_BUDGET;
		}
		double loss = NAN;
		if (train_batch(r, st->batch, &loss) != 0)
			return TRN_STOP_ERROR;
		st->batch++;
		st->since_val++;
		st->elapsed = now_s() - r->t0;
		int validated = 0;
		if (c->val_every > 0 && st->since_val >= c->val_every && st->batch < nb) {
			if (validate(r) != 0)
				return TRN_STOP_ERROR;
			validated = 1;
		}
		report(r, nb, loss, validated, t_run0, s_run0);
		if (validated && early_stop(r))
			return TRN_STOP_EARLY;
	}
	return -1;
}

TrnStop trn_train(const TrnTrainConfig *cfg, const TrnData *d, const TrnSpan *train, int n_train,
		  const TrnSpan *val, int n_val, RfxModel *model, RfxAdam *adam, TrnState *st,
		  const TrnHooks *hooks, TrnError *err)
{
	Run r = {
		.cfg = cfg, .d = d, .val = val, .n_val = n_val, .model = model, .adam = adam, .st = st,
		.hooks = hooks, .err = err, .last_val = NAN,
	};
	TrnStop stop = TRN_STOP_ERROR;
	if (setup(&r, train, n_train) != 0)
		goto out;
	r.t0 = now_s() - st->elapsed;
	double t_run0 = now_s(), s_run0 = st->samples;
	if (st->n_hist > 0)
		r.last_val = st->hist[st->n_hist - 1].val_esr;
	else if (validate(&r) != 0) /* the untrained model: where the curves start */
		goto out;
	for (;;) {
		if (cfg->max_epochs > 0 && st->epoch >= cfg->max_epochs) {
			stop = TRN_STOP_EPOCHS;
			break;
		}
		int rc = run_epoch(&r, train, n_train, t_run0, s_run0);
		if (rc >= 0) {
			stop = (TrnStop)rc;
			break;
		}
		st->elapsed = now_s() - r.t0;
		if (st->since_val > 0 && validate(&r) != 0)
			break;
		report(&r, batches_in_epoch(&r), st->hist[st->n_hist - 1].loss, 1, t_run0, s_run0);
		st->epoch++;
		st->batch = 0;
		if (hooks && hooks->epoch_end && hooks->epoch_end(hooks->ctx, st, adam, err) != 0)
			break;
		if (early_stop(&r)) {
			stop = TRN_STOP_EARLY;
			break;
		}
	}
out:
	st->elapsed = now_s() - r.t0;
	teardown(&r);
	return stop;
}
