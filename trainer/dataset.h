/* rnnfx-train — audio data: loading, checks, alignment, splits and segments.
 *
 * The trainer works on pairs (input, target) of equal-length mono float signals at one sample rate.
 * Loading checks everything a capture can get wrong before any training starts (rates, lengths,
 * silence, NaN/Inf, clipping, latency between the two files), so a bad capture costs seconds, not a
 * training run. Nothing here prints: errors come back as a TrnError naming the file, and warnings
 * and notes go through a callback the program prints.
 */
#ifndef TRN_DATASET_H
#define TRN_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define TRN_MAX_PAIRS 64
#define TRN_MAX_KNOBS 4   /* conditioning inputs a trainer run can have (--knob, knobs.h) */

typedef enum {
	TRN_OK = 0,
	TRN_ERR_NOMEM = -1,
	TRN_ERR_READ = -2,     /* unreadable, corrupt or unsupported file */
	TRN_ERR_CHANNELS = -3, /* several channels and no --channel, or --channel past the count */
	TRN_ERR_NONFINITE = -4,
	TRN_ERR_RATE = -5,     /* input and target (or two pairs) at different rates */
	TRN_ERR_LENGTH = -6,   /* lengths differ by more than the tolerance */
	TRN_ERR_SILENT = -7,
	TRN_ERR_SHORT = -8,    /* too short for one training segment / evaluation */
	TRN_ERR_INVALID = -9   /* a bad option value */
} TrnStatus;

/* Receives warnings (is_warning = 1) and notes (0) about `file`. */
typedef void (*TrnLogFn)(void *ctx, int is_warning, const char *file, const char *msg);

/* One channel of one audio file, as floats in [-1, 1] (float files may go past it). */
typedef struct {
	float *x;
	size_t n;
	double rate;
	uint8_t sha256[32]; /* of the file's bytes */
} TrnAudio;

/* Reads channel `channel` (1-based; 0 = the file must be mono) of `path`, hashes the file, and
 * refuses NaN/Inf samples. */
TrnStatus trn_audio_load(const char *path, int channel, TrnAudio *out, TrnError *err);
void trn_audio_free(TrnAudio *a);

/* A span [start, start + n) of pair `pair`. */
typedef struct {
	int pair;
	size_t start, n;
} TrnSpan;

typedef struct {
	double max_length_diff_s; /* lengths within this are trimmed with a warning; past it an error */
	double max_lag_ms;        /* the alignment search range */
	int align;                /* 1: shift the target by the estimated delay */
	int align_samples_set;    /* 1: use align_samples instead of estimating */
	long align_samples;
	double warn_lag_ms;       /* delays past this are reported as a warning */
	double rate;              /* > 0: resample every file to this rate (Hz) before anything else */
} TrnPairOptions;

void trn_pair_options_default(TrnPairOptions *o);

/* Input and target of one capture, checked and aligned. */
typedef struct {
	float *in, *tgt;
	size_t n;
	long lag;                 /* the estimated delay of target after input, in samples */
	long shift;               /* the shift that was applied (0 without --align) */
	uint8_t sha_in[32], sha_tgt[32];
	char path_in[512], path_tgt[512];
	float cond[TRN_MAX_KNOBS]; /* the knobs' values for this pair, scaled to the network's
				    * inputs 1..n_cond (knobs.h); set by the program after loading */
	float *cond_track[TRN_MAX_KNOBS]; /* a knob that moves (--knob-track): its scaled value
					   * at every sample, n of them (owned), else NULL */
} TrnPair;

typedef struct {
	TrnPair pairs[TRN_MAX_PAIRS];
	int n_pairs;
	int n_cond;               /* conditioning inputs per pair (0 without --knob) */
	double rate;
} TrnData;

/* Loads, checks and aligns one pair and appends it to `d`; the rate must match the pairs already
 * there. */
TrnStatus trn_data_add_pair(TrnData *d, const char *path_in, const char *path_tgt, int channel,
			    const TrnPairOptions *o, TrnLogFn log, void *log_ctx, TrnError *err);
void trn_data_free(TrnData *d);

/* Delay of `y` after `x` in samples (negative when y leads), searched in [-max_lag, max_lag] by
 * cross-correlation on the loudest few seconds, first on a decimated copy and then refined at full
 * rate. `*corr` (may be NULL) receives the normalised correlation at the peak; the sign tells a
 * polarity inversion. */
long trn_estimate_lag(const float *x, const float *y, size_t n, long max_lag, double *corr);

/* Fraction of samples with |x| >= 0.999. */
double trn_clip_fraction(const float *x, size_t n);

/* The spans of every pair cut by time: [train | val | test] with the last `test_frac` of each pair
 * for test and the `val_frac` before it for validation. A span list gets one span per pair (empty
 * spans are dropped). Arrays must hold TRN_MAX_PAIRS spans. */
void trn_data_split(const TrnData *d, double val_frac, double test_frac, TrnSpan *train, int *n_train,
		    TrnSpan *val, int *n_val, TrnSpan *test, int *n_test);
/* Whole pairs as spans. */
void trn_data_whole(const TrnData *d, TrnSpan *spans, int *n_spans);
size_t trn_spans_total(const TrnSpan *spans, int n);

/* Training segments of `seg_len` samples laid on a grid that starts `phase` samples into every span
 * (the phase changes each epoch so segment edges move). Writes up to `cap` spans and returns how
 * many segments there are in all. */
size_t trn_segments(const TrnSpan *spans, int n_spans, size_t seg_len, size_t phase, TrnSpan *out,
		    size_t cap);

#endif
