/*
 * test_demo.c - the demo generator and the bulk loader: determinism per seed, consistency of the
 * generated business (checked with SQL), its shape, and the loader's restore of the database's
 * settings and indexes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "db/db.h"
#include "db/migrate.h"
#include "demo/demo.h"
#include "store/bulk.h"

#define AS_OF "2025-06-30"

static char tmpdir[64];
static int dbcount;

static struct db *fresh_db(char *path, size_t size)
{
    struct ok_err err = {0};
    struct db *db;
    snprintf(path, size, "%s/demo%d.db", tmpdir, dbcount++);
    db = db_open(path, DB_OPEN_CREATE, &err);
    if (!db)
        fail_msg("open: %s", err.message);
    if (migrate_apply(db, NULL, &err) < 0)
        fail_msg("migrate: %s", err.message);
    return db;
}

static void options(struct demo_options *o, int64_t customers, uint64_t seed)
{
    demo_options_init(o);
    o->customers = customers;
    o->seed = seed;
    assert_int_equal(date_parse_iso(AS_OF, 10, &o->as_of), 0);
}

static int64_t q(struct db *db, const char *sql)
{
    struct ok_err err = {0};
    int64_t v = -1;
    if (db_query_i64(db, sql, &v, &err) < 0)
        fail_msg("%s: %s", sql, err.message);
    return v;
}

/* FNV-1a over every column of every order line, in id order. */
static uint64_t orders_checksum(struct db *db)
{
    struct ok_err err = {0};
    uint64_t h = 1469598103934665603ULL;
    struct db_stmt *st = db_prepare(
        db,
        "SELECT order_code, line_no, customer_id, ordered_at, product_id, quantity, unit_price, "
        "amount, channel, store, coalesce(original_code, '') FROM orders ORDER BY id",
        &err);
    int c;
    assert_non_null(st);
    while (db_step(st, &err) == DB_ROW) {
        for (c = 0; c < 11; c++) {
            size_t n, k;
            const char *s = db_column_text_len(st, c, &n);
            for (k = 0; k < n; k++) {
                h ^= (unsigned char)s[k];
                h *= 1099511628211ULL;
            }
            h ^= 0xff;
            h *= 1099511628211ULL;
        }
    }
    db_stmt_free(&st);
    return h;
}

struct run {
    struct demo_stats stats;
    uint64_t checksum;
};

static void generate(int64_t customers, uint64_t seed, struct run *out, struct db **keep)
{
    char path[128];
    struct ok_err err = {0};
    struct demo_options o;
    struct db *db = fresh_db(path, sizeof(path));
    options(&o, customers, seed);
    if (demo_generate(db, &o, &out->stats, &err) < 0)
        fail_msg("demo: %s", err.message);
    out->checksum = orders_checksum(db);
    assert_int_equal(q(db, "SELECT count(*) FROM orders"), out->stats.rows.order_lines);
    assert_int_equal(q(db, "SELECT count(*) FROM customers"), customers);
    if (keep)
        *keep = db;
    else
        db_close(&db);
}

static void test_deterministic_per_seed(void **state)
{
    struct run a, b, c;
    (void)state;
    generate(300, 7, &a, NULL);
    generate(300, 7, &b, NULL);
    generate(300, 8, &c, NULL);
    assert_int_equal(a.stats.rows.order_lines, b.stats.rows.order_lines);
    assert_int_equal(a.stats.rows.deals, b.stats.rows.deals);
    assert_int_equal(a.stats.rows.activities, b.stats.rows.activities);
    assert_int_equal(a.stats.rows.feedback, b.stats.rows.feedback);
    assert_true(a.checksum == b.checksum);
    assert_true(a.checksum != c.checksum);
    assert_true(a.stats.rows.order_lines != c.stats.rows.order_lines ||
                a.stats.rows.deals != c.stats.rows.deals);
}

/* The main fixture: 2,000 customers, generated once for the checks below. */
static struct db *shared;
static struct run shared_run;

static int setup_shared(void **state)
{
    (void)state;
    generate(2000, 1, &shared_run, &shared);
    return 0;
}

static int teardown_shared(void **state)
{
    (void)state;
    db_close(&shared);
    return 0;
}

static void expect_zero(const char *what, const char *sql)
{
    int64_t v = q(shared, sql);
    if (v != 0)
        fail_msg("%s: %lld rows (%s)", what, (long long)v, sql);
}

static void test_consistency(void **state)
{
    (void)state;
    expect_zero("orders of unknown customers",
                "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id "
                "WHERE c.id IS NULL");
    expect_zero("orders after the as-of date",
                "SELECT count(*) FROM orders WHERE ordered_at > '" AS_OF " 23:59:59'");
    expect_zero("orders before acquisition",
                "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
                "WHERE o.ordered_at < c.created_at");
    expect_zero("customers outside the three years",
                "SELECT count(*) FROM customers WHERE created_at < '2022-07-01' OR "
                "created_at > '" AS_OF " 23:59:59'");
    expect_zero("returns without their order",
                "SELECT count(*) FROM orders r WHERE r.original_code IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM orders o WHERE o.order_code = r.original_code AND "
                "o.customer_id = r.customer_id AND o.ordered_at < r.ordered_at)");
    expect_zero("returns with a positive amount",
                "SELECT count(*) FROM orders WHERE original_code IS NOT NULL AND "
                "(amount >= 0 OR quantity >= 0)");
    expect_zero("sales with a non-positive amount",
                "SELECT count(*) FROM orders WHERE original_code IS NULL AND amount <= 0");
    expect_zero("line amounts that are not quantity x unit price",
                "SELECT count(*) FROM orders WHERE amount <> quantity * unit_price");
    expect_zero("lost deals without a reason or note",
                "SELECT count(*) FROM deals WHERE stage = 'lost' AND (lost_reason_id IS NULL "
                "OR lost_note IS NULL)");
    expect_zero("closed deals without a close date, or open ones with one",
                "SELECT count(*) FROM deals WHERE (stage = 'open') = (closed_at IS NOT NULL)");
    expect_zero("deals closed before they opened or after the as-of date",
                "SELECT count(*) FROM deals WHERE closed_at < opened_at OR closed_at > '" AS_OF
                "' OR opened_at > '" AS_OF "'");
    expect_zero("deals of unknown customers",
                "SELECT count(*) FROM deals d LEFT JOIN customers c ON c.id = d.customer_id "
                "WHERE c.id IS NULL");
    expect_zero("renewals that do not follow their contract",
                "SELECT count(*) FROM contracts c JOIN contracts p ON p.id = c.renewed_from "
                "WHERE date(p.end_on, '+1 day') <> c.start_on OR p.customer_id <> c.customer_id "
                "OR p.end_reason_id IS NOT NULL");
    expect_zero("contracts that started after the as-of date",
                "SELECT count(*) FROM contracts WHERE start_on > '" AS_OF "'");
    expect_zero("ended contracts without a reason (not renewed, ended before as-of)",
                "SELECT count(*) FROM contracts c WHERE c.end_on < '" AS_OF "' AND "
                "c.end_reason_id IS NULL AND NOT EXISTS (SELECT 1 FROM contracts n WHERE "
                "n.renewed_from = c.id)");
    expect_zero("referred customers whose referrer is not recorded",
                "SELECT count(*) FROM referrals r JOIN customers c ON c.id = r.referred_id "
                "WHERE c.referred_by IS NOT r.referrer_id");
    expect_zero("referrers who were not customers before the referral",
                "SELECT count(*) FROM referrals r JOIN customers p ON p.id = r.referrer_id "
                "WHERE date(p.created_at) > r.referred_on");
    expect_zero("referred_by without a referral row",
                "SELECT count(*) FROM customers c WHERE c.referred_by IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM referrals r WHERE r.referred_id = c.id)");
    expect_zero("activities or feedback after the as-of date",
                "SELECT (SELECT count(*) FROM activities WHERE occurred_at > '" AS_OF
                " 23:59:59') + (SELECT count(*) FROM feedback WHERE received_on > '" AS_OF "')");
    expect_zero("causes on customers who bought in the last year",
                "SELECT count(*) FROM customers c WHERE c.cause_id IS NOT NULL AND EXISTS "
                "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.ordered_at > "
                "date('" AS_OF "', '-365 days'))");
    expect_zero("e-mail addresses outside the reserved example domains",
                "SELECT count(*) FROM customers WHERE email IS NOT NULL AND email NOT LIKE "
                "'%@example.%'");
    expect_zero("unsubscribed customers with consent",
                "SELECT count(*) FROM customers WHERE unsubscribed_at IS NOT NULL AND "
                "email_consent = 1");
    expect_zero("foreign key violations (references were trusted during the load)",
                "SELECT count(*) FROM pragma_foreign_key_check");
}

static void test_realistic_shape(void **state)
{
    int64_t n = 2000, persons, companies, lines, with_kana, lost_reasons, sources;
    double per_customer;
    (void)state;
    lines = q(shared, "SELECT count(*) FROM orders");
    per_customer = (double)lines / (double)n;
    /* ~10 lines per customer (the 1M-customer bench gives ~10 M lines), within 30 %. */
    assert_true(per_customer > 7.0 && per_customer < 13.0);
    persons = q(shared, "SELECT count(*) FROM customers WHERE kind = 'person'");
    companies = q(shared, "SELECT count(*) FROM customers WHERE kind = 'company'");
    assert_int_equal(persons + companies, n);
    assert_true(companies > n * 3 / 100 && companies < n * 10 / 100);
    /* Names in kanji with a katakana reading, family and given name split by U+3000. */
    with_kana = q(shared, "SELECT count(*) FROM customers WHERE kind = 'person' AND "
                          "name LIKE '%\u3000%' AND name_kana GLOB '[ア-ヶ]*\u3000[ア-ヶ]*' "
                          "AND match_kana <> '' AND unicode(name) > 12352");
    assert_int_equal(with_kana, persons);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE name LIKE '佐藤%'") > 20);
    assert_int_equal(q(shared, "SELECT count(*) FROM customers WHERE phone IS NULL OR "
                               "length(phone) NOT IN (10, 11) OR phone NOT GLOB '0*'"),
                     0);
    assert_int_equal(q(shared, "SELECT count(*) FROM customers WHERE postal_code NOT GLOB "
                               "'[0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'"),
                     0);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE phone GLOB '0[789]0*'") >
                persons / 2);
    sources = q(shared, "SELECT count(DISTINCT source) FROM customers");
    assert_int_equal(sources, 5);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE referred_by IS NOT NULL") > 100);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE owner_id IS NULL") > n / 2);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE owner_id IS NOT NULL") > 100);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE email_consent = 1") > n / 2);
    /* Prospects (no purchase) exist but are a minority. */
    assert_true(q(shared, "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM "
                          "orders o WHERE o.customer_id = c.id)") > n / 50);
    lost_reasons = q(shared, "SELECT count(DISTINCT lost_reason_id) FROM deals");
    assert_int_equal(lost_reasons, 4);
    assert_true(q(shared, "SELECT count(DISTINCT kind) FROM deals") == 5);
    assert_true(q(shared, "SELECT count(*) FROM deals WHERE trigger_id IS NOT NULL") > 20);
    assert_true(q(shared, "SELECT count(*) FROM contracts WHERE renewed_from IS NOT NULL") > 10);
    assert_true(q(shared, "SELECT count(*) FROM contracts WHERE end_reason_id IS NOT NULL") > 3);
    assert_true(q(shared, "SELECT count(*) FROM referrals WHERE prospect_name IS NOT NULL") > 0);
    assert_true(q(shared, "SELECT count(*) FROM orders WHERE original_code IS NOT NULL") > 5);
    assert_true(q(shared, "SELECT count(*) FROM orders WHERE line_no > 1") > lines / 5);
    assert_true(q(shared, "SELECT count(DISTINCT channel) FROM orders") == 2);
    assert_true(q(shared, "SELECT count(DISTINCT kind) FROM feedback") == 5);
    assert_true(q(shared, "SELECT count(DISTINCT channel) FROM activities") >= 4);
    assert_true(q(shared, "SELECT count(*) FROM customers WHERE cause_id IS NOT NULL") > 10);
    /* Staff users, no admin (the server creates it). */
    assert_int_equal(q(shared, "SELECT count(*) FROM users WHERE role IN ('manager','staff') "
                               "AND password_hash IS NULL"),
                     4);
    assert_int_equal(q(shared, "SELECT count(*) FROM users WHERE login = 'admin'"), 0);
    /* Mean order value near the Gamma-Gamma mean (3,400 yen for people), within a wide band. */
    {
        int64_t avg = q(shared, "SELECT sum(o.amount) / count(DISTINCT o.order_code) FROM "
                                "orders o JOIN customers c ON c.id = o.customer_id WHERE "
                                "c.kind = 'person' AND o.original_code IS NULL");
        assert_true(avg > 2500 && avg < 6000);
    }
}

static void test_settings_and_indexes_restored(void **state)
{
    struct ok_err err = {0};
    struct db_stmt *st;
    (void)state;
    assert_int_equal(q(shared, "PRAGMA foreign_keys"), 1);
    assert_int_equal(q(shared, "PRAGMA synchronous"), 1);
    st = db_prepare(shared, "PRAGMA journal_mode", &err);
    assert_non_null(st);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "wal");
    db_stmt_free(&st);
    assert_int_equal(q(shared, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                               "name IN ('orders_customer', 'customers_match_name', "
                               "'customers_match_phone', 'deals_stage', 'activities_customer', "
                               "'feedback_customer', 'contracts_end')"),
                     7);
}

static void test_refuses_non_empty_database(void **state)
{
    struct ok_err err = {0};
    struct demo_options o;
    int64_t before = q(shared, "SELECT count(*) FROM orders");
    (void)state;
    options(&o, 10, 1);
    assert_int_equal(demo_generate(shared, &o, NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(q(shared, "SELECT count(*) FROM orders"), before);
    options(&o, 0, 1);
    assert_int_equal(demo_generate(shared, &o, NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_USAGE);
}

/* bulk_abort rolls back rows and dropped indexes and restores the settings. */
static void test_bulk_abort_restores(void **state)
{
    char path[128];
    struct ok_err err = {0};
    struct db *db = fresh_db(path, sizeof(path));
    struct bulk *b;
    struct bulk_customer c = {0};
    int64_t indexes = q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'");
    (void)state;
    b = bulk_begin(db, BULK_TRUST_REFERENCES, &err);
    assert_non_null(b);
    assert_true(q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'") < indexes);
    c.code = "X1";
    c.name = "山田\u3000太郎";
    c.birthday = BULK_NO_DATE;
    c.unsubscribed_on = BULK_NO_DATE;
    c.created_on = 20000;
    assert_int_equal(bulk_customer(b, &c, &err), 1);
    c.code = "X2";
    assert_int_equal(bulk_customer(b, &c, &err), 2);
    bulk_abort(&b);
    assert_null(b);
    assert_int_equal(q(db, "SELECT count(*) FROM customers"), 0);
    assert_int_equal(q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"), indexes);
    assert_int_equal(q(db, "PRAGMA foreign_keys"), 1);

    /* A duplicate code surfaces as a conflict, at the latest at bulk_finish, and nothing stays. */
    b = bulk_begin(db, 0, &err);
    assert_non_null(b);
    c.code = "X1";
    assert_true(bulk_customer(b, &c, &err) > 0);
    assert_true(bulk_customer(b, &c, &err) > 0);
    assert_int_equal(bulk_finish(&b, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_null(b);
    assert_int_equal(q(db, "SELECT count(*) FROM customers"), 0);
    assert_int_equal(q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"), indexes);
    db_close(&db);
}

static void test_format_date(void **state)
{
    char s[11] = {0};
    int32_t d;
    (void)state;
    bulk_format_date(0, s);
    assert_string_equal(s, "1970-01-01");
    bulk_format_date(-1, s);
    assert_string_equal(s, "1969-12-31");
    assert_int_equal(date_parse_iso("2024-02-29", 10, &d), 0);
    bulk_format_date(d, s);
    assert_string_equal(s, "2024-02-29");
    bulk_format_date(d + 1, s);
    assert_string_equal(s, "2024-03-01");
    /* Agrees with core/date over a long range. */
    for (d = -800000; d < 2900000; d += 997) {
        char ref[11];
        date_format_iso(d, ref);
        bulk_format_date(d, s);
        assert_string_equal(s, ref);
    }
}

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/okaeri-demo-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_date),
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_bulk_abort_restores),
        cmocka_unit_test_setup_teardown(test_consistency, setup_shared, NULL),
        cmocka_unit_test(test_realistic_shape),
        cmocka_unit_test(test_settings_and_indexes_restored),
        cmocka_unit_test_setup_teardown(test_refuses_non_empty_database, NULL, teardown_shared),
    };
    int rc;
    if (make_tmpdir(NULL) < 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_tmpdir(NULL);
    return rc;
}
