# okaeri clv predict: per-customer P(alive), expected purchases, expected spend and CLV on the
# CDNOW sample, checked against published and hand-computed values; fits are made and stored
# when missing and reused after; returns are not purchases; bad input.
set -e
. "$OKAERI_TOP/tests/cli/lib.sh"
: "${OKAERI_SHARED_DATA:?OKAERI_SHARED_DATA must point at the shared data}"
CDNOW=$OKAERI_SHARED_DATA/cdnow

# The CDNOW 1/10 sample (master id, sample id, YYYYMMDD, CDs, dollars; CRLF) as customers
# C0001.. and one order line per row, amounts in cents, currency USD. `okaeri order add` one by
# one is too slow for 6,919 rows, so the rows go in through sqlite3 after `okaeri init`.
load_cdnow() {
    run 0 --db "$1" init
    awk 'BEGIN { q = "\047"; print "BEGIN;"
                 print "UPDATE settings SET value = " q "USD" q " WHERE key = " q "currency" q ";" }
         { sub(/\r$/, ""); id = $2 + 0
           if (!(id in seen)) { seen[id] = 1
               printf "INSERT INTO customers(id, code, name) VALUES (%d, %sC%04d%s, %sCDNOW %d%s);\n",
                      id, q, id, q, q, id, q }
           printf "INSERT INTO orders(order_code, customer_id, ordered_at, quantity, amount) " \
                  "VALUES (%sO%d%s, %d, %s%s-%s-%s%s, %d, %d);\n", q, NR, q, id, q,
                  substr($3, 1, 4), substr($3, 5, 2), substr($3, 7, 2), q, $4, int($5 * 100 + 0.5) }
         END { print "COMMIT;" }' "$CDNOW/CDNOW_sample.txt" | sqlite3 "$1"
    [ "$(count "$1" "SELECT count(*) || ' ' || sum(amount) FROM orders")" = "6919 24409194" ] ||
        fail "CDNOW sample not loaded"
}

# check JSON PYTHON-EXPRESSIONS...: every expression must be true for d = the parsed JSON.
check() {
    python3 - "$@" <<'PY' || fail "check failed: $*"
import json, sys
d = json.loads(sys.argv[1])
def near(v, want, tol): return v is not None and abs(v - want) <= tol
def rel(v, want, tol): return v is not None and abs(v - want) <= tol * abs(want)
for e in sys.argv[2:]:
    if not eval(e):
        print("false:", e, "\n", json.dumps(d)[:2000]); sys.exit(1)
PY
}

load_cdnow c.db

# No fit stored yet: predict fits BG/NBD and Gamma-Gamma on the orders up to --as-of, says so,
# and stores both.
run 0 --db c.db clv predict --horizon 273 --as-of 1997-09-30 --format csv
has_err "no stored bgnbd fit; fitted one on the orders up to 1997-09-30"
has_err "no stored gamma-gamma fit"
[ "$(echo "$out" | head -n 1 | tr -d '\r')" = "customer_code,p_alive,expected_purchases,expected_avg_spend,clv" ] ||
    fail "csv header"
[ "$(echo "$out" | wc -l)" = 2358 ] || fail "one row per customer expected"
has "C0001,0.7266,1.2260,24.65,30.23"
[ "$(count c.db "SELECT group_concat(model) FROM clv_fits")" = "bgnbd,gamma-gamma" ] || fail "fits not stored"

# Stored fits are reused (no message); a later non-converged fit is ignored.
sqlite3 c.db "INSERT INTO clv_fits(model, unit, calibration_end, fitted_at, params, converged, reason)
              VALUES ('bgnbd', 'week', '1997-09-30', '2000-01-01 00:00:00',
                      '{\"r\":9,\"alpha\":9,\"a\":9,\"b\":9}', 0, 'test')"
run 0 --db c.db clv predict --horizon 273 --as-of 1997-09-30 --format json
[ -z "$errout" ] || fail "stored fits should be used silently: $errout"
echo "$out" > week39.json
GG=$(count c.db "SELECT params FROM clv_fits WHERE model = 'gamma-gamma'")
python3 - "$GG" <<'PY' || fail "predict values"
import json, sys
rows = json.load(open("week39.json"))["rows"]
gg = json.loads(sys.argv[1])
p, q, g = gg["p"], gg["q"], gg["gamma"]
by = {r["customer_code"]: r for r in rows}
assert len(rows) == 2357, len(rows)
c1 = by["C0001"]  # x = 2, t_x = 30.43, T = 38.86 weeks, mean repeat spend 22.345
# Hardie's BG/NBD spreadsheet: E[Y(39) | 2, 30.43, 38.86] = 1.226 (tol 0.001); P(alive) 0.7265786
assert abs(c1["expected_purchases"] - 1.226) <= 1e-3, c1
assert abs(c1["p_alive"] - 0.7265786) <= 1e-3, c1
# Gamma-Gamma E(M | x, m) = (p gamma + p x m) / (p x + q - 1) (Fader & Hardie note 025)
em = (p * g + p * 2 * 22.345) / (p * 2 + q - 1)
assert abs(c1["expected_avg_spend"] - em) <= 1e-9 * em and abs(em - 24.6539) < 1e-3, (c1, em)
# x = 0: the population mean p gamma / (q - 1) = 35.17 at the MLE; BG/NBD P(alive) = 1
c3 = by["C0003"]
assert abs(c3["expected_avg_spend"] - p * g / (q - 1)) <= 1e-9 and abs(c3["expected_avg_spend"] - 35.17) < 0.01
assert c3["p_alive"] == 1.0
# no discount: CLV = E(M) x E[Y(horizon)]
for r in rows:
    assert 0 <= r["p_alive"] <= 1 and r["expected_purchases"] >= 0
    assert abs(r["clv"] - r["expected_avg_spend"] * r["expected_purchases"]) <= 1e-9 * max(1, r["clv"])
# the sum of E[Y(39)] is the BTYD bins' total: sum n_b * mean_b = 1653.39
bins_n = [1411, 439, 214, 100, 62, 38, 29, 64]
bins_e = [0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036]
total = sum(n * e for n, e in zip(bins_n, bins_e))
s = sum(r["expected_purchases"] for r in rows)
assert abs(s - total) < 0.1, (s, total)
PY

# Discounting: one 30-day period is discounted once at (1 + 10%)^(30/365).
run 0 --db c.db clv predict --horizon 30 --discount 10% --as-of 1997-09-30 --format json
python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
f = 1.1 ** (30 / 365)
bad = [r for r in rows if abs(r["clv"] * f - r["expected_avg_spend"] * r["expected_purchases"]) > 1e-9 * max(1, r["clv"])]
assert not bad, bad[:3]
' <<< "$out" || fail "30-day discount"
# A year, monthly: discounted CLV is below the undiscounted one, and 0.1 means 10%.
run 0 --db c.db clv predict --horizon 365 --discount 0.1 --as-of 1997-09-30 --format json
echo "$out" > d10.json
run 0 --db c.db clv predict --horizon 365 --discount 10% --as-of 1997-09-30 --format json
[ "$out" = "$(cat d10.json)" ] || fail "--discount 0.1 and 10% differ"
python3 -c '
import json
rows = json.load(open("d10.json"))["rows"]
for r in rows:
    undiscounted = r["expected_avg_spend"] * r["expected_purchases"]
    assert r["clv"] < undiscounted and r["clv"] > undiscounted / 1.1, r
' || fail "365-day discount"
has "as of 1997-09-30, horizon 365 days, discount 10% a year"

# Table output.
run 0 --db c.db clv predict --horizon 273 --as-of 1997-09-30
has "Customer value predictions"
has "customer_code"
has "C2357"

# Customers without orders or first buying after --as-of are not listed; a return line is not
# a purchase (C0001 unchanged).
run 0 --db c.db customer add --code NEW1 --name "No orders"
sqlite3 c.db "INSERT INTO orders(order_code, customer_id, ordered_at, amount) VALUES ('RET1', 1, '1997-05-05', -1500)"
run 0 --db c.db clv predict --horizon 273 --as-of 1997-09-30 --format json
python3 -c '
import json
a = json.load(open("week39.json"))["rows"]
import sys
b = json.load(sys.stdin)["rows"]
assert a == b
' <<< "$out" || fail "return lines or customers without orders changed the predictions"
run 0 --db c.db clv predict --horizon 273 --as-of 1997-01-01 --format csv
[ "$(echo "$out" | wc -l)" -lt 200 ] || fail "customers acquired after --as-of must not be listed"

# Pareto/NBD on request: fitted and stored; customers with x = 0 can be dead.
run 0 --db c.db clv predict --model pnbd --horizon 273 --as-of 1997-09-30 --format json
has_err "no stored pnbd fit"
python3 -c '
import json, sys
rows = {r["customer_code"]: r for r in json.load(sys.stdin)["rows"]}
assert 0.2 < rows["C0003"]["p_alive"] < 0.4, rows["C0003"]
' <<< "$out" || fail "pnbd P(alive)"

# Bad input.
run 2 --db c.db clv predict
has_err "--horizon"
run 2 --db c.db clv predict --horizon 0
run 2 --db c.db clv predict --horizon 30 --discount abc
has_err "annual rate"
run 2 --db c.db clv predict --horizon 30 --model gamma-gamma
run 2 --db c.db clv predict --horizon 30 --format xml
run 1 --db c.db clv predict --horizon 30 --as-of yesterday-ish
has_err "--as-of"
run 0 --db e.db init
run 1 --db e.db clv predict --horizon 30 --as-of 2024-01-01
has_err "did not converge: no customers"
