# orders and deals: amounts in yen, returns, unknown customers, lost reasons.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db t.db init
run 0 --db t.db customer add --code C001 --name "山田 太郎"
run 0 --db t.db order add --code R-1 --customer C001 --at 2024/1/5 --amount "¥1,980"
has "line 1"
run 0 --db t.db order add --code R-1 --customer C001 --at "令和6年1月5日" --unit-price 500 --quantity 3
has "line 2"
run 0 --db t.db order add --code R-2 --customer C001 --at 2024-02-01 --amount -500 --quantity -1 \
    --original R-1
run 0 --db t.db order list --customer C001 --format csv
has "R-1,1,C001,2024-01-05 00:00:00"
has "1500"
has "-500"
[ "$(count t.db "SELECT sum(amount) FROM orders")" = 2980 ] || fail "amount sum"

run 1 --db t.db order add --code R-3 --customer NOPE --at 2024-01-05 --amount 100
has_err "no customer with code 'NOPE'"
run 1 --db t.db order add --code R-3 --customer C001 --at 2024-13-05 --amount 100
has_err "field ordered_at"
run 1 --db t.db order add --code R-3 --customer C001 --at 2024-01-05 --amount 12abc
has_err "field amount"
run 1 --db t.db order add --code R-3 --customer C001 --at 2024-01-05
has_err "amount or a unit price"
run 1 --db t.db order add --code R-1 --line 1 --customer C001 --at 2024-01-05 --amount 1
has_err "already has a line 1"
[ "$(count t.db "SELECT count(*) FROM orders")" = 3 ] || fail "bad orders inserted"

run 0 --db t.db deal add --customer C001 --title "年間契約" --amount 120,000 --opened 2024-03-01
has "opened deal 1"
run 2 --db t.db deal lose 1
has_err "--reason"
run 1 --db t.db deal lose 1 --reason 気分
has_err "unknown value"
has_err "price"
run 0 --db t.db deal lose 1 --reason 価格 --note "他社が2割安い" --on 2024-03-20
run 1 --db t.db deal win 1
has_err "already lost"
run 0 --db t.db deal list --stage lost --format json
has '"lost_reason":"price"'
has '"lost_note":"他社が2割安い"'
has '"closed_at":"2024-03-20"'
run 0 --db t.db deal add --customer C001 --kind upsell --amount 5000 --opened 2024-04-01 --trigger campaign
run 0 --db t.db deal win 2 --on 2024-04-10
run 0 --db t.db deal list --stage won --format csv
has "upsell,won"
run 1 --db t.db deal add --customer C001 --kind bogus
has_err "field kind"
