/* rnnfx-train — the training report as one self-contained SVG file.
 *
 * Three panels: training loss and validation ESR against training time (log scale), target and
 * prediction on an excerpt of held-out audio, and their difference on the same scale, so a glance
 * tells whether the run converged and where the model still misses. A knob model adds a fourth:
 * the test ESR of each test setting against the first knob's value, trained settings filled,
 * settings no training pair had (the interpolation) hollow.
 */
#ifndef TRN_REPORT_SVG_H
#define TRN_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "dataset.h"
#include "train_loop.h"

/* One test setting of a knob model. */
typedef struct {
	double value;               /* the first knob's value */
	double esr;
	int trained;                /* 1: a training pair had this setting */
	char label[96];             /* e.g. "gain=6.25" (every knob) */
} TrnSettingPoint;

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
	const TrnSettingPoint *settings; /* a knob model's test settings (n_settings 0: none) */
	size_t n_settings;
	const char *knob_name;      /* the first knob's name, for the axis */
} TrnReport;

/* Writes the SVG to a temporary name and renames it over `path`; 0 or -1 with `err`. */
int trn_report_svg_write(const char *path, const TrnReport *r, TrnError *err);

/* Writes `s` (NULL for none) as SVG/XML text: & < > " escaped. Also for the confusion matrix
 * (metrics.c). */
void trn_svg_text(FILE *f, const char *s);

#endif
