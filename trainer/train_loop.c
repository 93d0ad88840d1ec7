#include "train_loop.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../dsp/bptt.h"

/* Why a run is being stopped part-way: the value of TrnStopper.flag. */
enum { TRN_CANCEL_NONE = 0, TRN_CANCEL_SIGNAL = 1, TRN_CANCEL_BUDGET = 2 };

/* Stops the batch running when SIGINT or SIGTERM comes or a deadline passes: a watcher thread
 * then sets `flag` (to the reason; the first one stays), which the BPTT polls
 * (rfx_bptt_set_cancel). Use:
 *
 *     stopper_block(&s);               before the BPTT (and its threads) is created
 *     ... rfx_bptt_create ...
 *     stopper_start(&s, interrupt, deadline);   rfx_bptt_set_cancel(bp, &s.flag)
 *     ... train ...
 *     stopper_stop(&s);
 *
 * Between block and stop, SIGINT and SIGTERM are blocked in the calling thread and in every thread
 * it creates, and the watcher takes them with sigtimedwait: the program's handler does not run
 * meanwhile, the watcher sets *interrupt (the handler's flag) for it, and a second signal kills
 * only when it comes half a second after the first (`timeout` sends its SIGTERM twice at once);
 * after stop, a one-shot (SA_RESETHAND) handler the watcher stood in for counts as spent.
 * A signal handled before start (*interrupt already set) stops the run at once. stop joins the
 * watcher and restores the caller's mask. Deadlines are CLOCK_MONOTONIC seconds (now_s);
 * 0 = none. */
typedef struct {
	atomic_int flag;
	volatile sig_atomic_t *interrupt;
	double deadline;
	atomic_int quit;
	sigset_t old_mask, signals;
	int got[2];                 /* SIGINT, SIGTERM taken by the watcher */
	int blocked, running;
	pthread_t thread;
} TrnStopper;

static void stopper_stop(TrnStopper *s);

/* What one batch changes (the parameters, Adam's moments and step, the run's counters), kept
 * from its start so that a batch stopped part-way can be undone. The copy costs 3 n_params floats
 * per batch, nothing next to the batch itself. */
typedef struct {
	float *buf;                 /* [3][n]: params, m, v */
	size_t n;
	int64_t adam_step, steps, skipped, loss_count, bad_run;
	double samples, loss_sum;
} TrnUndo;

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

/* ------------------------------------------------------------------ one run */

typedef struct {
	const TrnTrainConfig *cfg;
	const TrnTask *task;
	RfxModel *model;
	RfxAdam *adam;
	TrnState *st;
	const TrnHooks *hooks;
	TrnError *err;
	RfxBptt *bp;
	uint8_t *mask;
	size_t seg_len;
	size_t n_in;            /* I: the model's inputs (audio, then any conditioning) per step */
	size_t n_out;           /* O: targets per step (sample targets: 1, or K for onsets) */
	int64_t n_batches;      /* in this epoch (the task's plan) */
	float *xbuf, *tbuf;     /* xbuf [batch][seg_len][I]; tbuf [batch][seg_len][O] for targets */
	int32_t *lbuf;          /* [batch][seg_len] for class labels */
	double t0;              /* monotonic time at which elapsed was 0 */
	double last_val;
	int64_t bad_run;        /* consecutive skipped steps */
	TrnStopper stop;        /* SIGINT/SIGTERM and the budget's deadline stop a batch part-way */
	TrnUndo undo;           /* the state before the running batch */
} Run;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------ stopping part-way */

/* The watcher takes SIGINT and SIGTERM itself with sigtimedwait, so no handler runs while
 * training does: `timeout` sends its SIGTERM twice (to the process and to its group), and with the
 * program's one-shot handler (SA_RESETHAND: a second Ctrl-C kills at once) the copy that came
 * second killed the run before its checkpoint about one time in four. Here a second signal kills
 * only when it comes STOPPER_SECOND_S after the first, as a person's second Ctrl-C does. The
 * wait is also the clock's tick: a stop is seen within STOPPER_TICK_S, and the BPTT stops within
 * RFX_BPTT_POLL time steps of it. */
#define STOPPER_TICK_S 0.01
#define STOPPER_SECOND_S 0.5

static void stopper_raise(TrnStopper *s, int why)
{
	int none = TRN_CANCEL_NONE;
	atomic_compare_exchange_strong(&s->flag, &none, why);
}

/* The second signal: die of it, as the program's handler would have had it. */
static void die_of(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
}

static void *stopper_main(void *arg)
{
	TrnStopper *s = arg;
	double first = 0;
	while (!atomic_load(&s->quit)) {
		double t = now_s();
		/* *interrupt: a signal handled before the stopper started (while loading data). */
		if (s->interrupt && *s->interrupt)
			stopper_raise(s, TRN_CANCEL_SIGNAL);
		if (s->deadline > 0 && t >= s->deadline)
			stopper_raise(s, TRN_CANCEL_BUDGET);
		double wait = STOPPER_TICK_S;
		if (s->deadline > t && s->deadline - t < wait)
			wait = s->deadline - t;
		struct timespec ts = { 0, (long)(wait * 1e9) + 1 };
		int sig = sigtimedwait(&s->signals, NULL, &ts);
		if (sig <= 0)
			continue;       /* the tick (EAGAIN), or EINTR */
		if (s->interrupt)
			*s->interrupt = 1;
		stopper_raise(s, TRN_CANCEL_SIGNAL);
		s->got[sig == SIGINT ? 0 : 1] = 1;
		t = now_s();
		if (first == 0)
			first = t;
		else if (t - first >= STOPPER_SECOND_S)
			die_of(sig);
	}
	return NULL;
}

static void stopper_block(TrnStopper *s)
{
	memset(s, 0, sizeof *s);
	atomic_init(&s->flag, TRN_CANCEL_NONE);
	atomic_init(&s->quit, 0);
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	s->blocked = pthread_sigmask(SIG_BLOCK, &both, &s->old_mask) == 0;
	/* The watcher takes only the signals the caller had not blocked itself. */
	sigemptyset(&s->signals);
	if (s->blocked) {
		if (!sigismember(&s->old_mask, SIGINT))
			sigaddset(&s->signals, SIGINT);
		if (!sigismember(&s->old_mask, SIGTERM))
			sigaddset(&s->signals, SIGTERM);
	}
}

/* 0, or -1 when the thread cannot be created (the mask is then restored). */
static int stopper_start(TrnStopper *s, volatile sig_atomic_t *interrupt, double deadline)
{
	s->interrupt = interrupt;
	s->deadline = deadline;
	if (pthread_create(&s->thread, NULL, stopper_main, s) != 0) {
		stopper_stop(s);
		return -1;
	}
	s->running = 1;
	return 0;
}

static void stopper_stop(TrnStopper *s)
{
	if (s->running) {
		atomic_store(&s->quit, 1);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	/* A one-shot handler (SA_RESETHAND) that the watcher stood in for is spent, as if it had
	 * run: the next Ctrl-C kills at once. */
	for (int k = 0; k < 2; k++) {
		const int sig = k ? SIGTERM : SIGINT;
		struct sigaction cur;
		if (s->got[k] && sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_RESETHAND)) {
			cur.sa_handler = SIG_DFL;
			cur.sa_flags &= ~(SA_RESETHAND | SA_SIGINFO);
			sigaction(sig, &cur, NULL);
		}
		s->got[k] = 0;
	}
	if (s->blocked) {
		pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
		s->blocked = 0;
	}
}

/* Steps per BPTT call: a window, or what a segment has after its warm-up when that is shorter
 * (the caches need no more). */
static int max_steps(int window, size_t seg_len, int warmup)
{
	size_t left = seg_len > (size_t)warmup ? seg_len - (size_t)warmup : 1;
	return left < (size_t)window ? (int)left : window;
}

/* 0 when the BPTT for `bc` plus `more` bytes fit in this machine's physical memory (or it cannot
 * tell); else -1 with a sentence for the user in msg. */
static int memory_check(const RfxModel *m, const RfxBpttConfig *bc, size_t more, char *msg,
			size_t cap)
{
	const size_t bptt = rfx_bptt_memory_needed(m, bc);
	const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
	if (pages <= 0 || page <= 0 || bptt == 0)
		return 0;               /* unknown: let the allocations say */
	const double need = (double)bptt + (double)more, have = (double)pages * (double)page;
	if (need <= have)
		return 0;
	snprintf(msg, cap, "training would need %.3g GB of memory, more than the %.3g GB this machine "
		 "has: the caches grow with --batch x --window (up to the segment) x --hidden x "
		 "--layers, the audio buffers with --batch x --segment", need / 1e9, have / 1e9);
	return -1;
}

/* A forward pass of T steps over the batch (segments x_stride floats apart), timed; 0 when it
 * fails (no estimate: the training itself will report the failure). */
static double time_forward(RfxBptt *bp, const float *x, int batch, size_t x_stride, int T)
{
	RfxBpttBatch b = { .B = batch, .T = T, .x = x, .x_stride = x_stride };
	double t0 = now_s();
	if (rfx_bptt_forward(bp, &b, NULL, 0) != RFX_OK)
		return 0;
	return now_s() - t0;
}

/* The probe doubles its length from 16 steps until it takes 30 ms (or reaches 256 steps, or the
 * segment): long enough that timer noise and the per-call cost (packing the weights) do not
 * dominate, at most about 60 ms. */
#define PROBE_MIN_S 0.03
#define PROBE_MAX_T 256

/* Seconds one batch (`batch` segments of `seg_len` samples: `warmup` forward only, then windows of
 * `window` trained) and its first optimiser step (the warm-up and one window) take on this
 * machine, from a short timed forward pass of `bp` (16 to 256 steps, under about 60 ms) over zeros
 * written into x (at least batch * seg_len * n_in floats, segment-major, n_in inputs per step);
 * the backward is counted as 1.3
 * forwards (measured: 0.9 to 1.6). A rough figure (within a factor of about 1.5), for warnings.
 * Leaves the carried state reset. */
static void estimate_batch(RfxBptt *bp, float *x, int batch, size_t seg_len, size_t n_in,
			   int warmup, int window, double *batch_s, double *step_s)
{
	const int T_max = seg_len < PROBE_MAX_T ? (int)seg_len : PROBE_MAX_T;
	for (int b = 0; b < batch; b++)
		memset(x + (size_t)b * seg_len * n_in, 0, (size_t)T_max * n_in * sizeof *x);
	rfx_bptt_reset_state(bp);
	int T = T_max < 16 ? T_max : 16;
	double t = time_forward(bp, x, batch, seg_len * n_in, T);
	while (t < PROBE_MIN_S && 2 * T <= T_max) {
		T *= 2;
		t = time_forward(bp, x, batch, seg_len * n_in, T);
	}
	rfx_bptt_reset_state(bp);
	/* Per step of the whole batch, the per-call cost included (so a little high for long
	 * windows); forward + backward of a step is about 2.3 forwards (measured 1.9 to 2.6). */
	const double per = t / T, train = 2.3;
	const size_t left = seg_len > (size_t)warmup ? seg_len - (size_t)warmup : 0;
	const size_t first = left < (size_t)window ? left : (size_t)window;
	const double warm = warmup * per;
	*step_s = warm + train * (double)first * per;
	*batch_s = warm + train * (double)left * per;
}

size_t trn_seg_len(const TrnTrainConfig *cfg, double rate)
{
	return (size_t)llround(cfg->segment_s * rate);
}

/* Each epoch's generator is seeded from (seed, epoch) alone, which is what lets a resumed run pick
 * up the same shuffle without saving generator state. */
uint64_t trn_mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Consecutive non-finite steps after which the run is declared diverged. */
#define MAX_BAD_RUN 50

/* One optimiser step on one window; returns 1 when taken, 0 when skipped, 2 when stopped
 * part-way (nothing applied), -1 on error. */
static int train_window(Run *r, const RfxBpttBatch *wb, double *loss)
{
	rfx_bptt_zero_grad(r->bp);
	RfxStatus rc = rfx_bptt_train(r->bp, wb, loss);
	if (rc != RFX_OK) {
		trn_error_set(r->err, NULL, "training step failed: %s", rfx_strerror(rc));
		return -1;
	}
	if (rfx_bptt_cancelled(r->bp))
		return 2;
	float *g = rfx_bptt_grad(r->bp);
	size_t n = r->model->n_params;
	double norm = r->cfg->clip > 0 ? rfx_optim_clip_grad_norm(g, n, r->cfg->clip)
				       : rfx_optim_grad_norm(g, n);
	if (!isfinite(*loss) || !isfinite(norm)) {
		r->st->skipped++;
		if (++r->bad_run > MAX_BAD_RUN) {
			trn_error_set(r->err, NULL, "training diverged (%d non-finite steps in a row); "
				      "try a lower --lr or --clip", MAX_BAD_RUN);
			return -1;
		}
		return 0;
	}
	r->bad_run = 0;
	rfx_adam_step(r->adam, r->model->params, g, r->mask);
	r->st->steps++;
	return 1;
}

/* 0, or -1 out of memory. */
static int undo_init(TrnUndo *u, size_t n_params)
{
	memset(u, 0, sizeof *u);
	u->n = n_params;
	u->buf = malloc(3 * n_params * sizeof *u->buf);
	return u->buf ? 0 : -1;
}

static void undo_free(TrnUndo *u)
{
	free(u->buf);
	memset(u, 0, sizeof *u);
}

static void undo_save(TrnUndo *u, const RfxModel *m, const RfxAdam *a, const TrnState *st,
		      int64_t bad_run)
{
	const size_t n = u->n;
	memcpy(u->buf, m->params, n * sizeof *u->buf);
	memcpy(u->buf + n, a->m, n * sizeof *u->buf);
	memcpy(u->buf + 2 * n, a->v, n * sizeof *u->buf);
	u->adam_step = a->step;
	u->steps = st->steps;
	u->skipped = st->skipped;
	u->loss_count = st->loss_count;
	u->bad_run = bad_run;
	u->samples = st->samples;
	u->loss_sum = st->loss_sum;
}

static void undo_restore(const TrnUndo *u, RfxModel *m, RfxAdam *a, TrnState *st,
			 int64_t *bad_run)
{
	const size_t n = u->n;
	memcpy(m->params, u->buf, n * sizeof *u->buf);
	memcpy(a->m, u->buf + n, n * sizeof *u->buf);
	memcpy(a->v, u->buf + 2 * n, n * sizeof *u->buf);
	a->step = u->adam_step;
	st->steps = u->steps;
	st->skipped = u->skipped;
	st->loss_count = u->loss_count;
	st->samples = u->samples;
	st->loss_sum = u->loss_sum;
	*bad_run = u->bad_run;
}

static int undo_batch(Run *r)
{
	undo_restore(&r->undo, r->model, r->adam, r->st, &r->bad_run);
	return 1;
}

/* Whether any segment of the batch has a label in [off, off + T). */
static int labelled(const Run *r, int B, size_t off, size_t T)
{
	for (int b = 0; b < B; b++)
		for (size_t t = 0; t < T; t++)
			if (r->lbuf[(size_t)b * r->seg_len + off + t] >= 0)
				return 1;
	return 0;
}

/* Warm-up then every window of one batch; *mean_loss gets the mean over the windows taken.
 * A window without a label (a gap in a classifier's labels) only moves the state on.
 * 0 when done, 1 when stopped part-way (and undone), -1 on error. */
static int train_batch(Run *r, int64_t b, double *mean_loss)
{
	const size_t S = r->seg_len, W = (size_t)r->cfg->window, warm = (size_t)r->cfg->warmup;
	const size_t I = r->n_in;
	const int B = r->task->fill(r->task->ctx, r->st->epoch, b, S, r->xbuf, r->tbuf, r->lbuf);
	undo_save(&r->undo, r->model, r->adam, r->st, r->bad_run);
	rfx_bptt_reset_state(r->bp);
	RfxBpttBatch wb = { .B = B, .T = (int)warm, .x = r->xbuf, .x_stride = S * I };
	if (warm > 0 && rfx_bptt_forward(r->bp, &wb, NULL, 0) != RFX_OK) {
		trn_error_set(r->err, NULL, "warm-up forward pass failed");
		return -1;
	}
	if (rfx_bptt_cancelled(r->bp))
		return undo_batch(r);
	double sum = 0;
	int taken = 0;
	for (size_t off = warm; off < S; off += W) {
		wb.T = (int)(S - off < W ? S - off : W);
		wb.x = r->xbuf + off * I;
		if (r->lbuf) {
			wb.label = r->lbuf + off;
			wb.l_stride = S;
		} else {
			wb.target = r->tbuf + off * r->n_out;
			wb.t_stride = S * r->n_out;
		}
		if (r->lbuf && !labelled(r, B, off, (size_t)wb.T)) {
			if (rfx_bptt_forward(r->bp, &wb, NULL, 0) != RFX_OK) {
				trn_error_set(r->err, NULL, "forward pass failed");
				return -1;
			}
			if (rfx_bptt_cancelled(r->bp))
				return undo_batch(r);
			continue;
		}
		double loss = 0;
		int rc = train_window(r, &wb, &loss);
		if (rc < 0)
			return -1;
		if (rc == 2)
			return undo_batch(r);
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

/* The task's score, history point, best model, learning-rate plateau. */
static int validate(Run *r)
{
	TrnState *st = r->st;
	double score = NAN;
	if (r->task->score(r->task->ctx, r->model, &score, r->err) != 0)
		return -1;
	TrnPoint p = {
		.time = st->elapsed, .loss = st->loss_count ? st->loss_sum / (double)st->loss_count : NAN,
		.val_esr = score, .lr = r->adam->cfg.lr, .epoch = st->epoch, .steps = st->steps,
	};
	if (trn_state_push(st, &p) != 0) {
		trn_error_set(r->err, NULL, "out of memory");
		return -1;
	}
	st->loss_sum = 0;
	st->loss_count = 0;
	st->since_val = 0;
	r->last_val = score;
	if (isfinite(score) && score < st->best_val) {
		st->best_val = score;
		st->best_epoch = st->epoch;
		memcpy(st->best_params, r->model->params, st->n_params * sizeof *st->best_params);
		st->bad_evals = st->plateau_bad = 0;
	} else {
		st->bad_evals++;
		if (++st->plateau_bad >= r->cfg->plateau_patience) {
			float lr = r->adam->cfg.lr * r->cfg->plateau_factor;
			r->adam->cfg.lr = lr > r->cfg->min_lr ? lr : r->cfg->min_lr;
			st->plateau_bad = 0;
		}
	}
	if (r->hooks && r->hooks->validated)
		r->hooks->validated(r->hooks->ctx, st);
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

static int setup(Run *r)
{
	const TrnTrainConfig *c = r->cfg;
	const size_t B = (size_t)c->batch, S = r->seg_len, I = r->n_in;
	RfxBpttConfig bc = {
		.max_batch = c->batch, .max_steps = max_steps(c->window, S, c->warmup),
		.n_threads = c->threads, .loss = rfx_loss_config_default(c->loss),
	};
	bc.loss.class_weights = r->task->class_weights;
	/* The BPTT, the batch's input and targets (or labels), the undo copy. */
	const size_t per = sizeof(float) + (r->task->labels ? sizeof(int32_t) : r->n_out * sizeof(float));
	size_t more = B * S * (per + (I - 1) * sizeof(float)) + 3 * r->model->n_params * sizeof(float);
	char why[400];
	if (memory_check(r->model, &bc, more, why, sizeof why) != 0) {
		trn_error_set(r->err, NULL, "%s", why);
		return -1;
	}
	RfxStatus rc = rfx_bptt_create(r->model, &bc, &r->bp);
	if (rc != RFX_OK) {
		trn_error_set(r->err, NULL, "cannot set up training: %s", rfx_strerror(rc));
		return -1;
	}
	r->mask = malloc(r->model->n_params);
	r->xbuf = malloc(B * S * I * sizeof *r->xbuf);
	if (r->task->labels)
		r->lbuf = malloc(B * S * sizeof *r->lbuf);
	else
		r->tbuf = malloc(B * S * r->n_out * sizeof *r->tbuf);
	if (!r->mask || !r->xbuf || !(r->lbuf || r->tbuf) ||
	    undo_init(&r->undo, r->model->n_params) != 0) {
		trn_error_set(r->err, NULL, "out of memory for %d segments of %zu samples", c->batch, S);
		return -1;
	}
	rfx_optim_trainable_mask(r->model, r->mask);
	return 0;
}

/* A batch that would outlast the budget left is never completed, so nothing would be learned
 * (a batch stopped part-way is undone): say so before the run spends the budget. */
static void check_budget(Run *r)
{
	const TrnTrainConfig *c = r->cfg;
	double batch_s, step_s, left = c->time_budget - (now_s() - r->t0);
	if (left <= 0)              /* a resumed run past its budget: it stops at once */
		return;
	estimate_batch(r->bp, r->xbuf, r->task->est_batch, r->seg_len, r->n_in, c->warmup, c->window,
			   &batch_s, &step_s);
	if (batch_s <= left || !r->hooks || !r->hooks->log)
		return;
	char msg[512];
	snprintf(msg, sizeof msg, "one batch takes about %.3g s here (estimated; its first optimiser "
		 "step %.3g s), more than the %.3g s left of --time-budget: the budget will end inside "
		 "the first batch, and a batch stopped part-way is discarded, so the model would not "
		 "train. Give a longer --time-budget, or a smaller --batch, --segment, --window, "
		 "--hidden or --layers", batch_s, step_s, left > 0 ? left : 0);
	r->hooks->log(r->hooks->ctx, 1, "", msg);
}

static void teardown(Run *r)
{
	rfx_bptt_destroy(r->bp);
	free(r->mask);
	free(r->xbuf);
	free(r->tbuf);
	free(r->lbuf);
	undo_free(&r->undo);
}

static int early_stop(const Run *r)
{
	return r->cfg->patience > 0 && r->st->bad_evals >= r->cfg->patience;
}

/* Runs the batches left in the current epoch; returns a TrnStop, or -1 when the epoch finished. */
static int run_epoch(Run *r, double t_run0, double s_run0)
{
	TrnState *st = r->st;
	const TrnTrainConfig *c = r->cfg;
	const int64_t nb = r->n_batches = r->task->plan(r->task->ctx, st->epoch);
	while (st->batch < nb) {
		st->elapsed = now_s() - r->t0;
		const int why = atomic_load(&r->stop.flag);
		if (why == TRN_CANCEL_SIGNAL)
			return TRN_STOP_INTERRUPT;
		if (why == TRN_CANCEL_BUDGET || (c->time_budget > 0 && st->elapsed >= c->time_budget)) {
			if (st->since_val > 0 && validate(r) != 0)
				return TRN_STOP_ERROR;
			return TRN_STOP_BUDGET;
		}
		double loss = NAN;
		int rc = train_batch(r, st->batch, &loss);
		if (rc < 0)
			return TRN_STOP_ERROR;
		if (rc > 0)     /* stopped part-way and undone: the checks above say why */
			continue;
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

TrnStop trn_train(const TrnTrainConfig *cfg, const TrnTask *task, RfxModel *model, RfxAdam *adam,
		  TrnState *st, const TrnHooks *hooks, TrnError *err)
{
	Run r = {
		.cfg = cfg, .task = task, .model = model, .adam = adam, .st = st, .hooks = hooks,
		.err = err, .seg_len = trn_seg_len(cfg, task->rate), .last_val = NAN,
		.n_in = (size_t)model->spec.n_inputs,
		.n_out = task->labels ? 1 : (size_t)model->spec.n_outputs,
	};
	TrnStop stop = TRN_STOP_ERROR;
	stopper_block(&r.stop); /* before the BPTT's threads exist, so they inherit the mask */
	if (setup(&r) != 0)
		goto out;
	r.t0 = now_s() - st->elapsed;
	if (stopper_start(&r.stop, hooks ? hooks->interrupt : NULL,
			      cfg->time_budget > 0 ? r.t0 + cfg->time_budget : 0) != 0) {
		trn_error_set(err, NULL, "cannot start a thread");
		goto out;
	}
	rfx_bptt_set_cancel(r.bp, &r.stop.flag);
	if (cfg->time_budget > 0)
		check_budget(&r);
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
		int rc = run_epoch(&r, t_run0, s_run0);
		if (rc >= 0) {
			stop = (TrnStop)rc;
			break;
		}
		st->elapsed = now_s() - r.t0;
		if (st->since_val > 0 && validate(&r) != 0)
			break;
		report(&r, r.n_batches, st->hist[st->n_hist - 1].loss, 1, t_run0, s_run0);
		st->epoch++;
		st->batch = 0;
		if (hooks && hooks->epoch_end && hooks->epoch_end(hooks->epoch_ctx, st, adam, err) != 0)
			break;
		if (early_stop(&r)) {
			stop = TRN_STOP_EARLY;
			break;
		}
	}
out:
	st->elapsed = now_s() - r.t0;
	stopper_stop(&r.stop);
	teardown(&r);
	return stop;
}
