#!/bin/sh
# rnnfx-train end to end on small generated data: training lowers validation ESR a lot; a seed and
# thread count give bit-identical parameters (and so do other thread counts); Ctrl-C writes a
# checkpoint and --resume finishes the run exactly as if it had not stopped; the model loads with
# rfx_model_load_file and carries its metadata; the SVG report is written. Assertions are on ESR
# and on bits, never on time.
set -u
. "$(dirname "$0")/common.sh"
T=$TMP
"$TOOL" pair "$T/in.wav" "$T/tgt.wav" 12 --seed 5
"$TOOL" pair "$T/small_in.wav" "$T/small_tgt.wav" 4 --seed 6
DATA="--input $T/in.wav --target $T/tgt.wav"
SMALL="--input $T/small_in.wav --target $T/small_tgt.wav --segment 0.1 --warmup 200 --window 1024 --batch 8"

# --- training lowers validation ESR
if "$TRAIN" $DATA --epochs 4 --batch 16 --threads 2 --out "$T/a.json" 2>"$T/err"; then
	init=$("$TOOL" meta "$T/a.json" initial_validation_esr)
	val=$("$TOOL" meta "$T/a.json" validation_esr)
	# A random GRU starts near ESR 1; 4 epochs on this chain reach well under 0.1 (0.02-0.05).
	if awk -v a="$init" -v b="$val" 'BEGIN { exit !(b < 0.1 && b < 0.2 * a) }'; then
		ok "validation ESR $init -> $val"
	else
		bad "training lowers validation ESR" "$init -> $val"
	fi
else
	bad "training run" "$(cat "$T/err")"
fi

# --- the model file loads and carries its metadata; the report is next to it
"$TOOL" load "$T/a.json" >"$T/load" 2>&1 && grep -q "gru hidden=16 layers=1 .*metadata=yes" "$T/load" &&
	ok "model loads with rfx_model_load_file" || bad "model loads" "$(cat "$T/load")"
sha=$(sha256sum "$T/tgt.wav" | cut -d' ' -f1)
grep -q "$sha" "$T/a.json" && ok "metadata holds the SHA-256 of the data" || bad "metadata sha256" "$sha not found"
for key in command_line rnnfx_version sample_rate wall_time_s epochs; do
	"$TOOL" meta "$T/a.json" $key >/dev/null 2>&1 || bad "metadata $key" "missing"
done
head -c 5 "$T/a.svg" | grep -q "<?xml" && tail -n 1 "$T/a.svg" | grep -q "</svg>" &&
	ok "SVG report written next to the model" || bad "SVG report" "missing or incomplete"
ls "$T" | grep -q "tmp-" && bad "no temporary files left" "$(ls "$T")" || ok "no temporary files left"

# --- determinism: same seed and threads -> same bits; other thread counts too
for run in 1 2; do
	"$TRAIN" $SMALL --epochs 3 --threads 2 --seed 7 --no-report --out "$T/d$run.json" 2>"$T/err" ||
		bad "determinism run $run" "$(cat "$T/err")"
done
"$TRAIN" $SMALL --epochs 3 --threads 1 --seed 7 --no-report --out "$T/d3.json" 2>"$T/err" ||
	bad "determinism run 3" "$(cat "$T/err")"
"$TOOL" same-params "$T/d1.json" "$T/d2.json" && ok "same seed and threads: identical parameters" ||
	bad "determinism" "two runs differ"
"$TOOL" same-params "$T/d1.json" "$T/d3.json" && ok "1 and 2 threads: identical parameters" ||
	bad "thread-count invariance" "1 and 2 threads differ"
"$TRAIN" $SMALL --epochs 3 --threads 2 --seed 8 --no-report --out "$T/d4.json" 2>/dev/null
"$TOOL" same-params "$T/d1.json" "$T/d4.json" 2>/dev/null && bad "another seed" "gives the same model" ||
	ok "another seed gives another model"

# --- Ctrl-C writes a checkpoint; --resume finishes exactly like the uninterrupted run
CK="$T/r.json.ckpt"
"$TRAIN" $SMALL --epochs 30 --threads 2 --seed 7 --no-report --out "$T/r.json" 2>"$T/err_r" &
pid=$!
i=0
while [ ! -f "$CK" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && [ -f "$CK" ] && grep -q "resume" "$T/err_r" && [ ! -f "$T/r.json" ]; then
	ok "SIGINT writes a checkpoint and exits 130"
else
	bad "SIGINT" "exit $rc, checkpoint $(ls "$CK" 2>&1), log: $(cat "$T/err_r")"
fi
"$TRAIN" $SMALL --epochs 30 --threads 2 --seed 7 --no-report --out "$T/r.json" --resume "$CK" 2>"$T/err" &&
	[ -f "$T/r.json" ] && ok "--resume completes the run" || bad "--resume" "$(cat "$T/err")"
"$TRAIN" $SMALL --epochs 30 --threads 2 --seed 7 --no-report --out "$T/u.json" 2>/dev/null
"$TOOL" same-params "$T/r.json" "$T/u.json" && ok "resumed run equals the uninterrupted run" ||
	bad "resume exactness" "parameters differ"
"$TRAIN" $SMALL --epochs 30 --seed 9 --no-report --out "$T/x.json" --resume "$CK" 2>"$T/err"
[ $? -ne 0 ] && grep -q "rnnfx-train: $CK: made with other data or options" "$T/err" &&
	ok "--resume refuses other options" || bad "--resume with another seed" "$(cat "$T/err")"
printf 'garbage' > "$T/bad.ckpt"
"$TRAIN" $SMALL --epochs 2 --no-report --out "$T/x.json" --resume "$T/bad.ckpt" 2>"$T/err"
[ $? -ne 0 ] && grep -q "not an rnnfx-train checkpoint" "$T/err" && ok "--resume refuses a bad file" ||
	bad "--resume bad file" "$(cat "$T/err")"
head -c 2000 "$CK" > "$T/short.ckpt"
"$TRAIN" $SMALL --epochs 2 --seed 7 --no-report --out "$T/x.json" --resume "$T/short.ckpt" 2>"$T/err"
[ $? -ne 0 ] && grep -q "rnnfx-train: $T/short.ckpt: truncated or corrupt checkpoint" "$T/err" &&
	ok "--resume refuses a truncated checkpoint" || bad "--resume truncated" "$(cat "$T/err")"
finish
