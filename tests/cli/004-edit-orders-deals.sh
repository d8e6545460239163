set -e
# editing order lines and deals: version checks, what may change, the audit log; deleting a
# line; reopening a lost deal (a reactivation in the KPIs, its automation ends).
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db t.db init
run 0 --db t.db customer add --code C001 --name "山田 太郎"
run 0 --db t.db customer add --code C002 --name "佐藤 花子"
run 0 --db t.db order add --code R-1 --customer C001 --at 2024-01-05 --unit-price 500 --quantity 2
run 0 --db t.db order add --code R-1 --customer C001 --at 2024-01-05 --amount 300
id=$(count t.db "SELECT id FROM orders WHERE order_code = 'R-1' AND line_no = 1")

# quantity 3 at 500: the amount follows
run 0 --db t.db order edit "$id" --quantity 3 --channel online
has "updated order R-1 line 1 (version 2)"
[ "$(count t.db "SELECT amount || ',' || quantity || ',' || channel || ',' || version FROM orders WHERE id = $id")" = "1500,3,online,2" ] ||
    fail "edit not stored"
run 0 --db t.db order list --customer C001 --format csv
has "version"
has ",online,,2"
# a stale version is refused and changes nothing
run 1 --db t.db order edit "$id" --amount 9 --version 1
has_err "version 2, not 1"
# an explicit amount, a new date in another form
run 0 --db t.db order edit "$id" --amount "¥1,200" --at "令和6年2月1日" --version 2
[ "$(count t.db "SELECT amount || ',' || ordered_at FROM orders WHERE id = $id")" = "1200,2024-02-01 00:00:00" ] ||
    fail "amount/date edit"
run 1 --db t.db order edit "$id" --at 2024-13-01
has_err "field ordered_at"
run 1 --db t.db order edit "$id" --product NOPE
has_err "no product with SKU 'NOPE'"
run 2 --db t.db order edit "$id" --customer C002
run 2 --db t.db order edit "$id"
has_err "nothing to change"
run 1 --db t.db order edit 99999 --amount 1
has_err "no order line 99999"
[ "$(count t.db "SELECT customer_id || ',' || amount || ',' || version FROM orders WHERE id = $id")" = "1,1200,3" ] ||
    fail "a refused edit changed the line"
[ "$(count t.db "SELECT count(*) FROM audit_log WHERE entity = 'order' AND action = 'update' AND entity_id = $id")" = 2 ] ||
    fail "order edits not audited"

# deleting a line
id2=$(count t.db "SELECT id FROM orders WHERE order_code = 'R-1' AND line_no = 2")
run 1 --db t.db order delete "$id2" --version 5
has_err "not 5"
run 0 --db t.db order delete "$id2" --version 1
has "deleted order R-1 line 2"
[ "$(count t.db "SELECT count(*) || ',' || sum(amount) FROM orders")" = "1,1200" ] || fail "delete"
[ "$(count t.db "SELECT count(*) FROM audit_log WHERE entity = 'order' AND action = 'delete' AND before LIKE '%\"amount\":300%'")" = 1 ] ||
    fail "delete not audited"
run 1 --db t.db order delete "$id2"
has_err "no order line"

# deals: edit
run 0 --db t.db deal add --customer C001 --title "年間契約" --amount 120,000 --opened 2024-03-01
run 0 --db t.db deal edit 1 --title "年間契約 (2年)" --amount 200,000 --kind renewal
has "updated deal 1 (version 2)"
[ "$(count t.db "SELECT title || ',' || amount || ',' || kind || ',' || stage || ',' || version FROM deals WHERE id = 1")" = "年間契約 (2年),200000,renewal,open,2" ] ||
    fail "deal edit not stored"
run 1 --db t.db deal edit 1 --title x --version 1
has_err "version 2, not 1"
run 1 --db t.db deal edit 1 --kind gift
has_err "field kind"
run 2 --db t.db deal edit 1 --stage won
run 0 --db t.db deal edit 1 --opened 2024-03-25 --version 2
[ "$(count t.db "SELECT title || ',' || version FROM deals WHERE id = 1")" = "年間契約 (2年),3" ] ||
    fail "deal opened edit (open deals have no closing day to respect)"

# reopening: only lost deals, not before the loss, once
run 1 --db t.db deal reopen 1
has_err "only a lost deal can be reopened"
run 0 --db t.db deal lose 1 --reason price --note "他社が2割安い" --on 2024-03-30
# the loss starts the lost-price playbook
run 0 --db t.db automate --as-of 2024-03-30 --no-send
[ "$(count t.db "SELECT count(*) FROM enrollments WHERE deal_id = 1 AND status = 'active'")" = 1 ] ||
    fail "the loss did not start its playbook"
run 0 --db t.db report kpis --from 2024-03-01 --to 2024-12-31 --format csv
has "reactivated,count,0,"
run 1 --db t.db deal reopen 1 --on 2024-03-29
has_err "before it was lost"
run 0 --db t.db deal reopen 1 --on 2024-05-01
has "reopened deal 1 as deal 2"
[ "$(count t.db "SELECT stage || ',' || opened_at || ',' || amount || ',' || reopened_from FROM deals WHERE id = 2")" = "open,2024-05-01,200000,1" ] ||
    fail "reopened deal"
[ "$(count t.db "SELECT stage || ',' || closed_at FROM deals WHERE id = 1")" = "lost,2024-03-30" ] ||
    fail "the loss must stay"
[ "$(count t.db "SELECT status || ',' || exit_reason FROM enrollments WHERE deal_id = 1")" = "exited,deal_reopened" ] ||
    fail "the loss's automation did not end"
run 1 --db t.db deal reopen 1
has_err "already reopened as deal 2"
run 0 --db t.db deal list --format csv
has "reopened_as"
run 0 --db t.db report kpis --from 2024-03-01 --to 2024-12-31 --format csv
has "lost_deals,count,1,"
has "reactivated,count,1,"
# a later pass leaves the ended enrollment ended
run 0 --db t.db automate --as-of 2024-05-02 --no-send
[ "$(count t.db "SELECT count(*) FROM enrollments WHERE deal_id = 1 AND status = 'active'")" = 0 ] ||
    fail "the ended enrollment came back"
echo ok
