#!/bin/sh
# A 20-second run of the model-loader fuzzer, for `make check`. Prints "1 passed, 0 failed" when the
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
if MAKEFLAGS= $MAKE --no-print-directory fuzz BUILD="${BUILD:-build}" FUZZ_SECONDS="$FUZZ_SECONDS" \
	>"$log" 2>&1; then
	grep -E '^(stat::number_of_executed_units|#[0-9]+ *DONE)' "$log" | tail -n 2
	echo "1 passed, 0 failed"
	exit 0
fi
tail -n 40 "$log"
echo "0 passed, 1 failed"
exit 1
