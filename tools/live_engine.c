#include "tools/live_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/model_file.h"
#include "dsp/rate.h"

struct LiveModel {
	RfxRateStream *st[LIVE_MAX_CHANNELS]; /* resampling around the model at another rate */
	int C, K;                 /* channels; outputs per sample (1 = effect, K classes) */
	double rate;              /* the model's training rate */
	unsigned latency;         /* samples the resampling adds (0 at the model's rate) */
	float *out;               /* LIVE_CHUNK * max(C, K): per-channel audio, or one channel's probs */
	char labels[RFX_MAX_CLASSES][RFX_MAX_LABEL];
};

/* ------------------------------------------------------------------ models (main thread) */

void live_model_free(LiveModel *e)
{
	if (!e)
		return;
	for (int c = 0; c < e->C; c++)
		rfx_rate_destroy(e->st[c]);
	free(e->out);
	free(e);
}

double live_model_rate(const LiveModel *e) { return e->rate; }
unsigned live_model_latency(const LiveModel *e) { return e->latency; }
int live_model_outputs(const LiveModel *e) { return e->K; }
const char *live_model_label(const LiveModel *e, int k)
{
	return k >= 0 && k < e->K && e->K > 1 ? e->labels[k] : "";
}

/* Every conditioning input needs a value: a stream would otherwise hold it at a value the model
 * was never trained with. */
static int missing_cond(const RfxModel *m, const LiveCond *cond)
{
	for (int idx = 1; idx < m->spec.n_inputs; idx++) {
		int given = 0;
		for (int k = 0; cond && k < cond->n; k++)
			given |= cond->index[k] == idx;
		if (!given)
			return idx;
	}
	return 0;
}

static LiveModel *build(const RfxModel *m, int C, const LiveCond *cond, double host_rate, char *msg,
			size_t msg_size)
{
	LiveModel *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(msg, msg_size, "out of memory");
		return NULL;
	}
	e->C = C;
	e->K = m->spec.mode == RFX_MODE_CLASSIFIER ? m->spec.n_outputs : 1;
	e->rate = m->spec.sample_rate;
	memcpy(e->labels, m->labels, sizeof e->labels);
	e->out = malloc((size_t)LIVE_CHUNK * (size_t)(C > e->K ? C : e->K) * sizeof(float));
	if (!e->out) {
		snprintf(msg, msg_size, "out of memory");
		live_model_free(e);
		return NULL;
	}
	for (int c = 0; c < C; c++) {
		char detail[256] = "";
		RfxStatus s = rfx_rate_create(m, host_rate > 0 ? host_rate : m->spec.sample_rate,
					      RFX_RATE_QUALITY_DEFAULT, &e->st[c], detail, sizeof detail);
		if (s != RFX_OK) {
			snprintf(msg, msg_size, "cannot make a stream: %s%s%s", rfx_strerror(s),
				 detail[0] ? ": " : "", detail);
			live_model_free(e);
			return NULL;
		}
		for (int k = 0; cond && k < cond->n; k++)
			rfx_rate_set_input(e->st[c], cond->index[k], cond->value[k]);
	}
	e->latency = rfx_rate_latency(e->st[0]);
	return e;
}

LiveModel *live_model_load(const char *path, int C, const LiveCond *cond, double host_rate,
			   char *msg, size_t msg_size)
{
	char detail[256] = "";
	RfxModel *m = NULL;
	if (C < 1 || C > LIVE_MAX_CHANNELS) {
		snprintf(msg, msg_size, "%d channels, expected 1 to %d", C, LIVE_MAX_CHANNELS);
		return NULL;
	}
	RfxStatus s = rfx_model_load_file(path, &m, detail, sizeof detail);
	if (s != RFX_OK) {
		snprintf(msg, msg_size, "%s%s%s", rfx_strerror(s), detail[0] ? ": " : "", detail);
		return NULL;
	}
	LiveModel *e = NULL;
	int idx = missing_cond(m, cond);
	for (int k = 0; cond && k < cond->n && !idx; k++)
		if (cond->index[k] < 1 || cond->index[k] >= m->spec.n_inputs) {
			snprintf(msg, msg_size, "--cond %d: the model has %d conditioning input(s)",
				 cond->index[k], m->spec.n_inputs - 1);
			rfx_model_free(m);
			return NULL;
		}
	if (idx)
		snprintf(msg, msg_size, "input %d is a conditioning input; give its value with "
			 "--cond %d=V", idx, idx);
	else
		e = build(m, C, cond, host_rate, msg, msg_size);
	rfx_model_free(m);
	return e;
}

/* ------------------------------------------------------------------ main-thread side of the handoff */

void live_init(Live *lv, int C, double rate, double fade_ms, LiveModel *first)
{
	memset(lv, 0, sizeof *lv);
	lv->C = C;
	lv->cur = first;
	lv->fade_len = (uint32_t)(fade_ms * 1e-3 * rate) + 1;
	atomic_init(&lv->pending, NULL);
	atomic_init(&lv->retired, NULL);
}

LiveModel *live_post(Live *lv, LiveModel *m)
{
	/* An exchange, not a store: if the audio thread has not taken the previous one, it never
	 * will, and the caller frees it. */
	return atomic_exchange_explicit(&lv->pending, m, memory_order_acq_rel);
}

LiveModel *live_collect(Live *lv)
{
	return atomic_exchange_explicit(&lv->retired, NULL, memory_order_acq_rel);
}

void live_free_all(Live *lv)
{
	live_model_free(lv->cur);
	live_model_free(lv->fading);
	live_model_free(live_post(lv, NULL));
	live_model_free(live_collect(lv));
	lv->cur = lv->fading = NULL;
}

unsigned live_class(const Live *lv, float *confidence)
{
	uint32_t bits = atomic_load_explicit(&lv->class_conf_bits, memory_order_relaxed);
	memcpy(confidence, &bits, sizeof *confidence);
	return atomic_load_explicit(&lv->class_idx, memory_order_relaxed);
}

/* ------------------------------------------------------------------ audio thread */

static void count_flags(Live *lv, unsigned f)
{
	if (f & LIVE_IN_UNDERFLOW)
		atomic_fetch_add_explicit(&lv->in_underflow, 1, memory_order_relaxed);
	if (f & LIVE_IN_OVERFLOW)
		atomic_fetch_add_explicit(&lv->in_overflow, 1, memory_order_relaxed);
	if (f & LIVE_OUT_UNDERFLOW)
		atomic_fetch_add_explicit(&lv->out_underflow, 1, memory_order_relaxed);
	if (f & LIVE_OUT_OVERFLOW)
		atomic_fetch_add_explicit(&lv->out_overflow, 1, memory_order_relaxed);
}

static uint32_t model_nonfinite(const LiveModel *e)
{
	uint32_t n = 0;
	for (int c = 0; c < e->C; c++)
		n += rfx_rate_nonfinite_count(e->st[c]);
	return n;
}

/* Gives the old model back to the main thread; `retired` is known to be empty (see take). */
static void retire(Live *lv, LiveModel *old)
{
	lv->nonfinite_base += model_nonfinite(old);
	atomic_store_explicit(&lv->retired, old, memory_order_release);
	atomic_fetch_add_explicit(&lv->swaps, 1, memory_order_relaxed);
}

/* Takes a pending model when no crossfade runs and the retired slot is free: only this thread
 * fills `retired`, so it stays free until this thread retires the model being replaced. An effect
 * fades into an effect; with a classifier on either side there is no audio to fade. */
static void take_pending(Live *lv)
{
	if (lv->fading || atomic_load_explicit(&lv->retired, memory_order_acquire))
		return;
	LiveModel *e = atomic_exchange_explicit(&lv->pending, NULL, memory_order_acq_rel);
	if (!e)
		return;
	LiveModel *old = lv->cur;
	lv->cur = e;
	if (old->K == 1 && e->K == 1) {
		lv->fading = old;
		lv->fade_pos = 0;
	} else {
		retire(lv, old);
	}
}

/* Runs channel c of `e` over lv->in (m frames). An effect writes e->out + c * LIVE_CHUNK; a
 * classifier adds its probabilities into acc (K sums) and leaves the audio alone. */
static void run_model(Live *lv, LiveModel *e, int c, uint32_t m, double *acc)
{
	if (e->K == 1) {
		rfx_rate_process(e->st[c], lv->in, e->out + (size_t)c * LIVE_CHUNK, m);
		return;
	}
	rfx_rate_process(e->st[c], lv->in, e->out, m);
	for (uint32_t i = 0; i < m; i++)
		for (int k = 0; k < e->K; k++)
			acc[k] += e->out[i * (uint32_t)e->K + (uint32_t)k];
}

static void publish_class(Live *lv, const double *acc, int K, double n)
{
	int best = 0;
	for (int k = 1; k < K; k++)
		if (acc[k] > acc[best])
			best = k;
	float conf = (float)(acc[best] / n);
	uint32_t bits;
	memcpy(&bits, &conf, sizeof bits);
	atomic_store_explicit(&lv->class_idx, (unsigned)best, memory_order_relaxed);
	atomic_store_explicit(&lv->class_conf_bits, bits, memory_order_relaxed);
}

/* Output for m frames: the current model's, or during a crossfade a linear ramp from the old
 * model's output to the new one's. A classifier passes its input through. */
static void mix_out(Live *lv, const float *in, float *out, uint32_t m)
{
	const int C = lv->C;
	LiveModel *e = lv->cur, *old = lv->fading;
	for (uint32_t i = 0; i < m; i++) {
		float g = old ? (float)(lv->fade_pos + i + 1) / (float)lv->fade_len : 1;
		if (g > 1)
			g = 1;
		for (int c = 0; c < C; c++) {
			float y = e->K == 1 ? e->out[(size_t)c * LIVE_CHUNK + i] : (in ? in[i * C + c] : 0);
			if (old)
				y = g * y + (1 - g) * old->out[(size_t)c * LIVE_CHUNK + i];
			out[i * C + c] = y;
		}
	}
	if (old) {
		lv->fade_pos += m;
		if (lv->fade_pos >= lv->fade_len) {
			lv->fading = NULL;
			retire(lv, old);
		}
	}
}

void live_process(Live *lv, const float *in, float *out, unsigned long n, unsigned flags)
{
	const int C = lv->C;
	count_flags(lv, flags);
	take_pending(lv);
	double acc[RFX_MAX_CLASSES] = { 0 };
	for (unsigned long off = 0; off < n; off += LIVE_CHUNK) {
		uint32_t m = n - off < LIVE_CHUNK ? (uint32_t)(n - off) : LIVE_CHUNK;
		const float *inb = in ? in + off * C : NULL;
		for (int c = 0; c < C; c++) {
			for (uint32_t i = 0; i < m; i++)
				lv->in[i] = inb ? inb[i * C + c] : 0;
			run_model(lv, lv->cur, c, m, acc);
			if (lv->fading)
				run_model(lv, lv->fading, c, m, acc);
		}
		mix_out(lv, inb, out + off * C, m);
	}
	if (lv->cur->K > 1 && n > 0)
		publish_class(lv, acc, lv->cur->K, (double)n * C);
	atomic_store_explicit(&lv->nonfinite, lv->nonfinite_base + model_nonfinite(lv->cur),
			      memory_order_relaxed);
	atomic_fetch_add_explicit(&lv->frames, n, memory_order_relaxed);
}
