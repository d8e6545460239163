# import orders: register export with customer columns, unit prices only, returns, order
# grouping, idempotency, xlsx round trip, other kinds.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db t.db init
run 0 --db t.db customer add --code C001 --name "山田 太郎"

# A POS export: receipt number, member number and the member's name and phone, unit prices only
# (amount = quantity × unit price), full-width digits, ¥ and commas, a return line (negative
# quantity), dates in three forms.
printf 'レシート番号,会員番号,お名前,電話番号,購入日,商品コード,数量,単価,店舗\nR001,C001,山田 太郎,090-1234-5678,2024/1/5 10:30,BEAN-1,２,"¥1,200",渋谷店\nR001,C001,山田 太郎,090-1234-5678,2024/1/5 10:30,CUP-1,1,800,渋谷店\nR002,C002,佐藤 花子,03-1111-2222,令和6年2月1日,BEAN-1,1,1200,新宿店\nR003,C002,佐藤 花子,03-1111-2222,2024-02-10,BEAN-1,-1,1200,新宿店\n,,,,,,,,\nR004,,,,2024-02-11,BEAN-1,1,1200,新宿店\n' >pos.csv
run 0 --db t.db import orders pos.csv
has "new              4"
has "orders           4"
has "returns          1"
has "without customer 1"
has "customers new    1, updated 1"
[ "$(count t.db "SELECT phone FROM customers WHERE code='C001'")" = 09012345678 ] || fail "customer columns not applied"
[ "$(count t.db "SELECT name FROM customers WHERE code='C002'")" = "佐藤 花子" ] || fail "customer not created"
[ "$(count t.db "SELECT line_no || ':' || amount FROM orders WHERE order_code='R001' ORDER BY line_no" | tr '\n' ' ')" = "1:2400 2:800 " ] || fail "lines of R001"
[ "$(count t.db "SELECT ordered_at FROM orders WHERE order_code='R002'")" = "2024-02-01 00:00:00" ] || fail "令和 date"
[ "$(count t.db "SELECT quantity || ' ' || amount || ' ' || original_code FROM orders WHERE order_code='R003'")" = "-1 -1200 R002" ] || fail "return not linked"

# idempotent; a corrected file updates by order code and line
run 0 --db t.db import orders pos.csv
has "new              0"
has "unchanged        4"
sed 's/^R001,C001,山田 太郎,090-1234-5678,2024\/1\/5 10:30,CUP-1,1,800/R001,C001,山田 太郎,090-1234-5678,2024\/1\/5 10:30,CUP-1,1,900/' pos.csv >fixed.csv
run 0 --db t.db import orders fixed.csv
has "updated          1"
[ "$(count t.db "SELECT amount FROM orders WHERE order_code='R001' AND line_no=2")" = 900 ] || fail "correction"

# cancellations marked by the order code (UCI: a leading C)
printf 'InvoiceNo,CustomerID,InvoiceDate,StockCode,Quantity,UnitPrice\n9001,C001,2024-03-01 09:00,BEAN-1,3,1200\nC9002,C001,2024-03-05 09:00,BEAN-1,3,1200\n' >cancel.csv
run 0 --db t.db import orders cancel.csv --cancel-prefix C
has "returns          1"
[ "$(count t.db "SELECT quantity || ' ' || amount || ' ' || original_code FROM orders WHERE order_code='C9002'")" = "-3 -3600 9001" ] || fail "cancellation"

# a bad line rejects its whole order with --on-error skip, and nothing at all by default
lines=$(count t.db "SELECT count(*) FROM orders")
printf 'order_code,customer_code,ordered_at,amount\nR100,C001,2024-04-01,500\nR100,C001,2024-04-01,abc\nR101,C001,2024-04-02,700\nR102,NOPE,2024-04-02,700\n' >bad.csv
run 1 --db t.db import orders bad.csv
has_err 'line 3, column 4 ("amount" → amount)'
has_err "line 5, column 2"
has_err "no customer with code 'NOPE'"
[ "$(count t.db "SELECT count(*) FROM orders")" = "$lines" ] || fail "bad orders wrote"
run 0 --db t.db import orders bad.csv --on-error skip --rejects rej.csv
has "new              1"
has "rejected         3"
[ "$(grep -c '^R100' rej.csv)" = 2 ] || fail "the order's good line must go with its bad line"
grep -q '^R102' rej.csv || fail "reject"
[ "$(count t.db "SELECT count(*) FROM orders WHERE order_code='R101'")" = 1 ] || fail "good order"
run 1 --db t.db import orders missing.csv
has_err "cannot open"
printf 'order_code,ordered_at\nR1,2024-01-01\n' >nocols.csv
run 1 --db t.db import orders nocols.csv
has_err "missing required column(s) for orders"

# xlsx round trip: export typed .xlsx, import it into a fresh database with the customers
run 0 --db t.db export customers -o c.xlsx
run 0 --db t.db export orders -o o.xlsx
has "exported 7 orders"
run 0 --db u.db init
run 0 --db u.db import customers c.xlsx
has "new              2"
run 0 --db u.db import orders o.xlsx
has "new              7"
[ "$(count u.db "SELECT sum(amount) || ' ' || max(ordered_at) FROM orders")" = "$(count t.db "SELECT sum(amount) || ' ' || max(ordered_at) FROM orders")" ] || fail "xlsx round trip"
run 0 --db u.db import orders o.xlsx
has "unchanged        7"

# products, deals, activities, feedback, contracts, referrals
printf '商品コード,商品名,価格\nBEAN-1,ブレンド豆 200g,"1,200"\nGIFT-1,ギフトセット,3000\n' >p.csv
run 0 --db t.db import products p.csv
has "new              1"
has "updated          1"
printf '案件ID,顧客ID,ステージ,件名,金額,開始日,完了日,失注理由\nD1,C001,lost,法人契約,"50,000",2024/3/1,2024/3/20,価格\nD2,C002,open,ギフト,3000,2024/3/2,,\n' >d.csv
run 0 --db t.db import deals d.csv
has "new              2"
run 0 --db t.db import deals d.csv
has "unchanged        2"
printf '顧客ID,日時,手段,件名\nC001,2024/3/1 10:00,phone,お礼の電話\n' >a.csv
run 0 --db t.db import activities a.csv
has "new              1"
run 0 --db t.db import activities a.csv
has "unchanged        1"
printf '顧客ID,満足度,コメント,回答日\nC001,9,おいしい,2024/3/3\n' >f.csv
run 0 --db t.db import feedback f.csv
has "new              1"
printf '契約番号,顧客ID,開始日,終了日,月額\nK1,C001,2024/1/1,2024/12/31,5000\n' >k.csv
run 0 --db t.db import contracts k.csv
has "new              1"
printf '紹介者ID,被紹介者ID,紹介日\nC001,C002,2024/1/10\n' >r.csv
run 0 --db t.db import referrals r.csv
has "new              1"
run 0 --db t.db import referrals r.csv
has "unchanged        1"
echo ok
