/* rnnfx-train --task classify — trains a recurrent classifier (RFX_MODE_CLASSIFIER: K class
 * probabilities per sample) from labelled audio (labels.h), with class-weighted cross-entropy:
 * the effect trainer's options, loop and checkpoints (options.h, train_loop.h, run.h) given the
 * classifier's task (class-balanced batches, frame error as the validation score), and the
 * metrics of metrics.h on held-out data. See docs/trainer.md, "Training a classifier".
 */
#ifndef TRN_CLASSIFY_H
#define TRN_CLASSIFY_H

#include "options.h"

/* The whole classify run on parsed options (o->task == TRN_TASK_CLASSIFY); returns the exit
 * status. */
int trn_classify_main(const TrnOptions *o);

#endif
