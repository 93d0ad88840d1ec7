#!/bin/sh
# Training speed, rnnfx against Debian's PyTorch on the same configurations (batch 32 x window
# 2048) and thread counts (1 and 2), in the same run. Both figures are the best of their steps.
#   bench/compare-train.sh BENCH_TRAIN_BINARY CSV_DIR
set -u
bin=$1
dir=$2
rnnfx=$("$bin" -o "$dir/train.csv") || exit 1
echo "$rnnfx"
echo
torch=""
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	for n in 1 2; do
		torch="$torch
$(/usr/bin/python3 tests/torch_train_speed.py --threads $n --batch 32 --steps 2048)"
	done
else
	echo "(PyTorch not installed: apt-get install python3-torch for the comparison)"
fi
printf '%-6s %4s %7s %16s %16s %8s\n' cell H threads "rnnfx samples/s" "torch samples/s" ratio
echo "$rnnfx" | grep '^rnnfx ' | while read -r _ cell h _ _ th _; do
	th=${th%:}
	r=$(echo "$rnnfx" | grep "^rnnfx $cell $h .* $th:" | sed 's/.*: \([0-9]*\) samples.*/\1/')
	p=$(echo "$torch" | grep "^torch $cell $h .* $th:" | sed 's/.*: \([0-9.]*\) samples.*/\1/')
	if [ -n "$p" ]; then
		ratio=$(awk -v a="$r" -v b="$p" 'BEGIN { printf "%.1fx", a / b }')
	else
		p="-"; ratio="-"
	fi
	printf '%-6s %4s %7s %16s %16s %8s\n' "$cell" "${h#H=}" "${th#threads=}" "$r" "$p" "$ratio"
done
