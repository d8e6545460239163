# demo data is deterministic per seed and realistic; report summary on it, on an empty database,
# and with bad input.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db a.db demo --customers 300 --seed 7 --as-of 2026-06-30
has "300 customers"
run 0 --db b.db demo --customers 300 --seed 7 --as-of 2026-06-30
run 0 --db c.db demo --customers 300 --seed 8 --as-of 2026-06-30
sum() { sqlite3 "$1" "SELECT count(*) || ':' || sum(amount) || ':' || min(ordered_at) || ':' || max(ordered_at) FROM orders"; }
[ "$(sum a.db)" = "$(sum b.db)" ] || fail "same seed, different orders"
[ "$(sum a.db)" != "$(sum c.db)" ] || fail "different seeds, same orders"
[ "$(sqlite3 a.db "SELECT group_concat(name || name_kana) FROM customers")" = \
  "$(sqlite3 b.db "SELECT group_concat(name || name_kana) FROM customers")" ] || fail "names differ"
# nothing after the as-of date, every order has its customer, lost deals have reasons
[ "$(sqlite3 a.db "SELECT count(*) FROM orders WHERE ordered_at > '2026-06-30 23:59:59'")" = 0 ] || fail "future orders"
[ "$(sqlite3 a.db "SELECT count(*) FROM deals WHERE stage='lost' AND lost_reason_id IS NULL")" = 0 ] || fail "lost without reason"
[ "$(sqlite3 a.db "PRAGMA foreign_key_check" | wc -l)" = 0 ] || fail "dangling references"
# Japanese names with kana readings
[ "$(sqlite3 a.db "SELECT count(*) FROM customers WHERE name_kana IS NOT NULL AND name_kana <> ''")" -gt 250 ] || fail "kana missing"

# a demo into a database that already has customers is refused and changes nothing
before=$(sum a.db)
run 1 --db a.db demo --customers 10
[ "$(sum a.db)" = "$before" ] || fail "second demo changed data"

run 0 --db a.db report summary --as-of 2026-06-30 --format json
has '"name":"active"'
has '"name":"sleeping"'
has '"name":"dead"'
has '"name":"lost"'
has '"name":"loyal"'
# counts per section add up to the customers that exist on the date
total=$(echo "$out" | python3 -c '
import json,sys
t=json.load(sys.stdin)
st=sum(r["customers"] for r in t["rows"] if r["section"]=="state")
sg=sum(r["customers"] for r in t["rows"] if r["section"]=="stage")
print(st if st==sg else -1)')
[ "$total" = 300 ] || fail "state/stage totals $total"

# the same date gives the same numbers in every format
run 0 --db a.db report summary --as-of 2026-06-30 --format csv
has "section,name,label_ja,customers,share,revenue"

# an as-of date before any data: zeros and dashes, no crash
run 0 --db a.db report summary --as-of 1990-01-01
has "—"
# an empty database
run 0 --db empty.db init
run 0 --db empty.db report summary
has "0 customers"
# bad input
run 1 --db a.db report summary --as-of 2026-02-30
has_err "--as-of"
run 2 --db a.db report nosuch
run 2 --db a.db report summary --format xml
run 2 --db a.db report summary --from 2026-01-01
has_err "takes --as-of"
run 1 --db a.db report transitions --from 2026-06-01 --to 2026-01-01
has_err "swap"
# an unknown or contradictory setting is reported, not ignored
sqlite3 a.db "INSERT INTO settings(key, value) VALUES ('state.active_days', '500')"
run 1 --db a.db report summary
has_err "state"
