/* rnnfx-train — the command line of both tasks: one option table, each option marked with the
 * tasks that take it (an option of the other task is refused as unknown). */
#ifndef TRN_OPTIONS_H
#define TRN_OPTIONS_H

#include <stdint.h>

#include "../dsp/model.h"
#include "capture_dir.h"
#include "dataset.h"
#include "knobs.h"
#include "train_loop.h"

typedef struct {
	const char *in[TRN_MAX_PAIRS], *tgt[TRN_MAX_PAIRS];
	int n_in, n_tgt;
	TrnKnobValues knobs[TRN_MAX_PAIRS]; /* --knob options after pair i */
} TrnFileList;

typedef enum { TRN_TASK_EFFECT, TRN_TASK_CLASSIFY, TRN_TASK_ONSET } TrnTaskKind;

/* The classifier's data for one set: folders with one sub-folder per class, and label CSVs. */
#define TRN_MAX_SOURCES 8
typedef struct {
	const char *dir[TRN_MAX_SOURCES], *csv[TRN_MAX_SOURCES];
	int n_dir, n_csv;
} TrnSources;

typedef struct {
	TrnTaskKind task;
	TrnFileList train, val, test;           /* effect */
	TrnSources cls_train, cls_val, cls_test; /* classify; onset: the --onsets folders in dir[] */
	double tolerance_ms;        /* onset: a hit's target is 1 until this long after its onset, */
	double decision_ms;         /* from this long after it (before: "don't care") */
	const char *notes;          /* onset --notes kick=36,snare=38 (else General MIDI by label) */
	RfxFrontendSpec frontend;   /* onset --frontend bands:N | none (dsp/frontend.h) */
	int hop;                    /* onset --hop N: samples per network step; 0: 1 ms */
	const char *class_names;    /* --class-names a,b,c */
	int no_class_weights;
	long batches;               /* classify: batches per epoch; 0 = the training audio once */
	double gain_augment_db[2];  /* classify --gain-augment LO,HI: each training segment's gain is
				     * drawn in [LO, HI] dB; 0,0 = off */
	const char *eval;           /* classify --eval MODEL: measure only */
	const char *init;           /* onset --init MODEL: start from its weights (fine-tuning) */
	const char *ensemble;       /* onset --ensemble A,B,...: merge trained models (ensemble.h) */
	int arch_given;             /* --arch, --hidden, --layers, --frontend or --hop was given */
	const char *out, *report, *checkpoint, *resume;
	const char *lv2_preset;     /* --lv2-preset DIR.lv2: also write an LV2 preset bundle */
	int channel;                /* 1-based; 0 = files must be mono */
	double val_split, test_split;
	RfxCellType cell;
	int hidden, layers, skip, init_trained;
	int init_chrono;            /* --init-gates chrono: 1; default: 0 (PyTorch's) */
	TrnTrainConfig train_cfg;
	TrnPairOptions pair;
	TrnKnobValues knob_default; /* --knob-default NAME=V */
	const char *knob_unit[TRN_MAX_KNOBS]; /* --knob-unit NAME=UNIT, as given */
	int n_knob_units;
	TrnKnobs knobs;             /* resolved from the pairs' --knob options (knobs.h) */
	TrnFileList *knob_list;     /* while parsing: the list whose last pair a --knob applies to */
	TrnCapture capture;         /* --capture DIR: its pairs (the lists above point into it) */
	int quiet, no_report;
	int segment_set, warmup_set; /* --segment / --warmup given (else the memory estimate may set
				      * them: main.c, "Long memory" in docs/trainer.md) */
	int patience_set, plateau_set; /* --patience / --plateau given */
	char cmdline[4096];         /* the full command line, for the metadata */
} TrnOptions;

/* Looks for "--task NAME" (or --task=NAME) in argv and sets *task. "--task effect" is removed
 * from argv and *argc; "--task classify" and "--task onset" stay (the parser takes them). Returns 0, or 2 after
 * printing a usage error. */
int trn_task_select(int *argc, char **argv, TrnTaskKind *task);

/* Parses argv for `task`; on a usage error prints `rnnfx-train: message` and returns 2; returns 1
 * after --help / --version (printed), 0 when training should run. */
int trn_options_parse(TrnOptions *o, TrnTaskKind task, int argc, char **argv);

/* Seeds go into the model's metadata as JSON integers (int64). */
#define TRN_MAX_SEED 9223372036854775807ull

#endif
