/* rnnfx — a model stream at any host sample rate (see rate.h for the contract). */
#include "rate.h"

#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

/* Host samples per inner pass: bounds the scratch buffers whatever n the host asks for. */
#define CHUNK 256
/* Host samples fed one at a time at create to find the deepest FIFO deficit (see find_latency). */
#define PROBE_SAMPLES 8192

struct RfxRateStream {
	RfxStream *stream;
	double host_rate, model_rate;
	int resampling;
	int n_outputs;
	double ratio_down, ratio_up; /* libsamplerate's output/input: Fm/Fh and Fh/Fm */
	SRC_STATE *down, *up;
	uint32_t latency;
	float x[CHUNK];              /* sanitized host input of one pass */
	float *m, *y;                /* model-rate input and output, m_cap each */
	size_t m_cap;
	float *fifo;                 /* host-rate output waiting to be read: [rd, wr) */
	size_t fifo_cap, rd, wr;
	uint32_t nonfinite, faults;
};

static int src_type(RfxRateQuality q)
{
	switch (q) {
	case RFX_RATE_QUALITY_FAST: return SRC_SINC_FASTEST;
	case RFX_RATE_QUALITY_MEDIUM: return SRC_SINC_MEDIUM_QUALITY;
	case RFX_RATE_QUALITY_BEST: return SRC_SINC_BEST_QUALITY;
	case RFX_RATE_QUALITY_COUNT: break;
	}
	return -1;
}

/* Pushes g model-rate samples through the up-converter into the FIFO. The FIFO is sized so it
 * cannot fill up; if it did anyway, what does not fit is dropped and counted, never overrun. */
static void push_up(RfxRateStream *rs, const float *y, long g)
{
	SRC_DATA d = {0};
	d.data_in = y;
	d.input_frames = g;
	d.src_ratio = rs->ratio_up;
	for (int guard = 0; guard < 64; ++guard) {
		d.data_out = rs->fifo + rs->wr;
		d.output_frames = (long)(rs->fifo_cap - rs->wr);
		if (d.output_frames == 0 || src_process(rs->up, &d) != 0) {
			rs->faults++;
			return;
		}
		rs->wr += (size_t)d.output_frames_gen;
		d.data_in += d.input_frames_used;
		d.input_frames -= d.input_frames_used;
		/* Done when all input is taken and the converter stopped for want of input, not room. */
		if (d.input_frames == 0 && d.output_frames_gen < d.output_frames)
			return;
	}
	rs->faults++;
}

/* Feeds k sanitized host samples (rs->x) down to the model rate, through the model, and up again
 * into the FIFO. */
static void feed(RfxRateStream *rs, uint32_t k)
{
	SRC_DATA d = {0};
	d.data_in = rs->x;
	d.input_frames = k;
	d.src_ratio = rs->ratio_down;
	for (int guard = 0; guard < 64; ++guard) {
		d.data_out = rs->m;
		d.output_frames = (long)rs->m_cap;
		if (src_process(rs->down, &d) != 0) {
			rs->faults++;
			return;
		}
		if (d.output_frames_gen > 0) {
			rfx_stream_process(rs->stream, rs->m, rs->y, (uint32_t)d.output_frames_gen);
			push_up(rs, rs->y, d.output_frames_gen);
		}
		d.data_in += d.input_frames_used;
		d.input_frames -= d.input_frames_used;
		if (d.input_frames == 0 && d.output_frames_gen < d.output_frames)
			return;
	}
	rs->faults++;
}

static void fifo_prime(RfxRateStream *rs)
{
	memset(rs->fifo, 0, rs->latency * sizeof(float));
	rs->rd = 0;
	rs->wr = rs->latency;
}

/* The FIFO must hold, before each read, as many samples as are read. After N host samples the
 * converters have returned U(N) host samples, a function of N alone (they return everything they
 * can once the input is taken), so the deficit N - U(N) over N = 1.. is the whole story. Its
 * shape repeats with the rate ratio's period; PROBE_SAMPLES one-sample feeds see it settle, and
 * the margin covers the phases a long-period ratio has not shown yet: one model sample is worth
 * up to ceil(Fh/Fm) host samples. Leaves the converters reset. */
static uint32_t find_latency(RfxRateStream *rs)
{
	long deficit_max = 0, returned = 0;
	rs->rd = rs->wr = 0;
	for (long N = 1; N <= PROBE_SAMPLES; ++N) {
		rs->x[0] = 0.0f;
		feed(rs, 1);
		returned += (long)rs->wr;
		rs->rd = rs->wr = 0; /* only the count matters */
		if (N - returned > deficit_max)
			deficit_max = N - returned;
	}
	src_reset(rs->down);
	src_reset(rs->up);
	rfx_stream_reset(rs->stream);
	return (uint32_t)deficit_max + 1u + (uint32_t)ceil(rs->ratio_up);
}

static RfxStatus check_args(RfxDiag *d, const RfxModel *model, double host_rate,
			    RfxRateQuality quality)
{
	if (!model || !(host_rate > 0.0) || !isfinite(host_rate) || src_type(quality) < 0)
		return rfx_diag_set(d, RFX_ERR_INVALID, "bad argument (host rate %g Hz, quality %d)",
				    host_rate, (int)quality);
	double fm = model->spec.sample_rate;
	if (!(fm > 0.0) || !isfinite(fm))
		return rfx_diag_set(d, RFX_ERR_INVALID, "the model's sample rate %g Hz is not usable "
				    "(host %g Hz)", fm, host_rate);
	if (fabs(host_rate - fm) <= RFX_RATE_SAME_HZ)
		return RFX_OK;
	if (host_rate / fm > RFX_RATE_MAX_RATIO || fm / host_rate > RFX_RATE_MAX_RATIO)
		return rfx_diag_set(d, RFX_ERR_INVALID, "host rate %g Hz and model rate %g Hz are too "
				    "far apart to resample", host_rate, fm);
	if (model->spec.mode != RFX_MODE_EFFECT)
		return rfx_diag_set(d, RFX_ERR_INVALID, "a classifier runs only at its own rate (%g Hz), "
				    "not at %g Hz: its class probabilities are not resampled", fm,
				    host_rate);
	return RFX_OK;
}

/* Allocates the converters and buffers of a resampling stream (rs->stream already built). */
static RfxStatus setup_resampling(RfxRateStream *rs, RfxRateQuality quality)
{
	int err = 0;
	rs->ratio_down = rs->model_rate / rs->host_rate;
	rs->ratio_up = rs->host_rate / rs->model_rate;
	rs->down = src_new(src_type(quality), 1, &err);
	rs->up = rs->down ? src_new(src_type(quality), 1, &err) : NULL;
	/* One pass of CHUNK host samples yields at most CHUNK * Fm/Fh model samples, plus rounding;
	 * the feed loop copes with less room anyway. */
	rs->m_cap = (size_t)ceil(CHUNK * rs->ratio_down) + 8;
	rs->m = malloc(rs->m_cap * sizeof(float));
	rs->y = malloc(rs->m_cap * sizeof(float));
	if (!rs->down || !rs->up || !rs->m || !rs->y)
		return RFX_ERR_NOMEM;
	/* The probe needs room for one feed; the real FIFO is sized once the latency is known. */
	rs->fifo_cap = 2 * (size_t)ceil(rs->ratio_up) + 64;
	rs->fifo = malloc(rs->fifo_cap * sizeof(float));
	if (!rs->fifo)
		return RFX_ERR_NOMEM;
	rs->latency = find_latency(rs);
	/* Before a pass the FIFO holds at most `latency` samples plus what the converters returned
	 * ahead of what was read (less than one model sample's worth); a pass adds at most
	 * CHUNK + ceil(Fh/Fm) + 1. */
	free(rs->fifo);
	rs->fifo_cap = rs->latency + CHUNK + 2 * ((size_t)ceil(rs->ratio_up) + 8);
	rs->fifo = malloc(rs->fifo_cap * sizeof(float));
	if (!rs->fifo)
		return RFX_ERR_NOMEM;
	rs->faults = 0;
	fifo_prime(rs);
	return RFX_OK;
}

RfxStatus rfx_rate_create(const RfxModel *model, double host_rate, RfxRateQuality quality,
			  RfxRateStream **out, char *detail, size_t detail_size)
{
	RfxDiag d = { detail, detail_size };
	rfx_diag_clear(&d);
	if (!out)
		return RFX_ERR_INVALID;
	*out = NULL;
	RfxStatus st = check_args(&d, model, host_rate, quality);
	if (st != RFX_OK)
		return st;
	RfxRateStream *rs = calloc(1, sizeof *rs);
	if (!rs)
		return RFX_ERR_NOMEM;
	rs->host_rate = host_rate;
	rs->model_rate = model->spec.sample_rate;
	rs->resampling = fabs(host_rate - rs->model_rate) > RFX_RATE_SAME_HZ;
	st = rfx_stream_create(model, &rs->stream);
	if (st == RFX_OK) {
		rs->n_outputs = rfx_stream_n_outputs(rs->stream);
		if (rs->resampling)
			st = setup_resampling(rs, quality);
	}
	if (st != RFX_OK) {
		rfx_diag_set(&d, st, "the rate stream could not be set up: %s", rfx_strerror(st));
		rfx_rate_destroy(rs);
		return st;
	}
	*out = rs;
	return RFX_OK;
}

void rfx_rate_destroy(RfxRateStream *rs)
{
	if (!rs)
		return;
	if (rs->down)
		src_delete(rs->down);
	if (rs->up)
		src_delete(rs->up);
	rfx_stream_destroy(rs->stream);
	free(rs->m);
	free(rs->y);
	free(rs->fifo);
	free(rs);
}

void rfx_rate_reset(RfxRateStream *rs)
{
	rfx_stream_reset(rs->stream);
	if (!rs->resampling)
		return;
	src_reset(rs->down);
	src_reset(rs->up);
	fifo_prime(rs);
}

void rfx_rate_process_pair(RfxRateStream *a, RfxRateStream *b, const float *in_a, const float *in_b,
			   float *out_a, float *out_b, uint32_t n)
{
	if (!a->resampling && !b->resampling) {
		rfx_stream_process_pair(a->stream, b->stream, in_a, in_b, out_a, out_b, n);
		return;
	}
	rfx_rate_process(a, in_a, out_a, n);
	rfx_rate_process(b, in_b, out_b, n);
}

void rfx_rate_process(RfxRateStream *rs, const float *in, float *out, uint32_t n)
{
	if (!rs->resampling) {
		rfx_stream_process(rs->stream, in, out, n);
		return;
	}
	for (uint32_t off = 0; off < n;) {
		const uint32_t k = n - off < CHUNK ? n - off : CHUNK;
		/* Sanitize before the converter: a NaN in its history would poison a whole filter
		 * length of output, and an Inf every output after it. */
		for (uint32_t i = 0; i < k; ++i) {
			const float v = in[off + i];
			if (isfinite(v)) {
				rs->x[i] = v;
			} else {
				rs->x[i] = 0.0f;
				rs->nonfinite++;
			}
		}
		if (rs->rd > 0) { /* keep the unread samples at the front: room for this pass */
			memmove(rs->fifo, rs->fifo + rs->rd, (rs->wr - rs->rd) * sizeof(float));
			rs->wr -= rs->rd;
			rs->rd = 0;
		}
		feed(rs, k);
		const size_t have = rs->wr - rs->rd;
		const uint32_t take = have < k ? (uint32_t)have : k;
		for (uint32_t i = 0; i < take; ++i) {
			const float v = rs->fifo[rs->rd + i];
			out[off + i] = isfinite(v) ? v : 0.0f; /* a huge finite input may overflow */
		}
		if (take < k) { /* cannot happen with a right latency; never leave garbage */
			memset(out + off + take, 0, (k - take) * sizeof(float));
			rs->faults++;
		}
		rs->rd += take;
		off += k;
	}
}

void rfx_rate_set_input(RfxRateStream *rs, int index, float value)
{
	rfx_stream_set_input(rs->stream, index, value);
}

uint32_t rfx_rate_latency(const RfxRateStream *rs) { return rs->latency; }
int rfx_rate_is_resampling(const RfxRateStream *rs) { return rs->resampling; }
double rfx_rate_host_rate(const RfxRateStream *rs) { return rs->host_rate; }
double rfx_rate_model_rate(const RfxRateStream *rs) { return rs->model_rate; }
int rfx_rate_n_outputs(const RfxRateStream *rs) { return rs->n_outputs; }
uint32_t rfx_rate_fault_count(const RfxRateStream *rs) { return rs->faults; }
const RfxStream *rfx_rate_stream(const RfxRateStream *rs) { return rs->stream; }

uint32_t rfx_rate_nonfinite_count(const RfxRateStream *rs)
{
	return rs->nonfinite + rfx_stream_nonfinite_count(rs->stream);
}
