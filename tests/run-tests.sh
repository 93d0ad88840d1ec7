#!/bin/sh
# Runs test programs, then test scripts (after "--"), and prints one summary line for CI:
#   total: N passed, N failed
# Each program prints its own "N passed, N failed" (", N skipped" when a case cannot run on this
# machine; shown beside its line, never counted as passed); a program that crashes or exits non-zero
# without counting a failure counts as one failed.
# VALGRIND=1 runs the programs under valgrind's memcheck (scripts run as they are).
# Each test is stopped after RFX_TEST_TIMEOUT seconds (600; the sanitizer pass and valgrind get
# three times that), with everything it started: a hang is a reported failure, never a CI run
# that ends without a summary.
set -u
limit=${RFX_TEST_TIMEOUT:-600}
total_pass=0
total_fail=0
total_skip=0
logdir=${BUILD:-build}/test-logs
mkdir -p "$logdir"
phase=prog
for t in "$@"; do
	if [ "$t" = "--" ]; then phase=script; continue; fi
	name=$(basename "$t")
	log="$logdir/$name.log"
	if [ "$phase" = prog ] && [ "${VALGRIND:-0}" = 1 ]; then
		export RFX_TEST_VALGRIND=1
		set -- valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t"
	elif [ "$phase" = prog ]; then
		set -- "$t"
	else
		set -- sh "$t"
	fi
	lim=$limit
	case "$name" in sanitizers.sh) lim=$((limit * 3)) ;; esac
	[ "${VALGRIND:-0}" = 1 ] && lim=$((limit * 3))
	echo "run  $name" >"$log"
	start=$(date +%s)
	# timeout(1) puts the test in its own process group and signals the whole group.
	timeout -k 10 "$lim" "$@" >>"$log" 2>&1
	rc=$?
	end=$(date +%s)
	if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ $((end - start)) -ge "$lim" ]; }; then
		echo "timed out after ${lim}s (RFX_TEST_TIMEOUT)" >>"$log"
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	k=$(echo "$line" | sed -n 's/.*failed, \([0-9]*\) skipped.*/\1/p')
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$rc" -eq 77 ]; then f=0; fi  # 77: skipped (automake convention), reported below
	total_pass=$((total_pass + p))
	total_skip=$((total_skip + ${k:-0}))
	total_fail=$((total_fail + f))
	if [ "$rc" -eq 77 ]; then
		printf 'SKIP %-28s %s\n' "$name" "$(tail -n 1 "$log")"
	elif [ "$f" -ne 0 ]; then
		printf 'FAIL %-28s %s passed, %s failed (exit %s, %ss) — log:\n' "$name" "$p" "$f" "$rc" $((end - start))
		sed 's/^/    /' "$log" | grep -v '^    ok ' | tail -n 40
	else
		printf 'ok   %-28s %s passed%s (%ss)\n' "$name" "$p" "${k:+, $k skipped}" $((end - start))
	fi
done
if [ "$total_skip" -gt 0 ]; then
	echo "total: $total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "total: $total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
