#!/usr/bin/env bash
# Quick start, command 1: installs every Debian package apkvet needs, builds it, and scans a real APK
# (the "leaky" fixture, built by Android's own tools from fixtures/apps/leaky).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAPKVET_TESTS=OFF >/dev/null
ninja -C build apkvet
echo
# Judged under the government-device policy: exit 0 approve, 3 review, 4 reject are all a finished scan.
rc=0
./build/apkvet scan --policy government-device "${1:-fixtures/built/leaky.apk}" || rc=$?
case $rc in 0|3|4) exit 0 ;; *) exit $rc ;; esac
