#!/usr/bin/python3
"""A local mail server for the link-by-e-mail tests, on Debian's aiosmtpd.

Each message it accepts is written to DIR as N.eml (the raw bytes, as the
client sent them after DATA) and N.json (envelope, headers, decoded body,
whether the conversation was under TLS). It prints "READY PORT" once it
listens, then runs until killed.

  --tlscert/--tlskey   offer STARTTLS with this certificate
  --answer CODES       answer the end of DATA with these codes, one per
                       message, before accepting (e.g. 451 or 550)
  --hang-on-data       never answer the end of DATA (the test kills it there)
  --hostile            not aiosmtpd: greet with an endless reply line
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import sys
import time


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Saver:
    def __init__(self, directory, answers, hang):
        self.directory = directory
        self.answers = list(answers)
        self.hang = hang
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            await asyncio.sleep(3600)
        if self.answers:
            code = self.answers.pop(0)
            return "451 4.3.0 try again later" if code == 451 else "%d 5.7.1 refused by the test server" % code
        self.count += 1
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "headers": {k: str(v) for k, v in message.items()},
            "body": body.get_content() if body is not None else "",
        }
        base = os.path.join(self.directory, "%d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w") as f:
            json.dump(record, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as TEST%d" % self.count


def hostile(host, port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(4)
    print("READY %d" % port, flush=True)
    while True:
        conn, _ = listener.accept()
        try:
            conn.sendall(b"220 ")
            deadline = time.time() + 20
            while time.time() < deadline:
                conn.sendall(b"x" * 4096)
        except OSError:
            pass
        finally:
            conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tlscert")
    p.add_argument("--tlskey")
    p.add_argument("--answer", default="")
    p.add_argument("--hang-on-data", action="store_true")
    p.add_argument("--hostile", action="store_true")
    a = p.parse_args()
    port = a.port or free_port(a.host)
    if a.hostile:
        return hostile(a.host, port)

    from aiosmtpd.controller import Controller

    tls_context = None
    if a.tlscert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(a.tlscert, a.tlskey)
    answers = [int(c) for c in a.answer.split(",") if c]
    controller = Controller(Saver(a.dir, answers, a.hang_on_data), hostname=a.host, port=port,
                            tls_context=tls_context, require_starttls=False, server_hostname="localhost")
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
