#!/bin/sh
# The unit-test programs again, built with AddressSanitizer + UndefinedBehaviorSanitizer in their own
# build tree (build-asan). Prints the plain summary line the test runner reads.
set -u
out=$(${MAKE:-make} --no-print-directory check-asan 2>&1)
rc=$?
echo "$out" | grep -v '^ok ' | grep -vE '^(cc|ar) ' | tail -n 60
line=$(echo "$out" | sed -n 's/^total: \([0-9]* passed, [0-9]* failed\).*/\1/p' | tail -n 1)
if [ -z "$line" ]; then
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$line"
exit $rc
