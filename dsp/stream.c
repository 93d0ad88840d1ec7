/* rnnfx — stream set-up: sizing, packing the weights, state handling, kernel choice.
 * The per-sample loop itself is in kernel_impl.h. */
#include "stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bf16.h"
#include "kernel_table.h"
#include "denormals.h"
#include "stream_impl.h"


static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Hands out 64-byte aligned float arrays from one block; with base == NULL it only counts, so the
 * same code sizes and builds the stream and the two cannot disagree. */
typedef struct {
	char *base;
	size_t used;
} Carver;

static float *carve(Carver *cv, size_t n_floats)
{
	float *p = cv->base ? (float *)(cv->base + cv->used) : NULL;
	cv->used += round_up(n_floats * sizeof(float), RFX_STREAM_ALIGN);
	return p;
}

/* The stream's width: the model's H, or H rounded up to a multiple of 8 where this CPU's kernel has
 * specialised loops (kernel_avx2_fx.c: H a multiple of 8 up to 64), so that GRU 12 or LSTM 20 run
 * them rather than the general loop. The added units have zero weights, biases and initial state,
 * and stay exactly 0 in every cell (their gates are all 1/2 and their candidate tanh(0) = 0, so
 * h = z h + (1 - z) 0 = 0, c = f c + i 0 = 0); they add exact zeros to every sum, so the model's
 * units compute what they would without them. */
static int stream_width(const RfxModelSpec *s)
{
	const int H = s->hidden;
	if (H <= 8 || H >= 64 || H % 8 == 0 || !rfx_kernel_pick(RFX_KERNEL_STREAM)->special)
		return H;
	return (H + 7) / 8 * 8;
}

/* Lays out a stream for `m` in cv; fills st when cv->base is set. */
static void lay_out(Carver *cv, const RfxModel *m, RfxStream *st)
{
	const RfxModelSpec *s = &m->spec;
	const int H = stream_width(s), G = rfx_cell_gates(s->cell);
	const size_t GHp = round_up((size_t)G * H, RFX_PACK);
	const int has_c = s->cell == RFX_CELL_LSTM;
	RfxStream dummy;
	if (!st)
		st = &dummy;
	cv->used = round_up(sizeof(RfxStream), RFX_STREAM_ALIGN);
	/* State first and contiguous: h of every layer, then c of every layer. */
	st->state_floats = (size_t)s->n_layers * H * (has_c ? 2 : 1);
	st->state = carve(cv, st->state_floats);
	for (int l = 0; l < s->n_layers; l++) {
		RfxPackedLayer *ly = &st->layer[l];
		ly->n_in = l == 0 ? s->n_inputs : H;
		ly->h = st->state ? st->state + (size_t)l * H : NULL;
		ly->c = (st->state && has_c) ? st->state + (size_t)(s->n_layers + l) * H : NULL;
		ly->Wi = carve(cv, (size_t)ly->n_in * GHp);
		ly->Wh = carve(cv, (size_t)H * GHp);
		/* bf16 pairs (dsp/bf16.h): uint32 words, the size of floats */
		ly->Whc = m->weight_storage == RFX_WEIGHTS_BF16
				  ? (uint32_t *)carve(cv, (size_t)(H + 1) / 2 * GHp)
				  : NULL;
		ly->bi = carve(cv, GHp);
		ly->bh = carve(cv, GHp);
		ly->h0 = carve(cv, H);
		ly->c0 = has_c ? carve(cv, H) : NULL;
	}
	st->head_w = carve(cv, (size_t)s->n_outputs * H);
	st->head_b = carve(cv, s->n_outputs);
	const size_t Op = round_up((size_t)s->n_outputs, 8);
	st->head_wt = s->mode != RFX_MODE_EFFECT ? carve(cv, (size_t)H * Op) : NULL;
	st->head_bt = s->mode != RFX_MODE_EFFECT ? carve(cv, Op) : NULL;
	st->gi = carve(cv, GHp);
	st->gh = carve(cv, GHp);
	st->logits = carve(cv, s->n_outputs);
	/* stacks: a chunk's states and products; classifiers: its states (stream_impl.h) */
	st->seq = s->n_layers > 1 ? carve(cv, (size_t)RFX_SEQ_CHUNK * (H + GHp))
		: s->mode != RFX_MODE_EFFECT ? carve(cv, (size_t)RFX_SEQ_CHUNK * H) : NULL;
	st->GHp = (int)GHp;
}

size_t rfx_stream_get_size(const RfxModel *m)
{
	if (!m || rfx_model_spec_check(&m->spec, NULL, 0) != RFX_OK)
		return 0;
	Carver cv = { NULL, 0 };
	lay_out(&cv, m, NULL);
	return cv.used;
}

/* weight [rows = G*H][cols] row-major  ->  Wt [rows_out][GHp], zero-padded: gate g's unit j goes to
 * column g*Hs + j (Hs: the stream's width, >= H), input k to row k (rows_out >= cols). */
static void pack_transposed(float *Wt, const RfxTensor *t, int GHp, int H, int Hs, int rows_out)
{
	memset(Wt, 0, (size_t)rows_out * GHp * sizeof *Wt);
	for (int r = 0; r < t->rows; r++)
		for (int k = 0; k < t->cols; k++)
			Wt[(size_t)k * GHp + r / H * Hs + r % H] = t->data[(size_t)r * t->cols + k];
}

/* bias [G*H]  ->  [GHp], gate g's unit j at g*Hs + j, the rest zero. */
static void pack_gates(float *dst, const RfxTensor *t, int GHp, int H, int Hs)
{
	memset(dst, 0, (size_t)GHp * sizeof *dst);
	for (int r = 0; r < t->rows * t->cols; r++)
		dst[r / H * Hs + r % H] = t->data[r];
}

static void pack_vector(float *dst, const RfxTensor *t, size_t n)
{
	memset(dst, 0, n * sizeof *dst);
	if (t)
		memcpy(dst, t->data, (size_t)t->rows * t->cols * sizeof *dst);
}

static const RfxTensor *tensor_l(const RfxModel *m, const char *stem, int l)
{
	char name[24];
	snprintf(name, sizeof name, "%s_l%d", stem, l);
	return rfx_model_tensor(m, name);
}

/* The kernel: the table's row for streams (kernel_table.c: the best this CPU runs, or the one
 * RFX_KERNEL names), then the row's specialised loop for this shape when it has one. Both give the
 * same results up to float rounding, and a stream always uses the same one, so its output never
 * depends on block sizes. Chosen once, here. */
static void pick_kernel(RfxStream *st)
{
	const RfxKernel *k = rfx_kernel_pick(RFX_KERNEL_STREAM);
	RfxProcessFn special = k->special ? k->special(st) : NULL;
	st->process = special ? special : k->process;
	st->process_pair = special && k->pair ? k->pair(st) : NULL;
	st->kernel_name = k->name;
}

/* FNV-1a, 64 bits, over n bytes. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3u;
	return h;
}

/* What two streams must share to run as a pair: every weight the step reads (packed, so padding
 * included), the head, the skip flag and the shape. Computed once at init so the pairing check in
 * rfx_stream_process_pair is O(1); 64 bits make an accidental match between different models a
 * 2^-64 event. */
static uint64_t weights_fingerprint(const RfxStream *st)
{
	const int shape[] = { st->cell, st->mode, st->n_layers, st->n_inputs, st->H, st->O, st->skip,
			      st->has_frontend, st->fe.hop, st->layer[0].Whc != NULL };
	uint64_t h = fnv1a(0xcbf29ce484222325u, shape, sizeof shape);
	for (int l = 0; l < st->n_layers; l++) {
		const RfxPackedLayer *ly = &st->layer[l];
		h = fnv1a(h, ly->Wi, (size_t)ly->n_in * st->GHp * sizeof(float));
		h = fnv1a(h, ly->Wh, (size_t)st->H * st->GHp * sizeof(float));
		h = fnv1a(h, ly->bi, (size_t)st->GHp * sizeof(float));
		h = fnv1a(h, ly->bh, (size_t)st->GHp * sizeof(float));
	}
	h = fnv1a(h, st->head_w, (size_t)st->O * st->H * sizeof(float));
	return fnv1a(h, st->head_b, (size_t)st->O * sizeof(float));
}

RfxStatus rfx_stream_init(void *mem, size_t size, const RfxModel *m, RfxStream **out)
{
	if (!mem || !m || !out || ((uintptr_t)mem % RFX_STREAM_ALIGN) != 0)
		return RFX_ERR_INVALID;
	const size_t need = rfx_stream_get_size(m);
	if (need == 0 || size < need)
		return RFX_ERR_INVALID;
	memset(mem, 0, need);
	RfxStream *st = mem;
	const RfxModelSpec *s = &m->spec;
	st->cell = s->cell;
	st->mode = s->mode;
	st->n_layers = s->n_layers;
	st->n_inputs = s->n_inputs;
	st->H = stream_width(s);
	st->G = rfx_cell_gates(s->cell);
	st->O = s->n_outputs;
	st->skip = s->mode == RFX_MODE_EFFECT && s->skip;
	st->has_frontend = s->frontend.bands > 0;
	if (st->has_frontend)
		rfx_frontend_init(&st->fe, &s->frontend, s->sample_rate);
	Carver cv = { mem, 0 };
	lay_out(&cv, m, st);
	for (int l = 0; l < s->n_layers; l++) {
		RfxPackedLayer *ly = &st->layer[l];
		const RfxTensor *wi = tensor_l(m, "weight_ih", l), *wh = tensor_l(m, "weight_hh", l);
		const RfxTensor *bi = tensor_l(m, "bias_ih", l), *bh = tensor_l(m, "bias_hh", l);
		if (!wi || !wh || !bi || !bh)
			return RFX_ERR_TENSOR_MISSING;
		const int H = s->hidden, Hs = st->H;
		pack_transposed(ly->Wi, wi, st->GHp, H, Hs, ly->n_in);
		pack_transposed(ly->Wh, wh, st->GHp, H, Hs, Hs);
		if (ly->Whc) /* Wh then holds the rounded values, for the kernels that read floats */
			rfx_bf16_pack_rows(ly->Wh, ly->Whc, Hs, st->GHp);
		pack_gates(ly->bi, bi, st->GHp, H, Hs);
		pack_gates(ly->bh, bh, st->GHp, H, Hs);
		pack_vector(ly->h0, tensor_l(m, "h0", l), st->H);
		if (ly->c0)
			pack_vector(ly->c0, tensor_l(m, "c0", l), st->H);
	}
	const RfxTensor *hw = rfx_model_tensor(m, "head.weight"), *hb = rfx_model_tensor(m, "head.bias");
	if (!hw || !hb)
		return RFX_ERR_TENSOR_MISSING;
	for (int o = 0; o < st->O; o++) /* rows of the model's H, zero past it */
		memcpy(st->head_w + (size_t)o * st->H, hw->data + (size_t)o * s->hidden,
		       (size_t)s->hidden * sizeof(float));
	memcpy(st->head_b, hb->data, (size_t)st->O * sizeof(float));
	if (st->head_wt) { /* the transposed copy (stream_impl.h) */
		const int Op = (st->O + 7) / 8 * 8;
		for (int o = 0; o < Op; o++) {
			st->head_bt[o] = o < st->O ? st->head_b[o] : -1e30f;
			for (int k = 0; k < st->H; k++)
				st->head_wt[(size_t)k * Op + o] = o < st->O ? st->head_w[(size_t)o * st->H + k] : 0.0f;
		}
	}
	pick_kernel(st);
	st->weights_id = weights_fingerprint(st);
	rfx_stream_reset(st);
	*out = st;
	return RFX_OK;
}

RfxStatus rfx_stream_create(const RfxModel *m, RfxStream **out)
{
	if (!out)
		return RFX_ERR_INVALID;
	*out = NULL;
	const size_t size = rfx_stream_get_size(m);
	if (!size)
		return RFX_ERR_INVALID;
	void *mem = aligned_alloc(RFX_STREAM_ALIGN, round_up(size, RFX_STREAM_ALIGN));
	if (!mem)
		return RFX_ERR_NOMEM;
	RfxStatus st = rfx_stream_init(mem, size, m, out);
	if (st != RFX_OK)
		free(mem);
	return st;
}

void rfx_stream_destroy(RfxStream *st)
{
	free(st); /* the stream is the first thing in its own block */
}

void rfx_stream_reset_state(RfxStream *st)
{
	for (int l = 0; l < st->n_layers; l++) {
		RfxPackedLayer *ly = &st->layer[l];
		memcpy(ly->h, ly->h0, (size_t)st->H * sizeof(float));
		if (ly->c)
			memcpy(ly->c, ly->c0, (size_t)st->H * sizeof(float));
	}
	if (st->has_frontend)
		rfx_frontend_reset(&st->fe);
	memset(st->held, 0, sizeof st->held);
}

void rfx_stream_reset(RfxStream *st)
{
	if (!st)
		return;
	rfx_stream_reset_state(st);
	st->nonfinite = 0;
	st->x[0] = 0.0f;
}

void rfx_stream_copy_state(RfxStream *dst, const RfxStream *src)
{
	if (!dst || !src || dst->state_floats != src->state_floats)
		return;
	memcpy(dst->state, src->state, src->state_floats * sizeof(float));
	memcpy(dst->x, src->x, sizeof dst->x);
	if (dst->has_frontend && src->has_frontend && dst->fe.B == src->fe.B &&
	    dst->fe.hop == src->fe.hop) {
		dst->fe = src->fe;
		memcpy(dst->held, src->held, sizeof dst->held);
	}
}

void rfx_stream_process(RfxStream *st, const float *in, float *out, uint32_t n)
{
	if (!st || !n || !in || !out)
		return;
	const RfxFpMode fp = rfx_ftz_begin(); /* for this call only (dsp/denormals.h) */
	st->process(st, in, out, n);
	rfx_ftz_end(fp);
}

void rfx_stream_process_pair(RfxStream *a, RfxStream *b, const float *in_a, const float *in_b,
			     float *out_a, float *out_b, uint32_t n)
{
	if (!rfx_stream_pairs(a, b) || !n || !in_a || !in_b || !out_a || !out_b) {
		rfx_stream_process(a, in_a, out_a, n);
		rfx_stream_process(b, in_b, out_b, n);
		return;
	}
	const RfxFpMode fp = rfx_ftz_begin();
	a->process_pair(a, b, in_a, in_b, out_a, out_b, n);
	rfx_ftz_end(fp);
}

int rfx_stream_pairs(const RfxStream *a, const RfxStream *b)
{
	/* The paired loops take the conditioning inputs once for both (kernel_avx2_fx.c). */
	return a && b && a != b && a->process_pair && a->process_pair == b->process_pair &&
	       a->weights_id == b->weights_id &&
	       !memcmp(a->x + 1, b->x + 1, (size_t)(a->n_inputs - 1) * sizeof a->x[0]);
}

void rfx_stream_set_input(RfxStream *st, int index, float value)
{
	if (st && index >= 1 && index < st->n_inputs && isfinite(value))
		st->x[index] = value;
}

int rfx_stream_n_outputs(const RfxStream *st)
{
	return st ? st->O : 0;
}

uint32_t rfx_stream_nonfinite_count(const RfxStream *st)
{
	return st ? st->nonfinite : 0;
}

const float *rfx_stream_state(const RfxStream *st, size_t *n_floats)
{
	if (n_floats)
		*n_floats = st ? st->state_floats : 0;
	return st ? st->state : NULL;
}

const char *rfx_stream_kernel_name(const RfxStream *st)
{
	return st ? st->kernel_name : NULL;
}
