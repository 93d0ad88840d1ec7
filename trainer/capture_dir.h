/* rnnfx-train --capture DIR: the pairs of a folder rnnfx-capture wrote (docs/capture.md).
 *
 * A single capture is DIR/capture.json with its training, validation and test pairs beside it; a
 * knob set is DIR/knob-set.json naming one such folder per setting of one knob. The latency
 * rnnfx-capture measured is the truth for these pairs, so they go in as if given with --align=0.
 * Nothing here prints: errors come back as a sentence in `msg`.
 */
#ifndef TRN_CAPTURE_DIR_H
#define TRN_CAPTURE_DIR_H

#include <stddef.h>

#include "dataset.h"
#include "knobs.h"

#define TRN_CAPTURE_SECTIONS 3 /* training, validation, test: in that order in every capture */
#define TRN_CAPTURE_MAX_TAKES 16

typedef struct {
	int section;       /* 0 training, 1 validation, 2 test */
	char *in, *tgt;    /* paths (DIR/...), owned */
	double knob_value; /* the take's setting, when the capture is a knob set */
} TrnCapturePair;

typedef struct {
	char knob[TRN_KNOB_NAME]; /* the knob of a knob set; "" for a single capture */
	int n;
	TrnCapturePair pair[TRN_CAPTURE_SECTIONS * TRN_CAPTURE_MAX_TAKES];
} TrnCapture;

/* Reads DIR's knob-set.json, or else its capture.json, into `c` (which must be zeroed or freed).
 * 0, or -1 with `msg` filled: neither file, a file that is not rnnfx-capture's (format, version),
 * a calibration, a file name that leaves the folder, a take whose capture.json names another
 * setting. The audio files themselves are checked when the trainer loads them. */
int trn_capture_read(TrnCapture *c, const char *dir, char *msg, size_t cap);

void trn_capture_free(TrnCapture *c);

#endif
