#!/usr/bin/env bash
# Benchmark of the strings area: per corpus APK, the time to build the string pool (every origin,
# DEX through the light string-table reader) and to extract endpoints and secrets (one Hyperscan pass,
# validation, owners, GeoIP, JSON-ready facts). Prints a TSV and a TOTAL line.
# usage: tools/bench-strings.sh [BUILD_DIR] [APK...]   (default build-strings, all corpus APKs)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-strings}
shift || true
ninja -C "$BUILD" test_strings >/dev/null
if [ $# -gt 0 ]; then export APKVET_BENCH_FILES=$(IFS=:; echo "$*"); fi
# Hyperscan compiles its databases once per process: reported separately as one-time setup.
"$BUILD/tests/test_strings" --test-case='benchmark*' --no-skip --no-intro --no-version | grep -v '^\[doctest\]' | grep -v '^=*$'
