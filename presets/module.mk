# Presets: trained models that ship in the bundle, one presets/NAME.ttl (a pset:Preset keyed by port
# symbol) beside its model presets/NAME.json; ttl/manifest.ttl.in lists them. `make presets`
# retrains the models (presets/train.sh, several minutes); presets/README.md records the results.
PRESET_FILES := $(wildcard presets/*.ttl) $(patsubst %.ttl,%.json,$(wildcard presets/*.ttl))
PRESET_BUNDLE_FILES := $(PRESET_FILES:presets/%=$(RFX_BUNDLE)/presets/%)

$(RFX_BUNDLE)/presets/%: presets/%
	@mkdir -p $(@D)
	cp $< $@

PROGRAMS += $(PRESET_BUNDLE_FILES)

presets: $(BUILD)/rnnfx-train
	BUILD=$(BUILD) sh presets/train.sh
	BUILD=$(BUILD) sh presets/train-knob.sh
	BUILD=$(BUILD) sh presets/train-classifier.sh
	BUILD=$(BUILD) sh presets/train-drums.sh

install: install-presets
uninstall: uninstall-presets
install-presets: $(PRESET_BUNDLE_FILES)
	install -d $(DESTDIR)$(LV2DIR)/rnnfx.lv2/presets
	install -m 644 $(PRESET_BUNDLE_FILES) $(DESTDIR)$(LV2DIR)/rnnfx.lv2/presets/
uninstall-presets:
	rm -rf $(DESTDIR)$(LV2DIR)/rnnfx.lv2/presets

.PHONY: presets install-presets uninstall-presets
# The presets folder goes before the bundle folder is removed.
uninstall-lv2: uninstall-presets

# ---------------------------------------------------------------- preset tests (tests/lv2/)
# presethost: a lilv host that applies every preset and the default state (check-presets.sh);
# check-presets-ardour.sh lists and applies them in Ardour 7, headless (tests/lv2/ardour/preset-*.lua).
$(RFX_LV2T)/presethost.o: override CFLAGS += $(LV2_CFLAGS) $(LILV_CFLAGS) $(JANSSON_CFLAGS)

$(RFX_LV2T)/presethost: $(RFX_LV2T)/presethost.o $(BUILD)/tests/harness.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LILV_LIBS) $(LDLIBS_DSP)

RFX_PRESET_TESTS := $(RFX_BUNDLE)/rnnfx$(LIB_EXT) $(RFX_TTL) $(PRESET_BUNDLE_FILES) \
	$(RFX_LV2T)/presethost $(BUILD)/rnnfx-run
check-all: $(RFX_PRESET_TESTS)
CHECK_SCRIPTS += tests/lv2/check-presets.sh tests/lv2/check-presets-ardour.sh

# A preset whose model is missing stops the build with the reason (instead of "No rule to make").
presets/%.json:
	@echo "$@ is missing: the model of preset presets/$*.ttl; 'make presets' trains it (several minutes)" >&2; exit 1
