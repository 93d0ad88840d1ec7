/* libFuzzer targets for the trainer's own file readers: the labels CSV (FUZZ_LABELS), the onset
 * labels of --task onset (FUZZ_ONSETS: the input is a.csv beside a.wav) and the checkpoint
 * (FUZZ_CHECKPOINT). All read from a path, so each input is written to a scratch file first; the
 * folder holds one short WAV, so lines that name it (or times inside it) reach the later checks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../trainer/checkpoint.h"
#include "../trainer/labels.h"
#include "../trainer/onsets.h"

static char dir[64], path[128];

/* A mono 16-bit WAV of 4800 frames at 48 kHz, written once. */
static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/rfx-fuzz-trainer.XXXXXX");
	if (!mkdtemp(dir))
		abort();
#ifdef FUZZ_ONSETS
	snprintf(path, sizeof path, "%s/a.csv", dir);
#else
	snprintf(path, sizeof path, "%s/input", dir);
#endif
	char wav[160];
	snprintf(wav, sizeof wav, "%s/a.wav", dir);
	FILE *f = fopen(wav, "wb");
	if (!f)
		abort();
	const uint32_t frames = 4800, bytes = frames * 2;
	uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\xbb\0\0\0\x77\x01\0\x02\0\x10\0data";
	uint32_t riff = 36 + bytes;
	memcpy(h + 4, &riff, 4);
	memcpy(h + 40, &bytes, 4);
	fwrite(h, 1, sizeof h, f);
	for (uint32_t i = 0; i < frames; i++) {
		int16_t s = (int16_t)((i * 37) % 2000 - 1000);
		fwrite(&s, 2, 1, f);
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		setup();
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	TrnError err;
	memset(&err, 0, sizeof err);
#if defined(FUZZ_ONSETS)
	TrnOnsetTracks ot;
	TrnClassSet cs;
	memset(&ot, 0, sizeof ot);
	memset(&cs, 0, sizeof cs);
	if (trn_onsets_load_dir(&ot, dir, &cs, 1, &err) == 0 &&
	    trn_onsets_fix_classes(&ot, &cs, dir, &err) == 0) {
		TrnOnsetSet s;
		if (trn_onset_set_build(&s, &ot, 1, 0.3) == 0) {
			static float t[64 * RFX_MAX_CLASSES];
			const TrnOnsetShape sh = trn_onset_shape(s.rate, 15, 4);
			if (s.n >= 64)
				trn_onset_targets(&s, cs.n, &sh, s.n - 64, 64, t);
			trn_onset_set_free(&s);
		}
	}
	trn_onsets_free(&ot);
#elif defined(FUZZ_LABELS)
	TrnTrackList tl;
	TrnClassSet cs;
	memset(&tl, 0, sizeof tl);
	memset(&cs, 0, sizeof cs);
	trn_tracks_load_csv(&tl, path, &cs, &err);
	trn_tracks_free(&tl);
#else
	RfxModel *m = NULL;
	RfxAdam *adam = NULL;
	TrnState st;
	char *fingerprint = NULL;
	if (trn_checkpoint_load(path, &m, &adam, &st, &fingerprint, &err) == 0) {
		rfx_model_free(m);
		rfx_adam_destroy(adam);
		free(fingerprint);
		trn_state_free(&st);
	}
#endif
	return 0;
}
