#!/bin/sh
# Makes a small labelled sound set for `rnnfx-train --task classify` with Debian tools (sox,
# espeak-ng): DIR/{train,val,test}/CLASS/NNN.wav, one sub-folder per class, short files (0.6 to
# 1.4 s) at many pitches and levels. The three parts come from different seeds, so validation and
# test audio are never training audio.
#
#   sh scripts/make_class_data.sh DIR [--rate HZ] [--files N] [--val-files M] [--classes a,b,...]
#                                     [--seed S] [--levels LO,HI]
#
# Classes (all by default): sine, square (pulses of duty 10 to 90 %, half of them without their
# DC), saw (rising or falling; half of the squares and saws low-passed at 10 to 20 kHz), pluck (sox's plucked string, of some sustain and tone; its tail
# below -70 dBFS cut off), noise (white, pink, brown), speech (espeak-ng: English voices and
# variants, speeds, pitches and sentences, with the pauses between words cut out so every sample
# of a file is speech), silence (digital zero or a noise floor below -70 dBFS). Tones start at a
# random phase; sine, square and saw span 35 Hz to 5 kHz, plucks 50 Hz to 2 kHz; levels (peak)
# -36 to -6 dBFS (--levels LO,HI). N files per class for training (20), M for validation and for
# test (N/3). 32-bit float mono WAV at HZ (48000). tests/trainer/tone_gen2.c makes held-out audio
# of the same classes another way.
set -eu
usage() {
	echo "usage: $0 DIR [--rate HZ] [--files N] [--val-files M] [--classes a,b,...] [--seed S]" \
		"[--levels LO,HI]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
dir=$1
shift
rate=48000 files=20 small= seed=1 lmin=-36 lmax=-6
classes=sine,square,saw,pluck,noise,speech,silence
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--rate) rate=$2 ;;
	--files) files=$2 ;;
	--val-files) small=$2 ;;
	--classes) classes=$2 ;;
	--seed) seed=$2 ;;
	--levels) lmin=${2%%,*} lmax=${2#*,} ;;
	*) usage ;;
	esac
	shift 2
done
for tool in sox awk; do
	command -v $tool >/dev/null || { echo "$0: needs $tool (apt-get install sox)" >&2; exit 1; }
done
case ",$classes," in *,speech,*)
	command -v espeak-ng >/dev/null ||
		{ echo "$0: the speech class needs espeak-ng (apt-get install espeak-ng)" >&2; exit 1; } ;;
esac

SENTENCES="The quick brown fox jumps over the lazy dog.
Please call me back when you have a minute.
A recurrent network listens to every sample.
Seven silver swans swam slowly across the lake.
Turn the volume down before the chorus starts.
We measured the latency of the decision twice.
How much wood would a woodchuck chuck?
Bring the red guitar and the small amplifier.
She sells sea shells by the sea shore.
Monday morning meetings never start on time."
VOICES="en en-us en-gb-scotland en-029 en-gb-x-rp en-gb-x-gbclan en+annie en-us+belinda
en-gb-scotland+linda en-029+m4 en+klatt4 en-us+m6 en-gb-x-rp+steph en+m1"

# One line per file: "class index duration level_db pitch_hz variant p q" (p, q in 0..1 for the
# waveform's phase, duty, sustain, tone), from awk's generator seeded by (seed, part), so a part is
# the same on every run.
plan() { # part_seed count
	awk -v seed="$1" -v n="$2" -v LMIN="$lmin" -v LMAX="$lmax" -v classes="$classes" 'BEGIN {
		srand(seed)
		nc = split(classes, cl, ",")
		for (c = 1; c <= nc; c++)
			for (i = 0; i < n; i++) {
				dur = 0.6 + 0.8 * rand()
				lvl = LMIN + (LMAX - LMIN) * rand()
				lo = cl[c] == "pluck" ? log(50) : log(35)
				hi = cl[c] == "pluck" ? log(2000) : log(5000)
				f = exp(lo + (hi - lo) * rand())
				printf "%s %03d %.3f %.1f %.2f %d %.3f %.3f\n", cl[c], i, dur, lvl, f,
					int(1000 * rand()), rand(), rand()
			}
	}'
}

pct() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.1f", lo + (hi - lo) * x }'; }

make_file() { # class out dur level f variant p q
	c=$1 out=$2 d=$3 l=$4 f=$5 v=$6 p=$7 q=$8
	fmt="-r $rate -c 1 -e float -b 32"
	ph=$(pct "$p" 0 100)
	# Half of the squares and saws low-passed at 10 to 20 kHz: band-limited steps (with their
	# Gibbs ripple) as well as sox's naive ones. The vol 0.5 leaves room for the ripple.
	smooth="vol 1"
	[ $((v / 2 % 2)) -eq 1 ] && smooth="vol 0.5 sinc -$((10000 + v / 4 % 11 * 1000))"
	case $c in
	sine) sox -n $fmt "$out" synth "$d" sine "$f" 0 "$ph" gain "$l" fade 0.003 -0 0.003 ;;
	square) # v odd: the pulse's DC taken out (as an AC-coupled output would), then the peak to l
		duty=$(pct "$q" 10 90)
		dc=$(awk -v d="$duty" -v on=$((v % 2)) \
			'BEGIN { printf "%.4f", on ? -(d / 50 - 1) / 2 : 0 }')
		sox -n $fmt "$out" synth "$d" square "$f" 0 "$ph" "$duty" vol 0.5 dcshift "$dc" $smooth \
			gain -n "$l" fade 0.003 -0 0.003 ;;
	saw) # v odd: falling (inverted)
		sox -n $fmt "$out" synth "$d" sawtooth "$f" 0 "$ph" vol $((1 - 2 * (v % 2))) $smooth \
			gain -n "$l" fade 0.003 -0 0.003 ;;
	pluck) # sustain 10..90 %, tone from q; the tail below -70 dBFS is silence, so it goes
		sox -n $fmt "$out" synth "$d" pluck "$f" 0 0 "$(pct "$p" 10 90)" "$(pct "$q" 10 60)" \
			"$(pct "$q" 60 95)" gain -n "$l" reverse silence 1 0.01 -70d reverse ;;
	noise)
		case $((v % 3)) in 0) k=whitenoise ;; 1) k=pinknoise ;; *) k=brownnoise ;; esac
		sox -R -n $fmt "$out" synth "$d" $k gain -n "$l" fade 0.003 -0 0.003 ;;
	silence)
		if [ $((v % 2)) -eq 0 ]; then
			sox -n $fmt "$out" trim 0 "$d"
		else
			sox -R -n $fmt "$out" synth "$d" pinknoise gain -n "$(awk -v l="$l" 'BEGIN { print -75 + l / 6 }')"
		fi ;;
	speech)
		n=$(echo "$SENTENCES" | wc -l)
		s=$(echo "$SENTENCES" | sed -n "$((v % n + 1))p")
		set -- $VOICES
		shift $((v % $#))
		tmp=$out.tmp.wav
		espeak-ng -v "$1" -s $((140 + v % 60)) -p $((25 + v % 50)) -w "$tmp" "$s"
		# Pauses out (every sample is speech), then a piece of the sentence of the planned length
		# (6 dB down first: the resampler would clip espeak-ng's peaks).
		sox "$tmp" $fmt "$out" silence 1 0.01 -40d -1 0.02 -40d trim 0 "$d" gain -6 rate "$rate" \
			gain -n "$l"
		rm -f "$tmp" ;;
	*) echo "$0: unknown class '$c'" >&2; exit 1 ;;
	esac
}

make_part() { # name seed count
	echo "$0: $dir/$1 ($3 files per class)"
	plan "$2" "$3" | while read -r c i d l f v p q; do
		mkdir -p "$dir/$1/$c"
		make_file "$c" "$dir/$1/$c/$i.wav" "$d" "$l" "$f" "$v" "$p" "$q"
	done
}

rm -rf "$dir/train" "$dir/val" "$dir/test"
small=${small:-$(( (files + 2) / 3 ))}
make_part train "$seed" "$files"
make_part val $((seed + 1000)) "$small"
make_part test $((seed + 2000)) "$small"
