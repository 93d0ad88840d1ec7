/* rnnfx-live — runs an rnnfx model in real time on a PortAudio duplex stream.
 *
 *   rnnfx-live --model M [--device D] [--rate HZ] [--frames N] [--channels C] [--watch]
 *   rnnfx-live --list-devices
 *
 * Threads and what each may do:
 *   - the audio callback (PortAudio's thread) only runs streams, mixes a crossfade and counts into
 *     atomics: no allocation, no lock, no I/O, no free;
 *   - the main thread parses options, loads models, builds and frees engines, prints the status
 *     line once a second and handles signals (flags only, set by the handlers).
 *
 * Reloading (SIGHUP, or --watch seeing the file change): the main thread loads the model and builds
 * a complete new engine (dsp/engine.h: one stream per channel, settled on silence as the LV2
 * plugin settles it) in fresh memory and posts it; the callback takes it with an atomic exchange,
 * cross-fades from the old engine to the new over FADE_MS (rfx_engine_swap_*, the plugin's fade),
 * and hands the old one back for the main thread to free. The handoff lives in live_engine.c,
 * apart from PortAudio, so a stress test can run it under ThreadSanitizer.
 */
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include <portaudio.h>

#include "tools/cli.h"
#include "tools/pa_device.h"
#include "tools/live_engine.h"

#define PROG "rnnfx-live"
#define MAX_CHANNELS LIVE_MAX_CHANNELS
#define FADE_MS 20.0
#define POLL_MS 100
#define WATCH_MS 250

typedef struct {
	const char *model_path;
	const char *device;       /* index or name substring; NULL = the defaults */
	double rate;              /* 0 = the model's rate */
	long frames;              /* per callback; 0 = let PortAudio choose */
	int channels;
	int watch, list, verbose;
	double seconds;           /* stop after this long; 0 = until SIGINT */
	LiveCond cond;
} Options;

static volatile sig_atomic_t stop_requested = 0, reload_requested = 0;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

const char cli_prog[] = PROG;

/* ------------------------------------------------------------------ the audio callback */

/* PortAudio's real-time thread. Only live_process: it runs the streams, mixes a crossfade and
 * counts into atomics; it does not allocate, lock, print or free. */
static int audio_cb(const void *input, void *output, unsigned long n,
		    const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags f, void *user)
{
	unsigned flags = (f & paInputUnderflow ? LIVE_IN_UNDERFLOW : 0) |
			 (f & paInputOverflow ? LIVE_IN_OVERFLOW : 0) |
			 (f & paOutputUnderflow ? LIVE_OUT_UNDERFLOW : 0) |
			 (f & paOutputOverflow ? LIVE_OUT_OVERFLOW : 0);
	(void)ti;
	live_process(user, input, output, n, flags);
	return paContinue;
}

/* The inputs and knobs of the model loaded last (the main thread's). */
static LiveModelInputs loaded;

/* Loads the model for the main thread at `rate` (0: the model's own), saying why when it cannot. */
static RfxEngine *load(const Options *o, int C, double rate)
{
	char msg[512];
	LiveModelInputs info;
	RfxEngine *e = live_load(o->model_path, C, &o->cond, rate, &info, msg, sizeof msg);
	if (!e)
		fail(o->model_path, "%s", msg);
	else
		loaded = info;
	return e;
}

/* The loaded model's conditioning inputs, handed to the audio thread (live_set_input). */
static void post_inputs(Live *lv)
{
	for (int k = 0; k < loaded.inputs.n; k++)
		live_set_input(lv, loaded.inputs.index[k], loaded.inputs.value[k]);
}

/* ------------------------------------------------------------------ options */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s --model M [options]\n"
		"       %s --list-devices\n"
		"  --model M        rnnfx model file (.json)\n"
		"  --device D       device index, or a piece of \"host API: device name\" (e.g. JACK);\n"
		"                   default: the default input and output devices\n"
		"  --rate HZ        sample rate (default: the model's)\n"
		"  --frames N       frames per callback (default 256; 0 = PortAudio chooses)\n"
		"  --channels C     channels in and out, one stream each (default 1, up to %d)\n"
		"  --knob NAME=V    a knob model's knob at V in its own units (clamped to the trained\n"
		"                   range); knobs not given sit at their default\n"
		"  --cond I=V       hold conditioning input I at the network value V\n"
		"  --watch          reload when the model file changes (SIGHUP always reloads)\n"
		"While it runs, a line on stdin \"NAME=V\" turns knob NAME to V (it glides there in\n"
		"about 20 ms), \"I=V\" sets conditioning input I.\n"
		"  --seconds S      stop after S seconds (default: run until Ctrl-C)\n"
		"  -v, --verbose    keep the audio back-ends' start-up messages\n",
		PROG, PROG, MAX_CHANNELS);
}

static int parse_cond(Options *o, const char *arg)
{
	char *end;
	long index = strtol(arg, &end, 10);
	if (end == arg || *end != '=' || o->cond.n >= RFX_MAX_INPUTS)
		return -1;
	const char *vs = end + 1;
	float v = strtof(vs, &end);
	if (end == vs || *end || !isfinite(v))
		return -1;
	o->cond.index[o->cond.n] = (int)index;
	o->cond.value[o->cond.n++] = v;
	return 0;
}

/* Returns 0 to run, 1 for a usage error, 2 for help. */
static int parse_args(int argc, char **argv, Options *o)
{
	memset(o, 0, sizeof *o);
	o->frames = 256;
	o->channels = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 2;
		if (!strcmp(a, "--list-devices")) { o->list = 1; continue; }
		if (!strcmp(a, "--watch")) { o->watch = 1; continue; }
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) { o->verbose = 1; continue; }
		if (!v) {
			fprintf(stderr, "%s: option '%s' needs a value (or is unknown)\n", PROG, a);
			return 1;
		}
		i++;
		if (!strcmp(a, "--model") || !strcmp(a, "-m")) {
			o->model_path = v;
		} else if (!strcmp(a, "--device")) {
			o->device = v;
		} else if (!strcmp(a, "--rate")) {
			o->rate = strtod(v, &end);
			if (*end || !(o->rate > 0))
				return fprintf(stderr, "%s: --rate '%s': expected Hz > 0\n", PROG, v), 1;
		} else if (!strcmp(a, "--frames")) {
			o->frames = strtol(v, &end, 10);
			if (*end || o->frames < 0 || o->frames > 65536)
				return fprintf(stderr, "%s: --frames '%s': expected 0..65536\n", PROG, v), 1;
		} else if (!strcmp(a, "--channels")) {
			o->channels = (int)strtol(v, &end, 10);
			if (*end || o->channels < 1 || o->channels > MAX_CHANNELS)
				return fprintf(stderr, "%s: --channels '%s': expected 1..%d\n", PROG, v,
					       MAX_CHANNELS), 1;
		} else if (!strcmp(a, "--seconds")) {
			o->seconds = strtod(v, &end);
			if (*end || !(o->seconds >= 0))
				return fprintf(stderr, "%s: --seconds '%s': expected >= 0\n", PROG, v), 1;
		} else if (!strcmp(a, "--knob")) {
			if (o->cond.n_knob >= RFX_MAX_KNOBS ||
			    cli_parse_knob(v, &o->cond.knob[o->cond.n_knob++]))
				return fprintf(stderr, "%s: --knob '%s': expected NAME=VALUE, e.g. drive=7.5 "
					       "(at most %d knobs)\n", PROG, v, RFX_MAX_KNOBS), 1;
		} else if (!strcmp(a, "--cond")) {
			if (parse_cond(o, v))
				return fprintf(stderr, "%s: --cond '%s': expected INDEX=VALUE\n", PROG, v), 1;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", PROG, a);
			return 1;
		}
	}
	if (!o->list && !o->model_path) {
		fprintf(stderr, "%s: need --model M (see --help)\n", PROG);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ devices */

static int open_stream(const Options *o, Live *lv, double rate, PaStream **out)
{
	PaDeviceIndex din, dout;
	if (o->device) {
		char why[256];
		din = dout = rfx_pa_find_device(o->device, o->channels, o->channels, why, sizeof why);
		if (din == paNoDevice)
			return fail(o->device, "%s", why);
	} else {
		din = Pa_GetDefaultInputDevice();
		dout = Pa_GetDefaultOutputDevice();
		if (din == paNoDevice || dout == paNoDevice)
			return fail("default device", "there is no default %s device; pick one with "
				    "--device (see --list-devices)", din == paNoDevice ? "input" : "output");
	}
	PaStreamParameters ip = { din, o->channels, paFloat32,
				  Pa_GetDeviceInfo(din)->defaultLowInputLatency, NULL };
	PaStreamParameters op = { dout, o->channels, paFloat32,
				  Pa_GetDeviceInfo(dout)->defaultLowOutputLatency, NULL };
	unsigned long fpb = o->frames ? (unsigned long)o->frames : paFramesPerBufferUnspecified;
	PaError err = Pa_OpenStream(out, &ip, &op, rate, fpb, paNoFlag, audio_cb, lv);
	if (err == paNoError) {
		err = Pa_StartStream(*out);
		if (err != paNoError)
			Pa_CloseStream(*out);
	}
	if (err != paNoError) {
		*out = NULL;
		char a[256], b[256];
		rfx_pa_device_name(din, a, sizeof a);
		rfx_pa_device_name(dout, b, sizeof b);
		fprintf(stderr, "%s: cannot open device %d '%s'", PROG, din, a);
		if (dout != din)
			fprintf(stderr, " / %d '%s'", dout, b);
		fprintf(stderr, " (%d channel(s), %g Hz, %lu frames): %s\n", o->channels, rate,
			(unsigned long)o->frames, Pa_GetErrorText(err));
		if (err == paUnanticipatedHostError)
			fprintf(stderr, "%s: host error: %s\n", PROG, Pa_GetLastHostErrorInfo()->errorText);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ main thread */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


/* The file's identity for --watch: a rename over it changes the inode, a write the mtime. */
static int file_stamp(const char *path, struct stat *st)
{
	return stat(path, st);
}

static int stamp_changed(const struct stat *a, const struct stat *b)
{
	return a->st_ino != b->st_ino || a->st_size != b->st_size ||
	       a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

/* Loads the model again and posts it to the callback. A model that fails to load is reported
 * and the running one stays. */
static RfxEngine *reload(const Options *o, Live *lv, double rate)
{
	RfxEngine *e = load(o, lv->C, rate);
	if (!e) {
		fprintf(stderr, "%s: %s: reload failed; still running the previous model\n", PROG,
			o->model_path);
		return NULL;
	}
	if (rfx_engine_model_rate(e) != rate)
		fprintf(stderr, "%s: %s: the model was trained at %g Hz: resampling around it at %g Hz "
			"(%u samples of delay)\n", PROG, o->model_path, rfx_engine_model_rate(e), rate,
			rfx_engine_latency(e));
	rfx_engine_destroy(live_post(lv, e));
	post_inputs(lv);
	fprintf(stderr, "%s: %s: reloaded\n", PROG, o->model_path);
	return e;
}

/* `latest` is the model the main thread built last: the callback runs it, or soon will. Its
 * labels never change and only this thread frees models, so reading them here is safe. */
static void print_status(PaStream *s, Live *lv, const RfxEngine *latest)
{
	printf("cpu %5.1f%%  in under/over %u/%u  out under/over %u/%u  non-finite %u  reloads %u",
	       100.0 * Pa_GetStreamCpuLoad(s), atomic_load(&lv->in_underflow),
	       atomic_load(&lv->in_overflow), atomic_load(&lv->out_underflow),
	       atomic_load(&lv->out_overflow), atomic_load(&lv->nonfinite), atomic_load(&lv->swaps));
	int K = rfx_engine_outputs(latest);
	if (K > 1) {
		float conf;
		unsigned k = live_class(lv, &conf);
		if (k < (unsigned)K)
			printf("  class %u '%s' %.2f", k, rfx_engine_label(latest, (int)k), conf);
	}
	putchar('\n');
	fflush(stdout);
}

/* ------------------------------------------------------------------ knobs from stdin */

/* A line typed (or piped) while the audio runs: "NAME=V" sets knob NAME in its units (clamped to
 * the trained range), "I=V" conditioning input I as it is. The new value also goes into the
 * options, so a reload keeps it. */
static void knob_line(Options *o, Live *lv, char *line)
{
	static char names[RFX_MAX_KNOBS][64]; /* the settings' names live here, not in the line */
	RfxKnobSetting set;
	line[strcspn(line, "\r")] = '\0';
	if (!line[strspn(line, " \t")])
		return;
	if (cli_parse_knob(line, &set) != 0) {
		fprintf(stderr, "%s: stdin: '%s': expected NAME=VALUE (a knob) or I=VALUE (an input)\n",
			PROG, line);
		return;
	}
	char *end;
	long idx = strtol(line, &end, 10);
	if (end == line + set.name_len) { /* "I=V": a conditioning input by index */
		int k = 0;
		while (k < o->cond.n && o->cond.index[k] != idx)
			k++;
		if (idx < 1 || idx >= RFX_MAX_INPUTS || k == RFX_MAX_INPUTS) {
			fprintf(stderr, "%s: stdin: input %ld does not exist\n", PROG, idx);
			return;
		}
		o->cond.index[k] = (int)idx;
		o->cond.value[k] = (float)set.value;
		o->cond.n += k == o->cond.n;
		live_set_input(lv, (int)idx, (float)set.value);
		fprintf(stderr, "%s: input %ld = %g\n", PROG, idx, set.value);
		return;
	}
	int i = 0;
	while (i < loaded.n_knobs && (strlen(loaded.knob[i].name) != set.name_len ||
				      memcmp(loaded.knob[i].name, set.name, set.name_len) != 0))
		i++;
	if (i == loaded.n_knobs) {
		fprintf(stderr, "%s: stdin: the model has no knob named '%.*s'\n", PROG,
			(int)set.name_len, set.name);
		return;
	}
	int clamped = 0;
	const RfxKnob *kn = &loaded.knob[i];
	const float v = rfx_knob_input(kn, set.value, &clamped);
	live_set_input(lv, kn->input, v);
	fprintf(stderr, "%s: %s = %g%s (input %d = %g)\n", PROG, kn->name, set.value,
		clamped ? ", clamped to the trained range" : "", kn->input, v);
	/* Kept for reloads: the setting of this name is replaced, or added. */
	int k = 0;
	while (k < o->cond.n_knob && (o->cond.knob[k].name_len != set.name_len ||
				       memcmp(o->cond.knob[k].name, set.name, set.name_len) != 0))
		k++;
	if (k == RFX_MAX_KNOBS)
		return;
	if (k == o->cond.n_knob) {
		snprintf(names[k], sizeof names[k], "%s", kn->name);
		o->cond.knob[k] = (RfxKnobSetting){names[k], set.name_len, set.value};
		o->cond.n_knob++;
	} else {
		o->cond.knob[k].value = set.value;
	}
}

/* Waits up to POLL_MS for lines on stdin and acts on each whole one. At the end of stdin (or
 * when it is closed) it only sleeps from then on. */
static void wait_for_lines(Options *o, Live *lv, int *stdin_open)
{
	static char buf[512];
	static size_t len;
	if (!*stdin_open) {
		struct timespec ts = { 0, POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
		return;
	}
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	const int r = poll(&p, 1, POLL_MS);
	if (r == 0 || (r < 0 && errno == EINTR))
		return; /* time to look around, or a signal the loop acts on */
	ssize_t got = -1;
	if (r > 0 && !(p.revents & POLLNVAL))
		got = read(STDIN_FILENO, buf + len, sizeof buf - 1 - len);
	if (got <= 0) {
		*stdin_open = got < 0 && errno == EINTR; /* the end of stdin, or no stdin */
		return;
	}
	len += (size_t)got;
	buf[len] = '\0';
	char *nl;
	while ((nl = strchr(buf, '\n'))) {
		*nl = '\0';
		knob_line(o, lv, buf);
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len + 1);
	}
	if (len == sizeof buf - 1) /* a line longer than any command: dropped */
		len = 0;
}

/* Runs until SIGINT/SIGTERM, --seconds, or the stream stops by itself. */
static int main_loop(Options *o, PaStream *s, Live *lv, double rate)
{
	const RfxEngine *latest = lv->swap.cur;
	struct stat seen = { 0 }, now;
	int have_stamp = file_stamp(o->model_path, &seen) == 0;
	double t0 = now_s(), next_status = t0 + 1, next_watch = t0;
	int stdin_open = 1;
	while (!stop_requested) {
		wait_for_lines(o, lv, &stdin_open);
		rfx_engine_destroy(live_collect(lv));
		double t = now_s();
		if (o->watch && t >= next_watch) {
			next_watch = t + WATCH_MS * 1e-3;
			if (file_stamp(o->model_path, &now) == 0 && (!have_stamp || stamp_changed(&seen, &now))) {
				seen = now;
				have_stamp = 1;
				reload_requested = 1;
			}
		}
		if (reload_requested) {
			reload_requested = 0;
			const RfxEngine *e = reload(o, lv, rate);
			if (e)
				latest = e;
		}
		if (t >= next_status) {
			next_status += 1;
			print_status(s, lv, latest);
		}
		if (o->seconds > 0 && t - t0 >= o->seconds)
			break;
		if (Pa_IsStreamActive(s) != 1)
			return fail("stream", "stopped by the audio back-end");
	}
	return 0;
}

static int run(Options *o)
{
	static Live lv;   /* static: the callback's scratch stays off the main thread's stack */
	PaStream *s = NULL;
	RfxEngine *first = load(o, o->channels, o->rate);
	if (!first)
		return 1;
	double rate = o->rate > 0 ? o->rate : rfx_engine_model_rate(first);
	if (rfx_engine_model_rate(first) != rate)
		fprintf(stderr, "%s: %s: the model was trained at %g Hz: resampling around it at %g Hz "
			"(%u samples of delay)\n", PROG, o->model_path, rfx_engine_model_rate(first), rate,
			rfx_engine_latency(first));
	live_init(&lv, o->channels, rate, FADE_MS, first);
	post_inputs(&lv); /* before the audio starts: they hold at once */
	int rc = open_stream(o, &lv, rate, &s);
	if (!rc) {
		fprintf(stderr, "%s: running '%s' at %g Hz, %d channel(s); Ctrl-C stops%s\n", PROG,
			o->model_path, rate, lv.C, o->watch ? ", file changes reload" : "");
		rc = main_loop(o, s, &lv, rate);
		Pa_StopStream(s);
		Pa_CloseStream(s);
	}
	live_free_all(&lv);
	return rc;
}

int main(int argc, char **argv)
{
	Options o;
	int rc = cli_parsed(parse_args(argc, argv, &o), usage);
	if (rc >= 0)
		return rc;
	cli_catch_stop(on_stop, SA_RESETHAND);
	struct sigaction sa_hup = { .sa_handler = on_hup };
	sigaction(SIGHUP, &sa_hup, NULL);
	PaError err = rfx_pa_init_quietly(o.verbose);
	if (err != paNoError)
		return fail("PortAudio", "%s", Pa_GetErrorText(err));
	if (o.list) {
		rfx_pa_list_devices();
		rc = 0;
	} else {
		rc = run(&o);
	}
	Pa_Terminate();
	return rc;
}
