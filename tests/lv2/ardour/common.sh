# Shared by the Ardour 7 scripts (check-ardour.sh, check-presets-ardour.sh, check-knobs-ardour.sh):
# a private home and LV2
# path, an export that survives ardour7-export's occasional abort, the plugin's saved state, and
# the comparison of an export with the offline runner, and the pass/fail count (ok, ko, finish).
# Source it after setting BUILD; it sets W (a scratch folder removed at exit), SESS_DIR, SESS_NAME,
# PLUGIN_URI.
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
URI='https://rnnfx.org/plugins/rnnfx#effect'
for t in ardour7-lua ardour7-export sox soxi python3 serdi; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing (apt-get install -y ardour sox serdi)"; exit 77; }
done
RUN=$BUILD/rnnfx-run
W=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config XDG_CACHE_HOME=$W/home/.cache
mkdir -p "$HOME" "$W/lv2"
ln -s "$(cd "$BUILD/rnnfx.lv2" && pwd)" "$W/lv2/rnnfx.lv2"
export LV2_PATH="$W/lv2:/usr/lib/lv2" SESS_DIR=$W/sess SESS_NAME=sess PLUGIN_URI=$URI

# ardour7-export 7.3 sometimes aborts with heap corruption before it finishes: retry, and accept
# only a run that printed "* Done".
export_retry() { # out.wav log [snapshot, the session's own by default]
	for i in 1 2 3 4; do
		rm -f "$1"
		if timeout 120 ardour7-export -b 24 -o "$1" "$SESS_DIR" "${3:-$SESS_NAME}" > "$2" 2>&1 &&
			grep -q '^\* Done' "$2"; then
			[ "$i" -gt 1 ] && echo "(ardour7-export needed $i attempts)"
			return 0
		fi
	done
	tail -20 "$2"; return 1
}

# The plugin's state file the session names (the newest state folder).
state_file() {
	sdir=$(sed -n 's/.*<lv2 [^>]*state-dir="\([^"]*\)".*/\1/p' "$SESS_DIR/$SESS_NAME.ardour" | tail -1)
	echo "$(ls -d "$SESS_DIR"/plugins/*/"$sdir" | head -1)/state.ttl"
}

# Puts MODEL (an absolute path) into the plugin's saved state as rnnfx:model (Lua cannot send
# patch:Set). Ardour applied the plugin's default state on insert, so the saved state already has
# a block: it is dropped, then ours added.
state_model() { # model.json
	python3 - "$(state_file)" "$1" "$URI" <<'PY'
import sys
path, model, uri = sys.argv[1:4]
t = open(path).read()
i = t.find("\tstate:state [")
if i >= 0:
    t = t[:i].rstrip().rstrip(";").rstrip() + " ."
old = "lv2:appliesTo <%s> ." % uri
assert old in t, t
t = t.replace(old, "lv2:appliesTo <%s> ;\n\tstate:state [\n\t\t<https://rnnfx.org/plugins/rnnfx#model> <file://%s>\n\t] ." % (uri, model))
open(path, "w").write(t)
PY
}

# compare_span EXPORT REF FROM TO: the export's samples [FROM, TO) against the offline runner's
# REF (mono) through Ardour's mono panner (-3.0 dB at centre: the gain is fitted, then must be that
# law's); exit 0 when the rest matches to 1e-4 (a 24-bit export: 1.2e-7 per step; the rest is
# history that the warm-up before FROM has not quite erased).
compare_span() {
	python3 - "$@" <<'PY'
import array, subprocess, sys
def rd(p):
    a = array.array("f")
    a.frombytes(subprocess.check_output(["sox", p, "-t", "f32", "-c", "1", "-", "remix", "1"]))
    return a
x, r = rd(sys.argv[1]), rd(sys.argv[2])
s, e = int(sys.argv[3]), min(int(sys.argv[4]), len(x), len(r))
g = sum(x[i] * r[i] for i in range(s, e)) / sum(r[i] * r[i] for i in range(s, e))
d = max(abs(x[i] - g * r[i]) for i in range(s, e))
peak = max(abs(v) for v in x[s:e])
print("export %d frames (reference %d), peak %.3f, panner gain %.6f, |export - g * offline| max %.3g over [%d, %d)"
      % (len(x), len(r), peak, g, d, s, e))
sys.exit(0 if peak > 0.05 and abs(g - 10 ** (-3 / 20)) < 1e-4 and d < 1e-4 and abs(len(x) - len(r)) < 4800 else 1)
PY
}
