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
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
okaeri=${OKAERI:-./okaeri}
case $okaeri in /*) ;; *) okaeri="$top/$okaeri" ;; esac
customers=${API_BENCH_CUSTOMERS:-1000000}
secs=${API_BENCH_SECONDS:-10}
work=${API_BENCH_DIR:-$top/build/bench-api}
mkdir -p "$work"
db=${1:-$work/api.db}
tmp=$(mktemp -d /tmp/okaeri-api-bench.XXXXXX)
server_pid=
nginx_pid=
cleanup() {
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

for tool in wrk nginx curl python3 sqlite3; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
        echo "api_bench: $tool is missing (scripts/install-deps installs it)" >&2
        exit 1
    }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [ ! -f "$db" ]; then
    "$okaeri" --db "$db" demo --customers "$customers" --seed 1 >/dev/null
fi
ncust=$(sqlite3 "$db" "SELECT count(*) FROM customers")
echo "customers $ncust"

# a user and an API token for the bench
user="bench$$"
password="bench-$$-$(date +%s)-pw"
printf '%s\n' "$password" | "$okaeri" --db "$db" user add "$user" --role manager \
    --password-stdin >/dev/null

OKAERI_AUTOMATE_INTERVAL=off "$okaeri" --db "$db" serve --listen 127.0.0.1:0 \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
port=
for _ in $(seq 600); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/serve.out")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { echo "api_bench: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
base="http://127.0.0.1:$port"
token=$(python3 - "$base" "$user" "$password" <<'EOF'
import http.client, json, re, sys, urllib.parse
base, user, pw = sys.argv[1:]
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("POST", "/api/v1/session", json.dumps({"login": user, "password": pw}),
          {"Content-Type": "application/json"})
r = c.getresponse()
csrf = json.loads(r.read())["csrf_token"]
cookie = re.match(r"okaeri_session=([^;]+)", r.getheader("Set-Cookie")).group(1)
c.request("POST", "/api/v1/tokens", json.dumps({"name": "bench"}),
          {"Content-Type": "application/json", "Cookie": "okaeri_session=" + cookie,
           "X-CSRF-Token": csrf})
print(json.loads(c.getresponse().read())["token"])
EOF
)

# random codes: the database's own, sampled (codes need not follow a pattern)
sqlite3 "$db" "SELECT code FROM customers ORDER BY random() LIMIT 20000" >"$tmp/codes.txt"
# search terms: surname prefixes in kanji and kana, half-width kana, phone and e-mail prefixes
python3 - "$tmp/terms.txt" <<'EOF'
import sys, urllib.parse
terms = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
         "さとう", "すずき", "たかはし", "やまだ", "ﾔﾏﾀﾞ", "ｻﾄｳ", "090", "080-1", "0312",
         "tanaka", "yamamoto", "sato"]
with open(sys.argv[1], "w") as f:
    for t in terms:
        f.write(urllib.parse.quote(t) + "\n")
EOF
# wrk scripts: a path per request from a list, the token on every request
lua_list() { # FILE PREFIX SUFFIX -> a wrk script choosing PREFIX..line..SUFFIX at random
    cat <<EOF
local items = {}
for line in io.lines("$1") do items[#items + 1] = line end
local n = 0
setup = function(thread) n = n + 1; thread:set("seed", n) end
init = function(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
request = function()
    local path = "$2" .. items[math.random(#items)] .. "$3"
    return wrk.format("GET", path, {["Authorization"] = "Bearer $token"})
end
EOF
}
lua_list "$tmp/codes.txt" "/api/v1/customers/" "" >"$tmp/get.lua"
lua_list "$tmp/terms.txt" "/api/v1/customers?search=" "&limit=50" >"$tmp/search.lua"
cat >"$tmp/fixed.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $token"
EOF

# wrk_run NAME CONNECTIONS SCRIPT URL: prints NAME_rps, NAME_p50_ms, NAME_p99_ms
wrk_run() {
    local name=$1 conns=$2 script=$3 url=$4 threads=2 out
    [ "$conns" -lt 2 ] && threads=1
    out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency ${script:+-s "$script"} "$url")
    echo "$out" >"$tmp/$name.wrk"
    python3 - "$name" <<EOF
import re, sys
name, text = sys.argv[1], """$out"""
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print("%s_rps %s" % (name, rps))
print("%s_p50_ms %.2f" % (name, ms(p50)))
print("%s_p99_ms %.2f" % (name, ms(p99)))
print("%s_non2xx %s" % (name, errors.group(1) if errors else 0))
EOF
}

first=$(head -n 1 "$tmp/codes.txt")
size=$(curl -s -o "$tmp/customer.json" -w '%{size_download}' -H "Authorization: Bearer $token" \
    "$base/api/v1/customers/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$first")")
echo "customer_json_bytes $size"
# warm up the page cache and the snapshot before measuring
wrk -t2 -c16 -d2s -s "$tmp/get.lua" "$base" >/dev/null
curl -s -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/reports/rfm"

get=$(wrk_run get 64 "$tmp/get.lua" "$base")
echo "$get"
wrk_run search 1 "$tmp/search.lua" "$base"
wrk_run report_rfm 1 "$tmp/fixed.lua" "$base/api/v1/reports/rfm"
wrk_run report_inventory 1 "$tmp/fixed.lua" "$base/api/v1/reports/inventory"

# the ceiling: nginx serving a file of the same size
mkdir -p "$tmp/www" "$tmp/nginx"
cp "$tmp/customer.json" "$tmp/www/customer.json"
# nginx's workers run as nobody when started as root: they must be able to read the file
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/customer.json"
nport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    default_type application/json;
    server {
        listen 127.0.0.1:$nport;
        root $tmp/www;
    }
}
EOF
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nport/customer.json" && break; sleep 0.1; done
static=$(wrk_run nginx_static 64 "" "http://127.0.0.1:$nport/customer.json")
echo "$static"
python3 - <<EOF
import re
g = float(re.search(r"get_rps (\S+)", """$get""").group(1))
s = float(re.search(r"nginx_static_rps (\S+)", """$static""").group(1))
print("get_vs_nginx_ratio %.3f" % (g / s if s else 0))
EOF
