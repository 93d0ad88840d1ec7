#!/bin/sh
# rnnfx-capture (docs/capture.md): the signal, the file route and live capture through PortAudio on
# a JACK dummy server with an LV2 overdrive from Debian (mda-lv2, hosted by jalv) as the "amp".
# Each verdict of the file route (another rate, clipping, silence, a wrong channel, another
# signal, clock drift) is replayed on returns made with lv2apply and sox. Prints "N passed,
# N failed"; 77 = skipped (tools missing).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if [ -z "${RFX_JACK_PRIVATE:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m true 2>/dev/null; then
	export RFX_JACK_PRIVATE=1
	exec unshare -m bash -c 'mount -t tmpfs -o size=256m tmpfs /dev/shm && exec bash "$0" "$@"' "$0" "$@"
fi
set -u
BUILD=${BUILD:-build}
CAP=$BUILD/rnnfx-capture
TRAIN=$BUILD/rnnfx-train
OD=http://drobilla.net/plugins/mda/Overdrive
for t in sox lv2apply lv2info jackd jalv jack_wait jack_lsp jack_connect python3; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing (make deps)"; exit 77; }
done
lv2info "$OD" >/dev/null 2>&1 || { echo "skipped: mda-lv2 missing (make deps)"; exit 77; }
[ -x "$CAP" ] && [ -x "$TRAIN" ] || { echo "run make first"; echo "0 passed, 1 failed"; exit 1; }
W=$(mktemp -d)
JACKD=""; PIDS=""
gone() { for i in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
cleanup() {
	exec 7>&- 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do gone "$p" || kill -9 "$p" 2>/dev/null; done
	[ -n "$JACKD" ] && { kill "$JACKD" 2>/dev/null; gone "$JACKD" || kill -9 "$JACKD" 2>/dev/null; }
	rm -rf "$W"
}
trap cleanup EXIT
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -f "$W/err" ] && sed 's/^/    /' "$W/err" | tail -5; }
T="timeout -k 2 60"
# refused NAME TEXT -- CMD...: exits 1..125 and says TEXT.
refused() {
	name=$1 text=$2; shift 3
	$T "$@" >"$W/out" 2>"$W/err"; rc=$?
	if [ $rc -ge 1 ] && [ $rc -le 125 ] && grep -q -- "$text" "$W/err"; then ok "$name"; else
		echo "    exit $rc, expected a message with '$text'"; bad "$name"; fi
}
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
# samples_match A B OFFSET: A equals B[offset of the train section + OFF ..] within 1e-5
matches() { # target.wav render.wav capture.json off
	python3 - "$@" <<'PY'
import array, json, subprocess, sys
def rd(p):
    a = array.array("f")
    a.frombytes(subprocess.check_output(["sox", p, "-t", "f32", "-", "remix", "1"], stderr=subprocess.DEVNULL))
    return a
t, r = rd(sys.argv[1]), rd(sys.argv[2])
b = json.load(open(sys.argv[3]))["signal"]["sections"]["train"]["begin"] + int(sys.argv[4])
d = max(abs(t[i] - r[b + i]) for i in range(len(t)))
print("    %d samples, max |target - offline render| %.3g" % (len(t), d))
sys.exit(0 if d < 1e-4 else 1)
PY
}

# --- the signal
$T "$CAP" --make-signal "$W/s1.wav" --minutes 1 >/dev/null && $T "$CAP" --make-signal "$W/s1b.wav" --minutes 1 >/dev/null &&
	cmp -s "$W/s1.wav" "$W/s1b.wav" && ok "--make-signal: the same bytes twice" || bad "--make-signal deterministic"
d=$(sox --i -D "$W/s1.wav" 2>/dev/null)
python3 -c "import sys; sys.exit(0 if abs(float('$d') - 60) < 0.1 else 1)" && ok "1-minute signal: $d s" || bad "signal length $d"
refused "--minutes 0.1 refused" "0.5 to 30" -- "$CAP" --make-signal "$W/x.wav" --minutes 0.1

# --- the file route: the overdrive rendered offline, 0.5 s of padding added
sox "$W/s1.wav" "$W/s1st.wav" remix 1 1 2>/dev/null
lv2apply -i "$W/s1st.wav" -o "$W/od.wav" -c drive 0.7 -c muffle 0.3 "$OD" && sox "$W/od.wav" "$W/ret.wav" remix 1 pad 0.5 2>/dev/null
if $T "$CAP" --align "$W/ret.wav" --out "$W/file" --minutes 1 >"$W/out" 2>"$W/err"; then
	lat=$(json "$W/file/capture.json" '["latency_samples"]')
	[ "$lat" -ge 24000 ] && [ "$lat" -le 24003 ] && ok "--align: latency $lat samples (0.5 s of padding + the overdrive's own)" ||
		bad "--align latency $lat, expected 24000..24003"
	matches "$W/file/target.wav" "$W/od.wav" "$W/file/capture.json" $((lat - 24000)) &&
		ok "--align: target.wav is the offline render, aligned" || bad "--align: target.wav misaligned"
	grep -q "rnnfx-train --capture $W/file " "$W/out" && ok "--align prints the training command" ||
		bad "no training command"
	ls "$W/file/val_target.wav" "$W/file/test_target.wav" >/dev/null 2>&1 && ok "validation and test pairs written" ||
		bad "pairs missing"
else
	bad "--align on a good return"
fi

# --- rnnfx-train --capture DIR: the same model as the three pairs named with --align=0; refusals
TOOL=$BUILD/tests/trainer/trn-testtool
SHORT="--arch gru --hidden 4 --epochs 1 --seed 3 --threads 1 --no-report --quiet"
F=$W/file
if $T "$TRAIN" --capture "$F" $SHORT --out "$W/cap.json" 2>"$W/err" &&
	$T "$TRAIN" --input $F/input.wav --target $F/target.wav --val-input $F/val_input.wav --val-target $F/val_target.wav \
		--test-input $F/test_input.wav --test-target $F/test_target.wav --align=0 $SHORT --out "$W/pairs.json" 2>>"$W/err" &&
	"$TOOL" same-params "$W/cap.json" "$W/pairs.json" >/dev/null 2>&1; then
	ok "rnnfx-train --capture DIR: the same parameters as its three pairs with --align=0"
else
	bad "--capture DIR vs the pairs"
fi
mkdir -p "$W/nocap" "$W/badcap" "$W/badset/a" "$W/badset/b"
refused "--capture on a folder without capture.json: refused" "neither capture.json nor knob-set.json" -- \
	"$TRAIN" --capture "$W/nocap" $SHORT --out "$W/x.json"
python3 -c "
import json, sys
c = json.load(open('$F/capture.json')); c['signal']['sections']['test']['target'] = '../../etc/passwd'
json.dump(c, open('$W/badcap/capture.json', 'w'))
c['signal']['sections']['test']['target'] = 'test_target.wav'; c['knob'] = {'name': 'drive', 'value': 1}
json.dump(c, open('$W/badset/a/capture.json', 'w')); json.dump(c, open('$W/badset/b/capture.json', 'w'))
json.dump({'format': 'rnnfx-capture-knob-set', 'version': 1, 'knob': 'drive',
           'takes': [{'value': 1, 'folder': 'a'}, {'value': 2, 'folder': 'b'}]}, open('$W/badset/knob-set.json', 'w'))"
refused "--capture: a file name that leaves the folder is refused" "not named" -- \
	"$TRAIN" --capture "$W/badcap" $SHORT --out "$W/x.json"
refused "--capture: a knob set whose take names another setting is refused" "not the take of drive=2" -- \
	"$TRAIN" --capture "$W/badset" $SHORT --out "$W/x.json"
refused "--capture given twice: refused" "one --capture per run" -- \
	"$TRAIN" --capture "$F" --capture "$F" $SHORT --out "$W/x.json"

sox "$W/ret.wav" -r 44100 "$W/r44.wav" 2>/dev/null
refused "a return at 44.1 kHz: refused" "44100 Hz" -- "$CAP" --align "$W/r44.wav" --out "$W/x" --minutes 1
sox "$W/ret.wav" -b 24 "$W/clip.wav" gain 15 2>/dev/null
refused "a clipped return: refused" "clips" -- "$CAP" --align "$W/clip.wav" --out "$W/x" --minutes 1
sox -n -r 48000 -c 1 "$W/silent.wav" trim 0 61 2>/dev/null
refused "a silent return: refused" "silent" -- "$CAP" --align "$W/silent.wav" --out "$W/x" --minutes 1
sox -n -r 48000 -c 1 "$W/noise.wav" synth 61 whitenoise vol 0.3 2>/dev/null
sox -M "$W/ret.wav" "$W/noise.wav" "$W/two.wav" 2>/dev/null
refused "the wrong channel (noise): refused" "no start chirp" -- "$CAP" --align "$W/two.wav" --channel 2 --out "$W/x" --minutes 1
$T "$CAP" --make-signal "$W/s2.wav" --minutes 2 >/dev/null
refused "a return of the 2-minute signal read as the 1-minute one: refused" "no end chirp\|does not follow" -- \
	"$CAP" --align "$W/s2.wav" --out "$W/x" --minutes 1
sox "$W/ret.wav" "$W/drift.wav" speed 1.0002 2>/dev/null
refused "a clock 200 ppm off: refused as drift" "different clocks" -- "$CAP" --align "$W/drift.wav" --out "$W/x" --minutes 1
[ ! -e "$W/x" ] && ok "no output folder after a refusal" || bad "a refused capture left $W/x"

# --- live: JACK dummy server, loopback calibration, then the overdrive in jalv
export JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER=rfxcap$$
jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 2048 >"$W/jackd.log" 2>&1 &
JACKD=$!
jack_wait -w -t 10 >/dev/null 2>&1 || { cat "$W/jackd.log"; bad "jackd"; echo "$passed passed, $failed failed"; exit 1; }
wait_port() { for i in $(seq 100); do timeout 5 jack_lsp 2>/dev/null | grep -q "^$1" && return 0; sleep 0.1; done; return 1; }
# take NAME OUT -- capture options: starts a take, connects it (loopback, or through the overdrive).
# A non-realtime dummy server on a loaded machine misses a deadline now and then, and a client that
# missed one leaves a period of stale audio: rnnfx-capture refuses such a take (the dropout lands
# in the material), so a take is tried up to 3 times. (2048-frame periods: fewer deadlines.)
take() {
	name=$1 out=$2; shift 3
	for attempt in 1 2 3; do
		$T "$CAP" --device JACK --minutes 0.5 --preroll 2 --out "$out" "$@" >"$W/out" 2>"$W/err" &
		cp=$!
		wait_port PortAudio:in_0
		if [ "$name" = loopback ]; then timeout 5 jack_connect PortAudio:out_0 PortAudio:in_0; else
			timeout 5 jack_connect PortAudio:out_0 od:left_in && timeout 5 jack_connect od:left_out PortAudio:in_0; fi
		wait $cp && return 0
		grep -q "dropout" "$W/err" || return 1
		echo "    ($name: a dropout on this loaded machine, attempt $attempt)"
	done
	return 1
}
if take loopback "$W/live" -- --calibrate; then
	il=$(json "$W/live/calibration.json" '["latency_samples"]')
	[ "$il" = 2048 ] && ok "--calibrate: loopback latency $il samples = one JACK period (the graph's feedback)" ||
		bad "--calibrate latency $il, expected 2048"
else
	bad "--calibrate"
fi
mkfifo "$W/jalv.in"
jalv -n od -c drive=0.7 -c muffle=0.3 "$OD" <"$W/jalv.in" >"$W/jalv.log" 2>&1 &
PIDS="$PIDS $!"
exec 7>"$W/jalv.in"
wait_port od:left_out || bad "jalv hosts the overdrive"
if take amp "$W/live" -- --calibration "$W/live/calibration.json"; then
	ad=$(json "$W/live/capture.json" '["amp_delay_samples"]')
	[ "$ad" -ge 0 ] && [ "$ad" -le 3 ] && ok "live capture: the amp's own delay $ad samples beyond the interface" ||
		bad "amp delay $ad"
	$T "$CAP" --make-signal "$W/s05.wav" --minutes 0.5 >/dev/null && sox "$W/s05.wav" "$W/s05st.wav" remix 1 1 2>/dev/null &&
		lv2apply -i "$W/s05st.wav" -o "$W/od05.wav" -c drive 0.7 -c muffle 0.3 "$OD"
	matches "$W/live/target.wav" "$W/od05.wav" "$W/live/capture.json" 0 &&
		ok "live capture: target.wav equals lv2apply's render of the same signal" || bad "live target differs"
	cmd=$(grep -o 'rnnfx-train .*' "$W/out" | sed "s|^rnnfx-train|$TRAIN|; s|--hidden 16 --time-budget 300|--hidden 8 --time-budget 15 --threads 2 --no-report|")
	if $T $cmd >"$W/train.out" 2>"$W/err"; then
		esr=$(sed -n 's/.*test ESR \([0-9.e-]*\).*/\1/p' "$W/err" | tail -1)
		python3 -c "import sys; sys.exit(0 if float('$esr') < 0.2 else 1)" &&
			ok "the printed command trains: GRU 8, 15 s, test ESR $esr (< 0.2)" || bad "test ESR $esr"
	else
		bad "the printed training command"
	fi
else
	bad "live capture through the overdrive"
fi

# --- a knob set: the overdrive's drive at 0.2 and 0.9, set in jalv at each prompt; the first
# setting is taken again (r at the second prompt). The stream stays open from take to take, so
# the ports are connected once.
knob_set() {
	rm -f "$W/ks.in"; mkfifo "$W/ks.in"
	timeout -k 2 500 "$CAP" --device JACK --minutes 0.5 --preroll 1 --out "$W/ks" --knob drive=0.2,0.9 \
		--calibration "$W/live/calibration.json" <"$W/ks.in" >"$W/ks.out" 2>"$W/ks.err" &
	cp=$!
	exec 8>"$W/ks.in"
	wait_port PortAudio:in_0 && timeout 5 jack_connect PortAudio:out_0 od:left_in &&
		timeout 5 jack_connect od:left_out PortAudio:in_0
	seen=0 redone=0
	while kill -0 $cp 2>/dev/null; do
		n=$(grep -c "then Enter to record" "$W/ks.err")
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			v=$(grep "then Enter to record" "$W/ks.err" | tail -n 1 | sed 's/.*set drive to \([0-9.]*\),.*/\1/')
			# (a take spoiled by a dropout on this loaded machine is asked for again: Enter again)
			if [ "$v" = 0.9 ] && [ $redone = 0 ]; then redone=1; echo r >&8
			else echo "drive = $v" >&7; sleep 0.5; echo >&8; fi
		fi
		sleep 0.2
	done
	exec 8>&-
	wait $cp
}
refused "--knob with one value: refused" "2 values or more" -- "$CAP" --device JACK --out "$W/x" --knob drive=1
refused "--knob with a value twice: refused" "given twice" -- "$CAP" --device JACK --out "$W/x" --knob drive=1,2,1
refused "--knob with a bad name: refused" "NAME=V1,V2" -- "$CAP" --device JACK --out "$W/x" --knob "dr ive=1,2"
refused "--knob on the file route: refused" "needs --device" -- "$CAP" --align "$W/ret.wav" --out "$W/x" --knob drive=1,2
if knob_set; then
	takes=$(grep -c "^rnnfx-capture: JACK.*: playing" "$W/ks.err")
	firsts=$(grep -c "take 1 of 2: set drive to 0.2" "$W/ks.err")
	[ "$firsts" -ge 2 ] && [ "$takes" -ge 3 ] && ok "knob set: r at the second prompt took drive 0.2 again ($takes takes)" ||
		bad "knob set: $takes takes, take 1 asked $firsts times"
	[ "$(json "$W/ks/knob-set.json" '["takes"][1]["folder"]')" = drive-0.9 ] &&
		[ "$(json "$W/ks/drive-0.9/capture.json" '["knob"]["value"]')" = 0.9 ] &&
		ok "knob set: knob-set.json lists the takes, each take's capture.json its setting" || bad "knob set records"
	lv2apply -i "$W/s05st.wav" -o "$W/od09.wav" -c drive 0.9 -c muffle 0.3 "$OD" &&
		lv2apply -i "$W/s05st.wav" -o "$W/od02.wav" -c drive 0.2 -c muffle 0.3 "$OD" &&
		matches "$W/ks/drive-0.9/target.wav" "$W/od09.wav" "$W/ks/drive-0.9/capture.json" 0 &&
		matches "$W/ks/drive-0.2/target.wav" "$W/od02.wav" "$W/ks/drive-0.2/capture.json" 0 &&
		ok "knob set: each take's target equals lv2apply's render at its drive" || bad "knob set targets"
	cmd=$(grep -o 'rnnfx-train .*' "$W/ks.out" | sed "s|^rnnfx-train|$TRAIN|; s|--hidden 16 --time-budget 600|--hidden 8 --time-budget 10 --threads 2 --no-report|")
	if echo "$cmd" | grep -q -- "--capture $W/ks " && $T $cmd >"$W/train.out" 2>"$W/err" &&
		"$BUILD/tests/trainer/trn-testtool" knobs "$W/ks/model.json" >"$W/knobs" &&
		grep -q "^knob drive 0.2 0.9 " "$W/knobs"; then
		ok "knob set: the printed command trains a knob model (drive 0.2..0.9)"
	else
		bad "knob set: the printed training command"; sed 's/^/    /' "$W/knobs" 2>/dev/null | head -3
	fi
else
	bad "knob set through the overdrive"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
