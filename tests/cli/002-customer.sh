# customer add/show/list/edit, with Japanese data, normalisation, conflicts and bad input.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db t.db init
run 0 --db t.db customer add --code C001 --name "山田 太郎" --kana "ヤマダ タロウ" \
    --phone "０９０‐１２３４‐５６７８" --email Taro@Example.JP --postal-code "〒150-0001" \
    --birthday "昭和55年4月1日" --tags vip,tokyo --consent yes --source 店頭
has "added customer C001"
run 0 --db t.db customer show C001 --format json
has '"name":"山田 太郎"'
has '"phone":"09012345678"'
has '"postal_code":"150-0001"'
has '"birthday":"1980-04-01"'
has '"email_consent":true'
has '"version":1'

# duplicate code: clear message, nothing changed
run 1 --db t.db customer add --code C001 --name "別人"
has_err "already exists"
[ "$(count t.db "SELECT count(*) FROM customers")" = 1 ] || fail "duplicate inserted"

# bad values name the field
run 1 --db t.db customer add --code C002 --name "佐藤" --email not-an-email
has_err "field email"
run 1 --db t.db customer add --code C002 --name "佐藤" --birthday 2024-02-30
has_err "field birthday"
run 1 --db t.db customer add --code C002 --name "佐藤" --phone 12
has_err "field phone"
run 1 --db t.db customer add --code C002 --name "佐藤" --attributes '[1,2]'
has_err "field attributes"
run 1 --db t.db customer add --code C002
has_err "field name"
run 1 --db t.db customer add --code C002 --name "佐藤" --referred-by NOPE
has_err "referrer"
run 1 --db t.db customer add --code C002 --name "佐藤" --owner ghost
has_err "not a user"
run 2 --db t.db customer add --code C002 --name "佐藤" --consent maybe
[ "$(count t.db "SELECT count(*) FROM customers")" = 1 ] || fail "bad input inserted"

run 0 --db t.db customer add --code C002 --name "佐藤 花子" --kana "さとう はなこ" --referred-by C001
# width- and kana-insensitive search: half-width katakana finds the reading
run 0 --db t.db customer list --search "ﾔﾏﾀﾞ" --format csv
has "C001"
lacks "C002"
run 0 --db t.db customer list --search "サトウ" --format csv
has "C002"
run 0 --db t.db customer list --search "090-1234" --format csv
has "C001"
run 0 --db t.db customer list --after C001 --format csv
has "C002"
lacks "C001,"

# edit changes only what is given and bumps the version; stale versions are refused
run 0 --db t.db customer edit C002 --phone 03-1234-5678 --version 1
has "version 2"
run 1 --db t.db customer edit C002 --address "東京都" --version 1
has_err "someone changed it"
run 0 --db t.db customer show C002 --format json
has '"phone":"0312345678"'
has '"referred_by":"C001"'
has '"version":2'
run 1 --db t.db customer show C999
has_err "no customer with code 'C999'"

# every change is in the audit log
[ "$(count t.db "SELECT count(*) FROM audit_log WHERE entity='customer'")" = 3 ] || fail "audit"
