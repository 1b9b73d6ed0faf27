#!/usr/bin/env python3
"""A hostile peer for the end-to-end tests: sends protocol frames exactly as
given (no codec, no validation) to the engine's gateway over TLS + WebSocket,
or to its Unix socket with the 4-byte length prefix, and prints every frame
the engine sends back, one JSON text a line.

  raw_frames.py --ws 127.0.0.1:8443 --cacert cert.pem  < frames.jsonl
  raw_frames.py --unix /path/engine.sock               < frames.jsonl

Each input line is one frame's payload. A line "#sleep 0.5" waits, and
"#drain 1" reads replies for that long before the next line. After the last
line it reads replies for --linger seconds. Exit status 0 when the engine
answered and the connection was still usable at the end, 3 when it closed.
"""
import argparse, base64, json, os, socket, ssl, struct, sys, time


class WebSocket:
    def __init__(self, host, port, cacert):
        ctx = ssl.create_default_context(cafile=cacert)
        ctx.check_hostname = False
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        raw = socket.create_connection((host, port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise SystemExit("the gateway closed during the upgrade")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise SystemExit("no upgrade: " + head.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def send(self, payload: bytes):
        mask = os.urandom(4)
        n = len(payload)
        header = bytes([0x81])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def frames(self):
        out = []
        while True:
            if len(self.buffer) < 2:
                return out
            b1 = self.buffer[1] & 0x7F
            offset, length = 2, b1
            if b1 == 126:
                if len(self.buffer) < 4:
                    return out
                length, offset = struct.unpack(">H", self.buffer[2:4])[0], 4
            elif b1 == 127:
                if len(self.buffer) < 10:
                    return out
                length, offset = struct.unpack(">Q", self.buffer[2:10])[0], 10
            if len(self.buffer) < offset + length:
                return out
            opcode = self.buffer[0] & 0x0F
            body = self.buffer[offset:offset + length]
            self.buffer = self.buffer[offset + length:]
            if opcode == 0x8:
                raise EOFError("closed")
            if opcode in (0x1, 0x2):
                out.append(body)


class UnixSocket:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buffer = b""

    def send(self, payload: bytes):
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def frames(self):
        out = []
        while len(self.buffer) >= 4:
            n = struct.unpack(">I", self.buffer[:4])[0]
            if len(self.buffer) < 4 + n:
                break
            out.append(self.buffer[4:4 + n])
            self.buffer = self.buffer[4 + n:]
        return out


def drain(conn, seconds):
    end = time.time() + seconds
    while True:
        left = end - time.time()
        if left <= 0:
            return
        conn.sock.settimeout(left)
        try:
            chunk = conn.sock.recv(1 << 16)
        except (socket.timeout, ssl.SSLWantReadError):
            return
        if not chunk:
            raise EOFError("closed")
        conn.buffer += chunk
        for f in conn.frames():
            print(f.decode(errors="replace"), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ws")
    ap.add_argument("--cacert")
    ap.add_argument("--unix")
    ap.add_argument("--linger", type=float, default=1.0)
    args = ap.parse_args()
    if args.ws:
        host, port = args.ws.rsplit(":", 1)
        conn = WebSocket(host, int(port), args.cacert)
    else:
        conn = UnixSocket(args.unix)
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("#sleep "):
                time.sleep(float(line.split()[1]))
            elif line.startswith("#drain "):
                drain(conn, float(line.split()[1]))
            else:
                conn.send(line.encode())
                drain(conn, 0.05)
        drain(conn, args.linger)
    except (EOFError, ConnectionError, ssl.SSLError) as e:
        print(json.dumps({"closed": str(e)}), flush=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
