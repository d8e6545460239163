# End to end: customers and orders, deals lost for "price", `okaeri automate --as-of` on every
# day from day 0 to day 120; exactly the designed tasks and e-mails happen on the designed days
# (lost-price playbook: e-mail on day 90, phone on day 100, e-mail on day 120), received by a
# real SMTP server on loopback with correct headers and encoding.
. "$OKAERI_TOP/tests/cli/lib.sh"

mkdir -p sink
python3 "$OKAERI_TOP/tests/smtp/sink.py" sink &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -f sink/port ] && break; sleep 0.1; done
[ -f sink/port ] || fail "SMTP sink did not start"
export OKAERI_SMTP_URL="smtp://127.0.0.1:$(cat sink/port)"
export OKAERI_SMTP_FROM="info@shop.example.jp"
export OKAERI_PUBLIC_URL="https://crm.example.jp"

run 0 --db t.db init
printf 'pw-123456789\n' | "$OKAERI" --db t.db user add sato --display-name "佐藤 花子" --password-stdin >/dev/null
run 0 --db t.db customer add --code C1 --name "山田 太郎" --email yamada@example.jp --consent yes --owner sato
run 0 --db t.db customer add --code C2 --name "鈴木 一郎" --email suzuki@example.jp --consent no
run 0 --db t.db customer add --code C3 --name "田中 商店" --kind company
run 0 --db t.db order add --code R-1 --customer C1 --at 2023-03-01 --amount 5000
run 0 --db t.db order add --code R-2 --customer C2 --at 2023-04-01 --amount 3000
for c in C1 C2 C3; do
    run 0 --db t.db deal add --customer $c --title "年間保守契約" --amount 120000 --opened 2023-12-01
done
for id in 1 2 3; do
    run 0 --db t.db deal lose $id --reason price --on 2024-01-10
done

emails() { ls sink/*.eml 2>/dev/null | wc -l; }
tasks() { count t.db "SELECT count(*) FROM tasks"; }
prev_e=0
prev_t=0
for d in $(seq 0 120); do
    day=$(date -d "2024-01-10 + $d days" +%F)
    if [ "$d" = 105 ]; then
        # C3 re-opens a deal: its enrolment ends (exit rule deal_won), no more steps.
        run 0 --db t.db deal add --customer C3 --title "再提案" --amount 100000 --opened "$day"
    fi
    if [ "$d" = 110 ]; then
        # C2 buys again: reactivated 110 days after the loss (its playbook exits on deals only).
        run 0 --db t.db order add --code R-3 --customer C2 --at "$day" --amount 8000
    fi
    run 0 --db t.db automate --as-of "$day"
    e=$(emails)
    t=$(tasks)
    de=$((e - prev_e))
    dt=$((t - prev_t))
    case $d in
    90) want_e=1 want_t=1 ;;   # C1 e-mail; C3 has no address -> a task; C2 no consent -> skipped
    100) want_e=0 want_t=3 ;;  # phone tasks for all three
    120) want_e=1 want_t=0 ;;  # C1 e-mail; C2 skipped; C3 exited on day 105
    *) want_e=0 want_t=0 ;;
    esac
    [ "$de" = "$want_e" ] || fail "day $d ($day): $de e-mails, expected $want_e"
    [ "$dt" = "$want_t" ] || fail "day $d ($day): $dt tasks, expected $want_t"
    prev_e=$e
    prev_t=$t
done

# Enrolments: one per lost deal, keyed by the deal; C3 exited because its deal re-opened.
[ "$(count t.db "SELECT count(*) FROM enrollments")" = 3 ] || fail "enrollments"
[ "$(count t.db "SELECT status || ':' || coalesce(exit_reason,'') FROM enrollments e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C3'")" = "exited:deal_won" ] || fail "C3 exit"
[ "$(count t.db "SELECT status FROM enrollments e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C1'")" = "completed" ] || fail "C1 completed"
# C2's e-mails are recorded as skipped with the reason, never silently lost.
[ "$(count t.db "SELECT count(*) FROM email_log WHERE status = 'skipped' AND reason = 'no e-mail consent'")" = 2 ] || fail "skipped log"
[ "$(count t.db "SELECT count(*) FROM email_log WHERE status = 'sent'")" = 2 ] || fail "sent log"
# Tasks: due on the designed days, assigned to the owner or the team queue.
[ "$(count t.db "SELECT t.due_on || '/' || coalesce(u.login,'team') || '/' || t.channel FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id ORDER BY t.due_on, t.customer_id" | tr '\n' ' ')" = "2024-04-09/team/email 2024-04-19/sato/phone 2024-04-19/team/phone 2024-04-19/team/phone " ] || fail "task days: $(count t.db "SELECT due_on, assignee_id, channel FROM tasks")"
# Each sent e-mail is an activity in the customer's history.
[ "$(count t.db "SELECT count(*) FROM activities WHERE channel = 'email' AND outcome = 'sent'")" = 2 ] || fail "activities"
[ "$(count t.db "SELECT min(occurred_at) FROM activities WHERE channel = 'email'" | cut -c1-10)" = 2024-04-09 ] || fail "activity day"

# The messages as an independent parser (Python's email package) reads them.
python3 "$OKAERI_TOP/tests/smtp/check.py" sink >received.txt
cat received.txt
grep -q '^0001|yamada@example.jp|山田 太郎様、その後いかがでしょうか|山田 太郎様|html|<https://crm.example.jp/unsubscribe?token=[0-9a-f]\{32\}>|encoded|lines-ok|unsub-in-body$' received.txt || fail "first message"
grep -q '^0002|yamada@example.jp|山田 太郎様だけの特別なご提案|山田 太郎様|html|' received.txt || fail "second message"
grep -q 'To: =?UTF-8?B?' sink/0001.eml || fail "encoded display name"
grep -q 'MIME-Version: 1.0' sink/0001.eml || fail "MIME"
grep -q 'multipart/alternative' sink/0001.eml || fail "multipart"
grep -q 'List-Unsubscribe-Post: List-Unsubscribe=One-Click' sink/0001.eml || fail "one-click"
grep -q '^from <info@shop.example.jp>' sink/0001.env || fail "envelope from"
grep -q '^to <yamada@example.jp>' sink/0001.env || fail "envelope to"
# The body names the owner and the deal, rendered from the template.
python3 - <<'PY' || fail "body"
import email, email.policy
m = email.message_from_bytes(open("sink/0001.eml", "rb").read(), policy=email.policy.default)
text = m.get_body(("plain",)).get_content()
html = m.get_body(("html",)).get_content()
assert "「年間保守契約」" in text, text
assert "担当の佐藤 花子まで" in text, text
assert "<br>" in html and "&lt;" not in text
PY

# Running any day again creates nothing.
run 0 --db t.db automate --as-of 2024-04-09
run 0 --db t.db automate --as-of 2024-05-09
[ "$(emails)" = 2 ] || fail "repeat sent again"
[ "$(tasks)" = 4 ] || fail "repeat created tasks"

# Measurement per playbook and step, and per lost reason.
run 0 --db t.db automate stats
has "lost-price,1,email,3,1,0,0,0"
has "lost-price,3,email,3,1,0,0,0"
run 0 --db t.db automate lost-reasons
has "price,3,1,0.3333,110"
