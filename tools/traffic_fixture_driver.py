#!/usr/bin/env python3
"""Sends the canaries of fixtures/traffic/device.json with curl to a local server, one request per
(canary, encoding), rotating where in the request the value goes, and writes the list of leaks a
correct detector must report (expected.json). Called by tools/make-traffic-fixtures.sh while tcpdump
records; only 127.0.0.1 / ::1 are contacted (curl --resolve maps the tracker host names there).

  traffic_fixture_driver.py http  DEVICE.json PORT OUT_EXPECTED.json
  traffic_fixture_driver.py clean DEVICE.json PORT
  traffic_fixture_driver.py ipv6  DEVICE.json PORT OUT_EXPECTED.json
  traffic_fixture_driver.py har   DEVICE.json OUT.har OUT_EXPECTED.json
  traffic_fixture_driver.py tls   DEVICE.json HTTPS_PORT H2_PORT KEYLOG OUT_EXPECTED.json
  traffic_fixture_driver.py websocket DEVICE.json WS_PORT WSS_PORT KEYLOG OUT_EXPECTED.json
  traffic_fixture_driver.py tls-cbc DEVICE.json ETM_PORT MTE_PORT KEYLOG OUT_EXPECTED.json
"""
import base64, gzip, hashlib, json, os, socket, ssl, subprocess, sys, urllib.parse, zlib

def load(path):
    d = json.load(open(path, encoding="utf-8"))
    cc = d["country_code"].lstrip("+")
    c = [("imei", d["imei"]), ("meid", d["meid"]), ("imsi", d["imsi"]), ("iccid", d["iccid"]),
         ("phone_number", d["phone_number"]), ("android_id", d["android_id"]),
         ("advertising_id", d["advertising_id"]), ("serial", d["serial"]), ("wifi_mac", d["wifi_mac"]),
         ("bluetooth_mac", d["bluetooth_mac"]), ("account_email", d["accounts"][0]),
         ("contact_name", d["contacts"][0]["name"]), ("contact_number", d["contacts"][0]["numbers"][0]),
         ("contact_email", d["contacts"][0]["emails"][0]),
         ("installed_package", d["installed_packages"][0])]
    c += [("contact_name", x["name"]) for x in d["contacts"][1:]]
    return d, c, cc

# Hosts from rules/endpoints/owners.json (owner id) plus one with no known owner.
HOSTS = [("log.tiktokv.com", "bytedance"), ("graph.facebook.com", "meta"), ("ssl.google-analytics.com", "google"),
         ("alog.umeng.com", "alibaba"), ("report.appmetrica.yandex.net", "yandex"), ("api.example-vendor.test", None)]

def b64_at(value, align, urlsafe):
    # The value inside a base64 blob at byte offset `align` (0, 1, 2), as SDKs wrap payloads.
    raw = b"x" * align + value.encode() + b"}"
    enc = base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)
    return enc.decode()

def encodings(ident, value, cc):
    """(encoding name, encoded text) pairs an app might send."""
    v = value
    out = [("plain", v)]
    q = urllib.parse.quote(v, safe="")
    if q != v: out.append(("url", q))
    j = json.dumps(v)[1:-1].replace("/", "\\/")
    if j != v: out.append(("json", j))
    for a in range(3):
        out.append(("base64", b64_at(v, a, False)))
    # URL-safe base64 differs from standard only where '+' or '/' occur (otherwise it is the same text
    # and counts as base64): send it at each alignment where it differs.
    for a in range(3):
        url = b64_at(v, a, True)
        if url != b64_at(v, a, False): out.append(("base64url", url))
    out.append(("hex", v.encode().hex()))
    out.append(("hex", v.encode().hex().upper()))
    out.append(("md5", hashlib.md5(v.encode()).hexdigest()))
    out.append(("sha1", hashlib.sha1(v.encode()).hexdigest().upper()))
    out.append(("sha256", hashlib.sha256(v.encode()).hexdigest()))
    # Normalisations a tracker applies before hashing.
    if ident.endswith("_mac"):
        bare = v.replace(":", "")
        out.append(("plain", bare.upper()))
        out.append(("md5", hashlib.md5(bare.upper().encode()).hexdigest()))
        out.append(("sha256", hashlib.sha256(v.upper().encode()).hexdigest()))
    if ident in ("phone_number", "contact_number"):
        national = v.lstrip("+")[len(cc):]
        out.append(("plain", national))
        out.append(("plain", "0" + national))
        out.append(("sha256", hashlib.sha256(national.encode()).hexdigest()))
        out.append(("plain", v.lstrip("+")))
    if ident in ("android_id", "advertising_id", "serial", "account_email"):
        out.append(("md5", hashlib.md5(v.upper().encode()).hexdigest()))
        out.append(("sha1", hashlib.sha1(v.lower().encode()).hexdigest()))
    if ident == "advertising_id":
        out.append(("plain", v.replace("-", "").upper()))
    return out

URL_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%+/=")

def curl(args):
    subprocess.run(["curl", "-sS", "--max-time", "5", "-o", "/dev/null"] + args, check=True)

def send(host, port, ip, placement, key, text, expected, ident, enc, v6=False):
    """One request with `text` placed at `placement`; appends the leak it must produce."""
    base = f"http://{host}:{port}"
    resolve = ["--resolve", f"{host}:{port}:{'[::1]' if v6 else '127.0.0.1'}"]
    loc, field = placement, key
    if placement in ("query", "path") and not set(text) <= URL_SAFE:
        placement, loc = "json", "body"
    if placement == "query":
        curl(resolve + [f"{base}/collect?v=2&{key}={text}&t=1"])
    elif placement == "path":
        curl(resolve + [f"{base}/d/{text}/ping"]); field = ""
    elif placement == "header":
        curl(resolve + ["-H", f"{key}: {text}", f"{base}/h"])
    elif placement == "cookie":
        curl(resolve + ["-b", f"sid=1; {key}={text}; lang=de", f"{base}/c"])
    elif placement == "form":
        curl(resolve + ["--data-binary", f"a=1&{key}={text}&b=2", "-H", "Content-Type: application/x-www-form-urlencoded",
                        f"{base}/form"]); loc = "body"
    elif placement == "json":
        body = '{"event":"open","' + key + '":"' + text + '","n":3}'
        curl(resolve + ["--data-binary", body, "-H", "Content-Type: application/json", f"{base}/json"]); loc = "body"
    elif placement == "multipart":
        curl(resolve + ["-F", f"meta=1", "-F", f"{key}={text}", f"{base}/upload"]); loc = "body"
    elif placement == "gzip":
        body = gzip.compress(('{"batch":[{"' + key + '":"' + text + '"}]}').encode(), mtime=0)
        open("/tmp/apkvet-fixture-body.gz", "wb").write(body)
        curl(resolve + ["--data-binary", "@/tmp/apkvet-fixture-body.gz", "-H", "Content-Encoding: gzip",
                        "-H", "Content-Type: application/json", f"{base}/gz"]); loc = "body"
    elif placement == "chunked":
        curl(resolve + ["--data-binary", '{"' + key + '":"' + text + '"}', "-H", "Transfer-Encoding: chunked",
                        "-H", "Content-Type: application/json", f"{base}/chunked"]); loc = "body"
    expected.append({"identifier": ident, "encoding": enc, "host": host, "location": loc, "field": field,
                     "transport": "cleartext", "ip": "::1" if v6 else "127.0.0.1"})

PLACEMENTS = ["query", "header", "json", "cookie", "form", "gzip", "multipart", "chunked", "path"]

def run_http(device, port, out):
    d, canaries, cc = load(device)
    expected = []
    i = 0
    for ident, value in canaries:
        for enc, text in encodings(ident, value, cc):
            host, owner = HOSTS[i % len(HOSTS)]
            placement = PLACEMENTS[i % len(PLACEMENTS)]
            send(host, port, "127.0.0.1", placement, "k" + ident.replace("_", "")[:6], text, expected, ident, enc)
            expected[-1]["owner"] = owner
            i += 1
    # GPS at several printed precisions and orders.
    g = d["gps"]
    host = "alog.umeng.com"
    curl(["--resolve", f"{host}:{port}:127.0.0.1", f"http://{host}:{port}/loc?lat={g['lat']:.6f}&lon={g['lon']:.6f}"])
    expected.append({"identifier": "gps", "encoding": "decimal", "host": host, "location": "query", "field": "lat",
                     "transport": "cleartext", "owner": "alibaba", "ip": "127.0.0.1"})
    body = json.dumps({"loc": {"lat": round(g["lat"], 4), "lng": round(g["lon"], 4)}})
    curl(["--resolve", f"log.tiktokv.com:{port}:127.0.0.1", "--data-binary", body, "-H", "Content-Type: application/json",
          f"http://log.tiktokv.com:{port}/geo"])
    expected.append({"identifier": "gps", "encoding": "decimal", "host": "log.tiktokv.com", "location": "body",
                     "field": "lat", "transport": "cleartext", "owner": "bytedance", "ip": "127.0.0.1"})
    body = json.dumps({"type": "Point", "coordinates": [round(g["lon"], 5), round(g["lat"], 5)]})
    curl(["--resolve", f"graph.facebook.com:{port}:127.0.0.1", "--data-binary", body, "-H",
          "Content-Type: application/json", f"http://graph.facebook.com:{port}/geojson"])
    expected.append({"identifier": "gps", "encoding": "decimal_lon_lat", "host": "graph.facebook.com",
                     "location": "body", "field": "coordinates", "transport": "cleartext", "owner": "meta", "ip": "127.0.0.1"})
    json.dump(expected, open(out, "w"), indent=1)

def run_tls(device, port, h2_port, keylog, out):
    """HTTPS with curl logging its TLS secrets (SSLKEYLOGFILE): HTTP/1.1 over TLS 1.3 and TLS 1.2 with
    each AEAD suite, then HTTP/2 (three requests on one connection, so later header blocks refer to
    HPACK's dynamic table). Last, one connection whose secrets are not logged: its canary must stay
    unread."""
    d, canaries, cc = load(device)
    expected = []
    env = dict(os.environ, SSLKEYLOGFILE=keylog)
    def tls_curl(args):
        subprocess.run(["curl", "-sS", "-k", "--max-time", "5", "-o", "/dev/null"] + args, check=True, env=env)
    def expect(ident, host, loc, field, owner):
        expected.append({"identifier": ident, "encoding": "plain", "host": host, "location": loc, "field": field,
                         "transport": "tls", "owner": owner, "ip": "127.0.0.1"})
    h1 = [("--tlsv1.3", "--tls13-ciphers", "TLS_AES_128_GCM_SHA256"),
          ("--tlsv1.3", "--tls13-ciphers", "TLS_AES_256_GCM_SHA384"),
          ("--tlsv1.3", "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"),
          ("--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"),
          ("--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"),
          ("--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    sends = [("imei", "query"), ("android_id", "header"), ("advertising_id", "json"), ("imsi", "form"),
             ("serial", "cookie"), ("wifi_mac", "gzip")]
    values = dict(canaries)
    for i, (suite, (ident, placement)) in enumerate(zip(h1, sends)):
        host, owner = HOSTS[i % len(HOSTS)]
        base = f"https://{host}:{port}"
        r = ["--http1.1", "--resolve", f"{host}:{port}:127.0.0.1"] + list(suite)
        v, key = values[ident], "k" + ident.replace("_", "")[:6]
        if placement == "query":
            tls_curl(r + [f"{base}/collect?{key}={v}&t=1"]); expect(ident, host, "query", key, owner)
        elif placement == "header":
            tls_curl(r + ["-H", f"X-Device: {v}", f"{base}/h"]); expect(ident, host, "header", "X-Device", owner)
        elif placement == "json":
            tls_curl(r + ["--data-binary", '{"' + key + '":"' + v + '"}', "-H", "Content-Type: application/json",
                          f"{base}/json"]); expect(ident, host, "body", key, owner)
        elif placement == "form":
            tls_curl(r + ["--data-binary", f"a=1&{key}={v}", f"{base}/form"]); expect(ident, host, "body", key, owner)
        elif placement == "cookie":
            tls_curl(r + ["-b", f"sid=1; {key}={v}", f"{base}/c"]); expect(ident, host, "cookie", key, owner)
        elif placement == "gzip":
            open("/tmp/apkvet-fixture-body.gz", "wb").write(gzip.compress(('{"' + key + '":"' + v + '"}').encode(), mtime=0))
            tls_curl(r + ["--data-binary", "@/tmp/apkvet-fixture-body.gz", "-H", "Content-Encoding: gzip",
                          "-H", "Content-Type: application/json", f"{base}/gz"]); expect(ident, host, "body", key, owner)
    # HTTP/2: one connection, three requests (--next keeps the connection).
    host, owner = "graph.facebook.com", "meta"
    base = f"https://{host}:{h2_port}"
    r = ["--http2", "--resolve", f"{host}:{h2_port}:127.0.0.1"]
    open("/tmp/apkvet-fixture-body.gz", "wb").write(gzip.compress(('{"kiccid":"' + values["iccid"] + '"}').encode(), mtime=0))
    tls_curl(r + [f"{base}/collect?kphone={values['phone_number']}",
                  "--next", "-k", "-sS", "-o", "/dev/null"] + r + ["-H", f"X-Account: {values['account_email']}", f"{base}/a",
                  "--next", "-k", "-sS", "-o", "/dev/null"] + r + ["--data-binary", "@/tmp/apkvet-fixture-body.gz", "-H", "Content-Encoding: gzip",
                                          "-H", "Content-Type: application/json", f"{base}/gz"])
    expect("phone_number", host, "query", "kphone", owner)
    expect("account_email", host, "header", "x-account", owner)
    expect("iccid", host, "body", "kiccid", owner)
    # Not logged: only the SNI is readable, and it carries nothing.
    host = "log.tiktokv.com"
    subprocess.run(["curl", "-sS", "-k", "--max-time", "5", "-o", "/dev/null", "--http1.1", "--resolve",
                    f"{host}:{port}:127.0.0.1", f"https://{host}:{port}/q?kbt={values['bluetooth_mac']}"], check=True,
                   env={k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"})
    json.dump(expected, open(out, "w"), indent=1)

def run_tls_cbc(device, etm_port, mte_port, keylog, out):
    """HTTPS with AES-CBC suites to openssl s_server -www, one server with encrypt-then-MAC (RFC 7366,
    OpenSSL's default) and one without (-no_etm: MAC-then-encrypt); TLS 1.2 and one TLS 1.1."""
    d, canaries, cc = load(device)
    values = dict(canaries)
    expected = []
    env = dict(os.environ, SSLKEYLOGFILE=keylog)
    sends = [(etm_port, ["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-SHA"], "imei", "query"),
             (mte_port, ["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-SHA384"], "android_id", "header"),
             (mte_port, ["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-SHA256"], "imsi", "json"),
             (etm_port, ["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0"], "serial", "cookie")]
    for i, (port, suite, ident, placement) in enumerate(sends):
        host, owner = HOSTS[i % len(HOSTS)]
        base = f"https://{host}:{port}"
        r = ["curl", "-sS", "-k", "--max-time", "5", "-o", "/dev/null", "--http1.1", "--resolve",
             f"{host}:{port}:127.0.0.1"] + suite
        v, key = values[ident], "k" + ident.replace("_", "")[:6]
        if placement == "query": r += [f"{base}/collect?{key}={v}"]; loc, field = "query", key
        elif placement == "header": r += ["-H", f"X-Device: {v}", f"{base}/h"]; loc, field = "header", "X-Device"
        elif placement == "json":
            r += ["--data-binary", '{"' + key + '":"' + v + '"}', "-H", "Content-Type: application/json", f"{base}/j"]
            loc, field = "body", key
        else: r += ["-b", f"sid=1; {key}={v}", f"{base}/c"]; loc, field = "cookie", key
        subprocess.run(r, env=env)  # s_server's status page is not an HTTP response curl likes; the request is sent
        expected.append({"identifier": ident, "encoding": "plain", "host": host, "location": loc, "field": field,
                         "transport": "tls", "owner": owner, "ip": "127.0.0.1"})
    json.dump(expected, open(out, "w"), indent=1)

def run_websocket(device, port, wss_port, keylog, out):
    """WebSocket clients written here (the standard library has none): text, fragmented and binary
    messages, permessage-deflate messages that refer back to the previous one, and a wss connection
    over TLS whose secrets go to KEYLOG. Every client frame is masked, as RFC 6455 requires."""
    d, canaries, cc = load(device)
    values = dict(canaries)
    expected = []
    def expect(ident, host, field, owner, transport="cleartext"):
        expected.append({"identifier": ident, "encoding": "plain", "host": host, "location": "message",
                         "field": field, "transport": transport, "owner": owner, "ip": "127.0.0.1"})
    def connect(host, p, tls=False, deflate=False):
        s = socket.create_connection(("127.0.0.1", p), timeout=5)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            ctx.keylog_filename = keylog
            s = ctx.wrap_socket(s, server_hostname=host)
        key = base64.b64encode(os.urandom(16)).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if deflate else ""
        s.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{p}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"): head += s.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        return s
    def frame(opcode, payload, fin=True, rsv1=False):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
        head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 else \
            bytes([0x80 | 127]) + n.to_bytes(8, "big")
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    def close(s):
        s.sendall(frame(8, b"\x03\xe8"))
        s.recv(16)
        s.close()
    # 1. Socket.IO-style text, a message fragmented around a ping, a binary message (16-bit length).
    host, owner = "log.tiktokv.com", "bytedance"
    s = connect(host, port)
    s.sendall(frame(1, json.dumps({"imei": values["imei"], "ev": "open"}).encode()))
    expect("imei", host, "imei", owner)
    aid = values["android_id"]
    s.sendall(frame(1, ('42["track",{"aid":"' + aid[:6]).encode(), fin=False) + frame(9, b"hb") +
              frame(0, (aid[6:] + '"}]').encode()))
    expect("android_id", host, "aid", owner)
    s.sendall(frame(2, b"\x08\x01\x12\x24" + values["advertising_id"].encode() + b"\x1a\x80\x01" + bytes(range(128)) + b"\x00" * 40))
    expect("advertising_id", host, "", owner)
    close(s)
    # 2. permessage-deflate with context takeover: the second message is mostly a back-reference.
    host, owner = "graph.facebook.com", "meta"
    s = connect(host, port, deflate=True)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    for ident in ("imsi", "serial"):
        msg = json.dumps({"event": "session_start", "device": {"model": "Pixel 7", ident: values[ident]}}).encode()
        data = c.compress(msg) + c.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        s.sendall(frame(1, data[:-4], rsv1=True))
        expect(ident, host, ident, owner)
    close(s)
    # 3. wss: the same inside TLS, read with the key log.
    host, owner = "alog.umeng.com", "alibaba"
    s = connect(host, wss_port, tls=True)
    s.sendall(frame(1, json.dumps({"phone": values["phone_number"]}).encode()))
    expect("phone_number", host, "phone", owner, "tls")
    close(s)
    json.dump(expected, open(out, "w"), indent=1)

def run_ipv6(device, port, out):
    d, canaries, cc = load(device)
    expected = []
    send("log.tiktokv.com", port, "::1", "query", "imsi", d["imsi"], expected, "imsi", "plain", v6=True)
    send("graph.facebook.com", port, "::1", "header", "X-Device", d["android_id"], expected, "android_id", "plain", v6=True)
    for e in expected: e["owner"] = {"log.tiktokv.com": "bytedance", "graph.facebook.com": "meta"}[e["host"]]
    json.dump(expected, open(out, "w"), indent=1)

def run_clean(device, port):
    """Traffic without canaries, plus near misses: values sharing a prefix or suffix with a canary,
    a position 1 km away, numbers that look like coordinates but are not a pair."""
    d, canaries, cc = load(device)
    host = "log.tiktokv.com"
    r = ["--resolve", f"{host}:{port}:127.0.0.1"]
    imei, aid = d["imei"], d["android_id"]
    near = [imei + "1", "1" + imei, imei[:-1], imei[1:], aid + "0", "a" + aid, aid[:-1], d["imsi"] + "7",
            "9" + d["iccid"], d["phone_number"].lstrip("+") + "0", d["serial"] + "X"]
    for n in near:
        curl(r + [f"http://{host}:{port}/collect?id={n}&ts=1700000000123"])
    curl(r + ["--data-binary", json.dumps({"lat": 52.529, "lon": 13.404954, "v": 1.5}), f"http://{host}:{port}/geo"])
    curl(r + ["--data-binary", "price=52.52&qty=3&weight=13.40", f"http://{host}:{port}/order"])
    curl(r + [f"http://{host}:{port}/index.html", "-H", "User-Agent: Mozilla/5.0 (Linux; Android 14)"])
    curl(r + ["--data-binary", json.dumps({"event": "app_open", "session": "c0ffee", "build": 356938}), f"http://{host}:{port}/e"])

def run_har(device, out_har, out):
    """A HAR 1.2 document as a TLS-intercepting proxy exports it (https requests in clear)."""
    d, canaries, cc = load(device)
    entries, expected = [], []
    def entry(url, method="GET", headers=(), post=None, mime=None):
        e = {"startedDateTime": "2026-12-03T08:00:00.000Z", "time": 12, "serverIPAddress": "203.0.113.10",
             "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                         "headers": [{"name": k, "value": v} for k, v in headers], "cookies": [],
                         "queryString": [], "headersSize": -1, "bodySize": len(post or "")},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                          "content": {"size": 2, "mimeType": "text/plain", "text": "ok"}, "redirectURL": "",
                          "headersSize": -1, "bodySize": 2},
             "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1}}
        if post is not None: e["request"]["postData"] = {"mimeType": mime, "text": post}
        entries.append(e)
    entry(f"https://log.tiktokv.com/service/2/device_register/?imei={d['imei']}&aid=1233")
    expected.append({"identifier": "imei", "encoding": "plain", "host": "log.tiktokv.com", "location": "query",
                     "field": "imei", "transport": "tls", "owner": "bytedance"})
    entry("https://graph.facebook.com/v17.0/activities", "POST", [("Content-Type", "application/json")],
          json.dumps({"advertiser_id": d["advertising_id"], "event": "MOBILE_APP_INSTALL"}), "application/json")
    expected.append({"identifier": "advertising_id", "encoding": "plain", "host": "graph.facebook.com",
                     "location": "body", "field": "advertiser_id", "transport": "tls", "owner": "meta"})
    entry("https://alog.umeng.com/app_logs", "POST", [("X-Umeng-Sign", hashlib.md5(d["wifi_mac"].encode()).hexdigest())])
    expected.append({"identifier": "wifi_mac", "encoding": "md5", "host": "alog.umeng.com", "location": "header",
                     "field": "X-Umeng-Sign", "transport": "tls", "owner": "alibaba"})
    entry("https://ssl.google-analytics.com/collect?v=1&tid=UA-1&cid=555", "GET")  # clean
    # A WebSocket (wss) entry with its messages, as Chrome and mitmproxy export them: sent text, sent
    # binary (base64), and a received message that carries the IMEI (not sent by the device: no leak).
    entry("wss://alog.umeng.com/push", "GET", [("Upgrade", "websocket"), ("Connection", "Upgrade")])
    entries[-1]["_resourceType"] = "websocket"
    entries[-1]["_webSocketMessages"] = [
        {"type": "send", "time": 1764748800.1, "opcode": 1, "data": json.dumps({"op": "hello", "imsi": d["imsi"]})},
        {"type": "receive", "time": 1764748800.2, "opcode": 1, "data": json.dumps({"echo": d["imei"]})},
        {"type": "send", "time": 1764748800.3, "opcode": 2,
         "data": base64.b64encode(b"\x0a\x0b" + d["serial"].encode() + b"\x10\x01").decode()}]
    expected.append({"identifier": "imsi", "encoding": "plain", "host": "alog.umeng.com", "location": "message",
                     "field": "imsi", "transport": "tls", "owner": "alibaba"})
    expected.append({"identifier": "serial", "encoding": "plain", "host": "alog.umeng.com", "location": "message",
                     "field": "", "transport": "tls", "owner": "alibaba"})
    har = {"log": {"version": "1.2", "creator": {"name": "apkvet make-traffic-fixtures", "version": "1"},
                   "entries": entries}}
    json.dump(har, open(out_har, "w"), indent=1)
    json.dump(expected, open(out, "w"), indent=1)

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "http": run_http(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "ipv6": run_ipv6(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "clean": run_clean(sys.argv[2], int(sys.argv[3]))
    elif mode == "har": run_har(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "tls-cbc": run_tls_cbc(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    elif mode == "websocket": run_websocket(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    elif mode == "tls": run_tls(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else: sys.exit("unknown mode " + mode)
