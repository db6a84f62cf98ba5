#!/usr/bin/env bash
# Benchmark: apkvet traffic against tshark on the same synthetic capture, in the same run.
# Generates a pcap of SIZE_MB (default 512) of HTTP/1.1 flows over Ethernet/IPv4 (handshake, a JSON
# POST split into MSS-sized segments, a 24 KB response, FIN; 1 flow in 50 carries the IMEI canary),
# times `apkvet traffic` (decode, reassembly, HTTP, one Hyperscan pass per buffer, report) and
# `tshark -r X -Y http.request -T fields -e http.host -e http.request.uri`, prints MB/s of both and
# the ratio, then deletes the capture. Not for CI: run once, with nice, on an idle machine.
# BENCH_TLS=1: every flow is TLS 1.3 (AES-128-GCM records; hellos in clear, encrypted handshake and
# Finished under handshake secrets, then application data) and each tool gets the key log: apkvet with
# --tls-keylog, tshark with -o tls.keylog_file.
# BENCH_QUIC=1: every flow is a QUIC v1 connection over UDP (a client Initial with the ClientHello, a
# server Initial with the ServerHello, the server's SETTINGS, then the request as HTTP/3 HEADERS and
# DATA in 1-RTT packets, AES-128-GCM, and the response), read with the key log; tshark counts the
# requests' HEADERS frames (tshark 4.0 does not decode QPACK): -Y 'http3.frame_type == 1 && udp.dstport == 443'.
#   [BENCH_TLS=1 | BENCH_QUIC=1] tools/bench-traffic.sh [SIZE_MB] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-512}
build=${2:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pcap=$work/bench.pcap

keys=$work/keys.log
mode=clear; [ "${BENCH_TLS:-0}" = 1 ] && mode=tls; [ "${BENCH_QUIC:-0}" = 1 ] && mode=quic
python3 - "$pcap" "$size_mb" "$mode" "$keys" <<'PY'
import hashlib, hmac, os, struct, sys, random
out, size_mb, mode, keylog = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tls, quic = mode == "tls", mode == "quic"
def expand_label(secret, label, length):  # HKDF-Expand-Label, RFC 8446 7.1, SHA-256
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest(); out += block; i += 1
    return out[:length]
def hs(kind, body): return bytes([kind]) + len(body).to_bytes(3, "big") + body
if quic:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    keys = open(keylog, "w")
    SALT = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
    def varint(v):
        return bytes([v]) if v < 64 else struct.pack("!H", 0x4000 | v) if v < 16384 else struct.pack("!I", 0x80000000 | v)
    class Protector:  # one direction's packet protection (RFC 9001 5): key, iv, header protection key
        def __init__(self, secret):
            self.aead, self.iv = AESGCM(expand_label(secret, b"quic key", 16)), expand_label(secret, b"quic iv", 12)
            self.hp = Cipher(algorithms.AES(expand_label(secret, b"quic hp", 16)), modes.ECB())
            self.pn = 0
        def packet(self, header, payload):  # header ends with the 4-byte packet number
            pn = self.pn; self.pn += 1
            header = header[:-4] + struct.pack("!I", pn)
            nonce = bytes(a ^ b for a, b in zip(self.iv, pn.to_bytes(12, "big")))
            sealed = self.aead.encrypt(nonce, payload, header)
            pn_at = len(header) - 4
            mask = self.hp.encryptor().update(sealed[:16])  # the sample: 4 bytes after the packet number's start
            first = header[0] ^ (mask[0] & (0x0f if header[0] & 0x80 else 0x1f))
            pn_bytes = bytes(a ^ b for a, b in zip(header[pn_at:], mask[1:5]))
            return bytes([first]) + header[1:pn_at] + pn_bytes + sealed
    def initial_secret(dcid, label):
        initial = hmac.new(SALT, dcid, hashlib.sha256).digest()
        return expand_label(initial, label, 32)
    def long_header(dcid, scid, length, handshake=False):  # Initial (token length 0) or Handshake
        return bytes([0xe3 if handshake else 0xc3]) + b"\x00\x00\x00\x01" + bytes([len(dcid)]) + dcid + \
            bytes([len(scid)]) + scid + (b"" if handshake else b"\x00") + struct.pack("!H", 0x4000 | length) + b"\x00\x00\x00\x00"
    def quic_datagrams(host, req_fields, body, resp):
        dcid, ccid, scid = os.urandom(8), os.urandom(8), os.urandom(8)
        cr = os.urandom(32)
        c_app, s_app, s_hs = os.urandom(32), os.urandom(32), os.urandom(32)
        keys.write(f"CLIENT_TRAFFIC_SECRET_0 {cr.hex()} {c_app.hex()}\nSERVER_TRAFFIC_SECRET_0 {cr.hex()} {s_app.hex()}\n"
                   f"SERVER_HANDSHAKE_TRAFFIC_SECRET {cr.hex()} {s_hs.hex()}\n")
        sni = b"\x00" + struct.pack("!H", len(host)) + host
        ext = struct.pack("!HH", 0, len(sni) + 2) + struct.pack("!H", len(sni)) + sni + b"\x00\x2b\x00\x03\x02\x03\x04"
        ext += b"\x00\x10\x00\x05\x00\x03\x02h3"  # ALPN h3: what tells tshark the streams are HTTP/3
        ch = hs(1, b"\x03\x03" + cr + b"\x00\x00\x02\x13\x01\x01\x00" + struct.pack("!H", len(ext)) + ext)
        sh = hs(2, b"\x03\x03" + os.urandom(32) + b"\x00\x13\x01\x00" + b"\x00\x06\x00\x2b\x00\x02\x03\x04")
        out = []
        crypto = b"\x06\x00" + varint(len(ch)) + ch
        payload = crypto + b"\x00" * (1200 - len(long_header(dcid, ccid, 0)) - 16 - len(crypto))  # padded to 1200
        out.append((0, Protector(initial_secret(dcid, b"client in")).packet(long_header(dcid, ccid, len(payload) + 20), payload)))
        crypto = b"\x06\x00" + varint(len(sh)) + sh
        out.append((1, Protector(initial_secret(dcid, b"server in")).packet(long_header(ccid, scid, len(crypto) + 20), crypto)))
        # EncryptedExtensions with ALPN h3 (a Handshake packet): tshark reads the streams as HTTP/3 only then.
        ee = hs(8, b"\x00\x09\x00\x10\x00\x05\x00\x03\x02h3")
        crypto = b"\x06\x00" + varint(len(ee)) + ee
        out.append((1, Protector(s_hs).packet(long_header(ccid, scid, len(crypto) + 20, True), crypto)))
        c1, s1 = Protector(c_app), Protector(s_app)
        short = lambda cid: bytes([0x43]) + cid + b"\x00\x00\x00\x00"
        settings = b"\x04\x02\x01\x00"  # SETTINGS: QPACK_MAX_TABLE_CAPACITY 0
        out.append((1, s1.packet(short(ccid), b"\x0a\x03" + varint(1 + len(settings)) + b"\x00" + settings)))
        def lit(name, value):  # literal field line with a literal name, no Huffman (RFC 9204 4.5.6)
            return prefixed(0x20, 3, len(name)) + name + prefixed(0x00, 7, len(value)) + value
        section = b"\x00\x00" + b"".join(lit(n, v) for n, v in req_fields)
        stream = varint(1) + varint(len(section)) + section + varint(0) + varint(len(body)) + body
        for side, prot, data in ((0, c1, stream), (1, s1, resp)):
            cid = scid if side == 0 else ccid
            for i in range(0, len(data), 1150):
                chunk = data[i:i + 1150]
                fin = 0x01 if i + 1150 >= len(data) else 0
                frame = bytes([0x0e | fin]) + b"\x00" + varint(i) + varint(len(chunk)) + chunk
                out.append((side, prot.packet(short(cid), frame)))
        return out
    def prefixed(bits, prefix, v):  # QPACK/HPACK integer with an N-bit prefix (RFC 7541 5.1)
        top = (1 << prefix) - 1
        if v < top: return bytes([bits | v])
        v -= top; out = bytes([bits | top])
        while v >= 128: out += bytes([0x80 | (v & 0x7f)]); v >>= 7
        return out + bytes([v])
if tls:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    keys = open(keylog, "w")
    class Sealer:
        def __init__(self, secret):
            self.aead, self.iv, self.seq = AESGCM(expand_label(secret, b"key", 16)), expand_label(secret, b"iv", 12), 0
        def record(self, inner_type, data):
            nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
            self.seq += 1
            plain = data + bytes([inner_type])
            header = b"\x17\x03\x03" + struct.pack("!H", len(plain) + 16)
            return header + self.aead.encrypt(nonce, plain, header)
        def records(self, data):
            return b"".join(self.record(23, data[i:i + 16384]) for i in range(0, len(data), 16384))
    def clear(kind, body): return bytes([0x16, 3, 1 if kind == 1 else 3]) + struct.pack("!H", len(body) + 4) + hs(kind, body)
    CCS = b"\x14\x03\x03\x00\x01\x01"
    def tls_streams(req, resp):
        cr, sr = os.urandom(32), os.urandom(32)
        secrets = {l: os.urandom(32) for l in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                               "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0")}
        for label, secret in secrets.items(): keys.write(f"{label} {cr.hex()} {secret.hex()}\n")
        ch = b"\x03\x03" + cr + b"\x00\x00\x02\x13\x01\x01\x00" + b"\x00\x07\x00\x2b\x00\x03\x02\x03\x04"
        sh = b"\x03\x03" + sr + b"\x00\x13\x01\x00" + b"\x00\x06\x00\x2b\x00\x02\x03\x04"
        finished = hs(20, os.urandom(32))
        # In the order a real handshake goes: ClientHello; the server's flight; the client's Finished
        # and request; the response.
        return [(0, clear(1, ch)),
                (1, clear(2, sh) + CCS + Sealer(secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"]).record(22, hs(8, b"\x00\x00") + finished)),
                (0, CCS + Sealer(secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"]).record(22, finished) +
                    Sealer(secrets["CLIENT_TRAFFIC_SECRET_0"]).records(req)),
                (1, Sealer(secrets["SERVER_TRAFFIC_SECRET_0"]).records(resp))]
limit = size_mb * 1024 * 1024
rnd = random.Random(7)
words = [w.encode() for w in "alpha beta gamma delta session event screen view click open close install"
         " update render network cache image video audio token user locale country battery".split()]
hosts = [b"api.example-news.test", b"log.tiktokv.com", b"graph.facebook.com", b"cdn.example-shop.test",
         b"alog.umeng.com", b"ssl.google-analytics.com"]
f = open(out, "wb", buffering=1 << 22)
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
written, t = 24, 1_700_000_000 * 1_000_000
MSS = 1448
def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    global written, t
    ip_len = 20 + 20 + len(payload)
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0x4000, 64, 6, 0, src, dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    data = eth + ip + tcp + payload
    t += 50
    f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)))
    f.write(data)
    written += 16 + len(data)
def udp_frame(src, dst, sport, dport, payload):
    global written, t
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 0, 0x4000, 64, 17, 0, src, dst)
    data = eth + ip + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    t += 50
    f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)))
    f.write(data)
    written += 16 + len(data)
body_words = [b" ".join(rnd.choice(words) for _ in range(900)) for _ in range(16)]
response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 24576\r\n\r\n" + \
           (b'{"items":[' + b",".join(b'"%s"' % rnd.choice(words) for _ in range(3000)))[:24576 - 2] + b"]}"
if quic:  # the response as HTTP/3: HEADERS (:status 200, static entry 25), then DATA
    json_body = response.split(b"\r\n\r\n", 1)[1]
    response_h3 = b"\x01\x03\x00\x00\xd9" + varint(0) + varint(len(json_body)) + json_body
n = 0
while written < limit:
    n += 1
    c = bytes([10, 0, (n >> 8) & 255, n & 255]); s = bytes([93, 184, n % 200, 34])
    sp, dp = 32768 + n % 28000, 443 if tls else 80
    cs, ss = rnd.getrandbits(32), rnd.getrandbits(32)
    host = hosts[n % len(hosts)]
    q = b"&imei=356938035643809" if n % 50 == 0 else b""
    body = b'{"events":"' + body_words[n % 16] + b'","seq":%d}' % n
    req = (b"POST /v1/events?sid=%d%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: okhttp/4.12.0\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (n, q, host, len(body))) + body
    if quic:
        fields = [(b":method", b"POST"), (b":scheme", b"https"), (b":authority", host),
                  (b":path", b"/v1/events?sid=%d%s" % (n, q)), (b"user-agent", b"okhttp/4.12.0"),
                  (b"content-type", b"application/json")]
        for side, datagram in quic_datagrams(host, fields, body, response_h3):
            if side == 0: udp_frame(c, s, sp, 443, datagram)
            else: udp_frame(s, c, 443, sp, datagram)
        continue
    flights = tls_streams(req, response) if tls else [(0, req), (1, response)]
    frame(c, s, sp, dp, cs, 0, 0x02)
    frame(s, c, dp, sp, ss, cs + 1, 0x12)
    frame(c, s, sp, dp, cs + 1, ss + 1, 0x10)
    sent = [0, 0]  # bytes each side has sent
    for side, data in flights:
        for i in range(0, len(data), MSS):
            if side == 0: frame(c, s, sp, dp, cs + 1 + sent[0] + i, ss + 1 + sent[1], 0x18, data[i:i + MSS])
            else: frame(s, c, dp, sp, ss + 1 + sent[1] + i, cs + 1 + sent[0], 0x18, data[i:i + MSS])
        sent[side] += len(data)
    frame(c, s, sp, dp, cs + 1 + sent[0], ss + 1 + sent[1], 0x11)
    frame(s, c, dp, sp, ss + 1 + sent[1], cs + 2 + sent[0], 0x11)
f.close()
print(f"bench-traffic: generated {written / 1e6:.1f} MB, {n} flows")
PY
[ -n "${BENCH_KEEP:-}" ] && cp "$pcap" "$keys" "$BENCH_KEEP"/  # BENCH_KEEP=DIR: keep the capture and key log
bytes=$(stat -c %s "$pcap")
mb=$(python3 -c "print($bytes / 1e6)")

now() { date +%s.%N; }
t0=$(now)
keylog_args=(); tshark_keys=(); tshark_query=(-Y http.request -T fields -e http.host -e http.request.uri)
if [ "$mode" != clear ]; then keylog_args=(--tls-keylog "$keys"); tshark_keys=(-o "tls.keylog_file:$keys"); fi
# tshark 4.0 does not decode QPACK: for QUIC it counts the frames with a request's HEADERS frame.
[ "$mode" = quic ] && tshark_query=(-Y "http3.frame_type == 1 && udp.dstport == 443" -T fields -e frame.number)
"$build/apkvet" traffic --device fixtures/traffic/device.json --format json "${keylog_args[@]}" "$pcap" >"$work/apkvet.json" || true
t1=$(now)
tshark -r "$pcap" "${tshark_keys[@]}" "${tshark_query[@]}" >"$work/tshark.tsv" 2>/dev/null
t2=$(now)

python3 - "$mb" "$t0" "$t1" "$t2" "$work/apkvet.json" "$work/tshark.tsv" <<'PY'
import json, sys
mb, t0, t1, t2 = map(float, sys.argv[1:5])
rep = json.load(open(sys.argv[5]))["results"][0]["traffic"]
cap = rep["captures"][0]
tshark_requests = sum(1 for _ in open(sys.argv[6]))
a, t = t1 - t0, t2 - t1
print(f"capture: {mb:.1f} MB, {cap['packets']} packets; TLS connections decrypted: {cap.get('tls_sessions_decrypted', 0)}; "
      f"QUIC connections decrypted: {cap.get('quic_connections_decrypted', 0)} of {cap.get('quic_connections', 0)}")
print(f"apkvet traffic: {a:.2f} s, {mb / a:.1f} MB/s, {cap['http_requests']} HTTP requests, {len(rep['leaks'])} leak rows "
      f"({sum(l['occurrences'] for l in rep['leaks'])} occurrences)")
print(f"tshark: {t:.2f} s, {mb / t:.1f} MB/s, {tshark_requests} HTTP requests")
print(f"ratio (apkvet speed / tshark speed): {t / a:.2f}x")
PY
