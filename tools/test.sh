#!/usr/bin/env bash
# Builds apkvet and runs every test: the normal build with all unit, differential and integration
# tests; the same tests under AddressSanitizer + UndefinedBehaviorSanitizer; and a short libFuzzer pass
# over every fuzz target. This is the README's second quick-start command and what CI runs.
#   tools/test.sh            everything
#   APKVET_SKIP_ASAN=1 / APKVET_SKIP_FUZZ=1 / APKVET_FUZZ_SECONDS=N to shorten a local run
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$(date +%s)
stage() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

stage "build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAPKVET_TESTS=ON >/dev/null
ninja -C build
stage "tests"
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 1200

if [ "${APKVET_SKIP_ASAN:-0}" != 1 ]; then
  stage "build with AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAPKVET_SANITIZE=ON -DAPKVET_TESTS=ON >/dev/null
  ninja -C build-asan
  stage "tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 2400
fi

if [ "${APKVET_SKIP_FUZZ:-0}" != 1 ]; then
  stage "short fuzz pass"
  APKVET_FUZZ_SEED="${APKVET_FUZZ_SEED:-1}" tools/fuzz.sh "${APKVET_FUZZ_SECONDS:-20}"
fi
stage "all tests passed"
