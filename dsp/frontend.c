#include "frontend.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FLOOR_POWER 1e-12f /* -120 dB: the envelopes never reach zero (or a denormal) */

RfxFrontendSpec rfx_frontend_spec_default(int bands)
{
	return (RfxFrontendSpec){ .bands = bands, .low_hz = 50.0f, .high_hz = 12000.0f };
}

int rfx_frontend_hop(const RfxFrontendSpec *spec)
{
	return spec && spec->bands > 0 && spec->hop > 1 ? spec->hop : 1;
}

int rfx_frontend_inputs(const RfxFrontendSpec *spec)
{
	return spec && spec->bands > 0 ? spec->bands + 1 : 0;
}

RfxStatus rfx_frontend_spec_check(const RfxFrontendSpec *s, char *detail, size_t size)
{
	const char *why = NULL;
	if (s->bands < 0 || s->bands > RFX_FRONTEND_MAX_BANDS)
		why = "'frontend': bands must be 1 to 15";
	else if (s->bands && !(s->low_hz >= 1.0f && s->low_hz < s->high_hz && s->high_hz <= 1e5f))
		why = "'frontend': low_hz and high_hz must be frequencies with low < high";
	else if (s->hop < 0 || s->hop > RFX_FRONTEND_MAX_HOP)
		why = "'frontend': hop must be 1 to 4096 samples";
	else if (s->hop > 1 && !s->bands)
		why = "'frontend': a hop needs bands";
	if (why && detail && size)
		snprintf(detail, size, "%s", why);
	return why ? RFX_ERR_FIELD : RFX_OK;
}

void rfx_frontend_init(RfxFrontend *fe, const RfxFrontendSpec *s, double rate)
{
	memset(fe, 0, sizeof *fe);
	fe->B = s->bands > RFX_FRONTEND_MAX_BANDS ? RFX_FRONTEND_MAX_BANDS : s->bands;
	const double top = fmin((double)s->high_hz, 0.45 * rate);
	const double lo = fmin((double)s->low_hz, top / 2), q = 2.0;
	for (int b = 0; b < fe->B; b++) {
		const double f = fe->B > 1 ? lo * pow(top / lo, (double)b / (fe->B - 1)) : sqrt(lo * top);
		const double w = 2 * M_PI * f / rate, alpha = sin(w) / (2 * q), a0 = 1 + alpha;
		fe->b0[b] = (float)(alpha / a0);
		fe->a1[b] = (float)(-2 * cos(w) / a0);
		fe->a2[b] = (float)((1 - alpha) / a0);
		const double tau = fmin(fmax(1.5 / f, 0.001), 0.020);
		fe->k[b] = (float)(1 - exp(-1 / (tau * rate)));
	}
	fe->k_all = (float)(1 - exp(-1 / (0.001 * rate)));
	fe->hop = rfx_frontend_hop(s);
	rfx_frontend_reset(fe);
}

void rfx_frontend_reset(RfxFrontend *fe)
{
	for (int b = 0; b < RFX_FRONTEND_MAX_BANDS; b++) {
		fe->z1[b] = fe->z2[b] = 0.0f;
		fe->e[b] = FLOOR_POWER;
	}
	fe->e_all = FLOOR_POWER;
	fe->phase = 0;
}

/* log2(v) for normal v > 0 within 2e-4: the exponent from the bits, the mantissa's log by a
 * least-squares quartic on [1, 2). Nine libm logs per sample would cost as much as a small
 * network. */
static inline float fast_log2(float v)
{
	uint32_t b;
	memcpy(&b, &v, sizeof b);
	const float e = (float)((int)((b >> 23) & 0xff) - 127);
	b = (b & 0x007fffffu) | 0x3f800000u;
	float m;
	memcpy(&m, &b, sizeof m);
	return e + (-2.49678181f + (4.02839226f + (-2.08107734f + (0.62882217f - 0.07915123f * m) * m) * m) * m);
}

#define DB_PER_LOG2 3.0103f /* 10 log10(2): power in dB */

/* The filters and envelopes follow every sample. */
static inline void update(RfxFrontend *fe, float x)
{
	if (!isfinite(x))
		x = 0.0f;
	x = fminf(fmaxf(x, -1e3f), 1e3f);
	fe->e_all += fe->k_all * (x * x - fe->e_all);
	fe->e_all = fmaxf(fe->e_all, FLOOR_POWER);
	for (int b = 0; b < fe->B; b++) {
		/* Transposed direct form II; b1 = 0 and b2 = -b0 for this band-pass. */
		const float y = fe->b0[b] * x + fe->z1[b];
		fe->z1[b] = fe->z2[b] - fe->a1[b] * y;
		fe->z2[b] = -fe->b0[b] * x - fe->a2[b] * y;
		if (fabsf(fe->z1[b]) < 1e-20f) /* no denormals after long silence, flushed or not */
			fe->z1[b] = 0.0f;
		if (fabsf(fe->z2[b]) < 1e-20f)
			fe->z2[b] = 0.0f;
		fe->e[b] += fe->k[b] * (y * y - fe->e[b]);
		fe->e[b] = fmaxf(fe->e[b], FLOOR_POWER);
	}
}

/* The features from the envelopes: the logs only when the network reads them. */
static inline void features(const RfxFrontend *fe, float *out)
{
	const float l_all = DB_PER_LOG2 * fast_log2(fe->e_all);
	out[0] = (fmaxf(l_all, -60.0f) + 60.0f) / 30.0f;
	for (int b = 0; b < fe->B; b++) {
		const float rel = (DB_PER_LOG2 * fast_log2(fe->e[b]) - l_all) / 20.0f;
		out[1 + b] = fminf(fmaxf(rel, -3.0f), 1.0f);
	}
}

void rfx_frontend_step(RfxFrontend *fe, float x, float *out)
{
	update(fe, x);
	features(fe, out);
}

int rfx_frontend_push(RfxFrontend *fe, float x, float *out)
{
	update(fe, x);
	if (++fe->phase < fe->hop)
		return 0;
	fe->phase = 0;
	features(fe, out);
	return 1;
}
