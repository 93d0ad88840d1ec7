/* rnnfx-train --task onset — what an onset model is judged by: the hits it reports, as the plugin
 * reports them (the model through the engine, then the onset detector of dsp/rnnfx.h), matched to the
 * labelled onsets.
 *
 *   matching     per class, in time order: a detection at d matches the earliest unmatched labelled
 *                onset o of its class with o - early <= d <= o + late (early 5 ms: labels are not
 *                sample-exact; late 50 ms); a detection that matches nothing is a false positive
 *                (a second note for one hit is one), an onset nothing matches is a miss;
 *   precision    matched / detections, recall matched / onsets, F1 their harmonic mean, per class;
 *   latency      d - o of the matched hits: median and 90th percentile (nearest rank), in ms, over
 *                every class and per class.
 *
 * `skip` leaves out onsets and detections in the first samples (the warm-up).
 */
#ifndef TRN_ONSET_METRICS_H
#define TRN_ONSET_METRICS_H

#include <stdio.h>

#include "../dsp/rnnfx.h"
#include "onsets.h"

#define TRN_ONSET_EARLY_MS 5.0
#define TRN_ONSET_LATE_MS 50.0

typedef struct {
	int K;
	long onsets[RFX_MAX_CLASSES], detections[RFX_MAX_CLASSES], matched[RFX_MAX_CLASSES];
	double precision[RFX_MAX_CLASSES], recall[RFX_MAX_CLASSES], f1[RFX_MAX_CLASSES]; /* NaN: n/a */
	double lat_median_ms[RFX_MAX_CLASSES], lat_p90_ms[RFX_MAX_CLASSES];
	double mean_f1;             /* over the classes with onsets */
	double latency_median_ms, latency_p90_ms; /* over every matched hit; NaN when none */
} TrnOnsetMetrics;

/* A detection to be matched: class and sample position. */
typedef struct {
	size_t pos;
	int cls;
} TrnOnsetHit;

/* Matches detections (sorted by position) to labelled onsets. 0, or -1 out of memory. */
int trn_onset_match(const TrnOnset *on, size_t n_on, const TrnOnsetHit *det, size_t n_det,
		    size_t skip, double rate, int K, TrnOnsetMetrics *m);

/* Runs `model` over the set from its initial state (the detector at `cfg`, NULL: defaults) and
 * measures. RFX_OK or an RfxStatus. */
int trn_onset_evaluate(const RfxModel *model, const TrnOnsetSet *s, size_t skip,
		       const RfxOnsetConfig *cfg, TrnOnsetMetrics *m);

/* Per class, the detector threshold among a grid (0.3 .. 0.95) that gives the best F1 on the set:
 * thr[k], and the metrics each class has at its own (m, where mean_f1 is the mean of the best
 * F1s). The model runs once; the detector once per grid value. RFX_OK or an RfxStatus. */
int trn_onset_calibrate(const RfxModel *model, const TrnOnsetSet *s, size_t skip, float *thr,
			TrnOnsetMetrics *m);

/* A table: per class onsets, detections, precision, recall, F1, latency. */
void trn_onset_metrics_print(FILE *f, const TrnOnsetMetrics *m, const char labels[][RFX_MAX_LABEL]);

#endif
