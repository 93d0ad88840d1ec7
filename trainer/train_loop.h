/* rnnfx-train — the training loop of both tasks: truncated BPTT over segments, Adam with
 * reduce-on-plateau, early stopping on the validation score, a time budget.
 *
 * An epoch is the batches its task plans (TrnTask below: the effect task cuts the training spans
 * into shuffled segments on a grid whose phase is drawn per epoch; the classifier draws
 * class-balanced segments). Each batch resets the state, runs `warmup` samples forward only (the
 * state settles, no gradient), then trains windows of `window` samples with the state carried
 * between them, one optimiser step per window (Wright et al.'s recipe). Validation runs after
 * every epoch (and every `val_every` batches when set).
 *
 * Determinism: the plan and batches of epoch e come from (seed, e) alone, and the dsp BPTT sums
 * gradients in a fixed order, so a run is bit-identical for a seed whatever the thread count, and
 * a run resumed from a checkpoint continues exactly as the uninterrupted run would have. Only a
 * time budget (wall clock) can change where a run stops.
 *
 * Stopping: SIGINT/SIGTERM and the end of the time budget stop a batch part-way, within
 * milliseconds whatever the model size (TrnStopper below; the dsp BPTT polls its flag). A batch
 * stopped part-way is undone: the model, the optimiser and the counters go back to where they
 * were before it, so the checkpoint holds the state after the last completed batch and a resumed
 * run redoes that batch from its start, exactly.
 */
#ifndef TRN_TRAIN_LOOP_H
#define TRN_TRAIN_LOOP_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../dsp/bptt.h"
#include "../dsp/loss.h"
#include "../dsp/model.h"
#include "../dsp/optim.h"
#include "dataset.h"
#include "train_state.h"

typedef struct {
	double segment_s;       /* segment length in seconds, warm-up included */
	int warmup;             /* samples run forward only at each segment start */
	int window;             /* samples per optimiser step */
	int batch;              /* segments per batch */
	RfxAdamConfig adam;
	float clip;             /* global gradient-norm limit; 0 = none */
	RfxLossKind loss;       /* RFX_LOSS_ESR_DC or RFX_LOSS_MSE */
	int patience;           /* validations without improvement before stopping; 0 = never */
	int plateau_patience;   /* validations without improvement before the learning rate is cut */
	float plateau_factor;   /* the cut */
	float min_lr;
	long max_epochs;        /* 0 = no limit */
	double time_budget;     /* seconds of training; 0 = none */
	long val_every;         /* also validate every this many batches; 0 = at epoch ends only */
	int threads;
	uint64_t seed;
} TrnTrainConfig;

void trn_train_config_default(TrnTrainConfig *c);


typedef enum {
	TRN_STOP_EPOCHS,        /* --epochs reached */
	TRN_STOP_BUDGET,        /* --time-budget used up */
	TRN_STOP_EARLY,         /* no validation improvement for --patience validations */
	TRN_STOP_INTERRUPT,     /* *interrupt became non-zero; the state is at a batch boundary */
	TRN_STOP_ERROR          /* see the TrnError */
} TrnStop;

/* What the progress display gets after every batch. */
typedef struct {
	const TrnState *st;
	int64_t n_batches;      /* in this epoch */
	double loss;            /* mean training loss of the last batch */
	double last_val;        /* latest validation ESR (NaN before the first) */
	double samples_per_s;
	double eta_s;           /* NaN when unknown */
	double lr;
	int validated;          /* 1 when this call follows a validation */
} TrnProgress;

typedef struct {
	void (*progress)(void *ctx, const TrnProgress *p);
	/* After every epoch (a place to write a checkpoint); non-zero stops with TRN_STOP_ERROR. */
	int (*epoch_end)(void *ctx, const TrnState *st, const RfxAdam *adam, TrnError *err);
	volatile sig_atomic_t *interrupt;
	void *ctx;
	/* Warnings and notes about the run (may be NULL): a batch estimated to outlast the budget. */
	TrnLogFn log;
	/* After every validation (may be NULL): its point is st->hist[st->n_hist - 1]. */
	void (*validated)(void *ctx, const TrnState *st);
} TrnHooks;

/* Why a run is being stopped part-way: the value of TrnStopper.flag. */
enum { TRN_CANCEL_NONE = 0, TRN_CANCEL_SIGNAL = 1, TRN_CANCEL_BUDGET = 2 };

/* Stops the batch running when SIGINT or SIGTERM comes or a deadline passes: a watcher thread
 * then sets `flag` (to the reason; the first one stays), which the BPTT polls
 * (rfx_bptt_set_cancel). Use:
 *
 *     trn_stopper_block(&s);               before the BPTT (and its threads) is created
 *     ... rfx_bptt_create ...
 *     trn_stopper_start(&s, interrupt, deadline);   rfx_bptt_set_cancel(bp, &s.flag)
 *     ... train ...
 *     trn_stopper_stop(&s);
 *
 * Between block and stop, SIGINT and SIGTERM are blocked in the calling thread and in every thread
 * it creates, and the watcher takes them with sigtimedwait: the program's handler does not run
 * meanwhile, the watcher sets *interrupt (the handler's flag) for it, and a second signal kills
 * only when it comes half a second after the first (`timeout` sends its SIGTERM twice at once);
 * after stop, a one-shot (SA_RESETHAND) handler the watcher stood in for counts as spent.
 * A signal handled before start (*interrupt already set) stops the run at once. stop joins the
 * watcher and restores the caller's mask. Deadlines are CLOCK_MONOTONIC seconds (trn_now_s);
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

void trn_stopper_block(TrnStopper *s);
/* 0, or -1 when the thread cannot be created (the mask is then restored). */
int trn_stopper_start(TrnStopper *s, volatile sig_atomic_t *interrupt, double deadline);
void trn_stopper_stop(TrnStopper *s);
double trn_now_s(void);

/* Seconds one batch (`batch` segments of `seg_len` samples: `warmup` forward only, then windows of
 * `window` trained) and its first optimiser step (the warm-up and one window) take on this
 * machine, from a short timed forward pass of `bp` (16 to 256 steps, under about 60 ms) over zeros
 * written into x (at least batch * seg_len floats, segment-major); the backward is counted as 1.3
 * forwards (measured: 0.9 to 1.6). A rough figure (within a factor of about 1.5), for warnings.
 * Leaves the carried state reset. */
void trn_estimate_batch(RfxBptt *bp, float *x, int batch, size_t seg_len, int warmup, int window,
			double *batch_s, double *step_s);

/* Steps per BPTT call: a window, or what a segment has after its warm-up when that is shorter
 * (the caches need no more). */
int trn_max_steps(int window, size_t seg_len, int warmup);

/* 0 when the BPTT for `bc` plus `more` bytes fit in this machine's physical memory (or it cannot
 * tell); else -1 with a sentence for the user in msg. */
int trn_memory_check(const RfxModel *m, const RfxBpttConfig *bc, size_t more, char *msg,
		     size_t cap);

/* What one batch changes (the parameters, Adam's moments and step, the run's counters), kept
 * from its start so that a batch stopped part-way can be undone. The copy costs 3 n_params floats
 * per batch, nothing next to the batch itself. */
typedef struct {
	float *buf;                 /* [3][n]: params, m, v */
	size_t n;
	int64_t adam_step, steps, skipped, loss_count, bad_run;
	double samples, loss_sum;
} TrnUndo;

int trn_undo_init(TrnUndo *u, size_t n_params);   /* 0, or -1 out of memory */
void trn_undo_free(TrnUndo *u);
void trn_undo_save(TrnUndo *u, const RfxModel *m, const RfxAdam *a, const TrnState *st,
		   int64_t bad_run);
void trn_undo_restore(const TrnUndo *u, RfxModel *m, RfxAdam *a, TrnState *st, int64_t *bad_run);

/* What the loop asks of a task (the effect trainer: task_effect.h; the classifier: classify.c).
 * The loop owns the batch buffers, the optimiser steps, the validation bookkeeping (history, best
 * model, plateau, early stop), stopping and progress; the task says what goes into a batch and how
 * good a model is. The loss is cfg->loss (RFX_LOSS_CE for a classifier). */
typedef struct {
	void *ctx;
	double rate;                /* of the data: segments are trn_seg_len(cfg, rate) samples */
	int labels;                 /* 1: targets are class labels (-1 = unlabelled), 0: samples */
	const float *class_weights; /* CE: one per class, or NULL */
	int est_batch;              /* segments in the first batch, for the budget's time estimate */
	/* Plans epoch `epoch` from (seed, epoch) alone, so that a resumed run plans the same; returns
	 * its number of batches. */
	int64_t (*plan)(void *ctx, int64_t epoch);
	/* Fills batch b of the planned epoch: segment i at x + i * seg_len, and its targets at
	 * t + i * seg_len or labels at lab + i * seg_len (as `labels` says; the other is NULL).
	 * Returns the number of segments, 1 to cfg->batch. */
	int (*fill)(void *ctx, int64_t epoch, int64_t b, size_t seg_len, float *x, float *t,
		    int32_t *lab);
	/* The validation score of `m`, lower is better: what "best", the plateau and early stopping
	 * watch (and TrnPoint.val_esr holds). 0, or -1 with err filled. */
	int (*score)(void *ctx, const RfxModel *m, double *score, TrnError *err);
} TrnTask;

/* Samples per segment: cfg->segment_s at `rate`. */
size_t trn_seg_len(const TrnTrainConfig *cfg, double rate);

/* splitmix64, the generator behind every shuffle and draw of the loop and the tasks. */
uint64_t trn_mix(uint64_t *s);

/* Trains `model` in place from state `st` (fresh or restored) on `task`. On return the model
 * holds the latest parameters and st->best_params the best-validation ones. */
TrnStop trn_train(const TrnTrainConfig *cfg, const TrnTask *task, RfxModel *model, RfxAdam *adam,
		  TrnState *st, const TrnHooks *hooks, TrnError *err);

#endif
