# PostgreSQL: the demo loaded through COPY gives the same reports as on SQLite; backup to a
# SQLite file and restore into an empty database; restore into a database with data refused;
# an unreachable server, a wrong password and a connection lost in the middle of a load give a
# clear message and leave nothing behind. Run by tests/pg/run.
. "$OKAERI_TOP/tests/cli/lib.sh"
. "$OKAERI_TOP/tests/pg/lib.sh"

pg=$(pg_target demo)
run 0 --db "$pg" demo --customers 2000 --seed 5 --as-of 2024-06-30
has "2000 customers"
run 0 --db lite.db demo --customers 2000 --seed 5 --as-of 2024-06-30
for r in summary customers inventory lifecycle transitions stage-time rfm rfm-segments cohorts \
    kpis referrals; do
    run 0 --db lite.db report "$r" --as-of 2024-06-30 --format json
    a=$out
    run 0 --db "$pg" report "$r" --as-of 2024-06-30 --format json
    [ "$out" = "$a" ] || fail "report $r differs between SQLite and PostgreSQL (COPY load)"
done
# everything the load dropped came back: same indexes and constraints as a fresh init
ns=$(pg_schema demo)
fresh=$(pg_target fresh)
run 0 --db "$fresh" init
fns=$(pg_schema fresh)
shape() {
    pg_psql -c "SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname = '$1') || ':' ||
        (SELECT count(*) FROM pg_constraint WHERE connamespace = '$1'::regnamespace) || ':' ||
        (SELECT count(*) FROM pg_constraint WHERE connamespace = '$1'::regnamespace AND NOT convalidated)"
}
[ "$(shape "$ns")" = "$(shape "$fns")" ] || fail "indexes/constraints after load $(shape "$ns") vs $(shape "$fns")"
# sequences moved past the loaded ids: ordinary inserts work
run 0 --db "$pg" customer add --code AFTER1 --name "後 一郎"
[ "$(pg_psql -c "SELECT id > 2000 FROM $ns.customers WHERE code = 'AFTER1'")" = t ] || fail "id reused"

# backup of PostgreSQL into a SQLite file, restore into an empty PostgreSQL database
run 0 --db "$pg" backup pg-backup.db
has "rows"
[ "$(/usr/bin/sqlite3 pg-backup.db "SELECT count(*) FROM customers")" = 2001 ] || fail "backup lacks customers"
back=$(pg_target back)
run 0 --db "$back" restore pg-backup.db
has "integrity ok"
for r in summary rfm cohorts kpis; do
    run 0 --db "$pg" report "$r" --as-of 2024-06-30 --format json
    a=$out
    run 0 --db "$back" report "$r" --as-of 2024-06-30 --format json
    [ "$out" = "$a" ] || fail "report $r differs after backup/restore through PostgreSQL"
done
run 1 --db "$back" restore pg-backup.db --force
has_err "already holds data"

# bad connections: clear messages, the password never shown
bad_pw=$(echo "$OKAERI_PG_URL" | sed -E 's#(://[^:]+:)[^@]+@#\1wrong-secret@#')
run 1 --db "$bad_pw" report summary
has_err "cannot connect to"
case "$errout" in *wrong-secret*) fail "password shown in a message" ;; esac
has_err "***"
run 1 --db "postgresql://okaeri:x@127.0.0.1:1/okaeri?connect_timeout=3" report summary
has_err "cannot connect to"

# a connection lost in the middle of a load: a message, nothing left behind
lost=$(pg_target lost)
lns=$(pg_schema lost)
run 0 --db "$lost" init
( rc=0; "$OKAERI" --db "$lost" demo --customers 60000 --seed 2 >load.out 2>load.err || rc=$?
  echo "$rc" >load.rc ) &
loader=$!
killed=0
for i in $(seq 1 100); do
    sleep 0.1
    n=$(pg_psql -c "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'okaeri' AND query LIKE 'COPY %' AND pid <> pg_backend_pid()) t")
    if [ "${n:-0}" -gt 0 ]; then killed=1; break; fi
done
wait "$loader" || true
[ "$killed" = 1 ] || fail "never caught the load in a COPY"
[ "$(cat load.rc)" = 1 ] || fail "interrupted load exited $(cat load.rc)"
grep -q "connection" load.err || { cat load.err; fail "no message about the connection"; }
[ "$(pg_psql -c "SELECT count(*) FROM $lns.customers")" = 0 ] || fail "interrupted load left customers"
[ "$(pg_psql -c "SELECT count(*) FROM $lns.orders")" = 0 ] || fail "interrupted load left orders"
# and the database takes the load again afterwards
run 0 --db "$lost" demo --customers 300 --seed 2
has "300 customers"
echo ok
