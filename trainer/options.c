#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "rnnfx-train"

static const char USAGE_EFFECT[] =
	"usage: " PROG " --input DI.wav --target AMP.wav [--input ... --target ...] --out MODEL.json\n"
	"                   [options]\n"
	"       " PROG " --capture DIR --out MODEL.json [options]   (a folder rnnfx-capture wrote)\n"
	"       " PROG " --task classify --classes DIR --out MODEL.json [options]   (see --task classify --help)\n"
	"data:\n"
	"  --input F / --target F       a training pair (repeatable; WAV/FLAC/AIFF, any bit depth)\n"
	"  --val-input F / --val-target F   validation pair(s) instead of --val-split\n"
	"  --test-input F / --test-target F held-out test pair(s) instead of --test-split\n"
	"  --capture DIR                the pairs of a capture or knob set rnnfx-capture wrote in DIR,\n"
	"                               with their settings; aligned as measured (--align=0)\n"
	"  --val-split X                validation fraction, from the end of each pair (0.15)\n"
	"  --test-split X               test fraction, after the validation part (0)\n"
	"  --channel N                  use channel N (1-based) of multi-channel files\n"
	"  --align[=SAMPLES]            shift the target by the estimated (or given) delay\n"
	"  --max-lag MS                 delay search range for the estimate (50 ms)\n"
	"  --rate HZ                    resample the data to HZ and train a model for that rate\n"
	"  --knob NAME=VALUE            the setting of knob NAME for the pair just given (repeatable,\n"
	"                               up to 4 knobs; every pair needs every knob): a conditioned model\n"
	"  --knob-default NAME=VALUE    the knob's default in the metadata (the middle of its range)\n"
	"  --knob-unit NAME=UNIT        the knob's unit in the metadata (dB, %, ...): hosts show it\n"
	"  --knob-track NAME=FILE       instead of --knob: the knob moved during the pair's take; FILE\n"
	"                               holds \"time,value\" points (seconds from the input's start)\n"
	"model:\n"
	"  --arch rnn|gru|lstm (gru)  --hidden H (16)  --layers L (1)  --skip  --init-state zeros|trained\n"
	"  --init-gates default|chrono  gate biases for long memory (chrono: units keep their state\n"
	"                               up to the target's memory; see docs/trainer.md)\n"
	"  --seed N (1)\n"
	"training:\n"
	"  --segment S (0.5 s)  --warmup N (1000)  --window N (2048)  --batch N (8)  --lr X (1e-2)\n"
	"  --betas B1,B2 (0.9,0.999)  --weight-decay X (0)  --clip X (1, 0 = off)  --loss esr|mse (esr)\n"
	"  --patience N (25 validations)  --plateau N (5)  --epochs N (0 = no limit)\n"
	"  --time-budget S (0 = none)  --val-every N batches (0 = per epoch)  --threads N (all cores)\n"
	"output:\n"
	"  --out F  --report F.svg (default: next to --out)  --no-report  --checkpoint F (F = OUT.ckpt)\n"
	"  --lv2-preset DIR.lv2         also write an LV2 preset bundle for the plugin (put it in ~/.lv2)\n"
	"  --resume CHECKPOINT  --quiet  --help  --version\n";

static const char USAGE_CLASSIFY[] =
	"usage: " PROG " --task classify (--classes DIR | --labels F.csv) --out MODEL.json [options]\n"
	"data (each repeatable up to 8 times; all files at one sample rate):\n"
	"  --classes DIR        one sub-folder per class; folder name = label; audio files inside\n"
	"  --labels F.csv       lines file,start,end,label (seconds; paths relative to the CSV)\n"
	"  --val-classes DIR / --val-labels F.csv    validation data instead of --val-split\n"
	"  --test-classes DIR / --test-labels F.csv  held-out test data (metrics in the metadata)\n"
	"  --val-split X        the last X of every training file is validation (0.15)\n"
	"  --class-names a,b,c  fix the classes and their order (else sorted labels)\n"
	"  --no-class-weights   plain cross-entropy (default: inverse class frequency, normalised)\n"
	"  --gain-augment LO,HI each training segment gets a gain drawn uniformly in LO..HI dB (off;\n"
	"                       seeded; validation and test are never scaled)\n"
	"model:\n"
	"  --arch rnn|gru|lstm (gru)  --hidden H (16)  --layers L (1)  --seed N (1)\n"
	"training:\n"
	"  --segment S (0.5 s)  --warmup N (1000)  --window N (2048)  --batch N (8)  --lr X (5e-3)\n"
	"  --clip X (1)  --epochs N  --time-budget S  --patience N (25)  --plateau N (5)\n"
	"  --batches N (batches per epoch; default: the training audio once)  --threads N (all cores)\n"
	"output:\n"
	"  --out F  --report F.svg (confusion matrix; default next to --out)  --no-report\n"
	"  --checkpoint F (OUT.ckpt)  --resume CHECKPOINT  --quiet\n"
	"  --eval MODEL         only measure MODEL on the --classes/--labels data (no training)\n";

static const char USAGE_ONSET[] =
	"usage: " PROG " --task onset --onsets DIR --out MODEL.json [options]\n"
	"An onset model: audio in, per sample and class the probability that a hit just began; the\n"
	"classifier plugin and rnnfx-run turn it into MIDI notes (docs/trainer.md, \"Onset models\").\n"
	"data (each repeatable up to 8 times; all files at one sample rate):\n"
	"  --onsets DIR         NAME.wav files, each with NAME.csv beside it: lines \"time,class\"\n"
	"                       (seconds from the file's start; a \"time,class\" header is skipped)\n"
	"  --val-onsets DIR     validation data instead of --val-split\n"
	"  --test-onsets DIR    held-out test data (metrics in the metadata)\n"
	"  --val-split X        the last X of every training file is validation (0.15)\n"
	"  --class-names a,b,c  fix the classes and their order (else sorted labels)\n"
	"  --decision-delay MS  a hit's target is 1 from MS after its onset (8): the model may wait\n"
	"                       that long to tell the classes apart (before: no target)\n"
	"  --tolerance MS       ... until MS after it (20)\n"
	"  --notes a=N,b=M      MIDI note per class (default: General MIDI drums by label:\n"
	"                       kick 36, snare 38, hihat 42, tom 45, cymbal 49, ...)\n"
	"  --no-class-weights   plain binary cross-entropy (default: hits weighted up, per class)\n"
	"  --frontend bands:N|none  the model's inputs: N band levels and the level (10), or samples\n"
	"  --hop N              the network steps every N samples on the front end's features\n"
	"                       (default: 1 ms, 48 at 48 kHz; 1: every sample); --warmup and\n"
	"                       --window stay in samples\n"
	"model:\n"
	"  --arch rnn|gru|lstm (gru)  --hidden H (16)  --layers L (1)  --seed N (1)\n"
	"training:\n"
	"  --segment S (0.5 s)  --warmup N (1000)  --window N (2048)  --batch N (8)  --lr X (5e-3)\n"
	"  --clip X (1)  --epochs N  --time-budget S  --patience N (25)  --plateau N (5)\n"
	"  --batches N (batches per epoch; default: the training audio once)  --threads N (all cores)\n"
	"output:\n"
	"  --out F  --checkpoint F (OUT.ckpt)  --resume CHECKPOINT  --quiet  --no-report\n"
	"  --eval MODEL         only measure MODEL on the --onsets data (no training)\n"
	"  --init MODEL         start from MODEL's weights (fine-tune an onset model, e.g. the drum\n"
	"                       preset, on hits of your own kit): its shape, front end, hop, classes\n"
	"                       and notes are kept, so --arch, --hidden, --layers, --frontend and\n"
	"                       --hop are refused\n"
	"  --ensemble A,B,...   no training: 2 to 8 onset models of one shape (seeds of one recipe)\n"
	"                       as one model that averages them, its thresholds calibrated on\n"
	"                       --val-onsets (needed; --onsets is not), measured on --test-onsets\n";

enum {
	O_INPUT = 256, O_TARGET, O_VAL_IN, O_VAL_TGT, O_TEST_IN, O_TEST_TGT, O_VAL_SPLIT, O_TEST_SPLIT,
	O_CHANNEL, O_ALIGN, O_MAX_LAG, O_RATE, O_ARCH, O_HIDDEN, O_LAYERS, O_SKIP, O_INIT, O_SEED, O_SEGMENT, O_WARMUP,
	O_INIT_MODEL, O_ENSEMBLE, O_WINDOW, O_BATCH, O_LR, O_BETAS, O_WD, O_CLIP, O_LOSS, O_PATIENCE, O_PLATEAU, O_EPOCHS,
	O_BUDGET, O_VAL_EVERY, O_THREADS, O_OUT, O_REPORT, O_NO_REPORT, O_CKPT, O_RESUME, O_QUIET, O_LV2_PRESET,
	O_HELP, O_VERSION, O_TASK, O_CLASSES, O_LABELS, O_VAL_CLASSES, O_VAL_LABELS, O_TEST_CLASSES,
	O_TEST_LABELS, O_CLASS_NAMES, O_NO_WEIGHTS, O_BATCHES, O_EVAL, O_KNOB, O_KNOB_DEFAULT, O_CAPTURE, O_KNOB_TRACK, O_KNOB_UNIT, O_INIT_GATES,
	O_ONSETS, O_VAL_ONSETS, O_TEST_ONSETS, O_TOLERANCE, O_NOTES, O_DECISION, O_FRONTEND,
	O_HOP
};

/* Options added since, numbered past the list above (their own line, so parallel additions do
 * not collide). */
enum { O_GAIN_AUGMENT = 1024 };

/* Which tasks take an option: CLS marks what classifiers and onset detectors share. */
#define EFF (1u << TRN_TASK_EFFECT)
#define CLS_ONLY (1u << TRN_TASK_CLASSIFY)
#define ONS (1u << TRN_TASK_ONSET)
#define CLS (CLS_ONLY | ONS)
#define BOTH (EFF | CLS)

static const struct {
	struct option o;
	unsigned tasks;
} OPTIONS[] = {
	{ { "input", 1, 0, O_INPUT }, EFF }, { { "target", 1, 0, O_TARGET }, EFF },
	{ { "val-input", 1, 0, O_VAL_IN }, EFF }, { { "val-target", 1, 0, O_VAL_TGT }, EFF },
	{ { "test-input", 1, 0, O_TEST_IN }, EFF }, { { "test-target", 1, 0, O_TEST_TGT }, EFF },
	{ { "val-split", 1, 0, O_VAL_SPLIT }, BOTH }, { { "test-split", 1, 0, O_TEST_SPLIT }, EFF },
	{ { "channel", 1, 0, O_CHANNEL }, EFF }, { { "align", 2, 0, O_ALIGN }, EFF },
	{ { "max-lag", 1, 0, O_MAX_LAG }, EFF }, { { "rate", 1, 0, O_RATE }, EFF },
	{ { "arch", 1, 0, O_ARCH }, BOTH }, { { "hidden", 1, 0, O_HIDDEN }, BOTH },
	{ { "layers", 1, 0, O_LAYERS }, BOTH }, { { "skip", 0, 0, O_SKIP }, EFF },
	{ { "init-state", 1, 0, O_INIT }, EFF }, { { "seed", 1, 0, O_SEED }, BOTH },
	{ { "segment", 1, 0, O_SEGMENT }, BOTH }, { { "warmup", 1, 0, O_WARMUP }, BOTH },
	{ { "window", 1, 0, O_WINDOW }, BOTH }, { { "batch", 1, 0, O_BATCH }, BOTH },
	{ { "lr", 1, 0, O_LR }, BOTH }, { { "betas", 1, 0, O_BETAS }, EFF },
	{ { "weight-decay", 1, 0, O_WD }, EFF }, { { "clip", 1, 0, O_CLIP }, BOTH },
	{ { "loss", 1, 0, O_LOSS }, EFF }, { { "patience", 1, 0, O_PATIENCE }, BOTH },
	{ { "plateau", 1, 0, O_PLATEAU }, BOTH }, { { "epochs", 1, 0, O_EPOCHS }, BOTH },
	{ { "time-budget", 1, 0, O_BUDGET }, BOTH }, { { "val-every", 1, 0, O_VAL_EVERY }, EFF },
	{ { "threads", 1, 0, O_THREADS }, BOTH }, { { "out", 1, 0, O_OUT }, BOTH },
	{ { "report", 1, 0, O_REPORT }, BOTH }, { { "no-report", 0, 0, O_NO_REPORT }, BOTH },
	{ { "checkpoint", 1, 0, O_CKPT }, BOTH }, { { "resume", 1, 0, O_RESUME }, BOTH },
	{ { "quiet", 0, 0, O_QUIET }, BOTH }, { { "lv2-preset", 1, 0, O_LV2_PRESET }, EFF },
	{ { "help", 0, 0, O_HELP }, BOTH }, { { "version", 0, 0, O_VERSION }, EFF },
	{ { "task", 1, 0, O_TASK }, CLS }, { { "classes", 1, 0, O_CLASSES }, CLS_ONLY },
	{ { "labels", 1, 0, O_LABELS }, CLS_ONLY }, { { "val-classes", 1, 0, O_VAL_CLASSES }, CLS_ONLY },
	{ { "val-labels", 1, 0, O_VAL_LABELS }, CLS_ONLY },
	{ { "test-classes", 1, 0, O_TEST_CLASSES }, CLS_ONLY },
	{ { "test-labels", 1, 0, O_TEST_LABELS }, CLS_ONLY },
	{ { "onsets", 1, 0, O_ONSETS }, ONS }, { { "val-onsets", 1, 0, O_VAL_ONSETS }, ONS },
	{ { "test-onsets", 1, 0, O_TEST_ONSETS }, ONS }, { { "tolerance", 1, 0, O_TOLERANCE }, ONS },
	{ { "decision-delay", 1, 0, O_DECISION }, ONS }, { { "frontend", 1, 0, O_FRONTEND }, ONS },
	{ { "hop", 1, 0, O_HOP }, ONS },
	{ { "notes", 1, 0, O_NOTES }, ONS }, { { "init", 1, 0, O_INIT_MODEL }, ONS },
	{ { "ensemble", 1, 0, O_ENSEMBLE }, ONS },
	{ { "class-names", 1, 0, O_CLASS_NAMES }, CLS },
	{ { "no-class-weights", 0, 0, O_NO_WEIGHTS }, CLS }, { { "batches", 1, 0, O_BATCHES }, CLS },
	{ { "eval", 1, 0, O_EVAL }, CLS }, { { "knob", 1, 0, O_KNOB }, EFF },
	{ { "knob-default", 1, 0, O_KNOB_DEFAULT }, EFF },
	{ { "capture", 1, 0, O_CAPTURE }, EFF },
	{ { "knob-track", 1, 0, O_KNOB_TRACK }, EFF },
	{ { "knob-unit", 1, 0, O_KNOB_UNIT }, EFF },
	{ { "init-gates", 1, 0, O_INIT_GATES }, EFF },
	{ { "gain-augment", 1, 0, O_GAIN_AUGMENT }, 1u << TRN_TASK_CLASSIFY },
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

static int opt_bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, PROG ": --%s: '%s' is not %s\n", opt, val, want);
	return 2;
}

/* A number in [lo, hi]; 0 or 2 (after printing). */
static int opt_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		char want[96];
		snprintf(want, sizeof want, "a number from %g to %g", lo, hi);
		return opt_bad(opt, s, want);
	}
	*out = v;
	return 0;
}

static int opt_u64(const char *opt, const char *s, uint64_t hi, uint64_t *out)
{
	/* strtoull would take "-1" for 2^64 - 1 (and skip blanks and a sign): digits only. */
	char *end;
	errno = 0;
	unsigned long long v = s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
	if (!(s[0] >= '0' && s[0] <= '9') || errno || *end || v > hi) {
		char want[96];
		snprintf(want, sizeof want, "a whole number from 0 to %llu", (unsigned long long)hi);
		return opt_bad(opt, s, want);
	}
	*out = v;
	return 0;
}

static int opt_whole(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		char want[96];
		snprintf(want, sizeof want, "a whole number from %ld to %ld", lo, hi);
		return opt_bad(opt, s, want);
	}
	*out = v;
	return 0;
}

/* Appends a path given with --OPT; `what` ends the message when there are too many. */
static int add_path(const char **list, int *n, int cap, const char *opt, const char *path,
		    const char *what)
{
	if (*n >= cap) {
		fprintf(stderr, PROG ": --%s: at most %d%s\n", opt, cap, what);
		return 2;
	}
	list[(*n)++] = path;
	return 0;
}

static int add_file(const char **list, int *n, const char *opt, const char *path)
{
	return add_path(list, n, TRN_MAX_PAIRS, opt, path, " files");
}

/* The knob values of the pair the latest pair option (--input/--target, --val-, --test-) gave, for
 * --OPT ARG; NULL, said, when no pair was given yet. */
static TrnKnobValues *latest_pair_knobs(TrnOptions *o, const char *opt, const char *arg)
{
	TrnFileList *l = o->knob_list;
	if (!l) {
		fprintf(stderr, PROG ": --%s %s: give it after the pair it describes (--input F "
			"--target F --%s %s)\n", opt, arg, opt, arg);
		return NULL;
	}
	return &l->knobs[(l->n_in > l->n_tgt ? l->n_in : l->n_tgt) - 1];
}

/* --knob NAME=VALUE, --knob-track NAME=FILE: for the pair of the latest pair option. */
static int add_knob(TrnOptions *o, const char *arg, int track)
{
	char msg[1024];
	TrnKnobValues *v = latest_pair_knobs(o, track ? "knob-track" : "knob", arg);
	if (!v)
		return 2;
	if ((track ? trn_knob_add_track(v, arg, msg, sizeof msg)
		   : trn_knob_add(v, "knob", arg, msg, sizeof msg)) != 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return 2;
	}
	return 0;
}

/* --capture DIR: every pair of the capture (capture_dir.h), as if each were given with its
 * options (--input F --target F [--knob NAME=V], ...). */
static int add_capture(TrnOptions *o, const char *dir)
{
	char msg[1024];
	TrnCapture *c = &o->capture;
	if (c->n) {
		fprintf(stderr, PROG ": --capture %s: one --capture per run (add other pairs with "
			"--input/--target)\n", dir);
		return 2;
	}
	if (trn_capture_read(c, dir, msg, sizeof msg) != 0) {
		fprintf(stderr, PROG ": --capture %s: %s\n", dir, msg);
		return 2;
	}
	static const char *const opt[TRN_CAPTURE_SECTIONS][2] = {
		{ "input", "target" }, { "val-input", "val-target" }, { "test-input", "test-target" } };
	for (int i = 0; i < c->n; i++) {
		const TrnCapturePair *p = &c->pair[i];
		TrnFileList *l = p->section == 0 ? &o->train : p->section == 1 ? &o->val : &o->test;
		o->knob_list = l;
		if (add_file(l->in, &l->n_in, opt[p->section][0], p->in) ||
		    add_file(l->tgt, &l->n_tgt, opt[p->section][1], p->tgt))
			return 2;
		char knob[TRN_KNOB_NAME + 32];
		snprintf(knob, sizeof knob, "%s=%.17g", c->knob, p->knob_value);
		if (c->knob[0] && add_knob(o, knob, 0))
			return 2;
	}
	return 0;
}

static int add_knob_default(TrnOptions *o, const char *arg)
{
	char msg[512];
	if (trn_knob_add(&o->knob_default, "knob-default", arg, msg, sizeof msg) != 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return 2;
	}
	return 0;
}

static int add_src(const char **list, int *n, const char *opt, const char *path)
{
	return add_path(list, n, TRN_MAX_SOURCES, opt, path, "");
}

/* --frontend none | bands | bands:N (N = 1..15). */
static int opt_frontend(TrnOptions *o, const char *arg)
{
	long n = 10;
	if (strcmp(arg, "none") == 0) {
		o->frontend.bands = 0;
		return 0;
	}
	if (strncmp(arg, "bands", 5) != 0 || (arg[5] && (arg[5] != ':' ||
						       opt_whole("frontend", arg + 6, 1,
								 RFX_FRONTEND_MAX_BANDS, &n))))
		return opt_bad("frontend", arg, "none, bands or bands:N (N from 1 to 15)");
	o->frontend = rfx_frontend_spec_default((int)n);
	return 0;
}

static void defaults(TrnOptions *o, TrnTaskKind task)
{
	memset(o, 0, sizeof *o);
	o->task = task;
	o->val_split = 0.15;
	o->cell = RFX_CELL_GRU;
	o->hidden = 16;
	o->layers = 1;
	trn_train_config_default(&o->train_cfg);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	o->train_cfg.threads = cores > 0 ? (int)(cores < 64 ? cores : 64) : 1;
	trn_pair_options_default(&o->pair);
	if (task == TRN_TASK_CLASSIFY) {
		o->train_cfg.adam.lr = 5e-3f;
		o->train_cfg.loss = RFX_LOSS_CE;
	}
	if (task == TRN_TASK_ONSET) {
		o->train_cfg.adam.lr = 5e-3f;
		o->train_cfg.loss = RFX_LOSS_BCE;
		o->tolerance_ms = 20;
		o->decision_ms = 8;
		o->frontend = rfx_frontend_spec_default(10);
		o->hop = 0; /* 1 ms at the data's rate (trainer/onset.c) */
	}
}

static void record_cmdline(TrnOptions *o, int argc, char **argv)
{
	size_t len = 0;
	for (int i = 0; i < argc && len + 1 < sizeof o->cmdline; i++) {
		int w = snprintf(o->cmdline + len, sizeof o->cmdline - len, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Data and output options; -1 when `c` is not one of them. */
static int parse_data(TrnOptions *o, int c, const char *arg)
{
	double d = 0;
	long l = 0;
	int rc;
	switch (c) {
	case O_INPUT: o->knob_list = &o->train; return add_file(o->train.in, &o->train.n_in, "input", arg);
	case O_TARGET: o->knob_list = &o->train; return add_file(o->train.tgt, &o->train.n_tgt, "target", arg);
	case O_VAL_IN: o->knob_list = &o->val; return add_file(o->val.in, &o->val.n_in, "val-input", arg);
	case O_VAL_TGT: o->knob_list = &o->val; return add_file(o->val.tgt, &o->val.n_tgt, "val-target", arg);
	case O_TEST_IN: o->knob_list = &o->test; return add_file(o->test.in, &o->test.n_in, "test-input", arg);
	case O_TEST_TGT: o->knob_list = &o->test; return add_file(o->test.tgt, &o->test.n_tgt, "test-target", arg);
	case O_KNOB: return add_knob(o, arg, 0);
	case O_KNOB_DEFAULT: return add_knob_default(o, arg);
	case O_CAPTURE: return add_capture(o, arg);
	case O_KNOB_TRACK: return add_knob(o, arg, 1);
	case O_KNOB_UNIT:
		if (o->n_knob_units == TRN_MAX_KNOBS) {
			fprintf(stderr, PROG ": --knob-unit %s: at most %d\n", arg, TRN_MAX_KNOBS);
			return 2;
		}
		o->knob_unit[o->n_knob_units++] = arg;
		return 0;
	case O_VAL_SPLIT:
		rc = opt_num("val-split", arg, 0.01, 0.5, &d);
		o->val_split = d;
		return rc;
	case O_TEST_SPLIT:
		rc = opt_num("test-split", arg, 0, 0.5, &d);
		o->test_split = d;
		return rc;
	case O_CHANNEL:
		rc = opt_whole("channel", arg, 1, 1024, &l);
		o->channel = (int)l;
		return rc;
	case O_ALIGN:
		o->pair.align = 1;
		if (!arg)
			return 0;
		o->pair.align_samples_set = 1;
		return opt_whole("align", arg, -1000000, 1000000, &o->pair.align_samples);
	case O_MAX_LAG: return opt_num("max-lag", arg, 0.1, 1000, &o->pair.max_lag_ms);
	case O_RATE: return opt_num("rate", arg, 1000, 384000, &o->pair.rate);
	case O_OUT: o->out = arg; return 0;
	case O_LV2_PRESET: o->lv2_preset = arg; return 0;
	case O_REPORT: o->report = arg; return 0;
	case O_NO_REPORT: o->no_report = 1; return 0;
	case O_CKPT: o->checkpoint = arg; return 0;
	case O_RESUME: o->resume = arg; return 0;
	case O_QUIET: o->quiet = 1; return 0;
	default: return -1;
	}
}

/* --gain-augment LO,HI (dB, LO <= HI): the classifier's training segments are scaled by gains
 * drawn in that range, so that it learns the classes at levels its data does not have. */
static int parse_gain_augment(TrnOptions *o, const char *arg)
{
	char *mid, *end = NULL;
	errno = 0;
	double lo = strtod(arg, &mid), hi = NAN;
	if (mid != arg && *mid == ',')
		hi = strtod(mid + 1, &end);
	if (!end || end == mid + 1 || *end || errno || !(lo >= -60 && hi <= 40 && lo <= hi))
		return opt_bad("gain-augment", arg, "two gains in dB from -60 to 40, the lower first, "
			       "such as -20,6");
	o->gain_augment_db[0] = lo;
	o->gain_augment_db[1] = hi;
	return 0;
}

/* The classifier's data options; -1 when `c` is not one of them. */
static int parse_classes(TrnOptions *o, int c, const char *arg)
{
	switch (c) {
	case O_TASK: return 0;      /* trn_task_select has read it */
	case O_CLASSES: return add_src(o->cls_train.dir, &o->cls_train.n_dir, "classes", arg);
	case O_LABELS: return add_src(o->cls_train.csv, &o->cls_train.n_csv, "labels", arg);
	case O_VAL_CLASSES: return add_src(o->cls_val.dir, &o->cls_val.n_dir, "val-classes", arg);
	case O_VAL_LABELS: return add_src(o->cls_val.csv, &o->cls_val.n_csv, "val-labels", arg);
	case O_TEST_CLASSES: return add_src(o->cls_test.dir, &o->cls_test.n_dir, "test-classes", arg);
	case O_TEST_LABELS: return add_src(o->cls_test.csv, &o->cls_test.n_csv, "test-labels", arg);
	case O_CLASS_NAMES: o->class_names = arg; return 0;
	case O_NO_WEIGHTS: o->no_class_weights = 1; return 0;
	case O_BATCHES: return opt_whole("batches", arg, 0, 100000000, &o->batches);
	case O_GAIN_AUGMENT: return parse_gain_augment(o, arg);
	case O_EVAL: o->eval = arg; return 0;
	case O_INIT_MODEL: o->init = arg; return 0;
	case O_ENSEMBLE: o->ensemble = arg; return 0;
	case O_ONSETS: return add_src(o->cls_train.dir, &o->cls_train.n_dir, "onsets", arg);
	case O_VAL_ONSETS: return add_src(o->cls_val.dir, &o->cls_val.n_dir, "val-onsets", arg);
	case O_TEST_ONSETS: return add_src(o->cls_test.dir, &o->cls_test.n_dir, "test-onsets", arg);
	case O_TOLERANCE: return opt_num("tolerance", arg, 1, 100, &o->tolerance_ms);
	case O_NOTES: o->notes = arg; return 0;
	case O_DECISION: return opt_num("decision-delay", arg, 0, 50, &o->decision_ms);
	case O_FRONTEND: o->arch_given = 1; return opt_frontend(o, arg);
	case O_HOP: {
		o->arch_given = 1;
		long n;
		if (opt_whole("hop", arg, 1, RFX_FRONTEND_MAX_HOP, &n))
			return -1;
		o->hop = (int)n;
		return 0;
	}
	default: return -1;
	}
}

static int parse_model(TrnOptions *o, int c, const char *arg)
{
	long l = 0;
	int rc;
	switch (c) {
	case O_ARCH:
		o->arch_given = 1;
		o->cell = rfx_cell_from_name(arg);
		return o->cell == RFX_CELL_COUNT ? opt_bad("arch", arg, "rnn, gru or lstm") : 0;
	case O_HIDDEN:
		o->arch_given = 1;
		rc = opt_whole("hidden", arg, 1, RFX_MAX_HIDDEN, &l);
		o->hidden = (int)l;
		return rc;
	case O_LAYERS:
		o->arch_given = 1;
		rc = opt_whole("layers", arg, 1, RFX_MAX_LAYERS, &l);
		o->layers = (int)l;
		return rc;
	case O_SKIP: o->skip = 1; return 0;
	case O_INIT_GATES:
		if (strcmp(arg, "chrono") != 0 && strcmp(arg, "default") != 0)
			return opt_bad("init-gates", arg, "chrono or default");
		o->init_chrono = strcmp(arg, "chrono") == 0;
		return 0;
	case O_INIT:
		if (strcmp(arg, "zeros") && strcmp(arg, "trained"))
			return opt_bad("init-state", arg, "zeros or trained");
		o->init_trained = strcmp(arg, "trained") == 0;
		return 0;
	case O_SEED: return opt_u64("seed", arg, TRN_MAX_SEED, &o->train_cfg.seed);
	default: return -1;
	}
}

static int parse_betas(TrnTrainConfig *t, const char *arg)
{
	char *end, *end1;
	double b1 = strtod(arg, &end1), b2 = -1;
	end = end1;
	if (end1 != arg && *end1 == ',') {
		b2 = strtod(end1 + 1, &end);
		if (end == end1 + 1)    /* nothing after the comma */
			b2 = -1;
	}
	if (end1 == arg || *end || !(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
		return opt_bad("betas", arg, "two numbers in [0, 1) such as 0.9,0.999");
	t->adam.beta1 = (float)b1;
	t->adam.beta2 = (float)b2;
	return 0;
}

static int parse_training(TrnOptions *o, int c, const char *arg)
{
	TrnTrainConfig *t = &o->train_cfg;
	double d = 0;
	long l = 0;
	int rc;
	switch (c) {
	case O_SEGMENT:
		o->segment_set = 1;
		rc = opt_num("segment", arg, 0.001, 60, &d);
		t->segment_s = d;
		return rc;
	case O_WARMUP:
		o->warmup_set = 1;
		rc = opt_whole("warmup", arg, 0, 1000000, &l);
		t->warmup = (int)l;
		return rc;
	case O_WINDOW: rc = opt_whole("window", arg, 1, 1000000, &l); t->window = (int)l; return rc;
	case O_BATCH: rc = opt_whole("batch", arg, 1, 4096, &l); t->batch = (int)l; return rc;
	case O_LR: rc = opt_num("lr", arg, 1e-7, 1, &d); t->adam.lr = (float)d; return rc;
	case O_BETAS: return parse_betas(t, arg);
	case O_WD: rc = opt_num("weight-decay", arg, 0, 1, &d); t->adam.weight_decay = (float)d; return rc;
	case O_CLIP: rc = opt_num("clip", arg, 0, 1e6, &d); t->clip = (float)d; return rc;
	case O_LOSS:
		if (strcmp(arg, "esr") == 0)
			t->loss = RFX_LOSS_ESR_DC;
		else if (strcmp(arg, "mse") == 0)
			t->loss = RFX_LOSS_MSE;
		else
			return opt_bad("loss", arg, "esr or mse");
		return 0;
	case O_PATIENCE:
		o->patience_set = 1;
		rc = opt_whole("patience", arg, 0, 1000000, &l);
		t->patience = (int)l;
		return rc;
	case O_PLATEAU:
		o->plateau_set = 1;
		rc = opt_whole("plateau", arg, 1, 1000000, &l);
		t->plateau_patience = (int)l;
		return rc;
	case O_EPOCHS: return opt_whole("epochs", arg, 0, 100000000, &t->max_epochs);
	case O_BUDGET: return opt_num("time-budget", arg, 0, 1e9, &t->time_budget);
	case O_VAL_EVERY: return opt_whole("val-every", arg, 0, 100000000, &t->val_every);
	case O_THREADS:
		rc = opt_whole("threads", arg, 1, 64, &l);
		t->threads = (int)l;
		return rc;
	default: return -1;
	}
}

static int check_lists(const char *what, const TrnFileList *l)
{
	if (l->n_in != l->n_tgt) {
		fprintf(stderr, PROG ": %d --%sinput but %d --%starget: give them in pairs\n", l->n_in,
			what, l->n_tgt, what);
		return 2;
	}
	return 0;
}

static int check_stop(const TrnTrainConfig *c)
{
	if (c->max_epochs == 0 && c->time_budget == 0 && c->patience == 0) {
		fprintf(stderr, PROG ": nothing would stop training: give --epochs, --time-budget or "
			"--patience\n");
		return 2;
	}
	return 0;
}

/* The pairs' --knob options agree and give every knob a range (knobs.h). */
static int check_knobs(TrnOptions *o)
{
	const TrnKnobPairs sets[3] = {
		{ "training", o->train.knobs, o->train.in, o->train.n_in },
		{ "validation", o->val.knobs, o->val.in, o->val.n_in },
		{ "test", o->test.knobs, o->test.in, o->test.n_in },
	};
	char msg[1024];
	if (trn_knobs_resolve(&o->knobs, sets, &o->knob_default, msg, sizeof msg) != 0) {
		fprintf(stderr, PROG ": %s\n", msg);
		return 2;
	}
	for (int u = 0; u < o->n_knob_units; u++)
		if (trn_knobs_set_unit(&o->knobs, o->knob_unit[u], msg, sizeof msg) != 0) {
			fprintf(stderr, PROG ": %s\n", msg);
			return 2;
		}
	return 0;
}

static int check_effect(TrnOptions *o)
{
	if (o->train.n_in == 0 || !o->out) {
		fprintf(stderr, PROG ": need at least --input, --target and --out (see --help)\n");
		return 2;
	}
	if (check_lists("", &o->train) || check_lists("val-", &o->val) || check_lists("test-", &o->test))
		return 2;
	/* rnnfx-capture measured the latency: its pairs are aligned (unless --align said otherwise). */
	if (o->capture.n && !o->pair.align) {
		o->pair.align = 1;
		o->pair.align_samples_set = 1;
		o->pair.align_samples = 0;
	}
	if (o->test.n_in && o->test_split > 0) {
		fprintf(stderr, PROG ": give --test-input/--test-target or --test-split, not both\n");
		return 2;
	}
	return check_knobs(o) ? 2 : check_stop(&o->train_cfg);
}

static int check_classify(const TrnOptions *o)
{
	if (o->ensemble) {
		const char *why = o->eval || o->init || o->resume ? "--eval, --init or --resume"
				  : o->arch_given ? "--arch, --hidden, --layers, --frontend or --hop"
				  : o->cls_train.n_dir ? "--onsets (it trains nothing: give --val-onsets)"
				  : o->notes || o->class_names ? "--notes and --class-names (the first model's are kept)"
				  : NULL;
		if (why) {
			fprintf(stderr, PROG ": --ensemble merges trained models: leave out %s\n", why);
			return 2;
		}
		if (!o->cls_val.n_dir || !o->out) {
			fprintf(stderr, PROG ": --ensemble needs --val-onsets DIR (to calibrate the "
				"thresholds) and --out MODEL.json\n");
			return 2;
		}
		return 0;
	}
	if (o->cls_train.n_dir + o->cls_train.n_csv == 0) {
		if (o->task == TRN_TASK_ONSET)
			fprintf(stderr, PROG ": --task onset needs --onsets DIR (see --task onset "
				"--help)\n");
		else
			fprintf(stderr, PROG ": --task classify needs --classes DIR or --labels F.csv "
				"(see --task classify --help)\n");
		return 2;
	}
	if (o->eval && o->init) {
		fprintf(stderr, PROG ": --eval measures a model and --init trains one: not both\n");
		return 2;
	}
	if (o->eval)
		return 0;
	if (!o->out) {
		fprintf(stderr, PROG ": need --out MODEL.json\n");
		return 2;
	}
	return check_stop(&o->train_cfg);
}

int trn_task_select(int *argc, char **argv, TrnTaskKind *task)
{
	*task = TRN_TASK_EFFECT;
	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int used = 0;
		if (strcmp(argv[i], "--task") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr, PROG ": --task: needs effect, classify or onset\n");
				return 2;
			}
			v = argv[i + 1];
			used = 2;
		} else if (strncmp(argv[i], "--task=", 7) == 0) {
			v = argv[i] + 7;
			used = 1;
		} else {
			continue;
		}
		if (strcmp(v, "classify") == 0 || strcmp(v, "onset") == 0) {
			*task = v[0] == 'c' ? TRN_TASK_CLASSIFY : TRN_TASK_ONSET;
			return 0;
		}
		if (strcmp(v, "effect") != 0) {
			fprintf(stderr, PROG ": --task: '%s' is not effect, classify or onset\n", v);
			return 2;
		}
		for (int j = i; j + used <= *argc; j++)
			argv[j] = argv[j + used];
		*argc -= used;
		return 0;
	}
	return 0;
}

/* The task's options only, so that getopt_long abbreviates and refuses within them. */
static void task_options(TrnTaskKind task, struct option *out)
{
	size_t n = 0;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (OPTIONS[i].tasks & (1u << task))
			out[n++] = OPTIONS[i].o;
	out[n] = (struct option){ 0, 0, 0, 0 };
}

static int parse_one(TrnOptions *o, int c, const char *arg)
{
	int rc = parse_data(o, c, arg);
	if (rc < 0)
		rc = parse_classes(o, c, arg);
	if (rc < 0)
		rc = parse_model(o, c, arg);
	if (rc < 0)
		rc = parse_training(o, c, arg);
	return rc;
}

int trn_options_parse(TrnOptions *o, TrnTaskKind task, int argc, char **argv)
{
	const int cls = task != TRN_TASK_EFFECT;
	const char *task_opt = task == TRN_TASK_ONSET ? "--task onset " : "--task classify ";
	struct option longopts[N_OPTIONS + 1];
	task_options(task, longopts);
	defaults(o, task);
	record_cmdline(o, argc, argv);
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == O_HELP) {
			fputs(task == TRN_TASK_ONSET ? USAGE_ONSET : cls ? USAGE_CLASSIFY : USAGE_EFFECT,
			      stdout);
			return 1;
		}
		if (c == O_VERSION) {
			printf(PROG " %s\n", RFX_VERSION);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, PROG ": %s: unknown option or missing value%s%.*s (see %s--help)\n",
				argv[optind - 1], cls ? " for " : "", cls ? (int)strlen(task_opt) - 1 : 0,
				task_opt, cls ? task_opt : "");
			return 2;
		}
		if (parse_one(o, c, optarg))
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": %s: unexpected argument%s\n", argv[optind],
			cls ? "" : " (files go after --input, --target, ...)");
		return 2;
	}
	return cls ? check_classify(o) : check_effect(o);
}
