#!/usr/bin/env python3
"""Reference endpoint count for the strings area, and the comparison with apkvet.

Reference method (deliberately simple, independent of apkvet's code): every file of the APK (and of
APK/JAR/ZIP files nested in it, recursively) is inflated; all printable strings are taken from it
(ASCII runs and UTF-16LE runs of >= 5 characters, like strings(1) -e S and -e l), JSON-escaped
slashes are undone, and the same URL pattern as apkvet's (network schemes followed by ://) is applied.
The unit of comparison is the URL host (lower case, without port).

usage:
  tools/ref-endpoints.py ref APK...                  print the reference hosts per APK (JSON lines)
  tools/ref-endpoints.py compare [--apkvet BIN] [--known FILE] APK...
      runs `apkvet scan --only strings --format json` on each APK and reports, per APK, hosts the
      reference finds that apkvet lists neither as an endpoint nor as set aside ("lost"), and hosts
      apkvet finds that the reference does not ("extra"). Lost hosts listed in the known-differences
      file (tests/strings/known_differences.tsv) are counted as reviewed. Exit 1 if any unreviewed lost host.
"""
import io
import json
import os
import re
import subprocess
import sys
import zipfile

SCHEMES = (r"(?:https?|wss?|ftps?|sftp|rtmp[est]?|rtsp|mqtts?|ssh|telnet|smtps?|imaps?|pop3s?|ldaps?|tcp|udp|"
           r"stuns?|turns?|sip|xmpp)")
URL = re.compile(SCHEMES + r"://([^\s\"'<>`\\{}|^/?#]+)", re.I)
ASCII_RUN = re.compile(rb"[\x20-\x7e\t]{5,}")
UTF16_RUN = re.compile(rb"(?:[\x20-\x7e]\x00){5,}")
MAX_DEPTH = 3


def strings_of(data):
    for m in ASCII_RUN.finditer(data):
        yield m.group().decode("ascii")
    for m in UTF16_RUN.finditer(data):
        yield m.group().decode("utf-16-le")


def hosts_of_text(text, out):
    text = text.replace("\\/", "/")
    for m in URL.finditer(text):
        authority = m.group(1)
        host = authority.rsplit("@", 1)[-1]
        if host.startswith("["):
            host = host[1:host.find("]")] if "]" in host else host[1:]
        else:
            host = host.split(":", 1)[0]
        host = host.lower().rstrip(".")
        host = re.sub(r"[.,;:!?*')\]]+$", "", host)
        if host:
            out.add(host)


def walk_zip(data, out, depth=0):
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except Exception:
        hosts_of_text_bytes(data, out)
        return
    for info in infos:
        if info.is_dir():
            continue
        try:
            blob = z.read(info)
        except Exception:
            continue
        if blob[:4] == b"PK\x03\x04" and depth < MAX_DEPTH:
            walk_zip(blob, out, depth + 1)
        else:
            hosts_of_text_bytes(blob, out)


def hosts_of_text_bytes(blob, out):
    for s in strings_of(blob):
        if "://" in s or ":\\/\\/" in s:
            hosts_of_text(s, out)


def reference_hosts(path):
    out = set()
    with open(path, "rb") as f:
        data = f.read()
    walk_zip(data, out)
    return out


def apkvet_hosts(binary, path):
    env = dict(os.environ, APKVET_SET_ASIDE_LIMIT="1000000")
    r = subprocess.run([binary, "scan", "--only", "strings", "--format", "json", path], capture_output=True, env=env)
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError:
        return None, None
    apps = doc.get("results") or doc.get("apps") or (doc if isinstance(doc, list) else [doc])
    endpoints, aside = set(), {}
    for app in apps:
        s = app.get("strings") or {}
        for e in s.get("endpoints", []):
            if e.get("kind") == "url":
                endpoints.add(e["host"])
        for a in s.get("set_aside", []):
            if a.get("kind") == "url":
                m = re.match(r"[a-z0-9+.-]+://([^/?#]*)", a["value"])
                if m:
                    h = m.group(1).rsplit("@", 1)[-1]
                    h = h[1:h.find("]")] if h.startswith("[") else h.split(":", 1)[0]
                    aside[h.lower()] = a["reason"]
    return endpoints, aside


def load_known(path):
    known = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                known[(parts[0], parts[1])] = parts[2]
    return known


def main(argv):
    if len(argv) < 2 or argv[1] not in ("ref", "compare"):
        print(__doc__, file=sys.stderr)
        return 64
    mode, args = argv[1], argv[2:]
    binary, known_file = "build/apkvet", "tests/strings/known_differences.tsv"
    files = []
    i = 0
    while i < len(args):
        if args[i] == "--apkvet":
            binary = args[i + 1]
            i += 2
        elif args[i] == "--known":
            known_file = args[i + 1]
            i += 2
        else:
            files.append(args[i])
            i += 1
    if mode == "ref":
        for f in files:
            print(json.dumps({"file": os.path.basename(f), "hosts": sorted(reference_hosts(f))}))
        return 0
    known = load_known(known_file)
    totals = {"apks": 0, "ref_hosts": 0, "apkvet_endpoint_hosts": 0, "apkvet_set_aside_hosts": 0, "matched": 0,
              "lost_reviewed": 0, "lost_unreviewed": 0, "extra": 0, "unreadable": 0}
    unreviewed = []
    for f in files:
        name = os.path.basename(f)
        ref = reference_hosts(f)
        ep, aside = apkvet_hosts(binary, f)
        if ep is None:
            totals["unreadable"] += 1
            continue
        totals["apks"] += 1
        totals["ref_hosts"] += len(ref)
        totals["apkvet_endpoint_hosts"] += len(ep)
        totals["apkvet_set_aside_hosts"] += len(set(aside) - ep)
        seen = ep | set(aside)
        totals["matched"] += len(ref & seen)
        for h in sorted(ref - seen):
            why = known.get((name, h)) or known.get(("*", h))
            if why:
                totals["lost_reviewed"] += 1
            else:
                totals["lost_unreviewed"] += 1
                unreviewed.append((name, h))
        extra = sorted(ep - ref)
        totals["extra"] += len(extra)
        print(json.dumps({"file": name, "ref": len(ref), "endpoints": len(ep), "set_aside": len(set(aside) - ep),
                          "lost": sorted(ref - seen), "extra": extra}))
    print(json.dumps({"totals": totals}))
    for name, h in unreviewed:
        print(f"UNREVIEWED\t{name}\t{h}", file=sys.stderr)
    return 1 if unreviewed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
