#!/usr/bin/env bash
# API benchmark: `okaeri serve` under wrk, and nginx serving a static file of the same size as
# the ceiling. Prints `key value` lines (latencies in ms).
#   usage: bench/api_bench.sh [DB]     DB is reused when it exists, else made with `okaeri demo`
#   API_BENCH_CUSTOMERS  customers of a new demo database (default 1,000,000)
#   API_BENCH_SECONDS    seconds per wrk run (default 10)
#   API_BENCH_DIR        work directory (default build/bench-api)
#   OKAERI               the binary (default ./okaeri)
# Runs: GET /api/v1/customers/{code} with random codes (64 connections, API token), a search
# with random name/kana/phone prefixes, and the rfm and inventory reports (one connection: the
# latency of one request), then the static file through nginx at 64 connections.
# Automation is switched off in the server while it is measured (OKAERI_AUTOMATE_INTERVAL=off).
# bench/api_pg_bench.sh runs the same on PostgreSQL with two servers; both use bench/api_lib.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. bench/api_lib.sh
okaeri=${OKAERI:-./okaeri}
case $okaeri in /*) ;; *) okaeri="$top/$okaeri" ;; esac
customers=${API_BENCH_CUSTOMERS:-1000000}
secs=${API_BENCH_SECONDS:-10}
work=${API_BENCH_DIR:-$top/build/bench-api}
mkdir -p "$work"
db=${1:-$work/api.db}
tmp=$(mktemp -d /tmp/okaeri-api-bench.XXXXXX)
trap api_cleanup EXIT

api_need wrk nginx curl python3 sqlite3

if [ ! -f "$db" ]; then
    "$okaeri" --db "$db" demo --customers "$customers" --seed 1 >/dev/null
fi
ncust=$(sqlite3 "$db" "SELECT count(*) FROM customers")
echo "customers $ncust"

api_user_add "$db"
api_serve serve "$db"
base="http://127.0.0.1:$api_port"
token=$(api_token "$base")

# random codes: the database's own, sampled (codes need not follow a pattern)
sqlite3 "$db" "SELECT code FROM customers ORDER BY random() LIMIT 20000" >"$tmp/codes.txt"
api_scripts "$tmp/codes.txt" "$token"

first=$(head -n 1 "$tmp/codes.txt")
size=$(curl -s -o "$tmp/customer.json" -w '%{size_download}' -H "Authorization: Bearer $token" \
    "$base/api/v1/customers/$(api_urlencode "$first")")
echo "customer_json_bytes $size"
# warm up the page cache and the snapshot before measuring
wrk -t2 -c16 -d2s -s "$tmp/get.lua" "$base" >/dev/null
curl -s -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/reports/rfm"

get=$(api_wrk_run get 64 "$tmp/get.lua" "$base")
echo "$get"
api_wrk_run search 1 "$tmp/search.lua" "$base"
api_wrk_run report_rfm 1 "$tmp/fixed.lua" "$base/api/v1/reports/rfm"
api_wrk_run report_inventory 1 "$tmp/fixed.lua" "$base/api/v1/reports/inventory"

# the ceiling: nginx serving a file of the same size
api_static_ceiling "$tmp/customer.json" "" >"$tmp/static.kv"
cat "$tmp/static.kv"
echo "get_vs_nginx_ratio $(api_ratio "$(api_value get_rps "$get")" \
    "$(api_value nginx_static_rps "$(cat "$tmp/static.kv")")")"
