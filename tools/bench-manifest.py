#!/usr/bin/env python3
"""Benchmark: reading manifest + resources, apkvet vs `aapt dump badging`, per corpus APK, same run.

For each APK both tools run REPEAT times (alternating, to share cache and load conditions); the best
wall time of each is kept, the per-APK ratio is aapt/apkvet, and the median ratio is printed.
Both pay process start-up, as a user of either would.
  tools/bench-manifest.py [--apkvet build/apkvet] [--repeat 5] [DIR]"""
import argparse
import os
import statistics
import subprocess
import time


def best_time(cmd, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        best = min(best, time.perf_counter() - t0)
    return best, rc


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--apkvet", default=os.path.join(repo, "build", "apkvet"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("dir", nargs="?", default=os.path.join(repo, "..", "shared", "corpus", "apks"))
    args = ap.parse_args()
    ratios, ours_total, aapt_total, skipped = [], 0.0, 0.0, 0
    for name in sorted(os.listdir(args.dir)):
        path = os.path.join(args.dir, name)
        aapt_t, aapt_rc = best_time(["aapt", "dump", "badging", path], args.repeat)
        ours_t, ours_rc = best_time([args.apkvet, "scan", "--only", "manifest,resources", "--format", "json", path],
                                    args.repeat)
        if aapt_rc != 0 or ours_rc != 0:
            skipped += 1  # one of the tools cannot read it: no fair comparison
            continue
        ratios.append(aapt_t / ours_t)
        ours_total += ours_t
        aapt_total += aapt_t
    print(f"APKs compared: {len(ratios)} (skipped {skipped} that a tool could not read)")
    print(f"total best wall time: apkvet {ours_total:.3f}s, aapt {aapt_total:.3f}s")
    print(f"median speed ratio aapt/apkvet per APK: {statistics.median(ratios):.2f}x "
          f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
