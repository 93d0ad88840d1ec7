#!/bin/sh
# A hostile user's files and paths, replayed against the programs (issue: nothing lost, nothing
# hangs). Each case was reproduced on the code before io/files.c: a planted symlink followed, a
# device node replaced, an input overwritten by an output, a FIFO that blocks forever, a size that
# wraps, a labels file read after free. Every program run is under `timeout`, so a hang fails the
# case instead of the suite. Run from the repo root with BUILD set (make check does).
set -u
BUILD=${BUILD:-build}
RUN=$BUILD/rnnfx-run
CONVERT=$BUILD/rnnfx-convert
TRAIN=$BUILD/rnnfx-train
H=$BUILD/tests/runners
for p in "$RUN" "$CONVERT" "$TRAIN" "$H/mkmodel" "$H/mkaudio"; do
	[ -x "$p" ] || { echo "missing $p: run 'make BUILD=$BUILD all runner-helpers'"; echo "0 passed, 1 failed"; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/rnnfx-hostile.XXXXXX")
trap 'rm -rf "$W"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -f "$W/err" ] && sed 's/^/    /' "$W/err"; }
T="timeout -k 2 20"
# refused NAME TEXT -- CMD...: the command exits 1..125 (not a timeout, not a crash) and says TEXT.
refused() {
	name=$1 text=$2
	shift 3
	$T "$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ $rc -ge 1 ] && [ $rc -le 125 ] && grep -q -- "$text" "$W/err"; then ok "$name"; else
		echo "    exit $rc, expected a message with '$text'"; bad "$name"; fi
}
same() { cmp -s "$1" "$2"; }

"$H/mkmodel" "$W/m.json" --cell gru --hidden 8 --seed 3
"$H/mkmodel" "$W/cls.json" --cell gru --hidden 8 --classes 3 --seed 7
"$H/mkaudio" "$W/in.wav" --seconds 2 --seed 1
"$H/mkaudio" "$W/tg.wav" --seconds 2 --seed 2
cp "$W/m.json" "$W/m.keep"; cp "$W/in.wav" "$W/in.keep"; cp "$W/tg.wav" "$W/tg.keep"
echo "the user's own file" >"$W/victim.txt"; cp "$W/victim.txt" "$W/victim.keep"

# 1. Temporary files never follow a planted symlink, and a symlink or device is never replaced.
#    (The old writers used OUT.tmp-PID: `exec` keeps the PID, so the link is at that exact name.)
sh -c 'ln -sf victim.txt "$1/t.json.tmp-$$"; exec "$2" "$1/m.json" "$1/t.json"' sh "$W" "$CONVERT" \
	>"$W/out" 2>"$W/err"
if same "$W/victim.txt" "$W/victim.keep" && [ -f "$W/t.json" ] && [ ! -L "$W/t.json" ]; then
	ok "rnnfx-convert: a symlink at the old temporary name is not followed"; else
	bad "rnnfx-convert: a symlink at the old temporary name is not followed"; fi
sh -c 'ln -sf victim.txt "$1/o.wav.tmp-$$"; exec "$2" -q --model "$1/m.json" "$1/in.wav" "$1/o.wav"' \
	sh "$W" "$RUN" >"$W/out" 2>"$W/err"
if same "$W/victim.txt" "$W/victim.keep" && [ -f "$W/o.wav" ]; then
	ok "rnnfx-run: a symlink at the old temporary name is not followed"; else
	bad "rnnfx-run: a symlink at the old temporary name is not followed"; fi
ln -s victim.txt "$W/link.json"
refused "rnnfx-convert: an output that is a symlink is refused" "symbolic link" -- \
	"$CONVERT" "$W/m.json" "$W/link.json"
same "$W/victim.txt" "$W/victim.keep" && [ -L "$W/link.json" ] && ok "... and the link and its target are intact" ||
	bad "... and the link and its target are intact"
refused "rnnfx-run: /dev/null as the output is refused, not replaced" "is a device" -- \
	"$RUN" -q --model "$W/m.json" "$W/in.wav" /dev/null
[ -c /dev/null ] && ok "... /dev/null is still a device" || bad "... /dev/null is still a device"
mkfifo "$W/out.fifo"
refused "rnnfx-run: a FIFO as the output is refused (no block, no replace)" "FIFO" -- \
	"$RUN" -q --model "$W/m.json" "$W/in.wav" "$W/out.fifo"
[ -p "$W/out.fifo" ] && ok "... and is still a FIFO" || bad "... and is still a FIFO"
refused "the trainer: a folder as the model output is refused" "folder" -- \
	"$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 1 --out "$W"

# 2. An output that is an input (by device and inode, whatever the name) is refused.
refused "rnnfx-run: OUT = the model" "also an input" -- "$RUN" -q --model "$W/m.json" "$W/in.wav" "$W/m.json"
refused "rnnfx-run: OUT = IN" "also an input" -- "$RUN" -q --model "$W/m.json" "$W/in.wav" "$W/in.wav"
ln "$W/in.wav" "$W/hardlink.wav"
refused "rnnfx-run: OUT = a hard link to IN" "also an input" -- \
	"$RUN" -q --model "$W/m.json" "$W/in.wav" "$W/hardlink.wav"
refused "rnnfx-run: OUT = ./IN by another path" "also an input" -- \
	"$RUN" -q --model "$W/m.json" "$W/in.wav" "$W/./in.wav"
refused "rnnfx-convert: OUT = IN" "also an input" -- "$CONVERT" "$W/m.json" "$W/m.json"
refused "the trainer: --out = the training input" "also an input" -- \
	"$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 1 --out "$W/in.wav"
refused "the trainer: --report = the target" "also an input" -- \
	"$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 1 --out "$W/a.json" --report "$W/tg.wav"
refused "the trainer: --checkpoint = the input" "also an input" -- \
	"$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 1 --out "$W/a.json" --checkpoint "$W/in.wav"
if same "$W/m.json" "$W/m.keep" && same "$W/in.wav" "$W/in.keep" && same "$W/tg.wav" "$W/tg.keep"; then
	ok "every input is byte for byte what it was"; else bad "every input is byte for byte what it was"; fi
refused "the trainer: a missing output folder is found before training" "nodir" -- \
	"$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 50 --out "$W/nodir/a.json"
grep -q -i "epoch" "$W/err" "$W/out" && bad "... and no epoch ran" || ok "... and no epoch ran"

# 3. and 11. Sizes and numbers from the command line are range-checked.
refused "rnnfx-run --block 2^62 (wrapped to 0 and overflowed the heap)" "--block" -- \
	"$RUN" -q --block 4611686018427387904 --model "$W/m.json" "$W/in.wav" "$W/b.wav"
refused "rnnfx-run --cond 4294967297=0.5 (was taken as input 1)" "--cond" -- \
	"$RUN" -q --cond 4294967297=0.5 --model "$W/m.json" "$W/in.wav" "$W/b.wav"
refused "rnnfx-run --hop 1e300 (gave a CSV row per sample)" "--hop" -- \
	"$RUN" -q --hop 1e300 --model "$W/cls.json" "$W/in.wav" "$W/b.csv"

# 4. A labels CSV with more than 16 labels: an error naming the line (ASan: use after free).
awk 'BEGIN { for (i = 0; i < 18; i++) printf "in.wav,%.2f,%.2f,class%d\n", i * 0.1, i * 0.1 + 0.1, i }' \
	>"$W/labels.csv"
refused "the trainer: a 17th label is named at its line" "labels.csv:17" -- \
	"$TRAIN" --task classify --labels "$W/labels.csv" --epochs 1 --out "$W/c.json"

# 5. A FIFO where a file is read: refused at once, never a hang.
mkfifo "$W/model.fifo" "$W/audio.fifo"
refused "rnnfx-run: a FIFO as the model" "FIFO" -- "$RUN" -q --model "$W/model.fifo" "$W/in.wav" "$W/f.wav"
refused "rnnfx-run: a FIFO as the input audio" "FIFO" -- "$RUN" -q --model "$W/m.json" "$W/audio.fifo" "$W/f.wav"
refused "rnnfx-convert: a FIFO as the model" "FIFO" -- "$CONVERT" "$W/model.fifo" "$W/f.json"
refused "the trainer: a FIFO as the input" "FIFO" -- \
	"$TRAIN" --input "$W/audio.fifo" --target "$W/tg.wav" --epochs 1 --out "$W/f.json"
refused "the trainer: a FIFO as --resume" "FIFO" -- \
	"$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 1 --out "$W/f.json" --resume "$W/model.fifo"
refused "rnnfx-run: a device as the model" "device" -- "$RUN" -q --model /dev/zero "$W/in.wav" "$W/f.wav"

# 16. A WAV shorter than its header says: rnnfx-run warns with the length, the trainer refuses.
sox -n -r 48000 -b 16 -c 1 "$W/long.wav" synth 2 sine 440 2>/dev/null
head -c 2000 "$W/long.wav" >"$W/short.wav"
$T "$RUN" -q --model "$W/m.json" "$W/short.wav" "$W/s.wav" >"$W/out" 2>"$W/err"
grep -q "shorter than its header" "$W/err" && ok "rnnfx-run: a truncated WAV is named as such" ||
	bad "rnnfx-run: a truncated WAV is named as such"
refused "the trainer: a truncated WAV is refused" "truncated" -- \
	"$TRAIN" --input "$W/short.wav" --target "$W/short.wav" --epochs 1 --out "$W/s.json"

# 12. A model name that is not UTF-8 (a Latin-1 file name) still gives a preset bundle that is Turtle.
lat=$(printf 'caf\351')
$T "$TRAIN" --input "$W/in.wav" --target "$W/tg.wav" --epochs 1 --segment 0.2 --warmup 200 --window 512 \
	--batch 4 --no-report --out "$W/$lat.json" --lv2-preset "$W/$lat.lv2" >"$W/out" 2>"$W/err"
if iconv -f UTF-8 -t UTF-8 "$W/$lat.lv2/manifest.ttl" >/dev/null 2>&1 &&
	serdi -i turtle "$W/$lat.lv2/manifest.ttl" >/dev/null 2>&1 &&
	serdi -i turtle "$W/$lat.lv2/preset.ttl" >/dev/null 2>&1; then
	ok "--lv2-preset with a non-UTF-8 name: valid UTF-8 Turtle"; else
	bad "--lv2-preset with a non-UTF-8 name: valid UTF-8 Turtle"; fi

# Item 13: an output folder the trainer cannot write is refused before the first epoch, with the
# system's reason. As a user: a folder without write permission (as root, the trainer runs as
# nobody for this); as root: also a read-only bind mount (EROFS holds for root too).
mkdir -p "$W/ro" && chmod 555 "$W/ro" && chmod o+rx "$W"
TRARGS="--input $W/in.wav --target $W/tg.wav --epochs 50 --hidden 8"
if [ "$(id -u)" != 0 ]; then
	refused "read-only output folder (no write permission): refused before training" "Permission denied" -- \
		"$TRAIN" $TRARGS --out "$W/ro/m.json"
elif command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$TRAIN"; then
	refused "read-only output folder (no write permission, as nobody): refused before training" \
		"Permission denied" -- setpriv --reuid=65534 --regid=65534 --clear-groups "$TRAIN" $TRARGS --out "$W/ro/m.json"
else
	echo "     (no unprivileged run: $TRAIN not reachable as nobody)"
fi
grep -q "epoch" "$W/err" && bad "the refusal came after training started"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$W/rom"
	refused "read-only file system as output folder (root): refused before training" "Read-only file system" -- \
		unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"' \
		sh "$W/rom" "$TRAIN" $TRARGS --out "$W/rom/m.json"
	grep -q "epoch" "$W/err" && bad "the refusal came after training started"
fi
chmod 755 "$W/ro"

ls -A "$W" | grep -q '^\..*\.tmp-' && bad "no temporary file is left behind" || ok "no temporary file is left behind"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
