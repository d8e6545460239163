#!/usr/bin/env bash
# UI benchmark: how fast the dashboard and the customer list are usable in headless chromium
# (tests/browser/perf.test.mjs) against `okaeri serve` on an EXISTING database, plus how many
# bytes the UI's own files add to the binary. Prints `key value` lines:
#   ui_dashboard_first_ms ui_dashboard_cold_ms ui_dashboard_ms ui_customers_ms
#   ui_customers_search_ms ui_customer_ms
#       milliseconds until each page is usable (see perf.test.mjs), the median of UI_BENCH_RUNS
#       runs, each against a server started for it (first: nothing computed yet, as after a
#       start or any change of the data; the others: reports cached)
#   ui_<page>_server_cpu_ms  the server's CPU time (user + system) while that page loaded,
#       median likewise: what the page costs the server, which unlike the wall time does not
#       depend on how busy the machine is (the browser runs on the same cores)
#   ui_bench_runs          how many runs the medians are of
#   ui_assets_own_bytes    bytes of web/ embedded in the binary (read from the binary's
#       assets_web_bytes; excludes the npm libraries), issue 8's limit is 1 MiB
#   ui_assets_lib_bytes    bytes of the npm libraries embedded (Chart.js, Tabulator)
#   usage: bench/ui_bench.sh DB
#   OKAERI            the binary (default ./okaeri)
#   UI_BENCH_RUNS     runs of perf.test.mjs, each with a fresh server (default 3)
#   UI_BENCH_THREADS  the server's --threads (default: its own, the number of CPUs, at least 2)
#   UI_BENCH_AUTOMATE the server's automation interval (default off, as in api_bench.sh: a
#                     pass that changes the data in the middle of a run would make the numbers
#                     depend on when it falls)
# The server WRITES to DB (a bench user and its sessions): give it a copy, never data you keep.
# Copies nothing itself; needs node, chromium and playwright-core (npm ci), like tests/browser.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
okaeri=${OKAERI:-./okaeri}
case $okaeri in /*) ;; *) okaeri="$top/$okaeri" ;; esac
runs=${UI_BENCH_RUNS:-3}
db=${1:?usage: bench/ui_bench.sh DB}
[ -f "$db" ] || { echo "ui_bench: no database at $db" >&2; exit 1; }
[ -x "$okaeri" ] || { echo "ui_bench: no binary at $okaeri (run make)" >&2; exit 1; }
command -v node >/dev/null || { echo "ui_bench: node is missing (scripts/install-deps)" >&2; exit 1; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "ui_bench: chromium is missing at $chromium" >&2; exit 1; }
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error >&2

tmp=$(mktemp -d /tmp/okaeri-ui-bench.XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# The embedded sizes, read from the binary itself (two size_t constants in .rodata) so they are
# those of the build measured; from build/gen/assets.c when the binary has no symbols.
symbol_value() {
    local addr
    addr=$(nm --defined-only "$okaeri" 2>/dev/null | awk -v s="$1" '$3 == s {print $1}')
    [ -n "$addr" ] || return 1
    objdump -s -j .rodata --start-address=$((16#$addr)) --stop-address=$((16#$addr + 8)) "$okaeri" |
        awk '/^ [0-9a-f]+ / {print $2 $3; exit}' |
        python3 -c 'import sys; print(int.from_bytes(bytes.fromhex(sys.stdin.read().strip()), "little"))'
}
for pair in own:assets_web_bytes lib:assets_lib_bytes; do
    v=$(symbol_value "${pair#*:}" || true)
    [ -n "$v" ] || v=$(sed -n "s/^const size_t ${pair#*:} = \([0-9]*\);/\1/p" build/gen/assets.c 2>/dev/null)
    echo "ui_assets_${pair%%:*}_bytes ${v:-unknown}"
done

user="uibench$$"
password="ui-bench-$$-$(date +%s)-pw"
printf '%s\n' "$password" | "$okaeri" --db "$db" user add "$user" --role admin --password-stdin \
    >/dev/null
export OKAERI_LOGIN="$user" OKAERI_PASSWORD="$password"
export CHROMIUM="$chromium" OKAERI_UI_LIMIT_MS=${OKAERI_UI_LIMIT_MS:-60000}
OKAERI_SERVER_HZ=$(getconf CLK_TCK)
export OKAERI_SERVER_HZ

# One server per run, so that every run's first dashboard meets a server that has computed
# nothing (the cost after a start or any change of the data), not the previous run's cache.
start_server() {
    : >"$tmp/serve.out" # exists before the loop below reads it, whenever the child opens it
    OKAERI_AUTOMATE_INTERVAL=${UI_BENCH_AUTOMATE:-off} OKAERI_LOG=warn \
        "$okaeri" --db "$db" serve --listen 127.0.0.1:0 ${UI_BENCH_THREADS:+--threads "$UI_BENCH_THREADS"} >"$tmp/serve.out" 2>"$tmp/serve.err" &
    pid=$!
    port=
    for _ in $(seq 1200); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/serve.out")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "ui_bench: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
    export OKAERI_URL="http://127.0.0.1:$port" OKAERI_SERVER_PID="$pid"
}
stop_server() {
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
}

for i in $(seq "$runs"); do
    start_server
    export OKAERI_PROFILE="$tmp/profile$i"
    node tests/browser/perf.test.mjs >"$tmp/run$i.out" 2>&1 || {
        echo "ui_bench: run $i failed:" >&2
        cat "$tmp/run$i.out" >&2
        kill -0 "$pid" 2>/dev/null || echo "ui_bench: the server exited:" >&2
        tail -n 20 "$tmp/serve.err" >&2
        exit 1
    }
    stop_server
    grep -E '^ui_[a-z_]+_ms [0-9]+$' "$tmp/run$i.out" >>"$tmp/all"
    echo "ui_bench: run $i (load $(cut -d' ' -f1 /proc/loadavg)):" $(grep -E '^ui_' "$tmp/run$i.out") >&2
done
echo "ui_bench_runs $runs"
awk '{v[$1] = v[$1] " " $2; if (!($1 in seen)) {seen[$1] = 1; order[++n] = $1}}
    END {
        for (i = 1; i <= n; i++) {
            k = split(substr(v[order[i]], 2), a, " ")
            for (x = 1; x <= k; x++) for (y = x + 1; y <= k; y++) if (a[y] + 0 < a[x] + 0) {t = a[x]; a[x] = a[y]; a[y] = t}
            print order[i], a[int((k + 1) / 2)]
        }
    }' "$tmp/all"
