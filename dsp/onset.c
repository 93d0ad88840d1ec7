#include "rnnfx.h"

#include <math.h>
#include <string.h>

RfxOnsetConfig rfx_onset_config_default(void)
{
	return (RfxOnsetConfig){ .threshold = 0.5f, .release = 0.25f, .min_gap_ms = 30.0f,
				 .gate_db = -60.0f, .vel_floor_db = -48.0f };
}

static float clamp01(float v)
{
	return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; /* NaN -> 0 */
}

void rfx_onset_configure(RfxOnsetDetector *d, double rate, const RfxOnsetConfig *cfg)
{
	RfxOnsetConfig c = cfg ? *cfg : rfx_onset_config_default();
	c.threshold = clamp01(c.threshold);
	c.release = fminf(clamp01(c.release), c.threshold);
	c.min_gap_ms = c.min_gap_ms > 0.0f ? fminf(c.min_gap_ms, 10000.0f) : 0.0f;
	c.gate_db = isfinite(c.gate_db) ? fminf(c.gate_db, 0.0f) : -200.0f;
	c.vel_floor_db = isfinite(c.vel_floor_db) ? fminf(c.vel_floor_db, -1.0f) : -48.0f;
	d->cfg = c;
	const double r = rate > 0 && isfinite(rate) ? rate : 48000.0;
	d->gap = (uint32_t)lround(r * c.min_gap_ms / 1000.0);
	/* A ~10 ms release: the peak a decision a few ms after the onset sees is the hit's own, and
	 * a loud hit 50 ms earlier has fallen by 40 dB. */
	d->peak_decay = (float)exp(-1.0 / (0.010 * r));
	d->gate = powf(10.0f, c.gate_db / 20.0f);
	d->vel_floor = c.vel_floor_db;
}

void rfx_onset_reset(RfxOnsetDetector *d)
{
	for (int k = 0; k < RFX_MAX_CLASSES; k++) {
		d->armed[k] = 1;
		d->since[k] = UINT32_MAX;
	}
	d->peak = 0.0f;
}

void rfx_onset_init(RfxOnsetDetector *d, int K, double rate, const RfxOnsetConfig *cfg)
{
	memset(d, 0, sizeof *d);
	d->K = K < 1 ? 1 : K > RFX_MAX_CLASSES ? RFX_MAX_CLASSES : K;
	rfx_onset_configure(d, rate, cfg);
	rfx_onset_reset(d);
}

static int velocity(const RfxOnsetDetector *d, float level_db)
{
	const float v = 1.0f + 126.0f * (level_db - d->vel_floor) / -d->vel_floor;
	return v <= 1.0f ? 1 : v >= 127.0f ? 127 : (int)lrintf(v);
}

int rfx_onset_process(RfxOnsetDetector *d, const float *x, const float *p, uint32_t n,
		      RfxOnsetEvent *events, int max_events)
{
	const int K = d->K;
	const float thr = d->cfg.threshold, rel = d->cfg.release;
	int n_ev = 0;
	for (uint32_t i = 0; i < n; i++) {
		const float a = fabsf(x[i]);
		d->peak *= d->peak_decay;
		if (a > d->peak) /* false for NaN: a NaN sample leaves the peak as it was */
			d->peak = fminf(a, 1e6f);
		const int open = d->peak >= d->gate;
		for (int k = 0; k < K; k++) {
			const float pk = p[(size_t)i * (size_t)K + (size_t)k];
			d->since[k] += d->since[k] != UINT32_MAX;
			if (!d->armed[k]) {
				/* `!(pk >= rel)` re-arms on NaN too: a broken output never holds a class. */
				if (!(pk >= rel) && d->since[k] >= d->gap)
					d->armed[k] = 1;
				continue;
			}
			if (!(pk >= thr) || !open)
				continue;
			d->armed[k] = 0;
			d->since[k] = 0;
			if (n_ev >= max_events)
				continue;
			const float db = 20.0f * log10f(fmaxf(d->peak, 1e-10f));
			events[n_ev++] = (RfxOnsetEvent){ .frame = i, .cls = k, .velocity = velocity(d, db),
							  .confidence = pk, .level_db = db };
		}
	}
	return n_ev;
}

int rfx_onset_gm_note(const char *label)
{
	static const struct { const char *name; int note; } gm[] = {
		{ "kick", 36 },	   { "snare", 38 },   { "hihat", 42 }, { "hihat_open", 46 },
		{ "tom", 45 },	   { "tom_high", 50 }, { "tom_low", 41 }, { "cymbal", 49 },
		{ "crash", 49 },   { "ride", 51 },     { "clap", 39 },	 { "rim", 37 },
		{ "cowbell", 56 },
	};
	for (size_t i = 0; label && i < sizeof gm / sizeof gm[0]; i++)
		if (strcmp(label, gm[i].name) == 0)
			return gm[i].note;
	return -1;
}
