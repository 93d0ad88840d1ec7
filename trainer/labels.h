/* rnnfx-train --task classify — labelled audio: loading, checks, splits, concatenation.
 *
 * Two layouts give the same thing, a list of mono files with a class index for every sample (or
 * none, -1, where the labels leave gaps):
 *
 *   --classes DIR     one sub-folder per class; the folder name is the label; every audio file in
 *                     it (.wav .flac .aiff .aif .ogg) is an example of that class, whole;
 *   --labels F.csv    lines "file,start,end,label" (seconds; relative paths from the CSV's folder;
 *                     blank lines, '#' comments and a "file,start,end,label" header are skipped).
 *
 * Every check happens before training starts, and a bad line is reported as "FILE:LINE" with what
 * is wrong (malformed line, negative or reversed segment, unknown label when the class set is
 * fixed, overlapping segments of one file, a segment past the end of its file, a missing or
 * unreadable file, a class with no examples, files at different rates).
 *
 * A set is then one long signal: the files (or their head or tail parts, for a split) in a seeded
 * shuffled order, one after the other, with one label per sample. Shuffling puts class changes
 * inside the signal, so training segments and evaluation both contain onsets. Nothing here prints.
 */
#ifndef TRN_LABELS_H
#define TRN_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/model.h"
#include "dataset.h"

typedef struct {
	int n;                                      /* K; 0 until fixed */
	char name[RFX_MAX_CLASSES][RFX_MAX_LABEL];
} TrnClassSet;

/* One file with its per-sample labels. */
typedef struct {
	char path[1024];
	float *x;
	int32_t *lab;                               /* -1 = unlabelled */
	size_t n;
	uint8_t sha256[32];
} TrnTrack;

typedef struct {
	TrnTrack *tracks;
	int n_tracks;
	size_t cap;
	double rate;                                /* 0 until the first file */
	char rate_file[512];                        /* the file that set it */
} TrnTrackList;

/* Parses "a,b,c" into `cs` (2..RFX_MAX_CLASSES distinct names). 0, or -1 with err. */
int trn_classes_parse(const char *list, TrnClassSet *cs, TrnError *err);

/* Appends the tracks of a class folder or a label CSV. When cs->n is 0 the class set is found
 * (sorted folder names / sorted CSV labels) and fixed in `cs`; otherwise labels must be in it.
 * `rate` of the list must agree. 0, or -1 with err. */
int trn_tracks_load_dir(TrnTrackList *tl, const char *dir, TrnClassSet *cs, TrnError *err);
int trn_tracks_load_csv(TrnTrackList *tl, const char *csv, TrnClassSet *cs, TrnError *err);
void trn_tracks_free(TrnTrackList *tl);

/* The parts the onset loader (onsets.c) shares. */
int trn_class_index(const TrnClassSet *cs, const char *name);              /* -1: not there */
void trn_class_list(const TrnClassSet *cs, char *buf, size_t size);        /* "a, b, c" */
int trn_label_check(const char *name, const char *where, TrnError *err);   /* 0, or -1 + err */
/* s past its leading white space, with its trailing white space cut off in place (CSV fields). */
char *trn_trim(char *s);
/* Sorted names of the entries of `dir` that are folders (want_dir) or audio files (.wav .flac
 * .aiff .aif .ogg); *out is malloc'd, free with trn_names_free. 0, or -1 with err. */
int trn_list_dir(const char *dir, int want_dir, char ***out, int *n_out, TrnError *err);
void trn_names_free(char **names, int n);
/* Loads `path` (mono) as a new track of `tl`, every sample unlabelled; the rate must be the
 * list's. NULL with err (naming `where`) on failure. */
TrnTrack *trn_track_add(TrnTrackList *tl, const char *path, const char *where, TrnError *err);

/* Every class of `cs` has labelled samples in `tl`; else -1 naming the first that has none
 * (`where` is the folder or CSV to name in the message). */
int trn_tracks_check_classes(const TrnTrackList *tl, const TrnClassSet *cs, const char *where,
			     TrnError *err);

/* A concatenated set. */
typedef struct {
	float *x;
	int32_t *lab;
	size_t n;
	double rate;
	size_t count[RFX_MAX_CLASSES];              /* labelled samples per class */
} TrnClsSet;

/* Concatenates part of every track in a shuffled order (seeded): part 0 = all of it, part 1 =
 * the first (1 - tail) of each track, part 2 = the last `tail` of each. 0, or -1 out of memory. */
int trn_clsset_build(TrnClsSet *s, const TrnTrackList *tl, int part, double tail, uint64_t seed);
void trn_clsset_free(TrnClsSet *s);

#endif
