/* Tests for src/store/customer.c, order.c and deal.c against a fresh SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"
#include "store/customer.h"
#include "store/deal.h"
#include "store/order.h"

static const struct store_actor tester = {0, "test"};

struct fixture {
    char path[64];
    struct db *db;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ok_err err;
    int fd;
    snprintf(f->path, sizeof(f->path), "/tmp/okaeri-test-XXXXXX");
    fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    unlink(f->path);
    f->db = db_open(f->path, DB_OPEN_CREATE, &err);
    assert_non_null(f->db);
    assert_int_equal(migrate_apply(f->db, NULL, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char side[80];
    db_close(&f->db);
    unlink(f->path);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    unlink(side);
    free(f);
    return 0;
}

static int64_t add_customer(struct db *db, const char *code, const char *name, const char *kana,
                            const char *phone, struct ok_err *err)
{
    struct customer c;
    int64_t id;
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, code);
    customer_set(&c.name, name);
    customer_set(&c.name_kana, kana);
    customer_set(&c.phone, phone);
    id = store_customer_create(db, &tester, &c, err);
    customer_release(&c);
    return id;
}

static void test_create_get_update(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    struct customer c, stale;
    assert_true(add_customer(f->db, "C1", "山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "03(1234)5678", &err) > 0);
    assert_int_equal(store_customer_get(f->db, "C1", &c, &err), 0);
    assert_string_equal(c.name, "山田 太郎");
    assert_string_equal(c.name_kana, "ﾔﾏﾀﾞ ﾀﾛｳ"); /* kept as written */
    assert_string_equal(c.phone, "0312345678");   /* stored normalised */
    assert_int_equal(c.version, 1);
    assert_null(c.owner_login);

    /* two editors load version 1; the second one's write is refused */
    assert_int_equal(store_customer_get(f->db, "C1", &stale, &err), 0);
    customer_set(&c.address, "東京都渋谷区");
    assert_int_equal(store_customer_update(f->db, &tester, &c, &err), 0);
    assert_int_equal(c.version, 2);
    customer_set(&stale.address, "大阪府");
    assert_int_equal(store_customer_update(f->db, &tester, &stale, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    customer_release(&c);
    customer_release(&stale);
    assert_int_equal(store_customer_get(f->db, "C1", &c, &err), 0);
    assert_string_equal(c.address, "東京都渋谷区");
    customer_release(&c);
}

static void test_duplicate_and_invalid(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    int64_t n;
    assert_true(add_customer(f->db, "C1", "A", NULL, NULL, &err) > 0);
    assert_int_equal(add_customer(f->db, "C1", "B", NULL, NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_string_equal(err.field, "code");
    assert_int_equal(add_customer(f->db, "C2", "B", NULL, "12", &err), -1);
    assert_int_equal(err.code, OK_ERR_INVALID);
    assert_string_equal(err.field, "phone");
    assert_int_equal(add_customer(f->db, "", "B", NULL, NULL, &err), -1);
    assert_string_equal(err.field, "code");
    assert_int_equal(store_customer_count(f->db, &n, &err), 0);
    assert_int_equal(n, 1);
    /* the failed attempts left nothing in the audit log either */
    assert_int_equal(db_query_i64(f->db, "SELECT count(*) FROM audit_log", &n, &err), 1);
    assert_int_equal(n, 1);
}

static int collect_codes(void *ctx, const struct customer *c)
{
    struct buf *b = ctx;
    buf_printf(b, "%s;", c->code);
    return 0;
}

static void test_search_folds_width_and_kana(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    struct customer_query q = {0};
    struct buf codes;
    assert_true(add_customer(f->db, "C1", "山田 太郎", "ヤマダ タロウ", "090-1111-2222", &err) > 0);
    assert_true(add_customer(f->db, "C2", "山本 花子", "やまもと はなこ", NULL, &err) > 0);
    assert_true(add_customer(f->db, "C3", "ＳＡＴＯ Ｋｅｎ", NULL, NULL, &err) > 0);
    buf_init(&codes, 0);
    q.search = "ﾔﾏﾀﾞ";
    assert_int_equal(store_customer_list(f->db, &q, collect_codes, &codes, &err), 0);
    assert_string_equal(codes.data, "C1;");
    buf_reset(&codes);
    q.search = "やま";
    assert_int_equal(store_customer_list(f->db, &q, collect_codes, &codes, &err), 0);
    assert_string_equal(codes.data, "C1;C2;");
    buf_reset(&codes);
    q.search = "sato";
    assert_int_equal(store_customer_list(f->db, &q, collect_codes, &codes, &err), 0);
    assert_string_equal(codes.data, "C3;");
    buf_reset(&codes);
    q.search = "０９０－１１１１";
    assert_int_equal(store_customer_list(f->db, &q, collect_codes, &codes, &err), 0);
    assert_string_equal(codes.data, "C1;");
    buf_reset(&codes);
    q.search = NULL;
    q.after_code = "C1";
    q.limit = 1;
    assert_int_equal(store_customer_list(f->db, &q, collect_codes, &codes, &err), 0);
    assert_string_equal(codes.data, "C2;");
    buf_release(&codes);
}

static void test_orders_and_returns(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    struct order_line o;
    int64_t lines, orders;
    assert_true(add_customer(f->db, "C1", "A", NULL, NULL, &err) > 0);
    memset(&o, 0, sizeof(o));
    o.order_code = strdup("R1");
    o.customer_code = strdup("C1");
    o.ordered_at = strdup("令和6年1月5日 13:05");
    o.quantity = 3;
    o.unit_price = 500;
    o.has_unit_price = 1;
    assert_true(store_order_add(f->db, &tester, &o, &err) > 0);
    assert_int_equal(o.amount, 1500);
    assert_int_equal(o.line_no, 1);
    assert_string_equal(o.ordered_at, "2024-01-05 13:05:00");
    order_line_release(&o);

    memset(&o, 0, sizeof(o));
    o.order_code = strdup("R1");
    o.customer_code = strdup("C1");
    o.ordered_at = strdup("2024-01-05");
    o.amount = 200;
    o.has_amount = 1;
    assert_true(store_order_add(f->db, &tester, &o, &err) > 0);
    assert_int_equal(o.line_no, 2); /* next line of the same order */
    order_line_release(&o);

    /* a return with mismatched signs is refused */
    memset(&o, 0, sizeof(o));
    o.order_code = strdup("R2");
    o.customer_code = strdup("C1");
    o.ordered_at = strdup("2024-01-06");
    o.quantity = -1;
    o.amount = 500;
    o.has_amount = 1;
    assert_int_equal(store_order_add(f->db, &tester, &o, &err), -1);
    assert_string_equal(err.field, "amount");
    order_line_release(&o);

    /* unknown customer */
    memset(&o, 0, sizeof(o));
    o.order_code = strdup("R3");
    o.customer_code = strdup("NOPE");
    o.ordered_at = strdup("2024-01-06");
    o.amount = 5;
    o.has_amount = 1;
    assert_int_equal(store_order_add(f->db, &tester, &o, &err), -1);
    assert_string_equal(err.field, "customer_code");
    order_line_release(&o);

    assert_int_equal(store_order_count(f->db, &lines, &orders, &err), 0);
    assert_int_equal(lines, 2);
    assert_int_equal(orders, 1);
}

static void test_deal_lifecycle(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    struct deal d;
    int64_t id;
    char ref[24];
    assert_true(add_customer(f->db, "C1", "A", NULL, NULL, &err) > 0);
    memset(&d, 0, sizeof(d));
    d.customer_code = strdup("C1");
    d.opened_at = strdup("2024/3/1");
    d.amount = 100000;
    id = store_deal_create(f->db, &tester, &d, &err);
    assert_true(id > 0);
    deal_release(&d);
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    assert_int_equal(store_deal_lose(f->db, &tester, ref, "2024-03-10", NULL, NULL, &err), -1);
    assert_string_equal(err.field, "lost_reason");
    assert_int_equal(store_deal_lose(f->db, &tester, ref, "2024-02-10", "price", NULL, &err), -1);
    assert_string_equal(err.field, "closed_at");
    assert_int_equal(store_deal_lose(f->db, &tester, ref, "2024-03-10", "競合", "A社", &err), 0);
    assert_int_equal(store_deal_get(f->db, ref, &d, &err), 0);
    assert_string_equal(d.stage, "lost");
    assert_string_equal(d.lost_reason, "competitor");
    assert_string_equal(d.lost_note, "A社");
    assert_string_equal(d.closed_at, "2024-03-10");
    deal_release(&d);
    assert_int_equal(store_deal_win(f->db, &tester, ref, NULL, -1, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_folds_width_and_kana, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_and_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deal_lifecycle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
