/* rnnfx-train --knob-track NAME=FILE: a knob that moved during a take.
 *
 * The file gives the knob's value over the take's time: points "time,value" (seconds from the
 * start of the input file, the knob's own units), one per line, as a DAW's automation export or a
 * spreadsheet writes them; or sox's .dat text ("time value", ';' comment lines), which is how an
 * audio-rate control track becomes points (`sox knob.wav knob.dat`). Blank lines and a header line
 * are skipped. Between points the value is interpolated linearly; before the first and after the
 * last it holds. Times must not go backwards. Nothing here prints: errors come back in `msg`.
 */
#ifndef TRN_KNOB_TRACK_H
#define TRN_KNOB_TRACK_H

#include <stddef.h>

typedef struct {
	size_t n;
	double *t, *v;        /* n points, t non-decreasing */
	double min, max;      /* of v */
	char path[512];
	unsigned long long hash; /* of the points (FNV-1a), for the checkpoint's fingerprint */
} TrnKnobTrack;

/* Reads `path` (through the one input opener, at most 64 MiB) into a new track; 0, or -1 with
 * `msg` filled: unreadable, no point, a line that is not two finite numbers, a time going back. */
int trn_knob_track_read(TrnKnobTrack **out, const char *path, char *msg, size_t cap);

/* The value at time `t` seconds (interpolated, held at the ends). */
double trn_knob_track_at(const TrnKnobTrack *tr, double t);

void trn_knob_track_free(TrnKnobTrack *tr);

#endif
