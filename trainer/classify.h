/* rnnfx-train --task classify — trains a recurrent classifier (RFX_MODE_CLASSIFIER: K class
 * probabilities per sample) from labelled audio (labels.h), with class-weighted cross-entropy,
 * the dsp BPTT and Adam, the effect trainer's checkpoints, and the metrics of metrics.h on
 * held-out data. See docs/trainer.md, "Training a classifier".
 */
#ifndef TRN_CLASSIFY_H
#define TRN_CLASSIFY_H

/* The whole classify run; returns the exit status. */
int trn_classify_main(int argc, char **argv);

#endif
