#!/bin/sh
# Retrains the classifier preset that ships in the bundle (presets/tones.json) from data the
# repository's own script makes (scripts/make_class_data.sh: sox-made sine, square, saw, plucked
# string, noise and silence, espeak-ng speech, at many pitches, phases and levels from -40 to
# 0 dBFS, 48 kHz; train/val/test parts from seeds 1, 1001, 2001), every training segment at a gain
# drawn from -12 to +6 dB (--gain-augment), so the classes are learnt at levels the files do not
# have. Run it as `BUILD=build sh presets/train-classifier.sh`; about five minutes on two idle
# cores (45 epochs of 60 batches).
#
#   presets/train-classifier.sh            the preset
#   presets/train-classifier.sh --compare  also the same recipe without --gain-augment
#                                          ($BUILD/presets-tones-noaug.json), and both measured on
#                                          held-out audio of tests/trainer/tone-gen2: the table in
#                                          docs/trainer.md, "Level invariance"
#
# Deterministic like presets/train.sh: a fixed epoch count, seed and thread count give the same
# model for the same commit and kernel. tests/trainer/test_classify_preset.sh measures the result
# on audio from another seed and from the held-out generator.
set -eu
BUILD=${BUILD:-build}
data=$BUILD/presets-class-data
sh scripts/make_class_data.sh "$data" --levels -40,0 --files 150 --val-files 15 --seed 1 >/dev/null
recipe="--task classify --classes $data/train --val-classes $data/val --test-classes $data/test
	--arch gru --hidden 32 --lr 1.5e-3 --plateau 4 --batch 16 --batches 60 --epochs 45 --threads 2
	--seed 1"
"$BUILD/rnnfx-train" $recipe --gain-augment -12,6 --out presets/tones.json \
	--report "$BUILD/presets-tones.svg" --checkpoint "$BUILD/presets-tones.ckpt"
[ "${1:-}" = --compare ] || exit 0
"$BUILD/rnnfx-train" $recipe --out "$BUILD/presets-tones-noaug.json" \
	--report "$BUILD/presets-tones-noaug.svg" --checkpoint "$BUILD/presets-tones-noaug.ckpt"
held=$BUILD/presets-class-heldout
[ -x "$BUILD/tests/trainer/tone-gen2" ] || make BUILD="$BUILD" "$BUILD/tests/trainer/tone-gen2"
rm -rf "$held"
"$BUILD/tests/trainer/tone-gen2" "$held" 404 30
for m in presets/tones.json "$BUILD/presets-tones-noaug.json"; do
	echo "== $m on the held-out generator (sounding frames from 0.1 s after each onset)"
	"$BUILD/rnnfx-train" --task classify --eval "$m" --labels "$held/labels.csv"
done
