#!/bin/sh
# The engine the plugins, rnnfx-live and rnnfx-run share (declared in dsp/rnnfx.h): channels, in
# place, classifier sums, settle and the cross-faded swap, bit for bit against the rate streams
# (see engine_check.c). Then the public face itself: dsp/rnnfx.h stands alone (C11 and C++),
# keeps RfxModel opaque, warns on a dropped status, declares each of its functions once, and is
# the only dsp header (with the inline denormals.h) the plugin and the runners include.
BUILD=${BUILD:-build}
CC=${CC:-cc}
T=$BUILD/tests/runners/engine_check
[ -x "$T" ] || { echo "missing $T: run 'make BUILD=$BUILD runner-helpers'"; echo "0 passed, 1 failed"; exit 1; }

out=$("$T")
rc=$?
printf '%s\n' "$out" | sed '$d'
last=$(printf '%s\n' "$out" | tail -n 1)
passed=$(printf '%s\n' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
failed=$(printf '%s\n' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$passed" ] || [ -z "$failed" ]; then
	echo "FAIL engine_check: no count line (exit $rc): $last"
	passed=0
	failed=1
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "FAIL engine_check exited $rc"
	failed=1
fi

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

printf '#include "dsp/rnnfx.h"\nint main(void) { return rfx_strerror(RFX_OK) == 0; }\n' >"$tmp/alone.c"
if $CC -std=c11 -pedantic -Wall -Wextra -Werror -I. -fsyntax-only "$tmp/alone.c" 2>"$tmp/err"; then
	ok "dsp/rnnfx.h compiles alone (C11, -pedantic -Werror)"
else
	bad "dsp/rnnfx.h does not compile alone: $(head -n 3 "$tmp/err")"
fi
if command -v c++ >/dev/null 2>&1; then
	if c++ -x c++ -Wall -Wextra -Werror -I. -fsyntax-only "$tmp/alone.c" 2>"$tmp/err"; then
		ok "dsp/rnnfx.h compiles as C++"
	else
		bad "dsp/rnnfx.h does not compile as C++: $(head -n 3 "$tmp/err")"
	fi
else
	echo "skip dsp/rnnfx.h as C++: no c++ compiler"
fi

printf '#include "dsp/rnnfx.h"\nint main(void) { return (int)sizeof(RfxModel); }\n' >"$tmp/opaque.c"
if $CC -std=c11 -I. -fsyntax-only "$tmp/opaque.c" 2>/dev/null; then
	bad "RfxModel is not opaque through dsp/rnnfx.h (sizeof compiles)"
else
	ok "RfxModel is opaque through dsp/rnnfx.h"
fi

printf '#include "dsp/rnnfx.h"\nint main(void) { RfxModel *m = 0; rfx_model_load_file("x", &m, 0, 0); rfx_model_free(m); return 0; }\n' >"$tmp/drop.c"
if $CC -std=c11 -I. -Werror=unused-result -c -o "$tmp/drop.o" "$tmp/drop.c" 2>/dev/null; then
	bad "a dropped RfxStatus (rfx_model_load_file) compiles without a warning"
else
	ok "a dropped RfxStatus warns (RFX_MUST_CHECK)"
fi

# Each function declared in rnnfx.h is declared in no other dsp header.
dups=""
for f in $(grep -E '^[A-Za-z].*\<rfx_[a-z0-9_]+\(' dsp/rnnfx.h | grep -oE '\<rfx_[a-z0-9_]+\(' | tr -d '('); do
	if grep -lE "^[A-Za-z].*\\<$f\\(" dsp/*.h | grep -qv '^dsp/rnnfx\.h$'; then
		dups="$dups $f"
	fi
done
if [ -z "$dups" ]; then
	ok "each function of dsp/rnnfx.h is declared there only"
else
	bad "declared again outside dsp/rnnfx.h:$dups"
fi

others=$(grep -nE '#include "(\.\./)?dsp/' plugin/*.c plugin/*.h tools/*.c tools/*.h |
	grep -vE '"(\.\./)?dsp/(rnnfx|denormals)\.h"')
if [ -z "$others" ]; then
	ok "plugin/ and tools/ include no dsp header but rnnfx.h (and denormals.h)"
else
	bad "plugin/ or tools/ include an internal dsp header: $others"
fi

# The trainer's inference paths (validation, test, the classifier's metrics) run the models the way
# a host does: through the engine of dsp/rnnfx.h, not the stream under it.
inner=$(grep -nE '#include "(\.\./)?dsp/|rfx_stream_' trainer/evaluate.[ch] trainer/metrics.[ch] trainer/onset_metrics.[ch] |
	grep -vE '"(\.\./)?dsp/rnnfx\.h"')
if [ -z "$inner" ]; then
	ok "the trainer's evaluation runs models through dsp/rnnfx.h's engine only"
else
	bad "the trainer's evaluation reaches under the engine: $inner"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
