#!/usr/bin/env python3
"""The Exodus Privacy tracker-detection method, re-implemented as a truth tool for apkvet's tests.

    tools/exodus_reference.py [--rules rules/trackers/exodus_trackers.json] [--out result.json] APK...

What exodus-core does (exodus_core/analysis/static_analysis.py, get_embedded_classes and
detect_trackers_in_list; AGPL-3.0, read, not copied):
  1. extract every ZIP entry whose name matches /classes.*\\.dex/ and run
     `dexdump <tmp>/classes*.dex` (so only the root classes*.dex files are dumped);
  2. from each output line keep the first match of perl /[A-Z]+((?:\\w+\\/)+\\w+)/ (group 1: a class name
     in slash form without the leading "L", cut at the first non-word character such as "$" or ";"),
     then sort | uniq;
  3. for each tracker whose code_signature is longer than 3 characters, the tracker is present when
     re.search(code_signature, name) matches any name.
This script does the same with Python's re (ASCII \\w, as perl on bytes). Output: JSON
{apk_path: {"trackers": [ids], "names": n, "dex_files": n, "error": str|null}} on stdout or --out.
It never runs anything from the APK: dexdump only reads the DEX files.
"""
import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor

LINE_RE = re.compile(rb"[A-Z]+((?:\w+/)+\w+)", re.ASCII)
ENTRY_RE = re.compile(r"classes.*\.dex")


def class_names(apk):
    """Names as exodus-core lists them, plus how many DEX files were dumped and an error if any."""
    with tempfile.TemporaryDirectory(prefix="exodus-ref-") as tmp:
        dumped = []
        try:
            with zipfile.ZipFile(apk) as z:
                for info in z.infolist():
                    if not ENTRY_RE.search(info.filename):
                        continue
                    # zipfile.extract keeps the directory; the shell glob tmp/classes*.dex then sees
                    # only root entries. Sanitise the name the way extract() would.
                    name = info.filename
                    if "/" in name or not fnmatch.fnmatch(name, "classes*.dex"):
                        continue
                    try:
                        data = z.read(info)
                    except Exception:  # broken entry: exodus-core's extract() would fail on it too
                        continue
                    path = os.path.join(tmp, name)
                    with open(path, "wb") as f:
                        f.write(data)
                    dumped.append(path)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, ValueError) as e:
            return set(), 0, f"zip: {e}"
        if not dumped:
            return set(), 0, None
        dumped.sort()  # the shell glob order
        proc = subprocess.run(["dexdump"] + dumped, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        names = set()
        for line in proc.stdout.splitlines():
            m = LINE_RE.search(line)
            if m:
                names.add(m.group(1).decode("ascii"))
        return names, len(dumped), None


def load_signatures(rules_path):
    with open(rules_path, encoding="utf-8") as f:
        rules = json.load(f)
    out = []
    for t in rules["trackers"]:
        sig = t.get("code_signature") or ""
        if len(sig) > 3:
            out.append((t["id"], re.compile(sig)))
    return out


def detect(apk, signatures):
    names, dex_files, error = class_names(apk)
    found = []
    for tracker_id, sig in signatures:
        for n in names:
            if sig.search(n):
                found.append(tracker_id)
                break
    return {"trackers": sorted(found), "names": len(names), "dex_files": dex_files, "error": error}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Exodus-method tracker detection (truth tool)")
    ap.add_argument("--rules", default=os.path.join(here, "..", "rules", "trackers", "exodus_trackers.json"))
    ap.add_argument("--out", help="write the JSON here instead of stdout")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("apks", nargs="+")
    a = ap.parse_args()
    signatures = load_signatures(a.rules)
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        results = dict(zip(a.apks, pool.map(lambda p: detect(p, signatures), a.apks)))
    text = json.dumps(results, indent=1, sort_keys=True)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    sys.exit(main())
