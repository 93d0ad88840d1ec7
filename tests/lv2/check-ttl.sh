#!/bin/sh
# TTL checks of the built bundle (effect and classifier): serdi strict syntax on every generated TTL, lv2_validate on all
# of them together (judged by its "Found 0 errors" line: its exit status is 0 even on errors), and
# lilv finding the plugin through LV2_PATH. Prints "N passed, N failed"; 77 = skipped.
set -u
BUILD=${BUILD:-build}
B=$BUILD/rnnfx.lv2
URI='https://rnnfx.org/plugins/rnnfx#effect'
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
for tool in serdi lv2_validate lv2info; do
	command -v $tool >/dev/null 2>&1 || { echo "skipped: $tool missing (apt-get install -y serdi lv2-dev lilv-utils)"; exit 77; }
done
[ -f "$B/manifest.ttl" ] || { echo "no bundle at $B: run make"; echo "0 passed, 1 failed"; exit 1; }

for f in "$B"/*.ttl; do
	if serdi -q -i turtle -o ntriples "$f" >/dev/null 2>&1; then ok "syntax $f"; else ko "syntax $f"; fi
done

out=$(lv2_validate "$B"/*.ttl 2>&1)
if echo "$out" | grep -q '^Found 0 errors'; then ok "lv2_validate"; else
	echo "$out" | grep -E '^(error|Found)' | head -20; ko "lv2_validate"; fi
if echo "$out" | grep -q '^warning'; then echo "$out" | grep '^warning' | head; fi

# lilv finds both plugins through LV2_PATH (a private folder holding only this bundle).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ln -s "$(cd "$B" && pwd)" "$tmp/rnnfx.lv2"
info=$(LV2_PATH="$tmp:/usr/lib/lv2" lv2info "$URI" 2>&1)
if echo "$info" | grep -q "Binary: *file://$tmp/rnnfx.lv2/rnnfx.so"; then ok "lilv finds the bundle"; else
	echo "$info" | head; ko "lilv finds the bundle"; fi
# Port symbols are a contract: the list may grow, these never change.
syms=$(echo "$info" | sed -n 's/^[[:space:]]*Symbol:[[:space:]]*//p' | tr '\n' ' ')
if [ "$syms" = "in out control notify in_gain out_gain mix enabled latency status model_rate " ]; then
	ok "port symbols"; else echo "symbols: $syms"; ko "port symbols"; fi
CURI='https://rnnfx.org/plugins/rnnfx#classifier'
cinfo=$(LV2_PATH="$tmp:/usr/lib/lv2" lv2info "$CURI" 2>&1)
if echo "$cinfo" | grep -q "Binary: *file://$tmp/rnnfx.lv2/rnnfx.so"; then ok "lilv finds the classifier"; else
	echo "$cinfo" | head; ko "lilv finds the classifier"; fi
syms=$(echo "$cinfo" | sed -n 's/^[[:space:]]*Symbol:[[:space:]]*//p' | tr '\n' ' ')
if [ "$syms" = "in out control notify midi_out smoothing threshold base_note enabled class confidence status latency model_rate p0 p1 p2 p3 p4 p5 p6 p7 " ]; then
	ok "classifier port symbols"; else echo "symbols: $syms"; ko "classifier port symbols"; fi
# The classifier reports latency (lilv), and in the TTL's triples: writes rnnfx:model, reads
# rnnfx:labels, and has a port that supports midi:MidiEvent.
if echo "$cinfo" | grep -q 'Has latency: *yes, reported by port 12'; then ok "classifier: latency port"; else
	ko "classifier: latency port"; fi
nt=$(serdi -q -i turtle -o ntriples "$B/rnnfx.ttl" 2>/dev/null)
C="<$CURI>"
for want in "$C <http://lv2plug.in/ns/ext/patch#writable> <https://rnnfx.org/plugins/rnnfx#model>" \
	     "$C <http://lv2plug.in/ns/ext/patch#readable> <https://rnnfx.org/plugins/rnnfx#labels>" \
	     "<https://rnnfx.org/plugins/rnnfx#labels> <http://www.w3.org/2000/01/rdf-schema#range> <http://lv2plug.in/ns/ext/atom#String>"; do
	if echo "$nt" | grep -qF "$want"; then ok "triple: $want"; else ko "triple: $want"; fi
done
midi_ok=no
for port in $(echo "$nt" | awk -v c="$C" '$1 == c && $2 == "<http://lv2plug.in/ns/lv2core#port>" {print $3}'); do
	if echo "$nt" | grep -qF "$port <http://lv2plug.in/ns/ext/atom#supports> <http://lv2plug.in/ns/ext/midi#MidiEvent>"; then
		midi_ok=yes; fi
done
if [ $midi_ok = yes ]; then ok "classifier: a midi:MidiEvent output"; else ko "classifier: a midi:MidiEvent output"; fi

# Only lv2_descriptor is exported.
exp=$(nm -D --defined-only "$B/rnnfx.so" | awk '{print $3}' | tr '\n' ' ')
if [ "$exp" = "lv2_descriptor " ]; then ok "exports"; else echo "exported: $exp"; ko "exports"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
