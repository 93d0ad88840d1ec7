/* rnnfx-train — the parts of a run that the effect trainer (main.c), the classifier (classify.c)
 * and the onset task (onset.c) share around the loop: the output paths, a new or resumed model,
 * catching Ctrl-C, training with a checkpoint after every epoch, the metadata's common words, and
 * the lines the programs print on stderr ("rnnfx-train: FILE: message").
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
 * trains, and writes the checkpoint `ckpt` (with `fingerprint`) after every epoch and at the end.
 * Returns the loop's TrnStop; TRN_STOP_ERROR with err filled, also when the checkpoint cannot be
 * written. The caller's hooks give progress, log and validated; interrupt and epoch_end are set
 * here. */
TrnStop trn_run_train(const char *const outs[3], const char *ckpt, const char *fingerprint,
		      const TrnTrainConfig *cfg, const TrnTask *task, RfxModel *model, RfxAdam *adam,
		      TrnState *st, const TrnHooks *hooks, TrnError *err);

/* Samples per segment (trn_seg_len) into *seg_len, which must be longer than the warm-up. 0, or
 * -1 with err filled. */
int trn_run_seg_len(const TrnTrainConfig *cfg, double rate, size_t *seg_len, TrnError *err);

/* The segment of a classify or onset run (trn_run_seg_len) and its sets of n_train and n_val
 * samples at `rate`: the training audio must hold a segment, the validation audio more than twice
 * the warm-up. 0, or -1 with err filled (the sets' errors name `where`). */
int trn_run_check_lengths(const TrnTrainConfig *cfg, double rate, size_t n_train, size_t n_val,
			  const char *where, size_t *seg_len, TrnError *err);

/* Batches per epoch: `batches` (--batches) when positive, else as many segments of seg_len
 * samples (cfg->warmup of them warm-up) as hold `n` samples of training audio once, at least 1. */
int64_t trn_run_plan(long batches, const TrnTrainConfig *cfg, size_t seg_len, size_t n);

/* The model at its best validation, when there was one (else it keeps its latest weights). */
void trn_run_best(RfxModel *model, const TrnState *st);

/* The model file at `path` for --eval, which must be of `mode` (else the error is `not_mode`,
 * "not a classifier"). 0, or -1 with err filled. */
int trn_run_load(const char *path, RfxOutputMode mode, const char *not_mode, RfxModel **model,
		 TrnError *err);

/* Gives `model` the metadata `meta` (from trn_run_metadata; NULL: it ran out of memory; freed
 * here) and writes it to `out`. 0, or -1 with err filled. */
int trn_run_save(RfxModel *model, char *meta, const char *out, TrnError *err);

/* Ends the metadata `m` begun by a task (its model and results) with the run's own keys (best
 * epoch, epochs, steps, wall time, why it stopped, loss, seed, threads, command line) and `data`
 * (the files, each with its role and SHA-256), and returns it as compact JSON (malloc'd; NULL
 * out of memory). Takes both references. */
char *trn_run_metadata(json_t *m, const TrnOptions *o, const TrnState *st, TrnStop stop,
		       json_t *data);

/* One file of the metadata's "data": {"role", "path", "sha256" in hex}. */
json_t *trn_run_data_entry(const char *role, const char *path, const uint8_t sha256[32]);

/* How the run ended, for the metadata's "stopped_by" and the summary. */
const char *trn_stop_name(TrnStop s);

/* A JSON number, or null for NaN and infinities (which JSON has no words for). */
json_t *trn_json_num(double v);

/* What the programs print on stderr, each line starting "rnnfx-train: ". */

/* The error: "FILE: message", or the message alone when it names no file. Returns 1, the exit
 * status of a failed run. */
int trn_run_fail(const TrnError *err);

/* A note (a line of its own), unless `quiet`. */
void trn_run_note(int quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a TrnLogFn prints: "FILE: message" ("warning: " before the message when `warn`; the file
 * and its colon left out when file is ""), notes (warn 0) not when `quiet`. */
void trn_run_log(int quiet, int warn, const char *file, const char *msg);

/* "OUT: best validation epoch E of N, S steps, T s, stopped by WHY", then "validation:" for the
 * task's figures to follow, unless `quiet`. */
void trn_run_summary(int quiet, const char *out, const TrnState *st, TrnStop stop);

/* Says that the run was interrupted and how to continue it from checkpoint `ckpt`, and returns
 * TRN_EXIT_INTERRUPTED. */
int trn_run_interrupted(const char *ckpt);

#endif
