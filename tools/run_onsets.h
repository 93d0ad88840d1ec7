/* rnnfx-run's part for onset models: the hits of a file, found by the detector the plugin runs
 * (rfx_onset_* in dsp/rnnfx.h), kept with their absolute times and written as CSV rows
 *
 *   time,class,note,velocity,confidence
 *   0.501333,kick,36,97,0.912
 *
 * (time in seconds of the decision sample, class the model's label, note the class's MIDI note)
 * or as a Standard MIDI File (io/smf.h) on the General MIDI drum channel (10), one note of
 * `note_ms` per hit, that a user drops into a DAW.
 */
#ifndef RFX_RUN_ONSETS_H
#define RFX_RUN_ONSETS_H

#include <stdint.h>
#include <stdio.h>

#include "dsp/rnnfx.h"

typedef struct {
	int64_t frame;      /* from the start of the file */
	int cls, velocity;
	float confidence;
} RunHit;

typedef struct {
	RfxOnsetDetector det;
	RfxOnsetEvent ev[512];
	RunHit *hits;
	size_t n, cap;
} RunOnsets;

/* K classes at `rate`; cfg NULL: the detector's defaults. */
void run_onsets_init(RunOnsets *r, int K, double rate, const RfxOnsetConfig *cfg);
void run_onsets_free(RunOnsets *r);

/* One block: mono input and the model's K probabilities per frame, the block starting at `offset`
 * frames into the file. 0, or -1 out of memory. */
int run_onsets_block(RunOnsets *r, const float *mono, const float *p, uint32_t n, int64_t offset);

/* The CSV (header and a row per hit). */
void run_onsets_csv(const RunOnsets *r, const RfxModel *m, double rate, FILE *f);

/* The MIDI file at `path`, through the one writer; 0, or -1 with `err` filled. */
int run_onsets_midi(const RunOnsets *r, const RfxModel *m, double rate, double note_ms,
		    const char *path, char *err, size_t err_size);

#endif
