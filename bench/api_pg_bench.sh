#!/usr/bin/env bash
# API benchmark on PostgreSQL: two `okaeri serve` processes against one database, the deployment
# of docs/deploy.md, under the workload of bench/api_bench.sh. Prints `key value` lines
# (latencies in ms), each key as api_bench.sh's with a pg_ prefix.
#   usage: bench/api_pg_bench.sh URL     URL: postgresql://... of a database holding a demo
#   API_BENCH_SECONDS  seconds per wrk run (default 10)
#   SQLITE_GET_RPS     api_bench.sh's get_rps, measured on the same machine: adds
#                      pg_get_vs_sqlite_ratio
#   OKAERI             the binary (default ./okaeri)
# Runs:
#   pg_get      GET /api/v1/customers/{code}, random codes, 64 connections split between the
#               two servers (32 each, one wrk per server, run at the same time; rates add up,
#               p50 is the mean and p99 the worse of the two). The figure to compare with
#               SQLite's get_rps: it measures the servers and PostgreSQL, nothing else.
#   pg_lb_get   the same through nginx as the load balancer (upstream with both servers,
#               keepalive), 64 connections: what a client behind the documented nginx sees. On
#               one small machine nginx's proxying takes CPU from the servers and PostgreSQL,
#               so this is lower than pg_get by roughly what the proxy costs.
#   pg_search, pg_report_rfm, pg_report_inventory   one connection to the first server: the
#               latency of one request, as in api_bench.sh.
# Automation is off in both servers (OKAERI_AUTOMATE_INTERVAL=off). The bench adds a user and
# an API token to the database; it writes nothing else.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. bench/api_lib.sh
url=${1:?usage: bench/api_pg_bench.sh postgresql://USER:PASS@HOST:PORT/DBNAME}
okaeri=${OKAERI:-./okaeri}
case $okaeri in /*) ;; *) okaeri="$top/$okaeri" ;; esac
secs=${API_BENCH_SECONDS:-10}
tmp=$(mktemp -d /tmp/okaeri-api-pg-bench.XXXXXX)
trap api_cleanup EXIT

api_need wrk nginx curl python3 psql

ncust=$(psql "$url" -qAt -c "SELECT count(*) FROM customers")
echo "pg_customers $ncust"

api_user_add "$url"
api_serve serve_a "$url"
base_a="http://127.0.0.1:$api_port"
api_serve serve_b "$url"
base_b="http://127.0.0.1:$api_port"
token=$(api_token "$base_a")

psql "$url" -qAt -c "SELECT code FROM customers ORDER BY random() LIMIT 20000" >"$tmp/codes.txt"
api_scripts "$tmp/codes.txt" "$token"

first=$(api_urlencode "$(head -n 1 "$tmp/codes.txt")")
size=$(curl -s -o "$tmp/customer.json" -w '%{size_download}' -H "Authorization: Bearer $token" \
    "$base_a/api/v1/customers/$first")
echo "pg_customer_json_bytes $size"
# the token made on one server works on the other, and both answer the same
curl -s -o "$tmp/customer_b.json" -H "Authorization: Bearer $token" \
    "$base_b/api/v1/customers/$first"
cmp -s "$tmp/customer.json" "$tmp/customer_b.json" || {
    echo "api_pg_bench: the two servers answer differently:" >&2
    cat "$tmp/customer.json" "$tmp/customer_b.json" >&2
    exit 1
}

# nginx as the load balancer, as docs/deploy.md sets it up
lb_port=$(api_free_port)
api_nginx lb "    upstream okaeri {
        server ${base_a#http://};
        server ${base_b#http://};
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$lb_port;
        location / {
            proxy_pass http://okaeri;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }" "http://127.0.0.1:$lb_port/api/v1/health"
lb="http://127.0.0.1:$lb_port"

# warm up at full load: every worker of both servers opens its PostgreSQL connection on its
# first request (a new backend, authentication, catalog caches, prepared statements), which
# takes tens of milliseconds on a busy machine and must not land in the measured runs' tails
secs=3 api_wrk_split warmup 64 "$tmp/get.lua" "$base_a" "$base_b" >/dev/null
secs=3 api_wrk_run warmup_lb 64 "$tmp/get.lua" "$lb" >/dev/null
curl -s -o /dev/null -H "Authorization: Bearer $token" "$base_a/api/v1/reports/rfm"

get=$(api_wrk_split pg_get 64 "$tmp/get.lua" "$base_a" "$base_b")
echo "$get"
api_wrk_run pg_lb_get 64 "$tmp/get.lua" "$lb"
api_nginx_stop
api_wrk_run pg_search 1 "$tmp/search.lua" "$base_a"
api_wrk_run pg_report_rfm 1 "$tmp/fixed.lua" "$base_a/api/v1/reports/rfm"
api_wrk_run pg_report_inventory 1 "$tmp/fixed.lua" "$base_a/api/v1/reports/inventory"

if [ -n "${SQLITE_GET_RPS:-}" ]; then
    echo "pg_get_vs_sqlite_ratio $(api_ratio "$(api_value pg_get_rps "$get")" "$SQLITE_GET_RPS")"
fi
