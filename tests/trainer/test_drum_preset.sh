#!/bin/sh
# The shipped drum preset (presets/drums.json, an onset model) on kits it never heard: a hydrogen
# kit held out of its training (h2-colomboacousticdrumkit) and TimGM6mb's percussion (another
# soundfont), made into fresh grooves here (another seed than presets/train-drums.sh's test set).
# Measured by rnnfx-train --task onset --eval, i.e. through the engine and the plugin's detector:
# the mean F1 over the five classes, each class's recall and precision at bars well below what it
# measures here (mean F1 0.571; the lowest recall 0.19, toms, which the seed alone moves from 0.09
# to 0.48 for this recipe; the lowest precision 0.43; presets/README.md has the full
# held-out record), so this says the preset still works, not how well; the median decision latency
# under 10 ms (6.7);
# the same grooves end to end as one stream score as well as file by file (no drift of the state
# over minutes); and rnnfx-run writes about one note per labelled hit. Exits 77 (skipped) without
# sox, fluidsynth, the soundfont or hydrogen-drumkits.
set -u
. "$(dirname "$0")/common.sh"
MODEL=presets/drums.json
SF2=${SF2_TIMGM6MB:-/usr/share/sounds/sf2/TimGM6mb.sf2}
H2=${H2_DRUMKITS:-/usr/share/hydrogen/data/drumkits}
for t in sox fluidsynth; do
	command -v $t >/dev/null || { echo "skipped: needs $t"; exit 77; }
done
[ -f "$SF2" ] && [ -d "$H2" ] || { echo "skipped: needs timgm6mb-soundfont and hydrogen-drumkits"; exit 77; }
[ -x "$BUILD/drumgen" ] || { echo "missing $BUILD/drumgen"; echo "0 passed, 1 failed"; exit 1; }
T=$TMP
sh scripts/make_drum_kits.sh "$T/kits" --kits h2-colomboacousticdrumkit,sf-timgm6mb \
	--velocities 30,70,110 >"$T/kits.log" 2>&1 || { bad "make_drum_kits.sh" "$(tail -n 5 "$T/kits.log")"; finish; exit 1; }
sh scripts/make_drum_data.sh "$T/kits" "$T/held" --kits h2-colomboacousticdrumkit,sf-timgm6mb \
	--files 6 --seconds 20 --seed 11 --bleed 0 >"$T/data.log" 2>&1 ||
	{ bad "make_drum_data.sh" "$(tail -n 5 "$T/data.log")"; finish; exit 1; }
if "$TRAIN" --task onset --eval "$MODEL" --onsets "$T/held" >"$T/ev" 2>&1; then
	sed 's/^/    /' "$T/ev" | sed -n '1,9p'
	f1=$(awk '$1 == "mean_f1" { print $2 }' "$T/ev")
	lat=$(awk '$1 == "latency_median_ms" { print $2 }' "$T/ev")
	awk -v a="$f1" -v bar="${DRUM_F1_BAR:-0.45}" 'BEGIN { exit !(a >= bar) }' &&
		ok "held-out kits: mean F1 $f1" || bad "held-out mean F1" "$f1"
	worst=$(awk '$1 == "class" && $3 == "precision" { print $6 }' "$T/ev" | sort -g | head -n 1)
	awk -v a="$worst" 'BEGIN { exit !(a >= 0.15) }' && ok "every class's recall >= 0.15 (worst $worst)" ||
		bad "per-class recall" "worst $worst"
	worst=$(awk '$1 == "class" && $3 == "precision" { print $4 }' "$T/ev" | sort -g | head -n 1)
	awk -v a="$worst" 'BEGIN { exit !(a >= 0.3) }' && ok "every class's precision >= 0.3 (worst $worst)" ||
		bad "per-class precision" "worst $worst"
	awk -v a="$lat" 'BEGIN { exit !(a <= 10) }' && ok "median decision latency $lat ms <= 10" ||
		bad "decision latency" "$lat ms"
else
	bad "--eval of the drum preset" "$(cat "$T/ev")"
fi
# The same grooves as one long stream (the files end to end, the labels shifted): a model whose
# state drifts over minutes (training sees 0.5 s segments from a zero state) scores lower here than
# file by file, where every file starts from the model's initial state.
mkdir -p "$T/long"
echo "time,class" >"$T/long/all.csv"
off=0
for w in "$T/held"/*.wav; do
	tail -n +2 "${w%.wav}.csv" | awk -F, -v o="$off" '{ printf "%.6f,%s\n", $1 + o, $2 }' >>"$T/long/all.csv"
	off=$(awk -v a="$off" -v b="$(soxi -D "$w" 2>/dev/null)" 'BEGIN { print a + b }')
done
if sox "$T/held"/*.wav "$T/long/all.wav" 2>"$T/sox.err" &&
	"$TRAIN" --task onset --eval "$MODEL" --onsets "$T/long" >"$T/evl" 2>&1; then
	f1l=$(awk '$1 == "mean_f1" { print $2 }' "$T/evl")
	awk -v a="$f1l" -v b="${f1:-0}" 'BEGIN { exit !(a >= b - 0.03) }' &&
		ok "as one ${off%.*} s stream: mean F1 $f1l (file by file ${f1:-?})" ||
		bad "one long stream" "mean F1 $f1l against ${f1:-?} file by file"
else
	bad "the long stream" "$(cat "$T/sox.err" "$T/evl")"
fi
f=$(ls "$T/held"/*.wav | head -n 1)
if "$BUILD/rnnfx-run" -q --model "$MODEL" "$f" "$T/hits.csv" 2>"$T/rerr"; then
	rows=$(($(wc -l <"$T/hits.csv") - 1)) labels=$(($(wc -l <"${f%.wav}.csv") - 1))
	awk -v r="$rows" -v l="$labels" 'BEGIN { exit !(r >= 0.6 * l && r <= 1.5 * l) }' &&
		ok "rnnfx-run: $rows notes for $labels labelled hits" || bad "rnnfx-run notes" "$rows for $labels"
else
	bad "rnnfx-run on the drum preset" "$(cat "$T/rerr")"
fi
finish
