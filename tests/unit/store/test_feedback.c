/* Tests for src/store/feedback.c: kinds and scores, lists by customer and kind, summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "store/feedback.h"
#include "store/fields.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static int64_t add(struct db *db, const char *customer, const char *kind, int score,
                   const char *text, const char *on)
{
    struct feedback f = {0};
    struct ok_err err;
    int64_t id;
    store_field_set(&f.customer_code, customer);
    store_field_set(&f.kind, kind);
    f.score = score;
    store_field_set(&f.text, text);
    store_field_set(&f.received_on, on);
    id = store_feedback_create(db, &cli, &f, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    feedback_release(&f);
    return id;
}

static void fixtures(struct db *db)
{
    test_db_exec(db, "INSERT INTO customers(id, code, name) VALUES (1, 'C1', '山田'), "
                     "(2, 'C2', '佐藤');");
}

static void test_create_get_delete(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct feedback f = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t id;
    fixtures(db);
    f.score = -1;
    store_field_set(&f.code, "FB1");
    store_field_set(&f.customer_code, "C1");
    store_field_set(&f.kind, "need");
    store_field_set(&f.text, "小容量の商品がほしい");
    store_field_set(&f.received_on, "R6.2.3");
    id = store_feedback_create(db, &cli, &f, &err);
    assert_true(id > 0);
    assert_int_equal(store_feedback_create(db, &cli, &f, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    feedback_release(&f);
    assert_int_equal(store_feedback_get(db, "FB1", &got, &err), 0);
    assert_string_equal(got.received_on, "2024-02-03");
    assert_int_equal(got.score, -1);
    buf_init(&json, 0);
    feedback_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"customer_code\":\"C1\",\"kind\":\"need\",\"score\":null,"
                                      "\"text\":\"小容量の商品がほしい\",\"received_on\":"
                                      "\"2024-02-03\""));
    buf_release(&json);
    feedback_release(&got);
    assert_int_equal(store_feedback_delete(db, &cli, id, &err), 0);
    assert_int_equal(store_feedback_get_by_id(db, id, &got, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(store_feedback_delete(db, &cli, id, &err), -1);
    test_db_close(&t);
}

static void test_bad_input(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct feedback f = {0};
    struct ok_err err;
    fixtures(db);
    f.score = -1;
    store_field_set(&f.customer_code, "C1");
    store_field_set(&f.kind, "praise");
    store_field_set(&f.received_on, "2024-01-01");
    assert_int_equal(store_feedback_create(db, &cli, &f, &err), -1);
    assert_string_equal(err.field, "kind");
    store_field_set(&f.kind, "satisfaction");
    assert_int_equal(store_feedback_create(db, &cli, &f, &err), -1);
    assert_string_equal(err.field, "score");
    f.score = 11;
    assert_int_equal(store_feedback_create(db, &cli, &f, &err), -1);
    assert_string_equal(err.field, "score");
    store_field_set(&f.kind, "complaint");
    f.score = -1;
    assert_int_equal(store_feedback_create(db, &cli, &f, &err), -1);
    assert_string_equal(err.field, "text");
    store_field_set(&f.text, "遅い");
    store_field_set(&f.customer_code, "C0");
    assert_int_equal(store_feedback_create(db, &cli, &f, &err), -1);
    assert_string_equal(err.field, "customer_code");
    feedback_release(&f);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM feedback"), 0);
    test_db_close(&t);
}

static int ids_cb(void *ctx, const struct feedback *f)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%lld", b->len ? "," : "", (long long)f->id);
    return 0;
}

static void test_list_and_summary(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct feedback_query q = {0};
    struct ok_err err;
    struct buf b;
    int64_t n;
    double mean;
    fixtures(db);
    add(db, "C1", "satisfaction", 9, NULL, "2024-01-10");
    add(db, "C1", "complaint", -1, "配送が遅い", "2024-02-10");
    add(db, "C2", "satisfaction", 6, NULL, "2024-02-10");
    add(db, "C1", "satisfaction", 10, "最高", "2024-03-10");
    buf_init(&b, 0);
    q.customer_code = "C1";
    assert_int_equal(store_feedback_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "4,2,1");
    buf_reset(&b);
    q.kind = "satisfaction";
    assert_int_equal(store_feedback_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "4,1");
    buf_reset(&b);
    assert_int_equal(store_feedback_score_summary(db, &q, &n, &mean, &err), 0);
    assert_int_equal(n, 2);
    assert_true(fabs(mean - 9.5) < 1e-12);
    memset(&q, 0, sizeof(q));
    assert_int_equal(store_feedback_score_summary(db, &q, &n, &mean, &err), 0);
    assert_int_equal(n, 3);
    assert_true(fabs(mean - 25.0 / 3.0) < 1e-12);
    q.from = "2024-02-01";
    q.to = "2024-02-28";
    q.before_on = "2024-02-10";
    q.before_id = 3;
    assert_int_equal(store_feedback_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "2");
    buf_reset(&b);
    q.kind = "gossip";
    assert_int_equal(store_feedback_list(db, &q, ids_cb, &b, &err), -1);
    assert_string_equal(err.field, "kind");
    memset(&q, 0, sizeof(q));
    q.customer_code = "C2";
    q.kind = "complaint";
    assert_int_equal(store_feedback_score_summary(db, &q, &n, &mean, &err), 0);
    assert_int_equal(n, 0);
    assert_true(isnan(mean));
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_delete),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list_and_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
