# import customers: a CP932 list with Japanese headers, full-width digits, 令和 dates and
# duplicates; idempotency, corrections, dry run, bad rows, malformed files; duplicates and merge.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db t.db init
n() { count t.db "SELECT count(*) FROM customers"; }

# The register's export: Shift_JIS (CP932), CRLF, a title line above the header, ①/髙 survive.
printf '顧客一覧（2024年）\r\n会員番号,お名前,フリガナ,電話番号,メールアドレス,郵便番号,住所,生年月日,メルマガ\r\nＣ００１,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,０９０‐１２３４‐５６７８,Taro@Example.JP,〒１５０－０００１,東京都渋谷区神南１－２－３,令和2年1月5日,○\r\nC002,髙橋 花子,たかはし はなこ,03-1111-2222,,1500002,東京都渋谷区神南1-2-3 ①号室,R1.5.1,×\r\nC002,髙橋 花子,たかはし はなこ,03-1111-2222,,1500002,東京都渋谷区神南1-2-3 ①号室,R1.5.1,×\r\nC003,高橋 花子,タカハシ ハナコ,,,150-0002,東京都渋谷区神南1-2-3,1990/4/1,\r\n' |
    iconv -f UTF-8 -t CP932 >list.csv
iconv -f CP932 -t UTF-8 list.csv >/dev/null || fail "test file is not CP932"

run 0 --db t.db import customers list.csv --dry-run
has "new              3"
has "unchanged        1"
has "nothing was written"
has "preview:"
[ "$(n)" = 0 ] || fail "dry run wrote"

run 0 --db t.db import customers list.csv
has "new              3"
[ "$(n)" = 3 ] || fail "expected 3 customers"
run 0 --db t.db customer show C001 --format json
has '"code":"C001"'
has '"name":"山田 太郎"'
has '"name_kana":"ﾔﾏﾀﾞ ﾀﾛｳ"'
has '"phone":"09012345678"'
has '"postal_code":"150-0001"'
has '"birthday":"2020-01-05"'
has '"email_consent":true'
run 0 --db t.db customer show C002 --format json
has '①号室'
has '"birthday":"2019-05-01"'
has '"email_consent":false'

# the same file again changes nothing
audits=$(count t.db "SELECT count(*) FROM audit_log")
run 0 --db t.db import customers list.csv
has "new              0"
has "updated          0"
has "unchanged        4"
[ "$(count t.db "SELECT max(version) FROM customers")" = 1 ] || fail "re-import changed versions"

# a corrected file updates by code
printf 'code,name,phone\nC001,山田 太郎,03-9999-0000\n' >fix.csv
run 0 --db t.db import customers fix.csv
has "updated          1"
[ "$(count t.db "SELECT phone FROM customers WHERE code='C001'")" = 0399990000 ] || fail "not updated"
[ "$(count t.db "SELECT name_kana FROM customers WHERE code='C001'")" = "ﾔﾏﾀﾞ ﾀﾛｳ" ] || fail "empty column cleared a value"

# likely duplicates: 髙橋/高橋 with the same kana (width and kana type ignored), postal code, address
run 0 --db t.db customer duplicates --format csv
has "C002,髙橋 花子,C003,高橋 花子,\"same name and kana, same postal code, close address\""
run 0 --db t.db customer merge C002 C003
has "merged customer C003 into C002"
[ "$(n)" = 3 ] || [ "$(n)" = 2 ] || fail "merge"
[ "$(n)" = 2 ] || fail "merge left the other customer"
[ "$(count t.db "SELECT count(*) FROM audit_log WHERE action='merge'")" = 1 ] || fail "merge not audited"
run 1 --db t.db customer merge C002 C002
run 1 --db t.db customer merge C002 NOPE

# bad rows: all-or-nothing with line, column and reason; --errors lists them all
before=$(count t.db "SELECT code || version FROM customers ORDER BY code")
printf 'code,name,email,phone,birthday\nC010,新規 一,ok@example.jp,,\nC011,新規 二,not-an-email,,\nC012,新規 三,,12,\nC013,新規 四,,,2024-02-30\n' >bad.csv
run 1 --db t.db import customers bad.csv --errors errs.txt
has_err 'line 3, column 3 ("email" → email)'
has_err "line 4, column 4"
has_err "line 5, column 5"
has_err "3 bad rows"
has_err "nothing was written"
[ "$(wc -l <errs.txt)" -ge 3 ] || fail "--errors file incomplete"
[ "$(count t.db "SELECT code || version FROM customers ORDER BY code")" = "$before" ] || fail "bad file wrote"

# --on-error skip: good rows in, bad rows to a reject file in the original encoding (CP932)
printf 'お客様番号,お名前,電話番号\r\nC020,佐藤 一,090-0000-0001\r\nC021,佐藤 二,電話なし\r\n' | iconv -f UTF-8 -t CP932 >skip.csv
run 0 --db t.db import customers skip.csv --on-error skip
has "new              1"
has "rejected         1"
has "skip.rejected.csv"
iconv -f CP932 -t UTF-8 skip.rejected.csv >rej.txt || fail "reject file is not CP932"
grep -q '^お客様番号,お名前,電話番号' rej.txt || fail "reject file lacks the header"
grep -q '^C021,佐藤 二,電話なし' rej.txt || fail "reject file lacks the bad row"
[ "$(count t.db "SELECT count(*) FROM customers WHERE code IN ('C020','C021')")" = 1 ] || fail skip

# malformed files change nothing
before=$(count t.db "SELECT count(*) || '-' || sum(version) FROM customers")
printf 'code,name\nC030,"unterminated\nC031,x\n' >quote.csv
run 1 --db t.db import customers quote.csv
has_err "unterminated quoted field"
printf 'code,name\nC032,佐藤\n' | iconv -f UTF-8 -t CP932 >sjis.csv
run 1 --db t.db import customers sjis.csv --encoding utf-8
has_err "UTF-8"
printf 'Country,Note\nJP,x\n' >unknown.csv
run 1 --db t.db import customers unknown.csv
has_err "missing required column"
printf 'code,name,Country\nC033,佐藤,JP\n' >extra.csv
run 0 --db t.db import customers extra.csv --dry-run
has_err 'column 3 "Country"'
printf 'code,kana\nC034,サトウ\n' >noname.csv
run 1 --db t.db import customers noname.csv
has_err "name"
run 0 --db t.db export customers --format xlsx -o all.xlsx
head -c 600 all.xlsx >trunc.xlsx
run 1 --db t.db import customers trunc.xlsx
has_err "xlsx"
[ "$(count t.db "SELECT count(*) || '-' || sum(version) FROM customers")" = "$before" ] || fail "malformed file wrote"

# --map overrides the headers
printf 'ID番号,氏名\nC040,木村\n' >map.csv
run 0 --db t.db import customers map.csv --map code=1
has "new              1"
echo ok
