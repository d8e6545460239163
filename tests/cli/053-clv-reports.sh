# The stored value-model fits feed the reports: p_alive / expected_purchases / clv columns of
# the customers report, and the "by P(alive)" state rule (which needs a fit first).
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db v.db demo --customers 800 --seed 3 --as-of 2026-06-30
# before any fit: the columns exist and are empty
run 0 --db v.db report customers --as-of 2026-06-30 --format json
has '"p_alive":null'
# the P(alive) rule without a fit is refused with what to do
sqlite3 v.db "INSERT INTO settings(key, value) VALUES ('state.rule', 'p_alive')"
run 1 --db v.db report summary --as-of 2026-06-30
has_err "okaeri clv fit"
sqlite3 v.db "DELETE FROM settings WHERE key = 'state.rule'"

run 0 --db v.db clv fit --model bgnbd --calibration-end 2026-06-30
run 0 --db v.db clv fit --model gamma-gamma --calibration-end 2026-06-30
run 0 --db v.db report customers --as-of 2026-06-30 --format csv
has "p_alive,expected_purchases,clv"
# every buyer has a P(alive) in [0, 1]; prospects have none
echo "$out" | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
buyers = [r for r in rows if r["orders"] != "0"]
assert buyers, "no buyers"
for r in buyers:
    p = float(r["p_alive"])
    assert 0.0 <= p <= 1.0, r
    assert float(r["expected_purchases"]) >= 0, r
for r in rows:
    if r["orders"] == "0":
        assert r["p_alive"] == "", r
' || fail "p_alive column"

# with the rule on, states follow P(alive): active ones have P(alive) >= 0.5
sqlite3 v.db "INSERT INTO settings(key, value) VALUES ('state.rule', 'p_alive')"
run 0 --db v.db report customers --as-of 2026-06-30 --format csv
echo "$out" | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    if r["state"] == "active":
        assert float(r["p_alive"]) >= 0.5, r
    if r["state"] == "dead":
        assert float(r["p_alive"]) < 0.1, r
' || fail "state by p_alive"
run 0 --db v.db report summary --as-of 2026-06-30
has "active"
