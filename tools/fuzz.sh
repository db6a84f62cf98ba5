#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 30),
# seeded from the corpus. Exits non-zero if any target finds a crash; the reproducer is saved in
# build-fuzz/artifacts/<target>/ — copy it to tests/fuzz/regressions/<area>/ and fix the bug.
#   tools/fuzz.sh [SECONDS] [TARGET...]
# APKVET_FUZZ_SEED=N fixes libFuzzer's random seed: the short CI pass uses it, so a CI failure is
# reproduced by the same command on any machine (a random seed explores more over many runs: use it
# for the long runs, without the variable).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}; shift || true
build=build-fuzz
# Build output is kept quiet but printed when the build fails (a bare non-zero exit says nothing).
quiet() { local log; log=$(mktemp); if ! "$@" >"$log" 2>&1; then tail -40 "$log"; rm -f "$log"; echo "fuzz: build failed: $*"; exit 1; fi; rm -f "$log"; }
quiet cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DAPKVET_FUZZ=ON -DAPKVET_TESTS=ON
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
quiet ninja -C $build "${targets[@]}"
python3 tools/fuzz-seeds.py $build/seeds >/dev/null
failed=0
for t in "${targets[@]}"; do
  kind=${t#fuzz_}
  seeds=$build/seeds/$kind; mkdir -p "$seeds"
  regress=tests/fuzz/regressions/$kind; dirs=("$seeds"); [ -d "$regress" ] && dirs+=("$regress")
  work=$build/work/$kind; art=$build/artifacts/$kind/; mkdir -p "$work" "$art"
  seed=(); [ -n "${APKVET_FUZZ_SEED:-}" ] && seed=(-seed="$APKVET_FUZZ_SEED")
  # A target that makes its own seeds (fuzz_caches: the current cache formats) writes them to seeds.
  if APKVET_FUZZ_SEED_DIR="$seeds" $build/fuzz/$t "${seed[@]}" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -max_len=1048576 \
       -artifact_prefix="$art" -print_final_stats=0 "$work" "${dirs[@]}" >"$build/$t.log" 2>&1; then
    echo "fuzz: $t: ok ($(grep -c . "$build/$t.log" || true) log lines, ${seconds}s)"
  else
    echo "fuzz: $t: FAILED — see $build/$t.log and $art"; tail -30 "$build/$t.log"; failed=1
  fi
done
exit $failed
