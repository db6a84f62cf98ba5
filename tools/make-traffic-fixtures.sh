#!/usr/bin/env bash
# Regenerates the traffic fixtures in fixtures/traffic/ with real tools: tcpdump records loopback
# while curl sends the canaries of fixtures/traffic/device.json in every encoding to a local python
# server; openssl s_client sends a TLS ClientHello with an SNI to a local s_server; dnsmasq answers
# dig's queries; python sends raw TCP/UDP to the names it resolved. Only 127.0.0.0/8 and ::1 are used,
# every process is started here, bounded by timeout and stopped by its PID.
#   tools/make-traffic-fixtures.sh [STEP]  (STEP: tls websocket tls-cbc quic tls-keyupdate quic-decrypt quic-0rtt; needs: tcpdump curl openssl dnsmasq dig python3 editcap nghttpd
#                                          gtlsclient gtlsserver;
#                                          root (tcpdump, and unshare for the QUIC client's hosts file);
#                                          a step name: only that step's fixtures)
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures/traffic
device=$out/device.json
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
py=python3
drv=tools/traffic_fixture_driver.py
srv=tools/traffic_fixture_server.py

start() { timeout 120 "$@" >/dev/null 2>&1 & pids+=($!); }
# tcpdump on IFACE with FILTER into FILE; prints its PID. -U writes each packet at once.
capture_start() {  # iface linktype file filter
  local lt=()
  [ -n "$2" ] && lt=(-y "$2")
  timeout 120 tcpdump -i "$1" "${lt[@]}" --immediate-mode -U -s 0 -w "$3" "$4" >"$tmp/tcpdump.log" 2>&1 &
  cap=$!; pids+=($cap)
  for _ in $(seq 50); do grep -q "listening on" "$tmp/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
}
capture_stop() { sleep 0.5; kill -INT "$cap"; wait "$cap" 2>/dev/null || true; }
# The self-signed certificate the local TLS and QUIC servers present (made once per run).
server_cert() {
  [ -f "$tmp/tls-cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -keyout "$tmp/tls-key.pem" -out "$tmp/tls-cert.pem" 2>/dev/null
}
# For ngtcp2's example client: $imei, a hosts file naming log.tiktokv.com (bind-mounted over /etc/hosts
# in the client's own mount namespace: it sends the host it connects to as SNI), and a JSON body with
# the Android ID.
quic_client_files() {
  imei=$($py -c "import json;print(json.load(open('$device'))['imei'])")
  local aid
  aid=$($py -c "import json;print(json.load(open('$device'))['android_id'])")
  printf '127.0.0.1 localhost\n127.0.0.1 log.tiktokv.com\n' > "$tmp/hosts"
  printf '{"aid":"%s","os":"android"}' "$aid" > "$tmp/body.json"
}
# ngtcp2's example HTTP/3 server on 127.0.0.1:PORT (UDP: no port to wait on, hence the pause).
start_quic_server() {
  mkdir -p "$tmp/htdocs"
  (cd "$tmp/htdocs" && start gtlsserver -q 127.0.0.1 "$1" "$tmp/tls-key.pem" "$tmp/tls-cert.pem")
  sleep 0.5
}
wait_port() { for _ in $(seq 50); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done; echo "no listener on $1:$2" >&2; exit 1; }

# 7. TLS the device logged the secrets of (curl's SSLKEYLOGFILE): HTTP/1.1 over TLS 1.3 and 1.2 with
#    each AEAD suite to a python HTTPS server, HTTP/2 to nghttpd, and one connection left out of the
#    log. Written as a pcap with the key log beside it, and as a pcapng carrying the secrets itself
#    (editcap --inject-secrets).
tls_fixtures() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -keyout "$tmp/tls-key.pem" -out "$tmp/tls-cert.pem" 2>/dev/null
  mkdir -p "$tmp/htdocs"
  start $py $srv https 127.0.0.1 18443 "$tmp/tls-cert.pem" "$tmp/tls-key.pem"
  start nghttpd -d "$tmp/htdocs" 18444 "$tmp/tls-key.pem" "$tmp/tls-cert.pem"
  wait_port 127.0.0.1 18443; wait_port 127.0.0.1 18444
  rm -f "$tmp/keys.log"
  capture_start lo "" $out/tls-decrypt.pcap "tcp port 18443 or tcp port 18444"
  $py $drv tls $device 18443 18444 "$tmp/keys.log" $out/tls-decrypt.expected.json
  capture_stop
  sort "$tmp/keys.log" > $out/tls-decrypt.keys
  editcap --inject-secrets tls,$out/tls-decrypt.keys -F pcapng $out/tls-decrypt.pcap $out/tls-decrypt-dsb.pcapng
}
# 8. WebSocket: a client written in the driver sends masked frames (text, fragmented, binary,
#    permessage-deflate with context takeover) to a python WebSocket sink, and once over TLS (wss) with
#    its secrets logged by python's ssl module.
websocket_fixtures() {
  server_cert
  start $py $srv ws 127.0.0.1 18445
  start $py $srv ws 127.0.0.1 18446 "$tmp/tls-cert.pem" "$tmp/tls-key.pem"
  wait_port 127.0.0.1 18445; wait_port 127.0.0.1 18446
  rm -f "$tmp/ws-keys.log"
  capture_start lo "" $out/websocket.pcap "tcp port 18445 or tcp port 18446"
  $py $drv websocket $device 18445 18446 "$tmp/ws-keys.log" $out/websocket.expected.json
  capture_stop
  sort "$tmp/ws-keys.log" > $out/websocket.keys
}
# 9. TLS with AES-CBC suites (servers that never dropped them): openssl s_server -www with
#    encrypt-then-MAC and with -no_etm, TLS 1.2 and one TLS 1.1 connection, curl logging its secrets.
tls_cbc_fixtures() {
  server_cert
  start openssl s_server -accept 127.0.0.1:18447 -cert "$tmp/tls-cert.pem" -key "$tmp/tls-key.pem" -www -quiet \
    -cipher 'DEFAULT:@SECLEVEL=0'
  start openssl s_server -accept 127.0.0.1:18448 -cert "$tmp/tls-cert.pem" -key "$tmp/tls-key.pem" -www -quiet \
    -cipher 'DEFAULT:@SECLEVEL=0' -no_etm
  wait_port 127.0.0.1 18447; wait_port 127.0.0.1 18448
  rm -f "$tmp/cbc-keys.log"
  capture_start lo "" $out/tls-cbc.pcap "tcp port 18447 or tcp port 18448"
  $py $drv tls-cbc $device 18447 18448 "$tmp/cbc-keys.log" $out/tls-cbc.expected.json
  capture_stop
  sort "$tmp/cbc-keys.log" > $out/tls-cbc.keys
}
# 10. QUIC: ngtcp2's example client (GnuTLS) fetches from its example server over HTTP/3, once with an
#     SNI naming a ByteDance host and once with the IMEI inside the SNI; the Initial packets are opened
#     with the keys any observer can derive.
quic_fixtures() {
  server_cert
  start_quic_server 18449
  capture_start lo "" $out/quic-sni.pcap "udp port 18449"
  imei=$($py -c "import json;print(json.load(open('$device'))['imei'])")
  # gtlsclient 0.12 sends the host it connects to as SNI (--sni is ignored): the two names resolve to
  # 127.0.0.1 through a hosts file bind-mounted in a mount namespace of the client alone.
  printf '127.0.0.1 localhost\n127.0.0.1 log.tiktokv.com %s.device.byteoversea.com\n' "$imei" > "$tmp/hosts"
  for sni in log.tiktokv.com "$imei.device.byteoversea.com"; do
    timeout 5 unshare --mount sh -c "mount --bind '$tmp/hosts' /etc/hosts && gtlsclient -q --exit-on-all-streams-close \
      '$sni' 18449 'https://$sni/'" >/dev/null 2>&1 || true
  done
  capture_stop
}
# 12. QUIC read with the client's secrets (GnuTLS logs them under SSLKEYLOGFILE): ngtcp2's example client
#     sends two HTTP/3 requests per connection (the IMEI in a query, the Android ID in each body; its
#     QPACK encoder uses the dynamic table the server allows), over AES-128-GCM, over AES-256-GCM, and
#     over ChaCha20-Poly1305 after a key update; a fourth connection's secrets are left out of the log.
#     Written as pcap + key log, and as a pcapng carrying the secrets.
quic_decrypt_fixtures() {
  server_cert
  start_quic_server 18451
  quic_client_files
  capture_start lo "" $out/quic-decrypt.pcap "udp port 18451"
  n=0
  for options in "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM" \
                 "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM" \
                 "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305 --key-update=20ms --delay-stream=200ms" \
                 "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"; do
    n=$((n + 1))
    timeout 5 unshare --mount sh -c "mount --bind '$tmp/hosts' /etc/hosts && SSLKEYLOGFILE='$tmp/quic-$n.log' \
      gtlsclient -q --exit-on-all-streams-close $options -d '$tmp/body.json' log.tiktokv.com 18451 \
      'https://log.tiktokv.com/a?imei=$imei&n=$n' 'https://log.tiktokv.com/b?n=$n'" >/dev/null 2>&1 || true
    sleep 0.3
  done
  capture_stop
  sort "$tmp/quic-1.log" "$tmp/quic-2.log" "$tmp/quic-3.log" > $out/quic-decrypt.keys  # not the fourth
  editcap --inject-secrets tls,$out/quic-decrypt.keys -F pcapng $out/quic-decrypt.pcap $out/quic-decrypt-dsb.pcapng
}
# 13. QUIC 0-RTT: the same client twice, the second time resuming the first session (its session and
#     transport parameters saved), so that its request leaves in a 0-RTT packet, before the handshake
#     ends, under CLIENT_EARLY_TRAFFIC_SECRET.
quic_0rtt_fixtures() {
  server_cert
  start_quic_server 18452
  quic_client_files
  rm -f "$tmp/0rtt.log" "$tmp/session" "$tmp/tp"
  capture_start lo "" $out/quic-0rtt.pcap "udp port 18452"
  for n in 1 2; do
    timeout 5 unshare --mount sh -c "mount --bind '$tmp/hosts' /etc/hosts && SSLKEYLOGFILE='$tmp/0rtt.log' \
      gtlsclient -q --exit-on-all-streams-close --session-file='$tmp/session' --tp-file='$tmp/tp' \
      -d '$tmp/body.json' log.tiktokv.com 18452 'https://log.tiktokv.com/r?imei=$imei&n=$n'" >/dev/null 2>&1 || true
    sleep 0.3
  done
  capture_stop
  sort "$tmp/0rtt.log" > $out/quic-0rtt.keys
}
# 11. TLS 1.3 KeyUpdate: openssl s_client (its "K" command: update and ask the server to) between two
#     requests to the python HTTPS server, so the second is sealed under the next application key.
tls_keyupdate_fixtures() {
  server_cert
  start $py $srv https 127.0.0.1 18450 "$tmp/tls-cert.pem" "$tmp/tls-key.pem"
  wait_port 127.0.0.1 18450
  rm -f "$tmp/ku-keys.log"
  capture_start lo "" $out/tls-keyupdate.pcap "tcp port 18450"
  imei=$($py -c "import json;print(json.load(open('$device'))['imei'])")
  aid=$($py -c "import json;print(json.load(open('$device'))['android_id'])")
  # Without -ign_eof: s_client reads its command letters only then.
  (printf 'GET /a?kimei=%s HTTP/1.1\r\nHost: log.tiktokv.com\r\n\r\n' "$imei"; sleep 0.5; printf 'K\n'; sleep 0.5
   printf 'GET /b?kaid=%s HTTP/1.1\r\nHost: log.tiktokv.com\r\n\r\n' "$aid"; sleep 0.5) |
    timeout 5 openssl s_client -connect 127.0.0.1:18450 -tls1_3 -servername log.tiktokv.com \
      -keylogfile "$tmp/ku-keys.log" >/dev/null 2>&1 || true
  capture_stop
  sort "$tmp/ku-keys.log" > $out/tls-keyupdate.keys
}
if [ "${1:-}" = tls-keyupdate ]; then tls_keyupdate_fixtures; ls -l $out/tls-keyupdate*; exit 0; fi
if [ "${1:-}" = quic ]; then quic_fixtures; ls -l $out/quic*; exit 0; fi
if [ "${1:-}" = quic-decrypt ]; then quic_decrypt_fixtures; ls -l $out/quic-decrypt*; exit 0; fi
if [ "${1:-}" = quic-0rtt ]; then quic_0rtt_fixtures; ls -l $out/quic-0rtt*; exit 0; fi
if [ "${1:-}" = tls-cbc ]; then tls_cbc_fixtures; ls -l $out/tls-cbc*; exit 0; fi
if [ "${1:-}" = tls ]; then tls_fixtures; ls -l $out/tls-decrypt*; exit 0; fi
if [ "${1:-}" = websocket ]; then websocket_fixtures; ls -l $out/websocket*; exit 0; fi

# 1. HTTP: every canary in every encoding, at every place in a request (Ethernet-framed loopback).
start $py $srv http 127.0.0.1 18080; wait_port 127.0.0.1 18080
capture_start lo "" $out/http-canaries.pcap "tcp port 18080"
$py $drv http $device 18080 $out/http-canaries.expected.json
capture_stop

# 2. Clean traffic and near misses: must raise nothing.
capture_start lo "" $out/clean.pcap "tcp port 18080"
$py $drv clean $device 18080
capture_stop

# 3. IPv6 over ::1, written as pcapng.
start $py $srv http ::1 18081; wait_port ::1 18081
capture_start lo "" "$tmp/ipv6.pcap" "tcp port 18081"
$py $drv ipv6 $device 18081 $out/ipv6.expected.json
capture_stop
editcap -F pcapng "$tmp/ipv6.pcap" $out/ipv6.pcapng

# 4. TLS: a ClientHello whose SNI names a ByteDance host, and one whose SNI carries the IMEI (Linux
#    cooked capture v1 framing).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
start openssl s_server -accept 127.0.0.1:18443 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -quiet; wait_port 127.0.0.1 18443
capture_start any LINUX_SLL $out/tls-sni.pcap "tcp port 18443"
imei=$($py -c "import json;print(json.load(open('$device'))['imei'])")
for sni in log.tiktokv.com "$imei.device.byteoversea.com"; do
  timeout 5 openssl s_client -connect 127.0.0.1:18443 -servername "$sni" </dev/null >/dev/null 2>&1 || true
done
capture_stop

# 5. DNS names: dnsmasq answers for tracker hosts with loopback addresses; raw TCP and UDP then go
#    to those addresses, so only the DNS answer names the destination (Linux cooked v2 framing).
start dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=15353 --listen-address=127.0.0.1 --bind-interfaces \
  --address=/alog.umeng.com/127.0.0.2 --address=/report.appmetrica.yandex.net/127.0.0.3 --pid-file="$tmp/dnsmasq.pid"
start $py $srv tcp 127.0.0.2 18090
start $py $srv udp 127.0.0.3 18091
sleep 0.5; wait_port 127.0.0.2 18090
capture_start any LINUX_SLL2 $out/dns-raw.pcap "port 15353 or port 18090 or port 18091"
aid=$($py -c "import json;print(json.load(open('$device'))['android_id'])")
ip_tcp=$(dig +short @127.0.0.1 -p 15353 alog.umeng.com A)
ip_udp=$(dig +short @127.0.0.1 -p 15353 report.appmetrica.yandex.net A)
hexid=$($py -c "print('$imei'.encode().hex())")
dig +short @127.0.0.1 -p 15353 "$hexid.t.qq.com" A >/dev/null || true   # IMEI in a DNS query name
$py - "$ip_tcp" "$ip_udp" "$imei" "$aid" <<'PY'
import socket, sys
tcp, udp, imei, aid = sys.argv[1:5]
s = socket.create_connection((tcp, 18090), timeout=5)
s.sendall(b"\x00\x01HELLO dev=" + imei.encode() + b";os=android\n"); s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"\x07ping aid=" + aid.encode() + b"\x00", (udp, 18091))
PY
capture_stop

# 6. HAR, as a TLS-intercepting proxy exports it.
$py $drv har $device $out/proxy.har $out/proxy.expected.json

tls_fixtures
websocket_fixtures
tls_cbc_fixtures
quic_fixtures
tls_keyupdate_fixtures
quic_decrypt_fixtures
quic_0rtt_fixtures

ls -l $out
