/* rnnfx — BPTT object: memory, the thread pool, and the forward / loss / backward phases.
 * The per-segment numerics live in bptt_kernels.h. */
#include "bptt_impl.h"
#include "denormals.h"
#include "kernel_table.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* The widest layer whose segments run in groups (allocate()). */
#define RFX_BPTT_GROUP_MAX_H 64

/* The object as allocated: the struct the kernels share (bptt_impl.h), then the cancel flag,
 * which only this file and rfx_bp_cancel_poll read. */
typedef struct {
	struct RfxBptt bp;          /* first, so an RfxBptt * points at the whole object */
	const atomic_int *cancel;   /* rfx_bptt_set_cancel; NULL: never cancelled */
	int cancelled;              /* the last call stopped early */
} RfxBpttObj;

static RfxBpttObj *obj_of(RfxBptt *bp)
{
	return (RfxBpttObj *)(void *)bp;
}

int rfx_bp_cancel_poll(const RfxBptt *bp)
{
	const RfxBpttObj *o = (const RfxBpttObj *)(const void *)bp;
	return o->cancel && atomic_load_explicit(o->cancel, memory_order_relaxed) != 0;
}

/* ---------------------------------------------------------------- thread pool
 * Workers are created once. A phase bumps `generation`; every worker (the caller is worker 0)
 * claims chunks one at a time from a shared counter until none is left, so a thread slowed down
 * (by another process on its core) takes fewer and no one waits for it at the phase's end; the
 * caller waits until `pending` drops to 0. Which thread runs a chunk never changes what the chunk
 * computes, so results do not depend on n_threads or on who ran what. */

static void run_chunk(RfxBptt *bp, RfxBpScratch *sc, int ch)
{
	const RfxBpttBatch *bt = bp->job;
	const int T = bp->job_T, O = bp->O, I = bp->I;
	const size_t xs = bt->x_stride ? bt->x_stride : (size_t)bt->T * I;
	const int b0 = ch * RFX_BPTT_CHUNK;
	const int b1 = b0 + RFX_BPTT_CHUNK < bp->job_B ? b0 + RFX_BPTT_CHUNK : bp->job_B;
	float *g = bp->cgrad + (size_t)ch * bp->model->n_params;
	if (bp->job_backward)
		memset(g, 0, sizeof *g * bp->model->n_params);
	/* The chunk's segments in groups of bp->group (the kernels run a group's time steps
	 * together: bptt_kernels.h), in slot order. */
	for (int s0 = b0; s0 < b1 && !rfx_bp_cancel_poll(bp); s0 += bp->group) {
		const int nb = b1 - s0 < bp->group ? b1 - s0 : bp->group;
		const float *x = bt->x + (size_t)s0 * xs + bp->job_x_t0 * I;
		if (bp->job_backward)
			bp->seg_backward(bp, sc, s0, nb, x, xs, T, bp->dy + (size_t)s0 * T * O,
					 (size_t)T * O, g);
		else
			bp->seg_forward(bp, sc, s0, nb, x, xs, T,
					bp->job_y + (size_t)s0 * bp->job_y_stride + bp->job_y_t0 * O,
					bp->job_y_stride);
	}
}

static void run_share(RfxBptt *bp, int w)
{
	const int n_chunks = (bp->job_B + RFX_BPTT_CHUNK - 1) / RFX_BPTT_CHUNK;
	/* Denormals flushed while the phase runs, in every thread alike (dsp/denormals.h). */
	const RfxFpMode fp = rfx_ftz_begin();
	for (int ch; (ch = atomic_fetch_add_explicit(&bp->next_chunk, 1, memory_order_relaxed)) < n_chunks;)
		run_chunk(bp, &bp->scratch[w], ch);
	rfx_ftz_end(fp);
}

static void *worker_main(void *arg)
{
	const RfxBpWorker *self = arg;
	RfxBptt *bp = self->bp;
	const int id = self->id;
	/* Generation 0 is the one before any phase: starting from it (not from the current value)
	 * means a phase begun before this thread first takes the lock is not missed. */
	unsigned seen = 0;
	pthread_mutex_lock(&bp->mu);
	for (;;) {
		while (bp->generation == seen && !bp->quit)
			pthread_cond_wait(&bp->start_cv, &bp->mu);
		if (bp->quit)
			break;
		seen = bp->generation;
		pthread_mutex_unlock(&bp->mu);
		run_share(bp, id);
		pthread_mutex_lock(&bp->mu);
		if (--bp->pending == 0)
			pthread_cond_signal(&bp->done_cv);
	}
	pthread_mutex_unlock(&bp->mu);
	return NULL;
}

static void run_phase(RfxBptt *bp)
{
	/* Set before the workers are woken: the mutex orders it before their first claim. */
	atomic_store_explicit(&bp->next_chunk, 0, memory_order_relaxed);
	if (bp->n_threads > 1) {
		pthread_mutex_lock(&bp->mu);
		bp->pending = bp->n_threads - 1;
		bp->generation++;
		pthread_cond_broadcast(&bp->start_cv);
		pthread_mutex_unlock(&bp->mu);
	}
	run_share(bp, 0);
	if (bp->n_threads > 1) {
		pthread_mutex_lock(&bp->mu);
		while (bp->pending > 0)
			pthread_cond_wait(&bp->done_cv, &bp->mu);
		pthread_mutex_unlock(&bp->mu);
	}
}

static RfxStatus start_pool(RfxBptt *bp)
{
	if (pthread_mutex_init(&bp->mu, NULL))
		return RFX_ERR_NOMEM;
	if (pthread_cond_init(&bp->start_cv, NULL)) {
		pthread_mutex_destroy(&bp->mu);
		return RFX_ERR_NOMEM;
	}
	if (pthread_cond_init(&bp->done_cv, NULL)) {
		pthread_cond_destroy(&bp->start_cv);
		pthread_mutex_destroy(&bp->mu);
		return RFX_ERR_NOMEM;
	}
	bp->pool_ready = 1;
	for (int w = 1; w < bp->n_threads; w++) {
		bp->workers[w].bp = bp;
		bp->workers[w].id = w;
		if (pthread_create(&bp->threads[w], NULL, worker_main, &bp->workers[w]))
			return RFX_ERR_NOMEM;
		bp->n_started = w;
	}
	return RFX_OK;
}

/* ---------------------------------------------------------------- memory */

/* Buffers from 4 MB up (the caches: megabytes per segment, walked row by row in both directions)
 * on 2 MB pages, so the walks do not miss the TLB every few rows: asked for, for kernels whose
 * transparent huge pages are in "madvise" mode (with "always" they come anyway, with "never"
 * not at all). */
#define RFX_BPTT_HUGE (4u << 20)

static void *alloc_zeroed(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (bytes >= RFX_BPTT_HUGE) {
		void *p = NULL;
		if (posix_memalign(&p, 2u << 20, bytes))
			return NULL;
		madvise(p, bytes, MADV_HUGEPAGE); /* a hint: refused, the pages are small ones */
		memset(p, 0, bytes);
		return p;
	}
#endif
	return calloc(bytes, 1);
}

/* Every buffer comes from one counted allocator so rfx_bptt_memory_bytes is exact. */
static float *alloc_floats(RfxBptt *bp, size_t n, int *failed)
{
	if (n == 0)
		return NULL;
	bp->mem_bytes += n * sizeof(float);
	if (bp->count_only)
		return NULL;
	float *p = n <= SIZE_MAX / sizeof *p ? alloc_zeroed(n * sizeof *p) : NULL;
	if (!p)
		*failed = 1;
	return p;
}

static size_t tensor_offset(const RfxModel *m, const char *fmt, int l)
{
	char name[24];
	snprintf(name, sizeof name, fmt, l);
	const RfxTensor *t = rfx_model_tensor(m, name);
	return t ? t->offset : RFX_NO_TENSOR;
}

static RfxStatus layout(RfxBptt *bp)
{
	const RfxModel *m = bp->model;
	for (int l = 0; l < bp->L; l++) {
		RfxBpLayer *ly = &bp->layer[l];
		ly->n_in = l == 0 ? bp->I : bp->H;
		ly->off_wi = tensor_offset(m, "weight_ih_l%d", l);
		ly->off_wh = tensor_offset(m, "weight_hh_l%d", l);
		ly->off_bi = tensor_offset(m, "bias_ih_l%d", l);
		ly->off_bh = tensor_offset(m, "bias_hh_l%d", l);
		ly->off_h0 = tensor_offset(m, "h0_l%d", l);
		ly->off_c0 = tensor_offset(m, "c0_l%d", l);
		if (ly->off_wi == RFX_NO_TENSOR || ly->off_wh == RFX_NO_TENSOR ||
		    ly->off_bi == RFX_NO_TENSOR || ly->off_bh == RFX_NO_TENSOR)
			return RFX_ERR_TENSOR_MISSING;
		ly->train_h0 = m->spec.init[l] == RFX_INIT_TRAINED && ly->off_h0 != RFX_NO_TENSOR;
	}
	bp->off_hw = tensor_offset(m, "head.weight", 0);
	bp->off_hb = tensor_offset(m, "head.bias", 0);
	if (bp->off_hw == RFX_NO_TENSOR || bp->off_hb == RFX_NO_TENSOR)
		return RFX_ERR_TENSOR_MISSING;
	return RFX_OK;
}

static RfxStatus allocate(RfxBptt *bp)
{
	const size_t B = (size_t)bp->cfg.max_batch, Tm = (size_t)bp->Tm, H = (size_t)bp->H;
	const size_t GH = (size_t)bp->GH, np = bp->model->n_params;
	int failed = 0;
	bp->hs_stride = (Tm + 1) * H;
	bp->gc_stride = Tm * (size_t)bp->GS;
	for (int l = 0; l < bp->L; l++) {
		RfxBpLayer *ly = &bp->layer[l];
		ly->WiT = alloc_floats(bp, (size_t)ly->n_in * GH, &failed);
		ly->WhT = alloc_floats(bp, H * GH, &failed);
		ly->hs = alloc_floats(bp, B * bp->hs_stride, &failed);
		if (bp->cell == RFX_CELL_LSTM)
			ly->cs = alloc_floats(bp, B * bp->hs_stride, &failed);
		ly->gc = alloc_floats(bp, B * bp->gc_stride, &failed);
	}
	bp->state = alloc_floats(bp, B * 2 * (size_t)bp->L * H, &failed);
	bp->out = alloc_floats(bp, B * Tm * (size_t)bp->O, &failed);
	bp->dy = alloc_floats(bp, B * Tm * (size_t)bp->O, &failed);
	bp->grad = alloc_floats(bp, np, &failed);
	bp->n_chunks = (bp->cfg.max_batch + RFX_BPTT_CHUNK - 1) / RFX_BPTT_CHUNK;
	bp->cgrad = alloc_floats(bp, (size_t)bp->n_chunks * np, &failed);
	bp->scratch = calloc((size_t)bp->n_threads, sizeof *bp->scratch);
	if (!bp->scratch)
		return RFX_ERR_NOMEM;
	/* Small layers run the chunk's segments together, a pair of recurrent products at a time
	 * (bptt_kernels.h): their steps are short chains the FMA units would otherwise wait on. Wide
	 * layers have enough independent sums in one segment's products, and the group's scratch
	 * (group x T x GH floats, twice for GRU) would then be large: one segment at a time. */
	/* atb_acc's partial sums: 32 per row of the widest weight-gradient product (GH rows, or the
	 * head's O). */
	size_t wmax = GH > H ? GH : H;
	wmax = wmax > (size_t)bp->O ? wmax : (size_t)bp->O;
	const size_t G = (size_t)(bp->group = bp->H <= RFX_BPTT_GROUP_MAX_H ? RFX_BPTT_CHUNK : 1);
	for (int w = 0; w < bp->n_threads; w++) {
		RfxBpScratch *sc = &bp->scratch[w];
		sc->xp = alloc_floats(bp, G * Tm * GH, &failed);
		sc->dgh = bp->cell == RFX_CELL_GRU ? alloc_floats(bp, G * Tm * GH, &failed) : sc->xp;
		sc->dhin = alloc_floats(bp, G * Tm * H, &failed);
		sc->dh = alloc_floats(bp, G * H, &failed);
		sc->dc = alloc_floats(bp, G * H, &failed);
		sc->dnew = alloc_floats(bp, G * H, &failed);
		sc->tmp = alloc_floats(bp, 32 * wmax, &failed);
		sc->gates = alloc_floats(bp, G * GH, &failed);
	}
	return failed ? RFX_ERR_NOMEM : RFX_OK;
}

static RfxStatus check_config(const RfxModel *m, const RfxBpttConfig *c)
{
	if (c->max_batch < 1 || c->max_steps < 1 || c->n_threads < 0 ||
	    c->n_threads > RFX_BPTT_MAX_THREADS)
		return RFX_ERR_INVALID;
	if (m->spec.mode == RFX_MODE_CLASSIFIER)
		return c->loss.kind == RFX_LOSS_CE ? RFX_OK : RFX_ERR_INVALID;
	if (m->spec.mode == RFX_MODE_ONSET)
		return c->loss.kind == RFX_LOSS_BCE ? RFX_OK : RFX_ERR_INVALID;
	return c->loss.kind == RFX_LOSS_MSE || c->loss.kind == RFX_LOSS_ESR_DC ? RFX_OK
									       : RFX_ERR_INVALID;
}

/* The table's row for training (kernel_table.c: AVX2 + FMA when the CPU has them, or the one
 * RFX_BPTT_KERNEL names; "generic" is the portable one), chosen once per object. */
static void pick_kernels(RfxBptt *bp)
{
	const RfxKernel *k = rfx_kernel_pick(RFX_KERNEL_TRAINING);
	bp->seg_forward = k->bp_forward;
	bp->seg_backward = k->bp_backward;
	bp->kernel_name = k->name;
}

/* Sizes and tensor offsets from the model and config (checked by the caller). */
static RfxStatus setup(RfxBptt *bp, RfxModel *model, const RfxBpttConfig *cfg)
{
	const RfxModelSpec *s = &model->spec;
	bp->model = model;
	bp->cfg = *cfg;
	bp->n_threads = cfg->n_threads ? cfg->n_threads : 1;
	bp->cell = s->cell;
	bp->L = s->n_layers;
	bp->I = s->n_inputs;
	bp->H = s->hidden;
	bp->G = rfx_cell_gates(s->cell);
	bp->GH = bp->G * bp->H;
	bp->GS = s->cell == RFX_CELL_GRU ? 4 * bp->H : s->cell == RFX_CELL_LSTM ? 5 * bp->H : 0;
	bp->O = s->n_outputs;
	bp->skip = s->mode == RFX_MODE_EFFECT && s->skip;
	bp->Tm = cfg->max_steps;
	return layout(bp);
}

static RfxStatus check_all(const RfxModel *model, const RfxBpttConfig *cfg)
{
	if (!model || !cfg || !model->params)
		return RFX_ERR_INVALID;
	RfxStatus st = rfx_model_spec_check(&model->spec, NULL, 0);
	return st == RFX_OK ? check_config(model, cfg) : st;
}

size_t rfx_bptt_memory_needed(const RfxModel *model, const RfxBpttConfig *cfg)
{
	if (check_all(model, cfg) != RFX_OK)
		return 0;
	RfxBptt *bp = calloc(1, sizeof *bp);
	if (!bp)
		return 0;
	bp->count_only = 1;
	size_t bytes = 0;
	/* setup() only reads the model; the cast is for the shared struct field. */
	if (setup(bp, (RfxModel *)model, cfg) == RFX_OK && allocate(bp) == RFX_OK)
		bytes = bp->mem_bytes;
	free(bp->scratch);
	free(bp);
	return bytes;
}

RfxStatus rfx_bptt_create(RfxModel *model, const RfxBpttConfig *cfg, RfxBptt **out)
{
	if (!out)
		return RFX_ERR_INVALID;
	*out = NULL;
	RfxStatus st = check_all(model, cfg);
	if (st != RFX_OK)
		return st;
	RfxBpttObj *o = calloc(1, sizeof *o);
	if (!o)
		return RFX_ERR_NOMEM;
	RfxBptt *bp = &o->bp;
	pick_kernels(bp);
	st = setup(bp, model, cfg);
	if (st == RFX_OK)
		st = allocate(bp);
	if (st == RFX_OK)
		st = start_pool(bp);
	if (st != RFX_OK) {
		rfx_bptt_destroy(bp);
		return st;
	}
	rfx_bptt_reset_state(bp);
	*out = bp;
	return RFX_OK;
}

void rfx_bptt_destroy(RfxBptt *bp)
{
	if (!bp)
		return;
	if (bp->n_started > 0) {
		pthread_mutex_lock(&bp->mu);
		bp->quit = 1;
		pthread_cond_broadcast(&bp->start_cv);
		pthread_mutex_unlock(&bp->mu);
		for (int w = 1; w <= bp->n_started; w++)
			pthread_join(bp->threads[w], NULL);
	}
	if (bp->pool_ready) {
		pthread_mutex_destroy(&bp->mu);
		pthread_cond_destroy(&bp->start_cv);
		pthread_cond_destroy(&bp->done_cv);
	}
	for (int l = 0; l < bp->L; l++) {
		RfxBpLayer *ly = &bp->layer[l];
		free(ly->WiT);
		free(ly->WhT);
		free(ly->hs);
		free(ly->cs);
		free(ly->gc);
	}
	if (bp->scratch)
		for (int w = 0; w < bp->n_threads; w++) {
			RfxBpScratch *sc = &bp->scratch[w];
			if (sc->dgh != sc->xp)
				free(sc->dgh);
			free(sc->xp);
			free(sc->dhin);
			free(sc->dh);
			free(sc->dc);
			free(sc->dnew);
			free(sc->tmp);
			free(sc->gates);
		}
	free(bp->scratch);
	free(bp->state);
	free(bp->out);
	free(bp->dy);
	free(bp->grad);
	free(bp->cgrad);
	free(bp);
}

size_t rfx_bptt_memory_bytes(const RfxBptt *bp)
{
	return bp ? bp->mem_bytes : 0;
}

/* ---------------------------------------------------------------- state and weights */

void rfx_bptt_reset_state(RfxBptt *bp)
{
	const int H = bp->H, L = bp->L;
	const float *p = bp->model->params;
	for (int b = 0; b < bp->cfg.max_batch; b++) {
		float *st = bp->state + (size_t)b * 2 * L * H;
		memset(st, 0, sizeof *st * 2 * (size_t)L * H);
		for (int l = 0; l < L; l++) {
			const RfxBpLayer *ly = &bp->layer[l];
			if (ly->off_h0 != RFX_NO_TENSOR)
				memcpy(st + (size_t)l * H, p + ly->off_h0, sizeof *st * (size_t)H);
			if (ly->off_c0 != RFX_NO_TENSOR)
				memcpy(st + (size_t)(L + l) * H, p + ly->off_c0, sizeof *st * (size_t)H);
		}
	}
	bp->from_init = 1;
}

const float *rfx_bptt_state(const RfxBptt *bp, int b, size_t *n_floats)
{
	if (!bp || b < 0 || b >= bp->cfg.max_batch)
		return NULL;
	const size_t n = 2 * (size_t)bp->L * bp->H;
	if (n_floats)
		*n_floats = bp->cell == RFX_CELL_LSTM ? n : n / 2;
	return bp->state + (size_t)b * n;
}

/* Transposes W_ih, W_hh ([GH][K] -> [K][GH]) so the forward's inner loop runs over gates. */
static void pack_weights(RfxBptt *bp)
{
	const float *p = bp->model->params;
	const int GH = bp->GH, H = bp->H;
	for (int l = 0; l < bp->L; l++) {
		RfxBpLayer *ly = &bp->layer[l];
		const float *wi = p + ly->off_wi, *wh = p + ly->off_wh;
		for (int g = 0; g < GH; g++) {
			for (int k = 0; k < ly->n_in; k++)
				ly->WiT[(size_t)k * GH + g] = wi[(size_t)g * ly->n_in + k];
			for (int k = 0; k < H; k++)
				ly->WhT[(size_t)k * GH + g] = wh[(size_t)g * H + k];
		}
	}
}

/* ---------------------------------------------------------------- calls */

static int batch_ok(const RfxBptt *bp, const RfxBpttBatch *b)
{
	if (!b || !b->x || b->B < 1 || b->B > bp->cfg.max_batch || b->T < 1)
		return 0;
	return !b->x_stride || b->x_stride >= (size_t)b->T * bp->I;
}

RfxStatus rfx_bptt_forward(RfxBptt *bp, const RfxBpttBatch *batch, float *y, size_t y_stride)
{
	if (!bp || !batch_ok(bp, batch))
		return RFX_ERR_INVALID;
	RfxBpttObj *o = obj_of(bp);
	o->cancelled = 0;
	const int O = bp->O;
	pack_weights(bp);
	bp->job = batch;
	bp->job_B = batch->B;
	bp->job_backward = 0;
	/* Without y the outputs still need somewhere to go: the out buffer, one block at a time. */
	bp->job_y = y ? y : bp->out;
	bp->job_y_stride = y ? (y_stride ? y_stride : (size_t)batch->T * O) : (size_t)bp->Tm * O;
	for (int t0 = 0; t0 < batch->T; t0 += bp->Tm) {
		if (rfx_bp_cancel_poll(bp)) {
			o->cancelled = 1;
			break;
		}
		bp->job_T = batch->T - t0 < bp->Tm ? batch->T - t0 : bp->Tm;
		bp->job_x_t0 = (size_t)t0;
		bp->job_y_t0 = y ? (size_t)t0 : 0;
		run_phase(bp);
		bp->from_init = 0;
	}
	/* A flag raised during the last block may have cut a segment short. */
	o->cancelled |= rfx_bp_cancel_poll(bp);
	return RFX_OK;
}

RfxStatus rfx_bptt_train(RfxBptt *bp, const RfxBpttBatch *batch, double *loss)
{
	if (!bp || !batch_ok(bp, batch) || batch->T > bp->Tm || batch->warmup < 0 ||
	    batch->warmup >= batch->T)
		return RFX_ERR_INVALID;
	if (bp->cfg.loss.kind == RFX_LOSS_CE ? !batch->label : !batch->target)
		return RFX_ERR_INVALID;
	RfxBpttObj *o = obj_of(bp);
	o->cancelled = 0;
	if (rfx_bp_cancel_poll(bp)) {
		o->cancelled = 1;
		if (loss)
			*loss = NAN;
		return RFX_OK;
	}
	const int O = bp->O, B = batch->B, T = batch->T;
	const size_t np = bp->model->n_params;
	pack_weights(bp);
	bp->job = batch;
	bp->job_B = B;
	bp->job_T = T;
	bp->job_x_t0 = 0;
	bp->job_y_t0 = 0;
	bp->job_y = bp->out;
	bp->job_y_stride = (size_t)T * O;
	bp->job_backward = 0;
	run_phase(bp);
	if (rfx_bp_cancel_poll(bp)) {
		o->cancelled = 1;
		bp->from_init = 0;
		if (loss)
			*loss = NAN;
		return RFX_OK;
	}

	/* The loss needs the whole batch (ESR divides by the batch's energy), so it runs here,
	 * between the two parallel phases. */
	RfxLossBatch lb = { B, T, O, batch->warmup, bp->out, (size_t)T * O, batch->target,
			    batch->t_stride, batch->label, batch->l_stride };
	double l = 0;
	RfxStatus st = rfx_loss_compute(&bp->cfg.loss, &lb, &l, bp->dy);
	if (st != RFX_OK) {
		bp->from_init = 0;
		return st;
	}
	bp->job_backward = 1;
	run_phase(bp);
	bp->from_init = 0;
	if (rfx_bp_cancel_poll(bp)) { /* some chunk may have stopped part-way: add nothing */
		o->cancelled = 1;
		if (loss)
			*loss = NAN;
		return RFX_OK;
	}

	/* Chunk buffers are added in chunk order: the sum does not depend on the thread count. */
	const int n_chunks = (B + RFX_BPTT_CHUNK - 1) / RFX_BPTT_CHUNK;
	for (int ch = 0; ch < n_chunks; ch++) {
		const float *cg = bp->cgrad + (size_t)ch * np;
		for (size_t i = 0; i < np; i++)
			bp->grad[i] += cg[i];
	}
	if (loss)
		*loss = l;
	return RFX_OK;
}

void rfx_bptt_set_cancel(RfxBptt *bp, const atomic_int *flag)
{
	if (bp)
		obj_of(bp)->cancel = flag;
}

int rfx_bptt_cancelled(const RfxBptt *bp)
{
	return bp ? ((const RfxBpttObj *)(const void *)bp)->cancelled : 0;
}

const char *rfx_bptt_kernel_name(const RfxBptt *bp)
{
	return bp ? bp->kernel_name : "generic";
}

const float *rfx_bptt_outputs(const RfxBptt *bp)
{
	return bp ? bp->out : NULL;
}

float *rfx_bptt_grad(RfxBptt *bp)
{
	return bp ? bp->grad : NULL;
}

void rfx_bptt_zero_grad(RfxBptt *bp)
{
	if (bp)
		memset(bp->grad, 0, sizeof *bp->grad * bp->model->n_params);
}
