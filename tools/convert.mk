# tools/convert.mk — rnnfx-convert: AIDA-X, NAM (LSTM) and GuitarML models to rnnfx model files,
# and rnnfx models to AIDA-X (docs/formats.md). The converting itself is in dsp/import*.c.

RFX_CONVERT := $(BUILD)/rnnfx-convert
PROGRAMS += $(RFX_CONVERT)

$(BUILD)/tools/rnnfx-convert.o: override CFLAGS += -I. $(JANSSON_CFLAGS)

$(RFX_CONVERT): $(BUILD)/tools/rnnfx-convert.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

# test_import reads the expected outputs with jansson directly (the library links it already).
$(BUILD)/tests/test_import.o: override CFLAGS += $(JANSSON_CFLAGS)

install: install-convert
uninstall: uninstall-convert
install-convert: $(RFX_CONVERT)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(RFX_CONVERT) $(DESTDIR)$(BINDIR)/
uninstall-convert:
	rm -f $(DESTDIR)$(BINDIR)/rnnfx-convert

.PHONY: install-convert uninstall-convert
