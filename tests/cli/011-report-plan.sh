# Planning reports: the unknown solved, scenarios side by side (conversion 6 % -> 4 % with the
# target doubled needs 3x the leads), inputs from the data, the lost pool and the payback.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db p.db demo --customers 300 --seed 2 --as-of 2026-06-30
run 0 --db p.db report plan --revenue 10000000 --conversion 0.06 --unit-price 50000 \
    --scenario "悲観:conversion=0.04,revenue=20000000" --format json --as-of 2026-06-30
echo "$out" | python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
base, worse = rows
assert abs(base["leads"] - 10000000 / (0.06 * 50000)) < 1e-6, base
assert worse["scenario"] == "悲観", worse
assert abs(worse["leads_vs_first"] - 3.0) < 1e-9, worse
' || fail "plan scenarios"
# only the target given: conversion and unit price come from the period's data
run 0 --db p.db report plan --revenue 10000000 --as-of 2026-06-30 --format csv
has "base,10000000"
# two unknowns and no data to fill them in an empty database: a clear message
run 0 --db e.db init
run 1 --db e.db report plan --revenue 10000000
has_err "exactly one unknown"
run 2 --db p.db report plan --revenue ten
run 1 --db p.db report plan --revenue 1 --conversion 0.1 --unit-price 5 --scenario "x:speed=3"
has_err "unknown key"
run 1 --db p.db report plan --revenue 1 --conversion 1.5 --unit-price 5
run 0 --db p.db report lost-pool --leads-per-year 1000 --won-per-year 100 --years 5 --format csv
has "5,1000,100,900,4500"
run 2 --db p.db report lost-pool --leads-per-year 1000
has_err "--won-per-year"
run 0 --db p.db report payback --cost 100000 --saved-per-day 5000 --days 90 --format json
has '"payback_days":20'
