/* rnnfx-train --task classify — what a classifier is judged by, measured on the stream the plugin
 * runs (dsp/stream.h), sample by sample:
 *
 *   frame accuracy    share of labelled samples (after the warm-up) whose argmax class is right;
 *   precision/recall  per class, from the confusion matrix (rows: true class, columns: predicted);
 *   decision latency  at every onset (the first sample of a labelled region that follows a region
 *                     of another class), the time until the right class wins and stays winning to
 *                     the region's end; a region whose last sample is wrong never decides and
 *                     counts as infinitely late. Reported as the median and the 90th percentile
 *                     (nearest rank) in milliseconds.
 *
 * The probabilities are the raw model output: the plugin's smoothing and threshold come after.
 */
#ifndef TRN_METRICS_H
#define TRN_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "../dsp/rnnfx.h"
#include "dataset.h"
#include "labels.h"

typedef struct {
	int K;
	uint64_t confusion[RFX_MAX_CLASSES][RFX_MAX_CLASSES]; /* [true][predicted] samples */
	uint64_t n;                    /* labelled samples counted */
	double accuracy;
	double precision[RFX_MAX_CLASSES], recall[RFX_MAX_CLASSES]; /* NaN when undefined */
	int n_onsets, n_undecided;
	double latency_median_ms, latency_p90_ms;   /* INFINITY past the undecided share; NaN: no onset */
} TrnClsMetrics;

/* From per-sample predictions and labels; samples before `skip` are left out. 0, or -1 out of
 * memory. */
int trn_cls_metrics(const uint8_t *pred, const int32_t *lab, size_t n, size_t skip, double rate,
		    int K, TrnClsMetrics *m);

/* Runs `model` over the set from its initial state (one stream, the whole signal) and measures.
 * Returns RFX_OK or an RfxStatus. */
int trn_cls_evaluate(const RfxModel *model, const TrnClsSet *s, size_t skip, TrnClsMetrics *m);

/* A decision latency as text: "12.3 ms", "never" (infinite), "n/a" (NaN). */
void trn_cls_fmt_ms(char *buf, size_t n, double ms);

/* The metrics as text: accuracy, latency, a per-class table and the confusion matrix. */
void trn_cls_metrics_print(FILE *f, const TrnClsMetrics *m, const char labels[][RFX_MAX_LABEL]);

/* The confusion matrix (row-normalised, with counts) as an SVG; 0 or -1 with err. */
int trn_cls_confusion_svg(const char *path, const TrnClsMetrics *m,
			  const char labels[][RFX_MAX_LABEL], const char *title, TrnError *err);

#endif
