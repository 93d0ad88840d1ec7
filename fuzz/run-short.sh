#!/bin/sh
# A 20-second run of the fuzzers, for `make check`: the model loader for half of it, the labels CSV,
# the onset labels and the checkpoint reader for a sixth each. Prints "1 passed, 0 failed" when the
# fuzzer found nothing, "0 passed, 1 failed" (and the fuzzer's report) when it crashed or failed to
# build; exits 77 (skipped) when clang's libFuzzer is not installed.
set -u
MAKE=${MAKE:-make}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
probe_dir=$(mktemp -d /tmp/rfx-fuzz-probe.XXXXXX) || exit 1
trap 'rm -rf "$probe_dir"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$probe_dir/probe.c"
if ! clang -fsanitize=fuzzer -o "$probe_dir/probe" "$probe_dir/probe.c" >/dev/null 2>&1; then
	echo "skipped: clang with libFuzzer not available (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
log="$probe_dir/fuzz.log"
# MAKEFLAGS from an outer `make check` may carry -j and variable overrides; the fuzz rule needs none.
# BUILD (set by tests/run-tests.sh) picks the fuzz tree: build -> build-fuzz, build-x -> build-x-fuzz.
passed=0 failed=0
for target in fuzz fuzz-labels fuzz-onsets fuzz-checkpoint; do
	secs=$((FUZZ_SECONDS / 6))
	[ "$target" = fuzz ] && secs=$((FUZZ_SECONDS / 2))
	[ "$secs" -ge 1 ] || secs=1
	if MAKEFLAGS= $MAKE --no-print-directory "$target" BUILD="${BUILD:-build}" FUZZ_SECONDS="$secs" \
		>"$log" 2>&1; then
		echo "ok   $target: $(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1)"
		passed=$((passed + 1))
	else
		tail -n 40 "$log"
		echo "FAIL $target"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
