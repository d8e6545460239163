# The scheduler killed mid-run and run again sends no e-mail twice and creates no task twice;
# consent is honoured; the unsubscribe link withdraws consent and ends enrolments without login;
# malformed segments and templates are rejected when saved.
. "$OKAERI_TOP/tests/cli/lib.sh"

mkdir -p sink
python3 "$OKAERI_TOP/tests/smtp/sink.py" sink &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -f sink/port ] && break; sleep 0.1; done
[ -f sink/port ] || fail "SMTP sink did not start"
export OKAERI_SMTP_URL="smtp://127.0.0.1:$(cat sink/port)"
export OKAERI_SMTP_FROM="info@shop.example.jp"

run 0 --db t.db init
for i in 1 2 3 4 5 6; do
    run 0 --db t.db customer add --code C$i --name "顧客 $i" --email "c$i@example.jp" --consent yes
    run 0 --db t.db order add --code R-$i --customer C$i --at 2024-05-01 --amount 1000
done
# C6 without consent: its welcome e-mails are skipped and logged.
run 0 --db t.db customer edit C6 --consent no

# Welcome playbook (first purchase): step 1 on day 0 is an e-mail to each of the five.
# Kill the run after 8 units of work (6 enrolments + 2 steps), then after a 'sending' mark.
set +e
OKAERI_AUTOMATE_CRASH_AFTER=8 "$OKAERI" --db t.db automate --as-of 2024-05-01 >/dev/null 2>&1
[ $? = 99 ] || fail "first run did not crash at the injection point"
set -e
[ "$(count t.db "SELECT count(*) FROM enrollments")" = 6 ] || fail "enrolled before the crash"
[ "$(ls sink/*.eml 2>/dev/null | wc -l)" = 0 ] || fail "nothing sent before the crash"
# Crash right after marking the first e-mail 'sending' (before SMTP): the 3 remaining steps,
# then the mark.
set +e
OKAERI_AUTOMATE_CRASH_AFTER=3 "$OKAERI" --db t.db automate --as-of 2024-05-01 >/dev/null 2>&1
[ $? = 99 ] || fail "second run did not crash"
set -e
[ "$(count t.db "SELECT count(*) FROM email_log WHERE status = 'sending'")" = 1 ] || fail "sending mark"
run 0 --db t.db automate --as-of 2024-05-01
has "interrupted sends marked unknown 1"
run 0 --db t.db automate --as-of 2024-05-01
[ "$(ls sink/*.eml | wc -l)" = 4 ] || fail "expected 4 e-mails (1 unknown, 1 no consent), got $(ls sink/*.eml | wc -l)"
[ "$(count t.db "SELECT count(*) FROM email_log")" = 6 ] || fail "one log row per step"
[ "$(count t.db "SELECT status || ':' || coalesce(reason,'') FROM email_log e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C6'")" = "skipped:no e-mail consent" ] || fail "C6 skipped"
[ "$(count t.db "SELECT count(*) FROM email_log WHERE status = 'unknown'")" = 1 ] || fail "unknown"
# A real kill -9 while the SMTP server is slow: no duplicate afterwards either.
kill $sink_pid; wait $sink_pid 2>/dev/null || true
rm -f sink/port
python3 "$OKAERI_TOP/tests/smtp/sink.py" sink --delay 3 &
sink_pid=$!
for _ in $(seq 50); do [ -f sink/port ] && break; sleep 0.1; done
export OKAERI_SMTP_URL="smtp://127.0.0.1:$(cat sink/port)"
"$OKAERI" --db t.db automate --as-of 2024-05-15 >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
run 0 --db t.db automate --as-of 2024-05-15
run 0 --db t.db automate --as-of 2024-05-15
[ "$(count t.db "SELECT count(*) FROM email_log WHERE step_no = 2")" = 6 ] || fail "check-in rows"
[ "$(count t.db "SELECT count(*) FROM email_log WHERE step_no = 2 AND status IN ('sending','pending')")" = 0 ] || fail "left pending"
sleep 3.5
n2=$(grep -l "Subject:" sink/*.eml | wc -l)
[ "$(count t.db "SELECT count(*) FROM email_log WHERE status = 'sent'")" -le "$n2" ] || fail "sent rows exceed received"
[ "$(( $(count t.db "SELECT count(*) FROM email_log WHERE step_no = 2 AND status IN ('sent','unknown')") ))" = 5 ] || fail "step 2 outcome"

# Unsubscribe by the token of C1's first e-mail: consent off, enrolment exited, no login.
tok=$(count t.db "SELECT unsubscribe_token FROM email_log e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C1' AND step_no = 1")
run 0 --db t.db automate unsubscribe "$tok"
has "unsubscribed customer C1"
[ "$(count t.db "SELECT email_consent || ':' || CASE WHEN unsubscribed_at IS NULL THEN 0 ELSE 1 END FROM customers WHERE code = 'C1'")" = "0:1" ] || fail "consent"
[ "$(count t.db "SELECT status || ':' || exit_reason FROM enrollments e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C1'")" = "exited:unsubscribed" ] || fail "exit"
run 0 --db t.db automate unsubscribe "$tok"
run 1 --db t.db automate unsubscribe 0123456789abcdef0123456789abcdef
has_err "not valid"
run 0 --db t.db automate --as-of 2024-06-15
[ "$(count t.db "SELECT count(*) FROM email_log e JOIN customers c ON c.id = e.customer_id WHERE c.code = 'C1' AND step_no = 3")" = 0 ] || fail "e-mail after unsubscribe"

# Bad input is rejected when saved, with the position and what was expected.
run 1 --db t.db segment add bad "state = asleep"
has_err "position 9: expected one of prospect, active"
run 1 --db t.db segment add bad "owner = nobody"
has_err "nobody"
run 0 --db t.db segment add buyers "orders >= 1 and consent"
has "segment buyers: 4 customers"
run 0 --db t.db segment members buyers
has "C2"
lacks "C1"
run 1 --db t.db playbook add x --trigger manual --step '0|email|{{nmae}}様|hi'
has_err "unknown placeholder {{nmae}}"
run 1 --db t.db playbook add x --trigger manual --step '0|phone|call|{{name'
has_err "not closed"
run 0 --db t.db playbook add call --trigger manual --step '2|phone|{{name}}様にお電話|用件\n確認'
run 0 --db t.db playbook enroll call C2 --on 2024-06-01
run 0 --db t.db automate --as-of 2024-06-03
run 0 --db t.db task list --team --as-of 2024-06-03
has "2024-06-03,today,,team,C2,phone,\"顧客 2様にお電話\""
id=$(count t.db "SELECT id FROM tasks WHERE channel = 'phone'")
run 0 --db t.db task done "$id" --outcome not_interested
[ "$(count t.db "SELECT count(*) FROM activities WHERE channel = 'phone' AND outcome = 'not_interested'")" = 1 ] || fail "task activity"
