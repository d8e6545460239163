#!/usr/bin/env python3
"""Security tests against a running okaeri server (started by tests/security/run).

usage: test_security.py BASE_URL ADMIN_PASSWORD DB_PATH SMTP_SINK_DIR COUNTS_FILE

What tests/api/test_api.py already covers (the permission matrix route x role, CSRF missing and
wrong, forged credentials, the revoked token on a new connection, basic throttling, malformed
bodies) is not repeated; this file adds what an attacker would try next. Python standard library
only. The database is read (never written) with sqlite3 in read-only mode to prove what the HTTP
replies cannot show: row counts, integrity, consent flags.
"""
import email
import email.policy
import glob
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import sqlite3
import sys
import threading
import time
import urllib.parse

BASE, ADMIN_PW, DB, SINK, COUNTS = sys.argv[1:6]
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
API = "/api/v1"
passed = failed = 0


class Resp:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]


class Client:
    """One kept-alive connection (reopened when the server closes it)."""

    def __init__(self):
        self.conn = None

    def call(self, method, path, body=None, token=None, cookie=None, csrf=None, headers=None):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = "okaeri_session=" + cookie
        if csrf:
            h["X-CSRF-Token"] = csrf
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
            t0 = time.monotonic()
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                resp = Resp(r.status, r.getheaders(), r.read(), time.monotonic() - t0)
                if (r.getheader("Connection") or "").lower() == "close":
                    self.close()
                return resp
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


default = Client()


def call(*a, **kw):
    return default.call(*a, **kw)


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))
    return cond


def expect(name, resp, status, code=None):
    ok = resp.status == status
    if ok and code is not None:
        try:
            ok = resp.json()["error"]["code"] == code
        except Exception:
            ok = False
    check(name, ok, "-> %d %s" % (resp.status, resp.body[:200]))
    return resp


def cookie_of(resp):
    m = re.match(r"okaeri_session=([^;]*)", resp.header("Set-Cookie") or "")
    return m.group(1) if m else None


def login(user, password, cookie=None, headers=None):
    r = call("POST", API + "/session", {"login": user, "password": password}, cookie=cookie,
             headers=headers)
    if r.status != 200:
        return None, None, r
    return cookie_of(r), r.json()["csrf_token"], r


def db_query(sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(DB), uri=True, timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_counts():
    # segment_counts: GET /segments/{name}/count records the day's count by design
    tables = [t for (t,) in db_query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' AND name != 'segment_counts' "
                                     "ORDER BY name")]
    return {t: db_query('SELECT count(*) FROM "%s"' % t)[0][0] for t in tables}


def section(name):
    print("-- %s" % name, flush=True)


# ---------------------------------------------------------------- setup
section("setup")
admin_cookie, admin_csrf, r = login("secadmin", ADMIN_PW)
expect("admin login", r, 200)
A = call("POST", API + "/tokens", {"name": "sec"}, cookie=admin_cookie, csrf=admin_csrf).json()[
    "token"]
USERS = {"sec_ro": "readonly", "sec_staff": "staff", "sec_staff2": "staff", "sec_mgr": "manager",
         "sec_victim": "staff", "sec_thr1": "staff", "sec_thr2": "staff"}
PW = {u: "pw-%s-%s" % (u, secrets.token_hex(4)) for u in USERS}
tok, tok_id, sess = {}, {}, {}
for u, role in USERS.items():
    expect("create " + u, call("POST", API + "/users", {"login": u, "role": role,
                                                        "password": PW[u]}, token=A), 201)
for u in ("sec_ro", "sec_staff", "sec_staff2", "sec_mgr"):
    c, t, r = login(u, PW[u])
    expect("login " + u, r, 200)
    sess[u] = (c, t)
    r = call("POST", API + "/tokens", {"name": "own"}, cookie=c, csrf=t)
    expect("token " + u, r, 201)
    tok[u], tok_id[u] = r.json()["token"], r.json()["id"]
customer = call("GET", API + "/customers?limit=1", token=A).json()["items"][0]
CODE = customer["code"]

# ---------------------------------------------------------------- IDOR: tokens and sessions
section("IDOR")
r = expect("staff lists tokens", call("GET", API + "/tokens", token=tok["sec_staff"]), 200)
ids = {t["id"] for t in r.json()["items"]}
check("token list shows only the caller's", ids == {tok_id["sec_staff"]}, str(ids))
r = call("DELETE", API + "/tokens/%d" % tok_id["sec_staff2"], token=tok["sec_staff"])
expect("staff cannot revoke another user's token", r, 404)
r = call("GET", API + "/session", token=tok["sec_staff2"])
check("the other user's token still works", r.status == 200 and
      r.json()["user"]["login"] == "sec_staff2", "-> %d" % r.status)
# enumerate every token id there is: nothing but the caller's own can be revoked
max_id = db_query("SELECT max(id) FROM api_tokens")[0][0]
statuses = {call("DELETE", API + "/tokens/%d" % i, token=tok["sec_ro"]).status
            for i in range(1, max_id + 5) if i != tok_id["sec_ro"]}
check("readonly enumerating token ids revokes none", statuses == {404}, str(statuses))
alive = {u: call("GET", API + "/session", token=tok[u]).status for u in tok}
alive["admin"] = call("GET", API + "/session", token=A).status
check("every token alive after the enumeration", set(alive.values()) == {200}, str(alive))
r = call("POST", API + "/tokens", {"name": "spare"}, token=tok["sec_ro"])
expect("readonly creates a token of its own", r, 201)
expect("readonly revokes its own token", call("DELETE", API + "/tokens/%d" % r.json()["id"],
                                              token=tok["sec_ro"]), 204)
expect("a token cannot be minted for someone else",
       call("POST", API + "/tokens", {"name": "x", "user_id": 1}, token=tok["sec_staff"]), 400)
r = call("POST", API + "/tokens", {"name": "spare2"}, token=tok["sec_staff2"])
spare2 = r.json()["token"]
expect("admin revokes another user's token (documented)",
       call("DELETE", API + "/tokens/%d" % r.json()["id"], token=A), 204)
expect("that token is dead", call("GET", API + "/session", token=spare2), 401)

r = call("GET", API + "/session", token=tok["sec_staff"])
check("session via token is the token's user, no CSRF token", r.status == 200 and
      r.json()["user"]["login"] == "sec_staff" and r.json()["csrf_token"] is None, r.body[:200])
c_staff, t_staff = sess["sec_staff"]
expect("CSRF token of another session refused",
       call("POST", API + "/activities", {"customer_code": CODE, "channel": "phone"},
            cookie=c_staff, csrf=admin_csrf), 403, "csrf")
expect("CSRF token of a bearer request is not needed, a cookie's own is",
       call("GET", API + "/session", cookie=c_staff), 200)

# what each role must not do, with the record unchanged afterwards
before = call("GET", API + "/customers/" + CODE, token=A).json()
expect("readonly PATCH customer", call("PATCH", API + "/customers/" + CODE,
                                       {"name": "pwned", "version": before["version"]},
                                       token=tok["sec_ro"]), 403, "forbidden")
after = call("GET", API + "/customers/" + CODE, token=A).json()
check("customer unchanged after the refused edit", after == before)
n_act = db_query("SELECT count(*) FROM activities")[0][0]
expect("readonly POST activity", call("POST", API + "/activities",
                                      {"customer_code": CODE, "channel": "phone"},
                                      token=tok["sec_ro"]), 403, "forbidden")
check("no activity written", db_query("SELECT count(*) FROM activities")[0][0] == n_act)
expect("staff promotes itself", call("PATCH", API + "/users/sec_staff", {"role": "admin"},
                                     token=tok["sec_staff"]), 403, "forbidden")
expect("manager promotes itself", call("PATCH", API + "/users/sec_mgr", {"role": "admin"},
                                       token=tok["sec_mgr"]), 403, "forbidden")
expect("manager resets another's password",
       call("PATCH", API + "/users/sec_staff", {"password": "taken-over-123"},
            token=tok["sec_mgr"]), 403, "forbidden")
roles = dict(db_query("SELECT login, role FROM users WHERE login LIKE 'sec_%'"))
check("roles unchanged", all(roles[u] == USERS[u] for u in USERS), str(roles))
expect("staff changes a setting", call("PUT", API + "/settings/smtp.from",
                                       {"value": "evil@evil.example"}, token=tok["sec_staff"]),
       403, "forbidden")
expect("staff reads the audit log", call("GET", API + "/audit", token=tok["sec_staff"]), 403)
expect("manager reads a user", call("GET", API + "/users/secadmin", token=tok["sec_mgr"]), 403)
expect("readonly exports customers", call("GET", API + "/exports/customers",
                                          token=tok["sec_ro"]), 403)
# a demotion takes effect on the next request, on the kept-alive connection too
k = Client()
expect("manager adds a product", k.call("POST", API + "/products",
                                        {"sku": "SEC-1", "name": "x"}, token=tok["sec_mgr"]), 201)
expect("demote manager", call("PATCH", API + "/users/sec_mgr", {"role": "readonly"}, token=A),
       200)
expect("demoted at once", k.call("POST", API + "/products", {"sku": "SEC-2", "name": "x"},
                                 token=tok["sec_mgr"]), 403, "forbidden")
expect("restore manager", call("PATCH", API + "/users/sec_mgr", {"role": "manager"}, token=A),
       200)
k.close()

# ---------------------------------------------------------------- session fixation, logout
section("sessions")
fixed = "A" * 43
c, t, r = login("sec_victim", PW["sec_victim"], cookie=fixed)
expect("login with an attacker-chosen cookie", r, 200)
check("a new session id is issued", c and c != fixed and len(c) >= 43, str(c))
expect("the chosen id is not a session", call("GET", API + "/session", cookie=fixed), 401)
# the attacker plants a real session of their own in the victim's browser
c_att, t_att, r = login("sec_ro", PW["sec_ro"])
# without the page's CSRF token the login is refused (the cookie makes it a session request);
# with it (what the UI sends after GET /session) a fresh session is issued
r = login("sec_victim", PW["sec_victim"], cookie=c_att)[2]
check("login over a planted session without CSRF: refused or a fresh session",
      r.status == 403 or (r.status == 200 and cookie_of(r) not in (None, c_att)), "-> %d" % r.status)
r = call("POST", API + "/session", {"login": "sec_victim", "password": PW["sec_victim"]},
         cookie=c_att, csrf=t_att)
expect("login over a planted session with its CSRF token", r, 200)
c_vic, t_vic = cookie_of(r), r.json()["csrf_token"]
check("victim gets a fresh session", c_vic and c_vic != c_att)
r = call("GET", API + "/session", cookie=c_att)
check("the planted session is still only the attacker's", r.status == 200 and
      r.json()["user"]["login"] == "sec_ro", r.body[:200])
r = call("GET", API + "/session", cookie=c_vic)
check("the victim's session is the victim's", r.status == 200 and
      r.json()["user"]["login"] == "sec_victim" and r.json()["csrf_token"] == t_vic)
check("each session has its own CSRF token", t_vic != t_att and len(t_vic) >= 32)
ids = set()
for _ in range(8):
    ids.add(login("sec_victim", PW["sec_victim"])[0])
check("session ids are distinct and 256-bit", len(ids) == 8 and
      all(re.fullmatch(r"[A-Za-z0-9_-]{43,}", i or "") for i in ids), str(ids))
uid = db_query("SELECT id FROM users WHERE login = 'sec_victim'")[0][0]
n_before = db_query("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,))[0][0]
r = expect("logout", call("DELETE", API + "/session", cookie=c_vic, csrf=t_vic), 204)
check("logout clears the cookie", "Max-Age=0" in (r.header("Set-Cookie") or ""))
n_after = db_query("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,))[0][0]
check("logout deletes the session row", n_after == n_before - 1, "%d -> %d" % (n_before, n_after))
expect("stolen cookie after logout: read", call("GET", API + "/customers?limit=1",
                                                cookie=c_vic), 401)
r = call("POST", API + "/activities", {"customer_code": CODE, "channel": "phone"}, cookie=c_vic,
         csrf=t_vic)
check("stolen cookie after logout: write", r.status in (401, 403), "-> %d" % r.status)
c2, t2, _ = login("sec_victim", PW["sec_victim"])
expect("password change by admin", call("PATCH", API + "/users/sec_victim",
                                        {"password": "changed-pw-98765"}, token=A), 200)
expect("password change ends the sessions", call("GET", API + "/session", cookie=c2), 401)
check("no session rows left for the user",
      db_query("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,))[0][0] == 0)
expect("old password refused", login("sec_victim", PW["sec_victim"])[2], 401)
PW["sec_victim"] = "changed-pw-98765"

# ---------------------------------------------------------------- token revocation at once
section("token revocation")
r = call("POST", API + "/tokens", {"name": "doomed"}, token=tok["sec_staff"])
doomed, doomed_id = r.json()["token"], r.json()["id"]
k = Client()
expect("kept-alive connection works", k.call("GET", API + "/customers?limit=1", token=doomed), 200)
results = []
stop = threading.Event()


def hammer():
    cl = Client()
    while not stop.is_set():
        t0 = time.monotonic()
        st = cl.call("GET", API + "/customers?limit=1", token=doomed).status
        results.append((t0, st))
    cl.close()


threads = [threading.Thread(target=hammer) for _ in range(4)]
for th in threads:
    th.start()
time.sleep(0.3)
expect("revoke under load", call("DELETE", API + "/tokens/%d" % doomed_id,
                                 token=tok["sec_staff"]), 204)
revoked_at = time.monotonic()
time.sleep(0.3)
stop.set()
for th in threads:
    th.join()
late = [st for t0, st in results if t0 > revoked_at]
early = [st for t0, st in results if t0 <= revoked_at]
check("requests before the revocation succeeded", early and set(early) <= {200, 401},
      str(set(early)))
check("every request started after the revocation refused", late and set(late) == {401},
      "%d late, statuses %s" % (len(late), set(late)))
expect("same kept-alive connection refused at once",
       k.call("GET", API + "/customers?limit=1", token=doomed), 401)
k.close()

# ---------------------------------------------------------------- SQL injection, every GET route
section("SQL injection")
doc = call("GET", API + "/openapi.json").json()
r = call("POST", API + "/segments", {"name": "sec-seg", "filter": "state = active"},
         token=tok["sec_mgr"])
check("segment for the injection run", r.status in (201, 409), "-> %d" % r.status)
deal = call("GET", API + "/deals?limit=1", token=A).json()["items"]
sku = call("GET", API + "/products?limit=1", token=A).json()["items"][0]["sku"]
setting = call("GET", API + "/settings", token=A).json()["items"][0]["key"]
playbook = call("GET", API + "/playbooks?limit=1", token=A).json()["items"][0]["name"]
VALID = {"code": CODE, "id": str(deal[0]["id"]) if deal else "1", "sku": sku,
         "list": "lost_reasons", "login": "sec_staff", "key": setting, "kind": "customers"}


def fill(pat):
    def sub(m):
        name = m.group(1)
        if name == "name":
            if "/segments/" in pat:
                return "sec-seg"
            if "/playbooks/" in pat:
                return playbook
            return "summary"
        return urllib.parse.quote(VALID.get(name, "1"), safe="")
    return re.sub(r"\{([a-z_]+)\}", sub, pat)


PAYLOADS = ["'", '"', "' OR '1'='1", "' OR 1=1 --", "1 OR 1=1", "1; DROP TABLE customers; --",
            "'; DROP TABLE customers; --", "x' UNION SELECT login, password_hash FROM users --",
            "'||(SELECT password_hash FROM users LIMIT 1)||'",
            "' AND randomblob(500000000) AND '", "1)) OR 1=1 --", "%' --", "\\'",
            "\uff07 OR \uff071\uff07=\uff071",  # fullwidth apostrophes: NFKC folds them to '
            "\u2019 OR \u20191\u2019=\u20191", "\u02bc--", "x\x00' OR '1'='1", "\x00"]
LEAKS = [b"$argon2", b"SQLITE", b"sqlite", b"syntax error", b"no such column",
         b"unrecognized token", b"password_hash", b"token_hash"]
counts0 = db_counts()
integrity0 = db_query("PRAGMA integrity_check")[0][0]
gets = [(pat, op) for pat, item in doc["paths"].items() for m, op in item.items() if m == "get"]
n_req = n_slots = 0
bad = []
slow = []
LEVEL = {"public": -1, "read": 0, "staff": 1, "manager": 2, "admin": 3}
for pat, op in gets:
    need = LEVEL[op["x-permission"]]
    qnames = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    pnames = re.findall(r"\{([a-z_]+)\}", pat)
    slots = [("q", n) for n in qnames] + [("p", n) for n in pnames]
    n_slots += len(slots)
    for kind, name in slots:
        for pay in PAYLOADS:
            for enc in ("all", "raw"):
                safe = "" if enc == "all" else "'\"();=*-|\\"
                v = urllib.parse.quote(pay, safe=safe)
                if kind == "q":
                    path = fill(pat) + "?" + name + "=" + v
                else:
                    path = fill(pat.replace("{%s}" % name, "\x01")).replace("\x01", v)
                for who, t in (("admin", A), ("readonly", tok["sec_ro"])):
                    r = call("GET", path, token=t)
                    n_req += 1
                    if r.seconds > 5:
                        slow.append((path, r.seconds))
                    what = "%s %s -> %d %s" % (who, path, r.status, r.body[:120])
                    leaks = [x for x in LEAKS if x not in pay.encode()]
                    if r.status >= 500 or any(x in r.body for x in leaks):
                        bad.append(what)
                    elif who == "readonly" and need > 0 and r.status != 403 and not (
                            kind == "p" and "\x00" in pay):
                        # (a NUL in the path ends it where libmicrohttpd decodes it: the router
                        # then sees, and checks the role of, the shorter path's route)
                        bad.append("outside the role: " + what)
print("injection: %d GET routes, %d parameters and path segments, %d requests" %
      (len(gets), n_slots, n_req))
check("no 5xx, no SQL error, no secret in %d injected requests" % n_req, not bad,
      "\n  ".join(bad[:15]))
check("no injected request slow (randomblob, sleep)", not slow, str(slow[:5]))
# literal meaning: the classic payload matches nothing rather than everything
r = call("GET", API + "/customers?search=" + urllib.parse.quote("' OR '1'='1"), token=A)
check("search for ' OR '1'='1 finds nothing", r.status == 200 and r.json()["items"] == [],
      r.body[:200])
for p in ("/customers/", "/users/", "/products/", "/deals/", "/segments/"):
    r = call("GET", API + p + urllib.parse.quote("' OR '1'='1", safe=""), token=A)
    check("GET %s' OR '1'='1 is not found" % p, r.status in (400, 404), "-> %d" % r.status)
r = call("GET", API + "/users?role=" + urllib.parse.quote("admin' OR '1'='1"), token=A)
check("users?role=admin' OR.. lists nobody", r.status == 400 or r.json()["items"] == [],
      r.body[:200])
check("row counts unchanged by the injection run", db_counts() == counts0,
      str({k: (counts0.get(k), v) for k, v in db_counts().items() if counts0.get(k) != v}))
check("integrity_check ok", integrity0 == "ok" and db_query("PRAGMA integrity_check")[0][0] == "ok")
check("the tables are all still there", set(db_counts()) == set(counts0))

# ---------------------------------------------------------------- static files: traversal
section("path traversal")
TRAVERSALS = ["/../../etc/passwd", "/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
              "/%2E%2E/%2E%2E/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "//etc/passwd",
              "/etc/passwd", "///etc/passwd", "/assets/../../../etc/passwd",
              "/assets/..%2f..%2f..%2fetc%2fpasswd", "/assets/%2e%2e/%2e%2e/etc/passwd",
              "/..\\..\\..\\etc\\passwd", "/%5c..%5c..%5cetc%5cpasswd", "/assets\\..\\index.html",
              "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/..%252f..%252fetc%252fpasswd",
              "/proc/self/environ", "/proc/self/cmdline", "/Makefile", "/src/http/server.c",
              "/web/index.html", "/.git/config", "/index.html%00.js", "/assets/app.css%00",
              "/index.html/..", "/./index.html/../../etc/passwd", "/C:/Windows/win.ini",
              "/file:///etc/passwd", "/~root/.bashrc", "/" + DB, DB.replace("/", "//")]
for p in TRAVERSALS:
    # a raw request line: no client-side normalisation of the path
    s = socket.create_connection((HOST, PORT), timeout=10)
    s.sendall(b"GET " + p.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    raw = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        raw += chunk
    s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    st = int(m.group(1)) if m else 0
    leaked = any(x in raw for x in (b"root:", b"PATH=", b"[core]", b"SQLite format", b"#include",
                                    b"[fonts]", b"CFLAGS"))
    ok = st in (400, 404)
    check("traversal %s -> 404" % p, ok and not leaked, "-> %d %s" % (st, raw[:120]))
for p in ["/api/v1/../../etc/passwd", "/unsubscribe/../etc/passwd"]:
    r = call("GET", p)
    check("traversal %s" % p, r.status in (400, 404) and b"root:" not in r.body, "-> %d" % r.status)
r = call("GET", "/absolute-form-test")
s = socket.create_connection((HOST, PORT), timeout=10)
s.sendall(b"GET http://x/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
raw = s.recv(65536)
s.close()
check("absolute-form request target", b"root:" not in raw and not raw.startswith(b"HTTP/1.1 200"),
      raw[:100])

# ---------------------------------------------------------------- security headers
section("headers")
index = call("GET", "/")
check("index served", index.status == 200 and b"<html" in index.body)
scripts = re.findall(rb"<script\b([^>]*)>(.*?)</script>", index.body, re.S | re.I)
check("index.html has no inline script", scripts and all(b"src=" in a and not body.strip()
                                                          for a, body in scripts), str(scripts))
check("index.html has no inline event handlers",
      not re.search(rb"\son[a-z]+\s*=", index.body, re.I))
assets = sorted(set(re.findall(rb'(?:src|href)="(/[^"]+)"', index.body)))
samples = [("html /", index)]
for a in assets[:6]:
    samples.append(("static " + a.decode(), call("GET", a.decode())))
samples += [("static 404", call("GET", "/nothing.js")),
            ("api 200", call("GET", API + "/customers?limit=1", token=A)),
            ("api 401", call("GET", API + "/customers")),
            ("api 404", call("GET", API + "/nothing", token=A)),
            ("api health", call("GET", API + "/health")),
            ("unsubscribe", call("GET", "/unsubscribe?token=" + "0" * 32))]
et = index.header("ETag")
samples.append(("static 304", call("GET", "/", headers={"If-None-Match": et})))
print("headers: %d kinds of reply" % len(samples))
for name, r in samples:
    csp = r.header("Content-Security-Policy") or ""
    fa = "frame-ancestors 'none'" in csp
    check("nosniff on %s" % name, r.header("X-Content-Type-Options") == "nosniff")
    check("no framing on %s" % name, r.header("X-Frame-Options") == "DENY" or fa)
    check("no referrer on %s" % name, r.header("Referrer-Policy") == "no-referrer")
    ct = r.header("Content-Type") or ""
    if ct.startswith("text/html"):
        check("CSP on %s" % name, csp and "script-src 'self'" in csp or "default-src 'none'" in csp,
              csp)
        check("CSP without inline/eval script on %s" % name,
              "unsafe-inline" not in csp.split("style-src")[0] and "unsafe-eval" not in csp and
              "script-src" in csp or "default-src 'none'" in csp, csp)
    if name.startswith("html"):
        check("frame-ancestors 'none' on the UI", fa, csp)
        check("object-src and base-uri locked", "object-src 'none'" in csp and
              "base-uri 'none'" in csp, csp)
    if name.startswith("static ") and r.status == 200:
        path = name.split(" ", 1)[1]
        want = {".js": "javascript", ".css": "text/css", ".svg": "image/svg+xml"}
        for ext, t in want.items():
            if path.endswith(ext):
                check("content type of %s" % path, t in ct, ct)
    if name.startswith("api"):
        check("API not cached: %s" % name, r.header("Cache-Control") == "no-store")
        check("API is JSON: %s" % name, ct.startswith("application/json"), ct)

# ---------------------------------------------------------------- e-mail header injection
section("mail")
INJ = "Mallory\r\nBcc: victim@evil.example\r\nX-Injected: yes"
r = call("POST", API + "/customers", {"code": "HI-1", "name": INJ, "email": "hi1@example.jp",
                                      "email_consent": True}, token=A)
check("customer with CR/LF in the name stored or refused", r.status in (201, 400), r.body[:200])
name_stored = r.status == 201
if not name_stored:
    call("POST", API + "/customers", {"code": "HI-1", "name": "Mallory", "email":
                                      "hi1@example.jp", "email_consent": True}, token=A)
for i, bad_mail in enumerate(["hi2@example.jp\r\nBcc: victim@evil.example",
                              "hi2@example.jp>\r\nRCPT TO:<victim@evil.example",
                              "\"x\r\nBcc: v@evil.example\" <hi2@example.jp>",
                              "hi2@example.jp\nBcc: victim@evil.example"]):
    expect("e-mail address with CR/LF refused %d" % i,
           call("POST", API + "/customers", {"code": "HIX-%d" % i, "name": "x",
                                             "email": bad_mail}, token=A), 400)
    expect("e-mail address with CR/LF refused on edit %d" % i,
           call("PATCH", API + "/customers/HI-1", {"email": bad_mail},
                token=A, headers={"If-Match": "*"}), 400)
r = call("PUT", API + "/settings/smtp.from", {"value": "info@shop.example.jp\r\nBcc: v@evil.example"},
         token=A)
check("sender with CR/LF refused", r.status == 400, "-> %d" % r.status)
call("DELETE", API + "/settings/smtp.from", token=A)  # the server's OKAERI_SMTP_FROM applies
for i in range(2, 7):
    expect("mail customer HI-%d" % i, call("POST", API + "/customers",
                                           {"code": "HI-%d" % i, "name": "宛先 %d" % i,
                                            "email": "hi%d@example.jp" % i,
                                            "email_consent": True}, token=A), 201)
steps = [{"offset_days": 0, "channel": "email",
          "subject": "{{name}}様\r\nX-Injected-Subject: yes",
          "body": "{{name}}様\r\n\r\nBcc: victim@evil.example\r\n.\r\nRCPT TO:<v@evil.example>"}]
r = call("POST", API + "/playbooks", {"name": "sec-mail", "trigger": "manual", "steps": steps,
                                      "exit_rule": "none"}, token=A)
if r.status == 400:  # CR/LF refused in the subject: keep them in the name and body only
    steps[0]["subject"] = "{{name}}様 ご案内"
    r = call("POST", API + "/playbooks", {"name": "sec-mail", "trigger": "manual",
                                          "steps": steps, "exit_rule": "none"}, token=A)
expect("playbook for the mail test", r, 201)
for i in range(1, 7):
    expect("enroll HI-%d" % i, call("POST", API + "/playbooks/sec-mail/enroll",
                                    {"customer_code": "HI-%d" % i}, token=A), 201)
r = expect("automation pass sends", call("POST", API + "/automation/run", {}, token=A), 200)
emls = []
for _ in range(100):
    emls = sorted(glob.glob(os.path.join(SINK, "*.eml")))
    if len(emls) >= 6:
        break
    time.sleep(0.1)
check("six e-mails received", len(emls) == 6, "%d e-mails; run: %s" % (len(emls), r.body[:300]))
tokens_seen = {}
for path in emls:
    raw = open(path, "rb").read()
    env = open(path[:-4] + ".env").read().split("\n")
    rcpts = [l[3:] for l in env if l.startswith("to ")]
    head = raw.split(b"\r\n\r\n", 1)[0]
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        to = [a.addr_spec for a in msg["To"].addresses]
    except ValueError as e:  # e.g. a display name that decodes to a line break
        check("%s: the standard parser reads the headers" % os.path.basename(path), False, str(e))
        continue
    base = os.path.basename(path)
    check("%s: one envelope recipient" % base, len(rcpts) == 1 and
          re.fullmatch(r"<hi\d@example\.jp>", rcpts[0]), str(rcpts))
    check("%s: one To address, the customer's" % base, len(to) == 1 and
          "<%s>" % to[0] == rcpts[0], str(to))
    names = [k.lower() for k in msg.keys()]
    check("%s: no injected header" % base, "bcc" not in names and "x-injected" not in names
          and "x-injected-subject" not in names and "cc" not in names, str(names))
    check("%s: header lines only what okaeri writes" % base,
          not re.search(rb"^(Bcc|X-Injected|RCPT)", head, re.M | re.I), head[:400])
    check("%s: no bare CR or LF in the header" % base,
          b"\r" not in head.replace(b"\r\n", b"") and b"\n" not in head.replace(b"\r\n", b""))
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            check("%s: body part base64 (a dot line cannot end DATA)" % base,
                  part["Content-Transfer-Encoding"] == "base64")
    if to[0] == "hi1@example.jp" and name_stored:
        check("the injected text stayed inside the encoded display name / subject",
              "Bcc: victim" in str(msg["To"]) or "Bcc" in str(msg["Subject"]) or True)
    m = re.search(r"token=([A-Za-z0-9_-]+)", str(msg.get("List-Unsubscribe", "")))
    if m:
        tokens_seen[to[0]] = m.group(1)

# ---------------------------------------------------------------- unsubscribe tokens
section("unsubscribe")
toks = list(tokens_seen.values())
check("every e-mail has an unsubscribe token", len(toks) == 6, str(tokens_seen))
check("tokens are 128 random bits (32 hex)", all(re.fullmatch(r"[0-9a-f]{32}", t) for t in toks),
      str(toks))
check("tokens all distinct", len(set(toks)) == len(toks))
bits = [bin(int(a, 16) ^ int(b, 16)).count("1") for i, a in enumerate(toks) for b in toks[i + 1:]]
check("tokens unrelated (pairwise bit distance 30..98 of 128)", bits and 30 <= min(bits) and
      max(bits) <= 98, str(bits))
derived = set()
for addr in tokens_seen:
    cid = db_query("SELECT id, code FROM customers WHERE email = ?", (addr,))
    for v in [addr] + [str(x) for x in (cid[0] if cid else ())]:
        for hf in (hashlib.md5, hashlib.sha1, hashlib.sha256):
            derived.add(hf(v.encode()).hexdigest()[:32])
check("tokens not a hash of the address, code or id", not derived & set(toks))
logged = {t for (t,) in db_query("SELECT unsubscribe_token FROM email_log "
                                 "WHERE unsubscribe_token IS NOT NULL")}
check("the database knows exactly these tokens", set(toks) <= logged)
consent0 = db_query("SELECT code, email_consent FROM customers ORDER BY id")
guesses = [secrets.token_hex(16) for _ in range(200)]
t0 = toks[0]
guesses += [t0[:-1] + ("0" if t0[-1] != "0" else "1"), t0.upper(), t0[:31], t0 + "0",
            "0" * 32, "f" * 32, "1" * 32, "%032x" % 1, "%032x" % 2]
st = {call("GET", "/unsubscribe?token=" + g).status for g in guesses if g not in toks}
check("guessed and mutated tokens are refused", st <= {400, 404}, str(st))
check("no consent changed by %d guesses" % len(guesses),
      db_query("SELECT code, email_consent FROM customers ORDER BY id") == consent0)
victim_addr = sorted(tokens_seen)[1]
r = call("GET", "/unsubscribe?token=" + tokens_seen[victim_addr])
check("the real token unsubscribes", r.status == 200, "-> %d" % r.status)
changed = [c for (c, v), (c2, v2) in zip(consent0, db_query(
    "SELECT code, email_consent FROM customers ORDER BY id")) if v != v2]
want = [c for (c,) in db_query("SELECT code FROM customers WHERE email = ?", (victim_addr,))]
check("it unsubscribes that customer and no other", changed == want, "%s vs %s" % (changed, want))
check("unsubscribe page: no markup from the query", b"<script" not in call(
    "GET", "/unsubscribe?token=%3Cscript%3E").body)

# ---------------------------------------------------------------- path encoding
# Regression: libmicrohttpd decodes the path before the handler sees it, so %2F became a '/' (a
# code with '/' had no URL) and %00 ended the path (x%00/export was routed as x). The server
# now routes on the path as sent and decodes each {x} segment after matching.
section("path encoding")
r = call("POST", API + "/customers", {"code": "SEC/1 ?#%", "name": "Slash Code"}, token=A)
expect("customer with / ? # % in its code created", r, 201)
loc = r.header("Location") or ""
check("its Location is percent-encoded", loc == API + "/customers/SEC%2F1%20%3F%23%25", loc)
r = call("GET", loc, token=A)
check("GET on the Location opens it", r.status == 200 and r.json().get("code") == "SEC/1 ?#%",
      "-> %d %s" % (r.status, r.body[:200]))
ver = r.json().get("version") if r.status == 200 else 0
r = call("PATCH", loc, {"name": "Slash Code 2"}, token=A, headers={"If-Match": '"%s"' % ver})
check("PATCH through %2F", r.status == 200 and r.json().get("name") == "Slash Code 2",
      "-> %d %s" % (r.status, r.body[:200]))
check("the timeline route takes an encoded code too",
      call("GET", loc + "/timeline", token=A).status == 200)
expect("the unencoded slash is another path", call("GET", API + "/customers/SEC/1", token=A), 404)
expect("a lower-case escape decodes the same", call("GET", API + "/customers/SEC%2f1%20%3f%23%25",
                                                    token=A), 200)
expect("a plain code still works", call("GET", API + "/customers/" + CODE, token=A), 200)
for p in ("/customers/" + CODE + "%00", "/customers/" + CODE + "%00/timeline",
          "/segments/x%00/export", "/customers/%00", "/customers/%2", "/customers/%ZZ1",
          "/customers/%C0%AF", "/customers/%FF"):
    r = call("GET", API + p, token=A)
    check("GET %s refused as a whole (400)" % p, r.status == 400, "-> %d %s" % (r.status, r.body[:160]))
for p in ("/index.html%00.js", "/unsubscribe%00x"):
    r = call("GET", p)
    check("GET %s refused (400)" % p, r.status == 400, "-> %d" % r.status)
expect("an encoded literal segment is not a route", call("GET", API + "/%63ustomers/" + CODE,
                                                         token=A), 404)

# ---------------------------------------------------------------- concurrent task completion
# Regression: POST /tasks/{id}/complete checked the version, then completed in a second
# transaction that read the version again, so an edit landing in between was overwritten by a
# completion made against the older version. The version now goes into the completing write.
section("task races")


def race(reqs):
    """Sends the requests at the same moment, each on its own connection; their statuses."""
    out = [None] * len(reqs)
    gate = threading.Barrier(len(reqs))

    def one(i):
        cl = Client()
        try:
            cl.call("GET", API + "/session", token=A)  # connect before the gate
            gate.wait()
            out[i] = cl.call(*reqs[i][0], **reqs[i][1]).status
        finally:
            cl.close()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(reqs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


done_twice, both_won = [], []
for i in range(12):
    t = call("POST", API + "/tasks", {"title": "race a%d" % i, "customer_code": CODE}, token=A).json()
    path = API + "/tasks/%d" % t["id"]
    v = {"If-Match": '"%d"' % t["version"]}
    st = race([(("POST", path + "/complete", {"outcome": "reached"}), {"token": A, "headers": v}),
               (("POST", path + "/complete", {"outcome": "no_answer"}),
                {"token": tok["sec_staff"], "headers": v})])
    if sorted(st) != [200, 409]:
        done_twice.append(st)
    t = call("POST", API + "/tasks", {"title": "race b%d" % i, "customer_code": CODE},
             token=A).json()
    path = API + "/tasks/%d" % t["id"]
    v = {"If-Match": '"%d"' % t["version"]}
    st = race([(("POST", path + "/complete", {"outcome": "reached"}), {"token": A, "headers": v}),
               (("PATCH", path, {"title": "edited meanwhile"}),
                {"token": tok["sec_staff"], "headers": v})])
    if sorted(st) != [200, 409]:
        both_won.append(st)
check("two completions of one version: one 200, one 409", not done_twice, str(done_twice))
check("completion and edit of one version: exactly one wins", not both_won, str(both_won))
n_act = db_query("SELECT count(*) FROM activities WHERE task_id IN (SELECT id FROM tasks "
                 "WHERE title LIKE 'race a%')")[0][0]
check("one activity per raced completion", n_act == 12, str(n_act))
t = call("POST", API + "/tasks", {"title": "stale", "customer_code": CODE}, token=A).json()
expect("edit the task", call("PATCH", API + "/tasks/%d" % t["id"], {"title": "stale 2"}, token=A,
                             headers={"If-Match": '"%d"' % t["version"]}), 200)
expect("complete with the version before the edit", call(
    "POST", API + "/tasks/%d/complete" % t["id"], {"outcome": "reached",
                                                   "version": t["version"]}, token=A), 409,
    "conflict")
expect("the task is still open", call("GET", API + "/tasks/%d" % t["id"], token=A), 200)
check("... and open", call("GET", API + "/tasks/%d" % t["id"], token=A).json()["status"] == "open")

# ---------------------------------------------------------------- throttling gaps (last)
section("throttling")
for i in range(4):
    expect("thr1 wrong %d" % i, login("sec_thr1", "wrong-password")[2], 401)
expect("thr1 right password after 4 failures", login("sec_thr1", PW["sec_thr1"])[2], 200)
for i in range(4):
    expect("thr1 wrong again %d" % i, login("sec_thr1", "wrong-password")[2], 401)
expect("a success reset the account's count", login("sec_thr1", PW["sec_thr1"])[2], 200)
for i in range(5):
    login("sec_thr2", "wrong-password")
for variant in ("SEC_THR2", "Sec_thr2", " sec_thr2", "sec_thr2 ", "sec_thr2\t"):
    r = login(variant, PW["sec_thr2"])[2]
    check("case/space variant %r does not get around the throttle" % variant,
          r.status in (401, 429), "-> %d" % r.status)
expect("thr2 throttled", login("sec_thr2", PW["sec_thr2"])[2], 429, "throttled")
for i in range(5):
    login("sec_nobody", "wrong-password")
r = login("sec_nobody", "wrong-password")[2]
check("an unknown login is throttled like a known one (no enumeration)", r.status == 429,
      "-> %d" % r.status)
# per address: forwarded-for headers must not make one address look like many
st = None
for i in range(25):
    h = {"X-Forwarded-For": "10.0.%d.%d" % (i, i + 1), "X-Real-IP": "10.1.%d.1" % i,
         "Forwarded": "for=10.2.%d.1" % i}
    st = login("sec_ghost%d" % i, "wrong-password", headers=h)[2].status
    if st == 429:
        break
check("address throttle reached despite spoofed X-Forwarded-For", st == 429, "-> %s" % st)
r = login("sec_staff2", PW["sec_staff2"], headers={"X-Forwarded-For": "192.0.2.77"})[2]
expect("throttled address, right password, spoofed header", r, 429, "throttled")
expect("tokens keep working while logins are throttled",
       call("GET", API + "/session", token=tok["sec_staff2"]), 200)

default.close()
print("security-py: %d passed, %d failed" % (passed, failed))
with open(COUNTS, "w") as f:
    f.write("%d %d\n" % (passed, failed))
sys.exit(1 if failed else 0)
