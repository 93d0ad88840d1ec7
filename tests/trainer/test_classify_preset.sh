#!/bin/sh
# The shipped classifier (presets/tones.json) on fresh audio: scripts/make_class_data.sh with a
# seed the model never saw (training used 1, 1001 and 2001), the classes and levels of
# presets/train-classifier.sh. Asserts >= 95 % frame accuracy and a median decision latency
# <= 50 ms (measured by rnnfx-train --eval over the dsp stream), and that rnnfx-run's class track
# of a file names its class. Exits 77 (skipped) without sox.
set -u
BUILD=${BUILD:-build}
TRAIN=$BUILD/rnnfx-train
RUN=$BUILD/rnnfx-run
MODEL=presets/tones.json
if ! command -v sox >/dev/null; then
	echo "skipped: needs sox (apt-get install sox)"
	exit 77
fi
for f in "$TRAIN" "$RUN" "$MODEL"; do
	[ -e "$f" ] || { echo "missing $f"; echo "0 passed, 1 failed"; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }

sh scripts/make_class_data.sh "$TMP/d" --classes sine,square,saw,noise,silence --levels -24,-3 \
	--files 15 --seed 77 >/dev/null
if "$TRAIN" --task classify --eval "$MODEL" --classes "$TMP/d/train" >"$TMP/ev" 2>&1; then
	acc=$(awk '$1 == "frame_accuracy" { print $2 }' "$TMP/ev")
	med=$(awk '$1 == "latency_median_ms" { print $2 }' "$TMP/ev")
	p90=$(awk '$1 == "latency_p90_ms" { print $2 }' "$TMP/ev")
	awk -v a="$acc" 'BEGIN { exit !(a >= 0.95) }' && ok "frame accuracy $acc >= 0.95 on fresh audio" ||
		bad "frame accuracy" "$acc < 0.95; $(cat "$TMP/ev")"
	awk -v m="$med" 'BEGIN { exit !(m <= 50) }' && ok "median decision latency $med ms <= 50 (p90 $p90 ms)" ||
		bad "median decision latency" "$med ms > 50"
else
	bad "--eval of $MODEL" "$(cat "$TMP/ev")"
fi
for c in sine square saw noise; do
	f=$(ls "$TMP/d/test/$c"/*.wav | head -n 1)
	if "$RUN" --model "$MODEL" "$f" "$TMP/$c.csv" 2>"$TMP/err"; then
		share=$(awk -F, -v c="$c" 'NR > 6 { n++; s += ($3 == c) } END { print n ? s / n : 0 }' "$TMP/$c.csv")
		awk -v s="$share" 'BEGIN { exit !(s >= 0.8) }' && ok "rnnfx-run: $share of the $c rows say $c" ||
			bad "rnnfx-run class track of $c" "only $share"
	else
		bad "rnnfx-run $c" "$(cat "$TMP/err")"
	fi
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
