/* rnnfx-train — how far back a target depends on its input: the memory a model must reach.
 *
 * An amp or pedal answers the last few milliseconds of its input; a compressor, a limiter or an
 * envelope follower answers the last second. Truncated BPTT sees `--warmup` settled samples and
 * windows of `--window`, so a target with longer memory than that is trained on targets whose
 * cause lies before the segment: the model cannot learn them. This estimate runs before training.
 *
 * Method: on 1 ms frames, the target's level over the input's (the gain, in dB) is fitted by least
 * squares from the input's present level (a static curve: constant, level, level squared) and then,
 * added one by one, the input's level smoothed by one-pole filters of 4 ms to 4 s. The residual
 * falls as regressors that reach far enough back join; the memory is the shortest time constant
 * that takes 80 % of the fall the whole set achieves. A fall under 15 % of the gain's variance
 * means the past explains nothing the present does not: no long memory (0).
 */
#ifndef TRN_MEMORY_H
#define TRN_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/model.h"

typedef struct {
	double memory_s;        /* the estimate, 0 when none is found */
	double explained_static; /* share of the gain's variance the present level explains */
	double explained_all;    /* ... with every smoothed level added */
	int frames;             /* frames the fit used (sounding ones) */
} TrnMemory;

/* Chrono initialisation (Tallec and Ollivier, 2018) of a new GRU or LSTM model: gate biases that
 * make each unit keep its state for a time drawn between 1 and t_max steps, u uniform in
 * [1, t_max - 1] per unit: an LSTM's forget bias log(u) and input bias -log(u), a GRU's update
 * (z) bias log(u). Set in bias_ih, with bias_hh of those gates 0 (their sum is what counts). A tanh
 * RNN has no gate: unchanged. `seed` picks the u. */
void trn_chrono_init(RfxModel *m, double t_max, uint64_t seed);

/* The estimate for input x and target y (n samples at `rate`). Never fails: too little sounding
 * audio gives memory_s 0 and frames < 100. */
void trn_memory_estimate(const float *x, const float *y, size_t n, double rate, TrnMemory *m);

#endif
