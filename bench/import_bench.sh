#!/usr/bin/env bash
# Import benchmark: an orders CSV made from the demo business (okaeri export orders), imported
# into a database holding the demo's customers, against the sqlite3 shell's .import of the same
# file into a bare table, and against the engine alone copying the same lines (INSERT ... SELECT):
# the floor of any import into SQLite on this machine. Prints `key value` lines.
#   IMPORT_BENCH_LINES  order lines in the file (default 1,000,000)
#   IMPORT_BENCH_DIR    work directory (default build/bench-import)
#   IMPORT_BENCH_SOURCE a demo database to export from (default: a new demo)
#   OKAERI              the binary (default ./okaeri)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
okaeri=${OKAERI:-./okaeri}
lines=${IMPORT_BENCH_LINES:-1000000}
work=${IMPORT_BENCH_DIR:-$top/build/bench-import}
mkdir -p "$work"
rm -f "$work"/*.db "$work"/*.db-* "$work"/orders.csv "$work"/customers.csv

# The source: IMPORT_BENCH_SOURCE (an existing demo database, e.g. the one bench/run made),
# else a new demo with about 10 order lines per customer.
src=${IMPORT_BENCH_SOURCE:-}
if [ -z "$src" ] || [ ! -f "$src" ]; then
    customers=$(( (lines + 9) / 10 + 1 ))
    src="$work/src.db"
    "$okaeri" --db "$src" demo --customers "$customers" --seed 1 >/dev/null
fi
# owners are users and referrers customers of the source database: left out here
"$okaeri" --db "$src" export customers -o "$work/customers.csv" \
    --columns code,name,name_kana,company,email,phone,postal_code,address,birthday,source,tags >/dev/null
"$okaeri" --db "$src" export orders -o "$work/all-orders.csv" >/dev/null
head -n $((lines + 1)) "$work/all-orders.csv" >"$work/orders.csv"
rm -f "$work/all-orders.csv"
got=$(($(wc -l <"$work/orders.csv") - 1))

"$okaeri" --db "$work/dst.db" init >/dev/null
"$okaeri" --db "$work/dst.db" import customers "$work/customers.csv" --no-progress >/dev/null
sync

# /usr/bin/time: wall seconds and peak RSS (KiB)
t0=$(date +%s.%N)
/usr/bin/time -f "%e %M" -o "$work/time.txt" \
    "$okaeri" --db "$work/dst.db" import orders "$work/orders.csv" --no-progress >"$work/import.out"
read -r wall rss <"$work/time.txt"
t1=$(date +%s.%N)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
sync
/usr/bin/time -f "%e %M" -o "$work/time2.txt" \
    "$okaeri" --db "$work/dst.db" import orders "$work/orders.csv" --no-progress >"$work/reimport.out"
read -r rewall rerss <"$work/time2.txt"
sync
t0=$(date +%s.%N)
sqlite3 "$work/bare.db" ".mode csv" ".import $work/orders.csv t"
t1=$(date +%s.%N)
sq=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')

# The engine's floor: the same order lines copied inside SQLite (INSERT ... SELECT from the
# imported database into an empty okaeri database, no parsing, no binding, journal off, the
# customer index built after), the least time any import into SQLite can take on this machine.
"$okaeri" --db "$work/floor.db" init >/dev/null
sqlite3 "$work/floor.db" <<SQL >/dev/null
PRAGMA journal_mode=DELETE;
ATTACH '$work/dst.db' AS src;
INSERT INTO customers SELECT * FROM src.customers;
INSERT INTO products SELECT * FROM src.products;
DROP INDEX orders_customer;
SQL
sync
t0=$(date +%s.%N)
sqlite3 "$work/floor.db" <<SQL >/dev/null
PRAGMA foreign_keys=OFF;
PRAGMA synchronous=OFF;
PRAGMA journal_mode=OFF;
PRAGMA cache_size=-400000;
ATTACH '$work/dst.db' AS src;
BEGIN;
INSERT INTO orders SELECT * FROM src.orders;
COMMIT;
CREATE INDEX orders_customer ON orders(customer_id, ordered_at);
SQL
t1=$(date +%s.%N)
floor=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
rm -f "$work/floor.db"

new=$(awk '/^  new/ { print $2 }' "$work/import.out")
unchanged=$(awk '/^  unchanged/ { print $2 }' "$work/reimport.out")
echo "import_lines $got"
echo "import_new $new"
echo "import_seconds $wall"
echo "import_lines_per_second $(awk -v l="$got" -v w="$wall" 'BEGIN { printf "%.0f", l / w }')"
echo "import_peak_rss_mib $((rss / 1024))"
echo "reimport_unchanged $unchanged"
echo "reimport_seconds $rewall"
echo "reimport_peak_rss_mib $((rerss / 1024))"
echo "sqlite_import_seconds $sq"
echo "engine_floor_seconds $floor"
echo "engine_floor_lines_per_second $(awk -v l="$got" -v w="$floor" 'BEGIN { printf "%.0f", l / w }')"
echo "import_to_sqlite_import_ratio $(awk -v a="$wall" -v b="$sq" 'BEGIN { printf "%.2f", a / b }')"
