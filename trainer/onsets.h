/* rnnfx-train --task onset — audio with labelled hits: loading, the training target, splits.
 *
 * The data is a folder of NAME.wav files, each with NAME.csv beside it, as drum transcription
 * datasets have it: lines "time,class" (seconds from the file's start; blank lines, '#' comments and
 * a "time,class" header are skipped). Every check happens before training: a malformed line, a
 * negative time or one past the file's end, an unknown class when the set is fixed, a wav without
 * its csv, files at different rates; errors name FILE:LINE.
 *
 * The training target of output k at sample t (targets, below) is 1 from `delay` to `tol` samples
 * after each onset of class k, "don't care" (-1: left out of the loss) from `pre` samples before
 * the onset (labels are rarely sample-exact) to `delay` after it and for `guard` samples after
 * `tol`, 0 everywhere else. The delay lets the model wait until it can tell the classes apart:
 * at the very first sample of a hit every drum looks alike, and a target of 1 there teaches the
 * model to fire every class at every transient. Nothing
 * here prints.
 */
#ifndef TRN_ONSETS_H
#define TRN_ONSETS_H

#include <stddef.h>
#include <stdint.h>

#include "labels.h"

typedef struct {
	size_t pos;                 /* sample index in its track or set */
	int cls;
} TrnOnset;

/* Tracks (audio only: TrnTrack.lab is not used) and each track's onsets, sorted by position. */
typedef struct {
	TrnTrackList tl;
	TrnOnset **on;              /* on[i]: track i's onsets */
	int *n_on;
	size_t cap;
} TrnOnsetTracks;

/* Appends every NAME.wav (any audio file) of `dir` with its NAME.csv. With `open`, a label not in
 * `cs` is added to it as found, and `cs` must be fixed with trn_onsets_fix_classes once every
 * training folder is loaded; otherwise every label must be in `cs`. 0, or -1 with err. */
int trn_onsets_load_dir(TrnOnsetTracks *ot, const char *dir, TrnClassSet *cs, int open,
			TrnError *err);

/* Sorts the classes found by name (so the model's order does not depend on the files' order) and
 * renumbers the onsets. -1 with err when fewer than 2 classes were found. */
int trn_onsets_fix_classes(TrnOnsetTracks *ot, TrnClassSet *cs, const char *where, TrnError *err);

void trn_onsets_free(TrnOnsetTracks *ot);

/* A concatenated set: the tracks (or their head or tail parts) one after the other. */
typedef struct {
	float *x;
	size_t n;
	double rate;
	TrnOnset *on;               /* sorted by position */
	size_t n_on;
	size_t count[RFX_MAX_CLASSES]; /* onsets per class */
} TrnOnsetSet;

/* part 0 = all of each track, 1 = the first (1 - tail), 2 = the last `tail`. 0, or -1 out of
 * memory. */
int trn_onset_set_build(TrnOnsetSet *s, const TrnOnsetTracks *ot, int part, double tail);
void trn_onset_set_free(TrnOnsetSet *s);

/* The target lengths in samples. */
typedef struct {
	size_t tol, guard, pre, delay;
} TrnOnsetShape;

/* tol = tolerance_ms, guard = tol / 3, pre = 1 ms, delay = delay_ms (< tol), at `rate`. */
TrnOnsetShape trn_onset_shape(double rate, double tolerance_ms, double delay_ms);

/* The K targets of samples [start, start + n) of `s` into t[i * K + k] (see the top). */
void trn_onset_targets(const TrnOnsetSet *s, int K, const TrnOnsetShape *sh, size_t start,
		       size_t n, float *t);

#endif
