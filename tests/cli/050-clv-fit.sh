# okaeri clv fit: the CDNOW sample loaded as orders reproduces the published BG/NBD, Pareto/NBD,
# MBG/NBD and Gamma-Gamma estimates (shared/data/clv_reference_values.csv); the summary-file
# path reproduces lifetimes; fits from the database are stored; bad input gives clear errors.
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

# BG/NBD: Fader, Hardie & Lee (2005) 0.243, 4.414, 0.793, 2.426 (tol 5e-4), LL -9582.4;
# CLVTools 0.2425945, 4.4136019, 0.7929199, 2.4258881 (1e-3 rel); BTYD LL -9582.429 (1e-3).
run 0 --db c.db clv fit --model bgnbd --unit week --calibration-end 1997-09-30 --format json
check "$out" 'sorted(d) == ["converged","customers","iterations","log_likelihood","model","params","unit"]' \
    'd["model"] == "bgnbd" and d["unit"] == "week" and d["customers"] == 2357' \
    'd["converged"] is True and d["iterations"] > 0' \
    'list(d["params"]) == ["r","alpha","a","b"]' \
    'all(near(d["params"][k], v, 5e-4) for k, v in zip("r alpha a b".split(), [0.243,4.414,0.793,2.426]))' \
    'all(rel(d["params"][k], v, 1e-3) for k, v in zip("r alpha a b".split(), [0.2425945,4.4136019,0.7929199,2.4258881]))' \
    'near(d["log_likelihood"], -9582.429, 1e-3)'
[ "$(count c.db "SELECT count(*) FROM clv_fits WHERE model='bgnbd' AND unit='week' AND calibration_end='1997-09-30' AND converged=1 AND customers=2357 AND abs(log_likelihood + 9582.429) < 0.001")" = 1 ] ||
    fail "the bgnbd fit was not stored"
check "$(count c.db "SELECT params FROM clv_fits WHERE model='bgnbd'")" 'near(d["r"], 0.243, 5e-4) and near(d["b"], 2.426, 5e-4)'
[ "$(count c.db "SELECT count(*) FROM audit_log WHERE entity='clv_fit'")" = 1 ] || fail "fit not audited"

# The same data in days: r, a, b unchanged, alpha seven times larger.
run 0 --db c.db clv fit --model bgnbd --unit day --calibration-end 1997-09-30 --format json
check "$out" 'd["unit"] == "day" and d["converged"]' 'rel(d["params"]["alpha"], 7 * 4.4136019, 1e-4)' \
    'rel(d["params"]["r"], 0.2425945, 1e-4) and rel(d["params"]["b"], 2.4258881, 1e-3)'

# Pareto/NBD: FHL 2005 0.553, 10.578, 0.606, 11.669 (5e-4; beta 1e-3 rel); LL -9594.976.
run 0 --db c.db clv fit --model pnbd --calibration-end 1997-09-30 --format json
check "$out" 'd["converged"] and list(d["params"]) == ["r","alpha","s","beta"]' \
    'all(near(d["params"][k], v, 5e-4) for k, v in zip("r alpha s".split(), [0.553,10.578,0.606]))' \
    'rel(d["params"]["beta"], 11.669, 1e-3) and near(d["log_likelihood"], -9594.976, 1e-3)'

# MBG/NBD: lifetimes/BTYDplus 0.525, 6.183, 0.891, 1.614 (decimal=3); LL -9582.1357 (computed).
run 0 --db c.db clv fit --model mbgnbd --calibration-end 1997-09-30 --format json
check "$out" 'd["converged"]' \
    'all(near(d["params"][k], v, 1.5e-3) for k, v in zip("r alpha a b".split(), [0.525,6.183,0.891,1.614]))' \
    'near(d["log_likelihood"], -9582.1357, 1e-3)'

# Gamma-Gamma on the 946 repeat customers: note 025 6.25, 3.74, 15.44 (0.005); LL -4055.9177.
run 0 --db c.db clv fit --model gamma-gamma --calibration-end 1997-09-30 --format json
check "$out" 'd["converged"] and d["customers"] == 946 and list(d["params"]) == ["p","q","gamma"]' \
    'all(near(d["params"][k], v, 5e-3) for k, v in zip("p q gamma".split(), [6.25,3.74,15.44]))' \
    'near(d["log_likelihood"], -4055.9177, 1e-3)'
[ "$(count c.db "SELECT count(*) FROM clv_fits")" = 5 ] || fail "five fits should be stored"

# Table output.
run 0 --db c.db clv fit --model bgnbd --calibration-end 1997-09-30
has "log_likelihood"
has "-9582.4292"
has "converged       yes"

# Summary files: lifetimes' 2-dp summary gives lifetimes' estimate 0.242593, 4.413532,
# 0.792886, 2.425752 (docs, 1e-5) and LL -9582.4256 (computed); nothing is stored.
run 0 clv fit --model bgnbd --summary "$CDNOW/cdnow_customers_summary.csv" --format json
check "$out" 'd["converged"] and d["customers"] == 2357' \
    'all(near(d["params"][k], v, 1e-5) for k, v in zip("r alpha a b".split(), [0.242593,4.413532,0.792886,2.425752]))' \
    'near(d["log_likelihood"], -9582.4256, 1e-3)'
run 0 clv fit --model gamma-gamma --summary "$CDNOW/cdnow_customers_summary_with_transactions.csv" --format json
check "$out" 'd["converged"] and d["customers"] == 946' \
    'all(near(d["params"][k], v, 1e-4) for k, v in zip("p q gamma".split(), [6.248801,3.744589,15.447751]))' \
    'near(d["log_likelihood"], -4055.9232, 1e-3)'
[ "$(count c.db "SELECT count(*) FROM clv_fits")" = 6 ] || fail "summary fits must not be stored"

# Bad input.
run 2 --db c.db clv fit --model bogus
has_err "unknown model 'bogus'"
run 2 --db c.db clv fit
has_err "--model"
run 2 --db c.db clv fit --model bgnbd --unit month
has_err "unknown time unit"
run 2 --db c.db clv fit --model bgnbd --summary x.csv --calibration-end 1997-09-30
run 1 --db c.db clv fit --model bgnbd --calibration-end 1997-02-30
has_err "--calibration-end"
run 2 --db c.db clv frobnicate
has_err "unknown subcommand"
printf 'frequency,recency,T\n1,2,3\n2,5,4\n' > recency.csv
run 1 clv fit --model bgnbd --summary recency.csv
has_err "recency must be between 0 and T"
has_err "field recency, line 3"
printf 'frequency,recency,T\n-1,0,3\n' > negative.csv
run 1 clv fit --model pnbd --summary negative.csv
has_err "frequency must be a number >= 0"
has_err "line 2"
printf 'frequency,recency,T,monetary_value\n1,2,3,-5\n' > spend.csv
run 1 clv fit --model gamma-gamma --summary spend.csv
has_err "monetary_value must be a number >= 0"
printf 'frequency,recency,T\n1,2,3\n' > nospend.csv
run 1 clv fit --model gamma-gamma --summary nospend.csv
has_err "no column monetary_value"
printf 'frequency,recency,T\n1,2x,3\n' > text.csv
run 1 clv fit --model bgnbd --summary text.csv
has_err "recency '2x' is not a number"
printf 'frequency,recency,T\n' > empty.csv
run 1 clv fit --model bgnbd --summary empty.csv
has_err "no customers"
run 1 clv fit --model bgnbd --summary missing.csv
has_err "cannot open missing.csv"
# No repeat purchases: no parameters, converged false with the reason, exit 1.
printf 'frequency,recency,T,monetary_value\n' > once.csv
for i in 1 2 3 4 5 6 7 8 9 10; do echo "0,0,$i,0" >> once.csv; done
run 1 clv fit --model bgnbd --summary once.csv --format json
check "$out" 'd["converged"] is False and "no repeat purchases" in d["reason"]' \
    'd["params"]["r"] is None and d["log_likelihood"] is None'
has_err "did not converge: no repeat purchases"
run 1 clv fit --model gamma-gamma --summary once.csv --format json
check "$out" 'd["converged"] is False and d["customers"] == 0 and "Gamma-Gamma needs" in d["reason"]'
printf 'frequency,recency,T\n1,1,3\n2,2,4\n' > few.csv
run 1 clv fit --model pnbd --summary few.csv --format json
check "$out" 'd["converged"] is False and "too few customers" in d["reason"]'
# An empty database: nothing to fit, nothing stored.
run 0 --db e.db init
run 1 --db e.db clv fit --model bgnbd --calibration-end 2024-01-01 --format json
check "$out" 'd["converged"] is False and d["customers"] == 0 and "no customers" in d["reason"]'
[ "$(count e.db "SELECT count(*) FROM clv_fits")" = 0 ] || fail "an empty fit was stored"
