#!/bin/sh
# A knob model automated in Ardour 7, headless ("None (Dummy)" backend): a mono track with the
# plugin, a knob model (one knob "drive", 0 to 10) in its state, and knob1 automated from 0 to 1
# at 1.5 s, over 10 ms (tests/lv2/ardour/automate.lua). The export must play what rnnfx-run --knob drive=0
# plays before the step and what --knob drive=10 plays from 0.5 s after it (the 20 ms glide and
# the history of the other setting forgotten by then), and the two halves must differ.
# Prints "N passed, N failed"; 77 = skipped (Ardour not installed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
BUILD=${BUILD:-build}
H=$(cd "$(dirname "$0")" && pwd)
. "$H/ardour/common.sh"
MK=$BUILD/tests/runners/mkmodel
[ -x "$RUN" ] && [ -x "$MK" ] || { echo "run make check-all first"; echo "0 passed, 1 failed"; exit 1; }

# The knob model: a GRU 8 whose knob column is loud enough to be heard (as in check-jalv.sh).
"$MK" "$W/knob.json" --cell gru --hidden 8 --inputs 2 --seed 21 --head-scale 0.5 &&
python3 - "$W/knob.json" <<'PY' || { ko "knob model"; finish; }
import json, sys
m = json.load(open(sys.argv[1]))
w = m["tensors"]["weight_ih_l0"]
w["data"] = [v * (4 if i % 2 else 1) for i, v in enumerate(w["data"])]
m["metadata"] = {"name": "knob", "knobs": [{"name": "drive", "input": 1, "min": 0, "max": 10, "default": 5}]}
json.dump(m, open(sys.argv[1], "w"))
PY
sox -n -r 48000 -b 24 -c 1 "$W/in.wav" synth 3 sine 220 sine 1375 remix 1,2 vol 0.3
sox "$W/in.wav" -e floating-point -b 32 "$W/in-f.wav"
for d in 0 10; do
	"$RUN" -q --model "$W/knob.json" --knob drive=$d --format float "$W/in-f.wav" "$W/ref$d.wav" ||
		{ ko "rnnfx-run --knob drive=$d"; finish; }
done

if timeout 120 ardour7-lua "$H/ardour/session.lua" > "$W/make.log" 2>&1 && grep -q SESSION_OK "$W/make.log"; then
	ok "session with the plugin"; else tail -20 "$W/make.log"; ko "session with the plugin"; finish; fi
python3 "$H/ardour/import_take.py" "$SESS_DIR" "$SESS_NAME" "$W/in.wav" > "$W/import.log" || { ko "import"; finish; }
state_model "$W/knob.json" || { ko "model into the state"; finish; }
if PARAM_INDEX=7 PORT_INDEX=11 T_SWITCH=1.5 timeout 120 ardour7-lua "$H/ardour/automate.lua" > "$W/auto.log" 2>&1 &&
	grep -q AUTOMATE_OK "$W/auto.log" && grep -q "AUTOMATE 'Knob 1' range 0..1" "$W/auto.log"; then
	ok "knob1 automated: 0, then 1 from 1.51 s"; else tail -20 "$W/auto.log"; ko "knob1 automated"; finish; fi

export_retry "$W/export.wav" "$W/export.log" || { ko "export"; finish; }
compare_span "$W/export.wav" "$W/ref0.wav" 24000 72000 &&
	ok "before the step: the export plays --knob drive=0" || ko "before the step: --knob drive=0"
compare_span "$W/export.wav" "$W/ref10.wav" 96000 143520 &&
	ok "0.5 s after the step: the export plays --knob drive=10" || ko "after the step: --knob drive=10"
python3 - "$W/ref0.wav" "$W/ref10.wav" <<'PY' && ok "the two settings sound different" || ko "the knob is not heard"
import array, subprocess, sys
def rd(p):
    a = array.array("f")
    a.frombytes(subprocess.check_output(["sox", p, "-t", "f32", "-"]))
    return a
a, b = rd(sys.argv[1]), rd(sys.argv[2])
d = max(abs(a[i] - b[i]) for i in range(96000, 143520))
print("    max |drive 0 - drive 10| %.3f" % d)
sys.exit(0 if d > 0.05 else 1)
PY
finish
