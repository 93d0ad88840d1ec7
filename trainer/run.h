/* rnnfx-train — the parts of a run that the effect trainer (main.c) and the classifier
 * (classify.c) share around the loop: the output paths, a new or resumed model, catching Ctrl-C,
 * training to a checkpoint, and the metadata's common words.
 */
#ifndef TRN_RUN_H
#define TRN_RUN_H

#include <jansson.h>

#include "../dsp/model.h"
#include "../dsp/optim.h"
#include "options.h"
#include "train_loop.h"

#define TRN_PROG "rnnfx-train"
/* Exit status after Ctrl-C (or SIGTERM), as a shell reports a SIGINT death: the run did not
 * finish, but its checkpoint is written. */
#define TRN_EXIT_INTERRUPTED 130

/* The checkpoint (--checkpoint, else OUT.ckpt) and report (--report, else OUT with .svg for
 * .json) paths. */
void trn_run_paths(const TrnOptions *o, char *ckpt, size_t ckpt_cap, char *report,
		   size_t report_cap);

/* A new model of `spec`, randomly initialised from cfg->seed, its Adam (cfg->adam) and a fresh
 * loop state. 0, or -1 with err filled. */
int trn_run_new_model(const RfxModelSpec *spec, const TrnTrainConfig *cfg, RfxModel **model,
		      RfxAdam **adam, TrnState *st, TrnError *err);

/* The model, optimiser and loop state of checkpoint `path`, which must have been made with
 * `fingerprint` (the data and the options that shape the run: `named` lists them for the
 * message) for a model of want->mode with want->n_outputs outputs (and want->n_inputs inputs,
 * unless 0) at want->sample_rate.
 * 0, or -1 with err filled. */
int trn_run_resume(const char *path, const char *fingerprint, const char *named,
		   const RfxModelSpec *want, RfxModel **model, RfxAdam **adam, TrnState *st,
		   TrnError *err);

/* Frees what trn_run_new_model or trn_run_resume made, and the fingerprint (each may be NULL). */
void trn_run_free(RfxModel *model, RfxAdam *adam, TrnState *st, char *fingerprint);

/* Checks that `outs` can be written, catches SIGINT and SIGTERM (a second one kills at once),
 * trains, and writes the checkpoint at the end (the hooks write it after every epoch). Returns
 * the loop's TrnStop; TRN_STOP_ERROR with err filled, also when the checkpoint cannot be
 * written. hooks->interrupt is set here. */
TrnStop trn_run_train(const char *const outs[3], const char *ckpt, const char *fingerprint,
		      const TrnTrainConfig *cfg, const TrnTask *task, RfxModel *model, RfxAdam *adam,
		      TrnState *st, TrnHooks *hooks, TrnError *err);

/* Ends the metadata `m` begun by a task (its model and results) with the run's own keys (best
 * epoch, epochs, steps, wall time, why it stopped, loss, seed, threads, command line) and `data`
 * (the files, each with its role and SHA-256), and returns it as compact JSON (malloc'd; NULL
 * out of memory). Takes both references. */
char *trn_run_metadata(json_t *m, const TrnOptions *o, const TrnState *st, TrnStop stop,
		       json_t *data);

/* How the run ended, for the metadata's "stopped_by" and the summary. */
const char *trn_stop_name(TrnStop s);

/* A JSON number, or null for NaN and infinities (which JSON has no words for). */
json_t *trn_json_num(double v);

#endif
