#!/bin/sh
# Training speed, rnnfx against Debian's PyTorch on the same configurations in the same run.
#   bench/compare-train.sh BENCH_TRAIN_BINARY CSV_DIR
set -u
bin=$1
dir=$2
rnnfx=$("$bin" "$dir/train.csv") || exit 1
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	torch=$(/usr/bin/python3 tests/torch_train_speed.py --threads 2 --batch 32 --steps 2048)
else
	torch=""
	echo "(PyTorch not installed: apt-get install python3-torch for the comparison)"
fi
printf '%-6s %4s %16s %16s %8s\n' cell H "rnnfx samples/s" "torch samples/s" ratio
echo "$rnnfx" | while read -r _ cell h _; do
	r=$(echo "$rnnfx" | grep " $cell $h " | sed 's/.*: \([0-9]*\) samples.*/\1/')
	p=$(echo "$torch" | grep " $cell $h " | sed 's/.*: \([0-9.]*\) samples.*/\1/')
	if [ -n "$p" ]; then
		ratio=$(awk -v a="$r" -v b="$p" 'BEGIN { printf "%.1fx", a / b }')
	else
		p="-"; ratio="-"
	fi
	printf '%-6s %4s %16s %16s %8s\n' "$cell" "${h#H=}" "$r" "$p" "$ratio"
done
