/* rnnfx-train — the command line. */
#ifndef TRN_OPTIONS_H
#define TRN_OPTIONS_H

#include <stdint.h>

#include "../dsp/model.h"
#include "dataset.h"
#include "train_loop.h"

typedef struct {
	const char *in[TRN_MAX_PAIRS], *tgt[TRN_MAX_PAIRS];
	int n_in, n_tgt;
} TrnFileList;

typedef struct {
	TrnFileList train, val, test;
	const char *out, *report, *checkpoint, *resume;
	const char *lv2_preset;     /* --lv2-preset DIR.lv2: also write an LV2 preset bundle */
	int channel;                /* 1-based; 0 = files must be mono */
	double val_split, test_split;
	RfxCellType cell;
	int hidden, layers, skip, init_trained;
	TrnTrainConfig train_cfg;
	TrnPairOptions pair;
	int quiet, no_report;
	char cmdline[4096];         /* the full command line, for the metadata */
} TrnOptions;

/* Parses argv; on a usage error prints `rnnfx-train: message` and returns 2; returns 1 after
 * --help / --version (printed), 0 when training should run. */
int trn_options_parse(TrnOptions *o, int argc, char **argv);

/* Option values, shared with the classifier's parser (classify.c). Each returns 0, or prints
 * `rnnfx-train: --OPT: 'VAL' is not ...` and returns 2. */
int trn_opt_bad(const char *opt, const char *val, const char *want);
int trn_opt_num(const char *opt, const char *s, double lo, double hi, double *out);
int trn_opt_whole(const char *opt, const char *s, long lo, long hi, long *out);
/* Digits only (no sign, no blank), at most hi. */
int trn_opt_u64(const char *opt, const char *s, uint64_t hi, uint64_t *out);

/* Seeds go into the model's metadata as JSON integers (int64). */
#define TRN_MAX_SEED 9223372036854775807ull

#endif
