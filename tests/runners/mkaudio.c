/* mkaudio — writes a deterministic test signal for the runner tests (no audio is committed).
 *
 *   mkaudio OUT [--rate HZ] [--channels C] [--seconds S] [--seed N] [--subtype float|pcm16|pcm24]
 *               [--channel c]
 *
 * Channel c is a sine at 110 * (c + 1.5) Hz under a slow on/off envelope, plus seeded noise; each
 * channel is different so a channel mix-up shows. --channel c writes only channel c as a mono
 * file with the very same samples, for the "each channel equals its mono run" test.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

static float noise(uint64_t *s)
{
	/* xorshift64*: the same numbers on every platform. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (float)((*s * 2685821657736338717ull) >> 40) / (float)(1u << 24) * 2 - 1;
}

static float sample(int c, int64_t i, int rate, uint64_t *s)
{
	double t = (double)i / rate;
	double env = fmod(t, 0.5) < 0.3 ? 1.0 : 0.1;
	return (float)(0.4 * env * sin(2 * M_PI * 110 * (c + 1.5) * t)) + 0.05f * noise(s);
}

int main(int argc, char **argv)
{
	int rate = 48000, channels = 1, only = -1, subtype = SF_FORMAT_FLOAT;
	double seconds = 1;
	unsigned long long seed = 1;
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkaudio OUT [--rate HZ] [--channels C] [--seconds S] [--seed N] "
				"[--subtype float|pcm16|pcm24] [--channel c]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (!strcmp(a, "--rate")) rate = atoi(v);
		else if (!strcmp(a, "--channels")) channels = atoi(v);
		else if (!strcmp(a, "--seconds")) seconds = atof(v);
		else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--channel")) only = atoi(v);
		else if (!strcmp(a, "--subtype"))
			subtype = !strcmp(v, "pcm16") ? SF_FORMAT_PCM_16
				: !strcmp(v, "pcm24") ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT;
	}
	int64_t frames = (int64_t)(seconds * rate);
	SF_INFO info = { .samplerate = rate, .channels = only >= 0 ? 1 : channels,
			 .format = SF_FORMAT_WAV | subtype };
	SNDFILE *f = sf_open(argv[1], SFM_WRITE, &info);
	float *frame = calloc((size_t)channels, sizeof(float));
	uint64_t *state = calloc((size_t)channels, sizeof(uint64_t));
	if (!f || !frame || !state) {
		fprintf(stderr, "mkaudio: %s: %s\n", argv[1], sf_strerror(NULL));
		return 1;
	}
	sf_command(f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	for (int c = 0; c < channels; c++)
		state[c] = seed * 0x9E3779B97F4A7C15ull + (uint64_t)c + 1;
	for (int64_t i = 0; i < frames; i++) {
		for (int c = 0; c < channels; c++)
			frame[c] = sample(c, i, rate, &state[c]);
		if (sf_writef_float(f, only >= 0 ? &frame[only] : frame, 1) != 1) {
			fprintf(stderr, "mkaudio: %s: write error\n", argv[1]);
			return 1;
		}
	}
	free(frame);
	free(state);
	return sf_close(f) ? 1 : 0;
}
