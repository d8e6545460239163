# okaeri backup / restore on SQLite: round trip with identical reports, integrity, refusal to
# overwrite data (and --force), damaged or foreign files, a backup taken while others write.
. "$OKAERI_TOP/tests/cli/lib.sh"

reports="summary customers lifecycle rfm cohorts kpis referrals"
snapshot_reports() { # snapshot_reports DB -> one line per report
    local r
    for r in $reports; do
        run 0 --db "$1" report "$r" --as-of 2024-06-30 --format json
        echo "$r $(echo "$out" | sha256sum)"
    done
}

run 0 --db a.db demo --customers 300 --seed 3 --as-of 2024-06-30
before=$(snapshot_reports a.db)
run 0 --db a.db backup bk.db
has "integrity ok"
[ -f bk.db ] || fail "no backup file"
[ ! -e bk.db.partial ] || fail "partial file left behind"
[ "$(sqlite3 bk.db "PRAGMA journal_mode")" = delete ] || fail "backup is not a plain file"
[ "$(sqlite3 bk.db "PRAGMA integrity_check")" = ok ] || fail "backup fails integrity_check"
[ "$(sqlite3 bk.db "SELECT count(*) FROM customers")" = 300 ] || fail "backup lacks customers"
run 0 backup --verify bk.db
has "ok (schema"

# an existing backup is kept unless --force
touch -d '2000-01-01' bk.db
run 1 --db a.db backup bk.db
has_err "already exists"
[ "$(date -r bk.db +%Y)" = 2000 ] || fail "refused backup touched the file"
run 0 --db a.db backup bk.db --force
[ "$(date -r bk.db +%Y)" != 2000 ] || fail "--force did not replace the file"

# restore into a new file: same reports, integrity ok
run 0 --db r.db restore bk.db
has "integrity ok"
[ "$(sqlite3 r.db "PRAGMA integrity_check")" = ok ] || fail "restored db fails integrity_check"
[ "$(snapshot_reports r.db)" = "$before" ] || fail "reports differ after restore"
[ "$(sqlite3 r.db "PRAGMA journal_mode")" = wal ] || fail "restored database left WAL mode"

# a fresh `okaeri init` database holds no data of its own: restore is allowed
run 0 --db fresh.db init
run 0 --db fresh.db restore bk.db
[ "$(snapshot_reports fresh.db)" = "$before" ] || fail "reports differ after restore into init"

# a database with data is refused and left alone; --force replaces it
run 0 --db a.db customer add --code EXTRA1 --name "追加 太郎"
n=$(sqlite3 a.db "SELECT count(*) FROM customers")
run 1 --db a.db restore bk.db
has_err "already holds data"
has_err "--force"
[ "$(sqlite3 a.db "SELECT count(*) FROM customers")" = "$n" ] || fail "refused restore changed data"
run 0 --db a.db restore bk.db --force
[ "$(sqlite3 a.db "SELECT count(*) FROM customers WHERE code='EXTRA1'")" = 0 ] || fail "--force kept new rows"
[ "$(snapshot_reports a.db)" = "$before" ] || fail "reports differ after restore --force"

# bad backup files: a clear message, the database unchanged
sig=$(sqlite3 r.db "SELECT count(*) || ':' || sum(amount) FROM orders")
run 1 --db r.db restore missing.db --force
has_err "no backup file at missing.db"
echo "not a database at all, just text" >text.db
run 1 --db r.db restore text.db --force
has_err "not a backup"
sqlite3 other.db "CREATE TABLE notes(x); INSERT INTO notes VALUES (1);"
run 1 --db r.db restore other.db --force
has_err "not an okaeri database"
cp bk.db newer.db
sqlite3 newer.db "UPDATE okaeri_meta SET value='999' WHERE key='schema_version'"
run 1 --db r.db restore newer.db --force
has_err "newer okaeri"
# damage pages in the middle of the file (b-tree pages of the big tables)
cp bk.db broken.db
python3 - <<'EOF'
import os
size = os.path.getsize("broken.db")
with open("broken.db", "r+b") as f:
    for off in range(size // 3, size // 3 + 16 * 4096, 4096):
        f.seek(off + 8)
        f.write(b"\xff" * 64)
EOF
run 1 backup --verify broken.db
run 1 --db new.db restore broken.db
has_err "integrity check"
[ ! -e new.db ] || fail "failed restore into a new file left a file"
run 1 --db r.db restore broken.db --force
has_err "restore failed, database unchanged"
[ "$(sqlite3 r.db "SELECT count(*) || ':' || sum(amount) FROM orders")" = "$sig" ] || fail "failed restore changed data"
[ "$(sqlite3 r.db "PRAGMA integrity_check")" = ok ] || fail "failed restore damaged the database"

# usage
run 2 --db a.db backup
has_err "FILE is required"
run 2 --db a.db restore bk.db extra.db
run 2 --db a.db backup bk2.db --bogus
# backup of a file that is not there, into a directory that is not there
run 1 --db nothere.db backup x.db
[ ! -e x.db ] || fail "backup of a missing database wrote a file"
run 1 --db a.db backup no/such/dir/x.db
has_err "backup failed"
mkdir adir
run 1 --db a.db backup adir
has_err "is a directory"

# a backup taken while another process writes is consistent (one snapshot)
(for i in $(seq 1 40); do "$OKAERI" --db a.db customer add --code "W$i" --name "書込 $i" >/dev/null 2>&1; done) &
writer=$!
run 0 --db a.db backup live.db
wait "$writer"
[ "$(sqlite3 live.db "PRAGMA integrity_check")" = ok ] || fail "live backup fails integrity_check"
[ "$(sqlite3 live.db "PRAGMA foreign_key_check" | wc -l)" = 0 ] || fail "live backup has dangling references"
c=$(sqlite3 live.db "SELECT count(*) FROM customers")
[ "$c" -ge 300 ] && [ "$c" -le 340 ] || fail "live backup has $c customers"
# the audit log and the customers agree in the backup (one snapshot, not a mixture)
[ "$(sqlite3 live.db "SELECT count(*) FROM customers WHERE code LIKE 'W%'")" = \
  "$(sqlite3 live.db "SELECT count(DISTINCT entity_id) FROM audit_log WHERE entity='customer' AND action='create' AND entity_id IN (SELECT id FROM customers WHERE code LIKE 'W%')")" ] || fail "backup is not one snapshot"
echo ok
