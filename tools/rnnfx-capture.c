/* rnnfx-capture — capture an amp or pedal for training: play the capture signal through it and
 * record what comes back (live, through PortAudio), or align a return made in a DAW (files). Either
 * way the return is aligned to the sample from the signal's chirps, checked (drift, clipping,
 * level, correlation) and written as training, validation and test pairs with a capture.json, and
 * the rnnfx-train command that trains on them is printed. See docs/capture.md.
 *
 *   rnnfx-capture --make-signal signal.wav [--rate R] [--minutes M]
 *   rnnfx-capture --align returned.wav --out DIR [--minutes M] [--channel C]
 *   rnnfx-capture --device DEV --out DIR [--in-channel C] [--out-channel C] [--minutes M]
 *                 [--rate R] [--preroll S] [--calibration DIR/calibration.json]
 *   rnnfx-capture --device DEV --calibrate --out DIR      (output cabled straight to the input)
 *   rnnfx-capture --device DEV --out DIR --knob drive=0,5,10   (a knob set: one take per value)
 *   rnnfx-capture --list-devices
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <portaudio.h>
#include <sndfile.h>

#include "dsp/rnnfx.h"
#include "io/files.h"
#include "tools/cli.h"
#include "tools/pa_device.h"

#define PROG "rnnfx-capture"
const char cli_prog[] = PROG;
#define MAX_RETURN_BYTES (4ull << 30) /* a 30-minute float return at 192 kHz is 1.4 GB */
#define MAX_DROPOUTS 64
#define MAX_KNOB_VALUES 16
#define MAX_KNOB_NAME 31 /* as rnnfx-train takes (TRN_KNOB_NAME) */

static const char USAGE[] =
	"usage: " PROG " --make-signal FILE [--rate R] [--minutes M]\n"
	"       " PROG " --align RETURN.wav --out DIR [--minutes M] [--channel C]\n"
	"       " PROG " --device DEV --out DIR [--in-channel C] [--out-channel C] [--rate R]\n"
	"                     [--minutes M] [--preroll S] [--calibration FILE] [--calibrate]\n"
	"                     [--knob NAME=V1,V2,...]\n"
	"       " PROG " --list-devices\n"
	"  --rate R          signal rate in Hz (48000); a return must be at this rate\n"
	"  --minutes M       signal length, 0.5 to 30 (3); --align needs the signal's\n"
	"  --channel C       the channel of RETURN.wav that holds the amp (1)\n"
	"  --in-channel C    the interface input the amp returns to (1)\n"
	"  --out-channel C   the interface output that feeds the amp (1)\n"
	"  --preroll S       seconds of silence before the signal (1): the amp settles, ports connect\n"
	"  --level DB        signal level change, -40 to 0 dB (0)\n"
	"  --calibrate       a loopback run: measures the interface's own latency\n"
	"  --calibration F   a calibrate run's calibration.json: report the amp's own delay\n"
	"  --knob NAME=V,..  a knob set: one take per value (2 to 16), each in DIR/NAME-V/; asks you\n"
	"                    to set the amp's knob before each take (Enter records, r + Enter redoes\n"
	"                    the last take, q + Enter stops) and prints the knob-model training command\n"
	"  --allow-clip      keep a return that clips (normally refused)\n"
	"  --verbose         show PortAudio's device probing\n";

typedef struct {
	const char *make_signal, *align, *device, *out_dir, *calibration;
	double rate, minutes, preroll, level_db;
	int channel, in_channel, out_channel;
	int calibrate, allow_clip, list, verbose;
	char knob[MAX_KNOB_NAME + 1];             /* --knob: the knob's name ("" = no knob set) */
	double knob_values[MAX_KNOB_VALUES];
	int n_knob_values;
} Options;

/* A number in [lo, hi] or an error naming the option. */
static int num(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = arg ? strtod(arg, &end) : NAN;
	if (!arg || end == arg || *end || errno || !(v >= lo && v <= hi))
		return fail(opt, "'%s': give a number from %g to %g", arg ? arg : "", lo, hi);
	*out = v;
	return 0;
}

static int whole(const char *opt, const char *arg, int lo, int hi, int *out)
{
	double v;
	if (num(opt, arg, lo, hi, &v))
		return 1;
	if (v != floor(v))
		return fail(opt, "'%s': give a whole number", arg);
	*out = (int)v;
	return 0;
}

/* --knob NAME=V1,V2,...: a name of letters, digits, '_' or '-', then 2 to MAX_KNOB_VALUES distinct
 * finite values. */
static int parse_knob_set(const char *arg, Options *o)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;
	const size_t len = eq ? (size_t)(eq - arg) : 0;
	if (!eq || len == 0 || len > MAX_KNOB_NAME || strspn(arg, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
		return fail("--knob", "'%s': give NAME=V1,V2,... (a name of letters, digits, _ or -, "
			    "up to %d characters)", arg ? arg : "", MAX_KNOB_NAME);
	memcpy(o->knob, arg, len);
	o->knob[len] = '\0';
	o->n_knob_values = 0;
	for (const char *p = eq + 1;; ++p) {
		char *end;
		errno = 0;
		const double v = strtod(p, &end);
		if (end == p || errno || !isfinite(v) || (*end && *end != ','))
			return fail("--knob", "'%s': the values must be numbers separated by commas", arg);
		if (o->n_knob_values == MAX_KNOB_VALUES)
			return fail("--knob", "'%s': at most %d values", arg, MAX_KNOB_VALUES);
		for (int k = 0; k < o->n_knob_values; ++k)
			if (o->knob_values[k] == v)
				return fail("--knob", "'%s': %g is given twice", arg, v);
		o->knob_values[o->n_knob_values++] = v;
		if (!*end)
			break;
		p = end;
	}
	if (o->n_knob_values < 2)
		return fail("--knob", "'%s': a knob set needs 2 values or more (one take each)", arg);
	return 0;
}

static int parse(int argc, char **argv, Options *o)
{
	*o = (Options){.rate = 48000, .minutes = 3, .preroll = 1, .channel = 1, .in_channel = 1,
		       .out_channel = 1};
	for (int i = 1; i < argc; ++i) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0, takes = 1;
		if (!strcmp(a, "--make-signal"))
			o->make_signal = v;
		else if (!strcmp(a, "--align"))
			o->align = v;
		else if (!strcmp(a, "--device"))
			o->device = v;
		else if (!strcmp(a, "--out"))
			o->out_dir = v;
		else if (!strcmp(a, "--calibration"))
			o->calibration = v;
		else if (!strcmp(a, "--rate"))
			r = num(a, v, 8000, 192000, &o->rate);
		else if (!strcmp(a, "--minutes"))
			r = num(a, v, 0.5, 30, &o->minutes);
		else if (!strcmp(a, "--preroll"))
			r = num(a, v, 0, 60, &o->preroll);
		else if (!strcmp(a, "--level"))
			r = num(a, v, -40, 0, &o->level_db);
		else if (!strcmp(a, "--channel"))
			r = whole(a, v, 1, 64, &o->channel);
		else if (!strcmp(a, "--in-channel"))
			r = whole(a, v, 1, 64, &o->in_channel);
		else if (!strcmp(a, "--out-channel"))
			r = whole(a, v, 1, 64, &o->out_channel);
		else if (!strcmp(a, "--knob"))
			r = parse_knob_set(v, o);
		else {
			takes = 0;
			if (!strcmp(a, "--calibrate"))
				o->calibrate = 1;
			else if (!strcmp(a, "--allow-clip"))
				o->allow_clip = 1;
			else if (!strcmp(a, "--list-devices"))
				o->list = 1;
			else if (!strcmp(a, "--verbose"))
				o->verbose = 1;
			else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
				fputs(USAGE, stdout);
				exit(0);
			} else
				return fail(a, "unknown option\n%s", USAGE);
		}
		if (takes && !v)
			return fail(a, "needs a value");
		if (r)
			return 1;
		i += takes;
	}
	const int modes = !!o->make_signal + !!o->align + !!o->device + o->list;
	if (modes != 1)
		return fail("options", "give one of --make-signal, --align, --device or "
			    "--list-devices\n%s", USAGE);
	if ((o->align || o->device) && !o->out_dir)
		return fail("options", "--out DIR is needed");
	if (o->calibrate && !o->device)
		return fail("--calibrate", "needs --device");
	if (o->knob[0] && (!o->device || o->calibrate))
		return fail("--knob", "a knob set is captured live: it needs --device (and no "
			    "--calibrate)");
	return 0;
}

/* ------------------------------------------------------------------ files */

/* Writes x[0 .. n) as a mono 32-bit float WAV through the one writer. */
static int write_wav(const char *path, const float *x, size_t n, double rate)
{
	char why[512];
	RfxOutFile of;
	if (rfx_out_begin(&of, path, why, sizeof why) != 0)
		return fail(path, "%s", why);
	SF_INFO info = {.samplerate = (int)rate, .channels = 1,
			.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
	SNDFILE *sf = sf_open_fd(of.fd, SFM_WRITE, &info, 0);
	int ok = sf != NULL;
	if (sf) {
		sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE); /* deterministic bytes */
		ok = sf_writef_float(sf, x, (sf_count_t)n) == (sf_count_t)n;
		ok = !sf_close(sf) && ok;
	}
	if (!ok) {
		rfx_out_abort(&of);
		return fail(path, "cannot write audio: %s", sf_strerror(NULL));
	}
	if (rfx_out_commit(&of, why, sizeof why) != 0)
		return fail(path, "%s", why);
	return 0;
}

/* Reads channel `ch` (1-based) of a WAV (any format libsndfile reads) through the one opener. */
static int read_channel(const char *path, int ch, float **x, size_t *n, double *rate)
{
	char why[512];
	int fd = rfx_in_open(path, MAX_RETURN_BYTES, 0, why, sizeof why);
	if (fd < 0)
		return fail(path, "%s", why);
	SF_INFO info = {0};
	SNDFILE *sf = sf_open_fd(fd, SFM_READ, &info, 1);
	if (!sf)
		return fail(path, "not an audio file libsndfile reads: %s", sf_strerror(NULL));
	int rc = 0;
	float *buf = NULL;
	if (ch > info.channels) {
		rc = fail(path, "has %d channel(s); --channel %d does not exist", info.channels, ch);
	} else if (info.frames <= 0) {
		rc = fail(path, "holds no audio");
	} else if (!(buf = malloc((size_t)info.frames * (size_t)info.channels * sizeof *buf))) {
		rc = fail(path, "out of memory for %lld frames", (long long)info.frames);
	} else {
		sf_count_t got = sf_readf_float(sf, buf, info.frames);
		for (sf_count_t i = 0; i < got; ++i)
			buf[i] = buf[i * info.channels + (ch - 1)];
		*x = buf;
		*n = (size_t)got;
		*rate = info.samplerate;
		if (got < info.frames)
			fprintf(stderr, "%s: warning: %s: %lld of %lld frames could be read (a truncated "
				"file?)\n", PROG, path, (long long)got, (long long)info.frames);
	}
	sf_close(sf);
	if (rc)
		free(buf);
	return rc;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return fail(dir, "cannot create the folder: %s", strerror(errno));
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return fail(dir, "is not a folder");
	return 0;
}

/* The interface's own latency from a --calibrate run's calibration.json, or -1. */
static long read_calibration(const char *path, double rate)
{
	char why[512], *text = NULL;
	size_t len;
	if (rfx_in_read(path, 1 << 20, 0, &text, &len, why, sizeof why) != 0) {
		fail(path, "%s", why);
		return -1;
	}
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	free(text);
	json_t *lat = json_object_get(root, "latency_samples");
	json_t *r = json_object_get(root, "rate");
	long v = -1;
	if (!json_is_integer(lat) || !json_is_number(r))
		fail(path, "not a calibration file of " PROG " (no latency_samples and rate)");
	else if (json_number_value(r) != rate)
		fail(path, "calibrated at %g Hz, this capture runs at %g Hz: calibrate again",
		     json_number_value(r), rate);
	else
		v = (long)json_integer_value(lat);
	json_decref(root);
	return v;
}

/* ------------------------------------------------------------------ the checks and the files */

typedef struct {
	const char *route; /* "live", "file", "calibration" */
	char device[256];
	long interface_latency; /* from --calibration, or -1 */
	int n_drops;            /* dropouts the device reported, and where (return samples) */
	long drop_at[MAX_DROPOUTS];
	const char *knob;       /* in a knob set: the knob and its value for this take, else NULL */
	double knob_value;
} Context;

static const char *const SECTION_FILES[RFX_CAPTURE_SECTIONS][2] = {
	{"input.wav", "target.wav"},
	{"val_input.wav", "val_target.wav"},
	{"test_input.wav", "test_target.wav"},
};
static const char *const SECTION_NAMES[RFX_CAPTURE_SECTIONS] = {"train", "validation", "test"};

/* The sections' pairs: the signal, and the return moved back by the latency. */
static int write_pairs(const Options *o, const RfxCaptureLayout *lay, const float *sig,
		       const float *ret, long latency)
{
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s) {
		const size_t a = lay->section[s][0], n = lay->section[s][1] - a;
		char *pi = rfx_path_join(o->out_dir, SECTION_FILES[s][0]);
		char *pt = rfx_path_join(o->out_dir, SECTION_FILES[s][1]);
		int rc = !pi || !pt || write_wav(pi, sig + a, n, lay->rate) ||
			 write_wav(pt, ret + (long)a + latency, n, lay->rate);
		free(pi);
		free(pt);
		if (rc)
			return 1;
	}
	return 0;
}

/* DIR/NAME = text (malloc'd, NULL when out of memory; freed here) through the one writer. */
static int write_text(const char *dir, const char *name, char *text)
{
	char *path = rfx_path_join(dir, name), why[512];
	int rc = 0;
	if (!text || !path)
		rc = fail(name, "out of memory");
	else if (rfx_out_write_file(path, text, strlen(text), why, sizeof why) != 0)
		rc = fail(path, "%s", why);
	free(text);
	free(path);
	return rc;
}

static json_t *levels_json(const RfxCaptureLevels *lv)
{
	return json_pack("{s:f, s:f, s:I}", "peak_dbfs", round(lv->peak_db * 10) / 10, "rms_dbfs",
			 round(lv->rms_db * 10) / 10, "clipped_samples", (json_int_t)lv->clipped);
}

static int write_json(const Options *o, const Context *cx, const RfxCaptureLayout *lay,
		      const RfxCaptureSync *sy, long shift, double corr,
		      const RfxCaptureLevels *dry, const RfxCaptureLevels *wet)
{
	json_t *sections = json_object();
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s)
		json_object_set_new(sections, SECTION_NAMES[s],
				    json_pack("{s:I, s:I, s:s, s:s}", "begin", (json_int_t)lay->section[s][0],
					      "end", (json_int_t)lay->section[s][1], "input",
					      SECTION_FILES[s][0], "target", SECTION_FILES[s][1]));
	json_t *root = json_pack(
		"{s:s, s:i, s:s, s:s, s:f, s:{s:i, s:f, s:I, s:I, s:I, s:o}, s:I, s:f, s:f, s:i, s:f, "
		"s:f, s:o, s:o}",
		"format", "rnnfx-capture", "version", 1, "route", cx->route, "device", cx->device,
		"rate", lay->rate, "signal", "version", lay->version, "minutes", o->minutes,
		"samples", (json_int_t)lay->total, "start_chirp", (json_int_t)lay->start_chirp,
		"end_chirp", (json_int_t)lay->end_chirp, "sections", sections, "latency_samples",
		(json_int_t)sy->latency, "latency_ms", round(sy->latency / lay->rate * 1e5) / 100,
		"drift_ppm", round(sy->drift_ppm * 100) / 100, "polarity", sy->polarity,
		"chirp_correlation", round(sy->score_start * 1000) / 1000, "level_db", o->level_db,
		"dry", levels_json(dry), "return", levels_json(wet));
	if (root) {
		json_object_set_new(root, "aligned_by_samples", json_integer(shift));
		json_object_set_new(root, "material_correlation", json_real(round(corr * 1000) / 1000));
	}
	if (root && cx->knob)
		json_object_set_new(root, "knob", json_pack("{s:s, s:f}", "name", cx->knob, "value",
							     cx->knob_value));
	if (root && cx->interface_latency >= 0) {
		json_object_set_new(root, "interface_latency_samples",
				    json_integer(cx->interface_latency));
		json_object_set_new(root, "amp_delay_samples",
				    json_integer(sy->latency - cx->interface_latency));
	}
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(root);
	return write_text(o->out_dir, o->calibrate ? "calibration.json" : "capture.json", text);
}

/* Levels of the return over the sections only (the chirps and gaps say nothing of the amp). */
static void section_levels(const RfxCaptureLayout *lay, const float *x, long shift,
			   RfxCaptureLevels *lv)
{
	RfxCaptureLevels part;
	*lv = (RfxCaptureLevels){-200, -200, 0};
	double energy = 0, n = 0;
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s) {
		const size_t a = lay->section[s][0], len = lay->section[s][1] - a;
		rfx_capture_levels(x + (long)a + shift, len, &part);
		lv->peak_db = part.peak_db > lv->peak_db ? part.peak_db : lv->peak_db;
		lv->clipped += part.clipped;
		energy += pow(10, part.rms_db / 10) * (double)len;
		n += (double)len;
	}
	lv->rms_db = energy > 0 ? 10 * log10(energy / n) : -200;
}

/* Normalised correlation of the signal and the return over the sections (|.|: an amp may invert):
 * near 1 for a clean amp, lower with distortion, near 0 for a return of other material. */
static double section_correlation(const RfxCaptureLayout *lay, const float *sig, const float *ret,
				  long shift)
{
	double xy = 0, xx = 0, yy = 0;
	for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s)
		for (size_t i = lay->section[s][0]; i < lay->section[s][1]; ++i) {
			const double x = sig[i], y = ret[(long)i + shift];
			xy += x * y;
			xx += x * x;
			yy += y * y;
		}
	return xx > 0 && yy > 0 ? fabs(xy) / sqrt(xx * yy) : 0;
}

/* Aligns, checks and writes one capture. `ret` holds n_ret samples at lay->rate. */
static int finish(const Options *o, const Context *cx, const RfxCaptureLayout *lay,
		  const float *sig, const float *ret, size_t n_ret)
{
	RfxCaptureSync sy;
	char why[512];
	const long max_lat = (long)(RFX_CAPTURE_MAX_LATENCY_S * lay->rate);
	RfxCaptureLevels all;
	rfx_capture_levels(ret, n_ret, &all);
	if (all.peak_db < -100)
		return fail(cx->route[0] == 'f' ? o->align : "capture", "the return is silent: nothing "
			    "came back. Check the cables, the input channel (--in-channel / --channel) "
			    "and the routing");
	if (rfx_capture_sync(lay, sig, ret, n_ret, max_lat, &sy, why, sizeof why) != RFX_OK)
		return fail(cx->route[0] == 'f' ? o->align : "capture", "%s", why);
	const double R = lay->rate, span = (double)(lay->end_chirp - lay->start_chirp) / R;
	fprintf(stderr, "%s: latency %ld samples (%.2f ms), drift %ld samples over %.0f s, "
		"chirp correlation %.2f%s\n", PROG, sy.latency, sy.latency / R * 1e3,
		sy.end_latency - sy.latency, span, sy.score_start,
		sy.polarity < 0 ? ", polarity inverted" : "");
	if (labs(sy.end_latency - sy.latency) > 1)
		return fail("capture", "the end chirp is %ld samples off the start chirp's latency "
			    "(%.0f ppm): samples were lost (dropouts) or the output and the input run "
			    "on different clocks (two devices?). Capture with one interface for both, "
			    "or sync their clocks", sy.end_latency - sy.latency, sy.drift_ppm);
	/* With a calibration the interface's latency is the truth and the amp keeps its own delay
	 * (a model of it should have it too); without one the chirp's delay is taken out. */
	const long shift = cx->interface_latency >= 0 ? cx->interface_latency : sy.latency;
	if (cx->interface_latency >= 0 && sy.latency < cx->interface_latency - 1)
		return fail("capture", "the return arrives %ld samples before the calibrated interface "
			    "latency (%ld): a calibration of another device, rate or buffer size? "
			    "Calibrate again", cx->interface_latency - sy.latency, cx->interface_latency);
	if (shift < -(long)lay->section[0][0] || (size_t)((long)lay->section[2][1] + shift) > n_ret)
		return fail("capture", "the return does not cover the signal's sections");
	/* The device reports a dropout in the callback after it: the samples lost lie within a
	 * buffer or two before. One inside the material spoils it; elsewhere, or in a calibration
	 * (which keeps only the latency, checked by both chirps), it does no harm. */
	const long margin = (long)(0.1 * R);
	for (int k = 0; !o->calibrate && k < cx->n_drops && k < MAX_DROPOUTS; ++k)
		for (int s = 0; s < RFX_CAPTURE_SECTIONS; ++s) {
			const long at = cx->drop_at[k] - shift;
			if (at + margin >= (long)lay->section[s][0] && at - margin < (long)lay->section[s][1])
				return fail("capture", "a dropout at %.2f s fell inside the %s material: "
					    "samples were lost there. Close other programs or use a larger "
					    "buffer, and capture again", at / R, SECTION_NAMES[s]);
		}
	const double corr = section_correlation(lay, sig, ret, shift);
	if (corr < 0.2)
		return fail("capture", "the return's material does not follow the signal (correlation "
			    "%.2f) although its chirps do: a return of another signal length (--minutes) "
			    "or version, or of another take?", corr);
	RfxCaptureLevels dry, wet;
	section_levels(lay, sig, 0, &dry);
	section_levels(lay, ret, shift, &wet);
	fprintf(stderr, "%s: dry peak %.1f dBFS, rms %.1f dBFS; return peak %.1f dBFS, rms %.1f "
		"dBFS, %zu sample(s) at full scale\n", PROG, dry.peak_db, dry.rms_db, wet.peak_db,
		wet.rms_db, wet.clipped);
	if (wet.clipped > 0 && !o->allow_clip)
		return fail("capture", "the return clips (%zu samples at full scale): lower the amp's "
			    "output or the interface's input gain and capture again (--allow-clip "
			    "keeps it)", wet.clipped);
	if (wet.peak_db < -40 || wet.rms_db < -60)
		return fail("capture", "the return is too quiet to train on (peak %.1f dBFS, rms "
			    "%.1f dBFS): raise the input gain, or check --in-channel", wet.peak_db,
			    wet.rms_db);
	if (make_dir(o->out_dir))
		return 1;
	if (!o->calibrate && write_pairs(o, lay, sig, ret, shift))
		return 1;
	if (write_json(o, cx, lay, &sy, shift, corr, &dry, &wet))
		return 1;
	if (o->calibrate) {
		printf("interface latency %ld samples (%.2f ms) at %g Hz: pass --calibration "
		       "%s/calibration.json to later captures\n", sy.latency, sy.latency / R * 1e3, R,
		       o->out_dir);
		return 0;
	}
	if (cx->interface_latency >= 0)
		printf("amp delay %ld samples (%.2f ms) beyond the interface's %ld\n",
		       sy.latency - cx->interface_latency, (sy.latency - cx->interface_latency) / R * 1e3,
		       cx->interface_latency);
	printf("verdict: good capture (%.2f ms latency, no drift, return peak %.1f dBFS)\n",
	       sy.latency / R * 1e3, wet.peak_db);
	if (cx->knob)
		return 0; /* the knob set's command follows its last take */
	/* --capture takes the three pairs, aligned as measured here (docs/capture.md). */
	printf("train it with:\n  rnnfx-train --capture %s --arch gru --hidden 16 --time-budget 300 "
	       "--out %s/model.json\n", o->out_dir, o->out_dir);
	return 0;
}

/* ------------------------------------------------------------------ the modes */

static float *render(const RfxCaptureLayout *lay, double level_db)
{
	float *x = malloc(lay->total * sizeof *x);
	if (!x) {
		fail("signal", "out of memory for %zu samples", lay->total);
		return NULL;
	}
	rfx_capture_render(lay, x);
	if (level_db != 0) {
		const float g = (float)pow(10, level_db / 20);
		for (size_t i = 0; i < lay->total; ++i)
			x[i] *= g;
	}
	return x;
}

static int make_signal(const Options *o)
{
	RfxCaptureLayout lay;
	char why[256];
	if (rfx_capture_layout(o->rate, o->minutes, &lay, why, sizeof why) != RFX_OK)
		return fail("signal", "%s", why);
	float *x = render(&lay, o->level_db);
	int rc = !x || write_wav(o->make_signal, x, lay.total, lay.rate);
	if (!rc)
		printf("capture signal version %d: %.1f s at %g Hz; sections (s): train %.1f-%.1f, "
		       "validation %.1f-%.1f, test %.1f-%.1f\n", lay.version, lay.total / lay.rate,
		       lay.rate, lay.section[0][0] / lay.rate, lay.section[0][1] / lay.rate,
		       lay.section[1][0] / lay.rate, lay.section[1][1] / lay.rate,
		       lay.section[2][0] / lay.rate, lay.section[2][1] / lay.rate);
	free(x);
	return rc;
}

static int align_file(const Options *o, Context *cx)
{
	float *ret = NULL;
	size_t n = 0;
	double rate = 0;
	if (read_channel(o->align, o->channel, &ret, &n, &rate))
		return 1;
	int rc = 1;
	RfxCaptureLayout lay;
	char why[256];
	if (rate != o->rate)
		fail(o->align, "is at %g Hz, the signal at %g Hz (--rate): export the return at the "
		     "signal's rate (no resampling here: it would move the latency)", rate, o->rate);
	else if (rfx_capture_layout(rate, o->minutes, &lay, why, sizeof why) != RFX_OK)
		fail(o->align, "%s", why);
	else {
		float *sig = render(&lay, o->level_db);
		snprintf(cx->device, sizeof cx->device, "file: %s", o->align);
		rc = !sig || finish(o, cx, &lay, sig, ret, n);
		free(sig);
	}
	free(ret);
	return rc;
}

/* ------------------------------------------------------------------ live (PortAudio) */

/* The stream runs from the first take to the last, silent between takes (so that a knob set needs
 * its ports connected once); a take plays the signal after a pre-roll and records the return into a
 * buffer allocated before the stream starts (no allocation, lock or I/O in the callback). */
typedef struct {
	const float *sig;
	size_t n_sig, preroll, n_rec;
	float *rec;
	int n_in, n_out, in_ch, out_ch; /* channel counts opened; 0-based channels used */
	atomic_int armed;               /* set to start a take; the callback clears it at the end */
	atomic_size_t pos;              /* frames of the take done */
	atomic_int dropouts;            /* callbacks of the take that reported an over- or underflow */
	size_t drop_at[MAX_DROPOUTS];   /* where the first ones were reported (take frames) */
} Take;

static int take_cb(const void *input, void *output, unsigned long frames,
		   const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *data)
{
	(void)ti;
	Take *t = data;
	const float *in = input;
	float *out = output;
	memset(out, 0, frames * (size_t)t->n_out * sizeof *out);
	if (!atomic_load_explicit(&t->armed, memory_order_acquire))
		return paContinue;
	size_t pos = atomic_load_explicit(&t->pos, memory_order_relaxed);
	if (flags & (paInputOverflow | paInputUnderflow | paOutputUnderflow | paOutputOverflow)) {
		int k = atomic_fetch_add_explicit(&t->dropouts, 1, memory_order_relaxed);
		if (k < MAX_DROPOUTS)
			t->drop_at[k] = pos;
	}
	for (unsigned long f = 0; f < frames && pos < t->n_rec; ++f, ++pos) {
		if (pos >= t->preroll && pos - t->preroll < t->n_sig)
			out[f * (size_t)t->n_out + (size_t)t->out_ch] = t->sig[pos - t->preroll];
		t->rec[pos] = in ? in[f * (size_t)t->n_in + (size_t)t->in_ch] : 0.0f;
	}
	atomic_store_explicit(&t->pos, pos, memory_order_release);
	if (pos >= t->n_rec)
		atomic_store_explicit(&t->armed, 0, memory_order_release);
	return paContinue;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float peak(const float *x, size_t a, size_t b)
{
	float p = 0;
	for (size_t i = a; i < b; ++i)
		p = fabsf(x[i]) > p ? fabsf(x[i]) : p;
	return p;
}

static double dbfs(float a)
{
	return a > 0 ? 20 * log10(a) : -99;
}

/* Starts a take and waits for its end, printing a progress line twice a second. Bounded: a stream
 * that stops moving is an error, never a hang. */
static int run_take(PaStream *st, Take *t, double rate)
{
	atomic_store(&t->pos, 0);
	atomic_store(&t->dropouts, 0);
	atomic_store_explicit(&t->armed, 1, memory_order_release);
	const double limit = now_s() + (double)t->n_rec / rate * 1.5 + 10;
	const int tty = isatty(STDERR_FILENO);
	size_t shown = 0;
	double next = 0;
	while (atomic_load_explicit(&t->armed, memory_order_acquire)) {
		if (now_s() > limit || Pa_IsStreamActive(st) != 1) {
			atomic_store(&t->armed, 0);
			return fail("capture", "the stream stopped moving after %.1f s",
				    (double)atomic_load(&t->pos) / rate);
		}
		Pa_Sleep(100);
		size_t pos = atomic_load_explicit(&t->pos, memory_order_acquire);
		pos = pos < t->n_rec ? pos : t->n_rec;
		if (now_s() < next)
			continue;
		next = now_s() + (tty ? 0.5 : 5.0); /* a log gets a line every 5 s */
		const float pin = peak(t->rec, shown, pos);
		const size_t s0 = shown > t->preroll ? shown - t->preroll : 0;
		const size_t s1 = pos > t->preroll ? pos - t->preroll : 0;
		const float pout = peak(t->sig, s0 < t->n_sig ? s0 : t->n_sig, s1 < t->n_sig ? s1 : t->n_sig);
		fprintf(stderr, "%s  %6.1f / %.1f s   out %6.1f dBFS   in %6.1f dBFS %s%s",
			tty ? "\r" : "", pos / rate, t->n_rec / rate, dbfs(pout), dbfs(pin),
			pin >= 0.999f ? "CLIP" : "    ", tty ? "" : "\n");
		shown = pos;
	}
	if (tty)
		fprintf(stderr, "\n");
	return 0;
}

static int open_take(const Options *o, Take *t, char *name, size_t name_size, PaStream **st)
{
	char why[256];
	PaDeviceIndex d = rfx_pa_find_device(o->device, o->in_channel, o->out_channel, why, sizeof why);
	if (d == paNoDevice)
		return fail(o->device, "%s", why);
	rfx_pa_device_name(d, name, name_size);
	const PaDeviceInfo *di = Pa_GetDeviceInfo(d);
	if (di->maxInputChannels < o->in_channel || di->maxOutputChannels < o->out_channel)
		return fail(name, "has %d input(s) and %d output(s): --in-channel %d / --out-channel %d "
			    "do not exist", di->maxInputChannels, di->maxOutputChannels,
			    o->in_channel, o->out_channel);
	t->n_in = o->in_channel;
	t->n_out = o->out_channel;
	t->in_ch = o->in_channel - 1;
	t->out_ch = o->out_channel - 1;
	/* A capture is not latency-bound: the high (safer) latencies avoid dropouts. */
	PaStreamParameters ip = {d, t->n_in, paFloat32, di->defaultHighInputLatency, NULL};
	PaStreamParameters op = {d, t->n_out, paFloat32, di->defaultHighOutputLatency, NULL};
	PaError err = Pa_OpenStream(st, &ip, &op, o->rate, paFramesPerBufferUnspecified, paClipOff,
				    take_cb, t);
	if (err == paNoError && (err = Pa_StartStream(*st)) != paNoError)
		Pa_CloseStream(*st);
	if (err != paNoError)
		return fail(name, "cannot open it for %d in / %d out at %g Hz: %s", t->n_in, t->n_out,
			    o->rate, Pa_GetErrorText(err));
	return 0;
}

/* One take on the running stream, checked and written to o->out_dir by finish(). */
static int one_take(const Options *o, Context *cx, const RfxCaptureLayout *lay, Take *t,
		    PaStream *st)
{
	fprintf(stderr, "%s: %s: playing %.1f s (after %.1f s of silence) on output %d, recording "
		"input %d\n", PROG, cx->device, lay->total / lay->rate, o->preroll, o->out_channel,
		o->in_channel);
	if (run_take(st, t, o->rate))
		return 1;
	/* finish() refuses a dropout inside the material, and one that moved the end chirp. */
	const int drops = atomic_load(&t->dropouts);
	if (drops)
		fprintf(stderr, "%s: the device reported %d over- or underflow(s)\n", PROG, drops);
	if (drops > MAX_DROPOUTS)
		return fail("capture", "%d dropouts during the take: close other programs or use a "
			    "larger buffer, and capture again", drops);
	cx->n_drops = drops < MAX_DROPOUTS ? drops : MAX_DROPOUTS;
	for (int k = 0; k < cx->n_drops; ++k)
		cx->drop_at[k] = (long)t->drop_at[k] - (long)t->preroll;
	return finish(o, cx, lay, t->sig, t->rec + t->preroll, lay->total);
}

/* The answer to a knob set's prompt: '\n' (record), 'r' (redo the last take) or 'q' (stop; also
 * at the end of the input). */
static int ask(void)
{
	char line[128];
	if (!fgets(line, sizeof line, stdin))
		return 'q';
	if (!strchr(line, '\n')) { /* a long line: the rest is not another answer */
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
	}
	const char *p = line + strspn(line, " \t");
	return *p == 'r' || *p == 'R' ? 'r' : *p == 'q' || *p == 'Q' ? 'q' : '\n';
}

/* A take's folder in a knob set: DIR/NAME-VALUE. */
static char *take_dir(const Options *o, double v)
{
	char name[MAX_KNOB_NAME + 40];
	snprintf(name, sizeof name, "%s-%g", o->knob, v);
	return rfx_path_join(o->out_dir, name);
}

/* The knob set's record (DIR/knob-set.json, which rnnfx-train --capture reads) and the command
 * that trains one model over it. */
static int finish_set(const Options *o, const int *kept)
{
	json_t *takes = json_array();
	for (int i = 0; i < o->n_knob_values; ++i) {
		char name[MAX_KNOB_NAME + 40];
		snprintf(name, sizeof name, "%s-%g", o->knob, o->knob_values[i]);
		if (kept[i])
			json_array_append_new(takes, json_pack("{s:f, s:s}", "value", o->knob_values[i],
							       "folder", name));
	}
	json_t *root = json_pack("{s:s, s:i, s:s, s:o}", "format", "rnnfx-capture-knob-set",
				 "version", 1, "knob", o->knob, "takes", takes);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (write_text(o->out_dir, "knob-set.json", text))
		return 1;
	printf("knob set: %s at", o->knob);
	for (int i = 0; i < o->n_knob_values; ++i)
		if (kept[i])
			printf(" %g", o->knob_values[i]);
	/* --capture takes every take's pairs with its setting (docs/capture.md, "Knob sets"). */
	printf("\ntrain one model over it with:\n  rnnfx-train --capture %s --arch gru --hidden 16 "
	       "--time-budget 600 --out %s/model.json\n", o->out_dir, o->out_dir);
	return 0;
}

/* A knob set: one take per value, the user setting the amp's knob before each. A take the checks
 * refuse is asked for again; 'r' goes back to the take before. Ends with knob-set.json and the
 * training command when 2 settings or more were kept. */
static int knob_session(const Options *o, Context *cx, const RfxCaptureLayout *lay, Take *t,
			PaStream *st)
{
	int kept[MAX_KNOB_VALUES] = {0}, i = 0, n_kept = 0;
	if (make_dir(o->out_dir))
		return 1;
	cx->knob = o->knob;
	while (i < o->n_knob_values) {
		const double v = o->knob_values[i];
		fprintf(stderr, "%s: take %d of %d: set %s to %g, then Enter to record (r: redo the "
			"last take, q: stop)\n", PROG, i + 1, o->n_knob_values, o->knob, v);
		const int a = ask();
		if (a == 'q')
			break;
		if (a == 'r') {
			i -= i > 0;
			continue;
		}
		char *dir = take_dir(o, v);
		if (!dir)
			return fail("capture", "out of memory");
		Options ot = *o;
		ot.out_dir = dir;
		cx->knob_value = v;
		if (!one_take(&ot, cx, lay, t, st)) {
			n_kept += !kept[i];
			kept[i++] = 1;
		} else {
			fprintf(stderr, "%s: the take of %s %g was not kept: mend what was said, then "
				"take it again\n", PROG, o->knob, v);
		}
		free(dir);
	}
	if (n_kept < 2)
		return fail("--knob", "%d setting(s) kept: a knob model needs takes at 2 settings or "
			    "more (the kept takes stay in %s)", n_kept, o->out_dir);
	return finish_set(o, kept);
}

static int capture_live(const Options *o, Context *cx)
{
	RfxCaptureLayout lay;
	char why[256];
	if (rfx_capture_layout(o->rate, o->minutes, &lay, why, sizeof why) != RFX_OK)
		return fail("capture", "%s", why);
	if (rfx_pa_init_quietly(o->verbose) != paNoError)
		return fail("PortAudio", "cannot initialise");
	if (o->list) {
		rfx_pa_list_devices();
		Pa_Terminate();
		return 0;
	}
	Take t = {.preroll = (size_t)llround(o->preroll * o->rate)};
	t.sig = render(&lay, o->level_db);
	t.n_sig = lay.total;
	t.n_rec = t.preroll + lay.total;
	t.rec = calloc(t.n_rec, sizeof *t.rec);
	atomic_init(&t.armed, 0);
	atomic_init(&t.pos, 0);
	atomic_init(&t.dropouts, 0);
	PaStream *st = NULL;
	int rc = !t.sig || !t.rec ? fail("capture", "out of memory") : 0;
	if (!rc)
		rc = open_take(o, &t, cx->device, sizeof cx->device, &st);
	if (!rc) {
		rc = o->knob[0] ? knob_session(o, cx, &lay, &t, st) : one_take(o, cx, &lay, &t, st);
		Pa_StopStream(st);
		Pa_CloseStream(st);
	}
	Pa_Terminate();
	free((void *)t.sig);
	free(t.rec);
	return rc;
}

int main(int argc, char **argv)
{
	Options o;
	if (parse(argc, argv, &o))
		return 2;
	if (o.make_signal)
		return make_signal(&o);
	Context cx = {.route = o.align ? "file" : o.calibrate ? "calibration" : "live",
		      .interface_latency = -1};
	if (o.calibration && (cx.interface_latency = read_calibration(o.calibration, o.rate)) < 0)
		return 1; /* (a return at another rate is refused anyway) */
	if (o.align)
		return align_file(&o, &cx);
	return capture_live(&o, &cx); /* --device, and --list-devices */
}
