#!/bin/sh
# Makes demo training data for rnnfx-train with sox: a guitar-like DI signal and the same signal
# through two made-up "amps" (nonlinear chains with memory), plus separate held-out test material.
#
#   scripts/make_demo_data.sh DIR [TRAIN_SECONDS] [TEST_SECONDS] [GAINS]   (defaults 180 and 45)
#
# Writes, all 48 kHz mono:
#   DIR/di.wav       DIR/amp_a.wav       DIR/amp_b.wav          training DI and targets
#   DIR/di_test.wav  DIR/amp_a_test.wav  DIR/amp_b_test.wav     test DI (other seed) and targets
#   DIR/amp_a_gG.wav DIR/amp_a_gG_test.wav                      amp A with its gain knob at G,
#                                                               for each G of GAINS (e.g. 0,2.5,5)
#   DIR/comp.wav     DIR/comp_test.wav                          a compressor: long memory
# DI files are 32-bit float; targets 24-bit. Everything is repeatable (fixed seeds, sox -R).
#
# The DI is a sequence of sox `synth pluck` events: single notes over three octaves at levels from
# -32 to -3 dBFS, chords, palm-muted bursts (short, low-passed), arpeggios, sine sweeps and
# silence. Amp A is a crunch: high-pass, mid boost, overdrive, low-pass. Amp B is harder: a bass
# boost and mid scoop into a first overdrive, a tone stack, a second overdrive, then a cabinet-like
# low-pass. Both use fixed gains (never normalised per file) so train and test see the same amp.
# Amp A has a gain knob, 0 to 10: its overdrive's gain is 6 + 2.4 G dB, so G = 5 is amp_a.wav (18 dB).
# The compressor has long memory: ratio 8 above -30 dB, attack 5 ms, release 0.5 s (24,000 samples,
# ten times the training window), 3 dB of make-up gain (sox compand).
set -eu

dir=${1:?usage: make_demo_data.sh DIR [TRAIN_SECONDS] [TEST_SECONDS] [GAINS]}
train_s=${2:-180}
test_s=${3:-45}
gains=$(printf '%s' "${4:-}" | tr ',' ' ')
command -v sox >/dev/null 2>&1 || { echo "make_demo_data.sh: sox is needed (apt-get install sox)" >&2; exit 1; }
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

RATE=48000
FLOAT="-b 32 -e floating-point"

# Prints one event per line: kind duration level_db freq1 [freq2 ...], until `seconds` are covered.
events() { # seed seconds
	awk -v seed="$1" -v total="$2" 'BEGIN {
		srand(seed); t = 0
		while (t < total) {
			r = rand(); lvl = -32 + 29 * rand()
			root = 82.41 * 2 ^ (int(rand() * 30) / 12)
			if (r < 0.35) {
				d = 0.4 + 1.8 * rand(); printf "note %.3f %.1f %.2f\n", d, lvl, root
			} else if (r < 0.55) {
				d = 1 + 1.5 * rand(); lvl = -22 + 19 * rand()
				third = rand() < 0.5 ? 2 ^ (4 / 12) : 2 ^ (3 / 12)
				printf "chord %.3f %.1f %.2f %.2f %.2f %.2f\n", d, lvl, root, root * third, root * 2 ^ (7 / 12), root * 2
			} else if (r < 0.70) {
				n = 4 + int(rand() * 6); lvl = -20 + 14 * rand(); d = 0
				for (i = 0; i < n; i++) { e = 0.07 + 0.1 * rand(); d += e; printf "mute %.3f %.1f %.2f\n", e, lvl, root }
			} else if (r < 0.82) {
				n = 4 + int(rand() * 4); d = 0
				for (i = 0; i < n; i++) { e = 0.15 + 0.2 * rand(); d += e; printf "note %.3f %.1f %.2f\n", e, lvl, root * 2 ^ (int(rand() * 12) / 12) }
			} else if (r < 0.92) {
				d = 1.5 + 2 * rand(); lo = 50 + 100 * rand(); hi = 1500 + 3000 * rand()
				if (rand() < 0.5) printf "sweep %.3f %.1f %.1f %.1f\n", d, lvl, lo, hi
				else printf "sweep %.3f %.1f %.1f %.1f\n", d, lvl, hi, lo
			} else {
				d = 0.2 + 0.8 * rand(); printf "silence %.3f\n", d
			}
			t += d
		}
	}'
}

# Renders the events of `seed` into one float WAV.
render() { # seed seconds out
	i=0
	events "$1" "$2" > "$tmp/events"
	while read -r kind d lvl f1 f2 f3 f4; do
		i=$((i + 1))
		e=$(printf '%s/e%05d.wav' "$tmp" "$i")
		case $kind in
		note) sox -R -n -r $RATE -c 1 $FLOAT "$e" synth "$d" pluck "$f1" fade 0 "$d" 0.05 gain -n "$lvl" ;;
		mute) sox -R -n -r $RATE -c 1 $FLOAT "$e" synth "$d" pluck "$f1" lowpass 900 fade 0 "$d" 0.03 gain -n "$lvl" ;;
		chord) sox -R -r $RATE -c 4 -n $FLOAT -c 1 "$e" synth "$d" pluck "$f1" pluck "$f2" pluck "$f3" pluck "$f4" \
			remix - fade 0 "$d" 0.08 gain -n "$lvl" ;;
		sweep) sox -R -n -r $RATE -c 1 $FLOAT "$e" synth "$d" sine "$f1:$f2" fade 0.05 "$d" 0.05 gain -n "$lvl" ;;
		silence) sox -R -n -r $RATE -c 1 $FLOAT "$e" trim 0 "$d" ;;
		esac
	done < "$tmp/events"
	# A faint noise floor, as a real DI has: the model should not hear structure in silence.
	sox -R "$tmp"/e*.wav $FLOAT "$tmp/dry.wav"
	len=$(sox --i -D "$tmp/dry.wav")
	sox -R -n -r $RATE -c 1 $FLOAT "$tmp/noise.wav" synth "$len" whitenoise vol 0.0002
	sox -R -m -v 1 "$tmp/dry.wav" -v 1 "$tmp/noise.wav" $FLOAT "$3"
	rm -f "$tmp"/e*.wav "$tmp/dry.wav" "$tmp/noise.wav"
}

# Gains sit before every boost so sox never clips inside a chain (a hard clip would be a third,
# unintended nonlinearity).
amp_a() { # in out [gain knob 0..10, 5 by default]
	drive_db=$(awk -v g="${3:-5}" 'BEGIN { printf "%.4f", 6 + 2.4 * g }')
	sox -R -D "$1" -b 24 "$2" highpass 90 equalizer 800 1q 4 overdrive "$drive_db" 20 gain -6 lowpass 6000 gain -1
}
comp() { sox -R -D "$1" -b 24 "$2" compand 0.005,0.5 6:-70,-70,-30,-30,0,-26.25 3 -90 0; }
amp_b() {
	sox -R -D "$1" -b 24 "$2" gain -6 highpass 60 bass 6 100 equalizer 500 0.8q -6 overdrive 28 30 \
		gain -8 equalizer 1300 1q 6 treble -3 3000 overdrive 12 10 gain -6 lowpass 4500 lowpass 7000 gain -2
}

render 1 "$train_s" "$dir/di.wav"
render 2 "$test_s" "$dir/di_test.wav"
for part in "" _test; do
	amp_a "$dir/di$part.wav" "$dir/amp_a$part.wav"
	amp_b "$dir/di$part.wav" "$dir/amp_b$part.wav"
	comp "$dir/di$part.wav" "$dir/comp$part.wav"
	for g in $gains; do
		amp_a "$dir/di$part.wav" "$dir/amp_a_g$g$part.wav" "$g"
	done
done
for f in di amp_a amp_b comp di_test amp_a_test amp_b_test comp_test; do
	printf '%s: %s s, peak %s\n' "$dir/$f.wav" "$(sox --i -D "$dir/$f.wav")" \
		"$(sox "$dir/$f.wav" -n stat 2>&1 | awk '/Maximum amplitude/ {print $3}')"
done
