# export: canonical columns, CSV in utf-8 / utf-8-bom / cp932 (unencodable characters reported,
# never replaced), --columns, .xlsx typed cells, customer metrics, round trips.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db t.db init
printf 'code,name,kana,phone,address\nC001,山田 太郎,ヤマダ タロウ,090-1234-5678,東京都①\nC002,髙橋 花子,タカハシ,03-1111-2222,"大阪市, 北区"\n' >c.csv
run 0 --db t.db import customers c.csv
printf 'order_code,customer_code,ordered_at,quantity,unit_price\nR1,C001,2024-01-05 10:00,2,1200\nR2,C001,2024-03-01,1,500\nR3,C002,2024-02-01,3,100\n' >o.csv
run 0 --db t.db import orders o.csv

run 0 --db t.db export customers
has "code,name,name_kana,company,email,phone,postal_code,address,birthday,source,referred_by,owner,tags,email_consent"
has 'C002,髙橋 花子,タカハシ,,,0311112222,,"大阪市, 北区",'

run 0 --db t.db export customers --encoding utf-8-bom -o bom.csv
[ "$(head -c 3 bom.csv | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "no BOM"
grep -q $'\r$' bom.csv || fail "no CRLF"

run 0 --db t.db export customers --encoding cp932 -o sjis.csv
iconv -f CP932 -t UTF-8 sjis.csv | grep -q '東京都①' || fail "① lost in CP932"
iconv -f CP932 -t UTF-8 sjis.csv | grep -q '髙橋' || fail "髙 lost in CP932"

# a CP932 export re-imports unchanged
run 0 --db t.db import customers sjis.csv
has "unchanged        2"

# characters CP932 cannot hold: reported with row and column, no file left behind
run 0 --db t.db customer edit C002 --name "𠮷田 花子😀"
run 1 --db t.db export customers --encoding cp932 -o bad.csv
has_err "row 2, column name"
has_err "U+20BB7"
has_err "nothing was replaced"
[ ! -e bad.csv ] || fail "partial CP932 file left"
run 0 --db t.db export customers --encoding utf-8-bom -o ok.csv

run 0 --db t.db export orders --columns customer_code,amount,order_code
has "customer_code,amount,order_code"
has "C001,2400,R1"
run 2 --db t.db export orders --columns nope
has_err "no column 'nope'"
run 2 --db t.db export widgets

# metrics joined by code, as of a date
run 0 --db t.db export customers --with-metrics --as-of 2024-12-31 --columns code,orders,revenue,last_purchase
has "code,orders,revenue,last_purchase"
has "C001,2,2900,2024-03-01"
has "C002,1,300,2024-02-01"

# .xlsx: a real workbook with numbers as numbers and dates as dates
run 0 --db t.db export orders -o o.xlsx
unzip -p o.xlsx xl/worksheets/sheet1.xml >sheet.xml || fail "not an xlsx"
grep -q '<pane' sheet.xml || fail "header not frozen"
grep -q 'autoFilter' sheet.xml || fail "no filter"
grep -q '<v>2400</v>' sheet.xml || fail "amount not a number"
run 0 --db t.db export customers --with-metrics -o m.xlsx

# CSV injection: text that a spreadsheet would run as a formula is exported with a leading
# apostrophe, and reads back unchanged
run 0 --db inj.db init
run 0 --db inj.db customer add --code F1 --name '=HYPERLINK("http://example.com","x")'
run 0 --db inj.db customer add --code F2 --name '-山田' --tags '@vip'
run 0 --db inj.db export customers -o inj.csv
grep -q "^F1,\"'=HYPERLINK" inj.csv || fail "formula not neutralised: $(cat inj.csv)"
grep -q "^F2,'-山田" inj.csv || fail "leading minus not neutralised"
grep -q ",'@vip," inj.csv || fail "leading @ not neutralised"
run 0 --db inj.db import customers inj.csv
has "unchanged        2"
run 0 --db inj.db customer show F1 --format json
has '"name":"=HYPERLINK('
echo ok
