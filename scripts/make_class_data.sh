#!/bin/sh
# Makes a small labelled sound set for `rnnfx-train --task classify` with Debian tools (sox,
# espeak-ng): DIR/{train,val,test}/CLASS/NNN.wav, one sub-folder per class, short files (0.6 to
# 1.4 s) at many pitches and levels. The three parts come from different seeds, so validation and
# test audio are never training audio.
#
#   sh scripts/make_class_data.sh DIR [--rate HZ] [--files N] [--classes a,b,...] [--seed S]
#
# Classes (all by default): sine, square, saw, pluck (sox's plucked string), noise (white, pink,
# brown), speech (espeak-ng: several voices, speeds, pitches and sentences, with the pauses between
# words cut out so every sample of a file is speech), silence (digital zero or a noise floor below
# -70 dBFS). Tonal classes span 55 Hz to 2 kHz; levels -36 to -6 dBFS. N files per class for
# training (20), N/3 for validation and for test. 32-bit float mono WAV at HZ (48000).
set -eu
usage() { echo "usage: $0 DIR [--rate HZ] [--files N] [--classes a,b,...] [--seed S]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1
shift
rate=48000 files=20 classes=sine,square,saw,pluck,noise,speech,silence seed=1 lmin=-36 lmax=-6
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--rate) rate=$2 ;;
	--files) files=$2 ;;
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
VOICES="en en-us en-gb-scotland en-029 en-gb-x-rp en-gb-x-gbclan"

# One line per file: "class index name duration level_db pitch_hz variant", from awk's generator
# seeded by (seed, part), so a part is the same on every run.
plan() { # part_seed count
	awk -v seed="$1" -v n="$2" -v LMIN="$lmin" -v LMAX="$lmax" -v classes="$classes" 'BEGIN {
		srand(seed)
		nc = split(classes, cl, ",")
		for (c = 1; c <= nc; c++)
			for (i = 0; i < n; i++) {
				dur = 0.6 + 0.8 * rand()
				lvl = LMIN + (LMAX - LMIN) * rand()
				lo = cl[c] == "pluck" ? log(80) : log(55)
				hi = cl[c] == "pluck" ? log(1000) : log(2000)
				f = exp(lo + (hi - lo) * rand())
				printf "%s %03d %.3f %.1f %.2f %d\n", cl[c], i, dur, lvl, f, int(1000 * rand())
			}
	}'
}

make_file() { # class out dur level f variant
	c=$1 out=$2 d=$3 l=$4 f=$5 v=$6
	fmt="-r $rate -c 1 -e float -b 32"
	case $c in
	sine|square) sox -n $fmt "$out" synth "$d" "$c" "$f" gain "$l" fade 0.003 -0 0.003 ;;
	saw) sox -n $fmt "$out" synth "$d" sawtooth "$f" gain "$l" fade 0.003 -0 0.003 ;;
	pluck) sox -n $fmt "$out" synth "$d" pluck "$f" gain -n "$l" ;;
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
		# Pauses out (every sample is speech), then a piece of the sentence of the planned length.
		sox "$tmp" $fmt "$out" silence 1 0.01 -40d -1 0.02 -40d trim 0 "$d" gain -n "$l"
		rm -f "$tmp" ;;
	*) echo "$0: unknown class '$c'" >&2; exit 1 ;;
	esac
}

make_part() { # name seed count
	echo "$0: $dir/$1 ($3 files per class)"
	plan "$2" "$3" | while read -r c i d l f v; do
		mkdir -p "$dir/$1/$c"
		make_file "$c" "$dir/$1/$c/$i.wav" "$d" "$l" "$f" "$v"
	done
}

rm -rf "$dir/train" "$dir/val" "$dir/test"
small=$(( (files + 2) / 3 ))
make_part train "$seed" "$files"
make_part val $((seed + 1000)) "$small"
make_part test $((seed + 2000)) "$small"
