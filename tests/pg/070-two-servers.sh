# Two `okaeri serve` processes on one PostgreSQL database (docs/deploy.md §3): a session made on
# one is valid on the other and a logout on one ends it on both; a write through one server, or
# by the CLI, shows in the other's reports at once (the change listener); two `okaeri automate`
# passes run at the same moment run every playbook step exactly once (advisory lock plus the
# conditional step claim), on PostgreSQL and on SQLite (where only the claim protects).
# Run by tests/pg/run.
. "$OKAERI_TOP/tests/cli/lib.sh"
. "$OKAERI_TOP/tests/pg/lib.sh"

pids=()
sink_pid=
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do
        kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
    return 0
}
trap cleanup EXIT

pg=$(pg_target two)
run 0 --db "$pg" demo --customers 300 --seed 9 --as-of 2024-06-30
password="two-servers-$$-secret"
printf '%s\n' "$password" | "$OKAERI" --db "$pg" user add admin2 --role admin --password-stdin \
    >/dev/null || fail "user add"

# start_server NAME: `okaeri serve` on a free port; sets port_NAME
start_server() {
    OKAERI_AUTOMATE_INTERVAL=off "$OKAERI" --db "$pg" serve --listen 127.0.0.1:0 --threads 2 \
        >"serve-$1.out" 2>"serve-$1.err" &
    pids+=($!)
    local p=
    for _ in $(seq 1 100); do
        p=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "serve-$1.out")
        [ -n "$p" ] && break
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$p" ] || { cat "serve-$1.err"; fail "server $1 did not start"; }
    eval "port_$1=$p"
}
start_server a
start_server b
[ "$port_a" != "$port_b" ] || fail "both servers on one port"

# http PORT METHOD PATH [JSON]: response body in $body, status in $status (cookie and CSRF
# token from the login below)
cookie=
csrf=
http() {
    local a=(-s -o resp.txt -w '%{http_code}' -X "$2")
    [ -n "$cookie" ] && a+=(-H "Cookie: okaeri_session=$cookie")
    [ -n "$csrf" ] && a+=(-H "X-CSRF-Token: $csrf")
    [ $# -ge 4 ] && a+=(-H 'Content-Type: application/json' --data-binary "$4")
    status=$(curl "${a[@]}" "http://127.0.0.1:$1/api/v1$3")
    body=$(cat resp.txt)
}
json() { # json EXPR: evaluates EXPR on the parsed $body (as j) with python
    printf '%s' "$body" | python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"
}
revenue() { # revenue PORT: lifetime revenue in the summary report's customer states
    http "$1" GET /reports/summary
    [ "$status" = 200 ] || fail "summary on $1: $status $body"
    json "sum(r['revenue'] or 0 for r in j['rows'] if r['section'] == 'state')"
}

# --- sessions live in the database: log in on A, use the cookie on B
curl -s -D login.hdr -o resp.txt -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"admin2\",\"password\":\"$password\"}" \
    "http://127.0.0.1:$port_a/api/v1/session" >/dev/null
body=$(cat resp.txt)
cookie=$(sed -n 's|^[Ss]et-[Cc]ookie: okaeri_session=\([^;]*\);.*|\1|p' login.hdr)
[ -n "$cookie" ] || fail "no session cookie from server A: $(cat login.hdr) $body"
csrf=$(json "j['csrf_token']")
http "$port_b" GET /session
[ "$status" = 200 ] || fail "A's session refused by B: $status $body"
[ "$(json "j['user']['login']")" = admin2 ] || fail "session on B: $body"

# --- a write through A is in B's reports at once (and the other way round)
before_b=$(revenue "$port_b")
before_a=$(revenue "$port_a")
[ "$before_a" = "$before_b" ] || fail "servers disagree before any write: $before_a vs $before_b"
code=$(pg_psql -c "SELECT code FROM $(pg_schema two).customers ORDER BY id LIMIT 1")
http "$port_a" POST /orders "{\"order_code\":\"TWO-1\",\"customer_code\":\"$code\",\"ordered_at\":\"2024-06-01\",\"amount\":12345}"
[ "$status" = 201 ] || fail "order through A: $status $body"
after_b=$(revenue "$port_b")
[ $((after_b - before_b)) = 12345 ] || fail "B's summary did not see A's order: $before_b -> $after_b"
http "$port_b" POST /orders "{\"order_code\":\"TWO-2\",\"customer_code\":\"$code\",\"ordered_at\":\"2024-06-02\",\"amount\":1000}"
[ "$status" = 201 ] || fail "order through B: $status $body"
[ "$(revenue "$port_a")" = $((before_a + 13345)) ] || fail "A's summary did not see B's order"
# a CLI command is another process too
run 0 --db "$pg" order add --code TWO-3 --customer "$code" --at 2024-06-03 --amount 500
[ "$(revenue "$port_a")" = $((before_a + 13845)) ] || fail "A missed the CLI's order"
[ "$(revenue "$port_b")" = $((before_b + 13845)) ] || fail "B missed the CLI's order"
[ "$(revenue "$port_b")" = "$(revenue "$port_a")" ] || fail "servers disagree after the writes"

# --- logging out on B ends the session on A
http "$port_b" DELETE /session
[ "$status" = 204 ] || fail "logout on B: $status $body"
http "$port_a" GET /session
[ "$status" = 401 ] || fail "session still valid on A after logout on B: $status"
cookie=
csrf=
for p in "${pids[@]}"; do
    kill -TERM "$p"
    wait "$p" || fail "a server did not stop cleanly"
done
pids=()
grep -q 'info stopped' serve-a.err && grep -q 'info stopped' serve-b.err || fail "no clean stop"

# --- the scheduler: two passes at the same moment run each step once
mkdir -p sink
python3 "$OKAERI_TOP/tests/smtp/sink.py" sink &
sink_pid=$!
for _ in $(seq 50); do [ -f sink/port ] && break; sleep 0.1; done
[ -f sink/port ] || fail "SMTP sink did not start"
export OKAERI_SMTP_URL="smtp://127.0.0.1:$(cat sink/port)"
export OKAERI_SMTP_FROM="info@shop.example.jp"
n=100
{
    echo code,name,email,email_consent
    for i in $(seq 1 $n); do echo "K$i,顧客 $i,k$i@example.jp,yes"; done
} >customers.csv
{
    echo order_code,customer_code,ordered_at,amount
    for i in $(seq 1 $n); do echo "W$i,K$i,2024-05-01,1000"; done
} >orders.csv

# sum_field FILES... WORD: adds up "WORD N" of the automate summary lines
sum_field() {
    local w=${*: -1}
    cat "${@:1:$#-1}" | sed -n "s|.*[ ,]$w \([0-9]*\).*|\1|p" | awk '{ s += $1 } END { print s + 0 }'
}
# twice TARGET LABEL DAY: two concurrent passes; checks that the steps ran once
twice() {
    local t=$1 label=$2 day=$3 logged
    q() { /usr/bin/sqlite3 "$t" "$1"; }
    case $t in *://*) q() { pg_psql -c "SET search_path = $(pg_schema two); $1" | tail -n 1; } ;; esac
    logged=$(q "SELECT count(*) FROM email_log")
    "$OKAERI" --db "$t" automate --as-of "$day" >"p1.out" 2>"p1.err" &
    local p1=$!
    "$OKAERI" --db "$t" automate --as-of "$day" >"p2.out" 2>"p2.err" &
    local p2=$!
    wait $p1 || { cat p1.err; fail "$label $day: first pass failed"; }
    wait $p2 || { cat p2.err; fail "$label $day: second pass failed"; }
    cat p1.out p2.out
    grep -h 'skips' p1.err p2.err || true
    # every e-mail logged once (queued, or skipped for want of consent), every advance audited
    # once per step, every e-mail in the log as sent reached the sink once
    [ $(($(q "SELECT count(*) FROM email_log") - logged)) = \
        $(($(sum_field p1.out p2.out queued) + $(sum_field p1.out p2.out skipped))) ] ||
        fail "$label $day: e-mails queued by the passes != e-mail log"
    [ "$(q "SELECT count(*) FROM email_log WHERE status = 'sent'")" = "$(ls sink/*.eml | wc -l)" ] ||
        fail "$label $day: e-mails in the sink != sent in the log (one sent twice?)"
    [ "$(q "SELECT count(*) FROM audit_log WHERE entity = 'enrollment' AND action = 'advance'")" = \
        "$(q "SELECT coalesce(sum(next_step - 1), 0) FROM enrollments")" ] ||
        fail "$label $day: a step advanced twice"
    [ "$(q "SELECT count(*) FROM enrollments e JOIN playbooks p ON p.id = e.playbook_id
        JOIN customers c ON c.id = e.customer_id WHERE p.name = 'welcome' AND c.code LIKE 'K%'")" = $n ] ||
        fail "$label $day: welcome enrollments of the new customers"
}
sent_total() { ls sink/*.eml 2>/dev/null | wc -l; }
for target in "$pg" lite.db; do
    label=PostgreSQL
    if [ "$target" = lite.db ]; then
        label=SQLite
        run 0 --db lite.db demo --customers 300 --seed 9 --as-of 2024-06-30
    fi
    rm -f sink/*.eml
    run 0 --db "$target" import customers customers.csv
    run 0 --db "$target" import orders orders.csv
    base=$(sent_total)
    # day 0: enroll the n first purchases, send step 1; day 14: step 2; day 45: step 3
    twice "$target" "$label" 2024-05-01
    [ $(($(sent_total) - base)) -ge $n ] || fail "$label: step 1 not sent to all $n"
    twice "$target" "$label" 2024-05-15
    [ $(($(sent_total) - base)) -ge $((2 * n)) ] || fail "$label: step 2 not sent to all $n"
    twice "$target" "$label" 2024-06-15
    [ $(($(sent_total) - base)) -ge $((3 * n)) ] || fail "$label: step 3 not sent to all $n"
done
echo ok
