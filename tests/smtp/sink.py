#!/usr/bin/env python3
"""A loopback SMTP sink for okaeri's tests (python3 standard library only).

Speaks enough SMTP (RFC 5321) for libcurl: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
Every message is written to DIR/NNNN.eml exactly as received (dot-unstuffed), with the
envelope in DIR/NNNN.env. The chosen port is written to DIR/port once listening.

    sink.py DIR [--port N] [--fail N] [--delay SECONDS]

--fail N answers the first N messages with "451 try again later" (for retry tests);
--delay waits before accepting each message (for kill-mid-send tests).
"""
import argparse
import os
import socketserver
import threading
import time

count_lock = threading.Lock()
state = {"n": 0, "fail": 0, "seen": 0}


class Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.send("220 sink.test ESMTP okaeri-test-sink")
        mail_from, rcpts = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                if cmd == "EHLO":
                    self.send("250-sink.test")
                    self.send("250-8BITMIME")
                    self.send("250 SIZE 10485760")
                else:
                    self.send("250 sink.test")
            elif cmd == "MAIL":
                mail_from, rcpts = line[10:].strip(), []
                self.send("250 OK")
            elif cmd == "RCPT":
                rcpts.append(line[8:].strip())
                self.send("250 OK")
            elif cmd == "DATA":
                self.send("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while True:
                    l = self.rfile.readline()
                    if not l:
                        return
                    if l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b".."):
                        l = l[1:]
                    data += l
                if ARGS.delay:
                    time.sleep(ARGS.delay)
                with count_lock:
                    state["seen"] += 1
                    if state["seen"] <= ARGS.fail:
                        self.send("451 try again later")
                        continue
                    state["n"] += 1
                    n = state["n"]
                base = os.path.join(ARGS.dir, "%04d" % n)
                with open(base + ".eml.tmp", "wb") as f:
                    f.write(bytes(data))
                with open(base + ".env", "w") as f:
                    f.write("from %s\n" % mail_from)
                    for r in rcpts:
                        f.write("to %s\n" % r)
                os.rename(base + ".eml.tmp", base + ".eml")
                self.send("250 OK queued as %d" % n)
            elif cmd == "RSET":
                mail_from, rcpts = None, []
                self.send("250 OK")
            elif cmd == "NOOP":
                self.send("250 OK")
            elif cmd == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 command not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0)
    ARGS = ap.parse_args()
    os.makedirs(ARGS.dir, exist_ok=True)
    # A restarted sink continues the numbering of the messages already in DIR.
    state["n"] = len([f for f in os.listdir(ARGS.dir) if f.endswith(".eml")])
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    with open(os.path.join(ARGS.dir, "port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(ARGS.dir, "port.tmp"), os.path.join(ARGS.dir, "port"))
    srv.serve_forever()
