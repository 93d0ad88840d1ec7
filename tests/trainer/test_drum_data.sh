#!/bin/sh
# The drum data scripts (docs/trainer.md, "Drum data"): two small kits (a hydrogen kit, and
# FluidR3's percussion limited to six notes at two velocities), then two short labelled files.
# Checks: one-shots are float mono at the rate and start at their onset; the same arguments give
# the same bytes; every label row is well-formed, in time order, never two of a class within
# 40 ms; the labels are where the hits are (for isolated hits the 5 ms after a label are much
# louder than the 5 ms before); no clipping; the manifest agrees with the labels; --silent 1 leaves
# the labels and takes the room noise out; an unknown kit is a clear error. Exits 77 (skipped) without sox, fluidsynth, FluidR3_GM or hydrogen-drumkits.
set -u
BUILD=${BUILD:-build}
DRUMGEN=$BUILD/drumgen
H2=${H2_DRUMKITS:-/usr/share/hydrogen/data/drumkits}
SF2=${SF2_FLUIDR3:-/usr/share/sounds/sf2/FluidR3_GM.sf2}
for t in sox fluidsynth; do
	command -v $t >/dev/null || { echo "skipped: needs $t (apt-get install sox fluidsynth)"; exit 77; }
done
[ -f "$SF2" ] || { echo "skipped: needs $SF2 (apt-get install fluid-soundfont-gm)"; exit 77; }
[ -f "$H2/The Black Pearl 1.0/drumkit.xml" ] ||
	{ echo "skipped: needs hydrogen-drumkits (apt-get install hydrogen-drumkits)"; exit 77; }
[ -x "$DRUMGEN" ] || { echo "missing $DRUMGEN: run 'make $DRUMGEN'"; echo "0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

# ---------------------------------------------------------------- names to classes
got=$("$DRUMGEN" class "Pearl Kick" "BassDrum" "Snare Rimshot (Pearl)" "Hi-Hat Closed" "Side OHH" \
	"Tom Floor" "tomhi2" "Crash/Ride Bell" "Paiste Bell" "Cowbell" "Side Stick" "Hand Clap" \
	"Snare Roll" "Djembe1 Bass" "17" | tr '\n' ' ')
want="kick kick snare hihat hihat tom tom cymbal cymbal skip skip skip skip skip skip "
[ "$got" = "$want" ] && ok "instrument names to classes" || bad "instrument names to classes" "got '$got'"
got=$("$DRUMGEN" kit-name "The Black Pearl 1.0"; "$DRUMGEN" kit-name "Millo-Drums_v.1"; "$DRUMGEN" kit-name "rumpf_kit_z01_h2")
[ "$(echo $got)" = "h2-black-pearl h2-millo-drums h2-rumpf-kit-z01" ] && ok "kit names" ||
	bad "kit names" "got '$(echo $got)'"

# ---------------------------------------------------------------- stage 1: kits
KITS=$TMP/kits
if sh scripts/make_drum_kits.sh "$KITS" --kits h2-black-pearl,sf-fluidr3 --notes 36,38,42,46,45,49 \
	--velocities 50,110 >"$TMP/kits.out" 2>"$TMP/kits.err"; then
	ok "make_drum_kits.sh: two kits"
else
	bad "make_drum_kits.sh" "$(cat "$TMP/kits.err")"
fi
# Every class of both kits has one-shots; the soundfont has one per note and velocity.
if awk 'NR > 1 { for (i = 2; i <= 6; i++) if ($i < 1) exit 1; n++ } END { exit n != 2 }' "$KITS/kits.txt" &&
	[ "$(ls "$KITS"/sf-fluidr3/*/*.wav | wc -l)" -eq 12 ]; then
	ok "inventory: every class in both kits, 12 soundfont shots"
else
	bad "inventory" "$(cat "$KITS/kits.txt")"
fi
f=$KITS/sf-fluidr3/snare/gm38-acoustic-snare_v110.wav
if [ "$(soxi -r "$f" 2>/dev/null)" = 48000 ] && [ "$(soxi -c "$f" 2>/dev/null)" = 1 ] &&
	soxi "$f" 2>/dev/null | grep -q "32-bit Floating Point"; then
	ok "one-shots are 32-bit float mono at 48000 Hz"
else
	bad "one-shot format" "$(soxi "$f" 2>&1)"
fi
# A one-shot starts at its onset: its attack (the first sample within 20 dB of its peak) comes
# within 10 ms of its first sample, within 1 ms for most (drumgen attack; leading silence or a
# noisy lead-in would show here).
"$DRUMGEN" attack "$KITS"/*/*/*.wav >"$TMP/attack"
if awk '{ n++; if ($1 > 10) late++; if ($1 < 1) fast++ } END { exit !(n > 0 && !late && fast > n / 2) }' "$TMP/attack"; then
	ok "every one-shot starts at its onset: $(awk '$1 < 1 { f++ } { if ($1 > m) m = $1 }
		END { printf "%d of %d attacks within 1 ms, the slowest %.1f ms", f, NR, m }' "$TMP/attack")"
else
	bad "one-shot onsets" "$(sort -n "$TMP/attack" | tail -5)"
fi

# peak FILE: the largest |sample| (sox's stat gives the signed extremes).
peak() {
	sox "$1" -n stat 2>&1 |
		awk '/Maximum amplitude/ { a = $3 } /Minimum amplitude/ { b = -$3 } END { print (a > b ? a : b) }'
}

# ---------------------------------------------------------------- stage 2: sequences
ARGS="--kits h2-black-pearl,sf-fluidr3 --files 2 --seconds 10 --seed 7 --isolated 0.4"
if sh scripts/make_drum_data.sh "$KITS" "$TMP/a" $ARGS >"$TMP/a.out" 2>"$TMP/a.err" &&
	sh scripts/make_drum_data.sh "$KITS" "$TMP/b" $ARGS >/dev/null 2>"$TMP/b.err"; then
	ok "make_drum_data.sh: $(cat "$TMP/a.out")"
else
	bad "make_drum_data.sh" "$(cat "$TMP/a.err" "$TMP/b.err")"
fi
same=1
for f in 000.wav 000.csv 001.wav 001.csv manifest.txt; do
	cmp -s "$TMP/a/$f" "$TMP/b/$f" || same=0
done
[ "$same" = 1 ] && ok "deterministic: the same bytes twice" || bad "determinism" "a and b differ"
# --silent 1: the same hits and labels, no room noise (samples exactly 0 where the hits have died).
zeros() { # WAV: the share of samples that are exactly 0
	sox "$1" -t f32 - | /usr/bin/python3 -c 'import sys, array
a = array.array("f"); a.frombytes(sys.stdin.buffer.read()); print(a.count(0.0) / max(len(a), 1))'
}
if sh scripts/make_drum_data.sh "$KITS" "$TMP/s" $ARGS --silent 1 >/dev/null 2>"$TMP/s.err" &&
	cmp -s "$TMP/a/000.csv" "$TMP/s/000.csv" && za=$(zeros "$TMP/a/000.wav") &&
	zs=$(zeros "$TMP/s/000.wav") && awk -v a="$za" -v s="$zs" 'BEGIN { exit !(a < 0.01 && s > 0.05) }'; then
	ok "--silent 1: the same labels, $zs of the samples exactly 0 (with room noise: $za)"
else
	bad "--silent 1" "$(cat "$TMP/s.err") zeros ${za:-?} / ${zs:-?}"
fi

for i in 000 001; do
	csv=$TMP/a/$i.csv wav=$TMP/a/$i.wav
	# time,class header; SECONDS.6 decimals,class rows; sorted; within the file; same class >= 40 ms.
	if awk -F, -v dur=10 'NR == 1 { if ($0 != "time,class") exit 1; next }
		!/^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9],(kick|snare|hihat|tom|cymbal)$/ { exit 1 }
		$1 < prev || $1 >= dur { exit 1 }
		($2 in last) && $1 - last[$2] < 0.040 - 1e-9 { exit 1 }
		{ prev = $1; last[$2] = $1; n++ } END { exit n < 10 }' "$csv"; then
		ok "$i.csv: $(($(wc -l <"$csv") - 1)) rows, well-formed, in order, 40 ms apart per class"
	else
		bad "$i.csv" "malformed, unsorted or too close: $(head -5 "$csv")"
	fi
	# Labels on the hits: isolated labels (nothing labelled in the second before) have far more
	# energy in the 5 ms after than in the 5 ms before: median >= 20 dB, each >= 6 dB.
	"$DRUMGEN" check "$wav" "$csv" --gap 1.0 >"$TMP/check" 2>&1
	if awk '$6 == 1 && NF == 6 { n++; if ($3 < 6) low++; r[n] = $3 }
		END { if (n < 2 || low) exit 1
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
		      exit r[int((n + 1) / 2)] < 20 }' "$TMP/check"; then
		ok "$i: $(grep '^isolated after' "$TMP/check" | sed 's/isolated after\/before_dB/after\/before (dB) at isolated labels:/')"
	else
		bad "$i: hits at the labels" "$(grep -E ' 1$|^isolated|^labels' "$TMP/check")"
	fi
	p=$(peak "$wav")
	awk -v p="$p" 'BEGIN { exit !(p < 1.0 && p > 0.01) }' && ok "$i.wav: peak $p, not clipped" ||
		bad "$i.wav peak" "$p"
	rows=$(($(wc -l <"$csv") - 1))
	counted=$(awk -v f="$i.wav" '$1 == f { print $4 + $5 + $6 + $7 + $8 }' "$TMP/a/manifest.txt")
	[ "$rows" = "$counted" ] && ok "manifest: $i has $counted hits, as its labels" ||
		bad "manifest for $i" "$counted vs $rows rows"
done
kits=$(awk 'NR > 1 { print $2 }' "$TMP/a/manifest.txt" | tr '\n' ' ')
[ "$kits" = "h2-black-pearl sf-fluidr3 " ] && ok "one kit per file, round robin" || bad "kits" "$kits"

# ---------------------------------------------------------------- what the network is given
# drumgen features: a line per label (but those too close to the end), "time class" and 6 steps of
# 4 + 1 features, the level in [0, 3) and the bands' shape in [-3, 1]; a hit raises the level.
wav=$TMP/a/000.wav csv=$TMP/a/000.csv
if "$DRUMGEN" features "$wav" "$csv" --bands 4 --steps 6 >"$TMP/feat" 2>"$TMP/err" &&
	awk -v labels="$(($(wc -l <"$csv") - 1))" '
		NF != 2 + 6 * 5 { bad = "line " NR ": " NF " fields" }
		{ for (i = 3; i <= NF; i++) { f = (i - 3) % 5; v = $i + 0
			if (f == 0 && (v < 0 || v >= 3) || f > 0 && (v < -3 || v > 1)) bad = "line " NR ": " v } }
		{ lv += $3 }
		END { if (bad) { print bad; exit 1 } if (NR < labels - 2 || NR > labels || lv / NR < 0.5) {
			print NR " lines for " labels " labels, mean level " lv / NR; exit 1 } }' "$TMP/feat" >"$TMP/why"; then
	ok "drumgen features: $(wc -l <"$TMP/feat") labels x 6 steps x 5 features, in range"
else
	bad "drumgen features" "$(cat "$TMP/why" "$TMP/err")"
fi
if "$DRUMGEN" features "$wav" "$csv" --bands 16 >/dev/null 2>"$TMP/err"; then
	bad "drumgen features --bands 16" "exit status 0"
else
	ok "drumgen features --bands 16: $(cat "$TMP/err")"
fi
# scripts/onset_probe.sh end to end: an MLP on those features fits the hits it trained on (it
# could not if the features did not tell the hits apart).
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	if sh scripts/onset_probe.sh --ms 4 "$TMP/a" "$TMP/a" >"$TMP/probe" 2>"$TMP/err" &&
		awk '/^trained on/ { for (i = 1; i <= NF; i++) if ($i == "F1") f = $(i + 1) } END { exit !(f >= 90) }' "$TMP/probe"; then
		ok "onset_probe.sh: $(head -1 "$TMP/probe")"
	else
		bad "onset_probe.sh" "$(cat "$TMP/probe" "$TMP/err")"
	fi
else
	echo "skip onset_probe.sh: no python3-torch"
fi

# ---------------------------------------------------------------- errors
if sh scripts/make_drum_data.sh "$KITS" "$TMP/c" --kits h2-black-pearl,no-such-kit --files 2 \
	>/dev/null 2>"$TMP/err"; then
	bad "an unknown kit" "exit status 0"
elif grep -q "no-such-kit: no such kit" "$TMP/err" && grep -q "h2-black-pearl" "$TMP/err" &&
	[ ! -e "$TMP/c/000.wav" ]; then
	ok "an unknown kit: $(cat "$TMP/err")"
else
	bad "an unknown kit" "$(cat "$TMP/err")"
fi
if sh scripts/make_drum_kits.sh "$TMP/k2" --kits no-such-kit >/dev/null 2>"$TMP/err"; then
	bad "make_drum_kits.sh, an unknown kit" "exit status 0"
elif grep -q "no-such-kit: no such kit" "$TMP/err"; then
	ok "make_drum_kits.sh, an unknown kit: an error naming it"
else
	bad "make_drum_kits.sh, an unknown kit" "$(cat "$TMP/err")"
fi
finish
