# scripts/ — drumgen, the C half of the drum data scripts (make_drum_kits.sh: one-shots from the
# hydrogen kits and General MIDI soundfonts; make_drum_data.sh: labelled drum sequences). See
# docs/trainer.md, "Drum data". Needs libsndfile; writes through io/files (the dsp library).
DRUMGEN := $(BUILD)/drumgen
$(BUILD)/scripts/%.o: override CFLAGS += $(SNDFILE_CFLAGS)
$(DRUMGEN): $(BUILD)/scripts/drumgen.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(LDLIBS_DSP)
PROGRAMS += $(DRUMGEN)
# Both scripts end to end on two small kits (needs sox, fluidsynth, fluid-soundfont-gm and
# hydrogen-drumkits; skipped without them).
CHECK_SCRIPTS += tests/trainer/test_drum_data.sh
