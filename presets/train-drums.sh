#!/bin/sh
# Retrains the drum preset (presets/drums.json, an onset model: drum hits to MIDI notes) from the
# two sources it may learn from: the kits of hydrogen-drumkits and FluidR3_GM's percussion
# (fluid-soundfont-gm), made into labelled grooves by scripts/make_drum_kits.sh and
# scripts/make_drum_data.sh. Three kits are never trained on and are its test set: two hydrogen
# kits (h2-colomboacousticdrumkit, h2-millo-multilayered3) and TimGM6mb's percussion (another
# soundfont); their numbers are in presets/README.md and in the model's metadata ("test"). The
# validation set (early stopping, each class's threshold) is other grooves of the training kits.
# The preset is five runs of one recipe (seeds 1 to 5) as one model that averages them
# (rnnfx-train --ensemble; the members stay in $BUILD). `make presets` runs it (about 25 minutes
# on two cores). Deterministic like presets/train.sh: a fixed epoch count, seed and thread count
# give the same model for the same commit and kernel.
set -eu
BUILD=${BUILD:-build}
kits=$BUILD/presets-drum-kits
data=$BUILD/presets-drum-data
TRAIN_KITS=h2-audiophob,h2-bja-pacific,h2-black-pearl,h2-electricempirekit,h2-forzeestereo
TRAIN_KITS=$TRAIN_KITS,h2-hardelectro1,h2-millo-drums,h2-millo-multilayered2,h2-rumpf-kit-z01
TRAIN_KITS=$TRAIN_KITS,h2-varibreaks,sf-fluidr3
HELD_KITS=h2-colomboacousticdrumkit,h2-millo-multilayered3,sf-timgm6mb
sh scripts/make_drum_kits.sh "$kits" --kits "$TRAIN_KITS,$HELD_KITS" >/dev/null
sh scripts/make_drum_data.sh "$kits" "$data/train" --kits "$TRAIN_KITS" --files 60 --seconds 20 \
	--seed 1 --bleed 0 --silent 0.25 >/dev/null
sh scripts/make_drum_data.sh "$kits" "$data/val" --kits "$TRAIN_KITS" --files 22 --seed 3 \
	--bleed 0 >/dev/null
sh scripts/make_drum_data.sh "$kits" "$data/held" --kits "$HELD_KITS" --files 12 --seconds 20 \
	--seed 7 --bleed 0 >/dev/null
members=
for seed in ${DRUM_SEEDS:-1 2 3 4 5}; do
	"$BUILD/rnnfx-train" --task onset --onsets "$data/train" --val-onsets "$data/val" \
		--test-onsets "$data/held" --arch gru --hidden 32 --batches 100 --epochs 100 --threads 2 \
		--seed "$seed" --out "$BUILD/presets-drums-seed$seed.json" \
		--checkpoint "$BUILD/presets-drums-seed$seed.ckpt"
	members=${members:+$members,}$BUILD/presets-drums-seed$seed.json
done
"$BUILD/rnnfx-train" --task onset --ensemble "$members" --val-onsets "$data/val" \
	--test-onsets "$data/held" --out presets/drums.json
