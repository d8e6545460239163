# okaeri copy: a demo business from SQLite to PostgreSQL and back; every report's JSON is the
# same on all three, and a non-empty destination is refused. Run by tests/pg/run.
. "$OKAERI_TOP/tests/cli/lib.sh"
. "$OKAERI_TOP/tests/pg/lib.sh"

run 0 --db src.db demo --customers 300 --as-of 2024-06-30
pg=$(pg_target copy)
run 0 copy --from src.db --to "$pg"
has "customers"
has "rows copied"
run 0 copy --from "$pg" --to back.db --quiet
[ "$(sqlite3 copy "SELECT count(*) FROM customers")" = 300 ] || fail "customers not copied"
for r in summary customers inventory lifecycle transitions stage-time rfm rfm-segments cohorts \
    kpis referrals; do
    run 0 --db src.db report "$r" --as-of 2024-06-30 --format json
    a=$out
    run 0 --db "$pg" report "$r" --as-of 2024-06-30 --format json
    [ "$out" = "$a" ] || fail "report $r differs on PostgreSQL"
    run 0 --db back.db report "$r" --as-of 2024-06-30 --format json
    [ "$out" = "$a" ] || fail "report $r differs after the round trip"
done
# new rows after a copy get fresh ids (identity moved past the copied ones)
run 0 --db "$pg" customer add --code NEW1 --name "新規"
# a destination with data is refused and left alone
run 1 copy --from src.db --to "$pg"
has_err "already holds data"
[ "$(sqlite3 copy "SELECT count(*) FROM customers")" = 301 ] || fail "destination changed"
