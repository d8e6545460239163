/* Tests for src/service/snapshot.c with src/store/history.c: the ledger loaded from a database
 * file (order lines read in chunks by two threads on two connections) equals the ledger built
 * line by line from the same rows; lines out of customer order, an empty orders table, and an
 * order line of an unknown customer. The in-place updates (snapshot_apply_deal and
 * snapshot_apply_settings, as the server runs them after a write) give exactly what a fresh load
 * of the same database gives, and refuse what they cannot follow; on PostgreSQL too when
 * OKAERI_TEST_PG_URL is set (tests/pg/run runs this file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analytics/ledger.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/table.h"
#include "demo/demo.h"
#include "service/reports.h"
#include "service/settings.h"
#include "service/snapshot.h"
#include "store/contract.h"
#include "store/deal.h"
#include "store/feedback.h"
#include "store/history.h"
#include "store/referral.h"
#include "store/store_test.h"

#define NCUST  60
#define NLINES 5000

/* Customers 1..NCUST, and NLINES one-line orders whose customers and dates are scrambled, so
 * that the table is neither in customer nor in date order. */
static void fill(struct db *db)
{
    char sql[1024];
    test_db_exec(db, "BEGIN");
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO customers(id, code, name, created_at) SELECT i, printf('C%%04d', i), "
             "printf('customer %%d', i), '2020-01-01 00:00:00' FROM n",
             NCUST);
    test_db_exec(db, sql);
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO orders(order_code, customer_id, ordered_at, amount, product_id) "
             "SELECT printf('O%%06d', i), 1 + (i * 7919) %% %d, "
             "date('2021-01-01', printf('+%%d days', (i * 104729) %% 700)) || ' 10:00:00', "
             "100 + (i * 31) %% 977 - CASE WHEN i %% 50 = 0 THEN 2000 ELSE 0 END, NULL FROM n",
             NLINES, NCUST);
    test_db_exec(db, sql);
    test_db_exec(db, "COMMIT");
}

/* The same ledger built the plain way: every row through ledger_builder_add_line. */
static struct ledger *build_plain(struct db *db)
{
    struct ok_err err;
    struct ledger_builder b;
    struct db_stmt *st;
    ledger_builder_init(&b, 0);
    st = db_prepare(db, "SELECT id FROM customers ORDER BY id", &err);
    assert_non_null(st);
    while (db_step(st, &err) == DB_ROW) {
        struct ledger_customer_in c = {.id = db_column_i64(st, 0),
                                       .created_day = LEDGER_NO_DAY,
                                       .owner_id = LEDGER_NONE,
                                       .source_id = LEDGER_NONE,
                                       .referred_by = LEDGER_NONE,
                                       .cause_id = LEDGER_NONE};
        assert_true(ledger_builder_add_customer(&b, &c, &err) >= 0);
    }
    db_stmt_free(&st);
    st = db_prepare(db, "SELECT customer_id, ordered_at, amount, order_code FROM orders", &err);
    assert_non_null(st);
    while (db_step(st, &err) == DB_ROW) {
        size_t n;
        const char *code;
        int32_t day;
        assert_int_equal(date_parse_iso(db_column_text(st, 1), 10, &day), 0);
        code = db_column_text_len(st, 3, &n);
        assert_int_equal(ledger_builder_add_line(&b, db_column_i64(st, 0), day,
                                                 db_column_i64(st, 2), store_order_key(code, n), 0,
                                                 &err),
                         0);
    }
    db_stmt_free(&st);
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    return l;
}

static void assert_same_lines(const struct ledger *a, const struct ledger *b)
{
    assert_int_equal(a->ncust, b->ncust);
    assert_int_equal(a->nlines, b->nlines);
    assert_int_equal(a->min_day, b->min_day);
    assert_int_equal(a->max_day, b->max_day);
    for (uint32_t c = 0; c < a->ncust; c++) {
        assert_int_equal(a->cust_id[c], b->cust_id[c]);
        assert_int_equal(a->seg_len[c], b->seg_len[c]);
        for (uint32_t i = 0; i < a->seg_len[c]; i++) {
            uint64_t x = a->seg_off[c] + i, y = b->seg_off[c] + i;
            assert_int_equal(a->line_day[x], b->line_day[y]);
            assert_int_equal(a->line_amount[x], b->line_amount[y]);
            assert_int_equal(a->line_order[x], b->line_order[y]);
            assert_int_equal(a->line_product[x], b->line_product[y]);
            if (i > 0) /* sorted by day */
                assert_true(a->line_day[x - 1] <= a->line_day[x]);
        }
    }
}

static void test_load_equals_plain_build(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct snapshot s;
    struct ok_err err;
    (void)state;
    fill(db);
    store_history_set_readers(2);
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    struct ledger *plain = build_plain(db);
    assert_int_equal(s.ledger->nlines, NLINES);
    assert_same_lines(s.ledger, plain);
    /* Sums per customer straight from SQL, for one customer. */
    long c7 = ledger_customer_index(s.ledger, 7);
    assert_true(c7 >= 0);
    long long sum = 0;
    for (uint32_t i = 0; i < s.ledger->seg_len[c7]; i++)
        sum += s.ledger->line_amount[s.ledger->seg_off[c7] + i];
    assert_int_equal(sum, test_db_i64(db, "SELECT sum(amount) FROM orders WHERE customer_id = 7"));
    /* Loading twice gives the same (the connection is left usable, no transaction open), and
     * so does one reader. */
    snapshot_release(&s);
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    assert_same_lines(s.ledger, plain);
    snapshot_release(&s);
    store_history_set_readers(1);
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    assert_same_lines(s.ledger, plain);
    store_history_set_readers(2);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM customers"), NCUST);
    snapshot_release(&s);
    ledger_free(&plain);
    test_db_close(&t);
}

static void test_no_orders(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct snapshot s;
    struct ok_err err;
    (void)state;
    test_db_exec(db, "INSERT INTO customers(id, code, name) VALUES (1, 'C1', 'one'), "
                     "(5, 'C5', 'five')");
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    assert_int_equal(s.ledger->ncust, 2);
    assert_int_equal(s.ledger->nlines, 0);
    assert_int_equal(ledger_customer_index(s.ledger, 5), 1);
    assert_int_equal(ledger_customer_index(s.ledger, 4), -1);
    snapshot_release(&s);
    test_db_close(&t);
}

static void test_unknown_customer_fails(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct snapshot s;
    struct ok_err err;
    (void)state;
    fill(db);
    /* A line whose customer does not exist, near the end of the table (the second reader's
     * part); only possible with the foreign keys off. */
    test_db_exec(db, "PRAGMA foreign_keys=OFF");
    test_db_exec(db, "INSERT INTO orders(order_code, customer_id, ordered_at, amount) VALUES "
                     "('X1', 999, '2021-05-05 10:00:00', 10)");
    test_db_exec(db, "PRAGMA foreign_keys=ON");
    for (int readers = 1; readers <= 2; readers++) {
        store_history_set_readers(readers);
        assert_int_equal(snapshot_load(db, &s, &err), -1);
        assert_non_null(strstr(err.message, "999"));
        assert_null(s.ledger);
    }
    store_history_set_readers(0);
    /* The connection is still usable after the failed load. */
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM orders"), NLINES + 1);
    test_db_close(&t);
}

#define APPLY_AS_OF "2025-06-30"

/* A report of s rendered as JSON (the server's GET /api/v1/reports/NAME body); caller frees. */
static char *report_json(struct db *db, const struct snapshot *s, const char *name)
{
    struct report_params p;
    struct ok_err err;
    struct buf out;
    const struct report_def *def = service_report_find(name);
    struct table *t;
    assert_non_null(def);
    memset(&p, 0, sizeof(p));
    report_plan_inputs_init(&p.plan);
    assert_int_equal(date_parse_iso(APPLY_AS_OF, 10, &p.as_of), 0);
    t = service_report_run(db, s, def, &p, &err);
    if (!t)
        fail_msg("report %s: %s", name, err.message);
    buf_init(&out, 0);
    table_render_json(t, &out);
    table_free(&t);
    assert_false(out.failed);
    char *json = buf_detach(&out, NULL);
    buf_release(&out); /* detach left it initialised */
    return json;
}

/* live equals a fresh load of db: the deals field by field with their ids, the referrals' deal
 * indexes, the settings, and the reports that read deals and settings. */
static void assert_same_as_load(struct db *db, const struct snapshot *live)
{
    static const char *const reports[] = {"inventory", "kpis",    "lost-reasons", "upsell",
                                          "referrals", "summary", "satisfaction", "renewals"};
    struct snapshot fresh;
    struct ok_err err;
    const struct ledger *a = live->ledger, *b;
    assert_int_equal(snapshot_load(db, &fresh, &err), 0);
    b = fresh.ledger;
    assert_int_equal(a->ndeals, b->ndeals);
    assert_int_equal(live->ndeal_ids, fresh.ndeal_ids);
    assert_int_equal(live->ndeal_ids, a->ndeals);
    for (size_t i = 0; i < a->ndeals; i++) {
        const struct ledger_deal *x = &a->deals[i], *y = &b->deals[i];
        assert_int_equal(live->deal_ids[i], fresh.deal_ids[i]);
        assert_int_equal(a->cust_id[x->cust], b->cust_id[y->cust]);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->stage, y->stage);
        assert_int_equal(x->opened_day, y->opened_day);
        assert_int_equal(x->closed_day, y->closed_day);
        assert_int_equal(x->amount, y->amount);
        assert_int_equal(x->lost_reason, y->lost_reason);
        assert_int_equal(x->trigger_id, y->trigger_id);
        assert_int_equal(x->product, y->product);
    }
    assert_int_equal(a->nfeedback, b->nfeedback);
    for (size_t i = 0; i < a->nfeedback; i++) {
        assert_int_equal(a->cust_id[a->feedback[i].cust], b->cust_id[b->feedback[i].cust]);
        assert_int_equal(a->feedback[i].kind, b->feedback[i].kind);
        assert_int_equal(a->feedback[i].score, b->feedback[i].score);
        assert_int_equal(a->feedback[i].day, b->feedback[i].day);
    }
    assert_int_equal(a->nreferrals, b->nreferrals);
    for (size_t i = 0; i < a->nreferrals; i++) {
        const struct ledger_referral *x = &a->referrals[i], *y = &b->referrals[i];
        assert_int_equal(a->cust_id[x->referrer], b->cust_id[y->referrer]);
        assert_int_equal(x->referred == LEDGER_NONE ? 0 : a->cust_id[x->referred],
                         y->referred == LEDGER_NONE ? 0 : b->cust_id[y->referred]);
        assert_int_equal(x->day, y->day);
        assert_int_equal(x->trigger_id, y->trigger_id);
        assert_int_equal(x->deal, y->deal);
    }
    assert_int_equal(a->ncontracts, b->ncontracts);
    for (size_t i = 0; i < a->ncontracts; i++) {
        const struct ledger_contract *x = &a->contracts[i], *y = &b->contracts[i];
        assert_int_equal(x->id, y->id);
        assert_int_equal(a->cust_id[x->cust], b->cust_id[y->cust]);
        assert_int_equal(x->product, y->product);
        assert_int_equal(x->start_day, y->start_day);
        assert_int_equal(x->end_day, y->end_day);
        assert_int_equal(x->amount, y->amount);
        assert_int_equal(x->renewed_from, y->renewed_from);
        assert_int_equal(x->end_reason, y->end_reason);
        assert_int_equal(x->renewed_by, y->renewed_by);
    }
    assert_string_equal(live->currency, fresh.currency);
    assert_string_equal(live->time_zone, fresh.time_zone);
    assert_int_equal(live->money_decimals, fresh.money_decimals);
    assert_int_equal(live->settings.active_days, fresh.settings.active_days);
    assert_int_equal(live->settings.sleeping_days, fresh.settings.sleeping_days);
    assert_int_equal(live->settings.window_days, fresh.settings.window_days);
    assert_int_equal(live->settings.loyal_min_orders, fresh.settings.loyal_min_orders);
    for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
        char *x = report_json(db, live, reports[i]), *y = report_json(db, &fresh, reports[i]);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    snapshot_release(&fresh);
}

static size_t count_stage(const struct ledger *l, int stage)
{
    size_t n = 0;
    for (size_t i = 0; i < l->ndeals; i++)
        n += l->deals[i].stage == stage;
    return n;
}

/* A text column of the first row of sql, copied into out. */
static void query_text(struct db *db, const char *sql, char *out, size_t size)
{
    struct ok_err err;
    struct db_stmt *st = db_prepare(db, sql, &err);
    assert_non_null(st);
    assert_int_equal(db_step(st, &err), DB_ROW);
    snprintf(out, size, "%s", db_column_text(st, 0));
    db_stmt_free(&st);
}

/* The writes of the server's deal and settings handlers, each followed in place and compared
 * with a fresh load; db holds an empty okaeri schema. */
static void apply_checks(struct db *db)
{
    struct demo_options o;
    struct snapshot live;
    struct ok_err err;
    struct store_actor who = {0, "test"};
    struct deal d;
    char cust[64], reason[64], trigger[64], sku[64], ref[24], sql[256];
    int64_t id, reopened, old_id, max_id;
    size_t lost0;
    char *before, *after;
    demo_options_init(&o);
    o.customers = 300;
    o.seed = 3;
    assert_int_equal(date_parse_iso(APPLY_AS_OF, 10, &o.as_of), 0);
    assert_int_equal(demo_generate(db, &o, NULL, &err), 0);
    assert_int_equal(snapshot_load(db, &live, &err), 0);
    assert_true(live.ndeal_ids > 10);
    assert_same_as_load(db, &live);
    query_text(db, "SELECT code FROM customers ORDER BY id LIMIT 1 OFFSET 7", cust, sizeof(cust));
    query_text(db, "SELECT code FROM lost_reasons ORDER BY id DESC LIMIT 1", reason,
               sizeof(reason));
    query_text(db, "SELECT code FROM triggers ORDER BY id LIMIT 1", trigger, sizeof(trigger));
    query_text(db, "SELECT sku FROM products ORDER BY id LIMIT 1 OFFSET 2", sku, sizeof(sku));

    /* A new deal, then lost with a reason: the lost-reasons report changes, and equals a load. */
    before = report_json(db, &live, "lost-reasons");
    lost0 = count_stage(live.ledger, DEAL_LOST);
    memset(&d, 0, sizeof(d)); /* the store may rewrite the fields: they are owned */
    d.customer_code = strdup(cust);
    d.kind = strdup("upsell");
    d.title = strdup("more beans");
    d.opened_at = strdup("2025-06-01");
    d.trigger = strdup(trigger);
    d.product_sku = strdup(sku);
    d.amount = 12345;
    id = store_deal_create(db, &who, &d, &err);
    deal_release(&d);
    assert_true(id > 0);
    assert_int_equal(snapshot_apply_deal(&live, db, id, &err), 0);
    assert_same_as_load(db, &live);
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    assert_int_equal(store_deal_lose(db, &who, ref, "2025-06-10", reason, "too dear", &err), 0);
    assert_int_equal(snapshot_apply_deal(&live, db, id, &err), 0);
    assert_int_equal(count_stage(live.ledger, DEAL_LOST), lost0 + 1);
    after = report_json(db, &live, "lost-reasons");
    assert_string_not_equal(before, after);
    free(before);
    free(after);
    assert_same_as_load(db, &live);

    /* Reopened: the loss stays, a new deal continues it; then won with a new amount. */
    reopened = store_deal_reopen(db, &who, ref, 0, "2025-06-15", &err);
    assert_true(reopened > id);
    assert_int_equal(snapshot_apply_deal(&live, db, reopened, &err), 0);
    assert_same_as_load(db, &live);
    snprintf(ref, sizeof(ref), "%lld", (long long)reopened);
    assert_int_equal(store_deal_win(db, &who, ref, "2025-06-20", 50000, &err), 0);
    assert_int_equal(snapshot_apply_deal(&live, db, reopened, &err), 0);
    assert_same_as_load(db, &live);

    /* A loaded open deal edited (kind, amount, trigger, product, opened), then lost. */
    old_id = test_db_i64(db, "SELECT min(id) FROM deals WHERE stage = 'open'");
    assert_true(old_id > 0 && old_id < id);
    snprintf(ref, sizeof(ref), "%lld", (long long)old_id);
    assert_int_equal(store_deal_get(db, ref, &d, &err), 0);
    free(d.kind);
    d.kind = strdup("cross_sell");
    free(d.trigger);
    d.trigger = strdup(trigger);
    free(d.product_sku);
    d.product_sku = strdup(sku);
    d.amount += 777;
    assert_int_equal(store_deal_update(db, &who, &d, &err), 0);
    deal_release(&d);
    assert_int_equal(snapshot_apply_deal(&live, db, old_id, &err), 0);
    assert_same_as_load(db, &live);
    assert_int_equal(store_deal_lose(db, &who, ref, APPLY_AS_OF, reason, NULL, &err), 0);
    assert_int_equal(snapshot_apply_deal(&live, db, old_id, &err), 0);
    assert_same_as_load(db, &live);

    /* New feedback (a satisfaction score): the satisfaction report changes, and equals a load. */
    {
        struct feedback f;
        size_t nf = live.ledger->nfeedback;
        int64_t fid;
        before = report_json(db, &live, "satisfaction");
        memset(&f, 0, sizeof(f));
        f.customer_code = strdup(cust);
        f.kind = strdup("satisfaction");
        f.score = 2;
        f.received_on = strdup("2025-06-20");
        fid = store_feedback_create(db, &who, &f, &err);
        feedback_release(&f);
        assert_true(fid > 0);
        assert_int_equal(snapshot_apply_feedback(&live, db, fid, &err), 0);
        assert_int_equal(live.ledger->nfeedback, nf + 1);
        after = report_json(db, &live, "satisfaction");
        assert_string_not_equal(before, after);
        free(before);
        free(after);
        assert_same_as_load(db, &live);
        assert_int_equal(snapshot_apply_feedback(&live, db, fid + 1000, &err), 1);
    }

    /* A referral (of a customer, naming the new deal) and one of a prospect. */
    {
        struct referral x;
        char cust2[64];
        int64_t rid;
        size_t nr = live.ledger->nreferrals;
        query_text(db, "SELECT code FROM customers ORDER BY id LIMIT 1 OFFSET 11", cust2,
                   sizeof(cust2));
        memset(&x, 0, sizeof(x));
        x.referrer_code = strdup(cust);
        x.referred_code = strdup(cust2);
        x.referred_on = strdup("2025-06-05");
        x.trigger = strdup(trigger);
        x.deal_id = id;
        assert_int_equal(store_referral_validate(&x, &err), 0);
        rid = store_referral_create(db, &who, &x, &err);
        referral_release(&x);
        assert_true(rid > 0);
        assert_int_equal(snapshot_apply_referral(&live, db, rid, &err), 0);
        assert_same_as_load(db, &live);
        memset(&x, 0, sizeof(x));
        x.referrer_code = strdup(cust2);
        x.prospect_name = strdup("a friend");
        x.referred_on = strdup("2025-06-07");
        assert_int_equal(store_referral_validate(&x, &err), 0);
        rid = store_referral_create(db, &who, &x, &err);
        referral_release(&x);
        assert_true(rid > 0);
        assert_int_equal(snapshot_apply_referral(&live, db, rid, &err), 0);
        assert_int_equal(live.ledger->nreferrals, nr + 2);
        assert_same_as_load(db, &live);
    }

    /* A contract, then its renewal (linked both ways); an edit of a known contract is refused. */
    {
        struct contract k;
        int64_t cid, next;
        memset(&k, 0, sizeof(k));
        k.customer_code = strdup(cust);
        k.product_sku = strdup(sku);
        k.start_on = strdup("2024-07-01");
        k.end_on = strdup("2025-06-30");
        k.amount = 120000;
        assert_int_equal(store_contract_validate(&k, &err), 0);
        cid = store_contract_create(db, &who, &k, &err);
        contract_release(&k);
        assert_true(cid > 0);
        assert_int_equal(snapshot_apply_contract(&live, db, cid, &err), 0);
        assert_same_as_load(db, &live);
        memset(&k, 0, sizeof(k));
        k.customer_code = strdup(cust);
        k.start_on = strdup("2025-07-01");
        k.end_on = strdup("2026-06-30");
        k.amount = 130000;
        assert_int_equal(store_contract_validate(&k, &err), 0);
        next = store_contract_renew(db, &who, cid, &k, &err);
        contract_release(&k);
        assert_true(next > cid);
        assert_int_equal(snapshot_apply_contract(&live, db, next, &err), 0);
        assert_int_equal(live.ledger->contracts[live.ledger->ncontracts - 2].renewed_by,
                         (int32_t)live.ledger->ncontracts - 1);
        assert_same_as_load(db, &live);
        assert_int_equal(snapshot_apply_contract(&live, db, cid, &err), 1);
        assert_int_equal(snapshot_apply_contract(&live, db, next + 1000, &err), 1);
    }

    /* Settings: thresholds and the time zone follow in place; a currency with other decimals
     * does not (the ledger keeps the decimals). */
    before = report_json(db, &live, "inventory");
    assert_int_equal(service_setting_set(db, &who, "state.active_days", "30", &err), 0);
    assert_int_equal(snapshot_apply_settings(&live, db, &err), 0);
    assert_int_equal(live.settings.active_days, 30);
    after = report_json(db, &live, "inventory");
    assert_string_not_equal(before, after);
    free(before);
    free(after);
    assert_same_as_load(db, &live);
    assert_int_equal(service_setting_set(db, &who, "time_zone", "America/New_York", &err), 0);
    assert_int_equal(snapshot_apply_settings(&live, db, &err), 0);
    assert_same_as_load(db, &live);
    /* The store refuses such a currency change once amounts are stored, so write it straight
     * into the table (as on a database that had no amounts yet). */
    test_db_exec(db, "UPDATE settings SET value = 'USD' WHERE key = 'currency'");
    assert_int_equal(snapshot_apply_settings(&live, db, &err), 1);
    assert_string_equal(live.currency, "JPY"); /* unchanged: the caller reloads */
    test_db_exec(db, "UPDATE settings SET value = 'JPY' WHERE key = 'currency'");

    /* A new id above the last is added; one below it (a reused SQLite id) is refused. */
    max_id = test_db_i64(db, "SELECT max(id) FROM deals");
    snprintf(sql, sizeof(sql),
             "INSERT INTO deals(id, customer_id, kind, stage, title, amount, opened_at, "
             "created_at, updated_at) VALUES (%lld, 1, 'new', 'open', 'x', 5, '2025-06-01', "
             "'2025-06-01 00:00:00', '2025-06-01 00:00:00')",
             (long long)(max_id + 100));
    test_db_exec(db, sql);
    assert_int_equal(snapshot_apply_deal(&live, db, max_id + 100, &err), 0);
    assert_same_as_load(db, &live);
    snprintf(sql, sizeof(sql),
             "INSERT INTO deals(id, customer_id, kind, stage, title, amount, opened_at, "
             "created_at, updated_at) VALUES (%lld, 1, 'new', 'open', 'y', 6, '2025-06-01', "
             "'2025-06-01 00:00:00', '2025-06-01 00:00:00')",
             (long long)(max_id + 50));
    test_db_exec(db, sql);
    size_t n = live.ndeal_ids;
    assert_int_equal(snapshot_apply_deal(&live, db, max_id + 50, &err), 1);
    assert_int_equal(live.ndeal_ids, n);
    /* No such deal, and a deal moved to another customer: refused, snapshot unchanged. */
    assert_int_equal(snapshot_apply_deal(&live, db, max_id + 1000, &err), 1);
    snprintf(sql, sizeof(sql), "UPDATE deals SET customer_id = 2 WHERE id = %lld",
             (long long)(max_id + 100));
    test_db_exec(db, sql);
    assert_int_equal(snapshot_apply_deal(&live, db, max_id + 100, &err), 1);
    assert_int_equal(live.ledger->cust_id[live.ledger->deals[n - 1].cust], 1);
    snapshot_release(&live);
}

static void test_apply_equals_load(void **state)
{
    struct test_db t;
    (void)state;
    apply_checks(test_db_open(&t));
    test_db_close(&t);
}

/* The same on PostgreSQL (identity ids), in a schema of its own; needs OKAERI_TEST_PG_URL (set
 * by tests/pg/run), skipped without it. */
static void test_apply_equals_load_postgres(void **state)
{
    const char *url = getenv("OKAERI_TEST_PG_URL");
    struct ok_err err;
    struct db *admin, *db;
    char schema[64], target[1024], sql[256];
    (void)state;
    if (!url || !*url)
        skip();
    snprintf(schema, sizeof(schema), "okaeri_snapshot_%ld", (long)getpid());
    admin = db_open(url, 0, &err);
    assert_non_null(admin);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    test_db_exec(admin, sql);
    snprintf(target, sizeof(target), "%s%soptions=-csearch_path%%3D%s", url,
             strchr(url, '?') ? "&" : "?", schema);
    db = db_open(target, 0, &err);
    if (!db)
        fail_msg("db_open: %s", err.message);
    assert_int_equal(migrate_apply(db, NULL, &err), 0);
    apply_checks(db);
    db_close(&db);
    snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
    test_db_exec(admin, sql);
    db_close(&admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_equals_plain_build),    cmocka_unit_test(test_no_orders),
        cmocka_unit_test(test_unknown_customer_fails),     cmocka_unit_test(test_apply_equals_load),
        cmocka_unit_test(test_apply_equals_load_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
