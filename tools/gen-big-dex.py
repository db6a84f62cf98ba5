#!/usr/bin/env python3
"""Writes a synthetic Android app's DEX files directly (no SDK needed): N classes spread over as many
classes*.dex as the 16-bit index limits need, each class with fields, constructor, static and virtual
methods whose bytecode holds realistic call sites (app-internal calls, framework calls such as
Log.d / StringBuilder / TelephonyManager.getDeviceId, interface and /range invokes), const-strings,
sget of Build.SERIAL, packed-switch and fill-array-data payloads. Files verify with dexdump.

  gen-big-dex.py --classes 180000 --out big.apk            # an APK (zip) holding classes*.dex
  gen-big-dex.py --classes 50 --out small.dex              # one raw DEX (035)
  gen-big-dex.py --classes 300 --sections 3 --out c.dex    # one DEX 041 container with 3 sections
"""
import argparse
import hashlib
import struct
import sys
import zipfile
import zlib

CLASSES_PER_DEX = 10000  # 6 methods each + framework refs stays under 65536 method ids


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def mutf8(s):
    out = bytearray()
    for ch in s:
        c = ord(ch)
        if c == 0:
            out += b"\xc0\x80"
        elif c < 0x80:
            out.append(c)
        elif c < 0x800:
            out += bytes([0xC0 | (c >> 6), 0x80 | (c & 0x3F)])
        elif c < 0x10000:
            out += bytes([0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F)])
        else:  # surrogate pair, each as 3 bytes
            c -= 0x10000
            for u in (0xD800 | (c >> 10), 0xDC00 | (c & 0x3FF)):
                out += bytes([0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)])
    return bytes(out)


def utf16_len(s):
    return sum(2 if ord(c) > 0xFFFF else 1 for c in s)


def utf16_key(s):
    return s.encode("utf-16-be")


def shorty(desc):
    return "L" if desc[0] in "L[" else desc


class DexBuilder:
    """Collects ids, then lays out one DEX. All references are by value (descriptor/name strings)."""

    def __init__(self):
        self.strings = set()
        self.types = set()
        self.protos = set()   # (ret, (params...))
        self.fields = set()   # (cls, name, type)
        self.methods = set()  # (cls, name, (ret, params))
        self.classes = []     # dicts

    def string(self, s):
        self.strings.add(s)

    def type(self, t):
        self.types.add(t)
        self.strings.add(t)

    def proto(self, p):
        ret, params = p
        self.protos.add(p)
        self.type(ret)
        for x in params:
            self.type(x)
        self.strings.add(shorty(ret) + "".join(shorty(x) for x in params))

    def field(self, f):
        self.fields.add(f)
        self.type(f[0])
        self.type(f[2])
        self.strings.add(f[1])

    def method(self, m):
        self.methods.add(m)
        self.type(m[0])
        self.strings.add(m[1])
        self.proto(m[2])

    def build(self, version="035", section_base=0, container=False):
        strings = sorted(self.strings, key=utf16_key)
        sidx = {s: i for i, s in enumerate(strings)}
        types = sorted(self.types, key=lambda t: sidx[t])
        tidx = {t: i for i, t in enumerate(types)}
        protos = sorted(self.protos, key=lambda p: (tidx[p[0]], [tidx[x] for x in p[1]]))
        pidx = {p: i for i, p in enumerate(protos)}
        fields = sorted(self.fields, key=lambda f: (tidx[f[0]], sidx[f[1]], tidx[f[2]]))
        fidx = {f: i for i, f in enumerate(fields)}
        methods = sorted(self.methods, key=lambda m: (tidx[m[0]], sidx[m[1]], pidx[m[2]]))
        midx = {m: i for i, m in enumerate(methods)}
        if len(types) > 65536 or len(methods) > 65536 or len(fields) > 65536:
            raise SystemExit("too many ids for one DEX: %d types %d methods" % (len(types), len(methods)))

        header_size = 0x78 if container else 0x70
        off = header_size
        string_ids_off = off; off += 4 * len(strings)
        type_ids_off = off; off += 4 * len(types)
        proto_ids_off = off; off += 12 * len(protos)
        field_ids_off = off; off += 8 * len(fields)
        method_ids_off = off; off += 8 * len(methods)
        class_defs_off = off; off += 32 * len(self.classes)
        data_off = off
        data = bytearray()

        def pos():  # absolute offset of the next data byte (container: from the container's start)
            return section_base + data_off + len(data)

        def align4():
            while (data_off + len(data)) % 4:
                data.append(0)

        # code items (4-aligned), in class order
        code_counts = 0
        code_offs = {}
        ctx = dict(s=sidx, t=tidx, f=fidx, m=midx, p=pidx)
        for ci, c in enumerate(self.classes):
            for mi, m in enumerate(c["direct"] + c["virtual"]):
                if m.get("code") is None:
                    continue
                align4()
                regs, ins, outs, units = m["code"](ctx)
                code_offs[(ci, mi)] = pos()
                data += struct.pack("<HHHHII", regs, ins, outs, 0, 0, len(units))
                data += struct.pack("<%dH" % len(units), *units)
                code_counts += 1
        code_start = None if not code_offs else min(code_offs.values())
        # type lists
        align4()
        tl_start = pos()
        tl_offs = {}
        lists = set(p[1] for p in protos if p[1]) | set(tuple(c["interfaces"]) for c in self.classes if c["interfaces"])
        for lst in sorted(lists, key=lambda l: [tidx[x] for x in l]):
            align4()
            tl_offs[lst] = pos()
            data += struct.pack("<I", len(lst)) + struct.pack("<%dH" % len(lst), *[tidx[x] for x in lst])
        # string data
        sd_start = pos()
        sd_offs = []
        for s in strings:
            sd_offs.append(pos())
            data += uleb(utf16_len(s)) + mutf8(s) + b"\0"
        # class data
        cd_start = pos()
        cd_offs = []
        for ci, c in enumerate(self.classes):
            cd_offs.append(pos())
            sf = sorted(fidx[f] for f in c["static_fields"])
            inf = sorted(fidx[f] for f in c["instance_fields"])
            dm = sorted((midx[m["id"]], i, m) for i, m in enumerate(c["direct"]))
            vm = sorted((midx[m["id"]], len(c["direct"]) + i, m) for i, m in enumerate(c["virtual"]))
            data += uleb(len(sf)) + uleb(len(inf)) + uleb(len(dm)) + uleb(len(vm))
            for lst, flags in ((sf, 0x9), (inf, 0x1)):
                prev = 0
                for f in lst:
                    data += uleb(f - prev) + uleb(flags)
                    prev = f
            for lst in (dm, vm):
                prev = 0
                for (m, k, md) in lst:
                    data += uleb(m - prev) + uleb(md["flags"]) + uleb(code_offs.get((ci, k), 0))
                    prev = m
        # map list
        align4()
        map_off = pos()
        items = [(0x0000, 1, section_base), (0x0001, len(strings), section_base + string_ids_off),
                 (0x0002, len(types), section_base + type_ids_off), (0x0003, len(protos), section_base + proto_ids_off),
                 (0x0004, len(fields), section_base + field_ids_off), (0x0005, len(methods), section_base + method_ids_off),
                 (0x0006, len(self.classes), section_base + class_defs_off)]
        if code_counts:
            items.append((0x2001, code_counts, code_start))
        if tl_offs:
            items.append((0x1001, len(tl_offs), min(tl_offs.values())))
        items.append((0x2002, len(strings), sd_start))
        if self.classes:
            items.append((0x2000, len(self.classes), cd_start))
        items.append((0x1000, 1, map_off))
        items = [i for i in items if i[1] or i[0] == 0]
        data += struct.pack("<I", len(items))
        for t, n, o in items:
            data += struct.pack("<HHII", t, 0, n, o)
        file_size = data_off + len(data)

        out = bytearray(file_size)
        out[0:8] = b"dex\n" + version.encode() + b"\0"
        hdr = struct.pack("<IIIIIIIIIIIIIIIIIIIII", file_size, header_size, 0x12345678, 0, 0, map_off,
                          len(strings), section_base + string_ids_off, len(types), section_base + type_ids_off,
                          len(protos), section_base + proto_ids_off, len(fields), section_base + field_ids_off,
                          len(methods), section_base + method_ids_off, len(self.classes), section_base + class_defs_off,
                          file_size - data_off, section_base + data_off, 0)[:-4]
        out[32:32 + len(hdr)] = hdr
        for i, o in enumerate(sd_offs):
            struct.pack_into("<I", out, string_ids_off + 4 * i, o)
        for i, t in enumerate(types):
            struct.pack_into("<I", out, type_ids_off + 4 * i, sidx[t])
        for i, (ret, params) in enumerate(protos):
            struct.pack_into("<III", out, proto_ids_off + 12 * i, sidx[shorty(ret) + "".join(shorty(x) for x in params)],
                             tidx[ret], tl_offs[params] if params else 0)
        for i, (c, n, t) in enumerate(fields):
            struct.pack_into("<HHI", out, field_ids_off + 8 * i, tidx[c], tidx[t], sidx[n])
        for i, (c, n, p) in enumerate(methods):
            struct.pack_into("<HHI", out, method_ids_off + 8 * i, tidx[c], pidx[p], sidx[n])
        for i, c in enumerate(self.classes):
            struct.pack_into("<IIIIIIII", out, class_defs_off + 32 * i, tidx[c["name"]], c["flags"], tidx[c["super"]],
                             tl_offs[tuple(c["interfaces"])] if c["interfaces"] else 0,
                             0xFFFFFFFF, 0, cd_offs[i], 0)
        out[data_off:] = data
        return out, header_size


def finish(out, container_size=None, header_offset=0):
    """Fills the v041 fields (if any), the SHA-1 signature and the adler32 checksum."""
    if container_size is not None:
        struct.pack_into("<II", out, 0x70, container_size, header_offset)
    out[12:32] = hashlib.sha1(bytes(out[32:])).digest()
    struct.pack_into("<I", out, 8, zlib.adler32(bytes(out[12:])))
    return bytes(out)


OBJ, STR, LOG, SB = "Ljava/lang/Object;", "Ljava/lang/String;", "Landroid/util/Log;", "Ljava/lang/StringBuilder;"
RUNNABLE, BUILD, TM = "Ljava/lang/Runnable;", "Landroid/os/Build;", "Landroid/telephony/TelephonyManager;"
INIT = (OBJ, "<init>", ("V", ()))
LOG_D = (LOG, "d", ("I", (STR, STR)))
SB_INIT = (SB, "<init>", ("V", ()))
SB_APPEND = (SB, "append", (SB, (STR,)))
SB_TOSTRING = (SB, "toString", (STR, ()))
RUN_IFACE = (RUNNABLE, "run", ("V", ()))
DEVICE_ID = (TM, "getDeviceId", (STR, ()))
SERIAL = (BUILD, "SERIAL", STR)


def make_dex(first, count, total, seed):
    """Classes first..first+count-1 of the app, each calling into other classes of the same DEX."""
    b = DexBuilder()
    names = ["Lcom/synth/app/p%d/C%d;" % (i // 200, i) for i in range(first, first + count)]
    for ext in (INIT, LOG_D, SB_INIT, SB_APPEND, SB_TOSTRING, RUN_IFACE, DEVICE_ID):
        b.method(ext)
    b.field(SERIAL)
    b.type("[I")
    rnd = seed * 2654435761 & 0xFFFFFFFF

    def pick():
        nonlocal rnd
        rnd = (rnd * 1103515245 + 12345) & 0x7FFFFFFF
        return names[rnd % count]

    for k, name in enumerate(names):
        i = first + k
        ids = {
            "init": (name, "<init>", ("V", ())),
            "run": (name, "run", ("V", ())),
            "m1": (name, "m1", ("V", (STR,))),
            "m2": (name, "m2", ("I", ())),
            "m3": (name, "m3", ("V", ("I",))),
            "s0": (name, "s0", ("I", ("I",))),
        }
        for m in ids.values():
            b.method(m)
        sf, inf = (name, "TAG", STR), (name, "count", "I")
        b.field(sf)
        b.field(inf)
        tag = "tag/%d" % i if i % 97 else "t\u00e9l\u00e9phone \U0001F600 %d" % i  # some non-ASCII strings
        b.string(tag)
        b.string("s")
        peers = [pick() for _ in range(4)]
        def peer_ids(p):
            return {
                "init": (p, "<init>", ("V", ())), "run": (p, "run", ("V", ())), "m2": (p, "m2", ("I", ())),
                "s0": (p, "s0", ("I", ("I",))),
            }

        def code_init(ctx, _name=name):
            m = ctx["m"]
            return 1, 1, 1, [0x1070, m[INIT], 0x0000, 0x000E]

        def code_run(ctx, _peers=peers, _tag=tag):
            m, s, t, f = ctx["m"], ctx["s"], ctx["t"], ctx["f"]
            u = [0x001A, s[_tag], 0x0162, f[SERIAL], 0x2071, m[LOG_D], 0x0010]
            for p in _peers[:3]:
                pi = peer_ids(p)
                u += [0x0222, t[p], 0x1070, m[pi["init"]], 0x0002, 0x106E, m[pi["m2"]], 0x0002, 0x030A,
                      0x1071, m[pi["s0"]], 0x0003, 0x106E, m[pi["run"]], 0x0002, 0x1072, m[RUN_IFACE], 0x0002]
            u += [0x000E]
            return 6, 1, 2, u

        def code_m1(ctx, _peers=peers, _name=name):
            m, t = ctx["m"], ctx["t"]
            own = (_name, "m2", ("I", ()))
            u = [0x0022, t[SB], 0x1070, m[SB_INIT], 0x0000, 0x206E, m[SB_APPEND], 0x0050, 0x000C,
                 0x106E, m[SB_TOSTRING], 0x0000, 0x010C, 0x2071, m[LOG_D], 0x0011,
                 0x0122, t[TM], 0x106E, m[DEVICE_ID], 0x0001, 0x010C,  # (a null TelephonyManager: never run)
                 0x0174, m[own], 0x0004, 0x000E]
            return 6, 2, 2, u

        def code_m2(ctx, _peers=peers):
            m = ctx["m"]
            pi = peer_ids(_peers[3])
            # const/4 v0,1; packed-switch v0,+9; invoke-static {v0} s0; move-result v0; return v0; nop; payload
            u = [0x1012, 0x002B, 0x0009, 0x0000, 0x1071, m[pi["s0"]], 0x0000, 0x000A, 0x000F, 0x0000,
                 0x0100, 0x0002, 0x0000, 0x0000, 0x0007, 0x0000, 0x0008, 0x0000]
            # The switch targets (relative to the switch at pc 1): pc 8 (return) and pc 9 (nop) -> use 7 and 7.
            u[14], u[16] = 0x0007, 0x0007
            return 6, 1, 1, u

        def code_m3(ctx, _peers=peers):
            m, t = ctx["m"], ctx["t"]
            pi = peer_ids(_peers[0])
            # const/4 v0,2; new-array v1,v0,[I; fill-array-data v1,+N; invoke-static {v5} s0; invoke-virtual {v4} m2;
            # return-void; payload (4-byte aligned)
            u = [0x2012, 0x0123, t["[I"], 0x0126, 0x0000, 0x0000, 0x1071, m[pi["s0"]], 0x0005,
                 0x106E, m[pi["m2"]], 0x0004, 0x000E]
            if len(u) % 2:
                u.append(0x0000)
            u[4] = len(u) - 3  # payload offset relative to the fill-array-data at pc 3
            u += [0x0300, 0x0004, 0x0002, 0x0000, 0x0001, 0x0000, 0x0002, 0x0000]
            return 6, 2, 1, u

        def code_s0(ctx, _peers=peers):
            m, s = ctx["m"], ctx["s"]
            return 6, 1, 2, [0x001A, s["s"], 0x2071, m[LOG_D], 0x0000, 0x010A, 0x010F]

        for p in peers:
            for mm in peer_ids(p).values():
                b.method(mm)
        b.classes.append({
            "name": name, "flags": 0x1, "super": OBJ, "interfaces": [RUNNABLE],
            "static_fields": [sf], "instance_fields": [inf],
            "direct": [{"id": ids["init"], "flags": 0x10001, "code": code_init},
                       {"id": ids["s0"], "flags": 0x9, "code": code_s0}],
            "virtual": [{"id": ids["run"], "flags": 0x1, "code": code_run},
                        {"id": ids["m1"], "flags": 0x1, "code": code_m1},
                        {"id": ids["m2"], "flags": 0x1, "code": code_m2},
                        {"id": ids["m3"], "flags": 0x1, "code": code_m3}],
        })
        b.type(name)
        b.type(SB)
        b.type(TM)
    return b


def minimal_manifest(package="com.synth.app"):
    """A binary AndroidManifest.xml holding only <manifest package=...>: enough to open as an APK."""
    strings = ["manifest", "package", package]
    offs, blob = [], bytearray()
    for x in strings:
        offs.append(len(blob))
        blob += struct.pack("<H", len(x)) + x.encode("utf-16-le") + b"\0\0"
    while len(blob) % 4:
        blob.append(0)
    pool_hdr = 28
    pool = struct.pack("<HHIIIIII", 0x0001, pool_hdr, pool_hdr + 4 * len(strings) + len(blob), len(strings), 0, 0,
                       pool_hdr + 4 * len(strings), 0) + struct.pack("<%dI" % len(strings), *offs) + bytes(blob)
    attr = struct.pack("<IIIHBBI", 0xFFFFFFFF, 1, 2, 8, 0, 0x03, 2)
    start = struct.pack("<HHIIIIIHHHHHH", 0x0102, 16, 36 + len(attr), 1, 0xFFFFFFFF, 0xFFFFFFFF, 0, 20, 20, 1, 0, 0, 0) + attr
    end = struct.pack("<HHIIIII", 0x0103, 16, 24, 1, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    body = pool + start + end
    return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--classes", type=int, default=180000)
    ap.add_argument("--per-dex", type=int, default=CLASSES_PER_DEX)
    ap.add_argument("--sections", type=int, default=0, help="write one DEX 041 container with this many sections")
    ap.add_argument("--version", default="035")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    chunks = []
    first = 0
    n = max(1, a.sections) if a.sections else (a.classes + a.per_dex - 1) // a.per_dex
    per = (a.classes + n - 1) // n
    while first < a.classes:
        count = min(per, a.classes - first)
        chunks.append((first, count))
        first += count

    if a.sections:
        sections = []
        base = 0
        for k, (f, c) in enumerate(chunks):
            raw, _ = make_dex(f, c, a.classes, k + 1).build("041", section_base=base, container=True)
            sections.append((base, raw))
            base += len(raw)
            base += (-base) % 4
        total = base
        blob = bytearray(total)
        for base, raw in sections:
            struct.pack_into("<II", raw, 0x70, total, base)
            raw[12:32] = hashlib.sha1(bytes(raw[32:])).digest()
            struct.pack_into("<I", raw, 8, zlib.adler32(bytes(raw[12:])))
            blob[base:base + len(raw)] = raw
        open(a.out, "wb").write(bytes(blob))
        print("%s: DEX 041 container, %d sections, %d classes, %d bytes" % (a.out, len(sections), a.classes, total))
        return

    dexes = []
    for k, (f, c) in enumerate(chunks):
        raw, _ = make_dex(f, c, a.classes, k + 1).build(a.version)
        dexes.append(finish(raw))
        print("dex %d: classes %d..%d, %d bytes" % (k + 1, f, f + c - 1, len(dexes[-1])), file=sys.stderr)
    if a.out.endswith(".dex"):
        if len(dexes) != 1:
            raise SystemExit("--out *.dex needs a single DEX; raise --per-dex or write an .apk")
        open(a.out, "wb").write(dexes[0])
    else:
        with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr("AndroidManifest.xml", minimal_manifest())
            for k, d in enumerate(dexes):
                z.writestr("classes.dex" if k == 0 else "classes%d.dex" % (k + 1), d)
    print("%s: %d classes in %d DEX files" % (a.out, a.classes, len(dexes)))


if __name__ == "__main__":
    main()
