#!/bin/sh
# Runs the lilv test host (tests/lv2/lv2host.c) against the built bundle, found through LV2_PATH,
# then the same cases in the ASan/UBSan build against a bundle whose plugin code is instrumented.
# Prints "N passed, N failed" over the cases of both runs.
set -u
BUILD=${BUILD:-build}
T=$BUILD/tests/lv2
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lv2" "$tmp/lv2-asan"
ln -s "$(cd "$BUILD/rnnfx.lv2" && pwd)" "$tmp/lv2/rnnfx.lv2"
ln -s "$(cd "$BUILD/lv2-asan/rnnfx.lv2" && pwd)" "$tmp/lv2-asan/rnnfx.lv2"

run() { # name lv2dir program
	name=$1; shift
	lv2dir=$1; shift
	LV2_PATH="$lv2dir:/usr/lib/lv2" "$@" "$tmp/work-$name" > "$tmp/$name.log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/$name.log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); p=${p:-0}
	f=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p'); f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # crashed, or a sanitizer report
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" -eq 0 ]; then
		echo "ok $name: $line"; grep '^audio-thread' "$tmp/$name.log"
	else
		echo "FAIL $name (exit $rc)"; grep -v '^ok ' "$tmp/$name.log" | tail -n 40
	fi
}
run lv2host "$tmp/lv2" "$T/lv2host"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	run lv2host-asan "$tmp/lv2-asan" "$T/lv2host-asan"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
