#!/bin/sh
# The shipped knob preset (presets/crunch-gain.json) on the held-out DI of scripts/make_demo_data.sh
# through amp A at gains 0 to 10: rnnfx-run --knob gain=G against the amp at G, at the five trained
# settings and at 1.25 and 6.25, which no training pair had. Asserts every setting's ESR below 0.01
# and the untrained ones within twice the trained settings' mean (the interpolation). Exits 77
# (skipped) without sox.
set -u
BUILD=${BUILD:-build}
RUN=$BUILD/rnnfx-run
TOOL=$BUILD/tests/trainer/trn-testtool
MODEL=presets/crunch-gain.json
command -v sox >/dev/null || { echo "skipped: needs sox (apt-get install sox)"; exit 77; }
for f in "$RUN" "$TOOL" "$MODEL"; do
	[ -e "$f" ] || { echo "missing $f"; echo "0 passed, 1 failed"; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }

sh scripts/make_demo_data.sh "$TMP" 2 20 0,1.25,2.5,5,6.25,7.5,10 >/dev/null 2>&1 ||
	{ bad "demo data" "make_demo_data.sh failed"; echo "$PASS passed, $FAIL failed"; exit 1; }
: >"$TMP/esr"
for g in 0 1.25 2.5 5 6.25 7.5 10; do
	"$RUN" -q --model "$MODEL" --knob "gain=$g" "$TMP/di_test.wav" "$TMP/out$g.wav" &&
		echo "$g $("$TOOL" esr "$TMP/out$g.wav" "$TMP/amp_a_g${g}_test.wav" 2048)" >>"$TMP/esr" ||
		bad "gain $g" "rnnfx-run or the ESR failed"
done
python3 - "$TMP/esr" <<'PY' && ok "every setting below 0.01; the untrained ones within 2x the trained mean" ||
import sys
e = dict(line.split() for line in open(sys.argv[1]))
e = {float(k): float(v) for k, v in e.items()}
trained = [e[g] for g in (0, 2.5, 5, 7.5, 10)]
mean = sum(trained) / len(trained)
print("    test ESR by gain: " + ", ".join("%g: %.2g" % (g, e[g]) for g in sorted(e)) +
      "; trained mean %.2g" % mean)
sys.exit(0 if len(e) == 7 and max(e.values()) < 0.01 and e[1.25] <= 2 * mean and e[6.25] <= 2 * mean else 1)
PY
	bad "the knob preset" "$(cat "$TMP/esr")"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
