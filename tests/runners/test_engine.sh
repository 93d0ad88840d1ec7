#!/bin/sh
# The engine the plugins, rnnfx-live and rnnfx-run share (dsp/engine.h): channels, in place,
# classifier sums, settle and the cross-faded swap, bit for bit against the rate streams
# (see engine_check.c).
BUILD=${BUILD:-build}
T=$BUILD/tests/runners/engine_check
[ -x "$T" ] || { echo "missing $T: run 'make BUILD=$BUILD runner-helpers'"; echo "0 passed, 1 failed"; exit 1; }
exec "$T"
