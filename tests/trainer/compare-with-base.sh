#!/bin/sh
# Trains the same small runs with a base tree's trainer and this tree's and requires bit-identical
# model files: effect (GRU, LSTM, with and without --val/--test pairs, resumed from a checkpoint)
# and classify (trained, resumed). For refactors of the trainer that must not change what it
# computes. BASE is a tree built with BUILD=build there, e.g. `git worktree add /tmp/trn-base HEAD`:
#   BASE=/tmp/trn-base BUILD=build-trn sh tests/trainer/compare-with-base.sh
set -u
. "$(dirname "$0")/common.sh"
B=${BASE:?set BASE to the base tree}/build/rnnfx-train
GEN=$BUILD/tests/trainer/cls-gen
T=$TMP
"$TOOL" pair "$T/in.wav" "$T/tgt.wav" 6 --seed 5 && "$TOOL" pair "$T/vin.wav" "$T/vtgt.wav" 1 --seed 6 &&
	"$GEN" "$T/train" 1 6 16000 && "$GEN" "$T/val" 2 2 16000 && "$GEN" "$T/test" 3 2 16000 ||
	{ echo "making the data failed"; echo "0 passed, 1 failed"; exit 1; }

# same NAME ARGS...: both trainers with ARGS (--out added), the model files byte-equal.
same() {
	name=$1
	shift
	if ! "$B" "$@" --out "$T/base.json" >"$T/base.err" 2>&1; then
		bad "$name" "base failed: $(tail -n 3 "$T/base.err")"
	elif ! "$TRAIN" "$@" --out "$T/new.json" >"$T/new.err" 2>&1; then
		bad "$name" "new failed: $(tail -n 3 "$T/new.err")"
	elif ! "$TOOL" same-params "$T/base.json" "$T/new.json" >/dev/null 2>&1; then
		bad "$name" "parameters differ"
	elif ! sed 's/"wall_time_s":[^,]*,//; s|"command_line":"[^"]*"||' "$T/base.json" >"$T/b" ||
		! sed 's/"wall_time_s":[^,]*,//; s|"command_line":"[^"]*"||' "$T/new.json" >"$T/n" ||
		! cmp -s "$T/b" "$T/n"; then
		bad "$name" "files differ beyond wall_time_s and command_line: $(cmp "$T/b" "$T/n")"
	else
		ok "$name"
	fi
}

# resumed NAME EPOCHS ARGS...: both trainers run EPOCHS - 1 epochs, then resume to EPOCHS.
resumed() {
	name=$1 e=$2
	shift 2
	"$B" "$@" --epochs $((e - 1)) --out "$T/rb.json" >"$T/base.err" 2>&1 &&
		"$TRAIN" "$@" --epochs $((e - 1)) --out "$T/rn.json" >"$T/new.err" 2>&1 &&
		"$B" "$@" --epochs "$e" --out "$T/rb.json" --resume "$T/rb.json.ckpt" >"$T/base.err" 2>&1 &&
		"$TRAIN" "$@" --epochs "$e" --out "$T/rn.json" --resume "$T/rn.json.ckpt" >"$T/new.err" 2>&1 &&
		"$TOOL" same-params "$T/rb.json" "$T/rn.json" >/dev/null 2>&1 && ok "$name" ||
		bad "$name" "$(tail -n 3 "$T/base.err" "$T/new.err")"
}

E="--input $T/in.wav --target $T/tgt.wav --segment 0.2 --warmup 200 --window 512 --batch 4 --threads 2 --seed 7"
same "effect gru 8" $E --arch gru --hidden 8 --epochs 3
same "effect lstm 6, val and test pairs" $E --arch lstm --hidden 6 --epochs 2 \
	--val-input "$T/vin.wav" --val-target "$T/vtgt.wav" --test-input "$T/vin.wav" --test-target "$T/vtgt.wav"
same "effect rnn 2 layers, skip, val-every, test-split, mse" $E --arch rnn --hidden 5 --layers 2 --skip \
	--epochs 2 --val-every 3 --test-split 0.1 --loss mse --no-report
same "effect plateau 1 (cuts the rate)" $E --hidden 4 --epochs 4 --plateau 1 --lr 0.2 --no-report
resumed "effect resume" 3 $E --hidden 6 --no-report

C="--task classify --warmup 200 --segment 0.25 --window 1024 --batch 8 --threads 2 --seed 7"
same "classify gru 8" $C --classes "$T/train" --val-classes "$T/val" --test-classes "$T/test" \
	--hidden 8 --lr 2e-2 --epochs 3
same "classify lstm, val-split, batches" $C --classes "$T/train" --arch lstm --hidden 4 --epochs 3 \
	--batches 4 --no-report
same "classify plateau 1" $C --classes "$T/train" --hidden 4 --epochs 4 --batches 3 --plateau 1 \
	--lr 0.3 --no-report
# Labels with gaps: windows without a label only move the state on.
for k in sine noise silence; do
	for i in 00 01 02 03 04 05; do
		printf '%s\n' "train/$k/$i.wav,0,0.12,$k" "train/$k/$i.wav,0.2,0.28,$k"
	done
done >"$T/gaps.csv"
same "classify, labels with gaps, window 128, batch 1" $C --labels "$T/gaps.csv" --window 128 \
	--batch 1 --hidden 4 --epochs 2 --batches 3 --no-report
resumed "classify resume" 3 $C --classes "$T/train" --hidden 4 --batches 3 --no-report
finish
