#!/usr/bin/env python3
"""Writes tampered variants of the built fixtures into fixtures/built/tampered/.

Each variant applies one trick that malware and packers use against analysis tools. ZIP-level
variants start from clean.apk (their signatures no longer verify, which is expected); AXML
variants start from leaky.apk, change only AndroidManifest.xml in ways Android's own parser
(libandroidfw ResXMLTree/ResStringPool, as used by the package manager) still accepts, and are
re-signed with the fixture key so only the manifest trick differs from the original.

Python 3 standard library only; deterministic (same input bytes, same output bytes).
The table in fixtures/README.md lists every variant and the anomaly it must raise.

Usage: tools/make-tampered.py [--built DIR] [--out DIR] [--keystore P12 --key-pass PW --key-alias A]
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ----------------------------------------------------------------------------------------------
# A small ZIP model: entries with their raw (compressed) bytes, and a writer that can put
# different values in the local header and the central directory.
# ----------------------------------------------------------------------------------------------

FIELDS = ("name", "method", "flags", "crc", "csize", "usize")


class Entry:
    def __init__(self, name, method, flags, crc, csize, usize, data, time=0, date=0x3821,
                 version_made=0x0314, version_needed=20, ext_attr=0o644 << 16):
        self.name = name if isinstance(name, bytes) else name.encode()
        self.method, self.flags, self.crc = method, flags, crc
        self.csize, self.usize, self.data = csize, usize, data
        self.time, self.date = time, date
        self.version_made, self.version_needed, self.ext_attr = version_made, version_needed, ext_attr
        self.lh = {}  # overrides for the local header only: name, method, flags, crc, csize, usize
        self.cd = {}  # overrides for the central directory only
        self.cd_offset = None  # force the central directory's local header offset

    def copy(self):
        e = Entry(self.name, self.method, self.flags, self.crc, self.csize, self.usize, self.data,
                  self.time, self.date, self.version_made, self.version_needed, self.ext_attr)
        e.lh, e.cd = dict(self.lh), dict(self.cd)
        return e

    def get(self, where, field):
        over = self.lh if where == "lh" else self.cd
        v = over.get(field, getattr(self, field))
        return v.encode() if field == "name" and isinstance(v, str) else v


def stored(name, payload):
    return Entry(name, 0, 0, zlib.crc32(payload), len(payload), len(payload), payload)


def deflated(name, payload, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    raw = c.compress(payload) + c.flush()
    return Entry(name, 8, 0, zlib.crc32(payload), len(raw), len(payload), raw)


def read_zip(data):
    """Entries of a well-formed ZIP (as our own builds are), in central directory order."""
    eocd = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_off = struct.unpack_from("<HII", data, eocd + 10)
    out, pos = [], cd_off
    for _ in range(count):
        (sig, made, needed, flags, method, time, date, crc, csize, usize, nlen, xlen, clen, _disk,
         _iattr, eattr, lho) = struct.unpack_from("<IHHHHHHIIIHHHHHII", data, pos)
        assert sig == 0x02014B50
        name = data[pos + 46:pos + 46 + nlen]
        lnlen, lxlen = struct.unpack_from("<HH", data, lho + 26)
        start = lho + 30 + lnlen + lxlen
        e = Entry(name, method, flags & ~0x0008, crc, csize, usize, data[start:start + csize], time, date,
                  made, needed, eattr)
        out.append(e)
        pos += 46 + nlen + xlen + clen
    return out


def content(e):
    """The uncompressed bytes of an entry."""
    if e.method == 8:
        return zlib.decompress(e.data, -15)
    return e.data


def write_zip(entries, prefix=b"", comment=b"", adjust_offsets=True, eocd=None, tail=b""):
    """Serialises entries. `prefix` is written before the first local header; with adjust_offsets
    the offsets account for it (like `zip -A`), without they do not (a plain `cat junk app.zip`).
    `eocd` overrides end-record fields (count_disk, count_total, cd_size, cd_offset).
    `tail` is appended after the end record and its comment (counted in neither)."""
    body = bytearray()
    base = len(prefix) if adjust_offsets else 0
    offsets = []
    for e in entries:
        offsets.append(base + len(body))
        name = e.get("lh", "name")
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, e.version_needed, e.get("lh", "flags"),
                            e.get("lh", "method"), e.time, e.date, e.get("lh", "crc"),
                            e.get("lh", "csize"), e.get("lh", "usize"), len(name), 0)
        body += name + e.data
    cd = bytearray()
    for e, off in zip(entries, offsets):
        name = e.get("cd", "name")
        lho = e.cd_offset if e.cd_offset is not None else off
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, e.version_made, e.version_needed,
                          e.get("cd", "flags"), e.get("cd", "method"), e.time, e.date, e.get("cd", "crc"),
                          e.get("cd", "csize"), e.get("cd", "usize"), len(name), 0, 0, 0, 0, e.ext_attr, lho)
        cd += name
    fields = {"count_disk": len(entries), "count_total": len(entries), "cd_size": len(cd),
              "cd_offset": base + len(body)}
    fields.update(eocd or {})
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, fields["count_disk"], fields["count_total"],
                      fields["cd_size"], fields["cd_offset"], len(comment))
    return bytes(prefix) + bytes(body) + bytes(cd) + end + comment + tail


def find(entries, name):
    for e in entries:
        if e.name == name.encode():
            return e
    raise KeyError(name)


def unsigned(entries):
    """Drops the v1 signature files: a re-signed or tampered APK does not keep stale ones."""
    return [e.copy() for e in entries if not e.name.startswith(b"META-INF/")]


# ----------------------------------------------------------------------------------------------
# ZIP-level variants (from clean.apk)
# ----------------------------------------------------------------------------------------------


def zip_variants(clean):
    src = read_zip(clean)
    v = {}

    # Two entries named classes.dex; the second has other bytes. Android 10+ refuses duplicates,
    # older Android and tools disagree on which copy wins (Master Key, bug 8219321).
    es = [e.copy() for e in src]
    dex = content(find(es, "classes.dex"))
    evil = bytearray(dex)
    evil[-8:] = b"EVILDEX!"
    es.insert(len(es) - 3, deflated("classes.dex", bytes(evil)))
    v["duplicate_entry.apk"] = write_zip(es)

    # BadPack: the local header of AndroidManifest.xml names a bogus compression method; the
    # central directory (which Android trusts) says deflated. Tools reading local headers fail.
    es = [e.copy() for e in src]
    find(es, "AndroidManifest.xml").lh["method"] = 0x5A4D
    v["badpack_local_method.apk"] = write_zip(es)

    # Local header disagrees with the central directory on name and sizes (same name length, so
    # Android, which takes the data offset from the local header's lengths, reads the right bytes).
    es = [e.copy() for e in src]
    e = find(es, "classes.dex")
    e.lh.update(name=b"classez.dex", csize=e.csize + 1000, usize=e.usize * 3)
    v["local_header_mismatch.apk"] = write_zip(es)

    # General-purpose bit 0 (encrypted) set on every entry in both headers; the data is not
    # encrypted. Android ignores the bit; many tools ask for a password or give up.
    es = [e.copy() for e in src]
    for e in es:
        e.flags |= 0x0001
    v["encrypted_flag.apk"] = write_zip(es)

    # A stored entry (resources.arsc) whose compression method is an unknown number in both
    # headers. Android reads anything that is not deflate as stored (SoumniBot).
    es = [e.copy() for e in src]
    e = find(es, "resources.arsc")
    assert e.method == 0
    e.method = 0x7A57
    v["unknown_method_stored.apk"] = write_zip(es)

    # Names that escape an extraction directory.
    es = [e.copy() for e in src]
    payload = b"not really a library\n"
    for n in ("../../evil.so", "/data/local/tmp/evil.so", "lib\\arm64-v8a\\..\\..\\evil.so"):
        es.insert(len(es) - 3, stored(n, payload))
    v["path_traversal.apk"] = write_zip(es)

    # A second, fake end record inside the archive comment. It is nearest the end, so Android
    # (which scans backwards) and most tools take it; it points at the same central directory,
    # so the archive still installs, but a reader scanning forward meets the first record first.
    es = [e.copy() for e in src]
    plain = write_zip(es)
    eocd_at = plain.rfind(b"PK\x05\x06")
    fake_tail = b"apkvet-fake"
    fake = plain[eocd_at:eocd_at + 20] + struct.pack("<H", len(fake_tail))
    comment = b"zip-comment:" + fake + fake_tail
    v["two_eocd.apk"] = write_zip(es, comment=comment)

    # Bytes before the first local header, offsets adjusted (a self-extractor, `zip -A`): valid.
    es = [e.copy() for e in src]
    junk = b"#!/bin/sh\necho not an apk\nexit 0\n" + b"\0" * 479
    v["prepended_data.apk"] = write_zip(es, prefix=junk)

    # The same bytes prepended by plain concatenation: offsets not adjusted. Android refuses it;
    # Info-ZIP and Python's zipfile read it by measuring the shift.
    v["prepended_data_unadjusted.apk"] = junk + clean

    # Janus (CVE-2017-13156): a DEX file followed by the ZIP, offsets adjusted, the DEX header's
    # file_size, SHA-1 signature and Adler-32 checksum recomputed over the whole file, so the file
    # is a valid DEX and a valid ZIP at once. Old Android ran the DEX of a v1-only signed APK.
    es = [e.copy() for e in src]
    janus = bytearray(write_zip(es, prefix=dex))
    struct.pack_into("<I", janus, 32, len(janus))
    janus[12:32] = hashlib.sha1(janus[32:]).digest()
    struct.pack_into("<I", janus, 8, zlib.adler32(janus[12:]))
    v["janus_dex_prefix.apk"] = bytes(janus)

    # Zip bomb, one entry: 16 MiB of zeros deflated (~1030:1), honest sizes.
    es = [e.copy() for e in src]
    es.insert(len(es) - 3, deflated("assets/bomb.bin", b"\0" * (16 << 20)))
    v["zip_bomb_ratio.apk"] = write_zip(es)

    # Zip bomb, declared size: a small entry whose headers claim 3.75 GiB uncompressed.
    es = [e.copy() for e in src]
    b = deflated("assets/huge.bin", b"\0" * 4096)
    b.usize = 0xF0000000
    es.insert(len(es) - 3, b)
    v["zip_bomb_declared.apk"] = write_zip(es)

    # Overlapping-entries bomb (Fifield, "A better zip bomb", 2019): every file's deflate stream
    # quotes the next file's local header in a stored block and then runs on into the next file's
    # data, so all files share one compressed kernel.
    v["zip_bomb_overlap.apk"] = overlap_bomb(src)

    # Central directory cut short. (a) The file ends in the middle of the central directory: no
    # end record at all. (b) An end record follows a central directory cut mid-record.
    es = [e.copy() for e in src]
    plain = write_zip(es)
    count, cd_size, cd_off = struct.unpack_from("<HII", plain, plain.rfind(b"PK\x05\x06") + 10)
    v["truncated_cd.apk"] = plain[:cd_off + cd_size // 2]
    cut = cd_size - 20  # inside the last record's name
    v["truncated_cd_with_eocd.apk"] = (plain[:cd_off + cut] + struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count, count, cut, cd_off, 0))

    # The end record counts three entries more than the central directory holds.
    es = [e.copy() for e in src]
    v["entry_count_mismatch.apk"] = write_zip(es, eocd={"count_disk": len(es) + 3, "count_total": len(es) + 3})
    return v


def stored_block_header(n, final=False):
    return struct.pack("<BHH", 1 if final else 0, n, n ^ 0xFFFF)


def overlap_bomb(src, files=32, kernel_size=1 << 20):
    base = unsigned(src)
    kc = zlib.compressobj(9, zlib.DEFLATED, -15)
    kernel = kc.compress(b"\0" * kernel_size) + kc.flush()  # one final block
    names = [("assets/overlap/%02d.bin" % i).encode() for i in range(files)]

    # Lay out the bomb region after the ordinary entries: LH_0 Q_0 LH_1 Q_1 ... LH_n-1 kernel.
    plain_body = bytearray()
    ordinary = []
    for e in base:
        ordinary.append(len(plain_body))
        plain_body += struct.pack("<IHHHHHIIIHH", 0x04034B50, e.version_needed, e.flags, e.method, e.time,
                                  e.date, e.crc, e.csize, e.usize, len(e.name), 0) + e.name + e.data

    def lh(name, crc, csize, usize):
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x3821, crc, csize, usize, len(name), 0) + name

    # Work backwards: file i's stream = stored(LH_{i+1}) + stream_{i+1}; output = LH_{i+1} + out_{i+1}.
    streams, outputs = [None] * files, [None] * files
    streams[-1], outputs[-1] = kernel, b"\0" * kernel_size
    headers = [None] * files
    for i in range(files - 1, -1, -1):
        if i < files - 1:
            nxt = headers[i + 1]
            streams[i] = stored_block_header(len(nxt)) + nxt + streams[i + 1]
            outputs[i] = nxt + outputs[i + 1]
        # The local header's own sizes must match the central directory's (we want only overlap).
        headers[i] = lh(names[i], zlib.crc32(outputs[i]), len(streams[i]), len(outputs[i]))
    # Region: LH_0, then for each i: the stored-block header quoting LH_{i+1}, LH_{i+1}, ...
    region = bytearray(headers[0])
    starts = [0]
    for i in range(files - 1):
        region += stored_block_header(len(headers[i + 1]))
        starts.append(len(region))
        region += headers[i + 1]
    region += kernel
    for i in range(files):
        assert zlib.decompress(bytes(region[starts[i] + len(headers[i]):]), -15) == outputs[i]

    bomb_off = len(plain_body)
    cd = bytearray()
    for e, off in zip(base, ordinary):
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, e.version_made, e.version_needed, e.flags, e.method,
                          e.time, e.date, e.crc, e.csize, e.usize, len(e.name), 0, 0, 0, 0, e.ext_attr, off) + e.name
    for i in range(files):
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0, 8, 0, 0x3821, zlib.crc32(outputs[i]),
                          len(streams[i]), len(outputs[i]), len(names[i]), 0, 0, 0, 0, 0o644 << 16,
                          bomb_off + starts[i]) + names[i]
    n = len(base) + files
    body = bytes(plain_body) + bytes(region)
    return body + bytes(cd) + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), len(body), 0)


# ----------------------------------------------------------------------------------------------
# AXML variants (from leaky.apk). Android's ResXMLTree::setTo / ResStringPool::setTo /
# ResXMLParser::nextNode (frameworks/base/libs/androidfw/ResourceTypes.cpp) accept all of these.
# ----------------------------------------------------------------------------------------------

RES_XML_START_ELEMENT = 0x0102
ANDROID_NS = "http://schemas.android.com/apk/res/android"


class Axml:
    """Just enough of a binary XML file to edit its string pool and node stream."""

    def __init__(self, data):
        self.data = bytearray(data)
        typ, hsize, size = struct.unpack_from("<HHI", data, 0)
        assert (typ, hsize, size) == (3, 8, len(data)), "expected an untouched aapt manifest"
        self.sp = 8
        (self.sp_type, self.sp_hsize, self.sp_size, self.count, self.styles, self.flags,
         self.strings_start, self.styles_start) = struct.unpack_from("<HHIIIIII", data, 8)
        assert self.sp_type == 1 and self.styles == 0
        self.utf8 = bool(self.flags & 0x100)
        rm = 8 + self.sp_size
        typ, hsize, size = struct.unpack_from("<HHI", data, rm)
        assert typ == 0x0180
        self.res_ids = list(struct.unpack_from("<%dI" % ((size - hsize) // 4), data, rm + hsize))
        self.nodes = rm + size

    def string_offset(self, i):
        return self.sp + self.strings_start + struct.unpack_from("<I", self.data, self.sp + self.sp_hsize + 4 * i)[0]

    def string(self, i):
        off = self.string_offset(i)
        if self.utf8:
            n = self.data[off + 1]
            return self.data[off + 2:off + 2 + n].decode()
        n = struct.unpack_from("<H", self.data, off)[0]
        return self.data[off + 2:off + 2 + 2 * n].decode("utf-16-le")

    def index(self, s):
        for i in range(self.count):
            if self.string(i) == s:
                return i
        raise KeyError(s)

    def empty_string(self, i):
        """Length 0 and a terminator in place; the old characters stay behind as dead bytes."""
        off = self.string_offset(i)
        if self.utf8:
            self.data[off:off + 3] = b"\0\0\0"
        else:
            self.data[off:off + 4] = b"\0\0\0\0"

    def elements(self):
        """(offset, attribute offsets) of every start-element node."""
        out, pos = [], self.nodes
        while pos < len(self.data):
            typ, hsize, size = struct.unpack_from("<HHI", self.data, pos)
            if typ == RES_XML_START_ELEMENT:
                ext = pos + hsize
                astart, asize, acount = struct.unpack_from("<HHH", self.data, ext + 8)
                out.append((pos, [ext + astart + k * asize for k in range(acount)]))
            pos += size
        return out

    def append_string(self, s):
        """Adds a string at the end of the pool (indices of the others do not change)."""
        assert not self.utf8
        sp = self.sp
        offsets = list(struct.unpack_from("<%dI" % self.count, self.data, sp + self.sp_hsize))
        pool = bytes(self.data[sp + self.strings_start:sp + self.sp_size])
        enc = s.encode("utf-16-le")
        # aapt pads the pool with zeros to 4 bytes; the last string's terminator may be among
        # them, so place the new string after the last real string's terminator.
        last = max(offsets)
        n = struct.unpack_from("<H", pool, last)[0]
        new_off = last + 2 + 2 * n + 2
        pool = pool[:new_off] + struct.pack("<H", len(enc) // 2) + enc + b"\0\0"
        pool += b"\0" * (-len(pool) % 4)
        offsets.append(new_off)
        count = self.count + 1
        strings_start = self.sp_hsize + 4 * count
        size = strings_start + len(pool)
        chunk = struct.pack("<HHIIIIII", 1, self.sp_hsize, size, count, 0, self.flags, strings_start, 0)
        chunk += struct.pack("<%dI" % count, *offsets) + pool
        old_end = sp + self.sp_size
        delta = len(chunk) - self.sp_size
        self.data[sp:old_end] = chunk
        struct.pack_into("<I", self.data, 4, len(self.data))
        self.sp_size, self.count, self.strings_start = size, count, strings_start
        self.nodes += delta
        return count - 1


def attrs_named(ax, names):
    """Offsets of every attribute whose name string is one of `names` (and has a resource id)."""
    want = {ax.index(n) for n in names}
    assert all(i < len(ax.res_ids) for i in want), "attribute names must map to resource ids"
    out = []
    for _, attrs in ax.elements():
        for a in attrs:
            if struct.unpack_from("<I", ax.data, a + 4)[0] in want:
                out.append(a)
    return out


# Attributes Android's package parser reads only through resource ids (obtainAttributes), never by
# namespace+name (as it does for intent-filter action/category names and some lite-parse fields).
RESOURCE_ID_ONLY = ("versionName", "label", "allowBackup", "exported", "usesCleartextTraffic",
                    "networkSecurityConfig")


def axml_variants(manifest):
    v = {}

    # File header type is not RES_XML_TYPE (androguard #327): ResXMLTree::setTo never checks it.
    ax = Axml(manifest)
    struct.pack_into("<H", ax.data, 0, 0x0000)
    v["axml_header_type.apk"] = bytes(ax.data)

    # File header's headerSize is 12, not 8, with 4 padding bytes before the string pool:
    # Android finds the first chunk at headerSize; parsers that assume 8 read garbage.
    ax = Axml(manifest)
    d = bytearray(ax.data[:8]) + b"\0\0\0\0" + ax.data[8:]
    struct.pack_into("<HHI", d, 0, 3, 12, len(d))
    v["axml_header_size.apk"] = bytes(d)

    # Bytes after the document, not counted by the header's size (androguard: "declared filesize
    # smaller than total file size"). Android parses only header.size bytes.
    v["axml_trailing_data.apk"] = bytes(manifest) + b"\0\0\x08\x00" + b"apkvet trailing junk".ljust(60, b"!")

    # String pool: stringCount raised by 8 (the offsets table still fits in the chunk; the extra
    # "offsets" overlap string data and are never used), and a stylesStart with styleCount 0,
    # which Android ignores. Parsers that trust either field misplace or reject the strings.
    ax = Axml(manifest)
    extra = 8
    assert ax.sp_hsize + 4 * (ax.count + extra) <= ax.sp_size
    struct.pack_into("<I", ax.data, ax.sp + 8, ax.count + extra)
    struct.pack_into("<I", ax.data, ax.sp + 24, 0x7FFFFFF0)
    v["axml_string_pool.apk"] = bytes(ax.data)

    # An unknown chunk type between element nodes (apkInspector's "dummy data"): nextNode() skips
    # node types it does not know.
    ax = Axml(manifest)
    first_elem = ax.elements()[0][0]
    size = struct.unpack_from("<I", ax.data, first_elem + 4)[0]
    dummy = struct.pack("<HHIII", 0x01FF, 16, 32, 0, 0xFFFFFFFF) + b"apkvet dummy....".ljust(16, b".")
    d = ax.data[:first_elem + size] + dummy + ax.data[first_elem + size:]
    struct.pack_into("<I", d, 4, len(d))
    v["axml_dummy_chunk.apk"] = bytes(d)

    # Attribute-name strings emptied: only the resource map identifies these attributes.
    ax = Axml(manifest)
    for n in RESOURCE_ID_ONLY:
        ax.empty_string(ax.index(n))
    v["axml_empty_attr_names.apk"] = bytes(ax.data)

    # Wrong namespace URI on attributes that still carry Android resource ids.
    ax = Axml(manifest)
    targets = attrs_named(ax, RESOURCE_ID_ONLY)
    wrong = ax.append_string("http://schemas.android.com/apk/res-auto")
    for a in attrs_named(ax, RESOURCE_ID_ONLY):  # offsets moved with the pool
        struct.pack_into("<I", ax.data, a, wrong)
    assert targets
    v["axml_wrong_namespace.apk"] = bytes(ax.data)
    return v


def with_manifest(src, manifest):
    es = unsigned(src)
    old = find(es, "AndroidManifest.xml")
    new = deflated("AndroidManifest.xml", manifest)
    es[es.index(old)] = new
    return write_zip(es)


def sign(path, out, keystore, key_pass, key_alias, work):
    aligned = os.path.join(work, "aligned.apk")
    subprocess.run(["zipalign", "-p", "-f", "4", path, aligned], check=True)
    # --min-sdk-version: apksigner need not parse the (tampered) manifest to pick v1 digests.
    subprocess.run(["apksigner", "sign", "--ks", keystore, "--ks-pass", "pass:" + key_pass,
                    "--ks-key-alias", key_alias, "--key-pass", "pass:" + key_pass, "--min-sdk-version", "21",
                    "--v1-signing-enabled", "true", "--v2-signing-enabled", "true",
                    "--v3-signing-enabled", "true", "--out", out, aligned], check=True)
    if os.path.exists(out + ".idsig"):
        os.remove(out + ".idsig")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--built", default=os.path.join(ROOT, "fixtures", "built"))
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures", "built", "tampered"))
    ap.add_argument("--keystore", default=os.path.join(ROOT, "fixtures", "keys", "fixtures.p12"))
    ap.add_argument("--key-pass", default="apkvet-fixtures")
    ap.add_argument("--key-alias", default="fixtures")
    args = ap.parse_args()
    for tool in ("zipalign", "apksigner"):
        if shutil.which(tool) is None:
            sys.exit("make-tampered: missing tool '%s'" % tool)

    os.makedirs(args.out, exist_ok=True)
    clean = open(os.path.join(args.built, "clean.apk"), "rb").read()
    for name, data in sorted(zip_variants(clean).items()):
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)

    leaky = open(os.path.join(args.built, "leaky.apk"), "rb").read()
    src = read_zip(leaky)
    manifest = content(find(src, "AndroidManifest.xml"))
    with tempfile.TemporaryDirectory() as work:
        for name, axml in sorted(axml_variants(manifest).items()):
            raw = os.path.join(work, "unsigned.apk")
            with open(raw, "wb") as f:
                f.write(with_manifest(src, axml))
            sign(raw, os.path.join(args.out, name), args.keystore, args.key_pass, args.key_alias, work)


if __name__ == "__main__":
    main()
