#!/usr/bin/env python3
"""API tests against a running okaeri server (started by tests/api/run).

usage: test_api.py BASE_URL ADMIN_PASSWORD COUNTS_FILE

Every request goes through call(), which records the route it exercised; the last test checks
that every operation of /api/v1/openapi.json (generated from the router's table) was exercised,
so a new endpoint without a test fails here.
"""
import http.client
import json
import re
import socket
import sys
import threading
import urllib.parse

BASE, ADMIN_PW, COUNTS = sys.argv[1], sys.argv[2], sys.argv[3]
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
API = "/api/v1"
ROLES = ["readonly", "staff", "manager", "admin"]
LEVEL = {"public": -1, "read": 0, "staff": 1, "manager": 2, "admin": 3}

exercised = set()
route_patterns = []  # (method, pattern, regex)
passed = failed = 0


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def record(method, path):
    p = path.split("?", 1)[0]
    for m, pat, rx in route_patterns:
        if m == method and rx.fullmatch(p):
            exercised.add((m, pat))


def call(method, path, body=None, token=None, cookie=None, csrf=None, headers=None, raw=None,
         ctype="application/json"):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    h = dict(headers or {})
    data = None
    if raw is not None:
        data = raw
    elif body is not None:
        data = json.dumps(body).encode("utf-8")
    if data is not None and ctype:
        h["Content-Type"] = ctype
    if token:
        h["Authorization"] = "Bearer " + token
    if cookie:
        h["Cookie"] = "okaeri_session=" + cookie
    if csrf:
        h["X-CSRF-Token"] = csrf
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    resp = Resp(r.status, r.getheaders(), r.read())
    conn.close()
    record(method, path)
    return resp


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def expect(name, resp, status, code=None, field=None):
    ok = resp.status == status
    if ok and code is not None:
        try:
            e = resp.json()["error"]
            ok = e["code"] == code and (field is None or e["field"] == field)
        except Exception:
            ok = False
    check(name, ok, "-> %d %s" % (resp.status, resp.body[:300]))
    return resp


def login(user, password):
    r = call("POST", API + "/session", {"login": user, "password": password})
    if r.status != 200:
        return None, None, r
    cookie = None
    sc = r.header("Set-Cookie") or ""
    m = re.match(r"okaeri_session=([^;]+)", sc)
    if m:
        cookie = m.group(1)
    return cookie, r.json()["csrf_token"], r


# ---------------------------------------------------------------- setup

doc = call("GET", API + "/openapi.json").json()
for pat, item in doc["paths"].items():
    rx = re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(pat)))
    for m in item:
        route_patterns.append((m.upper(), pat, rx))
record("GET", API + "/openapi.json")

admin_cookie, admin_csrf, r = login("apiadmin", ADMIN_PW)
expect("admin login", r, 200)
check("session cookie flags", all(f in (r.header("Set-Cookie") or "")
                                  for f in ("HttpOnly", "SameSite=Strict", "Path=/")))
r = call("POST", API + "/tokens", {"name": "tests"}, cookie=admin_cookie, csrf=admin_csrf)
expect("admin token", r, 201)
tokens = {"admin": r.json()["token"]}
passwords = {}
for role in ROLES[:3]:
    pw = "pw-%s-12345" % role
    passwords[role] = pw
    r = call("POST", API + "/users", {"login": "u_" + role, "role": role, "password": pw},
             token=tokens["admin"])
    expect("create user " + role, r, 201)
    c, t, r = login("u_" + role, pw)
    expect("login " + role, r, 200)
    r = call("POST", API + "/tokens", {"name": "t"}, cookie=c, csrf=t)
    expect("token " + role, r, 201)
    tokens[role] = r.json()["token"]
A = tokens["admin"]

# ---------------------------------------------------------------- permission matrix

SAMPLE = {"code": "NOPE-404", "id": "999999", "sku": "NOPE-404", "login": "nobody_here",
          "key": "no_such_setting", "list": "causes", "name": "summary"}


def fill(pattern):
    def sub(m):
        name = m.group(1)
        if pattern.endswith("/{code}") and "/lists/" in pattern:
            return "no_such_code"
        return SAMPLE.get(name, "x")
    return re.sub(r"\{([a-z_]+)\}", sub, pattern)


for method, pat, _ in list(route_patterns):
    if pat == API + "/session" and method in ("POST", "DELETE"):
        continue  # logging in/out is tested on its own
    op = doc["paths"][pat][method.lower()]
    need = LEVEL[op["x-permission"]]
    path = fill(pat)
    body = {} if "requestBody" in op else None
    r = call(method, path, body)
    if need < 0:
        check("anon %s %s" % (method, pat), r.status not in (401, 403), "-> %d" % r.status)
    else:
        expect("anon %s %s" % (method, pat), r, 401, "auth")
    for lvl, role in enumerate(ROLES):
        r = call(method, path, body, token=tokens[role])
        if lvl < need:
            expect("%s %s %s" % (role, method, pat), r, 403, "forbidden")
        else:
            check("%s %s %s" % (role, method, pat), r.status not in (401, 403, 500),
                  "-> %d %s" % (r.status, r.body[:200]))

# ---------------------------------------------------------------- customers

r = call("GET", API + "/customers?limit=5", token=A)
expect("list customers", r, 200)
demo = r.json()["items"]
check("demo customers present", len(demo) == 5 and r.json()["next_cursor"])
r = call("POST", API + "/customers", {"code": "T-001", "name": "山田 花子", "name_kana": "ヤマダ ハナコ",
                                      "phone": "090-1111-2222", "email": "hanako@example.jp",
                                      "attributes": {"vip": True}, "email_consent": True},
         token=tokens["staff"])
expect("create customer", r, 201)
check("create customer etag", r.header("ETag") == '"1"')
check("create customer location", r.header("Location") == API + "/customers/T-001")
expect("duplicate customer", call("POST", API + "/customers", {"code": "T-001", "name": "x"},
                                  token=A), 409, "conflict")
expect("customer missing name", call("POST", API + "/customers", {"code": "T-002"}, token=A),
       400, "invalid", "name")
expect("customer bad email", call("POST", API + "/customers",
                                  {"code": "T-003", "name": "x", "email": "not-an-email"},
                                  token=A), 400, "invalid", "email")
r = expect("get customer", call("GET", API + "/customers/T-001", token=tokens["readonly"]), 200)
check("customer fields", r.json()["name"] == "山田 花子" and r.json()["attributes"] == {"vip": True})
expect("customer 404", call("GET", API + "/customers/NOPE", token=A), 404, "not_found")
# NFKC: half-width katakana finds full-width
r = call("GET", API + "/customers?search=" + urllib.parse.quote("ﾔﾏﾀﾞ ﾊﾅｺ"), token=A)
check("search NFKC", any(c["code"] == "T-001" for c in r.json()["items"]), r.body[:200])
r = call("GET", API + "/customers?search=" + urllib.parse.quote("' OR 1=1 --"), token=A)
check("search SQL metacharacters", r.status == 200 and r.json()["items"] == [], r.body[:200])

# optimistic concurrency
expect("patch without version", call("PATCH", API + "/customers/T-001", {"email": "a@b.jp"},
                                     token=A), 428, "precondition_required")
r = call("PATCH", API + "/customers/T-001", {"company": "山田商店"}, token=A,
         headers={"If-Match": '"1"'})
expect("patch with If-Match", r, 200)
check("patch bumps version", r.json()["version"] == 2 and r.header("ETag") == '"2"')
expect("stale If-Match", call("PATCH", API + "/customers/T-001", {"company": "x"}, token=A,
                              headers={"If-Match": '"1"'}), 409, "conflict")
expect("stale version field", call("PATCH", API + "/customers/T-001",
                                   {"company": "x", "version": 1}, token=A), 409, "conflict")
expect("bad If-Match", call("PATCH", API + "/customers/T-001", {"company": "x"}, token=A,
                            headers={"If-Match": "garbage"}), 400, "invalid")
r = call("PATCH", API + "/customers/T-001", {"company": None, "version": 2}, token=A)
expect("patch with version field", r, 200)
check("null clears a field", r.json()["company"] is None)
# many clients edit version 3 at once: exactly one wins
results = []


def edit(i):
    results.append(call("PATCH", API + "/customers/T-001", {"cause_note": "edit %d" % i},
                        token=A, headers={"If-Match": '"3"'}).status)


threads = [threading.Thread(target=edit, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check("concurrent edits: one wins, others 409",
      sorted(results) == [200] + [409] * 7, str(results))

# pagination
for i in range(25):
    call("POST", API + "/customers", {"code": "PG-%03d" % i, "name": "Pagetest %d" % i}, token=A)
seen, cursor, pages = [], None, 0
while True:
    q = "?search=pagetest&limit=10" + ("&cursor=" + cursor if cursor else "")
    r = call("GET", API + "/customers" + q, token=A)
    if r.status != 200:
        break
    pages += 1
    seen += [c["code"] for c in r.json()["items"]]
    cursor = r.json()["next_cursor"]
    if not cursor or pages > 10:
        break
check("pagination walks all", pages == 3 and seen == ["PG-%03d" % i for i in range(25)],
      "%d pages %s" % (pages, seen))
expect("bad cursor", call("GET", API + "/customers?cursor=%%%%", token=A), 400, "invalid",
       "cursor")
expect("limit 0", call("GET", API + "/customers?limit=0", token=A), 400, "invalid", "limit")
expect("limit too big", call("GET", API + "/customers?limit=501", token=A), 400, "invalid",
       "limit")
expect("limit not a number", call("GET", API + "/customers?limit=ten", token=A), 400, "invalid",
       "limit")
expect("unknown query parameter", call("GET", API + "/customers?color=red", token=A), 400,
       "invalid", "color")

# ---------------------------------------------------------------- orders, deals, reports


def summary_value(section, name, col):
    rows = call("GET", API + "/reports/summary", token=A).json()["rows"]
    for row in rows:
        if row["section"] == section and row["name"] == name:
            return row[col]
    return None


rev_before = sum(row["revenue"] or 0 for row in call("GET", API + "/reports/summary", token=A)
                 .json()["rows"] if row["section"] == "state")
r = call("POST", API + "/orders", {"order_code": "TO-1", "customer_code": "T-001",
                                   "ordered_at": "2024-05-01", "amount": 12345},
         token=tokens["staff"])
expect("create order", r, 201)
check("order echoed", r.json()["amount"] == 12345 and r.json()["line_no"] == 1)
rev_after = sum(row["revenue"] or 0 for row in call("GET", API + "/reports/summary", token=A)
                .json()["rows"] if row["section"] == "state")
check("report reflects the order at once", rev_after - rev_before == 12345,
      "%s -> %s" % (rev_before, rev_after))
expect("order unknown customer", call("POST", API + "/orders",
                                      {"order_code": "TO-2", "customer_code": "NOPE",
                                       "ordered_at": "2024-05-01", "amount": 1}, token=A),
       400, "invalid", "customer_code")
expect("order duplicate line", call("POST", API + "/orders",
                                    {"order_code": "TO-1", "line_no": 1, "customer_code": "T-001",
                                     "ordered_at": "2024-05-01", "amount": 1}, token=A), 409)
expect("order bad date", call("POST", API + "/orders",
                              {"order_code": "TO-3", "customer_code": "T-001",
                               "ordered_at": "2024-13-45", "amount": 1}, token=A), 400, "invalid")
r = expect("list orders", call("GET", API + "/orders?customer=T-001", token=A), 200)
check("list orders content", [o["order_code"] for o in r.json()["items"]] == ["TO-1"])
r = call("GET", API + "/orders?from=2024-01-01&to=2024-12-31&limit=3", token=A)
expect("orders date filter", r, 200)
expect("orders bad date filter", call("GET", API + "/orders?from=yesterdayish", token=A), 400,
       "invalid", "from")

lost_before = summary_value("state", "lost", "customers") or 0
r = call("POST", API + "/customers", {"code": "T-LOST", "name": "失注 太郎"}, token=A)
r = call("POST", API + "/deals", {"customer_code": "T-LOST", "title": "見積", "amount": 50000,
                                  "opened_at": "2024-04-01"}, token=tokens["staff"])
expect("create deal", r, 201)
deal_id = r.json()["id"]
expect("get deal", call("GET", API + "/deals/%d" % deal_id, token=A), 200)
expect("lose deal without reason", call("POST", API + "/deals/%d/lose" % deal_id, {}, token=A),
       400, "invalid", "reason")
r = call("POST", API + "/deals/%d/lose" % deal_id, {"reason": "price", "note": "高い",
                                                    "closed_on": "2024-04-20"}, token=A)
expect("lose deal", r, 200)
check("deal lost with reason", r.json()["stage"] == "lost" and r.json()["lost_reason"] == "price")
expect("lose again", call("POST", API + "/deals/%d/lose" % deal_id, {"reason": "price"},
                          token=A), 409)
lost_after = summary_value("state", "lost", "customers") or 0
check("report reflects the lost deal at once", lost_after == lost_before + 1,
      "%s -> %s" % (lost_before, lost_after))
r = call("POST", API + "/deals", {"customer_code": "T-001", "title": "追加", "amount": 1000},
         token=A)
d2 = r.json()["id"]
r = expect("win deal", call("POST", API + "/deals/%d/win" % d2, {"amount": 1500}, token=A), 200)
check("won amount", r.json()["stage"] == "won" and r.json()["amount"] == 1500)
r = expect("list deals", call("GET", API + "/deals?stage=lost&customer=T-LOST", token=A), 200)
check("list deals filter", [d["id"] for d in r.json()["items"]] == [deal_id])

r = call("GET", API + "/reports", token=tokens["readonly"])
expect("list reports", r, 200)
names = [x["name"] for x in r.json()["items"]]
check("summary report listed", "summary" in names)
for name in names:
    r = call("GET", API + "/reports/" + name + "?as_of=2026-01-01", token=tokens["readonly"])
    check("report " + name, r.status == 200 and "columns" in r.json(),
          "-> %d %s" % (r.status, r.body[:200]))
expect("report bad as_of", call("GET", API + "/reports/summary?as_of=notadate", token=A), 400,
       "invalid", "as_of")
expect("report unknown", call("GET", API + "/reports/nope", token=A), 404)

# ---------------------------------------------------------------- activities, timeline

r = call("POST", API + "/activities", {"customer_code": "T-001", "channel": "phone",
                                       "subject": "お礼の電話", "occurred_at": "2024-05-02 10:00"},
         token=tokens["staff"])
expect("create activity", r, 201)
act = r.json()
check("activity by caller", act["user"] == "u_staff", str(act))
expect("get activity", call("GET", API + "/activities/%d" % act["id"], token=A), 200)
expect("activity bad channel", call("POST", API + "/activities",
                                    {"customer_code": "T-001", "channel": "pigeon"}, token=A),
       400, "invalid", "channel")
r = expect("list activities", call("GET", API + "/activities?customer=T-001", token=A), 200)
check("list activities content", [a["id"] for a in r.json()["items"]] == [act["id"]])
r = expect("timeline", call("GET", API + "/customers/T-001/timeline", token=A), 200)
kinds = [e["kind"] for e in r.json()["items"]]
check("timeline has order, deal, activity", {"order", "deal", "activity"} <= set(kinds),
      str(kinds))
ats = [e["at"] for e in r.json()["items"]]
check("timeline newest first", ats == sorted(ats, reverse=True), str(ats))
r1 = call("GET", API + "/customers/T-001/timeline?limit=1", token=A).json()
r2 = call("GET", API + "/customers/T-001/timeline?limit=1&cursor=" + r1["next_cursor"],
          token=A).json()
check("timeline pages", r2["items"] and r2["items"][0]["at"] <= r1["items"][0]["at"])
expect("timeline 404", call("GET", API + "/customers/NOPE/timeline", token=A), 404)
expect("delete activity", call("DELETE", API + "/activities/%d" % act["id"],
                               token=tokens["staff"]), 204)
expect("activity gone", call("GET", API + "/activities/%d" % act["id"], token=A), 404)

# ---------------------------------------------------------------- products, lists

r = call("POST", API + "/products", {"sku": "TEA-1", "name": "煎茶", "price": 1200},
         token=tokens["manager"])
expect("create product", r, 201)
expect("get product", call("GET", API + "/products/TEA-1", token=A), 200)
r = expect("patch product", call("PATCH", API + "/products/TEA-1", {"price": 1300},
                                 token=tokens["manager"]), 200)
check("product price", r.json()["price"] == 1300, r.body[:200])
r = expect("list products", call("GET", API + "/products?search=TEA-1", token=A), 200)
check("list products content", [p["sku"] for p in r.json()["items"]] == ["TEA-1"])
r = expect("get list", call("GET", API + "/lists/lost_reasons", token=A), 200)
check("lost reasons", "price" in [x["code"] for x in r.json()["items"]])
expect("unknown list", call("GET", API + "/lists/secrets", token=A), 404)
expect("add list value", call("POST", API + "/lists/lost_reasons",
                              {"code": "budget", "label_ja": "予算", "label_en": "Budget"},
                              token=tokens["manager"]), 201)
r = expect("deactivate list value", call("PATCH", API + "/lists/lost_reasons/budget",
                                         {"active": False}, token=tokens["manager"]), 200)
check("deactivated", r.json()["active"] in (False, 0), r.body[:200])
expect("delete list value", call("DELETE", API + "/lists/lost_reasons/budget",
                                 token=tokens["manager"]), 204)
expect("delete used list value", call("DELETE", API + "/lists/lost_reasons/price",
                                      token=tokens["manager"]), 409)

# ---------------------------------------------------------------- users, settings, audit

r = expect("list users", call("GET", API + "/users", token=A), 200)
check("users listed", {"apiadmin", "u_staff"} <= {u["login"] for u in r.json()["items"]})
check("no hash in users", "password" not in r.body.decode() or "has_password" in r.body.decode())
expect("get user", call("GET", API + "/users/u_staff", token=A), 200)
expect("bad role", call("POST", API + "/users", {"login": "x1", "role": "emperor"}, token=A),
       400, "invalid", "role")
expect("short password", call("POST", API + "/users", {"login": "x2", "password": "short"},
                              token=A), 400, "invalid", "password")
call("POST", API + "/users", {"login": "u_temp", "role": "staff", "password": "temp-pass-123"},
     token=A)
c, t, r = login("u_temp", "temp-pass-123")
r = call("POST", API + "/tokens", {"name": "temp"}, cookie=c, csrf=t)
temp_token = r.json()["token"]
expect("temp token works", call("GET", API + "/customers?limit=1", token=temp_token), 200)
expect("disable user", call("PATCH", API + "/users/u_temp", {"disabled": True}, token=A), 200)
expect("disabled user's token", call("GET", API + "/customers?limit=1", token=temp_token), 401)
expect("disabled user's session", call("GET", API + "/session", cookie=c), 401)
expect("disabled user cannot log in", login("u_temp", "temp-pass-123")[2], 401)
expect("last admin guard", call("PATCH", API + "/users/apiadmin", {"role": "staff"}, token=A), 409)

r = expect("list settings", call("GET", API + "/settings", token=tokens["readonly"]), 200)
keys = [s["key"] for s in r.json()["items"]]
check("settings listed", "currency" in keys or len(keys) > 0)
key = "state.sleeping_days" if "state.sleeping_days" in keys else keys[0]
expect("get setting", call("GET", API + "/settings/" + key, token=A), 200)
expect("setting unknown", call("GET", API + "/settings/nope", token=A), 404)
expect("setting bad value", call("PUT", API + "/settings/" + key, {"value": "-x-"}, token=A),
       400, "invalid")
orig = call("GET", API + "/settings/" + key, token=A).json()["value"]
expect("put setting", call("PUT", API + "/settings/" + key, {"value": orig}, token=A), 200)
expect("reset setting", call("DELETE", API + "/settings/" + key, token=A), 200)

r = expect("audit", call("GET", API + "/audit?entity=customer&limit=5", token=tokens["manager"]),
           200)
items = r.json()["items"]
check("audit has who and before/after", items and items[0]["entity"] == "customer"
      and "before" in items[0] and "after" in items[0], r.body[:300])
r2 = call("GET", API + "/audit?entity=customer&limit=5&cursor=" + r.json()["next_cursor"],
          token=A)
check("audit pages", r2.status == 200 and r2.json()["items"][0]["id"] < items[-1]["id"])

# ---------------------------------------------------------------- session, CSRF, tokens

r = expect("session get", call("GET", API + "/session", cookie=admin_cookie), 200)
check("session csrf", r.json()["csrf_token"] == admin_csrf)
expect("csrf missing", call("POST", API + "/customers", {"code": "CS-1", "name": "x"},
                            cookie=admin_cookie), 403, "csrf")
expect("csrf wrong", call("POST", API + "/customers", {"code": "CS-1", "name": "x"},
                          cookie=admin_cookie, csrf="x" * 43), 403, "csrf")
expect("csrf right", call("POST", API + "/customers", {"code": "CS-1", "name": "x"},
                          cookie=admin_cookie, csrf=admin_csrf), 201)
expect("cookie read without csrf", call("GET", API + "/customers/CS-1", cookie=admin_cookie),
       200)
expect("bad cookie", call("GET", API + "/customers", cookie="forged"), 401)
expect("bad bearer", call("GET", API + "/customers", token="okt_forged"), 401)
expect("malformed authorization", call("GET", API + "/customers",
                                       headers={"Authorization": "Basic abc"}), 401)
r = expect("list tokens", call("GET", API + "/tokens", token=A), 200)
check("tokens have no secret", "okt_" not in r.body.decode().replace('"prefix":"okt_', ""))
r = call("POST", API + "/tokens", {"name": "short-lived", "expires_in_days": 1}, token=A)
tid, tok = r.json()["id"], r.json()["token"]
expect("new token works", call("GET", API + "/session", token=tok), 200)
expect("revoke token", call("DELETE", API + "/tokens/%d" % tid, token=A), 204)
expect("revoked token", call("GET", API + "/session", token=tok), 401)
expect("revoke again", call("DELETE", API + "/tokens/%d" % tid, token=A), 404)
expect("token bad expiry", call("POST", API + "/tokens", {"name": "x", "expires_in_days": -1},
                                token=A), 400, "invalid", "expires_in_days")
c2, t2, r = login("u_staff", passwords["staff"])
expect("logout", call("DELETE", API + "/session", cookie=c2, csrf=t2), 204)
expect("after logout", call("GET", API + "/session", cookie=c2), 401)

# ---------------------------------------------------------------- hostile input

expect("malformed json", call("POST", API + "/customers", raw=b'{"code": "X", ', token=A), 400,
       "invalid_json")
expect("json array body", call("POST", API + "/customers", raw=b'[1,2]', token=A), 400,
       "invalid_json")
expect("duplicate keys", call("POST", API + "/customers",
                              raw=b'{"code":"D1","code":"D2","name":"x"}', token=A), 400,
       "invalid_json")
expect("unknown field", call("POST", API + "/customers", {"code": "U1", "name": "x", "rank": 1},
                             token=A), 400, "invalid", "rank")
expect("wrong type", call("POST", API + "/customers", {"code": 12, "name": "x"}, token=A), 400,
       "invalid", "code")
expect("null for required", call("POST", API + "/customers", {"code": None, "name": "x"},
                                 token=A), 400, "invalid", "code")
expect("bool as int", call("POST", API + "/orders", {"order_code": "B", "customer_code": "T-001",
                                                     "ordered_at": "2024-01-01", "amount": True},
                           token=A), 400, "invalid", "amount")
expect("huge number", call("POST", API + "/orders",
                           raw=b'{"order_code":"H","customer_code":"T-001","ordered_at":"2024-01-01",'
                               b'"amount":123456789012345678901234567890}', token=A), 400,
       "invalid_json")
expect("float for int", call("POST", API + "/orders",
                             {"order_code": "F", "customer_code": "T-001",
                              "ordered_at": "2024-01-01", "amount": 1.5}, token=A), 400,
       "invalid", "amount")
expect("invalid utf-8 body", call("POST", API + "/customers",
                                  raw=b'{"code":"V1","name":"\xff\xfe"}', token=A), 400,
       "invalid_json")
expect("nul in string", call("POST", API + "/customers", raw=b'{"code":"N\\u0000","name":"x"}',
                             token=A), 400, "invalid_json")
expect("wrong content type", call("POST", API + "/customers", raw=b'code=x&name=y', token=A,
                                  ctype="application/x-www-form-urlencoded"), 415)
expect("invalid utf-8 query", call("GET", API + "/customers?search=%ff%fe", token=A), 400,
       "invalid")
expect("invalid utf-8 path", call("GET", API + "/customers/%ff%fe", token=A), 400, "invalid")
for p in ["/api/v1/customers/..%2F..%2Fetc%2Fpasswd", "/api/v1/../../etc/passwd",
          "/api/v1/customers/%2e%2e", "/api/v1/customers/../users", "/../../../etc/passwd"]:
    r = call("GET", p, token=tokens["readonly"])
    check("path traversal " + p, r.status in (400, 404) and b"root:" not in r.body,
          "-> %d" % r.status)
expect("unknown endpoint", call("GET", API + "/nothing", token=A), 404, "not_found")
expect("method not allowed", call("PUT", API + "/customers", {}, token=A), 405)
# oversized body with Content-Length: answered before the body is read
sock = socket.create_connection((HOST, PORT), timeout=10)
sock.sendall(("POST %s/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
              "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % (API, A, 2 << 20)).encode())
try:
    sock.sendall(b"x" * 65536)
except OSError:
    pass
head = b""
try:
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
except OSError:
    pass
sock.close()
check("oversized body", head.startswith(b"HTTP/1.1 413") and b"too_large" in head + b"too_large",
      head[:100])
record("POST", API + "/customers")

# oversized body without Content-Length (chunked)
conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
conn.putrequest("POST", API + "/customers")
conn.putheader("Authorization", "Bearer " + A)
conn.putheader("Content-Type", "application/json")
conn.putheader("Transfer-Encoding", "chunked")
conn.endheaders()
chunk = b"x" * 65536
try:
    for _ in range(20):
        conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    conn.send(b"0\r\n\r\n")
    st = conn.getresponse().status
except (BrokenPipeError, ConnectionResetError):
    st = 413
conn.close()
check("oversized chunked body", st == 413, "-> %d" % st)

# huge header: refused, server still alive
try:
    r = call("GET", API + "/health", headers={"X-Big": "y" * 100000})
    st = r.status
except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
    st = 431
check("huge header refused", st in (413, 431), "-> %d" % st)
expect("alive after abuse", call("GET", API + "/health"), 200)

# ---------------------------------------------------------------- throttling (last: it blocks)

for i in range(5):
    expect("wrong password %d" % i, login("u_manager", "wrong-password")[2], 401, "auth")
expect("account throttled", login("u_manager", passwords["manager"])[2], 429, "throttled")
expect("other account still fine", login("u_readonly", passwords["readonly"])[2], 200)
st = None
for i in range(25):
    r = login("ghost%d" % i, "nope-nope")[2]
    st = r.status
    if st == 429:
        break
check("address throttled", st == 429, "-> %s" % st)
expect("throttled address, right password", login("u_readonly", passwords["readonly"])[2], 429)

# ---------------------------------------------------------------- OpenAPI vs router

ops = {(m, pat) for m, pat, _ in route_patterns}
missing = sorted(ops - exercised)
check("every route exercised", not missing, str(missing))
for m, pat, _ in route_patterns:
    op = doc["paths"][pat][m.lower()]
    check("openapi %s %s" % (m, pat), op.get("x-permission") in LEVEL and op.get("responses"))

print("api-py: %d passed, %d failed" % (passed, failed))
with open(COUNTS, "w") as f:
    f.write("%d %d\n" % (passed, failed))
sys.exit(1 if failed else 0)
