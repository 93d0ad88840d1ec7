#!/bin/sh
# The bundle's presets (the effect's and the classifier's) and the effect's default state:
#   1. serdi strict syntax on every TTL of the bundle, presets included; lv2_validate on all of them
#      together (judged by its "Found 0 errors" line: its exit status is 0 even on errors);
#   2. every presets/*.ttl of the bundle is listed in manifest.ttl, and lv2info (lilv, through
#      LV2_PATH) lists every preset of the effect by its rdfs:label;
#   3. presethost (tests/lv2/presethost.c) applies each preset and the default state with
#      lilv_state_restore and checks the output against the dsp library bit for bit.
# Prints "N passed, N failed"; 77 = skipped.
set -u
BUILD=${BUILD:-build}
B=$BUILD/rnnfx.lv2
URI='https://rnnfx.org/plugins/rnnfx#effect'
HOST=$BUILD/tests/lv2/presethost
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
for tool in serdi lv2_validate lv2info; do
	command -v $tool >/dev/null 2>&1 || { echo "skipped: $tool missing (apt-get install -y serdi lv2-dev lilv-utils)"; exit 77; }
done
[ -f "$B/manifest.ttl" ] && [ -x "$HOST" ] || { echo "no bundle at $B or no $HOST: run make check-all"; echo "0 passed, 1 failed"; exit 1; }
psets=$(ls "$B"/presets/*.ttl 2>/dev/null)
[ -n "$psets" ] && ok "preset files in the bundle: $(echo $psets | wc -w)" || ko "preset files in the bundle"

# 1. Syntax and validation, presets included.
for f in "$B"/*.ttl $psets; do
	if serdi -q -i turtle -o ntriples "$f" >/dev/null 2>&1; then ok "syntax $f"; else ko "syntax $f"; fi
done
out=$(lv2_validate "$B"/*.ttl $psets 2>&1)
if echo "$out" | grep -q '^Found 0 errors'; then ok "lv2_validate (bundle and presets): $(echo "$out" | grep '^Found')"; else
	echo "$out" | grep -E '^(error|Found)' | head -20; ko "lv2_validate (bundle and presets)"; fi
echo "$out" | grep '^warning' | head

# 2. The manifest names every preset file, for the plugin the file says it applies to (the effect
# or the classifier); lilv lists every preset under its plugin by its label.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ln -s "$(cd "$B" && pwd)" "$tmp/rnnfx.lv2"
man=$(serdi -q -i turtle -o ntriples "$B/manifest.ttl" 2>/dev/null)   # relative URIs stay relative
presets_of() { # plugin URI -> lv2info's preset list
	LV2_PATH="$tmp:/usr/lib/lv2" lv2info "$1" 2>&1 | sed -n '/^[[:space:]]*Presets:/,/^[[:space:]]*$/p'
}
RDFS_LABEL='<http://www.w3.org/2000/01/rdf-schema#label>'
APPLIES='<http://lv2plug.in/ns/lv2core#appliesTo>'
n_effect=0
for f in $psets; do
	base=$(basename "$f")
	nt=$(serdi -q -i turtle -o ntriples "$f" 2>/dev/null)
	subj=$(echo "$nt" | awk '$2 == "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" && $3 == "<http://lv2plug.in/ns/ext/presets#Preset>" {print $1; exit}')
	target=$(echo "$nt" | awk -v s="$subj" -v p="$APPLIES" '$1 == s && $2 == p {print $3; exit}' | tr -d '<>')
	[ "$target" = "$URI" ] && n_effect=$((n_effect + 1))
	plist=$(presets_of "$target")
	if [ -n "$subj" ] && [ -n "$target" ] && echo "$man" | grep -qF "$subj <http://www.w3.org/2000/01/rdf-schema#seeAlso> <presets/$base>" &&
		echo "$man" | grep -qF "$subj $APPLIES <$target>"; then
		ok "manifest lists $base as $subj"; else ko "manifest lists $base ($subj)"; fi
	label=$(echo "$nt" | awk -v s="$subj" -v p="$RDFS_LABEL" '$1 == s && $2 == p' | sed -n 's/^[^"]*"\(.*\)"[^"]*$/\1/p' | head -1)
	if [ -n "$label" ] && echo "$man" | grep -qxF "$subj $RDFS_LABEL \"$label\" ."; then
		ok "manifest label of $base is the file's ('$label')"; else
		echo "$man" | grep -F "$subj $RDFS_LABEL"; ko "manifest label of $base is the file's ('$label')"; fi
	if [ -n "$label" ] && echo "$plist" | grep -qxF "$(printf '\t         %s' "$label")"; then
		ok "lv2info lists '$label'"; else echo "$plist"; ko "lv2info lists '$label' ($base)"; fi
done
n_listed=$(presets_of "$URI" | sed 1d | grep -c '[^[:space:]]')
if [ "$n_listed" -eq "$n_effect" ]; then ok "lv2info: $n_listed effect presets"; else
	presets_of "$URI"; ko "lv2info lists $n_listed effect presets, the bundle has $n_effect"; fi

# 3. Each effect preset and the default state applied by a lilv host: output == dsp library.
hout=$(LV2_PATH="$tmp:/usr/lib/lv2" "$HOST" 2>&1); rc=$?
echo "$hout" | sed 's/^/    /'
if [ $rc -eq 0 ] && echo "$hout" | grep -qE '^[0-9]+ passed, 0 failed'; then ok "presethost"; else ko "presethost (exit $rc)"; fi
n_host=$(echo "$hout" | grep -c '^PRESET ')
if [ "$n_host" -eq "$n_effect" ]; then ok "presethost applied $n_host effect presets"; else
	ko "presethost applied $n_host presets, the bundle has $n_effect for the effect"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
