#!/bin/sh
# Drum kits as folders of one-shots, for scripts/make_drum_data.sh (docs/trainer.md, "Drum data"):
#
#   sh scripts/make_drum_kits.sh OUTDIR [--rate HZ] [--kits a,b,...] [--notes 36,38,...]
#                                [--velocities 20,40,...] [--list]
#
# OUTDIR/KIT/CLASS/NAME_vVEL.wav: one hit per file, 32-bit float mono at HZ (48000), starting at its
# onset (drumgen trim: everything before the first sample within 60 dB of the hit's peak is cut,
# no pre-roll, so the onset is sample 0; the tail is cut where it falls 60 dB under the peak, and
# faded out at 8 s). CLASS: kick, snare, hihat, tom, cymbal. VEL 1..127: the MIDI velocity the
# shot was rendered at, or the middle of the velocity range its hydrogen layer answers to. Round
# robins of one layer are NAME-rr2_vVEL.wav, ... OUTDIR/KIT/sources.txt says where each came from;
# OUTDIR/kits.txt is the inventory (one-shots per kit and class) that is also printed.
#
# Kits (all by default; --list names them):
#   h2-*         the hydrogen-drumkits kits (/usr/share/hydrogen/data/drumkits, or $H2_DRUMKITS):
#                each drumkit.xml's instruments, classed by the words of their names (drumgen
#                class): kick, bass drum, bd -> kick; snare, sd, rimshot -> snare; hat, hh -> hihat
#                (closed, pedal, open alike); tom, floor -> tom; crash, ride, splash, china,
#                cymbal, bell -> cymbal. Skipped: side sticks and rim clicks, claps, cowbells,
#                shakers, hand percussion, snare rolls, effects, unnamed slots.
#   sf-fluidr3   FluidR3_GM's percussion (fluid-soundfont-gm), rendered with fluidsynth
#   sf-fluidr3-room, -power, -electronic, -808, -jazz, -brush: FluidR3_GM's other drum kits
#                (bank 128 programs 8, 16, 24, 25, 32, 40); each shares some of its sounds with
#                the Standard kit (Room and Jazz mostly the kick, Brush the snares, 808 few)
#   sf-timgm6mb  TimGM6mb's (timgm6mb-soundfont): held out for evaluation, never for training
# A soundfont kit renders each General MIDI drum note of a class (drumgen gm-notes: 35 36 kick;
# 38 40 snare; 42 44 46 hihat; 41 43 45 47 48 50 tom; 49 51 52 53 55 57 59 cymbal; 37 side stick
# skipped) at each of --velocities (20,40,60,80,100,127) on channel 10, reverb and chorus off;
# --notes keeps only some notes (for quick tests).
set -eu
usage() {
	echo "usage: $0 OUTDIR [--rate HZ] [--kits a,b,...] [--notes 36,38,...] [--velocities 20,40,...] [--list]" >&2
	exit 2
}
BUILD=${BUILD:-build}
DRUMGEN=${DRUMGEN:-$BUILD/drumgen}
H2=${H2_DRUMKITS:-/usr/share/hydrogen/data/drumkits}
SF2_FLUIDR3=${SF2_FLUIDR3:-/usr/share/sounds/sf2/FluidR3_GM.sf2}
SF2_TIMGM=${SF2_TIMGM:-/usr/share/sounds/sf2/TimGM6mb.sf2}
CLASSES="kick snare hihat tom cymbal"
# FluidR3_GM's other drum kits (NAME:PROGRAM in bank 128), besides its Standard kit (sf-fluidr3).
FLUIDR3_KITS="room:8 power:16 electronic:24 808:25 jazz:32 brush:40"
TAB=$(printf '\t')

list=0 out=
rate=48000 kits= notes= velocities=20,40,60,80,100,127
while [ $# -gt 0 ]; do
	case $1 in
	--list) list=1; shift; continue ;;
	--rate|--kits|--notes|--velocities) [ $# -ge 2 ] || usage ;;
	-*) usage ;;
	*) [ -z "$out" ] || usage; out=$1; shift; continue ;;
	esac
	case $1 in
	--rate) rate=$2 ;;
	--kits) kits=$2 ;;
	--notes) notes=$2 ;;
	--velocities) velocities=$2 ;;
	esac
	shift 2
done
[ -x "$DRUMGEN" ] || { echo "$0: $DRUMGEN is missing: run 'make $DRUMGEN' first" >&2; exit 1; }

# Every kit this machine can make: "NAME<TAB>SOURCE" (a hydrogen folder or a soundfont file).
available() {
	if [ -d "$H2" ]; then
		for d in "$H2"/*/; do
			[ -f "$d/drumkit.xml" ] || continue
			d=${d%/}
			printf '%s\t%s\n' "$("$DRUMGEN" kit-name "$d")" "$d"
		done
	fi
	if [ -f "$SF2_FLUIDR3" ]; then
		for k in '' $FLUIDR3_KITS; do
			printf 'sf-fluidr3%s\t%s\n' "${k:+-${k%%:*}}" "$SF2_FLUIDR3"
		done
	fi
	[ -f "$SF2_TIMGM" ] && printf 'sf-timgm6mb\t%s\n' "$SF2_TIMGM"
	return 0
}
AVAILABLE=$(available)
if [ "$list" = 1 ]; then
	echo "$AVAILABLE"
	exit 0
fi
[ -n "$out" ] || usage
for tool in sox fluidsynth; do
	command -v $tool >/dev/null ||
		{ echo "$0: needs $tool (apt-get install sox fluidsynth)" >&2; exit 1; }
done
case $rate in ''|*[!0-9]*) echo "$0: --rate $rate: a whole number of Hz" >&2; exit 2 ;; esac
if [ -z "$kits" ]; then
	kits=$(echo "$AVAILABLE" | cut -f1 | tr '\n' ',')
fi
# Every kit asked for must exist, before any work.
for k in $(echo "$kits" | tr ',' ' '); do
	echo "$AVAILABLE" | cut -f1 | grep -qx -- "$k" || {
		echo "$0: $k: no such kit (kits here: $(echo "$AVAILABLE" | cut -f1 | tr '\n' ' '))" >&2
		exit 1
	}
done
mkdir -p "$out"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# shot TMPDIR CLASS NAME VEL SOURCE-AUDIO FROM WHAT GAIN: the one-shot from SOURCE-AUDIO (any
# rate, any channels), times GAIN, into TMPDIR/CLASS/NAME_vVEL.wav, or NAME-rrK_vVEL.wav when that
# is taken. (The shell has no local variables: shot_* are this function's.)
shot() {
	shot_v=$(printf '%03d' "$4")
	shot_f="$1/$2/$3_v$shot_v.wav"
	shot_rr=2
	while [ -e "$shot_f" ]; do
		shot_f="$1/$2/$3-rr${shot_rr}_v$shot_v.wav"
		shot_rr=$((shot_rr + 1))
	done
	mkdir -p "$1/$2"
	if "$DRUMGEN" trim "$5" "$shot_f" --gain "$8" 2>"$WORK/err" </dev/null; then
		printf '%s\t%s\t%s\n' "$2/${shot_f##*/}" "$6" "$7" >>"$1/sources.txt"
	else
		echo "  skipped $6: $(cat "$WORK/err")" >&2
	fi
}

# A hydrogen kit: each layer of each instrument of a class, resampled by sox (minimum phase:
# no pre-echo before the onset). Hydrogen plays a layer at the note's velocity as a linear gain
# (and the layer's own gain): each shot is stored as played at its velocity, like a rendered one.
h2_kit() { # TMPDIR FOLDER
	"$DRUMGEN" h2-list "$2/drumkit.xml" >"$WORK/list"
	while IFS="$TAB" read -r cls vel name file inst lgain; do
		[ "$cls" = skip ] && continue
		if [ ! -f "$2/$file" ]; then
			echo "  skipped $inst: $2/$file is missing" >&2
			continue
		fi
		if sox -q "$2/$file" -e floating-point -b 32 "$WORK/in.wav" rate -v -M "$rate" 2>"$WORK/err" </dev/null; then
			shot "$1" "$cls" "$name" "$vel" "$WORK/in.wav" "$file" "$inst" \
				"$(awk -v v="$vel" -v g="$lgain" 'BEGIN { printf "%.6f", g * v / 127 }')"
		else
			echo "  skipped $file: $(cat "$WORK/err")" >&2
		fi
	done <"$WORK/list"
}

# A soundfont kit: one MIDI file and one fluidsynth render per note and velocity (KIT: the drum
# kit's program, 0 for Standard).
sf_kit() { # TMPDIR SF2 KIT
	"$DRUMGEN" gm-notes >"$WORK/notes"
	while IFS="$TAB" read -r note cls name; do
		case ",${notes:-$note}," in *",$note,"*) ;; *) continue ;; esac
		for vel in $(echo "$velocities" | tr ',' ' '); do
			"$DRUMGEN" note-mid "$WORK/n.mid" "$note" "$vel" 4 "$3"
			fluidsynth -ni -q -R 0 -C 0 -g 0.5 -r "$rate" -O float -T wav -F "$WORK/r.wav" \
				"$2" "$WORK/n.mid" >"$WORK/err" 2>&1 </dev/null ||
				{ echo "  fluidsynth failed on note $note: $(cat "$WORK/err")" >&2; exit 1; }
			shot "$1" "$cls" "$name" "$vel" "$WORK/r.wav" "note $note velocity $vel" "$name" 1
			rm -f "$WORK/r.wav"
		done
	done <"$WORK/notes"
}

start=$(date +%s)
for k in $(echo "$kits" | tr ',' ' '); do
	src=$(echo "$AVAILABLE" | awk -F "$TAB" -v k="$k" '$1 == k { print $2 }')
	echo "$k: from $src" >&2
	tmp="$out/.$k.partial"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	: >"$tmp/sources.txt"
	case $k in
	sf-fluidr3-*)
		prog=$(for p in $FLUIDR3_KITS; do [ "sf-fluidr3-${p%%:*}" != "$k" ] || echo "${p#*:}"; done)
		sf_kit "$tmp" "$src" "$prog" ;;
	sf-*) sf_kit "$tmp" "$src" 0 ;;
	*) h2_kit "$tmp" "$src" ;;
	esac
	rm -rf "${out:?}/$k"
	mv "$tmp" "$out/$k"
done

# The inventory of OUTDIR: one-shots per kit and class; a kit without a kick, a snare or a hi-hat
# is listed and flagged (it still gives the classes it has).
{
	printf '%-28s %6s %6s %6s %6s %6s\n' kit $CLASSES
	for d in "$out"/*/; do
		[ -d "$d" ] || continue
		k=$(basename "$d")
		line=$(printf '%-28s' "$k") missing=
		for c in $CLASSES; do
			n=$(ls "$d$c" 2>/dev/null | grep -c '\.wav$' || true)
			line="$line $(printf '%6d' "$n")"
			case $c in kick|snare|hihat) [ "$n" -gt 0 ] || missing="$missing $c" ;; esac
		done
		[ -n "$missing" ] && line="$line   (no$missing)"
		echo "$line"
	done
} >"$out/kits.txt"
cat "$out/kits.txt"
echo "made in $(($(date +%s) - start)) s" >&2
