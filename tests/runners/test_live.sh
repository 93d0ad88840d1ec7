#!/bin/sh
# rnnfx-live through a private JACK dummy server (no sound card, no realtime priority needed):
# jack_metro feeds rnnfx-live's input, jack_rec records its output together with the metronome,
# and the model run offline over the recorded input must match the recorded output.
#
# Tolerance 1e-5 after a 0.5 s warm-up: the live stream started before the recording did, so the
# offline reference starts from a different (zero) state; a stable random model forgets that
# within a few hundred milliseconds, after which both run the same code on the same samples.
# What is left is jack_rec's 32-bit integer recording of the input (steps of 2^-31). In practice
# the error is 0. The lag (PortAudio's JACK back-end adds one period) is found by search.
set -u
BUILD=${BUILD:-build}
LIVE=$BUILD/rnnfx-live
H=$BUILD/tests/runners
for p in jackd jack_wait jack_metro jack_rec jack_connect jack_lsp; do
	command -v $p >/dev/null 2>&1 || { echo "skipped: $p not found (apt-get install jackd2)"; exit 77; }
done
for p in "$LIVE" "$H/mkmodel" "$H/rcheck"; do
	[ -x "$p" ] || { echo "missing $p"; echo "0 passed, 1 failed"; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/rnnfx-live.XXXXXX")
export JACK_NO_AUDIO_RESERVATION=1
export JACK_DEFAULT_SERVER=rnnfx$$
PIDS=""     # clients this script started; the server is JACKD
JACKD=""
# Clients first, then the server: a JACK client whose server is gone can hang in its SIGTERM
# handler, so every process gets SIGKILL if it outlives a grace period, and there is no bare
# `wait` that could block on one.
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do gone "$p" || kill -9 "$p" 2>/dev/null; done
	if [ -n "$JACKD" ]; then
		kill "$JACKD" 2>/dev/null
		gone "$JACKD" || kill -9 "$JACKD" 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@" >"$W/log" 2>&1; then ok "$name: $(tail -n 1 "$W/log")"; else bad "$name"; sed 's/^/    /' "$W/log"; fi; }
wait_port() { for i in $(seq 100); do jack_lsp 2>/dev/null | grep -q "^$1" && return 0; sleep 0.1; done; return 1; }
gone() { for i in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }

jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 >"$W/jackd.log" 2>&1 &
JACKD=$!
if ! jack_wait -w -t 10 >/dev/null 2>&1; then
	echo "skipped: jackd (dummy driver) cannot start here: $(tail -n 1 "$W/jackd.log")"
	exit 77
fi
jack_metro -n metro -b 240 -f 880 -A 0.25 -D 50 >"$W/metro.log" 2>&1 &
PIDS="$PIDS $!"
wait_port metro: || { echo "jack_metro did not start"; echo "0 passed, 1 failed"; exit 1; }
MPORT=$(jack_lsp | grep '^metro:' | head -n 1)

"$H/mkmodel" "$W/A.json" --cell gru --hidden 8 --seed 11 --head-scale 0.2
"$H/mkmodel" "$W/B.json" --cell lstm --hidden 8 --seed 12 --head-scale 0.2
"$H/mkmodel" "$W/C.json" --cell gru --hidden 8 --classes 3 --seed 13
cp "$W/A.json" "$W/cur.json"

timeout 20 "$LIVE" --list-devices >"$W/list.log" 2>&1
grep -q 'JACK.*in  *[1-9].*out  *[1-9]' "$W/list.log" && ok "--list-devices shows the JACK device" ||
	{ bad "--list-devices"; cat "$W/list.log"; }

# 1. Run model A, record 4 s, switch to model B with SIGHUP halfway, stop with SIGINT.
"$LIVE" --model "$W/cur.json" --device JACK --frames 256 >"$W/live.out" 2>"$W/live.err" &
LP=$!
PIDS="$PIDS $LP"
if wait_port PortAudio:in_0 && jack_connect "$MPORT" PortAudio:in_0; then
	timeout 15 jack_rec -f "$W/rec.wav" -d 4 -b 32 PortAudio:out_0 "$MPORT" >"$W/rec.log" 2>&1 &
	RP=$!
	sleep 2
	cp "$W/B.json" "$W/cur.tmp" && mv "$W/cur.tmp" "$W/cur.json"
	kill -HUP $LP
	wait $RP
	sleep 1.2   # one more status line after the swap
	kill -0 $LP 2>/dev/null && ok "alive after SIGHUP" || bad "rnnfx-live died after SIGHUP"
	kill -INT $LP
	gone $LP && wait $LP
	rc=$?
	[ $rc = 0 ] && ok "SIGINT stops cleanly (exit 0)" || bad "SIGINT: exit $rc"
	check "model A before the reload" "$H/rcheck" live "$W/A.json" "$W/rec.wav" 0 1 0.5 1.5 1e-5
	check "model B after the reload" "$H/rcheck" live "$W/B.json" "$W/rec.wav" 0 1 2.8 3.9 1e-5
	python3 - "$W/rec.wav" >"$W/log" 2>&1 <<'PY' && ok "recording bounded through the crossfade: $(cat "$W/log")" || { bad "recording"; cat "$W/log"; }
import struct, sys
# jack_rec writes WAVE_FORMAT_EXTENSIBLE, which the wave module refuses: read the data chunk.
b = open(sys.argv[1], "rb").read()
i = b.index(b"data") + 8
n = (len(b) - i) // 4
x = struct.unpack("<%di" % n, b[i:i + 4 * n])[0::2]
peak = max(abs(v) for v in x) / 2.0 ** 31
print("output peak %.4f over %d frames" % (peak, len(x)))
sys.exit(0 if 0.001 < peak < 0.9 else 1)
PY
	grep -q 'reloaded' "$W/live.err" && tail -n 1 "$W/live.out" | grep -q 'reloads 1$' &&
		tail -n 1 "$W/live.out" | grep -q 'non-finite 0 ' &&
		ok "status: $(tail -n 1 "$W/live.out")" || { bad "status lines"; cat "$W/live.out" "$W/live.err"; }
else
	bad "rnnfx-live did not appear in JACK"; cat "$W/live.err"
	kill $LP 2>/dev/null
fi
gone $LP || kill -9 $LP 2>/dev/null

# 2. --watch: a new file reloads; a broken file is refused and the old model keeps running.
cp "$W/A.json" "$W/cur.json"
"$LIVE" --model "$W/cur.json" --device JACK --watch >"$W/watch.out" 2>"$W/watch.err" &
LP=$!
PIDS="$PIDS $LP"
wait_port PortAudio:out_0
sleep 0.5
cp "$W/B.json" "$W/cur.tmp" && mv "$W/cur.tmp" "$W/cur.json"
sleep 1.5
printf '{"format": "rnnfx-model", ' >"$W/cur.tmp" && mv "$W/cur.tmp" "$W/cur.json"
sleep 1.5
kill -0 $LP 2>/dev/null && ok "--watch: alive after a broken model file" || bad "--watch: died"
kill -INT $LP
gone $LP && wait $LP
rc=$?
grep -q 'reloaded' "$W/watch.err" && grep -q 'reload failed; still running' "$W/watch.err" && [ $rc = 0 ] &&
	ok "--watch: reloaded once, refused the broken file, exit 0" || { bad "--watch (exit $rc)"; cat "$W/watch.err"; }

# 2b. --watch when the model is replaced by a FIFO: refused without opening it for reading (that
# would block until a writer came), the old model keeps running, and --seconds still ends the run.
cp "$W/A.json" "$W/fifo.json"
timeout 20 "$LIVE" --model "$W/fifo.json" --device JACK --watch --seconds 3 >"$W/fifo.out" 2>"$W/fifo.err" &
LP=$!
PIDS="$PIDS $LP"
wait_port PortAudio:out_0
sleep 0.5
rm -f "$W/fifo.json" && mkfifo "$W/fifo.json"
wait $LP
rc=$?
grep -q 'reload failed; still running' "$W/fifo.err" && grep -qi 'not a regular file' "$W/fifo.err" && [ $rc = 0 ] &&
	ok "--watch: a FIFO in place of the model is refused, --seconds ends the run (exit 0)" ||
	{ bad "--watch with a FIFO (exit $rc)"; cat "$W/fifo.err"; }

# 3. A classifier shows its class and confidence once a second.
timeout 20 "$LIVE" --model "$W/C.json" --device JACK --seconds 2.5 >"$W/cls.out" 2>"$W/cls.err"
rc=$?
[ $rc = 0 ] && grep -q "class [0-2] '.*' [01]\.[0-9][0-9]" "$W/cls.out" && ok "classifier: $(tail -n 1 "$W/cls.out")" ||
	{ bad "classifier status (exit $rc)"; cat "$W/cls.out" "$W/cls.err"; }

# 3b. A model trained at 44.1 kHz on the 48 kHz server: resampled around, said so, runs clean.
"$H/mkmodel" "$W/D44.json" --cell gru --hidden 8 --seed 14 --head-scale 0.2 --rate 44100
timeout 20 "$LIVE" --model "$W/D44.json" --device JACK --rate 48000 --seconds 2.5 >"$W/rs.out" 2>"$W/rs.err"
rc=$?
[ $rc = 0 ] && grep -q 'trained at 44100 Hz: resampling around it at 48000 Hz' "$W/rs.err" &&
	tail -n 1 "$W/rs.out" | grep -q 'non-finite 0 ' && ok "44.1 kHz model at 48 kHz: resampled" ||
	{ bad "44.1 kHz model at 48 kHz (exit $rc)"; cat "$W/rs.out" "$W/rs.err"; }

# 3c. A knob model (one conditioning input, the trainer's "knobs" metadata): --knob by name runs,
# no --knob runs at the default (no --cond needed), an unknown name is refused with the knobs.
"$H/mkmodel" "$W/K.json" --cell gru --hidden 8 --seed 15 --inputs 2 --head-scale 0.2
python3 - "$W/K.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["metadata"] = {"name": "knob", "knobs": [{"name": "drive", "input": 1, "min": 0, "max": 10, "default": 5}]}
json.dump(m, open(sys.argv[1], "w"))
PY
timeout 20 "$LIVE" --model "$W/K.json" --device JACK --knob drive=7.5 --seconds 1.5 >"$W/k.out" 2>"$W/k.err" &&
	tail -n 1 "$W/k.out" | grep -q 'non-finite 0 ' &&
	timeout 20 "$LIVE" --model "$W/K.json" --device JACK --seconds 1.5 >/dev/null 2>>"$W/k.err" &&
	ok "knob model: --knob drive=7.5 and the default both run" || { bad "knob model"; cat "$W/k.out" "$W/k.err"; }
timeout 20 "$LIVE" --model "$W/K.json" --device JACK --knob tone=1 --seconds 1 >/dev/null 2>"$W/err.log"
rc=$?
[ $rc != 0 ] && grep -q "no knob named 'tone' (drive)" "$W/err.log" && ok "knob model: an unknown knob is refused (exit $rc)" ||
	{ bad "unknown knob (exit $rc)"; cat "$W/err.log"; }

# 3d. Knobs turned while it runs: lines on stdin. By name in the knob's units (clamped past the
# range), by input index, and lines it cannot use are named; it keeps running through them all.
# (The glide itself is measured in handoff_stress.c: "knob glide".)
printf 'drive=2.5\ndrive=20\n1=0.25\ntone=3\nnonsense\n' |
	timeout 20 "$LIVE" --model "$W/K.json" --device JACK --seconds 1.5 >"$W/k.out" 2>"$W/k.err"
rc=$?
[ $rc = 0 ] && grep -q 'drive = 2.5 (input 1 = -0.5)' "$W/k.err" &&
	grep -q 'drive = 20, clamped to the trained range (input 1 = 1)' "$W/k.err" &&
	grep -q 'input 1 = 0.25' "$W/k.err" && grep -q "no knob named 'tone'" "$W/k.err" &&
	grep -q "'nonsense': expected NAME=VALUE" "$W/k.err" && tail -n 1 "$W/k.out" | grep -q 'non-finite 0 ' &&
	ok "knob model: knobs turned on stdin while it runs (by name, clamped, by index; bad lines named)" ||
	{ bad "knobs on stdin (exit $rc)"; cat "$W/k.out" "$W/k.err"; }

# 4. Devices that cannot be opened: named, with PortAudio's reason, and a non-zero exit.
timeout 20 "$LIVE" --model "$W/A.json" --device nosuchcard --seconds 1 >/dev/null 2>"$W/err.log"
rc=$?
[ $rc != 0 ] && grep -q 'nosuchcard: no device name contains this' "$W/err.log" && ok "unknown device: exit $rc" ||
	{ bad "unknown device (exit $rc)"; cat "$W/err.log"; }
timeout 20 "$LIVE" --model "$W/A.json" --device JACK --rate 12345 --seconds 1 >/dev/null 2>"$W/err.log"
rc=$?
[ $rc != 0 ] && grep -q "cannot open device 0 'JACK.*12345 Hz.*: " "$W/err.log" && ok "unusable rate: $(grep cannot "$W/err.log")" ||
	{ bad "unusable rate (exit $rc)"; cat "$W/err.log"; }
timeout 20 "$LIVE" --model "$W/none.json" --device JACK >/dev/null 2>"$W/err.log"
rc=$?
[ $rc != 0 ] && grep -q "rnnfx-live: $W/none.json: " "$W/err.log" && ok "missing model: exit $rc" || { bad "missing model"; cat "$W/err.log"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
