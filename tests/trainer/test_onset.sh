#!/bin/sh
# rnnfx-train --task onset on tiny generated data (onset-gen: click, thump, ting at 16 kHz, hits
# labelled as "time,class"): a short bounded run reaches a held-out mean F1 >= 0.85 and every class
# >= 0.75 (asserted on the hits the plugin's detector would report, never on time), with a median
# decision latency under 10 ms; the model is an onset model carrying its classes, MIDI notes and
# front end and its 1 ms hop; --eval measures it again; with --hop 1 (the network at every
# sample) it learns too; --init starts from a model's weights and keeps its shape; every bad-label
# case exits non-zero naming FILE:LINE.
set -u
. "$(dirname "$0")/common.sh"
T=$TMP
GEN=$BUILD/tests/trainer/onset-gen
[ -x "$GEN" ] || { echo "missing $GEN: make BUILD=$BUILD check-all"; echo "0 passed, 1 failed"; exit 1; }
"$GEN" "$T/train" 1 6 16000 20 && "$GEN" "$T/test" 2 2 16000 20 ||
	{ echo "onset-gen failed"; echo "0 passed, 1 failed"; exit 1; }
ONS="--task onset --threads 2 --no-report"

# --- a bounded run learns: hits found on audio from another seed
if "$TRAIN" $ONS --onsets "$T/train" --test-onsets "$T/test" --hidden 24 --epochs 25 \
	--notes thump=35 --out "$T/o.json" 2>"$T/err"; then
	if "$TRAIN" --task onset --eval "$T/o.json" --onsets "$T/test" >"$T/ev" 2>&1; then
		f1=$(awk '$1 == "mean_f1" { print $2 }' "$T/ev")
		lat=$(awk '$1 == "latency_median_ms" { print $2 }' "$T/ev")
		awk -v a="$f1" 'BEGIN { exit !(a >= 0.85) }' && ok "held-out mean F1 $f1 >= 0.85" ||
			bad "held-out mean F1" "$f1 < 0.85; $(tail -n 12 "$T/err")"
		worst=$(awk '$1 == "class" && $3 == "precision" { print $8 }' "$T/ev" | sort -g | head -n 1)
		awk -v a="$worst" 'BEGIN { exit !(a >= 0.75) }' && ok "every class F1 >= 0.75 (worst $worst)" ||
			bad "per-class F1" "worst $worst < 0.75: $(cat "$T/ev")"
		awk -v a="$lat" 'BEGIN { exit !(a <= 10) }' && ok "median decision latency $lat ms <= 10" ||
			bad "decision latency" "$lat ms"
		grep -q '"test":{.*"mean_f1"' "$T/o.json" && ok "test metrics in the metadata" ||
			bad "test metrics in the metadata" "$(grep -o '"metadata".\{0,300\}' "$T/o.json")"
	else
		bad "--eval" "$(cat "$T/ev")"
	fi
	grep -q '"mode": "onset"' "$T/o.json" && ok "an onset model" || bad "mode" "$(head -n 12 "$T/o.json")"
	grep -q '"notes": \[0, 35, 0\]' "$T/o.json" || grep -q '"notes": \[60, 35, 62\]' "$T/o.json" &&
		ok "--notes thump=35, the others 60 + k" || bad "notes" "$(grep notes "$T/o.json")"
	grep -q '"frontend": {"bands": 10, .*"hop": 16}' "$T/o.json" &&
		ok "the band front end and a 1 ms hop by default" || bad "front end" "$(grep frontend "$T/o.json")"
	grep -q '"calibrated_thresholds":\[' "$T/o.json" && ok "per-class thresholds calibrated" ||
		bad "calibrated thresholds" "not in the metadata"
	# rnnfx-run: the hits as CSV rows and as a MIDI file, about one per labelled hit.
	RUN=$BUILD/rnnfx-run
	if "$RUN" -q --model "$T/o.json" "$T/test/00.wav" "$T/hits.csv" 2>"$T/rerr" &&
		"$RUN" -q --model "$T/o.json" "$T/test/00.wav" "$T/hits.mid" 2>>"$T/rerr"; then
		head -n 1 "$T/hits.csv" | grep -q "^time,class,note,velocity,confidence$" &&
			ok "rnnfx-run onset CSV header" || bad "onset CSV header" "$(head -n 1 "$T/hits.csv")"
		rows=$(($(wc -l <"$T/hits.csv") - 1)) labels=$(($(wc -l <"$T/test/00.csv") - 1))
		awk -v r="$rows" -v l="$labels" 'BEGIN { exit !(r >= 0.8 * l && r <= 1.2 * l) }' &&
			ok "rnnfx-run: $rows hits for $labels labelled" || bad "rnnfx-run hits" "$rows for $labels"
		awk -F, 'NR > 1 && ($3 != 35 && $3 != 60 && $3 != 62 || $4 < 1 || $4 > 127) { bad = 1 }
			END { exit bad }' "$T/hits.csv" && ok "notes from the model, velocities 1..127" ||
			bad "notes/velocities" "$(head -n 5 "$T/hits.csv")"
		head -c 4 "$T/hits.mid" | grep -q MThd && ons=$(od -An -tx1 -v "$T/hits.mid" |
			tr -s ' \n' '\n\n' | grep -c '^99$') &&
			[ "$ons" -ge "$rows" ] && ok "rnnfx-run MIDI file: $ons note-ons on channel 10" ||
			bad "MIDI file" "$(od -An -tx1 "$T/hits.mid" | head -n 3)"
	else
		bad "rnnfx-run on an onset model" "$(cat "$T/rerr")"
	fi
	"$RUN" -q --model "$T/o.json" "$T/test/00.wav" "$T/hits.wav" 2>"$T/rerr" &&
		bad "audio out of an onset model" "accepted" ||
		{ grep -q "writes its hits as .csv or .mid" "$T/rerr" && ok "an audio output name is refused" ||
			bad "audio output name" "$(cat "$T/rerr")"; }
else
	bad "onset training run" "$(cat "$T/err")"
fi

# --- --init: fine-tuning starts from the model's weights and keeps its shape, classes and notes.
# With a learning rate of 1e-7 one batch moves no weight by more than 1e-6: only the head's biases change (the
# thresholds calibrated again); had the weights come from anywhere else, they would differ.
if [ -f "$T/o.json" ] && "$TRAIN" $ONS --init "$T/o.json" --onsets "$T/train" --epochs 1 \
	--batches 1 --lr 1e-7 --out "$T/ft.json" 2>"$T/ferr"; then
	sha=$(sha256sum "$T/o.json" | cut -d' ' -f1)
	if /usr/bin/python3 - "$T/o.json" "$T/ft.json" "$sha" >"$T/fcmp" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
diff = max(abs(x - y) for k in a["tensors"] if k != "head.bias"
           for x, y in zip(a["tensors"][k]["data"], b["tensors"][k]["data"]))
init = b["metadata"].get("init_model", {})
same = all(a[k] == b[k] for k in ("cell", "hidden", "frontend", "labels", "notes"))
print(f"largest weight change {diff:.2g}, shape/front end/classes/notes kept: {same}, "
      f"init_model {init.get('sha256', '')[:12]}")
sys.exit(not (diff < 1e-6 and same and init.get("sha256") == sys.argv[3]))
PY
	then
		ok "--init: $(cat "$T/fcmp")"
	else
		bad "--init keeps the weights" "$(cat "$T/fcmp")"
	fi
else
	bad "--init run" "$(cat "$T/ferr" 2>/dev/null)"
fi
expect_error "--init with --hidden" "--init" "leave out --arch, --hidden" -- $ONS --init "$T/o.json" \
	--onsets "$T/train" --hidden 8 --out "$T/x.json"
expect_error "--init with an effect model" "presets/crunch.json" "not an onset model" -- $ONS \
	--init presets/crunch.json --onsets "$T/train" --out "$T/x.json"
expect_error "--init with data of other classes" "$T/train/00.csv:2" "unknown class 'click'" -- $ONS \
	--init presets/drums.json --onsets "$T/train" --out "$T/x.json"
"$TRAIN" $ONS --init "$T/o.json" --eval "$T/o.json" --onsets "$T/train" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "not both" "$T/err" && ok "--init with --eval: refused" ||
	bad "--init with --eval" "$(cat "$T/err")"

# --- --hop 1: the network at every sample learns too (16 times the steps)
if "$TRAIN" $ONS --onsets "$T/train" --hidden 24 --epochs 25 --hop 1 --out "$T/hop.json" \
	2>"$T/herr" && "$TRAIN" --task onset --eval "$T/hop.json" --onsets "$T/test" >"$T/hev" 2>&1; then
	f1=$(awk '$1 == "mean_f1" { print $2 }' "$T/hev")
	awk -v a="$f1" 'BEGIN { exit !(a >= 0.85) }' && ok "--hop 1: held-out mean F1 $f1 >= 0.85" ||
		bad "--hop 1 mean F1" "$f1 < 0.85; $(tail -n 12 "$T/herr")"
	grep -q '"frontend": {"bands": 10, "low_hz": [0-9.]*, "high_hz": [0-9.]*}' "$T/hop.json" &&
		ok "no hop in the file" || bad "hop 1 in the file" "$(grep frontend "$T/hop.json")"
else
	bad "--hop 1 training run" "$(cat "$T/herr" "$T/hev" 2>/dev/null | tail -n 12)"
fi
expect_error "--hop without the front end" "--hop" "a hop needs the front end" -- $ONS \
	--onsets "$T/train" --frontend none --hop 16 --out "$T/x.json"

# --- --ensemble: models side by side as one. The merge itself (the mean of the members' logits for
# every cell and depth) is test_ensemble's; here the command: two models of one shape, calibrated
# on one folder and measured on another, and what it refuses.
if "$BUILD/tests/trainer/test_ensemble" >"$T/ens.out" 2>&1; then
	ok "test_ensemble: $(tail -n 1 "$T/ens.out")"
else
	bad "test_ensemble" "$(grep -v '^ok' "$T/ens.out" | head -n 12)"
fi
if [ -f "$T/ft.json" ] && "$TRAIN" --task onset --ensemble "$T/o.json,$T/ft.json" --val-onsets "$T/train" \
	--test-onsets "$T/test" --out "$T/ens.json" 2>"$T/eerr" &&
	"$TRAIN" --task onset --eval "$T/ens.json" --onsets "$T/test" >"$T/eev" 2>&1; then
	f1=$(awk '$1 == "mean_f1" { print $2 }' "$T/eev")
	awk -v a="$f1" 'BEGIN { exit !(a >= 0.85) }' && grep -q '"hidden": 48' "$T/ens.json" &&
		[ "$(grep -o '"ensemble_of":\[[^]]*\]' "$T/ens.json" | grep -o '"sha256"' | wc -l)" = 2 ] &&
		ok "--ensemble of two: hidden 48, both members in the metadata, held-out mean F1 $f1" ||
		bad "--ensemble" "F1 $f1; $(grep -o '"hidden": [0-9]*' "$T/ens.json")"
else
	bad "--ensemble run" "$(cat "$T/eerr" "$T/eev" 2>/dev/null | tail -n 12)"
fi
expect_error "--ensemble of two shapes" "$T/hop.json" "another front end or hop" -- --task onset \
	--ensemble "$T/o.json,$T/hop.json" --val-onsets "$T/train" --out "$T/x.json"
expect_error "--ensemble of one" "--ensemble" "2 to 8 model files" -- --task onset \
	--ensemble "$T/o.json" --val-onsets "$T/train" --out "$T/x.json"
for extra in "--onsets $T/train" "--hidden 8" ""; do
	"$TRAIN" --task onset --ensemble "$T/o.json,$T/o.json" $extra ${extra:+--val-onsets "$T/train"} \
		--out "$T/x.json" >/dev/null 2>"$T/err"
	[ $? -eq 2 ] && grep -q "ensemble" "$T/err" && ok "--ensemble ${extra:-without --val-onsets}: refused" ||
		bad "--ensemble ${extra:-without --val-onsets}" "$(cat "$T/err")"
done


# --- samples instead of bands: the same command trains (one short epoch)
expect_success "--frontend none trains on samples" "" -- $ONS --onsets "$T/train" --frontend none \
	--hidden 4 --epochs 1 --batches 2 --out "$T/raw.json"
grep -q '"frontend"' "$T/raw.json" 2>/dev/null && bad "--frontend none" "front end written" ||
	ok "--frontend none: no front end in the file"

# --- bad labels: each names the file and line
B=$T/bad
mkdir -p "$B"
cp "$T/train/00.wav" "$B/a.wav"
printf 'time,class\n0.5,kick\n1.0\n' >"$B/a.csv"
expect_error "a line without a class" "$B/a.csv:3" "expected time,class" -- $ONS --onsets "$B" \
	--out "$T/x.json"
printf 'time,class\nhalf,kick\n' >"$B/a.csv"
expect_error "a time that is not a number" "$B/a.csv:2" "must be seconds" -- $ONS --onsets "$B" \
	--out "$T/x.json"
printf 'time,class\n0.5,kick\n999,snare\n' >"$B/a.csv"
expect_error "a time past the end" "$B/a.csv:3" "outside the audio" -- $ONS --onsets "$B" \
	--out "$T/x.json"
printf 'time,class\n0.5,kick\n0.7,banjo\n' >"$B/a.csv"
expect_error "a class outside --class-names" "$B/a.csv:3" "unknown class 'banjo'" -- $ONS \
	--onsets "$B" --class-names kick,snare --out "$T/x.json"
printf 'time,class\n0.5,kick\n0.9,kick\n' >"$B/a.csv"
expect_error "one class only" "$B" "an onset model needs at least 2" -- $ONS --onsets "$B" \
	--out "$T/x.json"
rm "$B/a.csv"
expect_error "audio without its labels" "$B/a.wav" "no labels: expected" -- $ONS --onsets "$B" \
	--out "$T/x.json"
expect_error "--notes for a class that is not there" "--notes" "'snare' is not one of the classes" \
	-- $ONS --onsets "$T/train" --notes snare=38 --out "$T/x.json"
finish
