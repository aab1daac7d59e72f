#!/bin/sh
# SPDX-License-Identifier: MIT
#
# memsim sweep's throughput: a 1,000-run sweep of the demo (200 seeds x 5
# policies) with --jobs 1 and --jobs 2, against its baseline measured in
# the same run: the same 1,000 runs as separate `memsim run` processes
# from a shell loop. Each figure is the median of 3 tries; runs per
# second and the ratio to the loop. (--no-baseline: `memsim run` makes no
# run without the attackers either.)
#
#   bench/sweep.sh MEMSIM SCENARIO
set -eu

memsim=$1
scenario=$2
policies="unlimited count bytes process pool"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
# median of three: time_of CMD...
median3() {
	for i in 1 2 3; do
		t0=$(now)
		"$@"
		t1=$(now)
		calc "$t1 - $t0"; echo
	done | sort -n | sed -n 2p
}

loop() {
	for s in $(seq 1 200); do
		for p in $policies; do
			"$memsim" run "$scenario" --seed "$s" --policy "$p" --quiet
		done
	done
}
sweep1() {
	"$memsim" sweep "$scenario" --seeds 1..200 --no-baseline --no-host \
		--jobs 1 --out "$tmp/j1.jsonl"
}
sweep2() {
	"$memsim" sweep "$scenario" --seeds 1..200 --no-baseline --no-host \
		--jobs 2 --out "$tmp/j2.jsonl"
}
sweep2b() {
	"$memsim" sweep "$scenario" --seeds 1..200 --no-host --jobs 2 \
		--out "$tmp/j2b.jsonl"
}

loop_t=$(median3 loop)
j1_t=$(median3 sweep1)
j2_t=$(median3 sweep2)
j2b_t=$(median3 sweep2b)
[ "$(wc -l < "$tmp/j1.jsonl")" = 1000 ] || { echo "FAIL: not 1000 runs"; exit 1; }
cmp "$tmp/j1.jsonl" "$tmp/j2.jsonl"

printf 'sweep of %s, 1000 runs (median of 3), %s CPUs\n' "$scenario" "$(nproc)"
printf '  %-40s %8.3f s  %8.0f runs/s  %6.1fx\n' \
	"memsim run x 1000 from a shell loop" "$loop_t" \
	"$(calc "1000 / $loop_t")" 1 \
	"memsim sweep --jobs 1" "$j1_t" "$(calc "1000 / $j1_t")" \
	"$(calc "$loop_t / $j1_t")" \
	"memsim sweep --jobs 2" "$j2_t" "$(calc "1000 / $j2_t")" \
	"$(calc "$loop_t / $j2_t")" \
	"memsim sweep --jobs 2, with baselines" "$j2b_t" \
	"$(calc "1000 / $j2b_t")" "$(calc "$loop_t / $j2b_t")"
