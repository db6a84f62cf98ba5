#!/usr/bin/env bash
# Native analysis time per corpus APK with native code (in the isolated worker, and in-process
# for comparison): prints a row per APK, then median and worst. Usage: tools/bench-native.sh [build-dir]
# APKVET_BENCH_ROUNDS (default 5) sets the rounds per APK; each APK's time is the median of its rounds.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-native}"
[[ -f "$build/build.ninja" ]] || cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" test_native >/dev/null
cd "$root"
"$build/tests/test_native" --test-case="bench: native analysis per corpus APK" --no-skip --no-version \
  | grep -v -E '^\[doctest\]|^=+$'
