# API benchmark helpers shared by bench/api_bench.sh (SQLite, one server) and
# bench/api_pg_bench.sh (PostgreSQL, two servers). Sourced, not run. The caller sets:
#   okaeri  the binary (absolute path)
#   secs    seconds per wrk run
#   tmp     a private scratch directory (removed by api_cleanup)
# and calls `trap api_cleanup EXIT` once it has made $tmp.

api_pids=()
api_nginx_pid=

# Stops every server and nginx started through this file, then removes $tmp.
api_cleanup() {
    local pid
    # `|| true`: under set -e a failing wait (a process that died on its own) would end the
    # cleanup before the rest is stopped and $tmp removed
    for pid in "${api_pids[@]}" $api_nginx_pid; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}

# api_need TOOL...: exits with a message when a tool is missing.
api_need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
            echo "api_bench: $tool is missing (scripts/install-deps installs it)" >&2
            exit 1
        }
    done
}

api_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

api_urlencode() {
    python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"
}

# api_serve NAME DB [ARGS...]: starts `okaeri serve` on a free loopback port with automation off
# (the server's own timer would otherwise compete with the load); sets api_port, adds the pid to
# api_pids. Output goes to $tmp/NAME.out and $tmp/NAME.err.
api_serve() {
    local name=$1 db=$2 pid
    shift 2
    # made here, not by the redirection below: that one runs in the child, which may not have
    # run yet when the loop first reads the file
    : >"$tmp/$name.out"
    OKAERI_AUTOMATE_INTERVAL=off "$okaeri" --db "$db" serve --listen 127.0.0.1:0 "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    api_pids+=("$pid")
    api_port=
    for _ in $(seq 600); do
        api_port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/$name.out")
        [ -n "$api_port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$api_port" ] || {
        echo "api_bench: the server did not start" >&2
        cat "$tmp/$name.err" >&2
        exit 1
    }
}

# api_user_add DB: adds a manager for the bench; sets api_user and api_password.
api_user_add() {
    api_user="bench$$"
    api_password="bench-$$-$(date +%s)-pw"
    printf '%s\n' "$api_password" | "$okaeri" --db "$1" user add "$api_user" --role manager \
        --password-stdin >/dev/null
}

# api_token BASE: logs in as api_user and prints a new API token.
api_token() {
    python3 - "$1" "$api_user" "$api_password" <<'EOF'
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
}

# api_scripts CODES_FILE TOKEN: writes the wrk scripts $tmp/get.lua (GET a random customer from
# CODES_FILE), $tmp/search.lua (a search with a random term) and $tmp/fixed.lua (the token only).
api_scripts() {
    local codes=$1 token=$2
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
    api_lua_list "$codes" "/api/v1/customers/" "" "$token" >"$tmp/get.lua"
    api_lua_list "$tmp/terms.txt" "/api/v1/customers?search=" "&limit=50" "$token" \
        >"$tmp/search.lua"
    printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$tmp/fixed.lua"
}

# api_lua_list FILE PREFIX SUFFIX TOKEN: a wrk script requesting PREFIX..line..SUFFIX with a line
# of FILE chosen at random, the token on every request.
api_lua_list() {
    cat <<EOF
local items = {}
for line in io.lines("$1") do items[#items + 1] = line end
local n = 0
setup = function(thread) n = n + 1; thread:set("seed", n) end
init = function(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
request = function()
    local path = "$2" .. items[math.random(#items)] .. "$3"
    return wrk.format("GET", path, {["Authorization"] = "Bearer $4"})
end
EOF
}

# api_wrk_summary NAME FILE...: prints NAME_rps, NAME_p50_ms, NAME_p99_ms, NAME_non2xx from one
# or more wrk outputs of runs made at the same time: rates and errors add up, p50 is the mean
# and p99 the worst of the runs.
api_wrk_summary() {
    python3 - "$@" <<'EOF'
import re, sys
name, files = sys.argv[1], sys.argv[2:]
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps, p50, p99, errors = [], [], [], 0
for f in files:
    text = open(f).read()
    rps.append(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50.append(ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)))
    p99.append(ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)))
    e = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors += int(e.group(1)) if e else 0
print("%s_rps %s" % (name, rps[0] if len(rps) == 1 else "%.2f" % sum(map(float, rps))))
print("%s_p50_ms %.2f" % (name, sum(p50) / len(p50)))
print("%s_p99_ms %.2f" % (name, max(p99)))
print("%s_non2xx %s" % (name, errors))
EOF
}

# api_wrk_run NAME CONNECTIONS SCRIPT URL: one wrk run; prints as api_wrk_summary.
api_wrk_run() {
    local name=$1 conns=$2 script=$3 url=$4 threads=2
    [ "$conns" -lt 2 ] && threads=1
    wrk -t"$threads" -c"$conns" -d"${secs}s" --latency ${script:+-s "$script"} "$url" \
        >"$tmp/$name.wrk"
    api_wrk_summary "$name" "$tmp/$name.wrk"
}

# api_wrk_split NAME CONNECTIONS SCRIPT URL...: the connections shared among the URLs, one wrk
# (one thread) per URL, all at the same time; prints the combined figures as api_wrk_summary.
api_wrk_split() {
    local name=$1 conns=$2 script=$3 i=0 url pids=() files=()
    shift 3
    for url in "$@"; do
        wrk -t1 -c$((conns / $#)) -d"${secs}s" --latency ${script:+-s "$script"} "$url" \
            >"$tmp/$name.$i.wrk" &
        pids+=($!)
        files+=("$tmp/$name.$i.wrk")
        i=$((i + 1))
    done
    wait "${pids[@]}"
    api_wrk_summary "$name" "${files[@]}"
}

# api_nginx NAME HTTP_BLOCK: starts nginx with HTTP_BLOCK (server and upstream directives) inside
# its http block, on a prefix of its own under $tmp; waits until URL_PATH answers. The caller
# picks the ports. Sets api_nginx_pid.
api_nginx() {
    local name=$1 block=$2 check=$3 bin
    bin=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$tmp/$name"
    cat >"$tmp/$name/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/$name/nginx.pid;
error_log $tmp/$name/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/$name/body;
    proxy_temp_path $tmp/$name/proxy;
    fastcgi_temp_path $tmp/$name/fastcgi;
    uwsgi_temp_path $tmp/$name/uwsgi;
    scgi_temp_path $tmp/$name/scgi;
    default_type application/json;
$block
}
EOF
    "$bin" -p "$tmp/$name" -c "$tmp/$name/nginx.conf" &
    api_nginx_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null "$check" && break; sleep 0.1; done
}

# api_nginx_stop: stops the nginx started by api_nginx.
api_nginx_stop() {
    if [ -n "$api_nginx_pid" ]; then
        kill -TERM "$api_nginx_pid" 2>/dev/null && wait "$api_nginx_pid" 2>/dev/null || true
    fi
    api_nginx_pid=
}

# api_static_ceiling FILE PREFIX: nginx serving FILE at 64 connections, the ceiling any server
# on this machine can reach; prints PREFIXnginx_static_* as api_wrk_summary.
api_static_ceiling() {
    local file=$1 prefix=$2 port
    mkdir -p "$tmp/www"
    cp "$file" "$tmp/www/customer.json"
    # nginx's workers run as nobody when started as root: they must be able to read the file
    chmod 755 "$tmp" "$tmp/www"
    chmod 644 "$tmp/www/customer.json"
    port=$(api_free_port)
    api_nginx nginx "    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
    }" "http://127.0.0.1:$port/customer.json"
    api_wrk_run "${prefix}nginx_static" 64 "" "http://127.0.0.1:$port/customer.json"
    api_nginx_stop
}

# api_value KEY TEXT: the value of a `key value` line of TEXT.
api_value() {
    awk -v k="$1" '$1 == k { print $2 }' <<<"$2"
}

# api_ratio A B: A / B to three places, 0 when B is empty or zero.
api_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b + 0 > 0 ? a / b : 0) }'
}
