/* rnnfx — engines and the cross-faded swap (engine.h). */
#include "engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct RfxEngine {
	int C, K;                 /* channels; outputs per frame (1 = effect, K classes) */
	RfxRateStream **st;       /* one per channel */
	void *user;
	uint32_t settle;          /* zeros rfx_engine_settle runs (host rate) */
	float *in_a, *in_b;       /* one channel's input for one pass (b: the pair's second) */
	float *out_a, *out_b;     /* its output: RFX_ENGINE_CHUNK * K floats (b: CHUNK) */
	char labels[RFX_MAX_CLASSES][RFX_MAX_LABEL];
};

RfxStatus rfx_engine_create(const RfxModel *model, int channels, double host_rate,
			    RfxRateQuality quality, RfxEngine **out, char *detail, size_t detail_size)
{
	if (detail && detail_size)
		detail[0] = '\0';
	if (!out)
		return RFX_ERR_INVALID;
	*out = NULL;
	if (!model)
		return RFX_ERR_INVALID;
	if (channels < 1 || channels > RFX_ENGINE_MAX_CHANNELS) {
		if (detail && detail_size)
			snprintf(detail, detail_size, "%d channels, expected 1 to %d", channels,
				 RFX_ENGINE_MAX_CHANNELS);
		return RFX_ERR_INVALID;
	}
	RfxEngine *e = calloc(1, sizeof *e);
	if (!e)
		return RFX_ERR_NOMEM;
	e->C = channels;
	e->K = rfx_mode_has_classes(model->spec.mode) ? model->spec.n_outputs : 1;
	memcpy(e->labels, model->labels, sizeof e->labels);
	e->st = calloc((size_t)channels, sizeof *e->st);
	e->in_a = malloc(RFX_ENGINE_CHUNK * sizeof(float));
	e->in_b = malloc(RFX_ENGINE_CHUNK * sizeof(float));
	e->out_a = malloc((size_t)RFX_ENGINE_CHUNK * (size_t)e->K * sizeof(float));
	e->out_b = malloc(RFX_ENGINE_CHUNK * sizeof(float));
	if (!e->st || !e->in_a || !e->in_b || !e->out_a || !e->out_b) {
		rfx_engine_destroy(e);
		return RFX_ERR_NOMEM;
	}
	const double rate = host_rate > 0 ? host_rate : model->spec.sample_rate;
	/* A model with long memory (its metadata's "memory_s") needs about four of its time
	 * constants of silence to forget where it started, at most RFX_ENGINE_SETTLE_MAX_S. */
	const double mem = fmin(4 * rfx_model_memory_s(model), RFX_ENGINE_SETTLE_MAX_S);
	e->settle = RFX_ENGINE_SETTLE_FRAMES;
	if (mem * rate > RFX_ENGINE_SETTLE_FRAMES && isfinite(rate))
		e->settle = (uint32_t)ceil(mem * rate);
	for (int c = 0; c < channels; ++c) {
		RfxStatus st = rfx_rate_create(model, rate, quality, &e->st[c], detail, detail_size);
		if (st != RFX_OK) {
			rfx_engine_destroy(e);
			return st;
		}
	}
	*out = e;
	return RFX_OK;
}

void rfx_engine_destroy(RfxEngine *e)
{
	if (!e)
		return;
	for (int c = 0; e->st && c < e->C; ++c)
		rfx_rate_destroy(e->st[c]);
	free(e->st);
	free(e->in_a);
	free(e->in_b);
	free(e->out_a);
	free(e->out_b);
	free(e);
}

void rfx_engine_reset(RfxEngine *e)
{
	for (int c = 0; c < e->C; ++c)
		rfx_rate_reset(e->st[c]);
}

void rfx_engine_settle(RfxEngine *e)
{
	static const float zeros[RFX_ENGINE_CHUNK];
	for (int c = 0; c < e->C; ++c) {
		rfx_rate_reset(e->st[c]);
		for (uint32_t done = 0; done < e->settle; done += RFX_ENGINE_CHUNK) {
			uint32_t n = e->settle - done;
			rfx_rate_process(e->st[c], zeros, e->out_a, n < RFX_ENGINE_CHUNK ? n
											  : RFX_ENGINE_CHUNK);
		}
	}
}

void rfx_engine_set_input(RfxEngine *e, int index, float value)
{
	for (int c = 0; c < e->C; ++c)
		rfx_rate_set_input(e->st[c], index, value);
}

/* One pass (n <= RFX_ENGINE_CHUNK) of C > 1 channels. */
static void process_pass(RfxEngine *e, const float *in, float *out, uint32_t n)
{
	const int C = e->C, K = e->K;
	int c = 0;
	for (; K == 1 && c + 1 < C; c += 2) {
		for (uint32_t i = 0; i < n; ++i) {
			e->in_a[i] = in[i * C + c];
			e->in_b[i] = in[i * C + c + 1];
		}
		rfx_rate_process_pair(e->st[c], e->st[c + 1], e->in_a, e->in_b, e->out_a, e->out_b,
				      n);
		for (uint32_t i = 0; i < n; ++i) {
			out[i * C + c] = e->out_a[i];
			out[i * C + c + 1] = e->out_b[i];
		}
	}
	if (K > 1)
		memset(out, 0, (size_t)n * (size_t)K * sizeof(float));
	for (; c < C; ++c) {
		for (uint32_t i = 0; i < n; ++i)
			e->in_a[i] = in[i * C + c];
		rfx_rate_process(e->st[c], e->in_a, e->out_a, n);
		if (K == 1) {
			for (uint32_t i = 0; i < n; ++i)
				out[i * C + c] = e->out_a[i];
		} else {
			for (uint32_t i = 0; i < n * (uint32_t)K; ++i)
				out[i] += e->out_a[i];
		}
	}
}

void rfx_engine_process(RfxEngine *e, const float *in, float *out, uint32_t n)
{
	if (e->C == 1) {
		rfx_rate_process(e->st[0], in, out, n);
		return;
	}
	const size_t C = (size_t)e->C, K = (size_t)e->K;
	for (uint32_t off = 0; off < n; off += RFX_ENGINE_CHUNK) {
		const uint32_t m = n - off < RFX_ENGINE_CHUNK ? n - off : RFX_ENGINE_CHUNK;
		process_pass(e, in + off * C, out + off * (K == 1 ? C : K), m);
	}
}

int rfx_engine_channels(const RfxEngine *e) { return e->C; }
int rfx_engine_outputs(const RfxEngine *e) { return e->K; }
uint32_t rfx_engine_latency(const RfxEngine *e) { return rfx_rate_latency(e->st[0]); }
int rfx_engine_is_resampling(const RfxEngine *e) { return rfx_rate_is_resampling(e->st[0]); }
double rfx_engine_model_rate(const RfxEngine *e) { return rfx_rate_model_rate(e->st[0]); }
double rfx_engine_host_rate(const RfxEngine *e) { return rfx_rate_host_rate(e->st[0]); }
void rfx_engine_set_user(RfxEngine *e, void *user) { e->user = user; }
void *rfx_engine_user(const RfxEngine *e) { return e->user; }

const char *rfx_engine_label(const RfxEngine *e, int k)
{
	return e->K > 1 && k >= 0 && k < e->K ? e->labels[k] : "";
}

uint32_t rfx_engine_nonfinite_count(const RfxEngine *e)
{
	uint32_t n = 0;
	for (int c = 0; c < e->C; ++c)
		n += rfx_rate_nonfinite_count(e->st[c]);
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* The swap */

uint32_t rfx_engine_fade_frames(double rate, double seconds)
{
	double n = rate * seconds + 0.5;
	return n < 1.0 ? 1u : (uint32_t)n;
}

void rfx_engine_swap_init(RfxEngineSwap *s, int channels, uint32_t fade_len)
{
	memset(s, 0, sizeof *s);
	s->channels = channels < 1 ? 1
				   : channels > RFX_ENGINE_SWAP_MAX_CHANNELS ? RFX_ENGINE_SWAP_MAX_CHANNELS
									     : channels;
	s->fade_len = fade_len ? fade_len : 1;
}

static int is_effect(const RfxEngine *e)
{
	return !e || e->K == 1;
}

RfxEngine *rfx_engine_swap_start(RfxEngineSwap *s, RfxEngine *next)
{
	if (s->fading || (next && next->C != s->channels))
		return next;
	RfxEngine *old = s->cur;
	s->cur = next;
	if (!is_effect(old) || !is_effect(next))
		return old;
	s->prev = old;
	s->fading = 1;
	s->fade_pos = 0;
	return NULL;
}

RfxEngine *rfx_engine_swap_finish(RfxEngineSwap *s)
{
	RfxEngine *old = s->prev;
	s->prev = NULL;
	s->fading = 0;
	s->fade_pos = 0;
	return old;
}

/* `out` = the output of `e` for one pass, or the input for the identity or a classifier. */
static void run_or_pass(RfxEngine *e, const float *in, float *out, uint32_t n, size_t C)
{
	if (e && e->K == 1)
		rfx_engine_process(e, in, out, n);
	else if (in != out)
		memmove(out, in, n * C * sizeof(float));
}

RfxEngine *rfx_engine_swap_process(RfxEngineSwap *s, const float *in, float *out, uint32_t n)
{
	const size_t C = (size_t)s->channels;
	RfxEngine *retired = NULL;
	for (uint32_t off = 0; off < n; off += RFX_ENGINE_CHUNK) {
		const uint32_t m = n - off < RFX_ENGINE_CHUNK ? n - off : RFX_ENGINE_CHUNK;
		const float *x = in + off * C;
		float *y = out + off * C;
		if (!s->fading) {
			run_or_pass(s->cur, x, y, m, C);
			continue;
		}
		/* The old engine first: `in` may be `out`. */
		run_or_pass(s->prev, x, s->old, m, C);
		run_or_pass(s->cur, x, y, m, C);
		const float inv = 1.0f / (float)s->fade_len;
		for (uint32_t i = 0; i < m && s->fade_pos < s->fade_len; ++i, ++s->fade_pos) {
			const float g = (float)s->fade_pos * inv;
			for (size_t c = 0; c < C; ++c) {
				const float o = s->old[i * C + c];
				y[i * C + c] = o + g * (y[i * C + c] - o);
			}
		}
		if (s->fade_pos >= s->fade_len)
			retired = rfx_engine_swap_finish(s);
	}
	return retired;
}

void rfx_engine_swap_release(RfxEngineSwap *s)
{
	rfx_engine_destroy(s->cur);
	rfx_engine_destroy(s->prev);
	s->cur = s->prev = NULL;
	s->fading = 0;
	s->fade_pos = 0;
}
