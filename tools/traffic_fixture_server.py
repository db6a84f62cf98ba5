#!/usr/bin/env python3
"""A tiny HTTP/1.1 sink for tools/make-traffic-fixtures.sh: accepts any method, reads the body
(Content-Length or chunked), answers 200 "ok". Raw TCP and UDP sinks for the DNS-named flows.
  traffic_fixture_server.py http HOST PORT | https HOST PORT CERT KEY | ws HOST PORT [CERT KEY] | tcp HOST PORT
                           | udp HOST PORT"""
import base64, hashlib, http.server, socket, socketserver, ssl, sys

class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def handle_any(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""): pass
                    break
                self.rfile.read(size); self.rfile.readline()
        else:
            self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(b"ok")
    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any
    def log_message(self, *a): pass

class V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

class WebSocketSink(socketserver.StreamRequestHandler):
    """Accepts the Upgrade (and permessage-deflate when asked), then reads frames until a close frame."""
    def handle(self):
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            c = self.rfile.read(1)
            if not c: return
            head += c
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in head.decode("latin-1").split("\r\n")[1:] if line)}
        accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] +
                                                "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if "permessage-deflate" in headers.get(
            "sec-websocket-extensions", "") else ""
        self.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept}\r\n{ext}\r\n").encode())
        while True:
            b = self.rfile.read(2)
            if len(b) < 2: return
            n = b[1] & 0x7f
            if n == 126: n = int.from_bytes(self.rfile.read(2), "big")
            elif n == 127: n = int.from_bytes(self.rfile.read(8), "big")
            self.rfile.read((4 if b[1] & 0x80 else 0) + n)
            if b[0] & 0x0f == 8:
                self.wfile.write(b"\x88\x00")
                return

class TlsTcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    context = None
    def get_request(self):
        sock, addr = super().get_request()
        return (self.context.wrap_socket(sock, server_side=True) if self.context else sock), addr

def main():
    kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind in ("http", "https"):
        cls = V6Server if ":" in host else http.server.ThreadingHTTPServer
        server = cls((host, port), Sink)
        if kind == "https":  # TLS 1.2 and 1.3, whatever the client asks for
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(sys.argv[4], sys.argv[5])
            ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
    elif kind == "ws":
        server = TlsTcpServer((host, port), WebSocketSink)
        if len(sys.argv) > 5:
            server.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server.context.load_cert_chain(sys.argv[4], sys.argv[5])
        server.serve_forever()
    elif kind == "tcp":
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((host, port)); s.listen()
        while True:
            c, _ = s.accept()
            while c.recv(65536): pass
            c.close()
    elif kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((host, port))
        while True: s.recvfrom(65536)

main()
