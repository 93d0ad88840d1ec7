#!/bin/sh
# What the features allow: scripts/onset_probe.py on drum data folders (make_drum_data.sh's
# NAME.wav + NAME.csv), trained on the first, scored on the others.
#
#   sh scripts/onset_probe.sh [--ms D] [--bands N] TRAIN_DIR TEST_DIR...
#
# Needs build/drumgen (make) and python3-torch; writes only to a temporary folder.
set -eu
BUILD=${BUILD:-build}
DRUMGEN=${DRUMGEN:-$BUILD/drumgen}
ms=8 bands=10
while [ $# -gt 0 ]; do
	case $1 in
	--ms) ms=$2; shift 2 ;;
	--bands) bands=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: $0 [--ms D] [--bands N] TRAIN_DIR TEST_DIR..." >&2; exit 2; }
[ -x "$DRUMGEN" ] || { echo "$0: $DRUMGEN is missing: run 'make' first" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
i=0 files=
for d in "$@"; do
	i=$((i + 1))
	for w in "$d"/*.wav; do
		[ -f "${w%.wav}.csv" ] || continue
		echo "# $w"
		"$DRUMGEN" features "$w" "${w%.wav}.csv" --bands "$bands" --steps "$ms"
	done >"$WORK/$i.txt"
	files="$files $d=$WORK/$i.txt"
done
# shellcheck disable=SC2086
/usr/bin/python3 "$(dirname "$0")/onset_probe.py" --ms "$ms" --bands "$bands" $files
