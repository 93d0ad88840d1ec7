#!/bin/sh
# Long memory (docs/trainer.md, "Long memory"): the estimate of a target's memory on signals made in
# C (test_memory: an amp has none; compressors' memory follows their release), then the trainer on
# scripts/make_demo_data.sh's compressor (release 0.5 s, 180 s of DI, 45 s held out): the plain
# command says the memory and lengthens the warm-up, stores memory_s, and for the same number of
# optimiser steps as the old 21 ms warm-up (60 epochs of 240 steps against 30 of 468; the
# deterministic stand-in for the same budget) plays the held-out file at least three times better
# (measured 0.019 against 0.118); with --segment or --warmup given it only suggests; on an amp
# target it changes nothing. Needs sox (skipped without). About 90 s on two cores.
set -u
. "$(dirname "$0")/common.sh"
if "$BUILD/tests/trainer/test_memory" >"$TMP/mem.out" 2>&1; then
	ok "the estimate (test_memory): $(tail -n 1 "$TMP/mem.out")"
else
	bad "the estimate (test_memory)" "$(grep -E '^FAIL|:[0-9]+:' "$TMP/mem.out" | head -n 5)"
fi
sed -n 's/^    /    /p' "$TMP/mem.out"
command -v sox >/dev/null 2>&1 || { echo "skipped: sox missing"; finish; exit $?; }
T=$TMP
sh scripts/make_demo_data.sh "$T" 180 45 >/dev/null 2>&1 || { bad "demo data" "make_demo_data.sh failed"; finish; exit 1; }
RUN="--test-input $T/di_test.wav --test-target $T/comp_test.wav --arch gru --hidden 16 --threads 2 --no-report"
if "$TRAIN" --input "$T/di.wav" --target "$T/comp.wav" $RUN --epochs 60 --out "$T/auto.json" 2>"$T/auto.err" &&
	"$TRAIN" --input "$T/di.wav" --target "$T/comp.wav" $RUN --epochs 30 --segment 0.5 --warmup 1000 \
		--out "$T/short.json" 2>"$T/short.err"; then
	grep -q "the target has memory of about 0.[0-9]* s .*training with --warmup" "$T/auto.err" &&
		ok "the plain command: $(grep -o 'memory of about [0-9.]* s' "$T/auto.err"), the warm-up lengthened" ||
		bad "memory said" "$(head -n 3 "$T/auto.err")"
	grep -q "for runs of 5 minutes or more, --window 8192 may do better" "$T/auto.err" &&
		ok "a run without a short budget is told of --window 8192" ||
		bad "the --window 8192 hint" "$(head -n 3 "$T/auto.err")"
	grep -q "the target has memory of about .*: try --warmup" "$T/short.err" &&
		ok "with --segment/--warmup given: a suggestion instead" || bad "memory suggestion" "$(head -n 3 "$T/short.err")"
	mem=$("$TOOL" meta "$T/auto.json" memory_s)
	python3 -c "import sys; sys.exit(0 if 0.1 <= float('$mem') <= 2 else 1)" &&
		ok "metadata memory_s $mem" || bad "metadata memory_s" "$mem"
	a=$("$TOOL" meta "$T/auto.json" test_esr) s=$("$TOOL" meta "$T/short.json" test_esr)
	as=$("$TOOL" meta "$T/auto.json" steps) ss=$("$TOOL" meta "$T/short.json" steps)
	python3 -c "import sys; a, s = float('$a'), float('$s'); sys.exit(0 if a < s / 3 and a < 0.05 else 1)" &&
		ok "compressor, GRU 16: test ESR $a with the long warm-up ($as steps), $s with 21 ms ($ss steps)" ||
		bad "long warm-up gain" "long $a ($as steps), 21 ms $s ($ss steps)"
else
	bad "training on the compressor" "$(tail -n 3 "$T/auto.err" "$T/short.err")"
fi
# An amp target: no memory found, nothing changed.
if "$TRAIN" --input "$T/di.wav" --target "$T/amp_a.wav" $QUICK --out "$T/amp.json" 2>"$T/amp.err"; then
	! grep -q "memory" "$T/amp.err" && ! "$TOOL" meta "$T/amp.json" memory_s >/dev/null 2>&1 &&
		ok "an amp target: no memory found, the segments as given" || bad "amp memory" "$(cat "$T/amp.err")"
else
	bad "training on the amp" "$(tail -n 3 "$T/amp.err")"
fi
finish
