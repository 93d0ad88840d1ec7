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
if [ "$syms" = "in out control notify in_gain out_gain mix enabled latency status model_rate knob1 knob2 knob3 knob4 " ]; then
	ok "port symbols"; else echo "symbols: $syms"; ko "port symbols"; fi
CURI='https://rnnfx.org/plugins/rnnfx#classifier'
cinfo=$(LV2_PATH="$tmp:/usr/lib/lv2" lv2info "$CURI" 2>&1)
if echo "$cinfo" | grep -q "Binary: *file://$tmp/rnnfx.lv2/rnnfx.so"; then ok "lilv finds the classifier"; else
	echo "$cinfo" | head; ko "lilv finds the classifier"; fi
syms=$(echo "$cinfo" | sed -n 's/^[[:space:]]*Symbol:[[:space:]]*//p' | tr '\n' ' ')
# In index order: midi_out must be the first atom output (plugin/classifier.h says why: Ardour 7
# forwards atom outputs as MIDI in port order, so one before it took the notes).
if [ "$syms" = "in out control midi_out notify smoothing threshold base_note enabled class confidence status latency model_rate p0 p1 p2 p3 p4 p5 p6 p7 note_length gate " ]; then
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

# What lv2lint (not in Debian 12) asks of each plugin, from the TTL's triples: a licence, a
# maintainer with a name, a mailbox and a homepage (on the plugin or its lv2:project), a project,
# a short and a long description, a released (even) lv2:minorVersion, and units on the ports
# whose values have one.
DOAP=http://usefulinc.com/ns/doap#
FOAF=http://xmlns.com/foaf/0.1/
LV2=http://lv2plug.in/ns/lv2core#
UNITS=http://lv2plug.in/ns/extensions/units#
objects() { # subject predicate-uri: the objects, one a line
	echo "$nt" | awk -v s="$1" -v p="<$2>" '$1 == s && $2 == p {
		$1 = ""; $2 = ""; sub(/^ +/, ""); sub(/ *\.$/, ""); print }'
}
port_of() { # plugin symbol: the port's node
	for port in $(objects "$1" "${LV2}port"); do
		if [ "$(objects "$port" "${LV2}symbol")" = "\"$2\"" ]; then echo "$port"; return; fi
	done
}
for P in "<$URI>" "<$CURI>"; do
	lic=$(objects "$P" "${DOAP}license")
	case "$lic" in
	"<http://opensource.org/licenses/isc>"|"<http://opensource.org/licenses/GPL-2.0>"|"<http://usefulinc.com/doap/licenses/gpl>")
		ok "$P: doap:license $lic" ;;
	*) ko "$P: doap:license (found '$lic')" ;;
	esac
	# The licence the plugin declares is the one the sources carry.
	case "$lic" in
	*isc*) grep -q '^ISC License' LICENSE 2>/dev/null && ok "$P: LICENSE is the ISC licence it declares" ||
		ko "$P: declares ISC but LICENSE is not the ISC licence" ;;
	esac
	proj=$(objects "$P" "${LV2}project")
	if [ -n "$proj" ]; then ok "$P: lv2:project $proj"; else ko "$P: lv2:project"; fi
	who=$(objects "$P" "${DOAP}maintainer" | head -n 1)
	[ -n "$who" ] || who=$(objects "$P" "${DOAP}developer" | head -n 1)
	[ -n "$who" ] || [ -z "$proj" ] || who=$(objects "$proj" "${DOAP}maintainer" | head -n 1)
	if [ -n "$who" ]; then ok "$P: maintainer $who"; else ko "$P: doap:maintainer or author"; fi
	for f in name mbox homepage; do
		v=$([ -n "$who" ] && objects "$who" "$FOAF$f")
		case "$f:$v" in
		name:\"?*\"|mbox:\<mailto:?*\>|homepage:\<http*://?*\>) ok "$P: foaf:$f $v" ;;
		*) ko "$P: maintainer's foaf:$f (found '$v')" ;;
		esac
	done
	for pred in "${DOAP}shortdesc" "http://www.w3.org/2000/01/rdf-schema#comment"; do
		v=$(objects "$P" "$pred")
		case "$v" in \"?*) ok "$P: <$pred>" ;; *) ko "$P: <$pred> (found '$v')" ;; esac
	done
	# LV2's convention: an odd minor (or micro) version, or minor 0, is a development version.
	minor=$(objects "$P" "${LV2}minorVersion" | sed -n 's/^"\([0-9]*\)".*/\1/p')
	micro=$(objects "$P" "${LV2}microVersion" | sed -n 's/^"\([0-9]*\)".*/\1/p')
	if [ -n "$minor" ] && [ -n "$micro" ] && [ "$minor" -gt 0 ] && [ $((minor % 2)) -eq 0 ] &&
	   [ $((micro % 2)) -eq 0 ]; then
		ok "$P: lv2:minorVersion $minor, microVersion $micro (a release)"
	else
		echo "  lv2:minorVersion '$minor', microVersion '$micro': LV2 treats an odd one (or minor 0) as a"
		echo "  development version; the TTL takes them from VERSION in the top Makefile"
		ko "$P: an even, non-zero lv2:minorVersion and an even microVersion"
	fi
done
for want in "<$URI> in_gain db" "<$URI> out_gain db" "<$URI> latency frame" \
	    "<$URI> model_rate hz" "<$CURI> smoothing ms" "<$CURI> base_note midiNote" \
	    "<$CURI> latency frame" "<$CURI> model_rate hz"; do
	set -- $want
	port=$(port_of "$1" "$2")
	unit=$([ -n "$port" ] && objects "$port" "${UNITS}unit")
	if [ "$unit" = "<$UNITS$3>" ]; then ok "$1 $2: units:$3"; else ko "$1 $2: units:$3 (found '$unit')"; fi
done

# Only lv2_descriptor is exported.
exp=$(nm -D --defined-only "$B/rnnfx.so" | awk '{print $3}' | tr '\n' ' ')
if [ "$exp" = "lv2_descriptor " ]; then ok "exports"; else echo "exported: $exp"; ko "exports"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
