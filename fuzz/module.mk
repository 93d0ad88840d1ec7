# fuzz/module.mk — a libFuzzer target for the model loader (clang + libclang-rt-14-dev).
#
#   make fuzz                      build build-fuzz/fuzz_model_load, run it FUZZ_SECONDS (60)
#   make fuzz FUZZ_SECONDS=3600    a longer run
#
# The fuzzer runs on a copy of fuzz/corpus/ (build-fuzz/corpus), so the inputs it finds never land in
# the source tree; crash files go to build-fuzz/ too. A crash input replays with
#   build-fuzz/fuzz_model_load build-fuzz/crash-<hash>
#
# Only the loader and what it calls are compiled in (the model file, and the importers it falls
# back to for AIDA-X, NAM and GuitarML files, and the knobs they name); the rest of dsp/ adds
# nothing the loader reaches.

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
# build-fuzz for the default BUILD=build; <BUILD>-fuzz otherwise, so parallel trees do not collide.
FUZZ_DIR := $(BUILD)-fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_model_load
FUZZ_SRC := fuzz/fuzz_model_load.c io/files.c dsp/model_file.c dsp/model.c dsp/status.c dsp/knobs.c dsp/onset.c dsp/frontend.c \
	$(wildcard dsp/import*.c)
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wall -Wextra

$(FUZZ_BIN): $(FUZZ_SRC) $(wildcard dsp/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(JANSSON_CFLAGS) -o $@ $(FUZZ_SRC) $(JANSSON_LIBS) -lm

# The trainer's file readers: the labels CSV and the checkpoint (fuzz/fuzz_trainer_files.c).
$(FUZZ_DIR)/fuzz_labels: fuzz/fuzz_trainer_files.c trainer/labels.c trainer/dataset.c trainer/sha256.c io/files.c \
		$(wildcard trainer/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_LABELS $(SNDFILE_CFLAGS) -o $@ $(filter %.c,$^) \
		$(SNDFILE_LIBS) $(SAMPLERATE_LIBS_DSP) $(NETTLE_LIBS) -lm -lpthread
$(FUZZ_DIR)/fuzz_onsets: fuzz/fuzz_trainer_files.c trainer/onsets.c trainer/labels.c trainer/dataset.c \
		trainer/sha256.c io/files.c $(wildcard trainer/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_ONSETS $(SNDFILE_CFLAGS) -o $@ $(filter %.c,$^) \
		$(SNDFILE_LIBS) $(SAMPLERATE_LIBS_DSP) $(NETTLE_LIBS) -lm -lpthread
$(FUZZ_DIR)/fuzz_checkpoint: fuzz/fuzz_trainer_files.c trainer/checkpoint.c trainer/train_state.c dsp/optim.c \
		$(filter-out fuzz/fuzz_model_load.c,$(FUZZ_SRC)) $(wildcard trainer/*.h dsp/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(JANSSON_CFLAGS) -o $@ $(filter %.c,$^) $(JANSSON_LIBS) -lm -lpthread

# fuzz-labels, fuzz-onsets, fuzz-checkpoint: FUZZ_SECONDS each, from their own seed corpora.
fuzz-labels fuzz-onsets fuzz-checkpoint: fuzz-%: $(FUZZ_DIR)/fuzz_%
	@rm -rf $(FUZZ_DIR)/corpus-$* && mkdir -p $(FUZZ_DIR)/corpus-$* && \
		cp fuzz/corpus-$*/* $(FUZZ_DIR)/corpus-$*/
	$(FUZZ_DIR)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		-artifact_prefix=$(FUZZ_DIR)/$*- -print_final_stats=1 $(FUZZ_DIR)/corpus-$*

fuzz: $(FUZZ_BIN)
	@rm -rf $(FUZZ_DIR)/corpus && mkdir -p $(FUZZ_DIR)/corpus && cp fuzz/corpus/* $(FUZZ_DIR)/corpus/
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 \
		-dict=fuzz/model.dict -artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 \
		$(FUZZ_DIR)/corpus

CHECK_SCRIPTS += fuzz/run-short.sh

.PHONY: fuzz fuzz-labels fuzz-onsets fuzz-checkpoint
