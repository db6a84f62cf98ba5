#!/usr/bin/env python3
"""Generates rules/permissions/android_permissions.json from the shared reference data.

Keeps only the fields apkvet uses (name, protection level, added/removed API, runtime group,
deprecated) and carries the reference file's provenance forward. Deterministic: sorted keys.

usage: tools/gen-permission-rules.py [REFERENCE_JSON] [OUTPUT_JSON]
defaults: ../shared/reference/android_permissions.json  rules/permissions/android_permissions.json
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "..", "shared", "reference", "android_permissions.json")
dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "rules", "permissions", "android_permissions.json")

with open(src, encoding="utf-8") as f:
    ref = json.load(f)

out = {}
for name, p in ref["permissions"].items():
    e = {
        "protection_level": p["protection_level"],
        "base_protection": p["base_protection"],
        "added_api": p["added_api"],
        "deprecated": bool(p.get("deprecated", False)),
    }
    if p.get("removed_api") is not None:
        e["removed_api"] = p["removed_api"]
    if p.get("runtime_permission_group"):
        e["runtime_group"] = p["runtime_permission_group"]
    out[name] = e

non_platform = {}
for name, p in ref.get("non_platform_permissions_of_interest", {}).items():
    e = {"declared_by": p.get("declared_by", "")}
    if p.get("protection_level"):
        e["protection_level"] = p["protection_level"]
    non_platform[name] = e

doc = {
    "provenance": {
        "generated_by": "tools/gen-permission-rules.py",
        "generated_from": "../shared/reference/android_permissions.json (see ../shared/reference/PROVENANCE.md)",
        "primary_source": ref["provenance"].get("primary_source"),
        "primary_source_repo_commit": ref["provenance"].get("primary_source_repo_commit"),
        "history_source": ref["provenance"].get("history_source"),
        "runtime_group_source": ref["provenance"].get("runtime_group_source"),
        "deprecated_source": ref["provenance"].get("deprecated_source"),
        "licence": "facts from AOSP (Apache-2.0) via XFY9326/AndroidInfo (MIT)",
        "fields": {
            "protection_level": "android:protectionLevel in API 36, flags joined by |",
            "base_protection": "normal | dangerous | signature | signatureOrSystem | internal",
            "added_api": "first API level with the permission (4 means API 1 to 4: levels 1-3 are not available)",
            "removed_api": "first API level without it, when removed",
            "runtime_group": "the group PermissionController shows (dangerous permissions)",
            "deprecated": "@deprecated in the framework manifest or @Deprecated in the SDK",
        },
    },
    "counts": {"permissions": len(out), "non_platform": len(non_platform)},
    "permissions": out,
    "non_platform_permissions": non_platform,
}
os.makedirs(os.path.dirname(dst), exist_ok=True)
with open(dst, "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=1, sort_keys=True, ensure_ascii=False)
    f.write("\n")
print(f"{dst}: {len(out)} permissions, {len(non_platform)} non-platform")
