#include "dataset.h"
#include "../io/files.h"
#include "../tools/sndfile_length.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>
#include <sndfile.h>

#include "sha256.h"

static TrnStatus fail(TrnError *err, TrnStatus st, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static TrnStatus fail(TrnError *err, TrnStatus st, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	trn_error_vset(err, file, fmt, ap);
	va_end(ap);
	return st;
}

static void logf_(TrnLogFn log, void *ctx, int warn, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void logf_(TrnLogFn log, void *ctx, int warn, const char *file, const char *fmt, ...)
{
	if (!log)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log(ctx, warn, file, msg);
}

/* ------------------------------------------------------------------ loading */

/* Copies channel `ch` (0-based) of every frame into `out`; returns the frames read. */
static size_t read_channel(SNDFILE *sf, int channels, int ch, float *out, size_t frames)
{
	enum { CHUNK = 8192 };
	float *buf = malloc((size_t)CHUNK * (size_t)channels * sizeof *buf);
	if (!buf)
		return 0;
	size_t done = 0;
	while (done < frames) {
		sf_count_t want = (sf_count_t)(frames - done < CHUNK ? frames - done : CHUNK);
		sf_count_t got = sf_readf_float(sf, buf, want);
		if (got <= 0)
			break;
		for (sf_count_t i = 0; i < got; i++)
			out[done + (size_t)i] = buf[(size_t)i * (size_t)channels + (size_t)ch];
		done += (size_t)got;
	}
	free(buf);
	return done;
}

TrnStatus trn_audio_load(const char *path, int channel, TrnAudio *out, TrnError *err)
{
	memset(out, 0, sizeof *out);
	SF_INFO info;
	memset(&info, 0, sizeof info);
	char why[512];
	int fd = rfx_in_open(path, 0, 0, why, sizeof why);
	if (fd < 0)
		return fail(err, TRN_ERR_READ, path, "%s", why);
	SNDFILE *sf = sf_open_fd(fd, SFM_READ, &info, 1);
	if (!sf)
		return fail(err, TRN_ERR_READ, path, "cannot read audio: %s", sf_strerror(NULL));
	TrnStatus st = TRN_OK;
	if (rfx_sf_truncated(sf))
		st = fail(err, TRN_ERR_READ, path, "truncated: the file is shorter than its header "
			  "says (only %lld frames are there)", (long long)info.frames);
	else if (channel == 0 && info.channels != 1)
		st = fail(err, TRN_ERR_CHANNELS, path,
			  "%d channels; the trainer needs mono, or pick one with --channel N (1 to %d)",
			  info.channels, info.channels);
	else if (channel > info.channels)
		st = fail(err, TRN_ERR_CHANNELS, path, "--channel %d, but the file has %d channel%s",
			  channel, info.channels, info.channels == 1 ? "" : "s");
	else if (info.frames <= 0 || info.samplerate <= 0)
		st = fail(err, TRN_ERR_SHORT, path, "no audio in the file");
	if (st != TRN_OK) {
		sf_close(sf);
		return st;
	}
	size_t frames = (size_t)info.frames;
	out->x = malloc(frames * sizeof *out->x);
	if (!out->x) {
		sf_close(sf);
		return fail(err, TRN_ERR_NOMEM, path, "out of memory for %zu samples", frames);
	}
	size_t got = read_channel(sf, info.channels, channel ? channel - 1 : 0, out->x, frames);
	int sferr = sf_error(sf);
	sf_close(sf);
	if (got != frames || sferr != SF_ERR_NO_ERROR) {
		trn_audio_free(out);
		return fail(err, TRN_ERR_READ, path, "corrupt or truncated audio: read %zu of %zu frames",
			    got, frames);
	}
	out->n = frames;
	out->rate = info.samplerate;
	for (size_t i = 0; i < frames; i++)
		if (!isfinite(out->x[i])) {
			trn_audio_free(out);
			return fail(err, TRN_ERR_NONFINITE, path, "sample %zu (%.3f s) is NaN or infinite",
				    i, (double)i / info.samplerate);
		}
	if (trn_sha256_file(path, out->sha256) != 0) {
		trn_audio_free(out);
		return fail(err, TRN_ERR_READ, path, "cannot read the file to hash it");
	}
	return TRN_OK;
}

void trn_audio_free(TrnAudio *a)
{
	free(a->x);
	a->x = NULL;
	a->n = 0;
}

/* ------------------------------------------------------------------ checks */

double trn_clip_fraction(const float *x, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += fabsf(x[i]) >= 0.999f;
	return n ? (double)c / (double)n : 0.0;
}

static float peak(const float *x, size_t n)
{
	float p = 0;
	for (size_t i = 0; i < n; i++)
		p = fmaxf(p, fabsf(x[i]));
	return p;
}

void trn_pair_options_default(TrnPairOptions *o)
{
	memset(o, 0, sizeof *o);
	o->max_length_diff_s = 0.1;
	o->max_lag_ms = 50.0;
	o->warn_lag_ms = 1.0;
}

/* Silence below -80 dBFS peak: nothing to learn from (and ESR would divide by ~0). */
#define SILENT_PEAK 1e-4f
/* Clipping is worth a warning once it is more than isolated peaks. */
#define CLIP_WARN_FRACTION 1e-4

static TrnStatus check_levels(const TrnAudio *a, const char *path, const char *what, TrnLogFn log,
			      void *ctx, TrnError *err)
{
	float p = peak(a->x, a->n);
	if (p < SILENT_PEAK)
		return fail(err, TRN_ERR_SILENT, path, "the %s is silent (peak %.1f dBFS)", what,
			    p > 0 ? 20 * log10f(p) : -INFINITY);
	double cf = trn_clip_fraction(a->x, a->n);
	if (cf >= CLIP_WARN_FRACTION && cf * (double)a->n >= 10)
		logf_(log, ctx, 1, path, "%.2f%% of the samples are at full scale: the %s looks clipped",
		      100 * cf, what);
	return TRN_OK;
}

/* ------------------------------------------------------------------ alignment */

/* The search uses the loudest blocks only: a few seconds say as much about a fixed delay as minutes
 * do, and the cost stays bounded on long captures. */
#define LAG_BLOCK 4096
#define LAG_MAX_BLOCKS 64
#define LAG_DECIM 4

typedef struct {
	size_t start;
	double energy;
} Block;

static int by_energy_desc(const void *a, const void *b)
{
	const Block *x = a, *y = b;
	if (x->energy != y->energy)
		return x->energy < y->energy ? 1 : -1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sum over the blocks of x[i] * y[i + lag], on samples spaced by `step` (after boxcar averaging of
 * `step` samples, which keeps the coarse pass from aliasing). */
static double xcorr_at(const float *x, const float *y, const Block *b, int nb, long lag, int step)
{
	double acc = 0;
	for (int k = 0; k < nb; k++) {
		size_t s = b[k].start;
		for (size_t i = s; i + (size_t)step <= s + LAG_BLOCK; i += (size_t)step) {
			float xa = 0, ya = 0;
			for (int j = 0; j < step; j++) {
				xa += x[i + (size_t)j];
				ya += y[(size_t)((long)(i + (size_t)j) + lag)];
			}
			acc += (double)xa * ya;
		}
	}
	return acc;
}

static int pick_blocks(const float *x, size_t n, long max_lag, Block *blocks)
{
	size_t margin = (size_t)max_lag + LAG_DECIM;
	if (n < 2 * margin + LAG_BLOCK)
		return 0;
	size_t count = (n - 2 * margin) / LAG_BLOCK;
	Block *all = malloc(count * sizeof *all);
	if (!all)
		return 0;
	for (size_t k = 0; k < count; k++) {
		all[k].start = margin + k * LAG_BLOCK;
		double e = 0;
		for (size_t i = 0; i < LAG_BLOCK; i++)
			e += (double)x[all[k].start + i] * x[all[k].start + i];
		all[k].energy = e;
	}
	qsort(all, count, sizeof *all, by_energy_desc);
	int nb = count < LAG_MAX_BLOCKS ? (int)count : LAG_MAX_BLOCKS;
	memcpy(blocks, all, (size_t)nb * sizeof *blocks);
	free(all);
	return nb;
}

/* The onset search: an LPC filter of x's spectrum whitens both signals, so that the correlation
 * of the whitened pair is close to the impulse response from input to target. Its peak, and where
 * it first rises to half that peak, tell a delay apart from a filter's group delay: an inverting
 * all-pass or tone stack with no delay peaks near 0 once whitened, where the raw correlation, made
 * of the guitar's long low-frequency periods, can peak tens of samples away. */
#define LAG_LPC 16
#define LAG_BACK 256  /* how far before the raw peak the whitened one may lie */
#define LAG_AHEAD 32

/* a[0..LAG_LPC] (a[0] = 1) from x's autocorrelation over the blocks, by Levinson-Durbin. */
static void whitener(const float *x, const Block *b, int nb, double *a)
{
	double r[LAG_LPC + 1] = {0}, t[LAG_LPC + 1];
	for (int k = 0; k < nb; k++)
		for (size_t i = b[k].start + LAG_LPC; i < b[k].start + LAG_BLOCK; i++)
			for (int j = 0; j <= LAG_LPC; j++)
				r[j] += (double)x[i] * x[i - (size_t)j];
	memset(a, 0, (LAG_LPC + 1) * sizeof *a);
	a[0] = 1;
	double e = r[0] * (1 + 1e-9) + 1e-30; /* a little white noise: never divides by 0 */
	for (int i = 1; i <= LAG_LPC; i++) {
		double acc = r[i];
		for (int j = 1; j < i; j++)
			acc += a[j] * r[i - j];
		const double k = -acc / e;
		memcpy(t, a, sizeof t);
		for (int j = 1; j < i; j++)
			a[j] = t[j] + k * t[i - j];
		a[i] = k;
		e *= 1 - k * k;
		if (!(e > 0))
			break;
	}
}

/* v[i] whitened by a; samples outside [0, n) count as 0. */
static double whitened(const float *v, size_t n, long i, const double *a)
{
	double s = 0;
	for (int k = 0; k <= LAG_LPC; k++) {
		long j = i - k;
		if (j >= 0 && (size_t)j < n)
			s += a[k] * v[j];
	}
	return s;
}

/* The whitened correlation at lags lo..hi (c[lag - lo]); 0 when out of memory. */
static int whitened_xcorr(const float *x, const float *y, size_t n, const Block *b, int nb, long lo,
			  long hi, double *c)
{
	double a[LAG_LPC + 1];
	whitener(x, b, nb, a);
	const size_t span = (size_t)(hi - lo) + LAG_BLOCK;
	double *xw = malloc(LAG_BLOCK * sizeof *xw), *yw = malloc(span * sizeof *yw);
	if (!xw || !yw) {
		free(xw);
		free(yw);
		return 0;
	}
	memset(c, 0, (size_t)(hi - lo + 1) * sizeof *c);
	for (int k = 0; k < nb; k++) {
		const long s = (long)b[k].start;
		for (size_t i = 0; i < LAG_BLOCK; i++)
			xw[i] = whitened(x, n, s + (long)i, a);
		for (size_t i = 0; i < span; i++)
			yw[i] = whitened(y, n, s + lo + (long)i, a);
		for (long lag = lo; lag <= hi; lag++) {
			double acc = 0;
			const double *yl = yw + (lag - lo);
			for (size_t i = 0; i < LAG_BLOCK; i++)
				acc += xw[i] * yl[i];
			c[lag - lo] += acc;
		}
	}
	free(xw);
	free(yw);
	return 1;
}

long trn_estimate_lag(const float *x, const float *y, size_t n, long max_lag, double *corr)
{
	Block blocks[LAG_MAX_BLOCKS];
	if (corr)
		*corr = 0;
	int nb = pick_blocks(x, n, max_lag, blocks);
	if (nb == 0)
		return 0;
	/* The raw correlation, decimated, over the whole range: where to look. */
	long best = 0;
	double best_abs = -1;
	for (long lag = -max_lag / LAG_DECIM; lag <= max_lag / LAG_DECIM; lag++) {
		double c = fabs(xcorr_at(x, y, blocks, nb, lag * LAG_DECIM, LAG_DECIM));
		if (c > best_abs) {
			best_abs = c;
			best = lag * LAG_DECIM;
		}
	}
	/* The raw peak at full resolution: the correlation reported (how alike the two are). */
	long raw = best;
	double raw_abs = -1;
	for (long lag = best - 2 * LAG_DECIM; lag <= best + 2 * LAG_DECIM; lag++) {
		if (lag < -max_lag || lag > max_lag)
			continue;
		double c = fabs(xcorr_at(x, y, blocks, nb, lag, 1));
		if (c > raw_abs) {
			raw_abs = c;
			raw = lag;
		}
	}
	best = raw;
	/* The whitened correlation at full resolution from LAG_BACK before that to LAG_AHEAD after:
	 * its peak, then back to where it first reaches half of it (the response's onset). */
	const long lo = best - LAG_BACK > -max_lag ? best - LAG_BACK : -max_lag;
	const long hi = best + LAG_AHEAD < max_lag ? best + LAG_AHEAD : max_lag;
	double cw[LAG_BACK + LAG_AHEAD + 1];
	if (whitened_xcorr(x, y, n, blocks, nb, lo, hi, cw)) {
		long pk = lo;
		for (long lag = lo; lag <= hi; lag++)
			if (fabs(cw[lag - lo]) > fabs(cw[pk - lo]))
				pk = lag;
		const double half = 0.5 * fabs(cw[pk - lo]);
		while (pk > lo && fabs(cw[pk - 1 - lo]) >= half)
			pk--;
		best = pk;
	}
	if (corr) {
		double c = xcorr_at(x, y, blocks, nb, raw, 1);
		double ex = xcorr_at(x, x, blocks, nb, 0, 1), ey = 0;
		for (int k = 0; k < nb; k++)
			for (size_t i = 0; i < LAG_BLOCK; i++) {
				double v = y[(size_t)((long)(blocks[k].start + i) + raw)];
				ey += v * v;
			}
		*corr = ex > 0 && ey > 0 ? c / sqrt(ex * ey) : 0;
	}
	return best;
}

/* ------------------------------------------------------------------ pairs */

static TrnStatus check_pair_lengths(TrnAudio *in, TrnAudio *tg, const char *path_tgt,
				    const TrnPairOptions *o, TrnLogFn log, void *ctx, TrnError *err)
{
	size_t n = in->n < tg->n ? in->n : tg->n, diff = in->n > tg->n ? in->n - tg->n : tg->n - in->n;
	double diff_s = (double)diff / in->rate;
	if (diff_s > o->max_length_diff_s)
		return fail(err, TRN_ERR_LENGTH, path_tgt,
			    "%zu samples (%.3f s) but the input has %zu (%.3f s); they must be the same "
			    "take (difference up to %.3f s is trimmed)",
			    tg->n, (double)tg->n / tg->rate, in->n, (double)in->n / in->rate,
			    o->max_length_diff_s);
	if (diff)
		logf_(log, ctx, 1, path_tgt, "length differs from the input by %zu samples (%.1f ms); "
		      "trimmed both to %zu", diff, 1000 * diff_s, n);
	in->n = tg->n = n;
	return TRN_OK;
}

/* Estimates (or takes) the delay, reports it, and applies it when asked. */
static void align_pair(TrnPair *p, double rate, const TrnPairOptions *o, TrnLogFn log, void *ctx)
{
	double corr = 0;
	long max_lag = (long)(o->max_lag_ms * 1e-3 * rate);
	p->lag = trn_estimate_lag(p->in, p->tgt, p->n, max_lag, &corr);
	double ms = 1000.0 * (double)p->lag / rate;
	int late = fabs(ms) > o->warn_lag_ms;
	logf_(log, ctx, late && !o->align, p->path_tgt,
	      "target %s input by %ld samples (%.2f ms, correlation %.2f)%s",
	      p->lag >= 0 ? "lags" : "leads", labs(p->lag), fabs(ms), corr,
	      late && !o->align ? "; pass --align to compensate" : "");
	/* Even heavy distortion keeps input and target well correlated once aligned; a weak peak
	 * means another take, or a delay outside the search range. */
	if (fabs(corr) < 0.3)
		logf_(log, ctx, 1, p->path_tgt, "weakly correlated with the input (%.2f): not the same "
		      "take, or a delay past --max-lag %g ms? (the delay estimate is unreliable)", corr,
		      o->max_lag_ms);
	long d = o->align_samples_set ? o->align_samples : o->align ? p->lag : 0;
	if (d == 0 || (size_t)labs(d) >= p->n)
		return;
	size_t a = (size_t)labs(d), n = p->n - a;
	if (d > 0)
		memmove(p->tgt, p->tgt + a, n * sizeof *p->tgt);
	else
		memmove(p->in, p->in + a, n * sizeof *p->in);
	p->n = n;
	p->shift = d;
	logf_(log, ctx, 0, p->path_tgt, "aligned: target shifted %s by %zu samples", d > 0 ? "earlier"
	      : "later", a);
}

/* Resamples a loaded file to `rate` in place (libsamplerate, best quality, whole file at once:
 * offline, fidelity matters more than time). */
static TrnStatus resample(TrnAudio *a, double rate, const char *path, TrnError *err)
{
	double ratio = rate / a->rate;
	size_t cap = (size_t)ceil((double)a->n * ratio) + 16;
	float *y = malloc(cap * sizeof *y);
	if (!y)
		return fail(err, TRN_ERR_NOMEM, path, "out of memory to resample to %g Hz", rate);
	SRC_DATA sd = { .data_in = a->x, .data_out = y, .input_frames = (long)a->n,
			.output_frames = (long)cap, .src_ratio = ratio, .end_of_input = 1 };
	int e = src_simple(&sd, SRC_SINC_BEST_QUALITY, 1);
	if (e) {
		free(y);
		return fail(err, TRN_ERR_READ, path, "cannot resample %g -> %g Hz: %s", a->rate, rate,
			    src_strerror(e));
	}
	free(a->x);
	a->x = y;
	a->n = (size_t)sd.output_frames_gen;
	a->rate = rate;
	return TRN_OK;
}

TrnStatus trn_data_add_pair(TrnData *d, const char *path_in, const char *path_tgt, int channel,
			    const TrnPairOptions *o, TrnLogFn log, void *ctx, TrnError *err)
{
	if (d->n_pairs >= TRN_MAX_PAIRS)
		return fail(err, TRN_ERR_INVALID, path_in, "more than %d input/target pairs",
			    TRN_MAX_PAIRS);
	TrnAudio in, tg;
	TrnStatus st = trn_audio_load(path_in, channel, &in, err);
	if (st != TRN_OK)
		return st;
	st = trn_audio_load(path_tgt, channel, &tg, err);
	if (st != TRN_OK) {
		trn_audio_free(&in);
		return st;
	}
	if (in.rate != tg.rate)
		st = fail(err, TRN_ERR_RATE, path_tgt, "sample rate %g Hz, but the input is at %g Hz",
			  tg.rate, in.rate);
	else if (o->rate > 0 && o->rate != in.rate) {
		logf_(log, ctx, 0, path_in, "resampling this pair from %g Hz to %g Hz (--rate)", in.rate,
		      o->rate);
		st = resample(&in, o->rate, path_in, err);
		if (st == TRN_OK)
			st = resample(&tg, o->rate, path_tgt, err);
	}
	if (st == TRN_OK && d->n_pairs > 0 && in.rate != d->rate)
		st = fail(err, TRN_ERR_RATE, path_in, "sample rate %g Hz, but earlier files are at %g Hz",
			  in.rate, d->rate);
	if (st == TRN_OK)
		st = check_pair_lengths(&in, &tg, path_tgt, o, log, ctx, err);
	if (st == TRN_OK)
		st = check_levels(&in, path_in, "input", log, ctx, err);
	if (st == TRN_OK)
		st = check_levels(&tg, path_tgt, "target", log, ctx, err);
	if (st != TRN_OK) {
		trn_audio_free(&in);
		trn_audio_free(&tg);
		return st;
	}
	TrnPair *p = &d->pairs[d->n_pairs++];
	memset(p, 0, sizeof *p);
	p->in = in.x;
	p->tgt = tg.x;
	p->n = in.n;
	memcpy(p->sha_in, in.sha256, 32);
	memcpy(p->sha_tgt, tg.sha256, 32);
	snprintf(p->path_in, sizeof p->path_in, "%s", path_in);
	snprintf(p->path_tgt, sizeof p->path_tgt, "%s", path_tgt);
	d->rate = in.rate;
	align_pair(p, d->rate, o, log, ctx);
	return TRN_OK;
}

void trn_data_free(TrnData *d)
{
	for (int i = 0; i < d->n_pairs; i++) {
		free(d->pairs[i].in);
		free(d->pairs[i].tgt);
		for (int j = 0; j < TRN_MAX_KNOBS; j++)
			free(d->pairs[i].cond_track[j]);
	}
	d->n_pairs = 0;
}

/* ------------------------------------------------------------------ splits and segments */

static void push(TrnSpan *s, int *n, int pair, size_t start, size_t len)
{
	if (len == 0)
		return;
	s[*n].pair = pair;
	s[*n].start = start;
	s[*n].n = len;
	(*n)++;
}

void trn_data_split(const TrnData *d, double val_frac, double test_frac, TrnSpan *train, int *n_train,
		    TrnSpan *val, int *n_val, TrnSpan *test, int *n_test)
{
	*n_train = *n_val = *n_test = 0;
	for (int p = 0; p < d->n_pairs; p++) {
		size_t n = d->pairs[p].n;
		size_t nt = (size_t)llround(test_frac * (double)n), nv = (size_t)llround(val_frac * (double)n);
		if (nt + nv > n)
			nt = nv = 0;
		size_t ntr = n - nt - nv;
		push(train, n_train, p, 0, ntr);
		push(val, n_val, p, ntr, nv);
		push(test, n_test, p, ntr + nv, nt);
	}
}

void trn_data_whole(const TrnData *d, TrnSpan *spans, int *n_spans)
{
	*n_spans = 0;
	for (int p = 0; p < d->n_pairs; p++)
		push(spans, n_spans, p, 0, d->pairs[p].n);
}

size_t trn_spans_total(const TrnSpan *spans, int n)
{
	size_t t = 0;
	for (int i = 0; i < n; i++)
		t += spans[i].n;
	return t;
}

size_t trn_segments(const TrnSpan *spans, int n_spans, size_t seg_len, size_t phase, TrnSpan *out,
		    size_t cap)
{
	size_t count = 0;
	for (int i = 0; i < n_spans; i++) {
		const TrnSpan *s = &spans[i];
		/* A span too short for the phase still gives its one segment from the start. */
		size_t ph = s->n >= seg_len + phase ? phase : 0;
		for (size_t off = ph; off + seg_len <= s->n; off += seg_len) {
			if (count < cap) {
				out[count].pair = s->pair;
				out[count].start = s->start + off;
				out[count].n = seg_len;
			}
			count++;
		}
	}
	return count;
}
