# rnnfx — plain Makefile. Packagers: PREFIX, BINDIR, LV2DIR, DESTDIR, CC, CFLAGS, LDFLAGS.
#
#   make deps      install the Debian packages the build and tests need (apt-get, as root)
#   make           library, programs and the LV2 bundle
#   make check     every test (unit, sanitizers, hosts); prints "N passed, N failed"
#   make bench     speed tables (never part of check)
#   make demo      the main job end to end
#
# Each part of the tree adds itself through a fragment <dir>/module.mk, included below.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
LV2DIR ?= $(LIBDIR)/lv2
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3
BUILD ?= build
OPT ?= -O2
CFLAGS ?= $(OPT) -g
override CFLAGS += -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -fPIC -MMD -MP
# Hardening for everything installed (programs, plugin, library): fortified libc calls, stack
# canaries, a read-only GOT. Measured in docs/performance.md: the dsp loops do not slow down.
override CFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong
override LDFLAGS += -Wl,-z,relro,-z,now
LDLIBS_DSP = $(JANSSON_LIBS) $(SAMPLERATE_LIBS_DSP) -lm -lpthread

VERSION := 0.4.0
override CFLAGS += -DRFX_VERSION=\"$(VERSION)\"

# Debian packages: building, then testing and hosts; `make deps` installs those. DEB_EXTRA is for
# maintainers (`make deps-dev`): PyTorch regenerates the reference fixtures (`make fixtures`) and
# is the training-speed yardstick in `make bench`; tests never need it.
DEB_BUILD = build-essential pkg-config libjansson-dev libsndfile1-dev portaudio19-dev lv2-dev \
	    liblilv-dev libsamplerate0-dev nettle-dev
DEB_TEST = valgrind clang libclang-rt-14-dev locales sox espeak-ng python3 ardour lilv-utils serdi sordi jalv jackd2 fluidsynth fluid-soundfont-gm timgm6mb-soundfont hydrogen-drumkits \
	   libjack-jackd2-dev mda-lv2
DEB_EXTRA = python3-torch python3-numpy

# `make check` and `make demo` first install what is missing (deps-if-missing), then run the real
# work in a sub-make; library look-ups and their errors only matter to the goals that build.
RFX_WRAPPER_GOALS := deps deps-dev deps-if-missing clean check demo
RFX_NEED_LIBS := $(if $(MAKECMDGOALS),$(if $(filter-out $(RFX_WRAPPER_GOALS),$(MAKECMDGOALS)),yes),yes)

# Every library through pkg-config, in one place: $(call pkg_libs,NAME,DEBIAN-PACKAGE) stops with
# a clear message when one is missing.
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs = $(or $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null),$(error $(1) not found by \
	pkg-config: run 'make deps' (or apt-get install $(2))))

# Users: dsp/ (jansson, and libsamplerate for rate.c), tools/ and trainer/ (sndfile), rnnfx-live
# (portaudio), the trainer's SHA-256 (nettle).
ifeq ($(RFX_NEED_LIBS),yes)
JANSSON_CFLAGS := $(call pkg_cflags,jansson)
JANSSON_LIBS := $(call pkg_libs,jansson,libjansson-dev)
SAMPLERATE_LIBS_DSP := $(call pkg_libs,samplerate,libsamplerate0-dev)
SNDFILE_CFLAGS := $(call pkg_cflags,sndfile)
SNDFILE_LIBS := $(call pkg_libs,sndfile,libsndfile1-dev)
PORTAUDIO_CFLAGS := $(call pkg_cflags,portaudio-2.0)
PORTAUDIO_LIBS := $(call pkg_libs,portaudio-2.0,portaudio19-dev)
NETTLE_LIBS := $(call pkg_libs,nettle,nettle-dev)
endif

all:

# ---------------------------------------------------------------- dsp library
# io/ (the one input opener and output writer, POSIX only) sits below dsp/ and goes into the same
# archive, so the library's loader and every program open and write files the same way.
DSP_SRC := $(wildcard dsp/*.c) $(wildcard io/*.c)
DSP_OBJ := $(DSP_SRC:%.c=$(BUILD)/%.o)
LIBDSP := $(BUILD)/librnnfx-dsp.a

# The dsp hot loops are written for the auto-vectoriser; kernels for wider ISAs (inference and
# training alike) get their own flags here, never target pragmas, and are chosen at run time from
# one table (dsp/kernel_table.c), so the installed binary stays portable.
# -fno-trapping-math: we never unmask FP exceptions, and without it GCC will not if-convert the
# selects in fastmath.h, which keeps every gate loop scalar.
# DSP_OPT: the sanitizer build (check-asan) uses -O1, where GCC compiles kernel_avx2_fx.c's unrolled
# loops with ASan in about a minute instead of four.
DSP_OPT ?= -O3
$(BUILD)/dsp/%.o: override CFLAGS += $(DSP_OPT) -fno-trapping-math -fno-math-errno $(JANSSON_CFLAGS)
DSP_AVX2_OBJ := $(BUILD)/dsp/kernel_avx2.o $(BUILD)/dsp/kernel_avx2_fx.o $(BUILD)/dsp/bptt_avx2.o
$(DSP_AVX2_OBJ): override CFLAGS += -mavx2 -mfma -ffp-contract=fast
# Training's forward asks for the cache rows it is about to write with PREFETCHW (LSTM 32 at two
# threads +8 %; a read prefetch gained less). A hint: Haswell, without the PRFCHW flag, runs it as
# a no-op.
$(BUILD)/dsp/bptt_avx2.o: override CFLAGS += -mprfchw
# Training's kernels again with AVX-512VL's 32 registers and scheduling before register allocation
# (dsp/bptt_avx512.c; the same bits). With 16 registers the scheduler spills (LSTM 32 -15 %).
$(BUILD)/dsp/bptt_avx512.o: override CFLAGS += -mavx2 -mfma -mavx512f -mavx512vl \
	-mprefer-vector-width=256 -ffp-contract=fast -mprfchw -fschedule-insns -fsched-pressure
# The same loops with AVX-512VL's 32 vector registers (dsp/kernel_avx512_fx.c), still 256 bits wide;
# with that many registers, scheduling before register allocation interleaves independent chains
# (min of 4 alternating runs: GRU 40 133 -> 126 ns, GRU 64 381 -> 363, LSTM 32 133 -> 129).
$(BUILD)/dsp/kernel_avx512_fx.o: override CFLAGS += -mavx2 -mfma -mavx512f -mavx512vl \
	-mprefer-vector-width=256 -ffp-contract=fast -fschedule-insns -fsched-pressure

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Written afresh: `ar r` into an existing archive keeps members whose source is gone.
$(LIBDSP): $(DSP_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

all: $(LIBDSP)

# ---------------------------------------------------------------- tests
# Every tests/test_*.c is one program per behaviour, linked with the dsp library; a fragment can add
# libraries for its own tests with a target-specific TEST_LIBS.
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# Scripts run by the test runner after the programs (fragments append host tests here).
CHECK_SCRIPTS ?=

$(BUILD)/tests/%.o: override CFLAGS += $(JANSSON_CFLAGS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/harness.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS_DSP)

# test_stream counts the library's allocations through the linker's --wrap.
$(BUILD)/tests/test_stream: TEST_LDFLAGS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc

# No intermediate file is deleted (make would otherwise remove test objects after each link and
# rebuild them every time).
.SECONDARY:

# Every program (rnnfx-train, -run, -live, -capture, -convert) lands in $(BUILD)/ itself, whichever
# folder its source is in; objects stay under $(BUILD)/<source folder>/.
PROGRAMS :=

include $(sort $(wildcard */*.mk))

all: $(PROGRAMS)

# The README's commands build on every core: `make demo` and `make check` compile their programs
# with -j(cores) unless the caller gave a job count (make -jN ...). Serially, a fresh clone's
# `make demo` took 3 min 24 s on two cores, 2 min 5 s in parallel: the SIMD kernels' objects take
# most of it and do not depend on one another.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PAR = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS))

# Everything: unit programs, then the scripts (hosts, tools, fuzzing), then the sanitizer build.
check:
	@$(MAKE) --no-print-directory deps-if-missing
	@$(MAKE) --no-print-directory $(PAR) all test-programs
	@$(MAKE) --no-print-directory check-all

check-all: all $(TEST_BINS)
	@BUILD=$(BUILD) MAKE="$(MAKE)" sh tests/run-tests.sh $(TEST_BINS) -- $(CHECK_SCRIPTS) tests/sanitizers.sh

test-programs: $(TEST_BINS)
.PHONY: test-programs

# The same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, in their own build tree.
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=build-asan DSP_OPT=-O1 OPT="-O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined" LDFLAGS="-fsanitize=address,undefined"
check-asan:
	@$(ASAN_MAKE) $(PAR) test-programs
	@$(ASAN_MAKE) check-unit

check-unit: $(TEST_BINS)
	@BUILD=$(BUILD) sh tests/run-tests.sh $(TEST_BINS) --

check-valgrind: $(TEST_BINS)
	@BUILD=$(BUILD) VALGRIND=1 sh tests/run-tests.sh $(TEST_BINS) --

# ---------------------------------------------------------------- demo
# The main job end to end: demo audio made with sox (a guitar-like DI and the same DI through a
# made-up two-stage drive), a GRU trained on it, the held-out DI run through the trained model, and
# the plugin bundle with its presets. About two minutes on two cores.
DEMO_DIR := $(BUILD)/demo
DEMO_EPOCHS ?= 12

demo:
	@$(MAKE) --no-print-directory deps-if-missing
	@$(MAKE) --no-print-directory $(PAR) all
	@$(MAKE) --no-print-directory demo-run

demo-run: all
	@echo "== 1/6 demo audio (scripts/make_demo_data.sh)"
	@sh scripts/make_demo_data.sh $(DEMO_DIR)
	@echo "== 2/6 training a GRU-16 on the DI and the drive's output ($(DEMO_EPOCHS) epochs)"
	$(BUILD)/rnnfx-train --input $(DEMO_DIR)/di.wav --target $(DEMO_DIR)/amp_b.wav \
		--test-input $(DEMO_DIR)/di_test.wav --test-target $(DEMO_DIR)/amp_b_test.wav \
		--arch gru --hidden 16 --epochs $(DEMO_EPOCHS) --out $(DEMO_DIR)/drive.json
	@echo "== 3/6 the held-out DI through the trained model (rnnfx-run)"
	$(BUILD)/rnnfx-run --model $(DEMO_DIR)/drive.json $(DEMO_DIR)/di_test.wav \
		$(DEMO_DIR)/di_test-through-model.wav
	@echo "== 4/6 the shipped knob model (presets/crunch-gain.json) at gain 2 and at gain 9"
	$(BUILD)/rnnfx-run -q --model presets/crunch-gain.json --knob gain=2 $(DEMO_DIR)/di_test.wav \
		$(DEMO_DIR)/di_test-gain2.wav
	$(BUILD)/rnnfx-run -q --model presets/crunch-gain.json --knob gain=9 $(DEMO_DIR)/di_test.wav \
		$(DEMO_DIR)/di_test-gain9.wav
	@echo "== 5/6 drums to MIDI: the shipped onset model on a groove of a kit it never heard"
	@sh scripts/make_drum_kits.sh $(DEMO_DIR)/kits --kits h2-colomboacousticdrumkit >/dev/null 2>&1
	@sh scripts/make_drum_data.sh $(DEMO_DIR)/kits $(DEMO_DIR)/drums --kits h2-colomboacousticdrumkit \
		--files 1 --seconds 20 --seed 3 --bleed 0 >/dev/null
	$(BUILD)/rnnfx-run -q --model presets/drums.json $(DEMO_DIR)/drums/000.wav $(DEMO_DIR)/drums.mid
	$(BUILD)/rnnfx-run -q --model presets/drums.json $(DEMO_DIR)/drums/000.wav $(DEMO_DIR)/drums.csv
	@echo "$$(($$(wc -l < $(DEMO_DIR)/drums.csv) - 1)) notes for $$(($$(wc -l < $(DEMO_DIR)/drums/000.csv) - 1)) labelled hits"
	@echo "== 6/6 the LV2 bundle and its presets"
	@LV2_PATH=$(abspath $(BUILD)):/usr/lib/lv2 lv2info https://rnnfx.org/plugins/rnnfx#effect \
		2>/dev/null | sed -n '/^\tName:/p;/^\tPresets:/,/^$$/p'
	@echo
	@echo "Done. Listen and compare: $(DEMO_DIR)/di_test.wav (dry), $(DEMO_DIR)/amp_b_test.wav (the"
	@echo "'amp'), $(DEMO_DIR)/di_test-through-model.wav (the model); training curves and a test"
	@echo "excerpt: $(DEMO_DIR)/drive.svg. One model, two settings of its gain knob:"
	@echo "$(DEMO_DIR)/di_test-gain2.wav and $(DEMO_DIR)/di_test-gain9.wav. A drum groove and the MIDI"
	@echo "notes heard in it: $(DEMO_DIR)/drums/000.wav, $(DEMO_DIR)/drums.mid. In Ardour: 'make install' (or 'make install"
	@echo "LV2DIR=~/.lv2'), insert 'rnnfx' on a mono track, pick a preset or load $(DEMO_DIR)/drive.json."

# ---------------------------------------------------------------- setup
DEB_ALL = $(DEB_BUILD) $(DEB_TEST)

# Installs only when a package is missing, so `make check` and `make demo` stay quick after the
# first run (and work without root once everything is there).
deps-if-missing:
	@missing=$$(for p in $(DEB_ALL); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "missing Debian packages:" $$missing; $(MAKE) --no-print-directory deps; fi

deps:
	@$(call apt_install,$(DEB_ALL))

deps-dev:
	@$(call apt_install,$(DEB_ALL) $(DEB_EXTRA))

apt_install = if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $(1); \
	else \
		echo "run as root: apt-get install -y $(1)"; exit 1; \
	fi

clean:
	rm -rf build build-* 

install: all
uninstall:

.PHONY: demo-run all check check-all deps-dev deps-if-missing check-unit check-asan check-valgrind deps clean install uninstall bench demo fixtures fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
