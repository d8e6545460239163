#!/usr/bin/env python3
"""Concurrent edits of the same customers during the soak (run by tests/soak/run).

usage: edits.py BASE_URL TOKEN DB CODES_FILE SECONDS THREADS OUT_JSON

THREADS clients edit the customers listed in CODES_FILE (a handful, kept out of wrk's mix)
for SECONDS: GET the customer, PATCH it with If-Match of the version read, a unique address.
Every 200 is an acknowledged edit. Afterwards, per customer: the acknowledged versions are
distinct and exactly the versions from the start to the end (no edit lost, none applied twice),
the stored address is that of the last acknowledged edit, and the audit log holds every
acknowledged address. Writes a JSON summary to OUT_JSON; exits 1 when a check failed.
"""
import http.client
import json
import random
import sqlite3
import sys
import threading
import time
import urllib.parse

BASE, TOKEN, DB, CODES, SECONDS, THREADS, OUT = sys.argv[1:8]
u = urllib.parse.urlsplit(BASE)
H = {"Authorization": "Bearer " + TOKEN}
codes = [c.strip() for c in open(CODES) if c.strip()]
lock = threading.Lock()
acks = {c: [] for c in codes}  # (version, marker)
stats = {"ok": 0, "conflict": 0, "other": 0}
others = []


def request(conn, method, path, body=None, headers=None):
    h = dict(H)
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    return r.status, r.read()


def worker(n, deadline):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    rnd = random.Random(n)
    i = 0
    while time.monotonic() < deadline:
        c = rnd.choice(codes)
        st, body = request(conn, "GET", "/api/v1/customers/" + c)
        if st != 200:
            with lock:
                stats["other"] += 1
                others.append("GET %d %s" % (st, body[:100]))
            continue
        v = json.loads(body)["version"]
        i += 1
        marker = "edit %d-%d" % (n, i)
        st, body = request(conn, "PATCH", "/api/v1/customers/" + c, {"address": marker},
                           {"If-Match": '"%d"' % v})
        with lock:
            if st == 200:
                got = json.loads(body)
                stats["ok"] += 1
                acks[c].append((got["version"], marker))
                if got["version"] != v + 1 or got["address"] != marker:
                    others.append("PATCH reply version %d after %d" % (got["version"], v))
            elif st == 409:
                stats["conflict"] += 1
            else:
                stats["other"] += 1
                others.append("PATCH %d %s" % (st, body[:100]))
    conn.close()


conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
start = {c: json.loads(request(conn, "GET", "/api/v1/customers/" + c)[1])["version"]
         for c in codes}
deadline = time.monotonic() + float(SECONDS)
ts = [threading.Thread(target=worker, args=(n, deadline)) for n in range(int(THREADS))]
for t in ts:
    t.start()
for t in ts:
    t.join()
problems = list(others[:10])
conn.close()  # idle for the whole run: the server's idle timeout has closed it
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(DB), uri=True, timeout=60)
for c in codes:
    final = json.loads(request(conn, "GET", "/api/v1/customers/" + c)[1])
    versions = sorted(v for v, _ in acks[c])
    if versions != list(range(start[c] + 1, final["version"] + 1)):
        problems.append("%s: %d acknowledged edits, versions %d -> %d" %
                        (c, len(versions), start[c], final["version"]))
    if acks[c]:
        last = max(acks[c])[1]
        if final["address"] != last:
            problems.append("%s: address %r, last acknowledged %r" % (c, final["address"], last))
    cid = db.execute("SELECT id FROM customers WHERE code = ?", (c,)).fetchone()[0]
    audited = set()
    for (after,) in db.execute("SELECT after FROM audit_log WHERE entity = 'customer' AND "
                               "entity_id = ? AND action = 'update'", (cid,)):
        try:
            audited.add(json.loads(after).get("address"))
        except (TypeError, ValueError):
            pass
    missing = [m for _, m in acks[c] if m not in audited]
    if missing:
        problems.append("%s: %d acknowledged edits not in the audit log (%s)" %
                        (c, len(missing), missing[:3]))
db.close()
conn.close()
summary = {"customers": len(codes), "threads": int(THREADS), "acknowledged": stats["ok"],
           "conflicts": stats["conflict"], "other": stats["other"], "problems": problems}
with open(OUT, "w") as f:
    json.dump(summary, f)
print("edits: %d acknowledged, %d conflicts (409), %d other; %s" %
      (stats["ok"], stats["conflict"], stats["other"], "; ".join(problems) or "no lost update"))
sys.exit(1 if problems or stats["other"] else 0)
