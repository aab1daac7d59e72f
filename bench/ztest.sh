#!/bin/sh
# memsim ztest: what a Zephyr test directory costs to build and to run.
# For each test directory given (the layer's own, tests/zephyr/*, and the
# example; any Zephyr test directory works the same way): the cold build
# (layer and test compiled and linked into an empty cache), the second
# `memsim ztest` of the unchanged directory (nothing rebuilt: the run
# only), and the test program's run alone, median of 3, next to the
# baseline of this run: the host starting a trivial process (/bin/true).
#   sh bench/ztest.sh MEMSIM DIR...
set -eu
memsim=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median3() { printf '%s\n%s\n%s\n' "$1" "$2" "$3" | sort -n | sed -n 2p; }
time_cmd() {
	t0=$(now)
	"$@" > /dev/null 2>&1 || true
	t1=$(now)
	secs "$t0" "$t1"
}

base=$(median3 "$(time_cmd /bin/true)" "$(time_cmd /bin/true)" "$(time_cmd /bin/true)")
printf '%-22s %10s %10s %10s %10s\n' test "cold (s)" "again (s)" "run (s)" "run/base"
for d in "$@"; do
	name=$(basename "$d")
	cache=$tmp/$name
	cold=$(time_cmd "$memsim" ztest "$d" --cache "$cache")
	again=$(time_cmd "$memsim" ztest "$d" --cache "$cache")
	r1=$(time_cmd "$cache/ztest.elf")
	r2=$(time_cmd "$cache/ztest.elf")
	r3=$(time_cmd "$cache/ztest.elf")
	run=$(median3 "$r1" "$r2" "$r3")
	ratio=$(awk -v r="$run" -v b="$base" 'BEGIN { printf "%.0fx", (b > 0 ? r / b : 0) }')
	printf '%-22s %10s %10s %10s %10s\n' "$name" "$cold" "$again" "$run" "$ratio"
done
printf 'baseline: /bin/true %s s\n' "$base"
