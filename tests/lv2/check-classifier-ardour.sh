#!/bin/sh
# The classifier's onset mode (drum hits to MIDI) in Ardour 7, headless ("None (Dummy)" backend):
#   1. a drum track whose hits are known to the sample: a kick (a 60 to 40 Hz sine sweep, 0.45 s)
#      eleven times, loud and soft in turn, with 1.3 s of noise below the gate (-70 dBFS) between
#      the sixth and the seventh hit and digital silence before, after and between them;
#   2. ardour7-lua (tests/lv2/ardour/classifier-session.lua) makes a session: a mono track "dut"
#      with strict I/O off, the classifier with the bundle's "Drums to MIDI" preset applied as
#      Ardour's preset menu does, and a MIDI track "notes" fed by dut's MIDI output; the take is
#      swapped for the drum track (import_take.py);
#   3. classifier-record.lua reopens the session (the model restored from the saved state),
#      records "notes" in real time while dut plays the drum track, and prints the recorded
#      region's notes at their session samples (Ardour's tempo map: 1920 ticks a beat, 0.26 ms);
#   4. the notes must be: about one kick note per hit (at most one missed or extra; at most two
#      notes of other classes, which are the model's calls, not the host's), each from 2 ms before
#      to 20 ms after a true hit (plus the latency the plugin reports; the model decides 4 to 8 ms
#      after the hit), none on the silence or the quiet noise,
#      General MIDI kick 36 on channel 10, as long as the preset's note length, louder for the
#      loud hits, and the notes the offline runner (rnnfx-run, same dsp code) writes for the same
#      file (within 2 ms and 6 velocity steps: Ardour's tick, the model's state before the first
#      hit, and the hop's phase, which depends on when the host started the plugin).
# No note at all was Ardour 7 forwarding the plugin's atom outputs as MIDI in port order while
# notify came before midi_out (plugin/classifier.h); tests/lv2/check-ttl.sh keeps midi_out first.
# Prints "N passed, N failed"; 77 = skipped (Ardour not installed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
BUILD=${BUILD:-build}
H=$(cd "$(dirname "$0")" && pwd)
. "$H/ardour/common.sh"
B=$BUILD/rnnfx.lv2
[ -x "$RUN" ] && [ -f "$B/rnnfx.so" ] && [ -f "$B/presets/drums.ttl" ] && [ -f "$B/presets/drums.json" ] ||
	{ echo "run make first"; echo "0 passed, 1 failed"; exit 1; }
T0=$(date +%s.%N)
export PLUGIN_URI='https://rnnfx.org/plugins/rnnfx#classifier'
PRESET_LABEL=$(sed -n 's/^[[:space:]]*rdfs:label "\(.*\)" ;$/\1/p' "$B/presets/drums.ttl" | head -1)
export PRESET_LABEL
[ -n "$PRESET_LABEL" ] || { ko "the drum preset's label in $B/presets/drums.ttl"; finish; }
MODEL=$B/presets/drums.json
ROLL=8.3   # seconds recorded: the 8 s track and a margin

# 1. The drum track and its hits ("time level" per line).
sox -n -r 48000 -b 32 -e floating-point -c 1 "$W/kick.wav" synth 0.45 sine 60-40 fade q 0.001 0.45 0.4 &&
	sox -R -n -r 48000 -b 32 -e floating-point -c 1 "$W/noise.wav" synth 1.3 whitenoise vol 0.0003 ||
	{ ko "sox"; finish; }
python3 - "$W/kick.wav" "$W/noise.wav" "$W/in.f32" "$W/hits.txt" <<'PY' || { ko "the drum track"; finish; }
import array, subprocess, sys
sr = 48000
def rd(p):
    a = array.array("f")
    a.frombytes(subprocess.check_output(["sox", p, "-t", "f32", "-"]))
    return a
kick, noise = rd(sys.argv[1]), rd(sys.argv[2])
x = array.array("f", bytes(4 * 8 * sr))
hits = [0.50, 0.98, 1.51, 2.02, 2.49, 3.03, 5.00, 5.47, 6.01, 6.52, 7.04]
levels = [0.95 if k % 2 == 0 else 0.7 for k in range(len(hits))]
for t, g in zip(hits, levels):
    i = round(t * sr)
    for j, v in enumerate(kick):
        x[i + j] += g * v
i = round(3.6 * sr)
for j, v in enumerate(noise):
    x[i + j] += v
open(sys.argv[3], "wb").write(x.tobytes())
open(sys.argv[4], "w").write("".join("%.6f %.2f\n" % h for h in zip(hits, levels)))
PY
sox -t f32 -r 48000 -c 1 "$W/in.f32" -e floating-point -b 32 "$W/in.wav" || { ko "sox"; finish; }

# 2. The session.
if timeout 120 ardour7-lua "$H/ardour/classifier-session.lua" > "$W/make.log" 2>&1 < /dev/null &&
	grep -q SESSION_OK "$W/make.log"; then
	ok "session: dut with the classifier, preset '$PRESET_LABEL', MIDI track notes"; else
	tail -20 "$W/make.log"; ko "session with the classifier and a MIDI track"; finish; fi
grep -E '^(STRICT_IO|APPLIED|LAST_PRESET|DUT_OUTPUTS|CONNECTED)' "$W/make.log" | sed 's/^/  /'
if grep -qx 'APPLIED status = 1' "$W/make.log" && grep -qx 'APPLIED model_rate = 48000' "$W/make.log"; then
	ok "preset applied: status 1 (model loaded), model_rate 48000"; else
	ko "preset applied: status 1 (model loaded), model_rate 48000"; fi
python3 "$H/ardour/import_take.py" "$SESS_DIR" "$SESS_NAME" "$W/in.wav" > "$W/import.log" || { ko "import"; finish; }

# The controls the notes depend on, as the plugin has them, for the offline runner and the checks.
ctl() { sed -n "s/^APPLIED $1 = //p" "$W/make.log"; }
THR=$(ctl threshold) LEN=$(ctl note_length) GATE=$(ctl gate)
"$RUN" -q --model "$MODEL" --threshold "${THR:-0.5}" --note-length "${LEN:-50}" --gate "${GATE:--60}" \
	"$W/in.wav" "$W/ref.csv" || { ko "rnnfx-run over the drum track"; finish; }

# 3. Record (arguments: the log to write); then the notes as "sample note channel velocity length".
record() {
	ROLL_SECONDS=$ROLL timeout 120 ardour7-lua "$H/ardour/classifier-record.lua" > "$1" 2>&1 < /dev/null &&
		grep -q RECORD_OK "$1"
}
if record "$W/record.log"; then ok "session reopened, the MIDI track recorded for $ROLL s"; else
	tail -20 "$W/record.log"; ko "record the MIDI track"; finish; fi
grep -E '^(LOADED|ROUTE_LATENCY|ROLLED|REGION)' "$W/record.log" | sed 's/^/  /'
grep -qx 'LOADED status = 1' "$W/record.log" && ok "reopened: status 1 (model restored from the state)" ||
	ko "reopened: status 1 (model restored from the state)"
LAT=$(sed -n 's/^LOADED latency = //p' "$W/record.log")
sed -n 's/^NOTE //p' "$W/record.log" > "$W/notes.txt"

# 4. The checks: lines "ok ..." and "FAIL ..." are counted, others printed.
analyse() { # notes.txt
	python3 - "$W/hits.txt" "$1" "$W/ref.csv" "${LAT:-0}" "${LEN:-50}" <<'PY'
import statistics, sys
sr = 48000
hits = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
notes = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip()]
ref = [l.strip().split(",") for l in open(sys.argv[3]).readlines()[1:] if l.strip()]
lat = float(sys.argv[4]) / sr
note_ms = float(sys.argv[5])
H, N = len(hits), len(notes)
def res(good, what):
    print(("ok " if good else "FAIL ") + what)
# The kick notes are the hits; a few notes of other classes at a hit are the model's, not the
# host's: a 60 to 40 Hz sine sweep is no drum of any kit (the five-seed drum preset calls none of
# these 11 anything but a kick, its seed-1 member called 2 a tom as well; the class accuracy is
# measured on held-out kits: test_drum_preset.sh).
kicks = [n for n in notes if n[1] == 36]
others = [n for n in notes if n[1] != 36]
res(abs(len(kicks) - H) <= 1 and kicks, "%d kick notes for %d hits (at most one missed or extra)"
    % (len(kicks), H))
if not kicks:
    sys.exit(0)
# Each note against the latest true hit at or before it (plus the reported latency).
errs, used, stray = [], {}, []
for s, note, ch, vel, length in notes:
    t = s / sr - lat
    kick = note == 36
    before = [k for k, (h, g) in enumerate(hits) if h <= t + 0.002]
    k = before[-1] if before else None
    e = t - hits[k][0] if k is not None else None
    if e is None or e > 0.020:
        stray.append(s / sr)
    else:
        errs.append(e)
        used[k] = used.get(k, 0) + kick
found = len(used)
print("  note - hit (ms): %s" % " ".join("%.2f" % (1000 * e) for e in errs))
if errs:
    print("  timing: mean %.2f ms, median %.2f ms, min %.2f ms, max %.2f ms (reported latency %.0f samples)"
          % (1000 * statistics.mean(errs), 1000 * statistics.median(errs), 1000 * min(errs),
             1000 * max(errs), lat * sr))
res(not stray, "every note -2 to 20 ms from a true hit%s" %
    ("" if not stray else ": %d are not, at %s s" % (len(stray), " ".join("%.3f" % t for t in stray))))
found = sum(1 for c in used.values() if c)
res(found >= H - 1 and all(c <= 1 for c in used.values()),
    "%d of %d hits found, each by one kick note" % (found, H))
# Silence, and the noise below the gate: nothing from 0 to the first hit, from the end of the
# sixth kick (3.48 s) to the seventh hit (5.00 s), and from the end of the last kick to the end.
quiet = [(0.0, hits[0][0]), (hits[5][0] + 0.45, hits[6][0]), (hits[-1][0] + 0.45, 8.5)]
on_quiet = [s / sr for s, *_ in notes if any(a <= s / sr - lat < b for a, b in quiet)]
res(not on_quiet, "no note on silence or on the noise below the gate (%s s)" %
    ", ".join("%.2f-%.2f" % q for q in quiet))
kinds = sorted(set((note, ch + 1) for s, note, ch, vel, length in notes))
res((36, 10) in kinds and all(c == 10 for n, c in kinds) and len(others) <= 2,
    "notes: %s (General MIDI kick 36 on channel 10; %d of other classes, at most 2)" %
    (", ".join("note %d channel %d" % k for k in kinds), len(others)))
lens = [1000 * length / sr for *_, length in notes]
res(all(abs(l - note_ms) <= 1.0 for l in lens), "note lengths %.2f to %.2f ms (note_length %g ms)"
    % (min(lens), max(lens), note_ms))
# Velocity from the level: the loud hits' notes louder than the soft hits'.
loud = [v for (s, n, c, v, l) in notes for (h, g) in hits if g > 0.8 and 0 <= s / sr - lat - h <= 0.02]
soft = [v for (s, n, c, v, l) in notes for (h, g) in hits if g < 0.8 and 0 <= s / sr - lat - h <= 0.02]
# (Hits of one level vary by a few steps with the frame the hit is decided at: the means differ.)
gap = statistics.mean(loud) - statistics.mean(soft) if loud and soft else 0
res(gap >= 3, "velocity follows the level: loud hits (0.95) %s, soft hits (0.7) %s, means %.1f apart"
    % (sorted(loud), sorted(soft), gap))
# Against the offline runner over the same file.
rt = [(float(r[0]), int(r[2]), int(r[3])) for r in ref]
diffs = [(s / sr - t, abs(v - rv), n == rn) for (s, n, c, v, l), (t, rn, rv) in zip(notes, rt)]
# The network steps every 48 samples (the preset's hop) from whenever the host started the plugin,
# so each hit meets another phase of the hop than in the offline run: up to 1 ms, and a few
# velocity steps (3 in quiet runs; one CI run under load, time differences to 1.73 ms, went past 3).
same = len(rt) == N and all(abs(d) <= 0.002 and dv <= 6 and sn for d, dv, sn in diffs)
print("  offline runner: %d notes; Ardour - offline (ms): %s" % (len(rt), " ".join("%.2f" % (1000 * d) for d, _, _ in diffs)))
print("  |velocity difference|, same note: %s" % " ".join("%d%s" % (dv, "" if sn else "(other note)") for _, dv, sn in diffs))
res(same, "the notes the offline runner writes (rnnfx-run: %d), within 2 ms and 6 velocity steps" % len(rt))
PY
}
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"FAIL "*) ko "${line#FAIL }" ;;
	*) echo "$line" ;;
	esac
done < <(analyse "$W/notes.txt")

echo "  $(python3 -c "import time; print('%.1f' % (time.time() - $T0))") s"
finish
