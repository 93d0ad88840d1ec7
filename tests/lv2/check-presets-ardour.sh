#!/bin/sh
# The effect's presets and its default state in Ardour 7, headless ("None (Dummy)" backend):
#   1. ardour7-lua inserts the plugin fresh on a mono track (tests/lv2/ardour/preset-session.lua):
#      Ardour applies the plugin's default state (the TTL requires state:loadDefaultState), so the
#      output controls read status 1 and model_rate 48000 right after insertion; Ardour lists
#      every preset of the bundle by its label;
#   2. the take is swapped for a test signal (import_take.py) and ardour7-export renders the
#      session as saved after insertion: it must match the default model (presets/crunch.json)
#      run by the offline runner (rnnfx-run, same dsp code);
#   3. for each preset: preset-apply.lua applies it by label (Plugin:preset_by_label,
#      Plugin:load_preset) and saves a snapshot; its export must match that preset's model.
# Exports are compared after 0.5 s (Ardour fades the first 0.1 s in; the model's state had other
# history before the export began and a trained model forgets it) and before the region's 10 ms
# fade-out, with the gain of Ardour's mono panner (-3 dB at centre) fitted and checked; the rest
# must match to 1e-4 (the export is 24-bit: 1.2e-7 per step).
# Prints "N passed, N failed"; 77 = skipped (Ardour not installed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
BUILD=${BUILD:-build}
H=$(cd "$(dirname "$0")" && pwd)
. "$H/ardour/common.sh"
B=$BUILD/rnnfx.lv2
[ -x "$RUN" ] && [ -f "$B/rnnfx.so" ] || { echo "run make first"; echo "0 passed, 1 failed"; exit 1; }

# What the bundle says: each preset's URI, label and model file; the default state's model.
MODEL_P='<https://rnnfx.org/plugins/rnnfx#model>'
: > "$W/presets.txt"
for f in "$B"/presets/*.ttl; do
	nt=$(serdi -q -i turtle -o ntriples "$f")
	# the effect's presets only (the classifier's have their own plugin)
	echo "$nt" | grep -qF '<http://lv2plug.in/ns/lv2core#appliesTo> <https://rnnfx.org/plugins/rnnfx#effect>' || continue
	subj=$(echo "$nt" | awk '$3 == "<http://lv2plug.in/ns/ext/presets#Preset>" {print $1; exit}' | tr -d '<>')
	label=$(echo "$nt" | awk -v s="<$subj>" '$1 == s && $2 == "<http://www.w3.org/2000/01/rdf-schema#label>"' |
		sed -n 's/^[^"]*"\(.*\)"[^"]*$/\1/p' | head -1)
	model=$(echo "$nt" | awk -v p="$MODEL_P" '$2 == p {print $3; exit}' | tr -d '<>')
	printf '%s|%s|%s\n' "$subj" "$label" "$B/presets/$model" >> "$W/presets.txt"
done
def=$(serdi -q -i turtle -o ntriples "$B/rnnfx.ttl" | awk -v p="$MODEL_P" '$2 == p {print $3; exit}' | tr -d '<>')
[ -n "$def" ] && [ -f "$B/$def" ] || { ko "the default state names a model file ($def)"; finish; }
[ -s "$W/presets.txt" ] || { ko "presets in the bundle"; finish; }

# A guitar-like test signal: plucked notes over a low sine, loud enough to drive the amp models.
sox -n -r 48000 -b 24 -c 1 "$W/in.wav" synth 3 pluck 82.4 pluck 196 sine 110 remix 1,2,3 \
	tremolo 4 60 vol 0.5
sox "$W/in.wav" -e floating-point -b 32 "$W/in-f.wav"
reference() { # model.json out.wav
	"$RUN" -q --model "$1" --format float "$W/in-f.wav" "$2"
}

compare() { # export.wav reference.wav: after 0.5 s, up to the region's 10 ms fade-out
	compare_span "$1" "$2" 24000 $(($(soxi -s "$1") - 480))
}

# 1. Fresh insertion: the default state is applied; the presets are listed.
if timeout 120 ardour7-lua "$H/ardour/preset-session.lua" > "$W/make.log" 2>&1 && grep -q SESSION_OK "$W/make.log"; then
	ok "session with the plugin inserted fresh"; else tail -20 "$W/make.log"; ko "session with the plugin inserted fresh"; finish; fi
grep -E '^(INSERTED|PRESET)' "$W/make.log" | sed 's/^/  /'
if grep -qx 'INSERTED status = 1' "$W/make.log" && grep -qx 'INSERTED model_rate = 48000' "$W/make.log"; then
	ok "after insertion: status 1, model_rate 48000 (Ardour applied the default state)"; else
	ko "after insertion: status 1, model_rate 48000 (Ardour applied the default state)"; fi
while IFS='|' read -r subj label model; do
	if grep -qxF "PRESET $subj|$label" "$W/make.log"; then ok "Ardour lists '$label'"; else ko "Ardour lists '$label' ($subj)"; fi
done < "$W/presets.txt"
n_ardour=$(grep -c '^PRESET ' "$W/make.log"); n_bundle=$(wc -l < "$W/presets.txt")
if [ "$n_ardour" -eq "$n_bundle" ]; then ok "Ardour lists $n_ardour presets"; else
	ko "Ardour lists $n_ardour presets, the bundle has $n_bundle"; fi

python3 "$H/ardour/import_take.py" "$SESS_DIR" "$SESS_NAME" "$W/in.wav" > "$W/import.log" || { ko "import"; finish; }

# 2. The session as saved after insertion sounds like the default model.
reference "$B/$def" "$W/ref-default.wav" || { ko "rnnfx-run $def"; finish; }
if export_retry "$W/export-default.wav" "$W/export-default.log" &&
	compare "$W/export-default.wav" "$W/ref-default.wav"; then
	ok "inserted fresh: export matches the default model ($def)"; else
	ko "inserted fresh: export matches the default model ($def)"; fi

# 3. Each preset applied by label sounds like its model.
k=0
while IFS='|' read -r subj label model; do
	k=$((k + 1))
	snap=preset$k
	if SNAPSHOT=$snap PRESET_LABEL=$label timeout 120 ardour7-lua "$H/ardour/preset-apply.lua" \
		> "$W/apply$k.log" 2>&1 < /dev/null && grep -q APPLY_OK "$W/apply$k.log"; then
		ok "'$label' applied"; else tail -20 "$W/apply$k.log"; ko "'$label' applied"; continue; fi
	grep -E '^(APPLIED|LAST_PRESET)' "$W/apply$k.log" | sed 's/^/  /'
	if grep -qx 'APPLIED status = 1' "$W/apply$k.log" && grep -qx 'APPLIED model_rate = 48000' "$W/apply$k.log" &&
		grep -qxF "LAST_PRESET $subj|$label" "$W/apply$k.log"; then
		ok "'$label': status 1, model_rate 48000, Ardour's last preset"; else
		ko "'$label': status 1, model_rate 48000, Ardour's last preset"; fi
	reference "$model" "$W/ref$k.wav" < /dev/null || { ko "rnnfx-run $model"; continue; }
	if export_retry "$W/export$k.wav" "$W/export$k.log" "$snap" < /dev/null &&
		compare "$W/export$k.wav" "$W/ref$k.wav"; then
		ok "'$label': export matches its model ($(basename "$model"))"; else
		ko "'$label': export matches its model ($(basename "$model"))"; fi
done < "$W/presets.txt"
# The comparison tells models apart: the last preset's export against the first one's model.
if [ "$k" -ge 2 ] && [ -f "$W/export$k.wav" ] && [ -f "$W/ref1.wav" ]; then
	if compare "$W/export$k.wav" "$W/ref1.wav"; then ko "preset $k's export does not match preset 1's model"; else
		ok "preset $k's export does not match preset 1's model"; fi
fi
finish
