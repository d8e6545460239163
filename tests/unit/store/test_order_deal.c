/* Tests for editing order lines and deals (src/store/order.c, deal.c): version checks, what an
 * edit may change, the audit trail, deleting a line, and reopening a lost deal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/customer.h"
#include "store/fields.h"
#include "store/deal.h"
#include "store/order.h"
#include "store/playbook.h"
#include "store_test.h"

static const struct store_actor tester = {0, "test"};

static int setup(void **state)
{
    struct test_db *t = calloc(1, sizeof(*t));
    test_db_open(t);
    test_db_exec(t->db, "INSERT INTO customers(code, name) VALUES ('C1', 'A'), ('C2', 'B');"
                        "INSERT INTO products(sku, name, price) VALUES ('P1', 'Tea', 500);");
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct test_db *t = *state;
    test_db_close(t);
    free(t);
    return 0;
}

/* Adds a line of order `code`: quantity × 500 yen of P1. Returns its id. */
static int64_t add_line(struct db *db, const char *code, int64_t quantity)
{
    struct order_line o;
    struct ok_err err;
    int64_t id;
    memset(&o, 0, sizeof(o));
    o.order_code = strdup(code);
    o.customer_code = strdup("C1");
    o.ordered_at = strdup("2024-01-05");
    o.product_sku = strdup("P1");
    o.quantity = quantity;
    o.unit_price = 500;
    o.has_unit_price = 1;
    id = store_order_add(db, &tester, &o, &err);
    assert_true(id > 0);
    assert_int_equal(o.version, 1);
    order_line_release(&o);
    return id;
}

static void test_order_update(void **state)
{
    struct db *db = ((struct test_db *)*state)->db;
    struct order_line o, stale;
    struct ok_err err;
    int64_t id = add_line(db, "R1", 2);
    assert_int_equal(store_order_get(db, id, &o, &err), 0);
    assert_int_equal(o.amount, 1000);
    assert_int_equal(o.version, 1);
    assert_int_equal(store_order_get(db, id, &stale, &err), 0);

    /* three instead of two, amount recomputed; the customer cannot be changed by an edit */
    o.quantity = 3;
    o.has_amount = 0;
    store_field_set(&o.customer_code, "C2");
    store_field_set(&o.ordered_at, "2024/2/1 10:30");
    store_field_set(&o.channel, "online");
    assert_int_equal(store_order_update(db, &tester, &o, &err), 0);
    assert_int_equal(o.version, 2);
    assert_int_equal(o.amount, 1500);
    assert_string_equal(o.customer_code, "C1");
    assert_string_equal(o.ordered_at, "2024-02-01 10:30:00");
    order_line_release(&o);
    assert_int_equal(store_order_get(db, id, &o, &err), 0);
    assert_int_equal(o.amount, 1500);
    assert_int_equal(o.quantity, 3);
    assert_string_equal(o.channel, "online");
    assert_string_equal(o.customer_code, "C1");
    assert_int_equal(o.version, 2);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'order' AND "
                                     "action = 'update' AND before LIKE '%\"amount\":1000%' "
                                     "AND after LIKE '%\"amount\":1500%'"),
                     1);

    /* the second editor still holds version 1: refused, nothing written */
    stale.amount = 1;
    assert_int_equal(store_order_update(db, &tester, &stale, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(test_db_i64(db, "SELECT amount FROM orders"), 1500);
    order_line_release(&stale);

    /* a given amount wins over quantity × price; clearing the product and the unit price */
    o.amount = 1200;
    o.has_amount = 1;
    o.has_unit_price = 0;
    store_field_set(&o.product_sku, NULL);
    assert_int_equal(store_order_update(db, &tester, &o, &err), 0);
    assert_int_equal(test_db_i64(db, "SELECT amount FROM orders"), 1200);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM orders WHERE unit_price IS NULL AND "
                                     "product_id IS NULL AND version = 3"),
                     1);

    /* invalid edits change nothing */
    store_field_set(&o.ordered_at, "2024-13-40");
    assert_int_equal(store_order_update(db, &tester, &o, &err), -1);
    assert_int_equal(err.code, OK_ERR_INVALID);
    assert_string_equal(err.field, "ordered_at");
    store_field_set(&o.ordered_at, "2024-02-01");
    store_field_set(&o.product_sku, "NOPE");
    assert_int_equal(store_order_update(db, &tester, &o, &err), -1);
    assert_string_equal(err.field, "product");
    store_field_set(&o.product_sku, NULL);
    o.quantity = -1; /* a return needs a negative amount too */
    assert_int_equal(store_order_update(db, &tester, &o, &err), -1);
    assert_string_equal(err.field, "amount");
    o.quantity = 1;
    o.amount = ORDER_AMOUNT_MAX + 1;
    assert_int_equal(store_order_update(db, &tester, &o, &err), -1);
    assert_string_equal(err.field, "amount");
    assert_int_equal(test_db_i64(db, "SELECT version FROM orders"), 3);
    assert_int_equal(test_db_i64(db, "SELECT amount FROM orders"), 1200);
    order_line_release(&o);

    o.id = 999;
    o.version = 1;
    assert_int_equal(store_order_update(db, &tester, &o, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
}

static void test_order_delete(void **state)
{
    struct db *db = ((struct test_db *)*state)->db;
    struct ok_err err;
    struct order_line o;
    int64_t id = add_line(db, "R1", 1);
    int64_t other = add_line(db, "R1", 2);
    assert_int_equal(store_order_delete(db, &tester, id, 2, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM orders"), 2);
    assert_int_equal(store_order_delete(db, &tester, id, 1, &err), 0);
    assert_int_equal(store_order_get(db, id, &o, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(store_order_delete(db, &tester, id, 1, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM orders"), 1);
    assert_int_equal(test_db_i64(db, "SELECT id FROM orders"), other);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'order' AND "
                                     "action = 'delete' AND after IS NULL AND "
                                     "before LIKE '%\"amount\":500%'"),
                     1);
}

static int64_t open_deal(struct db *db, const char *opened)
{
    struct deal d;
    struct ok_err err;
    int64_t id;
    memset(&d, 0, sizeof(d));
    d.customer_code = strdup("C1");
    d.title = strdup("年間契約");
    d.opened_at = strdup(opened);
    d.amount = 100000;
    d.product_sku = strdup("P1");
    id = store_deal_create(db, &tester, &d, &err);
    assert_true(id > 0);
    deal_release(&d);
    return id;
}

static void test_deal_update(void **state)
{
    struct db *db = ((struct test_db *)*state)->db;
    struct ok_err err;
    struct deal d, stale;
    char ref[24];
    int64_t id = open_deal(db, "2024-03-01");
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    assert_int_equal(store_deal_get(db, ref, &d, &err), 0);
    assert_int_equal(store_deal_get(db, ref, &stale, &err), 0);
    store_field_set(&d.title, "年間契約 (増額)");
    d.amount = 150000;
    store_field_set(&d.kind, "upsell");
    store_field_set(&d.opened_at, "2024/3/2");
    store_field_set(&d.stage, "won");        /* ignored: stages change by win/lose/reopen */
    store_field_set(&d.customer_code, "C2"); /* ignored */
    assert_int_equal(store_deal_update(db, &tester, &d, &err), 0);
    assert_int_equal(d.version, 2);
    deal_release(&d);
    assert_int_equal(store_deal_get(db, ref, &d, &err), 0);
    assert_string_equal(d.title, "年間契約 (増額)");
    assert_int_equal(d.amount, 150000);
    assert_string_equal(d.kind, "upsell");
    assert_string_equal(d.opened_at, "2024-03-02");
    assert_string_equal(d.stage, "open");
    assert_string_equal(d.customer_code, "C1");
    assert_string_equal(d.product_sku, "P1");
    assert_int_equal(d.version, 2);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'deal' AND "
                                     "action = 'update'"),
                     1);

    /* the other editor loses */
    store_field_set(&stale.title, "x");
    assert_int_equal(store_deal_update(db, &tester, &stale, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    deal_release(&stale);

    /* invalid values, and a won deal cannot open after it closed */
    store_field_set(&d.kind, "gift");
    assert_int_equal(store_deal_update(db, &tester, &d, &err), -1);
    assert_string_equal(err.field, "kind");
    store_field_set(&d.kind, "new");
    store_field_set(&d.owner_login, "nobody");
    assert_int_equal(store_deal_update(db, &tester, &d, &err), -1);
    assert_string_equal(err.field, "owner");
    store_field_set(&d.owner_login, NULL);
    d.amount = -5;
    assert_int_equal(store_deal_update(db, &tester, &d, &err), -1);
    assert_string_equal(err.field, "amount");
    d.amount = 150000;
    assert_int_equal(store_deal_win(db, &tester, ref, "2024-03-20", -1, &err), 0);
    deal_release(&d);
    assert_int_equal(store_deal_get(db, ref, &d, &err), 0);
    assert_int_equal(d.version, 3);
    store_field_set(&d.opened_at, "2024-03-25");
    assert_int_equal(store_deal_update(db, &tester, &d, &err), -1);
    assert_string_equal(err.field, "closed_at");
    store_field_set(&d.opened_at, "2024-03-05");
    assert_int_equal(store_deal_update(db, &tester, &d, &err), 0);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM deals WHERE stage = 'won' AND "
                                     "opened_at = '2024-03-05' AND closed_at = '2024-03-20'"),
                     1);
    deal_release(&d);
}

static int count_rows(void *ctx, const struct deal *d)
{
    (void)d;
    (*(int *)ctx)++;
    return 0;
}

static void test_deal_reopen(void **state)
{
    struct db *db = ((struct test_db *)*state)->db;
    struct ok_err err;
    struct deal d;
    struct enrollment e;
    struct deal_query q;
    char ref[24], nref[24];
    int64_t id = open_deal(db, "2024-03-01"), nid, enr;
    int n;
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    /* only lost deals reopen */
    assert_int_equal(store_deal_reopen(db, &tester, ref, 0, "2024-04-01", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(store_deal_lose(db, &tester, ref, "2024-03-10", "price", "高い", &err), 0);
    /* the loss started a playbook for this deal */
    memset(&e, 0, sizeof(e));
    e.playbook = strdup("lost-price");
    e.customer_code = strdup("C1");
    e.deal_id = id;
    e.trigger_key = strdup("deal:1");
    e.triggered_on = strdup("2024-03-10");
    enr = store_enrollment_create(db, &tester, &e, NULL, &err);
    assert_true(enr > 0);
    enrollment_release(&e);

    assert_int_equal(store_deal_reopen(db, &tester, ref, 0, "2024-03-09", &err), -1);
    assert_int_equal(err.code, OK_ERR_INVALID);
    assert_string_equal(err.field, "opened_at");
    assert_int_equal(store_deal_reopen(db, &tester, ref, 1, "2024-04-01", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT); /* lost made it version 2 */
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM deals"), 1);

    nid = store_deal_reopen(db, &tester, ref, 2, "2024/4/1", &err);
    assert_true(nid > id);
    snprintf(nref, sizeof(nref), "%lld", (long long)nid);
    /* the loss stays as it was, linked to its continuation */
    assert_int_equal(store_deal_get(db, ref, &d, &err), 0);
    assert_string_equal(d.stage, "lost");
    assert_string_equal(d.lost_reason, "price");
    assert_string_equal(d.closed_at, "2024-03-10");
    assert_int_equal(d.reopened_as, nid);
    assert_int_equal(d.reopened_from, 0);
    assert_int_equal(d.version, 3);
    deal_release(&d);
    assert_int_equal(store_deal_get(db, nref, &d, &err), 0);
    assert_string_equal(d.stage, "open");
    assert_string_equal(d.opened_at, "2024-04-01");
    assert_null(d.closed_at);
    assert_null(d.lost_reason);
    assert_string_equal(d.title, "年間契約");
    assert_int_equal(d.amount, 100000);
    assert_string_equal(d.product_sku, "P1");
    assert_int_equal(d.reopened_from, id);
    assert_int_equal(d.version, 1);
    deal_release(&d);
    /* the automation the loss started has ended */
    assert_int_equal(store_enrollment_get(db, enr, &e, &err), 0);
    assert_string_equal(e.status, "exited");
    assert_string_equal(e.exit_reason, "deal_reopened");
    enrollment_release(&e);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'deal' AND "
                                     "action = 'reopen'"),
                     1);

    /* once only */
    assert_int_equal(store_deal_reopen(db, &tester, ref, 0, NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM deals"), 2);
    /* even past the check: the unique index refuses a second continuation */
    {
        struct ok_err e2;
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO deals(customer_id, opened_at, reopened_from) VALUES (1, "
                 "'2024-05-01', %lld)",
                 (long long)id);
        assert_int_equal(db_exec(db, sql, &e2), -1);
    }

    /* lost deals not reopened, for the deal_lost trigger */
    memset(&q, 0, sizeof(q));
    q.stage = "lost";
    n = 0;
    assert_int_equal(store_deal_list(db, &q, count_rows, &n, &err), 0);
    assert_int_equal(n, 1);
    q.not_reopened = 1;
    n = 0;
    assert_int_equal(store_deal_list(db, &q, count_rows, &n, &err), 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deal_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deal_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
