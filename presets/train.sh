#!/bin/sh
# Retrains the effect presets that ship in the bundle, from data the repository's own script makes
# (scripts/make_demo_data.sh: sox-made guitar-like DI through two made-up amp chains). `make presets`
# runs it; it takes several minutes on two cores.
#
# Runs are deterministic: the same commit, kernel (AVX2+FMA or generic, see rfx_bptt_kernel_name)
# and --threads give bit-identical models, so a fixed epoch count rather than a time budget. The
# shipped crunch and drive came from commit 4d778d3's trainer; later trainers round differently
# (presets/README.md says how to rebuild those exact files).
set -eu
BUILD=${BUILD:-build}
data=$BUILD/presets-data
sh scripts/make_demo_data.sh "$data" >/dev/null
train() { # name target
	"$BUILD/rnnfx-train" --input "$data/di.wav" --target "$data/$2.wav" \
		--test-input "$data/di_test.wav" --test-target "$data/$2_test.wav" \
		--arch gru --hidden 16 --epochs 30 --threads 2 --seed 1 \
		--out "presets/$1.json" --report "$BUILD/presets-$1.svg" --checkpoint "$BUILD/presets-$1.ckpt"
}
train crunch amp_a
train drive amp_b
