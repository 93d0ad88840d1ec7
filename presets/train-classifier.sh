#!/bin/sh
# Retrains the classifier preset that ships in the bundle (presets/tones.json) from data the
# repository's own script makes (scripts/make_class_data.sh: sox-made sine, square, saw, noise and
# silence at many pitches and levels, 48 kHz; train/val/test parts from seeds 1, 1001, 2001).
# Run it as `BUILD=build sh presets/train-classifier.sh`; about two minutes on two cores (12 epochs
# of 30 batches).
#
# Deterministic like presets/train.sh: a fixed epoch count, seed and thread count give the same
# model for the same commit and kernel. tests/trainer/test_classify_preset.sh measures the result
# on audio from another seed.
set -eu
BUILD=${BUILD:-build}
data=$BUILD/presets-class-data
sh scripts/make_class_data.sh "$data" --classes sine,square,saw,noise,silence --levels -24,-3 \
	--files 30 --seed 1 >/dev/null
"$BUILD/rnnfx-train" --task classify --classes "$data/train" --val-classes "$data/val" \
	--test-classes "$data/test" --arch gru --hidden 24 --lr 5e-3 --plateau 3 --batch 16 \
	--batches 30 --epochs 12 --threads 2 \
	--seed 1 --out presets/tones.json --report "$BUILD/presets-tones.svg" \
	--checkpoint "$BUILD/presets-tones.ckpt"
