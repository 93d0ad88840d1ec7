/* rnnfx — the capture signal and the measurements made on what comes back from an amp.
 *
 * The signal (version RFX_CAPTURE_SIGNAL_VERSION) is made here, by code, from fixed seeds: no file
 * is downloaded and two builds of one version make the same samples. Its layout:
 *
 *   lead-in | start chirp | gap | train | pause | validation | pause | test | gap | end chirp | tail
 *
 * The chirps are 0.25 s exponential sweeps (100 Hz to 2 kHz, a band every amp and cabinet passes)
 * at -12 dBFS; the sections hold guitar-like material (plucked notes over three octaves at -32 to
 * -3 dBFS, chords, palm-muted bursts, arpeggios, sine sweeps at several levels, noise bursts and
 * silences), each section from its own seed so that the test material is not the training
 * material replayed. The tail leaves room for the round trip (up to RFX_CAPTURE_MAX_LATENCY_S).
 *
 * Alignment finds each chirp in the return by cross-correlation (through an FFT), so the
 * round-trip latency is known to the sample and the drift between the two chirps tells a clock
 * mismatch between two devices. Nothing here does I/O or knows of devices or files.
 */
#ifndef RFX_CAPTURE_H
#define RFX_CAPTURE_H

#include <stddef.h>

#include "status.h"

#define RFX_CAPTURE_SIGNAL_VERSION 1
#define RFX_CAPTURE_MAX_LATENCY_S 1.0 /* the longest round trip the tail leaves room for */

enum { RFX_CAPTURE_TRAIN, RFX_CAPTURE_VAL, RFX_CAPTURE_TEST, RFX_CAPTURE_SECTIONS };

typedef struct {
	int version;
	double rate;
	size_t total;                        /* samples in the signal */
	size_t chirp_len;                    /* samples in each chirp */
	size_t start_chirp, end_chirp;       /* first sample of each chirp */
	size_t section[RFX_CAPTURE_SECTIONS][2]; /* train, validation, test: [begin, end) */
} RfxCaptureLayout;

/* The layout of the signal at `rate` (8 kHz to 192 kHz) lasting about `minutes` (0.5 to 30).
 * The sections take 70 / 15 / 15 % of the material. */
RfxStatus rfx_capture_layout(double rate, double minutes, RfxCaptureLayout *lay, char *detail,
			     size_t detail_size);

/* The whole signal into out[0 .. lay->total). Deterministic; allocates nothing. */
void rfx_capture_render(const RfxCaptureLayout *lay, float *out);

/* Where the chirps are in a recording of the signal. */
typedef struct {
	long latency;        /* samples the return lags the signal, from the start chirp */
	long end_latency;    /* the same from the end chirp; the difference is the clock drift */
	double drift_ppm;    /* (end_latency - latency) per sample between the chirps, in ppm */
	double score_start;  /* normalised correlation with the chirp at each match, 0..1 */
	double score_end;
	int polarity;        /* +1, or -1 when the return is inverted */
} RfxCaptureSync;

/* Finds both chirps of `sig` (the rendered signal) in `ret` (n_ret samples at the same rate).
 * The start chirp is searched from the start of `ret` (a return that starts late, before the
 * signal's own lead-in ends, gives a negative latency) up to max_latency samples late; the end
 * chirp near where the start chirp puts it. Errors: RFX_ERR_INVALID with a sentence when a chirp
 * is not there (a return too short, silent, or from another signal); RFX_ERR_NOMEM. */
RfxStatus rfx_capture_sync(const RfxCaptureLayout *lay, const float *sig, const float *ret,
			   size_t n_ret, long max_latency, RfxCaptureSync *sync, char *detail,
			   size_t detail_size);

/* Levels of x[0 .. n): peak and RMS in dBFS (-200 for digital silence), and how many samples sit
 * at full scale (|x| >= 0.999: clipped somewhere before the file). */
typedef struct {
	double peak_db, rms_db;
	size_t clipped;
} RfxCaptureLevels;

void rfx_capture_levels(const float *x, size_t n, RfxCaptureLevels *lv);

#endif
