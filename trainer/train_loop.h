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
 * milliseconds whatever the model size (a watcher thread in train_loop.c sets a flag the dsp
 * BPTT polls). A batch stopped part-way is undone: the model, the optimiser and the counters go
 * back to where they were before it, so the checkpoint holds the state after the last completed
 * batch and a resumed run redoes that batch from its start, exactly.
 */
#ifndef TRN_TRAIN_LOOP_H
#define TRN_TRAIN_LOOP_H

#include <signal.h>
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
	/* After every epoch (a place to write a checkpoint: trn_run_train's), called with epoch_ctx;
	 * non-zero stops with TRN_STOP_ERROR. */
	int (*epoch_end)(void *epoch_ctx, const TrnState *st, const RfxAdam *adam, TrnError *err);
	void *epoch_ctx;
	volatile sig_atomic_t *interrupt;
	void *ctx;              /* of progress, log and validated */
	/* Warnings and notes about the run (may be NULL): a batch estimated to outlast the budget. */
	TrnLogFn log;
	/* After every validation (may be NULL): its point is st->hist[st->n_hist - 1]. */
	void (*validated)(void *ctx, const TrnState *st);
} TrnHooks;

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
	/* Fills batch b of the planned epoch: segment i's inputs at x + i * seg_len * I, step t's
	 * input j at [t * I + j] (I = the model's n_inputs: audio, then any conditioning), and its
	 * targets at (i * seg_len + t) * O + o (O = the model's outputs: 1 for an effect, K for an
	 * onset model) or labels at lab + i * seg_len (as `labels` says; the other is NULL). Returns the number of segments, 1 to cfg->batch. */
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
