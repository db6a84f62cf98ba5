#!/usr/bin/env bash
# Builds the fixture apps in fixtures/apps/ into signed APKs and bundles in fixtures/built/ with
# Android's own tools (smali -> aapt -> zipalign -> apksigner), then the tampered variants.
#
# Deterministic: a fixed key (fixtures/keys/fixtures.p12), fixed ZIP timestamps, `smali --api 21`,
# RSA signatures (deterministic). A file in fixtures/built/ is rewritten only when its bytes change,
# so running this twice leaves git clean. A hash of every input (sources, key, these scripts, tool
# versions) is kept in fixtures/built/.inputs.sha256: when it matches, nothing is rebuilt.
# Usage: tools/build-fixtures.sh [--force | --check]
#   --force   rebuild even when the inputs are unchanged.
#   --check   rebuild into a temporary directory and fail if any committed file differs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APPS=$ROOT/fixtures/apps
OUT=$ROOT/fixtures/built
FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
KEYSTORE=$ROOT/fixtures/keys/fixtures.p12
KEY_ALIAS=fixtures
KEY_PASS=apkvet-fixtures   # throwaway test key, made once with keytool; never a real signing key
# risky.apk is signed with a certificate that expired on 2016-01-01 (same password), made once with:
#   keytool -genkeypair -keystore fixtures/keys/expired.p12 -storetype PKCS12 -alias expired \
#     -keyalg RSA -keysize 2048 -sigalg SHA256withRSA -startdate "2015/01/01 00:00:00" -validity 365 \
#     -dname "CN=apkvet expired test key, OU=Testing, O=apkvet, C=XX"
EXPIRED_KEYSTORE=$ROOT/fixtures/keys/expired.p12
EXPIRED_ALIAS=expired
SMALI_API=21

CHECK=0 FORCE=0
case "${1:-}" in
  --check) CHECK=1 ;;
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force | --check]" >&2; exit 2 ;;
esac

die() { echo "build-fixtures: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "missing tool '$1' (Debian package: $2)"; }
need aapt aapt
need aapt2 aapt
need smali libsmali-java
need zipalign zipalign
need apksigner apksigner
need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
need python3 python3
[[ -f $FRAMEWORK ]] || die "missing $FRAMEWORK (Debian package: android-framework-res)"
[[ -f $KEYSTORE ]] || die "missing $KEYSTORE (the committed fixture key)"
[[ -f $EXPIRED_KEYSTORE ]] || die "missing $EXPIRED_KEYSTORE (the committed expired fixture key)"

STAMP=$OUT/.inputs.sha256
inputs_hash() {
  {
    (cd "$ROOT" && find fixtures/apps fixtures/keys tools/build-fixtures.sh tools/make-tampered.py -type f -print0 |
      sort -z | xargs -0 sha256sum)
    aapt version; aapt2 version 2>&1; smali --version | head -1; apksigner --version; zipalign 2>&1 | head -1 || true
    aarch64-linux-gnu-gcc --version | head -1; python3 --version
  } | sha256sum | cut -d' ' -f1
}
HASH=$(inputs_hash)
if [[ $CHECK == 0 && $FORCE == 0 && -f $STAMP && $(cat "$STAMP") == "$HASH" ]]; then
  echo "fixtures/built is up to date (inputs unchanged; --force rebuilds)"
  exit 0
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE_OUT=$WORK/out
mkdir -p "$STAGE_OUT"

# Sets every local and central header timestamp of a ZIP to 2008-01-01 00:00 (DOS time), in place.
# aapt stamps entries with the build time; this is the only byte it does not control.
normalize_zip_times() {
  python3 - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
DOS_TIME, DOS_DATE = 0, ((2008 - 1980) << 9) | (1 << 5) | 1
eocd = data.rfind(b"PK\x05\x06")
count, cd_size, cd_off = struct.unpack_from("<HII", data, eocd + 10)
pos = cd_off
for _ in range(count):
    assert data[pos:pos + 4] == b"PK\x01\x02", "bad central directory"
    struct.pack_into("<HH", data, pos + 12, DOS_TIME, DOS_DATE)
    lh = struct.unpack_from("<I", data, pos + 42)[0]
    assert data[lh:lh + 4] == b"PK\x03\x04", "bad local header"
    struct.pack_into("<HH", data, lh + 10, DOS_TIME, DOS_DATE)
    n, x, c = struct.unpack_from("<HHH", data, pos + 28)
    pos += 46 + n + x + c
open(path, "wb").write(bytes(data))
PY
}

sign() {  # sign IN OUT [KEYSTORE ALIAS]   (default: the fixture key)
  local ks=${3:-$KEYSTORE} alias=${4:-$KEY_ALIAS}
  apksigner sign --ks "$ks" --ks-pass "pass:$KEY_PASS" --ks-key-alias "$alias" \
    --key-pass "pass:$KEY_PASS" --v1-signing-enabled true --v2-signing-enabled true \
    --v3-signing-enabled true --out "$2" "$1"
  rm -f "$2.idsig"
}

# build_apk NAME SRC_DIR [EXTRA_STAGE_DIR [KEYSTORE ALIAS]]: SRC_DIR holds AndroidManifest.xml and
# optionally res/, assets/, smali/. EXTRA_STAGE_DIR ("" for none) holds raw files placed at the APK
# root (lib/<abi>/...). KEYSTORE/ALIAS replace the fixture key.
build_apk() {
  local name=$1 src=$2 extra=${3:-} ks=${4:-} alias=${5:-}
  local w=$WORK/$name
  mkdir -p "$w/stage"
  [[ -n $extra ]] && cp -r "$extra"/. "$w/stage/"
  if [[ -d $src/smali ]]; then
    smali assemble --api "$SMALI_API" -o "$w/stage/classes.dex" "$src/smali"
  fi
  local args=(package -f -0 so -M "$src/AndroidManifest.xml" -I "$FRAMEWORK" -F "$w/unsigned.apk")
  [[ -d $src/res ]] && args+=(-S "$src/res")
  [[ -d $src/assets ]] && args+=(-A "$src/assets")
  # aapt adds files in directory order: fix their mtimes too so nothing depends on the checkout.
  find "$w/stage" -exec touch -h -d '2008-01-01 00:00:00 UTC' {} +
  if [[ -n $(ls -A "$w/stage") ]]; then args+=("$w/stage"); fi
  aapt "${args[@]}" >"$w/aapt.log" 2>&1 || { cat "$w/aapt.log" >&2; die "aapt failed for $name"; }
  normalize_zip_times "$w/unsigned.apk"
  zipalign -p -f 4 "$w/unsigned.apk" "$w/aligned.apk"
  sign "$w/aligned.apk" "$STAGE_OUT/$name.apk" "$ks" "$alias"
}

# A ZIP written by Python with fixed timestamps and a fixed entry order: JARs and bundle containers.
# write_zip OUT METHOD NAME=PATH...   (METHOD: stored|deflated)
write_zip() {
  python3 - "$@" <<'PY'
import sys, zipfile
out, method, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
comp = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
with zipfile.ZipFile(out, "w") as z:
    for pair in pairs:
        name, path = pair.split("=", 1)
        info = zipfile.ZipInfo(name, date_time=(2008, 1, 1, 0, 0, 0))
        info.compress_type = comp
        info.external_attr = 0o644 << 16
        info.create_system = 3
        z.writestr(info, open(path, "rb").read())
PY
}

# ---- leaky, clean, xss: one APK each ----
for app in leaky clean xss refflags; do
  build_apk "$app" "$APPS/$app"
done

# ---- risky: signed with the expired key (its certificate ended on 2016-01-01) ----
build_apk risky "$APPS/risky" "" "$EXPIRED_KEYSTORE" "$EXPIRED_ALIAS"

# ---- nested: assets/plugin.jar (JAR with classes.dex) and assets/payload.bin (a raw DEX) ----
N=$WORK/nested-src
mkdir -p "$N/assets"
cp -r "$APPS/nested/." "$N/"
rm -rf "$N/plugin_smali" "$N/payload_smali"
smali assemble --api "$SMALI_API" -o "$WORK/plugin.dex" "$APPS/nested/plugin_smali"
smali assemble --api "$SMALI_API" -o "$N/assets/payload.bin" "$APPS/nested/payload_smali"
printf 'Manifest-Version: 1.0\r\nCreated-By: apkvet build-fixtures\r\n\r\n' >"$WORK/MANIFEST.MF"
write_zip "$N/assets/plugin.jar" deflated "META-INF/MANIFEST.MF=$WORK/MANIFEST.MF" "classes.dex=$WORK/plugin.dex"
build_apk nested "$N"

# ---- bundle: base + arm64-v8a config split, packed as .apks (bundletool) and .xapk (APKPure) ----
B=$WORK/bundle-split
mkdir -p "$B/lib/arm64-v8a"
aarch64-linux-gnu-gcc -shared -nostdlib -fPIC -O2 -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-soname,libbundlenative.so \
  -o "$B/lib/arm64-v8a/libbundlenative.so" "$APPS/bundle/split_arm64/jni/bundlenative.c"
aarch64-linux-gnu-strip --strip-unneeded "$B/lib/arm64-v8a/libbundlenative.so"
build_apk bundle-base "$APPS/bundle/base"
build_apk bundle-split-arm64 "$APPS/bundle/split_arm64" "$B"
: >"$WORK/toc.pb"  # bundletool writes a protobuf table of contents; an empty one parses as "no variants"
write_zip "$STAGE_OUT/bundle.apks" stored \
  "splits/base-master.apk=$STAGE_OUT/bundle-base.apk" \
  "splits/base-arm64_v8a.apk=$STAGE_OUT/bundle-split-arm64.apk" \
  "toc.pb=$WORK/toc.pb"
python3 - "$WORK/manifest.json" "$STAGE_OUT/bundle-base.apk" "$STAGE_OUT/bundle-split-arm64.apk" <<'PY'
import json, os, sys
out, base, split = sys.argv[1:]
manifest = {
    "xapk_version": 2,
    "package_name": "gov.test.bundle",
    "name": "Bundle Fixture",
    "version_code": "4",
    "version_name": "4.0",
    "min_sdk_version": "21",
    "target_sdk_version": "30",
    "permissions": ["android.permission.INTERNET"],
    "split_configs": ["config.arm64_v8a"],
    "total_size": os.path.getsize(base) + os.path.getsize(split),
    "split_apks": [
        {"file": "base.apk", "id": "base"},
        {"file": "config.arm64_v8a.apk", "id": "config.arm64_v8a"},
    ],
}
open(out, "w").write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
PY
write_zip "$STAGE_OUT/bundle.xapk" stored \
  "manifest.json=$WORK/manifest.json" \
  "base.apk=$STAGE_OUT/bundle-base.apk" \
  "config.arm64_v8a.apk=$STAGE_OUT/bundle-split-arm64.apk"

# ---- leaky.aab: the leaky app as an Android App Bundle ----
# Debian has no bundletool: aapt2 links the app in protobuf form (--proto-format, what bundletool
# takes as a module) and the files are laid out as a bundle stores them (base/manifest/, base/dex/,
# base/res/, base/assets/, base/resources.pb, BundleConfig.pb), then JAR-signed (v1 only), as
# jarsigner signs a bundle. An empty BundleConfig.pb is a valid (empty) protobuf message.
L=$WORK/leaky-aab
mkdir -p "$L/stage"
aapt2 compile --dir "$APPS/leaky/res" -o "$L/res.zip"
aapt2 link --proto-format -I "$FRAMEWORK" --manifest "$APPS/leaky/AndroidManifest.xml" -o "$L/proto.apk" "$L/res.zip"
(cd "$L/stage" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(".")' "$L/proto.apk")
smali assemble --api "$SMALI_API" -o "$L/classes.dex" "$APPS/leaky/smali"
: >"$L/BundleConfig.pb"
write_zip "$L/unsigned.aab" deflated \
  "BundleConfig.pb=$L/BundleConfig.pb" \
  "base/manifest/AndroidManifest.xml=$L/stage/AndroidManifest.xml" \
  "base/dex/classes.dex=$L/classes.dex" \
  "base/res/xml/network_security_config.xml=$L/stage/res/xml/network_security_config.xml" \
  "base/resources.pb=$L/stage/resources.pb" \
  "base/assets/index.android.bundle=$APPS/leaky/assets/index.android.bundle"
apksigner sign --ks "$KEYSTORE" --ks-pass "pass:$KEY_PASS" --ks-key-alias "$KEY_ALIAS" --key-pass "pass:$KEY_PASS" \
  --v1-signing-enabled true --v2-signing-enabled false --v3-signing-enabled false --min-sdk-version 21 \
  --out "$STAGE_OUT/leaky.aab" "$L/unsigned.aab"
jar_ok=$(python3 -c 'import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); print(int("META-INF/MANIFEST.MF" in n))' "$STAGE_OUT/leaky.aab")
[[ $jar_ok == 1 ]] || die "leaky.aab is not JAR-signed"

# ---- tampered variants, made from the fresh builds ----
python3 "$ROOT/tools/make-tampered.py" --built "$STAGE_OUT" --out "$STAGE_OUT/tampered" \
  --keystore "$KEYSTORE" --key-pass "$KEY_PASS" --key-alias "$KEY_ALIAS"

# ---- check every signed APK with the tools Android ships ----
for apk in "$STAGE_OUT"/*.apk; do
  apksigner verify "$apk" >/dev/null || die "apksigner verify failed: $(basename "$apk")"
  aapt dump badging "$apk" >/dev/null 2>&1 || die "aapt dump badging failed: $(basename "$apk")"
done
# The AXML variants are re-signed and must still read in aapt (which parses with the same
# libandroidfw code as the device). apksigner's own manifest parser is stricter than Android's and
# refuses some of them, hence --min-sdk-version.
for apk in "$STAGE_OUT"/tampered/axml_*.apk; do
  apksigner verify --min-sdk-version 21 "$apk" >/dev/null || die "apksigner verify failed: tampered/$(basename "$apk")"
  aapt dump badging "$apk" 2>/dev/null | grep -q "^package: name='gov.test.leaky'" ||
    die "aapt dump badging failed: tampered/$(basename "$apk")"
done

# ---- install (or compare, with --check) ----
changed=0
while IFS= read -r -d '' f; do
  rel=${f#"$STAGE_OUT"/}
  if ! cmp -s "$f" "$OUT/$rel"; then
    changed=1
    if [[ $CHECK == 1 ]]; then
      echo "differs: fixtures/built/$rel" >&2
    else
      mkdir -p "$(dirname "$OUT/$rel")"
      cp "$f" "$OUT/$rel"
      echo "updated fixtures/built/$rel"
    fi
  fi
done < <(find "$STAGE_OUT" -type f -print0 | sort -z)
if [[ $CHECK == 1 ]]; then
  [[ $changed == 1 ]] && die "built fixtures differ from the committed ones"
  echo "fixtures/built matches a fresh build"
  exit 0
fi
[[ $changed == 0 ]] && echo "fixtures/built is up to date"
echo "$HASH" >"$STAMP"
exit 0
