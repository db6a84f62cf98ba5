#!/usr/bin/env bash
# Signing verification time: apkvet (`apkvet scan --only signing`, one process per APK) against
# `apksigner verify -v --print-certs` (one JVM per APK, as users run it) on every corpus APK, in the
# same run. Prints per-APK times, the median ratio apksigner/apkvet, and the largest APK's times.
# usage: tools/bench-signing.sh [build-dir]   (default build-signing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build-signing}/apkvet
CORPUS=$ROOT/../shared/corpus/apks
[ -x "$BIN" ] || { echo "no $BIN: build it first" >&2; exit 1; }
python3 - "$BIN" "$CORPUS" <<'PY'
import os, statistics, subprocess, sys, time
binary, corpus = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
rows = []
for f in files:
    ours = timed([binary, "scan", "--format", "json", "--only", "signing", f])
    theirs = timed(["apksigner", "verify", "-v", "--print-certs", f])
    rows.append((os.path.getsize(f), os.path.basename(f), ours, theirs))
    print(f"{os.path.basename(f)}\t{os.path.getsize(f)}\tapkvet {ours*1000:.0f} ms\tapksigner {theirs*1000:.0f} ms")
ratios = [t / o for _, _, o, t in rows if o > 0]
print(f"\n{len(rows)} APKs: median apkvet {statistics.median(r[2] for r in rows)*1000:.0f} ms, "
      f"median apksigner {statistics.median(r[3] for r in rows)*1000:.0f} ms, "
      f"median ratio apksigner/apkvet {statistics.median(ratios):.1f}x")
size, name, o, t = max(rows)
print(f"largest APK {name} ({size/1e6:.1f} MB): apkvet {o*1000:.0f} ms, apksigner {t*1000:.0f} ms, ratio {t/o:.1f}x")
PY
