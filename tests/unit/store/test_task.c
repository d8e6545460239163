/* Tests for src/store/task.c: create, optimistic updates, complete (with its activity), snooze,
 * reassign, cancel and the task lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mem.h"
#include "store/fields.h"
#include "store/task.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static void fixtures(struct db *db)
{
    test_db_exec(db, "INSERT INTO users(id, login) VALUES (1, 'hana'), (2, 'ken');"
                     "INSERT INTO customers(id, code, name) VALUES (1, 'C1', '山田'), "
                     "(2, 'C2', '佐藤');");
}

static int64_t add(struct db *db, const char *customer, const char *assignee, const char *due,
                   const char *title)
{
    struct task t = {0};
    struct ok_err err;
    int64_t id;
    store_field_set(&t.customer_code, customer);
    store_field_set(&t.assignee, assignee);
    store_field_set(&t.due_on, due);
    store_field_set(&t.title, title);
    store_field_set(&t.channel, "phone");
    id = store_task_create(db, &cli, &t, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    task_release(&t);
    return id;
}

static void test_create_get_update_conflict(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct task a, b;
    struct ok_err err;
    struct buf json;
    int64_t id;
    fixtures(db);
    id = add(db, "C1", "hana", "2024/4/1", "お礼の電話");
    assert_int_equal(store_task_get(db, id, &a, &err), 0);
    assert_string_equal(a.due_on, "2024-04-01");
    assert_string_equal(a.assignee, "hana");
    assert_string_equal(a.queue, "team");
    assert_string_equal(a.status, "open");
    assert_int_equal(a.version, 1);
    buf_init(&json, 0);
    task_to_json(&a, &json);
    assert_non_null(strstr(json.data, "\"customer_code\":\"C1\",\"assignee\":\"hana\""));
    buf_release(&json);
    /* Two editors load version 1; the second write loses. */
    assert_int_equal(store_task_get(db, id, &b, &err), 0);
    store_field_set(&a.title, "お礼の電話（再）");
    assert_int_equal(store_task_update(db, &cli, &a, &err), 0);
    assert_int_equal(a.version, 2);
    store_field_set(&b.due_on, "2024-05-01");
    assert_int_equal(store_task_update(db, &cli, &b, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    task_release(&b);
    assert_int_equal(store_task_get(db, id, &b, &err), 0);
    assert_string_equal(b.title, "お礼の電話（再）");
    assert_string_equal(b.due_on, "2024-04-01");
    task_release(&b);
    /* Bad input names the field; nothing is written. */
    store_field_set(&a.due_on, "someday");
    assert_int_equal(store_task_update(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "due_on");
    store_field_set(&a.due_on, "2024-04-02");
    store_field_set(&a.assignee, "ghost");
    assert_int_equal(store_task_update(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "assignee");
    store_field_set(&a.assignee, NULL);
    store_field_set(&a.title, NULL);
    assert_int_equal(store_task_update(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "title");
    task_release(&a);
    assert_int_equal(store_task_get(db, 999, &a, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(test_db_i64(db, "SELECT version FROM tasks"), 2);
    test_db_close(&t);
}

static void test_complete_records_activity(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct store_actor ken = {2, "ken"};
    struct task a;
    struct ok_err err;
    int64_t id, act, id2;
    fixtures(db);
    id = add(db, "C1", "hana", "2024-04-01", "お礼の電話");
    assert_int_equal(store_task_complete(db, &ken, id, 1, "", NULL, &err), -1);
    assert_string_equal(err.field, "outcome");
    assert_int_equal(store_task_complete(db, &ken, id, 5, "話せた", NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    act = store_task_complete(db, &ken, id, 1, "再注文あり", "2024-04-01 10:30", &err);
    assert_true(act > 0);
    assert_int_equal(store_task_get(db, id, &a, &err), 0);
    assert_string_equal(a.status, "done");
    assert_string_equal(a.outcome, "再注文あり");
    assert_string_equal(a.done_at, "2024-04-01 10:30:00");
    assert_int_equal(a.version, 2);
    task_release(&a);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM activities WHERE customer_id = 1 AND "
                                     "user_id = 2 AND task_id = 1 AND channel = 'phone' AND "
                                     "outcome = '再注文あり' AND occurred_at = '2024-04-01 "
                                     "10:30:00' AND subject = 'お礼の電話'"),
                     1);
    /* Completing twice is refused and adds no second activity. */
    assert_int_equal(store_task_complete(db, &ken, id, 2, "again", NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM activities"), 1);
    /* A task without customer completes without activity; "now" is filled in. */
    id2 = add(db, NULL, NULL, "2024-04-01", "棚卸し");
    assert_int_equal(store_task_complete(db, &cli, id2, 1, "済", NULL, &err), 0);
    assert_int_equal(store_task_get(db, id2, &a, &err), 0);
    assert_non_null(a.done_at);
    assert_int_equal(strlen(a.done_at), 19);
    task_release(&a);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM activities"), 1);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'task' AND "
                                     "action = 'complete'"),
                     2);
    test_db_close(&t);
}

static void test_snooze_reassign_cancel(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct task a;
    struct ok_err err;
    int64_t id;
    fixtures(db);
    id = add(db, "C1", "hana", "2024-04-01", "DM送付");
    assert_int_equal(store_task_snooze(db, &cli, id, 1, "2024年4月10日", &err), 0);
    assert_int_equal(store_task_snooze(db, &cli, id, 2, "not a date", &err), -1);
    assert_string_equal(err.field, "snoozed_until");
    assert_int_equal(store_task_reassign(db, &cli, id, 2, NULL, "shop", &err), 0);
    assert_int_equal(store_task_reassign(db, &cli, id, 3, "ghost", NULL, &err), -1);
    assert_string_equal(err.field, "assignee");
    assert_int_equal(store_task_get(db, id, &a, &err), 0);
    assert_string_equal(a.snoozed_until, "2024-04-10");
    assert_null(a.assignee);
    assert_string_equal(a.queue, "shop");
    assert_int_equal(a.version, 3);
    task_release(&a);
    assert_int_equal(store_task_cancel(db, &cli, id, 3, "移転", &err), 0);
    assert_int_equal(store_task_snooze(db, &cli, id, 4, "2024-05-01", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "cancelled"));
    test_db_close(&t);
}

static int titles_cb(void *ctx, const struct task *t)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s", b->len ? "," : "", t->title);
    return 0;
}

static void test_lists(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct task_query q = {0};
    struct ok_err err;
    struct buf b;
    int64_t snoozed;
    fixtures(db);
    add(db, "C1", "hana", "2024-04-03", "h3");
    add(db, "C2", "hana", "2024-04-01", "h1");
    add(db, "C1", "ken", "2024-04-02", "k2");
    add(db, NULL, NULL, "2024-04-02", "team2");
    snoozed = add(db, "C2", "hana", "2024-04-02", "h2");
    assert_int_equal(store_task_snooze(db, &cli, snoozed, 1, "2024-04-05", &err), 0);
    buf_init(&b, 0);
    q.assignee = "hana";
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), 0);
    assert_string_equal(b.data, "h1,h2,h3");
    buf_reset(&b);
    /* Today's follow-ups on 2024-04-03: the snoozed one is hidden. */
    q.as_of = "2024-04-03";
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), 0);
    assert_string_equal(b.data, "h1,h3");
    buf_reset(&b);
    q.as_of = "2024-04-05";
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), 0);
    assert_string_equal(b.data, "h1,h2,h3");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.assignee = "-";
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), 0);
    assert_string_equal(b.data, "team2");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.due_from = "2024-04-02";
    q.due_to = "2024-04-02";
    q.customer_code = "C1";
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), 0);
    assert_string_equal(b.data, "k2");
    buf_reset(&b);
    /* Cursor after (2024-04-02, id of k2 = 3). */
    memset(&q, 0, sizeof(q));
    q.after_due = "2024-04-02";
    q.after_id = 3;
    q.limit = 2;
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), 0);
    assert_string_equal(b.data, "team2,h2");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.status = "finished";
    assert_int_equal(store_task_list(db, &q, titles_cb, &b, &err), -1);
    assert_string_equal(err.field, "status");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_update_conflict),
        cmocka_unit_test(test_complete_records_activity),
        cmocka_unit_test(test_snooze_reassign_cancel),
        cmocka_unit_test(test_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
