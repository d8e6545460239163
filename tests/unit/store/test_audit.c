/* Tests for src/store/audit.c: querying the audit log by entity, user, action and time,
 * newest first with a cursor, and its JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/audit.h"
#include "store/store.h"
#include "store_test.h"

struct seen {
    struct buf ids;
    int64_t last_id;
};

static int seen_cb(void *ctx, const struct audit_entry *e)
{
    struct seen *s = ctx;
    buf_printf(&s->ids, "%s%lld:%s", s->ids.len ? "," : "", (long long)e->id, e->action);
    s->last_id = e->id;
    return 0;
}

static void fill(struct db *db)
{
    struct store_actor sys = {0, "import"};
    struct store_actor hana = {1, "hana"};
    struct ok_err err;
    test_db_exec(db, "INSERT INTO users(id, login) VALUES (1, 'hana')");
    assert_int_equal(
        store_audit(db, &sys, "create", "customer", 7, NULL, "{\"code\":\"C7\"}", &err), 0);
    assert_int_equal(store_audit(db, &hana, "update", "customer", 7, "{\"code\":\"C7\"}",
                                 "{\"code\":\"C7\",\"name\":\"x\"}", &err),
                     0);
    assert_int_equal(store_audit(db, &hana, "create", "task", 1, NULL, "{}", &err), 0);
    assert_int_equal(store_audit(db, &sys, "merge", "customer", 8, "not json", NULL, &err), 0);
    test_db_exec(db, "UPDATE audit_log SET at = '2024-01-0' || id || ' 10:00:00'");
}

static void test_filters_and_order(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct audit_query q = {0};
    struct seen s;
    struct ok_err err;
    fill(db);
    buf_init(&s.ids, 0);
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), 0);
    assert_string_equal(s.ids.data, "4:merge,3:create,2:update,1:create");
    buf_reset(&s.ids);
    q.entity = "customer";
    q.entity_id = 7;
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), 0);
    assert_string_equal(s.ids.data, "2:update,1:create");
    buf_reset(&s.ids);
    memset(&q, 0, sizeof(q));
    q.user_login = "hana";
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), 0);
    assert_string_equal(s.ids.data, "3:create,2:update");
    buf_reset(&s.ids);
    q.user_login = "nobody";
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), -1);
    assert_string_equal(err.field, "user");
    memset(&q, 0, sizeof(q));
    q.since = "2024/1/2";
    q.until = "令和6年1月4日";
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), 0);
    assert_string_equal(s.ids.data, "3:create,2:update");
    buf_reset(&s.ids);
    q.since = "yesterday";
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), -1);
    assert_string_equal(err.field, "since");
    /* Paging: two at a time with the cursor. */
    memset(&q, 0, sizeof(q));
    q.limit = 2;
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), 0);
    q.before_id = s.last_id;
    assert_int_equal(store_audit_list(db, &q, seen_cb, &s, &err), 0);
    assert_string_equal(s.ids.data, "4:merge,3:create,2:update,1:create");
    buf_release(&s.ids);
    test_db_close(&t);
}

static int json_cb(void *ctx, const struct audit_entry *e)
{
    audit_entry_to_json(e, ctx);
    buf_putc(ctx, '\n');
    return 0;
}

static void test_json(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct audit_query q = {0};
    struct ok_err err;
    struct buf b;
    fill(db);
    buf_init(&b, 0);
    q.entity = "customer";
    assert_int_equal(store_audit_list(db, &q, json_cb, &b, &err), 0);
    /* JSON before/after are embedded; other text becomes a string. */
    assert_non_null(strstr(b.data, "\"user\":\"hana\",\"actor\":\"hana\",\"action\":\"update\","
                                   "\"entity\":\"customer\",\"entity_id\":7,\"before\":{\"code\":"
                                   "\"C7\"},\"after\":{\"code\":\"C7\",\"name\":\"x\"}}"));
    assert_non_null(strstr(b.data, "\"user\":null,\"actor\":\"import\",\"action\":\"merge\","
                                   "\"entity\":\"customer\",\"entity_id\":8,\"before\":\"not "
                                   "json\",\"after\":null}"));
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_and_order),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
