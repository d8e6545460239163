/* Tests for src/store/goal.c: goals per KPI and period, upsert, overlap listing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "store/fields.h"
#include "store/goal.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static int64_t add(struct db *db, const char *kpi, const char *start, const char *end,
                   double target)
{
    struct goal g = {0};
    struct ok_err err;
    int64_t id;
    store_field_set(&g.kpi, kpi);
    store_field_set(&g.period_start, start);
    store_field_set(&g.period_end, end);
    g.target = target;
    id = store_goal_create(db, &cli, &g, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    goal_release(&g);
    return id;
}

static void test_create_set_update_delete(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct goal g = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t id, again;
    id = add(db, "renewal_rate", "2024/4/1", "令和7年3月31日", 0.85);
    assert_int_equal(store_goal_get(db, id, &got, &err), 0);
    assert_string_equal(got.period_start, "2024-04-01");
    assert_string_equal(got.period_end, "2025-03-31");
    assert_true(got.target == 0.85);
    buf_init(&json, 0);
    goal_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"kpi\":\"renewal_rate\",\"period_start\":\"2024-04-01\","
                                      "\"period_end\":\"2025-03-31\",\"target\":0.85"));
    buf_release(&json);
    goal_release(&got);
    /* Same KPI and period: create conflicts, set updates the target in place. */
    store_field_set(&g.kpi, "renewal_rate");
    store_field_set(&g.period_start, "2024-04-01");
    store_field_set(&g.period_end, "2025-03-31");
    g.target = 0.9;
    assert_int_equal(store_goal_create(db, &cli, &g, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    store_field_set(&g.note, "上方修正");
    again = store_goal_set(db, &cli, &g, &err);
    assert_int_equal(again, id);
    assert_int_equal(store_goal_get(db, id, &got, &err), 0);
    assert_true(got.target == 0.9);
    assert_string_equal(got.note, "上方修正");
    goal_release(&got);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM goals"), 1);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'goal' AND "
                                     "action = 'update' AND before LIKE '%0.85%'"),
                     1);
    /* A new period through set creates. */
    store_field_set(&g.period_start, "2025-04-01");
    store_field_set(&g.period_end, "2026-03-31");
    assert_true(store_goal_set(db, &cli, &g, &err) > id);
    g.id = id;
    store_field_set(&g.period_start, "2024-04-01");
    store_field_set(&g.period_end, "2025-03-31");
    g.target = 0.8;
    assert_int_equal(store_goal_update(db, &cli, &g, &err), 0);
    goal_release(&g);
    assert_int_equal(store_goal_get(db, id, &got, &err), 0);
    assert_true(got.target == 0.8);
    goal_release(&got);
    assert_int_equal(store_goal_delete(db, &cli, id, &err), 0);
    assert_int_equal(store_goal_get(db, id, &got, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    test_db_close(&t);
}

static void test_bad_input(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct goal g = {0};
    struct ok_err err;
    store_field_set(&g.kpi, "Renewal Rate");
    store_field_set(&g.period_start, "2024-04-01");
    store_field_set(&g.period_end, "2025-03-31");
    assert_int_equal(store_goal_create(db, &cli, &g, &err), -1);
    assert_string_equal(err.field, "kpi");
    store_field_set(&g.kpi, "revenue.existing");
    store_field_set(&g.period_end, "2024-03-31");
    assert_int_equal(store_goal_create(db, &cli, &g, &err), -1);
    assert_string_equal(err.field, "period_end");
    store_field_set(&g.period_end, "2025-13-01");
    assert_int_equal(store_goal_create(db, &cli, &g, &err), -1);
    assert_string_equal(err.field, "period_end");
    store_field_set(&g.period_end, "2025-03-31");
    g.target = INFINITY;
    assert_int_equal(store_goal_create(db, &cli, &g, &err), -1);
    assert_string_equal(err.field, "target");
    goal_release(&g);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM goals"), 0);
    test_db_close(&t);
}

static int kpis_cb(void *ctx, const struct goal *g)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s@%s", b->len ? "," : "", g->kpi, g->period_start);
    return 0;
}

static void test_list_by_period(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct goal_query q = {0};
    struct ok_err err;
    struct buf b;
    add(db, "revenue", "2024-01-01", "2024-12-31", 1e7);
    add(db, "churn_rate", "2024-01-01", "2024-03-31", 0.05);
    add(db, "churn_rate", "2024-04-01", "2024-06-30", 0.04);
    add(db, "referrals", "2025-01-01", "2025-12-31", 50);
    buf_init(&b, 0);
    q.from = "2024-05-01";
    q.to = "2024-05-31";
    assert_int_equal(store_goal_list(db, &q, kpis_cb, &b, &err), 0);
    assert_string_equal(b.data, "revenue@2024-01-01,churn_rate@2024-04-01");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.kpi = "churn_rate";
    assert_int_equal(store_goal_list(db, &q, kpis_cb, &b, &err), 0);
    assert_string_equal(b.data, "churn_rate@2024-01-01,churn_rate@2024-04-01");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.after_id = 2;
    assert_int_equal(store_goal_list(db, &q, kpis_cb, &b, &err), 0);
    assert_string_equal(b.data, "churn_rate@2024-04-01,referrals@2025-01-01");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_set_update_delete),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list_by_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
