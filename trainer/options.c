#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "rnnfx-train"

static const char USAGE[] =
	"usage: " PROG " --input DI.wav --target AMP.wav [--input ... --target ...] --out MODEL.json\n"
	"                   [options]\n"
	"       " PROG " --task classify --classes DIR --out MODEL.json [options]   (see --task classify --help)\n"
	"data:\n"
	"  --input F / --target F       a training pair (repeatable; WAV/FLAC/AIFF, any bit depth)\n"
	"  --val-input F / --val-target F   validation pair(s) instead of --val-split\n"
	"  --test-input F / --test-target F held-out test pair(s) instead of --test-split\n"
	"  --val-split X                validation fraction, from the end of each pair (0.15)\n"
	"  --test-split X               test fraction, after the validation part (0)\n"
	"  --channel N                  use channel N (1-based) of multi-channel files\n"
	"  --align[=SAMPLES]            shift the target by the estimated (or given) delay\n"
	"  --max-lag MS                 delay search range for the estimate (50 ms)\n"
	"  --rate HZ                    resample the data to HZ and train a model for that rate\n"
	"model:\n"
	"  --arch rnn|gru|lstm (gru)  --hidden H (16)  --layers L (1)  --skip  --init-state zeros|trained\n"
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

enum {
	O_INPUT = 256, O_TARGET, O_VAL_IN, O_VAL_TGT, O_TEST_IN, O_TEST_TGT, O_VAL_SPLIT, O_TEST_SPLIT,
	O_CHANNEL, O_ALIGN, O_MAX_LAG, O_RATE, O_ARCH, O_HIDDEN, O_LAYERS, O_SKIP, O_INIT, O_SEED, O_SEGMENT, O_WARMUP,
	O_WINDOW, O_BATCH, O_LR, O_BETAS, O_WD, O_CLIP, O_LOSS, O_PATIENCE, O_PLATEAU, O_EPOCHS,
	O_BUDGET, O_VAL_EVERY, O_THREADS, O_OUT, O_REPORT, O_NO_REPORT, O_CKPT, O_RESUME, O_QUIET, O_LV2_PRESET,
	O_HELP, O_VERSION
};

static const struct option LONG[] = {
	{ "input", 1, 0, O_INPUT }, { "target", 1, 0, O_TARGET },
	{ "val-input", 1, 0, O_VAL_IN }, { "val-target", 1, 0, O_VAL_TGT },
	{ "test-input", 1, 0, O_TEST_IN }, { "test-target", 1, 0, O_TEST_TGT },
	{ "val-split", 1, 0, O_VAL_SPLIT }, { "test-split", 1, 0, O_TEST_SPLIT },
	{ "channel", 1, 0, O_CHANNEL }, { "align", 2, 0, O_ALIGN }, { "max-lag", 1, 0, O_MAX_LAG },
	{ "rate", 1, 0, O_RATE },
	{ "arch", 1, 0, O_ARCH }, { "hidden", 1, 0, O_HIDDEN }, { "layers", 1, 0, O_LAYERS },
	{ "skip", 0, 0, O_SKIP }, { "init-state", 1, 0, O_INIT }, { "seed", 1, 0, O_SEED },
	{ "segment", 1, 0, O_SEGMENT }, { "warmup", 1, 0, O_WARMUP }, { "window", 1, 0, O_WINDOW },
	{ "batch", 1, 0, O_BATCH }, { "lr", 1, 0, O_LR }, { "betas", 1, 0, O_BETAS },
	{ "weight-decay", 1, 0, O_WD }, { "clip", 1, 0, O_CLIP }, { "loss", 1, 0, O_LOSS },
	{ "patience", 1, 0, O_PATIENCE }, { "plateau", 1, 0, O_PLATEAU }, { "epochs", 1, 0, O_EPOCHS },
	{ "time-budget", 1, 0, O_BUDGET }, { "val-every", 1, 0, O_VAL_EVERY },
	{ "threads", 1, 0, O_THREADS }, { "out", 1, 0, O_OUT }, { "report", 1, 0, O_REPORT },
	{ "no-report", 0, 0, O_NO_REPORT }, { "checkpoint", 1, 0, O_CKPT }, { "resume", 1, 0, O_RESUME },
	{ "quiet", 0, 0, O_QUIET }, { "lv2-preset", 1, 0, O_LV2_PRESET }, { "help", 0, 0, O_HELP }, { "version", 0, 0, O_VERSION },
	{ 0, 0, 0, 0 }
};

int trn_opt_bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, PROG ": --%s: '%s' is not %s\n", opt, val, want);
	return 2;
}

/* A number in [lo, hi]; 0 or 2 (after printing). */
int trn_opt_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		char want[96];
		snprintf(want, sizeof want, "a number from %g to %g", lo, hi);
		return trn_opt_bad(opt, s, want);
	}
	*out = v;
	return 0;
}

int trn_opt_u64(const char *opt, const char *s, uint64_t hi, uint64_t *out)
{
	/* strtoull would take "-1" for 2^64 - 1 (and skip blanks and a sign): digits only. */
	char *end;
	errno = 0;
	unsigned long long v = s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
	if (!(s[0] >= '0' && s[0] <= '9') || errno || *end || v > hi) {
		char want[96];
		snprintf(want, sizeof want, "a whole number from 0 to %llu", (unsigned long long)hi);
		return trn_opt_bad(opt, s, want);
	}
	*out = v;
	return 0;
}

int trn_opt_whole(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		char want[96];
		snprintf(want, sizeof want, "a whole number from %ld to %ld", lo, hi);
		return trn_opt_bad(opt, s, want);
	}
	*out = v;
	return 0;
}

static int add_file(const char **list, int *n, const char *opt, const char *path)
{
	if (*n >= TRN_MAX_PAIRS) {
		fprintf(stderr, PROG ": --%s: at most %d files\n", opt, TRN_MAX_PAIRS);
		return 2;
	}
	list[(*n)++] = path;
	return 0;
}

static void defaults(TrnOptions *o)
{
	memset(o, 0, sizeof *o);
	o->val_split = 0.15;
	o->cell = RFX_CELL_GRU;
	o->hidden = 16;
	o->layers = 1;
	trn_train_config_default(&o->train_cfg);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	o->train_cfg.threads = cores > 0 ? (int)(cores < 64 ? cores : 64) : 1;
	trn_pair_options_default(&o->pair);
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
	case O_INPUT: return add_file(o->train.in, &o->train.n_in, "input", arg);
	case O_TARGET: return add_file(o->train.tgt, &o->train.n_tgt, "target", arg);
	case O_VAL_IN: return add_file(o->val.in, &o->val.n_in, "val-input", arg);
	case O_VAL_TGT: return add_file(o->val.tgt, &o->val.n_tgt, "val-target", arg);
	case O_TEST_IN: return add_file(o->test.in, &o->test.n_in, "test-input", arg);
	case O_TEST_TGT: return add_file(o->test.tgt, &o->test.n_tgt, "test-target", arg);
	case O_VAL_SPLIT:
		rc = trn_opt_num("val-split", arg, 0.01, 0.5, &d);
		o->val_split = d;
		return rc;
	case O_TEST_SPLIT:
		rc = trn_opt_num("test-split", arg, 0, 0.5, &d);
		o->test_split = d;
		return rc;
	case O_CHANNEL:
		rc = trn_opt_whole("channel", arg, 1, 1024, &l);
		o->channel = (int)l;
		return rc;
	case O_ALIGN:
		o->pair.align = 1;
		if (!arg)
			return 0;
		o->pair.align_samples_set = 1;
		return trn_opt_whole("align", arg, -1000000, 1000000, &o->pair.align_samples);
	case O_MAX_LAG: return trn_opt_num("max-lag", arg, 0.1, 1000, &o->pair.max_lag_ms);
	case O_RATE: return trn_opt_num("rate", arg, 1000, 384000, &o->pair.rate);
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

static int parse_model(TrnOptions *o, int c, const char *arg)
{
	long l = 0;
	int rc;
	switch (c) {
	case O_ARCH:
		o->cell = rfx_cell_from_name(arg);
		return o->cell == RFX_CELL_COUNT ? trn_opt_bad("arch", arg, "rnn, gru or lstm") : 0;
	case O_HIDDEN:
		rc = trn_opt_whole("hidden", arg, 1, RFX_MAX_HIDDEN, &l);
		o->hidden = (int)l;
		return rc;
	case O_LAYERS:
		rc = trn_opt_whole("layers", arg, 1, RFX_MAX_LAYERS, &l);
		o->layers = (int)l;
		return rc;
	case O_SKIP: o->skip = 1; return 0;
	case O_INIT:
		if (strcmp(arg, "zeros") && strcmp(arg, "trained"))
			return trn_opt_bad("init-state", arg, "zeros or trained");
		o->init_trained = strcmp(arg, "trained") == 0;
		return 0;
	case O_SEED: return trn_opt_u64("seed", arg, TRN_MAX_SEED, &o->train_cfg.seed);
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
		return trn_opt_bad("betas", arg, "two numbers in [0, 1) such as 0.9,0.999");
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
	case O_SEGMENT: rc = trn_opt_num("segment", arg, 0.001, 60, &d); t->segment_s = d; return rc;
	case O_WARMUP: rc = trn_opt_whole("warmup", arg, 0, 1000000, &l); t->warmup = (int)l; return rc;
	case O_WINDOW: rc = trn_opt_whole("window", arg, 1, 1000000, &l); t->window = (int)l; return rc;
	case O_BATCH: rc = trn_opt_whole("batch", arg, 1, 4096, &l); t->batch = (int)l; return rc;
	case O_LR: rc = trn_opt_num("lr", arg, 1e-7, 1, &d); t->adam.lr = (float)d; return rc;
	case O_BETAS: return parse_betas(t, arg);
	case O_WD: rc = trn_opt_num("weight-decay", arg, 0, 1, &d); t->adam.weight_decay = (float)d; return rc;
	case O_CLIP: rc = trn_opt_num("clip", arg, 0, 1e6, &d); t->clip = (float)d; return rc;
	case O_LOSS:
		if (strcmp(arg, "esr") == 0)
			t->loss = RFX_LOSS_ESR_DC;
		else if (strcmp(arg, "mse") == 0)
			t->loss = RFX_LOSS_MSE;
		else
			return trn_opt_bad("loss", arg, "esr or mse");
		return 0;
	case O_PATIENCE: rc = trn_opt_whole("patience", arg, 0, 1000000, &l); t->patience = (int)l; return rc;
	case O_PLATEAU:
		rc = trn_opt_whole("plateau", arg, 1, 1000000, &l);
		t->plateau_patience = (int)l;
		return rc;
	case O_EPOCHS: return trn_opt_whole("epochs", arg, 0, 100000000, &t->max_epochs);
	case O_BUDGET: return trn_opt_num("time-budget", arg, 0, 1e9, &t->time_budget);
	case O_VAL_EVERY: return trn_opt_whole("val-every", arg, 0, 100000000, &t->val_every);
	case O_THREADS:
		rc = trn_opt_whole("threads", arg, 1, 64, &l);
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

static int check(TrnOptions *o)
{
	if (o->train.n_in == 0 || !o->out) {
		fprintf(stderr, PROG ": need at least --input, --target and --out (see --help)\n");
		return 2;
	}
	if (check_lists("", &o->train) || check_lists("val-", &o->val) || check_lists("test-", &o->test))
		return 2;
	if (o->test.n_in && o->test_split > 0) {
		fprintf(stderr, PROG ": give --test-input/--test-target or --test-split, not both\n");
		return 2;
	}
	if (o->train_cfg.max_epochs == 0 && o->train_cfg.time_budget == 0 &&
	    o->train_cfg.patience == 0) {
		fprintf(stderr, PROG ": nothing would stop training: give --epochs, --time-budget or "
			"--patience\n");
		return 2;
	}
	return 0;
}

int trn_options_parse(TrnOptions *o, int argc, char **argv)
{
	defaults(o);
	record_cmdline(o, argc, argv);
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", LONG, NULL)) != -1) {
		if (c == O_HELP) {
			fputs(USAGE, stdout);
			return 1;
		}
		if (c == O_VERSION) {
			printf(PROG " %s\n", RFX_VERSION);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, PROG ": %s: unknown option or missing value (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
		int rc = parse_data(o, c, optarg);
		if (rc < 0)
			rc = parse_model(o, c, optarg);
		if (rc < 0)
			rc = parse_training(o, c, optarg);
		if (rc)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": %s: unexpected argument (files go after --input, --target, ...)\n",
			argv[optind]);
		return 2;
	}
	return check(o);
}
