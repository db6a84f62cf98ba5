#!/usr/bin/env bash
# Scale-out test on a real single-node Slurm: starts munged, slurmctld and slurmd on localhost (own
# ports, every path in a temp folder, proctrack/linuxproc, task/none, no cgroups), runs
# tools/slurm-batch.sbatch as a 4-task job array over a corpus subset, merges the shard stores and
# checks the merge equals a single-process batch of the same inputs. Stops every daemon it started by
# PID. Exits 77 (CTest: skipped) with the reason when Slurm cannot be started here.
# usage: slurm_test.sh APKVET_BINARY CORPUS_DIR SOURCE_DIR
set -uo pipefail
APKVET="$1"; CORPUS="$2"; SRC="$3"
skip() { echo "SKIPPED: $*"; exit 77; }
for tool in munged slurmctld slurmd sbatch sinfo sqlite3; do
  command -v "$tool" >/dev/null || skip "$tool not installed (tools/install-deps.sh installs slurm-wlm, munge, sqlite3)"
done
[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root to start jobs"

tmp="$(mktemp -d /tmp/apkvet-slurm.XXXXXX)"
chmod 711 "$tmp"  # munged wants every folder above its socket executable by all
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
logs() { for f in "$tmp"/*.log; do echo "== $f"; tail -20 "$f"; done; }

# munge: its own key and socket; the socket folder must be world-executable.
mkdir -p "$tmp/munge" && chmod 711 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none && chmod 400 "$tmp/munge.key"
munged -F --force --key-file="$tmp/munge.key" --socket="$tmp/munge/munge.socket" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/munged.log" --seed-file="$tmp/munge.seed" >/dev/null 2>&1 &
pids+=($!)

port=$((20000 + RANDOM % 20000))
cat > "$tmp/slurm.conf" <<CONF
ClusterName=apkvettest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SrunPortRange=$((port + 2))-$((port + 40))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$tmp/state" "$tmp/spool"
export SLURM_CONF="$tmp/slurm.conf"
for _ in $(seq 50); do [ -S "$tmp/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.socket" ] || { logs; skip "munged did not start"; }
slurmctld -D -i -f "$SLURM_CONF" >/dev/null 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >/dev/null 2>&1 &
pids+=($!)
up=""
for _ in $(seq 100); do
  if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)'; then up=1; break; fi
  sleep 0.2
done
[ -n "$up" ] || { logs; skip "slurmctld/slurmd did not come up (node state: $(sinfo -h -N -o '%T' 2>&1))"; }

# A corpus subset: 16 APKs (every 8th file) and one non-APK.
mkdir -p "$tmp/in"
ls "$CORPUS/apks" | sort | awk 'NR % 8 == 1' | while read -r f; do ln -s "$CORPUS/apks/$f" "$tmp/in/$f"; done
echo "not an apk" > "$tmp/in/notes.apk"
n_inputs=$(ls "$tmp/in" | wc -l)

cd "$tmp" || exit 1
APKVET="$APKVET" APKVET_INPUTS="$tmp/in" APKVET_OUT="$tmp/out" \
  timeout 600 sbatch --wait --array=0-3 --output="$tmp/task-%a.out" "$SRC/tools/slurm-batch.sbatch" >"$tmp/sbatch.txt" 2>&1
rc=$?
if [ $rc -ne 0 ]; then cat "$tmp/sbatch.txt" "$tmp"/task-*.out 2>/dev/null; logs; echo "FAIL: job array exit $rc"; exit 1; fi
ls "$tmp"/out/shard-*.db >/dev/null 2>&1 || { echo "FAIL: no shard stores"; exit 1; }
[ "$(ls "$tmp"/out/shard-*.db | wc -l)" -eq 4 ] || { echo "FAIL: expected 4 shard stores"; ls "$tmp/out"; exit 1; }
"$APKVET" catalogue merge "$tmp/merged.db" "$tmp"/out/shard-*.db || { echo "FAIL: merge"; exit 1; }
"$APKVET" catalogue merge "$tmp/merged.db" "$tmp"/out/shard-*.db || { echo "FAIL: second merge"; exit 1; }
"$APKVET" batch --db "$tmp/single.db" --jobs 2 "$tmp/in" 2>"$tmp/single.err"
dump() {
  sqlite3 "$1" "SELECT sha256, analyzer_version, rules_version, status, reason, package, version_code, signer_sha256,
    verdict, score_data_access, score_egress, score_code_integrity, score_hygiene, length(report_json), report_json
    FROM results ORDER BY sha256; SELECT path, sha256 FROM paths ORDER BY path;
    SELECT path, reason FROM input_errors ORDER BY path;" | sha256sum
}
count=$(sqlite3 "$tmp/merged.db" "SELECT count(*) FROM results")
tasks_ran=$(grep -l "batch:" "$tmp"/task-*.out | wc -l)
echo "inputs $n_inputs, merged results $count, array tasks with output $tasks_ran"
[ "$count" -eq "$n_inputs" ] || { echo "FAIL: merged store has $count results for $n_inputs inputs"; exit 1; }
[ "$tasks_ran" -eq 4 ] || { echo "FAIL: $tasks_ran of 4 array tasks wrote a summary"; exit 1; }
[ "$(sqlite3 "$tmp/merged.db" 'PRAGMA integrity_check')" = ok ] || { echo "FAIL: integrity"; exit 1; }
if [ "$(dump "$tmp/merged.db")" != "$(dump "$tmp/single.db")" ]; then
  echo "FAIL: merged store differs from the single-process run"; exit 1
fi
echo "PASS: 4-task Slurm array + merge equals the single-process batch ($count APKs)"
