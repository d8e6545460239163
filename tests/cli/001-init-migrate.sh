# init creates a database, is idempotent; bad paths and foreign files give clear errors.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db shop.db init
has "is at schema"
[ -f shop.db ] || fail "no database file"
[ "$(count shop.db "SELECT value FROM okaeri_meta WHERE key='application'")" = okaeri ] || fail "meta"
run 0 --db shop.db init
has "nothing to do"
run 0 --db shop.db migrate
has "nothing to do"

# OKAERI_DB is the default target
OKAERI_DB=env.db run 0 init
[ -f env.db ] || fail "OKAERI_DB not honoured"

# missing database for commands other than init
run 1 --db none.db customer list
has_err "no database at none.db"
has_err "okaeri init"
[ ! -e none.db ] || fail "a missing database must not be created"

# directory does not exist
run 1 --db no/such/dir/x.db init
has_err "directory does not exist"

# unwritable location
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
    run 1 --db ro/x.db init
fi

# a file that is not a database
echo "name,phone" > notdb.db
run 1 --db notdb.db customer list
has_err "not an okaeri database"
run 1 --db notdb.db init
has_err "not an okaeri database"
[ "$(cat notdb.db)" = "name,phone" ] || fail "foreign file was changed"

# a SQLite database of another application
sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
run 1 --db other.db init
has_err "another application"
[ "$(count other.db "SELECT count(*) FROM sqlite_master")" = 1 ] || fail "other db changed"

# a database from a newer okaeri
cp shop.db newer.db
sqlite3 newer.db "UPDATE okaeri_meta SET value='999' WHERE key='schema_version'"
run 1 --db newer.db customer list
has_err "newer okaeri"
run 1 --db newer.db migrate
has_err "upgrade okaeri"

# usage errors exit 2
run 2 --db shop.db frobnicate
has_err "unknown command"
run 2 --db
run 0 --help
has "commands:"
run 0 init --help
has "usage: okaeri [--db PATH] init"
