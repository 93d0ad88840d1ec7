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

# --- every numeric option refuses what is not in its range (issue 12, item 11), naming the
# option and the range: overflow past 32 and 64 bits, negatives, NaN and infinities, absurd values.
# bad_value OPTION VALUE RANGE-TEXT [classify]
bad_value() {
	if [ "${4:-}" = classify ]; then
		set -- "$1" "$2" "$3" --task classify --classes "$T" --out "$T/m.json"
	else
		set -- "$1" "$2" "$3" --input "$T/in.wav" --target "$T/tgt.wav" $O
	fi
	opt=$1 val=$2 want=$3
	shift 3
	expect_error "$opt '$val' refused" "$opt" "'$val' is not $want" -- "$@" "$opt=$val"
}
W="a whole number from"
N="a number from"
for v in 4294967297 -1 0 513 nan 1e3 ""; do bad_value --hidden "$v" "$W 1 to 512"; done
for v in 4294967297 0 5; do bad_value --layers "$v" "$W 1 to 4"; done
for v in -1 18446744073709551617 9223372036854775808 " 1" +1 1e3; do
	bad_value --seed "$v" "$W 0 to 9223372036854775807"
done
for v in 4294967298 0 -2; do bad_value --threads "$v" "$W 1 to 64"; done
for v in -8 0 4294967304 99999999999999999999; do bad_value --batch "$v" "$W 1 to 4096"; done
for v in 0 4294967297; do bad_value --window "$v" "$W 1 to 1000000"; done
bad_value --warmup -1 "$W 0 to 1000000"
for v in -1 1e300 4294967297000; do bad_value --epochs "$v" "$W 0 to 100000000"; done
bad_value --patience 4294967296 "$W 0 to 1000000"
bad_value --plateau 0 "$W 1 to 1000000"
bad_value --val-every -1 "$W 0 to 100000000"
bad_value --channel 4294967297 "$W 1 to 1024"
bad_value --align 4294967297 "$W -1000000 to 1000000"
for v in nan inf -inf -0.5 0 1e300; do bad_value --segment "$v" "$N 0.001 to 60"; done
for v in nan inf 0 2 -1e-3; do bad_value --lr "$v" "$N 1e-07 to 1"; done
for v in -1 inf nan; do bad_value --clip "$v" "$N 0 to 1e+06"; done
bad_value --weight-decay nan "$N 0 to 1"
for v in nan inf -1 1e300 1e-400; do bad_value --time-budget "$v" "$N 0 to 1e+09"; done
for v in 0 0.9 nan; do bad_value --val-split "$v" "$N 0.01 to 0.5"; done
bad_value --test-split -0.1 "$N 0 to 0.5"
for v in 1e300 nan 0; do bad_value --max-lag "$v" "$N 0.1 to 1000"; done
for v in 1e300 0 nan 44100.5e3; do bad_value --rate "$v" "$N 1000 to 384000"; done
for v in ,0.9 0.9, nan,0.9 1,0.5 0.9,0.999,0.5 0.9; do
	bad_value --betas "$v" "two numbers in [0, 1) such as 0.9,0.999"
done
# The classifier's parser uses the same checks.
bad_value --batches -1 "$W 0 to 100000000" classify
bad_value --seed -1 "$W 0 to 9223372036854775807" classify
bad_value --hidden 4294967297 "$W 1 to 512" classify
bad_value --time-budget nan "$N 0 to 1e+09" classify
bad_value --warmup 4294967296 "$W 0 to 1000000" classify
# --gain-augment LO,HI (dB): two numbers from -60 to 40, the lower first; only for classify.
G="two gains in dB from -60 to 40, the lower first, such as -20,6"
for v in 6,-20 -20 -20, ,6 -61,0 0,41 nan,0 -20,inf -20,6x -20,6,1 x; do
	bad_value --gain-augment "$v" "$G" classify
done
expect_error "--gain-augment is the classifier's" "--gain-augment" "unknown option" -- \
	--input "$T/in.wav" --target "$T/tgt.wav" $O --gain-augment -20,6
# Accepted: recorded in the metadata, seeded (two runs give one model), 0,0 is off (the model of
# a run without it), and it changes what is trained.
GEN=$BUILD/tests/trainer/cls-gen
if [ -x "$GEN" ] && "$GEN" "$T/cls" 1 3 16000; then
	CQ="--task classify --classes $T/cls --warmup 200 --segment 0.25 --window 1024 --batch 4
		--batches 3 --epochs 1 --threads 2 --hidden 4 --no-report"
	expect_success "--gain-augment -20,6 trains" "gains of -20 to 6 dB" -- $CQ --out "$T/g1.json" \
		--gain-augment -20,6
	grep -q '"gain_augment_db":\[-20\.0*, *6\.0*\]' "$T/g1.json" && ok "gain_augment_db in the metadata" ||
		bad "gain_augment_db" "not [-20, 6] in $T/g1.json"
	"$TRAIN" $CQ --out "$T/g2.json" --gain-augment -20,6 2>"$T/err" &&
		"$TOOL" same-params "$T/g1.json" "$T/g2.json" >/dev/null 2>&1 &&
		ok "--gain-augment is seeded: the same model twice" || bad "--gain-augment seeded" "$(cat "$T/err")"
	"$TRAIN" $CQ --out "$T/g0.json" 2>"$T/err" && "$TRAIN" $CQ --out "$T/g00.json" --gain-augment 0,0 \
		2>>"$T/err" && "$TOOL" same-params "$T/g0.json" "$T/g00.json" >/dev/null 2>&1 &&
		ok "--gain-augment 0,0 trains what no augmentation does" || bad "--gain-augment 0,0" "$(cat "$T/err")"
	"$TOOL" same-params "$T/g0.json" "$T/g1.json" >/dev/null 2>&1 &&
		bad "--gain-augment changes training" "the same model with and without it" ||
		ok "--gain-augment changes training"
else
	bad "cls-gen" "missing $GEN or it failed: make BUILD=$BUILD check-all"
fi
# Values each in range that together cannot fit: refused before anything is allocated.
"$TRAIN" --input "$T/in.wav" --target "$T/tgt.wav" $O --batch 4096 --window 1000000 --segment 1 \
	--hidden 512 --layers 4 --epochs 1 2>"$T/err"
[ $? -eq 1 ] && grep -q "^rnnfx-train: training would need .* GB of memory, more than the" "$T/err" &&
	ok "a configuration past the machine's memory is refused" ||
	bad "memory refusal" "$(cat "$T/err")"
finish
