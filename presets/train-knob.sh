#!/bin/sh
# Retrains the knob preset (presets/crunch-gain.json): amp A of scripts/make_demo_data.sh with its
# gain knob captured at 0, 2.5, 5, 7.5 and 10, one GRU over the whole range (rnnfx-train --knob).
# Its test pairs are the held-out DI at those settings and at 1.25 and 6.25, which no training pair
# has: the interpolation. `make presets` runs it (about 7 minutes on two cores).
#
#   presets/train-knob.sh            the preset
#   presets/train-knob.sh --compare  also the table in presets/README.md: the same knob model for
#                                    20 epochs, and one model per test setting trained on that
#                                    setting alone for the same number of steps (100 epochs of a
#                                    fifth of the data), in $BUILD/presets-knob-*.json
set -eu
BUILD=${BUILD:-build}
data=$BUILD/presets-knob-data
trained="0 2.5 5 7.5 10"
tested="0 1.25 2.5 5 6.25 7.5 10"
sh scripts/make_demo_data.sh "$data" 180 45 "$(echo $tested | tr ' ' ',')" >/dev/null # (trained ones too)
pairs=""
for g in $trained; do
	pairs="$pairs --input $data/di.wav --target $data/amp_a_g$g.wav --knob gain=$g"
done
for g in $tested; do
	pairs="$pairs --test-input $data/di_test.wav --test-target $data/amp_a_g${g}_test.wav --knob gain=$g"
done
"$BUILD/rnnfx-train" $pairs --knob-default gain=5 --arch gru --hidden 16 --epochs 60 --threads 2 \
	--seed 1 --out presets/crunch-gain.json --report "$BUILD/presets-crunch-gain.svg" \
	--checkpoint "$BUILD/presets-crunch-gain.ckpt"
[ "${1:-}" = --compare ] || exit 0
"$BUILD/rnnfx-train" $pairs --knob-default gain=5 --arch gru --hidden 16 --epochs 20 --threads 2 \
	--seed 1 --no-report --out "$BUILD/presets-knob-20.json" --checkpoint "$BUILD/presets-knob-20.ckpt"
for g in $tested; do
	"$BUILD/rnnfx-train" --input "$data/di.wav" --target "$data/amp_a_g$g.wav" \
		--test-input "$data/di_test.wav" --test-target "$data/amp_a_g${g}_test.wav" \
		--arch gru --hidden 16 --epochs 100 --threads 2 --seed 1 --no-report \
		--out "$BUILD/presets-knob-alone-$g.json" --checkpoint "$BUILD/presets-knob-alone-$g.ckpt"
done
