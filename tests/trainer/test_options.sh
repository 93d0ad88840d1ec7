#!/bin/sh
# rnnfx-train data layouts and model options: several pairs, validation and test files, a test
# split, and the other cells and model options; each run's model must load and say what it is.
set -u
. "$(dirname "$0")/common.sh"
T=$TMP
"$TOOL" pair "$T/in.wav" "$T/tgt.wav" 2 --seed 3
"$TOOL" pair "$T/in2.wav" "$T/tgt2.wav" 1.5 --seed 4
"$TOOL" pair "$T/vin.wav" "$T/vtgt.wav" 1 --seed 5
O="--out $T/m.json"

# check_model NAME PATTERN: the model loads and its summary line matches PATTERN.
check_model() {
	if "$TOOL" load "$T/m.json" >"$T/load" 2>&1 && grep -q "$2" "$T/load"; then
		ok "$1"
	else
		bad "$1" "$(cat "$T/load")"
	fi
}

expect_success "two training pairs" "" -- --input "$T/in.wav" --target "$T/tgt.wav" \
	--input "$T/in2.wav" --target "$T/tgt2.wav" $O $QUICK
grep -q "in2.wav" "$T/m.json" && ok "both pairs in the metadata" || bad "metadata pairs" "in2.wav missing"
expect_success "validation files" "" -- --input "$T/in.wav" --target "$T/tgt.wav" \
	--val-input "$T/vin.wav" --val-target "$T/vtgt.wav" $O $QUICK
grep -q '"role": *"validation target"' "$T/m.json" && ok "validation files in the metadata" ||
	bad "validation metadata" "no validation target role"
expect_success "test split" "test ESR" -- --input "$T/in.wav" --target "$T/tgt.wav" --test-split 0.2 $O $QUICK
"$TOOL" meta "$T/m.json" test_esr >/dev/null && ok "test ESR in the metadata" || bad "test_esr" "missing"
expect_success "test files" "test ESR" -- --input "$T/in.wav" --target "$T/tgt.wav" \
	--test-input "$T/vin.wav" --test-target "$T/vtgt.wav" $O $QUICK

for arch in rnn gru lstm; do
	expect_success "--arch $arch" "" -- --input "$T/in.wav" --target "$T/tgt.wav" --arch $arch \
		--hidden 8 $O $QUICK
	check_model "$arch model loads" "^$arch hidden=8 layers=1"
done
expect_success "lstm, 2 layers, skip, trained state, MSE" "" -- --input "$T/in.wav" \
	--target "$T/tgt.wav" --arch lstm --layers 2 --hidden 6 --skip --init-state trained --loss mse \
	--weight-decay 1e-4 --betas 0.8,0.99 --clip 0 $O $QUICK
check_model "that model loads" "^lstm hidden=6 layers=2"
grep -q '"h0_l1"' "$T/m.json" && ok "trained initial state saved" || bad "h0_l1" "not in the model"
"$TRAIN" --input "$T/in.wav" --target "$T/tgt.wav" $O $QUICK --segment 0.001 2>"$T/err"
[ $? -eq 1 ] && grep -q "^rnnfx-train: --segment 0.001 s (48 samples) must be longer than --warmup" "$T/err" &&
	ok "--segment must be longer than --warmup" || bad "--segment vs --warmup" "$(cat "$T/err")"
finish
