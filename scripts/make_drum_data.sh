#!/bin/sh
# Drum sequences with onset labels, from the one-shot kits of scripts/make_drum_kits.sh
# (docs/trainer.md, "Drum data"):
#
#   sh scripts/make_drum_data.sh KITDIR OUTDIR --kits a,b,c [--files N] [--seconds S] [--seed S]
#                                [--rate HZ] [--isolated F] [--bleed 0|1] [--scatter F]
#                                [--pitch ST] [--eq DB] [--balance DB] [--silent F]
#                                [--instruments 0|1]
#
# OUTDIR/NNN.wav (32-bit float mono) and OUTDIR/NNN.csv ("time,class", then one row per hit onset,
# seconds with 6 decimals, in time order; classes kick, snare, hihat, tom, cymbal), and
# OUTDIR/manifest.txt (file, kit, seconds, hits per class). File i uses kit i mod K of --kits (each
# file one kit, so whole kits can be held out), is S seconds long (10 to 30 when not given), and
# depends only on (--seed, i, its kit): the same arguments give the same bytes. N: 10. F: the share
# of each file in isolated single hits (0.25). HZ: checked against the kits' rate (default: theirs).
# --scatter F: a share F of each file (0) in hits at random times (40 ms to 0.6 s apart, one to
# three classes at once, drawn independently, any velocity), so that which drums sound together
# says nothing about the rest. Timbre (0: off; drawn from a generator of their own, so the hits and
# labels are those of the same file without them): --pitch ST plays each instrument of a file up to
# ST semitones off (resampled, the onset kept), --eq DB puts each file through a low shelf, a high
# shelf (up to DB dB) and a peak (DB/2), --balance DB makes each instrument up to DB dB louder or
# softer. --silent F: a share F of the files (0) without room noise, digital silence between the
# hits as an edited or gated track has (a model that never heard it may fire on a decay into it).
# --instruments 1 also writes OUTDIR/NNN.hits: the labels with the instrument and velocity
# of each hit (time,class,instrument,velocity), to see which instruments a model misses.
#
# What is in a file (scripts/drumgen.c, "what is played"): grooves at 60 to 200 BPM (rock, four on
# the floor, half time, funk with ghost notes, breakbeat, ride), eighth and sixteenth hats, open
# hats choked by the next hat, timing humanised (about +-10 ms; a fifth of the grooves on the grid)
# and velocities too; fills down the toms and fills on their own; crashes on downbeats with the
# kick; snare and tom rolls (never two hits of a class within 40 ms); flams (a soft grace note 15
# to 30 ms before the stroke, labelled once, at the grace note); simultaneous hits of several
# classes, all labelled; isolated single hits (the rarer classes favoured) that wait for the one
# before to ring out; each file at its own level (its loudest hit at -16 to -0.5 dBFS, soft hits
# 30 dB lower), room noise (pink or brown, -70 to -45 dBFS and 45 dB under the loudest hit) and
# bleed (the kit's other drums 25 to 35 dB down, not labelled; --bleed 0 leaves it out: as loud as
# the soft labelled hits, it cannot be told from them by the sound alone, so a model trained on it
# learns to miss soft hits. Bleed is the plugin's gate's job). Never clipped.
set -eu
BUILD=${BUILD:-build}
DRUMGEN=${DRUMGEN:-$BUILD/drumgen}
if [ $# -lt 2 ] || [ "${1#-}" != "$1" ] || [ "${2#-}" != "$2" ]; then
	echo "usage: $0 KITDIR OUTDIR --kits a,b,c [--files N] [--seconds S] [--seed S] [--rate HZ] [--isolated F] [--bleed 0|1] [--scatter F] [--pitch ST] [--eq DB] [--balance DB] [--silent F] [--instruments 0|1]" >&2
	exit 2
fi
[ -x "$DRUMGEN" ] || { echo "$0: $DRUMGEN is missing: run 'make $DRUMGEN' first" >&2; exit 1; }
[ -d "$1" ] || { echo "$0: $1: no such folder (make the kits with scripts/make_drum_kits.sh)" >&2; exit 1; }
mkdir -p "$2"
exec "$DRUMGEN" mix "$@"
