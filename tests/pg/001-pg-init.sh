# PostgreSQL counterpart of tests/cli/001-init-migrate.sh: init and migrate, OKAERI_DB, an empty
# database, wrong credentials, an unreachable server, another application's database, a newer
# okaeri's database, and two servers migrating at once. Run by tests/pg/run.
. "$OKAERI_TOP/tests/cli/lib.sh"
. "$OKAERI_TOP/tests/pg/lib.sh"

shop=$(pg_target shop)
run 0 --db "$shop" init
has "schema "
has ":***@"
lacks "$(echo "$OKAERI_PG_URL" | sed 's/.*:\(.*\)@.*/\1/')"
[ "$(sqlite3 shop "SELECT value FROM okaeri_meta WHERE key='application'")" = okaeri ] || fail "meta"
run 0 --db "$shop" init
has "nothing to do"
run 0 --db "$shop" migrate
has "nothing to do"
run 0 --db "$shop" customer list

# OKAERI_DB is the default target
OKAERI_DB=$(pg_target env) run 0 init
[ "$(sqlite3 env "SELECT count(*) FROM okaeri_meta")" = 2 ] || fail "OKAERI_DB not honoured"

# an empty database: other commands point at init and create nothing
empty=$(pg_target empty)
run 1 --db "$empty" customer list
has_err "okaeri init"
[ "$(sqlite3 empty "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")" = 0 ] ||
    fail "tables created by a read command"

# wrong password: clear message, password hidden
password=$(echo "$OKAERI_PG_URL" | sed 's|^[a-z]*://[^:]*:\([^@]*\)@.*|\1|')
wrong=$(echo "$OKAERI_PG_URL" | sed "s|:$password@|:NotThePassword@|")
run 1 --db "$wrong" customer list
has_err "cannot connect to postgresql://"
has_err "password authentication failed"
has_err ":***@"
case "$errout" in *NotThePassword*) fail "password shown in a message" ;; esac

# unreachable server
run 1 --db "postgresql://okaeri:pw@127.0.0.1:1/okaeri" init
has_err "cannot connect to postgresql://okaeri:***@127.0.0.1:1/okaeri"

# another application's database: refused, unchanged
sqlite3 other "CREATE TABLE t(x integer); INSERT INTO t VALUES (1);"
run 1 --db "$(pg_target other)" init
has_err "another application"
[ "$(sqlite3 other "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")" = 1 ] ||
    fail "other db changed"

# a database from a newer okaeri
run 0 --db "$(pg_target newer)" init
sqlite3 newer "UPDATE okaeri_meta SET value='999' WHERE key='schema_version'"
run 1 --db "$(pg_target newer)" customer list
has_err "newer okaeri"
run 1 --db "$(pg_target newer)" migrate
has_err "upgrade okaeri"

# two okaeri migrating one database at the same moment: one migrates, the other waits for it
both=$(pg_target both)
"$OKAERI" --db "$both" init >a.out 2>&1 &
pa=$!
"$OKAERI" --db "$both" init >b.out 2>&1 &
pb=$!
wait $pa || { cat a.out; fail "first concurrent init failed"; }
wait $pb || { cat b.out; fail "second concurrent init failed"; }
cat a.out b.out | grep -q "nothing to do" || fail "both concurrent inits migrated"
run 0 --db "$both" customer list
