/* rnnfx-train --task onset — trains an onset model (RFX_MODE_ONSET: per sample and class, the
 * probability that a hit just began) from audio with labelled hits (onsets.h), with binary
 * cross-entropy against a short target after each onset: the shared options, loop and checkpoints
 * (options.h, train_loop.h, run.h) given the onset task (batches anchored on hits of every class in
 * turn, 1 - mean F1 of the hits the plugin would report as the validation score), and the hit
 * metrics of onset_metrics.h on held-out data. See docs/trainer.md, "Onset models".
 */
#ifndef TRN_ONSET_H
#define TRN_ONSET_H

#include "options.h"

/* The whole onset run on parsed options (o->task == TRN_TASK_ONSET); returns the exit status. */
int trn_onset_main(const TrnOptions *o);

#endif
