/* rnnfx-train — the training loop: truncated BPTT over shuffled segments, Adam with
 * reduce-on-plateau, early stopping on validation ESR, a time budget.
 *
 * One epoch cuts the training spans into segments of `segment` seconds on a grid whose phase is
 * drawn per epoch, shuffles them, and takes them `batch` at a time. Each batch resets the state,
 * runs `warmup` samples forward only (the state settles, no gradient), then trains windows of
 * `window` samples with the state carried between them, one optimiser step per window (Wright et
 * al.'s recipe). Validation runs after every epoch (and every `val_every` batches when set).
 *
 * Determinism: the shuffle and phase of epoch e come from (seed, e) alone, and the dsp BPTT sums
 * gradients in a fixed order, so a run is bit-identical for a seed whatever the thread count, and
 * a run resumed from a checkpoint continues exactly as the uninterrupted run would have. Only a
 * time budget (wall clock) can change where a run stops.
 */
#ifndef TRN_TRAIN_LOOP_H
#define TRN_TRAIN_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "../dsp/loss.h"
#include "../dsp/model.h"
#include "../dsp/optim.h"
#include "dataset.h"

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

/* One validation: where the curves in the report come from. */
typedef struct {
	double time;            /* training seconds so far */
	double loss;            /* mean training loss since the previous point (NaN for the first) */
	double val_esr;
	double lr;
	int64_t epoch, steps;
} TrnPoint;

/* Everything a checkpoint must hold to continue a run exactly. */
typedef struct {
	int64_t epoch;          /* current epoch, 0-based */
	int64_t batch;          /* next batch of that epoch */
	int64_t steps;          /* optimiser steps so far */
	int64_t skipped;        /* steps skipped for a non-finite loss or gradient */
	double elapsed;         /* training wall-clock seconds so far */
	double samples;         /* samples trained (forward and backward) so far */
	double best_val;        /* best validation ESR (INFINITY before the first) */
	int64_t best_epoch;
	int64_t bad_evals;      /* validations since the best */
	int64_t plateau_bad;    /* validations since the best or the last learning-rate cut */
	double loss_sum;        /* training loss summed since the last validation */
	int64_t loss_count;
	int64_t since_val;      /* batches since the last validation */
	size_t n_params;
	float *best_params;     /* the model at best_val */
	TrnPoint *hist;
	size_t n_hist, cap_hist;
} TrnState;

int trn_state_init(TrnState *s, size_t n_params);
void trn_state_free(TrnState *s);
int trn_state_push(TrnState *s, const TrnPoint *p);

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
} TrnHooks;

/* Trains `model` in place from state `st` (fresh or restored). On return the model holds the
 * latest parameters and st->best_params the best-validation ones. */
TrnStop trn_train(const TrnTrainConfig *cfg, const TrnData *d, const TrnSpan *train, int n_train,
		  const TrnSpan *val, int n_val, RfxModel *model, RfxAdam *adam, TrnState *st,
		  const TrnHooks *hooks, TrnError *err);

#endif
