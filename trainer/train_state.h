/* rnnfx-train — the state of one run: counters, the best model, the validation history. A
 * checkpoint (checkpoint.h) stores exactly this; the loop (train_loop.h) advances it. Kept apart
 * from the loop so that the checkpoint reader (and its fuzz target) need nothing else.
 */
#ifndef TRN_TRAIN_STATE_H
#define TRN_TRAIN_STATE_H

#include <stddef.h>
#include <stdint.h>

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

/* 0, or -1 out of memory. */
int trn_state_init(TrnState *s, size_t n_params);
void trn_state_free(TrnState *s);
int trn_state_push(TrnState *s, const TrnPoint *p);

#endif
