#!/bin/sh
# The shipped classifier (presets/tones.json) on fresh audio, measured by rnnfx-train --eval over
# the dsp stream:
#   1. in distribution: scripts/make_class_data.sh with a seed the model never saw (training used
#      1, 1001 and 2001), the classes and levels of presets/train-classifier.sh;
#   2. held out: tests/trainer/tone-gen2 (no sox, no code shared with that script: pulses of other
#      duties, band-limited saws, a Karplus-Strong string, other speech voices, -40 to 0 dBFS,
#      40 Hz to 4 kHz), the sounding frames 0.1 s after each onset;
#   3. level invariance (what --gain-augment trained): quiet low tones below the training levels;
#   4. rnnfx-run's class track of a file names its class.
# The bars sit below the figures measured when the preset was trained (docs/trainer.md, "Level
# invariance"), with a margin for other machines' arithmetic and for these smaller sets.
# Exits 77 (skipped) without sox or espeak-ng.
set -u
BUILD=${BUILD:-build}
TRAIN=$BUILD/rnnfx-train
RUN=$BUILD/rnnfx-run
GEN2=$BUILD/tests/trainer/tone-gen2
MODEL=${MODEL:-presets/tones.json}   # another model to measure it the same way
CLASSES=sine,square,saw,pluck,noise,speech,silence
for tool in sox espeak-ng; do
	if ! command -v $tool >/dev/null; then
		echo "skipped: needs $tool (apt-get install sox espeak-ng)"
		exit 77
	fi
done
for f in "$TRAIN" "$RUN" "$GEN2" "$MODEL"; do
	[ -e "$f" ] || { echo "missing $f"; echo "0 passed, 1 failed"; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# recall EVAL CLASS: the class's recall (0..1) from an --eval report
recall() { awk -v c="$2" '$1 == c && $3 ~ /%$/ { sub("%", "", $3); print $3 / 100; exit }' "$1"; }

# sounding EVAL CSV: the accuracy over the labelled frames of every class but silence, from the
# per-class recall weighted by each class's labelled seconds in CSV
sounding() {
	awk -F, 'NR > 1 && $4 != "silence" { d[$4] += $3 - $2 } END { for (c in d) print c, d[c] }' "$2" |
	while read -r c d; do echo "$c $d $(recall "$1" "$c")"; done |
	awk '{ n += $2; s += $2 * $3 } END { printf "%.4f\n", n ? s / n : 0 }'
}

n=$(grep -o '"labels": *\[[^]]*\]' "$MODEL" | tr ',' '\n' | grep -c '"')
[ "$n" -eq 7 ] && ok "$MODEL has 7 classes (the plugin has 8 probability ports)" ||
	bad "classes in $MODEL" "$n"

# 1. In distribution: >= 94 % of all frames, onsets included (measured: 97.0 % on this set,
# 95.4 % on the recipe's test set).
sh scripts/make_class_data.sh "$TMP/d" --classes $CLASSES --levels -40,0 --files 12 --val-files 4 \
	--seed 77 >/dev/null
if "$TRAIN" --task classify --eval "$MODEL" --classes "$TMP/d/train" >"$TMP/ev" 2>&1; then
	acc=$(awk '$1 == "frame_accuracy" { print $2 }' "$TMP/ev")
	med=$(awk '$1 == "latency_median_ms" { print $2 }' "$TMP/ev")
	at_least "$acc" 0.94 && ok "in distribution: frame accuracy $acc >= 0.94" ||
		bad "in-distribution frame accuracy" "$acc < 0.94; $(cat "$TMP/ev")"
	awk -v m="$med" 'BEGIN { exit !(m <= 50) }' && ok "median decision latency $med ms <= 50" ||
		bad "median decision latency" "$med ms > 50"
else
	bad "--eval of $MODEL" "$(cat "$TMP/ev")"
fi

# 2. Held out: the sounding frames from 0.1 s after each onset, >= 93 % (measured: 96.9 % on this
# set of 20 files per class, 97.9 % on 100; the recipe without augmentation 92.4 %).
"$GEN2" "$TMP/h" 7 20 >/dev/null || bad "tone-gen2" "failed"
if "$TRAIN" --task classify --eval "$MODEL" --labels "$TMP/h/labels.csv" >"$TMP/hev" 2>&1; then
	s=$(sounding "$TMP/hev" "$TMP/h/labels.csv")
	at_least "$s" 0.93 && ok "held-out generator: sounding frame accuracy $s >= 0.93" ||
		bad "held-out sounding frame accuracy" "$s < 0.93; $(cat "$TMP/hev")"
else
	bad "--eval on the held-out set" "$(cat "$TMP/hev")"
fi

# share_of CLASS FILE...: the share of rnnfx-run's rows from 0.1 s on that name CLASS
share_of() {
	c=$1
	shift
	for f in "$@"; do
		"$RUN" --model "$MODEL" "$f" "$TMP/t.csv" 2>"$TMP/err" || { echo "rnnfx-run failed" >&2; return; }
		awk -F, -v c="$c" 'NR > 1 && $1 >= 0.1 { print ($3 == c) }' "$TMP/t.csv"
	done | awk '{ n++; s += $1 } END { printf "%.3f\n", n ? s / n : 0 }'
}

# 3. Level invariance: sines, squares and saws of 40 to 250 Hz at -46 to -40 dBFS (the first
# preset's misses, and below the training files' -40 dBFS: only the gain augmentation took the
# training audio there). Measured: all rows right; without augmentation 73 % of the sines'.
"$GEN2" "$TMP/q" 3 6 --classes sine,square,saw --levels -46,-40 --freqs 40,250 >/dev/null
for c in sine square saw; do
	s=$(share_of "$c" "$TMP/q/$c"/*.wav)
	at_least "$s" 0.9 && ok "quiet low $c (-46 to -40 dBFS, 40-250 Hz): $s of the rows say $c" ||
		bad "quiet low $c" "only $s of the rows say $c"
done

# 4. rnnfx-run's class track of one in-distribution file per sounding class.
for c in sine square saw pluck noise speech; do
	f=$(ls "$TMP/d/test/$c"/*.wav | head -n 1)
	s=$(share_of "$c" "$f")
	at_least "$s" 0.8 && ok "rnnfx-run: $s of the $c rows say $c" ||
		bad "rnnfx-run class track of $c" "only $s"
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
