/* rnnfx-train — checkpoints: everything needed to continue a run exactly where it stopped.
 *
 * A checkpoint holds the model (as model-file JSON, so it can also be inspected), the Adam moments
 * and step, the loop state (epoch, batch, best validation and its parameters, plateau counters,
 * the history the report draws), and a fingerprint of the options that shape the run. The layout
 * is binary in the machine's own byte order: a checkpoint is for resuming on the machine that
 * wrote it, the model file is what travels. Files are written to a temporary name and renamed.
 */
#ifndef TRN_CHECKPOINT_H
#define TRN_CHECKPOINT_H

#include "../dsp/model.h"
#include "../dsp/optim.h"
#include "dataset.h"
#include "train_state.h"

/* Returns 0, or -1 with `err` filled. */
int trn_checkpoint_save(const char *path, const RfxModel *model, const RfxAdam *adam,
			const TrnState *st, const char *fingerprint, TrnError *err);

/* Loads a checkpoint into a new model, Adam state and loop state (all owned by the caller);
 * `fingerprint` receives the stored one (malloc'd). */
int trn_checkpoint_load(const char *path, RfxModel **model, RfxAdam **adam, TrnState *st,
			char **fingerprint, TrnError *err);

#endif
