/* rnnfx-run — runs an rnnfx model over an audio file, offline.
 *
 *   rnnfx-run --model M [--block N] [--format SUBTYPE] [--cond I=V]... IN OUT      (effect)
 *   rnnfx-run --model M [--hop MS] IN OUT.csv                                     (classifier)
 *   rnnfx-run --model M [--note-length MS] [--threshold P] IN OUT.csv|OUT.mid      (onsets)
 *
 * Every channel of IN gets its own stream (its own hidden state) made from the same model, so a
 * stereo file is two independent mono runs: one engine (dsp/engine.h) of C channels, the code the
 * LV2 plugin and rnnfx-live run, without the settle on silence (the file is heard from the model's
 * initial state). Samples are processed as 32-bit floats. The file is
 * read and written in blocks of N frames, and because a stream's output never depends on how its
 * input was cut into calls, the output is bit-identical for every N (tests/runners/test_run.sh).
 *
 * An effect writes audio with IN's rate, channels and sample format (subtype), in the container
 * OUT's extension names (IN's container when the extension is unknown). A classifier writes a
 * CSV, one row per hop: the class probabilities averaged over the hop's frames and over the
 * channels, the most likely class, its label and its probability. An onset model hears the
 * channels mixed to mono and writes its hits (tools/run_onsets.h): CSV rows, or a MIDI file.
 *
 * Output goes to a temporary name beside OUT and is renamed over OUT only when the run succeeds,
 * so a failed or interrupted run never leaves half a file. The output WAV carries no PEAK chunk
 * (libsndfile stamps it with the clock), so two runs over the same input give the same bytes.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sndfile.h>

#include "io/files.h"
#include "dsp/rnnfx.h"
#include "tools/cli.h"
#include "tools/csv.h"
#include "tools/progress.h"
#include "tools/run_onsets.h"
#include "tools/sndfile_length.h"

#define PROG "rnnfx-run"
#define DEFAULT_BLOCK 4096
/* --block's limit (and the whole file's, which then runs in blocks of this: the output is the same
 * for any block size) and --hop's. */
#define MAX_BLOCK (1 << 24)
#define MAX_HOP_MS 3600000
#define DEFAULT_HOP_MS 10.0

typedef struct {
	const char *model_path, *in_path, *out_path;
	long block;                  /* frames per read; 0 = the whole file in one block */
	double hop_ms;               /* classifier rows */
	int subtype;                 /* SF_FORMAT_* subtype to write, 0 = the input's */
	int quiet;
	int n_cond;
	int cond_index[RFX_MAX_INPUTS];
	float cond_value[RFX_MAX_INPUTS];
	double note_ms;              /* onsets: MIDI note length */
	RfxOnsetConfig detect;       /* onsets: --threshold, --gap, --gate */
	RfxWeightStorage weights;    /* --weights: the recurrent weights' storage (f32 default) */
	int n_knob;                  /* --knob NAME=V, in the user's units (a knob model's metadata) */
	RfxKnobSetting knob[RFX_MAX_KNOBS];
} Options;

/* Everything one run owns; run_close() releases whatever was acquired. */
typedef struct {
	RfxModel *model;
	SNDFILE *in, *out;
	SF_INFO in_info, out_info;
	FILE *csv;
	RfxOutFile of;               /* the output, through the one writer (io/files.h) */
	int C, K;                    /* channels, outputs per sample (1 or classes) */
	RfxEngine *eng;              /* C channels; plain streams when the rates agree */
	int64_t skip;                /* leading outputs still to drop (the resampling latency) */
	float *ibuf, *obuf;          /* interleaved frames */
	double *acc;                 /* classifier: K sums over the current hop */
	int64_t acc_frames, hop_frames, hop_start;
	int onset, midi;             /* an onset model; its output is a MIDI file (else CSV) */
	RunOnsets ons;
	int64_t frames_in;           /* onsets: frames processed so far */
} Run;

static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

const char cli_prog[] = PROG;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s --model M [options] IN OUT\n"
		"  --model M        rnnfx model file (.json)\n"
		"  --block N        frames per block, N >= 1, or 0 for the whole file (default %d);\n"
		"                   the output is bit-identical for every N\n"
		"  --format S       output sample format: pcm16, pcm24, pcm32, float, double\n"
		"                   (default: the input's); --subtype is the same option\n"
		"  --knob NAME=V    a knob model's knob at V in its own units (clamped to the trained\n"
		"                   range); knobs not given sit at their default\n"
		"  --cond I=V       hold conditioning input I (1..) at V (the network's value)\n"
		"  --weights W      f32 (default) or bf16: recurrent weights rounded to bfloat16, half\n"
		"                   the memory, faster from H = 48 on (docs/performance.md)\n"
		"  --hop MS         classifier: milliseconds per CSV row (default %g)\n"
		"  --note-length MS onset model: MIDI note length (default 50)\n"
		"  --threshold P    onset model: fire at probability P (default 0.5)\n"
		"  --gap MS         onset model: shortest time between two hits of a class (default 30)\n"
		"  --gate DB        onset model: no hit from input quieter than DB dBFS (default -60)\n"
		"  -q, --quiet      no summary line\n"
		"An effect model writes audio; a classifier model writes CSV:\n"
		"  time_s,class,label,confidence,p0,...,pK-1\n"
		"an onset model (drum hits) writes OUT.csv (time,class,note,velocity,confidence) or\n"
		"OUT.mid (a Standard MIDI File, General MIDI drums on channel 10)\n",
		PROG, DEFAULT_BLOCK, DEFAULT_HOP_MS);
}

static int subtype_from_name(const char *s)
{
	static const struct { const char *name; int subtype; } names[] = {
		{ "pcm16", SF_FORMAT_PCM_16 }, { "pcm24", SF_FORMAT_PCM_24 },
		{ "pcm32", SF_FORMAT_PCM_32 }, { "float", SF_FORMAT_FLOAT },
		{ "double", SF_FORMAT_DOUBLE },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].subtype;
	return 0;
}

static int parse_cond(Options *o, const char *arg)
{
	char *end;
	errno = 0;
	long index = strtol(arg, &end, 10);
	/* checked as a long: a cast to int first would take 4294967297 for 1 */
	if (end == arg || *end != '=' || errno || index < 1 || index > RFX_MAX_INPUTS ||
	    o->n_cond >= RFX_MAX_INPUTS)
		return -1;
	const char *vs = end + 1;
	float v = strtof(vs, &end);
	if (end == vs || *end || !isfinite(v))
		return -1;
	o->cond_index[o->n_cond] = (int)index;
	o->cond_value[o->n_cond] = v;
	o->n_cond++;
	return 0;
}

/* --note-length, --threshold, --gap, --gate (onset models); 0, or 1 after saying what is wrong. */
static int parse_onset_option(Options *o, const char *a, const char *v)
{
	char *end;
	const double x = strtod(v, &end);
	const int ok = end != v && !*end && isfinite(x);
	if (!strcmp(a, "--note-length") && ok && x >= 1 && x <= 10000)
		o->note_ms = x;
	else if (!strcmp(a, "--threshold") && ok && x > 0 && x < 1)
		o->detect.threshold = (float)x, o->detect.release = (float)(x / 2);
	else if (!strcmp(a, "--gap") && ok && x >= 0 && x <= 10000)
		o->detect.min_gap_ms = (float)x;
	else if (!strcmp(a, "--gate") && ok && x >= -200 && x <= 0)
		o->detect.gate_db = (float)x;
	else
		return fprintf(stderr, "%s: %s '%s': expected %s\n", PROG, a, v,
			       !strcmp(a, "--note-length") ? "milliseconds from 1 to 10000"
			       : !strcmp(a, "--threshold") ? "a probability between 0 and 1"
			       : !strcmp(a, "--gap")	   ? "milliseconds from 0 to 10000"
							   : "dBFS from -200 to 0"), 1;
	return 0;
}

/* One option that takes a value; returns 0, or 1 after saying what is wrong. */
static int parse_option(Options *o, const char *a, const char *v)
{
	char *end;
	if (!strcmp(a, "--model") || !strcmp(a, "-m")) {
		o->model_path = v;
	} else if (!strcmp(a, "--block")) {
		errno = 0;
		o->block = strtol(v, &end, 10);
		if (end == v || *end || errno || o->block < 0 || o->block > MAX_BLOCK)
			return fprintf(stderr, "%s: --block '%s': expected a frame count from 1 to %d, "
				       "or 0 for the whole file\n", PROG, v, MAX_BLOCK), 1;
	} else if (!strcmp(a, "--hop")) {
		o->hop_ms = strtod(v, &end);
		if (end == v || *end || !(o->hop_ms > 0) || !(o->hop_ms <= MAX_HOP_MS))
			return fprintf(stderr, "%s: --hop '%s': expected milliseconds > 0 and at most "
				       "%d (an hour)\n", PROG, v, MAX_HOP_MS), 1;
	} else if (!strcmp(a, "--note-length") || !strcmp(a, "--threshold") || !strcmp(a, "--gap") ||
		   !strcmp(a, "--gate")) {
		return parse_onset_option(o, a, v);
	} else if (!strcmp(a, "--format") || !strcmp(a, "--subtype")) {
		o->subtype = subtype_from_name(v);
		if (!o->subtype)
			return fprintf(stderr, "%s: %s '%s': expected pcm16, pcm24, pcm32, float or "
				       "double\n", PROG, a, v), 1;
	} else if (!strcmp(a, "--weights")) {
		o->weights = rfx_weight_storage_from_name(v);
		if (o->weights == RFX_WEIGHTS_COUNT)
			return fprintf(stderr, "%s: --weights '%s': expected f32 or bf16\n", PROG, v), 1;
	} else if (!strcmp(a, "--knob")) {
		if (o->n_knob >= RFX_MAX_KNOBS || cli_parse_knob(v, &o->knob[o->n_knob++]))
			return fprintf(stderr, "%s: --knob '%s': expected NAME=VALUE, e.g. drive=7.5 (at "
				       "most %d knobs)\n", PROG, v, RFX_MAX_KNOBS), 1;
	} else if (!strcmp(a, "--cond")) {
		if (parse_cond(o, v))
			return fprintf(stderr, "%s: --cond '%s': expected INDEX=VALUE with INDEX from 1 "
				       "to %d, e.g. 1=0.5\n", PROG, v, RFX_MAX_INPUTS), 1;
	} else {
		return fprintf(stderr, "%s: unknown option '%s'\n", PROG, a), 1;
	}
	return 0;
}

/* Returns 0 to run, 1 for a usage error, 2 when help was asked for. */
static int parse_args(int argc, char **argv, Options *o)
{
	const char *pos[2];
	int n_pos = 0;
	memset(o, 0, sizeof *o);
	o->block = DEFAULT_BLOCK;
	o->hop_ms = DEFAULT_HOP_MS;
	o->note_ms = 50;
	o->detect = rfx_onset_config_default();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 2;
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else if (a[0] != '-' || !a[1]) {
			if (n_pos == 2)
				return fprintf(stderr, "%s: too many files: '%s'\n", PROG, a), 1;
			pos[n_pos++] = a;
		} else if (i + 1 == argc) {
			return fprintf(stderr, "%s: option '%s' needs a value (or is unknown)\n", PROG, a), 1;
		} else if (parse_option(o, a, argv[++i])) {
			return 1;
		}
	}
	if (!o->model_path || n_pos != 2) {
		fprintf(stderr, "%s: need --model M, an input and an output file (see --help)\n", PROG);
		return 1;
	}
	o->in_path = pos[0];
	o->out_path = pos[1];
	return 0;
}

/* A knob model's knobs become conditioning inputs: each --knob by name, scaled from its units
 * (clamped to the trained range, with a warning), the others at their default. --cond for the
 * same input wins: it is the explicit network value. */
static int apply_knobs(Options *o, const RfxModel *m)
{
	int idx[RFX_MAX_KNOBS];
	float val[RFX_MAX_KNOBS];
	unsigned clamped;
	char why[512];
	int n = rfx_model_knob_inputs(m, o->knob, o->n_knob, idx, val, &clamped, why, sizeof why);
	if (n < 0)
		return fail(o->model_path, "%s", why);
	cli_warn_clamped(m, o->knob, o->n_knob, clamped);
	for (int i = 0; i < n; i++) {
		int taken = 0;
		for (int c = 0; c < o->n_cond; c++)
			taken |= o->cond_index[c] == idx[i];
		if (!taken && o->n_cond < RFX_MAX_INPUTS) {
			o->cond_index[o->n_cond] = idx[i];
			o->cond_value[o->n_cond++] = val[i];
		}
	}
	return 0;
}

/* Every conditioning input must have a value: a stream would otherwise hold it at an arbitrary
 * default the model was never trained with, and the output would look plausible but be wrong. */
static int check_conditioning(const Options *o, const RfxModel *m)
{
	int n_in = rfx_model_n_inputs(m);
	for (int k = 0; k < o->n_cond; k++)
		if (o->cond_index[k] < 1 || o->cond_index[k] >= n_in)
			return fail(o->model_path, "--cond %d: the model has %d conditioning input(s)%s",
				    o->cond_index[k], n_in - 1,
				    n_in > 1 ? " (numbered from 1)" : "");
	for (int idx = 1; idx < n_in; idx++) {
		int given = 0;
		for (int k = 0; k < o->n_cond; k++)
			given |= o->cond_index[k] == idx;
		if (!given)
			return fail(o->in_path,
				    "cannot map the file's channels onto the model's %d inputs: input %d is "
				    "a conditioning input; give its value with --cond %d=V",
				    n_in, idx, idx);
	}
	return 0;
}

/* The container OUT's extension names, or 0 when libsndfile knows none by that extension. */
static int major_from_extension(const char *path)
{
	const char *dot = strrchr(path, '.');
	int count = 0;
	if (!dot || strchr(dot, '/'))
		return 0;
	if (!strcasecmp(dot + 1, "aif"))
		return SF_FORMAT_AIFF;
	sf_command(NULL, SFC_GET_FORMAT_MAJOR_COUNT, &count, sizeof count);
	for (int i = 0; i < count; i++) {
		SF_FORMAT_INFO fi = { .format = i };
		sf_command(NULL, SFC_GET_FORMAT_MAJOR, &fi, sizeof fi);
		if (fi.extension && !strcasecmp(dot + 1, fi.extension))
			return fi.format & SF_FORMAT_TYPEMASK;
	}
	return 0;
}

/* Output format: OUT's container, the asked or the input's subtype; when the container cannot
 * hold that subtype (e.g. Vorbis into WAV) the first of float, 24-bit, 16-bit PCM it can hold. */
static int choose_format(const Options *o, const SF_INFO *in, SF_INFO *out)
{
	static const int fallback[] = { SF_FORMAT_FLOAT, SF_FORMAT_PCM_24, SF_FORMAT_PCM_16 };
	int major = major_from_extension(o->out_path);
	int subtype = o->subtype ? o->subtype : (in->format & SF_FORMAT_SUBMASK);
	memset(out, 0, sizeof *out);
	out->samplerate = in->samplerate;
	out->channels = in->channels;
	if (!major)
		major = in->format & SF_FORMAT_TYPEMASK;
	out->format = major | subtype;
	if (sf_format_check(out))
		return 0;
	if (o->subtype)
		return fail(o->out_path, "this file type cannot hold the --format asked for");
	for (size_t i = 0; i < sizeof fallback / sizeof fallback[0]; i++) {
		out->format = major | fallback[i];
		if (sf_format_check(out))
			return 0;
	}
	return fail(o->out_path, "cannot write %d channels at %d Hz in this file type",
		    in->channels, in->samplerate);
}

/* A name that says the other kind of output is almost always a slip (a classifier's CSV in
 * out.wav, or audio in out.csv), so it is refused before anything is written. */
static int check_output_name(const Options *o, const Run *r)
{
	const char *dot = strrchr(o->out_path, '.');
	int csv_name = dot && !strcasecmp(dot, ".csv");
	if (r->onset)
		return csv_name || r->midi ? 0 : fail(o->out_path, "the model is an onset model, which "
						      "writes its hits as .csv or .mid; name the "
						      "output so");
	if (rfx_model_mode(r->model) == RFX_MODE_CLASSIFIER && major_from_extension(o->out_path))
		return fail(o->out_path, "the model is a classifier, which writes CSV, not audio; "
			    "name the output .csv");
	if (rfx_model_mode(r->model) != RFX_MODE_CLASSIFIER && csv_name)
		return fail(o->out_path, "the model is an effect, which writes audio, not CSV; "
			    "name the output .wav, .flac, ...");
	return 0;
}

static int open_output(const Options *o, Run *r)
{
	if (check_output_name(o, r))
		return 1;
	char why[512];
	if (r->midi) /* written at the end (run_onsets_midi); checked now, before the long part */
		return rfx_out_check(o->out_path, why, sizeof why) ? fail(o->out_path, "%s", why) : 0;
	if (r->K == 1 && choose_format(o, &r->in_info, &r->out_info))
		return 1;
	if (rfx_out_begin(&r->of, o->out_path, why, sizeof why) != 0)
		return fail(o->out_path, "%s", why);
	if (r->K > 1) {
		r->csv = rfx_out_stream(&r->of);
		if (!r->csv)
			return fail(o->out_path, "cannot write: %s", strerror(errno));
		return 0;
	}
	r->out = sf_open_fd(r->of.fd, SFM_WRITE, &r->out_info, 0);
	if (!r->out)
		return fail(o->out_path, "cannot write audio: %s", sf_strerror(NULL));
	/* Deterministic bytes (no clock-stamped PEAK chunk); integer formats clip instead of wrap. */
	sf_command(r->out, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	sf_command(r->out, SFC_SET_CLIPPING, NULL, SF_TRUE);
	return 0;
}

/* One engine of C channels, conditioning inputs set. When the file's rate is not the model's,
 * each channel resamples around the model (dsp/rate.h) at the best quality: offline, CPU matters
 * less than fidelity, and the delay it adds is taken out again (run_blocks drops the first
 * `latency` outputs, flush_tail feeds as many zeros at the end). */
static int make_engine(const Options *o, Run *r, size_t block)
{
	r->ibuf = malloc(block * (size_t)r->C * sizeof(float));
	/* obuf holds audio (C per frame) or the channel-summed probabilities (K per frame). */
	r->obuf = malloc(block * (size_t)(r->C > r->K ? r->C : r->K) * sizeof(float));
	r->acc = calloc((size_t)r->K, sizeof(double));
	if (!r->ibuf || !r->obuf || !r->acc)
		return fail(o->in_path, "out of memory for blocks of %zu frames", block);
	char detail[256] = "";
	RfxStatus s = rfx_engine_create(r->model, r->onset ? 1 : r->C, r->in_info.samplerate,
					RFX_RATE_QUALITY_BEST, &r->eng, detail, sizeof detail);
	if (s != RFX_OK)
		return fail(o->in_path, "%s%s%s", rfx_strerror(s), detail[0] ? ": " : "", detail);
	for (int k = 0; k < o->n_cond; k++)
		rfx_engine_set_input(r->eng, o->cond_index[k], o->cond_value[k]);
	r->skip = rfx_engine_latency(r->eng);
	return 0;
}

static void csv_header(Run *r)
{
	fputs("time_s,class,label,confidence", r->csv);
	for (int k = 0; k < r->K; k++)
		fprintf(r->csv, ",p%d", k);
	fputc('\n', r->csv);
}

/* Writes the row for the hop that started at frame r->hop_start and clears the sums. */
static void csv_row(Run *r)
{
	double n = (double)r->acc_frames * r->C;
	int best = 0;
	for (int k = 1; k < r->K; k++)
		if (r->acc[k] > r->acc[best])
			best = k;
	fprintf(r->csv, "%.6f,%d,", (double)r->hop_start / r->in_info.samplerate, best);
	csv_field(r->csv, rfx_model_label(r->model, best));
	fprintf(r->csv, ",%.6f", r->acc[best] / n);
	for (int k = 0; k < r->K; k++) {
		fprintf(r->csv, ",%.6f", r->acc[k] / n);
		r->acc[k] = 0;
	}
	fputc('\n', r->csv);
	r->hop_start += r->acc_frames;
	r->acc_frames = 0;
}

/* Adds one block of per-channel probabilities (already summed over channels in obuf, K per
 * frame) to the hop sums, frame by frame, so the rows do not depend on the block size. */
static void classify_block(Run *r, const float *probs, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		for (int k = 0; k < r->K; k++)
			r->acc[k] += probs[i * r->K + k];
		if (++r->acc_frames == r->hop_frames)
			csv_row(r);
	}
}

/* Runs n frames of r->ibuf through the engine into r->obuf (audio) or the hop sums (n <=
 * MAX_BLOCK, so it fits the engine's uint32_t). */
static int process_block(Run *r, int64_t n)
{
	if (r->onset) {
		/* Mixed to mono in place (frame i's mean lands at i <= i * C). */
		for (int64_t i = 0; i < n && r->C > 1; i++) {
			float s = 0;
			for (int c = 0; c < r->C; c++)
				s += r->ibuf[i * r->C + c];
			r->ibuf[i] = s / (float)r->C;
		}
		rfx_engine_process(r->eng, r->ibuf, r->obuf, (uint32_t)n);
		const int rc = run_onsets_block(&r->ons, r->ibuf, r->obuf, (uint32_t)n, r->frames_in);
		r->frames_in += n;
		return rc;
	}
	rfx_engine_process(r->eng, r->ibuf, r->obuf, (uint32_t)n);
	if (r->K > 1)
		classify_block(r, r->obuf, n);
	return 0;
}

/* Writes n processed frames of r->obuf, less those still to skip (the resampling latency). */
static int write_audio(const Options *o, Run *r, int64_t n)
{
	int64_t drop = r->skip < n ? r->skip : n;
	r->skip -= drop;
	if (!r->out || n == drop)
		return 0;
	if (sf_writef_float(r->out, r->obuf + drop * r->C, n - drop) != n - drop)
		return fail(o->out_path, "write error: %s", sf_strerror(r->out));
	return 0;
}

/* After the last input frame: as many zeros as the latency, so the output is as long as the
 * input and every input frame's response is out. */
static int flush_tail(const Options *o, Run *r, int64_t block)
{
	int64_t left = r->out ? (int64_t)rfx_engine_latency(r->eng) : 0;
	while (left > 0) {
		int64_t n = left < block ? left : block;
		memset(r->ibuf, 0, (size_t)(n * r->C) * sizeof(float));
		(void)process_block(r, n); /* an effect's: it cannot fail */
		if (write_audio(o, r, n))
			return 1;
		left -= n;
	}
	return 0;
}

/* Reads, processes and writes block after block; returns the frames done, or -1 on error. */
static int64_t run_blocks(const Options *o, Run *r, int64_t block, Progress *pg)
{
	int64_t done = 0;
	for (;;) {
		sf_count_t n = sf_readf_float(r->in, r->ibuf, block);
		if (n < 0 || sf_error(r->in)) {
			fail(o->in_path, "read error: %s", sf_strerror(r->in));
			return -1;
		}
		if (n == 0) {
			if (r->in_info.frames > 0 && done < r->in_info.frames)
				fprintf(stderr, "%s: %s: warning: the file is shorter than its header says "
					"(%lld of %lld frames): truncated?\n", PROG, o->in_path,
					(long long)done, (long long)r->in_info.frames);
			return flush_tail(o, r, block) ? -1 : done;
		}
		if (process_block(r, n)) {
			fail(o->in_path, "out of memory for the hits");
			return -1;
		}
		if (write_audio(o, r, n))
			return -1;
		done += n;
		progress_update(pg, done);
		if (interrupted) {
			fail(o->in_path, "interrupted; no output written");
			return -1;
		}
	}
	return done;
}

/* Flushes and renames the temporary output over OUT; on error removes it. */
static int finish_output(const Options *o, Run *r, int ok)
{
	char why[512];
	if (r->midi) {
		if (ok && run_onsets_midi(&r->ons, r->model, r->in_info.samplerate, o->note_ms,
					  o->out_path, why, sizeof why))
			return fail(o->out_path, "%s", why);
		return ok ? 0 : 1;
	}
	if (r->csv) {
		if (ok && r->onset)
			run_onsets_csv(&r->ons, r->model, r->in_info.samplerate, r->csv);
		else if (ok && r->acc_frames > 0)
			csv_row(r);
		if (ferror(r->csv) || fflush(r->csv))
			ok = ok && !fail(o->out_path, "write error: %s", strerror(errno));
		r->csv = NULL; /* closed by the writer */
	}
	if (r->out) {
		if (sf_close(r->out))
			ok = ok && !fail(o->out_path, "write error on close");
		r->out = NULL;
	}
	if (ok && rfx_out_commit(&r->of, why, sizeof why) != 0)
		ok = !fail(o->out_path, "%s", why);
	rfx_out_abort(&r->of); /* nothing left to remove after a commit */
	return ok ? 0 : 1;
}

static void run_close(Run *r)
{
	rfx_engine_destroy(r->eng);
	free(r->ibuf);
	free(r->obuf);
	free(r->acc);
	run_onsets_free(&r->ons);
	if (r->in)
		sf_close(r->in);
	rfx_model_free(r->model);
}

static int load_model(const Options *o, Run *r)
{
	char detail[256] = "";
	RfxStatus s = rfx_model_load_file(o->model_path, &r->model, detail, sizeof detail);
	if (s != RFX_OK)
		return fail(o->model_path, "%s%s%s", rfx_strerror(s), detail[0] ? ": " : "", detail);
	s = rfx_model_set_weight_storage(r->model, o->weights);
	if (s != RFX_OK)
		return fail(o->model_path, "--weights: %s", rfx_strerror(s));
	return 0;
}

static int open_input(const Options *o, Run *r)
{
	char why[512];
	int fd = rfx_in_open(o->in_path, 0, 0, why, sizeof why);
	if (fd < 0)
		return fail(o->in_path, "%s", why);
	r->in = sf_open_fd(fd, SFM_READ, &r->in_info, 1);
	if (!r->in)
		return fail(o->in_path, "cannot read audio: %s", sf_strerror(NULL));
	if (rfx_sf_truncated(r->in))
		fprintf(stderr, "%s: %s: warning: the file is shorter than its header says "
			"(%lld frames are there): truncated?\n", PROG, o->in_path,
			(long long)r->in_info.frames);
	r->C = r->in_info.channels;
	r->K = rfx_model_mode(r->model) != RFX_MODE_EFFECT ? rfx_model_n_outputs(r->model) : 1;
	r->onset = rfx_model_mode(r->model) == RFX_MODE_ONSET;
	const char *dot = strrchr(o->out_path, '.');
	r->midi = r->onset && dot && (!strcasecmp(dot, ".mid") || !strcasecmp(dot, ".midi"));
	if (r->onset)
		run_onsets_init(&r->ons, r->K, r->in_info.samplerate, &o->detect);
	return 0;
}

static void summary(const Options *o, const Run *r, int64_t frames, double seconds)
{
	uint32_t nonfinite = rfx_engine_nonfinite_count(r->eng);
	if (nonfinite)
		fprintf(stderr, "%s: %s: warning: %u non-finite input samples or states were caught "
			"(taken as 0, or the state reset)\n", PROG, o->in_path, nonfinite);
	if (o->quiet)
		return;
	if (rfx_engine_is_resampling(r->eng))
		fprintf(stderr, "%s: %s: resampled %d Hz -> %g Hz (the model's rate) and back; the %u "
			"samples of delay this adds were taken out\n", PROG, o->in_path,
			r->in_info.samplerate, rfx_model_sample_rate(r->model),
			rfx_engine_latency(r->eng));
	double audio = (double)frames / r->in_info.samplerate;
	fprintf(stderr, "%s: %s: %.2f s of audio, %d channel%s, in %.3f s (%.1fx real time)\n",
		PROG, o->in_path, audio, r->C, r->C == 1 ? "" : "s", seconds,
		seconds > 0 ? audio / seconds : 0.0);
}

static int run(Options *o)
{
	Run r;
	memset(&r, 0, sizeof r);
	int rc = load_model(o, &r) || open_input(o, &r) || apply_knobs(o, r.model) ||
		 check_conditioning(o, r.model);
	int64_t block = o->block;
	if (block == 0)   /* whole file; a stream of unknown length falls back to the default */
		block = r.in_info.frames > 0 && r.in_info.frames <= MAX_BLOCK ? r.in_info.frames
									      : r.in_info.frames > 0 ? MAX_BLOCK
												     : DEFAULT_BLOCK;
	/* Every buffer holds block frames of max(C, K) floats: refuse what does not fit a size_t. */
	size_t bytes;
	if (!rc && __builtin_mul_overflow((size_t)block, (size_t)(r.C > r.K ? r.C : r.K) * 4, &bytes))
		rc = fail(o->in_path, "%lld frames of %d channels are too many for one block; use "
			  "--block N", (long long)block, r.C);
	if (!rc)
		rc = make_engine(o, &r, (size_t)block) || open_output(o, &r);
	if (!rc) {
		r.hop_frames = llround(o->hop_ms * 1e-3 * r.in_info.samplerate);
		if (r.hop_frames < 1)
			r.hop_frames = 1;
		if (r.csv && !r.onset)
			csv_header(&r);
		Progress pg;
		progress_begin(&pg, r.in_info.frames, r.in_info.samplerate);
		int64_t frames = run_blocks(o, &r, block, &pg);
		double seconds = progress_end(&pg);
		rc = finish_output(o, &r, frames >= 0);
		if (!rc)
			summary(o, &r, frames, seconds);
	} else if (r.of.tmp) {
		finish_output(o, &r, 0);
	}
	run_close(&r);
	return rc;
}

int main(int argc, char **argv)
{
	Options o;
	int rc = cli_parsed(parse_args(argc, argv, &o), usage);
	if (rc >= 0)
		return rc;
	cli_catch_stop(on_signal, 0);
	return run(&o) ? 1 : 0;
}
