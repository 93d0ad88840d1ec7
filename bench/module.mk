# Benchmarks: `make bench` prints the tables and writes CSV files into $(BUILD)/bench/.
BENCH_INFER := $(BUILD)/bench/bench_infer

$(BENCH_INFER): $(BUILD)/bench/bench_infer.o $(BUILD)/bench/peak.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

bench: $(BENCH_INFER)
	@echo "== inference: one stream, blocks of 256, 2 s of noise at 48 kHz, best of 11 in thread CPU time =="
	@$(BENCH_INFER) $(BUILD)/bench/infer.csv
	@echo "(CSV: $(BUILD)/bench/infer.csv)"

BENCH_TRAIN := $(BUILD)/bench/bench_train
$(BENCH_TRAIN): $(BUILD)/bench/bench_train.o $(BUILD)/bench/peak.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

bench: bench-train
bench-train: $(BENCH_TRAIN)
	@echo "== training: batch 32 x window 2048, 1 and 2 threads, forward + backward + Adam, best of 11 in wall-clock time =="
	@sh bench/compare-train.sh $(BENCH_TRAIN) $(BUILD)/bench
.PHONY: bench-train

BENCH_PRESETS := $(BUILD)/bench/bench_presets
$(BENCH_PRESETS): $(BUILD)/bench/bench_presets.o $(LIBDSP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_DSP)

bench: bench-presets
bench-presets: $(BENCH_PRESETS)
	@echo "== shipped presets: CPU per second of audio at 48 kHz, one stream, blocks of 256 =="
	@$(BENCH_PRESETS) $(sort $(wildcard presets/*.json))
.PHONY: bench-presets

# Where the specialised loops spend their time (perf cpu-clock samples by inlined function).
profile: $(BENCH_INFER)
	@sh bench/profile.sh $(BENCH_INFER)
.PHONY: profile
