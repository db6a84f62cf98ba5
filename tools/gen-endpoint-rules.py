#!/usr/bin/env python3
"""Generates rules/endpoints/{owners,trackers}.json from the shared reference data.

Inputs (read-only): ../shared/reference/endpoint_owners.json and trackers.json (see PROVENANCE.md there).
Licence filter: a domain row is shipped only if at least one of its sources allows redistribution;
rows whose only sources are CC BY-NC-SA 4.0 (disconnect, ghostery_trackerdb) are dropped and counted.
An owner's home jurisdiction is shipped only when it rests on a redistributable source: the
project's curated headquarters list (trackers.json owner.source = curated) or Exodus (ODbL).

usage: tools/gen-endpoint-rules.py [--reference DIR] [--out DIR]
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Source family -> licence (from ../shared/reference/PROVENANCE.md).
LICENCES = {
    "disconnect": "CC-BY-NC-SA-4.0",
    "ghostery_trackerdb": "CC-BY-NC-SA-4.0",
    "exodus": "ODbL-1.0/DbCL-1.0",
    "nextdns/native-tracking-domains": "MIT",
    "hagezi/dns-blocklists": "GPL-3.0",
    "blocklistproject/Lists": "MIT/Unlicense",
}
NON_COMMERCIAL = {"CC-BY-NC-SA-4.0"}

# endpoint_owners.json owner id -> the owner name that trackers.json marks "curated" (well-known
# corporate headquarters, project-own fact). Used to re-base a jurisdiction whose reference citation
# is TrackerDB (non-commercial) on the curated fact, when both agree.
CURATED_NAMES = {
    "bytedance": "ByteDance Ltd.",
    "alibaba": "Alibaba Group",
    "baidu": "Baidu, Inc.",
    "mobvista": "Mobvista Inc. (Mintegral)",
    "yandex": "Yandex",
    "meta": "Meta Platforms, Inc.",
    "google": "Google LLC (Alphabet Inc.)",
    "amazon": "Amazon.com, Inc.",
    "microsoft": "Microsoft Corporation",
    "tencent": "Tencent Holdings Ltd.",
    "huawei": "Huawei Technologies Co., Ltd.",
    "vk": "VK (formerly Mail.ru Group)",
    "trackerdb:sensors_data": "Sensors Data",
}

# Exodus description "Primary Location" country names -> ISO 3166-1 alpha-2.
COUNTRY_NAMES = {"France": "FR", "United States": "US", "Israel": "IL", "Germany": "DE"}


def family(source):
    return source.split(":", 1)[0]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default=os.path.join(REPO, "..", "shared", "reference"))
    ap.add_argument("--out", default=os.path.join(REPO, "rules", "endpoints"))
    args = ap.parse_args()
    owners_ref = load(os.path.join(args.reference, "endpoint_owners.json"))
    trackers_ref = load(os.path.join(args.reference, "trackers.json"))

    curated = {}  # curated owner name -> country, from trackers.json
    for t in trackers_ref["trackers"]:
        o = t.get("owner")
        if o and o.get("source", "").startswith("curated") and o.get("country"):
            curated[o["owner"]] = o["country"]

    # ---- domains ----
    domains, dropped, dropped_by_owner = [], 0, {}
    for row in owners_ref["domains"]:
        sources = [{"source": s, "licence": LICENCES[family(s)]} for s in sorted(row["sources"])]
        if all(s["licence"] in NON_COMMERCIAL for s in sources):
            dropped += 1
            dropped_by_owner[row["owner"]] = dropped_by_owner.get(row["owner"], 0) + 1
            continue
        out = {"suffix": row["suffix"].lower(), "owner": row["owner"], "sources": sources}
        if row.get("hosted_on_shared_infrastructure"):
            out["shared_infrastructure"] = True
        if row.get("also_claimed_by"):
            out["also_claimed_by"] = sorted(row["also_claimed_by"])
        domains.append(out)
    domains.sort(key=lambda r: r["suffix"])

    # ---- owners (only those a shipped row uses) ----
    used = {d["owner"] for d in domains}
    owners, jurisdiction_dropped = {}, []
    for oid in sorted(used):
        ref = owners_ref["owners"][oid]
        o = {"name": ref["name"]}
        src = ref.get("jurisdiction_source", "")
        country = ref.get("home_jurisdiction")
        if src.startswith("curated"):
            o["home_jurisdiction"] = country
            o["jurisdiction_source"] = src
            o["jurisdiction_licence"] = "project-curated"
        elif oid in CURATED_NAMES and curated.get(CURATED_NAMES[oid]) == country:
            o["home_jurisdiction"] = country
            o["jurisdiction_source"] = ("curated: well-known corporate headquarters (reference trackers.json owner "
                                        f"'{CURATED_NAMES[oid]}', source curated)")
            o["jurisdiction_licence"] = "project-curated"
        else:
            jurisdiction_dropped.append(oid)
            o["home_jurisdiction"] = None
            o["jurisdiction_note"] = "reference jurisdiction rests only on a non-commercial source; not shipped"
        if ref.get("legal_domicile"):
            o["legal_domicile"] = ref["legal_domicile"]
        if ref.get("note"):
            o["note"] = ref["note"]
        owners[oid] = o

    # ---- tracker network signatures (Exodus, ODbL) ----
    trackers, bad_regex = [], []
    for t in sorted(trackers_ref["trackers"], key=lambda t: t["id"]):
        sig = (t.get("network_signature") or "").strip()
        if not sig:
            continue
        try:
            re.compile(sig)
        except re.error as e:
            bad_regex.append({"id": t["id"], "error": str(e)})
            continue
        out = {"id": t["id"], "name": t["name"], "network_signature": sig,
               "categories": sorted(t.get("categories") or []), "website": t.get("website", "")}
        o = t.get("owner")
        if o and o.get("source", "").startswith("curated"):
            out["owner"] = {"name": o["owner"], "country": o.get("country"), "source": "curated (project)"}
        else:
            loc = (t.get("exodus_description_facts") or {}).get("primary_location") or ""
            own = (t.get("exodus_description_facts") or {}).get("ownership") or ""
            country = COUNTRY_NAMES.get(loc.split("(")[0].strip()) if loc and ":" not in loc else None
            if own or country:
                out["owner"] = {"name": own or None, "country": country,
                                "source": "exodus description (Ownership / Primary Location)"}
        trackers.append(out)

    os.makedirs(args.out, exist_ok=True)
    gen = "tools/gen-endpoint-rules.py"
    owners_doc = {
        "provenance": {
            "generated_by": gen,
            "from": "../shared/reference/endpoint_owners.json (" +
                    "see its provenance and ../shared/reference/PROVENANCE.md)",
            "sources": {k: v for k, v in owners_ref["provenance"]["sources"].items()},
            "licence_filter": "rows whose only sources are CC BY-NC-SA 4.0 (disconnect, ghostery_trackerdb) are "
                              "dropped; every shipped row keeps its sources with their licences. Rows derived from "
                              "Exodus are ODbL 1.0 (attribution: Exodus Privacy; share-alike for the database).",
            "match_rule": "longest suffix: a host matches a row when host == suffix or host ends with '.' + suffix; "
                          "the longest matching suffix wins",
        },
        "counts": {"owners": len(owners), "domains": len(domains), "dropped_non_commercial_only": dropped,
                   "dropped_by_owner": dict(sorted(dropped_by_owner.items())),
                   "owners_without_shippable_jurisdiction": sorted(jurisdiction_dropped)},
        "owners": owners,
        "domains": domains,
    }
    trackers_doc = {
        "provenance": {
            "generated_by": gen,
            "from": "../shared/reference/trackers.json: " + trackers_ref["provenance"]["source"],
            "licence": trackers_ref["provenance"]["license"],
            "owner": "only owners marked curated in the reference, or Exodus's own description facts; "
                     "TrackerDB-derived owners (CC BY-NC-SA 4.0) are not shipped",
            "match_rule": "network_signature is a regex searched in the host name (as Exodus does)",
        },
        "counts": {"trackers": len(trackers), "invalid_regex_skipped": bad_regex},
        "trackers": trackers,
    }
    for name, doc in (("owners.json", owners_doc), ("trackers.json", trackers_doc)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
    print(f"gen-endpoint-rules: {len(domains)} domains ({dropped} non-commercial-only rows dropped), "
          f"{len(owners)} owners, {len(trackers)} tracker network signatures", file=sys.stderr)


if __name__ == "__main__":
    main()
