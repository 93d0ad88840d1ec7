#!/bin/sh
# Where the specialised inference loops spend their time: perf samples (the cpu-clock software
# event, which works in VMs without hardware counters) inside one loop, each attributed to the
# innermost rnnfx function it was inlined from (addr2line -i), so the table reads
# "mat-vec / activations / gate arithmetic / head" rather than intrinsics' header lines.
#
#   bench/profile.sh BENCH_INFER [cell:H ...]      (make profile; needs perf and addr2line)
#
# On an out-of-order core a sample lands on the instruction waiting to retire, so a latency-bound
# loop shows its critical chain (activations), a throughput-bound one its busiest part (mat-vec).
set -eu
BIN=$1
shift
[ $# -gt 0 ] || set -- gru:8 gru:16 gru:32 gru:64 lstm:32
command -v perf >/dev/null || { echo "profile: perf not found (Debian: linux-perf)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/rnnfx-prof.XXXXXX")
trap 'rm -rf "$W"' EXIT
for spec in "$@"; do
	# the loop of the kernel the benchmark runs (fx_gru_64_avx512, or _avx2 without AVX-512)
	kernel=$("$BIN" "$spec" | awk -v c="${spec%%:*}" -v h="${spec##*:}" '$1 == c && $2 == h { print $3; exit }')
	sym=fx_$(echo "$spec" | tr : _)_$kernel
	base=$(nm "$BIN" | awk -v s="$sym" '$3 == s { print $1 }')
	[ -n "$base" ] || { echo "profile: $sym not in $BIN"; continue; }
	perf record -q -F 20000 -e cpu-clock -o "$W/perf.data" "$BIN" "$spec" >/dev/null 2>&1
	# sample offsets inside the loop -> addresses -> innermost rnnfx function
	perf script -i "$W/perf.data" -F ip,sym,symoff 2>/dev/null | awk '{ print $2 }' |
		sed -n "s/^$sym+//p" | sort | uniq -c >"$W/offs"
	: >"$W/class"
	while read -r cnt off; do
		addr=$(printf '0x%x' $((0x$base + off)))
		fn=$(addr2line -i -f -e "$BIN" "$addr" | awk 'NR % 2 == 1' |
			grep -m1 -E '^(fx_matvec2?|fx_pass2_[0-9]+|act_rational|act_exp|fx_begin|fx_end|fx_lane_[a-z]+|fx_const_load|hsum8|nonfinite_mask|fx_run2?)$' ||
			true)
		echo "$cnt ${fn:-other}" >>"$W/class"
	done <"$W/offs"
	echo "== $sym ($spec): $(awk '{ t += $1 } END { print t + 0 }' "$W/class") samples"
	awk '{ c[$2] += $1; t += $1 } END { for (k in c) if (c[k] >= t / 1000) printf "%6.1f%%  %s\n", 100 * c[k] / t, k }' \
		"$W/class" | sort -rn
done
