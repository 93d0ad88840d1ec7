# rnnfx LV2 plugins (effect + classifier): the bundle $(BUILD)/rnnfx.lv2 (shared object + TTL generated from ttl/*.in),
# install/uninstall into $(DESTDIR)$(LV2DIR)/rnnfx.lv2, and the plugin's tests (tests/lv2/).

ifeq ($(RFX_NEED_LIBS),yes)
LV2_CFLAGS := $(shell $(PKG_CONFIG) --cflags lv2 2>/dev/null)
ifneq ($(shell $(PKG_CONFIG) --exists lv2 && echo yes),yes)
$(error lv2 headers not found by pkg-config: run 'make deps' (or apt-get install lv2-dev))
endif
LILV_CFLAGS := $(shell $(PKG_CONFIG) --cflags lilv-0 2>/dev/null)
LILV_LIBS := $(shell $(PKG_CONFIG) --libs lilv-0 2>/dev/null)
endif

LIB_EXT := .so
RFX_BUNDLE := $(BUILD)/rnnfx.lv2
RFX_PLUGIN_SRC := plugin/rnnfx.c plugin/classifier.c plugin/core.c plugin/loaded.c
RFX_PLUGIN_OBJ := $(RFX_PLUGIN_SRC:%.c=$(BUILD)/%.o)
RFX_TTL := $(patsubst ttl/%.ttl.in,$(RFX_BUNDLE)/%.ttl,$(wildcard ttl/*.ttl.in))
RFX_VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
RFX_VERSION_MICRO := $(word 3,$(subst ., ,$(VERSION)))
# Only lv2_descriptor is exported: hidden visibility for our code, a version script for the rest.
RFX_PLUGIN_LDFLAGS := -shared -Wl,--version-script=plugin/rnnfx.map -Wl,--exclude-libs,ALL \
	-Wl,-z,defs

$(BUILD)/plugin/%.o: override CFLAGS += -fvisibility=hidden $(LV2_CFLAGS) $(JANSSON_CFLAGS)

$(RFX_BUNDLE)/rnnfx$(LIB_EXT): $(RFX_PLUGIN_OBJ) $(LIBDSP) plugin/rnnfx.map
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(RFX_PLUGIN_LDFLAGS) -o $@ $(RFX_PLUGIN_OBJ) $(LIBDSP) \
		$(LDLIBS_DSP)

$(RFX_BUNDLE)/%.ttl: ttl/%.ttl.in Makefile
	@mkdir -p $(@D)
	sed -e 's/@LIB_EXT@/$(LIB_EXT)/g' -e 's/@VERSION@/$(VERSION)/g' \
		-e 's/@MINOR@/$(RFX_VERSION_MINOR)/g' -e 's/@MICRO@/$(RFX_VERSION_MICRO)/g' $< > $@

PROGRAMS += $(RFX_BUNDLE)/rnnfx$(LIB_EXT) $(RFX_TTL)

install: install-lv2
uninstall: uninstall-lv2

install-lv2: $(RFX_BUNDLE)/rnnfx$(LIB_EXT) $(RFX_TTL)
	install -d $(DESTDIR)$(LV2DIR)/rnnfx.lv2
	install -m 755 $(RFX_BUNDLE)/rnnfx$(LIB_EXT) $(DESTDIR)$(LV2DIR)/rnnfx.lv2/
	install -m 644 $(RFX_TTL) $(DESTDIR)$(LV2DIR)/rnnfx.lv2/

uninstall-lv2:
	rm -f $(DESTDIR)$(LV2DIR)/rnnfx.lv2/rnnfx$(LIB_EXT) \
		$(patsubst $(RFX_BUNDLE)/%,$(DESTDIR)$(LV2DIR)/rnnfx.lv2/%,$(RFX_TTL))
	-rmdir $(DESTDIR)$(LV2DIR)/rnnfx.lv2

# ---------------------------------------------------------------- plugin tests (tests/lv2/)
# lv2host: a lilv test host (worker threaded and synchronous, state, malloc counting in run()).
# lv2host-asan runs the same cases against a bundle whose plugin code is built with ASan/UBSan.
RFX_LV2T := $(BUILD)/tests/lv2
RFX_ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
RFX_ASAN_BUNDLE := $(BUILD)/lv2-asan/rnnfx.lv2

# The host (host.c, host.h) and the cases, one file per part of the plugins; lv2host.c runs them.
RFX_LV2HOST_SRC := $(addprefix tests/lv2/,lv2host.c host.c cases_effect.c cases_classifier.c cases_onset.c \
	cases_state.c)
$(RFX_LV2HOST_SRC:tests/lv2/%.c=$(RFX_LV2T)/%.o) $(RFX_LV2T)/mkmodel.o: override CFLAGS += \
	$(LV2_CFLAGS) $(LILV_CFLAGS) $(JANSSON_CFLAGS)

$(RFX_LV2T)/lv2host: $(RFX_LV2HOST_SRC:tests/lv2/%.c=$(RFX_LV2T)/%.o) $(BUILD)/tests/harness.o \
		$(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LILV_LIBS) $(LDLIBS_DSP) -ldl

$(RFX_LV2T)/mkmodel: $(RFX_LV2T)/mkmodel.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

$(BUILD)/lv2-asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(RFX_ASAN_FLAGS) -fvisibility=hidden $(LV2_CFLAGS) \
		$(LILV_CFLAGS) $(JANSSON_CFLAGS) -c $< -o $@

$(RFX_ASAN_BUNDLE)/rnnfx$(LIB_EXT): $(RFX_PLUGIN_SRC:%.c=$(BUILD)/lv2-asan/obj/%.o) $(LIBDSP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RFX_ASAN_FLAGS) -shared -Wl,--version-script=plugin/rnnfx.map \
		-Wl,--exclude-libs,ALL -o $@ $^ $(LDLIBS_DSP)

$(RFX_ASAN_BUNDLE)/%.ttl: $(RFX_BUNDLE)/%.ttl
	@mkdir -p $(@D)
	cp $< $@

$(RFX_LV2T)/lv2host-asan: $(RFX_LV2HOST_SRC:%.c=$(BUILD)/lv2-asan/obj/%.o) \
		$(BUILD)/lv2-asan/obj/tests/harness.o $(LIBDSP)
	$(CC) $(CFLAGS) $(RFX_ASAN_FLAGS) -o $@ $^ $(LILV_LIBS) $(LDLIBS_DSP) -ldl

RFX_LV2_TESTS := $(RFX_BUNDLE)/rnnfx$(LIB_EXT) $(RFX_TTL) $(RFX_LV2T)/lv2host $(RFX_LV2T)/mkmodel $(RFX_LV2T)/lv2host-asan \
	$(RFX_ASAN_BUNDLE)/rnnfx$(LIB_EXT) $(RFX_TTL:$(RFX_BUNDLE)/%=$(RFX_ASAN_BUNDLE)/%)

lv2-tests: $(RFX_LV2_TESTS)
check-all: $(RFX_LV2_TESTS)

CHECK_SCRIPTS += tests/lv2/check-ttl.sh tests/lv2/check-host.sh tests/lv2/check-jalv.sh \
	tests/lv2/check-ardour.sh tests/lv2/check-knobs-ardour.sh tests/lv2/check-classifier-ardour.sh

.PHONY: install-lv2 uninstall-lv2 lv2-tests
