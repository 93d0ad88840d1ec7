# rnnfx-train: the command-line trainer (docs/trainer.md). Needs libsndfile and nettle (SHA-256).
TRAINER_SRC := $(wildcard trainer/*.c)
TRAINER_OBJ := $(TRAINER_SRC:%.c=$(BUILD)/%.o)
TRAINER := $(BUILD)/rnnfx-train

# Libraries: SNDFILE_* and NETTLE_LIBS come from the top Makefile.

$(BUILD)/trainer/%.o: override CFLAGS += $(SNDFILE_CFLAGS) $(JANSSON_CFLAGS)

$(TRAINER): $(TRAINER_OBJ) $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(NETTLE_LIBS) $(LDLIBS_DSP)

# Test helper: writes the small WAVs the trainer tests need and checks model files.
TRAINER_TESTTOOL := $(BUILD)/tests/trainer/trn-testtool
$(TRAINER_TESTTOOL): $(BUILD)/tests/trainer/trn_testtool.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(LDLIBS_DSP)
$(BUILD)/tests/trainer/%.o: override CFLAGS += $(SNDFILE_CFLAGS) $(JANSSON_CFLAGS)

# Unit tests of the trainer's own modules, linked with them (they are not in the dsp library).
TRAINER_TEST_DATASET := $(BUILD)/tests/trainer/test_dataset
$(TRAINER_TEST_DATASET): $(BUILD)/tests/trainer/test_dataset.o $(BUILD)/trainer/dataset.o \
		$(BUILD)/trainer/sha256.o $(BUILD)/io/files.o $(BUILD)/tests/harness.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(NETTLE_LIBS) $(SAMPLERATE_LIBS_DSP) -lm \
		-lpthread

# The estimate of a target's memory (trainer/memory.c) on signals the test makes.
TRAINER_TEST_MEMORY := $(BUILD)/tests/trainer/test_memory
$(TRAINER_TEST_MEMORY): $(BUILD)/tests/trainer/test_memory.o $(BUILD)/trainer/memory.o \
		$(BUILD)/tests/harness.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

# Models side by side as one (trainer/ensemble.c), run by tests/trainer/test_onset.sh.
TRAINER_TEST_ENSEMBLE := $(BUILD)/tests/trainer/test_ensemble
$(TRAINER_TEST_ENSEMBLE): $(BUILD)/tests/trainer/test_ensemble.o $(BUILD)/trainer/ensemble.o \
		$(BUILD)/tests/harness.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

PROGRAMS += $(TRAINER)
check-all: $(TRAINER_TESTTOOL) $(TRAINER_TEST_DATASET) $(TRAINER_TEST_MEMORY) $(TRAINER_TEST_ENSEMBLE)
CHECK_SCRIPTS += tests/trainer/test_long_memory.sh
CHECK_SCRIPTS += tests/trainer/test_dataset.sh tests/trainer/test_data_checks.sh \
	tests/trainer/test_options.sh tests/trainer/test_training.sh

# Knobs (--knob): a conditioned model from captures at several settings, its metadata, test ESR
# per setting at a trained and an untrained setting, every error case, resume.
CHECK_SCRIPTS += tests/trainer/test_knobs.sh

# The classifier (--task classify): cls-gen writes tiny labelled sets without sox;
# test_classify.sh trains on one and checks every bad-label case; test_classify_preset.sh measures
# presets/tones.json on fresh scripts/make_class_data.sh audio and on tone-gen2's held-out audio
# (skipped without sox or espeak-ng).
TRAINER_CLS_GEN := $(BUILD)/tests/trainer/cls-gen
$(TRAINER_CLS_GEN): $(BUILD)/tests/trainer/cls_gen.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) -lm
check-all: $(TRAINER_CLS_GEN)
CHECK_SCRIPTS += tests/trainer/test_classify.sh tests/trainer/test_classify_preset.sh
# The shipped knob preset at its trained gains and two in between (needs sox).
CHECK_SCRIPTS += tests/trainer/test_knob_preset.sh

install-trainer: $(TRAINER)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(TRAINER) $(DESTDIR)$(BINDIR)/rnnfx-train
uninstall-trainer:
	rm -f $(DESTDIR)$(BINDIR)/rnnfx-train
install: install-trainer
uninstall: uninstall-trainer
.PHONY: install-trainer uninstall-trainer

# The trainer end to end on the demo data (a few minutes): sox-made DI and amp recordings, then a
# GRU-16 per amp with a five-minute budget. Outputs land in $(BUILD)/demo-train.
DEMO_TRAIN_DIR := $(BUILD)/demo-train
DEMO_TRAIN_BUDGET ?= 300
demo-train: $(TRAINER)
	sh scripts/make_demo_data.sh $(DEMO_TRAIN_DIR)
	for amp in amp_a amp_b; do \
		$(TRAINER) --input $(DEMO_TRAIN_DIR)/di.wav --target $(DEMO_TRAIN_DIR)/$$amp.wav \
			--test-input $(DEMO_TRAIN_DIR)/di_test.wav --test-target $(DEMO_TRAIN_DIR)/$${amp}_test.wav \
			--arch gru --hidden 16 --time-budget $(DEMO_TRAIN_BUDGET) \
			--out $(DEMO_TRAIN_DIR)/$$amp.json || exit 1; \
	done
.PHONY: demo-train

# Onset models (--task onset): onset-gen writes tiny sets of labelled hits (three made-up sounds);
# test_onset.sh trains on one, measures on another seed and checks every bad-label case.
TRAINER_ONSET_GEN := $(BUILD)/tests/trainer/onset-gen
$(TRAINER_ONSET_GEN): $(BUILD)/tests/trainer/onset_gen.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) -lm
check-all: $(TRAINER_ONSET_GEN)
CHECK_SCRIPTS += tests/trainer/test_onset.sh
# The shipped drum preset (presets/drums.json) on two kits it never heard (needs sox, fluidsynth,
# timgm6mb-soundfont and hydrogen-drumkits; skipped without them).
CHECK_SCRIPTS += tests/trainer/test_drum_preset.sh
check-all: $(BUILD)/drumgen
