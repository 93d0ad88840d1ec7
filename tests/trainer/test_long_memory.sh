#!/bin/sh
# Long memory (docs/trainer.md, "Long memory"): the estimate of a target's memory on signals made in
# C (test_memory: an amp has none; compressors' memory follows their release), then the trainer on
# scripts/make_demo_data.sh's compressor (release 0.5 s): the plain command says the memory and
# lengthens the warm-up, stores memory_s, and the model it trains plays the whole held-out file
# (30 s) within a stated ESR; with --segment or --warmup given it only suggests; on an amp target
# it changes nothing. Needs sox (skipped without). About 30 s on two cores.
# (A model of the same target trained on the old 0.5 s segments can go unstable over a long file:
# test ESR 6.1 and 8.5 against 0.021 and 0.018 in the measurements of docs/trainer.md, "Long
# memory"; on this shorter file it need not, so no comparison is asserted here.)
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
sh scripts/make_demo_data.sh "$T" 120 30 >/dev/null 2>&1 || { bad "demo data" "make_demo_data.sh failed"; finish; exit 1; }
RUN="--test-input $T/di_test.wav --test-target $T/comp_test.wav --arch gru --hidden 16 --threads 2 --no-report"
EPOCHS=${RFX_LONG_MEMORY_EPOCHS:-25}
if "$TRAIN" --input "$T/di.wav" --target "$T/comp.wav" $RUN --epochs "$EPOCHS" --out "$T/auto.json" 2>"$T/auto.err" &&
	"$TRAIN" --input "$T/di.wav" --target "$T/comp.wav" $RUN --epochs 1 --segment 0.5 --warmup 1000 \
		--out "$T/short.json" 2>"$T/short.err"; then
	grep -q "the target has memory of about 0.[0-9]* s .*training with --warmup" "$T/auto.err" &&
		ok "the plain command: $(grep -o 'memory of about [0-9.]* s' "$T/auto.err"), the warm-up lengthened" ||
		bad "memory said" "$(head -n 3 "$T/auto.err")"
	grep -q "the target has memory of about .*: try --warmup" "$T/short.err" &&
		ok "with --segment/--warmup given: a suggestion instead" || bad "memory suggestion" "$(head -n 3 "$T/short.err")"
	mem=$("$TOOL" meta "$T/auto.json" memory_s)
	python3 -c "import sys; sys.exit(0 if 0.1 <= float('$mem') <= 2 else 1)" &&
		ok "metadata memory_s $mem" || bad "metadata memory_s" "$mem"
	a=$("$TOOL" meta "$T/auto.json" test_esr)
	python3 -c "import sys; sys.exit(0 if float('$a') < 0.15 else 1)" &&
		ok "compressor, GRU 16, $EPOCHS epochs: test ESR $a over the 30 s held-out file (bound 0.15)" ||
		bad "long-memory training" "test ESR $a"
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
