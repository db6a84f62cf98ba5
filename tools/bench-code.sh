#!/usr/bin/env bash
# Code-analysis benchmark (analyzer/code: sensitive APIs, permissions, trackers, call graph and
# reachability, obfuscation) on every corpus APK, then on a synthetic app of >= 180k classes written
# by tools/gen-big-dex.py with every class as an entry point (the heaviest reachability case).
# Per APK: CPU ms of the DEX parse and of the code analysis (one thread), peak RSS of the process.
#   tools/bench-code.sh [-b BUILD_DIR] [-n MAX_APKS] [-s SYNTH_CLASSES (0 = skip)] [APK...]
set -uo pipefail
cd "$(dirname "$0")/.."
build=build-code; max=0; synth=180000
while getopts "b:n:s:" o; do
  case $o in b) build=$OPTARG;; n) max=$OPTARG;; s) synth=$OPTARG;; *) exit 64;; esac
done
shift $((OPTIND - 1))
[ -d "$build" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" test_code >/dev/null || exit 1
bin="$build/tests/test_code"
apks=("$@")
if [ ${#apks[@]} -eq 0 ]; then
  for f in ../shared/corpus/apks/*; do apks+=("$f"); done
fi
[ "$max" -gt 0 ] && apks=("${apks[@]:0:$max}")
tmp=$(mktemp -d "$build/bench-code.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run() {  # run APK [extra env...]: prints the TSV row + rss
  local apk=$1; shift
  local row
  row=$(env APKVET_BENCH_APK="$apk" "$@" /usr/bin/time -v -o "$tmp/time" "$bin" -tc="bench:*" --no-intro --no-version \
        2>/dev/null | grep -v '^\[doctest\]' | grep -v '^=*$' | head -1)
  [ -z "$row" ] && { echo -e "$(basename "$apk")\tfailed"; return; }
  local rss
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$tmp/time")
  echo -e "$row\t$rss"
}

header="apk\tdex_files\tclasses\tmethods\tcall_edges\treachable_methods\tdex_cpu_ms\tcode_cpu_ms\tcategories\tapi_uses\ttrackers\trss_mb"
echo -e "$header"
: >"$tmp/code_ms"
for apk in "${apks[@]}"; do
  row=$(run "$apk")
  echo "$row"
  echo "$row" | awk -F'\t' 'NF >= 12 && $2 > 0 {print $8}' >>"$tmp/code_ms"
done
n=$(wc -l <"$tmp/code_ms")
if [ "$n" -gt 0 ]; then
  sort -g "$tmp/code_ms" | awk '{v[NR]=$1; s+=$1} END {printf "# corpus: %d APKs with DEX, code analysis cpu ms: median %.1f, max %.1f, total %.1f\n", NR, (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[NR], s}'
fi
if [ "$synth" -gt 0 ]; then
  python3 tools/gen-big-dex.py --classes "$synth" --out "$tmp/synthetic.apk" >/dev/null || exit 1
  echo -e "# synthetic app, $synth classes, every class an entry point (tools/gen-big-dex.py):"
  run "$tmp/synthetic.apk" APKVET_BENCH_ALL_ROOTS=1
  echo -e "# same app, manifest entry points only (none: reachability unknown, matching only):"
  run "$tmp/synthetic.apk"
fi
