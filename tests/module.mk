# tests/module.mk — reference data for the tests, and what the reference test needs.
#
#   make fixtures   regenerate tests/fixtures/*.json from PyTorch (needs python3-torch; CI does not
#                   run this: the fixtures are committed, and the C tests only read them)

# test_reference reads the fixtures with jansson directly (the library links jansson already).
$(BUILD)/tests/test_reference.o: override CFLAGS += $(JANSSON_CFLAGS)

fixtures:
	$(PYTHON) tests/gen_fixtures.py
	@if [ -f tests/gen_grad_fixtures.py ]; then \
		echo "$(PYTHON) tests/gen_grad_fixtures.py"; $(PYTHON) tests/gen_grad_fixtures.py; \
	fi

# tone-gen2: the tone classifier's held-out generator (no sox, no code shared with
# scripts/make_class_data.sh); tests/trainer/test_classify_preset.sh scores presets/tones.json on it.
TONE_GEN2 := $(BUILD)/tests/trainer/tone-gen2
$(TONE_GEN2): $(BUILD)/tests/trainer/tone_gen2.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(SAMPLERATE_LIBS_DSP) -lm
check-all: $(TONE_GEN2)

# test_cell_step_avx2 holds dsp/cell_step_avx2.h to the scalar steps as the AVX2 dsp objects
# compile them in a release build (which multiply-adds GCC fuses depends on the flags, and below
# -O2 it fuses none): it is built with those flags, -O3 even in the sanitizer build.
$(BUILD)/tests/test_cell_step_avx2.o: override CFLAGS += -O3 -fno-trapping-math -fno-math-errno \
	-mavx2 -mfma -ffp-contract=fast
