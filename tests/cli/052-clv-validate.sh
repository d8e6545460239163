# okaeri clv validate: calibration 1997-01-01..09-30, holdout to 1998-06-30 on the CDNOW sample;
# holdout purchases by calibration frequency and the weekly tracking curve against the BTYD
# walkthrough's published numbers; the SVG plot; bad input.
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

run 0 --db c.db clv validate --calibration-end 1997-09-30 --format json --svg plot.svg
echo "$out" > v.json
python3 - <<'PY' || fail "validation values"
import json
d = json.load(open("v.json"))
assert d["fit"]["model"] == "bgnbd" and d["fit"]["converged"] is True
assert d["calibration_end"] == "1997-09-30" and d["holdout_end"] == "1998-06-30"
bins = d["bins"]["rows"]
assert [b["frequency"] for b in bins] == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
assert [b["customers"] for b in bins] == [1411, 439, 214, 100, 62, 38, 29, 64, 2357]
# BTYD walkthrough: actual mean holdout purchases (exact data) and BG/NBD E[Y(39)] by bin
actual = [0.2367116, 0.6970387, 1.392523, 1.560000, 2.532258, 2.947368, 3.862069, 6.359375]
expect = [0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036]
for b, a, e in zip(bins, actual, expect):
    assert abs(b["actual"] - a) < 1e-6, (b, a)
    assert abs(b["predicted"] - e) < 2e-4, (b, e)  # okaeri's MLE vs BTYD's
assert abs(bins[8]["actual"] - 1882 / 2357) < 1e-12
track = d["tracking"]["rows"]
assert [t["week"] for t in track] == list(range(1, 79))
wk = {t["week"]: t for t in track}
assert [wk[w]["actual"] for w in range(20, 26)] == [1359, 1414, 1484, 1517, 1573, 1672]
assert wk[39]["actual"] == 2457 and wk[78]["actual"] == 4339
for w, e in zip(range(20, 26), [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6]):
    assert abs(wk[w]["expected"] - e) < 0.01, (w, wk[w], e)
assert abs(wk[39]["expected"] - 2501.52) < 0.05 and abs(wk[78]["expected"] - 4165.63) < 0.05
assert all(track[i]["actual"] <= track[i + 1]["actual"] and track[i]["expected"] < track[i + 1]["expected"]
           for i in range(77))
PY
head -c 4 plot.svg | grep -q "<svg" || fail "plot.svg is not an SVG"
grep -q "</svg>" plot.svg || fail "plot.svg is incomplete"
grep -q "bgnbd: calibration to 1997-09-30, holdout to 1998-06-30" plot.svg || fail "svg title"
[ "$(count c.db "SELECT count(*) FROM clv_fits")" = 0 ] || fail "validate must not store fits"

# Table output; a shorter holdout; Pareto/NBD (BTYD vignette bins, 1e-3).
run 0 --db c.db clv validate --calibration-end 1997-09-30 --holdout-end 1997-12-31
has "Holdout purchases by calibration frequency"
has "7+"
has "Cumulative repeat transactions by week"
has "calibration ends after week 39"
run 0 --db c.db clv validate --calibration-end 1997-09-30 --holdout-end 1997-12-31 --format json
python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["tracking"]["rows"]) == 52 and d["holdout_end"] == "1997-12-31"
' <<< "$out" || fail "52 weeks to 1997-12-31"
run 0 --db c.db clv validate --calibration-end 1997-09-30 --model pnbd --format json
python3 -c '
import json, sys
rows = json.load(sys.stdin)["bins"]["rows"]
want = [0.138, 0.600, 1.196, 1.714, 2.399, 2.907, 3.819, 6.403]
assert all(abs(r["predicted"] - w) < 1e-3 for r, w in zip(rows, want)), rows
' <<< "$out" || fail "pnbd bins"

# Bad input.
run 2 --db c.db clv validate
has_err "--calibration-end"
run 2 --db c.db clv validate --calibration-end 1997-09-30 --model gamma-gamma
run 2 --db c.db clv validate --calibration-end 1997-09-30 --format csv
run 1 --db c.db clv validate --calibration-end 1997-09-30 --holdout-end 1997-09-01
has_err "validation needs orders after the calibration end"
run 1 --db c.db clv validate --calibration-end 1998-06-30
has_err "validation needs orders after the calibration end"
run 1 --db c.db clv validate --calibration-end 1997-09-30 --svg no/such/dir/plot.svg
has_err "cannot write no/such/dir/plot.svg"
