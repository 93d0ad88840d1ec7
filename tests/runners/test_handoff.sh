#!/bin/sh
# rnnfx-live's model handoff without PortAudio: exact crossfade, classifier swap, and two threads
# reloading as fast as they can under ThreadSanitizer (see handoff_stress.c).
BUILD=${BUILD:-build}
T=$BUILD/tests/runners/handoff_stress
[ -x "$T" ] || { echo "missing $T: run 'make BUILD=$BUILD runner-helpers'"; echo "0 passed, 1 failed"; exit 1; }
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" exec "$T"
