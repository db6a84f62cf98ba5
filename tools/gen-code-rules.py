#!/usr/bin/env python3
"""Generates apkvet's code-analysis rule files from the shared reference data.

    tools/gen-code-rules.py [--reference ../shared/reference] [--out rules]

Writes (deterministically: sorted keys, stable order):
  rules/apis/sensitive_apis.json   sensitive API matchers by data category (+ derived weak-crypto and
                                   const-string rules), content-provider authorities
  rules/apis/api_permissions.json  API -> permission map (SDK 36 annotations + Axplorer API 25 supplement)
                                   and the protection level / runtime group of every permission
  rules/trackers/exodus_trackers.json  Exodus tracker code signatures with owner facts
  rules/trackers/packers.json      class-name / native-library stubs of known Android packers

Every entry keeps its provenance (source and licence). The analyzer loads these files at run time
through rules_path(); nothing here is compiled into the binary.
"""
import argparse
import json
import os
import re
import sys

DESCRIPTOR_RE = re.compile(
    r"^L[^;]+;->(?:[^(:]+\((?:\[*(?:[ZBSCIJFD]|L[^;]+;))*\)(?:V|\[*(?:[ZBSCIJFD]|L[^;]+;))|[^(:]+:\[*(?:[ZBSCIJFD]|L[^;]+;))$")

SENSITIVE_SOURCE = {
    "source": "shared/reference/sensitive_apis.json (curated for this project from Android API reference / AOSP facts)",
    "licence": "project-own",
}
DERIVED_SOURCE = {
    "source": "tools/gen-code-rules.py (derived for this project: string constants and weak-algorithm names from the Java/Android API reference)",
    "licence": "project-own",
}

# Data category -> what it opens, for reports.
CATEGORY_LABELS = {
    "accessibility_service": "Accessibility service (reads the screen, performs actions)",
    "accounts_email": "Accounts and e-mail addresses",
    "calendar": "Calendar",
    "call_log": "Call log and call state",
    "camera": "Camera",
    "clipboard": "Clipboard",
    "contacts": "Contacts",
    "content_provider_access": "Content provider queries (data category depends on the URI)",
    "crypto": "Cryptography",
    "weak_crypto": "Weak cryptography (DES/RC4/ECB/MD5/SHA-1)",
    "device_admin": "Device administration",
    "device_identifiers": "Device and subscriber identifiers",
    "dynamic_code_loading": "Dynamic code loading",
    "input_method": "Input method (keyboard)",
    "installed_apps": "Installed and running apps",
    "location": "Location",
    "microphone": "Microphone",
    "native_code": "Native code loading",
    "network": "Network clients",
    "notifications_access": "Notification access",
    "obfuscation_encoding": "Encoding and compression",
    "overlay": "Screen overlays",
    "package_install": "Package installation",
    "persistence": "Persistence and background execution",
    "phone_calls": "Phone calls",
    "photos_media_storage": "Photos, media and storage",
    "reflection": "Reflection",
    "runtime_exec": "Shell commands (Runtime.exec / ProcessBuilder)",
    "screen_capture": "Screen capture",
    "sensors": "Sensors",
    "sms_mms": "SMS and MMS",
    "system_logs": "System logs",
    "vpn_traffic": "VPN (all device traffic)",
    "browsing_history": "Browser history and bookmarks",
    "device_settings": "System settings",
    "keyboard_dictionary": "User dictionary",
    "telephony": "Telephony (APN / SIM info)",
}

# Finer labels: method/field name (or "Class;->name") -> subcategory.
SUBCATEGORY_BY_MEMBER = {
    "device_identifiers": [
        (r"->(getDeviceId|getImei|getMeid|getTypeAllocationCode|getManufacturerCode)\(", "imei_meid"),
        (r"->(getSubscriberId|getNai)\(", "imsi"),
        (r"->(getSimSerialNumber|getIccId)\(", "sim_serial"),
        (r"->(getLine1Number|getNumber|getPhoneNumber|getVoiceMailNumber)\(", "phone_number"),
        (r"->(getSimOperator|getSimOperatorName|getNetworkOperator|getNetworkOperatorName|getSimCountryIso|getNetworkCountryIso)\(", "operator_country"),
        (r"Landroid/os/Build;->(SERIAL:|getSerial\()", "build_serial"),
        (r"Settings\$(Secure|System);->(ANDROID_ID:|getString\()", "android_id"),
        (r"(WifiInfo;->getMacAddress|NetworkInterface;->getHardwareAddress|NetworkInterface;->getNetworkInterfaces)", "mac_address"),
        (r"(WifiInfo;->(getBSSID|getSSID)|WifiManager;->getConnectionInfo)", "wifi_access_point"),
        (r"BluetoothAdapter;->", "bluetooth_address"),
        (r"(AdvertisingIdClient|AdIdManager|miitmdid)", "advertising_id"),
        (r"AppSetIdClient", "app_set_id"),
        (r"Landroid/os/Build;->(MODEL|MANUFACTURER|FINGERPRINT|BRAND|DEVICE|HARDWARE):", "device_fingerprint"),
    ],
    "network": [
        (r"(HttpsURLConnection;->set|SSLContext;->init|SslErrorHandler;->proceed)", "tls_trust_override"),
        (r"(Ljava/net/URL;|URLConnection;)", "http_urlconnection"),
        (r"okhttp", "okhttp"),
        (r"retrofit2", "retrofit"),
        (r"volley", "volley"),
        (r"org/apache/http", "apache_httpclient"),
        (r"chromium/net", "cronet"),
        (r"Landroid/webkit/", "webview"),
        (r"(Socket|InetAddress|DatagramSocket|SocketChannel)", "socket_dns"),
        (r"DownloadManager", "download_manager"),
        (r"firebase/messaging", "push_messaging"),
    ],
    "sms_mms": [
        (r"SmsManager;->", "send_sms"),
        (r"(SmsMessage;->|Sms\$Intents;->)", "receive_sms"),
        (r"Landroid/provider/Telephony", "read_sms"),
        (r"SmsRetrieverClient", "sms_retriever"),
    ],
    "location": [
        (r"(getAllCellInfo|getCellLocation|getNeighboringCellInfo|getServiceState)", "cell_towers"),
        (r"(WifiManager;->(getScanResults|startScan)|BluetoothLeScanner|startDiscovery)", "wifi_bluetooth_scan"),
        (r"(ExifInterface|setRequireOriginal)", "media_location"),
        (r"(TimeZone|Locale);->getDefault", "locale_timezone"),
        (r"GeofencingClient", "geofencing"),
        (r"(LocationManager|FusedLocationProviderClient|Landroid/location/Location;)", "gps_network_location"),
    ],
    "crypto": [
        (r"MessageDigest", "hashing"),
        (r"KeyStore", "keystore"),
        (r"Mac;", "mac"),
        (r".", "cipher"),
    ],
}

# String constants: javac inlines `static final String` fields, so a field like Settings.Secure.ANDROID_ID
# never shows up as an sget; its value shows up as a const-string instead.
CONSTANT_STRING_FIELDS = {
    "Landroid/provider/Settings$Secure;->ANDROID_ID:Ljava/lang/String;": "android_id",
    "Landroid/content/Intent;->ACTION_PICK:Ljava/lang/String;": "android.intent.action.PICK",
    "Landroid/content/Intent;->ACTION_OPEN_DOCUMENT_TREE:Ljava/lang/String;": "android.intent.action.OPEN_DOCUMENT_TREE",
    "Landroid/content/Intent;->ACTION_CALL:Ljava/lang/String;": "android.intent.action.CALL",
    "Landroid/app/admin/DevicePolicyManager;->ACTION_ADD_DEVICE_ADMIN:Ljava/lang/String;": "android.app.action.ADD_DEVICE_ADMIN",
    "Landroid/provider/Settings;->ACTION_MANAGE_OVERLAY_PERMISSION:Ljava/lang/String;": "android.settings.action.MANAGE_OVERLAY_PERMISSION",
}

# A call that is only sensitive together with a string constant in the same method (an approximation
# of the argument: the constant is loaded by the calling method).
REQUIRES_STRING = {
    "Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;":
        [{"equals": "android_id"}],
    "Landroid/provider/Settings$System;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;":
        [{"equals": "android_id"}],
}

# Weak algorithms (Java Cryptography Architecture standard names). "AES" alone means AES/ECB/PKCS5Padding.
WEAK_CIPHER = [
    {"equals_ci": "AES"}, {"equals_ci": "DES"}, {"equals_ci": "DESede"}, {"equals_ci": "RC4"}, {"equals_ci": "ARCFOUR"},
    {"equals_ci": "RC2"}, {"equals_ci": "Blowfish"}, {"prefix_ci": "DES/"}, {"prefix_ci": "DESede/"},
    {"prefix_ci": "RC4/"}, {"prefix_ci": "RC2/"}, {"prefix_ci": "Blowfish/"}, {"contains_ci": "/ECB/"},
]
WEAK_DIGEST = [{"equals_ci": "MD5"}, {"equals_ci": "MD4"}, {"equals_ci": "MD2"}, {"equals_ci": "SHA-1"},
               {"equals_ci": "SHA1"}, {"equals_ci": "SHA"}, {"equals_ci": "HmacMD5"}]
WEAK_KEY = [{"equals_ci": "DES"}, {"equals_ci": "DESede"}, {"equals_ci": "RC4"}, {"equals_ci": "ARCFOUR"},
            {"equals_ci": "RC2"}, {"equals_ci": "Blowfish"}]

DERIVED_APIS = [
    {
        "category": "weak_crypto", "subcategory": "weak_cipher",
        "descriptors": [
            "Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;",
            "Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;Ljava/lang/String;)Ljavax/crypto/Cipher;",
            "Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;Ljava/security/Provider;)Ljavax/crypto/Cipher;",
        ],
        "requires_string": WEAK_CIPHER,
        "why": "Cipher.getInstance with a broken or weak transformation (DES, 3DES, RC4, RC2, Blowfish, ECB mode, or bare \"AES\" which defaults to ECB).",
    },
    {
        "category": "weak_crypto", "subcategory": "weak_digest",
        "descriptors": ["Ljava/security/MessageDigest;->getInstance(Ljava/lang/String;)Ljava/security/MessageDigest;",
                        "Ljavax/crypto/Mac;->getInstance(Ljava/lang/String;)Ljavax/crypto/Mac;"],
        "requires_string": WEAK_DIGEST,
        "why": "MD5/MD4/MD2/SHA-1 digest: collision-broken; as an identifier hash (MD5 of IMEI/ANDROID_ID) it is trivially reversible.",
    },
    {
        "category": "weak_crypto", "subcategory": "weak_key",
        "descriptors": ["Ljavax/crypto/spec/SecretKeySpec;-><init>([BLjava/lang/String;)V"],
        "requires_string": WEAK_KEY,
        "why": "Secret key for a broken or weak cipher (DES, 3DES, RC4, RC2, Blowfish).",
    },
    {
        "category": "system_logs", "subcategory": "logcat",
        "class": "Ljava/lang/Runtime;", "method_names": ["exec"],
        "requires_string": [{"contains_ci": "logcat"}],
        "why": "Runtime.exec with a \"logcat\" command string in the same method: reads the device log.",
    },
]


# A few framework class hierarchies (Android API reference), so a call through a subclass reference
# (Lcom/app/MainActivity;->getExternalFilesDir, Ljava/net/HttpURLConnection;->getInputStream) matches the
# rule written for the declaring class. Nearest supertype first.
_CTX = ["Landroid/content/ContextWrapper;", "Landroid/content/Context;"]
_ACT = ["Landroid/view/ContextThemeWrapper;"] + _CTX
FRAMEWORK_SUPERTYPES = {
    "Landroid/app/Activity;": _ACT,
    "Landroid/app/ListActivity;": ["Landroid/app/Activity;"] + _ACT,
    "Landroid/app/TabActivity;": ["Landroid/app/ActivityGroup;", "Landroid/app/Activity;"] + _ACT,
    "Landroid/preference/PreferenceActivity;": ["Landroid/app/ListActivity;", "Landroid/app/Activity;"] + _ACT,
    "Landroid/app/NativeActivity;": ["Landroid/app/Activity;"] + _ACT,
    "Landroidx/activity/ComponentActivity;": ["Landroidx/core/app/ComponentActivity;", "Landroid/app/Activity;"] + _ACT,
    "Landroidx/fragment/app/FragmentActivity;": ["Landroidx/activity/ComponentActivity;", "Landroidx/core/app/ComponentActivity;", "Landroid/app/Activity;"] + _ACT,
    "Landroidx/appcompat/app/AppCompatActivity;": ["Landroidx/fragment/app/FragmentActivity;", "Landroidx/activity/ComponentActivity;", "Landroidx/core/app/ComponentActivity;", "Landroid/app/Activity;"] + _ACT,
    "Landroid/support/v4/app/FragmentActivity;": ["Landroid/support/v4/app/SupportActivity;", "Landroid/app/Activity;"] + _ACT,
    "Landroid/support/v7/app/AppCompatActivity;": ["Landroid/support/v4/app/FragmentActivity;", "Landroid/support/v4/app/SupportActivity;", "Landroid/app/Activity;"] + _ACT,
    "Landroid/app/Service;": _CTX,
    "Landroid/app/IntentService;": ["Landroid/app/Service;"] + _CTX,
    "Landroid/app/Application;": _CTX,
    "Landroid/view/ContextThemeWrapper;": _CTX,
    "Landroid/content/ContextWrapper;": ["Landroid/content/Context;"],
    "Landroid/accessibilityservice/AccessibilityService;": ["Landroid/app/Service;"] + _CTX,
    "Landroid/service/notification/NotificationListenerService;": ["Landroid/app/Service;"] + _CTX,
    "Landroid/inputmethodservice/InputMethodService;": ["Landroid/inputmethodservice/AbstractInputMethodService;", "Landroid/app/Service;"] + _CTX,
    "Landroid/net/VpnService;": ["Landroid/app/Service;"] + _CTX,
    "Landroid/app/admin/DeviceAdminReceiver;": ["Landroid/content/BroadcastReceiver;"],
    "Ljavax/net/ssl/HttpsURLConnection;": ["Ljava/net/HttpURLConnection;", "Ljava/net/URLConnection;"],
    "Ljava/net/HttpURLConnection;": ["Ljava/net/URLConnection;"],
    "Ljavax/net/ssl/SSLSocket;": ["Ljava/net/Socket;"],
    "Ldalvik/system/DexClassLoader;": ["Ldalvik/system/BaseDexClassLoader;", "Ljava/lang/ClassLoader;"],
    "Ldalvik/system/PathClassLoader;": ["Ldalvik/system/BaseDexClassLoader;", "Ljava/lang/ClassLoader;"],
    "Ldalvik/system/InMemoryDexClassLoader;": ["Ldalvik/system/BaseDexClassLoader;", "Ljava/lang/ClassLoader;"],
    "Ldalvik/system/DelegateLastClassLoader;": ["Ldalvik/system/PathClassLoader;", "Ldalvik/system/BaseDexClassLoader;", "Ljava/lang/ClassLoader;"],
    "Ldalvik/system/BaseDexClassLoader;": ["Ljava/lang/ClassLoader;"],
    "Ljava/net/URLClassLoader;": ["Ljava/security/SecureClassLoader;", "Ljava/lang/ClassLoader;"],
    "Ljava/lang/reflect/Method;": ["Ljava/lang/reflect/Executable;", "Ljava/lang/reflect/AccessibleObject;"],
    "Ljava/lang/reflect/Constructor;": ["Ljava/lang/reflect/Executable;", "Ljava/lang/reflect/AccessibleObject;"],
    "Ljava/lang/reflect/Field;": ["Ljava/lang/reflect/AccessibleObject;"],
    "Landroid/telephony/gsm/SmsManager;": [],
}


PERMISSION_NAME_RE = re.compile(r"\b((?:android|com\.[a-z0-9_.]+)\.permission\.[A-Z][A-Z0-9_]+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|CAMERA)\b")


def documented_permissions(texts, known, write=False):
    """Permission names in the prose of documented_permissions, kept only when they are real names.
    Lines marked "(write)" name what a write needs: kept apart (write=True) so a read does not count
    as using the write permission."""
    out = []
    for t in texts:
        if ("(write" in t) != write:
            continue
        for tok in PERMISSION_NAME_RE.findall(t):
            name = tok if "." in tok else "android.permission." + tok
            if name in known and name not in out:
                out.append(name)
    return out


def subcategory(category, member):
    for pattern, sub in SUBCATEGORY_BY_MEMBER.get(category, []):
        if re.search(pattern, member):
            return sub
    return None


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


def gen_sensitive(ref, perm_facts):
    src = load(os.path.join(ref, "sensitive_apis.json"))
    known = set(perm_facts)
    apis = []
    descriptor_count = 0

    def check(d):
        if not DESCRIPTOR_RE.match(d):
            raise SystemExit(f"bad descriptor: {d}")

    for index, e in enumerate(src["apis"]):
        base = {
            "id": f"{e['category']}#{index}",
            "category": e["category"],
            "scope": e.get("scope", "framework"),
            "why": e["why"],
            "documented_permissions": e.get("documented_permissions", []),
            "permissions": documented_permissions(e.get("documented_permissions", []), known),
            "write_permissions": documented_permissions(e.get("documented_permissions", []), known, write=True),
            "provenance": SENSITIVE_SOURCE,
        }
        for k in ("notes", "api_note", "permission_note"):
            if k in e:
                base[k] = e[k]
        if e.get("sdk36_annotated_permissions"):
            base["sdk36_annotated_permissions"] = e["sdk36_annotated_permissions"]
        if "descriptors" in e:
            members = []
            for d in e["descriptors"]:
                check(d)
                descriptor_count += 1
                m = {"descriptor": d, "kind": "field" if ":" in d.split("->", 1)[1] and "(" not in d else "method"}
                sub = subcategory(e["category"], d)
                if sub:
                    m["subcategory"] = sub
                if d in REQUIRES_STRING:
                    m["requires_string"] = REQUIRES_STRING[d]
                if d in CONSTANT_STRING_FIELDS:
                    m["constant_value"] = CONSTANT_STRING_FIELDS[d]
                members.append(m)
            base["members"] = members
        elif e.get("class", "").endswith("/"):
            base["package_prefix"] = e["class"]
            sub = subcategory(e["category"], e["class"])
            if sub:
                base["subcategory"] = sub
        else:
            base["class"] = e["class"]
            base["method_names"] = e.get("method_names", [])
            sub = subcategory(e["category"], e["class"])
            if sub:
                base["subcategory"] = sub
        if e["category"] == "system_logs":
            continue  # replaced by the derived logcat rule (needs the "logcat" string)
        apis.append(base)

    for index, e in enumerate(DERIVED_APIS):
        entry = {
            "id": f"{e['category']}#derived{index}",
            "category": e["category"],
            "scope": "framework",
            "why": e["why"],
            "documented_permissions": [],
            "permissions": [],
            "provenance": DERIVED_SOURCE,
            "subcategory": e["subcategory"],
        }
        if "descriptors" in e:
            entry["members"] = []
            for d in e["descriptors"]:
                check(d)
                entry["members"].append({"descriptor": d, "kind": "method", "subcategory": e["subcategory"],
                                         "requires_string": e["requires_string"]})
        else:
            entry["class"] = e["class"]
            entry["method_names"] = e["method_names"]
            entry["requires_string"] = e["requires_string"]
        apis.append(entry)

    providers = []
    for authority, p in sorted(src["content_providers"].items()):
        row = {
            "authority": p.get("authority", authority),
            "category": p["category"],
            "read_permission": p.get("read_permission"),
            "write_permission": p.get("write_permission"),
            "example_uris": p.get("example_uris", []),
            "provenance": {"source": "shared/reference/sensitive_apis.json content_providers; " + p.get("permission_source", "project-own"),
                           "licence": "project-own facts; AOSP Apache-2.0 / XFY9326/AndroidInfo MIT"},
        }
        if p.get("note"):
            row["note"] = p["note"]
        providers.append(row)
        # content://com.android.browser/bookmarks is listed as an example URI of "browser"
        for uri in p.get("example_uris", []):
            auth = uri[len("content://"):].split("/", 1)[0]
            if auth != row["authority"] and not any(x["authority"] == auth for x in providers):
                alias = dict(row)
                alias["authority"] = auth
                providers.append(alias)
    for p in src["other_aosp_permission_protected_providers"]:
        for auth in p["authorities"]:
            providers.append({
                "authority": auth,
                "category": "content_provider_access",
                "read_permission": p.get("read_permission"),
                "write_permission": p.get("write_permission"),
                "example_uris": [],
                "note": f"AOSP provider {p.get('provider_class')} in {p.get('package')}",
                "provenance": {"source": "shared/reference/sensitive_apis.json other_aosp_permission_protected_providers (AOSP provider manifests via XFY9326/AndroidInfo)",
                               "licence": "AOSP Apache-2.0 / XFY9326/AndroidInfo MIT"},
            })
    providers.sort(key=lambda r: r["authority"])

    categories = sorted({a["category"] for a in apis} | {p["category"] for p in providers})
    missing = [c for c in categories if c not in CATEGORY_LABELS]
    if missing:
        raise SystemExit(f"no label for categories {missing}")
    return {
        "schema": "apkvet.rules.sensitive_apis",
        "version": 1,
        "generated_by": "tools/gen-code-rules.py",
        "provenance": {"sensitive_apis.json": src["provenance"], "derived": DERIVED_SOURCE},
        "categories": {c: CATEGORY_LABELS[c] for c in categories},
        "framework_supertypes": FRAMEWORK_SUPERTYPES,
        "apis": apis,
        "content_providers": providers,
        "counts": {"entries": len(apis), "source_descriptors": descriptor_count, "content_providers": len(providers)},
    }


def grantable(p):
    base = p.get("base_protection") or (p.get("protection_level") or "").split("|")[0]
    flags = p.get("protection_flags", [])
    return base in ("normal", "dangerous") or "appop" in flags


def gen_permission_facts(ref):
    src = load(os.path.join(ref, "android_permissions.json"))
    facts = {}
    for name, p in src["permissions"].items():
        row = {
            "protection": p.get("base_protection"),
            "flags": p.get("protection_flags", []),
            "grantable": grantable(p),
        }
        if p.get("runtime_permission_group"):
            row["group"] = p["runtime_permission_group"]
        if p.get("label"):
            row["label"] = p["label"]
        if p.get("added_api"):
            row["added_api"] = p["added_api"]
        if p.get("status") != "present_in_api_36":
            row["removed"] = True
        facts[name] = row
    for name, p in src["non_platform_permissions_of_interest"].items():
        level = p.get("protection_level", "normal")
        facts[name] = {"protection": level, "flags": [], "grantable": True, "non_platform": True}
    return facts, src["provenance"]


def gen_api_permissions(ref, facts, facts_provenance):
    src = load(os.path.join(ref, "api_permission_map.json"))
    mappings = []
    for d, m in sorted(src["mappings"].items()):
        row = {"descriptor": d, "kind": m["kind"], "source": "sdk36", "conditional": bool(m.get("conditional"))}
        if m.get("all_of"):
            row["all_of"] = m["all_of"]
        if m.get("any_of"):
            row["any_of"] = m["any_of"]
        mappings.append(row)
    for d, m in sorted(src["supplement_axplorer_api25"].items()):
        mappings.append({"descriptor": d, "kind": m["kind"], "source": "axplorer_api25",
                         "any_of": m.get("all_of_or_any_of_unknown", []), "low_confidence": True})
    return {
        "schema": "apkvet.rules.api_permissions",
        "version": 1,
        "generated_by": "tools/gen-code-rules.py",
        "provenance": {
            "sdk36": {"what": src["provenance"]["primary"]["what"], "source": src["provenance"]["primary"]["extracted_by"],
                      "licence": "Apache-2.0 (AOSP SDK annotations); MIT (XFY9326/AndroidInfo extraction)",
                      "caveat": src["provenance"]["primary"]["caveat"]},
            "axplorer_api25": {"what": src["provenance"]["supplement"]["what"], "licence": "Apache-2.0 (androguard)",
                               "caveat": src["provenance"]["supplement"]["caveat"]},
            "permissions": {"source": facts_provenance.get("primary_source"),
                            "runtime_group_source": facts_provenance.get("runtime_group_source"),
                            "licence": "Apache-2.0 (AOSP); MIT (XFY9326/AndroidInfo extraction)"},
        },
        "mappings": mappings,
        "permissions": facts,
        "counts": {"mappings": len(mappings), "permissions": len(facts)},
    }


def owner_licence(source):
    if source.startswith("ghostery"):
        return "CC BY-NC-SA 4.0 (Ghostery TrackerDB)"
    return "project-own (well-known corporate facts)"


def gen_trackers(ref):
    src = load(os.path.join(ref, "trackers.json"))
    rows = []
    for t in src["trackers"]:
        row = {
            "id": t["id"],
            "name": t["name"],
            "website": t.get("website"),
            "code_signature": t.get("code_signature") or "",
            "network_signature": t.get("network_signature") or "",
            "categories": t.get("categories", []),
            "provenance": {"source": "Exodus Privacy tracker list via MobSF @b48276a5b6e74afc23bfd3592ca335d7c2a3149c",
                           "licence": "ODbL 1.0 (database) / DbCL 1.0 (contents); credit Exodus Privacy"},
        }
        if t.get("documentation"):
            row["documentation"] = t["documentation"]
        if t.get("owner"):
            o = t["owner"]
            row["owner"] = {"name": o.get("owner"), "country": o.get("country"), "source": o.get("source"),
                            "licence": owner_licence(o.get("source", ""))}
        if t.get("exodus_description_facts"):
            row["exodus_description_facts"] = t["exodus_description_facts"]
        if t.get("note"):
            row["note"] = t["note"]
        rows.append(row)
    rows.sort(key=lambda r: r["id"])
    return {
        "schema": "apkvet.rules.exodus_trackers",
        "version": 1,
        "generated_by": "tools/gen-code-rules.py",
        "provenance": src["provenance"],
        "matching": ("code_signature: Python regex alternatives (|) where '.' is any character, searched in each "
                     "class name (Exodus: re.search over dexdump-derived names, signatures of 3 characters or fewer skipped)"),
        "trackers": rows,
        "counts": {"trackers": len(rows), "with_code_signature": sum(1 for r in rows if len(r["code_signature"]) > 3)},
    }


# Packer stubs: class names and native libraries that commercial Android packers ("protectors",
# "jiagu") add to a protected app. Written for this project from publicly described observations
# (Duan et al., "Things You May Not Know About Android (Un)Packers", NDSS 2018; Zhang et al.,
# "DexHunter", ESORICS 2015); names are facts, not copied from any tool's rule set.
PACKER_SOURCE = {
    "source": "written for this project from public packer descriptions (Duan et al., NDSS 2018 'Things You May Not Know About Android (Un)Packers'; Zhang et al., ESORICS 2015 'DexHunter'); not copied from a rule set",
    "licence": "project-own",
}
PACKERS = [
    {"id": "jiagu_360", "name": "Qihoo 360 Jiagu", "vendor_country": "CN",
     "classes": ["com.qihoo.util.StubApplication", "com.qihoo.util.StubAppxxx", "com.qihoo.util.QHClassLoader",
                 "com.stub.StubApp", "com.qihoo.util.Configuration"],
     "libraries": ["libjiagu.so", "libjiagu_art.so", "libjiagu_x86.so", "libjiagu_a64.so", "libjiagu_x64.so", "libprotectClass.so"]},
    {"id": "bangcle_secneo", "name": "Bangcle / SecNeo", "vendor_country": "CN",
     "classes": ["com.secneo.apkwrapper.ApplicationWrapper", "com.secneo.apkwrapper.AW", "com.secneo.apkwrapper.H",
                 "com.bangcle.protect.ApplicationWrapper", "com.secshell.secData.ApplicationWrapper"],
     "libraries": ["libsecexe.so", "libsecmain.so", "libSecShell.so", "libSecShell-x86.so", "libDexHelper.so",
                   "libDexHelper-x86.so"]},
    {"id": "ijiami", "name": "Ijiami", "vendor_country": "CN",
     "classes": ["com.shell.SuperApplication", "com.shell.NativeApplication", "s.h.e.l.l.S", "s.h.e.l.l.N"],
     "libraries": ["libexec.so", "libexecmain.so", "libijiami.so"]},
    {"id": "tencent_legu", "name": "Tencent Legu", "vendor_country": "CN",
     "classes": ["com.tencent.StubShell.TxAppEntry", "com.tencent.StubShell.ZipUtil", "com.tencent.StubShell.SystemClassLoaderInjector"],
     "libraries": ["libshell.so", "libshella-2.10.2.1.so", "libtup.so", "liblegudb.so"]},
    {"id": "baidu", "name": "Baidu Protect", "vendor_country": "CN",
     "classes": ["com.baidu.protect.StubApplication", "com.baidu.protect.StubProvider", "com.baidu.protect.A"],
     "libraries": ["libbaiduprotect.so", "libbaiduprotect_x86.so"]},
    {"id": "alibaba", "name": "Alibaba (Ali security) packer", "vendor_country": "CN",
     "classes": ["com.ali.mobisecenhance.StubApplication", "com.ali.mobisecenhance.ReflectMap", "com.ali.fixHelper"],
     "libraries": ["libmobisec.so", "libmobisecy.so", "libmobisecz.so", "libdemolish.so", "libpreverify1.so"]},
    {"id": "netease_yidun", "name": "NetEase Yidun", "vendor_country": "CN",
     "classes": ["com.netease.nis.wrapper.MyApplication", "com.netease.nis.wrapper.Utils"],
     "libraries": ["libnesec.so"]},
    {"id": "nqshield", "name": "NQ Shield", "vendor_country": "CN",
     "classes": ["com.nqshield.Common", "com.nqshield.NqApplication"],
     "libraries": ["libnqshield.so", "libnqshieldx86.so"]},
    {"id": "kiwisec", "name": "KiwiSec", "vendor_country": "CN",
     "classes": ["com.kiwisec.KiwiSecApplication", "com.kiwisec.ProxyApplication"],
     "libraries": ["libkiwicrash.so", "libkwscmm.so", "libkwscr.so", "libkwslinker.so"]},
    {"id": "dingxiang", "name": "Dingxiang (DX) packer", "vendor_country": "CN",
     "classes": ["com.security.shell.AppStub1", "com.security.shell.AppStub2"],
     "libraries": ["libx3g.so"]},
    {"id": "apkprotect", "name": "APKProtect", "vendor_country": "CN",
     "classes": [], "libraries": ["libAPKProtect.so"]},
    {"id": "naga", "name": "Naga (Nagapt)", "vendor_country": "CN",
     "classes": [], "libraries": ["libddog.so", "libedog.so", "libchaosvmp.so"]},
    {"id": "dexprotector", "name": "DexProtector (Licel)", "vendor_country": "GB",
     "classes": ["com.licel.dexprotector"],
     "libraries": ["libdexprotector.so", "libdpboot.so"]},
    {"id": "appguard", "name": "AppGuard (Inka / Penta Security)", "vendor_country": "KR",
     "classes": ["com.inka.appguard.AppGuardApplication"],
     "libraries": ["libAppGuard.so", "libAppGuard-x86.so"]},
    {"id": "liapp", "name": "LIAPP (Lockin Company)", "vendor_country": "KR",
     "classes": [], "libraries": ["libloader.so", "liblgkt.so"]},
]


def gen_packers():
    rows = []
    for p in PACKERS:
        row = dict(p)
        row["provenance"] = PACKER_SOURCE
        rows.append(row)
    return {
        "schema": "apkvet.rules.packers",
        "version": 1,
        "generated_by": "tools/gen-code-rules.py",
        "provenance": PACKER_SOURCE,
        "matching": "classes: exact dotted class name, or a package prefix when it names no class (com.licel.dexprotector); "
                    "libraries: exact file name of a native library anywhere in the app",
        "caveat": "library names alone are weak evidence (libexec.so, libshell.so, libloader.so are generic): report them as hints, and a packer as present when a class stub matches",
        "packers": rows,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", default=os.path.join(here, "..", "..", "shared", "reference"))
    ap.add_argument("--out", default=os.path.join(here, "..", "rules"))
    a = ap.parse_args()
    facts, facts_prov = gen_permission_facts(a.reference)
    write(os.path.join(a.out, "apis", "sensitive_apis.json"), gen_sensitive(a.reference, facts))
    write(os.path.join(a.out, "apis", "api_permissions.json"), gen_api_permissions(a.reference, facts, facts_prov))
    write(os.path.join(a.out, "trackers", "exodus_trackers.json"), gen_trackers(a.reference))
    write(os.path.join(a.out, "trackers", "packers.json"), gen_packers())


if __name__ == "__main__":
    main()
