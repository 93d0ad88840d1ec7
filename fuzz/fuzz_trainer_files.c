/* libFuzzer targets for the trainer's own file readers: the labels CSV (FUZZ_LABELS) and the
 * checkpoint (FUZZ_CHECKPOINT). Both read from a path, so each input is written to a scratch file
 * first; the CSV's folder holds one short WAV, so lines that name it reach the segment checks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../trainer/checkpoint.h"
#include "../trainer/labels.h"

static char dir[64], path[128];

/* A mono 16-bit WAV of 4800 frames at 48 kHz, written once. */
static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/rfx-fuzz-trainer.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/input", dir);
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
#ifdef FUZZ_LABELS
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
