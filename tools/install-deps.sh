#!/usr/bin/env bash
# Installs every Debian 12 package apkvet needs to build, test, build fixtures and benchmark.
# Idempotent: apt-get skips what is installed. Run as root (or with sudo available).
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang lld libclang-rt-14-dev
  # required libraries
  liblief-dev libcapstone-dev libzip-dev zipcmp zipmerge ziptool libpugixml-dev doctest-dev
  # LIEF's own dependency, for linking LIEF from its static archive (faster start-up, see CMakeLists.txt)
  libmbedtls-dev
  # native code run in an emulator: a JNI library's initialisers and JNI_OnLoad
  libunicorn-dev
  # libraries we use instead of hand-writing: certificates, storage, rules, matching, domains
  libssl-dev libsqlite3-dev libyaml-cpp-dev libre2-dev libpsl-dev publicsuffix libjemalloc-dev
  nlohmann-json3-dev zlib1g-dev libdeflate-dev libmaxminddb-dev geoip-database libgeoip-dev libpcap-dev libnghttp2-dev libnghttp3-dev
  # Android's own tools: fixtures and differential truth
  aapt zipalign apksigner android-framework-res libsmali-java openjdk-17-jdk-headless dexdump
  androguard binutils gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
  # tests and benchmarks
  python3 python3-jsonschema hyperfine zip unzip time
  # traffic fixtures and benchmark: capture, send (HTTP/2, QUIC), serve DNS, tshark as the reference
  # decoder, and TLS records for bench-traffic.sh BENCH_TLS=1
  tcpdump curl dnsmasq dnsutils tshark nghttp2-server ngtcp2-client ngtcp2-server python3-cryptography
  # catalogue: store inspection, dashboard rendering test, single-node Slurm scale-out test
  sqlite3 bc chromium slurm-wlm munge
)
# Vectorscan and Hyperscan conflict; Hyperscan is x86-only.
if [ "$(dpkg --print-architecture)" = amd64 ]; then PACKAGES+=(libhyperscan-dev); else PACKAGES+=(libvectorscan-dev); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all ${#PACKAGES[@]} packages present"
