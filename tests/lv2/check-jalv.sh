#!/bin/sh
# The plugin in a real-time host: jalv on a JACK dummy server (no sound card, no realtime
# priority). jalv loads a state folder written the way a preset will be (rnnfx:model = a model file
# beside it), a click source feeds the plugin, jack_rec captures the plugin's output and the dry
# input in the same cycle; the capture must match the offline runner (rnnfx-run, same dsp
# code) after a warm-up (the plugin's stream had history before the capture began; a contracting
# model forgets it). Then a knob model in a second jalv: its knob port set at start and turned
# from jalv's console, each capture against rnnfx-run --knob at the same setting.
# Prints "N passed, N failed"; 77 = skipped (tools missing).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# A private /dev/shm (JACK keeps its server registry, semaphores and sockets there) when we can
# have one: other JACK servers on the machine, or stale entries they left, cannot then collide
# with ours ("Too many servers already active").
if [ -z "${RFX_JACK_PRIVATE:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m true 2>/dev/null; then
	export RFX_JACK_PRIVATE=1
	exec unshare -m bash -c 'mount -t tmpfs -o size=256m tmpfs /dev/shm && exec bash "$0" "$@"' "$0" "$@"
fi
set -u
BUILD=${BUILD:-build}
URI='https://rnnfx.org/plugins/rnnfx#effect'
for t in jackd jalv jack_metro jack_rec jack_connect jack_lsp jack_wait jack_midi_dump sox python3; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing (apt-get install -y jalv jackd2 sox)"; exit 77; }
done
RUN=$BUILD/rnnfx-run
MK=$BUILD/tests/lv2/mkmodel
[ -x "$RUN" ] && [ -x "$MK" ] && [ -f "$BUILD/rnnfx.lv2/rnnfx.so" ] || { echo "run make first"; echo "0 passed, 1 failed"; exit 1; }
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

W=$(mktemp -d)
PIDS=""   # clients; the server is JACKD
JACKD=""
# Clients first, then the server, each given 5 s before SIGKILL: jackd killed together with its
# clients waits for their deactivation (5 s each), and a wedged one must not hang the test.
gone() { for i in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
cleanup() {
	exec 7>&- 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do gone "$p" || { echo "pid $p ignored SIGTERM: SIGKILL"; kill -9 "$p" 2>/dev/null; }; done
	if [ -n "$JACKD" ]; then
		kill "$JACKD" 2>/dev/null
		gone "$JACKD" || { echo "jackd ignored SIGTERM: SIGKILL"; kill -9 "$JACKD" 2>/dev/null; }
	fi
	rm -rf "$W"
}
trap cleanup EXIT
export JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER=rfx$$
mkdir -p "$W/lv2" "$W/state"
ln -s "$(cd "$BUILD/rnnfx.lv2" && pwd)" "$W/lv2/rnnfx.lv2"
export LV2_PATH="$W/lv2:/usr/lib/lv2"

# A state folder like a preset: the model by relative path.
$MK "$W/state/model.json" gru 8 1 7 48000 || { ko "mkmodel"; echo "$pass passed, $fail failed"; exit 1; }
cat > "$W/state/manifest.ttl" <<TTL
@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<state.ttl> a pset:Preset ; lv2:appliesTo <$URI> ; rdfs:seeAlso <state.ttl> .
TTL
cat > "$W/state/state.ttl" <<TTL
@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
@prefix state: <http://lv2plug.in/ns/ext/state#> .
<> a pset:Preset ; lv2:appliesTo <$URI> ;
	state:state [ <https://rnnfx.org/plugins/rnnfx#model> <model.json> ] .
TTL

jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 > "$W/jackd.log" 2>&1 &
JACKD=$!
jack_wait -w -t 10 > /dev/null || { cat "$W/jackd.log"; ko "jackd"; echo "$pass passed, $fail failed"; exit 1; }

mkfifo "$W/jalv.in"
stdbuf -oL jalv -p -t -n dut -l "$W/state" < "$W/jalv.in" > "$W/jalv.log" 2>&1 &
JALV=$!; PIDS="$PIDS $JALV"
exec 7> "$W/jalv.in"
for i in $(seq 50); do timeout 5 jack_lsp | grep -q '^dut:out' && break; sleep 0.1; done
if timeout 5 jack_lsp | grep -q '^dut:out'; then ok "jalv hosts the plugin"; else
	cat "$W/jalv.log"; ko "jalv hosts the plugin"; echo "$pass passed, $fail failed"; exit 1; fi

jack_metro -n metro -b 300 -f 660 -A 0.3 -D 40 > "$W/metro.log" 2>&1 7>&- &
PIDS="$PIDS $!"
for i in $(seq 50); do timeout 5 jack_lsp | grep -q '^metro:' && break; sleep 0.1; done
MPORT=$(timeout 5 jack_lsp | grep '^metro:' | head -1)
timeout 5 jack_connect "$MPORT" dut:in && timeout 5 jack_connect dut:out system:playback_1
# One capture of 3 s from CLIENT (dut), compared with the offline reference (rnnfx-run over the
# captured dry input, with RUN_ARGS: the model and any --knob) after a 0.5 s warm-up. A client
# that misses a cycle on a non-realtime server leaves a period of stale output (jackd logs the
# xrun): only then is the capture taken again, at most 3 times.
CLIENT=dut
RUN_ARGS="--model $W/state/model.json"
capture_once() {
	timeout 10 jack_rec -f "$W/rec.wav" -b 24 -d 3 "$CLIENT:out" "$MPORT" > "$W/rec.log" 2>&1 7>&- 8>&-
	sox "$W/rec.wav" -e floating-point -b 32 "$W/dry.wav" remix 2
	sox "$W/rec.wav" -e floating-point -b 32 "$W/wet.wav" remix 1
	"$RUN" -q $RUN_ARGS --format float "$W/dry.wav" "$W/ref.wav" || return 1
	python3 - "$W/wet.wav" "$W/ref.wav" "$W/dry.wav" <<'PY'
import struct, sys
def f32(path):
    d = open(path, "rb").read()
    i = d.find(b"data")
    n = struct.unpack("<I", d[i + 4:i + 8])[0]
    return struct.unpack("<%df" % (n // 4), d[i + 8:i + 8 + n])
wet, ref, dry = (f32(p) for p in sys.argv[1:4])
skip = 24000
diff = max(abs(a - b) for a, b in zip(wet[skip:], ref[skip:]))
dd = max(abs(a - b) for a, b in zip(wet[skip:], dry[skip:]))
peak = max(abs(a) for a in dry)
print("capture %d samples, dry peak %.3f, |plugin - offline| max %.3g, |plugin - dry| max %.3g"
      % (len(wet), peak, diff, dd))
# 24-bit capture: 1.2e-7 per step; 1e-4 leaves room for state the warm-up has not fully erased.
sys.exit(0 if peak > 0.1 and diff < 1e-4 and dd > 1e-3 else 1)
PY
}
xruns() { grep -ci xrun "$W/jackd.log"; }
# capture NAME: capture_once, again after an xrun.
capture() {
	for attempt in 1 2 3; do
		x0=$(xruns)
		capture_once && { ok "$1"; return 0; }
		if [ "$(xruns)" = "$x0" ] || [ $attempt = 3 ]; then ko "$1"; return 1; fi
		echo "(an xrun during the capture, attempt $attempt: again)"
	done
}
capture "capture matches the offline runner"
sleep 0.3
if ! grep -q "cannot load" "$W/jalv.log"; then ok "model loaded from the state folder (no load error logged)"; else
	grep -v '^$' "$W/jalv.log" | tail -20; ko "model loaded from the state folder (no load error logged)"; fi
echo "set out_gain -6" >&7; sleep 0.3


echo "controls" >&7; sleep 0.3
if grep -q 'out_gain = -6' "$W/jalv.log"; then ok "jalv set out_gain"; else ko "jalv set out_gain"; fi
exec 7>&-
for i in $(seq 50); do kill -0 $JALV 2>/dev/null || break; sleep 0.1; done
if kill -0 $JALV 2>/dev/null; then ko "jalv exits on EOF"; else ok "jalv exits on EOF"; fi
grep -E "^(status|model_rate|latency) =" "$W/jalv.log" | tail -3

# A knob model (one knob "drive", 0 to 10) in a second jalv: knob1 at 0 plays what rnnfx-run
# --knob drive=0 plays; turned to 1 from jalv's console, what --knob drive=10 plays (after the
# 20 ms glide, inside the 0.5 s warm-up), and the two captures differ: the knob is heard.
mkdir -p "$W/kstate"
"$BUILD/tests/runners/mkmodel" "$W/kstate/model.json" --cell gru --hidden 8 --inputs 2 --seed 21 --head-scale 0.5 &&
python3 - "$W/kstate/model.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
w = m["tensors"]["weight_ih_l0"]   # [3H][2], row-major: a louder knob column, clearly heard
w["data"] = [v * (4 if i % 2 else 1) for i, v in enumerate(w["data"])]
m["metadata"] = {"name": "knob", "knobs": [{"name": "drive", "input": 1, "min": 0, "max": 10, "default": 5}]}
json.dump(m, open(sys.argv[1], "w"))
PY
cp "$W/state/manifest.ttl" "$W/state/state.ttl" "$W/kstate/"
mkfifo "$W/kjalv.in"
stdbuf -oL jalv -p -n knob -c knob1=0 -l "$W/kstate" < "$W/kjalv.in" > "$W/kjalv.log" 2>&1 &
KJALV=$!; PIDS="$PIDS $KJALV"
exec 8> "$W/kjalv.in"
for i in $(seq 50); do timeout 5 jack_lsp | grep -q '^knob:out' && break; sleep 0.1; done
timeout 5 jack_connect "$MPORT" knob:in
CLIENT=knob
RUN_ARGS="--model $W/kstate/model.json --knob drive=0"
capture "knob model: knob1 0 = rnnfx-run --knob drive=0" && cp "$W/wet.wav" "$W/wet0.wav"
echo "set knob1 1" >&8; sleep 0.5
RUN_ARGS="--model $W/kstate/model.json --knob drive=10"
capture "knob model: knob1 turned to 1 in jalv = rnnfx-run --knob drive=10" && cp "$W/wet.wav" "$W/wet1.wav"
python3 - "$W/wet0.wav" "$W/wet1.wav" <<'PY' && ok "knob model: the two settings sound different" || ko "knob model: the knob is not heard"
import struct, sys
def f32(path):
    d = open(path, "rb").read()
    i = d.find(b"data")
    n = struct.unpack("<I", d[i + 4:i + 8])[0]
    return struct.unpack("<%df" % (n // 4), d[i + 8:i + 8 + n])
a, b = f32(sys.argv[1]), f32(sys.argv[2])
ea = sum(x * x for x in a) / len(a)
eb = sum(x * x for x in b) / len(b)
print("    knob1 0: rms %.4f, knob1 1: rms %.4f" % (ea ** 0.5, eb ** 0.5))
sys.exit(0 if abs(ea - eb) > 0.05 * max(ea, eb) else 1)
PY
exec 8>&-

# The classifier plugin's onset mode (drum hits to MIDI) in jalv: an energy detector as an onset
# model (a kick on every loud onset), fed the metronome's beeps (5 a second), its MIDI output
# captured by jack_midi_dump: one note-on per beep on channel 10 with the model's note, each with
# its note-off, no second note for one beep.
mkdir -p "$W/ostate"
python3 - "$W/ostate/model.json" <<'PY'
import json, sys
t = lambda shape, data: {"shape": shape, "data": data}
json.dump({"format": "rnnfx-model", "version": 1, "cell": "rnn", "layers": 1, "inputs": 1,
           "hidden": 2, "mode": "onset", "outputs": 2, "sample_rate": 48000,
           "initial_state": ["zeros"], "labels": ["quiet", "kick"], "notes": [77, 36],
           "tensors": {"weight_ih_l0": t([2, 1], [8.0, -8.0]),
                       "weight_hh_l0": t([2, 2], [0.5, 0.0, 0.0, 0.5]),
                       "bias_ih_l0": t([2], [1.0, 1.0]), "bias_hh_l0": t([2], [0.0, 0.0]),
                       "head.weight": t([2, 2], [10.0, 10.0, -10.0, -10.0]),
                       "head.bias": t([2], [-15.0, 15.0])}}, open(sys.argv[1], "w"))
PY
CURI='https://rnnfx.org/plugins/rnnfx#classifier'
sed "s|$URI|$CURI|" "$W/state/manifest.ttl" > "$W/ostate/manifest.ttl"
sed "s|$URI|$CURI|" "$W/state/state.ttl" > "$W/ostate/state.ttl"
mkfifo "$W/ojalv.in"
stdbuf -oL jalv -n drums -l "$W/ostate" < "$W/ojalv.in" > "$W/ojalv.log" 2>&1 &
PIDS="$PIDS $!"
exec 9> "$W/ojalv.in"   # jalv exits at the end of its input: held open until the end
for i in $(seq 50); do timeout 5 jack_lsp | grep -q '^drums:midi_out' && break; sleep 0.1; done
stdbuf -oL jack_midi_dump > "$W/mididump.log" 2>&1 9>&- &
DUMP=$!; PIDS="$PIDS $DUMP"
for i in $(seq 50); do timeout 5 jack_lsp | grep -q '^midi-monitor:input' && break; sleep 0.1; done
DPORT=$(timeout 5 jack_lsp | grep '^midi-monitor:' | head -1)
# Beeps of 10 ms (the energy detector's kick probability dips inside a longer tone, and the
# detector would rightly fire again after its 30 ms gap).
jack_metro -n metro10 -b 300 -f 660 -A 0.3 -D 10 > "$W/metro10.log" 2>&1 7>&- 9>&- &
PIDS="$PIDS $!"
for i in $(seq 50); do timeout 5 jack_lsp | grep -q '^metro10:' && break; sleep 0.1; done
OPORT=$(timeout 5 jack_lsp | grep '^metro10:' | head -1)
timeout 5 jack_connect "$OPORT" drums:in && timeout 5 jack_connect drums:midi_out "$DPORT" ||
	ko "onset mode: connect the metronome and the MIDI monitor"
sleep 3
kill "$DUMP" 2>/dev/null
exec 9>&-
python3 - "$W/mididump.log" <<'PY' && ok "onset mode in jalv: a kick note (36, channel 10) per beep, each ended" || { tail -n 20 "$W/mididump.log" "$W/ojalv.log"; ko "onset mode in jalv"; }
import re, sys
ev = []
for line in open(sys.argv[1]):
    b = re.findall(r"\b([0-9a-f]{2})\b", line.split(":", 1)[-1].lower())
    if len(b) >= 3:
        ev.append(tuple(int(x, 16) for x in b[:3]))
ons = [e for e in ev if e[0] == 0x99 and e[2] > 0]
offs = [e for e in ev if e[0] == 0x89 or (e[0] == 0x99 and e[2] == 0)]
kicks = [e for e in ons if e[1] == 36]
print("    onset mode: %d note-ons (%d kicks), %d note-offs in about 3 s of beeps at 5/s"
      % (len(ons), len(kicks), len(offs)))
sys.exit(0 if 10 <= len(kicks) <= 17 and len(offs) >= len(ons) - 1 and
         all(e[0] & 0x0f == 9 for e in ons + offs) else 1)
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
