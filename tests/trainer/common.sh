# Shared by the rnnfx-train test scripts: paths, a scratch directory, and pass/fail counting.
# Each script prints "N passed, N failed" and exits non-zero when anything failed.
BUILD=${BUILD:-build}
TRAIN=$BUILD/rnnfx-train
TOOL=$BUILD/tests/trainer/trn-testtool
for b in "$TRAIN" "$TOOL"; do
	if [ ! -x "$b" ]; then
		echo "missing $b: run 'make BUILD=$BUILD all $TOOL' first"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1: $2"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

# Options for runs that must finish in about a second on tiny data.
QUICK="--epochs 1 --segment 0.2 --warmup 200 --window 512 --batch 4 --threads 2 --no-report"

# expect_error NAME FILE TEXT -- ARGS...: the trainer exits non-zero and prints
# "rnnfx-train: FILE: ...TEXT...".
expect_error() {
	name=$1 file=$2 text=$3
	shift 4
	if "$TRAIN" "$@" >"$TMP/out" 2>"$TMP/err"; then
		bad "$name" "exit status 0, expected an error"
	elif ! grep -F -q "rnnfx-train: $file: " "$TMP/err" || ! grep -F -q -e "$text" "$TMP/err"; then
		bad "$name" "expected 'rnnfx-train: $file: ...$text...', got: $(cat "$TMP/err")"
	else
		ok "$name"
	fi
}

# expect_success NAME TEXT -- ARGS...: exit 0 and TEXT on stderr (TEXT may be empty).
expect_success() {
	name=$1 text=$2
	shift 3
	if ! "$TRAIN" "$@" >"$TMP/out" 2>"$TMP/err"; then
		bad "$name" "failed: $(cat "$TMP/err")"
	elif [ -n "$text" ] && ! grep -F -q -e "$text" "$TMP/err"; then
		bad "$name" "expected '$text' on stderr, got: $(cat "$TMP/err")"
	else
		ok "$name"
	fi
}
