#!/bin/sh
# Issue "nothing lost", item 17: the programs and the plugin are built hardened. Each must carry
# full RELRO (a GNU_RELRO segment and BIND_NOW: -Wl,-z,relro,-z,now), the stack protector
# (__stack_chk_fail from -fstack-protector-strong) and fortified libc calls (__*_chk from
# -D_FORTIFY_SOURCE=2). Prints "N passed, N failed"; 77 = skipped (no readelf/nm).
set -u
BUILD=${BUILD:-build}
for t in readelf nm; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing (binutils)"; exit 77; }
done
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
for f in "$BUILD/rnnfx-train" "$BUILD/rnnfx-convert" "$BUILD/rnnfx-run" "$BUILD/rnnfx-live" \
	"$BUILD/rnnfx.lv2/rnnfx.so"; do
	if [ ! -f "$f" ]; then bad "$f: missing (run make)"; continue; fi
	readelf -lW "$f" | grep -q GNU_RELRO && readelf -dW "$f" | grep -Eq 'BIND_NOW|Flags:.* NOW' &&
		ok "$f: full RELRO" || bad "$f: full RELRO (GNU_RELRO + BIND_NOW)"
	syms=$(nm -D "$f" 2>/dev/null)
	echo "$syms" | grep -q '__stack_chk_fail' && ok "$f: stack protector" || bad "$f: stack protector"
	echo "$syms" | grep -Eq '__[a-z]+_chk@' && ok "$f: fortified libc calls" || bad "$f: fortified libc calls"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
