# The playbook triggers that 040/041 do not exercise: became_sleeping, became_dead,
# contract_ending N, need_met and entered_segment. Each gets a one-step phone playbook (a task,
# no SMTP) in its own database with the default playbooks switched off, and `okaeri automate
# --as-of` runs day by day: the enrolment and its task appear on exactly the designed day, never
# before, and running a day again creates nothing twice.
. "$OKAERI_TOP/tests/cli/lib.sh"

# fresh DB: a database with every default playbook off.
fresh() {
    run 0 --db "$1" init
    for pb in lost-competitor lost-other lost-price lost-timing sleeping welcome; do
        run 0 --db "$1" playbook off "$pb"
    done
}
tasks() { count "$1" "SELECT count(*) FROM tasks"; }
enrolled() { count "$1" "SELECT count(*) FROM enrollments"; }

# days DB FROM TO WANT...: runs automate on each day FROM..TO; on a day listed in WANT as
# DAY=N exactly N new tasks must appear, on every other day none.
days() {
    local db=$1 from=$2 to=$3
    shift 3
    local day prev now want w
    prev=$(tasks "$db")
    day=$from
    while [ "$(date -d "$day" +%s)" -le "$(date -d "$to" +%s)" ]; do
        run 0 --db "$db" automate --as-of "$day" --no-send
        now=$(tasks "$db")
        want=0
        for w in "$@"; do
            [ "${w%%=*}" = "$day" ] && want=${w#*=}
        done
        [ $((now - prev)) = "$want" ] || fail "$db $day: $((now - prev)) tasks, expected $want"
        prev=$now
        day=$(date -d "$day + 1 day" +%F)
    done
}

# ---- became_sleeping / became_dead (fixed rule: active r <= 90, sleeping r <= 365) ----
# Last purchase 2024-01-01: r = 91 on 2024-04-01 (sleeping), r = 366 on 2025-01-01 (dead).
# C2 bought 2024-01-20: sleeping on 2024-04-20, outside the first range.
db=s.db
fresh $db
run 0 --db $db customer add --code C1 --name "山田 太郎"
run 0 --db $db customer add --code C2 --name "鈴木 一郎"
run 0 --db $db customer add --code C3 --name "見込 客"
run 0 --db $db order add --code R-1 --customer C1 --at 2024-01-01 --amount 5000
run 0 --db $db order add --code R-2 --customer C2 --at 2024-01-20 --amount 3000
run 0 --db $db playbook add nap --trigger became_sleeping --exit bought_again \
    --step '0|phone|{{name}}様 休眠|最終購入 {{last_purchase}}'
run 0 --db $db playbook add gone --trigger became_dead --exit none \
    --step '0|visit|{{name}}様 離反|{{days_since}}日'
days $db 2024-03-25 2024-04-05 2024-04-01=1
[ "$(count $db "SELECT c.code || '/' || p.name || '/' || e.trigger_key || '/' || e.triggered_on FROM enrollments e JOIN customers c ON c.id = e.customer_id JOIN playbooks p ON p.id = e.playbook_id")" = "C1/nap/sleeping:2024-01-01/2024-04-01" ] || fail "sleeping enrolment: $(count $db "SELECT * FROM enrollments")"
[ "$(count $db "SELECT due_on || '/' || channel || '/' || title FROM tasks")" = "2024-04-01/phone/山田 太郎様 休眠" ] || fail "sleeping task: $(count $db "SELECT * FROM tasks")"
# the same day again, and the day before: nothing new
run 0 --db $db automate --as-of 2024-04-01 --no-send
run 0 --db $db automate --as-of 2024-03-31 --no-send
[ "$(tasks $db)" = 1 ] || fail "sleeping repeated"
[ "$(enrolled $db)" = 1 ] || fail "sleeping enrolled twice"
# C2 crosses on 2024-04-20
days $db 2024-04-18 2024-04-22 2024-04-20=1
# dead: C1 on 2025-01-01, C2 on 2025-01-20
days $db 2024-12-29 2025-01-03 2025-01-01=1
days $db 2025-01-18 2025-01-21 2025-01-20=1
run 0 --db $db automate --as-of 2025-01-20 --no-send
[ "$(count $db "SELECT group_concat(c.code || '/' || p.name || '/' || e.trigger_key || '/' || e.triggered_on, ' ') FROM (SELECT * FROM enrollments ORDER BY id) e JOIN customers c ON c.id = e.customer_id JOIN playbooks p ON p.id = e.playbook_id")" = "C1/nap/sleeping:2024-01-01/2024-04-01 C2/nap/sleeping:2024-01-20/2024-04-20 C1/gone/dead:2024-01-01/2025-01-01 C2/gone/dead:2024-01-20/2025-01-20" ] || fail "state enrolments: $(count $db "SELECT * FROM enrollments")"
[ "$(count $db "SELECT count(*) FROM tasks WHERE channel = 'visit' AND title LIKE '%離反'")" = 2 ] || fail "dead tasks"
# a prospect (C3) never enrols
[ "$(count $db "SELECT count(*) FROM enrollments e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C3'")" = 0 ] || fail "prospect enrolled"

# ---- contract_ending 30 ----
# K1 ends 2024-06-30 → enrol on 2024-05-31 (end - 30); K2 ends 2024-07-10 but was renewed by
# K3 (ends 2025-07-10): no enrolment for K2 on 2024-06-10, one for K3 on 2025-06-10.
db=c.db
fresh $db
run 0 --db $db customer add --code C1 --name "山田 太郎"
run 0 --db $db customer add --code C2 --name "鈴木 一郎"
cat >contracts.csv <<'EOF'
契約番号,顧客ID,開始日,終了日,金額,更新元
K1,C1,2023-07-01,2024-06-30,120000,
K2,C2,2023-07-11,2024-07-10,60000,
K3,C2,2024-07-11,2025-07-10,60000,K2
EOF
run 0 --db $db import contracts contracts.csv
[ "$(count $db "SELECT count(*) FROM contracts")" = 3 ] || fail "contracts imported"
run 0 --db $db playbook add renew --trigger contract_ending --arg 30 --exit none \
    --step '0|phone|{{name}}様 契約更新のご案内|満了30日前'
days $db 2024-05-25 2024-06-15 2024-05-31=1
[ "$(count $db "SELECT c.code || '/' || e.trigger_key || '/' || e.triggered_on FROM enrollments e JOIN customers c ON c.id = e.customer_id")" = "C1/contract:$(count $db "SELECT id FROM contracts WHERE code = 'K1'")/2024-05-31" ] || fail "contract enrolment: $(count $db "SELECT * FROM enrollments")"
[ "$(count $db "SELECT due_on FROM tasks")" = 2024-05-31 ] || fail "contract task day"
run 0 --db $db automate --as-of 2024-05-31 --no-send
# K2's end - 30 = 2024-06-10 passed above without an enrolment (renewed); K3: 2025-06-10.
days $db 2025-06-08 2025-06-12 2025-06-10=1
[ "$(count $db "SELECT group_concat(c.code || '/' || e.trigger_key, ' ') FROM (SELECT * FROM enrollments ORDER BY id) e JOIN customers c ON c.id = e.customer_id")" = "C1/contract:1 C2/contract:3" ] || fail "contract enrolments: $(count $db "SELECT * FROM enrollments")"
[ "$(tasks $db)" = 2 ] || fail "contract tasks"

# ---- need_met ----
# Products get created_at = now (UTC), so the window is yesterday..today in UTC. C1 asked for
# a 加湿器, C2 for a 炊飯器 (never matched), C3's 加湿器 mention is a complaint (kind must be need).
db=n.db
today=$(date -u +%F)
yesterday=$(date -u -d "$today - 1 day" +%F)
fresh $db
run 0 --db $db customer add --code C1 --name "山田 太郎"
run 0 --db $db customer add --code C2 --name "鈴木 一郎"
run 0 --db $db customer add --code C3 --name "田中 花子"
cat >feedback.csv <<'EOF'
回答ID,顧客ID,種別,内容,回答日
F1,C1,need,静音の加湿器があれば買いたい,2024-01-05
F2,C2,need,大きい炊飯器が欲しい,2024-01-06
F3,C3,complaint,加湿器の音がうるさい,2024-01-07
EOF
run 0 --db $db import feedback feedback.csv
[ "$(count $db "SELECT count(*) FROM feedback WHERE kind = 'need'")" = 2 ] || fail "feedback imported"
run 0 --db $db playbook add need --trigger need_met --exit none \
    --step '0|phone|{{name}}様 ご要望の商品入荷|'
run 0 --db $db automate --as-of "$yesterday" --no-send
[ "$(tasks $db)" = 0 ] || fail "need_met before the product"
cat >products.csv <<'EOF'
商品コード,商品名,価格,タグ
P-1,静音スチーム式,12800,"加湿器, 家電"
P-2,電気ケトル,3980,家電
EOF
run 0 --db $db import products products.csv
run 0 --db $db automate --as-of "$today" --no-send
[ "$(count $db "SELECT c.code || '/' || e.trigger_key || '/' || e.triggered_on FROM enrollments e JOIN customers c ON c.id = e.customer_id")" = "C1/need:$(count $db "SELECT id FROM feedback WHERE code = 'F1'"):加湿器/$today" ] || fail "need enrolment: $(count $db "SELECT * FROM enrollments")"
[ "$(count $db "SELECT due_on || '/' || title FROM tasks")" = "$today/山田 太郎様 ご要望の商品入荷" ] || fail "need task: $(count $db "SELECT * FROM tasks")"
run 0 --db $db automate --as-of "$today" --no-send
[ "$(tasks $db)" = 1 ] || fail "need_met repeated"
# the next day: the product is no longer new
run 0 --db $db automate --as-of "$(date -u -d "$today + 1 day" +%F)" --no-send
[ "$(tasks $db)" = 1 ] || fail "need_met the next day"

# need_met with a keyword: only products tagged with that keyword count.
db=n2.db
fresh $db
run 0 --db $db customer add --code C1 --name "山田 太郎"
run 0 --db $db customer add --code C2 --name "鈴木 一郎"
run 0 --db $db customer add --code C3 --name "田中 花子"
run 0 --db $db import feedback feedback.csv
run 0 --db $db playbook add rice --trigger need_met --arg 炊飯器 --exit none \
    --step '0|phone|{{name}}様 炊飯器入荷|'
run 0 --db $db automate --as-of "$yesterday" --no-send
run 0 --db $db import products products.csv
run 0 --db $db automate --as-of "$today" --no-send
[ "$(tasks $db)" = 0 ] || fail "need_met keyword matched a 加湿器"
printf '商品コード,商品名,タグ\nP-3,IH炊飯器 5合,炊飯器\n' >products2.csv
run 0 --db $db import products products2.csv
# a pass on the same day again: the window is (since, as_of] with since the latest finished
# run *before* today, so a product added after today's first pass is still seen, once.
run 0 --db $db automate --as-of "$today" --no-send
[ "$(count $db "SELECT c.code || '/' || e.trigger_key FROM enrollments e JOIN customers c ON c.id = e.customer_id")" = "C2/need:$(count $db "SELECT id FROM feedback WHERE code = 'F2'"):炊飯器" ] || fail "need keyword enrolment: $(count $db "SELECT * FROM enrollments")"
[ "$(tasks $db)" = 1 ] || fail "need keyword task"
run 0 --db $db automate --as-of "$today" --no-send
[ "$(tasks $db)" = 1 ] || fail "need keyword repeated"

# ---- entered_segment ----
# Segment: recency_days > 30. C1 bought 2024-03-01: r = 31 on 2024-04-01.
db=g.db
fresh $db
run 0 --db $db customer add --code C1 --name "山田 太郎"
run 0 --db $db customer add --code C2 --name "鈴木 一郎"
run 0 --db $db order add --code R-1 --customer C1 --at 2024-03-01 --amount 5000
run 0 --db $db order add --code R-2 --customer C2 --at 2024-03-05 --amount 5000
run 0 --db $db segment add quiet 'recency_days > 30'
run 0 --db $db playbook add quiet-call --trigger entered_segment --arg quiet --exit left_segment \
    --step '0|phone|{{name}}様 ご無沙汰|' --step '20|visit|{{name}}様 ご訪問|'
days $db 2024-03-28 2024-04-07 2024-04-01=1 2024-04-05=1
[ "$(count $db "SELECT group_concat(c.code || '/' || e.trigger_key || '/' || e.triggered_on, ' ') FROM (SELECT * FROM enrollments ORDER BY id) e JOIN customers c ON c.id = e.customer_id")" = "C1/segment:2024-04-01/2024-04-01 C2/segment:2024-04-05/2024-04-05" ] || fail "segment enrolments: $(count $db "SELECT * FROM enrollments")"
run 0 --db $db automate --as-of 2024-04-05 --no-send
[ "$(tasks $db)" = 2 ] || fail "segment repeated"
# C1 buys again on 2024-04-10: leaves the segment (exit left_segment) before its day-20 visit
# (2024-04-21), re-enters on 2024-05-11. C2 stays and gets its visit on 2024-04-25.
run 0 --db $db order add --code R-3 --customer C1 --at 2024-04-10 --amount 5000
days $db 2024-04-08 2024-05-13 2024-04-25=1 2024-05-11=1
[ "$(count $db "SELECT group_concat(c.code || '/' || t.channel || '/' || t.due_on, ' ') FROM (SELECT * FROM tasks ORDER BY id) t JOIN customers c ON c.id = t.customer_id")" = "C1/phone/2024-04-01 C2/phone/2024-04-05 C2/visit/2024-04-25 C1/phone/2024-05-11" ] || fail "segment tasks: $(count $db "SELECT * FROM tasks")"
[ "$(count $db "SELECT status || ':' || coalesce(exit_reason, '') FROM enrollments WHERE trigger_key = 'segment:2024-04-01'")" = "exited:left_segment" ] || fail "left_segment exit: $(count $db "SELECT * FROM enrollments")"
[ "$(count $db "SELECT count(*) FROM enrollments WHERE trigger_key = 'segment:2024-05-11'")" = 1 ] || fail "re-entry"

echo "042 ok"
