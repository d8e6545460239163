#!/usr/bin/env python3
"""Hammers a running `okaeri serve` with writes until it dies (tests/crash/run kills it -9).

usage: api_load.py PORT TOKEN ACKFILE ROUND THREADS

Each thread owns customers K<ROUND>-<thread>-<n>: it creates one (POST /customers), then edits
its address a few times with If-Match (PATCH, versions 1, 2, ...), then creates the next. Every
reply with a 2xx status is appended to ACKFILE at once (flushed, fsynced) before the next
request is sent, as "create CODE" or "patch CODE VERSION ADDRESS", so after the kill the file
lists exactly the writes the server acknowledged. Exits when the server stops answering.
"""
import http.client
import json
import os
import sys
import threading

port, token, ackfile, rnd, nthreads = (int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4],
                                       int(sys.argv[5]))
lock = threading.Lock()
ack = open(ackfile, "a", encoding="utf-8")


def record(line):
    with lock:
        ack.write(line + "\n")
        ack.flush()
        os.fsync(ack.fileno())


def worker(t):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    n = 0
    try:
        while True:
            code = "K%s-%d-%d" % (rnd, t, n)
            body = json.dumps({"code": code, "name": "負荷 %d-%d" % (t, n)}, ensure_ascii=False)
            conn.request("POST", "/api/v1/customers", body.encode(), h)
            r = conn.getresponse()
            r.read()
            if r.status == 201:
                record("create " + code)
            elif r.status != 409:
                print("unexpected %d on create" % r.status, file=sys.stderr)
            for v in range(1, 4):
                addr = "東京都 %d" % v
                hh = dict(h)
                hh["If-Match"] = '"%d"' % v
                conn.request("PATCH", "/api/v1/customers/" + code,
                             json.dumps({"address": addr}, ensure_ascii=False).encode(), hh)
                r = conn.getresponse()
                r.read()
                if 200 <= r.status < 300:
                    record("patch %s %d %s" % (code, v + 1, addr))
                else:
                    print("unexpected %d on patch" % r.status, file=sys.stderr)
                    break
            n += 1
    except (OSError, http.client.HTTPException):
        return  # the server was killed


threads = [threading.Thread(target=worker, args=(t,)) for t in range(nthreads)]
for th in threads:
    th.start()
for th in threads:
    th.join()
