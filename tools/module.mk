# tools/ — the command-line runners over dsp/: rnnfx-run (files, libsndfile), rnnfx-live
# (real time, PortAudio) and rnnfx-capture (captures an amp for training: PortAudio or files). tests/runners/ holds their test scripts and the small C helpers those use.

# Libraries: SNDFILE_* and PORTAUDIO_* come from the top Makefile.

RFX_RUN := $(BUILD)/rnnfx-run
RFX_LIVE := $(BUILD)/rnnfx-live
RFX_CAPTURE := $(BUILD)/rnnfx-capture
PROGRAMS += $(RFX_RUN) $(RFX_LIVE) $(RFX_CAPTURE)

$(BUILD)/tools/%.o: override CFLAGS += -I. $(SNDFILE_CFLAGS) $(PORTAUDIO_CFLAGS)

$(RFX_RUN): $(BUILD)/tools/rnnfx-run.o $(BUILD)/tools/run_onsets.o $(BUILD)/tools/csv.o \
		$(BUILD)/tools/progress.o $(BUILD)/tools/cli.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(LDLIBS_DSP)

$(RFX_LIVE): $(BUILD)/tools/rnnfx-live.o $(BUILD)/tools/live_engine.o $(BUILD)/tools/cli.o \
		$(BUILD)/tools/pa_device.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PORTAUDIO_LIBS) $(LDLIBS_DSP)

$(RFX_CAPTURE): $(BUILD)/tools/rnnfx-capture.o $(BUILD)/tools/cli.o $(BUILD)/tools/pa_device.o \
		$(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(PORTAUDIO_LIBS) $(LDLIBS_DSP)

# Test helpers: a model maker, a test-signal maker and a checker that runs the dsp library directly.
RUNNER_HELPERS := $(addprefix $(BUILD)/tests/runners/,mkmodel mkaudio rcheck)
$(BUILD)/tests/runners/%.o: override CFLAGS += -I. $(SNDFILE_CFLAGS)
$(RUNNER_HELPERS): $(BUILD)/tests/runners/%: $(BUILD)/tests/runners/%.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(LDLIBS_DSP)

# rnnfx-live's handoff, stressed with two threads under ThreadSanitizer (left out when the build
# already uses another sanitizer, which TSan cannot be combined with).
HANDOFF_STRESS := $(BUILD)/tests/runners/handoff_stress
HANDOFF_TSAN := $(if $(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),,-fsanitize=thread)
$(HANDOFF_STRESS): tests/runners/handoff_stress.c tools/live_engine.c tools/live_engine.h $(LIBDSP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I. $(HANDOFF_TSAN) $(LDFLAGS) -o $@ tests/runners/handoff_stress.c \
		tools/live_engine.c $(LIBDSP) $(LDLIBS_DSP)

# The engine the plugins and both runners share (dsp/engine.h), against the rate streams it wraps.
ENGINE_CHECK := $(BUILD)/tests/runners/engine_check
$(ENGINE_CHECK): $(BUILD)/tests/runners/engine_check.o $(BUILD)/tests/harness.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

runner-helpers: $(RUNNER_HELPERS) $(HANDOFF_STRESS) $(ENGINE_CHECK)
check-all: $(RUNNER_HELPERS) $(HANDOFF_STRESS) $(ENGINE_CHECK)
CHECK_SCRIPTS += tests/runners/test_engine.sh tests/runners/test_run.sh tests/runners/test_handoff.sh \
	tests/runners/test_live.sh tests/runners/test_capture.sh \
	tests/hostile/test_hostile.sh tests/hostile/test_hardening.sh

install: install-tools
uninstall: uninstall-tools
install-tools: $(RFX_RUN) $(RFX_LIVE) $(RFX_CAPTURE)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(RFX_RUN) $(RFX_LIVE) $(RFX_CAPTURE) $(DESTDIR)$(BINDIR)/
uninstall-tools:
	rm -f $(DESTDIR)$(BINDIR)/rnnfx-run $(DESTDIR)$(BINDIR)/rnnfx-live \
		$(DESTDIR)$(BINDIR)/rnnfx-capture

.PHONY: runner-helpers install-tools uninstall-tools
