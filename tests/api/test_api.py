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
# reports are cached per snapshot version (http/report_cache.h): the same report twice is the
# same JSON, the order of the query's keys does not matter, other parameters are other entries,
# and a write shows in the very next report
KQ = "/reports/kpis?from=2024-01-01&to=2024-12-31"
k1 = call("GET", API + KQ, token=A)
k2 = call("GET", API + "/reports/kpis?to=2024-12-31&from=2024-01-01", token=A)
check("report twice: identical JSON", k1.status == 200 and k1.body == k2.body, k2.body[:200])
k3 = call("GET", API + "/reports/kpis?from=2024-06-01&to=2024-06-30", token=A)
check("report with other parameters is computed for them",
      k3.status == 200 and k3.body != k1.body and
      k3.json()["rows"] != k1.json()["rows"], k3.body[:200])
s1 = call("GET", API + "/reports/summary", token=A)
s2 = call("GET", API + "/reports/summary", token=A)
check("summary twice: identical JSON", s1.status == 200 and s1.body == s2.body)
r = call("POST", API + "/customers", {"code": "T-CACHE", "name": "Cache"}, token=A)
expect("cache: create customer", r, 201)
r = call("POST", API + "/orders", {"order_code": "TO-CACHE", "customer_code": "T-CACHE",
                                   "ordered_at": "2024-05-02", "amount": 777}, token=A)
expect("cache: create order", r, 201)
s3 = call("GET", API + "/reports/summary", token=A)
rev = [sum(row["revenue"] or 0 for row in x.json()["rows"] if row["section"] == "state")
       for x in (s1, s3)]
check("cached report changes after a write", s3.body != s1.body and rev[1] - rev[0] == 777,
      "%s" % rev)
check("report after a write twice: identical JSON",
      call("GET", API + "/reports/summary", token=A).body == s3.body)
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

# editing orders and deals: optimistic concurrency as for customers


def state_revenue():
    return sum(row["revenue"] or 0 for row in call("GET", API + "/reports/summary", token=A)
               .json()["rows"] if row["section"] == "state")


line = call("GET", API + "/orders?customer=T-001", token=A).json()["items"][0]
lp = API + "/orders/%d" % line["id"]
r = expect("get order line", call("GET", lp, token=tokens["readonly"]), 200)
check("order line etag", r.header("ETag") == '"1"' and r.json()["version"] == 1
      and r.json()["amount"] == 12345, str(r.headers))
expect("get order line 404", call("GET", API + "/orders/99999999", token=A), 404, "not_found")
expect("get order line bad id", call("GET", API + "/orders/abc", token=A), 404, "not_found")
expect("patch order without version", call("PATCH", lp, {"amount": 10000},
                                           token=tokens["staff"]), 428, "precondition_required")
rev0 = state_revenue()
r = call("PATCH", lp, {"amount": 10000, "channel": "online"}, token=tokens["staff"],
         headers={"If-Match": '"1"'})
expect("patch order", r, 200)
check("patch order result", r.json()["amount"] == 10000 and r.json()["version"] == 2 and
      r.json()["channel"] == "online" and r.header("ETag") == '"2"', r.body[:300])
rev1 = state_revenue()
check("report reflects the order edit at once", rev1 - rev0 == 10000 - 12345,
      "%s -> %s" % (rev0, rev1))
expect("patch order stale If-Match", call("PATCH", lp, {"amount": 1}, token=A,
                                          headers={"If-Match": '"1"'}), 409, "conflict")
expect("patch order stale version", call("PATCH", lp, {"amount": 1, "version": 1}, token=A),
       409, "conflict")
expect("patch order customer refused", call("PATCH", lp, {"customer_code": "T-LOST",
                                                          "version": 2}, token=A),
       400, "invalid", "customer_code")
expect("patch order bad date", call("PATCH", lp, {"ordered_at": "2024-13-45", "version": 2},
                                    token=A), 400, "invalid", "ordered_at")
expect("patch order too large", call("PATCH", lp, {"amount": 10 ** 15, "version": 2}, token=A),
       400, "invalid", "amount")
r = call("PATCH", lp, {"quantity": 3, "unit_price": 1000, "version": 2}, token=A)
expect("patch order reprice", r, 200)
check("amount follows quantity × unit price", r.json()["amount"] == 3000 and
      r.json()["version"] == 3, r.body[:300])
check("audit has the order edit",
      any(a["action"] == "update" for a in call(
          "GET", API + "/audit?entity=order&entity_id=%d" % line["id"], token=A)
          .json()["items"]))
expect("readonly cannot edit orders", call("PATCH", lp, {"amount": 5, "version": 3},
                                           token=tokens["readonly"]), 403, "forbidden")
r = call("POST", API + "/orders", {"order_code": "TO-8", "customer_code": "T-001",
                                   "ordered_at": "2024-06-01", "amount": 3000}, token=A)
dl = API + "/orders/%d" % r.json()["id"]
call("PATCH", dl, {"amount": 3000, "version": 1}, token=A)  # version 2
rev2 = state_revenue()
expect("delete order without version", call("DELETE", dl, token=tokens["staff"]), 428,
       "precondition_required")
expect("delete order stale", call("DELETE", dl + "?version=1", token=tokens["staff"]), 409,
       "conflict")
expect("delete order", call("DELETE", dl, token=tokens["staff"],
                            headers={"If-Match": '"2"'}), 204)
expect("deleted order gone", call("GET", dl, token=A), 404, "not_found")
rev3 = state_revenue()
check("report reflects the deleted line at once", rev2 - rev3 == 3000, "%s -> %s" % (rev2, rev3))
r = call("POST", API + "/orders", {"order_code": "TO-9", "customer_code": "T-001",
                                   "ordered_at": "2024-06-01", "amount": 700}, token=A)
expect("delete order by version query", call("DELETE", API + "/orders/%d" % r.json()["id"] +
                                             "?version=1", token=A), 204)

r = call("POST", API + "/deals", {"customer_code": "T-001", "title": "編集", "amount": 1000,
                                  "opened_at": "2024-05-01"}, token=A)
d3 = r.json()["id"]
dp = API + "/deals/%d" % d3
check("deal etag", call("GET", dp, token=A).header("ETag") == '"1"')
expect("patch deal without version", call("PATCH", dp, {"title": "x"}, token=tokens["staff"]),
       428, "precondition_required")
# two users edit one deal they both loaded at version 1: one wins, the other gets 409
r1 = call("PATCH", dp, {"title": "staff の編集", "amount": 2000}, token=tokens["staff"],
          headers={"If-Match": '"1"'})
r2 = call("PATCH", dp, {"title": "manager の編集"}, token=tokens["manager"],
          headers={"If-Match": '"1"'})
expect("first editor wins", r1, 200)
expect("second editor conflicts", r2, 409, "conflict")
r = call("GET", dp, token=A).json()
check("deal keeps the first edit", r["title"] == "staff の編集" and r["amount"] == 2000 and
      r["version"] == 2, str(r))
expect("patch deal bad kind", call("PATCH", dp, {"kind": "gift", "version": 2}, token=A), 400,
       "invalid", "kind")
expect("patch deal stage refused", call("PATCH", dp, {"stage": "won", "version": 2}, token=A),
       400, "invalid", "stage")
r = call("PATCH", dp, {"kind": "upsell", "opened_at": "2024/5/2", "version": 2}, token=A)
expect("patch deal with version field", r, 200)
check("deal edited", r.json()["kind"] == "upsell" and r.json()["opened_at"] == "2024-05-02" and
      r.header("ETag") == '"3"', r.body[:300])
results = []


def edit_deal(i):
    results.append(call("PATCH", dp, {"title": "edit %d" % i}, token=A,
                        headers={"If-Match": '"3"'}).status)


threads = [threading.Thread(target=edit_deal, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check("concurrent deal edits: one wins, others 409", sorted(results) == [200] + [409] * 7,
      str(results))

# reopening the lost deal: a new open deal continues it; the KPIs count a reactivation
KPI_Q = "/reports/kpis?from=2024-04-01&to=2024-12-31"


def kpi(name):
    for row in call("GET", API + KPI_Q, token=A).json()["rows"]:
        if row["kpi"] == name:
            return row["count"] or 0
    return None


react0 = kpi("reactivated")
expect("reopen an open deal", call("POST", dp + "/reopen", {}, token=A), 409, "conflict")
expect("reopen before the loss", call("POST", API + "/deals/%d/reopen" % deal_id,
                                      {"opened_on": "2024-04-01"}, token=A), 400, "invalid",
       "opened_at")
r = call("POST", API + "/deals/%d/reopen" % deal_id, {"opened_on": "2024-06-01"},
         token=tokens["staff"])
expect("reopen lost deal", r, 201)
reopened = r.json()
check("reopened deal", reopened["stage"] == "open" and reopened["reopened_from"] == deal_id and
      reopened["opened_at"] == "2024-06-01" and reopened["amount"] == 50000 and
      r.header("Location") == API + "/deals/%d" % reopened["id"], r.body[:300])
r = call("GET", API + "/deals/%d" % deal_id, token=A).json()
check("lost deal keeps its loss", r["stage"] == "lost" and r["lost_reason"] == "price" and
      r["reopened_as"] == reopened["id"], str(r))
expect("reopen twice", call("POST", API + "/deals/%d/reopen" % deal_id, {}, token=A), 409,
       "conflict")
react1 = kpi("reactivated")
check("KPIs count the reopened deal as a reactivation", react1 == react0 + 1,
      "%s -> %s" % (react0, react1))

r = call("GET", API + "/reports", token=tokens["readonly"])
expect("list reports", r, 200)
names = [x["name"] for x in r.json()["items"]]
check("summary report listed", "summary" in names)
PLAN_PARAMS = {"plan": "&revenue=1000000&conversion=0.2&unit_price=5000",
               "lost-pool": "&leads_per_year=100&won_per_year=20&years=3",
               "payback": "&cost=100000&saved_per_day=1&days=30"}
for name in names:
    r = call("GET", API + "/reports/" + name + "?as_of=2026-01-01" + PLAN_PARAMS.get(name, ""),
             token=tokens["readonly"])
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


# ---------------------------------------------------------------- planning reports

r = expect("plan with scenarios", call("GET", API + "/reports/plan?revenue=1000000&conversion=0.2"
                                       "&unit_price=5000&scenario=" +
                                       urllib.parse.quote("better:conversion=0.3") +
                                       "&scenario=" + urllib.parse.quote("dear:unit_price=8000"),
                                       token=A), 200)
check("plan scenarios are rows", len(r.json()["rows"]) >= 3, r.body[:300])
expect("plan bad number", call("GET", API + "/reports/plan?revenue=lots", token=A), 400,
       "invalid", "revenue")
r = expect("lost-pool inputs", call("GET", API + "/reports/lost-pool?leads_per_year=100"
                                    "&won_per_year=20&years=3", token=A), 200)
r = call("GET", API + "/reports", token=A)
check("reports say which take planning inputs",
      [x["name"] for x in r.json()["items"] if x.get("uses_plan")] and
      all("uses_plan" in x for x in r.json()["items"]))

# ---------------------------------------------------------------- contracts, referrals, feedback

causes = [x["code"] for x in call("GET", API + "/lists/causes", token=A).json()["items"]]
r = call("POST", API + "/contracts", {"code": "K-1", "customer_code": "T-001",
                                      "start_on": "2024-01-01", "end_on": "2024-12-31",
                                      "amount": 120000}, token=tokens["staff"])
expect("create contract", r, 201)
k1 = r.json()
check("contract fields", k1["amount"] == 120000 and k1["end_on"] == "2024-12-31", r.body[:200])
expect("contract end before start", call("POST", API + "/contracts",
                                         {"customer_code": "T-001", "start_on": "2024-05-01",
                                          "end_on": "2024-01-01"}, token=A), 400, "invalid")
expect("get contract by code", call("GET", API + "/contracts/K-1", token=A), 200)
expect("get contract by id", call("GET", API + "/contracts/%d" % k1["id"], token=A), 200)
r = expect("patch contract", call("PATCH", API + "/contracts/K-1", {"amount": 130000},
                                  token=tokens["staff"]), 200)
check("contract patched", r.json()["amount"] == 130000, r.body[:200])
r = expect("renew contract", call("POST", API + "/contracts/K-1/renew",
                                  {"end_on": "2025-12-31"}, token=tokens["staff"]), 201)
k2 = r.json()
check("renewal links and starts the next day",
      k2["renewed_from"] == k1["id"] and k2["start_on"] == "2025-01-01" and
      k2["amount"] == 130000, r.body[:300])
expect("renew twice", call("POST", API + "/contracts/K-1/renew", {"end_on": "2026-12-31"},
                           token=A), 409)
r = expect("end contract", call("POST", API + "/contracts/%d/end" % k2["id"],
                                {"reason": causes[0], "note": "移転"}, token=tokens["staff"]), 200)
check("contract end reason", r.json()["end_reason"] == causes[0], r.body[:200])
expect("end contract bad reason", call("POST", API + "/contracts/K-1/end", {"reason": "zzz"},
                                       token=A), 400, "invalid")
r = expect("list contracts", call("GET", API + "/contracts?customer=T-001&limit=1", token=A), 200)
r2 = call("GET", API + "/contracts?customer=T-001&limit=1&cursor=" + (r.json()["next_cursor"] or ""),
          token=A)
check("contracts page in end order", [c["id"] for c in r.json()["items"] + r2.json()["items"]] ==
      [k1["id"], k2["id"]], r.body[:200] + r2.body[:200])
r = call("GET", API + "/contracts?customer=T-001&open_only=true", token=A)
check("contracts open_only", [c["id"] for c in r.json()["items"]] == [], r.body[:200])

r = expect("create referral", call("POST", API + "/referrals",
                                   {"referrer_code": "T-001", "prospect_name": "佐藤 次郎",
                                    "referred_on": "2024-06-01"}, token=tokens["staff"]), 201)
ref = r.json()
expect("referral needs a person", call("POST", API + "/referrals",
                                       {"referrer_code": "T-001", "referred_on": "2024-06-01"},
                                       token=A), 400, "invalid")
expect("get referral", call("GET", API + "/referrals/%d" % ref["id"], token=A), 200)
r = expect("patch referral", call("PATCH", API + "/referrals/%d" % ref["id"],
                                  {"referred_code": "T-LOST"}, token=tokens["staff"]), 200)
check("referral now names the customer", r.json()["referred_code"] == "T-LOST", r.body[:200])
r = expect("list referrals", call("GET", API + "/referrals?referrer=T-001", token=A), 200)
check("list referrals content", [x["id"] for x in r.json()["items"]] == [ref["id"]])

r = expect("create feedback", call("POST", API + "/feedback",
                                   {"customer_code": "T-001", "kind": "satisfaction", "score": 9,
                                    "received_on": "2024-07-01"}, token=tokens["staff"]), 201)
fb = r.json()
expect("feedback need", call("POST", API + "/feedback",
                             {"customer_code": "T-001", "kind": "need", "text": "抹茶が欲しい"},
                             token=A), 201)
expect("feedback score out of range", call("POST", API + "/feedback",
                                           {"customer_code": "T-001", "kind": "satisfaction",
                                            "score": 11}, token=A), 400, "invalid", "score")
expect("feedback bad kind", call("POST", API + "/feedback",
                                 {"customer_code": "T-001", "kind": "rant", "text": "x"},
                                 token=A), 400, "invalid")
r = expect("list feedback", call("GET", API + "/feedback?customer=T-001&kind=satisfaction",
                                 token=A), 200)
check("list feedback content", [x["id"] for x in r.json()["items"]] == [fb["id"]], r.body[:200])
expect("get feedback", call("GET", API + "/feedback/%d" % fb["id"], token=A), 200)
expect("delete feedback", call("DELETE", API + "/feedback/%d" % fb["id"], token=tokens["staff"]),
       204)
expect("feedback gone", call("GET", API + "/feedback/%d" % fb["id"], token=A), 404)

# ---------------------------------------------------------------- tasks

r = expect("create task", call("POST", API + "/tasks",
                               {"title": "お礼の電話", "customer_code": "T-001",
                                "assignee": "u_staff", "channel": "phone",
                                "due_on": "2030-01-10"}, token=tokens["staff"]), 201)
task = r.json()
check("task etag", r.header("ETag") == '"1"', str(r.headers))
call("POST", API + "/tasks", {"title": "チーム対応", "due_on": "2030-01-09"}, token=A)


def task_ids(q):
    rr = call("GET", API + "/tasks?" + q, token=A)
    return [t["id"] for t in rr.json()["items"]] if rr.status == 200 else rr.status


check("tasks today", task["id"] in task_ids("view=today&as_of=2030-01-10&assignee=u_staff"))
check("tasks today: not tomorrow's", task["id"] not in task_ids("view=today&as_of=2030-01-09"))
check("tasks overdue", task["id"] in task_ids("view=overdue&as_of=2030-01-11"))
check("tasks upcoming", task["id"] in task_ids("view=upcoming&as_of=2030-01-01&assignee=u_staff"))
check("tasks not overdue on the day", task["id"] not in task_ids("view=overdue&as_of=2030-01-10"))
r = call("GET", API + "/tasks?assignee=me", token=tokens["staff"])
check("tasks assignee=me", task["id"] in [t["id"] for t in r.json()["items"]], r.body[:200])
r = call("GET", API + "/tasks?assignee=-&due_from=2030-01-01", token=A)
check("team queue", [t["title"] for t in r.json()["items"]] == ["チーム対応"], r.body[:300])
expect("tasks bad view", call("GET", API + "/tasks?view=someday", token=A), 400, "invalid", "view")
expect("patch task without version", call("PATCH", API + "/tasks/%d" % task["id"],
                                          {"title": "x"}, token=A), 428)
r = expect("patch task", call("PATCH", API + "/tasks/%d" % task["id"], {"body": "メモ"},
                              token=tokens["staff"], headers={"If-Match": '"1"'}), 200)
expect("patch task stale", call("PATCH", API + "/tasks/%d" % task["id"], {"body": "y"},
                                token=A, headers={"If-Match": '"1"'}), 409, "conflict")
r = expect("snooze task", call("POST", API + "/tasks/%d/snooze" % task["id"],
                               {"until": "2030-01-12", "version": 2}, token=tokens["staff"]), 200)
check("snoozed", r.json()["snoozed_until"] == "2030-01-12", r.body[:200])
check("snoozed task hidden", task["id"] not in task_ids("view=overdue&as_of=2030-01-11"))
expect("snooze stale version", call("POST", API + "/tasks/%d/snooze" % task["id"],
                                    {"until": None, "version": 2}, token=A), 409)
r = expect("reassign task", call("POST", API + "/tasks/%d/reassign" % task["id"],
                                 {"assignee": "u_manager"}, token=tokens["staff"]), 200)
check("reassigned", r.json()["assignee"] == "u_manager", r.body[:200])
expect("reassign to nobody known", call("POST", API + "/tasks/%d/reassign" % task["id"],
                                        {"assignee": "ghost"}, token=A), 400)
expect("complete needs outcome", call("POST", API + "/tasks/%d/complete" % task["id"], {},
                                      token=A), 400, "invalid", "outcome")
r = expect("complete task", call("POST", API + "/tasks/%d/complete" % task["id"],
                                 {"outcome": "reached", "on": "2030-01-12 10:00"},
                                 token=tokens["staff"]), 200)
check("complete records an activity", r.json()["activity_id"] > 0 and
      r.json()["task"]["status"] == "done", r.body[:300])
acts = call("GET", API + "/activities?customer=T-001", token=A).json()["items"]
check("activity of the task", any(a["id"] == r.json()["activity_id"] for a in acts))
expect("complete twice", call("POST", API + "/tasks/%d/complete" % task["id"],
                              {"outcome": "reached"}, token=A), 409)
expect("get task", call("GET", API + "/tasks/%d" % task["id"], token=A), 200)
t2 = call("POST", API + "/tasks", {"title": "取消テスト", "due_on": "2030-02-01"}, token=A).json()
r = expect("cancel task", call("POST", API + "/tasks/%d/cancel" % t2["id"], {"outcome": "重複"},
                               token=tokens["staff"]), 200)
check("cancelled", r.json()["status"] == "cancelled", r.body[:200])
expect("task 404", call("GET", API + "/tasks/abc", token=A), 404)

# ---------------------------------------------------------------- segments

r = expect("check bad filter", call("POST", API + "/segments/check", {"filter": "state = "},
                                    token=tokens["readonly"]), 400, "invalid", "filter")
check("filter error has a position", "position" in r.json()["error"]["message"], r.body[:200])
r = expect("check filter", call("POST", API + "/segments/check",
                                {"filter": "STATE = active AND orders >= 1"}, token=A), 200)
check("canonical filter", r.json()["filter"] == "state = active and orders >= 1", r.body[:200])
expect("segment unknown field", call("POST", API + "/segments",
                                     {"name": "bad", "filter": "colour = red"},
                                     token=tokens["manager"]), 400, "invalid", "filter")
expect("segment unknown lost reason", call("POST", API + "/segments",
                                           {"name": "bad", "filter": "lost_reason = nope"},
                                           token=tokens["manager"]), 400, "invalid")
r = expect("create segment", call("POST", API + "/segments",
                                  {"name": "buyers", "filter": "orders >= 1",
                                   "description": "買ったことがある"}, token=tokens["manager"]), 201)
expect("duplicate segment", call("POST", API + "/segments", {"name": "buyers", "filter": "orders >= 1"},
                                 token=A), 409)
r = expect("segment count", call("GET", API + "/segments/buyers/count", token=A), 200)
count = r.json()["members"]
buyers = sum(1 for row in call("GET", API + "/reports/customers?as_of=" + r.json()["as_of"],
                               token=A).json()["rows"] if (row.get("orders") or 0) >= 1)
check("segment count matches the customers report", count == buyers and count > 0,
      "%s vs %s" % (count, buyers))
check("segment count history", r.json()["history"] and r.json()["history"][-1]["members"] == count)
seen, cursor = [], None
for _ in range(20):
    rr = call("GET", API + "/segments/buyers/members?limit=60" + ("&cursor=" + cursor if cursor else ""),
              token=A)
    if rr.status != 200:
        break
    seen += [m["code"] for m in rr.json()["items"]]
    cursor = rr.json()["next_cursor"]
    if not cursor:
        break
check("segment members pages", len(seen) == count and len(set(seen)) == count,
      "%d of %d" % (len(seen), count))
r = expect("segment export", call("GET", API + "/segments/buyers/export", token=tokens["manager"]),
           200)
check("segment export is CSV", r.header("Content-Type").startswith("text/csv") and
      "attachment" in (r.header("Content-Disposition") or "") and
      r.body.decode().startswith("code,state,stage,") and
      len(r.body.decode().strip().split("\r\n")) == count + 1, r.body[:200])
r = expect("patch segment", call("PATCH", API + "/segments/buyers",
                                 {"filter": "orders >= 2"}, token=tokens["manager"]), 200)
r = call("GET", API + "/segments/buyers/count", token=A)
check("patched segment narrower", r.json()["members"] < count, r.body[:200])
expect("patch segment bad filter", call("PATCH", API + "/segments/buyers", {"filter": "orders >="},
                                        token=A), 400, "invalid", "filter")
r = expect("list segments", call("GET", API + "/segments?search=buy", token=A), 200)
check("list segments content", [x["name"] for x in r.json()["items"]] == ["buyers"])
expect("get segment", call("GET", API + "/segments/buyers", token=A), 200)
expect("delete segment", call("DELETE", API + "/segments/buyers", token=tokens["manager"]), 204)
expect("segment gone", call("GET", API + "/segments/buyers/count", token=A), 404)

# ---------------------------------------------------------------- playbooks, automation

STEPS = [{"offset_days": 0, "channel": "email", "subject": "{{name}}様 ありがとうございます",
          "body": "{{name}}様\nご購入ありがとうございました。"},
         {"offset_days": 7, "channel": "phone", "subject": "{{name}}様にお電話",
          "body": "様子をうかがう", "assignee_rule": "owner"}]
r = expect("create playbook", call("POST", API + "/playbooks",
                                   {"name": "api-manual", "trigger": "manual", "steps": STEPS,
                                    "exit_rule": "none"}, token=tokens["manager"]), 201)
check("playbook steps", [s["channel"] for s in r.json()["steps"]] == ["email", "phone"],
      r.body[:300])
expect("playbook unclosed placeholder", call("POST", API + "/playbooks",
                                             {"name": "bad1", "trigger": "manual",
                                              "steps": [{"offset_days": 0, "channel": "phone",
                                                         "subject": "x", "body": "{{name"}]},
                                             token=A), 400, "invalid", "steps[1].body")
expect("playbook unknown placeholder", call("POST", API + "/playbooks",
                                            {"name": "bad2", "trigger": "manual",
                                             "steps": [{"offset_days": 0, "channel": "phone",
                                                        "subject": "{{colour}}", "body": "x"}]},
                                            token=A), 400, "invalid", "steps[1].subject")
expect("playbook bad trigger", call("POST", API + "/playbooks",
                                    {"name": "bad3", "trigger": "full_moon", "steps": STEPS},
                                    token=A), 400, "invalid", "trigger_kind")
expect("playbook bad channel", call("POST", API + "/playbooks",
                                    {"name": "bad4", "trigger": "manual",
                                     "steps": [{"offset_days": 0, "channel": "pigeon",
                                                "subject": "x", "body": "y"}]},
                                    token=A), 400, "invalid")
expect("playbook step unknown field", call("POST", API + "/playbooks",
                                           {"name": "bad5", "trigger": "manual",
                                            "steps": [{"offset_days": 0, "channel": "phone",
                                                       "subject": "x", "body": "y", "when": 1}]},
                                           token=A), 400, "invalid", "steps[1].when")
expect("playbook steps not an array", call("POST", API + "/playbooks",
                                           {"name": "bad6", "trigger": "manual", "steps": {}},
                                           token=A), 400, "invalid", "steps")
r = expect("list playbooks", call("GET", API + "/playbooks?trigger=deal_lost", token=A), 200)
check("default playbooks", any(p["name"] == "lost-price" for p in r.json()["items"]), r.body[:200])
r = expect("patch playbook", call("PATCH", API + "/playbooks/api-manual",
                                  {"description": "手動", "steps": STEPS[:1]},
                                  token=tokens["manager"]), 200)
check("playbook steps replaced", len(r.json()["steps"]) == 1, r.body[:300])
expect("get playbook", call("GET", API + "/playbooks/api-manual", token=A), 200)
r = expect("enroll", call("POST", API + "/playbooks/api-manual/enroll",
                          {"customer_code": "T-001", "on": "2030-03-01"}, token=tokens["staff"]),
           201)
check("enrolled", r.json()["status"] == "active" and r.json()["customer_code"] == "T-001",
      r.body[:200])
expect("enroll again", call("POST", API + "/playbooks/api-manual/enroll",
                            {"customer_code": "T-001", "on": "2030-03-01"}, token=A), 200)
expect("enroll unknown customer", call("POST", API + "/playbooks/api-manual/enroll",
                                       {"customer_code": "NOPE"}, token=A), 400, "invalid",
       "customer_code")
r = expect("enrollments", call("GET", API + "/playbooks/api-manual/enrollments?status=active",
                               token=A), 200)
check("enrollments content", [e["customer_code"] for e in r.json()["items"]] == ["T-001"])
r = expect("exit", call("POST", API + "/playbooks/api-manual/exit", {"customer_code": "T-001"},
                        token=tokens["staff"]), 200)
check("exited one", r.json()["exited"] == 1, r.body[:200])
r = expect("automation run", call("POST", API + "/automation/run",
                                  {"as_of": "2030-03-02", "no_send": True},
                                  token=tokens["manager"]), 200)
check("automation run result", r.json()["as_of"] == "2030-03-02" and "enrolled" in r.json(),
      r.body[:300])
r = expect("automation stats", call("GET", API + "/automation/stats?days=60", token=A), 200)
check("stats columns", "playbook" in r.json()["columns"] and "enrolled" in r.json()["columns"],
      r.body[:300])
check("stats rows", any(row["playbook"] == "api-manual" for row in r.json()["rows"]),
      r.body[:500])
r = expect("lost reason stats", call("GET", API + "/automation/lost-reasons", token=A), 200)
check("lost reason rows", any(row.get("lost_reason") == "price" or "price" in row.values()
                              for row in r.json()["rows"]), r.body[:400])
expect("stats bad days", call("GET", API + "/automation/stats?days=0", token=A), 400, "invalid",
       "days")

# ---------------------------------------------------------------- clv

# customers: analytics badges, value figures and the at-risk list (compared with the customers
# report, which computes the same view independently)
rep = {row["code"]: row for row in
       call("GET", API + "/reports/customers", token=A).json()["rows"]}
r = expect("customer badges", call("GET", API + "/customers?limit=50", token=A), 200)
page = r.json()["items"]
bad = [c["code"] for c in page if c["code"] in rep and
       (c["state"], c["stage"], c["revenue"], c["orders"], c["last_purchase"]) !=
       (rep[c["code"]]["state"], rep[c["code"]]["stage"], rep[c["code"]]["revenue"],
        rep[c["code"]]["orders"], rep[c["code"]]["last_purchase"])]
check("badges equal the customers report", page and not bad, str(bad[:5]))
bad = [c["code"] for c in page if c["code"] in rep and rep[c["code"]]["r"] and
       c["rfm"] != "%d%d%d" % (rep[c["code"]]["r"], rep[c["code"]]["f"], rep[c["code"]]["m"])]
check("badge RFM equals the report", not bad, str(bad[:5]))
check("badge RFM segment", all(c["rfm_segment"] == rep[c["code"]]["segment"] for c in page
                               if c["code"] in rep and c["rfm"]), r.body[:300])
check("badges without a model", all(c["p_alive"] is None for c in page))
buyer = next(c["code"] for c in page if c["orders"] > 0)
r = expect("customer value without a model",
           call("GET", API + "/customers/" + buyer + "/value", token=tokens["readonly"]), 200)
check("value null without a model", r.json()["value"] is None and "fit" in r.json()["reason"] and
      r.json()["revenue"] == rep[buyer]["revenue"], r.body[:300])
expect("customer value 404", call("GET", API + "/customers/NOPE/value", token=A), 404,
       "not_found")
r = expect("at risk", call("GET", API + "/at-risk?limit=5", token=tokens["readonly"]), 200)
risk = r.json()["items"]
sleeping = sorted((row["revenue"] for row in rep.values()
                   if row["state"] == "sleeping" and row["revenue"] > 0), reverse=True)[:5]
check("at risk: sleeping customers by revenue", [x["revenue"] for x in risk] == sleeping and
      all(rep[x["code"]]["state"] == "sleeping" for x in risk) and not r.json()["model"],
      r.body[:300])
expect("at risk bad limit", call("GET", API + "/at-risk?limit=0", token=A), 400, "invalid",
       "limit")
expect("clv predict before fit", call("GET", API + "/clv/predict?model=pnbd", token=A), 409)
r = expect("clv fit", call("POST", API + "/clv/fit", {"model": "bgnbd", "unit": "week"},
                           token=tokens["manager"]), 201)
check("clv fit params", r.json()["fit_id"] > 0 and r.json()["fit"]["converged"], r.body[:300])
expect("clv fit gamma-gamma", call("POST", API + "/clv/fit", {"model": "gamma-gamma"},
                                   token=tokens["manager"]), 201)
expect("clv fit bad model", call("POST", API + "/clv/fit", {"model": "magic"}, token=A), 400,
       "invalid", "model")
expect("clv fit bad unit", call("POST", API + "/clv/fit", {"model": "bgnbd", "unit": "year"},
                                token=A), 400, "invalid", "unit")
r = expect("clv predict", call("GET", API + "/clv/predict?horizon=365&discount=10%25&limit=5",
                               token=tokens["readonly"]), 200)
items = r.json()["items"]
check("clv predict rows", len(items) == 5 and all(0 <= i["p_alive"] <= 1 for i in items) and
      all(i["customer_code"] for i in items) and r.json()["spend_fit_id"], r.body[:300])
r2 = call("GET", API + "/clv/predict?limit=5&cursor=" + r.json()["next_cursor"], token=A)
check("clv predict pages", r2.status == 200 and
      not {i["customer_code"] for i in items} & {i["customer_code"] for i in r2.json()["items"]})
one = items[0]["customer_code"]
r = call("GET", API + "/clv/predict?horizon=365&discount=0.1&customer=" + one, token=A)
check("clv predict one customer", [i["customer_code"] for i in r.json()["items"]] == [one] and
      abs(r.json()["items"][0]["clv"] - items[0]["clv"]) < 1e-6 * max(1, items[0]["clv"]),
      r.body[:300])
r = expect("customer value", call("GET", API + "/customers/" + one + "/value", token=A), 200)
v = r.json()["value"]
r3 = call("GET", API + "/clv/predict?customer=" + one, token=A).json()["items"][0]
check("customer value equals clv predict", v and v["model"] == "bgnbd" and v["fitted_at"] and
      abs(v["p_alive"] - r3["p_alive"]) < 1e-3 and abs(v["clv"] - r3["clv"]) <= 1 and
      abs(v["expected_purchases"] - r3["expected_purchases"]) < 1e-3, r.body[:300])
r = call("GET", API + "/customers?limit=50", token=A)
check("badges with a model: p_alive", any(c["p_alive"] is not None for c in r.json()["items"]) and
      all(0 <= c["p_alive"] <= 1 for c in r.json()["items"] if c["p_alive"] is not None))
r = expect("at risk with a model", call("GET", API + "/at-risk?limit=20", token=A), 200)
items = r.json()["items"]
check("at risk with a model: by revenue x (1 - P(alive))", r.json()["model"] and items and
      all(abs(x["at_stake"] - x["revenue"] * (1 - x["p_alive"])) <= 1 + x["revenue"] * 5e-5
          for x in items) and
      [x["at_stake"] for x in items] == sorted([x["at_stake"] for x in items], reverse=True),
      r.body[:300])
pred = {}
cur = ""
while True:
    page = call("GET", API + "/clv/predict?limit=500" + cur, token=A).json()
    pred.update({x["customer_code"]: x["p_alive"] for x in page["items"]})
    if not page["next_cursor"]:
        break
    cur = "&cursor=" + page["next_cursor"]
rep2 = call("GET", API + "/reports/customers", token=A).json()["rows"]
stake = sorted((row["revenue"] * (1 - pred[row["code"]]) for row in rep2
                if row["state"] == "sleeping" and row["revenue"] > 0 and row["code"] in pred),
               reverse=True)[:20]
check("at risk with a model: the top 20 at stake", len(items) == len(stake) and
      all(abs(a["at_stake"] - b) <= 1 for a, b in zip(items, stake)), str(stake[:3]))
expect("clv predict bad discount", call("GET", API + "/clv/predict?discount=lots", token=A), 400,
       "invalid", "discount")
r = expect("clv validate", call("GET", API + "/clv/validate?calibration_end=2025-11-23", token=A),
           200)
check("clv validate bins", r.json()["bins"]["rows"] and r.json()["tracking"]["rows"], r.body[:200])
r = expect("clv validate svg", call("GET", API + "/clv/validate?calibration_end=2025-11-23"
                                    "&format=svg", token=A), 200)
check("clv svg", r.header("Content-Type").startswith("image/svg") and b"<svg" in r.body[:500])
expect("clv validate without calibration", call("GET", API + "/clv/validate", token=A), 400,
       "invalid", "calibration_end")

# ---------------------------------------------------------------- imports, exports

CSV = "code,name,email\r\nIM-1,輸入 一郎,ichiro@example.jp\r\nIM-2,輸入 二郎,\r\n".encode()
r = expect("import dry run", call("POST", API + "/imports?kind=customers&dry_run=true", raw=CSV,
                                  ctype="text/csv", token=tokens["manager"]), 200)
check("dry run counts", r.json()["created"] == 2 and not r.json()["written"] and
      r.json()["preview"], r.body[:400])
expect("dry run wrote nothing", call("GET", API + "/customers/IM-1", token=A), 404)
r = expect("import commit", call("POST", API + "/imports?kind=customers", raw=CSV,
                                 ctype="text/csv", token=tokens["manager"]), 201)
check("import counts", r.json()["created"] == 2 and r.json()["written"], r.body[:400])
r = expect("imported customer", call("GET", API + "/customers/IM-1", token=A), 200)
check("imported fields", r.json()["email"] == "ichiro@example.jp")
r = expect("import again unchanged", call("POST", API + "/imports?kind=customers", raw=CSV,
                                          ctype="text/csv", token=A), 201)
check("idempotent import", r.json()["unchanged"] == 2 and r.json()["created"] == 0, r.body[:300])
BAD = "code,name,email\r\nIM-3,良い,\r\nIM-4,悪い,not-an-email\r\n".encode()
r = expect("import bad row", call("POST", API + "/imports?kind=customers", raw=BAD,
                                  ctype="text/csv", token=A), 422, "invalid")
check("bad row reported with its line", r.json()["report"]["bad_rows"] == 1 and
      any("3" in e and "email" in e for e in r.json()["report"]["errors"]), r.body[:400])
check("row errors do not show the server's temporary file", b"okaeri-upload" not in r.body,
      r.body[:400])
expect("nothing written on a bad row", call("GET", API + "/customers/IM-3", token=A), 404)
r = expect("import skip bad rows", call("POST", API + "/imports?kind=customers&on_error=skip",
                                        raw=BAD, ctype="text/csv", token=A), 201)
check("skip writes the good row", r.json()["created"] == 1 and r.json()["rejected"] == 1,
      r.body[:300])
boundary = "----okaeri-test-7"
SJIS = "code,name\r\nIM-5,シフトJIS 太郎\r\n".encode("cp932")
mp = ("--%s\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
      "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"k.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n" % (boundary, boundary)).encode() + SJIS + \
     ("\r\n--%s--\r\n" % boundary).encode()
r = expect("import multipart cp932", call("POST", API + "/imports?kind=customers", raw=mp,
                                          ctype="multipart/form-data; boundary=" + boundary,
                                          token=A), 201)
r = call("GET", API + "/customers/IM-5", token=A)
check("cp932 decoded", r.status == 200 and r.json()["name"] == "シフトJIS 太郎", r.body[:200])
r = expect("import orders", call("POST", API + "/imports?kind=orders",
                                 raw="order_code,customer_code,ordered_at,amount\r\n"
                                     "IMO-1,IM-1,2024-02-03,4400\r\n".encode(), ctype="text/csv",
                                 token=A), 201)
check("order import counts", r.json()["created"] == 1 and r.json()["orders"] == 1, r.body[:300])
r = call("GET", API + "/reports/customers?as_of=2024-12-31", token=A)
check("report reflects the imported order",
      any(row.get("code") == "IM-1" and row.get("orders") == 1
          for row in r.json()["rows"]), r.body[:100])
# A dense search (more matches than the index plan pays for) walks the customers in code order;
# it must page exactly like the sparse one.
DENSE = "code,name\r\n" + "".join("DN-%04d,Densename %d\r\n" % (i, i) for i in range(260))
expect("import many", call("POST", API + "/imports?kind=customers", raw=DENSE.encode(),
                           ctype="text/csv", token=A), 201)
seen, cursor = [], None
for _ in range(10):
    rr = call("GET", API + "/customers?search=densename&limit=100" +
              ("&cursor=" + cursor if cursor else ""), token=A)
    seen += [c["code"] for c in rr.json()["items"]]
    cursor = rr.json()["next_cursor"]
    if not cursor:
        break
check("dense search pages", seen == ["DN-%04d" % i for i in range(260)], str(seen[:5]))
r = call("GET", API + "/customers?search=" + urllib.parse.quote("densename 12"), token=A)
check("sparse search", sorted(c["code"] for c in r.json()["items"]) ==
      ["DN-%04d" % i for i in [12] + list(range(120, 130))], r.body[:200])
for w in ["%", "_", "densename%"]:
    r = call("GET", API + "/customers?search=" + urllib.parse.quote(w), token=A)
    check("search %r is not a wildcard" % w, r.status == 200 and r.json()["items"] == [],
          r.body[:200])
expect("import without kind", call("POST", API + "/imports", raw=CSV, ctype="text/csv", token=A),
       400, "invalid", "kind")
expect("import bad kind", call("POST", API + "/imports?kind=planets", raw=CSV, ctype="text/csv",
                               token=A), 400, "invalid", "kind")
expect("import empty", call("POST", API + "/imports?kind=customers", raw=b"", ctype="text/csv",
                            token=A), 400, "invalid")
expect("import staff forbidden", call("POST", API + "/imports?kind=customers", raw=CSV,
                                      ctype="text/csv", token=tokens["staff"]), 403)
r = expect("export csv", call("GET", API + "/exports/customers?columns=code,name",
                              token=tokens["manager"]), 200)
text = r.body.decode("utf-8")
check("export csv content", r.header("Content-Type").startswith("text/csv") and
      'filename="customers.csv"' in (r.header("Content-Disposition") or "") and
      text.startswith("code,name\r\n") and "IM-1,輸入 一郎\r\n" in text, text[:200])
r = expect("export cp932", call("GET", API + "/exports/customers?columns=code,name&encoding=cp932",
                                token=A), 200)
check("export cp932 bytes", "IM-5,シフトJIS 太郎".encode("cp932") in r.body)
r = expect("export xlsx", call("GET", API + "/exports/orders?format=xlsx", token=A), 200)
check("export xlsx zip", r.body[:2] == b"PK" and "spreadsheetml" in r.header("Content-Type"))
expect("export unknown kind", call("GET", API + "/exports/planets", token=A), 404)
expect("export unknown column", call("GET", API + "/exports/customers?columns=code,shoe_size",
                                     token=A), 400, "invalid", "columns")
r = call("POST", API + "/customers", {"code": "EMJ-1", "name": "絵文字 😀"}, token=A)
r = expect("export unencodable", call("GET", API + "/exports/customers?encoding=cp932", token=A),
           422, "unencodable")
check("unencodable reported", r.json()["unencodable"] >= 1 and r.json()["problems"], r.body[:300])

# ---------------------------------------------------------------- e-mail settings, unsubscribe

r = expect("set smtp password", call("PUT", API + "/settings/smtp.password",
                                     {"value": "s3cret-smtp-pass"}, token=A), 200)
check("password masked in reply", b"s3cret" not in r.body and r.json()["is_set"], r.body[:300])
r = call("GET", API + "/settings", token=tokens["readonly"])
check("password masked in list", b"s3cret" not in r.body and
      any(s["key"] == "smtp.password" and s["value"] == "********" for s in r.json()["items"]))
r = call("GET", API + "/audit?entity=setting&limit=50", token=A)
check("password masked in audit", r.status == 200 and b"s3cret" not in r.body, r.body[:200])
expect("smtp url checked", call("PUT", API + "/settings/smtp.url", {"value": "http://x"},
                                token=A), 400, "invalid")
expect("smtp url", call("PUT", API + "/settings/smtp.url", {"value": "smtp://127.0.0.1:1"},
                        token=A), 200)
expect("smtp url reset", call("DELETE", API + "/settings/smtp.url", token=A), 200)
expect("starttls choice", call("PUT", API + "/settings/smtp.starttls", {"value": "maybe"},
                               token=A), 400, "invalid")
r = call("GET", "/unsubscribe?token=nosuchtoken123")
check("unsubscribe unknown token", r.status == 404 and
      r.header("Content-Type").startswith("text/html") and "配信停止".encode() in r.body)
r = call("GET", "/unsubscribe")
check("unsubscribe without token", r.status == 400 and b"<html" in r.body)
r = call("GET", "/unsubscribe?token=" + urllib.parse.quote("<script>"))
check("unsubscribe hostile token", r.status == 400 and b"<script>" not in r.body)

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
