# The full UCI Online Retail file (541,909 lines) as a register export: counts as documented in
# shared/data/CLV_REFERENCE.md, rows without a customer counted, cancellations ("C" invoices)
# as returns, idempotent re-import. Amounts are in GBP (pence).
. "$OKAERI_TOP/tests/cli/lib.sh"

src="${OKAERI_SHARED_DATA:-/work/shared/data}/online-retail/online_retail.csv.gz"
[ -f "$src" ] || fail "missing $src"
gunzip -c "$src" >retail.csv

run 0 --db t.db init
sqlite3 t.db "UPDATE settings SET value = 'GBP' WHERE key = 'currency'"

# The file has rows okaeri must refuse: StockCode "BANK CHARGES" is not a SKU, and four unit
# prices of 0.001 GBP cannot be stored exactly in pence. By default nothing is written.
run 1 --db t.db import orders retail.csv --create-customers --cancel-prefix C
has_err "0.001"
has_err "nothing was written"
[ "$(count t.db "SELECT count(*) FROM orders")" = 0 ] || fail "all-or-nothing"

run 0 --db t.db import orders retail.csv --create-customers --cancel-prefix C --on-error skip \
    --rejects rejected.csv --errors errors.txt
has "rows read        541909"
has "orders           25900"
has "customers        4372"
has "without customer 135080"
has "customers new    4372"
has "rejected         132"
[ "$(grep -c '0.001' errors.txt)" = 4 ] || fail "the four 0.001 prices"
[ "$(($(wc -l <rejected.csv) - 1))" = 132 ] || fail "reject file rows"
[ "$(count t.db "SELECT count(*) FROM orders")" = $((541909 - 135080 - 132)) ] || fail "lines stored"
# every cancellation line with a customer is a return linked to an earlier invoice where one exists
[ "$(count t.db "SELECT count(*) FROM orders WHERE order_code LIKE 'C%' AND quantity >= 0")" = 0 ] || fail "cancellations"
[ "$(count t.db "SELECT count(*) FROM orders WHERE original_code IS NOT NULL AND quantity > 0")" = 0 ] || fail "links"

run 0 --db t.db import orders retail.csv --create-customers --cancel-prefix C --on-error skip \
    --rejects rejected2.csv
has "new              0"
has "updated          0"
has "unchanged        406697"
echo ok
