#!/usr/bin/env bash
# DEX analysis benchmark: our parser (bench_dex: every DEX of the APK parsed and its bytecode decoded)
# against androguard's AnalyzeAPK (Debian androguard, /usr/bin/python3) on the same APKs in the same
# run, then our parse of a synthetic app of >= 180k classes (tools/gen-big-dex.py).
# Times are CPU time (user+sys) of the analysis itself, so a busy machine does not skew the ratio;
# wall time is printed too. Peak memory is each process's max RSS from /usr/bin/time -v.
#   tools/bench-dex.sh [-b BUILD_DIR] [-n MAX_APKS] [-t ANDROGUARD_TIMEOUT_S] [-s SYNTH_CLASSES] [APK...]
set -uo pipefail
cd "$(dirname "$0")/.."
build=build-dex; max=0; timeout_s=900; synth=180000
while getopts "b:n:t:s:" o; do
  case $o in b) build=$OPTARG;; n) max=$OPTARG;; t) timeout_s=$OPTARG;; s) synth=$OPTARG;; *) exit 64;; esac
done
shift $((OPTIND - 1))
[ -d "$build" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" bench_dex >/dev/null || exit 1
apks=("$@")
if [ ${#apks[@]} -eq 0 ]; then
  for f in ../shared/corpus/apks/*.apk; do apks+=("$f"); done
fi
[ "$max" -gt 0 ] && apks=("${apks[@]:0:$max}")
tmp=$(mktemp -d "$build/bench-dex.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/ag.py" <<'EOF'
import sys, time
from androguard.misc import AnalyzeAPK  # import cost not counted
t = time.process_time(); w = time.time()
a, d, dx = AnalyzeAPK(sys.argv[1])
n = sum(1 for _ in dx.get_classes())
print("%.1f\t%.1f\t%d" % ((time.process_time() - t) * 1000, (time.time() - w) * 1000, n))
EOF

rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }

printf "apk\tsize_mb\tdex_files\tclasses\tcall_sites\tours_cpu_ms\tours_wall_ms\tours_rss_mb\tag_cpu_ms\tag_wall_ms\tag_rss_mb\tratio\tmem_ok\n"
: >"$tmp/ratios"
for apk in "${apks[@]}"; do
  name=$(basename "$apk")
  size_mb=$(awk -v b="$(stat -c %s "$apk")" 'BEGIN {printf "%.2f", b/1048576}')
  ours=$(/usr/bin/time -v -o "$tmp/ours.time" "$build/bench_dex" --threads 1 "$apk" 2>/dev/null) || { echo -e "$name\t$size_mb\tours-failed"; continue; }
  IFS=$'\t' read -r _ files classes methods calls _ _ wall _ _ cpu <<<"$ours"
  [ "$files" = "0" ] && { echo -e "$name\t$size_mb\tno-dex"; continue; }
  ours_rss=$(rss_mb "$tmp/ours.time")
  ag=$(timeout "$timeout_s" /usr/bin/time -v -o "$tmp/ag.time" /usr/bin/python3 "$tmp/ag.py" "$apk" 2>/dev/null | tail -1)
  if [ -z "$ag" ]; then
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\tandroguard-failed-or-timeout\n" "$name" "$size_mb" "$files" "$classes" "$calls" "$cpu" "$wall" "$ours_rss"
    continue
  fi
  IFS=$'\t' read -r ag_cpu ag_wall _ <<<"$ag"
  ag_rss=$(rss_mb "$tmp/ag.time")
  ratio=$(awk -v a="$ag_cpu" -v o="$cpu" 'BEGIN {if (o < 0.01) o = 0.01; printf "%.1f", a/o}')
  mem_ok=$(awk -v r="$ours_rss" -v s="$size_mb" 'BEGIN {print (r <= s + 100) ? "yes" : "no"}')
  echo "$ratio" >>"$tmp/ratios"
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$size_mb" "$files" "$classes" "$calls" "$cpu" "$wall" \
    "$ours_rss" "$ag_cpu" "$ag_wall" "$ag_rss" "$ratio" "$mem_ok"
done
n=$(wc -l <"$tmp/ratios")
if [ "$n" -gt 0 ]; then
  median=$(sort -g "$tmp/ratios" | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.1f", (v[NR/2]+v[NR/2+1])/2}')
  min=$(sort -g "$tmp/ratios" | head -1)
  echo "# median speed-up over androguard AnalyzeAPK (CPU time): ${median}x over $n APKs (min ${min}x); target >= 100x"
fi

synth_apk="$build/synthetic-${synth}.apk"
if [ ! -f "$synth_apk" ]; then
  python3 tools/gen-big-dex.py --classes "$synth" --out "$synth_apk.tmp.apk" >/dev/null 2>&1 && mv "$synth_apk.tmp.apk" "$synth_apk"
fi
out=$(/usr/bin/time -v -o "$tmp/synth.time" "$build/bench_dex" --threads 1 "$synth_apk" 2>/dev/null)
IFS=$'\t' read -r _ files classes methods calls strings _ wall model _ cpu <<<"$out"
echo "# synthetic app: $classes classes, $methods methods, $calls call sites, $strings const-strings in $files DEX files:" \
  "parse+decode ${cpu} ms CPU (${wall} ms wall) on one core, peak RSS $(rss_mb "$tmp/synth.time") MB, model ${model} MB;" \
  "target <= 10000 ms"
