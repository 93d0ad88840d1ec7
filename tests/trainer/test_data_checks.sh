#!/bin/sh
# rnnfx-train refuses bad captures before training, naming the file: different rates, lengths,
# silence, NaN, too short, unreadable, channel choice; warns about clipping and latency and
# compensates latency with --align. All audio is made here by trn-testtool; none is committed.
set -u
. "$(dirname "$0")/common.sh"
T=$TMP
"$TOOL" pair "$T/in.wav" "$T/tgt.wav" 2 --seed 3
"$TOOL" pair "$T/in44.wav" "$T/tgt44.wav" 2 --rate 44100 --seed 3
"$TOOL" pair "$T/in1.wav" "$T/tgt1.wav" 1 --seed 3
"$TOOL" pair "$T/inlong.wav" "$T/tgtlong.wav" 2.05 --seed 3
"$TOOL" pair "$T/in16.wav" "$T/tgt16.wav" 2 --seed 3 --format pcm16
"$TOOL" pair "$T/indel.wav" "$T/tgtdel.wav" 3 --seed 4 --delay 120
"$TOOL" pair "$T/in0.wav" "$T/tgt0.wav" 3 --seed 4
"$TOOL" pair "$T/inshort.wav" "$T/tgtshort.wav" 0.05
"$TOOL" wav "$T/silent.wav" silence 2
"$TOOL" wav "$T/nan.wav" nan 2
"$TOOL" wav "$T/clip.wav" clip 2
"$TOOL" wav "$T/stereo.wav" noise 2 --channels 2
"$TOOL" wav "$T/stereo_t.wav" noise 2 --channels 2
head -c 3000 /dev/urandom > "$T/garbage.wav"
head -c 44 "$T/in.wav" > "$T/header_only.wav"
O="--out $T/m.json"

expect_error "different sample rates" "$T/tgt44.wav" "sample rate 44100 Hz" -- \
	--input "$T/in.wav" --target "$T/tgt44.wav" $O $QUICK
expect_error "second pair at another rate" "$T/in44.wav" "earlier files are at 48000" -- \
	--input "$T/in.wav" --target "$T/tgt.wav" --input "$T/in44.wav" --target "$T/tgt44.wav" $O $QUICK
# --rate resamples every pair to one rate first: then pairs at 44.1 and 48 kHz train together, and
# the model says it was trained at that rate.
expect_success "--rate resamples pairs at other rates" "from 44100 Hz to 48000 Hz" -- \
	--input "$T/in.wav" --target "$T/tgt.wav" --input "$T/in44.wav" --target "$T/tgt44.wav" \
	--rate 48000 $O $QUICK
rate=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sample_rate"])' "$T/m.json" 2>/dev/null)
[ "$rate" = 48000 ] && ok "--rate: the model's sample_rate is 48000" || bad "--rate: model rate" "got '$rate'"
expect_success "--rate 96000 on a 48 kHz pair" "to 96000 Hz" -- \
	--input "$T/in.wav" --target "$T/tgt.wav" --rate 96000 $O $QUICK
rate=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sample_rate"])' "$T/m.json" 2>/dev/null)
[ "$rate" = 96000 ] && ok "--rate: the model's sample_rate is 96000" || bad "--rate: model rate" "got '$rate'"
# --lv2-preset writes a preset bundle that an LV2 host lists under the effect plugin.
expect_success "--lv2-preset writes a preset bundle" "LV2 preset bundle" -- \
	--input "$T/in.wav" --target "$T/tgt.wav" --lv2-preset "$T/home/.lv2/mine.lv2" --out "$T/mine.json" $QUICK
ln -sfn "$T/home/.lv2/mine.lv2" "$T/mine.lv2"   # the folders on the way were made too
if [ -f "$T/mine.lv2/manifest.ttl" ] && [ -f "$T/mine.lv2/preset.ttl" ] && [ -f "$T/mine.lv2/model.json" ] &&
	cmp -s "$T/mine.json" "$T/mine.lv2/model.json"; then ok "preset bundle: manifest, preset, the model"
else bad "preset bundle" "files missing or model differs: $(ls "$T/mine.lv2" 2>&1)"; fi
if command -v lv2info >/dev/null 2>&1 && [ -f "$BUILD/rnnfx.lv2/manifest.ttl" ]; then
	mkdir -p "$T/lv2" && ln -sfn "$(cd "$BUILD/rnnfx.lv2" && pwd)" "$T/lv2/rnnfx.lv2" && ln -sfn "$T/mine.lv2" "$T/lv2/mine.lv2"
	LV2_PATH="$T/lv2:/usr/lib/lv2" lv2info https://rnnfx.org/plugins/rnnfx#effect 2>/dev/null |
		sed -n '/Presets:/,/^$/p' | grep -qx "$(printf '\t         mine')" &&
		ok "lv2info lists the trained preset 'mine'" || bad "lv2info" "the preset 'mine' is not listed"
fi
expect_error "lengths differ" "$T/tgt1.wav" "same take" -- \
	--input "$T/in.wav" --target "$T/tgt1.wav" $O $QUICK
expect_success "small length difference is trimmed" "trimmed both" -- \
	--input "$T/in.wav" --target "$T/tgtlong.wav" $O $QUICK
expect_error "silent target" "$T/silent.wav" "target is silent" -- \
	--input "$T/in.wav" --target "$T/silent.wav" $O $QUICK
expect_error "NaN sample" "$T/nan.wav" "NaN or infinite" -- \
	--input "$T/in.wav" --target "$T/nan.wav" $O $QUICK
expect_error "too short for a segment" "$T/inshort.wav" "too short" -- \
	--input "$T/inshort.wav" --target "$T/tgtshort.wav" $O $QUICK
expect_error "corrupt file" "$T/garbage.wav" "cannot read audio" -- \
	--input "$T/in.wav" --target "$T/garbage.wav" $O $QUICK
expect_error "header without audio" "$T/header_only.wav" "" -- \
	--input "$T/header_only.wav" --target "$T/tgt.wav" $O $QUICK
expect_error "missing file" "$T/nope.wav" "No such file or directory" -- \
	--input "$T/nope.wav" --target "$T/tgt.wav" $O $QUICK
expect_error "stereo without --channel" "$T/stereo.wav" "--channel" -- \
	--input "$T/stereo.wav" --target "$T/stereo_t.wav" $O $QUICK
expect_error "--channel past the count" "$T/stereo.wav" "has 2 channels" -- \
	--input "$T/stereo.wav" --target "$T/stereo_t.wav" --channel 3 $O $QUICK
expect_success "--channel picks one channel" "" -- \
	--input "$T/stereo.wav" --target "$T/stereo_t.wav" --channel 2 $O $QUICK
expect_success "16-bit files" "" -- --input "$T/in16.wav" --target "$T/tgt16.wav" $O $QUICK
expect_success "clipping warning" "target looks clipped" -- \
	--input "$T/in.wav" --target "$T/clip.wav" $O $QUICK
# The target chain itself delays a little (its filters), so the known delay is checked as the
# difference between the estimates with and without it.
lag_of() { sed -n 's/.*target lags input by \([0-9]*\) samples.*/\1/p' "$T/err" | head -n 1; }
expect_success "latency is reported" "target lags input" -- \
	--input "$T/in0.wav" --target "$T/tgt0.wav" $O $QUICK
base=$(lag_of)
expect_success "latency past 1 ms is reported" "target lags input" -- \
	--input "$T/indel.wav" --target "$T/tgtdel.wav" $O $QUICK
lag=$(lag_of)
[ -n "$base" ] && [ -n "$lag" ] && [ $((lag - base)) -eq 120 ] && ok "alignment finds a 120-sample delay" ||
	bad "alignment finds a 120-sample delay" "estimates ${lag:-?} with the delay, ${base:-?} without"
grep -F -q "warning: target lags" "$T/err" && ok "latency past 1 ms is a warning" ||
	bad "latency warning" "$(cat "$T/err")"
expect_success "--align compensates" "target shifted earlier by $lag samples" -- \
	--input "$T/indel.wav" --target "$T/tgtdel.wav" --align $O $QUICK
expect_success "--align=N takes a given shift" "shifted earlier by 100 samples" -- \
	--input "$T/indel.wav" --target "$T/tgtdel.wav" --align=100 $O $QUICK

# Usage errors exit 2 with a message.
"$TRAIN" --input "$T/in.wav" --target "$T/tgt.wav" $O --hidden abc >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "^rnnfx-train: --hidden: 'abc'" "$T/err" && ok "bad option value" ||
	bad "bad option value" "$(cat "$T/err")"
"$TRAIN" --input "$T/in.wav" $O --epochs 1 >/dev/null 2>"$T/err"
[ $? -eq 2 ] && ok "unpaired --input" || bad "unpaired --input" "$(cat "$T/err")"
finish
