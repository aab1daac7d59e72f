#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A sweep as a Slurm job array, for real: a one-node Slurm cluster (Debian's
# slurm-wlm and munge) started here with a generated configuration in a
# temporary folder, an `sbatch --array=1-4` job whose tasks each run
# `memsim sweep --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`, then
# the shards merged by `memsim sweep-report --merged`: the result must be
# the unsharded sweep, byte for byte. The recipe is docs/sweep.md's.
#
#   engine-slurm.sh MEMSIM SCENARIO
#
# Every daemon is stopped by its pid and the folder removed on any exit,
# failures included; every wait is under `timeout`. Skips (status 77) only
# when not root: slurmd runs a job as its submitter, so a cluster of one's
# own needs root.
set -eu

memsim=$(realpath "$1")
scenario=$(realpath "$2")
seeds=1..40

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the one-node Slurm cluster needs root (slurmd starts" \
	     "jobs as their user); run as root, as CI does"
	exit 77
fi
for c in munged slurmctld slurmd sbatch squeue sinfo scontrol timeout runuser; do
	command -v "$c" >/dev/null || {
		echo "FAIL: $c is missing: install slurm-wlm and munge" \
		     "(./quickstart does)"
		exit 1
	}
done

tmp=$(mktemp -d /tmp/memsim-slurm.XXXXXX)
chmod 755 "$tmp"
munge_pid=""
ctld_pid=""
slurmd_pid=""

stop() {
	# $1 a pid: TERM, then KILL after 10 s
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null || true
}

cleanup() {
	status=$?
	trap - EXIT INT TERM
	if [ -n "$ctld_pid" ] && [ $status != 0 ]; then
		echo "--- slurmctld.log"; tail -n 30 "$tmp/slurmctld.log" 2>/dev/null || true
		echo "--- slurmd.log"; tail -n 30 "$tmp/slurmd.log" 2>/dev/null || true
		for f in "$tmp"/task-*.txt; do
			[ -f "$f" ] && { echo "--- $f"; cat "$f"; }
		done
	fi
	if [ -n "$ctld_pid" ] && [ -f "$tmp/slurm.conf" ]; then
		SLURM_CONF=$tmp/slurm.conf timeout 10 scancel --full \
			--partition=memsim 2>/dev/null || true
	fi
	stop "$slurmd_pid"
	stop "$ctld_pid"
	stop "$munge_pid"
	rm -rf "$tmp"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

# ---- munge: a daemon of our own, on a socket of our own ----------------------
mkdir -p "$tmp/munge"
chown munge:munge "$tmp/munge"
chmod 755 "$tmp/munge"
runuser -u munge -- munged --socket="$tmp/munge/socket" \
	--pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
	--seed-file="$tmp/munge/munged.seed" ||
	fail "munged did not start: $(cat "$tmp/munge/munged.log" 2>/dev/null)"
timeout 10 sh -c "until [ -s '$tmp/munge/munged.pid' ]; do sleep 0.05; done" ||
	fail "munged wrote no pid file"
munge_pid=$(cat "$tmp/munge/munged.pid")

# ---- slurm: a generated configuration, ports of our own --------------------
port=$((20000 + $$ % 20000))
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<EOF
ClusterName=memsim
SlurmctldHost=localhost
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MailProg=/bin/true
ReturnToService=2
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=memsim Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"

start=$(date +%s)
slurmctld -D -i > "$tmp/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N localhost > "$tmp/slurmd.out" 2>&1 &
slurmd_pid=$!
timeout 30 sh -c 'until sinfo -h -o %T 2>/dev/null | grep -qx idle; do
	sleep 0.2; done' || fail "the node did not come up: $(sinfo 2>&1)"

# ---- the job array -------------------------------------------------------------
cat > "$tmp/sweep.sbatch" <<EOF
#!/bin/sh
#SBATCH --job-name=memsim-sweep
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
exec "$memsim" sweep "$scenario" --seeds $seeds --no-host --jobs 1 \\
	--shard "\$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT" \\
	--out "$tmp/shard-\$SLURM_ARRAY_TASK_ID.jsonl"
EOF
job=$(sbatch --parsable --array=1-4 --chdir="$tmp" \
	--output="$tmp/task-%a.txt" "$tmp/sweep.sbatch") ||
	fail "sbatch refused the job"
job=${job%%;*}
timeout 180 sh -c "while [ -n \"\$(squeue -h -j $job 2>/dev/null)\" ]; do
	sleep 0.2; done" || fail "job $job did not finish: $(squeue 2>&1)"
# every task ended with status 0 (scontrol keeps finished jobs a while)
states=$(scontrol -o show job "$job" 2>/dev/null |
	sed -n 's/.*JobState=\([A-Z]*\).*ExitCode=\([0-9:]*\).*/\1 \2/p' | sort -u)
[ "$states" = "COMPLETED 0:0" ] || fail "job $job tasks: $states"
end=$(date +%s)

# ---- the result ------------------------------------------------------------------
for i in 1 2 3 4; do
	[ -s "$tmp/shard-$i.jsonl" ] || fail "task $i wrote no shard"
done
"$memsim" sweep "$scenario" --seeds $seeds --no-host --out "$tmp/all.jsonl" ||
	fail "the unsharded sweep failed"
"$memsim" sweep-report -q "$tmp/shard-3.jsonl" "$tmp/shard-1.jsonl" \
	"$tmp/shard-4.jsonl" "$tmp/shard-2.jsonl" --merged "$tmp/merged.jsonl" ||
	fail "sweep-report refused the shards"
cmp "$tmp/merged.jsonl" "$tmp/all.jsonl" ||
	fail "the merged shards are not the unsharded sweep"
"$memsim" sweep-report "$tmp/all.jsonl" > "$tmp/a.txt"
"$memsim" sweep-report "$tmp"/shard-*.jsonl | sed 's/from 4 files/from 1 file/' \
	> "$tmp/b.txt"
cmp "$tmp/a.txt" "$tmp/b.txt" || fail "the report of the shards differs"
echo "ok: a 4-task Slurm job array ran $(wc -l < "$tmp/all.jsonl") runs" \
     "in $((end - start)) s (cluster start to the last task); merged =" \
     "unsharded"
