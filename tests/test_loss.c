/* dsp/loss.c: the ESR + DC loss and its gradient, bit for bit what the definition in loss.h gives
 * when evaluated term by term in its summation order (the plain loops below), for windows that span
 * several of esr_dc's tiles, with and without a warm-up, and for batches past the segments whose
 * means it keeps; the gradient also against central differences of the loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dsp/loss.h"
#include "harness.h"

/* The definition, one term at a time (loss.h): e_t = p(y)_t - p(target)_t for t = w+1..T-1. */
static double reference(const RfxLossConfig *c, int B, int T, int w, const float *y, const float *tg,
			float *dy)
{
	const double a = c->pre_emph;
	const int W = T - w;
	double err = 0, energy_p = 0, energy = 0, dc = 0;
	for (int s = 0; s < B; s++) {
		const float *ys = y + (size_t)s * T, *ts = tg + (size_t)s * T;
		double m = 0;
		for (int t = w; t < T; t++) {
			m += (double)ts[t] - ys[t];
			energy += (double)ts[t] * ts[t];
			if (t > w) {
				double pt = ts[t] - a * ts[t - 1];
				double e = ((double)ys[t] - a * ys[t - 1]) - pt;
				err += e * e;
				energy_p += pt * pt;
			}
		}
		m /= W;
		dc += m * m;
	}
	const double E = energy_p + 1e-10, D = energy / ((double)W * B) + 1e-10;
	for (int s = 0; s < B; s++) {
		const float *ys = y + (size_t)s * T, *ts = tg + (size_t)s * T;
		double m = 0;
		for (int t = w; t < T; t++)
			m += (double)ts[t] - ys[t];
		m /= W;
		const double ddc = c->dc_weight * -2.0 * m / ((double)W * B * D);
		for (int t = 0; t < T; t++) {
			if (t < w) {
				dy[(size_t)s * T + t] = 0;
				continue;
			}
			double e_t = t > w ? ((double)ys[t] - a * ys[t - 1]) - (ts[t] - a * ts[t - 1]) : 0;
			double e_n = t + 1 < T ? ((double)ys[t + 1] - a * ys[t]) - (ts[t + 1] - a * ts[t]) : 0;
			dy[(size_t)s * T + t] = (float)(c->esr_weight * 2.0 * (e_t - a * e_n) / E + ddc);
		}
	}
	return c->esr_weight * err / E + c->dc_weight * (dc / B) / D;
}

static void exact_case(int B, int T, int w, uint64_t *seed)
{
	char name[96];
	snprintf(name, sizeof name, "esr_dc bit for bit: B %d, T %d, warm-up %d", B, T, w);
	rt_case(name);
	const size_t n = (size_t)B * T;
	float *y = malloc(n * sizeof *y), *tg = malloc(n * sizeof *tg);
	float *dy = malloc(n * sizeof *dy), *ref = malloc(n * sizeof *ref);
	RT_CHECK(y && tg && dy && ref, "out of memory");
	if (y && tg && dy && ref) {
		for (size_t i = 0; i < n; i++) {
			y[i] = rt_rand_uniform(seed, -0.6f, 0.6f);
			tg[i] = rt_rand_uniform(seed, -0.5f, 0.7f); /* a DC offset, so the DC term counts */
		}
		RfxLossConfig c = rfx_loss_config_default(RFX_LOSS_ESR_DC);
		c.dc_weight = 0.5f;
		const RfxLossBatch b = { B, T, 1, w, y, 0, tg, 0, NULL, 0 };
		double loss = 0;
		RT_OK(rfx_loss_compute(&c, &b, &loss, dy));
		const double want = reference(&c, B, T, w, y, tg, ref);
		RT_CHECK(memcmp(&loss, &want, sizeof loss) == 0, "loss %.17g, definition %.17g", loss, want);
		size_t bad = 0, first = 0;
		for (size_t i = 0; i < n; i++)
			if (memcmp(&dy[i], &ref[i], sizeof dy[i]) != 0 && bad++ == 0)
				first = i;
		RT_CHECK(bad == 0, "%zu of %zu gradients differ, first at segment %zu step %zu: %.9g against %.9g",
			 bad, n, first / T, first % T, bad ? dy[first] : 0.0, bad ? ref[first] : 0.0);
	}
	free(y);
	free(tg);
	free(dy);
	free(ref);
}

/* The gradient is the loss's: central differences in double on a small window. */
static void difference_case(uint64_t *seed)
{
	rt_case("esr_dc gradient against central differences");
	enum { B = 3, T = 40, W0 = 5 };
	float y[B * T], tg[B * T], dy[B * T];
	for (int i = 0; i < B * T; i++) {
		y[i] = rt_rand_uniform(seed, -0.5f, 0.5f);
		tg[i] = rt_rand_uniform(seed, -0.4f, 0.6f);
	}
	RfxLossConfig c = rfx_loss_config_default(RFX_LOSS_ESR_DC);
	RfxLossBatch b = { B, T, 1, W0, y, 0, tg, 0, NULL, 0 };
	double loss;
	RT_OK(rfx_loss_compute(&c, &b, &loss, dy));
	double worst = 0;
	for (int i = 0; i < B * T; i++) {
		const float keep = y[i], h = 1e-3f;
		double lp, lm;
		y[i] = keep + h;
		RT_OK(rfx_loss_compute(&c, &b, &lp, NULL));
		y[i] = keep - h;
		RT_OK(rfx_loss_compute(&c, &b, &lm, NULL));
		y[i] = keep;
		const double fd = (lp - lm) / (2.0 * h), err = fabs(fd - dy[i]) / (fabs(fd) + 1e-3);
		worst = err > worst ? err : worst;
	}
	RT_CHECK(worst < 1e-3, "worst relative difference %.3g", worst);
}

int main(void)
{
	uint64_t seed = rt_seed();
	exact_case(32, 2048, 0, &seed);  /* the trainer's batch: 8 tiles */
	exact_case(4, 700, 131, &seed);  /* a warm-up: the tiles start off the 256 grid */
	exact_case(2, 257, 0, &seed);    /* one step past a tile */
	exact_case(3, 258, 1, &seed);    /* the last tile one step long */
	exact_case(5, 10, 9, &seed);     /* one step after the warm-up */
	exact_case(300, 50, 3, &seed);   /* more segments than esr_dc keeps the means of */
	difference_case(&seed);
	return rt_finish();
}
