#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A sweep through GNU parallel, for real: four shards as four parallel
# jobs with a job log; one of them is killed part-way (SIGKILL, as an
# out-of-memory killer or a lost node would), and `parallel
# --resume-failed` runs only that one again, where `memsim sweep --resume`
# goes on from the records it had written. The merged shards must be the
# unsharded sweep, byte for byte. The recipe is docs/sweep.md's.
#
#   engine-parallel.sh MEMSIM SCENARIO
set -eu

memsim=$(realpath "$1")
scenario=$(realpath "$2")
seeds=1..1000

command -v parallel >/dev/null || {
	echo "FAIL: GNU parallel is missing: install parallel (./quickstart does)"
	exit 1
}
tmp=$(mktemp -d /tmp/memsim-parallel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/jobs.log" ] && cat "$tmp/jobs.log"
	exit 1
}

# One shard: what a job runs. KILL_SHARD names a shard to kill after
# 0.3 s (the first round only).
cat > "$tmp/shard.sh" <<EOF
#!/bin/sh
kill=""
[ "\$1" = "\${KILL_SHARD:-}" ] && kill="timeout -s KILL 0.3"
exec \$kill "$memsim" sweep "$scenario" --seeds $seeds --no-host --jobs 1 \\
	--shard "\$1/4" --out "$tmp/shard-\$1.jsonl" --resume --quiet
EOF
chmod +x "$tmp/shard.sh"

start=$(date +%s)
st=0
KILL_SHARD=3 timeout 600 parallel --will-cite --jobs 2 \
	--joblog "$tmp/jobs.log" --resume-failed "$tmp/shard.sh" {} ::: 1 2 3 4 ||
	st=$?
# parallel's exit status is the number of failed jobs
[ $st = 1 ] || fail "the first round: parallel exited $st, wanted 1"
partial=$(wc -l < "$tmp/shard-3.jsonl")
[ "$partial" -lt 1250 ] || fail "shard 3 was not cut short ($partial runs)"
st=0
timeout 600 parallel --will-cite --jobs 2 --joblog "$tmp/jobs.log" \
	--resume-failed "$tmp/shard.sh" {} ::: 1 2 3 4 || st=$?
[ $st = 0 ] || fail "the second round: parallel exited $st"
end=$(date +%s)

# The job log has one row per try, in the order they ended: job 3 twice,
# first killed (timeout's 137), then 0; every other job once, 0.
# (Columns: Seq Host Starttime JobRuntime Send Receive Exitval Signal
# Command.)
rows=$(awk 'NR > 1 { r[$1] = r[$1] " " $7 } END {
	for (j = 1; j <= 4; j++) printf "%d:%s\n", j, r[j] }' "$tmp/jobs.log")
want=$(printf '1: 0\n2: 0\n3: 137 0\n4: 0\n')
[ "$rows" = "$want" ] || fail "job log: $(echo $rows), wanted $(echo $want)"

"$memsim" sweep "$scenario" --seeds $seeds --no-host --out "$tmp/all.jsonl" ||
	fail "the unsharded sweep failed"
"$memsim" sweep-report -q "$tmp"/shard-*.jsonl --merged "$tmp/merged.jsonl" ||
	fail "sweep-report refused the shards"
cmp "$tmp/merged.jsonl" "$tmp/all.jsonl" ||
	fail "the merged shards are not the unsharded sweep"
echo "ok: GNU parallel ran 4 shards ($(wc -l < "$tmp/all.jsonl") runs)," \
     "shard 3 killed after $partial runs and resumed, in $((end - start)) s;" \
     "merged = unsharded"
