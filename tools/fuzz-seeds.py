#!/usr/bin/env python3
"""Extracts fuzz seeds from the real-APK corpus (and built fixtures) into OUT/<target>/.

Each fuzz target is seeded with the kind of bytes it parses: whole APKs for the ZIP reader and the
signing block, AndroidManifest.xml for AXML, resources.arsc, classes*.dex, native .so files, and
text assets for endpoint extraction. Small files only, so a short CI fuzz pass starts quickly."""
import hashlib
import os
import sys
import zipfile

MAX_SEED = 256 * 1024


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "build-fuzz", "seeds")
    sources = []
    for d in (os.path.join(repo, "..", "shared", "corpus", "apks"), os.path.join(repo, "fixtures", "built")):
        for root, _, files in os.walk(d):
            sources += [os.path.join(root, f) for f in sorted(files) if f.endswith((".apk", ".apks", ".xapk", ".aab"))]

    def put(target, data):
        if not data or len(data) > MAX_SEED:
            return
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)

    for path in sources:
        with open(path, "rb") as f:
            whole = f.read()
        put("zip", whole)
        put("signing", whole)
        try:
            z = zipfile.ZipFile(path)
            names = z.namelist()
        except Exception:
            continue  # hostile archives: the whole file is already a ZIP seed
        for name in names:
            kind = None
            # App Bundle modules: the manifest and XML in aapt2's protobuf form, resources.pb (the same readers).
            module_path = name.split("/", 1)[1] if "/" in name else ""
            if name == "AndroidManifest.xml" or (name.startswith("res/xml/") and name.endswith(".xml")):
                kind = "axml"
            elif module_path == "manifest/AndroidManifest.xml" or (module_path.startswith("res/xml/") and name.endswith(".xml")):
                kind = "axml"
            elif name == "resources.arsc" or module_path == "resources.pb":
                kind = "arsc"
            elif name.endswith(".dex"):
                kind = "dex"
            elif name.endswith(".so"):
                kind = "elf"
            elif name.endswith((".js", ".json", ".html", ".properties", ".txt", ".bundle")):
                kind = "endpoints"
            if not kind:
                continue
            try:
                info = z.getinfo(name)
                if info.file_size > MAX_SEED:
                    continue
                put(kind, z.read(name))
            except Exception:
                pass
    # Traffic: the fixture captures whole (pcap) and their TCP/UDP payloads (http: flag byte + bytes).
    traffic = os.path.join(repo, "fixtures", "traffic")
    for name in sorted(os.listdir(traffic)) if os.path.isdir(traffic) else []:
        with open(os.path.join(traffic, name), "rb") as f:
            data = f.read()
        if name.endswith((".pcap", ".pcapng")):
            put("pcap", data)
        if name.endswith(".har"):
            put("http", data)
        if name.endswith(".pcap") and data[:4] == b"\xd4\xc3\xb2\xa1" and data[20] == 1:  # little-endian, Ethernet
            at = 24
            while at + 16 <= len(data):
                n = int.from_bytes(data[at + 8:at + 12], "little")
                frame = data[at + 16:at + 16 + n]
                at += 16 + n
                if len(frame) < 34 or frame[12:14] != b"\x08\x00":
                    continue
                ihl = (frame[14] & 15) * 4
                seg = frame[14 + ihl:]
                body = seg[(seg[12] >> 4) * 4:] if frame[23] == 6 and len(seg) > 12 else seg[8:]
                if len(body) > 8:
                    put("http", b"\x01" + body)
    # HTTP/2 (flag 4: fuzz_http puts the connection preface first): SETTINGS, a HEADERS block (static
    # table entries, a literal added to the dynamic table, a literal never indexed), a padded
    # CONTINUATION-free request with DATA, and a second request that refers to the dynamic table.
    def frame(kind, flags, stream, payload):
        return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload
    def literal(name, value):
        return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value
    block = b"\x83\x84\x87" + b"\x41" + bytes([len(b"log.tiktokv.com")]) + b"log.tiktokv.com" + literal(b"x-device", b"356938035643809")
    h2 = frame(4, 0, 0, b"") + frame(1, 4, 1, block) + frame(0, 9, 1, b"\x02" + b'{"imei":"356938035643809"}' + b"\x00\x00")
    h2 += frame(1, 5, 3, b"\x82\x84\x87\xbe")
    put("http", b"\x05" + h2)
    for target in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        print(f"fuzz-seeds: {target}: {len(os.listdir(os.path.join(out, target)))} seeds")


if __name__ == "__main__":
    main()
