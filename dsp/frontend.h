/* rnnfx — an optional fixed front end for classifier and onset models: band levels instead of raw
 * samples.
 *
 * A recurrent network fed raw samples must learn its own filters before it can tell a kick from a
 * tom, and a quiet hit drives it as weakly as its level: the classifiers trained that way called
 * quiet low tones "noise". With a front end the model's inputs are, per sample:
 *
 *   input 0        the level: the broadband envelope in dB, (L + 60) / 30 (0 dBFS -> 2,
 *                  -60 dBFS -> 0), clamped at -60 dBFS below;
 *   inputs 1..B    the spectral shape: band b's envelope in dB relative to the broadband one,
 *                  divided by 20, clamped to [-3, 1]: a hit's shape is the same at any level,
 *                  so the model is level-invariant by construction where it matters.
 *
 * Bands: B band-pass biquads (RBJ, constant 0 dB peak, Q 2) at centres spaced evenly in log
 * frequency from low_hz to high_hz (capped at 0.45 of the rate); each band's envelope is the
 * square root of a one-pole mean of its square with a time constant of 1.5 periods of its centre
 * (1 to 20 ms): fast enough for a 10 ms decision, slow enough not to ripple. The broadband
 * envelope uses 1 ms.
 *
 * A hop: the network may run every `hop` samples instead of every one (rfx_frontend_push), on the
 * features of the hop's last sample; the envelopes still follow every sample. An onset model then
 * sees 8 ms as 8 steps of 1 ms, not 384 of one sample: a recurrent network learns over tens of
 * steps what it does not over hundreds, and costs 1/hop as much. Outputs hold between steps.
 *
 * Fixed: nothing in it is trained, so the trainer computes the same features with the same code
 * (rfx_frontend_step) and trains on them. Real-time safe: fixed-size state, no allocation.
 */
#ifndef RFX_FRONTEND_H
#define RFX_FRONTEND_H

#include "rnnfx.h"

#define RFX_FRONTEND_MAX_BANDS 15 /* inputs = bands + 1 <= RFX_MAX_INPUTS */

typedef struct {
	int bands;          /* 0: no front end (the model reads samples) */
	float low_hz, high_hz;
	int hop;            /* the network steps every hop samples; 0 or 1: every sample */
} RfxFrontendSpec;

typedef struct {
	int B;
	float b0[RFX_FRONTEND_MAX_BANDS], a1[RFX_FRONTEND_MAX_BANDS], a2[RFX_FRONTEND_MAX_BANDS];
	float z1[RFX_FRONTEND_MAX_BANDS], z2[RFX_FRONTEND_MAX_BANDS];
	float k[RFX_FRONTEND_MAX_BANDS];     /* envelope smoothing coefficients */
	float e[RFX_FRONTEND_MAX_BANDS];     /* mean squares */
	float k_all, e_all;
	int hop, phase;                      /* phase: samples since the last network step */
} RfxFrontend;

#define RFX_FRONTEND_MAX_HOP 4096

/* The default for `bands` bands: 50 Hz to 12 kHz, every sample. */
RfxFrontendSpec rfx_frontend_spec_default(int bands);

/* Inputs the network gets: bands + 1 (0 when there is no front end). */
int rfx_frontend_inputs(const RfxFrontendSpec *spec);

/* Samples per network step: the spec's hop, 1 when it has none. */
int rfx_frontend_hop(const RfxFrontendSpec *spec);

/* A sentence in `detail` and RFX_ERR_FIELD when the spec is unusable (bands past the limit, a
 * band edge that is not a frequency, low >= high, a hop outside 0..RFX_FRONTEND_MAX_HOP or one
 * without bands). */
RfxStatus rfx_frontend_spec_check(const RfxFrontendSpec *spec, char *detail, size_t size);

void rfx_frontend_init(RfxFrontend *fe, const RfxFrontendSpec *spec, double rate);
void rfx_frontend_reset(RfxFrontend *fe);

/* One sample in, bands + 1 features out (see the top). A non-finite sample counts as 0. */
void rfx_frontend_step(RfxFrontend *fe, float x, float *features);

/* One sample in; on every hop-th sample since the reset (the hop's last), the features out and 1:
 * the network steps then. Otherwise 0 and `features` untouched. With hop 1 it is
 * rfx_frontend_step, bit for bit. */
int rfx_frontend_push(RfxFrontend *fe, float x, float *features);

#endif
