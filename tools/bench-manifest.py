#!/usr/bin/env python3
"""Benchmark: reading manifest + resources, apkvet vs `aapt dump badging`, per corpus APK, same run.

For each APK both tools run REPEAT times (alternating, to share cache and load conditions). Two
measures are kept per tool and APK, each the best of the runs:
  - CPU time (user + system of the process, from wait4): what the work costs, robust on a busy machine;
  - wall time: what a user waits, including process start-up and scheduling delays.
The per-APK ratio is aapt/apkvet; the median ratio of each measure is printed. Both tools pay process
start-up (dynamic loading and relocation of their shared libraries, their own set-up), as a user of
either would: for the median corpus APK (81 KB) that is most of the time (docs/performance.md).
A last line runs apkvet once over all compared APKs (start-up paid once, as in a catalogue scan).
  tools/bench-manifest.py [--apkvet build/apkvet] [--repeat 5] [DIR]"""
import argparse
import os
import statistics
import subprocess
import time


def run_once(cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def best(cmd, repeat):
    walls, cpus, rc = [], [], 0
    for _ in range(repeat):
        wall, cpu, rc = run_once(cmd)
        walls.append(wall)
        cpus.append(cpu)
    return min(walls), min(cpus), rc


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--apkvet", default=os.path.join(repo, "build", "apkvet"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("dir", nargs="?", default=os.path.join(repo, "..", "shared", "corpus", "apks"))
    args = ap.parse_args()
    wall_ratios, cpu_ratios, skipped, compared = [], [], 0, []
    totals = {"apkvet_wall": 0.0, "aapt_wall": 0.0, "apkvet_cpu": 0.0, "aapt_cpu": 0.0}
    for name in sorted(os.listdir(args.dir)):
        path = os.path.join(args.dir, name)
        aapt_wall, aapt_cpu, aapt_rc = best(["aapt", "dump", "badging", path], args.repeat)
        ours_wall, ours_cpu, ours_rc = best(
            [args.apkvet, "scan", "--only", "manifest,resources", "--format", "json", path], args.repeat)
        if aapt_rc != 0 or ours_rc != 0:
            skipped += 1  # one of the tools cannot read it: no fair comparison
            continue
        compared.append(path)
        wall_ratios.append(aapt_wall / ours_wall)
        # wait4's CPU times come from the scheduler's nanosecond run time (microseconds in rusage), not
        # from clock ticks: no rounding to guard against. (An earlier floor of half a tick, 5 ms, held
        # every process under 5 ms at 5 ms, so once both tools took less the ratio read 1.00.)
        cpu_ratios.append(max(aapt_cpu, 1e-6) / max(ours_cpu, 1e-6))
        totals["apkvet_wall"] += ours_wall
        totals["aapt_wall"] += aapt_wall
        totals["apkvet_cpu"] += ours_cpu
        totals["aapt_cpu"] += aapt_cpu
    print(f"APKs compared: {len(wall_ratios)} (skipped {skipped} that a tool could not read)")
    print(f"total best CPU time:  apkvet {totals['apkvet_cpu']:.3f}s, aapt {totals['aapt_cpu']:.3f}s "
          f"(ratio of totals {totals['aapt_cpu'] / max(totals['apkvet_cpu'], 1e-9):.2f}x)")
    print(f"total best wall time: apkvet {totals['apkvet_wall']:.3f}s, aapt {totals['aapt_wall']:.3f}s")
    print(f"median CPU ratio aapt/apkvet per APK:  {statistics.median(cpu_ratios):.2f}x")
    print(f"median wall ratio aapt/apkvet per APK: {statistics.median(wall_ratios):.2f}x "
          f"(min {min(wall_ratios):.2f}x, max {max(wall_ratios):.2f}x)")
    # The same APKs in one apkvet process (`apkvet scan A B C ...`, as a catalogue is read): start-up
    # is paid once. aapt reads one APK per process, so its side stays the per-process total.
    one_wall, one_cpu, _ = best([args.apkvet, "scan", "--only", "manifest,resources", "--format", "json"] + compared,
                                args.repeat)
    n = max(len(compared), 1)
    print(f"one apkvet process for all {len(compared)} APKs: CPU {one_cpu:.3f}s = {one_cpu / n * 1000:.2f} ms per APK "
          f"vs aapt {totals['aapt_cpu'] / n * 1000:.2f} ms per APK process "
          f"(ratio {totals['aapt_cpu'] / max(one_cpu, 1e-9):.2f}x)")


if __name__ == "__main__":
    main()
