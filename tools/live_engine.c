#include "tools/live_engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ------------------------------------------------------------------ engines (main thread) */

/* Every conditioning input needs a value: a stream would otherwise hold it at a value the model
 * was never trained with. */
static int missing_cond(const RfxModel *m, const LiveCond *cond)
{
	for (int idx = 1; idx < rfx_model_n_inputs(m); idx++) {
		int given = 0;
		for (int k = 0; cond && k < cond->n; k++)
			given |= cond->index[k] == idx;
		if (!given)
			return idx;
	}
	return 0;
}

static RfxEngine *build(const RfxModel *m, int C, const LiveCond *cond, double host_rate, char *msg,
			size_t msg_size)
{
	char detail[256] = "";
	RfxEngine *e = NULL;
	RfxStatus s = rfx_engine_create(m, C, host_rate, RFX_RATE_QUALITY_DEFAULT, &e, detail,
					sizeof detail);
	if (s != RFX_OK) {
		snprintf(msg, msg_size, "cannot make a stream: %s%s%s", rfx_strerror(s),
			 detail[0] ? ": " : "", detail);
		return NULL;
	}
	for (int k = 0; cond && k < cond->n; k++)
		rfx_engine_set_input(e, cond->index[k], cond->value[k]);
	/* The conditioning inputs are part of the state it settles into. */
	rfx_engine_settle(e);
	return e;
}

RfxEngine *live_load(const char *path, int C, const LiveCond *cond, double host_rate,
		     LiveModelInputs *info, char *msg, size_t msg_size)
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
	/* The model's knobs add their inputs (the given setting, or the default) to a copy. */
	LiveCond all = cond ? *cond : (LiveCond){0};
	int kidx[RFX_MAX_KNOBS];
	float kval[RFX_MAX_KNOBS];
	unsigned clamped = 0;
	const int nk = rfx_model_knob_inputs(m, all.knob, all.n_knob, kidx, kval, &clamped, detail,
					     sizeof detail);
	if (nk < 0) {
		snprintf(msg, msg_size, "%s", detail);
		rfx_model_free(m);
		return NULL;
	}
	for (int i = 0; i < nk; i++) {
		int taken = 0;
		for (int k = 0; k < all.n; k++)
			taken |= all.index[k] == kidx[i];
		if (!taken && all.n < RFX_MAX_INPUTS) {
			all.index[all.n] = kidx[i];
			all.value[all.n++] = kval[i];
		}
	}
	if (clamped)
		fprintf(stderr, "rnnfx-live: warning: a --knob value outside the model's trained range "
			"was clamped to it\n");
	cond = &all;
	RfxEngine *e = NULL;
	int idx = missing_cond(m, cond);
	for (int k = 0; cond && k < cond->n && !idx; k++)
		if (cond->index[k] < 1 || cond->index[k] >= rfx_model_n_inputs(m)) {
			snprintf(msg, msg_size, "--cond %d: the model has %d conditioning input(s)",
				 cond->index[k], rfx_model_n_inputs(m) - 1);
			rfx_model_free(m);
			return NULL;
		}
	if (idx)
		snprintf(msg, msg_size, "input %d is a conditioning input; give its value with "
			 "--cond %d=V", idx, idx);
	else
		e = build(m, C, cond, host_rate, msg, msg_size);
	if (e && info) {
		info->inputs = all;
		info->inputs.n_knob = 0;
		info->n_knobs = rfx_model_knobs(m, info->knob, RFX_MAX_KNOBS);
		info->n_knobs = info->n_knobs > 0 ? info->n_knobs : 0;
	}
	rfx_model_free(m);
	return e;
}

/* ------------------------------------------------------------------ main-thread side of the handoff */

void live_init(Live *lv, int C, double rate, double fade_ms, RfxEngine *first)
{
	memset(lv, 0, sizeof *lv);
	lv->C = C;
	rfx_engine_swap_init(&lv->swap, C, rfx_engine_fade_frames(rate, fade_ms * 1e-3));
	rfx_engine_swap_start(&lv->swap, first);
	rfx_engine_swap_finish(&lv->swap); /* heard from the first frame, no fade from silence */
	atomic_init(&lv->pending, NULL);
	atomic_init(&lv->retired, NULL);
	lv->glide_coef = (float)(1.0 - exp(-LIVE_GLIDE_PASS / (rate * LIVE_GLIDE_S)));
}

void live_set_input(Live *lv, int index, float value)
{
	if (index < 1 || index >= RFX_MAX_INPUTS || !isfinite(value))
		return;
	uint32_t bits;
	memcpy(&bits, &value, sizeof bits);
	atomic_store_explicit(&lv->want_bits[index], bits, memory_order_relaxed);
	atomic_fetch_or_explicit(&lv->want_mask, 1u << index, memory_order_relaxed);
	atomic_fetch_add_explicit(&lv->want_gen, 1, memory_order_release);
}

RfxEngine *live_post(Live *lv, RfxEngine *e)
{
	/* An exchange, not a store: if the audio thread has not taken the previous one, it never
	 * will, and the caller frees it. */
	return atomic_exchange_explicit(&lv->pending, e, memory_order_acq_rel);
}

RfxEngine *live_collect(Live *lv)
{
	return atomic_exchange_explicit(&lv->retired, NULL, memory_order_acq_rel);
}

void live_free_all(Live *lv)
{
	rfx_engine_swap_release(&lv->swap);
	rfx_engine_destroy(live_post(lv, NULL));
	rfx_engine_destroy(live_collect(lv));
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

/* Gives the old engine back to the main thread; `retired` is known to be empty (see take). */
static void retire(Live *lv, RfxEngine *old)
{
	if (!old)
		return;
	lv->nonfinite_base += rfx_engine_nonfinite_count(old);
	atomic_store_explicit(&lv->retired, old, memory_order_release);
	atomic_fetch_add_explicit(&lv->swaps, 1, memory_order_relaxed);
}

/* Takes a pending engine when no cross-fade runs and the retired slot is free: only this thread
 * fills `retired`, so it stays free until this thread retires the engine being replaced, at once
 * (a classifier on either side: no audio to fade) or when the fade ends. */
static void take_pending(Live *lv)
{
	if (lv->swap.fading || atomic_load_explicit(&lv->retired, memory_order_acquire))
		return;
	RfxEngine *e = atomic_exchange_explicit(&lv->pending, NULL, memory_order_acq_rel);
	if (e)
		retire(lv, rfx_engine_swap_start(&lv->swap, e));
}

/* A classifier: runs it over n frames (in == NULL: silence) and publishes the class with the
 * largest mean probability over them. */
static void classify(Live *lv, RfxEngine *e, const float *in, unsigned long n)
{
	static const float zeros[RFX_ENGINE_CHUNK * LIVE_MAX_CHANNELS];
	const int C = lv->C, K = rfx_engine_outputs(e);
	double acc[RFX_MAX_CLASSES] = { 0 };
	for (unsigned long off = 0; off < n; off += RFX_ENGINE_CHUNK) {
		uint32_t m = n - off < RFX_ENGINE_CHUNK ? (uint32_t)(n - off) : RFX_ENGINE_CHUNK;
		rfx_engine_process(e, in ? in + off * C : zeros, lv->probs, m);
		for (uint32_t i = 0; i < m; i++)
			for (int k = 0; k < K; k++)
				acc[k] += lv->probs[i * (uint32_t)K + (uint32_t)k];
	}
	if (n == 0)
		return;
	int best = 0;
	for (int k = 1; k < K; k++)
		if (acc[k] > acc[best])
			best = k;
	float conf = (float)(acc[best] / ((double)n * C));
	uint32_t bits;
	memcpy(&bits, &conf, sizeof bits);
	atomic_store_explicit(&lv->class_idx, (unsigned)best, memory_order_relaxed);
	atomic_store_explicit(&lv->class_conf_bits, bits, memory_order_relaxed);
}

/* The inputs the main thread asked for since the last buffer: new ones hold at once (they were
 * given before the audio started, or for inputs no engine had yet), changed ones become targets. */
static void read_inputs(Live *lv)
{
	const unsigned gen = atomic_load_explicit(&lv->want_gen, memory_order_acquire);
	if (gen == lv->seen_gen)
		return;
	lv->seen_gen = gen;
	const unsigned mask = atomic_load_explicit(&lv->want_mask, memory_order_relaxed);
	for (int i = 1; i < RFX_MAX_INPUTS; i++) {
		if (!(mask & (1u << i)))
			continue;
		const uint32_t bits = atomic_load_explicit(&lv->want_bits[i], memory_order_relaxed);
		memcpy(&lv->in_target[i], &bits, sizeof bits);
		if (!(lv->have_mask & (1u << i)) ||
		    atomic_load_explicit(&lv->frames, memory_order_relaxed) == 0)
			lv->in_cur[i] = lv->in_target[i];
	}
	lv->have_mask = mask;
}

/* One glide step of every input not at its target; 1 when any still moves. The values go to the
 * engine heard and to one fading out. */
static int glide(Live *lv)
{
	int moving = 0;
	for (int i = 1; i < RFX_MAX_INPUTS; i++) {
		if (!(lv->have_mask & (1u << i)) || lv->in_cur[i] == lv->in_target[i])
			continue;
		const float d = lv->in_target[i] - lv->in_cur[i];
		lv->in_cur[i] = fabsf(d) < 1e-5f ? lv->in_target[i] : lv->in_cur[i] + lv->glide_coef * d;
		moving |= lv->in_cur[i] != lv->in_target[i];
		rfx_engine_set_input(lv->swap.cur, i, lv->in_cur[i]);
		if (lv->swap.prev)
			rfx_engine_set_input(lv->swap.prev, i, lv->in_cur[i]);
	}
	return moving;
}

/* The current values on every input of a newly taken engine (built with the main thread's). */
static void set_inputs(Live *lv, RfxEngine *e)
{
	for (int i = 1; i < RFX_MAX_INPUTS; i++)
		if (lv->have_mask & (1u << i))
			rfx_engine_set_input(e, i, lv->in_cur[i]);
}

static int gliding(const Live *lv)
{
	for (int i = 1; i < RFX_MAX_INPUTS; i++)
		if ((lv->have_mask & (1u << i)) && lv->in_cur[i] != lv->in_target[i])
			return 1;
	return 0;
}

void live_process(Live *lv, const float *in, float *out, unsigned long n, unsigned flags)
{
	const size_t samples = (size_t)n * (size_t)lv->C;
	count_flags(lv, flags);
	RfxEngine *before = lv->swap.cur;
	take_pending(lv);
	if (lv->swap.cur != before && lv->swap.cur)
		set_inputs(lv, lv->swap.cur);
	read_inputs(lv);
	RfxEngine *cur = lv->swap.cur;
	if (rfx_engine_outputs(cur) > 1) {
		/* A classifier listens; the audio passes through. */
		for (int i = 1; i < RFX_MAX_INPUTS; i++) /* nothing to glide: the targets at once */
			lv->in_cur[i] = lv->in_target[i];
		set_inputs(lv, cur);
		classify(lv, cur, in, n);
		if (in)
			memcpy(out, in, samples * sizeof(float));
		else
			memset(out, 0, samples * sizeof(float));
	} else {
		if (!in) {
			memset(out, 0, samples * sizeof(float));
			in = out; /* in place */
		}
		/* While an input glides, passes of LIVE_GLIDE_PASS frames, a glide step before each. */
		const unsigned long pass = gliding(lv) ? LIVE_GLIDE_PASS : UINT32_MAX;
		for (unsigned long off = 0; off < n; off += pass) {
			uint32_t m = n - off < pass ? (uint32_t)(n - off) : (uint32_t)pass;
			if (pass == LIVE_GLIDE_PASS)
				glide(lv);
			retire(lv, rfx_engine_swap_process(&lv->swap, in + off * lv->C,
							   out + off * lv->C, m));
		}
	}
	atomic_store_explicit(&lv->nonfinite, lv->nonfinite_base + rfx_engine_nonfinite_count(cur),
			      memory_order_relaxed);
	atomic_fetch_add_explicit(&lv->frames, n, memory_order_relaxed);
}
