/* rnnfx-train — the training report as one self-contained SVG file.
 *
 * Three panels: training loss and validation ESR against training time (log scale), target and
 * prediction on an excerpt of held-out audio, and their difference on the same scale, so a glance
 * tells whether the run converged and where the model still misses.
 */
#ifndef TRN_REPORT_SVG_H
#define TRN_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "dataset.h"
#include "train_loop.h"

typedef struct {
	const char *title;          /* e.g. "gru H=16, 1 layer" */
	const char *subtitle;       /* e.g. "test ESR 0.031, 300 s, 12 epochs" */
	const TrnPoint *hist;
	size_t n_hist;
	const float *target, *pred; /* the excerpt */
	size_t n;
	double rate;
	double excerpt_start_s;     /* where the excerpt starts in its file */
	const char *excerpt_label;  /* e.g. "test: amp_test.wav" */
} TrnReport;

/* Writes the SVG to a temporary name and renames it over `path`; 0 or -1 with `err`. */
int trn_report_svg_write(const char *path, const TrnReport *r, TrnError *err);

/* Writes `s` (NULL for none) as SVG/XML text: & < > " escaped. Also for the confusion matrix
 * (metrics.c). */
void trn_svg_text(FILE *f, const char *s);

#endif
