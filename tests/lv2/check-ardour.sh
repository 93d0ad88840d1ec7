#!/bin/sh
# The plugin in Ardour 7, headless (no X11, JACK or sound card; "None (Dummy)" backend):
#   1. ardour7-lua makes a session with a mono track, a take and the plugin (tests/lv2/ardour/);
#   2. the model goes into the plugin's saved state as rnnfx:model (Lua cannot send patch:Set);
#      the take is swapped for a test signal (import_take.py);
#   3. ardour7-export renders the session: Ardour restores the state without a worker (a
#      synchronous load in restore()), and the export matches the offline runner (rnnfx-run,
#      same dsp code) after a warm-up (Ardour fades the first 0.1 s in, the model's state forgets);
#   4. reload.lua opens and saves the session: the new state embeds the model (rnnfx:modelBase64);
#   5. the model file is deleted; open + save + export is repeated under CPU load, and every export
#      must equal the first sample for sample.
# Prints "N passed, N failed"; 77 = skipped (Ardour not installed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
BUILD=${BUILD:-build}
H=$(cd "$(dirname "$0")" && pwd)
. "$H/ardour/common.sh"
MK=$BUILD/tests/lv2/mkmodel
[ -x "$RUN" ] && [ -x "$MK" ] && [ -f "$BUILD/rnnfx.lv2/rnnfx.so" ] || { echo "run make first"; echo "0 passed, 1 failed"; exit 1; }
# The export after 0.5 s (Ardour fades the first 0.1 s in; the model forgets the history it had
# before) up to the region's 10 ms fade-out, against the offline runner.
compare() { # export.wav
	compare_span "$1" "$W/ref.wav" 24000 $(($(soxi -s "$1") - 480))
}

$MK "$W/model.json" gru 8 1 7 48000 || { ko "mkmodel"; finish; }
sox -n -r 48000 -b 24 -c 1 "$W/in.wav" synth 3 sine 220 sine 1375 remix 1,2 vol 0.3
sox "$W/in.wav" -e floating-point -b 32 "$W/in-f.wav"
"$RUN" -q --model "$W/model.json" --format float "$W/in-f.wav" "$W/ref.wav" || { ko "rnnfx-run"; finish; }

if timeout 120 ardour7-lua "$H/ardour/session.lua" > "$W/make.log" 2>&1 && grep -q SESSION_OK "$W/make.log"; then
	ok "session with the plugin"; else tail -20 "$W/make.log"; ko "session with the plugin"; finish; fi
python3 "$H/ardour/import_take.py" "$SESS_DIR" "$SESS_NAME" "$W/in.wav" > "$W/import.log" || { ko "import"; finish; }

# The model into the plugin's saved state, by absolute path.
state_model "$W/model.json" || { ko "model into the state"; finish; }

if export_retry "$W/export1.wav" "$W/export1.log" && compare "$W/export1.wav"; then
	ok "export with the model from its path matches the offline runner"; else
	ko "export with the model from its path matches the offline runner"; fi

# Round trips (the soak): open + save, then export, RFX_ARDOUR_ROUNDS times (5) while two busy
# loops load both cores. The model file is deleted after the first, so later rounds play the model
# embedded in the state. Every export must equal the first one sample for sample: a restore
# without a worker, the default state or a swap landing inside an export would show here.
rounds=${RFX_ARDOUR_ROUNDS:-5}
load() { while :; do :; done; }
load & L1=$!; load & L2=$!
trap 'kill $L1 $L2 2>/dev/null; rm -rf "$W"' EXIT
samples() { sox "$1" -t f32 -c 1 - remix 1 2>/dev/null; }
samples "$W/export1.wav" > "$W/export1.f32"
r_ok=0; s_ok=0; x_ok=0; same=0
for k in $(seq "$rounds"); do
	if timeout 120 ardour7-lua "$H/ardour/reload.lua" > "$W/reload.log" 2>&1 && grep -q RELOAD_OK "$W/reload.log"; then
		r_ok=$((r_ok + 1)); else tail -20 "$W/reload.log"; fi
	grep -q '^PARAM status = 1$' "$W/reload.log" && s_ok=$((s_ok + 1))
	[ "$k" -eq 1 ] && grep '^PARAM' "$W/reload.log"
	grep -q 'rnnfx#modelBase64' "$(state_file)" && x_ok=$((x_ok + 1))
	rm -f "$W/model.json"
	if export_retry "$W/export2.wav" "$W/export2.log" && compare "$W/export2.wav"; then
		samples "$W/export2.wav" > "$W/export2.f32"
		if cmp -s "$W/export1.f32" "$W/export2.f32"; then same=$((same + 1)); else
			python3 - "$W/export1.f32" "$W/export2.f32" <<'PY'
import array, sys
a, b = array.array("f"), array.array("f")
a.frombytes(open(sys.argv[1], "rb").read()); b.frombytes(open(sys.argv[2], "rb").read())
d = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
print("round differs from the first export: %d vs %d frames, %d samples differ, first at %s, max %.3g"
      % (len(a), len(b), len(d), d[0] if d else "-", max((abs(a[i] - b[i]) for i in d), default=0)))
PY
		fi
	fi
done
kill $L1 $L2 2>/dev/null
[ "$r_ok" -eq "$rounds" ] && ok "reload and save, $rounds rounds under load" || ko "reload and save ($r_ok of $rounds)"
[ "$s_ok" -eq "$rounds" ] && ok "status 1 after each session load" || ko "status 1 after session load ($s_ok of $rounds)"
[ "$x_ok" -eq "$rounds" ] && ok "each saved state embeds the model" || ko "saved state embeds the model ($x_ok of $rounds)"
[ "$same" -eq "$rounds" ] && ok "model file deleted: $rounds exports from the embedded model equal the first, sample for sample" ||
	ko "exports from the embedded model equal the first ($same of $rounds)"
finish
