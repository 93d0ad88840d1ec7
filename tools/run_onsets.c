#include "tools/run_onsets.h"

#include <stdlib.h>
#include <string.h>

#include "io/smf.h"
#include "tools/csv.h"

void run_onsets_init(RunOnsets *r, int K, double rate, const RfxOnsetConfig *cfg)
{
	memset(r, 0, sizeof *r);
	rfx_onset_init(&r->det, K, rate, cfg);
}

void run_onsets_free(RunOnsets *r)
{
	free(r->hits);
	r->hits = NULL;
	r->n = r->cap = 0;
}

int run_onsets_block(RunOnsets *r, const float *mono, const float *p, uint32_t n, int64_t offset)
{
	const int max = (int)(sizeof r->ev / sizeof r->ev[0]);
	/* In slices of at most 512 frames: at most one hit per class per frame, and the detector's
	 * gap keeps a class to one hit per slice in practice, so no event is ever dropped. */
	for (uint32_t done = 0; done < n;) {
		const uint32_t len = n - done < 512 ? n - done : 512;
		const int m = rfx_onset_process(&r->det, mono + done,
						 p + (size_t)done * (size_t)r->det.K, len, r->ev, max);
		for (int i = 0; i < m; i++) {
			if (r->n == r->cap) {
				size_t cap = r->cap ? 2 * r->cap : 256;
				RunHit *h = realloc(r->hits, cap * sizeof *h);
				if (!h)
					return -1;
				r->hits = h;
				r->cap = cap;
			}
			r->hits[r->n++] = (RunHit){ offset + done + r->ev[i].frame, r->ev[i].cls,
						    r->ev[i].velocity, r->ev[i].confidence };
		}
		done += len;
	}
	return 0;
}

/* The class's note, or 60 + k when the model names none. */
static int note_of(const RfxModel *m, int k)
{
	const int n = rfx_model_note(m, k);
	return n >= 0 ? n : 60 + k;
}

void run_onsets_csv(const RunOnsets *r, const RfxModel *m, double rate, FILE *f)
{
	fputs("time,class,note,velocity,confidence\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const RunHit *h = &r->hits[i];
		fprintf(f, "%.6f,", (double)h->frame / rate);
		csv_field(f, rfx_model_label(m, h->cls));
		fprintf(f, ",%d,%d,%.3f\n", note_of(m, h->cls), h->velocity, h->confidence);
	}
}

int run_onsets_midi(const RunOnsets *r, const RfxModel *m, double rate, double note_ms,
		    const char *path, char *err, size_t err_size)
{
	RfxSmfNote *notes = malloc((r->n ? r->n : 1) * sizeof *notes);
	if (!notes) {
		snprintf(err, err_size, "out of memory for %zu notes", r->n);
		return -1;
	}
	for (size_t i = 0; i < r->n; i++)
		notes[i] = (RfxSmfNote){ .time = (double)r->hits[i].frame, .duration = note_ms * rate / 1000,
					 .channel = 9, .note = (unsigned char)note_of(m, r->hits[i].cls),
					 .velocity = (unsigned char)r->hits[i].velocity };
	RfxSmfSpec spec = rfx_smf_spec_default();
	spec.rate = rate;
	const RfxSmfStatus st = rfx_smf_write(path, &spec, notes, r->n, err, err_size);
	free(notes);
	return st == RFX_SMF_OK ? 0 : -1;
}
