#!/usr/bin/env bash
# Batch throughput over the corpus: apkvet batch with 1 and 2 workers (APKs/s, scaling ratio, peak RSS
# per worker from the store), and androguard's AnalyzeAPK (APK + DEX + analysis, what a Python vetting
# pipeline would run) over the same files in the same run, one process, as the reference, its slices
# interleaved with apkvet's runs.
# usage: nice tools/bench-batch.sh [BUILD_DIR] [CORPUS_APK_DIR]     (takes ~2-3 minutes; CPU-heavy)
#        BENCH_ANDROGUARD=0 skips the androguard reference (most of that time).
#        BENCH_REPLICAS=N batches a catalogue of the corpus N times over (below; N=20: ~10 minutes,
#        1 GB of copies in the temporary directory) instead of the corpus once.
set -euo pipefail
BUILD="${1:-build}"
CORPUS="${2:-$(cd "$(dirname "$0")/../.." && pwd)/shared/corpus/apks}"
APKVET="$BUILD/apkvet"
[ -x "$APKVET" ] || { echo "no $APKVET: build it first"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A batch of the corpus takes a second or two, of which ~30 ms (the start, the store's last checkpoint)
# is paid once per batch, whatever its size. BENCH_REPLICAS=N measures the steady state a catalogue
# of thousands of APKs sees: N copies of each corpus file, copy 0 the file itself and each other one
# made distinct (a catalogue analyses each SHA-256 once) by a 16-byte archive comment. That leaves the
# ZIP valid for Android and apksigner and the work the same: v1 signatures still verify, and v2/v3
# content digests are computed in full (the end record they cover no longer matches, so they fail).
# A file whose end record cannot take a longer comment (none found, or 65,535 bytes already) gets no
# copies. androguard still analyses the corpus once: its CPU per APK over the copies would be the
# same mean.
replicas=${BENCH_REPLICAS:-1}
INPUT="$CORPUS"
if [ "$replicas" -gt 1 ]; then
  INPUT="$tmp/catalogue"
  python3 - "$CORPUS" "$INPUT" "$replicas" <<'PY'
import os, struct, sys
src, dst, replicas = sys.argv[1], sys.argv[2], int(sys.argv[3])
def end_record(b):  # as apksigner finds it: the one nearest the end whose comment reaches the end
    for comment in range(0, min(len(b) - 22, 0xffff) + 1):
        at = len(b) - 22 - comment
        if b[at:at + 4] == b"PK\x05\x06" and struct.unpack_from("<H", b, at + 20)[0] == comment:
            return at, comment
    return None
for name in sorted(os.listdir(src)):
    if not name.endswith((".apk", ".aab")):
        continue
    data = open(os.path.join(src, name), "rb").read()
    end = end_record(data) if len(data) >= 22 else None
    for r in range(replicas if end and end[1] + 16 <= 0xffff else 1):
        os.makedirs(os.path.join(dst, f"r{r:03d}"), exist_ok=True)
        out = data
        if r:
            at, comment = end
            out = data[:at + 20] + struct.pack("<H", comment + 16) + data[at + 22:] + b"apkvet-copy%05d" % r
        open(os.path.join(dst, f"r{r:03d}", name), "wb").write(out)
PY
  sleep 3  # settled (core/file_identity.h), as the corpus files are: their digests are taken alike
fi
n=$(find "$INPUT" -type f \( -name '*.apk' -o -name '*.aab' \) | wc -l)
# The machine, since the ratios move with it (the same code measured 96x per core on one kind of
# processor and 88x on another, androguard's time moving less than apkvet's).
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "inputs: $n files in $INPUT ($replicas x the corpus $CORPUS); $(nproc) cores (${cpu_model:-unknown CPU}); load $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# androguard: one Python process (a co-process), AnalyzeAPK of each APK under a 300 s alarm; failures
# counted, not fatal. It analyses the corpus in BENCH_REPEAT slices, one after each round of apkvet's
# runs, so that both tools meet the same drift of this machine's speed: run one after the other, a
# minute of androguard against seconds of apkvet, the per-core ratio of one code moved 80-98x between
# four runs in 15 minutes of a noisy VM (2026-12-06 06:40-06:56).
cat >"$tmp/ag.py" <<'PY'
import glob, os, resource, signal, sys, time, logging
logging.disable(logging.CRITICAL)
from androguard.misc import AnalyzeAPK
class Timeout(Exception): pass
def alarm(*_): raise Timeout()
signal.signal(signal.SIGALRM, alarm)
files = sorted(f for f in glob.glob(os.path.join(sys.argv[1], "*")) if f.endswith((".apk", ".aab")))
ok = failed = 0
secs = 0.0
for line in sys.stdin:  # "K N": analyse the K-th of N slices (K from 1), then answer "done"
    k, n = map(int, line.split())
    t0 = time.time()
    for f in files[(k - 1) * len(files) // n : k * len(files) // n]:
        signal.alarm(300)
        try:
            AnalyzeAPK(f); ok += 1
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt): raise
            failed += 1
        finally:
            signal.alarm(0)
    secs += time.time() - t0
    print("done", flush=True)
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime  # the whole process, its imports too
with open(sys.argv[2], "w") as out:
    out.write(f"{cpu / len(files)} {len(files) / secs}\n")
    out.write(f"androguard AnalyzeAPK, 1 process: {secs:.1f} s, {len(files)/secs:.2f} APKs/s; CPU {cpu:.1f} s, "
              f"{cpu/len(files):.3f} CPU-s per APK; {ok} ok, {failed} failed; peak RSS {ru.ru_maxrss // 1024} MB\n")
PY
with_androguard=${BENCH_ANDROGUARD:-1}  # 0: apkvet only (androguard takes ~2 minutes)
if [ "$with_androguard" != 0 ]; then
  coproc AG { /usr/bin/python3 "$tmp/ag.py" "$CORPUS" "$tmp/ag.txt" 2>/dev/null; }
fi

# A batch of the corpus takes a second or two: each configuration runs BENCH_REPEAT times (default 5),
# 1 and 2 workers alternating so that the machine's drift affects both, each time into a new store;
# the medians are reported. After them in each round: the same analysis and judgement of every APK in
# one process (apkvet scan of all files, JSON report), what the analysis itself costs without worker
# processes and the store (not a way to run a catalogue: one hostile APK could take the rest with it);
# then androguard's slice.
reps=${BENCH_REPEAT:-5}
first_cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')  # the first CPU this script may run on
declare -A rates cpus users syss rate cpu_per_apk
scan_cpus=""
mapfile -t inputs < <(find "$INPUT" -type f \( -name '*.apk' -o -name '*.aab' \) | sort)
for ((rep = 1; rep <= reps; rep++)); do
  # Not measured: a batch after androguard's slice, so that the measured ones run as in a catalogue
  # scan, one after another. The first run after a slice of androguard (582 MB, freed) took ~10% more
  # CPU than the next (06:58: 1 worker 1.09 CPU-s, 2 workers 1.01, in that order each round).
  "$APKVET" batch --db "$tmp/warm.db" --jobs 2 --timeout 300 --progress-interval 600 "$INPUT" >/dev/null 2>&1 || true
  rm -f "$tmp/warm.db" "$tmp/warm.db-wal" "$tmp/warm.db-shm"
  # "1core": one worker with the batch itself confined to one CPU (taskset), so that its own work
  # (hashing, storing) cannot use the second core as it does with one worker unconfined.
  for jobs in 1 2 1core; do
    rm -f "$tmp/jobs$jobs.db" "$tmp/jobs$jobs.db-wal" "$tmp/jobs$jobs.db-shm"
    pin=() n_jobs=$jobs
    if [ "$jobs" = 1core ]; then pin=(taskset -c "$first_cpu") n_jobs=1; fi
    t0=$(now)
    # CPU time of the batch and all its workers (/usr/bin/time counts waited-for children): on a shared
    # machine wall time alone cannot tell slow code from a busy machine.
    /usr/bin/time -f '%U %S' -o "$tmp/cpu$jobs" "${pin[@]}" \
      "$APKVET" batch --db "$tmp/jobs$jobs.db" --jobs "$n_jobs" --timeout 300 --progress-interval 600 "$INPUT" \
      2>"$tmp/jobs$jobs.err" || true
    t1=$(now)
    read -r user sys < <(tail -1 "$tmp/cpu$jobs")  # after "Command exited with non-zero status 2"
    rates[$jobs]+="$(echo "$n / ($t1 - $t0)" | bc -l) "
    cpus[$jobs]+="$(echo "$user + $sys" | bc -l) "
    users[$jobs]+="$user "
    syss[$jobs]+="$sys "
  done
  /usr/bin/time -f '%U %S' -o "$tmp/cpu-scan" "$APKVET" scan --format json --policy government-device \
    "${inputs[@]}" >/dev/null 2>&1 || true
  read -r user sys < <(tail -1 "$tmp/cpu-scan")
  scan_cpus+="$(echo "$user + $sys" | bc -l) "
  if [ "$with_androguard" != 0 ]; then
    echo "$rep $reps" >&"${AG[1]}"
    read -r _ <&"${AG[0]}"
  fi
done
for jobs in 1 2 1core; do
  cpu=$(median <<<"${cpus[$jobs]}")
  cpu_per_apk[$jobs]=$(echo "$cpu / $n" | bc -l)
  rate[$jobs]=$(median <<<"${rates[$jobs]}")
  printf 'apkvet batch --jobs %s (median of %d): CPU %.2f s (user %.2f, sys %.2f), %.4f CPU-s per APK; load %s\n' "$jobs" \
    "$reps" "$cpu" "$(median <<<"${users[$jobs]}")" "$(median <<<"${syss[$jobs]}")" "$(echo "$cpu / $n" | bc -l)" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  read -r ok failed max_rss median_rss <<<"$(sqlite3 -separator ' ' "$tmp/jobs$jobs.db" "
    SELECT (SELECT count(*) FROM results WHERE status='ok'), (SELECT count(*) FROM results WHERE status!='ok'),
           (SELECT max(peak_rss_kb) FROM results),
           (SELECT peak_rss_kb FROM results ORDER BY peak_rss_kb LIMIT 1 OFFSET (SELECT count(*)/2 FROM results))")"
  printf 'apkvet batch --jobs %s: %.2f APKs/s (runs: %s); %d ok, %d failed; worker peak RSS median %d MB, max %d MB\n' \
    "$jobs" "${rate[$jobs]}" "$(for r in ${rates[$jobs]}; do printf '%.0f ' "$r"; done | sed 's/ $//')" "$ok" "$failed" \
    $((median_rss / 1024)) $((max_rss / 1024))
  tail -1 "$tmp/jobs$jobs.err"
done
printf 'scaling 2 workers / 1 worker: %.2fx (the catalogue issue'"'"'s ratio); 2 workers on 2 cores / 1 worker on 1 core: %.2fx\n' \
  "$(echo "${rate[2]} / ${rate[1]}" | bc -l)" "$(echo "${rate[2]} / ${rate[1core]}" | bc -l)"
scan_cpu_per_apk=$(echo "$(median <<<"$scan_cpus") / $n" | bc -l)
printf 'apkvet scan, all in one process (median of %d): %.4f CPU-s per APK; the batch (workers, store) costs %.4f more\n' \
  "$reps" "$scan_cpu_per_apk" "$(echo "${cpu_per_apk[1]} - $scan_cpu_per_apk" | bc -l)"

[ "$with_androguard" = 0 ] && exit 0
eval "exec ${AG[1]}>&-"  # end of input: androguard writes its totals and exits
wait "$AG_PID" 2>/dev/null || true
read -r ag_cpu ag_rate <"$tmp/ag.txt"
tail -1 "$tmp/ag.txt"
# The ratios the catalogue issue sets targets for: CPU per APK (per core), and wall time of two
# workers against androguard's one process.
printf 'apkvet / androguard: %.1fx per core (CPU per APK, 1 worker), %.1fx wall (2 workers vs 1 process); one process without isolation %.1fx per core\n' \
  "$(echo "$ag_cpu / (${cpu_per_apk[1]})" | bc -l)" "$(echo "${rate[2]} / $ag_rate" | bc -l)" \
  "$(echo "$ag_cpu / $scan_cpu_per_apk" | bc -l)"
