/* rnnfx-train --task classify — trains a recurrent classifier (RFX_MODE_CLASSIFIER: K class
 * probabilities per sample) from labelled audio (labels.h), with class-weighted cross-entropy,
 * the dsp BPTT and Adam, the effect trainer's checkpoints, and the metrics of metrics.h on
 * held-out data. See docs/trainer.md, "Training a classifier".
 */
#ifndef TRN_CLASSIFY_H
#define TRN_CLASSIFY_H

/* Looks for "--task NAME" (or --task=NAME) in argv. Returns 0 for the effect trainer (the option,
 * if any, is removed from argv and *argc), 1 for classify, 2 after printing a usage error. */
int trn_task_select(int *argc, char **argv);

/* The whole classify run; returns the exit status. */
int trn_classify_main(int argc, char **argv);

#endif
